"""What the figures were measured on: CPU, cores, memory, OS, Python, and how busy the machine was."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path


def _first(path: str, key: str) -> str:
    """The value of the first ``key: value`` (or ``KEY=value``) line of a system file."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    for line in text.splitlines():
        name, sep, value = line.partition(":" if ":" in line else "=")
        if sep and name.strip() == key:
            return value.strip().strip('"')
    return ""


def describe() -> dict[str, str]:
    """The machine, one line per property, for the report."""
    mem_kib = (_first("/proc/meminfo", "MemTotal").split() or [""])[0]
    return {
        "cpu": _first("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "cores": str(os.cpu_count() or "?"),
        "memory": f"{int(mem_kib) / 1024**2:.1f} GiB" if mem_kib else "unknown",
        "os": f"{_first('/etc/os-release', 'PRETTY_NAME') or platform.system()} (kernel {platform.release()})",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "executable": sys.executable,
        "nice": str(os.nice(0)),
    }


def load_average() -> str:
    """``1.02 0.80 0.55`` (1, 5, 15 minutes)."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"
