/* A page whose opening stops at one step says so and offers a reload.
 *
 * Voila sends the page cell by cell and shows "Executing 2 of 2" while a cell runs; when the cells are
 * done its loading note (#loading) goes. A kernel that never finishes its cell (or whose answer never
 * reaches the server) would leave the trainee at the spinner for good: after STUCK_S seconds at one
 * step this script shows a note with a reload button (a reload takes a new kernel), and takes the note
 * away again if the page opens after all. ?rp-stuck-after=N sets the seconds (tests).
 *
 * A page whose scripts fail to load never opens either (a piece refused, or not come within the loader's
 * wait, as on a server or a browser swamped by a class opening at once): that failure shows the note at
 * once, worded for it.
 */
(function () {
  "use strict";
  var asked = Number(new URLSearchParams(window.location.search).get("rp-stuck-after"));
  var STUCK_S = asked > 0 ? asked : 240;
  var seen = false;
  var step = null;
  var since = Date.now();
  var note = null;

  var SLOW =
    "<p>Opening is taking longer than it should. Reload the page to get a new seat.</p>" +
    '<p lang="pl">Otwieranie trwa dłużej, niż powinno. Odśwież stronę, aby dostać nowe miejsce.</p>';
  var FAILED =
    "<p>Part of the page did not load. Reload the page to try again.</p>" +
    '<p lang="pl">Część strony się nie wczytała. Odśwież stronę, aby spróbować ponownie.</p>';

  function showNote(why) {
    if (note !== null) {
      note.remove();
    }
    note = document.createElement("div");
    note.className = "rp-stuck";
    note.setAttribute("role", "alert");
    note.innerHTML = why + '<button type="button" class="rp-stuck-reload">Reload · Odśwież</button>';
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
      showNote(SLOW);
    }
  }, 1000);

  // Webpack's "Loading chunk N failed" (a ChunkLoadError), however it surfaces: thrown, or a promise nobody caught.
  function scriptsFailed(reason) {
    var text = typeof reason === "string" ? reason : reason ? reason.name + " " + reason.message : "";
    if (/ChunkLoadError|Loading chunk \S+ failed/.test(text) && document.getElementById("loading")) {
      showNote(FAILED);
    }
  }
  window.addEventListener("error", function (event) {
    scriptsFailed(event.error || event.message);
  });
  window.addEventListener("unhandledrejection", function (event) {
    scriptsFailed(event.reason);
  });
})();
