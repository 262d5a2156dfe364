"""A trainee's own progress, in plain Python for the practice app's kernel (no pandas).

Only the trainee's own rows are read (``Store.trainee_results``). The numbers follow the
reviewer's reports (``reports``) and the same rules (``grading``, ``assessment.yaml``):

- the **effective score** of a session is the latest review's where a reviewer scored it, else the
  automatic one (overall, pass/fail and per competency);
- **first, best, latest** per scenario: over the completed attempts, in the order they started;
- a **competency score** is, per scenario that assesses it, the score of the evidence attempt
  (the rules' ``evidence``: latest, best or mean), averaged over those scenarios and rounded to
  one decimal; its **level** 0-3 and the **grade** come from the rules;
- the **next scenario** trains the trainee's weakest competency (never assessed counts as weakest
  of all) and is not mastered yet (its best score is below the highest level's threshold): of
  those, the one weighting the competency most, then the one tried least, then by title.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.scenario import library_competency_title
from . import grading

if TYPE_CHECKING:
    from ..core.scenario import Scenario
    from .store import Store

__all__ = ["Attempt", "Progress", "ScenarioProgress", "effective", "my_progress", "progress_of"]


@dataclass(frozen=True)
class Attempt:
    """One session of the trainee, as their progress shows it.

    Attributes:
        session_id: the session's id.
        scenario_id: the scenario.
        attempt: which attempt at that scenario.
        started_at: when it started (ISO, UTC).
        status: ``completed``, ``abandoned`` or ``in_progress``.
        mode: the feedback mode it was played in.
        score: the effective overall score (None until completed).
        passed: the effective pass/fail (None until completed).
        reviewed: whether a reviewer scored it.
        assignment_id: the assignment it was played for, or None.
    """

    session_id: str
    scenario_id: str
    attempt: int
    started_at: str
    status: str
    mode: str
    score: float | None
    passed: bool | None
    reviewed: bool
    assignment_id: int | None


@dataclass(frozen=True)
class ScenarioProgress:
    """First, best and latest effective score on one scenario.

    Attributes:
        scenario_id: the scenario.
        attempts: sessions started, in any status.
        completed: sessions completed.
        first: the first completed attempt's score (None: none completed).
        best: the best score.
        latest: the latest score.
        mastered: the best score reaches the highest level's threshold.
    """

    scenario_id: str
    attempts: int
    completed: int
    first: float | None
    best: float | None
    latest: float | None
    mastered: bool


@dataclass(frozen=True)
class Progress:
    """A trainee's own progress.

    Attributes:
        trainee: whose.
        attempts: their sessions, oldest first.
        scenarios: per scenario tried, first/best/latest, by scenario id.
        competency_scores: competency -> score 0-100 (assessed ones only).
        levels: competency -> level 0-3 (assessed ones only).
        grade: the grade the levels earn.
        to_next_grade: what the next grade needs (empty at the top).
        weakest: the competency to work on (None: nothing left to train).
        next_scenario: the scenario to practise next (None: every one is mastered).
    """

    trainee: str
    attempts: list[Attempt] = field(default_factory=list)
    scenarios: dict[str, ScenarioProgress] = field(default_factory=dict)
    competency_scores: dict[str, float] = field(default_factory=dict)
    levels: dict[str, float] = field(default_factory=dict)
    grade: str = ""
    to_next_grade: str = ""
    weakest: str | None = None
    next_scenario: str | None = None


def effective(
    rows: list[Mapping[str, Any]], reviews: list[Mapping[str, Any]]
) -> list[tuple[Mapping[str, Any], float | None, bool | None, dict[str, float], bool]]:
    """Each session's effective result: the latest review's where there is one, else the automatic one.

    Args:
        rows: sessions rows (``Store.trainee_results`` / ``Store.assignment_sessions``).
        reviews: their reviews, in the order written, ``scores`` decoded.

    Returns:
        (row, score, passed, competency scores, reviewed) per session, in the rows' order; the
        scores of a session that is not completed are None and empty.
    """
    latest = {r["session_id"]: r for r in reviews}  # the last written wins
    out = []
    for row in rows:
        review = latest.get(row["id"])
        if row["status"] != "completed":
            out.append((row, None, None, {}, review is not None))
            continue
        auto = json.loads(row["competency_scores"]) if row["competency_scores"] else {}
        if review is None:
            passed = None if row["passed"] is None else bool(row["passed"])
            out.append((row, row["score"], passed, {c: float(v) for c, v in auto.items()}, False))
        else:
            scores = {c: float(review["scores"].get(c, v)) for c, v in auto.items()}
            out.append((row, float(review["overall"]), bool(review["passed"]), scores, True))
    return out


def progress_of(
    trainee: str,
    rows: list[Mapping[str, Any]],
    reviews: list[Mapping[str, Any]],
    rules: Mapping[str, Any],
    scenarios: Mapping[str, Scenario] | None = None,
) -> Progress:
    """A trainee's progress from their rows (see the module's definitions).

    Args:
        trainee: whose.
        rows: their sessions rows, oldest first.
        reviews: the reviews of those sessions, in the order written.
        rules: the assessment rules (``grading.load_rules``).
        scenarios: the library (id -> Scenario), for the next scenario; None: no suggestion.

    Returns:
        The ``Progress``.
    """
    results = effective(rows, reviews)
    attempts = [
        Attempt(
            session_id=row["id"],
            scenario_id=row["scenario_id"],
            attempt=int(row["attempt"]),
            started_at=row["started_at"],
            status=row["status"],
            mode=row["mode"],
            score=score,
            passed=passed,
            reviewed=reviewed,
            assignment_id=row.get("assignment_id"),
        )
        for row, score, passed, _scores, reviewed in results
    ]
    mastery = grading.mastery_score(rules)
    started: dict[str, int] = defaultdict(int)
    done: dict[str, list[float]] = defaultdict(list)
    evidence: dict[tuple[str, str], list[float]] = defaultdict(list)  # (scenario, competency) -> scores in order
    for row, score, _passed, scores, _reviewed in sorted(results, key=lambda r: r[0]["started_at"]):
        started[row["scenario_id"]] += 1
        if row["status"] == "completed" and score is not None:
            done[row["scenario_id"]].append(float(score))
            for competency, value in scores.items():
                evidence[(row["scenario_id"], competency)].append(value)
    per_scenario = {
        sid: ScenarioProgress(
            scenario_id=sid,
            attempts=started[sid],
            completed=len(done[sid]),
            first=done[sid][0] if done[sid] else None,
            best=max(done[sid]) if done[sid] else None,
            latest=done[sid][-1] if done[sid] else None,
            mastered=bool(done[sid]) and max(done[sid]) >= mastery,
        )
        for sid in sorted(started)
    }
    rule = rules.get("evidence", "latest")
    pick = {"best": max, "mean": lambda v: sum(v) / len(v)}.get(rule, lambda v: v[-1])
    by_competency: dict[str, list[float]] = defaultdict(list)
    for (_sid, competency), values in evidence.items():
        by_competency[competency].append(pick(values))
    competency_scores = {c: round(sum(v) / len(v), 1) for c, v in sorted(by_competency.items())}
    levels = {c: grading.level_of(s, rules) for c, s in competency_scores.items()}
    grade, to_next = grading.grade_for(
        levels, rules, name=lambda c: library_competency_title((scenarios or {}).values(), c)
    )
    weakest, next_scenario = _next(competency_scores, per_scenario, scenarios or {})
    return Progress(trainee, attempts, per_scenario, competency_scores, levels, grade, to_next, weakest, next_scenario)


def _next(
    scores: Mapping[str, float], tried: Mapping[str, ScenarioProgress], scenarios: Mapping[str, Scenario]
) -> tuple[str | None, str | None]:
    """The weakest competency some unmastered scenario trains, and that scenario."""
    open_ = {sid: s for sid, s in scenarios.items() if not (sid in tried and tried[sid].mastered)}
    trained = {c for s in open_.values() for c in s.model.competencies}
    for competency in sorted(trained, key=lambda c: (scores.get(c, -1.0), c)):
        candidates = [s for s in open_.values() if competency in s.model.competencies]
        best = min(
            candidates,
            key=lambda s: (
                -s.model.competencies[competency].weight,
                tried[s.id].attempts if s.id in tried else 0,
                s.title,
                s.id,
            ),
        )
        return competency, best.id
    return None, None


def my_progress(
    store: Store,
    trainee: str,
    scenarios: Mapping[str, Scenario] | None = None,
    rules: Mapping[str, Any] | None = None,
) -> Progress:
    """A trainee's progress from the store: their own rows only.

    Args:
        store: the results store.
        trainee: whose (as sessions record the name).
        scenarios: the library, for the next scenario to practise.
        rules: the assessment rules; None: ``grading.load_rules()``.

    Returns:
        The ``Progress``.
    """
    found = store.trainee_results(trainee)
    return progress_of(trainee, found["sessions"], found["reviews"], rules or grading.load_rules(), scenarios)
