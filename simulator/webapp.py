"""The lab's Voila server: Voila with the guards a served app needs, started by ``roleplay serve`` as
``python -m simulator.webapp NOTEBOOK [Voila's options] [--allow-host NAME]… [--abandon-after SECONDS]``.

What it adds to Voila (``voila.app.Voila``, whose options all still apply):

- **Served names only.** A request whose ``Host`` is not a name this server is served under
  (``localhost``, ``127.0.0.1``, ``[::1]``, the ``--Voila.ip`` it listens on and every
  ``--allow-host NAME``) gets 403, so a page from another site cannot reach it by DNS rebinding.
- **Its own pages only.** A websocket handshake or a POST, PUT, PATCH or DELETE that carries an
  ``Origin`` other than the page's own gets 403.
- **XSRF on.** Voila's check stays on; the page sets the ``_xsrf`` cookie, which Voila's unload
  beacon posts with its ``POST /voila/api/shutdown/<kernel>``.
- **Safe page options.** ``?theme=`` may only be ``light`` or ``dark`` and ``?template=`` is not
  taken (400): Voila writes both into the page unescaped.
- **Abandoned pages end.** A kernel no page is connected to is ended after ``--abandon-after``
  seconds idle (the practice app marks its session abandoned as the kernel shuts down); a kernel
  whose page is open is ended only after ``--cull-idle`` seconds idle. A kernel whose page has not
  connected yet (a class arriving together keeps the browsers busy for minutes) is given
  ``--page-connect-grace`` seconds first, so a slow page is not left without its kernel. Websockets are pinged every
  few seconds, so a page that vanished without a word (a closed lid, a lost network) is noticed.
- **One port.** The server listens on the port it is given or fails; it never moves to another,
  so the address ``roleplay serve`` prints is the one it serves.
- **A class says when it is ready.** With ``--class-size N`` (and a pool of N preheated kernels) it
  prints ``Class: K of N kernels ready`` whenever K changes. A kernel is ready when it has run the
  notebook up to waiting for its page (it is connected to Voila's ``/voila/query/<kernel>``).
  When the class takes its kernels, the pool is refilled one kernel every ``REFILL_STAGGER`` seconds
  after ``REFILL_DELAY`` (Voila refills each at once, a second later: N kernels starting together
  while the class plays), and a refill first waits (at most ``REFILL_WAIT_MAX`` seconds) until every
  page that took a kernel has connected to it, so refills leave the opening pages the machine, and
  until no page's kernel has had a message for ``REFILL_CALM`` seconds: a class playing keeps its
  clicks' server to itself (refills running while 25 trainees played took the server to 0.6 cores, and
  the class's clicks to p95 289 ms, where the same class on a server with a pool of 2 saw 126 ms).
- **Each preheated kernel gets its page's request** (``PageRequestHandler``, ``keep_request``): Voila's
  ``/voila/query/<kernel>`` could lose it when a kernel's connection closed and it connected again (it
  then unregistered another kernel, or wrote the request to the connection given up), which left that
  page at "Executing 2 of 2" for good; the request is kept until the kernel ends.
- **Kernels over local sockets.** Kernels talk to the server over Unix sockets (``ipc``) in the
  server's private temporary folder, not TCP ports: no port is picked and then lost to another
  process when many kernels start at once, and no kernel is reachable from the network.
- **A page never waits blank.** When every preheated kernel is taken and the next is still starting,
  the page is sent an "opening…" note at once (``simulator/ui/static/page/waiting.html``); the app's page
  follows in the same response and hides it.
- **The page counts the reply timer.** Voila's ``lab`` template is extended by the lab's own
  (``simulator/ui/static/page/``), which adds a small script that writes the practice app's reply
  timer once a second; without it a CSS animation would cost every open page a style pass per frame.
- **A quiet start.** The lab's notebook is trusted (signed in memory at start: no "not trusted"
  warning at every page); ``roleplay serve`` sets Voila's log level to warnings unless ``--verbose``.
- **Forked kernels.** With ``--fork-kernels`` (``roleplay serve`` sets it for the practice app) each
  kernel is forked from a process that has imported the app once (``simulator.forkserver``).

The module reads no environment variable: ``roleplay serve`` passes everything as options.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import inspect
import ipaddress
import logging
import os
import re
import secrets
import sys
import tempfile
import urllib.parse
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import ClassVar

import nbformat
import tornado.web
from jupyter_client.provisioning import KernelProvisionerFactory
from jupyter_core.utils import ensure_async
from jupyter_server.base.handlers import FileFindHandler
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from nbformat import sign
from tornado import httputil
from tornado.ioloop import PeriodicCallback
from traitlets import Bool, Integer, List, TraitError, Unicode
from voila.app import Voila
from voila.request_info_handler import RequestInfoSocketHandler
from voila.static_file_handler import MultiStaticFileHandler
from voila.tornado.handler import TornadoVoilaHandler

__all__ = [
    "THEMES",
    "LabKernelManager",
    "LabVoila",
    "PageRequestHandler",
    "host_allowed",
    "keep_request",
    "opening_pages",
    "origin_allowed",
    "playing_pages",
    "ready_kernels",
    "served_names",
    "stagger_refills",
    "use_forking_provisioner",
]

THEMES = ("light", "dark")
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
PAGE_TEMPLATE = Path(__file__).parent / "ui" / "static" / "page"  # extends Voila's lab template
WAITING_PAGE = (PAGE_TEMPLATE / "waiting.html").read_text(encoding="utf-8")  # sent first while a kernel starts
WS_PING_INTERVAL_MS = 10_000  # how often an open page's websocket is pinged
WS_PING_TIMEOUT_MS = 30_000  # no answer for this long: the page is gone, its websocket is closed
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The JupyterLab extensions a page loads. Voila loads every one installed in the environment unless told
# (anywidget's 370 kB of script, Voila's own JupyterLab preview, pygments' styles …), and each costs every
# page's browser its download and parse. A page of the lab needs ipywidgets' own (base widgets and controls)
# and the widgets' manager Voila puts in its place in the page; the studio's editor needs anywidget as well.
WIDGETS = ("@jupyter-widgets/jupyterlab-manager", "@voila-dashboards/widgets-manager8")
PAGE_EXTENSIONS = {"author.ipynb": ("anywidget",)}  # the studio (serve.APPS["studio"])
REFILL_DELAY = 5.0  # seconds after a class's kernel is taken before its replacement starts
REFILL_STAGGER = 2.0  # seconds between the replacements' starts
# A class's replacement kernel waits while pages that took kernels are still opening and while the
# machine is busy (its trainees playing: a refill then took the CPU their replies needed), one at a time,
# this long at most.
REFILL_WAIT_MAX = 600.0
REFILL_BUSY = 0.5  # the machine's CPU use (all cores, 0-1) at or above which a replacement waits
REFILL_CALM = 5.0  # seconds without a message on any open page's kernel before a replacement starts


def _bare(host: str) -> str:
    """A Host header's name without its port and IPv6 brackets, lower-case (``[::1]:8866`` → ``::1``)."""
    host = host.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[1:end] if end > 0 else host
    if host.count(":") == 1:  # name:port (a bare IPv6 address has several colons)
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def served_names(ip: str, allowed: Iterable[str] = ()) -> frozenset[str]:
    """Every name a request may call this server by.

    Args:
        ip: the address the server listens on.
        allowed: further names (``--allow-host``), e.g. the machine's name on the network.

    Returns:
        ``localhost``, ``127.0.0.1`` and ``::1``, the ip and the names given, bare and lower-case.
    """
    return frozenset({*LOOPBACK_NAMES, _bare(ip), *(_bare(name) for name in allowed if name.strip())})


def host_allowed(host: str | None, names: frozenset[str]) -> bool:
    """Whether a request's ``Host`` header names this server.

    Args:
        host: the header (``127.0.0.1:8866``, ``[::1]:8866``, ``evil.example``); None when missing.
        names: ``served_names(…)``.

    Returns:
        True when the name (without its port) is one of ``names``.
    """
    if not host:
        return False
    name = _bare(host)
    if name in names:
        return True
    try:  # the same address written another way (::0001, 127.000.000.001 are not taken by browsers)
        return str(ipaddress.ip_address(name)) in names
    except ValueError:
        return False


def origin_allowed(origin: str | None, host: str | None) -> bool:
    """Whether a request's ``Origin`` is the page's own: the scheme is http or https and its host and
    port are the request's ``Host``. No ``Origin`` at all (a script, the kernel asking for its query
    string) is allowed: browsers always send one with a websocket or a cross-site POST.

    Args:
        origin: the ``Origin`` header, or None.
        host: the ``Host`` header, or None.

    Returns:
        True when the request may go on.
    """
    if origin is None:
        return True
    parts = urllib.parse.urlsplit(origin.strip().lower())
    return parts.scheme in ("http", "https") and bool(host) and parts.netloc == host.strip().lower()


def _changes_state(request: httputil.HTTPServerRequest) -> bool:
    """A websocket handshake or a POST, PUT, PATCH or DELETE: what another site's page must not send."""
    return request.method in UNSAFE_METHODS or request.headers.get("Upgrade", "").lower() == "websocket"


class _GuardedApplication(tornado.web.Application):
    """Voila's tornado application, refusing (403) foreign hosts and foreign origins before routing."""

    def find_handler(self, request: httputil.HTTPServerRequest, **kwargs):
        names = self.settings["roleplay_served_names"]  # None: any Host (behind JupyterHub's proxy)
        refused = None
        if names is not None and not host_allowed(request.host, names):
            refused = f"Host {request.host!r} is not a name this server is served under"
        elif _changes_state(request) and not origin_allowed(request.headers.get("Origin"), request.host):
            refused = f"Origin {request.headers.get('Origin')!r} is not this server's page"
        if refused is not None:
            self.settings["voila"].log.warning("Refused %s %s: %s", request.method, request.path, refused)
            return self.get_handler_delegate(request, tornado.web.ErrorHandler, {"status_code": 403})
        return super().find_handler(request, **kwargs)


class _PageHandler(TornadoVoilaHandler):
    """The notebook's page: only ``light`` or ``dark`` as ``?theme=``, no ``?template=``, and the
    ``_xsrf`` cookie set for Voila's unload beacon."""

    async def prepare(self):
        result = super().prepare()  # Host, login (a GET without it is sent to the login page)
        if inspect.isawaitable(result):
            await result
        if self._finished:
            return
        themes = self.get_arguments("theme")
        if any(theme not in THEMES for theme in themes) or self.get_arguments("template"):
            self.log.warning("Refused page options in %s: theme is light or dark, template none", self.request.path)
            raise tornado.web.HTTPError(400, "theme may be light or dark; template may not be set")
        self.xsrf_token  # noqa: B018 - reading it sets the _xsrf cookie the unload beacon sends back

    @tornado.web.authenticated
    async def get(self, path=None):
        # Every preheated kernel taken, the next still starting: Voila would send nothing until it is ready
        # (seconds; a blank page). Send the "opening…" note at once; the page follows in the same response.
        pool = getattr(self.kernel_manager, "_pools", {}).get(self.notebook_path) or []
        if pool and not pool[0].done():
            theme = self.get_argument("theme", None)
            self.set_header("Content-Type", "text/html")
            self.set_header("Cache-Control", "no-cache, no-store, must-revalidate")
            self.write(WAITING_PAGE.replace("{theme_class}", "rp-wait-dark" if theme == "dark" else "rp-wait-light"))
            self.flush()
        await super().get(path)

    def render_template(self, name, **ns):
        # Voila's own pages (an error page too) take the theme from the address: never an unchecked one.
        theme = self.get_argument("theme", None)
        ns.setdefault("theme", theme if theme in THEMES else self.voila_configuration.theme)
        return super().render_template(name, **ns)


class PageRequestHandler(RequestInfoSocketHandler):
    """Voila's ``/voila/query/<kernel>`` websocket, which hands a preheated kernel its page's request, without
    two of its slips that leave a page at "Executing 2 of 2" for good under a class's load:

    - when a connection closes, Voila deletes whichever kernel was registered last if that connection is no
      longer the registered one (a kernel that reconnected): another kernel then never gets its request;
      here a closing connection removes only itself;
    - a request sent to a connection the kernel has just given up is lost; here every request is kept
      (``keep_request``) and handed again to the kernel's next connection, until the kernel ends.
    """

    def on_close(self) -> None:
        waiters = RequestInfoSocketHandler._waiters
        for kernel_id, waiter in list(waiters.items()):
            if waiter is self:
                del waiters[kernel_id]
                break


def keep_request(msg: dict) -> None:
    """``RequestInfoSocketHandler.send_updates`` that keeps the request for the kernel's next connection too
    (Voila keeps it only when no connection waits; ``LabKernelManager.remove_kernel`` forgets it)."""
    kernel_id, payload = msg["kernel_id"], msg["payload"]
    RequestInfoSocketHandler._cache[kernel_id] = payload
    waiter = RequestInfoSocketHandler._waiters.get(kernel_id)
    if waiter is not None:
        try:
            waiter.write_message(payload)
        except Exception:  # closed under us: the next connection gets it from the cache
            logging.getLogger(__name__).info("request of kernel %s kept for its next connection", kernel_id)


# Webpack's loader in Voila's scripts (and in each widget extension's remoteEntry) gives up on a script chunk
# that has not loaded within 120 s, and the page never opens: "Executing 2 of 2" for good. With 50 pages
# opening at once on two cores some chunks took longer. The lab's server sends those loaders with a longer wait.
CHUNK_TIMEOUT = re.compile(rb'(\{type:"timeout",target:\w+\}\),)12e4\)')
CHUNK_TIMEOUT_MS = 900_000


@functools.lru_cache(maxsize=64)
def patient_loader(abspath: str) -> bytes | None:
    """A webpack runtime (Voila's ``voila.js``, an extension's ``remoteEntry.*.js``) with its chunk timeout
    raised to ``CHUNK_TIMEOUT_MS``.

    Args:
        abspath: the file's path.

    Returns:
        The changed script, or None for any other file (served as it is).
    """
    name = os.path.basename(abspath)
    if not (name == "voila.js" or (name.startswith("remoteEntry.") and name.endswith(".js"))):
        return None
    try:
        content = Path(abspath).read_bytes()
    except OSError:
        return None
    patched, found = CHUNK_TIMEOUT.subn(rb"\g<1>%d)" % CHUNK_TIMEOUT_MS, content)
    return patched if found else None


class _PatientLoader:
    """A static file handler that sends webpack runtimes through ``patient_loader``."""

    @classmethod
    def get_content(cls, abspath, start=None, end=None):
        patched = patient_loader(abspath)
        if patched is None:
            return super().get_content(abspath, start, end)
        return patched[start:end]

    def get_content_size(self) -> int:
        patched = patient_loader(self.absolute_path)
        return len(patched) if patched is not None else super().get_content_size()


class _StaticHandler(_PatientLoader, MultiStaticFileHandler):
    """Voila's ``/voila/static/`` (its own scripts)."""


class _ExtensionHandler(_PatientLoader, FileFindHandler):
    """Voila's ``/voila/labextensions/`` (the widget extensions' scripts)."""


class LabKernelManager(AsyncMappingKernelManager):
    """Kernels culled the lab's way: one no page is connected to after ``cull_idle_timeout`` seconds
    idle (``--abandon-after``), one whose page is open after ``page_idle_timeout`` (``--cull-idle``).

    Kernels are shut down the ordinary way (a shutdown request first), so the app's ``atexit``
    handlers run: the practice app marks its session abandoned.
    """

    page_idle_timeout = Integer(
        0, config=True, help="Seconds an open page's kernel may stay idle before it is ended (0: while it is open)."
    )
    page_connect_grace = Integer(
        600,
        config=True,
        help="Seconds a kernel whose page has never connected may stay idle before it is ended as abandoned.",
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._paged: set[str] = set()  # kernels a page has connected to at least once

    def notify_connect(self, kernel_id: str) -> None:
        """A page (or any websocket client) connected to a kernel.

        Args:
            kernel_id: the kernel.
        """
        super().notify_connect(kernel_id)
        self._paged.add(kernel_id)

    def remove_kernel(self, kernel_id: str):
        """Forget a kernel that has ended.

        Args:
            kernel_id: the kernel.

        Returns:
            What ``MultiKernelManager.remove_kernel`` returns (the kernel's manager).
        """
        self._paged.discard(kernel_id)
        RequestInfoSocketHandler._cache.pop(kernel_id, None)  # its page's request (``keep_request``)
        return super().remove_kernel(kernel_id)

    async def cull_kernel_if_idle(self, kernel_id: str):
        kernel = self._kernels.get(kernel_id)
        if kernel is None:
            return
        connected = self._kernel_connections.get(kernel_id, 0)
        activity = _last_activity(kernel)
        alive = getattr(kernel, "execution_state", None) != "dead"
        if alive and activity is not None:
            idle = datetime.now(UTC) - activity
            if not connected and kernel_id not in self._paged:
                # Its page has not connected yet: under a class's load that can take minutes after the kernel ran.
                if idle < timedelta(seconds=max(self.page_connect_grace, self.cull_idle_timeout)):
                    return
            elif connected and self.page_idle_timeout > 0:
                busy = getattr(kernel, "execution_state", None) == "busy"
                if idle > timedelta(seconds=self.page_idle_timeout) and not busy:
                    self.log.warning(
                        "Culling kernel %s of an open page after %d seconds of inactivity.",
                        kernel_id,
                        int(idle.total_seconds()),
                    )
                    await ensure_async(self.shutdown_kernel(kernel_id))
                    return
        elif alive:
            return  # still starting: nothing to judge yet
        await ensure_async(super().cull_kernel_if_idle(kernel_id))


def ready_kernels(kernel_manager) -> tuple[int, int]:
    """How many preheated kernels wait for a page, of how many the pools hold.

    Args:
        kernel_manager: Voila's kernel manager (its ``_pools``: notebook → tasks of preheated kernels).

    Returns:
        (ready, pooled): a kernel is ready when it has run its notebook up to waiting for its page
        (connected to ``/voila/query/<kernel>``).
    """
    waiting = RequestInfoSocketHandler._waiters
    pooled = sum(len(pool) for pool in getattr(kernel_manager, "_pools", {}).values())
    return sum(kid in waiting for kid in _preheated(kernel_manager)), pooled


def _preheated(kernel_manager) -> list[str]:
    """The kernels the pools hold that have started (their preheating task finished without error)."""
    return [
        task.result().get("kernel_id")
        for pool in getattr(kernel_manager, "_pools", {}).values()
        for task in pool
        if task.done() and not task.cancelled() and task.exception() is None
    ]


def stagger_refills(kernel_manager) -> None:
    """Make a preheating kernel manager refill its pool one kernel at a time, not all at once.

    Args:
        kernel_manager: Voila's ``VoilaKernelManager`` (its ``fill_if_needed`` is wrapped: a refill
            after a page took a kernel waits ``REFILL_DELAY`` plus ``REFILL_STAGGER`` seconds for each
            replacement already waiting to start).
    """
    fill = kernel_manager.fill_if_needed

    def staggered(delay=None, notebook_name=None, **kwargs):
        if delay is None:  # a page took a kernel (the first fill passes 0)
            waiting = sum(not task.done() for pool in kernel_manager._pools.values() for task in pool)
            delay = REFILL_DELAY + waiting * REFILL_STAGGER
        return fill(delay=delay, notebook_name=notebook_name, **kwargs)

    kernel_manager.fill_if_needed = staggered
    initialize = kernel_manager._initialize
    kernel_manager._preheating = 0
    one_at_a_time = asyncio.Lock()

    async def when_the_class_is_quiet(*args, **kwargs):
        async with one_at_a_time:
            meter, waited = CpuMeter(), 0.0
            while waited < REFILL_WAIT_MAX:
                await asyncio.sleep(0.5)
                waited += 0.5
                busy = meter.busy()
                if (
                    not opening_pages(kernel_manager)
                    and not playing_pages(kernel_manager)
                    and (busy is None or busy < REFILL_BUSY)
                ):
                    break
            kernel_manager._preheating += 1
            try:
                return await initialize(*args, **kwargs)
            finally:
                kernel_manager._preheating -= 1

    kernel_manager._initialize = when_the_class_is_quiet


class CpuMeter:
    """The machine's CPU use since the last reading (``/proc/stat``: all cores; none where it cannot be read)."""

    def __init__(self) -> None:
        self._last = self._read()

    @staticmethod
    def _read() -> tuple[int, int] | None:
        try:
            with open("/proc/stat", encoding="ascii") as f:
                ticks = [int(v) for v in f.readline().split()[1:9]]
        except (OSError, ValueError):
            return None
        return (sum(ticks), ticks[3] + ticks[4]) if len(ticks) >= 5 else None  # (all, idle and waiting for I/O)

    def busy(self) -> float | None:
        """The share of the CPU time since the last reading that was not idle.

        Returns:
            0 (idle) to 1 (every core busy), or None when it cannot be told.
        """
        now, last = self._read(), self._last
        self._last = now
        if now is None or last is None or now[0] <= last[0]:
            return None
        return 1.0 - (now[1] - last[1]) / (now[0] - last[0])


def opening_pages(kernel_manager) -> int:
    """How many kernels have been given to a page that has not connected to them yet.

    Args:
        kernel_manager: Voila's kernel manager (a ``LabKernelManager``).

    Returns:
        Kernels that are neither waiting in the pool, nor being preheated, nor connected to at least
        once by a page.
    """
    pooled = set(_preheated(kernel_manager))
    paged = getattr(kernel_manager, "_paged", set())
    unpooled = sum(1 for kid in kernel_manager.list_kernel_ids() if kid not in pooled and kid not in paged)
    return max(0, unpooled - getattr(kernel_manager, "_preheating", 0))


def _last_activity(kernel) -> datetime | None:
    """When a kernel last had a message, or None while it is still starting (the trait is unset then).

    Args:
        kernel: a kernel manager's kernel.

    Returns:
        The time (UTC), or None.
    """
    try:
        return kernel.last_activity
    except (AttributeError, TraitError):
        return None


def playing_pages(kernel_manager, within: float = REFILL_CALM) -> int:
    """How many open pages' kernels have had a message in the last ``within`` seconds (a trainee playing).

    Args:
        kernel_manager: Voila's kernel manager (a ``LabKernelManager``).
        within: seconds.

    Returns:
        Kernels with a page connected whose last activity (any message from the kernel: a click's turn
        is several) is that recent. Kernels in the pool have no page connected and are not counted.
    """
    now = datetime.now(UTC)
    playing = 0
    for kernel_id, connections in list(kernel_manager._kernel_connections.items()):
        kernel = kernel_manager._kernels.get(kernel_id)
        if connections <= 0 or kernel is None:
            continue
        activity = _last_activity(kernel)
        if activity is not None and (now - activity).total_seconds() < within:
            playing += 1
    return playing


def use_forking_provisioner() -> None:
    """Make ``simulator.forkserver``'s provisioner the default for kernels this process starts.

    It is registered here by name (as its package's entry point would), so it works from a source tree too.
    """
    from . import forkserver

    factory = KernelProvisionerFactory.instance()
    factory.provisioners[forkserver.PROVISIONER_NAME] = EntryPoint(
        name=forkserver.PROVISIONER_NAME,
        value="simulator.forkserver:ForkingProvisioner",
        group=KernelProvisionerFactory.GROUP_NAME,
    )
    factory.default_provisioner_name = forkserver.PROVISIONER_NAME
    atexit.register(forkserver.ForkServer.instance().stop)


def page_extensions(notebook: str | Path) -> list[str]:
    """The JupyterLab extensions a notebook's page loads (``PAGE_EXTENSIONS``; the widgets' always).

    Args:
        notebook: the served notebook's path.

    Returns:
        The extensions' names, for ``VoilaConfiguration.extension_allowlist``.
    """
    return [*WIDGETS, *PAGE_EXTENSIONS.get(Path(notebook).name, ())]


class LabVoila(Voila):
    """Voila with the lab's guards (see the module's docstring)."""

    description = Unicode("python -m simulator.webapp [OPTIONS] NOTEBOOK: a notebook of the lab, served safely.")

    allow_hosts = List(
        Unicode(), config=True, help="Names besides loopback and the listening address that requests may use."
    )
    class_size = Integer(0, config=True, help="A class's warm kernels: print how many are ready as the pool fills.")
    fork_kernels = Bool(
        False, config=True, help="Fork each kernel from a process that has imported the practice app (forkserver)."
    )

    classes: ClassVar[list] = [*Voila.classes, LabKernelManager]
    aliases: ClassVar[dict] = {
        **Voila.aliases,
        "allow-host": "LabVoila.allow_hosts",
        "abandon-after": "LabKernelManager.cull_idle_timeout",
        "cull-interval": "LabKernelManager.cull_interval",
        "cull-idle": "LabKernelManager.page_idle_timeout",
        "page-connect-grace": "LabKernelManager.page_connect_grace",
        "class-size": "LabVoila.class_size",
    }
    flags: ClassVar[dict] = {
        **Voila.flags,
        "fork-kernels": ({"LabVoila": {"fork_kernels": True}}, "Fork kernels from a warm process (forkserver)."),
    }

    def initialize(self, argv=None):
        super().initialize(argv)
        self.port_retries = 0  # serve on the port asked for, or fail: never somewhere else
        self.voila_configuration.multi_kernel_manager_class = LabKernelManager
        self.voila_configuration.allow_template_override = "NO"
        if "transport" not in self.config.KernelManager:
            self.config.KernelManager.transport = "ipc"
        if self.fork_kernels:
            use_forking_provisioner()
        if not self.voila_configuration.extension_allowlist and self.notebook_path:
            self.voila_configuration.extension_allowlist = page_extensions(self.notebook_path)

    def setup_template_dirs(self):
        super().setup_template_dirs()
        # The lab's page template first: its index.html.j2 extends Voila's lab one (found further on).
        self.template_paths = [str(PAGE_TEMPLATE), *self.template_paths]

    def init_settings(self) -> dict:
        settings = super().init_settings()  # builds the kernel manager (and starts filling its pool)
        self._trust_notebook()
        if self.class_size > 0 and hasattr(self.kernel_manager, "fill_if_needed"):
            stagger_refills(self.kernel_manager)
        settings["roleplay_served_names"] = served_names(self.ip, self.allow_hosts)
        settings["ws_ping_interval"] = WS_PING_INTERVAL_MS
        settings["ws_ping_timeout"] = WS_PING_TIMEOUT_MS
        settings["xsrf_cookie_kwargs"] = {"samesite": "Strict"}
        settings.pop("disable_check_xsrf", None)
        return settings

    def _trust_notebook(self) -> None:
        """The lab's own notebook is trusted, in memory: no "Notebook … is not trusted" at every page, and
        nothing written to the user's home (a signature store and a secret of this process only)."""
        if not self.notebook_path:
            return
        notary = self.contents_manager.notary
        notary.store = sign.MemorySignatureStore()
        notary.secret = secrets.token_bytes(32)
        notary.sign(nbformat.read(self.notebook_path, as_version=4))

    def init_handlers(self) -> list:
        # Voila's page handler calls RequestInfoSocketHandler.send_updates by name: the class is Voila's.
        RequestInfoSocketHandler.send_updates = staticmethod(keep_request)
        # Voila's handlers the lab replaces with its own (the same routes and arguments).
        ours = {
            TornadoVoilaHandler: _PageHandler,
            RequestInfoSocketHandler: PageRequestHandler,
            MultiStaticFileHandler: _StaticHandler,  # /voila/static/
            FileFindHandler: _ExtensionHandler,  # /voila/labextensions/
        }
        handlers = []
        for handler in super().init_handlers():
            if len(handler) > 1 and handler[1] in ours:
                handler = (handler[0], ours[handler[1]], *handler[2:])
            handlers.append(handler)
        return handlers

    def start(self):
        # Voila.start with the guarded application; the rest is as Voila does it.
        self.connection_dir = tempfile.mkdtemp(prefix="voila_", dir=self.connection_dir_root)
        self.log.info("Storing connection files in %s.", self.connection_dir)
        self.log.info("Serving static files from %s.", self.static_root)
        settings = self.init_settings()
        self.app = _GuardedApplication(**settings)
        self.app.settings.update(self.tornado_settings)
        self.app.settings.pop("disable_check_xsrf", None)  # the XSRF check stays on
        self.app.add_handlers(".*$", self.init_handlers())
        if self.class_size > 0:
            self._ready_shown = -1
            self._class_progress = PeriodicCallback(self._show_class_progress, 500)
            self._class_progress.start()
        self.listen()

    def _show_class_progress(self) -> None:
        ready, _pooled = ready_kernels(self.kernel_manager)
        if ready != self._ready_shown:
            self._ready_shown = ready
            print(f"Class: {ready} of {self.class_size} kernels ready", file=sys.stdout, flush=True)


main = LabVoila.launch_instance

if __name__ == "__main__":
    main()
