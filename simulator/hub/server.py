"""A user's server under JupyterHub: the lab's Voila server (``simulator.webapp.LabVoila``) signing
people in through the hub (OAuth), started by the hub's spawner as
``python -m simulator.hub.server NOTEBOOK --Voila.base_url=/user/NAME/ [LabVoila's options]``.

What it serves is exactly what ``LabVoila`` serves for one notebook: the app's page, its kernel's
websocket (which takes widget messages only, never code to execute), Voila's static files and
the unload beacon. There is no JupyterLab, no terminal, no contents API and no ``POST /api/kernels``.
Every page and websocket needs the hub's sign-in: jupyter_server's ``IdentityProvider`` and
``Authorizer`` are JupyterHub's own (``jupyterhub.singleuser.extension``), which let in the
server's owner only (the hub's ``access:servers!server=NAME/`` scope; a hub admin has it too).

The hub's proxy keeps the browser's ``Host``, and the hub's sign-in cookies already tie every
request to this hub, so the served-names check of ``roleplay serve`` is off here; the origin
check of websockets and POSTs and Voila's XSRF check stay on.
"""

from __future__ import annotations

from jupyter_server.utils import url_path_join
from jupyterhub.singleuser.extension import JupyterHubAuthorizer, JupyterHubIdentityProvider
from traitlets import Unicode, default

from ..webapp import LabVoila

__all__ = ["HubVoila", "main"]


class HubVoila(LabVoila):
    """``LabVoila`` behind JupyterHub's sign-in (see the module's docstring).

    Attributes:
        description: the command's one-line help.
    """

    description = Unicode("python -m simulator.hub.server NOTEBOOK: a lab app on a user's JupyterHub server.")

    @default("identity_provider_class")
    def _default_identity_provider_class(self):
        return JupyterHubIdentityProvider

    @default("authorizer_class")
    def _default_authorizer_class(self):
        return JupyterHubAuthorizer

    @default("auto_token")
    def _default_auto_token(self):
        return True  # no Voila token: the identity provider's token is the hub's

    def init_settings(self) -> dict:
        settings = super().init_settings()
        settings["roleplay_served_names"] = None  # any Host: the proxy keeps the browser's
        return settings

    def init_handlers(self) -> list:
        # The hub's OAuth callback and logout live under this server's prefix (/user/NAME/…), before
        # the notebook's catch-all route.
        prefixed = []
        for handler in super().init_handlers():
            if handler[0] in ("/logout", "/oauth_callback"):
                handler = (url_path_join(self.base_url, handler[0]), *handler[1:])
            prefixed.append(handler)
        return prefixed


def main(argv: list[str] | None = None) -> None:
    """Run a user's server (what the hub's spawner starts).

    Args:
        argv: Voila's arguments (default: the command line's).
    """
    HubVoila.launch_instance(argv)


if __name__ == "__main__":
    main()
