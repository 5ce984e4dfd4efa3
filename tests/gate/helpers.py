"""Shared helpers of the gate, diff and history tests: running the CLI, small stacks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sovaudit import inventory_json
from sovaudit.cli import main
from sovaudit.model import Component, Inventory, Layer


def epoch(day: str) -> str:
    """SOURCE_DATE_EPOCH for a day: audits judge waiver expiry and KB staleness against it."""
    return str(int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()))


WAIVERS = """schema: sovaudit-waivers
version: 1
waivers:
  - finding: CORE-SW-001:nvidia-cuda
    justification: ROCm port planned for Q3; a tested CPU fallback exists
    owner: hpc-platform-team
    expires: 2026-06-30
  - finding: CORE-ALL-001:nvidia-cuda
    justification: ROCm port planned for Q3; a tested CPU fallback exists
    owner: hpc-platform-team
    expires: 2026-06-30
"""


#: A site rule that fires on one package the KB does not know: its finding id carries the version.
SITE_PACK = """schema: sovaudit-rules
version: 1
pack: site
pack_version: "1"
description: A site rule on one in-house package.
rules:
  - id: SITE-001
    title: In-house package with one maintainer
    severity: high
    dimension: substitutability
    select:
      all:
        - field: component.name
          equals: leftpad-internal
    message: "{component.name} {component.version} has one maintainer."
    remediation: Find a second maintainer.
    tests:
      - name: the in-house package
        components:
          - id: pkg:pypi/leftpad-internal@1.0
            purl: pkg:pypi/leftpad-internal@1.0
            layer: software
            kind: package
            name: leftpad-internal
            version: "1.0"
        expect: finding
        component: "pkg:pypi/leftpad-internal@1.0"
      - name: another package
        components:
          - id: pkg:pypi/numpy@2.0.0
            purl: pkg:pypi/numpy@2.0.0
            layer: software
            kind: package
            name: numpy
            version: "2.0.0"
        expect: no-finding
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """The CLI in this process: exit code, stdout, stderr."""
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def package(name: str, version: str, licence: str = "BSD-3-Clause") -> Component:
    purl = f"pkg:pypi/{name}@{version}"
    return Component(
        id=purl, layer=Layer.SOFTWARE, kind="package", name=name, version=version, purl=purl, licenses=licence
    )


def write_inventory(path: Path, *components: Component) -> Path:
    path.write_bytes(inventory_json.dump(Inventory(components=components)))
    return path


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
