"""How well each reply matcher understands typed replies: the lab's labelled set (tests/data/replies).

Run from the repository root::

    python benchmarks/bench_matching.py          # lexical and semantic, cross-validated fit
    python benchmarks/bench_matching.py --no-cv  # the shipped constants only (faster)
    python benchmarks/bench_matching.py --tradeoff  # what keeping no-option replies uncredited costs

For each matcher, language and way of writing (``blind``: the options unseen; ``seen``) it prints:
right option at once, right option at once or offered in "Did you mean …", wrong option, rephrase,
no-option replies not credited, breach recall (breach replies recorded at once as their breach: the
only way counted as recall), apart from it the breach replies recorded as another breach option of
the node and those not recorded but offered first in "Did you mean" (a trainee could decline it),
breach replies taken for a good option, replies that commit no breach recorded as one, share of
replies that got a "Did you mean", and median / p95 time per reply.
The semantic matcher is printed twice: with the shipped constants (fitted on every reply,
so in-sample) and cross-validated (constants fitted on all scenarios but two, scored on those two,
seven times over): the cross-validated row is the honest one. The lexical matcher is the baseline.

``--tradeoff`` fits again, cross-validated, with a credited no-option reply costing the fit more and more
(``studio.replyset.objective``: 6 is the shipped fit's cost, a right reply gains 1), and prints the blind
replies' figures for each cost: how much "right at once" a higher share of no-option replies kept costs.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator.core.matching import get_matcher  # noqa: E402
from simulator.loading.loader import load_library  # noqa: E402
from simulator.studio import replyset  # noqa: E402

COLUMNS = (
    ("right", "right"),
    ("right_or_confirmed", "right+DYM"),
    ("wrong", "wrong"),
    ("rephrase", "rephrase"),
    ("no_option_not_credited", "none kept"),
    ("breach_recall", "breach rec"),
    ("breach_other", "other breach"),
    ("breach_proposed", "breach 1st DYM"),
    ("breach_as_good", "breach→good"),
    ("false_breach", "false breach"),
    ("proposed", "DYM shown"),
    ("median_ms", "med ms"),
    ("p95_ms", "p95 ms"),
)


def row(name: str, key: tuple[str, str], counts: replyset.Counts) -> str:
    s = counts.summary()
    cells = " ".join(f"{s[k]:>{max(7, len(label))}.1f}" for k, label in COLUMNS)
    return f"{name:<22} {key[0]:<4} {key[1]:<6} {s['n']:>4} {cells}"


def header() -> str:
    return f"{'matcher':<22} {'lang':<4} {'kind':<6} {'n':>4} " + " ".join(
        f"{label:>{max(7, len(label))}}" for _k, label in COLUMNS
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validated fit")
    parser.add_argument(
        "--tradeoff", action="store_true", help="only the cross-validated fit, at several costs of a no-option credit"
    )
    args = parser.parse_args(argv)
    scenarios = load_library(ROOT / "scenarios")[0]
    replies = replyset.load_replies(ROOT / "tests" / "data" / "replies", scenarios)
    print(f"{len(replies)} labelled replies, {sum(r.written == 'blind' for r in replies)} written blind")
    if args.tradeoff:
        return tradeoff(replies, scenarios)
    print(header())
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for name in ("lexical", "semantic"):
        matcher = get_matcher(name)
        began = time.process_time()
        if name == "semantic":
            matcher.match("warm up", scenarios["angry-late-delivery"].nodes["opening"].options)
            loaded = time.process_time() - began
            rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"   (semantic model loaded in {loaded:.2f} CPU-s, peak memory {rss1 - rss0:+.0f} MB)")
        results = replyset.evaluate(matcher, replies, scenarios)
        label = name if name == "lexical" else "semantic (in-sample)"
        for key in sorted(results):
            print(row(label, key, results[key]))
    if not args.no_cv:
        fitted, decisions = replyset.cross_validate(replies, scenarios)
        by = replyset.tally(decisions, scenarios)
        for key in sorted(by):
            print(row("semantic (7-fold CV)", key, by[key]))
        for held, params in fitted:
            print(f"   fold without {', '.join(held)}: {params}")
    print(
        "breach rec: breach replies recorded at once as their breach option (nothing else counts); "
        "other breach: recorded as another breach option; breach 1st DYM: not recorded, offered first "
        "in 'Did you mean' (both in % of breach replies, not in breach rec)"
    )
    print(
        "targets on blind replies: right >= 90 %, wrong <= 2 %, none kept >= 95 %, breach recall >= 98 %, "
        "breach→good 0, typed step <= 20 ms median"
    )
    return 0


TRADEOFF_COSTS = (replyset.NO_OPTION_COST, 10.0, 20.0, 30.0, 50.0)


def tradeoff(replies, scenarios) -> int:
    """The blind replies' cross-validated figures as crediting a no-option reply costs the fit more."""
    print("cost of a credited no-option reply (a right one gains 1); blind replies, 7-fold CV")
    names = ("right", "right_or_confirmed", "wrong", "no_option_not_credited", "breach_recall", "proposed")
    print(f"{'cost':>5} " + " ".join(f"{n:>22}" for n in names))
    for cost in TRADEOFF_COSTS:
        _fitted, decisions = replyset.cross_validate(replies, scenarios, no_option_cost=cost)
        s = replyset.tally(decisions, scenarios)[("all", "blind")].summary()
        print(f"{cost:>5g} " + " ".join(f"{s[n]:>22.1f}" for n in names), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
