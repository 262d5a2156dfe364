"""HTML for the practice app. Every text from a scenario file or a trainee is escaped here."""

from __future__ import annotations

from html import escape

from ..core.scoring import Result


def e(text: object) -> str:
    """Escape text for HTML (quotes included)."""
    return escape(str(text), quote=True)


def line(who: str, text: str, kind: str) -> str:
    css = "rp-customer" if kind == "customer" else "rp-trainee-line"
    return f'<div class="rp-line {css}"><span class="rp-who">{e(who)}</span>{e(text)}</div>'


def feedback(text: str) -> str:
    return f'<div class="rp-feedback">↳ {e(text)}</div>'


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


def debrief(result: Result, scenario, w: dict[str, str]) -> str:
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
        return html + f"<p><i>{e(w['assessment_note'])}</i></p>"
    turns = []
    for item in result.debrief:
        said = e(item.reply) + ("" if item.understood else f" <i>{e(w['not_understood'])}</i>")
        better = f'<div class="rp-better">{e(w["better"])}: {e(item.better_reply)}</div>' if item.better_reply else ""
        breach = f'<div class="rp-fail">{e(w["breach"])}: {e(item.breach)}</div>' if item.breach else ""
        turns.append(
            f'<div class="rp-turn"><div><b>{item.index + 1}.</b> {e(item.customer_line)}</div>'
            f"<div><b>{e(w['you'])}:</b> {said}</div><div>{e(item.feedback)}</div>{better}{breach}</div>"
        )
    return html + f"<h4>{e(w['turns'])}</h4>" + "".join(turns)
