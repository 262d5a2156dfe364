"""The rules of a conversation, as pure functions of a state.

The live engine (``simulator.core.engine``) and the path analysis (``simulator.core.statespace``) both move
conversations with these functions, so what the analysis promises is what trainees get.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Option, PersonaModel, Reaction

BREAKING_POINT = "breaking_point"


@dataclass(frozen=True, slots=True)
class State:
    """Where a conversation stands between two replies."""

    node: str
    mood: int
    turns: int = 0
    seen: frozenset[str] = frozenset()
    ending: str | None = None  # an ending id or BREAKING_POINT once the conversation is over


@dataclass(frozen=True, slots=True)
class Effect:
    """What one reply did."""

    option_index: int | None
    scores: dict[str, float]
    mood_before: int
    mood_after: int
    reactions: tuple[Reaction, ...]
    next: str
    ending: str | None
    breach: str | None


def scaled_mood(persona: PersonaModel, mood: int, change: int) -> int:
    """The mood after a change, scaled by the persona's gain or loss and kept within 0-100."""
    factor = persona.mood.gain if change > 0 else persona.mood.loss
    return max(0, min(100, mood + round(change * factor)))


def reactions_to(persona: PersonaModel, option: Option, seen: frozenset[str]) -> tuple[Reaction, ...]:
    """The persona's reactions that fire when this option is chosen after the tags seen."""
    fired = []
    tags = set(option.tags)
    for reaction in persona.reactions:
        when = reaction.when
        if when.tag not in tags:
            continue
        if when.without_earlier and seen.intersection(when.without_earlier):
            continue
        if when.with_earlier and not seen.intersection(when.with_earlier):
            continue
        fired.append(reaction)
    return tuple(fired)


class Rules:
    """The conversation rules of one scenario with its persona."""

    def __init__(self, scenario_model, persona: PersonaModel):
        self.model = scenario_model
        self.persona = persona
        self.competencies = tuple(scenario_model.competencies)
        self.start = scenario_model.start or next(iter(scenario_model.nodes))
        # Only tags that some reaction looks back at change what later replies do.
        self.memory_tags = frozenset(
            t for r in persona.reactions for t in (*r.when.without_earlier, *r.when.with_earlier)
        )

    def initial(self) -> State:
        return State(self.start, self.persona.mood.start)

    def choose(self, state: State, index: int) -> tuple[State, Effect]:
        """Apply option ``index`` (0-based) at the state's node."""
        option = self.model.nodes[state.node].options[index]
        fired = reactions_to(self.persona, option, state.seen)
        scores = {c: 0.0 for c in self.competencies}
        for source in (option.scores, *(r.scores for r in fired)):
            for competency, change in source.items():
                if competency in scores:
                    scores[competency] += change
        mood = scaled_mood(self.persona, state.mood, option.mood + sum(r.mood for r in fired))
        seen = state.seen | (self.memory_tags & set(option.tags))
        turns = state.turns + 1
        ending = self._ending_after(option.next, mood, turns)
        new = State(ending or option.next, mood, turns, seen, ending)
        return new, Effect(index, scores, state.mood, mood, fired, option.next, ending, option.breach)

    def confuse(self, state: State) -> tuple[State, Effect]:
        """A reply that was not understood: the customer asks to rephrase; the turn counts, the mood stays.

        Not understanding a reply is the lab's failure, not the trainee's, so it costs no mood
        (a persona's ``confusion_mood`` is no longer used). The turn still counts toward ``max_turns``.
        """
        mood = state.mood
        turns = state.turns + 1
        ending = self._ending_after(state.node, mood, turns)
        new = State(ending or state.node, mood, turns, state.seen, ending)
        zero = {c: 0.0 for c in self.competencies}
        return new, Effect(None, zero, state.mood, mood, (), state.node, ending, None)

    def _ending_after(self, next_id: str, mood: int, turns: int) -> str | None:
        if mood <= self.persona.mood.breaking_point:
            return BREAKING_POINT
        if next_id in self.model.endings:
            return next_id
        if turns >= self.model.max_turns:
            return BREAKING_POINT
        return None

    def key(self, state: State) -> tuple:
        """What distinguishes states for the future of a conversation."""
        return (state.node, state.mood, state.turns, state.seen, state.ending)
