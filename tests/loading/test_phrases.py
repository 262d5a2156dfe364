"""The phrase coach's files and a scenario's ``coach:`` opt-in under `roleplay validate`: each
mistake named with its file, line and column, and what to fix."""

from __future__ import annotations

import io
import shutil

from simulator import load_files
from simulator.cli import main
from simulator.errors import display_path
from simulator.loading.loader import scenario_files
from simulator.loading.phrases import check_phrase_file, check_phrase_files

from ..conftest import MINI, SCENARIOS


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    code = main(argv, stdin=io.StringIO(""), stdout=out)
    return code, out.getvalue()


def library(tmp_path, phrases: str | None = None, coach: str | None = None):
    folder = tmp_path / "library"
    shutil.copytree(MINI.parent, folder)
    (folder / "phrases").mkdir()
    shutil.copy(SCENARIOS / "phrases" / "en.yaml", folder / "phrases" / "en.yaml")
    if phrases is not None:
        (folder / "phrases" / "en.yaml").write_text(phrases, encoding="utf-8")
    if coach is not None:
        text = (folder / "mini.yaml").read_text(encoding="utf-8")
        (folder / "mini.yaml").write_text(
            text.replace("pass_mark: 70\n", f"pass_mark: 70\n{coach}\n"), encoding="utf-8"
        )
    return folder


def test_the_shipped_phrase_files_are_sound_and_validate_says_so():
    assert check_phrase_files([SCENARIOS]) == []
    code, out = run(["validate", str(SCENARIOS)])
    assert code == 0, out
    assert "phrases" not in out  # a library's sound phrase files are checked quietly
    for language in ("en", "pl"):
        path = SCENARIOS / "phrases" / f"{language}.yaml"
        assert run(["validate", str(path)]) == (0, f"ok  {display_path(path)}  (phrase coach)\n")


def test_the_scenario_loader_does_not_take_phrase_files_for_scenarios(tmp_path):
    folder = library(tmp_path)
    assert [f.name for f in scenario_files([folder])] == ["mini.yaml"]
    assert all(r.ok for r in load_files([folder]))


BROKEN = """\
schema_version: 1
language: en
phrases:
  - id: Sorry
    catch: [unfortunately, "... sadly"]
    why: It sounds bad.
  - id: two
    catch: []
    why: x
    instead: y
    colour: red
"""


def test_every_mistake_in_a_phrase_file_is_located_with_what_to_fix(tmp_path):
    folder = library(tmp_path, BROKEN)
    file = display_path(folder / "phrases" / "en.yaml")
    code, out = run(["validate", str(folder)])
    assert code == 1
    lines = out.splitlines()
    assert f"{file}:4:5: the entry lacks 'instead' (phrases[0])" in lines
    assert f"{file}:4:9: an id is lower-case letters, digits, - and _, starting with a letter (phrases[0].id)" in lines
    assert (
        f"{file}:5:28: '...' stands between two words, not at the start or the end: '... sadly' (phrases[0].catch[1])"
        in lines
    )
    assert f"{file}:8:12: 'catch' must be a phrase or a list of phrases (phrases[1].catch)" in lines
    assert (
        f"{file}:11:5: unknown field 'colour' — an entry has id, catch, except, why, instead (phrases[1].colour)"
        in lines
    )
    assert lines[-1] == "5 problems in 1 file; 1 scenario sound"


def test_a_yaml_mistake_and_a_wrong_name_are_located_too(tmp_path):
    folder = library(tmp_path, "schema_version: 1\nlanguage: en\nphrases:\n  - id: a\n    why: here: there\n")
    problems = check_phrase_file(folder / "phrases" / "en.yaml")
    assert [(p.line, p.column) for p in problems] == [(5, 14)]
    assert "YAML" in problems[0].message
    shutil.copy(SCENARIOS / "phrases" / "pl.yaml", folder / "phrases" / "en.yaml")
    (problem,) = check_phrase_file(folder / "phrases" / "en.yaml")
    assert problem.message == "the file is named en.yaml but says language pl — make them the same"
    assert problem.line == 16
    (folder / "phrases" / "de.yaml").write_text("schema_version: 1\n", encoding="utf-8")
    (problem,) = check_phrase_file(folder / "phrases" / "de.yaml")
    assert "named after its language" in problem.message


def test_validate_checks_a_phrase_file_named_on_its_own(tmp_path):
    folder = library(tmp_path, BROKEN)
    code, out = run(["validate", str(folder / "phrases" / "en.yaml")])
    assert code == 1 and out.splitlines()[-1] == "5 problems in 1 file; 0 scenarios sound"


def test_the_opt_in_must_name_an_assessed_competency(tmp_path):
    folder = library(tmp_path, coach="coach: {competency: empathi}")
    code, out = run(["validate", str(folder / "mini.yaml")])
    assert code == 1
    line = next(n for n, text in enumerate((folder / "mini.yaml").read_text().splitlines(), 1) if "coach:" in text)
    assert (
        f"{display_path(folder / 'mini.yaml')}:{line}:21: the coach lowers 'empathi', which the scenario does not"
        " assess — did you mean 'empathy'? (coach.competency)" in out
    )


def test_the_opt_in_needs_a_phrase_file_of_the_scenario_language(tmp_path):
    folder = library(tmp_path, coach="coach: {competency: empathy, penalty: 2}")
    assert run(["validate", str(folder)])[0] == 0
    (folder / "phrases" / "en.yaml").unlink()
    code, out = run(["validate", str(folder)])
    assert code == 1
    assert "no phrase file for the language 'en': add phrases/en.yaml beside the scenarios" in out


def test_the_opt_in_is_checked_by_the_schema(tmp_path):
    folder = library(tmp_path, coach="coach: {competency: empathy, penalty: 0, max_per_reply: 500, extra: 1}")
    code, out = run(["validate", str(folder)])
    assert code == 1
    assert "(coach.penalty)" in out and "(coach.max_per_reply)" in out and "(coach.extra)" in out
