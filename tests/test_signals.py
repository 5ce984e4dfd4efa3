"""Crash safety: a run interrupted by SIGINT or SIGTERM leaves no half-written output.

``sovaudit scan BIG-TREE -o FILE`` is signalled in a child process once it is reading, or once it
is writing the output (``os.fsync`` is slowed down there so the signal lands mid-write). It must
exit 130 (SIGINT) or 143 (SIGTERM) with one line on stderr, leave ``FILE`` absent, or as the
complete file it was before the run, and leave no temporary file beside it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

#: The child: sovaudit's entry point; with "slow-fsync", the output's fsync waits (the write window).
RUNNER = r"""
import os, sys, time
if sys.argv[1] == "slow-fsync":
    real = os.fsync
    def slow(fd):
        print("sovaudit: test: writing", file=sys.stderr, flush=True)
        time.sleep(30)
        real(fd)
    os.fsync = slow
from sovaudit.cli import main
main(sys.argv[2:])
"""


@pytest.fixture
def small_tree(tmp_path: Path) -> Path:
    """One file: what matters when the signal lands mid-write is the write, not the scan."""
    root = tmp_path / "small"
    root.mkdir()
    (root / "requirements.txt").write_text("numpy==1.26.4\n")
    return root


@pytest.fixture(scope="module")
def big_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 requirements files in 100 folders: a scan that takes seconds, not milliseconds."""
    root = tmp_path_factory.mktemp("big-tree")
    for i in range(100):
        folder = root / f"service-{i:03d}"
        folder.mkdir()
        for j in range(20):
            (folder / f"requirements-{j:02d}.txt").write_text(f"numpy=={i}.{j}.0\nrequests>=2.{j}\ntorch=={j}.1\n")
    return root


def _interrupt(argv: list[str], signum: int, mode: str, marker: str) -> tuple[int, str]:
    """Start the child, wait for ``marker`` on its stderr, signal it: (exit code, whole stderr)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", RUNNER, mode, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    seen = []
    deadline = time.monotonic() + 120
    for line in proc.stderr:
        seen.append(line)
        if marker in line:
            break
        assert time.monotonic() < deadline, "the child never got there"
    proc.send_signal(signum)
    rest = proc.stderr.read()
    code = proc.wait(timeout=60)
    return code, "".join(seen) + rest


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_while_reading_writes_nothing(big_tree: Path, tmp_path: Path, signum: int, code: int) -> None:
    out = tmp_path / "stack.inventory.json"
    got, err = _interrupt(["-v", "scan", str(big_tree), "-o", str(out)], signum, "-", "reading ")
    assert got == code, err
    name = signal.Signals(signum).name
    assert err.splitlines()[-1] == f"sovaudit: interrupted by {name}; any -o file is as it was"
    assert "Traceback" not in err
    assert not out.exists() and _leftovers(tmp_path) == []


def test_interrupted_while_writing_keeps_the_previous_file(small_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "stack.inventory.json"
    previous = b'{"format": "sovaudit-inventory", "the previous": "complete file"}\n'
    out.write_bytes(previous)
    got, err = _interrupt(["scan", str(small_tree), "-o", str(out)], signal.SIGTERM, "slow-fsync", "test: writing")
    assert got == 143 and "Traceback" not in err, err
    assert out.read_bytes() == previous
    assert _leftovers(tmp_path) == [], "a temporary file was left beside the output"


def test_a_second_signal_does_not_break_the_clean_up(small_tree: Path, tmp_path: Path) -> None:
    """Ctrl-C twice: the first starts the clean-up, the second is ignored; still one line, no traceback."""
    out = tmp_path / "stack.inventory.json"
    proc = subprocess.Popen(
        [sys.executable, "-c", RUNNER, "slow-fsync", "scan", str(small_tree), "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if "test: writing" in line:
            break
    proc.send_signal(signal.SIGINT)
    proc.send_signal(signal.SIGINT)
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 130
    assert "Traceback" not in err and err.strip().splitlines() == [
        "sovaudit: interrupted by SIGINT; any -o file is as it was"
    ]
    assert not out.exists() and _leftovers(tmp_path) == []
