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

__all__ = ["Edge", "Path", "StateSpace"]

# (option index, score changes, next state's key or None, ending or None)
Edge = tuple[int, dict[str, float], tuple | None, str | None]


@dataclass(frozen=True)
class Path:
    """A conversation path: a sequence of option indexes (0-based) and where it ends."""

    choices: tuple[int, ...]
    ending: str
    value: float


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
        comps = self.rules.model.competencies
        total = sum(c.weight for c in comps.values())
        return {c: 100.0 * comps[c].weight / total / self.max_scores[c] for c in comps if self.max_scores[c] > 0}

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
