"""Exports of the results store: CSV, JSON Lines, an Excel workbook and xAPI statements.

Exporters plug in by name (``EXPORTERS``, ``register_exporter``); ``export(store, "xlsx", path)``
runs one. Every exporter reads the same ``Records`` (sessions with their turns, reviews and
self-assessments, read once by ``collect``), so pseudonymization is applied once, for every
format. One module per format:

- ``csvfile``: ``csv``, one row per turn, the session's columns repeated (a session without
  turns: one row);
- ``jsonl``: ``jsonl``, one line per session with its result, turns, reviews and
  self-assessments nested;
- ``xlsx``: ``xlsx``, sheets *Competency matrix*, *KPIs* (from ``simulator.results.reports``),
  *Sessions*, *Turns* (capped at Excel's row limit), *Reviews*, *Assignments* and *Notes*; times in UTC;
- ``xapi``: ``xapi``, xAPI 1.0.3 statements for a learning record store, a JSON array (JSON
  Lines when the file name ends in ``.jsonl``). Statement ids are uuid5 of the actor and the
  session's step, so re-exports are stable and an LRS can take the same statements twice
  (docs/xapi.md; ``xapi.post_statements`` sends them to an LRS).

**Pseudonymization** (``records``) replaces trainee and reviewer names with ``trainee-…`` /
``reviewer-…``: the first 12 hex digits of HMAC-SHA256(salt, name). The salt is made once with
``secrets`` and kept in the store (``Store.meta_value_or_set``), so the same person gets the
same pseudonym in every export of that store; ``ROLEPLAY_SALT`` overrides it. Free text (typed
replies, review comments) is kept as written: a name typed there stays in the export.

The exports read the store through its methods only. pandas is imported only for the
workbook: the trainee's app never pays for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ...errors import LabError
from .csvfile import write_csv
from .jsonl import write_jsonl
from .records import TURN_COLUMNS, Records, collect, pseudonym, pseudonym_salt
from .xapi import LAB_IRI, XAPI_NAMESPACE, XAPI_VERSION, iso_duration, write_xapi, xapi_statements
from .xlsx import write_xlsx

if TYPE_CHECKING:
    from ..store import Store

__all__ = [
    "EXPORTERS",
    "LAB_IRI",
    "TURN_COLUMNS",
    "XAPI_NAMESPACE",
    "XAPI_VERSION",
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


@dataclass
class ExportSummary:
    format: str
    path: Path
    sessions: int
    turns: int
    notes: list[str] = field(default_factory=list)  # one line each, for the user


Exporter = Callable[[Records, Path, "Store"], list[str]]
EXPORTERS: dict[str, Exporter] = {"csv": write_csv, "jsonl": write_jsonl, "xlsx": write_xlsx, "xapi": write_xapi}


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
