"""The trainee's practice app in a real Chromium against a real `roleplay serve` (Voila).

Every wait is on the page (a selector or a condition in the page), never a sleep; the
only polling loop reads the results store, which is not part of the UI.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from simulator import Session, load_scenario, open_store, run_path_tests
from simulator.ui.text import words

from .conftest import TURN_DONE_JS, message_content

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SCENARIO_FILES = sorted((REPO / "scenarios").glob("*.yaml"))
FIRST_WIDGET_MS = 60_000  # a kernel must start (or be taken from the pool) and run the notebook
REPLY_MS = 20_000


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def scenario_by_id(sid: str):
    return load_scenario(REPO / "scenarios" / f"{sid}.yaml")


def expected_result(scenario, replies):
    """What the engine itself makes of these replies (the same engine the page runs)."""
    session = Session(scenario, trainee="expected", seed=0)
    for reply in replies:
        session.reply(reply)
    assert session.finished, f"{scenario.id}: {replies} does not reach an ending"
    return session.result()


# ---------------------------------------------------------------- page helpers


def open_app(page, url: str, query: str = "") -> None:
    page.goto(url + query, timeout=FIRST_WIDGET_MS)
    page.wait_for_selector(".rp-trainee input", timeout=FIRST_WIDGET_MS)
    # The picker, or, for a link that names a scenario, the way to it
    page.wait_for_selector(".rp-scenario, .rp-other-scenarios", timeout=FIRST_WIDGET_MS)


def scenario_button(page, scenario):
    return page.locator(".rp-scenario", has_text=scenario.title)


def choose_scenario(page, scenario) -> None:
    button = scenario_button(page, scenario)
    try:
        button.wait_for(timeout=5_000)
    except PlaywrightError:
        labels = page.locator(".rp-scenario").all_inner_texts()
        pytest.fail(f"no scenario button shows the title {scenario.title!r}; the buttons read {labels!r}")
    button.click()
    page.wait_for_function(
        "(name) => { const b = document.querySelector('.rp-briefing'); return !!b && b.innerText.includes(name); }",
        arg=scenario.model.customer.name,
    )
    page.wait_for_selector(".rp-start:not([disabled])")


def start(page) -> None:
    page.click(".rp-start")
    page.wait_for_selector(".rp-transcript .rp-customer", timeout=REPLY_MS)
    page.wait_for_selector(".rp-choice:not([disabled])", timeout=REPLY_MS)


def begin(page, url: str, scenario, trainee: str) -> None:
    open_app(page, url)
    page.fill(".rp-trainee input", trainee)
    choose_scenario(page, scenario)
    start(page)


def customer_lines(page) -> int:
    return page.locator(".rp-customer").count()


def trainee_lines(page) -> int:
    return page.locator(".rp-trainee-line").count()


def _before_reply(page) -> int:
    return customer_lines(page)


def wait_reply_done(page, before: int) -> None:
    page.wait_for_function(TURN_DONE_JS, arg=before, timeout=REPLY_MS)


def click_choice(page, number: int) -> None:
    before = _before_reply(page)
    page.locator(".rp-choice").nth(number - 1).click()
    wait_reply_done(page, before)


DECLINE = ".rp-dym:not(.rp-hidden) .rp-dym-none"


def type_reply(page, text: str) -> None:
    """Type a reply and send it; when the lab is unsure and asks "Did you mean …", answer "None of these"
    (the reply then counts as not understood, as before "Did you mean" existed)."""
    before = _before_reply(page)
    box = page.locator(".rp-input input")
    box.fill(text)
    box.press("Enter")
    page.wait_for_function(
        f"(before) => ({TURN_DONE_JS})(before) || !!document.querySelector({DECLINE!r})", arg=before, timeout=REPLY_MS
    )
    if page.locator(DECLINE).count():
        page.click(DECLINE)
        wait_reply_done(page, before)


def play(page, replies) -> None:
    for reply in replies:
        if isinstance(reply, int):
            click_choice(page, reply)
        else:
            type_reply(page, reply)


def score_shown(page) -> float:
    page.wait_for_selector(".rp-score-value", timeout=REPLY_MS)
    return float(page.inner_text(".rp-score-value"))


def check_debrief(page, scenario, result) -> None:
    assert score_shown(page) == pytest.approx(result.overall)
    debrief = page.locator(".rp-debrief")
    verdict = debrief.locator(".rp-pass" if result.passed else ".rp-fail").first
    w = words(scenario.language)  # the debrief speaks the scenario's language
    # one line that says why: the verdict, the score against the mark needed
    shown = verdict.inner_text().strip()
    assert shown.startswith((w["passed"] if result.passed else w["failed"]) + ":"), shown
    assert f"{result.overall:g}" in shown and f"{result.pass_mark:g}" in shown, shown
    text = debrief.inner_text()
    for competency in result.competency_scores:
        assert scenario.competency_title(competency) in text


def the_session(results, trainee: str) -> dict:
    rows = results.sessions(trainee=trainee)
    assert len(rows) == 1, rows
    return rows[0]


def wait_for_status(results, session_id: str, status: str, timeout: float = 30.0) -> dict:
    """Poll the results store (not the UI) until the session has this status."""
    deadline = time.monotonic() + timeout
    row = results.session(session_id)
    while row["status"] != status and time.monotonic() < deadline:
        time.sleep(0.2)
        row = results.session(session_id)
    return row


# ---------------------------------------------------------------- 0. the picker


def test_picker_offers_every_scenario_by_its_title(page, server) -> None:
    scenarios = [load_scenario(f) for f in SCENARIO_FILES]
    open_app(page, server.url)
    assert page.locator(".rp-start").is_disabled()
    labels = page.locator(".rp-scenario").all_inner_texts()
    assert len(labels) == len(scenarios), labels
    for scenario in scenarios:
        shown = [label for label in labels if label.startswith(scenario.title)]
        assert len(shown) == 1, f"no button reads {scenario.title!r}: {labels!r}"
        assert scenario.persona.title in shown[0]
        assert f"{scenario.decision_points} decision points" in shown[0]


def test_the_picker_searches_and_filters_and_keeps_start_in_view(page, server) -> None:
    scenarios = [load_scenario(f) for f in SCENARIO_FILES]
    open_app(page, server.url)
    count = page.locator(".rp-picker-count")
    # the count may be drawn after the first scenario button: wait for it, not for the buttons only
    every = f"{len(scenarios)} of {len(scenarios)} scenarios"
    page.wait_for_function("(t) => document.querySelector('.rp-picker-count')?.innerText.trim() === t", arg=every)
    visible = ".rp-scenario:not(.rp-hidden)"
    page.fill(".rp-search input", "dollhouse")
    page.wait_for_function(f"() => document.querySelectorAll('{visible}').length === 1")
    assert page.locator(visible).inner_text().startswith("The dollhouse that never came")
    page.fill(".rp-search input", "no such words anywhere")
    page.wait_for_function(f"() => document.querySelectorAll('{visible}').length === 0")
    assert "No scenario matches" in count.inner_text()
    page.fill(".rp-search input", "")
    polish = [s for s in scenarios if s.language == "pl"]
    page.select_option(".rp-filter-language select", label="PL")
    page.wait_for_function(f"() => document.querySelectorAll('{visible}').length === {len(polish)}")
    assert {t.split(" — ")[0] for t in page.locator(visible).all_inner_texts()} == {s.title for s in polish}
    page.select_option(".rp-filter-language select", index=0)
    angry = [s for s in scenarios if s.persona.id == "angry"]
    page.select_option(".rp-filter-persona select", label=angry[0].persona.title)
    page.wait_for_function(f"() => document.querySelectorAll('{visible}').length === {len(angry)}")
    page.select_option(".rp-filter-persona select", index=0)
    page.wait_for_function(f"() => document.querySelectorAll('{visible}').length === {len(scenarios)}")
    # chosen: marked, and Start (with the briefing) in view beside the picker, without scrolling
    choose_scenario(page, angry[0])
    assert page.locator(".rp-scenario.rp-selected").count() == 1
    picker, start_box = page.locator(".rp-picker-column").bounding_box(), page.locator(".rp-start").bounding_box()
    assert start_box["x"] > picker["x"] + picker["width"] - 1  # the briefing column is beside the picker
    assert page.evaluate("() => document.activeElement.classList.contains('rp-start')")
    assert page.locator(".rp-start").is_visible()


def test_the_name_note_shows_beside_the_name_box(page, server) -> None:
    open_app(page, server.url)
    choose_scenario(page, scenario_by_id("angry-late-delivery"))
    page.click(".rp-start")
    note = page.locator(".rp-name-note")
    page.wait_for_function("() => document.querySelector('.rp-name-note').innerText.includes('type your name')")
    name = page.locator(".rp-trainee").bounding_box()
    below = note.bounding_box()
    assert 0 <= below["y"] - (name["y"] + name["height"]) < 40, (name, below)  # right under the box
    assert page.evaluate("() => document.activeElement.matches('.rp-trainee input')")  # and the box has the focus
    assert page.locator(".rp-error").inner_text().strip() == ""


@pytest.mark.parametrize("width", [1280, 390])
def test_the_briefing_stays_one_click_away_during_the_call(page, server, width) -> None:
    scenario = scenario_by_id("angry-late-delivery")
    page.set_viewport_size({"width": width, "height": 800 if width > 400 else 844})
    begin(page, server.url, scenario, unique("side"))
    facts = scenario.model.customer.name
    panel, fold = page.locator(".rp-side-panel"), page.locator(".rp-side-fold")
    if width > 400:  # a side panel beside the chat
        assert panel.is_visible() and not fold.is_visible() and facts in panel.inner_text()
        chat, side = page.locator(".rp-transcript").bounding_box(), panel.bounding_box()
        assert side["x"] >= chat["x"] + chat["width"] - 1
    else:  # a folded section above the chat, opened with one click
        assert fold.is_visible() and not panel.is_visible()
        assert page.locator(".rp-side-fold").bounding_box()["y"] < page.locator(".rp-transcript").bounding_box()["y"]
        page.click(".rp-side-fold summary")
        page.wait_for_function("() => document.querySelector('.rp-side-fold').open")
        assert "Your briefing" in fold.inner_text() and facts in fold.inner_text()
    click_choice(page, 1)  # it stays through the call
    assert (panel if width > 400 else fold).is_visible()


# ---------------------------------------------------------------- 1. every scenario, textbook path


@pytest.mark.parametrize("scenario_file", SCENARIO_FILES, ids=[f.stem for f in SCENARIO_FILES])
def test_textbook_path_through_every_scenario(page, server, results, screenshot, scenario_file: Path) -> None:
    scenario = load_scenario(scenario_file)
    path = scenario.model.tests[0]
    assert all(isinstance(r, int) for r in path.replies), "the first path test is the textbook path of numbers"
    outcome = run_path_tests(scenario)[0]
    assert outcome.ok, str(outcome)
    result = expected_result(scenario, path.replies)
    assert result.overall == pytest.approx(outcome.score)
    trainee = unique(f"textbook-{scenario.id}")

    open_app(page, server.url)
    page.fill(".rp-trainee input", trainee)
    choose_scenario(page, scenario)
    briefing = page.inner_text(".rp-briefing")
    assert words(scenario.language)["briefing"] in briefing
    first_paragraph = " ".join(scenario.model.briefing.split("\n\n")[0].split())
    assert first_paragraph in " ".join(briefing.split())
    start(page)
    assert page.locator(".rp-mood .rp-mood-value").inner_text().strip().isdigit()
    assert page.inner_text(".rp-send").strip() == words(scenario.language)["send"]  # "Wyślij" in Polish ones

    for i, reply in enumerate(path.replies, start=1):
        click_choice(page, reply)
        if i == 3 and scenario.id == "vip-stylist-away":
            screenshot(page, "practice-chat.png", full=False)

    check_debrief(page, scenario, result)
    if scenario.id == "vip-stylist-away":
        screenshot(page, "practice-debrief.png", full=False)

    row = the_session(results, trainee)
    assert row["scenario_id"] == scenario.id
    assert row["status"] == "completed"
    assert row["score"] == pytest.approx(result.overall)
    assert bool(row["passed"]) == result.passed
    turns = results.turns(row["id"])
    assert len(turns) == len(path.replies)
    assert [t["option_index"] for t in turns] == [r - 1 for r in path.replies]
    assert all(t["kind"] == "option" for t in turns)


# ---------------------------------------------------------------- 2. typed replies


def test_typed_reply_path(page, server, results) -> None:
    scenario = scenario_by_id("vip-stylist-away")
    path = next(t for t in scenario.model.tests if any(isinstance(r, str) for r in t.replies))
    result = expected_result(scenario, path.replies)
    trainee = unique("typed")

    begin(page, server.url, scenario, trainee)
    play(page, path.replies)

    check_debrief(page, scenario, result)
    assert "did not understand" not in page.inner_text(".rp-debrief")
    row = the_session(results, trainee)
    assert row["status"] == "completed"
    assert row["score"] == pytest.approx(result.overall)
    turns = results.turns(row["id"])
    assert [t["kind"] for t in turns] == ["text" if isinstance(r, str) else "option" for r in path.replies]
    assert all(t["understood"] for t in turns)
    for turn, reply in zip(turns, path.replies, strict=True):
        if isinstance(reply, str):
            assert turn["reply"] == reply
            assert turn["option_index"] is not None


# ---------------------------------------------------------------- 3. deep link


def test_deep_link_opens_the_scenario_for_the_trainee(page, server, results) -> None:
    scenario = scenario_by_id("vip-stylist-away")
    open_app(page, server.url, "?scenario=vip-stylist-away&trainee=deep-link-anna")

    page.wait_for_function(
        "() => document.querySelector('.rp-trainee input').value === 'deep-link-anna'", timeout=FIRST_WIDGET_MS
    )
    page.wait_for_function(
        "(name) => { const b = document.querySelector('.rp-briefing'); return !!b && b.innerText.includes(name); }",
        arg=scenario.model.customer.name,
        timeout=FIRST_WIDGET_MS,
    )
    assert page.locator(".rp-briefing").is_visible()
    assert "Your briefing" in page.inner_text(".rp-briefing")
    assert page.locator(".rp-error").inner_text().strip() == ""
    page.wait_for_selector(".rp-start:not([disabled])")
    start(page)
    assert scenario.title in page.inner_text(".rp-app")

    row = the_session(results, "deep-link-anna")
    assert row["scenario_id"] == "vip-stylist-away"
    assert row["status"] == "in_progress"


def test_a_link_to_one_scenario_keeps_the_picker_one_click_away(page, server) -> None:
    scenario, other = scenario_by_id("vip-stylist-away"), scenario_by_id("angry-late-delivery")
    open_app(page, server.url, f"?scenario={scenario.id}&trainee={unique('linked')}")
    page.wait_for_selector(".rp-start:not([disabled])")
    assert page.locator(".rp-scenario").count() == 0  # not built: the page is lighter to open
    page.click(".rp-other-scenarios")
    page.wait_for_selector(".rp-scenario")
    assert page.locator(".rp-other-scenarios").count() == 0
    chosen = scenario_button(page, scenario)
    assert "rp-selected" in (chosen.get_attribute("class") or "")  # the linked scenario is the chosen one
    choose_scenario(page, other)


# ---------------------------------------------------------------- 4. user text is never HTML


IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
LONG = "long" * 2500  # 10,000 characters without a space
EMOJI = "Thank you 🙂👍🏽 — we'll sort it out together 🎂"


def test_typed_html_is_shown_as_text(page, server, results, dialogs) -> None:
    scenario = scenario_by_id("indecisive-plan-choice")
    trainee = unique("xss")
    begin(page, server.url, scenario, trainee)

    type_reply(page, IMG)
    type_reply(page, SCRIPT)
    text = page.inner_text(".rp-transcript")
    assert IMG in text
    assert SCRIPT in text
    assert page.locator("img[src='x']").count() == 0
    assert page.locator(".rp-app script").count() == 0
    assert dialogs == []

    type_reply(page, LONG)
    assert LONG in page.inner_text(".rp-transcript")
    type_reply(page, EMOJI)
    assert EMOJI in page.inner_text(".rp-transcript")
    # The page still works and nothing runs off its side.
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    for selector in (".rp-transcript", ".rp-choice", ".rp-input input"):
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1280, (selector, box)
    click_choice(page, 1)
    assert trainee_lines(page) == 5
    assert page.locator("img[src='x']").count() == 0
    assert dialogs == []

    turns = results.turns(the_session(results, trainee)["id"])
    assert [t["reply"] for t in turns[:4]] == [IMG, SCRIPT, LONG, EMOJI]
    assert [t["kind"] for t in turns] == ["text"] * 4 + ["option"]


# ---------------------------------------------------------------- 5. two trainees at once


def test_two_trainees_at_once_keep_their_own_sessions(open_page, server, results) -> None:
    scenario = scenario_by_id("indecisive-plan-choice")
    a_page, b_page = open_page(), open_page()
    a_name, b_name = unique("twin-a"), unique("twin-b")
    a_replies, b_replies = [1, 1, 1], [1, 2, 2]

    open_app(a_page, server.url)
    open_app(b_page, server.url)
    a_page.fill(".rp-trainee input", a_name)
    b_page.fill(".rp-trainee input", b_name)
    choose_scenario(a_page, scenario)
    choose_scenario(b_page, scenario)
    start(b_page)
    start(a_page)
    for a, b in zip(a_replies, b_replies, strict=True):
        click_choice(a_page, a)
        click_choice(b_page, b)

    a_row, b_row = the_session(results, a_name), the_session(results, b_name)
    assert a_row["id"] != b_row["id"]
    assert a_row["status"] == b_row["status"] == "in_progress"
    a_turns, b_turns = results.turns(a_row["id"]), results.turns(b_row["id"])
    assert [t["option_index"] for t in a_turns] == [r - 1 for r in a_replies]
    assert [t["option_index"] for t in b_turns] == [r - 1 for r in b_replies]
    # Each page shows its own conversation.
    assert trainee_lines(a_page) == trainee_lines(b_page) == 3
    assert b_turns[1]["reply"] in b_page.inner_text(".rp-transcript")
    assert b_turns[1]["reply"] not in a_page.inner_text(".rp-transcript")


# ---------------------------------------------------------------- 6. nothing lost when the tab closes


def test_closed_page_keeps_its_answers_and_is_abandoned(page, server, results) -> None:
    scenario = scenario_by_id("vip-stylist-away")
    trainee = unique("closer")
    begin(page, server.url, scenario, trainee)
    click_choice(page, 1)
    click_choice(page, 1)
    row = the_session(results, trainee)
    assert row["status"] == "in_progress"

    # Closing the tab runs Voila's beforeunload handler, whose beacon shuts the kernel down.
    with page.expect_event("close"):
        page.close(run_before_unload=True)

    row = wait_for_status(results, row["id"], "abandoned")
    assert row["status"] == "abandoned"
    turns = results.turns(row["id"])
    assert len(turns) == 2
    assert row["final_mood"] == turns[-1]["mood_after"]


# ---------------------------------------------------------------- 7. the keyboard alone


def tab_to(page, matches_js: str, limit: int = 40) -> None:
    """Press Tab until the focused element satisfies ``matches_js`` (a function of it)."""
    check = f"() => {{ const el = document.activeElement; return !!el && ({matches_js})(el); }}"
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(check):
            return
    raise AssertionError(f"Tab never reached an element matching {matches_js}")


def test_keyboard_alone(page, server, results) -> None:
    scenario = scenario_by_id("angry-late-delivery")
    trainee = unique("keyboard")
    open_app(page, server.url)

    tab_to(page, "el => el.matches('.rp-trainee input')")
    page.keyboard.type(trainee)
    tab_to(page, f"el => el.matches('.rp-scenario') && el.innerText.startsWith({scenario.title!r})")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "(name) => document.querySelector('.rp-briefing').innerText.includes(name)", arg=scenario.model.customer.name
    )
    page.wait_for_selector(".rp-start:not([disabled])")
    tab_to(page, "el => el.matches('.rp-start')")
    page.keyboard.press("Enter")
    page.wait_for_selector(".rp-transcript .rp-customer", timeout=REPLY_MS)
    page.wait_for_selector(".rp-choice:not([disabled])")

    tab_to(page, "el => el.matches('.rp-choice')")
    first_choice = page.evaluate("() => document.activeElement.innerText")
    assert first_choice.startswith("1. ")
    before = _before_reply(page)
    page.keyboard.press("Enter")
    wait_reply_done(page, before)
    assert trainee_lines(page) == 1
    assert customer_lines(page) == 2

    row = the_session(results, trainee)
    turns = results.turns(row["id"])
    assert [t["option_index"] for t in turns] == [0]


def test_a_click_or_enter_while_the_app_is_busy_is_not_taken(page, server, results) -> None:
    """While the kernel answers a reply the app carries rp-busy: a second click or Enter on a reply then is not
    sent (it would answer the customer's next line). The kernel handles messages in order, so had the blocked
    ones been sent they would show before the reply that follows."""
    trainee = unique("busy")
    open_app(page, server.url, f"?scenario=angry-late-delivery&trainee={trainee}")
    page.click(".rp-start")
    page.wait_for_selector(".rp-choice:not([disabled])", timeout=REPLY_MS)
    page.evaluate("() => document.querySelector('.rp-app').classList.add('rp-busy')")
    page.locator(".rp-choice").nth(0).click(force=True)  # force: Playwright would wait for pointer events
    page.locator(".rp-choice").nth(0).focus()
    page.keyboard.press("Enter")
    page.fill(".rp-input input", "Sorry, where is my order?")
    page.keyboard.press("Enter")
    page.fill(".rp-input input", "")  # left in the box, it would be sent when the box loses the focus
    assert trainee_lines(page) == 0
    page.evaluate("() => document.querySelector('.rp-app').classList.remove('rp-busy')")
    before = _before_reply(page)
    page.locator(".rp-choice").nth(1).click()
    wait_reply_done(page, before)
    assert trainee_lines(page) == 1 and customer_lines(page) == 2
    turns = results.turns(the_session(results, trainee)["id"])
    assert [t["option_index"] for t in turns] == [1]


def test_a_turn_sends_each_changed_widget_once(page, server) -> None:
    """A turn marks the app busy and not busy (two messages), instead of disabling and enabling every reply
    control (two per control): the chat, its after-line, the mood, the relabelled replies and the timer."""
    received: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda frame: received.append(frame)))
    open_app(page, server.url, f"?scenario=angry-late-delivery&trainee={unique('messages')}")
    page.click(".rp-start")
    page.wait_for_selector(".rp-choice:not([disabled])", timeout=REPLY_MS)
    received.clear()
    before = _before_reply(page)
    page.locator(".rp-choice").nth(0).click()
    wait_reply_done(page, before)
    updates = [_update_keys(frame) for frame in received]
    updates = [keys for keys in updates if keys]
    assert updates.count(["_dom_classes"]) == 2 and ["disabled"] not in updates, updates
    assert len(updates) <= 12, updates


def _update_keys(frame) -> list[str]:
    """The state keys a widget update message carries (none for other messages)."""
    data = message_content(frame).get("data") or {}
    return sorted(data.get("state", {})) if data.get("method") == "update" else []


# ---------------------------------------------------------------- 8. an empty reply does nothing


def test_empty_typed_reply_does_nothing(page, server, results) -> None:
    scenario = scenario_by_id("indecisive-plan-choice")
    trainee = unique("empty")
    begin(page, server.url, scenario, trainee)
    customers, trainees = customer_lines(page), trainee_lines(page)

    box = page.locator(".rp-input input")
    box.fill("")
    box.press("Enter")
    box.fill("   ")
    box.press("Enter")
    page.click(".rp-send")
    # The next real reply is the only thing that happened.
    click_choice(page, 1)
    assert customer_lines(page) == customers + 1
    assert trainee_lines(page) == trainees + 1
    assert page.locator(".rp-error").inner_text().strip() == ""
    turns = results.turns(the_session(results, trainee)["id"])
    assert [(t["kind"], t["option_index"]) for t in turns] == [("option", 0)]


# ---------------------------------------------------------------- 9. try again


def test_try_again_starts_attempt_two(page, server, results) -> None:
    scenario = scenario_by_id("indecisive-plan-choice")
    path = next(t for t in scenario.model.tests if t.ending == "breaking_point")
    result = expected_result(scenario, path.replies)
    trainee = unique("again")
    begin(page, server.url, scenario, trainee)
    play(page, path.replies)
    check_debrief(page, scenario, result)

    page.click(".rp-again")
    page.wait_for_selector(".rp-transcript .rp-customer", timeout=REPLY_MS)
    page.wait_for_selector(".rp-choice:not([disabled])")
    assert customer_lines(page) == 1
    assert page.locator(".rp-score-value").count() == 0

    rows = results.sessions(trainee=trainee)
    assert [(r["attempt"], r["status"]) for r in rows] == [(1, "completed"), (2, "in_progress")]
    click_choice(page, 1)
    assert len(results.turns(rows[1]["id"])) == 1


# ---------------------------------------------------------------- 10. dark theme


def _rgb(css: str) -> tuple[float, float, float, float]:
    inner = css[css.index("(") + 1 : css.index(")")].replace("/", " ").replace(",", " ")
    parts = [float(p) for p in inner.split()]
    return (*parts[:3], parts[3] if len(parts) > 3 else 1.0)


def _luminance(rgb) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_dark_theme_keeps_the_chat_readable(page, server, screenshot) -> None:
    scenario = scenario_by_id("angry-late-delivery")
    open_app(page, server.url, "?theme=dark")
    page.fill(".rp-trainee input", unique("dark"))
    choose_scenario(page, scenario)
    start(page)
    screenshot(page, "practice-dark.png")

    assert page.evaluate("() => document.body.dataset.jpThemeLight") == "false"
    color, background = page.eval_on_selector(
        ".rp-customer", "el => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]"
    )
    fg, bg = _rgb(color), _rgb(background)
    assert bg[3] > 0, f"the customer's bubble has no background: {background}"
    assert fg[:3] != bg[:3], (color, background)
    lighter, darker = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    contrast = (lighter + 0.05) / (darker + 0.05)
    assert contrast >= 4.5, f"text {color} on {background}: contrast {contrast:.2f} < 4.5"


# Text and its effective background (the first ancestor with an opaque background), for every element a
# selector matches that shows text of its own: WCAG's contrast ratio of the two.
CONTRAST_JS = """
(selector) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const ch = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b);
  };
  const backgroundOf = (el) => {
    for (let at = el; at; at = at.parentElement) {
      const c = rgb(getComputedStyle(at).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c;
    }
    return [255, 255, 255];
  };
  return [...document.querySelectorAll(selector)]
    .filter((el) => el.offsetParent !== null && el.innerText.trim() !== '')
    .map((el) => {
      const fg = rgb(getComputedStyle(el).color), bg = backgroundOf(el);
      const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
      return [el.innerText.trim().slice(0, 40), getComputedStyle(el).color, (hi + 0.05) / (lo + 0.05)];
    });
}
"""


def _low_contrast(page, selectors: list[str]) -> list[str]:
    found, low = set(), []
    for selector in selectors:
        measured = page.evaluate(CONTRAST_JS, selector)
        if measured:
            found.add(selector)
        low += [f"{selector} {text!r} {color}: {ratio:.2f}" for text, color, ratio in measured if ratio < 4.5]
    missing = [s for s in selectors if s not in found]
    assert not missing, f"nothing shown for {missing}"
    return low


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_text_of_the_practice_app_meets_wcag_aa_contrast(page, server, theme) -> None:
    scenario = scenario_by_id("angry-late-delivery")
    open_app(page, server.url, f"?theme={theme}")
    choose_scenario(page, scenario)
    page.click(".rp-start")  # no name yet: the note under the name box
    page.wait_for_selector(".rp-name-note p")
    setup = [
        ".rp-scenario.rp-selected",
        ".rp-scenario:not(.rp-selected)",
        ".rp-start",
        ".rp-name-note p",
        ".rp-briefing li",
        ".rp-picker-count p",
        ".rp-title h2, .rp-app h2",
    ]
    low = _low_contrast(page, setup)
    page.fill(".rp-trainee input", unique(f"contrast-{theme}"))
    start(page)
    click_choice(page, 1)
    chat = [".rp-chip", ".rp-customer", ".rp-trainee-line", ".rp-feedback", ".rp-choice", ".rp-side-panel li"]
    low += _low_contrast(page, chat)
    while not page.locator(".rp-score-value").count():
        click_choice(page, 4 if page.locator(".rp-choice").count() >= 4 else 1)
    debrief = [".rp-verdict span", ".rp-why", ".rp-kpis td", ".rp-better", ".rp-again"]
    low += _low_contrast(page, debrief)
    assert not low, "below 4.5:1 in the " + theme + " theme:\n" + "\n".join(low)


# ---------------------------------------------------------------- 9. a class on one machine


def test_the_timer_ticks_in_the_page_with_no_websocket_traffic(page, server) -> None:
    begin(page, server.url, scenario_by_id("angry-late-delivery"), unique("timer"))
    frames: list[int] = []
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    for event in ("Network.webSocketFrameReceived", "Network.webSocketFrameSent"):
        cdp.on(event, lambda e: frames.append(e["response"]["opcode"]))
    seconds = "() => document.querySelector('.rp-clock-run .rp-clock-value').textContent"
    page.wait_for_function(f"() => ({seconds})() !== ''")
    first = int(page.evaluate(seconds))
    page.wait_for_function(f"() => Number(({seconds})()) >= {first + 2}", timeout=10_000)
    assert [op for op in frames if op in (1, 2)] == []  # two seconds counted, not one message sent or received
    # the page script counts (body.rp-js-clock), so no animation runs: no style pass every frame
    assert page.evaluate("() => document.body.classList.contains('rp-js-clock')")
    assert page.evaluate("() => document.getAnimations().map(a => a.animationName || a.id)") == []
    click_choice(page, 1)
    page.wait_for_function(f"() => ({seconds})() !== ''")
    assert int(page.evaluate(seconds)) < first + 2  # a new customer line: the count starts again
    assert not page.locator(".rp-loading").is_visible()  # the "opening…" note went when the app came


def test_a_page_that_waits_for_a_kernel_says_so_at_once(open_page, tmp_path) -> None:
    """Every preheated kernel taken: the next page shows "opening…" at once, then the app, which works."""
    from .conftest import serving

    with serving(tmp_path, "--pool-size", "1") as one:
        first, second = open_page(), open_page()
        first.goto(one.url, wait_until="commit")  # takes the pool's only kernel; the refill starts a second later
        second.goto(one.url, wait_until="commit")
        note = second.locator("#rp-wait")
        note.wait_for(state="visible", timeout=5_000)
        assert "a seat is being prepared for you" in note.inner_text()
        assert "przygotowujemy dla Ciebie miejsce" in note.inner_text()
        for page in (first, second):
            page.wait_for_selector(".rp-trainee input", timeout=FIRST_WIDGET_MS)
        assert not note.is_visible()  # the app's page hid it
        # the page the note came before is an ordinary page: its theme, its app, its replies
        assert second.evaluate("() => document.body.dataset.voila") == "voila"
        second.fill(".rp-trainee input", unique("waited"))
        choose_scenario(second, scenario_by_id("angry-late-delivery"))
        start(second)
        click_choice(second, 1)


def test_a_warm_class_opens_each_deep_link_in_a_preheated_kernel(open_page, tmp_path) -> None:
    from .conftest import serving

    with serving(tmp_path, "--class-size", "2") as warm:
        deadline = time.monotonic() + 120
        log = ""
        while time.monotonic() < deadline:  # the server's log, not the UI: its pool is full again
            log = warm.log_path.read_text(errors="replace")
            if log.rstrip().endswith("Class: 2 of 2 kernels ready"):
                break
            time.sleep(0.2)
        assert log.rstrip().endswith("Class: 2 of 2 kernels ready"), log[-2000:]
        assert "Class: 0 of 2 kernels ready" in log and "Class of 2: keeping 2 kernels warm" in log
        scenario = scenario_by_id("angry-late-delivery")
        names = [unique("class"), unique("class")]
        pages = [open_page(), open_page()]
        for page, name in zip(pages, names, strict=True):
            open_app(page, warm.url, f"?scenario={scenario.id}&trainee={name}")
        for page, name in zip(pages, names, strict=True):
            page.wait_for_function(f"() => document.querySelector('.rp-trainee input').value === '{name}'")
            page.wait_for_selector(".rp-start:not([disabled])")
            start(page)
            click_choice(page, 1)
        store = open_store(str(warm.store_path))
        try:
            for name in names:
                [row] = store.sessions(trainee=name)
                assert row["scenario_id"] == scenario.id and len(store.turns(row["id"])) == 1
        finally:
            store.close()
