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


def chat(app) -> str:
    """The chat's HTML: up to the last reply, and what followed it."""
    return app.history.value + app.after.value


def test_start_needs_a_name_and_a_scenario(app):
    app.start.click()
    assert app.session is None and app.start.disabled
    app.scenario_buttons["mini"].click()
    app.start.click()
    # the message under the name box (what it is about), not at the top of the page
    assert app.session is None and "type your name" in app.name_note.value and app.error.value == ""
    screen = list(app.setup_screen.children)
    assert screen.index(app.name_note) == screen.index(app.trainee) + 1
    app.trainee.value = "  anna  "
    app.start.click()
    assert app.session.trainee == "anna" and app.name_note.value == ""


def test_picker_names_title_persona_language_and_length(app):
    assert app.scenario_buttons["mini"].description == "Mini — Steady customer · EN · 2 decision points"


def test_briefing_and_profile_show_when_a_scenario_is_chosen(app):
    app.scenario_buttons["mini"].click()
    assert "A customer&#x27;s kettle broke." in app.briefing.value
    assert "Ola" in app.briefing.value and "Steady customer" in app.briefing.value
    assert "rp-selected" in app.scenario_buttons["mini"]._dom_classes


def test_a_round_by_buttons_ends_in_the_debrief_and_the_store(app, store):
    start(app)
    assert app.children[-1] is app.chat_screen
    assert app.choices.children[0].description == "1. I'm sorry to hear that. Tell me more."
    app.choices.children[0].click()
    assert "Listening first." in chat(app)  # practice mode: feedback at once
    app.choices.children[0].click()
    assert app.children[-1] is app.debrief_screen
    assert '<span class="rp-score-value">100</span>' in app.score.value
    assert "PASSED" in app.debrief.value and "Empathy" in app.debrief.value
    assert store.session(app.session.id)["status"] == "completed"


def test_typed_text_is_escaped_everywhere_it_is_shown(app):
    start(app)
    app.input.value = "<img src=x onerror=alert(1)>"
    assert "<img" not in chat(app)
    assert "&lt;img src=x onerror=alert(1)&gt;" in chat(app)
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
    before = chat(app)
    app.input.value = "   "
    assert chat(app) == before and app.session.turns == []


def test_a_failing_callback_shows_a_friendly_message_and_keeps_the_session(app, monkeypatch, caplog):
    start(app)
    session = app.session
    monkeypatch.setattr(session, "reply", lambda reply, clarify=False: 1 / 0)
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
    assert "Listening first." not in chat(app)
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
    assert app.name_note.value == "<p>Najpierw wpisz swoje imię.</p>"
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


# ---------------------------------------------------------------- a class on one machine

# A preheated kernel, as Voila starts one: it learns its page's request from Voila's /voila/query socket.
KERNEL_PROBE = """
import sys
from simulator.ui.practice import query_string
print(query_string())
print(query_string())  # asked once: the second call does not wait again
print(sorted(m for m in sys.modules if m == "voila" or m.startswith("voila.")))
"""


# Voila's own RequestInfoSocketHandler on a tornado server of its own process, pinging every 0.2 s; it takes
# commands on stdin ("send KERNEL QUERY", "waiting KERNEL") and answers each with one line.
VOILA_QUERY_SERVER = """
import asyncio, json, sys
import tornado.web
from voila.request_info_handler import RequestInfoSocketHandler as H

async def main():
    app = tornado.web.Application([(r"/voila/query/(.*)", H)], websocket_ping_interval=0.2)
    server = app.listen(0, "127.0.0.1")
    print(next(iter(server._sockets.values())).getsockname()[1], flush=True)
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        command, kernel, *rest = line.split()
        if command == "send":
            payload = json.dumps({"QUERY_STRING": rest[0], "SERVER_SOFTWARE": "voila/0.5"})
            H.send_updates({"kernel_id": kernel, "payload": payload})
            print("sent", flush=True)
        else:
            print(kernel in H._waiters, flush=True)
    server.stop()

asyncio.run(main())
"""


class _RequestInfoServer:
    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", VOILA_QUERY_SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.port = int(self.proc.stdout.readline())

    def _ask(self, line: str) -> str:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def send(self, kernel_id: str, query: str) -> None:
        assert self._ask(f"send {kernel_id} {query}") == "sent"

    def waiting(self, kernel_id: str) -> bool:
        return self._ask(f"waiting {kernel_id}") == "True"

    def stop(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()


@pytest.fixture
def voila_query():
    server = _RequestInfoServer()
    yield server
    server.stop()


def _preheated_kernel(port: int, kernel_id: str) -> subprocess.Popen:
    import os

    env = dict(os.environ, VOILA_PREHEAT="True", VOILA_KERNEL_ID=kernel_id, VOILA_APP_PORT=str(port))
    env.pop("QUERY_STRING", None)
    return subprocess.Popen([sys.executable, "-c", KERNEL_PROBE], env=env, stdout=subprocess.PIPE, text=True)


def test_a_preheated_kernel_waits_for_its_page_without_voila(voila_query):
    import time

    kernel = _preheated_kernel(voila_query.port, "k-wait")
    deadline = time.monotonic() + 30
    while not voila_query.waiting("k-wait") and time.monotonic() < deadline:  # the server's state, not a UI
        time.sleep(0.05)
    assert voila_query.waiting("k-wait")
    time.sleep(0.6)  # pinged meanwhile (every 0.2 s): the kernel answers and goes on waiting
    assert kernel.poll() is None
    voila_query.send("k-wait", "scenario=mini&trainee=anna%20k")
    out, _ = kernel.communicate(timeout=30)
    assert out.splitlines() == ["scenario=mini&trainee=anna%20k", "scenario=mini&trainee=anna%20k", "[]"]


def test_a_page_that_came_first_is_handed_over_at_once(voila_query):
    voila_query.send("k-early", "trainee=ola")  # Voila keeps it until the kernel asks
    kernel = _preheated_kernel(voila_query.port, "k-early")
    out, _ = kernel.communicate(timeout=30)
    assert out.splitlines()[:2] == ["trainee=ola", "trainee=ola"]


def test_no_voila_to_ask_is_an_empty_query_not_a_hang():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    kernel = _preheated_kernel(port, "k-none")
    out, _ = kernel.communicate(timeout=60)
    assert out.splitlines() == ["", "", "[]"]


def test_the_timer_ticks_in_the_page_not_in_the_kernel(app):
    start(app)
    assert not [w for w in app.chat_screen.children if type(w).__name__ in ("Play", "IntText")]
    first = app.timer.value
    assert 'class="rp-clock rp-clock-run" data-turn="0"' in first
    app.choices.children[0].click()
    assert app.timer.value != first and 'data-turn="1"' in app.timer.value  # new HTML: the count restarts at 0
    app.choices.children[0].click()
    assert "rp-clock-stopped" in app.timer.value  # the debrief: the clock has stopped


def test_the_library_comes_from_the_cache_the_second_time(library, store, tmp_path):
    from simulator.loading.cache import load_library_cached

    PracticeApp(library, store=store, cache=tmp_path / "cache")
    _scenarios, _problems, hits = load_library_cached(library, tmp_path / "cache")
    assert hits == 1
    again = PracticeApp(library, store=store, cache=tmp_path / "cache")
    assert again.scenario_buttons["mini"].description == "Mini — Steady customer · EN · 2 decision points"


def test_widgets_that_look_alike_share_their_layout(app):
    layouts = {id(b.layout) for b in app.scenario_buttons.values()} | {id(app.start.layout)}
    app.debrief_screen  # noqa: B018 - built when first shown
    styles = {id(b.style) for b in [*app.scenario_buttons.values(), app.start, app.again]}
    assert len(styles) == 1 and len(layouts) <= 2


def test_a_page_opened_for_one_scenario_builds_no_picker_until_asked(library, store):
    """A class's link names the scenario: the page's browser and server are spared a button per scenario."""
    app = PracticeApp(library, store=store)
    app.apply_query("scenario=mini&trainee=anna")
    column = list(app.brief_column.children)
    assert not app.picker_column.children and "rp-hidden" in app.picker_column._dom_classes and not app._buttons
    assert app.scenario.id == "mini" and not app.start.disabled
    assert column.index(app.other_scenarios) == column.index(app.start) + 1
    app.other_scenarios.click()  # the picker, one click away, with the chosen scenario marked
    assert app.picker_label in app.picker_column.children and app.other_scenarios not in app.brief_column.children
    assert "rp-hidden" not in app.picker_column._dom_classes
    assert "rp-selected" in app.scenario_buttons["mini"]._dom_classes
    assert app.scenario_buttons["mini"] in app.picker_list.children
    # the picker and the briefing side by side (one column on a phone): the picker first
    assert list(app.setup_body.children) == [app.picker_column, app.brief_column]
    # Without a scenario in the address the picker is there at once.
    plain = PracticeApp(library, store=store)
    plain.apply_query("")
    assert plain.picker_label in plain.picker_column.children and "mini" in plain._buttons


def test_the_reply_buttons_are_relabelled_not_rebuilt(app):
    app.trainee.value = "anna"
    app.scenario_buttons["mini"].click()
    app.start.click()
    first = list(app.choices.children)
    labels = [b.description for b in first]
    app.choices.children[0].click()
    assert not app.session.finished
    assert all(a is b for a, b in zip(app.choices.children, first, strict=False))
    assert [b.description for b in app.choices.children] != labels
    assert app._debrief_screen is None  # the debrief is built at the end, not before


def test_the_notebook_is_one_cell_under_a_note_that_stays_if_it_never_shows():
    import json

    from ..conftest import ROOT

    cells = json.loads((ROOT / "notebooks" / "practice.ipynb").read_text())["cells"]
    assert [c["cell_type"] for c in cells] == ["markdown", "code"]
    assert 'class="rp-loading"' in "".join(cells[0]["source"]) and "reload" in "".join(cells[0]["source"])
    css = (ROOT / "simulator" / "ui" / "static" / "practice.css").read_text()
    assert ".rp-loading { display: none !important; }" in css  # hidden by the app's own stylesheet


def test_an_app_after_every_widget_was_closed_gets_new_shared_layouts(library, store):
    import ipywidgets

    PracticeApp(library, store=store)
    ipywidgets.Widget.close_all()
    app = PracticeApp(library, store=store)
    assert app.start.layout.comm is not None and app.start.style.comm is not None


# ---------------------------------------------------------------- "did you mean", "understood as", corrections

UNSURE = "sorry to hear it, we can refund you"  # the semantic matcher proposes 1 and 3 at the opening
TAKEN = "tell me more"  # taken for 1 at the opening


@pytest.fixture
def semantic_app(library, store):
    text = (
        (library / "mini.yaml").read_text().replace("persona: steady", "persona: steady\nmatching: {matcher: semantic}")
    )
    (library / "mini.yaml").write_text(text)
    return PracticeApp(library, store=store, clock=FakeClock())


def shown(widget) -> bool:
    return "rp-hidden" not in widget._dom_classes


def test_did_you_mean_proposes_under_the_typed_reply_and_confirming_takes_the_turn(semantic_app, store):
    app = semantic_app
    start(app)
    mood = app.session.mood
    app.input.value = UNSURE
    assert app.session.pending is not None and app.session.turns == []
    assert shown(app.dym) and [b.description for b in app.dym_buttons if shown(b)] == [
        "1. I'm sorry to hear that. Tell me more.",
        "3. Here is a refund.",
    ]
    assert app.dym_none.description == "None of these — I'll rephrase"
    assert 'rp-pending"' in app.history.value and UNSURE in app.history.value and app.after.value == ""
    assert app.input.disabled and all(b.disabled for b in app.choices.children)
    assert not any(b.disabled for b in app.dym_buttons)
    assert app.session.mood == mood and f">{mood}</b>" in app.mood.value
    assert store.turns(app.session.id) == []
    app.dym_buttons[0].click()
    [turn] = app.session.turns
    assert turn.confirmed and turn.option_index == 0 and turn.proposed == [0, 2]
    assert not shown(app.dym) and "rp-pending" not in app.history.value
    assert "understood as: <q>I&#x27;m sorry to hear that. Tell me more.</q>" in app.history.value
    assert "you chose it from the proposals" in app.history.value
    assert not app.input.disabled and all(not b.disabled for b in app.choices.children)


def test_none_of_these_is_a_rephrase_with_the_note_once_and_no_mood_change(semantic_app):
    app = semantic_app
    start(app)
    mood = app.session.mood
    app.input.value = UNSURE
    app.dym_none.click()
    [turn] = app.session.turns
    assert not turn.understood and turn.proposed == [0, 2] and not turn.confirmed
    assert app.session.mood == mood == turn.mood_after
    assert chat(app).count("did not understand") == 1
    assert not shown(app.fix) and not app.input.disabled


def test_understood_as_offers_the_other_options_and_a_correction_redraws_the_turn(semantic_app):
    app = semantic_app
    start(app)
    app.input.value = TAKEN
    assert "understood as: <q>I&#x27;m sorry to hear that. Tell me more.</q>" in app.history.value
    assert shown(app.fix) and not shown(app.fix_options) and app.fix_toggle.description == "That's not what I meant"
    app.fix_toggle.click()
    assert shown(app.fix_options) and shown(app.fix_question)
    assert [b.description for b in app.fix_options.children] == ["2. What do you want?", "3. Here is a refund."]
    app.fix_options.children[0].click()
    [turn] = app.session.turns
    assert turn.option_index == 1 and turn.corrected_from == 0 and turn.reply == TAKEN
    assert "understood as: <q>What do you want?</q>" in app.history.value and "you corrected it" in app.history.value
    assert "Tell me more.</q>" not in app.history.value and "Curt." in app.after.value
    assert not shown(app.fix)


def test_a_correction_of_the_reply_that_ended_the_conversation_goes_on_from_the_debrief(semantic_app):
    app = semantic_app
    start(app)
    app.input.value = "here is a refund"
    assert app.session.finished and app.children[-1] is app.debrief_screen
    assert app.fix in app.final_fix.children and "ended the conversation" in app.final_fix.children[0].value
    app.fix_toggle.click()
    app.fix_options.children[0].click()  # "1. I'm sorry to hear that": the conversation goes on
    assert not app.session.finished and app.children[-1] is app.chat_screen
    assert app.session.turns[0].corrected_from == 2


def test_the_assessment_shows_no_understood_as(library, store):
    text = (
        (library / "mini.yaml")
        .read_text()
        .replace("persona: steady", "persona: steady\nfeedback: assessment\nmatching: {matcher: semantic}")
    )
    (library / "mini.yaml").write_text(text)
    app = PracticeApp(library, store=store, clock=FakeClock())
    start(app)
    app.input.value = TAKEN
    assert "understood as" not in chat(app) and not shown(app.fix)
    app.input.value = "a new one will come"  # unsure at "fix": the engine asks to rephrase itself
    assert app.session.pending is None and not shown(app.dym)
    assert chat(app).count("did not understand") == 1


def test_the_debrief_shows_how_each_typed_reply_was_taken(semantic_app):
    app = semantic_app
    start(app)
    app.input.value = UNSURE
    app.dym_none.click()
    app.input.value = TAKEN
    app.fix_toggle.click()
    app.fix_options.children[0].click()  # → "What do you want?"
    app.input.value = "<b>I will send you a new one</b>"  # proposes 1 at "fix"
    app.dym_buttons[0].click()
    assert app.session.finished
    debrief, conversation = app.debrief.value.split('<details class="rp-transcript-final">')
    assert conversation.count("did not understand") == 1  # the whole conversation, below, says it once too
    assert debrief.count('class="rp-turn rp-typed"') == 3
    assert "<b>I will" not in debrief and "&lt;b&gt;I will send you a new one&lt;/b&gt;" in debrief
    assert "none of them and rephrased" in debrief and "you confirmed" in debrief
    assert "first understood as: <q>I&#x27;m sorry to hear that. Tell me more.</q>" in debrief
    assert debrief.count("did not understand") == 1
    assert "The customer did not understand" not in debrief
