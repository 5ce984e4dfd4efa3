"""Golden inventories of the Python samples: what each collector reads from each good sample.

Every golden file was reviewed by eye. ``SOVAUDIT_UPDATE_GOLDEN=1 pytest tests/collectors`` rewrites
them; review the diff before committing it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sovaudit import inventory_json
from sovaudit.collectors.interface import COLLECTORS
from sovaudit.fs import TreePath
from sovaudit.model import InputStatus, Inventory
from sovaudit.pipeline import scan
from tests.conftest import GOLDEN, SAMPLES, update_golden

GOOD = SAMPLES / "python" / "good"

#: (golden name, collector, sample path under good/)
CASES = [
    ("dist-info", "python-environment", "dist-info"),
    ("environment_venv-3.11", "python-environment", "environment/venv-3.11"),
    ("poetry-lock_main-and-dev_lock10", "poetry-lock", "poetry-lock/main-and-dev_lock10/poetry.lock"),
    ("poetry-lock_main-and-dev_lock11", "poetry-lock", "poetry-lock/main-and-dev_lock11/poetry.lock"),
    ("poetry-lock_main-and-dev_lock20", "poetry-lock", "poetry-lock/main-and-dev_lock20/poetry.lock"),
    ("poetry-lock_main-and-dev_lock21", "poetry-lock", "poetry-lock/main-and-dev_lock21/poetry.lock"),
    ("poetry-lock_with-extras_lock21", "poetry-lock", "poetry-lock/with-extras_lock21/poetry.lock"),
    ("uv-lock_cyclonedx-via-uv", "uv-lock", "uv-lock/cyclonedx-via-uv/uv.lock"),
    ("uv-lock_syft-simple-deps", "uv-lock", "uv-lock/syft-simple-deps/uv.lock"),
    ("uv-lock_trivy-happy", "uv-lock", "uv-lock/trivy-happy/uv.lock"),
    ("uv-lock_two-versions", "uv-lock", "uv-lock/two-versions/uv.lock"),
    ("pylock_pip-audit", "pylock", "pylock/pip-audit/pylock.basic.toml"),
    ("pylock_trivy-happy", "pylock", "pylock/trivy-happy/pylock.toml"),
    ("requirements_bandit", "requirements-txt", "requirements/bandit/requirements.txt"),
    ("requirements_pip-compile-hashes", "requirements-txt", "requirements/pip-compile-hashes/requirements-test.txt"),
    ("requirements_includes", "requirements-txt", "requirements/includes/requirements.txt"),
]


def collect(collector: str, sample: str) -> Inventory:
    """What ``collector`` reads from ``sample``, with evidence paths relative to good/."""
    return COLLECTORS.get(collector)().collect(TreePath.for_input(sample))


@pytest.mark.parametrize(("name", "collector", "sample"), CASES, ids=[c[0] for c in CASES])
def test_golden_inventory(name: str, collector: str, sample: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    got = inventory_json.dump(collect(collector, sample))
    golden = GOLDEN / "python" / f"{name}.inventory.json"
    if update_golden():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(got)
    assert golden.is_file(), f"no golden file {golden}; run with SOVAUDIT_UPDATE_GOLDEN=1 and review it"
    assert got == golden.read_bytes(), f"{name} differs from its golden file (SOVAUDIT_UPDATE_GOLDEN=1 rewrites it)"


def test_golden_files_are_all_used() -> None:
    used = {f"{c[0]}.inventory.json" for c in CASES}
    assert {p.name for p in (GOLDEN / "python").glob("*.inventory.json")} == used


@pytest.mark.parametrize(("name", "collector", "sample"), CASES, ids=[c[0] for c in CASES])
def test_scan_finds_each_sample_with_its_collector(
    name: str, collector: str, sample: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Discovery: the pipeline offers the sample to every collector and the right one claims it."""
    monkeypatch.chdir(GOOD)
    folder = str(Path(sample).parent) if (GOOD / sample).is_file() else sample
    result = scan([folder])
    readers = {r.collector for r in result.inventory.inputs if r.status is InputStatus.READ}
    assert readers == {collector}
    expected = {c.id for c in collect(collector, sample).components}
    assert expected <= {c.id for c in result.inventory.components}
