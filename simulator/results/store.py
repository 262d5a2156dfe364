"""The results store: sessions and turns, written as they happen.

SQLAlchemy Core over a SQLite file by default (WAL, a busy timeout and retries, so several
processes can write at once); any SQLAlchemy URL (``postgresql://…``) works too. The
location comes from ``--store``, else ``ROLEPLAY_STORE``, else a file in the user's data
folder. The store is a ``Recorder``: hand it to a ``Session`` and every turn is saved.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, OperationalError

from ..errors import StoreError
from ..settings import default_store_location

if TYPE_CHECKING:
    from ..core.engine import Session, Turn
    from ..core.scoring import Result

__all__ = ["Store", "default_store_location", "open_store"]

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


def _url(location: str) -> str:
    if "://" in location:
        return location
    path = Path(location).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the results store {location!r}: {exc.strerror or exc}") from None
    return f"sqlite:///{path}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Store:
    """Sessions and turns in a database; also the engine's ``Recorder``."""

    retries = 8

    def __init__(self, location: str | None = None):
        self.location = location or default_store_location()
        url = _url(self.location)
        self.is_sqlite = url.startswith("sqlite")
        try:
            self.engine = sa.create_engine(url)
            self.reader = sa.create_engine(url) if self.is_sqlite else self.engine
        except Exception as exc:  # bad URL, missing driver
            raise StoreError(f"cannot open the results store {self.location!r}: {exc}") from None
        if self.is_sqlite:
            event.listen(self.reader, "connect", _sqlite_pragmas)
            event.listen(self.engine, "connect", _sqlite_pragmas)
            # Writers take the write lock at BEGIN, so attempt numbers are counted under it.
            event.listen(self.engine, "connect", lambda c, _r: setattr(c, "isolation_level", None))
            event.listen(self.engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        self._write(lambda conn: metadata.create_all(conn), None)
        self._write(_add_missing_columns, None)

    def __repr__(self) -> str:
        return f"Store({self.location!r})"

    def close(self) -> None:
        self.engine.dispose()
        self.reader.dispose()

    # -------------------------------------------------------------- writing

    def _write(self, work: Callable[[sa.Connection], T], session_id: str | None) -> T:
        delay = 0.02
        for attempt in range(self.retries + 1):
            try:
                with self.engine.begin() as conn:
                    return work(conn)
            except OperationalError as exc:
                locked = "locked" in str(exc).lower() or "busy" in str(exc).lower()
                if not locked or attempt == self.retries:
                    raise StoreError(
                        f"cannot write to the results store {self.location!r}: {exc.orig}", session_id
                    ) from None
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 1.0)
            except DBAPIError as exc:
                raise StoreError(
                    f"cannot write to the results store {self.location!r}: {exc.orig}", session_id
                ) from None
        raise AssertionError("unreachable")

    def session_started(self, session: Session) -> None:
        scenario = session.scenario

        def insert(conn: sa.Connection) -> None:
            previous = conn.execute(
                sa.select(sa.func.count())
                .select_from(sessions)
                .where(sessions.c.trainee == session.trainee, sessions.c.scenario_id == scenario.id)
            ).scalar_one()
            session.attempt = previous + 1
            conn.execute(sessions.insert().values(**started_values(session)))

        self._write(insert, session.id)

    def turn_recorded(self, session: Session, turn: Turn) -> None:
        row = turn_row(turn) | {"session_id": session.id, "idx": turn.index}
        self._write(lambda conn: conn.execute(turns.insert().values(**row)), session.id)

    def session_finished(self, session: Session, result: Result) -> None:
        values = dict(status="completed", ended_at=_now(), **finished_values(result))
        self._write(
            lambda conn: conn.execute(sessions.update().where(sessions.c.id == session.id).values(**values)), session.id
        )

    def session_abandoned(self, session: Session) -> None:
        self.mark_abandoned(session.id)

    def mark_abandoned(self, session_id: str) -> bool:
        """Mark an in-progress session abandoned; its answered turns stay."""

        def update(conn: sa.Connection) -> int:
            return conn.execute(
                sessions.update()
                .where(sessions.c.id == session_id, sessions.c.status == "in_progress")
                .values(
                    status="abandoned",
                    ended_at=_now(),
                    final_mood=sa.select(turns.c.mood_after)
                    .where(turns.c.session_id == session_id)
                    .order_by(turns.c.idx.desc())
                    .limit(1)
                    .scalar_subquery(),
                )
            ).rowcount

        return bool(self._write(update, session_id))

    def abandon_idle(self, seconds: float) -> int:
        """Mark abandoned the sessions in progress with no reply for ``seconds`` (their page is gone)."""
        from datetime import UTC, datetime, timedelta

        cutoff = (datetime.now(UTC) - timedelta(seconds=seconds)).isoformat(timespec="milliseconds")
        last = sa.select(sa.func.max(turns.c.at)).where(turns.c.session_id == sessions.c.id).scalar_subquery()
        with self.reader.connect() as conn:
            ids = [
                r.id
                for r in conn.execute(
                    sa.select(sessions.c.id).where(
                        sessions.c.status == "in_progress", sa.func.coalesce(last, sessions.c.started_at) < cutoff
                    )
                )
            ]
        return sum(self.mark_abandoned(i) for i in ids)

    # -------------------------------------------------------------- teams, reviews, self-assessments

    def set_team(self, trainee: str, team: str) -> None:
        def upsert(conn: sa.Connection) -> None:
            conn.execute(trainees.delete().where(trainees.c.trainee == trainee))
            conn.execute(trainees.insert().values(trainee=trainee, team=team))

        self._write(upsert, None)

    def teams(self) -> dict[str, str]:
        with self.reader.connect() as conn:
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
        """Record a reviewer's scores (0-100 per competency) and comment; the automatic result stays."""
        if self.session(session_id) is None:
            raise StoreError("no such session to review", session_id)
        _check_scores(scores, overall, session_id)
        values = dict(
            session_id=session_id,
            reviewer=reviewer.strip() or "reviewer",
            scores=json.dumps(scores),
            overall=float(overall),
            passed=bool(passed),
            comment=comment,
            created_at=_now(),
        )
        return self._write(
            lambda conn: conn.execute(reviews.insert().values(**values)).inserted_primary_key[0], session_id
        )

    def reviews(self, session_id: str | None = None) -> list[dict[str, Any]]:
        query = sa.select(reviews).order_by(reviews.c.id)
        if session_id is not None:
            query = query.where(reviews.c.session_id == session_id)
        with self.reader.connect() as conn:
            return [dict(r._mapping, scores=json.loads(r.scores)) for r in conn.execute(query)]

    def add_self_assessment(
        self, session_id: str, *, scores: dict[str, float], overall: float, comment: str = ""
    ) -> int:
        if self.session(session_id) is None:
            raise StoreError("no such session to assess", session_id)
        _check_scores(scores, overall, session_id)
        values = dict(
            session_id=session_id, scores=json.dumps(scores), overall=float(overall), comment=comment, created_at=_now()
        )
        return self._write(
            lambda conn: conn.execute(self_assessments.insert().values(**values)).inserted_primary_key[0], session_id
        )

    def self_assessments(self) -> list[dict[str, Any]]:
        with self.reader.connect() as conn:
            return [
                dict(r._mapping, scores=json.loads(r.scores))
                for r in conn.execute(sa.select(self_assessments).order_by(self_assessments.c.id))
            ]

    # -------------------------------------------------------------- reading

    def sessions(self, **where: Any) -> list[dict[str, Any]]:
        """Sessions, oldest first; keyword arguments filter on columns (trainee=…, status=…)."""
        query = sa.select(sessions).order_by(sessions.c.started_at, sessions.c.id)
        for column, value in where.items():
            query = query.where(sessions.c[column] == value)
        with self.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def session(self, session_id: str) -> dict[str, Any] | None:
        rows = self.sessions(id=session_id)
        return rows[0] if rows else None

    def turns(self, session_id: str | None = None) -> list[dict[str, Any]]:
        query = sa.select(turns).order_by(turns.c.session_id, turns.c.idx)
        if session_id is not None:
            query = query.where(turns.c.session_id == session_id)
        with self.reader.connect() as conn:
            return [_decode_turn(dict(r._mapping)) for r in conn.execute(query)]

    def count_sessions(self) -> int:
        """How many sessions the store holds, in any status."""
        with self.reader.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(sessions)).scalar_one())

    def not_understood_replies(self, scenario_id: str) -> list[tuple[str, str, int]]:
        """(node, reply, times) of the typed replies to a scenario that were not understood, most frequent first."""
        s, t = sessions, turns
        query = (
            sa.select(t.c.node, t.c.reply, sa.func.count().label("times"))
            .select_from(t.join(s, t.c.session_id == s.c.id))
            .where(s.c.scenario_id == scenario_id, t.c.understood == sa.false())
            .group_by(t.c.node, t.c.reply)
            .order_by(sa.desc("times"), t.c.node, t.c.reply)
        )
        with self.reader.connect() as conn:
            return [(r.node, r.reply, int(r.times)) for r in conn.execute(query)]

    def iter_turns(self) -> Iterator[dict[str, Any]]:
        with self.reader.connect() as conn:
            for r in conn.execution_options(stream_results=True).execute(
                sa.select(turns).order_by(turns.c.session_id, turns.c.idx)
            ):
                yield _decode_turn(dict(r._mapping))


def _add_missing_columns(conn: sa.Connection) -> None:
    """Bring a store made by an older version up to date: new columns are nullable, added in place."""
    inspector = sa.inspect(conn)
    for table in metadata.sorted_tables:
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present and column.nullable:
                kind = column.type.compile(dialect=conn.dialect)
                conn.exec_driver_sql(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}')


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
)  # fmt: skip


def turn_row(turn: Turn) -> dict[str, Any]:
    """A turns row's values from a Turn, but for session_id and idx."""
    row = {k: getattr(turn, k) for k in TURN_FIELDS}
    row.update(scores=json.dumps(turn.scores), reactions=json.dumps(turn.reactions))
    return row


def finished_values(result: Result) -> dict[str, Any]:
    """The session columns a finished session fills in (shared with bulk writers such as demo-data)."""
    k = result.kpis
    return dict(
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


def _check_scores(scores: dict[str, float], overall: float, session_id: str) -> None:
    for name, value in {**scores, "overall": overall}.items():
        if not 0 <= float(value) <= 100:
            raise StoreError(f"score {name}={value} is outside 0-100", session_id)


def _decode_turn(row: dict[str, Any]) -> dict[str, Any]:
    row["scores"] = json.loads(row["scores"])
    row["reactions"] = json.loads(row["reactions"])
    return row


def open_store(location: str | None = None) -> Store:
    """Open (and create if need be) the results store at a path or database URL."""
    return Store(location)
