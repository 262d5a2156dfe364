"""The studio's code editor: CodeMirror 6 with YAML highlighting, line numbers, the problems marked in
the text, and a jump to a line and column (``CodeEditor``).

The editor is an ``anywidget`` whose JavaScript is one file shipped in the package
(``simulator/ui/static/editor/editor.js``, built from ``scripts/editor/`` by
``scripts/build_editor.sh``), so it works offline: nothing is fetched when a page opens.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import anywidget
import traitlets

__all__ = ["BUNDLE", "CodeEditor"]

BUNDLE = Path(__file__).resolve().parents[1] / "static" / "editor" / "editor.js"
SETTLE_MS = 1500  # a pause in typing this long sends the text to the kernel (leaving the editor sends it at once)
_jumps = itertools.count(1)


class CodeEditor(anywidget.AnyWidget):
    """A YAML editor with line numbers, the problems marked in it, and a jump to a place.

    The text reaches the kernel (``value``) when the editor loses focus or typing pauses for
    ``settle_ms``; setting ``value`` in Python replaces the text on the page.

    Attributes:
        value: the text.
        problems: ``[{"line", "column", "message", "severity"}]``, underlined in the text and marked
            in the gutter (set by ``show_problems``).
        jump: the last place asked for by ``go_to`` (``{"line", "column", "seq"}``).
        labels: the editor's words: ``position`` (the cursor's place under the text, ``"line {line},
            column {column}"``) and ``editor`` (what a screen reader calls the text).
        settle_ms: how long typing pauses before the text is sent.
    """

    _esm = BUNDLE
    value = traitlets.Unicode("").tag(sync=True)
    problems = traitlets.List(traitlets.Dict()).tag(sync=True)
    jump = traitlets.Dict().tag(sync=True)
    labels = traitlets.Dict().tag(sync=True)
    settle_ms = traitlets.Int(SETTLE_MS).tag(sync=True)

    def go_to(self, line: int, column: int = 1) -> None:
        """Move the cursor to a place in the text, scroll it into view and focus the editor.

        Args:
            line: 1-based line.
            column: 1-based column.

        Returns:
            None.
        """
        self.jump = {"line": int(line), "column": int(column), "seq": next(_jumps)}

    def show_problems(self, problems: Iterable[Any]) -> None:
        """Mark problems in the text (``Problem``: line, column, message, severity).

        Args:
            problems: the problems; an empty list clears the marks.

        Returns:
            None.
        """
        self.problems = [
            {
                "line": int(p.line),
                "column": int(p.column),
                "message": str(p.message),
                "severity": getattr(p, "severity", "error"),
            }
            for p in problems
        ]
