"""The lab's JupyterHub configuration, as a function of the config object ``c``.

``roleplay hub`` writes a two-line ``jupyterhub_config.py`` into the hub's data folder that calls
``configure(c, …)`` with the command's options, and starts JupyterHub on it; a deployment of its
own (Docker, Kubernetes, docs/team.md) calls ``configure`` from its config file, then changes what
it needs (the spawner, the addresses).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .roles import GROUPS, lti_groups_hook

__all__ = ["LTI_OPTIONS", "configure", "url_host"]

# --lti-… option → LTI13Authenticator setting
LTI_OPTIONS = {
    "issuer": "issuer",
    "client_id": "client_id",
    "authorize_url": "authorize_url",
    "jwks_url": "jwks_endpoint",
    "username_key": "username_key",
}


def url_host(ip: str) -> str:
    """An address as a URL's host: IPv6 in brackets.

    Args:
        ip: ``127.0.0.1``, ``0.0.0.0``, ``::``, a name.

    Returns:
        The host part of a URL.
    """
    return f"[{ip}]" if ":" in ip and not ip.startswith("[") else ip


def configure(
    c: Any,
    *,
    data: str | Path,
    store: str,
    scenarios: str | Path,
    ip: str = "127.0.0.1",
    port: int = 8000,
    hub_port: int = 8081,
    proxy_port: int = 8001,
    auth: str = "native",
    admin: str | None = None,
    lti: Mapping[str, str] | None = None,
) -> None:
    """Configure JupyterHub for the lab: sign-in, the role groups, the lab's spawner, the hub's state.

    Args:
        c: the config object of a ``jupyterhub_config.py`` (``get_config()``).
        data: the hub's data folder: its sqlite database, cookie secret, pid files and users' homes.
        store: the results store every user's server writes to (a PostgreSQL URL in a team).
        scenarios: the shared scenario library, a path the users' servers can read.
        ip: the address the hub's public proxy listens on.
        port: its port.
        hub_port: the port of the hub's own API on loopback (the servers and the proxy call it).
        proxy_port: the port of the proxy's API on loopback.
        auth: ``native`` (sign-up with the admin's approval) or ``lti13`` (launched from an LMS).
        admin: the hub's admin user (native: they sign up first and are approved at once).
        lti: for ``lti13``: ``issuer``, ``client_id``, ``authorize_url``, ``jwks_url`` and
            optionally ``username_key`` (``LTI_OPTIONS``).

    Raises:
        ValueError: an unknown ``auth``, or ``lti13`` without its settings.
    """
    data = Path(data)
    c.JupyterHub.bind_url = f"http://{url_host(ip)}:{port}/"
    c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{hub_port}"
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{proxy_port}"
    c.ConfigurableHTTPProxy.pid_file = str(data / "proxy.pid")
    c.JupyterHub.db_url = f"sqlite:///{data / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(data / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(data / "jupyterhub.pid")
    c.JupyterHub.cleanup_servers = True
    # Each user's server: the lab's app of their role, nothing else (simulator.hub.spawner).
    c.JupyterHub.spawner_class = "simulator.hub.spawner.LabSpawner"
    c.LabRoles.store = store
    c.LabRoles.scenarios = str(scenarios)
    c.LabSpawner.home_dir_template = str(data / "users" / "{username}")
    c.Spawner.http_timeout = 90
    c.Spawner.start_timeout = 120
    if admin:
        c.Authenticator.admin_users = {admin}
    if auth == "native":
        import nativeauthenticator  # its templates: the sign-up, the authorisation area

        c.JupyterHub.authenticator_class = "nativeauthenticator.NativeAuthenticator"
        c.JupyterHub.template_paths = [str(Path(nativeauthenticator.__file__).parent / "templates")]
        c.NativeAuthenticator.open_signup = False  # every sign-up waits for the admin's approval
        c.NativeAuthenticator.minimum_password_length = 8
        c.NativeAuthenticator.check_common_password = True
        c.Authenticator.allow_all = True  # NativeAuthenticator signs in approved users only
        # The roles: hub groups the admin puts people in; a user in none of them is a trainee.
        c.JupyterHub.load_groups = {group: {"users": []} for group in GROUPS.values()}
    elif auth == "lti13":
        settings = dict(lti or {})
        missing = [name for name in ("issuer", "client_id", "authorize_url", "jwks_url") if not settings.get(name)]
        if missing:
            raise ValueError("LTI 1.3 needs " + ", ".join(f"--lti-{m.replace('_', '-')}" for m in missing))
        c.JupyterHub.authenticator_class = "ltiauthenticator.lti13.auth.LTI13Authenticator"
        for option, trait in LTI_OPTIONS.items():
            if settings.get(option):
                value = {settings[option]} if option == "client_id" else settings[option]
                setattr(c.LTI13Authenticator, trait, value)
        c.LTI13Authenticator.tool_name = "Role-play lab"
        c.LTI13Authenticator.tool_description = "Customer-support role-play practice, review and authoring"
        c.Authenticator.allow_all = True  # whoever the LMS launches (its signed id token) may enter
        # The LMS's roles are the lab's groups, set at every launch (the hub then takes no group
        # changes from its admin page or REST API, and creates the groups as they are first used).
        c.Authenticator.manage_groups = True
        c.Authenticator.post_auth_hook = lti_groups_hook
    else:
        raise ValueError(f"unknown sign-in {auth!r}: native or lti13")
