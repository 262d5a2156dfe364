/* While the kernel answers a reply, the practice app carries the class rp-busy (one message, instead of
 * disabling every reply control and enabling it again). Clicks and Enter/Space on the reply controls are
 * stopped here before ipywidgets sees them, so a double click or a second Enter is not taken as the answer
 * to the customer's next line.
 */
(function () {
  "use strict";
  var CONTROLS = ".rp-choice, .rp-input, .rp-send, .rp-dym button, .rp-fix button";
  function busy(event) {
    var target = event.target;
    return target && target.closest && target.closest(".rp-busy") !== null && target.closest(CONTROLS) !== null;
  }
  function stop(event) {
    if (busy(event)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }
  document.addEventListener("click", stop, true);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" || event.key === " ") {
      stop(event);
    }
  }, true);
})();
