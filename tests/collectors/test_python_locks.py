"""poetry.lock, uv.lock and pylock.toml: versions, scopes, sources, hashes, and the files they refuse."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sovaudit import inventory_json
from sovaudit.collectors.poetry_lock import PoetryLockCollector
from sovaudit.collectors.pylock import PylockCollector
from sovaudit.collectors.uv_lock import UvLockCollector
from sovaudit.fs import TreePath
from sovaudit.model import Inventory
from sovaudit.pipeline import scan
from tests.conftest import SAMPLES

GOOD = SAMPLES / "python" / "good"
BAD = SAMPLES / "python" / "bad"


def poetry(version: str) -> Inventory:
    path = GOOD / "poetry-lock" / f"main-and-dev_lock{version}" / "poetry.lock"
    return PoetryLockCollector().collect(TreePath.for_input(path)).normalised()


def uv(sample: str) -> Inventory:
    return UvLockCollector().collect(TreePath.for_input(GOOD / "uv-lock" / sample / "uv.lock")).normalised()


def props(inv: Inventory, key: str) -> dict[str, str]:
    return {c.name: c.prop(key) for c in inv.components if c.prop(key)}


# -- poetry ---------------------------------------------------------------------------------------
def test_the_four_poetry_lock_versions_describe_the_same_project() -> None:
    locks = {v: poetry(v) for v in ("10", "11", "20", "21")}
    names = {v: sorted(c.name for c in inv.components) for v, inv in locks.items()}
    assert names["10"] == names["11"] == names["20"] == names["21"] == [
        "arrow", "colorama", "isoduration", "python-dateutil", "six", "toml", "types-python-dateutil"]
    # 1.0, 1.1 and 2.0 lock the very same versions with the same hashes (1.x in [metadata.files], 2.0 inline)
    identity = {v: [(c.id, c.hashes) for c in inv.components] for v, inv in locks.items()}
    assert identity["10"] == identity["11"] == identity["20"]
    assert all(len(c.hashes) == 2 for c in locks["20"].components)
    # 2.1 was locked later: three newer versions
    assert sorted({c.id for c in locks["21"].components} - {c.id for c in locks["10"].components}) == [
        "pkg:pypi/python-dateutil@2.9.0.post0", "pkg:pypi/six@1.17.0", "pkg:pypi/types-python-dateutil@2.9.0.20241206"]
    # only isoduration is dev-only; 2.0 has neither category nor groups, so it cannot tell
    for v in ("10", "11", "21"):
        assert props(locks[v], "python:scope") == {"isoduration": "dev"}
    assert props(locks["20"], "python:scope") == {}
    # the same dependency edges in all four (by name)
    names_of = {c.id: c.name for inv in locks.values() for c in inv.components}
    edges = {v: sorted((names_of[e.source], names_of[e.target]) for e in inv.edges) for v, inv in locks.items()}
    assert edges["10"] == edges["11"] == edges["20"] == edges["21"] == [
        ("arrow", "python-dateutil"), ("arrow", "types-python-dateutil"), ("isoduration", "arrow"),
        ("python-dateutil", "six")]


def test_poetry_optional_dependencies_and_packages() -> None:
    path = GOOD / "poetry-lock" / "with-extras_lock21" / "poetry.lock"
    inv = PoetryLockCollector().collect(TreePath.for_input(path)).normalised()
    assert len(inv.components) == 29
    assert set(props(inv, "python:scope").values()) == {"optional"}  # every package comes with "my-extra"
    optional = sorted(e.target.split("/")[1] for e in inv.edges if e.scopes == ("optional",))
    assert optional == ["fqdn@1.5.1", "idna@3.10", "isoduration@20.11.0", "jsonpointer@3.0.0", "jsonschema@4.23.0",
                        "lxml@4.9.4", "rfc3339-validator@0.1.4", "rfc3987@1.3.8", "uri-template@1.3.0",
                        "webcolors@24.8.0"]
    jsonschema = next(e for e in inv.edges if e.target == "pkg:pypi/jsonschema@4.23.0")
    assert dict(jsonschema.properties) == {"python:extras": "format", "python:specifier": ">=4.18,<5.0",
                                           "python:marker": 'extra == "validation" or extra == "json-validation"'}


def test_poetry_sources_and_constraints_resolve(tmp_path: Path) -> None:
    lock = tmp_path / "poetry.lock"
    lock.write_text('''
[[package]]
name = "numpy"
version = "1.26.4"
optional = false
python-versions = ">=3.9"
groups = ["main"]
files = []

[[package]]
name = "numpy"
version = "2.1.0"
optional = false
python-versions = ">=3.10"
groups = ["main"]
files = []

[[package]]
name = "tool"
version = "0.3.0"
optional = false
python-versions = "*"
groups = ["docs"]
files = []

[package.source]
type = "git"
url = "https://ci:token123@git.example.org/tool.git"
reference = "main"
resolved_reference = "89abcdef0123456789abcdef0123456789abcdef"

[package.dependencies]
numpy = [
    {version = ">=1.26,<2", markers = "python_version < \\"3.10\\""},
    {version = ">=2.1", markers = "python_version >= \\"3.10\\""},
]
missing = "^1.0"

[metadata]
lock-version = "2.1"
python-versions = "^3.9"
content-hash = "00"
''')
    inv = PoetryLockCollector().collect(TreePath.for_input(lock)).normalised()
    tool = next(c for c in inv.components if c.name == "tool")
    assert dict(tool.properties) == {
        "python:group": "docs", "python:scope": "dev", "python:source-type": "git",
        "python:source-url": "https://git.example.org/tool.git",
        "python:vcs-commit": "89abcdef0123456789abcdef0123456789abcdef",
        "python:vcs-requested-revision": "main"}
    assert sorted(e.target for e in inv.edges) == ["pkg:pypi/missing", "pkg:pypi/numpy@1.26.4",
                                                   "pkg:pypi/numpy@2.1.0"]
    assert b"token123" not in inventory_json.dump(inv)


# -- uv -------------------------------------------------------------------------------------------
def test_uv_dev_scope_follows_the_dev_group_closure() -> None:
    inv = uv("trivy-happy")
    assert props(inv, "python:project") == {"happy": "true"}
    assert sorted(props(inv, "python:scope")) == ["colorama", "exceptiongroup", "iniconfig", "packaging", "pytest",
                                                   "tomli"]  # pluggy is also a main dependency
    dev = [e for e in inv.edges if e.scopes]
    assert [(e.source, e.target, e.scopes, dict(e.properties)) for e in dev] == [
        ("pkg:pypi/happy@0.1.0", "pkg:pypi/pytest@8.3.4", ("dev",), {"python:group": "test"})]
    charset = next(c for c in inv.components if c.name == "charset-normalizer")
    assert len(charset.hashes) == 77  # the sdist and 76 wheels


def test_uv_one_name_at_two_versions() -> None:
    inv = uv("two-versions")
    assert [c.id for c in inv.components if c.name == "numpy"] == ["pkg:pypi/numpy@2.0.2", "pkg:pypi/numpy@2.2.6"]
    to_numpy = {e.target: dict(e.properties)["python:marker"] for e in inv.edges if "numpy" in e.target}
    assert to_numpy == {"pkg:pypi/numpy@2.0.2": "python_full_version < '3.10'",
                        "pkg:pypi/numpy@2.2.6": "python_full_version >= '3.10'"}
    assert props(inv, "python:scope") == {"pillow": "optional", "pytest": "dev", "iniconfig": "dev",
                                          "packaging": "dev", "pluggy": "dev"}
    gitdep = next(c for c in inv.components if c.name == "gitdep")
    assert gitdep.prop("python:source-url") == "https://git.example.org/group/gitdep.git?rev=main"
    assert gitdep.prop("python:vcs-commit") == "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c"
    assert b"glpat-SECRET" not in inventory_json.dump(inv) and b"ci-bot" not in inventory_json.dump(inv)


# -- pylock ---------------------------------------------------------------------------------------
def test_pylock_inline_tables_and_arrays_of_tables() -> None:
    basic = PylockCollector().collect(TreePath.for_input(GOOD / "pylock" / "pip-audit" / "pylock.basic.toml"))
    by_name = {c.name: c for c in basic.components}
    assert by_name["attrs"].prop("python:attestation-identity") == "GitHub:python-attrs/attrs"
    assert len(by_name["numpy"].hashes) == 2
    assert [(e.source, e.target) for e in basic.edges] == [("pkg:pypi/cattrs@24.1.2", "pkg:pypi/attrs@25.1.0")]
    happy = PylockCollector().collect(TreePath.for_input(GOOD / "pylock" / "trivy-happy" / "pylock.toml"))
    project = next(c for c in happy.components if c.name == "test-project")
    assert (project.id, project.version, project.prop("python:source-type")) == ("pkg:pypi/test-project", "",
                                                                                 "directory")
    assert len(happy.components) == 12 and all(len(c.hashes) == 1 for c in happy.components if c.version)


def test_pylock_names_are_detected() -> None:
    c = PylockCollector()
    root = TreePath.for_input(GOOD)
    assert c.detect(root / "pylock.toml") and c.detect(root / "pylock.dev.toml")
    assert not c.detect(root / "pylock.txt") and not c.detect(root / "mypylock.toml")


# -- files every lock collector refuses --------------------------------------------------------------
@pytest.mark.parametrize(
    ("sample", "reason"),
    [
        ("poetry-lock/invalid-toml/poetry.lock", "invalid TOML: * (at line 5, column *)"),
        ("poetry-lock/unknown-version/poetry.lock", "lock-version 3.0 is not supported (known: 1.0, 1.1, 2.0, 2.1)"),
        ("poetry-lock/no-metadata/poetry.lock", "no [metadata] table; is this a poetry.lock?"),
        ("uv-lock/unknown-version/uv.lock", "lock version 2 is not supported (known: 1)"),
        ("uv-lock/invalid-toml/uv.lock", "invalid TOML: * (at line 3, column 10)"),
        ("pylock/unknown-version/pylock.toml", "lock-version 2.0 is not supported (known: 1.x)"),
        ("pylock/bad-packages/pylock.toml", "'packages' is not an array of tables"),
    ],
)
def test_bad_lock_files_are_failed_inputs_naming_the_file(sample: str, reason: str) -> None:
    """``*`` in ``reason``: tomllib's wording, which differs between Python versions."""
    path = BAD / sample
    result = scan([path])
    assert [r.path for r in result.inventory.failed] == [str(path)]
    assert re.fullmatch(".*".join(map(re.escape, reason.split("*"))), result.inventory.failed[0].reason)
    assert "\n" not in result.inventory.failed[0].reason
    assert result.unreadable == (str(path),) and result.crashes == ()
