"""What every review view uses: the stylesheet, the words, numbers, titles, an empty selection and
escaped pandas tables."""

from __future__ import annotations

import logging
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ...core.competencies import competency_title
from ...core.scenario import Scenario
from ..common import Guard, stylesheet
from ..render import e
from ..text import words

NA = "–"  # an unassessed cell, a missing number
log = logging.getLogger("simulator.ui.review")

CSS = stylesheet("review")  # the <style> block every view's HTML starts with


def review_words(lang: str | None) -> dict[str, str]:
    """The review lab's words in ``lang`` (English when the lab does not speak it)."""
    return words(lang, "review")


def guard(out: widgets.HTML, lang: str | None) -> Guard:
    """Safe callbacks for the review lab's widgets: a failure is said in ``out`` and logged once."""
    w = review_words(lang)
    return Guard(out, lambda _exc, _action: f'<p class="rp-view-error">{w["error"]}</p>', name="review lab", log=log)


def grouped(n: int, w: dict[str, str]) -> str:
    """A count with its thousands grouped as the language groups them (1,234 or 1 234)."""
    return f"{n:,}".replace(",", w["thousands"])


def empty(text: str) -> str:
    """A note that there is nothing to show (``text`` is escaped)."""
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
