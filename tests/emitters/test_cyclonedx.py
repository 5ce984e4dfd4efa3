"""The CycloneDX 1.6 emitters: golden files, schema validity, determinism, and a full read-back.

``read_back`` below is a reader of our own CycloneDX written only from the format described in
the docstring of ``sovaudit/emitters/cyclonedx.py``; it rebuilds the inventory from the JSON or
the XML, so every test that uses it checks that nothing (components, licences, typed edges with
scopes, properties and evidence, inputs) is lost on the way out.
"""

from __future__ import annotations

import gc
import hashlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from types import ModuleType
from typing import Any
from urllib.parse import unquote
from xml.etree import ElementTree

import pytest

from sovaudit import cyclonedx_properties as cp
from sovaudit.emitters import EMITTERS
from sovaudit.emitters import cyclonedx as cdx
from sovaudit.emitters.interface import RenderContext
from sovaudit.graph import StackGraph, placeholder
from sovaudit.model import (
    Component,
    Edge,
    Evidence,
    InputRecord,
    InputStatus,
    Inventory,
    Layer,
    Relation,
)
from tests.conftest import GOLDEN, REPO, assert_golden

CTX = RenderContext(tool_version="0.0.0-test")
NS = "{http://cyclonedx.org/schema/bom/1.6}"
SHA256 = hashlib.sha256(b"torch").hexdigest()


# -- the hand-built inventory ----------------------------------------------------------------------
def small_inventory() -> Inventory:
    """Every feature once: purl / no purl / non-canonical purl, single-id, compound, LicenseRef
    and declared-only licences, hashes (valid and not), an unresolved placeholder, every
    Relation, scopes, edge properties and evidence, evidence by line and by pointer, a path
    that needs escaping, inputs read and failed."""
    torch = "pkg:pypi/torch@2.3.0"
    numpy = "pkg:pypi/numpy@1.26.4"
    pyyaml = "pkg:pypi/PyYAML@6.0.1"  # packageurl-python writes the name in lower case
    image = "pkg:oci/pytorch@sha256%3A" + SHA256 + "?repository_url=nvcr.io/nvidia/pytorch&tag=24.05-py3"
    cuda = "software/runtime/cuda@12.4"
    gcc = "software/compiler/gcc@12.3.0"
    h100 = "compute/accelerator/NVIDIA H100 SXM5"
    llama = "model/model/llama-3-8b-instruct@1"
    llama_base = "model/model/llama-3-8b@1"
    fineweb = "data/dataset/fineweb@v1.1"
    lustre = "data/filesystem/lustre-scratch"
    hub = "operational/service/Hugging Face Hub"
    meta = "operational/organisation/Meta Platforms"
    req = Evidence(path="envs/train/requirements.txt", collector="pip-requirements", line=3)
    lock = Evidence(path="envs/train/pylock.toml", collector="pylock", pointer="packages.7")
    odd = Evidence(path="My Stack (old)/req#1:a.txt", collector="pip-requirements", line=12)
    comps = (
        Component(
            id=torch,
            layer=Layer.SOFTWARE,
            kind="package",
            name="torch",
            version="2.3.0",
            purl=torch,
            licenses="BSD-3-Clause",
            supplier="Meta Platforms",
            author="PyTorch Team",
            description="Tensors and dynamic neural networks in Python",
            hashes=(("SHA-256", SHA256), ("sha256", "not-hex")),
            properties=(("python:installer", "pip"), ("python:requested", "true")),
            evidence=(req, lock),
        ),
        Component(
            id=numpy,
            layer=Layer.SOFTWARE,
            kind="package",
            name="numpy",
            version="1.26.4",
            purl=numpy,
            licenses="BSD-3-Clause AND MIT",
            license_declared="BSD License",
            evidence=(odd,),
        ),
        Component(id=pyyaml, layer=Layer.SOFTWARE, kind="package", name="PyYAML", version="6.0.1", purl=pyyaml),
        Component(
            id=image,
            layer=Layer.SOFTWARE,
            kind="container-image",
            name="nvidia/pytorch",
            version="24.05-py3",
            purl=image,
            supplier="NVIDIA",
            evidence=(Evidence(path="Dockerfile", collector="dockerfile", line=1),),
        ),
        Component(
            id=cuda,
            layer=Layer.SOFTWARE,
            kind="runtime",
            name="cuda",
            version="12.4",
            license_declared="NVIDIA Software License Agreement",
            supplier="NVIDIA",
        ),
        Component(
            id=gcc, layer=Layer.SOFTWARE, kind="compiler", name="gcc", version="12.3.0", licenses="GPL-3.0-or-later"
        ),
        Component(id=h100, layer=Layer.COMPUTE, kind="accelerator", name="NVIDIA H100 SXM5", supplier="NVIDIA"),
        Component(
            id=llama,
            layer=Layer.MODEL,
            kind="model",
            name="llama-3-8b-instruct",
            version="1",
            licenses="LicenseRef-llama3",
            supplier="Meta Platforms",
            evidence=(Evidence(path="models/llama/README.md", collector="hf-model-card", pointer="/license"),),
        ),
        Component(id=llama_base, layer=Layer.MODEL, kind="model", name="llama-3-8b", version="1"),
        Component(id=fineweb, layer=Layer.DATA, kind="dataset", name="fineweb", version="v1.1", licenses="ODC-By-1.0"),
        Component(id=lustre, layer=Layer.DATA, kind="filesystem", name="lustre-scratch"),
        Component(id=hub, layer=Layer.OPERATIONAL, kind="service", name="Hugging Face Hub"),
        Component(id=meta, layer=Layer.OPERATIONAL, kind="organisation", name="Meta Platforms"),
        Component(
            id="pkg:conda/numpy@1.26.4",
            layer=Layer.SOFTWARE,
            kind="package",
            name="numpy",
            version="1.26.4",
            purl="pkg:conda/numpy@1.26.4",
        ),
        placeholder("pkg:pypi/filelock"),
    )
    edges = (
        Edge(
            source=torch,
            target=numpy,
            relation=Relation.DEPENDS_ON,
            scopes=("run",),
            properties=(("python:marker", "python_version >= '3.9'"),),
            evidence=(lock,),
        ),
        Edge(source=torch, target=pyyaml, relation=Relation.DEPENDS_ON),
        Edge(source=torch, target=cuda, relation=Relation.DEPENDS_ON, scopes=("link", "run")),
        Edge(source=torch, target="pkg:pypi/filelock", relation=Relation.DEPENDS_ON),
        # No component describes this one: the emitter adds an unresolved placeholder.
        Edge(source=torch, target="pkg:pypi/typing-extensions@4.12.0", relation=Relation.DEPENDS_ON),
        Edge(source=torch, target=h100, relation=Relation.RUNS_ON),
        Edge(source=torch, target=gcc, relation=Relation.BUILT_WITH, evidence=(odd,)),
        # Two relations between one pair: both must survive.
        Edge(source=image, target=torch, relation=Relation.CONTAINS),
        Edge(source=image, target=torch, relation=Relation.DEPENDS_ON),
        Edge(source=llama, target=fineweb, relation=Relation.TRAINED_ON),
        Edge(source=llama, target=llama_base, relation=Relation.DERIVED_FROM),
        Edge(source=llama, target=hub, relation=Relation.HOSTED_BY),
        Edge(source=fineweb, target=lustre, relation=Relation.STORED_IN),
        Edge(source=hub, target=meta, relation=Relation.OPERATED_BY),
        # Not a dependency: no dependsOn, only the typed edge.
        Edge(
            source="pkg:conda/numpy@1.26.4",
            target=numpy,
            relation=Relation.SAME_AS,
            properties=(("sovaudit:link", "same-software"), ("sovaudit:version-match", "true")),
        ),
    )
    inputs = (
        InputRecord(
            path="envs/train/requirements.txt", status=InputStatus.READ, collector="pip-requirements", components=3
        ),
        InputRecord(path="envs/old env.yml", status=InputStatus.FAILED, collector="conda", reason="not valid YAML"),
        InputRecord(path="notes.txt", status=InputStatus.SKIPPED),
    )
    return Inventory(components=comps, edges=edges, inputs=inputs)


def expected(inv: Inventory) -> Inventory:
    """What a reader must get back: the inventory as the graph merges it (placeholders added)."""
    return StackGraph.merge([inv]).to_inventory()


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    """benchmarks/cyclonedx_10k.py, for its deterministic synthetic inventory."""
    spec = importlib.util.spec_from_file_location("cyclonedx_10k", REPO / "benchmarks" / "cyclonedx_10k.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def render_json(inv: Inventory, ctx: RenderContext = CTX) -> bytes:
    return bytes(EMITTERS.get("cyclonedx-json")().render(inv, ctx))


def render_xml(inv: Inventory, ctx: RenderContext = CTX) -> bytes:
    return bytes(EMITTERS.get("cyclonedx-xml")().render(inv, ctx))


# -- a reader of our own CycloneDX -----------------------------------------------------------------
# Each format is first reduced to the same plain shape: components as dicts of the fields we
# write, and the dependency lists.
def _from_json(data: bytes) -> tuple[list[dict[str, Any]], dict[str, list[str]], list[tuple[str, str]]]:
    doc = json.loads(data)
    comps = []
    for c in doc.get("components", []):
        lic = (c.get("licenses") or [{}])[0]
        comps.append(
            {
                "ref": c["bom-ref"],
                "type": c["type"],
                "name": c["name"],
                "version": c.get("version", ""),
                "description": c.get("description", ""),
                "purl": c.get("purl", ""),
                "license_id": lic.get("license", {}).get("id", ""),
                "license_name": lic.get("license", {}).get("name", ""),
                "expression": lic.get("expression", ""),
                "supplier": c.get("supplier", {}).get("name", ""),
                "author": (c.get("authors") or [{}])[0].get("name", ""),
                "hashes": [(h["alg"], h["content"]) for h in c.get("hashes", [])],
                "properties": [(p["name"], p.get("value", "")) for p in c.get("properties", [])],
            }
        )
    deps = {d["ref"]: d.get("dependsOn", []) for d in doc.get("dependencies", [])}
    meta = [(p["name"], p.get("value", "")) for p in doc["metadata"].get("properties", [])]
    return comps, deps, meta


def _from_xml(data: bytes) -> tuple[list[dict[str, Any]], dict[str, list[str]], list[tuple[str, str]]]:
    root = ElementTree.fromstring(data)

    def text(el: ElementTree.Element | None, path: str) -> str:
        found = el.find(path) if el is not None else None
        return (found.text or "") if found is not None else ""

    def props(el: ElementTree.Element | None) -> list[tuple[str, str]]:
        if el is None:
            return []
        return [(p.attrib["name"], p.text or "") for p in el.findall(f"{NS}properties/{NS}property")]

    comps = []
    for c in root.findall(f"{NS}components/{NS}component"):
        lic = c.find(f"{NS}licenses/{NS}license")
        comps.append(
            {
                "ref": c.attrib["bom-ref"],
                "type": c.attrib["type"],
                "name": text(c, f"{NS}name"),
                "version": text(c, f"{NS}version"),
                "description": text(c, f"{NS}description"),
                "purl": text(c, f"{NS}purl"),
                "license_id": text(lic, f"{NS}id"),
                "license_name": text(lic, f"{NS}name"),
                "expression": text(c, f"{NS}licenses/{NS}expression"),
                "supplier": text(c, f"{NS}supplier/{NS}name"),
                "author": text(c, f"{NS}authors/{NS}author/{NS}name"),
                "hashes": [(h.attrib["alg"], h.text or "") for h in c.findall(f"{NS}hashes/{NS}hash")],
                "properties": props(c),
            }
        )
    deps = {
        d.attrib["ref"]: [t.attrib["ref"] for t in d.findall(f"{NS}dependency")]
        for d in root.findall(f"{NS}dependencies/{NS}dependency")
    }
    return comps, deps, props(root.find(f"{NS}metadata"))


def _evidence(value: str) -> tuple[Evidence, str]:
    """``<path>[:<line>][#<pointer>] (<collector>)`` and whatever follows it."""
    loc, _, rest = value.partition(" (")
    collector, _, tail = rest.partition(")")
    where, _, pointer = loc.partition("#")
    path, _, line = where.partition(":")
    ev = Evidence(path=unquote(path), collector=unquote(collector), line=int(line or 0), pointer=unquote(pointer))
    return ev, tail.removeprefix(" ")


def read_back(data: bytes, *, xml: bool) -> Inventory:
    comps_raw, deps, meta = _from_xml(data) if xml else _from_json(data)
    comps = []
    typed: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}  # (source, target) -> relation -> parts
    for c in comps_raw:
        own = []
        evidence = []
        hashes = list(c["hashes"])
        layer = kind = purl_prop = declared = ""
        for name, value in c["properties"]:
            if name == "sovaudit:layer":
                layer = value
            elif name == "sovaudit:kind":
                kind = value
            elif name == "sovaudit:purl":
                purl_prop = value
            elif name == "sovaudit:license-declared":
                declared = value
            elif name == "sovaudit:evidence":
                evidence.append(_evidence(value)[0])
            elif name == "sovaudit:hash":
                alg, _, digest = value.partition(" ")
                hashes.append((unquote(alg), digest))
            elif name == "sovaudit:edge":
                head, _, target = value.partition(" ")
                rel, _, scopes = head.partition("[")
                scope_list = [unquote(s) for s in scopes.rstrip("]").split(",")] if scopes else []
                entry = typed.setdefault((c["ref"], target), {}).setdefault(rel, {"props": [], "ev": []})
                entry["scopes"] = scope_list
            elif name == "sovaudit:edge-evidence":
                rel, _, rest = value.partition(" ")
                ev, target = _evidence(rest)
                typed.setdefault((c["ref"], target), {}).setdefault(rel, {"props": [], "ev": []})["ev"].append(ev)
            elif name == "sovaudit:edge-property":
                rel, k, v, target = value.split(" ", 3)
                entry = typed.setdefault((c["ref"], target), {}).setdefault(rel, {"props": [], "ev": []})
                entry["props"].append((unquote(k), unquote(v)))
            else:
                own.append((name, value))
        license_expr = c["license_id"] or c["expression"]
        comps.append(
            Component(
                id=c["ref"],
                layer=Layer(layer),
                kind=kind,
                name=c["name"],
                version=c["version"],
                purl=purl_prop or c["purl"],
                licenses=license_expr,
                license_declared=declared if license_expr else c["license_name"],
                supplier=c["supplier"],
                author=c["author"],
                description=c["description"],
                hashes=tuple(hashes),
                properties=tuple(own),
                evidence=tuple(evidence),
            )
        )
    edges = []
    for source, targets in deps.items():
        for target in targets:
            if (source, target) not in typed:
                edges.append(Edge(source=source, target=target, relation=Relation.DEPENDS_ON))
    for (source, target), relations in typed.items():
        for rel, parts in relations.items():
            assert "scopes" in parts, f"edge details without a sovaudit:edge: {source} {rel} {target}"
            # Every typed edge is in dependsOn, except same-as (no dependency).
            assert (target in deps.get(source, [])) is (rel != "same-as"), (source, rel, target)
            edges.append(
                Edge(
                    source=source,
                    target=target,
                    relation=Relation(rel),
                    scopes=tuple(parts["scopes"]),
                    properties=tuple(parts["props"]),
                    evidence=tuple(parts["ev"]),
                )
            )
    inputs = []
    for name, value in meta:
        assert name == "sovaudit:input", name
        fields = value.split(" ", 4)
        inputs.append(
            InputRecord(
                status=InputStatus(fields[0]),
                collector=unquote(fields[1]),
                components=int(fields[2]),
                path=unquote(fields[3]),
                reason=fields[4] if len(fields) == 5 else "",
            )
        )
    return Inventory(components=tuple(comps), edges=tuple(edges), inputs=tuple(inputs)).normalised()


# -- golden files ----------------------------------------------------------------------------------
def test_golden_json() -> None:
    assert_golden(render_json(small_inventory()), GOLDEN / "cyclonedx" / "small.cdx.json")


def test_golden_xml() -> None:
    assert_golden(render_xml(small_inventory()), GOLDEN / "cyclonedx" / "small.cdx.xml")


# -- schema validity -------------------------------------------------------------------------------
def _validate_json(data: bytes) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(data.decode())
    assert error is None, str(error)


def _validate_xml(data: bytes) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.xml import XmlValidator

    error = XmlValidator(SchemaVersion.V1_6).validate_str(data.decode())
    assert error is None, str(error)


def test_small_json_is_valid_cyclonedx_1_6() -> None:
    _validate_json(render_json(small_inventory()))


def test_small_xml_is_valid_cyclonedx_1_6() -> None:
    _validate_xml(render_xml(small_inventory()))


def test_validators_do_reject() -> None:
    """The validation above can fail: a document with a bad component type is refused."""
    doc = json.loads(render_json(small_inventory()))
    doc["components"][0]["type"] = "gadget"
    with pytest.raises(AssertionError):
        _validate_json(json.dumps(doc).encode())
    xml = render_xml(small_inventory()).replace(b'type="library"', b'type="gadget"', 1)
    with pytest.raises(AssertionError):
        _validate_xml(xml)


def test_medium_inventory_is_valid_in_both_formats(bench: ModuleType) -> None:
    """A few hundred components (strict JSON validation is quadratic in uniqueItems)."""
    small = small_inventory()
    synthetic = bench.synthetic_inventory(300)
    inv = Inventory(components=small.components + synthetic.components, edges=small.edges + synthetic.edges)
    json_doc = render_json(inv, RenderContext(tool_version="1.2.3", timestamp=datetime(2025, 1, 2, tzinfo=UTC)))
    _validate_json(json_doc)
    _validate_xml(render_xml(inv))
    assert len(json.loads(json_doc)["components"]) == 300 + len(small.components) + 1  # + typing-extensions


# -- the read-back ---------------------------------------------------------------------------------
@pytest.mark.parametrize("xml", [False, True], ids=["json", "xml"])
def test_read_back_gives_the_same_inventory(xml: bool) -> None:
    inv = small_inventory()
    data = render_xml(inv) if xml else render_json(inv)
    assert read_back(data, xml=xml) == expected(inv)


@pytest.mark.parametrize("xml", [False, True], ids=["json", "xml"])
def test_every_typed_edge_is_recovered(xml: bool) -> None:
    inv = small_inventory()
    back = read_back(render_xml(inv) if xml else render_json(inv), xml=xml)
    got = {(e.source, e.target, e.relation, e.scopes) for e in back.edges}
    want = {(e.source, e.target, e.relation, tuple(sorted(e.scopes))) for e in inv.edges}
    assert got == want
    assert {e.relation for e in back.edges} == set(Relation)


def test_read_back_of_a_synthetic_inventory(bench: ModuleType) -> None:
    inv = bench.synthetic_inventory(500)
    assert read_back(render_json(inv), xml=False) == expected(inv)
    assert read_back(render_xml(inv), xml=True) == expected(inv)


def test_every_edge_is_a_depends_on_and_every_component_has_an_entry() -> None:
    inv = small_inventory()
    doc = json.loads(render_json(inv))
    deps = {d["ref"]: d.get("dependsOn", []) for d in doc["dependencies"]}
    refs = [c["bom-ref"] for c in doc["components"]]
    assert sorted(deps) == refs
    pairs = {(e.source, e.target) for e in inv.edges if e.relation is not Relation.SAME_AS}
    assert {(s, t) for s, ts in deps.items() for t in ts} == pairs
    assert deps["pkg:conda/numpy@1.26.4"] == []
    image = next(c for c in doc["components"] if c["type"] == "container")
    edge_props = sorted(p["value"] for p in image["properties"] if p["name"] == "sovaudit:edge")
    assert edge_props == ["contains pkg:pypi/torch@2.3.0", "depends-on pkg:pypi/torch@2.3.0"]


# -- the mapping -----------------------------------------------------------------------------------
def _components(data: bytes) -> dict[str, dict[str, Any]]:
    return {c["bom-ref"]: c for c in json.loads(data)["components"]}


def _props(c: dict[str, Any], name: str) -> list[str]:
    return [p["value"] for p in c.get("properties", []) if p["name"] == name]


def test_component_fields() -> None:
    comps = _components(render_json(small_inventory()))
    torch = comps["pkg:pypi/torch@2.3.0"]
    assert torch["type"] == "library"
    assert torch["name"] == "torch" and torch["version"] == "2.3.0"
    assert torch["purl"] == "pkg:pypi/torch@2.3.0"
    assert torch["licenses"] == [{"license": {"id": "BSD-3-Clause"}}]
    assert torch["supplier"] == {"name": "Meta Platforms"}
    assert torch["authors"] == [{"name": "PyTorch Team"}]
    assert torch["description"] == "Tensors and dynamic neural networks in Python"
    assert torch["hashes"] == [{"alg": "SHA-256", "content": SHA256}]
    assert _props(torch, "sovaudit:hash") == ["sha256 not-hex"]
    assert _props(torch, "sovaudit:layer") == ["software"]
    assert _props(torch, "sovaudit:kind") == ["package"]
    assert _props(torch, "python:installer") == ["pip"]
    assert _props(torch, "sovaudit:evidence") == [
        "envs/train/pylock.toml#packages.7 (pylock)",
        "envs/train/requirements.txt:3 (pip-requirements)",
    ]
    names = [(p["name"], p["value"]) for p in torch["properties"]]
    assert names == sorted(names)
    assert list(comps) == sorted(comps)


def test_evidence_value_is_describe_plus_collector_and_escapes_only_when_needed() -> None:
    plain = Evidence(path="a/b.txt", collector="pip-requirements", line=4)
    assert cp.evidence_value(plain) == plain.describe() + " (pip-requirements)"
    pointer = Evidence(path="a/b.json", collector="c", pointer="/x/0")
    assert cp.evidence_value(pointer) == pointer.describe() + " (c)"
    odd = Evidence(path="My (old)/a#b:c%.txt", collector="x", line=1, pointer="k(1)")
    assert cp.evidence_value(odd) == "My %28old)/a%23b%3Ac%25.txt:1#k%281) (x)"
    assert _evidence(cp.evidence_value(odd))[0] == odd


@pytest.mark.parametrize(
    ("layer", "kind", "cdx_type"),
    [
        (Layer.SOFTWARE, "package", "library"),
        (Layer.SOFTWARE, "library", "library"),
        (Layer.SOFTWARE, "application", "application"),
        (Layer.SOFTWARE, "framework", "framework"),
        (Layer.SOFTWARE, "runtime", "framework"),
        (Layer.SOFTWARE, "compiler", "application"),
        (Layer.SOFTWARE, "container-image", "container"),
        (Layer.SOFTWARE, "something-new", "library"),
        (Layer.MODEL, "model", "machine-learning-model"),
        (Layer.MODEL, "adapter", "machine-learning-model"),
        (Layer.DATA, "dataset", "data"),
        (Layer.DATA, "filesystem", "platform"),
        (Layer.COMPUTE, "hardware", "device"),
        (Layer.COMPUTE, "accelerator", "device"),
        (Layer.COMPUTE, "node", "device"),
        (Layer.COMPUTE, "interconnect", "device"),
        (Layer.OPERATIONAL, "service", "platform"),
        (Layer.OPERATIONAL, "organisation", "platform"),
        (Layer.OPERATIONAL, "scheduler", "application"),
    ],
)
def test_component_type(layer: Layer, kind: str, cdx_type: str) -> None:
    c = Component(id=f"{layer.value}/{kind}/x", layer=layer, kind=kind, name="x")
    assert cdx.component_type(c) == cdx_type
    assert _components(render_json(Inventory(components=(c,))))[c.id]["type"] == cdx_type


@pytest.mark.parametrize(
    ("licenses", "declared", "want", "extra"),
    [
        ("MIT", "", [{"license": {"id": "MIT"}}], []),
        ("Apache-2.0 OR MIT", "", [{"expression": "Apache-2.0 OR MIT"}], []),
        (
            "GPL-2.0-only WITH Classpath-exception-2.0",
            "",
            [{"expression": "GPL-2.0-only WITH Classpath-exception-2.0"}],
            [],
        ),
        ("LicenseRef-acme", "", [{"expression": "LicenseRef-acme"}], []),
        ("MIT", "MIT License", [{"license": {"id": "MIT"}}], ["MIT License"]),
        ("", "Proprietary EULA", [{"license": {"name": "Proprietary EULA"}}], []),
        ("", "", None, []),
    ],
)
def test_licences(licenses: str, declared: str, want: Any, extra: list[str]) -> None:
    c = Component(
        id="pkg:generic/x@1",
        layer=Layer.SOFTWARE,
        kind="package",
        name="x",
        licenses=licenses,
        license_declared=declared,
    )
    data = render_json(Inventory(components=(c,)))
    got = _components(data)[c.id]
    assert got.get("licenses") == want
    assert _props(got, "sovaudit:license-declared") == extra
    _validate_json(data)


def test_purls_all_parse_and_keep_our_spelling() -> None:
    from packageurl import PackageURL

    inv = small_inventory()
    comps = _components(render_json(inv))
    ours = {c.id: c.purl for c in expected(inv).components if c.purl}
    seen = 0
    for ref, c in comps.items():
        if "purl" not in c:
            assert ref not in ours
            continue
        seen += 1
        parsed = PackageURL.from_string(c["purl"])
        assert parsed.to_string() == c["purl"]
        assert (_props(c, "sovaudit:purl") or [c["purl"]]) == [ours[ref]]
    assert seen == len(ours) == 7
    assert _props(comps["pkg:pypi/PyYAML@6.0.1"], "sovaudit:purl") == ["pkg:pypi/PyYAML@6.0.1"]
    assert comps["pkg:pypi/PyYAML@6.0.1"]["purl"] == "pkg:pypi/pyyaml@6.0.1"


def test_an_unparseable_purl_is_kept_as_a_property() -> None:
    c = Component(id="pkg:nonsense", layer=Layer.SOFTWARE, kind="package", name="x", purl="pkg:nonsense")
    data = render_json(Inventory(components=(c,)))
    got = _components(data)["pkg:nonsense"]
    assert "purl" not in got and _props(got, "sovaudit:purl") == ["pkg:nonsense"]
    _validate_json(data)


def test_dangling_edges_get_unresolved_placeholders() -> None:
    comps = _components(render_json(small_inventory()))
    te = comps["pkg:pypi/typing-extensions@4.12.0"]
    assert _props(te, "sovaudit:unresolved") == ["true"]
    assert te["name"] == "typing-extensions" and te["version"] == "4.12.0"
    assert _props(comps["pkg:pypi/filelock"], "sovaudit:unresolved") == ["true"]
    assert _props(comps["pkg:pypi/torch@2.3.0"], "sovaudit:unresolved") == []


def test_duplicate_ids_are_merged_not_renamed() -> None:
    """The library would give duplicate bom-refs random values; we merge like the graph does."""
    a = Component(
        id="pkg:pypi/x@1",
        layer=Layer.SOFTWARE,
        kind="package",
        name="x",
        version="1",
        evidence=(Evidence(path="a.txt", collector="c", line=1),),
    )
    b = Component(
        id="pkg:pypi/x@1",
        layer=Layer.SOFTWARE,
        kind="package",
        name="x",
        version="1",
        licenses="MIT",
        evidence=(Evidence(path="b.txt", collector="c", line=2),),
    )
    data = render_json(Inventory(components=(a, b)))
    comps = json.loads(data)["components"]
    assert [c["bom-ref"] for c in comps] == ["pkg:pypi/x@1"]
    assert _props(comps[0], "sovaudit:evidence") == ["a.txt:1 (c)", "b.txt:2 (c)"]
    assert comps[0]["licenses"] == [{"license": {"id": "MIT"}}]


def test_metadata_tool_and_inputs() -> None:
    meta = json.loads(render_json(small_inventory()))["metadata"]
    assert meta["tools"] == {"components": [{"type": "application", "name": "sovaudit", "version": "0.0.0-test"}]}
    assert meta["properties"] == [
        {"name": "sovaudit:input", "value": "failed conda 0 envs/old%20env.yml not valid YAML"},
        {"name": "sovaudit:input", "value": "read pip-requirements 3 envs/train/requirements.txt"},
        {"name": "sovaudit:input", "value": "skipped  0 notes.txt"},
    ]


def test_control_characters_and_surrogates_do_not_break_the_documents() -> None:
    c = Component(
        id="pkg:generic/x@1",
        layer=Layer.SOFTWARE,
        kind="package",
        name="x\ty",
        description="line 1\nline 2\x0c \udcff",
        properties=(("a", "v\x01"),),
    )
    inv = Inventory(components=(c,))
    data = render_json(inv)
    _validate_json(data)
    assert read_back(data, xml=False) == inv.normalised()  # JSON is exact
    xml = render_xml(inv)
    _validate_xml(xml)
    got = _from_xml(xml)[0][0]
    assert (got["name"], got["description"]) == ("x y", "line 1 line 2\ufffd \ufffd")
    assert ("a", "v\ufffd") in got["properties"]


def test_empty_inventory() -> None:
    data = render_json(Inventory())
    doc = json.loads(data)
    assert "components" not in doc or doc["components"] == []
    _validate_json(data)
    _validate_xml(render_xml(Inventory()))


# -- timestamp, serial number, determinism ---------------------------------------------------------
def test_timestamp_when_given() -> None:
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    ctx = RenderContext(tool_version="1", timestamp=when)
    assert json.loads(render_json(small_inventory(), ctx))["metadata"]["timestamp"] == "2024-05-06T07:08:09+00:00"
    root = ElementTree.fromstring(render_xml(small_inventory(), ctx))
    assert root.findtext(f"{NS}metadata/{NS}timestamp") == "2024-05-06T07:08:09+00:00"


def test_timestamp_keeps_its_offset_and_a_naive_one_is_utc() -> None:
    cet = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=2)))
    naive = datetime(2024, 5, 6, 7, 8, 9)
    for when, text in ((cet, "2024-05-06T07:08:09+02:00"), (naive, "2024-05-06T07:08:09+00:00")):
        doc = json.loads(render_json(Inventory(), RenderContext(tool_version="1", timestamp=when)))
        assert doc["metadata"]["timestamp"] == text


def test_no_timestamp_when_none() -> None:
    assert "timestamp" not in json.loads(render_json(small_inventory()))["metadata"]
    assert b"timestamp" not in render_xml(small_inventory())


def test_render_reads_no_clock_and_no_randomness(monkeypatch: pytest.MonkeyPatch) -> None:
    import cyclonedx.contrib.bom.utils
    import cyclonedx.model.bom

    inv = small_inventory()
    want = (render_json(inv), render_xml(inv))

    def forbidden(*args: object, **kwargs: object) -> Any:
        raise AssertionError("render read the clock or a random source")

    monkeypatch.setattr(cyclonedx.model.bom, "_get_now_utc", forbidden)
    monkeypatch.setattr(cyclonedx.model.bom, "uuid4", forbidden)
    monkeypatch.setattr(cyclonedx.contrib.bom.utils, "random", forbidden)
    monkeypatch.setattr(uuid, "uuid4", forbidden)
    assert (render_json(inv), render_xml(inv)) == want


@pytest.mark.parametrize("xml", [False, True], ids=["json", "xml"])
def test_serial_number_is_uuid5_of_the_content(xml: bool) -> None:
    data = render_xml(small_inventory()) if xml else render_json(small_inventory())
    found = re.search(rb"urn:uuid:([0-9a-f-]{36})", data)
    assert found is not None
    serial = uuid.UUID(found.group(1).decode())
    assert serial.version == 5
    nil = data.replace(found.group(0), b"urn:uuid:" + str(uuid.UUID(int=0)).encode(), 1)
    assert serial == uuid.uuid5(cdx.SERIAL_NAMESPACE, hashlib.sha256(nil).hexdigest())
    assert data.count(found.group(0)) == 1


def test_serial_number_follows_the_content() -> None:
    inv = small_inventory()
    other = Inventory(components=inv.components[1:], edges=(), inputs=inv.inputs)

    def serial(data: bytes) -> str:
        return str(json.loads(data)["serialNumber"])

    assert serial(render_json(inv)) != serial(render_json(other))
    assert serial(render_json(inv)) != serial(render_json(inv, RenderContext(tool_version="0.0.1")))
    assert serial(render_json(inv)) == serial(render_json(inv))


def test_same_bytes_twice_and_independent_of_input_order() -> None:
    inv = small_inventory()
    shuffled = Inventory(
        components=tuple(reversed(inv.components)), edges=tuple(reversed(inv.edges)), inputs=tuple(reversed(inv.inputs))
    )
    for render in (render_json, render_xml):
        assert render(inv) == render(inv) == render(shuffled) == render(inv.normalised())


_SUBPROCESS = """
import hashlib, sys
sys.path.insert(0, sys.argv[1])
from tests.emitters.test_cyclonedx import render_json, render_xml, small_inventory
inv = small_inventory()
print(hashlib.sha256(render_json(inv)).hexdigest(), hashlib.sha256(render_xml(inv)).hexdigest())
"""


def test_same_bytes_across_processes_and_hash_seeds() -> None:
    outputs = set()
    for seed in ("1", "2", "random"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run(
            [sys.executable, "-c", _SUBPROCESS, str(REPO)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.add(proc.stdout.strip())
    inv = small_inventory()
    here = f"{hashlib.sha256(render_json(inv)).hexdigest()} {hashlib.sha256(render_xml(inv)).hexdigest()}"
    assert outputs == {here}


# -- packaging and side effects --------------------------------------------------------------------
def test_registered_under_their_cli_names() -> None:
    from sovaudit.emitters import cyclonedx_fast

    # JSON through the library-free writer (byte-identical, tests/emitters/test_cyclonedx_fast.py);
    # XML through the library.
    assert EMITTERS.get("cyclonedx-json") is cyclonedx_fast.CycloneDxJsonEmitter
    assert EMITTERS.get("cyclonedx-xml") is cdx.CycloneDxXmlEmitter
    assert (cyclonedx_fast.CycloneDxJsonEmitter.suffix, cdx.CycloneDxXmlEmitter.suffix) == (".cdx.json", ".cdx.xml")


def test_the_library_is_imported_only_with_this_emitter() -> None:
    code = (
        "import sys, sovaudit.cli, sovaudit.pipeline, sovaudit.emitters, sovaudit.emitters.interface;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('cyclonedx', 'py_serializable'));"
        "print(bad)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize("enabled", [True, False])
def test_garbage_collector_state_is_restored(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        render_json(small_inventory())
        assert gc.isenabled() is enabled
        with pytest.raises(ValueError, match="empty id"):
            render_json(Inventory(components=(Component(id="", layer=Layer.SOFTWARE, kind="package", name="x"),)))
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


# -- scale -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def big(bench: ModuleType) -> Iterator[Inventory]:
    yield bench.synthetic_inventory(10_000)


def _timed(fn: Any, *args: Any) -> tuple[bytes, float, float]:
    """The result, CPU seconds and wall seconds. The bounds are on CPU time, so that a machine
    busy with other work does not fail the test; a quadratic regression takes minutes either way."""
    cpu, wall = time.process_time(), time.perf_counter()
    data = fn(*args)
    return data, time.process_time() - cpu, time.perf_counter() - wall


@pytest.mark.slow
def test_ten_thousand_components_render_quickly(big: Inventory) -> None:
    """The library's own outputter is quadratic here (minutes); the bound is generous, the real
    figures come from benchmarks/cyclonedx_10k.py."""
    data, cpu, wall = _timed(render_json, big)
    doc = json.loads(data)
    assert len(doc["components"]) == 10_000
    assert len(doc["dependencies"]) == 10_000
    assert sum(len(d.get("dependsOn", [])) for d in doc["dependencies"]) == len(
        {(e.source, e.target) for e in big.edges}
    )
    assert cpu < 20, f"10,000 components took {cpu:.1f} s of CPU ({wall:.1f} s wall)"


@pytest.mark.slow
def test_ten_thousand_components_render_quickly_as_xml(big: Inventory) -> None:
    data, cpu, wall = _timed(render_xml, big)
    assert data.count(b"<component type=") == 10_001  # + the tool
    assert data.count(b"<dependency ref=") == 10_000 + len({(e.source, e.target) for e in big.edges})
    assert cpu < 30, f"10,000 components took {cpu:.1f} s of CPU ({wall:.1f} s wall)"


def test_spdx_ids_are_the_librarys() -> None:
    from cyclonedx import spdx

    ids = cdx._spdx_ids()
    assert len(ids) > 500
    for value in [*sorted(ids), "mit", "Apache-2.0 ", "GPL-2.0+", "LicenseRef-x", "MIT OR Apache-2.0", ""]:
        assert cdx.is_supported_id(value) == spdx.is_supported_id(value), value


def test_indented_json_is_json_dumps_indent_2() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
    docs = st.recursive(
        scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    )

    @settings(max_examples=300, deadline=None)
    @given(docs)
    def check(doc: Any) -> None:
        assert cdx.indented_json(doc) == json.dumps(doc, indent=2)

    check()
    assert cdx.indented_json({1: "int key"}) == json.dumps({1: "int key"}, indent=2)  # left to json.dumps
    document = json.loads(render_json(small_inventory()))
    assert cdx.indented_json(document) == json.dumps(document, indent=2)
