"""Run the workloads and the scaling run, and write the report (Markdown, JSON, SVG).

For each workload every command first runs once untimed (warm file cache; a failure is reported
and that command dropped), then ``runs`` rounds: in each round every command runs once, sovaudit
first and the others in an order that rotates from round to round, so that a burst of load on a
shared machine falls on both members of a pair. Ratios are taken per round (sovaudit's time over
the other's in the same round) and summarised by their median and range.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import machine, python_env
from benchmarks.measure import Sample, run_measured, tail
from benchmarks.peers import base_environment
from benchmarks.purls import SetDiff, compare, normalise, read_cyclonedx
from benchmarks.stats import PowerFit, Spread, fit_power_law, pair_ratios, spread
from benchmarks.svg import Series, scaling_svg
from benchmarks.workloads import (
    PEERS_OF,
    WORKLOADS,
    Command,
    Context,
    Output,
    Role,
    Workload,
    audit_args,
    stack_file,
)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "benchmarks" / ".work" / "results"
DOC = REPO / "docs" / "performance.md"
DOC_SVG = REPO / "docs" / "performance-scaling.svg"
BEGIN, END = "<!-- benchmarks:begin -->", "<!-- benchmarks:end -->"
SCALING_SIZES = (1_000, 10_000, 50_000, 100_000)
QUICK_SCALING_SIZES = (1_000, 10_000)
#: How many differences of each side a report lists.
SHOWN_DIFFERENCES = 5

Log = Callable[[str], None]


@dataclass(slots=True)
class Result:
    """What one command did in one workload."""

    command: Command
    samples: list[Sample] = field(default_factory=list)
    error: str = ""
    components: int | None = None
    purls: set[str] | None = None

    @property
    def walls(self) -> list[float]:
        return [s.wall for s in self.samples]

    def wall(self) -> Spread:
        return spread(self.walls)

    def cpu(self) -> Spread:
        return spread([s.cpu for s in self.samples])

    def peak_mib(self) -> float:
        return max(s.peak_mib for s in self.samples)


def _run(cmd: Command, logs: Path, index: int) -> Sample:
    stem = f"{cmd.label.split()[0]}-{index}".replace("/", "_").replace(":", "")
    return run_measured(cmd.argv, env=cmd.env, cwd=REPO, stdout=logs / f"{stem}.out", stderr=logs / f"{stem}.err",
                        timeout=cmd.timeout)


def _failure(sample: Sample, logs: Path, cmd: Command, index: int) -> str:
    stem = f"{cmd.label.split()[0]}-{index}".replace("/", "_").replace(":", "")
    if sample.timed_out:
        return f"killed after {cmd.timeout:.0f} s"
    ok = (0, 1) if cmd.kind is Output.AUDIT else (0,)  # audit exits 1 when its gate fails
    if sample.exit_code in ok:
        return ""
    return f"exit {sample.exit_code}: {tail(logs / f'{stem}.err') or tail(logs / f'{stem}.out')}"


def _count(result: Result, logs: Path, index: int) -> None:
    """Fill in what the command found, from its last output."""
    cmd = result.command
    try:
        if cmd.kind is Output.STDOUT:
            stem = f"{cmd.label.split()[0]}-{index}".replace("/", "_").replace(":", "")
            result.components = int((logs / f"{stem}.out").read_text(encoding="utf-8").split()[-1])
            return
        assert cmd.output is not None
        if cmd.kind is Output.CYCLONEDX:
            result.components, result.purls = read_cyclonedx(cmd.output)
            return
        doc = json.loads(cmd.output.read_bytes())
        result.components = len(doc["components"])
        if cmd.kind is Output.INVENTORY:
            result.purls = {k for c in doc["components"] if c.get("purl") and (k := normalise(c["purl"]))}
    except (OSError, ValueError, KeyError, IndexError, AssertionError) as err:
        result.error = result.error or f"could not count its output: {err}"


def run_workload(workload: Workload, runs: int, *, warm_up: bool, logs: Path, log: Log) -> list[Result]:
    """Warm-up, then ``runs`` interleaved rounds; one Result per command, in the workload's order."""
    logs.mkdir(parents=True, exist_ok=True)
    results = [Result(command=c, error=c.unavailable) for c in workload.commands]
    active = [r for r in results if not r.error]
    if warm_up:
        for i, r in enumerate(active):
            if not r.command.warm_up:
                continue
            log(f"  warm-up: {r.command.label}")
            r.error = _failure(_run(r.command, logs, i), logs, r.command, i)
    active = [r for r in active if not r.error]
    firsts = [r for r in active if r.command.role is Role.SOVAUDIT]
    others = [r for r in active if r.command.role is not Role.SOVAUDIT]
    for round_ in range(runs):
        shift = round_ % len(others) if others else 0
        order = firsts + others[shift:] + others[:shift]
        log(f"  round {round_ + 1}/{runs}: " + ", ".join(r.command.label for r in order))
        for r in order:
            if r.error or (r.command.max_runs and len(r.samples) >= r.command.max_runs):
                continue
            index = results.index(r)
            sample = _run(r.command, logs, index)
            r.error = _failure(sample, logs, r.command, index)
            if not r.error:
                r.samples.append(sample)
    for index, r in enumerate(results):
        if r.samples and not r.error:
            _count(r, logs, index)
    return results


# -- the report ------------------------------------------------------------------------------------
def _primary(results: Sequence[Result]) -> Result | None:
    return next((r for r in results if r.command.role is Role.SOVAUDIT and r.samples and not r.error), None)


def _paired(ours: Result, other: Result, cpu: bool = False) -> list[float]:
    """sovaudit's time over the other's, round by round (a command run in fewer rounds: its first rounds)."""
    if cpu:
        return pair_ratios([s.cpu for s in ours.samples], [s.cpu for s in other.samples])
    return pair_ratios(ours.walls, other.walls)


def _ratio_cell(ours: Result, other: Result, cpu: bool = False) -> str:
    if ours is other or not other.samples or not ours.samples:
        return ""
    ratios = _paired(ours, other, cpu)
    return spread(ratios).format() if ratios else ""


def _table(results: Sequence[Result]) -> list[str]:
    lines = [
        "| command | runs | wall s: median (min-max) | CPU s (median) | peak RSS MiB | components (purls) "
        "| sovaudit ÷ this, wall, per round | sovaudit ÷ this, CPU |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    primary = _primary(results)
    for r in results:
        name = f"**{r.command.label}**" if r.command.role is Role.SOVAUDIT else r.command.label
        if r.error or not r.samples:
            lines.append(f"| {name} | 0 | {r.error or 'not run'} | | | | | |")
            continue
        found = "" if r.components is None else f"{r.components:,}"
        if r.purls is not None:
            found += f" ({len(r.purls):,})"
        ratio = cpu_ratio = ""
        if primary is not None and r.command.role is Role.PEER:
            ratio, cpu_ratio = _ratio_cell(primary, r), _ratio_cell(primary, r, cpu=True)
        if r.command.role is Role.FLOOR:
            ours = [s for s in results if s.command.role is Role.SOVAUDIT and s.samples and not s.error]
            ratio = " / ".join(_ratio_cell(s, r) for s in ours)
            cpu_ratio = " / ".join(_ratio_cell(s, r, cpu=True) for s in ours)
        lines.append(f"| {name} | {len(r.samples)} | {r.wall().format()} | {r.cpu().median:.2f} | "
                     f"{r.peak_mib():.0f} | {found} | {ratio} | {cpu_ratio} |")
    return lines


def _diff_lines(ours: Result, theirs: Result) -> list[str]:
    assert ours.purls is not None and theirs.purls is not None
    d: SetDiff = compare(ours.purls, theirs.purls)

    def listing(keys: Sequence[str]) -> str:
        shown = ", ".join(f"`{k}`" for k in keys[:SHOWN_DIFFERENCES])
        return shown + (" ..." if len(keys) > SHOWN_DIFFERENCES else "")

    def types(side: str) -> str:
        return ", ".join(f"{t} {n:,}" for t, n in d.by_type(side).items())

    lines = [f"- **{theirs.command.label}**: {len(theirs.purls):,} purls; {d.common:,} in common with sovaudit's "
             f"{len(ours.purls):,}."]
    if d.only_ours:
        lines.append(f"  - only sovaudit: {len(d.only_ours):,} ({types('ours')}): {listing(d.only_ours)}")
    if d.only_theirs:
        lines.append(f"  - only {theirs.command.label.split()[0]}: {len(d.only_theirs):,} ({types('theirs')}): "
                     f"{listing(d.only_theirs)}")
    if d.other_version:
        pairs = ", ".join(f"`{a}` / `{b.rsplit('@', 1)[-1]}`" for a, b in d.other_version[:SHOWN_DIFFERENCES])
        lines.append(f"  - same package, other version: {len(d.other_version):,}: {pairs}")
    return lines


def workload_section(workload: Workload, results: Sequence[Result]) -> list[str]:
    lines = [f"### {workload.title}", "", f"Input: {workload.input}.", ""]
    lines += [f"- {note}" for note in workload.notes]
    lines += ["", *_table(results), ""]
    primary = _primary(results)
    peers = [r for r in results if r.command.role is Role.PEER and r.purls is not None]
    if primary is not None and primary.purls is not None and peers:
        lines += ["Components found, compared by normalised purl (lower-case, PEP 503 names, qualifiers dropped):", ""]
        for peer in peers:
            lines += _diff_lines(primary, peer)
        lines.append("")
    return lines


@dataclass(frozen=True, slots=True, kw_only=True)
class Scaling:
    sizes: tuple[int, ...]
    results: tuple[Result, ...]
    time_fit: PowerFit | None
    cpu_fit: PowerFit | None
    memory_fit: PowerFit | None


def run_scaling(ctx: Context, sizes: Sequence[int], runs: int, *, logs: Path, log: Log) -> Scaling:
    """``sovaudit audit`` of the synthetic stack at each size, ``runs`` times each, sizes interleaved."""
    commands = []
    for n in sizes:
        log(f"  preparing the {n:,}-component stack")
        out = ctx.out / "scaling" / f"audit-{n}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        cmd = ctx.sovaudit(f"audit-{n}", audit_args(stack_file(n)), out, Output.AUDIT)
        commands.append(cmd)
    workload = Workload(name="scaling", title="", input="", notes=(), commands=tuple(commands))
    results = tuple(run_workload(workload, runs, warm_up=False, logs=logs, log=log))
    ok = [(n, r) for n, r in zip(sizes, results, strict=True) if r.samples and not r.error]
    time_fit = cpu_fit = memory_fit = None
    if len(ok) >= 2:
        time_fit = fit_power_law([n for n, _ in ok], [r.wall().median for _, r in ok])
        cpu_fit = fit_power_law([n for n, _ in ok], [r.cpu().median for _, r in ok])
        memory_fit = fit_power_law([n for n, _ in ok], [r.peak_mib() for _, r in ok])
    return Scaling(sizes=tuple(sizes), results=results, time_fit=time_fit, cpu_fit=cpu_fit, memory_fit=memory_fit)


def scaling_section(scaling: Scaling, svg_name: str) -> list[str]:
    lines = [
        "### Scaling: `sovaudit audit` of 1k to 100k components",
        "",
        "The synthetic stack of `benchmarks/audit_scale.py` at each size; `sovaudit -q audit STACK -f json "
        "--no-record -o FILE` (every shipped pack, the embedded knowledge base) in a fresh process, start-up "
        "included. The exponent is the slope of a least-squares line through log(median time) against "
        "log(components) (1.0: linear).",
        "",
        "| components | runs | wall s: median (min-max) | CPU s (median) | peak RSS MiB | components audited |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n, r in zip(scaling.sizes, scaling.results, strict=True):
        if r.error or not r.samples:
            lines.append(f"| {n:,} | 0 | {r.error or 'not run'} | | | |")
            continue
        lines.append(f"| {n:,} | {len(r.samples)} | {r.wall().format()} | {r.cpu().median:.2f} | {r.peak_mib():.0f} | "
                     f"{r.components or 0:,} |")
    lines.append("")
    if scaling.time_fit and scaling.cpu_fit and scaling.memory_fit:
        lines.append(f"Fitted exponent: wall time **{scaling.time_fit.exponent:.2f}** (r² {scaling.time_fit.r2:.3f}), "
                     f"CPU time **{scaling.cpu_fit.exponent:.2f}** (r² {scaling.cpu_fit.r2:.3f}), "
                     f"peak memory **{scaling.memory_fit.exponent:.2f}** (r² {scaling.memory_fit.r2:.3f}).")
        ok = [(n, r) for n, r in zip(scaling.sizes, scaling.results, strict=True) if r.samples and not r.error]
        if len(ok) >= 3:
            wall_tail = fit_power_law([n for n, _ in ok[1:]], [r.wall().median for _, r in ok[1:]])
            cpu_tail = fit_power_law([n for n, _ in ok[1:]], [r.cpu().median for _, r in ok[1:]])
            lines.append(f"Without the smallest size, where start-up (a fixed cost) flattens the curve: wall "
                         f"{wall_tail.exponent:.2f}, CPU {cpu_tail.exponent:.2f}.")
        lines += ["", f"![wall time, CPU time and peak memory against components, log-log]({svg_name})", ""]
    return lines


def scaling_plot(scaling: Scaling) -> str:
    ok = [(n, r) for n, r in zip(scaling.sizes, scaling.results, strict=True) if r.samples and not r.error]
    return scaling_svg(
        [
            Series(title="wall time", unit="s", points=tuple((n, r.wall().median) for n, r in ok),
                   fit=scaling.time_fit),
            Series(title="CPU time", unit="s", points=tuple((n, r.cpu().median) for n, r in ok), fit=scaling.cpu_fit),
            Series(title="peak memory", unit="MiB", points=tuple((n, r.peak_mib()) for n, r in ok),
                   fit=scaling.memory_fit),
        ],
        x_label="components in the stack",
        caption="sovaudit audit of the synthetic stack, median of the runs, start-up included; "
        "dashed: least-squares power law",
    )


def _git_state() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True,
                              cwd=REPO).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, check=True, cwd=REPO).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}" + (" with uncommitted changes" if dirty else "")


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    text: str
    met: bool | None  # None: not measured in this run
    evidence: str


def _fastest_peer(results: Sequence[Result]) -> Result | None:
    peers = [r for r in results if r.command.role is Role.PEER and r.samples and not r.error]
    return min(peers, key=lambda r: r.wall().median, default=None)


def targets(sections: dict[str, list[Result]], scaling: Scaling | None) -> list[Target]:
    """The issue's targets, each met, missed or not measured, with the figure that says so."""
    out = []
    for name in ("python-env", "oci-image", "docker-archive"):
        results = sections.get(name)
        ours = _primary(results) if results else None
        peer = _fastest_peer(results) if results else None
        if ours is None or peer is None:
            out.append(Target(text=f"{name}: ≥3x faster than the fastest peer", met=None, evidence="not measured"))
            continue
        ratio = spread(_paired(ours, peer)).median
        cpu = spread(_paired(ours, peer, cpu=True)).median
        out.append(Target(text=f"{name}: ≥3x faster than the fastest peer ({peer.command.label})", met=ratio <= 1 / 3,
                          evidence=f"sovaudit ÷ peer = {ratio:.2f} wall (≤ 0.33 needed), {cpu:.2f} CPU"))
        if ours.purls is not None and peer.purls is not None:
            d = compare(ours.purls, peer.purls)
            out.append(Target(text=f"{name}: same or more components than {peer.command.label}",
                              met=len(ours.purls) >= len(peer.purls) and not d.only_theirs,
                              evidence=f"{len(ours.purls):,} vs {len(peer.purls):,} purls; {len(d.only_theirs):,} "
                                       "found only by the peer"))
    for name, results in sections.items():
        floor = next((r for r in results if r.command.role is Role.FLOOR and r.samples and not r.error), None)
        for r in results:
            if r.command.role is Role.SOVAUDIT and r.samples and not r.error and floor is not None:
                ratio = spread(_paired(r, floor)).median
                cpu = spread(_paired(r, floor, cpu=True)).median
                out.append(Target(text=f"{name}: {r.command.label} within 2x of the read floor", met=ratio <= 2,
                                  evidence=f"{ratio:.1f}x the floor's wall time, {cpu:.1f}x its CPU time"))
    peaks = [(f"{name}: {r.command.label}", r.peak_mib()) for name, rs in sections.items() for r in rs
             if r.command.role is Role.SOVAUDIT and r.samples]
    if scaling is not None:
        peaks += [(f"audit of {n:,}", r.peak_mib()) for n, r in zip(scaling.sizes, scaling.results, strict=True)
                  if r.samples]
        last = scaling.results[-1]
        if scaling.sizes[-1] == 100_000 and last.samples:
            out.append(Target(text="100k-component audit under 60 s", met=last.wall().median < 60,
                              evidence=f"{last.wall().median:.1f} s"))
        else:
            out.append(Target(text="100k-component audit under 60 s", met=None, evidence="not measured (--quick)"))
        if scaling.time_fit is not None and scaling.cpu_fit is not None:
            out.append(Target(text="fitted time exponent ≤ 1.15", met=scaling.time_fit.exponent <= 1.15,
                              evidence=f"{scaling.time_fit.exponent:.2f} (wall), {scaling.cpu_fit.exponent:.2f} (CPU)"))
    if peaks:
        worst = max(peaks, key=lambda p: p[1])
        out.append(Target(text="sovaudit's peak memory under 1 GB", met=worst[1] < 1024,
                          evidence=f"largest: {worst[1]:.0f} MiB ({worst[0]})"))
    return out


def render(
    *,
    command: str,
    machine_info: dict[str, str],
    load: tuple[str, str],
    sections: list[tuple[Workload, list[Result]]],
    scaling: Scaling | None,
    svg_name: str,
) -> str:
    """The Markdown block of docs/performance.md (between its markers)."""
    lines = [
        BEGIN,
        "",
        f"Measured with `{command}` on sovaudit {_git_state()}.",
        "",
        "| machine | |",
        "| --- | --- |",
        *[f"| {k} | {v} |" for k, v in machine_info.items()],
        f"| load average before / after (1, 5, 15 min) | {load[0]} / {load[1]} |",
        "",
        "**Targets** (ratios are sovaudit's time over the other's in the same round, median of the rounds):",
        "",
    ]
    marks = {True: "met", False: "**missed**", None: "not measured"}
    tgts = targets({w.name: rs for w, rs in sections}, scaling)
    lines += [f"- {marks[t.met]}: {t.text}: {t.evidence}" for t in tgts]
    lines.append("")
    for workload, results in sections:
        lines += workload_section(workload, results)
    if scaling is not None:
        lines += scaling_section(scaling, svg_name)
    lines.append(END)
    return "\n".join(lines) + "\n"


def publish(block: str, svg: str | None, doc: Path = DOC, svg_path: Path = DOC_SVG) -> None:
    """Put ``block`` between the markers of ``doc`` (the prose around it is kept) and the plot beside it."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else f"# Performance\n\n{BEGIN}\n{END}\n"
    head, _, rest = text.partition(BEGIN)
    _, _, after = rest.partition(END)
    doc.write_text(head + block.rstrip("\n") + after, encoding="utf-8")
    if svg is not None:
        svg_path.write_text(svg, encoding="utf-8")


# -- the run ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Options:
    quick: bool
    workloads: tuple[str, ...]
    runs: int
    scaling_runs: int
    scaling: bool
    out: Path
    publish: bool
    command: str


def _peer_errors(names: Sequence[str], log: Log) -> dict[str, str]:
    errors: dict[str, str] = {}
    needed = {p.name: p for name in names for p in PEERS_OF.get(name, ())}
    if needed and shutil.which("npm") is None and "cdxgen" in needed:
        errors["cdxgen"] = "npm is not installed"
    for peer in needed.values():
        if peer.name not in errors and (why := peer.install()):
            log(f"  {peer.name}: {why}")
            errors[peer.name] = why
    return errors


def _to_json(sections: list[tuple[Workload, list[Result]]], scaling: Scaling | None) -> dict[str, Any]:
    def result(r: Result) -> dict[str, Any]:
        return {"label": r.command.label, "role": r.command.role.value, "argv": list(r.command.argv),
                "error": r.error, "components": r.components, "purls": len(r.purls) if r.purls is not None else None,
                "samples": [{"wall": s.wall, "cpu": s.cpu, "peak_mib": s.peak_mib} for s in r.samples]}

    doc: dict[str, Any] = {"workloads": {w.name: [result(r) for r in rs] for w, rs in sections}}
    if scaling is not None:
        doc["scaling"] = {"sizes": list(scaling.sizes), "results": [result(r) for r in scaling.results],
                          "time_exponent": scaling.time_fit.exponent if scaling.time_fit else None,
                          "cpu_exponent": scaling.cpu_fit.exponent if scaling.cpu_fit else None,
                          "memory_exponent": scaling.memory_fit.exponent if scaling.memory_fit else None}
    return doc


def run(options: Options, log: Log) -> int:
    """Everything ``python -m benchmarks run`` does; 0 when every command ran."""
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    load_before = machine.load_average()
    log(f"benchmarks: load average before: {load_before}")
    sovaudit_env = python_env.child_env(bytecode=True)
    sovaudit_env["SOVAUDIT_HISTORY"] = str(out / "history.sqlite")
    ctx = Context(quick=options.quick, out=out / "outputs", sovaudit_env=sovaudit_env, peer_env=base_environment(),
                  peer_errors=_peer_errors(options.workloads, log))
    sections: list[tuple[Workload, list[Result]]] = []
    for name in options.workloads:
        log(f"{name}: preparing")
        workload = WORKLOADS[name](ctx)
        results = run_workload(workload, options.runs, warm_up=not options.quick, logs=out / "logs" / name, log=log)
        for r in results:
            log(f"  {r.command.label}: " + (r.error or f"{r.wall().format()} s, {r.peak_mib():.0f} MiB, "
                                                      f"{r.components} components"))
        sections.append((workload, results))
    scaling = None
    if options.scaling:
        log("scaling: audit at " + ", ".join(f"{n:,}" for n in (QUICK_SCALING_SIZES if options.quick
                                                                    else SCALING_SIZES)))
        scaling = run_scaling(ctx, QUICK_SCALING_SIZES if options.quick else SCALING_SIZES, options.scaling_runs,
                              logs=out / "logs" / "scaling", log=log)
    load_after = machine.load_average()
    log(f"benchmarks: load average after: {load_after}")
    svg = scaling_plot(scaling) if scaling is not None and scaling.time_fit is not None else None
    block = render(command=options.command, machine_info=machine.describe(), load=(load_before, load_after),
                   sections=sections, scaling=scaling, svg_name=DOC_SVG.name)
    (out / "report.md").write_text(block, encoding="utf-8")
    (out / "results.json").write_text(json.dumps(_to_json(sections, scaling), indent=1, sort_keys=True),
                                      encoding="utf-8")
    if svg is not None:
        (out / DOC_SVG.name).write_text(svg, encoding="utf-8")
    if options.publish:
        publish(block, svg)
        log(f"benchmarks: wrote {DOC.relative_to(REPO)}" + (f" and {DOC_SVG.relative_to(REPO)}" if svg else ""))
    log(f"benchmarks: report in {out / 'report.md'}")
    failed = [r for _, rs in sections for r in rs if r.error] + (
        [r for r in scaling.results if r.error] if scaling else [])
    return 1 if failed else 0

