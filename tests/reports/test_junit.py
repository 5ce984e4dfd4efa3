"""JUnit XML: valid against Jenkins' xUnit JUnit schema, a failure per live finding, skipped per waiver."""

from __future__ import annotations

import pytest
from lxml import etree

from sovaudit.audit import Audit
from sovaudit.model import Layer
from sovaudit.reports import junit
from tests.conftest import REPO
from tests.reports.conftest import EU, US, WAIVED

XSD = etree.XMLSchema(etree.parse(str(REPO / "tests" / "schemas" / "junit-10.xsd")))


def parse(a: Audit) -> etree._Element:
    return etree.fromstring(junit.render(a, "1.2.3"))


@pytest.mark.parametrize("stack", [US, EU])
def test_valid_against_the_junit_schema(audits: dict[str, Audit], stack: str) -> None:
    root = parse(audits[stack])
    assert XSD.validate(root.getroottree()), XSD.error_log


def test_schema_catches_a_broken_report(us: Audit) -> None:
    root = parse(us)
    del root[0].attrib["failures"]  # required by the schema
    assert not XSD.validate(root.getroottree())


@pytest.mark.parametrize("stack", [US, EU])
def test_failures_are_the_live_findings_and_skips_the_waived(audits: dict[str, Audit], stack: str) -> None:
    a = audits[stack]
    root = parse(a)
    layers = root.findall("testsuite")[:-1]
    assert [s.get("name") for s in root.findall("testsuite")] == [*(x.value for x in Layer), "gates"]
    failures = [f for s in layers for f in s.iter("failure")]
    live = [f for f in a.findings if not f.waiver]
    assert len(failures) == len(live) > 0
    assert sorted(f.get("message") for f in failures) == sorted(" ".join(f.message.split()) for f in live)
    assert sorted(f.get("type") for f in failures) == sorted(str(f.severity) for f in live)
    assert len(root.findall(".//skipped")) == sum(1 for f in a.findings if f.waiver)
    for suite in layers:
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == sum(1 for c in cases if c.find("failure") is not None)
        names = [c.get("name") for c in cases]
        assert names == sorted(names) and len(set(names)) == len(names)
    assert int(root.get("failures")) == sum(int(s.get("failures")) for s in root.findall("testsuite"))


def test_one_test_case_per_rule_and_layer(us: Audit) -> None:
    root = parse(us)
    rules = {r.id: r for p in us.packs for r in p.rules}
    expected = set()
    for r in rules.values():
        for layer in (r.layer,) if r.layer else r.layers or tuple(Layer):
            expected.add((layer.value, f"{r.id}: {r.title}"))
    got = {(s.get("name"), c.get("name")) for s in root.findall("testsuite")[:-1] for c in s.findall("testcase")}
    assert got == expected


def test_failure_text_has_evidence_and_remediation(us: Audit) -> None:
    root = parse(us)
    software = next(s for s in root.findall("testsuite") if s.get("name") == "software")
    case = next(c for c in software.findall("testcase") if c.get("name").startswith("CORE-SW-001:"))
    text = case.find("failure").text
    assert "finding CORE-SW-001:nvidia-cuda: high" in text
    assert "/nvidia_cuda_runtime_cu12-12.1.105.dist-info/METADATA:2 (read by python-environment)" in text
    assert "what to do: Keep a portable code path" in text
    skipped = case.find("skipped")
    assert skipped is not None and WAIVED in skipped.text and skipped.get("message").startswith("waived: =HYPERLINK")


def test_gates_suite(us: Audit, eu: Audit) -> None:
    suite = parse(us).findall("testsuite")[-1]
    assert [c.get("name") for c in suite.findall("testcase")] == [g.name for g in us.gates]
    failed = [g for g in us.gates if not g.passed]
    assert failed and int(suite.get("failures")) == len(failed) == len(suite.findall(".//failure"))
    empty = parse(eu).findall("testsuite")[-1]
    assert empty.get("tests") == "0" and not empty.findall("testcase")


def test_layer_properties(us: Audit) -> None:
    suite = parse(us).findall("testsuite")[2]
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    ls = next(x for x in us.scores.layers if x.layer is Layer.SOFTWARE)
    assert suite.get("name") == "software"
    assert props["score"] == f"{ls.score:g}" and props["level"] == str(ls.level)


def test_characters_xml_cannot_hold_are_replaced() -> None:
    assert junit.xml_safe("a\x00b\x1bc\ud800d\te") == "a\ufffdb\ufffdc\ufffdd\te"
