"""``xapi``: xAPI 1.0.3 statements for a learning record store, a JSON array (JSON Lines when the
file name ends in ``.jsonl``). Statement ids are uuid5 of the session, so re-exports are stable
and an LRS can take the same statements twice.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .records import Records

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["LAB_IRI", "XAPI_NAMESPACE", "XAPI_VERSION", "iso_duration", "write_xapi", "xapi_statements"]

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


def write_xapi(records: Records, path: Path, _store: Store) -> list[str]:
    statements = xapi_statements(records)
    lines = [json.dumps(st, ensure_ascii=False) for st in statements]
    with path.open("w", encoding="utf-8") as f:
        if path.suffix.lower() == ".jsonl":
            f.writelines(line + "\n" for line in lines)
        else:
            f.write("[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n")
    return [f"{len(statements)} xAPI {XAPI_VERSION} statements"]
