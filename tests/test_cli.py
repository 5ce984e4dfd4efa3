"""CLI wiring and exit codes only (the stages have their own tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sovaudit import cli as cli_mod
from sovaudit import inventory_json
from sovaudit.cli import main, timestamp_from_env
from sovaudit.errors import ConfigError
from sovaudit.model import Component, Inventory, Layer


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


@pytest.fixture
def inventory_file(tmp_path: Path) -> Path:
    inv = Inventory(
        components=(
            Component(id="pkg:pypi/numpy@2.0.0", layer=Layer.SOFTWARE, kind="package", name="numpy", version="2.0.0",
                      purl="pkg:pypi/numpy@2.0.0", licenses="BSD-3-Clause"),
        )
    )
    path = tmp_path / "stack.inventory.json"
    path.write_bytes(inventory_json.dump(inv))
    return path


def test_scan_of_an_inventory_round_trips_exactly(inventory_file: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "again.json"
    code, _, err = run(["scan", str(inventory_file), "-o", str(out_file)], capsys)
    assert code == 0
    assert "1 components" in err
    again = inventory_json.loads(out_file.read_bytes(), "again.json")
    assert [c.id for c in again.components] == ["pkg:pypi/numpy@2.0.0"]
    code, out, _ = run(["-q", "scan", str(out_file)], capsys)
    assert out.encode() == out_file.read_bytes()


def test_missing_input_is_exit_2_with_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(["scan", str(tmp_path / "nope")], capsys)
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [f"sovaudit: error: {tmp_path / 'nope'}: no such file or folder"]


def test_one_unreadable_input_among_readable_ones_is_still_exit_2(inventory_file: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{"format": "sovaudit-inventory", "formatVersion": 1, "components": [')
    code, _, err = run(["scan", str(inventory_file), str(bad)], capsys)
    assert code == 2
    assert f"sovaudit: error: {bad}: is not valid JSON" in err


def test_usage_errors_are_exit_2(capsys: pytest.CaptureFixture[str], inventory_file: Path) -> None:
    assert run(["scan"], capsys)[0] == 2
    assert run(["frobnicate"], capsys)[0] == 2
    code, _, err = run(["sbom", str(inventory_file), "-f", "inventory-json"], capsys)
    assert code == 2 and "writes cyclonedx-json or cyclonedx-xml" in err
    code, _, err = run(["inventory", "show", "--layer", "space", str(inventory_file)], capsys)
    assert code == 2 and "--layer space" in err


def test_unknown_format_is_reported(capsys: pytest.CaptureFixture[str], inventory_file: Path) -> None:
    code, _, err = run(["scan", str(inventory_file), "-f", "nope"], capsys)
    assert code == 3 and "no sovaudit.emitters entry named 'nope'" in err


def test_internal_error_is_exit_3_without_traceback(monkeypatch: pytest.MonkeyPatch, inventory_file: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    def broken(*args: object, **kw: object) -> bytes:
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(cli_mod, "render", broken)
    code, _, err = run(["scan", str(inventory_file)], capsys)
    assert code == 3
    assert "internal error: ZeroDivisionError: oops" in err and "Traceback" not in err


def test_failed_render_leaves_no_partial_output(monkeypatch: pytest.MonkeyPatch, inventory_file: Path,
                                                tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.json"
    target.write_text("previous")

    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    code, _, err = run(["scan", str(inventory_file), "-o", str(target)], capsys)
    assert code == 2 and f"{target}: cannot write: No space left on device; nothing was written" in err
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.json")] == []


def test_output_into_missing_folder(inventory_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["scan", str(inventory_file), "-o", str(tmp_path / "no" / "x.json")], capsys)
    assert code == 2 and "does not exist" in err


def test_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert timestamp_from_env(None).isoformat() == "2023-11-14T22:13:20+00:00"  # type: ignore[union-attr]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    with pytest.raises(ConfigError, match="SOURCE_DATE_EPOCH"):
        timestamp_from_env(None)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert timestamp_from_env(None) is None
    assert timestamp_from_env("now") is not None


def test_inventory_show_lists_components(inventory_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["inventory", "show", str(inventory_file)], capsys)
    assert code == 0
    assert "numpy" in out and "BSD-3-Clause" in out and "software" in out


def test_console_script_runs_and_stdout_is_only_the_document(inventory_file: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "sovaudit", "scan", str(inventory_file)],
                          capture_output=True, check=False)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["format"] == "sovaudit-inventory"
    assert b"components" in proc.stderr  # the summary went to stderr


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.startswith("sovaudit, version ")
