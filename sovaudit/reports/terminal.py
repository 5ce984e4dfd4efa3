"""The terminal summary: layer scores as bars, what costs the most points, what to do first.

One layout, two destinations: :func:`render` gives plain text of a fixed width (no colour, so the
bytes depend on the audit alone: ``sovaudit audit -f terminal -o summary.txt``), and :func:`show`
prints the same layout to the real terminal, in colour when it is one (rich decides: a pipe,
``NO_COLOR`` or ``TERM=dumb`` get none; ``FORCE_COLOR`` forces it).
"""

from __future__ import annotations

import io
from collections import defaultdict
from typing import TYPE_CHECKING

from sovaudit.model import Finding, Severity

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from sovaudit.audit import Audit

#: Width of the plain-text rendering (a terminal's width is used when printing to one).
WIDTH = 100
#: Findings listed under "Top findings", rules under "What to do first", waived findings listed.
TOP_FINDINGS = 8
TOP_ACTIONS = 5
WAIVED_LISTED = 8

_SEV_STYLE = {Severity.CRITICAL: "bold red", Severity.HIGH: "red", Severity.MEDIUM: "yellow"}


def render(audit: Audit, tool_version: str) -> bytes:
    """The summary as plain UTF-8 text, ``WIDTH`` columns wide."""
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(
        file=buffer, width=WIDTH, color_system=None, force_terminal=False, highlight=False, emoji=False, no_color=True
    )
    _print(console, audit, tool_version)
    lines = (line.rstrip() for line in buffer.getvalue().splitlines())  # rich pads table cells
    return ("\n".join(lines) + "\n").encode("utf-8")


def show(audit: Audit, tool_version: str) -> None:
    """Print the summary on stdout, coloured when stdout is a terminal that takes colour."""
    from rich.console import Console

    _print(Console(highlight=False, emoji=False), audit, tool_version)


def bar(score: float | None, width: int = 20) -> str:
    """A score 0-100 as a bar of ``width`` cells (rich markup), dotted when not assessed."""
    if score is None:
        return "[dim]" + "·" * width + "[/dim]"
    filled = round(score / 100 * width)
    colour = "green" if score >= 75 else "yellow" if score >= 50 else "red"
    return f"[{colour}]" + "█" * filled + "[/]" + "[dim]" + "░" * (width - filled) + "[/dim]"


def pips(level: int | None) -> str:
    """A level 0-4 as four pips (``●●○○`` is level 2), so levels read as bars too."""
    if level is None:
        return "[dim]-[/dim]"
    return f"{level} " + "●" * level + "[dim]" + "○" * (4 - level) + "[/dim]"


def severity_style(sev: Severity) -> str:
    return _SEV_STYLE.get(sev, "dim")


def _print(out: Console, audit: Audit, tool_version: str) -> None:
    from rich.markup import escape

    s = audit.scores
    overall = f"{s.overall_score:.0f}" if s.overall_score is not None else "n/a"
    csf = f"{s.csf_score:g}" if s.csf_score is not None else "n/a"
    level = s.overall_level if s.overall_level is not None else "-"
    out.print(
        f"[bold]sovaudit audit[/bold]  {len(audit.inventory.components)} components, "
        f"{audit.today.isoformat()}  [dim](sovaudit {escape(tool_version)})[/dim]"
    )
    out.print(f"[bold]overall {overall}/100, level {level}[/bold]  (EU-CSF view {csf})")
    _layers(out, audit)
    costs = {c.finding: c.points for c in s.costs}
    live = sorted((f for f in audit.findings if not f.waiver), key=lambda f: (-costs[f.id], -f.severity, f.id))
    if live:
        _top_findings(out, live, costs)
        _actions(out, live, costs)
    else:
        out.print("\nNo live findings.")
    if s.single_points_of_failure:
        names = {c.id: c.name for c in audit.inventory.components}
        spofs = [names.get(c, c) for c in s.single_points_of_failure]
        out.print("\n[bold]Single points of failure[/bold]: " + escape(", ".join(spofs)))
    _waivers(out, audit)
    if audit.stale_entries:
        out.print(f"[yellow]knowledge past its review date[/yellow]: {escape(', '.join(audit.stale_entries))}")
    _gates(out, audit)


def _layers(out: Console, audit: Audit) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(show_edge=False, box=None, pad_edge=False)
    table.add_column("layer")
    table.add_column("score", justify="right")
    table.add_column("")
    table.add_column("level")
    table.add_column("findings", justify="right")
    table.add_column("top supplier", no_wrap=True, overflow="ellipsis", max_width=36)
    for ls in audit.scores.layers:
        top = f"{ls.top_supplier} {ls.top_supplier_share:.0%}" if ls.top_supplier else ""
        table.add_row(
            ls.layer.value,
            f"{ls.score:.0f}" if ls.score is not None else "n/a",
            bar(ls.score),
            pips(ls.level),
            str(len(ls.findings)),
            escape(top),
        )
    out.print(table)


def _grid() -> Table:
    """Columns whose last one wraps under itself, so long messages stay readable."""
    from rich.table import Table

    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True, justify="right")
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    return grid


def _top_findings(out: Console, live: list[Finding], costs: dict[str, float]) -> None:
    from rich.markup import escape

    out.print("\n[bold]Top findings[/bold] (by points lost)")
    grid = _grid()
    for f in live[:TOP_FINDINGS]:
        text = escape(f.message)
        if f.evidence:
            more = f" (+{len(f.evidence) - 1})" if len(f.evidence) > 1 else ""
            text += f"\n[dim]at {escape(f.evidence[0].describe())}{more}[/dim]"
        grid.add_row(f"  [{severity_style(f.severity)}]{f.severity}[/]", f"{costs[f.id]:.1f} pts", escape(f.rule), text)
    out.print(grid)
    if len(live) > TOP_FINDINGS:
        out.print(f"  [dim]… {len(live) - TOP_FINDINGS} more (sovaudit audit -f json; sovaudit explain PATH ID)[/dim]")


def _actions(out: Console, live: list[Finding], costs: dict[str, float]) -> None:
    """One line per rule: the remediation of its costliest finding, rules ordered by points at stake."""
    from rich.markup import escape
    from rich.table import Table

    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in live:
        by_rule[f.rule].append(f)
    ranked = sorted(by_rule.items(), key=lambda kv: (-sum(costs[f.id] for f in kv[1]), kv[0]))
    shown = [(rule, fs) for rule, fs in ranked if fs[0].remediation][:TOP_ACTIONS]
    if not shown:
        return
    out.print("\n[bold]What to do first[/bold] (rules whose findings cost the most points)")
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, justify="right")
    grid.add_column(overflow="fold")
    for n, (rule, fs) in enumerate(shown, 1):
        points = sum(costs[f.id] for f in fs)
        grid.add_row(
            f"  {n}.",
            f"{escape(fs[0].remediation)}\n[dim]{escape(rule)}: {len(fs)} finding(s), {points:.1f} pts[/dim]",
        )
    out.print(grid)


def _waivers(out: Console, audit: Audit) -> None:
    from rich.markup import escape
    from rich.table import Table

    waived = sorted((f for f in audit.findings if f.waiver), key=lambda f: f.id)
    if waived:
        out.print(f"\n[bold]Waived[/bold]: {len(waived)} finding(s), costing no points")
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")
        for f in waived[:WAIVED_LISTED]:
            grid.add_row(" ", f"{escape(f.id)}\n[dim]{escape(f.waiver)}[/dim]")
        out.print(grid)
        if len(waived) > WAIVED_LISTED:
            out.print(f"  [dim]… {len(waived) - WAIVED_LISTED} more[/dim]")
    for w in audit.expired_waivers:
        out.print(
            f"[yellow]expired waiver[/yellow] {escape(w.finding)} (owner {escape(w.owner)}, expired {w.expires}) "
            f"— {escape(w.origin)}:{w.line}"
        )


def _gates(out: Console, audit: Audit) -> None:
    from rich.markup import escape
    from rich.table import Table

    if not audit.gates:
        return
    out.print("\n[bold]Gates[/bold]" + (f" (profile {escape(audit.profile.name)})" if audit.profile else ""))
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for g in audit.gates:
        mark = "  [green]pass[/green]" if g.passed else "  [red]FAIL[/red]"
        grid.add_row(mark, f"{escape(g.name)}: {escape(g.detail)}")
    out.print(grid)
