"""Scores, KPIs and the debrief of a finished session.

Definitions (also in docs/scenario-format.md):
- a scenario that opts in to the phrase coach (``coach:``) loses ``penalty`` of its coach
  competency for each coached phrase in a typed reply, at most ``max_per_reply`` a reply
  (docs/phrase-coach.md); without the opt-in the debrief coaches and the scores stay;
- a competency's score is its summed changes scaled 0-100 against the best sum any path
  through the scenario reaches (below 0 counts as 0); overall is their weighted mean;
- passed = overall >= the scenario's pass mark and no breach;
- KPIs as docs/training-method.md defines them: FCR (resolved on first contact: the outcome is
  ``resolved``), CSAT 1-5 from the final mood, handle time, QA score (the share of understood
  replies that were the best available at their node: a reply not understood is left out), SLA
  (the share of replies in time).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .coach import Hit, PhraseBook, coach
from .model import ScenarioModel
from .turn import Turn


def csat_from_mood(mood: int) -> int:
    """CSAT 1-5: 0-19 → 1, 20-39 → 2, 40-59 → 3, 60-79 → 4, 80-100 → 5."""
    return min(5, 1 + max(0, mood) // 20)


@dataclass(frozen=True)
class Kpis:
    """The conversation's key performance indicators (docs/training-method.md).

    Attributes:
        fcr: first contact resolution: the outcome is ``resolved``.
        csat: customer satisfaction 1-5, from the final mood.
        handle_time: seconds from the first customer line to the end.
        qa_score: the share (%) of replies that were the best available at their node.
        sla: the share (%) of replies given within the scenario's reply time limit.
    """

    fcr: bool
    csat: int
    handle_time: float
    qa_score: float
    sla: float


@dataclass(frozen=True)
class DebriefItem:
    """What one reply did, for the debrief.

    Attributes:
        index, node, customer_line, reply, kind, understood, confidence: the reply and where it was given.
        feedback, scores, mood_before, mood_after: what it did.
        better_reply, breach: the best reply there when this was not it; the breach it committed.
        coaching: the phrase coach's hits in a typed reply (``core.coach.Hit``).
        coach_cut: what the coached phrases took off the scenario's coach competency (0 without opt-in).
    """

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
    coaching: tuple[Hit, ...] = ()
    coach_cut: float = 0.0


@dataclass(frozen=True)
class Result:
    """What a finished session scored, and why.

    Attributes:
        session_id, scenario_id, trainee, mode: which session.
        outcome, ending, closing_line: how it ended.
        competency_scores: 0-100 per competency; raw_scores: the summed score changes.
        overall, pass_mark, passed: the weighted overall score, the mark it needed, and the verdict
            (a breach fails the session whatever the score).
        breaches: "Reply N: …" for every breach.
        final_mood: the customer's mood at the end (0-100).
        kpis: the ``Kpis``.
        debrief: what each reply did, with the better reply where there was one.
    """

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


@dataclass(frozen=True)
class Conclusion:
    """How a session ended: what scoring needs to know besides its turns."""

    session_id: str
    trainee: str
    outcome: str
    ending: str
    closing_line: str
    final_mood: int
    handle_time: float
    mode: str = "practice"


def score_session(
    model: ScenarioModel,
    max_scores: Mapping[str, float],
    turns: Sequence[Turn],
    end: Conclusion,
    phrases: PhraseBook | None = None,
) -> Result:
    """Score a finished conversation.

    Args:
        model: the scenario as written (competencies, pass mark, reply time limit, options, coach).
        max_scores: the best sum of score changes any path reaches, per competency
            (``Scenario.max_scores``).
        turns: the session's turns, in order.
        end: how the session ended.
        phrases: the phrase book typed replies are coached with (``core.coach.phrasebook_for``);
            None coaches nothing.

    Returns:
        The ``Result``: competency scores, overall, pass/fail, KPIs and the debrief.
    """
    raw = {c: 0.0 for c in model.competencies}
    for turn in turns:
        for c, v in turn.scores.items():
            raw[c] += v
    coaching = [tuple(coach(t.reply, phrases)) if t.kind == "text" else () for t in turns]
    cuts = [coach_cut(model, hits) for hits in coaching]
    if model.coach is not None and model.coach.competency in raw:
        raw[model.coach.competency] -= sum(cuts)
    per, overall = score_of(raw, max_scores, model.competencies)
    breaches = [f"Reply {t.index + 1}: {t.breach}" for t in turns if t.breach]
    limit = model.reply_time_limit
    n = len(turns) or 1
    kpis = Kpis(
        fcr=end.outcome == "resolved",
        csat=csat_from_mood(end.final_mood),
        handle_time=end.handle_time,
        qa_score=qa_score(turns),
        sla=round(100.0 * sum(t.latency <= limit for t in turns) / n, 1),
    )
    debrief = []
    for t, hits, cut in zip(turns, coaching, cuts, strict=True):
        options = model.nodes[t.node].options
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
                hits,
                cut,
            )
        )
    return Result(
        session_id=end.session_id,
        scenario_id=model.id,
        trainee=end.trainee,
        outcome=end.outcome,
        ending=end.ending,
        closing_line=end.closing_line,
        competency_scores=per,
        raw_scores=raw,
        overall=overall,
        pass_mark=model.pass_mark,
        passed=overall >= model.pass_mark and not breaches,
        breaches=breaches,
        final_mood=end.final_mood,
        kpis=kpis,
        debrief=debrief,
        mode=end.mode,
    )


def qa_score(turns: Sequence[Turn]) -> float:
    """The QA score: the share (%) of understood replies that were the best available at their node.

    A reply the lab did not understand ("could you rephrase?") is the matcher's failure, not the
    trainee's: it is neither a hit nor a miss, so it is left out of the count and of the total.

    Args:
        turns: the session's turns.

    Returns:
        0-100, rounded to 0.1; 0 when no reply was understood (nothing to credit).
    """
    understood = [t for t in turns if t.understood]
    return round(100.0 * sum(t.was_best for t in understood) / len(understood), 1) if understood else 0.0


def coach_cut(model: ScenarioModel, hits: Sequence[Hit]) -> float:
    """What a reply's coached phrases take off the scenario's coach competency.

    Args:
        model: the scenario (its ``coach:`` opt-in).
        hits: the coached phrases of one typed reply.

    Returns:
        ``penalty`` per phrase, at most ``max_per_reply``; 0 without the opt-in or a phrase.
    """
    if model.coach is None or not hits or model.coach.competency not in model.competencies:
        return 0.0
    return min(model.coach.max_per_reply, model.coach.penalty * len(hits))


def score_of(raw: Mapping[str, float], max_scores: Mapping[str, float], competencies) -> tuple[dict[str, float], float]:
    """Per-competency scores 0-100 and the weighted overall score from raw sums."""
    per: dict[str, float] = {}
    for c in competencies:
        per[c] = _clipped(raw.get(c, 0.0), max_scores.get(c, 0.0))
    total = sum(competencies[c].weight for c in competencies)
    overall = sum(competencies[c].weight * per[c] for c in competencies) / total if total else 0.0
    return per, round(overall, 1)


def _clipped(raw: float, top: float) -> float:
    return 0.0 if top <= 0 else round(max(0.0, min(100.0, 100.0 * raw / top)), 1)


def overall_function(comps: tuple[str, ...], max_scores: Mapping[str, float], competencies) -> Callable:
    """score_of's overall score for a tuple of raw sums in comps order: the same arithmetic,
    without building dicts (the path analysis scores every end of every kept path)."""
    assert tuple(competencies) == comps  # the weighted sum adds in the same order as score_of
    tops = [max_scores.get(c, 0.0) for c in comps]
    weights = [competencies[c].weight for c in comps]
    total = sum(weights)
    memo: dict[tuple, float] = {}

    def overall(vec: tuple) -> float:
        value = memo.get(vec)
        if value is None:
            per = [
                0.0 if top <= 0 else round(max(0.0, min(100.0, 100.0 * v / top)), 1)  # _clipped, inline
                for v, top in zip(vec, tops, strict=True)
            ]
            mean = sum(w * p for w, p in zip(weights, per, strict=True)) / total if total else 0.0
            value = memo[vec] = round(mean, 1)
        return value

    return overall
