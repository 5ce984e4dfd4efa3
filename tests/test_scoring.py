"""Scoring: points, layer scores and levels, the CSF view, concentration, waivers, risk vectors."""

from __future__ import annotations

from datetime import date

from sovaudit.graph import StackGraph
from sovaudit.knowledge import annotate
from sovaudit.model import Component, Edge, Finding, Inventory, Layer, Relation, Severity
from sovaudit.rules.engine import Context
from sovaudit.scoring import level_of, score
from tests.rules.test_engine import comp, small_kb

TODAY = date(2026, 11, 27)


def finding(fid: str, layer: Layer, sev: Severity, components: tuple[str, ...] = (), **kw: object) -> Finding:
    return Finding(
        id=fid,
        rule=fid.split(":")[0],
        pack="t",
        layer=layer,
        severity=sev,
        dimension="openness",
        title="t",
        message="m",
        components=components,
        **kw,
    )  # type: ignore[arg-type]


def ctx(components: list[Component], edges: list[Edge] = ()) -> Context:  # type: ignore[assignment]
    kb = small_kb()
    g = StackGraph.merge([Inventory(components=tuple(components), edges=tuple(edges))])
    return Context(graph=g, kb=kb, matches=annotate(kb, g.components()), today=TODAY)


def test_level_bands_and_caps() -> None:
    assert [level_of(s, None) for s in (100, 90, 89.9, 75, 50, 25, 24.9)] == [4, 4, 3, 3, 2, 1, 0]
    assert level_of(100, Severity.CRITICAL) == 1
    assert level_of(100, Severity.HIGH) == 2
    assert level_of(80, Severity.MEDIUM) == 3
    assert level_of(80, Severity.LOW) == 3


def test_points_blast_radius_and_no_alternative() -> None:
    # app -> lib -> acme-rt: acme-rt has 2 dependents among 3 others; acme-rt has an alternative.
    comps = [comp("app"), comp("lib"), comp("acme-rt"), comp("solo", Layer.COMPUTE, "accelerator")]
    edges = [
        Edge(source="pkg:pypi/app@1", target="pkg:pypi/lib@1", relation=Relation.DEPENDS_ON),
        Edge(source="pkg:pypi/lib@1", target="pkg:pypi/acme-rt@1", relation=Relation.DEPENDS_ON),
    ]
    c = ctx(comps, edges)
    f = finding("R:pkg:pypi/acme-rt@1", Layer.SOFTWARE, Severity.HIGH, ("pkg:pypi/acme-rt@1",), kb_entries=("acme-rt",))
    s = score([f], c, {"EU-CSF:SOV-6"})
    [cost] = s.costs
    assert cost.base == 10.0 and cost.blast == round(1 + 2 / 3, 4) and cost.no_alternative == 1.0
    assert cost.points == round(10 * (1 + 2 / 3), 2)
    sw = next(ls for ls in s.layers if ls.layer is Layer.SOFTWARE)
    assert sw.score == round(100 - cost.points, 1) and sw.level == 2  # high caps at 2
    assert next(ls for ls in s.layers if ls.layer is Layer.MODEL).score is None  # empty: not assessed
    assert s.overall_score == round((sw.score + 100.0) / 2, 1)  # software and compute assessed
    assert s.overall_level == 2


def test_no_alternative_factor_and_waiver() -> None:
    c = ctx([comp("libre-rt")])
    kb = c.kb
    kb.entries["libre-rt"] = kb.entries["libre-rt"].__class__(
        **{**{f: getattr(kb.entries["libre-rt"], f) for f in kb.entries["libre-rt"].__slots__}, "alternatives": ()}
    )
    f = finding(
        "R:pkg:pypi/libre-rt@1", Layer.SOFTWARE, Severity.MEDIUM, ("pkg:pypi/libre-rt@1",), kb_entries=("libre-rt",)
    )
    [cost] = score([f], c, set()).costs
    assert cost.no_alternative == 1.25 and cost.points == 6.25
    waived = finding(
        "R:pkg:pypi/libre-rt@1",
        Layer.SOFTWARE,
        Severity.MEDIUM,
        ("pkg:pypi/libre-rt@1",),
        kb_entries=("libre-rt",),
        waiver="accepted",
    )
    s = score([waived], c, set())
    assert s.costs[0].points == 0.0
    assert next(ls for ls in s.layers if ls.layer is Layer.SOFTWARE).score == 100.0


def test_csf_view_uses_the_framework_weights() -> None:
    c = ctx([comp("app")])
    f = finding(
        "R:pkg:pypi/app@1", Layer.SOFTWARE, Severity.CRITICAL, ("pkg:pypi/app@1",), references=("EU-CSF:SOV-5",)
    )
    s = score([f], c, {"EU-CSF:SOV-5", "EU-CSF:SOV-6"})
    by = {o.objective: o for o in s.csf}
    assert by["SOV-5"].score == 80.0 and by["SOV-6"].score == 100.0 and by["SOV-1"].score is None
    assert s.csf_score == round((20 * 80 + 15 * 100) / 35, 1)


def test_concentration_and_risk_vectors() -> None:
    parts = [comp(f"g{i}", Layer.COMPUTE, "accelerator", supplier="Acme") for i in range(3)]
    parts += [comp("x", Layer.COMPUTE, "cpu", supplier="Other"), comp("acme-rt"), comp("plain", licenses="MIT")]
    s = score([], ctx(parts), set())
    compute = next(ls for ls in s.layers if ls.layer is Layer.COMPUTE)
    assert compute.top_supplier == "Acme" and compute.top_supplier_share == 0.75
    assert compute.supplier_hhi == 6250.0
    vectors = {rv.component: dict(rv.values) for rv in s.risk_vectors}
    acme = vectors["pkg:pypi/acme-rt@1"]
    assert acme["J"] == 3 and acme["O"] == 3 and acme["S"] == 2 and acme["X"] is None
    assert vectors["pkg:pypi/plain@1"]["O"] == 1 and vectors["pkg:pypi/plain@1"]["J"] is None  # unknown, not 0
