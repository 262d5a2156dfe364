"""The views of trainees: competency matrix, KPIs, progress, first/best/latest, certification and
self-assessment. Each is a pure function of the report data returning HTML in the words of ``lang``;
every text from a trainee, a reviewer or a scenario is escaped."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from ...core.scenario import Scenario
from ...results import reports
from ..render import e
from .base import NA, competency_name, empty, is_nan, num, review_words, scenario_title, styled
from .charts import dumbbell, selfbar, sparkline

KPI_COLUMNS = ("sessions", "csat", "fcr", "qa_score", "pass_rate", "aht")  # shown in this order

# ---------------------------------------------------------------- the competency matrix


def _level_class(level: Any) -> str:
    return "rp-lv rp-lv-na" if is_nan(level) else f"rp-lv rp-lv-{int(level)}"


def level_legend(rules: dict[str, Any], *, lang: str = "en") -> str:
    """The colours of the levels 0-3 with their names and the score each starts at.

    Args:
        rules: the assessment rules (``levels``: each level's ``min`` score).
        lang: the words' language.

    Returns:
        HTML.
    """
    w = review_words(lang)
    bounds = {int(r["level"]): r["min"] for r in rules["levels"]}
    parts = []
    for level in range(4):
        above = f"{bounds[level]:g}+" if level in bounds else w["level_below"].format(min=f"{min(bounds.values()):g}")
        parts.append(f'<span class="rp-lv-{level}">{level} · {w[f"level_{level}"]} ({e(above)})</span>')
    parts.append(f'<span class="rp-lv-na">{NA} {w["not_assessed"]}</span>')
    return f'<div class="rp-legend">{"".join(parts)}</div>'


def matrix_html(data: reports.Data, scenarios: dict[str, Scenario] | None = None, *, lang: str = "en") -> str:
    """Trainees × competencies, each cell the level 0-3 on its colour; unassessed "–".

    Args:
        data: the report data (``reports.load`` or ``reports.select``).
        scenarios: id → scenario, for competency titles.
        lang: the words' language.

    Returns:
        HTML: the legend, the table and a line of totals.
    """
    w = review_words(lang)
    matrix = reports.competency_matrix(data)
    if matrix.empty:
        return empty(w["no_scored"])
    matrix = matrix.reindex(sorted(matrix.columns), axis=1)
    classes = matrix.apply(lambda col: col.map(_level_class))
    shown = matrix.copy()
    titles = [competency_name(c, scenarios) for c in matrix.columns]
    shown.columns, classes.columns = titles, titles
    shown.index.name = classes.index.name = None
    table = styled(shown, classes=classes, formatter="{:.0f}", css="rp-matrix")
    assessed = matrix.notna().sum().sum()
    mean = matrix.stack().mean() if assessed else float("nan")
    totals = w["matrix_totals"].format(
        trainees=len(matrix),
        assessed=assessed,
        cells=matrix.size,
        mean=num(mean, "{:.2f}"),
        evidence=e(data.rules.get("evidence", "latest")),
    )
    return level_legend(data.rules, lang=lang) + table + f'<p class="rp-muted">{totals}</p>'


# ---------------------------------------------------------------- KPIs


def _kpi_table(data: reports.Data, by: str, w: dict[str, str]) -> str:
    table = reports.kpis(data, by=by)
    if table.empty:
        return empty(w["no_match"])
    targets = data.rules.get("kpi_targets", {}) or {}
    shown = pd.DataFrame(index=table.index)
    classes = pd.DataFrame("", index=table.index, columns=[])
    for column in KPI_COLUMNS:
        if column not in table:
            continue
        label = w[f"kpi_{column}"]
        target = targets.get(column)
        if target is not None and f"{column}_met" in table:
            sign = "≤" if column == "aht" else "≥"
            label = f"{label} ({sign} {target:g})"
            met = table[f"{column}_met"].astype(bool)
            known = table[column].notna()  # no value (no data for it): neither met nor missed
            shown[label] = [
                f"{num(v)} {'✓' if m else '✗'}" if k else NA for v, m, k in zip(table[column], met, known, strict=True)
            ]
            classes[label] = [("rp-met" if m else "rp-unmet") if k else "" for m, k in zip(met, known, strict=True)]
        else:
            fmt = "{:.0f}" if column in ("sessions", "aht") else "{:.1f}"
            shown[label] = [num(v, fmt) for v in table[column]]
            classes[label] = ""
    shown.index.name = classes.index.name = None
    return styled(shown, classes=classes)


def kpis_html(data: reports.Data, *, lang: str = "en") -> str:
    """KPIs per team and per trainee against the targets of the rules file (met ✓ green, not ✗ red).

    Args:
        data: the report data.
        lang: the words' language.

    Returns:
        HTML: the targets, then a table per team and one per trainee.
    """
    w = review_words(lang)
    if data.sessions.empty:
        return empty(w["no_match"])
    targets = {k: v for k, v in (data.rules.get("kpi_targets", {}) or {}).items() if v is not None}
    legend = " · ".join(f"{e(w.get(f'kpi_{k}', k))} {'≤' if k == 'aht' else '≥'} {v:g}" for k, v in targets.items())
    return (
        f'<p class="rp-muted">{w["kpi_targets"].format(targets=legend)}</p>'
        f"<h4>{w['per_team']}</h4>{_kpi_table(data, 'team', w)}"
        f"<h4>{w['per_trainee']}</h4>{_kpi_table(data, 'trainee', w)}"
    )


# ---------------------------------------------------------------- progress


def progress_html(data: reports.Data, scenarios: dict[str, Scenario] | None = None, *, lang: str = "en") -> str:
    """Per trainee a card with a sparkline of the (effective) score over the attempts of each scenario
    they played. The cards wrap to the page's width, however many scenarios the library holds.

    Args:
        data: the report data.
        scenarios: id → scenario, for titles and pass marks.
        lang: the words' language.

    Returns:
        HTML: a key and a grid of cards (``rp-progress-card``), trainees in alphabetical order.
    """
    w = review_words(lang)
    scenarios = scenarios or {}
    done = reports.progress(data)
    if done.empty:
        return empty(w["no_completed"])
    done = done.sort_values(["started_at"], kind="stable")
    order = {
        sid: i for i, sid in enumerate(sorted(done["scenario_id"].unique(), key=lambda s: scenario_title(scenarios, s)))
    }
    cards = []
    for trainee, mine in done.groupby("trainee", sort=True):
        lines = []
        for sid in sorted(mine["scenario_id"].unique(), key=order.__getitem__):
            attempts = mine[mine["scenario_id"] == sid]
            s = scenarios.get(sid)
            title = scenario_title(scenarios, sid)
            scores = attempts["score"].tolist()
            label = (
                f"{trainee} — {title}: "
                + ", ".join(num(v, "{:.0f}") for v in scores)
                + (f" ({w['pass_mark']} {s.pass_mark:g})" if s is not None else "")
            )
            spark = sparkline(
                scores, attempts["passed"].tolist(), pass_mark=s.pass_mark if s is not None else None, label=label
            )
            lines.append(
                f'<li><span class="rp-progress-scenario" title="{e(title)}">{e(title)}</span>'
                f'<span class="rp-nowrap">{spark} <span class="rp-muted">×{len(attempts)}</span></span></li>'
            )
        n = mine["scenario_id"].nunique()
        count = w["one_scenario"] if n == 1 else w["n_scenarios"].format(n=n)
        cards.append(
            f'<div class="rp-progress-card"><div class="rp-progress-head"><b>{e(trainee)}</b> '
            f'<span class="rp-muted">{count}</span></div><ul>{"".join(lines)}</ul></div>'
        )
    return f'<p class="rp-muted">{w["progress_key"]}</p><div class="rp-progress-grid">{"".join(cards)}</div>'


# ---------------------------------------------------------------- first, best, latest


def first_best_latest_html(
    data: reports.Data, scenarios: dict[str, Scenario] | None = None, *, lang: str = "en"
) -> str:
    """Per trainee a line that sums up first, best and latest score over the scenarios played; it
    opens (``<details>``) on the scenarios one by one, each on a 0-100 line with the improvement.

    Args:
        data: the report data.
        scenarios: id → scenario, for titles.
        lang: the words' language.

    Returns:
        HTML: a key with totals, then a ``<details class="rp-fbl-trainee">`` per trainee.
    """
    w = review_words(lang)
    scenarios = scenarios or {}
    table = reports.first_best_latest(data)
    if table.empty:
        return empty(w["no_completed"])
    head = (
        f'<tr><th class="rp-left">{w["col_scenario"]}</th><th>{w["col_attempts"]}</th><th>{w["col_first"]}</th>'
        f"<th>{w['col_best']}</th><th>{w['col_latest']}</th><th>{w['col_improvement']}</th>"
        f'<th class="rp-left">{w["col_first_latest"]}</th></tr>'
    )
    blocks = []
    for trainee, mine in table.groupby(level=0, sort=True):
        rows = []
        for (_trainee, sid), row in mine.iterrows():
            change = row["improvement"]
            css = "rp-up" if change > 0 else "rp-down" if change < 0 else "rp-muted"
            arrow = "▲" if change > 0 else "▼" if change < 0 else "="
            rows.append(
                f'<tr><td class="rp-left">{e(scenario_title(scenarios, sid))}</td>'
                f"<td>{int(row['attempts'])}</td><td>{num(row['first'])}</td><td>{num(row['best'])}</td>"
                f'<td>{num(row["latest"])}</td><td class="{css}">{arrow} {num(change, "{:+.1f}")}</td>'
                f"<td>{dumbbell(row['first'], row['best'], row['latest'], lang=lang)}</td></tr>"
            )
        better, worse = int((mine["improvement"] > 0).sum()), int((mine["improvement"] < 0).sum())
        n = len(mine)
        line = w["fbl_trainee"].format(
            scenarios=w["one_scenario"] if n == 1 else w["n_scenarios"].format(n=n),
            better=better,
            worse=worse,
            same=n - better - worse,
            first=num(mine["first"].mean()),
            latest=num(mine["latest"].mean()),
        )
        blocks.append(
            f'<details class="rp-fbl-trainee"><summary><b>{e(trainee)}</b> <span class="rp-fbl-line">{line}</span>'
            f'</summary><div class="rp-scroll"><table class="rp-table">{head}{"".join(rows)}</table></div></details>'
        )
    better = int((table["improvement"] > 0).sum())
    worse = int((table["improvement"] < 0).sum())
    key = w["fbl_key"].format(better=better, worse=worse, same=len(table) - better - worse)
    return f'<p class="rp-muted">{key}</p><div class="rp-fbl">{"".join(blocks)}</div>'


# ---------------------------------------------------------------- certification


def _titled(text: str, names: dict[str, str]) -> str:
    """Competency ids in a sentence of the analysis replaced by their titles (lower case)."""
    return re.sub(r"[a-z_]+", lambda m: names[m.group(0)].lower() if m.group(0) in names else m.group(0), text)


def certification_html(data: reports.Data, scenarios: dict[str, Scenario] | None = None, *, lang: str = "en") -> str:
    """Each trainee's career grade with what stands between them and the next one.

    Args:
        data: the report data (its rules name the grades).
        scenarios: id → scenario, for competency titles.
        lang: the words' language.

    Returns:
        HTML: the count per grade and a table of trainees.
    """
    w = review_words(lang)
    table = reports.certification(data)
    if table.empty:
        return empty(w["no_scored"])
    grades = [g["grade"] for g in data.rules["grades"]]  # top first
    rank = {g: len(grades) - 1 - i for i, g in enumerate(grades)}  # 0: the entry grade

    def badge(grade: str) -> str:
        return f'<span class="rp-grade rp-grade-{min(3, rank.get(grade, 0))}">{e(grade)}</span>'

    names = {c: competency_name(c, scenarios) for c in data.scores["competency"].unique()} if len(data.scores) else {}
    counts = table["grade"].value_counts()
    summary = " ".join(f"{badge(g)} × {int(counts.get(g, 0))}" for g in reversed(grades))
    table = table.assign(_rank=table["grade"].map(rank)).sort_values(["_rank", "mean_level"], ascending=False)
    rows = []
    for trainee, r in table.iterrows():
        nxt = grades[grades.index(r["grade"]) - 1] if r["grade"] in grades and grades.index(r["grade"]) > 0 else ""
        need = (
            w["for_grade"].format(grade=e(nxt), missing=e(_titled(r["to_next_grade"], names)))
            if nxt and r["to_next_grade"]
            else (w["top_grade"] if not nxt else NA)
        )
        rows.append(
            f'<tr><td class="rp-left">{e(trainee)}</td><td class="rp-left">{badge(r["grade"])}</td>'
            f"<td>{int(r['assessed'])}</td><td>{num(r['mean_level'], '{:.2f}')}</td>"
            f'<td class="rp-text">{need}</td></tr>'
        )
    return (
        f'<p>{summary}</p><div class="rp-scroll"><table class="rp-table">'
        f'<tr><th class="rp-left">{w["col_trainee"]}</th><th class="rp-left">{w["col_grade"]}</th>'
        f"<th>{w['col_competencies_assessed']}</th><th>{w['col_mean_level']}</th>"
        f'<th class="rp-left">{w["col_missing"]}</th></tr>{"".join(rows)}</table></div>'
    )


# ---------------------------------------------------------------- self-assessment


def self_html(data: reports.Data, *, lang: str = "en") -> str:
    """Per trainee: self-assessed overall score against the effective score, and the gap.

    Args:
        data: the report data.
        lang: the words' language.

    Returns:
        HTML: a sentence on the mean gap, a key and the table.
    """
    w = review_words(lang)
    table = reports.self_vs_auto(data)
    if table.empty:
        return empty(w["no_self"])
    rows = "".join(
        f'<tr><td class="rp-left">{e(trainee)}</td><td>{int(r["assessed"])}</td><td>{num(r["self"])}</td>'
        f'<td>{num(r["score"])}</td><td class="{"rp-down" if r["gap"] > 10 else "rp-muted"}">'
        f"{num(r['gap'], '{:+.1f}')}</td><td>{selfbar(r['self'], r['score'], lang=lang)}</td></tr>"
        for trainee, r in table.sort_values("gap", ascending=False).iterrows()
    )
    mean = float(table["gap"].mean())
    top = table["gap"].idxmax()
    sentence = w["self_above" if mean >= 0 else "self_below"].format(
        points=f"{abs(mean):.1f}", trainee=e(top), gap=f"{table.loc[top, 'gap']:+.1f}"
    )
    return (
        f'<p class="rp-info">{sentence}</p>'
        f'<p class="rp-muted">{w["self_key"]}</p>'
        f'<div class="rp-scroll"><table class="rp-table"><tr><th class="rp-left">{w["col_trainee"]}</th>'
        f"<th>{w['col_assessed']}</th><th>{w['col_self']}</th><th>{w['col_score']}</th>"
        f'<th>{w["col_gap"]}</th><th class="rp-left">{w["col_score_self"]}</th></tr>{rows}</table></div>'
    )
