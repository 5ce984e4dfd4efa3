"""StackGraph merges inventories by identity and keeps every piece of evidence."""

from __future__ import annotations

from sovaudit.graph import StackGraph, placeholder
from sovaudit.model import Component, Edge, Evidence, Inventory, Layer, Relation


def comp(cid: str, **kw: object) -> Component:
    base: dict[str, object] = {"id": cid, "layer": Layer.SOFTWARE, "kind": "package", "name": cid.split("/")[-1]}
    base.update(kw)
    return Component(**base)  # type: ignore[arg-type]


def ev(path: str, line: int = 0) -> Evidence:
    return Evidence(path=path, collector="test", line=line)


def test_same_id_from_two_inputs_merges_keeping_both_evidences() -> None:
    a = comp("pkg:pypi/numpy@2.0", version="2.0", evidence=(ev("a/METADATA", 2),), properties=(("x", "1"),))
    b = comp(
        "pkg:pypi/numpy@2.0",
        version="2.0",
        licenses="BSD-3-Clause",
        evidence=(ev("requirements.txt", 7),),
        properties=(("y", "2"),),
    )
    g = StackGraph.merge([Inventory(components=(a,)), Inventory(components=(b,))])
    [merged] = list(g.components())
    assert merged.licenses == "BSD-3-Clause"  # filled from the second input
    assert [e.path for e in merged.evidence] == ["a/METADATA", "requirements.txt"]
    assert merged.properties == (("x", "1"), ("y", "2"))


def test_first_description_wins_on_conflict() -> None:
    a = comp("c", licenses="MIT")
    b = comp("c", licenses="GPL-3.0-only")
    assert g_one(a, b).licenses == "MIT"


def g_one(*cs: Component) -> Component:
    return next(StackGraph.merge([Inventory(components=(c,)) for c in cs]).components())


def test_concrete_description_replaces_placeholder() -> None:
    ph = placeholder("pkg:pypi/idna@3.7")
    real = comp("pkg:pypi/idna@3.7", licenses="BSD-3-Clause", evidence=(ev("x"),))
    merged = g_one(ph, real)
    assert not merged.unresolved
    assert merged.licenses == "BSD-3-Clause"


def test_dangling_edge_target_becomes_unresolved_component() -> None:
    inv = Inventory(
        components=(comp("pkg:pypi/a@1"),),
        edges=(Edge(source="pkg:pypi/a@1", target="pkg:pypi/missing", relation=Relation.DEPENDS_ON),),
    )
    g = StackGraph.merge([inv])
    missing = g.component("pkg:pypi/missing")
    assert missing.unresolved
    assert missing.name == "missing" and missing.purl == "pkg:pypi/missing"


def test_placeholder_parses_layer_kind_name_version() -> None:
    p = placeholder("compute/accelerator/A100@sxm4")
    assert (p.layer, p.kind, p.name, p.version) == (Layer.COMPUTE, "accelerator", "A100", "sxm4")
    q = placeholder("pkg:pypi/torch@2.3.0?foo=bar")
    assert (q.name, q.version) == ("torch", "2.3.0")


def test_duplicate_edges_merge_scopes_and_evidence() -> None:
    e1 = Edge(source="a", target="b", relation=Relation.DEPENDS_ON, scopes=("build",), evidence=(ev("x"),))
    e2 = Edge(source="a", target="b", relation=Relation.DEPENDS_ON, scopes=("run",), evidence=(ev("y"),))
    e3 = Edge(source="a", target="b", relation=Relation.BUILT_WITH)
    g = StackGraph.merge([Inventory(components=(comp("a"), comp("b")), edges=(e1, e2, e3))])
    edges = list(g.edges())
    assert len(edges) == 2
    dep = next(e for e in edges if e.relation is Relation.DEPENDS_ON)
    assert dep.scopes == ("build", "run")
    assert len(dep.evidence) == 2


def test_queries_by_layer_kind_and_transitive_dependents() -> None:
    comps = (
        comp("app"),
        comp("lib"),
        comp("cuda", kind="runtime"),
        Component(id="gpu", layer=Layer.COMPUTE, kind="accelerator", name="gpu"),
        comp("other"),
    )
    edges = (
        Edge(source="app", target="lib", relation=Relation.DEPENDS_ON),
        Edge(source="lib", target="cuda", relation=Relation.DEPENDS_ON),
        Edge(source="cuda", target="gpu", relation=Relation.RUNS_ON),
    )
    g = StackGraph.merge([Inventory(components=comps, edges=edges)])
    assert [c.id for c in g.components(layer=Layer.COMPUTE)] == ["gpu"]
    assert [c.id for c in g.components(kind="runtime")] == ["cuda"]
    assert g.dependents("gpu") == ["app", "cuda", "lib"]
    assert g.dependents("gpu", transitive=False) == ["cuda"]
    assert g.dependencies("app") == ["lib"]
    assert g.dependents("other") == []


def test_to_inventory_is_normalised_and_stable() -> None:
    inv1 = Inventory(components=(comp("b"), comp("a")))
    inv2 = Inventory(components=(comp("a"), comp("b")))
    assert StackGraph.merge([inv1]).to_inventory() == StackGraph.merge([inv2]).to_inventory()


def test_placeholder_arriving_after_the_concrete_component_does_not_mark_it_unresolved() -> None:
    real = comp("pkg:pypi/idna@3.7", licenses="BSD-3-Clause")
    merged = g_one(real, placeholder("pkg:pypi/idna@3.7"))
    assert not merged.unresolved
    assert merged.licenses == "BSD-3-Clause"


def test_ancestor_counts_match_networkx_on_graphs_with_cycles() -> None:
    import random

    import networkx as nx

    from sovaudit.graph import ancestor_counts

    rnd = random.Random(7)
    for _ in range(30):
        n = rnd.randint(1, 40)
        nodes = [f"n{i}" for i in range(n)]
        edges = [(rnd.choice(nodes), rnd.choice(nodes)) for _ in range(rnd.randint(0, 80))]
        g = nx.DiGraph()
        g.add_nodes_from(nodes)
        g.add_edges_from(edges)
        expected = {v: len(nx.ancestors(g, v)) for v in nodes}
        assert ancestor_counts(nodes, edges) == expected
        some = rnd.sample(nodes, k=min(3, n))
        assert ancestor_counts(nodes, edges, some) == {v: expected[v] for v in some}
