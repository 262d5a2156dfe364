"""Scenario diagrams: the DOT text, the SVG Graphviz draws from it, and ``roleplay diagram``.

The SVG is read back with xml.etree, so every test of a text is a test that it was escaped
well enough for Graphviz to draw it and for an XML parser to read it.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter

import pytest
import yaml

from simulator import Diagram, LabError, ScenarioErrors, load_scenario, parse_scenario
from simulator.cli import main
from simulator.core.model import ScenarioModel
from simulator.loading.loader import Scenario
from simulator.studio.diagram import (
    BREACH_COLOUR,
    HIGHLIGHT_COLOUR,
    NODE_WIDTH,
    OPTION_WIDTH,
    OUTCOME_COLOURS,
    UNREACHABLE_COLOUR,
    best_replies,
    cut,
    quote,
    to_dot,
    to_svg,
)

from ..conftest import MINI, SCENARIOS

REPO = SCENARIOS.parent
SHIPPED_FILES = sorted(SCENARIOS.glob("*.yaml"))
SVG = "{http://www.w3.org/2000/svg}"
XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"


# ---------------------------------------------------------------- reading DOT and SVG back

_STATEMENT = re.compile(r'^\s*"((?:[^"\\]|\\.)*)"(?:\s*->\s*"((?:[^"\\]|\\.)*)")?\s*\[(.*)\]\s*$')
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[-\d.]+|<)')


def _attrs(text: str) -> dict[str, str]:
    """Attributes of one DOT statement; an HTML-like label <…> is taken whole, by its brackets."""
    attrs, pos = {}, 0
    while (m := _ATTR.search(text, pos)) is not None:
        name, value = m.group(1), m.group(2)
        if value == "<":
            depth, end = 0, m.start(2)
            for end in range(m.start(2), len(text)):
                depth += {"<": 1, ">": -1}.get(text[end], 0)
                if depth == 0:
                    break
            value, pos = text[m.start(2) : end + 1], end + 1
        else:
            value, pos = value.strip('"'), m.end()
        attrs[name] = value
    return attrs


def dot_statements(dot: str) -> tuple[dict[str, dict], list[tuple[str, str, dict]]]:
    """The nodes (id: attributes) and edges (tail, head, attributes) of DOT text, in order."""
    nodes, edges = {}, []
    for line in dot.splitlines():
        m = _STATEMENT.match(line)
        if m is None:
            continue
        tail, head, attrs = m.group(1), m.group(2), _attrs(m.group(3))
        if head is None:
            nodes[tail] = attrs
        else:
            edges.append((tail, head, attrs))
    return nodes, edges


def _words(element: ET.Element) -> str:
    return " ".join(" ".join(t.text or "" for t in element.iter(f"{SVG}text")).split())


def svg_items(svg: str, kind: str) -> list[tuple[str, str, ET.Element]]:
    """(title, the texts shown, the group) of every <g class=kind> in the SVG."""
    root = ET.fromstring(svg)
    return [(g.find(f"{SVG}title").text, _words(g), g) for g in root.iter(f"{SVG}g") if g.get("class") == kind]


def _mini_data() -> dict:
    return yaml.safe_load(MINI.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- the mini scenario, exactly


MINI_NODES = {
    "opening": "opening ▶ start “Hi, my kettle is broken.” +1 variant",
    "fix": "fix “It stopped working yesterday.”",
    "done": "done outcome: resolved “Thanks!”",
    "lost_it": "lost_it outcome: lost “Goodbye then.”",
    "breaking_point": "breaking point when mood ≤ 10 or after 8 replies outcome: lost “I'm done here.”",
}
MINI_EDGES = [
    ("opening", "fix", "1. I'm sorry to hear that. Tell me more. mood +10 · empathy +2"),
    ("opening", "fix", "2. What do you want? mood -20 · empathy -1"),
    ("opening", "done", "3. Here is a refund. ownership +1"),
    ("fix", "done", "1. I'll send a replacement today. mood +10 · ownership +2"),
    ("fix", "lost_it", "2. Not my problem. mood -30 · ownership -2"),
    ("fix", "fix", "3. Can you repeat that? mood -5"),
    (
        "fix",
        "done",
        "4. Let me read you another customer's address… ownership +1 breach: Disclosed another customer's personal…",
    ),
]


def test_the_mini_dot_has_exactly_its_nodes_endings_and_options(mini):
    nodes, edges = dot_statements(to_dot(mini))
    assert list(nodes) == list(MINI_NODES)
    assert [(tail, head) for tail, head, _ in edges] == [(tail, head) for tail, head, _ in MINI_EDGES]
    assert nodes["opening"]["peripheries"] == "2"  # the start
    assert all("peripheries" not in a for n, a in nodes.items() if n != "opening")
    assert nodes["done"]["fillcolor"] == OUTCOME_COLOURS["resolved"][1]
    assert nodes["lost_it"]["fillcolor"] == OUTCOME_COLOURS["lost"][1]
    assert nodes["breaking_point"]["shape"] == "octagon"
    assert {nodes[e]["shape"] for e in ("done", "lost_it")} == {"ellipse"}
    breach = [a for _, _, a in edges if a.get("color") == BREACH_COLOUR]
    assert len(breach) == 1 and breach[0]["style"] == "bold" and "4." in breach[0]["label"]
    assert "unreachable" not in to_dot(mini)
    assert "highlighted path" not in to_dot(mini)  # the legend names only what is drawn


def test_the_mini_svg_shows_every_label(mini):
    svg = to_svg(mini)
    shown_nodes = {title: words for title, words, _ in svg_items(svg, "node")}
    assert shown_nodes == MINI_NODES
    shown_edges = Counter((title, words) for title, words, _ in svg_items(svg, "edge"))
    assert shown_edges == Counter((f"{tail}->{head}", label) for tail, head, label in MINI_EDGES)


def test_an_edge_tooltip_holds_the_whole_option(mini):
    svg = to_svg(mini)
    breach = next(g for title, words, g in svg_items(svg, "edge") if words.startswith("4."))
    tooltip = next(a.get(XLINK_TITLE) for a in breach.iter(f"{SVG}a"))
    assert tooltip.splitlines() == [
        "4. Let me read you another customer's address for comparison.",
        "ownership +1",
        "feedback: Never disclose another customer's data.",
        "breach: Disclosed another customer's personal data.",
    ]


# ---------------------------------------------------------------- highlighting a path


def test_a_highlighted_path_is_thick(mini):
    nodes, edges = dot_statements(to_dot(mini, [1, 1]))
    lit = [(tail, head, a["label"][:12]) for tail, head, a in edges if a.get("color") == HIGHLIGHT_COLOUR]
    assert lit == [("opening", "fix", "<<B>1.</B> I"), ("fix", "done", "<<B>1.</B> I")]
    assert all(edges[i][2].get("penwidth") == "4" for i in (0, 3))
    assert {n for n, a in nodes.items() if a.get("color") == HIGHLIGHT_COLOUR} == {"opening", "fix", "done"}
    assert "highlighted path" in to_dot(mini, [1, 1])


def test_best_highlights_the_best_path(mini):
    assert best_replies(mini) == [1, 1]
    assert to_dot(mini, "best") == to_dot(mini, [1, 1])


@pytest.mark.parametrize(
    ("replies", "message"),
    [
        ([1, 9], "reply 2 is option 9, but node 'fix' has options 1-4"),
        ([0], "reply 1 is option 0, but node 'opening' has options 1-3"),
        ([3, 1], "the path reaches an ending after 1 replies; 1 more were given"),
        ("worst", "highlight must be 'best' or a list of option numbers"),
    ],
)
def test_a_path_that_does_not_fit_is_a_clear_error(mini, replies, message):
    with pytest.raises(LabError, match=re.escape(message)):
        to_dot(mini, replies)


# ---------------------------------------------------------------- unreachable nodes and endings


@pytest.fixture
def draft(mini) -> Scenario:
    """The mini scenario with a node and an ending nothing leads to: a draft the loader refuses."""
    data = _mini_data()
    data["nodes"]["orphan"] = {
        "customer": "Nobody ever gets here.",
        "options": [
            {"text": "Fine.", "feedback": "-", "next": "done"},
            {"text": "Goodbye.", "feedback": "-", "next": "never"},
        ],
    }
    data["endings"]["never"] = {"outcome": "escalated", "customer": "Never said."}
    with pytest.raises(ScenarioErrors, match="unreachable"):
        parse_scenario(yaml.safe_dump(data, sort_keys=False), personas_dir=MINI.parent / "personas")
    return Scenario(ScenarioModel.model_validate(data), mini.persona, "draft")


def test_unreachable_nodes_and_endings_are_grey_dashed_and_say_so(draft):
    nodes, edges = dot_statements(to_dot(draft))
    for name in ("orphan", "never"):
        assert nodes[name]["color"] == UNREACHABLE_COLOUR
        assert "dashed" in nodes[name]["style"]
        assert "unreachable" in nodes[name]["label"]
    for name in ("opening", "fix", "done", "lost_it", "breaking_point"):
        assert "unreachable" not in nodes[name]["label"]
        assert "dashed" not in nodes[name].get("style", "")
    out_of_orphan = [a for tail, _, a in edges if tail == "orphan"]
    assert len(out_of_orphan) == 2
    assert all(a["style"] == "dashed" and a["color"] == UNREACHABLE_COLOUR for a in out_of_orphan)
    shown = {title: words for title, words, _ in svg_items(to_svg(draft), "node")}
    assert shown["orphan"] == "orphan “Nobody ever gets here.” unreachable"
    assert shown["never"].endswith("unreachable")
    assert sum("unreachable" in words for words in shown.values()) == 2


# ---------------------------------------------------------------- escaping


NASTY_LINE = 'He said "stop" & left <script>alert(1)</script> 😀 zażółć gęślą jaźń C:\\new\\table'
NASTY_OPTION = '"Quoted" <b>bold</b> & \\n stays'


@pytest.fixture
def nasty():
    data = _mini_data()
    data["title"] = '<Tom & Jerry "<script>" ]}>'  # starts with < and ends with >, like an HTML-like label
    data["nodes"]["fix"]["customer"] = "<b>bold</b>"
    data["nodes"]["opening"]["customer"] = [NASTY_LINE, "Line one\nline two </svg>"]
    data["nodes"]["fix"]["options"][0]["text"] = NASTY_OPTION
    data["nodes"]["fix"]["options"][3]["breach"] = "Read out <another> customer's & data ]]>"
    data["endings"]["done"]["customer"] = "Dzięki! 🎉 <img src=x onerror=alert(1)>"
    return parse_scenario(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), personas_dir=MINI.parent / "personas"
    )


def test_every_text_is_escaped_in_dot_and_svg(nasty):
    svg = to_svg(nasty)  # dot accepted the DOT text: it is valid
    root = ET.fromstring(svg)  # and the SVG is well-formed XML
    assert not [e for e in root.iter() if e.tag.split("}")[-1] in ("script", "img", "b", "foreignObject")]
    shown = {title: words for title, words, _ in svg_items(svg, "node")}
    assert shown["opening"] == f"opening ▶ start “{NASTY_LINE}” +1 variant"
    assert shown["done"] == "done outcome: resolved “Dzięki! 🎉 <img src=x onerror=alert(1)>”"
    edges = [words for _, words, _ in svg_items(svg, "edge")]
    assert f"1. {NASTY_OPTION} mood +10 · ownership +2" in edges
    assert any(w.endswith("breach: Read out <another> customer's & data ]]>") for w in edges)
    legend = _words(next(g for g in root.iter(f"{SVG}g") if g.get("class") == "graph"))
    assert legend.startswith('<Tom & Jerry "<script>" ]}> — mini v1, persona steady')
    assert next(a.get(XLINK_TITLE) for a in root.iter(f"{SVG}a")) == '<Tom & Jerry "<script>" ]}>'
    assert shown["fix"] == "fix “<b>bold</b>”"
    tooltips = {title: next(a.get(XLINK_TITLE) for a in g.iter(f"{SVG}a")) for title, _, g in svg_items(svg, "node")}
    assert tooltips["opening"].splitlines() == [NASTY_LINE, "Line one", "line two </svg>"]
    assert tooltips["fix"] == "<b>bold</b>"


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("plain", '"plain"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("two\nlines", '"two\\nlines"'),
        ("a\r\nb", '"a\\nb"'),
        ("<&>", '"&lt;&amp;&gt;"'),
        ("&amp;", '"&amp;amp;"'),
        ("bell\x07 and nul\x00", '"bell and nul"'),
        ("zażółć 😀", '"zażółć 😀"'),
    ],
)
def test_quote_makes_a_dot_string_that_shows_the_text(text, quoted):
    assert quote(text) == quoted


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("  many   spaces\nand a newline ", 40, "many spaces and a newline"),
        ("I'm sorry to hear that, tell me more please", 20, "I'm sorry to hear…"),
        ("Supercalifragilisticexpialidocious", 10, "Supercali…"),
    ],
)
def test_cut_keeps_a_short_text_and_cuts_a_long_one_at_a_word(text, limit, expected):
    assert cut(text, limit) == expected
    assert len(cut(text, limit)) <= limit


# ---------------------------------------------------------------- every shipped scenario


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.stem)
def test_every_shipped_scenario_renders_to_svg(path):
    scenario = load_scenario(path)
    svg = to_svg(scenario, "best")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("width") == "100%" and root.get("height") is None and root.get("viewBox")
    nodes = svg_items(svg, "node")
    titles = [title for title, _, _ in nodes]
    assert sorted(titles) == sorted([*scenario.nodes, *scenario.endings, "breaking_point"])
    edges = svg_items(svg, "edge")
    assert len(edges) == sum(len(node.options) for node in scenario.nodes.values())
    assert not [t for t, words, _ in nodes if "unreachable" in words and t != "breaking_point"]  # validated
    lit = [g for _, _, g in edges if any(p.get("stroke") == HIGHLIGHT_COLOUR for p in g.iter(f"{SVG}path"))]
    assert 1 <= len(lit) <= len(best_replies(scenario))
    # Readable at any length: labels are wrapped into short lines.
    for _, _, g in nodes + edges:
        assert max(len(t.text or "") for t in g.iter(f"{SVG}text")) <= max(NODE_WIDTH, OPTION_WIDTH + 6)


# ---------------------------------------------------------------- in a notebook


def test_a_diagram_displays_inline(mini):
    diagram = Diagram(mini, highlight="best")
    assert diagram._repr_svg_().startswith("<svg")
    assert diagram._repr_html_() == diagram.html
    assert diagram.html.startswith('<div class="rp-diagram-box"') and diagram.svg in diagram.html
    ET.fromstring(diagram.html)  # one well-formed element: safe to put in an ipywidgets.HTML
    widget = diagram.widget()
    assert widget.value == diagram.html and "rp-diagram" in widget._dom_classes
    assert repr(diagram) == "Diagram('mini', highlight='best')"


# ---------------------------------------------------------------- without Graphviz


@pytest.fixture
def no_dot(tmp_path, monkeypatch):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    return empty


def test_without_dot_the_error_says_what_to_install(mini, no_dot):
    with pytest.raises(LabError, match=re.escape("apt-get install -y graphviz")):
        to_svg(mini)
    assert to_dot(mini).startswith('digraph "mini"')  # DOT needs no Graphviz


def test_a_dot_that_hangs_is_stopped(mini, no_dot):
    fake = no_dot / "dot"
    fake.write_text(f"#!{sys.executable}\nimport time\ntime.sleep(30)\n")
    fake.chmod(0o755)
    with pytest.raises(LabError, match=r"took longer than 0\.5 s"):
        to_svg(mini, timeout=0.5)


# ---------------------------------------------------------------- roleplay diagram


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    return main(argv, stdin=io.StringIO(), stdout=out), out.getvalue()


def test_cli_writes_an_svg_file(tmp_path):
    target = tmp_path / "mini.svg"
    code, out = run(["diagram", str(MINI), "--out", str(target)])
    assert code == 0, out
    assert out.strip() == f"wrote {target} (SVG: 2 nodes, 2 endings)"
    assert sorted(t for t, _, _ in svg_items(target.read_text(encoding="utf-8"), "node")) == sorted(MINI_NODES)


def test_cli_writes_dot_with_the_best_path_of_a_scenario_by_id(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    target = tmp_path / "angry.dot"
    code, out = run(["diagram", "angry-late-delivery", "--out", str(target), "--dot", "--highlight", "best"])
    assert code == 0, out
    assert out.strip().endswith("; the best path highlighted)")
    scenario = load_scenario(SCENARIOS / "angry-late-delivery.yaml")
    assert target.read_text(encoding="utf-8") == to_dot(scenario, "best")


def test_cli_highlights_option_numbers_and_writes_to_stdout(capsys):
    code, out = run(["diagram", str(MINI), "--out", "-", "--dot", "--highlight", "1,1"])
    assert code == 0
    assert out == to_dot(load_scenario(MINI), [1, 1])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-scenario", "--out", "{tmp}/x.svg"], "roleplay: no scenario 'no-such-scenario' — known: angry-"),
        (["{mini}", "--out", "{tmp}/missing/x.svg"], "roleplay: cannot write {tmp}/missing/x.svg: No such file"),
        (["{mini}", "--out", "{tmp}"], "roleplay: cannot write {tmp}: Is a directory"),
        (["{mini}", "--out", "{tmp}/x.svg", "--highlight", "3,1"], "roleplay: highlight: the path reaches an ending"),
    ],
)
def test_cli_errors_are_one_line_and_exit_1(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no scenarios/ here: ids come from the lab's own library
    fill = {"tmp": str(tmp_path), "mini": str(MINI)}
    code, out = run(["diagram", *(a.format(**fill) for a in args)])
    err = capsys.readouterr().err
    assert code == 1 and out == ""
    assert err.startswith(message.format(**fill)) and err.count("\n") == 1
    assert not (tmp_path / "x.svg").exists()


def test_cli_without_dot_says_what_to_install(tmp_path, no_dot, capsys):
    code, _ = run(["diagram", str(MINI), "--out", str(tmp_path / "x.svg")])
    assert code == 1
    assert "apt-get install -y graphviz" in capsys.readouterr().err
    assert not (tmp_path / "x.svg").exists()


def test_cli_a_bad_highlight_is_a_usage_mistake(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["diagram", str(MINI), "--out", str(tmp_path / "x.svg"), "--highlight", "1,two"])
    assert exit_.value.code == 2
    assert "expected 'best' or option numbers from 1" in capsys.readouterr().err


def test_cli_as_a_process(tmp_path):
    target = tmp_path / "angry.svg"
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, "-m", "simulator", "diagram", "angry-late-delivery", "--out", str(target)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""
    assert ET.fromstring(target.read_text(encoding="utf-8")).tag == f"{SVG}svg"


def test_cli_finds_a_scenario_id_in_the_library_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ROLEPLAY_SCENARIOS", raising=False)
    code, out = run(["diagram", "angry-late-delivery", "--out", "-", "--dot"])
    assert code == 0
    assert out == to_dot(load_scenario(SCENARIOS / "angry-late-delivery.yaml"))
