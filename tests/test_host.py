"""host_inputs / host_trees on a fake root, and the real dpkg database of this machine against dpkg-query."""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from sovaudit.collectors.dpkg import DpkgCollector
from sovaudit.host import host_inputs, host_trees
from sovaudit.model import Relation


def make(root: Path, *paths: str) -> None:
    for p in paths:
        target = root / p.lstrip("/")
        if p.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("x\n")


def link(root: Path, path: str, target: str) -> None:
    where = root / path.lstrip("/")
    where.parent.mkdir(parents=True, exist_ok=True)
    where.symlink_to(target)


@pytest.fixture
def fake_root(tmp_path: Path) -> Path:
    root = tmp_path / "host"
    make(
        root,
        "/var/lib/dpkg/",
        "/usr/lib/sysimage/rpm/rpmdb.sqlite",
        "/lib/apk/db/installed",
        "/usr/lib/python3/dist-packages/",
        "/usr/lib/python3.11/site-packages/",
        "/usr/local/lib/python3.11/dist-packages/",
        "/usr/bin/python3.11",
        "/opt/venv/lib/python3.11/site-packages/",
        "/opt/pyinst/bin/python3.12",
        "/opt/pyinst/lib/python3.12/site-packages/",
        "/home/u/.local/lib/python3.11/site-packages/",
        "/opt/conda/conda-meta/",
        "/opt/conda/envs/ml/conda-meta/",
        "/opt/spack/opt/spack/",
        "/opt/spack/opt/spack/modules/",
        "/opt/modules/",
        "/loopbin/",
    )
    (root / "var/lib/dpkg/status").write_text(
        "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36-9\n"
    )
    (root / "etc").mkdir()
    (root / "etc/os-release").write_text('ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')
    link(root, "/var/lib/rpm", "../../usr/lib/sysimage/rpm")  # Fedora: one database, two paths
    link(root, "/usr/lib64", "lib")  # same folders twice
    link(root, "/usr/bin/python3", "python3.11")
    link(root, "/opt/venv/bin/python3", "/usr/bin/python3")  # absolute: resolved inside the fake root
    link(root, "/usr/local/bin/python3", "/opt/pyinst/bin/python3.12")
    link(root, "/loopbin/python3", "/loopbin/python3")  # a loop
    (root / "home/u/.conda").mkdir(parents=True)
    (root / "home/u/.conda/environments.txt").write_text("/opt/conda\n/opt/conda/envs/ml\n/does/not/exist\nrelative\n")
    return root


ENV = {
    "HOME": "/home/u",
    "PATH": "/opt/venv/bin:/usr/local/bin:/usr/bin:/loopbin::relative/bin",
    "CONDA_PREFIX": "/opt/conda/envs/ml",
    "SPACK_ROOT": "/opt/spack",
    "MODULEPATH": "/opt/modules:/nonexistent::/opt/spack/opt/spack/modules",
}


def test_host_inputs(fake_root: Path) -> None:
    got = host_inputs(str(fake_root), env=ENV)
    assert [p.removeprefix(str(fake_root)) for p in got] == [
        "/var/lib/dpkg/status",
        "/var/lib/rpm/rpmdb.sqlite",  # not again as /usr/lib/sysimage/rpm
        "/lib/apk/db/installed",
        "/home/u/.local/lib/python3.11/site-packages",
        "/opt/conda/conda-meta",
        "/opt/conda/envs/ml/conda-meta",  # listed and $CONDA_PREFIX: once
        "/opt/modules",
        "/opt/pyinst/lib/python3.12/site-packages",  # the interpreter /usr/local/bin/python3 resolves to
        "/opt/spack/opt/spack",  # the module tree inside it is not listed again
        "/opt/venv/lib/python3.11/site-packages",  # the virtual environment above bin/python3
        "/usr/lib/python3.11/site-packages",  # once, though lib64 -> lib
        "/usr/lib/python3/dist-packages",
        "/usr/local/lib/python3.11/dist-packages",
    ]


def test_host_inputs_without_environment(fake_root: Path) -> None:
    got = [p.removeprefix(str(fake_root)) for p in host_inputs(str(fake_root), env={})]
    assert got == [
        "/var/lib/dpkg/status",
        "/var/lib/rpm/rpmdb.sqlite",
        "/lib/apk/db/installed",
        "/usr/lib/python3.11/site-packages",
        "/usr/lib/python3/dist-packages",
        "/usr/local/lib/python3.11/dist-packages",
    ]


def test_empty_root(tmp_path: Path) -> None:
    assert host_inputs(str(tmp_path), env=ENV) == []


def test_host_trees_root_os_databases_at_the_root(fake_root: Path) -> None:
    trees = host_trees(str(fake_root), env=ENV)
    assert [str(t.rel) for t in trees[:3]] == [
        "var/lib/dpkg/status", "var/lib/rpm/rpmdb.sqlite", "lib/apk/db/installed"
    ]
    assert trees[0].display() == f"{fake_root}/var/lib/dpkg/status"
    assert all(t.display() == p for t, p in zip(trees, host_inputs(str(fake_root), env=ENV), strict=True))
    inv = DpkgCollector().collect(trees[0])
    # rooted at the fake root, the collector reaches its etc/os-release
    assert {c.id for c in inv.components} == {
        "pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12",
        "software/operating-system/debian@12",
    }


# -- this machine ----------------------------------------------------------------------------------
@pytest.mark.skipif(
    shutil.which("dpkg-query") is None or not Path("/var/lib/dpkg/status").is_file(),
    reason="not a dpkg system",
)
def test_this_machine_matches_dpkg_query() -> None:
    """Every package dpkg-query lists as present (not only config files left), same version and arch."""
    [status] = [t for t in host_trees("/", env={}) if str(t.rel) == "var/lib/dpkg/status"]
    collector = DpkgCollector()
    assert collector.detect(status)
    inv = collector.collect(status)
    out = subprocess.run(
        ["dpkg-query", "-W", "-f", "${db:Status-Status}\t${Package}\t${Version}\t${Architecture}\n"],
        capture_output=True, text=True, check=True,
    ).stdout
    oracle = Counter(
        (name, version, arch)
        for state, name, version, arch in (line.split("\t") for line in out.splitlines())
        if state not in ("not-installed", "config-files")
    )
    packages = [c for c in inv.components if c.kind == "package"]
    mine = Counter((c.name, c.version, c.prop("deb:architecture")) for c in packages)
    assert mine == oracle
    assert len(oracle) > 10
    # the copyright files were reached through the root: every package that has one says what it is
    doc = Path("/usr/share/doc")
    with_copyright = {c.name for c in packages if (doc / c.name / "copyright").is_file()}
    assert {c.name for c in packages if c.prop("deb:copyright")} == with_copyright
    assert any(c.licenses for c in packages)
    if Path("/etc/os-release").is_file():
        [os_comp] = [c for c in inv.components if c.kind == "operating-system"]
        assert sum(e.relation is Relation.CONTAINS for e in inv.edges) == len(packages)
        assert all(c.purl.startswith(f"pkg:deb/{os_comp.name}/") for c in packages)
