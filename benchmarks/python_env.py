"""Time reading a real ~300-distribution Python environment, against the plain-Python floor.

Run from the repository root::

    python benchmarks/python_env.py             # 10 runs of each, best and median
    python benchmarks/python_env.py --runs 20 --peers
    python benchmarks/python_env.py --no-bytecode   # compile sovaudit's sources in every run
    python benchmarks/python_env.py --instructions  # also count instructions (valgrind)

The environment is the test fixture ``tests/.fixtures/env300/`` (built first by
``tests/fixtures/build_envs.py`` when it is missing or stale). Every run is a fresh process, so
each figure includes interpreter start-up and imports, as a user running the command sees it:

* ``python -c pass``: the interpreter's own start-up, which every other row includes;
* floor: ``python -c`` a loop over ``site-packages`` that parses every ``*.dist-info/METADATA``
  with ``email.parser.BytesHeaderParser``: about the least any reader of installed metadata does;
* imports: ``import sovaudit.cli`` and every registered collector, instantiated: the most a scan
  can pay for imports (it imports a collector only when the walk meets a path of its kind; a
  venv needs two);
* ``sovaudit scan ENV -o /dev/null --format inventory-json``;
* ``sovaudit sbom ENV --format cyclonedx-json -o benchmarks/.work/env300.cdx.json``;
* with ``--peers``: ``cyclonedx-py environment ENV/bin/python`` (cyclonedx-bom, installed on first
  use into its own venv ``benchmarks/.work/peers``), ``--runs`` times with ``--no-validate`` and
  once as it runs by default, validating its output against the CycloneDX JSON schema (with
  ``jsonschema``'s ``iri-reference`` format check, a lark Earley parser per URL, that is most of
  its time).

Each command runs once untimed first (a warm file cache for all; that run's output gives the
component count), then ``--runs`` times timed. The ratio is median over the floor's median. CPU
is the user + system time of the process: less disturbed than wall time on a busy machine.

Instructions (``--instructions``): each command once more under ``valgrind --tool=callgrind``,
which counts the instructions the process executes (user space: the interpreter, the C
extensions, libc). The count repeats to within a fraction of a percent whatever else the machine
is doing, so it is the figure to compare two versions by on a shared machine; it does not see
the time spent waiting for the disk or in the kernel. About a minute per command.

Bytecode: an installed sovaudit has its ``.pyc`` files (pip compiles them); an editable checkout
run with ``PYTHONDONTWRITEBYTECODE`` set (as in this project's sandboxes) compiles every module
it imports on every run, about 0.15 s. So the commands run with ``PYTHONPYCACHEPREFIX`` pointing
at ``benchmarks/.work/pycache`` and bytecode writing on, and the untimed run fills that cache;
``--no-bytecode`` measures the other way.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import stat
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "benchmarks" / ".work"
BUILD_SCRIPT = REPO / "tests" / "fixtures" / "build_envs.py"
PEERS = WORK / "peers"
#: The peer measured with --peers (pinned, so figures compare across runs).
PEER_PACKAGE = "cyclonedx-bom==7.5.0"

IMPORTS = """
import sovaudit.cli, sovaudit.pipeline
from sovaudit.collectors import COLLECTORS
[c() for c in COLLECTORS.all()]
"""
FLOOR = r"""
import email.parser, os, sys
parser = email.parser.BytesHeaderParser()
names = set()
for entry in os.scandir(sys.argv[1]):
    if entry.name.endswith(".dist-info"):
        with open(os.path.join(entry.path, "METADATA"), "rb") as fh:
            names.add((parser.parse(fh)["Name"], entry.name))
print(len(names))
"""


@dataclass(slots=True)
class Measure:
    label: str
    argv: list[str]
    count: str = ""  # components found, or why there is no figure
    runs: int = 0  # 0: --runs
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system
    instructions: int = 0  # 0: not counted
    error: str = ""


def _build_envs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_envs", BUILD_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ensure_env() -> Path:
    build_envs = _build_envs()
    if not build_envs.up_to_date():
        subprocess.run([sys.executable, str(BUILD_SCRIPT)], check=True)
    env: Path = build_envs.ENV300
    return env


def site_packages(env: Path) -> Path:
    (site,) = env.glob("lib/python3.*/site-packages")
    return site


def _dev_null_intact() -> bool:
    return stat.S_ISCHR(os.stat(os.devnull).st_mode)


#: The environment of every timed command (see "Bytecode" above); set by main().
CHILD_ENV: dict[str, str] = dict(os.environ)


def child_env(bytecode: bool) -> dict[str, str]:
    env = dict(os.environ)
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(WORK / "pycache")
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_once(m: Measure) -> subprocess.CompletedProcess[str] | None:
    proc = subprocess.run(m.argv, capture_output=True, text=True, check=False, cwd=REPO, env=CHILD_ENV)
    if proc.returncode != 0:
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
        m.error = f"failed (exit {proc.returncode}): {tail[:200]}"
        return None
    if not _dev_null_intact():
        raise SystemExit(f"{m.label}: {os.devnull} is no longer a character device; stop and restore it")
    return proc


def time_runs(m: Measure, runs: int) -> None:
    m.runs = m.runs or runs
    for _ in range(m.runs):
        started = time.perf_counter()
        proc = subprocess.Popen(m.argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO, env=CHILD_ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            m.error = f"failed (exit {os.waitstatus_to_exitcode(status)}); run it by hand to see why"
            return
        m.times.append(elapsed)
        m.cpu.append(usage.ru_utime + usage.ru_stime)


def count_instructions(m: Measure) -> None:
    """One more run under callgrind: the instructions the process executed (0 when it failed).

    A plain run first: a source changed since the timed runs would otherwise be compiled inside
    the counted one.
    """
    subprocess.run(m.argv, capture_output=True, check=False, cwd=REPO, env=CHILD_ENV)
    argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *m.argv]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=REPO, env=CHILD_ENV)
    found = re.search(r"Collected : (\d+)", proc.stderr)
    m.instructions = int(found.group(1)) if proc.returncode == 0 and found else 0


def count_components(path: Path) -> str:
    try:
        return str(len(json.loads(path.read_bytes()).get("components", [])))
    except (OSError, ValueError) as err:
        return f"? ({err})"


def cli_available() -> str:
    """"" when ``python -m sovaudit`` runs, else why not."""
    if importlib.util.find_spec("sovaudit.cli") is None:
        return "not available (no sovaudit/cli.py yet)"
    proc = subprocess.run([sys.executable, "-m", "sovaudit", "--version"], capture_output=True, text=True, check=False)
    return "" if proc.returncode == 0 else f"not available (`python -m sovaudit --version` exit {proc.returncode})"


def ensure_peers() -> Path | None:
    tool = PEERS / "bin" / "cyclonedx-py"
    if tool.exists():
        return tool
    print(f"python_env: installing {PEER_PACKAGE} into {PEERS.relative_to(REPO)}", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
        subprocess.run(
            [str(PEERS / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", PEER_PACKAGE],
            check=True, capture_output=True, text=True,
        )
    except subprocess.CalledProcessError as err:
        print(f"python_env: could not install {PEER_PACKAGE}: {err}\n{err.stderr or ''}", file=sys.stderr)
        return None
    return tool if tool.exists() else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each command (default 10)")
    parser.add_argument("--peers", action="store_true", help=f"also time cyclonedx-py ({PEER_PACKAGE})")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="no .pyc cache: sovaudit's modules are compiled in every run")
    parser.add_argument("--instructions", action="store_true",
                        help="also count each command's instructions once under valgrind (not the peers)")
    args = parser.parse_args(argv)
    if args.instructions and shutil.which("valgrind") is None:
        parser.error("--instructions needs valgrind (apt-get install valgrind)")
    global CHILD_ENV
    CHILD_ENV = child_env(bytecode=not args.no_bytecode)

    env = ensure_env()
    WORK.mkdir(parents=True, exist_ok=True)
    truth = json.loads((env / "importlib-metadata.json").read_text(encoding="utf-8"))
    inventory_out = WORK / "env300.inventory.json"
    sbom_out = WORK / "env300.cdx.json"
    py = sys.executable

    startup = Measure("python -c pass", [py, "-c", "pass"])
    floor = Measure("floor: BytesHeaderParser over METADATA", [py, "-c", FLOOR, str(site_packages(env))])
    imports = Measure("imports: cli + all collectors", [py, "-c", IMPORTS])
    scan = Measure("sovaudit scan --format inventory-json", [py, "-m", "sovaudit", "scan", str(env), "-o", os.devnull,
                                                             "--format", "inventory-json"])
    sbom = Measure("sovaudit sbom --format cyclonedx-json", [py, "-m", "sovaudit", "sbom", str(env),
                                                             "--format", "cyclonedx-json", "-o", str(sbom_out)])
    measures = [startup, floor, imports, scan, sbom]

    if run_once(startup) is not None:
        time_runs(startup, args.runs)
    if (proc := run_once(floor)) is not None:
        floor.count = proc.stdout.strip()
        time_runs(floor, args.runs)

    if missing := cli_available():
        scan.error = sbom.error = missing
    else:
        if run_once(imports) is not None:
            time_runs(imports, args.runs)
        # The untimed run writes a file, for the count; the timed runs write to /dev/null.
        counting = Measure(scan.label, [*scan.argv[:-3], str(inventory_out), *scan.argv[-2:]])
        if run_once(counting) is not None:
            scan.count = count_components(inventory_out)
            time_runs(scan, args.runs)
        else:
            scan.error = counting.error
        if run_once(sbom) is not None:
            sbom.count = count_components(sbom_out)
            time_runs(sbom, args.runs)

    if args.peers:
        peer_out = WORK / "env300.peer.cdx.json"
        fast = Measure("cyclonedx-py environment --no-validate", [])
        slow = Measure("cyclonedx-py environment (validating)", [], runs=1)
        measures += [fast, slow]
        tool = ensure_peers()
        if tool is None:
            fast.error = slow.error = f"not available ({PEER_PACKAGE} could not be installed)"
        else:
            slow.argv = [str(tool), "environment", "--of", "JSON", "-o", str(peer_out), str(env / "bin" / "python")]
            fast.argv = [*slow.argv[:2], "--no-validate", *slow.argv[2:]]
            if run_once(fast) is not None:
                fast.count = count_components(peer_out)
                time_runs(fast, args.runs)
                time_runs(slow, args.runs)  # one run (40 s or more on 2 cores); fast warmed the cache
                slow.count = count_components(peer_out)

    if args.instructions:
        for m in measures[:5]:
            if m.times:
                count_instructions(m)

    bytecode = "without .pyc files (compiled in every run)" if args.no_bytecode else "with .pyc files"
    print(f"\n{env.relative_to(REPO)}: {len(truth)} distributions (importlib.metadata); {sys.version.split()[0]}; "
          f"a fresh process per run, {bytecode}; ratio = median / floor median\n")
    instructions = f" {'M instr':>8} {'x floor':>8}" if args.instructions else ""
    print(f"{'command':<40} {'runs':>4} {'best s':>8} {'median s':>9} {'x floor':>8} {'cpu best':>9} "
          f"{'components':>11}{instructions}")
    floor_median = statistics.median(floor.times) if floor.times else 0.0
    for m in measures:
        if m.times and len(m.times) == m.runs:
            median = statistics.median(m.times)
            ratio = f"{median / floor_median:.1f}" if floor_median else "-"
            cpu = f"{min(m.cpu):.3f}" if m.cpu else "-"
            counted = ""
            if args.instructions:
                by = f"{m.instructions / floor.instructions:.2f}" if m.instructions and floor.instructions else "-"
                counted = f" {m.instructions / 1e6:>8.0f} {by:>8}" if m.instructions else f" {'-':>8} {'-':>8}"
            print(f"{m.label:<40} {m.runs:>4} {min(m.times):>8.3f} {median:>9.3f} {ratio:>8} {cpu:>9} {m.count:>11}"
                  f"{counted}")
        else:
            print(f"{m.label:<40} {m.error or 'failed'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
