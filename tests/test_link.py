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
