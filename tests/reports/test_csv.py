"""CSV: RFC 4180, a row per finding / component, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest

from sovaudit.audit import Audit
from sovaudit.model import Component, Layer
from sovaudit.reports import csv_report
from sovaudit.scoring import DIMENSIONS
from tests.reports.conftest import EU, FORMULA, US, WAIVED


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.mark.parametrize("stack", [US, EU])
def test_a_row_per_finding(audits: dict[str, Audit], stack: str) -> None:
    a = audits[stack]
    data = csv_report.render_findings(a, "1")
    got = rows(data)
    assert list(got[0]) == list(csv_report.FINDING_COLUMNS)
    assert len(got) == len(a.findings) > 0
    assert sorted(r["id"] for r in got) == sorted(f.id for f in a.findings)
    costs = {c.finding: c.points for c in a.scores.costs}
    by_id = {f.id: f for f in a.findings}
    for r in got:
        f = by_id[r["id"]]
        assert float(r["points"]) == costs[f.id]
        assert r["severity"] == str(f.severity) and r["layer"] == f.layer.value
        assert r["components"].splitlines() == list(f.components)
        assert len(r["evidence"].splitlines()) == len(f.evidence)
    live = [r for r in got if not r["waiver"]]
    assert got[: len(live)] == live  # waived rows last


def test_rfc4180_line_ends_and_quoting(us: Audit) -> None:
    data = csv_report.render_findings(us, "1")
    assert data.startswith(b"id,rule,pack,") and not data.startswith(b"\xef\xbb\xbf")
    assert data.endswith(b"\r\n")
    first = data.split(b"\r\n", 1)[0]
    assert b"\n" not in first
    assert b'"' in data  # multi-line cells are quoted


def test_formula_injection_is_defused(us: Audit) -> None:
    got = {r["id"]: r for r in rows(csv_report.render_findings(us, "1"))}
    assert got[WAIVED]["waiver"].startswith("'" + FORMULA)
    for r in got.values():
        for value in r.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_cell(value: str) -> None:
    assert csv_report.cell(value) == "'" + value
    assert csv_report.cell("a" + value) == "a" + value


def test_hostile_component_names_in_the_component_table(us: Audit) -> None:
    evil = Component(id="pkg:pypi/x@1", layer=Layer.SOFTWARE, kind="package", name="=cmd|' /C calc'!A0", version="-1")
    a = replace(us, inventory=replace(us.inventory, components=(*us.inventory.components, evil)))
    row = next(r for r in rows(csv_report.render_components(a, "1")) if r["id"] == "pkg:pypi/x@1")
    assert row["name"] == "'=cmd|' /C calc'!A0" and row["version"] == "'-1"


@pytest.mark.parametrize("stack", [US, EU])
def test_a_row_per_component_with_its_risk_vector(audits: dict[str, Audit], stack: str) -> None:
    a = audits[stack]
    got = rows(csv_report.render_components(a, "1"))
    assert [r["id"] for r in got] == sorted(c.id for c in a.inventory.components)
    risk = [k for k in got[0] if k.startswith("risk_") and k != "risk_confidence"]
    assert risk == [f"risk_{csv_report.DIMENSION_NAMES[d]}" for d in DIMENSIONS]
    vectors = {rv.component: dict(rv.values) for rv in a.scores.risk_vectors}
    for r in got:
        v = vectors.get(r["id"], {})
        for d in DIMENSIONS:
            cell = r[f"risk_{csv_report.DIMENSION_NAMES[d]}"]
            assert cell == ("" if v.get(d) is None else str(v[d]))


def test_component_row_content(us: Audit) -> None:
    got = {r["id"]: r for r in rows(csv_report.render_components(us, "1"))}
    a100 = got["compute/accelerator/NVIDIA A100-SXM4-80GB"]
    assert a100["kb_entries"] == "nvidia-gpu"
    assert a100["jurisdiction"] == "US" and a100["supplier"] == "NVIDIA"
    assert a100["worst_severity"] == "high" and int(a100["findings"]) >= 2
    assert a100["risk_confidence"] == "kb"
    torch = got["pkg:pypi/torch@2.3.1"]
    assert torch["purl"] == "pkg:pypi/torch@2.3.1" and torch["evidence"].endswith("METADATA:2")
