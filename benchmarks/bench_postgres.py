"""The reviewer's reads on PostgreSQL against SQLite, on the same data.

    python benchmarks/bench_postgres.py              # 3,000 sessions
    python benchmarks/bench_postgres.py --sessions 20000 --repeat 5

Starts a throwaway PostgreSQL server (Debian's postgresql, as the tests do), writes the same
demo data (same seed, same calendar) into a SQLite file and into a PostgreSQL database, then
times ``reports.load`` and ``reports.load`` plus every report view on each, alternating, and
prints the medians and the ratio PostgreSQL / SQLite (the target: within 1.5×).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from simulator import open_store, settings  # noqa: E402
from simulator.loading.loader import load_library  # noqa: E402
from simulator.results import demo, reports  # noqa: E402
from tests import postgres  # noqa: E402


def views(data) -> None:
    reports.competency_matrix(data)
    reports.kpis(data, by="trainee")
    reports.kpis(data, by="team")
    reports.progress(data)
    reports.first_best_latest(data)
    reports.item_analysis(data)
    reports.not_understood(data)
    reports.certification(data)
    reports.agreement(data)
    reports.self_vs_auto(data)


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=3000)
    parser.add_argument("--trainees", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    scenarios, _ = load_library(settings.scenarios_dir())
    ordered = [scenarios[k] for k in sorted(scenarios)]
    until = datetime(2026, 11, 30, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp, postgres.server() as server:
        locations = {"sqlite": str(Path(tmp) / "results.sqlite"), "postgresql": postgres.new_database(server)}
        for name, location in locations.items():
            store = open_store(location)
            t = timed(
                lambda store=store: demo.generate(
                    store, ordered, trainees=args.trainees, sessions=args.sessions, seed=1, until=until, workers=1
                )
            )
            print(f"{name:<11} demo data written in {t:.1f} s ({len(store.sessions()):,} sessions)")
            store.close()
        loads: dict[str, list[float]] = {n: [] for n in locations}
        alls: dict[str, list[float]] = {n: [] for n in locations}
        for _ in range(args.repeat):
            for name, location in locations.items():
                holder = {}
                loads[name].append(
                    timed(lambda location=location, holder=holder: holder.setdefault("d", reports.load(location)))
                )
                alls[name].append(loads[name][-1] + timed(lambda holder=holder: views(holder["d"])))
    print(f"\n{'':<24}{'SQLite (B)':>12}{'PostgreSQL':>12}{'ratio':>8}")
    for label, table in (("reports.load", loads), ("load + every view", alls)):
        s, p = statistics.median(table["sqlite"]), statistics.median(table["postgresql"])
        print(f"{label:<24}{s:>11.3f}s{p:>11.3f}s{p / s:>7.2f}x")
    print(f"(median of {args.repeat} alternating runs; target: PostgreSQL within 1.5x of SQLite)")


if __name__ == "__main__":
    main()
