"""Path analysis (simulator.studio.paths) and random walks (simulator.studio.walks), with `roleplay paths`.

The hand-built scenarios in tests/data/paths/ are small enough to check every answer by hand;
their comments say what each one is for.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from simulator import load_persona, load_scenario, parse_scenario
from simulator.cli import main
from simulator.core import matching as matching_module
from simulator.core.model import ScenarioModel
from simulator.errors import ScenarioTooLarge
from simulator.loading.loader import Scenario, check_paths
from simulator.studio.paths import (
    EndingReach,
    IdleOption,
    Loop,
    LoopOption,
    ScoreRange,
    analyse,
    path_analysis,
    path_warnings,
)
from simulator.studio.walks import KINDS, replay, slip, walk, walks

from ..conftest import SCENARIOS

DATA = Path(__file__).resolve().parents[1] / "data" / "paths"
SHIPPED, _PROBLEMS = check_paths([SCENARIOS])  # a scenario being written by someone else may not load yet


@pytest.fixture(scope="module")
def trap():
    return load_scenario(DATA / "trap.yaml")


@pytest.fixture(scope="module")
def idle():
    return load_scenario(DATA / "idle.yaml")


@pytest.fixture(scope="module")
def shortcut():
    return load_scenario(DATA / "shortcut.yaml")


def variant(tmp_path: Path, name: str, replace: list[tuple[str, str]]) -> Scenario:
    """A copy of one of the data scenarios with text replaced, next to a copy of its persona."""
    text = (DATA / f"{name}.yaml").read_text(encoding="utf-8")
    for old, new in replace:
        assert old in text, old
        text = text.replace(old, new)
    return parse_scenario(text, f"{name}-variant.yaml", personas_dir=DATA / "personas")


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    code = main(argv, stdout=out)
    return code, out.getvalue()


# ---------------------------------------------------------------- best, worst, shortest passing


def test_the_shortest_passing_path_is_shorter_than_the_best(shortcut):
    report = analyse(shortcut)
    best, short = report.best, report.shortest_pass
    assert (best.options, best.nodes, best.ending, best.overall, best.passed) == (
        (1, 1, 1),
        ("opening", "extra", "close"),
        "done",
        100.0,
        True,
    )
    assert best.scores == {"empathy": 100.0, "ownership": 100.0}
    assert best.final_mood == 50
    # Ownership weighs three times empathy: 0 and 100 make 75, above the pass mark of 70.
    assert (short.options, short.nodes, short.ending, short.overall, short.passed) == (
        (2, 1),
        ("opening", "close"),
        "done",
        75.0,
        True,
    )
    assert short.scores == {"empathy": 0.0, "ownership": 100.0}
    assert short.replies == 2 < best.replies == 3


def test_a_breach_is_never_the_best_path_and_never_passes(shortcut):
    report = analyse(shortcut)
    # 1, 1, 2 scores 100 as well (ownership 3 of a best 2 is clipped to 100), but breaches.
    breach = path_analysis(shortcut).scored((0, 0, 1))
    assert (breach.overall, breach.passed, breach.breaches) == (100.0, False, ("Used another customer's order.",))
    assert report.best.breaches == ()
    assert report.overall == ScoreRange(0.0, 100.0)
    assert report.ranges == {"empathy": ScoreRange(0.0, 100.0), "ownership": ScoreRange(0.0, 100.0)}


def test_the_worst_path_and_the_endings(shortcut):
    report = analyse(shortcut)
    worst = report.worst
    assert (worst.options, worst.ending, worst.outcome, worst.overall, worst.final_mood) == (
        (3,),
        "gone",
        "lost",
        0,
        30,
    )
    assert report.endings == [
        EndingReach("done", "resolved", (1, 0)),
        EndingReach("gone", "lost", (2,)),
        EndingReach("later", "follow_up", (1, 2)),
        EndingReach("breaking_point", "lost", None),  # the mood never falls to 10
    ]
    assert report.loops == []
    assert report.idle_options == []


def test_with_a_pass_mark_of_100_the_shortest_passing_path_is_the_best(tmp_path):
    report = analyse(variant(tmp_path, "shortcut", [("pass_mark: 70", "pass_mark: 100")]))
    assert report.shortest_pass == report.best
    assert report.best.options == (1, 1, 1)


def test_the_report_matches_a_brute_force_over_every_path(shortcut, idle, trap):
    for scenario in (shortcut, idle, trap):
        every = _every_path(scenario)
        report = analyse(scenario)
        clean = [p for p in every if not p.breaches]
        assert report.best.overall == max(p.overall for p in clean)
        assert report.worst.overall == min(p.overall for p in every)
        assert report.overall == ScoreRange(min(p.overall for p in every), max(p.overall for p in every))
        passing = [p.replies for p in clean if p.passed]
        assert report.shortest_pass.replies == min(passing)
        for c in scenario.competencies:
            assert report.ranges[c] == ScoreRange(min(p.scores[c] for p in every), max(p.scores[c] for p in every))


def _every_path(scenario):
    out, stack = [], [()]
    rules = scenario.rules
    while stack:
        choices = stack.pop()
        state = rules.initial()
        for i in choices:
            state, _ = rules.choose(state, i)
        if state.ending is not None:
            out.append(path_analysis(scenario).scored(choices))
        else:
            stack.extend((*choices, i) for i in range(len(scenario.nodes[state.node].options)))
    return out


# ---------------------------------------------------------------- loops


def test_a_loop_that_traps_after_stalling(trap):
    (loop,) = analyse(trap).loops  # opening's self-loop always breaks off: no trainee goes round it
    assert loop == Loop(
        nodes=("check",),
        stay=(LoopOption("check", 0, "check"),),
        exits=(LoopOption("check", 1, "fixed", breaks_off=False),),  # it works before any stalling
        trap=True,
        trapped_after=(0, 0),  # look into it, check again: now the fix only breaks the customer off
        trapped_at=("check", 50),
    )
    assert loop.describe() == (
        "the loop check → itself can trap a trainee: after replies 1, 1 (at 'check', mood 50) no reply leads "
        "to an ending any more; only the breaking point or the turn limit ends it"
    )


def test_a_way_out_that_only_breaks_off_traps_at_once(tmp_path):
    scenario = variant(
        tmp_path,
        "trap",
        [
            ("        tags: [fix]\n", "        tags: [fix]\n        mood: -100\n"),
            (
                "      - text: Calm down",
                "      - text: Fixed already.\n        feedback: Quick.\n        next: fixed\n      - text: Calm down",
            ),
        ],
    )
    (loop,) = analyse(scenario).loops
    assert loop.exits == (LoopOption("check", 1, "fixed", breaks_off=True),)
    assert (loop.trap, loop.trapped_after, loop.trapped_at) == (True, (0,), ("check", 50))


def test_a_loop_with_a_way_out_is_not_a_trap(tmp_path):
    scenario = variant(tmp_path, "trap", [("tags: [stalling]", "tags: [patience]")])  # no reaction remembers it
    (loop,) = analyse(scenario).loops
    assert (loop.nodes, loop.trap, loop.trapped_after) == (("check",), False, None)
    assert loop.describe() == "the loop check → itself"
    assert path_warnings(scenario) == []


def test_loops_of_several_nodes_in_a_shipped_scenario():
    scenario = load_scenario(SCENARIOS / "upsell-after-fix.yaml")
    loops = analyse(scenario).loops
    assert [loop.nodes for loop in loops] == [
        ("version", "pitch_too_soon", "frustrated", "waitlist_push"),
        ("need_revealed", "irrelevant"),
    ]
    assert not any(loop.trap for loop in loops)
    assert LoopOption("version", 0, "confirm_fix") in loops[0].exits
    assert LoopOption("pitch_too_soon", 0, "version") in loops[0].stay


# ---------------------------------------------------------------- options that never matter


def test_options_that_never_matter(idle):
    assert analyse(idle).idle_options == [IdleOption("opening", 2, 1), IdleOption("check", 3, 1)]
    # Opening 1 and 2 differ only in a tag, but the persona remembers 'empathy'; check 1 and 2
    # differ where that reaction fires; check 3 breaches. None of those is reported.


def test_options_at_a_node_no_path_reaches_never_matter(idle):
    data = idle.model.model_dump()
    data["nodes"]["island"] = {
        "customer": ["Nobody gets here."],
        "options": [{"text": "Hello?", "feedback": "Alone.", "next": "done"}],
    }
    unchecked = Scenario(ScenarioModel.model_validate(data), load_persona(DATA / "personas" / "calm.yaml"), "x")
    assert analyse(unchecked).idle_options[-1] == IdleOption("island", 0, None)
    assert (
        IdleOption("island", 0, None).describe() == "option 1 at node 'island' never matters: no path reaches its node"
    )


# ---------------------------------------------------------------- the cap and the text


def test_too_many_states_is_a_clear_error(trap):
    with pytest.raises(ScenarioTooLarge) as raised:
        analyse(trap, max_states=3)
    message = str(raised.value)
    assert "scenario 'trap' is too large to enumerate" in message
    assert "random walks" in message and "roleplay paths trap --walks N" in message
    assert raised.value.limit == 3
    with pytest.raises(ScenarioTooLarge, match="score combinations"):
        analyse(trap, max_states=8)  # 6 states, but more score combinations along the paths
    assert analyse(trap, max_states=None).states == 6


def test_the_text_names_every_part(shortcut, trap, idle):
    text = analyse(shortcut).text()
    assert text.splitlines()[0].startswith("Paths through shortcut v1: 4 conversation states")
    for line in (
        "best path: overall 100 (passed), 3 replies, ending done (resolved), final mood 50",
        "shortest passing path: overall 75 (passed), 2 replies, ending done (resolved), final mood 50",
        "  options: 2 1",
        "  nodes:   opening → close → done",
        "  scores:  Empathy 0, Ownership 100",
        "worst path: overall 0 (not passed), 1 reply, ending gone (lost), final mood 30",
        "  overall    0–100",
        "loops: none",
        "options that never matter: none",
        "  breaking_point  lost       never reached",
    ):
        assert line in text.splitlines(), line
    assert "  TRAP: the loop check → itself can trap a trainee" in analyse(trap).text()
    assert "    ways out: check option 2 → fixed" in analyse(trap).text().splitlines()
    assert "  option 4 at node 'check' never matters: it does exactly what option 2 does" in analyse(idle).text()


def test_warnings_are_located_in_the_file(idle, trap):
    assert [str(w) for w in path_warnings(idle)] == [
        f"{idle.document.file}:30:9: warning: option 3 at node 'opening' never matters: "
        "it does exactly what option 2 does (nodes.opening.options[2])",
        f"{idle.document.file}:59:9: warning: option 4 at node 'check' never matters: "
        "it does exactly what option 2 does (nodes.check.options[3])",
    ]
    (warning,) = path_warnings(trap)
    assert (warning.line, warning.column, warning.location, warning.severity) == (25, 3, "nodes.check", "warning")
    assert analyse(trap).warnings(trap.document) == [warning]


# ---------------------------------------------------------------- random walks


def test_walks_are_reproducible_and_replay_exactly(trap):
    first, again = walks(trap, n=60, seed=5), walks(trap, n=60, seed=5)
    assert first == again
    assert [w.seed for w in first.walks] == list(range(5, 65))
    for w in first.walks[::7]:
        assert replay(trap, w.seed) == w
    assert walks(trap, n=60, seed=6).walks[0] == first.walks[1]
    assert first.n == 60 and first.failures == []
    assert sum(first.endings.values()) == 60 and set(first.endings) <= {"fixed", "breaking_point"}
    assert first.score_min <= first.score_median <= first.score_max


def test_walks_cover_typed_replies(idle):
    summary = walks(idle, n=200, seed=0)
    assert set(summary.typed) == set(KINDS)
    assert summary.not_understood["off_topic"] == summary.typed["off_topic"]  # never taken for an option
    assert summary.not_understood.get("phrasing", 0) == 0  # an option's own words are understood
    assert 0.2 < summary.typed_share < 0.4
    steps = [s for w in summary.walks for s in w.steps]
    assert all(s.taken == s.meant for s in steps if s.kind == "option")
    assert all(isinstance(s.reply, str) for s in steps if s.kind != "option")
    slipped = [s for s in steps if s.kind == "slip"]
    options = {o.text for n in idle.nodes.values() for o in n.options}
    assert slipped and all(s.reply not in options for s in slipped)
    assert summary.replies == len(steps) == sum(w.turns for w in summary.walks)


def test_a_walk_matches_its_session(idle):
    w = walk(idle, 11)
    assert w.ok and w.turns == len(w.replies) == len(w.nodes)
    assert w.nodes[0] == "opening"
    assert w.ending == "done" and w.outcome == "resolved"
    assert w.passed == (w.score >= idle.pass_mark)
    text = w.text()
    assert text.splitlines()[0] == f"walk 11 of idle: {w.turns} repl{'ies' if w.turns != 1 else 'y'}"
    assert text.splitlines()[-1].startswith("ending done (resolved), overall ")


@pytest.mark.parametrize("text", ["I hear you, let me look.", "Okay", "I", "Zażółć gęślą jaźń"])
def test_a_slip_drops_or_doubles_one_letter_or_word(text):
    import random

    words = text.split()
    for seed in range(40):
        slipped = slip(random.Random(seed), text)
        assert slipped.strip() and slipped != text
        assert slipped == slip(random.Random(seed), text)
        letters = {text[:i] + text[i + 1 :] for i in range(len(text))} | {
            text[:i] + text[i] + text[i:] for i in range(len(text))
        }
        dropped_or_doubled = {" ".join(words[:i] + words[i + 1 :]) for i in range(len(words))} | {
            " ".join(words[: i + 1] + words[i:]) for i in range(len(words))
        }
        assert slipped in letters | dropped_or_doubled, slipped


@pytest.fixture
def exploding(monkeypatch):
    class Exploding:
        def match(self, reply, options, language="en"):
            raise RuntimeError(f"boom on {reply!r}")

    monkeypatch.setitem(matching_module._MATCHERS, "exploding", Exploding)
    text = (DATA / "idle.yaml").read_text(encoding="utf-8")
    text = text.replace("pass_mark: 70", "pass_mark: 70\nmatching: {matcher: exploding}")
    return parse_scenario(text, "exploding.yaml", personas_dir=DATA / "personas")


def test_a_walk_that_raises_is_reported_with_its_seed(exploding):
    summary = walks(exploding, n=30, seed=100)
    assert summary.failures, "no walk typed a reply"
    assert summary.n == 30 and summary.completed == 30 - len(summary.failures)
    for failed in summary.failures:
        assert not failed.ok and failed.error.startswith("RuntimeError: boom on ")
        assert failed.traceback.startswith("Traceback") and "boom" in failed.traceback
        assert replay(exploding, failed.seed) == failed
    # Every other walk only clicked options.
    assert all(s.kind == "option" for w in summary.walks if w.ok for s in w.steps)
    text = summary.text()
    first = summary.failures[0]
    assert f"    seed {first.seed}: {first.error} after {first.turns} repl" in text
    assert f"      replay with: replay(scenario, {first.seed})" in text


@pytest.mark.parametrize("scenario", SHIPPED, ids=lambda s: s.id)
def test_every_shipped_scenario_survives_random_walks(scenario):
    summary = walks(scenario, n=200, seed=0)
    assert summary.failures == [], summary.text()
    assert sum(summary.endings.values()) == 200
    assert summary.not_understood.get("off_topic", 0) == summary.typed.get("off_topic", 0)


@pytest.mark.parametrize("scenario", SHIPPED, ids=lambda s: s.id)
def test_shipped_scenarios_have_no_trap_loop_and_no_option_that_never_matters(scenario):
    assert path_warnings(scenario) == [], "\n".join(map(str, path_warnings(scenario)))


# ---------------------------------------------------------------- the command line


def test_roleplay_paths_prints_the_report_and_the_walks():
    code, out = run(["paths", str(DATA / "trap.yaml"), "--walks", "40", "--seed", "3"])
    assert code == 0, out
    assert out.startswith("Paths through trap v1: 6 conversation states")
    assert "  TRAP: the loop check → itself can trap a trainee: after replies 1, 1" in out
    assert "random walks of trap: 40 (seeds 3–42) in " in out
    assert "  failing walks: none" in out


def test_roleplay_paths_on_a_folder_and_without_walks():
    code, out = run(["paths", str(DATA), "--walks", "0"])
    assert code == 0, out
    assert [line for line in out.splitlines() if line.startswith("Paths through ")] == [
        f"Paths through {name} v1: {states} conversation states (node, mood, turns, remembered tags); pass mark {m}"
        for name, states, m in (("idle", 4, 70), ("shortcut", 4, 70), ("trap", 6, 50))
    ]
    assert "random walks" not in out


def test_roleplay_paths_by_id(monkeypatch):
    monkeypatch.chdir(SCENARIOS.parent)
    code, out = run(["paths", "indecisive-plan-choice", "--walks", "20"])
    assert code == 0, out
    assert out.startswith("Paths through indecisive-plan-choice v")
    assert "random walks of indecisive-plan-choice: 20 (seeds 0–19)" in out


def test_roleplay_paths_reports_a_broken_walk_and_replays_it(exploding, tmp_path):
    path = tmp_path / "exploding.yaml"
    (tmp_path / "personas").mkdir()
    (tmp_path / "personas" / "calm.yaml").write_bytes((DATA / "personas" / "calm.yaml").read_bytes())
    text = (DATA / "idle.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace("pass_mark: 70", "pass_mark: 70\nmatching: {matcher: exploding}"), encoding="utf-8")
    code, out = run(["paths", str(path), "--walks", "30", "--seed", "100"])
    assert code == 1
    summary = walks(load_scenario(path), n=30, seed=100)
    seed = summary.failures[0].seed
    assert f"      replay with: roleplay paths {path} --replay {seed}" in out.splitlines()
    code, out = run(["paths", str(path), "--replay", str(seed)])
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"walk {seed} of idle: ")
    assert f"raised {summary.failures[0].error}" in lines
    assert "Traceback (most recent call last):" in lines


def test_roleplay_paths_replays_a_walk_turn_by_turn(trap):
    code, out = run(["paths", str(DATA / "trap.yaml"), "--replay", "9"])
    assert code == 0
    w = replay(trap, 9)
    lines = out.splitlines()
    assert lines[0] == f"walk 9 of trap: {w.turns} repl{'ies' if w.turns != 1 else 'y'}"
    assert lines[1] == f"  1. [opening] customer: {w.steps[0].customer}"
    assert (
        lines[-1] == f"ending {w.ending} ({w.outcome}), overall {w.score:g}, {'passed' if w.passed else 'not passed'}"
    )
    assert len(lines) == 2 + 2 * w.turns


def test_replay_needs_one_scenario(capsys):
    code, _ = run(["paths", str(DATA / "trap.yaml"), str(DATA / "idle.yaml"), "--replay", "1"])
    assert code == 1
    assert "roleplay: --replay plays one walk again: name one scenario, not 2" in capsys.readouterr().err


def test_roleplay_paths_on_a_broken_file_prints_its_problems(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("", encoding="utf-8")
    code, out = run(["paths", str(broken), str(DATA / "trap.yaml"), "--walks", "0"])
    assert code == 1
    assert out.splitlines()[0].endswith("broken.yaml:1:1: the file is empty")
    assert "Paths through trap v1" in out


def test_validate_warns_and_keeps_its_exit_code():
    code, out = run(["validate", str(DATA)])
    assert code == 0
    lines = out.splitlines()
    assert [line.split("  ")[0] for line in lines[:3]] == ["ok"] * 3
    folder = str(DATA.relative_to(Path.cwd())) if DATA.is_relative_to(Path.cwd()) else str(DATA)
    assert lines[3:] == [
        f"{folder}/idle.yaml:30:9: warning: option 3 at node 'opening' never matters: it does exactly what "
        "option 2 does (nodes.opening.options[2])",
        f"{folder}/idle.yaml:59:9: warning: option 4 at node 'check' never matters: it does exactly what "
        "option 2 does (nodes.check.options[3])",
        f"{folder}/trap.yaml:25:3: warning: the loop check → itself can trap a trainee: after replies 1, 1 "
        "(at 'check', mood 50) no reply leads to an ending any more; only the breaking point or the turn limit "
        "ends it (nodes.check)",
    ]


def test_validate_warns_after_the_problems_too(tmp_path):
    (tmp_path / "personas").mkdir()
    (tmp_path / "personas" / "calm.yaml").write_bytes((DATA / "personas" / "calm.yaml").read_bytes())
    (tmp_path / "trap.yaml").write_bytes((DATA / "trap.yaml").read_bytes())
    (tmp_path / "empty.yaml").write_text("", encoding="utf-8")
    code, out = run(["validate", str(tmp_path)])
    assert code == 1
    lines = out.splitlines()
    assert lines[0].endswith("empty.yaml:1:1: the file is empty")
    assert lines[1] == "1 problem in 1 file; 1 scenario sound"
    assert lines[2].endswith(
        "trap.yaml:25:3: warning: the loop check → itself can trap a trainee: after replies "
        "1, 1 (at 'check', mood 50) no reply leads to an ending any more; only the breaking "
        "point or the turn limit ends it (nodes.check)"
    )
    assert len(lines) == 3
