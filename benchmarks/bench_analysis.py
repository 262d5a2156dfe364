"""Benchmark of the reviewer's analysis on a big store: every view from 1,000,000 turns.

Run from the repository root::

    python benchmarks/bench_analysis.py                  # 1,000,000 turns (store built once, ~5 min)
    python benchmarks/bench_analysis.py --quick          # 50,000 turns, under a minute
    python benchmarks/bench_analysis.py --store big.sqlite   # built once, reused next time

The store is made by ``roleplay demo-data`` (simulated trainees playing the shipped
scenarios through the real engine), sized by a pilot run to reach the number of turns
asked for. Each measurement runs in a fresh Python process, so its peak memory
(``ru_maxrss``) is its own:

- baseline: a plain pandas read of the same tables (``pd.read_sql("SELECT * FROM …")``);
- ``simulator.results.reports.load`` and every analysis view (competency matrix, KPIs per trainee
  and per team, progress, first/best/latest, item analysis, not understood, certification,
  agreement, self-assessment, one transcript), then the same views after a filter;
- the review notebook's rendered views (``simulator.ui.review.ReviewLab``: HTML tables and
  charts for every view).

Times are medians over ``--repeat`` processes; ratios are against the plain read in the
same run. No pytest needed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("sessions", "turns", "reviews", "self_assessments", "trainees")
UNTIL = "2026-11-01"  # a fixed calendar, so the same seed gives the same store on any day


def rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


# ---------------------------------------------------------------- children (one process each)


def child_plain(store: Path) -> dict:
    import sqlite3

    import pandas as pd

    base = current_rss_mb()
    t0 = time.perf_counter()
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as conn:
        frames = {table: pd.read_sql(f"SELECT * FROM {table}", conn) for table in TABLES}
    took = time.perf_counter() - t0
    rows = {table: len(frame) for table, frame in frames.items()}
    return {"times": {"plain read": took}, "rows": rows, "base_mb": base, "peak_mb": rss_mb()}


def child_views(store: Path) -> dict:
    from simulator.results import reports

    base = current_rss_mb()
    times: dict[str, float] = {}

    def timed(name, fn):
        t0 = time.perf_counter()
        out = fn()
        times[name] = time.perf_counter() - t0
        return out

    data = timed("analysis.load", lambda: reports.load(str(store)))

    def every_view(d, suffix=""):
        timed("competency matrix" + suffix, lambda: reports.competency_matrix(d))
        timed("KPIs per trainee" + suffix, lambda: reports.kpis(d, by="trainee"))
        timed("KPIs per team" + suffix, lambda: reports.kpis(d, by="team"))
        timed("progress" + suffix, lambda: reports.progress(d))
        timed("first, best, latest" + suffix, lambda: reports.first_best_latest(d))
        timed("item analysis" + suffix, lambda: reports.item_analysis(d))
        timed("not understood" + suffix, lambda: reports.not_understood(d))
        timed("certification" + suffix, lambda: reports.certification(d))
        timed("agreement" + suffix, lambda: reports.agreement(d))
        timed("self vs automatic" + suffix, lambda: reports.self_vs_auto(d))
        timed("one transcript" + suffix, lambda: reports.transcript(d, d.sessions["id"].iloc[len(d.sessions) // 2]))

    every_view(data)
    team = data.sessions["team"].iloc[0]
    one = timed("filter: one team", lambda: reports.select(data, team=team))
    every_view(one, " (one team)")
    return {"times": times, "base_mb": base, "peak_mb": rss_mb()}


def child_notebook(store: Path) -> dict:
    from simulator.loading.loader import load_library
    from simulator.settings import scenarios_dir
    from simulator.ui.review import ReviewLab

    scenarios, _ = load_library(scenarios_dir())
    base = current_rss_mb()
    t0 = time.perf_counter()
    lab = ReviewLab(str(store), scenarios=scenarios)
    took = time.perf_counter() - t0
    t1 = time.perf_counter()
    lab.refresh()
    again = time.perf_counter() - t1
    size = len(lab.html())
    if lab.errors:
        raise SystemExit(f"views failed: {lab.errors}")
    return {
        "times": {"ReviewLab: load + render every view": took, "ReviewLab: re-render (a filter change)": again},
        "html_kb": size / 1024,
        "base_mb": base,
        "peak_mb": rss_mb(),
    }


CHILDREN = {"plain": child_plain, "views": child_views, "notebook": child_notebook}


def run_child(kind: str, store: Path) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--store", str(store)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{kind} measurement failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- the store


def demo_data(store: Path, trainees: int, sessions: int, seed: int) -> str:
    command = [sys.executable, "-m", "simulator", "demo-data", "--trainees", str(trainees), "--sessions",
               str(sessions), "--seed", str(seed), "--until", UNTIL, "--store", str(store)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"demo-data failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def count(store: Path, table: str) -> int:
    import sqlite3

    with sqlite3.connect(store) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def build_store(store: Path, turns: int, seed: int) -> None:
    """Size the store by a pilot run, then fill it with demo-data."""
    pilot = store.with_suffix(".pilot.sqlite")
    demo_data(pilot, 20, 2000, seed)
    per_session = count(pilot, "turns") / count(pilot, "sessions")
    for leftover in pilot.parent.glob(pilot.name + "*"):
        leftover.unlink()
    trainees = max(20, math.ceil(turns / per_session) // 40)
    top_up(store, turns, trainees, seed, per_session)


def top_up(store: Path, turns: int, trainees: int, seed: int, per_session: float) -> None:
    """Fill the store with demo-data runs until it holds ``turns`` turns (a run's length varies)."""
    run = 0
    while (have := count(store, "turns") if store.exists() else 0) < turns:
        sessions = math.ceil((turns - have) / per_session * (1.05 if have else 1.0)) + (10 if have else 0)
        verb = "topping up" if have else "building the store"
        print(f"{verb}: {have:,} turns so far, {sessions:,} more sessions by {trainees:,} trainees")
        t0 = time.perf_counter()
        out = demo_data(store, trainees, sessions, seed + run)
        print("  " + "\n  ".join(line for line in out.splitlines() if line.strip()))
        print(f"  built in {time.perf_counter() - t0:.0f} s, {store.stat().st_size / 2**20:.0f} MB on disk")
        run += 1


# ---------------------------------------------------------------- the report


def fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=1_000_000, help="turns in the store (default 1,000,000)")
    parser.add_argument("--quick", action="store_true", help="50,000 turns, one repeat")
    parser.add_argument("--repeat", type=int, default=3, help="processes per measurement (median)")
    parser.add_argument("--store", type=Path, help="use this store, built first when it does not exist, and keep it")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(CHILDREN[args.child](args.store)))
        return

    turns, repeat = (50_000, 1) if args.quick else (args.turns, args.repeat)
    print("Role-play lab: the reviewer's analysis on a big store")
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs; python {platform.python_version()}")
    workdir = Path(tempfile.mkdtemp(prefix="roleplay-bench-analysis-"))
    store = args.store or workdir / "results.sqlite"
    try:
        if store.exists():
            print(f"store: {store} (reused)")
            have_sessions = count(store, "sessions")
            per_session = count(store, "turns") / max(1, have_sessions)
            top_up(store, turns, max(20, have_sessions // 40), args.seed + 1, per_session)
        else:
            build_store(store, turns, args.seed)
        rows = {table: count(store, table) for table in TABLES}
        print("rows: " + ", ".join(f"{table} {n:,}" for table, n in rows.items()))

        results: dict[str, list[dict]] = {kind: [] for kind in CHILDREN}
        for i in range(repeat):
            for kind in CHILDREN:  # interleaved, so drift hits every measurement alike
                print(f"  run {i + 1}/{repeat}: {kind} ...", end=" ", flush=True)
                results[kind].append(run_child(kind, store))
                print(fmt_s(sum(results[kind][-1]["times"].values())))

        def median_time(kind: str, name: str) -> float:
            return statistics.median(r["times"][name] for r in results[kind])

        def median_mem(kind: str, key: str) -> float:
            return statistics.median(r[key] for r in results[kind])

        plain = median_time("plain", "plain read")
        print()
        print(f"{'measurement (median of ' + str(repeat) + ' processes)':58} {'time':>10}  {'vs plain read':>14}")
        print("-" * 86)
        print(f"{'B plain pandas read of the same tables':58} {fmt_s(plain):>10}  {'(baseline)':>14}")
        names = list(results["views"][0]["times"])
        for name in names:
            t = median_time("views", name)
            print(f"  {name:56} {fmt_s(t):>10}  {t / plain:>13.2f}x")
        views_total = sum(median_time("views", n) for n in names)
        everything = sum(median_time("views", n) for n in names if "(one team)" not in n and "filter" not in n)
        print(f"{'  = load + every view (whole store)':58} {fmt_s(everything):>10}  {everything / plain:>13.2f}x")
        print(f"{'  = all of the above, filter included':58} {fmt_s(views_total):>10}  {views_total / plain:>13.2f}x")
        for name in results["notebook"][0]["times"]:
            t = median_time("notebook", name)
            print(f"  {name:56} {fmt_s(t):>10}  {t / plain:>13.2f}x")
        print()
        print(f"{'peak memory (ru_maxrss of the process)':58} {'peak':>10}  {'vs plain read':>14}   after imports")
        print("-" * 100)
        plain_peak = median_mem("plain", "peak_mb")
        for kind, label in (("plain", "B plain pandas read"), ("views", "analysis: load + every view"),
                            ("notebook", "review notebook: every view rendered")):  # fmt: skip
            peak, base = median_mem(kind, "peak_mb"), median_mem(kind, "base_mb")
            print(f"{label:58} {peak:>7.0f} MB  {peak / plain_peak:>13.2f}x   {base:.0f} MB")
        print()
        print(f"rendered review notebook HTML: {results['notebook'][0]['html_kb']:.0f} kB")
        print(f"ratios: load+views / plain read {everything / plain:.2f}x; "
              f"peak memory {median_mem('views', 'peak_mb') / plain_peak:.2f}x")  # fmt: skip
    finally:
        shutil.rmtree(workdir, ignore_errors=True)  # a --store of your own is kept


if __name__ == "__main__":
    main()
