"""``xapi``: xAPI 1.0.3 statements for a learning record store (LRS), a JSON array (JSON Lines
when the file name ends in ``.jsonl``), and ``post_statements``, which sends them to an LRS.

What a statement says (docs/results-store.md, "xAPI statements", has the whole mapping):

- verbs (ADL): ``attempted`` (the attempt starts), ``answered`` (one per reply), ``passed`` or
  ``failed`` with the score, ``completed``; ``terminated`` for an abandoned attempt;
- activities: the scenario (``…/scenarios/<id>``, type simulation) and each node
  (``…/scenarios/<id>/nodes/<node>``, a ``cmi.interaction`` of type ``choice`` whose ``choices``
  are the node's options, ``option-1``, ``option-2``… as the scenario lists them). A node is
  described the same way in every statement of an export, whether the trainee clicked or typed;
  ``result.response`` holds the chosen option's id (empty when a typed reply was not
  understood); the reply's own words are in the ``reply`` result extension;
- the actor: an account on the organisation's IRI (``--iri-base``, ``$ROLEPLAY_XAPI_IRI``,
  default ``https://roleplay-lab.org``) named by the trainee (the pseudonym in a pseudonymized
  export);
- ids: uuid5 of the account and the session's step, so re-exporting a store gives the same
  statements, while the plain and the pseudonymized export (other actors) never share an id;
  the registration is uuid5 of the session;
- no ``version``: the LRS sets it (a sender should not).

The node's options come from the scenario library when it holds the scenario (the one
``settings.scenarios_dir`` names, or the scenarios given); a node the library does not know is
described by the options the store shows were chosen there.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from ... import settings
from ...errors import LabError
from .records import Records

if TYPE_CHECKING:
    from ...core.scenario import Scenario
    from ..store import Store

__all__ = [
    "BATCH",
    "LAB_IRI",
    "XAPI_NAMESPACE",
    "XAPI_VERSION",
    "LrsUpload",
    "iri_base",
    "iso_duration",
    "library_scenarios",
    "post_statements",
    "statements_url",
    "write_statements",
    "write_xapi",
    "xapi_statements",
]

LAB_IRI = "https://roleplay-lab.org"  # the lab's own vocabulary (extensions), and the default IRI base
XAPI_EXTENSION = f"{LAB_IRI}/xapi/ext/"
XAPI_VERSION = "1.0.3"  # the version the statements follow and the LRS is asked for (not set on statements)
XAPI_PLATFORM = "roleplay-lab"
# uuid5 namespace of statement ids and registrations.
XAPI_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, f"{LAB_IRI}/xapi")
SIMULATION = "http://adlnet.gov/expapi/activities/simulation"
INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
BATCH = 100  # statements per POST
RETRIES = 3  # a batch is tried this many times more after a failure the LRS may get over (5xx, 429, no answer)


def iso_duration(seconds: float) -> str:
    """ISO 8601 duration to the hundredth of a second, as xAPI keeps it: 12.5 → ``PT12.5S``.

    Args:
        seconds: a duration (negative counts as 0).

    Returns:
        The duration, e.g. ``PT1M15.25S``.
    """
    hundredths = round(max(0.0, float(seconds)) * 100)
    hours, rest = divmod(hundredths, 360_000)
    minutes, hundredths = divmod(rest, 6_000)
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if hundredths or text == "PT":
        whole, part = divmod(hundredths, 100)
        text += f"{whole}.{part:02d}".rstrip("0").rstrip(".") + "S"
    return text


def iri_base(given: str | None = None) -> str:
    """The organisation's IRI that activity ids and the actors' account ``homePage`` start with.

    Args:
        given: an IRI named on the command line; else ``$ROLEPLAY_XAPI_IRI``, else ``LAB_IRI``.

    Returns:
        The IRI without a trailing slash.

    Raises:
        LabError: it is not an absolute http(s) IRI.
    """
    base = (given or settings.xapi_iri_base() or LAB_IRI).strip()
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in base):
        example = "https://learning.example.org"
        raise LabError(f"the xAPI IRI base must be an absolute http(s) IRI such as {example}: {base!r}")
    return base.rstrip("/")


def library_scenarios(ids: Iterable[str], folder: Path | None = None) -> dict[str, Scenario]:
    """The scenarios of the library that the export names, for their nodes' options.

    Args:
        ids: the scenario ids the statements are about.
        folder: the library (default: ``settings.scenarios_dir()``).

    Returns:
        Scenario id → the sound scenario; ids the library lacks are left out.
    """
    wanted = set(ids)
    library = folder or settings.scenarios_dir()
    if not wanted or not library.is_dir():
        return {}
    from ...loading.loader import check_files

    scenarios, _problems = check_files([library])
    return {s.id: s for s in scenarios if s.id in wanted}


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


def _choice_id(option_index: int) -> str:
    """An option's id in ``choices`` and ``result.response``: its place in the scenario, from 1."""
    return f"option-{option_index + 1}"


def _language(tag: str | None) -> str:
    return tag or "und"


def _node_definitions(records: Records, scenarios: Mapping[str, Scenario]) -> dict[tuple[str, str], dict[str, Any]]:
    """(scenario id, node) → the one definition of that node's activity in this export."""
    seen: dict[tuple[str, str], dict[int, str]] = {}  # the options chosen there: index -> text shown
    languages: dict[str, str | None] = {}
    for s in records.sessions:
        languages.setdefault(s["scenario_id"], s.get("language"))
        for t in records.turns[s["id"]]:
            chosen = seen.setdefault((s["scenario_id"], t["node"]), {})
            if t["option_index"] is not None and chosen.get(t["option_index"]) is None:
                chosen[t["option_index"]] = t["reply"] if t["kind"] == "option" else None  # the text shown
    definitions = {}
    for (scenario_id, node), chosen in seen.items():
        scenario = scenarios.get(scenario_id)
        known = scenario is not None and node in scenario.nodes
        options = scenario.nodes[node].options if known else []
        if known and all(i < len(options) for i in chosen):
            language = _language(scenario.language)
            texts = {i: option.text for i, option in enumerate(options)}
        else:
            language = _language(languages.get(scenario_id))
            texts = {i: chosen[i] or f"option {i + 1}" for i in sorted(chosen)}
        definitions[scenario_id, node] = {
            "name": {"en-US": f"{scenario_id}: {node}"},
            "type": INTERACTION,
            "interactionType": "choice",
            "choices": [{"id": _choice_id(i), "description": {language: text}} for i, text in texts.items()],
        }
    return definitions


def xapi_statements(
    records: Records, *, iri: str | None = None, scenarios: Mapping[str, Scenario] | None = None
) -> list[dict[str, Any]]:
    """The statements of every attempt, attempt by attempt, in the order they happened.

    Args:
        records: what ``collect`` read from the store (names pseudonymized if asked).
        iri: the organisation's IRI base (``iri_base``; default ``$ROLEPLAY_XAPI_IRI`` or ``LAB_IRI``).
        scenarios: scenario id → scenario, for the nodes' options (default: ``library_scenarios``).

    Returns:
        The statements as JSON-ready dicts.
    """
    base = iri_base(iri)
    if scenarios is None:
        scenarios = library_scenarios({s["scenario_id"] for s in records.sessions})
    nodes = _node_definitions(records, scenarios)
    return [st for s in records.sessions for st in _attempt_statements(s, records.turns[s["id"]], base, nodes)]


def _rounded(value: float, digits: int) -> float | int:
    number = round(float(value), digits)
    return int(number) if number.is_integer() else number


def _attempt_statements(
    s: dict[str, Any], turns: list[dict[str, Any]], base: str, nodes: Mapping[tuple[str, str], dict[str, Any]]
) -> list[dict[str, Any]]:
    scenario_iri = f"{base}/scenarios/{quote(s['scenario_id'], safe='')}"
    scenario = {
        "objectType": "Activity",
        "id": scenario_iri,
        "definition": {"name": {"en-US": s["scenario_id"]}, "type": SIMULATION},
    }
    actor = {"objectType": "Agent", "account": {"homePage": base, "name": s["trainee"]}}
    # Ids name the actor too: the plain and the pseudonymized export of one session never share an id.
    id_prefix = f"{base}\n{s['trainee']}\n{s['id']}"
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
            "id": str(uuid.uuid5(XAPI_NAMESPACE, f"{id_prefix}/{verb}/{index}")),
            "actor": actor,
            "verb": _verb(verb),
            "object": obj,
            "timestamp": _timestamp(at),
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
            "definition": nodes[s["scenario_id"], t["node"]],
        }
        turn_ext = {
            _ext("node"): t["node"],
            _ext("reply"): t["reply"],
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
            # The choice pattern: the chosen option's id; none when a typed reply was not understood.
            "response": "" if t["option_index"] is None else _choice_id(t["option_index"]),
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
        raw = min(100.0, max(0.0, float(s["score"])))
        verdict = {
            "score": {"scaled": _rounded(raw / 100, 4), "raw": _rounded(raw, 2), "min": 0, "max": 100},
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


def write_xapi(
    records: Records,
    path: Path,
    _store: Store | None = None,
    *,
    iri: str | None = None,
    scenarios: Mapping[str, Scenario] | None = None,
) -> list[str]:
    """Write the statements to ``path``: a JSON array, or JSON Lines when it ends in ``.jsonl``.

    Args:
        records: what ``collect`` read from the store.
        path: the file to write.
        _store: the store (unused; every exporter is given it).
        iri: the organisation's IRI base (see ``iri_base``).
        scenarios: scenario id → scenario for the nodes' options (default: the library's).

    Returns:
        One line for the user: how many statements were written.
    """
    statements = xapi_statements(records, iri=iri, scenarios=scenarios)
    write_statements(statements, path)
    return [f"{len(statements)} xAPI {XAPI_VERSION} statements"]


def write_statements(statements: Sequence[dict[str, Any]], path: Path) -> None:
    """Write statements as a JSON array, or as JSON Lines when ``path`` ends in ``.jsonl``.

    Args:
        statements: as ``xapi_statements`` makes them.
        path: the file to write.
    """
    lines = [json.dumps(st, ensure_ascii=False) for st in statements]
    with path.open("w", encoding="utf-8") as f:
        if path.suffix.lower() == ".jsonl":
            f.writelines(line + "\n" for line in lines)
        else:
            f.write("[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n")


# ------------------------------------------------------------------ sending to an LRS


@dataclass
class LrsUpload:
    """What an LRS did with the statements sent to it.

    Attributes:
        url: the statements resource they were POSTed to.
        sent: how many statements were sent.
        accepted: how many the LRS stored now.
        already: how many it already held (it left them out, or answered 409 Conflict).
        differing: of those, how many it holds as another export wrote them (409 Conflict: the
            statement changed since, e.g. the scenario's options; the LRS keeps its own).
        batches: how many requests it took (retries and one-by-one fallbacks included).
    """

    url: str
    sent: int = 0
    accepted: int = 0
    already: int = 0
    differing: int = 0
    batches: int = 0

    def summary(self) -> str:
        """One line for the user.

        Returns:
            e.g. ``LRS http://…/xAPI/statements: 328 sent, 328 accepted, 0 already in the LRS``.
        """
        text = f"LRS {self.url}: {self.sent} sent, {self.accepted} accepted, {self.already} already in the LRS"
        if self.differing:
            text += f" ({self.differing} of them as an earlier export wrote them: 409 Conflict, the LRS keeps its own)"
        return text


class _Refused(Exception):
    def __init__(self, status: int, body: str):
        super().__init__(status)
        self.status, self.body = status, body


def statements_url(endpoint: str) -> str:
    """The statements resource of an LRS's xAPI endpoint (``…/xAPI`` → ``…/xAPI/statements``).

    Args:
        endpoint: the LRS's xAPI endpoint, or its statements resource itself.

    Returns:
        The URL statements are POSTed to.

    Raises:
        LabError: it is not an http(s) URL.
    """
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise LabError(f"the LRS must be an http(s) URL such as https://lrs.example.org/xAPI: {endpoint!r}")
    if parts.username or parts.password:
        raise LabError("give the LRS's user and password with --lrs-user and $ROLEPLAY_LRS_PASSWORD, not in the URL")
    base = endpoint.split("?", 1)[0].rstrip("/")
    return base if base.endswith("/statements") else base + "/statements"


def post_statements(
    statements: Sequence[dict[str, Any]],
    endpoint: str,
    *,
    user: str | None = None,
    password: str | None = None,
    batch: int = BATCH,
    retries: int = RETRIES,
    wait: Callable[[float], None] = time.sleep,
    timeout: float = 60.0,
) -> LrsUpload:
    """POST statements to an LRS in batches, as xAPI 1.0.3 asks (``X-Experience-API-Version``).

    A batch the LRS answers 5xx or 429, or does not answer, is tried again (``retries`` times,
    waiting 1, 2, 4… s). The statements it already holds are not stored twice: an LRS leaves
    out the ones it has (Ralph answers with the ids it stored) or refuses the batch with 409
    Conflict, and then the batch is sent again one statement at a time, a 409 meaning "already
    in the LRS".

    Args:
        statements: as ``xapi_statements`` makes them (each with its id).
        endpoint: the LRS's xAPI endpoint (``https://lrs.example.org/xAPI``) or its statements resource.
        user, password: HTTP basic auth; none when ``user`` is None.
        batch: statements per request.
        retries: how many more times a failed request is tried.
        wait: sleeps between tries (seconds).
        timeout: seconds a request may take.

    Returns:
        What the LRS did (``LrsUpload``).

    Raises:
        LabError: the LRS refused a request (any other HTTP error) or cannot be reached: one line.
    """
    url = statements_url(endpoint)
    headers = {"Content-Type": "application/json", "X-Experience-API-Version": XAPI_VERSION}
    if user is not None:
        token = base64.b64encode(f"{user}:{password or ''}".encode()).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    upload = LrsUpload(url)

    def send(chunk: Sequence[dict[str, Any]]) -> tuple[int, int]:
        """(accepted, already) for one request, tried again while the LRS may get over it."""
        body = json.dumps(list(chunk), ensure_ascii=False).encode("utf-8")
        for attempt in range(retries + 1):
            upload.batches += 1
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    answer = response.read()
                    if response.status == 204 or not answer.strip():
                        return 0, len(chunk)  # it held them all
                    stored = json.loads(answer)
                    accepted = len(stored) if isinstance(stored, list) else len(chunk)
                    return accepted, len(chunk) - accepted
            except urllib.error.HTTPError as exc:
                text = exc.read().decode("utf-8", "replace")
                if exc.code in (429, 500, 502, 503, 504) and attempt < retries:
                    wait(2**attempt)
                    continue
                raise _Refused(exc.code, text) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                if attempt < retries:
                    wait(2**attempt)
                    continue
                reason = getattr(exc, "reason", exc)
                raise LabError(f"cannot reach the LRS at {url}: {reason}") from None
        raise AssertionError("unreachable")  # the loop returns or raises

    try:
        for start in range(0, len(statements), max(1, batch)):
            chunk = statements[start : start + max(1, batch)]
            upload.sent += len(chunk)
            try:
                accepted, already = send(chunk)
            except _Refused as refused:
                if refused.status != 409:
                    raise
                accepted = already = 0
                for st in chunk:  # find the ones it holds
                    try:
                        one, held = send([st])
                    except _Refused as single:
                        if single.status != 409:
                            raise
                        one, held = 0, 1
                        upload.differing += 1
                    accepted, already = accepted + one, already + held
            upload.accepted += accepted
            upload.already += already
    except _Refused as refused:
        raise LabError(f"the LRS at {url} answered HTTP {refused.status}: {_reason(refused.body)}") from None
    return upload


def _reason(body: str) -> str:
    """The LRS's own words about an error, on one line."""
    try:
        detail = json.loads(body).get("detail", body)
    except (ValueError, AttributeError):
        detail = body
    text = " ".join(str(detail).split())
    return (text[:300] + "…" if len(text) > 300 else text) or "no reason given"
