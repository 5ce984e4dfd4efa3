"""The python-environment collector: detection, METADATA, markers and extras, side files, bad input."""

from __future__ import annotations

import email.parser
import email.policy
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.markers import Marker
from packaging.requirements import Requirement

from sovaudit import inventory_json
from sovaudit.collectors import pypi
from sovaudit.collectors.python_env import (
    MarkerEnvironment,
    PythonEnvironmentCollector,
    comparison,
    dependency,
    parse_headers,
)
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import InputStatus, Inventory
from sovaudit.pipeline import scan
from tests.conftest import SAMPLES

GOOD = SAMPLES / "python" / "good"
VENV = GOOD / "environment" / "venv-3.11"
SITE = VENV / "lib" / "python3.11" / "site-packages"
REAL_METADATA = sorted((GOOD / "dist-info").glob("*/METADATA")) + sorted(SITE.glob("*.dist-info/METADATA"))


def collect(path: Path) -> Inventory:
    return PythonEnvironmentCollector().collect(TreePath.for_input(path)).normalised()


def edges(inv: Inventory) -> dict[tuple[str, str], tuple[tuple[str, ...], dict[str, str]]]:
    return {(e.source, e.target): (e.scopes, dict(e.properties)) for e in inv.edges}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def dist(site: Path, name: str, version: str, *headers: str) -> Path:
    folder = site / f"{name}-{version}.dist-info"
    write(folder / "METADATA", "\n".join(["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", *headers]))
    return folder


# -- detection ------------------------------------------------------------------------------------
def test_detect_claims_environments_and_leaves_project_checkouts(tmp_path: Path) -> None:
    c = PythonEnvironmentCollector()
    write(tmp_path / "venv" / "pyvenv.cfg", "version = 3.12.1\n")
    (tmp_path / "prefix" / "lib" / "python3.12" / "dist-packages").mkdir(parents=True)
    dist(tmp_path / "loose", "six", "1.16.0")
    dist(tmp_path / "project", "mytool", "0.1")
    write(tmp_path / "project" / "pyproject.toml", "[project]\nname = 'mytool'\n")
    (tmp_path / "plain").mkdir()
    root = TreePath.for_input(tmp_path)
    assert c.detect(root / "venv")
    assert c.detect(root / "prefix" / "lib" / "python3.12" / "dist-packages")
    assert c.detect(root / "loose")
    assert c.detect(root / "loose" / "six-1.16.0.dist-info")
    assert not c.detect(root / "project")  # a checkout's *.egg-info/.dist-info is a build by-product
    assert not c.detect(root / "plain")
    assert not c.detect(root / "prefix")


def test_scan_of_a_prefix_reaches_its_site_packages_and_nothing_else(tmp_path: Path) -> None:
    site = tmp_path / "usr" / "local" / "lib" / "python3.12" / "site-packages"
    dist(site, "six", "1.16.0")
    write(tmp_path / "usr" / "local" / "share" / "doc.txt", "not python")
    result = scan([tmp_path / "usr"])
    assert [c.id for c in result.inventory.components] == ["pkg:pypi/six@1.16.0"]
    assert {r.collector for r in result.inventory.inputs} == {"python-environment"}


# -- the venv sample ------------------------------------------------------------------------------
def test_venv_sample_components_and_licences(monkeypatch: pytest.MonkeyPatch) -> None:
    inv = collect(VENV)
    by_id = {c.id: c for c in inv.components}
    assert sorted(by_id) == [
        "pkg:pypi/archived@1.0",
        "pkg:pypi/classified@3.0",
        "pkg:pypi/eggy@0.5",
        "pkg:pypi/ipywidgets@8.1.2",
        "pkg:pypi/legacy-pkg@1.2.0",
        "pkg:pypi/markdown-it-py@3.0.0",
        "pkg:pypi/old-style@0.9",
        "pkg:pypi/private-tool@2.0",
        "pkg:pypi/rich@13.7.1",
        "pkg:pypi/six@1.16.0",
    ]
    # name as written, identity normalised (PEP 503), evidence at the Name line
    old = by_id["pkg:pypi/old-style@0.9"]
    assert (old.name, old.version, old.evidence[0].line) == ("Old_Style", "0.9", 2)
    assert old.evidence[0].path.endswith("Old_Style-0.9.DIST-INFO/METADATA")
    # licence precedence and "unknown stays unknown"
    licences = {cid: (c.licenses, c.license_declared) for cid, c in by_id.items()}
    assert licences["pkg:pypi/ipywidgets@8.1.2"] == ("BSD-3-Clause", "")  # License-Expression
    assert licences["pkg:pypi/legacy-pkg@1.2.0"] == ("Apache-2.0", "Apache 2.0")  # free text that maps
    assert licences["pkg:pypi/classified@3.0"] == ("MIT", "MIT License")  # the classifier alone
    assert licences["pkg:pypi/markdown-it-py@3.0.0"] == ("", "Apache Software License; MIT License")
    assert licences["pkg:pypi/old-style@0.9"] == ("", "BSD")
    assert licences["pkg:pypi/private-tool@2.0"] == ("", "Copyright (c) 2024 Example Corp. \u2026")
    assert licences["pkg:pypi/eggy@0.5"] == ("GPL-3.0-only", "GPLv3")
    assert by_id["pkg:pypi/legacy-pkg@1.2.0"].author == "Grace Maintainer"
    classified = by_id["pkg:pypi/classified@3.0"]
    assert classified.prop("python:requested") == "true" and classified.prop("python:installer") == "pip"
    assert classified.prop("python:unparsed-requires-dist") == "this is not a requirement !!"


def test_venv_sample_edges_follow_the_marker_and_extras_policy() -> None:
    got = edges(collect(VENV))
    assert got == {
        # python_version < "3.13" is true for 3.11.7; typing-extensions is not installed: a placeholder
        ("pkg:pypi/classified@3.0", "pkg:pypi/typing-extensions"): (
            (),
            {"python:specifier": ">=4.6", "python:marker": 'python_version < "3.13"'},
        ),
        ("pkg:pypi/classified@3.0", "pkg:pypi/rich@13.7.1"): ((), {"python:specifier": ">=13"}),
        # classified asks for rich[jupyter], so rich's jupyter extra counts (scope optional)
        ("pkg:pypi/rich@13.7.1", "pkg:pypi/ipywidgets@8.1.2"): (
            ("optional",),
            {"python:specifier": "<9,>=7.5.1", "python:marker": 'extra == "jupyter"', "python:extra": "jupyter"},
        ),
        ("pkg:pypi/rich@13.7.1", "pkg:pypi/markdown-it-py@3.0.0"): ((), {"python:specifier": ">=2.2.0"}),
        ("pkg:pypi/rich@13.7.1", "pkg:pypi/pygments"): ((), {"python:specifier": "<3.0.0,>=2.13.0"}),
        ("pkg:pypi/markdown-it-py@3.0.0", "pkg:pypi/mdurl"): ((), {"python:specifier": "~=0.1"}),
        ("pkg:pypi/legacy-pkg@1.2.0", "pkg:pypi/six@1.16.0"): ((), {"python:specifier": ">=1.10"}),
        ("pkg:pypi/legacy-pkg@1.2.0", "pkg:pypi/classified@3.0"): ((), {"python:specifier": ">=3.0"}),
        ("pkg:pypi/eggy@0.5", "pkg:pypi/six@1.16.0"): ((), {"python:specifier": ">=1.0"}),  # from requires.txt
        ("pkg:pypi/private-tool@2.0", "pkg:pypi/rich@13.7.1"): ((), {"python:specifier": ">=12"}),
        ("pkg:pypi/archived@1.0", "pkg:pypi/missing-dependency"): ((), {"python:specifier": ">=1.0"}),
    }
    # dropped: tomli (3.11 is not < 3.11), colorama (win32 unknown, not installed), pytest and sphinx
    # (extras nobody requests), futures (requires.txt [:python_version < "3.0"]), cython ([speedups])


def test_credentials_never_reach_the_inventory() -> None:
    inv = collect(VENV)
    data = inventory_json.dump(inv)
    for secret in (b"s3cr3t", b"deploy-bot", b"PIP_USER", b"PIP_PASSWORD", b"abc123"):
        assert secret not in data
    by_id = {c.id: c for c in inv.components}
    tool = by_id["pkg:pypi/private-tool@2.0"]
    assert tool.prop("python:direct-url") == "https://git.example.org/team/private-tool.git"
    assert tool.prop("python:vcs-commit") == "0123456789abcdef0123456789abcdef01234567"
    archived = by_id["pkg:pypi/archived@1.0"]
    assert archived.prop("python:direct-url") == "https://pkgs.example.org/files/archived-1.0.tar.gz?token=***"
    assert archived.hashes == (("SHA-256", "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"),)


def test_a_single_dist_info_folder_can_be_scanned() -> None:
    inv = collect(GOOD / "dist-info" / "packaging-26.2.dist-info")
    assert [(c.id, c.licenses) for c in inv.components] == [("pkg:pypi/packaging@26.2", "Apache-2.0 OR BSD-2-Clause")]


# -- environments: what markers can be decided against --------------------------------------------
def test_windows_layout_decides_platform_markers(tmp_path: Path) -> None:
    write(tmp_path / "venv" / "pyvenv.cfg", "home = C:\\Python312\nversion = 3.12.1\n")
    site = tmp_path / "venv" / "Lib" / "site-packages"
    dist(
        site,
        "app",
        "1.0",
        'Requires-Dist: colorama ; sys_platform == "win32"',
        'Requires-Dist: uvloop ; sys_platform != "win32"',
        'Requires-Dist: tomli ; python_version < "3.11"',
    )
    assert edges(collect(tmp_path / "venv")) == {
        ("pkg:pypi/app@1.0", "pkg:pypi/colorama"): ((), {"python:marker": 'sys_platform == "win32"'}),
    }


def test_virtualenv_config_gives_version_and_implementation(tmp_path: Path) -> None:
    write(tmp_path / "venv" / "pyvenv.cfg", "implementation = PyPy\nversion_info = 3.10.14.final.0\n")
    site = tmp_path / "venv" / "lib" / "pypy3.10" / "site-packages"
    dist(
        site,
        "app",
        "1.0",
        "Requires-Dist: cffi ; platform_python_implementation != 'PyPy'",
        "Requires-Dist: exceptiongroup ; python_full_version < '3.11'",
    )
    env = MarkerEnvironment.of(
        TreePath.for_input(site).display(), {"implementation": "PyPy", "version_info": "3.10.14.final.0"}
    )
    assert env.known["python_full_version"] == "3.10.14"
    assert set(edges(collect(tmp_path / "venv"))) == {("pkg:pypi/app@1.0", "pkg:pypi/exceptiongroup")}


def test_undecidable_marker_keeps_the_edge_only_to_an_installed_target(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"  # no Python version known at all
    dist(
        site,
        "app",
        "1.0",
        "Requires-Dist: cffi ; platform_python_implementation != 'PyPy'",
        "Requires-Dist: tomli ; python_version < '3.11'",
    )
    dist(site, "cffi", "1.17.1")
    assert set(edges(collect(site))) == {("pkg:pypi/app@1.0", "pkg:pypi/cffi@1.17.1")}


@pytest.mark.parametrize(
    ("marker", "extra", "expected"),
    [
        ('python_version < "3.12"', "", True),
        ('python_version < "3.10"', "", False),
        ('extra == "test"', "", False),
        ('extra == "Test_Extra"', "test-extra", True),  # extra names compare normalised (PEP 685)
        # an unknown variable cannot outweigh a decided clause (three-valued logic) ...
        ("(sys_platform == 'win32') and extra == 'test'", "", False),
        ("sys_platform == 'linux' or python_version >= '3.8'", "", True),
        # ... but leaves the marker undecided when it matters
        ("(sys_platform == 'win32') and extra == 'test'", "test", None),
        ("sys_platform == 'linux' or python_version < '3.8'", "", None),
        ("python_version not in '3.9, 3.10'", "", True),
        ('python_version < "3.8" and extra == "x" or os_name == "nt"', "", None),
        ("'win32' in sys_platform", "", None),
        ("not a marker ((", "", None),
    ],
)
def test_markers_are_evaluated_three_valued(marker: str, extra: str, expected: bool | None) -> None:
    env = MarkerEnvironment(known={"python_version": "3.11", "python_full_version": "3.11.7"})
    assert env.evaluate(marker, extra) is expected


def test_extras_propagate_through_chains_and_self_references(tmp_path: Path) -> None:
    site = tmp_path / "lib" / "python3.12" / "site-packages"
    dist(site, "top", "1.0", "Requires-Dist: mid[all]")
    dist(
        site,
        "mid",
        "2.0",
        'Requires-Dist: mid[fast] ; extra == "all"',
        'Requires-Dist: leaf ; extra == "fast"',
        'Requires-Dist: unused ; extra == "slow"',
    )
    dist(site, "leaf", "3.0")
    got = edges(collect(site))
    assert set(got) == {("pkg:pypi/top@1.0", "pkg:pypi/mid@2.0"), ("pkg:pypi/mid@2.0", "pkg:pypi/leaf@3.0")}
    assert got["pkg:pypi/mid@2.0", "pkg:pypi/leaf@3.0"] == (
        ("optional",),
        {"python:marker": 'extra == "fast"', "python:extra": "fast"},
    )


# -- the header reader and the Requires-Dist fast path agree with the standard library / packaging --
@pytest.mark.parametrize("metadata", REAL_METADATA, ids=lambda p: p.parent.name)
def test_headers_match_the_email_parser(metadata: Path) -> None:
    data = metadata.read_bytes()
    mine = parse_headers(data, str(metadata))
    theirs = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(data)
    for field in ("Name", "Version", "Summary", "License-Expression", "Requires-Python"):
        assert mine.first(field.lower()) == " ".join((theirs.get(field) or "").split())
    for field in ("Requires-Dist", "Classifier", "Project-URL"):
        assert [v for v, _ in mine.all(field.lower())] == (theirs.get_all(field) or [])


def test_headers_continuation_crlf_and_body() -> None:
    data = (
        b"Metadata-Version: 2.1\r\nName: x\r\nLicense: first line\r\n        second line\r\n"
        b"Version: 1\r\n\r\nName: body-is-not-read\r\n"
    )
    h = parse_headers(data, "METADATA")
    assert (h.first("name"), h.first("version"), h.line("version")) == ("x", "1", 5)
    assert h.first("license") == "first line\nsecond line"
    assert [v for v, _ in h.all("name")] == ["x"]


def requires_dist_lines() -> list[str]:
    lines = {v for p in REAL_METADATA for v, _ in parse_headers(p.read_bytes(), "").all("requires-dist")}
    lines |= {
        "a[b,C_d]>=1,<2;python_version>='3.8' and extra=='x'",
        "b (==1.0.*)",
        "c~=1.4.2",
        "d===weird",
        "e @ https://example.org/e-1.0.tar.gz ; os_name == 'nt'",
        "f>=1.0a1.dev2",
        "g!=2.*",
        "h[x] (>1)",
    }
    lines.discard("this is not a requirement !!")
    return sorted(lines)


@pytest.mark.parametrize("text", requires_dist_lines())
def test_dependency_fast_path_matches_packaging(text: str) -> None:
    dep, req = dependency(text), Requirement(text)
    assert dep.key == req.name.lower().replace("_", "-").replace(".", "-")
    assert dep.extras == tuple(sorted(x.lower().replace("_", "-") for x in req.extras))
    assert dep.specifier == str(req.specifier)
    assert (Marker(dep.marker) if dep.marker else None) == req.marker


# -- bad input: one broken distribution never hides the rest ---------------------------------------
@pytest.fixture
def broken_site(tmp_path: Path) -> Path:
    site = tmp_path / "lib" / "python3.12" / "site-packages"
    site.mkdir(parents=True)
    shutil.copytree(GOOD / "dist-info" / "packaging-26.2.dist-info", site / "packaging-26.2.dist-info")
    shutil.copytree(GOOD / "dist-info" / "numpy-2.4.6.dist-info", site / "numpy-2.4.6.dist-info")
    huge = site / "huge-1.0.dist-info" / "METADATA"
    huge.parent.mkdir()
    with open(huge, "wb") as f:
        f.write(b"Metadata-Version: 2.1\nName: huge\nVersion: 1.0\n")
        f.truncate(200 * 1024 * 1024)  # sparse: 200 MB on paper, nothing on disk
    os.symlink("/etc", site / "evil-1.0.dist-info")
    (site / "garbage-1.0.dist-info").mkdir()
    (site / "garbage-1.0.dist-info" / "METADATA").write_bytes(bytes(range(256)) * 64)
    (site / "latin1-1.0.dist-info").mkdir()
    (site / "latin1-1.0.dist-info" / "METADATA").write_bytes(b"Name: latin1\nVersion: 1.0\nAuthor: Jos\xe9\n")
    write(site / "truncated-1.0.dist-info" / "METADATA", "Metadata-Version: 2.1\nName: truncated\nVers")
    write(site / "nameless-1.0.dist-info" / "METADATA", "Metadata-Version: 2.1\nVersion: 1.0\n")
    (site / "empty-1.0.dist-info").mkdir()
    dist(site, "badjson", "1.0")
    write(site / "badjson-1.0.dist-info" / "direct_url.json", "{not json")
    return site


def test_broken_distributions_are_failed_records_and_the_rest_is_read(broken_site: Path) -> None:
    result = scan([broken_site])
    inv = result.inventory
    assert [c.id for c in inv.components] == ["pkg:pypi/badjson@1.0", "pkg:pypi/numpy@2.4.6", "pkg:pypi/packaging@26.2"]
    failed = {r.path.removeprefix(str(broken_site) + "/"): r.reason for r in inv.failed}
    assert set(failed) == {
        "huge-1.0.dist-info/METADATA",
        "evil-1.0.dist-info",
        "garbage-1.0.dist-info/METADATA",
        "latin1-1.0.dist-info/METADATA",
        "truncated-1.0.dist-info/METADATA",
        "nameless-1.0.dist-info/METADATA",
        "empty-1.0.dist-info/METADATA",
        "badjson-1.0.dist-info/direct_url.json",
    }
    assert "over the 67,108,864-byte limit" in failed["huge-1.0.dist-info/METADATA"]
    assert failed["evil-1.0.dist-info"] == "is a link that leaves the scanned tree; not followed"
    assert failed["garbage-1.0.dist-info/METADATA"] == "is binary, not a metadata file"
    assert failed["latin1-1.0.dist-info/METADATA"] == "is not UTF-8 text (byte 37)"
    assert failed["truncated-1.0.dist-info/METADATA"] == "has no Version header; truncated?"
    assert failed["nameless-1.0.dist-info/METADATA"] == "has no Name header; truncated, or not a metadata file"
    assert failed["empty-1.0.dist-info/METADATA"].startswith("cannot open:")
    assert failed["badjson-1.0.dist-info/direct_url.json"].startswith("invalid JSON:")
    assert all("\n" not in reason for reason in failed.values())
    assert result.unreadable == () and result.crashes == ()
    read = [r for r in inv.inputs if r.status is InputStatus.READ]
    assert len(read) == 3


def test_a_venv_without_site_packages_is_an_input_error(tmp_path: Path) -> None:
    write(tmp_path / "venv" / "pyvenv.cfg", "version = 3.12.1\n")
    with pytest.raises(InputError, match="pyvenv.cfg but no lib/pythonX.Y/site-packages"):
        collect(tmp_path / "venv")


# -- the comparisons decided without packaging give packaging's answers ------------------------------
_RELEASES = st.from_regex(r"[0-9]{1,2}(\.[0-9]{1,2}){0,3}", fullmatch=True)
_LITERALS = _RELEASES | st.sampled_from(
    [
        "3.8.*",
        "3.10rc1",
        "v3",
        " 3.9",
        "cpython",
        "CPython",
        "PyPy",
        "win32",
        "Windows",
        "linux",
        "test",
        "Test_Extra",
        "a.b",
        "",
        "1",
        "3.11.0+local",
        "3!1.0",
    ]
)


@given(
    variable=st.sampled_from(
        [
            "python_version",
            "python_full_version",
            "implementation_name",
            "platform_python_implementation",
            "sys_platform",
            "platform_system",
            "extra",
        ]
    ),
    value=_RELEASES
    | st.sampled_from(["cpython", "CPython", "pypy", "PyPy", "win32", "Windows", "", "test", "test-extra", "3.11.7"]),
    op=st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "===", "~=", "in", "not in"]),
    literal=_LITERALS,
    quote=st.sampled_from(["'", '"']),
)
def test_comparison_matches_packaging(variable: str, value: str, op: str, literal: str, quote: str) -> None:
    if variable == "extra":
        value = pypi.normalise_name(value)  # the environment's extra is always a normalised name
    rhs = f"{quote}{literal}{quote}"
    try:
        expected: bool | None = Marker(f"{variable} {op} {rhs}").evaluate({variable: value})
    except ValueError:  # InvalidMarker, UndefinedComparison
        expected = None
    assert comparison(variable, op, rhs, {variable: value}) == expected


# -- specifiers read without packaging are packaging's canonical form ---------------------------------
_VERSIONS = st.from_regex(
    r"v?([0-9]!)?[0-9]{1,3}(\.[0-9]{1,3}){0,3}"
    r"([-_.]?(alpha|beta|preview|pre|a|b|c|rc|RC)[-_.]?[0-9]{0,2})?"
    r"(-[0-9]{1,2}|[-_.]?(post|rev|r)[-_.]?[0-9]{0,2})?"
    r"([-_.]?dev[-_.]?[0-9]{0,2})?(\.\*|\+local\.1|\.x)?",
    fullmatch=True,
)
_SPECIFIERS = st.tuples(st.sampled_from(["==", "!=", "<=", ">=", "<", ">", "~=", "==="]), _VERSIONS).map("".join)


#: Spellings of the same versions, which packaging keeps once.
_ALIKE = st.sampled_from(
    [
        "!=1.0",
        "!=1.0.0",
        "!=1.0a0",
        "!=1.0a",
        "!=1.0-a0",
        "!=1.0alpha0",
        "!=1.0.post0",
        "!=1.0-0",
        "!=1.0post",
        "!=1.0.dev",
        "!=1.0.dev0",
        "~=1.0",
        "~=1.0.0",
        "==1.0.*",
        "==1.0.0.*",
        ">=1.0c1",
        ">=1.0rc1",
        ">=1.0pre1",
        ">=1.0-1",
        ">=1.0.post1",
        ">=1.0r1",
        ">=1.0rev1",
        ">= 2.1",
        ">=02.1",
    ]
)


@given(st.lists(_SPECIFIERS | _ALIKE, min_size=1, max_size=4))
def test_specifier_is_packagings_canonical_form(parts: list[str]) -> None:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    from sovaudit.collectors.python_env import _specifier

    text = ",".join(parts)
    try:
        expected: str | None = str(SpecifierSet(text))
    except InvalidSpecifier:
        expected = None
    assert _specifier(text) == expected


# -- vendored distributions -------------------------------------------------------------------------
def test_a_distribution_vendored_inside_another_is_read_from_its_record(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    outer = dist(site, "vendor", "1.0", "Requires-Dist: inner")
    dist(site / "vendor" / "_vendor", "inner", "2.0", "Requires-Dist: not-installed", "License-Expression: MIT")
    dist(outer / "licenses" / "vendor" / "_vendor", "copy", "3.0")  # a licence tree kept in the dist-info
    write(
        outer / "RECORD",
        "vendor/__init__.py,sha256=abc,10\n"
        "vendor/_vendor/inner-2.0.dist-info/METADATA,sha256=def,50\n"
        "vendor-1.0.dist-info/licenses/vendor/_vendor/copy-3.0.dist-info/METADATA,,\n"
        "../../evil-1.0.dist-info/METADATA,,\n"
        "/abs/evil-1.0.dist-info/METADATA,,\n"
        "vendor/_vendor/gone-1.0.dist-info/METADATA,,\n"
        "vendor-1.0.dist-info/METADATA,,\n",
    )
    inv = collect(site)
    by_id = {c.id: c for c in inv.components}
    assert set(by_id) == {"pkg:pypi/vendor@1.0", "pkg:pypi/inner@2.0"}  # not the licence copy, not outside
    inner = by_id["pkg:pypi/inner@2.0"]
    assert inner.prop("python:vendored-in") == "vendor" and inner.licenses == "MIT"
    (contains,) = [e for e in inv.edges if e.relation.value == "contains"]
    assert (contains.source, contains.target) == ("pkg:pypi/vendor@1.0", "pkg:pypi/inner@2.0")
    assert dict(contains.properties) == {"python:vendored-path": "vendor/_vendor/inner-2.0.dist-info"}
    assert (contains.evidence[0].path.endswith("vendor-1.0.dist-info/RECORD"), contains.evidence[0].line) == (True, 2)
    # The vendored copy's own requirements are not followed: no placeholder for not-installed.
    assert "pkg:pypi/not-installed" not in {e.target for e in inv.edges}
    # The vendor's Requires-Dist on "inner" is not satisfied by its own vendored copy.
    assert ("pkg:pypi/vendor@1.0", "pkg:pypi/inner") in edges(inv)
    failed = [r.path for r in inv.inputs if r.status is InputStatus.FAILED]
    assert len(failed) == 1 and failed[0].endswith("vendor/_vendor/gone-1.0.dist-info")  # reported; the rest read
