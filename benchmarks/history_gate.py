"""Time the audit history and the gate.

Rows:
- one process recording N audits into a fresh store (each record opens the store, writes one
  transaction and closes it, as one `sovaudit audit` run does): ms per audit, bytes per audit;
- two processes recording N audits each into one store at the same time: wall time, audits lost;
- `sovaudit history` over the store (all rows);
- `sovaudit audit` vs `sovaudit gate` (against the audit JSON of the same stack) on a sample
  stack, fresh processes, best and median of R runs: what the comparison costs on top of the audit.

The audit document recorded is the real audit of sample_stacks/eu-open.

    python benchmarks/history_gate.py [--records 500] [--runs 5] [--stack sample_stacks/eu-open]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "benchmarks" / ".work"
SOVAUDIT = [sys.executable, "-m", "sovaudit"]
WRITER = """
import json, sys
from pathlib import Path
from sovaudit import history
doc = json.loads(Path(sys.argv[2]).read_text())
for n in range(int(sys.argv[3])):
    history.record(Path(sys.argv[1]), doc, stack=sys.argv[4], commit="", command="audit", passed=True,
                   recorded_at="2026-06-01T00:00:00Z")
"""


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=REPO, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def writers(store: Path, doc: Path, records: int, how_many: int, env: dict[str, str]) -> float:
    start = time.perf_counter()
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(store), str(doc), str(records), f"w{i}"], env=env)
        for i in range(how_many)
    ]
    if any(p.wait() for p in procs):
        raise SystemExit("a writer failed")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stack", default="sample_stacks/eu-open")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        folder = Path(tmp)
        env = dict(os.environ, SOVAUDIT_HISTORY=str(folder / "scratch.sqlite"), SOURCE_DATE_EPOCH="1780272000")
        doc = folder / "audit.json"
        subprocess.run([*SOVAUDIT, "-q", "audit", args.stack, "-f", "json", "-o", str(doc)], cwd=REPO, env=env,
                       check=True)  # fmt: skip
        print(f"audit document: {args.stack}, {doc.stat().st_size:,} bytes, "
              f"{len(json.loads(doc.read_text())['findings'])} findings")  # fmt: skip

        one = folder / "one.sqlite"
        elapsed = writers(one, doc, args.records, 1, env)
        per_audit = one.stat().st_size / args.records
        print(f"1 writer x {args.records}: {elapsed:.2f} s, {elapsed / args.records * 1000:.1f} ms/audit "
              f"(each opens the store, writes, closes it), {per_audit:,.0f} bytes/audit")  # fmt: skip
        two = folder / "two.sqlite"
        elapsed = writers(two, doc, args.records, 2, env)
        with sqlite3.connect(two) as conn:
            rows = conn.execute("SELECT count(*) FROM audits").fetchone()[0]
        print(f"2 writers x {args.records} at once: {elapsed:.2f} s, {rows} rows ({2 * args.records - rows} lost)")
        list_env = dict(env, SOVAUDIT_HISTORY=str(two))
        best = min(timed([*SOVAUDIT, "history", "-n", "0"], list_env) for _ in range(args.runs))
        print(f"sovaudit history -n 0 over {rows} audits: best {best:.2f} s")

        for label, argv in (
            ("audit", [*SOVAUDIT, "-q", "audit", args.stack, "-f", "json", "-o", os.devnull, "--no-record"]),
            ("gate ", [*SOVAUDIT, "-q", "gate", args.stack, "--baseline", str(doc), "-o", os.devnull, "--no-record"]),
            ("audit, recorded", [*SOVAUDIT, "-q", "audit", args.stack, "-f", "json", "-o", os.devnull]),
        ):
            times = [timed(argv, env) for _ in range(args.runs)]
            print(f"sovaudit {label}: best {min(times):.2f} s, median {statistics.median(times):.2f} s")


if __name__ == "__main__":
    main()
