"""``roleplay serve``: the practice app (or, with ``--app``, the review lab or the scenario studio) on
Voila, with the lab's settings.

Bound to loopback unless asked otherwise, with token auth whenever it listens beyond it;
preheated kernels; idle kernels culled (a culled or closed page's session is marked
abandoned); no tracebacks shown to trainees; the query string honoured.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import shutil
import sys
from pathlib import Path

from . import settings
from .errors import LabError
from .results.store import open_store

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
# --app: what each served notebook is called
APPS = {
    "practice": ("practice.ipynb", "Practice app"),
    "review": ("review.ipynb", "Review lab"),
    "studio": ("author.ipynb", "Scenario studio"),
}


def is_loopback(ip: str) -> bool:
    if ip == "localhost":
        return True
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def voila_command(
    notebook: Path, *, port: int, ip: str, token: str | None, preheat: bool, pool_size: int, cull_idle: int, theme: str
) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={ip}",
        "--show_tracebacks=False",
        f"--theme={theme}",
        "--strip_sources=True",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle}",
        f"--MappingKernelManager.cull_interval={max(10, min(60, cull_idle // 2))}",
        # Voila's unload beacon posts no _xsrf value (voila-dashboards/voila#1458), so without this a
        # closed tab never shuts its kernel down and its session stays "in progress" until culled.
        # The endpoint needs the kernel's random UUID, and Voila refuses code execution from pages.
        "--Voila.tornado_settings=disable_check_xsrf=True",
    ]
    if preheat:
        command += ["--preheat_kernel=True", f"--pool_size={pool_size}"]
    if token:
        command.append(f"--token={token}")
    return command


def serve(
    *,
    port: int,
    ip: str,
    store: str | None,
    scenarios: str | None,
    token: str | None,
    preheat: bool,
    pool_size: int,
    cull_idle: int,
    theme: str,
    out,
    app: str = "practice",
) -> int:
    file, label = APPS[app]
    notebook = NOTEBOOKS / file
    if not notebook.is_file():
        raise LabError(f"the {label.lower()} notebook is missing: {notebook}")
    scenarios_dir = settings.scenarios_dir(scenarios)
    if not scenarios_dir.is_dir():
        raise LabError(f"no scenarios folder at {scenarios_dir}; give one with --scenarios DIR")
    results = open_store(store)
    stale = results.abandon_idle(cull_idle)
    if not is_loopback(ip) and not token:
        token = secrets.token_urlsafe(24)
    env = settings.environment(**{settings.STORE: results.location, settings.SCENARIOS: str(scenarios_dir.resolve())})
    results.close()
    host = "127.0.0.1" if ip in ("localhost", "127.0.0.1") else ip
    address = f"http://{host}:{port}/" + (f"?token={token}" if token else "")
    print(f"{label}: {address}", file=out)
    print(f"Results store: {env[settings.STORE]} · scenarios: {env[settings.SCENARIOS]}", file=out)
    if stale:
        print(f"Marked {stale} session(s) left in progress by closed pages as abandoned.", file=out)
    out.flush()
    command = voila_command(
        notebook, port=port, ip=ip, token=token, preheat=preheat, pool_size=pool_size, cull_idle=cull_idle, theme=theme
    )
    if shutil.which(command[0]) is None and not Path(command[0]).exists():
        raise LabError("cannot find the Python interpreter to start Voila")
    # Voila takes over this process: Ctrl-C and a test's kill reach it directly.
    os.chdir(notebook.parent)
    os.execve(command[0], command, env)
    return 0  # not reached
