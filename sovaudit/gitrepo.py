"""The two git facts sovaudit needs — where a repository's root is, and which commit is checked out.

Both are read from the files in ``.git``; git itself is never run, because a repository's own
configuration can make git start programs (``core.fsmonitor``, hooks) and sovaudit never executes
anything that belongs to what it scans.
"""

from __future__ import annotations

import re
from pathlib import Path

_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
_MAX_READ = 1 << 20  # HEAD, a ref or a gitdir pointer is a line; packed-refs may be long, not huge


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that holds a ``.git`` (folder or worktree file)."""
    here = start.resolve()
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _read(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            return fh.read(_MAX_READ).decode("utf-8", "replace")
    except OSError:
        return ""


def _git_dir(root: Path) -> Path:
    """The repository's git folder: ``.git`` itself, or where a worktree's ``.git`` file points."""
    dot_git = root / ".git"
    if dot_git.is_file():
        text = _read(dot_git).strip()
        if text.startswith("gitdir:"):
            return (root / text.removeprefix("gitdir:").strip()).resolve()
    return dot_git


def head_commit(root: Path) -> str:
    """The commit HEAD points to (full hex), or "" when it cannot be told (unborn branch, odd layout)."""
    git_dir = _git_dir(root)
    head = _read(git_dir / "HEAD").strip()
    if _SHA.match(head):
        return head
    if not head.startswith("ref:"):
        return ""
    ref = head.removeprefix("ref:").strip()
    if not ref.startswith("refs/") or ".." in ref.split("/"):
        return ""  # a hand-made HEAD pointing out of the git folder: not followed
    common = _read(git_dir / "commondir").strip()
    places = [git_dir] + ([(git_dir / common).resolve()] if common else [])
    for place in places:
        value = _read(place / ref).strip()
        if _SHA.match(value):
            return value
    for place in places:
        for line in _read(place / "packed-refs").splitlines():
            sha, _, name = line.partition(" ")
            if name.strip() == ref and _SHA.match(sha):
                return sha
    return ""
