"""JupyterHub as the way a team runs the lab: sign-in, roles as hub groups, and each user's server
running the one app of their role (docs/team.md).

- ``roles``: the groups ``trainees``, ``trainers``, ``reviewers`` and the app of each role; LTI roles.
- ``config``: ``configure(c, …)``, the hub's configuration.
- ``spawner``: ``LabRoles`` (a mixin for any spawner) and ``LabSpawner`` (local processes).
- ``server``: a user's server, the lab's Voila server behind the hub's OAuth sign-in.
- ``launch``: ``roleplay hub``, which writes the config into a data folder and starts JupyterHub.

The top layer: it may use every other layer, and none uses it. Importing this package (and
``launch``) loads no JupyterHub; ``spawner`` and ``server`` do.
"""
