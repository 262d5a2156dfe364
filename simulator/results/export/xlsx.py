"""``xlsx``: an Excel workbook with sheets *Competency matrix*, *KPIs* (from ``simulator.results.reports``),
*Sessions*, *Turns* (capped at Excel's row limit), *Reviews* and *Notes*; times in UTC.

The matrix and the KPIs are for reading: their columns are headed with the names a reviewer reads in
the review lab (``Active listening``, ``CSAT % met``). The raw data sheets keep the store's ids
(``score_active_listening``, ``csat``); the *Notes* sheet names every id they use.

pandas (with the reports) and openpyxl are imported when a workbook is written, not before.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import astuple, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...core.competencies import competency_title
from .records import JSON_SESSION_COLUMNS, TURN_COLUMNS, Records, session_columns

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["EXCEL_MAX_CELL", "EXCEL_MAX_ROWS", "write_xlsx"]

EXCEL_MAX_ROWS = 1_048_576  # rows in a worksheet, the header row included
EXCEL_MAX_CELL = 32_767  # characters in a cell
_TIME_COLUMNS = frozenset({"started_at", "ended_at", "at", "created_at"})

# The KPI columns of ``reports.kpis`` by the names the review lab gives them, and what each means.
KPI_TITLES = {
    "sessions": ("Sessions", "completed sessions"),
    "csat": ("CSAT %", "share of completed sessions whose customer satisfaction (1-5) was 4 or 5"),
    "fcr": ("FCR %", "share resolved on first contact"),
    "qa_score": ("QA score", "mean share of replies (%) that were the best available at their point"),
    "aht": ("AHT s", "mean handle time in seconds"),
    "pass_rate": ("Pass rate %", "share passed (the reviewer's verdict where reviewed)"),
}


def write_xlsx(records: Records, path: Path, store: Store) -> list[str]:
    from openpyxl import Workbook

    from .. import reports  # pandas comes with it, here only

    data = reports.load(store)
    if records.pseudonymized:
        data = _pseudonymize_frames(data, records)
    matrix = reports.competency_matrix(data)
    kpis = reports.kpis(data, by="trainee")

    book = Workbook(write_only=True)
    _frame_sheet(book, "Competency matrix", matrix.rename(columns=competency_title).rename_axis("Trainee"), "Trainee")
    _frame_sheet(book, "KPIs", kpis.rename(columns=_kpi_title).rename_axis("Trainee"), "Trainee")
    _sessions_sheet(book, records)
    notes = _turns_sheet(book, records)
    _reviews_sheet(book, records)
    _assignments_sheet(book, records, store)
    about = [
        ("exported at (UTC)", datetime.now(UTC).replace(tzinfo=None, microsecond=0)),
        ("sessions", len(records.sessions)),
        ("turns", records.n_turns),
        ("times", "UTC"),
        *_reading_notes(matrix.columns, records),
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


def _kpi_title(column: str) -> str:
    """A KPIs column by its name: ``csat`` → ``CSAT %``, ``csat_met`` → ``CSAT % met``."""
    for suffix in ("_target", "_met"):
        if column.endswith(suffix) and column[: -len(suffix)] in KPI_TITLES:
            return f"{KPI_TITLES[column[: -len(suffix)]][0]} {suffix[1:]}"
    return KPI_TITLES[column][0] if column in KPI_TITLES else column


def _reading_notes(matrix_columns: Iterable[str], records: Records) -> list[tuple[str, str]]:
    """What the Notes sheet says about the matrix, the KPIs and the ids the raw data sheets use."""
    ids = sorted(
        set(matrix_columns)
        | {c for s in records.sessions if s.get("result") for c in s["result"].get("competency_scores", {})}
    )
    return [
        (
            "Competency matrix",
            "level 0-3 per trainee and competency (0 not yet, 1 needs support, 2 independent, 3 can teach it); "
            "an empty cell: not assessed (no completed conversation reached the competency and no reviewer "
            "scored it)",
        ),
        (
            "KPIs",
            "completed sessions per trainee; each target from the assessment rules, and whether it is met (TRUE/FALSE)",
        ),
        (
            "ids",
            "the Sessions, Turns and Reviews sheets keep the store's ids: score_<competency> is a competency's "
            "automatic score 0-100, scores holds them as JSON; the rows below name each id",
        ),
        *((f"competency {c}", competency_title(c)) for c in ids),
        *((f"KPI {k}", f"{title}: {meaning}") for k, (title, meaning) in KPI_TITLES.items()),
        ("KPI sla (Sessions)", "share of replies (%) given within the scenario's reply time limit"),
    ]


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
