"""The review lab's filters: teams, trainees, scenarios and a date range."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets

from ...core.scenario import Scenario
from ...results import reports
from ..common import classed
from .base import guard, review_words, scenario_title


class Filters(widgets.VBox):
    """Teams, trainees and scenarios (multi-selects; nothing selected = all) and a date range.

    Listeners (``on_change``) are told once per change, however many filters it moved. A failing
    listener shows a message in ``summary`` and is logged; the filters keep working.

    Args:
        data: the report data whose teams, trainees and scenarios are offered.
        scenarios: id → scenario, for titles.
        lang: the labels' language.
    """

    def __init__(self, data: reports.Data, scenarios: dict[str, Scenario], *, lang: str = "en"):
        super().__init__()
        self.add_class("rp-filters")
        self.data = data
        self.scenarios = scenarios
        w = review_words(lang)
        rows = {"rows": 4, "layout": widgets.Layout(width="auto", min_width="180px")}
        self.team = classed(widgets.SelectMultiple(description=w["team"], **rows), "rp-filter-team")
        self.trainee = classed(widgets.SelectMultiple(description=w["trainee"], **rows), "rp-filter-trainee")
        self.scenario = classed(widgets.SelectMultiple(description=w["scenario"], **rows), "rp-filter-scenario")
        self.since = classed(widgets.DatePicker(description=w["since"]), "rp-filter-since")
        self.until = classed(widgets.DatePicker(description=w["until"]), "rp-filter-until")
        self.reset = classed(widgets.Button(description=w["all_data"], icon="undo"), "rp-filter-reset")
        self.summary = classed(widgets.HTML(""), "rp-filter-summary")
        # The lists and dates fold away under a button (the summary line stays): the sections come first.
        self.toggle = classed(
            widgets.ToggleButton(description=w["filters"], icon="filter", tooltip=w["filters_tip"]),
            "rp-filters-toggle",
        )
        self.body = classed(widgets.VBox([]), "rp-filters-body")
        self.body.layout.display = "none"
        safe = guard(self.summary, lang)
        self.reset.on_click(safe(lambda _b: self.clear()))
        self.team.observe(safe(self._teams_changed), "value")
        self._listeners: list[Callable[[], None]] = []
        self._quiet = 0
        for widget in (self.team, self.trainee, self.scenario, self.since, self.until):
            widget.observe(safe(self._changed), "value")
        self.toggle.observe(safe(lambda change: self.expand(change["new"])), "value")
        self.on_change(self._mark)
        self.set_data(data)
        self.body.children = [
            widgets.HBox([self.team, self.trainee, self.scenario], layout=widgets.Layout(flex_flow="row wrap")),
            widgets.HBox([self.since, self.until, self.reset], layout=widgets.Layout(flex_flow="row wrap")),
        ]
        self.children = [classed(widgets.HBox([self.toggle, self.summary]), "rp-filter-line"), self.body]

    def expand(self, shown: bool = True) -> None:
        """Show (or fold away) the lists and dates; the summary line is always shown.

        Args:
            shown: True to show them.
        """
        self.body.layout.display = "" if shown else "none"
        if self.toggle.value != shown:
            self.toggle.value = shown

    def _mark(self) -> None:
        """The button says when a filter is on, even folded away."""
        on = any(value not in (None, [], ()) for value in self.selection().values())
        self.toggle.button_style = "info" if on else ""

    def set_data(self, data: reports.Data) -> None:
        """Offer the teams, trainees and scenarios of new data (what is chosen stays where it can).

        Args:
            data: the report data.
        """
        self.data = data
        with self.quiet():
            s = data.sessions
            self._set_options(self.team, sorted(s["team"].dropna().unique()))
            ids = sorted(s["scenario_id"].unique())
            self._set_options(self.scenario, [(scenario_title(self.scenarios, i), i) for i in ids])
            self._offer_trainees()

    def _offer_trainees(self) -> None:
        s = self.data.sessions
        if self.team.value:
            s = s[s["team"].isin(self.team.value)]
        self._set_options(self.trainee, sorted(s["trainee"].unique()))

    @staticmethod
    def _set_options(widget: widgets.SelectMultiple, options: list) -> None:
        keep = tuple(v for v in widget.value if v in {o[1] if isinstance(o, tuple) else o for o in options})
        if list(widget.options) != list(options):
            widget.value = ()
            widget.options = options
        widget.value = keep

    def _teams_changed(self, _change: dict) -> None:
        with self.quiet():
            self._offer_trainees()

    @contextmanager
    def quiet(self):
        """Change several filters and tell the listeners once, at the end."""
        before = self.selection()
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1
        if not self._quiet and self.selection() != before:
            self._notify()

    def _changed(self, _change: dict) -> None:
        if not self._quiet:
            self._notify()

    def _notify(self) -> None:
        for listener in self._listeners:
            listener()

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after every change of the filters.

        Args:
            listener: called without arguments.
        """
        self._listeners.append(listener)

    def clear(self) -> None:
        """Back to all data: nothing chosen, no dates."""
        with self.quiet():
            for w in (self.team, self.trainee, self.scenario):
                w.value = ()
            self.since.value = self.until.value = None
            self._offer_trainees()

    def selection(self) -> dict[str, Any]:
        """What is chosen.

        Returns:
            Keyword arguments for ``reports.select`` (None: no filter).
        """
        return {
            "team": list(self.team.value) or None,
            "trainee": list(self.trainee.value) or None,
            "scenario": list(self.scenario.value) or None,
            "since": self.since.value,
            "until": self.until.value,
        }
