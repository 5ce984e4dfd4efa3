"""Inline SVG charts of the HTML report: score bars, grouped bars, shares, stacked shares, a heat map.

Each chart takes plain numbers and labels (not an Audit), draws at a fixed width in user units
and scales with the page through its viewBox, so it prints as crisply as it shows. Labels are
text from the stack, escaped by :mod:`sovaudit.reports.html_markup`; long ones are shortened on
the drawing and given whole in a ``<title>`` tooltip.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sovaudit.reports.html_markup import Html, el

WIDTH = 1000
#: Fill colour of a level 0..4 (the weakest-link verdict), and of "not assessed".
LEVEL_COLOURS = ("#c0392b", "#e67e22", "#e3a21a", "#7cb342", "#2e7d32")
NOT_ASSESSED = "#a7b0ba"
#: Fill of a risk value 0 (best) .. 4 (worst) in the heat map: pale, so the number stays legible.
RISK_FILLS = ("#cfe8cf", "#e4f0bd", "#fbe3a0", "#f7b77f", "#ec7f74")
#: Strong colour of a risk value, for bars and graph nodes.
RISK_COLOURS = ("#2e7d32", "#7cb342", "#e3a21a", "#e67e22", "#c0392b")
UNASSESSED_FILL = "#e9ecef"
GRID = "#d0d7de"
INK = "#1f2328"
MUTED = "#59636e"


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(1, limit - 1)] + "…"


def fmt(value: float) -> str:
    """A score or share as the report writes it everywhere: at most one decimal, no trailing zero."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def svg(width: float, height: float, *children: object, label: str) -> Html:
    return el(
        "svg",
        el("title", label),
        *children,
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {width:g} {height:g}",
        width=f"{width:g}",
        height=f"{height:g}",
        role="img",
        aria_label=label,
        class_="chart",
        font_size="12",
    )


def text(x: float, y: float, content: str, *, anchor: str = "start", limit: int = 0, **attrs: object) -> Html:
    """A text label, shortened to ``limit`` characters (whole in its tooltip) when it is longer."""
    shown = shorten(content, limit) if limit else content
    tip = el("title", content) if shown != content else None
    return el("text", tip, shown, x=f"{x:g}", y=f"{y:g}", text_anchor=anchor if anchor != "start" else None, **attrs)


def rect(x: float, y: float, w: float, h: float, fill: str, **attrs: object) -> Html:
    return el("rect", x=f"{x:g}", y=f"{y:g}", width=f"{max(0.0, w):.1f}", height=f"{h:g}", fill=fill, **attrs)


@dataclass(frozen=True, slots=True, kw_only=True)
class Bar:
    label: str
    value: float | None  # 0..100; None: not assessed
    colour: str
    note: str = ""  # written after the value ("level 2")


def score_bars(bars: Sequence[Bar], *, label: str, thresholds: Sequence[float] = (25, 50, 75, 90)) -> Html:
    """Horizontal bars on a 0-100 scale, with the level thresholds drawn as a faint grid."""
    left, right, row = 230.0, 170.0, 30.0
    span = WIDTH - left - right
    height = 24 + row * len(bars) + 8
    parts: list[Html] = []
    for t in (0.0, *thresholds, 100.0):
        x = left + span * t / 100
        parts.append(el("line", x1=f"{x:g}", x2=f"{x:g}", y1="18", y2=f"{height - 6:g}", stroke=GRID))
        parts.append(text(x, 12, fmt(t), anchor="middle", fill=MUTED, font_size="10"))
    for i, bar in enumerate(bars):
        y = 24 + i * row
        parts.append(text(left - 10, y + 16, bar.label, anchor="end", limit=34, fill=INK))
        parts.append(rect(left, y + 3, span, row - 8, "#f3f5f8"))
        if bar.value is None:
            parts.append(text(left + 8, y + 16, "not assessed", fill=MUTED, font_style="italic"))
            continue
        parts.append(rect(left, y + 3, span * bar.value / 100, row - 8, bar.colour))
        value = fmt(bar.value) + (f"  ·  {bar.note}" if bar.note else "")
        parts.append(text(left + span + 10, y + 16, value, fill=INK, font_weight="600"))
    return svg(WIDTH, height, *parts, label=label)


@dataclass(frozen=True, slots=True, kw_only=True)
class Series:
    name: str
    colour: str
    values: tuple[float | None, ...]  # one per category, 0..100 or None


def grouped_bars(categories: Sequence[str], series: Sequence[Series], *, label: str) -> Html:
    """One group of horizontal bars per category, one bar per series (stack), with a legend."""
    left, right, bar_h, gap = 150.0, 70.0, 13.0, 14.0
    span = WIDTH - left - right
    group_h = bar_h * len(series) + gap
    legend_h = 26.0
    height = legend_h + 18 + group_h * len(categories)
    parts: list[Html] = []
    x = left
    for s in series:
        parts.append(rect(x, 4, 12, 12, s.colour))
        parts.append(text(x + 17, 14, s.name, limit=28, fill=INK))
        x += 40 + 7.2 * min(len(s.name), 28)
    top = legend_h + 14
    for t in (0, 25, 50, 75, 90, 100):
        gx = left + span * t / 100
        parts.append(el("line", x1=f"{gx:g}", x2=f"{gx:g}", y1=f"{top - 4:g}", y2=f"{height:g}", stroke=GRID))
        parts.append(text(gx, top - 8, str(t), anchor="middle", fill=MUTED, font_size="10"))
    for i, category in enumerate(categories):
        y0 = top + i * group_h
        parts.append(text(left - 10, y0 + bar_h * len(series) / 2 + 4, category, anchor="end", limit=22, fill=INK))
        for j, s in enumerate(series):
            y = y0 + j * bar_h
            value = s.values[i]
            if value is None:
                parts.append(text(left + 4, y + bar_h - 3, f"{s.name}: not assessed", fill=MUTED, font_size="10"))
                continue
            parts.append(rect(left, y + 1, span * value / 100, bar_h - 2, s.colour))
            parts.append(text(left + span * value / 100 + 4, y + bar_h - 3, fmt(value), fill=INK, font_size="10"))
    return svg(WIDTH, height, *parts, label=label)


def share_bars(items: Sequence[tuple[str, int]], total: int, *, label: str, colour: str, width: float = 480) -> Html:
    """The largest shares of a whole (suppliers of a layer): one bar each, with its percentage."""
    left, right, row = 190.0, 58.0, 20.0
    span = width - left - right
    height = max(1, len(items)) * row + 6
    parts: list[Html] = []
    if not items:
        parts.append(text(8, 16, "no supplier known", fill=MUTED, font_style="italic"))
    for i, (name, count) in enumerate(items):
        share = count / total if total else 0.0
        y = 3 + i * row
        parts.append(text(left - 8, y + 13, name, anchor="end", limit=26, fill=INK))
        parts.append(rect(left, y + 2, span, row - 6, "#f3f5f8"))
        parts.append(rect(left, y + 2, span * share, row - 6, colour))
        parts.append(text(left + span + 6, y + 13, f"{share:.0%}", fill=INK))
    return svg(width, height, *parts, label=label)


@dataclass(frozen=True, slots=True, kw_only=True)
class Segment:
    label: str
    count: int
    colour: str
    tip: str = ""


def stacked_shares(rows: Sequence[tuple[str, Sequence[Segment]]], *, label: str) -> Html:
    """One 100 % bar per row (a layer), split into segments; labels inside the segments that fit."""
    left, right, row = 120.0, 20.0, 32.0
    span = WIDTH - left - right
    height = len(rows) * row + 4
    parts: list[Html] = []
    for i, (name, segments) in enumerate(rows):
        y = 2 + i * row
        parts.append(text(left - 10, y + 19, name, anchor="end", fill=INK))
        total = sum(s.count for s in segments)
        if not total:
            parts.append(text(left + 6, y + 19, "no components", fill=MUTED, font_style="italic"))
            continue
        x = left
        for s in segments:
            w = span * s.count / total
            parts.append(el("g", el("title", s.tip or f"{s.label}: {s.count}"), rect(x, y + 4, w, row - 8, s.colour)))
            caption = f"{s.label} {s.count / total:.0%}"
            if w >= 7.0 * len(caption) + 8:
                dark = s.colour in (UNASSESSED_FILL, *RISK_FILLS)
                parts.append(text(x + 5, y + 20, caption, fill=INK if dark else "#ffffff", font_size="11"))
            x += w
    return svg(WIDTH, height, *parts, label=label)


@dataclass(frozen=True, slots=True, kw_only=True)
class HeatRow:
    label: str
    tip: str
    values: tuple[int | None, ...]


def heat_map(columns: Sequence[tuple[str, str]], rows: Sequence[HeatRow], *, label: str) -> Html:
    """Rows by risk dimensions; each cell holds its value (readable in black and white), '?' if unassessed."""
    left, cell_w, cell_h, head = 340.0, 92.0, 22.0, 40.0
    width = left + cell_w * len(columns) + 10
    height = head + cell_h * len(rows) + 4
    parts: list[Html] = []
    for j, (key, title) in enumerate(columns):
        cx = left + j * cell_w + cell_w / 2
        parts.append(text(cx, 16, key, anchor="middle", fill=INK, font_weight="700"))
        parts.append(text(cx, 32, title, anchor="middle", limit=14, fill=MUTED, font_size="10"))
    for i, row in enumerate(rows):
        y = head + i * cell_h
        parts.append(
            el("g", el("title", row.tip), text(left - 10, y + 15, row.label, anchor="end", limit=44, fill=INK))
        )
        for j, value in enumerate(row.values):
            x = left + j * cell_w
            fill = UNASSESSED_FILL if value is None else RISK_FILLS[value]
            parts.append(rect(x + 1, y + 1, cell_w - 2, cell_h - 2, fill))
            parts.append(
                text(
                    x + cell_w / 2,
                    y + 15,
                    "?" if value is None else str(value),
                    anchor="middle",
                    fill=INK,
                    font_size="11",
                )
            )
    return svg(width, height, *parts, label=label)


def legend(items: Sequence[tuple[str, str]]) -> Html:
    """A row of colour keys in HTML (it wraps and prints better than SVG text)."""
    return el(
        "ul",
        [el("li", el("span", class_="key", style=f"background:{colour}"), name) for colour, name in items],
        class_="legend",
    )
