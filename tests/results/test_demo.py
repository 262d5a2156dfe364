"""Demo data: simulated trainees playing the shipped scenarios through the real engine.

One run of 12 trainees × 100 sessions (module-scoped) serves the statistical checks; small
runs check determinism, the workers, a second run into the same store and the command.
Every run pins the calendar with ``until``, so the rows do not depend on today's date.
"""

from __future__ import annotations

import io
import json
import statistics
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from simulator import Session, check_paths, open_store
from simulator.cli import main
from simulator.results.demo import EN_SURNAMES, PL_SURNAMES, PROFILES, TEAMS, generate

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"
UNTIL = datetime(2026, 3, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def scenarios():
    loaded, problems = check_paths([SCENARIOS])
    assert not problems
    return {s.id: s for s in loaded}


@pytest.fixture(scope="module")
def big(tmp_path_factory, scenarios):
    """12 trainees, 1,200 sessions, written in transactions of 500."""
    store = open_store(str(tmp_path_factory.mktemp("demo") / "big.sqlite"))
    summary = generate(
        store, list(scenarios.values()), trainees=12, sessions=1200, seed=7, until=UNTIL, batch=500, workers=1
    )
    yield store, summary
    store.close()


def _rows(store) -> dict[str, list]:
    """Every row of the store without ids: sessions in time order, the rest keyed to them."""
    sessions = sorted(store.sessions(), key=lambda r: (r["started_at"], r["trainee"], r["seed"]))
    position = {r["id"]: i for i, r in enumerate(sessions)}

    def without(row: dict, *keys: str) -> dict:
        return {k: v for k, v in row.items() if k not in keys}

    def result(row: dict) -> dict | None:
        return None if row["result"] is None else without(json.loads(row["result"]), "session_id")

    def keyed(rows, *drop: str) -> list:
        return sorted(
            ((position[r["session_id"]], r.get("idx", 0), without(r, "session_id", *drop)) for r in rows),
            key=lambda x: x[:2],
        )

    return {
        "sessions": [dict(without(r, "id", "result"), result=result(r)) for r in sessions],
        "turns": keyed(store.turns()),
        "teams": sorted(store.teams().items()),
        "reviews": keyed(store.reviews(), "id"),
        "self_assessments": keyed(store.self_assessments(), "id"),
    }


def _run(path: Path, scenarios, **options):
    store = open_store(str(path))
    try:
        settings = dict(trainees=5, sessions=90, seed=3, until=UNTIL, workers=1) | options
        summary = generate(store, list(scenarios.values()), **settings)
        return _rows(store), summary
    finally:
        store.close()


# ---------------------------------------------------------------- determinism


def test_the_same_seed_gives_the_same_rows(tmp_path, scenarios):
    first, summary = _run(tmp_path / "a.sqlite", scenarios)
    second, _ = _run(tmp_path / "b.sqlite", scenarios)
    assert first == second
    assert summary.sessions == len(first["sessions"]) == 90
    assert summary.turns == len(first["turns"])
    other, _ = _run(tmp_path / "c.sqlite", scenarios, seed=4)
    assert other["sessions"] != first["sessions"]


FORKED_RUN = """
import sys
from datetime import datetime
from simulator import check_paths, open_store
from simulator.results.demo import generate
scenarios, problems = check_paths([sys.argv[2]])
assert not problems
store = open_store(sys.argv[1])
summary = generate(store, scenarios, trainees=5, sessions=90, seed=3, until=datetime.fromisoformat(sys.argv[3]),
                   workers=2, batch=25)
print(summary.workers)
"""


def test_workers_do_not_change_the_rows(tmp_path, scenarios):
    alone, _ = _run(tmp_path / "one.sqlite", scenarios, batch=25)
    # Forked workers need a process without other threads; pytest's may hold some (browser tests).
    two = tmp_path / "two.sqlite"
    done = subprocess.run(
        [sys.executable, "-c", FORKED_RUN, str(two), str(SCENARIOS), UNTIL.isoformat()],
        capture_output=True, text=True, check=False, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2"]  # two processes played
    store = open_store(str(two))
    try:
        assert _rows(store) == alone
    finally:
        store.close()


def test_a_second_run_goes_on_counting_attempts(tmp_path, scenarios):
    store = open_store(str(tmp_path / "twice.sqlite"))
    try:
        for until in (UNTIL - timedelta(weeks=8), UNTIL):
            generate(store, list(scenarios.values()), trainees=3, sessions=30, seed=5, until=until, workers=1)
        attempts = defaultdict(list)
        for row in store.sessions():
            attempts[row["trainee"], row["scenario_id"]].append(row["attempt"])
        assert sum(map(len, attempts.values())) == 60
        for numbers in attempts.values():
            assert numbers == list(range(1, len(numbers) + 1))  # the second run's calendar comes later
    finally:
        store.close()


# ---------------------------------------------------------------- what the data shows


def _by_profile(store, summary) -> dict[str, list[dict]]:
    grouped = defaultdict(list)
    for row in store.sessions(status="completed"):
        grouped[summary.roster[row["trainee"]]].append(row)
    return grouped


def test_every_profile_plays_and_they_differ_as_intended(big):
    store, summary = big
    grouped = _by_profile(store, summary)
    assert set(grouped) == set(PROFILES)
    mean = {p: statistics.fmean(r["score"] for r in rows) for p, rows in grouped.items()}
    assert mean["empathetic"] > mean["novice"] + 30
    assert mean["steady"] > mean["novice"] + 30
    assert mean["empathetic"] > mean["hasty"]
    handle = {p: statistics.fmean(r["handle_time"] for r in rows) for p, rows in grouped.items()}
    assert handle["hasty"] < min(handle["empathetic"], handle["novice"])


def test_improving_trainees_get_better_with_attempts(big):
    store, summary = big
    rows = _by_profile(store, summary)["improving"]
    first = [r["score"] for r in rows if r["attempt"] == 1]
    later = [r["score"] for r in rows if r["attempt"] >= 5]
    assert first and later
    assert statistics.fmean(later) > statistics.fmean(first) + 15
    novice = _by_profile(store, summary)["novice"]
    assert statistics.fmean(r["score"] for r in novice if r["attempt"] >= 5) < statistics.fmean(later) - 15


def test_some_replies_are_typed_and_some_not_understood(big):
    store, summary = big
    turns = store.turns()
    typed = [t for t in turns if t["kind"] == "text"]
    assert 0.15 <= len(typed) / len(turns) <= 0.25
    assert summary.typed == len(typed)
    lost = [t for t in turns if not t["understood"]]
    assert lost and summary.not_understood == len(lost)
    assert all(t["kind"] == "text" and t["option_index"] is None for t in lost)
    assert {t["reply"] for t in typed} - {t["reply"] for t in turns if t["kind"] == "option"}  # slips and typos
    assert all(t["kind"] == "option" and t["confidence"] == 1.0 for t in turns if t["kind"] != "text")


def test_some_sessions_are_abandoned_with_their_turns_kept(big):
    store, summary = big
    sessions = store.sessions()
    abandoned = [s for s in sessions if s["status"] == "abandoned"]
    assert 0.03 <= len(abandoned) / len(sessions) <= 0.1
    assert summary.abandoned == len(abandoned) and summary.completed == len(sessions) - len(abandoned)
    assert {s["status"] for s in sessions} == {"completed", "abandoned"}
    for s in abandoned:
        turns = store.turns(s["id"])
        assert 1 <= len(turns) <= 4
        assert turns[-1]["ending"] is None
        assert s["final_mood"] == turns[-1]["mood_after"]
        assert s["score"] is None and s["result"] is None and s["ended_at"] >= turns[-1]["at"]


def test_attempts_are_consecutive_per_trainee_and_scenario(big):
    store, _ = big
    attempts = defaultdict(list)
    for row in store.sessions():  # oldest first
        attempts[row["trainee"], row["scenario_id"]].append(row["attempt"])
    assert max(map(len, attempts.values())) >= 5
    for numbers in attempts.values():
        assert numbers == list(range(1, len(numbers) + 1))


def test_trainees_have_teams_and_polish_and_english_names(big):
    store, summary = big
    teams = store.teams()
    assert set(teams) == set(summary.roster) and len(teams) == 12
    assert set(teams.values()) <= set(TEAMS)
    assert {r["trainee"] for r in store.sessions()} == set(teams)
    assert any(
        name.split()[-1].removesuffix("a") + "i" in PL_SURNAMES or name.split()[-1] in PL_SURNAMES for name in teams
    )
    assert any(name.split()[-1] in EN_SURNAMES for name in teams)


def test_the_calendar_spreads_sessions_over_weeks_in_simulated_time(big):
    store, _ = big
    sessions = store.sessions()
    starts = [datetime.fromisoformat(s["started_at"]) for s in sessions]
    assert UNTIL - timedelta(weeks=8) <= min(starts) and max(starts) < UNTIL
    assert len({d.date() for d in starts}) >= 30
    assert sum(d.weekday() < 5 for d in starts) / len(starts) > 0.85
    by_id = {s["id"]: s for s in sessions}
    latencies = []
    for turn in store.turns():
        s = by_id[turn["session_id"]]
        assert s["started_at"] < turn["at"] <= s["ended_at"]
        latencies.append(turn["latency"])
    assert min(latencies) >= 3 and max(latencies) < 300
    for s in sessions:
        if s["status"] == "completed":
            took = datetime.fromisoformat(s["ended_at"]) - datetime.fromisoformat(s["started_at"])
            assert took.total_seconds() == pytest.approx(s["handle_time"], abs=0.002)


def test_reviews_follow_the_reviewers_leanings(big, scenarios):
    store, summary = big
    completed = {s["id"]: s for s in store.sessions(status="completed")}
    reviews = store.reviews()
    assert summary.reviews == len(reviews)
    assert 0.05 <= len(reviews) / len(completed) <= 0.15
    drift = defaultdict(list)
    for review in reviews:
        session = completed[review["session_id"]]
        assert all(0 <= v <= 100 for v in review["scores"].values()) and 0 <= review["overall"] <= 100
        assert set(review["scores"]) == set(scenarios[session["scenario_id"]].competencies)
        assert review["passed"] == (review["overall"] >= scenarios[session["scenario_id"]].pass_mark)
        assert review["created_at"] > session["ended_at"] and review["comment"]
        drift[review["reviewer"]].append(review["overall"] - session["score"])
    assert {"rita", "marek"} <= set(drift)
    assert statistics.fmean(drift["rita"]) < -3 < 0 < statistics.fmean(drift["marek"])


def test_trainees_rate_themselves_higher(big):
    store, summary = big
    completed = {s["id"]: s for s in store.sessions(status="completed")}
    assessments = store.self_assessments()
    assert summary.self_assessments == len(assessments)
    assert 0.05 <= len(assessments) / len(completed) <= 0.15
    for a in assessments:
        auto = json.loads(completed[a["session_id"]]["result"])["competency_scores"]
        assert all(0 <= v <= 100 for v in a["scores"].values())
        assert all(a["scores"][c] >= min(100.0, auto[c] + 5) - 0.05 for c in auto)
        assert a["overall"] >= completed[a["session_id"]]["score"] - 0.1


# ---------------------------------------------------------------- the rows are the store's own


def _replay(row: dict, turns: list[dict], scenario, store):
    """Play a stored session again through the engine with the Store as its recorder."""

    class Clock:
        now = 0.0

        def __call__(self) -> float:
            return self.now

    clock = Clock()
    session = Session(
        scenario, trainee=row["trainee"], seed=row["seed"], clock=clock, recorder=store, started_at=row["started_at"]
    )
    for turn in turns:
        clock.now += turn["latency"]
        session.reply(turn["option_index"] + 1 if turn["kind"] == "option" else turn["reply"])
    if row["status"] == "abandoned":
        session.abandon()
    return session


def test_demo_rows_are_what_the_store_writes_for_the_same_play(big, scenarios, tmp_path):
    store, _ = big
    sessions = store.sessions()
    picked = [s for s in sessions if s["status"] == "abandoned"][:3]
    typed = {t["session_id"] for t in store.turns() if t["kind"] == "text" and not t["understood"]}
    picked += [s for s in sessions if s["status"] == "completed" and s["id"] in typed][:5]
    picked += [s for s in sessions if s["status"] == "completed"][:10]
    replayed = open_store(str(tmp_path / "replayed.sqlite"))
    try:
        for row in picked:
            turns = store.turns(row["id"])
            session = _replay(row, turns, scenarios[row["scenario_id"]], replayed)
            again = replayed.session(session.id)
            different = {"id", "attempt", "ended_at", "result"}
            assert {k: v for k, v in again.items() if k not in different} == {
                k: v for k, v in row.items() if k not in different
            }
            if row["result"] is not None:
                assert again["result"].replace(session.id, row["id"]) == row["result"]
            assert [
                {k: v for k, v in t.items() if k not in ("session_id", "at")} for t in replayed.turns(session.id)
            ] == [{k: v for k, v in t.items() if k not in ("session_id", "at")} for t in turns]
    finally:
        replayed.close()


# ---------------------------------------------------------------- the command


def test_the_command_fills_a_store_and_prints_a_summary(tmp_path):
    path = tmp_path / "cli.sqlite"
    out = io.StringIO()
    argv = ["demo-data", "--trainees", "4", "--sessions", "40", "--seed", "2", "--store", str(path)]
    code = main([*argv, "--scenarios", str(SCENARIOS), "--until", "2026-03-02", "--reviews", "0.5"], stdout=out)
    assert code == 0, out.getvalue()
    text = out.getvalue()
    assert str(path) in text
    for words in (
        "trainees: 4",
        "sessions: 40 (",
        "completed",
        "abandoned",
        "turns: ",
        "typed",
        "not understood",
        "reviews: ",
        "self-assessments: ",
        "time: ",
    ):
        assert words in text
    store = open_store(str(path))
    try:
        assert len(store.sessions()) == 40 and len(store.teams()) == 4 and store.reviews()
    finally:
        store.close()


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--reviews", "1.5"], "between 0 and 1"),
        (["--until", "next week"], "YYYY-MM-DD"),
        (["--trainees", "0"], "at least one trainee"),
        (["--scenarios", "no-such-folder"], "no scenarios folder"),
    ],
)
def test_the_command_says_what_is_wrong(tmp_path, capsys, option, message):
    argv = ["demo-data", "--sessions", "5", "--store", str(tmp_path / "x.sqlite"), "--scenarios", str(SCENARIOS)]
    assert main([*argv, *option], stdout=io.StringIO()) == 1
    assert message in capsys.readouterr().err
