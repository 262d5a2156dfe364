"""``xlsx``: an Excel workbook with sheets *Competency matrix*, *KPIs* (from ``simulator.results.reports``),
*Sessions*, *Turns* (capped at Excel's row limit), *Reviews* and *Notes*; times in UTC.

pandas (with the reports) and openpyxl are imported when a workbook is written, not before.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import astuple, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .records import JSON_SESSION_COLUMNS, TURN_COLUMNS, Records, session_columns

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["EXCEL_MAX_CELL", "EXCEL_MAX_ROWS", "write_xlsx"]

EXCEL_MAX_ROWS = 1_048_576  # rows in a worksheet, the header row included
EXCEL_MAX_CELL = 32_767  # characters in a cell
_TIME_COLUMNS = frozenset({"started_at", "ended_at", "at", "created_at"})


def write_xlsx(records: Records, path: Path, store: Store) -> list[str]:
    from openpyxl import Workbook

    from .. import reports  # pandas comes with it, here only

    data = reports.load(store)
    if records.pseudonymized:
        data = _pseudonymize_frames(data, records)
    matrix = reports.competency_matrix(data)
    kpis = reports.kpis(data, by="trainee")

    book = Workbook(write_only=True)
    _frame_sheet(book, "Competency matrix", matrix, "trainee")
    _frame_sheet(book, "KPIs", kpis, "trainee")
    _sessions_sheet(book, records)
    notes = _turns_sheet(book, records)
    _reviews_sheet(book, records)
    _assignments_sheet(book, records, store)
    about = [
        ("exported at (UTC)", datetime.now(UTC).replace(tzinfo=None, microsecond=0)),
        ("sessions", len(records.sessions)),
        ("turns", records.n_turns),
        ("times", "UTC"),
        ("competency matrix", "level 0-3 per trainee and competency; empty: not assessed"),
        ("KPIs", "completed sessions per trainee; targets from the assessment rules"),
        (
            "names",
            "pseudonymized: trainee-/reviewer- followed by a salted hash, stable for this store; "
            "typed replies and comments are kept as written"
            if records.pseudonymized
            else "as recorded",
        ),
        *(("note", note) for note in notes),
    ]
    _sheet(book, "Notes", ["item", "value"], about)
    book.save(path)
    return notes


def _pseudonymize_frames(data: Any, records: Records) -> Any:
    """The analysis data with every trainee and reviewer column pseudonymized, before any table is made."""
    import pandas as pd

    changes = {}
    for f in fields(data):
        frame = getattr(data, f.name)
        if not isinstance(frame, pd.DataFrame):
            continue
        renamed = {
            column: frame[column].map(rename, na_action="ignore")
            for column, rename in (("trainee", records.trainee_name), ("reviewer", records.reviewer_name))
            if column in frame
        }
        if renamed:
            changes[f.name] = frame.assign(**renamed)
    return replace(data, **changes)


def _plain(value: Any) -> Any:
    """A value openpyxl writes as it is: NaN and NA become empty cells, numpy scalars Python ones."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    try:
        if value != value:  # NaN, pd.NA raises
            return None
    except TypeError:
        return None
    return value


def _frame_sheet(book: Any, title: str, frame: Any, index_label: str) -> None:
    header = [frame.index.name or index_label, *map(str, frame.columns)]
    rows = ([index, *values] for index, values in zip(frame.index, frame.itertuples(index=False), strict=True))
    _sheet(book, title, header, rows)


def _sheet(book: Any, title: str, header: list[str], rows: Iterable[Iterable[Any]], limit: int | None = None) -> int:
    """Write a sheet; user text is written as text (never a formula) without XML-illegal characters."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    sheet = book.create_sheet(title)
    sheet.freeze_panes = "A2"  # the header stays in view
    sheet.append(header)

    def cell(column: str, value: Any) -> Any:
        value = _plain(value)
        if isinstance(value, (dict, list)):
            value = json.dumps(value, ensure_ascii=False)
        if isinstance(value, str):
            if column in _TIME_COLUMNS and value:
                out = WriteOnlyCell(sheet, datetime.fromisoformat(value).astimezone(UTC).replace(tzinfo=None))
                out.number_format = "yyyy-mm-dd hh:mm:ss"
                return out
            value = ILLEGAL_CHARACTERS_RE.sub("", value)[:EXCEL_MAX_CELL]
            if value.startswith("="):  # openpyxl would store it as a formula
                out = WriteOnlyCell(sheet, value)
                out.data_type = "s"
                return out
        return value

    written = 0
    for row in rows:
        if limit is not None and written >= limit:
            break
        sheet.append([cell(c, v) for c, v in zip(header, row, strict=True)])
        written += 1
    return written


def _sessions_sheet(book: Any, records: Records) -> None:
    columns = [c for c in session_columns(records) if c not in JSON_SESSION_COLUMNS]  # spread out below
    competencies = sorted(
        {c for s in records.sessions if s.get("result") for c in s["result"].get("competency_scores", {})}
    )
    kpi_names = ["csat", "fcr", "qa_score", "sla"]
    extra_kpis = [k for k in kpi_names if k not in columns]
    header = [
        *columns,
        "team",
        *(f"score_{c}" for c in competencies),
        *extra_kpis,
        "breaches",
        "reviews",
        "review_overall",
        "review_passed",
    ]

    def rows() -> Iterable[list[Any]]:
        for s in records.sessions:
            result = s.get("result") or {}
            scores = result.get("competency_scores", {})
            kpis = result.get("kpis", {})
            reviews = records.reviews.get(s["id"], [])
            latest = reviews[-1] if reviews else {}
            yield [
                *(s[c] for c in columns),
                records.teams.get(s["trainee"]),
                *(scores.get(c) for c in competencies),
                *(kpis.get(k) for k in extra_kpis),
                "; ".join(result.get("breaches", [])),
                len(reviews),
                latest.get("overall"),
                latest.get("passed"),
            ]

    _sheet(book, "Sessions", header, rows())


def _turns_sheet(book: Any, records: Records) -> list[str]:
    header = ["session_id", "trainee", "scenario_id", "attempt", *TURN_COLUMNS, "best_option_index"]
    rows = (
        [s["id"], s["trainee"], s["scenario_id"], s["attempt"], *(t.get(c) for c in header[4:])]
        for s in records.sessions
        for t in records.turns[s["id"]]
    )
    limit = EXCEL_MAX_ROWS - 1
    written = _sheet(book, "Turns", header, rows, limit=limit)
    if records.n_turns > written:
        return [
            f"the Turns sheet holds the first {written:,} of {records.n_turns:,} turns "
            f"(Excel's limit is {EXCEL_MAX_ROWS:,} rows a sheet); export csv or jsonl for all of them"
        ]
    return []


def _reviews_sheet(book: Any, records: Records) -> None:
    header = [
        "session_id",
        "trainee",
        "scenario_id",
        "attempt",
        "reviewer",
        "overall",
        "passed",
        "scores",
        "comment",
        "created_at",
    ]
    rows = (
        [s["id"], s["trainee"], s["scenario_id"], s["attempt"], *(r[c] for c in header[4:])]
        for s in records.sessions
        for r in records.reviews.get(s["id"], [])
    )
    _sheet(book, "Reviews", header, rows)


def _assignments_sheet(book: Any, records: Records, store: Store) -> None:
    """Who has done what of each assignment by its due date (``results.assignments``)."""
    from ..assignments import CSV_COLUMNS, assignment_report

    rows = (
        [records.trainee_name(v) if c == "trainee" else v for c, v in zip(CSV_COLUMNS, astuple(r), strict=True)]
        for r in assignment_report(store)
    )
    _sheet(book, "Assignments", list(CSV_COLUMNS), rows)
