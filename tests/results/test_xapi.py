"""`roleplay export --format xapi`: xAPI 1.0.3 statements read back from a store of really played
sessions (the store of test_export.py: Zofia's two attempts, typed and clicked replies, a breach;
Bartosz's abandoned attempt). The scenario library is the mini scenario's folder, so the nodes'
options come from it. Sending them to a real LRS: test_xapi_lrs.py.
"""

from __future__ import annotations

import io
import json
import re
import socket
import uuid
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest

from simulator import Session
from simulator.cli import main
from simulator.results import export
from simulator.results.export import xapi

from ..conftest import MINI
from . import test_export
from .test_export import NOT_UNDERSTOOD, TYPED, ZOFIA, run_export

# The fixtures of test_export.py, here by the same names: its played store, no salt from the environment.
played = test_export.played
_no_salt_from_env = test_export._no_salt_from_env

DURATION = r"^PT(\d+H)?(\d+M)?(\d+(\.\d{1,2})?S)?$"
LAB = "https://roleplay-lab.org"
EXT = f"{LAB}/xapi/ext/"
VERB = "http://adlnet.gov/expapi/verbs/"
MINI_OPTIONS = {
    "opening": ["I'm sorry to hear that. Tell me more.", "What do you want?", "Here is a refund."],
    "fix": [
        "I'll send a replacement today.",
        "Not my problem.",
        "Can you repeat that?",
        "Let me read you another customer's address for comparison.",
    ],
}


@pytest.fixture(autouse=True)
def _library_of_the_mini_scenario(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLEPLAY_SCENARIOS", str(MINI.parent))
    monkeypatch.delenv("ROLEPLAY_XAPI_IRI", raising=False)


IRI = {"type": "string", "pattern": r"^https?://[^\s]+$"}
LANGUAGE_MAP = {
    "type": "object",
    "minProperties": 1,
    "propertyNames": {"pattern": r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"},
    "additionalProperties": {"type": "string"},
}
UUID = {"type": "string", "pattern": r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"}
EXTENSIONS = {"type": "object", "propertyNames": {"pattern": r"^https?://"}}
# xAPI 1.0.3, "Interaction Components": an id without whitespace and a description, ids unique.
CHOICES = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["id", "description"],
        "additionalProperties": False,
        "properties": {"id": {"type": "string", "pattern": r"^[^\s\[\],]+$"}, "description": LANGUAGE_MAP},
    },
}
ACTIVITY = {
    "type": "object",
    "required": ["objectType", "id", "definition"],
    "additionalProperties": False,
    "properties": {
        "objectType": {"const": "Activity"},
        "id": IRI,
        "definition": {
            "type": "object",
            "required": ["name", "type"],
            "additionalProperties": False,
            "properties": {
                "name": LANGUAGE_MAP,
                "type": IRI,
                "interactionType": {"const": "choice"},
                "choices": CHOICES,
            },
            "dependentRequired": {"interactionType": ["choices"]},
        },
    },
}
# The parts of an xAPI 1.0.3 statement the lab writes, as an LRS checks them. No "version": a
# sender should not set it (and if it does, 1.0.0).
STATEMENT = {
    "type": "object",
    "required": ["id", "actor", "verb", "object", "timestamp", "context"],
    "additionalProperties": False,
    "properties": {
        "id": UUID,
        "actor": {
            "type": "object",
            "required": ["objectType", "account"],
            "additionalProperties": False,
            "properties": {
                "objectType": {"const": "Agent"},
                "account": {
                    "type": "object",
                    "required": ["homePage", "name"],
                    "additionalProperties": False,
                    "properties": {"homePage": IRI, "name": {"type": "string", "minLength": 1}},
                },
            },
        },
        "verb": {
            "type": "object",
            "required": ["id", "display"],
            "additionalProperties": False,
            "properties": {"id": IRI, "display": LANGUAGE_MAP},
        },
        "object": ACTIVITY,
        "result": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "score": {
                    "type": "object",
                    "required": ["scaled", "raw", "min", "max"],
                    "additionalProperties": False,
                    "properties": {
                        "scaled": {"type": "number", "minimum": -1, "maximum": 1},
                        "raw": {"type": "number"},
                        "min": {"type": "number"},
                        "max": {"type": "number"},
                    },
                },
                "success": {"type": "boolean"},
                "completion": {"type": "boolean"},
                # The choice pattern: item ids joined by [,] (none: empty).
                "response": {"type": "string", "pattern": r"^([^\s\[\],]+(\[,\][^\s\[\],]+)*)?$"},
                "duration": {"type": "string", "pattern": DURATION},
                "extensions": EXTENSIONS,
            },
        },
        "context": {
            "type": "object",
            "required": ["registration", "platform", "language", "extensions"],
            "additionalProperties": False,
            "properties": {
                "registration": UUID,
                "platform": {"type": "string"},
                "language": {"type": "string", "pattern": r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"},
                "contextActivities": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"parent": {"type": "array", "minItems": 1, "items": ACTIVITY}},
                },
                "extensions": EXTENSIONS,
            },
        },
        "timestamp": {"type": "string"},
    },
}


def nulls(value, where="") -> list[str]:
    """Where a statement holds null or an empty object (an LRS rejects them outside extensions)."""
    if value is None or (value == {} and "extensions" not in where):
        return [where]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in nulls(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in nulls(v, f"{where}[{i}]")]
    return []


def by_attempt(statements: list[dict]) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for st in statements:
        groups.setdefault(st["context"]["registration"], []).append(st)
    return groups


def definitions(statements: list[dict]) -> dict[str, list[dict]]:
    """Activity id -> every different definition the statements give it (as object or parent)."""
    found: dict[str, list[dict]] = {}
    for st in statements:
        for activity in [st["object"], *st["context"].get("contextActivities", {}).get("parent", [])]:
            seen = found.setdefault(activity["id"], [])
            if activity["definition"] not in seen:
                seen.append(activity["definition"])
    return found


def exported(played, tmp_path: Path, *extra: str, name: str = "statements.json") -> list[dict]:
    out_file = tmp_path / name
    printed = run_export(played, "xapi", out_file, *extra)
    statements = json.loads(out_file.read_text(encoding="utf-8"))
    assert printed.splitlines()[1] == f"  {len(statements)} xAPI 1.0.3 statements"
    return statements


@pytest.fixture
def statements(played, tmp_path) -> list[dict]:
    return exported(played, tmp_path)


def test_every_statement_is_a_valid_xapi_statement(statements):
    validator = jsonschema.Draft202012Validator(STATEMENT)
    for st in statements:
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(st)]
        assert not errors, (st["verb"]["id"], errors)
        assert not nulls(st), nulls(st)
        assert "version" not in st
        moment = datetime.fromisoformat(st["timestamp"])
        assert moment.tzinfo is not None and moment.utcoffset().total_seconds() == 0
        assert uuid.UUID(st["id"]).version == 5 and uuid.UUID(st["context"]["registration"]).version == 5
        assert st["verb"]["id"].startswith(VERB) and st["verb"]["display"] == {"en-US": st["verb"]["id"][len(VERB) :]}
        assert st["actor"]["account"]["homePage"] == LAB
        assert st["context"]["platform"] == "roleplay-lab" and st["context"]["language"] == "en"
        assert st["context"]["extensions"][EXT + "scenario-version"] == 1
        assert re.fullmatch(r"[0-9a-f]{16}", st["context"]["extensions"][EXT + "scenario-hash"])
    assert len({st["id"] for st in statements}) == len(statements)


def test_each_attempt_is_attempted_answered_then_its_verdict(played, statements):
    attempts = by_attempt(statements)
    assert len(attempts) == 3  # one registration per attempt, different across attempts
    first, second, third = attempts.values()  # in the order of the sessions
    verbs = lambda group: [st["verb"]["id"].removeprefix(VERB) for st in group]  # noqa: E731
    assert verbs(first) == ["attempted", "answered", "answered", "answered", "passed", "completed"]
    assert verbs(second) == ["attempted", "answered", "answered", "failed", "completed"]
    assert verbs(third) == ["attempted", "answered", "terminated"]
    for group, session in zip((first, second, third), (played.first, played.second, played.third), strict=True):
        assert {st["context"]["registration"] for st in group} == {str(uuid.uuid5(export.XAPI_NAMESPACE, session.id))}
        # The account is the trainee's name on the organisation's IRI.
        assert {json.dumps(st["actor"]) for st in group} == {
            json.dumps({"objectType": "Agent", "account": {"homePage": LAB, "name": session.trainee}})
        }
        assert {st["context"]["extensions"][EXT + "attempt"] for st in group} == {session.attempt}
        timestamps = [datetime.fromisoformat(st["timestamp"]) for st in group]
        assert timestamps == sorted(timestamps)
        assert group[0]["object"]["id"] == f"{LAB}/scenarios/mini"
        assert group[0]["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/simulation"
        assert "result" not in group[0] and "contextActivities" not in group[0]["context"]
        assert group[0]["timestamp"] == session.started_at


def test_a_node_has_one_definition_whether_clicked_or_typed_with_its_options_as_choices(played, statements):
    first, second, _third = by_attempt(statements).values()
    # The opening was typed in the first attempt and clicked in the second: one definition.
    assert first[1]["object"]["id"] == second[1]["object"]["id"] == f"{LAB}/scenarios/mini/nodes/opening"
    assert first[1]["result"]["extensions"][EXT + "reply-kind"] == "text"
    assert second[1]["result"]["extensions"][EXT + "reply-kind"] == "option"
    found = definitions(statements)
    assert all(len(seen) == 1 for seen in found.values()), {k: v for k, v in found.items() if len(v) > 1}
    for node, texts in MINI_OPTIONS.items():
        [definition] = found[f"{LAB}/scenarios/mini/nodes/{node}"]
        assert definition == {
            "name": {"en-US": f"mini: {node}"},
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "interactionType": "choice",
            "choices": [{"id": f"option-{i}", "description": {"en": text}} for i, text in enumerate(texts, 1)],
        }


def test_answered_statements_carry_the_chosen_option_id_and_the_reply_in_an_extension(played, statements):
    first, second, third = by_attempt(statements).values()
    answered = [st for st in statements if st["verb"]["id"] == VERB + "answered"]
    turns = played.first.turns + played.second.turns + played.third.turns
    assert len(answered) == len(turns) == 6
    for st, turn in zip(answered, turns, strict=True):
        assert st["object"]["id"] == f"{LAB}/scenarios/mini/nodes/{turn.node}"
        assert st["context"]["contextActivities"]["parent"] == [first[0]["object"]]
        assert st["timestamp"] == turn.at
        result = st["result"]
        chosen = "" if turn.option_index is None else f"option-{turn.option_index + 1}"
        assert result["response"] == chosen
        choices = [c["id"] for c in st["object"]["definition"]["choices"]]
        assert chosen == "" or chosen in choices
        assert result["success"] is turn.was_best
        ext = result["extensions"]
        assert ext[EXT + "reply"] == turn.reply and ext[EXT + "reply-kind"] == turn.kind
        assert ext[EXT + "node"] == turn.node
        assert (ext[EXT + "mood-before"], ext[EXT + "mood-after"]) == (turn.mood_before, turn.mood_after)
        assert (ext[EXT + "confidence"], ext[EXT + "understood"]) == (turn.confidence, turn.understood)
        assert ext.get(EXT + "breach") == turn.breach
        assert ext.get(EXT + "option") == (None if turn.option_index is None else turn.option_index + 1)
    # Typed and understood: the option it was taken for; typed and not understood: no choice.
    assert first[1]["result"]["response"] == f"option-{played.first.turns[0].option_index + 1}"
    assert first[1]["result"]["extensions"][EXT + "reply"] == TYPED
    assert first[2]["result"]["response"] == "" and first[2]["result"]["success"] is False
    assert first[2]["result"]["extensions"][EXT + "reply"] == NOT_UNDERSTOOD
    assert [st["result"]["response"] for st in second[1:3]] == ["option-1", "option-4"]
    assert [st["result"]["duration"] for st in first[1:4]] == ["PT12.5S", "PT3S", "PT4.25S"]
    assert [st["result"]["extensions"][EXT + "understood"] for st in first[1:4]] == [True, False, True]
    assert second[2]["result"]["extensions"][EXT + "breach"] == "Disclosed another customer's personal data."
    assert third[1]["result"]["duration"] == "PT5S"


def test_the_verdict_carries_the_score(played, statements):
    first, second, third = by_attempt(statements).values()
    for group, session, duration in ((first, played.first, "PT19.75S"), (second, played.second, "PT9.75S")):
        result = session.result()
        verdict, completed = group[-2], group[-1]
        assert verdict["result"]["score"] == {
            "scaled": round(result.overall / 100, 4),
            "raw": round(result.overall, 2),
            "min": 0,
            "max": 100,
        }
        assert verdict["result"]["success"] is result.passed
        assert verdict["result"]["completion"] is True
        assert verdict["result"]["duration"] == duration
        assert verdict["result"]["extensions"][EXT + "competency-scores"] == result.competency_scores
        assert verdict["object"] == completed["object"] == group[0]["object"]
        assert completed["result"] == {"completion": True, "duration": duration}
        assert verdict["timestamp"] == completed["timestamp"]
        assert "contextActivities" not in verdict["context"]
    assert first[-2]["result"]["score"]["scaled"] == 1.0 and first[-2]["result"]["success"] is True
    assert second[-2]["result"]["success"] is False and second[-2]["result"]["extensions"][EXT + "breaches"]
    terminated = third[-1]
    assert terminated["result"] == {"completion": False, "duration": "PT5S"}
    assert datetime.fromisoformat(terminated["timestamp"]) >= datetime.fromisoformat(third[-2]["timestamp"])


@pytest.mark.parametrize(
    ("score", "scaled", "raw"),
    [(71.9, 0.719, 71.9), (71.90000000000001, 0.719, 71.9), (66.66666666666667, 0.6667, 66.67), (100.0, 1, 100)],
)
def test_scores_are_rounded_and_consistent(played, score, scaled, raw):
    """No float noise such as 0.7190000000000001; scaled is raw / max, to 4 places."""
    records = export.collect(played.store)
    records.sessions[0]["score"] = score
    st = xapi.xapi_statements(records)[4]
    assert st["verb"]["id"] == VERB + "passed"
    assert st["result"]["score"] == {"scaled": scaled, "raw": raw, "min": 0, "max": 100}
    assert json.dumps(st["result"]["score"]) == json.dumps({"scaled": scaled, "raw": raw, "min": 0, "max": 100})


def test_the_plain_and_the_pseudonymized_export_share_no_statement_id(played, statements, tmp_path):
    hidden = exported(played, tmp_path, "--pseudonymize", name="hidden.json")
    assert len(hidden) == len(statements)
    assert not {st["id"] for st in hidden} & {st["id"] for st in statements}
    salt = export.pseudonym_salt(played.store)
    assert {st["actor"]["account"]["name"] for st in hidden} == {
        export.pseudonym(salt, ZOFIA),
        export.pseudonym(salt, played.third.trainee),
    }
    # The same attempts, registrations and everything but the actor and the ids.
    assert [st["context"]["registration"] for st in hidden] == [st["context"]["registration"] for st in statements]
    strip = lambda st: {k: v for k, v in st.items() if k not in ("id", "actor")}  # noqa: E731
    assert list(map(strip, hidden)) == list(map(strip, statements))
    # Stable: the pseudonymized export again gives the same ids.
    assert exported(played, tmp_path, "--pseudonymize", name="again.json") == hidden


def test_statements_are_stable_across_exports_and_as_json_lines(played, statements, tmp_path):
    assert exported(played, tmp_path, name="again.json") == statements
    lines = tmp_path / "statements.jsonl"
    run_export(played, "xapi", lines)
    assert [json.loads(line) for line in lines.read_text(encoding="utf-8").splitlines()] == statements


def test_the_iri_base_is_the_organisations_option_or_setting(played, statements, tmp_path, monkeypatch):
    org = "https://learning.example.org/roleplay"
    mine = exported(played, tmp_path, "--iri-base", org + "/", name="org.json")
    for st, lab in zip(mine, statements, strict=True):
        assert st["actor"]["account"] == {"homePage": org, "name": lab["actor"]["account"]["name"]}
        assert st["object"]["id"] == lab["object"]["id"].replace(LAB, org, 1)
        assert st["object"]["id"].startswith(f"{org}/scenarios/mini")
        # The lab's own vocabulary stays: extensions are the lab's IRIs wherever it runs.
        assert set(st["context"]["extensions"]) == set(lab["context"]["extensions"])
        assert st["id"] != lab["id"]  # another actor (another homePage): other ids
    monkeypatch.setenv("ROLEPLAY_XAPI_IRI", org)
    assert exported(played, tmp_path, name="env.json") == mine
    # The option wins over the setting.
    assert exported(played, tmp_path, "--iri-base", LAB, name="lab.json") == statements


@pytest.mark.parametrize("bad", ["roleplay-lab.org", "ftp://example.org", "https://", "https://exa mple.org"])
def test_a_bad_iri_base_is_one_clear_line(played, tmp_path, capsys, bad):
    out_file = tmp_path / "x.json"
    code = main(["export", "--format", "xapi", "--out", str(out_file), "--store", str(played.path), "--iri-base", bad])
    assert code == 1 and not out_file.exists()
    assert capsys.readouterr().err == (
        f"roleplay: the xAPI IRI base must be an absolute http(s) IRI such as https://learning.example.org: {bad!r}\n"
    )


def test_a_scenario_the_library_lacks_is_described_by_the_options_chosen(played, tmp_path, monkeypatch):
    monkeypatch.setenv("ROLEPLAY_SCENARIOS", str(tmp_path / "no-library"))
    statements = exported(played, tmp_path)
    found = definitions(statements)
    assert all(len(seen) == 1 for seen in found.values())
    # Chosen at the opening: option 1 typed (Zofia), 1 clicked (Zofia), 2 clicked (Bartosz).
    [opening] = found[f"{LAB}/scenarios/mini/nodes/opening"]
    assert opening["interactionType"] == "choice"
    assert opening["choices"] == [
        {"id": "option-1", "description": {"en": MINI_OPTIONS["opening"][0]}},
        {"id": "option-2", "description": {"en": MINI_OPTIONS["opening"][1]}},
    ]
    responses = {st["result"]["response"] for st in statements if st["object"]["id"].endswith("/opening")}
    assert responses <= {c["id"] for c in opening["choices"]}


def test_an_attempt_in_progress_has_no_verdict_yet_and_keeps_its_ids(mini, store, store_path, clock, tmp_path):
    session = Session(mini, trainee=ZOFIA, seed=4, clock=clock, recorder=store)
    clock.advance(6)
    session.reply(1)
    early, late = tmp_path / "early.json", tmp_path / "late.json"
    assert main(["export", "--format", "xapi", "--out", str(early), "--store", str(store_path)]) == 0
    clock.advance(2)
    session.reply(1)
    assert main(["export", "--format", "xapi", "--out", str(late), "--store", str(store_path)]) == 0
    before, after = json.loads(early.read_text()), json.loads(late.read_text())
    assert [st["verb"]["id"].removeprefix(VERB) for st in before] == ["attempted", "answered"]
    assert [st["verb"]["id"].removeprefix(VERB) for st in after] == [
        "attempted",
        "answered",
        "answered",
        "passed",
        "completed",
    ]
    assert after[:2] == before  # an LRS that has the first two takes the rest without a conflict


def test_the_lrs_options_belong_to_xapi_and_an_export_goes_somewhere(played, capsys):
    store = str(played.path)
    assert main(["export", "--format", "csv", "--store", store, "--lrs", "http://127.0.0.1:9/xAPI"]) == 1
    assert capsys.readouterr().err == "roleplay: --lrs and --iri-base are for --format xapi\n"
    assert main(["export", "--format", "xapi", "--store", store]) == 1
    assert capsys.readouterr().err == "roleplay: say where the export goes: --out PATH or --lrs URL\n"
    assert main(["export", "--format", "csv", "--store", store]) == 1
    assert capsys.readouterr().err == "roleplay: say where the export goes: --out PATH\n"


def test_an_unreachable_lrs_is_one_clear_line(played, tmp_path, capsys):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    stdout = io.StringIO()
    code = main(
        ["export", "--format", "xapi", "--store", str(played.path), "--lrs", f"http://127.0.0.1:{port}/xAPI/"]
        + ["--lrs-retries", "0"],
        stdout=stdout,
    )
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith(f"roleplay: cannot reach the LRS at http://127.0.0.1:{port}/xAPI/statements: ")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("given", "url"),
    [
        ("https://lrs.example.org/xAPI", "https://lrs.example.org/xAPI/statements"),
        ("https://lrs.example.org/xAPI/", "https://lrs.example.org/xAPI/statements"),
        ("https://lrs.example.org/data/xAPI/statements", "https://lrs.example.org/data/xAPI/statements"),
    ],
)
def test_the_statements_resource_of_an_endpoint(given, url):
    assert xapi.statements_url(given) == url


def test_credentials_in_the_lrs_url_are_refused(played, capsys):
    code = main(["export", "--format", "xapi", "--store", str(played.path), "--lrs", "http://u:p@127.0.0.1:9/xAPI"])
    assert code == 1
    assert "not in the URL" in capsys.readouterr().err


def test_a_missing_password_without_a_terminal_is_one_clear_line(played, capsys, monkeypatch):
    monkeypatch.delenv("ROLEPLAY_LRS_PASSWORD", raising=False)
    monkeypatch.setenv("ROLEPLAY_LRS_USER", "trainer")
    code = main(
        ["export", "--format", "xapi", "--store", str(played.path), "--lrs", "http://127.0.0.1:9/xAPI"],
        stdin=io.StringIO(""),
    )
    assert code == 1
    assert capsys.readouterr().err == (
        "roleplay: no LRS password for trainer: set $ROLEPLAY_LRS_PASSWORD or give --lrs-password\n"
    )


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "PT0S"),
        (12.5, "PT12.5S"),
        (3, "PT3S"),
        (4.25, "PT4.25S"),
        (0.004, "PT0S"),
        (59.999, "PT1M"),
        (75.25, "PT1M15.25S"),
        (3600, "PT1H"),
        (3725.1, "PT1H2M5.1S"),
    ],
)
def test_iso_durations(seconds, text):
    assert export.iso_duration(seconds) == text
    assert re.fullmatch(DURATION, text)
