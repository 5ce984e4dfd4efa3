"""The data every stage passes on: components, edges, evidence, inventories.

Plain, frozen, slotted, keyword-only dataclasses with tuples inside, so a stage can never change
what an earlier stage produced and two equal inventories compare equal. Ordering is part of the
contract: :meth:`Inventory.normalised` sorts everything, and every emitter starts from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import IntEnum, StrEnum
from operator import attrgetter
from typing import TypeVar

T = TypeVar("T")


class Layer(StrEnum):
    """The five layers of an HPC/AI stack."""

    COMPUTE = "compute"
    DATA = "data"
    SOFTWARE = "software"
    MODEL = "model"
    OPERATIONAL = "operational"


class Relation(StrEnum):
    """What an edge says about its source and target."""

    DEPENDS_ON = "depends-on"
    CONTAINS = "contains"
    RUNS_ON = "runs-on"
    BUILT_WITH = "built-with"
    TRAINED_ON = "trained-on"
    DERIVED_FROM = "derived-from"
    STORED_IN = "stored-in"
    HOSTED_BY = "hosted-by"
    OPERATED_BY = "operated-by"
    #: The same software seen through two package managers (openmpi from Spack and from dpkg).
    SAME_AS = "same-as"


class InputStatus(StrEnum):
    """What happened to one input the scan was offered."""

    READ = "read"
    SKIPPED = "skipped"
    FAILED = "failed"


#: Dependency scopes an edge may carry (Spack deptypes, Python extras, dev groups ...).
SCOPES = ("build", "link", "run", "test", "dev", "optional")

Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True, kw_only=True, order=True)
class Evidence:
    """Where a fact came from: a file (relative to what was scanned) and a place in it."""

    path: str
    collector: str
    line: int = 0  # 1-based; 0 = not line-addressable
    pointer: str = ""  # JSON pointer, TOML key path or member name when there is no line

    def describe(self) -> str:
        where = f":{self.line}" if self.line else (f"#{self.pointer}" if self.pointer else "")
        return f"{self.path}{where}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Component:
    """One thing a stack is made of, in one of the five layers.

    ``id`` is stable across runs and inputs: the purl where one exists, else
    ``layer/kind/name@version``. ``licenses`` is an SPDX expression or empty (unknown, never
    guessed); ``license_declared`` keeps the raw text when it differs from the expression.
    """

    id: str
    layer: Layer
    kind: str
    name: str
    version: str = ""
    purl: str = ""
    licenses: str = ""
    license_declared: str = ""
    supplier: str = ""
    author: str = ""
    description: str = ""
    hashes: Pairs = ()  # (algorithm, hex digest), e.g. ("SHA-256", "ab12...")
    properties: Pairs = ()  # ("python:installer", "pip"); namespaced keys, sorted
    evidence: tuple[Evidence, ...] = ()

    def prop(self, key: str, default: str = "") -> str:
        """The first value of property ``key``."""
        for k, v in self.properties:
            if k == key:
                return v
        return default

    @property
    def unresolved(self) -> bool:
        """A reference that no input could resolve to a concrete component."""
        return _UNRESOLVED in self.properties  # a tuple search in C: asked of every component, often


_UNRESOLVED = ("sovaudit:unresolved", "true")


def component_id(layer: Layer, kind: str, name: str, version: str = "", purl: str = "") -> str:
    """The identity rule of :class:`Component`."""
    if purl:
        return purl
    return f"{layer.value}/{kind}/{name}@{version}" if version else f"{layer.value}/{kind}/{name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Edge:
    """A typed relation between two components, by id."""

    source: str
    target: str
    relation: Relation
    scopes: tuple[str, ...] = ()
    properties: Pairs = ()
    evidence: tuple[Evidence, ...] = ()

    @property
    def key(self) -> tuple[str, str, str]:
        # ``_value_`` is the member's value as a plain attribute: ``.value`` is a property that
        # costs six times as much, and a 100,000-component audit asks for 2.5 million keys.
        return (self.source, self.target, self.relation._value_)


@dataclass(frozen=True, slots=True, kw_only=True)
class InputRecord:
    """One input the scan looked at, and what became of it."""

    path: str
    status: InputStatus
    collector: str = ""
    reason: str = ""
    components: int = 0


def _canon(items: tuple[T, ...]) -> tuple[T, ...]:
    if len(items) < 2:
        return items
    out = tuple(sorted(set(items)))  # type: ignore[type-var]
    return items if out == items else out


def _canonical_component(c: Component) -> Component:
    if len(c.hashes) < 2 and len(c.properties) < 2 and len(c.evidence) < 2:
        return c  # nothing to order (most components of most stacks)
    h, p, ev = _canon(c.hashes), _canon(c.properties), _canon(c.evidence)
    if h is c.hashes and p is c.properties and ev is c.evidence:
        return c
    return replace(c, hashes=h, properties=p, evidence=ev)


def _canonical_edge(e: Edge) -> Edge:
    if len(e.scopes) < 2 and len(e.properties) < 2 and len(e.evidence) < 2:
        return e  # nothing to order (most edges)
    s, p, ev = _canon(e.scopes), _canon(e.properties), _canon(e.evidence)
    if s is e.scopes and p is e.properties and ev is e.evidence:
        return e
    return replace(e, scopes=s, properties=p, evidence=ev)


_COMPONENT_ORDER = attrgetter("id")
_EDGE_ORDER = attrgetter("source", "target", "relation")


@dataclass(frozen=True, slots=True, kw_only=True)
class Inventory:
    """Components, edges and the inputs they were read from."""

    components: tuple[Component, ...] = ()
    edges: tuple[Edge, ...] = ()
    inputs: tuple[InputRecord, ...] = field(default=())
    #: Set by :meth:`normalised` on what it returns, so that normalising again costs nothing (a
    #: scan used to sort the same 100,000 edges four times). Not an argument and not copied by
    #: ``dataclasses.replace``: an inventory built any other way is not known to be canonical.
    canonical: bool = field(default=False, init=False, compare=False, repr=False)

    def normalised(self) -> Inventory:
        """The same inventory with every collection in its canonical order (itself when it is already)."""
        if self.canonical:
            return self
        comps = tuple(sorted(map(_canonical_component, self.components), key=_COMPONENT_ORDER))
        # StrEnum members compare as their values: the same order as Edge.key, without building it.
        edges = tuple(sorted(map(_canonical_edge, self.edges), key=_EDGE_ORDER))
        inputs = tuple(sorted(self.inputs, key=lambda i: (i.path, i.collector, i.status.value)))
        out = Inventory(components=comps, edges=edges, inputs=inputs)
        object.__setattr__(out, "canonical", True)  # frozen: set once, here
        return out

    @property
    def failed(self) -> tuple[InputRecord, ...]:
        return tuple(i for i in self.inputs if i.status is InputStatus.FAILED)


class Severity(IntEnum):
    """How much a finding matters; compares with >= for thresholds (--fail-on high)."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"{text!r} is not a severity ({', '.join(m.name.lower() for m in cls)})") from None

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One rule's verdict on one component (or on a whole layer, for aggregate rules)."""

    id: str  # "<rule>:<component id or layer>": stable across runs, the key waivers use
    rule: str
    pack: str
    layer: Layer
    severity: Severity
    #: jurisdiction | openness | substitutability | concentration | export-control | governance | unassessed
    dimension: str
    title: str
    message: str
    remediation: str = ""
    components: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    references: tuple[str, ...] = ()
    kb_entries: tuple[str, ...] = ()
    aggregate: bool = False  # a verdict on a whole layer (concentration, unassessed share ...)
    gate: bool = False  # the rule is a hard gate: any such finding fails `audit` whatever the score
    waiver: str = ""  # justification of the waiver that applies, "" when none
