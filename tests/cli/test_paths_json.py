"""`roleplay paths --json`: the path analysis, the paraphrase probes and the random walks as one JSON document."""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import asdict
from pathlib import Path

from simulator import load_scenario
from simulator.cli import main
from simulator.studio.paths import analyse
from simulator.studio.probes import probe
from simulator.studio.walks import walks

REPO = Path(__file__).resolve().parents[2]
PLAYED_FILE = REPO / "scenarios" / "indecisive-plan-choice.yaml"


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    code = main(argv, stdin=io.StringIO(""), stdout=out)
    return code, out.getvalue()


def test_paths_json_prints_one_document_with_the_probes_paths_and_walks():
    scenario = load_scenario(PLAYED_FILE)
    code, out = run(["paths", str(PLAYED_FILE), "--walks", "5", "--seed", "3", "--json"])
    assert code == 0, out
    document = json.loads(out)  # the whole output is the document: nothing printed around it
    assert document["problems"] == []
    (report,) = document["scenarios"]
    assert report["name"] == str(PLAYED_FILE) and report["scenario"] == scenario.id
    assert report["probes"] == json.loads(json.dumps(probe(scenario).as_dict()))
    assert report["probes"]["probes"] > 0 and report["probes"]["nodes"]
    paths = analyse(scenario)
    assert report["paths"]["states"] == paths.states
    assert report["paths"]["best"] == json.loads(json.dumps(asdict(paths.best)))
    summary = walks(scenario, 5, 3)
    assert report["walks"]["n"] == 5 and report["walks"]["seed"] == 3
    assert report["walks"]["endings"] == summary.endings and report["walks"]["failures"] == []
    assert "walks" not in report["walks"]  # the figures, not every step of every walk


def test_paths_json_without_walks_and_with_a_broken_file_stays_one_document(tmp_path):
    shutil.copytree(REPO / "scenarios" / "personas", tmp_path / "personas")
    shutil.copy(PLAYED_FILE, tmp_path)
    (tmp_path / "broken.yaml").write_text("id: broken\ntitle: [unclosed\n", encoding="utf-8")
    code, out = run(["paths", str(tmp_path), "--walks", "0", "--json"])
    assert code == 1  # a broken file fails the command, as without --json
    document = json.loads(out)
    assert [r["scenario"] for r in document["scenarios"]] == ["indecisive-plan-choice"]
    assert "walks" not in document["scenarios"][0]
    assert len(document["problems"]) == 1 and "broken.yaml" in document["problems"][0]
