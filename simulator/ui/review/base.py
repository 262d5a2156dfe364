"""Small helpers of the review views: numbers, titles, an empty selection, escaped pandas tables."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...core.competencies import competency_title
from ...core.scenario import Scenario
from ..common import stylesheet
from ..render import e

NA = "–"  # an unassessed cell, a missing number
CSS = stylesheet("review")  # the <style> block every view's HTML starts with


def empty(text: str = "No sessions match the filters.") -> str:
    return f'<p class="rp-empty">{e(text)}</p>'


def num(value: Any, fmt: str = "{:.1f}") -> str:
    try:
        if value is None or pd.isna(value):
            return NA
    except (TypeError, ValueError):
        return e(value)
    return fmt.format(value)


def is_nan(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def scenario_title(scenarios: dict[str, Scenario], scenario_id: str) -> str:
    s = scenarios.get(scenario_id)
    return s.title if s is not None else scenario_id


def competency_name(competency: str, scenarios: dict[str, Scenario] | None = None) -> str:
    for s in (scenarios or {}).values():
        if competency in s.competencies:
            return s.competency_title(competency)
    return competency_title(competency)


def styled(
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
