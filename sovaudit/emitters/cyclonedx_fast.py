"""CycloneDX 1.6 JSON written straight from an Inventory: the library path's bytes, without the library.

:mod:`sovaudit.emitters.cyclonedx` maps an inventory onto cyclonedx-python-lib's object model and
lets the library serialise it. For JSON that costs more than reading the inventory did: importing
the library (about 0.2 s), building ~40 objects per component, and its serialiser. This module
builds the same document as plain dicts and lists, in the order and with the keys the library
writes them, and serialises it with :mod:`sovaudit.jsonout`: the text, and so the serial number
derived from it, are byte for byte those of the library path. The mapping rules are the ones
documented in :mod:`sovaudit.emitters.cyclonedx`, the ``sovaudit:`` properties spelled by
:mod:`sovaudit.cyclonedx_properties` as there; ``tests/emitters/test_cyclonedx_fast.py``
compares the two paths on the goldens, the sample stacks, a 300-distribution environment and
generated inventories, and validates the result against the CycloneDX 1.6 schema.

What the library does that this module repeats:

* components, and the dependency entries, in bom-ref order; the keys of an object in the order
  of the library's property names (its serialiser sorts them by their Python names, which gives
  alphabetical order for every key written here: ``dependsOn`` is ``dependencies``); the header
  keys (``$schema``, ``bomFormat``, ``specVersion``, ``serialNumber``, ``version``,
  ``metadata``) first, as the emitter reorders them;
* a component's properties sorted by (name, value) without duplicates, its hashes sorted by
  (algorithm, content) without duplicates, ``dependsOn`` sorted, the metadata's
  ``sovaudit:input`` properties sorted by value without duplicates;
* a purl written as packageurl-python writes it back (``to_string()`` of ``from_string()``).
  Purls of the plain forms sovaudit's collectors write (:func:`is_canonical_purl`) are known to
  come back unchanged (a test checks that on generated ones); any other purl goes through
  packageurl-python, imported then;
* the timestamp as ``datetime.isoformat()`` (a naive one taken as UTC).

The library stays the XML writer and this module's test oracle.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import re
import uuid
from collections.abc import Iterable
from datetime import UTC
from typing import Any

from sovaudit import cyclonedx_properties as cp
from sovaudit import jsonout
from sovaudit.emitters.interface import Emitter, RenderContext
from sovaudit.graph import merge_components, merge_edges, placeholder
from sovaudit.model import Component, Edge, Inventory, Layer

SCHEMA_URI = "http://cyclonedx.org/schema/bom-1.6.schema.json"
#: Namespace of the serial numbers: uuid5(NAMESPACE_URL, <the CycloneDX emitter's home>).
SERIAL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/sovaudit/sovaudit/cyclonedx")
_NIL_SERIAL = "urn:uuid:" + str(uuid.UUID(int=0))

# Kinds named in DESIGN.md and a few synonyms; anything else falls back to its layer.
_TYPE_BY_KIND: dict[str, str] = {
    "package": "library",
    "library": "library",
    "module": "library",
    "runtime": "framework",
    "framework": "framework",
    "application": "application",
    "compiler": "application",
    "tool": "application",
    "scheduler": "application",
    "container-image": "container",
    "container": "container",
    "operating-system": "operating-system",
    "os": "operating-system",
    "firmware": "firmware",
    "driver": "device-driver",
    "device-driver": "device-driver",
    "file": "file",
    "hardware": "device",
    "accelerator": "device",
    "interconnect": "device",
    "node": "device",
    "cpu": "device",
    "gpu": "device",
    "device": "device",
    "model": "machine-learning-model",
    "dataset": "data",
    "data": "data",
    "filesystem": "platform",
    "storage": "platform",
    "service": "platform",
    "platform": "platform",
    "cloud": "platform",
    "organisation": "platform",
    "organization": "platform",
}
_TYPE_BY_LAYER: dict[Layer, str] = {
    Layer.SOFTWARE: "library",
    Layer.COMPUTE: "device",
    Layer.DATA: "data",
    Layer.MODEL: "machine-learning-model",
    Layer.OPERATIONAL: "platform",
}
#: The hash algorithms of CycloneDX 1.6, spelled as it spells them (Streebog is 1.7 only).
_HASH_ALGS = frozenset(
    {
        "MD5",
        "SHA-1",
        "SHA-256",
        "SHA-384",
        "SHA-512",
        "SHA3-256",
        "SHA3-384",
        "SHA3-512",
        "BLAKE2b-256",
        "BLAKE2b-384",
        "BLAKE2b-512",
        "BLAKE3",
    }
)
_HEX = re.compile(r"(?:[a-fA-F0-9]{32}|[a-fA-F0-9]{40}|[a-fA-F0-9]{64}|[a-fA-F0-9]{96}|[a-fA-F0-9]{128})")
#: Purls that packageurl-python parses and writes back unchanged: the types whose normalisation
#: is known (:mod:`sovaudit.purl`), at most one namespace segment, unreserved characters only
#: (nothing to quote), lower case where the type lower-cases, no ``_`` in a PyPI name, no
#: qualifiers or subpath.
_CANONICAL_PURL = re.compile(
    r"pkg:(?:pypi/(?:[a-z0-9.~-]+/)?[a-z0-9.~-]+|apk/(?:[a-z0-9._~-]+/)?[a-z0-9._~-]+"
    r"|(?:conda|deb|rpm)/(?:[A-Za-z0-9._~-]+/)?(?:[A-Za-z0-9._~-]|%2B)+)(?:@(?:[A-Za-z0-9._~:-]|%2B)+)?"
    r"(?:\?[a-z._-][a-z0-9._-]*=[A-Za-z0-9._~-]+(?:&[a-z._-][a-z0-9._-]*=[A-Za-z0-9._~-]+)*)?"
)


@functools.cache
def _spdx_ids() -> frozenset[str]:
    """The SPDX licence ids cyclonedx-python-lib accepts as ``license.id`` (the file it reads;
    only this small package of it is imported)."""
    from cyclonedx.schema._res import SPDX_JSON

    with open(SPDX_JSON, encoding="utf-8") as fh:
        return frozenset(json.load(fh).get("enum", []))


def component_type(c: Component) -> str:
    """The CycloneDX component type (its spelling) of ``c``."""
    return _TYPE_BY_KIND.get(c.kind.lower(), _TYPE_BY_LAYER[c.layer])


def is_canonical_purl(purl: str) -> bool:
    """Whether packageurl-python writes ``purl`` back unchanged, known without parsing it: one of
    the plain forms sovaudit's collectors write (names and versions that need no quoting but
    ``+``, which is written ``%2B``), its qualifier keys in the order the library sorts them."""
    if _CANONICAL_PURL.fullmatch(purl) is None:
        return False
    _, mark, query = purl.partition("?")
    if not mark:
        return True
    keys = [pair.partition("=")[0] for pair in query.split("&")]
    return all(a < b for a, b in itertools.pairwise(keys))


def written_purl(purl: str) -> str | None:
    """The purl as packageurl-python writes it back, or None when it cannot parse it."""
    if is_canonical_purl(purl):
        return purl
    from packageurl import PackageURL

    try:
        return str(PackageURL.from_string(purl).to_string())
    except ValueError:
        return None


# -- inventory -> document -----------------------------------------------------------------------
def _prepared(inventory: Inventory) -> tuple[list[Component], dict[str, dict[str, list[Edge]]]]:
    """Components, one per id (duplicates merged, placeholders for edge ends nobody described), in
    id order; edges merged by key and grouped by source, then target, in key order."""
    comps: dict[str, Component] = {}
    for c in inventory.components:
        if not c.id:
            raise ValueError(f"component {c.name!r} has an empty id")
        comps[c.id] = merge_components(comps[c.id], c) if c.id in comps else c
    edges: dict[tuple[str, str, str], Edge] = {}
    for e in inventory.edges:
        edges[e.key] = merge_edges(edges[e.key], e) if e.key in edges else e
        for end in (e.source, e.target):
            if end not in comps:
                comps[end] = placeholder(end)
    by_source: dict[str, dict[str, list[Edge]]] = {}
    for key in sorted(edges):
        e = edges[key]
        by_source.setdefault(e.source, {}).setdefault(e.target, []).append(e)
    return [comps[k] for k in sorted(comps)], by_source


def _properties(pairs: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in sorted(set(pairs))]


def _component(c: Component, edges: dict[str, list[Edge]]) -> dict[str, Any]:
    """The component object, keys in alphabetical order (as the library writes them)."""
    props = [(cp.LAYER, c.layer.value), (cp.KIND, c.kind), *c.properties]
    if c.licenses and c.license_declared:
        props.append((cp.LICENSE_DECLARED, c.license_declared))
    purl = None
    if c.purl:
        purl = written_purl(c.purl)
        if purl != c.purl:
            props.append((cp.PURL, c.purl))
    props += [(cp.EVIDENCE, cp.evidence_value(e)) for e in c.evidence]
    hashes = set()
    for alg, value in c.hashes:
        if alg in _HASH_ALGS and _HEX.fullmatch(value):
            hashes.add((alg, value))
        else:
            props.append((cp.HASH, cp.hash_value(alg, value)))
    for pair in edges.values():
        if cp.is_bare(pair):
            continue
        for e in pair:
            props += cp.edge_properties(e)
    doc: dict[str, Any] = {}
    if c.author:
        doc["authors"] = [{"name": c.author}]
    doc["bom-ref"] = c.id
    if c.description:
        doc["description"] = c.description
    if hashes:
        doc["hashes"] = [{"alg": alg, "content": value} for alg, value in sorted(hashes)]
    if c.licenses:
        doc["licenses"] = [{"license": {"id": c.licenses}} if c.licenses in _spdx_ids() else {"expression": c.licenses}]
    elif c.license_declared:
        doc["licenses"] = [{"license": {"name": c.license_declared}}]
    doc["name"] = c.name
    doc["properties"] = _properties(props)
    if purl is not None:
        doc["purl"] = purl
    if c.supplier:
        doc["supplier"] = {"name": c.supplier}
    doc["type"] = component_type(c)
    if c.version:
        doc["version"] = c.version
    return doc


def _dependency(source: str, edges: dict[str, list[Edge]]) -> dict[str, Any]:
    targets = sorted(t for t, pair in edges.items() if not all(e.relation in cp.NOT_DEPENDENCIES for e in pair))
    return {"dependsOn": targets, "ref": source} if targets else {"ref": source}


def document(inventory: Inventory, context: RenderContext) -> dict[str, Any]:
    """The CycloneDX 1.6 document of ``inventory`` as plain JSON data, with a nil serial number and
    without the ML-BOM blocks (:func:`render` adds both)."""
    components, by_source = _prepared(inventory)
    metadata: dict[str, Any] = {}
    inputs = sorted({cp.input_value(i) for i in inventory.inputs})
    if inputs:
        metadata["properties"] = [{"name": cp.INPUT, "value": v} for v in inputs]
    ts = context.timestamp
    if ts is not None:
        metadata["timestamp"] = (ts if ts.tzinfo else ts.replace(tzinfo=UTC)).isoformat()
    tool = {"name": cp.TOOL_NAME, "type": "application", "version": context.tool_version}  # "" written too
    metadata["tools"] = {"components": [tool]}
    doc: dict[str, Any] = {
        "$schema": SCHEMA_URI,
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": _NIL_SERIAL,
        "version": 1,
        "metadata": metadata,
    }
    if components:
        doc["components"] = [_component(c, by_source.get(c.id, {})) for c in components]
        doc["dependencies"] = [_dependency(c.id, by_source.get(c.id, {})) for c in components]
    return doc


def _has_ml_blocks(inventory: Inventory) -> bool:
    """Whether :func:`sovaudit.emitters.mlbom.extend` would add anything (its own test, without
    importing it and the XML modules it needs)."""
    return any(c.layer is Layer.MODEL or c.layer is Layer.DATA or c.kind == "model" for c in inventory.components)


def render_json(inventory: Inventory, context: RenderContext) -> bytes:
    """The CycloneDX 1.6 JSON of ``inventory``, with a serial number derived from its content."""
    text = jsonout.dumps(document(inventory, context))
    if _has_ml_blocks(inventory):
        from sovaudit.emitters import mlbom

        # modelCard and component data, added as the library path adds them.
        text = mlbom.extend(text, inventory, xml=False)
    data = (text.rstrip("\n") + "\n").encode("utf-8")
    marker = f'"serialNumber": "{_NIL_SERIAL}"'.encode()
    # The serial number is the first key after the header; no string value can hold the marker's
    # unescaped quotes.
    serial = "urn:uuid:" + str(uuid.uuid5(SERIAL_NAMESPACE, hashlib.sha256(data).hexdigest()))
    return data.replace(marker, marker.replace(_NIL_SERIAL.encode(), serial.encode()), 1)


class CycloneDxJsonEmitter(Emitter):
    name = "cyclonedx-json"
    description = "CycloneDX 1.6 SBOM, JSON: components, licences, the full dependency graph, typed edges"
    suffix = ".cdx.json"

    def render(self, inventory: Inventory, context: RenderContext) -> bytes:
        return render_json(inventory, context)
