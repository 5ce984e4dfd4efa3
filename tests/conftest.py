"""Shared test helpers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "tests" / "samples"
GOLDEN = REPO / "tests" / "golden"


def update_golden() -> bool:
    """SOVAUDIT_UPDATE_GOLDEN=1 rewrites golden files instead of comparing (then review the diff)."""
    return os.environ.get("SOVAUDIT_UPDATE_GOLDEN") == "1"


@pytest.fixture
def repo() -> Path:
    return REPO
