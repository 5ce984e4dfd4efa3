"""Scoring: transparent, reproducible, every point lost traced to a finding.

The method (spelled out for readers in ``docs/scoring.md``):

* A finding costs ``points = base[severity] x blast x no_alternative``:
  base is info 0, low 2, medium 5, high 10, critical 20; ``blast = 1 + share of the stack that
  depends (transitively) on the finding's components``; ``no_alternative = 1.25`` when the KB
  entry behind it lists no alternative or rates substitutability 4, else 1. A waived finding
  costs nothing (and is listed with its waiver).
* A layer's score is ``max(0, 100 - sum of its findings' points)``; a layer with no component is
  *not assessed* (no score, never 100). Its level (0-4, read like the EU CSF's SEAL) is the band
  of its score (>=90: 4, >=75: 3, >=50: 2, >=25: 1, else 0), capped by its worst finding
  (critical: at most 1, high: at most 2, medium: at most 3) — the weakest link.
* Overall: the mean of the assessed layers' scores; the overall level is the lowest layer level.
* The EU Cloud Sovereignty Framework view: each objective SOV-1..SOV-8 scores
  ``max(0, 100 - points of the findings that reference it)`` and the weighted sum uses the
  framework's weights (15/10/10/15/20/15/10/5); an objective no loaded rule refers to is not
  assessed and left out of the weighting.
* Concentration per layer: supplier and jurisdiction shares and the Herfindahl-Hirschman index
  (sum of squared shares x 10,000) over components whose supplier is known.
* Single points of failure: KB-matched components rated high or critical lock-in that at least a
  quarter of the stack depends on and that have no alternative (substitutability >= 3).
* Each component gets a risk vector (J jurisdiction, O openness, S substitutability,
  C concentration, X export control, G governance drift), each 0 (best) .. 4 (worst), or None
  where nothing is known: unknown is *unassessed*, never safe.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sovaudit.knowledge import Entry
from sovaudit.model import Component, Finding, Layer, Severity
from sovaudit.rules.engine import Context, bloc_of, supplier_of
from sovaudit.rules.licence_class import classify

BASE_POINTS = {
    Severity.INFO: 0.0,
    Severity.LOW: 2.0,
    Severity.MEDIUM: 5.0,
    Severity.HIGH: 10.0,
    Severity.CRITICAL: 20.0,
}
NO_ALTERNATIVE_FACTOR = 1.25
LEVEL_BANDS = ((90.0, 4), (75.0, 3), (50.0, 2), (25.0, 1))
LEVEL_CAPS = {Severity.CRITICAL: 1, Severity.HIGH: 2, Severity.MEDIUM: 3}
CSF_WEIGHTS = {"SOV-1": 15, "SOV-2": 10, "SOV-3": 10, "SOV-4": 15, "SOV-5": 20, "SOV-6": 15, "SOV-7": 10, "SOV-8": 5}
CSF_NAMES = {
    "SOV-1": "Strategic",
    "SOV-2": "Legal and jurisdictional",
    "SOV-3": "Data and AI",
    "SOV-4": "Operational",
    "SOV-5": "Supply chain",
    "SOV-6": "Technology",
    "SOV-7": "Security and compliance",
    "SOV-8": "Environmental sustainability",
}
SPOF_SHARE = 0.25
OPENNESS_RISK = {
    "open-source-foundation": 0,
    "open-standard": 1,
    "open-source-vendor-led": 1,
    "source-available": 2,
    "proprietary-free": 3,
    "proprietary-paid": 4,
    "cloud-service": 4,
}
LICENCE_CLASS_RISK = {"permissive": 1, "weak-copyleft": 1, "copyleft": 1, "restricted": 2, "proprietary": 3}
EXPORT_RISK = {"none": 0, "ear99": 1, "5a992": 2, "3a090": 4, "4a090": 4}
DIMENSIONS = ("J", "O", "S", "C", "X", "G")


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingCost:
    finding: str
    points: float
    base: float
    blast: float
    no_alternative: float


@dataclass(frozen=True, slots=True, kw_only=True)
class LayerScore:
    layer: Layer
    components: int
    score: float | None  # None: not assessed
    level: int | None
    points_lost: float
    findings: tuple[str, ...]
    top_supplier: str
    top_supplier_share: float
    supplier_hhi: float
    suppliers: tuple[tuple[str, int], ...]
    jurisdictions: tuple[tuple[str, int], ...]
    non_eu_share: float | None
    unassessed_share: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectiveScore:
    objective: str
    name: str
    weight: int
    score: float | None
    findings: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskVector:
    component: str
    values: tuple[tuple[str, int | None], ...]  # (dimension, 0..4 or None)
    confidence: str  # "kb" when a knowledge-base entry stands behind it, "licence" or "none"


@dataclass(frozen=True, slots=True, kw_only=True)
class Scores:
    layers: tuple[LayerScore, ...]
    overall_score: float | None
    overall_level: int | None
    csf: tuple[ObjectiveScore, ...]
    csf_score: float | None
    costs: tuple[FindingCost, ...]
    single_points_of_failure: tuple[str, ...]
    risk_vectors: tuple[RiskVector, ...]


def level_of(score: float, worst: Severity | None) -> int:
    level = next((lvl for floor, lvl in LEVEL_BANDS if score >= floor), 0)
    if worst is not None and worst in LEVEL_CAPS:
        level = min(level, LEVEL_CAPS[worst])
    return level


def _entries(ctx: Context, ids: Iterable[str]) -> list[Entry]:
    return [ctx.kb.entries[i] for i in ids if i in ctx.kb.entries]


def cost(finding: Finding, ctx: Context) -> FindingCost:
    base = BASE_POINTS[finding.severity]
    size = max(1, len(ctx.components) - 1)
    blast = 1.0 if finding.aggregate else 1.0 + max((ctx.dependents(c) / size for c in finding.components), default=0.0)
    entries = _entries(ctx, finding.kb_entries)
    no_alt = (
        NO_ALTERNATIVE_FACTOR
        if entries and any(not e.alternatives or e.substitutability >= 4 for e in entries)
        else 1.0
    )
    points = 0.0 if finding.waiver else round(base * blast * no_alt, 2)
    return FindingCost(finding=finding.id, points=points, base=base, blast=round(blast, 4), no_alternative=no_alt)


def _csf_objectives(refs: Iterable[str]) -> set[str]:
    out = set()
    for r in refs:
        head, _, obj = r.partition(":")
        if head == "EU-CSF" and obj in CSF_WEIGHTS:
            out.add(obj)
    return out


def score(findings: Sequence[Finding], ctx: Context, referenced: Iterable[str]) -> Scores:
    """Scores from findings (waivers already applied) and the graph; ``referenced``: every rule reference loaded."""
    matched = [c.id for c in ctx.components if ctx.entries(c.id)]
    ctx.prepare_dependents({cid for f in findings for cid in f.components} | set(matched))
    costs = {f.id: cost(f, ctx) for f in findings}
    by_layer: dict[Layer, list[Finding]] = defaultdict(list)
    for f in findings:
        by_layer[f.layer].append(f)
    comps_by_layer: dict[Layer, list[Component]] = defaultdict(list)
    for c in ctx.components:  # requirement hubs are already left out of ctx.components
        if not c.unresolved:
            comps_by_layer[c.layer].append(c)
    layers = []
    for layer in Layer:
        comps = comps_by_layer.get(layer, [])
        fs = sorted(by_layer.get(layer, []), key=lambda f: f.id)
        lost = round(sum(costs[f.id].points for f in fs), 2)
        live = [f.severity for f in fs if not f.waiver]
        worst = max(live) if live else None
        suppliers = Counter(s for s in (supplier_of(c, ctx) for c in comps) if s)
        jurisdictions = Counter(j for j in (_jurisdiction(c, ctx) for c in comps) if j)
        total = sum(suppliers.values())
        top, top_n = sorted(suppliers.items(), key=lambda kv: (-kv[1], kv[0]))[0] if suppliers else ("", 0)
        blocs = [b for b in (bloc_of(c, ctx) for c in comps) if b]
        # A layer is assessed when it has components, or findings (a KB product that counts there).
        sc: float | None = max(0.0, round(100.0 - lost, 1)) if comps or fs else None
        lvl: int | None = level_of(sc, worst) if sc is not None else None
        layers.append(
            LayerScore(
                layer=layer,
                components=len(comps),
                score=sc,
                level=lvl,
                points_lost=lost,
                findings=tuple(f.id for f in fs),
                top_supplier=top,
                top_supplier_share=round(top_n / total, 4) if total else 0.0,
                supplier_hhi=round(sum((n / total) ** 2 for n in suppliers.values()) * 10_000, 1) if total else 0.0,
                suppliers=tuple(sorted(suppliers.items(), key=lambda kv: (-kv[1], kv[0]))),
                jurisdictions=tuple(sorted(jurisdictions.items(), key=lambda kv: (-kv[1], kv[0]))),
                non_eu_share=round(sum(1 for b in blocs if b not in ("eu", "eea")) / len(blocs), 4) if blocs else None,
                unassessed_share=round(sum(1 for c in comps if not ctx.entries(c.id)) / len(comps), 4)
                if comps
                else 0.0,
            )
        )
    assessed = [ls for ls in layers if ls.score is not None]
    overall = round(sum(ls.score for ls in assessed if ls.score is not None) / len(assessed), 1) if assessed else None
    overall_level = min((ls.level for ls in assessed if ls.level is not None), default=None)
    in_scope = _csf_objectives(referenced)
    csf = []
    for obj, weight in CSF_WEIGHTS.items():
        fs = [f for f in findings if obj in _csf_objectives(f.references)]
        obj_score = max(0.0, round(100.0 - sum(costs[f.id].points for f in fs), 1)) if obj in in_scope else None
        csf.append(
            ObjectiveScore(
                objective=obj,
                name=CSF_NAMES[obj],
                weight=weight,
                score=obj_score,
                findings=tuple(sorted(f.id for f in fs)),
            )
        )
    weighted = [(o.weight, o.score) for o in csf if o.score is not None]
    csf_score = round(sum(w * s for w, s in weighted) / sum(w for w, _ in weighted), 1) if weighted else None
    return Scores(
        layers=tuple(layers),
        overall_score=overall,
        overall_level=overall_level,
        csf=tuple(csf),
        csf_score=csf_score,
        costs=tuple(costs[k] for k in sorted(costs)),
        single_points_of_failure=tuple(single_points_of_failure(ctx)),
        risk_vectors=tuple(risk_vectors(ctx, layers)),
    )


def _jurisdiction(c: Component, ctx: Context) -> str:
    for e in ctx.entries(c.id):
        v = ctx.kb.vendors.get(e.vendor)
        if v:
            return v.jurisdiction
    return ""


def single_points_of_failure(ctx: Context) -> list[str]:
    size = max(1, len(ctx.components) - 1)
    out = []
    for c in ctx.components:
        entries = ctx.entries(c.id)
        if not entries or not any(e.lock_in in ("high", "critical") for e in entries):
            continue
        if not any(e.substitutability >= 3 or not e.alternatives for e in entries):
            continue
        if ctx.dependents(c.id) / size >= SPOF_SHARE:
            out.append(c.id)
    return sorted(out)


def risk_vectors(ctx: Context, layers: Sequence[LayerScore]) -> list[RiskVector]:
    shares: dict[tuple[Layer, str], float] = {}
    for ls in layers:
        total = sum(n for _, n in ls.suppliers)
        for s, n in ls.suppliers:
            shares[(ls.layer, s)] = n / total if total else 0.0
    out = []
    for c in ctx.components:
        if c.unresolved:
            continue
        entries = ctx.entries(c.id)
        values: dict[str, int | None] = dict.fromkeys(DIMENSIONS)
        supplier = supplier_of(c, ctx)
        if supplier:
            values["C"] = min(4, int(shares.get((c.layer, supplier), 0.0) * 5))
        if entries:
            e = entries[0]
            v = ctx.kb.vendors.get(e.vendor)
            j = ctx.kb.jurisdictions.get(v.jurisdiction) if v else None
            if j is not None and v is not None:
                risk = j.risk
                hq = ctx.kb.jurisdictions.get(v.country)
                if hq is not None and hq.bloc in ("eu", "eea") and j.bloc not in ("eu", "eea"):
                    risk = max(2, min(risk, 2))  # an EU subsidiary of a non-EU parent
                values["J"] = risk
            values["O"] = OPENNESS_RISK.get(e.openness)
            values["S"] = e.substitutability
            values["X"] = EXPORT_RISK.get(e.export_control)
            values["G"] = 2 if e.governance_events else 0
            confidence = "kb"
        else:
            values["O"] = LICENCE_CLASS_RISK.get(classify(c.licenses))
            confidence = "licence" if values["O"] is not None else "none"
        out.append(RiskVector(component=c.id, values=tuple(values.items()), confidence=confidence))
    return out


def referenced(rules: Iterable[object]) -> set[str]:
    refs: set[str] = set()
    for r in rules:
        refs.update(getattr(r, "references", ()))
    return refs


def by_id(findings: Sequence[Finding]) -> Mapping[str, Finding]:
    return {f.id: f for f in findings}
