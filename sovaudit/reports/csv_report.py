"""CSV for spreadsheets: ``csv-findings`` (one row per finding) and ``csv-components`` (one per component).

RFC 4180: comma-separated, CRLF line ends, fields quoted when they hold a comma, a quote or a
line break, UTF-8 without a byte-order mark. A cell that holds several values (components,
evidence places, KB entries) has one per line, since ids can hold commas, semicolons and spaces.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
apostrophe: spreadsheets run such a cell as a formula, and names, messages and waiver texts come
from the scanned stack (CSV injection). Numbers that sovaudit writes itself are never negative.

The component table has one column per risk dimension that the audit's risk vectors carry, in
the order of :data:`sovaudit.scoring.DIMENSIONS` (0 best .. 4 worst, empty when unassessed).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from sovaudit.model import Finding

if TYPE_CHECKING:
    from sovaudit.audit import Audit

FINDING_COLUMNS = (
    "id",
    "rule",
    "pack",
    "layer",
    "severity",
    "dimension",
    "points",
    "title",
    "components",
    "evidence",
    "kb_entries",
    "waiver",
    "message",
    "remediation",
    "references",
)
DIMENSION_NAMES = {
    "J": "jurisdiction",
    "O": "openness",
    "S": "substitutability",
    "C": "concentration",
    "X": "export_control",
    "G": "governance",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, dialect="excel", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([cell(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8")


def _lines(values: Iterable[str]) -> str:
    return "\n".join(values)


def _finding_row(f: Finding, points: float) -> list[str]:
    return [
        f.id,
        f.rule,
        f.pack,
        f.layer.value,
        str(f.severity),
        f.dimension,
        f"{points:g}",
        f.title,
        _lines(f.components),
        _lines(f"{e.describe()} ({e.collector})" for e in f.evidence),
        _lines(f.kb_entries),
        f.waiver,
        f.message,
        f.remediation,
        _lines(f.references),
    ]


def render_findings(audit: Audit, tool_version: str) -> bytes:
    """Live findings first, most severe and costly first; waived ones after them."""
    costs = {c.finding: c.points for c in audit.scores.costs}
    ranked = sorted(audit.findings, key=lambda f: (bool(f.waiver), -f.severity, -costs[f.id], f.id))
    return _table(FINDING_COLUMNS, (_finding_row(f, costs[f.id]) for f in ranked))


def render_components(audit: Audit, tool_version: str) -> bytes:
    """Every component of the audited inventory, sorted by id."""
    from sovaudit.scoring import DIMENSIONS

    vectors = {rv.component: rv for rv in audit.scores.risk_vectors}
    present = {d for rv in audit.scores.risk_vectors for d, _ in rv.values}
    dims = [d for d in DIMENSIONS if d in present] + sorted(present - set(DIMENSIONS))
    worst: dict[str, Finding] = {}
    count: dict[str, int] = {}
    for f in audit.findings:
        if f.waiver:
            continue
        for cid in f.components:
            count[cid] = count.get(cid, 0) + 1
            if cid not in worst or f.severity > worst[cid].severity:
                worst[cid] = f
    header = [
        "id",
        "name",
        "version",
        "layer",
        "kind",
        "purl",
        "licenses",
        "supplier",
        "jurisdiction",
        "kb_entries",
        *(f"risk_{DIMENSION_NAMES.get(d, d)}" for d in dims),
        "risk_confidence",
        "findings",
        "worst_severity",
        "evidence",
    ]
    rows = []
    for c in sorted(audit.inventory.components, key=lambda c: c.id):
        matches = audit.matches.get(c.id, ())
        vendor = None
        for m in matches:
            entry = audit.kb.entries.get(m.entry)
            vendor = audit.kb.vendors.get(entry.vendor) if entry is not None else None
            if vendor is not None:
                break
        rv = vectors.get(c.id)
        values = dict(rv.values) if rv is not None else {}
        risk = [("" if values.get(d) is None else str(values[d])) for d in dims]
        rows.append(
            [
                c.id,
                c.name,
                c.version,
                c.layer.value,
                c.kind,
                c.purl,
                c.licenses or c.license_declared,
                c.supplier or (vendor.name if vendor is not None else ""),
                vendor.jurisdiction if vendor is not None else "",
                _lines(m.entry for m in matches),
                *risk,
                rv.confidence if rv is not None else "none",
                str(count.get(c.id, 0)),
                str(worst[c.id].severity) if c.id in worst else "",
                _lines(e.describe() for e in c.evidence),
            ]
        )
    return _table(header, rows)
