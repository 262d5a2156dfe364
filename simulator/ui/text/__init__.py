"""The apps' words in English and Polish: ``words(language, app)``.

Each app keeps its words in a module of its own (``practice``, ``review``, ``studio``), one dict per
language with the same keys; a module is imported the first time its app asks, so the practice app's
kernel does not load the others. Words are the lab's own text, trusted HTML: they may hold ``<b>`` or
``<code>``; whatever a trainee, a reviewer or an author wrote is escaped before it is put into them
(``str.format`` fields). English is the fallback for a language an app does not speak.
"""

from __future__ import annotations

import functools
from importlib import import_module

__all__ = ["APPS", "LANGUAGES", "words"]

LANGUAGES = ("en", "pl")
APPS = ("practice", "review", "studio", "progress", "assignments")


@functools.cache
def _table(app: str) -> dict[str, dict[str, str]]:
    if app not in APPS:
        raise ValueError(f"no words for {app!r}: the apps are {', '.join(APPS)}")
    return import_module(f"{__name__}.{app}").WORDS


def words(language: str | None, app: str = "practice") -> dict[str, str]:
    """An app's words in a language.

    Args:
        language: ``"en"`` or ``"pl"``; None, or a language the lab does not speak: English.
        app: ``"practice"``, ``"review"``, ``"studio"``, ``"progress"`` (the trainee's progress and
            assignments) or ``"assignments"`` (the trainer's and the reviewer's).

    Returns:
        key → text (``str.format`` fields where a text takes values). Shared: do not change it.

    Raises:
        ValueError: for an app the lab does not have.
    """
    table = _table(app)
    return table.get(language or "en", table["en"])
