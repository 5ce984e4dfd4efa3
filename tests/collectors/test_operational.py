"""The operational manifest: schema, goldens, edges, and errors that name file, line and field.

The shipped JSON Schema validates the sample manifests (ours, the sample-stack parts and the
example in docs/operational-manifest.md) with jsonschema directly, and rejects the broken ones;
the collector's messages are checked word for word. Edge counts are recomputed from the raw YAML.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from sovaudit import inventory_json
from sovaudit.collectors.operational import OperationalManifestCollector, cloud_key, region_country, schema
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Relation
from tests.conftest import GOLDEN, REPO, SAMPLES, assert_golden

GOOD = SAMPLES / "operational" / "good"
BAD = SAMPLES / "operational" / "bad"
PARTS = REPO / "sample_stacks" / "_parts" / "compute-operational"
MANIFESTS = sorted(p.name for p in GOOD.iterdir())
SCHEMA_FILE = REPO / "sovaudit" / "schemas" / "operational-1.schema.json"


def validator() -> jsonschema.Draft202012Validator:
    doc = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(doc)
    return jsonschema.Draft202012Validator(doc, format_checker=jsonschema.FormatChecker())


def load(path: Path) -> Any:
    return json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))


def docs_example() -> str:
    text = (REPO / "docs" / "operational-manifest.md").read_text()
    m = re.search(r"<!-- example -->\s*```yaml\n(.*?)```", text, re.S)
    assert m, "docs/operational-manifest.md has no <!-- example --> yaml block"
    return m.group(1)


@pytest.mark.parametrize(
    "path",
    [GOOD / n for n in MANIFESTS] + sorted(PARTS.rglob("*.yaml")),
    ids=lambda p: p.name,
)
def test_schema_accepts_the_samples(path: Path) -> None:
    assert list(validator().iter_errors(load(path))) == []


def test_schema_accepts_the_docs_example(tmp_path: Path) -> None:
    doc = yaml.safe_load(docs_example())
    assert list(validator().iter_errors(json.loads(json.dumps(doc, default=str)))) == []
    (tmp_path / "sovaudit-operational.yaml").write_text(docs_example())
    inv = OperationalManifestCollector().collect(TreePath.for_input(tmp_path / "sovaudit-operational.yaml"))
    assert len(inv.components) > 5


def test_packaged_schema_is_the_file() -> None:
    assert schema() == json.loads(SCHEMA_FILE.read_text())


@pytest.mark.parametrize("name", MANIFESTS)
def test_golden_and_edge_counts(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    tp = TreePath.for_input(name)
    assert OperationalManifestCollector().detect(tp)
    inv = OperationalManifestCollector().collect(tp)
    assert_golden(inventory_json.dump(inv), GOLDEN / "operational" / f"{name.split('.')[0]}.inventory.json")
    doc = yaml.safe_load((GOOD / name).read_text())
    sections = ("clouds", "saas", "contracts", "storage", "network", "skills", "exit-plans")
    serves = sum(len(e.get("serves", [])) for s in sections for e in doc.get(s, []))
    regions = sum(len(c.get("regions", [])) for c in doc.get("clouds", []))
    services = sum(len(c.get("services", [])) for c in doc.get("clouds", []))
    operated = sum(1 for e in doc.get("storage", []) if "operated-by" in e)
    covers = sum(len(e["for"]) if isinstance(e["for"], list) else 1 for e in doc.get("exit-plans", []))
    ids = {e.get("id") for s in sections for e in doc.get(s, [])} | {c["provider"] for c in doc.get("clouds", [])}
    alternatives = sum(1 for e in doc.get("exit-plans", []) if e.get("alternative") and e["alternative"] in ids)
    assert len(inv.edges) == serves + regions + services + operated + covers + alternatives
    entries = sum(len(doc.get(s, [])) for s in sections) + (1 if "site" in doc else 0)
    assert len(inv.components) == entries + regions + services


def test_us_site_facts() -> None:
    inv = OperationalManifestCollector().collect(TreePath.for_input(GOOD / "us-cloud.sovaudit.yaml"))
    comps = {c.id: c for c in inv.components}
    aws = comps["operational/cloud-provider/aws"]
    assert aws.prop("geo:country") == "US" and aws.supplier == "Amazon.com, Inc."
    assert sorted(v for k, v in aws.properties if k == "cloud:account") == [
        "123456789012 (research-burst)",
        "210987654321",
    ]
    assert comps["operational/cloud-region/aws/eu-central-1"].prop("geo:country") == "DE"
    okta = comps["operational/saas/Okta Workforce Identity"]
    assert (okta.prop("saas:category"), okta.prop("net:host"), okta.prop("geo:country")) == (
        "identity",
        "example-uni.okta.com",
        "US",
    )
    nv = comps["operational/contract/NVIDIA DGX and NVIDIA AI Enterprise support"]
    assert (nv.prop("contract:expires"), nv.prop("contract:type"), nv.supplier) == ("2027-03-31", "support", "NVIDIA")
    assert comps["operational/skill/ROCm"].prop("skill:people") == "0"
    edges = {(e.source, e.target, e.relation) for e in inv.edges}
    assert ("operational/scheduler/slurm", "operational/cloud-provider/aws", Relation.HOSTED_BY) in edges
    assert (
        "operational/scheduler/slurm",
        "operational/contract/SchedMD Slurm level-3 support",
        Relation.OPERATED_BY,
    ) in edges
    assert ("compute/node-group/gpu-cluster/gpu[001-032]", "operational/saas/Datadog", Relation.DEPENDS_ON) in edges
    covers = [e for e in inv.edges if dict(e.properties).get("sovaudit:role") == "covers"]
    assert {e.target for e in covers} == {"operational/cloud-provider/aws", "operational/saas/GitHub Enterprise Cloud"}


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("bad-date.sovaudit.yaml", "line 10: contracts[0].expires: 'next year' is not a 'date'"),
        (
            "unknown-field.sovaudit.yaml",
            "line 6: clouds[0].acount: unknown field 'acount' "
            "(allowed: accounts, country, id, name, notes, provider, regions, serves, services)",
        ),
        ("missing-required.sovaudit.yaml", "line 6: skills[1].people: missing required field 'people'"),
        (
            "unknown-ref.sovaudit.yaml",
            "line 9: skills[0].serves[0]: 'slurmm' is neither an id of this manifest nor a component id "
            "(known ids: aws, skill-slurm)",
        ),
        ("duplicate-id.sovaudit.yaml", "line 8: saas[1].id: duplicate id 'code' (first used on line 5)"),
        ("no-marker.sovaudit.yaml", "line 1: schema: missing the marker `schema: sovaudit-operational`"),
        ("alias-bomb.sovaudit.yaml", "YAML expands to more than 500,000 nodes (aliases used over and over?)"),
    ],
)
def test_broken_manifests_name_file_line_and_field(name: str, reason: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    tp = TreePath.for_input(name)
    assert OperationalManifestCollector().detect(tp)
    with pytest.raises(InputError) as err:
        OperationalManifestCollector().collect(tp)
    assert err.value.path == name
    assert err.value.reason == reason
    assert err.value.one_line() == f"{name}: {reason}"


def test_schema_rejects_the_broken_ones_too() -> None:
    for name in ("bad-date", "unknown-field", "missing-required"):
        assert list(validator().iter_errors(load(BAD / f"{name}.sovaudit.yaml")))


def test_detection(tmp_path: Path) -> None:
    (tmp_path / "anything.yaml").write_text("# a comment\nschema: sovaudit-operational\nversion: 1\n")
    (tmp_path / "values.yaml").write_text("schema: something-else\n")
    c = OperationalManifestCollector()
    assert c.detect(TreePath.for_input(tmp_path / "anything.yaml"))
    assert not c.detect(TreePath.for_input(tmp_path / "values.yaml"))


def test_cloud_tables() -> None:
    assert [cloud_key(x) for x in ("AWS", "Amazon", "ovh", "Google Cloud", "hcloud", "IONOS Cloud")] == [
        "aws",
        "aws",
        "ovhcloud",
        "gcp",
        "hetzner",
        "ionos",
    ]
    assert region_country("aws", "eusc-de-east-1") == "DE"
    assert region_country("gcp", "europe-west4-a") == "NL"
    assert region_country("azure", "eastus2") == "US"
    assert region_country("ovhcloud", "GRA11") == "FR"
    assert region_country("ionos", "de/fra") == "DE"
    assert region_country("scaleway", "pl-waw") == "PL"
    assert region_country("aws", "xx-nowhere-9") == ""
