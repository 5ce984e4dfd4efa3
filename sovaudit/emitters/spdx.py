"""SPDX 2.3 SBOM, JSON (``spdx-json``), beside CycloneDX for tools that take SPDX only.

Written by hand (no SPDX library at run time); the tests check every document with
``spdx-tools``' full validation and read it back with sovaudit's own SPDX reader.

Packages (every component, sorted by id; an edge end no component describes becomes a package
too, marked as an unresolved reference):

* ``SPDXID``: ``SPDXRef-`` + the component id with every run of characters outside
  ``[A-Za-z0-9.]`` turned into ``-`` (at most 60 characters) + ``-`` + the first 12 hex digits of
  the SHA-256 of the id: stable, unique, and in SPDX's character set.
* ``name``, ``versionInfo``, ``description``; ``supplier`` ``Organization: <supplier>`` or
  ``NOASSERTION``; ``downloadLocation`` and ``copyrightText`` ``NOASSERTION`` (sovaudit reads
  metadata, never downloads); ``filesAnalyzed`` false.
* ``externalRefs``: the purl (``PACKAGE-MANAGER`` / ``purl``).
* ``checksums``: hashes whose algorithm SPDX 2.3 knows and whose value has the right length.
* licences: ``licenseDeclared`` is the component's SPDX expression; a declared text that is no
  SPDX expression becomes ``LicenseRef-sovaudit-<slug>-<hash>`` with the text in
  ``hasExtractedLicensingInfos`` (as does every ``LicenseRef-`` an expression uses); nothing
  known is ``NOASSERTION``. ``licenseConcluded`` is always ``NOASSERTION``: sovaudit reads what
  packages declare and concludes nothing from their files.
* ``primaryPackagePurpose`` from the kind (library, application, container, operating system,
  device, firmware); left out where SPDX 2.3 has no word for it (models, datasets, services),
  so a reader goes by the purl.
* ``comment``: the sovaudit layer and kind; ``sourceInfo``: where sovaudit read it (evidence).

Relationships (sorted): ``SPDXRef-DOCUMENT DESCRIBES`` each component no edge points at (all of
them when every one has an incoming edge); each edge as :data:`RELATIONSHIPS` maps its relation
(``depends-on`` with one scope as the SPDX ``*_DEPENDENCY_OF`` of that scope or ``DYNAMIC_LINK``,
``built-with`` as ``BUILD_TOOL_OF``, ``derived-from`` as ``DESCENDANT_OF``, ``trained-on`` as
``GENERATED_FROM``; ``runs-on``, ``stored-in``, ``hosted-by`` and ``operated-by`` as
``DEPENDS_ON``, since the stack needs them; ``same-as`` as ``OTHER``). Where the SPDX type
does not say it all (any relation but depends-on, or several scopes), the ``comment`` gives the
sovaudit relation and scopes.

``creationInfo.created`` is required by SPDX. It is the context's timestamp (SOURCE_DATE_EPOCH,
or ``--timestamp now``); without one it is the Unix epoch, 1970-01-01T00:00:00Z, which says
"no time was asked for", as SOURCE_DATE_EPOCH=0 does in reproducible builds: the emitter never
reads the clock or the files, so the same inventory gives the same bytes. ``documentNamespace``
is ``https://spdx.org/spdxdocs/sovaudit-<uuid5>``, the UUID derived from the SHA-256 of the
document written with an empty namespace: same content, same namespace; other content, another.

Layout: the top level indented, each package, relationship and licence info on one line: a
diff of two SBOMs reads package by package, and json's C encoder writes 10,000 packages in a
fraction of the time its indenting encoder takes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import uuid
from collections.abc import Iterable
from datetime import UTC
from typing import Any

from sovaudit.emitters.interface import Emitter, RenderContext
from sovaudit.model import Component, Edge, Inventory, Layer, Relation

NO_TIME = "1970-01-01T00:00:00Z"
NAMESPACE_BASE = "https://spdx.org/spdxdocs/sovaudit-"
DOCUMENT = "SPDXRef-DOCUMENT"
NOASSERTION = "NOASSERTION"

#: (relation, the single scope or "") -> (SPDX type, written from the target to the source?)
RELATIONSHIPS: dict[tuple[Relation, str], tuple[str, bool]] = {
    (Relation.DEPENDS_ON, ""): ("DEPENDS_ON", False),
    (Relation.DEPENDS_ON, "build"): ("BUILD_DEPENDENCY_OF", True),
    (Relation.DEPENDS_ON, "dev"): ("DEV_DEPENDENCY_OF", True),
    (Relation.DEPENDS_ON, "test"): ("TEST_DEPENDENCY_OF", True),
    (Relation.DEPENDS_ON, "optional"): ("OPTIONAL_DEPENDENCY_OF", True),
    (Relation.DEPENDS_ON, "run"): ("RUNTIME_DEPENDENCY_OF", True),
    (Relation.DEPENDS_ON, "link"): ("DYNAMIC_LINK", False),
    (Relation.CONTAINS, ""): ("CONTAINS", False),
    (Relation.BUILT_WITH, ""): ("BUILD_TOOL_OF", True),
    (Relation.DERIVED_FROM, ""): ("DESCENDANT_OF", False),
    (Relation.TRAINED_ON, ""): ("GENERATED_FROM", False),
    (Relation.RUNS_ON, ""): ("DEPENDS_ON", False),
    (Relation.STORED_IN, ""): ("DEPENDS_ON", False),
    (Relation.HOSTED_BY, ""): ("DEPENDS_ON", False),
    (Relation.OPERATED_BY, ""): ("DEPENDS_ON", False),
    (Relation.SAME_AS, ""): ("OTHER", False),
}
#: CycloneDX-style algorithm name (as components carry them) -> (SPDX name, hex digits).
CHECKSUMS = {
    "MD5": ("MD5", 32),
    "SHA-1": ("SHA1", 40),
    "SHA-224": ("SHA224", 56),
    "SHA-256": ("SHA256", 64),
    "SHA-384": ("SHA384", 96),
    "SHA-512": ("SHA512", 128),
    "SHA3-256": ("SHA3-256", 64),
    "SHA3-384": ("SHA3-384", 96),
    "SHA3-512": ("SHA3-512", 128),
    "BLAKE2b-256": ("BLAKE2b-256", 64),
    "BLAKE2b-384": ("BLAKE2b-384", 96),
    "BLAKE2b-512": ("BLAKE2b-512", 128),
}
PURPOSES = {
    "package": "LIBRARY",
    "library": "LIBRARY",
    "application": "APPLICATION",
    "framework": "FRAMEWORK",
    "container-image": "CONTAINER",
    "operating-system": "OPERATING-SYSTEM",
    "firmware": "FIRMWARE",
}
_NOT_ID = re.compile(r"[^A-Za-z0-9.]+")
_HEX = re.compile(r"[0-9a-fA-F]+")
_LICENSE_REF = re.compile(r"(?<![\w.-])LicenseRef-[A-Za-z0-9.-]+")
_EVIDENCE_LISTED = 5


@functools.lru_cache(maxsize=65_536)
def spdx_id(component_id: str) -> str:
    """A stable SPDXID for a component id (``SPDXRef-[A-Za-z0-9.-]+``)."""
    slug = _NOT_ID.sub("-", component_id).strip("-")[:60].strip("-")
    digest = hashlib.sha256(component_id.encode("utf-8")).hexdigest()[:12]
    return f"SPDXRef-{slug}-{digest}" if slug else f"SPDXRef-{digest}"


def _created(context: RenderContext) -> str:
    stamp = context.timestamp
    if stamp is None:
        return NO_TIME
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Licences:
    """Licence fields of packages, and the extracted licensing infos they need."""

    def __init__(self) -> None:
        self.extracted: dict[str, tuple[str, str]] = {}  # LicenseRef id -> (name, text)

    def declared(self, c: Component) -> str:
        from sovaudit.licenses import normalise

        expression = normalise(c.licenses)[0] if c.licenses.strip() else ""
        if expression:
            for ref in sorted(set(_LICENSE_REF.findall(expression))):
                text = c.license_declared or f"{ref.removeprefix('LicenseRef-')} (no licence text was recorded)"
                self.extracted.setdefault(ref, (ref.removeprefix("LicenseRef-"), text))
            return expression
        text = c.license_declared.strip() or c.licenses.strip()
        if not text:
            return NOASSERTION
        slug = _NOT_ID.sub("-", text).strip("-")[:40].strip("-") or "text"
        ref = f"LicenseRef-sovaudit-{slug}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:8]}"
        self.extracted.setdefault(ref, (text[:200], text))
        return ref

    def infos(self) -> list[dict[str, str]]:
        return [
            {"licenseId": ref, "name": name, "extractedText": text}
            for ref, (name, text) in sorted(self.extracted.items())
        ]


def _checksums(c: Component) -> list[dict[str, str]]:
    out = []
    for alg, value in c.hashes:
        known = CHECKSUMS.get(alg)
        if known and len(value) == known[1] and _HEX.fullmatch(value):
            out.append({"algorithm": known[0], "checksumValue": value.lower()})
    return sorted(out, key=lambda d: (d["algorithm"], d["checksumValue"]))


def _purpose(c: Component) -> str | None:
    if c.kind in PURPOSES:
        return PURPOSES[c.kind]
    if c.layer is Layer.COMPUTE:
        return "DEVICE"
    return None


def _package(c: Component, licences: _Licences) -> dict[str, Any]:
    pkg: dict[str, Any] = {"SPDXID": spdx_id(c.id), "name": c.name or c.id}
    if c.version:
        pkg["versionInfo"] = c.version
    pkg["supplier"] = f"Organization: {' '.join(c.supplier.split())}" if c.supplier.strip() else NOASSERTION
    pkg["downloadLocation"] = NOASSERTION
    pkg["filesAnalyzed"] = False
    checksums = _checksums(c)
    if checksums:
        pkg["checksums"] = checksums
    pkg["licenseConcluded"] = NOASSERTION
    pkg["licenseDeclared"] = licences.declared(c)
    pkg["copyrightText"] = NOASSERTION
    if c.description:
        pkg["description"] = c.description
    comment = f"sovaudit: layer {c.layer.value}, kind {c.kind}"
    if c.unresolved:
        comment += "; an unresolved reference (no input described it)"
    pkg["comment"] = comment
    if c.evidence:
        listed = "; ".join(f"{e.describe()} ({e.collector})" for e in c.evidence[:_EVIDENCE_LISTED])
        more = f"; and {len(c.evidence) - _EVIDENCE_LISTED} more" if len(c.evidence) > _EVIDENCE_LISTED else ""
        pkg["sourceInfo"] = f"read by sovaudit from {listed}{more}"
    if c.purl:
        pkg["externalRefs"] = [
            {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": c.purl}
        ]
    purpose = _purpose(c)
    if purpose:
        pkg["primaryPackagePurpose"] = purpose
    return pkg


def _relationship(e: Edge) -> dict[str, str]:
    """One edge as an SPDX relationship; a comment keeps the sovaudit relation where the type loses it."""
    scope = e.scopes[0] if len(e.scopes) == 1 else ""
    kind, backwards = RELATIONSHIPS.get((e.relation, scope)) or RELATIONSHIPS[(e.relation, "")]
    source, target = (e.target, e.source) if backwards else (e.source, e.target)
    rel = {"spdxElementId": spdx_id(source), "relationshipType": kind, "relatedSpdxElement": spdx_id(target)}
    if e.relation is not Relation.DEPENDS_ON or len(e.scopes) > 1:  # say what the SPDX type cannot
        scopes = f" [{','.join(e.scopes)}]" if e.scopes else ""
        rel["comment"] = f"sovaudit: {e.source} {e.relation.value}{scopes} {e.target}"
    return rel


def _placeholders(inventory: Inventory) -> list[Component]:
    known = {c.id for c in inventory.components}
    ends = sorted({end for e in inventory.edges for end in (e.source, e.target)} - known)
    return [
        Component(
            id=end, layer=Layer.SOFTWARE, kind="reference", name=end, properties=(("sovaudit:unresolved", "true"),)
        )
        for end in ends
    ]


def _roots(components: Iterable[Component], edges: Iterable[Edge]) -> list[str]:
    ids = sorted(c.id for c in components)
    targets = {e.target for e in edges if e.relation is not Relation.SAME_AS}
    return [i for i in ids if i not in targets] or ids


def document(inventory: Inventory, context: RenderContext) -> dict[str, Any]:
    """The SPDX document as a JSON object; its namespace is filled in by :func:`dumps`."""
    components = sorted([*inventory.components, *_placeholders(inventory)], key=lambda c: c.id)
    edges = sorted(inventory.edges, key=lambda e: e.key)
    licences = _Licences()
    packages = [_package(c, licences) for c in components]
    relationships = [
        {"spdxElementId": DOCUMENT, "relationshipType": "DESCRIBES", "relatedSpdxElement": spdx_id(i)}
        for i in _roots(components, edges)
    ]
    relationships += sorted(
        (_relationship(e) for e in edges),
        key=lambda r: (r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"], r.get("comment", "")),
    )
    doc: dict[str, Any] = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": DOCUMENT,
        "name": "sovaudit-sbom",
        "documentNamespace": "",
        "creationInfo": {
            "created": _created(context),
            "creators": [f"Tool: sovaudit-{context.tool_version}"],
            "comment": "Written by sovaudit from the inventory of the scanned stack (components of all five layers).",
        },
        "packages": packages,
        "relationships": relationships,
    }
    infos = licences.infos()
    if infos:
        doc["hasExtractedLicensingInfos"] = infos
    return doc


_EMPTY_NAMESPACE = '"documentNamespace": ""'


def dumps(doc: dict[str, Any]) -> bytes:
    """The document, one package or relationship per line (diffs stay readable; json's C encoder
    does the work), with ``documentNamespace`` derived from the SHA-256 of the rest."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "), check_circular=False).encode
    parts = []
    for key, value in doc.items():
        if type(value) is list and value:
            items = ",\n    ".join(map(encode, value))
            parts.append(f"  {encode(key)}: [\n    {items}\n  ]")
        else:
            parts.append(f"  {encode(key)}: {encode(value)}")
    text = "{\n" + ",\n".join(parts) + "\n}\n"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    namespace = NAMESPACE_BASE + str(uuid.uuid5(uuid.NAMESPACE_URL, digest))
    return text.replace(_EMPTY_NAMESPACE, f'"documentNamespace": {encode(namespace)}', 1).encode("utf-8")


class SpdxJsonEmitter(Emitter):
    name = "spdx-json"
    description = "SPDX 2.3 SBOM, JSON: packages with purls and licences, typed relationships"
    suffix = ".spdx.json"

    def render(self, inventory: Inventory, context: RenderContext) -> bytes:
        return dumps(document(inventory, context))
