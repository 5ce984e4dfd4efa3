"""The sample stacks under sample_stacks/ scan cleanly and the audit finds what their READMEs promise.

Each stack is scanned as a user would run it from the repository root (evidence paths are then
``sample_stacks/<stack>/...``, as the READMEs show them) and audited with the shipped knowledge
base and rule packs on a fixed date, so that review dates in the KB do not change the result.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date

import pytest

from sovaudit import knowledge, rules
from sovaudit.audit import Audit
from sovaudit.model import Finding, InputStatus, Relation
from sovaudit.pipeline import ScanResult, audit, scan
from tests.conftest import REPO

TODAY = date(2026, 11, 27)

HPC = "sample_stacks/hpc-cluster"
ML = "sample_stacks/python-ml-service"

# Components of the hpc-cluster stack the assertions name (ids as the collectors write them).
SPACK_CUDA = "pkg:spack/cuda@12.4.1?hash=znn2dasb2arb2rab7bvcf22egxdhux2z"
SPACK_OPENMPI = "pkg:spack/openmpi@4.1.4?hash=5w3bgajeqyzx7tknn2rnlcq7336656zv"
SPACK_GROMACS = "pkg:spack/gromacs@2023.3?hash=b7eqfa6d4mx7uqnzp6svk4hwcalrqvkl"
MODULE_CUDA = "software/module/cuda@12.4.1"
MODULE_OPENMPI = "software/module/openmpi@4.1.4"
MODULE_GROMACS = "software/module/gromacs@2023.3"
EB_CUDA = "pkg:easybuild/CUDA@12.1.1?toolchain=system"
EB_OPENMPI = "pkg:easybuild/OpenMPI@4.1.5?toolchain=GCC-12.3.0"
EB_GROMACS = "pkg:easybuild/GROMACS@2023.3?toolchain=foss-2023a&versionsuffix=-CUDA-12.1.1"
CONDA_CUDA_RUNTIME = "pkg:conda/cuda-runtime@12.1.0?build=0&channel=nvidia/label/cuda-12.1.0&subdir=linux-64"
CONDA_CUDNN = "pkg:conda/cudnn@8.9.7.29?build=h092f7fd_3&channel=conda-forge&subdir=linux-64"
CONDA_PYTORCH = "pkg:conda/pytorch@2.3.1?build=py3.11_cuda12.1_cudnn8.9.2_0&channel=pytorch&subdir=linux-64"
CONDA_MKL = "pkg:conda/mkl@2022.2.1?build=h84fe81f_16997&channel=conda-forge&subdir=linux-64"
DEB = "?arch=amd64&distro=debian-12"
DEB_LIBOPENMPI = f"pkg:deb/debian/libopenmpi3@4.1.4-3%2Bb1{DEB}"
DEB_OPENMPI_BIN = f"pkg:deb/debian/openmpi-bin@4.1.4-3%2Bb1{DEB}"
DEB_FABRICMANAGER = f"pkg:deb/debian/nvidia-fabricmanager-535@535.183.01-1{DEB}"
DEB_DRIVER = f"pkg:deb/debian/nvidia-driver-535@535.183.01-1{DEB}"
DEB_SLURM_CLIENT = f"pkg:deb/debian/slurm-client@22.05.8-4%2Bdeb12u3{DEB}"

MODULES = f"{HPC}/modules/linux-debian12-x86_64"
DPKG_STATUS = f"{HPC}/node-image/var/lib/dpkg/status"
CONDA_META = f"{HPC}/conda/envs/torch-gpu/conda-meta"


@pytest.fixture(scope="module")
def in_repo() -> Iterator[None]:
    """Run from the repository root, so evidence paths read as the READMEs write them."""
    before = os.getcwd()
    os.chdir(REPO)
    try:
        yield
    finally:
        os.chdir(before)


@pytest.fixture(scope="module")
def hpc_scan(in_repo: None) -> ScanResult:
    return scan([HPC])


@pytest.fixture(scope="module")
def hpc_audit(hpc_scan: ScanResult) -> Audit:
    return audit(hpc_scan.inventory, kb=knowledge.load(), packs=rules.load_packs(), today=TODAY)


@pytest.fixture(scope="module")
def ml_audit(in_repo: None) -> Audit:
    result = scan([ML])
    assert not result.unreadable and not result.crashes
    return audit(result.inventory, kb=knowledge.load(), packs=rules.load_packs(), today=TODAY)


def finding(a: Audit, finding_id: str) -> Finding:
    f = a.finding(finding_id)
    assert f is not None, f"{finding_id} not found; found: {sorted(x.id for x in a.findings)}"
    return f


def evidence_paths(f: Finding) -> set[str]:
    return {ev.path for ev in f.evidence}


# -- hpc-cluster: the scan --------------------------------------------------------------------------
def test_hpc_cluster_scans_without_failures(hpc_scan: ScanResult) -> None:
    inputs = hpc_scan.inventory.inputs
    assert not hpc_scan.unreadable
    assert not hpc_scan.crashes
    assert [r for r in inputs if r.status is not InputStatus.READ] == []
    assert len(inputs) == 64  # every file of the sample except this README


def test_hpc_cluster_every_expected_collector_reads_its_files(hpc_scan: ScanResult) -> None:
    read: dict[str, list[str]] = {}
    for r in hpc_scan.inventory.inputs:
        read.setdefault(r.collector, []).append(r.path)
    assert read["spack-lock"] == [f"{HPC}/spack/spack.lock"]
    assert read["spack-environment"] == [f"{HPC}/spack/spack.yaml"]
    assert read["dpkg-status"] == [DPKG_STATUS]
    assert read["conda-environment"] == [f"{HPC}/conda/environment.yml"]
    assert read["easybuild-easystack"] == [f"{HPC}/easybuild/easystack-2023a-gpu.yml"]
    assert len(read["easybuild-easyconfig"]) == 15
    assert f"{HPC}/easybuild/easyconfigs/GROMACS-2023.3-foss-2023a-CUDA-12.1.1.eb" in read["easybuild-easyconfig"]
    assert len(read["module-tree"]) == 14
    assert f"{MODULES}/Core/gcc/13.2.0.lua" in read["module-tree"]
    assert len(read["conda-meta"]) == 30  # 29 package records and the history
    assert f"{CONDA_META}/history" in read["conda-meta"]


def test_hpc_cluster_components_per_manager(hpc_scan: ScanResult) -> None:
    comps = {c.id: c for c in hpc_scan.inventory.components}

    def count(prefix: str, path_part: str) -> int:
        return sum(
            1
            for c in comps.values()
            if c.id.startswith(prefix) and not c.unresolved and any(path_part in ev.path for ev in c.evidence)
        )

    assert count("pkg:spack/", f"{HPC}/spack/spack.lock") == 65  # the concrete specs of the lockfile
    assert count("software/module/", MODULES) == 14
    assert count("pkg:easybuild/", f"{HPC}/easybuild/easyconfigs/") == 15
    assert count("pkg:conda/", CONDA_META) == 29
    assert count("pkg:deb/debian/", DPKG_STATUS) == 24

    gromacs = comps[SPACK_GROMACS]
    assert gromacs.prop("spack:variant:cuda") == "true"
    assert gromacs.prop("spack:variant:cuda_arch") == "80"
    assert gromacs.prop("spack:target") == "zen3"
    assert comps[SPACK_CUDA].prop("spack:external-prefix") == "/usr/local/cuda-12.4"
    assert comps[SPACK_OPENMPI].prop("spack:external-prefix") == "/usr"
    assert comps[DEB_LIBOPENMPI].prop("deb:source") == "openmpi"
    assert comps["compute/cpu-target/zen3"].supplier == "AMD"
    # Spack-generated modules carry the DAG hash of the build they load (in their install prefix).
    assert comps[MODULE_GROMACS].prop("module:spack-hash") == "b7eqfa6d4mx7uqnzp6svk4hwcalrqvkl"
    assert comps[MODULE_GROMACS].prop("module:built-by") == "spack"
    assert comps[MODULE_OPENMPI].prop("module:adds-modulepath").endswith("/openmpi/4.1.4-5w3bgaj/gcc/13.2.0")


def test_hpc_cluster_edges_inside_each_manager(hpc_scan: ScanResult) -> None:
    edges = {(e.source, e.target, e.relation) for e in hpc_scan.inventory.edges}
    assert (SPACK_GROMACS, SPACK_CUDA, Relation.DEPENDS_ON) in edges
    assert (SPACK_GROMACS, SPACK_OPENMPI, Relation.DEPENDS_ON) in edges
    assert (SPACK_GROMACS, "software/compiler/gcc@13.2.0", Relation.BUILT_WITH) in edges
    assert (SPACK_GROMACS, "compute/cpu-target/zen3", Relation.RUNS_ON) in edges
    assert (MODULE_GROMACS, MODULE_CUDA, Relation.DEPENDS_ON) in edges  # depends_on("cuda/12.4.1")
    assert (MODULE_GROMACS, MODULE_OPENMPI, Relation.DEPENDS_ON) in edges  # the MPI level of the hierarchy
    assert (MODULE_GROMACS, SPACK_GROMACS, Relation.DEPENDS_ON) in edges  # the module loads that build
    assert (EB_GROMACS, EB_CUDA, Relation.DEPENDS_ON) in edges
    assert (EB_GROMACS, "pkg:easybuild/foss@2023a?toolchain=system", Relation.BUILT_WITH) in edges
    assert (DEB_LIBOPENMPI, f"pkg:deb/debian/libucx0@1.13.1-1{DEB}", Relation.DEPENDS_ON) in edges
    assert (
        CONDA_PYTORCH,
        "pkg:conda/pytorch-cuda@12.1?build=ha16c6d3_5&channel=pytorch&subdir=linux-64",
        Relation.DEPENDS_ON,
    ) in edges


def test_hpc_cluster_same_as_links_openmpi_across_managers(hpc_scan: ScanResult) -> None:
    same = {
        frozenset((e.source, e.target)): dict(e.properties)
        for e in hpc_scan.inventory.edges
        if e.relation is Relation.SAME_AS
    }
    # Open MPI: dpkg (Debian 4.1.4) <-> the Spack external <-> the site module <-> EasyBuild's 4.1.5
    for a, b in [
        (DEB_LIBOPENMPI, SPACK_OPENMPI),
        (DEB_OPENMPI_BIN, SPACK_OPENMPI),
        (DEB_LIBOPENMPI, MODULE_OPENMPI),
        (DEB_LIBOPENMPI, EB_OPENMPI),
        (EB_OPENMPI, SPACK_OPENMPI),
        (MODULE_OPENMPI, EB_OPENMPI),
    ]:
        assert frozenset((a, b)) in same, f"no same-as edge between {a} and {b}"
    assert same[frozenset((MODULE_OPENMPI, SPACK_OPENMPI))]["sovaudit:version-match"] == "true"
    assert same[frozenset((EB_OPENMPI, SPACK_OPENMPI))]["sovaudit:version-match"] == "false"  # 4.1.5 vs 4.1.4
    # the other software the README says is linked
    assert same[frozenset((EB_GROMACS, SPACK_GROMACS))]["sovaudit:version-match"] == "true"
    assert same[frozenset((MODULE_GROMACS, SPACK_GROMACS))]["sovaudit:version-match"] == "true"
    assert same[frozenset((EB_CUDA, SPACK_CUDA))]["sovaudit:version-match"] == "false"  # 12.1.1 vs 12.4.1
    assert frozenset((EB_CUDA, MODULE_CUDA)) in same
    assert frozenset((f"pkg:deb/debian/libssl3@3.0.15-1~deb12u1{DEB}", "pkg:spack/openssl@3.0.15")) in same
    assert (
        frozenset((f"pkg:deb/debian/libucx0@1.13.1-1{DEB}", "pkg:easybuild/UCX@1.14.1?toolchain=GCCcore-12.3.0"))
        in same
    )


# -- hpc-cluster: the audit (the must-find lock-ins of its README) ---------------------------------
def test_hpc_cluster_cuda_is_found_in_every_manager(hpc_audit: Audit) -> None:
    f = finding(hpc_audit, "CORE-SW-001:nvidia-cuda")
    assert {SPACK_CUDA, MODULE_CUDA, EB_CUDA, CONDA_CUDA_RUNTIME} <= set(f.components)
    assert {
        f"{HPC}/spack/spack.lock",
        f"{HPC}/spack/spack.yaml",
        f"{MODULES}/Core/cuda/12.4.1.lua",
        f"{HPC}/easybuild/easyconfigs/CUDA-12.1.1.eb",
        f"{CONDA_META}/cuda-runtime-12.1.0-0.json",
    } <= evidence_paths(f)
    spack_ev = [ev for ev in f.evidence if ev.path == f"{HPC}/spack/spack.lock"]
    assert [ev.pointer for ev in spack_ev] == ["/concrete_specs/znn2dasb2arb2rab7bvcf22egxdhux2z"]
    for rule in ("CORE-ALL-001", "CORE-ALL-004"):
        assert SPACK_CUDA in finding(hpc_audit, f"{rule}:nvidia-cuda").components


def test_hpc_cluster_cudnn_cublas_and_the_cuda_build_of_pytorch(hpc_audit: Audit) -> None:
    cudnn = finding(hpc_audit, "CORE-SW-001:nvidia-cudnn")
    assert CONDA_CUDNN in cudnn.components
    assert f"{CONDA_META}/cudnn-8.9.7.29-h092f7fd_3.json" in evidence_paths(cudnn)
    cublas = finding(hpc_audit, "HPC-004:nvidia-math-libs")
    assert cublas.components == (
        "pkg:conda/libcublas@12.1.0.26?build=0&channel=nvidia/label/cuda-12.1.0&subdir=linux-64",
    )
    torch = finding(hpc_audit, "HPC-001:pytorch")
    assert torch.components == (CONDA_PYTORCH,)
    assert evidence_paths(torch) == {f"{CONDA_META}/pytorch-2.3.1-py3.11_cuda12.1_cudnn8.9.2_0.json"}


def test_hpc_cluster_nvlink_fabric_and_gpus_from_the_node_image(hpc_audit: Audit) -> None:
    for finding_id in ("CORE-ALL-001:nvidia-nvlink", "CORE-ALL-002:nvidia-nvlink", "HPC-005:nvidia-nvlink"):
        f = finding(hpc_audit, finding_id)
        assert f.components == (DEB_FABRICMANAGER,)
        assert evidence_paths(f) == {DPKG_STATUS}
    for finding_id in ("CORE-ALL-001:nvidia-gpu", "CORE-ALL-003:nvidia-gpu"):
        f = finding(hpc_audit, finding_id)
        assert DEB_DRIVER in f.components
        assert evidence_paths(f) == {DPKG_STATUS}


def test_hpc_cluster_mkl_and_slurm(hpc_audit: Audit) -> None:
    mkl = finding(hpc_audit, "HPC-004:intel-onemkl")
    assert mkl.components == (CONDA_MKL,)
    assert evidence_paths(mkl) == {f"{CONDA_META}/mkl-2022.2.1-h84fe81f_16997.json"}
    slurm = finding(hpc_audit, "CORE-ALL-004:slurm")
    assert DEB_SLURM_CLIENT in slurm.components
    assert evidence_paths(slurm) == {DPKG_STATUS}


def test_hpc_cluster_open_mpi_and_maths_layer_are_not_lock_in(hpc_audit: Audit) -> None:
    assert not [f.id for f in hpc_audit.findings if f.rule == "HPC-003"]  # no vendor MPI
    open_parts = ("openmpi", "ucx", "libfabric", "openblas", "flexiblas", "fftw", "hdf5", "netcdf", "scalapack")
    named = {
        f.id: [c for c in f.components if any(p in c.lower() for p in open_parts)]
        for f in hpc_audit.findings
        if not f.aggregate
    }
    assert {k: v for k, v in named.items() if v} == {}
    cpu = finding(hpc_audit, "CORE-AGG-002:compute")
    assert cpu.components == ("compute/cpu-target/zen3",)
    assert evidence_paths(cpu) == {f"{HPC}/spack/spack.lock"}


# -- python-ml-service --------------------------------------------------------------------------------
def test_python_ml_service_finds_the_nvidia_cuda_wheels(ml_audit: Audit) -> None:
    f = finding(ml_audit, "CORE-SW-001:nvidia-cuda")
    site = f"{ML}/venv/lib/python3.11/site-packages"
    assert "pkg:pypi/nvidia-cuda-runtime-cu12@12.1.105" in f.components
    assert f"{site}/nvidia_cuda_runtime_cu12-12.1.105.dist-info/METADATA" in evidence_paths(f)
    # cuBLAS is its own KB entry (the CUDA math libraries): counted once, under its own findings.
    blas = finding(ml_audit, "HPC-004:nvidia-math-libs")
    assert blas.components == ("pkg:pypi/nvidia-cublas-cu12@12.1.3.1",)
    assert evidence_paths(blas) == {f"{site}/nvidia_cublas_cu12-12.1.3.1.dist-info/METADATA"}
    assert all(p.endswith(".dist-info/METADATA") for p in evidence_paths(f))
    torch = finding(ml_audit, "HPC-001:pytorch")
    assert torch.components == ("pkg:pypi/torch@2.3.1",)
    assert f"{site}/torch-2.3.1.dist-info/METADATA" in evidence_paths(torch)
