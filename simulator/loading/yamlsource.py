"""Safe YAML loading that remembers where every value stands in the file.

``read_document`` turns bytes into plain Python data plus a map from document locations
(``("nodes", "opening", "options", 2, "next")``) to line and column, so that every later
check can point at the line a trainer has to fix. Only PyYAML's safe parser reads the file,
and the lab constructs every value itself from its text: a plain scalar is text, a whole
number, a number, true/false or null; a date stays text; any other tag (``!!python/...``,
``!!binary``, ``!!set``…) is a located error, never an object. Characters a trainer cannot
see or type (control characters, line separators) are refused where they stand before YAML
reads the file, and nesting, aliases and merges are capped, so no file can crash, hang or
flood the lab.
"""

from __future__ import annotations

import re
import reprlib
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..errors import Problem

MAX_BYTES = 1_000_000
MAX_NODES = 200_000
MAX_DEPTH = 40
SHOWN_CHARS = 80  # a value quoted in a message is clipped to this many characters
MAX_REFUSED = 10  # refused characters reported per file

Location = tuple[str | int, ...]

_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxdict, _SHORT.maxlist, _SHORT.maxtuple = 2, 4, 4, 4
_SHORT.maxstring = _SHORT.maxother = _SHORT.maxlong = SHOWN_CHARS


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """A value as a message quotes it: ``'text'`` (clipped to ``limit`` characters with "…", control
    and invisible characters escaped), or a short repr of anything else.

    Args:
        value: a value read from a file.
        limit: characters kept of a text.

    Returns:
        One printable line.
    """
    if isinstance(value, str):
        text = value if len(value) <= limit else value[:limit] + "…"
        return repr(text)  # repr escapes what str.isprintable() refuses: controls, zero-width, surrogates
    text = _SHORT.repr(value)
    return text if len(text) <= 2 * limit else text[: 2 * limit] + "…"


def _name(part: str | int, limit: int = 40) -> str:
    text = str(part)
    if len(text) > limit:
        text = text[:limit] + "…"
    return text if text.isprintable() else repr(text)[1:-1]


def format_location(location: Location) -> str:
    """``("nodes", "a", "options", 2, "next")`` → ``nodes.a.options[2].next`` (each name clipped and escaped)."""
    out = ""
    for part in location:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + _name(part)
    return out


@dataclass
class Document:
    """A YAML document's data and where each part of it stands."""

    file: str
    data: Any = None
    values: dict[Location, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Location, tuple[int, int]] = field(default_factory=dict)

    def where(self, location: Location, *, key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of the value at the location, or of the nearest parent known."""
        table = self.keys if key else self.values
        p = tuple(location)
        while p:
            if p in table:
                return table[p]
            if p in self.values:
                return self.values[p]
            p = p[:-1]
        return self.values.get((), (1, 1))

    def problem(self, location: Location, message: str, *, key: bool = False, severity: str = "error") -> Problem:
        line, col = self.where(location, key=key)
        return Problem(self.file, line, col, format_location(location), message, severity)


class _Composer(yaml.composer.Composer):
    """PyYAML's composer with the depth capped where each node starts. libyaml's own composer
    recurses in C without a limit: ten thousand '[' would crash the process."""

    depth = 0

    def compose_scalar_node(self, anchor):
        tagged = self.peek_event().tag not in (None, "!")
        node = super().compose_scalar_node(anchor)
        node.tagged = tagged  # whether the file wrote the tag, or YAML took it from the text
        return node

    def compose_node(self, parent, index):
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH + 1:  # the top-level mapping is depth 1
                raise _TooDeep(self.peek_event())
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


# libyaml's parser is ten times faster and keeps the same marks; the pure one is the fallback.
try:
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML built without libyaml

    class _Parser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str):
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)


class _Loader(_Composer, _Parser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    """Events from libyaml, nodes from the capped composer, and the safe constructor's scalar rules."""

    def __init__(self, stream: str):
        _Parser.__init__(self, stream)
        _Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)


_YAML = "tag:yaml.org,2002:"
_MAP, _SEQ, _MERGE = _YAML + "map", _YAML + "seq", _YAML + "merge"
_STR, _NULL, _BOOL, _INT, _FLOAT, _TIMESTAMP = (_YAML + t for t in ("str", "null", "bool", "int", "float", "timestamp"))
_NUMBER_WORDS = {_INT: "a whole number", _FLOAT: "a number", _BOOL: "true or false", _NULL: "null"}
_CONSTRUCT = {
    _NULL: yaml.constructor.SafeConstructor.construct_yaml_null,
    _BOOL: yaml.constructor.SafeConstructor.construct_yaml_bool,
    _INT: yaml.constructor.SafeConstructor.construct_yaml_int,
    _FLOAT: yaml.constructor.SafeConstructor.construct_yaml_float,
}


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_YAML) if tag.startswith(_YAML) else tag


def _refused_tag(tag: str) -> str:
    return (
        f"could not determine a constructor for the tag {shown(tag)}: "
        "scenario files are plain data; tags like !!python are not allowed"
    )


class _Builder:
    """Plain data from the composed nodes: every value constructed from its text by the lab itself,
    its place remembered, each node counted (aliases and merges too) and its depth capped."""

    def __init__(self, doc: Document, loader, text: str):
        self.doc = doc
        self.loader = loader
        self.lines = text.split("\n")
        self.count = 0
        self.problems: list[Problem] = []
        self.refused = False  # a tag the lab does not read: the file is not plain data, its checks stop here
        self.entry: yaml.Node | None = None  # the top-level entry being built, for size errors

    def mark(self, node: yaml.Node) -> tuple[int, int]:
        return _clamped(self.lines, node.start_mark.line + 1, node.start_mark.column + 1)

    def refuse(self, node: yaml.Node, location: Location, message: str) -> None:
        self.refused = True
        line, col = self.mark(node)
        self.problems.append(Problem(self.doc.file, line, col, format_location(location), message))

    def build(self, node: yaml.Node, location: Location, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooLarge(self.entry or node)
        if depth > MAX_DEPTH:
            raise _TooDeep(node)
        self.doc.values[location] = self.mark(node)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, location)
        if node.tag not in (_MAP, _SEQ):
            self.refuse(node, location, _refused_tag(node.tag))
            return None
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, location, depth)
        return [self.build(item, location + (i,), depth + 1) for i, item in enumerate(node.value)]

    def scalar(self, node: yaml.ScalarNode, location: Location) -> Any:
        """A scalar from its text: dates stay text; a tag the text does not fit is a located error."""
        tag = node.tag
        if tag in (_STR, _TIMESTAMP):
            return node.value
        construct = _CONSTRUCT.get(tag)
        if construct is None:
            self.refuse(node, location, _refused_tag(tag))
            return None
        try:
            return construct(self.loader, node)
        except Exception:  # int('abc'), a 5,000-digit number, !!bool maybe…: PyYAML trusts the tag
            if not getattr(node, "tagged", True):
                self.refuse(node, location, f"{shown(node.value)} is too long a number to read")
            else:
                self.refuse(
                    node,
                    location,
                    f"{shown(node.value)} is not {_NUMBER_WORDS[tag]}, as its tag {_short_tag(tag)} says — "
                    "write the value without the tag",
                )
            return None

    def key(self, node: yaml.Node, location: Location) -> str | None:
        """A mapping key as the lab names it, or None (a located problem) when it is not a plain name."""
        if not isinstance(node, yaml.ScalarNode):
            self.refuse(node, location, "a key must be a plain name, not a list or a mapping")
            return None
        problems = len(self.problems)
        key = self.scalar(node, location)
        if len(self.problems) > problems:
            return None
        if isinstance(key, bool | float):
            return str(key).lower()
        return str(key)

    def mapping(self, node: yaml.MappingNode, location: Location, depth: int) -> dict[str, Any]:
        # As PyYAML does: the keys of '<<' merges first (the first source listed wins), then the
        # mapping's own keys, which override them.
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE and isinstance(key_node, yaml.ScalarNode):
                self.merge(result, value_node, location, depth)
        explicit: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE and isinstance(key_node, yaml.ScalarNode):
                continue
            key = self.key(key_node, location)
            if key is None:
                continue
            key_location = location + (key,)
            mark = self.mark(key_node)
            if key in explicit:
                first = self.doc.keys[key_location][0]
                self.problems.append(
                    Problem(
                        self.doc.file,
                        mark[0],
                        mark[1],
                        format_location(key_location),
                        f"duplicate key {shown(key)} (first defined on line {first}); "
                        "ids must be unique — rename or merge one of them",
                    )
                )
                continue
            explicit.add(key)
            self.doc.keys[key_location] = mark
            if not location:
                self.entry = key_node
            result[key] = self.build(value_node, key_location, depth + 1)
        return result

    def merge(self, result: dict[str, Any], value: yaml.Node, location: Location, depth: int) -> None:
        """``<<: *base`` (or a list of them): the keys not yet set, each node counted like any other."""
        sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
        here = self.doc.values[location]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                self.refuse(source, location, "a merge key '<<' takes a mapping, or a list of mappings")
                continue
            merged = self.build(source, location, depth + 1)
            self.doc.values[location] = here
            for k, v in (merged or {}).items():
                result.setdefault(k, v)


def _clamped(lines: list[str], line: int, col: int) -> tuple[int, int]:
    """A position within the file's lines (the end of the stream stands on the last line)."""
    last = len(lines) - 1 if len(lines) > 1 and lines[-1] == "" else len(lines)
    if line > last:
        line = max(last, 1)
        col = len(lines[line - 1].removesuffix("\r")) + 1
    return line, col


class _TooLarge(Exception):
    def __init__(self, node: yaml.Node | yaml.Event):
        self.node = node


class _TooDeep(_TooLarge):
    pass


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


_UNCLOSED = {"flow mapping": ("{", "}"), "flow sequence": ("[", "]")}


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, file: str) -> Problem:
    """A parser error as a trainer can act on it, at the line where the fix goes."""
    context, problem = str(exc.context or ""), str(exc.problem or "")
    mark = exc.problem_mark or exc.context_mark
    where = exc.context_mark or mark
    what = f"YAML syntax error: {context + ': ' if context else ''}{problem}"
    for kind, (opening, closing) in _UNCLOSED.items():
        if context.endswith(kind):
            mark, what = where, f"YAML syntax error: this '{opening}' is never closed — add the missing '{closing}'"
    if context.endswith("quoted scalar") and "end of stream" in problem and where is not None:
        quote = text[where.index : where.index + 1] or '"'
        mark, what = where, f"YAML syntax error: this quote is never closed — add the missing '{quote}'"
    elif "did not find expected key" in problem or "did not find expected '-' indicator" in problem:
        what = (
            "YAML syntax error: this line is not indented like the lines above it — "
            "line it up with the other fields at its level, using spaces"
        )
    elif "mapping values are not allowed" in problem:
        what = (
            "YAML syntax error: unexpected ': ' — put a text that contains ': ' in quotes, "
            "or check this line's indentation"
        )
    elif mark is not None and "cannot start any token" in problem and text[mark.index : mark.index + 1] == "\t":
        what = "a tab character: YAML indents with spaces only — replace the tab with spaces"
    elif "expected a single document" in context:
        what = "the file holds more than one YAML document (a '---' line); keep one scenario per file"
    elif "could not determine a constructor" in problem:
        what = f"{problem}: scenario files are plain data; tags like !!python are not allowed"
    if len(what) > 4 * SHOWN_CHARS:  # PyYAML quotes what it found: an anchor's name, a tag…
        what = what[: 4 * SHOWN_CHARS] + "…"
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    line, col = _clamped(text.split("\n"), line, col)
    return Problem(file, line, col, "", what)


# What YAML cannot read, or reads as a line break a trainer's editor may not show: C0 controls
# but tab, line feed and a carriage return before a line feed; DEL; C1 controls (NEL too); the
# line and paragraph separators; lone surrogates; the two non-characters U+FFFE and U+FFFF.
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]|\r(?!\n)")


def _character_name(ch: str) -> str:
    code = f"U+{ord(ch):04X}"
    if ch == "\x1b":
        return f"an escape character ({code}, as in terminal colour codes)"
    if ch == "\r":
        return f"a carriage return ({code}) without a line feed"
    if ch in "\u2028\u2029":
        return f"a {unicodedata.name(ch).lower()} ({code})"
    return f"a control character ({code})"


def _refused_characters(text: str, file: str) -> list[Problem]:
    """Each character YAML refuses or a trainer cannot see, where it stands (the first few)."""
    problems = []
    lines = text.split("\n")
    for found in _REFUSED.finditer(text):
        if len(problems) == MAX_REFUSED:
            break
        line, col = _clamped(lines, *_position(text, found.start()))
        problems.append(
            Problem(
                file,
                line,
                col,
                "",
                f"{_character_name(found.group())} is not allowed in a scenario file — remove it, "
                "or retype the text around it",
            )
        )
    return problems


def decode(raw: bytes, file: str) -> tuple[str | None, list[Problem]]:
    """Bytes to text, or the problem that stops a file from being read as YAML text."""
    if len(raw) > MAX_BYTES:
        size = f"{len(raw) / 1_000_000:.1f} MB"
        return None, [
            Problem(
                file,
                1,
                1,
                "",
                f"the file is {size}; a scenario file may be at most "
                f"{MAX_BYTES // 1_000_000} MB — split it or remove what is not needed",
            )
        ]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = raw[: exc.start].decode("utf-8", "replace")
        line, col = _position(head, len(head))  # where the text stops being UTF-8
        if b"\x00" in raw:
            return None, [Problem(file, line, col, "", "this is a binary file, not a YAML text file")]
        return None, [
            Problem(
                file,
                line,
                col,
                "",
                f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8 in your editor",
            )
        ]
    text = text.removeprefix("\ufeff")
    refused = _refused_characters(text, file)
    return (None, refused) if refused else (text, [])


def _check_size(root: yaml.Node) -> None:
    """Raise before building when aliases or merges would expand the document past MAX_NODES
    (a billion laughs), at the top-level entry that crosses it; or when a node holds itself."""
    sizes: dict[int, int | None] = {}

    def size(node: yaml.Node, depth: int) -> int:
        known = sizes.get(id(node), 0)
        if known is None or depth > MAX_DEPTH:  # None: the node is inside itself
            raise _TooDeep(node)
        if known:
            return known
        sizes[id(node)] = None
        total = 1
        if isinstance(node, yaml.MappingNode):
            total += sum(size(value, depth + 1) for _key, value in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(item, depth + 1) for item in node.value)
        sizes[id(node)] = total = min(total, MAX_NODES + 1)
        return total

    if isinstance(root, yaml.MappingNode):
        count = 1
        for key, value in root.value:
            count += size(value, 1)
            if count > MAX_NODES:
                raise _TooLarge(key)
    elif size(root, 0) > MAX_NODES:
        raise _TooLarge(root)


def read_document(raw: bytes, file: str) -> tuple[Document | None, list[Problem]]:
    """Parse one YAML document safely; return it with every problem found."""
    text, problems = decode(raw, file)
    if text is None:
        return None, problems
    doc = Document(file)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, [Problem(file, 1, 1, "", "the file is empty")]
        _check_size(node)
        builder = _Builder(doc, loader, text)
        doc.data = builder.build(node, ())
        problems.extend(builder.problems)
        if builder.refused:
            return None, problems
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(exc, text, file)]
    except _TooLarge as exc:
        line, col = _clamped(text.split("\n"), exc.node.start_mark.line + 1, exc.node.start_mark.column + 1)
        what = (
            "the document nests too deeply"
            if isinstance(exc, _TooDeep)
            else "the document expands to too many values (aliases?)"
        )
        return None, [Problem(file, line, col, "", what)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(str(exc).split())
        return None, [Problem(file, line, col, "", f"YAML error: {what[: 4 * SHOWN_CHARS]}")]
    finally:
        loader.dispose()
    if not isinstance(doc.data, dict):
        line, col = doc.values.get((), (1, 1))  # where the document's one value starts
        return None, [Problem(file, line, col, "", "the file must be a YAML mapping (field: value lines)")]
    return doc, problems
