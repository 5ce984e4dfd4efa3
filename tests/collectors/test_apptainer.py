"""Apptainer/Singularity definition files and SIF images (header and descriptors, no apptainer)."""

from __future__ import annotations

import json
import re
import struct
import uuid
from pathlib import Path

import pytest

from sovaudit import inventory_json
from sovaudit.collectors.apptainer import ApptainerDefinitionCollector, SifCollector, parse_definition
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import InputStatus, Inventory, Relation
from tests.conftest import GOLDEN, SAMPLES, assert_golden

GOOD = SAMPLES / "containers" / "good"
DEFS = sorted(p.name for p in (GOOD / "apptainer-def").iterdir())
SIFS = sorted(p.name for p in (GOOD / "sif").iterdir())


def collect_def(path: Path | str) -> Inventory:
    tp = TreePath.for_input(path)
    c = ApptainerDefinitionCollector()
    assert c.detect(tp), path
    return c.collect(tp).normalised()


def collect_sif(path: Path | str) -> Inventory:
    tp = TreePath.for_input(path)
    c = SifCollector()
    assert c.detect(tp), path
    return c.collect(tp).normalised()


@pytest.mark.parametrize("name", DEFS)
def test_definition_samples_golden(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD / "apptainer-def")
    inv = collect_def(name)
    text = (GOOD / "apptainer-def" / name).read_text()
    stages = [c for c in inv.components if c.kind == "build-stage"]
    assert len(stages) == len(re.findall(r"(?im)^bootstrap\s*:", text))  # independent count
    assert_golden(inventory_json.dump(inv), GOLDEN / "containers" / f"apptainer-{name}.inventory.json")


def test_definition_details() -> None:
    legacy = collect_def(GOOD / "apptainer-def" / "Singularity_legacy.def")
    debs = sorted(c.name for c in legacy.components if c.purl.startswith("pkg:deb/ubuntu/"))
    assert debs == ["cryptsetup-bin", "squashfs-tools", "tzdata", "wget"]  # `apt-get install -y ...` in %post
    assert any(c.id == "pkg:docker/ubuntu@focal" for c in legacy.components)

    docker = collect_def(GOOD / "apptainer-def" / "examples_docker_Apptainer")
    (stage,) = [c for c in docker.components if c.kind == "build-stage"]
    assert stage.prop("apptainer:from") == "busybox:latest"  # the inline "# This is a comment" dropped

    alma = collect_def(GOOD / "apptainer-def" / "examples_almalinux-amd64_Apptainer")
    repo = next(c for c in alma.components if c.kind == "package-repository")
    assert repo.prop("net:host") == "repo.almalinux.org"
    assert {c.id for c in alma.components if c.purl} == {"pkg:rpm/almalinux/dnf", "pkg:rpm/almalinux/vim-minimal"}

    multi = collect_def(GOOD / "apptainer-def" / "examples_multistage_Apptainer")
    files = [e for e in multi.edges if dict(e.properties).get("apptainer:how") == "files-from"]
    assert len(files) == 1 and files[0].source.endswith("#two") and files[0].target.endswith("#one")
    assert any(c.id == "operational/registry/ghcr.io" for c in multi.components)  # oras: ghcr.io

    inspector = collect_def(GOOD / "apptainer-def" / "inspector_container.def")
    (stage,) = [c for c in inspector.components if c.kind == "build-stage"]
    assert stage.prop("apptainer:label:MAINTAINER") == "WestleyK <westley@sylabs.io>"
    assert stage.prop("apptainer:label:hi") == "hello world"
    assert sorted(v for k, v in stage.properties if k == "apptainer:app") == ["hello", "world"]


OWN = """# A GPU training image
Bootstrap: library
From: sylabs/examples/pytorch:2.1   # pinned by tag only
Stage: build

%post
    apt-get update && apt-get install -y --no-install-recommends build-essential
    pip3 install --no-cache-dir horovod==0.28.1

Bootstrap: docker
From: nvcr.io/nvidia/cuda:12.4.1-runtime-ubuntu22.04
Stage: final

%files from build
    /opt/venv /opt/venv

%environment
    export CUDA_VERSION=12.4.1
    export NVIDIA_DRIVER_CAPABILITIES=compute,utility

%labels
    Author hpc-team@example.eu
    Version "1.2"

%appinstall infer
    conda install -y -c conda-forge onnxruntime=1.17.1

%post
    spack install --fresh openmpi@4.1.6 fabrics=ofi
"""


def test_own_definition(tmp_path: Path) -> None:
    path = tmp_path / "train.def"
    path.write_text(OWN)
    inv = collect_def(path)
    ids = {c.id for c in inv.components}
    library = "software/container-image/library://sylabs/examples/pytorch:2.1"
    assert library in ids and "operational/registry/cloud.sylabs.io" in ids
    assert "pkg:docker/nvidia/cuda@12.4.1-runtime-ubuntu22.04?repository_url=nvcr.io" in ids
    final = next(c for c in inv.components if c.id.endswith("#final"))
    assert final.prop("compute:requires") == "nvidia-gpu" and final.prop("apptainer:label:Version") == "1.2"
    assert final.prop("apptainer:app") == "infer"
    declared = {c.id: c for c in inv.components if c.prop("sovaudit:confidence") == "declared"}
    assert set(declared) == {
        "pkg:deb/build-essential",
        "pkg:pypi/horovod@0.28.1",
        "pkg:conda/onnxruntime@1.17.1?channel=conda-forge",
        "pkg:spack/openmpi@4.1.6",
    }
    assert declared["pkg:conda/onnxruntime@1.17.1?channel=conda-forge"].prop("apptainer:app") == "infer"
    scopes = {e.target: e.scopes for e in inv.edges if e.relation is Relation.DEPENDS_ON}
    assert scopes["pkg:pypi/horovod@0.28.1"] == ("build",) and scopes["pkg:spack/openmpi@4.1.6"] == ("run",)
    assert parse_definition(OWN)[0].header["from"] == "sylabs/examples/pytorch:2.1"


def test_definition_detection_and_errors(tmp_path: Path) -> None:
    c = ApptainerDefinitionCollector()
    notes = tmp_path / "notes.def"
    notes.write_text("just some text\n")
    assert not c.detect(TreePath.for_input(notes))
    headless = tmp_path / "Singularity"
    headless.write_text("%post\n  echo hi\nBootstrap docker\n")
    assert not c.detect(TreePath.for_input(headless))
    big = tmp_path / "big.def"
    big.write_text("Bootstrap: docker\nFrom: x\n%post\n" + "echo x\n" * 300_000)
    with pytest.raises(InputError, match="over the 1,048,576-byte limit") as err:
        c.collect(TreePath.for_input(big))
    assert err.value.path.endswith("big.def")


# -- SIF --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", SIFS)
def test_sif_samples_golden(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD / "sif")
    inv = collect_sif(name)
    assert_golden(inventory_json.dump(inv), GOLDEN / "containers" / f"sif-{name}.inventory.json")


def test_sif_busybox_sample() -> None:
    inv = collect_sif(GOOD / "sif" / "apptainer-e2e_busybox_amd64.first45056bytes.sif")
    image = next(c for c in inv.components if c.kind == "container-image" and c.prop("sif:uuid"))
    assert image.prop("sif:uuid") == "4f307b4c-58a8-4753-9c0f-21dceefed4a6" and image.prop("sif:arch") == "amd64"
    assert image.prop("sif:label:org.label-schema.usage.singularity.deffile.from") == "busybox:1.33.1"
    assert image.prop("oci:cmd") == '["sh"]'  # oci-config.json
    assert image.prop("sif:truncated") == "true"  # the squashfs and the signature are cut off in the sample
    assert image.prop("sif:partition").startswith("squashfs, primary system, amd64")
    assert image.prop("sif:signature").startswith("SHA256 ")
    # the embedded definition: the image derives from busybox:1.33.1 on Docker Hub
    assert any(
        e.source == image.id and e.relation is Relation.DERIVED_FROM and e.target == "pkg:docker/busybox@1.33.1"
        for e in inv.edges
    )
    (skipped,) = [r for r in inv.inputs if r.status is InputStatus.SKIPPED]
    assert "not mounted" in skipped.reason


def make_sif(objects: list[tuple[int, str, bytes, bytes]], *, total: int = 8, cut: int = 0) -> bytes:
    """A SIF file: header, ``total`` descriptors (the first len(objects) used), data from 4096*8."""
    data_off = 32768
    descriptors = b""
    blobs = b""
    for i, (dtype, name, payload, extra) in enumerate(objects):
        off = data_off + len(blobs)
        descriptors += struct.pack(
            "<i?IIIqqqqqqq128s384s",
            dtype,
            True,
            i + 1,
            0xF0000001,
            0,
            off,
            len(payload),
            len(payload),
            1_700_000_000,
            1_700_000_000,
            0,
            0,
            name.encode(),
            extra,
        )
        blobs += payload
    descriptors += bytes(585) * (total - len(objects))
    header = b"#!/usr/bin/env run-singularity\n".ljust(32, b"\x00") + b"SIF_MAGIC\x00" + b"01\x00" + b"02\x00"
    header += uuid.UUID("12345678-1234-5678-1234-567812345678").bytes
    header += struct.pack(
        "<8q", 1_700_000_000, 1_700_000_000, total - len(objects), total, 4096, len(descriptors), data_off, len(blobs)
    )
    out = header.ljust(4096, b"\x00") + descriptors
    out = out.ljust(data_off, b"\x00") + blobs
    return out[: len(out) - cut] if cut else out


def test_generated_sif_with_every_object_kind(tmp_path: Path) -> None:
    definition = b"Bootstrap: docker\nFrom: rocm/pytorch:rocm6.1\n%environment\n  export ROCM_VERSION=6.1\n"
    oci_config = json.dumps({"Env": ["ROCM_PATH=/opt/rocm"], "Labels": {"org.opencontainers.image.vendor": "AMD"}})
    objects = [
        (0x4001, ".", definition, b""),
        (0x4006, "oci-config.json", oci_config.encode(), b""),
        (0x4003, ".", json.dumps({"site": "eu-hpc"}).encode(), b""),
        (0x4004, "squashfs-1", b"hsqs" + bytes(60), struct.pack("<ii3s", 1, 2, b"02")),
        (0x4005, ".", b"-----BEGIN PGP SIGNED MESSAGE-----", struct.pack("<i", 1) + bytes(range(20))),
        (0x4009, "sbom.json", b"{}", struct.pack("<i", 1)),
    ]
    path = tmp_path / "rocm.sif"
    path.write_bytes(make_sif(objects))
    inv = collect_sif(path)
    image = next(c for c in inv.components if c.prop("sif:uuid"))
    assert image.id == "software/container-image/rocm@12345678-1234-5678-1234-567812345678"
    assert image.prop("compute:requires") == "amd-instinct"  # from oci-config.json's Env
    assert image.prop("sif:label:site") == "eu-hpc" and image.prop("sif:label:org.opencontainers.image.vendor") == "AMD"
    assert image.prop("sif:sbom") == "cyclonedx-json"
    assert image.prop("sif:signature") == "SHA256 " + bytes(range(20)).hex()
    assert not image.prop("sif:truncated")
    assert any(e.target == "pkg:docker/rocm/pytorch@rocm6.1" for e in inv.edges if e.source == image.id)


def test_hostile_and_truncated_sif(tmp_path: Path) -> None:
    c = SifCollector()
    path = tmp_path / "bad.sif"
    path.write_bytes(make_sif([(0x4001, ".", b"Bootstrap: docker\nFrom: x\n", b"")], total=100_000)[:200_000])
    with pytest.raises(InputError, match="100000 descriptors") as err:
        c.collect(TreePath.for_input(path))
    assert err.value.path.endswith("bad.sif")
    path.write_bytes(make_sif([(0x4001, ".", b"x", b"")])[:5000])
    with pytest.raises(InputError, match="truncated inside its SIF descriptor table"):
        c.collect(TreePath.for_input(path))
    # a JSON object cut off at the end of the file: recorded, the rest still read
    path.write_bytes(make_sif([(0x4006, "oci-config.json", b'{"Env": []}' + b" " * 100, b"")], cut=50))
    inv = collect_sif(path)
    (failed,) = inv.failed
    assert (
        "extends past the end of the file" in failed.reason and failed.path.startswith(str(path.parent.name)) is False
    )
    # a JSON bomb in a metadata object
    path.write_bytes(make_sif([(0x4006, "inspect-metadata.json", b"[" * 50_000 + b"]" * 50_000, b"")]))
    (failed,) = collect_sif(path).failed
    assert "not valid JSON" in failed.reason
    assert not c.detect(TreePath.for_input(GOOD / "docker-save" / "containers-image_almostempty.tar"))
