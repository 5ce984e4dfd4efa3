"""Terraform plan JSON (``terraform show -json plan.out``; format_version 0.1 ... 1.x).

What becomes of a plan:

* every provider the plan uses (``configuration.provider_config`` and each resource's
  ``provider_name``) is a software-layer ``terraform-provider`` component named by its registry
  source (``registry.terraform.io/hashicorp/aws``; the short ``aws`` of 0.12-era plans is kept as
  written), with ``terraform:version-constraint`` when the configuration states one;
* for the providers of a known cloud (aws, azurerm/azapi, google/google-beta, oci, ovh, scaleway,
  openstack, ionoscloud, stackit, hcloud, opentelekomcloud, exoscale, upcloud, outscale, alicloud,
  huaweicloud, tencentcloud ...): the shared ``operational/cloud-provider/<key>`` component, and a
  ``cloud-service`` component per managed resource block (``module.net.aws_vpc.main``; the
  instances of a ``count``/``for_each`` are one component with ``compute:count``), with
  ``terraform:type``, ``terraform:address``, ``cloud:provider``, ``geo:region`` and ``geo:country``
  where the region is known, and ``hosted-by`` edges to its ``cloud-region`` and to the provider.
  The ``terraform-provider`` component gets a ``depends-on`` edge to the cloud provider too.

The region of a resource is its own ``region``/``location``/``zone`` attribute in the planned
values when it has one (a zone gives its region: ``europe-west4-a`` -> ``europe-west4``,
``fr-par-1`` -> ``fr-par``); otherwise the ``region`` of the provider configuration it uses
(aliases and module providers included, when the expression is a constant). Unknown values
(computed at apply time) are not guessed. Data sources are read, not created: they mark a provider
as used but make no cloud-service.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sovaudit.collectors.interface import Collector
from sovaudit.collectors.operational import cloud_key, provider_component, region_component
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Component, Edge, Evidence, Inventory, Layer, Relation, component_id

#: Terraform provider type -> cloud provider key.
TERRAFORM_CLOUDS = {
    "aws": "aws",
    "awscc": "aws",
    "azurerm": "azure",
    "azapi": "azure",
    "google": "gcp",
    "google-beta": "gcp",
    "oci": "oracle",
    "ibm": "ibm",
    "alicloud": "alibaba",
    "huaweicloud": "huawei",
    "tencentcloud": "tencent",
    "ovh": "ovhcloud",
    "scaleway": "scaleway",
    "outscale": "outscale",
    "ionoscloud": "ionos",
    "stackit": "stackit",
    "hcloud": "hetzner",
    "opentelekomcloud": "otc",
    "exoscale": "exoscale",
    "upcloud": "upcloud",
    "digitalocean": "digitalocean",
    "linode": "linode",
    "openstack": "openstack",
}
_REGION_KEYS = ("region", "location", "zone", "availability_zone", "datacenter_location")
_INDEX = re.compile(r"\[[^\]]*\]$")


def _provider_type(name: str) -> str:
    """``registry.terraform.io/hashicorp/aws`` / ``aws`` / ``aws.east`` -> ``aws``."""
    return name.split("/")[-1].split(".")[0]


def _zone_to_region(key: str, value: str) -> str:
    if key == "gcp" and re.fullmatch(r"[a-z]+-[a-z]+\d+-[a-z]", value):
        return value[:-2]
    if key == "scaleway" and re.fullmatch(r"[a-z]{2}-[a-z]{3}-\d", value):
        return value[:-2]
    if key == "aws" and re.fullmatch(r"[a-z]{2}(-gov)?-[a-z]+-\d[a-z]", value):
        return value[:-1]
    return value


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _constant(expr: Any) -> str:
    match expr:
        case {"constant_value": str(v)}:
            return v
        case _:
            return ""


@dataclass(slots=True)
class _ProviderConfig:
    type: str
    source: str
    region: str
    constraint: str


def _provider_configs(config: dict[str, Any]) -> dict[str, _ProviderConfig]:
    out = {}
    pc = config.get("provider_config")
    if isinstance(pc, dict):
        for key, v in pc.items():
            if not isinstance(v, dict):
                continue
            name = str(v.get("name") or _provider_type(key))
            exprs = _obj(v.get("expressions"))
            region = ""
            for rk in _REGION_KEYS:
                region = region or _constant(exprs.get(rk))
            out[key] = _ProviderConfig(
                type=name,
                source=str(v.get("full_name") or name),
                region=region,
                constraint=str(v.get("version_constraint") or ""),
            )
    return out


def _config_keys(module: Any, prefix: str, out: dict[str, str], depth: int = 0) -> None:
    """(module address + resource address) -> provider_config_key, through module calls."""
    if not isinstance(module, dict) or depth > 32:
        return
    for r in module.get("resources", []) if isinstance(module.get("resources"), list) else []:
        if isinstance(r, dict) and isinstance(r.get("address"), str):
            out[f"{prefix}{r['address']}"] = str(r.get("provider_config_key") or "")
    calls = module.get("module_calls")
    if isinstance(calls, dict):
        for name, call in calls.items():
            if isinstance(call, dict):
                _config_keys(call.get("module"), f"{prefix}module.{name}.", out, depth + 1)


def _resources(module: Any, out: list[dict[str, Any]], depth: int = 0) -> None:
    if not isinstance(module, dict) or depth > 64:
        return
    for r in module.get("resources", []) if isinstance(module.get("resources"), list) else []:
        if isinstance(r, dict):
            out.append(r)
    for child in module.get("child_modules", []) if isinstance(module.get("child_modules"), list) else []:
        _resources(child, out, depth + 1)


def _region_of(values: Any, key: str) -> str:
    if not isinstance(values, dict):
        return ""
    for rk in _REGION_KEYS:
        v = values.get(rk)
        if isinstance(v, str) and v:
            return _zone_to_region(key, v)
    return ""


def parse_plan(data: Any, path: TreePath, collector: str) -> Inventory:
    display = path.display()
    if not isinstance(data, dict) or "format_version" not in data:
        raise InputError(display, "no 'format_version'; is this `terraform show -json` output?")
    config = _obj(data.get("configuration"))
    configs = _provider_configs(config)
    keys: dict[str, str] = {}
    _config_keys(config.get("root_module"), "", keys)
    resources: list[dict[str, Any]] = []
    planned = data.get("planned_values")
    _resources(planned.get("root_module") if isinstance(planned, dict) else None, resources)
    if not resources:  # an empty plan: fall back to the changes
        for rc in data.get("resource_changes", []) if isinstance(data.get("resource_changes"), list) else []:
            if isinstance(rc, dict) and "delete" not in ((rc.get("change") or {}).get("actions") or []):
                resources.append({**rc, "values": (rc.get("change") or {}).get("after")})
    comps: dict[str, Component] = {}
    edges: list[Edge] = []
    ev = Evidence(path=display, collector=collector, pointer="/configuration/provider_config")

    providers: dict[str, tuple[str, str]] = {}  # source -> (type, constraint)
    for pc in configs.values():
        providers.setdefault(pc.source, (pc.type, pc.constraint))
    blocks: Counter[str] = Counter()
    first: dict[str, tuple[dict[str, Any], str, str]] = {}  # block -> (resource, key, region)
    for i, r in enumerate(resources):
        address = str(r.get("address") or "")
        source = str(r.get("provider_name") or "")
        if not address or not source:
            raise InputError(display, f"planned resource {i} has no 'address' or 'provider_name'")
        ptype = _provider_type(source)
        providers.setdefault(source, (ptype, ""))
        if r.get("mode") == "data" or address.startswith("data.") or ".data." in address:
            continue
        cloud = TERRAFORM_CLOUDS.get(ptype)
        if cloud is None:
            continue
        block = _INDEX.sub("", address)
        region = _region_of(r.get("values"), cloud)
        if not region:
            cfg = configs.get(keys.get(block, "")) or configs.get(ptype)
            region = _zone_to_region(cloud, cfg.region) if cfg else ""
        blocks[block] += 1
        first.setdefault(block, (r, cloud, region))

    # 0.12-era names carry the alias (``null.aliased``); configs without full_name say only ``aws``
    # where the resources say ``registry.terraform.io/hashicorp/aws``: one provider either way.
    merged: dict[str, tuple[str, str]] = {}
    full = {_provider_type(s): s for s in providers if "/" in s}
    for source, (ptype, constraint) in providers.items():
        canonical = source if "/" in source else full.get(ptype, ptype)
        kept = merged.get(canonical, (ptype, ""))
        merged[canonical] = (ptype, kept[1] or constraint)
    for source, (ptype, constraint) in sorted(merged.items()):
        pid = component_id(Layer.SOFTWARE, "terraform-provider", source)
        props = [("terraform:provider-type", ptype)]
        if constraint:
            props.append(("terraform:version-constraint", constraint))
        comps[pid] = Component(
            id=pid,
            layer=Layer.SOFTWARE,
            kind="terraform-provider",
            name=source,
            properties=tuple(sorted(props)),
            evidence=(ev,),
        )
        cloud = TERRAFORM_CLOUDS.get(ptype)
        if cloud:
            prov = provider_component(cloud_key(cloud), ev, (("terraform:provider-source", source),))
            comps.setdefault(prov.id, prov)
            edges.append(Edge(source=pid, target=prov.id, relation=Relation.DEPENDS_ON, evidence=(ev,)))

    for block, (r, cloud, region) in first.items():
        rev = Evidence(path=display, collector=collector, pointer=f"resource {block}")
        prov_id = component_id(Layer.OPERATIONAL, "cloud-provider", cloud)
        reg = region_component(cloud, region, rev) if region else None
        props = [
            ("terraform:type", str(r.get("type") or "")),
            ("terraform:address", block),
            ("cloud:provider", cloud),
            ("compute:count", str(blocks[block])),
        ]
        if reg is not None:
            props.extend((k, v) for k, v in reg.properties if k in ("geo:region", "geo:country"))
        sid = component_id(Layer.OPERATIONAL, "cloud-service", block)
        comps[sid] = Component(
            id=sid,
            layer=Layer.OPERATIONAL,
            kind="cloud-service",
            name=block,
            description=f"{r.get('type', '')} ({cloud}{', ' + region if region else ''})",
            properties=tuple(sorted(p for p in props if p[1])),
            evidence=(rev,),
        )
        edges.append(Edge(source=sid, target=prov_id, relation=Relation.HOSTED_BY, evidence=(rev,)))
        if reg is not None:
            comps.setdefault(reg.id, reg)
            edges.append(Edge(source=sid, target=reg.id, relation=Relation.HOSTED_BY, evidence=(rev,)))
            edges.append(Edge(source=reg.id, target=prov_id, relation=Relation.HOSTED_BY, evidence=(rev,)))
    return Inventory(components=tuple(comps.values()), edges=tuple(edges))


class TerraformPlanCollector(Collector):
    name = "terraform-plan"
    description = "`terraform show -json` plan output: providers, cloud resources and their regions"

    def detect(self, path: TreePath) -> bool:
        if path.suffix != ".json":
            return False
        head = path.read_head(2048)
        return b'"format_version"' in head and (
            b'"planned_values"' in head
            or b'"resource_changes"' in head
            or b'"terraform_version"' in head
            or b'"configuration"' in head
            or b'"prior_state"' in head
        )

    def collect(self, path: TreePath) -> Inventory:
        try:
            data = json.loads(path.read_bytes())
        except (ValueError, RecursionError) as err:
            raise InputError(path.display(), f"is not valid JSON: {err}") from err
        return parse_plan(data, path, self.name)
