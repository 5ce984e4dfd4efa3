"""The rule engine: operators, graph selectors, aggregates, messages, pack errors."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from sovaudit.errors import RulePackError
from sovaudit.graph import StackGraph
from sovaudit.knowledge import Entry, Jurisdiction, KnowledgeBase, Vendor, annotate
from sovaudit.model import Component, Edge, Evidence, Inventory, Layer, Relation, Severity
from sovaudit.rules import Rule, parse_pack
from sovaudit.rules.engine import Context, evaluate, render_message
from sovaudit.rules.licence_class import classify

TODAY = date(2026, 11, 27)


def small_kb() -> KnowledgeBase:
    kb = KnowledgeBase()
    kb.jurisdictions["US"] = Jurisdiction(
        id="US", name="United States", bloc="third-country", risk=3, laws=("CLOUD Act",)
    )
    kb.jurisdictions["FR"] = Jurisdiction(id="FR", name="France", bloc="eu", risk=0)
    kb.vendors["acme"] = Vendor(id="acme", name="Acme Corp", country="US", jurisdiction="US", governance="company")
    kb.vendors["libre"] = Vendor(
        id="libre", name="Libre Assoc", country="FR", jurisdiction="FR", governance="foundation"
    )
    kb.entries["acme-rt"] = Entry(
        id="acme-rt",
        name="Acme Runtime",
        category="accelerator-runtime",
        layers=(Layer.SOFTWARE,),
        vendor="acme",
        openness="proprietary-free",
        lock_in="critical",
        substitutability=2,
        alternatives=("libre-rt",),
        patterns=(("pypi", "^acme-rt(-cu1[0-9])?$"),),
        review_after="2026-01-01",
    )
    kb.entries["libre-rt"] = Entry(
        id="libre-rt",
        name="Libre Runtime",
        category="accelerator-runtime",
        layers=(Layer.SOFTWARE,),
        vendor="libre",
        openness="open-source-foundation",
        lock_in="low",
        substitutability=0,
        patterns=(("pypi", "^libre-rt$"),),
    )
    return kb


def comp(name: str, layer: Layer = Layer.SOFTWARE, kind: str = "package", **kw: Any) -> Component:
    purl = f"pkg:pypi/{name}@1" if layer is Layer.SOFTWARE and kind == "package" else ""
    return Component(
        id=purl or f"{layer.value}/{kind}/{name}",
        layer=layer,
        kind=kind,
        name=name,
        version="1",
        purl=purl,
        evidence=(Evidence(path=f"{name}.txt", collector="t", line=1),),
        **kw,
    )


def ctx_for(components: list[Component], edges: list[Edge] = (), kb: KnowledgeBase | None = None) -> Context:  # type: ignore[assignment]
    kb = kb or small_kb()
    g = StackGraph.merge([Inventory(components=tuple(components), edges=tuple(edges))])
    return Context(graph=g, kb=kb, matches=annotate(kb, g.components()), today=TODAY)


def rule(select: Any = None, aggregate: Any = None, layers: tuple[Layer, ...] = (), message: str = "m") -> Rule:
    return Rule(
        id="T-001",
        pack="t",
        title="t",
        severity=Severity.HIGH,
        dimension="openness",
        message=message,
        remediation="r",
        select=select,
        aggregate=aggregate,
        layers=layers,
    )


@pytest.mark.parametrize(
    ("select", "expected"),
    [
        ({"field": "kb.vendor.country", "equals": "US"}, ["acme-rt-cu12"]),
        ({"field": "kb.jurisdiction.risk", "gte": 3}, ["acme-rt-cu12"]),
        ({"field": "kb.openness", "in": ["open-source-foundation"]}, ["libre-rt"]),
        ({"field": "kb.matched", "equals": False}, ["app", "lib"]),
        ({"field": "kb.stale", "equals": True}, ["acme-rt-cu12"]),
        ({"field": "kb.alternatives", "contains": "libre-rt"}, ["acme-rt-cu12"]),
        ({"field": "kb.alternatives", "exists": False}, ["app", "lib", "libre-rt"]),
        ({"field": "component.name", "matches": "^a.*$"}, ["acme-rt-cu12", "app"]),
        ({"field": "license.class", "equals": "copyleft"}, ["lib"]),
        ({"not": {"field": "kb.matched", "equals": True}}, ["app", "lib"]),
        (
            {"any": [{"field": "component.name", "equals": "app"}, {"field": "component.name", "equals": "lib"}]},
            ["app", "lib"],
        ),
        ({"depends_on": {"field": "kb.vendor.id", "equals": "acme"}}, ["app", "lib"]),
        ({"depended_on_by": {"field": "component.name", "equals": "app"}}, ["acme-rt-cu12", "lib", "libre-rt"]),
        (
            {"reachable": {"relations": ["built-with"], "select": {"field": "component.name", "equals": "libre-rt"}}},
            ["lib"],
        ),
        ({"field": "graph.dependents", "gte": 2}, ["acme-rt-cu12", "libre-rt"]),
        ({"field": "component.property.x:size", "gt": 10}, ["app"]),
    ],
)
def test_selectors(select: dict[str, Any], expected: list[str]) -> None:
    components = [
        comp("app", properties=(("x:size", "12"),)),
        comp("lib", licenses="GPL-3.0-only"),
        comp("acme-rt-cu12"),
        comp("libre-rt"),
    ]
    edges = [
        Edge(source="pkg:pypi/app@1", target="pkg:pypi/lib@1", relation=Relation.DEPENDS_ON),
        Edge(source="pkg:pypi/lib@1", target="pkg:pypi/acme-rt-cu12@1", relation=Relation.DEPENDS_ON),
        Edge(source="pkg:pypi/lib@1", target="pkg:pypi/libre-rt@1", relation=Relation.BUILT_WITH),
    ]
    found = evaluate([rule(select)], ctx_for(components, edges))
    assert sorted(f.components[0].split("/")[-1].split("@")[0] for f in found) == sorted(expected)


def test_finding_carries_evidence_kb_entry_and_message() -> None:
    r = rule(
        {"field": "kb.id", "equals": "acme-rt"},
        message="{component.name} from {kb.vendor.name} ({kb.jurisdiction.laws})",
    )
    [f] = evaluate([r], ctx_for([comp("acme-rt")]))
    assert f.id == "T-001:acme-rt"  # one finding per KB entry: the product, not each wheel
    assert f.message == "acme-rt from Acme Corp (CLOUD Act)"
    assert f.kb_entries == ("acme-rt",)
    assert f.evidence[0].path == "acme-rt.txt" and f.layer is Layer.SOFTWARE


def test_aggregate_supplier_share_and_hhi() -> None:
    parts = [comp(f"gpu{i}", Layer.COMPUTE, "accelerator", supplier="Acme") for i in range(3)]
    parts.append(comp("cpu", Layer.COMPUTE, "cpu", supplier="Other"))
    share = rule(
        aggregate={"measure": "largest-supplier-share", "gt": 0.7},
        layers=(Layer.COMPUTE,),
        message="{supplier} {measure_pct} {count}/{total}",
    )
    [f] = evaluate([share], ctx_for(parts))
    assert f.message == "Acme 75% 3/4" and f.aggregate and len(f.components) == 3
    hhi = rule(aggregate={"measure": "supplier-hhi", "gte": 6250}, layers=(Layer.COMPUTE,), message="{measure}")
    [g] = evaluate([hhi], ctx_for(parts))
    assert g.message == "6250.0"  # 0.75^2 + 0.25^2 = 0.625
    assert (
        evaluate([rule(aggregate={"measure": "supplier-hhi", "gt": 6250}, layers=(Layer.COMPUTE,))], ctx_for(parts))
        == []
    )


def test_count_aggregate_judges_absence() -> None:
    r = rule(
        aggregate={
            "measure": "count",
            "select": {"field": "component.kind", "equals": "exit-plan"},
            "min_components": 1,
            "lt": 1,
        },
        layers=(Layer.OPERATIONAL,),
    )
    assert len(evaluate([r], ctx_for([comp("cloud", Layer.OPERATIONAL, "cloud-provider")]))) == 1
    assert evaluate([r], ctx_for([])) == []  # an empty layer is not judged


def test_messages_are_not_format_strings() -> None:
    assert render_message("{component.__class__} {0} {kb.nope}", lambda p: (_ for _ in ()).throw(ValueError())) == (
        "{component.__class__} {0} {kb.nope}"
    )


@pytest.mark.parametrize(
    ("expr", "cls"),
    [
        ("MIT", "permissive"),
        ("Apache-2.0 OR GPL-2.0-only", "permissive"),
        ("MIT AND GPL-3.0-only", "copyleft"),
        ("LGPL-2.1-or-later", "weak-copyleft"),
        ("LicenseRef-NVIDIA-EULA", "proprietary"),
        ("CC-BY-NC-4.0", "restricted"),
        ("", "unknown"),
        ("(MIT OR GPL-2.0-only) AND MPL-2.0", "weak-copyleft"),
    ],
)
def test_licence_classes(expr: str, cls: str) -> None:
    assert classify(expr) == cls


PACK_HEAD = "schema: sovaudit-rules\nversion: 1\npack: p\npack_version: '1'\ndescription: d\nrules:\n"
CASES = (
    "    tests:\n      - {name: a, components: [], expect: finding}\n"
    "      - {name: b, components: [], expect: no-finding}\n"
)
HEAD = "  - id: X-1\n    title: t\n    dimension: openness\n    message: m\n    remediation: r\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            HEAD + "    severity: urgent\n    select: {field: kb.id, equals: x}\n" + CASES,
            "line 12: rules/0/severity",
        ),
        (
            HEAD + "    severity: low\n    select: {field: kb.secret, equals: x}\n" + CASES,
            "line 13: rules/0/select",
        ),
        (
            HEAD + "    severity: low\n    select: {field: kb.id, python: 'import os'}\n" + CASES,
            "rules/0/select",
        ),
        (
            HEAD + "    severity: low\n    select: {field: kb.id, matches: '^(unclosed$'}\n" + CASES,
            "bad pattern",
        ),
        (
            "  - {id: X-1, title: t, severity: low, dimension: openness, message: m, remediation: r,\n"
            "     select: {field: kb.id, equals: x}, tests: [{name: a, components: [], expect: finding},"
            " {name: b, components: [], expect: no-finding}]}\n"
            "  - {id: X-1, title: t, severity: low, dimension: openness, message: m, remediation: r,\n"
            "     select: {field: kb.id, equals: x}, tests: [{name: a, components: [], expect: finding},"
            " {name: b, components: [], expect: no-finding}]}\n",
            "duplicate id X-1",
        ),
        ("  - id: X-1\n   bad: [indent\n", "invalid YAML"),
    ],
)
def test_pack_errors_name_file_line_and_field(body: str, message: str) -> None:
    with pytest.raises(RulePackError) as err:
        parse_pack(PACK_HEAD + body, "my-pack.yaml")
    assert err.value.path == "my-pack.yaml"
    assert message in err.value.reason, err.value.reason


def test_one_finding_per_kb_entry_lists_every_component_of_it() -> None:
    found = evaluate(
        [rule({"field": "kb.id", "equals": "acme-rt"}, message="{component.name}")],
        ctx_for([comp("acme-rt"), comp("acme-rt-cu12"), comp("app")]),
    )
    [f] = found
    assert f.id == "T-001:acme-rt"
    assert f.components == ("pkg:pypi/acme-rt-cu12@1", "pkg:pypi/acme-rt@1")
    assert f.message == "acme-rt-cu12 (also: acme-rt)"
    assert {e.path for e in f.evidence} == {"acme-rt.txt", "acme-rt-cu12.txt"}
