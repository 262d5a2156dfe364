"""Paraphrase probes (simulator.studio.probes), the random walks' held-out wordings, and `roleplay paths`.

The scenario is written here: at ``remedy`` the lexical matcher takes each option's "We will send …"
phrasing for the other option once it is held out (the words they share outweigh the meaning), at
``closing`` "Goodbye then." and "Bye for now." share no word so neither is understood without the
other, and ``greeting`` has no phrasings at all.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from simulator import load_scenario
from simulator.cli import main
from simulator.core.matching import get_matcher
from simulator.studio.probes import NO_PHRASINGS, HeldOut, held_out, probe
from simulator.studio.walks import PARAPHRASE, walks

PERSONAS = Path(__file__).resolve().parents[1] / "data" / "paths" / "personas"

REMEDY = """\
schema_version: 1
id: remedy
title: Remedy
persona: calm
briefing: A parcel arrived broken.
customer: {name: Ola, context: Her vase arrived broken.}
competencies:
  ownership: {weight: 1}
pass_mark: 50
matching: {matcher: lexical}
nodes:
  greeting:
    customer: My vase arrived in pieces.
    options:
      - text: I'm so sorry, that's awful.
        scores: {ownership: 1}
        feedback: Kind.
        next: remedy
      - text: What's your order number?
        feedback: Curt.
        next: remedy
  remedy:
    customer: So what will you do about it?
    options:
      - text: I'll refund the full amount.
        phrasings:
          - We will send the money back to your card.
          - You get a full refund.
        scores: {ownership: 1}
        feedback: A refund.
        next: closing
      - text: I'll send a replacement vase.
        phrasings:
          - We will send a new one to your address.
        scores: {ownership: 1}
        feedback: A replacement.
        next: closing
  closing:
    customer: Fine. Anything else?
    options:
      - text: Is there anything else I can help with?
        phrasings:
          - Can I help with anything more?
        scores: {ownership: 1}
        feedback: Good.
        next: done
      - text: Goodbye then.
        phrasings:
          - Bye for now.
        feedback: Abrupt.
        next: done
endings:
  done: {outcome: resolved, customer: Thanks.}
"""


@pytest.fixture
def remedy_file(tmp_path: Path) -> Path:
    shutil.copytree(PERSONAS, tmp_path / "personas")
    path = tmp_path / "remedy.yaml"
    path.write_text(REMEDY, encoding="utf-8")
    return path


@pytest.fixture
def remedy(remedy_file: Path):
    return load_scenario(remedy_file)


def test_a_held_out_phrasing_the_lexical_matcher_gets_wrong_is_taken_for_another_option(remedy):
    report = probe(remedy)
    assert (report.matcher, report.threshold) == ("lexical", 0.35)
    node = report.node("remedy")
    assert [(p.option, p.text, p.outcome) for p in node.probes] == [
        (0, "I'll refund the full amount.", "right"),
        (0, "We will send the money back to your card.", "other"),
        (0, "You get a full refund.", "right"),
        (1, "I'll send a replacement vase.", "not_understood"),
        (1, "We will send a new one to your address.", "other"),
    ]
    assert [p.taken for p in node.probes if p.outcome == "other"] == [1, 0]
    assert (len(node.probes), node.right, node.other, node.not_understood) == (5, 2, 2, 1)
    assert node.accuracy == pytest.approx(0.4)
    assert node.confusions == {(0, 1): 1, (1, 0): 1}
    # As written (not held out) the same words are its own option's: the probe is what makes them fail.
    assert (
        get_matcher("lexical")
        .match("We will send the money back to your card.", remedy.nodes["remedy"].options)
        .option_index
        == 0
    )


def test_nodes_come_worst_first_and_a_node_without_phrasings_says_so(remedy):
    report = probe(remedy)
    assert [n.node for n in report.nodes] == ["remedy", "closing", "greeting"]
    closing = report.node("closing")
    assert (closing.right, closing.not_understood, closing.accuracy) == (2, 2, 0.5)
    greeting = report.node("greeting")
    assert greeting.probes == [] and greeting.accuracy is None and (greeting.unprobed, greeting.options) == (2, 2)
    assert (report.total("probes"), report.total("right"), report.total("other")) == (9, 4, 2)
    assert report.accuracy == pytest.approx(4 / 9)
    lines = report.text().splitlines()
    assert lines[1] == (
        "  estimated matching accuracy 44.4%: right 4, taken for another option 2, not understood 3 (0 with proposals)"
    )
    assert lines[2] == (
        "  remedy    ████████░░░░░░░░░░░░  40.0%  2/5 right, 2 taken for another option, 1 not understood"
    )
    assert lines[3].strip() == "“We will send the money back to your card.” (option 1) taken as option 2"
    assert lines[-1] == f"  greeting  {NO_PHRASINGS}"
    assert "100" not in lines[-1]
    data = json.loads(json.dumps(report.as_dict()))
    assert [(n["node"], n["accuracy"]) for n in data["nodes"]] == [
        ("remedy", 0.4),
        ("closing", 0.5),
        ("greeting", None),
    ]
    assert data["nodes"][0]["confusions"] == [
        {"meant": 1, "taken": 2, "probes": 1},
        {"meant": 2, "taken": 1, "probes": 1},
    ]


def test_held_out_leaves_the_other_wordings(remedy):
    refund = remedy.nodes["remedy"].options[0]
    assert (held_out(refund, 0).text, held_out(refund, 0).phrasings) == (
        "We will send the money back to your card.",
        ["You get a full refund."],
    )
    assert held_out(refund, 1).phrasings == ["You get a full refund."] and held_out(refund, 1).next == "closing"
    with pytest.raises(ValueError, match="only text"):
        held_out(remedy.nodes["greeting"].options[0], 0)


def test_the_held_out_matcher_only_changes_the_held_options(remedy):
    options = remedy.nodes["remedy"].options
    matcher = HeldOut(get_matcher("lexical"))
    text = "We will send the money back to your card."
    assert matcher.match(text, options).option_index == 0
    matcher.hold(options, 0, 1)
    assert matcher.match(text, options).option_index == 1
    assert matcher.match(text, list(options)).option_index == 0  # other options: matched plainly
    matcher.release()
    assert matcher.match(text, options).option_index == 0


def test_random_walks_type_held_out_wordings_and_count_them_taken_for_another_option(remedy):
    summary = walks(remedy, n=300, seed=0)
    assert summary.failures == []
    steps = [s for w in summary.walks for s in w.steps]
    held = [s for s in steps if s.kind == PARAPHRASE]
    assert held and {s.node for s in held} == {"remedy", "closing"}  # greeting has nothing to hold out
    wrong = [s for s in held if s.reply == "We will send the money back to your card."]
    assert wrong and all((s.meant, s.taken) == (0, 1) for s in wrong)
    as_written = [s for s in steps if s.kind == "phrasing" and s.reply == "We will send the money back to your card."]
    assert as_written and all(s.taken == 0 for s in as_written)
    misread = sum(s.understood and s.taken != s.meant for s in held)
    assert summary.misread_by_kind[PARAPHRASE] == misread > 0
    assert summary.not_understood[PARAPHRASE] == sum(not s.understood for s in held)
    text = summary.text()
    assert f"held out {summary.not_understood[PARAPHRASE]}/{summary.typed[PARAPHRASE]}" in text
    assert f"taken for another option {summary.misread} (held out {misread}" in text
    # Without held-out wordings the walks are the ones before the probes: nothing taken for another option here.
    before = walks(remedy, n=300, seed=0, paraphrases=False)
    assert PARAPHRASE not in before.typed and before.misread == 0


def test_roleplay_paths_prints_the_accuracy_per_node(remedy_file):
    out = io.StringIO()
    code = main(["paths", str(remedy_file), "--walks", "50"], stdout=out)
    text = out.getvalue()
    assert code == 0, text
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("paraphrase probes of remedy (lexical matcher"))
    assert lines[head + 1].startswith("  estimated matching accuracy 44.4%: right 4, taken for another option 2")
    assert lines[head + 2].startswith("  remedy    ████████░░░░░░░░░░░░  40.0%  2/5 right")
    assert f"  greeting  {NO_PHRASINGS}" in lines
    assert head < next(i for i, line in enumerate(lines) if line.startswith("random walks of remedy: 50"))


def test_a_matcher_that_proposes_counts_not_understood_with_proposals(tmp_path):
    shutil.copytree(PERSONAS, tmp_path / "personas")
    path = tmp_path / "remedy.yaml"
    path.write_text(REMEDY.replace("matching: {matcher: lexical}", "matching: {matcher: semantic}"), encoding="utf-8")
    report = probe(load_scenario(path))
    assert (report.matcher, report.threshold) == ("semantic", None)  # it applies its own thresholds
    proposing = [p for n in report.nodes for p in n.probes if p.outcome == "proposed"]
    assert proposing and all(p.taken is None and p.proposed for p in proposing)
    assert report.total("with_proposals") == len(proposing) <= report.total("not_understood")
    assert "(semantic matcher)" in report.text().splitlines()[0]
    assert f"({report.total('with_proposals')} with proposals)" in report.text().splitlines()[1]
