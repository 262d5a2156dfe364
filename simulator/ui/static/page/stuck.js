/* A page whose opening stops at one step says so and offers a reload.
 *
 * Voila sends the page cell by cell and shows "Executing 2 of 2" while a cell runs; when the cells are
 * done its loading note (#loading) goes. A kernel that never finishes its cell (or whose answer never
 * reaches the server) would leave the trainee at the spinner for good: after STUCK_S seconds at one
 * step this script shows a note with a reload button (a reload takes a new kernel), and takes the note
 * away again if the page opens after all. ?rp-stuck-after=N sets the seconds (tests).
 */
(function () {
  "use strict";
  var asked = Number(new URLSearchParams(window.location.search).get("rp-stuck-after"));
  var STUCK_S = asked > 0 ? asked : 240;
  var seen = false;
  var step = null;
  var since = Date.now();
  var note = null;

  function showNote() {
    note = document.createElement("div");
    note.className = "rp-stuck";
    note.setAttribute("role", "alert");
    note.innerHTML =
      "<p>Opening is taking longer than it should. Reload the page to get a new seat.</p>" +
      '<p lang="pl">Otwieranie trwa dłużej, niż powinno. Odśwież stronę, aby dostać nowe miejsce.</p>' +
      '<button type="button" class="rp-stuck-reload">Reload · Odśwież</button>';
    note.querySelector("button").addEventListener("click", function () {
      window.location.reload();
    });
    document.body.appendChild(note);
  }

  var timer = window.setInterval(function () {
    var loading = document.getElementById("loading");
    if (loading === null) {
      if (seen) {  // the cells are shown: the page opened
        window.clearInterval(timer);
        if (note !== null) {
          note.remove();
        }
      }
      return;
    }
    seen = true;
    var text = (document.getElementById("loading_text") || loading).textContent;
    if (text !== step) {
      step = text;
      since = Date.now();
    } else if (note === null && Date.now() - since > STUCK_S * 1000) {
      showNote();
    }
  }, 1000);
})();
