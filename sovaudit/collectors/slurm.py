"""Slurm: ``slurm.conf`` (with ``Include``), ``gres.conf``, ``sinfo --json`` / ``scontrol show nodes
--json`` (every data_parser version), and the text of ``scontrol show partition|node`` and
``sinfo -o %all``.

What becomes of a cluster (``<cluster>/`` prefixes names when ``ClusterName`` is known):

* the **scheduler**: ``operational/scheduler/slurm[@<version>]`` (the version only where the input
  says, i.e. the JSON ``meta`` and ``sinfo`` output; ``slurm.conf`` does not), supplier SchedMD,
  with ``slurm:cluster``, ``net:host`` (the controller), ``slurm:select-type``, ``slurm:switch-type``;
* a **node group** per ``NodeName`` line (``compute/node-group/<cluster>/gpu[001-128]``), or, for
  the JSON and text outputs, per set of nodes with the same hardware, named by the compressed host
  list. ``compute:count`` is the number of hosts, counted without expanding the expression; the
  hardware is in ``slurm:cpus``, ``slurm:sockets``, ``slurm:cores-per-socket``,
  ``slurm:threads-per-core``, ``slurm:real-memory`` (MB), ``slurm:features``, ``slurm:gres``.
  One component per host only when asked (``per_host=True``), never by default;
* ``contains`` edges from each node group to: an **accelerator** per GPU-like GRES
  (``compute/accelerator/gpu:a100``, named by its type, the per-node count as the edge's
  ``compute:count``, the component's ``compute:count`` the cluster total; the supplier from
  ``gres.conf``'s ``AutoDetect`` (nvml NVIDIA, rsmi AMD, oneapi Intel, nrt Amazon), device files
  (``/dev/nvidia*``) or a well-known type name (``a100``, ``mi250x``) — never guessed otherwise);
  an **interconnect** per fabric its features, GRES or ``SwitchType`` name (``ib``/``hdr``/``ndr`` →
  infiniband, ``slingshot``/``cxi``, ``roce``, ``opa``/``omnipath``, ``efa``, ``bxi``, ``tofu``,
  ``nvlink``); a **cpu-target** per feature that is an archspec microarchitecture or a code name
  of one (``zen3``, ``milan`` → zen3, ``sapphirerapids``) — the id the Spack collector uses;
* a **partition** per ``PartitionName`` (``operational/partition/<cluster>/<name>``) with
  ``runs-on`` edges to the node groups it covers (``Nodes=ALL``, host lists, NodeSet names) and a
  ``contains`` edge from the scheduler.

``Include`` lines are followed relative to the including file's folder, never out of the scanned
tree; an absolute path is looked up from the scanned root first (what ``--host`` needs, where the
root is ``/``), then by its trailing components under the including file's folder (``Include
/etc/slurm/nodes.d/gpu.conf`` finds ``nodes.d/gpu.conf`` beside a copied ``slurm.conf``). A loop,
or nesting deeper than 16, is an InputError naming the chain; a missing file is a failed input
record and the rest is read.
"""

from __future__ import annotations

import contextlib
import fnmatch
import importlib
import json
import re
import shlex
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sovaudit.collectors import hostlist
from sovaudit.collectors.interface import Collector
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import (
    Component,
    Edge,
    Evidence,
    InputRecord,
    InputStatus,
    Inventory,
    Layer,
    Relation,
    component_id,
)

MAX_INCLUDE_DEPTH = 16
MAX_INCLUDED_FILES = 256
#: Hosts expanded at most per file, to map partitions to node groups.
MAX_EXPANDED_HOSTS = 1_000_000

#: GRES names that are devices of their own (not mps/shard shares of a GPU).
ACCELERATOR_GRES = {"gpu", "fpga", "ve", "npu", "ipu", "hpu", "tpu", "neuron", "aiu"}
_AUTODETECT = {"nvml": "NVIDIA", "nvidia": "NVIDIA", "rsmi": "AMD", "oneapi": "Intel", "nrt": "Amazon"}
_TYPE_SUPPLIERS = (
    (
        re.compile(
            r"^(nvidia|tesla|geforce|quadro|titan|rtx|gtx|[abhlptvk]\d{1,3}s?\b|[abhlptvk]\d{1,3}[_-]|gh\d|gb\d|b\d00|dgx)",
            re.I,
        ),
        "NVIDIA",
    ),
    (re.compile(r"^(amd|instinct|radeon|mi\d{2,3})", re.I), "AMD"),
    (re.compile(r"^(intel|gaudi|pvc|max_?\d{3,4}|flex|arc)", re.I), "Intel"),
)
_INTERCONNECTS = (
    (re.compile(r"^(ib|infiniband|[efhnx]dr|[efhnx]dr\d+|ib\d+|[efhnx]drib|mlx\d*|connectx\d*)$", re.I), "infiniband"),
    (re.compile(r"^(slingshot\d*|ss\d{2}|cxi|cassini|hsn)$", re.I), "slingshot"),
    (re.compile(r"^(roce|rocev2)$", re.I), "roce"),
    (re.compile(r"^(opa|omni-?path|opa\d+)$", re.I), "omni-path"),
    (re.compile(r"^efa$", re.I), "efa"),
    (re.compile(r"^bxi\d*$", re.I), "bxi"),
    (re.compile(r"^tofu\w*$", re.I), "tofu"),
    (re.compile(r"^(nvlink|nvswitch|nvl\d+)$", re.I), "nvlink"),
    (re.compile(r"^aries$", re.I), "aries"),
)
_SWITCH_TYPES = {"switch/hpe_slingshot": "slingshot", "switch/cray_aries": "aries", "switch/nrt": "ibm-nrt"}
#: CPU code names used as node features -> archspec target.
_CODE_NAMES = {
    "naples": "zen",
    "rome": "zen2",
    "milan": "zen3",
    "milanx": "zen3",
    "genoa": "zen4",
    "genoax": "zen4",
    "bergamo": "zen4",
    "turin": "zen5",
    "spr": "sapphirerapids",
    "icx": "icelake",
    "clx": "cascadelake",
    "skx": "skylake_avx512",
    "grace": "neoverse_v2",
    "graviton2": "neoverse_n1",
    "graviton3": "neoverse_v1",
    "graviton4": "neoverse_v2",
}
_SCHEDMD = "SchedMD"


# -- the key=value line format -------------------------------------------------------------------
@dataclass(slots=True)
class ConfLine:
    path: TreePath
    line: int
    pairs: list[tuple[str, str]]  # (lower-case key, value), in order

    def get(self, key: str, default: str = "") -> str:
        for k, v in self.pairs:
            if k == key:
                return v
        return default

    @property
    def head(self) -> str:
        return self.pairs[0][0] if self.pairs else ""


def _strip_comment(line: str) -> str:
    out = []
    i = 0
    while i < len(line):
        c = line[i]
        if c == "\\" and i + 1 < len(line) and line[i + 1] == "#":
            out.append("#")
            i += 2
            continue
        if c == "#":
            break
        out.append(c)
        i += 1
    return "".join(out)


def _pairs(text: str) -> list[tuple[str, str]]:
    try:
        words = shlex.split(text, posix=True)
    except ValueError:
        words = text.split()
    pairs = []
    for w in words:
        key, sep, value = w.partition("=")
        if not sep:
            pairs.append((key.lower(), ""))
        else:
            pairs.append((key.strip().lower(), value.strip()))
    return pairs


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each line, comments removed and ``\\`` continuations joined."""
    pending: list[str] = []
    start = 0
    for n, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw).rstrip()
        if not pending:
            start = n
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        pending.append(line)
        joined = " ".join(p.strip() for p in pending).strip()
        pending = []
        if joined:
            yield start, joined
    if pending:
        joined = " ".join(p.strip() for p in pending).strip()
        if joined:
            yield start, joined


@dataclass(slots=True)
class _ConfReader:
    """Reads a conf file and its Includes, guarding against loops, depth and fan-out."""

    collector: str
    records: list[InputRecord] = field(default_factory=list)
    files: int = 0

    def read(self, path: TreePath, chain: tuple[TreePath, ...] = ()) -> list[ConfLine]:
        if path in chain:
            names = " -> ".join(p.display() for p in (*chain, path))
            raise InputError(chain[0].display(), f"Include loop: {names}")
        if len(chain) >= MAX_INCLUDE_DEPTH:
            raise InputError(
                chain[0].display(), f"Include nesting deeper than {MAX_INCLUDE_DEPTH} files at {path.display()}"
            )
        self.files += 1
        if self.files > MAX_INCLUDED_FILES:
            raise InputError(
                (chain[0] if chain else path).display(), f"more than {MAX_INCLUDED_FILES} files through Include"
            )
        text = path.read_text()
        out: list[ConfLine] = []
        for n, line in logical_lines(text):
            m = re.match(r"(?i)include\s+(\S.*)$", line)
            if m and "=" not in line.split()[0]:
                target = m.group(1).strip().strip('"')
                for inc in self._resolve(path, target, n):
                    if inc in (*chain, path):
                        names = " -> ".join(p.display() for p in (*chain, path, inc))
                        raise InputError((chain[0] if chain else path).display(), f"Include loop: {names}")
                    try:
                        out.extend(self.read(inc, (*chain, path)))
                    except InputError as err:
                        if (
                            "Include loop" in err.reason
                            or "Include nesting" in err.reason
                            or "through Include" in err.reason
                        ):
                            raise
                        self.records.append(
                            InputRecord(
                                path=err.path, status=InputStatus.FAILED, collector=self.collector, reason=err.reason
                            )
                        )
                    else:
                        self.records.append(
                            InputRecord(path=inc.display(), status=InputStatus.READ, collector=self.collector)
                        )
                continue
            out.append(ConfLine(path=path, line=n, pairs=_pairs(line)))
        return out

    def _resolve(self, including: TreePath, target: str, line: int) -> list[TreePath]:
        folder = including.parent
        parts = [p for p in target.split("/") if p and p != "."]
        candidates: list[TreePath] = []
        if target.startswith("/"):
            candidates.append(_from_root(including, parts))  # the tree is the file system (--host)
            for i in range(1, len(parts)):  # the trailing components, under the including file's folder
                candidates.append(_join(folder, parts[i:]))
        else:
            candidates.append(_join(folder, parts))
        for cand in candidates:
            hits = _glob(cand) if any(c in cand.name for c in "*?[") else ([cand] if cand.is_file() else [])
            if hits:
                return hits
        self.records.append(
            InputRecord(
                path=candidates[0].display() if candidates else target,
                status=InputStatus.FAILED,
                collector=self.collector,
                reason=f"named by Include on line {line} of {including.display()}, but not found in the scanned tree",
            )
        )
        return []


def _join(base: TreePath, parts: list[str]) -> TreePath:
    out = base
    for p in parts:
        out = out / p
    return out


def _from_root(path: TreePath, parts: list[str]) -> TreePath:
    base = path
    for _ in path.rel.parts:
        base = base.parent
    return _join(base, parts)


def _glob(pattern: TreePath) -> list[TreePath]:
    folder = pattern.parent
    if not folder.is_dir():
        return []
    return [p for p in folder.iterdir() if fnmatch.fnmatchcase(p.name, pattern.name) and p.is_file()]


# -- shared builders -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Gres:
    name: str
    type: str
    count: int

    @property
    def label(self) -> str:
        return f"{self.name}:{self.type}" if self.type else self.name


def parse_gres(text: str) -> list[Gres]:
    """``gpu:a100:4(S:0-1),mps:400,gpu:2`` -> Gres entries (counts with K/M/G suffixes expanded)."""
    out = []
    depth = 0
    cur: list[str] = []
    items: list[str] = []
    for c in text:
        if c == "(":
            depth += 1
        elif c == ")":
            depth = max(depth - 1, 0)
        if c == "," and depth == 0:
            items.append("".join(cur))
            cur = []
        else:
            cur.append(c)
    items.append("".join(cur))
    for item in items:
        item = re.sub(r"\([^()]*\)", "", item).strip()  # not (.*?): quadratic on "((((..." with no ")"
        if not item or item.lower() in ("(null)", "n/a", "none"):
            continue
        parts = [p for p in item.split(":") if p and p.lower() != "no_consume"]
        name = parts[0].lower()
        count = 1
        if len(parts) > 1 and re.fullmatch(r"\d{1,18}[kKmMgG]?", parts[-1]):  # a longer "count" is no count
            count = _scaled(parts[-1])
            parts = parts[:-1]
        out.append(Gres(name=name, type=":".join(parts[1:]), count=count))
    return out


def _scaled(text: str) -> int:
    mult = {"k": 1024, "m": 1024**2, "g": 1024**3}.get(text[-1].lower(), 1)
    return int(text.rstrip("kKmMgG")) * mult


def type_supplier(gres_type: str) -> str:
    for pattern, supplier in _TYPE_SUPPLIERS:
        if pattern.search(gres_type):
            return supplier
    return ""


def interconnect_of(token: str) -> str:
    for pattern, name in _INTERCONNECTS:
        if pattern.match(token):
            return name
    return ""


def cpu_target_of(feature: str) -> str:
    key = feature.lower().replace("-", "_")
    key = _CODE_NAMES.get(key, key)
    targets = importlib.import_module("archspec.cpu").TARGETS
    known = targets.get(key)
    if known is None or str(known.vendor) == "generic":
        return ""  # generic ISA levels (x86_64_v3) say little about the hardware
    return key


def _csv(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip() and v.strip() not in ("(null)", "N/A")]
    return []


@dataclass(slots=True)
class NodeGroup:
    """Nodes with the same hardware: from one NodeName line, or grouped from a listing."""

    expr: str
    count: int
    evidence: Evidence
    hardware: dict[str, str] = field(default_factory=dict)
    features: list[str] = field(default_factory=list)
    gres: list[Gres] = field(default_factory=list)
    hosts: list[str] | None = None  # known host names (listings); None for an unexpanded expression


@dataclass(slots=True)
class Partition:
    name: str
    nodes: str
    evidence: Evidence
    props: dict[str, str] = field(default_factory=dict)
    hosts: list[str] | None = None  # listings name the hosts directly


@dataclass(slots=True)
class ClusterFacts:
    cluster: str = ""
    version: str = ""
    scheduler_props: dict[str, str] = field(default_factory=dict)
    scheduler_evidence: Evidence | None = None
    groups: list[NodeGroup] = field(default_factory=list)
    partitions: list[Partition] = field(default_factory=list)
    nodesets: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (Nodes, Feature)
    supplier_hints: dict[str, str] = field(default_factory=dict)  # gres label or "" -> supplier
    fabric: str = ""  # cluster-wide interconnect (SwitchType)


def _scoped(cluster: str, name: str) -> str:
    return f"{cluster}/{name}" if cluster else name


def cluster_inventory(facts: ClusterFacts, display: str, collector: str) -> Inventory:
    """Components and edges for one cluster description (see the module docstring)."""
    comps: dict[str, Component] = {}
    edges: list[Edge] = []
    sched_ev = facts.scheduler_evidence or Evidence(path=display, collector=collector)
    sched_id = component_id(Layer.OPERATIONAL, "scheduler", "slurm", facts.version)
    sprops = {k: v for k, v in facts.scheduler_props.items() if v}
    if facts.cluster:
        sprops["slurm:cluster"] = facts.cluster
    comps[sched_id] = Component(
        id=sched_id,
        layer=Layer.OPERATIONAL,
        kind="scheduler",
        name="slurm",
        version=facts.version,
        supplier=_SCHEDMD,
        properties=tuple(sorted(sprops.items())),
        evidence=(sched_ev,),
    )
    accel_totals: Counter[str] = Counter()
    accel_first: dict[str, tuple[Gres, Evidence]] = {}
    group_ids: list[tuple[NodeGroup, str]] = []
    for g in facts.groups:
        gid = component_id(Layer.COMPUTE, "node-group", _scoped(facts.cluster, g.expr))
        group_ids.append((g, gid))
        props = {"compute:count": str(g.count), "slurm:nodes": g.expr, **{k: v for k, v in g.hardware.items() if v}}
        if g.features:
            props["slurm:features"] = ",".join(g.features)
        if g.gres:
            props["slurm:gres"] = ",".join(f"{x.label}:{x.count}" for x in g.gres)
        if facts.cluster:
            props["slurm:cluster"] = facts.cluster
        comps[gid] = Component(
            id=gid,
            layer=Layer.COMPUTE,
            kind="node-group",
            name=_scoped(facts.cluster, g.expr),
            properties=tuple(sorted(props.items())),
            evidence=(g.evidence,),
        )
        fabrics = {interconnect_of(f) for f in g.features} | {interconnect_of(x.name) for x in g.gres}
        if facts.fabric:
            fabrics.add(facts.fabric)
        sources = [f for f in g.features if interconnect_of(f)] + [x.name for x in g.gres if interconnect_of(x.name)]
        for fabric in sorted(fabrics - {""}):
            iid = component_id(Layer.COMPUTE, "interconnect", fabric)
            src = ",".join(s for s in sources if interconnect_of(s) == fabric) or "SwitchType"
            _add(
                comps,
                Component(
                    id=iid,
                    layer=Layer.COMPUTE,
                    kind="interconnect",
                    name=fabric,
                    properties=(("interconnect:source", f"slurm {src}"),),
                    evidence=(g.evidence,),
                ),
            )
            edges.append(Edge(source=gid, target=iid, relation=Relation.CONTAINS, evidence=(g.evidence,)))
        for feature in g.features:
            target = cpu_target_of(feature)
            if target:
                from sovaudit.collectors.cpu import target_component

                _add(comps, target_component(target, g.evidence))
                tid = component_id(Layer.COMPUTE, "cpu-target", target)
                edges.append(Edge(source=gid, target=tid, relation=Relation.CONTAINS, evidence=(g.evidence,)))
        for x in g.gres:
            if x.name not in ACCELERATOR_GRES:
                continue
            aid = component_id(Layer.COMPUTE, "accelerator", x.label)
            accel_totals[aid] += x.count * g.count
            accel_first.setdefault(aid, (x, g.evidence))
            edges.append(
                Edge(
                    source=gid,
                    target=aid,
                    relation=Relation.CONTAINS,
                    properties=(("compute:count", str(x.count)),),
                    evidence=(g.evidence,),
                )
            )
    for aid, (x, ev) in accel_first.items():
        supplier = facts.supplier_hints.get(x.label) or facts.supplier_hints.get(x.name) or type_supplier(x.type)
        props = {"compute:count": str(accel_totals[aid]), "slurm:gres": x.label}
        comps[aid] = Component(
            id=aid,
            layer=Layer.COMPUTE,
            kind="accelerator",
            name=x.type or x.name,
            supplier=supplier,
            description=f"Slurm GRES {x.label}",
            properties=tuple(sorted(props.items())),
            evidence=(ev,),
        )
    edges.extend(_partition_edges(facts, group_ids, comps, sched_id, display))
    return Inventory(components=tuple(comps.values()), edges=tuple(edges))


def _add(comps: dict[str, Component], c: Component) -> None:
    if c.id not in comps:
        comps[c.id] = c


def _partition_edges(
    facts: ClusterFacts,
    group_ids: list[tuple[NodeGroup, str]],
    comps: dict[str, Component],
    sched_id: str,
    display: str,
) -> list[Edge]:
    edges: list[Edge] = []
    budget = [MAX_EXPANDED_HOSTS]
    group_hosts: dict[str, set[str]] = {}

    def hosts_of(expr: str, where: str) -> set[str]:
        try:
            n = hostlist.count(expr)
            if n > budget[0]:
                raise InputError(
                    display,
                    f"{where}: `{expr[:60]}' names {n:,} hosts; mapping partitions to node groups would expand more "
                    f"than {MAX_EXPANDED_HOSTS:,} hosts",
                )
            budget[0] -= n
            return set(hostlist.expand(expr, limit=MAX_EXPANDED_HOSTS))
        except hostlist.HostlistError as err:
            raise InputError(display, f"{where}: {err}") from err

    for p in facts.partitions:
        pid = component_id(Layer.OPERATIONAL, "partition", _scoped(facts.cluster, p.name))
        props = {k: v for k, v in p.props.items() if v}
        props["slurm:nodes"] = p.nodes
        members: list[str] = []
        if p.hosts is not None:
            wanted = set(p.hosts)
            members = [gid for g, gid in group_ids if g.hosts is not None and wanted & set(g.hosts)]
            props["compute:count"] = str(len(wanted))
        elif p.nodes.strip().upper() == "ALL":
            members = [gid for _, gid in group_ids]
            props["compute:count"] = str(sum(g.count for g, _ in group_ids))
        elif p.nodes:
            tokens = list(hostlist._tokens(p.nodes))
            sets = [t for t in tokens if t in facts.nodesets]
            rest = ",".join(t for t in tokens if t not in facts.nodesets)
            exact = {g.expr: gid for g, gid in group_ids}
            by_feature: set[str] = set()
            for name in sets:
                nodes, feature = facts.nodesets[name]
                if feature:
                    by_feature |= {gid for g, gid in group_ids if feature in g.features}
                if nodes:
                    rest = f"{rest},{nodes}" if rest else nodes
            try:
                total = hostlist.count(rest) if rest else 0
            except hostlist.HostlistError as err:
                raise InputError(display, f"partition {p.name}: {err}") from err
            total += sum(g.count for g, gid in group_ids if gid in by_feature)
            chosen = set(by_feature)
            if rest in exact:
                chosen.add(exact[rest])
            elif rest:
                wanted = hosts_of(rest, f"partition {p.name}")
                for g, gid in group_ids:
                    if gid in chosen:
                        continue
                    if gid not in group_hosts:
                        group_hosts[gid] = (
                            set(g.hosts) if g.hosts is not None else hosts_of(g.expr, f"NodeName={g.expr}")
                        )
                    if wanted & group_hosts[gid]:
                        chosen.add(gid)
            members = [gid for _, gid in group_ids if gid in chosen]
            props["compute:count"] = str(total)
        if facts.cluster:
            props["slurm:cluster"] = facts.cluster
        comps[pid] = Component(
            id=pid,
            layer=Layer.OPERATIONAL,
            kind="partition",
            name=_scoped(facts.cluster, p.name),
            properties=tuple(sorted(props.items())),
            evidence=(p.evidence,),
        )
        edges.append(Edge(source=sched_id, target=pid, relation=Relation.CONTAINS, evidence=(p.evidence,)))
        edges.extend(Edge(source=pid, target=gid, relation=Relation.RUNS_ON, evidence=(p.evidence,)) for gid in members)
    return edges


# -- slurm.conf ------------------------------------------------------------------------------------
_NODE_KEYS = {
    "cpus": "slurm:cpus",
    "procs": "slurm:cpus",
    "boards": "slurm:boards",
    "sockets": "slurm:sockets",
    "socketsperboard": "slurm:sockets-per-board",
    "corespersocket": "slurm:cores-per-socket",
    "threadspercore": "slurm:threads-per-core",
    "realmemory": "slurm:real-memory",
}
_PARTITION_KEYS = {"default": "slurm:default", "maxtime": "slurm:max-time", "state": "slurm:state"}


def _count(expr: str, display: str, line: int) -> int:
    try:
        return hostlist.count(expr)
    except hostlist.HostlistError as err:
        raise InputError(display, f"line {line}: {err}") from err


def parse_slurm_conf(lines: list[ConfLine], display: str, collector: str) -> ClusterFacts:
    facts = ClusterFacts()
    node_defaults: dict[str, str] = {}
    part_defaults: dict[str, str] = {}
    first: ConfLine | None = None
    for cl in lines:
        head = cl.head
        value = cl.pairs[0][1] if cl.pairs else ""
        ev = Evidence(path=cl.path.display(), collector=collector, line=cl.line)
        if head == "nodename":
            kv = dict(cl.pairs[1:])
            if value.upper() == "DEFAULT":
                node_defaults.update(kv)
                continue
            merged = {**node_defaults, **kv}
            hardware = {prop: merged[key] for key, prop in _NODE_KEYS.items() if merged.get(key)}
            if "slurm:sockets" not in hardware and "slurm:sockets-per-board" in hardware:
                boards = int(merged.get("boards", "1") or 1) if merged.get("boards", "1").isdigit() else 1
                per = hardware["slurm:sockets-per-board"]
                hardware["slurm:sockets"] = str(boards * int(per)) if per.isdigit() else per
            hardware.pop("slurm:sockets-per-board", None)
            hardware.pop("slurm:boards", None)
            features = _csv(merged.get("features", merged.get("feature", "")))
            facts.groups.append(
                NodeGroup(
                    expr=value,
                    count=_count(value, cl.path.display(), cl.line),
                    evidence=ev,
                    hardware=hardware,
                    features=features,
                    gres=parse_gres(merged.get("gres", "")),
                )
            )
        elif head == "partitionname":
            kv = dict(cl.pairs[1:])
            if value.upper() == "DEFAULT":
                part_defaults.update(kv)
                continue
            merged = {**part_defaults, **kv}
            props = {prop: merged[key] for key, prop in _PARTITION_KEYS.items() if merged.get(key)}
            facts.partitions.append(Partition(name=value, nodes=merged.get("nodes", ""), evidence=ev, props=props))
        elif head == "nodeset":
            kv = dict(cl.pairs[1:])
            facts.nodesets[value] = (kv.get("nodes", ""), kv.get("feature", kv.get("features", "")))
        elif head in ("clustername",):
            facts.cluster = value
            first = first or cl
        elif head in ("slurmctldhost", "controlmachine"):
            host = re.sub(r"\(.*\)$", "", value).strip()
            facts.scheduler_props.setdefault("net:host", host)
            first = first or cl
        elif head == "selecttype":
            facts.scheduler_props["slurm:select-type"] = value
        elif head == "switchtype":
            facts.scheduler_props["slurm:switch-type"] = value
            facts.fabric = _SWITCH_TYPES.get(value.lower(), "")
        elif head == "topologyplugin":
            facts.scheduler_props["slurm:topology-plugin"] = value
        elif head == "grestypes":
            facts.scheduler_props["slurm:gres-types"] = value
        elif head == "mpidefault":
            facts.scheduler_props["slurm:mpi-default"] = value
    if first is not None:
        facts.scheduler_evidence = Evidence(path=first.path.display(), collector=collector, line=first.line)
    return facts


def gres_supplier_hints(lines: Iterable[ConfLine]) -> dict[str, str]:
    """Supplier per GRES label (and "" for all) from a gres.conf: AutoDetect, device files."""
    hints: dict[str, str] = {}
    for cl in lines:
        kv = dict(cl.pairs)
        auto = _AUTODETECT.get(kv.get("autodetect", "").lower(), "")
        name = kv.get("name", "").lower()
        label = f"{name}:{kv['type']}" if name and kv.get("type") else name
        files = kv.get("file", "") or kv.get("multiplefiles", "")
        by_file = "NVIDIA" if "/dev/nvidia" in files else ""
        supplier = auto or by_file
        if supplier:
            if label:
                hints.setdefault(label, supplier)
                hints.setdefault(name, supplier)
            else:
                for g in ACCELERATOR_GRES:
                    hints.setdefault(g, supplier)
    return hints


class SlurmConfCollector(Collector):
    name = "slurm-conf"
    description = "slurm.conf (with Include; a gres.conf beside it adds GPU suppliers): nodes, GPUs, partitions"

    def detect(self, path: TreePath) -> bool:
        n = path.name
        return (
            n == "slurm.conf" or n.endswith(".slurm.conf") or n.startswith("slurm.conf.") or n.endswith("_slurm.conf")
        )

    def collect(self, path: TreePath) -> Inventory:
        reader = _ConfReader(self.name)
        lines = reader.read(path)
        facts = parse_slurm_conf(lines, path.display(), self.name)
        gres = path.parent / "gres.conf"
        if gres.is_file():
            with contextlib.suppress(InputError):  # the gres-conf collector reports it
                facts.supplier_hints = gres_supplier_hints(_ConfReader(self.name).read(gres))
        inv = cluster_inventory(facts, path.display(), self.name)
        if reader.records:
            top = InputRecord(
                path=path.display(), status=InputStatus.READ, collector=self.name, components=len(inv.components)
            )
            inv = Inventory(components=inv.components, edges=inv.edges, inputs=(top, *reader.records))
        return inv


# -- gres.conf -------------------------------------------------------------------------------------
class GresConfCollector(Collector):
    name = "gres-conf"
    description = "Slurm gres.conf: GPU types, device counts, AutoDetect (the GPU vendor)"

    def detect(self, path: TreePath) -> bool:
        n = path.name
        return n == "gres.conf" or n.endswith((".gres.conf", "_gres.conf"))

    def collect(self, path: TreePath) -> Inventory:
        lines = _ConfReader(self.name).read(path)
        global_auto = ""
        totals: Counter[str] = Counter()
        per_node: Counter[str] = Counter()
        first: dict[str, tuple[Gres, ConfLine, str]] = {}
        autodetect_props: dict[str, str] = {}
        for cl in lines:
            kv = dict(cl.pairs)
            if "autodetect" in kv and "name" not in kv:
                auto = kv["autodetect"].lower()
                if "nodename" in kv:
                    autodetect_props[kv["nodename"]] = auto
                else:
                    global_auto = auto
                continue
            name = kv.get("name", "").lower()
            if name not in ACCELERATOR_GRES:
                continue
            hosts = _count(kv["nodename"], path.display(), cl.line) if kv.get("nodename") else 1
            files = kv.get("file", "") or kv.get("multiplefiles", "")
            if kv.get("count"):
                devices = _scaled(kv["count"]) if re.fullmatch(r"\d+[kKmMgG]?", kv["count"]) else 1
            elif files:
                devices = _count(files, path.display(), cl.line)
            else:
                devices = 1
            g = Gres(name=name, type=kv.get("type", ""), count=devices)
            auto = (kv.get("autodetect") or global_auto).lower()
            supplier = (
                _AUTODETECT.get(auto, "") or ("NVIDIA" if "/dev/nvidia" in files else "") or type_supplier(g.type)
            )
            aid = component_id(Layer.COMPUTE, "accelerator", g.label)
            totals[aid] += hosts * devices
            if not kv.get("nodename"):
                per_node[aid] += devices
            first.setdefault(aid, (g, cl, supplier))
        comps = []
        for aid, (g, cl, supplier) in first.items():
            props = {"slurm:gres": g.label}
            if aid in per_node:  # lines without NodeName apply to every node that reads the file
                props["slurm:devices-per-node"] = str(per_node[aid])
            else:
                props["compute:count"] = str(totals[aid])
            if global_auto:
                props["slurm:autodetect"] = global_auto
            comps.append(
                Component(
                    id=aid,
                    layer=Layer.COMPUTE,
                    kind="accelerator",
                    name=g.type or g.name,
                    supplier=supplier,
                    description=f"Slurm GRES {g.label}",
                    properties=tuple(sorted(props.items())),
                    evidence=(Evidence(path=path.display(), collector=self.name, line=cl.line),),
                )
            )
        if not comps and not global_auto and not autodetect_props:
            raise InputError(
                path.display(), "no Name=gpu (or other device) lines and no AutoDetect; is this a gres.conf?"
            )
        return Inventory(components=tuple(comps))


# -- listings: JSON and text -------------------------------------------------------------------------
@dataclass(slots=True)
class NodeRecord:
    name: str
    hardware: dict[str, str]
    features: list[str]
    gres: str
    partitions: list[str]
    version: str = ""
    line: int = 0
    pointer: str = ""


def _number(v: Any) -> str:
    match v:
        case bool():
            return ""
        case float() if v != v or abs(v) == float("inf"):  # NaN, Infinity: Python's JSON reads them
            return ""
        case int() | float():
            return str(int(v))
        case {"set": True, "number": int(n)}:
            return str(n)
        case {"infinite": True}:
            return "infinite"
        case str() if v.strip().isdigit():
            return v.strip()
        case _:
            return ""


def listing_facts(
    nodes: list[NodeRecord], display: str, collector: str, cluster: str = "", version: str = ""
) -> ClusterFacts:
    """Group a node listing by hardware into node groups, and its partitions."""
    facts = ClusterFacts(cluster=cluster, version=version)
    groups: dict[tuple[Any, ...], list[NodeRecord]] = defaultdict(list)
    for n in nodes:
        key = (tuple(sorted(n.hardware.items())), tuple(n.features), n.gres)
        groups[key].append(n)
    part_hosts: dict[str, list[str]] = defaultdict(list)
    part_ev: dict[str, Evidence] = {}
    for members in groups.values():
        names = sorted({m.name for m in members})
        expr = hostlist.compress(names)
        m0 = members[0]
        ev = Evidence(path=display, collector=collector, line=m0.line, pointer=m0.pointer)
        facts.groups.append(
            NodeGroup(
                expr=expr,
                count=len(names),
                evidence=ev,
                hardware=dict(m0.hardware),
                features=list(m0.features),
                gres=parse_gres(m0.gres),
                hosts=names,
            )
        )
        for m in members:
            for p in m.partitions:
                part_hosts[p].append(m.name)
                part_ev.setdefault(p, Evidence(path=display, collector=collector, line=m.line, pointer=m.pointer))
    for p in sorted(part_hosts):
        hosts = sorted(set(part_hosts[p]))
        facts.partitions.append(Partition(name=p, nodes=hostlist.compress(hosts), evidence=part_ev[p], hosts=hosts))
    versions = Counter(n.version for n in nodes if n.version)
    if not facts.version and versions:
        facts.version = versions.most_common(1)[0][0]
    if nodes:
        facts.scheduler_evidence = Evidence(
            path=display, collector=collector, line=nodes[0].line, pointer="/meta" if nodes[0].pointer else ""
        )
    return facts


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _json_version(meta: Any) -> tuple[str, str]:
    """(plugin id, Slurm release) from the ``meta`` object of any data_parser version."""
    if not isinstance(meta, dict):
        return "", ""
    plugin = _obj(meta.get("plugin"))
    pid = str(plugin.get("data_parser") or plugin.get("type") or "")
    slurm = meta.get("slurm") if isinstance(meta.get("slurm"), dict) else meta.get("Slurm")
    release = ""
    if isinstance(slurm, dict):
        release = str(slurm.get("release") or "")
        v = slurm.get("version")
        if not release and isinstance(v, dict):
            release = ".".join(str(v.get(k, "")) for k in ("major", "minor", "micro") if str(v.get(k, "")) != "")
    return pid, release


def _hardware_json(n: dict[str, Any]) -> dict[str, str]:
    cpus = n.get("cpus")
    if isinstance(cpus, dict):  # sinfo: {"minimum", "maximum", "total" ...}
        hw = {
            "slurm:cpus": _number(cpus.get("maximum")),
            "slurm:sockets": _number(_obj(n.get("sockets")).get("maximum")),
            "slurm:cores-per-socket": _number(_obj(n.get("cores")).get("maximum")),
            "slurm:threads-per-core": _number(_obj(n.get("threads")).get("maximum")),
            "slurm:real-memory": _number(_obj(n.get("memory")).get("maximum")),
        }
    else:
        hw = {
            "slurm:cpus": _number(cpus),
            "slurm:sockets": _number(n.get("sockets")),
            "slurm:cores-per-socket": _number(n.get("cores")),
            "slurm:threads-per-core": _number(n.get("threads")),
            "slurm:real-memory": _number(n.get("real_memory")),
            "slurm:architecture": str(n.get("architecture") or ""),
        }
    return {k: v for k, v in hw.items() if v}


def parse_slurm_json(data: Any, display: str, collector: str) -> ClusterFacts:
    if not isinstance(data, dict):
        raise InputError(display, "is not a JSON object")
    pid, release = _json_version(data.get("meta"))
    records: list[NodeRecord] = []
    cluster = ""
    if isinstance(data.get("nodes"), list):
        for i, n in enumerate(data["nodes"]):
            if not isinstance(n, dict) or not isinstance(n.get("name"), str):
                raise InputError(display, f"/nodes/{i}: not a node object with a 'name'")
            cluster = cluster or str(n.get("cluster_name") or "")
            records.append(
                NodeRecord(
                    name=n["name"],
                    hardware=_hardware_json(n),
                    features=_csv(n.get("features")),
                    gres=str(n.get("gres") or ""),
                    partitions=_csv(n.get("partitions")),
                    version=str(n.get("version") or n.get("slurmd_version") or ""),
                    pointer=f"/nodes/{i}",
                )
            )
    elif isinstance(data.get("sinfo"), list):
        for i, e in enumerate(data["sinfo"]):
            if not isinstance(e, dict):
                raise InputError(display, f"/sinfo/{i}: not an object")
            listed = _obj(e.get("nodes"))
            names = _csv(listed.get("nodes") or listed.get("names") or listed.get("hostnames"))
            feats = _obj(e.get("features"))
            gres = _obj(e.get("gres"))
            part = _obj(e.get("partition"))
            cluster = cluster or str(e.get("cluster") or "")
            for name in names:
                records.append(
                    NodeRecord(
                        name=name,
                        hardware=_hardware_json(e),
                        features=_csv(feats.get("total") or feats.get("available")),
                        gres=str(gres.get("total") or ""),
                        partitions=[str(part["name"])] if part.get("name") else [],
                        pointer=f"/sinfo/{i}",
                    )
                )
    else:
        errors = data.get("errors")
        detail = f" (errors: {json.dumps(errors)[:200]})" if errors else ""
        raise InputError(display, f"no 'nodes' or 'sinfo' list{detail}; is this sinfo/scontrol --json output?")
    if isinstance(data.get("meta"), dict):
        slurm = data["meta"].get("slurm")
        if isinstance(slurm, dict) and slurm.get("cluster"):
            cluster = str(slurm["cluster"])
    facts = listing_facts(records, display, collector, cluster=cluster, version=release)
    if pid:
        facts.scheduler_props["slurm:data-parser"] = pid
    return facts


_SINFO_HEAD = re.compile(rb'\s*\{\s*"sinfo"\s*:\s*\[')


class SlurmJsonCollector(Collector):
    name = "slurm-json"
    description = "`sinfo --json` / `scontrol show nodes --json` (openapi v0.0.37 ... data_parser v0.0.44)"

    def detect(self, path: TreePath) -> bool:
        if path.suffix != ".json":
            return False
        head = path.read_head(4096)
        if b"openapi/v0.0" in head or b'"data_parser/v0.0' in head or _SINFO_HEAD.match(head):
            return True
        # "meta" may come last: recognise scontrol's node objects by their own field names
        return b'"nodes"' in head and b'"real_memory"' in head and (b'"gres"' in head or b'"partitions"' in head)

    def collect(self, path: TreePath) -> Inventory:
        try:
            data = json.loads(path.read_bytes())
        except (ValueError, RecursionError) as err:
            raise InputError(path.display(), f"is not valid JSON: {err}") from err
        facts = parse_slurm_json(data, path.display(), self.name)
        return cluster_inventory(facts, path.display(), self.name)


_KV = re.compile(r"(?:^|\s)([A-Za-z][\w/:.\-]*)=")


def _kv_record(text: str) -> dict[str, str]:
    """Key=Value pairs of ``scontrol show`` output; values may contain spaces (OS=Linux 5.14 #1)."""
    out: dict[str, str] = {}
    matches = list(_KV.finditer(text))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        out.setdefault(m.group(1).lower(), text[m.end() : end].strip())
    return out


def _scontrol_records(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    buf: list[str] = []
    start = 0
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip() and not line[0].isspace():
            if buf:
                yield start, _kv_record(" ".join(buf))
            buf = [line]
            start = n
        elif line.strip():
            buf.append(line)
    if buf:
        yield start, _kv_record(" ".join(buf))


def parse_slurm_text(text: str, display: str, collector: str) -> ClusterFacts:
    first = text.lstrip().split("\n", 1)[0]
    if first.startswith("AVAIL|") or "|HOSTNAMES|" in first or "|NODELIST" in first:
        return _parse_sinfo_all(text, display, collector)
    records = list(_scontrol_records(text))
    if records and "partitionname" in records[0][1]:
        facts = ClusterFacts()
        for line, r in records:
            name = r.get("partitionname", "")
            nodes = r.get("nodes", "")
            props = {
                "slurm:default": r.get("default", ""),
                "slurm:max-time": r.get("maxtime", ""),
                "slurm:state": r.get("state", ""),
                "slurm:total-cpus": r.get("totalcpus", ""),
                "slurm:tres": r.get("tres", ""),
            }
            facts.partitions.append(
                Partition(
                    name=name, nodes=nodes, evidence=Evidence(path=display, collector=collector, line=line), props=props
                )
            )
            _count(nodes, display, line)
        facts.scheduler_evidence = Evidence(path=display, collector=collector, line=records[0][0])
        return facts
    if records and "nodename" in records[0][1]:
        listed: list[NodeRecord] = []
        for line, r in records:
            if "nodename" not in r:
                raise InputError(display, f"line {line}: a node record without NodeName=")
            hw = {
                "slurm:cpus": r.get("cputot", ""),
                "slurm:sockets": r.get("sockets", ""),
                "slurm:cores-per-socket": r.get("corespersocket", ""),
                "slurm:threads-per-core": r.get("threadspercore", ""),
                "slurm:real-memory": r.get("realmemory", ""),
                "slurm:architecture": r.get("arch", ""),
            }
            listed.append(
                NodeRecord(
                    name=r["nodename"],
                    hardware={k: v for k, v in hw.items() if v},
                    features=_csv(r.get("availablefeatures", "")),
                    gres=r.get("gres", ""),
                    partitions=_csv(r.get("partitions", "")),
                    version=r.get("version", ""),
                    line=line,
                )
            )
        return listing_facts(listed, display, collector)
    raise InputError(display, "neither `scontrol show partition|node` nor `sinfo -o %all` output")


def _parse_sinfo_all(text: str, display: str, collector: str) -> ClusterFacts:
    lines = text.splitlines()
    header = [h.strip().upper() for h in lines[0].split("|")]
    col: dict[str, int] = {}
    for i, h in enumerate(header):
        col.setdefault(h, i)
    if "HOSTNAMES" not in col and "NODELIST" not in col:
        raise InputError(display, "sinfo output without a HOSTNAMES or NODELIST column")
    nodes = []
    for n, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split("|")]

        def cell(name: str, cells: list[str] = cells) -> str:
            i = col.get(name)
            return cells[i] if i is not None and i < len(cells) and cells[i] not in ("N/A", "(null)") else ""

        sct = cell("S:C:T").split(":")
        hw = {
            "slurm:cpus": cell("CPUS"),
            "slurm:sockets": sct[0] if len(sct) == 3 else cell("SOCKETS"),
            "slurm:cores-per-socket": sct[1] if len(sct) == 3 else cell("CORES"),
            "slurm:threads-per-core": sct[2] if len(sct) == 3 else cell("THREADS"),
            "slurm:real-memory": cell("MEMORY"),
        }
        host = cell("HOSTNAMES") or cell("NODELIST")
        try:
            names = hostlist.expand(host, limit=MAX_EXPANDED_HOSTS)
        except hostlist.HostlistError as err:
            raise InputError(display, f"line {n}: {err}") from err
        for name in names:
            nodes.append(
                NodeRecord(
                    name=name,
                    hardware={k: v for k, v in hw.items() if v},
                    features=_csv(cell("AVAIL_FEATURES")),
                    gres=cell("GRES"),
                    partitions=[cell("PARTITION").rstrip("*")] if cell("PARTITION") else [],
                    version=cell("VERSION"),
                    line=n,
                )
            )
    if not nodes:
        raise InputError(display, "sinfo output lists no nodes")
    return listing_facts(nodes, display, collector)


class SlurmTextCollector(Collector):
    name = "slurm-text"
    description = "saved text of `scontrol show partition|node` or `sinfo -o %all` (.txt/.out)"

    def detect(self, path: TreePath) -> bool:
        if path.suffix not in (".txt", ".out", ".log"):
            return False
        head = path.read_head(512).lstrip()
        return head.startswith((b"PartitionName=", b"NodeName=", b"AVAIL|")) or (
            b"|HOSTNAMES|" in head.split(b"\n", 1)[0]
        )

    def collect(self, path: TreePath) -> Inventory:
        facts = parse_slurm_text(path.read_text(), path.display(), self.name)
        return cluster_inventory(facts, path.display(), self.name)
