""" "Did you mean …?", "that's not what I meant" and the not-understood turn, through the real engine.

The matcher is the engine's plug-in point: ``Unsure`` below is a small real matcher. A reply
"#N" is taken for option N (1-based) with confidence 0.9; any other reply is one it is unsure
of, close to options 1 and 2 (0-based 0 and 1). On tests/data/mini/mini.yaml (the steady persona:
start 50): option 1 at the opening is +10 (to "fix"), option 2 is -20, option 3 ends the talk
("done"); at "fix", option 1 ends it ("done"), option 3 stays at "fix" (-5).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator import Session, SessionError, load_scenario
from simulator.core import Clarification as ExportedClarification
from simulator.core.engine import Clarification
from simulator.core.matching import Match

from ..conftest import MINI, SCENARIOS


class Unsure:
    """Takes "#N" for option N; is unsure of anything else, proposing options 1 and 2."""

    def match(self, reply, options, language="en"):
        if reply.startswith("#"):
            return Match(int(reply[1:]) - 1, 0.9)
        return Match(None, 0.3, (0, 1))


class Log:
    """A recorder that keeps what it is told, in order."""

    def __init__(self):
        self.events = []

    def session_started(self, session):
        self.events.append(("started",))

    def turn_recorded(self, session, turn):
        self.events.append(("turn", turn.index, turn.option_index))

    def turn_corrected(self, session, turn):
        self.events.append(("corrected", turn.index, turn.option_index, session.status))

    def session_finished(self, session, result):
        self.events.append(("finished", result.ending))

    def session_abandoned(self, session):
        self.events.append(("abandoned",))


def session_of(scenario, clock, **kw):
    return Session(scenario, trainee="t", seed=5, clock=clock, matcher=Unsure(), **kw)


def with_clarify(tmp_path: Path, clarify: str, feedback: str = "practice"):
    text = MINI.read_text(encoding="utf-8").replace(
        "max_turns: 8", f"max_turns: 8\nfeedback: {feedback}\nmatching: {{clarify: {clarify}}}"
    )
    (tmp_path / "personas").mkdir(parents=True, exist_ok=True)
    for persona in (MINI.parent / "personas").iterdir():
        (tmp_path / "personas" / persona.name).write_text(persona.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "mini.yaml"
    path.write_text(text, encoding="utf-8")
    return load_scenario(path)


def test_an_unsure_reply_gives_a_clarification_and_changes_nothing(mini, clock):
    log = Log()
    session = session_of(mini, clock, recorder=log)
    line, transcript = session.customer_line, list(session.transcript)
    clock.advance(4)
    asked = session.reply("I feel for you", clarify=True)
    assert ExportedClarification is Clarification
    assert asked == Clarification(
        "I feel for you", (0, 1), (mini.nodes["opening"].options[0].text, "What do you want?")
    )
    assert session.pending == asked
    assert session.turns == [] and log.events == [("started",)]
    assert (session.node, session.mood, session.customer_line, session.transcript) == ("opening", 50, line, transcript)
    assert session.elapsed == 4  # the customer's line keeps its clock
    assert session.clarifies and not session.correctable


def test_a_pending_clarification_blocks_replies_until_resolved(mini, clock):
    session = session_of(mini, clock)
    session.reply("hmm", clarify=True)
    with pytest.raises(SessionError, match="confirm or decline the proposed options first"):
        session.reply(1)
    with pytest.raises(SessionError, match="option 3 was not proposed: choose 1 or 2, or none"):
        session.confirm(3)
    assert session.pending is not None and session.turns == []
    session.abandon()
    with pytest.raises(SessionError, match="the session has ended"):
        session.confirm(1)


def test_confirming_records_the_typed_text_with_what_was_proposed_and_confirmed(mini, clock):
    log = Log()
    session = session_of(mini, clock, recorder=log)
    clock.advance(3)
    session.reply("I feel for you", clarify=True)
    clock.advance(2)
    turn = session.confirm(1)
    assert session.pending is None
    assert (turn.kind, turn.reply, turn.option_index, turn.understood) == ("text", "I feel for you", 0, True)
    assert (turn.proposed, turn.confirmed, turn.corrected_from) == ([0, 1], True, None)
    assert turn.latency == 5  # from the customer's line to the confirming click
    assert (turn.mood_before, turn.mood_after, session.node) == (50, 60, "fix")
    assert session.transcript[1] == ("trainee", "I feel for you")
    assert log.events == [("started",), ("turn", 0, 0)]
    with pytest.raises(SessionError, match="no proposed option"):
        session.confirm(1)


def test_none_of_these_is_a_not_understood_turn_that_costs_no_mood(mini, clock):
    session = session_of(mini, clock)
    session.reply("hmm", clarify=True)
    turn = session.confirm(None)
    assert (turn.understood, turn.option_index, turn.proposed, turn.confirmed) == (False, None, [0, 1], False)
    assert turn.mood_before == turn.mood_after == 50 == session.mood
    assert session.node == "opening" and session.customer_line in ("Sorry, what?", "Come again?")
    assert len(session.turns) == 1  # it counts toward max_turns


def test_without_clarify_an_unsure_reply_is_not_understood_with_its_proposals(mini, clock):
    session = session_of(mini, clock)
    turn = session.reply("hmm")
    assert isinstance(turn, type(session.turns[0])) and session.pending is None
    assert (turn.understood, turn.proposed, turn.mood_after) == (False, [0, 1], 50)


def test_not_understood_replies_end_the_talk_at_max_turns_without_breaking_the_mood(mini, clock):
    session = session_of(mini, clock)
    for _ in range(8):
        session.reply("hmm")
    assert session.finished and session.ending == "breaking_point" and session.mood == 50


def test_assessment_mode_asks_to_rephrase_and_the_scenario_field_overrides(mini, clock, tmp_path):
    session = session_of(mini, clock, mode="assessment")
    assert not session.clarifies
    turn = session.reply("hmm", clarify=True)
    assert not turn.understood and turn.proposed == [0, 1] and session.pending is None
    proposing = with_clarify(tmp_path, "propose", feedback="assessment")
    assert isinstance(session_of(proposing, clock).reply("hmm", clarify=True), Clarification)
    rephrasing = with_clarify(tmp_path / "b", "rephrase")
    practice = session_of(rephrasing, clock)
    assert practice.mode == "practice" and not practice.clarifies
    assert not practice.reply("hmm", clarify=True).understood


def test_correct_undoes_the_last_typed_turn_and_takes_the_intended_option_in_its_place(mini, clock):
    log = Log()
    session = session_of(mini, clock, recorder=log)
    clock.advance(2)
    session.reply("#2")  # taken for "What do you want?" (-20)
    assert session.correctable and session.mood == 30
    clock.advance(7)
    turn = session.correct(1)
    assert (turn.index, turn.option_index, turn.corrected_from, turn.reply, turn.kind) == (0, 0, 1, "#2", "text")
    assert (turn.mood_before, turn.mood_after, session.mood, session.node) == (50, 60, 60, "fix")
    assert turn.latency == 2
    assert len(session.turns) == 1 and session.turns[0] is turn
    assert session.transcript == [
        ("customer", session.transcript[0][1]),
        ("trainee", "#2"),
        ("customer", "It stopped working yesterday."),
    ]
    assert log.events == [("started",), ("turn", 0, 1), ("corrected", 0, 0, "in_progress")]
    assert not session.correctable
    with pytest.raises(SessionError, match="cannot be corrected"):
        session.correct(2)
    session.reply(1)
    assert session.result().competency_scores == {"empathy": 100.0, "ownership": 100.0}


def test_a_corrected_session_is_the_session_of_the_intended_option(mini, clock):
    corrected = session_of(mini, clock)
    corrected.reply("#3")
    corrected.correct(1)
    straight = session_of(mini, clock)
    straight.reply(1)
    assert corrected.transcript[1:] == [("trainee", "#3"), straight.transcript[2]]
    assert (corrected.node, corrected.mood, corrected.customer_line) == (
        straight.node,
        straight.mood,
        straight.customer_line,
    )


def test_correcting_a_turn_that_ended_the_conversation_goes_on(mini, clock):
    log = Log()
    session = session_of(mini, clock, recorder=log)
    session.reply("#3")  # "Here is a refund." ends the talk
    assert session.finished and session.status == "completed"
    assert session.correctable
    turn = session.correct(1)
    assert not session.finished and session.status == "in_progress" and session.node == "fix"
    assert turn.ending is None and session.options
    with pytest.raises(SessionError, match="not over yet"):
        session.result()
    session.reply(1)
    assert session.result().ending == "done" and session.result().overall == 100.0
    assert log.events == [
        ("started",), ("turn", 0, 2), ("finished", "done"), ("corrected", 0, 0, "in_progress"), ("turn", 1, 0),
        ("finished", "done"),
    ]  # fmt: skip


def test_correcting_to_an_option_that_ends_the_talk_finishes_it(mini, clock):
    log = Log()
    session = session_of(mini, clock, recorder=log)
    session.reply("#1")
    session.correct(3)
    assert session.finished and session.result().ending == "done"
    assert log.events[-2:] == [("corrected", 0, 2, "in_progress"), ("finished", "done")]


def test_what_cannot_be_corrected(mini, clock):
    session = session_of(mini, clock)
    with pytest.raises(SessionError, match="cannot be corrected"):
        session.correct(1)  # no turn yet
    session.reply(1)
    assert not session.correctable  # an option picked, not typed
    with pytest.raises(SessionError, match="cannot be corrected"):
        session.correct(2)
    session.reply("#3")
    with pytest.raises(SessionError, match="taken for option 3 already"):
        session.correct(3)
    with pytest.raises(SessionError, match="no option 9"):
        session.correct(9)
    session.reply("hmm")  # not understood
    assert not session.correctable
    assessed = session_of(mini, clock, mode="assessment")
    assessed.reply("#1")
    assert not assessed.correctable
    with pytest.raises(SessionError, match="cannot be corrected"):
        assessed.correct(2)
    pending = session_of(mini, clock)
    pending.reply("#1")
    pending.reply("hmm", clarify=True)
    assert not pending.correctable
    abandoned = session_of(mini, clock)
    abandoned.reply("#1")
    abandoned.abandon()
    assert not abandoned.correctable


def test_a_confirmed_turn_can_be_corrected_and_keeps_what_was_proposed(mini, clock):
    session = session_of(mini, clock)
    session.reply("hmm", clarify=True)
    session.confirm(2)
    turn = session.correct(1)
    assert (turn.proposed, turn.confirmed, turn.corrected_from, turn.option_index) == ([0, 1], True, 1, 0)


def test_the_semantic_matcher_proposes_through_the_engine():
    from simulator.core.semantic import SemanticMatcher

    scenario = load_scenario(SCENARIOS / "angry-late-delivery.yaml")
    session = Session(scenario, seed=1, matcher=SemanticMatcher())
    # Close to "I understand how unpleasant this is. Let me just pull up your order." but not sure enough.
    asked = session.reply("I understand, let me look", clarify=True)
    assert isinstance(asked, Clarification) and asked.proposed[0] == 1
    assert asked.texts[0] == session.options[1] and session.turns == []
    turn = session.confirm(2)
    assert (turn.option_index, turn.confirmed, turn.proposed) == (1, True, list(asked.proposed))
