"""``csv``: one row per turn, the session's columns repeated (a session without turns: one row)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING

from .records import TURN_COLUMNS, Records, session_columns

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["write_csv"]


def write_csv(records: Records, path: Path, _store: Store) -> list[str]:
    session_cols = session_columns(records)
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
