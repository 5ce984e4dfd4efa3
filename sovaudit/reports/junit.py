"""JUnit XML, for CI systems that show test results (Jenkins, GitLab, Azure DevOps ...).

* One ``testsuite`` per layer, with the layer's score, level and points lost as properties.
* In it, one ``testcase`` per (rule, layer) the packs can judge: a rule bound to a layer or to
  a list of layers counts in those, a rule that takes the layer of its component in all five.
  A rule with no finding there passes. Each live finding is a ``failure`` (message: the finding's
  message; type: its severity; text: id, points, components, evidence, what to do); each waived
  one is a ``skipped`` element with the waiver. The suite's ``failures`` counts failed test
  cases (JUnit's meaning), so a test case with three findings is one failure with three
  ``failure`` elements.
* A last ``testsuite`` named ``gates``: one test case per gate, failed when the gate fails.

No times or timestamps: the same audit gives the same bytes. Checked against the JUnit schema
of Jenkins' xUnit plugin (``junit-10.xsd``) in the tests.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import TYPE_CHECKING

from sovaudit.model import Finding, Layer

if TYPE_CHECKING:
    from sovaudit.audit import Audit

#: Components and evidence places written into one failure's text.
LISTED = 20

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(value: str) -> str:
    """``value`` with the characters XML 1.0 cannot hold (control characters, lone surrogates) as U+FFFD."""
    return _NOT_XML.sub("\ufffd", value)


def render(audit: Audit, tool_version: str) -> bytes:
    costs = {c.finding: c.points for c in audit.scores.costs}
    titles, by_case = _cases(audit)
    root = ET.Element("testsuites", {"name": f"sovaudit {xml_safe(tool_version)}"})
    total = failed = 0
    scores = {ls.layer: ls for ls in audit.scores.layers}
    for layer in Layer:
        suite = ET.SubElement(root, "testsuite", {"name": layer.value})
        ls = scores[layer]
        props = ET.SubElement(suite, "properties")
        for name, value in (
            ("score", "not assessed" if ls.score is None else f"{ls.score:g}"),
            ("level", "-" if ls.level is None else str(ls.level)),
            ("points-lost", f"{ls.points_lost:g}"),
            ("components", str(ls.components)),
        ):
            ET.SubElement(props, "property", {"name": name, "value": value})
        n_failed = n_skipped = 0
        layer_cases = sorted((rule, title) for (rule, lay), title in titles.items() if lay is layer)
        for rule, title in layer_cases:
            findings = by_case.get((rule, layer), [])
            case = ET.SubElement(
                suite, "testcase", {"name": xml_safe(f"{rule}: {title}"), "classname": f"sovaudit.{layer.value}"}
            )
            live = [f for f in findings if not f.waiver]
            for f in live:
                failure = ET.SubElement(case, "failure", {"message": _line(f.message), "type": str(f.severity)})
                failure.text = _details(f, costs[f.id])
            for f in findings:
                if f.waiver:
                    skipped = ET.SubElement(case, "skipped", {"message": _line(f"waived: {f.waiver}")})
                    skipped.text = _details(f, costs[f.id])
            n_failed += bool(live)
            n_skipped += bool(findings) and not live
        suite.attrib.update(tests=str(len(layer_cases)), failures=str(n_failed), errors="0", skipped=str(n_skipped))
        total += len(layer_cases)
        failed += n_failed
    gates = ET.SubElement(root, "testsuite", {"name": "gates"})
    for g in audit.gates:
        case = ET.SubElement(gates, "testcase", {"name": xml_safe(g.name), "classname": "sovaudit.gates"})
        if not g.passed:
            ET.SubElement(case, "failure", {"message": _line(g.detail), "type": "gate"}).text = xml_safe(g.detail)
    gates_failed = sum(1 for g in audit.gates if not g.passed)
    gates.attrib.update(tests=str(len(audit.gates)), failures=str(gates_failed), errors="0", skipped="0")
    root.attrib.update(tests=str(total + len(audit.gates)), failures=str(failed + gates_failed), errors="0")
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


def _cases(audit: Audit) -> tuple[dict[tuple[str, Layer], str], dict[tuple[str, Layer], list[Finding]]]:
    """(rule, layer) -> the rule's title, and (rule, layer) -> its findings."""
    titles: dict[tuple[str, Layer], str] = {}
    for pack in audit.packs:
        for rule in pack.rules:
            layers = (rule.layer,) if rule.layer is not None else rule.layers or tuple(Layer)
            for layer in layers:
                titles.setdefault((rule.id, layer), rule.title)
    findings: dict[tuple[str, Layer], list[Finding]] = defaultdict(list)
    for f in sorted(audit.findings, key=lambda f: f.id):
        titles.setdefault((f.rule, f.layer), f.title)  # a rule no loaded pack has (a plugin's)
        findings[(f.rule, f.layer)].append(f)
    return titles, findings


def _line(value: str) -> str:
    return xml_safe(" ".join(value.split()))


def _details(f: Finding, points: float) -> str:
    lines = [
        f"finding {f.id}: {f.severity}, {points:g} points, dimension {f.dimension}",
        _line(f.message),
    ]
    if f.waiver:
        lines.append(f"waived: {_line(f.waiver)}")
    if f.components:
        more = f" (+{len(f.components) - LISTED} more)" if len(f.components) > LISTED else ""
        lines.append("components: " + ", ".join(f.components[:LISTED]) + more)
    if f.evidence:
        lines.append("evidence:")
        lines.extend(f"  {e.describe()} (read by {e.collector})" for e in f.evidence[:LISTED])
        if len(f.evidence) > LISTED:
            lines.append(f"  ... {len(f.evidence) - LISTED} more")
    if f.remediation:
        lines.append(f"what to do: {_line(f.remediation)}")
    if f.references:
        lines.append("references: " + ", ".join(f.references))
    return xml_safe("\n".join(lines))
