"""SARIF: valid against the OASIS schema, one result per finding at the file and line it came from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema
import pytest

from sovaudit.audit import Audit
from sovaudit.model import Severity
from sovaudit.reports import sarif
from tests.conftest import REPO
from tests.reports.conftest import EU, US, WAIVED

SCHEMA = json.loads((REPO / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text())


def doc(a: Audit) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(sarif.render(a, "1.2.3"))
    return data


@pytest.mark.parametrize("stack", [US, EU])
def test_valid_against_the_official_schema(audits: dict[str, Audit], stack: str) -> None:
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(doc(audits[stack]))


def test_schema_catches_a_broken_log(us: Audit) -> None:
    broken = doc(us)
    broken["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SCHEMA).validate(broken)


@pytest.mark.parametrize("stack", [US, EU])
def test_one_result_per_finding_and_one_rule_per_pack_rule(audits: dict[str, Audit], stack: str) -> None:
    a = audits[stack]
    run = doc(a)["runs"][0]
    results = run["results"]
    live = [f for f in a.findings if not f.waiver]
    waived = [f for f in a.findings if f.waiver]
    assert len(results) == len(live) + len(waived) > 0
    assert sum(1 for r in results if "suppressions" in r) == len(waived)
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted({r.id for p in a.packs for r in p.rules})
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    assert {r["properties"]["findingId"] for r in results} == {f.id for f in a.findings}


def test_rule_descriptors_carry_what_github_shows(us: Audit) -> None:
    rules = {r["id"]: r for r in doc(us)["runs"][0]["tool"]["driver"]["rules"]}
    rule = rules["CORE-SW-001"]
    assert rule["shortDescription"]["text"] == "Proprietary accelerator runtime"
    assert "<kb.alternatives>" in rule["help"]["text"] and rule["help"]["text"].startswith("What to do: ")
    assert rule["defaultConfiguration"]["level"] == "error"
    assert rule["properties"]["security-severity"] == "8.0"
    assert float(rule["properties"]["security-severity"]) >= 7.0
    assert {"security", "sovereignty", "substitutability", "core"} <= set(rule["properties"]["tags"])
    assert rule["name"] == "ProprietaryAcceleratorRuntime"
    for r in rules.values():
        assert 0.0 <= float(r["properties"]["security-severity"]) <= 10.0


def test_levels_follow_severity(us: Audit) -> None:
    by_id = {f.id: f for f in us.findings}
    expected = {
        Severity.CRITICAL: "error",
        Severity.HIGH: "error",
        Severity.MEDIUM: "warning",
        Severity.LOW: "note",
        Severity.INFO: "note",
    }
    seen = set()
    for r in doc(us)["runs"][0]["results"]:
        sev = by_id[r["properties"]["findingId"]].severity
        assert r["level"] == expected[sev]
        seen.add(r["level"])
    assert seen == {"error", "warning", "note"}


@pytest.mark.parametrize("stack", [US, EU])
def test_locations_are_files_of_the_stack_at_the_right_line(audits: dict[str, Audit], stack: str) -> None:
    a = audits[stack]
    by_id = {f.id: f for f in a.findings}
    checked_lines = 0
    for r in doc(a)["runs"][0]["results"]:
        f = by_id[r["properties"]["findingId"]]
        if not f.evidence:
            assert "locations" not in r
            continue
        phys = r["locations"][0]["physicalLocation"]
        assert phys["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        path = REPO / unquote(phys["artifactLocation"]["uri"])
        assert path.exists(), path
        assert path.relative_to(REPO).parts[:2] == tuple(stack.split("/"))
        ev = f.evidence[0]
        if ev.line:
            assert phys["region"]["startLine"] == ev.line
            assert len(path.read_text(encoding="utf-8", errors="replace").splitlines()) >= ev.line
            checked_lines += 1
        else:
            assert phys["region"]["startLine"] == 1
            assert "shown at line 1" in r["locations"][0]["message"]["text"]
        assert len(r.get("relatedLocations", [])) == min(len(f.evidence) - 1, sarif.RELATED_LISTED)
    assert checked_lines > 0


def test_a_located_line_shows_what_the_finding_names(us: Audit) -> None:
    """The CUDA runtime finding points at line 2 of a METADATA file, which names the package."""
    result = next(r for r in doc(us)["runs"][0]["results"] if r["properties"]["findingId"] == "CORE-SW-001:nvidia-cuda")
    phys = result["locations"][0]["physicalLocation"]
    line = (REPO / unquote(phys["artifactLocation"]["uri"])).read_text().splitlines()[phys["region"]["startLine"] - 1]
    assert line.startswith("Name: nvidia-")


def test_waived_finding_is_suppressed_with_its_justification(us: Audit) -> None:
    result = next(r for r in doc(us)["runs"][0]["results"] if r["properties"]["findingId"] == WAIVED)
    (suppression,) = result["suppressions"]
    assert suppression["kind"] == "external" and suppression["status"] == "accepted"
    assert "accepted until the ROCm port lands" in suppression["justification"]


def test_fingerprints_are_stable_and_unique(us: Audit, eu: Audit) -> None:
    first = {r["properties"]["findingId"]: r["partialFingerprints"] for r in doc(us)["runs"][0]["results"]}
    again = {r["properties"]["findingId"]: r["partialFingerprints"] for r in doc(us)["runs"][0]["results"]}
    assert first == again
    prints = [fp[sarif.FINGERPRINT] for fp in first.values()]
    assert len(set(prints)) == len(prints)
    assert first["CORE-SW-001:nvidia-cuda"][sarif.FINGERPRINT] == sarif.fingerprint("CORE-SW-001:nvidia-cuda")
    # the same finding in another stack has the same fingerprint: it depends on the id, not the run
    eu_ids = {f.id for f in eu.findings}
    for fid in eu_ids & set(first):
        assert first[fid][sarif.FINGERPRINT] == sarif.fingerprint(fid)


def test_artifact_paths() -> None:
    assert sarif.artifact("stack/a b#c.txt") == ({"uri": "stack/a%20b%23c.txt", "uriBaseId": "%SRCROOT%"}, "")
    assert sarif.artifact("/abs/x.json") == ({"uri": "file:///abs/x.json"}, "")
    image = "stack/image@sha256:" + "ab" * 32 + ":/var/lib/dpkg/status"
    assert sarif.artifact(image) == (
        {"uri": "stack/image", "uriBaseId": "%SRCROOT%"},
        "in the image, /var/lib/dpkg/status",
    )


def test_template_text() -> None:
    assert sarif.template_text("Use {kb.alternatives}\n now.") == "Use <kb.alternatives> now."


def test_cli_end_to_end(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = tmp_path / "out.sarif"
    proc = subprocess.run(
        [sys.executable, "-m", "sovaudit", "-q", "audit", US, "-f", "sarif", "-o", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env={**__import__("os").environ, "SOURCE_DATE_EPOCH": "1795737600"},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    log = json.loads(out.read_text())
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "sovaudit"
    assert run["properties"]["date"] == "2026-11-27"
    assert len(run["results"]) >= 30
    assert {r["ruleId"] for r in run["results"]} >= {"CORE-SW-001", "CORE-ALL-001", "CSF-OPS-001"}
