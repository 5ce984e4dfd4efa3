"""The gpu-container sample stack: a Dockerfile and a generated OCI image layout, read at once."""

from __future__ import annotations

import runpy
from pathlib import Path

from sovaudit.model import InputStatus, Relation
from sovaudit.pipeline import scan

STACK = Path(__file__).resolve().parents[1] / "sample_stacks" / "gpu-container"


def test_stack_scans_image_and_dockerfile() -> None:
    inv = scan([STACK]).inventory
    assert not [r.path for r in inv.inputs if r.status is InputStatus.FAILED]
    images = [c for c in inv.components if c.purl.startswith("pkg:oci/gpu-infer@")]
    assert len(images) == 1
    image = images[0]
    assert image.prop("compute:requires") == "nvidia-gpu" and image.prop("cuda:version") == "12.4.1"
    contained = {e.target for e in inv.edges if e.source == image.id and e.relation is Relation.CONTAINS}
    assert any(t.startswith("pkg:deb/ubuntu/libnvidia-compute-535@535.183.01") for t in contained)
    assert any(t.startswith("pkg:deb/ubuntu/libc6@") for t in contained)
    assert {"pkg:pypi/torch@2.3.1", "pkg:pypi/nvidia-cuda-runtime-cu12@12.1.105"} <= contained
    assert any(
        e.source == "pkg:pypi/torch@2.3.1"
        and e.target == "pkg:pypi/nvidia-cuda-runtime-cu12@12.1.105"
        and e.relation is Relation.DEPENDS_ON
        for e in inv.edges
    )
    registry = next(c for c in inv.components if c.id == "operational/registry/nvcr.io")
    assert registry.prop("net:host") == "nvcr.io"


def test_generator_reproduces_committed_image(tmp_path: Path) -> None:
    build = runpy.run_path(str(STACK / "make_image.py"))["build"]
    out = tmp_path / "image"
    build(out)
    committed = STACK / "image"

    def files(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    assert files(out) == files(committed)
