"""Path analysis: what the paths through a scenario can reach.

Exhaustive over the conversation's state space (node, mood, turns, remembered tags), so it
is exact with persona reactions and the breaking point, and terminates with loops because
every reply counts towards ``max_turns``. Memoised: scenarios whose paths number in the
millions are analysed in a few thousand states.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from .rules import Rules, State


@dataclass(frozen=True)
class Path:
    """A sequence of option indexes (0-based) and where it ends."""

    choices: tuple[int, ...]
    ending: str
    value: float


@dataclass
class Analysis:
    """Path facts about one scenario; built once per loaded scenario."""

    rules: Rules
    _memo: dict = field(default_factory=dict, repr=False)

    def _optimum(self, state: State, weights: Mapping[str, float], sign: int) -> tuple[float, tuple[int, ...], str]:
        """Best (sign=1) or worst (sign=-1) sum of weighted score changes from state on."""
        key = (self.rules.key(state), tuple(sorted(weights.items())), sign)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        best: tuple[float, tuple[int, ...], str] | None = None
        for index in self._candidates(state, sign):
            nxt, effect = self.rules.choose(state, index)
            gain = sum(w * effect.scores.get(c, 0.0) for c, w in weights.items())
            if nxt.ending is not None:
                total, rest, ending = gain, (), nxt.ending
            else:
                future, rest, ending = self._optimum(nxt, weights, sign)
                total = gain + future
            if best is None or sign * total > sign * best[0]:
                best = (total, (index, *rest), ending)
        assert best is not None  # every node has at least one option (schema)
        self._memo[key] = best
        return best

    def _candidates(self, state: State, sign: int) -> list[int]:
        """Options worth trying: a breach fails the session, so the best path never takes one."""
        options = self.rules.model.nodes[state.node].options
        clean = [i for i, o in enumerate(options) if o.breach is None]
        return clean if sign > 0 and clean else list(range(len(options)))

    def optimum(self, weights: Mapping[str, float], *, best: bool = True, state: State | None = None) -> Path:
        value, choices, ending = self._optimum(state or self.rules.initial(), dict(weights), 1 if best else -1)
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
        """For each option at the state's node: its overall value now plus the best after it."""
        values = []
        for index, option in enumerate(self.rules.model.nodes[state.node].options):
            if option.breach is not None:
                values.append(-math.inf)
                continue
            nxt, effect = self.rules.choose(state, index)
            now = sum(w * effect.scores.get(c, 0.0) for c, w in self.overall_weights.items())
            later = 0.0 if nxt.ending is not None else self.optimum(self.overall_weights, state=nxt).value
            values.append(now + later)
        return values

    @cached_property
    def reachable(self) -> tuple[frozenset[str], frozenset[str]]:
        """Nodes and endings some sequence of replies reaches (breaking point included)."""
        nodes: set[str] = set()
        endings: set[str] = set()
        seen: set = set()
        stack = [self.rules.initial()]
        while stack:
            state = stack.pop()
            key = self.rules.key(state)
            if key in seen:
                continue
            seen.add(key)
            if state.ending is not None:
                endings.add(state.ending)
                continue
            nodes.add(state.node)
            for index in range(len(self.rules.model.nodes[state.node].options)):
                stack.append(self.rules.choose(state, index)[0])
        return frozenset(nodes), frozenset(endings)


def score_of(raw: Mapping[str, float], max_scores: Mapping[str, float], competencies) -> tuple[dict[str, float], float]:
    """Per-competency scores 0-100 and the weighted overall score from raw sums."""
    per: dict[str, float] = {}
    for c in competencies:
        top = max_scores.get(c, 0.0)
        per[c] = 0.0 if top <= 0 else round(max(0.0, min(100.0, 100.0 * raw.get(c, 0.0) / top)), 1)
    total = sum(competencies[c].weight for c in competencies)
    overall = sum(competencies[c].weight * per[c] for c in competencies) / total if total else 0.0
    return per, round(overall, 1)
