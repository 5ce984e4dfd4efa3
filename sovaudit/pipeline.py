"""The stages in order, and nothing else: ``scan`` (discover, collect, merge, link) and ``audit``.

``scan`` walks every input the user gave, offers each folder and file to the collectors' ``detect``
(first match wins, in registry order), and merges what they return into one deduplicated
Inventory. It reports, per file, what was read, skipped and failed; one bad file never stops the
rest. It never follows a link out of an input, never descends into VCS folders, and never reads a
file past the size limit.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from sovaudit.collectors.interface import Collector, DispatchIndex, registered_collectors
from sovaudit.errors import InputError
from sovaudit.fs import DEFAULT_LIMITS, Limits, TreePath, clear_cache
from sovaudit.graph import StackGraph
from sovaudit.limits import guard
from sovaudit.link import link
from sovaudit.model import InputRecord, InputStatus, Inventory, Layer, Severity
from sovaudit.sanitise import sanitise

if TYPE_CHECKING:  # the audit stages are imported when an audit runs, not for every scan
    from sovaudit.audit import Audit
    from sovaudit.knowledge import KnowledgeBase, Match
    from sovaudit.profiles import Profile
    from sovaudit.rules import Pack
    from sovaudit.waivers import Waiver

#: Folders never descended into: version control metadata is not part of a stack.
SKIPPED_FOLDERS = frozenset({".git", ".hg", ".svn", ".bzr", "_darcs", "CVS", "__pycache__"})

Progress = Callable[[str], None]

#: Why ``scan /`` does not walk /proc, /sys and /dev (:meth:`~sovaudit.fs.TreePath.is_kernel_interface`).
KERNEL_SKIP = "the running system's processes, devices and kernel settings, not installed software; not walked"


@dataclass(slots=True)
class ScanResult:
    """The merged inventory, plus what a caller needs to pick an exit code."""

    inventory: Inventory
    #: Inputs (as the user gave them) of which nothing at all could be read.
    unreadable: tuple[str, ...] = ()
    #: Collector crashes: bugs in sovaudit, not in the input (exit code 3).
    crashes: tuple[str, ...] = ()
    files_seen: int = 0


@dataclass(slots=True)
class _Walk:
    collectors: Sequence[Collector]
    limits: Limits
    progress: Progress | None
    debug: bool
    inventories: list[Inventory] = field(default_factory=list)
    records: list[InputRecord] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    files_seen: int = 0
    read_ok: int = 0
    #: Which collectors to ask about a path: made once from ``collectors``.
    index: DispatchIndex = field(init=False)

    def __post_init__(self) -> None:
        self.index = DispatchIndex(self.collectors)

    def record(self, path: TreePath, status: InputStatus, collector: str = "", reason: str = "") -> None:
        self.records.append(InputRecord(path=path.display(), status=status, collector=collector, reason=reason))

    def run(self, collector: Collector, path: TreePath) -> None:
        if self.progress is not None:
            self.progress(path.display())
        try:
            with guard(path.display(), self.limits):  # time budget, nesting, memory: InputError
                inv = collector.collect(path)
        except InputError as err:
            self.records.append(
                InputRecord(path=err.path, status=InputStatus.FAILED, collector=collector.name, reason=err.reason)
            )
            return
        except Exception as err:  # a collector bug: report it, keep scanning, exit 3 at the end
            if self.debug:
                raise
            reason = f"internal error in collector {collector.name}: {type(err).__name__}: {err}"
            self.crashes.append(f"{path.display()}: {reason}")
            self.record(path, InputStatus.FAILED, collector.name, reason)
            return
        self.inventories.append(inv)
        if inv.inputs:
            self.records.extend(inv.inputs)
            self.read_ok += sum(1 for r in inv.inputs if r.status is InputStatus.READ)
        else:
            self.read_ok += 1
            self.records.append(
                InputRecord(
                    path=path.display(),
                    status=InputStatus.READ,
                    collector=collector.name,
                    components=len(inv.components),
                )
            )

    def offer(self, path: TreePath, *, is_dir: bool) -> Collector | None:
        """The first collector (registry order) whose ``detect`` claims ``path``; only those whose
        names can match are asked (see :class:`~sovaudit.collectors.interface.DispatchIndex`).

        A ``detect`` that raises is a bug, reported as a collector crash is; the scan goes on.
        """
        try:
            return self.index.claim(path, is_dir=is_dir)
        except Exception as err:
            if self.debug:
                raise
            reason = f"internal error while the collectors looked at it: {type(err).__name__}: {err}"
            self.crashes.append(f"{path.display()}: {reason}")
            self.record(path, InputStatus.FAILED, reason=reason)
            return None

    def walk(self, path: TreePath, depth: int, *, top: bool = False) -> None:
        if path.is_link() and not top:
            problem = path.link_problem()  # it leaves the tree, or a link on the way cannot be read
            if problem is not None:
                self.record(path, InputStatus.SKIPPED, reason=problem)
                return
            if path.is_dir():
                # Its target is inside the tree and is scanned there; following it could loop.
                return
        if path.is_dir():
            if path.name in SKIPPED_FOLDERS and not top:
                return
            if not top and path.is_kernel_interface():
                self.record(path, InputStatus.SKIPPED, reason=KERNEL_SKIP)
                return
            claimed = self.offer(path, is_dir=True)
            if claimed is not None:
                self.run(claimed, path)
                return
            if depth >= self.limits.max_depth:
                self.record(path, InputStatus.SKIPPED, reason=f"nested deeper than {self.limits.max_depth} folders")
                return
            try:
                children = list(path.iterdir())
            except InputError as err:
                self.records.append(InputRecord(path=err.path, status=InputStatus.FAILED, reason=err.reason))
                return
            for child in children:
                self.walk(child, depth + 1)
            return
        if not path.is_file():
            if top:
                self.record(path, InputStatus.FAILED, reason="is not a regular file or folder (or does not exist)")
            return  # sockets, pipes, devices and dangling links inside a tree are not stack content
        self.files_seen += 1
        if self.files_seen > self.limits.max_files:
            if self.files_seen == self.limits.max_files + 1:
                self.record(path, InputStatus.SKIPPED, reason=f"over {self.limits.max_files:,} files; the rest skipped")
            return
        claimed = self.offer(path, is_dir=False)
        if claimed is not None:
            self.run(claimed, path)
        elif top:
            self.record(
                path, InputStatus.FAILED, reason="no collector reads this file (`sovaudit collectors` lists them)"
            )


def walk_tree(root: TreePath, collectors: Sequence[Collector]) -> tuple[list[Inventory], list[InputRecord], list[str]]:
    """Walk one tree (an image's merged layers) as ``scan`` walks an input: (inventories, records, crashes)."""
    walk = _Walk(collectors=collectors, limits=root.limits, progress=None, debug=False)
    walk.walk(root, 0, top=True)
    return walk.inventories, walk.records, walk.crashes


def load_collectors() -> list[Collector]:
    """Every registered collector in registry (name) order; a built-in is imported when a path of its kind is met."""
    return registered_collectors()


def scan(
    inputs: Sequence[str | os.PathLike[str] | TreePath],
    *,
    collectors: Sequence[Collector] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    progress: Progress | None = None,
    debug: bool = False,
) -> ScanResult:
    """Read every input and merge what the collectors found into one Inventory."""
    # Scans build hundreds of thousands of small immutable objects and free almost none: the
    # cyclic collector's repeated full passes cost more than half of a large scan. Paused here.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _scan(inputs, collectors=collectors, limits=limits, progress=progress, debug=debug)
    finally:
        if enabled:
            gc.enable()


def _scan(
    inputs: Sequence[str | os.PathLike[str] | TreePath],
    *,
    collectors: Sequence[Collector] | None,
    limits: Limits,
    progress: Progress | None,
    debug: bool,
) -> ScanResult:
    clear_cache()
    walk = _Walk(
        collectors=load_collectors() if collectors is None else collectors,
        limits=limits,
        progress=progress,
        debug=debug,
    )
    unreadable = []
    for given in inputs:
        before_ok = walk.read_ok
        before_records = len(walk.records)
        if isinstance(given, TreePath):
            walk.walk(given, 0, top=True)
        elif not os.path.lexists(given):
            walk.records.append(
                InputRecord(path=str(given), status=InputStatus.FAILED, reason="no such file or folder")
            )
        else:
            walk.walk(TreePath.for_input(given, limits=limits), 0, top=True)
        new = walk.records[before_records:]
        if walk.read_ok == before_ok and any(r.status is InputStatus.FAILED for r in new):
            unreadable.append(str(given))
    graph = StackGraph.merge([*walk.inventories, Inventory(inputs=tuple(walk.records))])
    graph.add(Inventory(edges=tuple(link(graph.components()))))
    inventory = graph.to_inventory()
    if any(c.layer is Layer.MODEL or c.layer is Layer.DATA for c in inventory.components):
        from sovaudit.collectors import lineage

        # Model and dataset references resolved to what was scanned; licences inherited down lineages.
        inventory = lineage.link(inventory)
    inventory = sanitise(inventory)  # no credential in a URL, no unwritable character reaches an output
    return ScanResult(
        inventory=inventory,
        unreadable=tuple(unreadable),
        crashes=tuple(walk.crashes),
        files_seen=walk.files_seen,
    )


def audit(
    inventory: Inventory,
    *,
    kb: KnowledgeBase,
    packs: Sequence[Pack],
    today: date,
    profile: Profile | None = None,
    waivers: Sequence[Waiver] = (),
    fail_on: Severity | None = None,
    min_score: float | None = None,
) -> Audit:
    """Annotate, evaluate the rule packs, apply waivers, score and judge the gates."""
    from sovaudit.audit import Audit, evaluate_gates
    from sovaudit.knowledge import annotate
    from sovaudit.rules.engine import Context, evaluate
    from sovaudit.scoring import referenced, score
    from sovaudit.waivers import apply as apply_waivers

    graph = StackGraph.merge([inventory])
    matches = annotate(kb, graph.components())
    _link_requirements(graph, kb, matches)
    ctx = Context(graph=graph, kb=kb, matches=matches, today=today)
    rules = [r for p in packs for r in p.rules]
    raw = evaluate(rules, ctx)
    findings, expired = apply_waivers(raw, waivers, today)
    scores = score(findings, ctx, referenced(rules))
    gates = evaluate_gates(tuple(findings), scores, profile, fail_on, min_score)
    stale = sorted({m.entry for ms in matches.values() for m in ms if kb.entries[m.entry].stale(today)})
    return Audit(
        inventory=graph.to_inventory(),
        kb=kb,
        matches=matches,
        packs=tuple(packs),
        profile=profile,
        findings=tuple(findings),
        scores=scores,
        gates=gates,
        expired_waivers=tuple(expired),
        stale_entries=tuple(stale),
        today=today,
    )


#: KB categories that are hardware: what a requirement link may point at (a CUDA runtime needs NVIDIA GPUs).
HARDWARE_CATEGORIES = frozenset({"accelerator", "cpu", "interconnect"})


def _link_requirements(graph: StackGraph, kb: KnowledgeBase, matches: dict[str, tuple[Match, ...]]) -> None:
    """Connect what the KB says components need (a CUDA runtime: NVIDIA GPUs) to the hardware found."""
    from sovaudit.link import requirements

    required_by: dict[str, tuple[str, ...]] = {}
    provided_by: dict[str, list[str]] = {}
    for cid, ms in matches.items():
        needs = tuple(sorted({r for m in ms for r in kb.needs(m.entry, HARDWARE_CATEGORIES)}))
        if needs:
            required_by[cid] = needs
        if graph.component(cid).layer is Layer.COMPUTE:
            for m in ms:
                provided_by.setdefault(m.entry, []).append(cid)
    for c in graph.components():  # what an input declares it needs (an image's CUDA_VERSION -> NVIDIA GPUs)
        declared = tuple(v for k, v in c.properties if k == "compute:requires" and v in kb.entries)
        if declared:
            required_by[c.id] = tuple(sorted({*required_by.get(c.id, ()), *declared}))
    if not required_by:
        return
    names = {need: kb.entries[need].name for needs in required_by.values() for need in needs}
    hubs, edges = requirements(graph.components(), required_by, {k: tuple(v) for k, v in provided_by.items()}, names)
    graph.add(Inventory(components=tuple(hubs), edges=tuple(edges)))
