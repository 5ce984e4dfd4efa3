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

    Linear passes instead of one search per target: strongly connected components are found
    (:func:`strongly_connected`), then in topological order every component hands its set of
    ancestors, itself included, to the components it points at, as a bitset over the nodes
    (Python integers), and a target's count is a popcount. Bits are numbered in topological
    order, so a set holds no bit above its own component's and stays short; a set lives only
    until its component is reached (a target keeps just its count), so memory follows the
    width of the graph, not its size squared. Plain lists rather than networkx: building its graphs cost more than the
    counting. ``targets=None`` counts for every node. ``uncounted`` nodes (the link stage's
    requirement hubs) pass reachability on but are not counted themselves.
    """
    order = sorted(set(nodes))
    index = {n: i for i, n in enumerate(order)}
    succ: list[list[int]] = [[] for _ in order]
    for s, t in edges:
        si, ti = index.get(s), index.get(t)
        if si is not None and ti is not None and si != ti:
            succ[si].append(ti)
    components = strongly_connected(succ)
    components.reverse()  # topological order: every component after all that reach it
    comp_of = [0] * len(order)
    bit = [0] * len(order)
    members: list[int] = []
    position = 0
    for ci, comp in enumerate(components):
        for v in comp:
            comp_of[v] = ci
            bit[v] = position
            position += 1
        members.append(((1 << len(comp)) - 1) << (position - len(comp)))
    wanted = range(len(order)) if targets is None else sorted({index[t] for t in targets if t in index})
    wanted_comps = {comp_of[v] for v in wanted}
    skipped = {index[n] for n in uncounted if n in index}
    not_counted = sum(1 << bit[v] for v in skipped)
    pending: dict[int, int] = {}  # component -> ancestors handed to it so far
    counts: dict[int, int] = {}  # wanted component -> its ancestors and members that count
    last_from = [-1] * len(components)  # skips a second edge between the same two components
    for ci, comp in enumerate(components):
        reach = pending.pop(ci, 0) | members[ci]
        if ci in wanted_comps:
            counts[ci] = (reach & ~not_counted).bit_count()
        for v in comp:
            for w in succ[v]:
                cw = comp_of[w]
                if cw != ci and last_from[cw] != ci:
                    last_from[cw] = ci
                    known = pending.get(cw)
                    pending[cw] = reach if known is None else known | reach  # shared until merged
    return {order[v]: counts[comp_of[v]] - (v not in skipped) for v in wanted}


def strongly_connected(succ: list[list[int]]) -> list[list[int]]:
    """The strongly connected components of a graph given as successor lists (Tarjan, iterative).

    Each component comes after every component it reaches (reverse topological order).
    """
    n = len(succ)
    number = [-1] * n
    low = [0] * n
    on_stack = [False] * n
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 0
    for root in range(n):
        if number[root] != -1:
            continue
        number[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        work = [(root, iter(succ[root]))]
        while work:
            v, it = work[-1]
            for w in it:
                if number[w] == -1:
                    number[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = True
                    work.append((w, iter(succ[w])))
                    break
                if on_stack[w] and number[w] < low[v]:
                    low[v] = number[w]
            else:
                work.pop()
                if work:
                    u = work[-1][0]
                    if low[v] < low[u]:
                        low[u] = low[v]
                if low[v] == number[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack[w] = False
                        comp.append(w)
                        if w == v:
                            break
                    out.append(comp)
    return out
