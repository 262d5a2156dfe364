"""Benchmarks of the trainee's practice app in a real browser (Voila + Chromium).

Run from the repository root::

    python benchmarks/bench_app.py            # full run, about 3 minutes
    python benchmarks/bench_app.py --quick    # under a minute, for a smoke check
    python benchmarks/bench_app.py --runs 8

It starts four servers side by side, each on a free port with its store in a temporary
directory: the practice app (``python -m simulator serve``) with and without preheated
kernels, and a bare one-button Voila notebook (the floor Voila itself sets) with and
without preheated kernels. Debian's Chromium, driven by the Python playwright API, loads
each page in a fresh browser context and times ``goto`` to the first interactive button.
Then it plays the scenario through with option 1, timing each click to the customer's next
line, and checks the trainee kernel's imports. Every figure is set against a baseline
measured in the same run. See benchmarks/README.md. No pytest needed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

# the benchmarks folder is on sys.path
from benchstats import CHROMIUM, CHROMIUM_ARGS, Ratio, Stat, Table, fmt_time, print_ratios, timed

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "angry-late-delivery"
APP_PATH = f"/?scenario={SCENARIO}&trainee=bench"
POOL_SIZE = 2  # `roleplay serve` default
NOT_LOCAL = re.compile(r"^(?!https?://127\.0\.0\.1[:/])")  # matched inside the driver: local requests pay nothing
BARE_SOURCE = 'import ipywidgets as w\nb = w.Button(description="go")\nb.add_class("bare-button")\nb'
SELECTOR_TIMEOUT_MS = 60_000
perf = time.perf_counter


# ---------------------------------------------------------------- statistics and printing


# ---------------------------------------------------------------- the machine


def version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def machine_lines(browser_version: str) -> list[str]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    cpus = f"{os.cpu_count()} CPUs" + (f" ({usable} usable by this process)" if usable is not None else "")
    load = ""
    if hasattr(os, "getloadavg"):
        load = " — load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    memory = ""
    try:
        info = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
        memory = f", {int(info['MemAvailable'].split()[0]) / 2**20:.1f} GB memory available"
    except (OSError, KeyError, ValueError):
        pass
    return [
        f"machine:  {platform.platform()} {platform.machine()}, {cpus}{load}{memory}",
        f"python:   {platform.python_implementation()} {platform.python_version()} ({sys.executable})",
        f"packages: roleplay-lab {simulator_version()}, "
        f"voila {version('voila')}, ipywidgets {version('ipywidgets')}, ipykernel {version('ipykernel')}, "
        f"jupyter_server {version('jupyter_server')}, playwright {version('playwright')}",
        f"browser:  Chromium {browser_version} ({CHROMIUM}, headless)",
    ]


def simulator_version() -> str:
    init = (ROOT / "simulator" / "__init__.py").read_text()
    found = re.search(r"__version__\s*=\s*['\"]([^'\"]+)", init)
    return found.group(1) if found else "?"


# ---------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Proc:
    ppid: int
    ticks: int  # utime + stime, in clock ticks
    rss_kb: int = 0


def process_table() -> dict[int, Proc]:
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        table[int(entry.name)] = Proc(ppid=int(fields[1]), ticks=int(fields[11]) + int(fields[12]))
    return table


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return math.nan


def maps_mention(pid: int, package: str) -> bool | None:
    """Whether a process has a file of ``package`` (its C extensions) mapped; None if unreadable."""
    try:
        return f"/{package}/" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return None


class Server:
    """One Voila server, started in its own session; the kernels it starts are its descendants."""

    def __init__(self, name: str, command: list[str], cwd: Path, log: Path, port: int, pool: int, ready_path: str):
        self.name, self.command, self.cwd, self.log_path = name, command, cwd, log
        self.port, self.pool, self.ready_path = port, pool, ready_path
        self.proc: subprocess.Popen | None = None
        self.started = 0.0
        self.survivors: list[int] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.ready_path}"

    def start(self) -> None:
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.started = perf()
        self.proc = subprocess.Popen(
            self.command, cwd=self.cwd, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_listening(self, timeout: float = 90.0) -> float:
        deadline = perf() + timeout
        while perf() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return perf() - self.started
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} not listening on port {self.port} after {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def descendants(self, table: dict[int, Proc]) -> list[int]:
        if self.proc is None:
            return []
        children: dict[int, list[int]] = {}
        for pid, proc in table.items():
            children.setdefault(proc.ppid, []).append(pid)
        found, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, []))
        return [pid for pid in found if pid in table]

    def kernels(self, table: dict[int, Proc] | None = None) -> list[int]:
        table = table if table is not None else process_table()
        return [pid for pid in self.descendants(table) if "ipykernel_launcher" in cmdline(pid)]

    def stop(self) -> None:
        if self.proc is None:
            return
        tree = self.descendants(process_table())
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)  # Voila shuts its kernels down on SIGTERM
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
            except ProcessLookupError:
                pass
        # Kernels live in sessions of their own (jupyter_client starts them so): end any left over.
        time.sleep(0.5)
        alive = process_table()
        self.survivors = [pid for pid in tree if pid != self.proc.pid and pid in alive]
        for pid in self.survivors:
            try:
                if os.getpgid(pid) == pid:
                    os.killpg(pid, signal.SIGKILL)
                else:
                    os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.log.close()
        self.proc = None


@dataclass
class Settled:
    waited: float
    timed_out: bool
    kernels: dict[str, int]


def settle(servers: list[Server], *, window: float = 1.0, busy: float = 0.04, timeout: float = 40.0) -> Settled:
    """Wait until every server holds exactly its pool of kernels (preheated ones refilled, a closed
    page's kernel ended) and the servers with their kernels have used under ``busy`` of one CPU
    for ``window`` seconds: a refilled pool has also run the notebook."""
    hz = os.sysconf("SC_CLK_TCK")
    began = perf()
    history: list[tuple[float, float]] = []  # (time, CPU seconds used since the previous sample)
    before = process_table()
    while True:
        time.sleep(0.2)
        now = process_table()
        used = 0
        kernels = {}
        for server in servers:
            for pid in server.descendants(now):
                used += now[pid].ticks - (before[pid].ticks if pid in before else 0)
            kernels[server.name] = len(server.kernels(now))
        before = now
        t = perf()
        history.append((t, max(0, used) / hz))
        recent = [u for (at, u) in history if at > t - window]
        pools_ok = all(kernels[s.name] == s.pool for s in servers)
        if pools_ok and t - began >= window and sum(recent) < busy * window:
            return Settled(t - began, False, kernels)
        if t - began > timeout:
            return Settled(t - began, True, kernels)


# ---------------------------------------------------------------- the browser


@dataclass
class Load:
    first: float = math.nan  # goto -> first interactive button
    reply: float = math.nan  # goto -> first reply button (app only), after a click on Start
    aborted: int = 0  # requests that left 127.0.0.1
    kernels_with: dict[str, int] = field(default_factory=dict)
    kernel_rss: list[float] = field(default_factory=list)


def new_page(browser, counter: list[int]):
    context = browser.new_context()

    def abort(route) -> None:
        counter[0] += 1
        route.abort()

    context.route(NOT_LOCAL, abort)
    page = context.new_page()
    page.set_default_timeout(SELECTOR_TIMEOUT_MS)
    return context, page


XSRF = "0f" * 16  # any hex string: tornado compares the _xsrf form field with the _xsrf cookie


def post_shutdown(server: Server, kernel_id: str, *, xsrf: str | None) -> int:
    """POST /voila/api/shutdown/<kernel>: what the page's beforeunload beacon sends. With
    ``xsrf=None`` it is sent as the page sends it (an empty _xsrf field, no cookie)."""
    body = f"_xsrf={xsrf or ''}".encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if xsrf:
        headers["Cookie"] = f"_xsrf={xsrf}"
    url = f"http://127.0.0.1:{server.port}/voila/api/shutdown/{kernel_id}"
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def page_kernel(page) -> str | None:
    try:
        return page.evaluate(
            "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId || null"
        )
    except Exception:
        return None


def close_page(server: Server, context, page, kernel_id: str | None) -> None:
    """Leave the page as a trainee closing the tab would (beforeunload sends Voila's shutdown beacon),
    then end the page's kernel ourselves: the beacon does not get through (see the notes printed)."""
    try:
        page.goto("about:blank", wait_until="load", timeout=10_000)
    except Exception:
        pass
    finally:
        context.close()
    if kernel_id:
        post_shutdown(server, kernel_id, xsrf=XSRF)


def inspect_kernels(server: Server, load: Load) -> None:
    for pid in server.kernels():
        for package in ("pandas", "numpy"):
            mapped = maps_mention(pid, package)
            load.kernels_with[package] = load.kernels_with.get(package, 0) + bool(mapped)
        load.kernels_with["all"] = load.kernels_with.get("all", 0) + 1
        load.kernel_rss.append(rss_mb(pid))


def load_page(browser, server: Server) -> Load:
    """One timed page load: to the first interactive button, and for the app on to the first reply button."""
    app = server.name.startswith("app")
    load, counter = Load(), [0]
    context, page = new_page(browser, counter)
    kernel_id = None
    try:
        t0 = perf()
        page.goto(server.url, wait_until="commit")
        page.wait_for_selector(".rp-start:enabled" if app else ".bare-button", state="visible")
        load.first = perf() - t0
        if app:
            page.click(".rp-start")
            page.wait_for_selector(".rp-choice", state="visible")
            load.reply = perf() - t0
        kernel_id = page_kernel(page)
        inspect_kernels(server, load)
    finally:
        close_page(server, context, page, kernel_id or page_kernel(page))
    load.aborted = counter[0]
    return load


# Clicks the first enabled reply button (option 1) and resolves when the transcript holds one more
# customer line than before the click; timed in the page (performance.now), so Playwright's own
# round trips are not counted.
CLICK_JS = """
() => new Promise((resolve, reject) => {
  const count = () => document.querySelectorAll('.rp-customer').length;
  const before = count();
  const button = document.querySelector('.rp-choice:enabled');
  if (!button) { reject(new Error('no enabled .rp-choice')); return; }
  const t0 = performance.now();
  const observer = new MutationObserver(() => {
    if (count() > before) { observer.disconnect(); resolve([performance.now() - t0, before]); }
  });
  observer.observe(document.body, {childList: true, subtree: true, characterData: true});
  button.click();
  setTimeout(() => { observer.disconnect(); reject(new Error('no new customer line after 30 s')); }, 30000);
})
"""


@dataclass
class PlayThrough:
    clicks: Stat
    first_clicks: Stat
    per_round: list[int] = field(default_factory=list)
    scores: list[str] = field(default_factory=list)
    cookies: list[str] = field(default_factory=list)
    beacon_status: int | None = None  # the shutdown POST as the page's beacon sends it


def play_through(browser, server: Server, rounds: int, think: float, warmup: int) -> PlayThrough:
    """One page load; ``warmup`` untimed then ``rounds`` timed play-throughs of the scenario with
    option 1 (Again between them)."""
    result = PlayThrough(Stat("  click -> next customer line"), Stat("  i first click of a round"))
    counter = [0]
    context, page = new_page(browser, counter)
    try:
        page.goto(server.url, wait_until="commit")
        page.wait_for_selector(".rp-start:enabled", state="visible")
        page.click(".rp-start")
        for round_no in range(warmup + rounds):  # rounds numbered below warmup are untimed
            clicks = 0
            while True:
                page.wait_for_selector(".rp-choice:enabled, .rp-again:enabled", state="visible")
                if page.locator(".rp-again:enabled").count():
                    break
                time.sleep(think)  # a trainee reads before answering; lets the previous update finish
                ms, _before = page.evaluate(CLICK_JS)
                if round_no >= warmup:
                    result.clicks.samples.append(ms / 1000)
                    if clicks == 0:
                        result.first_clicks.samples.append(ms / 1000)
                clicks += 1
                if clicks > 200:
                    raise RuntimeError("the play-through did not end after 200 clicks")
            if round_no >= warmup:
                result.per_round.append(clicks)
                result.scores.append(page.inner_text(".rp-score-value"))
            if round_no < warmup + rounds - 1:
                time.sleep(think)
                page.click(".rp-again")
                page.wait_for_selector(".rp-again", state="detached")  # the debrief has gone
        kernel_id = page_kernel(page)
        result.cookies = sorted(c["name"] for c in context.cookies())
        if kernel_id:
            result.beacon_status = post_shutdown(server, kernel_id, xsrf=None)
    finally:
        close_page(server, context, page, page_kernel(page))
    return result


# ---------------------------------------------------------------- imports


IMPORT_PROBE = """
import sys, time
t0 = time.perf_counter()
import {module}
dt = time.perf_counter() - t0
print(dt, 'pandas' in sys.modules, 'numpy' in sys.modules)
"""


def probe_import(module: str) -> tuple[float, bool, bool]:
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE.format(module=module)], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), out[1] == "True", out[2] == "True"


def importtime(module: str) -> list[tuple[int, float, str]]:
    """(nesting level, cumulative seconds, name) per line of ``python -X importtime -c 'import module'``."""
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"], cwd=ROOT, capture_output=True, text=True
    ).stderr
    rows = []
    for line in err.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self, cumulative, name = line[len("import time:") :].split("|")
        level = (len(name) - len(name.lstrip()) - 1) // 2
        rows.append((level, int(cumulative) / 1e6, name.strip()))
    return rows


@dataclass
class Imports:
    app: Stat
    widgets: Stat
    pandas_in_app: bool
    numpy_in_app: bool
    importtime_app: float
    importtime_widgets: float
    heaviest: list[tuple[float, str]]


def bench_imports(runs: int) -> Imports:
    app, widgets = Stat("  import simulator.ui (fresh interpreter)"), Stat("  B import ipywidgets (fresh interpreter)")
    pandas = numpy = False
    rows = importtime("simulator.ui")  # untimed by perf_counter: also warms the file system cache
    widgets_rows = importtime("ipywidgets")
    for _ in range(runs):
        dt, p, n = probe_import("simulator.ui")
        app.samples.append(dt)
        pandas, numpy = pandas or p, numpy or n
        widgets.samples.append(probe_import("ipywidgets")[0])
    top = {name: cum for level, cum, name in rows if level == 0}
    under = [(cum, name) for level, cum, name in rows if level in (1, 2) and cum >= 0.01]
    return Imports(
        app,
        widgets,
        pandas,
        numpy,
        top.get("simulator.ui", math.nan),
        next((cum for level, cum, name in widgets_rows if level == 0 and name == "ipywidgets"), math.nan),
        sorted(under, reverse=True)[:6],
    )


# ---------------------------------------------------------------- main


def bare_notebook(path: Path) -> None:
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "bare0001",
                "metadata": {},
                "outputs": [],
                "source": BARE_SOURCE,
            }
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook, indent=1))


def make_servers(tmp: Path) -> list[Server]:
    notebook = tmp / "bare.ipynb"
    bare_notebook(notebook)
    servers = []
    for preheat in (True, False):
        port = free_port()
        command = [sys.executable, "-m", "simulator", "serve", "--port", str(port)]
        command += ["--store", str(tmp / f"app-{'preheat' if preheat else 'cold'}.sqlite")]
        command += ["--pool-size", str(POOL_SIZE)] if preheat else ["--no-preheat"]
        name = f"app {'preheated' if preheat else 'not preheated'}"
        servers.append(Server(name, command, ROOT, tmp / f"{name}.log", port, POOL_SIZE if preheat else 0, APP_PATH))
        port = free_port()
        command = [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}"]
        if preheat:
            command += ["--preheat_kernel=True", f"--pool_size={POOL_SIZE}"]
        name = f"bare {'preheated' if preheat else 'not preheated'}"
        servers.append(Server(name, command, tmp, tmp / f"{name}.log", port, POOL_SIZE if preheat else 0, "/"))
    return servers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs",
        type=int,
        default=None,
        metavar="N",
        help="timed page loads per server (default 5, 1 with --quick), after one untimed warm-up load each; "
        "N // 2 timed play-throughs (at least 1) and N import probes per module (at least 3)",
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run of under a minute")
    args = parser.parse_args(argv)
    runs = args.runs if args.runs is not None else (1 if args.quick else 5)
    if runs < 1:
        parser.error("--runs must be at least 1")
    rounds = max(1, runs // 2)
    warmup_rounds = 0 if args.quick else 1
    probes = max(3, runs)
    think = 0.2
    window = 0.6 if args.quick else 1.0  # seconds of quiet that count as settled
    if not Path(CHROMIUM).exists():
        print(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
        return 1
    from playwright.sync_api import sync_playwright

    began = perf()
    tmp = Path(tempfile.mkdtemp(prefix="roleplay-bench-app-"))
    servers = make_servers(tmp)
    playwright = sync_playwright().start()
    browser = None
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        print("Role-play lab: practice app benchmarks (Voila + Chromium)")
        for line in machine_lines(browser.version):
            print(line)
        print(
            f"settings: {runs} timed page loads per server after 1 untimed warm-up, fresh browser context per load, "
            f"servers loaded round-robin in a shuffled order; before each load every server settles (pools of "
            f"{POOL_SIZE} refilled, closed pages' kernels ended, CPU quiet for {window:g} s); {rounds} timed "
            f"play-through(s) with option 1 after {warmup_rounds} warm-up, {think * 1000:.0f} ms pause before "
            "each click; "
            f"{probes} import probes per module"
        )
        print(f"app page: {APP_PATH}; bare page: one ipywidgets.Button; requests leaving 127.0.0.1 aborted")
        print()

        def start_all() -> dict[str, float]:
            for server in servers:
                server.start()
            return {server.name: server.wait_listening() for server in servers}

        listening = timed("server start-up (4 servers side by side)", start_all)
        first_settle = timed("waiting for the pools to fill", lambda: settle(servers, timeout=90))

        loads: dict[str, list[Load]] = {s.name: [] for s in servers}
        settles: list[Settled] = []
        failures: list[str] = []
        rng = random.Random(2024)

        def page_loads() -> None:
            for run in range(runs + 1):
                order = servers[:]
                rng.shuffle(order)
                for server in order:
                    settled = settle(servers, window=window)
                    if run:
                        settles.append(settled)
                    try:
                        load = load_page(browser, server)
                    except Exception as exc:
                        failures.append(f"{server.name}, load {run}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
                        continue
                    if run:  # run 0 is the discarded warm-up
                        loads[server.name].append(load)

        timed(f"page loads ({(runs + 1) * len(servers)})", page_loads)
        settle(servers, window=window)

        def plays_or_failure() -> PlayThrough:
            try:
                return play_through(browser, servers[0], rounds, think, warmup_rounds)
            except Exception as exc:
                failures.append(f"play-through: {type(exc).__name__}: {str(exc).splitlines()[0]}")
                return PlayThrough(Stat("  click -> next customer line"), Stat("  i first click of a round"))

        plays = timed(f"play-throughs ({warmup_rounds + rounds} on one page, app preheated)", plays_or_failure)
        kernel_rss = {s.name: [r for load in loads[s.name] for r in load.kernel_rss] for s in servers}
    finally:
        if browser is not None:
            browser.close()
        playwright.stop()
        for server in servers:
            server.stop()
        leftover = [f"{server.name}: {cmdline(pid)[:80]}" for server in servers for pid in server.survivors]
    imports = timed(f"import probes ({probes} per module)", lambda: bench_imports(probes))
    shutil.rmtree(tmp, ignore_errors=True)

    # ---- the table
    table, ratios = Table("measurement", (("n", 5), ("min", 10), ("median", 10), ("p95", 10))), []
    first = {name: Stat(f"  {name}", [x.first for x in got]) for name, got in loads.items()}
    reply = {name: Stat(f"  {name}", [x.reply for x in got]) for name, got in loads.items() if name.startswith("app")}
    for name in ("bare preheated", "bare not preheated"):
        first[name].label = f"  B {name}"
    table.section("1. goto -> first interactive button (app: .rp-start enabled; bare: .bare-button visible)")
    for preheat in ("preheated", "not preheated"):
        app, bare = first[f"app {preheat}"], first[f"bare {preheat}"]
        r = Ratio(f"app / bare, first button, {preheat}", app, bare)
        table.add(app, r.short())
        table.add(bare, "(baseline)")
        ratios.append(r)
    table.section("2. goto -> first reply button (.rp-choice visible after a click on .rp-start)")
    for preheat in ("preheated", "not preheated"):
        app, bare = reply[f"app {preheat}"], first[f"bare {preheat}"]
        r = Ratio(f"app / bare, first reply button, {preheat}", app, bare)
        table.add(app, r.short())
        ratios.append(r)
    start_click = Stat("  i click Start -> .rp-choice (preheated)", [x.reply - x.first for x in loads["app preheated"]])
    table.add(start_click)
    for what, stats in (("app first button", first), ("app first reply button", reply)):
        hot, cold = stats["app preheated"], stats["app not preheated"]
        ratios.append(Ratio(f"preheated / not, {what}", hot, cold))
    ratios.append(Ratio("preheated / not, bare button", first["bare preheated"], first["bare not preheated"]))
    table.section(
        f"3. click .rp-choice -> one more .rp-customer (option 1, {len(plays.per_round)} play-through(s), "
        "timed in the page)"
    )
    table.add(plays.clicks)
    table.add(plays.first_clicks)
    table.section("4. trainee kernel imports (fresh interpreter, perf_counter around the import)")
    r = Ratio("import simulator.ui / import ipywidgets", imports.app, imports.widgets)
    table.add(imports.app, r.short())
    table.add(imports.widgets, "(baseline)")
    ratios.append(r)

    print()
    table.print()
    print()
    print("B = baseline row; i = for information. min/median/p95 (nearest rank) over the timed samples.")
    print()
    print_ratios(ratios, 52)
    print(f"  {'click -> next customer line, median':<52}{fmt_time(plays.clicks.median):>8}")
    print()

    # ---- notes
    print(
        "server start-up to listening: "
        + ", ".join(f"{name} {fmt_time(t)}" for name, t in listening.items())
        + f"; pools first filled after {fmt_time(first_settle.waited)}"
        + (" (TIMED OUT)" if first_settle.timed_out else "")
    )
    waits = Stat("settle", [s.waited for s in settles])
    late = [s for s in settles if s.timed_out]
    print(
        f"settling before a load: median {fmt_time(waits.median)}, max {fmt_time(max(waits.samples, default=math.nan))}"
        + (f"; {len(late)} timed out, kernels then: {late[0].kernels}" if late else "")
    )
    aborted = {name: sum(x.aborted for x in got) for name, got in loads.items()}
    print("requests aborted (left 127.0.0.1), timed loads: " + ", ".join(f"{k} {v}" for k, v in aborted.items()))
    rss = {name: f"{statistics.median(x):.0f} MB" for name, x in kernel_rss.items() if x}
    print(
        "kernel RSS, median over the server's kernels while a page was open (a preheated pool has run the notebook): "
        + ", ".join(f"{name} {value}" for name, value in rss.items())
    )
    app_loads = loads["app preheated"] + loads["app not preheated"]
    checked = sum(x.kernels_with.get("all", 0) for x in app_loads)
    with_pandas = sum(x.kernels_with.get("pandas", 0) for x in app_loads)
    with_numpy = sum(x.kernels_with.get("numpy", 0) for x in app_loads)
    verdict = "OK" if checked and not with_pandas else "WRONG" if with_pandas else "NOT CHECKED"
    print(
        f"served app kernels with pandas loaded (/proc/PID/maps, page open): {with_pandas} of {checked} readings "
        f"-> {verdict}; with numpy: {with_numpy}"
    )
    verdict = "WRONG" if imports.pandas_in_app else "OK"
    print(
        f"'pandas' in sys.modules after import simulator.ui: {imports.pandas_in_app} -> {verdict}; "
        f"'numpy': {imports.numpy_in_app}"
    )
    print(
        f"python -X importtime cumulative: simulator.ui {fmt_time(imports.importtime_app)}, "
        f"ipywidgets {fmt_time(imports.importtime_widgets)} "
        f"(x{imports.importtime_app / imports.importtime_widgets:.2f}); heaviest under simulator.ui: "
        + ", ".join(f"{name} {fmt_time(cum)}" for cum, name in imports.heaviest)
    )
    print(
        f"play-throughs: {plays.per_round} clicks per round, scores {plays.scores}"
        if plays.per_round
        else "play-throughs: none completed"
    )
    if plays.beacon_status is not None:
        verdict = {204: "accepted", 403: "REFUSED: a closed page's kernel runs on until culled"}
        print(
            f"page close, app preheated: the shutdown POST as Voila's beforeunload beacon sends it (_xsrf from "
            f"document.cookie; page cookies: {', '.join(plays.cookies) or 'none'}) got HTTP {plays.beacon_status} "
            f"-> {verdict.get(plays.beacon_status, 'unexpected')}. (In this benchmark the browser's own beacon "
            "does not reach the server while page.route is active, so each page's kernel is ended by a POST "
            "with an _xsrf cookie.)"
        )
    if failures:
        print(f"WARNING: {len(failures)} page load(s) failed:")
        for failure in failures:
            print(f"  {failure}")
    if leftover:
        print(f"NOTE: {len(leftover)} process(es) still running 0.5 s after their server ended on SIGTERM (killed):")
        for line in leftover:
            print(f"  {line}")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"total run time {perf() - began:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
