"""Real-browser fixtures: one `roleplay serve` (Voila) per test session, one Chromium, a fresh
browser context per page with every request that leaves 127.0.0.1 blocked.

The server is the process we start (`serve` execs Voila), in a session of its own so the
whole process group can be ended at the end. Its results store lives in a temporary folder.
A screenshot of every page a test opened is saved in ``test-artifacts/`` at the repo root.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from simulator import open_store

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # Nothing but this machine: every other host name is unresolvable (Voila's page links a stylesheet on a
    # CDN). No request waits for a Playwright route (a route over every request sends each one to the test).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
SERVER_START_TIMEOUT = 60.0  # seconds: Voila imports and fills its pool of preheated kernels
ACTION_TIMEOUT_MS = 15_000

# A turn is whole when the page shows one more customer line than before and the app is no longer busy
# (``rp-busy`` goes last in a turn: the reply buttons stay enabled while the kernel relabels them, and the
# debrief may still be on its way), with either the debrief or the reply buttons to answer.
TURN_DONE_JS = """
(before) => {
    if (document.querySelectorAll('.rp-customer').length <= before) return false;
    if (document.querySelector('.rp-busy')) return false;
    if (document.querySelector('.rp-score-value')) return true;
    const choices = [...document.querySelectorAll('.rp-choice')];
    return choices.length > 0 && choices.every(b => !b.disabled);
}
"""


class Server(NamedTuple):
    url: str
    store_path: Path
    log_path: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(proc: subprocess.Popen) -> None:
    """End the server's process group: SIGTERM (Voila shuts its kernels down), then SIGKILL."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        proc.wait(timeout=10)


def _wait_until_up(proc: subprocess.Popen, url: str, log_path: Path) -> None:
    """Poll the server (not the UI) until GET / answers 200, in a bounded loop."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    host, port = "127.0.0.1", urllib.parse.urlsplit(url).port
    last: object = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"roleplay serve exited with {proc.returncode}:\n{_log_tail(log_path)}")
        try:
            # A cheap TCP probe first: each GET / of the notebook takes a kernel.
            with socket.create_connection((host, port), timeout=0.5):
                pass
            with urllib.request.urlopen(url, timeout=20) as response:
                response.read()
                if response.status == 200:
                    return
                last = response.status
        except (OSError, urllib.error.URLError) as exc:
            last = exc
        time.sleep(0.2)
    raise RuntimeError(f"roleplay serve did not answer 200 at {url} ({last!r}):\n{_log_tail(log_path)}")


@contextlib.contextmanager
def launched(
    command: list[str],
    log_path: Path,
    url: str,
    cwd: Path = REPO,
    wait: Callable[[subprocess.Popen, str, Path], None] = _wait_until_up,
    stop: Callable[[subprocess.Popen], None] = _stop,
) -> Iterator[subprocess.Popen]:
    """A server process in a session of its own, its output in ``log_path``: ``wait`` until it answers at
    ``url``, then yielded; ``stop`` ends it on the way out, whatever happened."""
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    try:
        wait(proc, url, log_path)
        yield proc
    finally:
        stop(proc)


@contextlib.contextmanager
def serving(workdir: Path, *extra: str, first_line: str = "Practice app") -> Iterator[Server]:
    """`roleplay serve EXTRA…` on a free port with a fresh results store in workdir."""
    store_path = workdir / "results.sqlite"
    log_path = workdir / "serve.log"
    port = _free_port()
    command = [sys.executable, "-m", "simulator", "serve", "--port", str(port), "--store", str(store_path), *extra]
    url = f"http://127.0.0.1:{port}/"
    with launched(command, log_path, url):
        first = log_path.read_text(errors="replace").splitlines()[0]
        assert first == f"{first_line}: {url}", first
        yield Server(url, store_path, log_path)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`roleplay serve` on a free port with a fresh results store; yields (url, store_path, log)."""
    with serving(tmp_path_factory.mktemp("roleplay-serve"), "--pool-size", "2") as running:
        yield running


@pytest.fixture(scope="session")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    """`roleplay serve --app studio` over a copy of the scenario library; yields (server, library)."""
    work = tmp_path_factory.mktemp("studio")
    library = work / "scenarios"
    shutil.copytree(REPO / "scenarios", library)  # the studio may write; the repository's files stay as they are
    args = ("--app", "studio", "--scenarios", str(library), "--no-preheat")
    with serving(work, *args, first_line="Scenario studio") as running:
        yield running, library


@pytest.fixture(scope="session")
def review(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`roleplay serve --app review` (demo data: its store is empty)."""
    with serving(tmp_path_factory.mktemp("review"), "--app", "review", "--no-preheat", first_line="Review lab") as s:
        yield s


@pytest.fixture
def dialogs() -> list[str]:
    """Every alert/confirm/prompt any page of the test opened (each is dismissed)."""
    return []


VIEWPORT = {"width": 1280, "height": 900}
MAX_SHOT_HEIGHT = 12_000

# Voila's page scrolls inside its own containers, so a "full page" screenshot is the viewport:
# grow the viewport to the app's whole height for the picture, then put it back.
APP_HEIGHT_JS = """
() => {
    let el = document.querySelector('.rp-app') || document.body, height = 0;
    for (; el; el = el.parentElement) height = Math.max(height, el.scrollHeight);
    return height;
}
"""


def save_screenshot(page, name: str, full: bool = True) -> Path:
    """The whole app (``full``) or what a trainee sees in one 1280×900 window."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    if not full:
        page.screenshot(path=str(path))
        return path
    height = min(MAX_SHOT_HEIGHT, max(VIEWPORT["height"], int(page.evaluate(APP_HEIGHT_JS)) + 40))
    page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
    try:
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(VIEWPORT)
    return path


@pytest.fixture
def screenshot() -> Callable[..., Path]:
    """``screenshot(page, "name.png", full=True)``: the app into test-artifacts/."""
    return save_screenshot


def _artifact_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", nodeid.split("::")[-1]).strip("-")


@pytest.fixture
def open_page(browser, dialogs: list[str], request: pytest.FixtureRequest) -> Iterator[Callable[[], object]]:
    """A factory of pages, each in its own browser context (own cookies, own Voila kernel)."""
    from playwright.sync_api import Error as PlaywrightError

    opened: list[tuple[object, object]] = []

    def on_dialog(dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def make():
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.set_default_timeout(ACTION_TIMEOUT_MS)
        page.on("dialog", on_dialog)
        opened.append((context, page))
        return page

    yield make

    name = _artifact_name(request.node.nodeid)
    for i, (context, page) in enumerate(opened):
        if not page.is_closed():
            suffix = "" if i == 0 else f"-{i + 1}"
            with contextlib.suppress(PlaywrightError):  # a broken page still gets closed below
                save_screenshot(page, f"browser-{name}{suffix}.png")
            # Like a trainee closing the tab: Voila's beforeunload beacon ends the page's kernel.
            with page.expect_event("close"):
                page.close(run_before_unload=True)
        context.close()


@pytest.fixture
def page(open_page):
    return open_page()


@pytest.fixture
def results(server: Server) -> Iterator:
    """The server's results store, read from the test process."""
    store = open_store(str(server.store_path))
    yield store
    store.close()


def message_content(frame: str | bytes) -> dict:
    """The content of a kernel message as a page's websocket carries it (either protocol).

    Args:
        frame: one websocket frame: bytes in the v1 protocol (offsets, then channel, header, parent
            header, metadata, content, buffers), else the message as JSON text.

    Returns:
        The message's content (empty when it has none).
    """
    if isinstance(frame, bytes):
        count = int.from_bytes(frame[:8], "little")
        offsets = [int.from_bytes(frame[8 + 8 * i : 16 + 8 * i], "little") for i in range(count)] + [len(frame)]
        parts = [frame[offsets[i] : offsets[i + 1]] for i in range(count)]
        return json.loads(parts[4]) if len(parts) > 4 else {}
    return json.loads(frame).get("content", {})
