"""StackGraph: the merged, deduplicated dependency graph of a stack. The only home of networkx.

Components are nodes keyed by id; edges are keyed by (source, target, relation). Merging keeps
every piece of evidence: when two inputs describe the same component (same id), the merged
component has the evidence of both, the union of their properties and hashes, and each empty
field filled from whichever input knew it. An edge whose endpoint no input described gets an
unresolved placeholder component, never a dangling reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from sovaudit.model import Component, Edge, InputRecord, Inventory, Layer, Relation

if TYPE_CHECKING:
    import networkx as nx

_TEXT_FIELDS = ("version", "purl", "licenses", "license_declared", "supplier", "author", "description")


def merge_components(a: Component, b: Component) -> Component:
    """One component from two descriptions of it: a's values win, b fills the gaps."""
    fill = {f: getattr(b, f) for f in _TEXT_FIELDS if not getattr(a, f) and getattr(b, f)}
    if a.unresolved and not b.unresolved:
        # A concrete description replaces a placeholder.
        a, b = b, a
        fill = {f: getattr(b, f) for f in _TEXT_FIELDS if not getattr(a, f) and getattr(b, f)}
        b = replace(b, properties=tuple(p for p in b.properties if p[0] != "sovaudit:unresolved"))
    return replace(
        a,
        **fill,
        hashes=tuple(sorted(set(a.hashes) | set(b.hashes))),
        properties=tuple(sorted(set(a.properties) | set(b.properties))),
        evidence=tuple(sorted(set(a.evidence) | set(b.evidence))),
    )


def merge_edges(a: Edge, b: Edge) -> Edge:
    return replace(
        a,
        scopes=tuple(sorted(set(a.scopes) | set(b.scopes))),
        properties=tuple(sorted(set(a.properties) | set(b.properties))),
        evidence=tuple(sorted(set(a.evidence) | set(b.evidence))),
    )


def placeholder(component_id: str) -> Component:
    """The unresolved component an edge points at when no input described its target."""
    layer = Layer.SOFTWARE
    kind = "package"
    name = component_id
    version = ""
    purl = ""
    if component_id.startswith("pkg:"):
        purl = component_id
        tail = component_id.split("/", 1)[-1].split("?", 1)[0].split("#", 1)[0]
        name, _, version = tail.rpartition("@") if "@" in tail else (tail, "", "")
        name = name.rsplit("/", 1)[-1]
    else:
        head, _, rest = component_id.partition("/")
        if head in Layer._value2member_map_ and "/" in rest:
            layer = Layer(head)
            kind, _, tail = rest.partition("/")
            name, _, version = tail.partition("@")
    return Component(
        id=component_id,
        layer=layer,
        kind=kind,
        name=name,
        version=version,
        purl=purl,
        properties=(("sovaudit:unresolved", "true"),),
    )


class StackGraph:
    """Nodes are Components, edges are Edges; built by :meth:`merge`."""

    def __init__(self) -> None:
        import networkx as nx

        self._g: nx.MultiDiGraph = nx.MultiDiGraph()
        self._inputs: dict[tuple[str, str, str], InputRecord] = {}

    # -- building ------------------------------------------------------------------------------
    @classmethod
    def merge(cls, inventories: Iterable[Inventory]) -> StackGraph:
        graph = cls()
        for inv in inventories:
            graph.add(inv)
        return graph

    def add(self, inventory: Inventory) -> None:
        g = self._g
        for c in inventory.components:
            if c.id in g:
                g.nodes[c.id]["c"] = merge_components(g.nodes[c.id]["c"], c)
            else:
                g.add_node(c.id, c=c)
        for e in inventory.edges:
            for end in (e.source, e.target):
                if end not in g:
                    g.add_node(end, c=placeholder(end))
            key = e.relation.value
            if g.has_edge(e.source, e.target, key):
                data = g.edges[e.source, e.target, key]
                data["e"] = merge_edges(data["e"], e)
            else:
                g.add_edge(e.source, e.target, key=key, e=e)
        for rec in inventory.inputs:
            self._inputs.setdefault((rec.path, rec.collector, rec.status.value), rec)

    # -- queries -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self._g.number_of_nodes())

    def __contains__(self, component_id: object) -> bool:
        return component_id in self._g

    def component(self, component_id: str) -> Component:
        c: Component = self._g.nodes[component_id]["c"]
        return c

    def components(self, *, layer: Layer | None = None, kind: str | None = None) -> Iterator[Component]:
        """Components in id order, optionally of one layer and/or kind."""
        for node in sorted(self._g.nodes):
            c: Component = self._g.nodes[node]["c"]
            if (layer is None or c.layer is layer) and (kind is None or c.kind == kind):
                yield c

    def edges(self, *, relation: Relation | None = None) -> Iterator[Edge]:
        for _, _, data in sorted(self._g.edges(data=True), key=lambda t: t[2]["e"].key):
            e: Edge = data["e"]
            if relation is None or e.relation is relation:
                yield e

    def dependencies(self, component_id: str) -> list[str]:
        """Ids this component points at directly (any relation), sorted."""
        return sorted(set(self._g.successors(component_id)))

    def dependents(self, component_id: str, *, transitive: bool = True) -> list[str]:
        """Ids of the components that reach this one (its blast radius when transitive), sorted."""
        import networkx as nx

        if transitive:
            return sorted(nx.ancestors(self._g, component_id))
        return sorted(set(self._g.predecessors(component_id)))

    def to_inventory(self) -> Inventory:
        return Inventory(
            components=tuple(self.components()),
            edges=tuple(self.edges()),
            inputs=tuple(self._inputs[k] for k in sorted(self._inputs)),
        ).normalised()

    @property
    def nx(self) -> nx.MultiDiGraph:
        """The underlying graph, read-only by convention (emitters of graph formats use it)."""
        return self._g
