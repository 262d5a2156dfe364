"""Matching a typed reply to one of the offered options.

Matchers plug in by name (``register_matcher``); a scenario picks one with
``matching.matcher`` and a session may be handed another. The built-in ``lexical`` matcher
compares word stems and character trigrams with each option's text and phrasings: no model,
no network, a few microseconds per option.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import import_module
from typing import Protocol

from .model import Option

MAX_REPLY_CHARS = 2000  # matching looks at no more than this; the stored reply keeps it all


@dataclass(frozen=True)
class Match:
    """The option a typed reply was taken for, with how sure the matcher is.

    Attributes:
        option_index: the option (0-based), or None when the reply was not understood.
        confidence: 0-1.
        proposed: when not understood but close to some options: those (0-based, at most two, the
            closest first), to offer as "Did you mean …?"; empty otherwise.
    """

    option_index: int | None
    confidence: float
    proposed: tuple[int, ...] = ()


class Matcher(Protocol):
    """What a reply matcher does: take a typed reply to the options of a node.

    Attributes:
        match: ``match(reply, options, language)`` → ``Match``.
    """

    def match(self, reply: str, options: Sequence[Option], language: str = "en") -> Match: ...


_MATCHERS: dict[str, Callable[[], Matcher]] = {}


def register_matcher(name: str) -> Callable:
    """Class decorator: make a matcher available to scenarios by name (``matching: {matcher: NAME}``).

    Args:
        name: the name scenarios use.

    Returns:
        The decorator, which registers a class (or any factory of matchers) and returns it unchanged.
    """

    def add(factory: Callable[[], Matcher]) -> Callable[[], Matcher]:
        _MATCHERS[name] = factory
        return factory

    return add


def get_matcher(name: str) -> Matcher:
    """A new matcher of a registered kind.

    Args:
        name: its registered name (``lexical`` is built in).

    Returns:
        The matcher.

    Raises:
        KeyError: no matcher has that name (the message lists the known ones).
    """
    try:
        return _MATCHERS[name]()
    except KeyError:
        known = ", ".join(sorted(_MATCHERS))
        raise KeyError(f"no reply matcher called '{name}' (known: {known})") from None


def taken(match: Match, matcher: Matcher, threshold: float) -> bool:
    """Whether a typed reply is taken for the option the matcher found.

    Args:
        match: the matcher's answer.
        matcher: the matcher (one with ``decides = True`` applies its own thresholds).
        threshold: the scenario's ``matching.threshold``, for the others.

    Returns:
        True when the reply counts as that option.
    """
    return match.option_index is not None and (getattr(matcher, "decides", False) or match.confidence >= threshold)


def matcher_names() -> list[str]:
    return sorted(_MATCHERS)


def _semantic() -> Matcher:
    """The ``semantic`` matcher (``core.semantic``), imported when first asked for: it needs numpy."""
    return import_module("simulator.core.semantic").SemanticMatcher()


_MATCHERS["semantic"] = _semantic


_WORD = re.compile(r"[\w']+")


def normalise(text: str) -> str:
    """Case-folded, without accents and punctuation, with single spaces."""
    text = unicodedata.normalize("NFKD", text[:MAX_REPLY_CHARS].casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).replace("ł", "l")
    return " ".join(_WORD.findall(text))


_STOPWORD_TEXT = " ".join(
    (
        "a an the and or but to of in on at for with is are was be it this that i you we me my your our",
        "so do does did have has can could would will just please ok okay oh um well very really",
        "i'm it's that's i'll we'll you're",
        "w z na do to jest się że o ale czy jak co mi pan pani proszę już tak",  # Polish ("nie" matters)
    )
)
# Compared after normalising, like the replies: "się" is "sie" by then.
_STOPWORDS = frozenset(normalise(_STOPWORD_TEXT).split())


def _stem(word: str) -> str:
    return word[:5]


@lru_cache(maxsize=65536)
def _lemma(word: str, language: str) -> str:
    """A Polish word's dictionary form (``simplemma``), so "zamówienia" meets "zamówienie"; others as they are."""
    if language != "pl":
        return word
    return polish_lemmatizer()(word)


@lru_cache(maxsize=1)
def polish_lemmatizer() -> Callable[[str], str]:
    """simplemma's Polish lemmas, its dictionary read from converted files (``core.mapped``), not loaded.

    simplemma's own loading holds its 3.7-million-word Polish dictionary in memory (about 360 MB per
    process); the converted files cost a kernel a few hundred kilobytes. When they cannot be had
    (no writable cache folder, a failed conversion), simplemma loads its dictionary the ordinary way.

    Returns:
        A function from a word to its lemma.
    """
    import simplemma

    from . import mapped

    where = mapped.ensure("simplemma-pl")
    if where is not None:
        try:
            from simplemma.strategies import DefaultStrategy

            strategy = DefaultStrategy(dictionary_factory=mapped.LemmaFactory(mapped.MappedLemmas(where)))
            lemmatizer = simplemma.Lemmatizer(lemmatization_strategy=strategy)
            if lemmatizer.lemmatize("zamówienia", "pl") == "zamówienie":
                return lambda word: lemmatizer.lemmatize(word, "pl")
        except (OSError, ValueError, KeyError, TypeError, ImportError):
            pass
    return lambda word: simplemma.lemmatize(word, lang="pl")


@lru_cache(maxsize=1024)  # about 10 kB each (trigrams): a scenario's texts and a session's replies fit
def _features(text: str, language: str = "en") -> tuple[frozenset[str], frozenset[str]]:
    norm = normalise(text)
    words = [w for w in norm.split() if w not in _STOPWORDS] or norm.split()
    stems = frozenset(_stem(normalise(_lemma(w, language))) for w in words)
    padded = f"  {norm} "
    grams = frozenset(padded[i : i + 3] for i in range(len(padded) - 2))
    return stems, grams


# Phrases that contain a "no" but do not say no (matched in normalised text: no accents, "ł" as "l").
_NOT_NEGATIONS = re.compile(
    r"\b(?:no problem|not a problem|no worries|no doubt|no matter|not only|never mind|don'?t worry|"
    r"no (?:no )?pressure|nothing to worry about|not to worry|why not|no rush|"
    r"nie ma problemu|nie ma sprawy|nie ma za co|nie szkodzi|nie martw\w*|nie przejmuj\w*|nie ma pospiechu)\b"
)
# Refusals said without a negative word: "it's against our policy", "wbrew regulaminowi", "niedozwolone".
_REFUSALS = re.compile(
    r"\b(?:against (?:our |the |company |bank |data protection )?(?:policy|policies|rules|regulations|procedure)|"
    r"wbrew (?:\w+ )?(?:zasadom|regulaminowi|procedurom|procedurze|przepisom)|niedozwolon\w*|zabronion\w*)\b"
)
_NEGATIONS = frozenset(
    [
        "not",
        "no",
        "never",
        "cannot",
        "nothing",
        "nobody",
        "none",
        "neither",
        "nor",
        "unable",
        "refuse",
        "decline",
        "cant",
        "wont",
        "dont",
        "nie",
        "nigdy",
        "nic",
        "nikt",
        "nikomu",
        "niczego",
        "zaden",
        "zadna",
        "zadnych",
        "odmawiam",
        "odmowic",
    ]
)


@lru_cache(maxsize=4096)
def negated(text: str) -> bool:
    """Whether a reply says no: not, never, won't, can't, refuse … or nie, nigdy, nikomu, odmawiam …

    "No problem", "don't worry", "nie ma problemu" and the like do not count.

    Args:
        text: a reply or an option's text.

    Returns:
        True when it refuses, denies or withholds.
    """
    text = _NOT_NEGATIONS.sub(" ", normalise(text))
    return any(w in _NEGATIONS or w.endswith("n't") for w in text.split()) or bool(_REFUSALS.search(text))


def similarity(a: str, b: str, language: str = "en") -> float:
    """0-1: how alike two replies are in words (stems; Polish words lemmatised first) and spelling (trigrams).

    Args:
        a: one text.
        b: the other.
        language: their language (``pl`` lemmatises).

    Returns:
        0 (nothing shared) to 1 (the same words).
    """
    sa, ga = _features(a, language)
    sb, gb = _features(b, language)
    if not sa or not sb:
        return 0.0
    words = len(sa & sb) / math.sqrt(len(sa) * len(sb))
    grams = 2 * len(ga & gb) / (len(ga) + len(gb)) if ga and gb else 0.0
    return 0.6 * words + 0.4 * grams


@register_matcher("lexical")
class LexicalMatcher:
    """Word-stem and trigram similarity against each option's text and phrasings (registered as ``lexical``).

    Attributes:
        ambiguity_margin: two options closer than this in score leave the reply not understood.
        breach_negation_factor: how much a negated reply ("I won't send it") counts towards a breach option.
    """

    ambiguity_margin = 0.08
    # "I won't send it" must not be taken for the breach "Send it", however many words they share.
    breach_negation_factor = 0.3

    def _score(self, reply: str, option: Option, language: str = "en") -> float:
        best, closest = max((similarity(reply, s, language), s) for s in (option.text, *option.phrasings))
        if option.breach is not None and negated(reply) != negated(closest):
            best *= self.breach_negation_factor
        return best

    def match(self, reply: str, options: Sequence[Option], language: str = "en") -> Match:
        if not normalise(reply):
            return Match(None, 0.0)
        scores = [self._score(reply, o, language) for o in options]
        ranked = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)
        best = ranked[0]
        second = scores[ranked[1]] if len(ranked) > 1 else 0.0
        # Two options almost equally close: the reply is not clearly either.
        penalty = max(0.0, self.ambiguity_margin - (scores[best] - second))
        return Match(best, round(max(0.0, scores[best] - penalty), 3))
