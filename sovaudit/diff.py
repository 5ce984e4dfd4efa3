"""What changed between two audits: components, findings and scores, and three ways to show it.

Components are matched by their identity without version (:func:`sovaudit.baseline.component_key`),
so an upgrade is one changed component, not one removed and one added. Findings are matched by
id first and then, for findings on components the KB does not know, by rule and versionless
component (:attr:`~sovaudit.baseline.FindingRecord.carry_key`). The renderers are pure functions
of the diff: the same two audits give the same bytes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sovaudit import jsonout
from sovaudit.baseline import AuditSnapshot, ComponentRecord, FindingRecord
from sovaudit.model import Layer

FORMATS = ("table", "markdown", "json")


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentChange:
    key: str  # identity without version
    name: str
    layer: Layer
    kind: str
    before: tuple[str, ...]  # versions ("" when unversioned); () when added
    after: tuple[str, ...]  # () when removed


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoreDelta:
    name: str  # a layer, or "overall"
    before: float | None
    after: float | None
    level_before: int | None
    level_after: int | None

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return round(self.after - self.before, 2)


@dataclass(frozen=True, slots=True, kw_only=True)
class StackDiff:
    before: AuditSnapshot
    after: AuditSnapshot
    added: tuple[ComponentChange, ...]
    removed: tuple[ComponentChange, ...]
    changed: tuple[ComponentChange, ...]
    new: tuple[FindingRecord, ...]
    resolved: tuple[FindingRecord, ...]
    kept: tuple[tuple[FindingRecord, FindingRecord], ...]  # (before, after), matched
    scores: tuple[ScoreDelta, ...]  # overall, then the layers in order


def match_findings(
    before: tuple[FindingRecord, ...], after: tuple[FindingRecord, ...]
) -> tuple[list[tuple[FindingRecord, FindingRecord]], list[FindingRecord], list[FindingRecord]]:
    """Pairs of the same finding, then what only ``before`` has, then what only ``after`` has."""
    by_id = {f.id: f for f in before}
    pairs = [(by_id.pop(f.id), f) for f in after if f.id in by_id]
    paired = {b.id for _, b in pairs}
    rest_after = [f for f in after if f.id not in paired]
    carry: dict[str, list[FindingRecord]] = defaultdict(list)
    for f in sorted(by_id.values(), key=lambda f: f.id):
        if f.carry_key:
            carry[f.carry_key].append(f)
    only_after = []
    for f in rest_after:
        candidates = carry.get(f.carry_key) if f.carry_key else None
        if candidates:
            old = candidates.pop(0)
            del by_id[old.id]
            pairs.append((old, f))
        else:
            only_after.append(f)
    pairs.sort(key=lambda p: p[1].id)
    return pairs, sorted(by_id.values(), key=lambda f: f.id), only_after


def _components(
    before: tuple[ComponentRecord, ...], after: tuple[ComponentRecord, ...]
) -> tuple[list[ComponentChange], list[ComponentChange], list[ComponentChange]]:
    groups: dict[str, tuple[list[ComponentRecord], list[ComponentRecord]]] = defaultdict(lambda: ([], []))
    for c in before:
        groups[c.key][0].append(c)
    for c in after:
        groups[c.key][1].append(c)
    added: list[ComponentChange] = []
    removed: list[ComponentChange] = []
    changed: list[ComponentChange] = []
    for key in sorted(groups):
        old, new = groups[key]
        if {c.id for c in old} == {c.id for c in new}:
            continue
        sample = (new or old)[0]
        change = ComponentChange(
            key=key,
            name=sample.name,
            layer=sample.layer,
            kind=sample.kind,
            before=tuple(sorted(c.version for c in old)),
            after=tuple(sorted(c.version for c in new)),
        )
        (added if not old else removed if not new else changed).append(change)
    return added, removed, changed


def compare(before: AuditSnapshot, after: AuditSnapshot) -> StackDiff:
    added, removed, changed = _components(before.components, after.components)
    kept, resolved, new = match_findings(before.findings, after.findings)
    scores = [
        ScoreDelta(
            name="overall",
            before=before.overall_score,
            after=after.overall_score,
            level_before=before.overall_level,
            level_after=after.overall_level,
        )
    ]
    for layer in Layer:
        b, a = before.layer(layer), after.layer(layer)
        scores.append(
            ScoreDelta(
                name=layer.value,
                before=b.score if b else None,
                after=a.score if a else None,
                level_before=b.level if b else None,
                level_after=a.level if a else None,
            )
        )
    return StackDiff(
        before=before,
        after=after,
        added=tuple(added),
        removed=tuple(removed),
        changed=tuple(changed),
        new=tuple(new),
        resolved=tuple(resolved),
        kept=tuple(kept),
        scores=tuple(scores),
    )


# -- rendering ------------------------------------------------------------------------------------
def _score(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _delta(value: float | None) -> str:
    return "" if value is None else f"{value:+.1f}"


def _versions(versions: tuple[str, ...]) -> str:
    return ", ".join(v or "(no version)" for v in versions)


def _component_line(c: ComponentChange) -> str:
    if not c.before:
        return f"{c.key} {_versions(c.after)}"
    if not c.after:
        return f"{c.key} {_versions(c.before)}"
    return f"{c.key} {_versions(c.before)} -> {_versions(c.after)}"


def _finding_line(f: FindingRecord) -> str:
    waived = " (waived)" if f.waived else ""
    return f"{f.severity!s:8} {f.id}{waived}: {f.message}"


def summary_line(d: StackDiff) -> str:
    return (
        f"components: {len(d.added)} added, {len(d.removed)} removed, {len(d.changed)} changed; "
        f"findings: {len(d.new)} new, {len(d.resolved)} resolved, {len(d.kept)} unchanged"
    )


def render_table(d: StackDiff) -> str:
    lines = [f"sovaudit diff: {d.before.source} -> {d.after.source}", "", summary_line(d), ""]
    lines.append(f"{'score':12} {'before':>7} {'after':>7} {'delta':>7}  level")
    for s in d.scores:
        level = f"{s.level_before if s.level_before is not None else '-'} -> "
        level += f"{s.level_after if s.level_after is not None else '-'}"
        lines.append(f"{s.name:12} {_score(s.before):>7} {_score(s.after):>7} {_delta(s.delta):>7}  {level}")
    for title, mark, items in (("added", "+", d.added), ("removed", "-", d.removed), ("changed", "~", d.changed)):
        if items:
            lines += ["", f"components {title} ({len(items)}):"]
            lines += [f"  {mark} {_component_line(c)}" for c in items]
    for title, mark, found in (("new", "+", d.new), ("resolved", "-", d.resolved)):
        if found:
            lines += ["", f"findings {title} ({len(found)}):"]
            lines += [f"  {mark} {_finding_line(f)}" for f in found]
    return "\n".join(lines) + "\n"


def md_cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(d: StackDiff) -> str:
    lines = [
        f"## sovaudit diff: `{d.before.source}` → `{d.after.source}`",
        "",
        summary_line(d).capitalize(),
        "",
        "| score | before | after | delta | level |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for s in d.scores:
        lb = s.level_before if s.level_before is not None else "-"
        la = s.level_after if s.level_after is not None else "-"
        lines.append(f"| {s.name} | {_score(s.before)} | {_score(s.after)} | {_delta(s.delta)} | {lb} → {la} |")
    changes = [("added", c) for c in d.added] + [("removed", c) for c in d.removed]
    changes += [("changed", c) for c in d.changed]
    if changes:
        lines += [
            "",
            "### Components",
            "",
            "| change | component | layer | before | after |",
            "| --- | --- | --- | --- | --- |",
        ]
        for what, c in changes:
            versions = f"{md_cell(_versions(c.before))} | {md_cell(_versions(c.after))}"
            lines.append(f"| {what} | `{md_cell(c.key)}` | {c.layer.value} | {versions} |")
    found = [("new", f) for f in d.new] + [("resolved", f) for f in d.resolved]
    if found:
        lines += ["", "### Findings", "", "| change | severity | finding | message |", "| --- | --- | --- | --- |"]
        for what, f in found:
            waived = " (waived)" if f.waived else ""
            lines.append(f"| {what} | {f.severity} | `{md_cell(f.id)}`{waived} | {md_cell(f.message)} |")
    return "\n".join(lines) + "\n"


def _finding_json(f: FindingRecord) -> dict[str, Any]:
    return {
        "id": f.id,
        "rule": f.rule,
        "layer": f.layer.value,
        "severity": str(f.severity),
        "waived": f.waived,
        "points": f.points,
        "message": f.message,
        "evidence": list(f.evidence),
    }


def _component_json(c: ComponentChange) -> dict[str, Any]:
    return {
        "key": c.key,
        "name": c.name,
        "layer": c.layer.value,
        "kind": c.kind,
        "before": list(c.before),
        "after": list(c.after),
    }


def to_dict(d: StackDiff) -> dict[str, Any]:
    return {
        "format": "sovaudit-diff",
        "formatVersion": 1,
        "before": {"source": d.before.source, "date": d.before.date},
        "after": {"source": d.after.source, "date": d.after.date},
        "counts": {
            "componentsAdded": len(d.added),
            "componentsRemoved": len(d.removed),
            "componentsChanged": len(d.changed),
            "findingsNew": len(d.new),
            "findingsResolved": len(d.resolved),
            "findingsUnchanged": len(d.kept),
        },
        "scores": [
            {
                "name": s.name,
                "before": s.before,
                "after": s.after,
                "delta": s.delta,
                "levelBefore": s.level_before,
                "levelAfter": s.level_after,
            }
            for s in d.scores
        ],
        "components": {
            "added": [_component_json(c) for c in d.added],
            "removed": [_component_json(c) for c in d.removed],
            "changed": [_component_json(c) for c in d.changed],
        },
        "findings": {"new": [_finding_json(f) for f in d.new], "resolved": [_finding_json(f) for f in d.resolved]},
    }


def render(d: StackDiff, fmt: str) -> str:
    if fmt == "json":
        return jsonout.dumps(to_dict(d), ensure_ascii=False) + "\n"  # json.dumps(indent=2)'s text
    return render_markdown(d) if fmt == "markdown" else render_table(d)
