"""Exports of the results store: CSV, JSON Lines, an Excel workbook and xAPI statements.

Exporters plug in by name (``EXPORTERS``, ``register_exporter``); ``export(store, "xlsx", path)``
runs one. Every exporter reads the same ``Records`` (sessions with their turns, reviews and
self-assessments), so pseudonymization is applied once, for every format:

- ``csv``: one row per turn, the session's columns repeated (a session without turns: one row);
- ``jsonl``: one line per session with its result, turns, reviews and self-assessments nested;
- ``xlsx``: sheets *Competency matrix*, *KPIs* (from ``simulator.results.reports``), *Sessions*, *Turns*
  (capped at Excel's row limit), *Reviews* and *Notes*; times in UTC;
- ``xapi``: xAPI 1.0.3 statements for a learning record store, a JSON array (JSON Lines when the
  file name ends in ``.jsonl``). Statement ids are uuid5 of the session, so re-exports are stable
  and an LRS can take the same statements twice.

**Pseudonymization** replaces trainee and reviewer names with ``trainee-…`` / ``reviewer-…``: the
first 12 hex digits of HMAC-SHA256(salt, name). The salt is made once with ``secrets`` and kept
in the store (``Store.meta_value_or_set``), so the same person gets the same pseudonym in every
export of that store; ``ROLEPLAY_SALT`` overrides it. Free text (typed replies, review
comments) is kept as written: a name typed there stays in the export.

pandas is imported only for the workbook: the trainee's app never pays for it.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ... import settings
from ...errors import LabError, StoreError

if TYPE_CHECKING:
    from ..store import Store

__all__ = [
    "EXPORTERS",
    "ExportSummary",
    "Records",
    "collect",
    "export",
    "iso_duration",
    "pseudonym",
    "pseudonym_salt",
    "register_exporter",
    "xapi_statements",
]

# ------------------------------------------------------------------ the records every format reads

# Session columns holding JSON text besides ``result``: decoded where the format nests.
_JSON_SESSION_COLUMNS = ("competency_scores",)

TURN_COLUMNS = [
    "idx",
    "node",
    "customer_line",
    "reply",
    "kind",
    "option_index",
    "confidence",
    "understood",
    "was_best",
    "scores",
    "mood_before",
    "mood_after",
    "reactions",
    "feedback",
    "latency",
    "at",
    "next",
    "ending",
    "breach",
]


@dataclass
class Records:
    """What an export writes: the store's rows, names already pseudonymized if asked."""

    sessions: list[dict[str, Any]]  # store rows; ``result`` decoded (None until finished)
    turns: dict[str, list[dict[str, Any]]]  # session id -> its turns in order
    reviews: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    self_assessments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    teams: dict[str, str] = field(default_factory=dict)  # trainee -> team
    pseudonymized: bool = False
    trainee_name: Callable[[str], str] = str  # what a real trainee name becomes in this export
    reviewer_name: Callable[[str], str] = str

    @property
    def n_turns(self) -> int:
        return sum(map(len, self.turns.values()))


def collect(store: Store, *, pseudonymize: bool = False) -> Records:
    """Read the store once for an export."""
    if pseudonymize:
        salt = pseudonym_salt(store)
        trainee_name = lambda name: pseudonym(salt, name, "trainee")  # noqa: E731
        reviewer_name = lambda name: pseudonym(salt, name, "reviewer")  # noqa: E731
    else:
        trainee_name = reviewer_name = str
    sessions = []
    for row in store.sessions():
        row["trainee"] = trainee_name(row["trainee"])
        if isinstance(row.get("result"), str):
            row["result"] = json.loads(row["result"])
            row["result"]["trainee"] = row["trainee"]
        sessions.append(row)
    turns: dict[str, list[dict[str, Any]]] = {s["id"]: [] for s in sessions}
    for turn in store.iter_turns():
        turns.setdefault(turn["session_id"], []).append(turn)
    reviews: dict[str, list[dict[str, Any]]] = {}
    for review in store.reviews():
        review["reviewer"] = reviewer_name(review["reviewer"])
        reviews.setdefault(review["session_id"], []).append(review)
    selfs: dict[str, list[dict[str, Any]]] = {}
    for assessment in store.self_assessments():
        selfs.setdefault(assessment["session_id"], []).append(assessment)
    teams = {trainee_name(t): team for t, team in store.teams().items()}
    return Records(sessions, turns, reviews, selfs, teams, pseudonymize, trainee_name, reviewer_name)


# ------------------------------------------------------------------ pseudonyms

SALT_KEY = "pseudonym_salt"
SALT_ENV = settings.SALT


def pseudonym(salt: bytes, name: str, role: str = "trainee") -> str:
    """``trainee-`` + the first 12 hex digits of HMAC-SHA256(salt, name): stable, not reversible."""
    return f"{role}-{hmac.new(salt, name.encode('utf-8'), hashlib.sha256).hexdigest()[:12]}"


def pseudonym_salt(store: Store) -> bytes:
    """$ROLEPLAY_SALT, else the store's own salt (made on first use, then kept in the store)."""
    given = settings.pseudonym_salt()
    if given is not None:
        return given
    try:
        value = store.meta_value_or_set(SALT_KEY, lambda: secrets.token_hex(32))
    except StoreError as exc:
        raise StoreError(f"cannot keep the pseudonym salt: {exc} (set {SALT_ENV} to give one)") from None
    return value.encode("ascii")


# ------------------------------------------------------------------ the registry


@dataclass
class ExportSummary:
    format: str
    path: Path
    sessions: int
    turns: int
    notes: list[str] = field(default_factory=list)  # one line each, for the user


Exporter = Callable[[Records, Path, "Store"], list[str]]
EXPORTERS: dict[str, Exporter] = {}


def register_exporter(name: str) -> Callable[[Exporter], Exporter]:
    """Decorator: make an exporter available by name (``roleplay export --format NAME``)."""

    def add(exporter: Exporter) -> Exporter:
        EXPORTERS[name] = exporter
        return exporter

    return add


def export(store: Store, format: str, path: Path | str, *, pseudonymize: bool = False) -> ExportSummary:
    """Write the whole store to ``path`` in ``format`` (a name in ``EXPORTERS``)."""
    try:
        exporter = EXPORTERS[format]
    except KeyError:
        raise LabError(f"no export format '{format}' (known: {', '.join(sorted(EXPORTERS))})") from None
    path = Path(path)
    records = collect(store, pseudonymize=pseudonymize)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        notes = exporter(records, path, store)
    except OSError as exc:
        if exc.filename is not None and Path(exc.filename) not in (path, *path.parents):
            raise  # not the output's fault (a file the exporter reads)
        raise LabError(f"cannot write {path}: {exc.strerror or exc}") from None
    return ExportSummary(format, path, len(records.sessions), records.n_turns, notes)


# ------------------------------------------------------------------ csv and jsonl


def _session_columns(records: Records) -> list[str]:
    return [c for c in records.sessions[0] if c != "result"] if records.sessions else []


@register_exporter("csv")
def write_csv(records: Records, path: Path, _store: Store) -> list[str]:
    session_cols = _session_columns(records)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["session_" + c if c != "id" else "session_id" for c in session_cols] + ["turn_" + c for c in TURN_COLUMNS]
        )
        for s in records.sessions:
            head = [s[c] for c in session_cols]
            for t in records.turns[s["id"]] or [None]:
                tail = [
                    "" if t is None else (json.dumps(t[c]) if isinstance(t[c], (dict, list)) else t[c])
                    for c in TURN_COLUMNS
                ]
                writer.writerow(head + tail)
    return []


@register_exporter("jsonl")
def write_jsonl(records: Records, path: Path, _store: Store) -> list[str]:
    with path.open("w", encoding="utf-8") as f:
        for s in records.sessions:
            row = {k: v for k, v in s.items() if k != "result"}
            for column in _JSON_SESSION_COLUMNS:
                if isinstance(row.get(column), str):
                    row[column] = json.loads(row[column])
            row["result"] = s.get("result")
            row["turns"] = records.turns[s["id"]]
            row["reviews"] = records.reviews.get(s["id"], [])
            row["self_assessments"] = records.self_assessments.get(s["id"], [])
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return []


# ------------------------------------------------------------------ xlsx

EXCEL_MAX_ROWS = 1_048_576  # rows in a worksheet, the header row included
EXCEL_MAX_CELL = 32_767  # characters in a cell
_TIME_COLUMNS = frozenset({"started_at", "ended_at", "at", "created_at"})


@register_exporter("xlsx")
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
    columns = [c for c in _session_columns(records) if c not in _JSON_SESSION_COLUMNS]  # spread out below
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


# ------------------------------------------------------------------ xAPI

LAB_IRI = "https://roleplay-lab.org"
XAPI_EXTENSION = f"{LAB_IRI}/xapi/ext/"
XAPI_VERSION = "1.0.3"
XAPI_PLATFORM = "roleplay-lab"
# uuid5 namespace of statement ids and registrations.
XAPI_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, f"{LAB_IRI}/xapi")
SIMULATION = "http://adlnet.gov/expapi/activities/simulation"
INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"


def iso_duration(seconds: float) -> str:
    """ISO 8601 duration to the hundredth of a second, as xAPI keeps it: 12.5 → ``PT12.5S``."""
    hundredths = round(max(0.0, float(seconds)) * 100)
    hours, rest = divmod(hundredths, 360_000)
    minutes, hundredths = divmod(rest, 6_000)
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if hundredths or text == "PT":
        whole, part = divmod(hundredths, 100)
        text += f"{whole}.{part:02d}".rstrip("0").rstrip(".") + "S"
    return text


def _ext(name: str) -> str:
    return XAPI_EXTENSION + name


def _verb(name: str) -> dict[str, Any]:
    return {"id": f"http://adlnet.gov/expapi/verbs/{name}", "display": {"en-US": name}}


def _timestamp(value: str) -> str:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:  # the store writes UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="milliseconds")


def _seconds_between(start: str, end: str) -> float:
    return max(0.0, (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds())


def xapi_statements(records: Records) -> list[dict[str, Any]]:
    """The statements of every attempt, attempt by attempt, in the order they happened."""
    return [st for s in records.sessions for st in _attempt_statements(s, records.turns[s["id"]])]


def _attempt_statements(s: dict[str, Any], turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    scenario_iri = f"{LAB_IRI}/scenarios/{quote(s['scenario_id'], safe='')}"
    scenario = {
        "objectType": "Activity",
        "id": scenario_iri,
        "definition": {"name": {"en-US": s["scenario_id"]}, "type": SIMULATION},
    }
    actor = {"objectType": "Agent", "account": {"homePage": LAB_IRI, "name": s["trainee"]}}
    extensions = {
        _ext("scenario-version"): s["scenario_version"],
        _ext("scenario-hash"): s["scenario_hash"],
        _ext("attempt"): s["attempt"],
        _ext("mode"): s["mode"],
        _ext("seed"): s["seed"],
    }

    def statement(verb: str, index: int, obj: dict, at: str, result: dict | None = None) -> dict:
        context: dict[str, Any] = {
            "registration": str(uuid.uuid5(XAPI_NAMESPACE, s["id"])),
            "platform": XAPI_PLATFORM,
            "extensions": dict(extensions),
        }
        if s.get("language"):
            context["language"] = s["language"]
        if obj is not scenario:
            context["contextActivities"] = {"parent": [scenario]}
        st = {
            "id": str(uuid.uuid5(XAPI_NAMESPACE, f"{s['id']}/{verb}/{index}")),
            "actor": actor,
            "verb": _verb(verb),
            "object": obj,
            "timestamp": _timestamp(at),
            "version": XAPI_VERSION,
            "context": context,
        }
        if result is not None:
            st["result"] = result
        return st

    out = [statement("attempted", 0, scenario, s["started_at"])]
    for t in turns:
        node = {
            "objectType": "Activity",
            "id": f"{scenario_iri}/nodes/{quote(t['node'], safe='')}",
            "definition": {
                "name": {"en-US": f"{s['scenario_id']}: {t['node']}"},
                "type": INTERACTION,
                "interactionType": "choice" if t["kind"] == "option" else "fill-in",
            },
        }
        turn_ext = {
            _ext("node"): t["node"],
            _ext("reply-kind"): t["kind"],
            _ext("mood-before"): t["mood_before"],
            _ext("mood-after"): t["mood_after"],
            _ext("confidence"): t["confidence"],
            _ext("understood"): bool(t["understood"]),
            _ext("scores"): t["scores"],
        }
        if t["option_index"] is not None:
            turn_ext[_ext("option")] = t["option_index"] + 1  # as the trainee saw it
        if t["breach"]:
            turn_ext[_ext("breach")] = t["breach"]
        result = {
            "response": t["reply"],
            "success": bool(t["was_best"]),
            "duration": iso_duration(t["latency"]),
            "extensions": turn_ext,
        }
        out.append(statement("answered", t["idx"], node, t["at"], result))

    last_activity = turns[-1]["at"] if turns else s["started_at"]
    if s["status"] == "completed" and s["score"] is not None:
        ended = s["ended_at"] or last_activity
        result = s.get("result") or {}
        handle_time = s["handle_time"] if s["handle_time"] is not None else _seconds_between(s["started_at"], ended)
        outcome_ext = {_ext("outcome"): s["outcome"], _ext("ending"): s["ending"], _ext("final-mood"): s["final_mood"]}
        for key, name in (("competency_scores", "competency-scores"), ("kpis", "kpis"), ("breaches", "breaches")):
            if key in result:
                outcome_ext[_ext(name)] = result[key]
        verdict = {
            "score": {"scaled": s["score"] / 100, "raw": s["score"], "min": 0, "max": 100},
            "success": bool(s["passed"]),
            "completion": True,
            "duration": iso_duration(handle_time),
            "extensions": {k: v for k, v in outcome_ext.items() if v is not None},
        }
        out.append(statement("passed" if s["passed"] else "failed", 0, scenario, ended, verdict))
        done = {"completion": True, "duration": iso_duration(handle_time)}
        out.append(statement("completed", 0, scenario, ended, done))
    elif s["status"] == "abandoned":
        ended = s["ended_at"] or last_activity
        # Up to the last reply, on the session's own clock as handle times are (its replies' latencies).
        stopped = {"completion": False, "duration": iso_duration(sum(t["latency"] for t in turns))}
        out.append(statement("terminated", 0, scenario, ended, stopped))
    return out


@register_exporter("xapi")
def write_xapi(records: Records, path: Path, _store: Store) -> list[str]:
    statements = xapi_statements(records)
    lines = [json.dumps(st, ensure_ascii=False) for st in statements]
    with path.open("w", encoding="utf-8") as f:
        if path.suffix.lower() == ".jsonl":
            f.writelines(line + "\n" for line in lines)
        else:
            f.write("[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n")
    return [f"{len(statements)} xAPI {XAPI_VERSION} statements"]
