"""The engine and scoring on hand-checked paths through tests/data/mini/mini.yaml.

Max sums: empathy 2 (option 1 at the opening), ownership 2 (the replacement). Weights 2:1,
pass mark 70. The steady persona: start 50, gain = loss = 1, breaking point 10; a `solution`
reply before any `empathy` reply costs mood 10 and empathy 1.
"""

from __future__ import annotations

import pytest

from simulator import Session, SessionError
from simulator.core.engine import machine_for


def play(scenario, replies, clock=None, **kw):
    session = Session(scenario, trainee="t", seed=3, **({"clock": clock} if clock else {}), **kw)
    for r in replies:
        session.reply(r)
    return session


def test_max_scores_are_the_best_sums_any_path_reaches(mini):
    assert mini.state_space.max_scores == {"empathy": 2.0, "ownership": 2.0}


@pytest.mark.parametrize(
    ("replies", "ending", "outcome", "scores", "overall", "passed", "moods", "csat", "fcr"),
    [
        ([1, 1], "done", "resolved", {"empathy": 100.0, "ownership": 100.0}, 100.0, True, [60, 70], 4, True),
        ([2, 1], "done", "resolved", {"empathy": 0.0, "ownership": 100.0}, 33.3, False, [30, 30], 2, True),
        ([3], "done", "resolved", {"empathy": 0.0, "ownership": 50.0}, 16.7, False, [40], 3, True),
        ([1, 2], "lost_it", "lost", {"empathy": 100.0, "ownership": 0.0}, 66.7, False, [60, 30], 2, False),
        ([2, 2], "breaking_point", "lost", {"empathy": 0.0, "ownership": 0.0}, 0.0, False, [30, 0], 1, False),
    ],
    ids=["textbook", "curt-then-solution", "solution-first", "lost", "breaks-off"],
)
def test_hand_checked_paths(mini, replies, ending, outcome, scores, overall, passed, moods, csat, fcr):
    session = play(mini, replies)
    assert session.finished and session.status == "completed"
    result = session.result()
    assert (result.ending, result.outcome) == (ending, outcome)
    assert result.competency_scores == scores
    assert result.overall == overall
    assert result.passed is passed
    assert [t.mood_after for t in session.turns] == moods
    assert (result.kpis.csat, result.kpis.fcr) == (csat, fcr)


def test_persona_reaction_applies_and_explains_itself(mini):
    session = play(mini, [2, 1])
    second = session.turns[1]
    assert second.reactions == ["solution-before-heard"]
    assert second.scores == {"empathy": -1.0, "ownership": 2.0}
    assert second.feedback == "Ownership. Solve after you have listened."
    # after an empathetic opening the same reply draws no reaction
    assert play(mini, [1, 1]).turns[1].reactions == []


def test_debrief_names_the_better_reply_where_one_existed(mini):
    result = play(mini, [2, 1]).result()
    assert result.debrief[0].better_reply == "I'm sorry to hear that. Tell me more."
    assert result.debrief[1].better_reply is None  # the best still open after a curt start
    assert result.kpis.qa_score == 50.0
    assert [d.better_reply for d in play(mini, [1, 1]).result().debrief] == [None, None]


def test_breach_fails_whatever_the_score_and_is_never_the_better_reply(mini):
    result = play(mini, [1, 4]).result()
    assert result.overall == 83.3
    assert result.passed is False
    assert result.breaches == ["Reply 2: Disclosed another customer's personal data."]
    assert result.debrief[1].breach == "Disclosed another customer's personal data."
    assert result.debrief[1].better_reply == "I'll send a replacement today."


def test_turn_limit_breaks_off_a_loop(mini):
    session = play(mini, [1] + [3] * 6)
    assert not session.finished
    session.reply(3)
    assert session.ending == "breaking_point" and session.outcome == "lost"
    assert session.customer_line == "I'm done here."
    assert session.mood == 60 - 7 * 5


def test_typed_reply_is_matched_with_confidence(mini):
    session = Session(mini, seed=1)
    turn = session.reply("so sorry, please tell me more")
    assert turn.kind == "text" and turn.understood and turn.option_index == 0
    assert turn.confidence >= mini.model.matching.threshold
    assert session.node == "fix"


def test_reply_not_understood_asks_to_rephrase_and_keeps_the_node(mini):
    session = Session(mini, seed=1)
    turn = session.reply("banana smoothie recipe")
    assert not turn.understood and turn.option_index is None
    assert turn.scores == {"empathy": 0.0, "ownership": 0.0}
    assert session.node == "opening" and session.mood == 50  # the lab did not understand: no mood cost
    assert turn.mood_before == turn.mood_after == 50 and turn.proposed == []
    assert session.customer_line in ("Sorry, what?", "Come again?")
    assert session.transcript[-2:] == [("trainee", "banana smoothie recipe"), ("customer", session.customer_line)]
    session.reply(1)
    assert session.node == "fix"
    assert play(mini, [1, 1]).result().kpis.qa_score == 100.0


def test_a_reply_not_understood_is_left_out_of_the_qa_score(mini):
    """The lab's failure to understand is not charged to the trainee: neither a hit nor a miss."""
    session = Session(mini, seed=1)
    session.reply("banana smoothie recipe")
    session.reply(1)
    session.reply("banana smoothie recipe")
    session.reply(1)
    assert session.finished and [t.understood for t in session.turns] == [False, True, False, True]
    assert session.result().kpis.qa_score == 100.0  # not 50: two of two understood replies were the best
    curt = Session(mini, seed=1)
    for reply in (2, "banana smoothie recipe", 1):
        curt.reply(reply)
    assert curt.finished and curt.result().kpis.qa_score == 50.0  # the curt start is still a miss


@pytest.mark.parametrize("odd", ["<img src=x onerror=alert(1)>", "🙂🔥🙂", "x" * 10_000, "   \n\t  x"])
def test_odd_text_is_taken_safely(mini, odd):
    session = Session(mini, seed=1)
    turn = session.reply(odd)
    assert turn.reply == odd  # kept as typed; escaping is the page's job
    assert turn.understood is False


def test_latency_and_handle_time_come_from_the_injected_clock(mini, clock):
    session = Session(mini, seed=1, clock=clock)
    clock.advance(7)
    first = session.reply(1)
    clock.advance(70)
    session.reply(1)
    assert first.latency == 7.0 and session.turns[1].latency == 70.0
    result = session.result()
    assert result.kpis.handle_time == 77.0
    assert result.kpis.sla == 50.0  # one reply of two within 60 s


def test_seed_decides_line_variants(mini):
    lines = {Session(mini, seed=s).customer_line for s in range(20)}
    assert lines == {"Hi, my kettle is broken.", "Hello, the kettle broke."}
    assert Session(mini, seed=5).customer_line == Session(mini, seed=5).customer_line


@pytest.mark.parametrize("bad", [0, 5, -1, "", "   "])
def test_bad_replies_are_refused_without_moving(mini, bad):
    session = Session(mini, seed=1)
    with pytest.raises(SessionError):
        session.reply(bad)
    assert session.turns == [] and session.node == "opening"


def test_finished_session_refuses_replies_and_unfinished_has_no_result(mini):
    session = Session(mini, seed=1)
    with pytest.raises(SessionError, match="not over"):
        session.result()
    session.reply(3)
    with pytest.raises(SessionError, match="has ended"):
        session.reply(1)


def test_sessions_share_one_machine_and_leave_it_when_done(mini):
    machine = machine_for(mini)
    a, b = Session(mini, seed=1), Session(mini, seed=1)
    assert a != b and machine is machine_for(mini)
    a.reply(1)
    assert (a.state, b.state) == ("fix", "opening")
    a.reply(1)
    b.abandon()
    assert a not in machine.models and b not in machine.models
    assert b.status == "abandoned"


def test_feedback_mode_defaults_to_the_scenario_and_can_be_overridden(mini):
    assert Session(mini).mode == "practice"
    session = play(mini, [1, 1], mode="assessment")
    assert session.result().mode == "assessment"


def test_a_trainer_can_play_from_any_node_with_any_mood(mini):
    session = Session(mini, seed=1, start="fix", start_mood=40)
    assert (session.node, session.mood, session.customer_line) == ("fix", 40, "It stopped working yesterday.")
    session.reply(1)
    # +10 for the reply, -10 from the persona: a solution with no empathy heard earlier in this play
    assert session.ending == "done" and session.mood == 40
    with pytest.raises(SessionError, match="no node 'nowhere' to start from in mini"):
        Session(mini, start="nowhere")
