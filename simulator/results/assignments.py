"""Who has done what of an assignment by its due date, in plain Python (no pandas).

An assignment (``Store.create_assignment``) gives one scenario to a group, due by a time, in a
feedback mode, with an attempt limit. For each trainee of the group (``Store.group_members``,
and anyone who played it) the report says:

- ``on_time``: a session played for the assignment was completed by the due time;
- ``late``: completed, but only after the due time;
- ``started``: started for the assignment, never completed;
- ``not_started``: no session for it;

with the attempts made for it, the best effective score among the completed ones (a reviewer's
where there is one, as in the reports) and when it was first completed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .progress import effective

if TYPE_CHECKING:
    from .store import Store

__all__ = [
    "CSV_COLUMNS",
    "STATUSES",
    "AssignmentRow",
    "assignment_report",
    "assignment_status",
    "attempts_left",
    "to_csv",
]

STATUSES = ("on_time", "late", "started", "not_started")


@dataclass(frozen=True)
class AssignmentRow:
    """One trainee's standing on one assignment.

    Attributes:
        assignment_id: the assignment.
        scenario_id: its scenario.
        group: its group.
        due: its due time (ISO, UTC).
        mode: its feedback mode.
        trainee: the trainee.
        status: one of ``STATUSES``.
        attempts: sessions started for it.
        best: the best effective score of a completed one (None: none completed).
        completed_at: when one was first completed (ISO), or None.
    """

    assignment_id: int
    scenario_id: str
    group: str
    due: str
    mode: str
    trainee: str
    status: str
    attempts: int
    best: float | None
    completed_at: str | None


CSV_COLUMNS = tuple(AssignmentRow.__dataclass_fields__)


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def assignment_status(
    assignment: Mapping[str, Any],
    members: Iterable[str],
    rows: list[Mapping[str, Any]],
    reviews: list[Mapping[str, Any]],
) -> list[AssignmentRow]:
    """Each trainee's standing on an assignment.

    Args:
        assignment: the assignments row.
        members: the group's trainees (those who played it are added).
        rows: the sessions played for it (``Store.assignment_sessions``).
        reviews: their reviews.

    Returns:
        One row per trainee, by name.
    """
    due = _when(assignment["due"])
    played: dict[str, list[tuple[Mapping[str, Any], float | None]]] = {}
    for row, score, _passed, _scores, _reviewed in effective(rows, reviews):
        played.setdefault(row["trainee"], []).append((row, score))
    out = []
    for trainee in sorted(set(members) | set(played)):
        sessions = played.get(trainee, [])
        done = [(row, score) for row, score in sessions if row["status"] == "completed" and row["ended_at"]]
        ends = sorted(_when(row["ended_at"]) for row, _score in done)
        if ends and ends[0] <= due:
            status = "on_time"
        elif ends:
            status = "late"
        else:
            status = "started" if sessions else "not_started"
        scores = [score for _row, score in done if score is not None]
        out.append(
            AssignmentRow(
                assignment_id=int(assignment["id"]),
                scenario_id=assignment["scenario_id"],
                group=assignment["group_name"],
                due=assignment["due"],
                mode=assignment["mode"],
                trainee=trainee,
                status=status,
                attempts=len(sessions),
                best=max(scores) if scores else None,
                completed_at=min(done, key=lambda d: _when(d[0]["ended_at"]))[0]["ended_at"] if done else None,
            )
        )
    return out


def assignment_report(store: Store, assignment_ids: Iterable[int] | None = None) -> list[AssignmentRow]:
    """Every trainee's standing on every assignment (or on some), from the store.

    Args:
        store: the results store.
        assignment_ids: only these assignments (default: all).

    Returns:
        The rows, assignment by assignment (soonest due first), trainees by name.
    """
    wanted = None if assignment_ids is None else {int(i) for i in assignment_ids}
    out: list[AssignmentRow] = []
    for assignment in store.assignments():
        if wanted is not None and assignment["id"] not in wanted:
            continue
        found = store.assignment_sessions(assignment["id"])
        members = store.group_members(assignment["group_name"])
        out.extend(assignment_status(assignment, members, found["sessions"], found["reviews"]))
    return out


def attempts_left(assignment: Mapping[str, Any], used: int) -> int | None:
    """How many attempts a trainee has left.

    Args:
        assignment: the assignments row.
        used: sessions the trainee started for it.

    Returns:
        Attempts left (0 when used up), or None when there is no limit.
    """
    limit = assignment["max_attempts"]
    return None if limit is None else max(int(limit) - int(used), 0)


def _cell(value: Any) -> Any:
    return f"'{value}" if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


def to_csv(rows: Iterable[AssignmentRow]) -> str:
    """The report as CSV text (a header row, then one row per trainee and assignment).

    Args:
        rows: ``assignment_report`` rows.

    Returns:
        CSV text; a cell that a spreadsheet would read as a formula is prefixed with ``'``.
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        values = asdict(row)
        writer.writerow(
            {k: f"'{v}" if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v for k, v in values.items()}
        )
    return buffer.getvalue()
