"""The git facts the history records, read from .git files (git is never run)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sovaudit import history
from sovaudit.gitrepo import find_root, head_commit
from tests.gate.helpers import package, run, write_inventory

SHA = "0123456789abcdef0123456789abcdef01234567"
OTHER = "89abcdef0123456789abcdef0123456789abcdef"


def make_repo(root: Path, head: str) -> Path:
    git = root / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text(head + "\n")
    return root


def test_head_commit_from_a_branch_a_packed_ref_and_a_detached_head(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", "ref: refs/heads/main")
    assert head_commit(repo) == ""  # an unborn branch
    (repo / ".git" / "packed-refs").write_text(f"# pack-refs with: peeled\n{OTHER} refs/heads/main\n")
    assert head_commit(repo) == OTHER
    (repo / ".git" / "refs" / "heads" / "main").write_text(SHA + "\n")  # a loose ref wins over the packed one
    assert head_commit(repo) == SHA
    (repo / ".git" / "HEAD").write_text(OTHER + "\n")
    assert head_commit(repo) == OTHER
    (repo / ".git" / "HEAD").write_text("ref: ../../../../etc/passwd\n")  # not followed out of .git
    assert head_commit(repo) == ""


def test_a_worktree_reads_its_own_head_and_the_shared_refs(tmp_path: Path) -> None:
    main = make_repo(tmp_path / "main", "ref: refs/heads/main")
    (main / ".git" / "refs" / "heads" / "feature").write_text(SHA + "\n")
    own = main / ".git" / "worktrees" / "wt"
    own.mkdir(parents=True)
    (own / "HEAD").write_text("ref: refs/heads/feature\n")
    (own / "commondir").write_text("../..\n")
    worktree = tmp_path / "wt"
    (worktree / "sub").mkdir(parents=True)
    (worktree / ".git").write_text(f"gitdir: {own}\n")
    assert find_root(worktree / "sub") == worktree
    assert head_commit(worktree) == SHA


def test_audits_record_the_stack_from_the_repository_root_and_its_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "myrepo", "ref: refs/heads/main")
    (repo / ".git" / "refs" / "heads" / "main").write_text(SHA + "\n")
    (repo / "stacks").mkdir()
    stack = write_inventory(repo / "stacks" / "cluster.inventory.json", package("numpy", "2.0.0"))
    monkeypatch.chdir(repo / "stacks")
    assert run(capsys, "-q", "audit", "cluster.inventory.json")[0] == 0
    assert run(capsys, "-q", "audit", str(stack))[0] == 0  # the same stack, however it is spelled
    code, out, _ = run(capsys, "history", "-f", "json")
    assert code == 0
    assert [(e["stack"], e["commit"]) for e in json.loads(out)] == [("myrepo/stacks/cluster.inventory.json", SHA)] * 2
    outside = write_inventory(tmp_path / "loose.inventory.json", package("numpy", "2.0.0"))
    assert history.stack_name([str(outside), "hf://org/model"], host=False, cwd=Path(os.sep)) == (
        f"{outside} + hf://org/model"
    )
