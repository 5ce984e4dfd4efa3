"""Shared test helpers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sovaudit.model import Inventory

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "tests" / "samples"
GOLDEN = REPO / "tests" / "golden"


def update_golden() -> bool:
    """SOVAUDIT_UPDATE_GOLDEN=1 rewrites golden files instead of comparing (then review the diff)."""
    return os.environ.get("SOVAUDIT_UPDATE_GOLDEN") == "1"


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture(autouse=True)
def _history_in_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """`audit` and `gate` record into the audit history: never into the home folder from a test."""
    monkeypatch.setenv("SOVAUDIT_HISTORY", str(tmp_path_factory.mktemp("history") / "history.sqlite"))


def assert_golden(data: bytes, golden: Path) -> None:
    """Compare ``data`` with the golden file (rewrite it with SOVAUDIT_UPDATE_GOLDEN=1, then review the diff)."""
    if update_golden() or not golden.exists():
        if not update_golden():
            raise AssertionError(f"{golden} is missing: run with SOVAUDIT_UPDATE_GOLDEN=1 and review it")
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(data)
        return
    assert data.decode() == golden.read_text(), f"{golden} differs (SOVAUDIT_UPDATE_GOLDEN=1 rewrites it)"


def collect_one(collector_name: str, path: Path | str) -> Inventory:
    """Run one registered collector on one path (as `sovaudit scan` would, without the walk)."""
    from sovaudit.collectors import COLLECTORS
    from sovaudit.fs import TreePath

    tp = TreePath.for_input(path)
    collector = COLLECTORS.get(collector_name)()
    assert collector.detect(tp), f"{collector_name} does not detect {path}"
    return collector.collect(tp)
