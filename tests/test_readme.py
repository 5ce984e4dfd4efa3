"""The README stays true: its --help block is the real output, and CI runs its test command."""

from __future__ import annotations

import re
import subprocess

import click

from sovaudit.cli import CONTEXT_SETTINGS, cli
from tests.conftest import REPO, update_golden


def real_help() -> str:
    ctx = click.Context(cli, info_name="sovaudit", terminal_width=100, **CONTEXT_SETTINGS)  # type: ignore[arg-type]
    return cli.get_help(ctx)


def test_help_block_is_the_real_output() -> None:
    readme = (REPO / "README.md").read_text()
    pattern = re.compile(r"(<!-- help:sovaudit -->\n```text\n)(.*?)(```\n<!-- /help:sovaudit -->)", re.S)
    match = pattern.search(readme)
    assert match, "README.md lost its help:sovaudit block"
    expected = real_help() + "\n"
    if update_golden():
        (REPO / "README.md").write_text(pattern.sub(lambda m: m.group(1) + expected + m.group(3), readme))
        return
    assert match.group(2) == expected, "README --help block is stale: rerun with SOVAUDIT_UPDATE_GOLDEN=1"


def test_ci_runs_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text()
    block = re.search(r"<!-- test-command -->\n```sh\n(.*?)\n```\n<!-- /test-command -->", readme, re.S)
    assert block
    out = subprocess.run(
        ["bash", "-c", "sed -n '/<!-- test-command -->/,/<!-- \\/test-command -->/p' README.md"
         " | sed -n '/^```sh$/,/^```$/p' | sed '1d;$d'"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert out == block.group(1)
    assert "pytest" in out
    assert "sed -n '/<!-- test-command -->/" in (REPO / ".ci" / "run").read_text()
