"""The phrase coach: the trainee's own typed words checked against the positive-language rules.

A library keeps one phrase file per language (``phrases/en.yaml``, ``phrases/pl.yaml`` beside the
scenarios; docs/phrase-coach.md). Each entry names the phrases to catch, why they hurt and what to
say instead. ``coach(text, book)`` returns the phrases a reply contains, each with its span.

How a phrase matches a reply:

- words are compared case-folded, without accents ("ł" as "l") and without apostrophes, so
  "I don’t know", "I don't know" and "i dont know" are one phrase;
- in a Polish file a word also matches any form with the same dictionary form (``simplemma``):
  "musi Pan" catches "musisz", "muszą Państwo"… as far as the dictionary knows the forms;
- a word ending in ``*`` matches every word it begins ("uspok*": "uspokoić", "uspokój");
- ``...`` between words allows up to three other words there ("proszę ... uspokoić");
- ``^`` first means only at the start of a sentence ("^no": "No, that is not possible.");
- an entry's ``except`` phrases make a catch harmless where they overlap it ("no problem").

The module imports the standard library only (a trainee's kernel imports it); PyYAML and
simplemma load on first use. A file is read and compiled once per path and modification time.
``check_phrasebook`` says what is wrong with a file's data; the loader locates it (file, line).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = [
    "Hit",
    "PhraseBook",
    "check_phrasebook",
    "coach",
    "compile_phrasebook",
    "load_phrasebook",
    "phrase_file",
    "phrasebook_for",
]

SCHEMA_VERSION = 1
LANGUAGES = ("en", "pl")
MAX_TEXT = 20_000  # a reply is checked up to this many characters
MAX_GAP = 3  # the words "..." stands for, at most
_FIELDS = ("schema_version", "language", "phrases")
_ENTRY_FIELDS = ("id", "catch", "except", "why", "instead")
_ID = re.compile(r"^[a-z][a-z0-9_-]*$")
_APOSTROPHES = "'’‘ʼ`´"
_TOKEN = re.compile(r"\w+(?:[" + _APOSTROPHES + r"]\w+)*")
_PATTERN_WORD = re.compile(r"\w+(?:[" + _APOSTROPHES + r"]\w+)*\*?")


@dataclass(frozen=True)
class Hit:
    """One coached phrase found in a reply.

    Attributes:
        entry: the id of the phrase file's entry.
        phrase: the words as the trainee typed them.
        start, end: the phrase's span in the reply (``reply[start:end]``).
        why: why the phrase hurts.
        instead: the better wording.
    """

    entry: str
    phrase: str
    start: int
    end: int
    why: str
    instead: str


# The compiled forms are plain classes with slots, not dataclasses: the module is imported by
# every trainee's kernel, and each dataclass costs half a millisecond to make.
class _Word:
    __slots__ = ("_lemma", "key", "prefix", "word")

    def __init__(self, word: str, prefix: bool, inflected: bool):
        self.word = word  # as written in the file
        self.key = _key(word)  # normalised; a prefix when prefix is True
        self.prefix = prefix
        self._lemma: str | None = "" if inflected else None  # "": not looked up yet

    @property
    def lemma(self) -> str | None:
        """The Polish dictionary form, normalised (looked up on first use: the dictionary is big)."""
        if self._lemma == "":
            self._lemma = _lemma(self.word)
        return self._lemma


class _Pattern:
    __slots__ = ("gaps", "start_of_sentence", "words")

    def __init__(self, words: tuple[_Word, ...], gaps: tuple[bool, ...], start_of_sentence: bool):
        self.words = words
        self.gaps = gaps  # gaps[i]: "..." stands before words[i + 1]
        self.start_of_sentence = start_of_sentence


class _Entry:
    __slots__ = ("allow", "catch", "id", "instead", "why")

    def __init__(self, id: str, catch: tuple[_Pattern, ...], allow: tuple[_Pattern, ...], why: str, instead: str):
        self.id, self.catch, self.allow, self.why, self.instead = id, catch, allow, why, instead


class PhraseBook:
    """A phrase file, compiled: the entries a reply is checked against.

    Attributes:
        language: ``en`` or ``pl``.
        entries: the compiled entries, in the file's order.
        source: the file it was read from, if any.
    """

    __slots__ = ("entries", "language", "source")

    def __init__(self, language: str, entries: tuple[_Entry, ...], source: Path | None = None):
        self.language = language
        self.entries = entries
        self.source = source

    def __repr__(self) -> str:
        return f"PhraseBook({self.language!r}, {len(self.entries)} entries, source={self.source!r})"

    def ids(self) -> list[str]:
        """The entries' ids.

        Returns:
            The ids, in the file's order.
        """
        return [entry.id for entry in self.entries]


# ---------------------------------------------------------------- words


@lru_cache(maxsize=65536)
def _key(word: str) -> str:
    """A word as compared: case-folded, without accents, apostrophes and "ł"."""
    word = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in word if not unicodedata.combining(ch) and ch not in _APOSTROPHES).replace("ł", "l")


@lru_cache(maxsize=65536)
def _lemma(word: str) -> str:
    """A Polish word's dictionary form, normalised like ``_key``."""
    import simplemma  # its Polish dictionary loads on the first Polish word

    return _key(simplemma.lemmatize(word.casefold(), lang="pl"))


# ---------------------------------------------------------------- checking a file's data


def check_phrasebook(data: object, language: str | None = None) -> list[tuple[tuple[str | int, ...], str, bool]]:
    """What is wrong with a phrase file's data, each with where it is.

    Args:
        data: the file's YAML, as read.
        language: the language its name says (``en`` for ``en.yaml``), if it is to be checked.

    Returns:
        (the place in the document, the message, whether it is about a key rather than a value)
        for every problem; empty when the file is sound.
    """
    problems: list[tuple[tuple[str | int, ...], str, bool]] = []
    if not isinstance(data, dict):
        return [((), "a phrase file is a mapping with schema_version, language and phrases", False)]
    for key in data:
        if key not in _FIELDS:
            problems.append(((key,), f"unknown field '{key}' — a phrase file has {', '.join(_FIELDS)}", True))
    if data.get("schema_version") != SCHEMA_VERSION:
        where = ("schema_version",) if "schema_version" in data else ()
        problems.append((where, f"schema_version must be {SCHEMA_VERSION}", False))
    lang = data.get("language")
    if lang not in LANGUAGES:
        where = ("language",) if "language" in data else ()
        problems.append((where, f"language must be one of {', '.join(LANGUAGES)}", False))
    elif language is not None and lang != language:
        problems.append(
            (("language",), f"the file is named {language}.yaml but says language {lang} — make them the same", False)
        )
    phrases = data.get("phrases")
    if not isinstance(phrases, list) or not phrases:
        where = ("phrases",) if "phrases" in data else ()
        return [*problems, (where, "phrases must be a list of entries (id, catch, why, instead)", False)]
    seen_ids: dict[str, int] = {}
    seen_catch: dict[str, str] = {}
    for i, entry in enumerate(phrases):
        at = ("phrases", i)
        if not isinstance(entry, dict):
            problems.append((at, "an entry is a mapping with id, catch, why and instead (except is optional)", False))
            continue
        for key in entry:
            if key not in _ENTRY_FIELDS:
                problems.append(((*at, key), f"unknown field '{key}' — an entry has {', '.join(_ENTRY_FIELDS)}", True))
        for key in ("id", "catch", "why", "instead"):
            if key not in entry:
                problems.append((at, f"the entry lacks '{key}'", True))
        eid = entry.get("id")
        if "id" in entry:
            if not isinstance(eid, str) or not _ID.match(eid):
                problems.append(
                    ((*at, "id"), "an id is lower-case letters, digits, - and _, starting with a letter", False)
                )
            elif eid in seen_ids:
                problems.append(((*at, "id"), f"the id '{eid}' is used by entry {seen_ids[eid] + 1} too", False))
            else:
                seen_ids[eid] = i
        for key in ("why", "instead"):
            if key in entry and (not isinstance(entry[key], str) or not entry[key].strip()):
                problems.append(((*at, key), f"'{key}' must be text a trainee can read", False))
        for key in ("catch", "except"):
            if key not in entry:
                continue
            value = entry[key]
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or (key == "catch" and not items):
                problems.append(((*at, key), f"'{key}' must be a phrase or a list of phrases", False))
                continue
            for j, phrase in enumerate(items):
                where = (*at, key) if isinstance(value, str) else (*at, key, j)
                message = _pattern_problem(phrase)
                if message:
                    problems.append((where, message, False))
                elif key == "catch":
                    norm = " ".join(_key(w) for w in phrase.split())
                    if norm in seen_catch and seen_catch[norm] != str(eid):
                        problems.append(
                            (where, f"the phrase '{phrase}' is caught by the entry '{seen_catch[norm]}' already", False)
                        )
                    seen_catch.setdefault(norm, str(eid))
    return problems


def _pattern_problem(phrase: object) -> str | None:
    if not isinstance(phrase, str) or not phrase.strip():
        return "a phrase must be text with at least one word"
    parts = phrase.split()
    if parts[0] == "^":
        return "write '^' joined to the first word ('^no'), not alone"
    body = list(parts)
    if body[0].startswith("^"):
        body[0] = body[0][1:]
    if any(p.startswith("^") for p in body[1:]):
        return f"'^' (start of a sentence) may only begin the phrase: '{phrase}'"
    if body[0] == "..." or body[-1] == "...":
        return f"'...' stands between two words, not at the start or the end: '{phrase}'"
    for part in body:
        if part == "...":
            continue
        words = _PATTERN_WORD.findall(part)
        if not words:
            return f"'{part}' in '{phrase}' has no word to match — use letters or digits"
        for word in words:
            if word.endswith("*") and len(_key(word[:-1])) < 3:
                return f"'{word}' is too short to end in '*' — give at least three letters before it"
        if "*" in part and not part.rstrip(".,!?;:").endswith("*"):
            return f"'*' may only end a word: '{part}'"
    return None


# ---------------------------------------------------------------- compiling


def _compile_pattern(phrase: str, language: str) -> _Pattern:
    start = phrase.lstrip().startswith("^")
    words: list[_Word] = []
    gaps: list[bool] = []
    gap = False
    for part in phrase.replace("^", " ", 1 if start else 0).split():
        if part == "...":
            gap = True
            continue
        for token in _PATTERN_WORD.findall(part):
            if words:
                gaps.append(gap)
            gap = False
            prefix = token.endswith("*")
            token = token.rstrip("*")
            words.append(_Word(token, prefix, language == "pl" and not prefix and len(token) > 3))
    return _Pattern(tuple(words), tuple(gaps), start)


def compile_phrasebook(data: dict, source: Path | None = None) -> PhraseBook:
    """A phrase file's checked data, compiled.

    Args:
        data: the file's data, which ``check_phrasebook`` found sound.
        source: the file it was read from, if any.

    Returns:
        The ``PhraseBook``.
    """
    language = data["language"]

    def patterns(value) -> tuple[_Pattern, ...]:
        items = [value] if isinstance(value, str) else list(value or [])
        return tuple(_compile_pattern(p, language) for p in items)

    entries = tuple(
        _Entry(e["id"], patterns(e["catch"]), patterns(e.get("except")), e["why"].strip(), e["instead"].strip())
        for e in data["phrases"]
    )
    return PhraseBook(language, entries, source)


_books: dict[tuple[Path, int, int], PhraseBook | None] = {}


def load_phrasebook(path: Path | str) -> PhraseBook | None:
    """A phrase file, read and compiled once per path, modification time and size.

    The runtime never fails on a phrase file: a file that is missing, unreadable or unsound
    (``roleplay validate`` says why) coaches nothing.

    Args:
        path: the phrase file.

    Returns:
        The ``PhraseBook``, or None when the file is missing or unsound.
    """
    path = Path(path)
    try:
        stat = path.stat()
        key = (path.resolve(), stat.st_mtime_ns, stat.st_size)
    except (OSError, ValueError):
        return None
    if key not in _books:
        _books[key] = _read(path)
    return _books[key]


def _read(path: Path) -> PhraseBook | None:
    import yaml  # only when a phrase file is read

    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if check_phrasebook(data, path.stem):
        return None
    return compile_phrasebook(data, path)


def phrase_file(source: Path | None, language: str) -> Path | None:
    """The phrase file of a scenario's language: ``phrases/<language>.yaml`` in the scenario's folder
    or up to two folders above it (where its ``personas/`` are looked for too).

    Args:
        source: the scenario file, if it came from one.
        language: the scenario's language.

    Returns:
        The file, or None when there is none (or no source).
    """
    if source is None or language not in LANGUAGES:
        return None
    try:
        for parent in list(Path(source).resolve().parents)[:3]:
            candidate = parent / "phrases" / f"{language}.yaml"
            if candidate.is_file():
                return candidate
    except (OSError, ValueError):
        return None
    return None


def phrasebook_for(source: Path | None, language: str) -> PhraseBook | None:
    """The phrase book a scenario's typed replies are coached with.

    Args:
        source: the scenario file, if it came from one.
        language: the scenario's language.

    Returns:
        Its library's phrase book of that language (read once per file version), or None.
    """
    path = phrase_file(source, language)
    return None if path is None else load_phrasebook(path)


# ---------------------------------------------------------------- checking a reply


def _tokens(text: str, language: str) -> list[tuple[int, int, str, str | None]]:
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group()
        key = _key(word)
        lemma = _lemma(word) if language == "pl" and len(word) > 2 else None
        out.append((m.start(), m.end(), key, lemma))
    return out


def _word_matches(word: _Word, token: tuple[int, int, str, str | None]) -> bool:
    if word.prefix:
        return token[2].startswith(word.key)
    return token[2] == word.key or (word._lemma is not None and token[3] is not None and token[3] == word.lemma)


def _sentence_starts(text: str, tokens) -> list[bool]:
    """Whether each token begins a sentence: the first one, or one after ".", "!", "?", "…" or a new line."""
    starts, previous = [], 0
    for token in tokens:
        starts.append(previous == 0 or any(ch in ".!?…\n" for ch in text[previous : token[0]]))
        previous = token[1]
    return starts


class _Text:
    """A reply's words, indexed by form and dictionary form, so a phrase is looked for only where
    its first word stands."""

    __slots__ = ("by_key", "by_lemma", "starts", "tokens")

    def __init__(self, text: str, language: str):
        self.tokens = _tokens(text, language)
        self.starts = _sentence_starts(text, self.tokens)
        self.by_key: dict[str, list[int]] = {}
        self.by_lemma: dict[str, list[int]] = {}
        for i, (_s, _e, key, lemma) in enumerate(self.tokens):
            self.by_key.setdefault(key, []).append(i)
            if lemma is not None:
                self.by_lemma.setdefault(lemma, []).append(i)

    def first(self, word: _Word) -> list[int]:
        """Where a phrase's first word stands, in order."""
        if word.prefix:
            found = [i for key, at in self.by_key.items() if key.startswith(word.key) for i in at]
        else:
            found = list(self.by_key.get(word.key, ()))
            if word._lemma is not None and self.by_lemma:
                found += self.by_lemma.get(word.lemma or "", ())
        return sorted(set(found))


def _find(pattern: _Pattern, text: _Text) -> list[tuple[int, int, int, int]]:
    """Every match as (first token, last token, start, end), the shortest from each start."""
    found = []
    tokens = text.tokens
    for i in text.first(pattern.words[0]):
        if pattern.start_of_sentence and not text.starts[i]:
            continue
        end = _rest(pattern, tokens, 1, i)
        if end is not None:
            found.append((i, end, tokens[i][0], tokens[end][1]))
    return found


def _rest(pattern: _Pattern, tokens, w: int, at: int) -> int | None:
    """The index of the last token when pattern.words[w:] match after token ``at``, else None."""
    if w == len(pattern.words):
        return at
    reach = MAX_GAP + 1 if pattern.gaps[w - 1] else 1
    for j in range(at + 1, min(len(tokens), at + 1 + reach)):
        if _word_matches(pattern.words[w], tokens[j]):
            end = _rest(pattern, tokens, w + 1, j)
            if end is not None:
                return end
    return None


def coach(text: str, book: PhraseBook | None) -> list[Hit]:
    """The coached phrases a typed reply contains, in the order they appear.

    Where an entry's ``except`` phrase overlaps a catch, the catch is harmless and not reported;
    one entry's overlapping catches are one phrase; where two entries' catches overlap, the longer
    one is reported.

    Args:
        text: the reply as typed (checked up to ``MAX_TEXT`` characters).
        book: the phrase book of the scenario's language (None coaches nothing).

    Returns:
        The hits, each with its span in ``text``, why and the better wording.
    """
    if book is None or not isinstance(text, str) or not text.strip():
        return []
    text = text[:MAX_TEXT]
    words = _Text(text, book.language)
    if not words.tokens:
        return []
    candidates: list[tuple[int, int, _Entry]] = []
    for entry in book.entries:
        allowed = [(a, b) for p in entry.allow for a, b, _s, _e in _find(p, words)]
        spans = sorted(
            (start, end)
            for pattern in entry.catch
            for a, b, start, end in _find(pattern, words)
            if not any(a <= y and x <= b for x, y in allowed)
        )
        merged: list[list[int]] = []
        for start, end in spans:  # one entry's overlapping catches are one phrase ("I can't" + "can't do that")
            if merged and start < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        candidates.extend((start, end, entry) for start, end in merged)
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []
    for start, end, entry in sorted(candidates, key=lambda c: -(c[1] - c[0])):
        if any(start < y and x < end for x, y in taken):
            continue
        taken.append((start, end))
        hits.append(Hit(entry.id, text[start:end], start, end, entry.why, entry.instead))
    return sorted(hits, key=lambda h: h.start)
