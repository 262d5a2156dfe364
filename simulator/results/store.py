"""The results store: sessions and turns, written as they happen.

SQLAlchemy Core over a SQLite file by default (WAL, and a write lock waited on for at most
``lock_timeout`` seconds, so several processes can write at once); any SQLAlchemy URL
(``postgresql+psycopg://…``) works too. The location comes from ``--store``, else
``ROLEPLAY_STORE``, else a file in the user's data folder. The store is a ``Recorder``: hand
it to a ``Session`` and every turn is saved.

Writers create the store (``open_store(location)``); readers never do
(``open_store(location, create=False)`` says "no results store at …" instead). A store
opened for serving is checked with ``check_writable``. A database URL's password is never
shown: ``display_location``, ``repr`` and every ``StoreError`` hide it.

The schema is versioned: the ``meta`` table holds ``schema_version``, and ``MIGRATIONS`` (numbered,
append-only) bring an older store up to date in place when it is opened, once, under the write
lock (on PostgreSQL an advisory lock); a store newer than this code is refused (docs/results-store.md).
Assignments (a scenario for a group, due by a time, in a feedback mode, with an attempt limit) are
kept here too; ``Store.assigned`` is the recorder of a session played for one.

This module is the lab's one door to the database: nothing else imports SQLAlchemy or
writes SQL. Callers get rows (dicts), DataFrames (``Store.frames``) and ``StoreError``;
never an engine, a connection or a database exception. The row formats are here too
(``started_values``, ``turn_row``, ``finished_values`` …), for bulk writers such as
demo-data (``Store.bulk_insert``).
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from ..errors import StoreError
from ..settings import default_store_location

if TYPE_CHECKING:
    import pandas as pd

    from ..core.engine import Session, Turn
    from ..core.scoring import Result

__all__ = [
    "ASSIGNMENT_MODES",
    "EVERYONE",
    "LOCK_TIMEOUT",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "STALE_AFTER",
    "AssignedRecorder",
    "Migration",
    "NoAttemptsLeft",
    "Store",
    "abandoned_values",
    "default_store_location",
    "due_time",
    "finished_values",
    "open_store",
    "redacted",
    "review_values",
    "self_assessment_values",
    "started_values",
    "turn_row",
]

T = TypeVar("T")

metadata = sa.MetaData()

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("trainee", sa.String(200), nullable=False, index=True),
    sa.Column("scenario_id", sa.String(80), nullable=False, index=True),
    sa.Column("scenario_version", sa.Integer, nullable=False),
    sa.Column("scenario_hash", sa.String(16), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("seed", sa.BigInteger, nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("mode", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("started_at", sa.String(40), nullable=False),
    sa.Column("ended_at", sa.String(40)),
    sa.Column("outcome", sa.String(16)),
    sa.Column("ending", sa.String(64)),
    sa.Column("score", sa.Float),
    sa.Column("passed", sa.Boolean),
    sa.Column("final_mood", sa.Integer),
    sa.Column("handle_time", sa.Float),
    # Compact copies of the result for analysis, so reports need not parse every debrief.
    sa.Column("competency_scores", sa.Text),  # JSON: competency -> 0-100
    sa.Column("csat", sa.Integer),
    sa.Column("fcr", sa.Boolean),
    sa.Column("qa_score", sa.Float),
    sa.Column("sla", sa.Float),
    sa.Column("result", sa.Text),  # the whole Result as JSON
    # The assignment the session was started for (schema version 2); None: free practice.
    sa.Column("assignment_id", sa.Integer, index=True, info={"since": 2}),
)

turns = sa.Table(
    "turns",
    metadata,
    sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("node", sa.String(64), nullable=False),
    sa.Column("customer_line", sa.Text, nullable=False),
    sa.Column("reply", sa.Text, nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("option_index", sa.Integer),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("understood", sa.Boolean, nullable=False),
    sa.Column("was_best", sa.Boolean, nullable=False),
    sa.Column("best_option_index", sa.Integer),
    sa.Column("scores", sa.Text, nullable=False),
    sa.Column("mood_before", sa.Integer, nullable=False),
    sa.Column("mood_after", sa.Integer, nullable=False),
    sa.Column("reactions", sa.Text, nullable=False),
    sa.Column("feedback", sa.Text, nullable=False),
    sa.Column("latency", sa.Float, nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("next", sa.String(64), nullable=False),
    sa.Column("ending", sa.String(64)),
    sa.Column("breach", sa.Text),
    # "Did you mean …?" and "that's not what I meant" (migration 3): the options proposed (JSON list of
    # 0-based indexes, NULL for none), whether the trainee confirmed one, the option first taken for.
    sa.Column("proposed", sa.Text, info={"since": 3}),
    sa.Column("confirmed", sa.Boolean, nullable=False, server_default=sa.false(), info={"since": 3}),
    sa.Column("corrected_from", sa.Integer, info={"since": 3}),
)


trainees = sa.Table(
    "trainees",
    metadata,
    sa.Column("trainee", sa.String(200), primary_key=True),
    sa.Column("team", sa.String(200), nullable=False),
)

# A reviewer's judgement of a session, beside the automatic result (never over it).
reviews = sa.Table(
    "reviews",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), nullable=False, index=True),
    sa.Column("reviewer", sa.String(200), nullable=False),
    sa.Column("scores", sa.Text, nullable=False),  # JSON: competency -> 0-100
    sa.Column("overall", sa.Float, nullable=False),
    sa.Column("passed", sa.Boolean, nullable=False),
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
)

# The trainee's own view of a session (multi-source assessment, docs/training-method.md).
self_assessments = sa.Table(
    "self_assessments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("session_id", sa.String(32), sa.ForeignKey("sessions.id"), nullable=False, index=True),
    sa.Column("scores", sa.Text, nullable=False),
    sa.Column("overall", sa.Float, nullable=False),
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
)

# Settings of the store itself, key -> value: the schema version, the migrations applied, the
# pseudonym salt of exports. Stores made before schema versions may lack it (migration 1 adds it).
meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# A trainer's assignment: one scenario for one group, due by a time, in a feedback mode, with at most
# ``max_attempts`` attempts a trainee (None: no limit). Schema version 2.
assignments = sa.Table(
    "assignments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("scenario_id", sa.String(80), nullable=False),
    sa.Column("group_name", sa.String(200), nullable=False, index=True),
    sa.Column("due", sa.String(40), nullable=False),  # ISO time, UTC
    sa.Column("mode", sa.String(16), nullable=False),
    sa.Column("max_attempts", sa.Integer),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    info={"since": 2},
)

# Who is in which group, as the hub said when the trainee last opened the practice app (and for
# the group "everyone": every trainee the store knows). Schema version 2.
group_members = sa.Table(
    "group_members",
    metadata,
    sa.Column("group_name", sa.String(200), primary_key=True),
    sa.Column("trainee", sa.String(200), primary_key=True),
    info={"since": 2},
)

# The group every trainee is in, in a hub and outside it.
EVERYONE = "everyone"
# The feedback modes an assignment may set (the engine's Session modes).
ASSIGNMENT_MODES = ("practice", "assessment")


# How long a writer waits for another process's write lock, in all, before it gives up.
LOCK_TIMEOUT = 30.0

# An in-progress session silent this long (no reply, or none since it started) is stale: its
# page is gone. Reports count it as abandoned; ``roleplay serve`` marks such sessions abandoned.
STALE_AFTER = 30 * 60

# The package that brings a database driver, and how to install it; by the module SQLAlchemy imports.
DRIVER_PACKAGES = {
    "psycopg": "pip install 'roleplay-lab[postgres]'",
    "psycopg2": "pip install psycopg2-binary, or write the URL as postgresql+psycopg://… and "
    "pip install 'roleplay-lab[postgres]'",
    "MySQLdb": "pip install mysqlclient",
}

_PASSWORD = re.compile(r"^([A-Za-z][\w+.-]*://[^:/@?#]*:)([^@/?#]*)@")


def redacted(location: str) -> str:
    """A store's location as it may be shown: a database URL's password as ``***``.

    Args:
        location: a SQLite file or a database URL (one SQLAlchemy cannot parse too).

    Returns:
        The location with the password hidden (unchanged when it has none).
    """
    if "://" not in location:
        return location
    try:
        url = sa.make_url(location)
    except Exception:  # not a URL SQLAlchemy reads: hide what stands where a password would
        return _PASSWORD.sub(r"\1***@", location)
    if url.password is None:
        return location
    return url.render_as_string(hide_password=True)


def _secrets(location: str) -> list[str]:
    """The password of a URL, as written and decoded: the texts no message may show."""
    found = _PASSWORD.match(location)
    if not found or not found.group(2):
        return []
    from urllib.parse import unquote

    return sorted({found.group(2), unquote(found.group(2))}, key=len, reverse=True)


def _sqlite_file(url: sa.URL) -> Path | None:
    """The file of a SQLite URL (``sqlite:///path`` or ``sqlite:///file:path?mode=ro&uri=true``), None in memory."""
    database = url.database or ""
    if database.startswith("file:"):
        database = database[len("file:") :]
    if database in ("", ":memory:") or url.query.get("mode") == "memory":
        return None
    return Path(database)


def _sqlite_pragmas(lock_timeout: float) -> Callable[[Any, Any], None]:
    def set_pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={round(lock_timeout * 1000)}")  # first: the next ones may wait
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return set_pragmas


def _is_locked(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text


class _Probe(Exception):
    """Raised inside ``check_writable``'s transaction so that its write is rolled back."""


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Store:
    """Sessions and turns in a database; also the engine's ``Recorder``.

    Every read and write goes through the store's methods; a database failure is raised as
    ``StoreError``. Writes run in a transaction each, retried while another process holds
    SQLite's write lock, for at most ``lock_timeout`` seconds in all.

    Args:
        location: a SQLite file or a database URL; None takes ``$ROLEPLAY_STORE`` or the user's default.
        create: make the store (its folder, file and tables) if it is not there. Readers pass
            False: a store that is not there is then a ``StoreError``, and nothing is made.
        lock_timeout: seconds a write waits, in all, while another process holds the write lock.

    Raises:
        StoreError: the store cannot be opened: not there (``create=False``), not a results
            store, a database driver that is not installed, a lock held too long…
    """

    def __init__(self, location: str | None = None, *, create: bool = True, lock_timeout: float = LOCK_TIMEOUT):
        self.location = location or default_store_location()
        self.display_location = redacted(self.location)
        self.lock_timeout = float(lock_timeout)
        self._secrets = _secrets(self.location)
        self._deadline = threading.local()  # when the write under way must give up waiting for the lock
        url = self._url(create)
        try:
            self._engine = sa.create_engine(url)
            self._reader = sa.create_engine(url) if url.get_backend_name() == "sqlite" else self._engine
        except Exception as exc:  # a bad URL, a driver that is not installed
            raise StoreError(f"cannot open the results store {self.display_location}: {self._why_not(exc)}") from None
        self.is_sqlite = url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            pragmas = _sqlite_pragmas(self.lock_timeout)
            event.listen(self._reader, "connect", pragmas)
            event.listen(self._engine, "connect", pragmas)
            # Writers take the write lock at BEGIN, so attempt numbers are counted under it.
            event.listen(self._engine, "connect", lambda c, _r: setattr(c, "isolation_level", None))
            event.listen(self._engine, "begin", self._begin_immediate)
        try:
            self._migrate(create)
        except BaseException:
            self.close()  # no connection left behind by a store that does not open
            raise

    def _url(self, create: bool) -> sa.URL:
        """The SQLAlchemy URL of the location; the SQLite file's folder made (``create``) or the file required."""
        if "://" in self.location:
            try:
                url = sa.make_url(self.location)
            except Exception as exc:
                raise StoreError(
                    f"cannot open the results store {self.display_location}: {self._why_not(exc)}"
                ) from None
            file = _sqlite_file(url) if url.get_backend_name() == "sqlite" else None
        else:
            file = Path(self.location).expanduser()
            url = sa.URL.create("sqlite", database=str(file))
        if file is None:
            return url
        if not create:
            if not file.exists():
                raise StoreError(f"no results store at {self.display_location}")
        elif "://" not in self.location:
            try:
                file.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot create the results store {self.display_location}: {exc.strerror or exc}"
                ) from None
        return url

    def _migrate(self, create: bool) -> None:
        """Bring the store to ``SCHEMA_VERSION``: a fresh one is made whole, an older one migrated in place.

        The version is read first, so a store that is up to date (a read-only one too) is not written
        to. Otherwise the migrations run in one transaction that re-reads the version under the write
        lock (SQLite's, taken at BEGIN; on PostgreSQL an advisory lock), so processes opening the store
        at once migrate it once. A store newer than this code is refused.
        """
        with self._read() as conn:
            version = _schema_version(conn)
        if version is None and not create:
            raise StoreError(f"{self.display_location} is not a results store (it has no sessions table)")
        if version is not None and version > SCHEMA_VERSION:
            raise self._newer(version)
        if version != SCHEMA_VERSION:
            self._write(self._upgrade)

    def _upgrade(self, conn: sa.Connection) -> None:
        """The migrations a store needs, in the caller's transaction, once: the version is read under a lock."""
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        version = _schema_version(conn)
        now = _now()
        if version is None:  # a new store: today's tables in one go, every migration counted as applied
            metadata.create_all(conn)
            done = [{"key": _migration_key(m), "value": f"{now} (made with the store) {m.title}"} for m in MIGRATIONS]
        elif version > SCHEMA_VERSION:
            raise self._newer(version)
        else:
            done = []
            for migration in MIGRATIONS[version:]:
                migration.apply(conn)
                done.append({"key": _migration_key(migration), "value": f"{now} {migration.title}"})
        if done:
            conn.execute(meta.insert(), done)
        conn.execute(meta.delete().where(meta.c.key == VERSION_KEY))
        conn.execute(meta.insert().values(key=VERSION_KEY, value=str(SCHEMA_VERSION)))

    def _newer(self, version: int) -> StoreError:
        return StoreError(
            f"the results store {self.display_location} has schema version {version}, newer than this lab "
            f"knows (up to {SCHEMA_VERSION}): a newer roleplay-lab wrote it; upgrade the lab to open it"
        )

    @property
    def schema_version(self) -> int:
        """The store's schema version (``SCHEMA_VERSION`` once opened: older stores are migrated on open)."""
        with self._read() as conn:
            return _schema_version(conn) or 0

    def migrations(self) -> dict[int, str]:
        """The migrations applied to this store, each with when (and its title).

        Returns:
            migration number -> "ISO time title" as recorded when it ran.
        """
        with self._read() as conn:
            rows = conn.execute(sa.select(meta).where(meta.c.key.like("migration.%"))).all()
        return {int(r.key.split(".")[1]): r.value for r in rows}

    def _begin_immediate(self, conn: sa.Connection) -> None:
        """SQLite: wait for the write lock only as long as the write under way has left, then take it at BEGIN."""
        deadline = getattr(self._deadline, "at", None)
        left = self.lock_timeout if deadline is None else max(deadline - time.monotonic(), 0.0)
        wait = round(self.lock_timeout * 1000) if left > self.lock_timeout - 0.5 else round(left * 1000)
        info = conn.connection.info
        if info.get("busy_timeout") != wait:  # set on a retry, and back on the first attempt after it
            conn.exec_driver_sql(f"PRAGMA busy_timeout={wait}")
            info["busy_timeout"] = wait
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    def __repr__(self) -> str:
        return f"Store({self.display_location!r})"

    @property
    def in_memory(self) -> bool:
        """True for a SQLite database in memory, which no other process can open."""
        return self.is_sqlite and _sqlite_file(self._engine.url) is None

    def close(self) -> None:
        """Let go of the database's connections (the store cannot be used afterwards)."""
        self._engine.dispose()
        self._reader.dispose()

    def check_writable(self) -> None:
        """Check that sessions can be saved here: a real write, in a transaction rolled back.

        For a SQLite file, its folder must be writable too: SQLite keeps its write-ahead log
        beside the file. ``roleplay serve`` calls this before trainees meet a store that cannot
        save their replies.

        Raises:
            StoreError: the store cannot be written, with the reason (read-only, not a
                database, locked by another process…).
        """
        file = _sqlite_file(self._engine.url) if self.is_sqlite else None
        if file is not None:
            folder = file.expanduser().resolve().parent
            if not os.access(folder, os.W_OK | os.X_OK):
                raise StoreError(
                    f"cannot write the results store at {self.display_location}: its folder {folder} is read-only "
                    "(SQLite keeps its write-ahead log beside the file)"
                )

        def probe(conn: sa.Connection) -> None:
            probe_name = f"roleplay-write-probe-{random.getrandbits(64):016x}"  # no trainee's name; never kept
            conn.execute(trainees.insert().values(trainee=probe_name, team=""))
            raise _Probe  # the transaction is rolled back: nothing stays

        with suppress(_Probe):
            self._write(probe)

    # -------------------------------------------------------------- the two doors: _write and _read

    def _write(
        self,
        work: Callable[[sa.Connection], T],
        session_id: str | None = None,
        *,
        on_conflict: Callable[[], T] | None = None,
    ) -> T:
        """Run ``work`` in a transaction of its own, retried while the database is locked.

        The lock is waited on for ``lock_timeout`` seconds in all, retries included.
        ``on_conflict`` answers instead when the transaction breaks a unique key (a
        concurrent writer got there first); without it that is a ``StoreError`` too.
        """
        delay = 0.02
        deadline = time.monotonic() + self.lock_timeout
        self._deadline.at = deadline
        try:
            while True:
                try:
                    with self._engine.begin() as conn:
                        return work(conn)
                except OperationalError as exc:
                    left = deadline - time.monotonic()
                    if not _is_locked(exc) or left <= 0:
                        raise self._error("write to", exc, session_id) from None
                    time.sleep(min(left, delay * (1 + random.random())))
                    delay = min(delay * 2, 1.0)
                except IntegrityError as exc:
                    if on_conflict is None:
                        raise self._error("write to", exc, session_id) from None
                    return on_conflict()
                except DBAPIError as exc:
                    raise self._error("write to", exc, session_id) from None
        finally:
            self._deadline.at = None

    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        """A connection to read with; a database failure becomes a ``StoreError``."""
        try:
            with self._reader.connect() as conn:
                yield conn
        except DBAPIError as exc:
            raise self._error("read", exc, None) from None

    def _hide(self, text: str) -> str:
        """A message with the URL's password replaced by ``***``."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _error(self, doing: str, exc: DBAPIError, session_id: str | None) -> StoreError:
        """The ``StoreError`` a database failure is said as: its reason in words, no password."""
        where = self.display_location
        reason = self._hide(str(exc.orig)).splitlines()[0] if str(exc.orig) else type(exc.orig).__name__
        text = reason.lower()
        if "file is not a database" in text:
            message = f"{where} is not a results store (not a SQLite database)"
        elif _is_locked(exc):
            waited = f"waited {self.lock_timeout:g} s"
            message = f"the results store {where} is locked by another process ({waited}); try again"
        elif "readonly" in text or "read-only" in text:
            message = f"cannot write the results store at {where}: read-only"
        else:
            message = f"cannot {doing} the results store {where}: {reason}"
        return StoreError(message, session_id)

    def _why_not(self, exc: Exception) -> str:
        """Why a URL cannot be opened, in one line without its password."""
        from sqlalchemy.exc import NoSuchModuleError

        if isinstance(exc, ModuleNotFoundError) and exc.name:
            package = exc.name.split(".")[0]
            hint = DRIVER_PACKAGES.get(package, f"pip install {package}")
            return f"the database driver {package} is not installed: {hint}"
        if isinstance(exc, NoSuchModuleError):
            return f"SQLAlchemy knows no database called {self.location.split('://')[0]!r}"
        return f"not a database URL SQLAlchemy can read ({self._hide(str(exc)).splitlines()[0]})"

    # -------------------------------------------------------------- the Recorder

    def session_started(self, session: Session) -> None:
        """Recorder: insert the session's row, counting its attempt number under the write lock.

        Args:
            session: the session that starts; its ``attempt`` is set here.
        """
        self._start(session, None)

    def _start(self, session: Session, assignment: Mapping[str, Any] | None) -> None:
        """Insert a session's row; for an assignment, refused when the trainee's attempts are used up."""
        scenario = session.scenario

        def insert(conn: sa.Connection) -> None:
            if conn.dialect.name == "postgresql":
                # SQLite counts under the write lock taken at BEGIN; PostgreSQL's writers run side by side,
                # so the count for this trainee and scenario is taken under a lock held to the commit.
                key = json.dumps([session.trainee, scenario.id])
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})
            previous = conn.execute(
                sa.select(sa.func.count())
                .select_from(sessions)
                .where(sessions.c.trainee == session.trainee, sessions.c.scenario_id == scenario.id)
            ).scalar_one()
            values = started_values(session)
            if assignment is not None:
                limit = assignment["max_attempts"]
                if limit is not None and _attempts_of(conn, session.trainee, assignment["id"]) >= limit:
                    raise NoAttemptsLeft(
                        f"{session.trainee} has used all {limit} attempts of assignment {assignment['id']}",
                        session.id,
                    )
                values["assignment_id"] = assignment["id"]
            session.attempt = values["attempt"] = previous + 1
            conn.execute(sessions.insert().values(**values))

        self._write(insert, session.id)

    def turn_recorded(self, session: Session, turn: Turn) -> None:
        """Recorder: insert a turn's row as soon as the turn is answered.

        Args:
            session: the session the turn belongs to.
            turn: the answered turn.
        """
        row = turn_row(turn, session.id)
        self._write(lambda conn: conn.execute(turns.insert().values(**row)), session.id)

    def turn_corrected(self, session: Session, turn: Turn) -> None:
        """Recorder: the trainee corrected a turn ("that's not what I meant"): its row is replaced.

        If the session had been recorded as finished (the corrected turn had ended it), it is put back
        in progress, its result cleared; ``session_finished`` marks it again at its ending.

        Args:
            session: the session the turn belongs to.
            turn: the new turn, with the index of the one it replaces.
        """
        row = turn_row(turn, session.id)
        reopen = session.status == "in_progress"

        def replace(conn: sa.Connection) -> None:
            conn.execute(turns.delete().where(turns.c.session_id == session.id, turns.c.idx == turn.index))
            conn.execute(turns.insert().values(**row))
            if reopen:
                conn.execute(
                    sessions.update()
                    .where(sessions.c.id == session.id, sessions.c.status == "completed")
                    .values(**reopened_values())
                )

        self._write(replace, session.id)

    def session_finished(self, session: Session, result: Result) -> None:
        """Recorder: mark the session completed and keep its result.

        Args:
            session: the finished session.
            result: its scores, KPIs and debrief.
        """
        values = finished_values(result, _now())
        self._write(
            lambda conn: conn.execute(sessions.update().where(sessions.c.id == session.id).values(**values)), session.id
        )

    def session_abandoned(self, session: Session) -> None:
        """Recorder: the trainee left the session (see ``mark_abandoned``)."""
        self.mark_abandoned(session.id)

    def mark_abandoned(self, session_id: str) -> bool:
        """Mark an in-progress session abandoned; its answered turns stay.

        Args:
            session_id: the session's id.

        Returns:
            True if it was in progress (and is abandoned now), False otherwise.
        """
        last_mood = (
            sa.select(turns.c.mood_after)
            .where(turns.c.session_id == session_id)
            .order_by(turns.c.idx.desc())
            .limit(1)
            .scalar_subquery()
        )

        def update(conn: sa.Connection) -> int:
            return conn.execute(
                sessions.update()
                .where(sessions.c.id == session_id, sessions.c.status == "in_progress")
                .values(**abandoned_values(_now(), last_mood))
            ).rowcount

        return bool(self._write(update, session_id))

    def abandon_idle(self, seconds: float) -> int:
        """Mark abandoned the sessions in progress with no reply for ``seconds`` (their page is gone).

        Args:
            seconds: how long a session may go without a reply (or, with none, since it started).

        Returns:
            How many sessions were marked abandoned.
        """
        return sum(self.mark_abandoned(i) for i in sorted(self.stale_sessions(seconds)))

    def stale_sessions(self, seconds: float = STALE_AFTER) -> set[str]:
        """The sessions in progress whose last activity is older than ``seconds``: their page is gone.

        A session's last activity is its last turn's time, or when it started if it has none.
        Nothing is written: reports count these as abandoned, ``abandon_idle`` marks them so.

        Args:
            seconds: how long a session may go without a reply (default: ``STALE_AFTER``, 30 min).

        Returns:
            Their ids.
        """
        from datetime import UTC, datetime, timedelta

        cutoff = (datetime.now(UTC) - timedelta(seconds=seconds)).isoformat(timespec="milliseconds")
        last = sa.select(sa.func.max(turns.c.at)).where(turns.c.session_id == sessions.c.id).scalar_subquery()
        query = sa.select(sessions.c.id).where(
            sessions.c.status == "in_progress", sa.func.coalesce(last, sessions.c.started_at) < cutoff
        )
        with self._read() as conn:
            return {r.id for r in conn.execute(query)}

    # -------------------------------------------------------------- many rows at once

    def bulk_insert(
        self,
        *,
        sessions: Iterable[Mapping[str, Any]] = (),
        turns: Iterable[Mapping[str, Any]] = (),
        reviews: Iterable[Mapping[str, Any]] = (),
        self_assessments: Iterable[Mapping[str, Any]] = (),
        teams: Mapping[str, str] | None = None,
    ) -> None:
        """Write many rows in one transaction (demo data, imports): all of them or none.

        The rows are in the store's row formats, made with this module's row builders, so
        nothing reading the store can tell them from rows a played session wrote. Nothing is
        checked or counted here: the caller gives attempt numbers and ids.

        Args:
            sessions: sessions rows: ``started_values``, updated with ``finished_values`` or
                ``abandoned_values`` once the session ended; columns left out are empty.
            turns: turns rows (``turn_row``).
            reviews: reviews rows (``review_values``).
            self_assessments: self-assessment rows (``self_assessment_values``).
            teams: trainee -> team, set as ``set_team`` sets one; written before the rows.

        Raises:
            StoreError: the database refused the rows (then none of them is written).
        """
        batches = [
            (metadata.tables[name], _complete(metadata.tables[name], rows))
            for name, rows in (
                ("sessions", sessions),
                ("turns", turns),
                ("reviews", reviews),
                ("self_assessments", self_assessments),
            )
        ]

        def insert(conn: sa.Connection) -> None:
            if teams:
                _set_teams(conn, teams)
            for table, rows in batches:
                if rows:
                    conn.execute(table.insert(), rows)

        self._write(insert)

    def attempt_counts(self) -> dict[tuple[str, str], int]:
        """How many sessions (any status) each trainee has started of each scenario.

        Returns:
            (trainee, scenario id) -> sessions, for the pairs with at least one.
        """
        query = sa.select(sessions.c.trainee, sessions.c.scenario_id, sa.func.count()).group_by(
            sessions.c.trainee, sessions.c.scenario_id
        )
        with self._read() as conn:
            return {(r[0], r[1]): r[2] for r in conn.execute(query)}

    # -------------------------------------------------------------- teams, reviews, self-assessments

    def set_team(self, trainee: str, team: str) -> None:
        """Put a trainee in a team (replacing the team they were in).

        Args:
            trainee: the trainee's name, as sessions record it.
            team: the team's name.
        """
        self._write(lambda conn: _set_teams(conn, {trainee: team}))

    def teams(self) -> dict[str, str]:
        """Every trainee's team.

        Returns:
            trainee -> team, for the trainees that have one.
        """
        with self._read() as conn:
            return {r.trainee: r.team for r in conn.execute(sa.select(trainees))}

    def add_review(
        self,
        session_id: str,
        reviewer: str,
        *,
        scores: dict[str, float],
        overall: float,
        passed: bool,
        comment: str = "",
    ) -> int:
        """Record a reviewer's scores (0-100 per competency) and comment; the automatic result stays.

        Args:
            session_id: the reviewed session.
            reviewer: the reviewer's name (blank: "reviewer").
            scores: competency -> 0-100.
            overall: the overall score, 0-100.
            passed: the reviewer's pass/fail.
            comment: free text for the trainee.

        Returns:
            The review's id.

        Raises:
            StoreError: no such session, a score outside 0-100, or the write failed.
        """
        if self.session(session_id) is None:
            raise StoreError("no such session to review", session_id)
        _check_scores(scores, overall, session_id)
        values = review_values(session_id, reviewer, scores, overall, passed, comment, _now())
        return self._write(
            lambda conn: conn.execute(reviews.insert().values(**values)).inserted_primary_key[0], session_id
        )

    def reviews(self, session_id: str | None = None) -> list[dict[str, Any]]:
        """Reviews in the order they were written, ``scores`` decoded.

        Args:
            session_id: only this session's reviews (default: every review).

        Returns:
            One dict per review: the reviews row.
        """
        query = sa.select(reviews).order_by(reviews.c.id)
        if session_id is not None:
            query = query.where(reviews.c.session_id == session_id)
        with self._read() as conn:
            return [dict(r._mapping, scores=json.loads(r.scores)) for r in conn.execute(query)]

    def add_self_assessment(
        self, session_id: str, *, scores: dict[str, float], overall: float, comment: str = ""
    ) -> int:
        """Record the trainee's own scores of a session beside the automatic result.

        Args:
            session_id: the assessed session.
            scores: competency -> 0-100.
            overall: the overall score, 0-100.
            comment: the trainee's words.

        Returns:
            The self-assessment's id.

        Raises:
            StoreError: no such session, a score outside 0-100, or the write failed.
        """
        if self.session(session_id) is None:
            raise StoreError("no such session to assess", session_id)
        _check_scores(scores, overall, session_id)
        values = self_assessment_values(session_id, scores, overall, comment, _now())
        return self._write(
            lambda conn: conn.execute(self_assessments.insert().values(**values)).inserted_primary_key[0], session_id
        )

    def self_assessments(self) -> list[dict[str, Any]]:
        """Every self-assessment in the order they were written, ``scores`` decoded.

        Returns:
            One dict per self-assessment: the self_assessments row.
        """
        with self._read() as conn:
            return [
                dict(r._mapping, scores=json.loads(r.scores))
                for r in conn.execute(sa.select(self_assessments).order_by(self_assessments.c.id))
            ]

    # -------------------------------------------------------------- assignments and groups

    def create_assignment(
        self,
        scenario_id: str,
        group: str,
        due: str,
        *,
        mode: str = "practice",
        max_attempts: int | None = None,
        created_by: str = "trainer",
    ) -> int:
        """Assign a scenario to a group.

        Args:
            scenario_id: the scenario's id.
            group: the hub group (``trainees``, a class's name) or ``everyone``.
            due: when it is due, an ISO time (one without a zone is UTC; a bare date means its last second).
            mode: ``practice`` (feedback after each reply) or ``assessment`` (feedback at the end only).
            max_attempts: at most this many attempts a trainee; None: no limit.
            created_by: the trainer's name.

        Returns:
            The assignment's id.

        Raises:
            StoreError: a value the store cannot keep (no group, an unknown mode, a limit below 1,
                a due time that is not ISO), or the write failed.
        """
        group = group.strip()
        if not group or len(group) > 200:
            raise StoreError("an assignment needs a group name (at most 200 characters)")
        if not scenario_id or len(scenario_id) > 80:
            raise StoreError("an assignment needs a scenario")
        if mode not in ASSIGNMENT_MODES:
            raise StoreError(f"an assignment's mode is one of {', '.join(ASSIGNMENT_MODES)}, not {mode!r}")
        if max_attempts is not None and (int(max_attempts) != max_attempts or max_attempts < 1):
            raise StoreError(f"an assignment's attempt limit is 1 or more (or none), not {max_attempts!r}")
        values = dict(
            scenario_id=scenario_id,
            group_name=group,
            due=due_time(due),
            mode=mode,
            max_attempts=None if max_attempts is None else int(max_attempts),
            created_by=created_by.strip()[:200] or "trainer",
            created_at=_now(),
        )
        return int(
            self._write(lambda conn: conn.execute(assignments.insert().values(**values)).inserted_primary_key[0])
        )

    def assignments(self, groups: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Assignments, soonest due first.

        Args:
            groups: only those for these groups (default: every assignment).

        Returns:
            One dict per assignment: the assignments row.
        """
        query = sa.select(assignments).order_by(assignments.c.due, assignments.c.id)
        if groups is not None:
            query = query.where(assignments.c.group_name.in_(sorted(set(groups))))
        with self._read() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def assignment(self, assignment_id: int) -> dict[str, Any] | None:
        """One assignment.

        Args:
            assignment_id: its id.

        Returns:
            The assignments row, or None when there is no such assignment.
        """
        with self._read() as conn:
            row = conn.execute(sa.select(assignments).where(assignments.c.id == int(assignment_id))).first()
        return None if row is None else dict(row._mapping)

    def delete_assignment(self, assignment_id: int) -> bool:
        """Remove an assignment; the sessions played for it stay (with its id).

        Args:
            assignment_id: its id.

        Returns:
            True if there was such an assignment.
        """
        delete = assignments.delete().where(assignments.c.id == int(assignment_id))
        return bool(self._write(lambda conn: conn.execute(delete).rowcount))

    def assigned(self, assignment_id: int) -> AssignedRecorder:
        """A recorder that writes a session as played for an assignment, within its attempt limit.

        Args:
            assignment_id: the assignment.

        Returns:
            The recorder to give the ``Session``: its start raises ``NoAttemptsLeft`` when the
            trainee has used every attempt (nothing is written then).

        Raises:
            StoreError: no such assignment.
        """
        found = self.assignment(assignment_id)
        if found is None:
            raise StoreError(f"no assignment {assignment_id}")
        return AssignedRecorder(self, found)

    def attempts_used(self, trainee: str, assignment_ids: Iterable[int]) -> dict[int, int]:
        """How many sessions a trainee has started for each of some assignments.

        Args:
            trainee: the trainee's name.
            assignment_ids: the assignments.

        Returns:
            assignment id -> sessions started (0 included).
        """
        ids = sorted({int(i) for i in assignment_ids})
        query = (
            sa.select(sessions.c.assignment_id, sa.func.count())
            .where(sessions.c.trainee == trainee, sessions.c.assignment_id.in_(ids))
            .group_by(sessions.c.assignment_id)
        )
        with self._read() as conn:
            counts = {r[0]: int(r[1]) for r in conn.execute(query)}
        return {i: counts.get(i, 0) for i in ids}

    def assignment_sessions(self, assignment_id: int) -> dict[str, list[dict[str, Any]]]:
        """The sessions played for an assignment and their reviews (for who has done what by when).

        Args:
            assignment_id: the assignment.

        Returns:
            ``{"sessions": [...], "reviews": [...]}``: sessions rows without their debriefs
            (``RESULT_COLUMNS``), oldest first; their reviews in the order written, ``scores`` decoded.
        """
        return self._results(sessions.c.assignment_id == int(assignment_id))

    def trainee_results(self, trainee: str) -> dict[str, list[dict[str, Any]]]:
        """One trainee's own sessions and their reviews, and nobody else's (their progress).

        Args:
            trainee: the trainee's name.

        Returns:
            ``{"sessions": [...], "reviews": [...]}`` as ``assignment_sessions`` gives them.
        """
        return self._results(sessions.c.trainee == trainee)

    def _results(self, where: Any) -> dict[str, list[dict[str, Any]]]:
        query = (
            sa.select(*(sessions.c[c] for c in RESULT_COLUMNS))
            .where(where)
            .order_by(sessions.c.started_at, sessions.c.id)
        )
        picked = sa.select(sessions.c.id).where(where)
        review_query = sa.select(reviews).where(reviews.c.session_id.in_(picked)).order_by(reviews.c.id)
        with self._read() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
            found = [dict(r._mapping, scores=json.loads(r.scores)) for r in conn.execute(review_query)]
        return {"sessions": rows, "reviews": found}

    def set_groups(self, trainee: str, groups: Iterable[str]) -> None:
        """The hub groups a trainee is in (replacing those recorded before).

        Args:
            trainee: the trainee's name.
            groups: the group names.
        """
        names = sorted({g.strip()[:200] for g in groups if g.strip()})

        def replace(conn: sa.Connection) -> None:
            conn.execute(group_members.delete().where(group_members.c.trainee == trainee))
            if names:
                conn.execute(group_members.insert(), [{"group_name": g, "trainee": trainee} for g in names])

        self._write(replace, on_conflict=lambda: None)

    def group_members(self, group: str) -> set[str]:
        """The trainees the store knows to be in a group.

        The hub's groups as the practice app recorded them (``set_groups``), and the trainees
        whose team bears the group's name; in ``everyone``: every trainee the store knows.

        Args:
            group: the group's name.

        Returns:
            Trainee names.
        """
        if group == EVERYONE:
            query = sa.union(
                sa.select(sessions.c.trainee), sa.select(trainees.c.trainee), sa.select(group_members.c.trainee)
            )
        else:
            query = sa.union(
                sa.select(group_members.c.trainee).where(group_members.c.group_name == group),
                sa.select(trainees.c.trainee).where(trainees.c.team == group),
            )
        with self._read() as conn:
            return {r[0] for r in conn.execute(query)}

    # -------------------------------------------------------------- the store's own settings

    def get_meta(self, key: str) -> str | None:
        """A value kept in the store's ``meta`` table.

        Args:
            key: its name, e.g. ``"pseudonym_salt"``.

        Returns:
            The value, or None when the store has none (or no ``meta`` table yet).
        """
        with self._read() as conn:
            if not sa.inspect(conn).has_table(meta.name):
                return None
            return conn.execute(sa.select(meta.c.value).where(meta.c.key == key)).scalar_one_or_none()

    def meta_value_or_set(self, key: str, make: Callable[[], str]) -> str:
        """A value kept in the store's ``meta`` table, made and kept on first use.

        Race-free: the value is read and, if missing, made and inserted in one transaction
        (on SQLite under the write lock); a writer that loses the race on a database server
        reads the winner's value. A read-only store that has the value is enough.

        Args:
            key: its name, e.g. ``"pseudonym_salt"``.
            make: makes the value when the store has none; called at most once per attempt.

        Returns:
            The value in the store: the one there already, else the one ``make`` made.

        Raises:
            StoreError: the value cannot be read or kept.
        """
        value = self.get_meta(key)
        if value is not None:
            return value
        query = sa.select(meta.c.value).where(meta.c.key == key)

        def get_or_insert(conn: sa.Connection) -> str:
            meta.create(conn, checkfirst=True)
            found = conn.execute(query).scalar_one_or_none()  # another process may have made it meanwhile
            if found is None:
                found = make()
                conn.execute(meta.insert().values(key=key, value=found))
            return found

        value = self._write(get_or_insert, on_conflict=lambda: self.get_meta(key))
        if value is None:
            raise StoreError(f"the results store {self.display_location} lost its {key!r}")
        return value

    # -------------------------------------------------------------- reading

    def sessions(self, **where: Any) -> list[dict[str, Any]]:
        """Sessions, oldest first.

        Args:
            **where: column=value filters, all of which a row must meet (``trainee="anna"``,
                ``status="completed"``).

        Returns:
            One dict per session: the sessions row (``result`` and ``competency_scores`` as JSON text).
        """
        query = sa.select(sessions).order_by(sessions.c.started_at, sessions.c.id)
        for column, value in where.items():
            query = query.where(sessions.c[column] == value)
        with self._read() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def session(self, session_id: str) -> dict[str, Any] | None:
        """One session's row.

        Args:
            session_id: the session's id.

        Returns:
            The sessions row as ``sessions`` gives it, or None when there is no such session.
        """
        rows = self.sessions(id=session_id)
        return rows[0] if rows else None

    def turns(self, session_id: str | None = None) -> list[dict[str, Any]]:
        """Turns by session id and then in order, ``scores`` and ``reactions`` decoded.

        Args:
            session_id: only this session's turns (default: every turn).

        Returns:
            One dict per turn: the turns row.
        """
        query = sa.select(turns).order_by(turns.c.session_id, turns.c.idx)
        if session_id is not None:
            query = query.where(turns.c.session_id == session_id)
        with self._read() as conn:
            return [_decode_turn(dict(r._mapping)) for r in conn.execute(query)]

    def count_sessions(self) -> int:
        """How many sessions the store holds, in any status.

        Returns:
            The number of sessions.
        """
        with self._read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(sessions)).scalar_one())

    def not_understood_replies(self, scenario_id: str) -> list[tuple[str, str, int]]:
        """The typed replies to a scenario that were not understood, most frequent first.

        Args:
            scenario_id: the scenario (every version of it).

        Returns:
            (node, reply, times) tuples.
        """
        s, t = sessions, turns
        query = (
            sa.select(t.c.node, t.c.reply, sa.func.count().label("times"))
            .select_from(t.join(s, t.c.session_id == s.c.id))
            .where(s.c.scenario_id == scenario_id, t.c.understood == sa.false())
            .group_by(t.c.node, t.c.reply)
            .order_by(sa.desc("times"), t.c.node, t.c.reply)
        )
        with self._read() as conn:
            return [(r.node, r.reply, int(r.times)) for r in conn.execute(query)]

    def corrected_replies(self, scenario_id: str) -> list[tuple[str, str, int, int]]:
        """The typed replies to a scenario that the trainee corrected ("that's not what I meant"), most frequent
        first: each taken for one option and meant as another, so a phrasing of the intended option.

        Args:
            scenario_id: the scenario (every version of it).

        Returns:
            (node, reply, intended option (0-based), times) tuples.
        """
        s, t = sessions, turns
        query = (
            sa.select(t.c.node, t.c.reply, t.c.option_index, sa.func.count().label("times"))
            .select_from(t.join(s, t.c.session_id == s.c.id))
            .where(s.c.scenario_id == scenario_id, t.c.corrected_from.is_not(None), t.c.option_index.is_not(None))
            .group_by(t.c.node, t.c.reply, t.c.option_index)
            .order_by(sa.desc("times"), t.c.node, t.c.reply, t.c.option_index)
        )
        with self._read() as conn:
            return [(r.node, r.reply, int(r.option_index), int(r.times)) for r in conn.execute(query)]

    def matching_by_node(self, scenario_id: str | None = None) -> list[dict[str, Any]]:
        """How typed replies fared at each node: where the matcher fails trainees most.

        Args:
            scenario_id: only this scenario (every version of it); default: every scenario.

        Returns:
            One dict per (scenario_id, node) with typed replies: ``scenario_id``, ``node``, ``typed`` (how
            many), ``not_understood``, ``clarified`` (the matcher had options to propose: a "Did you mean …?"
            where the session clarifies), ``confirmed`` (one of them confirmed), ``corrected`` ("that's not
            what I meant"); the worst first, by (not_understood + corrected) / typed.
        """
        s, t = sessions, turns

        def count(condition: Any) -> Any:
            return sa.func.sum(sa.case((condition, 1), else_=0))

        query = (
            sa.select(
                s.c.scenario_id,
                t.c.node,
                sa.func.count().label("typed"),
                count(t.c.understood == sa.false()).label("not_understood"),
                count(t.c.proposed.is_not(None)).label("clarified"),
                count(t.c.confirmed == sa.true()).label("confirmed"),
                count(t.c.corrected_from.is_not(None)).label("corrected"),
            )
            .select_from(t.join(s, t.c.session_id == s.c.id))
            .where(t.c.kind == "text")
            .group_by(s.c.scenario_id, t.c.node)
        )
        if scenario_id is not None:
            query = query.where(s.c.scenario_id == scenario_id)
        keys = ("typed", "not_understood", "clarified", "confirmed", "corrected")
        with self._read() as conn:
            rows = [
                {"scenario_id": r.scenario_id, "node": r.node, **{k: int(getattr(r, k) or 0) for k in keys}}
                for r in conn.execute(query)
            ]
        rows.sort(key=lambda r: (-(r["not_understood"] + r["corrected"]) / r["typed"], r["scenario_id"], r["node"]))
        return rows

    def iter_turns(self) -> Iterator[dict[str, Any]]:
        """Every turn as ``turns()`` gives them, streamed rather than read into a list.

        Returns:
            An iterator of turns rows (a connection stays open until it is exhausted or closed).
        """
        with self._read() as conn:
            for r in conn.execution_options(stream_results=True).execute(
                sa.select(turns).order_by(turns.c.session_id, turns.c.idx)
            ):
                yield _decode_turn(dict(r._mapping))

    def frames(self, columns: Mapping[str, Sequence[str]] | None = None) -> dict[str, pd.DataFrame]:
        """The store's tables as pandas DataFrames, read in one go (for the reviewer's analysis).

        Values come as the database keeps them (JSON as text, booleans as 0/1 on SQLite,
        times as ISO text), which pandas reads fastest; the caller gives them their types.
        Reviews and self-assessments are in the order they were written; sessions and turns
        in no particular order. pandas is imported here only.

        Args:
            columns: per table, the columns to read (default: every column). Tables:
                ``sessions``, ``turns``, ``reviews``, ``self_assessments``, ``trainees``.

        Returns:
            Table name -> DataFrame, for each of the five tables.

        Raises:
            ValueError: a table or column the store does not have.
            StoreError: the database cannot be read.
        """
        import pandas as pd

        columns = dict(columns or {})
        unknown = set(columns) - set(FRAME_TABLES)
        if unknown:
            raise ValueError(f"no table {', '.join(sorted(unknown))} in the results store")
        queries = {}
        for name in FRAME_TABLES:
            table = metadata.tables[name]
            wanted = list(columns.get(name, table.columns.keys()))
            missing = [c for c in wanted if c not in table.c]
            if missing:
                raise ValueError(f"no column {', '.join(missing)} in the store's {name} table")
            # Untyped columns: no per-value conversion by SQLAlchemy on a million rows.
            query = sa.select(*(sa.column(c) for c in wanted)).select_from(sa.table(name))
            if name in ("reviews", "self_assessments"):
                query = query.order_by(sa.column("id"))
            queries[name] = query
        with self._read() as conn:
            return {name: pd.read_sql(query, conn) for name, query in queries.items()}


# The tables ``Store.frames`` reads.
FRAME_TABLES = ("sessions", "turns", "reviews", "self_assessments", "trainees")


def _table_names(conn: sa.Connection) -> list[str]:
    return sa.inspect(conn).get_table_names()


# -------------------------------------------------------------- schema versions and migrations

# The meta keys of the schema version and of each applied migration ("migration.002").
VERSION_KEY = "schema_version"
# PostgreSQL: the advisory lock migrations run under (any fixed 64-bit number; "roleplay").
MIGRATION_LOCK = 0x726F6C65706C6179


def _schema_version(conn: sa.Connection) -> int | None:
    """The store's schema version: None with no sessions table (not a store yet), 0 before versions."""
    names = set(_table_names(conn))
    if sessions.name not in names:
        return None
    if meta.name not in names:
        return 0
    value = conn.execute(sa.select(meta.c.value).where(meta.c.key == VERSION_KEY)).scalar_one_or_none()
    return int(value) if value is not None else 0


def _migration_key(migration: Migration) -> str:
    return f"migration.{migration.number:03d}"


def _since(item: sa.Table | sa.Column) -> int:
    return int(item.info.get("since", 1))


def _add_column(conn: sa.Connection, table: sa.Table, column: sa.Column) -> None:
    """Add a nullable column in place, unless it is there (a table made whole by an earlier step has it)."""
    present = {c["name"] for c in sa.inspect(conn).get_columns(table.name)}
    if column.name not in present:
        kind = column.type.compile(dialect=conn.dialect)
        conn.exec_driver_sql(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}')
    for index in table.indexes:
        if [c.name for c in index.columns] == [column.name]:
            index.create(conn, checkfirst=True)


def _migrate_1(conn: sa.Connection) -> None:
    """Stores made before schema versions: the tables and the columns added over time, made where missing."""
    for table in metadata.sorted_tables:
        if _since(table) > 1:
            continue
        table.create(conn, checkfirst=True)
        for column in table.columns:
            if _since(column) <= 1 and column.nullable:
                _add_column(conn, table, column)


def _migrate_2(conn: sa.Connection) -> None:
    """Assignments: the assignments and group_members tables, and each session's assignment_id."""
    assignments.create(conn, checkfirst=True)
    group_members.create(conn, checkfirst=True)
    _add_column(conn, sessions, sessions.c.assignment_id)


def _migrate_3(conn: sa.Connection) -> None:
    """Did you mean and corrections: turns.proposed, turns.confirmed (false before), turns.corrected_from."""
    _add_column(conn, turns, turns.c.proposed)
    _add_column(conn, turns, turns.c.corrected_from)
    present = {c["name"] for c in sa.inspect(conn).get_columns(turns.name)}
    if "confirmed" not in present:
        kind = turns.c.confirmed.type.compile(dialect=conn.dialect)
        false = "0" if conn.dialect.name == "sqlite" else "false"
        conn.exec_driver_sql(f'ALTER TABLE turns ADD COLUMN "confirmed" {kind} NOT NULL DEFAULT {false}')


@dataclass(frozen=True)
class Migration:
    """One numbered step of the store's schema; applied in order, each once, in one transaction.

    Attributes:
        number: its place in ``MIGRATIONS`` (1, 2, …): a store at version n has had 1…n applied.
        title: what it does, as recorded in the store's meta table.
        apply: makes the change on a connection in a transaction.
    """

    number: int
    title: str
    apply: Callable[[sa.Connection], None]


# Append only: a released migration is never changed, a new one is the next number.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "versioned schema: tables and columns made before versions, where missing", _migrate_1),
    Migration(2, "assignments: assignments, group_members, sessions.assignment_id", _migrate_2),
    Migration(3, "did you mean: turns.proposed, turns.confirmed, turns.corrected_from", _migrate_3),
)
SCHEMA_VERSION = len(MIGRATIONS)


# The session columns of a trainee's progress and of an assignment's report (no debriefs).
RESULT_COLUMNS = (
    "id", "trainee", "scenario_id", "scenario_version", "attempt", "mode", "status", "started_at", "ended_at",
    "score", "passed", "competency_scores", "assignment_id",
)  # fmt: skip


class NoAttemptsLeft(StoreError):
    """A session refused: its trainee has used every attempt its assignment allows."""


class AssignedRecorder:
    """The store as the recorder of a session played for an assignment (``Store.assigned``).

    Attributes:
        store: the store written to.
        assignment: the assignments row.
    """

    def __init__(self, store: Store, assignment: Mapping[str, Any]):
        self.store = store
        self.assignment = dict(assignment)

    def session_started(self, session: Session) -> None:
        """Recorder: the session's row, with its assignment; ``NoAttemptsLeft`` past the limit.

        Args:
            session: the session that starts.
        """
        self.store._start(session, self.assignment)

    def turn_recorded(self, session: Session, turn: Turn) -> None:
        """Recorder: as ``Store.turn_recorded``.

        Args:
            session: the session.
            turn: the answered turn.
        """
        self.store.turn_recorded(session, turn)

    def turn_corrected(self, session: Session, turn: Turn) -> None:
        """Recorder: as ``Store.turn_corrected``.

        Args:
            session: the session.
            turn: the new turn, replacing the one of its index.
        """
        self.store.turn_corrected(session, turn)

    def session_finished(self, session: Session, result: Result) -> None:
        """Recorder: as ``Store.session_finished``.

        Args:
            session: the session.
            result: its result.
        """
        self.store.session_finished(session, result)

    def session_abandoned(self, session: Session) -> None:
        """Recorder: as ``Store.session_abandoned``.

        Args:
            session: the session.
        """
        self.store.session_abandoned(session)


def _attempts_of(conn: sa.Connection, trainee: str, assignment_id: int) -> int:
    query = sa.select(sa.func.count()).where(sessions.c.trainee == trainee, sessions.c.assignment_id == assignment_id)
    return int(conn.execute(query).scalar_one())


def due_time(value: str) -> str:
    """An assignment's due time as the store keeps it: ISO, UTC, to the second.

    Args:
        value: an ISO date (due at its last second, UTC) or time (without a zone: UTC).

    Returns:
        ``YYYY-MM-DDTHH:MM:SS+00:00``.

    Raises:
        StoreError: not an ISO date or time.
    """
    from datetime import UTC, datetime

    text = str(value).strip()
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise StoreError(f"an assignment's due time is an ISO date or time, not {text!r}") from None
    if len(text) <= 10:  # a date: due by the end of that day
        when = when.replace(hour=23, minute=59, second=59)
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return when.replace(microsecond=0).isoformat()


def _set_teams(conn: sa.Connection, teams: Mapping[str, str]) -> None:
    """Each trainee's team, replacing the one they had (in the caller's transaction)."""
    conn.execute(trainees.delete().where(trainees.c.trainee == sa.bindparam("name")), [{"name": t} for t in teams])
    conn.execute(trainees.insert(), [{"trainee": t, "team": team} for t, team in teams.items()])


def _complete(table: sa.Table, rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Rows for one multi-row insert: every row with the same columns (the empty ones as None)."""
    empty = {c.name: None for c in table.columns if c.nullable}
    return [row if empty.keys() <= row.keys() else empty | dict(row) for row in rows]


# -------------------------------------------------------------- the row formats


def started_values(session: Session) -> dict[str, Any]:
    """A sessions row's values when the session starts (its attempt number already counted)."""
    scenario = session.scenario
    return dict(
        id=session.id,
        trainee=session.trainee,
        scenario_id=scenario.id,
        scenario_version=scenario.version,
        scenario_hash=scenario.content_hash,
        language=scenario.language,
        seed=session.seed,
        attempt=session.attempt,
        mode=session.mode,
        status="in_progress",
        started_at=session.started_at,
    )


# The Turn fields a turns row keeps as they are (scores and reactions are stored as JSON).
TURN_FIELDS = (
    "node", "customer_line", "reply", "kind", "option_index", "confidence", "understood", "was_best",
    "best_option_index", "mood_before", "mood_after", "feedback", "latency", "at", "next", "ending", "breach",
    "confirmed", "corrected_from",
)  # fmt: skip


def turn_row(turn: Turn, session_id: str) -> dict[str, Any]:
    """A turns row: the Turn of a session (``proposed`` as JSON, NULL for none)."""
    row = {k: getattr(turn, k) for k in TURN_FIELDS}
    row.update(
        session_id=session_id,
        idx=turn.index,
        scores=json.dumps(turn.scores),
        reactions=json.dumps(turn.reactions),
        proposed=json.dumps(list(turn.proposed)) if turn.proposed else None,
    )
    return row


def finished_values(result: Result, ended_at: str) -> dict[str, Any]:
    """The session columns a completed session fills in: status, end and the result."""
    k = result.kpis
    return dict(
        status="completed",
        ended_at=ended_at,
        outcome=result.outcome,
        ending=result.ending,
        score=result.overall,
        passed=result.passed,
        final_mood=result.final_mood,
        handle_time=k.handle_time,
        competency_scores=json.dumps(result.competency_scores),
        csat=k.csat,
        fcr=k.fcr,
        qa_score=k.qa_score,
        sla=k.sla,
        result=json.dumps(result.to_dict()),
    )


def reopened_values() -> dict[str, Any]:
    """The session columns of a completed session put back in progress (its ending turn was corrected)."""
    return dict(
        status="in_progress", ended_at=None, outcome=None, ending=None, score=None, passed=None, final_mood=None,
        handle_time=None, competency_scores=None, csat=None, fcr=None, qa_score=None, sla=None, result=None,
    )  # fmt: skip


def abandoned_values(ended_at: str, final_mood: Any) -> dict[str, Any]:
    """The session columns an abandoned session fills in; ``final_mood``: after its last answered turn."""
    return dict(status="abandoned", ended_at=ended_at, final_mood=final_mood)


def review_values(
    session_id: str,
    reviewer: str,
    scores: dict[str, float],
    overall: float,
    passed: bool,
    comment: str,
    created_at: str,
) -> dict[str, Any]:
    """A reviews row (its id is the store's to give)."""
    return dict(
        session_id=session_id,
        reviewer=reviewer.strip() or "reviewer",
        scores=json.dumps(scores),
        overall=float(overall),
        passed=bool(passed),
        comment=comment,
        created_at=created_at,
    )


def self_assessment_values(
    session_id: str, scores: dict[str, float], overall: float, comment: str, created_at: str
) -> dict[str, Any]:
    """A self_assessments row (its id is the store's to give)."""
    return dict(
        session_id=session_id, scores=json.dumps(scores), overall=float(overall), comment=comment, created_at=created_at
    )


def _check_scores(scores: dict[str, float], overall: float, session_id: str) -> None:
    for name, value in {**scores, "overall": overall}.items():
        if not 0 <= float(value) <= 100:
            raise StoreError(f"score {name}={value} is outside 0-100", session_id)


def _decode_turn(row: dict[str, Any]) -> dict[str, Any]:
    row["scores"] = json.loads(row["scores"])
    row["reactions"] = json.loads(row["reactions"])
    row["proposed"] = json.loads(row["proposed"]) if row.get("proposed") else []
    row["confirmed"] = bool(row.get("confirmed"))
    return row


def open_store(location: str | None = None, *, create: bool = True, lock_timeout: float = LOCK_TIMEOUT) -> Store:
    """Open the results store at a path or database URL; a writer makes it if need be.

    Args:
        location: a SQLite file or a database URL; None takes ``$ROLEPLAY_STORE`` or the user's default.
        create: make the store if it is not there (False for readers: reports and exports).
        lock_timeout: seconds a write waits, in all, for another process's write lock.

    Returns:
        The ``Store``.

    Raises:
        StoreError: the store cannot be opened (with ``create=False``: it is not there).
    """
    return Store(location, create=create, lock_timeout=lock_timeout)
