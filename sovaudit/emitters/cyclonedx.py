"""CycloneDX 1.6 SBOMs, JSON and XML, through cyclonedx-python-lib (the only home of that library).

The library builds the model and serialises it; this module maps an :class:`Inventory` onto it.
The mapping keeps everything a reader needs to rebuild the same inventory (another issue reads our
own CycloneDX back), in standard fields where CycloneDX has one and in ``sovaudit:`` properties
where it has none.

Components (all inventory components, sorted by bom-ref; none goes to ``services``):

* ``bom-ref`` = ``Component.id``; ``name``, ``version``, ``description`` as they are;
  ``supplier`` = an organizational entity with that name; ``author`` = one entry in ``authors``.
* ``type`` from the kind, else from the layer (see ``_TYPE_BY_KIND`` / ``_TYPE_BY_LAYER``):
  packages and libraries -> library, container images -> container, models ->
  machine-learning-model, datasets -> data, hardware -> device. Services and organisations of the
  operational layer become components of type ``platform`` rather than CycloneDX ``services``:
  services have no type, purl or hashes, live in a second list and are shown by few SBOM tools,
  while edges such as hosted-by and operated-by must point at something in the one dependency
  graph. ``sovaudit:kind`` says what the component really is.
* ``purl`` = the purl, parsed with packageurl-python. When the library writes it back differently
  (not canonical) or cannot parse it, ``sovaudit:purl`` keeps our exact string.
* licences: a single SPDX id -> ``license.id``; any other expression (compound, ``WITH``, ``+``,
  ``LicenseRef-``) -> ``expression``; only ``license_declared`` known -> ``license.name``;
  both known -> the expression, plus ``sovaudit:license-declared``; nothing -> no licences.
* hashes whose algorithm is spelled as CycloneDX 1.6 spells it (``SHA-256`` ...) and whose value
  is hex of a valid length -> ``hashes``; any other -> ``sovaudit:hash`` = ``<alg> <value>``.
* properties: ours, names unchanged (``sovaudit:unresolved`` included), plus ``sovaudit:layer``,
  ``sovaudit:kind`` and one ``sovaudit:evidence`` per evidence (format below).

Edges. Every component has a ``dependencies`` entry. Every edge is a ``dependsOn`` of its source,
whatever its relation (CycloneDX has only one, and the blast radius of a lock-in follows all of
them: contains, runs-on, built-with, trained-on ...), except ``same-as``, which links one
software seen by two package managers and is no dependency. The typed edge is written on the
source component, so a reader can rebuild every edge: for a pair (source, target) whose only
edge is a depends-on with no scopes, properties or evidence, ``dependsOn`` alone says it all;
for every other pair, each of its edges is a ``sovaudit:edge`` property
``<relation>[<scopes>] <target>`` (``depends-on[build,link] pkg:spack/zlib@1.3``; no brackets
without scopes), with ``sovaudit:edge-evidence`` ``<relation> <evidence> <target>`` and
``sovaudit:edge-property`` ``<relation> <name> <value> <target>`` for its evidence and
properties. Reading: the edges are all ``sovaudit:edge`` properties, plus a plain depends-on
edge for each dependsOn target that no ``sovaudit:edge`` of the same source names.

Evidence is ``<path>[:<line>][#<pointer>] (<collector>)``, which is ``Evidence.describe()`` plus
the collector whenever the path has none of ``% : # (``, the pointer none of ``% (``, and not
both line and pointer are set; those characters are %-escaped (``%25 %3A %23 %28``), and space
and parentheses in the collector, so the value parses back exactly. Other fields that are
followed by a space (scopes, hash algorithms, edge property names and values, input collectors
and paths) have ``%``, space, ``,``, ``[`` and ``]`` %-escaped; the target id is always last and
never escaped.

Metadata: the tool component ``sovaudit`` with ``context.tool_version``; the timestamp only when
the context has one (a naive datetime is taken as UTC); one ``sovaudit:input`` property per input
record: ``<status> <collector> <components> <path>[ <reason>]`` (reason last, unescaped).
``serialNumber`` is ``urn:uuid:`` + a uuid5 of the SHA-256 of the document rendered with a nil
serial, so the same inventory and context always give the same bytes.

JSON keeps every string exactly. XML keeps them too, except that the library writes some fields
(names, descriptions) as ``xs:normalizedString``, turning tabs and newlines into spaces, and that
characters XML cannot hold (control characters, lone surrogates) become U+FFFD.

Performance: the library's outputters are quadratic on big BOMs (upstream issue #1006); this
module serialises with the library's own ``as_json`` / ``as_xml`` but skips the passes that do not
scale (see "serialisation" below). ``benchmarks/cyclonedx_10k.py`` measures it.

Reserved property names (a collector must not use them): ``sovaudit:layer``, ``sovaudit:kind``,
``sovaudit:evidence``, ``sovaudit:edge``, ``sovaudit:edge-evidence``, ``sovaudit:edge-property``,
``sovaudit:license-declared``, ``sovaudit:purl``, ``sovaudit:hash``, ``sovaudit:input``.
"""

from __future__ import annotations

import gc
import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from cyclonedx.model import HashAlgorithm, HashType, Property
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.bom_ref import BomRef
from cyclonedx.model.component import Component as CdxComponent
from cyclonedx.model.component import ComponentType
from cyclonedx.model.contact import OrganizationalContact, OrganizationalEntity
from cyclonedx.model.dependency import Dependency
from cyclonedx.model.license import DisjunctiveLicense, License, LicenseExpression
from cyclonedx.model.tool import ToolRepository
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema.schema import SCHEMA_VERSIONS
from packageurl import PackageURL

from sovaudit import cyclonedx_properties as cp
from sovaudit.emitters import mlbom
from sovaudit.emitters.cyclonedx_fast import (  # one copy of the tables both writers use
    _HASH_ALGS,
    _HEX,
    _NIL_SERIAL,
    SERIAL_NAMESPACE,
    _prepared,
    _spdx_ids,
    component_type,
)
from sovaudit.emitters.interface import Emitter, RenderContext
from sovaudit.jsonout import dumps as indented_json
from sovaudit.model import Component, Edge, Inventory

#: A stand-in for the timestamp the library insists on creating (never written out).
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def is_supported_id(value: str) -> bool:
    """Whether ``value`` is an SPDX licence id CycloneDX accepts as ``license.id``."""
    return value in _spdx_ids()


# -- inventory -> library model ------------------------------------------------------------------
_TYPES = {t.value: t for t in ComponentType}


class _Prepared:
    """The inventory as the document needs it: one component per id (duplicates merged,
    placeholders for edge ends nobody described) in id order, edges merged by key and grouped
    by source then target, inputs in order.

    ``Inventory.normalised()`` is not called: it rebuilds every component and edge (5 % of a
    render), and everything it sorts is sorted again here or by the library (properties,
    evidence and edge details all become properties, sorted by name and value; hashes are a
    sorted set in the library; scopes are sorted in ``cyclonedx_properties.edge_value``).
    """

    def __init__(self, inventory: Inventory) -> None:
        self.components, self.by_source = _prepared(inventory)  # the fast writer's, so both agree
        self.inputs = sorted(inventory.inputs, key=lambda i: (i.path, i.collector, i.status.value))


class _Builder:
    """Library objects for our components. Objects that many components share (a supplier, a
    licence, a property such as ``sovaudit:layer=software``, the dependency entry naming a
    target) are built once and shared: they are never changed after they are built, and
    building the library's objects is most of the time a render takes."""

    def __init__(self) -> None:
        self._licenses: dict[str, License] = {}
        self._declared: dict[str, License] = {}
        self._suppliers: dict[str, OrganizationalEntity] = {}
        self._properties: dict[tuple[str, str], Property] = {}
        self._leaves: dict[str, Dependency] = {}
        self.refs: dict[str, BomRef] = {}

    def licenses(self, c: Component) -> list[License]:
        if c.licenses:
            lic = self._licenses.get(c.licenses)
            if lic is None:
                lic = self._licenses[c.licenses] = (
                    DisjunctiveLicense(id=c.licenses) if is_supported_id(c.licenses) else LicenseExpression(c.licenses)
                )
            return [lic]
        if c.license_declared:
            lic = self._declared.get(c.license_declared)
            if lic is None:
                lic = self._declared[c.license_declared] = DisjunctiveLicense(name=c.license_declared)
            return [lic]
        return []

    def supplier(self, name: str) -> OrganizationalEntity | None:
        if not name:
            return None
        org = self._suppliers.get(name)
        if org is None:
            org = self._suppliers[name] = OrganizationalEntity(name=name)
        return org

    def properties(self, pairs: Iterable[tuple[str, str]]) -> list[Property]:
        """Sorted by name, then value (the library's own order), without duplicates."""
        out = []
        for pair in sorted(set(pairs)):
            prop = self._properties.get(pair)
            if prop is None:
                prop = self._properties[pair] = Property(name=pair[0], value=pair[1])
            out.append(prop)
        return out

    def component(self, c: Component, edges: dict[str, list[Edge]]) -> CdxComponent:
        props = [(cp.LAYER, c.layer.value), (cp.KIND, c.kind)]
        props += c.properties
        if c.licenses and c.license_declared:
            props.append((cp.LICENSE_DECLARED, c.license_declared))
        purl = None
        if c.purl:
            try:
                purl = PackageURL.from_string(c.purl)
            except ValueError:
                props.append((cp.PURL, c.purl))
            else:
                if purl.to_string() != c.purl:
                    props.append((cp.PURL, c.purl))
        props += [(cp.EVIDENCE, cp.evidence_value(e)) for e in c.evidence]
        hashes = []
        for alg, value in c.hashes:
            if alg in _HASH_ALGS and _HEX.fullmatch(value):
                hashes.append(HashType(alg=HashAlgorithm(alg), content=value))
            else:
                props.append((cp.HASH, cp.hash_value(alg, value)))
        for pair in edges.values():
            if cp.is_bare(pair):
                continue
            for e in pair:
                props += cp.edge_properties(e)
        cdx = CdxComponent(
            bom_ref=c.id,
            type=_TYPES[component_type(c)],
            name=c.name,
            version=c.version or None,
            description=c.description or None,
            purl=purl,
            licenses=self.licenses(c),
            supplier=self.supplier(c.supplier),
            authors=[OrganizationalContact(name=c.author)] if c.author else None,
            hashes=hashes,
        )
        # Already sorted, in a plain list: the ``properties`` setter's SortedSet would hash and
        # compare each Property through tuples of its fields (a tenth of a render).
        cdx._properties = self.properties(props)
        self.refs[c.id] = cdx.bom_ref
        return cdx

    def dependency(self, source: str, edges: dict[str, list[Edge]]) -> Dependency:
        leaves = []
        for t, pair in edges.items():
            if all(e.relation in cp.NOT_DEPENDENCIES for e in pair):
                continue
            leaf = self._leaves.get(t)
            if leaf is None:
                leaf = self._leaves[t] = Dependency(ref=self.refs[t])
            leaves.append(leaf)
        return Dependency(ref=self.refs[source], dependencies=leaves)


def build_bom(inventory: Inventory, context: RenderContext) -> Bom:
    """The library's model of ``inventory``, with a nil serial number (:func:`render` sets it).

    Components and dependencies go in plain lists sorted by bom-ref instead of the SortedSets
    the ``Bom`` setters would make: the library orders components by type and name, and its
    sets hash and compare every component field by field. Every component has one dependency
    entry listing the targets of all its edges, so the graph is complete and flat as built.
    """
    prep = _Prepared(inventory)
    builder = _Builder()
    components = [builder.component(c, prep.by_source.get(c.id, {})) for c in prep.components]
    dependencies = [builder.dependency(c.id, prep.by_source.get(c.id, {})) for c in prep.components]
    tool = CdxComponent(type=ComponentType.APPLICATION, name="sovaudit", version=context.tool_version)
    # BomMetaData fills a missing timestamp from the clock: give it one, then take it back.
    metadata = BomMetaData(
        tools=ToolRepository(components=[tool]),
        timestamp=context.timestamp or _EPOCH,
        properties=[Property(name=cp.INPUT, value=cp.input_value(i)) for i in prep.inputs],
    )
    ts = context.timestamp
    metadata.timestamp = (ts if ts.tzinfo else ts.replace(tzinfo=UTC)) if ts else None  # type: ignore[assignment]
    bom = Bom(serial_number=uuid.UUID(int=0), metadata=metadata)
    bom._components = components
    bom._dependencies = dependencies
    return bom


# -- serialisation -------------------------------------------------------------------------------
# The library's outputters (``cyclonedx.output.json.Json.generate`` and its XML twin) run three
# passes before serialising, each written for any Bom and each too slow for ours:
#
# * ``Bom.validate()`` (deprecated upstream) calls ``Bom.register_dependency`` once per component,
#   and that finds the entry with a linear scan over all dependencies: quadratic, minutes at
#   10,000 components. Upstream issue #1006 (fix PRs #1007, #1033 open).
# * ``BomRefDiscriminator`` gives empty or duplicate bom-refs random values; it tests each ref
#   against a list of the ones seen (quadratic again) and hashes every component.
# * ``BomDependencyGraphFlatMerger`` (JSON only) rebuilds every Dependency to flatten the graph.
#
# Our Bom needs none of them: every component has its own non-empty, unique bom-ref (the
# component id; duplicates were merged), every component has exactly one flat dependency entry,
# and each component has at most one licence. ``_check`` asserts exactly that, in linear time.
# The outputters below do what ``generate`` does without those passes, and serialise with the
# library's own ``as_json`` / ``as_xml``. Remove them (use ``make_outputter``) once the upstream
# fix for #1006 is released and the other two passes are linear.


def _check(bom: Bom) -> None:
    """What ``Bom.validate()`` and ``BomRefDiscriminator`` would ensure, in linear time."""
    refs = [c.bom_ref.value for c in bom.components]
    known = set(refs)
    if None in known or "" in known or len(known) != len(refs):
        raise AssertionError("components without a unique bom-ref")
    deps = [d.ref.value for d in bom.dependencies]
    if set(deps) != known or len(deps) != len(refs):
        raise AssertionError("not exactly one dependency entry per component")
    for d in bom.dependencies:
        for t in d.dependencies:
            if t.ref.value not in known or t.dependencies:
                raise AssertionError(f"dependency {d.ref.value} -> {t.ref.value} is unknown or nested")
    if any(len(c.licenses) > 1 for c in bom.components):
        raise AssertionError("a component with more than one licence entry")


class _JsonOutput(JsonV1Dot6):
    def generate(self, force_regeneration: bool = False) -> None:
        if self.generated and not force_regeneration:
            return
        bom = self.get_bom()
        _check(bom)
        view = SCHEMA_VERSIONS[self.schema_version_enum]
        body: dict[str, Any] = json.loads(bom.as_json(view_=view))  # type: ignore[attr-defined]
        # The library puts these three last; the usual order puts the header (and metadata) first.
        doc = {
            "$schema": self._get_schema_uri(),
            "bomFormat": "CycloneDX",
            "specVersion": self.schema_version.to_version(),
        }
        for key in ("serialNumber", "version", "metadata"):
            if key in body:
                doc[key] = body.pop(key)
        doc.update(body)
        self._bom_json = doc
        self.generated = True

    def output_as_string(self, *, indent: int | str | None = None, **kwargs: Any) -> str:
        """The library's ``json.dumps(document, indent=indent)``; for ``indent=2``, the same text
        written by :func:`indented_json`, which takes half the time of ``json``'s pure-Python
        indenting encoder."""
        if indent != 2:
            return super().output_as_string(indent=indent, **kwargs)
        self.generate()
        return indented_json(self._bom_json)


#: Characters XML 1.0 does not allow (and lone surrogates, which UTF-8 cannot encode).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_outputter() -> type[Any]:
    """The XML outputter class, defined on first use: its module imports ``xml.dom.minidom``,
    which a JSON render never needs."""
    from xml.etree import ElementTree

    from cyclonedx.output.xml import XmlV1Dot6

    class _XmlOutput(XmlV1Dot6):
        def generate(self, force_regeneration: bool = False) -> None:
            if self.generated and not force_regeneration:
                return
            bom = self.get_bom()
            _check(bom)
            xmlns = self.get_target_namespace()
            view = SCHEMA_VERSIONS[self.schema_version_enum]
            root = bom.as_xml(view, as_string=False, xmlns=xmlns)  # type: ignore[attr-defined]
            # Indented here, in place: the library indents by re-parsing the text with minidom
            # (seconds on a big BOM).
            ElementTree.indent(root, space="  ")
            text = ElementTree.tostring(root, method="xml", default_namespace=xmlns, encoding="unicode")
            # ElementTree writes control characters as they are, which no XML parser accepts.
            self._bom_xml = '<?xml version="1.0" encoding="UTF-8"?>\n' + _NOT_XML.sub("\ufffd", text)
            self.generated = True

    return _XmlOutput


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while the library's objects are built and serialised.

    A render allocates about 40 container objects per component and frees none of them until
    the end, so the collector keeps walking a young generation that never dies (a third of
    the time at 10,000 components). Only reference cycles wait for the end: the memory is
    the same, since all of it is live until then anyway.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def render(inventory: Inventory, context: RenderContext, *, xml: bool) -> bytes:
    """The CycloneDX 1.6 document of ``inventory``, with a serial number derived from its content."""
    with _gc_paused():
        bom = build_bom(inventory, context)
        text = _xml_outputter()(bom).output_as_string() if xml else _JsonOutput(bom).output_as_string(indent=2)
        # modelCard and component data: the library has no model for them (ML-BOM, see mlbom.py).
        text = mlbom.extend(text, inventory, xml=xml)
    marker = f'serialNumber="{_NIL_SERIAL}"' if xml else f'"serialNumber": "{_NIL_SERIAL}"'
    data = (text.rstrip("\n") + "\n").encode("utf-8")
    # The first match is the serial number: in XML it is the root's attribute, before any
    # content; in JSON it is the first key after the header, and no string value can hold the
    # marker's unescaped quotes.
    if marker.encode() not in data:
        raise AssertionError("cyclonedx-python-lib wrote no serial number where expected")
    serial = "urn:uuid:" + str(uuid.uuid5(SERIAL_NAMESPACE, hashlib.sha256(data).hexdigest()))
    return data.replace(marker.encode(), marker.replace(_NIL_SERIAL, serial).encode(), 1)


class CycloneDxJsonEmitter(Emitter):
    name = "cyclonedx-json"
    description = "CycloneDX 1.6 SBOM, JSON: components, licences, the full dependency graph, typed edges"
    suffix = ".cdx.json"

    def render(self, inventory: Inventory, context: RenderContext) -> bytes:
        return render(inventory, context, xml=False)


class CycloneDxXmlEmitter(Emitter):
    name = "cyclonedx-xml"
    description = "CycloneDX 1.6 SBOM, XML: components, licences, the full dependency graph, typed edges"
    suffix = ".cdx.xml"

    def render(self, inventory: Inventory, context: RenderContext) -> bytes:
        return render(inventory, context, xml=True)
