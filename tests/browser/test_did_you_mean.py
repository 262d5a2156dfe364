""" "Did you mean …", "understood as" and "That's not what I meant" in a real Chromium against a real
`roleplay serve` (Voila), with the `semantic` matcher on a shipped scenario.

The served library is a copy of angry-late-delivery (and of its persona) with ``matching: {matcher:
semantic}``, once in the practice mode and once, under another id and title, as an assessment. The
typed replies below are real ones the matcher is unsure of, or takes; ``test_the_replies_do_what_the_tests_need``
checks that against the engine itself first. Every wait is on the page, never a sleep.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator import Session, load_scenario
from simulator.core.engine import Clarification
from simulator.ui.text import words

from .conftest import Server, serving
from .test_practice_app import (
    REPLY_MS,
    _before_reply,
    begin,
    customer_lines,
    score_shown,
    trainee_lines,
    unique,
    wait_reply_done,
)

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "scenarios" / "angry-late-delivery.yaml"
ASSESSED_ID, ASSESSED_TITLE = "angry-late-delivery-assessed", "An assessed late parcel"

UNSURE = "<b>I am listening</b>, let me look at your order 🙂"  # proposes 2 (closest) and 1 at the opening
TAKEN = "Please go on, I am listening. Tell me everything."  # taken for 1 at the opening
TAKEN_AT_VENT = (
    "I understand how unpleasant this is, you waited all evening for a call that never came "
    "and Lily's birthday is tomorrow"
)  # taken for 1 at "vent"
W = words("en")


def _semantic(text: str, sid: str | None = None, title: str | None = None, mode: str | None = None) -> str:
    text = text.replace("\npersona: angry\n", "\npersona: angry\nmatching: {matcher: semantic}\n", 1)
    if sid:
        text = text.replace("\nid: angry-late-delivery\n", f"\nid: {sid}\n", 1)
    if title:
        text = re.sub(r"\ntitle: .*\n", f"\ntitle: {title}\n", text, count=1)
    if mode:
        text = text.replace("\nfeedback: practice\n", f"\nfeedback: {mode}\n", 1)
    return text


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dym-library") / "scenarios"
    (folder / "personas").mkdir(parents=True)
    shutil.copy(REPO / "scenarios" / "personas" / "angry.yaml", folder / "personas" / "angry.yaml")
    shutil.copytree(REPO / "scenarios" / "phrases", folder / "phrases")  # the scenario's phrase coach counts
    text = SOURCE.read_text(encoding="utf-8")
    (folder / "angry-late-delivery.yaml").write_text(_semantic(text), encoding="utf-8")
    assessed = _semantic(text, ASSESSED_ID, ASSESSED_TITLE, "assessment")
    (folder / f"{ASSESSED_ID}.yaml").write_text(assessed, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def dym_server(tmp_path_factory: pytest.TempPathFactory, library: Path) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("dym-serve"), "--scenarios", str(library), "--pool-size", "1") as running:
        yield running


@pytest.fixture
def store(dym_server: Server):
    from simulator import open_store

    opened = open_store(str(dym_server.store_path))
    yield opened
    opened.close()


def practice_scenario(library: Path):
    return load_scenario(library / "angry-late-delivery.yaml")


def assessed_scenario(library: Path):
    return load_scenario(library / f"{ASSESSED_ID}.yaml")


def the_turns(store, trainee: str) -> list[dict]:
    [row] = store.sessions(trainee=trainee)
    return store.turns(row["id"])


def proposed_of(row: dict) -> list[int]:
    import json

    value = row["proposed"]
    return json.loads(value) if isinstance(value, str) else list(value or [])


# ---------------------------------------------------------------- page helpers

DYM_SHOWN = ".rp-dym:not(.rp-hidden) .rp-dym-option:not(.rp-hidden):not([disabled])"


def type_unsure(page, text: str = UNSURE) -> None:
    """Type a reply the matcher is unsure of and wait for "Did you mean"."""
    box = page.locator(".rp-input input")
    box.fill(text)
    box.press("Enter")
    page.wait_for_selector(DYM_SHOWN, timeout=REPLY_MS)


def type_taken(page, text: str) -> None:
    before = _before_reply(page)
    box = page.locator(".rp-input input")
    box.fill(text)
    box.press("Enter")
    wait_reply_done(page, before)


def click_and_wait(page, selector: str, nth: int = 0) -> None:
    before = _before_reply(page)
    page.locator(selector).nth(nth).click()
    wait_reply_done(page, before)


def mood(page) -> int:
    return int(page.inner_text(".rp-mood .rp-mood-value"))


def visible_texts(page, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(f"{selector}:visible").all_inner_texts()]


def correct_to(page, number: int) -> None:
    """Open "That's not what I meant" and choose option ``number``; wait for the chat to be drawn again."""
    page.click(".rp-fix:not(.rp-hidden) .rp-not-meant")
    page.wait_for_selector(".rp-fix-options:not(.rp-hidden) .rp-fix-option")
    before = page.inner_text(".rp-transcript")
    page.locator(".rp-fix-option", has_text=re.compile(rf"^{number}\. ")).click()
    # The reply buttons are relabelled in place: the turn is whole when the app is no longer busy (rp-busy goes last).
    page.wait_for_function(
        """(before) => document.querySelector('.rp-transcript').innerText !== before
            && !document.querySelector('.rp-busy')
            && ((choices) => choices.length > 0 && choices.every(b => !b.disabled))(
                [...document.querySelectorAll('.rp-choice')])""",
        arg=before,
        timeout=REPLY_MS,
    )


# ---------------------------------------------------------------- the replies, checked on the engine first


def test_the_replies_do_what_the_tests_need(library) -> None:
    scenario = practice_scenario(library)
    session = Session(scenario, trainee="check", seed=0)
    assert session.clarifies
    asked = session.reply(UNSURE, clarify=True)
    assert isinstance(asked, Clarification) and asked.proposed == (1, 0)
    session.confirm(None)
    assert session.node == "opening"
    session.reply(UNSURE, clarify=True)
    assert session.confirm(1).option_index == 0 and session.node == "vent"
    assert session.reply(TAKEN_AT_VENT, clarify=True).option_index == 0
    assert Session(scenario, seed=0).reply(TAKEN, clarify=True).option_index == 0
    assert not Session(assessed_scenario(library), seed=0).clarifies


# ---------------------------------------------------------------- "Did you mean"


def test_did_you_mean_shows_the_proposals_and_confirming_records_the_turn(
    page, dym_server, store, library, dialogs, screenshot
) -> None:
    scenario = practice_scenario(library)
    trainee = unique("dym-yes")
    begin(page, dym_server.url, scenario, trainee)
    mood_before, lines_before = mood(page), customer_lines(page)

    type_unsure(page)
    options = scenario.nodes["opening"].options
    assert visible_texts(page, ".rp-dym-option") == [f"2. {options[1].text}", f"1. {options[0].text}"]
    assert visible_texts(page, ".rp-dym-none") == [W["none_of_these"]]
    assert W["did_you_mean"] in page.inner_text(".rp-dym")
    # Right under the typed reply, which stays text; nothing else moved, nothing was recorded.
    pending = page.locator(".rp-trainee-line.rp-pending")
    assert pending.inner_text().endswith(UNSURE)
    assert page.locator(".rp-transcript b", has_text="I am listening").count() == 0
    below = page.evaluate(
        """() => document.querySelector('.rp-dym').getBoundingClientRect().top
                 - document.querySelector('.rp-pending').getBoundingClientRect().bottom"""
    )
    assert 0 <= below < 40, below
    assert mood(page) == mood_before and customer_lines(page) == lines_before
    assert all(page.locator(".rp-choice").nth(i).is_disabled() for i in range(page.locator(".rp-choice").count()))
    assert page.locator(".rp-input input").is_disabled()
    assert the_turns(store, trainee) == []
    screenshot(page, "practice-did-you-mean.png", full=False)

    click_and_wait(page, DYM_SHOWN, 0)  # "2. I understand how unpleasant this is …"
    [turn] = the_turns(store, trainee)
    assert (turn["kind"], turn["reply"], turn["option_index"]) == ("text", UNSURE, 1)
    assert bool(turn["confirmed"]) and proposed_of(turn) == [1, 0] and turn["corrected_from"] is None
    assert page.locator(".rp-dym").is_hidden() and page.locator(".rp-pending").count() == 0
    said = page.locator(".rp-trainee-line").last.inner_text()
    assert UNSURE in said and W["understood_as"] in said and options[1].text in said and W["you_confirmed"] in said
    assert dialogs == []


def test_none_of_these_asks_to_rephrase_and_the_mood_stays(page, dym_server, store, library) -> None:
    scenario = practice_scenario(library)
    trainee = unique("dym-none")
    begin(page, dym_server.url, scenario, trainee)
    mood_before = mood(page)

    type_unsure(page)
    click_and_wait(page, ".rp-dym-none")
    last_customer = page.locator(".rp-customer").last.inner_text()
    assert any(line in last_customer for line in scenario.persona.rephrase), last_customer
    assert mood(page) == mood_before
    assert page.inner_text(".rp-transcript").count(W["not_understood"]) == 1
    [turn] = the_turns(store, trainee)
    assert not turn["understood"] and turn["option_index"] is None and not turn["confirmed"]
    assert proposed_of(turn) == [1, 0]
    assert turn["mood_after"] == turn["mood_before"]
    # The trainee rephrases: a reply the matcher takes, and it counts.
    type_taken(page, TAKEN)
    assert len(the_turns(store, trainee)) == 2


def test_did_you_mean_by_keyboard_on_a_phone(page, dym_server, store, library, screenshot) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    scenario = practice_scenario(library)
    trainee = unique("dym-phone")
    begin(page, dym_server.url, scenario, trainee)
    long_reply = "I am listening, let me look at your order " + "long" * 2490  # 10,000 characters and more
    box = page.locator(".rp-input input")
    box.fill(long_reply)
    box.press("Enter")
    page.wait_for_selector(DYM_SHOWN, timeout=REPLY_MS)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    for selector in (".rp-transcript", ".rp-dym-option", ".rp-dym-none", ".rp-pending"):
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (selector, box)
    screenshot(page, "practice-did-you-mean-phone.png", full=False)
    # The focus moved to the first proposal: Enter takes it.
    page.wait_for_function("() => document.activeElement.classList.contains('rp-dym-option')")
    before = _before_reply(page)
    page.keyboard.press("Enter")
    wait_reply_done(page, before)
    [turn] = the_turns(store, trainee)
    assert turn["reply"] == long_reply and bool(turn["confirmed"])


# ---------------------------------------------------------------- "understood as" and the correction


def test_understood_as_and_the_correction_replaces_the_turn(page, dym_server, store, library, screenshot) -> None:
    scenario = practice_scenario(library)
    options = scenario.nodes["opening"].options
    trainee = unique("fix")
    begin(page, dym_server.url, scenario, trainee)

    type_taken(page, TAKEN)
    said = page.locator(".rp-trainee-line").last.inner_text()
    assert TAKEN in said and W["understood_as"] in said and options[0].text in said
    assert page.locator(".rp-fix .rp-not-meant").is_visible()
    assert page.locator(".rp-fix-options").is_hidden()
    page.click(".rp-not-meant")
    page.wait_for_selector(".rp-fix-options:not(.rp-hidden) .rp-fix-option")
    page.wait_for_function("() => document.activeElement.classList.contains('rp-fix-option')")  # for the keyboard
    offered = visible_texts(page, ".rp-fix-option")
    assert offered == [f"{i}. {options[i - 1].text}" for i in (2, 3, 4)]  # the node's other options
    screenshot(page, "practice-understood-as.png", full=False)
    page.click(".rp-not-meant")  # folded again
    page.wait_for_selector(".rp-fix-options.rp-hidden", state="attached")

    correct_to(page, 3)  # "Before we go any further, can I have your full name …": the customer gets angrier
    assert trainee_lines(page) == 1 and customer_lines(page) == 2
    said = page.locator(".rp-trainee-line").last.inner_text()
    assert TAKEN in said and options[2].text in said and W["you_corrected"] in said
    assert options[0].text not in said
    angrier = scenario.nodes["angrier"].customer
    assert any(line in page.locator(".rp-customer").last.inner_text() for line in angrier)
    [turn] = the_turns(store, trainee)
    assert (turn["idx"], turn["kind"], turn["reply"]) == (0, "text", TAKEN)
    assert turn["option_index"] == 2 and turn["corrected_from"] == 0 and turn["node"] == "opening"
    assert page.locator(".rp-fix").is_hidden()  # a reply is corrected once
    # A reply taken and then another one: the offer is about the newest reply only.
    click_and_wait(page, ".rp-choice", 0)
    assert page.locator(".rp-fix").is_hidden()
    assert W["you_corrected"] in page.locator(".rp-trainee-line").first.inner_text()


def test_an_assessment_shows_no_understood_as_and_rephrases_itself(page, dym_server, store, library) -> None:
    scenario = assessed_scenario(library)
    trainee = unique("assessed")
    begin(page, dym_server.url, scenario, trainee)

    type_taken(page, TAKEN)
    transcript = page.inner_text(".rp-transcript")
    assert TAKEN in transcript and W["understood_as"] not in transcript
    assert page.locator(".rp-fix").is_hidden()
    # Unsure: the engine itself asks to rephrase; no proposals on the page.
    before = _before_reply(page)
    box = page.locator(".rp-input input")
    box.fill("let me check your order")  # proposes at "vent" too; the assessment does not show it
    box.press("Enter")
    wait_reply_done(page, before)
    assert page.locator(".rp-dym").is_hidden()
    assert any(line in page.locator(".rp-customer").last.inner_text() for line in scenario.persona.rephrase)
    turns = the_turns(store, trainee)
    assert [t["understood"] for t in turns] in ([True, False], [1, 0])


# ---------------------------------------------------------------- the debrief


def test_the_debrief_shows_each_typed_reply_with_how_it_was_taken(page, dym_server, store, library, dialogs) -> None:
    scenario = practice_scenario(library)
    trainee = unique("dym-debrief")
    begin(page, dym_server.url, scenario, trainee)

    type_unsure(page)
    click_and_wait(page, ".rp-dym-none")  # 1: not understood, proposals declined
    type_unsure(page)
    click_and_wait(page, DYM_SHOWN, 1)  # 2: "1. Please go on …" confirmed
    type_taken(page, TAKEN_AT_VENT)  # 3: taken for 1 at "vent" …
    correct_to(page, 2)  # … corrected to 2
    for _ in range(7):  # ownership, check, explain, offer, goodwill, confirm, close: option 1 each
        click_and_wait(page, ".rp-choice", 0)

    expected = Session(scenario, trainee="expected", seed=0)
    expected.reply(UNSURE, clarify=True)
    expected.confirm(None)
    expected.reply(UNSURE, clarify=True)
    expected.confirm(1)
    expected.reply(TAKEN_AT_VENT, clarify=True)
    expected.correct(2)
    for _ in range(7):
        expected.reply(1)
    assert expected.finished
    assert score_shown(page) == pytest.approx(expected.result().overall)

    typed = page.locator(".rp-debrief .rp-turn.rp-typed")
    assert typed.count() == 3
    first, second, third = (typed.nth(i).inner_text() for i in range(3))
    opening, vent = scenario.nodes["opening"].options, scenario.nodes["vent"].options
    assert UNSURE in first and W["not_understood"] in first and W["dym_declined"] in first
    assert first.count(W["not_understood"]) == 1 and "The customer did not understand" not in first
    assert opening[0].text in first and opening[1].text in first  # the proposals shown
    assert UNSURE in second and W["understood_as"] in second and opening[0].text in second
    assert W["dym_confirmed"] in second
    assert TAKEN_AT_VENT in third and vent[1].text in third and W["you_corrected"] in third
    assert W["first_understood_as"] in third and vent[0].text in third
    assert page.locator(".rp-debrief b", has_text="I am listening").count() == 0  # typed HTML stays text
    assert dialogs == []
    turns = the_turns(store, trainee)
    assert [(t["option_index"], bool(t["confirmed"]), t["corrected_from"]) for t in turns[:3]] == [
        (None, False, None),
        (0, True, None),
        (1, False, 0),
    ]


def test_the_reply_that_ended_the_conversation_is_corrected_from_the_debrief(page, dym_server, store, library) -> None:
    scenario = practice_scenario(library)
    trainee = unique("dym-end")
    begin(page, dym_server.url, scenario, trainee)
    for number in (1, 1, 3):  # opening → vent → ownership → "fuming"
        click_and_wait(page, ".rp-choice", number - 1)
    fuming = scenario.nodes["fuming"].options
    type_taken(page, fuming[1].text)  # "Go ahead and cancel if you like …": the customer is lost
    score_shown(page)
    assert the_session_row(store, trainee)["status"] == "completed"
    offer = page.inner_text(".rp-final-fix")
    assert fuming[1].text in offer and "ended the conversation" in offer

    page.click(".rp-final-fix .rp-not-meant")
    page.wait_for_selector(".rp-fix-options:not(.rp-hidden) .rp-fix-option")
    page.locator(".rp-fix-option", has_text=re.compile(r"^1\. ")).click()
    # The conversation goes on from where the option meant leads.
    page.wait_for_selector(".rp-choice:not([disabled])", timeout=REPLY_MS)
    assert page.locator(".rp-score-value").count() == 0
    said = page.locator(".rp-trainee-line").last.inner_text()
    assert fuming[0].text in said and W["you_corrected"] in said
    row = the_session_row(store, trainee)
    assert row["status"] == "in_progress"
    turns = store.turns(row["id"])
    assert len(turns) == 4 and (turns[3]["option_index"], turns[3]["corrected_from"]) == (0, 1)


def the_session_row(store, trainee: str) -> dict:
    [row] = store.sessions(trainee=trainee)
    return row
