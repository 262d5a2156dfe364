"""The lab's roles as JupyterHub groups, and which app each role runs: plain data and pure functions,
shared by the hub's config, its spawner and the LTI 1.3 sign-in (no JupyterHub import here).

- ``trainees`` → the practice app (``notebooks/practice.ipynb``); a user in none of the lab's
  groups is a trainee.
- ``trainers`` → the scenario studio (``notebooks/author.ipynb``), which writes to the library.
- ``reviewers`` → the review lab (``notebooks/review.ipynb``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["APPS", "GROUPS", "LTI_ROLES", "ROLES", "groups_of_lti_roles", "lti_groups_hook", "roles_of"]

ROLES = ("trainee", "trainer", "reviewer")
GROUPS = {"trainee": "trainees", "trainer": "trainers", "reviewer": "reviewers"}  # role → hub group
APPS = {"trainee": "practice", "trainer": "studio", "reviewer": "review"}  # role → app (serve.APPS)

# LTI 1.3 roles claim: the LMS's role (the URI's last word, after '#' or '/') → the lab's group.
LTI_ROLES_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/roles"
LTI_ROLES = {
    "Learner": "trainees",
    "Student": "trainees",
    "Instructor": "trainers",
    "Faculty": "trainers",
    "ContentDeveloper": "trainers",
    "TeachingAssistant": "reviewers",
    "Mentor": "reviewers",
    "Grader": "reviewers",
}


def roles_of(groups: Iterable[str]) -> list[str]:
    """The lab's roles a user has, from their hub groups, in the order of ``ROLES``.

    Args:
        groups: the user's hub group names (any others are ignored).

    Returns:
        ``["trainee"]`` for a user in none of the lab's groups, else the roles of their groups.
    """
    names = set(groups)
    return [role for role in ROLES if GROUPS[role] in names] or ["trainee"]


def groups_of_lti_roles(claims: Mapping[str, Any]) -> list[str]:
    """The lab's groups for an LTI 1.3 launch, from the id token's roles claim.

    ``…/membership#Learner`` → ``trainees``, ``…/membership#Instructor`` → ``trainers``, a
    teaching assistant, mentor or grader → ``reviewers`` (``LTI_ROLES``); an unknown or missing
    role makes a trainee.

    Args:
        claims: the decoded, validated id token (what ``LTI13Authenticator`` keeps as auth state).

    Returns:
        Group names, sorted, never empty.
    """
    found = set()
    for uri in claims.get(LTI_ROLES_CLAIM) or ():
        word = str(uri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        if word in LTI_ROLES:
            found.add(LTI_ROLES[word])
    return sorted(found or {"trainees"})


def lti_groups_hook(_authenticator: Any, _handler: Any, authentication: dict[str, Any]) -> dict[str, Any]:
    """JupyterHub's ``Authenticator.post_auth_hook`` for LTI 1.3: the LMS's roles become the lab's
    groups (with ``Authenticator.manage_groups = True`` the hub sets them at every launch).

    Args:
        _authenticator: the authenticator (unused).
        _handler: the login handler (unused).
        authentication: the auth model: ``name`` and ``auth_state`` (the id token's claims).

    Returns:
        The auth model with ``groups`` set.
    """
    authentication["groups"] = groups_of_lti_roles(authentication.get("auth_state") or {})
    return authentication
