"""The lab's exceptions, drawn in one place.

    LabError
    ├── ScenarioError          one problem in a scenario or persona file: file, line, column, location
    │   └── ScenarioErrors     all the problems found in a load, raised together
    ├── SessionError           a reply the session cannot take (finished session, bad option number)
    ├── ScenarioTooLarge       path analysis would explore more states than its cap; knows the cap
    └── StoreError             the results store failed; knows the session it was writing

Errors are raised, never logged here: the edges (the CLI and the practice app) log them once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

MAX_MESSAGE = 600  # characters of a problem's message; values in it are clipped long before

_BREAKS = re.compile(r"\s*[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]\s*")


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """Text as one printable line: line breaks become spaces, other unprintable characters
    (controls, zero-width, lone surrogates) are escaped, and it is clipped to ``limit`` with "…".

    Args:
        text: a message, a location, a file name.
        limit: the most characters kept.

    Returns:
        The line (the same string when it needs nothing).
    """
    if text.isprintable() and len(text) <= limit:
        return text
    text = _BREAKS.sub(" ", text)
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    return text if len(text) <= limit else text[:limit] + "…"


class LabError(Exception):
    """Base of every error the lab raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a file, with where it is.

    A ``warning`` (from the path analysis: a trap loop, an option that never matters) is
    printed but does not make a file unsound.

    Attributes:
        file: the file as the user would type it.
        line, column: 1-based.
        location: where in the document (``nodes.opening.options[2].next``), or "".
        message: what is wrong and how to fix it.
        severity: ``"error"`` or ``"warning"``.
    """

    file: str
    line: int
    column: int
    location: str  # where in the document, e.g. ``nodes.opening.options[2].next``
    message: str
    severity: str = "error"  # "error" | "warning"

    def __post_init__(self) -> None:
        # One line per problem, whatever a file held: a message never breaks a line or the terminal.
        for name in ("file", "location", "message"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, one_line(value))

    @property
    def path(self) -> str:
        """The location's name before 0.2 ("path" now means a conversation path only)."""
        return self.location

    def __str__(self) -> str:
        where = f" ({self.location})" if self.location else ""
        kind = "warning: " if self.severity == "warning" else ""
        return f"{self.file}:{self.line}:{self.column}: {kind}{self.message}{where}"


class ScenarioError(LabError):
    """A single problem in a scenario or persona file."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem

    @property
    def file(self) -> str:
        return self.problem.file

    @property
    def line(self) -> int:
        return self.problem.line


class ScenarioErrors(ScenarioError):
    """Every problem found while loading one or more files, raised at once."""

    def __init__(self, problems: list[Problem]):
        if not problems:
            raise ValueError("ScenarioErrors needs at least one problem")
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.column, p.message))
        LabError.__init__(self, "\n".join(str(p) for p in self.problems))
        self.problem = self.problems[0]


class SessionError(LabError):
    """A session was asked to do something it cannot."""


class ScenarioTooLarge(LabError):
    """Enumerating a scenario's paths would take more states than the cap allows."""

    def __init__(self, scenario_id: str, limit: int, what: str):
        super().__init__(
            f"scenario '{scenario_id}' is too large to enumerate: {what} exceed the cap of {limit:,} states — "
            f"use random walks instead (roleplay paths {scenario_id} --walks N), or raise max_states"
        )
        self.scenario_id = scenario_id
        self.limit = limit


class StoreError(LabError):
    """Writing to or reading from the results store failed."""

    def __init__(self, message: str, session_id: str | None = None):
        super().__init__(message if session_id is None else f"{message} (session {session_id})")
        self.session_id = session_id


def display_path(path: Path | str) -> str:
    """A path as a user would type it: relative to the working directory where possible."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)
