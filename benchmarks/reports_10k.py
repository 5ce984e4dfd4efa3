"""Time every report format on one synthetic 10,000-component audit (target: all together under 5 s).

The stack is the one ``audit_scale.py`` generates (same seed); it is audited once with all
shipped packs, then rendered in every format of ``sovaudit.reports.FORMATS`` (formats added
later are included by the loop) plus the ``spdx-json`` and ``cyclonedx-json`` SBOMs of its
inventory. Each format is rendered ``--runs`` times in this process (imports are paid by the
first run and not counted); the best wall and CPU times are reported, with the output size.

    python benchmarks/reports_10k.py [--runs 3] [--size 10000]
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from audit_scale import generate

from sovaudit import __version__, inventory_json, knowledge, reports, rules
from sovaudit.audit import Audit
from sovaudit.emitters import EMITTERS, RenderContext
from sovaudit.pipeline import audit

SBOMS = ("spdx-json", "cyclonedx-json")


def build(size: int) -> Audit:
    import json

    inventory = inventory_json.loads(json.dumps(generate(size)).encode(), "synthetic")
    return audit(inventory, kb=knowledge.load(), packs=rules.load_packs(), today=date(2026, 11, 27))


def best(fn: Callable[[], bytes], runs: int) -> tuple[float, float, int]:
    """Best wall time, best CPU time (steadier on a busy machine) and the output's size."""
    fn()  # imports and caches
    walls, cpus, size = [], [], 0
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        size = len(fn())
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus), size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--size", type=int, default=10_000)
    args = ap.parse_args()
    t = time.perf_counter()
    result = build(args.size)
    print(
        f"audit of {len(result.inventory.components):,} components, {len(result.inventory.edges):,} edges, "
        f"{len(result.findings):,} findings: {time.perf_counter() - t:.2f} s (not counted below)"
    )
    context = RenderContext(tool_version=__version__)
    jobs: list[tuple[str, Callable[[], bytes]]] = [
        (name, functools.partial(reports.render, name, result, __version__)) for name in reports.names()
    ]
    jobs += [(name, functools.partial(EMITTERS.get(name)().render, result.inventory, context)) for name in SBOMS]
    total = total_cpu = 0.0
    print(f"  {'format':16} {'wall':>8} {'cpu':>8} {'size':>10}")
    for name, fn in jobs:
        wall, cpu, size = best(fn, args.runs)
        total += wall
        total_cpu += cpu
        print(f"  {name:16} {wall:6.3f} s {cpu:6.3f} s {size / 1e6:7.2f} MB")
    verdict = "under" if total < 5.0 else "OVER"
    print(f"  {'total':16} {total:6.3f} s {total_cpu:6.3f} s  ({verdict} the 5 s target; best of {args.runs} each)")


if __name__ == "__main__":
    main()
