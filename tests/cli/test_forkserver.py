"""Kernels forked from a warm fork server (simulator.forkserver): real kernels, started through
jupyter_client with the lab's provisioner, run code with the practice app already imported, in the
folder and environment they were given, answer interrupts, end on shutdown, and end with their fork
server; a kernel that cannot be forked is started the ordinary way."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import KernelProvisionerFactory, LocalProvisioner

from simulator import forkserver
from simulator.forkserver import ForkedKernel, ForkingProvisioner, ForkServer, kernel_argv
from simulator.webapp import use_forking_provisioner

pytestmark = pytest.mark.slow
PROBE = (
    "import json, os, random, sys\n"
    "print(json.dumps({'preloaded': 'simulator.ui.practice' in sys.modules, 'cwd': os.getcwd(),"
    " 'probe': os.environ.get('ROLEPLAY_PROBE'), 'ppid': os.getppid(), 'pid': os.getpid(),"
    " 'random': random.random()}))"
)


@pytest.fixture
def forking():
    """The forking provisioner as the default of this process, and a fresh fork server; both undone after."""
    factory = KernelProvisionerFactory.instance()
    before = factory.default_provisioner_name
    ForkServer._instance = None
    use_forking_provisioner()
    yield ForkServer.instance()
    ForkServer.instance().stop()
    ForkServer._instance = None
    factory.default_provisioner_name = before


def run(coroutine):
    """Run a coroutine on a loop of its own, in a thread (a test before may have left this thread's loop running)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def started(tmp: Path, value: str) -> AsyncKernelManager:
    km = AsyncKernelManager(kernel_name="python3", transport="ipc", connection_file=str(tmp / f"kernel-{value}.json"))
    await km.start_kernel(cwd=str(tmp), env={**os.environ, "ROLEPLAY_PROBE": value})
    return km


async def execute(km: AsyncKernelManager, code: str, timeout: float = 60) -> tuple[dict, list[str]]:
    client = km.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=timeout)
        printed: list[str] = []

        def hook(message):
            if message["msg_type"] == "stream":
                printed.append(message["content"]["text"])

        reply = await client.execute_interactive(code, timeout=timeout, output_hook=hook)
        return reply["content"], printed
    finally:
        client.stop_channels()


def gone(pid: int, within: float = 30.0) -> bool:
    """Whether the process has ended (or is a zombie awaiting collection) within a bounded wait."""
    handle = ForkedKernel(pid)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if handle.poll() is not None:
            return True
        time.sleep(0.05)
    return False


def test_a_forked_kernel_runs_with_the_app_imported_where_and_as_it_was_asked(forking, tmp_path):
    async def scenario():
        first, second = await started(tmp_path, "one"), await started(tmp_path, "two")
        try:
            assert isinstance(first.provisioner, ForkingProvisioner) and first.provisioner.forked
            status, printed = await execute(first, PROBE)
            assert status["status"] == "ok", status
            one = json.loads(printed[0])
            _status, printed = await execute(second, PROBE)
            two = json.loads(printed[0])
            return first.provisioner.pid, one, two
        finally:
            await first.shutdown_kernel()
            await second.shutdown_kernel(now=True)

    pid, one, two = run(scenario())
    assert one["preloaded"] and one["pid"] == pid  # the app was in memory before the first line ran
    assert one["cwd"] == str(tmp_path) and one["probe"] == "one" and two["probe"] == "two"
    assert one["ppid"] == two["ppid"] == forking.process.pid  # both forked by the one fork server
    assert one["random"] != two["random"]  # each child reseeded
    assert gone(one["pid"]) and gone(two["pid"])  # a shutdown request and a kill both end them


def test_a_forked_kernel_shows_as_a_kernel_answers_interrupts_and_ends_with_its_fork_server(forking, tmp_path):
    async def scenario():
        km = await started(tmp_path, "three")
        client = km.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=60)
            cmdline = Path(f"/proc/{km.provisioner.pid}/cmdline").read_bytes().decode()
            msg_id = client.execute("import time\nprint('looping', flush=True)\nwhile True:\n    time.sleep(0.05)")
            while True:  # interrupt once the loop runs (it printed), not before
                message = await client.get_iopub_msg(timeout=60)
                if message["msg_type"] == "stream" and "looping" in message["content"]["text"]:
                    break
            await km.interrupt_kernel()
            reply = await client.get_shell_msg(timeout=60)
            while reply["parent_header"].get("msg_id") != msg_id:
                reply = await client.get_shell_msg(timeout=60)
        finally:
            client.stop_channels()
        pid = km.provisioner.pid
        forking.stop()  # the Voila server went: its fork server ends, and the kernels notice
        ended = gone(pid, within=60)
        await km.shutdown_kernel(now=True)
        return cmdline, reply["content"], ended

    cmdline, content, ended = run(scenario())
    assert "ipykernel_launcher" in cmdline and "kernel-three.json" in cmdline
    assert content["status"] == "error" and content["ename"] == "KeyboardInterrupt"
    assert ended


def test_a_kernel_that_cannot_be_forked_starts_the_ordinary_way(forking, tmp_path):
    assert kernel_argv([sys.executable, "-m", "ipykernel_launcher", "-f", "k.json"]) == [
        "ipykernel_launcher",
        "-f",
        "k.json",
    ]
    assert kernel_argv(["/usr/bin/R", "--slave", "-f", "k.json"]) is None
    assert kernel_argv([sys.executable, "-m", "other_kernel", "-f", "k.json"]) is None
    forking.failed = "could not import the app"  # as after a fork server that never got ready

    async def scenario():
        km = await started(tmp_path, "four")
        try:
            status, printed = await execute(km, PROBE)
            return km.provisioner, status, json.loads(printed[0])
        finally:
            await km.shutdown_kernel(now=True)

    provisioner, status, seen = run(scenario())
    assert isinstance(provisioner, LocalProvisioner) and not provisioner.forked
    assert status["status"] == "ok" and seen["probe"] == "four" and seen["ppid"] == os.getpid()


def test_a_fork_server_that_cannot_get_ready_says_why(monkeypatch):
    monkeypatch.setattr(forkserver, "READY_TIMEOUT", 60.0)
    server = ForkServer()
    monkeypatch.setattr(forkserver.sys, "executable", "/nonexistent/python")
    assert server.start() is False and "cannot start" in server.failed
    with pytest.raises(OSError, match="fork server: cannot start"):
        server.fork(["ipykernel_launcher"], {}, "/")


def test_a_forked_kernel_handle_follows_its_process():
    handle = ForkedKernel(os.getpid())
    assert handle.poll() is None  # this very process runs
    child = os.fork()
    if child == 0:
        signal.pause()
        os._exit(0)
    kernel = ForkedKernel(child)
    assert kernel.poll() is None
    kernel.kill()
    os.waitpid(child, 0)  # here we are its parent: collect it, as the fork server would
    assert kernel.wait(10) == -signal.SIGKILL and kernel.poll() == -signal.SIGKILL
