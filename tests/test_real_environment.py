"""A real environment of ~300 distributions, scanned end to end and checked against importlib.metadata.

The env is built by ``python tests/fixtures/build_envs.py`` (pinned wheels, see
``tests/fixtures/env300-requirements.txt``), which also writes the ground truth: the
``[normalised name, version]`` pairs that the env's own interpreter lists with
``importlib.metadata.distributions()``. Without the env these tests skip, except in CI
(``CI=true``), where a missing env is a failure.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path
from types import ModuleType

import pytest
from packageurl import PackageURL

from sovaudit.model import Component, Inventory, Relation
from sovaudit.pipeline import ScanResult, scan
from tests.conftest import REPO

pytestmark = pytest.mark.slow

BUILD_SCRIPT = REPO / "tests" / "fixtures" / "build_envs.py"
BUILD_COMMAND = f"python {BUILD_SCRIPT.relative_to(REPO)}"

#: Direct dependencies (Requires-Dist, unconditional on Linux / CPython 3.11) that must be edges.
KNOWN_DEPENDENCIES = {
    "flask": {"blinker", "click", "itsdangerous", "jinja2", "markupsafe", "werkzeug"},
    # dotted names on both ends: zope.component requires zope.event, zope.hookable, zope.interface
    "zope-component": {"zope-event", "zope-hookable", "zope-interface"},
    # "Twisted" requires "zope-interface" (the dotted project spelled with a hyphen) and "Automat"
    "twisted": {"attrs", "automat", "constantly", "hyperlink", "incremental", "typing-extensions", "zope-interface"},
    "pyramid": {
        "hupper",
        "plaster",
        "plaster-pastedeploy",
        "setuptools",
        "translationstring",
        "venusian",
        "webob",
        "zope-deprecation",
        "zope-interface",
    },
}
#: Requires-Dist with extras: jupyter-events requires ``jsonschema[format-nongpl]`` and poetry
#: ``cachecontrol[filecache]``, so the dependencies behind those extras are installed and used.
EXTRA_DEPENDENCIES = {
    "jupyter-events": {"jsonschema"},
    "jsonschema": {
        "fqdn",
        "isoduration",
        "jsonpointer",
        "rfc3339-validator",
        "rfc3986-validator",
        "rfc3987-syntax",
        "uri-template",
        "webcolors",
    },
    "poetry": {"cachecontrol"},
    "cachecontrol": {"filelock"},
}
#: Requires-Dist lines whose marker is false in this env, though the target is installed.
#: ``python_version < '3.10'`` (the env is 3.11, known from pyvenv.cfg):
NOT_DEPENDENCIES_BY_VERSION = {("flask", "importlib-metadata")}
#: ``... and extra == 'x'`` where nothing installed requests ``x``: never active, whatever ``...`` is.
NOT_DEPENDENCIES_BY_EXTRA = {
    ("jupyter-client", "paramiko"),  # (sys_platform == 'win32') and extra == 'test'
    ("psutil", "colorama"),  # (os_name == "nt") and extra == 'dev'
    ("tempora", "tzdata"),  # platform_system == "Windows" and extra == "test"
    ("aiohttp", "brotli"),  # (platform_python_implementation == "CPython" and ...) and extra == "speedups"
}


def normalise(name: str) -> str:
    """PEP 503, written out here so the test does not trust the code it checks."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _build_envs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_envs", BUILD_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def env300() -> Path:
    build_envs = _build_envs()
    if not build_envs.up_to_date():
        why = "is missing" if not build_envs.ENV300.exists() else "is stale or was not fully built"
        message = f"the env300 fixture ({build_envs.ENV300}) {why}; build it with: {BUILD_COMMAND}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    env: Path = build_envs.ENV300
    return env


@pytest.fixture(scope="module")
def ground_truth(env300: Path) -> set[tuple[str, str]]:
    pairs = json.loads((env300 / "importlib-metadata.json").read_text(encoding="utf-8"))
    return {(name, version) for name, version in pairs}


@pytest.fixture(scope="module")
def result(env300: Path) -> ScanResult:
    return scan([env300])


@pytest.fixture(scope="module")
def inventory(result: ScanResult) -> Inventory:
    return result.inventory


def pypi_components(inventory: Inventory) -> list[Component]:
    return [c for c in inventory.components if c.purl and PackageURL.from_string(c.purl).type == "pypi"]


def test_nothing_failed(result: ScanResult) -> None:
    failed = [f"{r.path}: {r.reason}" for r in result.inventory.failed]
    assert failed == []
    assert result.unreadable == ()
    assert result.crashes == ()


def installed(inventory: Inventory) -> list[Component]:
    """The distributions installed in the venv (not the copies vendored inside them)."""
    return [c for c in pypi_components(inventory) if not c.prop("python:vendored-in")]


def test_components_are_what_importlib_metadata_finds(inventory: Inventory, ground_truth: set[tuple[str, str]]) -> None:
    found = [(normalise(c.name), c.version) for c in installed(inventory)]
    missing = sorted(ground_truth - set(found))
    extra = sorted(set(found) - ground_truth)
    assert (missing, extra) == ([], []), f"not found by sovaudit: {missing}; not in importlib.metadata: {extra}"
    assert len(found) == len(set(found)), "a distribution was reported twice"


def test_every_component_has_a_valid_purl_and_a_version(inventory: Inventory) -> None:
    for c in inventory.components:
        assert c.version, f"{c.id} has no version"
        assert c.purl, f"{c.id} has no purl"
        parsed = PackageURL.from_string(c.purl)  # raises on an invalid purl
        assert parsed.to_string() == c.purl, "not in packageurl-python's canonical form"
        # The name compared after PEP 503 normalisation: the purl spec's pypi rule (lower case,
        # "_" -> "-") keeps dots, PEP 503 makes them "-"; either spelling names the same project.
        assert (parsed.type, normalise(parsed.name), parsed.version) == ("pypi", normalise(c.name), c.version), c.purl


def test_about_three_hundred_distributions(inventory: Inventory) -> None:
    assert len(pypi_components(inventory)) >= 250


def _edges_by_name(inventory: Inventory) -> set[tuple[str, str]]:
    names = {c.id: normalise(c.name) for c in inventory.components}
    return {(names.get(e.source, e.source), names.get(e.target, e.target)) for e in inventory.edges}


@pytest.mark.parametrize("source", sorted(KNOWN_DEPENDENCIES))
def test_requires_dist_edges(inventory: Inventory, source: str) -> None:
    edges = _edges_by_name(inventory)
    missing = {t for t in KNOWN_DEPENDENCIES[source] if (source, t) not in edges}
    assert missing == set(), f"{source} -> {sorted(missing)} missing"


@pytest.mark.parametrize("source", sorted(EXTRA_DEPENDENCIES))
def test_requires_dist_edges_through_requested_extras(inventory: Inventory, source: str) -> None:
    edges = _edges_by_name(inventory)
    missing = {t for t in EXTRA_DEPENDENCIES[source] if (source, t) not in edges}
    assert missing == set(), f"{source} -> {sorted(missing)} missing"


def test_no_edge_whose_python_version_marker_is_false(inventory: Inventory) -> None:
    assert _edges_by_name(inventory) & NOT_DEPENDENCIES_BY_VERSION == set()


def test_no_edge_behind_an_extra_nobody_requested(inventory: Inventory) -> None:
    assert _edges_by_name(inventory) & NOT_DEPENDENCIES_BY_EXTRA == set()


def test_cyclonedx_json_lists_exactly_the_inventory_purls(inventory: Inventory) -> None:
    from sovaudit.emitters import EMITTERS, RenderContext

    sbom = json.loads(EMITTERS.get("cyclonedx-json")().render(inventory, RenderContext(tool_version="test")))

    def purls(components: list[dict[str, object]]) -> list[str]:
        out: list[str] = []
        for c in components:
            out.append(str(c.get("purl", f"<no purl: {c.get('bom-ref')}>")))
            out += purls(c.get("components", []))  # type: ignore[arg-type]
        return out

    listed = purls(sbom.get("components", []))
    expected = {c.purl for c in pypi_components(inventory)}
    assert set(listed) == expected
    assert len(listed) == len(expected), "a component is listed twice in the SBOM"


def test_vendored_distributions_are_the_nested_dist_info_folders_on_disk(env300: Path, inventory: Inventory) -> None:
    """A distribution shipping another's dist-info below its own files (bleach/_vendor/html5lib)."""
    site = next(env300.glob("lib/python*/site-packages"))
    on_disk = set()
    for folder in site.glob("*/**/*.dist-info"):
        rel = folder.relative_to(site).parts
        if not any(part.endswith(".dist-info") for part in rel[:-1]):  # not a licence copy in a dist-info
            name, version = rel[-1].removesuffix(".dist-info").rsplit("-", 1)
            on_disk.add((rel[0], normalise(name), version))
    assert on_disk, "the fixture venv vendors html5lib inside bleach"
    by_id = {c.id: c for c in inventory.components}
    found = set()
    for e in inventory.edges:
        target = by_id[e.target]
        if e.relation is Relation.CONTAINS and target.prop("python:vendored-in"):
            package = e.properties[0][1].split("/")[0] if e.properties else ""
            found.add((package, normalise(target.name), target.version))
            assert target.prop("python:vendored-in") == by_id[e.source].name
            assert e.evidence[0].path.endswith(".dist-info/RECORD") and e.evidence[0].line > 0
    assert found == on_disk
