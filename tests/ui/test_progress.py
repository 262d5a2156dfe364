"""The trainee's corner of the practice app: assignments first, "My progress" built on click."""

from __future__ import annotations

import shutil

import pytest

from simulator.ui import PracticeApp

from ..conftest import MINI, FakeClock

EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture
def library(tmp_path):
    folder = tmp_path / "scenarios"
    shutil.copytree(MINI.parent, folder)
    return folder


def _app(library, store, language="en"):
    return PracticeApp(library, store=store, clock=FakeClock(), language=language)


def _play(app, replies=(1, 1)):
    app.start.click()
    for reply in replies:
        app.choices.children[reply - 1].click()


def test_my_progress_is_built_on_click_and_shows_the_trainees_own_results(library, store):
    app = _app(library, store)
    assert app.corner.view is None  # nothing read before it is asked for
    app.corner.progress_button.click()
    assert "type your name" in app.corner.message.value and app.corner.view is None
    for name in (EVIL, "ben"):
        app.trainee.value = name
        app.scenario_buttons["mini"].click()
        _play(app)
        app.another.click()
    app.trainee.value = EVIL
    app.corner.progress_button.click()
    html = app.corner.view.html.value
    assert EVIL not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Grade" in html and "Mini" in html and "Practise next" not in html  # 100 on mini: mastered
    # competencies: a head and 2; scenarios: a head and 1; attempts: a head and 1 (not ben's)
    assert html.count("rp-progress-attempts") == 1 and html.count("<tr>") == 3 + 2 + 2
    assert ".rp-progress" in app.corner.view.children[0].value  # styled from static/progress.css
    app.corner.progress_button.click()  # hides it
    assert app.corner.area.children == () and app.corner.progress_button.description == "My progress"


def test_my_progress_speaks_polish(library, store):
    app = _app(library, store, language="pl")
    app.trainee.value = "anna"
    app.corner.progress_button.click()
    html = app.corner.view.html.value
    assert "Postępy: anna" in html and "Nie ma jeszcze podejść" in html
    assert "Poćwicz teraz" in html  # never played: the weakest competency's scenario


def test_assignments_come_first_and_set_the_mode_and_the_attempt_limit(library, store):
    aid = store.create_assignment("mini", "everyone", "2099-01-01", mode="assessment", max_attempts=1)
    store.create_assignment("mini", "class-z", "2099-01-01")  # another group's: not shown
    store.create_assignment("no-such-scenario", "everyone", "2099-01-01")  # not in the library: not shown
    app = _app(library, store)
    app.apply_query("")  # the page's address names no scenario: the picker is shown, under the assignments
    screen = list(app.setup_screen.children)
    assert screen.index(app.corner) < screen.index(app.setup_body) and app.picker_label in app.picker_column.children
    rows = app.corner.assigned.children[1:]
    assert len(rows) == 1
    assert "no attempt limit" not in rows[0].children[1].value and "1 attempts" in rows[0].children[1].value
    assert "assessment: feedback at the end" in rows[0].children[1].value
    app.trainee.value = "anna"
    app.corner.assigned.refresh()
    row = app.corner.assigned.children[1]
    assert "1 of 1 attempts left" in row.children[1].value
    row.children[0].click()  # choose it
    assert app.scenario.id == "mini" and "Assignment: Mini" in app.briefing.value
    app.start.click()
    assert app.session.mode == "assessment"
    app.choices.children[0].click()
    assert "rp-feedback" not in (app.history.value + app.after.value)  # assessment: no feedback until the end
    app.choices.children[0].click()
    assert store.session(app.session.id)["assignment_id"] == aid
    app.again.click()  # the same assignment again: its one attempt is used
    assert "used all 1 attempts" in app.error.value
    assert len(store.sessions(trainee="anna")) == 1
    app.another.click()
    assert "0 of 1 attempts left" in app.corner.assigned.children[1].children[1].value
    assert app.corner.assigned.children[1].children[0].disabled
    app.scenario_buttons["mini"].click()  # the same scenario from the picker: free practice, feedback on
    app.start.click()
    app.choices.children[0].click()
    assert app.session.mode == "practice" and "rp-feedback" in (app.history.value + app.after.value)
    assert store.session(app.session.id)["assignment_id"] is None


def test_the_hub_groups_pick_the_assignments_and_are_recorded(library, store, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "anna")
    monkeypatch.setenv("ROLEPLAY_GROUPS", "class-z, trainees")
    store.create_assignment("mini", "class-z", "2099-01-01")
    app = _app(library, store)
    assert len(app.corner.assigned.children) == 2
    assert "1 of 1 attempts left" not in app.corner.assigned.children[1].children[1].value
    assert "no attempt limit" in app.corner.assigned.children[1].children[1].value
    assert store.group_members("class-z") == {"anna"} and store.group_members("trainees") == {"anna"}
    app.trainee.value = "ben"  # typed over: the hub's name is whose progress it is
    app.corner.progress_button.click()
    assert "Progress of anna" in app.corner.view.html.value


def test_typing_a_name_shows_that_trainees_attempts_left(library, store):
    store.create_assignment("mini", "everyone", "2099-01-01", max_attempts=2)
    app = _app(library, store)
    app.apply_query("")
    assert "2 attempts" in app.corner.assigned.children[1].children[1].value  # nobody named yet
    app.trainee.value = "anna"  # sent when she leaves the box
    assert "2 of 2 attempts left" in app.corner.assigned.children[1].children[1].value


def test_a_link_naming_the_trainee_shows_their_attempts_left(library, store):
    store.create_assignment("mini", "everyone", "2099-01-01", max_attempts=2)
    app = _app(library, store)
    app.apply_query("trainee=anna")
    assert "2 of 2 attempts left" in app.corner.assigned.children[1].children[1].value


def test_a_preheated_page_reads_the_assignments_when_it_is_asked_for(library, store, monkeypatch):
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    app = _app(library, store)  # built before anyone asked for the page
    assert not app.corner.assigned.children
    store.create_assignment("mini", "everyone", "2099-01-01")
    app.apply_query("")
    assert "Mini" in app.corner.assigned.children[1].children[1].value
