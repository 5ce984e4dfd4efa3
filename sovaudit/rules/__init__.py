"""Rule packs: declarative YAML, validated by ``pack.schema.json``, with no way to run code.

The shipped packs live in the repository's top-level ``rules/`` folder (installed as the
``sovaudit_rules`` package); ``--pack FILE`` adds a pack of the user's. Every error names the
file, the line and the field.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sovaudit.errors import RulePackError
from sovaudit.model import Layer, Severity


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    id: str
    pack: str
    title: str
    severity: Severity
    dimension: str
    message: str
    remediation: str
    layer: Layer | None = None
    layers: tuple[Layer, ...] = ()
    select: Any = None  # the selector, as loaded (a closed grammar; see engine.py)
    aggregate: Any = None
    references: tuple[str, ...] = ()
    gate: bool = False
    tests: tuple[Any, ...] = ()
    origin: str = ""
    line: int = 0

    @property
    def is_aggregate(self) -> bool:
        return self.aggregate is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class Pack:
    name: str
    version: str
    description: str
    rules: tuple[Rule, ...]
    origin: str


def _line_of(node: Any, path: Sequence[str | int]) -> int:
    """The 1-based line of the YAML node at ``path`` (as deep as it exists)."""
    import yaml

    line = node.start_mark.line + 1 if node is not None else 0
    for step in path:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if getattr(k, "value", None) == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            nxt = node.value[step]
        else:
            nxt = None
        if nxt is None:
            break
        node = nxt
        line = node.start_mark.line + 1
    return line


def _schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files("sovaudit.rules").joinpath("pack.schema.json").read_text())
    return data


def parse_pack(text: str, origin: str) -> Pack:
    """Parse and validate one pack; a problem is a RulePackError naming file, line and field."""
    import jsonschema
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(text, Loader=loader)
        doc = yaml.load(text, Loader=loader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise RulePackError(origin, f"{where}invalid YAML: {getattr(err, 'problem', err)}") from None
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(
        validator.iter_errors(doc), key=lambda e: (len(list(e.absolute_path)), list(map(str, e.absolute_path)))
    )
    if errors:
        deepest = max(errors, key=lambda e: len(list(e.absolute_path)))
        best = jsonschema.exceptions.best_match([deepest]) or deepest
        path = list(best.absolute_path)
        field = "/".join(str(p) for p in path) or "(top)"
        raise RulePackError(origin, f"line {_line_of(node, path)}: {field}: {best.message}")
    seen: set[str] = set()
    rules = []
    for n, r in enumerate(doc["rules"]):
        if r["id"] in seen:
            raise RulePackError(
                origin, f"line {_line_of(node, ['rules', n, 'id'])}: rules/{n}/id: duplicate id {r['id']}"
            )
        seen.add(r["id"])
        rules.append(
            Rule(
                id=r["id"],
                pack=doc["pack"],
                title=r["title"],
                severity=Severity.parse(r["severity"]),
                dimension=r["dimension"],
                message=r["message"],
                remediation=r["remediation"],
                layer=Layer(r["layer"]) if "layer" in r else None,
                layers=tuple(Layer(x) for x in r.get("layers", ())),
                select=r.get("select"),
                aggregate=r.get("aggregate"),
                references=tuple(r.get("references", ())),
                gate=bool(r.get("gate", False)),
                tests=tuple(r["tests"]),
                origin=origin,
                line=_line_of(node, ["rules", n]),
            )
        )
    from sovaudit.rules.engine import check_selectors

    for rule in rules:
        problem = check_selectors(rule)
        if problem:
            raise RulePackError(origin, f"line {rule.line}: rule {rule.id}: {problem}")
    return Pack(
        name=doc["pack"],
        version=str(doc["pack_version"]),
        description=doc["description"],
        rules=tuple(rules),
        origin=origin,
    )


def _packs_root() -> Any:
    """The installed packs, or the repository's rules/ folder when running from a checkout."""
    try:
        root = resources.files("sovaudit_rules")
        if root.is_dir():
            return root
    except (ModuleNotFoundError, NotADirectoryError):
        pass
    return Path(__file__).resolve().parents[2] / "rules"


def shipped_pack_files() -> list[tuple[str, str]]:
    """(origin, text) of the packs shipped with sovaudit, in name order."""
    root: Any = _packs_root()
    return sorted(
        (f"rules/{p.name}", p.read_text(encoding="utf-8")) for p in root.iterdir() if p.name.endswith(".yaml")
    )


def load_packs(names: Sequence[str] = (), files: Sequence[str | Path] = ()) -> list[Pack]:
    """Shipped packs (all, or those named) plus the user's pack files."""
    shipped = [parse_pack(text, origin) for origin, text in shipped_pack_files()]
    if names:
        known = {p.name for p in shipped}
        unknown = sorted(set(names) - known)
        if unknown:
            raise RulePackError(unknown[0], f"no shipped pack of that name; known: {', '.join(sorted(known))}")
        shipped = [p for p in shipped if p.name in names]
    packs = list(shipped)
    for f in files:
        try:
            text = Path(f).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise RulePackError(f, f"cannot read: {err}") from None
        packs.append(parse_pack(text, str(f)))
    ids: dict[str, str] = {}
    for p in packs:
        for r in p.rules:
            if r.id in ids:
                raise RulePackError(p.origin, f"line {r.line}: rule id {r.id} is already defined in {ids[r.id]}")
            ids[r.id] = p.origin
    return packs
