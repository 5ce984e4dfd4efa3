"""The requirements-txt collector: pip's line syntax, includes, pins, hashes, via edges, credentials."""

from __future__ import annotations

from pathlib import Path

import pytest

from sovaudit import inventory_json
from sovaudit.collectors.requirements import RequirementsCollector
from sovaudit.fs import TreePath
from sovaudit.model import InputStatus, Inventory
from sovaudit.pipeline import scan
from tests.conftest import SAMPLES

GOOD = SAMPLES / "python" / "good" / "requirements"


def collect(path: Path) -> Inventory:
    return RequirementsCollector().collect(TreePath.for_input(path)).normalised()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "content", "claimed"),
    [
        ("requirements.txt", "", True),
        ("requirements-dev.txt", "", True),
        ("requirements_test.txt", "", True),
        ("dev-requirements.txt", "", True),
        ("test_requirements.txt", "", True),
        ("constraints.txt", "", True),
        ("constraints-py312.txt", "", True),
        ("requirements/base.txt", "click==8.1.7\n-r common.txt\n", True),
        ("requirements/notes.txt", "Remember to update the pins before a release.\n", False),
        ("docs-requirements-lock.txt", "# pinned\nsphinx==7.2.6\n", True),
        ("system_requirements_notes.txt", "You need at least 8 GB of memory and a GPU.\n", False),
        ("requirements.in", "click\n", False),
        ("README.txt", "requests==2.0\n", False),
    ],
)
def test_detect(tmp_path: Path, name: str, content: str, claimed: bool) -> None:
    path = write(tmp_path / name, content)
    assert RequirementsCollector().detect(TreePath.for_input(tmp_path) / str(path.relative_to(tmp_path))) is claimed


def test_pip_compile_output_gives_pins_hashes_and_via_edges() -> None:
    inv = collect(GOOD / "pip-compile-hashes" / "requirements-test.txt")
    by_id = {c.id: c for c in inv.components}
    assert sorted(by_id) == [
        "pkg:pypi/attrs@23.2.0", "pkg:pypi/hypothesis@6.98.0", "pkg:pypi/iniconfig@2.0.0", "pkg:pypi/numpy@1.26.4",
        "pkg:pypi/packaging@23.2", "pkg:pypi/pluggy@1.4.0", "pkg:pypi/pytest@8.0.1", "pkg:pypi/shapely@2.0.3",
        "pkg:pypi/sortedcontainers@2.4.0",
    ]
    numpy = by_id["pkg:pypi/numpy@1.26.4"]
    assert len(numpy.hashes) == 3 and all(alg == "SHA-256" and len(h) == 64 for alg, h in numpy.hashes)
    assert numpy.evidence[0].line == 19
    assert {(e.source, e.target) for e in inv.edges} == {
        ("pkg:pypi/hypothesis@6.98.0", "pkg:pypi/attrs@23.2.0"),
        ("pkg:pypi/hypothesis@6.98.0", "pkg:pypi/sortedcontainers@2.4.0"),
        ("pkg:pypi/pytest@8.0.1", "pkg:pypi/iniconfig@2.0.0"),
        ("pkg:pypi/pytest@8.0.1", "pkg:pypi/packaging@23.2"),
        ("pkg:pypi/pytest@8.0.1", "pkg:pypi/pluggy@1.4.0"),
        ("pkg:pypi/shapely@2.0.3", "pkg:pypi/numpy@1.26.4"),  # from a multi-line "# via"
        # the project itself ("tinygeo (pyproject.toml)") is not pinned: an unresolved source
        ("pkg:pypi/tinygeo", "pkg:pypi/hypothesis@6.98.0"),
        ("pkg:pypi/tinygeo", "pkg:pypi/numpy@1.26.4"),
        ("pkg:pypi/tinygeo", "pkg:pypi/pytest@8.0.1"),
    }  # "via -r requirements.in" names a file: no edge
    via = next(e for e in inv.edges if e.target == "pkg:pypi/numpy@1.26.4" and e.source.startswith("pkg:pypi/sh"))
    assert via.evidence[0].line == 25  # the "#   shapely" line


def test_includes_constraints_loops_and_failures() -> None:
    inv = collect(GOOD / "includes" / "requirements.txt")
    by_id = {c.id: c for c in inv.components}
    assert sorted(by_id) == [
        "pkg:pypi/click@8.1.7",  # from requirements/base.txt
        "pkg:pypi/editable-thing", "pkg:pypi/localpkg@0.3.0", "pkg:pypi/numpy@1.26.4", "pkg:pypi/private-lib",
        "pkg:pypi/requests@2.31.0",  # requests>=2.31, pinned by -c constraints.txt
        "pkg:pypi/uvicorn@0.29.0",
    ]  # idna is only a constraint: not a component
    requests = by_id["pkg:pypi/requests@2.31.0"]
    assert requests.prop("python:specifier") == ">=2.31"
    assert requests.prop("python:constrained-by").endswith("includes/constraints.txt")
    assert by_id["pkg:pypi/click@8.1.7"].evidence[0].path.endswith("includes/requirements/base.txt")
    assert by_id["pkg:pypi/localpkg@0.3.0"].prop("python:source-type") == "path"
    assert by_id["pkg:pypi/editable-thing"].prop("python:editable") == "true"
    uvicorn = by_id["pkg:pypi/uvicorn@0.29.0"]
    assert (uvicorn.prop("python:extras"), uvicorn.prop("python:marker")) == ("standard", 'python_version >= "3.8"')
    records = sorted((Path(r.path).name, r.status.value, r.reason) for r in inv.inputs)
    assert records == [
        ("base.txt", "failed", "line 4: -r missing.txt: no such file"),
        ("base.txt", "failed", "line 5: -r ../../../../outside.txt: leaves the scanned tree; not read"),
        ("base.txt", "read", ""),  # read once, although it includes requirements.txt back (a loop)
        ("constraints.txt", "read", ""),
        ("requirements.txt", "read",
         "line 16: no package name (a path or URL without #egg=, or not a requirement); skipped"),
    ]


def test_credentials_never_reach_the_inventory() -> None:
    inv = collect(GOOD / "includes" / "requirements.txt")
    data = inventory_json.dump(inv)
    for secret in (b"hunter2", b"deploy:", b"PIP_TOKEN", b"GIT_TOKEN", b"GIT_USER", b"build:"):
        assert secret not in data
    by_id = {c.id: c for c in inv.components}
    assert by_id["pkg:pypi/private-lib"].prop("python:source-url") == \
        "git+https://git.example.org/team/private-lib.git@v1.4"
    assert sorted(v for k, v in by_id["pkg:pypi/numpy@1.26.4"].properties if k == "python:index-url") == [
        "https://mirror.example.net/pypi/simple", "https://pkgs.example.org/simple"]


def test_line_syntax(tmp_path: Path) -> None:
    path = write(tmp_path / "requirements.txt", "\n".join([
        "# comment",
        "Django==4.2.11 \\",
        "    --hash=sha256:" + "a" * 64 + " \\",
        "    --hash sha256:" + "b" * 64,
        "Flask===3.0.0  # via app-core, tools",
        "wheel==0.43.*",
        "attrs>=23 ; python_version >= '3.8' --hash=sha256:" + "c" * 64,
        "https://files.example.org/packages/tomli-2.0.1-py3-none-any.whl#sha256=" + "d" * 64,
        "git+https://github.com/org/thing.git@v1#egg=thing",
        "--requirement=missing.txt",
        "-rmissing-too.txt",
        "--pre",
        "-c https://example.org/constraints.txt",
        "not a requirement ((",
    ]) + "\n")
    inv = collect(path)
    by_id = {c.id: c for c in inv.components}
    assert sorted(by_id) == ["pkg:pypi/attrs", "pkg:pypi/django@4.2.11", "pkg:pypi/flask@3.0.0", "pkg:pypi/thing",
                             "pkg:pypi/tomli@2.0.1", "pkg:pypi/wheel"]
    django = by_id["pkg:pypi/django@4.2.11"]
    assert django.hashes == (("SHA-256", "a" * 64), ("SHA-256", "b" * 64)) and django.evidence[0].line == 2
    assert by_id["pkg:pypi/flask@3.0.0"].properties == ()  # === is a pin too
    assert by_id["pkg:pypi/wheel"].prop("python:specifier") == "==0.43.*"  # a wildcard is not a pin
    attrs = by_id["pkg:pypi/attrs"]
    assert attrs.hashes == (("SHA-256", "c" * 64),)
    assert (attrs.prop("python:specifier"), attrs.prop("python:marker")) == (">=23", 'python_version >= "3.8"')
    tomli = by_id["pkg:pypi/tomli@2.0.1"]  # named and versioned by its wheel file name, hashed by its fragment
    assert (tomli.prop("python:source-type"), tomli.hashes) == ("url", (("SHA-256", "d" * 64),))
    assert by_id["pkg:pypi/thing"].prop("python:source-type") == "vcs"  # named by #egg=
    assert {(e.source, e.target) for e in inv.edges} == {  # pip-compile --annotation-style=line
        ("pkg:pypi/app-core", "pkg:pypi/flask@3.0.0"), ("pkg:pypi/tools", "pkg:pypi/flask@3.0.0")}
    assert sorted((r.status.value, r.reason) for r in inv.inputs) == [
        ("failed", "line 10: -r missing.txt: no such file"),
        ("failed", "line 11: -r missing-too.txt: no such file"),
        ("failed", "line 13: -c https://example.org/constraints.txt: a remote include is not fetched (scans are "
                   "offline)"),
        ("read", "line 14: no package name (a path or URL without #egg=, or not a requirement); skipped"),
    ]


def test_a_constraints_file_on_its_own_lists_its_pins(tmp_path: Path) -> None:
    inv = collect(write(tmp_path / "constraints.txt", "idna==3.6\nurllib3<3\n"))
    assert [(c.id, c.prop("python:constraint")) for c in inv.components] == [
        ("pkg:pypi/idna@3.6", "true"), ("pkg:pypi/urllib3", "true")]


@pytest.mark.parametrize(
    ("sample", "reason"),
    [
        ("not-utf8/requirements.txt", "is not UTF-8 text (byte 19)"),
        ("out-of-tree/requirements.txt",
         "line 1: -r ../../../../../../../../etc/passwd: leaves the scanned tree; not read"),
    ],
)
def test_bad_requirements_files(sample: str, reason: str) -> None:
    path = SAMPLES / "python" / "bad" / "requirements" / sample
    result = scan([path])
    assert [(r.path, r.reason) for r in result.inventory.failed] == [(str(path), reason)]


def test_an_out_of_tree_include_does_not_hide_the_rest() -> None:
    path = SAMPLES / "python" / "bad" / "requirements" / "out-of-tree" / "requirements.txt"
    inv = scan([path]).inventory
    assert [c.id for c in inv.components] == ["pkg:pypi/requests@2.32.3"]
    assert [r.status for r in inv.inputs] == [InputStatus.FAILED, InputStatus.READ]
