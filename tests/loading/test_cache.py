"""The cache of validated scenarios (simulator.loading.cache): the same scenarios as a full check, read
back without checking again; a changed file, persona or lab checked again; a broken cache never an error."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simulator import Session
from simulator.core.rules import State
from simulator.core.statespace import ReplyTable
from simulator.loading.cache import cache_key, code_hash, load_library_cached, warm
from simulator.loading.loader import load_library

from ..conftest import MINI, SCENARIOS

PACKAGE = Path(__file__).resolve().parents[2] / "simulator"


@pytest.fixture
def library(tmp_path):
    folder = tmp_path / "scenarios"
    shutil.copytree(MINI.parent, folder)
    return folder


def entries(cache: Path) -> list[Path]:
    return sorted(p for p in (cache / "scenarios").glob("*.json") if not p.name.endswith(".replies.json"))


def tables(cache: Path) -> list[Path]:
    return sorted((cache / "scenarios").glob("*.replies.json"))


def replies_played(scenario) -> list[tuple]:
    session = Session(scenario, trainee="t", seed=3)
    while not session.finished:
        session.reply(1)
    result = session.result()
    turns = [(t.node, t.option_index, t.mood_after, t.best_option_index) for t in session.turns]
    return [*turns, (result.overall, result.passed)]


def test_the_shipped_library_read_back_is_the_library_checked(tmp_path):
    cache = tmp_path / "cache"
    checked, problems = load_library(SCENARIOS)
    _first, first_problems, hits = load_library_cached(SCENARIOS, cache)
    assert hits == 0 and problems == first_problems == []
    assert len(entries(cache)) == len(checked)
    again, again_problems, hits = load_library_cached(SCENARIOS, cache)
    assert hits == len(checked) and again_problems == []
    assert sorted(again) == sorted(checked)
    for sid, scenario in checked.items():
        cached = again[sid]
        assert cached.model == scenario.model and cached.persona == scenario.persona
        assert cached.content_hash == scenario.content_hash and cached.source == scenario.source
        assert replies_played(cached) == replies_played(scenario)
        assert "state_space" not in cached.__dict__  # the kept reply table answered: nothing explored


def test_a_changed_file_is_checked_again(library, tmp_path):
    cache = tmp_path / "cache"
    load_library_cached(library, cache)
    file = library / "mini.yaml"
    file.write_text(file.read_text().replace("title: Mini", "title: Mini two"))
    scenarios, problems, hits = load_library_cached(library, cache)
    assert hits == 0 and problems == [] and scenarios["mini"].title == "Mini two"
    file.write_text(file.read_text().replace("persona: steady", "persona: stedy"))
    scenarios, problems, hits = load_library_cached(library, cache)
    assert scenarios == {} and hits == 0
    assert "unknown persona 'stedy'" in problems[0].message and "did you mean 'steady'" in problems[0].message


def test_a_changed_persona_checks_its_scenarios_again(library, tmp_path):
    cache = tmp_path / "cache"
    load_library_cached(library, cache)
    persona = library / "personas" / "steady.yaml"
    persona.write_text(persona.read_text().replace("title: Steady customer", "title: Calm customer"))
    scenarios, _problems, hits = load_library_cached(library, cache)
    assert hits == 0 and scenarios["mini"].persona.title == "Calm customer"


def test_a_new_lab_is_a_new_key(tmp_path):
    lab = tmp_path / "simulator"
    for layer in ("core", "loading"):
        shutil.copytree(PACKAGE / layer, lab / layer)
    shutil.copy(PACKAGE / "__init__.py", lab / "__init__.py")
    assert code_hash(lab) == code_hash()
    rules = lab / "core" / "rules.py"
    rules.write_text(rules.read_text() + "\n# a new rule\n")
    code_hash.cache_clear()  # once per process in the lab; here the same folder changes
    assert code_hash(lab) != code_hash(PACKAGE)
    init = lab / "__init__.py"
    rules.write_text((PACKAGE / "core" / "rules.py").read_text())
    init.write_text(init.read_text().replace("__version__ =", "__version__ = '9.9' or"))
    code_hash.cache_clear()
    assert code_hash(lab) != code_hash(PACKAGE)


def test_the_key_is_the_bytes_not_the_name(library):
    raw = (library / "mini.yaml").read_bytes()
    assert cache_key(raw, library / "mini.yaml") == cache_key(raw, library / "other.yaml")
    assert cache_key(raw + b"\n", library / "mini.yaml") != cache_key(raw, library / "mini.yaml")


def test_a_corrupt_or_foreign_entry_is_ignored(library, tmp_path):
    cache = tmp_path / "cache"
    load_library_cached(library, cache)
    [entry] = entries(cache)
    for garbage in (b"\x00not json", b"[1, 2]", json.dumps({"format": 1, "key": entry.stem, "scenario": {}}).encode()):
        entry.write_bytes(garbage)
        scenarios, problems, hits = load_library_cached(library, cache)
        assert hits == 0 and problems == [] and set(scenarios) == {"mini"}
    assert json.loads(entry.read_bytes())["scenario"]["id"] == "mini"  # written again, whole


def test_a_cache_that_cannot_be_written_is_done_without(library, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    for cache in (blocked, blocked / "below"):
        scenarios, problems, hits = load_library_cached(library, cache)
        assert set(scenarios) == {"mini"} and problems == [] and hits == 0


def test_a_broken_file_is_never_cached_and_a_duplicate_id_is_an_error(library, tmp_path):
    cache = tmp_path / "cache"
    shutil.copy(Path(__file__).parents[1] / "broken" / "python-tag.yaml", library / "broken.yaml")
    shutil.copy(library / "mini.yaml", library / "zz-copy.yaml")
    for hits_expected in (1, 2):  # the copy has the bytes of mini.yaml: its entry, written a moment before
        scenarios, problems, hits = load_library_cached(library, cache)
        assert hits == hits_expected and set(scenarios) == {"mini"}
        messages = sorted(p.message for p in problems)
        assert len(messages) == 2 and any("duplicate scenario id 'mini'" in m for m in messages)
        assert any(p.file.endswith("broken.yaml") for p in problems)
    assert len(entries(cache)) == 1  # mini.yaml and its copy share their bytes, hence their entry


def test_an_entry_of_the_wrong_shape_is_ignored(library, tmp_path):
    """Entries are rebuilt without validating: a field missing, one too many or a value of the wrong
    shape makes the entry unusable (checked again), never a scenario with holes."""
    cache = tmp_path / "cache"
    load_library_cached(library, cache)
    [entry] = entries(cache)
    good = json.loads(entry.read_bytes())

    def spoiled(change):
        data = json.loads(json.dumps(good))
        change(data)
        return data

    first_node = next(iter(good["scenario"]["nodes"]))
    for data in (
        spoiled(lambda d: d["scenario"].pop("title")),
        spoiled(lambda d: d["scenario"].update(extra=1)),
        spoiled(lambda d: d["scenario"]["nodes"].update({first_node: "not a node"})),
        spoiled(lambda d: d["scenario"]["nodes"][first_node].update(options={"a": 1})),
        spoiled(lambda d: d["persona"].update(mood=[1, 2])),
    ):
        entry.write_text(json.dumps(data), encoding="utf-8")
        scenarios, problems, hits = load_library_cached(library, cache)
        assert hits == 0 and problems == [] and set(scenarios) == {"mini"}
        assert scenarios["mini"].model.title == good["scenario"]["title"]


def test_rebuild_gives_the_validated_model_without_pydantic_schemas(tmp_path):
    """core.model.rebuild turns a validated model's JSON back into an equal model; the models' validators
    are built on first use only, so a kernel that only reads the cache never builds them."""
    cache = tmp_path / "cache"
    load_library_cached(SCENARIOS, cache)  # fill the cache here; read it in a fresh interpreter
    code = (
        "import json, sys\n"
        "from simulator.core.model import ScenarioModel, PersonaModel, rebuild\n"
        "from simulator.loading.cache import load_library_cached\n"
        "scenarios, problems, hits = load_library_cached(sys.argv[1], sys.argv[2])\n"
        "assert hits == len(scenarios) > 0, hits\n"
        "validator = type(ScenarioModel.__pydantic_validator__).__name__\n"
        "print(json.dumps([ScenarioModel.__pydantic_complete__, validator]))\n"
        "s = next(iter(scenarios.values()))\n"
        "again = ScenarioModel.model_validate(s.model.model_dump(mode='json'))\n"
        "assert again == s.model and rebuild(PersonaModel, s.persona.model_dump(mode='json')) == s.persona\n"
        "print('equal')\n"
    )
    run = subprocess.run([sys.executable, "-c", code, str(SCENARIOS), str(cache)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    complete, validator = json.loads(run.stdout.splitlines()[0])
    assert complete is False and validator == "MockValSer"  # not built while the library was read
    assert run.stdout.splitlines()[1] == "equal"


def test_a_warmed_scenario_is_loaded_again_with_its_state_space_worked_out(library, tmp_path):
    """The fork server warms a class's scenario: a kernel forked from it loads the same object, explored."""
    cache = tmp_path / "cache"
    load_library_cached(library, cache)  # as `roleplay serve` fills it before the fork server warms
    assert warm(library, cache, ["mini", "no-such-scenario"]) == 1
    again, _problems, _hits = load_library_cached(library, cache)
    assert "state_space" in again["mini"].__dict__  # worked out before: the first reply costs nothing of it
    assert replies_played(again["mini"]) == replies_played(load_library(library)[0]["mini"])
    assert again["mini"]._table is None  # the explored space answered: its reply table was not read as well
    path = next(p for p in library.glob("*.yaml") if "id: mini" in p.read_text())
    path.write_text(path.read_text().replace("id: mini", "id: mini\n# changed"))
    changed, _problems, _hits = load_library_cached(library, cache)
    assert changed["mini"] is not again["mini"]  # a new version is checked (and explored) again


def test_the_reply_table_holds_what_the_state_space_answers(tmp_path):
    """Every scenario of the library: the kept table gives each state's reply values (a breach's minus
    infinity included) and the best sums the state space gives."""
    cache = tmp_path / "cache"
    checked, _problems = load_library(SCENARIOS)
    load_library_cached(SCENARIOS, cache)
    assert len(tables(cache)) == len(checked)
    for sid, scenario in checked.items():
        space = scenario.state_space
        key = cache_key(scenario.source.read_bytes(), scenario.source)
        table = ReplyTable.from_json(json.loads((cache / "scenarios" / f"{key}.replies.json").read_bytes()))
        assert table.max_scores == space.max_scores, sid
        assert len(table.values) == len(space._graph), sid
        for state_key in space._graph:
            assert table.lookup(state_key) == space.reply_values(State(*state_key[:4])), (sid, state_key)
        breach_states = [k for k in space._graph if float("-inf") in table.lookup(k)]
        assert bool(breach_states) == any(o.breach for n in scenario.nodes.values() for o in n.options), sid


def test_a_reply_not_understood_leaves_the_table_for_the_state_space(library, tmp_path):
    """A reply that was not understood moves the mood off the replies' paths: the values there are asked of the
    state space, and the session plays as it does without the cache."""
    cache = tmp_path / "cache"
    load_library_cached(library, cache)
    cached, _problems, hits = load_library_cached(library, cache)
    assert hits == 1

    def played(scenario) -> list[tuple]:
        session = Session(scenario, trainee="t", seed=3)
        session.reply("Purple elephants rarely play chess on Tuesdays.")
        while not session.finished:
            session.reply(1)
        result = session.result()
        return [(t.node, t.option_index, t.mood_after, t.best_option_index, t.was_best) for t in session.turns] + [
            (result.overall, result.passed)
        ]

    assert played(cached["mini"]) == played(load_library(library)[0]["mini"])


def test_a_missing_or_corrupt_reply_table_is_done_without(library, tmp_path):
    cache = tmp_path / "cache"
    load_library_cached(library, cache)
    [table] = tables(cache)
    expected = replies_played(load_library(library)[0]["mini"])
    good = json.loads(table.read_bytes())
    wrong_length = json.loads(table.read_bytes())
    for row in wrong_length["states"].values():
        row.append(0.0)
    wrong_type = json.loads(table.read_bytes())
    for row in wrong_type["states"].values():
        row[0] = "high"
    for garbage in (
        b"\x00not json",
        b"[1, 2]",
        json.dumps({**good, "key": "another"}).encode(),
        json.dumps(wrong_length).encode(),
        json.dumps(wrong_type).encode(),
        json.dumps({**good, "states": [1, 2]}).encode(),
        None,
    ):
        if garbage is None:
            table.unlink()
        else:
            table.write_bytes(garbage)
        scenarios, problems, hits = load_library_cached(library, cache)
        assert hits == 1 and problems == []
        assert replies_played(scenarios["mini"]) == expected
        assert "state_space" in scenarios["mini"].__dict__  # explored, as without the cache
