"""Markdown for a pull-request comment: scores, gates, and the findings grouped by severity.

GitHub refuses a comment body over 65,536 characters, so the report stays under
:data:`LIMIT`. When the findings do not all fit, the least important go first: waived findings,
then info, low, medium ... and within a severity the ones costing the fewest points; the text
then says how many of each were left out. Scores, gates and the counts are never cut.

Text from the stack (names, messages, paths) is escaped so that it cannot open HTML, links,
tables or mentions: a package named ``@org/team`` must not notify anyone.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from sovaudit.model import Finding, Severity

if TYPE_CHECKING:
    from sovaudit.audit import Audit

#: Characters; GitHub's limit for a comment body is 65,536.
LIMIT = 65_000
#: Evidence places listed per finding (the JSON report has them all).
EVIDENCE_LISTED = 5
#: Single points of failure listed by name.
SPOFS_LISTED = 30
#: Longest message or remediation kept in one finding.
TEXT_MAX = 1_500

_SEV_MARK = {
    Severity.CRITICAL: "🟥",
    Severity.HIGH: "🟧",
    Severity.MEDIUM: "🟨",
    Severity.LOW: "🟦",
    Severity.INFO: "⬜",
}
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def render(audit: Audit, tool_version: str) -> bytes:
    costs = {c.finding: c.points for c in audit.scores.costs}
    head = _head(audit, tool_version)
    entries = _ranked(audit.findings, costs)
    texts = [_entry(f, costs[f.id]) for f in entries]
    kept = _fit(head, texts, entries)
    return _assemble(head, audit, entries[:kept], texts[:kept], entries[kept:], costs).encode("utf-8")


def text(value: str) -> str:
    """Stack-supplied text, safe in running Markdown: no HTML, links, emphasis or @mentions."""
    value = " ".join(value.split())
    return _SPECIAL.sub(r"\\\1", value).replace("@", "&#64;")


def code(value: str) -> str:
    """Stack-supplied text as inline code (ids, paths): no backtick can close it early."""
    value = " ".join(value.split()).replace("`", "'")
    return f"`{value}`"


def _ranked(findings: tuple[Finding, ...], costs: dict[str, float]) -> list[Finding]:
    """Most important first: live by severity and points, waived last; the cut takes from the end."""
    return sorted(findings, key=lambda f: (bool(f.waiver), -f.severity, -costs[f.id], f.id))


def _head(audit: Audit, tool_version: str) -> str:
    s = audit.scores
    verdict = "✅ all gates pass" if audit.passed else "❌ a gate fails"
    if not audit.gates:
        verdict = "no gates set"
    overall = f"{s.overall_score:g}/100" if s.overall_score is not None else "not assessed"
    level = s.overall_level if s.overall_level is not None else "-"
    live = [f for f in audit.findings if not f.waiver]
    counts = Counter(f.severity for f in live)
    summary = ", ".join(f"{counts[sev]} {sev}" for sev in sorted(Severity, reverse=True) if counts[sev]) or "none"
    lines = [
        f"## sovaudit: overall {overall}, level {level} — {verdict}",
        "",
        f"{len(audit.inventory.components)} components audited on {audit.today.isoformat()} "
        f"(sovaudit {text(tool_version)}"
        + (f", profile {code(audit.profile.name)}" if audit.profile else "")
        + f"). Findings: {summary}"
        + (f"; {len(audit.findings) - len(live)} waived" if len(live) < len(audit.findings) else "")
        + ".",
        "",
        "| layer | score | level | findings | points lost | top supplier |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for ls in s.layers:
        score = f"{ls.score:g}" if ls.score is not None else "not assessed"
        lvl = str(ls.level) if ls.level is not None else "-"
        top = f"{text(ls.top_supplier)} ({ls.top_supplier_share:.0%})" if ls.top_supplier else ""
        lines.append(f"| {ls.layer.value} | {score} | {lvl} | {len(ls.findings)} | {ls.points_lost:.1f} | {top} |")
    csf = f"{s.csf_score:g}" if s.csf_score is not None else "not assessed"
    lines.append(f"| **overall** | **{overall.removesuffix('/100')}** | **{level}** | {len(audit.findings)} | | |")
    lines += ["", f"EU Cloud Sovereignty Framework view: {csf}.", "", "### Gates", ""]
    if audit.gates:
        for g in audit.gates:
            lines.append(f"- {'✅ pass' if g.passed else '❌ **fail**'}: {text(g.name)} — {text(g.detail)}")
    else:
        lines.append("No gate was set (`--fail-on`, `--min-score` or a profile).")
    if audit.expired_waivers:
        lines += ["", "### Expired waivers", ""]
        for w in audit.expired_waivers:
            lines.append(
                f"- {code(w.finding)} (owner {text(w.owner)}) expired {w.expires.isoformat()}: "
                f"{code(f'{w.origin}:{w.line}')}"
            )
    if s.single_points_of_failure:
        names = {c.id: c.name for c in audit.inventory.components}
        spofs = s.single_points_of_failure
        listed = ", ".join(code(names.get(c, c)) for c in spofs[:SPOFS_LISTED])
        more = f" and {len(spofs) - SPOFS_LISTED} more" if len(spofs) > SPOFS_LISTED else ""
        lines += ["", f"**Single points of failure** ({len(spofs)}): {listed}{more}."]
    return "\n".join(lines) + "\n"


def _clip(value: str) -> str:
    return value if len(value) <= TEXT_MAX else value[: TEXT_MAX - 1] + "…"


def _entry(f: Finding, points: float) -> str:
    lines = [
        f"- **{code(f.rule)}** {text(f.title)} · {f.layer.value} · {points:.1f} pts  ",
        f"  {text(_clip(f.message))}",
    ]
    if f.waiver:
        lines[1] += f"  \n  Waived: {text(_clip(f.waiver))}"
    if f.remediation:
        lines.append(f"  - What to do: {text(_clip(f.remediation))}")
    if f.evidence:
        places = ", ".join(code(e.describe()) for e in f.evidence[:EVIDENCE_LISTED])
        more = f" (+{len(f.evidence) - EVIDENCE_LISTED} more)" if len(f.evidence) > EVIDENCE_LISTED else ""
        lines.append(f"  - Evidence: {places}{more}")
    lines.append(f"  - Finding {code(f.id)}")
    return "\n".join(lines) + "\n"


#: Room kept for the section headings and the note on what was cut.
_RESERVE = 1_500


def _fit(head: str, texts: list[str], entries: list[Finding]) -> int:
    """How many of the ranked findings fit under the limit with the head and the note."""
    budget = LIMIT - len(head) - _RESERVE
    used = 0
    for n, t in enumerate(texts):
        used += len(t) + 1
        if used > budget:
            return n
    return len(entries)


def _assemble(
    head: str,
    audit: Audit,
    shown: list[Finding],
    texts: list[str],
    cut: list[Finding],
    costs: dict[str, float],
) -> str:
    parts = [head, f"\n### Findings ({len(audit.findings)})\n"]
    if not audit.findings:
        parts.append("\nNo findings.\n")
    current: tuple[bool, Severity] | None = None
    for f, t in zip(shown, texts, strict=True):
        group = (bool(f.waiver), f.severity)
        if group != current:
            current = group
            n = sum(1 for g in audit.findings if (bool(g.waiver), g.severity) == group)
            listed = sum(1 for g in shown if (bool(g.waiver), g.severity) == group)
            title = f"Waived ({f.severity})" if f.waiver else f"{_SEV_MARK[f.severity]} {str(f.severity).capitalize()}"
            partly = f" ({listed} shown)" if listed < n else ""
            parts.append(f"\n#### {title}: {n}{partly}\n\n")
        parts.append(t)
    if cut:
        live = Counter(f.severity for f in cut if not f.waiver)
        what = [f"{live[sev]} {sev}" for sev in sorted(Severity, reverse=True) if live[sev]]
        waived = sum(1 for f in cut if f.waiver)
        if waived:
            what.append(f"{waived} waived")
        parts.append(
            f"\n> **{len(cut)} finding(s) not shown** to keep this comment under {LIMIT:,} characters: "
            f"{', '.join(what)} (the least severe, and within a severity those costing the fewest points). "
            "`sovaudit audit -f json` or `-f sarif` lists them all.\n"
        )
    return "".join(parts)
