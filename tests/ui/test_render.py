"""The practice app's HTML (``ui/render.py``) from turns a real session made: the chat and the debrief."""

from __future__ import annotations

import pytest

from simulator import Session, load_scenario
from simulator.core.matching import get_matcher
from simulator.ui import render
from simulator.ui.text import words

from ..conftest import MINI, FakeClock

W = words("en")
UNSURE = "sorry to hear it, we can refund you"  # the semantic matcher proposes 1 and 3 at the opening


@pytest.fixture(scope="module")
def mini():
    return load_scenario(MINI)


def session(scenario, mode="practice") -> Session:
    return Session(scenario, seed=1, clock=FakeClock(), mode=mode, matcher=get_matcher("semantic"))


def test_a_typed_reply_is_text_and_shows_what_it_was_understood_as(mini):
    s = session(mini)
    s.reply("<b>so sorry</b> 🙂", clarify=True)
    head, tail = render.chat(mini, s.turns, s.customer_line, W, s.mode)
    assert "<b>so sorry" not in head and "&lt;b&gt;so sorry&lt;/b&gt; 🙂" in head
    assert "understood as: <q>I&#x27;m sorry to hear that. Tell me more.</q>" in head
    # The reply closes the first part; its feedback and the customer's answer follow.
    assert head.endswith("</div>") and tail.startswith('<div class="rp-feedback">↳ Listening first.')
    assert "It stopped working yesterday." in tail


def test_a_pending_reply_comes_last_and_an_option_clicked_has_no_note(mini):
    s = session(mini)
    s.reply(1)
    head, tail = render.chat(mini, s.turns, s.customer_line, W, s.mode, pending="<i>maybe</i>")
    assert tail == "" and head.endswith('<span class="rp-said">&lt;i&gt;maybe&lt;/i&gt;</span></div>')
    assert "rp-pending" in head and "understood as" not in head


def test_not_understood_is_said_once_and_an_assessment_hides_understood_as(mini):
    s = session(mini, "assessment")
    s.reply("tell me more", clarify=True)
    s.reply("zzz qqq", clarify=True)
    head, tail = render.chat(mini, s.turns, s.customer_line, W, s.mode)
    chat = head + tail
    assert "understood as" not in chat and chat.count(W["not_understood"]) == 1
    assert "Listening first." not in chat  # no feedback in an assessment


def test_the_debrief_lists_each_typed_reply_with_its_facts(mini):
    s = session(mini)
    s.reply(UNSURE, clarify=True)
    s.confirm(None)
    s.reply(UNSURE, clarify=True)
    s.confirm(1)
    s.reply("we will ship you a new kettle today", clarify=True)  # taken for 1 at "fix" …
    s.correct(3)  # … meant as "Can you repeat that?": back at "fix"
    s.reply(1)
    html = render.debrief(s.result(), mini, W, s.turns)
    assert html.count('class="rp-turn rp-typed"') == 3 and html.count('class="rp-turn"') == 1
    assert html.count(W["not_understood"]) == 1 and "The customer did not understand" not in html
    assert "you chose none of them and rephrased" in html and "you confirmed" in html
    assert "Did you mean… <q>I&#x27;m sorry to hear that. Tell me more.</q> · <q>Here is a refund.</q>" in html
    assert "first understood as: <q>I&#x27;ll send a replacement today.</q> — you corrected it" in html
    assert "understood as: <q>Can you repeat that?</q>" in html


def test_an_assessment_debrief_shows_the_typed_replies_but_no_feedback(mini):
    s = session(mini, "assessment")
    s.reply("tell me more", clarify=True)
    s.reply(1)
    html = render.debrief(s.result(), mini, W, s.turns)
    assert W["typed_replies"] in html and W["assessment_note"] in html
    assert html.count('class="rp-turn rp-typed"') == 1 and "Listening first." not in html
    assert "understood as: <q>I&#x27;m sorry to hear that. Tell me more.</q>" in html
