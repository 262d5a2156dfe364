"""One session as HTML: who and what, automatic and reviewer's scores side by side, reviews, transcript."""

from __future__ import annotations

import json
from typing import Any

from ...core.scenario import Scenario
from ...results.store import Store
from ..render import e
from .base import NA, competency_name, empty, is_nan, num, scenario_title


def _verdict(passed: Any) -> str:
    if passed is None or is_nan(passed):
        return NA
    return '<span class="rp-pass">pass</span>' if bool(passed) else '<span class="rp-fail">fail</span>'


def session_html(store: Store, session_id: str, scenarios: dict[str, Scenario] | None = None) -> str:
    """One session: who and what, automatic and reviewer's scores side by side, reviews, transcript, debrief."""
    scenarios = scenarios or {}
    row = store.session(session_id)
    if row is None:
        return empty("No such session.")
    result = json.loads(row["result"]) if row.get("result") else None
    reviews = store.reviews(session_id)
    latest = reviews[-1] if reviews else None
    s = scenarios.get(row["scenario_id"])
    head = (
        f"<h4>{e(row['trainee'])} — {e(scenario_title(scenarios, row['scenario_id']))} "
        f'<span class="rp-muted">attempt {int(row["attempt"])} · v{int(row["scenario_version"])} · '
        f"{e(str(row['started_at'])[:16].replace('T', ' '))} · {e(row['status'])}"
        + (f" · {e(row['outcome'])}" if row.get("outcome") else "")
        + "</span></h4>"
    )
    parts = [head]
    if result is not None or latest is not None:
        auto = (result or {}).get("competency_scores", {})
        mine = (latest or {}).get("scores", {})
        used_auto = "" if latest else ' class="rp-used"'
        used_review = ' class="rp-used"' if latest else ""
        who = f"reviewer: {e(latest['reviewer'])}" if latest else "reviewer"
        lines = "".join(
            f'<tr><td class="rp-left">{e(competency_name(c, scenarios))}</td><td{used_auto}>{num(auto.get(c))}</td>'
            f"<td{used_review}>{num(mine.get(c))}</td></tr>"
            for c in sorted(set(auto) | set(mine))
        )
        pass_mark = (result or {}).get("pass_mark", s.pass_mark if s is not None else None)
        lines += (
            f'<tr><th class="rp-left">overall</th><td{used_auto}><b>{num(row.get("score"))}</b></td>'
            f"<td{used_review}><b>{num(latest['overall'] if latest else None)}</b></td></tr>"
            f'<tr><th class="rp-left">verdict</th><td{used_auto}>{_verdict(row.get("passed"))}</td>'
            f"<td{used_review}>{_verdict(latest['passed'] if latest else None)}</td></tr>"
        )
        used = f"the review by {e(latest['reviewer'])}" if latest else "the automatic result (not reviewed)"
        parts.append(
            '<table class="rp-table rp-side"><tr><th class="rp-left">competency</th><th>automatic</th>'
            f"<th>{who}</th></tr>{lines}</table>"
            f'<p class="rp-muted">Reports use {used}'
            + (f"; pass mark {num(pass_mark, '{:g}')}" if pass_mark is not None else "")
            + ". The automatic result is kept.</p>"
        )
    if reviews:
        parts.append(
            "<h4>Reviews</h4>"
            + "".join(
                f'<div class="rp-comment"><b>{e(r["reviewer"])}</b> '
                f'<span class="rp-muted">{e(str(r["created_at"])[:16].replace("T", " "))} · '
                f"overall {num(r['overall'])} · </span>{_verdict(r['passed'])}"
                + (f"<br>{e(r['comment'])}" if r["comment"] else "")
                + "</div>"
                for r in reviews
            )
        )
    if result is not None:
        k = result.get("kpis", {})
        parts.append(
            f'<p class="rp-muted">CSAT {e(k.get("csat", NA))}/5 · FCR {"yes" if k.get("fcr") else "no"} · '
            f"QA {num(k.get('qa_score'), '{:g}')}% · SLA {num(k.get('sla'), '{:g}')}% · "
            f"handle time {num(k.get('handle_time'), '{:.0f}')} s · final mood {e(result.get('final_mood', NA))}</p>"
        )
        for breach in result.get("breaches", []):
            parts.append(f'<p class="rp-fail">Critical breach: {e(breach)}</p>')
    better = {item["index"]: item.get("better_reply") for item in (result or {}).get("debrief", [])}
    turns = store.turns(session_id)
    chat = []
    for t in turns:
        how = "typed" if t["kind"] == "text" else "clicked"
        flags = "" if t["understood"] else ' <i class="rp-fail">(not understood)</i>'
        mood = t["mood_after"] - t["mood_before"]
        chat.append(
            f'<div class="rp-line rp-customer"><span class="rp-who">Customer</span>{e(t["customer_line"])}</div>'
        )
        chat.append(
            f'<div class="rp-line rp-trainee"><span class="rp-who">{e(row["trainee"])} · {how} · '
            f"{t['latency']:.0f} s{flags}</span>{e(t['reply'])}</div>"
        )
        fb = f"↳ {e(t['feedback'])} (mood {t['mood_before']} → {t['mood_after']}, {mood:+d})"
        if t["was_best"]:
            fb += ' <span class="rp-better">★ best reply</span>'
        elif better.get(t["idx"]):
            fb += f'<br><span class="rp-better">Better: {e(better[t["idx"]])}</span>'
        if t.get("breach"):
            fb += f'<br><span class="rp-fail">Breach: {e(t["breach"])}</span>'
        chat.append(f'<div class="rp-fb">{fb}</div>')
    if result is not None and result.get("closing_line"):
        chat.append(
            f'<div class="rp-line rp-customer"><span class="rp-who">Customer</span>{e(result["closing_line"])}</div>'
        )
    parts.append(
        "<h4>Transcript and debrief</h4>"
        + (f'<div class="rp-transcript-view">{"".join(chat)}</div>' if chat else empty("No replies."))
    )
    return "".join(parts)
