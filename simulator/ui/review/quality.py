"""The views of the scenarios and the scoring: item analysis, replies not understood, reviewer
agreement. Each is a pure function of the report data returning HTML in the words of ``lang``;
every text from a trainee, a reviewer or a scenario is escaped."""

from __future__ import annotations

import pandas as pd

from ...core.scenario import Scenario
from ...results import reports
from ..render import e
from .base import NA, empty, is_nan, num, review_words, scenario_title, styled
from .charts import sharebar

KAPPA_TRUST = 0.4  # docs/assessment.md: below this the automatic pass/fail needs a reviewer
MIN_REVIEWED = 5  # fewer reviewed sessions than this: too few to judge agreement


# ---------------------------------------------------------------- item analysis


def _option_rows(rows_of: pd.DataFrame, options: list, w: dict[str, str]) -> str:
    """One decision point's table rows: each option's share, times chosen, best share and mood change."""
    lines = []
    for number in sorted(set(rows_of.index) | set(range(1, len(options) + 1))):
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
                f'<td class="{mood_css}">{num(mood, "{:+.1f}")}</td>'
                f"<td>{int(r.get('proposed', 0))}</td><td>{int(r.get('confirmed', 0))}</td>"
                f"<td>{int(r.get('corrected', 0))}</td></tr>"
            )
        else:
            text = options[number - 1].text if number <= len(options) else ""
            lines.append(
                f'<tr class="rp-muted"><td class="rp-left">{int(number)}</td><td class="rp-text">{e(text)}</td>'
                f'<td class="rp-left">{sharebar(0, False)}0%</td><td>0</td><td>{NA}</td><td>{NA}</td>'
                "<td>0</td><td>0</td><td>0</td></tr>"
            )
    return "".join(lines)


def _node_html(node: str, rows_of: pd.DataFrame, scenario: Scenario | None, w: dict[str, str]) -> str:
    """One decision point: what the customer asked, the answers, and the option table."""
    here = scenario.nodes[node] if scenario is not None and node in scenario.nodes else None
    options = here.options if here is not None else []
    missed = int(rows_of["not_understood"].iloc[0]) if len(rows_of) else 0
    asked = here.customer[0] if here is not None else ""
    short = asked if len(asked) <= 150 else asked[:147].rstrip() + "…"
    answered = int(rows_of["chosen"].sum())
    flag = f' · <span class="rp-down">{w["n_not_understood"].format(n=missed)}</span>' if missed else ""
    return (
        f'<div class="rp-node"><div class="rp-node-head"><b>{e(node)}</b>'
        + (f' — <i title="{e(asked)}">“{e(short)}”</i>' if asked else "")
        + f' <span class="rp-muted">· {w["n_answers"].format(n=answered)}</span>{flag}</div>'
        f'<div class="rp-scroll"><table class="rp-table"><tr><th>#</th><th class="rp-left">{w["col_option"]}</th>'
        f'<th class="rp-left">{w["col_share"]}</th><th>{w["col_chosen"]}</th><th>{w["col_best"]}</th>'
        f"<th>{w['col_mood']}</th><th>{w['col_proposed']}</th><th>{w['col_confirmed']}</th>"
        f"<th>{w['col_corrected']}</th></tr>{_option_rows(rows_of, options, w)}</table></div></div>"
    )


def items_html(data: reports.Data, scenarios: dict[str, Scenario] | None = None, *, lang: str = "en") -> str:
    """Per scenario decision point: how the options were chosen, which was best, the mood each cost.

    Args:
        data: the report data.
        scenarios: id → scenario: the options nobody chose and what the customer said come from it
            (for the version in the library only).
        lang: the words' language.

    Returns:
        HTML: a key, then a ``<details>`` per scenario version (the first open).
    """
    w = review_words(lang)
    scenarios = scenarios or {}
    items = reports.item_analysis(data, scenarios)
    if items.empty:
        return empty(w["no_turns"])
    out = [f'<p class="rp-muted">{w["items_key"]}</p>']
    keys = ["scenario_id", "scenario_version"]
    for n, ((sid, version), mine) in enumerate(items.groupby(keys, sort=True)):
        s = scenarios.get(sid)
        current = s if s is not None and s.version == version else None
        missed_here = int(mine.drop_duplicates("node")["not_understood"].sum())
        counts = w["items_counts"].format(
            version=int(version),
            points=mine["node"].nunique(),
            answers=int(mine["chosen"].sum()),
            missed=missed_here,
        )
        out.append(
            f'<details class="rp-scenario-items"{" open" if n == 0 else ""}>'
            f'<summary>{e(scenario_title(scenarios, sid))} <span class="rp-muted">{counts}</span></summary>'
            '<div class="rp-nodes">'
        )
        order = list(current.nodes) if current is not None else []
        nodes = sorted(mine["node"].unique(), key=lambda n: (order.index(n) if n in order else len(order), n))
        for node in nodes:
            out.append(_node_html(node, mine[mine["node"] == node].set_index("option"), current, w))
        out.append("</div></details>")
    return "".join(out)


def not_understood_html(data: reports.Data, scenarios: dict[str, Scenario] | None = None, *, lang: str = "en") -> str:
    """The typed replies the lab did not understand, was unsure of or got wrong, the most missed first
    (candidates for new phrasings): times not understood, the options proposed, confirmed, corrected.

    Args:
        data: the report data.
        scenarios: id → scenario, for titles.
        lang: the words' language.

    Returns:
        HTML: a sentence with the totals and the table.
    """
    w = review_words(lang)
    scenarios = scenarios or {}
    table = reports.not_understood(data)
    if table.empty:
        return empty(w["all_understood"])
    rows = "".join(
        f'<tr><td class="rp-left">{e(scenario_title(scenarios, r.scenario_id))} '
        f'<span class="rp-muted">v{int(r.scenario_version)}</span></td><td class="rp-left">{e(r.node)}</td>'
        f'<td class="rp-text">{e(r.reply)}</td><td>{int(r.times)}</td><td>{e(r.proposed)}</td>'
        f"<td>{int(r.confirmed)}</td><td>{int(r.corrected)}</td></tr>"
        for r in table.itertuples(index=False)
    )
    missed = table[table["times"] > 0]
    total = w["not_understood_total"].format(replies=int(missed["times"].sum()), places=len(missed))
    unsure = w["dym_total"].format(confirmed=int(table["confirmed"].sum()), corrected=int(table["corrected"].sum()))
    return (
        f'<p class="rp-muted">{total} {unsure}</p>'
        f'<div class="rp-scroll"><table class="rp-table"><tr><th class="rp-left">{w["col_scenario"]}</th>'
        f'<th class="rp-left">{w["col_node"]}</th><th class="rp-left">{w["col_typed_reply"]}</th>'
        f"<th>{w['col_times']}</th><th>{w['col_proposed_options']}</th><th>{w['col_confirmed']}</th>"
        f"<th>{w['col_corrected']}</th></tr>{rows}</table></div>"
    )


# ---------------------------------------------------------------- reviewer agreement


def trust_sentence(table: pd.DataFrame, scenarios: dict[str, Scenario] | None = None, *, lang: str = "en") -> str:
    """Where automatic pass/fail can and cannot be trusted, in a sentence (κ < 0.4: not without review).

    Args:
        table: ``reports.agreement``: per scenario id, ``reviewed`` and ``kappa``.
        scenarios: id → scenario, for titles.
        lang: the words' language.

    Returns:
        HTML: a paragraph per kind (not trusted, trusted, too little evidence).
    """
    w = review_words(lang)
    scenarios = scenarios or {}
    if table.empty:
        return f'<p class="rp-info">{w["none_reviewed"]}</p>'
    untrusted, unknown, trusted = [], [], []
    for sid, r in table.iterrows():
        name = e(scenario_title(scenarios, sid))
        if int(r["reviewed"]) < MIN_REVIEWED:
            unknown.append(w["only_reviewed"].format(name=name, n=int(r["reviewed"])))
        elif is_nan(r["kappa"]):
            unknown.append(w["kappa_undefined"].format(name=name))
        elif r["kappa"] < KAPPA_TRUST:
            untrusted.append(f"{name} (κ {r['kappa']:.2f})")
        else:
            trusted.append(f"{name} (κ {r['kappa']:.2f})")
    parts = []
    if untrusted:
        text = w["untrusted"].format(names=", ".join(untrusted), kappa=KAPPA_TRUST)
        parts.append(f'<p class="rp-warn">{text}</p>')
    if trusted:
        text = w["trusted"].format(names=", ".join(trusted), kappa=KAPPA_TRUST)
        parts.append(f'<p class="rp-good">{text}</p>')
    if unknown:
        parts.append(f'<p class="rp-info">{w["too_little"].format(names=", ".join(unknown))}</p>')
    return "".join(parts)


AGREEMENT_COLUMNS = {  # column → (the words' key of its title, format)
    "reviewed": ("col_reviewed", "{:.0f}"),
    "pass_agreement": ("col_pass_agree", "{:.1f}"),
    "kappa": ("col_kappa", "{:.2f}"),
    "score_correlation": ("col_score_r", "{:.2f}"),
    "mean_difference": ("col_difference", "{:+.1f}"),
}


def agreement_html(data: reports.Data, scenarios: dict[str, Scenario] | None = None, *, lang: str = "en") -> str:
    """Per scenario: pass/fail agreement, Cohen's kappa and score correlation, reviewer against automatic.

    Args:
        data: the report data.
        scenarios: id → scenario, for titles.
        lang: the words' language.

    Returns:
        HTML: the trust sentence and the table (κ green where trusted, red where not).
    """
    w = review_words(lang)
    scenarios = scenarios or {}
    table = reports.agreement(data)
    if table.empty:
        return trust_sentence(table, scenarios, lang=lang)
    classes = pd.DataFrame("", index=table.index, columns=table.columns)
    trusted = table["kappa"] >= KAPPA_TRUST
    enough = table["reviewed"] >= MIN_REVIEWED
    classes["kappa"] = [
        "" if not ok or is_nan(k) else ("rp-met" if t else "rp-unmet")
        for k, t, ok in zip(table["kappa"], trusted, enough, strict=True)
    ]
    titles = {column: w[key] for column, (key, _fmt) in AGREEMENT_COLUMNS.items()}
    shown = table.rename(columns=titles)
    classes.columns = shown.columns
    shown.index = [scenario_title(scenarios, s) for s in table.index]
    classes.index = shown.index
    formatter = {titles[column]: fmt for column, (_key, fmt) in AGREEMENT_COLUMNS.items()}
    return trust_sentence(table, scenarios, lang=lang) + styled(shown, classes=classes, formatter=formatter)
