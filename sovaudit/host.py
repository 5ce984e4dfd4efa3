"""What ``sovaudit scan --host`` reads on this machine: files only, nothing is run.

:func:`host_inputs` lists the paths, :func:`host_trees` turns them into the trees the scan walks.
Both are pure functions of ``root`` and ``env`` (the caller passes ``os.environ``; tests pass a fake
root in a temporary folder and their own environment), so they never read the process
environment, never run an interpreter or a package manager and never touch the network.

What is found (every path is looked up under ``root``, and every path named by the environment is
read as a path inside ``root``):

* the OS package database: ``var/lib/dpkg/status`` (and distroless ``status.d``),
  ``var/lib/rpm/rpmdb.sqlite`` or ``usr/lib/sysimage/rpm/rpmdb.sqlite`` (a Berkeley DB
  ``var/lib/rpm/Packages`` too, so the scan says it cannot read it instead of staying silent),
  ``lib/apk/db/installed`` or ``usr/lib/apk/db/installed``;
* Python environments: the ``site-packages``/``dist-packages`` folders under
  ``usr/lib/python3*``, ``usr/lib64/python3*``, ``usr/local/lib/python3*``, the user site
  ``$HOME/.local/lib/python3*``, and the prefixes of every ``python3`` on ``$PATH`` — both the
  folder above its ``bin`` (a virtual environment) and the one above the file its links resolve
  to (the interpreter's installation), each searched for ``lib/python3.*/site-packages``;
* conda environments: ``conda-meta`` of ``$CONDA_PREFIX`` and of every prefix listed in
  ``$HOME/.conda/environments.txt``;
* Spack installs: ``$SPACK_ROOT/opt/spack``;
* module trees: every ``$MODULEPATH`` entry.

Links are resolved as if ``root`` were ``/`` (an absolute link target stays inside ``root``);
paths that resolve to the same place, or lie inside another path already listed, are listed once.

**Why trees and not just paths.** A path handed to the scan on its own becomes a tree rooted at
its folder (``/var/lib/dpkg`` for the dpkg status file), and nothing outside that tree may be read.
The OS package collectors need the file system root: the licences of Debian packages are in
``/usr/share/doc/<package>/copyright`` and the distribution (purl namespace, operating-system
component) is in ``/etc/os-release``. So :func:`host_trees` roots the OS databases at ``root``
(read-only and bounded like any tree; only the database and the files its collector asks for are
read, nothing is walked), and every other input at itself, as ``TreePath.for_input`` would.
"""

from __future__ import annotations

import contextlib
import glob
import os
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from sovaudit.errors import InputError
from sovaudit.fs import DEFAULT_LIMITS, Limits, TreePath

#: OS package databases, as paths inside the root; the first that exists of each group is used.
OS_DATABASES: tuple[tuple[str, ...], ...] = (
    ("var/lib/dpkg/status",),
    ("var/lib/dpkg/status.d",),
    ("var/lib/rpm/rpmdb.sqlite", "usr/lib/sysimage/rpm/rpmdb.sqlite", "var/lib/rpm/Packages"),
    ("lib/apk/db/installed", "usr/lib/apk/db/installed"),
)
_PYTHON_LIBS = ("usr/lib", "usr/lib64", "usr/local/lib", "usr/local/lib64")
_SITE_FOLDERS = ("site-packages", "dist-packages")
_MAX_LINKS = 40
_MAX_ENVIRONMENTS_TXT = 1024 * 1024


def host_inputs(root: str = "/", *, env: Mapping[str, str]) -> list[str]:
    """The paths (under ``root``) a host scan reads: OS databases first, then the rest, sorted."""
    return [_host_path(root, view) for view, _ in _views(root, env)]


def host_trees(root: str = "/", *, env: Mapping[str, str], limits: Limits = DEFAULT_LIMITS) -> list[TreePath]:
    """:func:`host_inputs` as trees: OS package databases rooted at ``root``, the rest at themselves."""
    root_path = Path(root).resolve()
    display_root = os.path.normpath(root)  # evidence reads /var/lib/dpkg/status for the root "/"
    trees = []
    for view, is_os_database in _views(root, env):
        if is_os_database:
            trees.append(TreePath(root_path, PurePosixPath(view.lstrip("/")), display_root=display_root, limits=limits))
        else:
            trees.append(TreePath.for_input(_host_path(root, view), limits=limits))
    return trees


# -- finding ---------------------------------------------------------------------------------------
def _views(root: str, env: Mapping[str, str]) -> list[tuple[str, bool]]:
    """(path as seen inside root, is an OS database), deduplicated, OS databases first."""
    found: list[tuple[str, bool]] = []
    for group in OS_DATABASES:
        for rel in group:
            if os.path.lexists(_host_path(root, "/" + rel)):
                found.append(("/" + rel, True))
                break
    others: list[str] = []
    home = env.get("HOME", "")
    for lib in _PYTHON_LIBS:
        others.extend(_site_folders(root, "/" + lib))
    if home.startswith("/"):
        others.extend(_site_folders(root, f"{home}/.local/lib"))
    for folder in _path_list(env.get("PATH", "")):
        python = f"{folder}/python3"
        if not os.path.lexists(_host_path(root, python)):
            continue
        prefixes = {os.path.dirname(folder)}
        resolved = _resolve(root, python)
        if resolved is not None:
            prefixes.add(os.path.dirname(os.path.dirname(resolved)))
        for prefix in sorted(prefixes):
            others.extend(_site_folders(root, f"{prefix.rstrip('/')}/lib"))
            others.extend(_site_folders(root, f"{prefix.rstrip('/')}/lib64"))
    for prefix in _conda_prefixes(root, env):
        others.append(f"{prefix.rstrip('/')}/conda-meta")
    spack = env.get("SPACK_ROOT", "")
    if spack.startswith("/"):
        others.append(f"{spack.rstrip('/')}/opt/spack")
    others.extend(_path_list(env.get("MODULEPATH", "")))

    seen: set[str] = set()
    for view, _ in found:
        seen.add(_resolve(root, view) or view)
    kept: list[str] = []
    for view in others:
        real = _resolve(root, view)
        if real is None or real in seen or not os.path.isdir(_host_path(root, real)):
            continue
        seen.add(real)
        kept.append(real)
    kept.sort()
    nested = [v for v in kept if any(v.startswith(other.rstrip("/") + "/") for other in kept if other != v)]
    return found + [(v, False) for v in kept if v not in nested]


def _site_folders(root: str, lib: str) -> list[str]:
    """``<lib>/python3*/{site,dist}-packages`` (views), sorted."""
    pattern_root = _host_path(root, lib)
    out = []
    for name in _SITE_FOLDERS:
        for hit in sorted(glob.glob(os.path.join(glob.escape(pattern_root), "python3*", name))):
            out.append(f"{lib.rstrip('/')}/{os.path.relpath(hit, pattern_root)}")
    return out


def _conda_prefixes(root: str, env: Mapping[str, str]) -> list[str]:
    prefixes = []
    if env.get("CONDA_PREFIX", "").startswith("/"):
        prefixes.append(env["CONDA_PREFIX"])
    home = env.get("HOME", "")
    if home.startswith("/"):
        listing = TreePath.for_input(_host_path(root, f"{home}/.conda/environments.txt"))
        text = ""
        if listing.is_file():
            with contextlib.suppress(InputError):  # unreadable: no environments from it
                text = listing.read_bytes(_MAX_ENVIRONMENTS_TXT).decode("utf-8", errors="replace")
        prefixes.extend(line.strip() for line in text.splitlines() if line.strip().startswith("/"))
    return prefixes


def _path_list(value: str) -> list[str]:
    """Absolute entries of a PATH-like variable, in order, without duplicates."""
    out: list[str] = []
    for raw in value.split(":"):
        entry = raw.rstrip("/") or raw  # "/" stays "/"; "" stays "" and is skipped
        if entry.startswith("/") and entry not in out:
            out.append(entry)
    return out


def _host_path(root: str, view: str) -> str:
    """Where ``view`` (a path as seen with ``root`` as /) is on this machine."""
    return os.path.join(root, view.lstrip("/")) if view.strip("/") else root


def _resolve(root: str, view: str) -> str | None:
    """``view`` with every link resolved as if ``root`` were /; None on a loop or too many links."""
    pending = [p for p in view.split("/") if p]
    done: list[str] = []
    hops = 0
    while pending:
        part = pending.pop(0)
        if part == ".":
            continue
        if part == "..":
            if done:
                done.pop()
            continue
        here = _host_path(root, "/" + "/".join([*done, part]))
        if os.path.islink(here):
            hops += 1
            if hops > _MAX_LINKS:
                return None
            try:
                target = os.readlink(here)
            except OSError:
                return None
            if target.startswith("/"):
                done = []
            pending = [p for p in target.split("/") if p] + pending
        else:
            done.append(part)
    return "/" + "/".join(done)
