"""The command line: options -> one library call -> render -> exit code.

click and rich live here only. No audit logic: the stages are in :mod:`sovaudit.pipeline`, the
formats in :mod:`sovaudit.emitters`. Machine formats go to stdout (or ``-o FILE``, written
atomically); progress, summaries and errors go to stderr.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from sovaudit import __version__
from sovaudit.errors import ConfigError, ExitCode, SovauditError

if TYPE_CHECKING:
    from rich.console import Console

    from sovaudit.model import Inventory
    from sovaudit.pipeline import ScanResult

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
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
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


def run_scan(settings: Settings, paths: Sequence[str], strict: bool, host: bool = False) -> ScanResult:
    """Scan, report problems on stderr, and decide whether the run can go on."""
    from sovaudit.model import InputStatus
    from sovaudit.pipeline import scan

    if not paths and not host:
        raise click.UsageError("give at least one PATH (or --host)")
    inputs: list[Any] = list(paths)
    if host:
        from sovaudit.host import host_trees

        inputs.extend(host_trees("/", env=dict(os.environ)))
    with progress_reporter(settings) as tick:
        result = scan(inputs, progress=tick, debug=settings.debug)
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
@click.pass_context
def cli(ctx: click.Context, quiet: bool, verbose: int, debug: bool) -> None:
    """Audit how dependent an HPC/AI stack is on suppliers and jurisdictions it does not control.

    sovaudit reads what a stack is made of (Python environments and lock files today; more
    collectors arrive with each release), builds one dependency graph across five layers
    (compute, data, software, model, operational) and writes inventories and SBOMs.

    It never runs, imports or builds anything it scans, and never uses the network unless asked.

    \b
    Exit codes: 0 ok; 1 the gate/policy failed; 2 usage or input error; 3 internal error.
    Shell completion: eval "$(_SOVAUDIT_COMPLETE=bash_source sovaudit)" (zsh_source, fish_source).
    """
    ctx.obj = Settings(verbosity=-1 if quiet else verbose, debug=debug)


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
@emitter_choice("cyclonedx-json", ["cyclonedx-json", "cyclonedx-xml"])
@STRICT
@TIMESTAMP
@HOST
@click.pass_obj
def sbom(
    settings: Settings, paths: tuple[str, ...], output: str | None, fmt: str, strict: bool, timestamp: str, host: bool
) -> None:
    """Write a CycloneDX 1.6 SBOM of PATHS (raw inputs or an inventory).

    Components carry purls, SPDX licence expressions, suppliers, hashes and `sovaudit:`
    properties (layer, kind, evidence); the full dependency graph is included; typed
    relations (contains, runs-on, trained-on ...) are kept as properties.

    \b
    Examples:
      sovaudit sbom .venv -o sbom.cdx.json
      SOURCE_DATE_EPOCH=0 sovaudit sbom stack.inventory.json -f cyclonedx-xml -o sbom.cdx.xml
    """
    if not fmt.startswith("cyclonedx-"):
        raise ConfigError(f"--format {fmt}: `sbom` writes cyclonedx-json or cyclonedx-xml")
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
    """List the output formats (for --format)."""
    from sovaudit.emitters import EMITTERS

    for name in EMITTERS.names():
        click.echo(f"{name:24} {EMITTERS.get(name).description}")


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point: every error becomes one line on stderr and an exit code."""
    settings = Settings()
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
            traceback.print_exc()
        fail(settings, f"internal error: {type(err).__name__}: {err} (rerun with --debug)", ExitCode.INTERNAL)
