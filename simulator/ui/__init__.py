"""The lab's apps as ipywidgets: the trainee's practice app (``PracticeApp``), the reviewer's lab
(``ReviewLab``, ``open_review_store``) and the trainer's studio (``AuthorStudio``).

Only the practice app is imported with the package: a trainee's kernel loads neither pandas nor the
other apps. ``ReviewLab``, ``open_review_store`` and ``AuthorStudio`` are imported when first named.
Each app's words are in English and Polish (``words``); its styles are package files in ``static/``.
"""

from importlib import import_module as _import_module

from .practice import PracticeApp, in_voila, query_string
from .text import words

# name → module, imported on first use (PEP 562): the review lab pulls in pandas.
_LAZY = {
    "AuthorStudio": "simulator.ui.studio",
    "ReviewLab": "simulator.ui.review",
    "open_review_store": "simulator.ui.review",
}

__all__ = ["AuthorStudio", "PracticeApp", "ReviewLab", "in_voila", "open_review_store", "query_string", "words"]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(_import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'simulator.ui' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
