"""Saving a scenario: sound text into the library, text with errors as a draft in drafts/, which the
loader never reads, so the library keeps serving the last sound version."""

from __future__ import annotations

import shutil

import pytest

from simulator.loading.loader import DRAFTS_FOLDER, check_files, load_library, scenario_files
from simulator.studio.files import discard_draft, draft_path, read_draft, save_scenario

from ..conftest import MINI


@pytest.fixture
def library(tmp_path):
    folder = tmp_path / "lib"
    shutil.copytree(MINI.parent, folder)
    return folder


def test_sound_text_goes_into_the_library(library):
    path = library / "mini.yaml"
    text = path.read_text(encoding="utf-8").replace("title: Mini", "title: Mini kettle")
    saved = save_scenario(path, text)
    assert (saved.path, saved.draft, saved.errors, saved.live) == (path, False, (), True)
    assert path.read_text(encoding="utf-8") == text
    assert not (library / DRAFTS_FOLDER).exists() and not list(library.glob(".*.tmp"))


def test_text_with_errors_is_a_draft_and_the_library_file_is_untouched(library):
    path = library / "mini.yaml"
    sound = path.read_text(encoding="utf-8")
    broken = sound.replace("next: lost_it", "next: lost_itt")
    saved = save_scenario(path, broken)
    assert saved.draft and saved.live and saved.path == library / "drafts" / "mini.yaml" == draft_path(path)
    assert [(p.line, p.column) for p in saved.errors] == [(49, 15)]
    assert path.read_text(encoding="utf-8") == sound and read_draft(path) == broken
    scenarios, problems = load_library(library)
    assert set(scenarios) == {"mini"} and scenarios["mini"].model.title == "Mini" and problems == []
    assert draft_path(path) not in scenario_files([library])
    assert check_files([draft_path(path)])[1]  # named on its own, a draft is checked like any file


def test_a_sound_save_drops_the_draft_and_discarding_twice_is_no_error(library):
    path = library / "mini.yaml"
    sound = path.read_text(encoding="utf-8")
    save_scenario(path, sound.replace("next: lost_it", "next: lost_itt"))
    save_scenario(path, sound)
    assert read_draft(path) is None and not discard_draft(path)
    save_scenario(path, "id: [")
    assert discard_draft(path) and read_draft(path) is None


def test_a_draft_over_a_broken_library_file_is_not_live(library):
    path = library / "mini.yaml"
    sound = path.read_text(encoding="utf-8")
    path.write_text("id: [", encoding="utf-8")
    saved = save_scenario(path, sound.replace("next: lost_it", "next: lost_itt"))
    assert saved.draft and not saved.live
    new = library / "not-yet.yaml"
    assert not save_scenario(new, "id: [").live and not new.exists()
