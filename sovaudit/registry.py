"""Registries of the pluggable stages: built-ins from a literal table, plugins from entry points.

A built-in is named ``"module:Class"`` and imported only when it is first used, so a command that
needs one collector does not pay for importing all of them. A plugin that fails to load, or whose
name clashes with another, stops the run with :class:`~sovaudit.errors.PluginError`: a silently
smaller audit would look clean.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

from sovaudit.errors import PluginError

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

T = TypeVar("T")


def entry_points(group: str) -> Sequence[EntryPoint]:
    """``importlib.metadata.entry_points(group=group)``, without importing ``importlib.metadata``
    (about 30 ms with the ``email`` package it loads) when no installed distribution declares the
    group at all, which is the usual case: no plugins installed.
    """
    declared = declared_groups()
    if declared is not None and group not in declared:
        return ()
    from importlib.metadata import entry_points as read

    return tuple(read(group=group))


def declared_groups() -> frozenset[str] | None:
    """Every entry-point group named in an ``entry_points.txt`` of a distribution on ``sys.path``.

    The distributions are found where ``importlib.metadata`` finds them (``*.dist-info`` and
    ``*.egg-info`` folders directly in each ``sys.path`` folder, ``""`` being the current
    folder); a section header there is the only way a group can have entries. None when this
    cannot be told so simply: a zip file or an ``.egg`` on ``sys.path``, an import finder that
    provides distributions of its own, a file that cannot be read. ``importlib.metadata`` is
    asked then.
    """
    from importlib.machinery import PathFinder

    if any(getattr(f, "find_distributions", None) is not None and f is not PathFinder for f in sys.meta_path):
        return None
    groups: set[str] = set()
    for entry in sys.path:
        root = entry or "."
        if not isinstance(root, str) or os.path.basename(root).lower().endswith(".egg"):
            return None
        try:
            names = os.listdir(root)
        except OSError:
            if os.path.exists(root):
                return None  # a zip file, or a folder that cannot be listed
            continue
        for name in names:
            if not name.lower().endswith((".dist-info", ".egg-info")):
                continue
            try:
                with open(os.path.join(root, name, "entry_points.txt"), encoding="utf-8") as fh:
                    text = fh.read()
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError):
                continue  # what importlib.metadata skips too
            except Exception:  # anything else is for importlib.metadata to report
                return None
            for line in text.splitlines():
                line = line.strip()
                if line.startswith("[") and line.endswith("]"):
                    groups.add(line.strip("[]"))
    return frozenset(groups)


class Registry(Generic[T]):
    """Names (the CLI spelling) to plugin classes of one stage."""

    def __init__(self, group: str, builtins: Mapping[str, str], base: type[T]) -> None:
        self.group = group
        self._targets: dict[str, str] = dict(builtins)
        self._origin: dict[str, str] = dict.fromkeys(builtins, "built-in")
        self._base = base
        self._loaded: dict[str, type[T]] = {}
        self._plugins_read = False

    def _read_plugins(self) -> None:
        if self._plugins_read:
            return
        self._plugins_read = True
        for ep in sorted(entry_points(group=self.group), key=lambda e: e.name):
            dist = ep.dist.name if ep.dist is not None else "?"
            if ep.name in self._targets:
                raise PluginError(
                    f"plugin {ep.name!r} from {dist} ({self.group}) clashes with the {self._origin[ep.name]} "
                    f"of the same name; uninstall one of them"
                )
            self._targets[ep.name] = ep.value
            self._origin[ep.name] = f"plugin from {dist}"

    def names(self) -> list[str]:
        self._read_plugins()
        return sorted(self._targets)

    def is_builtin(self, name: str) -> bool:
        """Whether ``name`` is one of the built-ins (not a plugin, not unknown)."""
        return self._origin.get(name) == "built-in"

    def get(self, name: str) -> type[T]:
        self._read_plugins()
        if name in self._loaded:
            return self._loaded[name]
        try:
            target = self._targets[name]
        except KeyError:
            raise PluginError(f"no {self.group} entry named {name!r}; known: {', '.join(self.names())}") from None
        module_name, _, attr = target.partition(":")
        try:
            obj = getattr(importlib.import_module(module_name), attr)
        except Exception as err:  # a broken plugin must stop the run, whatever it raised
            raise PluginError(f"{self._origin[name]} {name!r} ({target}) failed to load: {err}") from err
        if not (isinstance(obj, type) and issubclass(obj, self._base)):
            raise PluginError(f"{self._origin[name]} {name!r} ({target}) is not a {self._base.__name__}")
        self._loaded[name] = obj
        return obj

    def all(self) -> list[type[T]]:
        return [self.get(n) for n in self.names()]
