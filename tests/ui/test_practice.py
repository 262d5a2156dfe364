"""The practice app's widgets, driven in-process (the browser suite drives the served page)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from simulator.ui import PracticeApp, query_string

from ..conftest import MINI, FakeClock


@pytest.fixture
def library(tmp_path):
    folder = tmp_path / "scenarios"
    shutil.copytree(MINI.parent, folder)
    return folder


@pytest.fixture
def app(library, store):
    return PracticeApp(library, store=store, clock=FakeClock())


def start(app, name="anna", sid="mini"):
    app.trainee.value = name
    app.scenario_buttons[sid].click()
    app.start.click()


def test_start_needs_a_name_and_a_scenario(app):
    app.start.click()
    assert app.session is None and app.start.disabled
    app.scenario_buttons["mini"].click()
    app.start.click()
    assert app.session is None and "type your name" in app.error.value
    app.trainee.value = "  anna  "
    app.start.click()
    assert app.session.trainee == "anna" and app.error.value == ""


def test_picker_names_title_persona_language_and_length(app):
    assert app.scenario_buttons["mini"].description == "Mini — Steady customer · EN · 2 decision points"


def test_briefing_and_profile_show_when_a_scenario_is_chosen(app):
    app.scenario_buttons["mini"].click()
    assert "A customer&#x27;s kettle broke." in app.briefing.value
    assert "Ola" in app.briefing.value and "Steady customer" in app.briefing.value
    assert app.scenario_buttons["mini"].button_style == "info"


def test_a_round_by_buttons_ends_in_the_debrief_and_the_store(app, store):
    start(app)
    assert app.children[-1] is app.chat_screen
    assert app.choices.children[0].description == "1. I'm sorry to hear that. Tell me more."
    app.choices.children[0].click()
    assert "Listening first." in app.transcript.value  # practice mode: feedback at once
    app.choices.children[0].click()
    assert app.children[-1] is app.debrief_screen
    assert '<span class="rp-score-value">100</span>' in app.score.value
    assert "PASSED" in app.debrief.value and "Empathy" in app.debrief.value
    assert store.session(app.session.id)["status"] == "completed"


def test_typed_text_is_escaped_everywhere_it_is_shown(app):
    start(app)
    app.input.value = "<img src=x onerror=alert(1)>"
    assert "<img" not in app.transcript.value
    assert "&lt;img src=x onerror=alert(1)&gt;" in app.transcript.value
    assert app.input.value == ""
    app.choices.children[0].click()
    app.choices.children[0].click()
    assert "<img" not in app.debrief.value and "&lt;img src=x" in app.debrief.value


def test_scenario_text_is_escaped(library, store):
    text = (library / "mini.yaml").read_text().replace("Bought a kettle last week.", "<b onmouseover=x()>bold</b>")
    (library / "mini.yaml").write_text(text)
    app = PracticeApp(library, store=store)
    app.scenario_buttons["mini"].click()
    assert "<b onmouseover" not in app.briefing.value and "&lt;b onmouseover=x()&gt;" in app.briefing.value


def test_empty_input_does_nothing(app):
    start(app)
    before = app.transcript.value
    app.input.value = "   "
    assert app.transcript.value == before and app.session.turns == []


def test_a_failing_callback_shows_a_friendly_message_and_keeps_the_session(app, monkeypatch, caplog):
    start(app)
    session = app.session
    monkeypatch.setattr(session, "reply", lambda reply: 1 / 0)
    app.choices.children[0].click()
    assert "Something went wrong" in app.error.value
    assert "ZeroDivisionError" in caplog.text  # logged once, at the edge
    assert all(not b.disabled for b in app.choices.children)
    monkeypatch.undo()
    app.choices.children[0].click()
    assert app.session is session and len(session.turns) == 1 and app.error.value == ""


def test_deep_link_fills_the_name_and_opens_the_scenario(app):
    app.apply_query("scenario=mini&trainee=deep%20anna")
    assert app.trainee.value == "deep anna" and not app.start.disabled
    app.apply_query("scenario=nope")
    assert "does not exist: nope" in app.error.value


def test_assessment_mode_hides_feedback(library, store):
    text = (library / "mini.yaml").read_text().replace("persona: steady", "persona: steady\nfeedback: assessment")
    (library / "mini.yaml").write_text(text)
    app = PracticeApp(library, store=store)
    start(app)
    app.choices.children[0].click()
    assert "Listening first." not in app.transcript.value
    app.choices.children[0].click()
    assert "Listening first." not in app.debrief.value and "assessment" in app.debrief.value


def test_try_again_is_a_new_attempt_and_another_goes_back_to_the_picker(app):
    start(app)
    app.choices.children[2].click()  # straight to an ending
    app.again.click()
    assert app.session.attempt == 2 and app.children[-1] is app.chat_screen
    app.choices.children[2].click()
    app.another.click()
    assert app.children[-1] is app.setup_screen


def test_a_new_round_abandons_the_unfinished_one(app, store):
    start(app)
    first = app.session
    app.choices.children[0].click()
    app._abandon_open_session()  # what the kernel does when the page goes away
    assert store.session(first.id)["status"] == "abandoned"
    assert len(store.turns(first.id)) == 1


def test_polish_words_follow_the_page_and_the_scenario(app):
    app.apply_query("lang=pl")
    assert app.trainee.description == "Twoje imię" and "Przećwicz" in app.title.value
    assert app.scenario_buttons["mini"].description.endswith("2 punktów decyzji")
    app.scenario_buttons["mini"].click()
    app.start.click()
    assert app.error.value == "<p>Najpierw wpisz swoje imię.</p>"
    app.trainee.value = "ola"
    app.start.click()
    assert app.send.description == "Send"  # the conversation speaks the scenario's language (en)


def test_query_string_outside_voila_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.setenv("QUERY_STRING", "scenario=mini")
    assert query_string() == "scenario=mini"


def test_the_trainee_kernel_stays_light():
    code = "import sys, simulator.ui; print(sorted(m for m in ('pandas', 'matplotlib', 'voila') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
