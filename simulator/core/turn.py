"""A turn: one reply in a session and what it did — the record the engine, scoring and the store share."""

from __future__ import annotations

from dataclasses import dataclass, field

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
        proposed: the options a typed reply the matcher was unsure of was close to (0-based, the closest
            first; empty otherwise): offered as "Did you mean …?" when the session clarifies.
        confirmed: the trainee confirmed one of the proposed options (it is ``option_index``).
        corrected_from: the option the typed reply was first taken for, when the trainee said
            "that's not what I meant" and picked ``option_index`` instead; None otherwise.
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
    proposed: list[int] = field(default_factory=list)  # 0-based, the closest first
    confirmed: bool = False
    corrected_from: int | None = None
