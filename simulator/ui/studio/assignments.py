"""The studio's Assignments section: a trainer assigns scenarios to a group and removes assignments.

An assignment gives one scenario to a hub group (``trainees``, a class's name, or ``everyone``)
with a due date, a feedback mode (``practice``: after each reply; ``assessment``: at the end only)
and an attempt limit (0: none). Trainees see theirs first in the practice app; the review lab shows
who has done what by the due date. Everything is kept in the results store.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ... import settings
from ...errors import LabError
from ...results.store import ASSIGNMENT_MODES, Store
from ..common import classed
from ..render import e
from ..text import words

if TYPE_CHECKING:
    from ...core.scenario import Scenario

__all__ = ["AssignmentsEditor", "assignments_html"]

log = logging.getLogger("simulator.ui")


def assignments_html(rows: list[Mapping[str, Any]], scenarios: Mapping[str, Scenario], lang: str = "en") -> str:
    """The assignments as an HTML table.

    Args:
        rows: assignments rows (``Store.assignments``).
        scenarios: the library (titles).
        lang: ``"en"`` or ``"pl"``.

    Returns:
        HTML; every value escaped.
    """
    w = words(lang, "assignments")
    if not rows:
        return f'<p class="rp-muted rp-no-assignments">{e(w["none"])}</p>'
    head = "".join(f"<th>{e(w[k])}</th>" for k in ("id", "scenario", "group", "due", "mode", "max_attempts", "by"))
    body = []
    for a in rows:
        title = scenarios[a["scenario_id"]].title if a["scenario_id"] in scenarios else a["scenario_id"]
        limit = w["no_limit"] if a["max_attempts"] is None else str(a["max_attempts"])
        cells = [
            str(a["id"]), title, a["group_name"], a["due"][:16].replace("T", " "), w["mode_" + a["mode"]], limit,
            a["created_by"],
        ]  # fmt: skip
        body.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
    return f'<table class="rp-assignments"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


class AssignmentsEditor(widgets.VBox):
    """Create, list and remove assignments.

    Args:
        store: the results store the assignments are kept in.
        scenarios: the library (id -> Scenario) trainers may assign.
        lang: ``"en"`` or ``"pl"``.
        today: the date the due date starts from (a week later); None: today (UTC).

    Attributes:
        scenario, group, due, mode, max_attempts: the new assignment's fields.
        assign: makes it; ``status`` says what happened.
        listing: the assignments as a table; ``remove_pick`` and ``remove`` take one away.
    """

    def __init__(
        self,
        store: Store,
        scenarios: Mapping[str, Scenario],
        *,
        lang: str = "en",
        today: dt.date | None = None,
    ):
        super().__init__()
        self.add_class("rp-assignments-box")
        self.store, self.scenarios, self.lang = store, scenarios, lang
        w = self.w = words(lang, "assignments")
        today = today or dt.datetime.now(dt.UTC).date()
        options = [(f"{s.title} ({sid})", sid) for sid, s in sorted(scenarios.items(), key=lambda kv: kv[1].title)]
        self.scenario = classed(widgets.Dropdown(options=options, description=w["scenario"]), "rp-assign-scenario")
        self.group = classed(
            widgets.Text(value="trainees", placeholder=w["group_placeholder"], description=w["group"]),
            "rp-assign-group",
        )
        self.due = classed(
            widgets.DatePicker(value=today + dt.timedelta(days=7), description=w["due"]), "rp-assign-due"
        )
        self.mode = classed(
            widgets.Dropdown(options=[(w[f"mode_{m}"], m) for m in ASSIGNMENT_MODES], description=w["mode"]),
            "rp-assign-mode",
        )
        self.max_attempts = classed(
            widgets.BoundedIntText(value=0, min=0, max=1000, description=w["max_attempts"]), "rp-assign-attempts"
        )
        self.assign = classed(widgets.Button(description=w["assign"], icon="plus", button_style="primary"), "rp-assign")
        self.assign.on_click(self._guard(self._create))
        self.status = classed(widgets.HTML(""), "rp-assign-status")
        self.listing = classed(widgets.HTML(""), "rp-assign-list")
        self.remove_pick = classed(widgets.Dropdown(options=[], layout=widgets.Layout(width="120px")), "rp-assign-pick")
        self.remove = classed(widgets.Button(description=w["remove"], icon="trash"), "rp-assign-remove")
        self.remove.on_click(self._guard(self._remove))
        hint = widgets.HTML(f'<span class="rp-muted">{e(w["max_attempts_hint"])}</span>')
        self.children = [
            widgets.HTML(f"<h3>{e(w['title'])}</h3>"),
            widgets.HBox([self.scenario, self.group]),
            widgets.HBox([self.due, self.mode]),
            widgets.HBox([self.max_attempts, hint]),
            widgets.HBox([self.assign, self.status]),
            self.listing,
            widgets.HBox([self.remove_pick, self.remove]),
        ]
        self.refresh()

    def _guard(self, action: Any) -> Any:
        @functools.wraps(action)
        def run(_button: Any = None) -> None:
            try:
                action()
            except LabError as exc:  # the store refused: said in the trainer's words, details in the log
                log.error("studio: assignments: %s", exc)
                self.status.value = f'<span class="rp-fail">{e(self.w["not_saved"])}: {e(str(exc))}</span>'

        return run

    def refresh(self) -> None:
        """Read the assignments again and list them."""
        rows = self.store.assignments()
        self.listing.value = assignments_html(rows, self.scenarios, self.lang)
        self.remove_pick.options = [(f"{self.w['id']} {a['id']}", a["id"]) for a in rows]

    def _create(self) -> None:
        w = self.w
        if not self.scenario.value:
            self.status.value = f'<span class="rp-fail">{e(w["need_scenario"])}</span>'
            return
        if not self.group.value.strip():
            self.status.value = f'<span class="rp-fail">{e(w["need_group"])}</span>'
            return
        if self.due.value is None:
            self.status.value = f'<span class="rp-fail">{e(w["need_due"])}</span>'
            return
        limit = int(self.max_attempts.value) or None
        self.store.create_assignment(
            self.scenario.value,
            self.group.value,
            self.due.value.isoformat(),
            mode=self.mode.value,
            max_attempts=limit,
            created_by=settings.hub_user() or "trainer",
        )
        title = self.scenarios[self.scenario.value].title
        done = w["created"].format(scenario=e(title), group=e(self.group.value.strip()), due=e(self.due.value))
        self.status.value = f'<span class="rp-pass">{done}</span>'
        self.refresh()

    def _remove(self) -> None:
        picked = self.remove_pick.value
        if picked is None:
            return
        self.store.delete_assignment(picked)
        self.status.value = f'<span class="rp-pass">{e(self.w["removed"].format(id=picked))}</span>'
        self.refresh()
