"""An audit in the light form that ``gate``, ``diff`` and ``history`` compare: a snapshot.

A snapshot is made from the audit document (``sovaudit audit -f json``, format ``sovaudit-audit``):
read from a file and checked field by field as it is converted (each problem an InputError with
the file and a JSON pointer), or made from a fresh :class:`~sovaudit.audit.Audit` through the same
document, so both sides of a comparison always went through the same conversion.

Identity is what makes a comparison honest. A finding's id (``<rule>:<KB entry | component |
layer>``, sovaudit/rules/engine.py) does not depend on the order of components or on which other
components exist, so adding an unrelated component never makes an existing finding look new.
The one thing it does depend on is the version inside a component id, for findings on components
the KB does not know (``CORE-SW-010:pkg:pypi/foo@1.0``); :attr:`FindingRecord.carry_key` drops the
version so that bumping such a package is a changed component, not a new finding.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sovaudit.errors import InputError
from sovaudit.model import Layer, Severity

if TYPE_CHECKING:
    from sovaudit.audit import Audit

FORMAT = "sovaudit-audit"
VERSION = 1
MAX_DOCUMENT_BYTES = 256 * 1024 * 1024  # a 20,000-component audit is ~30 MiB
_SNIFF_BYTES = 64 * 1024

_PURL = re.compile(r"^(pkg:[^@?#]+)(?:@[^?#]*)?(?:\?[^#]*)?(#.*)?$")


def component_key(component_id: str) -> str:
    """A component's identity without its version: the purl without version and qualifiers, or
    ``layer/kind/name`` for the ids sovaudit makes when there is no purl."""
    m = _PURL.match(component_id)
    if m:
        return m.group(1) + (m.group(2) or "")
    head, sep, _version = component_id.rpartition("@")
    return head if sep and "/" in head and "/" not in _version else component_id


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingRecord:
    id: str
    rule: str
    layer: Layer
    severity: Severity
    title: str
    message: str
    components: tuple[str, ...]
    kb_entries: tuple[str, ...]
    aggregate: bool
    waived: bool
    points: float
    evidence: tuple[str, ...]  # "path:line" or "path#pointer", sorted as in the document

    @property
    def live(self) -> bool:
        """Counts against the stack: not covered by a valid waiver."""
        return not self.waived

    @property
    def carry_key(self) -> str:
        """The identity that survives a version change of the finding's component; "" when the id
        already carries no version (KB products and whole layers)."""
        if self.kb_entries or self.aggregate or len(self.components) != 1:
            return ""
        key = component_key(self.components[0])
        return f"{self.rule}:{key}" if key != self.components[0] else ""


@dataclass(frozen=True, slots=True, kw_only=True)
class LayerRecord:
    layer: Layer
    components: int
    score: float | None  # None: not assessed
    level: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class GateRecord:
    name: str
    passed: bool
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentRecord:
    id: str
    name: str
    version: str
    layer: Layer
    kind: str

    @property
    def key(self) -> str:
        return component_key(self.id)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpiredWaiver:
    finding: str
    owner: str
    expired: str  # ISO date
    file: str
    line: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditSnapshot:
    source: str  # what it was read from, for messages: a file, "history:12", the paths audited
    date: str
    tool_version: str
    profile: str | None
    passed: bool
    overall_score: float | None
    overall_level: int | None
    components_total: int
    findings: tuple[FindingRecord, ...]  # sorted by id
    layers: tuple[LayerRecord, ...]  # in Layer order
    gates: tuple[GateRecord, ...]
    components: tuple[ComponentRecord, ...]  # sorted by id
    expired_waivers: tuple[ExpiredWaiver, ...]

    def layer(self, layer: Layer) -> LayerRecord | None:
        return next((lr for lr in self.layers if lr.layer is layer), None)


# -- reading ---------------------------------------------------------------------------------------
class _Bad(ValueError):
    def __init__(self, pointer: str, reason: str) -> None:
        super().__init__(f"{pointer}: {reason}")


def _get(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], pointer: str, *, null: bool = False) -> Any:
    if key not in obj:
        raise _Bad(f"{pointer}/{key}", "missing")
    value = obj[key]
    if value is None and null:
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float, (int, float))):
        raise _Bad(f"{pointer}/{key}", f"expected {_kind_name(kind)}, got {type(value).__name__}")
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "true or false", int: "an integer"}
    if isinstance(kind, tuple):
        return "a number"
    return names.get(kind, kind.__name__)


def _strings(obj: dict[str, Any], key: str, pointer: str) -> tuple[str, ...]:
    items = _get(obj, key, list, pointer)
    if not all(isinstance(x, str) for x in items):
        raise _Bad(f"{pointer}/{key}", "expected an array of strings")
    return tuple(items)


def _objects(obj: dict[str, Any], key: str, pointer: str) -> list[tuple[str, dict[str, Any]]]:
    items = _get(obj, key, list, pointer)
    out = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise _Bad(f"{pointer}/{key}/{n}", "expected an object")
        out.append((f"{pointer}/{key}/{n}", item))
    return out


def _layer(obj: dict[str, Any], pointer: str) -> Layer:
    value = _get(obj, "layer", str, pointer)
    try:
        return Layer(value)
    except ValueError:
        raise _Bad(f"{pointer}/layer", f"{value!r} is not a layer") from None


def _evidence(items: list[tuple[str, dict[str, Any]]]) -> tuple[str, ...]:
    out = []
    for p, ev in items:
        path = _get(ev, "path", str, p)
        line = ev.get("line")
        pointer = ev.get("pointer")
        out.append(f"{path}:{line}" if isinstance(line, int) and line else f"{path}#{pointer}" if pointer else path)
    return tuple(out)


def _finding(p: str, f: dict[str, Any]) -> FindingRecord:
    sev = _get(f, "severity", str, p)
    try:
        severity = Severity.parse(sev)
    except ValueError:
        raise _Bad(f"{p}/severity", f"{sev!r} is not a severity") from None
    return FindingRecord(
        id=_get(f, "id", str, p),
        rule=_get(f, "rule", str, p),
        layer=_layer(f, p),
        severity=severity,
        title=_get(f, "title", str, p),
        message=_get(f, "message", str, p),
        components=_strings(f, "components", p),
        kb_entries=_strings(f, "kbEntries", p),
        aggregate=_get(f, "aggregate", bool, p),
        waived=_get(f, "waiver", str, p, null=True) is not None,
        points=float(_get(f, "points", (int, float), p)),
        evidence=_evidence(_objects(f, "evidence", p)),
    )


def _number(obj: dict[str, Any], key: str, pointer: str) -> float | None:
    value = _get(obj, key, (int, float), pointer, null=True)
    return float(value) if value is not None else None


def from_document(doc: Any, source: str) -> AuditSnapshot:
    """Check and convert an audit document; every problem is an InputError naming ``source``."""
    try:
        return _convert(doc, source)
    except _Bad as err:
        raise InputError(source, f"is not a valid {FORMAT} document: {err}") from None


def _convert(doc: Any, source: str) -> AuditSnapshot:
    if not isinstance(doc, dict):
        raise _Bad("", "expected a JSON object")
    if doc.get("format") != FORMAT:
        raise _Bad("/format", f"not a {FORMAT} document")
    version = doc.get("formatVersion")
    if version != VERSION or isinstance(version, bool):
        raise _Bad("/formatVersion", f"version {version!r} is not supported (this sovaudit reads {VERSION})")
    tool = _get(doc, "tool", dict, "")
    summary = _get(doc, "summary", dict, "")
    findings = sorted((_finding(p, f) for p, f in _objects(doc, "findings", "")), key=lambda f: f.id)
    ids = [f.id for f in findings]
    if len(set(ids)) != len(ids):
        raise _Bad("/findings", "the same finding id appears twice")
    layers = {}
    for p, lr in _objects(doc, "layers", ""):
        layer = _layer(lr, p)
        level = _get(lr, "level", int, p, null=True)
        layers[layer] = LayerRecord(
            layer=layer, components=_get(lr, "components", int, p), score=_number(lr, "score", p), level=level
        )
    gates = tuple(
        GateRecord(name=_get(g, "name", str, p), passed=_get(g, "passed", bool, p), detail=_get(g, "detail", str, p))
        for p, g in _objects(doc, "gates", "")
    )
    components = sorted(
        (
            ComponentRecord(
                id=_get(c, "id", str, p),
                name=_get(c, "name", str, p),
                version=_get(c, "version", str, p, null=True) or "",
                layer=_layer(c, p),
                kind=_get(c, "kind", str, p),
            )
            for p, c in _objects(doc, "components", "")
        ),
        key=lambda c: c.id,
    )
    expired = tuple(
        ExpiredWaiver(
            finding=_get(w, "finding", str, p),
            owner=_get(w, "owner", str, p),
            expired=_get(w, "expired", str, p),
            file=_get(w, "file", str, p),
            line=_get(w, "line", int, p),
        )
        for p, w in _objects(doc, "waiversExpired", "")
    )
    return AuditSnapshot(
        source=source,
        date=_get(doc, "date", str, ""),
        tool_version=_get(tool, "version", str, "/tool"),
        profile=_get(doc, "profile", str, "", null=True),
        passed=_get(summary, "passed", bool, "/summary"),
        overall_score=_number(summary, "overallScore", "/summary"),
        overall_level=_get(summary, "overallLevel", int, "/summary", null=True),
        components_total=_get(summary, "components", int, "/summary"),
        findings=tuple(findings),
        layers=tuple(layers[layer] for layer in Layer if layer in layers),
        gates=gates,
        components=tuple(components),
        expired_waivers=expired,
    )


def from_audit(audit: Audit, tool_version: str, source: str) -> AuditSnapshot:
    """A fresh audit, through its document: the same conversion as a baseline read from a file."""
    from sovaudit.audit import to_dict

    return from_document(to_dict(audit, tool_version), source)


def looks_like_audit(path: Path) -> bool:
    """Whether a file claims to be an audit document (its first bytes name the format)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError:
        return False
    return head.lstrip().startswith(b"{") and f'"{FORMAT}"'.encode() in head


def read(path: Path, source: str | None = None) -> AuditSnapshot:
    """An audit document from a file."""
    source = source or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise InputError(source, f"is {size} bytes, more than the {MAX_DOCUMENT_BYTES} an audit document may be")
        data = path.read_bytes()
    except OSError as err:
        raise InputError(source, f"cannot read: {err.strerror or err}") from None
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as err:
        raise InputError(source, f"is not valid JSON ({err})") from None
    return from_document(doc, source)


def load(spec: str, audit_inputs: Callable[[str], AuditSnapshot]) -> AuditSnapshot:
    """A baseline named on the command line: an audit document is read; anything else sovaudit can
    scan (an inventory JSON, raw inputs) is audited by ``audit_inputs`` with the current options."""
    path = Path(spec)
    if not spec.startswith("hf://") and not path.exists():
        raise InputError(spec, "no such file or folder")
    if path.is_file() and looks_like_audit(path):
        return read(path, spec)
    return audit_inputs(spec)
