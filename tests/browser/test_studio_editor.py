"""The studio's code editor, served by `roleplay serve --app studio`, in a real Chromium: line numbers and
YAML highlighting, typed text reaching the kernel, a problem's button putting the cursor on its place,
drafts saved apart, notes beside their buttons, play from a node and a walk replayed.

Requests that leave 127.0.0.1 are aborted (see conftest): the editor runs from the bundle shipped in the
package. Every wait is on the page, never a sleep.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

FIRST_RENDER_MS = 120_000  # a fresh kernel runs the whole notebook first
CHECKED_MS = 30_000  # the text reaches the kernel and is checked

VERDICT_HAS = "(text) => document.querySelector('.rp-verdict').innerText.includes(text)"


def open_studio(page, server) -> None:
    """The studio's page, its first scenario checked and drawn."""
    page.goto(server.url, timeout=FIRST_RENDER_MS)
    page.wait_for_selector(".rp-editor .cm-editor .cm-lineNumbers", timeout=FIRST_RENDER_MS)
    page.wait_for_selector(".rp-diagram-view svg g.node", timeout=FIRST_RENDER_MS)


def editor_text(page) -> str:
    """The text in the editor on the page (CodeMirror's document)."""
    return page.evaluate("() => document.querySelector('.rp-editor').rpEditor.state.doc.toString()")


def replace_text(page, text: str) -> None:
    """Select everything in the editor and type ``text`` over it (one input event, as a paste)."""
    page.click(".rp-editor .cm-content")
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(text)
    assert editor_text(page) == text


def leave_editor(page) -> None:
    """Leave the editor (its text goes to the kernel): click the page's background beside the verdict."""
    page.locator(".rp-verdict").click(position={"x": 2, "y": 2})


def cursor(page) -> tuple[int, int]:
    """The cursor's line and column, from CodeMirror's state."""
    return tuple(
        page.evaluate(
            """() => { const v = document.querySelector('.rp-editor').rpEditor, h = v.state.selection.main.head,
                       l = v.state.doc.lineAt(h); return [l.number, h - l.from + 1]; }"""
        )
    )


def broken_link(path: Path) -> tuple[str, str, str]:
    """(the file's text, the text with its first link misspelt, the link)."""
    text = path.read_text(encoding="utf-8")
    target = next(line.split("next:")[1].strip() for line in text.splitlines() if "next:" in line)
    return text, text.replace(f"next: {target}", f"next: {target}x", 1), target


def test_the_editor_numbers_lines_highlights_yaml_and_jumps_to_a_problem(page, studio) -> None:
    server, library = studio
    first = sorted(library.glob("*.yaml"))[0]
    open_studio(page, server)
    gutter = page.locator(".rp-editor .cm-lineNumbers .cm-gutterElement")
    assert gutter.count() > 10 and "1" in gutter.all_inner_texts()
    colours = page.evaluate(
        """() => { const line = [...document.querySelectorAll('.rp-editor .cm-line')]
                     .find(l => l.textContent.startsWith('id:'));
                   return [...line.querySelectorAll('span')].map(s => getComputedStyle(s).color); }"""
    )
    assert len(set(colours)) >= 2, colours  # the key and its value in different colours

    text, broken, target = broken_link(first)
    replace_text(page, broken)
    leave_editor(page)
    page.wait_for_function(VERDICT_HAS, arg="problem(s) to fix", timeout=CHECKED_MS)
    jump = page.locator(".rp-verdict .rp-jump").first
    assert f"'{target}x' is not a node or an ending — did you mean '{target}'?" in jump.inner_text()
    line, column = int(jump.get_attribute("data-line")), int(jump.get_attribute("data-column"))
    assert line > 40 and broken.splitlines()[line - 1][column - 1 :].startswith(f"{target}x")
    assert first.read_text(encoding="utf-8") == text  # nothing is written until Save

    page.evaluate("() => document.querySelector('.rp-editor').rpEditor.dispatch({selection: {anchor: 0}})")
    jump.click()
    assert cursor(page) == (line, column)
    assert page.inner_text(".rp-editor .cm-activeLineGutter") == str(line)
    assert page.inner_text(".rp-editor .rp-editor-status") == f"line {line}, column {column}"
    active = page.locator(".rp-editor .cm-activeLine").bounding_box()
    shown = page.locator(".rp-editor .cm-scroller").bounding_box()
    assert shown["y"] <= active["y"] and active["y"] + active["height"] <= shown["y"] + shown["height"]
    assert page.evaluate("() => document.activeElement.classList.contains('cm-content')")  # ready to type
    page.wait_for_selector(".rp-editor .cm-lint-marker-error")  # marked in the gutter and underlined too
    assert page.inner_text(".rp-editor .cm-lintRange-error") == f"{target}x"

    # The cursor is on the misspelt link: the trainer types the fix there.
    page.keyboard.press("End")
    page.keyboard.press("Backspace")
    assert editor_text(page) == text
    page.wait_for_function(VERDICT_HAS, arg="is sound", timeout=CHECKED_MS)  # after a pause in typing


def test_a_save_with_problems_is_a_draft_said_beside_the_button(page, studio, screenshot) -> None:
    server, library = studio
    first = sorted(library.glob("*.yaml"))[0]
    open_studio(page, server)
    text, broken, _target = broken_link(first)
    replace_text(page, broken)
    page.click(".rp-save")  # leaving the editor for the button sends the text first
    page.wait_for_selector(".rp-save-note .rp-draft-saved", timeout=CHECKED_MS)
    note = page.inner_text(".rp-save-note")
    assert f"Saved as a draft (drafts/{first.name})" in note
    assert f"trainees still get the last valid version of {first.name}" in note
    assert first.read_text(encoding="utf-8") == text and (library / "drafts" / first.name).read_text() == broken
    save = page.locator(".rp-save").bounding_box()
    said = page.locator(".rp-save-note").bounding_box()
    assert abs(said["y"] - save["y"]) < 60  # beside the button, not somewhere up the page
    assert page.locator(".rp-draft-bar").is_visible() and "You are editing the draft" in page.inner_text(
        ".rp-draft-note"
    )
    assert f"{first.name} — draft" in page.inner_text(".rp-pick select").replace("\xa0", " ")

    page.click(".rp-discard")
    page.wait_for_function(
        "() => document.querySelector('.rp-save-note').innerText.includes('Draft discarded')", timeout=CHECKED_MS
    )
    page.wait_for_function(VERDICT_HAS, arg="is sound", timeout=CHECKED_MS)
    assert editor_text(page) == text and not (library / "drafts" / first.name).exists()
    assert not page.locator(".rp-draft-bar").is_visible()


def test_play_from_a_node_puts_names_above_lines_and_a_walk_replays_from_the_app(page, studio) -> None:
    server, _library = studio
    open_studio(page, server)
    page.click(".rp-play")
    page.wait_for_selector(".rp-play-transcript .rp-customer")
    who = page.locator(".rp-play-transcript .rp-customer .rp-who").first
    name = who.inner_text()
    said = page.inner_text(".rp-play-transcript .rp-customer")
    assert said.startswith(name + "\n") and not re.match(re.escape(name) + r"\w", said)
    line = page.locator(".rp-play-transcript .rp-customer").first.bounding_box()
    assert who.bounding_box()["height"] < line["height"] / 1.5  # the name on its own line above the text

    page.fill(".rp-replay-seed input", "5")
    page.click(".rp-replay")
    page.wait_for_selector(".rp-replay-result pre", timeout=CHECKED_MS)
    shown = page.inner_text(".rp-replay-result")
    assert "walk 5 of " in shown and "customer:" in shown and "studio.replay" not in page.inner_text("body")


def test_the_studio_screenshot_shows_the_editor_with_a_problem(open_page, studio, screenshot) -> None:
    server, library = studio
    page = open_page()
    page.set_viewport_size({"width": 1280, "height": 800})
    open_studio(page, server)
    first = sorted(library.glob("*.yaml"))[0]
    _text, broken, _target = broken_link(first)
    replace_text(page, broken)
    leave_editor(page)
    page.wait_for_function(VERDICT_HAS, arg="problem(s) to fix", timeout=CHECKED_MS)
    page.locator(".rp-verdict .rp-jump").first.click()
    page.locator(".rp-verdict").evaluate("el => el.scrollIntoView({block: 'end'})")
    page.wait_for_selector(".rp-editor .cm-lintRange-error")
    assert page.locator(".rp-editor .cm-activeLine").is_visible() and page.locator(".rp-problems").is_visible()
    shot = screenshot(page, "studio-check.png", full=False)  # docs/img/studio-check.png is a copy of it
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_add_as_phrasing_is_confirmed_in_the_replys_place_and_the_reply_leaves_the_list(page, studio) -> None:
    from simulator import Session, load_scenario, open_store
    from simulator.ui.studio import not_understood_replies

    server, library = studio
    scenario = library / "angry-late-delivery.yaml"
    reply = "could you spell your surname for me"
    store = open_store(str(server.store_path))
    try:
        Session(load_scenario(scenario), trainee="t", recorder=store).reply(reply)  # not understood
        assert [r[1] for r in not_understood_replies(store, "angry-late-delivery")] == [reply]
    finally:
        store.close()
    open_studio(page, server)
    page.select_option(".rp-pick select", label=scenario.name)
    row = page.locator(".rp-reply-row", has_text=reply)
    row.wait_for(timeout=CHECKED_MS)
    row.scroll_into_view_if_needed()
    where = row.bounding_box()
    row.locator(".rp-add-phrasing").click()
    done = page.locator(".rp-reply-added")
    done.wait_for(timeout=CHECKED_MS)
    assert f"Added “{reply}” as a phrasing of option 1" in done.inner_text()
    assert abs(done.bounding_box()["y"] - where["y"]) < 40  # where the row and its button were
    assert page.locator(".rp-reply-row", has_text=reply).count() == 0  # no second click on it
    assert page.inner_text(".rp-message").strip() == ""  # nothing said at the top of the page
    assert reply in scenario.read_text(encoding="utf-8") and reply in editor_text(page)
