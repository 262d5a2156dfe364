"""`roleplay serve` and the lab's Voila server (simulator.webapp) in-process: the command it runs, the
names and origins it answers, and how it ends kernels. tests/browser/test_serving_safely.py runs
real servers."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import io
from types import SimpleNamespace

import pytest

from simulator import serve as serve_module
from simulator.cli import main
from simulator.errors import LabError
from simulator.serve import ABANDON_AFTER, NOTEBOOKS, page_address, voila_command

NOTEBOOK = NOTEBOOKS / "practice.ipynb"
COMMON = {"port": 8866, "ip": "127.0.0.1", "token": None, "preheat": True, "pool_size": 2, "theme": "light"}


def test_the_command_runs_the_labs_voila_server_with_xsrf_checked():
    command = voila_command(NOTEBOOK, cull_idle=1800, allow_hosts=["lab.example", "10.0.0.5"], **COMMON)
    assert command[1:4] == ["-m", "simulator.webapp", str(NOTEBOOK)]
    assert "--abandon-after=120" in command and "--cull-interval=30" in command and "--cull-idle=1800" in command
    assert "--page-connect-grace=600" in command
    assert "--allow-host=lab.example" in command and "--allow-host=10.0.0.5" in command
    assert not [arg for arg in command if "xsrf" in arg.lower()], command


def test_each_apps_page_loads_the_widgets_and_only_the_studio_anywidget():
    from simulator.webapp import WIDGETS, page_extensions

    for app, (notebook, _label) in serve_module.APPS.items():
        extra = {"anywidget"} if app == "studio" else set()
        assert set(page_extensions(NOTEBOOKS / notebook)) == {*WIDGETS, *extra}, app
        uses_anywidget = "from simulator.ui.studio import" in (NOTEBOOKS / notebook).read_text()  # the editor
        assert uses_anywidget == bool(extra), app


def test_a_page_is_abandoned_no_later_than_an_idle_one_is_culled():
    command = voila_command(NOTEBOOK, cull_idle=60, abandon_after=300, **COMMON)
    assert "--abandon-after=60" in command and "--cull-interval=15" in command
    command = voila_command(NOTEBOOK, cull_idle=1800, abandon_after=5, **COMMON)
    assert "--abandon-after=5" in command and "--cull-interval=1" in command


def test_the_address_printed_is_one_a_browser_can_open():
    assert page_address("localhost", 8866, None) == "http://127.0.0.1:8866/"
    assert page_address("::1", 8866, None) == "http://[::1]:8866/"
    assert page_address("10.0.0.5", 9000, "t0k") == "http://10.0.0.5:9000/?token=t0k"


def test_serve_passes_its_options_on_and_prints_the_address(tmp_path, monkeypatch):
    ran = []
    monkeypatch.setattr(serve_module.os, "chdir", lambda path: None)
    monkeypatch.setattr(serve_module.os, "execve", lambda path, args, env: ran.append(args))
    out = io.StringIO()
    args = ["serve", "--port", "8999", "--store", str(tmp_path / "r.sqlite"), "--abandon-after", "30"]
    assert main([*args, "--allow-host", "lab.example", "--allow-host", "lab"], stdout=out) == 0
    assert out.getvalue().splitlines()[0] == "Practice app: http://127.0.0.1:8999/"
    [command] = ran
    assert "--port=8999" in command and "--abandon-after=30" in command
    assert "--allow-host=lab.example" in command and "--allow-host=lab" in command


def test_a_taken_port_fails_in_one_line_before_anything_is_printed(tmp_path, monkeypatch):
    import socket

    monkeypatch.setattr(serve_module.os, "execve", lambda path, args, env: pytest.fail("started on a taken port"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert serve_module.port_in_use("127.0.0.1", port) and serve_module.port_in_use("localhost", port)
        out, err = io.StringIO(), io.StringIO()
        code = main(["serve", "--port", str(port), "--store", str(tmp_path / "r.sqlite")], stdout=out, stderr=err)
        assert code != 0 and out.getvalue() == ""  # no address printed for a server that never listens
        assert err.getvalue().strip().splitlines() == [
            f"roleplay: port {port} is in use on 127.0.0.1 (another server?): stop it, or choose another with --port N"
        ]
    assert not serve_module.port_in_use("127.0.0.1", port)


def test_the_server_logs_warnings_only_unless_asked_for_more():
    assert "--Voila.log_level=WARN" in voila_command(NOTEBOOK, cull_idle=1800, **COMMON)
    assert "--Voila.log_level=INFO" in voila_command(NOTEBOOK, cull_idle=1800, verbose=True, **COMMON)


def test_abandon_after_is_a_whole_number_of_seconds_1_or_more(capsys):
    for wrong in ("0", "-5", "soon"):
        with pytest.raises(SystemExit) as exited:
            main(["serve", "--abandon-after", wrong])
        assert exited.value.code == 2
        assert "--abandon-after: expected a whole number, 1 or more" in capsys.readouterr().err
    assert ABANDON_AFTER == 120


# ---------------------------------------------------------------- simulator.webapp


def test_only_the_served_names_are_answered():
    from simulator.webapp import host_allowed, served_names

    names = served_names("127.0.0.1", ["Lab.Example"])
    for host in ("127.0.0.1:8866", "localhost:8866", "LOCALHOST", "[::1]:8866", "lab.example:8866", "localhost."):
        assert host_allowed(host, names), host
    for host in (
        "evil.example:8866",
        "127.0.0.1.evil.example",
        "localhost.evil.example:8866",
        "lab.example.evil:8866",
        "127.0.0.2:8866",
        "",
        None,
    ):
        assert not host_allowed(host, names), host
    assert host_allowed("10.0.0.5:8866", served_names("10.0.0.5"))


def test_only_the_pages_own_origin_may_change_state():
    from simulator.webapp import origin_allowed

    host = "127.0.0.1:8866"
    assert origin_allowed("http://127.0.0.1:8866", host) and origin_allowed(None, host)
    for origin in ("http://evil.example:8866", "http://127.0.0.1:8867", "null", "file://", "ws://127.0.0.1:8866"):
        assert not origin_allowed(origin, host), origin


@pytest.mark.parametrize(
    ("connections", "idle", "busy", "paged", "culled"),
    [
        (0, 10, False, True, True),  # the page is gone: ended after abandon_after (5 s)
        (1, 10, False, True, False),  # the page is open: kept
        (1, 100, False, True, True),  # open but idle past cull_idle (60 s)
        (1, 100, True, True, False),  # busy
        (0, 3, False, True, False),  # gone only a moment
        (0, 100, False, False, False),  # its page has not connected yet (a busy browser): within the grace
        (0, 400, False, False, True),  # never connected for longer than the grace (300 s): abandoned
    ],
)
def test_kernels_are_ended_when_their_page_is_gone_or_long_idle(connections, idle, busy, paged, culled):
    from simulator.webapp import LabKernelManager

    manager = LabKernelManager(cull_idle_timeout=5, page_idle_timeout=60, page_connect_grace=300)
    ended = []

    async def shutdown_kernel(kernel_id, *args, **kwargs):
        ended.append(kernel_id)

    manager.shutdown_kernel = shutdown_kernel
    manager._kernels["k"] = SimpleNamespace(
        last_activity=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=idle),
        execution_state="busy" if busy else "idle",
        kernel_spec=SimpleNamespace(metadata={}),
        kernel_name="python3",
    )
    manager._kernel_connections["k"] = 0
    for _ in range(connections or int(paged)):
        manager.notify_connect("k")
    if not connections and paged:
        manager.notify_disconnect("k")
    # In a thread of its own: the browser tests' playwright may keep an event loop running in this one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, manager.cull_kernel_if_idle("k")).result()
    assert ended == (["k"] if culled else [])


# ---------------------------------------------------------------- a class on one machine


def test_the_labs_voila_waits_for_output_and_kernels_long_enough():
    """A CPU-starved server missed nbclient's 4 s wait for a cell's output and left the page blank."""
    from simulator.serve import IOPUB_TIMEOUT, STARTUP_TIMEOUT

    command = voila_command(NOTEBOOK, cull_idle=1800, **COMMON)
    assert f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT}" in command and IOPUB_TIMEOUT >= 60
    assert "--VoilaExecutor.raise_on_iopub_timeout=False" in command
    assert f"--VoilaExecutor.startup_timeout={STARTUP_TIMEOUT}" in command and STARTUP_TIMEOUT >= 300


def _refilling(monkeypatch, busy: float):
    """A class's kernel manager whose refills only record that they started, on a machine this busy (0-1).

    Returns:
        (the manager, the notebooks whose refill started).
    """
    from simulator import webapp
    from simulator.webapp import LabKernelManager

    monkeypatch.setattr(webapp.CpuMeter, "busy", lambda self: busy)
    manager = LabKernelManager()
    manager._pools = {}
    manager.fill_if_needed = lambda delay=None, notebook_name=None, **kwargs: None
    started: list[str] = []

    async def initialize(notebook_name, *args, **kwargs):
        started.append(notebook_name)
        return {"kernel_id": "new"}

    manager._initialize = initialize
    return manager, started


def test_a_class_refill_waits_until_the_pages_that_took_kernels_have_connected(monkeypatch):
    """Refills started while 50 pages were still opening took their CPU; they now wait for the pages."""
    from simulator.webapp import opening_pages, stagger_refills

    manager, started = _refilling(monkeypatch, 0.0)  # a quiet machine: only the pages count here
    manager._kernels["taken"] = SimpleNamespace()  # a page took it, and has not connected yet
    manager._kernel_connections["taken"] = 0
    assert opening_pages(manager) == 1
    stagger_refills(manager)

    async def scenario():
        refill = asyncio.ensure_future(manager._initialize("practice.ipynb"))
        await asyncio.sleep(1.2)
        assert not refill.done() and started == []  # the page is still opening
        manager.notify_connect("taken")
        assert opening_pages(manager) == 0
        assert await asyncio.wait_for(refill, 5) == {"kernel_id": "new"}
        assert started == ["practice.ipynb"]

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()


def test_a_class_refill_waits_while_the_machine_is_busy_and_refills_one_at_a_time(monkeypatch):
    """A class's refills took the CPU its trainees' replies needed: they wait for a quiet machine, one at a time."""
    from simulator import webapp
    from simulator.webapp import LabKernelManager, stagger_refills

    use = {"busy": 0.9}
    monkeypatch.setattr(webapp.CpuMeter, "busy", lambda self: use["busy"])
    manager = LabKernelManager()
    manager._pools = {}
    manager.fill_if_needed = lambda delay=None, notebook_name=None, **kwargs: None
    started: list[str] = []
    release = None

    async def initialize(notebook_name, *args, **kwargs):
        started.append(notebook_name)
        await release.wait()
        return {"kernel_id": notebook_name}

    manager._initialize = initialize
    stagger_refills(manager)

    async def scenario():
        nonlocal release
        release = asyncio.Event()
        first = asyncio.ensure_future(manager._initialize("a"))
        second = asyncio.ensure_future(manager._initialize("b"))
        await asyncio.sleep(1.2)
        assert started == []  # the machine is busy
        use["busy"] = 0.1
        while not started:
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.2)
        assert started == ["a"]  # one at a time: b waits for a
        release.set()
        assert await asyncio.wait_for(first, 5) == {"kernel_id": "a"}
        assert await asyncio.wait_for(second, 5) == {"kernel_id": "b"}

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()


def test_a_class_refill_waits_while_a_page_is_playing(monkeypatch):
    """Refills running while a class played (the machine under half busy) slowed its clicks: they wait
    until no open page's kernel has had a message for REFILL_CALM seconds."""
    from datetime import UTC, datetime, timedelta

    from simulator import webapp
    from simulator.webapp import playing_pages, stagger_refills

    manager, started = _refilling(monkeypatch, 0.1)  # a machine under the busy line
    playing = SimpleNamespace(last_activity=datetime.now(UTC))
    manager._kernels["playing"] = playing  # a page connected, a turn a moment ago
    manager._kernel_connections["playing"] = 1
    manager.notify_connect("playing")
    manager._kernels["pooled"] = SimpleNamespace(last_activity=datetime.now(UTC))  # busy, but no page on it
    manager._kernel_connections["pooled"] = 0
    assert playing_pages(manager) == 1
    del manager._kernels["pooled"], manager._kernel_connections["pooled"]  # (it would count as a page opening)
    stagger_refills(manager)

    async def scenario():
        refill = asyncio.ensure_future(manager._initialize("practice.ipynb"))
        for _ in range(3):  # the trainee goes on clicking
            await asyncio.sleep(0.6)
            playing.last_activity = datetime.now(UTC)
        assert not refill.done() and started == []
        playing.last_activity = datetime.now(UTC) - timedelta(seconds=webapp.REFILL_CALM + 1)  # reading a while
        assert playing_pages(manager) == 0
        assert await asyncio.wait_for(refill, 5) == {"kernel_id": "new"}
        assert started == ["practice.ipynb"]

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()


def test_the_cpu_meter_reads_the_machines_use():
    from simulator.webapp import CpuMeter

    meter = CpuMeter()
    sum(i * i for i in range(3_000_000))  # some work, so the counters move
    busy = meter.busy()
    assert busy is not None and 0.0 < busy <= 1.0


def test_a_class_keeps_its_size_of_kernels_warm_and_counts_them():
    command = voila_command(NOTEBOOK, cull_idle=1800, class_size=30, **COMMON)
    assert "--preheat_kernel=True" in command and "--pool_size=30" in command and "--class-size=30" in command
    assert "--pool_size=2" not in command


def test_class_size_is_a_whole_number_1_or_more(capsys):
    for wrong in ("0", "-3", "many"):
        with pytest.raises(SystemExit) as exited:
            main(["serve", "--class-size", wrong])
        assert exited.value.code == 2
        assert "--class-size: expected a whole number, 1 or more" in capsys.readouterr().err


def _served(tmp_path, monkeypatch, *extra: str) -> tuple[int, list, str, str]:
    ran: list = []
    monkeypatch.setenv("ROLEPLAY_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(serve_module.os, "chdir", lambda path: None)
    monkeypatch.setattr(serve_module.os, "execve", lambda path, args, env: ran.append((args, env)))
    out, err = io.StringIO(), io.StringIO()
    status = main(["serve", "--port", "8999", "--store", str(tmp_path / "r.sqlite"), *extra], stdout=out, stderr=err)
    return status, ran, out.getvalue(), err.getvalue()


def test_serve_with_a_class_passes_the_size_on_and_says_so(tmp_path, monkeypatch):
    status, [(command, env)], out, _err = _served(tmp_path, monkeypatch, "--class-size", "3")
    assert status == 0 and "--pool_size=3" in command and "--class-size=3" in command
    assert "Class of 3: keeping 3 kernels warm" in out
    assert env["ROLEPLAY_CACHE"] == str((tmp_path / "cache").resolve())


def test_a_class_scenario_is_named_to_the_kernels_and_its_link_printed(tmp_path, monkeypatch):
    status, [(_command, env)], out, _err = _served(
        tmp_path, monkeypatch, "--class-size", "2", "--scenario", "angry-late-delivery"
    )
    assert status == 0 and env["ROLEPLAY_CLASS_SCENARIO"] == "angry-late-delivery"
    assert "Class link (" in out and "http://127.0.0.1:8999/?scenario=angry-late-delivery" in out


def test_an_unknown_class_scenario_is_refused_with_the_ids(tmp_path, monkeypatch):
    status, ran, _out, err = _served(tmp_path, monkeypatch, "--scenario", "no-such-one")
    assert status != 0 and ran == []
    assert "--scenario no-such-one: no sound scenario has that id" in err and "angry-late-delivery" in err


def test_serve_checks_the_library_once_for_every_kernel(tmp_path, monkeypatch):
    from simulator.loading.cache import load_library_cached

    status, _ran, _out, _err = _served(tmp_path, monkeypatch)
    assert status == 0
    shipped = len(list((NOTEBOOKS.parent / "scenarios").glob("*.yaml")))
    written = [p.name for p in (tmp_path / "cache" / "scenarios").glob("*.json")]
    tables = [name for name in written if name.endswith(".replies.json")]
    assert len(written) - len(tables) == len(tables) == shipped  # each entry with its reply table
    _scenarios, _problems, hits = load_library_cached(NOTEBOOKS.parent / "scenarios", tmp_path / "cache")
    assert hits == shipped  # what a kernel then finds


def test_a_class_the_memory_cannot_hold_is_refused_with_the_largest_that_fits(tmp_path, monkeypatch):
    available = serve_module.available_memory_mb()
    assert available is not None and available > 0  # /proc/meminfo on the machines the lab runs on
    fits = serve_module.largest_class(available)
    status, ran, _out, err = _served(tmp_path, monkeypatch, "--class-size", str(fits + 1000))
    assert status != 0 and ran == []
    assert f"roleplay: a class of {fits + 1000} needs about" in err
    assert f"the largest class that fits is {fits}" in err and "MB are available" in err


def test_the_largest_class_leaves_the_server_its_memory():
    from simulator.serve import KERNEL_MB, SERVER_MB, check_class_size, largest_class

    assert largest_class(SERVER_MB + 5 * KERNEL_MB) == 5
    assert largest_class(SERVER_MB + 5 * KERNEL_MB - 1) == 4
    assert largest_class(SERVER_MB // 2) == 0
    check_class_size(5, SERVER_MB + 5 * KERNEL_MB)  # fits: nothing said
    check_class_size(10_000, None)  # memory unknown: nothing refused
    with pytest.raises(LabError, match=r"a class of 6 needs about .* the largest class that fits is 5"):
        check_class_size(6, SERVER_MB + 5 * KERNEL_MB)


def test_a_class_is_for_the_practice_app(tmp_path, monkeypatch):
    status, ran, _out, err = _served(tmp_path, monkeypatch, "--class-size", "3", "--app", "review")
    assert status != 0 and ran == [] and "--class-size is for the practice app" in err
