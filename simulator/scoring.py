"""Scores, KPIs and the debrief of a finished session.

Definitions (also in docs/scenario-format.md):
- a competency's score is its summed changes scaled 0-100 against the best sum any path
  through the scenario reaches (below 0 counts as 0); overall is their weighted mean;
- passed = overall >= the scenario's pass mark and no breach;
- KPIs in the terms of DOMAIN.md: FCR (resolved on first contact: the outcome is
  ``resolved``), CSAT 1-5 from the final mood, handle time, QA score (the share of replies
  that were the best available at their node), SLA (the share of replies in time).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import Session


def csat_from_mood(mood: int) -> int:
    """CSAT 1-5: 0-19 → 1, 20-39 → 2, 40-59 → 3, 60-79 → 4, 80-100 → 5."""
    return min(5, 1 + max(0, mood) // 20)


@dataclass(frozen=True)
class Kpis:
    fcr: bool
    csat: int
    handle_time: float
    qa_score: float
    sla: float


@dataclass(frozen=True)
class DebriefItem:
    index: int
    node: str
    customer_line: str
    reply: str
    kind: str
    understood: bool
    confidence: float
    feedback: str
    scores: dict[str, float]
    mood_before: int
    mood_after: int
    better_reply: str | None
    breach: str | None


@dataclass(frozen=True)
class Result:
    """What a finished session scored, and why."""

    session_id: str
    scenario_id: str
    trainee: str
    outcome: str
    ending: str
    closing_line: str
    competency_scores: dict[str, float]
    raw_scores: dict[str, float]
    overall: float
    pass_mark: float
    passed: bool
    breaches: list[str]
    final_mood: int
    kpis: Kpis
    debrief: list[DebriefItem] = field(default_factory=list)
    mode: str = "practice"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def score_session(session: Session) -> Result:
    scenario = session.scenario
    raw = {c: 0.0 for c in scenario.competencies}
    for turn in session.turns:
        for c, v in turn.scores.items():
            raw[c] += v
    per, overall = scenario.scores(raw)
    breaches = [f"Reply {t.index + 1}: {t.breach}" for t in session.turns if t.breach]
    limit = scenario.model.reply_time_limit
    n = len(session.turns) or 1
    kpis = Kpis(
        fcr=session.outcome == "resolved",
        csat=csat_from_mood(session.mood),
        handle_time=session.handle_time,
        qa_score=round(100.0 * sum(t.was_best for t in session.turns) / n, 1),
        sla=round(100.0 * sum(t.latency <= limit for t in session.turns) / n, 1),
    )
    debrief = []
    for t in session.turns:
        options = scenario.nodes[t.node].options
        better = None
        if not t.was_best and t.best_option_index is not None:
            better = options[t.best_option_index].text
        debrief.append(
            DebriefItem(
                t.index,
                t.node,
                t.customer_line,
                t.reply,
                t.kind,
                t.understood,
                t.confidence,
                t.feedback,
                dict(t.scores),
                t.mood_before,
                t.mood_after,
                better,
                t.breach,
            )
        )
    return Result(
        session_id=session.id,
        scenario_id=scenario.id,
        trainee=session.trainee,
        outcome=session.outcome or "",
        ending=session.ending or "",
        closing_line=session.customer_line,
        competency_scores=per,
        raw_scores=raw,
        overall=overall,
        pass_mark=scenario.pass_mark,
        passed=overall >= scenario.pass_mark and not breaches,
        breaches=breaches,
        final_mood=session.mood,
        kpis=kpis,
        debrief=debrief,
        mode=session.mode or "practice",
    )
