"""SPDX 2.2 / 2.3 SBOMs as input: JSON and tag-value.

**Packages** become components (files and snippets do not: they are not parts of a stack):

* layer and kind from ``primaryPackagePurpose`` (2.3): LIBRARY -> software ``package``;
  APPLICATION / FRAMEWORK / SOURCE / ARCHIVE / INSTALL / FILE -> software, kind in lower case;
  CONTAINER -> software ``container-image``; OPERATING-SYSTEM -> software ``operating-system``;
  DEVICE / FIRMWARE -> compute. Without one: a ``pkg:oci`` / ``pkg:docker`` purl is a
  container image, a ``pkg:huggingface`` purl a model, anything else a software ``package``.
* id: the purl (a ``purl`` external reference) as the CycloneDX collector writes it
  (:func:`~sovaudit.collectors.cyclonedx_sbom.identity`: canonical, no credentials, PyPI source
  qualifiers moved to ``sbom:purl-qualifier``), so the components a scan finds merge with them;
  else ``layer/kind/name@version``; an unreadable purl stays in ``sbom:purl``.
* licences: the concluded licence when it is a known expression, else the declared one, each
  through :func:`sovaudit.licenses.normalise` (``NOASSERTION`` and ``NONE`` are unknown). The
  declared text is kept when it says something else (``license_declared``), a concluded one that
  was not used as ``spdx:license-concluded``; ``spdx:license-ref`` = ``<LicenseRef-x> <name>``
  names each extracted licence the package's licences use.
* supplier: ``supplier`` (``Organization:`` / ``Person:`` and a trailing e-mail dropped), else
  an organisation ``originator``; author: the ``originator``; hashes with the algorithm spelled
  as CycloneDX does (``SHA256`` -> ``SHA-256``); ``description`` (else ``summary``).
* properties: ``sbom:cpe`` per CPE reference, ``sbom:external:distribution`` (download
  location), ``sbom:external:website`` (home page), ``spdx:external-ref`` =
  ``<category> <type> <locator>`` for other external references, ``sbom:tool`` per tool among
  the creators, ``sbom:subject`` = ``true`` on what the document describes, and
  ``sbom:location`` for each file a package is evident by (Syft's ``OTHER`` "evident-by").
* evidence: the SBOM file, with the SPDXID as pointer (and the line in tag-value).

**Relationships** between packages are typed edges, each with ``spdx:relationship`` = the SPDX
type. Direction follows the meaning, not the spelling: ``A DEPENDS_ON B`` and
``B DEPENDENCY_OF A`` are both ``A depends-on B``; ``A CONTAINS B`` and ``B CONTAINED_BY A``
are ``A contains B``. The table is :data:`RELATIONSHIPS` (``*_DEPENDENCY_OF`` give scopes
build / dev / optional / test / run, links give link, tools ``built-with``, ancestry and
generation ``derived-from``). A type with no such meaning (``OTHER``, ``DOCUMENTATION_OF`` ...)
is a ``spdx:relationship`` property ``<TYPE> <target id>`` on its source. An element no package
describes (a ``DocumentRef-`` of another document) is kept as the edge's end: the graph makes an
unresolved placeholder of it. Relationships with a file, a snippet or ``NONE`` / ``NOASSERTION``
at one end are not edges.

Limits are those of the CycloneDX collector (components, edges); a bad document is one
InputError naming the file, with a JSON pointer or a line number.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace

from sovaudit.collectors.cyclonedx_sbom import (
    CPE,
    EXTERNAL,
    LOCATION,
    RAW_PURL,
    SUBJECT,
    TOOL,
    SbomBuilder,
    SbomError,
    _list,
    _obj,
    _str,
    _tname,
    canonical_purl,
    check_count,
    gc_paused,
    identity,
    licence,
    safe_text,
    sniff,
)
from sovaudit.collectors.interface import Collector
from sovaudit.errors import InputError
from sovaudit.fs import MiB, TreePath
from sovaudit.model import Component, Edge, Evidence, Inventory, Layer, Relation, component_id

NAME = "spdx-sbom"

#: SPDX relationship type -> (reversed?, relation, scopes). ``reversed``: the edge goes from the
#: related element to the element (``A DEPENDENCY_OF B`` is ``B depends-on A``).
RELATIONSHIPS: dict[str, tuple[bool, Relation, tuple[str, ...]]] = {
    "DEPENDS_ON": (False, Relation.DEPENDS_ON, ()),
    "DEPENDENCY_OF": (True, Relation.DEPENDS_ON, ()),
    "BUILD_DEPENDENCY_OF": (True, Relation.DEPENDS_ON, ("build",)),
    "DEV_DEPENDENCY_OF": (True, Relation.DEPENDS_ON, ("dev",)),
    "OPTIONAL_DEPENDENCY_OF": (True, Relation.DEPENDS_ON, ("optional",)),
    "PROVIDED_DEPENDENCY_OF": (True, Relation.DEPENDS_ON, ()),
    "TEST_DEPENDENCY_OF": (True, Relation.DEPENDS_ON, ("test",)),
    "RUNTIME_DEPENDENCY_OF": (True, Relation.DEPENDS_ON, ("run",)),
    "HAS_PREREQUISITE": (False, Relation.DEPENDS_ON, ()),
    "PREREQUISITE_FOR": (True, Relation.DEPENDS_ON, ()),
    "STATIC_LINK": (False, Relation.DEPENDS_ON, ("link",)),
    "DYNAMIC_LINK": (False, Relation.DEPENDS_ON, ("link",)),
    "DISTRIBUTION_ARTIFACT": (False, Relation.DEPENDS_ON, ()),
    "CONTAINS": (False, Relation.CONTAINS, ()),
    "CONTAINED_BY": (True, Relation.CONTAINS, ()),
    "PACKAGE_OF": (True, Relation.CONTAINS, ()),
    "OPTIONAL_COMPONENT_OF": (True, Relation.CONTAINS, ("optional",)),
    "BUILD_TOOL_OF": (True, Relation.BUILT_WITH, ()),
    "DEV_TOOL_OF": (True, Relation.BUILT_WITH, ("dev",)),
    "TEST_TOOL_OF": (True, Relation.BUILT_WITH, ("test",)),
    "GENERATED_FROM": (False, Relation.DERIVED_FROM, ()),
    "GENERATES": (True, Relation.DERIVED_FROM, ()),
    "DESCENDANT_OF": (False, Relation.DERIVED_FROM, ()),
    "ANCESTOR_OF": (True, Relation.DERIVED_FROM, ()),
    "VARIANT_OF": (False, Relation.DERIVED_FROM, ()),
    "COPY_OF": (False, Relation.DERIVED_FROM, ()),
    "EXPANDED_FROM_ARCHIVE": (False, Relation.DERIVED_FROM, ()),
}

#: primaryPackagePurpose -> (layer, kind).
PURPOSES: dict[str, tuple[Layer, str]] = {
    "APPLICATION": (Layer.SOFTWARE, "application"),
    "FRAMEWORK": (Layer.SOFTWARE, "framework"),
    "LIBRARY": (Layer.SOFTWARE, "package"),
    "CONTAINER": (Layer.SOFTWARE, "container-image"),
    "OPERATING-SYSTEM": (Layer.SOFTWARE, "operating-system"),
    "DEVICE": (Layer.COMPUTE, "device"),
    "FIRMWARE": (Layer.COMPUTE, "firmware"),
    "SOURCE": (Layer.SOFTWARE, "source"),
    "ARCHIVE": (Layer.SOFTWARE, "archive"),
    "FILE": (Layer.SOFTWARE, "file"),
    "INSTALL": (Layer.SOFTWARE, "install"),
    "OTHER": (Layer.SOFTWARE, "package"),
}
_PURL_KINDS: dict[str, tuple[Layer, str]] = {
    "oci": (Layer.SOFTWARE, "container-image"),
    "docker": (Layer.SOFTWARE, "container-image"),
    "huggingface": (Layer.MODEL, "model"),
}
_NOTHING = frozenset({"", "NOASSERTION", "NONE"})
_SHA = re.compile(r"SHA(\d+)")
_LICENSE_REF = re.compile(r"(?:DocumentRef-[\w.-]+:)?LicenseRef-[\w.-]+")
_EMAIL = re.compile(r"\s*\((?:[^()]*@[^()]*)?\)\s*$")


@dataclass(slots=True)
class _Package:
    spdx_id: str
    name: str
    where: str  # JSON pointer or "line N", for messages
    line: int = 0
    version: str = ""
    supplier: str = ""
    originator: str = ""
    download: str = ""
    homepage: str = ""
    concluded: str = ""
    declared: str = ""
    description: str = ""
    summary: str = ""
    purpose: str = ""
    checksums: list[tuple[str, str]] = field(default_factory=list)
    refs: list[tuple[str, str, str]] = field(default_factory=list)  # (category, type, locator)


@dataclass(slots=True)
class _Relationship:
    element: str
    type: str
    related: str
    where: str
    line: int = 0
    comment: str = ""


@dataclass(slots=True)
class _Document:
    version: str = ""
    spdx_id: str = "SPDXRef-DOCUMENT"
    tools: list[str] = field(default_factory=list)
    describes: list[str] = field(default_factory=list)
    packages: list[_Package] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # SPDXID -> file name (and snippets -> "")
    relationships: list[_Relationship] = field(default_factory=list)
    licenses: dict[str, str] = field(default_factory=dict)  # LicenseRef -> name


# -- JSON ------------------------------------------------------------------------------------------
def _json(data: bytes) -> _Document:
    try:
        raw = json.loads(data)
    except ValueError as err:
        raise SbomError(f"is not valid JSON ({err})") from None
    root = _obj(raw, "/")
    doc = _Document(version=_str(root, "spdxVersion", "", required=True))
    doc.spdx_id = _str(root, "SPDXID", "") or doc.spdx_id
    info = root.get("creationInfo")
    if info is not None:
        for i, creator in enumerate(_list(_obj(info, "/creationInfo"), "creators", "/creationInfo")):
            if not isinstance(creator, str):
                raise SbomError(f"/creationInfo/creators/{i}: expected a string, got {_tname(creator)}")
            _creator(doc, creator)
    for i, d in enumerate(_list(root, "documentDescribes", "")):
        if not isinstance(d, str):
            raise SbomError(f"/documentDescribes/{i}: expected a string, got {_tname(d)}")
        doc.describes.append(d)
    packages = _list(root, "packages", "")
    check_count(len(packages))
    for i, p in enumerate(packages):
        ptr = f"/packages/{i}"
        p = _obj(p, ptr)
        pkg = _Package(
            spdx_id=_str(p, "SPDXID", ptr, required=True),
            name=_str(p, "name", ptr, required=True),
            where=ptr,
            version=_str(p, "versionInfo", ptr),
            supplier=_str(p, "supplier", ptr),
            originator=_str(p, "originator", ptr),
            download=_str(p, "downloadLocation", ptr),
            homepage=_str(p, "homepage", ptr),
            concluded=_str(p, "licenseConcluded", ptr),
            declared=_str(p, "licenseDeclared", ptr),
            description=_str(p, "description", ptr),
            summary=_str(p, "summary", ptr),
            purpose=_str(p, "primaryPackagePurpose", ptr),
        )
        for j, c in enumerate(_list(p, "checksums", ptr)):
            c = _obj(c, f"{ptr}/checksums/{j}")
            pkg.checksums.append(
                (_str(c, "algorithm", f"{ptr}/checksums/{j}"), _str(c, "checksumValue", f"{ptr}/checksums/{j}"))
            )
        for j, r in enumerate(_list(p, "externalRefs", ptr)):
            q = f"{ptr}/externalRefs/{j}"
            r = _obj(r, q)
            pkg.refs.append(
                (_str(r, "referenceCategory", q), _str(r, "referenceType", q), _str(r, "referenceLocator", q))
            )
        doc.packages.append(pkg)
    for i, f in enumerate(_list(root, "files", "")):
        f = _obj(f, f"/files/{i}")
        doc.files[_str(f, "SPDXID", f"/files/{i}", required=True)] = _str(f, "fileName", f"/files/{i}")
    for i, s in enumerate(_list(root, "snippets", "")):
        doc.files[_str(_obj(s, f"/snippets/{i}"), "SPDXID", f"/snippets/{i}", required=True)] = ""
    for i, r in enumerate(_list(root, "relationships", "")):
        ptr = f"/relationships/{i}"
        r = _obj(r, ptr)
        doc.relationships.append(
            _Relationship(
                element=_str(r, "spdxElementId", ptr, required=True),
                type=_str(r, "relationshipType", ptr, required=True),
                related=_str(r, "relatedSpdxElement", ptr, required=True),
                where=ptr,
                comment=_str(r, "comment", ptr),
            )
        )
    for i, lic in enumerate(_list(root, "hasExtractedLicensingInfos", "")):
        ptr = f"/hasExtractedLicensingInfos/{i}"
        lic = _obj(lic, ptr)
        if (lid := _str(lic, "licenseId", ptr)) and (name := _str(lic, "name", ptr)):
            doc.licenses[lid] = name
    return doc


# -- tag-value -------------------------------------------------------------------------------------
#: Package tags and the _Package field each sets.
_PACKAGE_TAGS = {
    "PackageVersion": "version",
    "PackageSupplier": "supplier",
    "PackageOriginator": "originator",
    "PackageDownloadLocation": "download",
    "PackageHomePage": "homepage",
    "PackageLicenseConcluded": "concluded",
    "PackageLicenseDeclared": "declared",
    "PackageDescription": "description",
    "PackageSummary": "summary",
    "PrimaryPackagePurpose": "purpose",
}


def _tag_value(text: str) -> _Document:
    doc = _Document()
    lines = text.splitlines()
    n = len(lines)
    i = 0
    section = "document"  # document | package | file | snippet | license
    pkg: _Package | None = None
    file_name = ""
    license_id = ""
    while i < n:
        line = lines[i]
        lineno = i + 1
        i += 1
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        tag, sep, value = line.partition(":")
        tag = tag.strip()
        if not sep or not tag or " " in tag:
            raise SbomError(f"line {lineno}: not 'Tag: value' ({stripped[:60]!r})")
        value = value.strip()
        if value.startswith("<text>"):
            value = value[len("<text>") :]
            if "</text>" in value:
                value = value[: value.index("</text>")]
            else:
                parts = [value]
                while i < n and "</text>" not in lines[i]:
                    parts.append(lines[i])
                    i += 1
                if i >= n:
                    raise SbomError(f"line {lineno}: <text> is never closed with </text>")
                parts.append(lines[i][: lines[i].index("</text>")])
                i += 1
                value = "\n".join(parts)
        if tag == "SPDXVersion":
            doc.version = value
        elif tag == "Creator":
            _creator(doc, value)
        elif tag == "PackageName":
            section = "package"
            pkg = _Package(spdx_id="", name=value, where=f"line {lineno}", line=lineno)
            doc.packages.append(pkg)
            check_count(len(doc.packages))
        elif tag == "FileName":
            section, file_name = "file", value
        elif tag == "SnippetSPDXID":
            section = "snippet"
            doc.files[value] = ""
        elif tag == "LicenseID":
            section, license_id = "license", value
        elif tag == "LicenseName" and section == "license":
            doc.licenses[license_id] = value
        elif tag == "SPDXID":
            if section == "package" and pkg is not None:
                pkg.spdx_id = value
            elif section == "file":
                doc.files[value] = file_name
            elif section == "document":
                doc.spdx_id = value
        elif tag == "Relationship":
            fields = value.split()
            if len(fields) != 3:
                raise SbomError(f"line {lineno}: Relationship is not '<element> <TYPE> <element>'")
            doc.relationships.append(
                _Relationship(element=fields[0], type=fields[1], related=fields[2], where=f"line {lineno}", line=lineno)
            )
        elif tag == "RelationshipComment" and doc.relationships:
            doc.relationships[-1].comment = value
        elif section == "package" and pkg is not None:
            if (attr := _PACKAGE_TAGS.get(tag)) is not None:
                setattr(pkg, attr, value)
            elif tag == "PackageChecksum":
                alg, _, digest = value.partition(":")
                pkg.checksums.append((alg.strip(), digest.strip()))
            elif tag == "ExternalRef":
                fields = value.split(None, 2)
                if len(fields) != 3:
                    raise SbomError(f"line {lineno}: ExternalRef is not '<category> <type> <locator>'")
                pkg.refs.append((fields[0], fields[1], fields[2]))
    if not doc.version:
        raise SbomError("has no SPDXVersion")
    for p in doc.packages:
        if not p.spdx_id:
            raise SbomError(f"{p.where}: package {p.name!r} has no SPDXID")
    return doc


# -- the mapping -----------------------------------------------------------------------------------
def _creator(doc: _Document, creator: str) -> None:
    kind, sep, rest = creator.partition(":")
    if sep and kind.strip() == "Tool" and rest.strip():
        name = rest.strip()
        # "syft-1.18.1" -> "syft 1.18.1", as CycloneDX SBOMs name their tools
        head, dash, tail = name.rpartition("-")
        doc.tools.append(f"{head} {tail}" if dash and head and tail[:1].isdigit() else name)


def _party(text: str) -> tuple[str, str]:
    """``(Organization | Person | "", name)`` of a supplier or originator."""
    t = text.strip()
    if t in _NOTHING:
        return "", ""
    kind, sep, rest = t.partition(":")
    if sep and kind.strip() in ("Organization", "Person", "Tool"):
        return kind.strip(), _EMAIL.sub("", rest).strip()
    return "", _EMAIL.sub("", t).strip()


def _hash_alg(alg: str) -> str:
    a = alg.strip().upper()
    m = _SHA.fullmatch(a)
    if m:
        return f"SHA-{m.group(1)}"
    return "BLAKE2b" + a[len("BLAKE2B") :] if a.startswith("BLAKE2B") else a


class _Mapper:
    def __init__(self, doc: _Document, display: str, collector: str) -> None:
        self.doc = doc
        self.display = display
        self.collector = collector
        self.tool_props = tuple((TOOL, t) for t in dict.fromkeys(doc.tools))

    def read(self) -> Inventory:
        doc = self.doc
        if not re.fullmatch(r"SPDX-2\.\d+", doc.version.strip()):
            raise SbomError(f"spdxVersion {doc.version!r} is not supported (SPDX 2.2 and 2.3 are)")
        b = SbomBuilder()
        ids: dict[str, str] = {}  # SPDXID -> component id
        at: dict[str, str] = {}
        components = []
        for p in doc.packages:
            c = self._component(p)
            known = ids.get(p.spdx_id)
            if known is not None and known != c.id:
                raise SbomError(f"{p.where}: SPDXID {p.spdx_id!r} also names a different package at {at[p.spdx_id]}")
            ids[p.spdx_id] = c.id
            at.setdefault(p.spdx_id, p.where)
            components.append((p.spdx_id, c))
        extra: dict[str, list[tuple[str, str]]] = {}  # SPDXID -> properties from relationships
        subjects = set(doc.describes)
        for r in doc.relationships:
            if r.type == "DESCRIBES" and r.element == doc.spdx_id:
                subjects.add(r.related)
                continue
            if r.type == "DESCRIBED_BY" and r.related == doc.spdx_id:
                subjects.add(r.element)
                continue
            ends = (r.element, r.related)
            if any(e in _NOTHING or e == doc.spdx_id for e in ends):
                continue
            if any(e in doc.files for e in ends):
                if r.type == "OTHER" and r.comment.startswith("evident-by") and r.element in ids:
                    extra.setdefault(r.element, []).append((LOCATION, doc.files.get(r.related, "") or r.related))
                continue
            a, z = ids.get(r.element, r.element), ids.get(r.related, r.related)
            mapped = RELATIONSHIPS.get(r.type)
            if mapped is None:
                if r.element in ids:
                    extra.setdefault(r.element, []).append(("spdx:relationship", f"{r.type} {z}"))
                continue
            reverse, relation, scopes = mapped
            source, target = (z, a) if reverse else (a, z)
            if source == target:
                continue
            b.edge(
                Edge(
                    source=source,
                    target=target,
                    relation=relation,
                    scopes=scopes,
                    properties=(("spdx:relationship", r.type),),
                    evidence=(Evidence(path=self.display, collector=self.collector, line=r.line, pointer=r.element),),
                )
            )
        for spdx_id, c in components:
            more = extra.get(spdx_id, [])
            if spdx_id in subjects:
                more.append((SUBJECT, "true"))
            b.add(replace(c, properties=(*c.properties, *more)) if more else c)
        return b.inventory()

    def _evidence(self, p: _Package) -> Evidence:
        return Evidence(path=self.display, collector=self.collector, line=p.line, pointer=p.spdx_id)

    def _component(self, p: _Package) -> Component:
        props: list[tuple[str, str]] = list(self.tool_props)
        raw_purl = ""
        for category, rtype, locator in p.refs:
            if rtype == "purl" and not raw_purl:
                raw_purl = locator.strip()
            elif rtype in ("cpe23Type", "cpe22Type"):
                props.append((CPE, locator))
            elif locator:
                props.append(("spdx:external-ref", f"{category} {rtype} {safe_text(locator)}"))
        purl, moved = identity(canonical_purl(raw_purl)) if raw_purl else ("", [])
        props += moved
        if raw_purl and not purl:
            props.append((RAW_PURL, safe_text(raw_purl)))
        purpose = p.purpose.strip().upper().replace("_", "-")
        if purpose:
            layer, kind = PURPOSES.get(purpose, (Layer.SOFTWARE, purpose.lower()))
        else:
            ptype = purl[4:].split("/", 1)[0] if purl else ""
            layer, kind = _PURL_KINDS.get(ptype, (Layer.SOFTWARE, "package"))
        version = "" if p.version.strip() in _NOTHING else p.version.strip()
        cid = purl or component_id(layer, kind, p.name, version)
        concluded = "" if p.concluded.strip() in _NOTHING else p.concluded.strip()
        declared = "" if p.declared.strip() in _NOTHING else p.declared.strip()
        c_expr = licence(concluded)[0] if concluded else ""
        d_expr, d_text = licence(declared) if declared else ("", "")
        licenses = c_expr or d_expr
        # the declared text when it says something the licence field does not (normalise's rule)
        license_declared = (d_text if d_expr == licenses else declared) if declared else ""
        if concluded and c_expr != licenses:
            props.append(("spdx:license-concluded", concluded))
        for ref in dict.fromkeys(_LICENSE_REF.findall(f"{concluded} {declared}")):
            if name := self.doc.licenses.get(ref):
                props.append(("spdx:license-ref", f"{ref} {name}"))
        _, supplier = _party(p.supplier)
        o_kind, originator = _party(p.originator)
        if not supplier and o_kind == "Organization":
            supplier = originator
        for text, prop in ((p.download, "distribution"), (p.homepage, "website")):
            if text.strip() not in _NOTHING:
                props.append((EXTERNAL + prop, safe_text(text.strip())))
        hashes = tuple((_hash_alg(alg), value) for alg, value in p.checksums if alg and value)
        return Component(
            id=cid,
            layer=layer,
            kind=kind,
            name=p.name,
            version=version,
            purl=purl,
            licenses=licenses,
            license_declared=license_declared,
            supplier=supplier,
            author=originator,
            description=p.description or p.summary,
            hashes=tuple(sorted(set(hashes))),
            properties=tuple(sorted(set(props))),
            evidence=(self._evidence(p),),
        )


def read(data: bytes, display: str, collector: str = NAME) -> Inventory:
    """The inventory of one SPDX 2.x document (JSON or tag-value)."""
    try:
        with gc_paused():
            start = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
            if start == b"{":
                doc = _json(data)
            else:
                try:
                    text = data.decode("utf-8-sig")
                except UnicodeDecodeError as err:
                    raise SbomError(f"is not UTF-8 text (byte {err.start})") from None
                doc = _tag_value(text)
            return _Mapper(doc, display, collector).read()
    except SbomError as err:
        raise InputError(display, str(err)) from None
    except RecursionError:
        raise InputError(display, "nested too deeply to read") from None


_JSON_MARK = re.compile(rb'(?<!\\)"spdxVersion"\s*:\s*"SPDX-')
_TAG_MARK = re.compile(rb"(?m)^\s*SPDXVersion:\s*SPDX-")
#: Names of SPDX documents (the content is still checked, with a longer look).
_NAMED_JSON = re.compile(r".*[._-](?:spdx|sbom)\.json|(?:s?bom|spdx)\.json", re.IGNORECASE)
_TAG_SUFFIXES = (".spdx", ".tv", ".tag", ".spdx.txt", ".sbom.txt")


class SpdxCollector(Collector):
    name = NAME
    description = "SPDX 2.2/2.3 SBOM, JSON or tag-value (Syft, Trivy, build tools ...), by content"

    def detect(self, path: TreePath) -> bool:
        name = path.name
        lower = name.lower()
        if lower.endswith(".json"):
            return sniff(path.read_head(1 * MiB if _NAMED_JSON.fullmatch(name) else 16 * 1024), _JSON_MARK)
        if lower.endswith(_TAG_SUFFIXES) or (lower.endswith(".txt") and ("spdx" in lower or "sbom" in lower)):
            return _TAG_MARK.search(path.read_head(16 * 1024)) is not None
        return False

    def collect(self, path: TreePath) -> Inventory:
        return read(path.read_bytes(), path.display(), self.name)
