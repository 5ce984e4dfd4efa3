"""SARIF 2.1.0 for code scanning (GitHub and other SARIF viewers).

* One ``reportingDescriptor`` per rule of the packs used (sorted by id): the rule's title as the
  short description, its message template as the full one (``{kb.vendor.name}`` shown as
  ``<kb.vendor.name>``), its remediation as ``help``, ``defaultConfiguration.level`` and
  ``properties.security-severity`` from its severity, and tags (``security``, ``sovereignty``,
  the dimension, the layers, the pack). GitHub reads the severity from ``security-severity``
  only on rules tagged ``security``.
* One result per finding, waived ones included with a ``suppressions`` entry (kind
  ``external``, the waiver as justification), so a dashboard shows them as dismissed rather
  than losing them. ``level``: critical and high -> error, medium -> warning, low and info -> note.
* Location: the finding's first evidence, relative to ``%SRCROOT%`` (the folder sovaudit ran
  in; absolute evidence paths become ``file://`` URIs), at its line. GitHub requires a region,
  so evidence without a line (a JSON pointer, a member name) points at line 1 and says where
  in the file in the location's message. Evidence inside a container image
  (``image@sha256:...:/path``) points at the image the user named. Up to
  :data:`RELATED_LISTED` further evidence places are ``relatedLocations``.
* ``partialFingerprints``: a SHA-256 of the finding id, which is stable across runs (rule +
  component or layer), so an alert survives unrelated edits of the file it points at.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sovaudit.model import Evidence, Finding, Layer, Severity

if TYPE_CHECKING:
    from sovaudit.audit import Audit
    from sovaudit.rules import Rule

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/sovaudit/sovaudit"
RELATED_LISTED = 9
#: Component ids listed in a result's properties (an aggregate finding can name thousands).
COMPONENTS_LISTED = 50

LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
#: GitHub's bands: critical > 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}
FINGERPRINT = "sovauditFindingId/v1"
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.]+)\}")
_IMAGE_PATH = re.compile(r"^(.+?)@(?:sha256|sha384|sha512):[0-9a-f]{32,128}:(.*)$")
_WORD = re.compile(r"[A-Za-z0-9]+")


def render(audit: Audit, tool_version: str) -> bytes:
    rules = _rules(audit)
    index = {r["id"]: n for n, r in enumerate(rules)}
    costs = {c.finding: c.points for c in audit.scores.costs}
    results = [_result(f, index[f.rule], costs[f.id]) for f in sorted(audit.findings, key=lambda f: (f.rule, f.id))]
    s = audit.scores
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "sovaudit",
                        "semanticVersion": tool_version,
                        "version": tool_version,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                        "properties": {"packs": [f"{p.name} {p.version}" for p in audit.packs]},
                    }
                },
                "results": results,
                "columnKind": "unicodeCodePoints",
                "properties": {
                    "date": audit.today.isoformat(),
                    "overallScore": s.overall_score,
                    "overallLevel": s.overall_level,
                    "layerScores": {ls.layer.value: ls.score for ls in s.layers},
                    "gates": [{"name": g.name, "passed": g.passed, "detail": g.detail} for g in audit.gates],
                },
            }
        ],
    }
    return (json.dumps(log, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def template_text(template: str) -> str:
    """A message template as a reader sees it: ``{kb.alternatives}`` becomes ``<kb.alternatives>``."""
    return " ".join(_PLACEHOLDER.sub(r"<\1>", template).split())


def _name(title: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in _WORD.findall(title)) or "Rule"


def _layers(rule: Rule) -> list[str]:
    if rule.layer is not None:
        return [rule.layer.value]
    return [x.value for x in rule.layers] or [x.value for x in Layer]


def _descriptor(rule: Rule, pack_version: str) -> dict[str, Any]:
    remediation = template_text(rule.remediation)
    refs = ", ".join(rule.references)
    help_text = f"What to do: {remediation}" + (f"\nReferences: {refs}" if refs else "")
    help_md = f"**What to do:** {remediation}" + (f"\n\n**References:** {refs}" if refs else "")
    return {
        "id": rule.id,
        "name": _name(rule.title),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": f"{rule.title}: {template_text(rule.message)}"},
        "help": {"text": help_text, "markdown": help_md},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "tags": sorted({"security", "sovereignty", rule.dimension, rule.pack, *_layers(rule)}),
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "precision": "high",
            "severity": str(rule.severity),
            "dimension": rule.dimension,
            "pack": f"{rule.pack} {pack_version}",
            "gate": rule.gate,
            "references": list(rule.references),
        },
    }


def _rules(audit: Audit) -> list[dict[str, Any]]:
    """Descriptors of every rule loaded, plus any rule a finding names that no pack had (a plugin's)."""
    found: dict[str, dict[str, Any]] = {}
    for pack in audit.packs:
        for rule in pack.rules:
            found.setdefault(rule.id, _descriptor(rule, pack.version))
    for f in audit.findings:
        if f.rule not in found:
            found[f.rule] = {
                "id": f.rule,
                "name": _name(f.title),
                "shortDescription": {"text": f.title},
                "fullDescription": {"text": f.title},
                "defaultConfiguration": {"level": LEVEL[f.severity]},
                "properties": {"tags": ["security", "sovereignty"], "security-severity": SECURITY_SEVERITY[f.severity]},
            }
    return [found[k] for k in sorted(found)]


def artifact(path: str) -> tuple[dict[str, str], str]:
    """The artifact location of an evidence path, and what the path says beyond the file."""
    inner = ""
    match = _IMAGE_PATH.match(path)
    if match:
        path, inner = match.group(1), f"in the image, {match.group(2)}"
    if path.startswith("/"):
        return {"uri": "file://" + quote(path, safe="/-._~")}, inner
    return {"uri": quote(path, safe="/-._~"), "uriBaseId": "%SRCROOT%"}, inner


def _location(ev: Evidence, n: int | None = None) -> dict[str, Any]:
    where, inner = artifact(ev.path)
    notes = [f"read by {ev.collector}"]
    if inner:
        notes.insert(0, inner + (f", line {ev.line}" if ev.line else ""))
    if ev.pointer:
        notes.insert(0, f"at {ev.pointer}")
    line = ev.line if ev.line and not inner else 1
    if not ev.line or inner:
        notes.append("no line in the file itself: shown at line 1")
    loc: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": where, "region": {"startLine": line}},
        "message": {"text": "; ".join(notes)},
    }
    if n is not None:
        loc = {"id": n, **loc}
    return loc


def fingerprint(finding_id: str) -> str:
    return hashlib.sha256(finding_id.encode("utf-8")).hexdigest()


def _result(f: Finding, rule_index: int, points: float) -> dict[str, Any]:
    text = " ".join(f.message.split())
    if f.remediation:
        text += " What to do: " + " ".join(f.remediation.split())
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": LEVEL[f.severity],
        "message": {"text": text},
    }
    if f.evidence:
        result["locations"] = [_location(f.evidence[0])]
        related = [_location(ev, n) for n, ev in enumerate(f.evidence[1 : 1 + RELATED_LISTED], 1)]
        if related:
            result["relatedLocations"] = related
    result["partialFingerprints"] = {FINGERPRINT: fingerprint(f.id)}
    if f.waiver:
        result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": f.waiver}]
    result["properties"] = {
        "findingId": f.id,
        "severity": str(f.severity),
        "layer": f.layer.value,
        "dimension": f.dimension,
        "points": points,
        "components": list(f.components[:COMPONENTS_LISTED]),
        "componentCount": len(f.components),
        "evidenceCount": len(f.evidence),
        "kbEntries": list(f.kb_entries),
        "references": list(f.references),
    }
    return result
