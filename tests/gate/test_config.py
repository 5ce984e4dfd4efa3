"""Configuration: .sovaudit.toml or [tool.sovaudit], found upward to the repository root; options win."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.gate.helpers import package, run, write_inventory

WAIVE_CUDA = """schema: sovaudit-waivers
version: 1
waivers:
  - finding: CORE-SW-001:nvidia-cuda
    justification: tested CPU fallback
    owner: platform
    expires: 2999-01-01
  - finding: CORE-ALL-001:nvidia-cuda
    justification: tested CPU fallback
    owner: platform
    expires: 2999-01-01
"""


@pytest.fixture
def cuda_stack(tmp_path: Path) -> Path:
    """A stack with one high finding (CORE-SW-001:nvidia-cuda), overall score below 100."""
    return write_inventory(
        tmp_path / "stack.inventory.json", package("numpy", "2.0.0"), package("nvidia-cuda-runtime-cu12", "12.4.127")
    )


def test_command_line_options_win_over_the_file(
    tmp_path: Path, cuda_stack: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "-q", "audit", str(cuda_stack))[0] == 0  # no configuration, no gate
    (tmp_path / ".sovaudit.toml").write_text('fail-on = "high"\nmin-score = 100\n')
    code, out, _ = run(capsys, "-q", "audit", str(cuda_stack), "-f", "json")
    gates = {g["name"]: g["passed"] for g in json.loads(out)["gates"]}
    assert code == 1 and gates == {"no finding at or above high": False, "overall score at least 100": False}
    code, out, _ = run(
        capsys, "-q", "audit", str(cuda_stack), "-f", "json", "--fail-on", "critical", "--min-score", "0"
    )
    gates = {g["name"]: g["passed"] for g in json.loads(out)["gates"]}
    assert code == 0 and gates == {"no finding at or above critical": True, "overall score at least 0": True}


def test_found_upward_to_the_repository_root_with_paths_relative_to_the_file(
    tmp_path: Path, cuda_stack: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "policy").mkdir()
    (repo / "policy" / "waivers.yaml").write_text(WAIVE_CUDA)
    (repo / ".sovaudit.toml").write_text('waivers = "policy/waivers.yaml"\nfail-on = "high"\n')
    (tmp_path / ".sovaudit.toml").write_text('fail-on = "nonsense"\n')  # above the repository: never read
    deeper = repo / "a" / "b"
    deeper.mkdir(parents=True)
    monkeypatch.chdir(deeper)
    code, out, _ = run(capsys, "-q", "audit", str(cuda_stack), "-f", "json")
    waived = {f["id"]: f["waiver"] for f in json.loads(out)["findings"] if f["waiver"]}
    assert code == 0 and sorted(waived) == ["CORE-ALL-001:nvidia-cuda", "CORE-SW-001:nvidia-cuda"]
    # Outside a repository only the current folder counts: the file one level up is not read.
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / ".sovaudit.toml").write_text('fail-on = "high"\n')
    (outside / "sub").mkdir()
    monkeypatch.chdir(outside / "sub")
    assert run(capsys, "-q", "audit", str(cuda_stack))[0] == 0
    monkeypatch.chdir(outside)
    assert run(capsys, "-q", "audit", str(cuda_stack))[0] == 1


def test_pyproject_table_and_which_file_wins(
    tmp_path: Path, cuda_stack: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.sovaudit]\nfail-on = "high"\n')
    monkeypatch.chdir(repo)
    assert run(capsys, "-q", "audit", str(cuda_stack))[0] == 1
    (repo / ".sovaudit.toml").write_text('fail-on = "critical"\n')  # same folder: .sovaudit.toml wins
    assert run(capsys, "-q", "audit", str(cuda_stack))[0] == 0
    # A pyproject.toml without [tool.sovaudit] is passed over on the way up (even one that names sovaudit).
    (repo / "pyproject.toml").unlink()
    (repo / "pkg").mkdir()
    (repo / "pkg" / "pyproject.toml").write_text('[project]\nname = "uses-sovaudit"\ndependencies = ["sovaudit"]\n')
    (repo / ".sovaudit.toml").write_text('fail-on = "high"\n')
    monkeypatch.chdir(repo / "pkg")
    assert run(capsys, "-q", "audit", str(cuda_stack))[0] == 1


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (".sovaudit.toml", 'fail_on = "high"\n', "unknown key 'fail_on'"),
        ("pyproject.toml", '[tool.sovaudit]\nprofiles = ["x"]\n', "unknown key 'tool.sovaudit.profiles'"),
        (".sovaudit.toml", "[history]\nfile = 'h.sqlite'\n", "unknown key 'history.file'"),
        (".sovaudit.toml", 'min-score = "high"\n', "min-score: expected a number from 0 to 100"),
        (".sovaudit.toml", 'fail-on = "urgent"\n', "fail-on: 'urgent' is not a severity"),
        (".sovaudit.toml", 'packs = "core"\n', "packs: expected a list of strings"),
        (".sovaudit.toml", "[history]\nenabled = 'no'\n", "history.enabled: expected true or false"),
        (".sovaudit.toml", "fail-on = \n", "invalid TOML"),
    ],
)
def test_bad_configuration_is_an_error_naming_the_file_and_the_key(
    tmp_path: Path, cuda_stack: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    name: str, text: str, message: str,
) -> None:  # fmt: skip
    (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "-q", "audit", str(cuda_stack))
    assert (code, out) == (2, "")
    assert err.startswith(f"sovaudit: error: {tmp_path / name}: ") and message in err and len(err.splitlines()) == 1
    # Commands that take nothing from the configuration do not read it.
    assert run(capsys, "kb", "search", "cuda")[0] == 0


def test_history_settings(
    tmp_path: Path, cuda_stack: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOVAUDIT_HISTORY")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert run(capsys, "-q", "audit", str(cuda_stack))[0] == 0
    assert (tmp_path / "xdg" / "sovaudit" / "history.sqlite").is_file()
    (tmp_path / ".sovaudit.toml").write_text('[history]\npath = "state/audits.sqlite"\nstack = "gpu-cluster"\n')
    assert run(capsys, "-q", "audit", str(cuda_stack))[0] == 0
    with sqlite3.connect(tmp_path / "state" / "audits.sqlite") as conn:
        assert conn.execute("SELECT stack, command FROM audits").fetchall() == [("gpu-cluster", "audit")]
    conn.close()
    monkeypatch.setenv("SOVAUDIT_HISTORY", str(tmp_path / "env.sqlite"))  # the environment wins over the file
    assert run(capsys, "-q", "audit", str(cuda_stack))[0] == 0
    assert (tmp_path / "env.sqlite").is_file()
    (tmp_path / ".sovaudit.toml").write_text("[history]\nenabled = false\n")
    (tmp_path / "env.sqlite").unlink()
    assert run(capsys, "-q", "audit", str(cuda_stack))[0] == 0
    assert not (tmp_path / "env.sqlite").exists()


def test_gate_settings(
    tmp_path: Path, cuda_stack: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    base = write_inventory(tmp_path / "base.inventory.json", package("numpy", "2.0.0"))
    (tmp_path / ".sovaudit.toml").write_text('baseline = "base.inventory.json"\nfail-on = "critical"\n'
                                             "max-score-drop = 50\n")  # fmt: skip
    code, out, _ = run(capsys, "-q", "gate", str(cuda_stack), "-f", "json", "--no-record")
    verdict = json.loads(out)
    assert code == 0 and verdict["policy"] == {"failOn": "critical", "maxScoreDrop": 50.0}
    assert verdict["diff"]["before"]["source"] == "base.inventory.json"
    code, out, _ = run(capsys, "-q", "gate", str(cuda_stack), "-f", "json", "--fail-on", "high", "--no-record")
    assert code == 1 and {r["subject"] for r in json.loads(out)["reasons"]} == {
        "CORE-SW-001:nvidia-cuda", "CORE-ALL-001:nvidia-cuda",
    }  # fmt: skip
    code, out, _ = run(capsys, "-q", "gate", str(cuda_stack), "--baseline", str(cuda_stack), "-f", "json", "--fail-on",
                       "high", "--no-record")  # fmt: skip
    assert code == 0 and json.loads(out)["diff"]["before"]["source"] == str(cuda_stack)
    assert base.is_file()


def test_every_configured_value_is_an_option_of_the_commands_it_is_given_to() -> None:
    from sovaudit.cli import cli
    from sovaudit.cli_gate import COMMAND_PARAMS, config_params
    from sovaudit.config import Config

    every = set(config_params(Config(packs=("p",), profile="x", kb=("k",), waivers="w", fail_on="high",
                                     min_score=1.0, max_score_drop=1.0, baseline="b")))  # fmt: skip
    assert every == {p for params in COMMAND_PARAMS.values() for p in params}
    for command, params in COMMAND_PARAMS.items():
        assert set(params) <= {p.name for p in cli.commands[command].params}, command
