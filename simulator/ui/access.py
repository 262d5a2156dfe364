"""Who may use which app when the lab runs under JupyterHub (docs/team.md), and the refusal the others see.

Outside a hub (``settings.hub_user()`` is None) every app is open, as ``roleplay serve`` serves it.
Under a hub the user's groups decide (``settings.user_groups()``; a user in none of the lab's
groups is a trainee): the practice app is everyone's; the review lab is the reviewers'; the studio
is the trainers' (who change the scenario library) and the reviewers' (who may read it, not change it).
"""

from __future__ import annotations

import ipywidgets as widgets

from .. import settings
from .common import classed
from .render import e
from .text import words

__all__ = ["LAB_GROUPS", "allowed", "library_writable", "refusal", "signed_in_groups"]

LAB_GROUPS = ("trainees", "trainers", "reviewers")
# app → the groups that may open it (None: everyone)
APP_GROUPS: dict[str, frozenset[str] | None] = {
    "practice": None,
    "review": frozenset({"reviewers"}),
    "studio": frozenset({"trainers", "reviewers"}),
}


def signed_in_groups() -> frozenset[str]:
    """The signed-in user's lab groups (``trainees`` for a user in none of them).

    Returns:
        Group names; empty outside a hub.
    """
    if settings.hub_user() is None:
        return frozenset()
    groups = settings.user_groups() & set(LAB_GROUPS)
    return groups or frozenset({"trainees"})


def allowed(app: str) -> bool:
    """Whether the signed-in user may open an app.

    Args:
        app: ``practice``, ``review`` or ``studio``.

    Returns:
        True outside a hub, or when one of the user's groups may open it.
    """
    if settings.hub_user() is None:
        return True
    groups = APP_GROUPS[app]
    return groups is None or bool(groups & signed_in_groups())


def library_writable() -> bool:
    """Whether the studio may write to the scenario library for this user.

    Returns:
        True outside a hub; under a hub, for trainers only.
    """
    return settings.hub_user() is None or "trainers" in signed_in_groups()


def refusal(app: str, lang: str = "en") -> widgets.HTML:
    """What an app shows instead of itself to a user outside its groups: a clear refusal, no data.

    Args:
        app: ``review`` or ``studio``.
        lang: ``en`` or ``pl``.

    Returns:
        An HTML widget with class ``rp-refused``.
    """
    text = words(lang, app)["hub_refused"].format(name=e(settings.hub_user() or ""))
    return classed(widgets.HTML(f"<p>{text}</p>"), "rp-refused")
