"""Labelled typed replies, and how well a matcher understands them.

The lab keeps a set of replies typed as trainees type them (``tests/data/replies/<scenario>.yaml``):
each one at a node of a shipped scenario, labelled with the option a trainer would credit it to
(1-based) or ``none`` when it fits no option, whether it commits a breach, and whether it was
written ``blind`` (from the customer's lines alone, never having seen the options) or ``seen``
(after reading them). ``evaluate`` plays a matcher over them and counts what a trainee would meet;
``fit`` chooses the semantic matcher's weights and thresholds on some of them (cross-validation:
``cross_validate`` fits on all scenarios but a few and scores those few, in turn).
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import yaml

from ..core.matching import Matcher, taken
from ..core.scenario import Scenario
from ..core.semantic import (
    ACCEPT,
    ACCEPT_BREACH,
    CUE,
    MARGIN,
    MARGIN_BREACH,
    STANCE,
    UNSURE,
    WORDS,
    SemanticMatcher,
)

__all__ = ["Counts", "LabelledReply", "Params", "cross_validate", "evaluate", "fit", "load_replies", "tally"]


@dataclass(frozen=True)
class LabelledReply:
    """One typed reply and the option a trainer credits it to.

    Attributes:
        scenario, node: where it was typed.
        text: what was typed.
        label: the option it carries (0-based), or None when it fits no option.
        breach: whether it commits a breach.
        written: ``blind`` (the options unseen) or ``seen``.
        language: the scenario's language.
    """

    scenario: str
    node: str
    text: str
    label: int | None
    breach: bool
    written: str
    language: str


def load_replies(folder: Path | str, scenarios: dict[str, Scenario]) -> list[LabelledReply]:
    """Read a folder of labelled replies (one YAML file per scenario).

    Args:
        folder: ``tests/data/replies``.
        scenarios: the library, by id (the nodes and options the labels refer to).

    Returns:
        The replies, file by file in name order.

    Raises:
        ValueError: a file names an unknown scenario or node, or a label that is not an option there.
    """
    out: list[LabelledReply] = []
    for file in sorted(Path(folder).glob("*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        sid = data["scenario"]
        if sid not in scenarios:
            raise ValueError(f"{file.name}: no scenario '{sid}' in the library")
        scenario = scenarios[sid]
        for n, item in enumerate(data["replies"], start=1):
            node = scenario.nodes.get(item["node"])
            if node is None:
                raise ValueError(f"{file.name}: reply {n}: no node '{item['node']}' in {sid}")
            label = item["label"]
            if label != "none" and not (isinstance(label, int) and 1 <= label <= len(node.options)):
                raise ValueError(f"{file.name}: reply {n}: label {label!r} is not an option of {item['node']}")
            out.append(
                LabelledReply(
                    sid,
                    item["node"],
                    str(item["text"]),
                    None if label == "none" else label - 1,
                    bool(item.get("breach", False)),
                    item["written"],
                    scenario.language,
                )
            )
    return out


@dataclass
class Counts:
    """What a matcher did with a set of replies.

    Attributes:
        fitting: replies that carry an option.
        right: of those, taken for it at once.
        confirmed: not taken at once, but offered among "Did you mean …" (one click to the right one).
        wrong: taken for another option (of those that carry one).
        rephrase: asked to rephrase with the right option not offered.
        no_option, no_option_credited: replies that fit no option, and those taken for one.
        breaches, breach_recorded, breach_as_good: replies committing a breach (their label a breach
            option), those recorded at once as that breach, and those taken for a good option (any
            breach reply).
        breach_other, breach_proposed: of the breaches not recorded as their breach, those recorded as
            another breach option of the node, and those not recorded but offered first in "Did you mean"
            (which the trainee could decline): counted apart, never as recorded.
        false_breach: replies that commit no breach recorded as one.
        proposed_miss: "Did you mean …" offered without the option the reply carries (or for a reply
            that fits none): the trainee declines and rephrases.
        times: seconds per reply.
    """

    fitting: int = 0
    right: int = 0
    confirmed: int = 0
    wrong: int = 0
    rephrase: int = 0
    no_option: int = 0
    no_option_credited: int = 0
    breaches: int = 0
    breach_recorded: int = 0
    breach_as_good: int = 0
    breach_other: int = 0
    breach_proposed: int = 0
    false_breach: int = 0
    proposed_miss: int = 0
    times: list[float] = field(default_factory=list)

    def rate(self, part: int, whole: int) -> float:
        """A share in percent (NaN of nothing).

        Args:
            part: the count.
            whole: out of.

        Returns:
            100 × part / whole.
        """
        return 100.0 * part / whole if whole else float("nan")

    def summary(self) -> dict[str, float]:
        """The figures in percent and milliseconds.

        Returns:
            right, right_or_confirmed, wrong, rephrase, no_option_not_credited, breach_recall (recorded
            at once as the breach), breach_other and breach_proposed (in percent of the breaches, apart),
            breach_as_good (a count), false_breach (a count), median_ms, p95_ms, and n.
        """
        times = sorted(self.times) or [float("nan")]
        return {
            "n": self.fitting + self.no_option,
            "right": self.rate(self.right, self.fitting),
            "right_or_confirmed": self.rate(self.right + self.confirmed, self.fitting),
            "wrong": self.rate(self.wrong, self.fitting),
            "rephrase": self.rate(self.rephrase, self.fitting),
            "no_option_not_credited": self.rate(self.no_option - self.no_option_credited, self.no_option),
            "breach_recall": self.rate(self.breach_recorded, self.breaches),
            "breach_other": self.rate(self.breach_other, self.breaches),
            "breach_proposed": self.rate(self.breach_proposed, self.breaches),
            "breach_as_good": self.breach_as_good,
            "false_breach": self.false_breach,
            "proposed": self.rate(self.confirmed + self.proposed_miss, self.fitting + self.no_option),
            "median_ms": 1000 * statistics.median(times),
            "p95_ms": 1000 * times[min(len(times) - 1, int(0.95 * len(times)))],
        }


def _count(counts: Counts, reply: LabelledReply, credited: int | None, proposed: Sequence[int], breach_options) -> None:
    is_breach_option = credited is not None and credited in breach_options
    if credited is None and proposed and reply.label not in proposed:
        counts.proposed_miss += 1
    if reply.label is None:
        counts.no_option += 1
        counts.no_option_credited += credited is not None
    else:
        counts.fitting += 1
        if credited == reply.label:
            counts.right += 1
        elif credited is not None:
            counts.wrong += 1
        elif reply.label in proposed:
            counts.confirmed += 1
        else:
            counts.rephrase += 1
    if reply.breach and reply.label is not None and reply.label in breach_options:
        counts.breaches += 1
        counts.breach_recorded += credited == reply.label
        counts.breach_other += is_breach_option and credited != reply.label
        counts.breach_proposed += credited is None and tuple(proposed[:1]) == (reply.label,)
    if reply.breach and credited is not None and not is_breach_option:
        counts.breach_as_good += 1
    if not reply.breach and is_breach_option:
        counts.false_breach += 1


def evaluate(matcher: Matcher, replies: Iterable[LabelledReply], scenarios: dict[str, Scenario]) -> dict:
    """Play a matcher over labelled replies.

    Args:
        matcher: the matcher.
        replies: the labelled replies.
        scenarios: the library they belong to.

    Returns:
        Counts by (language, written), and by ("all", written) and ("all", "all"), as ``tally`` gives them.
    """
    decisions, times = [], []
    for reply in replies:
        scenario = scenarios[reply.scenario]
        began = time.perf_counter()
        match = matcher.match(reply.text, scenario.nodes[reply.node].options, reply.language)
        times.append(time.perf_counter() - began)
        credited = match.option_index if taken(match, matcher, scenario.model.matching.threshold) else None
        decisions.append((reply, credited, match.proposed))
    return tally(decisions, scenarios, times)


def tally(
    decisions: Iterable[tuple[LabelledReply, int | None, Sequence[int]]],
    scenarios: dict[str, Scenario],
    times: Sequence[float] = (),
) -> dict[tuple[str, str], Counts]:
    """Count decisions about labelled replies.

    Args:
        decisions: (reply, the option it was taken for or None, the options proposed).
        scenarios: the library the replies belong to.
        times: seconds each decision took, in the same order (none: no times).

    Returns:
        Counts by (language, written), and by ("all", written) and ("all", "all").
    """
    out: dict[tuple[str, str], Counts] = {}
    for n, (reply, credited, proposed) in enumerate(decisions):
        options = scenarios[reply.scenario].nodes[reply.node].options
        breach_options = {i for i, o in enumerate(options) if o.breach is not None}
        for key in ((reply.language, reply.written), ("all", reply.written), ("all", "all")):
            counts = out.setdefault(key, Counts())
            _count(counts, reply, credited, proposed, breach_options)
            if times:
                counts.times.append(times[n])
    return out


# ---------------------------------------------------------------- fitting the semantic matcher


@dataclass(frozen=True)
class Params:
    """The semantic matcher's weights and thresholds.

    Attributes:
        words, stance, accept, accept_breach, unsure, margin, margin_breach, cue: as ``SemanticMatcher``
            takes them.
    """

    words: float = WORDS
    stance: float = STANCE
    accept: float = ACCEPT
    accept_breach: float = ACCEPT_BREACH
    unsure: float = UNSURE
    margin: float = MARGIN
    margin_breach: float = MARGIN_BREACH
    cue: float = CUE

    def matcher(self) -> SemanticMatcher:
        """A matcher with these values.

        Returns:
            The ``SemanticMatcher``.
        """
        return SemanticMatcher(
            self.words,
            self.stance,
            self.accept,
            self.accept_breach,
            self.unsure,
            self.margin,
            self.margin_breach,
            self.cue,
        )


@dataclass
class _Features:
    reply: LabelledReply
    options: list[list[tuple]]  # SemanticMatcher.evidence: per option, per text
    breach: list[bool]  # whether each option is a breach

    @property
    def breach_options(self) -> frozenset[int]:
        return frozenset(i for i, b in enumerate(self.breach) if b)


def _features(
    replies: Sequence[LabelledReply], scenarios: dict[str, Scenario], matcher: SemanticMatcher | None = None
) -> list[_Features]:
    matcher = matcher or SemanticMatcher()
    out = []
    for reply in replies:
        options = scenarios[reply.scenario].nodes[reply.node].options
        evidence = matcher.evidence(reply.text, options, reply.language)
        out.append(_Features(reply, evidence, [o.breach is not None for o in options]))
    return out


def _decide(f: _Features, p: Params) -> tuple[int | None, tuple[int, ...]]:
    matcher = p.matcher()
    match = matcher.decide(matcher.combine(f.options), f.breach)
    return match.option_index, match.proposed


def _tally(features: Sequence[_Features], p: Params) -> Counts:
    counts = Counts()
    for f in features:
        credited, proposed = _decide(f, p)
        _count(counts, f.reply, credited, proposed, f.breach_options)
    return counts


NO_OPTION_COST = 6.0  # what crediting a reply that fits no option costs the fit (a right one gains 1)


def objective(counts: Counts, no_option_cost: float = NO_OPTION_COST) -> float:
    """How good a set of decisions is, for fitting: right ones count, wrong ones and breaches cost much more.

    Args:
        counts: the decisions' counts (a ``Counts``, or their fields as arrays: one value per row).
        no_option_cost: what a credited no-option reply costs (``bench_matching.py --tradeoff`` shows
            what raising it does).

    Returns:
        Higher is better.
    """
    return (
        counts.right
        + 0.7 * counts.confirmed
        - 6.0 * counts.wrong
        - no_option_cost * counts.no_option_credited
        + 4.0 * counts.breach_recorded
        - 30.0 * counts.breach_as_good
        - 6.0 * counts.false_breach
        - 0.3 * counts.proposed_miss
    )


GRID = {
    "words": (0.25, 0.5, 0.75, 1.0),
    "stance": (0.0, 0.15, 0.3),
    "accept": tuple(round(0.5 + 0.05 * i, 2) for i in range(19)),
    # from 0.3: no labelled reply is off topic at a breach node, and below it off-topic sentences are breaches
    "accept_breach": tuple(round(0.3 + 0.05 * i, 2) for i in range(19)),
    "unsure": tuple(round(0.1 + 0.05 * i, 2) for i in range(13)),
    "margin": (0.02, 0.04, 0.06, 0.08, 0.1, 0.14, 0.2, 0.25, 0.3),
    "margin_breach": (0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.14, 0.2),
    "cue": (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3),
}


def fit(
    replies: Sequence[LabelledReply], scenarios: dict[str, Scenario], progress: Callable[[int, int], None] | None = None
) -> Params:
    """The weights and thresholds that do best on these replies (``objective``), by grid search (``GRID``).

    Args:
        replies: the labelled replies to fit on.
        scenarios: their library.
        progress: called with (done, total) as the search goes.

    Returns:
        The best ``Params``.
    """
    return _fit(_features(replies, scenarios), progress)


def _fit(features: Sequence[_Features], progress=None, no_option_cost: float = NO_OPTION_COST) -> Params:
    """The grid search. A reply whose best option is good depends on ``accept`` and not on the breach
    thresholds, and one whose best option is a breach the other way round (both depend on ``margin`` and
    ``unsure``, through the proposals): so for each (margin, unsure) the best ``accept`` and the best
    (``accept_breach``, ``margin_breach``) pair are found apart, each over all its values at once."""
    import numpy as np

    best, best_value = Params(), float("-inf")
    outer = list(itertools.product(GRID["words"], GRID["stance"], GRID["cue"]))
    pairs = list(itertools.product(GRID["accept_breach"], GRID["margin_breach"]))
    accept_breach = np.array([p[0] for p in pairs])
    margin_breach = np.array([p[1] for p in pairs])
    accepts = np.array(GRID["accept"])
    for done, (words, stance, cue) in enumerate(outer, start=1):
        a = _arrays(features, words, stance, cue)
        good = {k: v[~a["b1_breach"]] for k, v in a.items()}
        bad = {k: v[a["b1_breach"]] for k, v in a.items()}
        for margin, unsure in itertools.product(GRID["margin"], GRID["unsure"]):
            if unsure > accepts.max():
                continue
            on_good = _objective_of(
                good, accepts, accept_breach[0], unsure, margin, np, margin_breach[0], rows=True, cost=no_option_cost
            )
            on_good = np.where(accepts >= unsure, on_good, -np.inf)
            on_bad = _objective_of(
                bad, accepts[0], accept_breach, unsure, margin, np, margin_breach, rows=True, cost=no_option_cost
            )
            i, k = int(np.argmax(on_good)), int(np.argmax(on_bad))  # the first of equals: grid order
            value = float(on_good[i] + on_bad[k])
            if value > best_value:
                best_value = value
                best = Params(words, stance, float(accepts[i]), pairs[k][0], unsure, margin, pairs[k][1], cue)
        if progress:
            progress(done, len(outer))
    return best


def _arrays(features: Sequence[_Features], words: float, stance: float, cue: float = CUE) -> dict:
    """Per reply: best and runner-up option and score, the best good option's score after the best, and
    what is known of the reply, as numpy arrays."""
    import numpy as np

    combine = Params(words=words, stance=stance, cue=cue).matcher().combine
    s1, s2, sg, b1, b2, label, breach_reply, b1_breach, label_breach = ([] for _ in range(9))
    for f in features:
        scores = combine(f.options)
        ranked = sorted(range(len(scores)), key=scores.__getitem__, reverse=True) + [-1]
        s1.append(scores[ranked[0]])
        s2.append(scores[ranked[1]] if ranked[1] >= 0 else -1.0)
        sg.append(max((scores[i] for i in ranked[1:-1] if not f.breach[i]), default=-1.0))
        b1.append(ranked[0])
        b2.append(ranked[1])
        label.append(-2 if f.reply.label is None else f.reply.label)
        breach_reply.append(f.reply.breach)
        b1_breach.append(f.breach[ranked[0]])
        label_breach.append(f.reply.label is not None and f.breach[f.reply.label])
    names = ("s1", "s2", "sg", "b1", "b2", "label", "breach_reply", "b1_breach", "label_breach")
    values = (s1, s2, sg, b1, b2, label, breach_reply, b1_breach, label_breach)
    return {k: np.array(v) for k, v in zip(names, values, strict=True)}


def _objective_of(
    a: dict, accept, accept_breach, unsure, margin, np, margin_breach=None, rows=False, cost=NO_OPTION_COST
):
    """``objective`` of ``_decide``'s decisions for every reply at once (the same rules, vectorised).

    Either ``accept``, or ``accept_breach`` and ``margin_breach`` (of equal length), may be arrays:
    one value per row of the result. ``rows``: always return an array (one row for scalars). ``cost``: what a
    credited no-option reply costs (``objective``).
    """
    margin_breach = margin if margin_breach is None else margin_breach
    several = rows or np.ndim(accept_breach) > 0 or np.ndim(accept) > 0
    accept = np.asarray(accept, dtype=float).reshape(-1, 1)
    accept_breach = np.asarray(accept_breach, dtype=float).reshape(-1, 1)
    margin_breach = np.asarray(margin_breach, dtype=float).reshape(-1, 1)
    gap = a["s1"] - a["s2"]
    needed = np.where(a["b1_breach"], accept_breach, accept)
    needed_gap = np.where(a["b1_breach"], margin_breach, margin)
    credited = (a["s1"] >= needed) & (np.where(a["b1_breach"], a["s1"] - a["sg"], gap) >= needed_gap)
    unsure_mask = ~credited & (a["s1"] >= unsure)
    second_in = (a["s2"] >= unsure) & (gap < margin) & (a["b2"] >= 0)
    fits = a["label"] >= 0
    right = credited & (a["b1"] == a["label"])
    wrong = credited & fits & (a["b1"] != a["label"])
    confirmed = unsure_mask & fits & ((a["b1"] == a["label"]) | (second_in & (a["b2"] == a["label"])))
    proposed_miss = unsure_mask & ~confirmed
    no_option_credited = credited & ~fits
    breach_recorded = right & a["label_breach"] & a["breach_reply"]
    breach_as_good = credited & a["breach_reply"] & ~a["b1_breach"]
    false_breach = credited & ~a["breach_reply"] & a["b1_breach"]
    counts = SimpleNamespace(
        right=right.sum(axis=-1),
        confirmed=confirmed.sum(axis=-1),
        wrong=wrong.sum(axis=-1),
        no_option_credited=no_option_credited.sum(axis=-1),
        breach_recorded=breach_recorded.sum(axis=-1),
        breach_as_good=breach_as_good.sum(axis=-1),
        false_breach=false_breach.sum(axis=-1),
        proposed_miss=proposed_miss.sum(axis=-1),
    )
    values = objective(counts, cost)
    return values if several else float(values[0])


def cross_validate(
    replies: Sequence[LabelledReply],
    scenarios: dict[str, Scenario],
    folds: int = 7,
    progress=None,
    no_option_cost: float = NO_OPTION_COST,
    matcher: SemanticMatcher | None = None,
) -> tuple[list[tuple[list[str], Params]], list[tuple[LabelledReply, int | None, tuple[int, ...]]]]:
    """Fit on all scenarios but a fold of them and decide the held-out fold's replies, fold by fold.

    Args:
        replies: the labelled replies.
        scenarios: their library.
        folds: how many groups the scenarios are dealt into (each scenario held out once).
        progress: called with (fold, folds).
        no_option_cost: what a credited no-option reply costs each fold's fit (``objective``).
        matcher: whose evidence the fit weighs (its ``cosines``: another sentence encoder's, as
            ``bench_matching.py --encoder`` compares); the shipped ``SemanticMatcher`` when None.

    Returns:
        (each fold's held-out scenarios and the params fitted without them, every reply's held-out
        decision: (reply, credited option or None, proposed options)).
    """
    features = _features(replies, scenarios, matcher)
    ids = sorted({r.scenario for r in replies})
    groups = [ids[i::folds] for i in range(folds)]
    fitted, decisions = [], []
    for k, held in enumerate(groups, start=1):
        train = [f for f in features if f.reply.scenario not in held]
        p = _fit(train, no_option_cost=no_option_cost)
        fitted.append((held, p))
        for f in features:
            if f.reply.scenario in held:
                credited, proposed = _decide(f, p)
                decisions.append((f.reply, credited, proposed))
        if progress:
            progress(k, folds)
    return fitted, decisions
