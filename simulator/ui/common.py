"""What the three apps share: their stylesheets, widgets with CSS classes, and safe callbacks.

The styles live in ``simulator/ui/static/*.css`` (package files, shipped in the wheel): ``common.css``
and one sheet per app, read once and injected as an HTML widget holding a ``<style>`` block.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from importlib import resources
from typing import TypeVar

import ipywidgets as widgets

__all__ = ["APPS", "Guard", "classed", "stylesheet"]

APPS = ("practice", "review", "studio")

W = TypeVar("W", bound=widgets.Widget)


@functools.cache
def _css(name: str) -> str:
    return resources.files(__package__).joinpath("static", f"{name}.css").read_text(encoding="utf-8")


@functools.cache
def stylesheet(app: str) -> str:
    """An app's styles as one ``<style>`` block: ``common.css`` then the app's own sheet, read once.

    Args:
        app: ``"practice"``, ``"review"`` or ``"studio"``.

    Returns:
        HTML for an ``ipywidgets.HTML`` widget (the same string object on every call).

    Raises:
        ValueError: for an app the lab does not have.
    """
    if app not in APPS:
        raise ValueError(f"no stylesheet for {app!r}: the apps are {', '.join(APPS)}")
    return f"<style>\n{_css('common')}{_css(app)}</style>\n"


def classed(widget: W, *css: str) -> W:
    """Add CSS classes to a widget (the stable ``rp-…`` names tests and stylesheets use).

    Args:
        widget: any widget.
        css: the classes to add.

    Returns:
        The same widget.
    """
    for c in css:
        widget.add_class(c)
    return widget


class Guard:
    """Makes widget callbacks safe: a failing one shows a message in the app, is logged once, and
    the app keeps its state (a trainee's session, an author's editor, a reviewer's filters).

    Exceptions of the ``expected`` types are the user's to fix (a bad scenario id, a session not
    picked): they are shown and logged in one line. Any other is logged with its traceback.

    Args:
        out: the HTML widget that shows what went wrong.
        message: the HTML to show for an exception (called when it happens, so it can use the
            app's current language).
        name: what the log calls the app.
        clear: empty ``out`` before every call (its message was about the previous action).
        recover: called after a failure, e.g. to enable the reply buttons again.
        expected: the exception types that are the user's to fix.
        log: the logger (``simulator.ui`` unless given).
    """

    def __init__(
        self,
        out: widgets.HTML,
        message: Callable[[Exception], str],
        *,
        name: str,
        clear: bool = False,
        recover: Callable[[], None] | None = None,
        expected: tuple[type[Exception], ...] = (),
        log: logging.Logger | None = None,
    ):
        self.out = out
        self.message = message
        self.name = name
        self.clear = clear
        self.recover = recover
        self.expected = expected
        self.log = log or logging.getLogger("simulator.ui")

    def __call__(self, callback: Callable) -> Callable:
        """Wrap a callback for ``on_click``, ``observe`` or a listener.

        Args:
            callback: the function a widget calls.

        Returns:
            A function with the same arguments that never raises an ``Exception``.
        """

        @functools.wraps(callback)
        def run(*args, **kwargs):
            if self.clear:
                self.out.value = ""
            try:
                return callback(*args, **kwargs)
            except self.expected as exc:
                self.log.info("%s: %s", self.name, exc)
                self.out.value = self.message(exc)
            except Exception as exc:
                self.log.exception("%s callback failed", self.name)
                self.out.value = self.message(exc)
            if self.recover is not None:
                self.recover()
            return None

        return run
