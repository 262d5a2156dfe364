"""The scenario studio and the review lab served by `roleplay serve --app …`, in a real Chromium.

Requests that leave 127.0.0.1 are aborted (see conftest), so the diagrams and charts seen here
render offline. Every wait is on the page, never a sleep.
"""

from __future__ import annotations

import pytest

from .conftest import REPO
from .test_studio_editor import broken_link, leave_editor, open_studio, replace_text

pytestmark = pytest.mark.browser

FIRST_RENDER_MS = 120_000  # a fresh kernel runs the whole notebook first


def test_the_studio_checks_an_edit_at_once_and_draws_offline(page, studio) -> None:
    server, library = studio
    first = sorted(library.glob("*.yaml"))[0]
    open_studio(page, server)
    assert "is sound" in page.inner_text(".rp-verdict")
    nodes = page.locator(".rp-diagram-view svg g.node").count()
    assert nodes >= 8 + 3  # decision points and endings, drawn by graphviz in the kernel
    assert "best" in page.inner_text(".rp-paths") and "Score range" in page.inner_text(".rp-paths")

    text, broken, target = broken_link(first)
    replace_text(page, broken)
    leave_editor(page)  # the editor is checked when it loses focus
    page.wait_for_function(
        "() => document.querySelector('.rp-verdict').innerText.includes('problem(s) to fix')", timeout=30_000
    )
    verdict = page.inner_text(".rp-verdict")
    assert f"'{target}x' is not a node or an ending — did you mean '{target}'?" in verdict
    assert "line " in verdict and "column " in verdict
    assert first.read_text(encoding="utf-8") == text  # nothing is written until Save

    replace_text(page, text)
    leave_editor(page)
    page.wait_for_function("() => document.querySelector('.rp-verdict').innerText.includes('is sound')")
    page.click(".rp-run-tests")
    page.wait_for_function("() => document.querySelector('.rp-test-result').innerText.includes('passed')")
    assert " 0 failed" in page.inner_text(".rp-test-result")


def test_the_studio_says_what_failed_in_the_authors_words_never_the_servers(page, studio) -> None:
    server, library = studio
    open_studio(page, server)
    page.fill("input[placeholder='new-scenario-id']", "a" * 260)  # a scenario id, too long for a file name
    page.click(".rp-new")
    page.wait_for_function("() => document.querySelector('.rp-message').innerText.trim() !== ''", timeout=30_000)
    assert page.inner_text(".rp-message").strip() == "could not save the file: the name is too long"
    new = page.locator(".rp-new").bounding_box()
    said = page.locator(".rp-message").bounding_box()
    assert 0 <= said["y"] - new["y"] < 80  # right under the button, not below the editor
    shown = page.inner_text("body")
    for detail in (str(library), str(library.parent), "Errno", "OSError", "File name too long"):
        assert detail not in shown, detail
    assert not list(library.glob("aaaa*.yaml"))


def test_the_review_lab_opens_on_demo_data_with_its_views(page, review, screenshot) -> None:
    page.goto(review.url, timeout=FIRST_RENDER_MS)
    page.wait_for_selector(".rp-view-matrix table", timeout=FIRST_RENDER_MS)
    assert "demo data" in page.inner_text(".rp-note-widget").lower()
    cells = page.locator(".rp-view-matrix td").all_inner_texts()
    assert cells and all(c.strip() in {"0", "1", "2", "3", "–"} for c in cells)
    for view in ("kpis", "progress", "items", "certification", "agreement"):  # one section at a time, by the bar
        page.click(f".rp-section-bar .rp-tab-{view}")
        page.wait_for_selector(f".rp-view-{view}", state="visible")
        assert page.locator(f".rp-view-{view}").inner_text().strip(), view
        if view == "progress":
            assert page.locator(".rp-view-progress svg").count() > 0  # charts drawn as inline SVG
    screenshot(page, "review.png", full=False)


def test_serve_refuses_an_unknown_app() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "simulator", "serve", "--app", "nope"], capture_output=True, text=True, cwd=REPO
    )
    assert done.returncode == 2 and "invalid choice: 'nope'" in done.stderr
