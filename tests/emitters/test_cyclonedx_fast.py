"""The direct CycloneDX JSON writer writes the library path's bytes, and a valid CycloneDX 1.6 document.

The library path (:func:`sovaudit.emitters.cyclonedx.render`) is the oracle: every golden
inventory, every sample stack, the 300-distribution environment and generated inventories are
rendered both ways and must give the same bytes (so the same parsed JSON and the same serial
number).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from packageurl import PackageURL

from sovaudit import inventory_json
from sovaudit.emitters import cyclonedx, cyclonedx_fast
from sovaudit.emitters.interface import RenderContext
from sovaudit.model import Component, Edge, Evidence, InputRecord, InputStatus, Inventory, Layer, Relation
from sovaudit.pipeline import scan
from tests.conftest import GOLDEN, REPO
from tests.emitters.test_cyclonedx import CTX, SHA256, _validate_json, small_inventory

CONTEXTS = [
    CTX,
    RenderContext(tool_version="1.2.3", timestamp=datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)),
    RenderContext(tool_version="1.2.3", timestamp=datetime(2024, 5, 6, 7, 8, 9, 120)),  # naive: taken as UTC
    RenderContext(tool_version="", timestamp=datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=2)))),
]
GOLDEN_INVENTORIES = sorted(GOLDEN.rglob("*.inventory.json"))


def both(inventory: Inventory, context: RenderContext = CTX) -> tuple[bytes, bytes]:
    """(library path, direct writer)."""
    return cyclonedx.render(inventory, context, xml=False), cyclonedx_fast.render_json(inventory, context)


def test_the_golden_is_written_byte_for_byte() -> None:
    data = cyclonedx_fast.render_json(small_inventory(), CTX)
    assert data == (GOLDEN / "cyclonedx" / "small.cdx.json").read_bytes()
    _validate_json(data)


@pytest.mark.parametrize("context", CONTEXTS, ids=["plain", "utc", "naive", "offset-no-version"])
def test_the_small_inventory_in_every_context(context: RenderContext) -> None:
    library, direct = both(small_inventory(), context)
    assert direct == library
    _validate_json(direct)


def test_an_empty_inventory() -> None:
    library, direct = both(Inventory())
    assert direct == library
    assert "components" not in json.loads(direct)


def test_every_golden_inventory() -> None:
    """The inventories the collectors' golden tests keep: every collector's output shapes."""
    assert len(GOLDEN_INVENTORIES) > 100
    for path in GOLDEN_INVENTORIES:
        inventory = inventory_json.loads(path.read_bytes(), str(path))
        library, direct = both(inventory, CONTEXTS[1])
        assert direct == library, path


def test_every_sample_stack() -> None:
    for stack in sorted(p for p in (REPO / "sample_stacks").iterdir() if p.is_dir()):
        library, direct = both(scan([stack]).inventory)
        assert direct == library, stack.name
        _validate_json(direct)


def _env300() -> Path:
    spec = importlib.util.spec_from_file_location("build_envs", REPO / "tests" / "fixtures" / "build_envs.py")
    assert spec is not None and spec.loader is not None
    build_envs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_envs)
    if not build_envs.up_to_date():
        message = "the env300 fixture is missing or stale; build it with: python tests/fixtures/build_envs.py"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    env: Path = build_envs.ENV300
    return env


@pytest.mark.slow
def test_a_300_distribution_environment() -> None:
    inventory = scan([_env300()]).inventory
    assert len(inventory.components) > 300
    library, direct = both(inventory)
    assert direct == library
    _validate_json(direct)


# -- generated inventories -------------------------------------------------------------------------
TEXT = st.text(st.characters(codec="utf-8"), max_size=8) | st.sampled_from(["", "a b", "x%y", "(1):#", "é", "\t\n"])
IDS = st.sampled_from(
    [
        "pkg:pypi/numpy@1.26.4",
        "pkg:pypi/PyYAML@6.0.1",
        "pkg:pypi/zope.interface@6.0",
        "pkg:pypi/torch@2.3.0+cu121",
        "pkg:deb/debian/libc6@2.36-9?arch=amd64",
        "pkg:conda/numpy@1.26.4",
        "pkg:generic/thing",
        "pkg:not a purl",
        "software/runtime/cuda@12.4",
        "model/model/llama@1",
        "data/dataset/fineweb@v1",
        "compute/accelerator/H100",
        "operational/service/hub",
    ]
)
KINDS = st.sampled_from(["package", "runtime", "model", "dataset", "service", "accelerator", "Thing", "filesystem"])
LICENSES = st.sampled_from(["", "MIT", "Apache-2.0", "MIT OR Apache-2.0", "LicenseRef-x", "GPL-2.0+", "mit"])
HASHES = st.lists(
    st.tuples(
        st.sampled_from(["SHA-256", "SHA-1", "sha256", "MD5", "Streebog-256", "a b"]),
        st.sampled_from([SHA256, SHA256[:40], SHA256[:32], SHA256.upper(), "not-hex", ""]),
    ),
    max_size=3,
).map(tuple)
PAIRS = st.lists(st.tuples(st.sampled_from(["p:a", "p:b", "sovaudit:unresolved"]), TEXT), max_size=3).map(tuple)
EVIDENCE = st.lists(
    st.builds(Evidence, path=TEXT, collector=TEXT, line=st.integers(0, 99), pointer=TEXT), max_size=2
).map(tuple)
COMPONENTS = st.builds(
    Component,
    id=IDS,
    layer=st.sampled_from(list(Layer)),
    kind=KINDS,
    name=TEXT,
    version=TEXT,
    purl=IDS | st.just(""),
    licenses=LICENSES,
    license_declared=st.sampled_from(["", "BSD License", "Proprietary"]),
    supplier=TEXT,
    author=TEXT,
    description=TEXT,
    hashes=HASHES,
    properties=PAIRS,
    evidence=EVIDENCE,
)
EDGES = st.builds(
    Edge,
    source=IDS,
    target=IDS,
    relation=st.sampled_from(list(Relation)),
    scopes=st.lists(st.sampled_from(["run", "build", "link", "a b"]), max_size=2).map(tuple),
    properties=PAIRS,
    evidence=EVIDENCE,
)
INPUTS = st.builds(
    InputRecord,
    path=TEXT,
    status=st.sampled_from(list(InputStatus)),
    collector=TEXT,
    reason=TEXT,
    components=st.integers(0, 9),
)
INVENTORIES = st.builds(
    Inventory,
    components=st.lists(COMPONENTS, max_size=6).map(tuple),
    edges=st.lists(EDGES, max_size=6).map(tuple),
    inputs=st.lists(INPUTS, max_size=3).map(tuple),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(INVENTORIES, st.sampled_from(CONTEXTS))
def test_generated_inventories(inventory: Inventory, context: RenderContext) -> None:
    library, direct = both(inventory, context)
    assert direct == library


@settings(max_examples=500, deadline=None)
@given(st.from_regex(cyclonedx_fast._CANONICAL_PURL, fullmatch=True))
@example("pkg:deb/debian/libstdc%2B%2B6@12.2.0-14%2Bdeb12u1?arch=amd64&distro=debian-12")
@example("pkg:rpm/fedora/bash@1:5.2.26-3.fc40?arch=x86_64")
def test_a_purl_taken_as_canonical_is_written_back_unchanged_by_packageurl(purl: str) -> None:
    if cyclonedx_fast.is_canonical_purl(purl):
        assert PackageURL.from_string(purl).to_string() == purl
    else:  # qualifier keys out of the library's order: parsed and written by the library
        assert cyclonedx_fast.written_purl(purl) == PackageURL.from_string(purl).to_string() != purl


@pytest.mark.parametrize(
    ("purl", "written"),
    [
        ("pkg:pypi/numpy@1.26.4", "pkg:pypi/numpy@1.26.4"),
        ("pkg:pypi/PyYAML@6.0.1", "pkg:pypi/pyyaml@6.0.1"),
        ("pkg:pypi/torch@2.3.0+cu121", "pkg:pypi/torch@2.3.0%2Bcu121"),
        ("pkg:deb/debian/libc6@2.36-9?arch=amd64", "pkg:deb/debian/libc6@2.36-9?arch=amd64"),
        (
            "pkg:deb/debian/libc6@2.36-9?distro=debian-12&arch=amd64",
            "pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12",
        ),
        ("pkg:deb/debian/libc6@2.36-9?arch=amd64&arch=i386", "pkg:deb/debian/libc6@2.36-9?arch=i386"),
        ("pkg:not a purl", None),
    ],
)
def test_written_purl(purl: str, written: str | None) -> None:
    assert cyclonedx_fast.written_purl(purl) == written


def test_the_emitter_is_the_library_emitters_twin() -> None:
    fast, library = cyclonedx_fast.CycloneDxJsonEmitter, cyclonedx.CycloneDxJsonEmitter
    assert (fast.name, fast.description, fast.suffix) == (library.name, library.description, library.suffix)
    assert fast().render(small_inventory(), CTX) == library().render(small_inventory(), CTX)


def test_the_direct_writer_imports_no_object_model() -> None:
    """What the writer is for: no cyclonedx-python-lib model or serialiser, no packageurl for plain purls."""
    code = (
        "import sys\n"
        "from sovaudit.emitters.cyclonedx_fast import render_json\n"
        "from sovaudit.emitters.interface import RenderContext\n"
        "from sovaudit.model import Component, Inventory, Layer\n"
        "c = Component(id='pkg:pypi/a@1', layer=Layer.SOFTWARE, kind='package', name='a', version='1',\n"
        "              purl='pkg:pypi/a@1', licenses='MIT')\n"
        "render_json(Inventory(components=(c,)), RenderContext(tool_version='1'))\n"
        "print(sorted(m for m in sys.modules if m.startswith(('cyclonedx', 'packageurl', 'py_serializable'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    imported = json.loads(out.replace("'", '"'))
    assert "cyclonedx.schema._res" in imported  # the SPDX ids, read from the library's own file
    heavy = ("cyclonedx.model", "cyclonedx.output", "py_serializable", "packageurl")
    assert [m for m in imported if m.startswith(heavy)] == []
