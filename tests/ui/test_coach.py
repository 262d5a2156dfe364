"""The phrase coach in the practice app's debrief: ui.coach.coaching, and the app that shows it."""

from __future__ import annotations

import shutil

import pytest

from simulator import Session, load_scenario
from simulator.ui import PracticeApp
from simulator.ui.coach import coaching
from simulator.ui.text import words

from ..conftest import MINI, SCENARIOS, FakeClock


@pytest.fixture
def library(tmp_path):
    folder = tmp_path / "scenarios"
    shutil.copytree(MINI.parent, folder)
    (folder / "phrases").mkdir()
    shutil.copy(SCENARIOS / "phrases" / "en.yaml", folder / "phrases" / "en.yaml")
    # The lexical matcher takes these typed replies as written (the semantic default may ask "Did you mean").
    mini = folder / "mini.yaml"
    mini.write_text(
        mini.read_text(encoding="utf-8").replace("pass_mark: 70\n", "pass_mark: 70\nmatching: {matcher: lexical}\n"),
        encoding="utf-8",
    )
    return folder


def opt_in(library, extra: str = "") -> None:
    text = (library / "mini.yaml").read_text(encoding="utf-8")
    text = text.replace("pass_mark: 70\n", "pass_mark: 70\ncoach: {competency: empathy, penalty: 1}\n" + extra)
    (library / "mini.yaml").write_text(text, encoding="utf-8")


def result_of(library, replies):
    scenario = load_scenario(library / "mini.yaml")
    session = Session(scenario, trainee="t", seed=1)
    for reply in replies:
        session.reply(reply)
    return scenario, session.result()


HOSTILE = "<script>alert(1)</script> Unfortunately & so sorry, please tell me more about it"


def test_each_coached_reply_is_shown_with_its_phrase_marked_why_and_instead(library):
    opt_in(library)
    scenario, result = result_of(library, [HOSTILE, 1])
    html = coaching(result, scenario, words("en"))
    assert html.startswith('<div class="rp-coach"><h4>Phrase coach</h4>')
    assert "<script>" not in html
    assert (
        '<span class="rp-coach-said">&lt;script&gt;alert(1)&lt;/script&gt; '
        '<mark class="rp-coach-mark">Unfortunately</mark> &amp; so sorry' in html
    )
    assert "It announces bad news before any news, and the customer braces for a &quot;no&quot;." in html
    assert "<b>Instead:</b> Say what you can do first — &quot;Here is what I can do for you…&quot;" in html
    assert '<b>Reply 1:</b> <span class="rp-coach-cut">−1</span>' in html
    assert "each costs Empathy 1, at most 2 a reply" in html
    assert "Reply 2" not in html  # a chosen option is not coached


def test_without_the_opt_in_the_coaching_says_it_does_not_count(library):
    scenario, result = result_of(library, [HOSTILE, 1])
    html = coaching(result, scenario, words("en"))
    assert "Coaching only: this scenario&#x27;s scores do not count these phrases." in html
    assert "rp-coach-cut" not in html and "Unfortunately</mark>" in html


def test_nothing_to_coach_and_assessment_mode_show_nothing(library):
    scenario, result = result_of(library, ["so sorry, please tell me more about it", 1])
    assert coaching(result, scenario, words("en")) == ""
    text = (
        (library / "mini.yaml")
        .read_text(encoding="utf-8")
        .replace("persona: steady", "persona: steady\nfeedback: assessment")
    )
    (library / "mini.yaml").write_text(text, encoding="utf-8")
    scenario, result = result_of(library, [HOSTILE, 1])
    assert result.debrief[0].coaching  # kept in the result for the trainer …
    assert coaching(result, scenario, words("en")) == ""  # … and not shown to the trainee


def test_the_polish_words_are_polish(library):
    opt_in(library)
    scenario, result = result_of(library, [HOSTILE, 1])
    html = coaching(result, scenario, words("pl"))
    assert "<h4>Trener fraz</h4>" in html and "<b>Zamiast tego:</b>" in html and "<b>Odpowiedź 1:</b>" in html


def test_the_practice_app_shows_the_coaching_in_its_debrief(library, store):
    opt_in(library)
    app = PracticeApp(library, store=store, clock=FakeClock())
    app.trainee.value = "anna"
    app.scenario_buttons["mini"].click()
    app.start.click()
    app.input.value = "Unfortunately I'm so sorry, please tell me more about it"
    app.choices.children[0].click()
    assert app.children[-1] is app.debrief_screen
    assert '<mark class="rp-coach-mark">Unfortunately</mark>' in app.debrief.value
    assert app.debrief.value.index("rp-coach") < app.debrief.value.index("rp-transcript-final")
    row = store.session(app.session.id)
    assert row["score"] == app.session.result().overall < 100
