"""A library with broken files: trainees see only the sound scenarios, trainers see every file's
problems; and after a failure the practice app says the answers are saved only when they are."""

from __future__ import annotations

import logging
import shutil

import pytest

from simulator.errors import StoreError
from simulator.ui import PracticeApp
from simulator.ui.studio import AuthorStudio

from ..conftest import MINI, FakeClock

MINI_TEXT = MINI.read_text(encoding="utf-8")
SAVED = "Your answers so far are saved"
NOT_SAVED = "your answers could not be saved"


@pytest.fixture
def library(tmp_path):
    """The mini library with a sound date-titled scenario and three broken files beside it."""
    folder = tmp_path / "scenarios"
    shutil.copytree(MINI.parent, folder)

    def variant(name: str, sid: str, old: str, new: str) -> None:
        assert MINI_TEXT.count(old) == 1
        (folder / name).write_text(MINI_TEXT.replace("id: mini", f"id: {sid}").replace(old, new), encoding="utf-8")

    variant("a-int-tag.yaml", "int-tag", "title: Mini", "title: Mini\nversion: !!int abc")
    variant("b-dated.yaml", "dated", "title: Mini", "title: 2024-02-30")
    variant("c-long-persona.yaml", "long-persona", "persona: steady", "persona: " + "p" * 300)
    variant("d-matcher.yaml", "matcher", "max_turns: 8", "max_turns: 8\nmatching: {matcher: nonexistent}")
    return folder


def test_the_picker_lists_only_sound_scenarios(library, store, caplog):
    caplog.set_level(logging.WARNING, "simulator.ui")
    app = PracticeApp(library, store=store, clock=FakeClock())
    assert sorted(app.scenario_buttons) == ["dated", "mini"]
    assert app.scenario_buttons["dated"].description.startswith("2024-02-30 — ")
    not_offered = [r.getMessage() for r in caplog.records if "not offered" in r.getMessage()]
    assert [m.split(": ")[1].split(":")[0] for m in not_offered] == [
        str(library / "a-int-tag.yaml"),
        str(library / "c-long-persona.yaml"),
        str(library / "d-matcher.yaml"),
    ]
    app.apply_query("scenario=matcher")
    assert "does not exist: matcher" in app.error.value


def test_the_studio_shows_a_broken_files_problems(library, store):
    studio = AuthorStudio(library, store=store)
    studio.picker.value = library / "a-int-tag.yaml"
    assert studio.message.value == ""
    assert "line 5, column 10: &#x27;abc&#x27; is not a whole number" in studio.verdict.value
    studio.picker.value = library / "d-matcher.yaml"
    assert "unknown reply matcher &#x27;nonexistent&#x27;" in studio.verdict.value


# ---------------------------------------------------------------- "saved" only when it is true


@pytest.fixture
def app(tmp_path, store):
    folder = tmp_path / "mini-library"
    shutil.copytree(MINI.parent, folder)
    return PracticeApp(folder, store=store, clock=FakeClock())


def start(app) -> None:
    app.trainee.value = "anna"
    app.scenario_buttons["mini"].click()
    app.start.click()


def test_a_failure_after_recorded_replies_says_they_are_saved(app, store, monkeypatch):
    start(app)
    app.choices.children[0].click()
    monkeypatch.setattr(app.session, "reply", lambda reply: 1 / 0)
    app.choices.children[0].click()
    assert SAVED in app.error.value
    assert len(store.turns(app.session.id)) == 1


def test_a_failure_before_a_session_exists_does_not_say_saved(app, monkeypatch):
    def no_matcher(*args, **kwargs):
        raise KeyError("no reply matcher called 'nonexistent' (known: lexical)")

    monkeypatch.setattr("simulator.ui.practice.Session", no_matcher)
    start(app)
    assert app.session is None
    assert SAVED not in app.error.value and NOT_SAVED in app.error.value


def test_a_store_that_failed_is_never_said_to_have_saved(app, store, monkeypatch):
    start(app)
    session = app.session

    def broken(*args):
        raise StoreError("cannot write to the results store: disk full", session.id)

    monkeypatch.setattr(store, "turn_recorded", broken)
    app.choices.children[0].click()
    assert NOT_SAVED in app.error.value and SAVED not in app.error.value
    monkeypatch.undo()
    monkeypatch.setattr(session, "reply", lambda reply: 1 / 0)  # a later failure of the same session
    app.choices.children[0].click()
    assert NOT_SAVED in app.error.value


def test_a_session_without_a_recorder_is_never_said_to_be_saved(app, monkeypatch):
    start(app)
    app.session.recorder = None
    monkeypatch.setattr(app.session, "reply", lambda reply: 1 / 0)
    app.choices.children[0].click()
    assert NOT_SAVED in app.error.value


def test_the_polish_page_says_it_too(app, monkeypatch):
    app.apply_query("lang=pl")
    monkeypatch.setattr("simulator.ui.practice.Session", lambda *a, **k: 1 / 0)
    app.trainee.value = "ola"
    app.scenario_buttons["mini"].click()
    app.start.click()
    assert "nie udało się zapisać odpowiedzi" in app.error.value
