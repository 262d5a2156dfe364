"""The reviewer's lab: filters, pictures and a review form over the results store.

``notebooks/review.ipynb`` shows these widgets; its cells stay short. ``ReviewLab`` loads
the store with ``simulator.results.reports``, offers filters (``lab.filters``: teams, trainees,
scenarios, a date range) and re-renders every view (``lab.views``) when one changes:
competency matrix, KPIs against targets, progress, first/best/latest, item analysis,
not-understood replies, certification, reviewer agreement and self-assessment. The session
viewer shows one session's transcript and debrief with the automatic and the reviewer's
scores side by side; its form records a review (``Store.add_review``) and refreshes it all.

Every text from a trainee, a reviewer or a scenario is escaped: pandas Styler tables use
``format(escape="html")`` and ``format_index(escape="html")``; the rest goes through
``render.e``. The pictures are CSS and hand-made SVG (no matplotlib).
"""

from __future__ import annotations

import atexit
import json
import logging
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import ipywidgets as widgets
import pandas as pd

from .. import settings
from ..core.competencies import competency_title
from ..core.scenario import Scenario
from ..errors import LabError
from ..loading.loader import load_library
from ..results import reports
from ..results.store import Store, open_store
from .common import classed as _classed
from .common import stylesheet
from .render import e

__all__ = [
    "CSS",
    "VIEWS",
    "Filters",
    "ReviewForm",
    "ReviewLab",
    "ReviewStore",
    "SessionViewer",
    "agreement_html",
    "certification_html",
    "first_best_latest_html",
    "items_html",
    "kpis_html",
    "matrix_html",
    "not_understood_html",
    "open_review_store",
    "progress_html",
    "self_html",
    "session_html",
    "sparkline",
]

log = logging.getLogger("simulator.ui.review")

NA = "–"  # an unassessed cell, a missing number
KAPPA_TRUST = 0.4  # docs/assessment.md: below this the automatic pass/fail needs a reviewer
MIN_REVIEWED = 5  # fewer reviewed sessions than this: too few to judge agreement
MAX_PICKER = 400  # sessions offered by the session viewer (the latest of the filter)
LABEL = {"description_width": "150px"}  # the review form's labels line up
LEVEL_NAMES = {0: "not yet", 1: "needs support", 2: "independent", 3: "can teach it"}
CSS = stylesheet("review")  # the <style> block every view starts with


# ---------------------------------------------------------------- the store to review


def _session_count(store: Store) -> int:
    return store.count_sessions()


class ReviewStore(NamedTuple):
    store: Store
    note: str  # HTML: which store this is
    demo: bool  # True: demo data made in a temporary folder


def open_review_store(
    location: str | None = None,
    *,
    scenarios: dict[str, Scenario] | None = None,
    demo: bool = False,
    trainees: int = 12,
    sessions: int = 250,
    seed: int = 7,
) -> ReviewStore:
    """The store to review, a note (HTML) saying which it is, and whether it is demo data.

    ``location``, else ``$ROLEPLAY_STORE``. When neither names a store, or it holds no
    sessions, or ``demo`` is true, a demo store is made in a temporary folder by
    ``simulator.results.demo.generate`` (simulated trainees playing the real engine) and the note
    says so.
    """
    location = location or settings.named_store()
    if demo:
        why = "You asked for demo data"
    elif location:
        store = open_store(location)
        count = _session_count(store)
        if count:
            return ReviewStore(
                store,
                f'<div class="rp-info">Reviewing <b>{count:,}</b> sessions from the results store '
                f"<code>{e(store.location)}</code>.</div>",
                False,
            )
        store.close()
        why = f"The results store <code>{e(location)}</code> has no sessions yet"
    else:
        why = "No results store is named (set <code>ROLEPLAY_STORE</code>)"
    from ..results.demo import generate

    folder = tempfile.mkdtemp(prefix="roleplay-review-demo-")
    atexit.register(shutil.rmtree, folder, True)
    store = open_store(str(Path(folder) / "demo.sqlite"))
    if scenarios is None:
        scenarios, _problems = load_library(settings.scenarios_dir())
    summary = generate(store, list(scenarios.values()), trainees=trainees, sessions=sessions, seed=seed)
    note = (
        f'<div class="rp-note"><b>Demo data.</b> {why}, so this lab shows a demo store made just now in '
        f"<code>{e(folder)}</code>: {summary.trainees} simulated trainees played {summary.sessions:,} "
        f"sessions ({summary.completed:,} completed, {summary.reviews} reviewed) through the real engine. "
        "Set <code>ROLEPLAY_STORE</code> to a store with results to review real trainees.</div>"
    )
    return ReviewStore(store, note, True)


# ---------------------------------------------------------------- small helpers


def _empty(text: str = "No sessions match the filters.") -> str:
    return f'<p class="rp-empty">{e(text)}</p>'


def _num(value: Any, fmt: str = "{:.1f}") -> str:
    try:
        if value is None or pd.isna(value):
            return NA
    except (TypeError, ValueError):
        return e(value)
    return fmt.format(value)


def _is_nan(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _title(scenarios: dict[str, Scenario], scenario_id: str) -> str:
    s = scenarios.get(scenario_id)
    return s.title if s is not None else scenario_id


def _comp_title(competency: str, scenarios: dict[str, Scenario] | None = None) -> str:
    for s in (scenarios or {}).values():
        if competency in s.competencies:
            return s.competency_title(competency)
    return competency_title(competency)


def _styled(
    frame: pd.DataFrame,
    *,
    classes: pd.DataFrame | None = None,
    formatter: Any = None,
    precision: int = 1,
    hide_index: bool = False,
    css: str = "",
) -> str:
    """A Styler table with every value and label escaped and our own CSS classes."""
    styler = frame.style.format(formatter, precision=precision, na_rep=NA, escape="html")
    styler = styler.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    styler = styler.set_table_attributes(f'class="{" ".join(["rp-table", *css.split()])}"')
    if classes is not None:
        styler = styler.set_td_classes(classes)
    if hide_index:
        styler = styler.hide(axis="index")
    html = styler.to_html()
    return f'<div class="rp-scroll">{html}</div>'


# ---------------------------------------------------------------- the competency matrix


def _level_class(level: Any) -> str:
    return "rp-lv rp-lv-na" if _is_nan(level) else f"rp-lv rp-lv-{int(level)}"


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
        return _empty("No completed, scored sessions match the filters.")
    matrix = matrix.reindex(sorted(matrix.columns), axis=1)
    classes = matrix.apply(lambda col: col.map(_level_class))
    shown = matrix.copy()
    titles = [_comp_title(c, scenarios) for c in matrix.columns]
    shown.columns, classes.columns = titles, titles
    shown.index.name = classes.index.name = None
    table = _styled(shown, classes=classes, formatter="{:.0f}", css="rp-matrix")
    assessed = matrix.notna().sum().sum()
    mean = matrix.stack().mean() if assessed else float("nan")
    return (
        level_legend(data.rules)
        + table
        + f'<p class="rp-muted">{len(matrix)} trainees · {assessed} cells assessed of {matrix.size} · '
        f"mean level {_num(mean, '{:.2f}')} · evidence: the {e(data.rules.get('evidence', 'latest'))} "
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
        return _empty()
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
                f"{_num(v)} {'✓' if m else '✗'}" if k else NA for v, m, k in zip(table[column], met, known, strict=True)
            ]
            classes[label] = [("rp-met" if m else "rp-unmet") if k else "" for m, k in zip(met, known, strict=True)]
        else:
            fmt = "{:.0f}" if column in ("sessions", "aht") else "{:.1f}"
            shown[label] = [_num(v, fmt) for v in table[column]]
            classes[label] = ""
    shown.index.name = classes.index.name = None
    return _styled(shown, classes=classes)


def kpis_html(data: reports.Data) -> str:
    """KPIs per team and per trainee against the targets of the rules file (met ✓ green, not ✗ red)."""
    if data.sessions.empty:
        return _empty()
    targets = {k: v for k, v in (data.rules.get("kpi_targets", {}) or {}).items() if v is not None}
    legend = " · ".join(f"{e(KPI_COLUMNS.get(k, k))} {'≤' if k == 'aht' else '≥'} {v:g}" for k, v in targets.items())
    return (
        f'<p class="rp-muted">Targets (the rules file): {legend}. Completed sessions only; '
        "reviewed sessions count with the reviewer's pass/fail.</p>"
        f"<h4>Per team</h4>{_kpi_table(data, 'team')}<h4>Per trainee</h4>{_kpi_table(data, 'trainee')}"
    )


# ---------------------------------------------------------------- progress


def sparkline(
    scores: Iterable[float],
    passed: Iterable[Any] = (),
    *,
    pass_mark: float | None = None,
    label: str = "",
    width: int = 150,
    height: int = 38,
) -> str:
    """A small SVG line of scores 0-100 over attempts: dots green passed / red failed, pass mark dashed."""
    values = [float(v) for v in scores]
    verdicts = list(passed) + [None] * len(values)
    pad, right = 4, 30
    inner_w, inner_h = width - pad - right, height - 2 * pad

    def xy(i: int, v: float) -> tuple[float, float]:
        x = pad + (inner_w * i / (len(values) - 1) if len(values) > 1 else inner_w / 2)
        y = pad + inner_h * (1 - max(0.0, min(100.0, v)) / 100)
        return round(x, 1), round(y, 1)

    parts = [
        f'<svg class="rp-spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{e(label)}"><title>{e(label)}</title>',
        f'<rect x="{pad}" y="{pad}" width="{inner_w}" height="{inner_h}" fill="#f6f7f9"/>',
    ]
    if pass_mark is not None:
        y = xy(0, pass_mark)[1]
        parts.append(
            f'<line x1="{pad}" y1="{y}" x2="{pad + inner_w}" y2="{y}" stroke="#9aa0a6" stroke-dasharray="3 2"/>'
        )
    if values:
        points = " ".join(f"{x},{y}" for x, y in (xy(i, v) for i, v in enumerate(values)))
        parts.append(f'<polyline points="{points}" fill="none" stroke="#1976d2" stroke-width="1.6"/>')
        for i, v in enumerate(values):
            x, y = xy(i, v)
            ok = verdicts[i]
            colour = "#9aa0a6" if ok is None or _is_nan(ok) else ("#2e7d32" if bool(ok) else "#c62828")
            parts.append(f'<circle cx="{x}" cy="{y}" r="2.6" fill="{colour}"/>')
        parts.append(
            f'<text x="{width - right + 3}" y="{height / 2 + 4}" font-size="11" fill="#333">{values[-1]:.0f}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def progress_html(data: reports.Data, scenarios: dict[str, Scenario] | None = None) -> str:
    """Per trainee × scenario a sparkline of the (effective) score over the attempts."""
    scenarios = scenarios or {}
    done = reports.progress(data)
    if done.empty:
        return _empty("No completed sessions match the filters.")
    done = done.sort_values(["started_at"], kind="stable")
    ids = sorted(done["scenario_id"].unique())
    head = "".join(f'<th class="rp-left">{e(_title(scenarios, s))}</th>' for s in ids)
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
                f"{trainee} — {_title(scenarios, sid)}: "
                + ", ".join(_num(v, "{:.0f}") for v in scores)
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


def _dumbbell(first: float, best: float, latest: float, width: int = 170, height: int = 18) -> str:
    """first ○ → latest ● on a 0-100 line (green up, red down), best ◆ behind them."""

    def x(v: float) -> float:
        return round(7 + (width - 14) * max(0.0, min(100.0, v)) / 100, 1)

    colour = "#2e7d32" if latest > first else "#c62828" if latest < first else "#9aa0a6"
    return (
        f'<svg class="rp-dumbbell" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="first {first:.0f}, best {best:.0f}, latest {latest:.0f}">'
        f'<line x1="7" y1="9" x2="{width - 7}" y2="9" stroke="#e0e0e0"/>'
        f'<path d="M{x(best)} 2 l5 7 l-5 7 l-5 -7 z" fill="#f9a825"/>'
        f'<line x1="{x(first)}" y1="9" x2="{x(latest)}" y2="9" stroke="{colour}" stroke-width="3"/>'
        f'<circle cx="{x(first)}" cy="9" r="4" fill="#fff" stroke="#555"/>'
        f'<circle cx="{x(latest)}" cy="9" r="3.5" fill="{colour}"/></svg>'
    )


def first_best_latest_html(data: reports.Data, scenarios: dict[str, Scenario] | None = None) -> str:
    """Per trainee × scenario: first, best and latest score on a 0-100 line, and the improvement."""
    scenarios = scenarios or {}
    table = reports.first_best_latest(data)
    if table.empty:
        return _empty("No completed sessions match the filters.")
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
            f'<tr>{name}<td class="rp-left">{e(_title(scenarios, sid))}</td>'
            f"<td>{int(row['attempts'])}</td><td>{_num(row['first'])}</td><td>{_num(row['best'])}</td>"
            f'<td>{_num(row["latest"])}</td><td class="{css}">{arrow} {_num(change, "{:+.1f}")}</td>'
            f"<td>{_dumbbell(row['first'], row['best'], row['latest'])}</td></tr>"
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


# ---------------------------------------------------------------- item analysis


def _sharebar(share: float, best: bool) -> str:
    width = max(0.0, min(100.0, float(share)))
    return f'<span class="rp-sharebar{" rp-best" if best else ""}"><span style="width:{width:.0f}%"></span></span>'


def items_html(data: reports.Data, scenarios: dict[str, Scenario] | None = None) -> str:
    """Per scenario decision point: how the options were chosen, which was best, the mood each cost."""
    scenarios = scenarios or {}
    items = reports.item_analysis(data, scenarios)
    if items.empty:
        return _empty("No answered turns match the filters.")
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
            f'<details class="rp-scenario-items"{" open" if n == 0 else ""}><summary>{e(_title(scenarios, sid))} '
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
                        f'<td class="rp-left">{_sharebar(r["share"], best)}{_num(r["share"])}%</td>'
                        f"<td>{int(r['chosen'])}</td>"
                        f"<td>{'<span class=rp-star>★</span> ' if best else ''}{_num(r['best_share'], '{:.0f}')}%</td>"
                        f'<td class="{mood_css}">{_num(mood, "{:+.1f}")}</td></tr>'
                    )
                else:
                    text = options[number - 1].text if number <= len(options) else ""
                    lines.append(
                        f'<tr class="rp-muted"><td class="rp-left">{int(number)}</td><td class="rp-text">{e(text)}</td>'
                        f'<td class="rp-left">{_sharebar(0, False)}0%</td><td>0</td><td>{NA}</td><td>{NA}</td></tr>'
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
        return _empty("Every typed reply in the selection was understood.")
    rows = "".join(
        f'<tr><td class="rp-left">{e(_title(scenarios, r.scenario_id))} '
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


# ---------------------------------------------------------------- certification


def _titled(text: str, names: dict[str, str]) -> str:
    """Competency ids in a sentence of the analysis replaced by their titles (lower case)."""
    return re.sub(r"[a-z_]+", lambda m: names[m.group(0)].lower() if m.group(0) in names else m.group(0), text)


def certification_html(data: reports.Data, scenarios: dict[str, Scenario] | None = None) -> str:
    """Each trainee's career grade with what stands between them and the next one."""
    table = reports.certification(data)
    if table.empty:
        return _empty("No completed, scored sessions match the filters.")
    grades = [g["grade"] for g in data.rules["grades"]]  # top first
    rank = {g: len(grades) - 1 - i for i, g in enumerate(grades)}  # 0: the entry grade

    def badge(grade: str) -> str:
        return f'<span class="rp-grade rp-grade-{min(3, rank.get(grade, 0))}">{e(grade)}</span>'

    names = {c: _comp_title(c, scenarios) for c in data.scores["competency"].unique()} if len(data.scores) else {}
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
            f"<td>{int(r['assessed'])}</td><td>{_num(r['mean_level'], '{:.2f}')}</td>"
            f'<td class="rp-text">{need}</td></tr>'
        )
    return (
        f'<p>{summary}</p><div class="rp-scroll"><table class="rp-table"><tr><th class="rp-left">trainee</th>'
        '<th class="rp-left">grade</th><th>competencies assessed</th><th>mean level</th>'
        f'<th class="rp-left">missing for the next grade</th></tr>{"".join(rows)}</table></div>'
    )


# ---------------------------------------------------------------- agreement and self-assessment


def trust_sentence(table: pd.DataFrame, scenarios: dict[str, Scenario] | None = None) -> str:
    """Where automatic pass/fail can and cannot be trusted, in a sentence (κ < 0.4: not without review)."""
    scenarios = scenarios or {}
    if table.empty:
        return '<p class="rp-info">No session in the selection has been reviewed, so agreement is unknown.</p>'
    untrusted, unknown, trusted = [], [], []
    for sid, r in table.iterrows():
        name = e(_title(scenarios, sid))
        if int(r["reviewed"]) < MIN_REVIEWED:
            unknown.append(f"{name} (only {int(r['reviewed'])} reviewed)")
        elif _is_nan(r["kappa"]):
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
        "" if not ok or _is_nan(k) else ("rp-met" if t else "rp-unmet")
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
    shown.index = [_title(scenarios, s) for s in table.index]
    classes.index = shown.index
    formatter = {
        "reviewed": "{:.0f}",
        "pass/fail agree %": "{:.1f}",
        "Cohen's κ": "{:.2f}",
        "score r": "{:.2f}",
        "reviewer − auto": "{:+.1f}",
    }
    return trust_sentence(table, scenarios) + _styled(shown, classes=classes, formatter=formatter)


def self_html(data: reports.Data) -> str:
    """Per trainee: self-assessed overall score against the effective score, and the gap."""
    table = reports.self_vs_auto(data)
    if table.empty:
        return _empty("No self-assessments in the selection.")

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
        f'<tr><td class="rp-left">{e(trainee)}</td><td>{int(r["assessed"])}</td><td>{_num(r["self"])}</td>'
        f'<td>{_num(r["score"])}</td><td class="{"rp-down" if r["gap"] > 10 else "rp-muted"}">'
        f"{_num(r['gap'], '{:+.1f}')}</td><td>{pair(r['self'], r['score'])}</td></tr>"
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


# ---------------------------------------------------------------- one session


def _verdict(passed: Any) -> str:
    if passed is None or _is_nan(passed):
        return NA
    return '<span class="rp-pass">pass</span>' if bool(passed) else '<span class="rp-fail">fail</span>'


def session_html(store: Store, session_id: str, scenarios: dict[str, Scenario] | None = None) -> str:
    """One session: who and what, automatic and reviewer's scores side by side, reviews, transcript, debrief."""
    scenarios = scenarios or {}
    row = store.session(session_id)
    if row is None:
        return _empty("No such session.")
    result = json.loads(row["result"]) if row.get("result") else None
    reviews = store.reviews(session_id)
    latest = reviews[-1] if reviews else None
    s = scenarios.get(row["scenario_id"])
    head = (
        f"<h4>{e(row['trainee'])} — {e(_title(scenarios, row['scenario_id']))} "
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
            f'<tr><td class="rp-left">{e(_comp_title(c, scenarios))}</td><td{used_auto}>{_num(auto.get(c))}</td>'
            f"<td{used_review}>{_num(mine.get(c))}</td></tr>"
            for c in sorted(set(auto) | set(mine))
        )
        pass_mark = (result or {}).get("pass_mark", s.pass_mark if s is not None else None)
        lines += (
            f'<tr><th class="rp-left">overall</th><td{used_auto}><b>{_num(row.get("score"))}</b></td>'
            f"<td{used_review}><b>{_num(latest['overall'] if latest else None)}</b></td></tr>"
            f'<tr><th class="rp-left">verdict</th><td{used_auto}>{_verdict(row.get("passed"))}</td>'
            f"<td{used_review}>{_verdict(latest['passed'] if latest else None)}</td></tr>"
        )
        used = f"the review by {e(latest['reviewer'])}" if latest else "the automatic result (not reviewed)"
        parts.append(
            '<table class="rp-table rp-side"><tr><th class="rp-left">competency</th><th>automatic</th>'
            f"<th>{who}</th></tr>{lines}</table>"
            f'<p class="rp-muted">Reports use {used}'
            + (f"; pass mark {_num(pass_mark, '{:g}')}" if pass_mark is not None else "")
            + ". The automatic result is kept.</p>"
        )
    if reviews:
        parts.append(
            "<h4>Reviews</h4>"
            + "".join(
                f'<div class="rp-comment"><b>{e(r["reviewer"])}</b> '
                f'<span class="rp-muted">{e(str(r["created_at"])[:16].replace("T", " "))} · '
                f"overall {_num(r['overall'])} · </span>{_verdict(r['passed'])}"
                + (f"<br>{e(r['comment'])}" if r["comment"] else "")
                + "</div>"
                for r in reviews
            )
        )
    if result is not None:
        k = result.get("kpis", {})
        parts.append(
            f'<p class="rp-muted">CSAT {e(k.get("csat", NA))}/5 · FCR {"yes" if k.get("fcr") else "no"} · '
            f"QA {_num(k.get('qa_score'), '{:g}')}% · SLA {_num(k.get('sla'), '{:g}')}% · "
            f"handle time {_num(k.get('handle_time'), '{:.0f}')} s · final mood {e(result.get('final_mood', NA))}</p>"
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
        + (f'<div class="rp-transcript-view">{"".join(chat)}</div>' if chat else _empty("No replies."))
    )
    return "".join(parts)


# ---------------------------------------------------------------- widgets


class Filters(widgets.VBox):
    """Teams, trainees and scenarios (multi-selects; nothing selected = all) and a date range."""

    def __init__(self, data: reports.Data, scenarios: dict[str, Scenario]):
        super().__init__()
        self.add_class("rp-filters")
        self.data = data
        self.scenarios = scenarios
        rows = {"rows": 6, "layout": widgets.Layout(width="auto", min_width="200px")}
        self.team = _classed(widgets.SelectMultiple(description="Team", **rows), "rp-filter-team")
        self.trainee = _classed(widgets.SelectMultiple(description="Trainee", **rows), "rp-filter-trainee")
        self.scenario = _classed(widgets.SelectMultiple(description="Scenario", **rows), "rp-filter-scenario")
        self.since = _classed(widgets.DatePicker(description="From"), "rp-filter-since")
        self.until = _classed(widgets.DatePicker(description="To"), "rp-filter-until")
        self.reset = _classed(widgets.Button(description="All data", icon="undo"), "rp-filter-reset")
        self.summary = _classed(widgets.HTML(""), "rp-filter-summary")
        self.reset.on_click(lambda _b: self.clear())
        self.team.observe(self._teams_changed, "value")
        self._listeners: list[Callable[[], None]] = []
        self._quiet = 0
        for w in (self.team, self.trainee, self.scenario, self.since, self.until):
            w.observe(self._changed, "value")
        self.set_data(data)
        self.children = [
            widgets.HBox([self.team, self.trainee, self.scenario], layout=widgets.Layout(flex_flow="row wrap")),
            widgets.HBox([self.since, self.until, self.reset], layout=widgets.Layout(flex_flow="row wrap")),
            self.summary,
        ]

    # options follow the data; a team narrows the trainees offered
    def set_data(self, data: reports.Data) -> None:
        self.data = data
        with self.quiet():
            s = data.sessions
            self._set_options(self.team, sorted(s["team"].dropna().unique()))
            ids = sorted(s["scenario_id"].unique())
            self._set_options(self.scenario, [(_title(self.scenarios, i), i) for i in ids])
            self._offer_trainees()

    def _offer_trainees(self) -> None:
        s = self.data.sessions
        if self.team.value:
            s = s[s["team"].isin(self.team.value)]
        self._set_options(self.trainee, sorted(s["trainee"].unique()))

    @staticmethod
    def _set_options(widget: widgets.SelectMultiple, options: list) -> None:
        keep = tuple(v for v in widget.value if v in {o[1] if isinstance(o, tuple) else o for o in options})
        if list(widget.options) != list(options):
            widget.value = ()
            widget.options = options
        widget.value = keep

    def _teams_changed(self, _change: dict) -> None:
        with self.quiet():
            self._offer_trainees()

    @contextmanager
    def quiet(self):
        """Change several filters and tell the listeners once, at the end."""
        before = self.selection()
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1
        if not self._quiet and self.selection() != before:
            self._notify()

    def _changed(self, _change: dict) -> None:
        if not self._quiet:
            self._notify()

    def _notify(self) -> None:
        for listener in self._listeners:
            listener()

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def clear(self) -> None:
        with self.quiet():
            for w in (self.team, self.trainee, self.scenario):
                w.value = ()
            self.since.value = self.until.value = None
            self._offer_trainees()

    def selection(self) -> dict[str, Any]:
        """Keyword arguments for ``reports.select``."""
        return {
            "team": list(self.team.value) or None,
            "trainee": list(self.trainee.value) or None,
            "scenario": list(self.scenario.value) or None,
            "since": self.since.value,
            "until": self.until.value,
        }


class ReviewForm(widgets.VBox):
    """A reviewer's scores for one session: per competency, overall, pass/fail and a comment."""

    def __init__(self, on_submit: Callable[[ReviewForm], None]):
        super().__init__()
        self.add_class("rp-review-form")
        self.session_id: str | None = None
        self.weights: dict[str, float] = {}
        self.pass_mark: float | None = None
        self.breached = False
        self.title = widgets.HTML("<h4>Your review</h4>")
        self.reviewer = _classed(
            widgets.Text(description="Reviewer", placeholder="your name", style=LABEL),
            "rp-reviewer",
        )
        self.scores: dict[str, widgets.IntSlider] = {}
        self.score_box = widgets.VBox([])
        self.overall = _classed(
            widgets.BoundedFloatText(min=0, max=100, step=0.1, description="Overall", style=LABEL),
            "rp-overall",
        )
        self.passed = _classed(
            widgets.ToggleButtons(options=[("pass", True), ("fail", False)], description="Verdict", style=LABEL),
            "rp-passed",
        )
        self.comment = _classed(
            widgets.Textarea(
                description="Comment",
                placeholder="what went well, what to practise",
                style=LABEL,
                layout=widgets.Layout(width="100%", max_width="640px", height="70px"),
            ),
            "rp-comment-input",
        )
        self.submit = _classed(
            widgets.Button(description="Save review", button_style="primary", icon="check"), "rp-submit"
        )
        self.status = _classed(widgets.HTML(""), "rp-form-status")
        self.submit.on_click(lambda _b: on_submit(self))
        self.children = [
            self.title,
            self.reviewer,
            self.score_box,
            self.overall,
            self.passed,
            self.comment,
            widgets.HBox([self.submit, self.status]),
        ]
        self.load(None)

    def load(self, session: dict[str, Any] | None, scenario: Scenario | None = None, review: dict | None = None):
        """Fill the form for a session: the latest review's scores, else the automatic ones."""
        self.session_id = session["id"] if session else None
        result = json.loads(session["result"]) if session and session.get("result") else {}
        auto = result.get("competency_scores", {})
        start = (review or {}).get("scores") or auto
        names = list(scenario.competencies) if scenario is not None else sorted(set(auto) | set(start))
        self.weights = {c: float(scenario.competencies[c].weight) if scenario else 1.0 for c in names}
        self.pass_mark = scenario.pass_mark if scenario is not None else result.get("pass_mark")
        self.breached = bool(result.get("breaches"))  # a critical breach fails whatever the score
        self.scores = {}
        for c in names:
            title = scenario.competency_title(c) if scenario is not None else competency_title(c)
            slider = widgets.IntSlider(
                value=round(float(start.get(c, 0) or 0)),
                min=0,
                max=100,
                description=title,
                style=LABEL,
                layout=widgets.Layout(width="520px"),
            )
            slider.add_class(f"rp-score-{c}")
            slider.observe(self._scores_changed, "value")
            self.scores[c] = slider
        self.score_box.children = list(self.scores.values())
        if review:
            self.overall.value = float(review["overall"])
            self.passed.value = bool(review["passed"])
        else:
            self._scores_changed(None)
        self.comment.value = ""
        self.status.value = ""
        for w in (self.submit, self.overall, self.passed, self.comment, self.reviewer):
            w.disabled = session is None
        if session is not None and session.get("status") != "completed":
            self.status.value = '<span class="rp-muted">This session was not finished; it can still be reviewed.</span>'

    def _scores_changed(self, _change: dict | None) -> None:
        """Overall follows the competency scores (weighted as the scenario weighs them) until edited."""
        total = sum(self.weights.values())
        if not self.scores or not total:
            return
        overall = sum(self.weights[c] * s.value for c, s in self.scores.items()) / total
        self.overall.value = round(overall, 1)
        if self.pass_mark is not None:
            self.passed.value = overall >= self.pass_mark and not self.breached

    def values(self) -> dict[str, Any]:
        return {
            "scores": {c: float(s.value) for c, s in self.scores.items()},
            "overall": float(self.overall.value),
            "passed": bool(self.passed.value),
            "comment": self.comment.value,
        }


class SessionViewer(widgets.VBox):
    """Pick a session → its transcript, debrief and scores; the review form below."""

    def __init__(self, lab: ReviewLab):
        super().__init__()
        self.add_class("rp-session-viewer")
        self.lab = lab
        self.picker = _classed(
            widgets.Dropdown(description="Session", layout=widgets.Layout(width="100%", max_width="820px")),
            "rp-session-picker",
        )
        self.reviewed_only = _classed(widgets.Checkbox(description="reviewed only", indent=False), "rp-reviewed-only")
        self.count = widgets.HTML("")
        self.view = _classed(widgets.HTML(""), "rp-review", "rp-view-session")
        self.form = ReviewForm(lab._submit)
        self.picker.observe(lambda _c: self.show(), "value")
        self.reviewed_only.observe(lambda _c: self.offer(lab.selected), "value")
        self.children = [
            widgets.HBox([self.picker, self.reviewed_only]),
            self.count,
            self.view,
            self.form,
        ]

    def offer(self, data: reports.Data) -> None:
        """The sessions of the filter (latest first) in the picker; the picked one stays if it can."""
        s = data.sessions
        if self.reviewed_only.value:
            s = s[s["reviewed"]]
        s = s.sort_values(["started_at", "id"], ascending=False, kind="stable")
        total = len(s)
        s = s.head(MAX_PICKER)
        options = []
        for r in s.itertuples(index=False):
            score = f"{r.score:.1f}" if not _is_nan(r.score) else r.status
            verdict = "" if _is_nan(r.passed) else (" ✓" if bool(r.passed) else " ✗")
            label = (
                f"{r.started_at:%Y-%m-%d %H:%M} · {r.trainee} · {_title(self.lab.scenarios, r.scenario_id)} "
                f"#{r.attempt} · {score}{verdict}{' · reviewed' if r.reviewed else ''}"
            )
            options.append((label, r.id))
        current = self.picker.value
        ids = [o[1] for o in options]
        with self.hold_trait_notifications():
            self.picker.options = options
            self.picker.value = current if current in ids else (ids[0] if ids else None)
        self.count.value = (
            f'<span class="rp-muted">{total:,} sessions match'
            + (f"; the latest {MAX_PICKER} are offered" if total > MAX_PICKER else "")
            + "</span>"
        )
        self.show()

    def show(self) -> None:
        sid = self.picker.value
        if sid is None:
            self.view.value = CSS + _empty()
            self.form.load(None)
            return
        lab = self.lab
        self.view.value = CSS + session_html(lab.store, sid, lab.scenarios)
        if self.form.session_id != sid:
            row = lab.store.session(sid)
            reviews = lab.store.reviews(sid)
            self.form.load(row, lab.scenarios.get(row["scenario_id"]), reviews[-1] if reviews else None)


VIEWS: dict[str, str] = {
    "matrix": "Competency matrix",
    "kpis": "KPIs against targets",
    "progress": "Progress over attempts",
    "first_best_latest": "First, best and latest attempt",
    "items": "Item analysis per decision point",
    "not_understood": "Typed replies the lab did not understand",
    "certification": "Certification grades",
    "agreement": "Reviewer agreement",
    "self": "Self-assessment against score",
}


MAX_TRAINEES_SHOWN = 100
PER_TRAINEE_VIEWS = frozenset({"matrix", "progress", "first_best_latest", "certification", "self"})


class ReviewLab:
    """The reviewer's lab over one results store: filters, views and the session viewer.

    ``lab.filters`` (a ``Filters``) re-renders every view on change; ``lab.views[name]`` are
    ``HTML`` widgets (names in ``VIEWS``); ``lab.viewer`` is the session viewer with its
    ``form``. ``lab.refresh()`` re-renders; ``lab.reload()`` re-reads the store first.
    """

    def __init__(
        self,
        store: Store | str | None = None,
        *,
        scenarios: dict[str, Scenario] | Path | str | None = None,
        rules: dict[str, Any] | None = None,
        note: str = "",
    ):
        if isinstance(scenarios, dict):
            self.scenarios = scenarios
        else:
            self.scenarios, problems = load_library(scenarios or settings.scenarios_dir())
            for problem in problems:
                log.warning("scenario not loaded: %s", problem)
        self.demo = False
        if store is None:
            store, note, self.demo = open_review_store(scenarios=self.scenarios)
        self.store = store if isinstance(store, Store) else open_store(store)
        self.rules = rules or reports.load_rules()
        self.data = reports.load(self.store, self.rules)
        self.selected = self.data
        self.note = _classed(widgets.HTML(CSS + note), "rp-review", "rp-note-widget")
        self.filters = Filters(self.data, self.scenarios)
        self.views = {name: _classed(widgets.HTML(""), "rp-review", f"rp-view-{name}") for name in VIEWS}
        self.errors: dict[str, str] = {}
        self.viewer = SessionViewer(self)
        self.filters.on_change(self.refresh)
        self.refresh()

    @classmethod
    def open(cls, location: str | None = None, *, demo: bool = False, **kwargs: Any) -> ReviewLab:
        """The lab over ``location`` / ``$ROLEPLAY_STORE``, or over demo data (``lab.demo``) when
        that holds no sessions or ``demo`` is true."""
        scenarios = kwargs.pop("scenarios", None)
        if not isinstance(scenarios, dict):
            scenarios, _problems = load_library(scenarios or settings.scenarios_dir())
        opened = open_review_store(location, scenarios=scenarios, demo=demo)
        lab = cls(opened.store, scenarios=scenarios, note=opened.note, **kwargs)
        lab.demo = opened.demo
        return lab

    # ------------------------------------------------------------------ what a cell displays

    @property
    def header(self) -> widgets.VBox:
        """The note about the store and the filters."""
        return _classed(widgets.VBox([self.note, self.filters]), "rp-header")

    def view(self, name: str) -> widgets.HTML:
        return self.views[name]

    def html(self) -> str:
        """Every view's HTML, for a report or a test."""
        return "".join(w.value for w in self.views.values()) + self.viewer.view.value

    # ------------------------------------------------------------------ updating

    def _render(self, name: str, data: reports.Data) -> str:
        renderers: dict[str, Callable[[], str]] = {
            "matrix": lambda: matrix_html(data, self.scenarios),
            "kpis": lambda: kpis_html(data),
            "progress": lambda: progress_html(data, self.scenarios),
            "first_best_latest": lambda: first_best_latest_html(data, self.scenarios),
            "items": lambda: items_html(data, self.scenarios),
            "not_understood": lambda: not_understood_html(data, self.scenarios),
            "certification": lambda: certification_html(data, self.scenarios),
            "agreement": lambda: agreement_html(data, self.scenarios),
            "self": lambda: self_html(data),
        }
        return renderers[name]()

    def refresh(self) -> None:
        """Apply the filters and re-render every view and the session picker."""
        data = reports.select(self.data, **self.filters.selection())
        self.selected = data
        self.errors = {}
        n, trainees = len(data.sessions), data.sessions["trainee"].nunique()
        summary = f"{n:,} of {len(self.data.sessions):,} sessions · {trainees} trainee{'' if trainees == 1 else 's'}"
        if n:
            first, last = data.sessions["started_at"].min(), data.sessions["started_at"].max()
            summary += f" · {first:%Y-%m-%d} to {last:%Y-%m-%d}"
        self.filters.summary.value = f'<span class="rp-muted">{summary}</span>'

        # Views with a row (or a chart) per trainee show the most recently active ones when there are
        # very many: a page with thousands of sparklines helps nobody and takes a browser down.
        few, note = data, ""
        if trainees > MAX_TRAINEES_SHOWN:
            latest = data.sessions.groupby("trainee")["started_at"].max().sort_values(ascending=False)
            few = reports.select(data, trainee=list(latest.index[:MAX_TRAINEES_SHOWN]))
            note = (
                f'<p class="rp-muted rp-capped">Showing the {MAX_TRAINEES_SHOWN} most recently active of '
                f"{trainees:,} trainees — filter by team or trainee to see the others.</p>"
            )
        for name in VIEWS:
            try:
                if not n:
                    body = _empty()
                elif name in PER_TRAINEE_VIEWS:
                    body = note + self._render(name, few)
                else:
                    body = self._render(name, data)
            except Exception as exc:  # one broken view must not take the others with it
                log.exception("review view %s failed", name)
                self.errors[name] = f"{type(exc).__name__}: {exc}"
                body = f'<p class="rp-view-error">This view failed: {e(self.errors[name])}</p>'
            self.views[name].value = CSS + body
        self.viewer.offer(data)

    def reload(self) -> None:
        """Read the store again (new sessions, new reviews), then refresh."""
        self.data = reports.load(self.store, self.rules)
        self.filters.set_data(self.data)
        self.refresh()

    def _submit(self, form: ReviewForm) -> None:
        sid = form.session_id
        if sid is None:
            form.status.value = '<span class="rp-fail">Pick a session first.</span>'
            return
        reviewer = form.reviewer.value.strip()
        if not reviewer:
            form.status.value = '<span class="rp-fail">Enter your name as the reviewer.</span>'
            return
        values = form.values()
        try:
            review_id = self.store.add_review(sid, reviewer, **values)
        except LabError as exc:
            form.status.value = f'<span class="rp-fail">Not saved: {e(exc)}</span>'
            return
        self.reload()
        form.load(
            self.store.session(sid),
            self.scenarios.get(self.store.session(sid)["scenario_id"]),
            self.store.reviews(sid)[-1],
        )
        verdict = "pass" if values["passed"] else "fail"
        form.status.value = (
            f'<span class="rp-pass">Saved review #{int(review_id)} by {e(reviewer)}: '
            f"{values['overall']:.1f}, {verdict}. Reports now use it.</span>"
        )
