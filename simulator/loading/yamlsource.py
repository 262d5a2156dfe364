"""Safe YAML loading that remembers where every value stands in the file.

``read_document`` turns bytes into plain Python data plus a map from document locations
(``("nodes", "opening", "options", 2, "next")``) to line and column, so that every later
check can point at the line a trainer has to fix. Only PyYAML's SafeLoader constructs
values: a ``!!python/...`` tag is an error, never an object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from ..errors import Problem

MAX_BYTES = 1_000_000
MAX_NODES = 200_000
MAX_DEPTH = 40

Location = tuple[str | int, ...]


def format_location(location: Location) -> str:
    """``("nodes", "a", "options", 2, "next")`` → ``nodes.a.options[2].next``."""
    out = ""
    for part in location:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
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


# libyaml's parser is ten times faster and keeps the same marks; the pure one is the fallback.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


class _Builder:
    def __init__(self, doc: Document, loader):
        self.doc = doc
        self.loader = loader
        self.count = 0
        self.problems: list[Problem] = []
        self.entry: yaml.Node | None = None  # the top-level entry being built, for size errors

    def build(self, node: yaml.Node, location: Location, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooLarge(self.entry or node)
        if depth > MAX_DEPTH:
            raise _TooDeep(node)
        self.doc.values[location] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.CollectionNode) and node.tag not in _PLAIN_TAGS:
            raise yaml.constructor.ConstructorError(
                None, None, f"could not determine a constructor for the tag {node.tag!r}", node.start_mark
            )
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.loader.construct_object(key_node, deep=True)
                if not isinstance(key, (str, int, float, bool)) or key is None:
                    key = str(key)
                if isinstance(key, bool | float):
                    key = str(key).lower()
                key_location = location + (str(key),)
                mark = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                if key in result:
                    first = self.doc.keys[key_location][0]
                    self.problems.append(
                        Problem(
                            self.doc.file,
                            mark[0],
                            mark[1],
                            format_location(key_location),
                            f"duplicate key '{key}' (first defined on line {first}); "
                            "ids must be unique — rename or merge one of them",
                        )
                    )
                    continue
                self.doc.keys[key_location] = mark
                if not location:
                    self.entry = key_node
                result[str(key)] = self.build(value_node, key_location, depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, location + (i,), depth + 1) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)


class _TooLarge(Exception):
    def __init__(self, node: yaml.Node):
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
    if context.endswith("quoted scalar") and where is not None:
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
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    return Problem(file, line, col, "", what)


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
    if b"\x00" in raw:
        return None, [Problem(file, 1, 1, "", "this is a binary file, not a YAML text file")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = raw[: exc.start].decode("utf-8", "replace")
        line, col = _position(head, len(head))
        return None, [
            Problem(
                file,
                line,
                col,
                "",
                f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8 in your editor",
            )
        ]
    return text.removeprefix("\ufeff"), []


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
        builder = _Builder(doc, loader)
        doc.data = builder.build(node, ())
        problems.extend(builder.problems)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(exc, text, file)]
    except _TooLarge as exc:
        mark = exc.node.start_mark
        what = (
            "the document nests too deeply"
            if isinstance(exc, _TooDeep)
            else "the document expands to too many values (aliases?)"
        )
        return None, [Problem(file, mark.line + 1, mark.column + 1, "", what)]
    except yaml.YAMLError as exc:
        return None, [Problem(file, 1, 1, "", f"YAML error: {exc}")]
    finally:
        loader.dispose()
    if not isinstance(doc.data, dict):
        return None, [Problem(file, 1, 1, "", "the file must be a YAML mapping (field: value lines)")]
    return doc, problems
