"""The link stage: one software under several managers is linked, not merged and not duplicated silently."""

from __future__ import annotations

from sovaudit.graph import StackGraph
from sovaudit.link import manager, same_software, software_name
from sovaudit.model import Component, Edge, Evidence, Inventory, Layer, Relation


def c(cid: str, name: str, version: str = "", *, kind: str = "package", purl: str = "", **props: str) -> Component:
    return Component(
        id=cid,
        layer=Layer.SOFTWARE,
        kind=kind,
        name=name,
        version=version,
        purl=purl,
        properties=tuple(sorted(props.items())),
        evidence=(Evidence(path=f"{cid}.txt", collector="t"),),
    )


SPACK = c("pkg:spack/openmpi@4.1.5", "openmpi", "4.1.5", purl="pkg:spack/openmpi@4.1.5")
DEB = c(
    "pkg:deb/debian/libopenmpi3@4.1.4-3",
    "libopenmpi3",
    "4.1.4-3",
    purl="pkg:deb/debian/libopenmpi3@4.1.4-3",
    **{"deb:source": "openmpi"},
)
MODULE = c("software/module/openmpi@4.1.5", "openmpi", "4.1.5", kind="module")
CONDA_NUMPY = c("pkg:conda/numpy@2.0.0", "numpy", "2.0.0", purl="pkg:conda/numpy@2.0.0")
PYPI_NUMPY = c("pkg:pypi/numpy@2.0.0", "numpy", "2.0.0", purl="pkg:pypi/numpy@2.0.0")
PYPI_OTHER = c("pkg:pypi/scipy@1.0", "scipy", "1.0", purl="pkg:pypi/scipy@1.0")


def test_manager_and_name() -> None:
    assert manager(SPACK) == "spack" and manager(MODULE) == "module"
    assert software_name(DEB) == "openmpi"
    assert software_name(c("x", "PyTorch")) == "torch"
    assert software_name(c("x", "typing_extensions")) == "typing-extensions"


def test_openmpi_from_three_managers_is_linked_pairwise_with_both_evidences() -> None:
    edges = same_software([SPACK, DEB, MODULE, PYPI_OTHER])
    pairs = {(e.source, e.target) for e in edges}
    assert pairs == {
        (DEB.id, MODULE.id),
        (DEB.id, SPACK.id),
        (MODULE.id, SPACK.id),
    }
    dm = next(e for e in edges if {e.source, e.target} == {DEB.id, SPACK.id})
    assert dm.relation is Relation.SAME_AS
    assert dict(dm.properties)["sovaudit:version-match"] == "false"
    assert {ev.path for ev in dm.evidence} == {f"{DEB.id}.txt", f"{SPACK.id}.txt"}
    ms = next(e for e in edges if {e.source, e.target} == {MODULE.id, SPACK.id})
    assert dict(ms.properties)["sovaudit:version-match"] == "true"


def test_same_manager_duplicates_and_unresolved_are_not_linked() -> None:
    other_build = c("pkg:spack/openmpi@4.1.5?hash=abc", "openmpi", "4.1.5", purl="pkg:spack/openmpi@4.1.5?hash=abc")
    placeholder = Component(
        id="pkg:pypi/openmpi",
        layer=Layer.SOFTWARE,
        kind="package",
        name="openmpi",
        purl="pkg:pypi/openmpi",
        properties=(("sovaudit:unresolved", "true"),),
    )
    assert same_software([SPACK, other_build, placeholder]) == []


def test_linked_components_stay_two_components_in_the_graph() -> None:
    g = StackGraph.merge([Inventory(components=(CONDA_NUMPY, PYPI_NUMPY))])
    g.add(Inventory(edges=tuple(same_software(g.components()))))
    assert len(g) == 2
    [edge] = list(g.edges(relation=Relation.SAME_AS))
    assert (edge.source, edge.target) == (CONDA_NUMPY.id, PYPI_NUMPY.id)


def test_large_groups_stay_linear() -> None:
    many = [
        c(f"pkg:conda/numpy@1.{i}?platform=p{i}", "numpy", f"1.{i}", purl=f"pkg:conda/numpy@1.{i}") for i in range(200)
    ]
    pypi = [c(f"pkg:pypi/numpy@1.{i}", "numpy", f"1.{i}", purl=f"pkg:pypi/numpy@1.{i}") for i in range(200)]
    edges = same_software(many + pypi)
    assert len(edges) == 200  # each conda record to the first pypi one, not 200 x 200


# -- modules, targets, requirements ---------------------------------------------------------------
from datetime import date  # noqa: E402

from sovaudit.link import modules_to_packages, targets_to_cpus  # noqa: E402


def test_module_links_to_the_spack_build_with_its_hash_prefix() -> None:
    spack = c(
        "pkg:spack/openmpi@4.1.5?hash=abcdefghijklmnopqrstuvwxyz234567",
        "openmpi",
        "4.1.5",
        purl="pkg:spack/openmpi@4.1.5?hash=abcdefghijklmnopqrstuvwxyz234567",
    )
    other = c(
        "pkg:spack/openmpi@4.1.5?hash=zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
        "openmpi",
        "4.1.5",
        purl="pkg:spack/openmpi@4.1.5?hash=zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
    )
    mod = c("software/module/openmpi@4.1.5", "openmpi", "4.1.5", kind="module", **{"module:spack-hash": "abcdefg"})
    [edge] = modules_to_packages([spack, other, mod])
    assert (edge.source, edge.target) == (mod.id, spack.id)
    assert dict(edge.properties)["sovaudit:link"] == "module-loads:spack-hash"


def test_module_links_to_the_easybuild_build_of_the_same_module_name() -> None:
    eb = c(
        "pkg:easybuild/GROMACS@2023.3?toolchain=foss-2023a",
        "GROMACS",
        "2023.3",
        purl="pkg:easybuild/GROMACS@2023.3?toolchain=foss-2023a",
        **{"easybuild:module": "GROMACS/2023.3-foss-2023a"},
    )
    mod = c("software/module/GROMACS@2023.3-foss-2023a", "GROMACS", "2023.3-foss-2023a", kind="module")
    [edge] = modules_to_packages([eb, mod])
    assert edge.target == eb.id and dict(edge.properties)["sovaudit:link"] == "module-loads:easybuild-module"


def test_ambiguous_name_version_is_not_guessed() -> None:
    a = c("pkg:spack/zlib@1.3?hash=aaaa", "zlib", "1.3", purl="pkg:spack/zlib@1.3?hash=aaaa")
    b = c("pkg:spack/zlib@1.3?hash=bbbb", "zlib", "1.3", purl="pkg:spack/zlib@1.3?hash=bbbb")
    mod = c("software/module/zlib@1.3", "zlib", "1.3", kind="module")
    assert modules_to_packages([a, b, mod]) == []
    assert [e.target for e in modules_to_packages([a, mod])] == [a.id]


def compute(cid: str, name: str, kind: str, **props: str) -> Component:
    return Component(
        id=cid,
        layer=Layer.COMPUTE,
        kind=kind,
        name=name,
        properties=tuple(sorted(props.items())),
        evidence=(Evidence(path=f"{name}.txt", collector="t"),),
    )


def test_spack_target_runs_on_every_cpu_that_can_execute_it() -> None:
    target = compute("compute/cpu-target/zen2", "zen2", "cpu-target")
    zen4 = compute("compute/cpu/epyc-9654", "AMD EPYC 9654", "cpu", **{"cpu:microarchitecture": "zen4"})
    zen1 = compute("compute/cpu/epyc-7601", "AMD EPYC 7601", "cpu", **{"cpu:microarchitecture": "zen"})
    intel = compute("compute/cpu/xeon", "Intel Xeon 8480", "cpu", **{"cpu:microarchitecture": "sapphirerapids"})
    edges = targets_to_cpus([target, zen4, zen1, intel])
    assert [(e.source, e.target, e.relation) for e in edges] == [(target.id, zen4.id, Relation.RUNS_ON)]


def test_kb_requirement_links_cuda_to_the_gpus_and_through_them_the_model() -> None:
    from sovaudit import knowledge
    from sovaudit.pipeline import audit
    from sovaudit.rules import load_packs

    cuda = c(
        "pkg:pypi/nvidia-cuda-runtime-cu12@12.1.105",
        "nvidia-cuda-runtime-cu12",
        "12.1.105",
        purl="pkg:pypi/nvidia-cuda-runtime-cu12@12.1.105",
    )
    torch = c("pkg:pypi/torch@2.3.1", "torch", "2.3.1", purl="pkg:pypi/torch@2.3.1")
    gpu = compute("compute/accelerator/a100", "NVIDIA A100-SXM4-80GB", "accelerator")
    model = Component(id="pkg:huggingface/acme/m@1", layer=Layer.MODEL, kind="model", name="acme/m", licenses="MIT")
    inv = Inventory(
        components=(cuda, torch, gpu, model),
        edges=(
            Edge(source=torch.id, target=cuda.id, relation=Relation.DEPENDS_ON),
            Edge(source=model.id, target=torch.id, relation=Relation.BUILT_WITH),
        ),
    )
    result = audit(inv, kb=knowledge.load(), packs=load_packs(["core"]), today=date(2026, 11, 27))
    g = StackGraph.merge([result.inventory])
    assert cuda.id in g.dependents(gpu.id) and model.id in g.dependents(gpu.id)
    [hub_edge] = [e for e in g.edges(relation=Relation.RUNS_ON) if e.source == cuda.id]
    hub = g.component(hub_edge.target)
    assert hub.kind == "requirement" and hub.prop("sovaudit:kb-entry") == "nvidia-gpu" and not hub.unresolved
    assert g.dependencies(hub.id) == [gpu.id]
    # The hub is plumbing, not a part of the stack: the compute layer counts the GPU only.
    compute_layer = next(ls for ls in result.scores.layers if ls.layer is Layer.COMPUTE)
    assert compute_layer.components == 1
    # Without GPUs in the stack, the requirement stays as an unresolved placeholder.
    alone = audit(
        Inventory(components=(cuda,)), kb=knowledge.load(), packs=load_packs(["core"]), today=date(2026, 11, 27)
    )
    placeholder = [x for x in alone.inventory.components if x.kind == "requirement"]
    assert len(placeholder) == 1 and placeholder[0].unresolved


def test_version_match_uses_upstream_versions_and_says_unknown_when_one_is_missing() -> None:
    from sovaudit.link import upstream_version, version_match

    deb = c(
        "pkg:deb/debian/libopenmpi3@4.1.4-3+b1",
        "libopenmpi3",
        "4.1.4-3+b1",
        purl="pkg:deb/debian/libopenmpi3@4.1.4-3+b1",
        **{"deb:source": "openmpi"},
    )
    spack = c("pkg:spack/openmpi@4.1.4", "openmpi", "4.1.4", purl="pkg:spack/openmpi@4.1.4")
    root = c("pkg:spack/openmpi", "openmpi", purl="pkg:spack/openmpi")
    assert upstream_version(deb) == "4.1.4"
    assert upstream_version(c("pkg:deb/debian/x@1:2.0-1", "x", "1:2.0-1", purl="pkg:deb/debian/x@1:2.0-1")) == "2.0"
    assert version_match(deb, spack) == "true" and version_match(deb, root) == "unknown"


def test_spack_py_packages_link_to_the_python_project() -> None:
    spack = c("pkg:spack/py-numpy@1.26.4", "py-numpy", "1.26.4", purl="pkg:spack/py-numpy@1.26.4")
    conda = c("pkg:conda/numpy@1.26.4", "numpy", "1.26.4", purl="pkg:conda/numpy@1.26.4")
    [edge] = same_software([spack, conda])
    assert {edge.source, edge.target} == {spack.id, conda.id}


# -- image references, Kubernetes images, GPU types, model frameworks, requirement hubs ----------
from pathlib import Path  # noqa: E402

import networkx as nx  # noqa: E402

from sovaudit.graph import ancestor_counts  # noqa: E402
from sovaudit.link import gres_to_devices, model_frameworks, models_to_frameworks, references_to_images  # noqa: E402
from sovaudit.pipeline import scan  # noqa: E402
from tests.conftest import REPO  # noqa: E402

GPU_IMAGE_DIR = REPO / "sample_stacks" / "gpu-container" / "image"
GPU_IMAGE_DIGEST = "sha256:eb22dd4f114a0004521a540be1d448bec4c1fc94a59be8144eeb4443e117066d"
GPU_IMAGE = (
    f"pkg:oci/gpu-infer@{GPU_IMAGE_DIGEST}?arch=amd64&repository_url=registry.example.org/acme/gpu-infer&tag=1.0"
)
IMAGE_CUDA_WHEEL = "pkg:pypi/nvidia-cuda-runtime-cu12@12.1.105"


def image_links(g: StackGraph) -> dict[tuple[str, str], str]:
    return {
        (e.source, e.target): dict(e.properties)["sovaudit:link"]
        for e in g.edges(relation=Relation.DEPENDS_ON)
        if dict(e.properties).get("sovaudit:link", "").startswith("image-reference:")
    }


def scan_graph(*paths: Path) -> StackGraph:
    result = scan(list(paths))
    assert not result.unreadable and not result.crashes
    return StackGraph.merge([result.inventory])


def test_a_dockerfile_from_the_scanned_image_depends_on_it_and_so_on_what_it_contains(tmp_path: Path) -> None:
    """An application image built on the team's GPU base (the gpu-container sample's OCI layout)."""
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM registry.example.org/acme/gpu-infer:1.0\nCOPY app.py /app/app.py\n")
    g = scan_graph(dockerfile, GPU_IMAGE_DIR)
    ref = "pkg:docker/acme/gpu-infer@1.0?repository_url=registry.example.org"
    assert image_links(g) == {(ref, GPU_IMAGE): "image-reference:tag"}
    [edge] = [e for e in g.edges(relation=Relation.DEPENDS_ON) if (e.source, e.target) == (ref, GPU_IMAGE)]
    assert {ev.path for ev in edge.evidence} == {str(dockerfile), f"{GPU_IMAGE_DIR}"}
    stage = f"software/build-stage/{dockerfile}#0"
    # the blast radius crosses: the CUDA runtime wheel inside the image has the Dockerfile's stage as a dependent
    assert IMAGE_CUDA_WHEEL in nx.descendants(g.nx, GPU_IMAGE)
    assert stage in g.dependents(IMAGE_CUDA_WHEEL)


def test_a_digest_pinned_from_matches_the_scanned_image_whatever_the_repository(tmp_path: Path) -> None:
    """A digest names one image: a mirror's copy of the same manifest is that image."""
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(f"FROM mirror.example.net/base/gpu-infer@{GPU_IMAGE_DIGEST}\n")
    g = scan_graph(dockerfile, GPU_IMAGE_DIR)
    ref = f"pkg:docker/base/gpu-infer@{GPU_IMAGE_DIGEST}?repository_url=mirror.example.net"
    assert image_links(g) == {(ref, GPU_IMAGE): "image-reference:digest"}


def test_references_no_scanned_image_matches_stay_unlinked(tmp_path: Path) -> None:
    other = "sha256:" + "0" * 64
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        "FROM registry.example.org/acme/gpu-infer:2.0 AS newer\n"  # another tag
        f"FROM registry.example.org/acme/gpu-infer:1.0@{other} AS pinned\n"  # right tag, other digest
        "FROM ubuntu:22.04\n"
    )
    g = scan_graph(dockerfile, GPU_IMAGE_DIR)
    assert image_links(g) == {}
    assert "pkg:docker/acme/gpu-infer@2.0?repository_url=registry.example.org" in g
    # the sample's own Dockerfile builds FROM NVIDIA's CUDA image, which was not scanned: no link either
    assert image_links(scan_graph(REPO / "sample_stacks" / "gpu-container")) == {}


def test_a_kubernetes_deployment_of_the_scanned_image_reaches_what_the_image_contains(tmp_path: Path) -> None:
    manifest = tmp_path / "deploy.yaml"
    manifest.write_text(
        "apiVersion: apps/v1\n"
        "kind: Deployment\n"
        "metadata: {name: infer, namespace: ml}\n"
        "spec:\n"
        "  template:\n"
        "    spec:\n"
        "      containers:\n"
        "        - name: infer\n"
        "          image: registry.example.org/acme/gpu-infer:1.0\n"
        "          resources: {limits: {nvidia.com/gpu: 1}}\n"
        "        - name: proxy\n"
        "          image: nginx:1.27\n"
    )
    g = scan_graph(manifest, GPU_IMAGE_DIR)
    ref = "pkg:docker/acme/gpu-infer@1.0?repository_url=registry.example.org"
    assert image_links(g) == {(ref, GPU_IMAGE): "image-reference:tag"}
    workload = next(c.id for c in g.components(kind="workload"))
    assert {ref, "pkg:docker/nginx@1.27"} <= set(g.dependencies(workload))
    assert workload in g.dependents(IMAGE_CUDA_WHEEL)
    assert not [d for d in g.dependencies("pkg:docker/nginx@1.27") if d.startswith("pkg:oci/")]


def oci(cid: str, repository: str, *tags: str, digest: str = "") -> Component:
    props = [("oci:repository", repository), *(("oci:tag", t) for t in tags)]
    if digest:
        props.append(("oci:digest", digest))
    return Component(
        id=cid,
        layer=Layer.SOFTWARE,
        kind="container-image",
        name=repository,
        purl=cid,
        properties=tuple(sorted(props)),
        evidence=(Evidence(path=f"{cid}.tar", collector="t"),),
    )


def test_a_tag_two_scanned_images_carry_is_not_guessed_and_latest_is_the_default_tag() -> None:
    a = oci("pkg:oci/app@sha256:aa", "docker.io/acme/app", "1.0", "latest", digest="sha256:aa")
    b = oci("pkg:oci/app@sha256:bb", "docker.io/acme/app", "1.0", digest="sha256:bb")
    by_tag = oci("pkg:docker/acme/app@1.0", "docker.io/acme/app", "1.0")
    bare = oci("pkg:docker/acme/app", "docker.io/acme/app")
    pinned = oci("pkg:docker/acme/app@sha256:bb", "docker.io/acme/app", digest="sha256:bb")
    edges = references_to_images([a, b, by_tag, bare, pinned])
    assert sorted((e.source, e.target) for e in edges) == [(bare.id, a.id), (pinned.id, b.id)]


def test_a_slurm_gpu_type_is_the_same_hardware_as_the_gpus_nvidia_smi_names() -> None:
    """Slurm's AutoDetect rule: a gres Type names a device when it is a substring of the device name."""
    nc = REPO / "sample_stacks" / "national-centre"
    g = scan_graph(nc / "etc" / "slurm", nc / "captures")
    [edge] = list(g.edges(relation=Relation.SAME_AS))
    assert (edge.source, edge.target) == ("compute/accelerator/gpu:a100", "compute/accelerator/NVIDIA A100-SXM4-80GB")
    assert dict(edge.properties)["sovaudit:link"] == "gres-type-in-device-name"
    assert {ev.path for ev in edge.evidence} >= {
        str(nc / "etc/slurm/gres.conf"),
        str(nc / "captures/gpu001.nvidia-smi.xml"),
    }
    h100 = compute("compute/accelerator/h100", "NVIDIA H100 80GB HBM3", "accelerator")
    typed = compute("compute/accelerator/gpu:h100", "h100", "accelerator", **{"slurm:gres": "gpu:h100"})
    untyped = compute("compute/accelerator/gpu", "gpu", "accelerator", **{"slurm:gres": "gpu"})
    mig = compute("compute/accelerator/gpu:1g.10gb", "1g.10gb", "accelerator", **{"slurm:gres": "gpu:1g.10gb"})
    assert [(e.source, e.target) for e in gres_to_devices([h100, typed, untyped, mig])] == [(typed.id, h100.id)]


def model(cid: str, **props: str) -> Component:
    return Component(id=cid, layer=Layer.MODEL, kind="model", name=cid, properties=tuple(sorted(props.items())))


def test_a_model_is_built_with_the_framework_its_weights_are_for() -> None:
    torch = c("pkg:pypi/torch@2.3.1", "torch", "2.3.1", purl="pkg:pypi/torch@2.3.1")
    conda_torch = c("pkg:conda/pytorch@2.3.1", "pytorch", "2.3.1", purl="pkg:conda/pytorch@2.3.1")
    tf = c("pkg:pypi/tensorflow@2.16.1", "tensorflow", "2.16.1", purl="pkg:pypi/tensorflow@2.16.1")
    pt = model("m/pt", **{"safetensors:metadata.format": "pt"})
    pickled = model("m/bin", **{"model:weight-format": "pytorch-pickle"})
    tagged = model("m/tf", **{"hf:tags": "text-generation,tf"})
    gguf = model("m/gguf", **{"model:weight-format": "gguf", "hf:tags": "llama"})
    assert model_frameworks(pt) == [("torch", "safetensors-format")]
    assert model_frameworks(gguf) == []
    edges = {
        (e.source, e.target): dict(e.properties)["sovaudit:link"]
        for e in models_to_frameworks([torch, conda_torch, tf, pt, pickled, tagged, gguf])
    }
    assert edges == {
        (pt.id, torch.id): "model-framework:safetensors-format",
        (pt.id, conda_torch.id): "model-framework:safetensors-format",
        (pickled.id, torch.id): "model-framework:pickle-weights",
        (pickled.id, conda_torch.id): "model-framework:pickle-weights",
        (tagged.id, tf.id): "model-framework:hub-tag",
    }


def test_requirement_hubs_pass_the_blast_radius_on_without_counting_in_it() -> None:
    nodes = ["cuda", "torch", "hub", "gpu"]
    edges = [("torch", "cuda"), ("cuda", "hub"), ("hub", "gpu")]
    assert ancestor_counts(nodes, edges, ["gpu"]) == {"gpu": 3}
    assert ancestor_counts(nodes, edges, ["gpu"], uncounted=["hub"]) == {"gpu": 2}


def test_an_audit_counts_the_gpus_dependents_without_the_hub() -> None:
    from sovaudit import knowledge
    from sovaudit.pipeline import audit
    from sovaudit.rules import load_packs

    cuda = c(IMAGE_CUDA_WHEEL, "nvidia-cuda-runtime-cu12", "12.1.105", purl=IMAGE_CUDA_WHEEL)
    torch = c("pkg:pypi/torch@2.3.1", "torch", "2.3.1", purl="pkg:pypi/torch@2.3.1")
    cudnn = c(
        "pkg:pypi/nvidia-cudnn-cu12@8.9.2.26",
        "nvidia-cudnn-cu12",
        "8.9.2.26",
        purl="pkg:pypi/nvidia-cudnn-cu12@8.9.2.26",
    )
    gpu = compute("compute/accelerator/a100", "NVIDIA A100-SXM4-80GB", "accelerator")
    inv = Inventory(
        components=(cuda, torch, cudnn, gpu),
        edges=(Edge(source=torch.id, target=cuda.id, relation=Relation.DEPENDS_ON),),
    )
    result = audit(inv, kb=knowledge.load(), packs=load_packs(["core"]), today=date(2026, 11, 27))
    g = StackGraph.merge([result.inventory])
    # cuDNN requires the CUDA runtime, which requires NVIDIA GPUs: cuDNN runs on the GPU hub too
    assert "compute/requirement/nvidia-gpu" in g.dependencies(cudnn.id)
    cost = next(x for x in result.scores.costs if x.finding == "CORE-ALL-001:nvidia-gpu")
    # dependents of the GPU: cuda, torch, cudnn (3 of the 4 stack components, the hub not among them)
    assert cost.blast == round(1 + 3 / 3, 4)
