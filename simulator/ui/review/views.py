"""The views of trainees: competency matrix, KPIs, progress, first/best/latest, certification and
self-assessment. Each is a pure function of the report data returning HTML; every text is escaped."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from ...core.scenario import Scenario
from ...results import reports
from ..render import e
from .base import NA, competency_name, empty, is_nan, num, scenario_title, styled
from .charts import dumbbell, sparkline

LEVEL_NAMES = {0: "not yet", 1: "needs support", 2: "independent", 3: "can teach it"}

# ---------------------------------------------------------------- the competency matrix


def _level_class(level: Any) -> str:
    return "rp-lv rp-lv-na" if is_nan(level) else f"rp-lv rp-lv-{int(level)}"


def level_legend(rules: dict[str, Any]) -> str:
    bounds = {int(r["level"]): r["min"] for r in rules["levels"]}
    parts = []
    for level in range(4):
        above = f"{bounds[level]:g}+" if level in bounds else f"below {min(bounds.values()):g}"
        parts.append(f'<span class="rp-lv-{level}">{level} · {e(LEVEL_NAMES[level])} ({e(above)})</span>')
    parts.append(f'<span class="rp-lv-na">{NA} not assessed</span>')
    return f'<div class="rp-legend">{"".join(parts)}</div>'


def matrix_html(data: reports.Data, scenarios: dict[str, Scenario] | None = None) -> str:
    """Trainees × competencies, each cell the level 0-3 on its colour; unassessed "–"."""
    matrix = reports.competency_matrix(data)
    if matrix.empty:
        return empty("No completed, scored sessions match the filters.")
    matrix = matrix.reindex(sorted(matrix.columns), axis=1)
    classes = matrix.apply(lambda col: col.map(_level_class))
    shown = matrix.copy()
    titles = [competency_name(c, scenarios) for c in matrix.columns]
    shown.columns, classes.columns = titles, titles
    shown.index.name = classes.index.name = None
    table = styled(shown, classes=classes, formatter="{:.0f}", css="rp-matrix")
    assessed = matrix.notna().sum().sum()
    mean = matrix.stack().mean() if assessed else float("nan")
    return (
        level_legend(data.rules)
        + table
        + f'<p class="rp-muted">{len(matrix)} trainees · {assessed} cells assessed of {matrix.size} · '
        f"mean level {num(mean, '{:.2f}')} · evidence: the {e(data.rules.get('evidence', 'latest'))} "
        "completed attempt per scenario (reviewer's score where reviewed)</p>"
    )


# ---------------------------------------------------------------- KPIs


KPI_COLUMNS = {
    "sessions": "sessions",
    "csat": "CSAT %",
    "fcr": "FCR %",
    "qa_score": "QA score",
    "pass_rate": "pass rate %",
    "aht": "AHT s",
}


def _kpi_table(data: reports.Data, by: str) -> str:
    table = reports.kpis(data, by=by)
    if table.empty:
        return empty()
    targets = data.rules.get("kpi_targets", {}) or {}
    shown = pd.DataFrame(index=table.index)
    classes = pd.DataFrame("", index=table.index, columns=[])
    for column, label in KPI_COLUMNS.items():
        if column not in table:
            continue
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


def kpis_html(data: reports.Data) -> str:
    """KPIs per team and per trainee against the targets of the rules file (met ✓ green, not ✗ red)."""
    if data.sessions.empty:
        return empty()
    targets = {k: v for k, v in (data.rules.get("kpi_targets", {}) or {}).items() if v is not None}
    legend = " · ".join(f"{e(KPI_COLUMNS.get(k, k))} {'≤' if k == 'aht' else '≥'} {v:g}" for k, v in targets.items())
    return (
        f'<p class="rp-muted">Targets (the rules file): {legend}. Completed sessions only; '
        "reviewed sessions count with the reviewer's pass/fail.</p>"
        f"<h4>Per team</h4>{_kpi_table(data, 'team')}<h4>Per trainee</h4>{_kpi_table(data, 'trainee')}"
    )


# ---------------------------------------------------------------- progress


def progress_html(data: reports.Data, scenarios: dict[str, Scenario] | None = None) -> str:
    """Per trainee × scenario a sparkline of the (effective) score over the attempts."""
    scenarios = scenarios or {}
    done = reports.progress(data)
    if done.empty:
        return empty("No completed sessions match the filters.")
    done = done.sort_values(["started_at"], kind="stable")
    ids = sorted(done["scenario_id"].unique())
    head = "".join(f'<th class="rp-left">{e(scenario_title(scenarios, s))}</th>' for s in ids)
    rows = []
    for trainee, mine in done.groupby("trainee", sort=True):
        cells = []
        for sid in ids:
            attempts = mine[mine["scenario_id"] == sid]
            if attempts.empty:
                cells.append(f'<td class="rp-left rp-muted">{NA}</td>')
                continue
            s = scenarios.get(sid)
            scores = attempts["score"].tolist()
            label = (
                f"{trainee} — {scenario_title(scenarios, sid)}: "
                + ", ".join(num(v, "{:.0f}") for v in scores)
                + (f" (pass mark {s.pass_mark:g})" if s is not None else "")
            )
            spark = sparkline(
                scores, attempts["passed"].tolist(), pass_mark=s.pass_mark if s is not None else None, label=label
            )
            cells.append(f'<td class="rp-left rp-nowrap">{spark} <span class="rp-muted">×{len(attempts)}</span></td>')
        rows.append(f'<tr><th class="rp-left">{e(trainee)}</th>{"".join(cells)}</tr>')
    return (
        '<p class="rp-muted">Score of each completed attempt, oldest to latest (dots: green passed, red failed; '
        "dashed: the scenario's pass mark; the number is the latest score).</p>"
        f'<div class="rp-scroll"><table class="rp-table"><tr><th></th>{head}</tr>{"".join(rows)}</table></div>'
    )


# ---------------------------------------------------------------- first, best, latest


def first_best_latest_html(data: reports.Data, scenarios: dict[str, Scenario] | None = None) -> str:
    """Per trainee × scenario: first, best and latest score on a 0-100 line, and the improvement."""
    scenarios = scenarios or {}
    table = reports.first_best_latest(data)
    if table.empty:
        return empty("No completed sessions match the filters.")
    rows = []
    spans = table.groupby(level=0, sort=False).size()
    for (trainee, sid), row in table.iterrows():
        change = row["improvement"]
        name = ""
        if rows == [] or table.index[len(rows) - 1][0] != trainee:
            name = f'<td class="rp-left" rowspan="{int(spans[trainee])}"><b>{e(trainee)}</b></td>'

        css = "rp-up" if change > 0 else "rp-down" if change < 0 else "rp-muted"
        arrow = "▲" if change > 0 else "▼" if change < 0 else "="
        rows.append(
            f'<tr>{name}<td class="rp-left">{e(scenario_title(scenarios, sid))}</td>'
            f"<td>{int(row['attempts'])}</td><td>{num(row['first'])}</td><td>{num(row['best'])}</td>"
            f'<td>{num(row["latest"])}</td><td class="{css}">{arrow} {num(change, "{:+.1f}")}</td>'
            f"<td>{dumbbell(row['first'], row['best'], row['latest'])}</td></tr>"
        )
    better = int((table["improvement"] > 0).sum())
    worse = int((table["improvement"] < 0).sum())
    return (
        f'<p class="rp-muted">○ first · ◆ best · ● latest attempt on a 0–100 line. {better} improved, '
        f"{worse} went down, {len(table) - better - worse} unchanged.</p>"
        '<div class="rp-scroll"><table class="rp-table"><tr><th class="rp-left">trainee</th>'
        '<th class="rp-left">scenario</th><th>attempts</th><th>first</th><th>best</th><th>latest</th>'
        f'<th>improvement</th><th class="rp-left">first → latest</th></tr>{"".join(rows)}</table></div>'
    )


# ---------------------------------------------------------------- certification


def _titled(text: str, names: dict[str, str]) -> str:
    """Competency ids in a sentence of the analysis replaced by their titles (lower case)."""
    return re.sub(r"[a-z_]+", lambda m: names[m.group(0)].lower() if m.group(0) in names else m.group(0), text)


def certification_html(data: reports.Data, scenarios: dict[str, Scenario] | None = None) -> str:
    """Each trainee's career grade with what stands between them and the next one."""
    table = reports.certification(data)
    if table.empty:
        return empty("No completed, scored sessions match the filters.")
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
            f"for <b>{e(nxt)}</b>: {e(_titled(r['to_next_grade'], names))}"
            if nxt and r["to_next_grade"]
            else ("top grade" if not nxt else NA)
        )
        rows.append(
            f'<tr><td class="rp-left">{e(trainee)}</td><td class="rp-left">{badge(r["grade"])}</td>'
            f"<td>{int(r['assessed'])}</td><td>{num(r['mean_level'], '{:.2f}')}</td>"
            f'<td class="rp-text">{need}</td></tr>'
        )
    return (
        f'<p>{summary}</p><div class="rp-scroll"><table class="rp-table"><tr><th class="rp-left">trainee</th>'
        '<th class="rp-left">grade</th><th>competencies assessed</th><th>mean level</th>'
        f'<th class="rp-left">missing for the next grade</th></tr>{"".join(rows)}</table></div>'
    )


# ---------------------------------------------------------------- self-assessment


def self_html(data: reports.Data) -> str:
    """Per trainee: self-assessed overall score against the effective score, and the gap."""
    table = reports.self_vs_auto(data)
    if table.empty:
        return empty("No self-assessments in the selection.")

    def pair(own: float, score: float, width: int = 160) -> str:
        def x(v: float) -> float:
            return round(4 + (width - 8) * max(0.0, min(100.0, v)) / 100, 1)

        return (
            f'<svg class="rp-selfbar" width="{width}" height="16" viewBox="0 0 {width} 16" role="img" '
            f'aria-label="self {own:.0f}, score {score:.0f}"><line x1="4" y1="8" x2="{width - 4}" y2="8" '
            f'stroke="#e0e0e0"/><line x1="{x(score)}" y1="8" x2="{x(own)}" y2="8" stroke="#f9a825" '
            f'stroke-width="3"/><circle cx="{x(score)}" cy="8" r="4" fill="#1976d2"/>'
            f'<circle cx="{x(own)}" cy="8" r="4" fill="#fff" stroke="#f9a825" stroke-width="2"/></svg>'
        )

    rows = "".join(
        f'<tr><td class="rp-left">{e(trainee)}</td><td>{int(r["assessed"])}</td><td>{num(r["self"])}</td>'
        f'<td>{num(r["score"])}</td><td class="{"rp-down" if r["gap"] > 10 else "rp-muted"}">'
        f"{num(r['gap'], '{:+.1f}')}</td><td>{pair(r['self'], r['score'])}</td></tr>"
        for trainee, r in table.sort_values("gap", ascending=False).iterrows()
    )
    mean = float(table["gap"].mean())
    top = table["gap"].idxmax()
    side = "above" if mean >= 0 else "below"
    return (
        f'<p class="rp-info">Trainees rate themselves <b>{abs(mean):.1f} points {side}</b> their score on average; '
        f"the widest gap is {e(top)}'s ({table.loc[top, 'gap']:+.1f}).</p>"
        '<p class="rp-muted">● score (reviewer\'s where reviewed) · ○ self-assessment</p>'
        '<div class="rp-scroll"><table class="rp-table"><tr><th class="rp-left">trainee</th><th>assessed</th>'
        f'<th>self</th><th>score</th><th>gap</th><th class="rp-left">score → self</th></tr>{rows}</table></div>'
    )
