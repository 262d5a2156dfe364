"""Paraphrase probes: how well the scenario's matcher understands a reply it was never given.

A trainee rarely types an option's text or one of its phrasings word for word; they type a
paraphrase. The lab estimates how a node fares with paraphrases by holding each of an option's
wordings out in turn: its text and every phrasing, one at a time, is typed at the node while that
option is matched by its *other* wordings only (the other options keep all of theirs). The
scenario's own matcher and threshold decide (``core.matching.taken``), as in a session.

Each probe ends one of four ways: **right** (taken for its own option), **taken for another
option** (the worst: the conversation goes where the trainee did not mean), **not understood with
proposals** (a "Did you mean …?" would be offered) or **not understood** (the customer asks to
rephrase). A node's *estimated matching accuracy* is right / probes. An option without phrasings
gives no probe (holding out its only text would leave nothing to match it by); a node none of whose
options has a phrasing says so — "no phrasings to probe: add some" — instead of a 100 % it has not
earned.

``probe(scenario)`` gives a ``ProbeReport``: per node, worst first, with ``text()`` for the
command line and ``as_dict()`` for machine output. ``HeldOut`` is the matcher the random walks use
to type a held-out wording through the real engine.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..core.matching import Match, Matcher, get_matcher, taken
from ..core.model import Option

if TYPE_CHECKING:
    from ..core.scenario import Scenario

__all__ = ["HeldOut", "NodeProbes", "Probe", "ProbeReport", "held_out", "probe", "wordings"]

NO_PHRASINGS = "no phrasings to probe: add some"
BAR_WIDTH = 20


def wordings(option: Option) -> tuple[str, ...]:
    """The wordings an option is matched by: its text, then its phrasings.

    Args:
        option: the option.

    Returns:
        Its text and phrasings, in file order.
    """
    return (option.text, *option.phrasings)


def held_out(option: Option, wording: int) -> Option:
    """The option without one of its wordings (what it is matched by when that wording is the probe).

    Args:
        option: an option with at least one phrasing.
        wording: which wording to leave out: 0 the text, 1… its phrasings.

    Returns:
        A copy of the option matched by the other wordings only (when the text is held out, its first
        remaining phrasing stands as its text).

    Raises:
        ValueError: the option has no other wording to be matched by.
    """
    rest = [w for i, w in enumerate(wordings(option)) if i != wording]
    if not rest:
        raise ValueError("an option without phrasings cannot have its only text held out")
    return option.model_copy(update={"text": rest[0], "phrasings": rest[1:]})


class HeldOut:
    """A matcher that matches as another one, with one wording of one option held out when asked.

    The random walks hand it to their ``Session``: before typing a held-out wording they call
    ``hold(options, option, wording)``, and the reply is matched against the node's options with
    that wording removed from its own option; ``release()`` goes back to plain matching.

    Attributes:
        matcher: the matcher it asks (the scenario's).
        decides: as the matcher's (``core.matching.taken`` reads it).
    """

    def __init__(self, matcher: Matcher):
        self.matcher = matcher
        self.decides = getattr(matcher, "decides", False)
        self._held: tuple[Sequence[Option], Sequence[Option]] | None = None
        self._copies: dict[tuple[int, int, int], Option] = {}

    def hold(self, options: Sequence[Option], option: int, wording: int) -> None:
        """Match the next replies at these options with one wording held out.

        Args:
            options: the node's options (as the engine passes them).
            option: which option (0-based).
            wording: which of its wordings (0 the text, 1… its phrasings).
        """
        key = (id(options[option]), option, wording)
        copy = self._copies.get(key)
        if copy is None:
            copy = self._copies[key] = held_out(options[option], wording)
        self._held = (options, [copy if i == option else o for i, o in enumerate(options)])

    def release(self) -> None:
        """Match plainly again."""
        self._held = None

    def match(self, reply: str, options: Sequence[Option], language: str = "en") -> Match:
        """The matcher's answer, with the held wording left out if these are the held options.

        Args:
            reply: the typed reply.
            options: the node's options.
            language: the scenario's language.

        Returns:
            The ``Match``.
        """
        if self._held is not None and self._held[0] is options:
            options = self._held[1]
        return self.matcher.match(reply, options, language)


@dataclass(frozen=True)
class Probe:
    """One held-out wording typed at its node, and what the matcher made of it.

    Attributes:
        node: where.
        option: the option it belongs to (0-based).
        text: the wording held out.
        taken: the option it was taken for (0-based), or None when not understood.
        proposed: when not understood, the options a "Did you mean …?" would offer (0-based).
        confidence: the matcher's confidence.
    """

    node: str
    option: int
    text: str
    taken: int | None
    proposed: tuple[int, ...]
    confidence: float

    @property
    def outcome(self) -> str:
        """``right``, ``other`` (taken for another option), ``proposed`` or ``not_understood``.

        Returns:
            The outcome's name.
        """
        if self.taken == self.option:
            return "right"
        if self.taken is not None:
            return "other"
        return "proposed" if self.proposed else "not_understood"


@dataclass
class NodeProbes:
    """What the probes at one node came to.

    Attributes:
        node: the node.
        options: how many options it offers.
        unprobed: of those, how many have no phrasing (so no probe).
        probes: the probes made, in option and wording order.
    """

    node: str
    options: int
    unprobed: int
    probes: list[Probe] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        """How many probes ended so.

        Args:
            outcome: ``right``, ``other``, ``proposed`` or ``not_understood``.

        Returns:
            The count.
        """
        return sum(p.outcome == outcome for p in self.probes)

    @property
    def right(self) -> int:
        return self.count("right")

    @property
    def other(self) -> int:
        """Probes taken for another option than their own."""
        return self.count("other")

    @property
    def not_understood(self) -> int:
        """Probes not understood, with proposals or without."""
        return self.count("proposed") + self.count("not_understood")

    @property
    def with_proposals(self) -> int:
        """Of those not understood, the ones a "Did you mean …?" would follow."""
        return self.count("proposed")

    @property
    def accuracy(self) -> float | None:
        """Right / probes; None when nothing could be probed (no phrasings)."""
        return self.right / len(self.probes) if self.probes else None

    @property
    def confusions(self) -> dict[tuple[int, int], int]:
        """(meant option, taken option) → probes, 0-based, for those taken for another option."""
        return dict(Counter((p.option, p.taken) for p in self.probes if p.outcome == "other"))


@dataclass
class ProbeReport:
    """The paraphrase probes of one scenario, node by node, worst first.

    Attributes:
        scenario_id: the scenario.
        matcher: the matcher's name (the scenario's ``matching.matcher``, or the class of one handed in).
        threshold: the scenario's ``matching.threshold``, or None for a matcher that applies its own.
        nodes: per node: the probed ones by accuracy (worst first), then those with nothing to probe.
        seconds: how long the probes took.
    """

    scenario_id: str
    matcher: str
    threshold: float | None
    nodes: list[NodeProbes]
    seconds: float = field(default=0.0, compare=False)

    def total(self, what: str) -> int:
        """A total over the nodes.

        Args:
            what: ``probes``, ``right``, ``other``, ``not_understood`` or ``with_proposals``.

        Returns:
            The sum.
        """
        if what == "probes":
            return sum(len(n.probes) for n in self.nodes)
        return sum(getattr(n, what) for n in self.nodes)

    @property
    def accuracy(self) -> float | None:
        """Right / probes over the whole scenario; None with nothing probed."""
        probes = self.total("probes")
        return self.total("right") / probes if probes else None

    def node(self, name: str) -> NodeProbes:
        """One node's probes.

        Args:
            name: the node.

        Returns:
            Its ``NodeProbes``.

        Raises:
            KeyError: no such node.
        """
        for n in self.nodes:
            if n.node == name:
                return n
        raise KeyError(name)

    def text(self, examples: int = 2) -> str:
        """The report for the command line: the totals, then a row per node with a bar, worst first.

        Args:
            examples: how many wordings taken for another option to quote per node.

        Returns:
            The text.
        """
        probes = self.total("probes")
        lines = [
            f"paraphrase probes of {self.scenario_id} ({self.matcher} matcher"
            + ("" if self.threshold is None else f", threshold {self.threshold:g}")
            + f"): each option's text and phrasings held out in turn, {probes:,} probes in {self.seconds:.2f} s"
        ]
        if probes:
            lines.append(
                f"  estimated matching accuracy {self.accuracy:.1%}: right {self.total('right'):,}, "
                f"taken for another option {self.total('other'):,}, not understood "
                f"{self.total('not_understood'):,} ({self.total('with_proposals'):,} with proposals)"
            )
        width = max((len(n.node) for n in self.nodes), default=4)
        for n in self.nodes:
            if n.accuracy is None:
                lines.append(f"  {n.node:<{width}}  {NO_PHRASINGS}")
                continue
            filled = round(n.accuracy * BAR_WIDTH)
            bar = "█" * filled + "░" * (BAR_WIDTH - filled)
            row = (
                f"  {n.node:<{width}}  {bar} {n.accuracy:>6.1%}  {n.right}/{len(n.probes)} right, "
                f"{n.other} taken for another option, {n.not_understood} not understood"
            )
            if n.with_proposals:
                row += f" ({n.with_proposals} with proposals)"
            if n.unprobed:
                row += f"; {n.unprobed} of {n.options} options without phrasings"
            lines.append(row)
            wrong = [p for p in n.probes if p.outcome == "other"][:examples]
            for p in wrong:
                lines.append(f"  {'':<{width}}    “{p.text}” (option {p.option + 1}) taken as option {p.taken + 1}")
        return "\n".join(lines)

    def as_dict(self) -> dict:
        """The report as plain data (for JSON).

        Returns:
            scenario, matcher, threshold, the totals and accuracy, and per node (worst first) its counts,
            accuracy (None: nothing to probe) and confusions.
        """
        return {
            "scenario": self.scenario_id,
            "matcher": self.matcher,
            "threshold": self.threshold,
            "probes": self.total("probes"),
            "right": self.total("right"),
            "taken_for_another": self.total("other"),
            "not_understood": self.total("not_understood"),
            "with_proposals": self.total("with_proposals"),
            "accuracy": self.accuracy,
            "nodes": [
                {
                    "node": n.node,
                    "probes": len(n.probes),
                    "right": n.right,
                    "taken_for_another": n.other,
                    "not_understood": n.not_understood,
                    "with_proposals": n.with_proposals,
                    "accuracy": n.accuracy,
                    "options_without_phrasings": n.unprobed,
                    "confusions": [
                        {"meant": meant + 1, "taken": got + 1, "probes": k}
                        for (meant, got), k in sorted(n.confusions.items())
                    ],
                }
                for n in self.nodes
            ],
        }


def probe(scenario: Scenario, matcher: Matcher | None = None) -> ProbeReport:
    """Hold out each wording of each option of each node in turn and match it with the scenario's matcher.

    Args:
        scenario: the scenario.
        matcher: the matcher to probe; None: the scenario's (``matching.matcher``).

    Returns:
        The ``ProbeReport``, nodes worst first.
    """
    began = time.perf_counter()
    settings = scenario.model.matching
    matcher_name = settings.matcher if matcher is None else type(matcher).__name__
    matcher = matcher or get_matcher(settings.matcher)
    threshold = settings.threshold
    nodes: list[NodeProbes] = []
    for name, node in scenario.nodes.items():
        options = list(node.options)
        found = NodeProbes(name, len(options), sum(not o.phrasings for o in options))
        for index, option in enumerate(options):
            if not option.phrasings:
                continue
            for wording, text in enumerate(wordings(option)):
                rest = [held_out(option, wording) if i == index else o for i, o in enumerate(options)]
                match = matcher.match(text, rest, scenario.language)
                got = match.option_index if taken(match, matcher, threshold) else None
                proposed = tuple(match.proposed) if got is None else ()
                found.probes.append(Probe(name, index, text, got, proposed, match.confidence))
        nodes.append(found)
    order = {name: i for i, name in enumerate(scenario.nodes)}
    nodes.sort(key=lambda n: (n.accuracy is None, n.accuracy or 0.0, -n.other, order[n.node]))
    shown = None if getattr(matcher, "decides", False) else threshold
    return ProbeReport(scenario.id, matcher_name, shown, nodes, time.perf_counter() - began)
