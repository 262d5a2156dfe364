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
        out, lambda exc, action: f"<p>{type(exc).__name__} {action}</p>", name="t", clear=True,
        recover=lambda: recovered.append(1), expected=(LabError,),
    )  # fmt: skip
    assert guard(lambda: 42)() == 42 and out.value == ""
    guard(lambda: 1 / 0, "divide")()
    assert out.value == "<p>ZeroDivisionError divide</p>" and recovered == [1]
    assert caplog.text.count("t callback failed") == 1 and "Traceback" in caplog.text
    caplog.clear()

    def mistaken():
        raise LabError("your mistake")

    guard(mistaken)()
    assert out.value == "<p>LabError None</p>" and "Traceback" not in caplog.text


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


def test_the_browser_is_shown_names_not_the_servers_paths(tmp_path):
    library = tmp_path / "lib"
    said = f"{library}/refund.yaml: there is no node 'x'\n{library}/refund.yaml:3:1: bad; see /srv/lab/rules.yaml"
    assert common.without_paths(said, library) == (
        "refund.yaml: there is no node 'x'\nrefund.yaml:3:1: bad; see rules.yaml"
    )
    for kept in ("replies 1/2 and/or 3", "http://example.org/a/b", "~/x/y", "a scenario id is lower-case"):
        assert common.without_paths(kept) == kept
    assert common.store_name(str(tmp_path / "results.sqlite")) == "results.sqlite"
    assert common.store_name(f"sqlite:///{tmp_path}/lab.sqlite") == "lab.sqlite"
    assert common.store_name("postgresql://rita:s3cret@db.example:5432/lab") == "postgresql://db.example/lab"


def test_a_failed_file_operation_is_named_in_the_users_words():
    import errno

    reasons = {
        errno.ENAMETOOLONG: "os_name_too_long",
        errno.EACCES: "os_permission",
        errno.ENOSPC: "os_disk_full",
        errno.ENOENT: "os_not_found",
        errno.EROFS: "os_read_only",
        errno.EIO: "os_other",
    }
    studio = words("en", "studio")
    for number, key in reasons.items():
        assert common.os_reason(OSError(number, "text for the log", "/srv/x")) == key
        assert key in studio and key in words("pl", "studio")
