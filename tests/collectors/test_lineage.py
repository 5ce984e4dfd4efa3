"""Lineage: references to bases and datasets, their resolution, and licence inheritance.

The headline case of the issue: an adapter of a quantised fine-tune of a Llama model, each of
whose cards says Apache-2.0, yields the chain and the inherited licence conflict — in memory,
and from the sample stack part's Hub cache (whose linked inventory is a reviewed golden file).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sovaudit import inventory_json
from sovaudit.collectors import lineage
from sovaudit.collectors.croissant import CroissantCollector
from sovaudit.collectors.datacard import HfDatasetCardCollector
from sovaudit.collectors.modelcard import HfModelCardCollector, HfModelFolderCollector
from sovaudit.collectors.weights import GgufCollector, SafetensorsCollector
from sovaudit.model import Component, Edge, Evidence, Inventory, Layer, Relation
from sovaudit.pipeline import scan
from tests.conftest import GOLDEN, REPO, assert_golden

STACK = REPO / "sample_stacks" / "model-lineage"
EV = Evidence(path="cards/x/README.md", collector="hf-model")


def card_model(repo: str, licence: str = "", declared: str = "", revision: str = "") -> Component:
    r = lineage.parse_repo(repo)
    assert r is not None
    cid = lineage.model_purl(r, revision)
    return Component(
        id=cid,
        layer=Layer.MODEL,
        kind="model",
        name=r.name,
        version=revision,
        purl=cid,
        licenses=licence,
        license_declared=declared,
        properties=(("hf:repo", r.id),),
        evidence=(EV,),
    )


def derived(source: Component, base: str, relation: str) -> tuple[Edge, Component]:
    return lineage.base_edge(source.id, base, relation, EV), lineage.base_reference(base, EV)


def llama_chain(with_base_card: bool) -> Inventory:
    """adapter -> AWQ quantisation -> fine-tune -> meta-llama/Llama-3.1-8B, every card Apache-2.0."""
    ft = card_model("acme/ft", "Apache-2.0", "apache-2.0", revision="1" * 40)
    awq = card_model("acme/ft-AWQ", "Apache-2.0", "apache-2.0", revision="2" * 40)
    lora = card_model("acme/lora", "Apache-2.0", "apache-2.0", revision="3" * 40)
    e1, r1 = derived(ft, "meta-llama/Llama-3.1-8B", "finetune")
    e2, r2 = derived(awq, "acme/ft", "quantized")
    e3, r3 = derived(lora, "acme/ft-AWQ", "adapter")
    comps = [ft, awq, lora, r1, r2, r3]
    if with_base_card:
        comps.append(card_model("meta-llama/Llama-3.1-8B", "LicenseRef-Llama-3.1-Community", "llama3.1", "4" * 40))
    return Inventory(components=tuple(comps), edges=(e1, e2, e3))


def by_name(inv: Inventory) -> dict[str, Component]:
    return {c.prop("hf:repo") or c.name: c for c in inv.components}


def test_adapter_of_a_quantised_finetune_of_llama_inherits_the_llama_licence() -> None:
    linked = lineage.link(llama_chain(with_base_card=True))
    models = by_name(linked)
    lora = models["acme/lora"]
    assert lora.prop("model:inherited-license") == "LicenseRef-Llama-3.1-Community"
    assert lora.prop("model:inherited-license-declared") == "llama3.1"
    assert lora.prop("model:inherited-license-level") == "L3"
    assert lora.prop("model:inherited-license-family") == "llama"
    assert lora.prop("model:inherited-from") == "meta-llama/Llama-3.1-8B"
    assert lora.prop("model:license-conflict") == "true"
    assert lora.prop("model:lineage-depth") == "3"
    assert lora.prop("model:license-chain") == (
        "acme/lora (apache-2.0) <- acme/ft-AWQ (apache-2.0) <- acme/ft (apache-2.0)"
        " <- meta-llama/Llama-3.1-8B (llama3.1)"
    )
    for repo, depth in (("acme/ft-AWQ", "2"), ("acme/ft", "1")):
        assert models[repo].prop("model:license-conflict") == "true"
        assert models[repo].prop("model:lineage-depth") == depth
    base = models["meta-llama/Llama-3.1-8B"]
    assert base.prop("model:inherited-license") == "" and base.prop("model:lineage-depth") == ""
    # The bare references resolved to the snapshots: no placeholder is left, and the chain is whole.
    assert not [c for c in linked.components if c.unresolved]
    chain = {
        (e.source.split("@")[0], e.target.split("@")[0], dict(e.properties)["model:relation"]) for e in linked.edges
    }
    assert chain == {
        ("pkg:huggingface/acme/lora", "pkg:huggingface/acme/ft-awq", "adapter"),
        ("pkg:huggingface/acme/ft-awq", "pkg:huggingface/acme/ft", "quantized"),
        ("pkg:huggingface/acme/ft", "pkg:huggingface/meta-llama/llama-3.1-8b", "finetune"),
    }


def test_a_base_known_only_by_name_still_passes_its_licence_down() -> None:
    """No card for meta-llama/Llama-3.1-8B (gated): the repo id fixes the family and version."""
    linked = lineage.link(llama_chain(with_base_card=False))
    lora = by_name(linked)["acme/lora"]
    assert lora.prop("model:inherited-license") == "LicenseRef-Llama-3.1-Community"
    assert lora.prop("model:inherited-license-basis") == "repo-id"
    assert lora.prop("model:license-conflict") == "true"
    assert [c.id for c in linked.components if c.unresolved] == ["pkg:huggingface/meta-llama/llama-3.1-8b"]


def test_no_conflict_when_the_derivative_keeps_the_licence() -> None:
    ft = card_model("acme/ft", "LicenseRef-Llama-3.1-Community", "llama3.1")
    edge, ref = derived(ft, "meta-llama/Llama-3.1-8B", "finetune")
    linked = lineage.link(Inventory(components=(ft, ref), edges=(edge,)))
    assert by_name(linked)["acme/ft"].prop("model:license-conflict") == "false"


def test_unknown_own_licence_inherits_without_a_conflict_claim() -> None:
    ft = card_model("acme/ft")
    edge, ref = derived(ft, "meta-llama/Meta-Llama-3-8B", "finetune")
    m = by_name(lineage.link(Inventory(components=(ft, ref), edges=(edge,))))["acme/ft"]
    assert m.prop("model:inherited-license") == "LicenseRef-Llama-3-Community"
    assert m.prop("model:license-conflict") == "false"


def test_open_rail_flows_down_and_permissive_does_not() -> None:
    base = card_model("org/sd", "LicenseRef-CreativeML-OpenRAIL-M", "creativeml-openrail-m")
    lora = card_model("me/lora", "MIT", "mit")
    e, r = derived(lora, "org/sd", "adapter")
    m = by_name(lineage.link(Inventory(components=(base, lora, r), edges=(e,))))["me/lora"]
    assert (m.prop("model:inherited-license-level"), m.prop("model:license-conflict")) == ("L2", "true")
    apache_base = card_model("org/apache", "Apache-2.0", "apache-2.0")
    child = card_model("me/child", "MIT", "mit")
    e2, r2 = derived(child, "org/apache", "finetune")
    m2 = by_name(lineage.link(Inventory(components=(apache_base, child, r2), edges=(e2,))))["me/child"]
    assert m2.prop("model:inherited-license") == "" and m2.prop("model:license-conflict") == ""
    assert m2.prop("model:lineage-depth") == "1"


def test_the_most_restrictive_ancestor_wins_and_cycles_end() -> None:
    a = card_model("x/a", "Apache-2.0", "apache-2.0")
    b = card_model("x/b", "LicenseRef-OpenRAIL", "openrail")
    c = card_model("x/c", "CC-BY-NC-4.0", "cc-by-nc-4.0")
    edges = [
        lineage.base_edge(a.id, "x/b", "finetune", EV),
        lineage.base_edge(b.id, "x/c", "finetune", EV),
        lineage.base_edge(c.id, "x/a", "merge", EV),  # a cycle: a -> b -> c -> a
    ]
    linked = by_name(lineage.link(Inventory(components=(a, b, c), edges=tuple(edges))))
    assert linked["x/a"].prop("model:inherited-license") == "CC-BY-NC-4.0"
    assert linked["x/a"].prop("model:inherited-license-level") == "L4"
    assert linked["x/a"].prop("model:license-chain") == "x/a (apache-2.0) <- x/b (openrail) <- x/c (cc-by-nc-4.0)"


def test_dataset_references_resolve_by_repo_alias_or_name() -> None:
    m = card_model("org/m", "MIT", "mit")
    refs = ["eu-lab/Legal-FR", "SQuAD", "nobody/unknown"]
    edges = tuple(lineage.dataset_edge(m.id, r, EV) for r in refs)
    comps = [m, *(lineage.dataset_reference(r, EV) for r in refs)]
    concrete = [
        Component(id="data/dataset/legal-fr-corpus", layer=Layer.DATA, kind="dataset", name="legal-fr-corpus",
                  properties=(("data:alias", "eu-lab/legal-fr"),)),
        Component(id="data/dataset/rajpurkar/squad", layer=Layer.DATA, kind="dataset", name="rajpurkar/squad",
                  properties=(("data:alias", "SQuAD"), ("hf:repo", "rajpurkar/squad"))),
    ]  # fmt: skip
    linked = lineage.link(Inventory(components=(*comps, *concrete), edges=edges))
    targets = sorted(e.target for e in linked.edges if e.relation is Relation.TRAINED_ON)
    assert targets == ["data/dataset/legal-fr-corpus", "data/dataset/nobody/unknown", "data/dataset/rajpurkar/squad"]
    assert [c.id for c in linked.components if c.unresolved] == ["data/dataset/nobody/unknown"]


def test_reference_ids() -> None:
    assert lineage.model_ref_id("Meta-Llama/Llama-3.1-8B") == "pkg:huggingface/meta-llama/llama-3.1-8b"
    assert lineage.model_ref_id("https://huggingface.co/org/name/tree/main") == "pkg:huggingface/org/name"
    assert lineage.model_ref_id("gpt2") == "pkg:huggingface/gpt2"
    assert lineage.model_ref_id("./local/../weights") == "model/model/./local/../weights"
    assert lineage.dataset_ref_id("https://huggingface.co/datasets/Org/Set") == "data/dataset/org/set"
    assert lineage.dataset_ref_id("wikipedia") == "data/dataset/wikipedia"
    assert lineage.relation_of("Quantized") == "quantized" and lineage.relation_of("bogus") == ""


def test_link_is_pure_and_normalised() -> None:
    inv = llama_chain(with_base_card=True)
    before = inventory_json.dump(inv)
    first = lineage.link(inv)
    assert inventory_json.dump(inv) == before
    assert lineage.link(first) == first


# -- the sample stack part -------------------------------------------------------------------------
def scan_part() -> Inventory:
    collectors = [
        HfModelFolderCollector(),
        CroissantCollector(),
        HfDatasetCardCollector(),
        HfModelCardCollector(),
        SafetensorsCollector(),
        GgufCollector(),
    ]
    result = scan([STACK.relative_to(REPO)], collectors=collectors)
    assert not result.crashes and not result.inventory.failed
    return lineage.link(result.inventory)


def test_sample_stack_part_golden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    inv = scan_part()
    assert_golden(inventory_json.dump(inv), GOLDEN / "models" / "sample-stack_model-lineage.inventory.json")


def test_sample_stack_part_chains_against_the_raw_cards(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    inv = scan_part()
    hub = STACK / "hf-cache" / "hub"
    repos = sorted(p.name for p in hub.iterdir() if p.name.startswith("models--"))
    models = [c for c in inv.components if c.layer is Layer.MODEL and not c.unresolved]
    assert len(models) == len(repos) == 7
    # Every base_model line of a card (or PEFT base) is one derived-from edge, resolved.
    declared = 0
    for readme in hub.glob("models--*/snapshots/*/README.md"):
        declared += len(re.findall(r"^base_model:", readme.read_text(), re.M))
    derived = [e for e in inv.edges if e.relation is Relation.DERIVED_FROM and e.source.startswith("pkg:")]
    assert len(derived) == declared == 5
    assert all("@" in e.target for e in derived)  # resolved to snapshots
    lora = next(c for c in models if c.name == "llama31-support-lora")
    assert lora.prop("model:license-chain").endswith("<- meta-llama/Llama-3.1-8B (llama3.1)")
    assert lora.prop("model:license-conflict") == "true"
    eu = next(c for c in models if c.name == "EuroLLM-9B-legal-fr")
    assert eu.prop("model:inherited-license") == "" and eu.prop("model:mof-class") == "III"
    # Where the training data lives.
    regions = {
        c.prop("geo:region")
        for e in inv.edges
        if e.relation is Relation.STORED_IN and e.source == "data/dataset/eu-hpc-lab/legal-fr-corpus"
        for c in inv.components
        if c.id == e.target
    }
    assert regions == {"fr-par", "gra"}


def test_reference_components_merge_into_concrete_ones(tmp_path: Path) -> None:
    """A reference and a concrete description of one id: the concrete one wins in the graph."""
    from sovaudit.graph import StackGraph

    ref = lineage.base_reference("org/base", EV)
    concrete = card_model("org/base", "MIT", "mit")
    merged = StackGraph.merge([Inventory(components=(ref,)), Inventory(components=(concrete,))]).component(ref.id)
    assert not merged.unresolved and merged.licenses == "MIT"
