"""The layered dependency graph of the HTML report, drawn as inline SVG.

One horizontal band per layer (operational on top, compute at the bottom: a stack stands on its
hardware). Up to :data:`MAX_NODES` components each get a box, ordered within their band by
supplier, coloured by the risk of the jurisdiction that controls them; beyond that the drawing
would be unreadable, so components are grouped by layer and supplier (the largest groups of each
layer, the rest as "other suppliers") and parallel edges become one line whose width grows with
their number. Both drawings take one pass over the components and one over the edges.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sovaudit.model import Layer
from sovaudit.reports.html_markup import Html, el
from sovaudit.reports.html_svg import INK, MUTED, NOT_ASSESSED, RISK_COLOURS, RISK_FILLS, WIDTH, rect, svg, text

MAX_NODES = 300
GROUPS_PER_LAYER = 7
BANDS = (Layer.OPERATIONAL, Layer.MODEL, Layer.DATA, Layer.SOFTWARE, Layer.COMPUTE)
BAND_FILLS = ("#f7f9fc", "#ffffff")
LEFT = 118.0
SPOF_STROKE = "#7f0000"


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    id: str
    label: str
    layer: Layer
    supplier: str  # "" when unknown
    risk: int | None  # jurisdiction risk J, None when unassessed
    spof: bool = False
    placeholder: bool = False  # unresolved reference or requirement hub: drawn dashed


@dataclass(frozen=True, slots=True, kw_only=True)
class _Box:
    key: str
    label: str
    tip: str
    risk: int | None
    spof: bool
    dashed: bool


def draw(nodes: Sequence[Node], edges: Sequence[tuple[str, str]]) -> tuple[Html, str]:
    """The drawing and one sentence saying what it shows (each component, or groups)."""
    if len(nodes) <= MAX_NODES:
        boxes: dict[Layer, list[_Box]] = defaultdict(list)
        sizes = Counter((n.layer, n.supplier) for n in nodes)
        for n in sorted(nodes, key=lambda n: (n.supplier == "", -sizes[(n.layer, n.supplier)], n.supplier, n.label)):
            tip = f"{n.label}\n{n.id}\nsupplier: {n.supplier or 'unknown'}"
            boxes[n.layer].append(
                _Box(key=n.id, label=n.label, tip=tip, risk=n.risk, spof=n.spof, dashed=n.placeholder)
            )
        pairs = Counter((s, t) for s, t in edges if s != t)
        note = f"Each of the {len(nodes)} components is a box; each of the {len(pairs)} lines a dependency."
        return _layout(boxes, pairs, box_w=112.0, limit=17), note
    return _grouped(nodes, edges)


def _grouped(nodes: Sequence[Node], edges: Sequence[tuple[str, str]]) -> tuple[Html, str]:
    sizes = Counter((n.layer, n.supplier) for n in nodes)
    kept: set[tuple[Layer, str]] = set()
    for layer in BANDS:
        ranked = sorted(((k, c) for k, c in sizes.items() if k[0] is layer), key=lambda kc: (-kc[1], kc[0][1]))
        kept.update(k for k, _ in ranked[:GROUPS_PER_LAYER])
    group_of: dict[str, str] = {}
    members: dict[str, list[Node]] = defaultdict(list)
    for n in nodes:
        key = (n.layer, n.supplier)
        name = (n.supplier or "no known supplier") if key in kept else "other suppliers"
        gid = f"{n.layer.value}\x00{name}"
        group_of[n.id] = gid
        members[gid].append(n)
    boxes: dict[Layer, list[_Box]] = defaultdict(list)
    for gid in sorted(members, key=lambda g: (-len(members[g]), g)):
        ms = members[gid]
        name = gid.split("\x00", 1)[1]
        risks = [m.risk for m in ms if m.risk is not None]
        boxes[ms[0].layer].append(
            _Box(
                key=gid,
                label=f"{name} ({len(ms):,})",
                tip=f"{name}: {len(ms):,} {ms[0].layer.value} components",
                risk=max(risks) if risks else None,
                spof=any(m.spof for m in ms),
                dashed=all(m.placeholder for m in ms),
            )
        )
    pairs: Counter[tuple[str, str]] = Counter()
    for s, t in edges:
        gs, gt = group_of.get(s), group_of.get(t)
        if gs is not None and gt is not None and gs != gt:
            pairs[(gs, gt)] += 1
    note = (
        f"{len(nodes):,} components are too many to draw one by one: each box is a group of components of one "
        f"layer and supplier (the {GROUPS_PER_LAYER} largest of each layer), each line the "
        f"{sum(pairs.values()):,} dependencies between two groups, thicker for more."
    )
    return _layout(boxes, pairs, box_w=150.0, limit=24), note


def _layout(boxes: dict[Layer, list[_Box]], pairs: Counter[tuple[str, str]], *, box_w: float, limit: int) -> Html:
    box_h, gap_x, gap_y, pad = 22.0, 8.0, 12.0, 12.0
    cols = max(1, int((WIDTH - LEFT - 8) // (box_w + gap_x)))
    centre: dict[str, tuple[float, float]] = {}
    band_of: dict[str, int] = {}
    bands: list[Html] = []
    nodes: list[Html] = []
    y = 0.0
    for i, layer in enumerate(BANDS):
        row_boxes = boxes.get(layer, [])
        rows = max(1, math.ceil(len(row_boxes) / cols))
        band_h = pad * 2 + rows * box_h + (rows - 1) * gap_y
        bands.append(rect(0, y, WIDTH, band_h, BAND_FILLS[i % 2]))
        bands.append(text(10, y + pad + 15, layer.value, fill=INK, font_weight="700"))
        bands.append(
            text(
                10,
                y + pad + 30,
                f"{len(row_boxes)} box{'es' if len(row_boxes) > 1 else ''}" if row_boxes else "none",
                fill=MUTED,
                font_size="10",
            )
        )
        for k, box in enumerate(row_boxes):
            bx = LEFT + (k % cols) * (box_w + gap_x)
            by = y + pad + (k // cols) * (box_h + gap_y)
            centre[box.key] = (bx + box_w / 2, by + box_h / 2)
            band_of[box.key] = i
            nodes.append(_box(box, bx, by, box_w, box_h, limit))
        y += band_h
    return svg(
        WIDTH, y, el("g", *bands), _edges(pairs, centre, band_of), el("g", *nodes), label="Layered dependency graph"
    )


def _box(box: _Box, x: float, y: float, w: float, h: float, limit: int) -> Html:
    fill = NOT_ASSESSED if box.risk is None else RISK_FILLS[box.risk]
    stroke = SPOF_STROKE if box.spof else ("#8c959f" if box.risk is None else RISK_COLOURS[box.risk])
    shape = rect(
        x,
        y,
        w,
        h,
        "#f3f5f8" if box.risk is None else fill,
        rx="4",
        stroke=stroke,
        stroke_width="2.5" if box.spof else "1",
        stroke_dasharray="3 2" if box.dashed else None,
    )
    label = text(x + 6, y + 15, box.label, limit=limit, fill=INK, font_size="10.5")
    return el("g", el("title", box.tip), shape, label)


def _edges(pairs: Counter[tuple[str, str]], centre: dict[str, tuple[float, float]], band_of: dict[str, int]) -> Html:
    """Lines within a layer faint, lines across layers (where a lock-in reaches another layer) darker."""
    most = max(pairs.values(), default=1)
    within: list[Html] = []
    across: list[Html] = []
    for (s, t), count in sorted(pairs.items()):
        if s not in centre or t not in centre:
            continue
        (x1, y1), (x2, y2) = centre[s], centre[t]
        if abs(y1 - y2) < 1:
            lift = 14 + abs(x1 - x2) * 0.12
            d = f"M{x1:.0f} {y1:.0f}Q{(x1 + x2) / 2:.0f} {y1 - lift:.0f} {x2:.0f} {y2:.0f}"
        else:
            mid = (y1 + y2) / 2
            d = f"M{x1:.0f} {y1:.0f}C{x1:.0f} {mid:.0f} {x2:.0f} {mid:.0f} {x2:.0f} {y2:.0f}"
        width = 0.8 if most == 1 else 0.6 + 3.4 * math.log1p(count) / math.log1p(most)
        path = el("path", d=d, stroke_width=f"{width:.1f}")
        (within if band_of[s] == band_of[t] else across).append(path)
    return el(
        "g",
        el("g", *within, stroke="#8c959f", stroke_opacity="0.22"),
        el("g", *across, stroke="#24476b", stroke_opacity="0.45"),
        fill="none",
    )
