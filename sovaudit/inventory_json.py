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
from collections.abc import Callable
from json.encoder import encode_basestring
from typing import Any

from sovaudit.errors import InputError
from sovaudit.model import Component, Edge, Evidence, InputRecord, InputStatus, Inventory, Layer, Relation

FORMAT = "sovaudit-inventory"
VERSION = 1
#: The optional text fields of a component: (JSON key, attribute), in the order they are written.
_COMPONENT_TEXT = (
    ("version", "version"),
    ("purl", "purl"),
    ("licenses", "licenses"),
    ("licenseDeclared", "license_declared"),
    ("supplier", "supplier"),
    ("author", "author"),
    ("description", "description"),
)


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


def _input_dict(i: InputRecord) -> dict[str, Any]:
    d: dict[str, Any] = {"path": i.path, "status": i.status.value}
    if i.collector:
        d["collector"] = i.collector
    if i.reason:
        d["reason"] = i.reason
    if i.components:
        d["components"] = i.components
    return d


def to_dict(inventory: Inventory) -> dict[str, Any]:
    """The JSON-ready form of ``inventory`` (normalised first)."""
    inv = inventory.normalised()
    comps = []
    for c in inv.components:
        d: dict[str, Any] = {"id": c.id, "layer": c.layer.value, "kind": c.kind, "name": c.name}
        for key, attr in _COMPONENT_TEXT:
            if val := getattr(c, attr):
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
    inputs = [_input_dict(i) for i in inv.inputs]
    return {"format": FORMAT, "formatVersion": VERSION, "components": comps, "edges": edges, "inputs": inputs}


def _record_encoder() -> Callable[[Any], str]:
    """One record as one line: ``json``'s C encoder (used only without ``indent``), with the spaces
    of its default separators so that a line reads as ``json.dumps`` prints a dict.

    The encoder is made once: ``JSONEncoder.encode`` makes a new one on every call, which for
    40,000 records cost as much as the encoding. Without the C accelerator, ``encode`` it is.
    """
    from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]

    if c_make_encoder is None:  # pragma: no cover - CPython always has it
        return json.JSONEncoder(ensure_ascii=False, check_circular=False, separators=(", ", ": ")).encode

    def refuse(value: Any) -> Any:
        raise TypeError(f"{type(value).__name__} is not JSON")

    chunks = c_make_encoder(None, refuse, encode_basestring, None, ": ", ", ", False, False, True)

    def encode(record: Any) -> str:
        return "".join(chunks(record, 0))

    return encode


_record = _record_encoder()


def dump(inventory: Inventory) -> bytes:
    """Canonical bytes: UTF-8, one component, edge or input record per line, a final newline.

    The document is indented to the level of its three lists; each record is one line, the text
    ``json.dumps(record)`` prints for the record :func:`to_dict` makes. A diff of two scans then
    shows one line per changed component and ``grep`` finds a component with all its fields.
    The lines are written here from the dataclasses, every string escaped by ``json``'s C escaper:
    indenting every nested value (``json.dumps(indent=2)``, pure Python), or even building the
    dictionaries for the C encoder, cost more than reading a 5,000-spec lockfile.
    ``tests/test_inventory_json.py`` checks the text against ``to_dict`` and the encoder.
    """
    inv = inventory.normalised()
    out = [f'{{\n  "format": {json.dumps(FORMAT)},\n  "formatVersion": {VERSION}']
    for key, lines in (
        ("components", [_component_line(c) for c in inv.components]),
        ("edges", [_edge_line(e) for e in inv.edges]),
        ("inputs", [_record(_input_dict(i)) for i in inv.inputs]),
    ):
        out.append(f',\n  "{key}": [\n    ' + ",\n    ".join(lines) + "\n  ]" if lines else f',\n  "{key}": []')
    out.append("\n}\n")
    return "".join(out).encode("utf-8")


_esc = encode_basestring  # json's C escaper (ensure_ascii=False): the quoted, escaped string


def _pairs_text(pairs: tuple[tuple[str, str], ...], k: str, v: str) -> str:
    return ", ".join([f'{{"{k}": {_esc(a)}, "{v}": {_esc(b)}}}' for a, b in pairs])


def _evidence_text(evidence: tuple[Evidence, ...]) -> str:
    parts = []
    for e in evidence:
        text = f'{{"path": {_esc(e.path)}, "collector": {_esc(e.collector)}'
        if e.line:
            text += f', "line": {int(e.line)}'
        if e.pointer:
            text += f', "pointer": {_esc(e.pointer)}'
        parts.append(text + "}")
    return ", ".join(parts)


def _component_line(c: Component) -> str:
    out = [f'{{"id": {_esc(c.id)}, "layer": {_esc(c.layer.value)}, "kind": {_esc(c.kind)}, "name": {_esc(c.name)}']
    for key, attr in _COMPONENT_TEXT:
        if val := getattr(c, attr):
            out.append(f', "{key}": {_esc(val)}')
    if c.hashes:
        out.append(f', "hashes": [{_pairs_text(c.hashes, "alg", "value")}]')
    if c.properties:
        out.append(f', "properties": [{_pairs_text(c.properties, "name", "value")}]')
    if c.evidence:
        out.append(f', "evidence": [{_evidence_text(c.evidence)}]')
    out.append("}")
    return "".join(out)


def _edge_line(e: Edge) -> str:
    out = f'{{"source": {_esc(e.source)}, "target": {_esc(e.target)}, "relation": {_esc(e.relation.value)}'
    if e.scopes:
        out += ', "scopes": [' + ", ".join(map(_esc, e.scopes)) + "]"
    if e.properties:
        out += f', "properties": [{_pairs_text(e.properties, "name", "value")}]'
    if e.evidence:
        out += f', "evidence": [{_evidence_text(e.evidence)}]'
    return out + "}"


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
    """Convert a parsed document; raises ValueError with a JSON pointer on any shape error.

    A document is read first by :func:`_read_valid`, which checks every type it takes but keeps
    no JSON pointer; anything it does not accept is read again by :func:`_from_dict`, which finds
    the first problem and names it. Both build the same inventory from a valid document (tested).
    """
    try:
        return _read_valid(doc)
    except (_Slow, KeyError, TypeError, AttributeError, ValueError):
        pass
    try:
        return _from_dict(doc)
    except _Bad as err:
        raise ValueError(str(err)) from None


class _Slow(Exception):
    """The document is not one :func:`_read_valid` accepts; :func:`_from_dict` says why."""


_LAYERS = {m.value: m for m in Layer}
_RELATIONS = {m.value: m for m in Relation}
_STATUSES = {m.value: m for m in InputStatus}


def _read_valid(doc: Any) -> Inventory:
    """The inventory of a valid document, fast: one dictionary lookup per field, no pointers kept.

    Evidence is shared: a 10,000-component stack names a few hundred files, so each distinct
    evidence record is made once (memory, and the sorting and merging later compare fewer objects).
    """
    if type(doc) is not dict or doc.get("format") != FORMAT or doc.get("formatVersion") != VERSION:
        raise _Slow
    shared: dict[tuple[Any, ...], Evidence] = {}

    def evidence(items: Any) -> tuple[Evidence, ...]:
        if type(items) is not list:
            raise _Slow
        out = []
        for o in items:
            key = (o["path"], o["collector"], o.get("line", 0), o.get("pointer", ""))
            ev = shared.get(key)
            if ev is None:
                path, collector, line, pointer = key
                if type(path) is not str or type(collector) is not str or type(pointer) is not str:
                    raise _Slow
                if type(line) is not int or line < 0:
                    raise _Slow
                ev = shared[key] = Evidence(path=path, collector=collector, line=line, pointer=pointer)
            out.append(ev)
        return tuple(out)

    def pairs(items: Any, k: str, v: str) -> tuple[tuple[str, str], ...]:
        if type(items) is not list:
            raise _Slow
        out = [(o[k], o[v]) for o in items]
        if not all(type(a) is str and type(b) is str for a, b in out):
            raise _Slow
        return tuple(out)

    empty: list[Any] = []
    comps = []
    for o in _items(doc, "components"):
        head = (o["id"], o["kind"], o["name"])
        text = {field: o.get(key, "") for key, field in _COMPONENT_TEXT}
        if not all(type(t) is str for t in head) or not all(type(t) is str for t in text.values()):
            raise _Slow
        comps.append(
            Component(
                id=head[0],
                layer=_LAYERS[o["layer"]],
                kind=head[1],
                name=head[2],
                hashes=pairs(o.get("hashes", empty), "alg", "value"),
                properties=pairs(o.get("properties", empty), "name", "value"),
                evidence=evidence(o.get("evidence", empty)),
                **text,
            )
        )
    edges = []
    for o in _items(doc, "edges"):
        source, target, scopes = o["source"], o["target"], o.get("scopes", empty)
        if type(source) is not str or type(target) is not str or type(scopes) is not list:
            raise _Slow
        if not all(type(x) is str for x in scopes):
            raise _Slow
        edges.append(
            Edge(
                source=source,
                target=target,
                relation=_RELATIONS[o["relation"]],
                scopes=tuple(scopes),
                properties=pairs(o.get("properties", empty), "name", "value"),
                evidence=evidence(o.get("evidence", empty)),
            )
        )
    inputs = []
    for o in _items(doc, "inputs"):
        path, collector, reason, count = o["path"], o.get("collector", ""), o.get("reason", ""), o.get("components", 0)
        if type(path) is not str or type(collector) is not str or type(reason) is not str:
            raise _Slow
        if type(count) is not int or count < 0:
            raise _Slow
        inputs.append(
            InputRecord(path=path, status=_STATUSES[o["status"]], collector=collector, reason=reason, components=count)
        )
    return Inventory(components=tuple(comps), edges=tuple(edges), inputs=tuple(inputs)).normalised()


def _items(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The records of one list: each an object, else the checked reader takes over."""
    items = doc.get(key, [])
    if type(items) is not list or not all(type(o) is dict for o in items):
        raise _Slow
    return items


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
