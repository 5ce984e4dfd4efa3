"""`sovaudit diff`: components added/removed/changed, findings new/resolved, score deltas — in three formats,
checked against counts computed here independently from the two audit documents."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from packageurl import PackageURL

from sovaudit.baseline import FindingRecord
from sovaudit.diff import match_findings
from sovaudit.model import Layer, Severity
from tests.conftest import REPO
from tests.gate.helpers import SITE_PACK, load_json, package, run, write_inventory


def versionless(component_id: str) -> str:
    """The identity without version, computed with the reference purl library (not sovaudit's own)."""
    if component_id.startswith("pkg:"):
        p = PackageURL.from_string(component_id)
        return str(PackageURL(type=p.type, namespace=p.namespace, name=p.name, subpath=p.subpath).to_string())
    head, _, version = component_id.rpartition("@")
    return head if head and "/" not in version else component_id


def expected_counts(before: dict[str, Any], after: dict[str, Any]) -> dict[str, int]:
    groups: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for side, doc in enumerate((before, after)):
        for c in doc["components"]:
            groups[versionless(c["id"])][side].add(c["id"])
    old_ids = {f["id"] for f in before["findings"]}
    new_ids = {f["id"] for f in after["findings"]}

    def carried(f: dict[str, Any], others: list[dict[str, Any]], other_ids: set[str]) -> bool:
        """Same rule on the same component at another version (for components without a KB entry)."""
        if f["kbEntries"] or f["aggregate"] or len(f["components"]) != 1:
            return False
        key = (f["rule"], versionless(f["components"][0]))
        return any(
            o["id"] not in other_ids | {f["id"]} and len(o["components"]) == 1 and not o["kbEntries"]
            and (o["rule"], versionless(o["components"][0])) == key
            for o in others
        )  # fmt: skip

    new = [f for f in after["findings"] if f["id"] not in old_ids and not carried(f, before["findings"], new_ids)]
    resolved = [f for f in before["findings"] if f["id"] not in new_ids and not carried(f, after["findings"], old_ids)]
    return {
        "componentsAdded": sum(1 for old, new_ in groups.values() if new_ and not old),
        "componentsRemoved": sum(1 for old, new_ in groups.values() if old and not new_),
        "componentsChanged": sum(1 for old, new_ in groups.values() if old and new_ and old != new_),
        "findingsNew": len(new),
        "findingsResolved": len(resolved),
        "findingsUnchanged": len(after["findings"]) - len(new),
    }


def check_all_formats(capsys: pytest.CaptureFixture[str], before: Path, after: Path, *options: str) -> dict[str, Any]:
    """Run the diff as JSON, table and Markdown; each must show the independently computed counts."""
    expected = expected_counts(load_json(before), load_json(after))
    code, out, _ = run(capsys, "-q", "diff", str(before), str(after), *options, "-f", "json")
    doc: dict[str, Any] = json.loads(out)
    assert code == 0 and doc["counts"] == expected
    assert [len(doc["components"][k]) for k in ("added", "removed", "changed")] == [
        expected["componentsAdded"], expected["componentsRemoved"], expected["componentsChanged"],
    ]  # fmt: skip
    assert [len(doc["findings"][k]) for k in ("new", "resolved")] == [
        expected["findingsNew"], expected["findingsResolved"],
    ]  # fmt: skip
    line = (
        f"components: {expected['componentsAdded']} added, {expected['componentsRemoved']} removed, "
        f"{expected['componentsChanged']} changed; findings: {expected['findingsNew']} new, "
        f"{expected['findingsResolved']} resolved, {expected['findingsUnchanged']} unchanged"
    )
    code, table, _ = run(capsys, "-q", "diff", str(before), str(after), *options)
    assert code == 0 and table.splitlines()[2] == line
    for title, mark, key in (("added", "+", "componentsAdded"), ("removed", "-", "componentsRemoved"),
                             ("changed", "~", "componentsChanged")):  # fmt: skip
        shown = re.search(rf"^components {title} \((\d+)\):\n((?:  {re.escape(mark)} .*\n)*)", table, re.M)
        counts = (int(shown.group(1)), shown.group(2).count("\n")) if shown else (0, 0)
        assert counts == (expected[key], expected[key])
    code, markdown, _ = run(capsys, "-q", "diff", str(before), str(after), *options, "-f", "markdown")
    assert code == 0 and line.capitalize() in markdown
    rows = [r for r in markdown.splitlines() if r.startswith("| ")]
    for what, key in (("added", "componentsAdded"), ("removed", "componentsRemoved"), ("changed", "componentsChanged"),
                      ("new", "findingsNew"), ("resolved", "findingsResolved")):  # fmt: skip
        assert sum(1 for r in rows if r.startswith(f"| {what} | ")) == expected[key]
    return doc


def test_diff_of_two_small_stacks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "site.yaml").write_text(SITE_PACK)
    a = write_inventory(
        tmp_path / "a.inventory.json",
        package("numpy", "2.0.0"), package("requests", "2.31.0", "Apache-2.0"), package("torch", "2.3.0"),
        package("nvidia-cuda-runtime-cu12", "12.4.127", ""), package("leftpad-internal", "1.0", "LicenseRef-Own"),
    )  # fmt: skip
    b = write_inventory(
        tmp_path / "b.inventory.json",
        package("numpy", "2.0.0"), package("requests", "2.32.0", "Apache-2.0"), package("torch", "2.3.0"),
        package("scipy", "1.13.0"), package("pandas", "2.2.2"), package("leftpad-internal", "1.1", "LicenseRef-Own"),
    )  # fmt: skip
    pack = ("--pack", str(tmp_path / "site.yaml"))
    for inv, out in ((a, "a.json"), (b, "b.json")):
        code, _, _ = run(capsys, "-q", "audit", str(inv), *pack, "-f", "json", "-o", str(tmp_path / out), "--no-record")
        assert code == 0
    doc = check_all_formats(capsys, tmp_path / "a.json", tmp_path / "b.json")
    # What the two stacks were made to differ in:
    assert [(c["key"], c["before"], c["after"]) for c in doc["components"]["changed"]] == [
        ("pkg:pypi/leftpad-internal", ["1.0"], ["1.1"]), ("pkg:pypi/requests", ["2.31.0"], ["2.32.0"]),
    ]  # fmt: skip
    assert [c["key"] for c in doc["components"]["added"]] == ["pkg:pypi/pandas", "pkg:pypi/scipy"]
    assert [c["key"] for c in doc["components"]["removed"]] == ["pkg:pypi/nvidia-cuda-runtime-cu12"]
    resolved = [f["id"] for f in doc["findings"]["resolved"]]
    assert {"CORE-SW-001:nvidia-cuda", "CORE-ALL-001:nvidia-cuda"} <= set(resolved)
    # The in-house package moved from 1.0 to 1.1: the same finding, not one resolved and one new.
    assert not any(f.startswith("SITE-001") for f in resolved + [f["id"] for f in doc["findings"]["new"]])
    assert doc["counts"]["findingsUnchanged"] == 1
    software = next(s for s in doc["scores"] if s["name"] == "software")
    a_doc, b_doc = load_json(tmp_path / "a.json"), load_json(tmp_path / "b.json")
    before = next(x["score"] for x in a_doc["layers"] if x["layer"] == "software")
    after = next(x["score"] for x in b_doc["layers"] if x["layer"] == "software")
    assert (software["before"], software["after"], software["delta"]) == (before, after, round(after - before, 2))
    # An inventory on one side is audited with the options given to diff: the same result.
    code, out, _ = run(capsys, "-q", "diff", str(tmp_path / "a.json"), str(b), *pack, "-f", "json")
    assert code == 0 and json.loads(out)["counts"] == doc["counts"]


def test_diff_of_two_sample_stacks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("us-cloud-cuda", "eu-open"):
        stack = str(REPO / "sample_stacks" / name)
        code, _, _ = run(
            capsys, "-q", "audit", stack, "-f", "json", "-o", str(tmp_path / f"{name}.json"), "--no-record"
        )
        assert code == 0
    doc = check_all_formats(capsys, tmp_path / "us-cloud-cuda.json", tmp_path / "eu-open.json")
    assert doc["counts"]["componentsAdded"] > 50 and doc["counts"]["componentsRemoved"] > 50
    layers = {x["layer"]: x["score"] for x in load_json(tmp_path / "eu-open.json")["layers"]}
    assert {s["name"]: s["after"] for s in doc["scores"][1:]} == layers


def record(finding_id: str, component: str, kb: tuple[str, ...] = ()) -> FindingRecord:
    rule = finding_id.split(":")[0]
    return FindingRecord(
        id=finding_id, rule=rule, layer=Layer.SOFTWARE, severity=Severity.HIGH, title="t", message="m",
        components=(component,), kb_entries=kb, aggregate=False, waived=False, points=10.0, evidence=(),
    )  # fmt: skip


def test_findings_are_matched_by_id_then_by_rule_and_versionless_component() -> None:
    before = (
        record("R-1:pkg:pypi/foo@1.0", "pkg:pypi/foo@1.0"),
        record("R-1:nvidia-cuda", "pkg:pypi/nvidia-cuda-runtime-cu12@12.1.105", ("nvidia-cuda",)),
        record("R-2:pkg:pypi/gone@1.0", "pkg:pypi/gone@1.0"),
    )
    after = (
        record("R-1:pkg:pypi/foo@1.1", "pkg:pypi/foo@1.1"),
        record("R-1:nvidia-cuda", "pkg:pypi/nvidia-cuda-runtime-cu12@12.4.127", ("nvidia-cuda",)),
        record("R-2:pkg:pypi/other@1.0", "pkg:pypi/other@1.0"),
    )
    kept, resolved, new = match_findings(before, after)
    assert [(a.id, b.id) for a, b in kept] == [
        ("R-1:nvidia-cuda", "R-1:nvidia-cuda"), ("R-1:pkg:pypi/foo@1.0", "R-1:pkg:pypi/foo@1.1"),
    ]  # fmt: skip
    assert [f.id for f in resolved] == ["R-2:pkg:pypi/gone@1.0"]
    assert [f.id for f in new] == ["R-2:pkg:pypi/other@1.0"]
