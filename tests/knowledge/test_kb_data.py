"""The embedded knowledge base: schema, references, dates, patterns, and what it matches.

The match tables are the contract of the data: real package, module, image, host and hardware
names that must resolve to an entry, and the look-alike names (research notes §6) that must not
match anything.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import date

import pytest

from sovaudit.knowledge import ECOSYSTEMS, KnowledgeBase, _parse_yaml, embedded_files, load, validate_document
from sovaudit.model import Component, Layer

FILES = embedded_files()


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load()


# -- shape ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("origin, text", FILES, ids=[o.rsplit("/", 1)[-1] for o, _ in FILES])
def test_every_embedded_file_validates(origin: str, text: str) -> None:
    doc = _parse_yaml(text, origin)
    validate_document(doc, origin)
    assert doc["schema"] == "sovaudit-kb" and doc["version"] == 1


def test_no_dangling_references() -> None:
    assert load(validate_embedded=True).problems() == []


def test_ids_are_unique_across_files() -> None:
    """A later file silently replaces an id from an earlier one: the embedded KB must not do that."""
    seen: Counter[tuple[str, str]] = Counter()
    for origin, text in FILES:
        doc = _parse_yaml(text, origin)
        for section in ("jurisdictions", "vendors", "entries"):
            seen.update((section, item["id"]) for item in doc.get(section, ()))
    assert [key for key, n in seen.items() if n > 1] == []


def test_size(kb: KnowledgeBase) -> None:
    assert len(kb.entries) >= 120
    assert len(kb.vendors) >= 100
    assert len(kb.jurisdictions) >= 20


def test_dates(kb: KnowledgeBase) -> None:
    for e in kb.entries.values():
        as_of, review = date.fromisoformat(e.as_of), date.fromisoformat(e.review_after)
        assert as_of <= review, e.id
        assert (review - as_of).days <= 366, f"{e.id}: review window longer than a year"
    for v in kb.vendors.values():
        assert v.as_of, v.id
        if v.review_after:
            assert date.fromisoformat(v.as_of) <= date.fromisoformat(v.review_after), v.id


def test_every_pattern_compiles_and_is_anchored(kb: KnowledgeBase) -> None:
    for e in kb.entries.values():
        assert e.patterns, e.id
        for eco, pat in e.patterns:
            assert eco in ECOSYSTEMS
            assert pat.startswith("^") and pat.endswith("$"), f"{e.id}: {eco}:{pat}"
            assert pat == pat.lower(), f"{e.id}: {eco}:{pat} is not lower-case"
            re.compile(pat)


def test_name_patterns_are_restricted_by_kinds(kb: KnowledgeBase) -> None:
    """A bare `name` pattern would apply to every component of the entry's layers."""
    for e in kb.entries.values():
        if any(eco == "name" for eco, _ in e.patterns):
            assert e.kinds, f"{e.id}: name patterns without kinds"


def test_references_point_elsewhere(kb: KnowledgeBase) -> None:
    for e in kb.entries.values():
        assert e.id not in e.alternatives and e.id not in e.requires, e.id
        assert e.sources, e.id


def test_licences_are_spdx_or_licence_refs(kb: KnowledgeBase) -> None:
    from license_expression import get_spdx_licensing

    licensing = get_spdx_licensing()
    for e in kb.entries.values():
        if e.licence:
            info = licensing.validate(e.licence, strict=True)
            assert all(err.startswith("Unknown license key") for err in info.errors), (e.id, info.errors)
            assert all(sym.startswith("LicenseRef-") for sym in info.invalid_symbols), (e.id, e.licence)


def test_jurisdiction_risk_follows_bloc(kb: KnowledgeBase) -> None:
    for j in kb.jurisdictions.values():
        if j.bloc == "eu":
            assert j.risk == 0, j.id
        elif j.bloc in ("eea", "adequacy"):
            assert j.risk == 1, j.id
        assert j.risk != 4 or j.laws, f"{j.id}: sanctioned without a named law"
    us, cn = kb.jurisdictions["US"], kb.jurisdictions["CN"]
    assert us.risk == cn.risk == 3
    assert any("CLOUD Act" in law for law in us.laws) and any("FISA" in law for law in us.laws)
    assert any("National Intelligence Law" in law for law in cn.laws)
    needed = ["FR", "DE", "NL", "FI", "IT", "ES", "SE", "BE", "LU", "IE", "GB", "CH", "JP", "KR", "IL", "CA", "TW"]
    needed += ["NO", "AE", "EU", "INTL"]
    assert [code for code in needed if code not in kb.jurisdictions] == []


def test_control_chains(kb: KnowledgeBase) -> None:
    """Vendors whose controlling jurisdiction is not their home country, as the research notes say."""
    v = kb.vendors
    assert (v["arm"].country, v["arm"].jurisdiction) == ("GB", "JP")
    assert (v["graphcore"].country, v["graphcore"].jurisdiction) == ("GB", "JP")
    assert (v["mellanox"].country, v["mellanox"].jurisdiction) == ("IL", "US")
    assert (v["aws-esc"].country, v["aws-esc"].jurisdiction) == ("DE", "US")
    assert v["schedmd"].parent.startswith("NVIDIA")
    for partner in ("s3ns", "bleu", "delos-cloud"):
        assert v[partner].parent and v[partner].jurisdiction in ("FR", "DE"), partner


# Every component row of the research notes (§5) and the entries that cover it.
REFERENCE_ROWS: dict[str, tuple[str, ...]] = {
    "nvidia-gpu": ("nvidia-gpu",), "nvidia-cuda": ("nvidia-cuda",), "nvidia-cudnn": ("nvidia-cudnn",),
    "nvidia-math-libs": ("nvidia-math-libs",), "nvidia-nccl": ("nvidia-nccl",), "nvidia-tensorrt": ("nvidia-tensorrt",),
    "nvidia-ai-sw-misc": ("nvidia-ai-sw-misc",), "cuda-enabled-python": ("cuda-enabled-python",),
    "amd-instinct": ("amd-instinct",), "amd-rocm-hip": ("amd-rocm-hip",), "amd-rocm-libs": ("amd-rocm-libs",),
    "intel-oneapi": ("intel-oneapi",), "intel-gaudi": ("intel-gaudi",), "intel-openvino": ("intel-openvino",),
    "huawei-ascend": ("huawei-ascend", "mindspore"), "google-tpu": ("google-tpu",),
    "aws-trainium-inferentia": ("aws-trainium-inferentia",), "graphcore-ipu": ("graphcore-ipu",),
    "cerebras": ("cerebras",), "tenstorrent": ("tenstorrent",),
    "other-non-eu-accelerators": ("sambanova", "groqcloud", "furiosaai-npu", "rebellions-npu", "cambricon-mlu",
                                  "qualcomm-cloud-ai", "directml"),
    "european-accelerators": ("axelera-ai", "vsora-jotunn", "openchip-vec", "codasip", "semidynamics"),
    "portable-programming-models": ("sycl-adaptivecpp", "kokkos", "raja", "alpaka", "chipstar", "openai-triton",
                                    "opencl", "openmp-offload", "openacc"),
    "intel-xeon": ("intel-xeon",), "amd-epyc": ("amd-epyc",),
    "arm-neoverse-servers": ("arm-neoverse", "aws-graviton", "ampere-altra", "nvidia-grace", "google-axion",
                             "microsoft-cobalt"),
    "fujitsu-a64fx": ("fujitsu-a64fx",), "sipearl-rhea": ("sipearl-rhea",), "risc-v-hpc": ("risc-v-hpc",),
    "chinese-server-cpus": ("huawei-kunpeng", "phytium", "hygon", "loongson"),
    "nvhpc": ("nvhpc",), "intel-oneapi-compilers": ("intel-oneapi-compilers",), "cray-cce": ("cray-cce",),
    "aocc": ("aocc",), "arm-compiler": ("arm-compiler",), "fujitsu-compiler": ("fujitsu-compiler",), "gcc": ("gcc",),
    "llvm": ("llvm",),
    "cray-mpich": ("cray-mpich",), "intel-mpi": ("intel-mpi",), "nvidia-hpcx": ("nvidia-hpcx",),
    "openmpi": ("openmpi",), "mpich": ("mpich",), "mvapich": ("mvapich",), "parastation-mpi": ("parastation-mpi",),
    "ucx-libfabric": ("ucx", "libfabric"), "mpi4py": ("mpi4py",),
    "intel-onemkl": ("intel-onemkl",), "aocl": ("aocl",), "armpl": ("armpl",), "cray-libsci": ("cray-libsci",),
    "fujitsu-ssl2": ("fujitsu-ssl2",), "openblas": ("openblas",), "blis-flame": ("blis-flame",),
    "open-hpc-numerics": ("scalapack", "fftw", "petsc", "trilinos", "magma", "ginkgo", "slate", "heffte", "superlu",
                          "mumps"),
    "nvidia-infiniband": ("nvidia-infiniband",), "nvidia-nvlink": ("nvidia-nvlink",),
    "hpe-slingshot": ("hpe-slingshot",),
    "eviden-bxi": ("eviden-bxi",), "cornelis-omnipath": ("cornelis-omnipath",), "roce-ethernet": ("roce-ethernet",),
    "ultra-ethernet": ("ultra-ethernet",), "fujitsu-tofu": ("fujitsu-tofu",),
    "slurm": ("slurm",), "pbs": ("pbs",), "ibm-lsf": ("ibm-lsf",), "altair-grid-engine": ("altair-grid-engine",),
    "flux": ("flux",), "htcondor": ("htcondor",), "kubernetes-batch": ("kubernetes-batch",),
    "parastation-psmgmt": ("parastation-psmgmt",),
    "lustre": ("lustre",), "ibm-storage-scale": ("ibm-storage-scale",), "beegfs": ("beegfs",), "daos": ("daos",),
    "ceph": ("ceph",), "weka": ("weka",), "vast": ("vast",),
    "other-proprietary-storage": ("ddn-infinia", "hammerspace", "vdura-panfs", "pure-storage", "netapp"),
    "apptainer": ("apptainer",), "singularityce": ("singularityce",), "podman": ("podman",),
    "docker": ("docker", "docker-hub"), "nvidia-enroot-pyxis": ("nvidia-enroot-pyxis",), "sarus": ("sarus",),
    "charliecloud": ("charliecloud",),
    "container-registries": ("docker-hub", "nvidia-ngc", "github-ghcr", "quay-io", "harbor", "aws", "azure", "gcp",
                             "scaleway", "ovhcloud"),
    "aws": ("aws", "aws-european-sovereign-cloud"), "azure": ("azure", "bleu", "delos-cloud"),
    "gcp": ("gcp", "s3ns", "t-systems-sovereign-cloud"), "oci": ("oci",),
    "us-gpu-neoclouds": ("coreweave", "lambda-cloud", "together-ai", "crusoe-cloud", "fireworks-ai", "groqcloud",
                         "cerebras"),
    "cn-clouds": ("alibaba-cloud", "huawei-cloud", "tencent-cloud", "baidu-ai-cloud", "modelscope"),
    "ovhcloud": ("ovhcloud",), "scaleway": ("scaleway",), "ionos": ("ionos",), "otc": ("otc",), "stackit": ("stackit",),
    "hetzner": ("hetzner",),
    "other-eu-clouds": ("outscale", "cleura", "safespring", "upcloud", "exoscale", "plusserver", "clever-cloud",
                        "post-telecom-cloud", "proximus-cloud", "aruba-cloud", "nebius"),
    "eurohpc-ai-factories": ("eurohpc-ai-factories",),
    "huggingface-hub": ("huggingface-hub", "hf-transformers"), "pytorch": ("pytorch",), "tensorflow": ("tensorflow",),
    "jax": ("jax",),
    "other-frameworks": ("paddlepaddle", "mindspore", "onnx", "onnxruntime", "llama-cpp", "vllm", "sglang", "deepspeed",
                         "nvidia-ai-sw-misc"),
    "ai-apis": ("openai-api", "anthropic-api", "google-gemini-api", "xai-api", "cohere-api", "groqcloud", "mistral-api",
                "aleph-alpha-api"),
    "llama": ("llama",), "gemma": ("gemma",), "mistral": ("mistral-models",), "qwen": ("qwen",),
    "deepseek": ("deepseek",), "phi": ("phi",), "granite": ("granite",), "olmo": ("olmo",), "pythia": ("pythia",),
    "falcon": ("falcon",), "bloom": ("bloom",), "eu-open-llms": ("eurollm", "salamandra", "teuken", "openeurollm"),
    "closed-frontier": ("openai-gpt", "anthropic-claude", "google-gemini", "xai-grok"),
}  # fmt: skip


def test_every_reference_row_is_covered(kb: KnowledgeBase) -> None:
    assert len(REFERENCE_ROWS) == 120
    missing = sorted(i for ids in REFERENCE_ROWS.values() for i in ids if i not in kb.entries)
    assert missing == []


# -- matching -------------------------------------------------------------------------------------
def pkg(ptype: str, name: str, *props: tuple[str, str], namespace: str = "") -> Component:
    purl = f"pkg:{ptype}/{namespace + '/' if namespace else ''}{name}"
    return Component(id=purl, layer=Layer.SOFTWARE, kind="package", name=name, purl=purl, properties=tuple(props))


def module(name: str) -> Component:
    return Component(id=f"software/module/{name}", layer=Layer.SOFTWARE, kind="module", name=name)


def thing(layer: Layer, kind: str, name: str, *props: tuple[str, str]) -> Component:
    return Component(id=f"{layer.value}/{kind}/{name}", layer=layer, kind=kind, name=name, properties=tuple(props))


def host(name: str) -> Component:
    return thing(Layer.OPERATIONAL, "service", f"endpoint {name}", ("net:host", name))


def image(repo: str) -> Component:
    return thing(Layer.SOFTWARE, "container-image", repo, ("oci:repository", repo))


def model(repo: str) -> Component:
    purl = f"pkg:huggingface/{repo}"
    return Component(id=purl, layer=Layer.MODEL, kind="model", name=repo, purl=purl)


def hw(kind: str, name: str) -> Component:
    return thing(Layer.COMPUTE, kind, name)


POSITIVE: list[tuple[Component, str]] = [
    # NVIDIA
    (pkg("pypi", "nvidia-cuda-runtime-cu12"), "nvidia-cuda"),
    (pkg("pypi", "nvidia-cuda-nvrtc-cu11"), "nvidia-cuda"),
    (pkg("pypi", "nvidia-nvjitlink-cu12"), "nvidia-cuda"),
    (pkg("pypi", "cuda-python"), "nvidia-cuda"),
    (pkg("spack", "cuda"), "nvidia-cuda"),
    (pkg("conda", "cudatoolkit"), "nvidia-cuda"),
    (pkg("conda", "cuda-nvcc"), "nvidia-cuda"),
    (pkg("easybuild", "CUDA"), "nvidia-cuda"),
    (module("cuda"), "nvidia-cuda"),
    (module("cudatoolkit"), "nvidia-cuda"),
    (pkg("deb", "cuda-toolkit-12-4", namespace="ubuntu"), "nvidia-cuda"),
    (pkg("deb", "libcudart12", ("deb:source", "nvidia-cuda-toolkit"), namespace="debian"), "nvidia-cuda"),
    (image("nvcr.io/nvidia/cuda"), "nvidia-cuda"),
    (pkg("pypi", "nvidia-cudnn-cu12"), "nvidia-cudnn"),
    (pkg("spack", "cudnn"), "nvidia-cudnn"),
    (pkg("pypi", "nvidia-cublas-cu12"), "nvidia-math-libs"),
    (pkg("pypi", "nvidia-cusparselt-cu12"), "nvidia-math-libs"),
    (pkg("pypi", "nvidia-nccl-cu12"), "nvidia-nccl"),
    (pkg("spack", "nccl"), "nvidia-nccl"),
    (pkg("pypi", "tensorrt-cu12-libs"), "nvidia-tensorrt"),
    (pkg("pypi", "tensorrt-llm"), "nvidia-tensorrt"),
    (pkg("pypi", "tensorrt_llm"), "nvidia-tensorrt"),
    (pkg("pypi", "tritonclient"), "nvidia-tensorrt"),
    (image("nvcr.io/nvidia/tritonserver"), "nvidia-tensorrt"),
    (pkg("pypi", "nemo-toolkit"), "nvidia-ai-sw-misc"),
    (pkg("pypi", "transformer_engine"), "nvidia-ai-sw-misc"),
    (pkg("pypi", "megatron-core"), "nvidia-ai-sw-misc"),
    (pkg("pypi", "cudf-cu12"), "nvidia-ai-sw-misc"),
    (pkg("pypi", "cupy-cuda12x"), "cuda-enabled-python"),
    (pkg("pypi", "jax-cuda12-plugin"), "cuda-enabled-python"),
    (pkg("pypi", "onnxruntime-gpu"), "cuda-enabled-python"),
    (pkg("pypi", "flash-attn"), "cuda-enabled-python"),
    (pkg("deb", "nvidia-driver-550", namespace="ubuntu"), "nvidia-gpu"),
    (pkg("deb", "cuda-drivers", namespace="ubuntu"), "nvidia-gpu"),
    (hw("accelerator", "NVIDIA A100-SXM4-80GB"), "nvidia-gpu"),
    (hw("gpu", "NVIDIA H100 80GB HBM3"), "nvidia-gpu"),
    (hw("accelerator", "Tesla V100-SXM2-32GB"), "nvidia-gpu"),
    (hw("accelerator", "GH200 Grace Hopper Superchip"), "nvidia-gpu"),
    (image("nvcr.io/nvidia/pytorch"), "nvidia-ngc"),
    (host("nvcr.io"), "nvidia-ngc"),
    (pkg("spack", "nvhpc"), "nvhpc"),
    (module("nvhpc"), "nvhpc"),
    (pkg("easybuild", "NVHPC"), "nvhpc"),
    (module("hpcx"), "nvidia-hpcx"),
    (hw("nic", "Mellanox ConnectX-7"), "nvidia-infiniband"),
    (hw("interconnect", "InfiniBand NDR 400G"), "nvidia-infiniband"),
    (pkg("deb", "mlnx-ofed-kernel-dkms", namespace="ubuntu"), "nvidia-infiniband"),
    (hw("interconnect", "NVLink 4.0"), "nvidia-nvlink"),
    (pkg("deb", "nvidia-fabricmanager-550", namespace="ubuntu"), "nvidia-nvlink"),
    (hw("cpu", "NVIDIA Grace CPU"), "nvidia-grace"),
    (pkg("deb", "nvidia-container-toolkit", namespace="ubuntu"), "nvidia-enroot-pyxis"),
    # AMD
    (hw("accelerator", "AMD Instinct MI250X"), "amd-instinct"),
    (hw("gpu", "MI300A"), "amd-instinct"),
    (pkg("pypi", "rocm-sdk-core"), "amd-rocm-hip"),
    (pkg("pypi", "rocm-bindings-hip"), "amd-rocm-hip"),
    (pkg("pypi", "hip-python"), "amd-rocm-hip"),
    (pkg("pypi", "pytorch-triton-rocm"), "amd-rocm-hip"),
    (pkg("spack", "hip"), "amd-rocm-hip"),
    (pkg("spack", "rocm-smi-lib"), "amd-rocm-hip"),
    (module("rocm"), "amd-rocm-hip"),
    (image("rocm/pytorch"), "amd-rocm-hip"),
    (pkg("spack", "rocblas"), "amd-rocm-libs"),
    (pkg("spack", "rccl"), "amd-rocm-libs"),
    (pkg("pypi", "cupy-rocm-5-0"), "rocm-enabled-python"),
    (pkg("pypi", "jax-rocm60-plugin"), "rocm-enabled-python"),
    (pkg("spack", "aocc"), "aocc"),
    (module("aocc"), "aocc"),
    (pkg("spack", "amdblis"), "aocl"),
    (hw("cpu", "AMD EPYC 7763 64-Core Processor"), "amd-epyc"),
    (hw("cpu-target", "zen4"), "amd-epyc"),
    # Intel
    (pkg("pypi", "intel-extension-for-pytorch"), "intel-oneapi"),
    (pkg("pypi", "intel-sycl-rt"), "intel-oneapi"),
    (pkg("pypi", "oneccl-devel"), "intel-oneapi"),
    (image("intel/oneapi-basekit"), "intel-oneapi"),
    (pkg("pypi", "mkl"), "intel-onemkl"),
    (pkg("pypi", "onemkl-sycl-blas"), "intel-onemkl"),
    (pkg("conda", "mkl-service"), "intel-onemkl"),
    (pkg("spack", "intel-oneapi-mkl"), "intel-onemkl"),
    (pkg("easybuild", "imkl"), "intel-onemkl"),
    (module("intel-oneapi-mkl"), "intel-onemkl"),
    (pkg("pypi", "impi-rt"), "intel-mpi"),
    (pkg("spack", "intel-oneapi-mpi"), "intel-mpi"),
    (pkg("easybuild", "impi"), "intel-mpi"),
    (pkg("spack", "intel-oneapi-compilers"), "intel-oneapi-compilers"),
    (pkg("easybuild", "intel-compilers"), "intel-oneapi-compilers"),
    (thing(Layer.SOFTWARE, "compiler", "oneapi"), "intel-oneapi-compilers"),
    (pkg("pypi", "optimum-habana"), "intel-gaudi"),
    (pkg("pypi", "habana-media-loader"), "intel-gaudi"),
    (hw("accelerator", "Intel Gaudi 3"), "intel-gaudi"),
    (pkg("pypi", "openvino"), "intel-openvino"),
    (pkg("pypi", "onnxruntime-openvino"), "intel-openvino"),
    (hw("cpu", "Intel(R) Xeon(R) Platinum 8480+"), "intel-xeon"),
    (hw("cpu-target", "sapphirerapids"), "intel-xeon"),
    (hw("cpu-target", "skylake_avx512"), "intel-xeon"),
    # other accelerators and CPUs
    (pkg("pypi", "torch-npu"), "huawei-ascend"),
    (pkg("pypi", "torch_npu"), "huawei-ascend"),
    (hw("npu", "Ascend 910B"), "huawei-ascend"),
    (pkg("pypi", "mindspore"), "mindspore"),
    (pkg("pypi", "mindformers"), "mindspore"),
    (pkg("pypi", "libtpu"), "google-tpu"),
    (pkg("pypi", "torch-xla"), "google-tpu"),
    (pkg("pypi", "torch-neuronx"), "aws-trainium-inferentia"),
    (pkg("pypi", "neuronx-cc"), "aws-trainium-inferentia"),
    (pkg("pypi", "aws-neuronx-runtime-discovery"), "aws-trainium-inferentia"),
    (hw("accelerator", "Graphcore Bow IPU"), "graphcore-ipu"),
    (pkg("pypi", "cerebras-pytorch"), "cerebras"),
    (pkg("pypi", "cerebras-cloud-sdk"), "cerebras"),
    (host("api.cerebras.ai"), "cerebras"),
    (pkg("pypi", "furiosa-sdk"), "furiosaai-npu"),
    (pkg("pypi", "onnxruntime-qnn"), "qualcomm-cloud-ai"),
    (pkg("pypi", "torch-directml"), "directml"),
    (hw("accelerator", "Axelera AI Metis AIPU"), "axelera-ai"),
    (hw("accelerator", "VSORA Jotunn8"), "vsora-jotunn"),
    (hw("cpu", "SiPearl Rhea1"), "sipearl-rhea"),
    (hw("cpu-target", "a64fx"), "fujitsu-a64fx"),
    (hw("cpu-target", "neoverse_v2"), "arm-neoverse"),
    (hw("cpu", "AWS Graviton3"), "aws-graviton"),
    (hw("cpu-target", "ampere1"), "ampere-altra"),
    (hw("cpu-target", "riscv64"), "risc-v-hpc"),
    (hw("cpu", "HiSilicon Kunpeng 920"), "huawei-kunpeng"),
    (hw("cpu", "Hygon C86 7285"), "hygon"),
    (pkg("spack", "adaptivecpp"), "sycl-adaptivecpp"),
    (pkg("spack", "kokkos"), "kokkos"),
    (pkg("spack", "raja"), "raja"),
    (pkg("spack", "chipstar"), "chipstar"),
    (pkg("pypi", "triton"), "openai-triton"),
    (pkg("pypi", "pyopencl"), "opencl"),
    # compilers
    (pkg("spack", "gcc"), "gcc"),
    (pkg("easybuild", "GCCcore"), "gcc"),
    (module("gcc"), "gcc"),
    (thing(Layer.SOFTWARE, "compiler", "gcc"), "gcc"),
    (pkg("deb", "libgcc-s1", ("deb:source", "gcc-14"), namespace="debian"), "gcc"),
    (pkg("spack", "llvm"), "llvm"),
    (pkg("deb", "clang-18", namespace="debian"), "llvm"),
    (module("PrgEnv-cray"), "cray-cce"),
    (module("craype"), "cray-cce"),
    (thing(Layer.SOFTWARE, "compiler", "cce"), "cray-cce"),
    (pkg("spack", "acfl"), "arm-compiler"),
    (thing(Layer.SOFTWARE, "compiler", "fj"), "fujitsu-compiler"),
    # MPI and middleware
    (pkg("spack", "openmpi"), "openmpi"),
    (pkg("conda", "openmpi"), "openmpi"),
    (pkg("easybuild", "OpenMPI"), "openmpi"),
    (pkg("deb", "libopenmpi3", ("deb:source", "openmpi"), namespace="debian"), "openmpi"),
    (pkg("rpm", "openmpi-devel", namespace="fedora"), "openmpi"),
    (module("openmpi"), "openmpi"),
    (module("mpi/openmpi-x86_64"), "openmpi"),
    (pkg("spack", "mpich"), "mpich"),
    (pkg("deb", "libmpich12", ("deb:source", "mpich"), namespace="debian"), "mpich"),
    (module("cray-mpich"), "cray-mpich"),
    (pkg("spack", "mvapich2"), "mvapich"),
    (pkg("spack", "psmpi"), "parastation-mpi"),
    (module("ParaStationMPI"), "parastation-mpi"),
    (pkg("spack", "ucx"), "ucx"),
    (pkg("spack", "libfabric"), "libfabric"),
    (pkg("pypi", "mpi4py"), "mpi4py"),
    # math
    (pkg("spack", "openblas"), "openblas"),
    (pkg("pypi", "scipy-openblas64"), "openblas"),
    (pkg("deb", "libopenblas0-pthread", ("deb:source", "openblas"), namespace="debian"), "openblas"),
    (pkg("conda", "libopenblas"), "openblas"),
    (pkg("spack", "blis"), "blis-flame"),
    (pkg("easybuild", "FlexiBLAS"), "flexiblas"),
    (pkg("spack", "netlib-scalapack"), "scalapack"),
    (pkg("spack", "fftw"), "fftw"),
    (pkg("spack", "petsc"), "petsc"),
    (pkg("spack", "ginkgo"), "ginkgo"),
    (pkg("spack", "mumps"), "mumps"),
    (module("cray-libsci"), "cray-libsci"),
    (pkg("spack", "armpl-gcc"), "armpl"),
    # interconnects, schedulers, storage
    (module("craype-network-ofi"), "hpe-slingshot"),
    (hw("interconnect", "BXI v3"), "eviden-bxi"),
    (hw("nic", "Cornelis Omni-Path CN5000"), "cornelis-omnipath"),
    (hw("interconnect", "RoCE v2"), "roce-ethernet"),
    (hw("interconnect", "Ultra Ethernet"), "ultra-ethernet"),
    (hw("interconnect", "UALink 200G"), "ualink"),
    (hw("interconnect", "Tofu Interconnect D"), "fujitsu-tofu"),
    (pkg("pypi", "pyslurm"), "slurm"),
    (pkg("pypi", "submitit"), "slurm"),
    (pkg("spack", "slurm"), "slurm"),
    (pkg("deb", "slurm-wlm", namespace="debian"), "slurm"),
    (pkg("deb", "slurmd", ("deb:source", "slurm-wlm"), namespace="debian"), "slurm"),
    (thing(Layer.OPERATIONAL, "scheduler", "Slurm"), "slurm"),
    (pkg("rpm", "openpbs-server", namespace="rocky"), "pbs"),
    (thing(Layer.OPERATIONAL, "scheduler", "PBS Pro"), "pbs"),
    (thing(Layer.OPERATIONAL, "scheduler", "LSF"), "ibm-lsf"),
    (pkg("pypi", "flux-python"), "flux"),
    (pkg("pypi", "htcondor"), "htcondor"),
    (thing(Layer.OPERATIONAL, "scheduler", "Kueue"), "kubernetes-batch"),
    (pkg("rpm", "lustre-client", namespace="rocky"), "lustre"),
    (thing(Layer.DATA, "filesystem", "lustre"), "lustre"),
    (thing(Layer.DATA, "filesystem", "gpfs"), "ibm-storage-scale"),
    (pkg("rpm", "beegfs-client", namespace="rocky"), "beegfs"),
    (pkg("deb", "ceph-common", namespace="debian"), "ceph"),
    (thing(Layer.DATA, "filesystem", "daos"), "daos"),
    (thing(Layer.DATA, "filesystem", "wekafs"), "weka"),
    # containers and registries
    (pkg("deb", "apptainer", namespace="ubuntu"), "apptainer"),
    (pkg("spack", "singularityce"), "singularityce"),
    (pkg("rpm", "podman", namespace="fedora"), "podman"),
    (pkg("deb", "docker-ce", namespace="ubuntu"), "docker"),
    (pkg("pypi", "kubernetes"), "kubernetes"),
    (image("ubuntu"), "docker-hub"),
    (image("docker.io/library/python"), "docker-hub"),
    (host("registry-1.docker.io"), "docker-hub"),
    (image("ghcr.io/astral-sh/uv"), "github-ghcr"),
    (image("quay.io/prometheus/node-exporter"), "quay-io"),
    (Component(id="operational/registry/pypi", layer=Layer.OPERATIONAL, kind="registry", name="PyPI"), "pypi-registry"),
    # clouds
    (pkg("pypi", "boto3"), "aws"),
    (pkg("pypi", "sagemaker"), "aws"),
    (host("s3.eu-west-1.amazonaws.com"), "aws"),
    (host("bedrock-runtime.eu-central-1.amazonaws.com"), "aws"),
    (image("123456789012.dkr.ecr.eu-west-1.amazonaws.com/app"), "aws"),
    (host("oidc.eusc-de-east-1.amazonaws.eu"), "aws-european-sovereign-cloud"),
    (pkg("pypi", "azure-storage-blob"), "azure"),
    (pkg("pypi", "azureml-core"), "azure"),
    (host("myaccount.blob.core.windows.net"), "azure"),
    (image("myregistry.azurecr.io/app"), "azure"),
    (pkg("pypi", "google-cloud-storage"), "gcp"),
    (host("storage.googleapis.com"), "gcp"),
    (image("europe-west4-docker.pkg.dev/project/repo/app"), "gcp"),
    (thing(Layer.OPERATIONAL, "cloud", "S3NS"), "s3ns"),
    (thing(Layer.OPERATIONAL, "cloud", "Bleu"), "bleu"),
    (thing(Layer.OPERATIONAL, "cloud", "Delos Cloud"), "delos-cloud"),
    (pkg("pypi", "oci"), "oci"),
    (pkg("pypi", "alibabacloud-ecs20140526"), "alibaba-cloud"),
    (pkg("pypi", "dashscope"), "alibaba-cloud"),
    (pkg("pypi", "huaweicloudsdkcore"), "huawei-cloud"),
    (pkg("pypi", "tencentcloud-sdk-python"), "tencent-cloud"),
    (pkg("pypi", "ovh"), "ovhcloud"),
    (host("s3.gra.io.cloud.ovh.net"), "ovhcloud"),
    (pkg("pypi", "scaleway"), "scaleway"),
    (host("s3.fr-par.scw.cloud"), "scaleway"),
    (image("rg.fr-par.scw.cloud/ns/app"), "scaleway"),
    (pkg("pypi", "ionoscloud"), "ionos"),
    (pkg("pypi", "otcextensions"), "otc"),
    (pkg("pypi", "stackit-core"), "stackit"),
    (pkg("pypi", "stackit-objectstorage"), "stackit"),
    (host("object.storage.eu01.onstackit.cloud"), "stackit"),
    (pkg("pypi", "hcloud"), "hetzner"),
    (thing(Layer.OPERATIONAL, "cloud", "CoreWeave"), "coreweave"),
    (thing(Layer.OPERATIONAL, "cloud", "Lambda Labs"), "lambda-cloud"),
    (thing(Layer.OPERATIONAL, "cloud", "Nebius"), "nebius"),
    (thing(Layer.OPERATIONAL, "supercomputer", "LUMI"), "eurohpc-ai-factories"),
    (pkg("pypi", "openstacksdk"), "openstack"),
    # what the Slurm, accelerator, CPU and operational-manifest collectors name
    (hw("accelerator", "a100"), "nvidia-gpu"),
    (hw("accelerator", "h100_80gb"), "nvidia-gpu"),
    (hw("accelerator", "mi250x"), "amd-instinct"),
    (hw("accelerator", "ipu"), "graphcore-ipu"),
    (hw("accelerator", "hpu"), "intel-gaudi"),
    (hw("accelerator", "tpu"), "google-tpu"),
    (hw("accelerator", "neuron"), "aws-trainium-inferentia"),
    (hw("accelerator", "pvc"), "intel-gpu"),
    (hw("accelerator", "Intel Data Center GPU Max 1550"), "intel-gpu"),
    (thing(Layer.SOFTWARE, "driver", "nvidia-driver"), "nvidia-gpu"),
    (thing(Layer.SOFTWARE, "driver", "amdgpu-driver"), "amd-rocm-hip"),
    (hw("interconnect", "infiniband"), "nvidia-infiniband"),
    (hw("interconnect", "slingshot"), "hpe-slingshot"),
    (hw("interconnect", "omni-path"), "cornelis-omnipath"),
    (hw("interconnect", "roce"), "roce-ethernet"),
    (hw("interconnect", "efa"), "aws-efa"),
    (hw("interconnect", "bxi"), "eviden-bxi"),
    (hw("interconnect", "tofu"), "fujitsu-tofu"),
    (hw("interconnect", "nvlink"), "nvidia-nvlink"),
    (hw("interconnect", "aries"), "cray-aries"),
    (thing(Layer.OPERATIONAL, "cloud-provider", "aws"), "aws"),
    (thing(Layer.OPERATIONAL, "cloud-region", "aws/eu-central-1"), "aws"),
    (thing(Layer.OPERATIONAL, "cloud-service", "aws/sagemaker"), "aws"),
    (thing(Layer.OPERATIONAL, "cloud-region", "aws/eusc-de-east-1"), "aws-european-sovereign-cloud"),
    (thing(Layer.OPERATIONAL, "cloud-provider", "azure"), "azure"),
    (thing(Layer.OPERATIONAL, "cloud-provider", "gcp"), "gcp"),
    (thing(Layer.OPERATIONAL, "cloud-provider", "oracle"), "oci"),
    (thing(Layer.OPERATIONAL, "cloud-provider", "lambda"), "lambda-cloud"),
    (thing(Layer.OPERATIONAL, "cloud-provider", "alibaba"), "alibaba-cloud"),
    (thing(Layer.OPERATIONAL, "cloud-provider", "ovhcloud"), "ovhcloud"),
    (thing(Layer.OPERATIONAL, "cloud-service", "ovhcloud/ai-training"), "ovhcloud"),
    (thing(Layer.OPERATIONAL, "cloud-provider", "scaleway"), "scaleway"),
    (thing(Layer.OPERATIONAL, "cloud-provider", "stackit"), "stackit"),
    (thing(Layer.OPERATIONAL, "cloud-provider", "otc"), "otc"),
    (thing(Layer.OPERATIONAL, "cloud-provider", "openstack"), "openstack"),
    (thing(Layer.OPERATIONAL, "storage-system", "Ceph object store"), "ceph"),
    (thing(Layer.OPERATIONAL, "storage-system", "Lustre scratch"), "lustre"),
    (thing(Layer.OPERATIONAL, "saas", "OpenAI API"), "openai-api"),
    (thing(Layer.OPERATIONAL, "saas", "Hugging Face Hub"), "huggingface-hub"),
    # ML platforms and APIs
    (pkg("pypi", "torch"), "pytorch"),
    (pkg("pypi", "torchvision"), "pytorch"),
    (pkg("spack", "py-torch"), "pytorch"),
    (pkg("conda", "pytorch"), "pytorch"),
    (pkg("pypi", "tensorflow"), "tensorflow"),
    (pkg("pypi", "keras"), "tensorflow"),
    (pkg("pypi", "jaxlib"), "jax"),
    (pkg("pypi", "paddlepaddle-gpu"), "paddlepaddle"),
    (pkg("pypi", "onnx"), "onnx"),
    (pkg("pypi", "onnxruntime"), "onnxruntime"),
    (pkg("pypi", "llama-cpp-python"), "llama-cpp"),
    (pkg("pypi", "vllm"), "vllm"),
    (pkg("pypi", "sglang"), "sglang"),
    (pkg("pypi", "deepspeed"), "deepspeed"),
    (pkg("pypi", "huggingface-hub"), "huggingface-hub"),
    (pkg("pypi", "huggingface_hub"), "huggingface-hub"),
    (pkg("pypi", "hf-xet"), "huggingface-hub"),
    (host("cdn-lfs-us-1.hf.co"), "huggingface-hub"),
    (host("huggingface.co"), "huggingface-hub"),
    (pkg("pypi", "transformers"), "hf-transformers"),
    (pkg("pypi", "modelscope"), "modelscope"),
    (pkg("pypi", "openai"), "openai-api"),
    (host("api.openai.com"), "openai-api"),
    (pkg("pypi", "anthropic"), "anthropic-api"),
    (pkg("pypi", "google-genai"), "google-gemini-api"),
    (host("generativelanguage.googleapis.com"), "google-gemini-api"),
    (pkg("pypi", "xai-sdk"), "xai-api"),
    (pkg("pypi", "cohere"), "cohere-api"),
    (pkg("pypi", "groq"), "groqcloud"),
    (pkg("pypi", "mistralai"), "mistral-api"),
    (host("api.mistral.ai"), "mistral-api"),
    (pkg("pypi", "aleph-alpha-client"), "aleph-alpha-api"),
    # model families
    (model("meta-llama/Llama-3.1-8B-Instruct"), "llama"),
    (model("TheBloke/Llama-2-7B-GGUF"), "llama"),
    (model("google/gemma-2-9b-it"), "gemma"),
    (model("mistralai/Mistral-7B-Instruct-v0.3"), "mistral-models"),
    (model("Qwen/Qwen2.5-72B-Instruct"), "qwen"),
    (model("deepseek-ai/DeepSeek-R1"), "deepseek"),
    (model("microsoft/Phi-3-mini-4k-instruct"), "phi"),
    (model("ibm-granite/granite-3.1-8b-instruct"), "granite"),
    (model("allenai/OLMo-2-1124-7B"), "olmo"),
    (model("EleutherAI/pythia-6.9b"), "pythia"),
    (model("tiiuae/falcon-40b"), "falcon"),
    (model("bigscience/bloomz-7b1"), "bloom"),
    (model("utter-project/EuroLLM-9B-Instruct"), "eurollm"),
    (model("BSC-LT/salamandra-7b-instruct"), "salamandra"),
    (model("openGPT-X/Teuken-7B-instruct-research-v0.4"), "teuken"),
    (thing(Layer.MODEL, "model", "gpt-4o-mini-2024-07-18"), "openai-gpt"),
    (thing(Layer.MODEL, "model", "o3-mini"), "openai-gpt"),
    (thing(Layer.MODEL, "model", "claude-3-5-sonnet-20241022"), "anthropic-claude"),
    (thing(Layer.MODEL, "model", "anthropic.claude-3-haiku-20240307-v1:0"), "anthropic-claude"),
    (thing(Layer.MODEL, "model", "gemini-2.5-pro"), "google-gemini"),
    (thing(Layer.MODEL, "model", "grok-4"), "xai-grok"),
]

# The listed Tenstorrent PyPI projects (research notes §6): each must match.
TENSTORRENT = ["ttnn", "tt-smi", "tt-umd", "tt-flash", "tt-exalens", "tt-topology", "tt-lang", "tt-burnin",
               "tt-tools-common", "tt-perf-report"]  # fmt: skip


def _ids(kb: KnowledgeBase, c: Component) -> set[str]:
    return {m.entry for m in kb.match(c)}


@pytest.mark.parametrize("component, expected", POSITIVE, ids=[f"{c.name}->{e}" for c, e in POSITIVE])
def test_positive_matches(kb: KnowledgeBase, component: Component, expected: str) -> None:
    assert expected in _ids(kb, component)


@pytest.mark.parametrize("name", TENSTORRENT)
def test_listed_tenstorrent_names_match(kb: KnowledgeBase, name: str) -> None:
    assert _ids(kb, pkg("pypi", name)) == {"tenstorrent"}


# Real PyPI projects with tempting names that the KB deliberately does not claim: the trap list of
# the research notes (§6) and other projects that share a prefix with a vendor's namespace (names
# checked against a list of PyPI project names). None may match any entry.
PYPI_TRAPS = [
    "apex", "graphcore", "graphcore-agents", "graphcore-distro", "popart", "stackit", "stackitui",
    "stackitdecklist", "slurm", "slurm-cli", "slurm-gui", "slurm-monitor", "hpe", "hpe-warranty-lookup", "rocm",
    "axelerate", "sophon", "oneflow-onnx", "oneflow-sdk", "oneflow-utils", "oneflow-hassi34", "oneflowpy",
    "pbs-account-consumer", "pbs-builder", "pbs-calculator", "pbs-client", "pbs-exporter", "pbs-generator",
    "pbs-installer", "pbs-mcp", "pbs-monitoring-tools", "pbs-tui", "pbs-utils",
    "tt-945", "tt-auth-system", "tt-badger", "tt-bio", "tt-check", "tt-cli", "tt-connect", "tt-damage-calculator",
    "tt-data-store", "tt-desktop", "tt-disposal-wells", "tt-eggdeps", "tt-focus", "tt-idle", "tt-mongodb",
    "tt-nester", "tt-predictor-backend", "tt-probability-package", "tt-proxy", "tt-sketch",
    "tt-terminal-translator", "tt-time-tracker", "tt-tui-for-traefik", "tt-wavelet", "tt-wizard-core",
]  # fmt: skip


@pytest.mark.parametrize("name", PYPI_TRAPS)
def test_pypi_traps_match_nothing(kb: KnowledgeBase, name: str) -> None:
    found = kb.match(pkg("pypi", name))
    assert found == [], [m.via for m in found]


NEGATIVE: list[tuple[Component, str]] = [
    # hardware patterns apply to their kinds only
    (pkg("pypi", "nvidia-a100-tools"), "nvidia-gpu"),
    (hw("nic", "NVIDIA ConnectX-7"), "nvidia-gpu"),
    (hw("cpu", "NVIDIA Grace CPU"), "nvidia-gpu"),
    (hw("accelerator", "AMD EPYC 9654"), "amd-epyc"),
    (thing(Layer.SOFTWARE, "package", "xeon-utils"), "intel-xeon"),
    (hw("cpu-target", "x86_64_v3"), "intel-xeon"),
    (hw("cpu-target", "aarch64"), "arm-neoverse"),
    # drivers are the GPU, not CUDA
    (pkg("deb", "cuda-drivers", namespace="ubuntu"), "nvidia-cuda"),
    # AWS Lambda is not Lambda Inc.
    (thing(Layer.OPERATIONAL, "service", "Lambda"), "lambda-cloud"),
    (thing(Layer.OPERATIONAL, "service", "AWS Lambda"), "lambda-cloud"),
    (thing(Layer.OPERATIONAL, "cloud-service", "aws/lambda"), "lambda-cloud"),
    # the sovereign partition is not plain AWS
    (thing(Layer.OPERATIONAL, "cloud-region", "aws/eusc-de-east-1"), "aws"),
    # generic GRES and driver names say nothing about a vendor
    (hw("accelerator", "gpu"), "nvidia-gpu"),
    (hw("accelerator", "gpu"), "amd-instinct"),
    (thing(Layer.SOFTWARE, "driver", "amdgpu-driver"), "nvidia-gpu"),
    # open-weight gpt-oss is not the closed GPT family
    (thing(Layer.MODEL, "model", "gpt-oss-20b"), "openai-gpt"),
    # an image with its own registry is not Docker Hub
    (image("nvcr.io/nvidia/pytorch"), "docker-hub"),
    (image("localhost/myimage"), "docker-hub"),
    (image("registry.example.org/team/app"), "docker-hub"),
    # OVHcloud US is a separate US company
    (host("api.us.ovhcloud.com.example"), "ovhcloud"),
    (host("ca.api.ovh.us"), "ovhcloud"),
    # look-alike hosts
    (host("amazonaws.com.evil.example"), "aws"),
    (host("notamazonaws.com"), "aws"),
    (host("huggingface.co.example.org"), "huggingface-hub"),
    # Gemma is not Gemini
    (thing(Layer.MODEL, "model", "gemma-2-9b"), "google-gemini"),
]


@pytest.mark.parametrize("component, entry", NEGATIVE, ids=[f"{c.name}-/->{e}" for c, e in NEGATIVE])
def test_negative_matches(kb: KnowledgeBase, component: Component, entry: str) -> None:
    assert entry not in _ids(kb, component)


def test_load_is_fast() -> None:
    best = min(_timed_load() for _ in range(3))
    assert best < 0.5, f"load() took {best * 1000:.0f} ms"


def _timed_load() -> float:
    start = time.perf_counter()
    load()
    return time.perf_counter() - start
