"""``jsonl``: one line per session with its result, turns, reviews and self-assessments nested."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from .records import JSON_SESSION_COLUMNS, Records

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["write_jsonl"]


def write_jsonl(records: Records, path: Path, _store: Store) -> list[str]:
    with path.open("w", encoding="utf-8") as f:
        for s in records.sessions:
            row = {k: v for k, v in s.items() if k != "result"}
            for column in JSON_SESSION_COLUMNS:
                if isinstance(row.get(column), str):
                    row[column] = json.loads(row[column])
            row["result"] = s.get("result")
            row["turns"] = records.turns[s["id"]]
            row["reviews"] = records.reviews.get(s["id"], [])
            row["self_assessments"] = records.self_assessments.get(s["id"], [])
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return []
