"""Registries of the pluggable stages: built-ins from a literal table, plugins from entry points.

A built-in is named ``"module:Class"`` and imported only when it is first used, so a command that
needs one collector does not pay for importing all of them. A plugin that fails to load, or whose
name clashes with another, stops the run with :class:`~sovaudit.errors.PluginError`: a silently
smaller audit would look clean.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Generic, TypeVar

from sovaudit.errors import PluginError

T = TypeVar("T")


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
