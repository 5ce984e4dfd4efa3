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


# name -> (module under sovaudit.reports[:function, default render], description). Keep sorted by name.
FORMATS: dict[str, tuple[str, str]] = {
    "csv-components": ("csv_report:render_components", "CSV, one row per component: risk vector, KB entries, supplier"),
    "csv-findings": ("csv_report:render_findings", "CSV, one row per finding (RFC 4180; formula-safe cells)"),
    "dot": ("graph_formats:render_dot", "Graphviz DOT of the dependency graph: a cluster per layer, nodes by severity"),
    "graphml": ("graph_formats:render_graphml", "GraphML of the dependency graph (layer, kind, supplier, severity)"),
    "html": ("html", "self-contained HTML procurement report: charts, graph, findings, method, every component"),
    "json": ("json_report", "the audit document (format sovaudit-audit, schema sovaudit/schemas/audit-1.schema.json)"),
    "junit": ("junit", "JUnit XML: a test suite per layer, a test case per rule, a failure per finding; gates"),
    "markdown": ("markdown", "Markdown for a pull-request comment (scores, gates, findings; < 65,000 characters)"),
    "sarif": ("sarif", "SARIF 2.1.0 for code scanning: a result per finding, waived ones suppressed"),
    "terminal": ("terminal", "the summary for the terminal (the default); plain text with -o FILE"),
}


def names() -> list[str]:
    return sorted(FORMATS)


def renderer(name: str) -> Renderer:
    try:
        module, _ = FORMATS[name]
    except KeyError:
        raise ConfigError(f"-f: unknown report format {name!r}; choose from {', '.join(names())}") from None
    path, _, function = module.partition(":")  # "module" (its render) or "module:function"
    render: Renderer = getattr(import_module(f"sovaudit.reports.{path}"), function or "render")
    return render


def render(name: str, audit: Audit, tool_version: str) -> bytes:
    return renderer(name)(audit, tool_version)
