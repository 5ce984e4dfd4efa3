"""Every report format: same audit, same bytes (also across hash seeds), and the CLI wiring of audit -f."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sovaudit import __version__, reports
from sovaudit.audit import Audit
from sovaudit.cli import cli
from tests.conftest import REPO
from tests.reports.conftest import US

MINE = ("csv-components", "csv-findings", "dot", "graphml", "junit", "markdown", "sarif", "terminal")


def test_the_formats_are_registered() -> None:
    assert set(MINE) <= set(reports.names())
    assert reports.names() == sorted(reports.FORMATS)


@pytest.mark.parametrize("name", MINE)
def test_two_renders_give_the_same_bytes(us: Audit, name: str) -> None:
    first = reports.render(name, us, __version__)
    assert first and first == reports.render(name, us, __version__)
    first.decode("utf-8")


def audit_cli(fmt: str, out: Path, seed: str) -> bytes:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1795737600", "PYTHONHASHSEED": seed}
    proc = subprocess.run(
        [sys.executable, "-m", "sovaudit", "-q", "audit", US, "--profile", "eu-public-high", "-f", fmt, "-o", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr  # the profile's gates fail for this stack
    assert proc.stdout == ""
    return out.read_bytes()


@pytest.mark.parametrize("fmt", ["sarif", "markdown"])
def test_other_hash_seed_same_bytes(tmp_path: Path, fmt: str) -> None:
    assert audit_cli(fmt, tmp_path / "a", "1") == audit_cli(fmt, tmp_path / "b", "31337")


def test_terminal_to_a_file_is_plain_text(tmp_path: Path) -> None:
    text = audit_cli("terminal", tmp_path / "summary.txt", "0").decode()
    assert "\x1b[" not in text and text.startswith("sovaudit audit ") and "Gates (profile eu-public-high)" in text


def test_unknown_format_fails_before_the_scan() -> None:
    result = CliRunner().invoke(cli, ["audit", "no-such-path", "-f", "nope"], obj=None)
    assert result.exit_code != 0
    assert "unknown report format 'nope'" in str(result.exception) + result.output


def test_formats_lists_every_report_once() -> None:
    result = CliRunner().invoke(cli, ["formats"])
    assert result.exit_code == 0
    listed = [
        line.split()[0] for line in result.output.split("Report formats (sovaudit audit -f):")[1].splitlines() if line
    ]
    assert listed == reports.names()
    assert "spdx-json" in result.output.split("Report formats")[0]
