"""The trainee's assignments and "My progress" in the served practice app, in a real Chromium."""

from __future__ import annotations

import pytest

from simulator import open_store

from .test_practice_app import FIRST_WIDGET_MS, REPLY_MS, open_app, play, scenario_by_id, score_shown, unique

pytestmark = pytest.mark.browser


def test_an_assignment_is_played_in_its_mode_within_its_limit_and_my_progress_shows_it(page, server) -> None:
    scenario = scenario_by_id("angry-late-delivery")
    replies = scenario.model.tests[0].replies
    store = open_store(str(server.store_path))
    aid = store.create_assignment(scenario.id, "everyone", "2099-01-01", mode="assessment", max_attempts=1)
    trainee = unique("assigned")
    try:
        open_app(page, server.url)  # the pool's kernels were started before the assignment: it is read anew
        row = page.locator(".rp-assigned-row", has_text=scenario.title)
        row.wait_for(timeout=FIRST_WIDGET_MS)
        assert "assessment: feedback at the end" in row.inner_text()
        page.fill(".rp-trainee input", trainee)
        page.press(".rp-trainee input", "Tab")  # leaving the box: the attempts left are this trainee's
        row.locator(".rp-assigned-left", has_text="1 of 1 attempts left").wait_for(timeout=REPLY_MS)
        row.locator(".rp-assigned-choose").click()
        page.locator(".rp-briefing", has_text="Assignment:").wait_for(timeout=REPLY_MS)
        page.click(".rp-start")
        page.wait_for_selector(".rp-choice:not([disabled])", timeout=REPLY_MS)
        play(page, replies)
        score_shown(page)
        assert page.locator(".rp-feedback").count() == 0  # assessment: no feedback along the way
        [row_in_store] = store.sessions(trainee=trainee)
        assert row_in_store["assignment_id"] == aid and row_in_store["mode"] == "assessment"
        page.click(".rp-another")
        left = page.locator(".rp-assigned-row", has_text=scenario.title)
        left.locator(".rp-assigned-left", has_text="0 of 1 attempts left").wait_for(timeout=REPLY_MS)
        assert left.locator(".rp-assigned-choose").is_disabled()
        page.click(".rp-my-progress")
        progress = page.locator(".rp-progress")
        progress.wait_for(timeout=REPLY_MS)
        text = progress.inner_text()
        assert f"Progress of {trainee}" in text and "Grade" in text and scenario.title in text
    finally:
        store.delete_assignment(aid)
        store.close()
