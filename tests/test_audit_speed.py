"""The shortcuts that make `sovaudit audit` of a large stack fast give the answers of the plain way.

Counted, never timed: a rule over thousands of components of one KB entry must not compare
each with every other; the rule prefilter, the joined KB regexes, the networkx-free ancestor
counts and the faster JSON writer must agree with the straightforward computation.
"""

from __future__ import annotations

import json
import random
from datetime import date
from typing import Any

import pytest

from benchmarks.audit_scale import generate
from sovaudit import audit as audit_mod
from sovaudit import gate, history, inventory_json, jsonout, knowledge
from sovaudit.graph import StackGraph, ancestor_counts, strongly_connected
from sovaudit.knowledge import Entry, Regexes
from sovaudit.model import Component, Edge, Inventory, Layer, Relation
from sovaudit.pipeline import audit
from sovaudit.rules import engine, load_packs, parse_pack
from sovaudit.rules.engine import Context, evaluate
from tests.gate.test_gate_policy import finding, snapshot
from tests.rules.test_engine import small_kb

TODAY = date(2026, 11, 27)


class CountingId(str):
    """A component id that counts how often it is compared for equality."""

    compared = 0

    def __eq__(self, other: object) -> bool:
        CountingId.compared += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def accelerator_kb() -> knowledge.KnowledgeBase:
    kb = small_kb()
    kb.entries["acme-gpu"] = Entry(
        id="acme-gpu",
        name="Acme GPU",
        category="accelerator",
        layers=(Layer.COMPUTE,),
        vendor="acme",
        openness="proprietary-paid",
        lock_in="high",
        substitutability=3,
        patterns=(("name", "^acme gpu [0-9]+$"),),
    )
    return kb


GPU_PACK = parse_pack(
    """schema: sovaudit-rules
version: 1
pack: gpus
pack_version: "1"
description: one rule over one KB entry
rules:
  - id: GPU-001
    title: proprietary accelerator
    severity: high
    dimension: substitutability
    select: {all: [{field: kb.category, equals: accelerator}, {field: kb.lock_in, in: [high, critical]}]}
    message: "{component.name} from {kb.vendor.name}"
    remediation: "look at {kb.alternatives}"
    tests:
      - {name: a, components: [], expect: finding}
      - {name: b, components: [], expect: no-finding}
""",
    "gpus.yaml",
)


def test_a_rule_over_thousands_of_components_of_one_entry_does_not_compare_each_with_all() -> None:
    n = 3000
    gpus = tuple(
        Component(id=CountingId(f"compute/accelerator/gpu-{i:04d}"), layer=Layer.COMPUTE, kind="accelerator",
                  name=f"Acme GPU {i}")
        for i in range(n)
    )  # fmt: skip
    kb = accelerator_kb()
    graph = StackGraph.merge([Inventory(components=gpus)])
    ctx = Context(graph=graph, kb=kb, matches=knowledge.annotate(kb, graph.components()), today=TODAY)
    CountingId.compared = 0
    [found] = evaluate(GPU_PACK.rules, ctx)
    # One group of 3,000 members: checking each new member against the list compared ~4.5 million times.
    assert CountingId.compared < 3 * n
    assert found.id == "GPU-001:acme-gpu"
    assert len(found.components) == n
    assert found.message == (
        "Acme GPU 0 from Acme Corp (also: Acme GPU 1, Acme GPU 2, Acme GPU 3, Acme GPU 4, Acme GPU 5 …)"
    )


def scale_inventory(n: int) -> Inventory:
    return inventory_json.from_dict(generate(n, seed=5))


@pytest.fixture(scope="module")
def big_context() -> Context:
    kb = knowledge.load()
    graph = StackGraph.merge([scale_inventory(3000)])
    return Context(graph=graph, kb=kb, matches=knowledge.annotate(kb, graph.components()), today=TODAY)


def test_the_rule_prefilter_keeps_every_subject_a_rule_selects(
    big_context: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = [r for p in load_packs() for r in p.rules]
    fast = evaluate(rules, big_context)
    fresh = Context(graph=big_context.graph, kb=big_context.kb, matches=big_context.matches, today=TODAY)
    monkeypatch.setattr(engine, "candidates", lambda sel, ctx: ctx.subjects())
    plain = evaluate(rules, fresh)
    assert fast == plain
    assert len({f.rule for f in fast}) >= 8  # the stack makes many rules fire, over all the layers


def test_candidates_are_the_groups_whose_representative_passes(big_context: Context) -> None:
    subjects = big_context.subjects()
    models = engine.candidates({"all": [{"field": "component.kind", "equals": "model"},
                                        {"field": "component.name", "exists": True}]}, big_context)  # fmt: skip
    assert models == [s for s in subjects if s[0].kind == "model"]
    runtimes = engine.candidates({"field": "kb.category", "equals": "accelerator-runtime"}, big_context)
    assert runtimes and runtimes == [s for s in subjects if s[1] is not None and s[1].category == "accelerator-runtime"]
    # The narrowest test decides; a selector without a grouped field keeps every subject.
    both = engine.candidates({"all": [{"field": "kb.matched", "equals": True},
                                      {"field": "component.kind", "equals": "dataset"}]}, big_context)  # fmt: skip
    assert both == [s for s in subjects if s[0].kind == "dataset"]
    assert engine.candidates({"field": "component.name", "exists": True}, big_context) is subjects
    assert engine.candidates({"not": {"field": "kb.matched", "equals": True}}, big_context) is subjects


def test_a_field_getter_reads_what_resolve_reads(big_context: Context) -> None:
    s = next(s for s in big_context.subjects() if s[1] is not None and s[1].alternatives)
    c, e = s[0], s[1]
    assert e is not None
    assert engine.field_getter("component.layer", big_context)(s) == c.layer.value
    assert engine.field_getter("kb.alternatives", big_context)(s) == list(e.alternatives)
    assert engine.field_getter("kb.vendor.name", big_context)(s) == big_context.kb.vendors[e.vendor].name
    assert engine.field_getter("kb.category", big_context)((c, None)) is None
    assert engine.field_getter("kb.matched", big_context)((c, None)) is False
    with pytest.raises(ValueError, match="unknown field nope.x"):
        engine.resolve("nope.x", s, big_context)


def test_strongly_connected_components_come_after_what_they_reach() -> None:
    nx = pytest.importorskip("networkx")
    rnd = random.Random(3)
    for _ in range(40):
        n = rnd.randint(1, 30)
        succ = [sorted({rnd.randrange(n) for _ in range(rnd.randint(0, 3))}) for _ in range(n)]
        comps = strongly_connected(succ)
        g = nx.DiGraph()
        g.add_nodes_from(range(n))
        g.add_edges_from((v, w) for v in range(n) for w in succ[v])
        assert sorted(sorted(c) for c in comps) == sorted(sorted(c) for c in nx.strongly_connected_components(g))
        where = {v: i for i, comp in enumerate(comps) for v in comp}
        assert all(where[w] <= where[v] for v in range(n) for w in succ[v])


def test_ancestor_counts_leave_uncounted_nodes_out_but_reach_through_them() -> None:
    nx = pytest.importorskip("networkx")
    rnd = random.Random(11)
    for _ in range(30):
        n = rnd.randint(1, 30)
        nodes = [f"n{i}" for i in range(n)]
        edges = [(rnd.choice(nodes), rnd.choice(nodes)) for _ in range(rnd.randint(0, 60))]
        hubs = set(rnd.sample(nodes, k=n // 4))
        g = nx.DiGraph()
        g.add_nodes_from(nodes)
        g.add_edges_from(edges)
        expected = {v: len(nx.ancestors(g, v) - hubs) for v in nodes}
        assert ancestor_counts(nodes, edges, uncounted=hubs) == expected
    # a chain through a hub: a <- hub <- b: a has one dependent that counts
    assert ancestor_counts(["a", "b", "hub"], [("b", "hub"), ("hub", "a")], ["a"], uncounted=["hub"]) == {"a": 1}


def test_joined_kb_regexes_match_as_the_patterns_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    components = list(StackGraph.merge([scale_inventory(3000)]).components())
    joined = knowledge.annotate(knowledge.load(), components)
    monkeypatch.setattr(Regexes, "of", classmethod(lambda cls, each: cls(each=tuple(each), joined=None)))
    one_by_one = knowledge.annotate(knowledge.load(), components)
    assert joined == one_by_one
    assert len(joined) > 300


def test_regexes_with_groups_or_flags_are_tested_one_by_one() -> None:
    import re

    plain = Regexes.of([(re.compile(p), e, p) for e, p in (("a", "^cuda-[0-9]+$"), ("b", "^rocm$"))])
    assert plain.joined is not None
    assert plain.to_try("numpy") == ()
    assert plain.to_try("rocm") == plain.each
    backref = Regexes.of([(re.compile(p), e, p) for e, p in (("a", "^(x)\\1$"), ("b", "^rocm$"))])
    assert backref.joined is None and backref.to_try("numpy") == backref.each
    flagged = Regexes.of([(re.compile("(?i)^ROCM$"), "b", "(?i)^ROCM$")])
    assert flagged.joined is None
    assert Regexes.of([]).to_try("x") == ()


def no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make jsonout's hand-over to json.dumps fail: the document must take the fast writer."""

    def refuse(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("jsonout handed the document to json.dumps")

    monkeypatch.setattr(json, "dumps", refuse)  # the module jsonout calls on a value it cannot write


def test_the_audit_json_is_json_dumps_text_written_by_the_fast_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    result = audit(scale_inventory(1500), kb=knowledge.load(), packs=load_packs(), today=TODAY)
    expected = (json.dumps(audit_mod.to_dict(result, "1.2.3"), indent=2, ensure_ascii=False) + "\n").encode()
    no_fallback(monkeypatch)
    assert audit_mod.dump(result, "1.2.3") == expected


def test_the_gate_verdict_json_is_json_dumps_text(monkeypatch: pytest.MonkeyPatch) -> None:
    verdict = gate.judge(snapshot(software=90.0), snapshot(finding("B:y"), software=80.0), gate.Policy())
    expected = json.dumps(gate.to_dict(verdict), indent=2, ensure_ascii=False) + "\n"
    no_fallback(monkeypatch)
    assert gate.render(verdict, "json") == expected


def test_keys_sorted_writes_what_sort_keys_writes() -> None:
    doc = {"b": [{"z": 1, "a": {"y": None, "é": "ü"}}, 2.5], "a": {"d": [], "c": {}}, "B": True}
    assert jsonout.dumps(history._keys_sorted(doc), ensure_ascii=False) == json.dumps(
        doc, indent=2, ensure_ascii=False, sort_keys=True
    )


def test_an_edge_cycle_through_the_stack_counts_each_dependent_once() -> None:
    comps = tuple(Component(id=f"pkg:pypi/{x}@1", layer=Layer.SOFTWARE, kind="package", name=x) for x in "abc")
    edges = (
        Edge(source="pkg:pypi/a@1", target="pkg:pypi/b@1", relation=Relation.DEPENDS_ON),
        Edge(source="pkg:pypi/b@1", target="pkg:pypi/a@1", relation=Relation.DEPENDS_ON),
        Edge(source="pkg:pypi/b@1", target="pkg:pypi/c@1", relation=Relation.DEPENDS_ON),
    )
    kb = small_kb()
    graph = StackGraph.merge([Inventory(components=comps, edges=edges)])
    ctx = Context(graph=graph, kb=kb, matches={}, today=TODAY)
    assert [ctx.dependents(f"pkg:pypi/{x}@1") for x in "abc"] == [1, 1, 2]
