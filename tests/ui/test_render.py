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
    assert head.endswith("</div>") and tail.startswith(
        '<div class="rp-feedback">↳ <span class="rp-own-feedback">Listening first.'
    )
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


# ---------------------------------------------------------------- formatted briefings, a debrief that says why

SCENARIO_DIR = MINI.parents[3] / "scenarios"


def played(name: str, picks: tuple[int, ...]) -> tuple[object, Session]:
    scenario = load_scenario(SCENARIO_DIR / f"{name}.yaml")
    s = Session(scenario, seed=1, clock=FakeClock())
    for pick in picks:
        if not s.finished:
            s.reply(min(pick, len(s.options)))
    assert s.finished
    return scenario, s


def test_a_briefing_keeps_its_lists_and_emphasis_and_escapes_everything_else():
    text = (
        "You work at <b>FalaNet</b>.\nA customer calls.\n\nWhat you can do:\n- see the **account**;\n"
        "- order a router (the courier\n  brings it by 13:00);\n1. first\n2. *then* 2*3*4"
    )
    assert render.rich(text) == (
        "<p>You work at &lt;b&gt;FalaNet&lt;/b&gt;. A customer calls.</p><p>What you can do:</p>"
        "<ul><li>see the <strong>account</strong>;</li><li>order a router (the courier brings it by 13:00);</li></ul>"
        "<ol><li>first</li><li><em>then</em> 2*3*4</li></ol>"
    )
    scenario = load_scenario(SCENARIO_DIR / "reklamacja-pl-zly-klient.yaml")
    html = render.rich(scenario.model.briefing)
    assert html.count("<ul>") == 2 and html.count("<li>") == 13 and "<p>- " not in html and "; - " not in html
    assert "<li>zamówić bezpłatny zapasowy router LTE bez limitu danych na czas awarii (kurier w Krakowie dowozi" in (
        html
    )


def test_each_reaction_of_the_customer_is_explained_once_and_not_glued_to_a_reply_feedback():
    scenario, s = played("angry-late-delivery", (1, 1, 1, 4, 2))
    assert [t.reactions for t in s.turns][3:] == [["counter-aggression"], ["counter-aggression"]]
    html = render.debrief(s.result(), scenario, W, s.turns)
    lesson = next(r.feedback for r in scenario.persona.reactions if r.id == "counter-aggression")
    # reply 4's own feedback already says "the worst reaction to anger": the persona's lesson is not added;
    # reply 5 points back to reply 4 instead of repeating it
    assert render.e(lesson) not in html and html.count("worst reaction to anger") == 1
    assert "The customer reacted as at reply 4." in html
    # where the option's feedback does not say it, the lesson is given, once, after the reply's own feedback
    turn = s.turns[4]
    alone = render.reply_feedback(scenario, turn, W, {})
    own = scenario.nodes[turn.node].options[turn.option_index].feedback
    assert alone == (
        f'<span class="rp-own-feedback">{render.e(own)}</span><div class="rp-reaction"><b>How the customer took it:'
        f"</b> {render.e(lesson)}</div>"
    )


def test_a_failed_debrief_leads_with_why_and_what_to_practise_next():
    scenario, s = played("angry-late-delivery", (1, 1, 1, 4, 2))
    result = s.result()
    html = render.debrief(result, scenario, W, s.turns, practise="Practise next: Ownership.")
    first = html[: html.index("</p>")]
    assert first.startswith('<p class="rp-verdict"><span class="rp-fail">NOT PASSED: 16.7 of the 70 needed; reply 4 (')
    assert "To be fair, if you&#x27;d paid for express delivery" in first and "cost the most, about" in first
    assert html.index("Practise next: Ownership.") < html.index("Overall score")
    assert render.weakest(result, scenario, s.turns) in {"ownership", "problem_solving", "positive_language"}


def test_a_breach_is_the_reason_a_session_failed():
    scenario, s = played("phishing-ceo-email", (1, 1, 1, 1, 3))
    html = render.verdict(s.result(), scenario, W, s.turns)
    assert "NOT PASSED: 17.2 of the 70 needed; a critical breach fails the session whatever the score" in html
    assert "Reply 5: Entered work credentials on a phishing page." in html


def test_competencies_the_conversation_never_reached_are_not_assessed_rather_than_zero():
    scenario, s = played("angry-late-delivery", (3, 3))
    result = s.result()
    reached = render.assessed(scenario, s.turns)
    assert "problem_solving" not in reached and "empathy" in reached
    html = render.debrief(result, scenario, W, s.turns)
    assert '<tr class="rp-not-assessed"><td>Problem solving</td><td colspan="2">not assessed</td>' in html
    assert "Not assessed: the conversation ended before any reply could show it" in html
    empathy = html[html.index("<td>Empathy</td>") :]
    assert empathy.split("</tr>")[0].count("rp-bar") == 2  # a reached competency keeps its bar, at 0


def test_the_kpis_say_what_they_mean():
    scenario, s = played("angry-late-delivery", (3, 3))
    html = render.debrief(s.result(), scenario, W, s.turns)
    assert "The share of your replies that were the best reply at that point." in html
    assert f"given within {scenario.model.reply_time_limit:g} s of the customer" in html
    pl = words("pl")
    assert "Odsetek Twoich odpowiedzi" in render.debrief(s.result(), scenario, pl, s.turns)
