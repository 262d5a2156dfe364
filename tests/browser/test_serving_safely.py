"""`roleplay serve` is safe to leave running: no script from a link, no other site's pages, no
shut-down kernels without the page's token, and no session left "in progress" by a page that vanished.

Real servers (the session's practice app, the studio and the review lab from conftest, and one
here that ends abandoned pages after a few seconds), real Chromium, and raw HTTP and websocket
requests with forged headers. Waits are on the page or bounded polls of the server or the store.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import http.client
import json
import re
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from simulator import open_store

from .conftest import Server, message_content, serving
from .test_practice_app import (
    FIRST_WIDGET_MS,
    begin,
    choose_scenario,
    click_choice,
    open_app,
    scenario_by_id,
    the_session,
    unique,
    wait_for_status,
)

pytestmark = pytest.mark.browser

FIRST_RENDER_MS = 120_000  # the studio and the review lab run their whole notebook for each page
ABANDON_AFTER = 8  # seconds, for the server below: long enough for a page to connect to its kernel
CONNECT_GRACE = 20  # seconds it gives a page that has not connected yet

# ---------------------------------------------------------------- raw HTTP


def _port(server: Server) -> int:
    return urllib.parse.urlsplit(server.url).port


def request(server: Server, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
    """One HTTP request to the server at 127.0.0.1, with any headers (a forged Host too).

    Returns:
        (status, headers, body text).
    """
    connection = http.client.HTTPConnection("127.0.0.1", _port(server), timeout=120)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def page_kernel(server: Server) -> tuple[str, str | None]:
    """GET the page as a script would: the kernel it was given and the _xsrf cookie it set (or None)."""
    status, headers, body = request(server, "GET", "/")
    assert status == 200, body[:500]
    kernel = re.search(r'"kernelId": "([0-9a-f-]{36})"', body)
    assert kernel, "the page names no kernel"
    cookies = [c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or []]
    xsrf = next((c.split("=", 1)[1] for c in cookies if c.startswith("_xsrf=")), None)
    return kernel.group(1), xsrf


def kernel_alive(server: Server, kernel: str) -> bool:
    status, _headers, body = request(server, "GET", f"/api/kernels/{kernel}")
    assert status in (200, 404), (status, body)
    return status == 200


def websocket_status(server: Server, kernel: str, headers: dict) -> int:
    """The status of a kernel websocket handshake with these headers: 101 when it opened."""

    async def connect() -> int:
        url = f"ws://127.0.0.1:{_port(server)}/api/kernels/{kernel}/channels"
        try:
            ws = await websocket_connect(HTTPRequest(url, headers=headers, request_timeout=30))
        except HTTPClientError as exc:
            return exc.code
        ws.close()
        # Wait until it is closed: a socket left open when this loop ends is reported (a ResourceWarning) in
        # whichever later test next makes a tornado loop.
        while await asyncio.wait_for(ws.read_message(), 30) is not None:
            pass
        return 101

    # Playwright's sync API keeps an event loop running in this thread: connect from another one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, connect()).result()


# ---------------------------------------------------------------- 1. no script from a link

PAYLOAD = '"><b id=pwned>{name}</b><script>alert("{name}")</script><img src=x onerror=alert("{name}")>'
APP_READY = {
    "practice": ".rp-trainee input",
    "studio": ".rp-diagram-view svg g.node",
    "review": ".rp-view-matrix table",
}


def _served(app: str, request: pytest.FixtureRequest) -> Server:
    if app == "practice":
        return request.getfixturevalue("server")
    if app == "studio":
        return request.getfixturevalue("studio")[0]
    return request.getfixturevalue("review")


def _nothing_ran(page, dialogs: list[str]) -> None:
    assert page.locator("#pwned").count() == 0, "markup from the address reached the page"
    assert page.locator("img[src='x']").count() == 0
    assert dialogs == [], dialogs


@pytest.mark.parametrize("app", list(APP_READY))
def test_script_in_the_address_never_runs(app, open_page, dialogs, request) -> None:
    served = _served(app, request)
    # Voila writes ?theme= and ?template= into the page: anything but light or dark is refused.
    for name in ("theme", "template"):
        page = open_page()
        response = page.goto(served.url + "?" + urllib.parse.urlencode({name: PAYLOAD.format(name=name)}))
        _nothing_ran(page, dialogs)
        assert "pwned" not in page.content()
        assert response is not None and response.status == 400, (name, response and response.status)
    # Every parameter the apps read (and one they do not) shown as text or ignored, never run.
    params = {p: PAYLOAD.format(name=p) for p in ("scenario", "trainee", "lang", "token", "next", "other")}
    page = open_page()
    page.goto(served.url + "?" + urllib.parse.urlencode(params), timeout=FIRST_RENDER_MS)
    page.wait_for_selector(APP_READY[app], timeout=FIRST_RENDER_MS)
    _nothing_ran(page, dialogs)
    if app == "practice":
        page.wait_for_function(
            "() => document.querySelector('.rp-error').innerText.includes('<b id=pwned>scenario</b>')",
            timeout=FIRST_WIDGET_MS,
        )
        _nothing_ran(page, dialogs)


def test_light_and_dark_are_still_taken_from_the_address(server) -> None:
    for theme in ("light", "dark"):
        status, _headers, body = request(server, "GET", f"/?theme={theme}")
        assert status == 200 and f"theme-{theme}" in body, theme


# ---------------------------------------------------------------- 2. served names and own pages only


def test_a_host_the_server_is_not_served_under_is_refused(server) -> None:
    port = _port(server)
    for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1.evil.example:{port}", f"localhost.x:{port}"):
        for path in ("/", "/login", "/voila/api/shutdown/00000000-0000-0000-0000-000000000000"):
            method = "POST" if "shutdown" in path else "GET"
            status, _headers, _body = request(server, method, path, headers={"Host": host})
            assert status == 403, (host, path, status)
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", "localhost"):
        status, _headers, _body = request(server, "GET", "/login", headers={"Host": host})
        assert status != 403, (host, status)


def test_a_websocket_from_another_site_is_refused(server) -> None:
    port = _port(server)
    kernel, _xsrf = page_kernel(server)
    foreign = [
        {"Origin": f"http://evil.example:{port}"},
        {"Origin": f"http://evil.example:{port}", "Host": f"evil.example:{port}"},  # DNS rebinding
        {"Origin": "null"},
        {"Origin": f"http://127.0.0.1:{port + 1}"},
    ]
    for headers in foreign:
        assert websocket_status(server, kernel, headers) == 403, headers
    assert websocket_status(server, kernel, {"Origin": f"http://127.0.0.1:{port}"}) == 101
    assert kernel_alive(server, kernel)


# ---------------------------------------------------------------- 3. XSRF


def test_a_kernel_is_not_shut_down_without_the_pages_xsrf_token(server) -> None:
    port = _port(server)
    kernel, xsrf = page_kernel(server)
    # No token: the kernel lives.
    for method, path in (("POST", f"/voila/api/shutdown/{kernel}"), ("DELETE", f"/api/kernels/{kernel}")):
        status, _headers, body = request(server, method, path, body=b"")
        assert status == 403, (method, path, status, body[:300])
        assert kernel_alive(server, kernel)
    assert xsrf, "the page sets no _xsrf cookie for its unload beacon"
    # The token, but from another site's page: refused as well.
    form = urllib.parse.urlencode({"_xsrf": xsrf}).encode()
    cross_site = {
        "Cookie": f"_xsrf={xsrf}",
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": "http://evil.example",
    }
    status, _headers, _body = request(server, "POST", f"/voila/api/shutdown/{kernel}", cross_site, form)
    assert status == 403
    assert kernel_alive(server, kernel)
    # What Voila's unload beacon sends from the page itself: the kernel is shut down.
    own = {**cross_site, "Origin": f"http://127.0.0.1:{port}"}
    status, _headers, body = request(server, "POST", f"/voila/api/shutdown/{kernel}", own, form)
    assert status == 204, (status, body[:300])
    assert not kernel_alive(server, kernel)


# ---------------------------------------------------------------- 9. a page gone without a word


@pytest.fixture(scope="module")
def abandoning(tmp_path_factory) -> Iterator[Server]:
    """A practice app that ends pages gone for ABANDON_AFTER seconds (a kernel per page, no pool)."""
    work = tmp_path_factory.mktemp("abandoning")
    args = ("--abandon-after", str(ABANDON_AFTER), "--page-connect-grace", str(CONNECT_GRACE), "--no-preheat")
    args += ("--verbose",)  # its log tells when kernels are culled
    with serving(work, *args) as running:
        yield running


def kernel_of(page) -> str:
    return page.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")


def test_a_page_gone_without_unloading_is_abandoned(open_page, abandoning) -> None:
    scenario = scenario_by_id("vip-stylist-away")
    trainee = unique("lid-closed")
    page = open_page()
    begin(page, abandoning.url, scenario, trainee)
    click_choice(page, 1)
    store = open_store(str(abandoning.store_path))
    try:
        row = the_session(store, trainee)
        assert row["status"] == "in_progress"
        # The lid closes: no unload beacon reaches the server, the page's connections just end.
        beacons: list[str] = []
        page.context.route("**/voila/api/shutdown/**", lambda route: (beacons.append(route.request.url), route.abort()))
        page.context.close()
        row = wait_for_status(store, row["id"], "abandoned", timeout=ABANDON_AFTER + 60)
        assert row["status"] == "abandoned", f"still {row['status']} (beacons aborted: {beacons})"
        assert len(store.turns(row["id"])) == 1
    finally:
        store.close()


def test_an_open_idle_page_keeps_its_kernel(page, abandoning) -> None:
    scenario = scenario_by_id("angry-late-delivery")
    open_app(page, abandoning.url)
    kernel = kernel_of(page)
    # Bounded poll of the server: wait until the kernel has been idle well past ABANDON_AFTER.
    deadline = time.monotonic() + ABANDON_AFTER + 60
    while True:
        status, _headers, body = request(abandoning, "GET", f"/api/kernels/{kernel}")
        assert status == 200, f"the open page's kernel was ended ({status})"
        last = dt.datetime.fromisoformat(json.loads(body)["last_activity"])
        idle = (dt.datetime.now(dt.UTC) - last).total_seconds()
        if idle > ABANDON_AFTER + 4:
            break
        assert time.monotonic() < deadline, f"the kernel never stayed idle (idle {idle:.1f} s)"
        time.sleep(0.25)
    assert kernel_alive(abandoning, kernel)
    page.fill(".rp-trainee input", unique("still-here"))
    choose_scenario(page, scenario)  # the page still works


def idle_seconds(server: Server, kernel: str) -> float:
    status, _headers, body = request(server, "GET", f"/api/kernels/{kernel}")
    assert status == 200, f"the kernel was ended ({status})"
    last = dt.datetime.fromisoformat(json.loads(body)["last_activity"])
    return (dt.datetime.now(dt.UTC) - last).total_seconds()


def test_a_page_slow_to_connect_keeps_its_kernel_until_the_grace_ends(abandoning) -> None:
    """A class of 50 on two cores kept browsers busy for minutes between a page's kernel running and the page
    connecting to it; kernels ended at --abandon-after left those pages blank for good."""
    kernel, _xsrf = page_kernel(abandoning)  # the page is served; no browser ever connects to its kernel
    deadline = time.monotonic() + CONNECT_GRACE + 60
    while idle_seconds(abandoning, kernel) < ABANDON_AFTER + 4:  # bounded poll of the server
        assert time.monotonic() < deadline, "the kernel never stayed idle"
        time.sleep(0.25)
    assert kernel_alive(abandoning, kernel), "ended at --abandon-after although its page never connected"
    while kernel_alive(abandoning, kernel):  # after the grace it counts as abandoned
        assert time.monotonic() < deadline, f"still running {CONNECT_GRACE} s after its page never came"
        time.sleep(0.5)
    assert "Culling" in abandoning.log_path.read_text(errors="replace")


# ---------------------------------------------------------------- kernels: forked, over local sockets


def kernel_process(kernel: str) -> int:
    """The process of a kernel, by the connection file its command line names (forked ones too)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f"kernel-{kernel}.json" in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    return int(entry.name)
            except OSError:
                continue
    raise AssertionError(f"no process for kernel {kernel}")


def parent_command(pid: int) -> str:
    stat = Path(f"/proc/{pid}/stat").read_text()
    ppid = int(stat.rsplit(")", 1)[1].split()[1])
    return Path(f"/proc/{ppid}/cmdline").read_bytes().decode().replace("\0", " ")


def test_the_practice_apps_kernels_are_forked_and_reachable_only_by_local_sockets(server, page) -> None:
    scenario = scenario_by_id("angry-late-delivery")
    trainee = unique("forked")
    begin(page, server.url, scenario, trainee)
    click_choice(page, 1)  # the forked kernel plays and stores like any other
    kernel = kernel_of(page)
    pid = kernel_process(kernel)
    assert "simulator.forkserver" in parent_command(pid)
    command = Path(f"/proc/{pid}/cmdline").read_bytes().decode()
    connection = json.loads(Path(re.search(r"(\S*kernel-[0-9a-f-]{36}\.json)", command).group(1)).read_text())
    assert connection["transport"] == "ipc" and not connection["ip"].startswith(("127.", "0.0.0.0"))
    assert Path(f"{connection['ip']}-{connection['shell_port']}").is_socket()
    store = open_store(str(server.store_path))
    try:
        assert len(store.turns(the_session(store, trainee)["id"])) == 1
    finally:
        store.close()
    log = server.log_path.read_text()
    assert "Kernel is running over TCP" not in log
    # a quiet start: the lab's notebook is trusted, and Voila's routine lines are not shown
    assert "is not trusted" not in log and "Kernel started" not in log and "Voilà is running at" not in log


def _sent_widget_requests(frames: list) -> list[str]:
    """The widget messages a page sent its kernel (``request_states``, ``request_state``, …), by method."""
    methods = [(message_content(frame).get("data") or {}).get("method") for frame in frames]
    return [method for method in methods if method]


def test_a_forked_kernel_hands_the_page_every_widget_in_one_answer(server, page) -> None:
    """The fork server imported ipywidgets before any kernel existed; the kernel must still answer the
    widgets' control channel, or the page asks for each widget's state in turn (56 round trips)."""
    sent: list = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(frame)))
    open_app(page, server.url, "?scenario=angry-late-delivery")
    page.wait_for_selector(".rp-start:not([disabled])")
    methods = _sent_widget_requests(sent)
    assert methods.count("request_states") == 1 and "request_state" not in methods, methods
    assert "simulator.forkserver" in parent_command(kernel_process(kernel_of(page)))


def test_no_fork_starts_kernels_as_their_own_processes(open_page, tmp_path_factory) -> None:
    with serving(tmp_path_factory.mktemp("no-fork"), "--no-fork", "--pool-size", "1") as running:
        page = open_page()
        scenario = scenario_by_id("angry-late-delivery")
        trainee = unique("unforked")
        begin(page, running.url, scenario, trainee)
        click_choice(page, 1)
        pid = kernel_process(kernel_of(page))
        assert "ipykernel_launcher" in Path(f"/proc/{pid}/cmdline").read_bytes().decode()
        assert "simulator.webapp" in parent_command(pid)
        store = open_store(str(running.store_path))
        try:
            assert len(store.turns(the_session(store, trainee)["id"])) == 1
        finally:
            store.close()


def test_the_practice_page_loads_only_the_widgets_extensions(server, page) -> None:
    """Voila loads every JupyterLab extension installed unless told; the practice page needs ipywidgets' only
    (the studio adds anywidget for its editor, tests/browser/test_studio_editor.py)."""
    loaded: list[str] = []
    page.on("request", lambda request: loaded.append(urllib.parse.urlparse(request.url).path))
    open_app(page, server.url, "?scenario=angry-late-delivery")
    page.wait_for_selector(".rp-start:not([disabled])")
    extensions = {
        path.split("/labextensions/")[1].rsplit("/static/", 1)[0]
        for path in loaded
        if "/static/" in path and "/labextensions/" in path
    }
    assert extensions == {"@jupyter-widgets/jupyterlab-manager", "@voila-dashboards/widgets-manager8"}, extensions
