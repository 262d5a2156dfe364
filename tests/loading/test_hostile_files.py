"""Files that once took the lab down, leaked a file from outside the library, or were accepted
and broke later: each is now a located problem of its own file, and the rest of the library loads.

The cases start from the mini library (tests/data/mini: mini.yaml and personas/steady.yaml).
Lines of mini.yaml: 1 a comment, 2 schema_version, 3 id, 4 title, 5 language, 6 persona,
7 briefing, 8 customer, 11 empathy, 14 nodes.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.errors import Problem
from simulator.loading import loader
from simulator.loading.loader import check_scenario, load_files, load_library

from ..conftest import MINI

MINI_TEXT = MINI.read_text(encoding="utf-8")
REPO = Path(__file__).resolve().parents[2]


def edit(*changes: tuple[str, str], text: str = MINI_TEXT) -> str:
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the mini library, the working directory (so files print as lib/…)."""
    folder = tmp_path / "lib"
    shutil.copytree(MINI.parent, folder)
    monkeypatch.chdir(tmp_path)
    return folder


def validate(*paths: str) -> tuple[int, list[str], str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["validate", *paths], stdout=out, stderr=err)
    return code, out.getvalue().splitlines(), err.getvalue()


def errors_of(text: str | bytes, library: Path, name: str = "m.yaml") -> list[str]:
    path = library / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    code, lines, err = validate(f"lib/{name}")
    assert err == "" and code == 1, (code, lines, err)
    assert lines[-1].endswith("0 scenarios sound")
    return lines[:-1]


# ---------------------------------------------------------------- 5. one bad file never takes the library down

TAG_CASES = [
    pytest.param(
        ("title: Mini", "title: Mini\nversion: !!int abc"),
        "lib/m.yaml:5:10: 'abc' is not a whole number, as its tag !!int says — write the value without the tag "
        "(version)",
        id="int-tag-on-text",
    ),
    pytest.param(
        ("pass_mark: 70", "pass_mark: !!float seventy"),
        "lib/m.yaml:12:12: 'seventy' is not a number, as its tag !!float says — write the value without the tag "
        "(pass_mark)",
        id="float-tag-on-text",
    ),
    pytest.param(
        ("max_turns: 8", "max_turns: !!bool maybe"),
        "lib/m.yaml:13:12: 'maybe' is not true or false, as its tag !!bool says — write the value without the tag "
        "(max_turns)",
        id="bool-tag-on-text",
    ),
    pytest.param(
        ("max_turns: 8", "max_turns: 1" + "0" * 5000),
        "lib/m.yaml:13:12: '1" + "0" * 79 + "…' is too long a number to read (max_turns)",
        id="a-5000-digit-number",
    ),
    pytest.param(
        ("title: Mini", "title: !!binary aGVsbG8="),
        "lib/m.yaml:4:8: could not determine a constructor for the tag 'tag:yaml.org,2002:binary': "
        "scenario files are plain data; tags like !!python are not allowed (title)",
        id="binary-tag",
    ),
    pytest.param(
        ("persona: steady", "persona: " + "x" * 300),
        "lib/m.yaml:6:10: too long: at most 64 characters, not 300 (persona)",
        id="persona-over-255-characters",
    ),
]


@pytest.mark.parametrize(("change", "wanted"), TAG_CASES)
def test_a_value_python_cannot_make_is_a_located_problem(library: Path, change, wanted):
    assert errors_of(edit(change), library) == [wanted]


def test_a_date_like_title_is_text(library: Path):
    (library / "m.yaml").write_text(edit(("title: Mini", "title: 2024-02-30"), ("id: mini", "id: dated")))
    result = load_files(["lib/m.yaml"])[0]
    assert result.errors == () and result.scenario.title == "2024-02-30"


def test_a_folder_with_broken_files_reports_each_and_loads_the_rest(library: Path):
    (library / "a-int.yaml").write_text(edit(("title: Mini", "title: Mini\nversion: !!int abc"), ("id: mini", "id: a")))
    (library / "b-date.yaml").write_text(edit(("title: Mini", "title: 2024-02-30"), ("id: mini", "id: b")))
    (library / "c-persona.yaml").write_text(edit(("persona: steady", "persona: " + "p" * 300), ("id: mini", "id: c")))
    (library / "d-bool.yaml").write_text(edit(("max_turns: 8", "max_turns: !!bool x"), ("id: mini", "id: d")))
    scenarios, problems = load_library(library)
    assert sorted(scenarios) == ["b", "mini"]
    assert sorted({(p.file, p.line) for p in problems}) == [
        ("lib/a-int.yaml", 5),
        ("lib/c-persona.yaml", 6),
        ("lib/d-bool.yaml", 13),
    ]
    code, lines, err = validate("lib")
    assert (code, err) == (1, "")
    assert [line.split(":")[0] for line in lines[:-1]] == ["lib/a-int.yaml", "lib/c-persona.yaml", "lib/d-bool.yaml"]
    assert lines[-1] == "3 problems in 3 files; 2 scenarios sound"


def test_an_exception_no_check_foresaw_is_a_problem_of_its_file(library: Path, monkeypatch: pytest.MonkeyPatch):
    (library / "other.yaml").write_text(edit(("id: mini", "id: other")))
    real = loader.graph_problems

    def failing(doc, model):
        if model.id == "other":
            raise ValueError("a bug")
        return real(doc, model)

    monkeypatch.setattr(loader, "graph_problems", failing)
    results = {r.file: r for r in load_files([library])}
    assert results["lib/mini.yaml"].ok
    assert [str(p) for p in results["lib/other.yaml"].errors] == [
        "lib/other.yaml:1:1: this file could not be checked (ValueError: 'a bug'); "
        "the lab has a bug here — please report it with the file"
    ]
    result = check_scenario(edit(("id: mini", "id: other")), "x.yaml", personas_dir=library / "personas")
    assert [p.file for p in result.errors] == ["x.yaml"]


# ---------------------------------------------------------------- 6. names a file refers to


def test_an_unknown_matcher_is_located_with_did_you_mean(library: Path):
    text = edit(("max_turns: 8", "max_turns: 8\nmatching: {matcher: lexcal}"))
    assert errors_of(text, library) == [
        "lib/m.yaml:14:21: unknown reply matcher 'lexcal' — did you mean 'lexical'? (matching.matcher)"
    ]
    text = edit(("max_turns: 8", "max_turns: 8\nmatching:\n  matcher: nonexistent"))
    assert errors_of(text, library) == [
        "lib/m.yaml:15:12: unknown reply matcher 'nonexistent' — the lab has: lexical, semantic (matching.matcher)"
    ]


def test_an_unknown_matcher_is_reported_with_the_schema_problems(library: Path):
    text = edit(("max_turns: 8", "max_turns: 8\nmatching: {matcher: nonexistent}"), ("pass_mark: 70", "pass_mark: x"))
    assert errors_of(text, library) == [
        "lib/m.yaml:12:12: expected a number, got 'x' (pass_mark)",
        "lib/m.yaml:14:21: unknown reply matcher 'nonexistent' — the lab has: lexical, semantic (matching.matcher)",
    ]


def test_play_refuses_an_unknown_matcher_before_recording_anything(library: Path, tmp_path: Path):
    (library / "m.yaml").write_text(edit(("max_turns: 8", "max_turns: 8\nmatching: {matcher: nonexistent}")))
    out, err = io.StringIO(), io.StringIO()
    store = tmp_path / "results.sqlite"
    code = main(["play", "lib/m.yaml", "--store", str(store)], stdin=io.StringIO("1\n"), stdout=out, stderr=err)
    assert code == 1
    assert err.getvalue() == (
        "roleplay: lib/m.yaml:14:21: unknown reply matcher 'nonexistent' — the lab has: lexical, semantic "
        "(matching.matcher)\n"
    )
    assert not store.exists()


def test_a_persona_names_each_reaction_once_and_scores_known_competencies(library: Path):
    persona = library / "personas" / "steady.yaml"
    persona.write_text(
        persona.read_text(encoding="utf-8").replace("scores: {empathy: -1}", "scores: {empaty: -1}")
        + "  - id: solution-before-heard\n    when: {tag: solution}\n    feedback: Again.\n",
        encoding="utf-8",
    )
    (library / "m.yaml").write_text(MINI_TEXT)
    code, lines, _ = validate("lib/m.yaml")
    assert code == 1
    assert lines == [
        "lib/personas/steady.yaml:13:14: unknown competency 'empaty' — did you mean 'empathy'? "
        "(reactions[0].scores.empaty)",
        "lib/personas/steady.yaml:15:9: duplicate reaction id 'solution-before-heard' (reactions[1].id)",
        "2 problems in 1 file; 0 scenarios sound",
    ]


# ---------------------------------------------------------------- 7. personas only from the library's personas/

SECRET = "TOPSECRET-hunter2"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A YAML file outside the library, its values worth stealing (and not a valid persona)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    path = outside / "secret.yaml"
    path.write_text(f"schema_version: 1\nid: {SECRET}\ntitle: {SECRET}\npassword: {SECRET}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "persona",
    ["../outside/secret", "../../outside/secret", "personas/../../outside/secret", "ABSOLUTE", "..\\outside\\secret"],
)
def test_a_persona_path_never_leaves_the_personas_folder(library: Path, secret: Path, persona: str, capsys):
    persona = str(secret.with_suffix("")) if persona == "ABSOLUTE" else persona
    (library / "m.yaml").write_text(edit(("persona: steady", f"persona: {persona}")), encoding="utf-8")
    code, lines, err = validate("lib")
    scenarios, problems = load_library(library)
    captured = capsys.readouterr()
    everything = "\n".join([*lines, err, captured.out, captured.err, *map(str, problems)])
    assert SECRET not in everything
    assert code == 1 and sorted(scenarios) == ["mini"]
    assert [(p.file, p.line, p.column, p.location) for p in problems] == [("lib/m.yaml", 6, 10, "persona")]
    assert problems[0].message.endswith(
        ("is not a valid id: use lower-case letters, digits, '_' and '-', starting with a letter", "not 64 characters")
    ) or problems[0].message.startswith("too long: at most 64 characters")


def test_a_link_in_personas_that_leads_outside_is_not_followed(library: Path, secret: Path):
    (library / "personas" / "leak.yaml").symlink_to(secret)
    (library / "m.yaml").write_text(edit(("persona: steady", "persona: leak")), encoding="utf-8")
    code, lines, err = validate("lib")
    assert code == 1
    assert SECRET not in "\n".join([*lines, err])
    assert lines[0] == "lib/m.yaml:6:10: unknown persona 'leak' — known personas: steady (persona)"


# ---------------------------------------------------------------- 8. error output: located, one line, short, safe


def test_a_control_character_is_one_located_line(library: Path):
    lines = errors_of(edit(("title: Mini", "title: Mi\x1b[31mni")), library)
    assert lines == [
        "lib/m.yaml:4:10: an escape character (U+001B, as in terminal colour codes) is not allowed in a scenario "
        "file — remove it, or retype the text around it"
    ]
    lines = errors_of(edit(("briefing: A", "briefing: \x08A"), ("title: Mini", "title: Mi\x85ni")), library)
    assert lines == [
        "lib/m.yaml:4:10: a control character (U+0085) is not allowed in a scenario file — remove it, "
        "or retype the text around it",
        "lib/m.yaml:7:11: a control character (U+0008) is not allowed in a scenario file — remove it, "
        "or retype the text around it",
    ]


@pytest.mark.parametrize(
    ("change", "wanted"),
    [
        (
            ("title: Mini", 'title: "\\e[31mRed\\e[0m"'),
            "lib/m.yaml:4:8: an escape character (U+001B, as in terminal colour codes) is not allowed in text — "
            "remove it (title)",
        ),
        (
            ("title: Mini", 'title: "\\u200b\\u200d\\u2060"'),
            "lib/m.yaml:4:8: the text is made only of invisible characters (U+200B, U+200D, U+2060) — "
            "write text a reader can see (title)",
        ),
        (
            ("title: Mini", "title: \u200b\u200b"),
            "lib/m.yaml:4:8: the text is made only of invisible characters (U+200B) — write text a reader can see "
            "(title)",
        ),
        (
            ("title: Mini", 'title: "Mini\\nTwo lines"'),
            "lib/m.yaml:4:8: a line break or tab is not allowed here — keep this text on one line (title)",
        ),
        (
            ("feedback: Curt.", 'feedback: "Curt.\\x07"'),
            "lib/m.yaml:28:19: a control character (U+0007) is not allowed in text — remove it "
            "(nodes.opening.options[1].feedback)",
        ),
    ],
)
def test_escapes_and_invisible_text_are_refused_where_they_are(library: Path, change, wanted):
    assert errors_of(edit(change), library) == [wanted]


def test_a_lone_surrogate_in_text_given_as_a_string_is_located():
    result = check_scenario(edit(("name: Ola", "name: O\ud800la")), "m.yaml", personas_dir=MINI.parent / "personas")
    assert [str(p) for p in result.errors] == [
        "m.yaml:8:19: the file is not UTF-8 (byte 0xed); save it as UTF-8 in your editor"
    ]


def test_an_escape_YAML_does_not_know_is_not_an_unclosed_quote(library: Path):
    assert errors_of(edit(("title: Mini", 'title: "Mini\\q"')), library) == [
        "lib/m.yaml:4:13: YAML syntax error: while parsing a quoted scalar: found unknown escape character"
    ]


def test_multi_line_text_keeps_its_new_lines_and_tabs(library: Path):
    text = edit(("briefing: A customer's kettle broke.", "briefing: |\n  A customer's kettle broke.\n  \tBadly."))
    (library / "m.yaml").write_text(text, encoding="utf-8")
    assert load_files(["lib/m.yaml"])[0].scenario.model.briefing == "A customer's kettle broke.\n\tBadly."


def test_persona_text_is_checked_too(library: Path):
    persona = library / "personas" / "steady.yaml"
    persona.write_text(persona.read_text().replace("title: Steady customer", 'title: "\\u200b"'), encoding="utf-8")
    code, lines, _ = validate("lib/mini.yaml")
    assert code == 1
    assert lines[0] == (
        "lib/personas/steady.yaml:3:8: the text is made only of invisible characters (U+200B) — "
        "write text a reader can see (title)"
    )


def test_oversized_values_are_clipped_in_messages(library: Path):
    huge = "x" * 600_000
    changes = (
        ("next: lost_it", f"next: {huge}"),
        ("  empathy:", f"  {huge[:1000]}:"),
        ("pass_mark: 70", f"pass_mark: {huge[:300_000]}"),
    )
    lines = errors_of(edit(*changes), library)
    assert [len(line) < 400 for line in lines] == [True] * len(lines)
    assert any(f"'{'x' * 80}…' is not a valid id" in line for line in lines)
    assert f"lib/m.yaml:12:12: expected a number, got '{'x' * 80}…' (pass_mark)" in lines
    assert "lib/m.yaml:49:15: too long: at most 64 characters, not 600,000 (nodes.fix.options[1].next)" in lines


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("# a comment\n- schema_version: 1\n", "lib/m.yaml:2:1: the file must be a YAML mapping (field: value lines)"),
        ("# a comment\n\njust words\n", "lib/m.yaml:3:1: the file must be a YAML mapping (field: value lines)"),
        ("# a comment\n---\n", "lib/m.yaml:2:4: the file must be a YAML mapping (field: value lines)"),
        (
            "# a comment\nid: [unclosed\n",
            "lib/m.yaml:2:5: YAML syntax error: this '[' is never closed — add the missing ']'",
        ),
        (
            "# a comment\nkey: 'unclosed\n",
            "lib/m.yaml:2:6: YAML syntax error: this quote is never closed — add the missing '''",
        ),
    ],
)
def test_whole_file_problems_point_at_the_value(library: Path, text: str, wanted: str):
    assert errors_of(text, library) == [wanted]


def test_an_alias_inside_its_own_anchor_is_located(library: Path):
    lines = errors_of(edit(("title: Mini", "title: &t [*t]")), library)
    assert lines == ["lib/m.yaml:4:8: the document nests too deeply"]


def _in_a_child(code: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run code in a child process with at most 2 GB of memory and a minute (a bomb must not hurt this one)."""

    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
        preexec_fn=limit,
        check=False,
    )


@pytest.mark.parametrize(
    ("value", "wanted"),
    [
        ("[" * 100_000 + "]" * 100_000, "m.yaml:4:48: the document nests too deeply"),
        ("{a: " * 20_000 + "x" + "}" * 20_000, "m.yaml:4:165: the document nests too deeply"),
        ("[" * 300_000, "m.yaml:4:48: the document nests too deeply"),
    ],
    ids=["flow-lists", "flow-mappings", "unclosed"],
)
def test_deep_nesting_is_located_and_never_crashes(tmp_path: Path, value: str, wanted: str):
    (tmp_path / "m.yaml").write_text(edit(("title: Mini", f"title: {value}")), encoding="utf-8")
    done = _in_a_child(
        """
        from simulator.loading.loader import load_files
        for p in load_files(["m.yaml"])[0].errors:
            print(p)
        """,
        tmp_path,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [wanted]


def test_an_alias_bomb_of_merges_is_stopped_at_once(tmp_path: Path):
    lines = ["m0: &m0 {a: 1, b: 2}"]
    lines += [f"m{n}: &m{n} {{<<: [{', '.join([f'*m{n - 1}'] * 8)}]}}" for n in range(1, 12)]
    (tmp_path / "m.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = _in_a_child(
        """
        import time
        from simulator.loading.loader import load_files
        started = time.perf_counter()
        for p in load_files(["m.yaml"])[0].errors:
            print(p)
        print(time.perf_counter() - started < 5)
        """,
        tmp_path,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == ["m.yaml:7:1: the document expands to too many values (aliases?)", "True"]


def test_a_problem_is_always_one_printable_line():
    p = Problem("a\nb.yaml", 1, 1, "nodes.\x1b[31m", "first line\n  second line\x1b[2J\u200b")
    assert str(p) == "a b.yaml:1:1: first line second line\\x1b[2J\\u200b (nodes.\\x1b[31m)"
    assert len(Problem("f", 1, 1, "", "x" * 10_000).message) == 601
