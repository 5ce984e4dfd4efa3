"""What the gate counts as new or worse, and what it only notes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from sovaudit.baseline import AuditSnapshot, ExpiredWaiver, FindingRecord, GateRecord, LayerRecord
from sovaudit.gate import Policy, judge, render
from sovaudit.model import Layer, Severity
from tests.gate.helpers import package, run, write_inventory

STRICT_SOFTWARE = """schema: sovaudit-profile
version: 1
profile: strict-software
description: software must reach level 3
fail_on: critical
min_levels: {software: 3}
"""


def finding(fid: str, severity: Severity = Severity.HIGH, waived: bool = False) -> FindingRecord:
    return FindingRecord(
        id=fid, rule=fid.split(":")[0], layer=Layer.SOFTWARE, severity=severity, title="t", message=f"about {fid}",
        components=(), kb_entries=("kb",), aggregate=False, waived=waived, points=0.0 if waived else 10.0,
        evidence=("requirements.txt:3", "uv.lock:10"),
    )  # fmt: skip


def snapshot(*findings: FindingRecord, software: float = 90.0, gates: tuple[GateRecord, ...] = (),
             expired: tuple[ExpiredWaiver, ...] = ()) -> AuditSnapshot:  # fmt: skip
    return AuditSnapshot(
        source="s", date="2026-06-01", tool_version="t", profile=None, passed=True, overall_score=software,
        overall_level=3, components_total=3, findings=tuple(sorted(findings, key=lambda f: f.id)),
        layers=(LayerRecord(layer=Layer.SOFTWARE, components=3, score=software, level=3),), gates=gates,
        components=(), expired_waivers=expired,
    )  # fmt: skip


def kinds(baseline: AuditSnapshot, current: AuditSnapshot, policy: Policy | None = None) -> list[tuple[str, str]]:
    return [(r.kind, r.subject) for r in judge(baseline, current, policy or Policy()).reasons]


def test_only_what_is_new_or_worse_fails() -> None:
    old = finding("A:x")
    assert kinds(snapshot(old), snapshot(old)) == []  # already there: not new
    assert kinds(snapshot(), snapshot(finding("B:y", Severity.MEDIUM))) == []  # below the threshold
    assert kinds(snapshot(), snapshot(finding("B:y", Severity.MEDIUM)), Policy(fail_on=Severity.MEDIUM)) == [
        ("new-finding", "B:y")
    ]
    assert kinds(snapshot(), snapshot(finding("B:y", waived=True))) == []  # waived
    assert kinds(snapshot(finding("A:x", waived=True)), snapshot(old)) == [("no-longer-waived", "A:x")]
    assert kinds(snapshot(finding("A:x", Severity.LOW)), snapshot(old)) == [("severity-raised", "A:x")]
    assert kinds(snapshot(old), snapshot()) == []  # resolved


def test_score_drops_beyond_the_allowed_points() -> None:
    assert kinds(snapshot(software=90.0), snapshot(software=85.0)) == []  # exactly 5: allowed
    assert kinds(snapshot(software=90.0), snapshot(software=84.9)) == [("score-drop", "software")]
    assert kinds(snapshot(software=90.0), snapshot(software=80.0), Policy(max_score_drop=10)) == []
    verdict = judge(snapshot(software=90.0), snapshot(software=70.0), Policy())
    assert verdict.reasons[0].detail == "score 90.0 -> 70.0 (-20.0; at most -5 allowed)"


def test_gates_fail_when_newly_failing_and_the_threshold_gate_is_left_to_the_findings() -> None:
    failing = GateRecord(name="software level at least 3", passed=False, detail="level 2")
    passing = replace(failing, passed=True, detail="level 3")
    threshold = GateRecord(name="no finding at or above high", passed=False, detail="1 finding(s): A:x")
    assert kinds(snapshot(gates=(passing,)), snapshot(gates=(failing,))) == [("gate-failed", failing.name)]
    assert kinds(snapshot(), snapshot(gates=(failing,))) == [("gate-failed", failing.name)]  # unknown before
    verdict = judge(snapshot(gates=(failing,)), snapshot(gates=(failing,)), Policy())
    assert verdict.passed and verdict.notes == (
        "gate 'software level at least 3' fails as it did in the baseline: level 2",
    )
    assert kinds(snapshot(), snapshot(gates=(threshold,))) == []


def test_expired_waivers_fail_only_for_findings_the_stack_still_has() -> None:
    expired = ExpiredWaiver(finding="A:x", owner="team", expired="2026-05-31", file="waivers.yaml", line=4)
    assert kinds(snapshot(finding("A:x")), snapshot(finding("A:x"), expired=(expired,))) == [("expired-waiver", "A:x")]
    verdict = judge(snapshot(), snapshot(expired=(expired,)), Policy())
    assert verdict.passed
    assert verdict.notes == ("expired waiver for A:x, which the stack no longer has: remove it (waivers.yaml:4)",)


def test_the_verdict_says_why_in_every_format() -> None:
    verdict = judge(snapshot(software=90.0), snapshot(finding("B:y"), software=80.0), Policy())
    text = render(verdict, "text").splitlines()
    assert text[:3] == [
        "sovaudit gate: FAILED against s: 2 reason(s)",
        "  new-finding  B:y: high: about B:y [requirements.txt:3 and 1 more]",
        "  score-drop   software: score 90.0 -> 80.0 (-10.0; at most -5 allowed)",
    ]
    markdown = render(verdict, "markdown")
    assert "| new-finding | `B:y` | high: about B:y [requirements.txt:3 and 1 more] |" in markdown
    assert markdown.startswith("## sovaudit gate: ❌ failed (2 reason(s))")
    doc = json.loads(render(verdict, "json"))
    assert (doc["passed"], [r["kind"] for r in doc["reasons"]]) == (False, ["new-finding", "score-drop"])
    assert render(verdict, "text") == render(judge(snapshot(software=90.0), snapshot(finding("B:y"), software=80.0),
                                                   Policy()), "text")  # fmt: skip


def test_a_profile_gate_failed_by_the_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "strict.yaml"
    profile.write_text(STRICT_SOFTWARE)
    base = write_inventory(tmp_path / "base.inventory.json", package("numpy", "2.0.0"))
    now = write_inventory(tmp_path / "now.inventory.json", package("numpy", "2.0.0"),
                          package("nvidia-cuda-runtime-cu12", "12.4.127"))  # fmt: skip
    args = ("-q", "gate", str(now), "--profile", str(profile), "--max-score-drop", "100", "-f", "json", "--no-record")
    code, out, _ = run(capsys, *args, "--baseline", str(base))
    verdict = json.loads(out)
    assert code == 1 and verdict["policy"]["failOn"] == "critical"  # the profile's threshold
    assert [(r["kind"], r["subject"], r["detail"]) for r in verdict["reasons"]] == [
        ("gate-failed", "software level at least 3", "level 2")
    ]
    # The baseline failed that gate too: a note, not a failure.
    code, out, _ = run(capsys, *args, "--baseline", str(now))
    verdict = json.loads(out)
    assert code == 0 and verdict["notes"] == [
        "gate 'software level at least 3' fails as it did in the baseline: level 2"
    ]
