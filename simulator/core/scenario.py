"""The Scenario: a validated scenario file with its persona, immutable and ready to play.

Only the loader (``simulator.loading``) makes one, after every check has passed; the engine,
scoring and the trainer's tools read it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Protocol

from ..errors import Problem
from .competencies import competency_title
from .model import PersonaModel, ScenarioModel
from .rules import Rules, State
from .scoring import score_of
from .statespace import ReplyTable, StateSpace, overall_weights

__all__ = ["Locations", "Scenario", "library_competency_title"]


class Locations(Protocol):
    """Where each part of a scenario stands in its file (the loader's parsed document)."""

    def problem(
        self, location: tuple[str | int, ...], message: str, *, key: bool = False, severity: str = "error"
    ) -> Problem: ...


@dataclass(frozen=True, eq=False)
class Scenario:
    """A validated scenario with its persona: immutable, ready to play.

    Args:
        model: the scenario file's content, checked against the schema.
        persona: the persona it names, from the library's ``personas/`` folder.
        content_hash: 16 hex digits of the scenario's and the persona's bytes; results keep it.
        source: the file it was read from, if any.
        document: where each part stands in the file, for located messages.
        replies: gives the kept ``ReplyTable`` of this scenario (the cache's, read when first asked), or None.
    """

    model: ScenarioModel
    persona: PersonaModel
    content_hash: str
    source: Path | None = None
    document: Locations | None = field(default=None, repr=False)
    replies: Callable[[], ReplyTable | None] | None = field(default=None, repr=False)

    id = property(lambda self: self.model.id)
    version = property(lambda self: self.model.version)
    title = property(lambda self: self.model.title)
    language = property(lambda self: self.model.language)
    nodes = property(lambda self: self.model.nodes)
    endings = property(lambda self: self.model.endings)
    competencies = property(lambda self: self.model.competencies)
    pass_mark = property(lambda self: self.model.pass_mark)

    @cached_property
    def rules(self) -> Rules:
        """The conversation rules: how a reply moves the node, the mood and the scores."""
        return Rules(self.model, self.persona)

    @cached_property
    def state_space(self) -> StateSpace:
        """Every conversation state the replies reach, explored once and shared by every session."""
        return StateSpace(self.rules)

    @cached_property
    def _table(self) -> ReplyTable | None:
        if self.replies is None or "state_space" in self.__dict__:
            return None  # no table, or the space is explored already (the fork server warmed it): ask the space
        return self.replies()

    def reply_values(self, state: State) -> list[float]:
        """For each option at the state's node: its overall value now plus the best after it (a breach: minus
        infinity). Looked up in the kept table when the scenario came with one, else asked of the state space.
        """
        table = self._table
        if table is not None:
            hit = table.lookup(self.rules.key(state))
            if hit is not None and len(hit) == len(self.model.nodes[state.node].options):
                return hit
        return self.state_space.reply_values(state)

    @cached_property
    def max_scores(self) -> dict[str, float]:
        """The best sum of score changes any path reaches, per competency (what scores are scaled against)."""
        table = self._table
        if table is not None and set(table.max_scores) == set(self.rules.competencies):
            return dict(table.max_scores)
        return self.state_space.max_scores

    @cached_property
    def overall_weights(self) -> dict[str, float]:
        """Weights that turn raw score sums into the overall score (0-100), linearly."""
        return overall_weights(self.model.competencies, self.max_scores)

    @property
    def decision_points(self) -> int:
        """How many nodes (points where the trainee replies) the scenario has."""
        return len(self.model.nodes)

    def competency_title(self, competency: str) -> str:
        """The competency's title: as the scenario declares it, else from the catalogue in its language."""
        declared = self.model.competencies.get(competency)
        if declared is not None and declared.title:
            return declared.title
        return competency_title(competency, self.language)

    def scores(self, raw: dict[str, float]) -> tuple[dict[str, float], float]:
        """Per-competency scores 0-100 and the overall score from raw score sums.

        Args:
            raw: summed score changes per competency.

        Returns:
            (scores per competency, overall score), as a session is scored.
        """
        return score_of(raw, self.max_scores, self.model.competencies)


def library_competency_title(scenarios: Iterable[Scenario], competency: str, language: str = "en") -> str:
    """A competency's title across a library: as the first scenario declaring it titles it, else the catalogue's.

    Args:
        scenarios: the library's scenarios.
        competency: the competency id.
        language: the catalogue title's language when no scenario titles it.

    Returns:
        The title a trainee or reviewer reads.
    """
    for scenario in scenarios:
        declared = scenario.model.competencies.get(competency)
        if declared is not None and declared.title:  # one outside the catalogue, titled by its scenario
            return declared.title
    return competency_title(competency, language)
