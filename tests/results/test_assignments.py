"""Assignments in the store: made, listed by group, removed; attempts limited; who did what by the due date."""

from __future__ import annotations

import csv
import io

import pytest

from simulator import Session, StoreError
from simulator.results.assignments import assignment_report, attempts_left, to_csv
from simulator.results.store import NoAttemptsLeft

from ..conftest import FakeClock

BOTH_BACKENDS = True


def _play(scenario, trainee, recorder, replies, started_at):
    clock = FakeClock()
    session = Session(scenario, trainee=trainee, clock=clock, recorder=recorder, started_at=started_at)
    for reply in replies:
        clock.advance(5)
        session.reply(reply)
    return session


def test_assignments_are_made_listed_by_group_and_removed(store):
    a = store.create_assignment("mini", " trainees ", "2026-03-01", mode="assessment", max_attempts=2, created_by="tom")
    b = store.create_assignment("mini", "everyone", "2026-02-01T12:00:00+02:00")
    c = store.create_assignment("other", "class-b", "2026-04-01T08:00")
    assert [x["id"] for x in store.assignments()] == [b, a, c]  # soonest due first
    assert [x["id"] for x in store.assignments({"trainees", "everyone"})] == [b, a]
    row = store.assignment(a)
    assert (row["group_name"], row["due"], row["mode"], row["max_attempts"], row["created_by"]) == (
        "trainees", "2026-03-01T23:59:59+00:00", "assessment", 2, "tom",
    )  # fmt: skip
    assert store.assignment(b)["due"] == "2026-02-01T10:00:00+00:00" and store.assignment(b)["max_attempts"] is None
    assert store.assignment(c)["due"] == "2026-04-01T08:00:00+00:00"
    assert store.delete_assignment(c) is True and store.delete_assignment(c) is False
    assert store.assignment(c) is None and len(store.assignments()) == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"group": " "}, "needs a group"),
        ({"mode": "debrief"}, "mode is one of practice, assessment"),
        ({"max_attempts": 0}, "attempt limit is 1 or more"),
        ({"due": "next friday"}, "due time is an ISO date or time"),
    ],
)
def test_an_assignment_the_store_cannot_keep_is_refused(store, kwargs, message):
    values = {"scenario_id": "mini", "group": "trainees", "due": "2026-03-01"} | kwargs
    with pytest.raises(StoreError, match=message):
        store.create_assignment(**values)
    assert store.assignments() == []


def test_an_assigned_session_is_recorded_with_its_assignment_and_its_attempts_are_limited(mini, store):
    aid = store.create_assignment("mini", "trainees", "2026-03-01", mode="assessment", max_attempts=2)
    recorder = store.assigned(aid)
    first = Session(mini, trainee="anna", recorder=recorder, mode="assessment")
    first.reply(1)
    first.reply(1)
    Session(mini, trainee="anna", recorder=store)  # free practice: not counted against the assignment
    second = Session(mini, trainee="anna", recorder=recorder)
    assert [store.session(s.id)["assignment_id"] for s in (first, second)] == [aid, aid]
    assert store.session(first.id)["mode"] == "assessment" and store.session(first.id)["status"] == "completed"
    assert (first.attempt, second.attempt) == (1, 3)  # attempts at the scenario count on across both
    assert store.attempts_used("anna", [aid]) == {aid: 2} and store.attempts_used("ben", [aid]) == {aid: 0}
    with pytest.raises(NoAttemptsLeft, match="anna has used all 2 attempts of assignment"):
        Session(mini, trainee="anna", recorder=recorder)
    assert len(store.sessions(trainee="anna")) == 3  # the refused one left nothing
    Session(mini, trainee="ben", recorder=recorder)  # ben has his own two
    assert attempts_left(store.assignment(aid), 2) == 0 and attempts_left({"max_attempts": None}, 9) is None
    with pytest.raises(StoreError, match="no assignment 999"):
        store.assigned(999)


def test_the_report_says_who_did_what_by_the_due_date(mini, store):
    aid = store.create_assignment("mini", "class-a", "2026-01-10")
    store.set_groups("anna", ["class-a", "trainees"])
    store.set_team("dora", "class-a")  # a team of the group's name counts as the group too
    store.set_groups("ben", ["class-a"])
    store.set_groups("erik", ["class-b"])
    recorder = store.assigned(aid)
    on_time = _play(mini, "anna", recorder, [2, 1], "2026-01-05T09:00:00.000+00:00")
    _play(mini, "anna", recorder, [1, 1], "2026-01-12T09:00:00.000+00:00")  # better, but late
    _play(mini, "ben", recorder, [1], "2026-01-06T09:00:00.000+00:00").abandon()  # started only
    _play(mini, "cleo", recorder, [1, 1], "2026-01-05T09:00:00.000+00:00")  # not in the group, played it
    # the sessions end now (after the due date): put anna's first and cleo's end before it, as played then
    store._write(
        lambda conn: conn.exec_driver_sql(
            "UPDATE sessions SET ended_at = '2026-01-05T09:01:00.000+00:00' "
            "WHERE substr(started_at, 1, 10) = '2026-01-05'"
        )
    )
    store.add_review(on_time.id, "rita", scores={"empathy": 95, "ownership": 95}, overall=95.0, passed=True)
    rows = {r.trainee: r for r in assignment_report(store)}
    assert {t: r.status for t, r in rows.items()} == {
        "anna": "on_time", "ben": "started", "cleo": "on_time", "dora": "not_started",
    }  # fmt: skip
    assert (rows["anna"].attempts, rows["anna"].best, rows["anna"].completed_at) == (
        2, 100.0, "2026-01-05T09:01:00.000+00:00",
    )  # fmt: skip
    assert rows["ben"].best is None and rows["dora"].attempts == 0
    late = store.create_assignment("mini", "class-a", "2026-01-01")
    assert assignment_report(store, [late])[0].status == "not_started"
    text = to_csv(assignment_report(store, [aid]))
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert [(r["trainee"], r["status"], r["best"]) for r in parsed] == [
        ("anna", "on_time", "100.0"), ("ben", "started", ""), ("cleo", "on_time", "100.0"), ("dora", "not_started", ""),
    ]  # fmt: skip


def test_a_late_completion_is_late_and_everyone_is_every_known_trainee(mini, store):
    aid = store.create_assignment("mini", "everyone", "2026-01-10")
    _play(mini, "anna", store.assigned(aid), [1, 1], "2026-01-12T09:00:00.000+00:00")  # ends now: late
    _play(mini, "ben", store, [1, 1], "2026-01-05T09:00:00.000+00:00")  # free practice only
    store.set_team("=cmd|' /C calc'!A0", "x")  # a name a spreadsheet would run
    rows = {r.trainee: r.status for r in assignment_report(store)}
    assert rows == {"anna": "late", "ben": "not_started", "=cmd|' /C calc'!A0": "not_started"}
    assert ",'=cmd|' /C calc'!A0," in to_csv(assignment_report(store))
    assert store.group_members("everyone") == {"anna", "ben", "=cmd|' /C calc'!A0"}
