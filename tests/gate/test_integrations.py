"""The CI integrations: action.yml, .pre-commit-hooks.yaml, integrations/gitlab-ci.yml.

They are checked as files (the keys each platform needs), every command their shell steps run
must exist (and every sovaudit option they pass), and their gate steps are run here, in bash and
sh, with the platform's environment simulated (the pip install steps are left out: sovaudit is
installed in this venv already).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from sovaudit.cli import cli
from tests.conftest import REPO
from tests.gate.helpers import package, write_inventory

SOVAUDIT_BIN = Path(sys.executable).parent
#: Shell keywords: the command is the word after them.
SHELL_WORDS = {"if", "then", "fi", "else", "elif", "!", "{", "}"}


def load(name: str) -> Any:
    return yaml.safe_load((REPO / name).read_text(encoding="utf-8"))


def gate_options() -> set[str]:
    command = cli.commands["gate"]
    return {opt for p in command.params if isinstance(p, click.Option) for opt in p.opts}


def commands_of(script: str) -> list[list[str]]:
    """Each simple command of a shell script, as words (enough for the scripts we ship)."""
    out = []
    for line in script.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        for part in re.split(r"\s*(?:;|&&|\|\||\|(?!\|))\s*", line):
            words = shlex.split(part.replace("${options[@]}", "").replace("${paths[@]}", ""), posix=True)
            while words and (words[0] in SHELL_WORDS or re.match(r"^\w+\+?=", words[0])):
                if re.match(r"^\w+\+?=\(", words[0]):  # an array assignment: no command at all
                    words = []
                words = words[1:]
            if words:
                out.append(words)
    return out


def check_commands(script: str, env: dict[str, str]) -> tuple[list[str], set[str]]:
    """Every command the script runs exists, and every option it passes to sovaudit gate is one of gate's:
    the programs and the options."""
    seen = []
    path = {"PATH": f"{SOVAUDIT_BIN}{os.pathsep}{os.environ['PATH']}"}
    for words in commands_of(script):
        program = os.path.expandvars(words[0]) if "$" in words[0] else words[0]
        for var, value in env.items():
            program = program.replace(f"${var}", value)
        if program.endswith("/sovaudit-venv/bin/python"):
            program = sys.executable  # the venv the step before creates
        kind = subprocess.run(
            ["bash", "-c", f"type -t {shlex.quote(program)}"], capture_output=True, text=True, env=os.environ | path
        )
        assert kind.stdout.strip() in ("builtin", "keyword", "file") or Path(program).is_file(), f"{program}: not found"
        if program == "sovaudit":
            assert words[1] == "gate", words
        seen.append(program)
    wanted = {w for line in script.splitlines() if "sovaudit gate" in line or "options+=(" in line or '"$@" --' in line
              for w in re.findall(r"(?<![\w-])--[a-z][a-z-]+", line)}  # fmt: skip
    assert wanted <= gate_options(), wanted - gate_options()
    return seen, wanted


@pytest.fixture
def cuda_change(tmp_path: Path) -> tuple[Path, Path]:
    """A workspace whose stack gained a CUDA-only dependency since its baseline inventory."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    baseline = write_inventory(workspace / "baseline.inventory.json", package("numpy", "2.0.0"))
    write_inventory(workspace / "stack.inventory.json", package("numpy", "2.0.0"),
                    package("nvidia-cuda-runtime-cu12", "12.4.127"))  # fmt: skip
    return workspace, baseline


def test_action_yml_is_a_composite_action_with_what_it_promises() -> None:
    action = load("action.yml")
    assert {"name", "description", "inputs", "outputs", "runs"} <= set(action)
    assert action["inputs"]["baseline"]["required"] is True
    assert {"path", "baseline", "fail-on", "profile", "waivers", "upload-sarif"} <= set(action["inputs"])
    steps = action["runs"]["steps"]
    assert action["runs"]["using"] == "composite"
    assert all(s.get("shell") == "bash" for s in steps if "run" in s)  # composite run steps need a shell
    upload = next(s for s in steps if "uses" in s)
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == "${{ steps.gate.outputs.sarif-file }}"
    scripts = "\n".join(s["run"] for s in steps if "run" in s)
    assert '>> "$GITHUB_STEP_SUMMARY"' in scripts and "pip install" in scripts and '"$GITHUB_ACTION_PATH"' in scripts
    assert "${{" not in scripts  # workflow values reach the shell through env only: no injection
    env = {"PYTHON": action["inputs"]["python"]["default"], "RUNNER_TEMP": "/tmp"}
    checked = [check_commands(s["run"], env) for s in steps if "run" in s]
    assert {"sovaudit", sys.executable, "python3", "mkdir", "cat", "echo", "exit", "read"} <= {
        p for programs, _ in checked for p in programs
    }
    assert {o for _, options in checked for o in options} == {
        "--baseline", "--fail-on", "--profile", "--waivers", "--max-score-drop", "--format", "--output", "--sarif",
        "--markdown", "--json",
    } - {"--format", "--output"}  # fmt: skip


def expand(value: str, inputs: dict[str, str], outputs: dict[str, str]) -> str:
    value = re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: inputs[m.group(1)], value)
    return re.sub(r"\$\{\{\s*steps\.gate\.outputs\.([\w-]+)\s*\}\}", lambda m: outputs.get(m.group(1), ""), value)


def run_action(workspace: Path, runner: Path, with_: dict[str, str]) -> tuple[list[int], dict[str, str], str]:
    """The action's steps after the install, as the runner would run them: exit codes, outputs, summary."""
    action = load("action.yml")
    inputs = {k: str(v.get("default", "")) for k, v in action["inputs"].items()} | with_
    files = {name: runner / name for name in ("output", "summary", "path")}
    for f in files.values():
        f.write_text("")
    outputs: dict[str, str] = {}
    codes = []
    for step in action["runs"]["steps"][1:]:
        if "run" not in step:
            continue
        env = dict(os.environ) | {k: expand(str(v), inputs, outputs) for k, v in step.get("env", {}).items()}
        env |= {"RUNNER_TEMP": str(runner), "GITHUB_OUTPUT": str(files["output"]),
                "GITHUB_STEP_SUMMARY": str(files["summary"]), "GITHUB_PATH": str(files["path"]),
                "PATH": f"{SOVAUDIT_BIN}{os.pathsep}{os.environ['PATH']}"}  # fmt: skip
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=workspace,
                              env=env, capture_output=True, text=True)  # fmt: skip
        codes.append(done.returncode)
        outputs = dict(x.split("=", 1) for x in files["output"].read_text().splitlines())
    return codes, outputs, files["summary"].read_text()


def test_the_action_runs_the_gate_posts_the_summary_and_fails_with_the_gate(
    cuda_change: tuple[Path, Path], tmp_path: Path
) -> None:
    workspace, baseline = cuda_change
    runner = tmp_path / "runner"
    runner.mkdir()
    codes, outputs, summary = run_action(workspace, runner, {"path": "stack.inventory.json", "baseline": baseline.name})
    assert codes == [0, 0, 1]  # the gate step, the summary, the verdict
    assert (
        outputs["exit-code"] == "1" and Path(outputs["sarif-file"]).is_file() and Path(outputs["audit-file"]).is_file()
    )
    assert summary.startswith("## sovaudit gate: ❌ failed")
    assert "| new-finding | `CORE-SW-001:nvidia-cuda` |" in summary
    assert len(summary) > len((runner / "sovaudit" / "gate.md").read_text())  # the audit report follows the verdict
    codes, outputs, summary = run_action(
        workspace,
        runner,
        {"path": "stack.inventory.json", "baseline": baseline.name, "fail-on": "critical", "max-score-drop": "100"},
    )
    assert codes == [0, 0, 0] and outputs["exit-code"] == "0"
    codes, outputs, _ = run_action(workspace, runner, {"path": "stack.inventory.json", "baseline": "missing.json"})
    assert codes == [0, 0, 2] and outputs["exit-code"] == "2"


def test_pre_commit_hook(cuda_change: tuple[Path, Path]) -> None:
    (hook,) = load(".pre-commit-hooks.yaml")
    assert {"id", "name", "entry", "language"} <= set(hook) and hook["language"] == "python"
    assert hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    assert all(files.search(f) for f in ("requirements.txt", "env/uv.lock", "spack/spack.lock", "Dockerfile",
                                         ".sovaudit.toml", "policy/waivers.yaml", "stack.inventory.json"))  # fmt: skip
    assert not any(files.search(f) for f in ("README.md", "src/app.py", "docs/requirements.md"))
    argv = shlex.split(hook["entry"]) + hook["args"]
    assert argv[:2] == ["sovaudit", "gate"] and {a for a in argv if a.startswith("--")} <= gate_options()
    workspace, baseline = cuda_change
    (workspace / ".sovaudit.toml").write_text(f'baseline = "{baseline.name}"\n')
    env = dict(os.environ, PATH=f"{SOVAUDIT_BIN}{os.pathsep}{os.environ['PATH']}")
    done = subprocess.run(argv, cwd=workspace, env=env, capture_output=True, text=True)
    assert done.returncode == 1 and "new-finding  CORE-SW-001:nvidia-cuda" in done.stdout
    (workspace / "stack.inventory.json").unlink()
    done = subprocess.run(argv, cwd=workspace, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not Path(os.environ["SOVAUDIT_HISTORY"]).exists()  # the hook does not record


def test_gitlab_template(cuda_change: tuple[Path, Path]) -> None:
    template = load("integrations/gitlab-ci.yml")
    job = template[".sovaudit-gate"]
    assert template["sovaudit-gate"]["extends"] == ".sovaudit-gate"
    assert job["artifacts"]["when"] == "always" and job["artifacts"]["reports"]["junit"] == "sovaudit-out/junit.xml"
    assert job["artifacts"]["paths"] == ["sovaudit-out/"]
    script = "\n".join(job["script"])
    programs, options = check_commands(script, {"SOVAUDIT_OUT": "sovaudit-out"})
    assert "sovaudit" in programs and {"--baseline", "--sarif", "--junit", "--json", "--markdown"} <= options
    # The job's script after the install lines, in a POSIX sh, as a runner would run it.
    workspace, baseline = cuda_change
    lines = [x for x in job["script"] if "sovaudit-venv" not in x]
    env = dict(os.environ) | {k: str(v) for k, v in template["variables"].items()} | job["variables"] | {
        "SOVAUDIT_PATHS": "stack.inventory.json", "SOVAUDIT_BASELINE": baseline.name,
        "PATH": f"{SOVAUDIT_BIN}{os.pathsep}{os.environ['PATH']}",
    }  # fmt: skip
    sh = shutil.which("dash") or shutil.which("sh")
    assert sh is not None
    done = subprocess.run([sh, "-e", "-c", "\n".join(lines)], cwd=workspace, env=env, capture_output=True, text=True)
    assert done.returncode == 1 and "new-finding  CORE-SW-001:nvidia-cuda" in done.stdout
    out = workspace / "sovaudit-out"
    assert sorted(p.name for p in out.iterdir()) == [
        "audit.json",
        "gate.txt",
        "junit.xml",
        "report.md",
        "sovaudit.sarif",
    ]
    assert (out / "junit.xml").read_text().lstrip().startswith("<?xml")
