"""Seeded random play-throughs of a scenario through the real engine.

Where the path analysis (``simulator.studio.paths``) reasons about every option path, a random
walk plays a ``Session`` exactly as a trainee would, typed replies and the reply matcher
included. Each walk has its own ``random.Random(seed)``: at every turn it picks an option
at random and, with probability ``typed``, types a reply instead of clicking — the
option's text or one of its phrasings as written, a *paraphrase* (one of the option's wordings
held out: matched while that option is known by its other wordings only, as a trainee's own words
would be; ``simulator.studio.probes``), a wording with a slip (a letter or a word dropped or
doubled), or an off-topic sentence that should not be understood. The session
gets the same seed (the customer's line variants) and a fixed clock, so ``replay(scenario,
seed)`` gives the same walk again, reply for reply.

A walk that raises is not raised: it comes back with the error, the traceback text and its
seed, so one broken path does not hide the other thousand.
"""

from __future__ import annotations

import contextlib
import random
import statistics
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..core.engine import Session
from ..core.matching import get_matcher
from ..core.model import Option
from .pathtests import FixedClock
from .probes import HeldOut

if TYPE_CHECKING:
    from ..core.scenario import Scenario

__all__ = ["Walk", "WalkStep", "WalkSummary", "replay", "walk", "walks"]

TYPED_SHARE = 0.3  # the share of replies a walk types instead of clicking
KINDS = ("phrasing", "slip", "off_topic")  # typed replies: as written, with a slip, off topic
KIND_WEIGHTS = (5, 3, 2)
PARAPHRASE = "paraphrase"  # a wording held out: typed while its option is matched by its other wordings
# With paraphrases (the default): as written, held out, with a slip, off topic.
ALL_KINDS = ("phrasing", PARAPHRASE, "slip", "off_topic")
ALL_KIND_WEIGHTS = (2, 3, 3, 2)
KIND_NAMES = {"phrasing": "as written", PARAPHRASE: "held out", "slip": "with a slip", "off_topic": "off topic"}
TRAINEE = "random-walk"

# Sentences no option of a support scenario should be taken for.
OFF_TOPIC = {
    "en": (
        "What's the weather going to be like in Lisbon tomorrow?",
        "My cat knocked a plant off the windowsill again.",
        "Seventeen bananas and a trombone.",
        "Did you watch the football last night?",
        "Purple elephants rarely play chess on Tuesdays.",
    ),
    "pl": (
        "Jaka jutro będzie pogoda w Lizbonie?",
        "Mój kot znowu zrzucił kwiatek z parapetu.",
        "Siedemnaście bananów i puzon.",
        "Oglądał pan wczoraj mecz?",
        "Fioletowe słonie rzadko grają w szachy we wtorki.",
    ),
}


@dataclass(frozen=True)
class WalkStep:
    """One reply of a walk and what the engine made of it."""

    node: str
    customer: str  # the customer's line the reply answered
    reply: int | str  # an option number (1-based) or the typed text
    kind: str  # "option", or a typed reply: "phrasing", "paraphrase", "slip" or "off_topic"
    meant: int | None  # the option (0-based) the walk meant; None for an off-topic sentence
    taken: int | None  # the option (0-based) the engine took; None when it did not understand
    mood_after: int
    scores: dict[str, float]  # the score changes of the reply

    @property
    def understood(self) -> bool:
        return self.taken is not None


@dataclass(frozen=True)
class Walk:
    """One random play-through; ``error`` and ``traceback`` are set if it raised."""

    scenario_id: str
    seed: int
    steps: tuple[WalkStep, ...]
    ending: str | None
    outcome: str | None
    score: float | None
    passed: bool | None
    error: str | None = None
    traceback: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def replies(self) -> tuple[int | str, ...]:
        return tuple(s.reply for s in self.steps)

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(s.node for s in self.steps)

    @property
    def turns(self) -> int:
        return len(self.steps)

    def text(self) -> str:
        """The walk turn by turn."""
        lines = [f"walk {self.seed} of {self.scenario_id}: {self.turns} repl{'ies' if self.turns != 1 else 'y'}"]
        for number, s in enumerate(self.steps, start=1):
            lines.append(f"{number:>3}. [{s.node}] customer: {s.customer}")
            how = {
                "option": "option",
                "phrasing": "typed",
                PARAPHRASE: "typed, held out",
                "slip": "typed with a slip",
                "off_topic": "off topic",
            }
            taken = "not understood" if s.taken is None else f"taken as option {s.taken + 1}"
            if s.kind != "option" and s.meant is not None and s.taken not in (None, s.meant):
                taken += f" (meant option {s.meant + 1})"
            changes = ", ".join(f"{c} {v:+g}" for c, v in s.scores.items() if v)
            lines.append(
                f"     {how[s.kind]}: {s.reply!r} → {taken}; mood {s.mood_after}" + (f"; {changes}" if changes else "")
            )
        if self.error is not None:
            lines += [f"raised {self.error}", (self.traceback or "").rstrip()]
        else:
            verdict = "passed" if self.passed else "not passed"
            lines.append(f"ending {self.ending} ({self.outcome}), overall {self.score:g}, {verdict}")
        return "\n".join(lines)


def slip(rng: random.Random, text: str) -> str:
    """The text with one slip: a letter or a word dropped or doubled."""
    how = rng.randrange(4)
    words = text.split()
    if how >= 2 and len(words) > 1:
        i = rng.randrange(len(words))
        words = words[:i] + words[i + 1 :] if how == 2 else words[: i + 1] + words[i:]
        return " ".join(words)
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if not letters:
        return text + text
    i = rng.choice(letters)
    slipped = text[:i] + text[i + 1 :] if how % 2 == 0 else text[:i] + text[i] + text[i:]
    return slipped if slipped.strip() else text + text[i]


def _choose(
    rng: random.Random, options: Sequence[Option], language: str, typed: float, paraphrases: bool = True
) -> tuple[int | str, str, int | None, int | None]:
    """A reply: (option number or text, kind, the option meant, the wording held out or None)."""
    index = rng.randrange(len(options))
    if rng.random() >= typed:
        return index + 1, "option", index, None
    if paraphrases:
        kind = rng.choices(ALL_KINDS, weights=ALL_KIND_WEIGHTS)[0]
    else:
        kind = rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
    if kind == "off_topic":
        return rng.choice(OFF_TOPIC.get(language, OFF_TOPIC["en"])), kind, None, None
    option = options[index]
    wordings = (option.text, *option.phrasings)
    wording = rng.randrange(len(wordings))
    text = wordings[wording]
    if kind == PARAPHRASE:
        if not option.phrasings:  # nothing would be left to match it by: typed as written instead
            return text, "phrasing", index, None
        return text, kind, index, wording
    return (slip(rng, text) if kind == "slip" else text), kind, index, None


def walk(scenario: Scenario, seed: int, *, typed: float = TYPED_SHARE, paraphrases: bool = True) -> Walk:
    """Play one random walk through the engine; an exception comes back in the Walk.

    Args:
        scenario: the scenario.
        seed: the walk's seed (its replies and the customer's line variants).
        typed: the share of replies typed instead of clicked.
        paraphrases: whether typed replies include held-out wordings (False: the walks before them).

    Returns:
        The ``Walk``.
    """
    rng = random.Random(seed)
    steps: list[WalkStep] = []
    session: Session | None = None
    try:
        matcher = HeldOut(get_matcher(scenario.model.matching.matcher))
        session = Session(scenario, trainee=TRAINEE, seed=seed, clock=FixedClock(), matcher=matcher)
        limit = scenario.model.max_turns
        while not session.finished:
            if len(steps) >= limit:  # every reply counts towards max_turns: the engine must have ended it
                raise RuntimeError(f"the conversation has not ended after max_turns ({limit}) replies")
            node, customer = session.node, session.customer_line
            options = scenario.nodes[node].options
            reply, kind, meant, wording = _choose(rng, options, scenario.language, typed, paraphrases)
            if wording is not None:
                matcher.hold(options, meant, wording)
            try:
                turn = session.reply(reply)
            finally:
                matcher.release()
            steps.append(
                WalkStep(node, customer, reply, kind, meant, turn.option_index, turn.mood_after, dict(turn.scores))
            )
        result = session.result()
    except Exception as exc:
        if session is not None:
            with contextlib.suppress(Exception):  # the walk's own error is the one to report
                session.abandon()
        return Walk(
            scenario.id,
            seed,
            tuple(steps),
            None,
            None,
            None,
            None,
            error=f"{type(exc).__name__}: {exc}",
            traceback=traceback.format_exc(),
        )
    return Walk(scenario.id, seed, tuple(steps), result.ending, result.outcome, result.overall, result.passed)


def replay(scenario: Scenario, seed: int, *, typed: float = TYPED_SHARE, paraphrases: bool = True) -> Walk:
    """The walk of that seed again: the same replies, the same result."""
    return walk(scenario, seed, typed=typed, paraphrases=paraphrases)


@dataclass
class WalkSummary:
    """What ``n`` random walks of one scenario came to (``walks``); ``text()`` prints it."""

    scenario_id: str
    seed: int  # walk i has seed seed + i
    n: int
    endings: dict[str, int]  # ending id → walks, most frequent first
    outcomes: dict[str, int]
    score_min: float | None
    score_median: float | None
    score_max: float | None
    passed: int  # walks that passed (of the completed ones)
    replies: int
    typed: dict[str, int]  # typed replies by kind: phrasing, paraphrase, slip, off_topic
    not_understood: dict[str, int]  # of those, not understood, by kind
    misread: int  # typed replies taken for another option than the one meant
    failures: list[Walk]  # walks that raised (not walks that did not pass)
    walks: list[Walk] = field(repr=False)
    seconds: float = field(default=0.0, compare=False)
    misread_by_kind: dict[str, int] = field(default_factory=dict)  # the misread ones, by kind

    @property
    def completed(self) -> int:
        return self.n - len(self.failures)

    @property
    def pass_rate(self) -> float:
        return self.passed / self.completed if self.completed else 0.0

    @property
    def typed_share(self) -> float:
        return sum(self.typed.values()) / self.replies if self.replies else 0.0

    @property
    def not_understood_share(self) -> float:
        """Of the typed replies, the share the engine did not understand."""
        typed = sum(self.typed.values())
        return sum(self.not_understood.values()) / typed if typed else 0.0

    def text(self, replay_hint: str = "replay(scenario, {seed})") -> str:
        last = self.seed + self.n - 1
        lines = [f"random walks of {self.scenario_id}: {self.n:,} (seeds {self.seed}–{last}) in {self.seconds:.2f} s"]
        lines.append("  endings:  " + ", ".join(f"{e} {k:,}" for e, k in self.endings.items()))
        lines.append("  outcomes: " + ", ".join(f"{o} {k:,}" for o, k in self.outcomes.items()))
        if self.score_min is not None:
            lines.append(
                f"  score:    min {self.score_min:g}, median {self.score_median:g}, max {self.score_max:g}; "
                f"passed {self.passed:,} of {self.completed:,} ({self.pass_rate:.1%})"
            )
        typed = sum(self.typed.values())
        lines.append(
            f"  replies:  {self.replies:,}, typed {typed:,} ({self.typed_share:.1%}); not understood "
            f"{sum(self.not_understood.values()):,} ({self.not_understood_share:.1%} of typed)"
        )
        parts = [
            f"{KIND_NAMES[k]} {self.not_understood.get(k, 0):,}/{self.typed.get(k, 0):,}"
            for k in ALL_KINDS
            if self.typed.get(k)
        ]
        if parts:
            misread = ", ".join(f"{KIND_NAMES[k]} {n:,}" for k, n in self.misread_by_kind.items())
            lines.append(
                "  not understood by kind: "
                + ", ".join(parts)
                + f"; taken for another option {self.misread:,}"
                + (f" ({misread})" if misread else "")
            )
        if not self.failures:
            lines.append("  failing walks: none")
        else:
            lines.append(f"  failing walks: {len(self.failures)} (they raised an error)")
            for w in self.failures:
                lines.append(f"    seed {w.seed}: {w.error} after {w.turns} repl{'ies' if w.turns != 1 else 'y'}")
                lines.append("      replay with: " + replay_hint.format(seed=w.seed))
        return "\n".join(lines)


def walks(
    scenario: Scenario,
    n: int = 1000,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
    *,
    typed: float = TYPED_SHARE,
    paraphrases: bool = True,
) -> WalkSummary:
    """Play ``n`` random walks (seeds ``seed`` … ``seed + n - 1``) and sum them up.

    ``progress(done, n)`` is called after each walk, if given.
    """
    began = time.perf_counter()
    played: list[Walk] = []
    for i in range(n):
        played.append(walk(scenario, seed + i, typed=typed, paraphrases=paraphrases))
        if progress is not None:
            progress(i + 1, n)
    done = [w for w in played if w.ok]
    scores = [w.score for w in done if w.score is not None]
    kinds = [s for w in played for s in w.steps if s.kind != "option"]
    misread = [s for s in kinds if s.understood and s.meant is not None and s.taken != s.meant]
    return WalkSummary(
        scenario_id=scenario.id,
        seed=seed,
        n=n,
        endings=_by_count(w.ending for w in done),
        outcomes=_by_count(w.outcome for w in done),
        score_min=min(scores) if scores else None,
        score_median=statistics.median(scores) if scores else None,
        score_max=max(scores) if scores else None,
        passed=sum(bool(w.passed) for w in done),
        replies=sum(w.turns for w in played),
        typed=dict(Counter(s.kind for s in kinds)),
        not_understood=dict(Counter(s.kind for s in kinds if not s.understood)),
        misread=len(misread),
        failures=[w for w in played if not w.ok],
        walks=played,
        seconds=time.perf_counter() - began,
        misread_by_kind={k: n for k in ALL_KINDS if (n := sum(s.kind == k for s in misread))},
    )


def _by_count(values) -> dict[str, int]:
    counts = Counter(values)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
