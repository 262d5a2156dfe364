"""The trainer's studio as widgets (``AuthorStudio``): edit a scenario, see at once whether it is sound,
see it drawn, explore its paths, play it from any node, run its path tests, and turn replies trainees
typed that the lab did not understand into phrasings. Its HTML is made in ``views``."""

from __future__ import annotations

import functools
import logging
import re
import time
from pathlib import Path

import ipywidgets as widgets

from ... import settings
from ...core.engine import Session
from ...core.scenario import Scenario
from ...errors import LabError
from ...loading.loader import draft_scenario
from ...results.store import Store, open_store
from ...studio.files import (
    add_phrasing_to_file,
    discard_draft,
    draft_path,
    new_scenario_text,
    read_draft,
    save_scenario,
)
from ...studio.pathtests import run_path_tests
from .. import access, render
from ..common import Guard, classed, os_reason, store_name, stylesheet, without_paths
from ..text import words
from .editor import CodeEditor
from .views import (
    added_html,
    draft_note_html,
    paths_html,
    play_status_html,
    replies_note_html,
    tests_html,
    verdict_html,
)
from .weak import WeakNodes

__all__ = ["AuthorStudio", "not_understood_replies"]

log = logging.getLogger("simulator.ui")
e = render.e
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_SHOWN_REPLIES = 25


def _pre(text: str) -> str:
    return f"<pre>{e(text)}</pre>"


def not_understood_replies(store: Store, scenario_id: str) -> list[tuple[str, str, int, int | None]]:
    """The typed replies to a scenario to turn into phrasings: those the lab did not understand
    (``Store.not_understood_replies``) and those a trainee corrected ("that's not what I meant":
    ``Store.corrected_replies``), the latter with the option the trainee meant.

    Args:
        store: the results store.
        scenario_id: the scenario.

    Returns:
        (node, reply, times, meant) with ``meant`` the intended option (1-based) of a corrected reply,
        None for one not understood; most frequent first.
    """
    found: dict[tuple[str, str], list] = {}
    for node, reply, option, times in store.corrected_replies(scenario_id):
        entry = found.setdefault((node, reply), [0, option + 1])  # the most frequent meaning first
        entry[0] += times
    for node, reply, times in store.not_understood_replies(scenario_id):
        found.setdefault((node, reply), [0, None])[0] += times
    rows = [(node, reply, times, meant) for (node, reply), (times, meant) in found.items()]
    return sorted(rows, key=lambda r: (-r[2], r[0], r[1]))


def _phrased(scenario: Scenario, node: str, reply: str) -> bool:
    """Whether a reply is already an option's text or phrasing at the node (added, so no longer listed)."""
    said = " ".join(reply.split()).casefold()
    options = scenario.nodes[node].options
    return any(" ".join(p.split()).casefold() == said for o in options for p in (o.text, *o.phrasings))


class AuthorStudio:
    """A trainer's studio over a scenarios folder and a results store.

    A notebook shows its boxes cell by cell: ``editor_box`` (pick, create, edit, check, save),
    ``diagram_box``, ``paths_box`` (path analysis and random walks), ``play_box`` (play from any
    node), ``tests_box`` (path tests), ``phrasings_box`` (replies trainees typed that the lab did
    not understand, each one click from becoming a phrasing) and ``assignments_box`` (scenarios
    assigned to groups, built on first use). A failing action says so beside what was clicked
    (``message`` under the picker, ``save_note`` beside Save, a note in each box, a note in each reply's
    row) and is logged; the studio keeps the editor's text. Text with errors is saved as a draft
    (``studio.files.save_scenario``): trainees keep the last sound version.

    Args:
        scenarios_dir: the scenario library; None: ``settings.scenarios_dir()``.
        store: a ``Store``, or where one is; None: the default store (``$ROLEPLAY_STORE``).
        lang: the studio's language, ``"en"`` or ``"pl"``.
    """

    def __init__(self, scenarios_dir: Path | str | None = None, store: Store | str | None = None, *, lang: str = "en"):
        self.lang = lang
        self.w = words(lang, "studio")
        self.folder = Path(scenarios_dir or settings.scenarios_dir())
        if not access.allowed("studio"):  # under JupyterHub, neither a trainer nor a reviewer
            self.editor_box = self.assignments_box = access.refusal("studio", lang)
            self.diagram_box = self.paths_box = self.play_box = self.tests_box = self.phrasings_box = widgets.VBox()
            return
        self.read_only = not access.library_writable()  # under JupyterHub, trainers write; reviewers read
        self.store = store if isinstance(store, Store) else open_store(store)
        self.scenario: Scenario | None = None
        self.problems: list = []
        self.session: Session | None = None
        self._build()
        self._picked()  # the picker starts on the first file
        if self.read_only:
            self.create.disabled = self.save.disabled = self.discard.disabled = True
            self.message.value = f'<p class="rp-read-only">{e(self.w["read_only"])}</p>'

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        """The six boxes a notebook shows, one builder each; every callback goes through ``_safe``."""
        self.style = widgets.HTML(stylesheet("studio"))
        self.message = classed(widgets.HTML(""), "rp-message")
        # A LabError is the author's to fix and says how; anything else is logged with its traceback.
        # Each failure is shown beside what was clicked: ``_safe`` under the picker, ``_guard(note)`` elsewhere.
        self._safe = self._guard(self.message, clear=False)  # the read-only note stays while the trainer edits
        self.editor_box = self._build_editor()
        self.diagram_box = self._build_diagram()
        self.paths_box = self._build_paths()
        self.weak = WeakNodes(self.store, store_name(self.store.location), self.w)  # "Weak nodes", under the paths
        self.paths_box.children += (self.weak.box,)
        self.play_box = self._build_play()
        self.tests_box = self._build_tests()
        self.phrasings_box = self._build_phrasings()

    def _guard(self, out: widgets.HTML, *, clear: bool = True) -> Guard:
        """A Guard that shows a failure in ``out`` (the note beside the button clicked)."""
        return Guard(out, self._failure, name="studio", expected=(LabError,), log=log, clear=clear)

    def _build_editor(self) -> widgets.VBox:
        """Pick, create, edit, check and save a scenario; the verdict and messages below."""
        w = self.w
        self.picker = classed(
            widgets.Dropdown(options=self._files(), description=w["scenario"], layout=widgets.Layout(width="460px")),
            "rp-pick",
        )
        self.picker.observe(self._safe(self._picked, "act_open"), "value")
        self.new_id = widgets.Text(placeholder=w["new_id"], layout=widgets.Layout(width="220px"))
        self.create = classed(widgets.Button(description=w["new_scenario"], icon="plus"), "rp-new")
        self.create.on_click(self._safe(self._create, "act_save"))
        self.draft_note = classed(widgets.HTML(""), "rp-draft-note")
        self.discard = classed(widgets.Button(description=w["discard_draft"], icon="trash"), "rp-discard")
        self.discard.on_click(self._guard(self.draft_note)(self._discard, "act_discard"))
        self.draft_bar = classed(widgets.HBox([self.draft_note, self.discard]), "rp-draft-bar")
        self.draft_bar.layout.display = "none"
        self.editor = classed(
            CodeEditor(
                labels={"position": w["cursor_at"], "editor": w["editor_label"]},
                layout=widgets.Layout(width="100%", height="460px"),
            ),
            "rp-editor",
        )
        self.editor.observe(self._safe(self._edited, "act_check"), "value")
        self.save_note = classed(widgets.HTML(""), "rp-save-note")
        self.check = classed(widgets.Button(description=w["check"], icon="check"), "rp-check")
        self.check.on_click(self._guard(self.save_note)(lambda _b=None: self.refresh(), "act_check"))
        self.save = classed(widgets.Button(description=w["save"], icon="save", button_style="primary"), "rp-save")
        self.save.on_click(self._guard(self.save_note)(self._save, "act_save"))
        self.verdict = classed(widgets.HTML(""), "rp-verdict")
        rows = [
            self.style,
            widgets.HBox([self.picker, self.new_id, self.create]),
            self.message,
            self.draft_bar,
            self.editor,
            classed(widgets.HBox([self.check, self.save, self.save_note]), "rp-save-row"),
            self.verdict,
        ]
        return classed(widgets.VBox(rows), "rp-studio")

    def _build_diagram(self) -> widgets.VBox:
        """The scenario drawn, with a path highlighted."""
        w = self.w
        self.highlight = widgets.ToggleButtons(
            options=[
                (w["best_path"], "best"),
                (w["worst_path"], "worst"),
                (w["shortest_pass"], "shortest"),
                (w["none"], ""),
            ],
            value="best",
            description=w["highlight"],
        )
        self.diagram_note = classed(widgets.HTML(""), "rp-diagram-note")
        self.highlight.observe(self._guard(self.diagram_note)(lambda _c=None: self._draw(), "act_draw"), "value")
        self.diagram = classed(widgets.HTML(""), "rp-diagram-view")
        return classed(widgets.VBox([self.highlight, self.diagram_note, self.diagram]), "rp-studio")

    def _build_paths(self) -> widgets.VBox:
        """The path analysis, and random walks with a progress bar."""
        w = self.w
        self.paths = classed(widgets.HTML(""), "rp-paths")
        self.walk_count = widgets.BoundedIntText(value=1000, min=1, max=100_000, description=w["walks"])
        self.walk_seed = widgets.IntText(value=0, description=w["seed"])
        self.walk_button = classed(widgets.Button(description=w["run_walks"], icon="random"), "rp-walk")
        self.walk_note = classed(widgets.HTML(""), "rp-walk-note")
        self.walk_button.on_click(self._guard(self.walk_note)(self._walks, "act_walks"))
        self.walk_progress = widgets.IntProgress(value=0, min=0, max=1, layout=widgets.Layout(width="300px"))
        self.walk_result = classed(widgets.HTML(""), "rp-walks")
        walks = widgets.HBox([self.walk_count, self.walk_seed, self.walk_button, self.walk_progress])
        # One walk played again turn by turn: a failure's seed, or any other.
        self.replay_seed = classed(widgets.IntText(value=0, description=w["seed"]), "rp-replay-seed")
        self.replay_button = classed(widgets.Button(description=w["replay"], icon="repeat"), "rp-replay")
        self.replay_note = classed(widgets.HTML(""), "rp-replay-note")
        self.replay_button.on_click(self._guard(self.replay_note)(self._replay, "act_replay"))
        self.replay_result = classed(widgets.HTML(""), "rp-replay-result")
        replay = widgets.HBox([self.replay_seed, self.replay_button, self.replay_note])
        rows = [self.paths, walks, self.walk_note, self.walk_result, replay, self.replay_result]
        return classed(widgets.VBox(rows), "rp-studio")

    def _build_play(self) -> widgets.VBox:
        """Play the scenario from any node at any mood."""
        w = self.w
        self.play_node = widgets.Dropdown(description=w["from_node"])
        self.play_mood = widgets.IntSlider(value=50, min=0, max=100, description=w["mood"])
        self.play_button = classed(widgets.Button(description=w["play_here"], icon="play"), "rp-play")
        self.play_note = classed(widgets.HTML(""), "rp-play-note")
        self._play_safe = self._guard(self.play_note)
        self.play_button.on_click(self._play_safe(self._play, "act_play"))
        self.play_transcript = classed(widgets.HTML(""), "rp-play-transcript")
        self.play_choices = widgets.VBox([])
        self.play_input = widgets.Text(placeholder=w["type_reply"], continuous_update=False)
        self.play_input.observe(self._play_safe(self._typed, "act_play"), "value")
        rows = [
            widgets.HBox([self.play_node, self.play_mood, self.play_button]),
            self.play_note,
            self.play_transcript,
            self.play_choices,
            self.play_input,
        ]
        return classed(widgets.VBox(rows), "rp-studio", "rp-app")

    def _build_tests(self) -> widgets.VBox:
        """Run the scenario's path tests."""
        w = self.w
        self.test_button = classed(widgets.Button(description=w["run_tests"], icon="check-square"), "rp-run-tests")
        self.test_note = classed(widgets.HTML(""), "rp-test-note")
        self.test_button.on_click(self._guard(self.test_note)(self._tests, "act_tests"))
        self.test_result = classed(widgets.HTML(""), "rp-test-result")
        return classed(widgets.VBox([self.test_button, self.test_note, self.test_result]), "rp-studio")

    def _build_phrasings(self) -> widgets.VBox:
        """Typed replies the lab did not understand, each with a button to add it as a phrasing."""
        self.replies_note = classed(widgets.HTML(""), "rp-replies-note")
        self.replies = widgets.VBox([])
        return classed(widgets.VBox([self.replies_note, self.replies]), "rp-studio")

    @functools.cached_property
    def assignments_box(self) -> widgets.VBox:
        """The Assignments section: assign scenarios of the library to a group, list and remove them.

        Built on first use (it loads the library's sound scenarios).

        Returns:
            The ``AssignmentsEditor``.
        """
        from ...loading.loader import load_library
        from .assignments import AssignmentsEditor

        scenarios, _problems = load_library(self.folder)
        editor = AssignmentsEditor(self.store, scenarios, lang=self.lang)
        if self.read_only:  # a reviewer reads the assignments; only trainers make or remove them
            editor.assign.disabled = editor.remove.disabled = True
        return classed(editor, "rp-studio")

    def _files(self) -> list[tuple[str, Path]]:
        """The library's files for the picker, a file with a draft labelled so."""
        files = sorted(self.folder.glob("*.yaml"))
        return [(self.w["draft_label"].format(name=p.name) if draft_path(p).exists() else p.name, p) for p in files]

    def _relabel(self) -> None:
        """Label the picker's files again (a draft saved or dropped) without opening the file again."""
        current, self._quiet = self.picker.value, True
        try:
            self.picker.options = self._files()
            self.picker.value = current
        finally:
            self._quiet = False

    def _failure(self, exc: Exception, action: str | None) -> str:
        """What the author is shown: the lab's own message (files by their name in the library), or
        what failed in the author's words; never a server path or an exception's text (those are
        in the server's log, written once by the Guard)."""
        w = self.w
        if isinstance(exc, LabError):
            return f'<p class="rp-bad">{e(without_paths(str(exc), self.folder))}</p>'
        reason = w[os_reason(exc)] if isinstance(exc, OSError) else w["server_went_wrong"]
        failed = w["could_not"].format(action=w[action or "act_default"], reason=reason)
        return f'<p class="rp-bad">{failed}</p>'

    # ------------------------------------------------------------------ file handling

    @property
    def path(self) -> Path | None:
        """The scenario file picked (None when the folder has none)."""
        return self.picker.value

    def _picked(self, _change=None) -> None:
        if getattr(self, "_quiet", False):
            return
        self.message.value = self.save_note.value = ""
        self._replies_cache: dict[
            str, list[tuple[str, str, int, int | None]]
        ] = {}  # read the store again for a new pick
        self._added: dict[tuple[str, str], str] = {}  # replies added as phrasings, shown as done in their place
        if self.path is None:
            return
        draft = read_draft(self.path)  # a draft saved with problems is where the trainer left off
        text = draft if draft is not None else self.path.read_text(encoding="utf-8")
        self._show_draft()
        if self.editor.value != text:
            self.editor.value = text  # fires _edited → refresh
        else:
            self.refresh()

    def _edited(self, _change=None) -> None:
        self.refresh()

    def _create(self, _button=None) -> None:
        self._writable()
        sid = self.new_id.value.strip()
        if not ID.match(sid):
            raise LabError(self.w["bad_id"])
        path = self.folder / f"{sid}.yaml"
        if path.exists():
            raise LabError(self.w["exists"].format(name=path.name))
        personas = sorted(p.stem for p in (self.folder / "personas").glob("*.yaml"))
        persona = "angry" if "angry" in personas or not personas else personas[0]
        path.write_text(new_scenario_text(sid, sid.replace("-", " ").capitalize(), persona), encoding="utf-8")
        self.picker.options = self._files()
        self.picker.value = path
        self.message.value = f'<p class="rp-ok">{self.w["created"].format(name=e(path.name))}</p>'

    def _writable(self) -> None:
        """Refuse a write to the library for a user who may only read it (not a trainer, under JupyterHub)."""
        if self.read_only:
            raise LabError(self.w["read_only"])

    def _save(self, _button=None) -> None:
        self._writable()
        w = self.w
        if self.path is None:
            raise LabError(w["pick_or_create"])
        saved = save_scenario(self.path, self.editor.value)
        name, at = e(self.path.name), time.strftime("%H:%M:%S")
        if not saved.draft:
            self.save_note.value = f'<span class="rp-ok">{w["saved"].format(name=name, time=at, note="")}</span>'
        else:
            draft = e(f"{saved.path.parent.name}/{saved.path.name}")
            key = "saved_draft" if saved.live else "saved_draft_not_live"
            said = w[key].format(name=name, time=at, draft=draft, n=len(saved.errors))
            self.save_note.value = f'<span class="rp-draft-saved">{said}</span>'
        self._show_draft()
        self._relabel()

    def _show_draft(self) -> None:
        """Show whether the editor holds the file's draft (saved with problems), with a button to drop it."""
        draft = draft_path(self.path) if self.path is not None else None
        if draft is None or not draft.exists():
            self.draft_bar.layout.display = "none"
            self.draft_note.value = ""
            return
        at = time.strftime("%H:%M", time.localtime(draft.stat().st_mtime))
        shown = f"{draft.parent.name}/{draft.name}"
        self.draft_note.value = draft_note_html(self.path.name, shown, at, self.w)
        self.draft_bar.layout.display = None

    def _discard(self, _button=None) -> None:
        """Drop the file's draft and show the library's version (what trainees get)."""
        self._writable()
        if self.path is None:
            return
        discard_draft(self.path)
        self._show_draft()
        self._relabel()
        self.editor.value = self.path.read_text(encoding="utf-8")
        discarded = self.w["draft_discarded"].format(name=e(self.path.name))
        self.save_note.value = f'<span class="rp-ok">{discarded}</span>'

    # ------------------------------------------------------------------ checking

    def refresh(self) -> None:
        """Check the editor's text and update every view."""
        name = self.path.name if self.path else "<new>"
        started = time.perf_counter()
        self.scenario, self.problems = draft_scenario(self.editor.value, name, source=self.path)
        took = time.perf_counter() - started
        self.verdict.value = self._verdict(took)
        self._draw()
        self._explore()
        self.editor.show_problems(self._marked)
        self.weak.show(self.scenario)
        self._reset_play()
        self.test_result.value = self.test_note.value = ""
        self.walk_result.value = self.walk_note.value = ""
        self.replay_result.value = self.replay_note.value = ""
        self._list_replies()

    def _verdict(self, took: float) -> str:
        errors = [p for p in self.problems if p.severity == "error"]
        warnings = [p for p in self.problems if p.severity == "warning"]
        if self.scenario is not None and not errors:
            warnings += self._report().warnings(self.scenario.document)
        self._marked = errors + warnings  # marked in the editor too
        return verdict_html(self.scenario, errors, warnings, took, self.w)

    # ------------------------------------------------------------------ diagram and paths

    def _report(self):
        """The path analysis of the scenario in the editor (made once per text)."""
        from ...studio.paths import analyse

        cached = getattr(self, "_cached_report", None)
        if cached is None or cached[0] is not self.scenario:
            self._cached_report = (self.scenario, analyse(self.scenario))
        return self._cached_report[1]

    def _draw(self) -> None:
        if self.scenario is None:
            self.diagram.value = f"<p><i>{self.w['fix_to_draw']}</i></p>"
            return
        from ...studio.diagram import Diagram

        highlight = None
        choice = self.highlight.value
        if choice:
            report = self._report()
            path = {"best": report.best, "worst": report.worst, "shortest": report.shortest_pass}[choice]
            highlight = list(path.options) if path is not None else None
        self.diagram.value = Diagram(self.scenario, highlight=highlight).html

    def _explore(self) -> None:
        if self.scenario is None:
            self.paths.value = ""
            return
        self.paths.value = paths_html(self._report(), self.scenario, self.w)

    def _walks(self, _button=None) -> None:
        if self.scenario is None:
            raise LabError(self.w["fix_first"])
        from ...studio.walks import walks

        n = self.walk_count.value
        self.walk_progress.max, self.walk_progress.value = n, 0
        step = max(1, n // 50)

        def progress(done: int, total: int) -> None:
            if done % step == 0 or done == total:
                self.walk_progress.value = done

        summary = walks(self.scenario, n=n, seed=self.walk_seed.value, progress=progress)
        out = _pre(summary.text(replay_hint=self.w["replay_hint"]))
        for broken in summary.failures[:5]:
            out += f"<h4>{self.w['walk'].format(seed=broken.seed)}</h4>" + _pre(broken.text())
        self.walk_result.value = out
        self.last_walks = summary
        if summary.failures:  # Replay starts on the first broken walk
            self.replay_seed.value = summary.failures[0].seed

    def _replay(self, _button=None) -> None:
        """The walk of the seed in the Replay box, turn by turn, under it."""
        seed = self.replay_seed.value
        self.replay_result.value = f"<h4>{self.w['walk'].format(seed=seed)}</h4>" + _pre(self.replay(seed))

    def replay(self, seed: int) -> str:
        """One random walk of the current scenario, turn by turn.

        Args:
            seed: the walk's seed (the walks' summary names the seed of each failure).

        Returns:
            The walk as text.
        """
        from ...studio.walks import replay

        if self.scenario is None:
            raise LabError(self.w["fix_first"])
        return replay(self.scenario, seed).text()

    # ------------------------------------------------------------------ play from a node

    def _reset_play(self) -> None:
        self.session = None
        self.play_transcript.value = ""
        self.play_choices.children = []
        if self.scenario is None:
            self.play_node.options = []
            return
        nodes = list(self.scenario.nodes)
        self.play_node.options = nodes
        self.play_node.value = self.scenario.rules.start
        self.play_mood.value = self.scenario.persona.mood.start

    def _play(self, _button=None) -> None:
        if self.scenario is None:
            raise LabError(self.w["fix_first"])
        self.session = Session(
            self.scenario, trainee="studio", start=self.play_node.value, start_mood=self.play_mood.value
        )
        self._lines = [render.line(self.scenario.model.customer.name, self.session.customer_line, "customer")]
        self._show_play()

    def _answer(self, reply, _button=None) -> None:
        session = self.session
        if session is None or session.finished:
            return
        w = self.w
        turn = session.reply(reply)
        self._lines.append(render.line(w["you"], turn.reply, "trainee"))
        if not turn.understood:
            self._lines.append(render.feedback(w["not_understood"].format(confidence=f"{turn.confidence:.2f}")))
        if turn.feedback:
            mood = w["mood_from_to"].format(before=turn.mood_before, after=turn.mood_after)
            self._lines.append(render.feedback(turn.feedback + mood))
        self._lines.append(render.line(self.scenario.model.customer.name, session.customer_line, "customer"))
        self._show_play()

    def _typed(self, change) -> None:
        text = (change.get("new") or "").strip()
        if text and self.session is not None and not self.session.finished:
            self.play_input.value = ""
            self._answer(text)

    def _show_play(self) -> None:
        session = self.session
        self.play_transcript.value = "".join(self._lines) + play_status_html(session, self.w)
        buttons = []
        if not session.finished:
            for i, text in enumerate(session.options, start=1):
                b = classed(
                    widgets.Button(description=f"{i}. {text}", layout=widgets.Layout(width="100%")),
                    "rp-choice",
                )
                b.on_click(self._play_safe(functools.partial(self._answer, i), "act_play"))
                buttons.append(b)
        self.play_choices.children = buttons

    # ------------------------------------------------------------------ path tests

    def _tests(self, _button=None) -> None:
        if self.scenario is None:
            raise LabError(self.w["fix_first"])
        outcomes = run_path_tests(self.scenario)
        self.test_result.value = tests_html(outcomes, self.w)
        self.last_tests = outcomes

    # ------------------------------------------------------------------ not understood → phrasings

    def _list_replies(self) -> None:
        if self.scenario is None:
            self.replies_note.value, self.replies.children = "", []
            return
        # Edits re-check the scenario often; the store is read once per scenario picked.
        if self.scenario.id not in self._replies_cache:
            self._replies_cache[self.scenario.id] = not_understood_replies(self.store, self.scenario.id)
        found = self._replies_cache[self.scenario.id]
        # A reply just added stays in its place as a confirmation; one phrased already is dropped.
        listed = [
            r
            for r in found
            if r[0] in self.scenario.nodes and ((r[0], r[1]) in self._added or not _phrased(self.scenario, r[0], r[1]))
        ]
        shown = [r for r in listed if (r[0], r[1]) not in self._added]
        self.replies_note.value = replies_note_html(
            self.scenario.id, len(shown), store_name(self.store.location), self.w
        )
        rows = []
        for node, reply, times, meant in listed[: MAX_SHOWN_REPLIES + len(self._added)]:
            if (node, reply) in self._added:
                rows.append(classed(widgets.HTML(self._added[(node, reply)]), "rp-reply-added"))
                continue
            options = self.scenario.nodes[node].options
            pick = widgets.Dropdown(
                options=[(f"{i}. {o.text[:70]}", i) for i, o in enumerate(options, start=1)],
                layout=widgets.Layout(width="380px"),
            )
            if meant is not None and meant <= len(options):
                pick.value = meant  # a corrected reply: the option the trainee meant
            add = classed(widgets.Button(description=self.w["add_phrasing"], icon="plus"), "rp-add-phrasing")
            note = classed(widgets.HTML(""), "rp-reply-note")  # what went wrong, beside the button
            add.on_click(self._guard(note)(functools.partial(self._add_phrasing, node, reply, pick), "act_phrasing"))
            label = widgets.HTML(
                f"<b>{e(node)}</b> · “{e(reply[:200])}” <span class='rp-muted'>×{times}"
                + (f" · {self.w['meant'].format(option=meant)}" if meant is not None else "")
                + "</span>",
                layout=widgets.Layout(width="420px"),
            )
            rows.append(classed(widgets.HBox([label, pick, add, note]), "rp-reply-row"))
        self.replies.children = rows

    def _add_phrasing(self, node: str, reply: str, pick: widgets.Dropdown, _button=None) -> None:
        self._writable()
        if self.path is None:
            raise LabError(self.w["save_to_file_first"])
        if draft_path(self.path).exists():
            raise LabError(self.w["draft_phrasing"])
        if self.editor.value != self.path.read_text(encoding="utf-8"):
            raise LabError(self.w["unsaved"])
        add_phrasing_to_file(self.path, node, pick.value, reply)
        added = self.w["added"].format(reply=e(reply), option=pick.value, node=e(node), file=e(self.path.name))
        self._added[(node, reply)] = added_html(added)
        text = self.path.read_text(encoding="utf-8")
        if self.editor.value != text:
            self.editor.value = text  # checked again: the list is made anew, the reply shown as added
        else:
            self._list_replies()
