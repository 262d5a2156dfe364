"""The review lab's pictures: hand-made SVG and CSS bars (no matplotlib). Labels are escaped."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..render import e
from .base import is_nan


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
            colour = "#9aa0a6" if ok is None or is_nan(ok) else ("#2e7d32" if bool(ok) else "#c62828")
            parts.append(f'<circle cx="{x}" cy="{y}" r="2.6" fill="{colour}"/>')
        parts.append(
            f'<text x="{width - right + 3}" y="{height / 2 + 4}" font-size="11" fill="#333">{values[-1]:.0f}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def dumbbell(first: float, best: float, latest: float, width: int = 170, height: int = 18) -> str:
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


def sharebar(share: float, best: bool) -> str:
    width = max(0.0, min(100.0, float(share)))
    return f'<span class="rp-sharebar{" rp-best" if best else ""}"><span style="width:{width:.0f}%"></span></span>'
