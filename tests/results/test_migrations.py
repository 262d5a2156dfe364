"""The store's schema versions: a store made by an earlier lab is migrated in place on open, once.

The old store is built from the DDL the lab used before schema versions (tests/data/schema-v0/,
as SQLAlchemy made it for SQLite and for PostgreSQL at commit c7dccca) with rows written by the
database driver itself, not by the store.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import sqlite3
import time

import pytest

from simulator import Session, StoreError, open_store
from simulator.results import reports
from simulator.results.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    finished_values,
    review_values,
    self_assessment_values,
    started_values,
    turn_row,
)

from .. import postgres
from ..conftest import ROOT

OLD_DDL = ROOT / "tests" / "data" / "schema-v0"
BOTH_BACKENDS = True  # test_a_new_store_is_made_at_the_latest_version runs on both
END = "2026-01-02T10:00:00.000+00:00"


def _statements(backend: str) -> list[str]:
    text = (OLD_DDL / f"{backend}.sql").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def _old_rows(mini) -> dict[str, list[dict]]:
    """Rows as the old lab wrote them: a completed and an abandoned session of anna, a review, a team."""
    done = Session(mini, trainee="anna", seed=1, started_at="2026-01-02T09:00:00.000+00:00")
    done.reply(1)
    done.reply(1)
    left = Session(mini, trainee="anna", seed=2, attempt=2, started_at="2026-01-03T09:00:00.000+00:00")
    left.reply(2)
    session_rows = [
        started_values(done) | finished_values(done.result(), END),
        started_values(left) | {"status": "abandoned", "ended_at": END, "final_mood": left.mood},
    ]
    return {
        "sessions": session_rows,
        "turns": [_before_3(turn_row(t, s.id)) for s in (done, left) for t in s.turns],
        "reviews": [review_values(done.id, "rita", {"empathy": 70.0}, 70.0, True, "good", END)],
        "self_assessments": [self_assessment_values(done.id, {"empathy": 90.0}, 90.0, "", END)],
        "trainees": [{"trainee": "anna", "team": "Warsaw"}],
    }


def _before_3(row: dict) -> dict:
    """A turns row without the columns of migration 3."""
    return {k: v for k, v in row.items() if k not in ("proposed", "confirmed", "corrected_from")}


def _old_store(backend: str, location: str, rows: dict[str, list[dict]]) -> None:
    """The old tables and rows, by the driver (no SQLAlchemy, no store)."""
    if backend == "sqlite":
        conn = sqlite3.connect(location)
        mark = lambda name: f":{name}"  # noqa: E731
    else:
        import psycopg

        conn = psycopg.connect(location.replace("+psycopg", ""))
        mark = lambda name: f"%({name})s"  # noqa: E731
    try:
        for statement in _statements(backend):
            conn.execute(statement)
        for table, table_rows in rows.items():
            for row in table_rows:
                columns = ", ".join(row)
                conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(mark(c) for c in row)})", row)
        conn.commit()
    finally:
        conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def old_store(request, tmp_path, mini):
    """(location, backend, rows): a store as the lab made it before schema versions."""
    backend = request.param
    if backend == "sqlite":
        location = str(tmp_path / "old.sqlite")
    else:
        location = postgres.new_database(request.getfixturevalue("postgres_server"))
    rows = _old_rows(mini)
    _old_store(backend, location, rows)
    return location, backend, rows


def _columns(location: str, backend: str, table: str) -> set[str]:
    if backend == "sqlite":
        with sqlite3.connect(location) as conn:
            found = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        conn.close()
        return found
    import psycopg

    with psycopg.connect(location.replace("+psycopg", "")) as conn:
        query = "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
        return {r[0] for r in conn.execute(query, (table,))}


def test_the_migrations_are_numbered_in_order():
    assert [m.number for m in MIGRATIONS] == list(range(1, SCHEMA_VERSION + 1)) and SCHEMA_VERSION >= 2


@pytest.mark.parametrize("create", [True, False], ids=["writer", "reader"])
def test_an_old_store_is_migrated_in_place_and_keeps_its_rows(old_store, mini, create):
    location, backend, rows = old_store
    assert "assignment_id" not in _columns(location, backend, "sessions")
    store = open_store(location, create=create)
    try:
        assert store.schema_version == SCHEMA_VERSION
        assert sorted(store.migrations()) == [m.number for m in MIGRATIONS]
        assert "assignment_id" in _columns(location, backend, "sessions")
        assert _columns(location, backend, "assignments") >= {"scenario_id", "group_name", "due", "mode"}
        # every old row is there, as it was
        kept = {r["id"]: r for r in store.sessions()}
        for row in rows["sessions"]:
            assert {k: kept[row["id"]][k] for k in row} == row
            assert kept[row["id"]]["assignment_id"] is None
        assert [(t["session_id"], t["idx"]) for t in store.turns()] == sorted(
            (t["session_id"], t["idx"]) for t in rows["turns"]
        )
        assert [(r["reviewer"], r["overall"]) for r in store.reviews()] == [("rita", 70.0)]
        assert store.self_assessments()[0]["overall"] == 90.0 and store.teams() == {"anna": "Warsaw"}
        # and the new lab works on it: attempts count on, assignments are kept, reports read it
        if create:
            assert Session(mini, trainee="anna", recorder=store).attempt == 3
            aid = store.create_assignment("mini", "trainees", "2026-02-01")
            assert store.assignment(aid)["due"] == "2026-02-01T23:59:59+00:00"
        data = reports.load(store)
        assert data.sessions.loc[data.sessions["reviewed"], "score"].tolist() == [70.0]
    finally:
        store.close()
    again = open_store(location)  # opened again: nothing more to do
    try:
        assert again.migrations() == store_migrations(location)
    finally:
        again.close()


def store_migrations(location: str) -> dict[int, str]:
    s = open_store(location, create=False)
    try:
        return s.migrations()
    finally:
        s.close()


def test_a_new_store_is_made_at_the_latest_version(store):
    assert store.schema_version == SCHEMA_VERSION
    assert sorted(store.migrations()) == [m.number for m in MIGRATIONS]


def test_a_store_newer_than_the_lab_is_refused(old_store):
    location, _backend, _rows = old_store
    store = open_store(location)
    store.meta_value_or_set("unused", lambda: "x")
    store._write(
        lambda conn: conn.exec_driver_sql(
            f"UPDATE meta SET value = '{SCHEMA_VERSION + 1}' WHERE key = 'schema_version'"
        )
    )
    store.close()
    for create in (True, False):
        with pytest.raises(StoreError) as caught:
            open_store(location, create=create)
        assert str(caught.value).endswith(
            f"has schema version {SCHEMA_VERSION + 1}, newer than this lab knows (up to {SCHEMA_VERSION}): "
            "a newer roleplay-lab wrote it; upgrade the lab to open it"
        )


@contextlib.contextmanager
def _all_waiting(location: str, backend: str, n: int):
    """PostgreSQL: hold the sessions table until n openers wait on a lock (the migration's ALTER TABLE
    or the migration lock), so that they all meet at the migration; SQLite: let them run."""
    if backend == "sqlite":
        yield
        return
    import psycopg

    with psycopg.connect(location.replace("+psycopg", "")) as holder:
        holder.execute("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE")
        yield
        waiting = "SELECT count(*) FROM pg_locks WHERE NOT granted"
        deadline = time.monotonic() + 120
        while holder.execute(waiting).fetchone()[0] < n and time.monotonic() < deadline:
            time.sleep(0.05)
        holder.rollback()


def _opener(location: str, barrier, out) -> None:
    from simulator import open_store

    barrier.wait()
    store = open_store(location)
    out.put(store.schema_version)
    store.close()


def test_processes_opening_an_old_store_at_once_migrate_it_once(old_store):
    location, backend, rows = old_store
    n = 6
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=_opener, args=(location, barrier, out)) for _ in range(n)]
    with _all_waiting(location, backend, n):  # on PostgreSQL every opener has read version 0 before any migrates
        for p in procs:
            p.start()
    versions = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * n and versions == [SCHEMA_VERSION] * n
    store = open_store(location, create=False)
    try:
        applied = store.migrations()
        assert sorted(applied) == [m.number for m in MIGRATIONS]
        assert all("made with the store" not in v for v in applied.values())  # migrated, not made anew
        assert len(store.sessions()) == len(rows["sessions"])
    finally:
        store.close()


def _at_version_2(location: str, backend: str) -> None:
    """Bring an old store to version 2 the way the lab of version 2 did: migrations 1 and 2, then the version."""
    import sqlalchemy as sa

    from simulator.results.store import VERSION_KEY, meta

    url = f"sqlite:///{location}" if backend == "sqlite" else location
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for migration in MIGRATIONS[:2]:
                migration.apply(conn)
            done = [{"key": f"migration.{m.number:03d}", "value": f"{END} {m.title}"} for m in MIGRATIONS[:2]]
            conn.execute(meta.insert(), [*done, {"key": VERSION_KEY, "value": "2"}])
    finally:
        engine.dispose()


def test_a_version_2_store_gains_the_did_you_mean_columns_and_keeps_its_turns(old_store, mini):
    from .test_clarification_store import session_of

    location, backend, rows = old_store
    _at_version_2(location, backend)
    assert not {"proposed", "confirmed", "corrected_from"} & _columns(location, backend, "turns")
    store = open_store(location)
    try:
        assert store.schema_version == SCHEMA_VERSION == 3
        applied = store.migrations()
        assert applied[1] == f"{END} {MIGRATIONS[0].title}" and applied[2] == f"{END} {MIGRATIONS[1].title}"
        assert "made with the store" not in applied[3] and applied[3].endswith(MIGRATIONS[2].title)
        assert {"proposed", "confirmed", "corrected_from"} <= _columns(location, backend, "turns")
        old = store.turns()
        assert sorted((t["session_id"], t["idx"], t["reply"]) for t in old) == sorted(
            (t["session_id"], t["idx"], t["reply"]) for t in rows["turns"]
        )
        assert {(t["proposed"] == [], t["confirmed"], t["corrected_from"]) for t in old} == {(True, False, None)}
        # the new lab records corrections on it
        session = session_of(mini, store)
        session.reply("#2")
        session.correct(1)
        assert store.turns(session.id)[0]["corrected_from"] == 1
        assert store.matching_by_node("mini")[0]["corrected"] == 1
    finally:
        store.close()
