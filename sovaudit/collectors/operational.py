"""The operational manifest: what a site runs on that no file on disk shows.

A YAML file named ``sovaudit-operational.yaml`` (or ``*.sovaudit.yaml``) whose first keys are
``schema: sovaudit-operational`` and ``version: 1``; the format is documented in
``docs/operational-manifest.md`` and specified by ``sovaudit/schemas/operational-1.schema.json``
(point an editor's YAML language server at it for completion). The file is validated with
jsonschema; an error names the file, the line and the field::

    site/sovaudit-operational.yaml: line 14: contracts[0].expires: 'next year' is not a 'date'

Each entry becomes an operational-layer component (``cloud-provider``, ``cloud-region``,
``cloud-service``, ``saas``, ``contract``, ``storage-system``, ``network-provider``, ``skill``,
``exit-plan``, and the ``site``) with ``net:host`` where a host name is given and ``geo:country``
/ ``geo:region`` where known; what an entry ``serves`` gets an edge to it:
``hosted-by`` (clouds), ``depends-on`` (SaaS, storage, network), ``operated-by`` (contracts,
skills). An exit plan has ``depends-on`` edges to what it covers (edge property
``sovaudit:role=covers``) and to its alternative (``sovaudit:role=alternative``).

References (``serves``, ``for``, ``operated-by``) name an entry of the manifest by its ``id``
(default: derived from its name, e.g. ``aws``, ``github``, ``nvidia-support``) or any component id
(``operational/scheduler/slurm``, ``compute/node-group/hpc/gpu[001-128]``,
``pkg:pypi/torch@2.3.1``); anything else is an error with its line, so a typo is never silently a
dangling edge.

This module also holds what the Terraform and Kubernetes collectors share with it: the table of
cloud providers (:data:`CLOUDS`, :func:`cloud_key`), their regions' countries
(:func:`region_country`), the cloud components (:func:`provider_component`,
:func:`region_component`), and the bounded YAML reader (:func:`compose_documents`,
:func:`to_python`).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from sovaudit.collectors.interface import Collector
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Component, Edge, Evidence, Inventory, Layer, Relation, component_id

if TYPE_CHECKING:  # yaml is imported where a file is parsed: any *.yaml in a tree imports this module
    import yaml

#: Nodes one YAML file may expand to (aliases count each time they are used): "billion laughs" guard.
MAX_YAML_NODES = 500_000
MARKER = "sovaudit-operational"

# -- clouds ---------------------------------------------------------------------------------------
#: Provider key -> (display name, company, country of the company's seat).
CLOUDS: dict[str, tuple[str, str, str]] = {
    "aws": ("Amazon Web Services", "Amazon.com, Inc.", "US"),
    "azure": ("Microsoft Azure", "Microsoft Corporation", "US"),
    "gcp": ("Google Cloud", "Google LLC", "US"),
    "oracle": ("Oracle Cloud Infrastructure", "Oracle Corporation", "US"),
    "ibm": ("IBM Cloud", "International Business Machines Corporation", "US"),
    "digitalocean": ("DigitalOcean", "DigitalOcean, LLC", "US"),
    "linode": ("Akamai Cloud (Linode)", "Akamai Technologies, Inc.", "US"),
    "coreweave": ("CoreWeave", "CoreWeave, Inc.", "US"),
    "lambda": ("Lambda", "Lambda, Inc.", "US"),
    "alibaba": ("Alibaba Cloud", "Alibaba Group Holding Limited", "CN"),
    "huawei": ("Huawei Cloud", "Huawei Technologies Co., Ltd.", "CN"),
    "tencent": ("Tencent Cloud", "Tencent Holdings Limited", "CN"),
    "ovhcloud": ("OVHcloud", "OVH Groupe SA", "FR"),
    "scaleway": ("Scaleway", "Scaleway SAS", "FR"),
    "outscale": ("3DS Outscale", "Outscale SAS", "FR"),
    "ionos": ("IONOS Cloud", "IONOS SE", "DE"),
    "stackit": ("STACKIT", "STACKIT GmbH & Co. KG", "DE"),
    "hetzner": ("Hetzner Cloud", "Hetzner Online GmbH", "DE"),
    "otc": ("T Cloud Public (Open Telekom Cloud)", "T-Systems International GmbH", "DE"),
    "exoscale": ("Exoscale", "Akenes SA", "CH"),
    "upcloud": ("UpCloud", "UpCloud Ltd", "FI"),
    "cleura": ("Cleura", "Cleura AB", "SE"),
    "openstack": ("OpenStack cloud", "", ""),
}
_ALIASES = {
    "amazon": "aws",
    "amazon-web-services": "aws",
    "microsoft": "azure",
    "microsoft-azure": "azure",
    "azurerm": "azure",
    "google": "gcp",
    "google-cloud": "gcp",
    "google-cloud-platform": "gcp",
    "oci": "oracle",
    "oracle-cloud": "oracle",
    "ovh": "ovhcloud",
    "ionoscloud": "ionos",
    "ionos-cloud": "ionos",
    "hcloud": "hetzner",
    "open-telekom-cloud": "otc",
    "opentelekomcloud": "otc",
    "t-cloud": "otc",
    "alicloud": "alibaba",
    "aliyun": "alibaba",
    "huaweicloud": "huawei",
    "tencentcloud": "tencent",
    "akamai": "linode",
    "3ds-outscale": "outscale",
}
_AWS = {
    "eu-central-1": "DE",
    "eu-central-2": "CH",
    "eu-west-1": "IE",
    "eu-west-2": "GB",
    "eu-west-3": "FR",
    "eu-north-1": "SE",
    "eu-south-1": "IT",
    "eu-south-2": "ES",
    "eusc-de-east-1": "DE",
    "ca-central-1": "CA",
    "ca-west-1": "CA",
    "sa-east-1": "BR",
    "me-central-1": "AE",
    "me-south-1": "BH",
    "il-central-1": "IL",
    "af-south-1": "ZA",
    "ap-south-1": "IN",
    "ap-south-2": "IN",
    "ap-northeast-1": "JP",
    "ap-northeast-2": "KR",
    "ap-northeast-3": "JP",
    "ap-southeast-1": "SG",
    "ap-southeast-2": "AU",
    "ap-east-1": "HK",
}
_AZURE = {
    "westeurope": "NL",
    "northeurope": "IE",
    "germanywestcentral": "DE",
    "germanynorth": "DE",
    "francecentral": "FR",
    "francesouth": "FR",
    "swedencentral": "SE",
    "switzerlandnorth": "CH",
    "switzerlandwest": "CH",
    "norwayeast": "NO",
    "uksouth": "GB",
    "ukwest": "GB",
    "italynorth": "IT",
    "polandcentral": "PL",
    "spaincentral": "ES",
    "japaneast": "JP",
    "canadacentral": "CA",
}
_GCP = {
    "europe-west1": "BE",
    "europe-west2": "GB",
    "europe-west3": "DE",
    "europe-west4": "NL",
    "europe-west6": "CH",
    "europe-west8": "IT",
    "europe-west9": "FR",
    "europe-west10": "DE",
    "europe-west12": "IT",
    "europe-north1": "FI",
    "europe-north2": "SE",
    "europe-central2": "PL",
    "europe-southwest1": "ES",
    "northamerica-northeast1": "CA",
    "northamerica-northeast2": "CA",
    "asia-northeast1": "JP",
}
_OVH = (
    ("eu-west-par", "FR"),
    ("gra", "FR"),
    ("sbg", "FR"),
    ("rbx", "FR"),
    ("par", "FR"),
    ("eu-west-gra", "FR"),
    ("eu-west-sbg", "FR"),
    ("de", "DE"),
    ("lim", "DE"),
    ("uk", "GB"),
    ("waw", "PL"),
    ("bhs", "CA"),
    ("sgp", "SG"),
    ("syd", "AU"),
    ("us-east", "US"),
    ("us-west", "US"),
)
_HETZNER = {"nbg1": "DE", "fsn1": "DE", "hel1": "FI", "ash": "US", "hil": "US", "sin": "SG"}
_OTC = {"eu-de": "DE", "eu-nl": "NL", "eu-ch2": "CH"}
_STACKIT = {"eu01": "DE"}
_ISO2 = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CH",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IS",
        "IT",
        "LI",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "NO",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
        "GB",
        "US",
        "CA",
        "JP",
        "SG",
        "AU",
    ]
)


def cloud_key(provider: str) -> str:
    """The canonical key of a cloud provider name (``Amazon`` -> ``aws``, ``ovh`` -> ``ovhcloud``)."""
    key = re.sub(r"[\s_]+", "-", provider.strip().lower())
    return _ALIASES.get(key, key)


def region_country(provider: str, region: str) -> str:
    """ISO country of a provider's region code where it is known; "" otherwise."""
    r = region.strip().lower()
    if provider == "aws":
        if r.startswith(("us-", "us-gov-")):
            return "US"
        if r.startswith("cn-"):
            return "CN"
        return _AWS.get(r, "")
    if provider == "azure":
        if re.match(r"^(east|west|central|northcentral|southcentral|westcentral)us\d?$", r):
            return "US"
        return _AZURE.get(r.replace(" ", ""), "")
    if provider == "gcp":
        base = re.sub(r"-[a-z]$", "", r)  # a zone (europe-west4-a) -> its region
        if base.startswith("us-"):
            return "US"
        return _GCP.get(base, "")
    if provider == "ovhcloud":
        for prefix, country in _OVH:
            if r.startswith(prefix):
                return country
        return ""
    if provider == "hetzner":
        return _HETZNER.get(re.sub(r"-dc\d+$", "", r), "")
    if provider == "otc":
        return _OTC.get(r, "")
    if provider == "stackit":
        return _STACKIT.get(r, "")
    if provider in ("scaleway", "ionos", "exoscale", "upcloud", "cleura"):
        m = re.match(r"^([a-z]{2})[-/]", r)
        if m:
            code = "GB" if m.group(1) == "uk" else m.group(1).upper()
            return code if code in _ISO2 else ""
    return ""


def provider_component(
    key: str, ev: Evidence, extra: tuple[tuple[str, str], ...] = (), *, country: str = "", display: str = ""
) -> Component:
    """``operational/cloud-provider/<key>``, the node every input about that cloud shares."""
    known_display, company, known_country = CLOUDS.get(key, ("", "", ""))
    display = display or known_display
    country = country or known_country
    props = [("cloud:provider", key), *extra]
    if country:
        props.append(("geo:country", country))
    return Component(
        id=component_id(Layer.OPERATIONAL, "cloud-provider", key),
        layer=Layer.OPERATIONAL,
        kind="cloud-provider",
        name=key,
        supplier=company,
        description=display,
        properties=tuple(sorted(set(props))),
        evidence=(ev,),
    )


def region_component(key: str, region: str, ev: Evidence, country: str = "") -> Component:
    """``operational/cloud-region/<key>/<region>``."""
    country = country or region_country(key, region)
    props = [("cloud:provider", key), ("geo:region", region)]
    if country:
        props.append(("geo:country", country))
    name = f"{key}/{region}"
    return Component(
        id=component_id(Layer.OPERATIONAL, "cloud-region", name),
        layer=Layer.OPERATIONAL,
        kind="cloud-region",
        name=name,
        properties=tuple(sorted(props)),
        evidence=(ev,),
    )


# -- bounded YAML ---------------------------------------------------------------------------------
def compose_documents(path: TreePath, text: str | None = None) -> list[yaml.Node]:
    """Every document of a YAML file as nodes (safe C loader; nothing is constructed yet)."""
    import yaml

    text = path.read_text() if text is None else text
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return [d for d in yaml.compose_all(text, Loader=loader) if d is not None]
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise InputError(path.display(), f"{where}not valid YAML: {err.problem or err}") from err
    except yaml.YAMLError as err:
        raise InputError(path.display(), f"not valid YAML: {err}") from err
    except RecursionError as err:
        raise InputError(path.display(), "YAML nested too deeply to read") from err


@dataclass(slots=True)
class _Budget:
    left: int
    display: str

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise InputError(
                self.display, f"YAML expands to more than {MAX_YAML_NODES:,} nodes (aliases used over and over?)"
            )


@lru_cache(maxsize=1)
def _constructor() -> yaml.constructor.SafeConstructor:
    import yaml

    return yaml.constructor.SafeConstructor()


def to_python(
    node: yaml.Node,
    display: str,
    lines: dict[str, int] | None = None,
    *,
    budget: _Budget | None = None,
    pointer: str = "",
) -> Any:
    """A composed node as plain Python, with a node budget (aliases count each time) and, if asked,
    the line of every value by JSON pointer (and of every mapping key, as ``pointer + "#key"``).
    Dates become ISO strings."""
    import yaml

    budget = budget or _Budget(MAX_YAML_NODES, display)
    budget.spend()
    if lines is not None:
        lines.setdefault(pointer, node.start_mark.line + 1)
    try:
        if isinstance(node, yaml.ScalarNode):
            value = _constructor().construct_object(node, deep=True)
            if isinstance(value, (_dt.date, _dt.datetime)):
                return value.isoformat()
            if isinstance(value, bytes):
                raise InputError(display, f"line {node.start_mark.line + 1}: binary values are not accepted")
            return value
        if isinstance(node, yaml.SequenceNode):
            return [
                to_python(child, display, lines, budget=budget, pointer=f"{pointer}/{i}")
                for i, child in enumerate(node.value)
            ]
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    merged = to_python(value_node, display, None, budget=budget)
                    for m in merged if isinstance(merged, list) else [merged]:
                        if isinstance(m, dict):
                            for k, v in m.items():
                                out.setdefault(k, v)
                    continue
                key = to_python(key_node, display, None, budget=budget)
                skey = str(key)
                child = f"{pointer}/{_escape(skey)}"
                if lines is not None:
                    lines.setdefault(f"{child}#key", key_node.start_mark.line + 1)
                out[skey] = to_python(value_node, display, lines, budget=budget, pointer=child)
            return out
    except yaml.constructor.ConstructorError as err:
        raise InputError(display, f"line {node.start_mark.line + 1}: {err.problem or err}") from err
    except RecursionError as err:
        raise InputError(display, "YAML nested too deeply to read") from err
    except ValueError as err:  # a date out of range, an integer of over 4,300 digits
        raise InputError(display, f"line {node.start_mark.line + 1}: a value out of range") from err
    raise InputError(display, f"line {node.start_mark.line + 1}: unsupported YAML node")


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


# -- the manifest ---------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    text = resources.files("sovaudit.schemas").joinpath("operational-1.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _field(parts: list[str | int]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def validate(doc: Any, lines: dict[str, int], display: str) -> None:
    """Raise InputError naming line and field for the first schema violation (and how many more)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(doc), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if not errors:
        return
    err = min(errors, key=lambda e: len(e.absolute_path))
    if err.validator == "oneOf" and err.context:  # say what is wrong with the closest alternative
        err = min(err.context, key=lambda e: (-len(e.absolute_path), e.message))
    parts: list[str | int] = list(err.absolute_path)
    pointer = "".join(f"/{_escape(str(p))}" for p in parts)
    line = lines.get(pointer, 1)
    message = err.message
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = set(err.schema.get("properties", {}))
        extra = sorted(k for k in err.instance if k not in allowed)
        if extra:
            parts.append(extra[0])
            line = lines.get(f"{pointer}/{_escape(extra[0])}#key", line)
            message = f"unknown field {extra[0]!r} (allowed: {', '.join(sorted(allowed))})"
    elif err.validator == "required" and isinstance(err.validator_value, list) and isinstance(err.instance, dict):
        missing = [k for k in err.validator_value if k not in err.instance]
        if missing:
            parts.append(missing[0])
            message = f"missing required field {missing[0]!r}"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    raise InputError(display, f"line {line}: {_field(parts)}: {message}{more}")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-") or "entry"


@dataclass(slots=True)
class _Entry:
    section: str
    index: int
    data: dict[str, Any]
    component: Component
    relation: Relation  # what a "serves" reference gets towards this entry


@dataclass(slots=True)
class _Builder:
    path: TreePath
    collector: str
    lines: dict[str, int]
    comps: dict[str, Component] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    ids: dict[str, tuple[str, str]] = field(default_factory=dict)  # entry id -> (component id, pointer)

    def ev(self, pointer: str) -> Evidence:
        return Evidence(path=self.path.display(), collector=self.collector, line=self.lines.get(pointer, 0))

    def add(self, c: Component) -> None:
        self.comps.setdefault(c.id, c)

    def register(self, entry_id: str, cid: str, pointer: str, *, explicit: bool = True) -> None:
        """An entry's id; a clash is an error for ids written in the file, and makes a derived id
        unusable (a reference to it would be ambiguous)."""
        known = self.ids.get(entry_id)
        if known is not None and known[0] != cid:
            if explicit and not known[1].endswith("#derived"):
                line = self.lines.get(f"{pointer}/id", self.lines.get(pointer, 0))
                parts: list[str | int] = [int(p) if p.isdigit() else p for p in pointer.strip("/").split("/")]
                first = self.lines.get(f"{known[1]}/id", 0)
                raise InputError(
                    self.path.display(),
                    f"line {line}: {_field([*parts, 'id'])}: duplicate id {entry_id!r} (first used on line {first})",
                )
            if not explicit:
                return
        self.ids[entry_id] = (cid, pointer if explicit else f"{pointer}#derived")

    def resolve(self, ref: str, pointer: str) -> str:
        if ref in self.ids:
            return self.ids[ref][0]
        if "/" in ref or ref.startswith("pkg:"):
            return ref
        line = self.lines.get(pointer, 0)
        field_name = _field([int(p) if p.isdigit() else p for p in pointer.strip("/").split("/")])
        raise InputError(
            self.path.display(),
            f"line {line}: {field_name}: {ref!r} is neither an id of this manifest nor a component id "
            f"(known ids: {', '.join(sorted(self.ids)) or 'none'})",
        )


def _props(*pairs: tuple[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, str(v)) for k, v in pairs if v not in (None, "")))


def build(doc: dict[str, Any], b: _Builder) -> Inventory:
    entries: list[_Entry] = []
    site = doc.get("site")
    if isinstance(site, dict):
        sid = component_id(Layer.OPERATIONAL, "site", site["name"])
        b.add(
            Component(
                id=sid,
                layer=Layer.OPERATIONAL,
                kind="site",
                name=site["name"],
                supplier=site.get("organisation", ""),
                properties=_props(("geo:country", site.get("country"))),
                evidence=(b.ev("/site"),),
            )
        )
        b.register(site.get("id") or _slug(site["name"]), sid, "/site", explicit="id" in site)
    for i, c in enumerate(doc.get("clouds", [])):
        ptr = f"/clouds/{i}"
        key = cloud_key(c["provider"])
        accounts = []
        for a in c.get("accounts", []):
            if isinstance(a, dict):
                label = str(a["id"]) + (f" ({a['name']})" if a.get("name") else "")
                accounts.append(("cloud:account", label))
            else:
                accounts.append(("cloud:account", str(a)))
        prov = provider_component(
            key, b.ev(ptr), tuple(accounts), country=c.get("country", ""), display=c.get("name", "")
        )
        b.add(prov)
        b.register(c.get("id") or key, prov.id, ptr, explicit="id" in c)
        entries.append(_Entry("clouds", i, c, prov, Relation.HOSTED_BY))
        for j, r in enumerate(c.get("regions", [])):
            name, country = (r["name"], r.get("country", "")) if isinstance(r, dict) else (r, "")
            reg = region_component(key, name, b.ev(f"{ptr}/regions/{j}"), country)
            b.add(reg)
            b.register(f"{key}/{name}", reg.id, f"{ptr}/regions/{j}", explicit=False)
            b.edges.append(
                Edge(source=reg.id, target=prov.id, relation=Relation.HOSTED_BY, evidence=(reg.evidence[0],))
            )
        for j, svc in enumerate(c.get("services", [])):
            sname = f"{key}/{svc}"
            sev = b.ev(f"{ptr}/services/{j}")
            scomp = Component(
                id=component_id(Layer.OPERATIONAL, "cloud-service", sname),
                layer=Layer.OPERATIONAL,
                kind="cloud-service",
                name=sname,
                supplier=prov.supplier,
                properties=_props(("cloud:provider", key), ("cloud:service", svc)),
                evidence=(sev,),
            )
            b.add(scomp)
            b.edges.append(Edge(source=scomp.id, target=prov.id, relation=Relation.HOSTED_BY, evidence=(sev,)))
    simple = (
        ("saas", "saas", lambda e: e["name"], Relation.DEPENDS_ON),
        ("contracts", "contract", lambda e: f"{e['vendor']} {e.get('scope') or e['type']}", Relation.OPERATED_BY),
        ("storage", "storage-system", lambda e: e["name"], Relation.DEPENDS_ON),
        ("network", "network-provider", lambda e: e["name"], Relation.DEPENDS_ON),
        ("skills", "skill", lambda e: e["technology"], Relation.OPERATED_BY),
    )
    for section, kind, name_of, relation in simple:
        for i, e in enumerate(doc.get(section, [])):
            ptr = f"/{section}/{i}"
            name = name_of(e)
            comp = Component(
                id=component_id(Layer.OPERATIONAL, kind, name),
                layer=Layer.OPERATIONAL,
                kind=kind,
                name=name,
                supplier=e.get("vendor") or e.get("provider") or "",
                description=e.get("notes", ""),
                properties=_section_props(section, e),
                evidence=(b.ev(ptr),),
            )
            b.add(comp)
            default = _slug(f"skill-{name}") if section == "skills" else _slug(name)
            b.register(e.get("id") or default, comp.id, ptr, explicit="id" in e)
            entries.append(_Entry(section, i, e, comp, relation))
    for i, e in enumerate(doc.get("exit-plans", [])):
        ptr = f"/exit-plans/{i}"
        subjects = e["for"] if isinstance(e["for"], list) else [e["for"]]
        name = f"exit from {', '.join(subjects)}"
        comp = Component(
            id=component_id(Layer.OPERATIONAL, "exit-plan", name),
            layer=Layer.OPERATIONAL,
            kind="exit-plan",
            name=name,
            description=e.get("notes", ""),
            properties=_props(
                ("exit:status", e["status"]),
                ("exit:alternative", e.get("alternative")),
                ("exit:tested", e.get("tested")),
                ("exit:document", e.get("document")),
                ("exit:notice-period-days", e.get("notice-period-days")),
            ),
            evidence=(b.ev(ptr),),
        )
        b.add(comp)
        b.register(e.get("id") or _slug(f"exit-{'-'.join(subjects)}"), comp.id, ptr, explicit="id" in e)
        entries.append(_Entry("exit-plans", i, e, comp, Relation.DEPENDS_ON))
    # references, once every id is known
    for entry in entries:
        ptr = f"/{entry.section}/{entry.index}"
        ev = b.ev(ptr)
        for j, ref in enumerate(entry.data.get("serves", [])):
            target = b.resolve(ref, f"{ptr}/serves/{j}")
            b.edges.append(Edge(source=target, target=entry.component.id, relation=entry.relation, evidence=(ev,)))
        if entry.section == "storage" and entry.data.get("operated-by"):
            op = b.resolve(entry.data["operated-by"], f"{ptr}/operated-by")
            b.edges.append(Edge(source=entry.component.id, target=op, relation=Relation.OPERATED_BY, evidence=(ev,)))
        if entry.section == "exit-plans":
            subjects = entry.data["for"] if isinstance(entry.data["for"], list) else [entry.data["for"]]
            for j, ref in enumerate(subjects):
                where = f"{ptr}/for/{j}" if isinstance(entry.data["for"], list) else f"{ptr}/for"
                b.edges.append(
                    Edge(
                        source=entry.component.id,
                        target=b.resolve(ref, where),
                        relation=Relation.DEPENDS_ON,
                        properties=(("sovaudit:role", "covers"),),
                        evidence=(ev,),
                    )
                )
            alt = entry.data.get("alternative", "")
            if alt in b.ids or "/" in alt or alt.startswith("pkg:"):
                b.edges.append(
                    Edge(
                        source=entry.component.id,
                        target=b.resolve(alt, f"{ptr}/alternative"),
                        relation=Relation.DEPENDS_ON,
                        properties=(("sovaudit:role", "alternative"),),
                        evidence=(ev,),
                    )
                )
    return Inventory(components=tuple(b.comps.values()), edges=tuple(b.edges))


def _section_props(section: str, e: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    common = [("geo:country", e.get("country")), ("net:host", e.get("host"))]
    match section:
        case "saas":
            return _props(*common, ("saas:category", e["category"]), ("geo:data-location", e.get("data-location")))
        case "contracts":
            return _props(
                *common,
                ("contract:vendor", e["vendor"]),
                ("contract:type", e["type"]),
                ("contract:expires", e["expires"]),
                ("contract:scope", e.get("scope")),
                ("contract:renewal", e.get("renewal")),
            )
        case "storage":
            return _props(
                *common,
                ("storage:type", e["type"]),
                ("storage:product", e.get("product")),
                ("storage:capacity", e.get("capacity")),
            )
        case "network":
            return _props(*common, ("network:type", e["type"]))
        case "skills":
            return _props(
                ("skill:technology", e["technology"]), ("skill:people", e["people"]), ("skill:level", e.get("level"))
            )
    return _props(*common)


_NAME = re.compile(r"^(sovaudit-operational|.+\.sovaudit)\.ya?ml$")
_MARKER_LINE = re.compile(rb"^schema:\s*['\"]?sovaudit-operational['\"]?\s*(#.*)?$", re.MULTILINE)


class OperationalManifestCollector(Collector):
    name = "operational-manifest"
    description = (
        "sovaudit-operational.yaml / *.sovaudit.yaml: clouds, SaaS, contracts, storage, networks, skills, exit plans"
    )

    def detect(self, path: TreePath) -> bool:
        if _NAME.match(path.name):
            return True
        return path.suffix in (".yaml", ".yml") and _MARKER_LINE.search(path.read_head(4096)) is not None

    def collect(self, path: TreePath) -> Inventory:
        docs = compose_documents(path)
        if len(docs) != 1:
            raise InputError(path.display(), f"holds {len(docs)} YAML documents; an operational manifest is one")
        lines: dict[str, int] = {}
        doc = to_python(docs[0], path.display(), lines)
        if not isinstance(doc, dict) or doc.get("schema") != MARKER:
            raise InputError(path.display(), f"line 1: schema: missing the marker `schema: {MARKER}`")
        validate(doc, lines, path.display())
        return build(doc, _Builder(path=path, collector=self.name, lines=lines))
