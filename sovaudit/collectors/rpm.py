"""RPM package database: ``rpmdb.sqlite`` (RPM >= 4.16: RHEL 9, Fedora >= 33, openSUSE, SLES 15 SP5+).

The database is read without librpm (format guide §6.2). Table ``Packages(hnum, blob)`` holds one
RPM header per installed package: big-endian ``index count``, ``data length``, then 16-byte index
entries ``(tag, type, offset, count)`` and the data store they point into. Every count, offset and
length is checked against the blob before it is used; a header that does not add up fails the
whole database with the row named (a silently smaller inventory would look clean).

The SQLite file is read through :class:`~sovaudit.fs.TreePath` (bounded) and opened from memory
with ``Connection.deserialize``: no temporary file, no path handed to SQLite, nothing written.
RPM keeps the database in WAL mode; the header bytes that say so are reset in the in-memory copy
(SQLite cannot open a WAL-mode image from memory). A ``-wal`` file beside it is not read: rpm
checkpoints it when a transaction ends, so it is empty on a quiescent system. The schema is
checked (``Packages`` must be a table) and a progress handler bounds the work SQLite may do.

Older databases are refused with a clear error rather than skipped: Berkeley DB ``Packages``
(RHEL <= 8, CentOS 7/8, SLES 12) and NDB ``Packages.db`` (SLES 15 before SP5) need a page reader
sovaudit does not have.

Decisions: ``version`` is ``[epoch:]version-release`` (the purl keeps ``version-release`` with an
``epoch`` qualifier); the purl namespace and ``distro`` come from ``etc/os-release`` of the same
tree and are left out without one (``Vendor`` is free text such as "Red Hat, Inc.": turning it
into a namespace would be a guess); ``supplier`` is ``Vendor``. Edges go from each package to the
installed package providing each ``Requires`` capability (its own name, a ``Provides`` entry, or a
file it owns). ``rpmlib(...)`` features and rich (boolean) dependencies give no edge. A plain
package name nobody provides becomes an unresolved reference; an unprovided soname, file or other
capability is kept in ``rpm:unresolved-requires`` instead of becoming a fake package.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from sovaudit.collectors.dpkg import (
    OsRelease,
    contains_edges,
    licence_expression,
    operating_system,
    read_os_release,
    tree_root,
)
from sovaudit.collectors.interface import Collector
from sovaudit.errors import InputError
from sovaudit.fs import MiB, TreePath
from sovaudit.model import Component, Edge, Evidence, Inventory, Layer, Relation
from sovaudit.purl import build as purl

# Header tags (rpm's lib/rpmtag.h).
SIGMD5 = 261
NAME, VERSION, RELEASE, EPOCH, SUMMARY = 1000, 1001, 1002, 1003, 1004
VENDOR, LICENSE, PACKAGER, URL, ARCH = 1011, 1014, 1015, 1020, 1022
OLDFILENAMES, SOURCERPM, PROVIDENAME, REQUIREFLAGS, REQUIRENAME = 1027, 1044, 1047, 1048, 1049
DIRINDEXES, BASENAMES, DIRNAMES = 1116, 1117, 1118
_WANTED = frozenset({
    SIGMD5, NAME, VERSION, RELEASE, EPOCH, SUMMARY, VENDOR, LICENSE, PACKAGER, URL, ARCH, OLDFILENAMES, SOURCERPM,
    PROVIDENAME, REQUIREFLAGS, REQUIRENAME, DIRINDEXES, BASENAMES, DIRNAMES,
})
# Tag data types.
_INT32, _STRING, _BIN, _STRING_ARRAY, _I18NSTRING = 4, 6, 7, 8, 9
#: rpm's own limits (header.c: HEADER_TAGS_MAX, HEADER_DATA_MAX).
_MAX_TAGS = 0xFFFF
_MAX_DATA = 0x0FFFFFFF
#: RPMSENSE_RPMLIB: a requirement on a feature of rpm itself.
_RPMSENSE_RPMLIB = 1 << 24

#: Largest database read. Real ones are 10-250 MB (most of it file-name indexes).
_MAX_DB = 512 * MiB
#: SQLite virtual-machine steps allowed (x1000); a hostile schema cannot make a query run forever.
_MAX_SQLITE_KSTEPS = 200_000
_SQLITE_MAGIC = b"SQLite format 3\x00"
_BDB_MAGICS = (0x00061561, 0x00053162)  # hash, btree
_NDB_MAGIC = b"RpmP"
_ROOT_TAILS = (("var", "lib", "rpm", "rpmdb.sqlite"), ("usr", "lib", "sysimage", "rpm", "rpmdb.sqlite"))


class RpmCollector(Collector):
    name = "rpm-database"
    description = "RPM package database rpmdb.sqlite (RHEL 9, Fedora, SUSE); Berkeley DB/NDB ones are refused"

    def detect(self, path: TreePath) -> bool:
        name = path.name
        if name == "rpmdb.sqlite":
            return True
        if "Packages" not in name:
            return False
        head = path.read_head(16)
        return _is_bdb(head) or head.startswith(_NDB_MAGIC) or head.startswith(_SQLITE_MAGIC)

    def collect(self, path: TreePath) -> Inventory:
        head = path.read_head(16)
        if _is_bdb(head):
            raise InputError(
                path.display(),
                "BerkeleyDB rpm database is not supported; only rpmdb.sqlite (RPM >= 4.16) is read — "
                "on the system itself, `rpmdb --rebuilddb --define '_db_backend sqlite'` converts it",
            )
        if head.startswith(_NDB_MAGIC):
            raise InputError(
                path.display(), "NDB rpm database (Packages.db) is not supported; only rpmdb.sqlite is read"
            )
        if not head.startswith(_SQLITE_MAGIC):
            raise InputError(path.display(), "is not an SQLite database (no 'SQLite format 3' header)")
        rows = _rows(path)
        headers = []
        for hnum, blob in rows:
            try:
                headers.append(_Header.parse(hnum, blob))
            except _HeaderError as err:
                raise InputError(path.display(), f"package header hnum={hnum} {err}") from err
        root = next((r for r in (tree_root(path, t) for t in _ROOT_TAILS) if r is not None), None)
        osr = read_os_release(root) if root is not None else None
        try:
            return _inventory(headers, osr, path.display(), self.name)
        except _HeaderError as err:
            raise InputError(path.display(), f"package header {err}") from err


def _is_bdb(head: bytes) -> bool:
    if len(head) < 16:
        return False
    return any(struct.unpack_from(fmt, head, 12)[0] in _BDB_MAGICS for fmt in ("<I", ">I"))


def _rows(path: TreePath) -> list[tuple[int, bytes]]:
    import sqlite3

    data = bytearray(path.read_bytes(_MAX_DB, database=True))
    if len(data) < 100:
        raise InputError(path.display(), "is truncated: shorter than an SQLite header")
    if data[18:20] == b"\x02\x02":  # WAL mode: an in-memory image must say rollback journal
        data[18:20] = b"\x01\x01"
    steps = 0

    def progress() -> int:
        nonlocal steps
        steps += 1
        return 1 if steps > _MAX_SQLITE_KSTEPS else 0

    conn = sqlite3.connect(":memory:")
    try:
        conn.deserialize(bytes(data))
        del data
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.execute("PRAGMA query_only = ON")
        conn.set_progress_handler(progress, 1000)
        kind = conn.execute("SELECT type FROM sqlite_master WHERE name = 'Packages'").fetchone()
        if kind is None or kind[0] != "table":
            raise InputError(path.display(), "has no 'Packages' table; is this an rpmdb.sqlite?")
        rows = conn.execute("SELECT hnum, blob FROM Packages ORDER BY hnum").fetchall()
    except (sqlite3.Error, UnicodeDecodeError) as err:  # a corrupt schema is text that is not UTF-8
        raise InputError(path.display(), f"cannot read the SQLite database: {err}") from err
    finally:
        conn.close()
    out = []
    for hnum, blob in rows:
        if not isinstance(hnum, int) or not isinstance(blob, bytes):
            raise InputError(path.display(), f"Packages row {hnum!r} is not (integer, blob)")
        out.append((hnum, blob))
    return out


# -- RPM headers -----------------------------------------------------------------------------------
class _HeaderError(ValueError):
    pass


@dataclass(slots=True)
class _Header:
    hnum: int
    data: bytes
    entries: dict[int, tuple[int, int, int]]  # tag -> (type, offset, count), wanted tags only

    @classmethod
    def parse(cls, hnum: int, blob: bytes) -> _Header:
        if len(blob) < 8:
            raise _HeaderError(f"is truncated: {len(blob)} bytes, shorter than the 8-byte preamble")
        il, dl = struct.unpack_from(">II", blob, 0)
        if il == 0 or il > _MAX_TAGS:
            raise _HeaderError(f"claims {il:,} index entries (rpm allows 1 to {_MAX_TAGS:,})")
        if dl > _MAX_DATA:
            raise _HeaderError(f"claims {dl:,} bytes of data (rpm allows {_MAX_DATA:,})")
        start = 8 + 16 * il
        if len(blob) < start + dl:
            raise _HeaderError(f"is truncated: needs {start + dl:,} bytes, has {len(blob):,}")
        entries = {}
        for tag, typ, off, count in struct.iter_unpack(">iIiI", blob[8:start]):
            if tag in _WANTED:
                if off < 0 or off > dl or count > dl:
                    raise _HeaderError(f"tag {tag} points outside the data ({off:,}+{count:,} > {dl:,})")
                entries[tag] = (typ, off, count)
        return cls(hnum=hnum, data=blob[start:start + dl], entries=entries)

    def strings(self, tag: int) -> list[str]:
        entry = self.entries.get(tag)
        if entry is None:
            return []
        typ, off, count = entry
        if typ not in (_STRING, _STRING_ARRAY, _I18NSTRING):
            raise _HeaderError(f"hnum={self.hnum} tag {tag} has type {typ}, not a string")
        if typ == _STRING:
            count = 1
        out = []
        data = self.data
        for _ in range(count):
            end = data.find(b"\x00", off)
            if end < 0:
                raise _HeaderError(f"hnum={self.hnum} tag {tag}: string runs past the end of the data")
            out.append(data[off:end].decode("utf-8", errors="replace"))
            off = end + 1
        return out

    def string(self, tag: int) -> str:
        values = self.strings(tag)
        return values[0] if values else ""

    def ints(self, tag: int) -> list[int]:
        entry = self.entries.get(tag)
        if entry is None:
            return []
        typ, off, count = entry
        if typ != _INT32:
            raise _HeaderError(f"hnum={self.hnum} tag {tag} has type {typ}, not int32")
        if off + 4 * count > len(self.data):
            raise _HeaderError(f"hnum={self.hnum} tag {tag}: {count:,} integers run past the end of the data")
        return list(struct.unpack_from(f">{count}i", self.data, off))

    def binary(self, tag: int) -> bytes:
        entry = self.entries.get(tag)
        if entry is None or entry[0] != _BIN:
            return b""
        _, off, count = entry
        if off + count > len(self.data):
            raise _HeaderError(f"hnum={self.hnum} tag {tag}: {count:,} bytes run past the end of the data")
        return self.data[off:off + count]

    def files(self) -> list[str]:
        if OLDFILENAMES in self.entries:
            return self.strings(OLDFILENAMES)
        bases, dirs, idx = self.strings(BASENAMES), self.strings(DIRNAMES), self.ints(DIRINDEXES)
        if len(idx) != len(bases) or any(not 0 <= i < len(dirs) for i in idx):
            raise _HeaderError(f"hnum={self.hnum}: file list indexes do not match its directories")
        return [dirs[i] + b for i, b in zip(idx, bases, strict=True)]


# -- the inventory ---------------------------------------------------------------------------------
@dataclass(slots=True)
class _Package:
    header: _Header
    id: str
    name: str
    arch: str
    requires: list[str] = field(default_factory=list)


def _pick(candidates: list[tuple[str, str, str]], capability: str, arch: str) -> str:
    """Among (name, arch, id) providers: the package of that name, the same arch, then the first."""
    return min(candidates, key=lambda c: (c[0] != capability, c[1] not in (arch, "noarch"), c[2]))[2]


def _inventory(headers: list[_Header], osr: OsRelease | None, display: str, collector: str) -> Inventory:
    namespace = osr.id if osr else None
    distro = osr.distro if osr else ""
    packages: dict[str, _Package] = {}
    components = []
    for h in headers:
        name, version, release = h.string(NAME), h.string(VERSION), h.string(RELEASE)
        if not name:
            raise _HeaderError(f"hnum={h.hnum} has no NAME")
        arch = h.string(ARCH)
        epochs = h.ints(EPOCH)
        epoch = str(epochs[0]) if epochs else ""
        vr = f"{version}-{release}" if release else version
        qualifiers = tuple((k, v) for k, v in (("arch", arch), ("epoch", epoch), ("distro", distro)) if v)
        package_url = purl("rpm", namespace, name, vr, qualifiers)
        if package_url in packages:
            continue
        packages[package_url] = _Package(header=h, id=package_url, name=name, arch=arch)
        licenses, declared = licence_expression(h.string(LICENSE))
        props = [
            (key, value)
            for key, value in (
                ("rpm:arch", arch),
                ("rpm:vendor", h.string(VENDOR)),
                ("rpm:packager", h.string(PACKAGER)),
                ("rpm:url", h.string(URL)),
                ("rpm:sourcerpm", h.string(SOURCERPM)),
                ("rpm:sigmd5", h.binary(SIGMD5).hex()),
            )
            if value
        ]
        components.append(
            Component(
                id=package_url,
                layer=Layer.SOFTWARE,
                kind="package",
                name=name,
                version=f"{epoch}:{vr}" if epoch else vr,
                purl=package_url,
                licenses=licenses,
                license_declared=declared,
                supplier=h.string(VENDOR),
                description=h.string(SUMMARY),
                properties=tuple(props),  # unresolved requirements are added below
                evidence=(Evidence(path=display, collector=collector, pointer=f"Packages/{h.hnum}"),),
            )
        )

    # Who provides what: names, Provides entries, and (only for the paths some package requires) files.
    providers: dict[str, list[tuple[str, str, str]]] = {}
    needed_files: set[str] = set()
    for p in packages.values():
        h = p.header
        names, flags = h.strings(REQUIRENAME), h.ints(REQUIREFLAGS)
        flags += [0] * (len(names) - len(flags))
        for req, flag in zip(names, flags, strict=False):
            if flag & _RPMSENSE_RPMLIB or req.startswith(("rpmlib(", "(")):
                continue  # a feature of rpm itself, or a rich (boolean) dependency
            p.requires.append(req)
            if req.startswith("/"):
                needed_files.add(req)
        for cap in {p.name, *h.strings(PROVIDENAME)}:
            providers.setdefault(cap, []).append((p.name, p.arch, p.id))
    if needed_files:
        for p in packages.values():
            for path in p.header.files():
                if path in needed_files:
                    providers.setdefault(path, []).append((p.name, p.arch, p.id))

    edges: dict[tuple[str, str], Edge] = {}
    unresolved: dict[str, list[str]] = {}
    for p in packages.values():
        ev = Evidence(path=display, collector=collector, pointer=f"Packages/{p.header.hnum}")
        for req in p.requires:
            cands = providers.get(req)
            if cands:
                target = _pick(cands, req, p.arch)
            elif any(ch in req for ch in "()/") or " " in req:
                unresolved.setdefault(p.id, []).append(req)
                continue
            else:
                target = purl("rpm", namespace, req)
            if target != p.id and (p.id, target) not in edges:
                edges[(p.id, target)] = Edge(source=p.id, target=target, relation=Relation.DEPENDS_ON,
                                             scopes=("run",), evidence=(ev,))
    if unresolved:
        components = [
            c if c.id not in unresolved else _with_property(c, "rpm:unresolved-requires",
                                                            " ".join(sorted(set(unresolved[c.id]))))
            for c in components
        ]
    out_edges = list(edges.values())
    if osr is not None:
        os_comp = operating_system(osr, collector)
        out_edges.extend(contains_edges(os_comp, components))
        components.append(os_comp)
    return Inventory(components=tuple(components), edges=tuple(out_edges))


def _with_property(c: Component, key: str, value: str) -> Component:
    from dataclasses import replace

    return replace(c, properties=(*c.properties, (key, value)))
