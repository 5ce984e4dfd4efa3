"""MLCommons Croissant (0.8, 1.0, 1.1) and where data lives.

Golden inventories for the seven real Croissant files (mlcommons/croissant, Apache-2.0) and the
three of the sample stack part. File, checksum and storage-host counts are checked against counts
made here from the raw JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from sovaudit import inventory_json
from sovaudit.collectors.croissant import CroissantCollector, local, locate
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Component, Inventory, Relation
from tests.conftest import GOLDEN, REPO, SAMPLES, assert_golden

GOOD = SAMPLES / "data" / "good" / "croissant"
BAD = SAMPLES / "data" / "bad"
STACK = REPO / "sample_stacks" / "model-lineage" / "datasets"
REAL_SAMPLES = sorted(p.name for p in GOOD.glob("*.json"))
STACK_SAMPLES = sorted(p.name for p in STACK.glob("*.croissant.json"))


def collect(path: Path) -> Inventory:
    tp = TreePath.for_input(path)
    c = CroissantCollector()
    assert c.detect(tp), path
    return c.collect(tp)


def dataset(inv: Inventory) -> Component:
    (found,) = [c for c in inv.components if c.kind == "dataset" and not c.unresolved]
    return found


def raw_distribution(path: Path) -> list[dict[str, Any]]:
    doc = json.loads(path.read_text())
    return [d for d in doc.get("distribution", []) if isinstance(d, dict)]


@pytest.mark.parametrize("sample", REAL_SAMPLES)
def test_golden_real_croissant(sample: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    assert_golden(
        inventory_json.dump(collect(Path(sample))),
        GOLDEN / "data" / f"croissant_{sample.removesuffix('.json')}.inventory.json",
    )


@pytest.mark.parametrize("sample", STACK_SAMPLES)
def test_golden_sample_stack_croissant(sample: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(STACK)
    name = sample.removesuffix(".croissant.json")
    assert_golden(
        inventory_json.dump(collect(Path(sample))), GOLDEN / "data" / f"croissant_stack_{name}.inventory.json"
    )


@pytest.mark.parametrize(
    "path", [GOOD / s for s in REAL_SAMPLES] + [STACK / s for s in STACK_SAMPLES], ids=lambda p: p.name
)
def test_counts_against_the_raw_json(path: Path) -> None:
    inv = collect(path)
    dist = raw_distribution(path)
    objects = [d for d in dist if str(d.get("@type", "")).endswith("FileObject")]
    sets = [d for d in dist if str(d.get("@type", "")).endswith("FileSet")]
    files = [c for c in inv.components if c.kind == "data-file"]
    assert len(files) == len(objects)
    assert len([e for e in inv.edges if e.relation is Relation.CONTAINS]) == len(objects)
    assert dataset(inv).prop("croissant:file-objects") == str(len(objects))
    assert len([v for k, v in dataset(inv).properties if k == "croissant:file-set"]) == len(sets)
    digests = [d["sha256"] for d in objects if len(str(d.get("sha256", ""))) == 64]
    digests += [d["md5"] for d in objects if len(str(d.get("md5", ""))) == 32]
    assert sorted(v for f in files for _, v in f.hashes) == sorted(digests)
    hosts = set()
    for d in objects:
        url = str(d.get("contentUrl", ""))
        if "://" in url:
            parts = urlsplit(url)
            host = parts.hostname or ""
            hosts.add(
                {"s3": f"{host}.s3.amazonaws.com", "gs": f"{host}.storage.googleapis.com"}.get(parts.scheme, host)
            )
    locations = {c.prop("net:host") for c in inv.components if c.kind == "data-location"}
    assert locations == hosts
    stored = {e.target for e in inv.edges if e.relation is Relation.STORED_IN and e.source == dataset(inv).id}
    assert len(stored) == len(hosts)


def test_versions_and_identity() -> None:
    versions = {s: dataset(collect(GOOD / s)).prop("croissant:version") for s in REAL_SAMPLES}
    assert versions == {
        "0.8_fashion-mnist_metadata.json": "0.8",
        "1.0_fashion-mnist_metadata.json": "1.0",
        "1.0_huggingface-c4_metadata.json": "1.0",
        "1.0_titanic_metadata.json": "1.0",
        "1.1_commoncrawl-CC-MAIN-2025-43-draft_metadata.json": "1.1",
        "1.1_huggingface-squad_v2_metadata.json": "1.1",
        "1.1_zenodo-head-mri_metadata.json": "1.1",
    }
    squad = collect(GOOD / "1.1_huggingface-squad_v2_metadata.json")
    d = dataset(squad)
    assert (d.id, d.prop("hf:repo"), d.licenses) == (
        "data/dataset/rajpurkar/squad_v2",
        "rajpurkar/squad_v2",
        "CC-BY-SA-4.0",
    )
    assert d.prop("data:alias") == "SQuAD2.0"
    (derived,) = [e for e in squad.edges if e.relation is Relation.DERIVED_FROM]
    assert derived.target == "data/dataset/rajpurkar/squad"  # prov:wasDerivedFrom ... prov:locatedAt


def test_checksums_that_are_no_digest_are_kept_apart() -> None:
    inv = collect(GOOD / "1.0_huggingface-c4_metadata.json")
    (f,) = [c for c in inv.components if c.kind == "data-file"]
    assert f.hashes == ()
    assert f.prop("croissant:checksum-invalid") == "sha256: https://github.com/mlcommons/croissant/issues/80"
    mri = collect(GOOD / "1.1_zenodo-head-mri_metadata.json")
    (g,) = [c for c in mri.components if c.kind == "data-file"]
    assert g.hashes == (("MD5", "e5cbd0bca91f1787d057b0eac2572bde"),)


def test_rai_fields_and_eu_storage() -> None:
    legal = collect(STACK / "legal-fr-corpus.croissant.json")
    d = dataset(legal)
    assert (
        d.prop("rai:personalSensitiveInformation") == "Names of parties in case law were pseudonymised before release."
    )
    assert d.prop("croissant:conforms-to") == "http://mlcommons.org/croissant/1.1"
    assert d.description == "French legislation and case law (synthetic sovaudit sample), stored in EU regions."
    locations = {
        c.prop("data:provider"): (c.prop("geo:region"), c.prop("geo:country"))
        for c in legal.components
        if c.kind == "data-location"
    }
    assert locations == {"scaleway": ("fr-par", "FR"), "ovhcloud": ("gra", "FR")}
    tickets = collect(STACK / "support-tickets.croissant.json")
    hosts = {c.name: c.prop("geo:country") for c in tickets.components if c.kind == "data-location"}
    assert hosts == {"acme-ai-training.s3.us-east-1.amazonaws.com": "US", "acme-ai-training.s3.amazonaws.com": ""}


@pytest.mark.parametrize(
    ("url", "provider", "region", "country"),
    [
        ("https://bucket.s3.eu-west-3.amazonaws.com/x", "aws", "eu-west-3", "FR"),
        ("https://s3.us-east-1.amazonaws.com/bucket/x", "aws", "us-east-1", "US"),
        ("https://bucket.s3-eu-central-1.amazonaws.com/x", "aws", "eu-central-1", "DE"),
        ("s3://some-bucket/key", "aws", "", ""),
        ("gs://bucket/x", "google", "", ""),
        ("https://storage.googleapis.com/bucket/x", "google", "", ""),
        ("https://acct.blob.core.windows.net/c/x", "microsoft", "", ""),
        ("https://huggingface.co/datasets/a/b/resolve/main/x", "huggingface", "", ""),
        ("https://cdn-lfs-us-1.hf.co/repos/x", "huggingface", "", ""),
        ("https://b.s3.nl-ams.scw.cloud/x", "scaleway", "nl-ams", "NL"),
        ("https://s3.waw.io.cloud.ovh.net/b/x", "ovhcloud", "waw", "PL"),
        ("https://s3-de-central.ionoscloud.com/b/x", "ionos", "de-central", "DE"),
        ("https://object.storage.eu01.onstackit.cloud/b/x", "stackit", "eu01", "DE"),
        ("https://b.hel1.your-objectstorage.com/x", "hetzner", "hel1", "FI"),
        ("https://zenodo.org/records/1/files/x.zip", "cern", "", "CH"),
        ("https://data.example.org/x", "", "", ""),
    ],
)
def test_locate(url: str, provider: str, region: str, country: str) -> None:
    loc = locate(url)
    assert loc is not None
    assert (loc.provider, loc.region, loc.country) == (provider, region, country)


def test_locate_ignores_relative_and_odd_urls() -> None:
    assert locate("data/titanic.csv") is None
    assert locate("file:///etc/passwd") is None
    assert locate("https://[::1") is None


def test_local_names_of_json_ld_keys() -> None:
    assert [
        local(k)
        for k in (
            "sc:license",
            "https://schema.org/license",
            "rai:dataBiases",
            "@id",
            "http://purl.org/dc/terms/conformsTo",
        )
    ] == [
        "license",
        "license",
        "dataBiases",
        "@id",
        "conformsTo",
    ]


@pytest.mark.parametrize(
    ("sample", "reason"),
    [
        ("not-a-dataset.croissant.json", "has no @type Dataset; is this a Croissant file?"),
        ("truncated.croissant.json", "invalid JSON: Expecting value"),
    ],
)
def test_broken_croissant(sample: str, reason: str) -> None:
    with pytest.raises(InputError) as err:
        CroissantCollector().collect(TreePath.for_input(BAD / sample))
    assert err.value.path.endswith(sample)
    assert err.value.reason.startswith(reason)


def test_deep_nesting_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text(
        '{"@context": "http://mlcommons.org/croissant/", "@type": "sc:Dataset", "name": "x", "a": '
        + "[" * 5000
        + "]" * 5000
        + "}"
    )
    with pytest.raises(InputError) as err:
        CroissantCollector().collect(TreePath.for_input(path))
    assert "nested too deeply" in err.value.reason


def test_an_inventory_of_a_stack_with_datasets_is_read_back_as_an_inventory(tmp_path: Path) -> None:
    """Scan once, audit many: the inventory mentions Croissant's vocabulary (conformsTo) but is
    not a Croissant file, so the inventory reader, not this collector, must claim it."""
    from sovaudit import inventory_json
    from sovaudit.pipeline import scan as run_scan

    first = run_scan([str(STACK)]).inventory
    assert any(c.kind == "dataset" for c in first.components)
    saved = tmp_path / "stack.inventory.json"
    saved.write_bytes(inventory_json.dump(first))
    again = run_scan([str(saved)])
    assert not [i for i in again.inventory.inputs if i.status.value == "failed"]
    assert {c.id for c in again.inventory.components} == {c.id for c in first.components}
