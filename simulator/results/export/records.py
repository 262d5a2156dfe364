"""What every export reads: the store's rows once (``collect``), names pseudonymized if asked.

**Pseudonymization** replaces trainee and reviewer names with ``trainee-…`` / ``reviewer-…``: the
first 12 hex digits of HMAC-SHA256(salt, name). The salt is made once with ``secrets`` and kept
in the store (``Store.meta_value_or_set``), so the same person gets the same pseudonym in every
export of that store; ``ROLEPLAY_SALT`` overrides it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ... import settings
from ...errors import StoreError

if TYPE_CHECKING:
    from ..store import Store

__all__ = [
    "JSON_SESSION_COLUMNS",
    "SALT_KEY",
    "TURN_COLUMNS",
    "Records",
    "collect",
    "pseudonym",
    "pseudonym_salt",
    "session_columns",
]

# Session columns holding JSON text besides ``result``: decoded where the format nests.
JSON_SESSION_COLUMNS = ("competency_scores",)

TURN_COLUMNS = [
    "idx",
    "node",
    "customer_line",
    "reply",
    "kind",
    "option_index",
    "confidence",
    "understood",
    "was_best",
    "scores",
    "mood_before",
    "mood_after",
    "reactions",
    "feedback",
    "latency",
    "at",
    "next",
    "ending",
    "breach",
    # "Did you mean …?" and "that's not what I meant" (store migration 3): the options proposed
    # (0-based, like option_index; [] for none), whether one was confirmed, the option first taken for
    "proposed",
    "confirmed",
    "corrected_from",
]


@dataclass
class Records:
    """What an export writes: the store's rows, names already pseudonymized if asked."""

    sessions: list[dict[str, Any]]  # store rows; ``result`` decoded (None until finished)
    turns: dict[str, list[dict[str, Any]]]  # session id -> its turns in order
    reviews: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    self_assessments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    teams: dict[str, str] = field(default_factory=dict)  # trainee -> team
    pseudonymized: bool = False
    trainee_name: Callable[[str], str] = str  # what a real trainee name becomes in this export
    reviewer_name: Callable[[str], str] = str

    @property
    def n_turns(self) -> int:
        return sum(map(len, self.turns.values()))


def collect(store: Store, *, pseudonymize: bool = False) -> Records:
    """Read the store once for an export."""
    if pseudonymize:
        salt = pseudonym_salt(store)
        trainee_name = lambda name: pseudonym(salt, name, "trainee")  # noqa: E731
        reviewer_name = lambda name: pseudonym(salt, name, "reviewer")  # noqa: E731
    else:
        trainee_name = reviewer_name = str
    sessions = []
    for row in store.sessions():
        row["trainee"] = trainee_name(row["trainee"])
        if isinstance(row.get("result"), str):
            row["result"] = json.loads(row["result"])
            row["result"]["trainee"] = row["trainee"]
        sessions.append(row)
    turns: dict[str, list[dict[str, Any]]] = {s["id"]: [] for s in sessions}
    for turn in store.iter_turns():
        turns.setdefault(turn["session_id"], []).append(turn)
    reviews: dict[str, list[dict[str, Any]]] = {}
    for review in store.reviews():
        review["reviewer"] = reviewer_name(review["reviewer"])
        reviews.setdefault(review["session_id"], []).append(review)
    selfs: dict[str, list[dict[str, Any]]] = {}
    for assessment in store.self_assessments():
        selfs.setdefault(assessment["session_id"], []).append(assessment)
    teams = {trainee_name(t): team for t, team in store.teams().items()}
    return Records(sessions, turns, reviews, selfs, teams, pseudonymize, trainee_name, reviewer_name)


def session_columns(records: Records) -> list[str]:
    """The session columns an export writes as they are (the whole ``result`` is nested or spread out)."""
    return [c for c in records.sessions[0] if c != "result"] if records.sessions else []


# ------------------------------------------------------------------ pseudonyms

SALT_KEY = "pseudonym_salt"
SALT_ENV = settings.SALT


def pseudonym(salt: bytes, name: str, role: str = "trainee") -> str:
    """``trainee-`` + the first 12 hex digits of HMAC-SHA256(salt, name): stable, not reversible."""
    return f"{role}-{hmac.new(salt, name.encode('utf-8'), hashlib.sha256).hexdigest()[:12]}"


def pseudonym_salt(store: Store) -> bytes:
    """$ROLEPLAY_SALT, else the store's own salt (made on first use, then kept in the store)."""
    given = settings.pseudonym_salt()
    if given is not None:
        return given
    try:
        value = store.meta_value_or_set(SALT_KEY, lambda: secrets.token_hex(32))
    except StoreError as exc:
        raise StoreError(f"cannot keep the pseudonym salt: {exc} (set {SALT_ENV} to give one)") from None
    return value.encode("ascii")
