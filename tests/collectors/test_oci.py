"""OCI image layouts (folder and tar), docker save archives: the image, and every collector inside it."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from sovaudit import inventory_json
from sovaudit.collectors.oci import OciImageCollector, Platform, accelerator_properties, looks_like_image_archive
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Component, InputStatus, Inventory, Relation
from sovaudit.pipeline import scan
from tests.conftest import GOLDEN, SAMPLES, assert_golden
from tests.test_image_fs import (
    DPKG_STATUS,
    base_layers,
    compress,
    manifest_descriptor,
    put_blob,
    sha256,
    tar_bytes,
    tar_folder,
    write_docker_save,
    write_image,
    write_index,
)

GOOD = SAMPLES / "containers" / "good"
GOLDEN_DIR = GOLDEN / "containers"

#: What base_layers() leaves installed (each deletion applied), as the collectors name it.
EXPECTED = {
    "pkg:conda/numpy@1.26.4?build=py311h64a7726_0&channel=conda-forge&subdir=linux-64",
    "pkg:deb/debian/base-files@12.4%2Bdeb12u5?arch=amd64&distro=debian-12",
    "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12",
    "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12",
    "pkg:pypi/numpy@1.26.4",
    "pkg:pypi/requests@2.31.0",
    "software/operating-system/debian@12",
}
IMAGE_KW: dict[str, Any] = {
    "env": ["CUDA_VERSION=12.4.1", "NVIDIA_VISIBLE_DEVICES=all", "HTTP_PROXY=http://user:secret@proxy:3128"],
    "labels": {
        "org.opencontainers.image.vendor": "Example Lab",
        "org.opencontainers.image.licenses": "Apache-2.0",
        "org.opencontainers.image.title": "example app",
    },
    "entrypoint": ["python3", "-m", "app"],
}


def collect(path: Path | str, **kw: Any) -> Inventory:
    tp = TreePath.for_input(path)
    collector = OciImageCollector(**kw)
    assert collector.detect(tp), path
    return collector.collect(tp).normalised()


def packages(inv: Inventory) -> set[str]:
    return {c.id for c in inv.components if c.kind not in ("container-image", "registry")}


def image_of(inv: Inventory) -> Component:
    images = [c for c in inv.components if c.purl.startswith("pkg:oci/")]
    assert len(images) == 1, [c.id for c in images]
    return images[0]


def make_layout(
    root: Path, name: str = "app.oci", ref: str = "ghcr.io/example/app:1.0", *, plain: bool = False
) -> Path:
    """The image of base_layers() (gzip, zstd, plain layers; all plain for the golden, whose digests
    must not depend on the zlib and zstd builds of the machine)."""
    layout = root / name
    layers = [(tar, "plain") for tar, _ in base_layers()] if plain else base_layers()
    digest, size = write_image(
        layout,
        layers,
        annotations={
            "org.opencontainers.image.base.name": "docker.io/library/debian:12",
            "org.opencontainers.image.base.digest": "sha256:" + "cd" * 32,
        },
        **IMAGE_KW,
    )
    write_index(layout, [manifest_descriptor(digest, size, ref=ref)])
    return layout


# -- the generated image, in every form -------------------------------------------------------------
def test_layout_folder_golden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_layout(tmp_path, plain=True)
    monkeypatch.chdir(tmp_path)
    inv = collect("app.oci")
    assert packages(inv) >= EXPECTED
    assert not any(
        "curl" in c.id or "urllib3@" in c.id or "openssl" in c.id or "conda/python" in c.id for c in inv.components
    )  # deleted in layer 3
    image = image_of(inv)
    assert image.id.startswith("pkg:oci/app@sha256:") and "repository_url=ghcr.io/example/app" in image.id
    assert image.supplier == "Example Lab" and image.licenses == "Apache-2.0"
    assert image.prop("compute:requires") == "nvidia-gpu" and image.prop("cuda:version") == "12.4.1"
    assert not any("secret" in v for _, v in image.properties)  # only accelerator variables are kept
    assert image.prop("oci:entrypoint") == '["python3", "-m", "app"]'
    contained = {e.target for e in inv.edges if e.source == image.id and e.relation is Relation.CONTAINS}
    assert contained == packages(inv) & contained and contained >= EXPECTED
    assert ("pkg:oci/app" in image.id) and any(
        e.relation is Relation.DERIVED_FROM and e.target.startswith("pkg:docker/debian@sha256:cdcd") for e in inv.edges
    )
    assert any(c.id == "operational/registry/ghcr.io" and c.prop("net:host") == "ghcr.io" for c in inv.components)
    # evidence inside the image names the image and the path in it
    deb = next(c for c in inv.components if c.id.startswith("pkg:deb/debian/zlib1g"))
    assert {e.path for e in deb.evidence} == {
        f"app.oci@{image.version}:/var/lib/dpkg/status",
        f"app.oci@{image.version}:/usr/share/doc/zlib1g/copyright",
    }
    assert deb.licenses == "Zlib"  # its copyright file, read through the image
    skipped = [r for r in inv.inputs if r.status is InputStatus.SKIPPED]
    assert [r.path.rsplit(":", 1)[1] for r in skipped] == ["/usr/share/escape"]
    assert_golden(inventory_json.dump(inv), GOLDEN_DIR / "generated-app.oci.inventory.json")


def test_tar_of_layout_docker_save_and_docker25_give_the_same_packages(tmp_path: Path) -> None:
    layout = make_layout(tmp_path)
    from_layout = collect(layout)
    archive = tmp_path / "app-oci.tar"
    tar_folder(layout, archive)
    from_tar = collect(archive)
    assert packages(from_tar) == packages(from_layout)
    assert image_of(from_tar).id == image_of(from_layout).id  # the same manifest digest

    docker = tmp_path / "app-docker.tar"
    config = write_docker_save(docker, [t for t, _ in base_layers()], ["example/app:1.0"], **IMAGE_KW)
    from_docker = collect(docker)
    assert packages(from_docker) == packages(from_layout)
    image = image_of(from_docker)
    assert image.version == config == image.prop("oci:image-id")  # no manifest: the image id
    assert image.prop("oci:repository") == "docker.io/example/app" and image.prop("oci:tag") == "1.0"

    # Docker 25+: the layout plus manifest.json, whose RepoTags name the image
    d25 = tmp_path / "d25"
    shutil.copytree(layout, d25)
    manifest = json.loads((d25 / "index.json").read_text())["manifests"][0]
    doc = json.loads((d25 / "blobs/sha256" / manifest["digest"][7:]).read_text())
    layers = [f"blobs/sha256/{layer['digest'][7:]}" for layer in doc["layers"]]
    entry = {
        "Config": f"blobs/sha256/{doc['config']['digest'][7:]}",
        "RepoTags": ["registry.example.eu/team/app:2.0"],
        "Layers": layers,
    }
    (d25 / "manifest.json").write_text(json.dumps([entry]))
    tar_folder(d25, tmp_path / "d25.tar")
    from_d25 = collect(tmp_path / "d25.tar")
    assert packages(from_d25) == packages(from_layout)
    assert image_of(from_d25).prop("oci:tag") == "1.0"  # the OCI ref name still names it
    assert "2.0" in [v for k, v in image_of(from_d25).properties if k == "oci:tag"]


def test_scan_walks_into_the_image(tmp_path: Path) -> None:
    """The whole pipeline: the image found in a folder, its collectors run, one merged inventory."""
    make_layout(tmp_path / "stack")
    (tmp_path / "stack" / "notes.txt").write_text("not stack content")
    result = scan([tmp_path / "stack"], collectors=[OciImageCollector()])  # not registered yet
    ids = {c.id for c in result.inventory.components}
    assert ids >= EXPECTED
    assert not result.crashes and not result.unreadable
    assert any(r.collector == "dpkg-status" and "@sha256:" in r.path for r in result.inventory.inputs)


# -- platforms --------------------------------------------------------------------------------------
def make_multiarch(root: Path) -> tuple[Path, dict[str, str]]:
    """A layout whose only ref is an index (nested once) of an amd64 and an arm64 image."""
    layout = root / "multi.oci"
    digests = {}
    descriptors = []
    for arch in ("amd64", "arm64"):
        status = DPKG_STATUS.replace(b"amd64", arch.encode())
        layer = tar_bytes([("var/lib/dpkg/status", "file", status)])
        digest, size = write_image(layout, [(layer, "gzip")], arch=arch)
        digests[arch] = digest
        descriptors.append(manifest_descriptor(digest, size, platform={"os": "linux", "architecture": arch}))
    descriptors.append(
        {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": digests["amd64"],
            "size": 1,
            "platform": {"os": "unknown", "architecture": "unknown"},
        }
    )  # an attestation
    inner = json.dumps(
        {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": descriptors}
    ).encode()
    inner_digest = put_blob(layout, inner)
    outer = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [
                {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": inner_digest, "size": len(inner)}
            ],
        }
    ).encode()
    outer_digest = put_blob(layout, outer)
    write_index(
        layout,
        [
            {
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "digest": outer_digest,
                "size": len(outer),
                "annotations": {"org.opencontainers.image.ref.name": "3.0"},
            }
        ],
    )
    return layout, digests


@pytest.mark.parametrize("arch", ["amd64", "arm64"])
def test_platform_selection(tmp_path: Path, arch: str) -> None:
    layout, digests = make_multiarch(tmp_path)
    inv = collect(layout, platform=f"linux/{arch}")
    image = image_of(inv)
    assert image.version == digests[arch] and image.prop("oci:architecture") == arch
    debs = sorted(c.id for c in inv.components if c.id.startswith("pkg:deb/"))
    assert len(debs) == 3 and all(f"arch={arch}" in d for d in debs)


def test_platform_missing_is_recorded(tmp_path: Path) -> None:
    layout, _ = make_multiarch(tmp_path)
    inv = collect(layout, platform="linux/s390x")
    assert not inv.components
    (record,) = inv.inputs
    assert record.status is InputStatus.SKIPPED
    assert "no image for linux/s390x" in record.reason and "linux/amd64, linux/arm64" in record.reason


def test_platform_parsing_and_host_default() -> None:
    assert Platform.parse("linux/arm64/v8") == Platform("linux", "arm64", "v8")
    assert Platform.parse("arm64") == Platform("linux", "arm64")
    assert Platform.parse("linux/arm64").matches(Platform("linux", "arm64", "v8"))
    assert not Platform.parse("linux/arm/v7").matches(Platform("linux", "arm", "v6"))
    with pytest.raises(ValueError, match="is not a platform"):
        Platform.parse("linux/")
    assert OciImageCollector().platform == Platform.host()
    assert Platform.host().os == "linux"


def test_real_index_samples_select_by_platform() -> None:
    """containers/image's index fixtures: the variant and zstd-twin selection rules."""
    from sovaudit.collectors.oci import _Reader

    class Probe(_Reader):
        """Records which child descriptor an index selection follows, without reading blobs."""

        picked: list[str]

        def descriptor(self, desc: dict[str, Any], *args: Any, **kw: Any) -> None:
            self.picked.append(desc["digest"])

    for sample, want, expected in (
        ("ocilist-variants.json", "linux/arm/v7", "sha256:" + "e" * 64),
        ("schema2list.json", "linux/amd64", "sha256:030fcb92e1487b18c974784dcc110a93147c9fc402188370fbfd17efabffc6af"),
        ("oci1.index.zstd-selection.json", "linux/amd64", "sha256:" + "a" * 64),  # the gzip one comes first
    ):
        doc = json.loads((GOOD / "manifests" / sample).read_text())
        probe = Probe(source=SimpleNamespace(display="x"), want=Platform.parse(want), limits=None)  # type: ignore[arg-type]
        probe.picked = []
        probe.index(doc, "sha256:x", "p", [], 0, ())
        assert probe.picked == [expected], sample


# -- real samples -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sample", "golden"),
    [
        ("oci-layout/trivy_test.oci", "trivy_test.oci"),
        ("oci-layout/containers-image_multiple_images_nested-index", "nested-index"),
        ("docker-save/containers-image_almostempty.tar", "almostempty.tar"),
    ],
)
def test_real_samples_golden(sample: str, golden: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    inv = collect(sample, platform="linux/amd64")
    assert_golden(inventory_json.dump(inv), GOLDEN_DIR / f"{golden}.inventory.json")


def test_nested_index_sample_counts() -> None:
    """7 references, 4 distinct amd64 manifests; each layer blob is not a tar, recorded, not crashed."""
    layout = GOOD / "oci-layout" / "containers-image_multiple_images_nested-index"
    index = json.loads((layout / "index.json").read_text())
    assert len(index["manifests"]) == 7
    inv = collect(layout, platform="linux/amd64")
    images = [c for c in inv.components if c.kind == "container-image"]
    assert len(images) == 4
    tags = sorted(v for c in images for k, v in c.properties if k == "oci:tag")
    assert tags == sorted(a["annotations"]["org.opencontainers.image.ref.name"] for a in index["manifests"])
    failed = [r for r in inv.inputs if r.status is InputStatus.FAILED]
    assert len(failed) == 4 and all("is not a tar archive" in r.reason for r in failed)
    on_386 = collect(layout, platform="linux/386")
    assert {c.version for c in on_386.components} >= {
        "sha256:f6d60fd529b234d3e28837e15294d935f55da58ce57c4f9218cad38d0be82ce3",
        "sha256:be6036f9b6a4e120a04868c47f1b8674f58b2fe5e410cba9f585a13ca8946cf0",
    }


def test_trivy_sample_layer_is_read() -> None:
    inv = collect(GOOD / "oci-layout" / "trivy_test.oci")
    image = image_of(inv)
    assert image.prop("oci:cmd") == '["/hello"]' and image.prop("oci:created") == "2020-01-03T01:21:37.263809283Z"
    assert not inv.failed


def test_whiteout_layer_sample(tmp_path: Path) -> None:
    """trivy's whiteout layer on top of a generated lower layer: opaque etc/, foo/foo deleted."""
    from sovaudit.image_fs import Blob, ImageFS, LayerInput

    lower = tar_bytes([("etc/passwd", "file", b"root"), ("foo/foo", "file", b"x"), ("foo/keep", "file", b"k")])
    upper = (GOOD / "layers" / "trivy_walker_test_layer_with-whiteouts.tar").read_bytes()
    fds = []
    for data in (lower, upper):
        fd = os.memfd_create("layer")
        os.write(fd, data)
        fds.append((fd, len(data)))
    try:
        fs = ImageFS.build("t", [LayerInput(blob=Blob(fd, 0, n)) for fd, n in fds])
        root = fs.tree()
        assert root.names() == ["app", "baz", "etc", "foo", "vendor"]
        assert (root / "etc").names() == [] and (root / "foo").names() == ["keep"]
        assert (root / "vendor/bar").read_bytes() == b"bar\n" and (root / "baz").read_bytes() == b"baz\n"
    finally:
        for fd, _ in fds:
            os.close(fd)


# -- layers not read, and hostile archives ----------------------------------------------------------
def test_encrypted_and_non_distributable_layers_are_reported(tmp_path: Path) -> None:
    layout = tmp_path / "partial.oci"
    ok = tar_bytes([("var/lib/dpkg/status", "file", DPKG_STATUS)])
    digest, _ = write_image(layout, [(ok, "gzip")])
    manifest = json.loads((layout / "blobs/sha256" / digest[7:]).read_text())
    manifest["layers"] += [
        {
            "mediaType": "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
            "digest": "sha256:" + "1" * 64,
            "size": 10,
        },
        {
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip+encrypted",
            "digest": "sha256:" + "2" * 64,
            "size": 10,
        },
    ]
    data = json.dumps(manifest).encode()
    write_index(layout, [manifest_descriptor(put_blob(layout, data), len(data))])
    inv = collect(layout)
    assert len([c for c in inv.components if c.id.startswith("pkg:deb/")]) == 3
    reasons = sorted(r.reason for r in inv.inputs if r.status is InputStatus.SKIPPED)
    assert len(reasons) == 2
    assert "a non-distributable layer not in the archive" in reasons[0]
    assert "an encrypted layer" in reasons[1]
    assert image_of(inv).prop("oci:incomplete") == "layers 2, 3 not read"


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ([("../../etc/passwd", "file", b"x")], "member '../../etc/passwd' climbs out of the image"),
        ([("/etc/passwd", "file", b"x")], "has an absolute name"),
        ([("dev/nvidia0", "chr", None)], "member 'dev/nvidia0' is a device file"),
        ([("usr/bin/x", "hardlink", "../../../etc/shadow")], "hard link out of the tree"),
    ],
)
def test_hostile_layer_fails_the_file_system_not_the_image(tmp_path: Path, members: list[Any], message: str) -> None:
    layout = tmp_path / "bad.oci"
    digest, size = write_image(
        layout, [(tar_bytes([("var/lib/dpkg/status", "file", DPKG_STATUS)]), "gzip"), (tar_bytes(members), "gzip")]
    )
    write_index(layout, [manifest_descriptor(digest, size)])
    inv = collect(layout)
    assert [c.kind for c in inv.components] == ["container-image"]  # the metadata, nothing from the layers
    (failed,) = inv.failed
    assert failed.path == f"{TreePath.for_input(layout).display()}@{digest}"
    assert failed.reason.startswith("layer 2 (sha256:") and message in failed.reason


def test_layer_digest_mismatch_and_missing_blob(tmp_path: Path) -> None:
    layout = tmp_path / "tampered.oci"
    digest, size = write_image(layout, [(tar_bytes([("a", "file", b"x")]), "gzip")])
    write_index(layout, [manifest_descriptor(digest, size)])
    manifest = json.loads((layout / "blobs/sha256" / digest[7:]).read_text())
    blob = layout / "blobs/sha256" / manifest["layers"][0]["digest"][7:]
    blob.write_bytes(compress(tar_bytes([("a", "file", b"y")]), "gzip"))
    (failed,) = collect(layout).failed
    assert "digest mismatch" in failed.reason and failed.reason.startswith("layer 1")
    blob.unlink()
    (failed,) = collect(layout).failed
    assert "the blob is missing" in failed.reason


def test_manifest_digest_mismatch_is_an_error(tmp_path: Path) -> None:
    layout = tmp_path / "tampered.oci"
    digest, size = write_image(layout, [(tar_bytes([("a", "file", b"x")]), "gzip")])
    write_index(layout, [manifest_descriptor(digest, size)])
    path = layout / "blobs/sha256" / digest[7:]
    path.write_text(path.read_text().replace('"schemaVersion": 2', '"schemaVersion": 2 '))
    with pytest.raises(InputError, match="digest mismatch: blobs/sha256/") as err:
        collect(layout)
    assert err.value.path.endswith("tampered.oci")


def test_index_that_points_to_itself(tmp_path: Path) -> None:
    layout = tmp_path / "loop.oci"
    # An index naming its own digest cannot be written (a fixed point of sha256); two indexes
    # naming each other can't either. A chain that comes back is the reachable case: index B -> A -> B.
    a_doc = {"schemaVersion": 2, "manifests": []}
    a = json.dumps(a_doc).encode()
    a_digest = put_blob(layout, a)
    b = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": a_digest, "size": len(a)}],
        }
    ).encode()
    b_digest = put_blob(layout, b)
    # a now claims to list b: rewrite a's blob under its old name (so its digest no longer matches)
    (layout / "blobs/sha256" / a_digest[7:]).write_bytes(
        json.dumps(
            {
                "schemaVersion": 2,
                "manifests": [
                    {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": b_digest, "size": len(b)}
                ],
            }
        ).encode()
    )
    write_index(layout, [{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": b_digest, "size": len(b)}])
    with pytest.raises(InputError, match="digest mismatch"):
        collect(layout)
    # The cycle check itself, without digests in the way:
    from sovaudit.collectors.oci import _Reader

    reader = _Reader(source=SimpleNamespace(display="x"), want=Platform.parse("linux/amd64"), limits=None)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="refers back to itself"):
        reader.descriptor({"digest": b_digest}, "index.json#/manifests/0", [], 1, (b_digest,), top=False)


def test_json_bombs(tmp_path: Path) -> None:
    layout = tmp_path / "bomb.oci"
    write_index(layout, [])
    (layout / "index.json").write_text('{"manifests": ' + "[" * 10_000 + "]" * 10_000 + "}")
    with pytest.raises(InputError, match="nested too deeply|not valid JSON") as err:
        collect(layout)
    assert err.value.path.endswith("bomb.oci") and "index.json" in err.value.reason
    (layout / "index.json").write_text('{"manifests": [' + ",".join(["{}"] * 2_000_000) + "]}")
    with pytest.raises(InputError, match="over the 4,194,304-byte limit"):
        collect(layout)
    (layout / "index.json").write_text('{"manifests": [' + ",".join(["1"] * 20_000) + "]}")
    with pytest.raises(InputError, match="20,000 manifests, over the limit"):
        collect(layout)


def test_hostile_outer_archives(tmp_path: Path) -> None:
    for members, message in (
        ([("manifest.json", "file", b"[]"), ("../evil", "file", b"x")], "member '../evil' climbs out"),
        ([("manifest.json", "file", b"[]"), ("/abs", "file", b"x")], "has an absolute name"),
        ([("manifest.json", "file", b"[]"), ("link", "symlink", "/etc/passwd")], "a link that leaves the archive"),
        ([("manifest.json", "file", b"[]"), ("link", "hardlink", "../x")], "a link that leaves the archive"),
        ([("manifest.json", "file", b"[]"), ("dev", "blk", None)], "is a device file"),
        ([("manifest.json", "file", b'[{"Config": "../x.json", "Layers": []}]')], "outside the archive"),
    ):
        archive = tmp_path / "evil.tar"
        archive.write_bytes(tar_bytes(members))
        with pytest.raises(InputError, match=re.escape(message)) as err:
            collect(archive)
        assert err.value.path.endswith("evil.tar")
    archive.write_bytes(compress(tar_bytes([("manifest.json", "file", b"[]")]), "gzip"))
    assert not OciImageCollector().detect(TreePath.for_input(archive))  # compressed: not claimed


def test_detection() -> None:
    assert looks_like_image_archive((GOOD / "docker-save/containers-image_almostempty.tar").read_bytes()[:4096])
    assert not looks_like_image_archive(tar_bytes([("src/main.c", "file", b"int main;")])[:4096])
    assert not looks_like_image_archive(b"PK\x03\x04" + bytes(600))
    assert not OciImageCollector().detect(TreePath.for_input(GOOD / "dockerfile"))


def test_accelerator_environment() -> None:
    props = accelerator_properties(
        ["ROCM_VERSION=6.1", "HIP_PLATFORM=amd", "PATH=/bin", "AWS_SECRET=x", "NVIDIA_VISIBLE_DEVICES=void"]
    )
    assert ("compute:requires", "amd-instinct") in props and ("rocm:version", "6.1") in props
    assert ("compute:requires", "nvidia-gpu") not in props  # "void" asks for no GPU
    assert not any("AWS" in v or "PATH" in v for _, v in props)


# -- real tools (Debian's umoci and skopeo) ---------------------------------------------------------
def _tools() -> bool:
    found = shutil.which("umoci") is not None and shutil.which("skopeo") is not None
    if not found and os.environ.get("CI") == "true":
        pytest.fail("umoci/skopeo missing under CI: .ci/run must run tests/fixtures/install_container_tools.sh")
    return found


def _run(*args: str | Path) -> None:
    subprocess.run([str(a) for a in args], check=True, capture_output=True, timeout=120)


@pytest.mark.skipif(
    not (shutil.which("umoci") and shutil.which("skopeo")) and os.environ.get("CI") != "true",
    reason="umoci and skopeo (Debian packages) are not installed",
)
def test_umoci_image_and_skopeo_docker_archive_give_the_packages_put_in(tmp_path: Path) -> None:
    """umoci builds a real OCI image from a root file system, one repack per layer of base_layers()
    (the third deletes curl, urllib3 and two conda packages); skopeo converts it to docker-archive.
    sovaudit reads both forms and finds exactly what was put in, minus what was deleted."""
    assert _tools()
    layout = tmp_path / "umoci.oci"
    bundle = tmp_path / "bundle"
    _run("umoci", "init", "--layout", layout)
    _run("umoci", "new", "--image", f"{layout}:app")
    _run("umoci", "unpack", "--rootless", "--image", f"{layout}:app", bundle)
    rootfs = bundle / "rootfs"
    for layer, _ in base_layers():
        for name, kind, payload in _members(layer):
            _apply(rootfs, name, kind, payload)
        _run("umoci", "repack", "--refresh-bundle", "--image", f"{layout}:app", bundle)
    manifest = json.loads(_manifest(layout))
    assert len(manifest["layers"]) == 3
    inv = collect(layout)
    assert packages(inv) == EXPECTED
    assert [r.path.rsplit(":", 1)[1] for r in inv.inputs if r.status is InputStatus.SKIPPED] == ["/usr/share/escape"]
    archive = tmp_path / "app-docker.tar"
    _run("skopeo", "copy", f"oci:{layout}:app", f"docker-archive:{archive}:example/app:1.0")
    from_docker = collect(archive)
    assert packages(from_docker) == EXPECTED
    assert image_of(from_docker).prop("oci:tag") == "1.0"


def _manifest(layout: Path) -> str:
    desc = json.loads((layout / "index.json").read_text())["manifests"][0]
    return (layout / "blobs/sha256" / desc["digest"][7:]).read_text()


def _members(tar: bytes) -> list[tuple[str, str, Any]]:
    import io
    import tarfile

    out: list[tuple[str, str, Any]] = []
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        for m in t.getmembers():
            if m.isdir():
                out.append((m.name, "dir", None))
            elif m.issym():
                out.append((m.name, "symlink", m.linkname))
            elif m.islnk():
                out.append((m.name, "hardlink", m.linkname))
            else:
                f = t.extractfile(m)
                assert f is not None
                out.append((m.name, "file", f.read()))
    return out


def _apply(rootfs: Path, name: str, kind: str, payload: Any) -> None:
    """One member of a generated layer, applied to a real root file system (whiteouts as deletions)."""
    path = rootfs / name
    if path.name == ".wh..wh..opq":
        for child in path.parent.iterdir():
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
        return
    if path.name.startswith(".wh."):
        gone = path.parent / path.name[4:]
        shutil.rmtree(gone) if gone.is_dir() and not gone.is_symlink() else gone.unlink()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "dir":
        path.mkdir(exist_ok=True)
        return
    if path.is_symlink() or path.exists():
        path.unlink()
    if kind == "symlink":
        path.symlink_to(payload)
    elif kind == "hardlink":
        os.link(rootfs / payload, path)
    else:
        path.write_bytes(payload)


def test_sha256_helper_matches_hashlib() -> None:
    assert sha256(b"abc") == "sha256:" + hashlib.sha256(b"abc").hexdigest()


def test_container_samples_with_every_collector_in_registry_order() -> None:
    """With the registered collectors (first match wins, by name), the container collectors read the
    container samples and no other collector claims them; nothing crashes."""
    from sovaudit.collectors.apptainer import ApptainerDefinitionCollector, SifCollector
    from sovaudit.collectors.dockerfile import DockerfileCollector
    from sovaudit.pipeline import load_collectors

    mine = [
        OciImageCollector(platform="linux/amd64"),
        DockerfileCollector(),
        ApptainerDefinitionCollector(),
        SifCollector(),
    ]
    collectors = sorted([*load_collectors(), *mine], key=lambda c: c.name)
    result = scan([GOOD], collectors=collectors)
    assert not result.crashes
    by_collector: dict[str, int] = {}
    for r in result.inventory.inputs:
        if r.status is InputStatus.READ:
            by_collector[r.collector] = by_collector.get(r.collector, 0) + 1
    assert by_collector == {"oci-image": 6, "dockerfile": 3, "apptainer-definition": 6, "sif-image": 2}


def test_the_cli_platform_option_selects_the_image(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json as json_mod

    from sovaudit.cli import main

    layout, digests = make_multiarch(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["-q", "--platform", "linux/arm64", "scan", str(layout)])
    assert digests["arm64"] != digests["amd64"]
    assert exc.value.code == 0
    doc = json_mod.loads(capsys.readouterr().out)
    debs = [c["id"] for c in doc["components"] if c["id"].startswith("pkg:deb/")]
    assert len(debs) == 3 and all("arch=arm64" in d for d in debs)
