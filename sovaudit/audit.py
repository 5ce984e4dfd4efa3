"""The result of an audit, and its versioned JSON form (``sovaudit-audit``, version 1).

The JSON carries everything needed to recompute the scores without sovaudit: each finding's
points with their factors, the layer each counts against, and the method's constants.
Described by ``sovaudit/schemas/audit-1.schema.json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sovaudit import jsonout
from sovaudit.knowledge import KnowledgeBase, Match
from sovaudit.model import Evidence, Finding, Inventory, Severity
from sovaudit.profiles import Profile
from sovaudit.rules import Pack
from sovaudit.scoring import (
    BASE_POINTS,
    CSF_WEIGHTS,
    LEVEL_BANDS,
    LEVEL_CAPS,
    NO_ALTERNATIVE_FACTOR,
    SPOF_SHARE,
    Scores,
)
from sovaudit.waivers import Waiver

FORMAT = "sovaudit-audit"
VERSION = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Gate:
    name: str
    passed: bool
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Audit:
    inventory: Inventory
    kb: KnowledgeBase
    matches: dict[str, tuple[Match, ...]]
    packs: tuple[Pack, ...]
    profile: Profile | None
    findings: tuple[Finding, ...]
    scores: Scores
    gates: tuple[Gate, ...]
    expired_waivers: tuple[Waiver, ...]
    stale_entries: tuple[str, ...]
    today: date

    @property
    def passed(self) -> bool:
        return all(g.passed for g in self.gates)

    def finding(self, finding_id: str) -> Finding | None:
        return next((f for f in self.findings if f.id == finding_id), None)


def evaluate_gates(
    findings: tuple[Finding, ...],
    scores: Scores,
    profile: Profile | None,
    fail_on: Severity | None,
    min_score: float | None,
) -> tuple[Gate, ...]:
    """Hard requirements: any that fails makes `audit` exit 1, whatever the weighted score says."""
    live = [f for f in findings if not f.waiver]
    gates = []
    threshold = fail_on if fail_on is not None else (profile.fail_on if profile else None)
    if threshold is not None:
        over = [f for f in live if f.severity >= threshold]
        gates.append(
            Gate(
                name=f"no finding at or above {threshold}",
                passed=not over,
                detail=f"{len(over)} finding(s): " + ", ".join(f.id for f in over[:5]) if over else "none",
            )
        )
    floor = min_score if min_score is not None else (profile.min_overall_score if profile else None)
    if floor is not None:
        got = scores.overall_score
        gates.append(
            Gate(
                name=f"overall score at least {floor:g}",
                passed=got is not None and got >= floor,
                detail=f"overall score {got if got is not None else 'not assessed'}",
            )
        )
    if profile is not None:
        by_layer = {ls.layer: ls for ls in scores.layers}
        for layer, minimum in profile.min_levels:
            ls = by_layer[layer]
            gates.append(
                Gate(
                    name=f"{layer.value} level at least {minimum}",
                    passed=ls.level is None or ls.level >= minimum,
                    detail=f"level {ls.level}" if ls.level is not None else "not assessed (no components)",
                )
            )
    hard = [f for f in live if f.gate or (profile is not None and f.rule in profile.gate_rules)]
    if hard or (profile is not None and profile.gate_rules):
        gates.append(
            Gate(
                name="no hard-gate finding",
                passed=not hard,
                detail=", ".join(f.id for f in hard[:5]) + (" ..." if len(hard) > 5 else "") if hard else "none",
            )
        )
    return tuple(gates)


# -- JSON ------------------------------------------------------------------------------------------
def _evidence(ev: tuple[Evidence, ...]) -> list[dict[str, Any]]:
    out = []
    for e in ev:
        d: dict[str, Any] = {"path": e.path, "collector": e.collector}
        if e.line:
            d["line"] = e.line
        if e.pointer:
            d["pointer"] = e.pointer
        out.append(d)
    return out


def to_dict(audit: Audit, tool_version: str) -> dict[str, Any]:
    costs = {c.finding: c for c in audit.scores.costs}
    findings = []
    for f in audit.findings:
        c = costs[f.id]
        findings.append(
            {
                "id": f.id,
                "rule": f.rule,
                "pack": f.pack,
                "layer": f.layer.value,
                "severity": str(f.severity),
                "dimension": f.dimension,
                "title": f.title,
                "message": f.message,
                "remediation": f.remediation,
                "components": list(f.components),
                "evidence": _evidence(f.evidence),
                "references": list(f.references),
                "kbEntries": list(f.kb_entries),
                "aggregate": f.aggregate,
                "gate": f.gate,
                "waiver": f.waiver or None,
                "points": c.points,
                "basePoints": c.base,
                "blast": c.blast,
                "noAlternative": c.no_alternative,
            }
        )
    layers = [
        {
            "layer": ls.layer.value,
            "components": ls.components,
            "score": ls.score,
            "level": ls.level,
            "pointsLost": ls.points_lost,
            "findings": list(ls.findings),
            "topSupplier": ls.top_supplier or None,
            "topSupplierShare": ls.top_supplier_share,
            "supplierHHI": ls.supplier_hhi,
            "suppliers": [{"name": n, "components": k} for n, k in ls.suppliers],
            "jurisdictions": [{"jurisdiction": n, "components": k} for n, k in ls.jurisdictions],
            "nonEuShare": ls.non_eu_share,
            "unassessedShare": ls.unassessed_share,
        }
        for ls in audit.scores.layers
    ]
    vectors = {rv.component: rv for rv in audit.scores.risk_vectors}
    components = []
    for comp in audit.inventory.components:
        rv = vectors.get(comp.id)
        matches = audit.matches.get(comp.id, ())
        if rv is None and not matches:
            continue
        components.append(
            {
                "id": comp.id,
                "name": comp.name,
                "version": comp.version or None,
                "layer": comp.layer.value,
                "kind": comp.kind,
                "supplier": comp.supplier or None,
                "licenses": comp.licenses or None,
                "kbEntries": [{"entry": m.entry, "via": m.via} for m in matches],
                "risk": dict(rv.values) if rv else {},
                "riskConfidence": rv.confidence if rv else "none",
            }
        )
    sev_counts = {str(s): sum(1 for f in audit.findings if f.severity is s and not f.waiver) for s in Severity}
    return {
        "format": FORMAT,
        "formatVersion": VERSION,
        "tool": {"name": "sovaudit", "version": tool_version},
        "date": audit.today.isoformat(),
        "summary": {
            "passed": audit.passed,
            "overallScore": audit.scores.overall_score,
            "overallLevel": audit.scores.overall_level,
            "csfScore": audit.scores.csf_score,
            "components": len(audit.inventory.components),
            "findings": sev_counts,
            "waived": sum(1 for f in audit.findings if f.waiver),
        },
        "profile": audit.profile.name if audit.profile else None,
        "packs": [{"name": p.name, "version": p.version, "rules": len(p.rules)} for p in audit.packs],
        "knowledgeBase": {
            "files": list(audit.kb.files),
            "entries": len(audit.kb.entries),
            "staleMatched": list(audit.stale_entries),
        },
        "gates": [{"name": g.name, "passed": g.passed, "detail": g.detail} for g in audit.gates],
        "layers": layers,
        "csf": [
            {
                "objective": o.objective,
                "name": o.name,
                "weight": o.weight,
                "score": o.score,
                "findings": list(o.findings),
            }
            for o in audit.scores.csf
        ],
        "singlePointsOfFailure": list(audit.scores.single_points_of_failure),
        "findings": findings,
        "waiversExpired": [
            {"finding": w.finding, "owner": w.owner, "expired": w.expires.isoformat(), "file": w.origin, "line": w.line}
            for w in audit.expired_waivers
        ],
        "components": components,
        "method": {
            "basePoints": {str(k): v for k, v in BASE_POINTS.items()},
            "noAlternativeFactor": NO_ALTERNATIVE_FACTOR,
            "blast": "1 + (components depending on the finding's components, transitively) / (components - 1)",
            "layerScore": "max(0, 100 - sum of points of the layer's findings)",
            "levelBands": [{"minScore": s, "level": lv} for s, lv in LEVEL_BANDS],
            "levelCaps": {str(k): v for k, v in LEVEL_CAPS.items()},
            "overallScore": "mean of the assessed layers' scores",
            "overallLevel": "lowest assessed layer level",
            "csfWeights": CSF_WEIGHTS,
            "singlePointOfFailureShare": SPOF_SHARE,
        },
    }


def dump(audit: Audit, tool_version: str) -> bytes:
    """``json.dumps(indent=2, ensure_ascii=False)``'s text, written by :mod:`sovaudit.jsonout` (a third of the cost)."""
    return (jsonout.dumps(to_dict(audit, tool_version), ensure_ascii=False) + "\n").encode("utf-8")
