"""A trainee's own progress in plain Python: the same numbers as the reviewer's pandas reports."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from simulator import Session, parse_scenario
from simulator.core.competencies import competency_title
from simulator.results import grading, reports
from simulator.results.progress import my_progress

from ..conftest import MINI, FakeClock

BOTH_BACKENDS = True

PLAYS = [  # trainee, scenario, replies
    ("anna", "mini", [2, 1]),
    ("ben", "mini", [1, 1]),
    ("cleo", "mini", [3]),
    ("anna", "mini", [1, 1]),
    ("ben", "mini", [1, 2]),
    ("anna", "mini2", [2, 2]),
    ("anna", "mini", [1]),  # not finished: abandoned
    ("ben", "mini2", [1, 1]),
]


@pytest.fixture(scope="module")
def mini2():
    text = MINI.read_text(encoding="utf-8").replace("id: mini", "id: mini2").replace("title: Mini", "title: Mini 2")
    text = text.replace("ownership", "rapport")
    return parse_scenario(text, "mini2.yaml", personas_dir=MINI.parent / "personas")


@pytest.fixture
def played(mini, mini2, store):
    library = {"mini": mini, "mini2": mini2}
    ids = []
    for day, (trainee, sid, replies) in enumerate(PLAYS, start=1):
        clock = FakeClock()
        session = Session(
            library[sid], trainee=trainee, seed=day, clock=clock, recorder=store,
            started_at=f"2026-01-{day:02d}T09:00:00.000+00:00",
        )  # fmt: skip
        for reply in replies:
            clock.advance(10)
            session.reply(reply)
        if not session.finished:
            session.abandon()
        ids.append(session.id)
    # a reviewer re-scores anna's first attempt at mini: the effective score is the review's
    store.add_review(ids[0], "rita", scores={"empathy": 90, "ownership": 95}, overall=93.3, passed=True)
    return library, ids


@pytest.mark.parametrize("evidence", ["latest", "best", "mean"])
def test_progress_agrees_with_the_reviewers_reports(store, played, evidence):
    library, _ids = played
    rules = grading.load_rules() | {"evidence": evidence}
    data = reports.load(store, rules)
    matrix, grades, fbl = reports.competency_matrix(data), reports.certification(data), reports.first_best_latest(data)
    scores = reports.competency_scores(data)
    for trainee in ("anna", "ben", "cleo"):
        mine = my_progress(store, trainee, library, rules)
        expected_levels = {c: v for c, v in matrix.loc[trainee].items() if not math.isnan(v)}
        assert mine.levels == expected_levels
        assert mine.competency_scores == {c: v for c, v in scores.loc[trainee].items() if not math.isnan(v)}
        assert mine.grade == grades.loc[trainee, "grade"]
        # the reviewer's table names competencies by id; the trainee reads their titles
        titled = grades.loc[trainee, "to_next_grade"]
        for competency in scores.columns:
            titled = titled.replace(competency, competency_title(competency))
        assert mine.to_next_grade == titled
        for sid, row in fbl.loc[trainee].iterrows():
            got = mine.scenarios[sid]
            assert (got.completed, got.first, got.best, got.latest) == (
                row["attempts"], row["first"], row["best"], row["latest"],
            )  # fmt: skip


def test_progress_lists_the_trainees_own_attempts_only(store, played):
    library, ids = played
    mine = my_progress(store, "anna", library)
    assert [a.session_id for a in mine.attempts] == [ids[0], ids[3], ids[5], ids[6]]
    assert [(a.scenario_id, a.attempt, a.status) for a in mine.attempts] == [
        ("mini", 1, "completed"), ("mini", 2, "completed"), ("mini2", 1, "completed"), ("mini", 3, "abandoned"),
    ]  # fmt: skip
    first = mine.attempts[0]
    assert (first.score, first.passed, first.reviewed) == (93.3, True, True)
    assert mine.attempts[-1].score is None
    assert mine.scenarios["mini"].attempts == 3 and mine.scenarios["mini"].completed == 2
    found = store.trainee_results("anna")
    assert {r["trainee"] for r in found["sessions"]} == {"anna"} and len(found["reviews"]) == 1
    assert store.trainee_results("anna' OR '1'='1")["sessions"] == []


def test_the_next_scenario_trains_the_weakest_competency_not_yet_mastered(store, played, mini, mini2):
    library, _ids = played
    nobody = my_progress(store, "zoe", library)  # never played: nothing assessed
    assert (nobody.attempts, nobody.levels, nobody.grade) == ([], {}, "Employee")
    assert nobody.weakest == "empathy" and nobody.next_scenario == "mini"  # alphabetical among the unassessed
    anna = my_progress(store, "anna", library)
    weakest = min(anna.competency_scores, key=lambda c: (anna.competency_scores[c], c))
    assert anna.weakest == weakest
    assert weakest in library[anna.next_scenario].model.competencies
    assert not anna.scenarios.get(anna.next_scenario) or not anna.scenarios[anna.next_scenario].mastered
    ben = my_progress(store, "ben", {"mini": mini})  # ben's best at mini is 100: mastered, nothing to suggest
    assert ben.scenarios["mini"].mastered and (ben.weakest, ben.next_scenario) == (None, None)


def test_the_practice_kernel_reads_progress_without_pandas(store_path, mini):
    code = (
        "import sys\n"
        "from simulator import open_store, load_scenario\n"
        "from simulator.ui.progress import ProgressView\n"
        f"store = open_store({str(store_path)!r})\n"
        f"view = ProgressView(store, 'anna', {{'mini': load_scenario({str(MINI)!r})}})\n"
        "assert 'anna' in view.html.value\n"
        "print(sorted(m for m in ('pandas', 'numpy', 'matplotlib') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_what_the_next_grade_needs_names_competencies_by_title():
    rules = grading.load_rules()
    levels = {"legal_knowledge": 0, "empathy": 0, "ownership": 0, "upsell": 0}
    _grade, by_id = grading.grade_for(levels, rules)
    _grade, by_title = grading.grade_for(levels, rules, name=competency_title)
    assert by_id.startswith("level 1 in empathy, legal_knowledge, ownership, upsell")
    assert by_title.startswith("level 1 in Empathy, Legal basics, Ownership, Upsell and cross-sell")
