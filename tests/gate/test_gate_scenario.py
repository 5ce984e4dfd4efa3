"""The gate scenario of issue 7, end to end through the CLI on a copy of a sample stack.

Baseline audit; add a CUDA-only dependency -> exit 1 naming the new finding; waive it -> exit 0;
let the waiver expire -> exit 1. SOURCE_DATE_EPOCH pins the day every audit judges expiry against.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from sovaudit import history
from tests.conftest import REPO
from tests.gate.helpers import WAIVERS, epoch, run

CUDA_LINE = "nvidia-cuda-runtime-cu12==12.4.127\n"
NEW_HIGH = ["CORE-ALL-001:nvidia-cuda", "CORE-SW-001:nvidia-cuda"]


def reasons(out: str) -> list[tuple[str, str]]:
    return [(r["kind"], r["subject"]) for r in json.loads(out)["reasons"]]


def test_gate_fails_on_new_lock_in_until_waived_and_again_when_the_waiver_expires(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = tmp_path / "eu-open"
    shutil.copytree(REPO / "sample_stacks" / "eu-open", stack)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch("2026-06-01"))

    code, _, _ = run(capsys, "-q", "audit", "eu-open", "-f", "json", "-o", "baseline.json")
    assert code == 0
    baseline = json.loads((tmp_path / "baseline.json").read_text())
    assert not any("nvidia" in f["id"] for f in baseline["findings"])

    # Nothing changed: nothing new.
    code, out, _ = run(capsys, "-q", "gate", "eu-open", "--baseline", "baseline.json", "-f", "json")
    assert (code, reasons(out)) == (0, [])
    assert json.loads(out)["diff"]["counts"]["findingsUnchanged"] == len(baseline["findings"])

    # A CUDA-only dependency: the two new high findings, and the software score it costs.
    (stack / "requirements.txt").write_text(CUDA_LINE)
    code, out, _ = run(capsys, "-q", "gate", "eu-open", "--baseline", "baseline.json")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "sovaudit gate: FAILED against baseline.json: 3 reason(s)"
    for finding_id in NEW_HIGH:
        line = next(x for x in lines if f" {finding_id}: " in x)
        assert line.split()[0] == "new-finding" and "high:" in line and "[eu-open/requirements.txt:1]" in line
    assert any(x.split()[:2] == ["score-drop", "software:"] for x in lines)
    assert "note: 1 new finding(s) below high: CORE-ALL-004:nvidia-cuda" in out
    code, out, _ = run(capsys, "-q", "gate", "eu-open", "--baseline", "baseline.json", "-f", "json", "--no-record")
    assert reasons(out) == [("new-finding", f) for f in NEW_HIGH] + [("score-drop", "software")]

    # Waived (until 2026-06-30): what is waived costs nothing, so neither the findings nor the score fail.
    (tmp_path / "waivers.yaml").write_text(WAIVERS)
    args = ("-q", "gate", "eu-open", "--baseline", "baseline.json", "--waivers", "waivers.yaml")
    code, out, _ = run(capsys, *args)
    assert code == 0, out
    assert out.startswith("sovaudit gate: passed against baseline.json")
    assert f"note: 2 new finding(s) waived: {', '.join(NEW_HIGH)}" in out

    # The day after the expiry: the findings count again, and the gate says the waivers expired.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch("2026-07-01"))
    code, out, _ = run(capsys, *args, "-f", "json")
    assert code == 1
    assert reasons(out) == [
        *(("new-finding", f) for f in NEW_HIGH),
        ("score-drop", "software"),
        ("expired-waiver", "CORE-SW-001:nvidia-cuda"),
        ("expired-waiver", "CORE-ALL-001:nvidia-cuda"),
    ]
    expired = [r["detail"] for r in json.loads(out)["reasons"] if r["kind"] == "expired-waiver"]
    assert expired == [
        "owner hpc-platform-team, expired 2026-06-30 (waivers.yaml:4)",
        "owner hpc-platform-team, expired 2026-06-30 (waivers.yaml:8)",
    ]

    # Every run but the --no-record one is in the history, with its verdict.
    rows = history.entries(Path(os.environ["SOVAUDIT_HISTORY"]))
    assert [(r.command, r.passed) for r in rows] == [
        ("audit", True), ("gate", True), ("gate", False), ("gate", True), ("gate", False),
    ]  # fmt: skip
    assert {r.stack for r in rows} == {str(stack.resolve())}
    assert [r.recorded_at for r in rows] == ["2026-06-01T00:00:00Z"] * 4 + ["2026-07-01T00:00:00Z"]
