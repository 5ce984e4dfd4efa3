"""The audit stage end to end: waivers, profiles and gates, the JSON document, explain, exit codes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from sovaudit import audit as audit_mod
from sovaudit import inventory_json, profiles, waivers
from sovaudit.cli import main
from sovaudit.errors import ConfigError
from sovaudit.explain import explain
from sovaudit.model import Component, Edge, Evidence, Inventory, Layer, Relation
from sovaudit.pipeline import audit
from sovaudit.rules import parse_pack
from tests.rules.test_engine import small_kb

TODAY = date(2026, 11, 27)
PACK = parse_pack(
    """schema: sovaudit-rules
version: 1
pack: t
pack_version: "1"
description: test pack
rules:
  - id: T-RT-001
    title: proprietary runtime
    severity: high
    dimension: substitutability
    select: {field: kb.openness, equals: proprietary-free}
    message: "{component.name} from {kb.vendor.name}"
    remediation: "use {kb.alternatives}"
    references: ["EU-CSF:SOV-6"]
    tests:
      - {name: a, components: [], expect: finding}
      - {name: b, components: [], expect: no-finding}
  - id: T-CMP-001
    title: one supplier
    layers: [compute]
    severity: medium
    dimension: concentration
    aggregate: {measure: largest-supplier-share, gte: 1.0}
    message: "{supplier} {measure_pct}"
    remediation: "diversify"
    tests:
      - {name: a, components: [], expect: finding}
      - {name: b, components: [], expect: no-finding}
""",
    "t.yaml",
)


def stack() -> Inventory:
    ev = Evidence(path="stack/requirements.txt", collector="requirements-txt", line=3)
    return Inventory(
        components=(
            Component(
                id="pkg:pypi/app@1",
                layer=Layer.SOFTWARE,
                kind="package",
                name="app",
                version="1",
                purl="pkg:pypi/app@1",
                licenses="MIT",
                evidence=(ev,),
            ),
            Component(
                id="pkg:pypi/acme-rt@2",
                layer=Layer.SOFTWARE,
                kind="package",
                name="acme-rt",
                version="2",
                purl="pkg:pypi/acme-rt@2",
                evidence=(ev,),
            ),
            Component(id="compute/accelerator/g1", layer=Layer.COMPUTE, kind="accelerator", name="g1", supplier="Acme"),
        ),
        edges=(
            Edge(source="pkg:pypi/app@1", target="pkg:pypi/acme-rt@2", relation=Relation.DEPENDS_ON),
            Edge(source="pkg:pypi/acme-rt@2", target="compute/accelerator/g1", relation=Relation.RUNS_ON),
        ),
    )


def run(**kw: object) -> audit_mod.Audit:
    return audit(stack(), kb=small_kb(), packs=[PACK], today=TODAY, **kw)  # type: ignore[arg-type]


def test_findings_scores_and_json_document_can_be_recomputed() -> None:
    result = run()
    assert [f.id for f in result.findings] == ["T-CMP-001:compute", "T-RT-001:acme-rt"]
    doc = json.loads(audit_mod.dump(result, "test"))
    assert doc["format"] == "sovaudit-audit" and doc["formatVersion"] == 1
    for f in doc["findings"]:
        assert f["rule"] and f["layer"] and f["severity"] and f["components"] and f["remediation"]
    rt = next(f for f in doc["findings"] if f["rule"] == "T-RT-001")
    assert rt["evidence"] == [{"path": "stack/requirements.txt", "collector": "requirements-txt", "line": 3}]
    assert rt["message"] == "acme-rt from Acme Corp"
    # Recompute every layer score and the overall score from the document alone.
    for layer in doc["layers"]:
        pts = sum(f["points"] for f in doc["findings"] if f["layer"] == layer["layer"])
        if layer["components"]:
            assert layer["score"] == round(max(0.0, 100 - pts), 1)
        for f in doc["findings"]:
            if f["layer"] == layer["layer"]:
                expected = f["basePoints"] * f["blast"] * f["noAlternative"]
                assert f["points"] == pytest.approx(expected, abs=0.01)
    assessed = [x["score"] for x in doc["layers"] if x["score"] is not None]
    assert doc["summary"]["overallScore"] == round(sum(assessed) / len(assessed), 1)
    # acme-rt: one of two other components depends on it -> blast 1.5
    assert rt["blast"] == 1.5 and rt["points"] == 15.0


def test_profile_gates(tmp_path: Path) -> None:
    strict = profiles.parse(
        "schema: sovaudit-profile\nversion: 1\nprofile: strict\nfail_on: high\nmin_levels: {software: 3}\n"
        "min_overall_score: 95\ngate_rules: [T-CMP-001]\n",
        "strict.yaml",
    )
    result = run(profile=strict)
    gates = {g.name: g for g in result.gates}
    assert not gates["no finding at or above high"].passed
    assert not gates["software level at least 3"].passed
    assert not gates["overall score at least 95"].passed
    assert not gates["no hard-gate finding"].passed
    assert not result.passed
    relaxed = run(fail_on=None)
    assert relaxed.gates == () and relaxed.passed


def test_waivers_apply_until_they_expire(tmp_path: Path) -> None:
    f = tmp_path / "waivers.yaml"
    f.write_text(
        "schema: sovaudit-waivers\nversion: 1\nwaivers:\n"
        "  - finding: T-RT-001:acme-rt\n    justification: porting planned Q3\n    owner: hpc-team\n"
        "    expires: 2027-06-30\n"
        "  - rule: T-CMP-001\n    component: compute\n    justification: tender running\n    owner: procurement\n"
        "    expires: 2026-01-01\n"
    )
    ws = waivers.load(f)
    result = run(waivers=ws, fail_on=None)
    rt = result.finding("T-RT-001:acme-rt")
    assert rt is not None and "porting planned Q3" in rt.waiver
    assert next(c for c in result.scores.costs if c.finding == rt.id).points == 0.0
    cmp_ = result.finding("T-CMP-001:compute")
    assert cmp_ is not None and cmp_.waiver == ""  # expired: no waiver
    assert [w.finding for w in result.expired_waivers] == ["T-CMP-001:compute"]
    assert result.expired_waivers[0].line == 8


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("schema: other\n", "not a waivers file"),
        (
            "schema: sovaudit-waivers\nversion: 1\nwaivers:\n  - finding: X\n    owner: me\n    expires: 2027-01-01\n",
            "line 4: waivers/0: 'justification' is required",
        ),
        (
            "schema: sovaudit-waivers\nversion: 1\nwaivers:\n  - finding: X\n    justification: j\n    owner: me\n"
            "    expires: someday\n",
            "not a date",
        ),
        (
            "schema: sovaudit-waivers\nversion: 1\nwaivers:\n"
            "  - justification: j\n    owner: me\n    expires: 2027-01-01\n",
            "name a 'finding' id",
        ),
    ],
)
def test_bad_waivers_files(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "w.yaml"
    f.write_text(text)
    with pytest.raises(ConfigError, match=message) as err:
        waivers.load(f)
    assert str(f) in str(err.value)


def test_explain_shows_the_chain() -> None:
    result = run()
    text = explain(result, "T-RT-001:acme-rt")
    assert text is not None
    assert "stack/requirements.txt:3" in text
    assert "knowledge: acme-rt" in text and "matched by pypi:^acme-rt(-cu1[0-9])?$" in text
    assert "rule: T-RT-001 in pack t (t.yaml" in text
    assert "points: 15.0 = base 10.0 x blast 1.5 x no-alternative 1.0" in text
    assert "layer software: 100 - 15.0 = score 85.0" in text
    assert "T-RT-001" in (explain(result, "pkg:pypi/acme-rt@2") or "")
    assert explain(result, "nothing") is None


def test_cli_audit_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inv = tmp_path / "stack.inventory.json"
    inv.write_bytes(inventory_json.dump(stack()))

    def cli(*args: str) -> tuple[int, str]:
        with pytest.raises(SystemExit) as exc:
            main(list(args))
        return int(exc.value.code or 0), capsys.readouterr().out

    code, out = cli("-q", "audit", str(inv), "-f", "json")
    assert code == 0 and json.loads(out)["format"] == "sovaudit-audit"
    assert cli("-q", "audit", str(inv), "--fail-on", "info")[0] in (0, 1)
    code, _ = cli("-q", "audit", str(inv), "--min-score", "101")
    assert code == 1
    code, _ = cli("-q", "audit", str(inv), "--fail-on", "urgent")
    assert code == 2
    code, _ = cli("-q", "audit", str(inv), "--profile", "no-such-profile")
    assert code == 2
    code, out = cli("-q", "audit", str(inv))
    assert code == 0 and "overall" in out and "software" in out


def test_audit_json_matches_its_shipped_schema() -> None:
    from importlib import resources

    import jsonschema

    schema = json.loads(resources.files("sovaudit").joinpath("schemas/audit-1.schema.json").read_text())
    strict = profiles.parse(
        "schema: sovaudit-profile\nversion: 1\nprofile: strict\nfail_on: high\nmin_levels: {software: 3}\n",
        "strict.yaml",
    )
    for result in (run(), run(profile=strict)):
        jsonschema.validate(json.loads(audit_mod.dump(result, "test")), schema)
