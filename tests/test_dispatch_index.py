"""The walker's dispatch index: only the collectors whose names can match a path are asked, and
the answer is the one asking every collector in turn gave (issue 9)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from sovaudit.collectors import interface
from sovaudit.collectors.interface import (
    ANY,
    BUILTIN_COLLECTORS,
    Builtin,
    Collector,
    DeferredCollector,
    DispatchIndex,
    registered_collectors,
)
from sovaudit.fs import TreePath
from sovaudit.model import Inventory
from sovaudit.pipeline import _Walk, scan
from tests.conftest import REPO, SAMPLES

#: Every tree the test walks: each sample stack, and each family of test samples.
TREES = sorted(
    [p for p in (REPO / "sample_stacks").iterdir() if p.is_dir() and not p.name.startswith("_")]
    + [p for p in SAMPLES.iterdir() if p.is_dir()]
)


def linear_offer(collectors: Sequence[Collector], path: TreePath, *, is_dir: bool) -> Collector | None:
    """The walker before the index: every collector in turn, first match wins (the reference)."""
    for c in collectors:
        if (c.claims_directories if is_dir else c.claims_files) and c.detect(path):
            return c
    return None


def offered(root: Path) -> Iterator[tuple[TreePath, bool]]:
    """Every file and folder under ``root`` the walker could offer, as (path, is_dir)."""
    tree = TreePath.for_input(root)
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in [*sorted(dirs), *sorted(files)]:
            path = tree / Path(folder, name).relative_to(root).as_posix()
            if path.is_link() and path.escapes():
                continue
            if path.is_dir():
                yield path, True
            elif path.is_file():
                yield path, False


class Plugin(Collector):
    """A plugin (no table entry) that claims files by name and notes every path it is asked about."""

    claims_directories = True

    def __init__(self, name: str, claims: frozenset[str]) -> None:
        self.name = name
        self.claims = claims
        self.asked: list[str] = []

    def detect(self, path: TreePath) -> bool:
        self.asked.append(path.display())  # the whole path: the samples repeat names
        return path.name in self.claims

    def collect(self, path: TreePath) -> Inventory:
        return Inventory()


def with_plugin(plugin: Collector) -> list[Collector]:
    """The built-ins and ``plugin`` in registry (name) order, as ``registered_collectors`` lists them."""
    return sorted([*registered_collectors(), plugin], key=lambda c: c.name)


@pytest.mark.parametrize("root", TREES, ids=[f"{p.parent.name}/{p.name}" for p in TREES])
def test_the_index_claims_what_asking_every_collector_claimed(root: Path) -> None:
    collectors = registered_collectors()
    index = DispatchIndex(collectors)
    claimed = 0
    for path, is_dir in offered(root):
        expected = linear_offer(collectors, path, is_dir=is_dir)
        got = index.claim(path, is_dir=is_dir)
        assert got is expected, (path, is_dir)
        claimed += expected is not None
    assert claimed > 0  # every tree holds something a collector reads


def test_the_index_answers_the_same_with_a_tiny_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Memos emptied every few names (a tree of more distinct names than the cap) change nothing."""
    monkeypatch.setattr(interface, "_MEMO_CAP", 3)
    collectors = registered_collectors()
    index = DispatchIndex(collectors)
    paths = [p for root in (SAMPLES / "os-packages", SAMPLES / "python") for p in offered(root)]
    assert len(paths) > 100
    for path, is_dir in paths:
        assert index.claim(path, is_dir=is_dir) is linear_offer(collectors, path, is_dir=is_dir), path


def test_a_plugin_in_the_middle_is_asked_in_its_place(tmp_path: Path) -> None:
    plan = SAMPLES / "compute" / "good" / "terraform-plan" / "tfjson_basic_plan.json"
    sbom = SAMPLES / "sbom" / "good" / "cdx-1.6_hpc.cdx.json"
    shutil.copy(plan, tmp_path / "plan.json")  # terraform-plan, after the plugin, reads it
    shutil.copy(sbom, tmp_path / "bom.json")  # cyclonedx-sbom, before the plugin, reads it
    (tmp_path / "notes.unknown-kind").write_text("nothing any built-in reads\n")
    plugin = Plugin("m-plugin", frozenset({"plan.json", "bom.json", "notes.unknown-kind"}))
    collectors = with_plugin(plugin)
    names = [c.name for c in collectors]
    assert names.index("cyclonedx-sbom") < names.index("m-plugin") < names.index("terraform-plan")
    index = DispatchIndex(collectors)
    tree = TreePath.for_input(tmp_path)
    claims = {n: index.claim(tree / n, is_dir=False) for n in ("plan.json", "bom.json", "notes.unknown-kind")}
    assert {n: c.name if c else None for n, c in claims.items()} == {
        "plan.json": "m-plugin",
        "bom.json": "cyclonedx-sbom",
        "notes.unknown-kind": "m-plugin",  # no table name matches it: the plugin is asked all the same
    }
    # bom.json was claimed before its turn came.
    assert plugin.asked == [(tree / "plan.json").display(), (tree / "notes.unknown-kind").display()]
    # And a folder: every folder is offered to a plugin that claims folders.
    assert index.claim(tree, is_dir=True) is None
    assert plugin.asked[-1] == tree.display()


def test_a_plugin_changes_nothing_else_on_the_samples() -> None:
    plugin = Plugin("m-plugin", frozenset())
    collectors = with_plugin(plugin)
    index = DispatchIndex(collectors)
    paths = [p for root in (SAMPLES / "compute", SAMPLES / "containers") for p in offered(root)]
    reference = [linear_offer(collectors, p, is_dir=d) for p, d in paths]
    asked_linear = list(plugin.asked)
    plugin.asked.clear()
    assert [index.claim(p, is_dir=d) for p, d in paths] == reference
    assert plugin.asked == asked_linear  # asked about exactly the paths the linear loop asked it about
    assert len(asked_linear) > 50


def test_far_fewer_collectors_are_asked_than_collectors_times_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"may_claim": 0, "detect": 0}
    may_claim = Builtin.may_claim
    detect_claimable = DeferredCollector.detect_claimable

    def counted_may_claim(self: Builtin, path: TreePath) -> bool:
        calls["may_claim"] += 1
        return may_claim(self, path)

    def counted_detect(self: DeferredCollector, path: TreePath) -> bool:
        calls["detect"] += 1
        return detect_claimable(self, path)

    monkeypatch.setattr(Builtin, "may_claim", counted_may_claim)
    monkeypatch.setattr(DeferredCollector, "detect_claimable", counted_detect)
    collectors = registered_collectors()
    paths = [p for stack in ("hpc-cluster", "python-ml-service") for p in offered(REPO / "sample_stacks" / stack)]
    index = DispatchIndex(collectors)
    for path, is_dir in paths:
        index.claim(path, is_dir=is_dir)
    asked_by_index = calls["detect"] + calls["may_claim"]
    calls.update(may_claim=0, detect=0)
    for path, is_dir in paths:
        linear_offer(collectors, path, is_dir=is_dir)
    asked_linear = calls["may_claim"]
    # Files: the four built-ins that take any name (known by content) and the few whose patterns
    # match; folders: those that take any name. The linear loop asked about 20 per path (it
    # stops at the first match), ~2.6 with the index (measured: 3,292 and 434 for 169 paths).
    assert asked_by_index * 10 < len(collectors) * len(paths)
    assert asked_by_index < 4 * len(paths)
    assert asked_by_index * 5 < asked_linear


def test_one_expression_tells_whether_any_file_pattern_matches() -> None:
    patterns = tuple(sorted({e.files for e in BUILTIN_COLLECTORS.values() if e.files not in (None, ANY)}))
    joined = interface._alternation(patterns)
    assert joined is not None  # the table's patterns can be joined: the fast test is in use
    names = {p.name for root in TREES for p in root.rglob("*")}
    names |= {"README.MD", "Dockerfile.dev", "x.JSON", "Packages", "status.d", "a\nb.json", "", "spec.yaml"}
    for name in sorted(names):
        assert (joined.fullmatch(name) is not None) == any(interface._matches(p, name) for p in patterns), name
    assert interface._alternation(("(?x) a", "b")) is None  # a flag it cannot scope: no fast test
    assert interface._alternation(()) is None


def test_a_name_no_fast_test_covers_is_still_matched_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    collectors = registered_collectors()
    index = DispatchIndex(collectors)
    monkeypatch.setattr(index, "_any_file", None)
    for path, is_dir in offered(SAMPLES / "os-packages"):
        assert index.claim(path, is_dir=is_dir) is linear_offer(collectors, path, is_dir=is_dir), path


def test_files_in_a_status_d_folder_are_offered_to_dpkg(tmp_path: Path) -> None:
    """``files_in``: a distroless status.d/<package> file has no name of its own to go by."""
    folder = tmp_path / "var" / "lib" / "dpkg" / "status.d"
    folder.mkdir(parents=True)
    (folder / "base-files").write_text("Package: base-files\nStatus: install ok installed\nVersion: 12.4\n")
    (tmp_path / "base-files").write_text("Package: base-files\nVersion: 12.4\n")
    index = DispatchIndex(registered_collectors())
    tree = TreePath.for_input(tmp_path)
    inside = [c.name for c, _ in index.file_candidates(tree / "var/lib/dpkg/status.d/base-files")]
    outside = [c.name for c, _ in index.file_candidates(tree / "base-files")]
    assert outside == ["easybuild-module", "modulefile", "oci-image", "sif-image"]  # known by content
    assert inside == ["dpkg-status", "easybuild-module", "modulefile", "oci-image", "sif-image"]
    claimed = index.claim(tree / "var/lib/dpkg/status.d/base-files", is_dir=False)
    assert claimed is not None and claimed.name == "dpkg-status"


def test_scans_with_and_without_the_index_are_equal(monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end, images included (their merged layers are walked by the same walker)."""
    inputs = [REPO / "sample_stacks" / "gpu-container", SAMPLES / "containers", SAMPLES / "os-packages"]
    indexed = [scan([p]).inventory for p in inputs]

    def offer(self: _Walk, path: TreePath, *, is_dir: bool) -> Collector | None:
        return linear_offer(self.collectors, path, is_dir=is_dir)

    monkeypatch.setattr(_Walk, "offer", offer)
    assert [scan([p]).inventory for p in inputs] == indexed
    assert sum(len(i.components) for i in indexed) > 50


def test_the_patterns_are_regular_expressions_the_index_can_join() -> None:
    """A new table entry with a global flag other than a leading (?i) would lose the fast test."""
    for entry in BUILTIN_COLLECTORS.values():
        for p in (entry.files, entry.files_in, entry.folders):
            if p is not None and p != ANY:
                body = p[4:] if p.startswith("(?i)") else p
                assert re.search(r"\(\?[aiLmsux]+\)", body) is None, p


def test_a_folder_is_offered_to_hf_model_only_with_one_of_its_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    asked: list[tuple[str, str]] = []
    detect_claimable = DeferredCollector.detect_claimable

    def counted(self: DeferredCollector, path: TreePath) -> bool:
        asked.append((self.name, path.name))
        return detect_claimable(self, path)

    monkeypatch.setattr(DeferredCollector, "detect_claimable", counted)
    for folder in ("plain", "with-card", "layout"):
        (tmp_path / folder).mkdir()
    (tmp_path / "with-card" / "README.md").write_text("# not a model card\n")
    (tmp_path / "layout" / "oci-layout").write_text("{}\n")
    index = DispatchIndex(registered_collectors())
    tree = TreePath.for_input(tmp_path)
    for folder in ("plain", "with-card", "layout"):
        assert index.claim(tree / folder, is_dir=True) is None
    assert sorted({a for a in asked if a[0] in ("hf-model", "oci-image")}) == [
        ("hf-model", "with-card"),
        ("oci-image", "layout"),
    ]
    assert sorted({n for c, n in asked if c == "python-environment"}) == ["layout", "plain", "with-card"]
