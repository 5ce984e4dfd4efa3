"""Hugging Face dataset cards and DataCite (JSON and XML).

Goldens for the three real dataset cards (huggingface/datasets, Apache-2.0) and for our own
DataCite files, written in the shape of the DataCite schema examples (whose licence is unknown,
so they are not copied: the originals are parsed in place from ``../shared/samples/real`` when it
is there). Hostile XML (external entities, entity expansion) is refused by defusedxml.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import yaml

from sovaudit import inventory_json
from sovaudit.collectors.datacard import DataCiteJsonCollector, DataCiteXmlCollector, HfDatasetCardCollector
from sovaudit.collectors.interface import Collector
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Component, Inventory, Layer, Relation
from tests.conftest import GOLDEN, REPO, SAMPLES, assert_golden

GOOD = SAMPLES / "data" / "good"
BAD = SAMPLES / "data" / "bad"
REAL = REPO.parent / "shared" / "samples" / "real" / "data"
HUB = REPO / "sample_stacks" / "model-lineage" / "hf-cache" / "hub"

SAMPLES_BY_COLLECTOR: list[tuple[str, type[Collector]]] = [
    ("hf-dataset-cards/imagenet-1k_license-other_README.md", HfDatasetCardCollector),
    ("hf-dataset-cards/squad_2021_old-keys-licenses-languages_README.md", HfDatasetCardCollector),
    ("hf-dataset-cards/squad_2022_README.md", HfDatasetCardCollector),
    ("datacite/dataset-rights-mismatch.xml", DataCiteXmlCollector),
    ("datacite/software-gpl.json", DataCiteJsonCollector),
    ("datacite/rest-api-dataset.json", DataCiteJsonCollector),
]


def collect(collector: type[Collector], path: Path | str) -> Inventory:
    tp = TreePath.for_input(path)
    c = collector()
    assert c.detect(tp), path
    return c.collect(tp)


def main(inv: Inventory) -> Component:
    (found,) = [c for c in inv.components if c.kind in ("dataset", "software") and not c.unresolved]
    return found


@pytest.mark.parametrize(("sample", "collector"), SAMPLES_BY_COLLECTOR, ids=[s for s, _ in SAMPLES_BY_COLLECTOR])
def test_golden(sample: str, collector: type[Collector], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    name = Path(sample).name.removesuffix("_README.md").rsplit(".", 1)[0]
    assert_golden(
        inventory_json.dump(collect(collector, sample)),
        GOLDEN / "data" / f"{Path(sample).parent}_{name}.inventory.json",
    )


@pytest.mark.parametrize("card", sorted((GOOD / "hf-dataset-cards").glob("*_README.md")), ids=lambda p: p.name)
def test_dataset_card_edges_against_the_raw_yaml(card: Path) -> None:
    text = card.read_text()
    meta = yaml.safe_load(text.split("---")[1])
    inv = collect(HfDatasetCardCollector, card)
    sources = [s for s in meta.get("source_datasets", []) if s != "original"]
    assert len([e for e in inv.edges if e.relation is Relation.DERIVED_FROM]) == len(sources)
    licences = meta.get("license", meta.get("licenses"))
    assert main(inv).license_declared.split(": ")[0] == (licences[0] if isinstance(licences, list) else licences)


def test_dataset_card_values() -> None:
    old = main(
        collect(HfDatasetCardCollector, GOOD / "hf-dataset-cards" / "squad_2021_old-keys-licenses-languages_README.md")
    )
    assert (old.licenses, old.prop("data:language")) == ("CC-BY-4.0", "en")  # old keys licenses/languages
    new = main(collect(HfDatasetCardCollector, GOOD / "hf-dataset-cards" / "squad_2022_README.md"))
    assert new.prop("data:examples") == str(87599 + 10570)
    assert new.prop("data:alias") == "SQuAD"
    imagenet = main(collect(HfDatasetCardCollector, GOOD / "hf-dataset-cards" / "imagenet-1k_license-other_README.md"))
    assert (imagenet.licenses, imagenet.license_declared) == (
        "LicenseRef-imagenet-agreement",
        "other: imagenet-agreement",
    )
    assert imagenet.prop("hf:gated") == "true" and imagenet.prop("data:gated-non-commercial") == "true"
    assert imagenet.prop("data:size-bytes") == "167279609189"


def test_hub_dataset_snapshot_lives_on_the_hub() -> None:
    readme = next(HUB.glob("datasets--acme-ai--support-tickets/snapshots/*/README.md"))
    inv = collect(HfDatasetCardCollector, readme)
    d = main(inv)
    assert d.id == "data/dataset/acme-ai/support-tickets"
    assert (d.licenses, d.prop("data:license-level")) == ("LicenseRef-acme-internal-data", "L5")
    assert [e.target for e in inv.edges if e.relation is Relation.STORED_IN] == ["data/data-location/huggingface.co"]
    assert d.prop("data:gated-non-commercial") == "true"


def test_the_hub_dataset_card_template_is_a_clear_error() -> None:
    """The annotated template is no card: a ``{placeholder}: ...`` mapping is used as a key."""
    with pytest.raises(InputError) as err:
        HfDatasetCardCollector().collect(TreePath.for_input(GOOD / "hf-spec" / "hub-docs_datasetcard.md"))
    assert err.value.reason == "invalid YAML front matter: found unhashable key (line 92)"


def test_datacite_rights_mismatch_takes_the_more_restrictive() -> None:
    inv = collect(DataCiteXmlCollector, GOOD / "datacite" / "dataset-rights-mismatch.xml")
    d = main(inv)
    assert d.id == "data/dataset/doi:10.5072/sovaudit-air-2023"
    assert d.licenses == "CC-BY-NC-4.0"
    assert d.prop("datacite:license-mismatch") == "true"
    assert (d.prop("datacite:license-identifier"), d.prop("datacite:license-uri-says")) == ("CC-BY-4.0", "CC-BY-NC-4.0")
    assert d.prop("data:license-level") == "L4"
    (edge,) = [e for e in inv.edges if e.relation is Relation.DERIVED_FROM]
    assert edge.target == "data/dataset/doi:10.5072/sovaudit-raw-2023"
    raw = (GOOD / "datacite" / "dataset-rights-mismatch.xml").read_text()
    others = len(re.findall(r'relationType="(?!IsDerivedFrom)', raw))
    assert len([k for k, _ in d.properties if k == "datacite:related"]) == others


def test_datacite_json_forms() -> None:
    sw = main(collect(DataCiteJsonCollector, GOOD / "datacite" / "software-gpl.json"))
    assert (sw.layer, sw.kind, sw.licenses, sw.version) == (Layer.SOFTWARE, "software", "GPL-3.0-only", "1.2")
    assert sw.author == "Doe, Jane, Roe, Richard"
    rest = collect(DataCiteJsonCollector, GOOD / "datacite" / "rest-api-dataset.json")
    d = main(rest)
    assert (d.id, d.licenses, d.supplier) == (
        "data/dataset/doi:10.5072/sovaudit-ct-scans",
        "CC0-1.0",
        "Example Data Repository",
    )
    assert d.evidence[0].pointer == "/data/attributes"
    (loc,) = [c for c in rest.components if c.kind == "data-location"]
    assert (loc.prop("data:provider"), loc.prop("geo:region"), loc.prop("geo:country")) == ("aws", "eu-west-3", "FR")


@pytest.mark.parametrize(
    ("sample", "reason"),
    [
        ("xxe.xml", "XML refused: EntitiesForbidden (entities or a DTD)"),
        ("billion-laughs.xml", "XML refused: EntitiesForbidden (entities or a DTD)"),
        ("wrong-root.xml", "root element is not a DataCite <resource>"),
    ],
)
def test_hostile_xml(sample: str, reason: str) -> None:
    start = time.perf_counter()
    with pytest.raises(InputError) as err:
        DataCiteXmlCollector().collect(TreePath.for_input(BAD / sample))
    assert time.perf_counter() - start < 1.0
    assert err.value.path.endswith(sample)
    assert err.value.reason == reason


def test_dataset_card_alias_bomb() -> None:
    tp = TreePath.for_input(BAD / "dataset-card-bomb_README.md")
    assert HfDatasetCardCollector().detect(tp)
    with pytest.raises(InputError) as err:
        HfDatasetCardCollector().collect(tp)
    assert "alias bomb" in err.value.reason


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/samples/real is not beside the checkout")
def test_real_datacite_examples_in_place() -> None:
    """The DataCite examples (licence unknown) are not copied; here they are parsed where they are."""
    sw = main(collect(DataCiteJsonCollector, REAL / "datacite" / "kernel-4.3_datacite-example-software-v4.json"))
    assert (sw.kind, sw.licenses, sw.version) == ("software", "GPL-3.0-only", "2.0")
    ds = main(collect(DataCiteXmlCollector, REAL / "datacite" / "kernel-4.7_datacite-example-dataset-v4.xml"))
    assert (ds.licenses, ds.prop("datacite:license-mismatch")) == ("CC-BY-NC-4.0", "true")
    full = collect(DataCiteXmlCollector, REAL / "datacite" / "kernel-4.7_datacite-example-full-v4.xml")
    raw = (REAL / "datacite" / "kernel-4.7_datacite-example-full-v4.xml").read_text()
    derived = len(re.findall(r'relationType="IsDerivedFrom"', raw))
    assert len([e for e in full.edges if e.relation is Relation.DERIVED_FROM]) == derived
    assert main(full).licenses == "CC-BY-4.0"
