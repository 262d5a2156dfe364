"""A turn: one reply in a session and what it did — the record the engine, scoring and the store share."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Turn"]


@dataclass
class Turn:
    """One reply and what it did."""

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
