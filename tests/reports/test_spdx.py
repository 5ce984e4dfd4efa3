"""SPDX 2.3 JSON: fully valid for spdx-tools, read back by sovaudit's own SPDX reader with the same purls."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sovaudit.collectors.spdx_sbom import read
from sovaudit.emitters import EMITTERS, RenderContext
from sovaudit.emitters.spdx import NO_TIME, spdx_id
from sovaudit.model import Component, Edge, Inventory, Layer, Relation
from tests.conftest import REPO
from tests.reports.conftest import EU, US

CONTEXT = RenderContext(tool_version="1.2.3", timestamp=datetime(2026, 11, 27, 12, 0, tzinfo=UTC))


def spdx_tools() -> Any:
    try:
        from spdx_tools.spdx.parser.parse_anything import parse_file
        from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("spdx-tools is not installed (the test extra lists it)")
        pytest.skip("spdx-tools is not installed (pip install spdx-tools)")
    return parse_file, validate_full_spdx_document


def render(inv: Inventory, context: RenderContext = CONTEXT) -> bytes:
    return EMITTERS.get("spdx-json")().render(inv, context)


def validate(data: bytes, tmp_path: Path) -> Any:
    parse_file, validate_full = spdx_tools()
    path = tmp_path / "sbom.spdx.json"
    path.write_bytes(data)
    document = parse_file(str(path))
    messages = validate_full(document)
    assert [m.validation_message for m in messages] == []
    return document


@pytest.mark.parametrize("stack", [US, EU])
def test_sample_stacks_are_fully_valid_and_read_back(
    inventories: dict[str, Inventory], stack: str, tmp_path: Path
) -> None:
    inv = inventories[stack]
    data = render(inv)
    document = validate(data, tmp_path)
    assert len(document.packages) == len(inv.components)
    assert document.creation_info.created == datetime(2026, 11, 27, 12, 0)
    back = read(data, "sbom.spdx.json")
    assert {c.purl for c in back.components if c.purl} == {c.purl for c in inv.components if c.purl}
    # ids are purls where there is one; the others are rebuilt from the kind the reader infers
    purls = {c.id for c in inv.components if c.purl == c.id}
    depends = {
        (e.source, e.target) for e in inv.edges if e.relation is Relation.DEPENDS_ON and {e.source, e.target} <= purls
    }
    assert depends and depends <= {(e.source, e.target) for e in back.edges if e.relation is Relation.DEPENDS_ON}


def test_package_fields(inventories: dict[str, Inventory]) -> None:
    doc = json.loads(render(inventories[US]))
    packages = {p["SPDXID"]: p for p in doc["packages"]}
    torch = packages[spdx_id("pkg:pypi/torch@2.3.1")]
    assert torch["name"] == "torch" and torch["versionInfo"] == "2.3.1"
    assert torch["externalRefs"] == [
        {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:pypi/torch@2.3.1"}
    ]
    assert torch["licenseDeclared"] == "BSD-3-Clause" and torch["licenseConcluded"] == "NOASSERTION"
    assert torch["primaryPackagePurpose"] == "LIBRARY"
    assert "METADATA:2 (python-environment)" in torch["sourceInfo"]
    gpu = packages[spdx_id("compute/accelerator/NVIDIA A100-SXM4-80GB")]
    assert gpu["primaryPackagePurpose"] == "DEVICE" and gpu["supplier"] == "Organization: NVIDIA"
    refs = {i["licenseId"] for i in doc.get("hasExtractedLicensingInfos", [])}
    used = {p["licenseDeclared"] for p in doc["packages"] if "LicenseRef-" in p["licenseDeclared"]}
    assert used and used <= refs
    describes = [r for r in doc["relationships"] if r["relationshipType"] == "DESCRIBES"]
    assert describes and all(r["spdxElementId"] == "SPDXRef-DOCUMENT" for r in describes)


def test_spdx_ids_are_stable_valid_and_distinct() -> None:
    import re

    ids = [
        "pkg:pypi/torch@2.3.1",
        "pkg:pypi/torch@2.3.1?x=1",
        "compute/accelerator/NVIDIA A100 (x)",
        "ü/日本",
        "a" * 300,
    ]
    out = [spdx_id(i) for i in ids]
    assert all(re.fullmatch(r"SPDXRef-[A-Za-z0-9.-]+", s) for s in out)
    assert len(set(out)) == len(out) and all(len(s) < 90 for s in out)
    assert (
        spdx_id("pkg:pypi/torch@2.3.1")
        == "SPDXRef-pkg-pypi-torch-2.3.1-" + __import__("hashlib").sha256(b"pkg:pypi/torch@2.3.1").hexdigest()[:12]
    )


def odd_inventory() -> Inventory:
    """Licences SPDX does not know, hashes, every relation, control characters and dangling edge ends."""
    comps = (
        Component(
            id="pkg:pypi/a@1",
            layer=Layer.SOFTWARE,
            kind="package",
            name="a",
            version="1",
            purl="pkg:pypi/a@1",
            licenses="LicenseRef-NVIDIA-EULA",
            hashes=(("SHA-256", "ab" * 32), ("SHA-256", "zz"), ("XXH", "1")),
        ),
        Component(
            id="pkg:pypi/b@2",
            layer=Layer.SOFTWARE,
            kind="package",
            name="b\x01\n",
            version="2",
            purl="pkg:pypi/b@2",
            license_declared="NVIDIA Proprietary Software",
            supplier="ACME (EU) Ltd.",
        ),
        Component(
            id="pkg:pypi/c@3",
            layer=Layer.SOFTWARE,
            kind="package",
            name="c",
            version="3",
            purl="pkg:pypi/c@3",
            licenses="GPL-3.0-only WITH GCC-exception-3.1 OR MIT",
        ),
        Component(id="model/model/m", layer=Layer.MODEL, kind="model", name="m", licenses="not an expression ("),
        Component(id="data/dataset/d", layer=Layer.DATA, kind="dataset", name="d"),
        Component(id="compute/node/n1", layer=Layer.COMPUTE, kind="node", name="n1"),
    )
    edges = tuple(
        Edge(source=s, target=t, relation=r, scopes=sc)
        for s, t, r, sc in (
            ("pkg:pypi/a@1", "pkg:pypi/b@2", Relation.DEPENDS_ON, ("build",)),
            ("pkg:pypi/a@1", "pkg:pypi/c@3", Relation.DEPENDS_ON, ("build", "run")),
            ("pkg:pypi/a@1", "pkg:pypi/c@3", Relation.BUILT_WITH, ()),
            ("model/model/m", "data/dataset/d", Relation.TRAINED_ON, ()),
            ("model/model/m", "model/model/base", Relation.DERIVED_FROM, ()),
            ("pkg:pypi/a@1", "compute/node/n1", Relation.RUNS_ON, ()),
            ("pkg:pypi/b@2", "pkg:deb/debian/b@2", Relation.SAME_AS, ()),
            ("data/dataset/d", "compute/node/n1", Relation.STORED_IN, ()),
        )
    )
    return Inventory(components=comps, edges=edges)


def test_odd_inventory_is_still_valid(tmp_path: Path) -> None:
    data = render(odd_inventory())
    validate(data, tmp_path)
    doc = json.loads(data)
    packages = {p["name"]: p for p in doc["packages"]}
    assert packages["a"]["checksums"] == [{"algorithm": "SHA256", "checksumValue": "ab" * 32}]
    assert packages["a"]["licenseDeclared"] == "LicenseRef-NVIDIA-EULA"
    assert packages["b\x01\n"]["licenseDeclared"].startswith("LicenseRef-sovaudit-NVIDIA-Proprietary-Software-")
    assert packages["c"]["licenseDeclared"] == "GPL-3.0-only WITH GCC-exception-3.1 OR MIT"
    assert packages["m"]["licenseDeclared"].startswith("LicenseRef-sovaudit-not-an-expression-")
    assert "primaryPackagePurpose" not in packages["m"]  # a reader goes by kind, not "OTHER"
    assert "an unresolved reference" in packages["model/model/base"]["comment"]
    types = {(r["relationshipType"], r.get("comment", "")) for r in doc["relationships"]}
    assert ("BUILD_DEPENDENCY_OF", "") in types
    assert ("DEPENDS_ON", "sovaudit: pkg:pypi/a@1 depends-on [build,run] pkg:pypi/c@3") in types
    assert ("GENERATED_FROM", "sovaudit: model/model/m trained-on data/dataset/d") in types
    assert {"BUILD_TOOL_OF", "DESCENDANT_OF", "OTHER"} <= {t for t, _ in types}
    build = next(r for r in doc["relationships"] if r["relationshipType"] == "BUILD_DEPENDENCY_OF")
    assert (build["spdxElementId"], build["relatedSpdxElement"]) == (spdx_id("pkg:pypi/b@2"), spdx_id("pkg:pypi/a@1"))
    back = read(data, "x.spdx.json")
    assert ("pkg:pypi/a@1", "pkg:pypi/b@2", "depends-on") in {e.key for e in back.edges}


def test_deterministic_and_namespace_follows_content(inventories: dict[str, Inventory]) -> None:
    inv = inventories[EU]
    first, again = render(inv), render(inv)
    assert first == again
    other = render(Inventory(components=inv.components[1:], edges=()))
    ns = json.loads(first)["documentNamespace"]
    assert ns.startswith("https://spdx.org/spdxdocs/sovaudit-") and ns != json.loads(other)["documentNamespace"]
    no_time = json.loads(render(inv, RenderContext(tool_version="1.2.3")))
    assert no_time["creationInfo"]["created"] == NO_TIME == "1970-01-01T00:00:00Z"
    assert no_time["documentNamespace"] != ns  # the time is part of the content


def test_cli_sbom_spdx_json(tmp_path: Path) -> None:
    out = tmp_path / "sbom.spdx.json"
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1795737600"}
    cmd = [sys.executable, "-m", "sovaudit", "-q", "sbom", EU, "-f", "spdx-json", "-o", str(out)]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    first = out.read_bytes()
    assert json.loads(first)["creationInfo"]["created"] == "2026-11-27T00:00:00Z"
    validate(first, tmp_path)
    again = subprocess.run(cmd, cwd=REPO, env={**env, "PYTHONHASHSEED": "4242"}, capture_output=True, check=False)
    assert again.returncode == 0 and out.read_bytes() == first
    bad = subprocess.run(
        [sys.executable, "-m", "sovaudit", "sbom", EU, "-f", "json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "writes cyclonedx-json or cyclonedx-xml (CycloneDX) or spdx-json" in bad.stderr
