"""The session viewer: pick a session, see it, and review it with the form below."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Collection
from typing import Any

import ipywidgets as widgets

from ...core.competencies import competency_title
from ...core.scenario import Scenario
from ...results import reports
from ...results.store import Store
from ..common import classed
from ..render import e
from .base import CSS, empty, grouped, guard, is_nan, review_words, scenario_title
from .session import session_html

MAX_PICKER = 400  # sessions offered by the session viewer (the latest of the filter)
LABEL = {"description_width": "150px"}  # the review form's labels line up


class ReviewForm(widgets.VBox):
    """A reviewer's scores for one session: per competency, overall, pass/fail and a comment.

    The form opens on the latest review's scores, else the automatic ones, exactly as stored: a
    score the reviewer does not move is saved as it was (42.9 stays 42.9), and so are the overall
    score and the verdict when nothing is moved. A competency the conversation never reached is
    marked "not assessed" and saved only when its slider is moved. The overall score follows the
    competency scores (weighted as the scenario weighs them) once one is moved, until the overall
    itself is edited. A failing ``on_submit`` is said in ``status`` and logged; the form stays.

    Args:
        on_submit: called with the form when "Save review" is clicked.
        lang: the labels' language.
    """

    def __init__(self, on_submit: Callable[[ReviewForm], None], *, lang: str = "en"):
        super().__init__()
        self.add_class("rp-review-form")
        self.w = w = review_words(lang)
        self.session_id: str | None = None
        self.weights: dict[str, float] = {}
        self.pass_mark: float | None = None
        self.breached = False
        self.start: dict[str, float | None] = {}  # each competency's score as the form opened (None: not assessed)
        self.touched: set[str] = set()  # the sliders the reviewer moved
        self.start_overall: float | None = None
        self.start_passed: bool | None = None
        self._loading = False
        self._following = False
        self._overall_edited = False
        self.title = widgets.HTML(f"<h4>{w['your_review']}</h4>")
        self.reviewer = classed(
            widgets.Text(description=w["reviewer_label"], placeholder=w["your_name"], style=LABEL), "rp-reviewer"
        )
        self.scores: dict[str, widgets.FloatSlider] = {}
        self.score_box = classed(widgets.VBox([]), "rp-score-box")
        self.overall = classed(
            widgets.BoundedFloatText(min=0, max=100, step=0.1, description=w["overall_label"], style=LABEL),
            "rp-overall",
        )
        self.overall.observe(self._overall_changed, "value")
        verdicts = [(w["pass"], True), (w["fail"], False)]
        self.passed = classed(
            widgets.ToggleButtons(options=verdicts, description=w["verdict_label"], style=LABEL), "rp-passed"
        )
        self.comment = classed(
            widgets.Textarea(
                description=w["comment_label"],
                placeholder=w["comment_placeholder"],
                style=LABEL,
                layout=widgets.Layout(width="auto", max_width="640px", height="70px"),
            ),
            "rp-comment-input",
        )
        self.submit = classed(
            widgets.Button(description=w["save_review"], button_style="primary", icon="check"), "rp-submit"
        )
        self.status = classed(widgets.HTML(""), "rp-form-status")
        self.submit.on_click(guard(self.status, lang)(lambda _b: on_submit(self)))
        self.children = [
            self.title,
            self.reviewer,
            self.score_box,
            self.overall,
            self.passed,
            self.comment,
            classed(widgets.HBox([self.submit, self.status]), "rp-form-actions"),
        ]
        self.load(None)

    def load(
        self,
        session: dict[str, Any] | None,
        scenario: Scenario | None = None,
        review: dict | None = None,
        assessed: Collection[str] | None = None,
    ) -> None:
        """Fill the form for a session: the latest review's scores, else the automatic ones, as stored.

        Args:
            session: the store's row of the session (``Store.session``); None empties and disables the form.
            scenario: the session's scenario (competencies, weights, pass mark), when the library has it.
            review: the latest review of the session, if any.
            assessed: the competencies the session assessed (``reports.Data.scores``); None: every one
                with a score. The others are shown "not assessed" (unless the review scored them).
        """
        self._loading = True
        try:
            self._load(session, scenario, review, assessed)
        finally:
            self._loading = False

    def _load(
        self,
        session: dict[str, Any] | None,
        scenario: Scenario | None,
        review: dict | None,
        assessed: Collection[str] | None,
    ) -> None:
        w = self.w
        self.session_id = session["id"] if session else None
        result = json.loads(session["result"]) if session and session.get("result") else {}
        auto = result.get("competency_scores", {})
        if review:
            start = {c: float(v) for c, v in (review.get("scores") or {}).items()}
        else:
            start = {c: float(v) for c, v in auto.items() if assessed is None or c in assessed}
        names = list(scenario.competencies) if scenario is not None else sorted(set(auto) | set(start))
        self.weights = {c: float(scenario.competencies[c].weight) if scenario else 1.0 for c in names}
        self.pass_mark = scenario.pass_mark if scenario is not None else result.get("pass_mark")
        self.breached = bool(result.get("breaches"))  # a critical breach fails whatever the score
        self.start = {c: start.get(c) for c in names}
        self.touched = set()
        self._overall_edited = False
        self.scores = {}
        rows = []
        for c in names:
            title = scenario.competency_title(c) if scenario is not None else competency_title(c)
            value = self.start[c]
            slider = widgets.FloatSlider(
                value=0.0 if value is None else value,
                min=0,
                max=100,
                step=0.1,
                readout_format=".1f",
                description=title,
                style=LABEL,
                layout=widgets.Layout(width="auto", max_width="520px"),
            )
            slider.add_class(f"rp-score-{c}")
            slider.observe(functools.partial(self._score_moved, c), "value")
            self.scores[c] = slider
            if value is None:
                slider.add_class("rp-unassessed")
                note = classed(widgets.HTML(f'<span class="rp-muted">{w["form_not_assessed"]}</span>'), "rp-na-note")
                rows.append(classed(widgets.VBox([slider, note]), "rp-score-row"))
            else:
                rows.append(slider)
        self.score_box.children = rows
        if review:
            self.start_overall, self.start_passed = float(review["overall"]), bool(review["passed"])
        elif session and not is_nan(session.get("score")):
            self.start_overall, self.start_passed = float(session["score"]), bool(session.get("passed"))
        else:
            self.start_overall, self.start_passed = None, None
        if self.start_overall is not None:
            self.overall.value = self.start_overall
            self.passed.value = self.start_passed  # a reviewer's verdict, or the automatic one (a breach fails it)
        else:
            self._follow()
        self.comment.value = ""
        self.status.value = ""
        for widget in (self.submit, self.overall, self.passed, self.comment, self.reviewer):
            widget.disabled = session is None
        if session is not None and session.get("status") != "completed":
            self.status.value = f'<span class="rp-muted">{w["not_finished"]}</span>'

    def _score_moved(self, competency: str, change: dict) -> None:
        if self._loading:
            return
        self.touched.add(competency)
        if not self._overall_edited:
            self._follow()

    def _overall_changed(self, _change: dict) -> None:
        if not self._loading and not self._following:
            self._overall_edited = True

    def _follow(self) -> None:
        """Overall follows the competency scores (weighted as the scenario weighs them)."""
        total = sum(self.weights.values())
        if not self.scores or not total:
            return
        overall = sum(self.weights[c] * s.value for c, s in self.scores.items()) / total
        self._following = True
        try:
            self.overall.value = round(overall, 1)
        finally:
            self._following = False
        if self.pass_mark is not None:
            self.passed.value = overall >= self.pass_mark and not self.breached

    def moved(self, competency: str) -> bool:
        """Whether the reviewer changed a competency's score (a slider moved back to where it was: no).

        Args:
            competency: a competency id of the form.

        Returns:
            True when its saved score will be the slider's, not the one the form opened on.
        """
        if competency not in self.touched:
            return False
        start = self.start.get(competency)
        return start is None or abs(self.scores[competency].value - start) >= 0.05

    def values(self) -> dict[str, Any]:
        """The review as the form holds it: untouched scores exactly as they were.

        Returns:
            Keyword arguments for ``Store.add_review``: scores, overall, passed, comment. A competency
            not assessed and not moved is left out.
        """
        scores = {}
        for c, slider in self.scores.items():
            if self.moved(c):
                scores[c] = round(float(slider.value), 1)
            elif self.start.get(c) is not None:
                scores[c] = self.start[c]
        overall = round(float(self.overall.value), 1)
        if self.start_overall is not None and abs(overall - self.start_overall) < 0.05:
            overall = self.start_overall  # as stored, to the last digit
        return {
            "scores": scores,
            "overall": overall,
            "passed": bool(self.passed.value),
            "comment": self.comment.value,
        }


class SessionViewer(widgets.VBox):
    """Find a session → its transcript, debrief and scores, with the review form beside them.

    The picker offers the sessions of the filters, latest first, and opens on the latest completed
    one. The search box narrows it by trainee, scenario, date or status (every word must match,
    e.g. ``anna 2026-01``); ``reviewed_only`` keeps the reviewed ones.

    Args:
        store: the results store the sessions come from.
        scenarios: id → scenario, for titles, competencies and pass marks.
        on_submit: what the form's "Save review" calls, with the form.
        lang: the labels' language.
    """

    def __init__(
        self,
        store: Store,
        scenarios: dict[str, Scenario],
        on_submit: Callable[[ReviewForm], None],
        *,
        lang: str = "en",
    ):
        super().__init__()
        self.add_class("rp-session-viewer")
        self.store = store
        self.scenarios = scenarios
        self.lang = lang
        self.w = w = review_words(lang)
        self.data: reports.Data | None = None  # what was offered last
        self._found: list[tuple[str, str, str, str]] = []  # (label, id, status, haystack), latest first
        self.search = classed(
            widgets.Text(
                placeholder=w["search_placeholder"],
                description=w["search"],
                continuous_update=True,
                layout=widgets.Layout(width="auto", max_width="520px"),
            ),
            "rp-session-search",
        )
        self.picker = classed(
            widgets.Dropdown(description=w["session"], layout=widgets.Layout(width="100%", max_width="820px")),
            "rp-session-picker",
        )
        self.reviewed_only = classed(widgets.Checkbox(description=w["reviewed_only"], indent=False), "rp-reviewed-only")
        self.count = classed(widgets.HTML(""), "rp-session-count")
        self.view = classed(widgets.HTML(""), "rp-review", "rp-view-session")
        self.form = ReviewForm(on_submit, lang=lang)
        safe = guard(self.view, lang)
        self.picker.observe(safe(lambda _c: self.show()), "value")
        self.reviewed_only.observe(safe(lambda _c: self.offer(self.data)), "value")
        self.search.observe(safe(lambda _c: self._narrow()), "value")
        self.children = [
            classed(widgets.HBox([self.search, self.reviewed_only]), "rp-session-find"),
            self.picker,
            self.count,
            classed(widgets.HBox([self.view, self.form]), "rp-session-body"),
        ]

    def _label(self, r: Any) -> tuple[str, str]:
        """A session's line in the picker, and the text the search looks in."""
        w = self.w
        status = w.get(f"status_{r.status}", r.status)
        score = f"{r.score:.1f}" if not is_nan(r.score) else status
        verdict = "" if is_nan(r.passed) else (" ✓" if bool(r.passed) else " ✗")
        title = scenario_title(self.scenarios, r.scenario_id)
        when = f"{r.started_at:%Y-%m-%d %H:%M}"
        reviewed = f" · {w['reviewed']}" if r.reviewed else ""
        label = f"{when} · {r.trainee} · {title} #{r.attempt} · {score}{verdict}{reviewed}"
        haystack = " ".join((when, str(r.trainee), title, str(r.scenario_id), status, r.status)).casefold()
        if r.reviewed:
            haystack += " " + w["reviewed"].casefold()
        return label, haystack

    def offer(self, data: reports.Data) -> None:
        """The sessions of the filter (latest first) in the picker; the picked one stays if it can,
        else the latest completed one is picked.

        Args:
            data: the report data of the filters.
        """
        self.data = data
        s = data.sessions
        if self.reviewed_only.value:
            s = s[s["reviewed"]]
        s = s.sort_values(["started_at", "id"], ascending=False, kind="stable")
        self._found = []
        for r in s.itertuples(index=False):
            label, haystack = self._label(r)
            self._found.append((label, r.id, r.status, haystack))
        self._narrow()

    def _narrow(self) -> None:
        """Offer the sessions the search words match (at most ``MAX_PICKER``, the latest)."""
        w = self.w
        terms = self.search.value.casefold().split()
        found = [f for f in self._found if all(t in f[3] for t in terms)]
        total = len(found)
        offered = found[:MAX_PICKER]
        options = [(label, sid) for label, sid, _status, _hay in offered]
        ids = [sid for _label, sid in options]
        current = self.picker.value
        if current not in ids:
            completed = [sid for _label, sid, status, _hay in offered if status == "completed"]
            current = completed[0] if completed else (ids[0] if ids else None)
        with self.hold_trait_notifications():
            self.picker.options = options
            self.picker.value = current
        one = "one_" if total == 1 else ""
        if terms:
            count = w[f"{one}sessions_found"].format(count=grouped(total, w), query=e(self.search.value.strip()))
        else:
            count = w[f"{one}sessions_match"].format(count=grouped(total, w))
        if total > MAX_PICKER:
            count += w["latest_offered"].format(n=MAX_PICKER)
        self.count.value = f'<span class="rp-muted">{count}</span>'
        self.show()

    def show(self) -> None:
        """Show the picked session and put it in the form (a new pick only: an edit in progress stays)."""
        sid = self.picker.value
        if sid is None:
            self.form.load(None)  # first: a page that says nothing matches has nothing to save
            self.view.value = CSS + empty(self.w["no_match"] if not self.search.value.strip() else self.w["no_found"])
            return
        self.view.value = CSS + session_html(self.store, sid, self.scenarios, lang=self.lang)
        if self.form.session_id != sid:
            row = self.store.session(sid)
            reviews = self.store.reviews(sid)
            self.form.load(
                row, self.scenarios.get(row["scenario_id"]), reviews[-1] if reviews else None, self.assessed(sid)
            )

    def assessed(self, session_id: str) -> set[str] | None:
        """The competencies a session assessed, as the reports count them.

        Args:
            session_id: the session.

        Returns:
            Their ids; None when the reports do not know the session.
        """
        if self.data is None or session_id not in set(self.data.sessions["id"]):
            return None
        scores = self.data.scores
        return set(scores.loc[scores["session_id"] == session_id, "competency"]) if len(scores) else set()
