"""Every setting the lab reads from the environment, named once, with its default and meaning.

Nothing else in the package reads ``os.environ``. Each setting is read when asked for, not at
import, so a test or ``roleplay serve`` can set a variable and every later call sees it.

- ``ROLEPLAY_STORE``: the results store, a SQLite file or a database URL
  (default: ``$XDG_DATA_HOME/roleplay-lab/results.sqlite``, ``~/.local/share`` when unset).
- ``ROLEPLAY_SCENARIOS``: the scenario library, a folder with ``personas/`` (default:
  ``scenarios/`` in the working folder or one up, else the lab's own library).
- ``ROLEPLAY_RULES``: the assessment rules file: competency levels, grades, KPI targets
  (default: the lab's ``simulator/results/assessment.yaml``).
- ``ROLEPLAY_SALT``: the salt of pseudonyms in exports (default: a salt kept in the store).
- ``ROLEPLAY_XAPI_IRI``: the organisation's IRI that xAPI activity ids and accounts start with
  (default: ``https://roleplay-lab.org``).
- ``ROLEPLAY_LRS_USER``, ``ROLEPLAY_LRS_PASSWORD``: HTTP basic auth for ``roleplay export --lrs``.
- ``ROLEPLAY_HUB_DIR``: the data folder of ``roleplay hub``: the hub's database, secrets and users' homes
  (default: ``$XDG_DATA_HOME/roleplay-lab/hub``).
- ``XDG_DATA_HOME``: where user data lives, the default store's folder.
- ``ROLEPLAY_CACHE``: where validated scenarios are cached by content hash (default:
  ``$XDG_CACHE_HOME/roleplay-lab``, ``~/.cache`` when unset); a cache that cannot be written is skipped.
- ``JUPYTERHUB_USER``: set by JupyterHub on a user's server: the signed-in user, who is the trainee.
- ``ROLEPLAY_GROUPS``: the signed-in user's hub groups, comma-separated (set by the lab's hub config).
- ``ROLEPLAY_ROLE``: the app this user's server was started for: ``trainee``, ``trainer`` or ``reviewer``
  (set by the lab's hub config).

Voila tells a kernel about its page through ``VOILA_KERNEL_ID``, ``VOILA_PREHEAT``,
``SERVER_SOFTWARE`` and ``QUERY_STRING`` (and a preheated kernel where to ask for its request:
``VOILA_APP_IP``, ``VOILA_APP_PORT``, ``VOILA_SERVER_URL``, ``VOILA_WS_BASE_URL``); those are read here too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "ASSESSMENT_RULES",
    "CACHE",
    "PACKAGE_DIR",
    "SALT",
    "SCENARIOS",
    "STORE",
    "assessment_rules_file",
    "cache_dir",
    "default_store_location",
    "environment",
    "hub_dir",
    "hub_user",
    "in_voila",
    "lrs_credentials",
    "named_store",
    "page_query_string",
    "pseudonym_salt",
    "scenarios_dir",
    "store_location",
    "user_groups",
    "user_role",
    "voila_preheated",
    "voila_request_socket",
    "xapi_iri_base",
]

STORE = "ROLEPLAY_STORE"
SCENARIOS = "ROLEPLAY_SCENARIOS"
ASSESSMENT_RULES = "ROLEPLAY_RULES"
SALT = "ROLEPLAY_SALT"
CACHE = "ROLEPLAY_CACHE"
CLASS_SCENARIO = "ROLEPLAY_CLASS_SCENARIO"  # the scenario a class plays: worked out once, before the kernels fork
GROUPS = "ROLEPLAY_GROUPS"
ROLE = "ROLEPLAY_ROLE"
HUB_USER = "JUPYTERHUB_USER"
HUB_DIR = "ROLEPLAY_HUB_DIR"
XAPI_IRI = "ROLEPLAY_XAPI_IRI"
LRS_USER = "ROLEPLAY_LRS_USER"
LRS_PASSWORD = "ROLEPLAY_LRS_PASSWORD"

PACKAGE_DIR = Path(__file__).resolve().parent
LAB_DIR = PACKAGE_DIR.parent  # the repository (or the environment's site-packages)
DEFAULT_ASSESSMENT_RULES = PACKAGE_DIR / "results" / "assessment.yaml"


def _get(name: str) -> str | None:
    return os.environ.get(name) or None


def default_store_location() -> str:
    """Where results go when nothing is said: ``$ROLEPLAY_STORE``, else a file in the user's data folder.

    Returns:
        A SQLite file path or a database URL.
    """
    found = _get(STORE)
    if found:
        return found
    base = Path(_get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return str(base / "roleplay-lab" / "results.sqlite")


def named_store() -> str | None:
    """``$ROLEPLAY_STORE`` when it is set, else None (the review lab then offers demo data)."""
    return _get(STORE)


def store_location(given: str | None = None) -> str:
    """The store a command uses: the one given, else the default (``default_store_location``)."""
    return given or default_store_location()


def scenarios_dir(given: str | Path | None = None) -> Path:
    """The scenario library: the folder given, else ``$ROLEPLAY_SCENARIOS``, else ``scenarios/`` in
    the working folder or one up, else the lab's own library.

    Args:
        given: a folder named on the command line or by a caller.

    Returns:
        The folder (which may not exist: the caller reports that, with the path).
    """
    if given:
        return Path(given)
    found = _get(SCENARIOS)
    if found:
        return Path(found)
    for base in (Path.cwd(), Path.cwd().parent, LAB_DIR):
        if (base / "scenarios").is_dir():
            return base / "scenarios"
    return Path("scenarios")


def assessment_rules_file(given: str | Path | None = None) -> Path:
    """The assessment rules (competency levels, grades, KPI targets): the file given, else
    ``$ROLEPLAY_RULES``, else the lab's defaults."""
    return Path(given or _get(ASSESSMENT_RULES) or DEFAULT_ASSESSMENT_RULES)


def pseudonym_salt() -> bytes | None:
    """``$ROLEPLAY_SALT`` as bytes, or None when the store's own salt should be used."""
    found = _get(SALT)
    return found.encode("utf-8") if found else None


def xapi_iri_base() -> str | None:
    """``$ROLEPLAY_XAPI_IRI``: the organisation's IRI for xAPI activity ids and accounts, or None.

    Returns:
        The IRI as set, or None when unset (the export's default applies).
    """
    return _get(XAPI_IRI)


def lrs_credentials() -> tuple[str | None, str | None]:
    """``$ROLEPLAY_LRS_USER`` and ``$ROLEPLAY_LRS_PASSWORD``, for ``roleplay export --lrs``.

    Returns:
        (user, password), each None when unset.
    """
    return _get(LRS_USER), _get(LRS_PASSWORD)


def hub_dir(given: str | Path | None = None) -> Path:
    """The data folder of ``roleplay hub``: the folder given, else ``$ROLEPLAY_HUB_DIR``, else
    ``$XDG_DATA_HOME/roleplay-lab/hub`` (``~/.local/share`` when unset).

    Args:
        given: a folder named on the command line.

    Returns:
        The folder (which may not exist yet).
    """
    if given:
        return Path(given)
    found = _get(HUB_DIR)
    if found:
        return Path(found)
    return Path(_get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "roleplay-lab" / "hub"


def hub_user() -> str | None:
    """The user JupyterHub signed in, on a server the hub started; None outside a hub.

    Returns:
        ``$JUPYTERHUB_USER``, or None when it is unset or empty.
    """
    return _get(HUB_USER)


def user_groups() -> frozenset[str]:
    """The signed-in user's hub groups (``$ROLEPLAY_GROUPS``, comma-separated).

    Returns:
        The group names; empty outside a hub.
    """
    return frozenset(g.strip() for g in (_get(GROUPS) or "").split(",") if g.strip())


def user_role() -> str | None:
    """The role this user's server was started for (``$ROLEPLAY_ROLE``): ``trainee``, ``trainer``, ``reviewer``.

    Returns:
        The role, or None outside a hub.
    """
    return _get(ROLE)


def in_voila() -> bool:
    """True in a kernel that Voila started (preheated or not)."""
    server = _get("SERVER_SOFTWARE") or ""
    return bool(_get("VOILA_KERNEL_ID") or voila_preheated() or server.startswith("voila"))


def voila_preheated() -> bool:
    """True in a kernel Voila started before its page was asked for (it must ask Voila for the query string)."""
    return _get("VOILA_PREHEAT") == "True"


def cache_dir() -> Path:
    """Where validated scenarios are cached: ``$ROLEPLAY_CACHE``, else ``roleplay-lab`` in the user's cache folder.

    Returns:
        The folder (it may not exist yet; the cache creates it, or does without).
    """
    found = _get(CACHE)
    if found:
        return Path(found)
    return Path(_get("XDG_CACHE_HOME") or Path.home() / ".cache") / "roleplay-lab"


def class_scenario() -> str | None:
    """The scenario a class plays, as ``roleplay serve --scenario`` names it: ``$ROLEPLAY_CLASS_SCENARIO``.

    Returns:
        Its id, or None when no class scenario is named.
    """
    return _get(CLASS_SCENARIO) or None


def voila_request_socket() -> tuple[str, str, str] | None:
    """Where a preheated kernel asks Voila for its page's request (``voila.utils.wait_for_request``'s rules).

    Returns:
        (host, port, path) of the websocket ``/voila/query/<kernel id>``, or None when this kernel
        was not preheated or does not know its id.
    """
    kernel = _get("VOILA_KERNEL_ID")
    if not voila_preheated() or not kernel:
        return None
    base = _get("VOILA_WS_BASE_URL") or _get("VOILA_SERVER_URL") or "/"
    return _get("VOILA_APP_IP") or "127.0.0.1", _get("VOILA_APP_PORT") or "8866", f"{base}voila/query/{kernel}"


def page_query_string() -> str:
    """The query string Voila put in the kernel's environment (a kernel that was not preheated)."""
    return os.environ.get("QUERY_STRING", "")


def environment(**overrides: str) -> Mapping[str, str]:
    """This process's environment with the lab's variables set: for the Voila server ``serve`` starts.

    Args:
        overrides: variable → value, e.g. ``ROLEPLAY_STORE=…``.
    """
    return dict(os.environ, **overrides)


def become_environment(env: Mapping[str, str]) -> None:
    """Make ``env`` this process's whole environment: a kernel forked by ``simulator.forkserver``
    takes the environment its server gave it, as a new process would.

    Args:
        env: variable → value; everything else is removed.
    """
    os.environ.clear()
    os.environ.update(env)
