"""HTML for the practice app. Every text from a scenario file or a trainee is escaped here.

The chat is drawn from the session's turns (``chat``), not kept as it was shown: a reply corrected
with "That's not what I meant" is drawn as the option it now counts as, in the same place.
"""

from __future__ import annotations

from collections.abc import Sequence
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
            tail.append(feedback(turn.feedback))
    tail.append(line(customer, current_line, "customer"))
    if pending is not None:
        head += tail
        tail = []
        head.append(reply_line(w["you"], pending, "", "rp-pending"))
    return "".join(head), "".join(tail)


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


def paragraphs(text: str) -> str:
    return "".join(f"<p>{e(p.strip())}</p>" for p in text.split("\n\n") if p.strip())


def customer_profile(scenario, w: dict[str, str]) -> str:
    c = scenario.model.customer
    parts = [f"<p><b>{e(c.name)}</b> — {e(scenario.persona.title)}</p>", f"<p>{e(c.context)}</p>"]
    if c.passport is not None:
        for label, items in ((w["history"], c.passport.history), (w["preferences"], c.passport.preferences)):
            if items:
                parts.append(f"<p><b>{e(label)}</b></p><ul>" + "".join(f"<li>{e(i)}</li>" for i in items) + "</ul>")
        if c.passport.notes:
            parts.append(f"<p><b>{e(w['notes'])}:</b> {e(c.passport.notes)}</p>")
    return "".join(parts)


def bar(score: float) -> str:
    width = max(0.0, min(100.0, score))
    return f'<div class="rp-bar-bg"><div class="rp-bar" style="width:{width:.0f}%"></div></div>'


def debrief(result: Result, scenario, w: dict[str, str], turns: Sequence[Turn] = ()) -> str:
    """The debrief: verdict, scores, KPIs and, but in an assessment, every reply with its feedback.

    Every typed reply shows how it was understood, and whether a "did you mean" was shown and
    answered or the reply was corrected (in an assessment too, as a list of its own).

    Args:
        result: the finished session's ``Result``.
        scenario: the ``Scenario``.
        w: the practice app's words (in the scenario's language).
        turns: the session's turns (for the typed replies' facts); empty: none shown.

    Returns:
        HTML.
    """
    typed = {t.index: t for t in turns if t.kind == "text"}
    verdict = (
        f'<span class="rp-pass">{e(w["passed"])}</span>'
        if result.passed
        else f'<span class="rp-fail">{e(w["failed"])}</span>'
    )
    outcome = w.get(f"outcome_{result.outcome}", result.outcome)
    head = (
        f"<p>{verdict} — {e(w['overall'])}: <b>{result.overall:g}</b> ({e(w['pass_mark'])} "
        f"{result.pass_mark:g}) · {e(w['outcome'])}: <b>{e(outcome)}</b></p>"
        f"<p><i>{e(result.closing_line)}</i></p>"
    )
    breaches = "".join(f'<p class="rp-fail">{e(w["breach"])}: {e(b)}</p>' for b in result.breaches)
    rows = "".join(
        f"<tr><td>{e(scenario.competency_title(c))}</td><td style='width:50%'>{bar(s)}</td><td>{s:g}</td></tr>"
        for c, s in result.competency_scores.items()
    )
    k = result.kpis
    kpis = (
        f'<table class="rp-kpis"><tr><td>{e(w["fcr"])}</td><td>{e(w["yes"] if k.fcr else w["no"])}</td></tr>'
        f"<tr><td>{e(w['csat'])}</td><td>{k.csat}/5</td></tr>"
        f"<tr><td>{e(w['handle_time'])}</td><td>{k.handle_time:.0f} s</td></tr>"
        f"<tr><td>{e(w['qa'])}</td><td>{k.qa_score:g}%</td></tr>"
        f"<tr><td>{e(w['sla'])}</td><td>{k.sla:g}%</td></tr></table>"
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
    for item in result.debrief:
        turn = typed.get(item.index)
        if turn is not None:  # how it was understood, the not-understood note included (once)
            said, facts = f'<span class="rp-said">{e(item.reply)}</span>', typed_facts(turn, scenario, w)
        else:
            said = e(item.reply) + ("" if item.understood else f" <i>{e(w['not_understood'])}</i>")
            facts = ""
        # A reply not understood has its note above; the engine's own sentence for it would say it twice.
        said_feedback = f"<div>{e(item.feedback)}</div>" if item.understood else ""
        better = f'<div class="rp-better">{e(w["better"])}: {e(item.better_reply)}</div>' if item.better_reply else ""
        breach = f'<div class="rp-fail">{e(w["breach"])}: {e(item.breach)}</div>' if item.breach else ""
        css = "rp-turn rp-typed" if turn is not None else "rp-turn"
        items.append(
            f'<div class="{css}"><div><b>{item.index + 1}.</b> {e(item.customer_line)}</div>'
            f"<div><b>{e(w['you'])}:</b> {said}</div>{facts}{said_feedback}{better}{breach}</div>"
        )
    return html + f"<h4>{e(w['turns'])}</h4>" + "".join(items)
