"""The command line: options -> one library call -> render -> exit code.

click and rich live here only. No audit logic: the stages are in :mod:`sovaudit.pipeline`, the
formats in :mod:`sovaudit.emitters`. Machine formats go to stdout (or ``-o FILE``, written
atomically); progress, summaries and errors go to stderr.
"""

from __future__ import annotations

import os
import signal
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from sovaudit import __version__
from sovaudit.errors import ConfigError, ExitCode, SovauditError
from sovaudit.model import Severity

if TYPE_CHECKING:
    from rich.console import Console

    from sovaudit.audit import Audit
    from sovaudit.model import Inventory
    from sovaudit.pipeline import ScanResult
    from sovaudit.rules import Pack

FC = TypeVar("FC", bound=Callable[..., object])

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
PATHS = click.argument("paths", nargs=-1, required=False, type=click.Path(path_type=str))
HOST = click.option(
    "--host",
    is_flag=True,
    help="Also scan this machine as it runs: its OS package database, Python environments on its "
    "interpreters' paths, conda environments it knows, $SPACK_ROOT and $MODULEPATH (files only; nothing is run).",
)


@dataclass(slots=True)
class Settings:
    verbosity: int = 0  # -1 quiet, 0 normal, 1+ verbose
    debug: bool = False
    offline: bool = False
    platform: str | None = None
    limits: tuple[str, ...] = ()  # --limit NAME=VALUE, over SOVAUDIT_LIMITS (sovaudit.limits)

    def console(self) -> Console:
        from rich.console import Console

        return Console(stderr=True, highlight=False, soft_wrap=True)


# -- helpers that only the CLI needs -------------------------------------------------------------
def write_output(data: bytes, output: str | None) -> None:
    """Write to stdout, or atomically to a file: a reader never sees half a document."""
    if output in (None, "-"):
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    assert output is not None
    target = Path(output)
    if target.is_dir():
        raise ConfigError(f"{output}: is a folder; -o takes a file name")
    folder = target.parent if str(target.parent) else Path()
    if not folder.is_dir():
        raise ConfigError(f"{output}: folder {folder} does not exist")
    if target.exists() and not target.is_file():  # /dev/null, a pipe: write straight through
        with open(target, "wb") as fh:
            fh.write(data)
        return
    import tempfile  # here, not at the top: it imports shutil, random, bz2 and lzma (start-up is measured)

    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as err:
        raise ConfigError(f"{output}: cannot write: {err.strerror or err}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise ConfigError(f"{output}: cannot write: {err.strerror or err}; nothing was written") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def timestamp_from_env(when: str | None) -> datetime | None:
    """SOURCE_DATE_EPOCH when set (reproducible builds); ``now`` only when asked; else none."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz=UTC)
        except (ValueError, OverflowError, OSError):
            raise ConfigError(f"SOURCE_DATE_EPOCH: {epoch!r} is not a number of seconds since 1970") from None
    if when == "now":
        return datetime.now(tz=UTC).replace(microsecond=0)
    return None


@contextmanager
def progress_reporter(settings: Settings) -> Iterator[Callable[[str], None] | None]:
    """A live spinner on stderr for long scans (only on a terminal, never with -q)."""
    if settings.verbosity < 0 or not sys.stderr.isatty():
        if settings.verbosity > 0:
            yield lambda path: click.echo(f"reading {path}", err=True)
        else:
            yield None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.completed} inputs read"),
        TextColumn("[dim]{task.description}"),
        TimeElapsedColumn(),
        console=settings.console(),
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)

        def tick(path: str) -> None:
            bar.update(task, advance=1, description=path[-60:])
            if settings.verbosity > 0:
                bar.console.print(f"reading {path}")

        yield tick


def fetch_hf(settings: Settings, ref: str) -> Any:
    """An ``hf://org/name[@revision]`` input: the model repository's card, config and weight headers,
    fetched once into the cache (the only network use, and only because the user named it)."""
    from sovaudit import remote_hf

    cache = os.environ.get("SOVAUDIT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "sovaudit"
    )
    return remote_hf.fetch(
        ref,
        cache_dir=os.path.join(cache, "hf"),
        endpoint=os.environ.get("HF_ENDPOINT") or remote_hf.DEFAULT_ENDPOINT,
        offline=settings.offline,
        token=os.environ.get("HF_TOKEN") or None,
    )


def run_scan(settings: Settings, paths: Sequence[str], strict: bool, host: bool = False) -> ScanResult:
    """Scan, report problems on stderr, and decide whether the run can go on."""
    from sovaudit.limits import from_settings
    from sovaudit.model import InputStatus
    from sovaudit.pipeline import scan

    if not paths and not host:
        raise click.UsageError("give at least one PATH (or --host)")
    limits = from_settings(os.environ, settings.limits)
    inputs: list[Any] = []
    for given in paths:
        if given.startswith("hf://"):
            inputs.append(fetch_hf(settings, given))
        else:
            inputs.append(given)
    if host:
        from sovaudit.host import host_trees
        from sovaudit.host_compute import host_compute_inputs

        env = dict(os.environ)
        inputs.extend(host_trees("/", env=env, limits=limits))
        inputs.extend(host_compute_inputs("/", env=env))
    collectors = None
    if settings.platform:
        from sovaudit.collectors.oci import OciImageCollector
        from sovaudit.pipeline import load_collectors

        try:
            image_reader = OciImageCollector(platform=settings.platform)
        except ValueError as err:
            raise ConfigError(f"--platform: {err}") from None
        collectors = [image_reader if c.name == image_reader.name else c for c in load_collectors()]
    with progress_reporter(settings) as tick:
        result = scan(inputs, collectors=collectors, limits=limits, progress=tick, debug=settings.debug)
    inv = result.inventory
    failed = [i for i in inv.inputs if i.status is InputStatus.FAILED]
    skipped = [i for i in inv.inputs if i.status is InputStatus.SKIPPED]
    fatal = ""
    if result.unreadable:
        first = next((r for r in failed if r.path.startswith(result.unreadable[0])), None)
        fatal = f"{first.path}: {first.reason}" if first else f"{result.unreadable[0]}: nothing could be read"
    elif strict and failed:
        fatal = f"{failed[0].path}: {failed[0].reason} (--strict)"
    if settings.verbosity >= 0:
        for rec in failed:
            line = f"{rec.path}: {rec.reason}"
            if line != fatal:
                click.echo(f"sovaudit: failed: {line}", err=True)
        if settings.verbosity > 0:
            for rec in skipped:
                click.echo(f"sovaudit: skipped: {rec.path}: {rec.reason}", err=True)
        if not fatal:
            read = sum(1 for i in inv.inputs if i.status is InputStatus.READ)
            click.echo(
                f"sovaudit: {len(paths)} input(s): {read} read, {len(skipped)} skipped, {len(failed)} failed; "
                f"{len(inv.components)} components, {len(inv.edges)} edges",
                err=True,
            )
    if result.crashes:
        raise InternalFailure(result.crashes)
    if fatal:
        raise ScanFailed(fatal)
    return result


class ScanFailed(SovauditError):
    """An input the user named could not be read at all."""


class InternalFailure(Exception):
    def __init__(self, crashes: Sequence[str]) -> None:
        super().__init__(crashes[0])
        self.crashes = crashes


def fail(settings: Settings, message: str, code: ExitCode) -> NoReturn:
    click.echo(f"sovaudit: error: {message}", err=True)
    sys.exit(int(code))


def render(inventory: Inventory, fmt: str, when: str | None) -> bytes:
    from sovaudit.emitters import EMITTERS, RenderContext

    emitter = EMITTERS.get(fmt)()
    return emitter.render(inventory, RenderContext(tool_version=__version__, timestamp=timestamp_from_env(when)))


def emitter_choice(default: str, names: Sequence[str] | None = None) -> Callable[[FC], FC]:
    help_names = ", ".join(names) if names else "see `sovaudit formats`"
    return click.option(
        "-f",
        "--format",
        "fmt",
        default=default,
        show_default=True,
        metavar="NAME",
        help=f"Output format ({help_names}).",
    )


OUTPUT = click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="Write to FILE (atomically: never left half-written) instead of stdout.",
)
STRICT = click.option(
    "--strict", is_flag=True, help="Exit 2 if any file in the inputs failed to read (default: report and go on)."
)
TIMESTAMP = click.option(
    "--timestamp",
    type=click.Choice(["none", "now"]),
    default="none",
    show_default=True,
    help="Document timestamp. SOURCE_DATE_EPOCH, when set, always wins; the default leaves it out "
    "so that the same input gives the same bytes.",
)


# -- commands ------------------------------------------------------------------------------------
@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="sovaudit")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("-v", "--verbose", count=True, help="Say more on stderr (each input read, skipped inputs).")
@click.option("--debug", is_flag=True, help="Show a traceback on internal errors.")
@click.option(
    "--offline",
    is_flag=True,
    help="Never touch the network: hf://org/name inputs come from the cache only (they are the only inputs "
    "that ever use it; HF_ENDPOINT and HF_TOKEN are honoured).",
)
@click.option(
    "--platform",
    metavar="OS/ARCH[/VARIANT]",
    help="Which image of a multi-platform container index to read (e.g. linux/arm64). Default: this machine's.",
)
@click.option(
    "--limit",
    "limits",
    multiple=True,
    metavar="NAME=VALUE",
    help="Change a resource limit for reading inputs, e.g. max_file_bytes=256MiB or max_seconds_per_file=60 "
    "(repeatable; SOVAUDIT_LIMITS sets them too; docs/security.md lists them).",
)
@click.pass_context
def cli(
    ctx: click.Context,
    quiet: bool,
    verbose: int,
    debug: bool,
    offline: bool,
    platform: str | None,
    limits: tuple[str, ...],
) -> None:
    """Audit how dependent an HPC/AI stack is on suppliers and jurisdictions it does not control.

    sovaudit reads what a stack is made of (Python, conda, Spack, EasyBuild, modules, OS
    packages, Slurm and hardware descriptions, model cards and weight headers, dataset
    metadata, cloud and operational manifests; `sovaudit collectors` lists them), builds one
    dependency graph across five layers (compute, data, software, model, operational), scores
    its lock-in and writes inventories, SBOMs and audits.

    It never runs, imports or builds anything it scans, and never uses the network unless asked.

    \b
    Exit codes: 0 ok; 1 the gate/policy failed; 2 usage or input error; 3 internal error.
    Shell completion: eval "$(_SOVAUDIT_COMPLETE=bash_source sovaudit)" (zsh_source, fish_source).
    """
    ctx.obj = Settings(
        verbosity=-1 if quiet else verbose, debug=debug, offline=offline, platform=platform, limits=limits
    )
    if ctx.default_map is None:  # .sovaudit.toml / [tool.sovaudit]: defaults that options override
        from sovaudit.cli_gate import ConfigDefaults

        ctx.default_map = ConfigDefaults()


@cli.command(context_settings=CONTEXT_SETTINGS)
@PATHS
@OUTPUT
@emitter_choice("inventory-json")
@STRICT
@TIMESTAMP
@HOST
@click.pass_obj
def scan(
    settings: Settings, paths: tuple[str, ...], output: str | None, fmt: str, strict: bool, timestamp: str, host: bool
) -> None:
    """Scan PATHS and write their inventory (default: inventory JSON on stdout).

    PATHS are folders (walked: VCS folders skipped, links out of the tree never followed),
    files, or inventories written earlier by `sovaudit scan -o`. Every later command accepts
    such an inventory in place of the raw inputs, so a stack is scanned once and audited many
    times.

    \b
    Examples:
      sovaudit scan .venv -o stack.inventory.json
      sovaudit scan requirements.txt poetry.lock --format cyclonedx-json
      sovaudit scan --host -o this-machine.inventory.json
    """
    result = run_scan(settings, paths, strict, host)
    write_output(render(result.inventory, fmt, timestamp), output)


@cli.command(context_settings=CONTEXT_SETTINGS)
@PATHS
@OUTPUT
@emitter_choice("cyclonedx-json", ["cyclonedx-json", "cyclonedx-xml", "spdx-json"])
@STRICT
@TIMESTAMP
@HOST
@click.pass_obj
def sbom(
    settings: Settings, paths: tuple[str, ...], output: str | None, fmt: str, strict: bool, timestamp: str, host: bool
) -> None:
    """Write a CycloneDX 1.6 (or SPDX 2.3) SBOM of PATHS (raw inputs or an inventory).

    Components carry purls, SPDX licence expressions, suppliers, hashes and `sovaudit:`
    properties (layer, kind, evidence); the full dependency graph is included; typed
    relations (contains, runs-on, trained-on ...) are kept as properties.

    \b
    Examples:
      sovaudit sbom .venv -o sbom.cdx.json
      SOURCE_DATE_EPOCH=0 sovaudit sbom stack.inventory.json -f cyclonedx-xml -o sbom.cdx.xml
    """
    if fmt not in ("cyclonedx-json", "cyclonedx-xml", "spdx-json"):
        raise ConfigError(f"--format {fmt}: `sbom` writes cyclonedx-json or cyclonedx-xml (CycloneDX) or spdx-json")
    result = run_scan(settings, paths, strict, host)
    write_output(render(result.inventory, fmt, timestamp), output)


@cli.group(context_settings=CONTEXT_SETTINGS)
def inventory() -> None:
    """Look at an inventory."""


@inventory.command("show", context_settings=CONTEXT_SETTINGS)
@PATHS
@click.option("--layer", help="Only components of this layer.")
@click.option("--kind", help="Only components of this kind.")
@click.option("-n", "--limit", default=50, show_default=True, help="Components to list (0: all).")
@HOST
@click.pass_obj
def inventory_show(
    settings: Settings, paths: tuple[str, ...], layer: str | None, kind: str | None, limit: int, host: bool
) -> None:
    """Summarise an inventory (or raw inputs) by layer and kind, and list its components."""
    from rich.table import Table

    from sovaudit.model import Layer

    if layer is not None and layer not in Layer._value2member_map_:
        raise ConfigError(f"--layer {layer}: not one of {', '.join(m.value for m in Layer)}")
    inv = run_scan(settings, paths, strict=False, host=host).inventory
    comps = [c for c in inv.components if (layer is None or c.layer == layer) and (kind is None or c.kind == kind)]
    from rich.console import Console

    out = Console(highlight=False)
    summary = Table(title="Components by layer and kind", title_justify="left")
    summary.add_column("layer")
    summary.add_column("kind")
    summary.add_column("components", justify="right")
    summary.add_column("unresolved", justify="right")
    counts = Counter((c.layer.value, c.kind) for c in comps)
    unresolved = Counter((c.layer.value, c.kind) for c in comps if c.unresolved)
    for (lay, knd), n in sorted(counts.items()):
        summary.add_row(lay, knd, str(n), str(unresolved[(lay, knd)] or ""))
    out.print(summary)
    table = Table(title=f"Components ({len(comps)})", title_justify="left")
    for col in ("name", "version", "layer", "kind", "licences", "evidence"):
        table.add_column(col, overflow="fold")
    shown = comps if limit <= 0 else comps[:limit]
    for c in shown:
        ev = c.evidence[0].describe() if c.evidence else ""
        more = f" (+{len(c.evidence) - 1})" if len(c.evidence) > 1 else ""
        table.add_row(c.name, c.version, c.layer.value, c.kind, c.licenses or c.license_declared or "?", ev + more)
    out.print(table)
    if len(shown) < len(comps):
        out.print(f"[dim]{len(comps) - len(shown)} more; --limit 0 lists all[/dim]")


@cli.command(context_settings=CONTEXT_SETTINGS)
def collectors() -> None:
    """List the collectors (input kinds) this sovaudit can read."""
    from sovaudit.collectors import COLLECTORS

    for name in COLLECTORS.names():
        click.echo(f"{name:24} {COLLECTORS.get(name).description}")


@cli.command(context_settings=CONTEXT_SETTINGS)
def formats() -> None:
    """List the output formats: SBOM and inventory formats (scan, sbom -f) and report formats (audit -f)."""
    from sovaudit import reports
    from sovaudit.emitters import EMITTERS

    click.echo("Inventory and SBOM formats (sovaudit scan -f, sovaudit sbom -f):")
    for name in EMITTERS.names():
        click.echo(f"  {name:22} {EMITTERS.get(name).description}")
    click.echo("\nReport formats (sovaudit audit -f):")
    for name in reports.names():
        click.echo(f"  {name:22} {reports.FORMATS[name][1]}")


class Interrupted(BaseException):
    """SIGINT or SIGTERM: unwinds like KeyboardInterrupt, so a temporary output file is removed on the way."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _interrupt(signum: int, frame: object) -> NoReturn:
    for sig in (signal.SIGINT, signal.SIGTERM):  # a second signal must not interrupt the clean-up
        signal.signal(sig, signal.SIG_IGN)
    raise Interrupted(signum)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point: every error becomes one line on stderr and an exit code (128 + N on signal N)."""
    settings = Settings()
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    interrupted = False
    try:
        _main(settings, argv)
    except Interrupted as err:
        interrupted = True
        click.echo(f"sovaudit: interrupted by {signal.Signals(err.signum).name}; any -o file is as it was", err=True)
        sys.exit(128 + err.signum)
    finally:
        # After a signal the handlers stay ignored until the process ends: a second Ctrl-C already
        # on its way would otherwise meet the restored default handler (KeyboardInterrupt, killed
        # by SIGINT instead of exit 130).
        if not interrupted:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _main(settings: Settings, argv: Sequence[str] | None) -> NoReturn:
    try:
        rv = cli.main(args=argv, prog_name="sovaudit", standalone_mode=False, obj=None)
        sys.exit(int(rv) if isinstance(rv, int) else 0)
    except click.exceptions.Abort:
        fail(settings, "interrupted", ExitCode.INPUT)
    except click.ClickException as err:
        err.show()
        sys.exit(int(ExitCode.INPUT))
    except SovauditError as err:
        fail(settings, err.one_line(), err.exit_code)
    except InternalFailure as err:
        for line in err.crashes:
            click.echo(f"sovaudit: internal error: {line}", err=True)
        fail(settings, "a collector crashed; please report it (rerun with --debug for a traceback)", ExitCode.INTERNAL)
    except BrokenPipeError:
        sys.exit(int(ExitCode.OK))
    except Exception as err:  # a bug: one line, a traceback only with --debug
        if "--debug" in (argv if argv is not None else sys.argv):
            import traceback

            traceback.print_exc()
        fail(settings, f"internal error: {type(err).__name__}: {err} (rerun with --debug)", ExitCode.INTERNAL)


# -- audit, explain, rules, kb -------------------------------------------------------------------
def audit_date() -> date:
    """Today, or the day of SOURCE_DATE_EPOCH (so a rerun judges staleness and expiry the same)."""
    stamp = timestamp_from_env(None)
    return stamp.date() if stamp is not None else date.today()


def parse_severity(value: str | None) -> Severity | None:
    if value is None:
        return None
    try:
        return Severity.parse(value)
    except ValueError as err:
        raise ConfigError(f"--fail-on: {err}") from None


def run_audit(
    settings: Settings,
    paths: Sequence[str],
    *,
    packs: Sequence[str],
    profile_name: str | None,
    kb_files: Sequence[str],
    waivers_file: str | None,
    fail_on: str | None,
    min_score: float | None,
    host: bool = False,
) -> Audit:
    from sovaudit import knowledge, profiles, waivers
    from sovaudit.pipeline import audit
    from sovaudit.rules import load_packs

    profile = profiles.load(profile_name) if profile_name else None
    names = [p for p in packs if not p.endswith((".yaml", ".yml"))]
    files = [p for p in packs if p.endswith((".yaml", ".yml"))]
    if not names and profile is not None:
        names = list(profile.packs)
    loaded = load_packs(names, files)
    kb = knowledge.load(kb_files)
    waiver_list = waivers.load(waivers_file) if waivers_file else []
    inventory = run_scan(settings, paths, strict=False, host=host).inventory
    return audit(
        inventory,
        kb=kb,
        packs=loaded,
        today=audit_date(),
        profile=profile,
        waivers=waiver_list,
        fail_on=parse_severity(fail_on),
        min_score=min_score,
    )


AUDIT_OPTIONS = [
    click.option(
        "--pack",
        "packs",
        multiple=True,
        metavar="NAME|FILE",
        help="Rule pack to use (repeatable): a shipped pack's name or a pack file. Default: all shipped packs, "
        "or the profile's.",
    ),
    click.option(
        "--profile",
        "profile_name",
        metavar="NAME|FILE",
        help="Requirements to judge against (eu-public-high, research-open-science, commercial-baseline, or a "
        "file): packs, minimum levels per layer, hard gates.",
    ),
    click.option(
        "--kb",
        "kb_files",
        multiple=True,
        metavar="FILE",
        help="A site knowledge-base file that extends or overrides the embedded one (repeatable).",
    ),
    click.option("--waivers", "waivers_file", metavar="FILE", help="Waivers file (justification, owner, expiry)."),
]


def audit_options(f: FC) -> FC:
    for option in reversed(AUDIT_OPTIONS):
        f = option(f)
    return f


@cli.command("audit", context_settings=CONTEXT_SETTINGS)
@PATHS
@audit_options
@click.option(
    "--fail-on",
    metavar="SEVERITY",
    help="Exit 1 if any finding is at or above SEVERITY (info, low, medium, high, critical).",
)
@click.option("--min-score", type=float, metavar="N", help="Exit 1 if the overall score is below N (0-100).")
@click.option(
    "-f",
    "--format",
    "fmt",
    default="terminal",
    show_default=True,
    metavar="NAME",
    help="terminal: a summary on stdout; or a report format (see `sovaudit formats`): json, the audit "
    "document (format sovaudit-audit), and the others listed there.",
)
@OUTPUT
@HOST
@click.option("--no-record", is_flag=True, help="Do not record this audit in the audit history (sovaudit history).")
@click.pass_obj
def audit_cmd(
    settings: Settings,
    paths: tuple[str, ...],
    packs: tuple[str, ...],
    profile_name: str | None,
    kb_files: tuple[str, ...],
    waivers_file: str | None,
    fail_on: str | None,
    min_score: float | None,
    fmt: str,
    output: str | None,
    host: bool,
    no_record: bool,
) -> None:
    """Score how locked-in PATHS are, layer by layer, and say what to do first.

    Reads PATHS (raw inputs or an inventory), matches components against the knowledge base
    (vendor, jurisdiction, openness, alternatives), evaluates the rule packs and scores each
    layer 0-100 with a level 0-4 (docs/scoring.md explains every point). Exit 1 when a gate
    fails (--fail-on, --min-score, or the profile's).

    \b
    Examples:
      sovaudit audit sample_stacks/us-cloud-cuda
      sovaudit audit stack.inventory.json --profile eu-public-high -f json -o audit.json
      sovaudit audit . --fail-on high --waivers waivers.yaml
    """
    from sovaudit import reports

    reports.renderer(fmt)  # an unknown format is an error before the scan, not after
    result = run_audit(
        settings,
        paths,
        packs=packs,
        profile_name=profile_name,
        kb_files=kb_files,
        waivers_file=waivers_file,
        fail_on=fail_on,
        min_score=min_score,
        host=host,
    )
    if fmt == "terminal" and output in (None, "-"):
        from sovaudit.reports import terminal

        terminal.show(result, __version__)
    else:
        write_output(reports.render(fmt, result, __version__), output)
    from sovaudit.cli_gate import record

    record(settings, result, paths, host=host, command="audit", passed=result.passed, enabled=not no_record)
    if not result.passed:
        sys.exit(int(ExitCode.POLICY))


@cli.command("explain", context_settings=CONTEXT_SETTINGS)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.argument("item")
@audit_options
@click.pass_obj
def explain_cmd(
    settings: Settings,
    paths: tuple[str, ...],
    item: str,
    packs: tuple[str, ...],
    profile_name: str | None,
    kb_files: tuple[str, ...],
    waivers_file: str | None,
) -> None:
    """Explain ITEM — a finding id, a component id or a rule id — for the stack at PATHS.

    Shows the chain: file and line -> component -> knowledge-base entry (and the pattern that
    matched) -> rule -> points -> layer score.

    \b
    Examples:
      sovaudit explain sample_stacks/python-ml-service CORE-SW-001
      sovaudit explain stack.inventory.json 'pkg:pypi/torch@2.3.1'
    """
    from sovaudit.explain import explain

    result = run_audit(
        settings,
        paths,
        packs=packs,
        profile_name=profile_name,
        kb_files=kb_files,
        waivers_file=waivers_file,
        fail_on=None,
        min_score=None,
    )
    text = explain(result, item)
    if text is None:
        raise ConfigError(f"{item}: no finding, component or rule of that id in this audit")
    click.echo(text, nl=False)


@cli.group("rules", context_settings=CONTEXT_SETTINGS)
def rules_group() -> None:
    """List, show, validate and test rule packs."""


@rules_group.command("list", context_settings=CONTEXT_SETTINGS)
@click.option("--pack", "packs", multiple=True, metavar="NAME|FILE")
def rules_list(packs: tuple[str, ...]) -> None:
    """One line per rule: id, severity, layer, title."""
    for pack in _packs(packs):
        click.echo(f"# {pack.name} {pack.version} ({pack.origin}): {len(pack.rules)} rules")
        for r in pack.rules:
            layer = r.layer.value if r.layer else ",".join(x.value for x in r.layers) or "(component's)"
            click.echo(f"{r.id:14} {r.severity!s:8} {layer:24} {r.title}")


@rules_group.command("show", context_settings=CONTEXT_SETTINGS)
@click.argument("rule_id")
@click.option("--pack", "packs", multiple=True, metavar="NAME|FILE")
def rules_show(rule_id: str, packs: tuple[str, ...]) -> None:
    """Everything about one rule, as its pack defines it."""
    import yaml

    for pack in _packs(packs):
        for r in pack.rules:
            if r.id == rule_id:
                click.echo(f"{r.id}: {r.title}\npack: {pack.name} {pack.version} ({r.origin}, line {r.line})")
                click.echo(f"severity: {r.severity}  dimension: {r.dimension}  gate: {r.gate}")
                click.echo(f"references: {', '.join(r.references) or '-'}")
                body = {"select": r.select} if r.select is not None else {"aggregate": r.aggregate}
                click.echo(yaml.safe_dump(body, sort_keys=False).rstrip())
                click.echo(f"message: {r.message}\nremediation: {r.remediation}\ncases: {len(r.tests)}")
                return
    raise ConfigError(f"{rule_id}: no such rule")


@rules_group.command("validate", context_settings=CONTEXT_SETTINGS)
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=str))
def rules_validate(files: tuple[str, ...]) -> None:
    """Validate pack FILES (default: the shipped packs) against the pack schema."""
    from sovaudit.rules import parse_pack, shipped_pack_files

    targets = [(f, Path(f).read_text(encoding="utf-8")) for f in files] if files else shipped_pack_files()
    for origin, text in targets:
        pack = parse_pack(text, origin)
        click.echo(f"{origin}: ok ({len(pack.rules)} rules)")


@rules_group.command("test", context_settings=CONTEXT_SETTINGS)
@click.option("--pack", "packs", multiple=True, metavar="NAME|FILE")
@click.option("--kb", "kb_files", multiple=True, metavar="FILE")
def rules_test(packs: tuple[str, ...], kb_files: tuple[str, ...]) -> None:
    """Run every rule's pass/fail cases against the knowledge base; exit 1 if any fails."""
    from sovaudit import knowledge
    from sovaudit.rules.testing import run

    results = run(_packs(packs), knowledge.load(kb_files), audit_date())
    failed = [r for r in results if not r.passed]
    for r in failed:
        click.echo(f"FAIL {r.rule}: {r.case}: {r.detail}")
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        sys.exit(int(ExitCode.POLICY))


def _packs(packs: Sequence[str]) -> list[Pack]:
    from sovaudit.rules import load_packs

    names = [p for p in packs if not p.endswith((".yaml", ".yml"))]
    files = [p for p in packs if p.endswith((".yaml", ".yml"))]
    return load_packs(names, files)


@cli.group("kb", context_settings=CONTEXT_SETTINGS)
def kb_group() -> None:
    """Show, search and validate the knowledge base."""


@kb_group.command("show", context_settings=CONTEXT_SETTINGS)
@click.argument("entry_id")
@click.option("--kb", "kb_files", multiple=True, metavar="FILE")
def kb_show(entry_id: str, kb_files: tuple[str, ...]) -> None:
    """Everything the knowledge base says about one entry."""
    from sovaudit import knowledge

    kb = knowledge.load(kb_files)
    e = kb.entries.get(entry_id)
    if e is None:
        raise ConfigError(f"{entry_id}: no such entry (sovaudit kb search TEXT)")
    v = kb.vendors.get(e.vendor)
    j = kb.jurisdiction_of(e)
    lines = [
        f"{e.id}: {e.name}  ({e.origin})",
        f"category: {e.category}; layers: {', '.join(x.value for x in e.layers)}; tags: {', '.join(e.tags) or '-'}",
        f"vendor: {v.name if v else e.vendor} (HQ {v.country if v else '?'}, controlled under "
        f"{v.jurisdiction if v else '?'}{'; ' + j.bloc if j else ''})",
        f"openness: {e.openness}; licence: {e.licence or '-'}; lock-in: {e.lock_in}; substitutability: "
        f"{e.substitutability}/4; export control: {e.export_control}",
        f"standards: {', '.join(e.standards) or '-'}",
        f"alternatives: {', '.join(e.alternatives) or '-'}",
        f"requires: {', '.join(e.requires) or '-'}",
        f"governance events: {'; '.join(e.governance_events) or '-'}",
        "matches: " + "; ".join(f"{eco} {p}" for eco, p in e.patterns),
        f"as of {e.as_of}, review after {e.review_after}{' (STALE)' if e.stale(audit_date()) else ''}",
        f"sources: {'; '.join(e.sources)}",
    ]
    if e.notes:
        lines.append(f"notes: {e.notes}")
    click.echo("\n".join(lines))


@kb_group.command("search", context_settings=CONTEXT_SETTINGS)
@click.argument("text")
@click.option("--kb", "kb_files", multiple=True, metavar="FILE")
def kb_search(text: str, kb_files: tuple[str, ...]) -> None:
    """Entries whose id, name, tags, category or vendor contain TEXT."""
    from sovaudit import knowledge

    kb = knowledge.load(kb_files)
    hits = knowledge.search(kb, text)
    for e in hits:
        v = kb.vendors.get(e.vendor)
        click.echo(f"{e.id:28} {e.category:20} {(v.name if v else e.vendor):28} {e.name}")
    if not hits:
        click.echo(f"nothing matches {text!r}", err=True)


@kb_group.command("validate", context_settings=CONTEXT_SETTINGS)
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=str))
def kb_validate(files: tuple[str, ...]) -> None:
    """Validate the embedded KB and site KB FILES: schema, patterns, and references between entries."""
    from sovaudit import knowledge

    kb = knowledge.load(files, validate_embedded=True)
    problems = kb.problems()
    for p in problems:
        click.echo(p)
    stale = sorted(e.id for e in kb.entries.values() if e.stale(audit_date()))
    click.echo(
        f"{len(kb.entries)} entries, {len(kb.vendors)} vendors, {len(kb.jurisdictions)} jurisdictions "
        f"in {len(kb.files)} files; {len(problems)} problems; {len(stale)} past their review date"
    )
    if problems:
        sys.exit(int(ExitCode.INPUT))


# -- gate, diff, history (sovaudit/cli_gate.py imports this module, so it comes last) -------------
from sovaudit import cli_gate  # noqa: E402

for _command in cli_gate.COMMANDS:
    cli.add_command(_command)

# -- report (sovaudit/cli_report.py imports this module, so it comes last) -----------------------------
from sovaudit import cli_report  # noqa: E402

cli.add_command(cli_report.report_cmd)
