"""A class of trainees arriving together at one `roleplay serve`, in a real browser (Voila + Chromium).

Run from the repository root::

    python benchmarks/bench_class.py                    # N = 10, 25 and 50
    python benchmarks/bench_class.py --sizes 10,25      # chosen sizes
    python benchmarks/bench_class.py --quick            # N = 4: a smoke run
    python benchmarks/bench_class.py --browsers 5       # 5 trainees in Chromium, the others on the wire

For each size N it runs, one after the other, on fresh servers with fresh stores in a temporary folder:

- **bare**: a bare one-button Voila notebook (``python -m voila bare.ipynb``, Voila's defaults), the
  floor Voila itself sets: N pages, each timed from navigation to its button;
- **app**: the practice app as ``roleplay serve`` runs it by default (a pool of 2 preheated kernels);
- **class**: the practice app with ``roleplay serve --class-size N`` (N kernels warm before the class
  arrives; the benchmark waits for the server's "Class: N of N kernels ready").

N trainees arrive within 5 s (seeded uniform arrival times), each in its own browser context of one
headless Chromium (``/usr/bin/chromium``, Python playwright's async API), opening
``/?scenario=angry-late-delivery&trainee=…``, clicking Start and then option 1 until the debrief,
reading 2-6 s before each click (``--think 0.5,0.5``: a stress run, every trainee clicking in step).
Timed: page → first reply button (navigation to the first ``.rp-choice``; bare: to its button) and
click → the customer's next line (timed in the page). Afterwards every trainee's session is read from
the server's store: completed, with one stored turn per click. The server's CPU seconds (the Voila
server and every kernel it started, summed from /proc over the run, sampled every 0.25 s so kernels that
end are counted) per page are printed apart from the browser's, with the kernels' resident memory.

In the default run the N headless pages share the machine's two cores with the server, and while a class
plays they take most of them, so a click waits for its own page's share of the cores. ``--browsers K``
plays K trainees in Chromium and the others on the wire (``wire.py``): each fetches the page, every file one
real page fetched (recorded before the run) and the kernel's websocket, and clicks as a page does, so the
server does the same work while the trainees' browsers cost nothing here, as when each trainee has a
machine of their own. Click -> next line is then timed in the K Chromium pages (and, apart, on the wire:
from sending the click to the message bringing the customer's line).

Each figure is printed with its target and whether it is met. The machine is shared: the load average
is printed at the start and the end of each run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from benchstats import CHROMIUM  # the benchmarks folder is on sys.path
from benchstats import CHROMIUM_ARGS as BASE_CHROMIUM_ARGS
from wire import WirePage, customer_lines, first_choice, idle, start_button

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CHROMIUM_ARGS = [*BASE_CHROMIUM_ARGS, "--disable-dev-shm-usage"]  # 50 contexts: /dev/shm is small
SCENARIO = "angry-late-delivery"
BARE_SOURCE = 'import ipywidgets as w\nb = w.Button(description="go")\nb.add_class("bare-button")\nb'
ARRIVAL_S = 5.0
PAGE_TIMEOUT_MS = 480_000  # the measurement gave up after 8 minutes
CLICK_TIMEOUT_MS = 120_000
# A trainee reads the customer's line (20-40 words) and chooses before answering: seconds, uniform in this
# range, seeded per trainee. ``--think 0.5,0.5`` is a stress run: every trainee clicking in step twice a second.
THINK_S = (2.0, 6.0)
HZ = os.sysconf("SC_CLK_TCK")
perf = time.perf_counter

# Targets (issue 11)
TARGET_FIRST_REPLY = 1.2  # app p95 page -> first reply / bare p95 page -> button
TARGET_FIRST_REPLY_CLASS = 1.0
TARGET_CLICK_P95 = 0.250  # s, at N = 50
TARGET_CPU = 1.5  # server CPU per page, app / bare
TARGET_RSS = 1.5  # kernel RSS, app / bare


# ---------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, utime + stime ticks) of a process, or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[1]), int(fields[11]) + int(fields[12])


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return math.nan


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class TreeCpu:
    """CPU seconds used by a process and all its descendants, dead ones included (sampled)."""

    def __init__(self, root: int, only: str = ""):
        self.root, self.only = root, only  # only: count processes whose command line contains this
        self._kept: dict[int, bool] = {}
        self.last: dict[int, int] = {}  # pid -> ticks last seen
        self.base: dict[int, int] = {}  # pid -> ticks when counting began
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tree(self) -> list[int]:
        table = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                got = proc_stat(int(entry.name))
                if got:
                    table[int(entry.name)] = got
        children: dict[int, list[int]] = {}
        for pid, (ppid, _ticks) in table.items():
            children.setdefault(ppid, []).append(pid)
        found, todo = [], [self.root]
        while todo:
            pid = todo.pop()
            if pid in table:
                found.append(pid)
                if self.only and self._kept.setdefault(pid, self.only in cmdline(pid)) is False:
                    pass
                else:
                    self.last[pid] = table[pid][1]
            todo.extend(children.get(pid, []))
        return found

    def start(self, sampled: bool = True) -> None:
        """Count from now; ``sampled``: read the tree four times a second too (a process that ends between two
        reads is otherwise missed), for trees whose processes come and go."""
        self.tree()
        self.base = dict(self.last)
        if sampled:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self.tree()

    def used(self) -> float:
        """CPU seconds since counting began, read now."""
        self.tree()
        return sum(t - self.base.get(pid, 0) for pid, t in self.last.items()) / HZ

    def stop(self) -> float:
        self._stop.set()
        if self._thread:
            self._thread.join()
        return self.used()

    def kernels(self) -> list[int]:
        return [pid for pid in self.tree() if "ipykernel_launcher" in cmdline(pid)]


class Server:
    def __init__(self, name: str, command: list[str], cwd: Path, log: Path, port: int):
        self.name, self.command, self.cwd, self.log_path, self.port = name, command, cwd, log, port
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            self.command, cwd=self.cwd, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def wait_for(self, pattern: str, timeout: float) -> bool:
        deadline = perf() + timeout
        while perf() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_text()[-2000:]}")
            if re.search(pattern, self.log_text()):
                return True
            time.sleep(0.2)
        return False

    def wait_listening(self, timeout: float = 120.0) -> None:
        deadline = perf() + timeout
        while perf() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} not listening after {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc is None:
            return
        tree = TreeCpu(self.proc.pid).tree()
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        except ProcessLookupError:
            pass
        time.sleep(0.5)
        for pid in tree:  # kernels live in sessions of their own
            if pid != self.proc.pid and proc_stat(pid) is not None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
        self.log.close()
        self.proc = None


def wait_quiet(root_pids: list[int], busy: float = 0.05, window: float = 2.0, timeout: float = 300.0) -> float:
    """Wait until the processes (and descendants) use under ``busy`` of a CPU for ``window`` seconds."""
    began = perf()
    trees = [TreeCpu(pid) for pid in root_pids]
    for t in trees:
        t.tree()
    samples: list[tuple[float, float]] = []
    before = sum(sum(t.last.values()) for t in trees)
    while perf() - began < timeout:
        time.sleep(0.5)
        for t in trees:
            t.last = {}
            t.tree()
        now = sum(sum(t.last.values()) for t in trees)
        samples.append((perf(), max(0, now - before) / HZ))
        before = now
        recent = [u for at, u in samples if at > perf() - window]
        if perf() - began >= window and sum(recent) < busy * window:
            break
    return perf() - began


# ---------------------------------------------------------------- trainees

CLICK_JS = """
() => new Promise((resolve, reject) => {
  const count = () => document.querySelectorAll('.rp-customer').length;
  const before = count();
  const button = document.querySelector('.rp-choice:enabled');
  if (!button) { reject(new Error('no enabled .rp-choice')); return; }
  const t0 = performance.now();
  const observer = new MutationObserver(() => {
    if (count() > before) { observer.disconnect(); resolve(performance.now() - t0); }
  });
  observer.observe(document.body, {childList: true, subtree: true, characterData: true});
  button.click();
  setTimeout(() => { observer.disconnect(); reject(new Error('no new customer line after 120 s')); }, 120000);
})
"""


@dataclass
class Trainee:
    name: str
    arrival: float
    think: random.Random = field(default_factory=random.Random)
    first: float = math.nan  # page -> first reply button (bare: its button)
    clicks: list[float] = field(default_factory=list)
    error: str = ""
    stage: str = "opening the page"
    kernel: str = ""
    open_cpu: float = math.nan  # the page's kernel's CPU seconds when the first reply button showed
    open_rss: float = math.nan  # and its resident memory, MB
    seen: PageSeen | None = None
    wire: bool = False  # played on the wire (wire.py), not in Chromium


@dataclass
class PageSeen:
    """What a trainee's browser saw of its page, for the report of a page that failed: whether the page's
    HTML arrived whole (Voila streams it while the notebook runs), the kernel's websocket, the page's errors."""

    document: str = "still arriving"
    kernel_socket: str = "never opened"
    errors: list[str] = field(default_factory=list)

    def watch(self, page) -> None:
        def finished(request) -> None:
            if request.resource_type == "document":
                self.document = "whole"

        def failed(request) -> None:
            if request.resource_type == "document":
                self.document = f"failed ({request.failure})"

        def socket(ws) -> None:
            if "/channels" in ws.url:
                self.kernel_socket = "open"
                ws.on("close", lambda _ws: setattr(self, "kernel_socket", "closed"))

        page.on("requestfinished", finished)
        page.on("requestfailed", failed)
        page.on("websocket", socket)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)[:120]))
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text[:120]))

    def __str__(self) -> str:
        last = f", the last: {self.errors[-1]!r}" if self.errors else ""
        return f"HTML {self.document}; kernel websocket {self.kernel_socket}; {len(self.errors)} errors{last}"


def kernel_pid(kernel_id: str) -> int | None:
    """The process of a Jupyter kernel, by the connection file its command line names."""
    needle = f"kernel-{kernel_id}.json"
    with os.scandir("/proc") as entries:
        for entry in entries:
            if entry.name.isdigit() and needle in cmdline(int(entry.name)):
                return int(entry.name)
    return None


KERNEL_ID_JS = "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId || ''"


async def note_kernel(page, t: Trainee) -> None:
    t.kernel = await page.evaluate(KERNEL_ID_JS)
    note_kernel_pid(t)


def note_kernel_pid(t: Trainee) -> None:
    pid = kernel_pid(t.kernel) if t.kernel else None
    got = proc_stat(pid) if pid else None
    if got:
        t.open_cpu, t.open_rss = got[1] / HZ, rss_mb(pid)


class Gate:
    """Every trainee waits here after the first reply (or a failure) until all have opened their page:
    the server's CPU to open N pages is read then, before anyone plays."""

    def __init__(self, n: int, on_open):
        self.left, self.on_open, self.event = n, on_open, asyncio.Event()

    async def arrive(self) -> None:
        self.left -= 1
        if self.left == 0:
            self.on_open()
            self.event.set()
        await self.event.wait()


async def trainee(browser, url: str, t: Trainee, app: bool, start: float, gate: Gate) -> None:
    await asyncio.sleep(max(0.0, start + t.arrival - time.monotonic()))
    context = await browser.new_context()
    page = await context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    t.seen = PageSeen()
    t.seen.watch(page)
    t._context = context  # closed by the run, after the CPU is counted
    arrived = False
    try:
        t0 = perf()
        await page.goto(url, wait_until="commit", timeout=PAGE_TIMEOUT_MS)
        if not app:
            await page.wait_for_selector(".bare-button", state="visible")
            t.first = perf() - t0
            await note_kernel(page, t)
            arrived = True
            await gate.arrive()
            return
        t.stage = "waiting for Start"
        await page.wait_for_selector(".rp-start:enabled", state="visible")
        await page.click(".rp-start")
        t.stage = "waiting for the first reply"
        await page.wait_for_selector(".rp-choice:enabled", state="visible")
        t.stage = "playing"
        t.first = perf() - t0
        await note_kernel(page, t)
        arrived = True
        await gate.arrive()
        for _ in range(100):
            await asyncio.sleep(t.think.uniform(*THINK_S))
            ms = await page.evaluate(CLICK_JS)
            t.clicks.append(ms / 1000)
            await page.wait_for_selector(  # the turn is whole when the app is no longer busy (rp-busy goes last)
                ".rp-app:not(.rp-busy) .rp-choice:enabled, .rp-app:not(.rp-busy) .rp-again:enabled",
                state="visible",
                timeout=CLICK_TIMEOUT_MS,
            )
            if await page.locator(".rp-score-value").count():
                break
        else:
            t.error = "no debrief after 100 clicks"
    except Exception as exc:
        t.error = f"{type(exc).__name__} {t.stage}: {str(exc).splitlines()[0][:160]}"
        with contextlib.suppress(Exception):  # what the trainee saw
            seen = " ".join((await page.inner_text("body", timeout=5000)).split())
            t.error += f" | page: {seen[:200]!r}"
        t.error += f" | {t.seen}"
        if not arrived:
            await gate.arrive()


async def wire_trainee(url: str, assets: list[str], t: Trainee, app: bool, start: float, gate: Gate) -> None:
    """A trainee whose page is played on the wire (``wire.WirePage``): the same requests, clicks and think
    times as ``trainee``, with no browser. A click is timed from sending it to the message that brings the
    customer's next line."""
    await asyncio.sleep(max(0.0, start + t.arrival - time.monotonic()))
    page = WirePage(url, assets)
    t._page = page  # closed by the run, after the CPU is counted
    w = page.widgets
    arrived = False
    try:
        t0 = perf()
        await page.open(PAGE_TIMEOUT_MS / 1000)
        t.kernel = page.kernel
        if not app:
            await w.until(lambda: bool(w.with_class("bare-button")), PAGE_TIMEOUT_MS / 1000)
        else:
            t.stage = "waiting for Start"
            await w.until(lambda: start_button(w) is not None, PAGE_TIMEOUT_MS / 1000)
            page.click(start_button(w))
            t.stage = "waiting for the first reply"
            await w.until(lambda: first_choice(w) is not None and idle(w), PAGE_TIMEOUT_MS / 1000)
        t.first = perf() - t0
        note_kernel_pid(t)
        arrived = True
        await gate.arrive()
        if not app:
            return
        t.stage = "playing"
        for _ in range(100):
            await asyncio.sleep(t.think.uniform(*THINK_S))
            before, button = customer_lines(w), first_choice(w)
            sent = perf()
            page.click(button)
            answered = await w.until(lambda before=before: customer_lines(w) > before, CLICK_TIMEOUT_MS / 1000)
            t.clicks.append(answered - sent)
            await w.until(lambda: idle(w), CLICK_TIMEOUT_MS / 1000)
            if w.html_containing("rp-score-value"):
                break
        else:
            t.error = "no debrief after 100 clicks"
    except Exception as exc:
        t.error = f"{type(exc).__name__} {t.stage} (on the wire): {str(exc)[:160]}"
        if not arrived:
            await gate.arrive()


async def page_assets(url: str) -> list[str]:
    """What a real page fetches from the server besides itself (paths with their query), for the wire
    trainees: one page opened in Chromium up to its first widget, then closed."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            return await _page_assets(browser, url)
        finally:
            await browser.close()


async def _page_assets(browser, url: str) -> list[str]:
    origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(url))
    seen: list[str] = []

    def asked(request) -> None:
        if request.method == "GET" and request.url.startswith(origin) and request.resource_type != "document":
            seen.append(request.url[len(origin) :])

    context = await browser.new_context()
    try:
        page = await context.new_page()
        page.on("request", asked)
        await page.goto(url, wait_until="commit", timeout=PAGE_TIMEOUT_MS)
        await page.wait_for_selector(".rp-start, .bare-button", state="visible", timeout=PAGE_TIMEOUT_MS)
        await page.wait_for_load_state("networkidle")
        kernel = await page.evaluate(KERNEL_ID_JS)
    finally:
        await context.close()
    return [path for path in dict.fromkeys(seen) if not kernel or kernel not in path]


async def run_class(
    url: str, n: int, app: bool, seed: int, sample, on_open, browsers: int | None = None, assets: list[str] = ()
) -> list[Trainee]:
    """N trainees arriving within ARRIVAL_S; ``sample()`` is called once all are done, before any page closes.
    ``browsers``: how many of them play in Chromium (None: all); the others play on the wire, fetching
    ``assets`` (``page_assets``)."""
    from playwright.async_api import async_playwright

    rng = random.Random(seed)
    trainees = [
        Trainee(f"bench-{seed}-{i:02d}", rng.uniform(0, ARRIVAL_S), random.Random(seed * 1000 + i)) for i in range(n)
    ]
    for t in trainees[browsers:] if browsers is not None else ():
        t.wire = True
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            start = time.monotonic() + 0.5
            gate = Gate(n, on_open)

            def play(t: Trainee):
                page_url = f"{url}&trainee={t.name}" if app else url
                if t.wire:
                    return wire_trainee(page_url, list(assets), t, app, start, gate)
                return trainee(browser, page_url, t, app, start, gate)

            await asyncio.gather(*(play(t) for t in trainees))
            sample()
            return trainees
        finally:
            for t in trainees:
                for closing in (getattr(t, "_context", None), getattr(t, "_page", None)):
                    if closing is not None:
                        with contextlib.suppress(Exception):  # closing a broken page
                            await closing.close()
            await browser.close()


# ---------------------------------------------------------------- one run


@dataclass
class Run:
    label: str
    n: int
    trainees: list[Trainee]
    server_cpu: float
    kernel_rss: list[float]
    warm_wait: float = math.nan
    stored_ok: int = 0
    store_problems: list[str] = field(default_factory=list)
    load: str = ""
    open_cpu: float = math.nan  # the server tree's CPU seconds from the first arrival until every page was open
    browser_open_cpu: float = math.nan  # and the browser's
    # while the class played (every page open, until the last debrief): seconds, and the cores the server, the
    # browser and Playwright's driver used on average over them
    play_s: float = math.nan
    play_cores: dict[str, float] = field(default_factory=dict)
    assets: int = 0  # what each wire trainee fetched besides the page (when some play on the wire)

    @property
    def failed(self) -> list[Trainee]:
        return [t for t in self.trainees if t.error or math.isnan(t.first)]

    def firsts(self) -> list[float]:
        """Every trainee's page -> first reply (wire trainees too)."""
        return [t.first for t in self.trainees if not math.isnan(t.first)]

    def clicks(self, wire: bool | None = None) -> list[float]:
        """Every click's time; ``wire``: only the wire trainees' (True) or only the browsers' (False)."""
        return [c for t in self.trainees if wire is None or t.wire == wire for c in t.clicks]

    @property
    def mixed(self) -> bool:
        return any(t.wire for t in self.trainees)

    def page_clicks(self) -> list[float]:
        """The clicks timed in a page (Chromium): all of them, or the browsers' when some play on the wire."""
        return self.clicks(wire=False)


def pct(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def bare_notebook(path: Path) -> None:
    cell = {"cell_type": "code", "execution_count": None, "id": "bare0001", "metadata": {}, "outputs": []}
    notebook = {
        "cells": [dict(cell, source=BARE_SOURCE)],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook, indent=1))


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def one_run(kind: str, n: int, tmp: Path, seed: int, browsers: int | None = None) -> Run:
    port = free_port()
    store = tmp / f"{kind}-{n}.sqlite"
    if kind == "bare":
        notebook = tmp / "bare.ipynb"
        bare_notebook(notebook)
        command = [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}"]
        url = f"http://127.0.0.1:{port}/"
    else:
        command = [sys.executable, "-m", "simulator", "serve", "--port", str(port), "--store", str(store)]
        if kind == "class":
            command += ["--class-size", str(n), "--scenario", SCENARIO]  # the class link names it
        url = f"http://127.0.0.1:{port}/?scenario={SCENARIO}"
    server = Server(f"{kind} N={n}", command, tmp if kind == "bare" else ROOT, tmp / f"{kind}-{n}.log", port)
    env_load = loadavg()
    server.start()
    try:
        server.wait_listening()
        warm_wait = math.nan
        if kind == "class":
            began = perf()
            if not server.wait_for(rf"Class: {n} of {n} kernels ready", timeout=60 + 6 * n):
                print(f"  (class of {n}: not all kernels ready in time; going on)")
            warm_wait = perf() - began
        assets: list[str] = []
        if browsers is not None:  # what the wire trainees fetch: one real page's requests, before counting
            assets = asyncio.run(page_assets(f"{url}&trainee=bench-assets" if kind != "bare" else url))
        # the server (and any pool) quiet before the class arrives
        wait_quiet([server.proc.pid], timeout=120)
        cpu = TreeCpu(server.proc.pid)
        cpu.start()
        browser_cpu = TreeCpu(os.getpid(), only="chrom")  # the headless browser's processes
        browser_cpu.start()
        driver_cpu = TreeCpu(os.getpid(), only="run-driver")  # Playwright's node process, which drives them
        driver_cpu.start(sampled=False)  # one process, there from start to end
        trees = {"server": cpu, "browser": browser_cpu, "driver": driver_cpu}
        rss: list[float] = []
        opened: dict[str, float] = {}
        played: dict[str, float] = {}

        def read(into: dict[str, float]) -> None:
            into.update({name: tree.used() for name, tree in trees.items()}, at=perf())
            if browsers is not None:
                into["this process"] = time.process_time()  # the wire pages, and the samplers of /proc

        def on_open() -> None:  # every page open (or failed), nobody has played yet
            read(opened)

        def on_played() -> None:  # every trainee done, no page closed yet
            read(played)
            rss.extend(map(rss_mb, cpu.kernels()))

        trainees = asyncio.run(run_class(url, n, kind != "bare", seed, on_played, on_open, browsers, assets))
        # the pages are closed: their kernels' shutdown is part of the cost too; the pool refills are counted
        wait_quiet([server.proc.pid], timeout=60)
        server_cpu = cpu.stop()
    finally:
        server.stop()
    run = Run(kind, n, trainees, server_cpu, [r for r in rss if not math.isnan(r)], warm_wait)
    run.assets = len(assets)
    browser_cpu.stop()
    driver_cpu.stop()
    run.open_cpu = opened.get("server", math.nan)
    run.browser_open_cpu = opened.get("browser", math.nan)
    if opened and played:
        run.play_s = played["at"] - opened["at"]
        run.play_cores = {name: (played[name] - opened[name]) / run.play_s for name in played if name != "at"}
    run.load = f"load average {env_load} before, {loadavg()} after"
    if kind != "bare":
        verify_store(run, store)
    return run


def verify_store(run: Run, store_path: Path) -> None:
    from simulator import open_store

    store = open_store(str(store_path))
    try:
        for t in run.trainees:
            if t.error:
                continue
            rows = store.sessions(trainee=t.name)
            if len(rows) != 1:
                run.store_problems.append(f"{t.name}: {len(rows)} sessions stored")
                continue
            row = rows[0]
            turns = store.turns(row["id"])
            if row["status"] != "completed" or len(turns) != len(t.clicks):
                run.store_problems.append(
                    f"{t.name}: status {row['status']}, {len(turns)} turns stored for {len(t.clicks)} clicks"
                )
                continue
            run.stored_ok += 1
    finally:
        store.close()


# ---------------------------------------------------------------- printing


def fmt(x: float) -> str:
    return "—" if math.isnan(x) else f"{x:.2f} s" if x >= 1 else f"{x * 1000:.0f} ms"


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def report_some(n: int, runs: dict[str, Run]) -> None:
    """Figures of the servers that ran when not all three did (no ratios: they need the bare page)."""
    print(f"\n== N = {n} trainees arriving within {ARRIVAL_S:g} s (only {', '.join(runs)}: no ratios)")
    for r in runs.values():
        firsts, clicks = r.firsts(), r.page_clicks()
        wire = f" (on the wire {fmt(pct(r.clicks(wire=True), 0.95))})" if r.mixed else ""
        print(
            f"   {r.label:<6} first p50 {fmt(pct(firsts, 0.5))}, p95 {fmt(pct(firsts, 0.95))}; click p95 "
            f"{fmt(pct(clicks, 0.95))}{wire}; failed {len(r.failed)}/{r.n}; server CPU per page "
            f"{fmt_cpu(r.server_cpu / r.n)}; to open a page: server {fmt_cpu(r.open_cpu / r.n)}, browser "
            f"{fmt_cpu(r.browser_open_cpu / r.n)}; {r.load}"
        )
        print(f"   {'':<6} {play_line(r)}")
        if r.label != "bare":
            print(f"   {'':<6} stored and checked: {r.stored_ok} of {r.n} trainees")
        for problem in r.store_problems[:5]:
            print(f"   store ({r.label}): {problem}")
        for t in r.failed[:10]:
            print(f"   failed ({r.label}): {t.name}: {t.error}")


def play_line(r: Run) -> str:
    """What the machine did while the class played (the clicks' figures come from that span)."""
    if math.isnan(r.play_s) or r.play_s <= 0:
        return "play: not measured"
    cores = ", ".join(f"{name} {value:.2f}" for name, value in r.play_cores.items())
    return f"while the class played ({r.play_s:.0f} s, {len(r.clicks())} clicks), cores used: {cores}"


def fmt_cpu(x: float) -> str:
    return f"{x:.2f} CPU-s"


def report(n: int, runs: dict[str, Run]) -> None:
    if set(runs) != {"bare", "app", "class"}:
        report_some(n, runs)
        return
    bare, app, klass = runs["bare"], runs["app"], runs["class"]
    print(f"\n== N = {n} trainees arriving within {ARRIVAL_S:g} s")
    for r in (bare, app, klass):
        warm = f", kernels warm after {fmt(r.warm_wait)}" if not math.isnan(r.warm_wait) else ""
        print(f"   {r.label:<6} {r.load}{warm}")
    print(f"   {'':<34}{'p50':>10}{'p95':>10}{'failed':>8}")
    rows = [
        ("bare Voila: page -> button", bare),
        ("app (serve): page -> first reply", app),
        (f"app (--class-size {n}): page -> 1st reply", klass),
    ]
    for label, r in rows:
        firsts = r.firsts()
        print(f"   {label:<34}{fmt(pct(firsts, 0.5)):>10}{fmt(pct(firsts, 0.95)):>10}{len(r.failed):>5}/{r.n}")
        if r.mixed:
            seen = [t.first for t in r.trainees if not t.wire and not math.isnan(t.first)]
            print(f"   {'  of them in Chromium':<34}{fmt(pct(seen, 0.5)):>10}{fmt(pct(seen, 0.95)):>10}")
    if app.mixed:
        browsers = sum(not t.wire for t in app.trainees)
        print(
            f"   ({browsers} of {n} trainees in Chromium, the others on the wire, each fetching the {app.assets} "
            "files a real page fetched; click -> next line is timed in the Chromium pages)"
        )
    for r in (app, klass):
        clicks = r.page_clicks()
        print(
            f"   click -> next line, {r.label:<12}  {fmt(pct(clicks, 0.5)):>10}{fmt(pct(clicks, 0.95)):>10}"
            f"   ({len(clicks)} clicks; stored and checked: {r.stored_ok} of {r.n} trainees"
            + (f"; {len(r.store_problems)} store problems" if r.store_problems else "")
            + ")"
        )
        if r.mixed:
            wire = r.clicks(wire=True)
            print(
                f"     on the wire (click sent -> the line's message): p50 {fmt(pct(wire, 0.5))}, "
                f"p95 {fmt(pct(wire, 0.95))} ({len(wire)} clicks)"
            )
        most = max((len(t.clicks) for t in r.trainees if not t.wire), default=0)
        by_turn = [[t.clicks[i] for t in r.trainees if not t.wire and len(t.clicks) > i] for i in range(most)]
        print("     p95 by reply (1st, 2nd, …): " + " ".join(fmt(pct(c, 0.95)) for c in by_turn))
    opened = {
        k: statistics.median([t.open_cpu for t in r.trainees if not math.isnan(t.open_cpu)] or [math.nan])
        for k, r in runs.items()
    }
    open_rss = {
        k: statistics.median([t.open_rss for t in r.trainees if not math.isnan(t.open_rss)] or [math.nan])
        for k, r in runs.items()
    }
    print(
        "   the page's kernel when its first reply button showed (median): "
        + ", ".join(f"{k} {opened[k]:.2f} CPU-s {open_rss[k]:.0f} MB" for k in runs)
    )
    per_page = {k: r.server_cpu / r.n for k, r in runs.items()}
    open_page = {k: r.open_cpu / r.n for k, r in runs.items()}
    print(
        "   server CPU to open a page (Voila server + kernels, from the first arrival until every page showed its "
        "first reply, browsers apart): " + ", ".join(f"{k} {v:.2f} CPU-s" for k, v in open_page.items())
    )
    print(
        "   the browser's CPU to open a page (headless Chromium, same span): "
        + ", ".join(f"{k} {r.browser_open_cpu / r.n:.2f} CPU-s" for k, r in runs.items())
    )
    rss = {k: statistics.median(r.kernel_rss) if r.kernel_rss else math.nan for k, r in runs.items()}
    print(
        "   server CPU per page, whole run (Voila server + kernels + pool refills, browsers apart): "
        + ", ".join(f"{k} {v:.2f} CPU-s" for k, v in per_page.items())
    )
    print("   kernel RSS (median, pages open): " + ", ".join(f"{k} {v:.0f} MB" for k, v in rss.items()))
    for k, r in runs.items():
        if k != "bare":
            print(f"   {k}: {play_line(r)}")
    print("   targets:")
    b95 = pct(bare.firsts(), 0.95)
    lines = [
        (
            f"no page fails (N = {n})",
            f"{len(app.failed)} + {len(klass.failed)} failed",
            not app.failed and not klass.failed,
        ),
        (
            "p95 page -> first reply, app / bare <= 1.2",
            f"{pct(app.firsts(), 0.95) / b95:.2f}",
            pct(app.firsts(), 0.95) <= TARGET_FIRST_REPLY * b95 and not app.failed,
        ),
        (
            "p95 page -> first reply, warm class / bare <= 1.0",
            f"{pct(klass.firsts(), 0.95) / b95:.2f}",
            pct(klass.firsts(), 0.95) <= TARGET_FIRST_REPLY_CLASS * b95 and not klass.failed,
        ),
        (
            "click -> next line p95 <= 250 ms" + ("" if n >= 50 else " (target is for N = 50)"),
            f"{fmt(pct(app.page_clicks(), 0.95))} / {fmt(pct(klass.page_clicks(), 0.95))} (app / class)",
            max(pct(app.page_clicks(), 0.95), pct(klass.page_clicks(), 0.95)) <= TARGET_CLICK_P95,
        ),
        (
            "server CPU to open a page, app / bare <= 1.5",
            f"{open_page['app'] / open_page['bare']:.2f} (class {open_page['class'] / open_page['bare']:.2f})",
            open_page["app"] <= TARGET_CPU * open_page["bare"],
        ),
        (
            "server CPU per page, whole run (app plays 9 turns), app / bare",
            f"{per_page['app'] / per_page['bare']:.2f} (class {per_page['class'] / per_page['bare']:.2f})",
            per_page["app"] <= TARGET_CPU * per_page["bare"],
        ),
        (
            "kernel CPU to open a page, app / bare <= 1.5",
            f"{opened['app'] / opened['bare']:.2f} (class {opened['class'] / opened['bare']:.2f})",
            opened["app"] <= TARGET_CPU * opened["bare"],
        ),
        (
            "kernel RSS at open, app / bare <= 1.5",
            f"{open_rss['app'] / open_rss['bare']:.2f}",
            open_rss["app"] <= TARGET_RSS * open_rss["bare"],
        ),
        (
            "kernel RSS after the play, app / bare <= 1.5",
            f"{rss['app'] / rss['bare']:.2f}",
            rss["app"] <= TARGET_RSS * rss["bare"],
        ),
        (
            "every turn in the store",
            f"{app.stored_ok + klass.stored_ok} of {2 * n} trainees",
            app.stored_ok + klass.stored_ok == 2 * n and not app.store_problems and not klass.store_problems,
        ),
    ]
    for what, value, ok in lines:
        print(f"     {what:<58} {value:<28} {verdict(ok)}")
    for r in (bare, app, klass):
        for t in r.failed[:5]:
            print(f"   failed ({r.label}): {t.name}: {t.error or 'no first reply'}")
        for problem in r.store_problems[:5]:
            print(f"   store ({r.label}): {problem}")


def main(argv: list[str] | None = None) -> int:
    global THINK_S
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,25,50", help="class sizes, comma-separated (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: N = 4")
    parser.add_argument("--seed", type=int, default=11, help="the arrival times' seed (default: %(default)s)")
    parser.add_argument(
        "--think",
        default=",".join(f"{x:g}" for x in THINK_S),
        metavar="MIN,MAX",
        help="seconds a trainee reads before each click, uniform (default: %(default)s; 0.5,0.5: a stress run "
        "with every trainee clicking in step)",
    )
    parser.add_argument(
        "--kinds",
        default="bare,app,class",
        help="which servers to run, comma-separated from bare, app, class (default: %(default)s)",
    )
    parser.add_argument(
        "--browsers",
        type=int,
        metavar="K",
        help="play only K trainees in Chromium and the others on the wire (wire.py: the same requests and "
        "clicks, no browser), as when each trainee has a machine of their own (default: all in Chromium)",
    )
    parser.add_argument("--logs", type=Path, help="keep each server's log in this folder")
    args = parser.parse_args(argv)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if not kinds or set(kinds) - {"bare", "app", "class"}:
        parser.error(f"--kinds: choose from bare, app, class (got {args.kinds!r})")
    if args.browsers is not None and args.browsers < 1:
        parser.error("--browsers: at least 1 (click -> next line is timed in a real page)")
    low, _, high = args.think.partition(",")
    THINK_S = (float(low), float(high or low))
    sizes = [4] if args.quick else [int(x) for x in args.sizes.split(",") if x.strip()]
    if not Path(CHROMIUM).exists():
        print(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
        return 1
    from importlib import metadata

    print("Role-play lab: a class arriving together (bench_class.py)")
    info = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    print(
        f"machine: {os.cpu_count()} CPUs, {int(info['MemAvailable'].split()[0]) / 2**20:.1f} GB available, "
        f"load average {loadavg()} (shared with other work: figures move with it)"
    )
    print(
        f"python {sys.version.split()[0]}, voila {metadata.version('voila')}, ipywidgets "
        f"{metadata.version('ipywidgets')}, playwright {metadata.version('playwright')}; Chromium headless, "
        "one browser, one context per trainee"
        + ("" if args.browsers is None else f"; {args.browsers} trainees in Chromium, the others on the wire")
    )
    print(
        f"arrivals uniform within {ARRIVAL_S:g} s (seed {args.seed}); {THINK_S[0]:g}-{THINK_S[1]:g} s reading "
        "before each click; "
        f"scenario {SCENARIO}, option 1 to the debrief"
    )
    began = perf()
    failed = False
    with tempfile.TemporaryDirectory(prefix="roleplay-bench-class-") as tmp:
        for n in sizes:
            runs = {}
            for kind in kinds:
                browsers = None if args.browsers is None else min(args.browsers, n)
                runs[kind] = one_run(kind, n, Path(tmp), args.seed + n, browsers)
                if args.logs:
                    args.logs.mkdir(parents=True, exist_ok=True)
                    for log in Path(tmp).glob(f"{kind}-{n}.log"):
                        (args.logs / log.name).write_bytes(log.read_bytes())
            report(n, runs)
            failed = failed or any(r.failed for r in runs.values())
    print(f"\ntotal run time {perf() - began:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
