"""`roleplay export`: every format read back from a store of really played sessions.

The store (the mini scenario, tests/data/mini):
- Zofia's attempt 1: a typed reply (understood), a typed reply that is not understood (it
  looks like an Excel formula and holds a control character), then option 1 → resolved,
  passed; a reviewer scored it. Replies after 12.5 s, 3 s and 4.25 s: handle time 19.75 s.
- Zofia's attempt 2: option 1, then option 4, which discloses another customer's data → a
  breach, failed. Replies after 2 s and 7.75 s: handle time 9.75 s.
- Bartosz: option 2 after 5 s, then he leaves → abandoned.

The xAPI statements' own tests are in test_xapi.py (and against a real LRS, test_xapi_lrs.py).
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from simulator import Session, open_store
from simulator.cli import main
from simulator.core.competencies import competency_title
from simulator.results import export, reports

ZOFIA, BARTOSZ, REVIEWER = "Zofia Kowalska", "Bartosz Nowak", "Ewa Recenzentka"
REAL_NAMES = (ZOFIA, BARTOSZ, REVIEWER, "Kowalska", "Nowak", "Recenzentka")
TYPED = "so sorry, please tell me more about it"
NOT_UNDERSTOOD = '=HYPERLINK("http://example.org","click")\x07 zebra crossing'
COMMENT = "Warm opening; offer the replacement sooner."
FORMATS = ["csv", "jsonl", "xlsx", "xapi"]
PSEUDONYM = re.compile(r"^trainee-[0-9a-f]{12}$")
SHEETS = ["Competency matrix", "KPIs", "Sessions", "Turns", "Reviews", "Assignments", "Notes"]


@pytest.fixture(autouse=True)
def _no_salt_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROLEPLAY_SALT", raising=False)


@pytest.fixture
def played(mini, store, store_path, clock) -> SimpleNamespace:
    def replies(session: Session, *steps: tuple[float, int | str]) -> Session:
        for seconds, reply in steps:
            clock.advance(seconds)
            session.reply(reply)
        return session

    first = replies(
        Session(mini, trainee=ZOFIA, seed=1, clock=clock, recorder=store), (12.5, TYPED), (3, NOT_UNDERSTOOD), (4.25, 1)
    )
    second = replies(Session(mini, trainee=ZOFIA, seed=2, clock=clock, recorder=store), (2, 1), (7.75, 4))
    third = replies(Session(mini, trainee=BARTOSZ, seed=3, clock=clock, recorder=store), (5, 2))
    third.abandon()
    store.add_review(
        first.id, REVIEWER, scores={"empathy": 90, "ownership": 80}, overall=85, passed=True, comment=COMMENT
    )
    store.set_team(ZOFIA, "Team Warsaw")
    # What the store must hold for the tests below to mean anything.
    assert [t.kind for t in first.turns] == ["text", "text", "option"]
    assert [t.understood for t in first.turns] == [True, False, True]
    assert first.result().passed and not first.result().breaches
    assert second.result().breaches and not second.result().passed
    assert third.status == "abandoned"
    return SimpleNamespace(store=store, path=store_path, first=first, second=second, third=third)


def run_export(played, fmt: str, out: Path, *extra: str) -> str:
    stdout = io.StringIO()
    code = main(["export", "--format", fmt, "--out", str(out), "--store", str(played.path), *extra], stdout=stdout)
    assert code == 0, stdout.getvalue()
    return stdout.getvalue()


def sessions_of(played) -> list[dict]:
    return played.store.sessions()


# ---------------------------------------------------------------- csv and jsonl


def test_csv_has_a_row_per_turn_with_the_sessions_columns(played, tmp_path):
    out_file = tmp_path / "results.csv"
    assert run_export(played, "csv", out_file) == f"wrote 3 sessions and 6 turns to {out_file} (from {played.path})\n"
    with out_file.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    ids = [played.first.id] * 3 + [played.second.id] * 2 + [played.third.id]
    assert [r["session_id"] for r in rows] == ids
    assert [r["session_trainee"] for r in rows] == [ZOFIA] * 5 + [BARTOSZ]
    assert [r["turn_reply"] for r in rows[:3]] == [TYPED, NOT_UNDERSTOOD, "I'll send a replacement today."]
    assert [r["turn_kind"] for r in rows[:3]] == ["text", "text", "option"]
    assert [r["turn_understood"] for r in rows[:3]] == ["True", "False", "True"]
    assert rows[4]["turn_breach"] == "Disclosed another customer's personal data."
    assert rows[5]["session_status"] == "abandoned"
    assert "session_result" not in rows[0]


def test_jsonl_nests_turns_reviews_and_the_result(played, tmp_path):
    out_file = tmp_path / "results.jsonl"
    run_export(played, "jsonl", out_file)
    rows = [json.loads(line) for line in out_file.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [played.first.id, played.second.id, played.third.id]
    first, second, third = rows
    assert [len(r["turns"]) for r in rows] == [3, 2, 1]
    assert first["turns"][1]["reply"] == NOT_UNDERSTOOD
    assert first["result"]["overall"] == played.first.result().overall
    assert first["result"]["trainee"] == ZOFIA
    assert first["competency_scores"] == played.first.result().competency_scores
    [review] = first["reviews"]
    assert (review["reviewer"], review["overall"], review["passed"], review["comment"]) == (REVIEWER, 85, True, COMMENT)
    assert review["scores"] == {"empathy": 90, "ownership": 80}
    assert second["reviews"] == [] and second["result"]["breaches"]
    assert third["result"] is None and third["status"] == "abandoned"


# ---------------------------------------------------------------- xlsx


def read_book(path: Path) -> dict[str, pd.DataFrame]:
    return pd.read_excel(path, sheet_name=None)


def test_xlsx_holds_the_matrix_kpis_sessions_turns_and_reviews(played, tmp_path):
    out_file = tmp_path / "book.xlsx"
    assert run_export(played, "xlsx", out_file) == f"wrote 3 sessions and 6 turns to {out_file} (from {played.path})\n"
    book = read_book(out_file)
    assert list(book) == SHEETS

    sessions = book["Sessions"]
    stored = sessions_of(played)
    assert list(sessions["id"]) == [s["id"] for s in stored]
    assert list(sessions["trainee"]) == [ZOFIA, ZOFIA, BARTOSZ]
    assert list(sessions["status"]) == ["completed", "completed", "abandoned"]
    assert list(sessions["attempt"]) == [1, 2, 1]
    assert list(sessions["score"][:2]) == [s["score"] for s in stored[:2]] and pd.isna(sessions["score"][2])
    assert list(sessions["handle_time"][:2]) == [19.75, 9.75]
    assert list(sessions["team"].fillna("")) == ["Team Warsaw", "Team Warsaw", ""]
    first_scores = played.first.result().competency_scores
    assert [sessions.loc[0, f"score_{c}"] for c in first_scores] == list(first_scores.values())
    assert sessions.loc[1, "breaches"] == played.second.result().breaches[0]
    assert list(sessions["reviews"]) == [1, 0, 0] and sessions.loc[0, "review_overall"] == 85
    assert sessions.loc[0, "started_at"] == pd.Timestamp(stored[0]["started_at"]).tz_convert(None)
    assert "result" not in sessions and "competency_scores" not in sessions

    turns = book["Turns"]
    assert len(turns) == 6
    assert list(turns["session_id"]) == [played.first.id] * 3 + [played.second.id] * 2 + [played.third.id]
    assert list(turns["idx"]) == [0, 1, 2, 0, 1, 0]
    # Written as text, not as a formula; the control character Excel cannot hold is dropped.
    assert turns.loc[1, "reply"] == NOT_UNDERSTOOD.replace("\x07", "")
    assert list(turns["understood"][:3]) == [True, False, True]
    assert json.loads(turns.loc[0, "scores"]) == played.first.turns[0].scores
    assert list(turns["latency"][:3]) == [12.5, 3, 4.25]

    reviews = book["Reviews"]
    assert reviews[["session_id", "reviewer", "overall", "comment"]].values.tolist() == [
        [played.first.id, REVIEWER, 85, COMMENT]
    ]

    data = reports.load(played.store)
    matrix = book["Competency matrix"].set_index("Trainee")
    expected = reports.competency_matrix(data)
    assert list(matrix.index) == [ZOFIA]  # Bartosz finished nothing
    # headed with the names the reviewer reads, not the ids
    assert list(expected.columns) == sorted(first_scores)
    assert list(matrix.columns) == [competency_title(c) for c in expected.columns]
    assert not set(matrix.columns) & set(first_scores)
    assert matrix.fillna(-1).to_numpy().tolist() == expected.fillna(-1).to_numpy().tolist()
    assert set(matrix.stack().tolist()) <= {0, 1, 2, 3}

    kpis = book["KPIs"].set_index("Trainee")
    expected = reports.kpis(data, by="trainee")
    assert list(kpis.index) == [ZOFIA]
    assert list(kpis.columns[:6]) == ["Sessions", "CSAT %", "FCR %", "QA score", "AHT s", "Pass rate %"]
    assert {"CSAT % target", "CSAT % met", "FCR % met", "Pass rate % met"} <= set(kpis.columns)
    assert not any("_" in column for column in kpis.columns)  # no id left: csat_met, qa_score
    assert kpis.loc[ZOFIA, "Sessions"] == 2
    titled = dict(zip(expected.columns, kpis.columns, strict=True))
    for column in expected.columns:
        assert kpis.loc[ZOFIA, titled[column]] == expected.loc[ZOFIA, column], column

    notes = dict(book["Notes"].values.tolist())
    assert (notes["sessions"], notes["turns"], notes["names"]) == (3, 6, "as recorded")
    assert "not assessed" in notes["Competency matrix"] and "score_<competency>" in notes["ids"]
    for competency in first_scores:  # the raw sheets keep the ids; the notes name them
        assert notes[f"competency {competency}"] == competency_title(competency)
        assert f"score_{competency}" in sessions
    assert notes["KPI csat"].startswith("CSAT %: ") and notes["KPI qa_score"].startswith("QA score: ")


def test_xlsx_turns_are_capped_at_the_row_limit_with_a_note(played, tmp_path, monkeypatch):
    monkeypatch.setattr(export.xlsx, "EXCEL_MAX_ROWS", 5)  # header and 4 turns
    out_file = tmp_path / "book.xlsx"
    printed = run_export(played, "xlsx", out_file)
    note = "the Turns sheet holds the first 4 of 6 turns (Excel's limit is 5 rows a sheet); export csv or jsonl"
    assert note in printed
    book = read_book(out_file)
    assert len(book["Turns"]) == 4 and len(book["Sessions"]) == 3
    assert any(str(value).startswith(note) for value in book["Notes"]["value"])


# ---------------------------------------------------------------- pseudonymization


def exported_text(path: Path) -> str:
    """Every byte an export wrote, as text (the parts of a workbook unzipped)."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as book:
            return "\n".join(book.read(name).decode("utf-8") for name in book.namelist())
    return path.read_text(encoding="utf-8")


def pseudonyms_in(path: Path, fmt: str, session_ids: list[str]) -> dict[str, str]:
    """Session id -> the trainee as that export wrote it."""
    if fmt == "csv":
        with path.open(encoding="utf-8", newline="") as f:
            return {r["session_id"]: r["session_trainee"] for r in csv.DictReader(f)}
    if fmt == "jsonl":
        return {r["id"]: r["trainee"] for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}
    if fmt == "xlsx":
        sessions = pd.read_excel(path, sheet_name="Sessions")
        return dict(zip(sessions["id"], sessions["trainee"], strict=True))
    # xapi: the registration is uuid5 of the session id.
    names = {st["context"]["registration"]: st["actor"]["account"]["name"] for st in json.loads(path.read_text())}
    return {sid: names[str(uuid.uuid5(export.XAPI_NAMESPACE, sid))] for sid in session_ids}


def test_pseudonymized_exports_hide_every_name_and_stay_stable(played, tmp_path):
    ids = [played.first.id, played.second.id, played.third.id]
    seen: dict[str, dict[str, str]] = {}
    for fmt in FORMATS:
        for run in ("a", "b"):
            out_file = tmp_path / run / f"export.{fmt}"
            run_export(played, fmt, out_file, "--pseudonymize")
            text = exported_text(out_file)
            for name in REAL_NAMES:
                assert name not in text, (fmt, name)
            seen[f"{fmt}/{run}"] = pseudonyms_in(out_file, fmt, ids)
    reference = seen["csv/a"]
    assert all(found == reference for found in seen.values()), seen  # every format, every run
    zofia, bartosz = reference[played.first.id], reference[played.third.id]
    assert reference[played.second.id] == zofia
    assert zofia != bartosz and PSEUDONYM.match(zofia) and PSEUDONYM.match(bartosz)
    salt = export.pseudonym_salt(played.store)
    assert zofia == export.pseudonym(salt, ZOFIA) and bartosz == export.pseudonym(salt, BARTOSZ)

    jsonl = [json.loads(line) for line in (tmp_path / "a" / "export.jsonl").read_text(encoding="utf-8").splitlines()]
    assert jsonl[0]["result"]["trainee"] == zofia
    [review] = jsonl[0]["reviews"]
    assert re.fullmatch(r"reviewer-[0-9a-f]{12}", review["reviewer"]) and review["reviewer"] == export.pseudonym(
        salt, REVIEWER, "reviewer"
    )
    assert review["comment"] == COMMENT  # free text is kept, as the help says

    book = read_book(tmp_path / "a" / "export.xlsx")
    assert list(book["Competency matrix"]["Trainee"]) == list(book["KPIs"]["Trainee"]) == [zofia]
    assert set(book["Turns"]["trainee"]) == {zofia, bartosz}
    assert list(book["Reviews"]["reviewer"]) == [review["reviewer"]]
    assert dict(book["Notes"].values.tolist())["names"].startswith("pseudonymized")


def test_the_salt_lives_in_the_store_and_the_environment_overrides_it(played, tmp_path, monkeypatch):
    first = export.collect(played.store, pseudonymize=True).sessions[0]["trainee"]
    reopened = open_store(str(played.path))
    try:
        assert export.collect(reopened, pseudonymize=True).sessions[0]["trainee"] == first
    finally:
        reopened.close()
    with sqlite3.connect(played.path) as conn:  # what is on disk
        rows = conn.execute("SELECT key, value FROM meta WHERE key = 'pseudonym_salt'").fetchall()
    assert [key for key, _ in rows] == ["pseudonym_salt"] and re.fullmatch(r"[0-9a-f]{64}", rows[0][1])

    monkeypatch.setenv("ROLEPLAY_SALT", "a salt the whole organisation shares")
    shared = export.collect(played.store, pseudonymize=True).sessions[0]["trainee"]
    assert shared == export.pseudonym(b"a salt the whole organisation shares", ZOFIA) != first

    other = open_store(str(tmp_path / "other.sqlite"))  # another store: another salt
    monkeypatch.delenv("ROLEPLAY_SALT")
    try:
        assert export.pseudonym_salt(other) != export.pseudonym_salt(played.store)
    finally:
        other.close()


# ---------------------------------------------------------------- edges


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_store_exports_in_every_format(fmt, tmp_path):
    out_file = tmp_path / "deep" / f"empty.{fmt}"
    store = tmp_path / "empty.sqlite"
    open_store(str(store)).close()  # made by a writer: export only reads
    stdout = io.StringIO()
    assert main(["export", "--format", fmt, "--out", str(out_file), "--store", str(store)], stdout=stdout) == 0
    assert stdout.getvalue().splitlines()[0] == f"wrote 0 sessions and 0 turns to {out_file} (from {store})"
    if fmt == "xapi":
        assert json.loads(out_file.read_text()) == []
    if fmt == "xlsx":
        book = read_book(out_file)
        assert list(book) == SHEETS and all(book[s].empty for s in SHEETS[:-1])


def test_an_unwritable_output_is_one_clear_line(played, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code = main(
        ["export", "--format", "csv", "--out", str(blocker / "x.csv"), "--store", str(played.path)],
        stdout=io.StringIO(),
    )
    assert code == 1
    assert capsys.readouterr().err.startswith(f"roleplay: cannot write {blocker / 'x.csv'}")


def test_the_export_module_does_not_import_pandas():
    code = (
        "import sys, simulator.cli, simulator.results.export; simulator.cli.build_parser(); "
        "print('pandas' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
