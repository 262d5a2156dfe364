"""The session viewer: pick a session, see it, and review it with the form below."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from ...core.competencies import competency_title
from ...core.scenario import Scenario
from ...results import reports
from ...results.store import Store
from ..common import classed
from .base import CSS, empty, grouped, guard, is_nan, review_words, scenario_title
from .session import session_html

MAX_PICKER = 400  # sessions offered by the session viewer (the latest of the filter)
LABEL = {"description_width": "150px"}  # the review form's labels line up


class ReviewForm(widgets.VBox):
    """A reviewer's scores for one session: per competency, overall, pass/fail and a comment.

    The overall score follows the competency scores (weighted as the scenario weighs them) until
    it is edited. A failing ``on_submit`` is said in ``status`` and logged; the form stays.

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
        self.title = widgets.HTML(f"<h4>{w['your_review']}</h4>")
        self.reviewer = classed(
            widgets.Text(description=w["reviewer_label"], placeholder=w["your_name"], style=LABEL), "rp-reviewer"
        )
        self.scores: dict[str, widgets.IntSlider] = {}
        self.score_box = widgets.VBox([])
        self.overall = classed(
            widgets.BoundedFloatText(min=0, max=100, step=0.1, description=w["overall_label"], style=LABEL),
            "rp-overall",
        )
        verdicts = [(w["pass"], True), (w["fail"], False)]
        self.passed = classed(
            widgets.ToggleButtons(options=verdicts, description=w["verdict_label"], style=LABEL), "rp-passed"
        )
        self.comment = classed(
            widgets.Textarea(
                description=w["comment_label"],
                placeholder=w["comment_placeholder"],
                style=LABEL,
                layout=widgets.Layout(width="100%", max_width="640px", height="70px"),
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
            widgets.HBox([self.submit, self.status]),
        ]
        self.load(None)

    def load(
        self, session: dict[str, Any] | None, scenario: Scenario | None = None, review: dict | None = None
    ) -> None:
        """Fill the form for a session: the latest review's scores, else the automatic ones.

        Args:
            session: the store's row of the session (``Store.session``); None empties and disables the form.
            scenario: the session's scenario (competencies, weights, pass mark), when the library has it.
            review: the latest review of the session, if any.
        """
        self.session_id = session["id"] if session else None
        result = json.loads(session["result"]) if session and session.get("result") else {}
        auto = result.get("competency_scores", {})
        start = (review or {}).get("scores") or auto
        names = list(scenario.competencies) if scenario is not None else sorted(set(auto) | set(start))
        self.weights = {c: float(scenario.competencies[c].weight) if scenario else 1.0 for c in names}
        self.pass_mark = scenario.pass_mark if scenario is not None else result.get("pass_mark")
        self.breached = bool(result.get("breaches"))  # a critical breach fails whatever the score
        self.scores = {}
        for c in names:
            title = scenario.competency_title(c) if scenario is not None else competency_title(c)
            slider = widgets.IntSlider(
                value=round(float(start.get(c, 0) or 0)),
                min=0,
                max=100,
                description=title,
                style=LABEL,
                layout=widgets.Layout(width="520px"),
            )
            slider.add_class(f"rp-score-{c}")
            slider.observe(self._scores_changed, "value")
            self.scores[c] = slider
        self.score_box.children = list(self.scores.values())
        if review:
            self.overall.value = float(review["overall"])
            self.passed.value = bool(review["passed"])
        else:
            self._scores_changed(None)
        self.comment.value = ""
        self.status.value = ""
        for widget in (self.submit, self.overall, self.passed, self.comment, self.reviewer):
            widget.disabled = session is None
        if session is not None and session.get("status") != "completed":
            self.status.value = f'<span class="rp-muted">{self.w["not_finished"]}</span>'

    def _scores_changed(self, _change: dict | None) -> None:
        """Overall follows the competency scores (weighted as the scenario weighs them) until edited."""
        total = sum(self.weights.values())
        if not self.scores or not total:
            return
        overall = sum(self.weights[c] * s.value for c, s in self.scores.items()) / total
        self.overall.value = round(overall, 1)
        if self.pass_mark is not None:
            self.passed.value = overall >= self.pass_mark and not self.breached

    def values(self) -> dict[str, Any]:
        """The review as the form holds it.

        Returns:
            Keyword arguments for ``Store.add_review``: scores, overall, passed, comment.
        """
        return {
            "scores": {c: float(s.value) for c, s in self.scores.items()},
            "overall": float(self.overall.value),
            "passed": bool(self.passed.value),
            "comment": self.comment.value,
        }


class SessionViewer(widgets.VBox):
    """Pick a session → its transcript, debrief and scores; the review form below.

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
        self.picker = classed(
            widgets.Dropdown(description=w["session"], layout=widgets.Layout(width="100%", max_width="820px")),
            "rp-session-picker",
        )
        self.reviewed_only = classed(widgets.Checkbox(description=w["reviewed_only"], indent=False), "rp-reviewed-only")
        self.count = widgets.HTML("")
        self.view = classed(widgets.HTML(""), "rp-review", "rp-view-session")
        self.form = ReviewForm(on_submit, lang=lang)
        safe = guard(self.view, lang)
        self.picker.observe(safe(lambda _c: self.show()), "value")
        self.reviewed_only.observe(safe(lambda _c: self.offer(self.data)), "value")
        self.children = [
            widgets.HBox([self.picker, self.reviewed_only]),
            self.count,
            self.view,
            self.form,
        ]

    def offer(self, data: reports.Data) -> None:
        """The sessions of the filter (latest first) in the picker; the picked one stays if it can.

        Args:
            data: the report data of the filters.
        """
        w = self.w
        self.data = data
        s = data.sessions
        if self.reviewed_only.value:
            s = s[s["reviewed"]]
        s = s.sort_values(["started_at", "id"], ascending=False, kind="stable")
        total = len(s)
        s = s.head(MAX_PICKER)
        options = []
        for r in s.itertuples(index=False):
            score = f"{r.score:.1f}" if not is_nan(r.score) else w.get(f"status_{r.status}", r.status)
            verdict = "" if is_nan(r.passed) else (" ✓" if bool(r.passed) else " ✗")
            label = (
                f"{r.started_at:%Y-%m-%d %H:%M} · {r.trainee} · {scenario_title(self.scenarios, r.scenario_id)} "
                f"#{r.attempt} · {score}{verdict}{' · ' + w['reviewed'] if r.reviewed else ''}"
            )
            options.append((label, r.id))
        current = self.picker.value
        ids = [o[1] for o in options]
        with self.hold_trait_notifications():
            self.picker.options = options
            self.picker.value = current if current in ids else (ids[0] if ids else None)
        count = w["sessions_match"].format(count=grouped(total, w))
        if total > MAX_PICKER:
            count += w["latest_offered"].format(n=MAX_PICKER)
        self.count.value = f'<span class="rp-muted">{count}</span>'
        self.show()

    def show(self) -> None:
        """Show the picked session and put it in the form (a new pick only: an edit in progress stays)."""
        sid = self.picker.value
        if sid is None:
            self.view.value = CSS + empty(self.w["no_match"])
            self.form.load(None)
            return
        self.view.value = CSS + session_html(self.store, sid, self.scenarios, lang=self.lang)
        if self.form.session_id != sid:
            row = self.store.session(sid)
            reviews = self.store.reviews(sid)
            self.form.load(row, self.scenarios.get(row["scenario_id"]), reviews[-1] if reviews else None)
