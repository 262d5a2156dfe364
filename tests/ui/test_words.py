"""The three apps' words, their styles and their public names: what every app shares."""

from __future__ import annotations

import inspect
import string
import subprocess
import sys

import pytest

import simulator.ui
from simulator.ui import common
from simulator.ui.text import APPS, LANGUAGES, words


def _fields(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("app", APPS)
def test_every_word_is_in_every_language_with_the_same_fields(app):
    english = words("en", app)
    for language in LANGUAGES:
        table = words(language, app)
        assert set(table) == set(english), (language, set(table) ^ set(english))
        for key, text in table.items():
            assert text.strip() or key == "thousands", (language, key)
            assert _fields(text) == _fields(english[key]), (language, key)


@pytest.mark.parametrize("app", APPS)
def test_polish_is_polish(app):
    english, polish = words("en", app), words("pl", app)
    translated = [k for k in english if polish[k] != english[k]]
    assert len(translated) > 0.8 * len(english)  # symbols, units and ids may stay the same


def test_a_language_the_lab_does_not_speak_is_english_and_an_unknown_app_an_error():
    assert words("de", "review") is words("en", "review")
    assert words(None) is words("en", "practice")
    with pytest.raises(ValueError, match="no words for 'nope'"):
        words("en", "nope")


def test_each_stylesheet_is_read_once_and_keeps_the_stable_classes():
    for app, classes in {
        "practice": (".rp-app", ".rp-choice", ".rp-transcript"),
        "review": (".rp-review", ".rp-lv-0", ".rp-transcript-view"),
        "studio": (".rp-studio", ".rp-problems", ".rp-diagram-view"),
    }.items():
        css = common.stylesheet(app)
        assert css.startswith("<style>") and css.rstrip().endswith("</style>")
        assert ".rp-pass" in css and all(c in css for c in classes), app
        assert common.stylesheet(app) is css  # cached
    with pytest.raises(ValueError):
        common.stylesheet("nope")


def test_a_guard_shows_a_message_logs_once_and_recovers(caplog):
    import ipywidgets as widgets

    from simulator.errors import LabError

    out = widgets.HTML("old")
    recovered = []
    guard = common.Guard(
        out, lambda exc: f"<p>{type(exc).__name__}</p>", name="t", clear=True, recover=lambda: recovered.append(1),
        expected=(LabError,),
    )  # fmt: skip
    assert guard(lambda: 42)() == 42 and out.value == ""
    guard(lambda: 1 / 0)()
    assert out.value == "<p>ZeroDivisionError</p>" and recovered == [1]
    assert caplog.text.count("t callback failed") == 1 and "Traceback" in caplog.text
    caplog.clear()

    def mistaken():
        raise LabError("your mistake")

    guard(mistaken)()
    assert out.value == "<p>LabError</p>" and "Traceback" not in caplog.text


def test_the_trainee_kernel_imports_neither_pandas_nor_the_other_apps():
    code = "import sys, simulator.ui; print(*sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = out.split()
    assert "simulator.ui.practice" in loaded
    assert not [m for m in loaded if m == "pandas" or m.startswith(("simulator.ui.review", "simulator.ui.studio"))]


def test_the_review_lab_and_the_studio_are_imported_on_first_use():
    from simulator.ui.review import ReviewLab
    from simulator.ui.studio import AuthorStudio

    assert simulator.ui.ReviewLab is ReviewLab and simulator.ui.AuthorStudio is AuthorStudio
    assert set(simulator.ui.__all__) <= set(dir(simulator.ui))
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        simulator.ui.Nope  # noqa: B018


def _missing(obj) -> list[str]:
    """What a public callable's docstring lacks: Args: when it takes arguments, Returns: when it returns."""
    doc = inspect.getdoc(obj) or ""
    if not doc:
        return ["a docstring"]
    target = obj.__init__ if inspect.isclass(obj) else obj
    params = [p for p in inspect.signature(target).parameters if p not in ("self", "cls")]
    missing = []
    if params and "Args:" not in doc and "Attributes:" not in doc:
        missing.append("Args:")
    returns = inspect.signature(target).return_annotation
    if not inspect.isclass(obj) and returns not in (None, "None", inspect.Signature.empty) and "Returns:" not in doc:
        missing.append("Returns:")
    return missing


def _public_names():
    import simulator.ui.review as review
    import simulator.ui.studio as studio

    for module in (simulator.ui, review, studio):
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                yield f"{module.__name__}.{name}", obj


@pytest.mark.parametrize(("name", "obj"), list(_public_names()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_public_name_of_the_ui_documents_its_arguments_and_result(name, obj):
    assert _missing(obj) == [], f"{name}'s docstring needs {_missing(obj)}"
