"""``sovaudit report``: the HTML procurement report of one stack, or 2-5 candidate stacks side by side.

Kept out of :mod:`sovaudit.cli` so that file stays about the core commands; it reuses the audit
options and ``run_audit`` from there, and ``sovaudit.cli`` registers the command at its end
(import ``sovaudit.cli``, not this module, first: this module imports from it).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import click

from sovaudit import __version__
from sovaudit.cli import CONTEXT_SETTINGS, OUTPUT, Settings, audit_options, run_audit, write_output
from sovaudit.errors import ConfigError

MAX_STACKS = 5


def default_label(path: str) -> str:
    """The name a stack goes by in the report: its folder's name, a file's name without suffixes."""
    if path.startswith("hf://"):
        return path.rstrip("/").rsplit("/", 1)[-1].split("@", 1)[0] or path
    p = Path(path)
    name = p.name if p.name not in ("", ".", "..") else Path(os.path.abspath(path)).name
    if not p.is_dir():
        name = name.split(".", 1)[0] or name
    return name or path


def stack_labels(paths: Sequence[str], given: Sequence[str]) -> list[str]:
    """One label per path (``--label`` in order, else the folder's name); they must differ."""
    if len(paths) > MAX_STACKS:
        raise ConfigError(
            f"report: compares at most {MAX_STACKS} stacks, got {len(paths)} PATHS; "
            "scan several inputs of one stack into one inventory first (sovaudit scan A B -o stack.inventory.json)"
        )
    if given and len(given) != len(paths):
        raise ConfigError(f"--label: give one per PATH ({len(paths)}), or none; got {len(given)}")
    labels = [label.strip() for label in given] if given else [default_label(p) for p in paths]
    if any(not label for label in labels):
        raise ConfigError("--label: a stack label cannot be empty")
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise ConfigError(
            f"report: two stacks would both be called {repeated[0]!r}; name them with --label (once per PATH, in order)"
        )
    return labels


@click.command("report", context_settings=CONTEXT_SETTINGS)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@audit_options
@click.option(
    "--fail-on",
    metavar="SEVERITY",
    help="Add the gate: no finding at or above SEVERITY (info, low, medium, high, critical).",
)
@click.option("--min-score", type=float, metavar="N", help="Add the gate: an overall score of at least N (0-100).")
@click.option(
    "--label",
    "labels",
    multiple=True,
    metavar="NAME",
    help="What to call each stack in the report, once per PATH in their order (default: the folder's name).",
)
@OUTPUT
@click.pass_obj
def report(
    settings: Settings,
    paths: tuple[str, ...],
    packs: tuple[str, ...],
    profile_name: str | None,
    kb_files: tuple[str, ...],
    waivers_file: str | None,
    fail_on: str | None,
    min_score: float | None,
    labels: tuple[str, ...],
    output: str | None,
) -> None:
    """Write the HTML procurement report of PATH, or compare 2-5 candidate stacks side by side.

    Each PATH is one stack (a folder, or an inventory written by `sovaudit scan -o`), audited
    with the same options as `sovaudit audit`. One PATH: the full report (scores, charts,
    dependency graph, findings with remediation and evidence, the method, every component).
    Two to five: a comparison for a tender committee (scores per layer and objective, gates,
    suppliers, lock-ins). The page is one self-contained file that loads nothing from the
    network; print it to PDF from the browser. Exit 0 once written, whatever the gates say
    (the report shows them; `sovaudit audit` exits 1 on a failed gate).

    \b
    Examples:
      sovaudit report sample_stacks/us-cloud-cuda -o report.html
      sovaudit report offer-a/ offer-b/ offer-c/ --profile eu-public-high -o comparison.html
      sovaudit report a.inventory.json b.inventory.json --label "Offer A" --label "Offer B" -o cmp.html
    """
    from sovaudit.reports import html

    names = stack_labels(paths, labels)
    audits = []
    for path, name in zip(paths, names, strict=True):
        if len(paths) > 1 and settings.verbosity >= 0:
            click.echo(f"sovaudit: report: auditing {name} ({path})", err=True)
        audits.append(
            run_audit(
                settings,
                [path],
                packs=packs,
                profile_name=profile_name,
                kb_files=kb_files,
                waivers_file=waivers_file,
                fail_on=fail_on,
                min_score=min_score,
            )
        )
    if len(audits) == 1:
        data = html.render(audits[0], __version__, label=names[0])
    else:
        data = html.render_comparison(list(zip(names, audits, strict=True)), __version__)
    write_output(data, output)


#: What sovaudit.cli registers; annotated because mypy cannot infer a decorated name across the import cycle.
report_cmd: click.Command = report
