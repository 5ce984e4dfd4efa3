"""A read-only, bounded view of the tree being scanned.

Collectors never touch :mod:`pathlib` directly: they get a :class:`TreePath`, which

* never leaves the scanned root (a symbolic link whose target is outside it raises
  :class:`~sovaudit.errors.InputError` naming the link),
* never reads more than the limits allow (a 200 MB "METADATA" is an error, not a memory spike):
  the caps come from the one policy in :mod:`sovaudit.limits`, and a collector's own cap can only
  be tighter than the policy's,
* reads only regular files (no named pipes, devices or sockets: they could block forever, and
  opening a device can have effects), checked before a file is opened,
* refuses a file that changes while it is read (a torn read would be parsed as if whole),
* names every file relative to the input the user gave, for evidence.

Container images (a later collector family) provide the same interface over merged layers, so
every collector runs unchanged inside an image.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path, PurePosixPath

from sovaudit.errors import InputError

# The policy lives in sovaudit.limits; these names stay importable from here, where collectors read.
from sovaudit.limits import DEFAULT_LIMITS as DEFAULT_LIMITS
from sovaudit.limits import Limits as Limits
from sovaudit.limits import MiB as MiB

_HERE = PurePosixPath()

#: Where the running system shows its processes, devices and settings as files: ``scan /``
#: does not walk them (see :meth:`TreePath.is_kernel_interface`). Their names, tested first.
KERNEL_FOLDERS = frozenset({"/proc", "/sys", "/dev"})
_KERNEL_NAMES = frozenset({"proc", "sys", "dev"})
#: Why a link is not followed (``_real``), and how the walker says it.
_LEAVES = "is a link that leaves the scanned tree; not followed"
LINK_LEAVES = "link leaves the scanned tree; not followed"


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def read_cap(limits: Limits, limit: int | None, *, database: bool = False) -> int:
    """Bytes one whole-file read may take: the policy's ceiling, or a collector's tighter ``limit``."""
    ceiling = limits.max_database_bytes if database else limits.max_file_bytes
    return ceiling if limit is None else min(limit, ceiling)


def too_big(size: int, cap: int, limits: Limits, *, database: bool = False) -> str:
    """The reason a file over ``cap`` is not read; when the policy's limit is the one that applies,
    how to raise it (a collector's own tighter cap says what it reads, and cannot be raised)."""
    name = "max_database_bytes" if database else "max_file_bytes"
    text = f"is {size:,} bytes, over the {cap:,}-byte limit for one file"
    return f"{text} (raise it with --limit {name}=...)" if cap == getattr(limits, name) else text


@lru_cache(maxsize=8192)
def _resolved_folder(path: str) -> str:
    """``os.path.realpath(path)`` for an absolute path; cached, since every file read resolves its folder.

    A folder that is not a link resolves to its resolved parent plus its name: one ``lstat`` per
    new folder instead of one per component of the path (what ``realpath`` does on every call).
    Raises OSError when a link on the way cannot be read (``/proc/1/fd/0`` to all but its owner).
    """
    parent, _, name = path.rpartition("/")
    if not parent or name in ("", ".", ".."):
        return os.path.realpath(path)
    try:
        st = os.lstat(path)
    except OSError:
        return os.path.realpath(path)
    if stat.S_ISLNK(st.st_mode):
        return os.path.realpath(path)
    base = _resolved_folder(parent)
    return f"{base}{name}" if base.endswith("/") else f"{base}/{name}"


#: How much of a file :meth:`TreePath.read_head` reads at least (and keeps, for one file).
HEAD_BYTES = 8192
#: The TreePath read last, its head, whether that is the whole file: see :meth:`TreePath.read_head`.
_last_head: tuple[TreePath, bytes, bool] | None = None


def clear_cache() -> None:
    """Forget resolved folders and the last head read (a new scan starts; the tree may have changed)."""
    global _last_head
    _resolved_folder.cache_clear()
    _last_head = None


def _unresolved(err: OSError) -> str:
    return f"is a link that cannot be read ({err.strerror or err}); not followed"


class TreePath:
    """A path inside a scanned root. Cheap to create; touches the disk only when asked.

    Held as strings (``rel`` is ``""`` for the root itself): building and joining
    :mod:`pathlib` objects cost more than the reads on a site-packages of 300 distributions.
    """

    __slots__ = ("_display_root", "_limits", "_lstat", "_prefix", "_rel", "_root", "_root_str")

    _root: Path
    _root_str: str  # str(root)
    _prefix: str  # str(root) ending in "/": the start of every path inside it
    _rel: str  # as str(PurePosixPath) writes it, "" for the root
    _display_root: str
    _limits: Limits
    _lstat: os.stat_result | None

    def __init__(
        self,
        root: Path,
        rel: PurePosixPath = _HERE,
        *,
        display_root: str = "",
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self._root = root
        self._root_str = str(root)
        self._prefix = self._root_str if self._root_str.endswith("/") else self._root_str + "/"
        text = str(rel)
        self._rel = "" if text == "." else text
        self._display_root = display_root
        self._limits = limits
        self._lstat = None

    def _child(self, rel: str) -> TreePath:
        """A path in the same tree (no parsing: ``rel`` is already in normal form)."""
        new = object.__new__(TreePath)
        new._root = self._root
        new._root_str = self._root_str
        new._prefix = self._prefix
        new._rel = rel
        new._display_root = self._display_root
        new._limits = self._limits
        new._lstat = None
        return new

    # -- construction --------------------------------------------------------------------------
    @classmethod
    def for_input(cls, given: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS) -> TreePath:
        """A tree rooted at a path the user gave: a folder is its own root, a file its parent's.

        The file itself may be a link (the user named it), but nothing read through it may leave
        the folder it sits in.
        """
        p = Path(given)
        display = PurePosixPath(Path(os.path.normpath(given)).as_posix())
        if p.is_dir():
            return cls(p.resolve(), display_root=str(display), limits=limits)
        return cls(
            p.parent.resolve(),
            PurePosixPath(p.name),
            display_root=str(display.parent) if str(display.parent) != "." else "",
            limits=limits,
        )

    def __truediv__(self, name: str) -> TreePath:
        if isinstance(name, str) and name and name != "." and "/" not in name and not self._rel.startswith("/"):
            return self._child(f"{self._rel}/{name}" if self._rel else name)
        joined = str(PurePosixPath(self._rel) / name)
        return self._child("" if joined == "." else joined)

    # -- names ---------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._rel.rpartition("/")[2] or PurePosixPath(self._display_root).name

    @property
    def suffix(self) -> str:
        name = self.name
        i = name.rfind(".")
        return name[i:] if 0 < i < len(name) - 1 else ""

    @property
    def rel(self) -> PurePosixPath:
        """The path relative to the scanned root."""
        return PurePosixPath(self._rel) if self._rel else _HERE

    @property
    def parent(self) -> TreePath:
        if self._rel.startswith("/"):
            parent = str(PurePosixPath(self._rel).parent)
            return self._child("" if parent == "." else parent)
        return self._child(self._rel.rpartition("/")[0])

    @property
    def limits(self) -> Limits:
        return self._limits

    def display(self) -> str:
        """How this path appears in evidence and messages: the user's input joined with rel."""
        rel = self._rel
        if not self._display_root:
            return rel or "."
        if not rel:
            return self._display_root
        return f"{self._display_root.rstrip('/')}/{rel}"

    def __str__(self) -> str:
        return self.display()

    def __repr__(self) -> str:
        return f"TreePath({self.display()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TreePath) and (self._root_str, self._rel) == (other._root_str, other._rel)

    def __hash__(self) -> int:
        return hash((self._root_str, self._rel))

    # -- the file system, bounded --------------------------------------------------------------
    @property
    def _os_path(self) -> Path:
        return Path(self._full())

    def _full(self) -> str:
        """The path on disk, as given (links not resolved)."""
        rel = self._rel
        if not rel:
            return self._root_str
        return rel if rel.startswith("/") else self._prefix + rel

    def _inside(self, real: str) -> bool:
        return real == self._root_str or real.startswith(self._prefix)

    def _stat_nolink(self) -> os.stat_result | None:
        if self._lstat is None:
            try:
                self._lstat = os.lstat(self._full())
            except (OSError, ValueError):  # ValueError: a NUL byte in the name (no file has one)
                return None
        return self._lstat

    def is_link(self) -> bool:
        st = self._stat_nolink()
        return st is not None and stat.S_ISLNK(st.st_mode)

    def _in_real_folder(self) -> str | None:
        """Where this path is once its folder is resolved (its own name kept), or None when that
        cannot be said without resolving the whole path (the root, ``..``, an absolute rel)."""
        rel = self._rel
        if not rel or rel.startswith("/") or "\x00" in rel:
            return None
        folder, _, name = self._full().rpartition("/")
        if name in ("", ".", "..") or not folder:
            return None
        try:
            real_folder = _resolved_folder(folder)
        except OSError as err:
            raise InputError(self.display(), _unresolved(err)) from err
        return f"{real_folder}{name}" if real_folder.endswith("/") else f"{real_folder}/{name}"

    def _real(self) -> str:
        """The target on disk, checked to stay inside the root; InputError when it leaves it or
        a link on the way cannot be read."""
        if "\x00" in self._rel:
            raise InputError(self.display(), "has a NUL byte in its name; no file has one")
        st = self._stat_nolink()
        real = None
        if st is not None and not stat.S_ISLNK(st.st_mode):
            # Not a link itself: only its folder can lead elsewhere, and that is resolved once.
            real = self._in_real_folder()
        if real is None:
            try:
                real = os.path.realpath(self._full())
            except OSError as err:  # a link it may not read: /proc/<pid>/fd/* of another user
                raise InputError(self.display(), _unresolved(err)) from err
        if not self._inside(real):
            raise InputError(self.display(), _LEAVES)
        return real

    def escapes(self) -> bool:
        """True when this path is (or passes through) a link out of the root, or one that cannot
        be read: either way it is not followed."""
        return self.link_problem() is not None

    def link_problem(self) -> str | None:
        """Why the walker does not follow this path (it leaves the tree, a link on the way cannot
        be read), or None when it stays inside the tree."""
        try:
            self._real()
        except InputError as err:
            return LINK_LEAVES if err.reason == _LEAVES else err.reason
        return None

    def is_kernel_interface(self) -> bool:
        """Whether this is the running system's ``/proc``, ``/sys`` or ``/dev``.

        What is there is the kernel's view of processes, devices and settings, not software
        installed: ``scan /`` does not walk it (as Syft does not, for ``dir:/``), nor read a
        process's files or a device's attributes. A folder of the same name elsewhere (an
        extracted root file system, an image) is walked as any other. ``--host`` reads the CPUs
        and accelerators from ``/proc`` and ``/sys`` on purpose.
        """
        if self.name not in _KERNEL_NAMES:
            return False
        try:
            return self._real() in KERNEL_FOLDERS
        except InputError:  # a link out, or inside an image: no path on disk
            return False

    def _stat(self) -> os.stat_result | None:
        st = self._stat_nolink()
        if st is None or not stat.S_ISLNK(st.st_mode):
            return st
        try:
            return os.stat(self._real())
        except InputError:
            return None
        except OSError:
            return None

    def exists(self) -> bool:
        return self._stat() is not None

    def is_dir(self) -> bool:
        st = self._stat()
        return st is not None and stat.S_ISDIR(st.st_mode)

    def is_file(self) -> bool:
        st = self._stat()
        return st is not None and stat.S_ISREG(st.st_mode)

    def size(self) -> int:
        st = self._stat()
        return st.st_size if st is not None else 0

    def iterdir(self) -> Iterator[TreePath]:
        """Children in name order. Links are listed; reading through one that leaves fails."""
        for n in self.names():
            yield self / n

    def names(self) -> list[str]:
        """Child names in order, without building a TreePath each (cheap folder probes).

        A folder of more than ``max_entries`` entries is an error, found before they are all held.
        """
        cap = self._limits.max_entries
        out: list[str] = []
        try:
            with os.scandir(self._real()) as it:
                for entry in it:
                    out.append(entry.name)
                    if len(out) > cap:
                        raise InputError(self.display(), f"holds more than {cap:,} entries (the max_entries limit)")
        except OSError as err:
            raise InputError(self.display(), f"cannot list folder: {err.strerror or err}") from err
        out.sort()
        return out

    def _open(self) -> int:
        """A read-only descriptor of this path's target, which is inside the root and a regular file.

        The type is checked with ``lstat`` before the file is opened (opening a device can have
        effects, a FIFO could block), then again on the descriptor.
        """
        st = self._stat_nolink()
        if st is not None and not stat.S_ISLNK(st.st_mode) and (real := self._in_real_folder()) is not None:
            if not self._inside(real):  # its folder is a link out of the tree
                raise InputError(self.display(), _LEAVES)
        else:
            real = self._real()
            try:
                st = os.stat(real)
            except OSError as err:
                raise InputError(self.display(), f"cannot open: {err.strerror or err}") from err
        if not stat.S_ISREG(st.st_mode):
            raise InputError(self.display(), "is not a regular file; not read")
        try:
            return os.open(real, os.O_RDONLY | _NONBLOCK | _NOFOLLOW | _CLOEXEC)
        except OSError as err:
            raise InputError(self.display(), f"cannot open: {err.strerror or err}") from err

    def read_bytes(self, limit: int | None = None, *, database: bool = False) -> bytes:
        """The whole file, if it is a regular file within the size limit and does not change meanwhile.

        The cap is the policy's ``max_file_bytes`` (``max_database_bytes`` for a package database
        read whole), or ``limit`` when that is smaller: a collector's own cap is only ever tighter.
        """
        cap = read_cap(self._limits, limit, database=database)
        fd = self._open()
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise InputError(self.display(), "is not a regular file; not read")
            if st.st_size > cap:
                raise InputError(self.display(), too_big(st.st_size, cap, self._limits, database=database))
            chunks = []
            total = 0
            while True:
                chunk = os.read(fd, min(1 * MiB, cap + 1 - total))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
                if total > cap:
                    raise InputError(self.display(), f"grew past the {cap:,}-byte limit while being read")
            after = os.fstat(fd)  # (not against the bytes read: /proc and /sys files say 0 or 4096)
            # Pseudo-files (/proc, /sys) say size 0 and take a new time at every stat: not comparable.
            if st.st_size and (after.st_size, after.st_mtime_ns) != (st.st_size, st.st_mtime_ns):
                raise InputError(self.display(), "changed while being read; not read (scan it when it is not written)")
            return b"".join(chunks)
        except OSError as err:
            raise InputError(self.display(), f"cannot read: {err.strerror or err}") from err
        finally:
            os.close(fd)

    def read_text(self, limit: int | None = None) -> str:
        """The file decoded as UTF-8 (a byte-order mark is dropped); bad bytes are an error."""
        data = self.read_bytes(limit)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise InputError(self.display(), f"is not UTF-8 text (byte {err.start})") from err

    def read_head(self, n: int) -> bytes:
        """At most the first ``n`` bytes, for content sniffing; empty if unreadable.

        The walker offers each file (one TreePath) to every collector in turn and most of them
        sniff its first bytes: the head last read through this TreePath (at least
        :data:`HEAD_BYTES`) is kept, like its ``lstat``, and served again, so a file is opened
        once for all of them. Only one head is kept, whatever the number of paths alive.
        """
        global _last_head
        if _last_head is not None and _last_head[0] is self and (_last_head[2] or len(_last_head[1]) >= n):
            return _last_head[1][:n]
        want = max(n, HEAD_BYTES)
        try:
            fd = self._open()
        except InputError:
            return b""
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return b""
            head = os.read(fd, want)
        except OSError:
            return b""
        finally:
            os.close(fd)
        _last_head = (self, head, len(head) < want)
        return head[:n]
