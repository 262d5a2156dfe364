/* The reply timer of the practice app, counted in the browser.
 *
 * The kernel sends the timer as HTML (<span class="rp-clock rp-clock-run"><b class="rp-clock-value">)
 * whenever the customer says a new line; each new element counts from 0. This script updates the
 * number four times a second and changes the page only when the number changes: once a second, no
 * message over the websocket and no per-frame work (the CSS animation in practice.css, the fallback
 * where this script is absent, costs the browser a style pass every frame).
 */
(function () {
  "use strict";
  document.body.classList.add("rp-js-clock");
  var started = new WeakMap();
  function tick() {
    var now = Date.now();
    var values = document.querySelectorAll(".rp-clock-run .rp-clock-value");
    for (var i = 0; i < values.length; i++) {
      var value = values[i];
      if (!started.has(value)) {
        started.set(value, now);
      }
      var text = String(Math.floor((now - started.get(value)) / 1000));
      if (value.textContent !== text) {
        value.textContent = text;
      }
    }
  }
  window.setInterval(tick, 250);
})();
