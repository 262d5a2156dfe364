"""A turn: one reply in a session and what it did — the record the engine, scoring and the store share."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Turn"]


@dataclass
class Turn:
    """One reply and what it did.

    Attributes:
        index: 0-based, in the session.
        node, customer_line: where the reply was given and what the customer had said.
        reply, kind: what the trainee chose or typed (``option`` or ``text``).
        option_index, confidence, understood: the option it was taken for (0-based; None when not
            understood) and how sure the matcher was.
        scores, mood_before, mood_after, reactions, feedback: what it did.
        latency, at: seconds from the customer's line to the reply, and when (ISO, UTC).
        next, ending: where the conversation went.
        breach: the breach it committed, if any.
        best_option_index, was_best: the best option at that point, and whether this was it.
    """

    index: int
    node: str
    customer_line: str
    reply: str
    kind: str  # "option" or "text"
    option_index: int | None  # 0-based; None when a typed reply was not understood
    confidence: float
    understood: bool
    scores: dict[str, float]
    mood_before: int
    mood_after: int
    reactions: list[str]
    feedback: str
    latency: float  # seconds from the customer's line to the reply
    at: str  # ISO time of the reply, UTC
    next: str
    ending: str | None
    breach: str | None = None
    best_option_index: int | None = None
    was_best: bool = False
