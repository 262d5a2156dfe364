"""The review lab's assignments view: per assignment, who has done what by the due date, and a CSV of it.

For each assignment (``Store.assignments``) every trainee of its group with their standing
(``results.assignments``): completed on time, late, started, not started; attempts and best score.
The CSV is the same table (``results.assignments.to_csv``), offered as a download link; the Excel
export has it as its *Assignments* sheet.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING

import ipywidgets as widgets

from ...results.assignments import AssignmentRow, assignment_report, to_csv
from ...results.store import Store
from ..common import classed
from ..render import e
from ..text import words
from .base import CSS

if TYPE_CHECKING:
    from ...core.scenario import Scenario

__all__ = ["AssignmentsView", "assignment_report_html"]


def assignment_report_html(
    assignments: list[Mapping], rows: list[AssignmentRow], scenarios: Mapping[str, Scenario], lang: str = "en"
) -> str:
    """Who has done what of each assignment, as HTML, with a CSV download link.

    Args:
        assignments: the assignments rows (``Store.assignments``).
        rows: their report (``assignment_report``).
        scenarios: the library (titles).
        lang: ``"en"`` or ``"pl"``.

    Returns:
        HTML; every name and title escaped.
    """
    w = words(lang, "assignments")
    if not assignments:
        return f'<p class="rp-muted">{e(w["none"])}</p>'
    parts = []
    for a in assignments:
        mine = [r for r in rows if r.assignment_id == a["id"]]
        title = scenarios[a["scenario_id"]].title if a["scenario_id"] in scenarios else a["scenario_id"]
        counts = Counter(r.status for r in mine)
        summary = w["summary"].format(**{k: counts.get(k, 0) for k in ("on_time", "late", "started", "not_started")})
        parts.append(
            f'<h4 class="rp-assignment-title">#{a["id"]} · {e(title)} · {e(a["group_name"])} · '
            f"{e(w['due'])} {e(a['due'][:16].replace('T', ' '))} · {e(w['mode_' + a['mode']])}</h4>"
            f'<p class="rp-muted">{e(summary)}</p>'
        )
        if not mine:
            parts.append(f'<p class="rp-muted">{e(w["no_members"])}</p>')
            continue
        head = "".join(f"<th>{e(w[k])}</th>" for k in ("trainee", "status", "attempts", "best", "completed_at"))
        body = "".join(
            f'<tr class="rp-assignment-{r.status}"><td>{e(r.trainee)}</td><td>{e(w[r.status])}</td>'
            f"<td>{r.attempts}</td><td>{'–' if r.best is None else f'{r.best:.1f}'}</td>"
            f"<td>{e((r.completed_at or '–')[:16].replace('T', ' '))}</td></tr>"
            for r in mine
        )
        table = f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
        parts.append(f'<table class="rp-table rp-assignment-report">{table}</table>')
    data = base64.b64encode(to_csv(rows).encode("utf-8")).decode("ascii")
    link = (
        f'<p><a class="rp-assignments-csv" download="assignments.csv" '
        f'href="data:text/csv;charset=utf-8;base64,{data}">{e(w["download_csv"])}</a></p>'
    )
    return link + "".join(parts)


class AssignmentsView(widgets.VBox):
    """The assignments report of a store, for the review lab (``lab.assignments``).

    Args:
        store: the results store.
        scenarios: the library (titles).
        lang: ``"en"`` or ``"pl"``.

    Attributes:
        html: the ``HTML`` widget with the report; ``refresh()`` reads the store again.
        rows: the report's rows as last read.
    """

    def __init__(self, store: Store, scenarios: Mapping[str, Scenario], lang: str = "en"):
        super().__init__()
        self.store, self.scenarios, self.lang = store, scenarios, lang
        self.html = classed(widgets.HTML(""), "rp-review", "rp-view-assignments")
        self.rows: list[AssignmentRow] = []
        self.children = [self.html]
        self.refresh()

    def refresh(self) -> None:
        """Read the assignments and their sessions again and show them."""
        assignments = self.store.assignments()
        self.rows = assignment_report(self.store)
        self.html.value = CSS + assignment_report_html(assignments, self.rows, self.scenarios, self.lang)
