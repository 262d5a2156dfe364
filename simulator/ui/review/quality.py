"""The views of the scenarios and the scoring: item analysis, replies not understood, reviewer
agreement. Each is a pure function of the report data returning HTML; every text is escaped."""

from __future__ import annotations

import pandas as pd

from ...core.scenario import Scenario
from ...results import reports
from ..render import e
from .base import NA, empty, is_nan, num, scenario_title, styled
from .charts import sharebar

KAPPA_TRUST = 0.4  # docs/assessment.md: below this the automatic pass/fail needs a reviewer
MIN_REVIEWED = 5  # fewer reviewed sessions than this: too few to judge agreement


def items_html(data: reports.Data, scenarios: dict[str, Scenario] | None = None) -> str:
    """Per scenario decision point: how the options were chosen, which was best, the mood each cost."""
    scenarios = scenarios or {}
    items = reports.item_analysis(data, scenarios)
    if items.empty:
        return empty("No answered turns match the filters.")
    out = [
        '<p class="rp-muted">Per decision point: share of answers per option (green bar: the option was the best '
        "reply where chosen), mean mood change, and how many typed replies the lab did not understand there. "
        "Options nobody chose are listed with 0%.</p>"
    ]
    keys = ["scenario_id", "scenario_version"]
    for n, ((sid, version), mine) in enumerate(items.groupby(keys, sort=True)):
        s = scenarios.get(sid)
        current = s is not None and s.version == version
        missed_here = int(mine.drop_duplicates("node")["not_understood"].sum())
        out.append(
            f'<details class="rp-scenario-items"{" open" if n == 0 else ""}>'
            f"<summary>{e(scenario_title(scenarios, sid))} "
            f'<span class="rp-muted">v{int(version)} · {mine["node"].nunique()} decision points · '
            f"{int(mine['chosen'].sum())} answers · {missed_here} not understood</span></summary>"
            '<div class="rp-nodes">'
        )
        order = list(s.nodes) if current else []
        nodes = sorted(mine["node"].unique(), key=lambda n: (order.index(n) if n in order else len(order), n))
        for node in nodes:
            rows_of = mine[mine["node"] == node].set_index("option")
            options = s.nodes[node].options if current and node in s.nodes else []
            numbers = sorted(set(rows_of.index) | set(range(1, len(options) + 1)))
            missed = int(rows_of["not_understood"].iloc[0]) if len(rows_of) else 0
            asked = s.nodes[node].customer[0] if current and node in s.nodes else ""
            short = asked if len(asked) <= 150 else asked[:147].rstrip() + "…"
            answered = int(rows_of["chosen"].sum())
            lines = []
            for number in numbers:
                if number in rows_of.index:
                    r = rows_of.loc[number]
                    text = r.get("text", "") or (options[number - 1].text if number <= len(options) else "")
                    best = float(r["best_share"]) >= 50
                    mood = float(r["mood_change"])
                    mood_css = "rp-up" if mood > 0 else "rp-down" if mood < 0 else "rp-muted"
                    lines.append(
                        f'<tr><td class="rp-left">{int(number)}</td><td class="rp-text">{e(text)}</td>'
                        f'<td class="rp-left">{sharebar(r["share"], best)}{num(r["share"])}%</td>'
                        f"<td>{int(r['chosen'])}</td>"
                        f"<td>{'<span class=rp-star>★</span> ' if best else ''}{num(r['best_share'], '{:.0f}')}%</td>"
                        f'<td class="{mood_css}">{num(mood, "{:+.1f}")}</td></tr>'
                    )
                else:
                    text = options[number - 1].text if number <= len(options) else ""
                    lines.append(
                        f'<tr class="rp-muted"><td class="rp-left">{int(number)}</td><td class="rp-text">{e(text)}</td>'
                        f'<td class="rp-left">{sharebar(0, False)}0%</td><td>0</td><td>{NA}</td><td>{NA}</td></tr>'
                    )
            flag = f' · <span class="rp-down">{missed} not understood</span>' if missed else ""
            out.append(
                f'<div class="rp-node"><div class="rp-node-head"><b>{e(node)}</b>'
                + (f' — <i title="{e(asked)}">“{e(short)}”</i>' if asked else "")
                + f' <span class="rp-muted">· {answered} answers</span>{flag}</div>'
                '<table class="rp-table"><tr><th>#</th><th class="rp-left">option</th><th class="rp-left">share</th>'
                f"<th>chosen</th><th>best</th><th>mood</th></tr>{''.join(lines)}</table></div>"
            )
        out.append("</div></details>")
    return "".join(out)


def not_understood_html(data: reports.Data, scenarios: dict[str, Scenario] | None = None) -> str:
    """The typed replies the lab did not understand, most frequent first (candidates for new phrasings)."""
    scenarios = scenarios or {}
    table = reports.not_understood(data)
    if table.empty:
        return empty("Every typed reply in the selection was understood.")
    rows = "".join(
        f'<tr><td class="rp-left">{e(scenario_title(scenarios, r.scenario_id))} '
        f'<span class="rp-muted">v{int(r.scenario_version)}</span></td><td class="rp-left">{e(r.node)}</td>'
        f'<td class="rp-text">{e(r.reply)}</td><td>{int(r.times)}</td></tr>'
        for r in table.itertuples(index=False)
    )
    return (
        f'<p class="rp-muted">{int(table["times"].sum())} typed replies at {len(table)} places were not understood. '
        "Replies that mean one of the options belong in its <code>phrasings</code>.</p>"
        '<div class="rp-scroll"><table class="rp-table"><tr><th class="rp-left">scenario</th>'
        f'<th class="rp-left">node</th><th class="rp-left">typed reply</th><th>times</th></tr>{rows}</table></div>'
    )


# ---------------------------------------------------------------- reviewer agreement


def trust_sentence(table: pd.DataFrame, scenarios: dict[str, Scenario] | None = None) -> str:
    """Where automatic pass/fail can and cannot be trusted, in a sentence (κ < 0.4: not without review)."""
    scenarios = scenarios or {}
    if table.empty:
        return '<p class="rp-info">No session in the selection has been reviewed, so agreement is unknown.</p>'
    untrusted, unknown, trusted = [], [], []
    for sid, r in table.iterrows():
        name = e(scenario_title(scenarios, sid))
        if int(r["reviewed"]) < MIN_REVIEWED:
            unknown.append(f"{name} (only {int(r['reviewed'])} reviewed)")
        elif is_nan(r["kappa"]):
            unknown.append(f"{name} (κ undefined: every verdict the same)")
        elif r["kappa"] < KAPPA_TRUST:
            untrusted.append(f"{name} (κ {r['kappa']:.2f})")
        else:
            trusted.append(f"{name} (κ {r['kappa']:.2f})")
    parts = []
    if untrusted:
        parts.append(
            '<p class="rp-warn"><b>Automatic scoring cannot be trusted</b> for '
            + ", ".join(untrusted)
            + f": its pass/fail agrees with reviewers hardly better than chance (κ below {KAPPA_TRUST}). "
            "Have a reviewer score these sessions.</p>"
        )
    if trusted:
        parts.append(
            '<p class="rp-good">Automatic pass/fail agrees with reviewers for '
            + ", ".join(trusted)
            + f" (κ ≥ {KAPPA_TRUST}).</p>"
        )
    if unknown:
        parts.append('<p class="rp-info">Too little evidence to judge ' + ", ".join(unknown) + ".</p>")
    return "".join(parts)


def agreement_html(data: reports.Data, scenarios: dict[str, Scenario] | None = None) -> str:
    """Per scenario: pass/fail agreement, Cohen's kappa and score correlation, reviewer against automatic."""
    scenarios = scenarios or {}
    table = reports.agreement(data)
    if table.empty:
        return trust_sentence(table, scenarios)
    classes = pd.DataFrame("", index=table.index, columns=table.columns)
    trusted = table["kappa"] >= KAPPA_TRUST
    enough = table["reviewed"] >= MIN_REVIEWED
    classes["kappa"] = [
        "" if not ok or is_nan(k) else ("rp-met" if t else "rp-unmet")
        for k, t, ok in zip(table["kappa"], trusted, enough, strict=True)
    ]
    shown = table.rename(
        columns={
            "reviewed": "reviewed",
            "pass_agreement": "pass/fail agree %",
            "kappa": "Cohen's κ",
            "score_correlation": "score r",
            "mean_difference": "reviewer − auto",
        }
    )
    classes.columns = shown.columns
    shown.index = [scenario_title(scenarios, s) for s in table.index]
    classes.index = shown.index
    formatter = {
        "reviewed": "{:.0f}",
        "pass/fail agree %": "{:.1f}",
        "Cohen's κ": "{:.2f}",
        "score r": "{:.2f}",
        "reviewer − auto": "{:+.1f}",
    }
    return trust_sentence(table, scenarios) + styled(shown, classes=classes, formatter=formatter)
