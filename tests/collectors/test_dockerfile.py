"""Dockerfiles: stages, ARG substitution, base images and registries, COPY --from, declared installs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sovaudit import inventory_json
from sovaudit.collectors.dockerfile import DockerfileCollector, installs, instructions, substitute
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Inventory, Relation
from tests.conftest import GOLDEN, SAMPLES, assert_golden

GOOD = SAMPLES / "containers" / "good" / "dockerfile"
REAL = sorted(p.name for p in GOOD.iterdir())


def collect(path: Path | str) -> Inventory:
    tp = TreePath.for_input(path)
    c = DockerfileCollector()
    assert c.detect(tp), path
    return c.collect(tp).normalised()


def by_id(inv: Inventory) -> dict[str, object]:
    return {c.id: c for c in inv.components}


@pytest.mark.parametrize("name", REAL)
def test_real_samples_golden(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    inv = collect(name)
    text = (GOOD / name).read_text()
    stages = [c for c in inv.components if c.kind == "build-stage"]
    assert len(stages) == len(re.findall(r"(?im)^FROM\s", text))  # independent count
    derived = [e for e in inv.edges if e.relation is Relation.DERIVED_FROM]
    assert len(derived) == len(stages)
    assert [c.prop("dockerfile:final") for c in stages].count("true") == 1
    assert_golden(inventory_json.dump(inv), GOLDEN / "containers" / f"dockerfile-{name}.inventory.json")


def test_cdxgen_sample_digest_pin_registry_and_installs() -> None:
    inv = collect(GOOD / "cdxgen_Dockerfile.python3.12_digest-pinned_multistage")
    comps = by_id(inv)
    base = (
        "pkg:docker/bci/python@sha256:6e76b327fd9ddc764edca9d08194b6f6198f205e1eb1a706c6b7dd1775b57c18"
        "?repository_url=registry.suse.com&tag=3.12.12"
    )
    assert base in comps and "operational/registry/registry.suse.com" in comps
    registry = comps["operational/registry/registry.suse.com"]
    assert registry.prop("net:host") == "registry.suse.com"  # type: ignore[attr-defined]
    # the zypper lists, counted from the file: 10 in the base stage, 11 in the cdxgen stage
    text = (GOOD / "cdxgen_Dockerfile.python3.12_digest-pinned_multistage").read_text()
    lists = re.findall(r"--no-recommends \\\n((?:\s+[\w${}+-]+ \\\n|\s+[\w${}+-]+\n)+)", text)
    counted = sum(len(re.findall(r"[\w${}+-]+", block)) for block in lists)
    rpms = [c for c in inv.components if c.purl.startswith("pkg:rpm/")]
    assert counted == len(rpms) == 21
    assert "pkg:rpm/opensuse/gcc14" in comps  # gcc${GCC_VERSION} with ARG GCC_VERSION=14
    pypi = sorted(c.name for c in inv.components if c.purl.startswith("pkg:pypi/"))
    assert pypi == ["atom-tools", "blint", "pip", "pipenv", "poetry", "uv", "virtualenv"]
    assert all(c.prop("sovaudit:confidence") == "declared" for c in rpms)


def test_pytorch_sample_conda_env_and_copy_from() -> None:
    inv = collect(GOOD / "pytorch-accelerated_Dockerfile_cuda_multistage")
    comps = by_id(inv)
    assert "pkg:conda/python@3.12.0" in comps  # python=${PYTHON_VERSION}, from ENV
    copy = [e for e in inv.edges if dict(e.properties).get("dockerfile:how") == "copy-from"]
    assert len(copy) == 1 and copy[0].target.endswith("#compile-image") and copy[0].source.endswith("#build-image")
    conda_edge = next(e for e in inv.edges if e.target == "pkg:conda/python@3.12.0")
    assert conda_edge.scopes == ("build",)  # installed in a builder stage only
    assert "pkg:docker/nvidia/cuda@11.8.0-cudnn8-runtime-ubuntu22.04" in comps
    assert "operational/registry/docker.io" in comps


def test_trivy_sample_image_id_and_labels() -> None:
    inv = collect(GOOD / "trivy_Dockerfile-ubi8-8.3-227_labels")
    (stage,) = [c for c in inv.components if c.kind == "build-stage"]
    assert stage.prop("oci:label:vendor") == "Red Hat, Inc."
    assert stage.prop("oci:label:architecture") == "x86_64"  # $arch from ENV
    assert stage.prop("oci:label:com.redhat.component") == "ubi8-container"
    image = next(c for c in inv.components if c.kind == "container-image")
    assert (
        image.id == "software/container-image/sha256:4224eead35ea350b4b9d4ac67550e92efb9a50d3855cb3381469fe4c7e3f2053"
    )
    assert not any(c.kind == "registry" for c in inv.components)  # an image id names no registry


OWN = """# syntax=docker/dockerfile:1
# escape=\\
ARG REGISTRY=nvcr.io
ARG TAG=24.01-py3
FROM --platform=$BUILDPLATFORM ${REGISTRY}/nvidia/pytorch:${TAG} AS train
ENV CUDA_VERSION=12.3.2 NVIDIA_REQUIRE_CUDA="cuda>=12.3"
ARG TAG
LABEL org.opencontainers.image.source="https://example.eu/repo" build.tag=${TAG}
RUN <<EOF
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\
    libopenmpi-dev=4.1.6-7 openssh-client
EOF
RUN pip install --no-cache-dir -r requirements.txt "torch==2.2.0" 'transformers>=4.38' ./local-pkg \\
 && conda install -y -c conda-forge mpi4py=3.1.5 "nccl>=2.19" \\
 && spack install hdf5@1.14.3 +mpi ^openmpi@4.1.6 %gcc@12
# a comment inside the continuation is ignored
FROM alpine:3.19@sha256:${MISSING_DIGEST} AS broken
FROM ghcr.io/example/runtime:1.0 AS final
RUN --mount=type=cache,target=/root/.cache,from=train apk add --no-cache --virtual .deps curl=8.5.0-r0 bash
COPY --from=train /opt/model /opt/model
COPY --from=docker.io/library/busybox:1.36 /bin/busybox /bin/busybox
ENTRYPOINT ["python", "-m", "serve"]
"""


def test_own_sample_args_heredocs_installs_and_registries(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(OWN)
    inv = collect(path)
    comps = by_id(inv)
    train = next(c for c in inv.components if c.id.endswith("#train"))
    assert "pkg:docker/nvidia/pytorch@24.01-py3?repository_url=nvcr.io" in comps  # ARG defaults substituted
    assert comps["operational/registry/nvcr.io"].prop("net:host") == "nvcr.io"  # type: ignore[attr-defined]
    assert train.prop("compute:requires") == "nvidia-gpu" and train.prop("cuda:version") == "12.3.2"
    assert train.prop("oci:label:build.tag") == "24.01-py3"
    assert train.prop("dockerfile:platform") == "$BUILDPLATFORM"
    declared = {c.id for c in inv.components if c.prop("sovaudit:confidence") == "declared"}
    assert declared == {
        "pkg:deb/libopenmpi-dev@4.1.6-7",
        "pkg:deb/openssh-client",
        "pkg:pypi/torch@2.2.0",
        "pkg:pypi/transformers",
        "pkg:conda/mpi4py@3.1.5?channel=conda-forge",
        "pkg:conda/nccl?channel=conda-forge",
        "pkg:spack/hdf5@1.14.3",
        "pkg:spack/openmpi@4.1.6",
        "pkg:apk/alpine/curl@8.5.0-r0",
        "pkg:apk/alpine/bash",
    }
    broken = next(c for c in inv.components if c.kind == "container-image" and "MISSING" in c.name)
    assert broken.prop("oci:templated") == "true"
    final = next(c for c in inv.components if c.id.endswith("#final"))
    assert final.prop("dockerfile:final") == "true"
    uses = {
        (e.target, dict(e.properties)["dockerfile:how"]) for e in inv.edges if e.source == final.id and e.properties
    }
    assert (train.id, "copy-from") in uses and (train.id, "mount-from") in uses
    assert ("pkg:docker/busybox@1.36", "copy-from") in uses
    # packages of the final stage are run-time, those of the train stage build-time
    scopes = {e.target: e.scopes for e in inv.edges if e.relation is Relation.DEPENDS_ON and not e.properties}
    assert scopes["pkg:apk/alpine/curl@8.5.0-r0"] == ("run",) and scopes["pkg:pypi/torch@2.2.0"] == ("build",)
    # evidence points at the instruction's first line
    torch = comps["pkg:pypi/torch@2.2.0"]
    assert (
        torch.evidence[0].line
        == OWN.splitlines().index(  # type: ignore[attr-defined]
            next(line for line in OWN.splitlines() if line.startswith("RUN pip"))
        )
        + 1
    )


def test_substitution_rules() -> None:
    values = {"A": "1", "EMPTY": ""}
    assert (
        substitute("$A ${A} ${B:-x} ${EMPTY:-y} ${EMPTY-z} ${A:+set} ${B:+no} \\$A ${B}", values)
        == "1 1 x y  set  $A ${B}"
    )


def test_instruction_splitting() -> None:
    items = instructions("# escape=`\nFROM a\nRUN echo 1 `\n  # comment\n  && echo 2\n\nrun <<-X\n\tline\n\tX\n", "f")
    assert [(i.line, i.keyword) for i in items] == [(2, "FROM"), (3, "RUN"), (7, "RUN")]
    assert items[1].args == "echo 1 && echo 2" and items[2].heredocs == ["\tline"]


def test_install_parsing_edge_cases() -> None:
    found = installs(
        "sudo -E apt-get -o Dpkg::Options::=--force-confdef install -y ca-certificates ${PKG} 'bad name'"
        " | tee log; yum -y --setopt=tsflags=nodocs install gcc-c++ ./local.rpm && "
        "python3.11 -m pip install -e . numpy && uv pip install 'polars[all]==0.20.1' && "
        "micromamba create -n env -c bioconda bioconda::samtools=1.19 python && "
        "npm install -g @angular/cli@17.1.0 && echo apt-get install nothing"
    )
    assert [(i.ecosystem, i.name, i.version) for i in found] == [
        ("deb", "ca-certificates", ""),
        ("rpm", "gcc-c++", ""),
        ("pypi", "numpy", ""),
        ("pypi", "polars", "0.20.1"),
        ("conda", "samtools", "1.19"),
        ("conda", "python", ""),
        ("npm", "@angular/cli", "17.1.0"),
    ]
    assert installs("RUN echo 'unbalanced && apt-get install x") == []  # a quoting error: no crash


def test_detection_and_bad_input(tmp_path: Path) -> None:
    c = DockerfileCollector()
    readme = tmp_path / "Dockerfile.md"
    readme.write_text("FROM ubuntu\n")
    assert not c.detect(TreePath.for_input(readme))
    other = tmp_path / "Containerfile.gpu"
    other.write_text("# nothing here\nRUN true\n")
    assert not c.detect(TreePath.for_input(other))
    big = tmp_path / "Dockerfile"
    big.write_text("FROM scratch\n" + "RUN true\n" * 600_000)
    with pytest.raises(InputError, match="over the 4,194,304-byte limit") as err:
        c.collect(TreePath.for_input(big))
    assert err.value.path.endswith("Dockerfile")
    many = tmp_path / "many" / "Dockerfile"
    many.parent.mkdir()
    many.write_text("FROM scratch\n" + "ENV A=1\n" * 25_000)
    with pytest.raises(InputError, match="more than 20,000 instructions"):
        c.collect(TreePath.for_input(many))
