"""A page whose opening stops at one step says so (simulator/ui/static/page/stuck.js): the lab's Voila server
(``simulator.webapp``) serving a notebook whose second cell waits as long as its address asks, in real Chromium.
"""

from __future__ import annotations

import re
import sys
import urllib.request
from collections.abc import Iterator

import nbformat
import pytest

from simulator import webapp

from .conftest import _free_port, launched

pytestmark = pytest.mark.browser

# The second cell waits the seconds the page's address gives (?wait=N; Voila puts the query string in the
# environment of a kernel it starts for a page), as a kernel whose cell does not finish.
WAITING_CELL = """
import os, time, urllib.parse
time.sleep(float(urllib.parse.parse_qs(os.environ.get("QUERY_STRING", "")).get("wait", ["0"])[0]))
print("opened")
"""


@pytest.fixture(scope="module")
def waiting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("stuck")
    notebook = work / "waiting.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell(WAITING_CELL)]
    nbformat.write(nb, notebook)
    port = _free_port()
    command = [sys.executable, "-m", "simulator.webapp", str(notebook), "--no-browser", f"--port={port}"]
    url = f"http://127.0.0.1:{port}/"
    with launched(command, work / "server.log", url):
        yield url


def test_a_page_stuck_opening_says_so_and_offers_a_reload(open_page, waiting) -> None:
    page = open_page()
    page.goto(f"{waiting}?wait=600&rp-stuck-after=2", wait_until="commit")
    page.wait_for_selector("#loading_text:has-text('Executing')")  # Voila's spinner, at the waiting cell
    note = page.wait_for_selector(".rp-stuck[role=alert]")
    assert "taking longer than it should" in note.inner_text()
    assert "Odśwież stronę" in note.inner_text()  # and in Polish
    assert page.locator("#loading").is_visible()  # still opening: nothing else to do but reload
    with page.expect_event("framenavigated"):
        page.click(".rp-stuck-reload")


def test_the_note_goes_when_a_slow_page_opens_after_all(open_page, waiting) -> None:
    page = open_page()
    page.goto(f"{waiting}?wait=8&rp-stuck-after=2", wait_until="commit")
    page.wait_for_selector(".rp-stuck")  # 2 s at one step
    page.wait_for_selector("text=opened")  # the cell finished and the page shows its cells
    page.wait_for_selector(".rp-stuck", state="detached")


def test_a_page_that_opens_at_once_never_shows_the_note(open_page, waiting) -> None:
    page = open_page()
    page.goto(f"{waiting}?rp-stuck-after=30", wait_until="commit")
    page.wait_for_selector("text=opened")
    page.wait_for_selector("#loading", state="detached")
    assert page.locator(".rp-stuck").count() == 0


def test_a_page_whose_scripts_fail_to_load_says_so_at_once(open_page, waiting) -> None:
    page = open_page()
    # Voila's scripts come in chunks its loader asks for as it starts: none of them arrives here.
    page.route("**/voila/static/*.voila.js", lambda route: route.abort())
    page.goto(f"{waiting}?rp-stuck-after=600", wait_until="commit")
    note = page.wait_for_selector(".rp-stuck[role=alert]")  # long before 600 s at one step
    assert "Part of the page did not load" in note.inner_text()
    assert "Część strony się nie wczytała" in note.inner_text()
    assert page.locator("#loading").is_visible()
    with page.expect_event("framenavigated"):
        page.click(".rp-stuck-reload")


def test_the_scripts_loaders_wait_longer_than_120_s_for_a_chunk(waiting) -> None:
    # Voila's webpack runtime and the widget extension's give up on a chunk after 120 s (12e4 ms): the lab's
    # server sends them with CHUNK_TIMEOUT_MS, and its length in Content-Length.
    page = urllib.request.urlopen(waiting, timeout=60).read().decode()
    entry = re.search(r'"load": "(static/remoteEntry\.\w+\.js)", "name": "@jupyter-widgets/jupyterlab-manager"', page)
    assert entry is not None, "the page names the widgets' remoteEntry"
    for path in ("voila/static/voila.js", f"voila/labextensions/@jupyter-widgets/jupyterlab-manager/{entry[1]}"):
        with urllib.request.urlopen(waiting + path, timeout=60) as response:
            body = response.read()
            assert int(response.headers["Content-Length"]) == len(body)
        assert b'{type:"timeout",target:' in body, path  # webpack's loader, as Voila ships it
        assert b"),12e4)" not in body, path
        assert b"),%d)" % webapp.CHUNK_TIMEOUT_MS in body, path
