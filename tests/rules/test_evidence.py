"""Every finding carries evidence, also on a component that no input described (an unresolved reference).

Such a placeholder exists because an edge names it: the graph gives it the evidence of the edges
that name it (where it was seen), and drops that evidence again when an input describes the
component itself, so the merge order of the inputs never changes what a component's evidence is.
"""

from __future__ import annotations

from datetime import date

from sovaudit import knowledge, rules
from sovaudit.graph import StackGraph
from sovaudit.model import Component, Edge, Evidence, Inventory, Layer, Relation
from sovaudit.pipeline import audit, scan
from tests.conftest import SAMPLES

MANIFEST = SAMPLES / "operational" / "good" / "eu-provider.sovaudit.yaml"


def test_governance_drift_on_a_scheduler_only_named_in_a_manifest_points_at_the_entries_naming_it() -> None:
    a = audit(scan([MANIFEST]).inventory, kb=knowledge.load(), packs=rules.load_packs(), today=date(2026, 11, 27))
    f = a.finding("CORE-ALL-004:slurm")
    assert f is not None and f.components == ("operational/scheduler/slurm",)
    lines = MANIFEST.read_text().splitlines()
    assert {ev.path for ev in f.evidence} == {str(MANIFEST)}
    named = sorted(ev.line for ev in f.evidence)
    assert len(named) == 3
    # each line is the start of a manifest entry whose `serves` names Slurm
    for line in named:
        entry = lines[line - 1 :]
        block = entry[: next((i for i, t in enumerate(entry[1:], 1) if t.startswith("  - ")), len(entry))]
        assert any("operational/scheduler/slurm" in t for t in block), lines[line - 1]
    [slurm] = [c for c in a.inventory.components if c.id == "operational/scheduler/slurm"]
    assert slurm.unresolved
    assert all(ff.evidence for ff in a.findings), [ff.id for ff in a.findings if not ff.evidence]


def test_a_placeholder_gives_up_the_edges_evidence_when_an_input_describes_it() -> None:
    named_at = Evidence(path="requirements.txt", collector="t", line=3)
    described_at = Evidence(path="site-packages/numpy/METADATA", collector="t", line=1)
    edge = Inventory(
        components=(Component(id="pkg:pypi/app@1", layer=Layer.SOFTWARE, kind="package", name="app"),),
        edges=(
            Edge(
                source="pkg:pypi/app@1",
                target="pkg:pypi/numpy@2.0.0",
                relation=Relation.DEPENDS_ON,
                evidence=(named_at,),
            ),
        ),
    )
    numpy = Inventory(
        components=(
            Component(
                id="pkg:pypi/numpy@2.0.0",
                layer=Layer.SOFTWARE,
                kind="package",
                name="numpy",
                version="2.0.0",
                purl="pkg:pypi/numpy@2.0.0",
                evidence=(described_at,),
            ),
        )
    )
    alone = StackGraph.merge([edge]).component("pkg:pypi/numpy@2.0.0")
    assert alone.unresolved and alone.evidence == (named_at,)
    first = StackGraph.merge([edge, numpy]).component("pkg:pypi/numpy@2.0.0")
    second = StackGraph.merge([numpy, edge]).component("pkg:pypi/numpy@2.0.0")
    assert first == second
    assert not first.unresolved and first.evidence == (described_at,)
