"""Markdown for a pull-request comment: every score, every gate, findings by severity, under the limit."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from sovaudit.audit import Audit
from sovaudit.model import Evidence, Finding, Severity
from sovaudit.reports import markdown
from sovaudit.scoring import FindingCost
from tests.reports.conftest import EU, US, WAIVED


@pytest.mark.parametrize("stack", [US, EU])
def test_every_layer_score_and_finding(audits: dict[str, Audit], stack: str) -> None:
    a = audits[stack]
    md = markdown.render(a, "1.2.3").decode()
    for ls in a.scores.layers:
        score = f"{ls.score:g}" if ls.score is not None else "not assessed"
        assert re.search(
            rf"^\| {ls.layer.value} \| {re.escape(score)} \| {ls.level} \| {len(ls.findings)} \|", md, re.M
        )
    assert f"overall {a.scores.overall_score:g}/100, level {a.scores.overall_level}" in md
    for f in a.findings:
        assert f"Finding `{f.id}`" in md
    assert "not shown" not in md
    assert len(md) < markdown.LIMIT


def test_gates_and_verdict(us: Audit, eu: Audit) -> None:
    md = markdown.render(us, "1").decode()
    assert "❌ a gate fails" in md.splitlines()[0]
    for g in us.gates:
        assert ("✅ pass" if g.passed else "❌ **fail**") + f": {markdown.text(g.name)}" in md
    assert "no gates set" in markdown.render(eu, "1").decode().splitlines()[0]


def test_findings_grouped_by_severity_with_remediation_and_evidence(us: Audit) -> None:
    md = markdown.render(us, "1").decode()
    headings = re.findall(r"^#### (.*)$", md, re.M)
    live = [f for f in us.findings if not f.waiver]
    expected = [
        f"{markdown._SEV_MARK[s]} {str(s).capitalize()}: {sum(1 for f in live if f.severity is s)}"
        for s in sorted({f.severity for f in live}, reverse=True)
    ]
    assert headings == [*expected, "Waived (high): 1"]
    cuda = md.split("Finding `CORE-SW-001:nvidia-cuda`")[0].rsplit("- **", 1)[1]
    assert "What to do: Keep a portable code path" in cuda
    assert "nvidia_cuda_runtime_cu12-12.1.105.dist-info/METADATA:2`" in cuda
    assert md.index(f"Finding `{WAIVED}`") > md.index("#### Waived")
    assert "Expired waivers" in md and "`HPC-001:pytorch`" in md


def test_stack_text_cannot_inject_markdown_html_or_mentions() -> None:
    assert markdown.text("<img src=x onerror=alert(1)> @octocat [x](http://e) | *b*") == (
        "\\<img src=x onerror=alert(1)\\> &#64;octocat \\[x\\](http://e) \\| \\*b\\*"
    )
    assert markdown.code("a`b\nc") == "`a'b c`"


def synthetic(a: Audit, per_severity: int) -> Audit:
    """``a`` with ``per_severity`` long findings of each severity, a fifth of them waived."""
    findings, costs = [], []
    for sev in Severity:
        for n in range(per_severity):
            fid = f"SYN-{sev}:{n:05d}"
            findings.append(
                Finding(
                    id=fid,
                    rule=f"SYN-{sev}",
                    pack="syn",
                    layer=a.scores.layers[n % 5].layer,
                    severity=sev,
                    dimension="jurisdiction",
                    title=f"Synthetic {sev}",
                    message=f"component {n} of severity {sev} " + "x" * 300,
                    remediation="switch " + "y" * 100,
                    components=(f"pkg:pypi/c{n}@1",),
                    evidence=tuple(Evidence(path=f"stack/f{k}.txt", collector="t", line=k + 1) for k in range(8)),
                    waiver="accepted" if n % 5 == 0 and sev is Severity.LOW else "",
                )
            )
            costs.append(FindingCost(finding=fid, points=float(n % 7), base=1.0, blast=1.0, no_alternative=1.0))
    return replace(a, findings=tuple(findings), scores=replace(a.scores, costs=tuple(costs)))


def test_an_overflowing_audit_is_cut_from_the_least_severe_and_says_what_it_cut(eu: Audit) -> None:
    a = synthetic(eu, per_severity=40)  # 200 findings of ~700 characters: twice the limit
    md = markdown.render(a, "1").decode()
    assert len(md) <= markdown.LIMIT
    shown = set(re.findall(r"Finding `(SYN-[a-z]+:\d+)`", md))
    by_sev = {s: {f.id for f in a.findings if f.severity is s} for s in Severity}
    assert by_sev[Severity.CRITICAL] <= shown and by_sev[Severity.HIGH] <= shown
    assert not shown & by_sev[Severity.INFO] and not shown & by_sev[Severity.LOW]
    cut = [f for f in a.findings if f.id not in shown]
    note = re.search(
        r"\*\*(\d+) finding\(s\) not shown\*\* to keep this comment under 65,000 characters: ([^(]*) \(", md
    )
    assert note, md[-600:]
    assert int(note.group(1)) == len(cut)
    live_cut = {s: sum(1 for f in cut if f.severity is s and not f.waiver) for s in Severity}
    waived_cut = sum(1 for f in cut if f.waiver)
    expected = [f"{live_cut[s]} {s}" for s in sorted(Severity, reverse=True) if live_cut[s]] + [f"{waived_cut} waived"]
    assert note.group(2) == ", ".join(expected)
    # within the severity that was partly cut, the costliest findings stayed
    medium_shown = [f for f in a.findings if f.severity is Severity.MEDIUM and f.id in shown]
    medium_cut = [f for f in cut if f.severity is Severity.MEDIUM]
    assert medium_shown and medium_cut  # the size above makes the cut fall inside the medium findings
    costs = {c.finding: c.points for c in a.scores.costs}
    assert min(costs[f.id] for f in medium_shown) >= max(costs[f.id] for f in medium_cut)
    assert f"#### {markdown._SEV_MARK[Severity.MEDIUM]} Medium: 40 ({len(medium_shown)} shown)" in md
    # the scores table is never cut
    assert all(f"| {ls.layer.value} |" in md for ls in a.scores.layers)
