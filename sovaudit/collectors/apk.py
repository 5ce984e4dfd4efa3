"""Alpine package database: ``lib/apk/db/installed`` (apk-tools 2 text format; also ``usr/lib/apk/db``).

One stanza per installed package, blank-line separated, each line ``<letter>:<value>``:
``P`` name, ``V`` version, ``A`` arch, ``L`` licence, ``o`` origin (source package), ``m``
maintainer, ``U`` URL, ``T`` description, ``c`` aports commit, ``C`` checksum (``Q1`` + base64
SHA-1 of the package's control data), ``D`` dependencies and ``p`` provides (both
space-separated, with ``=``/``>=``/``~`` version constraints, ``so:``/``cmd:``/``pc:``
capability names, ``!name`` for conflicts), and per-file lines (``F``, ``R``, ``Z``, ``a``, ``M``)
that are skipped.

Decisions: purl ``pkg:apk/<ID>/<name>@<version>?arch=<arch>&distro=<ID>-<VERSION_ID>`` with
``ID`` from ``etc/os-release`` of the same tree; without one the namespace is ``alpine`` (the
database format is apk's own; Wolfi and postmarketOS say who they are in os-release) and there
is no ``distro``. ``supplier`` is the maintainer's name. ``C`` is kept as ``apk:checksum``, not as
a hash: it is a digest of the control data, not of a file a reader could check. Each ``D`` entry
gives an edge to the installed package named so or providing it; conflicts give none. A plain
name nothing provides becomes an unresolved reference; an unprovided ``so:``/``cmd:``/``pc:``
capability is kept in ``apk:unresolved-depends`` instead of becoming a fake package. Bytes that
are not UTF-8 are replaced (U+FFFD) and the input record says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from sovaudit.collectors.dpkg import (
    contains_edges,
    licence_expression,
    operating_system,
    parent_name,
    read_os_release,
    tree_root,
)
from sovaudit.collectors.interface import Collector
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Component, Edge, Evidence, InputRecord, InputStatus, Inventory, Layer, Relation
from sovaudit.purl import build as purl

_KEEP = frozenset("PVALomUTcCDp")
_CONSTRAINT = re.compile(r"[<>=~]")
_ROOT_TAILS = (("usr", "lib", "apk", "db", "installed"), ("lib", "apk", "db", "installed"))
_SNIFF = 512


class ApkCollector(Collector):
    name = "apk-installed"
    description = "Alpine package database lib/apk/db/installed"

    def detect(self, path: TreePath) -> bool:
        name = path.name
        if name == "installed" and parent_name(path) == "db":
            return True
        if "installed" not in name:
            return False
        head = path.read_head(_SNIFF)
        return re.match(rb"(C:Q[^\n]*\n)?P:[^\n]+\nV:", head) is not None

    def collect(self, path: TreePath) -> Inventory:
        data = path.read_bytes()
        if data.startswith(b"ADB"):
            raise InputError(path.display(), "is an apk-tools 3 binary (ADB) database; only the text format is read")
        try:
            text, note = data.decode("utf-8"), ""
        except UnicodeDecodeError as err:
            text = data.decode("utf-8", errors="replace")
            note = f"bytes that are not UTF-8 (first at byte {err.start:,}) were replaced with U+FFFD"
        packages = _parse(text, path.display())
        if not packages:
            raise InputError(path.display(), "has no 'P:' package stanza; is this an apk installed database?")
        root = next((r for r in (tree_root(path, t) for t in _ROOT_TAILS) if r is not None), None)
        inv = _inventory(packages, root, self.name)
        if note:
            record = InputRecord(path=path.display(), status=InputStatus.READ, collector=self.name, reason=note,
                                 components=len(inv.components))
            inv = replace(inv, inputs=(record,))
        return inv


@dataclass(slots=True)
class _Package:
    fields: dict[str, str]
    line: int
    path: str
    id: str = ""
    requires: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.fields["P"]

    @property
    def arch(self) -> str:
        return self.fields.get("A", "")


def _parse(text: str, display: str) -> list[_Package]:
    out: list[_Package] = []
    cur: dict[str, str] = {}
    line_of_p = 0
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            if cur.get("P"):
                out.append(_Package(fields=cur, line=line_of_p, path=display))
            cur = {}
            continue
        if len(line) < 2 or line[1] != ":" or line[0] not in _KEEP:
            continue
        key = line[0]
        if key not in cur:
            cur[key] = line[2:].strip()
            if key == "P":
                line_of_p = n
    if cur.get("P"):
        out.append(_Package(fields=cur, line=line_of_p, path=display))
    return out


def _capability(entry: str) -> str:
    """``so:libc.musl-x86_64.so.1=1`` -> ``so:libc.musl-x86_64.so.1``; ``foo@edge>=1`` -> ``foo``."""
    return _CONSTRAINT.split(entry, 1)[0].split("@", 1)[0].strip()


def _pick(candidates: list[tuple[str, str, str]], capability: str, arch: str) -> str:
    """Among (name, arch, id) providers: the package of that name, the same arch, then the first."""
    return min(candidates, key=lambda c: (c[0] != capability, c[1] not in (arch, "noarch"), c[2]))[2]


def _inventory(packages: list[_Package], root: TreePath | None, collector: str) -> Inventory:
    osr = read_os_release(root) if root is not None else None
    namespace = osr.id if osr else "alpine"
    distro = osr.distro if osr else ""
    by_id: dict[str, _Package] = {}
    providers: dict[str, list[tuple[str, str, str]]] = {}
    for p in packages:
        qualifiers = tuple((k, v) for k, v in (("arch", p.arch), ("distro", distro)) if v)
        p.id = purl("apk", namespace, p.name, p.fields.get("V", ""), qualifiers)
        if p.id in by_id:
            continue
        by_id[p.id] = p
        for cap in {p.name, *(_capability(e) for e in p.fields.get("p", "").split())}:
            if cap:
                providers.setdefault(cap, []).append((p.name, p.arch, p.id))

    components = []
    edges: dict[tuple[str, str], Edge] = {}
    for p in by_id.values():
        unresolved = []
        ev = Evidence(path=p.path, collector=collector, line=p.line)
        for entry in p.fields.get("D", "").split():
            if entry.startswith("!"):
                continue  # a conflict, not a dependency
            cap = _capability(entry)
            if not cap:
                continue
            cands = providers.get(cap)
            if cands:
                target = _pick(cands, cap, p.arch)
            elif ":" in cap:
                unresolved.append(cap)
                continue
            else:
                target = purl("apk", namespace, cap)
            if target != p.id and (p.id, target) not in edges:
                edges[(p.id, target)] = Edge(source=p.id, target=target, relation=Relation.DEPENDS_ON,
                                             scopes=("run",), evidence=(ev,))
        f = p.fields
        licenses, declared = licence_expression(f.get("L", ""))
        props = [
            (key, value)
            for key, value in (
                ("apk:arch", p.arch),
                ("apk:origin", f.get("o", "")),
                ("apk:maintainer", f.get("m", "")),
                ("apk:url", f.get("U", "")),
                ("apk:commit", f.get("c", "")),
                ("apk:checksum", f.get("C", "")),
                ("apk:unresolved-depends", " ".join(sorted(set(unresolved)))),
            )
            if value
        ]
        components.append(
            Component(
                id=p.id,
                layer=Layer.SOFTWARE,
                kind="package",
                name=p.name,
                version=f.get("V", ""),
                purl=p.id,
                licenses=licenses,
                license_declared=declared,
                supplier=f.get("m", "").split("<", 1)[0].strip(),
                description=f.get("T", ""),
                properties=tuple(sorted(props)),
                evidence=(ev,),
            )
        )
    out_edges = list(edges.values())
    if osr is not None:
        os_comp = operating_system(osr, collector)
        out_edges.extend(contains_edges(os_comp, components))
        components.append(os_comp)
    return Inventory(components=tuple(components), edges=tuple(out_edges))
