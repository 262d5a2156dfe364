"""The reviewer's lab: filters, views and the session viewer over one results store."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ... import settings
from ...core.scenario import Scenario
from ...errors import LabError
from ...loading.loader import load_library
from ...results import reports
from ...results.store import Store, open_store
from .. import access
from ..common import classed
from ..render import e
from ..text import words
from .base import CSS, empty, grouped, review_words
from .filters import Filters
from .quality import agreement_html, items_html, not_understood_html
from .source import open_review_store
from .viewer import ReviewForm, SessionViewer
from .views import certification_html, first_best_latest_html, kpis_html, matrix_html, progress_html, self_html

if TYPE_CHECKING:
    from .assignments import AssignmentsView

log = logging.getLogger("simulator.ui.review")

VIEW_NAMES = (
    "matrix",
    "kpis",
    "progress",
    "first_best_latest",
    "items",
    "not_understood",
    "certification",
    "agreement",
    "self",
)
VIEWS: dict[str, str] = {name: words("en", "review")[f"view_{name}"] for name in VIEW_NAMES}  # name → title

# The sections of the lab, in the order of its bar: the trainees' views, the sessions, the scenarios' views.
SECTIONS = (
    "matrix",
    "sessions",
    "kpis",
    "progress",
    "first_best_latest",
    "certification",
    "self",
    "items",
    "not_understood",
    "agreement",
    "assignments",
)

MAX_TRAINEES_SHOWN = 100
PER_TRAINEE_VIEWS = frozenset({"matrix", "progress", "first_best_latest", "certification", "self"})


class ReviewLab:
    """The reviewer's lab over one results store: filters, views and the session viewer.

    ``lab.app`` is the whole lab for a notebook cell: the store's note and the filters, a bar of
    sections (``SECTIONS``: the views, "Sessions & reviews", "Assignments") and the section shown;
    ``lab.show_section(name)`` jumps to one. ``lab.filters`` (a ``Filters``) re-renders every view on
    change; ``lab.views[name]`` are ``HTML`` widgets (names in ``VIEWS``, titles in ``lab.titles``);
    ``lab.viewer`` is the session viewer with its ``form``. ``lab.refresh()`` re-renders;
    ``lab.reload()`` re-reads the store first. A view that fails says so in its place
    (``lab.errors``); the others are shown.

    Args:
        store: a ``Store``, or where one is (a SQLite file, a database URL); None: the store named
            by ``$ROLEPLAY_STORE``, or demo data (``open_review_store``).
        scenarios: id → scenario, or the folder of the library; None: ``settings.scenarios_dir()``.
        rules: the assessment rules; None: ``reports.load_rules()``.
        note: HTML shown above the filters (which store this is).
        lang: the lab's language, ``"en"`` or ``"pl"``.
    """

    def __init__(
        self,
        store: Store | str | None = None,
        *,
        scenarios: dict[str, Scenario] | Path | str | None = None,
        rules: dict[str, Any] | None = None,
        note: str = "",
        lang: str = "en",
    ):
        self.lang = lang
        self.w = review_words(lang)
        self.titles = {name: self.w[f"view_{name}"] for name in VIEW_NAMES}
        if not access.allowed("review"):
            self._refuse()
            return
        if isinstance(scenarios, dict):
            self.scenarios = scenarios
        else:
            self.scenarios, problems = load_library(scenarios or settings.scenarios_dir())
            for problem in problems:
                log.warning("scenario not loaded: %s", problem)
        self.demo = False
        if store is None:
            store, note, self.demo = open_review_store(scenarios=self.scenarios, lang=lang)
        self.store = store if isinstance(store, Store) else open_store(store)
        self.rules = rules or reports.load_rules()
        self.data = reports.load(self.store, self.rules)
        self.selected = self.data
        self.note = classed(widgets.HTML(CSS + note), "rp-review", "rp-note-widget")
        self.filters = Filters(self.data, self.scenarios, lang=lang)
        self.views = {name: classed(widgets.HTML(""), "rp-review", f"rp-view-{name}") for name in VIEW_NAMES}
        self.errors: dict[str, str] = {}
        self.viewer = SessionViewer(self.store, self.scenarios, self._submit, lang=lang)
        self.filters.on_change(self.refresh)
        self.refresh()

    @classmethod
    def open(cls, location: str | None = None, *, demo: bool = False, **kwargs: Any) -> ReviewLab:
        """The lab over ``location`` / ``$ROLEPLAY_STORE``, or over demo data (``lab.demo``) when
        that holds no sessions or ``demo`` is true.

        Args:
            location: a SQLite file or a database URL; None: ``$ROLEPLAY_STORE``.
            demo: review demo data whatever the store holds.
            kwargs: for ``ReviewLab`` (``scenarios``, ``rules``, ``lang``).

        Returns:
            The lab.
        """
        if not access.allowed("review"):
            return cls(lang=kwargs.get("lang", "en"))  # the refusal: no store is opened
        scenarios = kwargs.pop("scenarios", None)
        if not isinstance(scenarios, dict):
            scenarios, _problems = load_library(scenarios or settings.scenarios_dir())
        opened = open_review_store(location, scenarios=scenarios, demo=demo, lang=kwargs.get("lang", "en"))
        lab = cls(opened.store, scenarios=scenarios, note=opened.note, **kwargs)
        lab.demo = opened.demo
        return lab

    def _refuse(self) -> None:
        """Under JupyterHub, for a user outside the reviewers: a refusal where the lab would be, no data."""
        self.demo, self.store, self.scenarios, self.errors = False, None, {}, {}
        self.note = access.refusal("review", self.lang)
        self.filters = widgets.VBox([])
        self.views = {name: classed(widgets.HTML(""), "rp-review", f"rp-view-{name}") for name in VIEW_NAMES}
        self.viewer = widgets.VBox([])

    # ------------------------------------------------------------------ what a cell displays

    @functools.cached_property
    def app(self) -> widgets.VBox:
        """The whole lab: the store's note, the filters, the bar of sections and the section shown.

        Returns:
            A ``VBox`` (for a user the lab refuses: the refusal alone).
        """
        if self.store is None:
            return classed(widgets.VBox([self.note]), "rp-app", "rp-review-app")
        w = self.w
        pages, self.section_buttons = [], {}
        for name in SECTIONS:
            body = (
                self.viewer if name == "sessions" else self.assignments if name == "assignments" else self.views[name]
            )
            title = w[f"view_{name}"]
            head = widgets.HTML(
                f'<h3 class="rp-section-title">{title}</h3><p class="rp-about">{w[f"about_{name}"]}</p>'
            )
            pages.append(classed(widgets.VBox([classed(head, "rp-review"), body]), "rp-section", f"rp-section-{name}"))
            button = classed(widgets.Button(description=w[f"tab_{name}"], tooltip=title), "rp-tab", f"rp-tab-{name}")
            button.on_click(functools.partial(lambda name, _b: self.show_section(name), name))
            self.section_buttons[name] = button
        self.stack = classed(widgets.Stack(pages, selected_index=0), "rp-sections")
        bar = classed(widgets.HBox(list(self.section_buttons.values())), "rp-section-bar")
        self.section_buttons[SECTIONS[0]].add_class("rp-current")
        return classed(widgets.VBox([self.header, bar, self.stack]), "rp-app", "rp-review-app")

    @property
    def section(self) -> str:
        """The name of the section shown (one of ``SECTIONS``)."""
        if self.store is None:
            return SECTIONS[0]
        self.app  # noqa: B018 - built on first use
        return SECTIONS[self.stack.selected_index or 0]

    def show_section(self, name: str) -> None:
        """Show one section of ``lab.app``, as a click on its button in the bar does.

        Args:
            name: one of ``SECTIONS``.

        Raises:
            ValueError: for a name that is not a section.
        """
        if name not in SECTIONS:
            raise ValueError(f"no section {name!r}: the sections are {', '.join(SECTIONS)}")
        if self.store is None:  # refused: there are no sections
            return
        self.app  # noqa: B018 - built on first use
        self.stack.selected_index = SECTIONS.index(name)
        for other, button in self.section_buttons.items():
            if other == name:
                button.add_class("rp-current")
            else:
                button.remove_class("rp-current")

    @functools.cached_property
    def header(self) -> widgets.VBox:
        """The note about the store and the filters (one widget, however often it is asked for)."""
        return classed(widgets.VBox([self.note, self.filters]), "rp-header")

    def view(self, name: str) -> widgets.HTML:
        """One view's widget, for a notebook cell.

        Args:
            name: one of ``VIEWS``.

        Returns:
            The ``HTML`` widget, re-rendered whenever the filters change.
        """
        return self.views[name]

    def html(self) -> str:
        """Every view's HTML and the session viewer's, for a report or a test.

        Returns:
            HTML.
        """
        return "".join(w.value for w in self.views.values()) + self.viewer.view.value

    @functools.cached_property
    def assignments(self) -> AssignmentsView:
        """Per assignment, who has done what by the due date, with a CSV download (built on first use).

        Returns:
            The ``AssignmentsView`` (re-read by ``reload``).
        """
        from .assignments import AssignmentsView

        return AssignmentsView(self.store, self.scenarios, lang=self.lang)

    # ------------------------------------------------------------------ updating

    def _render(self, name: str, data: reports.Data) -> str:
        scenarios, lang = self.scenarios, self.lang
        renderers: dict[str, Callable[[], str]] = {
            "matrix": lambda: matrix_html(data, scenarios, lang=lang),
            "kpis": lambda: kpis_html(data, lang=lang),
            "progress": lambda: progress_html(data, scenarios, lang=lang),
            "first_best_latest": lambda: first_best_latest_html(data, scenarios, lang=lang),
            "items": lambda: items_html(data, scenarios, lang=lang),
            "not_understood": lambda: not_understood_html(data, scenarios, lang=lang),
            "certification": lambda: certification_html(data, scenarios, lang=lang),
            "agreement": lambda: agreement_html(data, scenarios, lang=lang),
            "self": lambda: self_html(data, lang=lang),
        }
        return renderers[name]()

    def _summary(self, data: reports.Data) -> str:
        w = self.w
        n, trainees = len(data.sessions), data.sessions["trainee"].nunique()
        summary = w["selection"].format(
            n=grouped(n, w),
            total=grouped(len(self.data.sessions), w),
            trainees=w["one_trainee"] if trainees == 1 else w["trainees"].format(n=trainees),
        )
        if n:
            first, last = data.sessions["started_at"].min(), data.sessions["started_at"].max()
            summary += " · " + w["date_range"].format(first=f"{first:%Y-%m-%d}", last=f"{last:%Y-%m-%d}")
        return f'<span class="rp-muted">{summary}</span>'

    def refresh(self) -> None:
        """Apply the filters and re-render every view and the session picker."""
        w = self.w
        data = reports.select(self.data, **self.filters.selection())
        self.selected = data
        self.errors = {}
        n, trainees = len(data.sessions), data.sessions["trainee"].nunique()
        self.filters.summary.value = self._summary(data)

        # Views with a row (or a chart) per trainee show the most recently active ones when there are
        # very many: a page with thousands of sparklines helps nobody and takes a browser down.
        few, note = data, ""
        if trainees > MAX_TRAINEES_SHOWN:
            latest = data.sessions.groupby("trainee")["started_at"].max().sort_values(ascending=False)
            few = reports.select(data, trainee=list(latest.index[:MAX_TRAINEES_SHOWN]))
            capped = w["capped"].format(shown=MAX_TRAINEES_SHOWN, trainees=grouped(trainees, w))
            note = f'<p class="rp-muted rp-capped">{capped}</p>'
        for name in VIEW_NAMES:
            try:
                if not n:
                    body = empty(w["no_match"])
                elif name in PER_TRAINEE_VIEWS:
                    body = note + self._render(name, few)
                else:
                    body = self._render(name, data)
            except Exception as exc:  # one broken view must not take the others with it
                log.exception("review view %s failed", name)
                self.errors[name] = f"{type(exc).__name__}: {exc}"
                body = f'<p class="rp-view-error">{w["view_failed"]}: {w["details_in_log"]}.</p>'
            self.views[name].value = CSS + body
        self.viewer.offer(data)

    def reload(self) -> None:
        """Read the store again (new sessions, new reviews), then refresh."""
        self.data = reports.load(self.store, self.rules)
        self.filters.set_data(self.data)
        self.refresh()
        if "assignments" in self.__dict__:  # built: read again too
            self.assignments.refresh()

    def _submit(self, form: ReviewForm) -> None:
        w = self.w
        sid = form.session_id
        if sid is None:
            form.status.value = f'<span class="rp-fail">{w["pick_first"]}</span>'
            return
        reviewer = form.reviewer.value.strip()
        if not reviewer:
            form.status.value = f'<span class="rp-fail">{w["need_reviewer"]}</span>'
            return
        values = form.values()
        scores = {**values["scores"], w["overall"]: values["overall"]}
        wrong = [(name, score) for name, score in scores.items() if not 0 <= score <= 100]
        if wrong:
            name, score = wrong[0]
            out_of_range = w["out_of_range"].format(name=e(name), score=f"{score:g}")
            form.status.value = f'<span class="rp-fail">{w["not_saved"]}: {out_of_range}</span>'
            return
        try:
            review_id = self.store.add_review(sid, reviewer, **values)
        except LabError as exc:  # its text may name the store's file and the database's error: for the log
            log.error("review lab: the review of session %s was not saved: %s", sid, exc)
            form.status.value = f'<span class="rp-fail">{w["not_saved"]}: {w["store_refused"]}</span>'
            return
        self.reload()
        form.load(
            self.store.session(sid),
            self.scenarios.get(self.store.session(sid)["scenario_id"]),
            self.store.reviews(sid)[-1],
            self.viewer.assessed(sid),
        )
        saved = w["saved_review"].format(
            id=int(review_id),
            reviewer=e(reviewer),
            overall=f"{values['overall']:.1f}",
            verdict=w["pass"] if values["passed"] else w["fail"],
        )
        form.status.value = f'<span class="rp-pass">{saved}</span>'
