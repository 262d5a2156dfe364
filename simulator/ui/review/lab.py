"""The reviewer's lab: filters, views and the session viewer over one results store."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from ... import settings
from ...core.scenario import Scenario
from ...errors import LabError
from ...loading.loader import load_library
from ...results import reports
from ...results.store import Store, open_store
from ..common import classed
from ..render import e
from .base import CSS, empty
from .filters import Filters
from .quality import agreement_html, items_html, not_understood_html
from .source import open_review_store
from .viewer import ReviewForm, SessionViewer
from .views import certification_html, first_best_latest_html, kpis_html, matrix_html, progress_html, self_html

log = logging.getLogger("simulator.ui.review")

VIEWS: dict[str, str] = {
    "matrix": "Competency matrix",
    "kpis": "KPIs against targets",
    "progress": "Progress over attempts",
    "first_best_latest": "First, best and latest attempt",
    "items": "Item analysis per decision point",
    "not_understood": "Typed replies the lab did not understand",
    "certification": "Certification grades",
    "agreement": "Reviewer agreement",
    "self": "Self-assessment against score",
}


MAX_TRAINEES_SHOWN = 100
PER_TRAINEE_VIEWS = frozenset({"matrix", "progress", "first_best_latest", "certification", "self"})


class ReviewLab:
    """The reviewer's lab over one results store: filters, views and the session viewer.

    ``lab.filters`` (a ``Filters``) re-renders every view on change; ``lab.views[name]`` are
    ``HTML`` widgets (names in ``VIEWS``); ``lab.viewer`` is the session viewer with its
    ``form``. ``lab.refresh()`` re-renders; ``lab.reload()`` re-reads the store first.
    """

    def __init__(
        self,
        store: Store | str | None = None,
        *,
        scenarios: dict[str, Scenario] | Path | str | None = None,
        rules: dict[str, Any] | None = None,
        note: str = "",
    ):
        if isinstance(scenarios, dict):
            self.scenarios = scenarios
        else:
            self.scenarios, problems = load_library(scenarios or settings.scenarios_dir())
            for problem in problems:
                log.warning("scenario not loaded: %s", problem)
        self.demo = False
        if store is None:
            store, note, self.demo = open_review_store(scenarios=self.scenarios)
        self.store = store if isinstance(store, Store) else open_store(store)
        self.rules = rules or reports.load_rules()
        self.data = reports.load(self.store, self.rules)
        self.selected = self.data
        self.note = classed(widgets.HTML(CSS + note), "rp-review", "rp-note-widget")
        self.filters = Filters(self.data, self.scenarios)
        self.views = {name: classed(widgets.HTML(""), "rp-review", f"rp-view-{name}") for name in VIEWS}
        self.errors: dict[str, str] = {}
        self.viewer = SessionViewer(self.store, self.scenarios, self._submit)
        self.filters.on_change(self.refresh)
        self.refresh()

    @classmethod
    def open(cls, location: str | None = None, *, demo: bool = False, **kwargs: Any) -> ReviewLab:
        """The lab over ``location`` / ``$ROLEPLAY_STORE``, or over demo data (``lab.demo``) when
        that holds no sessions or ``demo`` is true."""
        scenarios = kwargs.pop("scenarios", None)
        if not isinstance(scenarios, dict):
            scenarios, _problems = load_library(scenarios or settings.scenarios_dir())
        opened = open_review_store(location, scenarios=scenarios, demo=demo)
        lab = cls(opened.store, scenarios=scenarios, note=opened.note, **kwargs)
        lab.demo = opened.demo
        return lab

    # ------------------------------------------------------------------ what a cell displays

    @property
    def header(self) -> widgets.VBox:
        """The note about the store and the filters."""
        return classed(widgets.VBox([self.note, self.filters]), "rp-header")

    def view(self, name: str) -> widgets.HTML:
        return self.views[name]

    def html(self) -> str:
        """Every view's HTML, for a report or a test."""
        return "".join(w.value for w in self.views.values()) + self.viewer.view.value

    # ------------------------------------------------------------------ updating

    def _render(self, name: str, data: reports.Data) -> str:
        renderers: dict[str, Callable[[], str]] = {
            "matrix": lambda: matrix_html(data, self.scenarios),
            "kpis": lambda: kpis_html(data),
            "progress": lambda: progress_html(data, self.scenarios),
            "first_best_latest": lambda: first_best_latest_html(data, self.scenarios),
            "items": lambda: items_html(data, self.scenarios),
            "not_understood": lambda: not_understood_html(data, self.scenarios),
            "certification": lambda: certification_html(data, self.scenarios),
            "agreement": lambda: agreement_html(data, self.scenarios),
            "self": lambda: self_html(data),
        }
        return renderers[name]()

    def refresh(self) -> None:
        """Apply the filters and re-render every view and the session picker."""
        data = reports.select(self.data, **self.filters.selection())
        self.selected = data
        self.errors = {}
        n, trainees = len(data.sessions), data.sessions["trainee"].nunique()
        summary = f"{n:,} of {len(self.data.sessions):,} sessions · {trainees} trainee{'' if trainees == 1 else 's'}"
        if n:
            first, last = data.sessions["started_at"].min(), data.sessions["started_at"].max()
            summary += f" · {first:%Y-%m-%d} to {last:%Y-%m-%d}"
        self.filters.summary.value = f'<span class="rp-muted">{summary}</span>'

        # Views with a row (or a chart) per trainee show the most recently active ones when there are
        # very many: a page with thousands of sparklines helps nobody and takes a browser down.
        few, note = data, ""
        if trainees > MAX_TRAINEES_SHOWN:
            latest = data.sessions.groupby("trainee")["started_at"].max().sort_values(ascending=False)
            few = reports.select(data, trainee=list(latest.index[:MAX_TRAINEES_SHOWN]))
            note = (
                f'<p class="rp-muted rp-capped">Showing the {MAX_TRAINEES_SHOWN} most recently active of '
                f"{trainees:,} trainees — filter by team or trainee to see the others.</p>"
            )
        for name in VIEWS:
            try:
                if not n:
                    body = empty()
                elif name in PER_TRAINEE_VIEWS:
                    body = note + self._render(name, few)
                else:
                    body = self._render(name, data)
            except Exception as exc:  # one broken view must not take the others with it
                log.exception("review view %s failed", name)
                self.errors[name] = f"{type(exc).__name__}: {exc}"
                body = f'<p class="rp-view-error">This view failed: {e(self.errors[name])}</p>'
            self.views[name].value = CSS + body
        self.viewer.offer(data)

    def reload(self) -> None:
        """Read the store again (new sessions, new reviews), then refresh."""
        self.data = reports.load(self.store, self.rules)
        self.filters.set_data(self.data)
        self.refresh()

    def _submit(self, form: ReviewForm) -> None:
        sid = form.session_id
        if sid is None:
            form.status.value = '<span class="rp-fail">Pick a session first.</span>'
            return
        reviewer = form.reviewer.value.strip()
        if not reviewer:
            form.status.value = '<span class="rp-fail">Enter your name as the reviewer.</span>'
            return
        values = form.values()
        try:
            review_id = self.store.add_review(sid, reviewer, **values)
        except LabError as exc:
            form.status.value = f'<span class="rp-fail">Not saved: {e(exc)}</span>'
            return
        self.reload()
        form.load(
            self.store.session(sid),
            self.scenarios.get(self.store.session(sid)["scenario_id"]),
            self.store.reviews(sid)[-1],
        )
        verdict = "pass" if values["passed"] else "fail"
        form.status.value = (
            f'<span class="rp-pass">Saved review #{int(review_id)} by {e(reviewer)}: '
            f"{values['overall']:.1f}, {verdict}. Reports now use it.</span>"
        )
