"""The hostile corpus (tests/samples/hostile, tests/fixtures/make_hostile.py), scanned from a sandbox.

Each case is scanned by ``sovaudit -v scan`` in a child process, from a sandbox folder::

    <sandbox>/sentinel.txt      a secret next to the scanned tree
    <sandbox>/sentinel.fifo     a named pipe: opening it the usual way would block
    <sandbox>/outside/...       files links and entities point at
    <sandbox>/root/<case>/      the tree scanned

The child records every file it opens, every folder it lists and every connection it tries (an
audit hook, ``sys.addaudithook``, installed before sovaudit is imported) and its peak memory. The
test then checks: the clear error the case expects, on one line of stderr, with no traceback and
never exit code 3; nothing opened or listed in the sandbox outside the case, and nothing through a
link to outside it (every opened path is resolved); nothing written in the sandbox (opens for
writing, and a before/after snapshot of it); no connection; peak memory under 500 MB.

As root, the child runs without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (``setpriv``), so file
permissions hold for it as for anyone else, and the unreadable file is unreadable.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.fixtures.make_hostile import BY_NAME, CASES, HOSTILE, Case, build, differences

MEMORY_BOUND = 500 * 1024 * 1024
SENTINEL_TEXT = "SENTINEL: sovaudit must never read this\n"

#: The child: an audit hook recording opens, listings and connections, then sovaudit's main().
RUNNER = r"""
import json, os, sys
report, *argv = sys.argv[1:]
events = []
def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        mode = args[1] if isinstance(args[1], str) else ""
        flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
        events.append(["open", os.path.abspath(os.fsdecode(args[0])), mode, flags])
    elif event in ("os.listdir", "os.scandir") and args and isinstance(args[0], (str, bytes, os.PathLike)):
        events.append([event, os.path.abspath(os.fsdecode(args[0])), "", 0])
    elif event in ("socket.connect", "socket.getaddrinfo"):
        events.append([event, repr(args[1:2]), "", 0])
sys.addaudithook(hook)
import resource
from sovaudit.cli import main
code = 0
try:
    main(argv)
except SystemExit as exit:
    code = exit.code if isinstance(exit.code, int) else 1
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
with open(report, "w") as fh:
    json.dump({"code": code, "events": events, "peak": peak}, fh)
"""
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


@dataclass(frozen=True)
class Run:
    """What one scan of one case did."""

    case: Case
    sandbox: Path
    tree: Path
    code: int
    stdout: str
    stderr: str
    events: list[list[object]]
    peak: int
    before: dict[str, tuple[int, int, int]]
    after: dict[str, tuple[int, int, int]]
    skipped: str = ""


def _privileges() -> list[str]:
    """The prefix that runs the child without root's power over file permissions (empty if not root)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return []
    return [setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search"]


def _snapshot(sandbox: Path) -> dict[str, tuple[int, int, int]]:
    """Every path in the sandbox with its type, size and modification time (links not followed)."""
    out = {}
    for path in [sandbox, *sandbox.rglob("*")]:
        st = path.lstat()
        out[str(path.relative_to(sandbox))] = (stat.S_IFMT(st.st_mode), st.st_size, st.st_mtime_ns)
    return out


def _sandbox(case: Case) -> tuple[Path, Path]:
    """A fresh sandbox with its sentinels and the case's tree: (sandbox, tree to scan)."""
    sandbox = Path(tempfile.mkdtemp(prefix="sovaudit-hostile-"))
    sandbox.chmod(0o755)
    (sandbox / "sentinel.txt").write_text(SENTINEL_TEXT)
    os.mkfifo(sandbox / "sentinel.fifo")
    outside = sandbox / "outside"
    outside.mkdir()
    (outside / "requirements.txt").write_text("numpy==1.26.4\n")
    (outside / "spack.yaml").write_text("spack:\n  specs: [zlib]\n")
    (outside / "secret.txt").write_text(SENTINEL_TEXT)
    root = sandbox / "root"
    if case.committed:
        shutil.copytree(HOSTILE / case.name, root / case.name, symlinks=True)
        return sandbox, root / case.name
    return sandbox, build(case.name, root)


def _run(case: Case, workdir: Path) -> Run:
    sandbox, tree = _sandbox(case)
    try:
        before = _snapshot(sandbox)
        report = workdir / f"{case.name}.json"
        argv = [*_privileges(), sys.executable, "-I", "-c", RUNNER, str(report), "-v", *case.options, "scan", str(tree)]
        proc = subprocess.run(argv, cwd=workdir, capture_output=True, text=True, timeout=300, check=False)
        if not report.exists():
            raise AssertionError(f"{case.name}: the child wrote no report\n{proc.stderr[-3000:]}")
        data = json.loads(report.read_text())
        return Run(
            case=case,
            sandbox=sandbox,
            tree=tree,
            code=data["code"],
            stdout=proc.stdout,
            stderr=proc.stderr,
            events=data["events"],
            peak=data["peak"],
            before=before,
            after=_snapshot(sandbox),
        )
    finally:
        _make_removable(sandbox)


def _make_removable(sandbox: Path) -> None:
    for path in sandbox.rglob("*"):
        if not path.is_symlink() and path.is_file():
            path.chmod(0o644)


def _skip_reason(case: Case) -> str:
    if case.needs == "mknod" and os.geteuid() != 0:
        return "device nodes need root to make"
    if case.needs == "unreadable" and os.geteuid() == 0 and not _privileges():
        return "as root without setpriv, no file is unreadable"
    return ""


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    """Every case scanned once, two at a time (one child per core); the tests then look at the results."""
    workdir = tmp_path_factory.mktemp("hostile-reports")
    workdir.chmod(0o777)  # the child may run without root's power over permissions
    todo = [c for c in CASES if not _skip_reason(c)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = dict(zip([c.name for c in todo], pool.map(lambda c: _run(c, workdir), todo), strict=True))
    yield done
    for run in done.values():
        shutil.rmtree(run.sandbox, ignore_errors=True)


def _inside(path: str, folder: Path) -> bool:
    return path == str(folder) or path.startswith(str(folder) + os.sep)


def violations(run: Run) -> list[str]:
    """Everything wrong with one run: the answer, and every read, listing, write or connection outside the case."""
    case = run.case
    out = []
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    problems = [
        line for line in lines if line.startswith(("sovaudit: failed:", "sovaudit: skipped:", "sovaudit: error:"))
    ]
    # the answer: one clear line per problem, never a traceback, never an internal error
    if run.code not in case.exit_codes:
        out.append(f"exit code {run.code}, not one of {case.exit_codes}")
    if "Traceback" in run.stderr or "internal error" in run.stderr:
        out.append("a traceback or an internal error on stderr")
    out += [f"not a one-line message: {line!r}" for line in lines if not line.startswith(("sovaudit: ", "reading "))]
    if case.expect and not any(re.search(case.expect, line) for line in problems):
        out.append(f"no message matches /{case.expect}/")
    if not case.expect:
        out += [
            f"an error where the input should be read: {p}" for p in problems if " failed: " in p or " error: " in p
        ]
    out += [f"a message not naming a file of the case: {p}" for p in problems if str(run.tree) not in p]
    # nothing outside the case opened, listed (also through a link) or written; no connection
    for event, path, mode, flags in run.events:
        assert isinstance(path, str) and isinstance(event, str)
        if event.startswith("socket"):
            out.append(f"tried the network: {event} {path}")
            continue
        real = os.path.realpath(path)
        if any(_inside(p, run.sandbox) and not _inside(p, run.tree) for p in (path, real)):
            out.append(f"{event} {path} (-> {real}): outside the scanned tree")
        if _inside(real, run.sandbox) and (set(str(mode)) & set("wax+") or int(str(flags)) & _WRITE_FLAGS):
            out.append(f"opened {path} for writing")
        if real in ("/etc/passwd", "/etc/shadow", "/etc/os-release"):
            out.append(f"read {real}")
    if run.after != run.before:
        changed = sorted(k for k in run.before.keys() | run.after.keys() if run.before.get(k) != run.after.get(k))
        out.append(f"the sandbox changed: {changed}")
    if run.peak >= MEMORY_BOUND:
        out.append(f"peak memory {run.peak / 2**20:.0f} MiB")
    return out


@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_hostile_case(name: str, runs: dict[str, Run]) -> None:
    if reason := _skip_reason(BY_NAME[name]):
        pytest.skip(reason)
    run = runs[name]
    assert violations(run) == [], f"{name} (exit {run.code}):\n{run.stderr[-2000:]}"


def test_the_checks_see_what_they_look_for(runs: dict[str, Run]) -> None:
    """The same run, with a read of the sentinel, a write, a connection and a traceback added, fails each check."""
    from dataclasses import replace

    run = runs["symlinks-out"]
    sentinel = str(run.sandbox / "sentinel.txt")
    link = str(run.tree / "requirements.txt")  # -> ../../sentinel.txt
    bad = replace(
        run,
        events=[
            *run.events,
            ["open", link, "r", os.O_RDONLY],
            ["os.listdir", str(run.sandbox / "outside"), "", 0],
            ["open", str(run.tree / "new.json"), "", os.O_WRONLY | os.O_CREAT],
            ["socket.connect", "('127.0.0.1', 9)", "", 0],
        ],
        stderr=run.stderr + "Traceback (most recent call last):\n",
        after={**run.after, "root/symlinks-out/new.json": (stat.S_IFREG, 2, 0)},
        peak=MEMORY_BOUND,
    )
    found = "\n".join(violations(bad))
    assert f"open {link} (-> {sentinel}): outside the scanned tree" in found
    assert "os.listdir" in found and "for writing" in found and "tried the network" in found
    assert "a traceback" in found and "the sandbox changed" in found and "peak memory" in found
    assert violations(run) == []


def test_the_sandbox_check_would_see_a_read_outside(tmp_path: Path) -> None:
    """The audit hook is what the checks above rely on: a child that opens the sentinel is caught."""
    report = tmp_path / "r.json"
    sentinel = tmp_path / "sentinel.txt"
    sentinel.write_text(SENTINEL_TEXT)
    runner = RUNNER.replace("from sovaudit.cli import main", f"main = lambda argv: open({str(sentinel)!r}).read()")
    subprocess.run([sys.executable, "-I", "-c", runner, str(report)], cwd=tmp_path, check=True, timeout=60)
    events = json.loads(report.read_text())["events"]
    assert ["open", str(sentinel), "r", os.O_RDONLY | os.O_CLOEXEC] in events


def test_committed_corpus_is_what_the_script_writes() -> None:
    assert HOSTILE.is_dir() and (HOSTILE / "README.md").is_file()
    assert differences(HOSTILE) == [], "run: python tests/fixtures/make_hostile.py (and review the diff)"


def test_every_committed_case_has_a_folder_and_nothing_else_is_there() -> None:
    committed = sorted(c.name for c in CASES if c.committed)
    assert sorted(p.name for p in HOSTILE.iterdir() if p.is_dir()) == committed
    assert len(committed) >= 20


def test_a_file_that_changes_while_it_is_read_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file grows between the size check and the end of the read (a writer at work): not parsed."""
    from sovaudit.errors import InputError
    from sovaudit.fs import TreePath

    target = tmp_path / "requirements.txt"
    target.write_text("numpy==1.26.4\n" * 1000)
    real_read = os.read
    calls: list[int] = []

    def read_and_append(fd: int, n: int) -> bytes:
        data = real_read(fd, n)
        if not calls:
            calls.append(fd)
            with open(target, "a") as fh:  # another process appends while sovaudit reads
                fh.write("torch==2.3.1\n")
        return data

    monkeypatch.setattr(os, "read", read_and_append)
    with pytest.raises(InputError, match="changed while being read") as err:
        TreePath.for_input(target).read_bytes()
    assert err.value.path.endswith("requirements.txt") and calls


def test_a_file_rewritten_to_the_same_size_while_read_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sovaudit.errors import InputError
    from sovaudit.fs import TreePath

    target = tmp_path / "environment.yml"
    target.write_text("name: a\ndependencies:\n  - numpy\n")
    real_read = os.read

    def read_and_rewrite(fd: int, n: int) -> bytes:
        data = real_read(fd, n)
        os.utime(target, ns=(0, 1_000_000_000))  # same size, new modification time: a rewrite
        return data

    monkeypatch.setattr(os, "read", read_and_rewrite)
    with pytest.raises(InputError, match="changed while being read"):
        TreePath.for_input(target).read_bytes()


def test_the_script_runs_standalone(tmp_path: Path) -> None:
    """``python tests/fixtures/make_hostile.py --check`` is how a reviewer checks the corpus."""
    proc = subprocess.run(
        [sys.executable, str(REPO / "tests" / "fixtures" / "make_hostile.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
