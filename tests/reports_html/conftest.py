"""Audits of the sample stacks, made once per test session for the HTML report tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sovaudit.audit import Audit
from sovaudit.cli import Settings, run_audit
from tests.conftest import REPO

#: The three complete stacks the sample_stacks README compares, judged against a profile so gates exist.
STACKS = ("eu-open", "national-centre", "us-cloud-cuda")
PROFILE = "eu-public-high"


@pytest.fixture(scope="session")
def sample_audits() -> Iterator[dict[str, Audit]]:
    audits = {}
    for name in STACKS:
        audits[name] = run_audit(
            Settings(verbosity=-1),
            [str(REPO / "sample_stacks" / name)],
            packs=(),
            profile_name=PROFILE,
            kb_files=(),
            waivers_file=None,
            fail_on=None,
            min_score=None,
        )
    yield audits
