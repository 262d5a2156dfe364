"""A team on one lab, in a real Chromium against a real JupyterHub (`roleplay hub`) with a PostgreSQL
store: the admin signs up; two trainees and a reviewer sign up; the admin approves them on
NativeAuthenticator's page and puts the reviewer in `reviewers` (and `trainers`: she chooses); each
signs in and lands on their app; trainee A plays a scenario to the end and can reach neither the
review lab nor B's results; every result is in PostgreSQL under the hub's user names.

Every wait is on a page (a selector or a condition in the page), never a sleep.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulator import open_store

from ..browser.conftest import TURN_DONE_JS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "a-long-Passphrase-42"
ADMIN, ANNA, BARTEK, RITA = "admin", "anna", "bartek", "rita"
LAND_MS = 120_000  # sign-in → spawn → the user's Voila server → the app's first widget
ACTION_MS = 30_000


@pytest.fixture(scope="module")
def people(browser, hub) -> Iterator[dict]:
    """A browser context (its own cookies) per person, all signed up; the others approved by the admin,
    ``rita`` in ``reviewers``."""
    names = (ADMIN, ANNA, BARTEK, RITA)
    contexts = {name: browser.new_context(viewport={"width": 1280, "height": 900}) for name in names}
    pages = {name: context.new_page() for name, context in contexts.items()}
    for page in pages.values():
        page.set_default_timeout(ACTION_MS)
    try:
        for name, page in pages.items():
            sign_up(page, hub.url, name)
        admin = pages[ADMIN]
        sign_in(admin, hub.url, ADMIN, next_url="/hub/authorize")
        admin.wait_for_url("**/hub/authorize**")
        for name in (ANNA, BARTEK, RITA):
            admin.click(f'a[href$="/authorize/{name}"]:has-text("Authorize")')
            admin.wait_for_selector(f'a[href$="/authorize/{name}"]:has-text("Unauthorize")')
        admin.goto(hub.url + "hub/home")  # the hub's own page: its token for the hub's REST API
        # The hub knows a user from their first sign-in: the admin creates her, then puts her in the group.
        assert hub_api(admin, "POST", f"users/{RITA}") == 201
        assert hub_api(admin, "POST", "groups/reviewers/users", {"users": [RITA]}) == 200
        assert hub_api(admin, "POST", "groups/trainers/users", {"users": [RITA]}) == 200  # two roles: she chooses
        yield pages
    finally:
        for context in contexts.values():
            context.close()


def hub_api(page, method: str, path: str, body: dict | None = None) -> int:
    """Call the hub's REST API as the page's signed-in user (as the hub's own admin page does)."""
    return page.evaluate(
        """async ([method, path, body]) => (await fetch('/hub/api/' + path, {method,
            headers: {'Content-Type': 'application/json', 'X-XSRFToken': window.jhdata.xsrf_token},
            body: body === null ? undefined : JSON.stringify(body)})).status""",
        [method, path, body],
    )


def sign_up(page, url: str, name: str) -> None:
    page.goto(url + "hub/signup")
    page.fill("#username_input", name)
    page.fill("#password_input", PASSWORD)
    page.fill("#password_confirmation_input", PASSWORD)
    page.click("#signup_submit")
    alert = page.wait_for_selector(".alert")
    assert "alert-danger" not in (alert.get_attribute("class") or ""), alert.inner_text()


def sign_in(page, url: str, name: str, next_url: str = "") -> None:
    page.goto(url + "hub/login" + (f"?next={next_url}" if next_url else ""))
    page.fill("#username_input", name)
    page.fill("#password_input", PASSWORD)
    page.click("#login_submit")


def land_on_practice(page, name: str) -> None:
    page.wait_for_selector(".rp-signed-in", timeout=LAND_MS)
    assert page.inner_text(".rp-signed-in").strip() == f"Signed in as {name}"
    assert page.locator(".rp-trainee input").is_hidden()


def play_to_the_end(page) -> float:
    page.click(".rp-scenario")
    page.wait_for_selector(".rp-start:not([disabled])")
    page.click(".rp-start")
    while not page.locator(".rp-score-value").count():
        page.wait_for_selector(".rp-choice:not([disabled])")
        before = page.evaluate("() => document.querySelectorAll('.rp-customer').length")
        page.locator(".rp-choice").first.click()
        page.wait_for_function(TURN_DONE_JS, arg=before)
    return float(page.inner_text(".rp-score-value"))


def test_a_team_signs_in_and_each_lands_on_their_app(hub, people):
    anna, bartek, rita = people[ANNA], people[BARTEK], people[RITA]

    # A trainee lands on the practice app under their hub name; ?trainee= cannot change it.
    sign_in(anna, hub.url, ANNA)
    land_on_practice(anna, ANNA)
    assert anna.url.startswith(f"{hub.url}user/{ANNA}/")
    anna.goto(f"{hub.url}user/{ANNA}/?trainee={BARTEK}")
    land_on_practice(anna, ANNA)
    assert play_to_the_end(anna) == 100.0

    sign_in(bartek, hub.url, BARTEK)
    land_on_practice(bartek, BARTEK)
    assert play_to_the_end(bartek) == 100.0

    # Every result is in PostgreSQL under the hub's names.
    store = open_store(hub.store, create=False)
    try:
        sessions = store.sessions()
    finally:
        store.close()
    assert sorted((s["trainee"], s["status"]) for s in sessions) == [(ANNA, "completed"), (BARTEK, "completed")]

    # The reviewer, who is a trainer too, chooses her role, and lands on the review lab over the same store.
    sign_in(rita, hub.url, RITA)
    rita.wait_for_selector(".rp-role-choice", timeout=LAND_MS)
    assert sorted(rita.locator("input[name=role]").evaluate_all("(els) => els.map(e => e.value)")) == [
        "reviewer",
        "trainer",
    ]
    rita.check("input[name=role][value=reviewer]")
    rita.click("button[type=submit]")
    rita.wait_for_selector(".rp-view-matrix", timeout=LAND_MS)
    rita.wait_for_function(
        "(names) => names.every(n => document.querySelector('.rp-view-matrix').innerText.includes(n))",
        arg=[ANNA, BARTEK],
    )
    assert rita.url.startswith(f"{hub.url}user/{RITA}/")
    assert not rita.locator(".rp-refused").count()

    # Anna's page shows nothing of Bartek.
    assert BARTEK not in anna.inner_text("body")


def test_a_trainee_reaches_neither_the_review_lab_nor_code(hub, people):
    """After the first test: the trainees' and the reviewer's servers are up."""
    anna = people[ANNA]
    request = anna.context.request
    # Her own server serves one app: no kernel of her own making, no sessions, no terminals…
    for path in ("api/kernels", "api/sessions", "api/terminals"):
        response = request.post(f"{hub.url}user/{ANNA}/{path}", data="{}", max_redirects=0)
        assert response.status in (403, 404, 405), (path, response.status)
    # … no JupyterLab, no contents API, no other notebook (Voila sends them to its image files: 403).
    others = ("lab", "tree", "api/contents", "review.ipynb", "voila/render/review.ipynb", "voila/files/review.ipynb")
    for path in others:
        response = request.get(f"{hub.url}user/{ANNA}/{path}")
        assert response.status == 403, (path, response.status)
        assert "rp-view" not in response.text() and '"cells"' not in response.text()

    # The reviewer's server refuses her: the hub does not sign her in to it.
    response = anna.goto(f"{hub.url}user/{RITA}/")
    assert response.status == 403
    assert not anna.locator(".rp-view-matrix").count()

    # Nor can she have her server started as a reviewer through the hub's REST API.
    anna.goto(f"{hub.url}hub/home")
    assert hub_api(anna, "DELETE", f"users/{ANNA}/server") in (202, 204)
    assert hub_api(anna, "POST", f"users/{ANNA}/server", {"role": "reviewer"}) >= 400
    anna.goto(f"{hub.url}user/{RITA}/")
    assert not anna.locator(".rp-view-matrix").count()
