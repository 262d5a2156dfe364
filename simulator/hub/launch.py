"""``roleplay hub``: JupyterHub with the lab's config, its state in a data folder (not the repository).

Checks what the hub needs before it starts (the proxy from npm, the scenario library, a results
store it can write, the sign-in's settings), writes ``jupyterhub_config.py`` into the data folder
(readable by its owner only: it names the store), prints the address, then replaces this process
with ``python -m jupyterhub -f DATA/jupyterhub_config.py``. Loads no JupyterHub itself.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
from collections.abc import Mapping
from typing import TextIO

from .. import settings
from ..errors import LabError
from ..results.store import open_store
from .config import url_host

__all__ = ["PROXY", "config_text", "free_port", "hub"]

PROXY = "configurable-http-proxy"  # JupyterHub's proxy, from npm


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now (for the hub's and the proxy's APIs).

    Returns:
        The port number.
    """
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config_text(options: Mapping[str, object]) -> str:
    """The hub's ``jupyterhub_config.py``: ``configure(c, **options)`` with the options written out.

    Args:
        options: keyword arguments of ``simulator.hub.config.configure``.

    Returns:
        Python source.
    """
    lines = [
        '"""Written by `roleplay hub` (simulator/hub/launch.py); JupyterHub runs it. Edit the command\'s',
        'options rather than this file: the command writes it again at every start."""',
        "",
        "from simulator.hub.config import configure",
        "",
        "c = get_config()  # noqa: F821 - JupyterHub's config object",
        "configure(",
        "    c,",
        *(f"    {name}={value!r}," for name, value in options.items()),
        ")",
        "",
    ]
    return "\n".join(lines)


def hub(
    *,
    port: int,
    ip: str,
    store: str | None,
    scenarios: str | None,
    auth: str,
    admin: str | None,
    data: str | None,
    out: TextIO,
    lti: Mapping[str, str] | None = None,
) -> int:
    """Start a JupyterHub for the lab in this process (``roleplay hub``).

    Args:
        port: the port of the hub's public address.
        ip: the address it listens on (``0.0.0.0`` for a team on the network).
        store: the results store every user's server writes to (None: the default store); for a
            team a PostgreSQL URL.
        scenarios: the shared scenario library (None: ``settings.scenarios_dir()``).
        auth: ``native`` (sign-up, approved by the admin) or ``lti13`` (launched from an LMS).
        admin: the hub's admin user; needed with ``native`` (they approve the others).
        data: the hub's data folder (None: ``settings.hub_dir()``).
        out: where the address is printed.
        lti: with ``lti13``: ``issuer``, ``client_id``, ``authorize_url``, ``jwks_url``,
            ``username_key``.

    Returns:
        Nothing in practice: JupyterHub takes over the process.

    Raises:
        LabError: the proxy, the library or a sign-in setting is missing.
        StoreError: the results store cannot be written.
    """
    if shutil.which(PROXY) is None:
        raise LabError(f"JupyterHub's proxy is not installed: npm install -g {PROXY}")
    if auth == "native" and not admin:
        raise LabError("name the hub's admin with --admin NAME: they sign up first and approve the others")
    lti = {k: v for k, v in (lti or {}).items() if v}
    if auth == "lti13":
        missing = [k for k in ("issuer", "client_id", "authorize_url", "jwks_url") if k not in lti]
        if missing:
            raise LabError("LTI 1.3 needs " + ", ".join(f"--lti-{m.replace('_', '-')}" for m in missing))
    library = settings.scenarios_dir(scenarios)
    if not library.is_dir():
        raise LabError(f"no scenarios folder at {library}; give one with --scenarios DIR")
    results = open_store(store)
    results.check_writable()  # refuse now, not when trainees' replies cannot be saved
    location, shown = results.location, results.display_location
    results.close()
    folder = settings.hub_dir(data).resolve()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    options = {
        "data": str(folder),
        "store": location,
        "scenarios": str(library.resolve()),
        "ip": ip,
        "port": port,
        "hub_port": free_port(),
        "proxy_port": free_port(),
        "auth": auth,
        "admin": admin,
        "lti": lti if auth == "lti13" else None,
    }
    config = folder / "jupyterhub_config.py"
    config.touch(mode=0o600)
    config.chmod(0o600)
    config.write_text(config_text(options), encoding="utf-8")
    address = f"http://{'127.0.0.1' if ip in ('localhost', '0.0.0.0') else url_host(ip)}:{port}/"
    print(f"JupyterHub: {address}hub/ · sign-in: {auth}" + (f" · admin: {admin}" if admin else ""), file=out)
    if auth == "native":
        print(f"The admin signs up first at {address}hub/signup and approves the others at {address}hub/authorize",
              file=out)  # fmt: skip
    else:
        print(f"Give the LMS: login initiation {address}hub/lti13/oauth_login, redirect {address}hub/lti13/"
              f"oauth_callback, configuration {address}hub/lti13/config", file=out)  # fmt: skip
    print(f"Results store: {shown} · scenarios: {options['scenarios']} · hub state: {folder}", file=out)
    out.flush()
    command = [sys.executable, "-m", "jupyterhub", "-f", str(config)]
    os.chdir(folder)
    os.execve(command[0], command, settings.environment())
    return 0  # not reached
