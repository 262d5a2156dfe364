"""The results store on a real SQLite file: written as it happens, several writers at once."""

from __future__ import annotations

import multiprocessing
import random
import sqlite3
import sys
import time
from collections import Counter

import pytest

from simulator import Session, StoreError, open_store
from simulator.results.store import (
    abandoned_values,
    finished_values,
    review_values,
    self_assessment_values,
    started_values,
    turn_row,
)

from .. import postgres
from ..conftest import MINI

BOTH_BACKENDS = True  # every test taking `store` runs on SQLite and on a real PostgreSQL server


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
    assert row["final_mood"] == 60  # a reply not understood costs no mood
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
    store.close()


# 50 writer processes on each backend, 4 sessions of 3 turns each: 1,000 writes at once. The processes
# are forked from a server that imported the lab once, so a class of 50 starts in seconds on 2 cores.
WRITERS, SESSIONS_EACH = 50, 4


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_fifty_processes_writing_at_once_lose_nothing(backend, store_path, request):
    if backend == "sqlite":
        location = str(store_path)
    else:
        location = postgres.new_database(request.getfixturevalue("postgres_server"))
    open_store(location).close()
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["simulator", "simulator.results.store", "sqlalchemy.dialects.postgresql.psycopg"])
    barrier = ctx.Barrier(WRITERS)
    procs = [ctx.Process(target=_writer, args=(location, w, SESSIONS_EACH, barrier)) for w in range(WRITERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(300)
    assert [p.exitcode for p in procs] == [0] * WRITERS
    store = open_store(location)
    rows = store.sessions()
    assert len(rows) == WRITERS * SESSIONS_EACH
    assert {r["status"] for r in rows} == {"completed"}
    turns = store.turns()
    store.close()
    assert Counter(t["session_id"] for t in turns) == {r["id"]: 3 for r in rows}  # no turn lost, none twice
    for trainee in ("shared-0", "shared-1"):  # no attempt number counted twice, none skipped
        attempts = sorted(r["attempt"] for r in rows if r["trainee"] == trainee)
        assert attempts == list(range(1, WRITERS * SESSIONS_EACH // 2 + 1))


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


# ---------------------------------------------------------------- the store's doors for bulk writers, exports, reports


def _meta_maker(path: str, barrier, out) -> None:
    from simulator import open_store

    store = open_store(path)
    barrier.wait()
    out.put(store.meta_value_or_set("k", lambda: __import__("secrets").token_hex(8)))


def _meta_value(path) -> str | None:
    store = open_store(str(path))
    try:
        return store.get_meta("k")
    finally:
        store.close()


def test_a_meta_value_is_made_once_and_kept(store, store_path):
    assert store.get_meta("k") is None
    made = []
    assert store.meta_value_or_set("k", lambda: made.append(1) or "first") == "first"
    assert store.meta_value_or_set("k", lambda: made.append(1) or "second") == "first"
    assert made == [1] and _meta_value(store_path) == "first"


def test_processes_making_a_meta_value_at_once_agree(store_path):
    open_store(str(store_path)).close()
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(3), ctx.Queue()
    procs = [ctx.Process(target=_meta_maker, args=(str(store_path), barrier, out)) for _ in range(3)]
    for p in procs:
        p.start()
    values = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(120)
    assert len(set(values)) == 1 and _meta_value(store_path) == values[0]


def test_bulk_insert_writes_the_rows_the_builders_make(mini, store):
    done = Session(mini, trainee="anna", seed=1)  # played in memory, written below
    done.reply(1)
    done.reply(1)
    left = Session(mini, trainee="anna", seed=2, attempt=2)
    left.reply(2)
    end = "2026-01-01T10:00:00.000+00:00"
    store.bulk_insert(
        sessions=[
            started_values(done) | finished_values(done.result(), end),
            started_values(left) | abandoned_values(end, left.turns[-1].mood_after),  # no result columns
        ],
        turns=[turn_row(t, s.id) for s in (done, left) for t in s.turns],
        reviews=[review_values(done.id, " rita ", {"empathy": 50.0}, 50, False, "rushed", end)],
        self_assessments=[self_assessment_values(done.id, {"empathy": 90.0}, 90, "", end)],
        teams={"anna": "Kraków"},
    )
    first, second = store.session(done.id), store.session(left.id)  # both started this millisecond
    assert (first["status"], first["score"], first["ended_at"], first["attempt"]) == ("completed", 100.0, end, 1)
    assert (second["status"], second["score"], second["attempt"]) == ("abandoned", None, 2)
    assert second["final_mood"] == left.turns[-1].mood_after
    assert [(t["session_id"], t["idx"], t["scores"]) for t in store.turns()] == [
        (s.id, t.index, t.scores) for s in sorted((done, left), key=lambda s: s.id) for t in s.turns
    ]
    [review] = store.reviews()
    assert (review["reviewer"], review["scores"], review["overall"], review["passed"]) == (
        "rita",
        {"empathy": 50.0},
        50.0,
        False,
    )
    assert store.self_assessments()[0]["overall"] == 90.0 and store.teams() == {"anna": "Kraków"}
    assert store.attempt_counts() == {("anna", "mini"): 2}
    assert Session(mini, trainee="anna", recorder=store).attempt == 3  # counted on from the bulk rows


def test_bulk_insert_writes_all_rows_or_none(store):
    row = {"id": "x", "trainee": "anna", "scenario_id": "mini", "scenario_version": 1, "scenario_hash": "h",
           "language": "en", "seed": 1, "attempt": 1, "mode": "practice", "status": "in_progress",
           "started_at": "2026-01-01T00:00:00.000+00:00"}  # fmt: skip
    with pytest.raises(StoreError, match="cannot write to the results store"):
        store.bulk_insert(sessions=[row, row])  # the same id twice
    assert store.sessions() == []


def test_frames_reads_the_columns_asked_for(mini, store):
    session = Session(mini, trainee="anna", recorder=store)
    session.reply(1)
    store.set_team("anna", "Warsaw")
    frames = store.frames({"sessions": ("id", "trainee"), "turns": ("session_id", "idx", "understood")})
    assert list(frames) == ["sessions", "turns", "reviews", "self_assessments", "trainees"]
    assert frames["sessions"].to_dict("records") == [{"id": session.id, "trainee": "anna"}]
    assert frames["turns"].to_dict("records") == [{"session_id": session.id, "idx": 0, "understood": 1}]
    assert frames["trainees"].to_dict("records") == [{"trainee": "anna", "team": "Warsaw"}]
    assert frames["reviews"].empty and "comment" in frames["reviews"].columns
    with pytest.raises(ValueError, match="no column nope"):
        store.frames({"sessions": ("nope",)})


def test_a_store_that_cannot_be_read_raises_a_store_error(store, store_path):
    with sqlite3.connect(store_path) as conn:  # another program breaks the store
        conn.execute("DROP TABLE self_assessments")
    with pytest.raises(StoreError, match=r"cannot read the results store .*self_assessments"):
        store.self_assessments()


def test_a_store_knows_whether_another_process_can_open_it(store):
    memory = open_store("sqlite://")
    try:
        assert memory.in_memory and not store.in_memory
    finally:
        memory.close()


# ---------------------------------------------------------------- missing, corrupt, read-only, locked; passwords


def test_a_reader_never_creates_a_store(tmp_path):
    missing = tmp_path / "typo" / "results.sqlite"
    with pytest.raises(StoreError) as caught:
        open_store(str(missing), create=False)
    assert str(caught.value) == f"no results store at {missing}"
    assert not (tmp_path / "typo").exists()
    with pytest.raises(StoreError, match="no results store at"):
        open_store(f"sqlite:///{missing}", create=False)
    assert not (tmp_path / "typo").exists()


def test_a_reader_opens_a_store_that_exists(mini, store_path):
    writer = open_store(str(store_path))
    Session(mini, trainee="anna", recorder=writer).reply(1)
    writer.close()
    reader = open_store(str(store_path), create=False)
    try:
        assert reader.count_sessions() == 1
    finally:
        reader.close()


def test_a_sqlite_file_without_the_tables_is_not_a_results_store_for_a_reader(tmp_path):
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    with pytest.raises(StoreError, match=r"is not a results store \(it has no sessions table\)"):
        open_store(str(other), create=False)
    with sqlite3.connect(other) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["t"]  # nothing added
    conn.close()


@pytest.mark.parametrize("create", [True, False], ids=["writer", "reader"])
def test_a_corrupt_file_is_not_a_results_store(tmp_path, create):
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(random.Random(1).randbytes(8192))
    with pytest.raises(StoreError) as caught:
        open_store(str(corrupt), create=create)
    assert str(caught.value) == f"{corrupt} is not a results store (not a SQLite database)"


def test_check_writable_passes_on_a_writable_store_and_leaves_nothing_behind(store, store_path):
    store.check_writable()
    assert store.count_sessions() == 0
    with sqlite3.connect(store_path) as conn:
        tables = sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
    conn.close()
    assert tables == [
        "assignments", "group_members", "meta", "reviews", "self_assessments", "sessions", "trainees", "turns"
    ]  # fmt: skip


def test_check_writable_refuses_a_read_only_store(store_path):
    open_store(str(store_path)).close()
    # chmod does not stop root, so the store is opened read-only by SQLite itself.
    read_only = open_store(f"sqlite:///file:{store_path}?mode=ro&uri=true")
    try:
        assert read_only.count_sessions() == 0  # reading is fine
        with pytest.raises(StoreError) as caught:
            read_only.check_writable()
    finally:
        read_only.close()
    assert str(caught.value) == f"cannot write the results store at {read_only.display_location}: read-only"


def test_a_lock_held_by_another_connection_is_waited_on_for_lock_timeout_only(store_path):
    store = open_store(str(store_path), lock_timeout=1)
    holder = sqlite3.connect(store_path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        started = time.monotonic()
        with pytest.raises(StoreError) as caught:
            store.set_team("anna", "Warsaw")
        waited = time.monotonic() - started
        holder.execute("ROLLBACK")
    finally:
        holder.close()
    assert 0.9 <= waited < 5, waited
    assert str(caught.value) == f"the results store {store_path} is locked by another process (waited 1 s); try again"
    store.set_team("anna", "Warsaw")  # the lock is gone: the store works again
    assert store.teams() == {"anna": "Warsaw"}
    store.close()


def test_the_lock_timeout_is_30_seconds_by_default(store):
    assert store.lock_timeout == 30


PASSWORD_URLS = [
    "postgresql+psycopg://user:s3cr%40t@localhost:1/db",  # a driver the lab does not install
    "postgresql://user:s3cr%40t@localhost:1/db",  # the same, by the dialect's default driver
    "mysql://user:s3cr%40t@localhost:1/db",
    "nosuchdb://user:s3cr%40t@localhost/db",  # no such dialect
    "postgresql://user:s3cr%40t@localhost:notaport/db",  # a URL SQLAlchemy cannot parse
]


@pytest.mark.parametrize("url", PASSWORD_URLS)
def test_a_password_in_a_database_url_is_never_shown(url):
    with pytest.raises(StoreError) as caught:
        open_store(url)
    message = str(caught.value)
    assert "s3cr" not in message and "user:***@" in message
    assert "\n" not in message


def test_a_missing_database_driver_is_named_with_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # missing, whether or not this machine has it
    with pytest.raises(StoreError) as caught:
        open_store("postgresql+psycopg://user:s3cret@localhost/db")
    assert str(caught.value) == (
        "cannot open the results store postgresql+psycopg://user:***@localhost/db: the database driver "
        "psycopg is not installed: pip install 'roleplay-lab[postgres]'"
    )


def test_the_display_location_hides_the_password():
    from simulator.results.store import redacted

    assert redacted("postgresql+psycopg://user:s3cret@host/db") == "postgresql+psycopg://user:***@host/db"
    assert redacted("postgresql://user:s3cret@host:notaport/db") == "postgresql://user:***@host:notaport/db"
    assert redacted("postgresql://user@host/db") == "postgresql://user@host/db"
    assert redacted("/data/results.sqlite") == "/data/results.sqlite"


def test_the_repr_of_a_store_is_its_display_location(store, store_path):
    assert repr(store) == f"Store({str(store_path)!r})" and store.display_location == str(store_path)
