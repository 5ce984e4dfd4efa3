"""`sovaudit report`: wiring, labels and exit codes (the page itself is tested in test_html.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sovaudit.cli import main
from sovaudit.cli_report import default_label
from tests.conftest import REPO
from tests.reports_html.dom import Page

SMALL = str(REPO / "sample_stacks" / "python-ml-service")
LINEAGE = str(REPO / "sample_stacks" / "model-lineage")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def test_one_path_writes_the_single_stack_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.html"
    code, out, _ = run(["report", SMALL, "-o", str(target)], capsys)
    assert code == 0 and out == ""
    page = Page(target.read_text(encoding="utf-8"))
    assert page.text.startswith("Sovereignty and lock-in audit python-ml-service")
    assert "Appendix: every component" in page.text


def test_two_paths_write_the_comparison_with_their_labels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "cmp.html"
    argv = ["report", SMALL, LINEAGE, "--label", "Offer A", "--label", "Offer <B>", "--profile", "eu-public-high"]
    code, _, err = run([*argv, "-o", str(target)], capsys)
    assert code == 0  # the gates fail, but the report is written: it shows them
    assert "auditing Offer A" in err and "auditing Offer <B>" in err
    page = Page(target.read_text(encoding="utf-8"))
    assert page.text.startswith("Comparison of 2 candidate stacks Offer A \u00b7 Offer <B>")
    header = page.rows_in("stacks")[0]
    assert header.cells == ["", "Offer A", "Offer <B>"]
    gates = next(r for r in page.rows_in("stacks") if r.cells[0] == "Gates passed")
    assert all(" of " in cell for cell in gates.cells[1:])


def test_more_than_five_stacks_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "cmp.html"
    code, _, err = run(["report", *[SMALL] * 6, "-o", str(target)], capsys)
    assert code == 2
    assert "compares at most 5 stacks, got 6 PATHS" in err
    assert not target.exists()


def test_labels_must_match_the_paths_and_differ(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["report", SMALL, LINEAGE, "--label", "only one"], capsys)
    assert code == 2 and "--label: give one per PATH (2), or none; got 1" in err
    code, _, err = run(["report", SMALL, SMALL + "/"], capsys)
    assert code == 2 and "both be called 'python-ml-service'; name them with --label" in err


def test_default_labels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inventory = tmp_path / "offer-a.inventory.json"
    inventory.write_text("{}")
    folder = tmp_path / "offer.b"
    folder.mkdir()
    assert default_label(str(inventory)) == "offer-a"
    assert default_label(str(folder) + os.sep) == "offer.b"
    assert default_label("hf://acme/llama-ft@abc123") == "llama-ft"
    monkeypatch.chdir(folder)
    assert default_label(".") == "offer.b"


def test_audit_writes_the_html_report_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "audit.html"
    code, _, _ = run(["audit", SMALL, "-f", "html", "-o", str(target)], capsys)
    assert code in (0, 1)
    assert target.read_bytes().startswith(b'<!DOCTYPE html>\n<html lang="en">')
