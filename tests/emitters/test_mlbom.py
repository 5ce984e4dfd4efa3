"""ML-BOM blocks (``modelCard``, component ``data``) added to our CycloneDX 1.6 documents.

The sample stack part (models and datasets, linked) is rendered by the CycloneDX emitter,
extended, validated against the official 1.6 JSON schema (strict) and XSD, and kept as reviewed
golden files. The validators are shown to reject a broken model card, and the official ML-BOM
example passes the same validator.
"""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest

from sovaudit.collectors import lineage
from sovaudit.collectors.croissant import CroissantCollector
from sovaudit.collectors.datacard import HfDatasetCardCollector
from sovaudit.collectors.modelcard import HfModelCardCollector, HfModelFolderCollector
from sovaudit.collectors.weights import GgufCollector, SafetensorsCollector
from sovaudit.emitters import cyclonedx as cdx
from sovaudit.emitters import mlbom
from sovaudit.emitters.interface import RenderContext
from sovaudit.model import Component, Inventory, Layer
from sovaudit.pipeline import scan
from tests.conftest import GOLDEN, REPO, SAMPLES, assert_golden

CTX = RenderContext(tool_version="0.0.0-test")
NS = "{http://cyclonedx.org/schema/bom/1.6}"


@pytest.fixture(scope="module")
def stack() -> Inventory:
    collectors = [HfModelFolderCollector(), CroissantCollector(), HfDatasetCardCollector(), HfModelCardCollector(),
                  SafetensorsCollector(), GgufCollector()]  # fmt: skip
    mp = pytest.MonkeyPatch()
    mp.chdir(REPO)
    try:
        result = scan(["sample_stacks/model-lineage"], collectors=collectors)
    finally:
        mp.undo()
    return lineage.link(result.inventory)


def extended(inv: Inventory, *, xml: bool) -> str:
    """The emitter's own document: it adds the ML-BOM blocks itself (no second pass here)."""
    return cdx.render(inv, CTX, xml=xml).decode()


def validate_json(text: str) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, str(error)


def validate_xml(text: str) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.xml import XmlValidator

    error = XmlValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, str(error)


def test_json_is_valid_and_golden(stack: Inventory) -> None:
    text = extended(stack, xml=False)
    validate_json(text)
    assert_golden(text.encode(), GOLDEN / "models" / "mlbom_model-lineage.cdx.json")


def test_xml_is_valid_and_golden(stack: Inventory) -> None:
    text = extended(stack, xml=True)
    validate_xml(text)
    assert_golden(text.encode(), GOLDEN / "models" / "mlbom_model-lineage.cdx.xml")


def test_every_model_and_data_component_gets_its_block(stack: Inventory) -> None:
    doc = json.loads(extended(stack, xml=False))
    by_ref = {c["bom-ref"]: c for c in doc["components"]}
    models = [c for c in stack.components if c.layer is Layer.MODEL]
    data = [c for c in stack.components if c.layer is Layer.DATA]
    assert all("modelCard" in by_ref[c.id] for c in models if c.prop("hf:pipeline-tag") or c.prop("model:type"))
    assert all(len(by_ref[c.id]["data"]) == 1 for c in data)
    legal = next(v for k, v in by_ref.items() if k.startswith("pkg:huggingface/eu-hpc-lab/eurollm-9b-legal-fr@"))
    card = legal["modelCard"]
    assert card["modelParameters"]["task"] == "text-generation"
    assert card["modelParameters"]["architectureFamily"] == "llama"
    assert card["modelParameters"]["modelArchitecture"] == "LlamaForCausalLM"
    assert card["modelParameters"]["datasets"] == [{"ref": "data/dataset/eu-hpc-lab/legal-fr-corpus"}]
    assert card["modelParameters"]["inputs"] == [{"format": "text"}]
    assert card["quantitativeAnalysis"]["performanceMetrics"] == [
        {"type": "accuracy", "value": "0.71", "slice": "Legal FR QA (held out)"}
    ]
    assert card["considerations"]["useCases"] == ["Drafting and summarising French legal documents, with human review."]
    assert card["considerations"]["ethicalConsiderations"][0]["name"].startswith("Trained on public French legal")
    tickets = by_ref["data/dataset/acme-ai/support-tickets"]["data"][0]
    assert tickets["type"] == "dataset"
    assert tickets["sensitiveData"] == ["Customer names, e-mail addresses and order numbers; not anonymised."]
    assert tickets["governance"] == {"owners": [{"organization": {"name": "Acme AI Inc."}}]}
    location = by_ref["data/data-location/legal-fr.s3.fr-par.scw.cloud"]["data"][0]
    assert location == {
        "type": "other",
        "name": "legal-fr.s3.fr-par.scw.cloud",
        "contents": {"url": "https://legal-fr.s3.fr-par.scw.cloud"},
        "governance": {"owners": [{"organization": {"name": "Scaleway"}}]},
    }


def test_xml_blocks_sit_where_the_schema_wants_them(stack: Inventory) -> None:
    root = ElementTree.fromstring(extended(stack, xml=True))
    for comp in root.iter(f"{NS}component"):
        children = [c.tag.removeprefix(NS) for c in comp]
        for tag in ("modelCard", "data"):
            if tag in children:
                assert children.index(tag) > children.index("properties")
        if comp.get("type") == "machine-learning-model" and "modelCard" in children:
            refs = [r.text for r in comp.iter(f"{NS}ref")]
            assert all(r for r in refs)


def test_json_and_xml_carry_the_same_blocks(stack: Inventory) -> None:
    doc = json.loads(extended(stack, xml=False))
    root = ElementTree.fromstring(extended(stack, xml=True))
    json_cards = {c["bom-ref"] for c in doc["components"] if "modelCard" in c}
    xml_cards = {c.get("bom-ref") for c in root.iter(f"{NS}component") if c.find(f"{NS}modelCard") is not None}
    assert json_cards == xml_cards and len(json_cards) == 7
    json_data = {c["bom-ref"] for c in doc["components"] if "data" in c}
    xml_data = {c.get("bom-ref") for c in root.iter(f"{NS}component") if c.find(f"{NS}data") is not None}
    assert json_data == xml_data


def test_documents_without_models_or_data_are_unchanged() -> None:
    inv = Inventory(
        components=(
            Component(
                id="pkg:pypi/numpy@1.26.4",
                layer=Layer.SOFTWARE,
                kind="package",
                name="numpy",
                version="1.26.4",
                purl="pkg:pypi/numpy@1.26.4",
            ),
        )
    )
    for xml in (False, True):
        text = cdx.render(inv, CTX, xml=xml).decode()
        assert mlbom.extend(text, inv, xml=xml) is text


def test_the_validators_reject_a_broken_model_card(stack: Inventory) -> None:
    doc = json.loads(extended(stack, xml=False))
    comp = next(c for c in doc["components"] if "modelCard" in c)
    comp["modelCard"]["modelParameters"]["approach"] = {"type": "guesswork"}
    with pytest.raises(AssertionError):
        validate_json(json.dumps(doc))
    xml = extended(stack, xml=True).replace("<modelParameters>", "<modelParameters><bogus/>", 1)
    with pytest.raises(AssertionError):
        validate_xml(xml)


def test_the_official_ml_bom_example_passes_the_same_validator() -> None:
    example = SAMPLES / "models" / "good" / "cyclonedx-mlbom" / "valid-machine-learning-considerations-env-1.6.json"
    validate_json(example.read_text())


def test_dataset_refs_only_to_components_in_the_document() -> None:
    model = Component(
        id="model/model/m", layer=Layer.MODEL, kind="model", name="m", properties=(("hf:pipeline-tag", "fill-mask"),)
    )
    card = mlbom.model_card(model, ["data/dataset/x"])
    assert card["modelParameters"]["datasets"] == [{"ref": "data/dataset/x"}]
    assert card["modelParameters"]["outputs"] == [{"format": "text"}]
    rl = mlbom.model_card(
        Component(
            id="m",
            layer=Layer.MODEL,
            kind="model",
            name="m",
            properties=(("hf:pipeline-tag", "reinforcement-learning"),),
        ),
        [],
    )
    assert rl["modelParameters"]["approach"] == {"type": "reinforcement-learning"}
