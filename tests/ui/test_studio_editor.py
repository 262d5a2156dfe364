"""The studio's code editor, its problems a click away, drafts saved apart, and walks replayed from the app.

Driven through the studio's widgets on a copy of the mini library (the page itself: tests/browser).
"""

from __future__ import annotations

import hashlib
import re
import shutil

import pytest

from simulator.loading.loader import load_library
from simulator.ui.studio import AuthorStudio
from simulator.ui.studio.editor import BUNDLE, CodeEditor

from ..conftest import MINI, ROOT


@pytest.fixture
def library(tmp_path):
    folder = tmp_path / "lib"
    shutil.copytree(MINI.parent, folder)
    return folder


@pytest.fixture
def studio(library, store):
    return AuthorStudio(library, store=store)


def _broken(studio) -> str:
    return studio.editor.value.replace("next: lost_it", "next: lost_itt")


def test_the_editor_is_the_code_editor_with_its_bundle_shipped_in_the_package(studio):
    assert isinstance(studio.editor, CodeEditor) and "rp-editor" in studio.editor._dom_classes
    assert BUNDLE.is_file() and BUNDLE.parent.parent.name == "static"
    bundle = BUNDLE.read_text(encoding="utf-8")
    assert studio.editor._esm == bundle  # the module the page runs: the file shipped, nothing fetched
    assert "http://" not in bundle.split("*/", 1)[0] and not re.search(r"import\s*\(?\s*[\"']https?:", bundle)
    assert studio.editor.labels == {"position": "line {line}, column {column}", "editor": "The scenario's YAML text"}


def test_the_bundle_was_built_from_the_editor_source_as_it_is():
    source = ROOT / "scripts" / "editor"
    digest = hashlib.sha256((source / "src" / "editor.js").read_bytes() + (source / "package-lock.json").read_bytes())
    first = BUNDLE.read_text(encoding="utf-8").splitlines()[0]
    assert f"source-sha256: {digest.hexdigest()}" in first, "run scripts/build_editor.sh"


def test_each_problem_is_marked_in_the_editor_and_a_button_to_its_place(studio):
    studio.editor.value = _broken(studio)
    [problem] = studio.editor.problems
    assert (problem["line"], problem["column"], problem["severity"]) == (49, 15, "error")
    assert "'lost_itt' is not a node or an ending" in problem["message"]
    assert (
        '<button type="button" class="rp-jump" data-line="49" data-column="15" '
        'title="Go to line 49, column 15 in the editor">line 49, column 15: &#x27;lost_itt&#x27;'
    ) in studio.verdict.value
    assert "click a problem to put the cursor on it" in studio.verdict.value
    studio.editor.value = studio.editor.value.replace("lost_itt", "lost_it")
    assert studio.editor.problems == [] and "is sound" in studio.verdict.value


def test_a_warning_is_a_button_to_its_place_too(studio):
    studio.editor.value = studio.editor.value.replace("next: lost_it", "next: done")
    assert 'class="rp-warn"><button type="button" class="rp-jump"' not in studio.verdict.value  # an error here
    assert any(p["severity"] == "error" for p in studio.editor.problems)
    assert 'class="rp-jump" data-line=' in studio.verdict.value


def test_go_to_asks_the_page_for_a_place_each_time(studio):
    studio.editor.go_to(12, 3)
    first = studio.editor.jump
    studio.editor.go_to(12, 3)
    assert first["line"] == 12 and first["column"] == 3 and studio.editor.jump["seq"] > first["seq"]


def test_a_problem_message_is_escaped_in_the_verdict(studio):
    studio.editor.value = studio.editor.value.replace("title: Mini", "title: Mini\nzz<b>x</b>: 1", 1)
    assert "<b>x</b>" not in studio.verdict.value.replace("<b>1 problem", "")
    assert "zz&lt;b&gt;x&lt;/b&gt;" in studio.verdict.value


# ---------------------------------------------------------------- drafts


def test_text_with_problems_is_saved_as_a_draft_and_the_library_keeps_serving_the_sound_version(studio, library):
    sound = (library / "mini.yaml").read_text(encoding="utf-8")
    broken = _broken(studio)
    studio.editor.value = broken
    studio.save.click()
    assert (library / "mini.yaml").read_text(encoding="utf-8") == sound  # not touched
    assert (library / "drafts" / "mini.yaml").read_text(encoding="utf-8") == broken
    note = studio.save_note.value
    assert "Saved as a draft (drafts/mini.yaml)" in note and "with 1 problem(s)" in note
    assert "trainees still get the last valid version of mini.yaml" in note
    scenarios, problems = load_library(library)
    assert "mini" in scenarios and problems == []  # the draft is not read as a scenario
    assert studio.picker.options[0] == ("mini.yaml — draft", library / "mini.yaml")
    assert studio.path == library / "mini.yaml" and studio.editor.value == broken  # the trainer's text stays
    assert studio.draft_bar.layout.display is None and "You are editing the draft" in studio.draft_note.value


def test_the_draft_is_where_the_trainer_left_off_and_a_sound_save_publishes_it(library, store):
    first = AuthorStudio(library, store=store)
    first.editor.value = _broken(first)
    first.save.click()
    again = AuthorStudio(library, store=store)  # another day: the draft opens, said so
    assert again.editor.value == first.editor.value and "problem(s) to fix" in again.verdict.value
    assert "trainees get the last valid version of mini.yaml" in again.draft_note.value
    again.editor.value = again.editor.value.replace("lost_itt", "lost_it").replace("title: Mini", "title: Mini 2")
    again.save.click()
    assert "Saved mini.yaml" in again.save_note.value and "draft" not in again.save_note.value
    assert "title: Mini 2" in (library / "mini.yaml").read_text(encoding="utf-8")
    assert not (library / "drafts" / "mini.yaml").exists() and again.draft_bar.layout.display == "none"
    assert again.picker.options[0] == ("mini.yaml", library / "mini.yaml")


def test_a_draft_can_be_discarded_for_the_version_trainees_get(studio, library):
    sound = studio.editor.value
    studio.editor.value = _broken(studio)
    studio.save.click()
    studio.discard.click()
    assert studio.editor.value == sound and not (library / "drafts" / "mini.yaml").exists()
    assert "Draft discarded: the editor shows mini.yaml as trainees get it." in studio.save_note.value
    assert studio.draft_bar.layout.display == "none" and "is sound" in studio.verdict.value


def test_a_draft_saved_over_a_broken_library_file_says_trainees_do_not_get_it(studio, library):
    (library / "mini.yaml").write_text("id: [", encoding="utf-8")
    studio.save.click()  # the editor still holds the sound text: it goes to the library
    assert "Saved mini.yaml" in studio.save_note.value
    (library / "mini.yaml").write_text("id: [", encoding="utf-8")
    studio.editor.value = _broken(studio)
    studio.save.click()
    assert "has problems too, so trainees are not offered this scenario" in studio.save_note.value


def test_phrasings_wait_for_a_draft_to_be_saved_sound(library, store):
    from simulator import Session, load_scenario

    Session(load_scenario(library / "mini.yaml"), recorder=store, seed=2).reply("zebra crossing")
    studio = AuthorStudio(library, store=store)
    studio.editor.value = studio.editor.value.replace("next: lost_it", "next: done")  # drawn, not sound
    studio.save.click()
    assert studio.scenario is not None and (library / "drafts" / "mini.yaml").exists()
    row = studio.replies.children[0]
    row.children[2].click()
    assert "has a draft with problems: fix and save it (or discard it) first" in row.children[3].value
    assert "zebra crossing" not in (library / "mini.yaml").read_text(encoding="utf-8")


def test_the_draft_words_speak_polish(library, store):
    studio = AuthorStudio(library, store=store, lang="pl")
    studio.editor.value = _broken(studio)
    studio.save.click()
    assert "Zapisano jako szkic (drafts/mini.yaml)" in studio.save_note.value
    assert "kursanci nadal dostają ostatnią poprawną wersję mini.yaml" in studio.save_note.value
    assert studio.discard.description == "Odrzuć szkic" and "Przejdź do wiersza 49" in studio.verdict.value
    assert studio.editor.labels == {"position": "wiersz {line}, kolumna {column}", "editor": "Tekst scenariusza w YAML"}
    assert studio.replay_button.description == "Odtwórz przejście"


# ---------------------------------------------------------------- walks and play


def test_a_walk_is_replayed_from_the_app_by_its_seed(studio):
    studio.walk_count.value = 20
    studio.walk_button.click()
    assert "studio.replay" not in studio.walk_result.value
    studio.replay_seed.value = 7
    studio.replay_button.click()
    assert "<h4>walk 7</h4>" in studio.replay_result.value
    assert "walk 7 of mini:" in studio.replay_result.value and "customer:" in studio.replay_result.value
    assert studio.replay_result.value.count("walk 7 of mini") == 1
    studio.replay_button.click()  # the same seed, the same walk
    assert studio.replay(7) in studio.replay_result.value.replace("&#x27;", "'").replace("&quot;", '"')


def test_replay_with_a_broken_scenario_is_said_beside_its_button(studio):
    studio.editor.value = "id: ["
    studio.replay_button.click()
    assert "fix the scenario" in studio.replay_note.value and studio.message.value == ""


def test_the_play_transcript_puts_each_name_above_its_line(studio):
    from simulator.ui.common import stylesheet

    studio.play_button.click()
    assert '<span class="rp-who">' in studio.play_transcript.value
    css = stylesheet("studio")
    assert ".rp-play-transcript .rp-who { display: block;" in css
