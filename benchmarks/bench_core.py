"""Benchmarks of the role-play engine, scenario validation and the results store.

Run from the repository root::

    python benchmarks/bench_core.py            # full run (well under a minute)
    python benchmarks/bench_core.py --quick    # a few seconds, for a smoke check
    python benchmarks/bench_core.py --repeat 300

Every operation is timed one call at a time with ``time.perf_counter``; the table gives
the median, the 95th percentile and the throughput (calls per second of the timed call
alone) and compares each figure with a baseline measured in the same run. See
benchmarks/README.md for what each row means. No pytest needed.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchstats import Ratio, Stat, Table, print_ratios, timed  # the benchmarks folder is on sys.path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pydantic  # noqa: E402
import sqlalchemy  # noqa: E402
import transitions  # noqa: E402
import yaml  # noqa: E402
from transitions import Machine  # noqa: E402

import simulator  # noqa: E402
from simulator import Scenario, Session, check_paths, open_store  # noqa: E402
from simulator.core import matching as matching_module  # noqa: E402
from simulator.core.rules import BREAKING_POINT  # noqa: E402
from simulator.loading import loader as scenario_module  # noqa: E402

SCENARIOS = ROOT / "scenarios"
perf = time.perf_counter
POLICIES = ("first", "random")
POLICY_TEXT = {"first": "always option 1", "random": "seeded random option"}


# ---------------------------------------------------------------- statistics and printing


def merged(label: str, *stats: Stat) -> Stat:
    return Stat(label, [s for stat in stats for s in stat.samples])


# ---------------------------------------------------------------- the machine


def machine_lines() -> list[str]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    cpus = f"{os.cpu_count()} CPUs" + (f" ({usable} usable by this process)" if usable is not None else "")
    load = ""
    if hasattr(os, "getloadavg"):
        load = " — load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"machine:  {platform.platform()} {platform.machine()}, {cpus}{load}",
        f"python:   {platform.python_implementation()} {platform.python_version()} ({sys.executable})",
        f"packages: simulator {simulator.__version__}, transitions {transitions.__version__}, "
        f"PyYAML {yaml.__version__} (libyaml {'available' if yaml.__with_libyaml__ else 'absent'}), "
        f"pydantic {pydantic.VERSION}, SQLAlchemy {sqlalchemy.__version__}, SQLite {sqlite3.sqlite_version}",
    ]


# ---------------------------------------------------------------- playing


def event_of(turn) -> str:
    """The Machine trigger the engine fired for a turn (see Session.reply)."""
    if turn.ending == BREAKING_POINT:
        return "break_off"
    if turn.understood:
        return f"option_{turn.option_index}"
    return "not_understood"


def pick(policy: str, rng: random.Random, count: int) -> int:
    """A 1-based option number."""
    return 1 if policy == "first" else rng.randint(1, count)


def play_options(
    scenario: Scenario, policy: str, game: int, steps: list[float], *, recorder=None, log: list | None = None
) -> tuple[float, float]:
    """One game with option numbers; appends each reply's time to steps.

    Returns the time to start the session and the time of the last (finishing) step."""
    rng = random.Random(10_000 + game)
    t0 = perf()
    session = Session(scenario, trainee=f"bench-{policy}", seed=game, clock=time.monotonic, recorder=recorder)
    started = perf() - t0
    events = []
    dt = 0.0
    nodes = scenario.nodes
    while not session.finished:
        choice = pick(policy, rng, len(nodes[session.node].options))
        t0 = perf()
        turn = session.reply(choice)
        dt = perf() - t0
        steps.append(dt)
        events.append(event_of(turn))
    if log is not None:
        log.append((scenario, events))
    return started, dt


def perturb(text: str, rng: random.Random) -> str:
    """Lower-cased, with one word (not the first) dropped: a near miss the matcher must work for."""
    words = text.lower().split()
    if len(words) > 2:
        del words[rng.randrange(1, len(words))]
    return " ".join(words)


@dataclass
class TypedCounts:
    replies: int = 0
    intended: int = 0  # matched to the option the reply was perturbed from
    not_understood: int = 0


def play_typed(scenario: Scenario, policy: str, game: int, steps: list[float], counts: TypedCounts) -> None:
    """One game with typed replies; only the reply() call is timed.

    Before each reply the matcher's feature cache is emptied and re-filled with the
    options on offer (outside the timer): option texts are then cached, as they are in a
    running lab, while the typed reply is new, as a trainee's reply is."""
    rng = random.Random(20_000 + game)
    words_rng = random.Random(30_000 + game)
    features = getattr(matching_module, "_features", None)
    clear = getattr(features, "cache_clear", None)
    session = Session(scenario, trainee=f"bench-typed-{policy}", seed=game, clock=time.monotonic)
    while not session.finished:
        options = scenario.nodes[session.node].options
        intended = pick(policy, rng, len(options))
        option = options[intended - 1]
        reply = perturb(words_rng.choice((option.text, *option.phrasings)), words_rng)
        if clear is not None:
            clear()
            session.matcher.match("warm the option features", options, scenario.language)
        t0 = perf()
        turn = session.reply(reply)
        steps.append(perf() - t0)
        counts.replies += 1
        counts.intended += turn.understood and turn.option_index == intended - 1
        counts.not_understood += not turn.understood


class _Bare:
    """A model with nothing on it but what transitions adds."""


def bare_machine(scenario: Scenario) -> tuple[Machine, _Bare, str]:
    """A plain Machine with the scenario's states and triggers, and no callbacks."""
    model = _Bare()
    start = scenario.rules.start
    machine = Machine(
        model=model,
        states=[*scenario.nodes, *scenario.endings, BREAKING_POINT],
        initial=start,
        auto_transitions=False,
    )
    for node_id, node in scenario.nodes.items():
        for i, option in enumerate(node.options):
            machine.add_transition(f"option_{i}", node_id, option.next)
    machine.add_transition("break_off", list(scenario.nodes), BREAKING_POINT)
    machine.add_transition("not_understood", list(scenario.nodes), None)
    return machine, model, start


def replay_bare(log: list, steps: list[float]) -> None:
    """Fire the same triggers the engine fired, one model.trigger() call per step."""
    machines = {}
    for scenario, events in log:
        if scenario.id not in machines:
            machines[scenario.id] = bare_machine(scenario)
        machine, model, start = machines[scenario.id]
        machine.set_state(start, model)
        for name in events:
            t0 = perf()
            model.trigger(name)
            steps.append(perf() - t0)


# ---------------------------------------------------------------- the benchmarks


def bench_option_steps(scenarios, games, warmup, table: Table, ratios: list[Ratio]) -> dict[str, Stat]:
    for scenario in scenarios:  # untimed: first-use costs (Machine, path analysis memo)
        for policy in POLICIES:
            for game in range(warmup):
                play_options(scenario, policy, -1 - game, [])
    gc.collect()
    per_policy: dict[str, Stat] = {}
    log: list = []
    for policy in POLICIES:
        steps: list[float] = []
        for scenario in scenarios:
            for game in range(games):
                play_options(scenario, policy, game, steps, log=log)
        per_policy[policy] = Stat(f"  option step, {POLICY_TEXT[policy]}", steps)
    both = merged("  option step, both policies", *per_policy.values())
    gc.collect()
    bare = Stat("  B bare Machine trigger, same path", [])
    replay_bare(log[: warmup * len(scenarios)], [])  # untimed warm-up
    replay_bare(log, bare.samples)
    ratio = Ratio("option step / bare transitions trigger", both, bare)
    table.section("1. engine step, option number (no store)")
    for stat in per_policy.values():
        table.add(stat, Ratio("", stat, bare).short())
    table.add(both, ratio.short())
    table.add(bare, "(baseline)")
    ratios.append(ratio)
    return {**per_policy, "both": both}


def bench_typed_steps(scenarios, games, warmup, option: dict[str, Stat], table: Table, ratios: list[Ratio]):
    for scenario in scenarios:
        for policy in POLICIES:
            for game in range(warmup):
                play_typed(scenario, policy, -1 - game, [], TypedCounts())
    gc.collect()
    per_policy: dict[str, Stat] = {}
    counts = TypedCounts()
    for policy in POLICIES:
        steps: list[float] = []
        for scenario in scenarios:
            for game in range(games):
                play_typed(scenario, policy, game, steps, counts)
        per_policy[policy] = Stat(f"  typed step, {POLICY_TEXT[policy]}", steps)
    both = merged("  typed step, both policies", *per_policy.values())
    table.section("2. engine step, typed reply (perturbed option text; no store)")
    for policy, stat in per_policy.items():
        table.add(stat, Ratio("", stat, option[policy]).short())
    ratio = Ratio("typed step / option step", both, option["both"])
    table.add(both, ratio.short())
    ratios.append(ratio)
    return counts


def validation_files() -> list[Path]:
    """The files a cold check_paths reads: the scenarios and the personas they name."""
    scenario_module._persona_cache.clear()
    check_paths([SCENARIOS])
    personas = sorted({key[0] for key in scenario_module._persona_cache})
    if not personas:
        personas = sorted((SCENARIOS / "personas").glob("*.yaml"))
    return [*scenario_module.scenario_files([SCENARIOS]), *personas]


def bench_validation(repeats: int, table: Table, ratios: list[Ratio]) -> list:
    files = validation_files()
    cold = Stat("  check_paths(['scenarios']), cold", [])
    analysis = Stat("  i path analysis alone (path_problems)", [])
    plain = Stat("  B yaml.safe_load of the same files", [])
    libyaml = Stat("  i yaml CSafeLoader of the same files", [])
    problems: list = []
    path_problems = getattr(scenario_module, "path_problems", None)
    for _ in range(repeats):
        gc.collect()
        scenario_module._persona_cache.clear()
        t0 = perf()
        loaded, problems = check_paths([SCENARIOS])  # new Scenario objects: analysis not cached
        cold.samples.append(perf() - t0)
        if path_problems is not None:
            fresh = [Scenario(s.model, s.persona, s.content_hash, s.source, s.document) for s in loaded]
            t0 = perf()
            for s in fresh:
                path_problems(s.document, s)
            analysis.samples.append(perf() - t0)
        t0 = perf()
        for f in files:
            yaml.safe_load(f.read_bytes())
        plain.samples.append(perf() - t0)
        if yaml.__with_libyaml__:
            t0 = perf()
            for f in files:
                yaml.load(f.read_bytes(), Loader=yaml.CSafeLoader)
            libyaml.samples.append(perf() - t0)
    ratio = Ratio("validation (cold) / yaml.safe_load", cold, plain)
    table.section(f"3. load and validate all scenarios ({len(files)} files), cold")
    table.add(cold, ratio.short())
    if analysis.samples:
        table.add(analysis, f"{analysis.median / cold.median:.0%} of the cold validation")
    table.add(plain, "(baseline)")
    if libyaml.samples:
        table.add(libyaml, Ratio("", libyaml, plain).short())
    ratios.append(ratio)
    return problems


def bench_store(scenarios, games, warmup, table: Table, ratios: list[Ratio]) -> str:
    with tempfile.TemporaryDirectory(prefix="roleplay-bench-") as tmp:
        location = str(Path(tmp) / "results.sqlite")
        store = open_store(location)
        try:
            for scenario in scenarios:
                for policy in POLICIES:
                    for game in range(warmup):
                        play_options(scenario, policy, -1 - game, [], recorder=store)
            gc.collect()
            mem_steps, db_steps = [], []
            mem_start, db_start, mem_last, db_last = [], [], [], []
            for game in range(games):
                for scenario in scenarios:
                    for policy in POLICIES:  # the same game twice: in memory, then with the store
                        started, last = play_options(scenario, policy, game, mem_steps)
                        mem_start.append(started)
                        mem_last.append(last)
                        started, last = play_options(scenario, policy, game, db_steps, recorder=store)
                        db_start.append(started)
                        db_last.append(last)
            rows = len(store.turns())
        finally:
            store.close()
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
    mem = Stat("  B step in memory (same games)", mem_steps)
    db = Stat("  step with SQLite store", db_steps)
    ratio = Ratio("store step / in-memory step", db, mem)
    table.section("4. engine step with the results store (SQLite file in a temp dir), option numbers")
    table.add(db, ratio.short())
    table.add(mem, "(baseline)")
    mem_s, db_s = Stat("  B session start in memory", mem_start), Stat("  session start with store", db_start)
    mem_l = Stat("  B last step in memory (ends the game)", mem_last)
    db_l = Stat("  last step with store (+ result row)", db_last)
    table.add(db_s, Ratio("", db_s, mem_s).short())
    table.add(mem_s, "(baseline)")
    table.add(db_l, Ratio("", db_l, mem_l).short())
    table.add(mem_l, "(baseline)")
    ratios.append(ratio)
    ratios.append(Ratio("session start with store / in memory", db_s, mem_s))
    return f"store: {rows} turn rows written, {size / 1e6:.1f} MB on disk (database + WAL) at the end"


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        metavar="N",
        help="games per scenario and policy for the option-number steps (default 300, 20 with --quick); "
        "typed replies use N/2 games, the store N/5 games and validation N/20 runs (at least 2, 2 and 3)",
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run of a few seconds")
    args = parser.parse_args(argv)
    n = args.repeat if args.repeat is not None else (20 if args.quick else 300)
    if n < 1:
        parser.error("--repeat must be at least 1")
    typed_games = max(2, n // 2)
    store_games = max(2, n // 5)
    validations = max(3, n // 20)
    warmup = 2 if args.quick else 5

    began = perf()
    print("Role-play lab: core benchmarks")
    for line in machine_lines():
        print(line)
    scenario_module._persona_cache.clear()
    scenarios, problems = check_paths([SCENARIOS])
    if problems:
        print(f"WARNING: {len(problems)} problem(s) in scenarios/; benchmarking the sound scenarios only:")
        for p in problems[:10]:
            print(f"  {p}")
    if not scenarios:
        print("no sound scenario to play")
        return 1
    shape = ", ".join(
        f"{s.id} ({len(s.nodes)} nodes, {sum(len(x.options) for x in s.nodes.values())} options)" for s in scenarios
    )
    print(f"scenarios: {shape}")
    print(
        f"settings: {n} games/scenario/policy (option steps), {typed_games} (typed), {store_games} (store, "
        f"each also played in memory), {validations} cold validations; {warmup} untimed warm-up games; "
        "times are per call, wall clock (perf_counter), GC enabled"
    )
    print()

    table, ratios = Table(), []
    option = timed("option steps", lambda: bench_option_steps(scenarios, n, warmup, table, ratios))
    counts = timed("typed steps", lambda: bench_typed_steps(scenarios, typed_games, warmup, option, table, ratios))
    problems = timed("validation", lambda: bench_validation(validations, table, ratios))
    store_note = timed("store", lambda: bench_store(scenarios, store_games, max(1, warmup // 2), table, ratios))

    print()
    table.print()
    print()
    print("B = baseline row; i = for information. ops/s = calls / summed time of the timed call alone.")
    print()
    print_ratios(ratios, 44)
    print()
    if counts.replies:
        print(
            f"typed replies: {counts.replies}, matched to the intended option {counts.intended / counts.replies:.1%}, "
            f"not understood {counts.not_understood / counts.replies:.1%}"
        )
    if problems:
        print(f"WARNING: check_paths reported {len(problems)} problem(s) during the validation runs")
    print(store_note)
    print(f"total run time {perf() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
