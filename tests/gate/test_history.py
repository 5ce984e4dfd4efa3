"""The audit history: concurrent writers, killed writers, the trend, and history as a gate baseline."""

from __future__ import annotations

import copy
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sovaudit import history
from sovaudit.audit import to_dict
from sovaudit.cli import Settings, run_audit
from tests.conftest import REPO
from tests.gate.helpers import package, run, write_inventory

WRITER = [sys.executable, "-m", "tests.gate.history_writer"]


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A real audit document: the eu-open sample stack."""
    result = run_audit(
        Settings(verbosity=-1), [str(REPO / "sample_stacks" / "eu-open")], packs=(), profile_name=None, kb_files=(),
        waivers_file=None, fail_on=None, min_score=None,
    )  # fmt: skip
    return to_dict(result, "test")


@pytest.fixture
def doc_file(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "audit.json"
    path.write_text(json.dumps(document))
    return path


def committed(lines: list[str]) -> list[int]:
    return [int(x.split()[1]) for x in lines if x.startswith("committed ")]


def integrity(store: Path) -> str:
    with sqlite3.connect(store) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def ids_in(store: Path) -> list[int]:
    conn = sqlite3.connect(store)
    try:
        return [r[0] for r in conn.execute("SELECT id FROM audits ORDER BY id")]
    finally:
        conn.close()


def test_two_processes_writing_500_audits_each_lose_none(
    tmp_path: Path, doc_file: Path, document: dict[str, Any]
) -> None:
    store = tmp_path / "history.sqlite"
    writers = [
        subprocess.Popen([*WRITER, str(store), str(doc_file), "500", name], cwd=REPO, stdout=subprocess.PIPE, text=True)
        for name in ("first", "second")
    ]
    outputs = [w.communicate(timeout=600)[0].splitlines() for w in writers]
    assert [w.returncode for w in writers] == [0, 0]
    first, second = committed(outputs[0]), committed(outputs[1])
    assert len(first) == len(second) == 500
    assert ids_in(store) == sorted(first + second) and len(set(first + second)) == 1000
    assert integrity(store) == "ok"
    conn = sqlite3.connect(store)
    try:
        per_stack = dict(conn.execute("SELECT stack, count(*) FROM audits GROUP BY stack").fetchall())
        layer_rows = conn.execute("SELECT count(*) FROM layer_scores").fetchone()[0]
        finding_rows = conn.execute("SELECT count(*) FROM findings").fetchone()[0]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()
    assert per_stack == {"first": 500, "second": 500}
    assert layer_rows == 1000 * 5
    assert finding_rows == 1000 * len(document["findings"])


@pytest.mark.parametrize("before_kill", [0, 5])
def test_a_writer_killed_mid_write_leaves_a_store_with_every_committed_audit(
    tmp_path: Path, doc_file: Path, document: dict[str, Any], before_kill: int
) -> None:
    store = tmp_path / "history.sqlite"
    writer = subprocess.Popen(
        [*WRITER, str(store), str(doc_file), "0", "killed", "--pause-in-transaction"],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert writer.stdout is not None
    lines: list[str] = []
    try:
        while True:
            line = writer.stdout.readline().strip()
            assert line, "the writer stopped by itself"
            lines.append(line)
            if line == "in-transaction" and len(committed(lines)) == before_kill:
                os.kill(writer.pid, signal.SIGKILL)  # inside the transaction: the audit row is written, no commit
                break
    finally:
        writer.wait(timeout=60)
    assert writer.returncode == -signal.SIGKILL
    done = committed(lines)
    assert len(done) == before_kill
    assert integrity(store) == "ok"
    assert ids_in(store) == done  # every committed audit, and not the one killed half-way
    rows = history.entries(store)
    assert [r.id for r in rows] == done
    assert all(r.findings == sum(document["summary"]["findings"].values()) for r in rows)
    again = history.record(
        store, document, stack="after", commit="", command="audit", passed=True, recorded_at="2026-06-02T00:00:00Z"
    )
    assert again > max(done, default=0)
    assert integrity(store) == "ok" and ids_in(store) == [*done, again]


def with_scores(document: dict[str, Any], overall: float, software: float) -> dict[str, Any]:
    doc = copy.deepcopy(document)
    doc["summary"]["overallScore"] = overall
    for layer in doc["layers"]:
        if layer["layer"] == "software":
            layer["score"] = software
    return doc


def test_history_shows_the_trend_per_stack(
    document: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Path(os.environ["SOVAUDIT_HISTORY"])
    for stack, overall, software, passed in (
        ("cluster", 80.0, 70.0, True), ("cluster", 90.0, 85.0, True), ("service", 50.0, 40.0, False),
        ("cluster", 85.0, 75.0, False),
    ):  # fmt: skip
        history.record(
            store, with_scores(document, overall, software), stack=stack, commit="ab" * 20, command="gate",
            passed=passed, recorded_at="2026-06-01T00:00:00Z",
        )  # fmt: skip
    code, out, _ = run(capsys, "history")
    assert code == 0
    table = out.splitlines()
    assert table[0].split() == [
        "#", "recorded", "commit", "command", "result", "overall", "delta", "compu", "data", "softw", "model", "opera",
        "findings", "waived", "stack",
    ]  # fmt: skip
    live = sum(document["summary"]["findings"].values())
    compute, data = (f"{layer['score']:.1f}" for layer in document["layers"][:2])
    model, operational = (f"{layer['score']:.1f}" for layer in document["layers"][3:])
    # The delta is against the previous audit of the same stack; the first of each has none.
    assert [row.split() for row in table[1:5]] == [
        ["1", "2026-06-01T00:00:00Z", "abababab", "gate", "pass", "80.0", compute, data, "70.0", model, operational,
         str(live), "0", "cluster"],
        ["2", "2026-06-01T00:00:00Z", "abababab", "gate", "pass", "90.0", "+10.0", compute, data, "85.0", model,
         operational, str(live), "0", "cluster"],
        ["3", "2026-06-01T00:00:00Z", "abababab", "gate", "FAIL", "50.0", compute, data, "40.0", model, operational,
         str(live), "0", "service"],
        ["4", "2026-06-01T00:00:00Z", "abababab", "gate", "FAIL", "85.0", "-5.0", compute, data, "75.0", model,
         operational, str(live), "0", "cluster"],
    ]  # fmt: skip
    assert table[6:] == ["trend ▁█▅  80.0 -> 85.0  cluster", "trend ▄  50.0 -> 50.0  service"]
    code, out, _ = run(capsys, "history", "--stack", "cluster", "-n", "2", "-f", "json")
    assert [(e["id"], e["overallScore"], e["layers"]["software"]) for e in json.loads(out)] == [
        (2, 90.0, 85.0), (4, 85.0, 75.0),
    ]  # fmt: skip
    code, out, _ = run(capsys, "history", "--show", "2")
    assert json.loads(out) == with_scores(document, 90.0, 85.0)


def test_gate_against_the_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    stack = write_inventory(tmp_path / "stack.inventory.json", package("numpy", "2.0.0"))
    code, _, err = run(capsys, "-q", "gate", str(stack), "--baseline", "history:")
    assert code == 2 and "no audit history here yet" in err
    other = write_inventory(tmp_path / "other.inventory.json", package("numpy", "2.0.0"))
    assert run(capsys, "-q", "audit", str(other))[0] == 0  # history #1, another stack
    code, _, err = run(capsys, "-q", "gate", str(stack), "--baseline", "history:")
    assert code == 2 and f"history:: no passing audit of stack {str(stack)!r} recorded" in err
    assert run(capsys, "-q", "audit", str(stack))[0] == 0  # history #2
    write_inventory(stack, package("numpy", "2.0.0"), package("nvidia-cuda-runtime-cu12", "12.4.127", ""))
    for spec in ("history:", "history:2", f"history:{stack}"):
        code, out, _ = run(capsys, "-q", "gate", str(stack), "--baseline", spec, "-f", "json", "--no-record")
        verdict = json.loads(out)
        assert code == 1 and verdict["diff"]["before"]["source"] == "history:2"
        assert ("new-finding", "CORE-SW-001:nvidia-cuda") in [(r["kind"], r["subject"]) for r in verdict["reasons"]]
    # A failed gate is recorded, but `history:` is the last *passing* audit: a failure never becomes the baseline.
    assert run(capsys, "-q", "gate", str(stack), "--baseline", "history:")[0] == 1
    code, out, _ = run(capsys, "-q", "gate", str(stack), "--baseline", "history:", "-f", "json")
    assert code == 1 and json.loads(out)["diff"]["before"]["source"] == "history:2"
    code, _, err = run(capsys, "-q", "gate", str(stack), "--baseline", "history:99")
    assert code == 2 and err.strip().endswith("history:99: no recorded audit #99")


def test_a_recording_failure_is_a_warning_and_the_audit_is_not_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("SOVAUDIT_HISTORY", str(blocker / "history.sqlite"))
    stack = write_inventory(tmp_path / "stack.inventory.json", package("numpy", "2.0.0"))
    code, out, err = run(capsys, "audit", str(stack), "-f", "json")
    assert code == 0 and json.loads(out)["format"] == "sovaudit-audit"
    assert "sovaudit: warning: the audit was not recorded:" in err and str(blocker) in err


def test_no_record_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stack = write_inventory(tmp_path / "stack.inventory.json", package("numpy", "2.0.0"))
    assert run(capsys, "-q", "audit", str(stack), "--no-record")[0] == 0
    assert not Path(os.environ["SOVAUDIT_HISTORY"]).exists()
    code, _, err = run(capsys, "history")
    assert code == 2 and "no audit history here yet" in err


def test_stores_it_cannot_read_are_clear_errors(
    tmp_path: Path, document: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not SQLite\n" * 100)
    monkeypatch.setenv("SOVAUDIT_HISTORY", str(garbage))
    code, _, err = run(capsys, "history")
    assert code == 2 and err.startswith(f"sovaudit: error: {garbage}: not a sovaudit history store")
    newer = tmp_path / "newer.sqlite"
    history.record(newer, document, stack="s", commit="", command="audit", passed=True, recorded_at="")
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE schema_version SET version = 99")
    conn.close()
    monkeypatch.setenv("SOVAUDIT_HISTORY", str(newer))
    code, _, err = run(capsys, "history")
    assert code == 2 and "schema version 99; this sovaudit reads 1" in err and str(newer) in err
