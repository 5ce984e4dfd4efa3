"""No traceback reaches the user, for any input of the real, hostile and fuzz-regression sets.

Each folder is scanned through the command line's entry point (``sovaudit.cli.main``, in this
process: one scan per folder keeps it fast). stderr must hold one-line messages only — no
traceback, no internal error — and the exit code must be 0 (every real sample is readable) or 2
(a hostile or broken input, named on one line), never 3. The regression inputs are also written in
every output format, since what a collector lets through (a lone surrogate, say) must not break a
writer either.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sovaudit.cli import main
from tests.conftest import SAMPLES

GOOD = sorted(p for p in SAMPLES.glob("*/good") if p.is_dir())
HOSTILE = sorted(p for p in (SAMPLES / "hostile").iterdir() if p.is_dir())
REGRESSIONS = sorted(p for p in (SAMPLES / "regressions").glob("*/*") if p.is_dir())


def run(argv: list[str], capsys: pytest.CaptureFixture[bytes]) -> tuple[int, bytes, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err.decode("utf-8", errors="replace")


def assert_clean(code: int, err: str, allowed: tuple[int, ...]) -> None:
    assert code in allowed, err
    assert "Traceback" not in err and "internal error" not in err, err
    bad = [line for line in err.splitlines() if line.strip() and not line.startswith("sovaudit: ")]
    assert bad == [], err


@pytest.mark.parametrize("folder", GOOD, ids=lambda p: p.parent.name)
def test_real_samples(folder: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    code, out, err = run(["scan", str(folder)], capsysbinary)
    assert_clean(code, err, (0,))
    assert out.startswith(b"{") and b'"components": [' in out


@pytest.mark.parametrize("folder", HOSTILE, ids=lambda p: p.name)
def test_hostile_samples(folder: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    code, _, err = run(["scan", str(folder)], capsysbinary)
    assert_clean(code, err, (0, 2))


@pytest.mark.parametrize("folder", REGRESSIONS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_regression_samples_in_every_format(folder: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    from sovaudit.emitters import EMITTERS

    for fmt in EMITTERS.names():
        code, out, err = run(["scan", "-f", fmt, str(folder)], capsysbinary)
        assert_clean(code, err, (0, 2))
        text = out.decode("utf-8")  # raises if a writer let an unwritable character through
        assert bool(text) == (code == 0)  # a document when read, nothing when refused


def test_the_sets_are_there() -> None:
    assert len(GOOD) >= 10 and len(HOSTILE) >= 20 and len(REGRESSIONS) >= 10
