"""The data every stage passes on: components, edges, evidence, inventories.

Plain, frozen, slotted, keyword-only dataclasses with tuples inside, so a stage can never change
what an earlier stage produced and two equal inventories compare equal. Ordering is part of the
contract: :meth:`Inventory.normalised` sorts everything, and every emitter starts from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum


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
        return self.prop("sovaudit:unresolved") == "true"


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
        return (self.source, self.target, self.relation.value)


@dataclass(frozen=True, slots=True, kw_only=True)
class InputRecord:
    """One input the scan looked at, and what became of it."""

    path: str
    status: InputStatus
    collector: str = ""
    reason: str = ""
    components: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Inventory:
    """Components, edges and the inputs they were read from."""

    components: tuple[Component, ...] = ()
    edges: tuple[Edge, ...] = ()
    inputs: tuple[InputRecord, ...] = field(default=())

    def normalised(self) -> Inventory:
        """The same inventory with every collection in its canonical order."""
        comps = tuple(
            sorted(
                (
                    replace(
                        c,
                        hashes=tuple(sorted(set(c.hashes))),
                        properties=tuple(sorted(set(c.properties))),
                        evidence=tuple(sorted(set(c.evidence))),
                    )
                    for c in self.components
                ),
                key=lambda c: c.id,
            )
        )
        edges = tuple(
            sorted(
                (
                    replace(
                        e,
                        scopes=tuple(sorted(set(e.scopes))),
                        properties=tuple(sorted(set(e.properties))),
                        evidence=tuple(sorted(set(e.evidence))),
                    )
                    for e in self.edges
                ),
                key=lambda e: e.key,
            )
        )
        inputs = tuple(sorted(self.inputs, key=lambda i: (i.path, i.collector, i.status.value)))
        return Inventory(components=comps, edges=edges, inputs=inputs)

    @property
    def failed(self) -> tuple[InputRecord, ...]:
        return tuple(i for i in self.inputs if i.status is InputStatus.FAILED)
