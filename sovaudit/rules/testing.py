"""Pass/fail cases of rules: each rule carries named cases; one generic runner runs them all.

A case is a tiny inventory (components in the inventory JSON shape, optional edges) and the
expectation: the rule finds something, or nothing (on the named component, when one is named).
The cases run against the real knowledge base, so a KB change that breaks a rule's
intent fails here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sovaudit import inventory_json
from sovaudit.graph import StackGraph
from sovaudit.knowledge import KnowledgeBase, annotate
from sovaudit.rules import Pack, Rule
from sovaudit.rules.engine import Context, evaluate


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseResult:
    rule: str
    case: str
    passed: bool
    detail: str


def run_case(rule: Rule, case: dict[str, Any], kb: KnowledgeBase, today: date) -> CaseResult:
    doc = {
        "format": inventory_json.FORMAT,
        "formatVersion": inventory_json.VERSION,
        "components": case.get("components", []),
        "edges": case.get("edges", []),
        "inputs": [],
    }
    try:
        inventory = inventory_json.from_dict(doc)
    except ValueError as err:
        return CaseResult(rule=rule.id, case=case["name"], passed=False, detail=f"bad case: {err}")
    graph = StackGraph.merge([inventory])
    when = date.fromisoformat(case["today"]) if "today" in case else today
    ctx = Context(graph=graph, kb=kb, matches=annotate(kb, graph.components()), today=when)
    found = evaluate([rule], ctx)
    wanted = case.get("component")
    if case["expect"] == "finding":
        hits = [f for f in found if wanted is None or wanted in f.components]
        ok = bool(hits)
        detail = "" if ok else f"expected a finding{' on ' + wanted if wanted else ''}, got {[f.id for f in found]}"
    else:  # with a named component: nothing on it (the rule may fire on others in the case's graph)
        ok = not [f for f in found if wanted is None or wanted in f.components]
        detail = "" if ok else f"expected no finding{' on ' + wanted if wanted else ''}, got {[f.id for f in found]}"
    return CaseResult(rule=rule.id, case=case["name"], passed=ok, detail=detail)


def run(packs: Sequence[Pack], kb: KnowledgeBase, today: date) -> list[CaseResult]:
    return [run_case(rule, case, kb, today) for pack in packs for rule in pack.rules for case in rule.tests]
