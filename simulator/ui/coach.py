"""The phrase coach in the practice app's debrief: each typed reply with its coached phrases marked,
why each hurts and the better wording (docs/phrase-coach.md). Every text is escaped here."""

from __future__ import annotations

from ..core.scoring import DebriefItem, Result
from .render import e

__all__ = ["coaching"]


def _marked(item: DebriefItem) -> str:
    """The reply, escaped, with its coached phrases in <mark>."""
    parts, at = [], 0
    for hit in item.coaching:
        if hit.start < at:  # never overlapping (core.coach keeps the longer), but stay safe
            continue
        parts.append(e(item.reply[at : hit.start]))
        parts.append(f'<mark class="rp-coach-mark">{e(item.reply[hit.start : hit.end])}</mark>')
        at = hit.end
    parts.append(e(item.reply[at:]))
    return "".join(parts)


def coaching(result: Result, scenario, w: dict[str, str]) -> str:
    """The debrief's phrase-coach section: the typed replies that have coached phrases, reply by reply.

    Args:
        result: the finished session's result (its debrief items carry the coaching).
        scenario: the scenario played (its ``coach:`` opt-in and competency titles).
        w: the practice app's words in the scenario's language.

    Returns:
        HTML, empty when no typed reply has a coached phrase, or in assessment mode (the trainer
        gives the feedback then).
    """
    items = [item for item in result.debrief if item.coaching]
    if result.mode == "assessment" or not items:
        return ""
    opt_in = scenario.model.coach
    if opt_in is not None:
        note = w["coach_counted"].format(
            penalty=f"{opt_in.penalty:g}",
            most=f"{opt_in.max_per_reply:g}",
            competency=scenario.competency_title(opt_in.competency),
        )
    else:
        note = w["coach_not_counted"]
    replies = []
    for item in items:
        hints = "".join(
            f'<li class="rp-coach-hint"><span class="rp-coach-phrase">„{e(hit.phrase)}”</span> — {e(hit.why)}'
            f'<div class="rp-coach-instead"><b>{e(w["coach_instead"])}:</b> {e(hit.instead)}</div></li>'
            for hit in item.coaching
        )
        cut = f' <span class="rp-coach-cut">−{item.coach_cut:g}</span>' if item.coach_cut else ""
        replies.append(
            f'<div class="rp-coach-reply"><div><b>{e(w["coach_reply"].format(n=item.index + 1))}:</b>{cut} '
            f'<span class="rp-coach-said">{_marked(item)}</span></div><ul>{hints}</ul></div>'
        )
    return (
        f'<div class="rp-coach"><h4>{e(w["coach_title"])}</h4><p class="rp-coach-note">{e(note)}</p>'
        + "".join(replies)
        + "</div>"
    )
