"""The review lab served by `roleplay serve --app review`, in a real Chromium at 1280×800.

Its store is made here, before the server starts: simulated trainees on three scenarios of the
library (``results.demo.generate``, the real engine), then one session still in progress, started
last, so the test knows which session is the latest completed one. Every wait is on the page,
never a sleep.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from simulator import Session, open_store
from simulator.loading.loader import load_library
from simulator.results import reports
from simulator.results.demo import generate
from simulator.ui.review.lab import SECTIONS

from .conftest import REPO, Server, serving

pytestmark = pytest.mark.browser

FIRST_RENDER_MS = 180_000  # a fresh kernel runs the whole notebook first
LAPTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict]]:
    """`roleplay serve --app review` over a store made here; yields (server, facts about the store)."""
    work = tmp_path_factory.mktemp("review-lab")
    library, _problems = load_library(REPO / "scenarios")
    chosen = [library[i] for i in sorted(library)[:3]]
    store = open_store(str(work / "results.sqlite"))
    try:
        generate(store, chosen, trainees=8, sessions=120, seed=5, reviews=0.1, workers=1)
        late = Session(chosen[0], trainee="Zoe Latecomer", seed=1, recorder=store)
        late.reply(1)  # started now, after every demo session: in progress
        data = reports.load(store)
        s = data.sessions
        done = s[s["status"] == "completed"].sort_values(["started_at", "id"])
        facts = {"latest_completed": done.iloc[-1], "sessions": s, "trainees_done": done["trainee"].nunique()}
    finally:
        store.close()
    with serving(work, "--app", "review", "--no-preheat", first_line="Review lab") as server:
        yield server, facts


def _open(page, server: Server) -> None:
    page.set_viewport_size(LAPTOP)
    page.goto(server.url, timeout=FIRST_RENDER_MS)
    page.wait_for_selector(".rp-section-bar .rp-tab-sessions", timeout=FIRST_RENDER_MS)
    page.wait_for_selector(".rp-view-matrix table", timeout=FIRST_RENDER_MS)


def _show(page, section: str) -> None:
    page.click(f".rp-section-bar .rp-tab-{section}")
    page.wait_for_selector(f".rp-section-{section}", state="visible")
    page.wait_for_selector(f".rp-tab-{section}.rp-current")


def test_the_lab_has_a_bar_of_sections_and_a_click_shows_one(page, lab_server, screenshot) -> None:
    server, _facts = lab_server
    _open(page, server)
    page.wait_for_selector(".rp-view-matrix td.rp-lv")
    screenshot(page, "review-lab.png", full=False)  # the README's picture (docs/img): the lab as it opens
    tabs = page.locator(".rp-section-bar .rp-tab")
    assert tabs.count() == len(SECTIONS)
    assert tabs.all_inner_texts()[:2] == ["Competency matrix", "Sessions & reviews"]
    bar = page.locator(".rp-section-bar").bounding_box()
    assert bar["y"] + bar["height"] <= LAPTOP["height"]  # the bar is in the first screen, not 14,000 px down
    assert page.locator(".rp-section-matrix").is_visible() and page.locator(".rp-tab-matrix.rp-current").count()

    _show(page, "sessions")
    assert not page.locator(".rp-section-matrix").is_visible()
    assert page.locator(".rp-tab-matrix.rp-current").count() == 0
    picker = page.locator(".rp-session-picker select").bounding_box()
    assert picker["y"] + picker["height"] <= LAPTOP["height"]  # the session viewer at once, no scrolling
    assert page.locator(".rp-review-form .rp-submit").is_visible()

    _show(page, "kpis")
    assert page.locator(".rp-view-kpis table").count() >= 2 and not page.locator(".rp-section-sessions").is_visible()


# Per visible element of a section: its right edge past the section's, or a scroll box wider inside
# than it shows (a table cut off at the side); and the page itself wider than the window.
OVERFLOW_JS = """
(name) => {
    const section = document.querySelector('.rp-section-' + name);
    const edge = section.getBoundingClientRect().right + 1;
    const wide = [];
    for (const el of section.querySelectorAll('*')) {
        if (!el.getClientRects().length) continue;
        const right = el.getBoundingClientRect().right;
        const cut = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible';
        if (right > edge || cut) wide.push(`${el.tagName}.${el.className}: ${Math.round(right)} / ${el.scrollWidth}`);
    }
    const doc = document.documentElement;
    return {wide: wide.slice(0, 5), page: doc.scrollWidth, window: doc.clientWidth, section: edge - 1};
}
"""


def test_no_table_is_wider_than_the_page_at_1280_px(page, lab_server) -> None:
    server, facts = lab_server
    _open(page, server)
    for section in SECTIONS:
        _show(page, section)
        if section == "first_best_latest":  # summarised, a line per trainee; opened, they must fit too
            assert page.locator(".rp-fbl-trainee").count() == facts["trainees_done"]
            for summary in page.locator(".rp-fbl-trainee summary").all():
                summary.click()
            assert page.locator(".rp-fbl-trainee[open] table").count() == facts["trainees_done"]
        if section == "progress":  # a card per trainee, not a column per scenario
            assert page.locator(".rp-progress-card").count() == facts["trainees_done"]
        found = page.evaluate(OVERFLOW_JS, section)
        assert found["wide"] == [], (section, found)
        assert found["page"] <= found["window"] == LAPTOP["width"], (section, found)
        assert found["section"] <= LAPTOP["width"], (section, found)


def _selected(page) -> str:
    page.wait_for_function("() => document.querySelector('.rp-session-picker select').selectedIndex >= 0")
    text = page.eval_on_selector(".rp-session-picker select", "s => s.options[s.selectedIndex].text")
    return text.replace("\xa0", " ")


def test_the_picker_opens_on_the_latest_completed_session_and_the_search_narrows_it(page, lab_server) -> None:
    server, facts = lab_server
    _open(page, server)
    _show(page, "sessions")
    latest = facts["latest_completed"]
    expected = f"{latest['started_at']:%Y-%m-%d %H:%M} · {latest['trainee']} · "
    assert _selected(page).startswith(expected), (_selected(page), expected)
    first_option = page.eval_on_selector(".rp-session-picker select", "s => s.options[0].text").replace("\xa0", " ")
    assert "Zoe Latecomer" in first_option  # the newest session is offered first, but not picked: in progress
    assert "Zoe Latecomer" not in _selected(page)

    sessions = facts["sessions"]
    trainee = sorted(set(sessions["trainee"]) - {"Zoe Latecomer"})[0]
    mine = sessions[sessions["trainee"] == trainee]
    page.fill(".rp-session-search input", trainee.lower())
    page.wait_for_function(
        "(n) => document.querySelector('.rp-session-count').innerText.startsWith(n + ' sessions match')",
        arg=str(len(mine)),
    )
    options = page.eval_on_selector_all(
        ".rp-session-picker option", "os => os.map(o => o.text.replaceAll('\xa0', ' '))"
    )
    assert len(options) == len(mine) and all(trainee in o for o in options)

    day = f"{mine['started_at'].iloc[0]:%Y-%m-%d}"
    page.fill(".rp-session-search input", f"{trainee} {day}")
    page.wait_for_function(
        "(day) => [...document.querySelectorAll('.rp-session-picker option')].every(o => o.text.startsWith(day))",
        arg=day,
    )
    assert trainee in _selected(page)

    page.fill(".rp-session-search input", "no such trainee anywhere")
    page.wait_for_function("() => document.querySelector('.rp-view-session').innerText.includes('No session matches')")
    assert page.locator(".rp-review-form .rp-submit").is_disabled()


def test_saving_a_review_without_moving_a_slider_keeps_every_score(page, lab_server) -> None:
    server, facts = lab_server
    sessions = facts["sessions"]
    done = sessions[(sessions["status"] == "completed") & ~sessions["reviewed"]]
    fractional = done[done["auto_score"] != done["auto_score"].round(0)]  # 42.9, not 43
    target = fractional.iloc[-1]
    store = open_store(str(server.store_path), create=False)
    try:
        row = store.session(target["id"])
        automatic = json.loads(row["result"])["competency_scores"]
    finally:
        store.close()

    _open(page, server)
    _show(page, "sessions")
    when = f"{target['started_at']:%Y-%m-%d %H:%M}"
    page.fill(".rp-session-search input", f"{target['trainee']} {when}")
    page.wait_for_function(
        "(when) => { const s = document.querySelector('.rp-session-picker select');"
        " return s.options.length === 1 && s.selectedIndex === 0"
        " && s.options[0].text.replaceAll('\xa0', ' ').startsWith(when); }",
        arg=when,
    )
    page.wait_for_function("(when) => document.querySelector('.rp-view-session').innerText.includes(when)", arg=when)
    page.fill(".rp-reviewer input", "Rita Reviewer")
    page.click(".rp-review-form .rp-submit")
    page.wait_for_function("() => document.querySelector('.rp-form-status').innerText.includes('Saved review')")
    assert f"{target['auto_score']:.1f}" in page.inner_text(".rp-form-status")

    store = open_store(str(server.store_path), create=False)
    try:
        [review] = store.reviews(target["id"])
    finally:
        store.close()
    assert review["reviewer"] == "Rita Reviewer"
    assert review["overall"] == target["auto_score"]  # 42.9 stays 42.9
    assert review["passed"] == bool(target["auto_passed"])
    assert review["scores"] and all(review["scores"][c] == automatic[c] for c in review["scores"])
    assert set(review["scores"]) <= set(automatic)


PHONE = {"width": 390, "height": 844}


def test_on_a_phone_the_page_is_never_wider_than_the_screen(page, lab_server) -> None:
    server, _facts = lab_server
    page.set_viewport_size(PHONE)
    page.goto(server.url, timeout=FIRST_RENDER_MS)
    page.wait_for_selector(".rp-view-matrix table", timeout=FIRST_RENDER_MS)
    bar = page.locator(".rp-section-bar").bounding_box()
    assert bar["x"] >= 0 and bar["x"] + bar["width"] <= PHONE["width"]  # the bar wraps onto more rows
    assert page.locator(".rp-filters-body").is_hidden()  # the filters fold away: the sections come first
    for section in ("matrix", "sessions", "progress", "first_best_latest", "items", "kpis"):
        _show(page, section)
        size = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert size[0] <= size[1] == PHONE["width"], (section, size)
        right = page.evaluate(
            "(name) => document.querySelector('.rp-section-' + name).getBoundingClientRect().right", section
        )
        assert right <= PHONE["width"], (section, right)
