""" "Did you mean …?" and "that's not what I meant" in the results store, on a SQLite file and a real PostgreSQL.

The turns come from the real engine with ``Unsure`` (tests/core/test_clarification.py): "#N" is
taken for option N, anything else proposes options 1 and 2.
"""

from __future__ import annotations

from simulator import Session
from simulator.results import reports

from ..core.test_clarification import Unsure

BOTH_BACKENDS = True  # every test taking `store` runs on SQLite and on a real PostgreSQL server


def session_of(mini, store, trainee="anna"):
    return Session(mini, trainee=trainee, seed=4, matcher=Unsure(), recorder=store)


def test_the_store_keeps_what_was_typed_proposed_confirmed_and_corrected(mini, store):
    session = session_of(mini, store)
    session.reply("I feel for you", clarify=True)
    assert store.turns(session.id) == []  # nothing recorded while pending
    session.confirm(1)
    session.reply("#3")  # at "fix": "Can you repeat that?"
    session.correct(1)  # meant "I'll send a replacement today": ends the talk
    rows = store.turns(session.id)
    assert [
        (r["idx"], r["reply"], r["option_index"], r["proposed"], r["confirmed"], r["corrected_from"]) for r in rows
    ] == [
        (0, "I feel for you", 0, [0, 1], True, None),
        (1, "#3", 0, [], False, 2),
    ]
    assert store.session(session.id)["status"] == "completed"


def test_a_declined_proposal_is_stored_as_not_understood_with_its_proposals(mini, store):
    session = session_of(mini, store)
    session.reply("hmm", clarify=True)
    session.confirm(None)
    (row,) = store.turns(session.id)
    assert (row["understood"], row["option_index"], row["proposed"], row["confirmed"]) == (False, None, [0, 1], False)
    assert row["mood_before"] == row["mood_after"] == 50


def test_a_corrected_ending_turn_replaces_its_row_and_puts_the_session_back_in_progress(mini, store):
    session = session_of(mini, store)
    session.reply("#3")  # "Here is a refund." ends the talk
    finished = store.session(session.id)
    assert finished["status"] == "completed" and finished["score"] is not None
    session.correct(1)
    row = store.session(session.id)
    assert row["status"] == "in_progress"
    assert (row["ended_at"], row["score"], row["passed"], row["outcome"], row["result"]) == (None,) * 5
    (turn,) = store.turns(session.id)
    assert (turn["idx"], turn["option_index"], turn["corrected_from"], turn["next"]) == (0, 0, 2, "fix")
    session.reply(1)
    row = store.session(session.id)
    assert (row["status"], row["ending"], row["score"]) == ("completed", "done", 100.0)
    assert [t["option_index"] for t in store.turns(session.id)] == [0, 0]


def test_an_assignment_recorder_records_corrections_too(mini, store):
    aid = store.create_assignment("mini", "everyone", "2030-01-01")
    session = Session(mini, trainee="anna", matcher=Unsure(), recorder=store.assigned(aid))
    session.reply("#2")
    session.correct(1)
    (turn,) = store.turns(session.id)
    assert (turn["option_index"], turn["corrected_from"]) == (0, 1)


def test_matching_by_node_counts_typed_replies_worst_first(mini, store):
    a = session_of(mini, store)
    a.reply("hmm", clarify=True)
    a.confirm(1)  # opening: typed, clarified, confirmed
    a.reply("#2")
    a.correct(1)  # fix: typed, corrected (and it ends the talk)
    b = session_of(mini, store, trainee="bea")
    b.reply("hmm")  # opening: typed, not understood (proposals kept)
    b.reply("#1")  # opening: typed, taken
    b.reply(3)  # fix: an option picked, not typed: not counted
    assert store.matching_by_node() == [
        {"scenario_id": "mini", "node": "fix", "typed": 1, "not_understood": 0, "clarified": 0, "confirmed": 0,
         "corrected": 1},
        {"scenario_id": "mini", "node": "opening", "typed": 3, "not_understood": 1, "clarified": 2, "confirmed": 1,
         "corrected": 0},
    ]  # fmt: skip
    assert store.matching_by_node("mini") == store.matching_by_node()
    assert store.matching_by_node("other") == []
    assert store.corrected_replies("mini") == [("fix", "#2", 0, 1)]


def test_frames_and_reports_carry_the_new_columns(mini, store):
    session = session_of(mini, store)
    session.reply("hmm", clarify=True)
    session.confirm(2)
    session.reply("#2")
    session.correct(1)
    turns = store.frames({"turns": ("idx", "proposed", "confirmed", "corrected_from")})["turns"].sort_values("idx")
    assert turns["proposed"].tolist()[0] == "[0, 1]"
    assert [bool(c) for c in turns["confirmed"]] == [True, False]
    assert turns["corrected_from"].tolist()[1] == 1
    data = reports.load(store)
    assert {"proposed", "confirmed", "corrected_from"} <= set(data.turns.columns)


def test_item_analysis_and_the_not_understood_table_count_proposals_confirmations_and_corrections(mini, store):
    a = session_of(mini, store)
    a.reply("I feel for you", clarify=True)
    a.confirm(1)  # opening: 1 and 2 proposed, 1 confirmed
    a.reply("#3")
    a.correct(1)  # fix: taken for 3, meant 1 (ends the talk)
    b = session_of(mini, store, trainee="bea")
    b.reply("hmm")  # not understood, 1 and 2 proposed
    b.reply("hmm", clarify=True)
    b.confirm(None)  # declined
    b.reply(2)
    data = reports.load(store)
    items = reports.item_analysis(data, {"mini": mini}).set_index(["node", "option"])
    assert items.loc["opening", ["chosen", "proposed", "confirmed", "corrected"]].to_dict("index") == {
        1: {"chosen": 1, "proposed": 3, "confirmed": 1, "corrected": 0},
        2: {"chosen": 1, "proposed": 3, "confirmed": 0, "corrected": 0},  # Unsure proposes 1 and 2 alike
    }
    assert items.loc[("fix", 1), ["chosen", "confirmed", "corrected"]].tolist() == [1, 0, 1]
    assert set(items.loc["opening", "not_understood"]) == {2}
    table = reports.not_understood(data)
    assert table[["node", "reply", "times", "proposed", "confirmed", "corrected"]].values.tolist() == [
        ["opening", "hmm", 2, "1, 2", 0, 0],
        ["fix", "#3", 0, "", 0, 1],
        ["opening", "I feel for you", 0, "1, 2", 1, 0],
    ]
