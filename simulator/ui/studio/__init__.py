"""The trainer's studio: edit a scenario, see at once whether it is sound, see it drawn, explore its
paths, play it from any node, run its path tests, and turn replies trainees typed that the lab did
not understand into phrasings.

``AuthorStudio`` is one object whose parts a notebook shows cell by cell (``studio.editor_box``,
``studio.diagram_box`` …). Everything shown is escaped; nothing is written to a scenario file except
by "Save", "New scenario" or "Add as phrasing", and a phrasing is only written when the scenario stays
sound. ``app`` holds the widgets, ``views`` the HTML.
"""

from .app import AuthorStudio, not_understood_replies

__all__ = ["AuthorStudio", "not_understood_replies"]
