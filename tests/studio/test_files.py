"""Trainer edits to scenario text: a not-understood reply becomes a phrasing in one step."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from simulator import LabError, Session, load_scenario
from simulator.loading.loader import parse_scenario
from simulator.studio.files import add_phrasing, add_phrasing_to_file, new_scenario_text

from ..conftest import MINI

BLOCK = """\
nodes:
  opening:
    customer: Hello.
    options:
      - text: Hi there.   # a comment the edit keeps
        phrasings:
          - hello to you
          - >-
            a folded
            phrasing
        next: done
"""


def test_a_block_list_gets_a_new_first_item_and_keeps_everything_else():
    new = add_phrasing(BLOCK, "opening", 1, "  good   morning ")
    assert new.splitlines()[6] == '          - "good morning"'
    assert new.replace('          - "good morning"\n', "") == BLOCK


def test_a_flow_list_gets_the_phrasing_inside_its_brackets():
    text = MINI.read_text(encoding="utf-8")
    new = add_phrasing(text, "opening", 1, 'sorry, "really" <b>sorry</b> 🙂')
    line = '        phrasings: ["sorry, \\"really\\" <b>sorry</b> 🙂", so sorry, please tell me more about it]'
    assert line in new.splitlines()
    assert len(new.splitlines()) == len(text.splitlines())


def test_an_option_without_phrasings_gets_the_key_above_its_second_field():
    text = MINI.read_text(encoding="utf-8")
    new = add_phrasing(text, "opening", 2, "what can I do for you")
    lines = new.splitlines()
    at = lines.index("      - text: What do you want?")
    assert lines[at + 1] == '        phrasings: ["what can I do for you"]'
    assert lines[at + 2] == "        scores: {empathy: -1}"


def test_the_new_phrasing_is_understood_by_the_engine(tmp_path):
    folder = tmp_path / "lib"
    shutil.copytree(MINI.parent, folder)
    path = folder / "mini.yaml"
    typed = "zebra crossing please"
    before = Session(load_scenario(path), seed=1)
    before.reply(typed)
    assert before.turns[-1].understood is False
    add_phrasing_to_file(path, "opening", 2, typed)
    after = Session(load_scenario(path), seed=1)
    after.reply(typed)
    assert after.turns[-1].understood is True and after.turns[-1].option_index == 1


@pytest.mark.parametrize(
    ("node", "option", "phrasing", "message"),
    [
        ("nowhere", 1, "hi", "there is no node 'nowhere'"),
        ("opening", 9, "hi", "node 'opening' has options 1–3, not 9"),
        ("opening", 1, "   ", "an empty reply cannot be a phrasing"),
        ("opening", 1, "So Sorry", "already has the phrasing 'So Sorry'"),
    ],
)
def test_impossible_edits_say_why(node, option, phrasing, message):
    with pytest.raises(LabError, match=message):
        add_phrasing(MINI.read_text(encoding="utf-8"), node, option, phrasing)


def test_a_one_line_option_is_left_to_the_trainer():
    text = "nodes:\n  a:\n    customer: Hi.\n    options:\n      - {text: Hello., next: done}\n"
    with pytest.raises(LabError, match="written on one line; add the phrasing by hand"):
        add_phrasing(text, "a", 1, "hey")


def test_a_file_is_not_written_when_the_edit_cannot_be_made(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("nodes: [unclosed\n", encoding="utf-8")
    with pytest.raises(LabError, match="does not read as YAML"):
        add_phrasing_to_file(path, "opening", 1, "hi")
    assert path.read_text(encoding="utf-8") == "nodes: [unclosed\n"


def test_a_new_scenario_starts_sound(tmp_path):
    personas = Path(__file__).resolve().parents[2] / "scenarios" / "personas"
    scenario = parse_scenario(new_scenario_text("my-first", 'Refund: "now"'), "my-first.yaml", personas_dir=personas)
    assert (scenario.id, scenario.title, scenario.decision_points) == ("my-first", 'Refund: "now"', 2)
    assert len(scenario.endings) == 3
