"""The reviewer's analysis: pandas views over the results store.

Definitions (also in docs/assessment.md; the editable rules are in simulator/results/assessment.yaml):
- **Effective score**: where a reviewer scored a session, the latest review's score is the one
  reports use (overall, per competency, and pass/fail); otherwise the automatic one.
- **Competency score of a trainee**: per scenario the evidence attempt (``evidence``: the latest
  completed attempt by default), its effective competency score; averaged over the scenarios
  that assess the competency. **Level** 0-3 by the ``levels`` thresholds; not assessed → NaN.
  A session assesses a competency when it came to a decision point that assesses it (a reply
  there changed it, in any session of the scenario version) or a reviewer scored it: a
  competency the conversation never reached is not assessed there, not 0.
- **CSAT %**: share of completed conversations whose CSAT (1-5, from the customer's final mood)
  is 4 or 5. **FCR %**: share of completed conversations resolved on first contact.
  **QA score**: mean share of replies that were the best available. **AHT**: mean handle time (s).
- **Agreement** between reviewer and automatic result per scenario: pass/fail agreement,
  Cohen's kappa on pass/fail, Pearson correlation of the overall scores.
- **Stale session**: one still ``in_progress`` whose last activity (its last reply, else its
  start) is older than ``STALE_AFTER`` (30 min): its page is gone. Reports count it as
  ``abandoned`` (``stale`` is True), never as in progress; the store itself is not changed.

Import cost matters only here: the trainee's app never imports this module.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import settings
from . import grading
from .store import STALE_AFTER, Store, open_store

__all__ = [
    "STALE_AFTER",
    "Data",
    "agreement",
    "certification",
    "competency_matrix",
    "competency_scores",
    "first_best_latest",
    "item_analysis",
    "kpis",
    "load",
    "load_rules",
    "not_understood",
    "progress",
    "select",
    "self_vs_auto",
    "transcript",
]

RULES_FILE = settings.DEFAULT_ASSESSMENT_RULES


def load_rules(path: Path | str | None = None) -> dict[str, Any]:
    """The level, grade and KPI rules: the file given, else $ROLEPLAY_RULES, else the lab's defaults
    (simulator/results/assessment.yaml — copy it, edit it, and point $ROLEPLAY_RULES at the copy)."""
    return grading.load_rules(path)


@dataclass(frozen=True)
class Data:
    """The store's tables as DataFrames (one row per session / turn / review / score)."""

    sessions: pd.DataFrame
    turns: pd.DataFrame
    scores: pd.DataFrame  # long: session_id, competency, auto, reviewed, score
    reviews: pd.DataFrame
    self_assessments: pd.DataFrame
    rules: dict[str, Any]


# The columns the analysis reads: not the debriefs, customer lines and feedback texts.
SESSION_COLUMNS = (
    "id", "trainee", "scenario_id", "scenario_version", "scenario_hash", "language", "seed", "attempt", "mode",
    "status", "started_at", "ended_at", "outcome", "ending", "score", "passed", "final_mood", "handle_time",
    "competency_scores", "csat", "fcr", "qa_score", "sla",
)  # fmt: skip
TURN_COLUMNS = (
    "session_id", "idx", "node", "reply", "kind", "option_index", "confidence", "understood", "was_best",
    "best_option_index", "mood_before", "mood_after", "latency", "proposed", "confirmed", "corrected_from",
    "scores",
)  # fmt: skip


def load(
    store: Store | str | None = None, rules: dict[str, Any] | None = None, *, stale_after: float = STALE_AFTER
) -> Data:
    """Read a store (a Store, a path or a database URL) into DataFrames.

    A path or URL is opened for reading: a store that is not there is a ``StoreError``, never
    made. Sessions in progress silent for more than ``stale_after`` seconds count as abandoned.
    """
    opened = None if isinstance(store, Store) else open_store(store, create=False)
    source = store if opened is None else opened
    try:
        frames = source.frames({"sessions": SESSION_COLUMNS, "turns": TURN_COLUMNS, "trainees": ("trainee", "team")})
        stale = source.stale_sessions(stale_after)
    finally:
        if opened is not None:
            opened.close()
    return build(
        frames["sessions"],
        frames["turns"],
        frames["reviews"],
        frames["self_assessments"],
        frames["trainees"],
        rules or load_rules(),
        stale=stale,
    )


def build(sessions, turns, reviews, selfs, teams, rules, stale=()) -> Data:
    """The report data from the store's frames; the ``stale`` sessions' status is ``abandoned``."""
    sessions = sessions.assign(stale=sessions["id"].isin(set(stale)))
    sessions.loc[sessions["stale"], "status"] = "abandoned"
    sessions = sessions.merge(teams, on="trainee", how="left")
    sessions["team"] = sessions["team"].fillna("(no team)")
    for column in ("started_at", "ended_at"):
        sessions[column] = pd.to_datetime(sessions[column], utc=True, format="ISO8601")
    for column in ("passed", "fcr"):
        sessions[column] = sessions[column].astype("boolean")
    sessions = sessions.rename(columns={"score": "auto_score", "passed": "auto_passed"})
    latest = reviews.drop_duplicates("session_id", keep="last").set_index("session_id")
    sessions["reviewed"] = sessions["id"].isin(latest.index)
    sessions["review_score"] = sessions["id"].map(latest["overall"]) if len(latest) else np.nan
    review_passed = sessions["id"].map(latest["passed"]) if len(latest) else pd.Series(pd.NA, index=sessions.index)
    sessions["score"] = sessions["review_score"].where(sessions["reviewed"], sessions["auto_score"])
    sessions["passed"] = review_passed.astype("boolean").where(sessions["reviewed"], sessions["auto_passed"])
    sessions = sessions.sort_values(["started_at", "id"], kind="stable").reset_index(drop=True)

    done = sessions[sessions["status"] == "completed"]
    rows = []
    review_scores = (
        {sid: json.loads(s) if isinstance(s, str) else s for sid, s in latest["scores"].items()} if len(latest) else {}
    )
    reached, with_turns = _reached(turns, sessions)
    turns = turns.drop(columns=["scores"], errors="ignore")
    for sid, blob in zip(done["id"], done["competency_scores"], strict=True):
        if not isinstance(blob, str):
            continue
        reviewed = review_scores.get(sid, {})
        known = sid in with_turns  # a session without turns kept: every competency counts as assessed
        for competency, auto in json.loads(blob).items():
            review = reviewed.get(competency, np.nan)
            if known and (sid, competency) not in reached and pd.isna(review):
                continue  # never reached, not reviewed: not assessed in this session
            rows.append((sid, competency, float(auto), review))
    scores = pd.DataFrame(rows, columns=["session_id", "competency", "auto", "reviewed"])
    scores["score"] = scores["reviewed"].fillna(scores["auto"])
    sessions = sessions.drop(columns=["competency_scores"])

    if len(turns):
        turns = turns.merge(
            sessions[["id", "trainee", "team", "scenario_id", "scenario_version", "started_at"]],
            left_on="session_id",
            right_on="id",
            how="left",
        ).drop(columns=["id"])
        for column in ("understood", "was_best"):
            turns[column] = turns[column].astype(bool)
        _did_you_mean(turns)
    reviews = reviews.assign(scores=reviews["scores"].map(json.loads)) if len(reviews) else reviews
    selfs = selfs.assign(scores=selfs["scores"].map(json.loads)) if len(selfs) else selfs
    return Data(sessions, turns, scores, reviews, selfs, rules)


def _reached(turns: pd.DataFrame, sessions: pd.DataFrame) -> tuple[set[tuple[str, str]], set[str]]:
    """Which competencies each session's conversation reached, and which sessions have turns at all.

    A decision point assesses a competency when a reply there (any trainee's, the same scenario
    version) changed it; a session reached the competencies of the decision points it came to.
    So a trainee who chose the reply worth 0 where another earned points is assessed (at 0),
    while a competency only later decision points assess is not, when the call ended before them.
    """
    if "scores" not in turns or turns.empty:
        return set(), set()
    # Vectorised: each distinct scores text is parsed once; then, per competency, which decision
    # points changed it (any turn there) and which sessions came to one of those points.
    blob_code, blobs = pd.factorize(turns["scores"])  # a missing text: -1
    changed = [{c for c, v in json.loads(blob).items() if v} if isinstance(blob, str) else set() for blob in blobs]
    session_code, session_ids = pd.factorize(turns["session_id"])
    versions = sessions.set_index("id")[["scenario_id", "scenario_version"]].reindex(session_ids)
    scenario_code, _ = pd.factorize(
        versions["scenario_id"].astype(str) + "\0" + versions["scenario_version"].astype(str)
    )
    node_code, nodes = pd.factorize(turns["node"])
    point = scenario_code[session_code].astype(np.int64) * max(len(nodes), 1) + node_code
    point_code, points = pd.factorize(point)
    pairs: set[tuple[str, str]] = set()
    for competency in sorted(set().union(*changed)):
        has = np.array([competency in c for c in changed] + [False])[blob_code]  # index -1: the False
        at_point = np.bincount(point_code, weights=has, minlength=len(points)) > 0
        came = np.bincount(session_code, weights=at_point[point_code], minlength=len(session_ids)) > 0
        pairs.update((sid, competency) for sid in session_ids[came])
    return pairs, set(session_ids)


def select(data: Data, *, team=None, trainee=None, scenario=None, since=None, until=None) -> Data:
    """The data of some teams, trainees, scenarios (a name or a list each) and a date range."""
    keep = pd.Series(True, index=data.sessions.index)
    for column, wanted in (("team", team), ("trainee", trainee), ("scenario_id", scenario)):
        if wanted:
            keep &= data.sessions[column].isin([wanted] if isinstance(wanted, str) else list(wanted))
    if since is not None:
        keep &= data.sessions["started_at"] >= pd.Timestamp(since, tz="UTC")
    if until is not None:
        keep &= data.sessions["started_at"] < pd.Timestamp(until, tz="UTC") + pd.Timedelta(days=1)
    sessions = data.sessions[keep]
    ids = set(sessions["id"])
    part = lambda df, col: df[df[col].isin(ids)] if len(df) else df  # noqa: E731
    return replace(
        data,
        sessions=sessions,
        turns=part(data.turns, "session_id"),
        scores=part(data.scores, "session_id"),
        reviews=part(data.reviews, "session_id"),
        self_assessments=part(data.self_assessments, "session_id"),
    )


# ------------------------------------------------------------------ competencies


def _evidence(data: Data) -> pd.DataFrame:
    """Per trainee × scenario × competency, the score the evidence rule picks."""
    done = data.sessions[data.sessions["status"] == "completed"][["id", "trainee", "scenario_id", "started_at"]]
    scored = data.scores.merge(done, left_on="session_id", right_on="id")
    keys = ["trainee", "scenario_id", "competency"]
    rule = data.rules.get("evidence", "latest")
    if rule == "best":
        return scored.groupby(keys, as_index=False)["score"].max()
    if rule == "mean":
        return scored.groupby(keys, as_index=False)["score"].mean()
    return scored.sort_values("started_at").groupby(keys, as_index=False).last()[[*keys, "score"]]


def competency_scores(data: Data) -> pd.DataFrame:
    """Trainees × competencies: the mean evidence score 0-100 (NaN: not assessed)."""
    evidence = _evidence(data)
    if evidence.empty:
        return pd.DataFrame(index=pd.Index([], name="trainee"))
    table = evidence.groupby(["trainee", "competency"])["score"].mean().unstack("competency")
    return table.round(1)


def level_of(score: float, rules: dict[str, Any]) -> float:
    return grading.level_of(score, rules)


def competency_matrix(data: Data) -> pd.DataFrame:
    """Trainees × competencies: level 0-3 (NaN where the competency was not assessed)."""
    scores = competency_scores(data)
    return scores.apply(lambda col: col.map(lambda v: level_of(v, data.rules)))


def certification(data: Data) -> pd.DataFrame:
    """Each trainee's grade by the rules, with what stands between them and the next one."""
    matrix = competency_matrix(data)
    rows = []
    for trainee, levels in matrix.iterrows():
        assessed = levels.dropna()
        earned, missing_next = grading.grade_for(assessed.to_dict(), data.rules)
        rows.append(
            {
                "trainee": trainee,
                "grade": earned,
                "assessed": len(assessed),
                "mean_level": round(float(assessed.mean()), 2) if len(assessed) else np.nan,
                "to_next_grade": missing_next,
            }
        )
    return pd.DataFrame(rows, columns=["trainee", "grade", "assessed", "mean_level", "to_next_grade"]).set_index(
        "trainee"
    )


# ------------------------------------------------------------------ KPIs and progress


def kpis(data: Data, by: str = "trainee") -> pd.DataFrame:
    """KPIs per trainee or team (``by``) against the targets of the rules file.

    Columns: sessions, csat (%), fcr (%), qa_score, aht (s), pass_rate (%), and for each KPI
    with a target, ``<kpi>_target`` and ``<kpi>_met``.
    """
    done = data.sessions[data.sessions["status"] == "completed"]
    if done.empty:
        return pd.DataFrame(columns=["sessions", "csat", "fcr", "qa_score", "aht", "pass_rate"])
    grouped = done.groupby(by)
    table = pd.DataFrame(
        {
            "sessions": grouped.size(),
            "csat": grouped["csat"].apply(lambda s: 100.0 * (s >= 4).mean()),
            "fcr": grouped["fcr"].apply(lambda s: 100.0 * s.astype(float).mean()),
            "qa_score": grouped["qa_score"].mean(),
            "aht": grouped["handle_time"].mean(),
            "pass_rate": grouped["passed"].apply(lambda s: 100.0 * s.astype(float).mean()),
        }
    ).round(1)
    for kpi, target in data.rules.get("kpi_targets", {}).items():
        if target is None or kpi not in table:
            continue
        table[f"{kpi}_target"] = float(target)
        table[f"{kpi}_met"] = table[kpi] <= target if kpi == "aht" else table[kpi] >= target
    return table


def progress(data: Data) -> pd.DataFrame:
    """Every completed attempt: trainee, scenario, attempt, date, effective score, passed."""
    done = data.sessions[data.sessions["status"] == "completed"]
    return done[
        ["trainee", "team", "scenario_id", "attempt", "started_at", "score", "auto_score", "passed"]
    ].reset_index(drop=True)


def first_best_latest(data: Data) -> pd.DataFrame:
    """Per trainee × scenario: attempts, first, best and latest score, and the improvement."""
    done = progress(data).sort_values("started_at", kind="stable")
    grouped = done.groupby(["trainee", "scenario_id"])["score"]
    table = pd.DataFrame(
        {"attempts": grouped.size(), "first": grouped.first(), "best": grouped.max(), "latest": grouped.last()}
    )
    table["improvement"] = table["latest"] - table["first"]
    return table


def _did_you_mean(turns: pd.DataFrame) -> None:
    """The turns' did-you-mean facts, typed in place: ``proposed`` a list of 0-based options (empty for
    none), ``confirmed`` a bool, ``corrected_from`` a float (NaN for none); ``clarified`` and ``corrected``
    as bools. Frames of a store without those columns (a hand-built frame) get them empty."""
    if "proposed" not in turns:
        turns["proposed"] = None
    if "confirmed" not in turns:
        turns["confirmed"] = False
    if "corrected_from" not in turns:
        turns["corrected_from"] = np.nan
    turns["proposed"] = [json.loads(p) if isinstance(p, str) and p else [] for p in turns["proposed"]]
    turns["confirmed"] = turns["confirmed"].fillna(False).astype(bool)
    turns["corrected_from"] = pd.to_numeric(turns["corrected_from"], errors="coerce")
    turns["clarified"] = turns["proposed"].map(bool)
    turns["corrected"] = turns["corrected_from"].notna()


# ------------------------------------------------------------------ item analysis


def item_analysis(data: Data, scenarios: dict | None = None) -> pd.DataFrame:
    """Per scenario version, node and option: how often chosen, how often the best, the mood it costs.

    Versions are kept apart. With ``scenarios`` (id → Scenario) the option's text is added for
    the version that is loaded now. For typed replies: ``proposed`` (how often the option was
    offered as "Did you mean …?"), ``confirmed`` (chosen by confirming it), ``corrected`` (chosen by
    "that's not what I meant", after the reply had been taken for another option), and, per node,
    ``not_understood``.
    """
    turns = data.turns
    if turns.empty:
        return pd.DataFrame()
    answered = turns[turns["understood"]]
    keys = ["scenario_id", "scenario_version", "node"]
    grouped = answered.groupby([*keys, "option_index"])
    table = pd.DataFrame(
        {
            "chosen": grouped.size(),
            "best_share": grouped["was_best"].mean().mul(100).round(1),
            "mood_change": (grouped["mood_after"].mean() - grouped["mood_before"].mean()).round(1),
            "mean_latency": grouped["latency"].mean().round(1),
            "confirmed": grouped["confirmed"].sum().astype(int),
            "corrected": grouped["corrected"].sum().astype(int),
        }
    ).reset_index()
    per_node = table.groupby(keys)["chosen"].transform("sum")
    table["share"] = (100.0 * table["chosen"] / per_node).round(1)
    offered = turns.loc[turns["clarified"], [*keys, "proposed"]].explode("proposed")
    times = (
        offered.assign(option_index=offered["proposed"].astype(float)).groupby([*keys, "option_index"]).size()
        if len(offered)
        else pd.Series(dtype=int)
    )
    # An option proposed but never chosen has a row too (chosen 0).
    table = table.merge(
        times.rename("proposed").reset_index() if len(times) else pd.DataFrame(columns=[*keys, "option_index"]),
        on=[*keys, "option_index"],
        how="outer" if len(times) else "left",
    )
    for column in ("chosen", "share", "confirmed", "corrected", "proposed"):
        if column not in table:
            table[column] = 0
        table[column] = table[column].fillna(0)
    for column in ("chosen", "confirmed", "corrected", "proposed"):
        table[column] = table[column].astype(int)
    table["option"] = table["option_index"].astype(int) + 1
    table = table.sort_values([*keys, "option"], kind="stable").reset_index(drop=True)
    nu = turns[~turns["understood"]].groupby(keys).size().rename("not_understood")
    table = table.merge(nu, left_on=keys, right_index=True, how="left")
    table["not_understood"] = table["not_understood"].fillna(0).astype(int)
    if scenarios:

        def text(row):
            s = scenarios.get(row["scenario_id"])
            if s is None or s.version != row["scenario_version"] or row["node"] not in s.nodes:
                return ""
            options, index = s.nodes[row["node"]].options, int(row["option_index"])
            return options[index].text if index < len(options) else ""

        table["text"] = table.apply(text, axis=1)
    return table.drop(columns=["option_index"])[
        [
            *keys,
            "option",
            *(["text"] if scenarios else []),
            "chosen",
            "share",
            "best_share",
            "mood_change",
            "mean_latency",
            "proposed",
            "confirmed",
            "corrected",
            "not_understood",
        ]
    ]


def not_understood(data: Data) -> pd.DataFrame:
    """Typed replies the lab was not sure of or got wrong, by scenario version, node and reply, the most missed first.

    Columns: ``times`` (not understood), ``proposed`` (the options offered as "Did you mean …?", 1-based,
    as text: "1, 2"; empty when none were), ``confirmed`` (times one of them was confirmed) and
    ``corrected`` (times the trainee said "that's not what I meant"). A reply that was only ever
    understood without doubt is not listed.
    """
    columns = ["scenario_id", "scenario_version", "node", "reply", "times", "proposed", "confirmed", "corrected"]
    turns = data.turns
    if turns.empty:
        return pd.DataFrame(columns=columns)
    missed = turns[turns["kind"].eq("text") & (~turns["understood"] | turns["clarified"] | turns["corrected"])]
    missed = missed.assign(
        missed=~missed["understood"], offered=missed["proposed"].map(lambda p: ", ".join(str(i + 1) for i in p))
    )
    grouped = missed.groupby(["scenario_id", "scenario_version", "node", "reply"])
    table = pd.DataFrame(
        {
            "times": grouped["missed"].sum().astype(int),
            "proposed": grouped["offered"].agg(lambda o: next((x for x in reversed(o.tolist()) if x), "")),
            "confirmed": grouped["confirmed"].sum().astype(int),
            "corrected": grouped["corrected"].sum().astype(int),
        }
    ).reset_index()
    order = table["times"] + table["corrected"]
    table = table.assign(_order=order).sort_values(
        ["_order", "times", "scenario_id"], ascending=[False, False, True], kind="stable"
    )
    return table.drop(columns=["_order"])[columns]


# ------------------------------------------------------------------ reviews


def cohen_kappa(a, b) -> float:
    """Cohen's kappa of two raters' yes/no decisions (NaN when chance agreement is total)."""
    a, b = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    if len(a) == 0:
        return float("nan")
    observed = float((a == b).mean())
    chance = float(a.mean() * b.mean() + (1 - a.mean()) * (1 - b.mean()))
    return float("nan") if chance == 1.0 else (observed - chance) / (1.0 - chance)


def agreement(data: Data) -> pd.DataFrame:
    """Per scenario: how well the automatic result agrees with reviewers'."""
    reviewed = data.sessions[data.sessions["reviewed"]]
    rows = []
    for scenario, group in reviewed.groupby("scenario_id"):
        auto, review = group["auto_passed"].astype(bool), group["passed"].astype(bool)
        r = group["auto_score"].corr(group["review_score"]) if len(group) > 1 else float("nan")
        rows.append(
            {
                "scenario_id": scenario,
                "reviewed": len(group),
                "pass_agreement": round(100.0 * float((auto == review).mean()), 1),
                "kappa": round(cohen_kappa(auto, review), 3),
                "score_correlation": round(float(r), 3) if not math.isnan(r) else float("nan"),
                "mean_difference": round(float((group["review_score"] - group["auto_score"]).mean()), 1),
            }
        )
    columns = ["scenario_id", "reviewed", "pass_agreement", "kappa", "score_correlation", "mean_difference"]
    return pd.DataFrame(rows, columns=columns).set_index("scenario_id")


def self_vs_auto(data: Data) -> pd.DataFrame:
    """Per trainee: how their self-assessment compares with the effective score."""
    if data.self_assessments.empty:
        return pd.DataFrame(columns=["assessed", "self", "score", "gap"])
    joined = data.self_assessments.merge(data.sessions[["id", "trainee", "score"]], left_on="session_id", right_on="id")
    grouped = joined.groupby("trainee")
    table = pd.DataFrame(
        {"assessed": grouped.size(), "self": grouped["overall"].mean(), "score": grouped["score"].mean()}
    )
    table["gap"] = table["self"] - table["score"]
    return table.round(1)


def transcript(data: Data, session_id: str) -> pd.DataFrame:
    """One session's replies in order (texts as stored: escape before showing them as HTML)."""
    turns = data.turns[data.turns["session_id"] == session_id].sort_values("idx")
    return turns[
        ["idx", "node", "reply", "kind", "understood", "was_best", "mood_before", "mood_after", "latency"]
    ].reset_index(drop=True)
