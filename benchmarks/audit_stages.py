"""Where the time of `sovaudit audit` goes, stage by stage, on one inventory (a script, not a test).

    python benchmarks/audit_stages.py benchmarks/.work/stack-10000.inventory.json [--runs 3]

Reads the inventory once, then runs each stage of the audit in this process as `sovaudit audit`
does (merge, annotate, requirement links, rules, scoring, the audit JSON; no waivers) and prints the CPU
time (user + system of this process) of each: the best of ``--runs`` runs, since the machines of
this project are shared. The stack of `benchmarks/audit_scale.py` is the usual input. Start-up,
reading the inventory and the scan are left out: `sovaudit audit` times those whole.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

STAGES = ("merge", "annotate", "link", "context", "evaluate", "score", "dump")


def one_run(text: bytes) -> dict[str, float]:
    """Every stage once; CPU seconds per stage."""
    from sovaudit import __version__, audit, inventory_json, knowledge, pipeline
    from sovaudit.graph import StackGraph
    from sovaudit.rules import load_packs
    from sovaudit.rules.engine import Context, evaluate
    from sovaudit.scoring import referenced, score

    inventory = inventory_json.loads(text, "inventory")
    packs = load_packs()
    kb = knowledge.load()
    rules = [r for p in packs for r in p.rules]
    today = date(2026, 11, 27)
    times: dict[str, float] = {}
    state: dict[str, Any] = {}

    def timed(name: str, step: Callable[[], Any]) -> Any:
        start = time.process_time()
        state[name] = step()
        times[name] = time.process_time() - start
        return state[name]

    graph = timed("merge", lambda: StackGraph.merge([inventory]))
    matches = timed("annotate", lambda: knowledge.annotate(kb, graph.components()))
    timed("link", lambda: pipeline._link_requirements(graph, kb, matches))
    ctx = timed("context", lambda: Context(graph=graph, kb=kb, matches=matches, today=today))
    findings = timed("evaluate", lambda: evaluate(rules, ctx))
    scores = timed("score", lambda: score(findings, ctx, referenced(rules)))
    result = audit.Audit(
        inventory=graph.to_inventory(),
        kb=kb,
        matches=matches,
        packs=tuple(packs),
        profile=None,
        findings=tuple(findings),
        scores=scores,
        gates=(),
        expired_waivers=(),
        stale_entries=(),
        today=today,
    )
    timed("dump", lambda: audit.dump(result, __version__))  # the audit JSON, as `audit -f json` writes it
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inventory", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    text = args.inventory.read_bytes()
    best: dict[str, float] = {}
    for _ in range(args.runs):
        for name, seconds in one_run(text).items():
            best[name] = min(seconds, best.get(name, seconds))
    for name in STAGES:
        print(f"{name:10} {best[name]:8.3f} s CPU")
    print(f"{'total':10} {sum(best.values()):8.3f} s CPU (best of {args.runs} per stage)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
