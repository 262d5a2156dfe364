"""HTML for the practice app. Every text from a scenario file or a trainee is escaped here."""

from __future__ import annotations

from html import escape

from ..core.scoring import Result

CSS = """
<style>
.rp-app { max-width: 860px; margin: 0 auto; font-size: 15px; color: var(--jp-ui-font-color1, #222); }
.rp-app .widget-button { height: auto; min-height: 32px; }
.rp-choice { white-space: normal !important; text-align: left !important; height: auto !important;
  padding: 6px 12px !important; line-height: 1.35 !important; }
.rp-choice:focus-visible, .rp-scenario:focus-visible, .rp-start:focus-visible, .rp-again:focus-visible,
.rp-send:focus-visible { outline: 3px solid var(--jp-brand-color1, #1976d2); outline-offset: 2px; }
.rp-scenario { white-space: normal !important; height: auto !important; text-align: left !important;
  padding: 6px 12px !important; }
.rp-transcript { max-height: 420px; overflow-y: auto; padding: 8px; border-radius: 6px;
  border: 1px solid var(--jp-border-color2, #ddd); background: var(--jp-layout-color1, #fff); }
.rp-line { margin: 6px 0; padding: 8px 12px; border-radius: 12px; max-width: 80%; word-wrap: break-word;
  overflow-wrap: anywhere; white-space: pre-wrap; line-height: 1.45; }
.rp-customer { background: var(--jp-layout-color2, #eef1f5); color: var(--jp-ui-font-color1, #222); }
.rp-trainee-line { background: var(--jp-brand-color3, #d7e8fb); color: var(--jp-ui-font-color1, #222);
  margin-left: auto; }
.rp-feedback { font-size: 13px; line-height: 1.4; color: var(--jp-ui-font-color2, #555);
  margin: 0 0 8px auto; max-width: 80%; font-style: italic; }
.rp-who { font-weight: 600; font-size: 12px; display: block; }
.rp-card { border: 1px solid var(--jp-border-color2, #ddd); border-radius: 8px; padding: 10px 14px;
  background: var(--jp-layout-color1, #fff); }
.rp-bar { height: 12px; border-radius: 6px; background: var(--jp-brand-color1, #1976d2); }
.rp-bar-bg { background: var(--jp-layout-color3, #e3e3e3); border-radius: 6px; width: 100%; }
.rp-pass { color: #1b7f3b; font-weight: 700; } .rp-fail { color: #b3261e; font-weight: 700; }
.rp-error { color: #b3261e; }
.rp-kpis td { padding: 2px 10px 2px 0; }
.rp-turn { border-top: 1px solid var(--jp-border-color2, #ddd); padding: 6px 0; }
.rp-better { color: #1b7f3b; }
</style>
"""


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
