"""A read-only, bounded view of the tree being scanned.

Collectors never touch :mod:`pathlib` directly: they get a :class:`TreePath`, which

* never leaves the scanned root (a symbolic link whose target is outside it raises
  :class:`~sovaudit.errors.InputError` naming the link),
* never reads more than the limits allow (a 200 MB "METADATA" is an error, not a memory spike),
* reads only regular files (no named pipes, devices or sockets: they could block forever),
* names every file relative to the input the user gave, for evidence.

Container images (a later collector family) provide the same interface over merged layers, so
every collector runs unchanged inside an image.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath

from sovaudit.errors import InputError

MiB = 1024 * 1024
_HERE = PurePosixPath()


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """Resource limits for reading untrusted input."""

    max_file_bytes: int = 64 * MiB  # one file a collector reads whole
    max_files: int = 2_000_000  # files visited in one input tree
    max_depth: int = 64  # directory nesting


DEFAULT_LIMITS = Limits()


@lru_cache(maxsize=8192)
def _resolved_folder(path: str) -> str:
    """The real path of a folder; cached, since every file read resolves its folder."""
    return os.path.realpath(path)


def clear_cache() -> None:
    """Forget resolved folders (a new scan starts; the tree may have changed)."""
    _resolved_folder.cache_clear()


class TreePath:
    """A path inside a scanned root. Cheap to create; touches the disk only when asked."""

    __slots__ = ("_display_root", "_limits", "_lstat", "_rel", "_root")

    def __init__(
        self,
        root: Path,
        rel: PurePosixPath = _HERE,
        *,
        display_root: str = "",
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self._root = root
        self._rel = rel
        self._display_root = display_root
        self._limits = limits
        self._lstat: os.stat_result | None = None

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
        return TreePath(self._root, self._rel / name, display_root=self._display_root, limits=self._limits)

    # -- names ---------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._rel.name or PurePosixPath(self._display_root).name

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.name).suffix

    @property
    def rel(self) -> PurePosixPath:
        """The path relative to the scanned root."""
        return self._rel

    @property
    def parent(self) -> TreePath:
        return TreePath(self._root, self._rel.parent, display_root=self._display_root, limits=self._limits)

    @property
    def limits(self) -> Limits:
        return self._limits

    def display(self) -> str:
        """How this path appears in evidence and messages: the user's input joined with rel."""
        rel = str(self._rel) if str(self._rel) != "." else ""
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
        return isinstance(other, TreePath) and (self._root, self._rel) == (other._root, other._rel)

    def __hash__(self) -> int:
        return hash((self._root, self._rel))

    # -- the file system, bounded --------------------------------------------------------------
    @property
    def _os_path(self) -> Path:
        return self._root / self._rel

    def _stat_nolink(self) -> os.stat_result | None:
        if self._lstat is None:
            try:
                self._lstat = os.lstat(self._os_path)
            except OSError:
                return None
        return self._lstat

    def is_link(self) -> bool:
        st = self._stat_nolink()
        return st is not None and stat.S_ISLNK(st.st_mode)

    def _real(self) -> Path:
        """The target on disk, checked to stay inside the root."""
        st = self._stat_nolink()
        if st is not None and not stat.S_ISLNK(st.st_mode) and self._rel.name:
            # Not a link itself: only its folder can lead elsewhere, and that is resolved once.
            real = Path(_resolved_folder(str(self._os_path.parent))) / self._rel.name
        else:
            real = Path(os.path.realpath(self._os_path))
        if not real.is_relative_to(self._root):
            raise InputError(self.display(), "is a link that leaves the scanned tree; not followed")
        return real

    def escapes(self) -> bool:
        """True when this path is (or passes through) a link out of the root."""
        try:
            self._real()
        except InputError:
            return True
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
        """Child names in order, without building a TreePath each (cheap folder probes)."""
        try:
            return sorted(os.listdir(self._real()))
        except InputError:
            raise
        except OSError as err:
            raise InputError(self.display(), f"cannot list folder: {err.strerror or err}") from err

    def read_bytes(self, limit: int | None = None) -> bytes:
        """The whole file, if it is a regular file within the size limit."""
        cap = self._limits.max_file_bytes if limit is None else limit
        real = self._real()
        try:
            fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
        except OSError as err:
            raise InputError(self.display(), f"cannot open: {err.strerror or err}") from err
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise InputError(self.display(), "is not a regular file; not read")
            if st.st_size > cap:
                raise InputError(self.display(), f"is {st.st_size:,} bytes, over the {cap:,}-byte limit for one file")
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
        """At most the first ``n`` bytes, for content sniffing; empty if unreadable."""
        try:
            real = self._real()
            fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except (InputError, OSError):
            return b""
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return b""
            return os.read(fd, n)
        except OSError:
            return b""
        finally:
            os.close(fd)
