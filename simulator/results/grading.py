"""The assessment rules in plain Python: levels, grades and the rules file, without pandas.

``simulator/results/assessment.yaml`` (or the copy ``$ROLEPLAY_RULES`` names) says how a competency
score becomes a level and levels become a grade. The reviewer's reports (``reports``, pandas) and
a trainee's own progress (``progress``, plain Python in the practice kernel) both apply the rules
through this module, so they agree.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .. import settings

__all__ = ["grade_for", "grade_gaps", "level_of", "load_rules", "mastery_score"]


def load_rules(path: Path | str | None = None) -> dict[str, Any]:
    """The level, grade and KPI rules.

    Args:
        path: a rules file; None: ``$ROLEPLAY_RULES``, else the lab's defaults
            (simulator/results/assessment.yaml — copy it, edit it, and point $ROLEPLAY_RULES at the copy).

    Returns:
        The rules, ``levels`` highest first.
    """
    import yaml

    path = settings.assessment_rules_file(path)
    rules = yaml.safe_load(path.read_text(encoding="utf-8"))
    rules["levels"] = sorted(rules["levels"], key=lambda r: -r["min"])
    return rules


def level_of(score: float | None, rules: Mapping[str, Any]) -> float:
    """The level (0-3) a competency score reaches.

    Args:
        score: 0-100; None or NaN: not assessed.
        rules: the rules (``load_rules``).

    Returns:
        The level as a float; NaN when not assessed.
    """
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return math.nan
    for rule in rules["levels"]:
        if score >= rule["min"]:
            return float(rule["level"])
    return 0.0


def mastery_score(rules: Mapping[str, Any]) -> float:
    """The score of the highest level: a scenario whose best score reaches it is mastered.

    Args:
        rules: the rules.

    Returns:
        The threshold, 0-100.
    """
    return float(max(rule["min"] for rule in rules["levels"]))


def grade_gaps(levels: Mapping[str, float], grade: Mapping[str, Any], name: Callable[[str], str] = str) -> list[str]:
    """What stands between assessed levels and a grade.

    Args:
        levels: competency -> level, the assessed competencies only.
        grade: one grade of the rules.
        name: how a competency is named in the words (default: its id).

    Returns:
        The unmet requirements in words (empty: the grade is met).
    """
    gaps = []
    need = grade.get("min_competencies", 0)
    if len(levels) < need:
        gaps.append(f"{need - len(levels)} more competencies assessed")
    floor = grade.get("all_at_least")
    if floor is not None:
        low = sorted(name(c) for c, level in levels.items() if level < floor)
        if low:
            gaps.append(f"level {floor} in {', '.join(low)}")
    at_least = grade.get("at_least")
    if at_least:
        have = sum(1 for level in levels.values() if level >= at_least["level"])
        if have < at_least["count"]:
            gaps.append(f"{at_least['count'] - have} more at level {at_least['level']}")
    return gaps


def grade_for(
    levels: Mapping[str, float], rules: Mapping[str, Any], name: Callable[[str], str] = str
) -> tuple[str, str]:
    """The grade assessed levels earn, checked from the top, and what the next one needs.

    Args:
        levels: competency -> level, the assessed competencies only.
        rules: the rules.
        name: how a competency is named in the words (default: its id).

    Returns:
        (grade, what stands between it and the next grade; empty at the top).
    """
    grades = rules["grades"]
    for i, grade in enumerate(grades):
        if not grade_gaps(levels, grade):
            return grade["grade"], "; ".join(grade_gaps(levels, grades[i - 1], name)) if i > 0 else ""
    return grades[-1]["grade"], ""
