"""The dpkg collector: real status files, a tree with os-release and copyright files, resolution, hostile input."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sovaudit import inventory_json
from sovaudit.collectors.dpkg import DpkgCollector, copyright_licence, licence_expression, purl
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Component, InputStatus, Inventory, Relation
from tests.conftest import GOLDEN, SAMPLES, assert_golden

GOOD = SAMPLES / "os-packages" / "good"
GOLD = GOLDEN / "os-packages"


@pytest.fixture
def in_good(monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative inputs, so evidence paths in the goldens do not depend on the checkout's location."""
    monkeypatch.chdir(GOOD)


def collect(tp: TreePath) -> Inventory:
    c = DpkgCollector()
    assert c.detect(tp), f"not detected: {tp}"
    return c.collect(tp)


def by_name(inv: Inventory) -> dict[str, Component]:
    return {c.name: c for c in inv.components if c.kind == "package"}


def depends_count(text: str) -> int:
    """Independent count: distinct first alternatives of Depends/Pre-Depends per installed package."""
    total = 0
    for stanza in re.split(r"\n\s*\n", text):
        name = re.search(r"(?m)^Package:\s*(\S+)", stanza)
        if not name:
            continue
        status = re.search(r"(?m)^Status:\s*(.*)$", stanza)
        if status and status.group(1).split()[-1] in ("config-files", "not-installed"):
            continue
        targets = set()
        for field in re.findall(r"(?m)^(?:Pre-)?Depends:\s*(.*(?:\n[ \t].*)*)", stanza):
            for group in field.replace("\n", " ").split(","):
                first = re.split(r"[\s(:|\[]", group.strip(), maxsplit=1)[0]
                if first and first != name.group(1):
                    targets.add(first)
        total += len(targets)
    return total


def edges(inv: Inventory, relation: Relation) -> list[tuple[str, str]]:
    return sorted((e.source, e.target) for e in inv.edges if e.relation is relation)


# -- real samples: goldens and independent counts -------------------------------------------------
@pytest.mark.parametrize(
    ("sample", "inner", "packages"),
    [
        ("scancode_basic_status", "", 6),
        ("scancode_status-with-source", "", 1),
        ("distroless-sqlite", "var/lib/dpkg/status.d", 1),
        ("distroless-coreutils", "var/lib/dpkg/status.d", 9),
        ("ubuntu-rootfs", "var/lib/dpkg/status", 6),
    ],
)
def test_golden(in_good: None, sample: str, inner: str, packages: int) -> None:
    tp = TreePath.for_input(sample)
    if inner:
        tp = tp / inner
    inv = collect(tp)
    assert len(by_name(inv)) == packages
    where = GOOD / sample / inner
    files = sorted(p for p in where.iterdir() if p.is_file()) if where.is_dir() else [where]
    raw = "\n\n".join(p.read_text() for p in files)
    assert len(edges(inv, Relation.DEPENDS_ON)) == depends_count(raw)
    assert_golden(inventory_json.dump(inv), GOLD / f"{sample}.inventory.json")


def test_depends_counts_by_hand() -> None:
    """The independent counter itself, against counts made by reading the files."""
    assert depends_count((GOOD / "scancode_basic_status").read_text()) == 2 + 1 + 10 + 3 + 2 + 1
    coreutils = GOOD / "distroless-coreutils/var/lib/dpkg/status.d/coreutils-relationships"
    assert depends_count(coreutils.read_text()) == 5 + 1 + 1 + 2 + 0 + 1 + 1 + 2 + 1


def test_status_with_source(in_good: None) -> None:
    inv = collect(TreePath.for_input("scancode_status-with-source"))
    [c] = inv.components
    assert c.id == c.purl == "pkg:deb/bsdutils@1:2.36.1-8%2Bdeb11u1?arch=amd64"  # no os-release: no namespace
    assert c.version == "1:2.36.1-8+deb11u1"  # epoch kept
    assert c.supplier == "util-linux packagers"
    assert c.prop("deb:maintainer") == "util-linux packagers <util-linux@packages.debian.org>"
    assert c.prop("deb:source") == "util-linux"
    assert c.prop("deb:source-version") == "2.36.1-8+deb11u1"
    assert c.prop("deb:essential") == "true"
    assert c.description == "basic utilities from 4.4BSD-Lite"
    assert c.licenses == ""  # a status file alone: no copyright files to read
    assert c.evidence[0].line == 1
    pre = [e for e in inv.edges if e.relation is Relation.DEPENDS_ON]
    assert sorted(e.target for e in pre) == ["pkg:deb/libc6", "pkg:deb/libsystemd0"]
    assert all(dict(e.properties)["deb:pre-depends"] == "true" and e.scopes == ("run",) for e in pre)
    assert all(e.evidence[0].line == 12 for e in pre)


def test_distroless_without_status_field(in_good: None) -> None:
    """status.d files have no Status field: the package is installed. The single file is detected too."""
    folder = TreePath.for_input("distroless-sqlite") / "var/lib/dpkg/status.d"
    one = collect(folder / "libsqlite3-0")
    whole = collect(folder)
    assert [c.id for c in one.components] == [c.id for c in whole.components] == [
        "pkg:deb/libsqlite3-0@3.34.1-3?arch=arm64"
    ]
    assert whole.inputs[0].status is InputStatus.READ and whole.inputs[0].components == 1
    assert whole.inputs[0].path == "distroless-sqlite/var/lib/dpkg/status.d/libsqlite3-0"


def test_distroless_resolution_and_provides(in_good: None) -> None:
    inv = collect(TreePath.for_input("distroless-coreutils") / "var/lib/dpkg/status.d")
    pkgs = by_name(inv)
    ids = {n: c.id for n, c in pkgs.items()}
    deps = edges(inv, Relation.DEPENDS_ON)
    assert (ids["libc6"], ids["libgcc-s1"]) in deps  # resolved to the installed package
    assert (ids["libgcc-s1"], ids["gcc-12-base"]) in deps
    assert (ids["libselinux1"], ids["libpcre2-8-0"]) in deps
    assert pkgs["libselinux1"].prop("deb:source-version") == "3.4-1"
    core = {t for s, t in deps if s == ids["coreutils"]}
    assert core == {ids[n] for n in ("libacl1", "libattr1", "libc6", "libgmp10", "libselinux1")}
    assert pkgs["libgmp10"].version == "2:6.2.1+dfsg1-1.1"


def test_ubuntu_tree_licences_and_os(in_good: None) -> None:
    inv = collect(TreePath.for_input("ubuntu-rootfs") / "var/lib/dpkg/status")
    pkgs = by_name(inv)
    assert pkgs["libaudit1"].id == "pkg:deb/ubuntu/libaudit1@1:2.8.2-1ubuntu1?arch=amd64&distro=ubuntu-18.04"
    assert pkgs["libncurses5"].licenses == "X11"
    com_err = pkgs["libcom-err2"]
    assert (com_err.licenses, com_err.license_declared) == ("GPL-2.0-only AND MIT", "Expat; GPL-2")
    assert pkgs["libaudit1"].licenses == "GPL-2.0-or-later AND LGPL-2.1-or-later"
    assert (pkgs["perl-base"].licenses, pkgs["perl-base"].license_declared) == ("", "GPL-1+ or Artistic")
    assert pkgs["perl-base"].prop("deb:copyright") == "dep5"
    assert (pkgs["libapt-pkg5.0"].licenses, pkgs["libapt-pkg5.0"].prop("deb:copyright")) == ("", "free-text")
    # libudev1's doc folder is a link to systemd's, inside the tree
    assert pkgs["libudev1"].licenses == "GPL-2.0-or-later AND LGPL-2.1-or-later"
    assert "ubuntu-rootfs/usr/share/doc/libudev1/copyright" in {e.path for e in pkgs["libudev1"].evidence}
    [os_comp] = [c for c in inv.components if c.kind == "operating-system"]
    assert (os_comp.id, os_comp.name, os_comp.version) == ("software/operating-system/ubuntu@18.04", "ubuntu", "18.04")
    assert os_comp.description == "Ubuntu 18.04.6 LTS"
    assert os_comp.evidence[0].path == "ubuntu-rootfs/etc/os-release"
    assert edges(inv, Relation.CONTAINS) == sorted((os_comp.id, c.id) for c in pkgs.values())
    # unresolved dependencies point at namespaced placeholders
    assert (pkgs["libncurses5"].id, "pkg:deb/ubuntu/libtinfo5") in edges(inv, Relation.DEPENDS_ON)


# -- resolution: alternatives, Provides, multi-arch, states -----------------------------------------
RESOLUTION = """\
Package: app
Status: install ok installed
Architecture: amd64
Version: 1.0
Depends: mail-transport-agent | exim4, awk, libfoo:any (>= 1), python3:native, gone | also-gone,
 libc6 (>= 2.36), libbar:i386, app-data, virt, exim4 | postfix
Pre-Depends: libc6 (>= 2.17)
Provides: virt

Package: postfix
Status: install ok installed
Architecture: amd64
Version: 3.7.6-0+deb12u2
Provides: mail-transport-agent

Package: mawk
Status: install ok installed
Architecture: amd64
Version: 1.3.4.20200120-3.1
Provides: awk

Package: gawk
Status: install ok installed
Architecture: amd64
Version: 1:5.2.1-2
Provides: awk

Package: libfoo
Status: install ok installed
Architecture: i386
Version: 2

Package: python3
Status: install ok installed
Architecture: amd64
Version: 3.11.2-1+b1

Package: libc6
Status: install ok installed
Architecture: i386
Version: 2.36-9

Package: libc6
Status: install ok installed
Architecture: amd64
Version: 2.36-9

Package: libbar
Status: install ok installed
Architecture: amd64
Version: 1

Package: app-data
Status: install ok installed
Architecture: all
Version: 1.0

Package: tool
Status: hold ok installed
Architecture: i386
Version: 0.1
Depends: libc6

Package: exim4
Status: purge ok not-installed
Architecture: amd64

Package: removed
Status: deinstall ok config-files
Architecture: amd64
Version: 9
Depends: libc6

Package: broken
Status: install reinstreq half-installed
Architecture: amd64
Version: 0.9
"""


def write_tree(root: Path, status: str | bytes) -> TreePath:
    (root / "var/lib/dpkg").mkdir(parents=True)
    data = status.encode() if isinstance(status, str) else status
    (root / "var/lib/dpkg/status").write_bytes(data)
    return TreePath.for_input(root) / "var/lib/dpkg/status"


def test_resolution(tmp_path: Path) -> None:
    inv = collect(write_tree(tmp_path, RESOLUTION))
    ids = {(c.name, c.prop("deb:architecture")): c.id for c in inv.components}
    assert ("exim4", "amd64") not in ids and ("removed", "amd64") not in ids  # nothing but config left
    assert len(ids) == 12
    app = ids[("app", "amd64")]
    got = {t for s, t in edges(inv, Relation.DEPENDS_ON) if s == app}
    assert got == {
        ids[("postfix", "amd64")],  # virtual mail-transport-agent -> its provider
        ids[("mawk", "amd64")],  # two providers of awk: the first, deterministically
        ids[("libfoo", "i386")],  # :any accepts another architecture
        ids[("python3", "amd64")],
        "pkg:deb/gone",  # no alternative installed: the first, unresolved
        ids[("libc6", "amd64")],  # multi-arch: the depender's architecture
        "pkg:deb/libbar",  # libbar:i386 is not installed (only amd64)
        ids[("app-data", "all")],
    }  # `virt` is provided by app itself: no self edge; `exim4 | postfix` -> postfix (already there)
    tool = ids[("tool", "i386")]
    assert [t for s, t in edges(inv, Relation.DEPENDS_ON) if s == tool] == [ids[("libc6", "i386")]]
    by_key = {(e.source, e.target): e for e in inv.edges}
    libc = by_key[(app, ids[("libc6", "amd64")])]
    assert dict(libc.properties) == {"deb:pre-depends": "true"}  # Depends and Pre-Depends merged
    assert [ev.line for ev in libc.evidence] == [5, 7]
    postfix = by_key[(app, ids[("postfix", "amd64")])]
    assert {v for k, v in postfix.properties if k == "deb:alternatives"} == {
        "mail-transport-agent | exim4",
        "exim4 | postfix",
    }
    broken = next(c for c in inv.components if c.name == "broken")
    assert broken.prop("deb:status") == "install reinstreq half-installed"
    assert next(c for c in inv.components if c.name == "tool").prop("deb:status") == ""
    assert not edges(inv, Relation.CONTAINS)  # no os-release in this tree


def test_copyright_parsing() -> None:
    dep5 = (
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
        "Files: *\nCopyright: x\nLicense: LGPL-3+ or GPL-2+\n\n"
        "Files: a/*\nCopyright: y\nLicense: BSD-3-clause\n text\n\n"
        "License: BSD-3-clause\n full text\n"
    )
    assert copyright_licence(dep5) == (
        "(LGPL-3.0-or-later OR GPL-2.0-or-later) AND BSD-3-Clause",
        "BSD-3-clause; LGPL-3+ or GPL-2+",
        "dep5",
    )
    assert copyright_licence("This is free software, see /usr/share/common-licenses/GPL-2\n") == ("", "", "free-text")
    assert copyright_licence(dep5.replace("BSD-3-clause\n text", "GPL-2+ with OpenSSL exception"))[0] == ""
    assert licence_expression("MIT or Apache-2.0")[0] == "MIT OR Apache-2.0"
    assert licence_expression("GPLv2+ and BSD")[0] == ""  # "BSD" is ambiguous: all or nothing
    assert licence_expression("GPL-2+, and LGPL-2.1+ or MIT") == ("", "GPL-2+, and LGPL-2.1+ or MIT")


# -- detection ------------------------------------------------------------------------------------
def test_detection(tmp_path: Path) -> None:
    tree = write_tree(tmp_path, RESOLUTION)
    c = DpkgCollector()
    root = TreePath.for_input(tmp_path)
    for name in ("status-old", "available"):
        (tmp_path / "var/lib/dpkg" / name).write_text(RESOLUTION)
        assert not c.detect(root / "var/lib/dpkg" / name)
    (tmp_path / "var/backups").mkdir(parents=True)
    (tmp_path / "var/backups/dpkg.status.0").write_text(RESOLUTION)
    assert not c.detect(root / "var/backups/dpkg.status.0")
    (tmp_path / "my-status.txt").write_text(RESOLUTION)
    assert c.detect(root / "my-status.txt")  # content: Package: + Status:
    (tmp_path / "status").write_text("Status: green\nPackage: nope\n")
    assert not c.detect(root / "status")
    (tmp_path / "notes.txt").write_text(RESOLUTION)
    assert not c.detect(root / "notes.txt")  # not sniffed: name does not say status
    assert c.detect(tree)
    sd = tmp_path / "var/lib/dpkg/status.d"
    sd.mkdir()
    (sd / "base.md5sums").write_text("d41d8cd98f00b204e9800998ecf8427e  usr/bin/x\n")
    assert c.detect(root / "var/lib/dpkg/status.d")
    assert not c.detect(root / "var/lib/dpkg/status.d/base.md5sums")


# -- hostile and broken input ---------------------------------------------------------------------
def test_sparse_500mb_status(tmp_path: Path) -> None:
    tp = write_tree(tmp_path, b"")
    os.truncate(tmp_path / "var/lib/dpkg/status", 500 * 1024 * 1024)
    with pytest.raises(InputError) as err:
        collect(tp)
    assert err.value.path == tp.display() and "over the" in err.value.reason
    assert "\n" not in err.value.reason


def test_not_utf8_is_read_with_replacement(tmp_path: Path) -> None:
    text = RESOLUTION.replace("Package: python3\n", "Package: python3\nDescription: caf\xe9 cr\xe8me\n")
    data = text.encode("latin-1")
    inv = collect(write_tree(tmp_path, data))
    assert len(inv.components) == 12
    [record] = inv.inputs
    assert record.status is InputStatus.READ and record.components == 12
    assert "not UTF-8" in record.reason and "U+FFFD" in record.reason
    assert next(c for c in inv.components if c.name == "python3").description == "caf\ufffd cr\ufffdme"


def test_no_package_stanza(tmp_path: Path) -> None:
    tp = write_tree(tmp_path, "this is not\na dpkg database\n")
    with pytest.raises(InputError) as err:
        collect(tp)
    assert err.value.path == tp.display() and "no 'Package:' stanza" in err.value.reason


def test_folder_with_bad_member(tmp_path: Path) -> None:
    sd = tmp_path / "var/lib/dpkg/status.d"
    sd.mkdir(parents=True)
    (sd / "good").write_text("Package: a\nVersion: 1\nArchitecture: amd64\nDepends: b\n")
    (sd / "good.md5sums").write_text("x  y\n")
    (sd / "junk").write_bytes(b"\x00\x01\x02 binary")
    os.mkfifo(sd / "fifo")  # never opened
    inv = collect(TreePath.for_input(tmp_path) / "var/lib/dpkg/status.d")
    assert [c.name for c in inv.components] == ["a"]
    statuses = {r.path.rsplit("/", 1)[-1]: r.status for r in inv.inputs}
    assert statuses == {"good": InputStatus.READ, "junk": InputStatus.FAILED}
    assert edges(inv, Relation.DEPENDS_ON) == [("pkg:deb/a@1?arch=amd64", "pkg:deb/b")]


def test_doc_link_out_of_tree_is_not_followed(tmp_path: Path) -> None:
    tp = write_tree(tmp_path, "Package: libc6\nStatus: install ok installed\nVersion: 1\n")
    (tmp_path / "usr/share/doc").mkdir(parents=True)
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    (outside / "libc6").mkdir(parents=True)
    (outside / "libc6/copyright").write_text("Format: copyright-format/1.0\n\nFiles: *\nLicense: MIT\n")
    (tmp_path / "usr/share/doc/libc6").symlink_to(outside / "libc6")
    [c] = collect(tp).components
    # lstat sees a file through the link; the read refuses to leave the tree
    assert c.licenses == "" and c.prop("deb:copyright") == "unreadable"
    assert len(c.evidence) == 1


def test_os_release_link_out_of_tree_is_not_followed(tmp_path: Path) -> None:
    tp = write_tree(tmp_path, "Package: a\nVersion: 1\n")
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/os-release").symlink_to("/etc/os-release")  # the host's, outside the tree
    [c] = collect(tp).components
    assert c.id == "pkg:deb/a@1"


# -- the purl builder shared by the OS collectors ---------------------------------------------------
@given(
    ptype=st.sampled_from(["deb", "rpm", "apk"]),
    namespace=st.one_of(st.none(), st.sampled_from(["debian", "ubuntu", "fedora", "Alpine", "wolfi"])),
    name=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=20)
    | st.from_regex(r"[a-z0-9][a-z0-9+.\-]{1,20}", fullmatch=True),
    version=st.text(max_size=12) | st.from_regex(r"([0-9]:)?[0-9][A-Za-z0-9.+~\-]{0,12}", fullmatch=True),
    arch=st.sampled_from(["", "amd64", "x86_64", "all", "i386"]),
    extra=st.sampled_from(["", "debian-12", "ubuntu-18.04", "fedora-38"]),
)
def test_purl_matches_packageurl(ptype: str, namespace: str | None, name: str, version: str, arch: str,
                                 extra: str) -> None:
    from packageurl import PackageURL

    qualifiers = tuple((k, v) for k, v in (("arch", arch), ("distro", extra)) if v)
    try:
        expected = PackageURL(type=ptype, namespace=namespace, name=name, version=version or None,
                              qualifiers=dict(qualifiers)).to_string()
    except (ValueError, TypeError):
        return  # the library fails on it (a name that is only "/" or white space): nothing to compare
    assert purl(ptype, namespace, name, version, qualifiers) == expected
