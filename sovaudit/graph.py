"""StackGraph: the merged, deduplicated dependency graph of a stack. The only home of networkx.

Components are nodes keyed by id; edges are keyed by (source, target, relation). Merging keeps
every piece of evidence: when two inputs describe the same component (same id), the merged
component has the evidence of both, the union of their properties and hashes, and each empty
field filled from whichever input knew it. An edge whose endpoint no input described gets an
unresolved placeholder component, never a dangling reference; the placeholder carries the
evidence of the edges that name it (the only place it was seen), and gives it up when an input
describes the component itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from sovaudit.model import Component, Edge, Evidence, InputRecord, Inventory, Layer, Relation

if TYPE_CHECKING:
    import networkx as nx

_TEXT_FIELDS = ("version", "purl", "licenses", "license_declared", "supplier", "author", "description")


def merge_components(a: Component, b: Component) -> Component:
    """One component from two descriptions of it: a's values win, b fills the gaps."""
    if a.unresolved and not b.unresolved:
        a, b = b, a  # a concrete description wins over a placeholder, whichever came first
    if b.unresolved and not a.unresolved:
        b = replace(b, properties=tuple(p for p in b.properties if p[0] != "sovaudit:unresolved"))
    fill = {f: getattr(b, f) for f in _TEXT_FIELDS if not getattr(a, f) and getattr(b, f)}
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
    """Nodes are Components, edges are Edges; built by :meth:`merge`.

    Merging and plain queries use dictionaries; the networkx graph is built on first use of a
    graph algorithm (importing networkx costs more than merging a 300-package environment).
    """

    def __init__(self) -> None:
        self._nodes: dict[str, Component] = {}
        self._edges: dict[tuple[str, str, str], Edge] = {}
        self._placeholders: set[str] = set()  # ids of nodes made here for edge endpoints nobody described
        self._inputs: dict[tuple[str, str, str], InputRecord] = {}
        self._nx: nx.MultiDiGraph | None = None

    # -- building ------------------------------------------------------------------------------
    @classmethod
    def merge(cls, inventories: Iterable[Inventory]) -> StackGraph:
        graph = cls()
        for inv in inventories:
            graph.add(inv)
        return graph

    def add(self, inventory: Inventory) -> None:
        nodes, edges, made = self._nodes, self._edges, self._placeholders
        for c in inventory.components:
            known = nodes.get(c.id)
            if known is not None and c.id in made:
                made.discard(c.id)  # the edges' evidence shows who named it, not where it is described
                known = replace(known, evidence=()) if not c.unresolved else known
            nodes[c.id] = c if known is None else merge_components(known, c)
        named: dict[str, set[Evidence]] = {}  # placeholder id -> evidence of the edges naming it (set once, below)
        for e in inventory.edges:
            for end in (e.source, e.target):
                if end not in nodes:
                    nodes[end] = placeholder(end)
                    made.add(end)
                if end in made:
                    named.setdefault(end, set(nodes[end].evidence)).update(e.evidence)
            key = e.key
            known_edge = edges.get(key)
            edges[key] = e if known_edge is None else merge_edges(known_edge, e)
        for end, evidence in named.items():
            nodes[end] = replace(nodes[end], evidence=tuple(sorted(evidence)))
        for rec in inventory.inputs:
            self._inputs.setdefault((rec.path, rec.collector, rec.status.value), rec)
        self._nx = None

    # -- queries -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, component_id: object) -> bool:
        return component_id in self._nodes

    def component(self, component_id: str) -> Component:
        return self._nodes[component_id]

    def components(self, *, layer: Layer | None = None, kind: str | None = None) -> Iterator[Component]:
        """Components in id order, optionally of one layer and/or kind."""
        for node in sorted(self._nodes):
            c = self._nodes[node]
            if (layer is None or c.layer is layer) and (kind is None or c.kind == kind):
                yield c

    def edges(self, *, relation: Relation | None = None) -> Iterator[Edge]:
        for key in sorted(self._edges):
            e = self._edges[key]
            if relation is None or e.relation is relation:
                yield e

    def dependencies(self, component_id: str) -> list[str]:
        """Ids this component points at directly (any relation), sorted."""
        return sorted(set(self.nx.successors(component_id)))

    def dependents(self, component_id: str, *, transitive: bool = True) -> list[str]:
        """Ids of the components that reach this one (its blast radius when transitive), sorted."""
        import networkx as nx

        if transitive:
            return sorted(nx.ancestors(self.nx, component_id))
        return sorted(set(self.nx.predecessors(component_id)))

    def to_inventory(self) -> Inventory:
        return Inventory(
            components=tuple(self.components()),
            edges=tuple(self.edges()),
            inputs=tuple(self._inputs[k] for k in sorted(self._inputs)),
        ).normalised()

    @property
    def nx(self) -> nx.MultiDiGraph:
        """The graph as networkx sees it (nodes carry ``c``, edges ``e``), for graph algorithms and formats."""
        if self._nx is None:
            import networkx as nx

            g = nx.MultiDiGraph()
            for cid in sorted(self._nodes):
                g.add_node(cid, c=self._nodes[cid])
            for key in sorted(self._edges):
                g.add_edge(key[0], key[1], key=key[2], e=self._edges[key])
            self._nx = g
        return self._nx


def ancestor_counts(
    nodes: Iterable[str],
    edges: Iterable[tuple[str, str]],
    targets: Iterable[str] | None = None,
    *,
    uncounted: Iterable[str] = (),
) -> dict[str, int]:
    """For each target, how many other nodes reach it along ``edges`` (its transitive dependents).

    Linear passes instead of one search per target: strongly connected components are condensed
    (networkx), then every component's set of ancestors is built once, in topological order, as a
    bitset over the original nodes (Python integers), and a target's count is a popcount. A
    bitset is dropped as soon as nothing below still needs it, so memory follows the width of
    the graph, not its size squared. ``targets=None`` counts for every node. ``uncounted`` nodes
    (the link stage's requirement hubs) pass reachability on but are not counted themselves.
    """
    import networkx as nx

    order = sorted(set(nodes))
    index = {n: i for i, n in enumerate(order)}
    counted = ~sum(1 << index[n] for n in set(uncounted) if n in index)
    g = nx.DiGraph()
    g.add_nodes_from(range(len(order)))
    g.add_edges_from((index[s], index[t]) for s, t in edges if s in index and t in index and s != t)
    cond = nx.condensation(g)
    mapping: dict[int, int] = cond.graph["mapping"]
    members_mask: dict[int, int] = {}
    for node, scc in mapping.items():
        members_mask[scc] = members_mask.get(scc, 0) | (1 << node)
    wanted_nodes = set(range(len(order))) if targets is None else {index[t] for t in targets if t in index}
    wanted_sccs = {mapping[n] for n in wanted_nodes}
    remaining = {scc: cond.out_degree(scc) for scc in cond.nodes}
    anc: dict[int, int] = {}
    for scc in nx.topological_sort(cond):
        mask = 0
        for pred in cond.predecessors(scc):
            mask |= anc[pred] | members_mask[pred]
            remaining[pred] -= 1
            if remaining[pred] == 0 and pred not in wanted_sccs:
                del anc[pred]
        anc[scc] = mask
    return {
        order[n]: ((anc[mapping[n]] | members_mask[mapping[n]]) & ~(1 << n) & counted).bit_count() for n in wanted_nodes
    }
