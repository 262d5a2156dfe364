"""The apps on a user's hub server: the signed-in name is the trainee's, and the review lab and the
studio refuse users outside their groups (the environment is what the hub's spawner sets)."""

from __future__ import annotations

import shutil

import pytest

from simulator.errors import LabError
from simulator.hub.roles import roles_of
from simulator.hub.spawner import role_choice_form
from simulator.ui import PracticeApp
from simulator.ui.review import ReviewLab
from simulator.ui.studio import AuthorStudio

from ..conftest import MINI


@pytest.fixture
def library(tmp_path):
    folder = tmp_path / "scenarios"
    shutil.copytree(MINI.parent, folder)
    return folder


def signed_in(monkeypatch, name: str, groups: str = "") -> None:
    monkeypatch.setenv("JUPYTERHUB_USER", name)
    monkeypatch.setenv("ROLEPLAY_GROUPS", groups)


def test_the_practice_app_takes_the_hubs_name_and_keeps_it(monkeypatch, library, store):
    signed_in(monkeypatch, "anna")
    app = PracticeApp(library, store=store)
    assert "Signed in as <b>anna</b>" in app.setup_screen.children[1].value
    assert app.trainee.disabled and app.trainee.layout.display == "none"
    app.apply_query("trainee=bartek&scenario=mini")
    app.trainee.value = "bartek"  # as a message from the page would
    assert app.trainee.value == "anna"
    app.start.click()
    assert store.session(app.session.id)["trainee"] == "anna"


def test_a_hub_name_is_escaped(monkeypatch, library, store):
    signed_in(monkeypatch, "<b>x</b>")
    app = PracticeApp(library, store=store)
    assert "&lt;b&gt;x&lt;/b&gt;" in app.setup_screen.children[1].value


def test_outside_a_hub_the_name_box_stays(monkeypatch, library, store):
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    app = PracticeApp(library, store=store)
    assert app.setup_screen.children[1] is app.trainee and not app.trainee.disabled


@pytest.mark.parametrize("groups", ["", "trainees", "trainers"])
def test_the_review_lab_refuses_anyone_but_reviewers_and_opens_no_store(monkeypatch, library, tmp_path, groups):
    signed_in(monkeypatch, "anna", groups)
    location = tmp_path / "never.sqlite"
    lab = ReviewLab.open(str(location), scenarios=library)
    assert "the review lab is for reviewers" in lab.header.children[0].value
    assert lab.store is None and not location.exists()
    assert all(view.value == "" for view in lab.views.values())


def test_the_review_lab_opens_for_a_reviewer(monkeypatch, library, store):
    signed_in(monkeypatch, "rita", "reviewers,trainers")
    lab = ReviewLab(store, scenarios=library)
    assert lab.store is store and "rp-refused" not in lab.header.children[0]._dom_classes


def test_the_studio_refuses_trainees(monkeypatch, library, store):
    signed_in(monkeypatch, "anna", "trainees")
    studio = AuthorStudio(library, store=store)
    assert "the scenario studio is for trainers" in studio.editor_box.value


def test_the_studio_is_read_only_for_a_reviewer_and_writes_for_a_trainer(monkeypatch, library, store):
    signed_in(monkeypatch, "rita", "reviewers")
    studio = AuthorStudio(library, store=store)
    assert studio.save.disabled and studio.create.disabled and "read-only" in studio.message.value
    before = (library / "mini.yaml").read_text(encoding="utf-8")
    studio.editor.value = before + "\n# changed\n"
    with pytest.raises(LabError, match="read-only"):
        studio._save()
    assert (library / "mini.yaml").read_text(encoding="utf-8") == before

    signed_in(monkeypatch, "tomasz", "trainers")
    studio = AuthorStudio(library, store=store)
    assert not studio.save.disabled
    studio.editor.value = before + "\n# changed\n"
    studio.save.click()
    assert (library / "mini.yaml").read_text(encoding="utf-8").endswith("# changed\n")


def test_roles_come_from_groups_and_several_roles_get_a_choice():
    assert roles_of([]) == ["trainee"] and roles_of(["staff"]) == ["trainee"]
    assert roles_of(["reviewers", "trainers"]) == ["trainer", "reviewer"]
    assert role_choice_form(["trainee"]) == ""
    form = role_choice_form(["trainer", "reviewer"])
    assert 'value="trainer" checked' in form and 'value="reviewer">' in form
    # Shown by the hub before any app knows the user's language: English and Polish together.
    assert "Open the lab as" in form and "Otwórz laboratorium jako" in form
    assert "Studio scenariuszy (trener)" in form and "Review lab (reviewer)" in form
