"""The scaling curve as a plain SVG document: log-log panels, one point per measurement, the fitted line.

Written as text (no plotting library: the suite must run in the project's venv as it is), sorted
and rounded so that the same figures give the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from benchmarks.stats import PowerFit

PANEL_W, PANEL_H = 360, 260
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 64, 16, 40, 48
FONT = 'font-family="sans-serif" font-size="11"'


@dataclass(frozen=True, slots=True, kw_only=True)
class Series:
    """One panel: what is measured, its unit, the (x, y) points and the power law fitted to them."""

    title: str
    unit: str
    points: tuple[tuple[float, float], ...]
    fit: PowerFit | None = None


def _decades(low: float, high: float) -> tuple[float, float]:
    """The powers of ten around ``low`` and ``high`` (log scale bounds)."""
    return math.floor(math.log10(low)), math.ceil(math.log10(high))


def _ticks(lo_exp: float, hi_exp: float) -> list[float]:
    """1, 2, 5 times each power of ten in range: enough labels on a short log axis."""
    ticks = []
    for exp in range(int(lo_exp), int(hi_exp) + 1):
        ticks += [m * 10.0**exp for m in (1, 2, 5) if lo_exp <= math.log10(m * 10.0**exp) <= hi_exp]
    return ticks


def _label(value: float) -> str:
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def _panel(series: Series, left: float, x_label: str) -> list[str]:
    xs = [p[0] for p in series.points]
    ys = [p[1] for p in series.points]
    x0, x1 = _decades(min(xs), max(xs))
    y0, y1 = _decades(min(ys), max(ys))
    if y1 == y0:
        y1 += 1
    plot_w = PANEL_W - MARGIN_L - MARGIN_R
    plot_h = PANEL_H - MARGIN_T - MARGIN_B
    top = MARGIN_T

    xpad, ypad = (x1 - x0) * 0.04, (y1 - y0) * 0.04  # keep points off the frame

    def px(x: float) -> float:
        return left + MARGIN_L + (math.log10(x) - x0 + xpad) / (x1 - x0 + 2 * xpad) * plot_w

    def py(y: float) -> float:
        return top + plot_h - (math.log10(y) - y0 + ypad) / (y1 - y0 + 2 * ypad) * plot_h

    out = [
        f'<rect x="{left + MARGIN_L}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#888"/>',
        f'<text x="{left + PANEL_W / 2:.1f}" y="20" text-anchor="middle" {FONT} font-weight="bold">'
        f"{escape(series.title)} ({escape(series.unit)}, log-log)</text>",
        f'<text x="{left + MARGIN_L + plot_w / 2:.1f}" y="{PANEL_H - 10}" text-anchor="middle" {FONT}>'
        f"{escape(x_label)}</text>",
    ]
    for t in _ticks(x0, x1):
        out.append(f'<line x1="{px(t):.1f}" y1="{top}" x2="{px(t):.1f}" y2="{top + plot_h}" stroke="#eee"/>')
        out.append(f'<text x="{px(t):.1f}" y="{top + plot_h + 14}" text-anchor="middle" {FONT}>{_label(t)}</text>')
    for t in _ticks(y0, y1):
        out.append(f'<line x1="{left + MARGIN_L}" y1="{py(t):.1f}" x2="{left + MARGIN_L + plot_w}" y2="{py(t):.1f}" '
                   'stroke="#eee"/>')
        out.append(f'<text x="{left + MARGIN_L - 4}" y="{py(t) + 4:.1f}" text-anchor="end" {FONT}>{_label(t)}</text>')
    if series.fit is not None:
        fit = series.fit
        a, b = min(xs), max(xs)
        out.append(f'<line x1="{px(a):.1f}" y1="{py(fit.predict(a)):.1f}" x2="{px(b):.1f}" '
                   f'y2="{py(fit.predict(b)):.1f}" stroke="#c33" stroke-dasharray="5,4"/>')
        out.append(f'<text x="{left + MARGIN_L + 6}" y="{top + 14}" {FONT} fill="#c33">'
                   f"fit: exponent {fit.exponent:.2f} (r² {fit.r2:.3f})</text>")
    for x, y in sorted(series.points):
        title = escape(f"{x:,.0f}: {y:.3g} {series.unit}")
        out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="4" fill="#246"><title>{title}</title></circle>')
    return out


def scaling_svg(panels: Sequence[Series], *, x_label: str, caption: str = "") -> str:
    """An SVG document with one log-log panel per series, side by side."""
    width, height = PANEL_W * len(panels), PANEL_H + (18 if caption else 0)
    body = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    for i, series in enumerate(panels):
        body += _panel(series, i * PANEL_W, x_label)
    if caption:
        body.append(f'<text x="8" y="{height - 6}" {FONT} fill="#555">{escape(caption)}</text>')
    body.append("</svg>")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + "\n".join(body) + "\n"

