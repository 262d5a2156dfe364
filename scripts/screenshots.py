"""Screenshots of the team features for the README, written into docs/img/ as PNG.

Run it from a checkout (the lab and its test extras installed, Chromium at /usr/bin/chromium,
configurable-http-proxy from npm on the PATH for the hub's pages):

    PYTHONPATH=$PWD python scripts/screenshots.py            # every screenshot
    PYTHONPATH=$PWD python scripts/screenshots.py --only hub  # practice | apps | hub

It is re-runnable: everything it starts lives in a temporary folder, which is removed at the end,
and it writes only docs/img/*.png (the files named in SHOTS, overwritten).

- ``apps``: a SQLite store filled by ``roleplay demo-data`` (simulated trainees, the real engine) and
  three assignments made with ``roleplay assign``; then ``roleplay serve`` (the practice app: the
  assignments list and "My progress" of a demo trainee), ``--app studio`` (its Assignments section)
  and ``--app review`` (the review lab's assignments table) on that store.
- ``hub``: a real JupyterHub, ``roleplay hub`` on a free port, its state and a SQLite store in the
  temporary folder (the helpers of tests/hub/conftest.py): its sign-in page, the admin's
  /hub/authorize page with sign-ups waiting, and the role choice of a user in two groups.

Headless Chromium with a 1280×800 viewport; every wait is on a selector or on the server answering,
never a sleep. Each image is cropped to the element it shows.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the checkout's `simulator` and `tests` packages

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from simulator import Session, load_scenario, open_store  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, serving  # noqa: E402
from tests.hub.conftest import running_hub  # noqa: E402

IMG = REPO / "docs" / "img"
VIEWPORT = {"width": 1280, "height": 800}
LOAD_MS = 120_000  # a kernel starts and runs the notebook; under the hub, a server is spawned first
ACTION_MS = 30_000
PASSWORD = "a-long-Passphrase-42"
DEMO_TRAINEES, DEMO_SESSIONS, DEMO_SEED = 8, 160, 1
ASSIGNMENTS = (  # scenario, group, due, mode, attempts
    ("angry-late-delivery", "everyone", "2099-03-31", "assessment", "2"),
    ("vip-stylist-away", "everyone", "2099-04-15", "practice", "0"),
    ("data-protection-spouse", "everyone", "2026-01-15", "practice", "3"),
)
SHOTS = {
    "practice": ("practice-setup.png", "practice-chat.png", "practice-debrief.png"),
    "apps": ("practice-assignments.png", "practice-progress.png", "studio-assignments.png", "review-assignments.png"),
    "hub": ("hub-login.png", "hub-authorize.png", "hub-role-choice.png"),
}


def roleplay(*args: str) -> str:
    """Run ``python -m simulator ARGS…`` from the checkout and return its output (fails loudly)."""
    done = subprocess.run([sys.executable, "-m", "simulator", *args], cwd=REPO, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"roleplay {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def shoot(page: Page, selector: str, name: str, max_height: int = 0) -> None:
    """Wait for ``selector`` and save a PNG of that element alone as docs/img/NAME.

    A ``max_height`` (pixels) keeps only the element's top part.
    """
    element = page.wait_for_selector(selector, timeout=LOAD_MS)
    if max_height:  # Voila's page scrolls inside a container: shorten the element to fit the viewport
        element.evaluate("(el, h) => { el.style.maxHeight = h + 'px'; el.style.overflow = 'hidden'; }", max_height)
    element.scroll_into_view_if_needed()
    element.screenshot(path=str(IMG / name), animations="disabled")
    print("wrote", (IMG / name).relative_to(REPO))


def prepare_store(path: Path) -> str:
    """Fill a store with demo sessions and assignments; return the trainee with the most sessions."""
    roleplay("demo-data", "--trainees", str(DEMO_TRAINEES), "--sessions", str(DEMO_SESSIONS),
             "--seed", str(DEMO_SEED), "--store", str(path))  # fmt: skip
    known = {p.stem for p in (REPO / "scenarios").glob("*.yaml")}
    for scenario, group, due, mode, attempts in ASSIGNMENTS:
        if scenario not in known:
            raise SystemExit(f"no scenario {scenario!r} in scenarios/: update ASSIGNMENTS")
        roleplay("assign", scenario, "--group", group, "--due", due, "--mode", mode,
                 "--attempts", attempts, "--store", str(path))  # fmt: skip
    store = open_store(str(path), create=False)
    try:
        counts: dict[str, int] = {}
        for row in store.sessions():
            counts[row["trainee"]] = counts.get(row["trainee"], 0) + 1
        trainees = sorted(counts, key=lambda name: (-counts[name], name))
        by_scenario = {a["scenario_id"]: a for a in store.assignments()}
        # Played for the assignments, through the engine: on time, in two attempts, left unfinished, late.
        plays = ((0, 0, None), (0, 1, [2, 2]), (0, 1, None), (0, 2, 2), (2, 3, None), (2, 4, None))
        for which, trainee, replies in plays:
            assignment = by_scenario[ASSIGNMENTS[which][0]]
            scenario = load_scenario(REPO / "scenarios" / f"{assignment['scenario_id']}.yaml")
            textbook = scenario.model.tests[0].replies
            replies = textbook if replies is None else textbook[:replies] if isinstance(replies, int) else replies
            session = Session(scenario, trainee=trainees[trainee], recorder=store.assigned(assignment["id"]),
                              mode=assignment["mode"], seed=DEMO_SEED)  # fmt: skip
            for reply in replies:
                if session.finished:
                    break
                session.reply(reply)
    finally:
        store.close()
    return trainees[0]


def apps(browser, work: Path) -> None:
    """The practice app's assignments and "My progress", the studio's and the review lab's assignments."""
    for app in ("practice", "studio", "review"):
        (work / app).mkdir()
    trainee = prepare_store(work / "practice" / "results.sqlite")
    for app in ("studio", "review"):
        (work / app / "results.sqlite").write_bytes((work / "practice" / "results.sqlite").read_bytes())

    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(ACTION_MS)
    try:
        with serving(work / "practice", "--no-preheat") as server:
            page.goto(f"{server.url}?trainee={trainee}")
            page.wait_for_selector(".rp-assigned-row", timeout=LOAD_MS)
            page.wait_for_function(
                "(name) => document.querySelector('.rp-trainee input')?.value === name", arg=trainee, timeout=LOAD_MS
            )
            shoot(page, ".rp-corner", "practice-assignments.png")
            page.click(".rp-my-progress")
            shoot(page, ".rp-progress", "practice-progress.png", max_height=720)
        with serving(work / "studio", "--app", "studio", "--no-preheat", first_line="Scenario studio") as server:
            page.goto(server.url)
            page.wait_for_selector(".rp-assignments-box .rp-assignments", timeout=LOAD_MS)
            shoot(page, ".rp-assignments-box", "studio-assignments.png")
        with serving(work / "review", "--app", "review", "--no-preheat", first_line="Review lab") as server:
            page.goto(server.url)
            page.wait_for_selector(".rp-view-assignments .rp-assignment-report", timeout=LOAD_MS)
            shoot(page, ".rp-view-assignments", "review-assignments.png", max_height=700)
    finally:
        context.close()


def practice(browser, work: Path) -> None:
    """The practice app as a trainee meets it: the picker beside the briefing, a conversation with the
    briefing in its side panel, and a debrief that says why (a failed attempt)."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(ACTION_MS)

    def click_reply(n: int) -> None:
        lines = page.locator(".rp-customer").count()
        page.locator(".rp-choice").nth(n - 1).click()
        page.wait_for_function(
            "(n) => document.querySelectorAll('.rp-customer').length > n"
            " || !!document.querySelector('.rp-score-value')",
            arg=lines,
        )
        page.wait_for_selector(".rp-choice:not([disabled]), .rp-score-value")

    try:
        (work / "practice-shots").mkdir()
        with serving(work / "practice-shots", "--pool-size", "1") as server:
            page.goto(server.url, timeout=LOAD_MS)
            page.wait_for_selector(".rp-scenario", timeout=LOAD_MS)
            page.fill(".rp-trainee input", "Anna Kowalska")
            page.fill(".rp-search input", "dollhouse")
            page.wait_for_function("() => document.querySelectorAll('.rp-scenario:not(.rp-hidden)').length === 1")
            page.click(".rp-scenario:not(.rp-hidden)")
            page.wait_for_selector(".rp-start:not([disabled])")
            page.evaluate("() => window.scrollTo(0, 0)")
            page.screenshot(path=str(IMG / "practice-setup.png"), animations="disabled")
            print("wrote", (IMG / "practice-setup.png").relative_to(REPO))
            page.click(".rp-start")
            page.wait_for_selector(".rp-choice:not([disabled])", timeout=LOAD_MS)
            for reply in (1, 1):
                click_reply(reply)
            page.locator(".rp-chat").evaluate("el => el.scrollIntoView({block: 'center'})")
            page.screenshot(path=str(IMG / "practice-chat.png"), animations="disabled")
            print("wrote", (IMG / "practice-chat.png").relative_to(REPO))
            for reply in (1, 4, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1):  # an excuse at reply 4: a failed attempt
                if page.locator(".rp-score-value").count():
                    break
                click_reply(min(reply, page.locator(".rp-choice").count()))
            page.wait_for_selector(".rp-verdict")
            page.evaluate("() => window.scrollTo(0, 0)")
            shoot(page, ".rp-app", "practice-debrief.png", max_height=760)
    finally:
        context.close()


def hub_api(page: Page, method: str, path: str, body: dict | None = None) -> int:
    """Call the hub's REST API as the page's signed-in user (as the hub's admin page does)."""
    return page.evaluate(
        """async ([method, path, body]) => (await fetch('/hub/api/' + path, {method,
            headers: {'Content-Type': 'application/json', 'X-XSRFToken': window.jhdata.xsrf_token},
            body: body === null ? undefined : JSON.stringify(body)})).status""",
        [method, path, body],
    )


def sign_up(page: Page, url: str, name: str) -> None:
    page.goto(url + "hub/signup")
    page.fill("#username_input", name)
    page.fill("#password_input", PASSWORD)
    page.fill("#password_confirmation_input", PASSWORD)
    page.click("#signup_submit")
    page.wait_for_selector(".alert")


def sign_in(page: Page, url: str, name: str, next_url: str = "") -> None:
    page.goto(url + "hub/login" + (f"?next={next_url}" if next_url else ""))
    page.fill("#username_input", name)
    page.fill("#password_input", PASSWORD)
    page.click("#login_submit")


def hub(browser, work: Path) -> None:
    """The hub's sign-in page, /hub/authorize with sign-ups waiting, the role choice of a user in two groups."""
    with running_hub(work, str(work / "results.sqlite"), "--admin", "alice") as running:
        url = running.url
        people = {name: browser.new_context(viewport=VIEWPORT) for name in ("alice", "rita", "tomek", "zofia")}
        pages = {name: context.new_page() for name, context in people.items()}
        for page in pages.values():
            page.set_default_timeout(ACTION_MS)
        try:
            admin = pages["alice"]
            admin.goto(url + "hub/login")
            shoot(admin, "#login-main form, .auth-form-body, form", "hub-login.png")
            for name, page in pages.items():
                sign_up(page, url, name)
            sign_in(admin, url, "alice", next_url="/hub/authorize")
            admin.wait_for_url("**/hub/authorize**")
            admin.click('a[href$="/authorize/rita"]:has-text("Authorize")')  # one approved, two still waiting
            admin.wait_for_selector('a[href$="/authorize/rita"]:has-text("Unauthorize")')
            shoot(admin, ".container table, table", "hub-authorize.png")
            admin.goto(url + "hub/home")
            for path, body in (("users/rita", None), ("groups/reviewers/users", {"users": ["rita"]}),
                               ("groups/trainers/users", {"users": ["rita"]})):  # fmt: skip
                status = hub_api(admin, "POST", path, body)
                if status not in (200, 201):
                    raise SystemExit(f"the hub's API answered {status} to POST {path}")
            rita = pages["rita"]
            sign_in(rita, url, "rita")
            rita.wait_for_selector(".rp-role-choice", timeout=LOAD_MS)
            shoot(rita, "form:has(.rp-role-choice)", "hub-role-choice.png")
        finally:
            for context in people.values():
                context.close()


def main(argv: list[str] | None = None) -> None:
    """Make the screenshots.

    Args:
        argv: command-line arguments (``--only apps|hub``); None: ``sys.argv``.

    Returns:
        None.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(SHOTS), help="make one group of screenshots")
    args = parser.parse_args(argv)
    IMG.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="roleplay-screenshots-") as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for group, make in (("practice", practice), ("apps", apps), ("hub", hub)):
                if args.only in (None, group):
                    work = Path(tmp) / group
                    work.mkdir()
                    make(browser, work)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
