"""The `roleplay` command: in-process through `main()` and as a real process.

Every test keeps its results store in tmp_path (``--store`` or ``ROLEPLAY_STORE``); the
user's real store is never touched. Scenario paths are absolute or resolved from the
repository as the working directory.
"""

from __future__ import annotations

import csv
import io
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from simulator import load_scenario, open_store
from simulator.cli import main

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"
BROKEN = REPO / "tests" / "broken"
SHIPPED_FILES = sorted(SCENARIOS.glob("*.yaml"))
PLAYED_ID = "indecisive-plan-choice"
PLAYED_FILE = SCENARIOS / f"{PLAYED_ID}.yaml"

PYTHON_M = pytest.param([sys.executable, "-m", "simulator"], id="python-m-simulator")
# Every command runs as a process through `python -m simulator`; the installed `roleplay` script (the same
# `simulator.cli:main`) runs the commands a user types from any folder, and must be installed.
COMMANDS = [PYTHON_M]
EVERYWHERE = [PYTHON_M, pytest.param([shutil.which("roleplay") or "roleplay"], id="roleplay-script")]


# ---------------------------------------------------------------- helpers and fixtures


@pytest.fixture(autouse=True)
def _store_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever a test forgets, the default store is in tmp_path."""
    monkeypatch.setenv("ROLEPLAY_STORE", str(tmp_path / "env-store.sqlite"))


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the repository, where `scenarios/` is the default folder."""
    monkeypatch.chdir(REPO)
    return REPO


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "results.sqlite"


@pytest.fixture(scope="module")
def played():
    return load_scenario(PLAYED_FILE)


@pytest.fixture(scope="module")
def textbook(played) -> tuple[list[int], str]:
    """The replies of the scenario's own first passing all-number path test, and its ending."""
    for test in played.model.tests:
        if test.passed and all(isinstance(r, int) for r in test.replies):
            return list(test.replies), test.ending
    raise AssertionError(f"{PLAYED_ID} has no passing path test made of option numbers")


def run(argv: list[str], stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = main(argv, stdin=io.StringIO(stdin), stdout=out)
    return code, out.getvalue()


def run_process(
    cmd: list[str], args: list[str], tmp_path: Path, *, cwd: Path = REPO, **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {
        **os.environ,
        "ROLEPLAY_STORE": str(tmp_path / "process-store.sqlite"),
        "PYTHONPATH": os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]),
        "PYTHONIOENCODING": "utf-8",
        **env,
    }
    return subprocess.run(
        [*cmd, *args], cwd=cwd, env=environ, capture_output=True, text=True, encoding="utf-8", timeout=120
    )


def sessions_in(path: Path) -> list[dict]:
    store = open_store(str(path))
    try:
        return store.sessions()
    finally:
        store.close()


def turns_in(path: Path, session_id: str) -> list[dict]:
    store = open_store(str(path))
    try:
        return store.turns(session_id)
    finally:
        store.close()


def replies_file(tmp_path: Path, replies: list[int | str], name: str = "replies.txt") -> Path:
    path = tmp_path / name
    path.write_text("".join(f"{r}\n" for r in replies), encoding="utf-8")
    return path


def no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text, text


def table_rows(text: str, header_first: str) -> list[list[str]]:
    """The rows of a table printed by the CLI, cut at the columns its dashed line marks."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_first))
    dashes = lines[start + 1]
    assert set(dashes.replace(" ", "")) == {"-"}, dashes
    spans, pos = [], 0
    for run_ in dashes.split("  "):
        spans.append((pos, pos + len(run_)))
        pos += len(run_) + 2
    spans[-1] = (spans[-1][0], None)
    rows = []
    for line in lines[start + 2 :]:
        first_end = spans[0][1]
        if len(line) <= first_end or line[first_end : first_end + 2] != "  ":
            break
        rows.append([line[a:b].strip() for a, b in spans])
    return rows


def shown(path: Path) -> str:
    """A path as the CLI prints it: relative to the working directory where it can be."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def shipped_yaml() -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in SHIPPED_FILES]


# ---------------------------------------------------------------- validate


def test_validate_shipped_scenarios_in_process(in_repo, capsys):
    code, out = run(["validate"])
    assert code == 0, out
    lines = [line for line in out.splitlines() if ": warning: " not in line]  # tests/test_paths.py checks those
    assert len(lines) == len(SHIPPED_FILES)
    for path, line in zip(SHIPPED_FILES, lines, strict=True):
        assert line.startswith(f"ok  scenarios/{path.name}  (")
    assert capsys.readouterr().err == ""


def test_validate_an_absolute_folder_from_elsewhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out = run(["validate", str(SCENARIOS)])
    assert code == 0, out
    oks = [line for line in out.splitlines() if ": warning: " not in line]
    assert [line.split()[1] for line in oks] == [str(p) for p in SHIPPED_FILES]


@pytest.mark.parametrize("cmd", COMMANDS)
def test_validate_shipped_scenarios_as_a_process(cmd, tmp_path):
    done = run_process(cmd, ["validate", "scenarios"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""
    assert [line.split()[:2] for line in done.stdout.splitlines() if ": warning: " not in line] == [
        ["ok", f"scenarios/{p.name}"] for p in SHIPPED_FILES
    ]


def _broken(kind: str, tmp_path: Path) -> Path:
    if kind == "ten-megabytes":
        path = tmp_path / "huge.yaml"
        path.write_bytes(PLAYED_FILE.read_bytes() + b"# padding\n" * 1_000_000)
        return path
    return BROKEN / f"{kind}.yaml"


BROKEN_KINDS = ["unclosed-brace", "tab-indented", "binary", "latin1", "python-tag", "ten-megabytes"]


@pytest.mark.parametrize("kind", BROKEN_KINDS)
@pytest.mark.parametrize("cmd", COMMANDS)
def test_validate_a_broken_file_as_a_process(cmd, kind, tmp_path):
    path = _broken(kind, tmp_path)
    done = run_process(cmd, ["validate", str(path)], tmp_path)
    no_traceback(done.stdout, done.stderr)
    assert done.returncode == 1
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert len(lines) == 2, done.stdout
    assert lines[0].startswith(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}:"), lines[0]
    assert lines[1] == "1 problem in 1 file; 0 scenarios sound"


@pytest.mark.parametrize("kind", BROKEN_KINDS)
def test_validate_a_broken_file_in_process(kind, tmp_path, capsys):
    path = _broken(kind, tmp_path)
    code, out = run(["validate", str(path)])
    captured = capsys.readouterr()
    no_traceback(out, captured.out, captured.err)
    assert code == 1
    assert out.splitlines()[0].startswith(f"{shown(path)}:")
    assert out.splitlines()[-1] == "1 problem in 1 file; 0 scenarios sound"


def test_validate_the_broken_folder_names_every_file(in_repo, tmp_path):
    done = run_process([sys.executable, "-m", "simulator"], ["validate", "tests/broken"], tmp_path)
    no_traceback(done.stdout, done.stderr)
    assert done.returncode == 1
    files = sorted(BROKEN.glob("*.yaml"))
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [f"tests/broken/{p.name}" for p in files]
    assert lines[-1] == f"{len(files)} problems in {len(files)} files; 0 scenarios sound"


def test_python_tag_in_a_file_is_not_run(tmp_path):
    done = run_process([sys.executable, "-m", "simulator"], ["validate", str(BROKEN / "python-tag.yaml")], tmp_path)
    assert done.returncode == 1
    assert "pwned" not in done.stderr


def test_validate_a_folder_without_scenarios(tmp_path, capsys):
    code, out = run(["validate", str(tmp_path)])
    assert (code, out) == (1, "")
    assert capsys.readouterr().err == f"roleplay: no scenario files found in {tmp_path}\n"


# ---------------------------------------------------------------- the scenario library by default, from any folder


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with no scenarios/ in it or one up, and no $ROLEPLAY_SCENARIOS."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.delenv("ROLEPLAY_SCENARIOS", raising=False)
    return folder


@pytest.mark.parametrize("cmd", EVERYWHERE)
def test_validate_and_list_from_another_folder_find_the_labs_library(cmd, tmp_path, elsewhere):
    """Like `roleplay serve`, the commands that read the library default to `settings.scenarios_dir()`."""
    done = run_process(cmd, ["validate"], tmp_path, cwd=elsewhere)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""
    oks = [line.split()[:2] for line in done.stdout.splitlines() if ": warning: " not in line]
    assert oks == [["ok", str(p)] for p in SHIPPED_FILES]

    done = run_process(cmd, ["list"], tmp_path, cwd=elsewhere)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [row[0] for row in table_rows(done.stdout, "scenario")] == sorted(d["id"] for d in shipped_yaml())


def test_test_and_paths_read_ROLEPLAY_SCENARIOS_by_default(tmp_path, elsewhere, monkeypatch):
    library = tmp_path / "library"
    shutil.copytree(SCENARIOS / "personas", library / "personas")
    shutil.copy(PLAYED_FILE, library)
    monkeypatch.setenv("ROLEPLAY_SCENARIOS", str(library))
    tests = len(yaml.safe_load(PLAYED_FILE.read_text(encoding="utf-8"))["tests"])

    code, out = run(["test"])
    assert (code, out.splitlines()[-1]) == (0, f"{tests} passed, 0 failed")

    code, out = run(["paths", "--walks", "3"])
    assert code == 0, out
    assert f"Paths through {PLAYED_ID} v" in out


def test_schema_writes_next_to_the_library_by_default(tmp_path, elsewhere, monkeypatch):
    library = tmp_path / "library"
    library.mkdir()
    monkeypatch.setenv("ROLEPLAY_SCENARIOS", str(library))
    code, out = run(["schema"])
    assert code == 0, out
    assert sorted(p.name for p in (library / "schema").iterdir()) == ["persona.schema.json", "scenario.schema.json"]
    assert not (elsewhere / "scenarios").exists()


# ---------------------------------------------------------------- list


def test_list_shows_every_scenario_with_persona_and_language(in_repo):
    code, out = run(["list"])
    assert code == 0, out
    assert out.splitlines()[0].split() == ["scenario", "persona", "lang", "nodes", "endings", "title"]
    rows = table_rows(out, "scenario")
    expected = sorted(
        [d["id"], d["persona"], d.get("language", "en"), str(len(d["nodes"])), str(len(d["endings"])), d["title"]]
        for d in shipped_yaml()
    )
    assert rows == expected


@pytest.mark.parametrize("cmd", COMMANDS)
def test_list_as_a_process(cmd, tmp_path):
    done = run_process(cmd, ["list"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert {row[0]: row[1:3] for row in table_rows(done.stdout, "scenario")} == {
        d["id"]: [d["persona"], d.get("language", "en")] for d in shipped_yaml()
    }


def test_list_marks_a_broken_file_as_not_listed(tmp_path):
    folder = tmp_path / "lib"
    shutil.copytree(SCENARIOS, folder)
    (folder / "zz-broken.yaml").write_text("", encoding="utf-8")
    code, out = run(["list", str(folder)])
    assert code == 1
    assert len(table_rows(out, "scenario")) == len(SHIPPED_FILES)
    assert out.splitlines()[-1] == f"(not listed) {shown(folder / 'zz-broken.yaml')}:1:1: the file is empty"


# ---------------------------------------------------------------- play


def play(db: Path, replies: Path, trainee: str = "anna", *more: str) -> tuple[int, str]:
    return run(
        ["play", PLAYED_ID, "--replies", str(replies), "--store", str(db), "--trainee", trainee, "--seed", "1", *more]
    )


def test_play_from_a_replies_file_records_a_completed_session(in_repo, tmp_path, db, played, textbook):
    replies, ending = textbook
    code, out = play(db, replies_file(tmp_path, replies))
    assert code == 0, out
    assert out.startswith(f"{played.title}  [{PLAYED_ID} v{played.version}, seed 1]\n")
    assert "\n=== Debrief: PASSED — overall " in out
    assert f"outcome: {played.endings[ending].outcome}" in out

    (session,) = sessions_in(db)
    assert session["status"] == "completed"
    assert session["trainee"] == "anna"
    assert session["attempt"] == 1
    assert session["seed"] == 1
    assert session["scenario_id"] == PLAYED_ID
    assert session["scenario_version"] == played.version
    assert session["ending"] == ending
    assert session["passed"] is True
    assert session["ended_at"]
    assert out.rstrip().endswith(f"Recorded as session {session['id']} (attempt 1) in {db}")

    turns = turns_in(db, session["id"])
    assert [t["idx"] for t in turns] == list(range(len(replies)))
    assert [t["option_index"] for t in turns] == [r - 1 for r in replies]
    assert all(t["kind"] == "option" and t["understood"] for t in turns)
    assert turns[-1]["ending"] == ending


def test_a_second_play_is_attempt_two(in_repo, tmp_path, db, textbook):
    replies = replies_file(tmp_path, textbook[0])
    assert play(db, replies)[0] == 0
    code, out = play(db, replies)
    assert code == 0
    sessions = sessions_in(db)
    assert [(s["trainee"], s["attempt"], s["status"]) for s in sessions] == [
        ("anna", 1, "completed"),
        ("anna", 2, "completed"),
    ]
    assert f"Recorded as session {sessions[1]['id']} (attempt 2)" in out
    for s in sessions:
        assert len(turns_in(db, s["id"])) == len(textbook[0])


def test_play_as_a_process_writes_to_ROLEPLAY_STORE(tmp_path, textbook):
    db = tmp_path / "from-env.sqlite"
    replies = replies_file(tmp_path, textbook[0])
    done = run_process(
        [sys.executable, "-m", "simulator"],
        ["play", str(PLAYED_FILE), "--replies", str(replies), "--trainee", "anna", "--seed", "1"],
        tmp_path,
        ROLEPLAY_STORE=str(db),
    )
    no_traceback(done.stdout, done.stderr)
    assert done.returncode == 0, done.stderr
    assert "=== Debrief: PASSED" in done.stdout
    (session,) = sessions_in(db)
    assert (session["trainee"], session["attempt"], session["status"]) == ("anna", 1, "completed")
    assert len(turns_in(db, session["id"])) == len(textbook[0])


def test_play_interactively_until_end_of_input_abandons_and_keeps_the_turns(in_repo, db, played):
    second_node = played.nodes[played.model.start].options[0].next
    typed = played.nodes[second_node].options[0].phrasings[0]
    code, out = run(
        ["play", PLAYED_ID, "--store", str(db), "--trainee", "bob", "--seed", "1"],
        stdin=f"1\n{typed}\n",
    )
    assert code == 0
    assert out.rstrip().endswith(f"Session abandoned; 2 replies were recorded in {db}.")
    (session,) = sessions_in(db)
    assert (session["trainee"], session["status"]) == ("bob", "abandoned")
    assert session["ended_at"] and session["score"] is None
    turns = turns_in(db, session["id"])
    assert [(t["kind"], t["reply"], t["option_index"], t["understood"]) for t in turns] == [
        ("option", played.nodes[played.model.start].options[0].text, 0, True),
        ("text", typed, 0, True),
    ]
    assert session["final_mood"] == turns[-1]["mood_after"]


def test_play_interactively_quit_abandons(in_repo, db):
    code, out = run(["play", PLAYED_ID, "--store", str(db), "--trainee", "bob"], stdin="1\nq\n2\n")
    assert code == 0
    assert "Session abandoned; 1 replies were recorded" in out
    (session,) = sessions_in(db)
    assert session["status"] == "abandoned"
    assert len(turns_in(db, session["id"])) == 1


def test_play_when_the_replies_run_out_abandons_with_exit_1(in_repo, tmp_path, db, textbook):
    script = replies_file(tmp_path, textbook[0][:2])
    code, out = play(db, script)
    assert code == 1
    # how many replies were used, where the script stopped, and that the attempt counts (abandoned)
    stopped = out.rstrip().splitlines()[-2:]
    assert stopped[0].startswith("The replies file ran out: all 2 of its replies were used, and the conversation ")
    assert "stopped at reply 3 (node " in stopped[0]
    assert stopped[1] == (
        f"Session abandoned (attempt 1); 2 replies were recorded in {db}. "
        "Add a line for each reply still to give to play on to an ending."
    )
    (session,) = sessions_in(db)
    assert session["status"] == "abandoned"
    assert len(turns_in(db, session["id"])) == 2


def test_play_an_unknown_option_number_says_so_and_goes_on(in_repo, tmp_path, db, played, textbook):
    replies, ending = textbook
    options = len(played.nodes[played.model.start].options)
    code, out = play(db, replies_file(tmp_path, [9, 0, *replies]))
    assert code == 0, out
    assert f"  (there is no option 9: choose 1 to {options})\n" in out
    assert f"  (there is no option 0: choose 1 to {options})\n" in out
    (session,) = sessions_in(db)
    assert (session["status"], session["ending"]) == ("completed", ending)
    assert len(turns_in(db, session["id"])) == len(replies)


def test_play_interactively_an_unknown_option_number_says_so_and_goes_on(in_repo, db, played):
    options = len(played.nodes[played.model.start].options)
    code, out = run(["play", PLAYED_ID, "--store", str(db), "--trainee", "bob"], stdin="7\n1\n")
    assert code == 0
    assert f"(there is no option 7: choose 1 to {options})" in out
    (session,) = sessions_in(db)
    assert session["status"] == "abandoned"
    assert [t["option_index"] for t in turns_in(db, session["id"])] == [0]


def test_play_with_a_missing_replies_file_is_a_plain_error_and_records_nothing(in_repo, tmp_path, db, capsys):
    missing = tmp_path / "no-such-replies.txt"
    code, out = play(db, missing)
    err = capsys.readouterr().err
    assert code == 1
    no_traceback(out, err)
    assert err.startswith("roleplay: ")
    assert "unexpected error" not in err
    assert str(missing) in err
    # Nothing was played, so nothing is left behind in the store (no session stuck 'in_progress').
    assert sessions_in(db) == []


def test_play_a_broken_scenario_prints_its_problems_and_records_nothing(tmp_path, db, capsys):
    code, out = run(["play", str(BROKEN / "unclosed-brace.yaml"), "--store", str(db)])
    err = capsys.readouterr().err
    assert code == 1
    no_traceback(out, err)
    assert out == ""
    assert err.startswith(f"roleplay: {shown(BROKEN / 'unclosed-brace.yaml')}:")
    assert sessions_in(db) == []


def test_play_keeps_the_briefing_paragraphs_and_bullets(in_repo, tmp_path, db, played, textbook):
    """The briefing's blank lines and '- ' bullets are how the trainer laid it out; they stay."""
    _code, out = play(db, replies_file(tmp_path, textbook[0]))
    printed = [line.strip() for line in out.splitlines()]
    briefing = played.model.briefing.splitlines()
    starts = [
        line.strip()
        for i, line in enumerate(briefing)
        if line.strip() and (line.lstrip().startswith("- ") or i == 0 or not briefing[i - 1].strip())
    ]
    assert len(starts) > 1, "the played scenario's briefing has no paragraphs or bullets to check"
    for start in starts:
        head = textwrap.shorten(start, 30, placeholder="")
        assert any(line.startswith(head) for line in printed), f"{head!r} does not start a line"


# ---------------------------------------------------------------- report and export


@pytest.fixture
def filled(in_repo, tmp_path, db, textbook) -> Path:
    """A store with anna's two completed attempts and bob's abandoned one (2 turns)."""
    replies = replies_file(tmp_path, textbook[0])
    assert play(db, replies)[0] == 0
    assert play(db, replies)[0] == 0
    assert run(["play", PLAYED_ID, "--store", str(db), "--trainee", "bob", "--seed", "2"], stdin="1\n2\n")[0] == 0
    return db


def test_report_shows_the_table(filled, textbook):
    code, out = run(["report", "--store", str(filled)])
    assert code == 0
    assert out.splitlines()[0] == f"Results store: {filled}"
    assert out.splitlines()[1].split("  ")[0] == "when (UTC)"
    rows = table_rows(out, "when (UTC)")
    sessions = sessions_in(filled)
    assert [row[1:] for row in rows] == [
        [
            s["trainee"],
            PLAYED_ID,
            str(s["attempt"]),
            s["status"],
            *(
                ["", "", ""]
                if s["score"] is None
                else [f"{s['score']:g}", "yes" if s["passed"] else "no", s["outcome"]]
            ),
        ]
        for s in sessions
    ]
    assert [row[0] for row in rows] == [s["started_at"][:16].replace("T", " ") for s in sessions]
    assert [row[1:5] for row in rows] == [
        ["anna", PLAYED_ID, "1", "completed"],
        ["anna", PLAYED_ID, "2", "completed"],
        ["bob", PLAYED_ID, "1", "abandoned"],
    ]
    assert out.splitlines()[-1] == "3 sessions"


def test_report_filters_by_trainee(filled):
    code, out = run(["report", "--store", str(filled), "--trainee", "anna"])
    assert code == 0
    assert [row[1] for row in table_rows(out, "when (UTC)")] == ["anna", "anna"]
    assert out.splitlines()[-1] == "2 sessions"


def test_report_on_an_empty_store(db):
    open_store(str(db)).close()
    code, out = run(["report", "--store", str(db)])
    assert code == 0
    assert out.splitlines()[-1] == "0 sessions"


def test_export_csv_holds_every_session_and_turn(filled, tmp_path, textbook):
    out_file = tmp_path / "out" / "results.csv"
    code, out = run(["export", "--format", "csv", "--out", str(out_file), "--store", str(filled)])
    sessions = sessions_in(filled)
    turns = {s["id"]: turns_in(filled, s["id"]) for s in sessions}
    n_turns = sum(map(len, turns.values()))
    assert code == 0
    assert out == f"wrote 3 sessions and {n_turns} turns to {out_file} (from {filled})\n"
    assert n_turns == 2 * len(textbook[0]) + 2
    with out_file.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == n_turns
    assert [r["session_id"] for r in rows] == [s["id"] for s in sessions for _ in turns[s["id"]]]
    for s in sessions:
        mine = [r for r in rows if r["session_id"] == s["id"]]
        assert [int(r["turn_idx"]) for r in mine] == [t["idx"] for t in turns[s["id"]]]
        assert [r["turn_reply"] for r in mine] == [t["reply"] for t in turns[s["id"]]]
        assert {r["session_trainee"] for r in mine} == {s["trainee"]}
        assert {r["session_status"] for r in mine} == {s["status"]}
        assert {r["session_attempt"] for r in mine} == {str(s["attempt"])}
        assert [json.loads(r["turn_scores"]) for r in mine] == [t["scores"] for t in turns[s["id"]]]


def test_export_jsonl_holds_every_session_and_turn(filled, tmp_path):
    out_file = tmp_path / "results.jsonl"
    code, _ = run(["export", "--format", "jsonl", "--out", str(out_file), "--store", str(filled)])
    assert code == 0
    rows = [json.loads(line) for line in out_file.read_text(encoding="utf-8").splitlines()]
    sessions = sessions_in(filled)
    assert [r["id"] for r in rows] == [s["id"] for s in sessions]
    for row, s in zip(rows, sessions, strict=True):
        assert (row["trainee"], row["attempt"], row["status"]) == (s["trainee"], s["attempt"], s["status"])
        assert row["turns"] == json.loads(json.dumps(turns_in(filled, s["id"])))
        if s["status"] == "completed":
            assert row["result"]["overall"] == s["score"]
        else:
            assert row["result"] is None
    assert [len(r["turns"]) for r in rows][-1] == 2


def test_export_of_an_empty_store(db, tmp_path):
    open_store(str(db)).close()
    for fmt in ("csv", "jsonl"):
        out_file = tmp_path / f"empty.{fmt}"
        code, out = run(["export", "--format", fmt, "--out", str(out_file), "--store", str(db)])
        assert code == 0
        assert out == f"wrote 0 sessions and 0 turns to {out_file} (from {db})\n"
        assert out_file.exists()


# ---------------------------------------------------------------- test and schema


def _path_test_count() -> int:
    return sum(len(d.get("tests", [])) for d in shipped_yaml())


def test_test_runs_the_path_tests_of_the_shipped_scenarios(in_repo):
    code, out = run(["test"])
    assert code == 0, out
    lines = out.splitlines()
    assert lines[-1] == f"{_path_test_count()} passed, 0 failed"
    assert all(line.startswith("ok   ") for line in lines[:-1])


@pytest.mark.parametrize("cmd", COMMANDS)
def test_test_as_a_process(cmd, tmp_path):
    """`roleplay test` as a process, on one file (the whole library's path tests run in-process above)."""
    done = run_process(cmd, ["test", str(PLAYED_FILE)], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    tests = len(yaml.safe_load(PLAYED_FILE.read_text(encoding="utf-8"))["tests"])
    assert tests > 0 and done.stdout.splitlines()[-1] == f"{tests} passed, 0 failed"


def test_test_reports_a_failing_path_test(tmp_path):
    folder = tmp_path / "lib"
    shutil.copytree(SCENARIOS / "personas", folder / "personas")
    data = yaml.safe_load(PLAYED_FILE.read_text(encoding="utf-8"))
    first = data["tests"][0]
    wrong = next(e for e in data["endings"] if e != first["ending"])
    first["ending"] = wrong
    (folder / "changed.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    code, out = run(["test", str(folder)])
    assert code == 1
    assert f"FAIL {PLAYED_ID}: {first['name']}\n       ending: expected '{wrong}', got '" in out
    assert out.splitlines()[-1] == f"{len(data['tests']) - 1} passed, 1 failed"


@pytest.mark.parametrize("cmd", COMMANDS)
def test_schema_writes_both_schemas(cmd, tmp_path):
    out_dir = tmp_path / "schema"
    done = run_process(cmd, ["schema", "--out", str(out_dir)], tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out_dir.iterdir()) == ["persona.schema.json", "scenario.schema.json"]
    assert sorted(done.stdout.splitlines()) == sorted(
        f"wrote {out_dir / n}" for n in ("persona.schema.json", "scenario.schema.json")
    )
    for name in ("scenario.schema.json", "persona.schema.json"):
        schema = json.loads((out_dir / name).read_text(encoding="utf-8"))
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert "schema_version" in schema["required"]
        # The schemas shipped for editors are the ones the lab generates.
        assert (out_dir / name).read_text(encoding="utf-8") == (SCENARIOS / "schema" / name).read_text(encoding="utf-8")


# ---------------------------------------------------------------- usage


def test_a_usage_mistake_exits_2(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["frobnicate"])
    assert exited.value.code == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


def test_a_negative_number_of_walks_is_a_usage_mistake(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["paths", str(PLAYED_FILE), "--walks", "-1"])
    assert exited.value.code == 2
    assert "--walks: expected a whole number, 0 or more" in capsys.readouterr().err


def test_the_help_of_serve_shows_the_default_port(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--help"])
    assert exited.value.code == 0
    assert "(default: 8866)" in " ".join(capsys.readouterr().out.split())


def test_every_command_has_its_own_parser_and_function():
    from simulator.cli import COMMANDS, build_parser

    names = [c.name for c in COMMANDS]
    assert len(set(names)) == len(names)
    required = {"play": ["x"], "diagram": ["x", "--out", "x"], "export": ["--format", "csv", "--out", "x"]}
    parser = build_parser()
    for command in COMMANDS:
        assert parser.parse_args([command.name, *required.get(command.name, [])]).run is command.run


def test_an_error_that_stops_a_command_is_one_message_on_stderr(tmp_path):
    """Several problems in the scenario to play: one `roleplay:` message, a problem a line, nothing on stdout."""
    data = yaml.safe_load(PLAYED_FILE.read_text(encoding="utf-8"))
    options = [o for node in data["nodes"].values() for o in node["options"]]
    options[0]["next"], options[1]["next"] = "nowhere", "nowhere-else"
    broken = tmp_path / "two-problems.yaml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    shutil.copytree(SCENARIOS / "personas", tmp_path / "personas")
    out, err = io.StringIO(), io.StringIO()
    code = main(["play", str(broken), "--store", str(tmp_path / "s.sqlite")], stdout=out, stderr=err)
    assert (code, out.getvalue()) == (1, "")
    first, *problems = err.getvalue().splitlines()
    assert first.startswith("roleplay: ") and first.endswith(f"problems in {shown(broken)}:")
    assert len(problems) >= 2 and all(line.startswith(f"  {shown(broken)}:") for line in problems)
    assert "'nowhere'" in err.getvalue() and "'nowhere-else'" in err.getvalue()


def test_the_command_module_stays_light():
    """The CLI imports every module at the top; none of them may pull in the reviewer's or the browser's stack."""
    code = "import sys, simulator.cli; print(sorted({'pandas', 'ipywidgets', 'voila'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert done.stdout.strip() == "[]"


def test_no_command_exits_2(tmp_path):
    done = run_process([sys.executable, "-m", "simulator"], [], tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("usage: roleplay")
    no_traceback(done.stderr)


def test_report_shows_a_reviewers_score_beside_the_automatic_one(tmp_path):
    from simulator import Session, load_scenario, open_store

    db = tmp_path / "reviewed.sqlite"
    store = open_store(str(db))
    mini = load_scenario(Path(__file__).resolve().parents[1] / "data" / "mini" / "mini.yaml")
    session = Session(mini, trainee="anna", recorder=store)
    session.reply(3)  # automatic 16.7, failed
    store.add_review(session.id, "rita", scores={"empathy": 60}, overall=72.5, passed=True)
    buf = io.StringIO()
    assert main(["report", "--store", str(db)], stdout=buf) == 0
    out = buf.getvalue()
    assert "72.5* (16.7)" in out and "yes" in out
    assert "* scored by a reviewer (the automatic score in brackets)" in out


# ---------------------------------------------------------------- play stopped by a signal


def _read_until_prompt(proc: subprocess.Popen, timeout: float = 60) -> str:
    """What the process prints until it waits at a "> " prompt (read without blocking past the deadline)."""
    buf, deadline = b"", time.monotonic() + timeout
    while not buf.endswith(b"> "):
        left = deadline - time.monotonic()
        ready, _, _ = select.select([proc.stdout], [], [], max(left, 0))
        if not ready:
            raise AssertionError(f"no prompt within {timeout} s; printed so far: {buf!r}")
        chunk = os.read(proc.stdout.fileno(), 4096)
        if not chunk:
            raise AssertionError(f"the process ended (exit {proc.wait()}): {buf!r} {proc.stderr.read()!r}")
        buf += chunk
    return buf.decode("utf-8")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_play_stopped_by_a_signal_abandons_the_session_and_keeps_its_turns(tmp_path, played, signum):
    db = tmp_path / "signalled.sqlite"
    environ = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]),
        "PYTHONIOENCODING": "utf-8",
    }
    command = [sys.executable, "-m", "simulator", "play", str(PLAYED_FILE), "--store", str(db), "--trainee", "dora"]
    proc = subprocess.Popen(
        [*command, "--seed", "1"],
        cwd=REPO,
        env=environ,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        _read_until_prompt(proc)
        proc.stdin.write(b"1\n")
        proc.stdin.flush()
        assert "You: " in _read_until_prompt(proc)  # the reply is recorded; the next one is awaited
        proc.send_signal(signum)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    err = err.decode("utf-8")
    no_traceback(err)
    assert proc.returncode == 128 + signum, err
    name = signal.Signals(signum).name
    assert err == f"roleplay: stopped by {name}; the session is abandoned, 1 reply was recorded in {db}\n"
    (session,) = sessions_in(db)
    assert (session["trainee"], session["status"]) == ("dora", "abandoned") and session["ended_at"]
    turns = turns_in(db, session["id"])
    assert [(t["idx"], t["option_index"]) for t in turns] == [(0, 0)]
    assert session["final_mood"] == turns[0]["mood_after"]


# ---------------------------------------------------------------- report: sessions long silent


def test_report_shows_a_long_silent_session_as_abandoned(tmp_path):
    from datetime import UTC, datetime, timedelta

    from simulator import Session
    from simulator.results.store import started_values

    db = tmp_path / "silent.sqlite"
    mini = load_scenario(REPO / "tests" / "data" / "mini" / "mini.yaml")
    now = datetime.now(UTC)
    rows = []
    for trainee, minutes in (("gone", 45), ("here", 2)):
        session = Session(mini, trainee=trainee, started_at=(now - timedelta(minutes=minutes)).isoformat())
        rows.append(started_values(session))
    store = open_store(str(db))
    store.bulk_insert(sessions=rows)
    store.close()
    code, out = run(["report", "--store", str(db)])
    assert code == 0
    rows = table_rows(out, "when (UTC)")
    assert [(row[1], row[4]) for row in rows] == [("gone", "abandoned (stale)"), ("here", "in_progress")]
    assert "(stale) in progress but silent for over 30 min: counted as abandoned" in out
    assert {s["status"] for s in sessions_in(db)} == {"in_progress"}  # the report only reads


# ---------------------------------------------------------------- store errors


@pytest.mark.parametrize(
    "command", [["report"], ["export", "--format", "csv", "--out", "OUT"]], ids=["report", "export"]
)
def test_report_and_export_on_a_mistyped_store_create_nothing(tmp_path, command):
    missing = tmp_path / "typo" / "results.sqlite"
    argv = [a.replace("OUT", str(tmp_path / "out.csv")) for a in command]
    out, err = io.StringIO(), io.StringIO()
    code = main([*argv, "--store", str(missing)], stdout=out, stderr=err)
    assert (code, out.getvalue()) == (1, "")
    assert err.getvalue() == f"roleplay: no results store at {missing}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_report_on_a_corrupt_file_says_it_is_not_a_results_store(tmp_path):
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(os.urandom(8192))
    out, err = io.StringIO(), io.StringIO()
    assert main(["report", "--store", str(corrupt)], stdout=out, stderr=err) == 1
    assert err.getvalue() == f"roleplay: {corrupt} is not a results store (not a SQLite database)\n"


@pytest.mark.parametrize("command", [["report"], ["export", "--format", "csv", "--out", "OUT"], ["play", PLAYED_ID]])
def test_no_command_prints_the_password_of_a_database_url(in_repo, tmp_path, command):
    argv = [a.replace("OUT", str(tmp_path / "out.csv")) for a in command]
    out, err = io.StringIO(), io.StringIO()
    url = "postgresql+psycopg://user:s3cret@localhost:1/db"
    code = main([*argv, "--store", url], stdout=out, stderr=err, stdin=io.StringIO(""))
    assert code == 1
    assert "s3cret" not in out.getvalue() + err.getvalue()
    assert "postgresql+psycopg://user:***@localhost:1/db" in err.getvalue()
    assert err.getvalue().count("\n") == 1 and err.getvalue().startswith("roleplay: ")


@pytest.fixture
def no_voila(monkeypatch):
    """serve() would replace this process with Voila: record the attempt instead."""
    started = []
    monkeypatch.setattr("simulator.serve.os.execve", lambda *a: started.append(a))
    monkeypatch.setattr("simulator.serve.os.chdir", lambda *a: None)
    return started


def test_serve_refuses_a_read_only_store_before_voila_starts(in_repo, tmp_path, no_voila):
    db = tmp_path / "results.sqlite"
    open_store(str(db)).close()
    url = f"sqlite:///file:{db}?mode=ro&uri=true"  # read-only for root too (chmod is not)
    out, err = io.StringIO(), io.StringIO()
    code = main(["serve", "--store", url, "--no-preheat"], stdout=out, stderr=err)
    assert (code, no_voila) == (1, [])
    assert err.getvalue() == f"roleplay: cannot write the results store at {url}: read-only\n"
    assert out.getvalue() == ""


def test_serve_refuses_a_corrupt_store_before_voila_starts(in_repo, tmp_path, no_voila):
    corrupt = tmp_path / "results.sqlite"
    corrupt.write_bytes(os.urandom(8192))
    out, err = io.StringIO(), io.StringIO()
    code = main(["serve", "--store", str(corrupt), "--no-preheat"], stdout=out, stderr=err)
    assert (code, no_voila) == (1, [])
    assert err.getvalue() == f"roleplay: {corrupt} is not a results store (not a SQLite database)\n"


def test_serve_starts_voila_on_a_writable_store(in_repo, tmp_path, no_voila):
    out = io.StringIO()
    assert main(["serve", "--store", str(tmp_path / "ok.sqlite"), "--no-preheat"], stdout=out) == 0
    assert len(no_voila) == 1 and "simulator.webapp" in no_voila[0][1]  # Voila, through the lab's guarded subclass
