"""Path tests: reply sequences in a scenario's ``tests:`` with what must come of them."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.engine import Session
from ..core.model import PathTest
from ..core.scenario import Scenario
from ..errors import SessionError


@dataclass(frozen=True)
class PathTestOutcome:
    """How one path test written in a scenario file went.

    Attributes:
        scenario_id, name: which test.
        ok: True when everything the test expects happened.
        differences: what did not, one sentence each.
        ending, outcome, score, passed: what the path actually reached.
    """

    scenario_id: str
    name: str
    ok: bool
    differences: list[str]
    ending: str | None
    outcome: str | None
    score: float | None
    passed: bool | None

    def __str__(self) -> str:
        head = f"{'ok  ' if self.ok else 'FAIL'} {self.scenario_id}: {self.name}"
        return head + "".join(f"\n       {d}" for d in self.differences)


class FixedClock:
    """Five seconds a look: the same handle times, KPIs and results on every replay."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 5.0
        return self.now


def run_path_test(scenario: Scenario, test: PathTest) -> PathTestOutcome:
    """Play the test's replies through the real engine and compare with what it expects."""
    session = Session(scenario, trainee="path-test", seed=0, clock=FixedClock())
    differences: list[str] = []
    for number, reply in enumerate(test.replies, start=1):
        if session.finished:
            differences.append(
                f"the conversation ended at '{session.ending}' after reply {number - 1}, "
                f"but {len(test.replies)} replies are listed"
            )
            break
        try:
            turn = session.reply(reply)
        except SessionError as exc:
            differences.append(f"reply {number} ({reply!r}) at node '{session.node}': {exc}")
            break
        if isinstance(reply, str) and not turn.understood:
            differences.append(
                f"reply {number} ({reply!r}) at node '{turn.node}' was not understood "
                f"(confidence {turn.confidence:.2f} < {scenario.model.matching.threshold:g})"
            )
    if not session.finished:
        if not differences:
            differences.append(f"the replies ran out at node '{session.node}' before an ending")
        return PathTestOutcome(scenario.id, test.name, False, differences, None, None, None, None)
    result = session.result()
    if result.ending != test.ending:
        differences.append(f"ending: expected '{test.ending}', got '{result.ending}'")
    if test.outcome is not None and result.outcome != test.outcome:
        differences.append(f"outcome: expected '{test.outcome}', got '{result.outcome}'")
    if test.score is not None and not test.score[0] <= result.overall <= test.score[1]:
        differences.append(f"score: expected {test.score[0]:g}–{test.score[1]:g}, got {result.overall:g}")
    if test.passed is not None and result.passed != test.passed:
        differences.append(f"passed: expected {test.passed}, got {result.passed}")
    return PathTestOutcome(
        scenario.id,
        test.name,
        not differences,
        differences,
        result.ending,
        result.outcome,
        result.overall,
        result.passed,
    )


def run_path_tests(scenario: Scenario) -> list[PathTestOutcome]:
    """Play every path test of a scenario (``tests:`` in its file) through the real engine.

    Args:
        scenario: a sound scenario.

    Returns:
        One outcome per test, in file order.
    """
    return [run_path_test(scenario, t) for t in scenario.model.tests]
