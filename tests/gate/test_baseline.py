"""Baselines: the audit-document loader, its errors, and the stability of what it compares."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sovaudit import knowledge
from sovaudit.baseline import component_key, from_audit, from_document
from sovaudit.diff import compare
from sovaudit.errors import InputError
from sovaudit.model import Component, Inventory, Layer
from sovaudit.pipeline import audit, scan
from sovaudit.rules import load_packs
from tests.conftest import REPO
from tests.gate.helpers import SITE_PACK, package, run, write_inventory


@pytest.fixture(scope="module")
def eu_open() -> Inventory:
    return scan([str(REPO / "sample_stacks" / "eu-open")]).inventory


def audited(inventory: Inventory) -> Any:
    result = audit(inventory, kb=knowledge.load(), packs=load_packs([], []), today=date(2026, 6, 1))
    return from_audit(result, "test", "stack")


def test_finding_identity_survives_reordering_and_an_unrelated_component(eu_open: Inventory) -> None:
    """Adding a component no rule cares about, and listing components in another order, changes no finding."""
    before = audited(eu_open)
    unrelated = Component(
        id="pkg:pypi/attrs@24.2.0", layer=Layer.SOFTWARE, kind="package", name="attrs", version="24.2.0",
        purl="pkg:pypi/attrs@24.2.0", licenses="MIT",
    )  # fmt: skip
    shuffled = replace(
        eu_open, components=(unrelated, *reversed(eu_open.components)), edges=tuple(reversed(eu_open.edges))
    )
    after = audited(shuffled)
    d = compare(before, after)
    assert (d.new, d.resolved) == ((), ())
    assert [(a.id, b.id) for a, b in d.kept] == [(f.id, f.id) for f in before.findings]
    assert [c.key for c in d.added] == ["pkg:pypi/attrs"] and not d.removed and not d.changed


@pytest.mark.parametrize(
    ("component_id", "key"),
    [
        ("pkg:pypi/torch@2.3.1", "pkg:pypi/torch"),
        ("pkg:spack/openmpi@4.1.6?arch=linux-rhel9-zen4", "pkg:spack/openmpi"),
        ("pkg:docker/nvidia/cuda@12.4.1-base?repository_url=x#sub/path", "pkg:docker/nvidia/cuda#sub/path"),
        ("pkg:generic/thing", "pkg:generic/thing"),
        ("software/module/gcc@13.2.0", "software/module/gcc"),
        ("data/dataset/eu-hpc-lab/legal-fr-corpus", "data/dataset/eu-hpc-lab/legal-fr-corpus"),
        ("software/package/@scope/name", "software/package/@scope/name"),
    ],
)
def test_component_key_drops_only_the_version(component_id: str, key: str) -> None:
    assert component_key(component_id) == key


def minimal_document() -> dict[str, Any]:
    return {
        "format": "sovaudit-audit", "formatVersion": 1, "tool": {"name": "sovaudit", "version": "0"},
        "date": "2026-06-01",
        "summary": {"passed": True, "overallScore": None, "overallLevel": None, "components": 0},
        "profile": None, "gates": [], "layers": [], "findings": [], "components": [], "waiversExpired": [],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"formatVersion": 2}, "/formatVersion: version 2 is not supported (this sovaudit reads 1)"),
        ({"format": "sovaudit-inventory"}, "/format: not a sovaudit-audit document"),
        ({"findings": [{"id": "X", "severity": "high"}]}, "/findings/0/rule: missing"),
        ({"summary": {"passed": "yes"}}, "/summary/passed: expected true or false, got str"),
        ({"layers": [{"layer": "cloud"}]}, "/layers/0/layer: 'cloud' is not a layer"),
    ],
)
def test_bad_audit_documents_are_errors_naming_the_file_and_the_place(change: dict[str, Any], reason: str) -> None:
    doc = minimal_document() | change
    with pytest.raises(InputError) as err:
        from_document(doc, "old.json")
    assert str(err.value) == f"old.json: is not a valid sovaudit-audit document: {reason}"


def test_bad_baselines_on_the_command_line_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = write_inventory(tmp_path / "stack.inventory.json", package("numpy", "2.0.0"))
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(minimal_document() | {"formatVersion": 2}, indent=2))
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "sovaudit-audit", "formatVersion": 1, ')
    for baseline, message in (
        (newer, f"{newer}: is not a valid sovaudit-audit document: /formatVersion: version 2 is not supported"),
        (broken, f"{broken}: is not valid JSON"),
        (tmp_path / "missing.json", f"{tmp_path / 'missing.json'}: no such file or folder"),
    ):
        code, out, err = run(capsys, "-q", "gate", str(stack), "--baseline", str(baseline))
        assert (code, out) == (2, "")
        assert len(err.splitlines()) == 1 and err.startswith(f"sovaudit: error: {message}")
    code, _, err = run(capsys, "-q", "gate", str(stack))
    assert code == 2 and "give --baseline" in err


def test_an_inventory_baseline_is_audited_with_the_current_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "site.yaml").write_text(SITE_PACK)
    pack = ("--pack", str(tmp_path / "site.yaml"))
    in_house = package("leftpad-internal", "1.0", "LicenseRef-Own")
    base = write_inventory(tmp_path / "base.inventory.json", package("numpy", "2.0.0"), in_house)
    now = write_inventory(
        tmp_path / "now.inventory.json", package("numpy", "2.0.0"), in_house, package("six", "1.16.0")
    )
    code, out, _ = run(capsys, "-q", "gate", str(now), "--baseline", str(base), *pack, "-f", "json", "--no-record")
    verdict = json.loads(out)
    assert code == 0 and verdict["reasons"] == []
    assert verdict["diff"]["before"]["source"] == str(base)
    assert [c["key"] for c in verdict["diff"]["components"]["added"]] == ["pkg:pypi/six"]
    assert "SITE-001:pkg:pypi/leftpad-internal@1.0" not in [f["id"] for f in verdict["diff"]["findings"]["new"]]
    # The same inventory audited earlier without the site pack: its finding is new.
    earlier = tmp_path / "earlier.json"
    assert run(capsys, "-q", "audit", str(base), "-f", "json", "-o", str(earlier), "--no-record")[0] == 0
    code, out, _ = run(capsys, "-q", "gate", str(now), "--baseline", str(earlier), *pack, "-f", "json", "--no-record")
    assert code == 1
    assert ("new-finding", "SITE-001:pkg:pypi/leftpad-internal@1.0") in [
        (r["kind"], r["subject"]) for r in json.loads(out)["reasons"]
    ]
