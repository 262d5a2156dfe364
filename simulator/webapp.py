"""The lab's Voila server: Voila with the guards a served app needs, started by ``roleplay serve`` as
``python -m simulator.webapp NOTEBOOK [Voila's options] [--allow-host NAME]…``.

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
- **One port.** The server listens on the port it is given or fails; it never moves to another,
  so the address ``roleplay serve`` prints is the one it serves.

The module reads no environment variable: ``roleplay serve`` passes everything as options.
"""

from __future__ import annotations

import inspect
import ipaddress
import tempfile
import urllib.parse
from collections.abc import Iterable
from typing import ClassVar

import tornado.web
from tornado import httputil
from traitlets import List, Unicode
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler

__all__ = ["THEMES", "LabVoila", "host_allowed", "origin_allowed", "served_names"]

THEMES = ("light", "dark")
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


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
        names = self.settings["roleplay_served_names"]
        refused = None
        if not host_allowed(request.host, names):
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

    def render_template(self, name, **ns):
        # Voila's own pages (an error page too) take the theme from the address: never an unchecked one.
        theme = self.get_argument("theme", None)
        ns.setdefault("theme", theme if theme in THEMES else self.voila_configuration.theme)
        return super().render_template(name, **ns)


class LabVoila(Voila):
    """Voila with the lab's guards (see the module's docstring)."""

    description = Unicode("python -m simulator.webapp [OPTIONS] NOTEBOOK: a notebook of the lab, served safely.")

    allow_hosts = List(
        Unicode(), config=True, help="Names besides loopback and the listening address that requests may use."
    )

    aliases: ClassVar[dict] = {**Voila.aliases, "allow-host": "LabVoila.allow_hosts"}

    def initialize(self, argv=None):
        super().initialize(argv)
        self.port_retries = 0  # serve on the port asked for, or fail: never somewhere else
        self.voila_configuration.allow_template_override = "NO"

    def init_settings(self) -> dict:
        settings = super().init_settings()
        settings["roleplay_served_names"] = served_names(self.ip, self.allow_hosts)
        settings["xsrf_cookie_kwargs"] = {"samesite": "Strict"}
        settings.pop("disable_check_xsrf", None)
        return settings

    def init_handlers(self) -> list:
        handlers = []
        for handler in super().init_handlers():
            if len(handler) > 1 and handler[1] is TornadoVoilaHandler:
                handler = (handler[0], _PageHandler, *handler[2:])
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
        self.listen()


main = LabVoila.launch_instance

if __name__ == "__main__":
    main()
