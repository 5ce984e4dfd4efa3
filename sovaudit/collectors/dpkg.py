"""Debian package database: ``var/lib/dpkg/status`` and the distroless ``var/lib/dpkg/status.d/*``.

What is read (format guide §6.1): RFC 822 stanzas, one per package. A package is part of the
stack when its files are on disk: the third word of ``Status`` is ``installed`` (or a state with
the files unpacked: ``triggers-pending``, ``triggers-awaited``, ``half-configured``,
``unpacked``, ``half-installed``; those carry ``deb:status``). ``config-files`` and
``not-installed`` stanzas are skipped: only configuration is left of them. Distroless
``status.d`` files have no ``Status`` at all; a stanza without one counts as installed.

Decisions worth knowing:

* **Supplier** is the ``Maintainer`` name without its e-mail address (the full field stays in
  ``deb:maintainer``). The distribution is not the supplier here: it is the purl namespace and
  the operating-system component.
* **purl** ``pkg:deb/<ID>/<name>@<version>?arch=<arch>&distro=<ID>-<VERSION_ID>``. ``ID`` and
  ``VERSION_ID`` come from ``etc/os-release`` (or ``usr/lib/os-release``) of the same tree. When
  the tree has none (a status file scanned on its own), the purl has **no namespace and no
  distro**: the maintainer of a package does not say which distribution built it (Ubuntu keeps
  Debian maintainers for unchanged packages), so anything else would be a guess.
* **The tree root** is only known when the file sits at ``var/lib/dpkg/status`` (or
  ``var/lib/dpkg/status.d/``) inside the scanned tree; then ``etc/os-release`` and
  ``usr/share/doc/<package>/copyright`` are read from it. A status file given on its own is its
  folder's tree: no os-release, no copyright files, licences unknown.
* **Licences** come from ``usr/share/doc/<package>/copyright`` when it is machine-readable
  (DEP-5): the ``License:`` short names of its ``Files`` paragraphs, each through
  :func:`sovaudit.licenses.normalise`, joined with ``AND``. One name that does not normalise
  makes the whole expression unknown (the names stay in ``license_declared``): a partial
  expression would claim more than the file says. Free-text copyright files give no licence.
* **Edges** (``depends-on``, scope ``run``) come from ``Depends`` and ``Pre-Depends`` (the latter
  marked ``deb:pre-depends=true``). Each comma group yields one edge: to the first alternative
  that is installed (a real package first, else an installed package that ``Provides`` it), else
  to the first alternative as an unresolved reference. Version constraints are ignored;
  architecture qualifiers (``:any``, ``:native``, ``:amd64``) pick among multi-arch instances.
  A package depending on something it provides itself gives no edge.
* **Text**: dpkg writes UTF-8; a byte that is not is replaced (U+FFFD) rather than failing the
  whole database, and the input record says so.

The helpers at the bottom (os-release, compound licence names, tree roots) are shared with the
rpm and apk collectors.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sovaudit.collectors.interface import Collector
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.licenses import normalise
from sovaudit.model import (
    Component,
    Edge,
    Evidence,
    InputRecord,
    InputStatus,
    Inventory,
    Layer,
    Relation,
    component_id,
)
from sovaudit.purl import build as purl

#: Status words (third word of ``Status``) with nothing of the package left but configuration.
_GONE = frozenset({"not-installed", "config-files"})
#: Fields kept from a stanza (lower-case; deb822 field names are case-insensitive).
_FIELDS = frozenset({
    "package", "status", "version", "architecture", "maintainer", "source", "homepage", "description",
    "depends", "pre-depends", "provides", "multi-arch", "essential",
})
#: Fields whose continuation lines belong to the value (folded fields).
_FOLDED = frozenset({"depends", "pre-depends", "provides"})
#: Debian policy §5.6.7: package names. Only such a name is used to build a path.
_PACKAGE_NAME = re.compile(r"[a-z0-9][a-z0-9+.\-]+")
_ROOT_TAIL_STATUS = ("var", "lib", "dpkg", "status")
_ROOT_TAIL_STATUS_D = ("var", "lib", "dpkg", "status.d")
#: Largest copyright file read (a few packages ship ~1 MB ones; their licences stay unknown past this).
_MAX_COPYRIGHT = 2 * 1024 * 1024
_SNIFF = 4096
_OLD_SUFFIXES = ("-old", ".old", ".bak", "~", ".dpkg-old", ".dpkg-new")


# -- the collector ---------------------------------------------------------------------------------
class DpkgCollector(Collector):
    name = "dpkg-status"
    description = "Debian/Ubuntu package database: var/lib/dpkg/status and distroless status.d/ files"
    claims_files = True
    claims_directories = True

    def detect(self, path: TreePath) -> bool:
        name = path.name
        parent = parent_name(path)
        if name == "status.d":
            return parent == "dpkg" and path.is_dir()
        if parent == "status.d":
            return not name.endswith(".md5sums") and not name.startswith(".") and path.is_file()
        if name == "status" and parent == "dpkg":
            return True
        if "status" not in name.lower() or name.startswith("dpkg.status") or name.endswith(_OLD_SUFFIXES):
            # Not the live database: status-old, var/backups/dpkg.status.0, editor backups.
            return False
        return _looks_like_status(path.read_head(_SNIFF))

    def collect(self, path: TreePath) -> Inventory:
        if path.is_dir():
            return self._collect_folder(path)
        packages, note = _read_packages(path)
        if not packages:
            raise InputError(path.display(), "has no 'Package:' stanza; is this a dpkg status file?")
        root = tree_root(path, _ROOT_TAIL_STATUS) or tree_root(path, (*_ROOT_TAIL_STATUS_D, path.name))
        inv = _inventory(packages, root, self.name)
        if note:
            record = InputRecord(
                path=path.display(),
                status=InputStatus.READ,
                collector=self.name,
                reason=note,
                components=len(inv.components),
            )
            inv = Inventory(components=inv.components, edges=inv.edges, inputs=(record,))
        return inv

    def _collect_folder(self, folder: TreePath) -> Inventory:
        """Distroless: one file per package (or a few) in status.d/, resolved together."""
        packages: list[_Package] = []
        records: list[InputRecord] = []
        for member in folder.iterdir():
            if member.name.endswith(".md5sums") or member.name.startswith(".") or not member.is_file():
                continue
            try:
                found, note = _read_packages(member)
                if not found:
                    raise InputError(member.display(), "has no 'Package:' stanza; is this a dpkg status file?")
            except InputError as err:
                records.append(InputRecord(path=err.path, status=InputStatus.FAILED, collector=self.name,
                                           reason=err.reason))
                continue
            packages.extend(found)
            records.append(InputRecord(path=member.display(), status=InputStatus.READ, collector=self.name,
                                       reason=note, components=len(found)))
        if not records:
            raise InputError(folder.display(), "has no package files")
        inv = _inventory(packages, tree_root(folder, _ROOT_TAIL_STATUS_D), self.name)
        return Inventory(components=inv.components, edges=inv.edges, inputs=tuple(records))


def _looks_like_status(head: bytes) -> bool:
    text = head.lstrip(b"\r\n")
    return text.startswith(b"Package:") and re.search(rb"(?m)^Status:", text) is not None


# -- parsing ---------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Package:
    fields: dict[str, str]
    lines: dict[str, int]
    path: str  # display path of the file it came from
    name: str = ""
    version: str = ""
    arch: str = ""
    status: str = "installed"
    id: str = ""


def paragraphs(text: str, wanted: frozenset[str], folded: frozenset[str] = frozenset()) -> Iterator[
    tuple[dict[str, str], dict[str, int]]
]:
    """deb822 paragraphs as ``({field: value}, {field: line})``, lower-case field names.

    Only ``wanted`` fields are kept, the first occurrence of each; continuation lines are joined
    to the value for ``folded`` fields and dropped for the others (a Description's long text, a
    licence text). Lines that are neither ``Field: value`` nor continuations are ignored.
    """
    cur: dict[str, str] = {}
    lines: dict[str, int] = {}
    last = ""
    seen = False
    for n, line in enumerate(text.split("\n"), 1):
        if not line or line.isspace():
            if seen:
                yield cur, lines
                cur, lines, seen = {}, {}, False
            last = ""
            continue
        if line[0] in " \t":
            if last in folded:
                cur[last] += " " + line.strip()
            continue
        key, sep, value = line.partition(":")
        seen = True
        if not sep:
            last = ""
            continue
        key = key.strip().lower()
        if key in wanted and key not in cur:
            cur[key] = value.strip()
            lines[key] = n
            last = key
        else:
            last = ""
    if seen:
        yield cur, lines


def _decode(data: bytes) -> tuple[str, str]:
    """The text and a note when bytes had to be replaced."""
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError as err:
        return (
            data.decode("utf-8-sig", errors="replace"),
            f"bytes that are not UTF-8 (first at byte {err.start:,}) were replaced with U+FFFD",
        )


def _read_packages(path: TreePath) -> tuple[list[_Package], str]:
    text, note = _decode(path.read_bytes())
    display = path.display()
    out = []
    for fields, lines in paragraphs(text, _FIELDS, _FOLDED):
        name = fields.get("package", "")
        if not name:
            continue
        words = fields.get("status", "").split()
        status = words[2] if len(words) == 3 else ("installed" if not words else "unknown")
        if status in _GONE:
            continue
        out.append(
            _Package(
                fields=fields,
                lines=lines,
                path=display,
                name=name,
                version=fields.get("version", ""),
                arch=fields.get("architecture", ""),
                status=status,
            )
        )
    return out, note


# -- building the inventory ------------------------------------------------------------------------
@dataclass(slots=True)
class _Index:
    """Installed packages by name and by what they provide: (arch, id) candidates."""

    real: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    virtual: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def pick(self, name: str, qualifier: str, dep_arch: str) -> str:
        for table in (self.real, self.virtual):
            found = _choose(table.get(name, ()), qualifier, dep_arch)
            if found:
                return found
        return ""


def _choose(candidates: Iterable[tuple[str, str]], qualifier: str, dep_arch: str) -> str:
    cands = list(candidates)
    if not cands:
        return ""
    if qualifier and qualifier not in ("any", "native"):
        return next((i for a, i in cands if a in (qualifier, "all")), "")
    for a, i in cands:
        if a == dep_arch:
            return i
    for a, i in cands:
        if a == "all":
            return i
    return min(cands)[1]


def _split_dependency(alternative: str) -> tuple[str, str]:
    """``name:arch (>= 1) [amd64] <!nocheck>`` -> (name, arch qualifier)."""
    text = alternative
    for opener in "([<":
        text = text.split(opener, 1)[0]
    name, _, qualifier = text.strip().partition(":")
    return name.strip(), qualifier.strip()


def _supplier(maintainer: str) -> str:
    """``Name <mail>`` -> ``Name``."""
    return maintainer.split("<", 1)[0].strip().strip('"').strip()


def _inventory(packages: list[_Package], root: TreePath | None, collector: str) -> Inventory:
    osr = read_os_release(root) if root is not None else None
    namespace = osr.id if osr else None
    distro = osr.distro if osr else ""

    # ids first: edges need every installed package's id
    index = _Index()
    by_id: dict[str, _Package] = {}
    for p in packages:
        p.id = purl("deb", namespace, p.name, p.version, tuple((k, v) for k, v in (("arch", p.arch),
                                                                                    ("distro", distro)) if v))
        if p.id in by_id:
            continue
        by_id[p.id] = p
        index.real.setdefault(p.name, []).append((p.arch, p.id))
        for entry in p.fields.get("provides", "").split(","):
            virtual, _ = _split_dependency(entry)
            if virtual and virtual != p.name:
                index.virtual.setdefault(virtual, []).append((p.arch, p.id))

    docs = root / "usr" / "share" / "doc" if root is not None else None
    copyrights = _CopyrightCache()
    components = []
    edges: dict[tuple[str, str], Edge] = {}
    for p in by_id.values():
        components.append(_component(p, docs, copyrights, collector))
        for fname, pre in (("depends", False), ("pre-depends", True)):
            value = p.fields.get(fname, "")
            if not value:
                continue
            ev = Evidence(path=p.path, collector=collector, line=p.lines[fname])
            for group in value.split(","):
                alternatives = [_split_dependency(a) for a in group.split("|")]
                alternatives = [(n, q) for n, q in alternatives if n]
                if not alternatives:
                    continue
                target = ""
                for dep, qualifier in alternatives:
                    target = index.pick(dep, qualifier, p.arch)
                    if target:
                        break
                if not target:
                    target = purl("deb", namespace, alternatives[0][0])
                if target == p.id:
                    continue
                props: list[tuple[str, str]] = []
                if pre:
                    props.append(("deb:pre-depends", "true"))
                if len(alternatives) > 1:
                    props.append(("deb:alternatives", " | ".join(n for n, _ in alternatives)))
                _add_edge(edges, Edge(source=p.id, target=target, relation=Relation.DEPENDS_ON, scopes=("run",),
                                      properties=tuple(props), evidence=(ev,)))
    out_edges = list(edges.values())
    if osr is not None:
        os_comp = operating_system(osr, collector)
        out_edges.extend(contains_edges(os_comp, components))
        components.append(os_comp)
    return Inventory(components=tuple(components), edges=tuple(out_edges))


def _add_edge(edges: dict[tuple[str, str], Edge], edge: Edge) -> None:
    key = (edge.source, edge.target)
    old = edges.get(key)
    if old is None:
        edges[key] = edge
        return
    edges[key] = Edge(
        source=old.source,
        target=old.target,
        relation=old.relation,
        scopes=tuple(sorted(set(old.scopes) | set(edge.scopes))),
        properties=tuple(sorted(set(old.properties) | set(edge.properties))),
        evidence=tuple(sorted(set(old.evidence) | set(edge.evidence))),
    )


def _component(p: _Package, docs: TreePath | None, copyrights: _CopyrightCache, collector: str) -> Component:
    f = p.fields
    props = [("deb:architecture", p.arch)] if p.arch else []
    source = f.get("source", "")
    if source:
        src_name, _, rest = source.partition("(")
        props.append(("deb:source", src_name.strip()))
        src_version = rest.rstrip(")").strip()
        if src_version:
            props.append(("deb:source-version", src_version))
    for key, prop in (("homepage", "deb:homepage"), ("maintainer", "deb:maintainer"), ("multi-arch", "deb:multi-arch")):
        if f.get(key):
            props.append((prop, f[key]))
    if f.get("essential", "").lower() == "yes":
        props.append(("deb:essential", "true"))
    if p.status != "installed":
        props.append(("deb:status", f.get("status", "")))
    evidence = [Evidence(path=p.path, collector=collector, line=p.lines["package"])]
    licenses = declared = ""
    if docs is not None and _PACKAGE_NAME.fullmatch(p.name):
        found = copyrights.lookup(docs / p.name / "copyright")
        if found is not None:
            licenses, declared, kind, where = found
            props.append(("deb:copyright", kind))
            if where:
                evidence.append(Evidence(path=where, collector=collector))
    return Component(
        id=p.id,
        layer=Layer.SOFTWARE,
        kind="package",
        name=p.name,
        version=p.version,
        purl=p.id,
        licenses=licenses,
        license_declared=declared,
        supplier=_supplier(f.get("maintainer", "")),
        description=f.get("description", ""),
        properties=tuple(sorted(props)),
        evidence=tuple(evidence),
    )


# -- copyright files -------------------------------------------------------------------------------
_COPYRIGHT_FIELDS = frozenset({"format", "files", "license"})


class _CopyrightCache:
    """Parsed copyright files, keyed by a digest of their content (many doc folders are links to one another)."""

    def __init__(self) -> None:
        self._by_digest: dict[bytes, tuple[str, str, str]] = {}

    def lookup(self, path: TreePath) -> tuple[str, str, str, str] | None:
        """(SPDX or "", declared, "dep5" | "free-text" | "unreadable", display path or ""); None if absent."""
        if not path.is_file():
            return None
        try:
            data = path.read_bytes(_MAX_COPYRIGHT)
        except InputError:  # too big, or behind a link out of the tree: not read
            return "", "", "unreadable", ""
        import hashlib  # only packages with a copyright file need it

        digest = hashlib.blake2b(data, digest_size=16).digest()
        parsed = self._by_digest.get(digest)
        if parsed is None:
            parsed = copyright_licence(data.decode("utf-8", errors="replace"))
            self._by_digest[digest] = parsed
        return (*parsed, path.display())


def copyright_licence(text: str) -> tuple[str, str, str]:
    """(SPDX expression or "", declared licence names, "dep5" | "free-text") of a copyright file."""
    paras = list(paragraphs(text, _COPYRIGHT_FIELDS))
    fmt = paras[0][0].get("format", "") if paras else ""
    if "copyright-format" not in fmt and "dep5" not in fmt:
        return "", "", "free-text"
    names: list[str] = []
    for fields, _ in paras[1:]:
        if "files" in fields:
            names.append(" ".join(fields.get("license", "").split()))
    if not names and paras[0][0].get("license"):
        names.append(" ".join(paras[0][0]["license"].split()))
    unique = sorted(set(names))
    declared = "; ".join(n or "(empty)" for n in unique)
    expressions = set()
    for n in unique:
        expression, _ = licence_expression(n)
        if not expression:
            return "", declared, "dep5"
        expressions.add(expression)
    if len(expressions) > 1:
        expressions = {f"({e})" if " OR " in e else e for e in expressions}
    expression = " AND ".join(sorted(expressions))
    return expression, ("" if expression == declared else declared), "dep5"


_OPERATORS = {"and": "AND", "or": "OR"}


def licence_expression(raw: str) -> tuple[str, str]:
    """A licence field that may combine names with and/or (DEP-5, old RPM ``License:``) as SPDX.

    The whole string is tried first; otherwise each name is normalised on its own and the
    operators kept (``and`` binds tighter than ``or`` in DEP-5 and SPDX alike). Any name that does
    not normalise, or a mix of operators whose grouping a comma changes, gives ``""``: unknown,
    never part-known. Returns ``(expression, declared)`` like :func:`sovaudit.licenses.normalise`.
    """
    text = " ".join(raw.split())
    if not text:
        return "", ""
    expression, declared = normalise(text)
    if expression:
        return expression, declared
    terms: list[list[str]] = [[]]
    ops: list[str] = []
    comma = False
    for token in text.replace(",", " , ").split():
        op = _OPERATORS.get(token.lower())
        if op:
            ops.append(op)
            terms.append([])
        elif token == ",":
            comma = True
        else:
            terms[-1].append(token)
    if not ops or any(not t for t in terms) or (comma and len(set(ops)) > 1):
        return "", text
    parts = []
    for i, term in enumerate(terms):
        mapped, _ = normalise(" ".join(term))
        if not mapped:
            return "", text
        parts.append(f"({mapped})" if " " in mapped and " WITH " not in mapped else mapped)
        if i < len(ops):
            parts.append(ops[i])
    return " ".join(parts), text


# -- shared with the rpm and apk collectors --------------------------------------------------------
def parent_name(path: TreePath) -> str:
    """The name of the folder ``path`` is shown in (``PurePosixPath(path.display()).parent.name``)."""
    return path.display().rpartition("/")[0].rpartition("/")[2]


def tree_root(path: TreePath, tail: tuple[str, ...]) -> TreePath | None:
    """The root of the file system ``path`` belongs to, if ``path`` ends with ``tail`` inside the tree."""
    parts = path.rel.parts
    if len(parts) < len(tail) or parts[len(parts) - len(tail):] != tail:
        return None
    root = path
    for _ in tail:
        root = root.parent
    return root


_OS_ID = re.compile(r"[a-z0-9._-]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class OsRelease:
    """The fields of os-release(5) sovaudit uses."""

    id: str
    version_id: str = ""
    name: str = ""
    pretty_name: str = ""
    version_codename: str = ""
    id_like: str = ""
    path: str = ""  # display path of the file

    @property
    def distro(self) -> str:
        """The purl ``distro`` qualifier: ``debian-12``, ``ubuntu-22.04``, ``debian-trixie``."""
        suffix = self.version_id or self.version_codename
        return f"{self.id}-{suffix}" if suffix else ""


def read_os_release(root: TreePath) -> OsRelease | None:
    """``etc/os-release`` (else ``usr/lib/os-release``) of the tree at ``root``; None if absent or without ID."""
    for candidate in (root / "etc" / "os-release", root / "usr" / "lib" / "os-release"):
        if not candidate.is_file():
            continue
        try:
            text = candidate.read_text(limit=64 * 1024)
        except InputError:
            continue
        values: dict[str, str] = {}
        for line in text.splitlines():
            key, sep, value = line.strip().partition("=")
            if not sep or key.startswith("#"):
                continue
            try:
                words = shlex.split(value, comments=False, posix=True)
            except ValueError:
                words = [value]
            values[key.strip()] = " ".join(words)
        os_id = values.get("ID", "").strip().lower()
        if not _OS_ID.fullmatch(os_id):
            continue
        return OsRelease(
            id=os_id,
            version_id=values.get("VERSION_ID", "") if _OS_ID.fullmatch(values.get("VERSION_ID", "")) else "",
            name=values.get("NAME", ""),
            pretty_name=values.get("PRETTY_NAME", ""),
            version_codename=values.get("VERSION_CODENAME", "") if _OS_ID.fullmatch(
                values.get("VERSION_CODENAME", "")) else "",
            id_like=values.get("ID_LIKE", ""),
            path=candidate.display(),
        )
    return None


def operating_system(osr: OsRelease, collector: str) -> Component:
    """The operating-system component an OS package database belongs to."""
    props = [
        (key, value)
        for key, value in (
            ("os:id", osr.id),
            ("os:version-id", osr.version_id),
            ("os:name", osr.name),
            ("os:version-codename", osr.version_codename),
            ("os:id-like", osr.id_like),
        )
        if value
    ]
    return Component(
        id=component_id(Layer.SOFTWARE, "operating-system", osr.id, osr.version_id),
        layer=Layer.SOFTWARE,
        kind="operating-system",
        name=osr.id,
        version=osr.version_id,
        description=osr.pretty_name or osr.name,
        properties=tuple(sorted(props)),
        evidence=(Evidence(path=osr.path, collector=collector),),
    )


def contains_edges(os_component: Component, components: Iterable[Component]) -> list[Edge]:
    """``contains`` edges from the operating system to each package."""
    return [
        Edge(source=os_component.id, target=c.id, relation=Relation.CONTAINS, evidence=c.evidence[:1])
        for c in components
    ]
