"""Benchmark of the path analysis and the random walks, per shipped scenario.

Run from the repository root::

    python benchmarks/bench_paths.py            # 1,000 walks per scenario, 5 analyses each
    python benchmarks/bench_paths.py --quick    # 200 walks, 2 analyses: a smoke run
    python benchmarks/bench_paths.py --walks 5000

Per scenario it times, on fresh copies of the loaded scenario (so no cache is warm):

- **load analysis**: what loading a scenario already does — enumerating the states and the
  best score per competency (``Scenario.state_space.max_scores``);
- **analyse()**: the whole ``PathReport`` on top of that (best, worst and shortest passing
  paths with exact scores, score ranges, loops, options that never matter, endings);
- **probes**: ``probe(scenario)`` — every option's wordings held out in turn and matched
  (``simulator.studio.probes``), what ``roleplay paths`` prints per node;
- **walks**: ``walks(scenario, n)`` — random options, three replies in ten typed, held-out
  wordings among them — against the baseline of **n plain plays** that always answer option 1
  (a ``Session`` each, with the same fixed clock, scored with ``result()``). The ratio per game is
  what a thousand walks cost against a thousand plain plays; per reply it sets apart that walks
  are shorter;
- **old walks**: the same walks without held-out wordings (``paraphrases=False``, the walks
  before the probes), and **paths now/before**: what ``roleplay paths`` costs per scenario
  (analyse + probes + walks) against what it cost before (analyse + old walks).

Times are medians of ``--repeat`` runs (walks: one run); see benchmarks/README.md. No pytest.
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from simulator import Scenario, Session, check_paths  # noqa: E402
from simulator.studio.paths import analyse  # noqa: E402
from simulator.studio.pathtests import FixedClock  # noqa: E402
from simulator.studio.probes import probe  # noqa: E402
from simulator.studio.walks import walks  # noqa: E402

SCENARIOS = ROOT / "scenarios"
perf = time.perf_counter


def fresh(s: Scenario) -> Scenario:
    """The same scenario with empty caches (rules, analysis)."""
    return Scenario(s.model, s.persona, s.content_hash, s.source, s.document)


def time_analysis(s: Scenario, repeat: int) -> tuple[float, float, int]:
    load, report = [], []
    states = 0
    for _ in range(repeat):
        copy = fresh(s)
        gc.collect()
        t0 = perf()
        copy.state_space.max_scores  # noqa: B018 - what loading does
        t1 = perf()
        states = analyse(copy).states
        report.append(perf() - t1)
        load.append(t1 - t0)
    return statistics.median(load), statistics.median(report), states


def plain_plays(s: Scenario, n: int) -> tuple[float, int]:
    replies = 0
    t0 = perf()
    for seed in range(n):
        session = Session(s, trainee="bench", seed=seed, clock=FixedClock())
        while not session.finished:
            session.reply(1)
        session.result()
        replies += len(session.turns)
    return perf() - t0, replies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--walks", type=int, default=None, metavar="N", help="walks per scenario (default 1000)")
    parser.add_argument("--repeat", type=int, default=None, help="analyses per scenario (default 5)")
    parser.add_argument("--quick", action="store_true", help="200 walks and 2 analyses per scenario")
    args = parser.parse_args(argv)
    n = args.walks or (200 if args.quick else 1000)
    repeat = args.repeat or (2 if args.quick else 5)

    began = perf()
    print("Role-play lab: path analysis and random walks")
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}; walks per scenario: {n}")
    scenarios, problems = check_paths([SCENARIOS])
    for p in problems:
        print(f"WARNING (not benchmarked): {p}")
    if not scenarios:
        return 1
    for s in scenarios:  # untimed: the shared Machine, the matcher's caches
        walks(fresh(s), 5)
        probe(s)
        plain_plays(s, 2)

    head = (
        f"{'scenario':<26}{'states':>8}{'load':>9}{'analyse':>10}{'probes':>9}"
        f"{'walks':>9}{'old':>8}{'plain':>9}{'ratio/game':>12}{'ratio/reply':>13}{'failing':>9}{'now/before':>12}"
    )
    print()
    print(head)
    print("-" * len(head))
    totals = {"walks": 0.0, "plain": 0.0, "walk_replies": 0, "plain_replies": 0, "now": 0.0, "before": 0.0}
    analyses, probing = [], []
    for s in scenarios:
        load, report, states = time_analysis(s, repeat)
        analyses.append(report)
        gc.collect()
        probed = statistics.median(probe(fresh(s)).seconds for _ in range(repeat))
        probing.append(probed)
        gc.collect()
        summary = walks(fresh(s), n)
        walked = summary.seconds
        gc.collect()
        old = walks(fresh(s), n, paraphrases=False).seconds
        gc.collect()
        plain, plain_replies = plain_plays(fresh(s), n)
        totals["walks"] += walked
        totals["plain"] += plain
        totals["walk_replies"] += summary.replies
        totals["plain_replies"] += plain_replies
        per_reply = (walked / summary.replies) / (plain / plain_replies)
        now, before = report + probed + walked, report + old
        totals["now"] += now
        totals["before"] += before
        print(
            f"{s.id:<26}{states:>8,}{load * 1e3:>7.0f}ms{report * 1e3:>8.0f}ms{probed * 1e3:>7.0f}ms"
            f"{walked:>8.2f}s{old:>7.2f}s{plain:>8.2f}s"
            f"{walked / plain:>11.2f}x{per_reply:>12.2f}x{len(summary.failures):>9}{now / before:>11.2f}x"
        )
    print()
    print(
        f"analyse(): median {statistics.median(analyses) * 1e3:.0f} ms, max {max(analyses) * 1e3:.0f} ms "
        f"per scenario (on top of the load analysis)"
    )
    print(
        f"{n:,} walks: {totals['walks'] / len(scenarios):.2f} s per scenario on average, "
        f"{totals['walks'] / totals['plain']:.2f}x the time of {n:,} plain option-1 plays; per reply "
        f"{totals['walks'] / totals['walk_replies'] * 1e6:.0f} us against "
        f"{totals['plain'] / totals['plain_replies'] * 1e6:.0f} us"
    )
    print(f"probes: median {statistics.median(probing) * 1e3:.1f} ms, max {max(probing) * 1e3:.1f} ms per scenario")
    print(
        f"roleplay paths (analyse + probes + {n:,} walks): {totals['now'] / len(scenarios):.2f} s per scenario, "
        f"{totals['now'] / totals['before']:.2f}x the time before the probes "
        f"(analyse + {n:,} walks without held-out wordings: {totals['before'] / len(scenarios):.2f} s)"
    )
    print(f"total run time {perf() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
