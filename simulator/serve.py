"""``roleplay serve``: the practice app (or, with ``--app``, the review lab or the scenario studio) on
Voila, with the lab's settings.

Bound to loopback unless asked otherwise, with token auth whenever it listens beyond it; only
the served names answered (``--allow-host`` adds one), XSRF checked, and script never taken
from the address (``simulator.webapp``, the lab's Voila server, does that); preheated kernels;
a page gone without a word ended after ``--abandon-after`` seconds and an idle one after
``--cull-idle`` (either way its session is marked abandoned); no tracebacks shown to trainees;
the query string honoured.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import shutil
import socket
import sys
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from . import settings
from .errors import LabError
from .loading.cache import load_library_cached
from .results.store import open_store

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
# --app: what each served notebook is called
APPS = {
    "practice": ("practice.ipynb", "Practice app"),
    "review": ("review.ipynb", "Review lab"),
    "studio": ("author.ipynb", "Scenario studio"),
}
ABANDON_AFTER = 120  # seconds: a page gone without a word (closed lid, lost network) ends its session
# Seconds a page may take to connect to its kernel before the kernel counts as abandoned: a class of 50
# arriving together on two cores kept browsers busy for over 4 minutes, and kernels ended at 120 s left
# their pages blank for good.
PAGE_CONNECT_GRACE = 600
# How long Voila waits for a cell's output after the kernel said the cell ran (nbclient's iopub_timeout,
# 4 s by default): a CPU-starved server or kernel misses 4 s, and the page stayed blank.
IOPUB_TIMEOUT = 120
# How long Voila waits for a kernel to start (60 s by default): a class arriving together on two cores
# starts dozens at once, and a page whose kernel missed 60 s failed.
STARTUP_TIMEOUT = 600
# What a warm practice-app kernel holds (RSS, MB, measured by benchmarks/bench_class.py: about 75), with room
# to spare, and what the Voila server itself needs besides.
KERNEL_MB = 100
SERVER_MB = 300


def is_loopback(ip: str) -> bool:
    """Whether an address reaches this machine only (then no token is needed).

    Args:
        ip: the address Voila is to listen on: ``localhost``, an IPv4 or an IPv6 address.

    Returns:
        True for ``localhost`` and loopback addresses (``127.0.0.0/8``, ``::1``); False for any
        other address, and for text that is not an address at all.
    """
    if ip == "localhost":
        return True
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def voila_command(
    notebook: Path,
    *,
    port: int,
    ip: str,
    token: str | None,
    preheat: bool,
    pool_size: int,
    cull_idle: int,
    theme: str,
    abandon_after: int = ABANDON_AFTER,
    allow_hosts: Sequence[str] = (),
    class_size: int = 0,
    fork_kernels: bool = False,
    page_connect_grace: int = PAGE_CONNECT_GRACE,
    verbose: bool = False,
) -> list[str]:
    """The command line that serves one notebook with the lab's Voila server (``simulator.webapp``).

    Args:
        notebook: the notebook to serve (one of ``APPS``, under ``NOTEBOOKS``).
        port: the port to listen on (that one or none: the server never moves to another).
        ip: the address to listen on.
        token: the token a browser must present, or None for none.
        preheat: keep kernels started before their page is asked for.
        pool_size: how many preheated kernels to keep ready.
        cull_idle: seconds after which an idle page's kernel is shut down, open or not.
        theme: ``light`` or ``dark``.
        abandon_after: seconds after which a kernel no page is connected to (a closed tab, a
            closed lid, a lost network) is shut down, and its session marked abandoned.
        allow_hosts: names besides loopback and ``ip`` that a browser may call the server by.
        class_size: a class's number of kernels kept warm (the pool; the server prints how many
            are ready as it fills); 0: no class, ``pool_size`` applies.
        fork_kernels: start kernels by forking a process that has imported the practice app
            (``simulator.forkserver``) instead of as new processes.
        page_connect_grace: seconds a kernel whose page has never connected is kept before it
            counts as abandoned (at least ``abandon_after``).
        verbose: log every kernel started and ended; by default only warnings and errors.

    Returns:
        The arguments, starting with this Python interpreter, ready for ``os.execve``.
    """
    abandon_after = min(abandon_after, cull_idle) if cull_idle > 0 else abandon_after
    command = [
        sys.executable,
        "-m",
        "simulator.webapp",
        str(notebook),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={ip}",
        "--show_tracebacks=False",
        f"--theme={theme}",
        "--strip_sources=True",
        f"--abandon-after={abandon_after}",
        f"--cull-interval={cull_interval(abandon_after)}",
        f"--cull-idle={cull_idle}",
        f"--page-connect-grace={max(page_connect_grace, abandon_after)}",
        f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT}",
        "--VoilaExecutor.raise_on_iopub_timeout=False",
        f"--VoilaExecutor.startup_timeout={STARTUP_TIMEOUT}",
        f"--Voila.log_level={'INFO' if verbose else 'WARN'}",
    ]
    command += [f"--allow-host={name}" for name in allow_hosts]
    if class_size > 0:
        command += ["--preheat_kernel=True", f"--pool_size={class_size}", f"--class-size={class_size}"]
    elif preheat:
        command += ["--preheat_kernel=True", f"--pool_size={pool_size}"]
    if fork_kernels:
        command.append("--fork-kernels")
    if token:
        command.append(f"--token={token}")
    return command


def cull_interval(abandon_after: int) -> int:
    """How often (seconds) kernels are checked for culling: a quarter of ``abandon_after``, 1 to 30."""
    return max(1, min(30, abandon_after // 4))


def page_address(ip: str, port: int, token: str | None) -> str:
    """The address a browser opens: ``http://HOST:PORT/`` (IPv6 in brackets), with ``?token=`` when one is needed.

    Args:
        ip: the address the server listens on (``localhost`` is shown as ``127.0.0.1``).
        port: its port.
        token: the token, or None.

    Returns:
        The address.
    """
    host = "127.0.0.1" if ip in ("localhost", "127.0.0.1") else ip
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/" + (f"?token={token}" if token else "")


def port_in_use(ip: str, port: int) -> bool:
    """Whether another process listens on the port at that address (the server would fail to start there).

    Args:
        ip: the address the server is to listen on (``localhost`` is ``127.0.0.1``).
        port: its port.

    Returns:
        True when the port cannot be bound there.
    """
    host = "127.0.0.1" if ip == "localhost" else ip.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def is_wildcard(ip: str) -> bool:
    """Whether an address means every interface of the machine (``0.0.0.0``, ``::``)."""
    try:
        return ipaddress.ip_address(ip).is_unspecified
    except ValueError:
        return False


def machine_names() -> list[str]:
    """The names and addresses people on the network may use for this machine (best effort)."""
    names = [socket.gethostname(), socket.getfqdn()]
    with contextlib.suppress(OSError):
        names += [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)]
    return sorted({n for n in names if n})


def available_memory_mb() -> int | None:
    """The memory this machine can give new processes without swapping (``MemAvailable``), in MB.

    Returns:
        Megabytes, or None where ``/proc/meminfo`` cannot be read (then no class size is refused).
    """
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def largest_class(available_mb: int, kernel_mb: int = KERNEL_MB, server_mb: int = SERVER_MB) -> int:
    """How many warm kernels fit in the memory available, after the server's own.

    Args:
        available_mb: memory available, MB.
        kernel_mb: one warm practice-app kernel, MB.
        server_mb: the Voila server itself, MB.

    Returns:
        The largest class size that fits (0 when not even one does).
    """
    return max(0, (available_mb - server_mb) // kernel_mb)


def check_class_size(size: int, available_mb: int | None) -> None:
    """Refuse a class the memory cannot hold.

    Args:
        size: kernels to keep warm.
        available_mb: memory available (``available_memory_mb()``), MB; None: not known, nothing refused.

    Raises:
        LabError: naming what the class needs, what is available and the largest class that fits.
    """
    if available_mb is None or size <= 0:
        return
    fits = largest_class(available_mb)
    if size > fits:
        need = size * KERNEL_MB + SERVER_MB
        raise LabError(
            f"a class of {size} needs about {need} MB ({size} kernels × {KERNEL_MB} MB and {SERVER_MB} MB for "
            f"the server) but {available_mb} MB are available: the largest class that fits is {fits}"
        )


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
    out: TextIO,
    app: str = "practice",
    abandon_after: int = ABANDON_AFTER,
    allow_hosts: Sequence[str] = (),
    class_size: int = 0,
    fork_kernels: bool = True,
    page_connect_grace: int = PAGE_CONNECT_GRACE,
    verbose: bool = False,
    class_scenario: str | None = None,
) -> int:
    """Serve an app of the lab with Voila in this process (``roleplay serve``).

    Checks the notebook, the scenario library and the results store first, marks sessions left
    in progress by pages idle longer than ``cull_idle`` as abandoned, prints the address (with
    the token) to ``out``, then replaces this process with the lab's Voila server
    (``simulator.webapp``), passing the store and the library on as ``ROLEPLAY_STORE`` and
    ``ROLEPLAY_SCENARIOS``.

    Args:
        port: the port to listen on.
        ip: the address to listen on; beyond loopback a token is always required.
        store: the results store, a SQLite file or a database URL (None: the default store).
        scenarios: the scenario library (None: ``settings.scenarios_dir()``).
        token: the token a browser must present (None: none on loopback, a random one beyond it).
        preheat: keep kernels started before their page is asked for.
        pool_size: how many preheated kernels to keep ready.
        cull_idle: seconds after which an idle page's kernel is shut down, its tab open or not.
        theme: ``light`` or ``dark``.
        out: where the address and the store are printed.
        app: ``practice`` (the trainee's app), ``review`` (the review lab) or ``studio``.
        abandon_after: seconds after which the kernel of a page that is gone (no unload, e.g. a
            closed lid or a lost network) is shut down and its session marked abandoned.
        allow_hosts: names besides loopback and ``ip`` that browsers may call the server by (on
            ``0.0.0.0`` or ``::`` the machine's own names and addresses are added).
        class_size: keep this many practice-app kernels warm for a class arriving together (refused
            when the memory cannot hold them); 0: ``preheat`` and ``pool_size`` apply.
        fork_kernels: the practice app's kernels are forked from a process that imported the app
            once (``simulator.forkserver``: a page's kernel costs a fraction of a new process);
            False starts each as a new process. The review lab and the studio never fork.
        page_connect_grace: seconds a page may take to connect to its kernel (a browser busy with a
            class arriving together) before the kernel counts as abandoned.
        verbose: the server logs every kernel started and ended (by default only what needs attention).
        class_scenario: the scenario a class plays (practice app): its link is printed, and the fork
            server works out its state space once (``loading.cache.warm``), so no kernel pays for it at
            its trainee's first reply.

    Returns:
        Nothing in practice: Voila takes over the process, and its exit status is the command's.

    Raises:
        LabError: the notebook or the scenarios folder is missing, the port is taken, the interpreter
            cannot be found, or the class does not fit in memory.
        StoreError: the results store cannot be opened.
    """
    file, label = APPS[app]
    notebook = NOTEBOOKS / file
    if not notebook.is_file():
        raise LabError(f"the {label.lower()} notebook is missing: {notebook}")
    scenarios_dir = settings.scenarios_dir(scenarios)
    if not scenarios_dir.is_dir():
        raise LabError(f"no scenarios folder at {scenarios_dir}; give one with --scenarios DIR")
    if class_size and app != "practice":
        raise LabError("--class-size is for the practice app: a class of trainees")
    if class_scenario is not None and app != "practice":
        raise LabError("--scenario is for the practice app: the scenario a class plays")
    check_class_size(class_size, available_memory_mb())
    if port_in_use(ip, port):
        raise LabError(f"port {port} is in use on {ip} (another server?): stop it, or choose another with --port N")
    # Check the library once here: every kernel then reads it from the cache instead of checking it again.
    cache = settings.cache_dir()
    scenarios, problems, _hits = load_library_cached(scenarios_dir, cache)
    if app == "practice":
        # Typed replies: the model's files converted and the options' vectors stored before anyone types.
        from .core.semantic import prepare

        computed = prepare(scenarios.values())
    if class_scenario is not None and class_scenario not in scenarios:
        known = ", ".join(sorted(scenarios)) or "none"
        raise LabError(f"--scenario {class_scenario}: no sound scenario has that id in {scenarios_dir} (ids: {known})")
    results = open_store(store)
    results.check_writable()  # refuse now, not when trainees' replies cannot be saved
    stale = results.abandon_idle(cull_idle)
    if not is_loopback(ip) and not token:
        token = secrets.token_urlsafe(24)
    overrides = {
        settings.STORE: results.location,
        settings.SCENARIOS: str(scenarios_dir.resolve()),
        settings.CACHE: str(cache.resolve()),
    }
    if class_scenario is not None:
        overrides[settings.CLASS_SCENARIO] = class_scenario
    if not is_loopback(ip) and not is_wildcard(ip):
        overrides["VOILA_APP_IP"] = ip  # where a preheated kernel asks for its page (Voila listens there only)
    env = settings.environment(**overrides)
    results.close()
    hosts = [*allow_hosts, *(machine_names() if is_wildcard(ip) else [])]
    print(f"{label}: {page_address(ip, port, token)}", file=out)
    print(f"Results store: {results.display_location} · scenarios: {env[settings.SCENARIOS]}", file=out)
    if stale:
        print(f"Marked {stale} session(s) left in progress by closed pages as abandoned.", file=out)
    if problems:
        print(f"{len(problems)} problem(s) in the library: those scenarios are not offered.", file=out)
    if app == "practice" and computed:
        print(f"Typed replies: the options of {computed} node(s) encoded once, kept in the cache.", file=out)
    if class_scenario is not None:
        link = page_address(ip, port, token)
        link += ("&" if "?" in link else "?") + urllib.parse.urlencode({"scenario": class_scenario})
        print(f"Class link ({scenarios[class_scenario].title}): {link}", file=out)
    if class_size:
        print(f"Class of {class_size}: keeping {class_size} kernels warm, ready ones counted below.", file=out)
    out.flush()
    command = voila_command(
        notebook,
        port=port,
        ip=ip,
        token=token,
        preheat=preheat,
        pool_size=pool_size,
        cull_idle=cull_idle,
        theme=theme,
        abandon_after=abandon_after,
        allow_hosts=hosts,
        class_size=class_size,
        fork_kernels=fork_kernels and app == "practice",
        page_connect_grace=page_connect_grace,
        verbose=verbose,
    )
    if shutil.which(command[0]) is None and not Path(command[0]).exists():
        raise LabError("cannot find the Python interpreter to start Voila")
    # Voila takes over this process: Ctrl-C and a test's kill reach it directly.
    os.chdir(notebook.parent)
    os.execve(command[0], command, env)
    return 0  # not reached
