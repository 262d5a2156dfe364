"""The shipped scenarios: sound, big enough to train on, and their path tests pass."""

from __future__ import annotations

import pytest

from simulator import check_paths, run_path_tests

from ..conftest import SCENARIOS

SHIPPED, PROBLEMS = check_paths([SCENARIOS])
BY_ID = {s.id: s for s in SHIPPED}


def test_every_shipped_scenario_is_sound():
    assert PROBLEMS == []
    assert {"angry-late-delivery", "vip-stylist-away", "indecisive-plan-choice"} <= set(BY_ID)


@pytest.mark.parametrize("scenario", SHIPPED, ids=lambda s: s.id)
def test_scenario_is_real_enough_to_train_on(scenario):
    assert scenario.decision_points >= 8
    assert all(len(node.options) >= 3 for node in scenario.nodes.values())
    assert len(scenario.endings) >= 3
    assert all(o.feedback for node in scenario.nodes.values() for o in node.options)
    assert len({e.outcome for e in scenario.endings.values()}) >= 3
    assert len(scenario.model.tests) >= 4
    assert any(isinstance(r, str) for t in scenario.model.tests for r in t.replies), "no typed-reply test"
    assert any(t.ending == "breaking_point" for t in scenario.model.tests), "no break-off test"


@pytest.mark.parametrize(
    "outcome",
    [o for s in SHIPPED for o in run_path_tests(s)],
    ids=lambda o: f"{o.scenario_id}: {o.name}",
)
def test_path_test(outcome):
    assert outcome.ok, str(outcome)


def test_personas_named_by_the_issue_exist():
    assert {s.persona.id for s in SHIPPED} >= {"angry", "vip", "indecisive"}
    vip = BY_ID["vip-stylist-away"]
    assert vip.model.customer.passport is not None and vip.model.customer.passport.history


def test_every_file_points_editors_at_the_schema():
    for path in SCENARIOS.glob("*.yaml"):
        assert path.read_text(encoding="utf-8").startswith(
            "# yaml-language-server: $schema=./schema/scenario.schema.json\n"
        ), path.name
    for path in (SCENARIOS / "personas").glob("*.yaml"):
        assert path.read_text(encoding="utf-8").startswith(
            "# yaml-language-server: $schema=../schema/persona.schema.json\n"
        ), path.name
