"""The state space of a scenario: every conversation state its replies reach, explored once.

A state is (node, mood, turns, remembered tags). Every reply adds a turn, so the states form a
DAG: it is explored once, and each question the runtime asks — the best sum of score changes
per competency (what a score is scaled against), the value of each reply at a state (which
reply was the best) and what can be reached at all — is a memoised walk over it. The trainer's
path report (``simulator.studio.paths``) asks its own questions of the same space.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from .rules import Rules, State

__all__ = ["Edge", "Path", "ReplyTable", "StateSpace", "overall_weights"]

# (option index, score changes, next state's key or None, ending or None)
Edge = tuple[int, dict[str, float], tuple | None, str | None]


@dataclass(frozen=True)
class Path:
    """A conversation path: a sequence of option indexes (0-based) and where it ends."""

    choices: tuple[int, ...]
    ending: str
    value: float


def overall_weights(competencies: Mapping, max_scores: Mapping[str, float]) -> dict[str, float]:
    """Weights that turn raw score sums into the overall score (0-100), linearly.

    Args:
        competencies: the scenario's competencies by id (their weights).
        max_scores: the best sum of score changes any path reaches, per competency.
    """
    total = sum(c.weight for c in competencies.values())
    return {c: 100.0 * competencies[c].weight / total / max_scores[c] for c in competencies if max_scores.get(c, 0) > 0}


@dataclass(frozen=True)
class ReplyTable:
    """What a session asks of its scenario's state space, worked out once and kept: the best sum per
    competency, and the value of each reply at every state the replies reach (``StateSpace.reply_values``).

    The scenario cache keeps one beside each checked scenario (``loading.cache``), so a trainee's kernel looks
    the values up instead of exploring the space (0.05-0.5 CPU-s a scenario) at its trainee's first reply.
    A state is kept under one string (``ReplyTable.name``) and a breach's value, minus infinity, as None: the
    JSON parses into few objects.
    """

    max_scores: dict[str, float]
    values: dict[str, list[float | None]]

    @staticmethod
    def name(key: tuple) -> str:
        """The string a state's key (``Rules.key``: node, mood, turns, tags seen, ending) is kept under."""
        node, mood, turns, seen, _ending = key
        return f"{node}\x1f{mood}\x1f{turns}\x1f" + "\x1e".join(sorted(seen))

    @classmethod
    def of(cls, max_scores: Mapping[str, float], values: Mapping[tuple, list[float]]) -> ReplyTable:
        return cls(
            dict(max_scores),
            {cls.name(key): [None if v == -math.inf else v for v in row] for key, row in values.items()},
        )

    def lookup(self, key: tuple) -> list[float] | None:
        """The reply values at a state, or None when the table does not hold it (or holds something else)."""
        row = self.values.get(self.name(key))
        if not isinstance(row, list):
            return None
        out = [-math.inf if v is None else v for v in row]
        if not all(type(v) in (float, int) for v in out):
            return None
        return out

    def to_json(self) -> dict:
        return {"max_scores": self.max_scores, "states": self.values}

    @classmethod
    def from_json(cls, data: dict) -> ReplyTable:
        """The table ``to_json`` wrote.

        Raises:
            ValueError, TypeError, KeyError, AttributeError: data not of that shape.
        """
        max_scores = {str(c): float(v) for c, v in data["max_scores"].items()}
        values = data["states"]
        if not isinstance(values, dict):
            raise TypeError("the table's states are not a mapping")
        return cls(max_scores, values)


@dataclass
class StateSpace:
    """What the conversation's states can reach: built once per scenario, shared by every session of it."""

    rules: Rules
    _values: dict = field(default_factory=dict, repr=False)
    _replies: dict = field(default_factory=dict, repr=False)
    _graph: dict[tuple, list[Edge]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._explore(self.rules.initial())

    def _explore(self, start: State) -> tuple:
        """Add every state reachable from start to the graph, with the edges out of it.

        The replies alone reach the initial exploration; a reply that was not understood
        moves the mood, so play can step onto states explored only when first met.
        """
        graph = self._graph
        stack = [start]
        while stack:
            state = stack.pop()
            key = self.rules.key(state)
            if key in graph:
                continue
            edges: list[Edge] = []
            for index in range(len(self.rules.model.nodes[state.node].options)):
                nxt, effect = self.rules.choose(state, index)
                if nxt.ending is None:
                    edges.append((index, effect.scores, self.rules.key(nxt), None))
                    stack.append(nxt)
                else:
                    edges.append((index, effect.scores, None, nxt.ending))
            graph[key] = edges
        return self.rules.key(start)

    def _breaches(self, key: tuple) -> set[int]:
        options = self.rules.model.nodes[key[0]].options
        return {i for i, o in enumerate(options) if o.breach is not None}

    def _optimum(self, key: tuple, weights: tuple, sign: int) -> tuple[float, tuple[int, ...], str]:
        """Best (sign=1) or worst (sign=-1) sum of weighted score changes from a state on.

        A breach fails the session, so the best path takes one only where nothing else is left.
        """
        memo = self._values.setdefault((weights, sign), {})
        hit = memo.get(key)
        if hit is not None:
            return hit
        edges = self._graph[key]
        if sign > 0:
            breaches = self._breaches(key)
            edges = [e for e in edges if e[0] not in breaches] or edges
        best: tuple[float, tuple[int, ...], str] | None = None
        for index, scores, nxt, ending in edges:
            gain = sum(w * scores.get(c, 0.0) for c, w in weights)
            if nxt is None:
                total, rest, end = gain, (), ending
            else:
                future, rest, end = self._optimum(nxt, weights, sign)
                total = gain + future
            if best is None or sign * total > sign * best[0]:
                best = (total, (index, *rest), end)
        assert best is not None  # every node has at least one option (schema)
        memo[key] = best
        return best

    def optimum(self, weights: Mapping[str, float], *, best: bool = True, state: State | None = None) -> Path:
        key = self._explore(state or self.rules.initial())
        value, choices, ending = self._optimum(key, tuple(sorted(weights.items())), 1 if best else -1)
        return Path(choices, ending, value)

    @cached_property
    def max_scores(self) -> dict[str, float]:
        """The best sum of changes any path reaches, per competency."""
        return {c: self.optimum({c: 1.0}).value for c in self.rules.competencies}

    @cached_property
    def overall_weights(self) -> dict[str, float]:
        """Weights that turn raw score sums into the overall score (0-100), linearly."""
        return overall_weights(self.rules.model.competencies, self.max_scores)

    def reply_values(self, state: State) -> list[float]:
        """For each option at the state's node: its overall value now plus the best after it.

        A breach is worth minus infinity: it is never the better reply.
        """
        key = self._explore(state)
        hit = self._replies.get(key)
        if hit is not None:
            return hit
        weights = tuple(sorted(self.overall_weights.items()))
        breaches = self._breaches(key)
        values = []
        for index, scores, nxt, _ending in self._graph[key]:
            if index in breaches:
                values.append(-math.inf)
                continue
            now = sum(w * scores.get(c, 0.0) for c, w in weights)
            values.append(now + (0.0 if nxt is None else self._optimum(nxt, weights, 1)[0]))
        self._replies[key] = values
        return values

    @cached_property
    def reachable(self) -> tuple[frozenset[str], frozenset[str]]:
        """Nodes and endings some sequence of replies reaches (breaking point included)."""
        nodes = frozenset(key[0] for key in self._graph)
        endings = frozenset(e[3] for edges in self._graph.values() for e in edges if e[3] is not None)
        return nodes, endings

    def table(self) -> ReplyTable:
        """The values of every reply at every state explored so far (all that the replies reach from the
        start), and the best sums: what a session asks, to be kept (``ReplyTable``)."""
        values = {key: self.reply_values(State(key[0], key[1], key[2], key[3])) for key in list(self._graph)}
        return ReplyTable.of(self.max_scores, values)
