"""The studio's "Weak nodes" section (simulator.ui.studio.weak): paraphrase probes beside what real
sessions met, read from a real SQLite store written by sessions that had the store as their recorder."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from simulator import Session, load_scenario
from simulator.studio.probes import probe
from simulator.ui.studio import AuthorStudio
from simulator.ui.studio.weak import weak_nodes, weak_nodes_html
from simulator.ui.text import words

from ..studio.test_probes import PERSONAS, REMEDY


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "lib"
    folder.mkdir()
    shutil.copytree(PERSONAS, folder / "personas")
    (folder / "remedy.yaml").write_text(REMEDY, encoding="utf-8")
    return folder


def _sessions(library: Path, store) -> None:
    """Two trainees: at greeting one reply of two not understood, at remedy one of one corrected,
    at closing every typed reply understood."""
    scenario = load_scenario(library / "remedy.yaml")
    first = Session(scenario, trainee="ada", seed=1, mode="practice", recorder=store)
    assert not first.reply("zebra crossing on the moon").understood  # greeting: not understood
    assert first.reply("I'm so sorry, that's awful.").understood  # greeting: typed, understood
    taken = first.reply("We will send a new one to your address.")  # remedy: taken for option 2
    assert taken.option_index == 1 and first.correctable
    first.correct(1)  # "that's not what I meant": option 1
    assert first.reply("Can I help with anything more?").understood  # closing
    assert first.finished
    second = Session(scenario, trainee="bo", seed=2, mode="practice", recorder=store)
    second.reply(1)  # clicked: not a typed reply
    second.reply(2)
    assert second.reply("Is there anything else I can help with?").understood  # closing
    assert second.finished


def test_the_store_counts_typed_replies_per_node(library, store):
    _sessions(library, store)
    rows = {r["node"]: r for r in store.matching_by_node("remedy")}
    assert {n: (r["typed"], r["not_understood"], r["corrected"]) for n, r in rows.items()} == {
        "greeting": (2, 1, 0),
        "remedy": (1, 0, 1),
        "closing": (2, 0, 0),
    }


def test_weak_nodes_come_worst_first_by_what_real_sessions_met(library, store):
    _sessions(library, store)
    scenario = load_scenario(library / "remedy.yaml")
    report = probe(scenario)
    assert [n.node for n in report.nodes] == ["remedy", "closing", "greeting"]  # the probes alone
    nodes = weak_nodes(report, store.matching_by_node("remedy"))
    assert [(n.node, n.rate) for n in nodes] == [("remedy", 1.0), ("greeting", 0.5), ("closing", 0.0)]
    html = weak_nodes_html(report, store.matching_by_node("remedy"), "results.db", words("en", "studio"))
    assert re.findall(r'data-node="(\w+)"', html) == ["remedy", "greeting", "closing"]
    row = {name: html.split(f'data-node="{name}"')[1].split("</tr>")[0] for name in ("remedy", "greeting", "closing")}
    assert "40%" in row["remedy"] and "2/5" in row["remedy"]  # estimated: 2 of 5 probes right
    assert "<td>1</td><td>0%</td><td>0%</td><td>100%</td>" in row["remedy"]  # typed 1, corrected 1
    assert "<td>2</td><td>50%</td>" in row["greeting"] and "no phrasings to probe: add some" in row["greeting"]
    assert "<td>2</td><td>0%</td>" in row["closing"] and "50%" in row["closing"]
    assert "5 typed replies to <b>remedy</b> in <code>results.db</code>." in html


def test_the_studio_shows_weak_nodes_under_the_paths(library, store):
    _sessions(library, store)
    studio = AuthorStudio(library, store=store)
    assert studio.weak.box in studio.paths_box.children
    html = studio.weak.box.value
    assert "<h4>Weak nodes</h4>" in html
    assert re.findall(r'data-node="(\w+)"', html) == ["remedy", "greeting", "closing"]
    # An edit probes again: with a phrasing at greeting it has something to probe.
    studio.editor.value = studio.editor.value.replace(
        "      - text: What's your order number?\n",
        "      - text: What's your order number?\n        phrasings: [Can I have the order number?]\n",
    )
    assert studio.scenario is not None and studio.weak.last.node("greeting").probes
    assert "no phrasings to probe" not in studio.weak.box.value


def test_weak_nodes_without_sessions_and_in_polish(library, store):
    studio = AuthorStudio(library, store=store, lang="pl")
    html = studio.weak.box.value
    assert "<h4>Słabe węzły</h4>" in html and "Brak jeszcze wpisanych odpowiedzi do <b>remedy</b>" in html
    assert re.findall(r'data-node="(\w+)"', html) == ["remedy", "closing", "greeting"]  # the probes decide
    assert "brak sformułowań do sprawdzenia: dodaj je" in html
    for english in ("Weak nodes", "no phrasings", "typed replies"):
        assert english not in html, english


def test_everything_from_the_scenario_is_escaped(tmp_path, store):
    folder = tmp_path / "lib"
    folder.mkdir()
    shutil.copytree(PERSONAS, folder / "personas")
    evil = "<script>alert(1)</script>"
    (folder / "remedy.yaml").write_text(REMEDY.replace("id: remedy", "id: remedy-x"), encoding="utf-8")
    scenario = load_scenario(folder / "remedy.yaml")
    html = weak_nodes_html(probe(scenario), [], evil, words("en", "studio"))
    assert evil not in html and "&lt;script&gt;" in html
