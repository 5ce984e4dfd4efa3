"""Real audits of two sample stacks, made once for all the report tests.

Both are scanned from the repository root, as a user would run ``sovaudit audit
sample_stacks/<stack>``, so evidence paths read ``sample_stacks/<stack>/...`` and resolve
against the repository. ``us-cloud-cuda`` is judged against the ``eu-public-high`` profile
(gates that fail) with one live waiver whose justification starts like a spreadsheet formula,
and one expired waiver; ``eu-open`` plainly.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date

import pytest

from sovaudit import knowledge, profiles, rules
from sovaudit.audit import Audit
from sovaudit.model import Inventory
from sovaudit.pipeline import audit, scan
from sovaudit.waivers import Waiver
from tests.conftest import REPO

TODAY = date(2026, 11, 27)
US = "sample_stacks/us-cloud-cuda"
EU = "sample_stacks/eu-open"
WAIVED = "CORE-SW-001:nvidia-cudnn"
FORMULA = '=HYPERLINK("http://attacker.example","accepted until the ROCm port lands")'
WAIVERS = (
    Waiver(
        finding=WAIVED, justification=FORMULA, owner="ml-platform", expires=date(2030, 1, 1), origin="w.yaml", line=3
    ),
    Waiver(
        finding="HPC-001:pytorch",
        justification="old",
        owner="ml-platform",
        expires=date(2020, 1, 1),
        origin="w.yaml",
        line=8,
    ),
)


@pytest.fixture(scope="session")
def inventories() -> Iterator[dict[str, Inventory]]:
    before = os.getcwd()
    os.chdir(REPO)
    try:
        yield {stack: scan([stack]).inventory for stack in (US, EU)}
    finally:
        os.chdir(before)


@pytest.fixture(scope="session")
def audits(inventories: dict[str, Inventory]) -> dict[str, Audit]:
    kb, packs = knowledge.load(), rules.load_packs()
    return {
        US: audit(
            inventories[US],
            kb=kb,
            packs=packs,
            today=TODAY,
            profile=profiles.load("eu-public-high"),
            waivers=WAIVERS,
        ),
        EU: audit(inventories[EU], kb=kb, packs=packs, today=TODAY),
    }


@pytest.fixture(scope="session")
def us(audits: dict[str, Audit]) -> Audit:
    return audits[US]


@pytest.fixture(scope="session")
def eu(audits: dict[str, Audit]) -> Audit:
    return audits[EU]
