"""Scenario diagrams: Graphviz DOT text, and SVG drawn by Graphviz's ``dot`` program.

The SVG is plain markup with every text in it escaped, so a notebook shows it inline in
JupyterLab and in Voila alike, with no network and no JavaScript (mermaid needs a CDN,
which Voila pages do not reach). ``dot`` comes from Debian's ``graphviz`` package.

What is drawn: each node (its id and a cut of the customer's line), each option as an edge
labelled "number. text · mood · scores" (the values as written in the file: before the
persona scales the mood and before persona reactions), the endings coloured by outcome,
the persona's breaking point, breach options in red, and nodes and endings no sequence of
replies reaches in grey, dashed, labelled "unreachable".
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import textwrap
from collections.abc import Sequence
from functools import cached_property
from typing import Literal

from ..core.rules import BREAKING_POINT
from ..core.scenario import Scenario
from ..errors import LabError

__all__ = ["Diagram", "best_replies", "to_dot", "to_svg"]

Highlight = Sequence[int] | Literal["best"] | None
Rankdir = Literal["TB", "LR"]

FONT = "Helvetica,Arial,sans-serif"
OUTCOME_COLOURS = {  # outcome: (line, fill)
    "resolved": ("#2e7d32", "#dff2e0"),
    "follow_up": ("#1565c0", "#dfeafa"),
    "escalated": ("#e65100", "#ffead6"),
    "lost": ("#c62828", "#fbe0e0"),
}
NODE_COLOURS = ("#455a64", "#f7f9fa")
EDGE_COLOUR = "#78909c"
BREACH_COLOUR = "#c62828"
HIGHLIGHT_COLOUR = "#7b1fa2"  # purple: none of the outcome colours
UNREACHABLE_COLOUR = "#9e9e9e"

NODE_CUT, NODE_WIDTH = 110, 34  # characters of the customer's line shown, and per label line
OPTION_CUT, OPTION_WIDTH = 44, 28
DOT_TIMEOUT = 30.0
MIN_SCALE = 0.6  # of the natural size: the smallest the SVG shrinks to fit its container

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # not allowed in XML 1.0


# ---------------------------------------------------------------- text for DOT


def _clean(text: str) -> str:
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def cut(text: str, limit: int) -> str:
    """The text on one line, cut at a word boundary to at most ``limit`` characters."""
    text = " ".join(_clean(text).split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if " " in head[limit // 2 :]:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,.;:-–—") + "…"


class _Html(str):
    """An HTML-like label, <…> included: written to DOT as it is."""


def _escape(text: str) -> str:
    """Text for an HTML-like label (quotes need no escaping there)."""
    return html.escape(_clean(text), quote=False)


def _html_lines(text: str, width: int) -> str:
    """Text for an HTML-like label: wrapped, every line escaped."""
    return "<BR/>".join(_escape(line) for line in textwrap.wrap(text, width) or [""])


def quote(text: str) -> str:
    """A DOT double-quoted string that shows ``text`` literally (in ids, tooltips, names).

    Backslashes and quotes are DOT escapes; ``&``, ``<`` and ``>`` become entities, because
    Graphviz resolves entities in strings; newlines become DOT's ``\\n``.
    """
    text = _clean(text)
    for raw, escaped in (("\\", "\\\\"), ('"', '\\"'), ("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\n", "\\n")):
        text = text.replace(raw, escaped)
    return f'"{text}"'


def _attrs(**attrs: str | float | None) -> str:
    """DOT attributes: an ``_Html`` label as it is, other text quoted, numbers as numbers."""
    parts = []
    for name, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, _Html):
            parts.append(f"{name}={value}")
        elif isinstance(value, str):
            parts.append(f"{name}={quote(value)}")
        else:
            parts.append(f"{name}={value:g}")
    return " [" + ", ".join(parts) + "]"


def _signed(value: float) -> str:
    return f"{value:+g}"


def _changes(option) -> list[str]:
    """["mood +10", "empathy +2"]: what an option changes, as written in the file."""
    parts = [f"mood {_signed(option.mood)}"] if option.mood else []
    return parts + [f"{comp} {_signed(v)}" for comp, v in option.scores.items() if v]


def _html_parts(parts: list[str], width: int) -> str:
    """Parts joined by " · " for an HTML-like label, lines broken between parts, never inside one."""
    lines: list[str] = []
    for part in parts:
        if lines and len(lines[-1]) + 3 + len(part) <= width:
            lines[-1] += " · " + part
        else:
            lines.append(part)
    return "<BR/>".join(_escape(line) for line in lines)


# ---------------------------------------------------------------- the path to highlight


def best_replies(scenario: Scenario) -> list[int]:
    """The option numbers (from 1) of the best path: the highest overall score, no breach."""
    analysis = scenario.state_space
    return [i + 1 for i in analysis.optimum(analysis.overall_weights).choices]


def _walk(scenario: Scenario, replies: Sequence[int]) -> tuple[set[tuple[str, int]], set[str]]:
    """The options (node, 0-based index) and the nodes and endings a sequence of replies passes."""
    nodes = scenario.model.nodes
    here: str | None = scenario.model.start or next(iter(nodes))
    edges, visited = set(), {here}
    for step, number in enumerate(replies, start=1):
        if here is None:
            raise LabError(
                f"highlight: the path reaches an ending after {step - 1} replies; "
                f"{len(replies) - step + 1} more were given"
            )
        options = nodes[here].options
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= len(options):
            raise LabError(
                f"highlight: reply {step} is option {number!r}, but node '{here}' has options 1-{len(options)}"
            )
        edges.add((here, number - 1))
        target = options[number - 1].next
        visited.add(target)
        here = target if target in nodes else None
    return edges, visited


# ---------------------------------------------------------------- DOT


def to_dot(scenario: Scenario, highlight: Highlight = None, *, rankdir: Rankdir = "TB") -> str:
    """The scenario as a Graphviz digraph.

    ``highlight`` is a path to draw thick: option numbers from 1, as a trainee picks them,
    or ``"best"`` for the best path. ``rankdir`` lays the conversation out top to bottom
    (``"TB"``, the default: it keeps a long scenario narrow enough to read in a notebook)
    or left to right (``"LR"``).
    """
    if rankdir not in ("TB", "LR"):
        raise LabError(f"rankdir must be 'TB' or 'LR', not {rankdir!r}")
    if highlight == "best":
        highlight = best_replies(scenario)
    elif isinstance(highlight, str):
        raise LabError(f"highlight must be 'best' or a list of option numbers, not {highlight!r}")
    return _Drawing(scenario, highlight).dot(rankdir)


class _Drawing:
    """One diagram's facts: what is reachable, what is highlighted; DOT statements from them."""

    def __init__(self, scenario: Scenario, highlight: Sequence[int] | None):
        self.scenario = scenario
        self.model = scenario.model
        self.start = self.model.start or next(iter(self.model.nodes))
        self.highlighted = highlight is not None
        self.lit_options, self.lit = _walk(scenario, highlight) if highlight is not None else (set(), set())
        nodes, endings = scenario.state_space.reachable
        self.reached = nodes | endings

    def dot(self, rankdir: str) -> str:
        model = self.model
        lines = [
            f"digraph {quote(self.scenario.id)} {{",
            "graph"
            + _attrs(
                rankdir=rankdir,
                fontname=FONT,
                fontsize=11,
                nodesep=0.3,
                ranksep=0.45,
                pad=0.2,
                labelloc="t",
                labeljust="l",
                label=self.legend(),
                tooltip=self.scenario.title,
                bgcolor="white",
            ),
            "node" + _attrs(fontname=FONT, fontsize=11, shape="box", style="rounded,filled", margin="0.12,0.06"),
            "edge" + _attrs(fontname=FONT, fontsize=9, color=EDGE_COLOUR, fontcolor="#37474f", arrowsize=0.7),
        ]
        lines += [self.node(node_id, node) for node_id, node in model.nodes.items()]
        for ending_id, ending in model.endings.items():
            lines.append(self.ending(ending_id, ending.outcome, ending.customer))
        breaking = model.breaking_point or self.scenario.persona.on_break
        when = f"when mood ≤ {self.scenario.persona.mood.breaking_point} or after {model.max_turns} replies"
        lines.append(self.ending(BREAKING_POINT, breaking.outcome, breaking.customer, "breaking point", when))
        for node_id, node in model.nodes.items():
            lines += [self.option(node_id, i, option) for i, option in enumerate(node.options)]
        return "\n  ".join(lines) + "\n}\n"

    def legend(self) -> _Html:
        """The title and the key, as the graph's label (not nodes: every node is the scenario's)."""
        s = self.scenario
        keys = [
            f'<TD BORDER="1" COLOR="{NODE_COLOURS[0]}" BGCOLOR="{NODE_COLOURS[1]}" STYLE="rounded">node</TD>',
            "<TD>▶ start: double border</TD>",
            '<TD ALIGN="RIGHT">endings:</TD>',
            *(
                f'<TD BORDER="1" COLOR="{line}" BGCOLOR="{fill}" STYLE="rounded"> {outcome} </TD>'
                for outcome, (line, fill) in OUTCOME_COLOURS.items()
            ),
        ]
        # The key names only what this diagram draws.
        if any(o.breach is not None for node in self.model.nodes.values() for o in node.options):
            keys.append(f'<TD><FONT COLOR="{BREACH_COLOUR}"><B>━ breach</B></FONT></TD>')
        if {*self.model.nodes, *self.model.endings, BREAKING_POINT} - self.reached:
            keys.append(f'<TD><FONT COLOR="{UNREACHABLE_COLOUR}">┅ unreachable</FONT></TD>')
        if self.highlighted:
            keys.append(f'<TD><FONT COLOR="{HIGHLIGHT_COLOUR}"><B>━━ highlighted path</B></FONT></TD>')
        title = _escape(f"{s.title} — {s.id} v{s.version}, persona {s.persona.id}")
        span = f'COLSPAN="{len(keys)}" ALIGN="LEFT"'
        return _Html(
            '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="4" CELLPADDING="3">'
            f"<TR><TD {span}><B>{title}</B></TD></TR>"
            f"<TR>{''.join(keys)}</TR>"
            f'<TR><TD {span}><FONT POINT-SIZE="9">option: number. text · mood · scores, as written in the file '
            "(before the persona scales the mood or reacts)</FONT></TD></TR>"
            "</TABLE>>"
        )

    def look(self, name: str, line: str, fill: str) -> dict[str, str | float]:
        """Colours and line style of a node or an ending."""
        if name not in self.reached:
            return {
                "color": UNREACHABLE_COLOUR,
                "fontcolor": UNREACHABLE_COLOUR,
                "fillcolor": "white",
                "style": "rounded,filled,dashed",
            }
        if name in self.lit:
            return {"color": HIGHLIGHT_COLOUR, "fillcolor": fill, "penwidth": 3}
        return {"color": line, "fillcolor": fill}

    def label(self, name: str, label: str) -> _Html:
        if name in self.reached:
            return _Html(f"<{label}>")
        return _Html(f'<<FONT COLOR="{UNREACHABLE_COLOUR}">{label}<BR/><B>unreachable</B></FONT>>')

    def node(self, node_id: str, node) -> str:
        label = f"<B>{_escape(node_id)}</B>"
        if node_id == self.start:
            label += '  <FONT POINT-SIZE="9">▶ start</FONT>'
        label += '<BR/><FONT POINT-SIZE="10">' + _html_lines(f"“{cut(node.customer[0], NODE_CUT)}”", NODE_WIDTH)
        if len(node.customer) > 1:
            more = len(node.customer) - 1
            label += f"<BR/><I>+{more} variant{'s' * (more > 1)}</I>"
        label += "</FONT>"
        return quote(node_id) + _attrs(
            label=self.label(node_id, label),
            tooltip="\n".join(node.customer),
            peripheries=2 if node_id == self.start else None,
            **self.look(node_id, *NODE_COLOURS),
        )

    def ending(self, ending_id: str, outcome: str, customer: Sequence[str], title: str = "", when: str = "") -> str:
        title = title or ending_id
        label = f"<B>{_escape(title)}</B>"
        if when:
            label += f'<BR/><FONT POINT-SIZE="9">{_escape(when)}</FONT>'
        if outcome != title:
            label += f'<BR/><FONT POINT-SIZE="9">outcome: <B>{_escape(outcome)}</B></FONT>'
        label += '<BR/><FONT POINT-SIZE="9">' + _html_lines(f"“{cut(customer[0], 70)}”", NODE_WIDTH) + "</FONT>"
        look = self.look(ending_id, *OUTCOME_COLOURS[outcome])
        look["style"] = str(look.get("style", "filled")).replace("rounded,", "")
        look.setdefault("penwidth", 1.5)
        return quote(ending_id) + _attrs(
            label=self.label(ending_id, label),
            shape="octagon" if ending_id == BREAKING_POINT else "ellipse",
            margin="0.05,0.03",
            tooltip="\n".join(customer),
            **look,
        )

    def option(self, node_id: str, index: int, option) -> str:
        number = f"{index + 1}."
        label = f"<B>{number}</B> " + _html_lines(cut(option.text, OPTION_CUT), OPTION_WIDTH)
        changes = _changes(option)
        if changes:
            label += "<BR/>" + _html_parts(changes, OPTION_WIDTH + 6)
        tooltip = [f"{number} {option.text}", " · ".join(changes), f"feedback: {option.feedback}"]
        look: dict[str, str | float] = {}
        if option.breach is not None:
            breach = _html_lines(cut(option.breach, 40), OPTION_WIDTH)
            label = f'<FONT COLOR="{BREACH_COLOUR}">{label}<BR/><B>breach:</B> {breach}</FONT>'
            tooltip.append(f"breach: {option.breach}")
            look.update(color=BREACH_COLOUR, penwidth=2.2, style="bold")
        if node_id not in self.reached or option.next not in self.reached:
            look.update(color=UNREACHABLE_COLOUR, fontcolor=UNREACHABLE_COLOUR, style="dashed")
        if (node_id, index) in self.lit_options:
            look.update(color=HIGHLIGHT_COLOUR, fontcolor=HIGHLIGHT_COLOUR, penwidth=4, weight=3)
        return f"{quote(node_id)} -> {quote(option.next)}" + _attrs(
            label=_Html(f"<{label}>"), tooltip="\n".join(filter(None, tooltip)), **look
        )


# ---------------------------------------------------------------- SVG


def to_svg(
    scenario: Scenario, highlight: Highlight = None, *, rankdir: Rankdir = "TB", timeout: float = DOT_TIMEOUT
) -> str:
    """The diagram as an SVG document that scales to its container's width (see ``to_dot``)."""
    return render_svg(to_dot(scenario, highlight, rankdir=rankdir), timeout=timeout)


def render_svg(dot: str, *, timeout: float = DOT_TIMEOUT) -> str:
    """Run Graphviz's ``dot`` on DOT text; the SVG without prolog, ready to inline in HTML."""
    program = shutil.which("dot")
    if program is None:
        raise LabError(
            "drawing a diagram needs Graphviz's 'dot' program, which is not installed: "
            "apt-get install -y graphviz (or write the DOT text with --dot)"
        )
    try:
        done = subprocess.run(
            [program, "-Tsvg"], input=dot.encode("utf-8"), capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise LabError(f"Graphviz's dot took longer than {timeout:g} s to draw the diagram and was stopped") from None
    except OSError as exc:
        raise LabError(f"cannot run Graphviz's dot ({program}): {exc.strerror or exc}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}"
        raise LabError(f"Graphviz's dot could not draw the diagram: {message}")
    return responsive(done.stdout.decode("utf-8"))


_SIZE = re.compile(r'\s(width|height)="([\d.]+)pt"')


def responsive(svg: str) -> str:
    """Drop the XML prolog and let the drawing fill its container's width.

    It grows no larger than its natural size, and shrinks no smaller than ``MIN_SCALE`` of
    it: below that the labels of a long scenario are too small to read, so the box around
    it (``Diagram.html``) scrolls instead.
    """
    start = svg.find("<svg")
    if start < 0:
        raise LabError("Graphviz's dot wrote no <svg> element")
    svg = svg[start:]
    end = svg.index(">")
    tag = svg[:end]
    width = dict(_SIZE.findall(tag)).get("width")
    tag = _SIZE.sub("", tag)
    style = "height:auto"
    if width:
        style = f"max-width:{width}pt;min-width:{float(width) * MIN_SCALE:.0f}pt;{style}"
    tag += f' width="100%" style="{style}" class="rp-diagram" role="img"'
    return tag + svg[end:]


class Diagram:
    """A scenario diagram a notebook shows inline, offline, in JupyterLab and in Voila.

    ``Diagram(scenario)`` as a cell's last line displays it; ``.html`` is the markup for an
    ``ipywidgets.HTML`` (every text in it is escaped); ``.widget()`` builds that widget.

    Args:
        scenario: the scenario to draw (a draft with unreachable parts is drawn too).
        highlight: a path to mark: ``"best"``, ``"worst"``, ``"shortest"``, or option numbers (1-based).
        rankdir: ``"TB"`` (top to bottom) or ``"LR"`` (left to right).
    """

    def __init__(self, scenario: Scenario, highlight: Highlight = None, *, rankdir: Rankdir = "TB") -> None:
        self.scenario = scenario
        self.highlight = highlight
        self.rankdir = rankdir

    def __repr__(self) -> str:
        return f"Diagram({self.scenario.id!r}, highlight={self.highlight!r})"

    @cached_property
    def dot(self) -> str:
        return to_dot(self.scenario, self.highlight, rankdir=self.rankdir)

    @cached_property
    def svg(self) -> str:
        return render_svg(self.dot)

    @property
    def html(self) -> str:
        return f'<div class="rp-diagram-box" style="overflow-x:auto">{self.svg}</div>'

    def _repr_svg_(self) -> str:
        return self.svg

    def _repr_html_(self) -> str:
        # Inline, not as an <img> (JupyterLab's SVG renderer): tooltips show the full texts.
        return self.html

    def widget(self):
        import ipywidgets

        box = ipywidgets.HTML(self.html, layout=ipywidgets.Layout(width="100%"))
        box.add_class("rp-diagram")
        return box
