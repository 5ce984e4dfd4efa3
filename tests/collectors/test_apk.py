"""The apk collector: an Alpine 3.19 tree (written for sovaudit: no real sample exists), resolution, hostile input."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from sovaudit import inventory_json
from sovaudit.collectors.apk import ApkCollector
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import InputStatus, Inventory, Relation
from tests.conftest import GOLDEN, SAMPLES, assert_golden

GOOD = SAMPLES / "os-packages" / "good"
GOLD = GOLDEN / "os-packages"
INSTALLED = GOOD / "alpine-rootfs/lib/apk/db/installed"


def collect(tp: TreePath) -> Inventory:
    c = ApkCollector()
    assert c.detect(tp), f"not detected: {tp}"
    return c.collect(tp)


@pytest.fixture
def alpine(monkeypatch: pytest.MonkeyPatch) -> Inventory:
    monkeypatch.chdir(GOOD)
    return collect(TreePath.for_input("alpine-rootfs") / "lib/apk/db/installed")


def test_golden(alpine: Inventory) -> None:
    assert_golden(inventory_json.dump(alpine), GOLD / "alpine-rootfs.inventory.json")


def test_components(alpine: Inventory) -> None:
    pkgs = {c.name: c for c in alpine.components if c.kind == "package"}
    assert len(pkgs) == len(re.findall(r"(?m)^P:", INSTALLED.read_text())) == 15
    musl = pkgs["musl"]
    assert musl.id == musl.purl == "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1"
    assert (musl.version, musl.licenses, musl.supplier) == ("1.2.4_git20230717-r4", "MIT", "Timo Teräs")
    assert musl.prop("apk:origin") == "musl" and musl.prop("apk:checksum").startswith("Q1")
    assert musl.evidence[0].line == 2  # the P: line
    assert pkgs["ca-certificates-bundle"].licenses == "MPL-2.0 AND MIT"
    assert pkgs["musl-utils"].licenses == "MIT AND BSD-2-Clause AND GPL-2.0-or-later"
    [os_comp] = [c for c in alpine.components if c.kind == "operating-system"]
    assert (os_comp.id, os_comp.description) == ("software/operating-system/alpine@3.19.1", "Alpine Linux v3.19")


def test_edges(alpine: Inventory) -> None:
    ids = {c.name: c.id for c in alpine.components if c.kind == "package"}
    got = sorted((e.source, e.target) for e in alpine.edges if e.relation is Relation.DEPENDS_ON)
    expected = [
        ("busybox", "musl"),
        ("busybox-binsh", "busybox"),
        ("alpine-baselayout", "alpine-baselayout-data"),
        ("alpine-baselayout", "busybox-binsh"),  # /bin/sh: provided by busybox-binsh
        ("libcrypto3", "musl"),
        ("libssl3", "musl"),
        ("libssl3", "libcrypto3"),
        ("ssl_client", "musl"),
        ("ssl_client", "libcrypto3"),
        ("ssl_client", "libssl3"),
        ("zlib", "musl"),
        ("apk-tools", "musl"),  # musl>=... and so:libc.musl... are one edge
        ("apk-tools", "ca-certificates-bundle"),
        ("apk-tools", "libcrypto3"),
        ("apk-tools", "libssl3"),
        ("apk-tools", "zlib"),
        ("scanelf", "musl"),
        ("musl-utils", "scanelf"),
        ("musl-utils", "musl"),  # !uclibc-utils is a conflict: no edge
        ("libc-utils", "musl-utils"),
    ]
    assert got == sorted((ids[a], ids[b]) for a, b in expected)
    # independent count from the raw file: D: entries that are not conflicts, less the one collapsed pair
    entries = [e for line in re.findall(r"(?m)^D:(.*)$", INSTALLED.read_text()) for e in line.split()]
    assert len([e for e in entries if not e.startswith("!")]) - 1 == len(got) == 20
    assert sum(e.relation is Relation.CONTAINS for e in alpine.edges) == 15
    assert not any(c.prop("apk:unresolved-depends") for c in alpine.components)


def write(tmp_path: Path, data: bytes) -> TreePath:
    (tmp_path / "lib/apk/db").mkdir(parents=True)
    (tmp_path / "lib/apk/db/installed").write_bytes(data)
    return TreePath.for_input(tmp_path) / "lib/apk/db/installed"


def test_unresolved_without_os_release(tmp_path: Path) -> None:
    inv = collect(write(tmp_path, b"P:app\nV:1-r0\nA:aarch64\nL:GPL2+\nD:so:libmissing.so.1 missing-pkg>2 cmd:sh\n\n"))
    [app] = inv.components
    assert app.id == "pkg:apk/alpine/app@1-r0?arch=aarch64"  # apk's own namespace; no distro without os-release
    assert app.prop("apk:unresolved-depends") == "cmd:sh so:libmissing.so.1"
    assert [(e.target, e.scopes) for e in inv.edges] == [("pkg:apk/alpine/missing-pkg", ("run",))]
    assert (app.licenses, app.license_declared) == ("", "GPL2+")  # not an unambiguous name: unknown


def test_detection(tmp_path: Path) -> None:
    c = ApkCollector()
    (tmp_path / "installed").write_text("some notes\n")
    assert not c.detect(TreePath.for_input(tmp_path / "installed"))
    (tmp_path / "apk-installed.txt").write_bytes(INSTALLED.read_bytes())
    assert c.detect(TreePath.for_input(tmp_path / "apk-installed.txt"))
    (tmp_path / "README").write_bytes(INSTALLED.read_bytes())
    assert not c.detect(TreePath.for_input(tmp_path / "README"))


def failure(tp: TreePath) -> InputError:
    with pytest.raises(InputError) as err:
        collect(tp)
    assert err.value.path == tp.display() and "\n" not in err.value.reason
    return err.value


def test_not_utf8(tmp_path: Path) -> None:
    inv = collect(write(tmp_path, "P:caf\xe9\nV:1\nT:cr\xe8me\n".encode("latin-1")))
    [c] = inv.components
    assert c.name == "caf\ufffd" and c.description == "cr\ufffdme"
    [record] = inv.inputs
    assert record.status is InputStatus.READ and "not UTF-8" in record.reason


def test_adb_binary_database(tmp_path: Path) -> None:
    assert "apk-tools 3 binary" in failure(write(tmp_path, b"ADB.idb" + os.urandom(64))).reason


def test_no_package(tmp_path: Path) -> None:
    assert "no 'P:' package stanza" in failure(write(tmp_path, b"V:1\nA:x86_64\n")).reason


def test_sparse_500mb(tmp_path: Path) -> None:
    tp = write(tmp_path, b"")
    os.truncate(tmp_path / "lib/apk/db/installed", 500 * 1024 * 1024)
    assert "over the" in failure(tp).reason
