"""Exports carry each turn's "Did you mean …?" and "that's not what I meant": ``proposed``,
``confirmed`` and ``corrected_from``, in csv, jsonl and xlsx, read back from a store of turns the
real engine played (the ``Unsure`` matcher of tests/core/test_clarification.py: "#N" is taken for
option N, anything else proposes options 1 and 2)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from simulator import Session
from simulator.cli import main

from ..core.test_clarification import Unsure

# (reply, proposed, confirmed, corrected_from) as the store holds them, turn by turn
EXPECTED = [
    ("I feel for you", [0, 1], True, None),  # proposed 1 and 2, the trainee confirmed 1
    ("hmm", [0, 1], False, None),  # proposed, declined: not understood
    ("#3", [], False, 2),  # taken for 3, corrected to 1
]


@pytest.fixture
def clarified(mini, store, store_path) -> Path:
    session = Session(mini, trainee="anna", seed=4, matcher=Unsure(), recorder=store)
    session.reply("I feel for you", clarify=True)
    session.confirm(1)
    session.reply("hmm", clarify=True)
    session.confirm(None)
    session.reply("#3")
    session.correct(1)
    rows = store.turns(session.id)
    assert [(r["reply"], r["proposed"], r["confirmed"], r["corrected_from"]) for r in rows] == EXPECTED
    return store_path


def export(store_path: Path, fmt: str, out: Path) -> None:
    stdout = io.StringIO()
    code = main(["export", "--format", fmt, "--out", str(out), "--store", str(store_path)], stdout=stdout)
    assert code == 0, stdout.getvalue()


def test_csv_carries_proposed_confirmed_and_corrected(clarified, tmp_path):
    out = tmp_path / "results.csv"
    export(clarified, "csv", out)
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    got = [(r["turn_reply"], r["turn_proposed"], r["turn_confirmed"], r["turn_corrected_from"]) for r in rows]
    assert got == [("I feel for you", "[0, 1]", "True", ""), ("hmm", "[0, 1]", "False", ""), ("#3", "[]", "False", "2")]


def test_jsonl_carries_proposed_confirmed_and_corrected(clarified, tmp_path):
    out = tmp_path / "results.jsonl"
    export(clarified, "jsonl", out)
    (row,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    got = [(t["reply"], t["proposed"], t["confirmed"], t["corrected_from"]) for t in row["turns"]]
    assert [tuple(x) for x in got] == EXPECTED


def test_xlsx_turns_sheet_carries_proposed_confirmed_and_corrected(clarified, tmp_path):
    out = tmp_path / "results.xlsx"
    export(clarified, "xlsx", out)
    turns = pd.read_excel(out, sheet_name="Turns")
    got = list(zip(turns["reply"], turns["proposed"], turns["confirmed"], turns["corrected_from"], strict=True))
    assert [(r, p, bool(c)) for r, p, c, _ in got] == [("I feel for you", "[0, 1]", True), ("hmm", "[0, 1]", False),
                                                       ("#3", "[]", False)]  # fmt: skip
    assert pd.isna(got[0][3]) and pd.isna(got[1][3]) and got[2][3] == 2
