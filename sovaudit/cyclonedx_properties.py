"""The ``sovaudit:`` properties of sovaudit's own CycloneDX: how they are spelled and read back.

CycloneDX has no field for a component's layer and kind, for evidence, for typed edges or for the
inputs of a scan; sovaudit keeps them in properties. This module is the one description of those
values, with an encoder and a decoder for each, so the emitter (``emitters/cyclonedx.py``) and the
SBOM collector (``collectors/cyclonedx_sbom.py``) cannot drift apart. It imports no third-party
library and nothing but the model.

Values (``%``-escaping is undone by :func:`urllib.parse.unquote`):

* ``sovaudit:layer`` / ``sovaudit:kind``: ``Component.layer`` / ``Component.kind``.
* ``sovaudit:evidence``: ``<path>[:<line>][#<pointer>] (<collector>)`` (:func:`evidence_value`);
  ``%`` ``:`` ``#`` ``(`` are escaped in the path, ``%`` ``(`` in the pointer, ``%`` space and
  parentheses in the collector.
* ``sovaudit:edge``: ``<relation>[<scopes>] <target>`` on the edge's source (no brackets without
  scopes); ``sovaudit:edge-evidence``: ``<relation> <evidence> <target>``;
  ``sovaudit:edge-property``: ``<relation> <name> <value> <target>``. Fields followed by a space
  (scopes, names, values) have ``%``, space, ``,``, ``[`` and ``]`` escaped; the target id is
  always last and never escaped.
* ``sovaudit:hash``: ``<algorithm> <value>`` for a hash CycloneDX cannot hold.
* ``sovaudit:purl``: the exact purl when the ``purl`` field would not give it back.
* ``sovaudit:license-declared``: the declared text when the licence field holds the expression.
* ``sovaudit:input`` (metadata): ``<status> <collector> <components> <path>[ <reason>]``.

Reading a component's edges: every ``sovaudit:edge`` of the source, plus a plain depends-on edge
for each ``dependsOn`` target that no ``sovaudit:edge`` of the same source names
(:func:`decode_edges`). Decoders raise ``ValueError`` on a value they cannot read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote

from sovaudit.model import Edge, Evidence, InputRecord, InputStatus, Layer, Relation

LAYER = "sovaudit:layer"
KIND = "sovaudit:kind"
EVIDENCE = "sovaudit:evidence"
EDGE = "sovaudit:edge"
EDGE_EVIDENCE = "sovaudit:edge-evidence"
EDGE_PROPERTY = "sovaudit:edge-property"
LICENSE_DECLARED = "sovaudit:license-declared"
PURL = "sovaudit:purl"
HASH = "sovaudit:hash"
INPUT = "sovaudit:input"

#: Property names with a meaning of their own: a collector must not use them.
RESERVED = frozenset({LAYER, KIND, EVIDENCE, EDGE, EDGE_EVIDENCE, EDGE_PROPERTY, LICENSE_DECLARED, PURL, HASH, INPUT})

#: The tool name sovaudit writes in ``metadata.tools``.
TOOL_NAME = "sovaudit"

#: What a space-separated field must not contain (besides ``%``).
FIELD = " ,[]"

#: Relations that are no dependency: written as ``sovaudit:edge`` only, never as ``dependsOn``.
NOT_DEPENDENCIES = frozenset({Relation.SAME_AS})


# -- encoding ------------------------------------------------------------------------------------
def escape(text: str, chars: str) -> str:
    """%-escape ``%`` and each of ``chars`` (undone by ``urllib.parse.unquote``)."""
    for ch in "%" + chars:
        if ch in text:
            text = text.replace(ch, f"%{ord(ch):02X}")
    return text


def evidence_value(e: Evidence) -> str:
    """``<path>[:<line>][#<pointer>] (<collector>)``: ``Evidence.describe()`` plus the collector."""
    where = f":{e.line}" if e.line else ""
    if e.pointer:
        where += "#" + escape(e.pointer, "(")
    return f"{escape(e.path, ':#(')}{where} ({escape(e.collector, ' ()')})"


def edge_value(e: Edge) -> str:
    """``<relation>[<scopes>] <target>``."""
    scopes = f"[{','.join(escape(s, FIELD) for s in sorted(set(e.scopes)))}]" if e.scopes else ""
    return f"{e.relation.value}{scopes} {e.target}"


def edge_evidence_value(e: Edge, ev: Evidence) -> str:
    """``<relation> <evidence> <target>``."""
    return f"{e.relation.value} {evidence_value(ev)} {e.target}"


def edge_property_value(e: Edge, name: str, value: str) -> str:
    """``<relation> <name> <value> <target>``."""
    return f"{e.relation.value} {escape(name, FIELD)} {escape(value, FIELD)} {e.target}"


def hash_value(algorithm: str, value: str) -> str:
    """``<algorithm> <value>``."""
    return f"{escape(algorithm, FIELD)} {value}"


def input_value(i: InputRecord) -> str:
    """``<status> <collector> <components> <path>[ <reason>]``."""
    fields = [i.status.value, escape(i.collector, FIELD), str(i.components), escape(i.path, FIELD)]
    return " ".join([*fields, i.reason] if i.reason else fields)


def edge_properties(e: Edge) -> list[tuple[str, str]]:
    """Every property that describes ``e`` on its source component."""
    out = [(EDGE, edge_value(e))]
    out += [(EDGE_EVIDENCE, edge_evidence_value(e, ev)) for ev in e.evidence]
    out += [(EDGE_PROPERTY, edge_property_value(e, k, v)) for k, v in e.properties]
    return out


def is_bare(edges: list[Edge]) -> bool:
    """Whether ``dependsOn`` alone says everything about the edges of one (source, target) pair."""
    if len(edges) != 1:
        return False
    e = edges[0]
    return e.relation is Relation.DEPENDS_ON and not (e.scopes or e.properties or e.evidence)


# -- decoding ------------------------------------------------------------------------------------
def parse_evidence(value: str) -> tuple[Evidence, str]:
    """The evidence at the start of ``value`` and whatever follows it (after one space)."""
    loc, sep, rest = value.partition(" (")
    collector, close, tail = rest.partition(")")
    if not sep or not close:
        raise ValueError(f"evidence {value!r} is not '<path>[:<line>][#<pointer>] (<collector>)'")
    where, _, pointer = loc.partition("#")
    path, _, line = where.partition(":")
    if line and not line.isdigit():
        raise ValueError(f"evidence {value!r} has a line that is not a number")
    ev = Evidence(path=unquote(path), collector=unquote(collector), line=int(line or 0), pointer=unquote(pointer))
    return ev, tail.removeprefix(" ")


def _relation(text: str, value: str) -> Relation:
    try:
        return Relation(text)
    except ValueError:
        raise ValueError(f"{value!r} names no known relation ({text!r})") from None


def parse_edge(value: str) -> tuple[Relation, tuple[str, ...], str]:
    """``(relation, scopes, target)`` of a ``sovaudit:edge`` value."""
    head, sep, target = value.partition(" ")
    if not sep or not target:
        raise ValueError(f"edge {value!r} is not '<relation>[<scopes>] <target>'")
    rel, bracket, scopes = head.partition("[")
    if bracket and not scopes.endswith("]"):
        raise ValueError(f"edge {value!r} has unclosed scopes")
    scope_list = tuple(unquote(s) for s in scopes[:-1].split(",")) if bracket and scopes != "]" else ()
    return _relation(rel, value), scope_list, target


def parse_edge_evidence(value: str) -> tuple[Relation, Evidence, str]:
    """``(relation, evidence, target)`` of a ``sovaudit:edge-evidence`` value."""
    rel, sep, rest = value.partition(" ")
    ev, target = parse_evidence(rest) if sep else (None, "")
    if ev is None or not target:
        raise ValueError(f"edge evidence {value!r} is not '<relation> <evidence> <target>'")
    return _relation(rel, value), ev, target


def parse_edge_property(value: str) -> tuple[Relation, str, str, str]:
    """``(relation, name, value, target)`` of a ``sovaudit:edge-property`` value."""
    parts = value.split(" ", 3)
    if len(parts) != 4 or not parts[3]:
        raise ValueError(f"edge property {value!r} is not '<relation> <name> <value> <target>'")
    rel, k, v, target = parts
    return _relation(rel, value), unquote(k), unquote(v), target


def parse_hash(value: str) -> tuple[str, str]:
    """``(algorithm, value)`` of a ``sovaudit:hash`` value."""
    alg, sep, digest = value.partition(" ")
    if not sep:
        raise ValueError(f"hash {value!r} is not '<algorithm> <value>'")
    return unquote(alg), digest


def parse_input(value: str) -> InputRecord:
    """The input record of a ``sovaudit:input`` value."""
    fields = value.split(" ", 4)
    if len(fields) < 4 or not fields[2].isdigit():
        raise ValueError(f"input {value!r} is not '<status> <collector> <components> <path>[ <reason>]'")
    try:
        status = InputStatus(fields[0])
    except ValueError:
        raise ValueError(f"input {value!r} has an unknown status") from None
    return InputRecord(
        status=status,
        collector=unquote(fields[1]),
        components=int(fields[2]),
        path=unquote(fields[3]),
        reason=fields[4] if len(fields) == 5 else "",
    )


@dataclass(slots=True)
class _TypedEdge:
    scopes: tuple[str, ...] | None = None  # None until its sovaudit:edge is seen
    properties: list[tuple[str, str]] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(slots=True)
class Decoded:
    """What the ``sovaudit:`` properties of one component say.

    ``properties`` are the component's own (every name not in :data:`RESERVED`), in document
    order; ``typed`` holds the typed edges by (target, relation).
    """

    layer: Layer | None = None
    kind: str = ""
    purl: str = ""
    license_declared: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    hashes: list[tuple[str, str]] = field(default_factory=list)
    properties: list[tuple[str, str]] = field(default_factory=list)
    typed: dict[tuple[str, Relation], _TypedEdge] = field(default_factory=dict)

    @property
    def encoded(self) -> bool:
        """Whether the component was written by sovaudit (it has a layer and a kind)."""
        return self.layer is not None and bool(self.kind)


def decode_component(pairs: Iterable[tuple[str, str]]) -> Decoded:
    """Sort the properties of one component into what sovaudit encoded and its own properties."""
    d = Decoded()
    for name, value in pairs:
        if name not in RESERVED:
            d.properties.append((name, value))
        elif name == LAYER:
            try:
                d.layer = Layer(value)
            except ValueError:
                raise ValueError(f"{LAYER} {value!r} is not a layer") from None
        elif name == KIND:
            d.kind = value
        elif name == PURL:
            d.purl = value
        elif name == LICENSE_DECLARED:
            d.license_declared = value
        elif name == EVIDENCE:
            ev, rest = parse_evidence(value)
            if rest:
                raise ValueError(f"evidence {value!r} has text after the collector")
            d.evidence.append(ev)
        elif name == HASH:
            d.hashes.append(parse_hash(value))
        elif name == EDGE:
            rel, scopes, target = parse_edge(value)
            d.typed.setdefault((target, rel), _TypedEdge()).scopes = scopes
        elif name == EDGE_EVIDENCE:
            rel, ev, target = parse_edge_evidence(value)
            d.typed.setdefault((target, rel), _TypedEdge()).evidence.append(ev)
        elif name == EDGE_PROPERTY:
            rel, k, v, target = parse_edge_property(value)
            d.typed.setdefault((target, rel), _TypedEdge()).properties.append((k, v))
        # INPUT belongs to the metadata, not to a component: ignored here.
    return d


def decode_edges(source: str, decoded: Decoded, depends_on: Iterable[str]) -> list[Edge]:
    """The edges of ``source``: its typed edges, and a plain depends-on for each other ``dependsOn`` target.

    ``depends_on`` and the typed targets are component ids (a caller that maps bom-refs to ids
    does so first).
    """
    edges = []
    named = set()
    for (target, rel), parts in decoded.typed.items():
        if parts.scopes is None:
            raise ValueError(f"edge details without a {EDGE} property: {rel.value} {target}")
        named.add(target)
        edges.append(
            Edge(
                source=source,
                target=target,
                relation=rel,
                scopes=parts.scopes,
                properties=tuple(parts.properties),
                evidence=tuple(parts.evidence),
            )
        )
    for target in depends_on:
        if target not in named:
            edges.append(Edge(source=source, target=target, relation=Relation.DEPENDS_ON))
    return edges
