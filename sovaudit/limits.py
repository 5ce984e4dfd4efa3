"""One policy of resource limits for reading untrusted input, and the guard that applies it.

sovaudit reads files written by anyone (images from public registries, model cards, lockfiles from
pull requests), in CI jobs that hold credentials. Every bound on what one input may cost lives in
:class:`Limits`: the bounded readers (:class:`sovaudit.fs.TreePath`, :class:`sovaudit.image_fs.ImageFS`)
and the scan's walker read their caps from it, and :func:`guard` applies the time budget and the
nesting bound around each collector call. Nothing re-implements these per collector: a collector's
own caps (a Dockerfile over 4 MiB is not a Dockerfile) can only be tighter, never looser.

The defaults are set so that real inputs never meet them; ``--limit NAME=VALUE`` on the command
line, or ``SOVAUDIT_LIMITS="NAME=VALUE ..."`` in the environment, changes them
(:func:`from_settings`). ``docs/security.md`` lists every limit with its default; a test checks
that the list and this class agree.
"""

from __future__ import annotations

import re
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from types import FrameType, TracebackType
from typing import TYPE_CHECKING

from sovaudit.errors import ConfigError, InputError

if TYPE_CHECKING:
    import yaml

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB


def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """Resource limits for reading untrusted input (``docs/security.md`` explains each)."""

    # -- files and trees (TreePath, the walker, the guard) ------------------------------------------
    max_file_bytes: int = field(default=64 * MiB, metadata=_doc("bytes of one file read whole"))
    max_database_bytes: int = field(
        default=512 * MiB, metadata=_doc("bytes of one package database or sovaudit inventory read whole")
    )
    max_files: int = field(default=2_000_000, metadata=_doc("files visited in one input tree (the rest skipped)"))
    max_entries: int = field(default=1_000_000, metadata=_doc("entries in one folder (a bigger one is not read)"))
    max_depth: int = field(default=64, metadata=_doc("folders nested in one input tree"))
    max_nesting: int = field(
        default=1000,
        metadata=_doc("depth of recursion while one input is read (about one per level of JSON or TOML nesting)"),
    )
    max_seconds_per_file: float = field(
        default=300.0,
        metadata=_doc("seconds one collector may spend on one input (a file, or a folder or image it claims)"),
    )
    # -- archives and container images (ImageFS) ----------------------------------------------------
    max_layer_bytes: int = field(default=16 * GiB, metadata=_doc("decompressed bytes of one image layer"))
    max_image_bytes: int = field(default=64 * GiB, metadata=_doc("decompressed bytes of all layers of one image"))
    max_ratio: int = field(
        default=200, metadata=_doc("decompressed : compressed size of a layer, checked past `ratio_after`")
    )
    ratio_after: int = field(default=256 * MiB, metadata=_doc("decompressed bytes before `max_ratio` is checked"))
    max_members: int = field(default=2_000_000, metadata=_doc("tar members in all layers of one image"))
    max_json_bytes: int = field(default=4 * MiB, metadata=_doc("bytes of one image index, manifest or config"))
    max_name_bytes: int = field(default=4096, metadata=_doc("bytes of one member name or link target"))
    max_pax_bytes: int = field(default=1 * MiB, metadata=_doc("bytes of one PAX extended header"))
    max_link_hops: int = field(default=40, metadata=_doc("symbolic links followed in one path inside an image"))
    max_zstd_window: int = field(default=1 << 27, metadata=_doc("zstd window size of a layer (memory per decoder)"))
    prefetch_bytes: int = field(
        default=64 * MiB, metadata=_doc("bytes of small files kept in memory while indexing one image")
    )
    prefetch_file_bytes: int = field(default=8 * MiB, metadata=_doc("... and of each such file"))
    checkpoint_every: int = field(
        default=16 * MiB, metadata=_doc("decompressed bytes between gzip checkpoints (memory for speed)")
    )
    max_checkpoints: int = field(default=1024, metadata=_doc("gzip checkpoints kept per layer"))

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) <= 0:
                raise ConfigError(f"limit {f.name}: must be greater than 0, not {getattr(self, f.name)}")


DEFAULT_LIMITS = Limits()

#: The environment variable holding limits (``NAME=VALUE`` separated by spaces or commas).
ENV_VAR = "SOVAUDIT_LIMITS"

_UNITS = {
    "": 1,
    "b": 1,
    "k": KiB,
    "kb": KiB,
    "kib": KiB,
    "m": MiB,
    "mb": MiB,
    "mib": MiB,
    "g": GiB,
    "gb": GiB,
    "gib": GiB,
    "t": 1024 * GiB,
    "tb": 1024 * GiB,
    "tib": 1024 * GiB,
}
_SECONDS = {"": 1.0, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}
_VALUE = re.compile(r"\s*([0-9][0-9_]*(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*")


def names() -> list[str]:
    """Every limit's name, in the order of the class (the order docs/security.md lists them)."""
    return [f.name for f in fields(Limits)]


def describe() -> list[tuple[str, str, str]]:
    """``(name, default as written, what it bounds)`` for every limit: the table in docs/security.md."""
    return [(f.name, format_value(f.name, getattr(DEFAULT_LIMITS, f.name)), f.metadata["doc"]) for f in fields(Limits)]


def format_value(name: str, value: float) -> str:
    """A limit's value as a person writes it: ``64MiB``, ``300s``, ``2000000``."""
    if name == "max_seconds_per_file":
        return f"{value:g}s"
    if name.endswith(("_bytes", "_after", "_every", "_window")):
        for unit, size in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
            if value >= size and value % size == 0:
                return f"{int(value // size)}{unit}"
    return f"{int(value)}"


def parse_value(name: str, text: str) -> int | float:
    """``64MiB``, ``1_000``, ``2G``, ``30s`` (seconds only for the time budget); ConfigError otherwise."""
    m = _VALUE.fullmatch(text)
    if m is None:
        raise ConfigError(f"limit {name}={text}: not a number (examples: 64MiB, 2000, 30s)")
    number, unit = m.group(1).replace("_", ""), m.group(2).lower()
    if name == "max_seconds_per_file":
        if unit not in _SECONDS:
            raise ConfigError(f"limit {name}={text}: unknown unit {m.group(2)!r} (s, min or h)")
        return float(number) * _SECONDS[unit]
    if unit not in _UNITS:
        raise ConfigError(f"limit {name}={text}: unknown unit {m.group(2)!r} (KiB, MiB, GiB or none)")
    value = float(number) * _UNITS[unit]
    if value != int(value):
        raise ConfigError(f"limit {name}={text}: not a whole number")
    return int(value)


def with_overrides(base: Limits, items: Sequence[str], origin: str) -> Limits:
    """``base`` with ``NAME=VALUE`` items applied; ``origin`` names where they came from in errors."""
    known = names()
    changes: dict[str, int | float] = {}
    for item in items:
        name, eq, text = item.partition("=")
        name = name.strip().replace("-", "_")
        if not eq or not name:
            raise ConfigError(f"{origin}: {item!r} is not NAME=VALUE")
        if name not in known:
            raise ConfigError(f"{origin}: no limit named {name!r}; known: {', '.join(known)}")
        try:
            changes[name] = parse_value(name, text)
        except ConfigError as err:
            raise ConfigError(f"{origin}: {err}") from None
    try:
        return replace(base, **changes)  # type: ignore[arg-type]
    except ConfigError as err:
        raise ConfigError(f"{origin}: {err}") from None


def from_settings(env: Mapping[str, str], options: Sequence[str] = ()) -> Limits:
    """The policy for a run: the defaults, then ``SOVAUDIT_LIMITS``, then ``--limit`` options."""
    limits = DEFAULT_LIMITS
    text = env.get(ENV_VAR, "").strip()
    if text:
        limits = with_overrides(limits, [i for i in re.split(r"[\s,]+", text) if i], ENV_VAR)
    if options:
        limits = with_overrides(limits, options, "--limit")
    return limits


# -- the guard around one collector call ------------------------------------------------------------
class TimeBudgetExceeded(BaseException):
    """Raised by the timer inside a collector that ran out of time.

    A BaseException, like KeyboardInterrupt: collectors catch ``Exception`` (and ``InputError``)
    to record a bad member and go on, and must not swallow this. :func:`guard` turns it into an
    InputError naming the input whose budget ran out.
    """


#: The inputs being read under a guard, outermost first.
_active: list[str] = []


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    """Interrupt the collector; not the guard's own code (the interval timer comes back 0.1 s later)."""
    if _active and (frame is None or frame.f_code.co_filename != __file__):
        raise TimeBudgetExceeded


def _frames() -> int:
    """How deep the call stack is now (the nesting bound is counted from here)."""
    depth = 0
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        depth += 1
        frame = frame.f_back
    return depth


class guard:  # lower case: used like a function, ``with guard(path, limits):``
    """Apply the per-input limits that no reader can: time and nesting; their breach is an InputError.

    * **Time**: an interval timer (``SIGALRM``, main thread only) interrupts a collector still busy
      after ``max_seconds_per_file``; it fires again every tenth of a second until the guard is left,
      so a collector that swallowed it is interrupted again. Only the outermost guard sets a timer
      (an image is one input: its files are read within the image's budget). The handler stays
      installed between guards, where it does nothing (installing it costs more than a small file's read).
    * **Nesting**: Python's recursion limit is set ``max_nesting`` frames above the current depth,
      so a parser or a collector walking a structure nested deeper stops with RecursionError,
      reported here as one line naming the input.
    * Running out of memory on one input is reported the same way rather than as a crash.

    A class rather than a generator: it wraps every collector call, so it is kept cheap (about 20 µs).
    """

    __slots__ = ("_display", "_limits", "_old_limit", "_outer", "_timed")

    def __init__(self, display: str, limits: Limits) -> None:
        self._display = display
        self._limits = limits
        self._outer = False
        self._timed = False
        self._old_limit = 0

    def __enter__(self) -> None:
        self._outer = not _active
        if self._outer:
            self._old_limit = sys.getrecursionlimit()
            sys.setrecursionlimit(_frames() + self._limits.max_nesting)
            self._timed = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        if self._timed:
            if signal.getsignal(signal.SIGALRM) is not _on_alarm:
                signal.signal(signal.SIGALRM, _on_alarm)
            signal.setitimer(signal.ITIMER_REAL, self._limits.max_seconds_per_file, 0.1)
        _active.append(self._display)

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None) -> None:
        _active.pop()
        if self._timed:
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
        if self._outer:
            sys.setrecursionlimit(self._old_limit)
        if kind is None:
            return
        limits = self._limits
        if issubclass(kind, TimeBudgetExceeded) and self._outer:
            raise InputError(
                self._display,
                f"still being read after {limits.max_seconds_per_file:g} s (the max_seconds_per_file limit); not read",
            ) from None
        if issubclass(kind, RecursionError):
            raise InputError(
                self._display, f"nested too deeply to read (the max_nesting limit is {limits.max_nesting})"
            ) from None
        if issubclass(kind, MemoryError):
            raise InputError(self._display, "ran out of memory while being read; not read") from None


# -- YAML aliases -----------------------------------------------------------------------------------
#: Most aliases one YAML document may use, and how much larger than written its aliases may make it.
MAX_YAML_ALIASES = 100
MAX_YAML_EXPANSION = 4


def _yaml_children(node: yaml.Node) -> list[yaml.Node]:
    import yaml

    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def check_yaml_aliases(root: yaml.Node, display: str) -> None:
    """Refuse a composed YAML document with a recursive alias, more than :data:`MAX_YAML_ALIASES`
    aliases, or aliases that expand it to more than :data:`MAX_YAML_EXPANSION` times what it writes.

    For the collectors that compose YAML (nodes, nothing constructed) and then convert it: the
    check walks the node graph once, each node once, so a billion-laughs document costs its size.
    """
    state: dict[int, int] = {}  # id -> 1 visiting, 2 done
    size: dict[int, int] = {}  # id -> nodes once every alias is expanded
    aliases = 0
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        key = id(node)
        if leaving:
            size[key] = 1 + sum(size[id(c)] for c in _yaml_children(node))
            state[key] = 2
            continue
        seen = state.get(key)
        if seen == 1:
            raise InputError(display, "has a recursive YAML alias; refused")
        if seen == 2:
            aliases += 1
            if aliases > MAX_YAML_ALIASES:
                raise InputError(
                    display, f"uses more than {MAX_YAML_ALIASES} YAML aliases; refused as a possible alias bomb"
                )
            continue
        state[key] = 1
        stack.append((node, True))
        stack.extend((c, False) for c in _yaml_children(node))
    written, expanded = len(size), size[id(root)]
    if expanded > MAX_YAML_EXPANSION * written + 10_000:
        raise InputError(
            display, f"YAML aliases expand {written:,} nodes to {expanded:,}; refused as a possible alias bomb"
        )
