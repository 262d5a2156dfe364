"""The results store on a real SQLite file: written as it happens, several writers at once."""

from __future__ import annotations

import multiprocessing
import sqlite3
from collections import Counter

import pytest

from simulator import Session, StoreError, open_store

from ..conftest import MINI


def test_each_turn_is_in_the_store_as_soon_as_it_is_answered(mini, store):
    session = Session(mini, trainee="anna", seed=9, recorder=store)
    row = store.session(session.id)
    assert row["status"] == "in_progress" and row["attempt"] == 1
    assert (row["scenario_id"], row["scenario_version"], row["scenario_hash"], row["seed"]) == (
        "mini",
        1,
        mini.content_hash,
        9,
    )
    session.reply(1)
    assert [t["node"] for t in store.turns(session.id)] == ["opening"]
    session.reply(1)
    row = store.session(session.id)
    assert (row["status"], row["outcome"], row["score"], row["passed"]) == ("completed", "resolved", 100.0, True)
    turns = store.turns(session.id)
    assert [(t["idx"], t["option_index"], t["mood_after"]) for t in turns] == [(0, 0, 60), (1, 0, 70)]
    assert turns[0]["scores"] == {"empathy": 2.0, "ownership": 0.0}


def test_abandoned_session_keeps_its_answered_turns(mini, store):
    session = Session(mini, trainee="anna", recorder=store)
    session.reply(1)
    session.reply("this reply is not understood at all, zebra")
    session.abandon()
    row = store.session(session.id)
    assert row["status"] == "abandoned" and row["ended_at"]
    assert row["final_mood"] == 57
    assert [t["understood"] for t in store.turns(session.id)] == [True, False]


def test_a_session_left_in_progress_can_be_marked_abandoned_later(mini, store_path):
    first = open_store(str(store_path))
    session = Session(mini, trainee="anna", recorder=first)
    session.reply(1)
    first.close()  # the process dies; the next one tidies up
    second = open_store(str(store_path))
    assert second.mark_abandoned(session.id) is True
    assert second.mark_abandoned(session.id) is False
    assert second.session(session.id)["status"] == "abandoned"


def test_attempts_count_per_trainee_and_scenario(mini, store):
    attempts = [Session(mini, trainee=t, recorder=store).attempt for t in ("anna", "anna", "ben", "anna")]
    assert attempts == [1, 2, 1, 3]


def test_store_is_sqlite_in_wal_mode(store, store_path):
    with sqlite3.connect(store_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_unwritable_store_raises_a_store_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="results store"):
        open_store(str(blocker / "results.sqlite"))


def _writer(path: str, worker: int, sessions: int, barrier) -> None:
    from simulator import Session, load_scenario, open_store

    scenario = load_scenario(MINI)
    store = open_store(path)
    barrier.wait()
    for i in range(sessions):
        session = Session(scenario, trainee=f"shared-{i % 2}", seed=worker * 100 + i, recorder=store)
        for reply in (1, 3, 1):
            session.reply(reply)


def test_several_processes_writing_at_once_lose_nothing(store_path):
    open_store(str(store_path)).close()
    workers, per_worker = 4, 12
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(workers)
    procs = [ctx.Process(target=_writer, args=(str(store_path), w, per_worker, barrier)) for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * workers
    store = open_store(str(store_path))
    rows = store.sessions()
    assert len(rows) == workers * per_worker
    assert {r["status"] for r in rows} == {"completed"}
    assert Counter(t["session_id"] for t in store.turns()) == {r["id"]: 3 for r in rows}
    for trainee in ("shared-0", "shared-1"):
        attempts = sorted(r["attempt"] for r in rows if r["trainee"] == trainee)
        assert attempts == list(range(1, workers * per_worker // 2 + 1))


def test_reviews_and_self_assessments_sit_beside_the_automatic_result(mini, store):
    session = Session(mini, trainee="anna", recorder=store)
    session.reply(3)
    auto = store.session(session.id)["score"]
    store.add_review(
        session.id,
        "rita",
        scores={"empathy": 50, "ownership": 70},
        overall=56.7,
        passed=False,
        comment="rushed the solution",
    )
    store.add_self_assessment(session.id, scores={"empathy": 80}, overall=80, comment="felt fine")
    assert store.session(session.id)["score"] == auto  # never overwritten
    [review] = store.reviews(session.id)
    assert (review["reviewer"], review["scores"], review["overall"], review["passed"]) == (
        "rita",
        {"empathy": 50, "ownership": 70},
        56.7,
        False,
    )
    assert store.self_assessments()[0]["comment"] == "felt fine"
    with pytest.raises(StoreError, match="outside 0-100"):
        store.add_review(session.id, "rita", scores={"empathy": 150}, overall=50, passed=True)
    with pytest.raises(StoreError, match="no such session"):
        store.add_review("nope", "rita", scores={}, overall=50, passed=True)


def test_teams(store):
    store.set_team("anna", "Warsaw")
    store.set_team("anna", "Kraków")
    store.set_team("ben", "Warsaw")
    assert store.teams() == {"anna": "Kraków", "ben": "Warsaw"}
