"""simulator.results.reports on a hand-built store with numbers checked by hand.

The mini scenario (tests/data/mini): paths and their automatic results —
  [1,1] empathy 100, ownership 100, overall 100, passed, resolved, final mood 70 (CSAT 4), QA 100
  [2,1] empathy 0,   ownership 100, overall 33.3, failed, resolved, mood 30 (CSAT 2), QA 50
  [3]   empathy 0,   ownership 50,  overall 16.7, failed, resolved, mood 40 (CSAT 3), QA 0
  [1,2] empathy 100, ownership 0,   overall 66.7, failed, lost,     mood 30 (CSAT 2), QA 50
Sessions: anna [2,1] then [1,1]; ben [1,1] then [1,2]; cleo [3] then an abandoned one
("zebra crossing", not understood, then option 1). Each reply takes 10 s.
Reviews: anna#2 {80, 90} 83.3 pass; ben#2 {90, 70} 83.3 pass; cleo#1 {10, 40} 20 fail.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from simulator import Session, parse_scenario
from simulator.results import reports
from simulator.results.store import started_values, turn_row

from ..conftest import MINI, FakeClock

BOTH_BACKENDS = True  # the reports read SQLite and a real PostgreSQL server alike

PLAYS = [
    ("anna", "A", [2, 1]),
    ("ben", "A", [1, 1]),
    ("cleo", "B", [3]),
    ("anna", "A", [1, 1]),
    ("ben", "A", [1, 2]),
    ("cleo", "B", ["zebra crossing", 1]),
]


@pytest.fixture
def data(mini, store):
    ids = {}
    for day, (trainee, team, replies) in enumerate(PLAYS, start=1):
        store.set_team(trainee, team)
        clock = FakeClock()
        session = Session(
            mini,
            trainee=trainee,
            seed=day,
            clock=clock,
            recorder=store,
            started_at=f"2026-01-{day:02d}T09:00:00.000+00:00",
        )
        for reply in replies:
            clock.advance(10)
            session.reply(reply)
        if not session.finished:
            session.abandon()
        ids[(trainee, session.attempt)] = session.id
    store.add_review(ids[("anna", 2)], "rita", scores={"empathy": 80, "ownership": 90}, overall=83.3, passed=True)
    store.add_review(ids[("ben", 2)], "rita", scores={"empathy": 90, "ownership": 70}, overall=83.3, passed=True)
    store.add_review(ids[("cleo", 1)], "marek", scores={"empathy": 10, "ownership": 40}, overall=20, passed=False)
    store.add_self_assessment(ids[("anna", 1)], scores={"empathy": 60}, overall=60)
    return reports.load(store)


def test_reviewer_scores_are_the_ones_reports_use(data):
    s = data.sessions.set_index(["trainee", "attempt"])
    assert s.loc[("ben", 2), "auto_score"] == 66.7 and s.loc[("ben", 2), "score"] == 83.3
    assert bool(s.loc[("ben", 2), "passed"]) is True and bool(s.loc[("ben", 2), "auto_passed"]) is False
    assert s.loc[("anna", 1), "score"] == 33.3 and not s.loc[("anna", 1), "reviewed"]
    assert s.loc[("cleo", 2), "status"] == "abandoned"


def test_competency_matrix_levels(data):
    scores = reports.competency_scores(data)
    assert scores.to_dict("index") == {
        "anna": {"empathy": 80.0, "ownership": 90.0},
        "ben": {"empathy": 90.0, "ownership": 70.0},
        "cleo": {"empathy": 10.0, "ownership": 40.0},
    }
    matrix = reports.competency_matrix(data)
    assert matrix.to_dict("index") == {
        "anna": {"empathy": 2.0, "ownership": 3.0},
        "ben": {"empathy": 3.0, "ownership": 2.0},
        "cleo": {"empathy": 0.0, "ownership": 1.0},
    }


LATE_EMPATHY = """
schema_version: 1
id: late
title: Late empathy
language: en
persona: steady
briefing: Only the second decision point assesses empathy.
customer: {name: Ola, context: A kettle.}
competencies:
  empathy: {weight: 1}
  ownership: {weight: 1}
pass_mark: 50
max_turns: 4
nodes:
  opening:
    customer: Hi.
    options:
      - {text: Tell me more., scores: {ownership: 1}, feedback: Fine., next: fix}
      - {text: Here is a refund., scores: {ownership: 2}, feedback: Quick., next: done}
  fix:
    customer: It broke.
    options:
      - {text: I am so sorry., scores: {empathy: 2}, feedback: Kind., next: done}
      - {text: Noted., scores: {empathy: 0}, feedback: Flat., next: done}
endings:
  done: {outcome: resolved, customer: Thanks!}
"""


def test_a_competency_the_conversation_never_reached_is_not_assessed_not_zero(store):
    late = parse_scenario(LATE_EMPATHY, "late.yaml", personas_dir=MINI.parent / "personas")
    for trainee, replies in (("eva", [1, 1]), ("dora", [2]), ("finn", [1, 2])):
        session = Session(late, trainee=trainee, seed=1, clock=FakeClock(), recorder=store)
        for reply in replies:
            session.reply(reply)
        assert session.finished
    data = reports.load(store)
    scores = reports.competency_scores(data)
    # dora took the refund at once: the call never came to the point that assesses empathy
    assert math.isnan(scores.loc["dora", "empathy"]) and scores.loc["dora", "ownership"] == 100.0
    # finn came to it and chose the reply worth 0 where eva earned 2: assessed, at 0
    assert scores.loc["finn", "empathy"] == 0.0 and scores.loc["eva", "empathy"] == 100.0
    matrix = reports.competency_matrix(data)
    assert math.isnan(matrix.loc["dora", "empathy"]) and matrix.loc["finn", "empathy"] == 0.0
    assert reports.certification(data).loc["dora", "assessed"] == 1
    # a reviewer who scores the competency assesses it
    dora = data.sessions.set_index("trainee").loc["dora", "id"]
    store.add_review(dora, "rita", scores={"empathy": 60, "ownership": 100}, overall=80, passed=True)
    assert reports.competency_scores(reports.load(store)).loc["dora", "empathy"] == 60.0


def test_evidence_rule_best(data):
    best = reports.competency_scores(reports.Data(**{**data.__dict__, "rules": {**data.rules, "evidence": "best"}}))
    assert best.loc["ben"].to_dict() == {"empathy": 100.0, "ownership": 100.0}  # ben's automatic first attempt


def test_kpis_per_trainee_and_team_against_targets(data):
    by_trainee = reports.kpis(data)
    assert by_trainee.loc["anna", ["sessions", "csat", "fcr", "qa_score", "aht", "pass_rate"]].tolist() == [
        2,
        50.0,
        100.0,
        75.0,
        20.0,
        50.0,
    ]
    assert by_trainee.loc["ben", ["csat", "fcr", "qa_score", "pass_rate"]].tolist() == [50.0, 50.0, 75.0, 100.0]
    assert by_trainee.loc["cleo", ["sessions", "csat", "fcr", "qa_score", "aht"]].tolist() == [1, 0.0, 100.0, 0.0, 10.0]
    assert bool(by_trainee.loc["anna", "fcr_met"]) and not bool(by_trainee.loc["anna", "csat_met"])
    assert by_trainee.loc["anna", "csat_target"] == 95.0 and "aht_target" not in by_trainee
    by_team = reports.kpis(data, by="team")
    assert by_team.loc["A", ["sessions", "csat", "fcr", "qa_score", "aht", "pass_rate"]].tolist() == [
        4,
        50.0,
        75.0,
        75.0,
        20.0,
        75.0,
    ]


def test_first_best_latest_and_progress(data):
    table = reports.first_best_latest(data)
    assert table.loc[("anna", "mini")].tolist() == [2, 33.3, 83.3, 83.3, 50.0]
    assert table.loc[("ben", "mini"), "improvement"] == pytest.approx(-16.7)
    assert reports.progress(data)["trainee"].tolist() == ["anna", "ben", "cleo", "anna", "ben"]


def test_item_analysis(data):
    items = reports.item_analysis(data).set_index(["node", "option"])
    opening = items.loc["opening"]
    assert opening["chosen"].to_dict() == {1: 4, 2: 1, 3: 1}
    assert opening["share"].to_dict() == {1: 66.7, 2: 16.7, 3: 16.7}
    assert opening["best_share"].to_dict() == {1: 100.0, 2: 0.0, 3: 0.0}
    assert opening["mood_change"].to_dict() == {1: 10.0, 2: -20.0, 3: -10.0}
    assert set(opening["not_understood"]) == {1}
    fix = items.loc["fix"]
    assert fix["chosen"].to_dict() == {1: 3, 2: 1}
    assert fix["mood_change"].to_dict() == {1: 6.7, 2: -30.0}
    assert (items["scenario_version"] == 1).all()


def test_item_analysis_names_the_options_of_the_loaded_version(data, mini):
    items = reports.item_analysis(data, {"mini": mini}).set_index(["node", "option"])
    assert items.loc[("opening", 1), "text"] == "I'm sorry to hear that. Tell me more."
    assert items.loc[("fix", 2), "text"] == "Not my problem."


def test_not_understood_replies(data):
    table = reports.not_understood(data)
    assert table[["node", "reply", "times"]].values.tolist() == [["opening", "zebra crossing", 1]]


def test_agreement_pass_fail_kappa_and_correlation(data):
    row = reports.agreement(data).loc["mini"]
    assert row["reviewed"] == 3
    assert row["pass_agreement"] == 66.7
    assert row["kappa"] == 0.4  # po = 2/3, pe = 4/9
    # Pearson r of auto (100, 66.7, 16.7) against review (83.3, 83.3, 20): deviations from the means
    # (38.87, 5.57, -44.43) and (20.43, 20.43, -42.87) → 2547.4 / sqrt(3540.4 * 2669.6) = 0.918
    assert row["score_correlation"] == 0.918
    assert row["mean_difference"] == pytest.approx((-16.7 + 16.6 + 3.3) / 3, abs=0.05)


def test_cohen_kappa_edge_cases():
    assert reports.cohen_kappa([True, False], [True, False]) == 1.0
    assert math.isnan(reports.cohen_kappa([True, True], [True, True]))
    assert math.isnan(reports.cohen_kappa([], []))


def test_certification_from_editable_rules(data):
    rules = {
        **data.rules,
        "grades": [
            {"grade": "Expert", "min_competencies": 2, "all_at_least": 2},
            {"grade": "Specialist", "min_competencies": 2, "all_at_least": 1},
            {"grade": "Employee"},
        ],
    }
    grades = reports.certification(reports.Data(**{**data.__dict__, "rules": rules}))
    assert grades["grade"].to_dict() == {"anna": "Expert", "ben": "Expert", "cleo": "Employee"}
    assert grades.loc["cleo", "to_next_grade"] == "level 1 in empathy"  # what Specialist still needs
    assert grades.loc["anna", "to_next_grade"] == ""  # Expert is the top grade of these rules
    assert reports.certification(data)["grade"].unique().tolist() == ["Employee"]  # default rules need 3+


def test_select_filters(data):
    team_a = reports.select(data, team="A")
    assert set(team_a.sessions["trainee"]) == {"anna", "ben"}
    assert set(team_a.turns["trainee"]) == {"anna", "ben"}
    dated = reports.select(data, since="2026-01-02", until="2026-01-04")
    assert dated.sessions["trainee"].tolist() == ["ben", "cleo", "anna"]


def test_self_assessment_gap(data):
    assert reports.self_vs_auto(data).loc["anna"].tolist() == [1, 60.0, 33.3, 26.7]


def test_rules_file_is_documented_and_loads():
    rules = reports.load_rules()
    assert [r["level"] for r in rules["levels"]] == [3, 2, 1]
    assert rules["kpi_targets"]["csat"] == 95


def test_item_analysis_keeps_scenario_versions_apart(tmp_path, store):
    import shutil

    from simulator import load_scenario

    from ..conftest import MINI

    folder = tmp_path / "v2"
    shutil.copytree(MINI.parent, folder)
    v2_file = folder / "mini.yaml"
    text = v2_file.read_text(encoding="utf-8")
    v2_file.write_text(text.replace("\nid: mini\n", "\nid: mini\nversion: 2\n"), encoding="utf-8")
    v1, v2 = load_scenario(MINI), load_scenario(v2_file)
    assert v1.content_hash != v2.content_hash
    for scenario, first in ((v1, 1), (v2, 2), (v2, 2)):
        session = Session(scenario, trainee="dora", seed=1, recorder=store)
        session.reply(first)
        session.reply(1)
    rows = {r["id"]: r for r in store.sessions()}
    assert sorted((r["scenario_version"], r["scenario_hash"]) for r in rows.values()) == sorted(
        [(1, v1.content_hash), (2, v2.content_hash), (2, v2.content_hash)]
    )
    items = reports.item_analysis(reports.load(store)).set_index(["scenario_version", "node", "option"])
    assert items.loc[(1, "opening"), "chosen"].to_dict() == {1: 1}
    assert items.loc[(2, "opening"), "chosen"].to_dict() == {2: 2}


# ---------------------------------------------------------------- sessions left in progress


def _hand_built_in_progress(mini, store) -> dict[str, str]:
    """Four sessions in progress: two long silent (stale), two with recent activity; trainee -> id."""
    now = datetime.now(UTC)
    ago = lambda minutes: (now - timedelta(minutes=minutes)).isoformat(timespec="milliseconds")  # noqa: E731
    plan = {  # trainee: (started, the one reply's time or None)
        "left": (ago(120), ago(90)),  # replied once, then silent for 90 min
        "gone": (ago(180), None),  # never replied
        "thinking": (ago(120), ago(5)),  # a long session, its last reply 5 min ago
        "fresh": (ago(1), None),  # just started
    }
    rows, turns, ids = [], [], {}
    for trainee, (started, replied) in plan.items():
        session = Session(mini, trainee=trainee, started_at=started)
        if replied:
            session.reply(1)
            turns.append(turn_row(session.turns[0], session.id) | {"at": replied})
        rows.append(started_values(session))
        ids[trainee] = session.id
    store.bulk_insert(sessions=rows, turns=turns)
    return ids


def test_a_long_silent_session_counts_as_abandoned_not_in_progress(mini, store):
    _hand_built_in_progress(mini, store)
    data = reports.load(store)
    s = data.sessions.set_index("trainee")
    assert s["status"].to_dict() == {
        "left": "abandoned",
        "gone": "abandoned",
        "thinking": "in_progress",
        "fresh": "in_progress",
    }
    assert s["stale"].to_dict() == {"left": True, "gone": True, "thinking": False, "fresh": False}
    assert reports.STALE_AFTER == 30 * 60
    assert {r["status"] for r in store.sessions()} == {"in_progress"}  # reports never write


def test_the_stale_threshold_can_be_given(mini, store):
    _hand_built_in_progress(mini, store)
    s = reports.load(store, stale_after=4 * 3600).sessions
    assert set(s["status"]) == {"in_progress"} and not s["stale"].any()
    s = reports.load(store, stale_after=3 * 60).sessions.set_index("trainee")
    assert s["status"].to_dict() == {
        "left": "abandoned",
        "gone": "abandoned",
        "thinking": "abandoned",
        "fresh": "in_progress",
    }
