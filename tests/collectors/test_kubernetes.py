"""Kubernetes manifests: images as purls, GPU requests, storage classes, cloud hints.

Goldens were reviewed by eye; image and GPU counts are recomputed from the raw YAML here.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import yaml
from packageurl import PackageURL

from sovaudit import inventory_json
from sovaudit.collectors.kubernetes import KubernetesManifestCollector, parse_image
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Relation
from tests.conftest import GOLDEN, SAMPLES, assert_golden

GOOD = SAMPLES / "compute" / "good" / "kubernetes"
BAD = SAMPLES / "compute" / "bad"
MANIFESTS = sorted(p.name for p in GOOD.iterdir())


@pytest.mark.parametrize("name", MANIFESTS)
def test_golden_and_raw_counts(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    tp = TreePath.for_input(name)
    assert KubernetesManifestCollector().detect(tp)
    inv = KubernetesManifestCollector().collect(tp)
    assert_golden(inventory_json.dump(inv), GOLDEN / "compute" / f"kubernetes_{Path(name).stem}.inventory.json")
    text = (GOOD / name).read_text()
    images = set(re.findall(r"(?m)^\s*(?:-\s+)?image:\s*(\S+)\s*$", text))
    assert len([c for c in inv.components if c.kind == "container-image"]) == len(images)
    gpu_lines = re.findall(r"(?m)^\s*(nvidia\.com/gpu|amd\.com/gpu):", text)
    assert bool(gpu_lines) == any(e.relation is Relation.RUNS_ON for e in inv.edges)


def test_gpu_training_stack() -> None:
    inv = KubernetesManifestCollector().collect(TreePath.for_input(GOOD / "gpu-training_multidoc-list.yaml"))
    comps = {c.id: c for c in inv.components}
    runs = {e.target: dict(e.properties)["compute:count"] for e in inv.edges if e.relation is Relation.RUNS_ON}
    # the product the node selector names, as nvidia-smi names it; 8 (master) + 8 (worker template)
    assert runs == {"compute/accelerator/NVIDIA A100-SXM4-80GB": "16", "compute/accelerator/amd.com/gpu": "1"}
    assert comps["compute/accelerator/amd.com/gpu"].supplier == "AMD"
    pytorch = comps["pkg:docker/nvidia/pytorch@24.01-py3?repository_url=nvcr.io"]
    assert pytorch.prop("oci:repository") == "nvcr.io/nvidia/pytorch" and pytorch.version == "24.01-py3"
    assert comps["software/container-image/$(FETCH_IMAGE)"].prop("oci:templated") == "true"
    deps = {(e.source, e.target) for e in inv.edges if e.relation is Relation.DEPENDS_ON}
    assert ("operational/workload/ml/PyTorchJob/llm-finetune", "operational/storage-class/gp3-fast") in deps
    hosted = {(e.source, e.target) for e in inv.edges if e.relation is Relation.HOSTED_BY}
    assert ("operational/workload/ml/PyTorchJob/llm-finetune", "operational/cloud-region/aws/eu-central-1") in hosted
    assert ("operational/storage-class/gp3-fast", "operational/cloud-provider/aws") in hosted
    assert ("operational/workload/ml/Service/api", "operational/cloud-provider/aws") in hosted  # from a List
    docs = [d for d in yaml.safe_load_all((GOOD / "gpu-training_multidoc-list.yaml").read_text()) if d]
    objects = sum(len(d["items"]) if d["kind"] == "List" else 1 for d in docs)
    assert objects == 6


@pytest.mark.parametrize(
    ("ref", "repository", "purl"),
    [
        ("nginx", "docker.io/library/nginx", "pkg:docker/nginx"),
        ("vllm/vllm-openai:v0.11.0", "docker.io/vllm/vllm-openai", "pkg:docker/vllm/vllm-openai@v0.11.0"),
        (
            "nvcr.io/nvidia/pytorch:24.01-py3",
            "nvcr.io/nvidia/pytorch",
            "pkg:docker/nvidia/pytorch@24.01-py3?repository_url=nvcr.io",
        ),
        ("docker.io/library/ubuntu:22.04", "docker.io/library/ubuntu", "pkg:docker/ubuntu@22.04"),
        ("localhost:5000/x/y:1", "localhost:5000/x/y", "pkg:docker/x/y@1?repository_url=localhost:5000"),
        (
            "registry.example.com/team/app:1.0@sha256:" + "b" * 64,
            "registry.example.com/team/app",
            "pkg:docker/team/app@sha256:" + "b" * 64 + "?repository_url=registry.example.com&tag=1.0",
        ),
        ("Quay.IO/Org/Img:tag", "quay.io/org/img", "pkg:docker/org/img@tag?repository_url=quay.io"),
    ],
)
def test_image_references(ref: str, repository: str, purl: str) -> None:
    img = parse_image(ref)
    assert img is not None
    assert img.repository == repository
    assert img.purl() == purl
    assert PackageURL.from_string(purl).to_string() == purl


@pytest.mark.parametrize("ref", ["$(IMAGE)", "{{ .Values.image }}", "${REPO}/x:1", "a b", "x@sha256:short", ""])
def test_unparseable_references(ref: str) -> None:
    assert parse_image(ref) is None


def test_alias_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    tp = TreePath.for_input("k8s-alias-bomb.yaml")
    assert KubernetesManifestCollector().detect(tp)
    start = time.perf_counter()
    with pytest.raises(InputError) as err:
        KubernetesManifestCollector().collect(tp)
    assert err.value.path == "k8s-alias-bomb.yaml"
    assert err.value.reason == "YAML expands to more than 500,000 nodes (aliases used over and over?)"
    assert time.perf_counter() - start < 5


def test_detection(tmp_path: Path) -> None:
    c = KubernetesManifestCollector()
    (tmp_path / "chart.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"
    )
    (tmp_path / "environment.yml").write_text("name: x\ndependencies: [python]\n")
    (tmp_path / "broken.yaml").write_text("apiVersion: v1\nkind: Pod\nspec: [\n")
    assert not c.detect(TreePath.for_input(tmp_path / "chart.yaml"))
    assert not c.detect(TreePath.for_input(tmp_path / "environment.yml"))
    assert c.detect(TreePath.for_input(tmp_path / "broken.yaml"))
    with pytest.raises(InputError, match="line 4: not valid YAML"):
        c.collect(TreePath.for_input(tmp_path / "broken.yaml"))
