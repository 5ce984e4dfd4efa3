"""The CI commands ``gate``, ``diff`` and ``history``; recording audits into the history; and the
configuration file's values as click defaults (:class:`ConfigDefaults`).

Registered on the main group at the bottom of :mod:`sovaudit.cli` (this module imports that one,
so it cannot be imported from its top). Like the rest of the CLI: options -> library calls
(:mod:`sovaudit.baseline`, :mod:`sovaudit.gate`, :mod:`sovaudit.diff`, :mod:`sovaudit.history`)
-> render -> exit code.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sovaudit import __version__
from sovaudit.cli import (
    CONTEXT_SETTINGS,
    HOST,
    OUTPUT,
    PATHS,
    Settings,
    audit_options,
    parse_severity,
    run_audit,
    timestamp_from_env,
    write_output,
)
from sovaudit.errors import ConfigError, ExitCode, SovauditError

if TYPE_CHECKING:
    from sovaudit.audit import Audit
    from sovaudit.baseline import AuditSnapshot
    from sovaudit.config import Config

NO_RECORD = click.option(
    "--no-record", is_flag=True, help="Do not record this audit in the audit history (see `sovaudit history`)."
)

#: gate's side outputs: report format (sovaudit.reports) -> what the option's help says it is for.
SIDE_OUTPUTS = {
    "sarif": "SARIF 2.1.0, for code scanning (GitHub, GitLab)",
    "markdown": "Markdown, for a job summary or a merge-request comment",
    "junit": "JUnit XML, for CI test reports",
    "json": "the audit document (format sovaudit-audit): the next run's baseline",
}


def side_output_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for name, purpose in reversed(SIDE_OUTPUTS.items()):
        f = click.option(f"--{name}", f"{name}_out", metavar="FILE", help=f"Also write the audit as {purpose}.")(f)
    return f


# -- configuration --------------------------------------------------------------------------------
_AUDIT_PARAMS = ("packs", "profile_name", "kb_files", "waivers_file")
#: Which command takes which configured value, by click parameter name.
COMMAND_PARAMS: dict[str, tuple[str, ...]] = {
    "audit": (*_AUDIT_PARAMS, "fail_on", "min_score"),
    "explain": _AUDIT_PARAMS,
    "diff": _AUDIT_PARAMS,
    "gate": (*_AUDIT_PARAMS, "fail_on", "min_score", "max_score_drop", "baseline"),
    "report": (*_AUDIT_PARAMS, "fail_on", "min_score"),
}


def config_params(cfg: Config) -> dict[str, Any]:
    """The configured values by click parameter name (only those that are set)."""
    values: dict[str, Any] = {
        "packs": list(cfg.packs) or None,
        "profile_name": cfg.profile,
        "kb_files": list(cfg.kb) or None,
        "waivers_file": cfg.waivers,
        "fail_on": cfg.fail_on,
        "min_score": cfg.min_score,
        "max_score_drop": cfg.max_score_drop,
        "baseline": cfg.baseline,
    }
    return {k: v for k, v in values.items() if v is not None}


class ConfigDefaults(MutableMapping[str, Any]):
    """click's ``default_map`` from .sovaudit.toml, read only when a command that uses it runs.

    So ``sovaudit kb search`` neither pays for the configuration nor fails on a broken one, and
    the commands that do use it report a broken file as their error. Options given on the
    command line win, as they always do over click defaults.
    """

    def __init__(self) -> None:
        self._loaded: dict[str, Any] | None = None

    def _maps(self) -> dict[str, Any]:
        if self._loaded is None:
            from sovaudit import config

            params = config_params(config.load())
            self._loaded = {
                cmd: {k: v for k, v in params.items() if k in names} for cmd, names in COMMAND_PARAMS.items()
            }
        return self._loaded

    def __getitem__(self, command: str) -> Any:
        if command not in COMMAND_PARAMS:
            raise KeyError(command)
        return self._maps()[command]

    def __setitem__(self, command: str, value: Any) -> None:
        self._maps()[command] = value

    def __delitem__(self, command: str) -> None:
        del self._maps()[command]

    def __iter__(self) -> Iterator[str]:
        return iter(COMMAND_PARAMS)

    def __len__(self) -> int:
        return len(COMMAND_PARAMS)


# -- recording ------------------------------------------------------------------------------------
def history_path(cfg: Config) -> Path:
    """The store: $SOVAUDIT_HISTORY, the configured path, or the XDG state folder."""
    from sovaudit.history import store_path

    return store_path(os.environ, cfg.history_path)


def current_stack(cfg: Config, paths: Sequence[str], host: bool) -> str:
    """The name the history knows these inputs by: the configured one, else one made from the paths."""
    from sovaudit.history import stack_name

    return cfg.stack or stack_name(paths, host=host, cwd=Path.cwd())


def record(
    settings: Settings, result: Audit, paths: Sequence[str], *, host: bool, command: str, passed: bool, enabled: bool
) -> None:
    """Record an audit in the history. A failure is a warning: the audit itself is already out."""
    import sqlite3

    from sovaudit import config, history
    from sovaudit.audit import to_dict
    from sovaudit.gitrepo import find_root, head_commit

    if not enabled:
        return
    where = "the audit history"
    try:
        cfg = config.load()
        if not cfg.history_enabled:
            return
        path = history_path(cfg)
        where = str(path)
        root = find_root(Path(paths[0]) if paths and not paths[0].startswith("hf://") else Path.cwd())
        stamp = timestamp_from_env("now")
        history.record(
            path,
            to_dict(result, __version__),
            stack=current_stack(cfg, paths, host),
            commit=head_commit(root) if root else "",
            command=command,
            passed=passed,
            recorded_at=(stamp or datetime.now(tz=UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
    except (sqlite3.Error, OSError, SovauditError) as err:
        if settings.verbosity >= 0:
            message = err.one_line() if isinstance(err, SovauditError) else f"{where}: {err}"
            click.echo(f"sovaudit: warning: the audit was not recorded: {message}", err=True)


# -- baselines ------------------------------------------------------------------------------------
def load_snapshot(spec: str, stack: str, cfg: Config, audit_inputs: Callable[[str], Audit]) -> AuditSnapshot:
    """An audit document, ``history:[ID|STACK]``, or inputs audited with the current options."""
    from sovaudit import baseline, history

    if spec.startswith("history:"):
        return history.snapshot(history_path(cfg), spec.removeprefix("history:"), stack)
    return baseline.load(spec, lambda s: baseline.from_audit(audit_inputs(s), __version__, s))


def _side_outputs(wanted: dict[str, str | None]) -> list[tuple[str, str]]:
    """The side outputs asked for; a format this sovaudit does not have is an error before any scan."""
    from sovaudit import reports

    out = []
    for name, path in wanted.items():
        if not path:
            continue
        if name not in reports.FORMATS:
            raise ConfigError(
                f"--{name} {path}: this sovaudit has no {name} report format (it has: {', '.join(reports.names())})"
            )
        out.append((name, path))
    return out


# -- commands -------------------------------------------------------------------------------------
@click.command("gate", context_settings=CONTEXT_SETTINGS)
@PATHS
@click.option(
    "--baseline",
    metavar="SPEC",
    help="What to compare with: an audit JSON (sovaudit audit -f json), an inventory or raw inputs (audited "
    "with the options given here), or history:[ID|STACK] (history: alone: the last passing audit of these "
    "PATHS). Default: `baseline` in .sovaudit.toml.",
)
@audit_options
@click.option(
    "--fail-on",
    metavar="SEVERITY",
    help="Fail on a new finding at or above SEVERITY (info, low, medium, high, critical). Default: the "
    "profile's, else high.",
)
@click.option(
    "--min-score", type=float, metavar="N", help="Fail if the overall score is below N (unless it was in the baseline)."
)
@click.option(
    "--max-score-drop",
    type=click.FloatRange(min=0),
    metavar="N",
    help="Fail if a layer's score is more than N points below the baseline's. Default: 5.",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="The verdict as text, Markdown (a CI job summary) or JSON.",
)
@OUTPUT
@side_output_options
@NO_RECORD
@HOST
@click.pass_obj
def gate_cmd(
    settings: Settings,
    paths: tuple[str, ...],
    baseline: str | None,
    packs: tuple[str, ...],
    profile_name: str | None,
    kb_files: tuple[str, ...],
    waivers_file: str | None,
    fail_on: str | None,
    min_score: float | None,
    max_score_drop: float | None,
    fmt: str,
    output: str | None,
    sarif_out: str | None,
    markdown_out: str | None,
    junit_out: str | None,
    json_out: str | None,
    no_record: bool,
    host: bool,
) -> None:
    """Fail (exit 1) only on what is new or worse in PATHS than in a baseline, and say why.

    New or worse: a new finding at or above --fail-on that no valid waiver covers (or a finding
    whose waiver is gone), a layer score more than --max-score-drop points lower, an audit gate
    (the profile's levels and hard gates, --min-score) that fails now and did not before, an
    expired waiver for a finding the stack still has. What the baseline already had is a note.

    \b
    Examples:
      sovaudit audit . -f json -o .sovaudit/baseline.json      # once, on the main branch
      sovaudit gate . --baseline .sovaudit/baseline.json --waivers waivers.yaml
      sovaudit gate . --baseline history: --sarif gate.sarif -f markdown -o summary.md
    """
    from sovaudit import baseline as baseline_mod
    from sovaudit import config, reports
    from sovaudit import gate as gate_mod

    sides = _side_outputs({"sarif": sarif_out, "markdown": markdown_out, "junit": junit_out, "json": json_out})
    if not paths and not host:
        raise click.UsageError("give at least one PATH (or --host)")
    if not baseline:
        raise click.UsageError(
            "give --baseline (an audit JSON, an inventory, or history:), or set baseline in .sovaudit.toml"
        )
    threshold = parse_severity(fail_on)
    # The threshold is judged here, on new findings only; the audit is not given it.
    options: dict[str, Any] = {
        "packs": packs, "profile_name": profile_name, "kb_files": kb_files, "waivers_file": waivers_file,
        "fail_on": None, "min_score": min_score,
    }  # fmt: skip

    def audit_inputs(spec: str) -> Audit:
        return run_audit(settings, [spec], **options)

    cfg = config.load()
    before = load_snapshot(baseline, current_stack(cfg, paths, host), cfg, audit_inputs)
    result = run_audit(settings, paths, host=host, **options)
    if threshold is None:
        threshold = result.profile.fail_on if result.profile and result.profile.fail_on else gate_mod.DEFAULT_FAIL_ON
    policy = gate_mod.Policy(
        fail_on=threshold,
        max_score_drop=gate_mod.DEFAULT_MAX_SCORE_DROP if max_score_drop is None else max_score_drop,
    )
    source = " ".join(paths) + (" --host" if host else "")
    verdict = gate_mod.judge(before, baseline_mod.from_audit(result, __version__, source.strip()), policy)
    for name, path in sides:
        write_output(reports.render(name, result, __version__), path)
    write_output(gate_mod.render(verdict, fmt).encode("utf-8"), output)
    record(settings, result, paths, host=host, command="gate", passed=verdict.passed, enabled=not no_record)
    if not verdict.passed:
        sys.exit(int(ExitCode.POLICY))


@click.command("diff", context_settings=CONTEXT_SETTINGS)
@click.argument("before")
@click.argument("after")
@audit_options
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["table", "markdown", "json"]),
    default="table",
    show_default=True,
    help="A table for the terminal, Markdown, or JSON (format sovaudit-diff).",
)
@OUTPUT
@click.pass_obj
def diff_cmd(
    settings: Settings,
    before: str,
    after: str,
    packs: tuple[str, ...],
    profile_name: str | None,
    kb_files: tuple[str, ...],
    waivers_file: str | None,
    fmt: str,
    output: str | None,
) -> None:
    """What changed from BEFORE to AFTER: components, findings, scores per layer.

    BEFORE and AFTER are audit JSONs (sovaudit audit -f json), inventories or raw inputs (audited
    with the options given here), or history:ID / history:STACK from the audit history.

    \b
    Examples:
      sovaudit diff old-audit.json new-audit.json
      sovaudit diff history:12 sample_stacks/eu-open -f markdown
    """
    from sovaudit import config
    from sovaudit import diff as diff_mod

    cfg = config.load()

    def audit_inputs(spec: str) -> Audit:
        return run_audit(
            settings, [spec], packs=packs, profile_name=profile_name, kb_files=kb_files,
            waivers_file=waivers_file, fail_on=None, min_score=None,
        )  # fmt: skip

    def side(spec: str, other: str) -> AuditSnapshot:
        stack = current_stack(cfg, [] if other.startswith("history:") else [other], host=False)
        return load_snapshot(spec, stack, cfg, audit_inputs)

    d = diff_mod.compare(side(before, after), side(after, before))
    write_output(diff_mod.render(d, fmt).encode("utf-8"), output)


@click.command("history", context_settings=CONTEXT_SETTINGS)
@click.option("--stack", metavar="NAME", help="Only the audits of this stack (names as in the listing).")
@click.option(
    "-n", "--limit", type=click.IntRange(min=0), default=20, show_default=True, help="Last N audits (0: all)."
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["table", "markdown", "json"]),
    default="table",
    show_default=True,
    help="A table with the trend for the terminal, Markdown, or JSON.",
)
@click.option("--show", "show_id", type=int, metavar="ID", help="Write recorded audit ID as an audit JSON instead.")
@OUTPUT
@click.pass_obj
def history_cmd(
    settings: Settings, stack: str | None, limit: int, fmt: str, show_id: int | None, output: str | None
) -> None:
    """Show the recorded audits and their trend (each `audit` and `gate` run records one).

    The store is $SOVAUDIT_HISTORY, else `history.path` in .sovaudit.toml, else
    $XDG_STATE_HOME/sovaudit/history.sqlite (~/.local/state/...). Any recorded audit can be a
    gate's baseline: --baseline history:ID, or history: for the last passing audit of a stack.

    \b
    Examples:
      sovaudit history
      sovaudit history --stack myrepo/stack -f json
      sovaudit history --show 12 -o audit-12.json
    """
    from sovaudit import config, history

    path = history_path(config.load())
    if show_id is not None:
        write_output(history.document(path, show_id), output)
        return
    rows = history.entries(path, stack=stack, limit=limit)
    write_output(history.render(rows, fmt).encode("utf-8"), output)


#: What sovaudit/cli.py registers on the main group.
COMMANDS: tuple[click.Command, ...] = (gate_cmd, diff_cmd, history_cmd)
