"""Evaluate rule packs against an annotated graph: a closed table of operators, linear passes.

A component rule is tested once per (component, KB entry it matches) — or once with no entry —
so a field like ``kb.tags`` is true if any matched entry satisfies the whole selector, and the
message is filled from that entry. Graph selectors (``depends_on``, ``depended_on_by``,
``reachable``) compute the set of matching components once per rule with one breadth-first pass
over the graph, never one pass per component. Aggregate rules judge a layer as a whole.
A rule whose selector tests a field that is the same for a whole group of subjects (a KB field
for every subject of one entry, a component's kind or layer) tests one subject per group first
and its whole selector only on the groups that pass (:func:`candidates`): the same findings, at
the cost of the subjects that can match rather than of the whole stack per rule.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sovaudit.graph import StackGraph
from sovaudit.knowledge import Entry, KnowledgeBase, Match
from sovaudit.model import Component, Edge, Evidence, Finding, Layer, Relation
from sovaudit.rules import Rule
from sovaudit.rules.licence_class import classify, ids

#: Relations along which a dependency (and so a lock-in) propagates.
DEPENDENCY_RELATIONS = frozenset(
    {
        Relation.DEPENDS_ON,
        Relation.CONTAINS,
        Relation.BUILT_WITH,
        Relation.RUNS_ON,
        Relation.DERIVED_FROM,
        Relation.TRAINED_ON,
        Relation.STORED_IN,
        Relation.HOSTED_BY,
        Relation.OPERATED_BY,
    }
)
EU_BLOCS = frozenset({"eu", "eea"})
_PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[A-Za-z0-9:_-]+)*)\}")
MAX_AGGREGATE_EVIDENCE = 50

Subject = tuple[Component, Entry | None]
Predicate = Callable[[Subject], bool]


@dataclass(slots=True)
class Context:
    """What rules see: the graph, KB annotations and today's date (for staleness)."""

    graph: StackGraph
    kb: KnowledgeBase
    matches: Mapping[str, tuple[Match, ...]]
    today: date
    _out: dict[str, list[Edge]] = field(default_factory=dict)  # the edges themselves: no tuple per edge
    _in: dict[str, list[Edge]] = field(default_factory=dict)
    _components: list[Component] = field(default_factory=list)
    _dependents: dict[str, int] = field(default_factory=dict)
    _entries: dict[str, tuple[Entry, ...]] = field(default_factory=dict)
    _subjects: list[Subject] | None = None
    _index: dict[str, dict[Any, list[int]]] = field(default_factory=dict)
    _in_layer: dict[Layer, list[Component]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        out: dict[str, list[Edge]] = defaultdict(list)
        inc: dict[str, list[Edge]] = defaultdict(list)
        for e in self.graph.edges():
            out[e.source].append(e)
            inc[e.target].append(e)
        self._out, self._in = out, inc
        # Requirement hubs (link stage) carry blast radius through the graph but are not parts of the stack.
        self._components = [c for c in self.graph.components() if c.prop("sovaudit:hub") != "true"]

    @property
    def components(self) -> list[Component]:
        return self._components

    def entries(self, component_id: str) -> tuple[Entry, ...]:
        """The KB entries a component matches, in match order (looked up once per component:
        rules, scoring and the risk vectors ask about every component several times)."""
        found = self._entries.get(component_id)
        if found is None:
            kb_entries = self.kb.entries
            found = tuple(kb_entries[m.entry] for m in self.matches.get(component_id, ()) if m.entry in kb_entries)
            self._entries[component_id] = found
        return found

    def subjects(self) -> list[Subject]:
        """(component, entry) for every entry a component matches, or (component, None): built once."""
        if self._subjects is None:
            subjects: list[Subject] = []
            for c in self._components:
                found = self.entries(c.id)
                if found:
                    subjects.extend((c, e) for e in found)
                else:
                    subjects.append((c, None))
            self._subjects = subjects
        return self._subjects

    def subject_groups(self, path: str) -> dict[Any, list[int]]:
        """Positions in :meth:`subjects` grouped by what ``path`` depends on, built once per path.

        ``kb.*`` fields depend only on the entry (grouped by entry id, None without one);
        ``component.kind`` and ``component.layer`` by their value. A rule then tests one
        subject per group instead of every subject (see :func:`candidates`).
        """
        by = "kb" if path.startswith("kb.") else path  # every kb field: the same groups
        groups = self._index.get(by)
        if groups is None:
            groups = {}
            if by == "kb":
                for i, (_, e) in enumerate(self.subjects()):
                    groups.setdefault(e.id if e is not None else None, []).append(i)
            else:
                attr = path.partition(".")[2]
                for i, (c, _) in enumerate(self.subjects()):
                    groups.setdefault(getattr(c, attr), []).append(i)
            self._index[by] = groups
        return groups

    def resolved_in_layer(self, layer: Layer) -> list[Component]:
        """The resolved components of a layer, in id order (aggregate rules ask once per rule)."""
        found = self._in_layer.get(layer)
        if found is None:
            found = self._in_layer[layer] = [c for c in self._components if c.layer is layer and not c.unresolved]
        return found

    def reach(
        self, start: set[str], relations: frozenset[Relation], direction: str, *, direct: bool = False
    ) -> set[str]:
        """Ids reachable from ``start`` along ``relations`` (excluding the start unless reached again)."""
        forward = direction == "out"
        adj = self._out if forward else self._in
        seen: set[str] = set()
        queue = deque(start)
        while queue:
            node = queue.popleft()
            for e in adj.get(node, ()):
                nxt = e.target if forward else e.source
                if e.relation in relations and nxt not in seen:
                    seen.add(nxt)
                    if not direct:
                        queue.append(nxt)
        return seen

    def dependents(self, component_id: str) -> int:
        """How many components depend on this one, transitively (its blast radius)."""
        if component_id not in self._dependents:
            self.prepare_dependents(None)
        return self._dependents.get(component_id, 0)

    def prepare_dependents(self, component_ids: Iterable[str] | None) -> None:
        """Compute blast radii in one linear pass (for these ids, or for every component)."""
        from sovaudit.graph import ancestor_counts

        wanted = None if component_ids is None else [c for c in component_ids if c not in self._dependents]
        if wanted == []:
            return
        edges = [(e.source, e.target) for out in self._out.values() for e in out if e.relation in DEPENDENCY_RELATIONS]
        ids = self.graph_ids()
        hubs = set(ids) - {c.id for c in self._components}  # plumbing: reached through, not counted
        self._dependents.update(ancestor_counts(ids, edges, wanted, uncounted=hubs))

    def graph_ids(self) -> list[str]:
        return [c.id for c in self.graph.components()]


# -- fields ----------------------------------------------------------------------------------------
Getter = Callable[[Subject], Any]


def resolve(path: str, subject: Subject, ctx: Context) -> Any:
    """The value of a field for one subject; None when it does not apply."""
    return field_getter(path, ctx)(subject)


def field_getter(path: str, ctx: Context) -> Getter:
    """The value of one field as a function of a subject, with the path taken apart once.

    A rule tests its fields on every (component, entry) of the stack; splitting the path and
    choosing the branch per test was most of the rule engine's time. Errors (an unknown field
    or attribute) are raised when the getter is called, as :func:`resolve` always did.
    """
    head, _, rest = path.partition(".")
    if head == "component":
        return _component_getter(rest)
    if head == "kb":
        return _kb_getter(rest, ctx)
    if head == "license":
        if rest == "class":
            return lambda s: classify(s[0].licenses)
        return lambda s: list(ids(s[0].licenses))
    if head == "graph":
        if rest == "dependents":
            return lambda s: ctx.dependents(s[0].id)
        return lambda s: ctx.dependents(s[0].id) / max(1, len(ctx.components) - 1)

    def unknown(s: Subject) -> Any:
        raise ValueError(f"unknown field {path}")

    return unknown


def _component_getter(rest: str) -> Getter:
    if rest == "unresolved":
        return lambda s: s[0].unresolved
    if rest.startswith("property."):
        key = rest[len("property.") :]

        def prop(s: Subject) -> Any:
            values = [v for k, v in s[0].properties if k == key]
            return values[0] if len(values) == 1 else (values or None)

        return prop
    if rest == "layer":
        return lambda s: s[0].layer.value

    def attr(s: Subject) -> Any:
        value = getattr(s[0], rest)
        return value.value if isinstance(value, Layer) else value

    return attr


def _kb_getter(rest: str, ctx: Context) -> Getter:
    if rest == "matched":
        return lambda s: s[1] is not None
    if rest == "stale":
        return lambda s: None if s[1] is None else s[1].stale(ctx.today)
    if rest.startswith("vendor."):
        vendor_attr = rest[len("vendor.") :]

        def vendor(s: Subject) -> Any:
            if s[1] is None:
                return None
            v = ctx.kb.vendors.get(s[1].vendor)
            return getattr(v, vendor_attr) if v else None

        return vendor
    if rest.startswith("jurisdiction."):
        jurisdiction_attr = rest[len("jurisdiction.") :]

        def jurisdiction(s: Subject) -> Any:
            if s[1] is None:
                return None
            j = ctx.kb.jurisdiction_of(s[1])
            if j is None:
                return None
            value = getattr(j, jurisdiction_attr)
            return list(value) if isinstance(value, tuple) else value

        return jurisdiction

    def entry(s: Subject) -> Any:
        if s[1] is None:
            return None
        value = getattr(s[1], rest)
        return list(value) if isinstance(value, tuple) else value

    return entry


def _cmp(op: str, expected: Any) -> Callable[[Any], bool]:
    """The closed operator table."""
    match op:
        case "equals":
            return lambda v: v == expected
        case "not_equals":
            return lambda v: v is not None and v != expected
        case "in":
            allowed = list(expected)
            return lambda v: v in allowed
        case "not_in":
            banned = list(expected)
            return lambda v: v is not None and v not in banned
        case "contains":
            return lambda v: isinstance(v, list | str) and expected in v
        case "contains_any":
            wanted = list(expected)
            return lambda v: isinstance(v, list | str) and any(w in v for w in wanted)
        case "matches":
            rx = re.compile(expected)
            return lambda v: isinstance(v, str) and rx.match(v) is not None
        case "exists":
            return lambda v: (v not in (None, "", [])) == expected
        case "gt":
            return lambda v: _num(v) is not None and _num(v) > expected
        case "gte":
            return lambda v: _num(v) is not None and _num(v) >= expected
        case "lt":
            return lambda v: _num(v) is not None and _num(v) < expected
        case "lte":
            return lambda v: _num(v) is not None and _num(v) <= expected
    raise ValueError(f"unknown operator {op}")


def _num(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):  # properties are strings: "4" people, "80" GiB
        try:
            return float(v)
        except ValueError:
            return None
    return None


def compile_selector(sel: Mapping[str, Any], ctx: Context) -> Predicate:
    """A predicate over subjects. Graph selectors precompute their id set on first use."""
    if "field" in sel:
        [(op, expected)] = [(k, v) for k, v in sel.items() if k != "field"]
        test = _cmp(op, expected)
        get = field_getter(sel["field"], ctx)
        return lambda s: test(get(s))
    if "all" in sel:
        parts = [compile_selector(x, ctx) for x in sel["all"]]
        return lambda s: all(p(s) for p in parts)
    if "any" in sel:
        parts = [compile_selector(x, ctx) for x in sel["any"]]
        return lambda s: any(p(s) for p in parts)
    if "not" in sel:
        inner = compile_selector(sel["not"], ctx)
        return lambda s: not inner(s)
    if "depends_on" in sel:
        return _graph_predicate(sel["depends_on"], DEPENDENCY_RELATIONS, "in", ctx)
    if "depended_on_by" in sel:
        return _graph_predicate(sel["depended_on_by"], DEPENDENCY_RELATIONS, "out", ctx)
    if "reachable" in sel:
        spec = sel["reachable"]
        rels = frozenset(Relation(r) for r in spec["relations"])
        # "out": this component reaches a match, so search backwards from the matches.
        direction = "in" if spec.get("direction", "out") == "out" else "out"
        return _graph_predicate(spec["select"], rels, direction, ctx, direct=bool(spec.get("direct", False)))
    raise ValueError(f"unknown selector {sorted(sel)}")


#: Fields whose value is the same for every subject of a :meth:`Context.subject_groups` group.
_GROUPED_COMPONENT_FIELDS = frozenset({"component.kind", "component.layer"})


def candidates(sel: Mapping[str, Any], ctx: Context) -> list[Subject]:
    """The subjects that may satisfy ``sel``, in :meth:`Context.subjects` order: never fewer.

    Almost every rule tests first a field that is the same for a whole group of subjects (the
    KB category of the entry, the kind of component): when ``sel`` is such a test, or an
    ``all`` with one, only the groups whose representative passes it can match, and the rule
    evaluates its whole selector on those alone. Without such a test: every subject.
    """
    parts = sel.get("all", [sel])
    best: list[int] | None = None
    for part in parts:
        path = part.get("field") if isinstance(part, Mapping) else None
        if not isinstance(path, str) or not (path.startswith("kb.") or path in _GROUPED_COMPONENT_FIELDS):
            continue
        test = compile_selector(part, ctx)
        subjects = ctx.subjects()
        kept = [i for positions in ctx.subject_groups(path).values() if test(subjects[positions[0]]) for i in positions]
        if best is None or len(kept) < len(best):
            best = kept
    if best is None:
        return ctx.subjects()
    subjects = ctx.subjects()
    return [subjects[i] for i in sorted(best)]


def _graph_predicate(
    inner_sel: Mapping[str, Any], rels: frozenset[Relation], direction: str, ctx: Context, *, direct: bool = False
) -> Predicate:
    inner = compile_selector(inner_sel, ctx)
    cache: list[set[str]] = []

    def members() -> set[str]:
        if not cache:
            start = {c.id for c, e in candidates(inner_sel, ctx) if inner((c, e))}
            cache.append(ctx.reach(start, rels, direction, direct=direct))
        return cache[0]

    return lambda s: s[0].id in members()


def check_selectors(rule: Rule) -> str:
    """Problems the schema cannot see (bad regexes); empty when fine."""

    def walk(sel: Any) -> str:
        if isinstance(sel, dict):
            if "matches" in sel:
                try:
                    re.compile(sel["matches"])
                except re.error as err:
                    return f"bad pattern {sel['matches']!r}: {err}"
            for v in sel.values():
                problem = walk(v)
                if problem:
                    return problem
        elif isinstance(sel, list):
            for v in sel:
                problem = walk(v)
                if problem:
                    return problem
        return ""

    return walk(rule.select) or walk(rule.aggregate)


# -- messages ----------------------------------------------------------------------------------------
def render_message(template: str, values: Callable[[str], Any]) -> str:
    """Fill ``{field}`` placeholders (no format-string features: packs are untrusted)."""

    def sub(m: re.Match[str]) -> str:
        try:
            v = values(m.group(1))
        except (AttributeError, ValueError, KeyError):
            return m.group(0)
        if v is None:
            return "?"
        if isinstance(v, list):
            return ", ".join(str(x) for x in v) or "none"
        return str(v)

    return _PLACEHOLDER.sub(sub, template)


# -- evaluation --------------------------------------------------------------------------------------
def evaluate(rules: Iterable[Rule], ctx: Context) -> list[Finding]:
    """Every finding of every rule, sorted by id."""
    findings: dict[str, Finding] = {}
    for rule in rules:
        produced = _aggregate(rule, ctx) if rule.is_aggregate else _component_rule(rule, ctx)
        for f in produced:
            findings.setdefault(f.id, f)
    return [findings[k] for k in sorted(findings)]


def _component_rule(rule: Rule, ctx: Context) -> list[Finding]:
    """One finding per KB entry (all the components that are that product, counted once) or,
    for components no entry matches, one per component."""
    pred = compile_selector(rule.select, ctx)
    subjects = candidates(rule.select, ctx)
    groups: dict[str, list[Subject]] = {}
    # The ids already in each group: a component is counted once per group, and looking it up
    # in the group's list made a rule quadratic in the components one KB entry matches.
    member_ids: dict[str, set[str]] = {}
    for subject in subjects:
        c, e = subject
        key = e.id if e is not None else c.id
        ids_in = member_ids.get(key)
        if ids_in is not None and c.id in ids_in:
            continue
        if not pred(subject):
            continue
        if ids_in is None:
            groups[key] = [subject]
            member_ids[key] = {c.id}
        else:
            groups[key].append(subject)
            ids_in.add(c.id)
    out = []
    for key, members in groups.items():
        members.sort(key=lambda s: s[0].id)
        first = members[0]
        c, e = first
        values = lambda p, s=first: resolve(p, s, ctx)  # noqa: E731
        message = render_message(rule.message, values)
        if len(members) > 1:
            names = ", ".join(m[0].name for m in members[1:6]) + (" …" if len(members) > 6 else "")
            message += f" (also: {names})"
        # The layer a finding counts against must not depend on which inputs happened to be
        # scanned: a KB product always counts in its own first layer (AWS: operational).
        layer = rule.layer or (e.layers[0] if e is not None and e.layers else c.layer)
        out.append(
            Finding(
                id=f"{rule.id}:{key}",
                rule=rule.id,
                pack=rule.pack,
                layer=layer,
                severity=rule.severity,
                dimension=rule.dimension,
                title=rule.title,
                message=message,
                remediation=render_message(rule.remediation, values),
                components=tuple(m[0].id for m in members),
                evidence=tuple(sorted({ev for m in members for ev in m[0].evidence})),
                references=rule.references,
                kb_entries=(e.id,) if e else (),
                gate=rule.gate,
            )
        )
    return out


def supplier_of(c: Component, ctx: Context) -> str:
    found = ctx.entries(c.id)
    if found:
        v = ctx.kb.vendors.get(found[0].vendor)
        if v:
            return v.name
    return c.supplier


def bloc_of(c: Component, ctx: Context) -> str:
    for e in ctx.entries(c.id):
        j = ctx.kb.jurisdiction_of(e)
        if j is not None:
            return j.bloc
    return ""


def _aggregate(rule: Rule, ctx: Context) -> list[Finding]:
    spec = rule.aggregate
    pred = compile_selector(spec["select"], ctx) if "select" in spec else None
    findings = []
    for layer in rule.layers:
        in_layer = ctx.resolved_in_layer(layer)
        counted = [c for c in in_layer if pred is None or any(pred((c, e)) for e in _entries_or_none(ctx, c.id))]
        if len(in_layer) < int(spec.get("min_components", 1)):
            continue  # too little in the layer to judge it
        if spec["measure"] != "count" and not counted:
            continue
        measure, concerned, extra = _measure(spec["measure"], counted, ctx)
        if measure is None or not _threshold(spec, measure):
            continue
        extras = {
            "measure": round(measure, 3),
            "measure_pct": f"{measure * 100:.0f}%",
            "count": len(concerned),
            "total": len(in_layer),
            "layer": layer.value,
            **extra,
        }
        values = lambda p, x=extras: x[p]  # noqa: E731
        # An absence (no exit plan) is shown by the files that describe the layer.
        shown = concerned or in_layer
        # sorted(...)[:N] without sorting every piece of evidence of a layer of 100,000 components
        evidence = heapq.nsmallest(MAX_AGGREGATE_EVIDENCE, {ev for c in shown for ev in c.evidence})
        findings.append(
            Finding(
                id=f"{rule.id}:{layer.value}",
                rule=rule.id,
                pack=rule.pack,
                layer=layer,
                severity=rule.severity,
                dimension=rule.dimension,
                title=rule.title,
                message=render_message(rule.message, values),
                remediation=render_message(rule.remediation, values),
                components=tuple(sorted(c.id for c in concerned)),
                evidence=tuple(evidence),
                references=rule.references,
                aggregate=True,
                gate=rule.gate,
            )
        )
    return findings


def _entries_or_none(ctx: Context, component_id: str) -> tuple[Entry | None, ...]:
    return ctx.entries(component_id) or (None,)


def _threshold(spec: Mapping[str, Any], v: float) -> bool:
    checks = {"gt": v.__gt__, "gte": v.__ge__, "lt": v.__lt__, "lte": v.__le__}
    return all(checks[k](spec[k]) for k in checks if k in spec)


def _measure(name: str, counted: list[Component], ctx: Context) -> tuple[float | None, list[Component], dict[str, Any]]:
    if name == "count":
        return float(len(counted)), counted, {}
    if name == "unassessed-share":
        unassessed = [c for c in counted if not ctx.entries(c.id)]
        return len(unassessed) / len(counted), unassessed, {}
    if name == "non-eu-share":
        known = [(c, bloc_of(c, ctx)) for c in counted]
        known = [(c, b) for c, b in known if b]
        if not known:
            return None, [], {}
        outside = [c for c, b in known if b not in EU_BLOCS]
        return len(outside) / len(known), outside, {}
    suppliers: Counter[str] = Counter()
    by_supplier: dict[str, list[Component]] = defaultdict(list)
    for c in counted:
        s = supplier_of(c, ctx)
        if s:
            suppliers[s] += 1
            by_supplier[s].append(c)
    total = sum(suppliers.values())
    if not total:
        return None, [], {}
    if name == "largest-supplier-share":
        top, n = sorted(suppliers.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        return n / total, by_supplier[top], {"supplier": top}
    if name == "supplier-hhi":
        hhi = sum((n / total) ** 2 for n in suppliers.values()) * 10_000
        top = sorted(suppliers.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        return hhi, [c for s in sorted(by_supplier) for c in by_supplier[s]], {"supplier": top}
    raise ValueError(f"unknown measure {name}")


def evidence_of(findings: Iterable[Finding]) -> set[Evidence]:
    return {ev for f in findings for ev in f.evidence}
