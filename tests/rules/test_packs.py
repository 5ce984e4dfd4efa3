"""Every shipped rule's pass/fail cases, run by one generic runner against the real KB."""

from __future__ import annotations

from datetime import date

import pytest

from sovaudit import knowledge
from sovaudit.rules import load_packs
from sovaudit.rules.testing import run_case

PACKS = load_packs()
CASES = [(rule, case) for pack in PACKS for rule in pack.rules for case in rule.tests]
KB = knowledge.load()
TODAY = date(2026, 11, 27)


def test_every_rule_has_a_passing_and_a_failing_case() -> None:
    for pack in PACKS:
        for rule in pack.rules:
            expects = {c["expect"] for c in rule.tests}
            assert expects == {"finding", "no-finding"}, f"{rule.id} needs both kinds of case"


def test_rule_ids_are_unique_and_well_formed() -> None:
    ids = [r.id for p in PACKS for r in p.rules]
    assert len(ids) == len(set(ids))
    assert {p.name for p in PACKS} == {"core", "eu-csf", "model-openness", "data-residency", "hpc-portability"}


@pytest.mark.parametrize(("rule", "case"), CASES, ids=[f"{r.id}:{c['name']}" for r, c in CASES])
def test_case(rule: object, case: dict[str, object]) -> None:
    result = run_case(rule, case, KB, TODAY)  # type: ignore[arg-type]
    assert result.passed, result.detail
