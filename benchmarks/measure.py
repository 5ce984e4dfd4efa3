"""Run one command in a fresh process and measure it as the OS saw it: wall time, CPU time, peak memory.

Peak memory is ``ru_maxrss`` from ``os.wait4`` on that process: the largest resident set of it or
of any process it waited for (cdxgen's node runs helpers), never the runner's own (``spawn.py``). CPU time is
the child's user + system time: steadier than wall time on a machine others use.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SPAWN = Path(__file__).resolve().parent / "spawn.py"

@dataclass(frozen=True, slots=True, kw_only=True)
class Sample:
    """One run of one command."""

    wall: float
    cpu: float
    peak_mib: float
    exit_code: int
    timed_out: bool = False


def run_measured(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    stdout: Path,
    stderr: Path,
    timeout: float,
) -> Sample:
    """Run ``argv`` to completion (killed after ``timeout`` seconds), its output to files.

    It is started by ``spawn.py`` (see there why), which measures it and reports in JSON.
    """
    helper = [sys.executable, "-I", "-S", str(SPAWN), str(timeout), str(stdout), str(stderr), *argv]
    proc = subprocess.run(helper, env=dict(env), cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"spawn.py failed for {argv[0]}: {proc.stderr.strip()[-500:]}")
    report = json.loads(proc.stdout)
    return Sample(
        wall=report["wall"],
        cpu=report["cpu"],
        peak_mib=report["maxrss_kib"] / 1024,
        exit_code=report["exit"],
        timed_out=report["timed_out"],
    )


def tail(path: Path, lines: int = 3, width: int = 300) -> str:
    """The last lines of a log, on one line: why a command failed."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])[:width]
