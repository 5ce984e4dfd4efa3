"""The CI gate: fail only on what is new or worse than a baseline, and say exactly why.

A gate that fails on everything a stack already had is switched off within a week; one that
lets new lock-in through is worse. So the verdict is a policy over :func:`sovaudit.diff.compare`:

- a **new finding** at or above the threshold that counts (no valid waiver), or a finding the
  baseline had that now counts and did not before (its waiver is gone, or its severity rose);
- a **layer score drop** of more than ``max_score_drop`` points;
- an audit **gate** (the profile's minimum levels and hard-gate rules, ``--min-score``) that
  fails now and did not fail in the baseline;
- an **expired waiver** for a finding the stack still has.

What the baseline already had is reported as a note, never as a failure. The renderers are pure:
the same verdict gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sovaudit import jsonout
from sovaudit.baseline import AuditSnapshot, FindingRecord
from sovaudit.diff import StackDiff, compare, md_cell, summary_line
from sovaudit.model import Severity

DEFAULT_FAIL_ON = Severity.HIGH
DEFAULT_MAX_SCORE_DROP = 5.0
FORMATS = ("text", "markdown", "json")


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    fail_on: Severity = DEFAULT_FAIL_ON
    max_score_drop: float = DEFAULT_MAX_SCORE_DROP


@dataclass(frozen=True, slots=True, kw_only=True)
class Reason:
    """One thing that makes the gate fail."""

    kind: str  # new-finding | no-longer-waived | severity-raised | score-drop | gate-failed | expired-waiver
    subject: str  # a finding id, a layer, a gate name
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    policy: Policy
    diff: StackDiff
    reasons: tuple[Reason, ...]
    notes: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.reasons


def _where(f: FindingRecord) -> str:
    if not f.evidence:
        return ""
    more = f" and {len(f.evidence) - 1} more" if len(f.evidence) > 1 else ""
    return f" [{f.evidence[0]}{more}]"


def _finding_reasons(d: StackDiff, policy: Policy) -> tuple[list[Reason], list[str]]:
    reasons, notes = [], []
    below = [f for f in d.new if f.live and f.severity < policy.fail_on]
    for f in d.new:
        if f.live and f.severity >= policy.fail_on:
            reasons.append(Reason(kind="new-finding", subject=f.id, detail=f"{f.severity}: {f.message}{_where(f)}"))
    for old, f in d.kept:
        if not f.live or f.severity < policy.fail_on:
            continue
        if old.waived:
            reasons.append(
                Reason(
                    kind="no-longer-waived", subject=f.id, detail=f"{f.severity}, waived in the baseline: {f.message}"
                )
            )
        elif old.severity < policy.fail_on:
            reasons.append(
                Reason(kind="severity-raised", subject=f.id, detail=f"{old.severity} -> {f.severity}: {f.message}")
            )
    if below:
        notes.append(f"{len(below)} new finding(s) below {policy.fail_on}: " + ", ".join(f.id for f in below))
    waived_new = [f for f in d.new if f.waived]
    if waived_new:
        notes.append(f"{len(waived_new)} new finding(s) waived: " + ", ".join(f.id for f in waived_new))
    return reasons, notes


def _score_reasons(d: StackDiff, policy: Policy) -> list[Reason]:
    out = []
    for s in d.scores[1:]:  # the layers; the overall score is their mean and follows them
        if s.delta is not None and -s.delta > policy.max_score_drop:
            out.append(
                Reason(
                    kind="score-drop",
                    subject=s.name,
                    detail=f"score {s.before:.1f} -> {s.after:.1f} ({s.delta:+.1f}; at most "
                    f"-{policy.max_score_drop:g} allowed)",
                )
            )
    return out


#: The audit's own threshold gate (sovaudit/audit.py evaluate_gates): absolute, it would fail on every
#: finding the baseline already had; the gate judges the threshold finding by finding instead.
THRESHOLD_GATE = "no finding at or above "


def _gate_reasons(baseline: AuditSnapshot, current: AuditSnapshot) -> tuple[list[Reason], list[str]]:
    before = {g.name: g.passed for g in baseline.gates}
    reasons, notes = [], []
    for g in current.gates:
        if g.passed or g.name.startswith(THRESHOLD_GATE):
            continue
        if before.get(g.name) is False:
            notes.append(f"gate '{g.name}' fails as it did in the baseline: {g.detail}")
        else:
            reasons.append(Reason(kind="gate-failed", subject=g.name, detail=g.detail))
    return reasons, notes


def _waiver_reasons(current: AuditSnapshot) -> tuple[list[Reason], list[str]]:
    present = {f.id for f in current.findings}
    reasons, notes = [], []
    for w in current.expired_waivers:
        where = f"{w.file}:{w.line}" if w.line else w.file
        if w.finding in present:
            reasons.append(
                Reason(
                    kind="expired-waiver", subject=w.finding, detail=f"owner {w.owner}, expired {w.expired} ({where})"
                )
            )
        else:
            notes.append(f"expired waiver for {w.finding}, which the stack no longer has: remove it ({where})")
    return reasons, notes


def judge(baseline: AuditSnapshot, current: AuditSnapshot, policy: Policy) -> Verdict:
    d = compare(baseline, current)
    finding_reasons, finding_notes = _finding_reasons(d, policy)
    gate_reasons, gate_notes = _gate_reasons(baseline, current)
    waiver_reasons, waiver_notes = _waiver_reasons(current)
    reasons = finding_reasons + _score_reasons(d, policy) + gate_reasons + waiver_reasons
    return Verdict(
        policy=policy, diff=d, reasons=tuple(reasons), notes=tuple(finding_notes + gate_notes + waiver_notes)
    )


# -- rendering ------------------------------------------------------------------------------------
def _headline(v: Verdict) -> str:
    d = v.diff
    if v.passed:
        return (
            f"sovaudit gate: passed against {d.before.source}: nothing new at or above {v.policy.fail_on}, "
            f"no layer score down more than {v.policy.max_score_drop:g}, no new gate failure, no expired waiver"
        )
    return f"sovaudit gate: FAILED against {d.before.source}: {len(v.reasons)} reason(s)"


def _scores_line(d: StackDiff) -> str:
    parts = []
    for s in d.scores:
        if s.before is None and s.after is None:
            continue
        before = "n/a" if s.before is None else f"{s.before:.1f}"
        after = "n/a" if s.after is None else f"{s.after:.1f}"
        parts.append(f"{s.name} {before} -> {after}")
    return "scores: " + "; ".join(parts)


def render_text(v: Verdict) -> str:
    lines = [_headline(v)]
    width = max((len(r.kind) for r in v.reasons), default=0)
    lines += [f"  {r.kind:{width}}  {r.subject}: {r.detail}" for r in v.reasons]
    lines += [f"  note: {n}" for n in v.notes]
    lines += [summary_line(v.diff), _scores_line(v.diff)]
    return "\n".join(lines) + "\n"


def render_markdown(v: Verdict) -> str:
    d = v.diff
    mark = "✅ passed" if v.passed else f"❌ failed ({len(v.reasons)} reason(s))"
    lines = [
        f"## sovaudit gate: {mark}",
        "",
        f"Baseline `{md_cell(d.before.source)}` ({d.before.date}); threshold **{v.policy.fail_on}**; "
        f"largest layer score drop allowed **{v.policy.max_score_drop:g}**.",
        "",
    ]
    if v.reasons:
        lines += ["| why | what | detail |", "| --- | --- | --- |"]
        lines += [f"| {r.kind} | `{md_cell(r.subject)}` | {md_cell(r.detail)} |" for r in v.reasons]
        lines.append("")
    lines += [f"- {md_cell(n)}" for n in v.notes]
    if v.notes:
        lines.append("")
    lines += [
        summary_line(d).capitalize() + ".",
        "",
        "| score | baseline | now | delta |",
        "| --- | ---: | ---: | ---: |",
    ]
    for s in d.scores:
        before = "n/a" if s.before is None else f"{s.before:.1f}"
        after = "n/a" if s.after is None else f"{s.after:.1f}"
        delta = "" if s.delta is None else f"{s.delta:+.1f}"
        lines.append(f"| {s.name} | {before} | {after} | {delta} |")
    return "\n".join(lines) + "\n"


def to_dict(v: Verdict) -> dict[str, Any]:
    from sovaudit.diff import to_dict as diff_dict

    return {
        "format": "sovaudit-gate",
        "formatVersion": 1,
        "passed": v.passed,
        "policy": {"failOn": str(v.policy.fail_on), "maxScoreDrop": v.policy.max_score_drop},
        "reasons": [{"kind": r.kind, "subject": r.subject, "detail": r.detail} for r in v.reasons],
        "notes": list(v.notes),
        "diff": diff_dict(v.diff),
    }


def render(v: Verdict, fmt: str) -> str:
    if fmt == "json":
        return jsonout.dumps(to_dict(v), ensure_ascii=False) + "\n"  # json.dumps(indent=2)'s text
    return render_markdown(v) if fmt == "markdown" else render_text(v)
