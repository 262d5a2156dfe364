"""The trainer's studio (simulator.ui.studio) driven through its widgets, on a copy of the mini library."""

from __future__ import annotations

import shutil

import pytest

from simulator import Session, load_scenario
from simulator.loading.loader import draft_scenario
from simulator.ui.studio import AuthorStudio, not_understood_replies

from ..conftest import MINI


@pytest.fixture
def library(tmp_path):
    folder = tmp_path / "lib"
    shutil.copytree(MINI.parent, folder)
    return folder


@pytest.fixture
def studio(library, store):
    return AuthorStudio(library, store=store)


def test_opens_on_the_first_file_sound_drawn_and_explored(studio, library):
    assert studio.path == library / "mini.yaml"
    assert studio.editor.value == (library / "mini.yaml").read_text(encoding="utf-8")
    assert "<b>mini</b> v1 is sound: 2 decision points, 2 endings" in studio.verdict.value
    assert "<svg" in studio.diagram.value
    assert "<th>best</th><td>1 1</td><td>2</td><td>done (resolved)</td><td>100</td>" in studio.paths.value


def test_a_broken_edit_names_line_and_fix_and_keeps_the_file(studio, library):
    before = (library / "mini.yaml").read_text(encoding="utf-8")
    studio.editor.value = before.replace("next: lost_it", "next: lost_itt")
    assert studio.scenario is None
    assert "line 49, column 15: &#x27;lost_itt&#x27; is not a node or an ending — did you mean" in studio.verdict.value
    assert "Fix the problems above" in studio.diagram.value
    assert (library / "mini.yaml").read_text(encoding="utf-8") == before  # nothing saved


def test_a_draft_with_an_unreachable_ending_is_still_drawn_with_it_marked(studio):
    studio.editor.value = studio.editor.value.replace("next: lost_it", "next: done")
    assert studio.scenario is not None
    assert "ending &#x27;lost_it&#x27; is never reached" in studio.verdict.value
    assert "unreachable" in studio.diagram.value


def test_draft_scenario_gives_problems_and_whatever_can_be_played(library):
    text = (library / "mini.yaml").read_text(encoding="utf-8")
    draft = text.replace("next: lost_it", "next: done")
    scenario, problems = draft_scenario(draft, "m.yaml", source=library / "m.yaml")
    assert scenario.id == "mini" and [p.message for p in problems] == [
        "ending 'lost_it' is never reached: no option leads to it"
    ]
    assert draft_scenario("id: [", "m.yaml")[0] is None


def test_play_from_a_node_with_a_mood(studio):
    studio.play_node.value, studio.play_mood.value = "fix", 60
    studio.play_button.click()
    assert "It stopped working yesterday." in studio.play_transcript.value
    studio.play_choices.children[1].click()  # "Not my problem."
    assert "Ended at lost_it" in studio.play_transcript.value and studio.play_choices.children == ()


def test_path_tests_show_each_outcome(studio):
    studio.editor.value += (
        "tests:\n"
        "  - {name: textbook, replies: [1, 1], ending: done, passed: true}\n"
        "  - {name: wrong on purpose, replies: [1, 2], ending: done}\n"
    )
    studio.test_button.click()
    assert [o.ok for o in studio.last_tests] == [True, False]
    assert "<b>1 passed, 1 failed</b>" in studio.test_result.value
    assert "ending: expected &#x27;done&#x27;, got &#x27;lost_it&#x27;" in studio.test_result.value


def test_random_walks_with_a_progress_bar(studio):
    studio.walk_count.value = 40
    studio.walk_button.click()
    assert studio.last_walks.n == 40 and studio.walk_progress.value == 40
    assert "random walks of mini: 40 (seeds 0–39)" in studio.walk_result.value


def test_new_scenario_from_the_template_and_bad_ids(studio, library):
    studio.new_id.value = "Not An Id"
    studio.create.click()
    assert "lower-case letters, digits and dashes" in studio.message.value
    studio.new_id.value = "refund-late"
    studio.create.click()
    assert studio.path == library / "refund-late.yaml" and (library / "refund-late.yaml").exists()
    assert "is sound" in studio.verdict.value
    studio.create.click()
    assert "exists already" in studio.message.value


def test_save_writes_the_editor_text(studio, library):
    studio.editor.value = studio.editor.value.replace("title: Mini", "title: Mini kettle")
    studio.save.click()
    assert "title: Mini kettle" in (library / "mini.yaml").read_text(encoding="utf-8")
    assert "Saved mini.yaml" in studio.save_note.value  # beside the Save button
    assert not (library / "drafts").exists()


def test_not_understood_replies_become_phrasings_in_one_step(library, store):
    evil = "<img src=x onerror=alert(1)> zebra crossing"
    session = Session(load_scenario(library / "mini.yaml"), recorder=store, seed=2)
    session.reply(evil)
    assert not_understood_replies(store, "mini") == [("opening", evil, 1, None)]
    studio = AuthorStudio(library, store=store)
    assert "&lt;img src=x onerror=alert(1)&gt;" in studio.replies.children[0].children[0].value
    assert "<img" not in studio.replies.children[0].children[0].value
    studio.editor.value += "\n# an unsaved change\n"
    row = studio.replies.children[0]
    row.children[2].click()
    assert "unsaved changes" in row.children[3].value  # beside the button clicked
    assert studio.message.value == ""
    studio.save.click()
    row = studio.replies.children[0]
    row.children[1].value = 2
    row.children[2].click()
    reloaded = load_scenario(library / "mini.yaml")
    assert evil in reloaded.nodes["opening"].options[1].phrasings
    [done] = studio.replies.children  # in its row's place: the confirmation, no button any more
    assert "rp-reply-added" in done._dom_classes and "Added “&lt;img" in done.value and "<img" not in done.value
    assert "No typed replies to <b>mini</b> went un-understood" in studio.replies_note.value
    studio._picked()  # picked again: an added reply is no longer listed at all
    assert studio.replies.children == ()


def test_corrected_replies_are_listed_with_the_option_meant_and_added_to_it(library, store):
    from ..core.test_clarification import Unsure

    scenario = load_scenario(library / "mini.yaml")
    for seed in (1, 2):
        session = Session(scenario, recorder=store, seed=seed, matcher=Unsure())
        session.reply("#2")  # taken for "What do you want?" …
        session.correct(1)  # … meant "I'm sorry to hear that. Tell me more."
    missed = Session(scenario, recorder=store, seed=3)
    missed.reply("zebra crossing")
    assert not_understood_replies(store, "mini") == [("opening", "#2", 2, 1), ("opening", "zebra crossing", 1, None)]
    studio = AuthorStudio(library, store=store)
    assert "were not understood or were corrected by the trainee" in studio.replies_note.value
    row = studio.replies.children[0]
    assert "“#2”" in row.children[0].value and "corrected: the trainee meant option 1" in row.children[0].value
    assert row.children[1].value == 1  # the intended option is picked
    row.children[2].click()
    done, left = studio.replies.children
    assert "Added “#2” as a phrasing of option 1 at opening" in done.value
    assert "#2" in load_scenario(library / "mini.yaml").nodes["opening"].options[0].phrasings
    assert "zebra crossing" in left.children[0].value and "rp-reply-row" in left._dom_classes


def test_the_studio_speaks_polish_when_asked(library, store):
    studio = AuthorStudio(library, store=store, lang="pl")
    assert "<b>mini</b> v1 jest poprawny: punkty decyzji: 2, zakończenia: 2" in studio.verdict.value
    assert studio.save.description == "Zapisz" and studio.play_button.description == "Zagraj stąd"
    assert studio.highlight.options[0] == ("najlepsza ścieżka", "best")
    assert "<h4>Ścieżki</h4>" in studio.paths.value and "Zakres wyników" in studio.paths.value
    assert "Wszystkie wpisane odpowiedzi do <b>mini</b>" in studio.replies_note.value
    studio.play_node.value, studio.play_mood.value = "fix", 60
    studio.play_button.click()
    studio.play_choices.children[1].click()
    assert "Koniec w lost_it" in studio.play_transcript.value and "klient stracony" in studio.play_transcript.value
    studio.test_button.click()
    assert "zaliczone: 0, niezaliczone: 0" in studio.test_result.value
    studio.new_id.value = "Not An Id"
    studio.create.click()
    assert "małe litery, cyfry i myślniki" in studio.message.value
    shown = studio.verdict.value + studio.paths.value + studio.test_result.value + studio.play_transcript.value
    for english in ("is sound", "<h4>Paths", "Ended at", " passed, ", "Score range"):
        assert english not in shown, english


def test_a_failing_action_is_said_in_the_studio_and_logged_once(studio, monkeypatch, caplog):
    from simulator.ui.studio import app

    monkeypatch.setattr(app, "run_path_tests", lambda scenario: 1 / 0)
    studio.test_button.click()
    assert "could not run the path tests: something went wrong on the server" in studio.test_note.value
    assert "ZeroDivisionError" not in studio.test_note.value and "division" not in studio.test_note.value
    assert caplog.text.count("studio callback failed") == 1 and "ZeroDivisionError" in caplog.text
    monkeypatch.undo()
    studio.test_button.click()
    assert "<b>0 passed, 0 failed</b>" in studio.test_result.value


def _no_server_detail(html: str, *paths) -> None:
    """What the browser is shown carries no server path and no exception's text."""
    for path in paths:
        assert str(path) not in html, html
    for detail in ("Errno", "OSError", "Error:", "Traceback", "/tmp/", "/home/", "/root/"):
        assert detail not in html, (detail, html)


def test_a_name_too_long_for_the_file_system_is_said_in_the_authors_words(studio, library, caplog):
    studio.new_id.value = "a" * 260
    studio.create.click()
    assert "could not save the file: the name is too long" in studio.message.value
    _no_server_detail(studio.message.value, library)
    assert (
        caplog.text.count("studio callback failed") == 1 and "File name too long" in caplog.text
    )  # once, on the server
    assert not list(library.glob("a*.yaml")) and studio.path == library / "mini.yaml"


def test_a_file_the_server_may_not_write_is_said_in_the_authors_words(studio, library, monkeypatch, caplog):
    from pathlib import Path

    def refused(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    before = (library / "mini.yaml").read_text(encoding="utf-8")
    studio.editor.value = before.replace("title: Mini", "title: Mini kettle")
    monkeypatch.setattr(Path, "write_text", refused)
    studio.save.click()
    assert "could not save the file: permission denied" in studio.save_note.value
    _no_server_detail(studio.save_note.value, library)
    assert "Permission denied" in caplog.text
    monkeypatch.undo()
    assert "title: Mini kettle" in studio.editor.value  # the author's text is kept for another try


def test_the_studios_own_messages_name_files_not_server_paths(studio, library, store, monkeypatch):
    from simulator.errors import LabError
    from simulator.ui.studio import app

    def unsound(path, node, option, reply):
        raise LabError(f"{path} would not be sound with the phrasing; nothing was written:\n{path}:3:1: bad")

    session = Session(load_scenario(library / "mini.yaml"), recorder=store, seed=2)
    session.reply("zebra crossing")
    studio = AuthorStudio(library, store=store)
    monkeypatch.setattr(app, "add_phrasing_to_file", unsound)
    row = studio.replies.children[0]
    row.children[2].click()
    assert "mini.yaml would not be sound with the phrasing" in row.children[3].value
    _no_server_detail(row.children[3].value, library)
    _no_server_detail(studio.replies_note.value, store.location, library)


# ---------------------------------------------------------------- assignments


def test_the_assignments_section_creates_lists_and_removes_assignments(library, store, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "tom")
    monkeypatch.setenv("ROLEPLAY_GROUPS", "trainers")
    studio = AuthorStudio(library, store=store, lang="en")
    assert "assignments_box" not in studio.__dict__  # built on first use only
    box = studio.assignments_box
    assert "No assignments yet" in box.listing.value
    box.group.value = "<b>class</b>"
    box.mode.value = "assessment"
    box.max_attempts.value = 3
    box.assign.click()
    [made] = store.assignments()
    assert (made["scenario_id"], made["group_name"], made["mode"], made["max_attempts"], made["created_by"]) == (
        "mini", "<b>class</b>", "assessment", 3, "tom",
    )  # fmt: skip
    assert "&lt;b&gt;class&lt;/b&gt;" in box.listing.value and "<b>class</b>" not in box.listing.value
    assert "Assigned: Mini to &lt;b&gt;class&lt;/b&gt;" in box.status.value
    box.group.value = "  "
    box.assign.click()
    assert "Type the group" in box.status.value and len(store.assignments()) == 1
    box.group.value = "trainees"
    box.max_attempts.value = 0  # no limit
    box.assign.click()
    assert [a["max_attempts"] for a in store.assignments()] == [3, None]
    assert "no limit" in box.listing.value
    box.remove_pick.value = made["id"]
    box.remove.click()
    assert [a["group_name"] for a in store.assignments()] == ["trainees"] and "removed" in box.status.value


def test_the_assignments_section_speaks_polish(library, store):
    box = AuthorStudio(library, store=store, lang="pl").assignments_box
    assert "Zadania" in box.children[0].value and box.assign.description == "Przydziel"


def test_only_trainers_assign_under_a_hub(library, store, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "rita")
    monkeypatch.setenv("ROLEPLAY_GROUPS", "reviewers")
    box = AuthorStudio(library, store=store, lang="en").assignments_box
    assert box.assign.disabled and box.remove.disabled
    monkeypatch.setenv("ROLEPLAY_GROUPS", "trainees")
    refused = AuthorStudio(library, store=store, lang="en").assignments_box
    assert "rp-refused" in refused._dom_classes and not store.assignments()
