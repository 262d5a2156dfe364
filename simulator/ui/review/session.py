"""One session as HTML: who and what, automatic and reviewer's scores side by side, reviews,
transcript and debrief, in the words of ``lang``. Everything a trainee or a reviewer wrote is escaped."""

from __future__ import annotations

import json
from typing import Any

from ...core.scenario import Scenario
from ...results.store import Store
from ..render import e
from .base import NA, competency_name, empty, is_nan, num, review_words, scenario_title


def _verdict(passed: Any, w: dict[str, str]) -> str:
    if passed is None or is_nan(passed):
        return NA
    return f'<span class="rp-pass">{w["pass"]}</span>' if bool(passed) else f'<span class="rp-fail">{w["fail"]}</span>'


def _when(stamp: Any) -> str:
    return e(str(stamp)[:16].replace("T", " "))


def _head(row: dict[str, Any], scenarios: dict[str, Scenario], w: dict[str, str]) -> str:
    status = w.get(f"status_{row['status']}", row["status"])
    outcome = w.get(f"outcome_{row['outcome']}", row["outcome"]) if row.get("outcome") else ""
    return (
        f"<h4>{e(row['trainee'])} — {e(scenario_title(scenarios, row['scenario_id']))} "
        f'<span class="rp-muted">{w["attempt"]} {int(row["attempt"])} · v{int(row["scenario_version"])} · '
        f"{_when(row['started_at'])} · {e(status)}" + (f" · {e(outcome)}" if outcome else "") + "</span></h4>"
    )


def _side_by_side(
    row: dict[str, Any], result: dict | None, latest: dict | None, scenarios: dict[str, Scenario], w: dict[str, str]
) -> str:
    """The automatic and the latest reviewer's scores; the ones reports use marked ``rp-used``."""
    s = scenarios.get(row["scenario_id"])
    auto = (result or {}).get("competency_scores", {})
    mine = (latest or {}).get("scores", {})
    used_auto = "" if latest else ' class="rp-used"'
    used_review = ' class="rp-used"' if latest else ""
    who = f"{w['reviewer']}: {e(latest['reviewer'])}" if latest else w["reviewer"]
    lines = "".join(
        f'<tr><td class="rp-left">{e(competency_name(c, scenarios))}</td><td{used_auto}>{num(auto.get(c))}</td>'
        f"<td{used_review}>{num(mine.get(c))}</td></tr>"
        for c in sorted(set(auto) | set(mine))
    )
    pass_mark = (result or {}).get("pass_mark", s.pass_mark if s is not None else None)
    lines += (
        f'<tr><th class="rp-left">{w["overall"]}</th><td{used_auto}><b>{num(row.get("score"))}</b></td>'
        f"<td{used_review}><b>{num(latest['overall'] if latest else None)}</b></td></tr>"
        f'<tr><th class="rp-left">{w["verdict"]}</th><td{used_auto}>{_verdict(row.get("passed"), w)}</td>'
        f"<td{used_review}>{_verdict(latest['passed'] if latest else None, w)}</td></tr>"
    )
    used = w["used_review"].format(reviewer=e(latest["reviewer"])) if latest else w["used_auto"]
    mark = w["used_pass_mark"].format(mark=num(pass_mark, "{:g}")) if pass_mark is not None else ""
    return (
        f'<table class="rp-table rp-side"><tr><th class="rp-left">{w["col_competency"]}</th>'
        f"<th>{w['col_automatic']}</th><th>{who}</th></tr>{lines}</table>"
        f'<p class="rp-muted">{w["reports_use"].format(used=used, pass_mark=mark)}</p>'
    )


def _reviews(reviews: list[dict], w: dict[str, str]) -> str:
    return f"<h4>{w['reviews']}</h4>" + "".join(
        f'<div class="rp-comment"><b>{e(r["reviewer"])}</b> '
        f'<span class="rp-muted">{_when(r["created_at"])} · '
        f"{w['overall']} {num(r['overall'])} · </span>{_verdict(r['passed'], w)}"
        + (f"<br>{e(r['comment'])}" if r["comment"] else "")
        + "</div>"
        for r in reviews
    )


def _kpis(result: dict, w: dict[str, str]) -> str:
    k = result.get("kpis", {})
    line = w["session_kpis"].format(
        csat=e(k.get("csat", NA)),
        fcr=w["yes"] if k.get("fcr") else w["no"],
        qa=num(k.get("qa_score"), "{:g}"),
        sla=num(k.get("sla"), "{:g}"),
        handle_time=num(k.get("handle_time"), "{:.0f}"),
        mood=e(result.get("final_mood", NA)),
    )
    breaches = "".join(f'<p class="rp-fail">{w["critical_breach"]}: {e(b)}</p>' for b in result.get("breaches", []))
    return f'<p class="rp-muted">{line}</p>' + breaches


def _customer(text: str, w: dict[str, str]) -> str:
    return f'<div class="rp-line rp-customer"><span class="rp-who">{w["customer"]}</span>{e(text)}</div>'


def _option(scenario: Scenario | None, node: str, index: int, w: dict[str, str]) -> str:
    """An option as the reviewer sees it: its number and, for the version in the library, its text."""
    label = w["option_n"].format(n=int(index) + 1)
    here = scenario.nodes.get(node) if scenario is not None else None
    if here is not None and 0 <= int(index) < len(here.options):
        label += f" “{e(here.options[int(index)].text)}”"
    return label


def _matching(t: dict[str, Any], scenario: Scenario | None, w: dict[str, str]) -> str:
    """What became of a typed reply: the options proposed, the one confirmed, taken for, or corrected to."""
    if t["kind"] != "text":
        return ""
    node, facts = t["node"], []
    if t.get("proposed"):
        facts.append(w["dym_proposed"].format(options=" · ".join(_option(scenario, node, i, w) for i in t["proposed"])))
        if t.get("confirmed") and t["option_index"] is not None and t.get("corrected_from") is None:
            facts.append(w["dym_confirmed"].format(option=_option(scenario, node, t["option_index"], w)))
        elif not t["understood"]:
            facts.append(w["dym_declined"])
    if t.get("corrected_from") is not None:
        facts.append(
            w["corrected_turn"].format(
                first=_option(scenario, node, t["corrected_from"], w),
                meant=_option(scenario, node, t["option_index"], w),
            )
        )
    elif t["understood"] and not t.get("confirmed"):
        facts.append(w["taken_for"].format(option=_option(scenario, node, t["option_index"], w)))
    return f'<div class="rp-fb rp-matching">{" · ".join(facts)}</div>' if facts else ""


def _transcript(
    row: dict[str, Any], turns: list[dict], result: dict | None, w: dict[str, str], scenario: Scenario | None = None
) -> str:
    """Turn by turn: the customer, the trainee (typed or clicked, how fast, what the typed text was taken
    for, proposed, confirmed or corrected to), and the feedback."""
    better = {item["index"]: item.get("better_reply") for item in (result or {}).get("debrief", [])}
    chat = []
    for t in turns:
        how = w["typed"] if t["kind"] == "text" else w["clicked"]
        flags = "" if t["understood"] else f' <i class="rp-fail">{w["not_understood_flag"]}</i>'
        mood = t["mood_after"] - t["mood_before"]
        chat.append(_customer(t["customer_line"], w))
        chat.append(
            f'<div class="rp-line rp-trainee"><span class="rp-who">{e(row["trainee"])} · {how} · '
            f"{t['latency']:.0f} s{flags}</span>{e(t['reply'])}</div>"
        )
        chat.append(_matching(t, scenario, w))
        moods = w["mood_change"].format(before=t["mood_before"], after=t["mood_after"], change=f"{mood:+d}")
        fb = f"↳ {e(t['feedback'])} ({moods})"
        if t["was_best"]:
            fb += f' <span class="rp-better">★ {w["best_reply"]}</span>'
        elif better.get(t["idx"]):
            fb += f'<br><span class="rp-better">{w["better"]}: {e(better[t["idx"]])}</span>'
        if t.get("breach"):
            fb += f'<br><span class="rp-fail">{w["breach"]}: {e(t["breach"])}</span>'
        chat.append(f'<div class="rp-fb">{fb}</div>')
    if result is not None and result.get("closing_line"):
        chat.append(_customer(result["closing_line"], w))
    return f"<h4>{w['transcript']}</h4>" + (
        f'<div class="rp-transcript-view">{"".join(chat)}</div>' if chat else empty(w["no_replies"])
    )


def session_html(
    store: Store, session_id: str, scenarios: dict[str, Scenario] | None = None, *, lang: str = "en"
) -> str:
    """One session: who and what, automatic and reviewer's scores side by side, reviews, transcript, debrief.

    Args:
        store: the results store.
        session_id: the session to show.
        scenarios: id → scenario, for titles and the pass mark.
        lang: the words' language.

    Returns:
        HTML (a short note when there is no such session).
    """
    w = review_words(lang)
    scenarios = scenarios or {}
    row = store.session(session_id)
    if row is None:
        return empty(w["no_session"])
    result = json.loads(row["result"]) if row.get("result") else None
    reviews = store.reviews(session_id)
    latest = reviews[-1] if reviews else None
    parts = [_head(row, scenarios, w)]
    if result is not None or latest is not None:
        parts.append(_side_by_side(row, result, latest, scenarios, w))
    if reviews:
        parts.append(_reviews(reviews, w))
    if result is not None:
        parts.append(_kpis(result, w))
    s = scenarios.get(row["scenario_id"])
    current = s if s is not None and s.version == row["scenario_version"] else None
    parts.append(_transcript(row, store.turns(session_id), result, w, current))
    return "".join(parts)
