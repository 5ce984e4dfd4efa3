"""Profiles: what a stack must reach, as a tender sets a minimum SEAL per objective.

A profile (YAML, ``schema: sovaudit-profile``, shipped in ``rules/profiles/``) names the packs it
uses, the severity at or above which any finding fails (``fail_on``), minimum levels per layer,
a minimum overall score and hard-gate rules (any finding of them fails, whatever the score).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sovaudit.errors import ConfigError
from sovaudit.model import Layer, Severity


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    name: str
    description: str
    packs: tuple[str, ...] = ()
    fail_on: Severity | None = None
    min_levels: tuple[tuple[Layer, int], ...] = ()
    min_overall_score: float | None = None
    gate_rules: tuple[str, ...] = ()
    origin: str = ""


def _profile_root() -> Any:
    from sovaudit.rules import _packs_root

    return _packs_root().joinpath("profiles")


def shipped() -> list[str]:
    return sorted(p.name.removesuffix(".yaml") for p in _profile_root().iterdir() if p.name.endswith(".yaml"))


def parse(text: str, origin: str) -> Profile:
    import yaml

    try:
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as err:
        raise ConfigError(f"{origin}: invalid YAML: {' '.join(str(err).split())}") from None
    if not isinstance(doc, dict) or doc.get("schema") != "sovaudit-profile" or doc.get("version") != 1:
        raise ConfigError(f"{origin}: not a profile (expected 'schema: sovaudit-profile' and 'version: 1')")
    allowed = {
        "schema",
        "version",
        "profile",
        "description",
        "packs",
        "fail_on",
        "min_levels",
        "min_overall_score",
        "gate_rules",
    }
    unknown = sorted(set(doc) - allowed)
    if unknown:
        raise ConfigError(f"{origin}: unknown field {unknown[0]!r}")
    try:
        levels = tuple(
            sorted(((Layer(k), int(v)) for k, v in (doc.get("min_levels") or {}).items()), key=lambda kv: kv[0].value)
        )
        fail_on = Severity.parse(doc["fail_on"]) if doc.get("fail_on") else None
    except (ValueError, TypeError) as err:
        raise ConfigError(f"{origin}: {err}") from None
    if any(not 0 <= lvl <= 4 for _, lvl in levels):
        raise ConfigError(f"{origin}: min_levels must be 0..4")
    return Profile(
        name=str(doc.get("profile", Path(origin).stem)),
        description=str(doc.get("description", "")),
        packs=tuple(doc.get("packs") or ()),
        fail_on=fail_on,
        min_levels=levels,
        min_overall_score=float(doc["min_overall_score"]) if doc.get("min_overall_score") is not None else None,
        gate_rules=tuple(doc.get("gate_rules") or ()),
        origin=origin,
    )


def load(name_or_file: str) -> Profile:
    """A shipped profile by name, or a profile file."""
    path = Path(name_or_file)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return parse(path.read_text(encoding="utf-8"), str(path))
    candidate = _profile_root().joinpath(f"{name_or_file}.yaml")
    if not candidate.is_file():
        raise ConfigError(f"--profile {name_or_file}: no such profile; shipped: {', '.join(shipped())}")
    return parse(candidate.read_text(encoding="utf-8"), f"rules/profiles/{name_or_file}.yaml")
