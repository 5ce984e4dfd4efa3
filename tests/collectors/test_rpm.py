"""The rpm collector: the real rpmdb.sqlite, a synthetic database built here, and hostile headers."""

from __future__ import annotations

import gzip
import os
import sqlite3
import struct
from pathlib import Path

import pytest

from sovaudit import inventory_json
from sovaudit.collectors.rpm import RpmCollector
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Inventory, Relation
from tests.conftest import GOLDEN, SAMPLES, assert_golden

GOOD = SAMPLES / "os-packages" / "good"
BAD = SAMPLES / "os-packages" / "bad"
GOLD = GOLDEN / "os-packages"

INT32, STRING, BIN, STRING_ARRAY, I18NSTRING = 4, 6, 7, 8, 9
SIGMD5, NAME, VERSION, RELEASE, EPOCH, SUMMARY = 261, 1000, 1001, 1002, 1003, 1004
VENDOR, LICENSE, ARCH = 1011, 1014, 1022
PROVIDENAME, REQUIREFLAGS, REQUIRENAME, DIRINDEXES, BASENAMES, DIRNAMES = 1047, 1048, 1049, 1116, 1117, 1118
RPMLIB = 1 << 24


def collect(tp: TreePath) -> Inventory:
    c = RpmCollector()
    assert c.detect(tp), f"not detected: {tp}"
    return c.collect(tp)


def header(tags: dict[int, tuple[int, object]]) -> bytes:
    """An RPM header blob as rpm stores it in Packages.blob."""
    index, store = [], bytearray()
    for tag, (typ, value) in sorted(tags.items()):
        if typ == INT32:
            assert isinstance(value, list)
            store += b"\0" * (-len(store) % 4)
            off, count = len(store), len(value)
            store += struct.pack(f">{count}i", *value)
        elif typ == BIN:
            assert isinstance(value, bytes)
            off, count = len(store), len(value)
            store += value
        else:
            strings = [value] if isinstance(value, str) else value
            assert isinstance(strings, list)
            off, count = len(store), len(strings)
            for s in strings:
                store += s.encode() + b"\0"
        index.append(struct.pack(">iIiI", tag, typ, off, count))
    return struct.pack(">II", len(index), len(store)) + b"".join(index) + bytes(store)


def package(name: str, version: str, release: str, arch: str | None = "x86_64", *, epoch: int | None = None,
            provides: tuple[str, ...] = (), requires: tuple[tuple[str, int], ...] = (),
            files: tuple[str, ...] = (), license: str = "MIT") -> bytes:
    tags: dict[int, tuple[int, object]] = {
        NAME: (STRING, name), VERSION: (STRING, version), RELEASE: (STRING, release),
        SUMMARY: (I18NSTRING, [f"the {name} package"]), VENDOR: (STRING, "Fedora Project"),
        LICENSE: (STRING, license), SIGMD5: (BIN, bytes(range(16))),
        PROVIDENAME: (STRING_ARRAY, [name, *provides]),
    }
    if arch:
        tags[ARCH] = (STRING, arch)
    if epoch is not None:
        tags[EPOCH] = (INT32, [epoch])
    if requires:
        tags[REQUIRENAME] = (STRING_ARRAY, [r for r, _ in requires])
        tags[REQUIREFLAGS] = (INT32, [f for _, f in requires])
    if files:
        dirs = sorted({f.rsplit("/", 1)[0] + "/" for f in files})
        tags[DIRNAMES] = (STRING_ARRAY, dirs)
        tags[BASENAMES] = (STRING_ARRAY, [f.rsplit("/", 1)[1] for f in files])
        tags[DIRINDEXES] = (INT32, [dirs.index(f.rsplit("/", 1)[0] + "/") for f in files])
    return header(tags)


def write_rpmdb(path: Path, blobs: list[object]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)")
    conn.executemany("INSERT INTO Packages (blob) VALUES (?)", [(b,) for b in blobs])
    conn.commit()
    conn.close()
    return path


@pytest.fixture
def real_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The real sample is gzip-wrapped (see PROVENANCE): unwrap it into tmp_path."""
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "rpmdb.sqlite"
    db.write_bytes(gzip.decompress((GOOD / "scancode_rpmdb.sqlite.gz").read_bytes()))
    return db


# -- the real sample ------------------------------------------------------------------------------
def independent_edge_count(db: Path) -> int:
    """Edges from rpm's own index tables (Requirename, Providename, Name), not from the header blobs."""
    conn = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)
    provided: dict[str, set[int]] = {}
    for key, hnum in conn.execute("SELECT key, hnum FROM Providename UNION SELECT key, hnum FROM Name"):
        provided.setdefault(key, set()).add(hnum)
    targets: set[tuple[int, object]] = set()
    for hnum, key in conn.execute("SELECT DISTINCT hnum, key FROM Requirename"):
        assert not key.startswith("/"), "this sample has no file requirements"
        if key.startswith(("rpmlib(", "(")):
            continue
        if key in provided:
            targets.update((hnum, t) for t in provided[key] if t != hnum)
        elif not any(ch in key for ch in "()/ "):
            targets.add((hnum, key))
    conn.close()
    return len(targets)


def test_real_sample_golden(real_db: Path) -> None:
    inv = collect(TreePath.for_input("rpmdb.sqlite"))
    names = {c.name: c for c in inv.components}
    assert sorted(names) == ["coreutils", "libgcc"]
    core, gcc = names["coreutils"], names["libgcc"]
    assert core.id == "pkg:rpm/coreutils@9.1-12.fc38?arch=x86_64"  # no os-release: no namespace, no distro
    assert (core.version, core.supplier, core.licenses, core.license_declared) == (
        "9.1-12.fc38", "Fedora Project", "GPL-3.0-or-later", "GPLv3+")
    assert core.description == "A set of basic GNU tools commonly used in shell scripts"
    assert core.prop("rpm:sourcerpm") == "coreutils-9.1-12.fc38.src.rpm"
    assert core.prop("rpm:sigmd5") == "3157e3d06fbddec4d0d9fe452a32c391"
    assert core.evidence[0].pointer == "Packages/222"
    # "... and BSD": one ambiguous name makes the whole licence unknown; the text is kept
    assert gcc.licenses == "" and gcc.license_declared.endswith("LGPLv2+ and BSD")
    assert "libc.so.6()(64bit)" in core.prop("rpm:unresolved-requires").split()
    deps = [e for e in inv.edges if e.relation is Relation.DEPENDS_ON]
    assert [(e.source, e.target) for e in deps] == [(core.id, "pkg:rpm/coreutils-common")]
    assert len(deps) == independent_edge_count(real_db) == 1
    assert_golden(inventory_json.dump(inv), GOLD / "scancode_rpmdb.inventory.json")


def test_real_sample_in_a_tree_with_os_release(real_db: Path, tmp_path: Path) -> None:
    tree = tmp_path / "rootfs"
    (tree / "usr/lib/sysimage/rpm").mkdir(parents=True)
    real_db.rename(tree / "usr/lib/sysimage/rpm/rpmdb.sqlite")
    (tree / "etc").mkdir()
    (tree / "etc/os-release").write_text('NAME="Fedora Linux"\nID=fedora\nVERSION_ID=38\n')
    inv = collect(TreePath.for_input("rootfs") / "usr/lib/sysimage/rpm/rpmdb.sqlite")
    ids = sorted(c.id for c in inv.components)
    assert ids == [
        "pkg:rpm/fedora/coreutils@9.1-12.fc38?arch=x86_64&distro=fedora-38",
        "pkg:rpm/fedora/libgcc@13.1.1-2.fc38?arch=x86_64&distro=fedora-38",
        "software/operating-system/fedora@38",
    ]
    assert sum(e.relation is Relation.CONTAINS for e in inv.edges) == 2


# -- resolution on a synthetic database -----------------------------------------------------------
def synthetic(tmp_path: Path) -> Inventory:
    root = tmp_path / "root"
    write_rpmdb(root / "var/lib/rpm/rpmdb.sqlite", [
        package("bash", "5.2.15", "3.fc38", provides=("bash(x86-64)", "config(bash)"),
                files=("/usr/bin/bash", "/usr/bin/sh", "/bin/sh"), license="GPLv3+",
                requires=(("libc.so.6()(64bit)", 0), ("libtinfo.so.6()(64bit)", 0),
                          ("rpmlib(CompressedFileNames)", RPMLIB), ("config(bash)", 0))),
        package("glibc", "2.37", "4.fc38", provides=("glibc(x86-64)", "libc.so.6()(64bit)", "rtld(GNU_HASH)"),
                license="LGPL-2.1-or-later AND GPL-2.0-or-later"),
        package("glibc", "2.37", "4.fc38", "i686", provides=("glibc(x86-32)", "libc.so.6"),
                requires=(("libc.so.6", 0),)),
        package("coreutils", "9.1", "12.fc38", license="GPLv3+",
                requires=(("/bin/sh", 1 << 9), ("libc.so.6()(64bit)", 0), ("glibc", 0), ("coreutils-common", 0),
                          ("(coreutils-selinux if selinux-policy)", 0), ("rpmlib(PayloadIsZstd)", 0))),
        package("shadow-utils", "4.13", "6.fc38", epoch=2, license="BSD-3-Clause AND GPL-2.0-or-later",
                requires=(("libc.so.6()(64bit)", 0), ("/usr/sbin/nologin", 0))),
        package("gpg-pubkey", "18b8e74c", "62f2920f", arch=None, license="pubkey"),
    ])
    (root / "etc").mkdir()
    (root / "etc/os-release").write_text("ID=fedora\nVERSION_ID=38\nNAME='Fedora Linux'\n")
    return collect(TreePath.for_input(root) / "var/lib/rpm/rpmdb.sqlite")


def test_resolution(tmp_path: Path) -> None:
    inv = synthetic(tmp_path)
    ids = {(c.name, c.prop("rpm:arch")): c.id for c in inv.components if c.kind == "package"}
    assert len(ids) == 6
    shadow = next(c for c in inv.components if c.name == "shadow-utils")
    assert shadow.id == "pkg:rpm/fedora/shadow-utils@4.13-6.fc38?arch=x86_64&distro=fedora-38&epoch=2"
    assert shadow.version == "2:4.13-6.fc38"
    assert shadow.licenses == "BSD-3-Clause AND GPL-2.0-or-later"
    assert shadow.prop("rpm:unresolved-requires") == "/usr/sbin/nologin"
    assert ids[("gpg-pubkey", "")] == "pkg:rpm/fedora/gpg-pubkey@18b8e74c-62f2920f?distro=fedora-38"
    glibc, bash = ids[("glibc", "x86_64")], ids[("bash", "x86_64")]
    deps = sorted((e.source, e.target) for e in inv.edges if e.relation is Relation.DEPENDS_ON)
    assert deps == sorted([
        (bash, glibc),  # soname; config(bash) is its own, rpmlib() is rpm's
        (ids[("coreutils", "x86_64")], bash),  # /bin/sh: a file bash owns
        (ids[("coreutils", "x86_64")], glibc),  # soname and name collapse; x86_64 over i686
        (ids[("coreutils", "x86_64")], "pkg:rpm/fedora/coreutils-common"),  # a name nobody provides
        (shadow.id, glibc),
    ])
    assert next(c for c in inv.components if c.name == "bash").prop("rpm:unresolved-requires") == (
        "libtinfo.so.6()(64bit)")
    assert sum(e.relation is Relation.CONTAINS for e in inv.edges) == 6


# -- detection ------------------------------------------------------------------------------------
def test_detection(tmp_path: Path) -> None:
    c = RpmCollector()
    assert c.detect(TreePath.for_input(BAD / "rpm-bdb") / "var/lib/rpm/Packages")
    (tmp_path / "Packages").write_text("Package: apt\nVersion: 2.6\n")  # an apt index, not rpm
    assert not c.detect(TreePath.for_input(tmp_path / "Packages"))
    (tmp_path / "Name").write_bytes((BAD / "rpm-bdb/var/lib/rpm/Packages").read_bytes())  # a BDB index file
    assert not c.detect(TreePath.for_input(tmp_path / "Name"))
    (tmp_path / "rpmdb.sqlite-wal").write_bytes(b"\x37\x7f\x06\x82" + b"\0" * 28)
    assert not c.detect(TreePath.for_input(tmp_path / "rpmdb.sqlite-wal"))


# -- hostile and broken input ---------------------------------------------------------------------
def failure(path: Path) -> InputError:
    tp = TreePath.for_input(path)
    with pytest.raises(InputError) as err:
        collect(tp)
    assert err.value.path == tp.display()
    assert "\n" not in err.value.reason
    return err.value


def test_berkeley_db_is_refused_clearly() -> None:
    err = failure(BAD / "rpm-bdb/var/lib/rpm/Packages")
    assert err.reason.startswith("BerkeleyDB rpm database is not supported")


def test_ndb_is_refused_clearly(tmp_path: Path) -> None:
    (tmp_path / "Packages.db").write_bytes(b"RpmP" + b"\0" * 60)
    assert failure(tmp_path / "Packages.db").reason.startswith("NDB rpm database")


def test_not_sqlite(tmp_path: Path) -> None:
    (tmp_path / "rpmdb.sqlite").write_text("I am not a database\n")
    assert "not an SQLite database" in failure(tmp_path / "rpmdb.sqlite").reason


def test_corrupt_sqlite(tmp_path: Path) -> None:
    (tmp_path / "rpmdb.sqlite").write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    assert failure(tmp_path / "rpmdb.sqlite").reason.startswith("cannot read the SQLite database")


@pytest.mark.parametrize(
    "schema", ["CREATE TABLE other (x)", "CREATE VIEW Packages AS SELECT 1 AS hnum, x'00' AS blob"]
)
def test_no_packages_table(tmp_path: Path, schema: str) -> None:
    conn = sqlite3.connect(tmp_path / "rpmdb.sqlite")
    conn.execute(schema)
    conn.close()
    assert "no 'Packages' table" in failure(tmp_path / "rpmdb.sqlite").reason


def test_truncated_header(tmp_path: Path) -> None:
    good = package("bash", "5.2", "1")
    db = write_rpmdb(tmp_path / "rpmdb.sqlite", [good, good[:-10]])
    reason = failure(db).reason
    assert "hnum=2" in reason and "truncated" in reason


def test_header_claiming_2_31_entries(tmp_path: Path) -> None:
    db = write_rpmdb(tmp_path / "rpmdb.sqlite", [struct.pack(">II", 2**31, 16) + b"\0" * 64])
    reason = failure(db).reason
    assert "hnum=1" in reason and "claims 2,147,483,648 index entries" in reason


def test_header_offsets_and_types(tmp_path: Path) -> None:
    # an entry pointing past the data store
    blob = bytearray(package("bash", "5.2", "1"))
    struct.pack_into(">i", blob, 8 + 8, 10**6)  # first index entry's offset
    assert "points outside the data" in failure(write_rpmdb(tmp_path / "a/rpmdb.sqlite", [bytes(blob)])).reason
    # a string with no terminating NUL
    unterminated = struct.pack(">II", 1, 3) + struct.pack(">iIiI", NAME, STRING, 0, 1) + b"abc"
    assert "runs past the end" in failure(write_rpmdb(tmp_path / "b/rpmdb.sqlite", [unterminated])).reason
    # NAME with the wrong type
    wrong = header({NAME: (INT32, [1]), VERSION: (STRING, "1")})
    assert "not a string" in failure(write_rpmdb(tmp_path / "c/rpmdb.sqlite", [wrong])).reason
    # a row whose blob is text
    assert "not (integer, blob)" in failure(write_rpmdb(tmp_path / "d/rpmdb.sqlite", ["text"])).reason


def test_sparse_oversized_database(tmp_path: Path) -> None:
    db = tmp_path / "rpmdb.sqlite"
    db.write_bytes(b"SQLite format 3\x00")
    os.truncate(db, 600 * 1024 * 1024)
    assert "over the" in failure(db).reason
