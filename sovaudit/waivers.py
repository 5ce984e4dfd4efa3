"""Waivers: a reviewed decision to accept a finding for a while, with a justification and an owner.

A waivers file (YAML, ``schema: sovaudit-waivers``) lists entries that name either a finding id
(``CORE-SW-001:pkg:pypi/nvidia-cuda-runtime-cu12@12.1.105``) or a rule and a component id, plus
``justification``, ``owner`` and ``expires`` (a date). A waived finding stays in every report,
marked, and costs no points. An expired waiver counts as no waiver and is reported as expired.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from sovaudit.errors import ConfigError
from sovaudit.model import Finding


@dataclass(frozen=True, slots=True, kw_only=True)
class Waiver:
    finding: str  # a finding id, or "<rule>:<component>" built from rule + component
    justification: str
    owner: str
    expires: date
    origin: str
    line: int

    def expired(self, today: date) -> bool:
        return self.expires < today


def load(path: str | Path) -> list[Waiver]:
    import yaml

    origin = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{origin}: cannot read the waivers file: {err}") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{origin}: invalid YAML: {' '.join(str(err).split())}") from None
    if not isinstance(doc, dict) or doc.get("schema") != "sovaudit-waivers" or doc.get("version") != 1:
        raise ConfigError(f"{origin}: not a waivers file (expected 'schema: sovaudit-waivers' and 'version: 1')")
    items = doc.get("waivers")
    if not isinstance(items, list):
        raise ConfigError(f"{origin}: 'waivers' must be a list")
    seq = next((v for k, v in node.value if k.value == "waivers"), None) if node is not None else None
    out = []
    for n, item in enumerate(items):
        line = seq.value[n].start_mark.line + 1 if seq is not None else 0
        where = f"{origin}: line {line}: waivers/{n}"
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: expected a mapping")
        unknown = sorted(set(item) - {"finding", "rule", "component", "justification", "owner", "expires"})
        if unknown:
            raise ConfigError(f"{where}: unknown field {unknown[0]!r}")
        if "finding" in item:
            target = str(item["finding"])
        elif "rule" in item and "component" in item:
            target = f"{item['rule']}:{item['component']}"
        else:
            raise ConfigError(f"{where}: name a 'finding' id, or a 'rule' and a 'component'")
        for key in ("justification", "owner", "expires"):
            if not item.get(key):
                raise ConfigError(f"{where}: '{key}' is required")
        expires = item["expires"]
        if isinstance(expires, str):
            try:
                expires = date.fromisoformat(expires)
            except ValueError:
                raise ConfigError(f"{where}/expires: {expires!r} is not a date (YYYY-MM-DD)") from None
        if not isinstance(expires, date):
            raise ConfigError(f"{where}/expires: not a date (YYYY-MM-DD)")
        out.append(
            Waiver(
                finding=target,
                justification=str(item["justification"]),
                owner=str(item["owner"]),
                expires=expires,
                origin=origin,
                line=line,
            )
        )
    return out


def apply(findings: Sequence[Finding], waivers: Sequence[Waiver], today: date) -> tuple[list[Finding], list[Waiver]]:
    """Findings with live waivers marked; and the waivers that have expired."""
    live = {w.finding: w for w in waivers if not w.expired(today)}
    expired = [w for w in waivers if w.expired(today)]
    out = []
    for f in findings:
        w = live.get(f.id)
        out.append(replace(f, waiver=f"{w.justification} (owner {w.owner}, until {w.expires})") if w else f)
    return out, expired
