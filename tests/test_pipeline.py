"""Discovery: what is offered to collectors, what is skipped, and how failures are reported."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sovaudit.collectors.interface import Collector
from sovaudit.errors import InputError
from sovaudit.fs import Limits, TreePath
from sovaudit.model import Component, Evidence, InputStatus, Inventory, Layer
from sovaudit.pipeline import scan


class LinesCollector(Collector):
    """Test double: each line of a *.lines file is a component; 'boom' raises, 'bug' crashes."""

    name = "lines"

    def detect(self, path: TreePath) -> bool:
        return path.name.endswith(".lines")

    def collect(self, path: TreePath) -> Inventory:
        text = path.read_text()
        if "boom" in text:
            raise InputError(path.display(), "says boom")
        if "bug" in text:
            raise KeyError("bug")
        return Inventory(
            components=tuple(
                Component(
                    id=f"software/package/{line}",
                    layer=Layer.SOFTWARE,
                    kind="package",
                    name=line,
                    evidence=(Evidence(path=path.display(), collector=self.name, line=n),),
                )
                for n, line in enumerate(text.split(), 1)
            )
        )


class FolderCollector(Collector):
    """Test double: claims folders holding a MARKER file, and counts what it saw."""

    name = "folder"
    claims_directories = True
    claims_files = False

    def detect(self, path: TreePath) -> bool:
        return (path / "MARKER").is_file()

    def collect(self, path: TreePath) -> Inventory:
        return Inventory(
            components=(Component(id=f"software/env/{path.name}", layer=Layer.SOFTWARE, kind="env", name=path.name),)
        )


COLLECTORS = [FolderCollector(), LinesCollector()]


def names(inv: Inventory) -> list[str]:
    return sorted(c.name for c in inv.components)


def test_walks_a_tree_skipping_vcs_and_claimed_folders(tmp_path: Path) -> None:
    (tmp_path / "a.lines").write_text("alpha beta")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.lines").write_text("hidden")
    env = tmp_path / "env"
    env.mkdir()
    (env / "MARKER").write_text("")
    (env / "inner.lines").write_text("never-read")
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "er" / "b.lines").write_text("gamma")
    result = scan([tmp_path], collectors=COLLECTORS)
    assert names(result.inventory) == ["alpha", "beta", "env", "gamma"]
    statuses = {Path(i.path).name: i.status for i in result.inventory.inputs}
    assert statuses == {"a.lines": InputStatus.READ, "env": InputStatus.READ, "b.lines": InputStatus.READ}
    assert not result.unreadable


def test_one_bad_file_among_many_is_listed_and_the_rest_kept(tmp_path: Path) -> None:
    (tmp_path / "good.lines").write_text("ok")
    (tmp_path / "bad.lines").write_text("boom")
    result = scan([tmp_path], collectors=COLLECTORS)
    assert names(result.inventory) == ["ok"]
    [failed] = result.inventory.failed
    assert failed.path.endswith("bad.lines") and failed.reason == "says boom"
    assert not result.unreadable  # the input as a whole was read


def test_the_only_input_failing_is_unreadable(tmp_path: Path) -> None:
    bad = tmp_path / "bad.lines"
    bad.write_text("boom")
    result = scan([bad], collectors=COLLECTORS)
    assert result.unreadable == (str(bad),)


def test_unknown_single_file_and_missing_path(tmp_path: Path) -> None:
    other = tmp_path / "notes.md"
    other.write_text("x")
    result = scan([other, tmp_path / "nope"], collectors=COLLECTORS)
    reasons = sorted(i.reason for i in result.inventory.failed)
    assert reasons[0].startswith("no collector reads this file")
    assert reasons[1] == "no such file or folder"
    assert len(result.unreadable) == 2


def test_links_out_of_the_tree_are_skipped_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.lines").write_text("secret")
    root = tmp_path / "root"
    root.mkdir()
    (root / "ok.lines").write_text("ok")
    (root / "escape").symlink_to(outside)
    (root / "file.lines").symlink_to(outside / "secret.lines")
    (root / "loop").symlink_to(root)
    result = scan([root], collectors=COLLECTORS)
    assert names(result.inventory) == ["ok"]
    skipped = sorted(Path(i.path).name for i in result.inventory.inputs if i.status is InputStatus.SKIPPED)
    assert skipped == ["escape", "file.lines"]


def test_a_collector_crash_is_reported_as_internal_and_the_scan_goes_on(tmp_path: Path) -> None:
    (tmp_path / "a.lines").write_text("bug")
    (tmp_path / "b.lines").write_text("fine")
    result = scan([tmp_path], collectors=COLLECTORS)
    assert names(result.inventory) == ["fine"]
    assert len(result.crashes) == 1 and "KeyError" in result.crashes[0]
    with pytest.raises(KeyError):
        scan([tmp_path], collectors=COLLECTORS, debug=True)


def test_special_files_and_file_limit(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.lines")
    for i in range(5):
        (tmp_path / f"f{i}.lines").write_text(f"c{i}")
    result = scan([tmp_path], collectors=COLLECTORS, limits=Limits(max_files=3))
    assert names(result.inventory) == ["c0", "c1", "c2"]
    assert any("over 3 files" in i.reason for i in result.inventory.inputs)


def test_same_component_from_two_files_is_one_with_two_evidences(tmp_path: Path) -> None:
    (tmp_path / "a.lines").write_text("shared")
    (tmp_path / "b.lines").write_text("shared")
    [c] = scan([tmp_path], collectors=COLLECTORS).inventory.components
    assert sorted(Path(e.path).name for e in c.evidence) == ["a.lines", "b.lines"]
