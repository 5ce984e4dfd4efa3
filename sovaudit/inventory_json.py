"""The versioned JSON form of an Inventory: scan once, audit many times.

Format ``sovaudit-inventory``, version 1, documented in ``docs/inventory-format.md`` and described
by the JSON Schema ``sovaudit/schemas/inventory-1.schema.json`` (for editors and other tools).
``load(dump(inv)) == inv.normalised()`` and ``dump(load(b)) == b`` for every ``b`` that ``dump``
wrote: the round trip is exact. Fields at their default are left out.

Loading checks the shape field by field (with a JSON pointer in every error) rather than running
a JSON Schema validator over the whole document: the checks are the same, and a 10,000-component
inventory loads in a fraction of the time.
"""

from __future__ import annotations

import json
from typing import Any

from sovaudit import jsonout
from sovaudit.errors import InputError
from sovaudit.model import Component, Edge, Evidence, InputRecord, InputStatus, Inventory, Layer, Relation

FORMAT = "sovaudit-inventory"
VERSION = 1


# -- dump ----------------------------------------------------------------------------------------
def _evidence(ev: tuple[Evidence, ...]) -> list[dict[str, Any]]:
    out = []
    for e in ev:
        d: dict[str, Any] = {"path": e.path, "collector": e.collector}
        if e.line:
            d["line"] = e.line
        if e.pointer:
            d["pointer"] = e.pointer
        out.append(d)
    return out


def _pairs(pairs: tuple[tuple[str, str], ...], k: str, v: str) -> list[dict[str, str]]:
    return [{k: a, v: b} for a, b in pairs]


def to_dict(inventory: Inventory) -> dict[str, Any]:
    """The JSON-ready form of ``inventory`` (normalised first)."""
    inv = inventory.normalised()
    comps = []
    for c in inv.components:
        d: dict[str, Any] = {"id": c.id, "layer": c.layer.value, "kind": c.kind, "name": c.name}
        for key, val in (
            ("version", c.version),
            ("purl", c.purl),
            ("licenses", c.licenses),
            ("licenseDeclared", c.license_declared),
            ("supplier", c.supplier),
            ("author", c.author),
            ("description", c.description),
        ):
            if val:
                d[key] = val
        if c.hashes:
            d["hashes"] = _pairs(c.hashes, "alg", "value")
        if c.properties:
            d["properties"] = _pairs(c.properties, "name", "value")
        if c.evidence:
            d["evidence"] = _evidence(c.evidence)
        comps.append(d)
    edges = []
    for e in inv.edges:
        d = {"source": e.source, "target": e.target, "relation": e.relation.value}
        if e.scopes:
            d["scopes"] = list(e.scopes)
        if e.properties:
            d["properties"] = _pairs(e.properties, "name", "value")
        if e.evidence:
            d["evidence"] = _evidence(e.evidence)
        edges.append(d)
    inputs = []
    for i in inv.inputs:
        d = {"path": i.path, "status": i.status.value}
        if i.collector:
            d["collector"] = i.collector
        if i.reason:
            d["reason"] = i.reason
        if i.components:
            d["components"] = i.components
        inputs.append(d)
    return {"format": FORMAT, "formatVersion": VERSION, "components": comps, "edges": edges, "inputs": inputs}


def dump(inventory: Inventory) -> bytes:
    """Canonical bytes: UTF-8, two-space indent, a final newline (``json.dumps``'s text, written faster)."""
    return (jsonout.dumps(to_dict(inventory), ensure_ascii=False) + "\n").encode("utf-8")


# -- load ----------------------------------------------------------------------------------------
class _Bad(Exception):
    def __init__(self, pointer: str, reason: str) -> None:
        super().__init__(f"at {pointer or '/'}: {reason}")


def _obj(v: Any, ptr: str) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise _Bad(ptr, "expected an object")
    return v


def _list(d: dict[str, Any], key: str, ptr: str) -> list[Any]:
    v = d.get(key, [])
    if not isinstance(v, list):
        raise _Bad(f"{ptr}/{key}", "expected an array")
    return v


def _str(d: dict[str, Any], key: str, ptr: str, *, required: bool = False) -> str:
    if key not in d:
        if required:
            raise _Bad(ptr, f"missing {key!r}")
        return ""
    v = d[key]
    if not isinstance(v, str):
        raise _Bad(f"{ptr}/{key}", "expected a string")
    return v


def _int(d: dict[str, Any], key: str, ptr: str) -> int:
    v = d.get(key, 0)
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise _Bad(f"{ptr}/{key}", "expected a non-negative integer")
    return v


def _load_pairs(d: dict[str, Any], key: str, k: str, v: str, ptr: str) -> tuple[tuple[str, str], ...]:
    out = []
    for n, item in enumerate(_list(d, key, ptr)):
        p = f"{ptr}/{key}/{n}"
        o = _obj(item, p)
        out.append((_str(o, k, p, required=True), _str(o, v, p, required=True)))
    return tuple(out)


def _load_evidence(d: dict[str, Any], ptr: str) -> tuple[Evidence, ...]:
    out = []
    for n, item in enumerate(_list(d, "evidence", ptr)):
        p = f"{ptr}/evidence/{n}"
        o = _obj(item, p)
        out.append(
            Evidence(
                path=_str(o, "path", p, required=True),
                collector=_str(o, "collector", p, required=True),
                line=_int(o, "line", p),
                pointer=_str(o, "pointer", p),
            )
        )
    return tuple(out)


def _enum(cls: Any, value: str, ptr: str) -> Any:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(m.value for m in cls)
        raise _Bad(ptr, f"{value!r} is not one of {allowed}") from None


def from_dict(doc: Any) -> Inventory:
    """Convert a parsed document; raises ValueError with a JSON pointer on any shape error."""
    try:
        return _from_dict(doc)
    except _Bad as err:
        raise ValueError(str(err)) from None


def _from_dict(doc: Any) -> Inventory:
    root = _obj(doc, "")
    if root.get("format") != FORMAT:
        raise _Bad("/format", f"not a {FORMAT} document")
    version = root.get("formatVersion")
    if version != VERSION:
        raise _Bad("/formatVersion", f"version {version!r} is not supported (this sovaudit reads {VERSION})")
    comps = []
    for n, item in enumerate(_list(root, "components", "")):
        p = f"/components/{n}"
        o = _obj(item, p)
        comps.append(
            Component(
                id=_str(o, "id", p, required=True),
                layer=_enum(Layer, _str(o, "layer", p, required=True), f"{p}/layer"),
                kind=_str(o, "kind", p, required=True),
                name=_str(o, "name", p, required=True),
                version=_str(o, "version", p),
                purl=_str(o, "purl", p),
                licenses=_str(o, "licenses", p),
                license_declared=_str(o, "licenseDeclared", p),
                supplier=_str(o, "supplier", p),
                author=_str(o, "author", p),
                description=_str(o, "description", p),
                hashes=_load_pairs(o, "hashes", "alg", "value", p),
                properties=_load_pairs(o, "properties", "name", "value", p),
                evidence=_load_evidence(o, p),
            )
        )
    edges = []
    for n, item in enumerate(_list(root, "edges", "")):
        p = f"/edges/{n}"
        o = _obj(item, p)
        scopes = _list(o, "scopes", p)
        if not all(isinstance(s, str) for s in scopes):
            raise _Bad(f"{p}/scopes", "expected an array of strings")
        edges.append(
            Edge(
                source=_str(o, "source", p, required=True),
                target=_str(o, "target", p, required=True),
                relation=_enum(Relation, _str(o, "relation", p, required=True), f"{p}/relation"),
                scopes=tuple(scopes),
                properties=_load_pairs(o, "properties", "name", "value", p),
                evidence=_load_evidence(o, p),
            )
        )
    inputs = []
    for n, item in enumerate(_list(root, "inputs", "")):
        p = f"/inputs/{n}"
        o = _obj(item, p)
        inputs.append(
            InputRecord(
                path=_str(o, "path", p, required=True),
                status=_enum(InputStatus, _str(o, "status", p, required=True), f"{p}/status"),
                collector=_str(o, "collector", p),
                reason=_str(o, "reason", p),
                components=_int(o, "components", p),
            )
        )
    return Inventory(components=tuple(comps), edges=tuple(edges), inputs=tuple(inputs)).normalised()


def loads(data: bytes, source: str) -> Inventory:
    """Parse inventory JSON read from ``source``; every problem is an InputError naming it."""
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as err:
        raise InputError(source, f"is not valid JSON ({err})") from None
    try:
        return from_dict(doc)
    except ValueError as err:
        raise InputError(source, f"is not a valid {FORMAT} document: {err}") from None


def looks_like(head: bytes) -> bool:
    """Whether the first bytes of a file look like an inventory document."""
    return b'"format"' in head and FORMAT.encode() in head
