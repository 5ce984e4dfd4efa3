"""The model-lineage sample stack says what an audit and an ML-BOM of it find: keep that true.

Its README promises: the four Llama 3.1 derivatives (fine-tune, AWQ, GGUF, LoRA) are each found
to carry the base model's licence despite their Apache-2.0 cards, with evidence at their own
cards; the personal-data tickets in AWS us-east-1 are high findings; the EuroLLM chain raises no
licence finding; the CycloneDX document has a modelCard on every model and a data block on every
data component, and validates against the 1.6 schema.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

STACK = "sample_stacks/model-lineage"
LLAMA_DERIVATIVES = {"llama31-support-ft", "llama31-support-ft-awq", "llama31-support-ft-gguf", "llama31-support-lora"}


def run(*args: str) -> Any:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1795737600"}  # 2026-11-27
    proc = subprocess.run(
        [sys.executable, "-m", "sovaudit", "-q", *args], cwd=REPO, env=env, capture_output=True, check=False
    )
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def audit() -> Any:
    return run("audit", STACK, "-f", "json")


@pytest.fixture(scope="module")
def bom() -> Any:
    return run("sbom", STACK)


def test_every_llama_derivative_carries_the_base_licence(audit: Any) -> None:
    found = {}
    for f in audit["findings"]:
        if f["rule"] == "MODEL-003":
            (component,) = f["components"]
            name = component.split("/")[-1].split("@")[0]
            found[name] = f
    assert set(found) == LLAMA_DERIVATIVES
    for name, f in found.items():
        assert f["severity"] == "high"
        assert "LicenseRef-Llama-3.1-Community" in f["message"]
        # Evidence at the derivative's own files, not only at the base's.
        folder = f"models--acme-ai--{name.replace('-awq', '-AWQ').replace('-gguf', '-GGUF')}/"
        assert any(folder in e["path"] and Path(REPO, e["path"]).is_file() for e in f["evidence"]), f["evidence"]


def test_the_european_chain_raises_no_licence_finding(audit: Any) -> None:
    model_findings = [f for f in audit["findings"] if f["layer"] == "model" and f["rule"].startswith("MODEL-")]
    assert model_findings
    assert not [c for f in model_findings for c in f["components"] if "eurollm" in c.lower()]


def test_personal_data_in_a_us_bucket_is_high(audit: Any) -> None:
    high = {f["rule"]: f for f in audit["findings"] if f["severity"] == "high"}
    assert "DATA-001" in high and high["DATA-001"]["components"] == ["data/dataset/acme-ai/support-tickets"]
    assert "CORE-ALL-001" in high
    assert all("amazonaws.com" in c for c in high["CORE-ALL-001"]["components"])
    scores = {layer["layer"]: layer["score"] for layer in audit["layers"]}
    assert scores["compute"] is None and scores["software"] is None  # nothing described: n/a, not safe
    assert scores["model"] < scores["data"] < scores["operational"]


def test_the_sbom_is_an_ml_bom(bom: Any) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    models = [c for c in bom["components"] if c["type"] == "machine-learning-model"]
    data = [c for c in bom["components"] if c["type"] == "data"]
    assert len(models) == 7 and all("modelCard" in c for c in models)
    assert len(data) == 16 and all(len(c["data"]) == 1 for c in data)
    refs = {c["bom-ref"] for c in bom["components"]}
    finetune = next(c for c in models if c["name"] == "llama31-support-ft")
    datasets = [d["ref"] for d in finetune["modelCard"]["modelParameters"]["datasets"]]
    assert datasets == ["data/dataset/acme-ai/support-tickets"] and set(datasets) <= refs
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(bom)) is None
