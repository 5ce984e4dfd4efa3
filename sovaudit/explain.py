"""`sovaudit explain`: the chain behind a finding, a component or a rule, as plain text.

file and line -> component -> knowledge-base entry (and the pattern that matched) -> rule ->
points (with their factors) -> the layer score they were taken from.
"""

from __future__ import annotations

from sovaudit.audit import Audit
from sovaudit.model import Finding


def _finding(audit: Audit, f: Finding) -> list[str]:
    cost = next(c for c in audit.scores.costs if c.finding == f.id)
    layer = next(ls for ls in audit.scores.layers if ls.layer is f.layer)
    rule = next((r for p in audit.packs for r in p.rules if r.id == f.rule), None)
    lines = [
        f"finding {f.id}",
        f"  {f.severity} · {f.dimension} · layer {f.layer.value}: {f.title}",
        f"  {f.message}",
    ]
    if f.remediation:
        lines.append(f"  what to do: {f.remediation}")
    lines.append("  evidence:")
    lines.extend(f"    {ev.describe()}  (read by {ev.collector})" for ev in f.evidence[:20])
    if len(f.evidence) > 20:
        lines.append(f"    … {len(f.evidence) - 20} more")
    if not f.evidence:
        lines.append("    (none recorded)")
    lines.append("  components: " + ", ".join(f.components[:10]) + (" …" if len(f.components) > 10 else ""))
    for entry_id in f.kb_entries:
        e = audit.kb.entries[entry_id]
        v = audit.kb.vendors.get(e.vendor)
        via = next((m.via for c in f.components for m in audit.matches.get(c, ()) if m.entry == entry_id), "")
        lines.append(
            f"  knowledge: {e.id} ({e.name}; {v.name if v else e.vendor}, {v.jurisdiction if v else '?'}; "
            f"{e.openness}; lock-in {e.lock_in}) matched by {via} — {e.origin}"
        )
    if rule is not None:
        lines.append(f"  rule: {rule.id} in pack {rule.pack} ({rule.origin}, line {rule.line})")
    if f.waiver:
        lines.append(f"  waived: {f.waiver} — costs no points")
    lines.append(
        f"  points: {cost.points} = base {cost.base} x blast {cost.blast} x no-alternative {cost.no_alternative}"
        + (" (waived: 0)" if f.waiver else "")
    )
    if layer.score is not None:
        lines.append(
            f"  layer {layer.layer.value}: 100 - {layer.points_lost} = score {layer.score}, level {layer.level}"
        )
    return lines


def explain(audit: Audit, item: str) -> str | None:
    f = audit.finding(item)
    if f is not None:
        return "\n".join(_finding(audit, f)) + "\n"
    comp = next((c for c in audit.inventory.components if c.id == item), None)
    if comp is not None:
        lines = [f"component {comp.id}", f"  {comp.layer.value}/{comp.kind}: {comp.name} {comp.version}".rstrip()]
        lines.append(
            f"  licences: {comp.licenses or 'unknown'}"
            + (f" (declared: {comp.license_declared})" if comp.license_declared else "")
        )
        lines.extend(f"  seen in {ev.describe()} (by {ev.collector})" for ev in comp.evidence[:20])
        for m in audit.matches.get(comp.id, ()):
            lines.append(f"  knowledge: {m.entry} matched by {m.via}")
        if not audit.matches.get(comp.id):
            lines.append("  knowledge: no entry matches (unassessed)")
        rv = next((r for r in audit.scores.risk_vectors if r.component == comp.id), None)
        if rv is not None:
            lines.append(
                "  risk vector: "
                + ", ".join(f"{k}={'?' if v is None else v}" for k, v in rv.values)
                + f" (from {rv.confidence})"
            )
        related = [f for f in audit.findings if comp.id in f.components]
        for f in related:
            lines.append("")
            lines.extend(_finding(audit, f))
        if not related:
            lines.append("  no finding names it")
        return "\n".join(lines) + "\n"
    rule_findings = [f for f in audit.findings if f.rule == item]
    rule = next((r for p in audit.packs for r in p.rules if r.id == item), None)
    if rule is not None:
        lines = [
            f"rule {rule.id}: {rule.title} ({rule.pack}, {rule.origin} line {rule.line})",
            f"  {len(rule_findings)} finding(s) in this audit",
        ]
        for f in rule_findings:
            lines.append("")
            lines.extend(_finding(audit, f))
        return "\n".join(lines) + "\n"
    return None
