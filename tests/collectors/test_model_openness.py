"""Model and data licences (Hugging Face ids, URLs), the L0-L5 ladder and the MOF estimate.

Every licence id in the Hub's own licence table (hub-docs ``repositories-licenses.md``, copied to
``tests/samples/models/good/hf-spec``) is checked: it maps to an SPDX id or a ``LicenseRef-``, or it
names a family / ``other`` / ``unknown`` and keeps the declared text, and it gets a ladder level
whenever one is knowable.
"""

from __future__ import annotations

import re

import pytest

from sovaudit.collectors.model_openness import (
    HF_LICENSES,
    MOF_COMPONENTS,
    accepted,
    combine,
    estimate_mof,
    family_of,
    level_of,
    level_properties,
    license_of,
)
from tests.conftest import SAMPLES

TABLE = SAMPLES / "models" / "good" / "hf-spec" / "hub-docs_repositories-licenses.md"
_ROW = re.compile(r"^\|\s*(?P<full>[^|]+?)\s*\|\s*`(?P<id>[^`]+)`\s*\|", re.M)
FAMILIES = {"bsd", "cc", "gpl", "lgpl", "gfdl"}
NO_LEVEL = {"cc", "other", "unknown"}


def hub_ids() -> list[tuple[str, str]]:
    return [
        (m.group("id"), m.group("full"))
        for m in _ROW.finditer(TABLE.read_text())
        if m.group("id") != "License identifier (to use in repo card)"
    ]


def test_the_hub_table_is_read() -> None:
    ids = [i for i, _ in hub_ids()]
    assert len(ids) == len(set(ids)) >= 80
    assert {"apache-2.0", "llama3.1", "openrail++", "other", "gemma"} <= set(ids)


@pytest.mark.parametrize(("hf_id", "full"), hub_ids())
def test_every_hub_licence_id(hf_id: str, full: str) -> None:
    expression, declared = license_of(hf_id)
    if hf_id in FAMILIES or hf_id in ("other",):
        assert (expression, declared) == ("", hf_id)
    elif hf_id == "unknown":
        assert (expression, declared) == ("", "")
    else:
        assert expression, f"{hf_id} ({full}) has no expression"
        assert expression.startswith("LicenseRef-") or re.fullmatch(r"[A-Za-z0-9.+-]+", expression)
        assert declared in (hf_id, "")  # the id as written is kept when it differs
    level = level_of(expression, declared)
    if hf_id in NO_LEVEL:
        assert level.level == "unknown"
    else:
        assert level.level in ("L0", "L1", "L2", "L3", "L4", "L5"), hf_id


@pytest.mark.parametrize(
    ("raw", "name", "expression", "level", "category"),
    [
        ("apache-2.0", "", "Apache-2.0", "L0", "permissive"),
        ("mit", "", "MIT", "L0", "permissive"),
        ("cc-by-4.0", "", "CC-BY-4.0", "L0", "permissive"),
        ("gpl-3.0", "", "GPL-3.0-only", "L1", "copyleft"),
        ("cc-by-sa-4.0", "", "CC-BY-SA-4.0", "L1", "copyleft"),
        ("odbl", "", "ODbL-1.0", "L1", "copyleft"),
        ("openrail++", "", "LicenseRef-OpenRAIL-PlusPlus-M", "L2", "open-rail"),
        ("bigscience-bloom-rail-1.0", "", "LicenseRef-BigScience-BLOOM-RAIL-1.0", "L2", "open-rail"),
        ("llama3.1", "", "LicenseRef-Llama-3.1-Community", "L3", "community"),
        ("gemma", "", "LicenseRef-Gemma-Terms-of-Use", "L3", "community"),
        ("llama4", "", "LicenseRef-Llama-4-Community", "L4", "community"),
        ("cc-by-nc-4.0", "", "CC-BY-NC-4.0", "L4", "non-commercial"),
        ("cc-by-nd-4.0", "", "CC-BY-ND-4.0", "L4", "no-derivatives"),
        ("other", "mrl", "LicenseRef-Mistral-Research", "L4", "research-only"),
        ("other", "mnpl", "LicenseRef-Mistral-Non-Production", "L5", "non-production"),
        ("other", "qwen", "LicenseRef-Qwen", "L3", "community"),
        ("other", "Llama 3.1 Community License", "LicenseRef-Llama-3.1-Community", "L3", "community"),
        ("other", "acme internal v2", "LicenseRef-acme-internal-v2", "L5", "proprietary"),
        ("https://choosealicense.com/licenses/cc-by-sa-4.0/", "", "CC-BY-SA-4.0", "L1", "copyleft"),
        ("https://creativecommons.org/licenses/by-nc/4.0/", "", "CC-BY-NC-4.0", "L4", "non-commercial"),
        ("https://creativecommons.org/publicdomain/zero/1.0/legalcode", "", "CC0-1.0", "L0", "permissive"),
        ("https://spdx.org/licenses/MIT.html", "", "MIT", "L0", "permissive"),
        ("https://opendatacommons.org/licenses/odbl/1-0/", "", "ODbL-1.0", "L1", "copyleft"),
        ("https://www.apache.org/licenses/LICENSE-2.0", "", "Apache-2.0", "L0", "permissive"),
        ("https://commoncrawl.org/terms-of-use", "", "", "unknown", "unknown"),
    ],
)
def test_licences_and_ladder(raw: str, name: str, expression: str, level: str, category: str) -> None:
    got, declared = license_of(raw, name)
    assert got == expression
    assert declared  # the text as written is always kept (as "other: <name>" for other)
    found = level_of(got, declared)
    assert (found.level, found.category) == (level, category)


def test_expressions_or_takes_the_better_and_the_worse() -> None:
    assert level_of("MIT OR CC-BY-NC-4.0").level == "L0"
    assert level_of("MIT AND CC-BY-NC-4.0").level == "L4"
    assert level_of("(Apache-2.0 AND LicenseRef-Llama-3.1-Community) OR GPL-3.0-only").level == "L1"
    assert level_of("GPL-2.0-or-later WITH Classpath-exception-2.0").level == "L1"
    assert level_of("", "gpl").level == "L1"
    assert level_of("", "Built with Llama").level == "L3"
    assert combine([("Apache-2.0", "apache-2.0"), ("MIT", "mit")]) == ("Apache-2.0 AND MIT", "apache-2.0, mit")
    assert combine([("Apache-2.0", "apache-2.0"), ("", "other")]) == ("", "apache-2.0, other")


def test_families_and_level_properties() -> None:
    assert family_of("LicenseRef-Llama-3.1-Community") == "llama"
    assert family_of("LicenseRef-CreativeML-OpenRAIL-M") == "openrail"
    assert family_of("Apache-2.0") == ""
    assert level_properties("model", "LicenseRef-Gemma-Terms-of-Use", "gemma") == [
        ("model:license-level", "L3"),
        ("model:license-category", "community"),
        ("model:license-family", "gemma"),
    ]
    assert level_properties("data", "", "") == []  # unknown: nothing, so inputs that know can say it
    assert set(HF_LICENSES.values()) >= {"LicenseRef-Llama-3.1-Community", "ODC-By-1.0"}


# -- MOF --------------------------------------------------------------------------------------------
ALL = {name: "Apache-2.0" for name, _, _ in MOF_COMPONENTS}


def test_mof_class_i_when_everything_is_open() -> None:
    e = estimate_mof({**ALL, "datasets": "CC0-1.0", "evaluation-data": "CDLA-Permissive-2.0"})
    assert (e.mof_class, e.next_class, e.missing, e.invalid) == ("I", "", (), ())
    assert e.properties() == [("model:mof-class", "I")]


def test_mof_class_iii_open_weights_with_what_class_ii_lacks() -> None:
    present = {n: "Apache-2.0" for n, _, cls in MOF_COMPONENTS if cls == 3}
    present["inference-code"] = "Apache-2.0"
    e = estimate_mof(present)
    assert e.mof_class == "III" and e.next_class == "II"
    assert e.missing == ("training-code", "evaluation-code", "evaluation-data")
    assert e.properties()[2] == ("model:mof-missing", "training-code, evaluation-code, evaluation-data")


def test_mof_community_licence_on_weights_blocks_class_iii() -> None:
    present = {n: "LicenseRef-Llama-3.1-Community" for n, _, cls in MOF_COMPONENTS if cls == 3}
    e = estimate_mof(present)
    assert e.mof_class == "none" and e.next_class == "III" and e.missing == ()
    assert e.invalid == ("model-architecture", "model-parameters", "model-card", "data-card", "technical-report",
                         "evaluation-results")  # fmt: skip
    assert ("model:mof-license-not-accepted", ", ".join(e.invalid)) in e.properties()


def test_mof_accepted_licences_by_content_type() -> None:
    assert accepted("CDLA-Permissive-2.0", "data") and accepted("Apache-2.0", "data")  # conditional pass
    assert not accepted("CC-BY-NC-4.0", "data") and not accepted("", "code")
    assert accepted("CC-BY-4.0", "document") and accepted("MIT", "code")
    assert not accepted("LicenseRef-OpenRAIL", "code")
