"""HTML for the practice app. Every text from a scenario file or a trainee is escaped here.

The chat is drawn from the session's turns (``chat``), not kept as it was shown: a reply corrected
with "That's not what I meant" is drawn as the option it now counts as, in the same place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html import escape

from ..core.scoring import Result
from ..core.turn import Turn


def e(text: object) -> str:
    """Escape text for HTML (quotes included)."""
    return escape(str(text), quote=True)


def line(who: str, text: str, kind: str) -> str:
    css = "rp-customer" if kind == "customer" else "rp-trainee-line"
    return f'<div class="rp-line {css}"><span class="rp-who">{e(who)}</span>{e(text)}</div>'


def feedback(text: str) -> str:
    return f'<div class="rp-feedback">↳ {e(text)}</div>'


def option_text(scenario, node: str, index: int) -> str:
    """The text of a node's option.

    Args:
        scenario: the ``Scenario``.
        node: the node's id.
        index: the option, 0-based.

    Returns:
        The option's text (not escaped).
    """
    return scenario.nodes[node].options[index].text


def _note(css: str, html: str) -> str:
    return f'<span class="rp-note {css}">{html}</span>'


def understood_note(turn: Turn, scenario, w: dict[str, str]) -> str:
    """Under a typed reply in the chat: the option it was taken for, or that it was not understood.

    Args:
        turn: a typed reply's turn.
        scenario: the ``Scenario`` it was played in.
        w: the practice app's words.

    Returns:
        HTML: "understood as: …" (with "you chose it" after a did-you-mean, "you corrected it" after a
        correction), or the not-understood note.
    """
    if not turn.understood:
        return _note("rp-not-understood", e(w["not_understood"]))
    how = ""
    if turn.corrected_from is not None:
        how = f' <span class="rp-how">({e(w["you_corrected"])})</span>'
    elif turn.confirmed:
        how = f' <span class="rp-how">({e(w["you_confirmed"])})</span>'
    option = option_text(scenario, turn.node, turn.option_index)
    return _note("rp-understood", f"{e(w['understood_as'])}: <q>{e(option)}</q>{how}")


def reply_line(who: str, text: str, note_html: str = "", css: str = "") -> str:
    """The trainee's bubble: what they said, and under it a note (already HTML).

    Args:
        who: the speaker's label ("You").
        text: what the trainee chose or typed (escaped here).
        note_html: HTML under the text (``understood_note``), or empty.
        css: more classes for the bubble.

    Returns:
        HTML of one ``rp-trainee-line``.
    """
    extra = f" {css}" if css else ""
    return (
        f'<div class="rp-line rp-trainee-line{extra}"><span class="rp-who">{e(who)}</span>'
        f'<span class="rp-said">{e(text)}</span>{note_html}</div>'
    )


def chat(
    scenario,
    turns: Sequence[Turn],
    current_line: str,
    w: dict[str, str],
    mode: str,
    pending: str | None = None,
) -> tuple[str, str]:
    """The conversation as the trainee sees it, drawn from the session's turns.

    The trainee's typed replies carry "understood as" (or the not-understood note, once) in the
    practice and debrief modes; in an assessment only the not-understood note (the customer asks to
    rephrase anyway). Feedback follows each understood reply in the practice mode only.

    Args:
        scenario: the ``Scenario``.
        turns: the session's turns.
        current_line: what the customer says now (``Session.customer_line``).
        w: the practice app's words.
        mode: ``practice``, ``debrief`` or ``assessment``.
        pending: a typed reply waiting for "Did you mean …" to be answered, or None.

    Returns:
        (up to and including the trainee's last reply, what follows it): the app puts the controls
        about that reply ("Did you mean", "That's not what I meant") between the two.
    """
    customer = scenario.model.customer.name
    head: list[str] = []
    tail: list[str] = []
    seen: dict[str, int] = {}  # the customer's reactions already explained, and at which reply
    for turn in turns:
        head += tail
        tail = []
        head.append(line(customer, turn.customer_line, "customer"))
        note = ""
        if turn.kind == "text" and (mode != "assessment" or not turn.understood):
            note = understood_note(turn, scenario, w)
        elif not turn.understood:
            note = _note("rp-not-understood", e(w["not_understood"]))
        head.append(reply_line(w["you"], turn.reply, note))
        if mode == "practice" and turn.understood:
            tail.append(f'<div class="rp-feedback">↳ {reply_feedback(scenario, turn, w, seen)}</div>')
    tail.append(line(customer, current_line, "customer"))
    if pending is not None:
        head += tail
        tail = []
        head.append(reply_line(w["you"], pending, "", "rp-pending"))
    return "".join(head), "".join(tail)


_WORD = re.compile(r"\w+")


def _runs(text: str, n: int = 4) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def reply_feedback(scenario, turn: Turn, w: dict[str, str], seen: dict[str, int]) -> str:
    """The feedback on one understood reply: the option's own, then the lesson of each of the customer's
    reactions it set off — once per conversation (later: which reply explained it), and not at all where
    the option's own feedback already says it (four words in a row in both).

    Args:
        scenario: the ``Scenario``.
        turn: the reply's turn.
        w: the practice app's words.
        seen: reactions explained so far → the 0-based reply that explained them; updated.

    Returns:
        HTML (``rp-own-feedback`` and ``rp-reaction`` blocks); empty for a reply not understood.
    """
    if not turn.understood or turn.option_index is None:
        return ""
    own = scenario.nodes[turn.node].options[turn.option_index].feedback
    lessons = {r.id: r.feedback for r in scenario.persona.reactions}
    parts = [f'<span class="rp-own-feedback">{e(own)}</span>']
    for rid in turn.reactions:
        lesson = lessons.get(rid)
        if lesson is None:
            continue
        if rid in seen:
            again = w["reaction_again"].format(n=seen[rid] + 1)
            parts.append(f'<div class="rp-reaction rp-reaction-again">{e(again)}</div>')
            continue
        seen[rid] = turn.index
        if not _runs(lesson) & _runs(own):
            parts.append(f'<div class="rp-reaction"><b>{e(w["reaction"])}:</b> {e(lesson)}</div>')
    return "".join(parts)


def assessed(scenario, turns: Sequence[Turn]) -> set[str]:
    """The competencies a conversation gave the trainee a chance to show: those an option at one of the
    nodes it went through scores.

    Args:
        scenario: the ``Scenario``.
        turns: the session's turns.

    Returns:
        Competency ids.
    """
    found: set[str] = set()
    for turn in turns:
        for option in scenario.nodes[turn.node].options:
            found.update(c for c, v in option.scores.items() if v)
    return found


def costliest(scenario, turns: Sequence[Turn]) -> tuple[Turn, float] | None:
    """The reply that cost the most against the best reply at its point, in overall points.

    Args:
        scenario: the ``Scenario`` (its state space's overall weights: known once the session is scored).
        turns: the session's turns.

    Returns:
        (the turn, about how many overall points it cost), or None when no reply cost anything.
    """
    weights: Mapping[str, float] = scenario.overall_weights

    def value(scores: Mapping[str, float]) -> float:
        return sum(weights.get(c, 0.0) * v for c, v in scores.items())

    worst: tuple[Turn, float] | None = None
    for turn in turns:
        if not turn.understood or turn.best_option_index is None:
            continue
        best = scenario.nodes[turn.node].options[turn.best_option_index]
        loss = value(best.scores) - value(turn.scores)
        if loss > 0.05 and (worst is None or loss > worst[1]):
            worst = (turn, loss)
    return worst


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def verdict(result: Result, scenario, w: dict[str, str], turns: Sequence[Turn] = (), practise: str = "") -> str:
    """The debrief's first lines: passed or not and why, in one line, and what to practise next.

    Args:
        result: the session's ``Result``.
        scenario: the ``Scenario``.
        w: the practice app's words.
        turns: the session's turns (to name the reply that cost the most).
        practise: a suggestion of what to practise next (plain text), or empty.

    Returns:
        HTML (``rp-verdict``).
    """
    numbers = {"score": f"{result.overall:g}", "mark": f"{result.pass_mark:g}"}
    if result.passed:
        line = f'<span class="rp-pass">{e(w["verdict_passed"].format(verdict=w["passed"], **numbers))}</span>'
    else:
        why = [w["verdict_failed"].format(verdict=w["failed"], **numbers)]
        if result.breaches:
            why.append(w["verdict_breach"].format(breach=result.breaches[0]))
        else:
            worst = costliest(scenario, turns)
            if worst is not None:
                turn, points = worst
                why.append(
                    w["cost_most"].format(n=turn.index + 1, reply=_short(turn.reply), points=f"{max(points, 0.1):.1f}")
                )
        line = f'<span class="rp-fail">{e("; ".join(why))}</span>'
    html = f'<p class="rp-verdict">{line}</p>'
    if practise:
        html += f'<p class="rp-practise-next">{e(practise)}</p>'
    return html


def weakest(result: Result, scenario, turns: Sequence[Turn]) -> str | None:
    """The assessed competency with the lowest score under 100 (the first of equals), or None.

    Args:
        result: the session's ``Result``.
        scenario: the ``Scenario``.
        turns: the session's turns.

    Returns:
        A competency id, or None when every assessed one scored 100.
    """
    shown = assessed(scenario, turns)
    scores = [(s, c) for c, s in result.competency_scores.items() if c in shown and s < 100]
    return min(scores, key=lambda sc: sc[0])[1] if scores else None


def typed_facts(turn: Turn, scenario, w: dict[str, str]) -> str:
    """For the debrief: how a typed reply was understood, and any "did you mean" or correction.

    Args:
        turn: a typed reply's turn.
        scenario: the ``Scenario``.
        w: the practice app's words.

    Returns:
        HTML (``rp-typed-facts``).
    """
    facts = [f"<div>{understood_note(turn, scenario, w)}</div>"]
    if turn.proposed:
        shown = " · ".join(f"<q>{e(option_text(scenario, turn.node, i))}</q>" for i in turn.proposed)
        answer = w["dym_confirmed"] if turn.confirmed else w["dym_declined"]
        facts.append(f'<div class="rp-dym-fact">{e(w["did_you_mean"])} {shown} — {e(answer)}</div>')
    if turn.corrected_from is not None:
        first = option_text(scenario, turn.node, turn.corrected_from)
        facts.append(
            f'<div class="rp-correction-fact">{e(w["first_understood_as"])}: <q>{e(first)}</q> — '
            f"{e(w['you_corrected'])}</div>"
        )
    return f'<div class="rp-typed-facts">{"".join(facts)}</div>'


def card(title: str, body_html: str) -> str:
    return f'<div class="rp-card"><h3>{e(title)}</h3>{body_html}</div>'


_ITEM = re.compile(r"^\s{0,3}(?:[-*•]|(\d{1,3})[.)])\s+(.*)$")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EM = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")


def _inline(text: str) -> str:
    html = e(text)
    return _EM.sub(r"<em>\1</em>", _STRONG.sub(r"<strong>\1</strong>", html))


def rich(text: str) -> str:
    """Text a trainer wrote (a briefing, a customer's context) as formatted HTML, escaped.

    Blank lines part paragraphs; lines starting ``- ``, ``* `` or ``1. `` are list items (an indented
    line goes on with the item above); the other lines of a paragraph run together, as in Markdown;
    ``**strong**`` and ``*emphasis*`` are marked. Everything else is text: any HTML in it is escaped.

    Args:
        text: the text as written in the scenario file.

    Returns:
        HTML: ``<p>``, ``<ul>`` and ``<ol>`` elements.
    """
    out: list[str] = []
    for block in re.split(r"\n[ \t]*\n", text.strip()):
        lines: list[str] = []  # the paragraph's lines before a list
        items: list[str] = []
        ordered = False
        for raw in block.split("\n"):
            item = _ITEM.match(raw)
            if item:
                if lines:
                    out.append("<p>" + _inline(" ".join(lines)) + "</p>")
                    lines = []
                if items and ordered != bool(item.group(1)):
                    out.append(_list(items, ordered))
                    items = []
                ordered = bool(item.group(1))
                items.append(item.group(2).strip())
            elif items and raw[:1].isspace() and raw.strip():
                items[-1] += " " + raw.strip()
            elif raw.strip():
                if items:
                    out.append(_list(items, ordered))
                    items = []
                lines.append(raw.strip())
        if items:
            out.append(_list(items, ordered))
        if lines:
            out.append("<p>" + _inline(" ".join(lines)) + "</p>")
    return "".join(out)


def _list(items: list[str], ordered: bool) -> str:
    tag = "ol" if ordered else "ul"
    return f"<{tag}>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + f"</{tag}>"


def paragraphs(text: str) -> str:
    """Text a trainer wrote, as formatted HTML (``rich``).

    Args:
        text: the text as written.

    Returns:
        HTML.
    """
    return rich(text)


def customer_profile(scenario, w: dict[str, str]) -> str:
    c = scenario.model.customer
    parts = [f"<p><b>{e(c.name)}</b> — {e(scenario.persona.title)}</p>", rich(c.context)]
    if c.passport is not None:
        for label, items in ((w["history"], c.passport.history), (w["preferences"], c.passport.preferences)):
            if items:
                parts.append(f"<p><b>{e(label)}</b></p><ul>" + "".join(f"<li>{e(i)}</li>" for i in items) + "</ul>")
        if c.passport.notes:
            parts.append(f"<p><b>{e(w['notes'])}:</b></p>{rich(c.passport.notes)}")
    return "".join(parts)


def bar(score: float) -> str:
    width = max(0.0, min(100.0, score))
    return f'<div class="rp-bar-bg"><div class="rp-bar" style="width:{width:.0f}%"></div></div>'


def debrief(result: Result, scenario, w: dict[str, str], turns: Sequence[Turn] = (), practise: str = "") -> str:
    """The debrief: verdict, scores, KPIs and, but in an assessment, every reply with its feedback.

    Every typed reply shows how it was understood, and whether a "did you mean" was shown and
    answered or the reply was corrected (in an assessment too, as a list of its own).

    Args:
        result: the finished session's ``Result``.
        scenario: the ``Scenario``.
        w: the practice app's words (in the scenario's language).
        turns: the session's turns (for the typed replies' facts, the competencies the conversation
            reached and the reply that cost the most); empty: none shown.
        practise: what to practise next (plain text, ``verdict``), or empty.

    Returns:
        HTML.
    """
    typed = {t.index: t for t in turns if t.kind == "text"}
    outcome = w.get(f"outcome_{result.outcome}", result.outcome)
    head = verdict(result, scenario, w, turns, practise) + (
        f"<p>{e(w['overall'])}: <b>{result.overall:g}</b> ({e(w['pass_mark'])} "
        f"{result.pass_mark:g}) · {e(w['outcome'])}: <b>{e(outcome)}</b></p>"
        f"<p><i>{e(result.closing_line)}</i></p>"
    )
    breaches = "".join(f'<p class="rp-fail">{e(w["breach"])}: {e(b)}</p>' for b in result.breaches)
    reached = assessed(scenario, turns) if turns else set(result.competency_scores)
    rows = "".join(
        f"<tr><td>{e(scenario.competency_title(c))}</td><td style='width:50%'>{bar(s)}</td><td>{s:g}</td></tr>"
        if c in reached
        else f'<tr class="rp-not-assessed"><td>{e(scenario.competency_title(c))}</td>'
        f'<td colspan="2">{e(w["not_assessed"])}</td></tr>'
        for c, s in result.competency_scores.items()
    )
    if set(result.competency_scores) - reached:
        rows += f'<tr><td colspan="3" class="rp-why">{e(w["not_assessed_why"])}</td></tr>'
    k = result.kpis
    limit = f"{scenario.model.reply_time_limit:g}"
    kpi_rows = (
        ("fcr", e(w["yes"] if k.fcr else w["no"]), w["fcr_why"]),
        ("csat", f"{k.csat}/5", w["csat_why"]),
        ("handle_time", f"{k.handle_time:.0f} s", w["handle_time_why"]),
        ("qa", f"{k.qa_score:g}%", w["qa_why"]),
        ("sla", f"{k.sla:g}%", w["sla_why"].format(limit=limit)),
    )
    kpis = (
        '<table class="rp-kpis">'
        + "".join(
            f'<tr><td>{e(w[key])}</td><td>{value}</td><td class="rp-why">{e(why)}</td></tr>'
            for key, value, why in kpi_rows
        )
        + "</table>"
    )
    html = head + breaches + f"<table style='width:100%'>{rows}</table><h4>{e(w['kpis'])}</h4>{kpis}"
    if result.mode == "assessment":
        html += f"<p><i>{e(w['assessment_note'])}</i></p>"
        if typed:
            html += f"<h4>{e(w['typed_replies'])}</h4>" + "".join(
                f'<div class="rp-turn rp-typed"><div><b>{t.index + 1}.</b> {e(w["you_typed"])}: '
                f'<span class="rp-said">{e(t.reply)}</span></div>{typed_facts(t, scenario, w)}</div>'
                for t in typed.values()
            )
        return html
    items = []
    by_index = {t.index: t for t in turns}
    seen: dict[str, int] = {}  # the customer's reactions explained so far
    for item in result.debrief:
        turn = typed.get(item.index)
        if turn is not None:  # how it was understood, the not-understood note included (once)
            said, facts = f'<span class="rp-said">{e(item.reply)}</span>', typed_facts(turn, scenario, w)
        else:
            said = e(item.reply) + ("" if item.understood else f" <i>{e(w['not_understood'])}</i>")
            facts = ""
        # A reply not understood has its note above; the engine's own sentence for it would say it twice.
        if not item.understood:
            said_feedback = ""
        elif item.index in by_index:  # the option's feedback, then each reaction's lesson once
            said_feedback = reply_feedback(scenario, by_index[item.index], w, seen)
        else:
            said_feedback = f"<div>{e(item.feedback)}</div>"
        better = f'<div class="rp-better">{e(w["better"])}: {e(item.better_reply)}</div>' if item.better_reply else ""
        breach = f'<div class="rp-fail">{e(w["breach"])}: {e(item.breach)}</div>' if item.breach else ""
        css = "rp-turn rp-typed" if turn is not None else "rp-turn"
        items.append(
            f'<div class="{css}"><div><b>{item.index + 1}.</b> {e(item.customer_line)}</div>'
            f"<div><b>{e(w['you'])}:</b> {said}</div>{facts}{said_feedback}{better}{breach}</div>"
        )
    return html + f"<h4>{e(w['turns'])}</h4>" + "".join(items)
