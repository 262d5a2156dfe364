"""`roleplay validate` on broken scenario files: the exact message, line and column for each mistake.

Every case starts from MINI, a small sound scenario (3 nodes, 3 endings, the shipped
personas next to it), breaks it in one way a trainer might, and states exactly what
`roleplay validate` must print: ``file:line:col: message (path)``. Line numbers below are
those of MINI as written here (see the numbered comments); a case that inserts lines says so.

The expectations are what a trainer needs, not what the code happens to print: each message
says what is wrong and what to fix, on the line that has to change.
"""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from simulator import LabError, Problem, ScenarioError, ScenarioErrors, check_paths, load_scenario, parse_scenario
from simulator.cli import main

REPO = Path(__file__).resolve().parents[2]
PERSONAS = REPO / "scenarios" / "personas"
KNOWN_PERSONAS = [p.stem for p in PERSONAS.glob("*.yaml")]

# fmt: off
MINI = """\
schema_version: 1
id: mini-refund
version: 1
title: A small refund
language: en
persona: indecisive
feedback: practice
briefing: A customer wants a refund for a kettle.
customer:
  name: Ada Lane
  context: Bought a kettle last week.
competencies:
  empathy: {weight: 2}
  ownership: {weight: 1}
pass_mark: 60
start: opening
nodes:
  opening:
    customer: I want my money back.
    options:
      - text: I'm sorry to hear that. What happened?
        scores: {empathy: 2}
        mood: 10
        feedback: Asking first shows you care.
        next: details
      - text: Please read our refund policy.
        scores: {empathy: -1}
        mood: -10
        feedback: Pointing at the policy sounds cold.
        next: lost
  details:
    customer: The kettle leaks.
    options:
      - text: I will arrange the refund myself today.
        scores: {ownership: 2}
        mood: 10
        feedback: You took ownership.
        next: confirm
      - text: Please call the manufacturer.
        scores: {ownership: -1}
        mood: -5
        feedback: Passing the customer on.
        next: follow_up
  confirm:
    customer: So I get my money back?
    options:
      - text: Yes, within three days.
        scores: {ownership: 1}
        feedback: A clear next step.
        next: resolved
      - text: Probably, I think.
        feedback: Vague.
        next: follow_up
endings:
  resolved:
    outcome: resolved
    customer: Thank you, that's all I wanted.
  follow_up:
    outcome: follow_up
    customer: I'll call again tomorrow then.
  lost:
    outcome: lost
    customer: Goodbye.
tests:
  - name: the best path
    replies: [1, 1, 1]
    ending: resolved
    outcome: resolved
    passed: true
"""
# fmt: on
# Landmarks in MINI (1-based lines): 1 schema_version, 4 title, 6 persona, 10 customer.name,
# 11 customer.context, 13 competencies.empathy, 14 competencies.ownership, 15 pass_mark,
# 16 start, 18 node opening, 22 its first option's scores, 24 its feedback, 30 next: lost,
# 31 node details, 32 its customer line, 34 its first option, 38 next: confirm,
# 44 node confirm, 48 scores: {ownership: 1}, 50 next: resolved, 51 second option,
# 52 feedback: Vague., 54 endings, 55 resolved, 58 follow_up, 59 its outcome, 61 lost,
# 66 tests[0].replies, 67 tests[0].ending; 69 lines in all.


def line_of(text: str, needle: str) -> int:
    """1-based line of the one line of text that contains needle."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) == 1, f"{needle!r} is on lines {hits}"
    return hits[0]


def test_landmarks_in_mini_are_where_the_table_says():
    """The table's line numbers lean on MINI's layout; this pins it down."""
    assert len(MINI.splitlines()) == 69
    assert line_of(MINI, "scores: {empathy: 2}") == 22
    assert line_of(MINI, "  details:") == 31
    assert line_of(MINI, "next: confirm") == 38
    assert line_of(MINI, "  confirm:") == 44
    assert line_of(MINI, "next: resolved") == 50
    assert line_of(MINI, "feedback: Vague.") == 52
    assert line_of(MINI, "  lost:") == 61
    assert line_of(MINI, "replies: [1, 1, 1]") == 66


def edit(*changes: tuple[str, str], text: str = MINI) -> str:
    """MINI with each old text (which must occur exactly once) replaced by the new one."""
    for old, new in changes:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return text


def billion_laughs() -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 10)}]")
    return "\n".join(lines) + "\n"


def ten_megabytes() -> bytes:
    head = MINI.encode()
    filler = b"# " + b"padding " * 12 + b"\n"
    body = head + filler * ((10_000_000 - len(head)) // len(filler))
    return body + b"#" * (10_000_000 - len(body) - 1) + b"\n"


@dataclass(frozen=True)
class Want:
    """One line `roleplay validate` must print; None for a column or path the test leaves open."""

    line: int
    col: int | None
    message: str
    path: str | None = ""

    def render(self, file: str) -> str:
        col = "<any>" if self.col is None else str(self.col)
        where = "" if not self.path else f" ({self.path})"
        if self.path is None:
            where = " <any>"
        return f"{file}:{self.line}:{col}: {self.message}{where}"

    def matches(self, file: str, printed: str) -> bool:
        pattern = re.escape(f"{file}:{self.line}:") + (r"\d+" if self.col is None else re.escape(str(self.col)))
        pattern += re.escape(f": {self.message}")
        pattern += r"( \(.*\))?" if self.path is None else re.escape(f" ({self.path})" if self.path else "")
        return re.fullmatch(pattern, printed) is not None


Content = str | bytes | Callable[[], str | bytes]

# The messages a trainer should see for plain YAML mistakes: what is wrong in words a
# non-programmer knows, and what to do about it, on the line to fix.
UNCLOSED_BRACE = "YAML syntax error: this '{' is never closed — add the missing '}'"
UNCLOSED_BRACKET = "YAML syntax error: this '[' is never closed — add the missing ']'"
UNCLOSED_QUOTE = "YAML syntax error: this quote is never closed — add the missing '\"'"
BAD_INDENT = (
    "YAML syntax error: this line is not indented like the lines above it — "
    "line it up with the other fields at its level, using spaces"
)
STRAY_COLON = (
    "YAML syntax error: unexpected ': ' — put a text that contains ': ' in quotes, or check this line's indentation"
)
TAB = "a tab character: YAML indents with spaces only — replace the tab with spaces"
PYTHON_TAG = (
    "could not determine a constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system': "
    "scenario files are plain data; tags like !!python are not allowed"
)
NOT_A_MAPPING = "the file must be a YAML mapping (field: value lines)"
ID_RULE = "use lower-case letters, digits, '_' and '-', starting with a letter"
EXTRA_DETAILS_NODE = "  details:\n    customer: Again?\n    options:\n      - text: Sure.\n        feedback: Fine.\n"
EXTRA_DETAILS_NODE += "        next: resolved\nendings:\n"

CASES = [
    # ------------------------------------------------------------ the file as YAML
    pytest.param(
        edit(("scores: {empathy: 2}", "scores: {empathy: 2")),
        [Want(22, 17, UNCLOSED_BRACE)],
        id="yaml-unclosed-brace",
    ),
    pytest.param(
        edit(("replies: [1, 1, 1]", "replies: [1, 1, 1")),
        [Want(66, 14, UNCLOSED_BRACKET)],
        id="yaml-unclosed-bracket",
    ),
    pytest.param(
        edit(("feedback: Vague.", 'feedback: "Vague.')),
        [Want(52, 19, UNCLOSED_QUOTE)],
        id="yaml-unclosed-quote",
    ),
    pytest.param(
        edit(("        mood: 10\n        feedback: Asking", "        mood: 10\n       feedback: Asking")),
        [Want(24, 8, BAD_INDENT)],
        id="yaml-bad-indentation",
    ),
    pytest.param(
        edit(("  context: Bought", "    context: Bought")),
        [Want(11, 12, STRAY_COLON)],
        id="yaml-field-indented-under-its-sibling",
    ),
    pytest.param(
        edit(("feedback: Vague.", "feedback: Vague: no date given.")),
        [Want(52, 24, STRAY_COLON)],
        id="yaml-colon-in-unquoted-text",
    ),
    pytest.param(
        edit(("    customer: The kettle leaks.", "\tcustomer: The kettle leaks.")),
        [Want(32, 1, TAB)],
        id="yaml-tab-indentation",
    ),
    pytest.param(
        edit(("title: A small refund", 'title: !!python/object/apply:os.system ["touch pwned"]')),
        [Want(4, 8, PYTHON_TAG, "title")],
        id="python-object-tag",
    ),
    pytest.param(
        edit(("name: Ada Lane", "name: Zoë Lane")).encode("latin-1"),
        [Want(10, 11, "the file is not UTF-8 (byte 0xeb); save it as UTF-8 in your editor")],
        id="not-utf8",
    ),
    pytest.param(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        [Want(1, 1, "this is a binary file, not a YAML text file")],
        id="binary-nul-bytes",
    ),
    pytest.param("", [Want(1, 1, "the file is empty")], id="empty-file"),
    pytest.param("# yaml-language-server: $schema=x\n\n", [Want(1, 1, "the file is empty")], id="only-a-comment"),
    pytest.param(
        ten_megabytes,
        [
            Want(
                1,
                1,
                "the file is 10.0 MB; a scenario file may be at most 1 MB — split it or remove what is not needed",
            )
        ],
        id="ten-megabytes",
    ),
    pytest.param(
        MINI + "---\n" + MINI,
        [Want(70, 1, "the file holds more than one YAML document (a '---' line); keep one scenario per file")],
        id="two-documents",
    ),
    pytest.param("- schema_version: 1\n- id: mini-refund\n", [Want(1, 1, NOT_A_MAPPING)], id="list-at-top-level"),
    pytest.param("just some words\n", [Want(1, 1, NOT_A_MAPPING)], id="text-at-top-level"),
    # Line 6 is where the aliases expand past the limit; line 1 holds only plain values.
    pytest.param(
        billion_laughs,
        [Want(6, None, "the document expands to too many values (aliases?)", None)],
        id="billion-laughs",
    ),
    pytest.param(
        "a: " + "[" * 60 + "]" * 60 + "\n",
        [Want(1, 44, "the document nests too deeply")],
        id="nested-too-deeply",
    ),
    # ------------------------------------------------------------ the schema
    pytest.param(
        edit(("schema_version: 1", "schema_version: 2")),
        [
            Want(
                1,
                17,
                "schema_version 2 is not known to this version of the lab; it reads schema_version 1",
                "schema_version",
            )
        ],
        id="schema-version-2",
    ),
    pytest.param(
        edit(("title: A small refund\n", "")),
        [Want(1, 1, "missing required field 'title'")],
        id="missing-title",
    ),
    pytest.param(
        edit(("        feedback: Vague.\n", "")),
        [Want(51, 9, "missing required field 'feedback'", "nodes.confirm.options[1]")],
        id="missing-option-feedback",
    ),
    pytest.param(
        edit(("        next: confirm", "        nxt: confirm")),
        # one problem, not two: the misspelling explains the missing field
        [Want(38, 9, "unknown field 'nxt' — did you mean 'next'?", "nodes.details.options[0].nxt")],
        id="misspelt-field-nxt",
    ),
    pytest.param(
        edit(("outcome: follow_up\n    customer", "outcome: folow_up\n    customer")),
        [
            Want(
                59,
                14,
                "'folow_up' is not one of: resolved, follow_up, escalated, lost — did you mean 'follow_up'?",
                "endings.follow_up.outcome",
            )
        ],
        id="misspelt-outcome",
    ),
    pytest.param(
        edit(("mood: -5", "mood: lots")),
        [Want(41, 15, "expected a whole number, got 'lots'", "nodes.details.options[1].mood")],
        id="mood-not-a-number",
    ),
    pytest.param(
        edit(("id: mini-refund", "id: mini_refund")),
        [Want(2, 5, "'mini_refund' is not a valid id: use lower-case letters, digits and '-'", "id")],
        id="scenario-id-with-underscore",
    ),
    pytest.param(
        edit(("  confirm:\n", "  Confirm:\n"), ("next: confirm", "next: Confirm")),
        [
            Want(38, 15, f"'Confirm' is not a valid id: {ID_RULE}", "nodes.details.options[0].next"),
            Want(44, 3, f"'Confirm' is not a valid id: {ID_RULE}", "nodes.Confirm"),
        ],
        id="node-id-with-capital",
    ),
    # ------------------------------------------------------------ names
    pytest.param(
        edit(("endings:\n", EXTRA_DETAILS_NODE)),
        [
            Want(
                54,
                3,
                "duplicate key 'details' (first defined on line 31); ids must be unique — rename or merge one of them",
                "nodes.details",
            )
        ],
        id="duplicate-node-key",
    ),
    pytest.param(
        edit(("endings:\n", "endings:\n  confirm:\n    outcome: resolved\n    customer: Fine.\n")),
        [Want(55, 3, "duplicate id 'confirm': it names a node and an ending; rename one", "endings.confirm")],
        id="node-id-is-also-an-ending-id",
    ),
    pytest.param(
        edit(("  lost:\n", "  breaking_point:\n"), ("next: lost", "next: breaking_point")),
        [
            Want(
                61,
                3,
                "'breaking_point' is reserved for the persona's break-off; choose another id",
                "endings.breaking_point",
            )
        ],
        id="reserved-ending-id",
    ),
    pytest.param(
        edit(("next: resolved", "next: resolve")),
        [
            Want(
                50,
                15,
                "'resolve' is not a node or an ending — did you mean 'resolved'?",
                "nodes.confirm.options[0].next",
            )
        ],
        id="dangling-next-did-you-mean",
    ),
    pytest.param(
        edit(("persona: indecisive", "persona: indecisve")),
        [Want(6, 10, "unknown persona 'indecisve' — did you mean 'indecisive'?", "persona")],
        id="unknown-persona-did-you-mean",
    ),
    pytest.param(
        edit(("persona: indecisive", "persona: nobody")),
        [Want(6, 10, "unknown persona 'nobody' — known personas: " + ", ".join(sorted(KNOWN_PERSONAS)), "persona")],
        id="unknown-persona-lists-known",
    ),
    pytest.param(
        edit(("scores: {ownership: 1}", "scores: {ownership: 1, empaty: 1}")),
        [
            Want(
                48,
                32,
                "competency 'empaty' is not declared in this scenario — did you mean 'empathy'?",
                "nodes.confirm.options[0].scores.empaty",
            )
        ],
        id="undeclared-competency-did-you-mean",
    ),
    pytest.param(
        edit(("scores: {ownership: 1}", "scores: {ownership: 1, closing: 1}")),
        [
            Want(
                48,
                32,
                "competency 'closing' is not declared in this scenario — declare it under competencies:",
                "nodes.confirm.options[0].scores.closing",
            )
        ],
        id="undeclared-competency-from-catalogue",
    ),
    pytest.param(
        MINI.replace("ownership", "ownersip"),
        [Want(14, 3, "unknown competency 'ownersip' — did you mean 'ownership'?", "competencies.ownersip")],
        id="unknown-competency-did-you-mean",
    ),
    pytest.param(
        MINI.replace("ownership", "complaint_logging"),
        [
            Want(
                14,
                3,
                "unknown competency 'complaint_logging' — give it a title to declare a new competency",
                "competencies.complaint_logging",
            )
        ],
        id="new-competency-without-title",
    ),
    pytest.param(
        edit(("start: opening", "start: openin")),
        [Want(16, 8, "start node 'openin' does not exist — did you mean 'opening'?", "start")],
        id="start-node-missing",
    ),
    pytest.param(
        edit(("    ending: resolved\n", "    ending: resolve\n")),
        [Want(67, 13, "'resolve' is not an ending — did you mean 'resolved'?", "tests[0].ending")],
        id="path-test-unknown-ending",
    ),
    pytest.param(
        MINI + "  - name: the best path\n    replies: [1, 2]\n    ending: follow_up\n",
        [Want(70, 11, "duplicate test name 'the best path'", "tests[1].name")],
        id="path-test-duplicate-name",
    ),
    # ------------------------------------------------------------ the graph
    pytest.param(
        edit(("next: details", "next: confirm")),
        [
            Want(
                31,
                3,
                "node 'details' is unreachable: no option leads to it — link it with some option's next:, or remove it",
                "nodes.details",
            )
        ],
        id="unreachable-node",
    ),
    pytest.param(
        # confirm loops on itself: neither of its options leads anywhere else
        edit(
            ("next: resolved", "next: confirm"), ("        next: follow_up\nendings", "        next: confirm\nendings")
        ),
        [
            Want(
                44,
                3,
                "node 'confirm' has no way forward: no chain of options from it reaches an ending",
                "nodes.confirm",
            ),
            Want(55, 3, "ending 'resolved' is never reached: no option leads to it", "endings.resolved"),
        ],
        id="loop-with-no-exit",
    ),
    pytest.param(
        edit(("next: lost", "next: follow_up")),
        [Want(61, 3, "ending 'lost' is never reached: no option leads to it", "endings.lost")],
        id="ending-never-reached",
    ),
    pytest.param(
        # indecisive: mood 50, loss 1.2, breaks off at 10 — a -50 reply breaks off before 'lost'
        edit(("        mood: -10\n        feedback: Pointing", "        mood: -50\n        feedback: Pointing")),
        [
            Want(
                61,
                3,
                "ending 'lost' is never reached: every path towards it breaks off first (mood or max_turns)",
                "endings.lost",
            )
        ],
        id="ending-only-behind-the-breaking-point",
    ),
    pytest.param(
        edit(("start: opening", "start: opening\nmax_turns: 2")),
        [
            Want(
                45,
                3,
                "node 'confirm' is never reached: every path towards it breaks off first (mood or max_turns)",
                "nodes.confirm",
            ),
            Want(
                56,
                3,
                "ending 'resolved' is never reached: every path towards it breaks off first (mood or max_turns)",
                "endings.resolved",
            ),
        ],
        id="max-turns-cuts-the-conversation",
    ),
    pytest.param(
        # The cold reply earns more ownership (4) than the best path (3), so no one path earns everything:
        # the best path scores (2 * 100 + 75) / 3 = 91.7.
        edit(("pass_mark: 60", "pass_mark: 100"), ("scores: {empathy: -1}", "scores: {ownership: 4}")),
        [Want(15, 12, "no path reaches the pass mark 100: the best path scores 91.7", "pass_mark")],
        id="pass-mark-out-of-reach",
    ),
    pytest.param(
        edit(("scores: {empathy: 2}", "scores: {empathy: 0}")),
        [
            Want(
                13,
                3,
                "no path earns any 'empathy' points: give some option a positive score for it, or remove it",
                "competencies.empathy",
            )
        ],
        id="competency-no-path-earns",
    ),
]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty scenario folder with the shipped personas, as the working directory."""
    shutil.copytree(PERSONAS, tmp_path / "personas")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(folder: Path, name: str, content: Content) -> Path:
    if callable(content):
        content = content()
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def validate(*paths: str) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = main(["validate", *paths], stdout=out)
    return code, out.getvalue().splitlines()


def summary(problems: int, files: int = 1, sound: int = 0) -> str:
    return (
        f"{problems} problem{'s' * (problems != 1)} in {files} file{'s' * (files != 1)}; "
        f"{sound} scenario{'s' * (sound != 1)} sound"
    )


def assert_printed(file: str, printed: list[str], wanted: list[Want]) -> None:
    expected = [w.render(file) for w in wanted]
    assert len(printed) == len(wanted), "\n".join(["expected:", *expected, "printed:", *printed])
    for want, line in zip(wanted, printed, strict=True):
        assert want.matches(file, line), f"\nexpected: {want.render(file)}\nprinted:  {line}"


def test_mini_scenario_is_sound(workdir: Path):
    write(workdir, "mini.yaml", MINI)
    code, lines = validate("mini.yaml")
    assert (code, lines) == (0, ["ok  mini.yaml  (mini-refund v1: 3 decision points, 3 endings)"])


@pytest.mark.parametrize(("content", "wanted"), CASES)
def test_validate_names_line_and_fix(workdir: Path, capsys: pytest.CaptureFixture[str], content, wanted):
    write(workdir, "mini.yaml", content)

    scenarios, problems = check_paths(["mini.yaml"])
    assert scenarios == []
    assert all(isinstance(p, Problem) and p.file == "mini.yaml" for p in problems)
    assert_printed("mini.yaml", [str(p) for p in problems], wanted)

    code, lines = validate("mini.yaml")
    assert code == 1
    assert_printed("mini.yaml", lines[:-1], wanted)
    assert lines[-1] == summary(len(wanted))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert captured.err == ""


def test_python_tag_is_never_run(workdir: Path):
    write(
        workdir, "mini.yaml", edit(("title: A small refund", 'title: !!python/object/apply:os.system ["touch pwned"]'))
    )
    with pytest.raises(ScenarioErrors):
        load_scenario("mini.yaml")
    code, _ = validate("mini.yaml")
    assert code == 1
    assert not (workdir / "pwned").exists()


def test_a_new_competency_with_a_title_is_accepted(workdir: Path):
    text = MINI.replace("ownership: {weight: 1}", "ownership: {weight: 1, title: Owning the case}").replace(
        "ownership", "complaint_logging"
    )
    write(workdir, "mini.yaml", text)
    scenario = load_scenario("mini.yaml")
    assert scenario.competency_title("complaint_logging") == "Owning the case"


# ---------------------------------------------------------------- many problems at once


def test_three_schema_problems_are_reported_together(workdir: Path):
    text = edit(
        ("persona: indecisive\n", "persona: indecisive\nlanguge: en\n"),  # inserts line 7: later lines move by 1
        ("outcome: follow_up\n    customer", "outcome: folow_up\n    customer"),
        ("mood: -5", "mood: lots"),
    )
    write(workdir, "mini.yaml", text)
    code, lines = validate("mini.yaml")
    assert code == 1
    assert lines == [
        "mini.yaml:7:1: unknown field 'languge' — did you mean 'language'? (languge)",
        "mini.yaml:42:15: expected a whole number, got 'lots' (nodes.details.options[1].mood)",
        "mini.yaml:60:14: 'folow_up' is not one of: resolved, follow_up, escalated, lost — did you mean 'follow_up'? "
        "(endings.follow_up.outcome)",
        summary(3),
    ]


def test_three_graph_problems_are_reported_together(workdir: Path):
    text = edit(
        ("start: opening", "start: openin"),
        ("scores: {ownership: 1}", "scores: {ownership: 1, empaty: 1}"),
        ("next: resolved", "next: resolve"),
    )
    write(workdir, "mini.yaml", text)
    code, lines = validate("mini.yaml")
    assert code == 1
    assert lines == [
        "mini.yaml:16:8: start node 'openin' does not exist — did you mean 'opening'? (start)",
        "mini.yaml:48:32: competency 'empaty' is not declared in this scenario — did you mean 'empathy'? "
        "(nodes.confirm.options[0].scores.empaty)",
        "mini.yaml:50:15: 'resolve' is not a node or an ending — did you mean 'resolved'? "
        "(nodes.confirm.options[0].next)",
        summary(3),
    ]


def test_problems_of_different_kinds_are_reported_together(workdir: Path):
    """A misspelt field, an unknown persona and a dangling next: all three in one run, not one per run."""
    text = edit(
        ("persona: indecisive\n", "persona: indecisve\nlanguge: en\n"),  # inserts line 7: later lines move by 1
        ("next: resolved", "next: resolve"),
    )
    write(workdir, "mini.yaml", text)
    code, lines = validate("mini.yaml")
    assert code == 1
    assert lines == [
        "mini.yaml:6:10: unknown persona 'indecisve' — did you mean 'indecisive'? (persona)",
        "mini.yaml:7:1: unknown field 'languge' — did you mean 'language'? (languge)",
        "mini.yaml:51:15: 'resolve' is not a node or an ending — did you mean 'resolved'? "
        "(nodes.confirm.options[0].next)",
        summary(3),
    ]


def test_problems_in_several_files_are_all_reported(workdir: Path):
    write(workdir, "a.yaml", edit(("next: resolved", "next: resolve")))
    write(workdir, "b.yaml", "")
    write(workdir, "c.yaml", MINI.replace("mini-refund", "mini-sound"))
    code, lines = validate(".")
    assert code == 1
    assert lines == [
        "a.yaml:50:15: 'resolve' is not a node or an ending — did you mean 'resolved'? (nodes.confirm.options[0].next)",
        "b.yaml:1:1: the file is empty",
        summary(2, files=2, sound=1),
    ]


# ---------------------------------------------------------------- the API behind it


def test_load_scenario_raises_every_problem_with_file_line_column_path(workdir: Path):
    write(workdir, "mini.yaml", edit(("start: opening", "start: openin"), ("next: resolved", "next: resolve")))
    with pytest.raises(ScenarioErrors) as caught:
        load_scenario(workdir / "mini.yaml")
    exc = caught.value
    assert isinstance(exc, ScenarioError) and isinstance(exc, LabError)
    assert exc.problems == [
        Problem("mini.yaml", 16, 8, "start", "start node 'openin' does not exist — did you mean 'opening'?"),
        Problem(
            "mini.yaml",
            50,
            15,
            "nodes.confirm.options[0].next",
            "'resolve' is not a node or an ending — did you mean 'resolved'?",
        ),
    ]
    assert exc.problem == exc.problems[0]
    assert (exc.file, exc.line) == ("mini.yaml", 16)
    assert str(exc).splitlines() == [str(p) for p in exc.problems]
    assert str(exc.problems[1]) == (
        "mini.yaml:50:15: 'resolve' is not a node or an ending — did you mean 'resolved'? "
        "(nodes.confirm.options[0].next)"
    )


def test_load_scenario_of_a_missing_file(workdir: Path):
    with pytest.raises(ScenarioErrors) as caught:
        load_scenario("nowhere.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "nowhere.yaml:1:1: cannot read the file: No such file or directory"
    ]


def test_parse_scenario_names_the_file_it_is_given():
    with pytest.raises(ScenarioErrors) as caught:
        parse_scenario(edit(("next: resolved", "next: resolve")), "inline.yaml", personas_dir=PERSONAS)
    assert [(p.file, p.line, p.column, p.location) for p in caught.value.problems] == [
        ("inline.yaml", 50, 15, "nodes.confirm.options[0].next")
    ]


def test_duplicate_scenario_id_across_files(workdir: Path):
    write(workdir, "first.yaml", MINI)
    write(workdir, "second.yaml", MINI)
    scenarios, problems = check_paths(["first.yaml", "second.yaml"])
    assert [s.id for s in scenarios] == ["mini-refund"]
    assert problems == [Problem("second.yaml", 2, 5, "id", "duplicate scenario id 'mini-refund' (also in first.yaml)")]
    code, lines = validate(".")
    assert code == 1
    assert lines == [
        "second.yaml:2:5: duplicate scenario id 'mini-refund' (also in first.yaml) (id)",
        summary(1, sound=1),
    ]


def test_a_broken_persona_is_reported_in_the_persona_file(workdir: Path):
    persona = workdir / "personas" / "indecisive.yaml"
    persona.write_text(persona.read_text(encoding="utf-8").replace("  gain:", "  gian:"), encoding="utf-8")
    write(workdir, "mini.yaml", MINI)
    gian = line_of(persona.read_text(encoding="utf-8"), "gian:")
    code, lines = validate("mini.yaml")
    assert code == 1
    assert lines == [
        f"personas/indecisive.yaml:{gian}:3: unknown field 'gian' — did you mean 'gain'? (mood.gian)",
        summary(1),
    ]


def test_validate_a_missing_path(workdir: Path):
    code, lines = validate("nowhere.yaml")
    assert (code, lines) == (1, ["nowhere.yaml:1:1: no such file or folder", summary(1)])
