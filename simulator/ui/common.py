"""What the three apps share: their stylesheets, widgets with CSS classes, safe callbacks, and the
rule that the browser is told what failed in the user's words, never the server's paths or an
exception's text (``os_reason``, ``without_paths``, ``store_name``; the details go to the log).

The styles live in ``simulator/ui/static/*.css`` (package files, shipped in the wheel): ``common.css``
and one sheet per app, read once and injected as an HTML widget holding a ``<style>`` block.
"""

from __future__ import annotations

import errno
import functools
import logging
import re
import urllib.parse
from collections.abc import Callable
from importlib import resources
from pathlib import Path, PurePath
from typing import TypeVar

import ipywidgets as widgets

__all__ = ["APPS", "Guard", "classed", "os_reason", "store_name", "stylesheet", "without_paths"]

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


# errno → what it means to the user, as a key of the app's words (``os_…``)
_OS_REASONS = {
    errno.ENAMETOOLONG: "os_name_too_long",
    errno.EACCES: "os_permission",
    errno.EPERM: "os_permission",
    errno.ENOSPC: "os_disk_full",
    errno.EDQUOT: "os_disk_full",
    errno.ENOENT: "os_not_found",
    errno.ENOTDIR: "os_not_found",
    errno.EROFS: "os_read_only",
}

# An absolute POSIX path that does not sit inside a word, a number or a URL: /srv/lab/scenarios/x.yaml
_ABSOLUTE_PATH = re.compile(r"(?<![\w.~/-])(?:/[^\s'\"<>/:]+)+/([^\s'\"<>/:]+)")


def os_reason(exc: OSError) -> str:
    """What a failed file operation means to the user, as a key of the app's words.

    Args:
        exc: the error (its text names the server's path: it is for the log only).

    Returns:
        ``os_name_too_long``, ``os_permission``, ``os_disk_full``, ``os_not_found``,
        ``os_read_only`` or ``os_other``.
    """
    return _OS_REASONS.get(exc.errno, "os_other")


def without_paths(text: str, *folders: str | Path) -> str:
    """A message with the server's folders taken out: files inside ``folders`` by their name there,
    any other absolute path by its last part.

    Args:
        text: a message meant for the user (plain text, not yet escaped).
        folders: the folders the user knows by name, e.g. the studio's scenario library.

    Returns:
        The text, e.g. ``/srv/lab/scenarios/refund.yaml: no node 'x'`` → ``refund.yaml: no node 'x'``.
    """
    for folder in folders:
        for form in {str(folder), str(Path(folder).resolve())}:
            text = text.replace(form.rstrip("/") + "/", "")
    return _ABSOLUTE_PATH.sub(r"\1", text)


def store_name(location: str) -> str:
    """A results store as the browser may be shown it: a SQLite file by its name, a database URL
    by its kind, host and database, never a folder or a password.

    Args:
        location: ``Store.location``, a file path or a database URL.

    Returns:
        E.g. ``results.sqlite`` or ``postgresql://db.example/lab``.
    """
    if "://" not in location:
        return PurePath(location).name or location
    parts = urllib.parse.urlsplit(location)
    database = PurePath(parts.path).name
    if parts.scheme.startswith("sqlite") or not parts.hostname:
        return database or parts.scheme
    return f"{parts.scheme}://{parts.hostname}/{database}"


class Guard:
    """Makes widget callbacks safe: a failing one shows a message in the app, is logged once, and
    the app keeps its state (a trainee's session, an author's editor, a reviewer's filters).

    Exceptions of the ``expected`` types are the user's to fix (a bad scenario id, a session not
    picked): they are shown and logged in one line. Any other is logged with its traceback. The
    message says what failed in the user's words; the exception's text (a server path, a library's
    wording) stays in the log.

    Args:
        out: the HTML widget that shows what went wrong.
        message: ``message(exc, action)``, the HTML to show for an exception raised while doing
            ``action`` (what the callback was wrapped for, or None); called when it happens, so it
            can use the app's current language.
        name: what the log calls the app.
        clear: empty ``out`` before every call (its message was about the previous action).
        recover: called after a failure, e.g. to enable the reply buttons again.
        expected: the exception types that are the user's to fix.
        log: the logger (``simulator.ui`` unless given).
    """

    def __init__(
        self,
        out: widgets.HTML,
        message: Callable[[Exception, str | None], str],
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

    def __call__(self, callback: Callable, action: str | None = None) -> Callable:
        """Wrap a callback for ``on_click``, ``observe`` or a listener.

        Args:
            callback: the function a widget calls.
            action: what the callback does, for the message (e.g. a key of the app's words).

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
                self.out.value = self.message(exc, action)
            except Exception as exc:
                self.log.exception("%s callback failed", self.name)
                self.out.value = self.message(exc, action)
            if self.recover is not None:
                self.recover()
            return None

        return run
