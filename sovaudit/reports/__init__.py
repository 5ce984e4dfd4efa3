"""Audit report formats: one module each, a pure ``render(audit, tool_version) -> bytes``.

The table maps a format name (as given to ``sovaudit audit -f``) to the module that renders it
and a one-line description. Modules are imported only when their format is asked for, so that
adding a format costs nothing at start-up.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Protocol

from sovaudit.errors import ConfigError

if TYPE_CHECKING:
    from sovaudit.audit import Audit


class Renderer(Protocol):
    def __call__(self, audit: Audit, tool_version: str) -> bytes: ...


# name -> (module under sovaudit.reports, description). Keep sorted by name.
FORMATS: dict[str, tuple[str, str]] = {
    "json": ("json_report", "the audit document (format sovaudit-audit, schema sovaudit/schemas/audit-1.schema.json)"),
}


def names() -> list[str]:
    return sorted(FORMATS)


def renderer(name: str) -> Renderer:
    try:
        module, _ = FORMATS[name]
    except KeyError:
        raise ConfigError(f"-f: unknown report format {name!r}; choose from {', '.join(names())}") from None
    render: Renderer = import_module(f"sovaudit.reports.{module}").render
    return render


def render(name: str, audit: Audit, tool_version: str) -> bytes:
    return renderer(name)(audit, tool_version)
