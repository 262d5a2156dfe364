"""The hub's spawner: each user's server runs the lab's Voila server for ONE app, the app of the role
the user chose (``roles``), behind JupyterHub's sign-in (``simulator.hub.server``).

``LabRoles`` is a mixin for any JupyterHub spawner, so the same behaviour places users on a
cluster (``class LabKubeSpawner(LabRoles, KubeSpawner)``, docs/team.md); ``LabSpawner`` is the
mixin on JupyterHub's local-process spawner, for one machine:

- **the role**: a user with one role spawns at once; a user with several is asked which
  (``options_form``). A role the user does not have is refused, whether it comes from the form
  or from the REST API's ``user_options``.
- **the command**: ``python -m simulator.hub.server NOTEBOOK --Voila.base_url=/user/NAME/ …``:
  the one notebook of the role, no JupyterLab, no terminals, no kernel REST API.
- **the environment**: ``ROLEPLAY_STORE`` (the shared store), ``ROLEPLAY_SCENARIOS`` (the shared
  library), ``ROLEPLAY_ROLE`` and ``ROLEPLAY_GROUPS`` (read by ``simulator.settings``).
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

from jupyterhub.spawner import SimpleLocalProcessSpawner
from traitlets import Integer, Unicode, default
from traitlets.config import LoggingConfigurable

from .. import settings
from ..serve import ABANDON_AFTER, APPS, NOTEBOOKS, cull_interval
from .roles import APPS as ROLE_APPS
from .roles import GROUPS, roles_of

__all__ = ["LabRoles", "LabSpawner", "role_choice_form"]

# The spawn page is the hub's, before any app knows the user's language: each title in English and Polish.
ROLE_TITLES = {
    "trainee": "Practice (trainee) · Ćwiczenia (kursant)",
    "trainer": "Scenario studio (trainer) · Studio scenariuszy (trener)",
    "reviewer": "Review lab (reviewer) · Ocena wyników (oceniający)",
}
ROLE_CHOICE = "Open the lab as: · Otwórz laboratorium jako:"


def role_choice_form(roles: list[str]) -> str:
    """The spawn page's form for a user with several roles: one radio button a role.

    Args:
        roles: the user's roles (``roles_of``), in order.

    Returns:
        HTML for ``Spawner.options_form``; empty for one role (the hub then spawns at once).
    """
    if len(roles) < 2:
        return ""
    rows = []
    for i, role in enumerate(roles):
        checked = " checked" if i == 0 else ""
        rows.append(
            f'<div class="radio"><label><input type="radio" name="role" value="{html.escape(role)}"{checked}> '
            f"{html.escape(ROLE_TITLES.get(role, role))}</label></div>"
        )
    return f'<p class="rp-role-choice">{html.escape(ROLE_CHOICE)}</p>' + "".join(rows)


class LabRoles(LoggingConfigurable):
    """A spawner whose server is the lab's app of the user's role (mix it in before a spawner class).

    Attributes:
        store: the results store every server writes to (``ROLEPLAY_STORE``): a PostgreSQL URL in a team.
        scenarios: the one shared scenario library (``ROLEPLAY_SCENARIOS``), a path on the servers.
        notebooks_dir: where the apps' notebooks are on the servers.
        abandon_after: seconds before a kernel whose page is gone is ended (its session abandoned).
        cull_idle: seconds before an idle page's kernel is ended, its tab open or not.
    """

    store = Unicode("", config=True, help="The results store every server writes to (ROLEPLAY_STORE).")
    scenarios = Unicode("", config=True, help="The shared scenario library (ROLEPLAY_SCENARIOS).")
    notebooks_dir = Unicode(str(NOTEBOOKS), config=True, help="The folder of the apps' notebooks on the servers.")
    abandon_after = Integer(ABANDON_AFTER, config=True, help="Seconds before a gone page's kernel is ended.")
    cull_idle = Integer(1800, config=True, help="Seconds before an idle page's kernel is ended.")

    @default("cmd")
    def _default_cmd(self):
        return [sys.executable, "-m", "simulator.hub.server"]

    @default("options_form")
    def _default_options_form(self):
        return lambda spawner: role_choice_form(spawner.lab_roles())

    @default("options_from_form")
    def _default_options_from_form(self):
        return lambda formdata: {"role": (formdata.get("role") or [""])[0]}

    def lab_groups(self) -> list[str]:
        """The user's hub groups, sorted.

        Returns:
            Group names.
        """
        return sorted(g.name for g in self.user.groups)

    def lab_roles(self) -> list[str]:
        """The user's roles (a user in none of the lab's groups is a trainee).

        Returns:
            Roles, in the order of ``roles.ROLES``.
        """
        return roles_of(self.lab_groups())

    def chosen_role(self) -> str:
        """The role this server is for: the one asked for in ``user_options``, else the user's first.

        Returns:
            ``trainee``, ``trainer`` or ``reviewer``.

        Raises:
            ValueError: the role asked for is not one of the user's.
        """
        roles = self.lab_roles()
        asked = (self.user_options or {}).get("role") or roles[0]
        if asked not in roles:
            raise ValueError(f"{self.user.name} may not open the lab as {asked!r}: their roles are {roles}")
        return asked

    def get_args(self) -> list[str]:
        role = self.chosen_role()
        notebook = Path(self.notebooks_dir) / APPS[ROLE_APPS[role]][0]
        abandon_after = min(self.abandon_after, self.cull_idle) if self.cull_idle > 0 else self.abandon_after
        base_url = self.server.base_url if self.server else "/"
        return [
            str(notebook),
            "--no-browser",
            f"--port={self.port}",
            f"--Voila.ip={self.ip or '127.0.0.1'}",
            f"--Voila.base_url={base_url}",
            "--show_tracebacks=False",
            "--strip_sources=True",
            "--theme=light",
            f"--abandon-after={abandon_after}",
            f"--cull-interval={cull_interval(abandon_after)}",
            f"--cull-idle={self.cull_idle}",
            *self.args,
        ]

    def get_env(self) -> dict[str, str]:
        env = super().get_env()
        role = self.chosen_role()
        groups = self.lab_groups()
        if not any(g in groups for g in GROUPS.values()):
            groups = [*groups, GROUPS["trainee"]]
        env[settings.ROLE] = role
        env[settings.GROUPS] = ",".join(groups)
        if self.store:
            env[settings.STORE] = self.store
        if self.scenarios:
            env[settings.SCENARIOS] = self.scenarios
        return env


class LabSpawner(LabRoles, SimpleLocalProcessSpawner):
    """The lab's servers as local processes of the hub's own system user, each at home in the hub's
    data folder (``home_dir_template``). Trainees run no code of their own on them (docs/team.md)."""
