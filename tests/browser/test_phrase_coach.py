"""The phrase coach in a real Chromium against a real `roleplay serve` (Voila): a typed reply with
"unfortunately" in a shipped scenario that opts in, and the coaching in the debrief."""

from __future__ import annotations

import pytest

from simulator.ui.text import words

from .test_practice_app import begin, check_debrief, expected_result, play, scenario_by_id, the_session, unique

pytestmark = pytest.mark.browser

TYPED = "Unfortunately I understand how unpleasant this is. Let me just pull up your order."


def test_a_typed_unfortunately_is_coached_in_the_debrief(page, server, results) -> None:
    scenario = scenario_by_id("angry-late-delivery")
    assert scenario.model.coach is not None  # the shipped scenario opts in
    replies = [TYPED, 1, 1, 1, 1, 1, 1, 1, 1]
    result = expected_result(scenario, replies)
    assert result.debrief[0].coach_cut == 1.0
    trainee = unique("coach")

    begin(page, server.url, scenario, trainee)
    play(page, replies)
    check_debrief(page, scenario, result)

    w = words(scenario.language)
    coach = page.locator(".rp-debrief .rp-coach")
    coach.wait_for()
    assert coach.locator("h4").inner_text() == w["coach_title"]
    assert coach.locator(".rp-coach-mark").all_inner_texts() == ["Unfortunately"]
    text = coach.inner_text()
    hit = result.debrief[0].coaching[0]
    assert hit.why in text and hit.instead in text
    assert w["coach_reply"].format(n=1) in text and "−1" in text
    row = the_session(results, trainee)
    assert row["score"] == pytest.approx(result.overall)
