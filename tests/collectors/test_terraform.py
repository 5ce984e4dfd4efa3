"""Terraform plan JSON: providers with their registry source, cloud resources with their region.

Goldens were reviewed by eye. Provider and resource-block counts are recomputed here from the raw
JSON; the multi-cloud plan (ours) checks the region rules for each cloud.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from sovaudit import inventory_json
from sovaudit.collectors.terraform import TERRAFORM_CLOUDS, TerraformPlanCollector
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Relation
from tests.conftest import GOLDEN, SAMPLES, assert_golden

GOOD = SAMPLES / "compute" / "good" / "terraform-plan"
PLANS = sorted(p.name for p in GOOD.iterdir())


def walk(module: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = list(module.get("resources", []))
    for child in module.get("child_modules", []):
        out += walk(child)
    return out


@pytest.mark.parametrize("name", PLANS)
def test_golden_and_raw_counts(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    tp = TreePath.for_input(name)
    assert TerraformPlanCollector().detect(tp)
    inv = TerraformPlanCollector().collect(tp)
    assert_golden(inventory_json.dump(inv), GOLDEN / "compute" / f"terraform_{Path(name).stem}.inventory.json")
    data = json.loads((GOOD / name).read_text())
    resources = walk(data["planned_values"]["root_module"])
    types = {str(r["provider_name"]).split("/")[-1].split(".")[0] for r in resources}
    types |= {v["name"] for v in data.get("configuration", {}).get("provider_config", {}).values()}
    providers = [c for c in inv.components if c.kind == "terraform-provider"]
    assert len(providers) == len(types)
    blocks = {
        re.sub(r"\[[^\]]*\]$", "", str(r["address"]))
        for r in resources
        if r["mode"] == "managed" and str(r["provider_name"]).split("/")[-1] in TERRAFORM_CLOUDS
    }
    services = [c for c in inv.components if c.kind == "cloud-service"]
    assert sorted(c.name for c in services) == sorted(blocks)
    assert sum(int(c.prop("compute:count")) for c in services) == sum(
        1 for r in resources if re.sub(r"\[[^\]]*\]$", "", str(r["address"])) in blocks
    )


def test_multicloud_regions() -> None:
    inv = TerraformPlanCollector().collect(TreePath.for_input(GOOD / "multicloud-plan.json"))
    got = {
        c.name: (c.prop("cloud:provider"), c.prop("geo:region"), c.prop("geo:country"))
        for c in inv.components
        if c.kind == "cloud-service"
    }
    assert got == {
        "aws_instance.gpu": ("aws", "us-east-1", "US"),  # provider alias aws.us
        "aws_s3_bucket.datasets": ("aws", "eu-central-1", "DE"),  # default aws provider
        "aws_s3_bucket.replica": ("aws", "us-east-1", "US"),
        "module.network.aws_vpc.main": ("aws", "eu-west-3", "FR"),  # the module's provider
        "google_container_cluster.training": ("gcp", "europe-west4", "NL"),  # zone -> region
        "azurerm_resource_group.ml": ("azure", "westeurope", "NL"),
        "azurerm_machine_learning_workspace.ml": ("azure", "westeurope", "NL"),
        "ovh_cloud_project_kube.k8s": ("ovhcloud", "GRA11", "FR"),
        "scaleway_instance_server.gpu": ("scaleway", "fr-par", "FR"),
        "openstack_compute_instance_v2.login": ("openstack", "RegionOne", ""),
        "ionoscloud_datacenter.dc": ("ionos", "de/fra", "DE"),
        "stackit_ske_cluster.ske": ("stackit", "eu01", "DE"),
        "hcloud_server.web": ("hetzner", "fsn1", "DE"),
    }
    comps = {c.id: c for c in inv.components}
    assert comps["operational/cloud-service/aws_instance.gpu"].prop("compute:count") == "2"
    assert "operational/cloud-service/aws_instance.old" not in comps  # being deleted
    assert (
        comps["software/terraform-provider/registry.terraform.io/hashicorp/aws"].prop("terraform:version-constraint")
        == "~> 5.40"
    )
    hosted = {(e.source, e.target) for e in inv.edges if e.relation is Relation.HOSTED_BY}
    assert ("operational/cloud-service/hcloud_server.web", "operational/cloud-provider/hetzner") in hosted
    assert ("operational/cloud-service/hcloud_server.web", "operational/cloud-region/hetzner/fsn1") in hosted
    assert ("operational/cloud-region/hetzner/fsn1", "operational/cloud-provider/hetzner") in hosted
    assert not any("random" in c.id and c.kind == "cloud-service" for c in inv.components)


def test_bad_plans(tmp_path: Path) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text('{"format_version": "1.2", "planned_values": {"root_module": {"resources": [{"type": "x"}]}}}')
    with pytest.raises(InputError, match="planned resource 0 has no 'address' or 'provider_name'"):
        TerraformPlanCollector().collect(TreePath.for_input(bad))
    bad.write_text('{"format_version": "1.2", "planned_values": ')
    assert TerraformPlanCollector().detect(TreePath.for_input(bad))
    with pytest.raises(InputError, match="is not valid JSON"):
        TerraformPlanCollector().collect(TreePath.for_input(bad))
