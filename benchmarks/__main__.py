"""``python -m benchmarks run [--quick] [--workload NAME ...] [--runs N] [--out DIR] [--publish]``.

Times sovaudit beside its peers on the same inputs (see benchmarks/README.md), then the audit at
1k-100k components, and writes ``report.md``, ``results.json`` and the scaling plot into DIR
(default ``benchmarks/.work/results``); ``--publish`` also puts the report into
``docs/performance.md`` (between its markers) and the plot beside it. On a shared machine run it
with ``nice -n -5`` (as root): the command line in the report says so.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.suite import DEFAULT_OUT, Options, run
from benchmarks.workloads import WORKLOADS


def command_line(argv: Sequence[str]) -> str:
    """How this run was started, for the report (the interpreter as ``python``, the niceness if any)."""
    nice = os.nice(0)
    return (f"nice -n {nice} " if nice else "") + " ".join(["python", "-m", "benchmarks", *argv])


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[1])
    sub = parser.add_subparsers(dest="verb", required=True)
    p = sub.add_parser("run", help="run the suite")
    p.add_argument("--quick", action="store_true",
                   help="1 run, no warm-up, a 100 MB image, scaling at 1k and 10k only: checks the wiring")
    p.add_argument("--workload", action="append", choices=sorted(WORKLOADS), metavar="NAME",
                   help=f"only these workloads (repeatable; default all: {', '.join(WORKLOADS)})")
    p.add_argument("--runs", type=int, help="timed rounds per workload (default 5; 1 with --quick)")
    p.add_argument("--scaling-runs", type=int,
                   help="timed runs per size in the scaling run (default 3; 1 with --quick)")
    p.add_argument("--no-scaling", action="store_true", help="skip the scaling run")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where results go (default %(default)s)")
    p.add_argument("--publish", action="store_true", help="also write docs/performance.md and its plot")
    args = parser.parse_args(args_list)
    options = Options(
        quick=args.quick,
        workloads=tuple(w for w in WORKLOADS if w in (args.workload or WORKLOADS)),
        runs=args.runs or (1 if args.quick else 5),
        scaling_runs=args.scaling_runs or (1 if args.quick else 3),
        scaling=not args.no_scaling,
        out=args.out.resolve(),
        publish=args.publish,
        command=command_line(args_list),
    )
    return run(options, log)


if __name__ == "__main__":
    sys.exit(main())
