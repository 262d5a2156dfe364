"""Timing statistics and the table the benchmarks print, and the Chromium they drive (shared by the benchmarks)."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# Debian's Chromium, headless, with nothing of its own going over the network
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # Nothing but this machine: every other host name is unresolvable (Voila's lab template links a CDN
    # stylesheet). Not a Playwright route: a route over every request sends each one through the driver to
    # the benchmark and back (50 pages' ~93 requests each, all opening at once).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]


@dataclass
class Stat:
    """Timings (seconds), one sample per call, page load, click or import."""

    label: str
    samples: list[float] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else math.nan

    @property
    def p95(self) -> float:
        if not self.samples:
            return math.nan
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]  # nearest rank

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples) if self.samples else math.nan

    @property
    def min(self) -> float:
        return min(self.samples) if self.samples else math.nan

    @property
    def ops(self) -> float:
        """Calls a second: 1 / the mean time of the timed calls alone."""
        total = sum(self.samples)
        return len(self.samples) / total if total > 0 else math.nan


def fmt_time(seconds: float) -> str:
    if math.isnan(seconds):
        return "n/a"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            value = seconds / scale
            return f"{value:.0f} {unit}" if value >= 100 else f"{value:#.3g}".rstrip(".") + f" {unit}"
    return f"{seconds / 1e-9:.0f} ns"


def fmt_ops(ops: float) -> str:
    if math.isnan(ops):
        return "n/a"
    return f"{ops:,.0f}" if ops >= 10 else f"{ops:.2f}"


# What each column of a Table shows of a Stat.
SHOW: dict[str, Callable[[Stat], str]] = {
    "n": lambda s: str(s.n),
    "min": lambda s: fmt_time(s.min),
    "median": lambda s: fmt_time(s.median),
    "p95": lambda s: fmt_time(s.p95),
    "ops/s": lambda s: fmt_ops(s.ops),
}


class Table:
    """Rows of figures under section headings, with a baseline column."""

    def __init__(
        self,
        first: str = "operation",
        columns: tuple[tuple[str, int], ...] = (("n", 7), ("median", 11), ("p95", 11), ("ops/s", 11)),
    ) -> None:
        self.first, self.columns = first, columns
        self.rows: list[tuple[str, Stat | None, str]] = []

    def section(self, title: str) -> None:
        self.rows.append((title, None, ""))

    def add(self, stat: Stat, versus: str = "") -> Stat:
        self.rows.append((stat.label, stat, versus))
        return stat

    def print(self) -> None:
        width = max(len(label) for label, stat, _ in self.rows if stat is not None) + 2
        heads = "".join(f"{head:>{w}}" for head, w in self.columns)
        header = f"{self.first:<{width}}{heads}   vs baseline (median ratio)"
        print(header)
        print("-" * len(header))
        for label, stat, versus in self.rows:
            if stat is None:
                print(f"\n{label}")
                continue
            cells = "".join(f"{SHOW[head](stat):>{w}}" for head, w in self.columns)
            print(f"{label:<{width}}{cells}   {versus}")


@dataclass
class Ratio:
    """A subject's figures over a baseline's, measured in the same run."""

    what: str
    subject: Stat
    baseline: Stat

    @property
    def median(self) -> float:
        return self.subject.median / self.baseline.median if self.baseline.samples else math.nan

    @property
    def mean(self) -> float:
        return self.subject.mean / self.baseline.mean if self.baseline.samples else math.nan

    def short(self) -> str:
        name = self.baseline.label.strip().removeprefix("B ").removeprefix("i ")
        return f"x{self.median:.2f} {name}"


def print_ratios(ratios: list[Ratio], width: int) -> None:
    print("ratios (subject / baseline, same run)".ljust(width + 2) + " median    mean")
    for r in ratios:
        print(f"  {r.what:<{width}}{r.median:>7.2f}x{r.mean:>7.2f}x")


def timed(what: str, run: Callable[[], object]) -> object:
    """Run one stage of a benchmark, saying what it is and how long it took."""
    print(f"running {what} ...", end=" ", flush=True)
    t0 = time.perf_counter()
    out = run()
    print(f"{time.perf_counter() - t0:.1f} s", flush=True)
    return out
