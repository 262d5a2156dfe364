"""The review lab's pictures: hand-made SVG and CSS bars (no matplotlib). Labels are escaped."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..render import e
from .base import is_nan, review_words


def sparkline(
    scores: Iterable[float],
    passed: Iterable[Any] = (),
    *,
    pass_mark: float | None = None,
    label: str = "",
    width: int = 150,
    height: int = 38,
) -> str:
    """A small SVG line of scores 0-100 over attempts: dots green passed / red failed, pass mark dashed.

    Args:
        scores: the scores, oldest first.
        passed: each attempt's verdict (True, False, or None/NaN when unknown: a grey dot).
        pass_mark: drawn as a dashed line when given.
        label: what a screen reader says (escaped).
        width: in pixels.
        height: in pixels.

    Returns:
        An ``<svg class="rp-spark">`` element.
    """
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
            colour = "#9aa0a6" if ok is None or is_nan(ok) else ("#2e7d32" if bool(ok) else "#c62828")
            parts.append(f'<circle cx="{x}" cy="{y}" r="2.6" fill="{colour}"/>')
        parts.append(
            f'<text x="{width - right + 3}" y="{height / 2 + 4}" font-size="11" fill="#333">{values[-1]:.0f}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def dumbbell(first: float, best: float, latest: float, width: int = 170, height: int = 18, *, lang: str = "en") -> str:
    """first ○ → latest ● on a 0-100 line (green up, red down), best ◆ behind them."""

    def x(v: float) -> float:
        return round(7 + (width - 14) * max(0.0, min(100.0, v)) / 100, 1)

    colour = "#2e7d32" if latest > first else "#c62828" if latest < first else "#9aa0a6"
    label = review_words(lang)["dumbbell_label"].format(
        first=f"{first:.0f}", best=f"{best:.0f}", latest=f"{latest:.0f}"
    )
    return (
        f'<svg class="rp-dumbbell" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{e(label)}">'
        f'<line x1="7" y1="9" x2="{width - 7}" y2="9" stroke="#e0e0e0"/>'
        f'<path d="M{x(best)} 2 l5 7 l-5 7 l-5 -7 z" fill="#f9a825"/>'
        f'<line x1="{x(first)}" y1="9" x2="{x(latest)}" y2="9" stroke="{colour}" stroke-width="3"/>'
        f'<circle cx="{x(first)}" cy="9" r="4" fill="#fff" stroke="#555"/>'
        f'<circle cx="{x(latest)}" cy="9" r="3.5" fill="{colour}"/></svg>'
    )


def selfbar(own: float, score: float, width: int = 160, *, lang: str = "en") -> str:
    """The score ● and the self-assessment ○ on a 0-100 line, the gap between them in amber."""

    def x(v: float) -> float:
        return round(4 + (width - 8) * max(0.0, min(100.0, v)) / 100, 1)

    label = review_words(lang)["selfbar_label"].format(own=f"{own:.0f}", score=f"{score:.0f}")
    return (
        f'<svg class="rp-selfbar" width="{width}" height="16" viewBox="0 0 {width} 16" role="img" '
        f'aria-label="{e(label)}"><line x1="4" y1="8" x2="{width - 4}" y2="8" '
        f'stroke="#e0e0e0"/><line x1="{x(score)}" y1="8" x2="{x(own)}" y2="8" stroke="#f9a825" '
        f'stroke-width="3"/><circle cx="{x(score)}" cy="8" r="4" fill="#1976d2"/>'
        f'<circle cx="{x(own)}" cy="8" r="4" fill="#fff" stroke="#f9a825" stroke-width="2"/></svg>'
    )


def sharebar(share: float, best: bool) -> str:
    """A bar of a share 0-100 % (green when the option was the best reply)."""
    width = max(0.0, min(100.0, float(share)))
    return f'<span class="rp-sharebar{" rp-best" if best else ""}"><span style="width:{width:.0f}%"></span></span>'
