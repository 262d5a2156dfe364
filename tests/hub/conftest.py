"""A real JupyterHub for the hub's tests: `roleplay hub` on a free port, its state in a temporary
folder (its own sqlite database), local processes for the users' servers, configurable-http-proxy
from npm, and a results store on a throwaway PostgreSQL server. Chromium is the suite's
(tests/browser/conftest.py): one browser, a context per person.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from .. import postgres
from ..browser.conftest import _free_port, _log_tail, launched

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0  # seconds: the hub migrates its database and starts its proxy


class Hub(NamedTuple):
    url: str  # http://127.0.0.1:PORT/
    store: str  # the PostgreSQL URL every user's server writes to
    library: Path
    data: Path
    log: Path


def _wait_for_hub(proc: subprocess.Popen, url: str, log: Path) -> None:
    """Poll the hub's login page (not a UI) until it answers 200 through the proxy."""
    deadline = time.monotonic() + START_TIMEOUT
    last: object = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"roleplay hub exited with {proc.returncode}:\n{_log_tail(log)}")
        try:
            with urllib.request.urlopen(url + "hub/login", timeout=5) as response:
                if response.status == 200:
                    return
                last = response.status
        except urllib.error.HTTPError as exc:  # 404 until the hub has told its proxy where it is
            last = exc.code
            exc.close()
        except (OSError, urllib.error.URLError) as exc:
            last = exc
        time.sleep(0.2)
    raise RuntimeError(f"the hub did not answer at {url}hub/login ({last!r}):\n{_log_tail(log)}")


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM: JupyterHub stops the users' servers and its proxy; SIGKILL the group if it hangs."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@contextlib.contextmanager
def running_hub(work: Path, store: str, *extra: str) -> Iterator[Hub]:
    """`roleplay hub EXTRA…` on a free port with its state in ``work``."""
    library = work / "scenarios"
    shutil.copytree(REPO / "tests" / "data" / "mini", library)  # a two-reply scenario: short plays
    data, log = work / "hub", work / "hub.log"
    port = _free_port()
    command = [sys.executable, "-m", "simulator", "hub", "--port", str(port), "--data", str(data)]
    command += ["--store", store, "--scenarios", str(library), *extra]
    url = f"http://127.0.0.1:{port}/"
    with launched(command, log, url, cwd=work, wait=_wait_for_hub, stop=_stop):
        yield Hub(url, store, library, data, log)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, postgres_server: str) -> Iterator[Hub]:
    """A hub with NativeAuthenticator, admin ``admin``, and a fresh PostgreSQL store."""
    store = postgres.new_database(postgres_server)
    with running_hub(tmp_path_factory.mktemp("hub"), store, "--admin", "admin") as running:
        yield running
