"""conda collectors: conda-meta folders, environment.yml, conda-lock files, `conda list --json`.

Every good sample has a golden inventory; counts are checked against an independent reading of
the raw file (json / yaml.safe_load here, in the test); hostile inputs must fail with one line
that names the file, and nothing in them is ever run.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import yaml

from sovaudit import inventory_json
from sovaudit.collectors import conda
from sovaudit.collectors.interface import Collector
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.limits import MAX_YAML_ALIASES
from sovaudit.model import Component, Inventory, Relation
from sovaudit.pipeline import scan
from tests.conftest import GOLDEN, SAMPLES, assert_golden

GOOD = SAMPLES / "conda" / "good"
BAD = SAMPLES / "conda" / "bad"
ENV = "linux64-gpu-env"
META_DIR = GOOD / ENV / "conda-meta"
COLLECTORS: dict[str, type[Collector]] = {
    c.name: c
    for c in (
        conda.CondaMetaCollector,
        conda.EnvironmentYmlCollector,
        conda.CondaLockCollector,
        conda.CondaListCollector,
    )
}
ALL = [cls() for cls in COLLECTORS.values()]

LOCKS = [
    "zlib_no-version-key_conda-lock.yml",
    "with-pip-deps_v1_conda-lock.yml",
    "multi-platform_categories_conda-lock-v2.5.8.yml",
    "hpc-own.conda-lock.yml",
]
ENVIRONMENTS = [
    "cuda_environment.yaml",
    "pangeo_environment.yml",
    "pip-full-url_environment.yml",
    "pip-repositories_environment.yaml",
    "hpc-torch_environment.yml",
    "export_environment.yml",
]
LISTS = ["conda-list_linux64-gpu-env.json"]
SAMPLE_CASES = (
    [(conda.META, f"{ENV}/conda-meta")]
    + [(conda.LOCK, n) for n in LOCKS]
    + [(conda.ENVIRONMENT, n) for n in ENVIRONMENTS]
    + [(conda.LIST, n) for n in LISTS]
)


@pytest.fixture(autouse=True)
def _in_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inputs are named relative to the sample folder, so evidence paths in goldens are stable."""
    monkeypatch.chdir(GOOD)


def collect(name: str, path: str | Path) -> Inventory:
    """Run one collector as the walker would: it must detect the input, then read it."""
    tp = TreePath.for_input(path)
    collector = COLLECTORS[name]()
    assert collector.detect(tp), f"{name} does not detect {path}"
    return collector.collect(tp)


def by_id(inv: Inventory) -> dict[str, Component]:
    return {c.id: c for c in inv.components}


def props(c: Component, key: str) -> list[str]:
    return sorted(v for k, v in c.properties if k == key)


def golden_name(sample: str) -> str:
    stem = sample.split("/")[0]
    return re.sub(r"\.(ya?ml|json)$", "", stem) + ".inventory.json"


# -- goldens and independent counts ---------------------------------------------------------------
@pytest.mark.parametrize(("collector", "sample"), SAMPLE_CASES, ids=[s for _, s in SAMPLE_CASES])
def test_golden(collector: str, sample: str) -> None:
    inv = collect(collector, sample)
    assert not inv.failed
    assert_golden(inventory_json.dump(inv), GOLDEN / "conda" / golden_name(sample))


def test_every_good_sample_has_a_case() -> None:
    listed = {s.split("/")[0] for _, s in SAMPLE_CASES}
    assert listed == {p.name for p in GOOD.iterdir()}


@pytest.mark.parametrize("sample", LOCKS)
def test_lock_counts_match_the_raw_file(sample: str) -> None:
    raw = yaml.safe_load((GOOD / sample).read_text())
    packages = raw["package"]
    inv = collect(conda.LOCK, sample)
    # one component per (package, platform) entry: nothing merged, nothing lost
    assert len(inv.components) == len(packages) == len({c.id for c in inv.components})
    assert len(inv.edges) == sum(len(p.get("dependencies") or {}) for p in packages)
    for p, c in zip(packages, sorted(inv.components, key=lambda c: c.evidence[0].line), strict=True):
        assert c.name == p["name"]
        assert c.version == str(p["version"])
        assert props(c, "conda:platform") == [p["platform"]]
        # a git entry's "sha256" is a 40-digit commit id: not a SHA-256, so not a hash
        sizes = (("md5", "MD5", 32), ("sha256", "SHA-256", 64))
        expected = {(alg, p["hash"][key]) for key, alg, size in sizes if len(p["hash"].get(key) or "") == size}
        assert set(c.hashes) == expected


def test_multi_platform_lock_keeps_platforms_apart() -> None:
    inv = collect(conda.LOCK, "multi-platform_categories_conda-lock-v2.5.8.yml")
    comps = by_id(inv)
    platforms = {props(c, "conda:platform")[0] for c in comps.values()}
    assert platforms == {"linux-64", "linux-aarch64", "linux-ppc64le", "osx-64", "osx-arm64", "win-64"}
    # the same noarch build appears once per platform, as six nodes
    astroid = [c for c in comps.values() if c.name == "astroid"]
    assert len({props(c, "conda:platform")[0] for c in astroid}) == len(astroid) == 6
    noarch = [c for c in comps.values() if props(c, "conda:subdir") == ["noarch"]]
    assert noarch and all("platform=" in c.id and "platform=" not in c.purl for c in noarch)
    # every resolved edge stays inside its platform
    resolved = [e for e in inv.edges if e.target in comps]
    assert len(resolved) > 500
    for e in resolved:
        assert props(comps[e.source], "conda:platform") == props(comps[e.target], "conda:platform"), e
    # categories: test and dev are optional, their edges carry the dev scope
    raw = yaml.safe_load((GOOD / "multi-platform_categories_conda-lock-v2.5.8.yml").read_text())["package"]
    non_main = sum(1 for p in raw if p["category"] != "main")
    assert non_main == 95
    assert sum(1 for c in comps.values() if props(c, "conda:optional") == ["true"]) == non_main
    for e in inv.edges:
        main = props(comps[e.source], "conda:category") == ["main"]
        assert e.scopes == (("run",) if main else ("dev", "run"))


def test_unversioned_lock_and_virtual_packages() -> None:
    inv = collect(conda.LOCK, "zlib_no-version-key_conda-lock.yml")
    comps = by_id(inv)
    zlib = [c for c in comps.values() if c.name == "zlib"]
    assert {props(c, "conda:platform")[0] for c in zlib} == {"linux-64", "osx-64", "win-64"}
    libgcc = comps["pkg:conda/libgcc-ng@11.2.0?build=h1d223b6_13&channel=conda-forge&subdir=linux-64"]
    assert libgcc.hashes == (
        ("MD5", "63eaf0f146cc80abd84743d48d667da4"),
        ("SHA-256", "5c9c8a23e45215e0c218a477c69054ed2ac577c4499795649dd3343687d380ff"),
    )
    assert libgcc.evidence[0].line == 66  # the "- category: main" that starts its entry


def test_pip_entries_of_a_lock_resolve_to_conda_packages_of_their_platform() -> None:
    inv = collect(conda.LOCK, "with-pip-deps_v1_conda-lock.yml")
    targets = {e.target for e in inv.edges if e.source == "pkg:pypi/requests@2.31.0?platform=linux-aarch64"}
    assert targets == {
        "pkg:conda/idna@3.4?build=pyhd8ed1ab_0&channel=conda-forge&platform=linux-aarch64&subdir=noarch",
        "pkg:pypi/certifi@2023.7.22?platform=linux-aarch64",
        "pkg:pypi/charset-normalizer@3.3.2?platform=linux-aarch64",
        "pkg:pypi/urllib3@2.0.7?platform=linux-aarch64",
    }
    requests = by_id(inv)["pkg:pypi/requests@2.31.0?platform=linux-aarch64"]
    assert requests.purl == "pkg:pypi/requests@2.31.0"
    assert props(requests, "conda:manager") == ["pip"]


def test_own_lock_strips_credentials_and_reads_categories_lists() -> None:
    inv = collect(conda.LOCK, "hpc-own.conda-lock.yml")
    text = inventory_json.dump(inv).decode()
    for secret in ("ARTIFACTORY_TOKEN", "ARTIFACTORY_USER", "xy-0123abcd", "/t/"):
        assert secret not in text
    comps = by_id(inv)
    shim = comps[
        "pkg:conda/hpc-modules-shim@1.0.0?build=h0_0"
        "&channel=https://artifactory.hpc.example/artifactory/api/conda/conda-local&subdir=linux-64"
    ]
    assert props(shim, "conda:build") == ["h0_0"]
    tools = comps["pkg:conda/mycorp-cluster-tools@0.4.2?build=py_0&channel=mycorp&platform=linux-64&subdir=noarch"]
    assert props(tools, "conda:category") == ["dev", "test"]
    assert props(tools, "conda:optional") == ["true"]
    edges = {(e.source, e.target): e for e in inv.edges}
    glibc = edges[(shim.id, "software/conda-virtual-package/__glibc")]
    assert dict(glibc.properties) == {"conda:spec": "__glibc >=2.28", "conda:virtual": "true"}
    # a pip dependency nothing in the lock describes stays a reference, spelled as pip spells it
    assert ("pkg:pypi/pytest@8.2.2?platform=osx-arm64", "pkg:pypi/pluggy") in edges


def test_conda_meta_counts_match_the_raw_records() -> None:
    records = [json.loads(p.read_text()) for p in sorted(META_DIR.glob("*.json"))]
    dist_infos = sum(1 for r in records for f in r["files"] if f.endswith(".dist-info/METADATA"))
    inv = collect(conda.META, f"{ENV}/conda-meta")
    depends = [e for e in inv.edges if e.relation is Relation.DEPENDS_ON]
    contains = [e for e in inv.edges if e.relation is Relation.CONTAINS]
    assert len(depends) == sum(len(r["depends"]) for r in records) == 31
    assert len(contains) == dist_infos == 4
    assert len(inv.components) == len(records) + dist_infos
    assert sorted(i.path for i in inv.inputs) == sorted(f"{ENV}/conda-meta/{p.name}" for p in META_DIR.iterdir())
    assert {i.status.value for i in inv.inputs} == {"read"}


def test_conda_meta_content() -> None:
    inv = collect(conda.META, f"{ENV}/conda-meta")
    comps = by_id(inv)
    text = inventory_json.dump(inv).decode()
    for secret in ("s3cr3t", "ci-bot", "xy-0123abcd", "/t/", "/home/alice"):
        assert secret not in text  # credentials, tokens and local paths never reach the output
    python = comps["pkg:conda/python@3.11.9?build=hb806964_0_cpython&channel=conda-forge&subdir=linux-64"]
    assert python.licenses == "Python-2.0"
    assert props(python, "conda:requested-spec") == ["python=3.11"]  # from the history log
    assert props(python, "conda:constrains") == ["python_abi 3.11.* *_cp311"]
    requested = sorted(c.name for c in comps.values() if props(c, "conda:requested") == ["true"])
    assert requested == ["hpc-modules-shim", "mycorp-cluster-tools", "numpy", "python", "pytorch", "pytorch-cuda"]
    # a noarch package names the environment's platform in its id, not in its purl
    cuda_version = next(c for c in comps.values() if c.name == "cuda-version")
    assert (
        cuda_version.id
        == "pkg:conda/cuda-version@12.1?build=h1d6eff3_3&channel=conda-forge&platform=linux-64&subdir=noarch"
    )
    assert cuda_version.purl == "pkg:conda/cuda-version@12.1?build=h1d6eff3_3&channel=conda-forge&subdir=noarch"
    assert cuda_version.licenses == "LicenseRef-NVIDIA-End-User-License-Agreement"
    cudart = next(c for c in comps.values() if c.name == "cuda-cudart")
    assert (cudart.licenses, cudart.license_declared) == ("", "NVIDIA End User License Agreement")
    assert props(cudart, "conda:channel") == ["nvidia/label/cuda-12.1.0"]
    pytorch = next(c for c in comps.values() if c.name == "pytorch")
    assert (pytorch.licenses, pytorch.license_declared) == ("BSD-3-Clause", "BSD 3-Clause")
    assert ("MD5", "7a82387525f451b83f386a181de5c649") in pytorch.hashes
    tools = next(c for c in comps.values() if c.name == "mycorp-cluster-tools")
    assert props(tools, "conda:channel") == ["mycorp"]
    assert props(tools, "conda:url") == [
        "https://conda.anaconda.org/mycorp/noarch/mycorp-cluster-tools-0.4.2-py_0.conda"
    ]
    edges = {(e.source, e.target): e for e in inv.edges}
    cuda = edges[(pytorch.id, "software/conda-virtual-package/__cuda")]
    assert dict(cuda.properties) == {"conda:spec": "__cuda", "conda:virtual": "true"}
    assert cuda.evidence[0].pointer == "/depends/0"
    assert edges[(pytorch.id, "pkg:pypi/torch@2.3.1")].relation is Relation.CONTAINS
    numpy = next(c for c in comps.values() if c.name == "numpy")
    assert edges[(pytorch.id, numpy.id)].properties == (("conda:spec", "numpy >=1.21"),)
    assert "pkg:pypi/typing-extensions@4.12.2" in comps  # dist-info name, PEP 503-normalised


def test_history_requests_and_removals(tmp_path: Path) -> None:
    history = tmp_path / "history"
    history.write_text(
        "==> 2024-01-01 <==\n# update specs: ['numpy>=1.26', \"conda-forge::scipy\"]\n"
        "==> 2024-01-02 <==\n# remove specs: ['numpy']\n# install specs: ['python=3.12']\n"
    )
    assert conda.read_history(TreePath.for_input(history)) == {"scipy": "conda-forge::scipy", "python": "python=3.12"}


def test_one_record_named_on_the_command_line() -> None:
    inv = collect(conda.META, f"{ENV}/conda-meta/openssl-3.3.1-h4bc722e_2.json")
    assert [c.name for c in inv.components] == ["openssl"]
    # alone, its dependencies resolve to nothing: references, not dropped
    assert sorted(e.target for e in inv.edges) == [
        "pkg:conda/ca-certificates",
        "pkg:conda/libgcc-ng",
        "software/conda-virtual-package/__glibc",
    ]


class SiteProbe(Collector):
    """Stands in for the Python collector: claims site-packages folders."""

    name = "site-probe"
    claims_directories = True
    claims_files = False

    def detect(self, path: TreePath) -> bool:
        return path.name == "site-packages"

    def collect(self, path: TreePath) -> Inventory:
        return Inventory()


def test_walker_reads_conda_meta_and_still_offers_site_packages() -> None:
    result = scan([ENV], collectors=[*ALL, SiteProbe()])
    by_collector: dict[str, set[str]] = {}
    for rec in result.inventory.inputs:
        by_collector.setdefault(rec.collector, set()).add(rec.path)
    assert by_collector["site-probe"] == {f"{ENV}/lib/python3.11/site-packages"}
    assert len(by_collector[conda.META]) == 20  # 19 records + history
    assert not result.inventory.failed


def test_inputs_of_one_environment_merge() -> None:
    """The installed env, `conda list --json` and a lock of the same builds describe the same nodes."""
    result = scan([f"{ENV}/conda-meta", "conda-list_linux64-gpu-env.json", "hpc-own.conda-lock.yml"], collectors=ALL)
    comps = by_id(result.inventory)
    python = comps["pkg:conda/python@3.11.9?build=hb806964_0_cpython&channel=conda-forge&subdir=linux-64"]
    assert {e.collector for e in python.evidence} == {conda.META, conda.LIST, conda.LOCK}
    tools = comps["pkg:conda/mycorp-cluster-tools@0.4.2?build=py_0&channel=mycorp&platform=linux-64&subdir=noarch"]
    assert {e.collector for e in tools.evidence} == {conda.META, conda.LOCK}
    cuda_version = comps[
        "pkg:conda/cuda-version@12.1?build=h1d6eff3_3&channel=conda-forge&platform=linux-64&subdir=noarch"
    ]
    assert {e.collector for e in cuda_version.evidence} == {conda.META, conda.LIST}
    assert comps["software/conda-virtual-package/__cuda"].unresolved


# -- environment.yml --------------------------------------------------------------------------------
def _environment_entries(sample: str) -> int:
    """Conda specs plus pip requirement lines (not options, not local paths), counted from the raw file."""
    deps = yaml.safe_load((GOOD / sample).read_text())["dependencies"]
    count = 0
    for d in deps:
        if isinstance(d, dict):
            count += sum(1 for line in d["pip"] if not line.startswith(("-r", "--", ".")))
        else:
            count += 1
    return count


@pytest.mark.parametrize("sample", ENVIRONMENTS)
def test_environment_counts_match_the_raw_file(sample: str) -> None:
    inv = collect(conda.ENVIRONMENT, sample)
    assert len(inv.components) == _environment_entries(sample)
    assert not inv.edges
    assert all(props(c, "conda:requested") == ["true"] for c in inv.components)


def test_environment_specs() -> None:
    comps = by_id(collect(conda.ENVIRONMENT, "hpc-torch_environment.yml"))
    assert sorted(comps) == [
        "pkg:conda/cuda-runtime?channel=nvidia/label/cuda-12.1.0",
        "pkg:conda/libblas",
        "pkg:conda/mpi4py",
        "pkg:conda/numpy",
        "pkg:conda/openssl@3.3.1?build=h4bc722e_2&channel=conda-forge&subdir=linux-64",
        "pkg:conda/pip",
        "pkg:conda/python@3.11",
        "pkg:conda/python_abi",
        "pkg:conda/pytorch-cuda@12.1",
        "pkg:conda/pytorch@2.3.1?build=py3.11_cuda12.1_cudnn8.9.2_0&channel=pytorch",
        "pkg:pypi/accelerate",
        "pkg:pypi/peft",
        "pkg:pypi/transformers@4.41.2",
    ]
    numpy = comps["pkg:conda/numpy"]
    assert props(numpy, "conda:spec") == ["numpy>=1.26,<2"]
    assert props(numpy, "conda:channels") == ["pytorch,nvidia,conda-forge,nodefaults"]
    assert numpy.evidence[0].line == 10
    transformers = comps["pkg:pypi/transformers@4.41.2"]
    assert props(transformers, "conda:pip-repository") == ["https://pkgs.hpc.example/simple"]
    peft = comps["pkg:pypi/peft"]
    assert props(peft, "python:direct-url") == ["git+https://github.com/huggingface/peft.git@v0.11.1"]
    assert props(peft, "python:editable") == ["true"]
    assert "CI_TOKEN" not in inventory_json.dump(Inventory(components=tuple(comps.values()))).decode()


def test_environment_pip_urls_and_repositories() -> None:
    comps = by_id(collect(conda.ENVIRONMENT, "pip-full-url_environment.yml"))
    typing = comps["pkg:pypi/typing-extensions@4.8.0"]
    assert typing.hashes == (("SHA-256", "8f92fc8806f9a6b641eaa5318da32b44d401efaac0f6678c9bc448ba3605faa0"),)
    assert comps["pkg:pypi/requests@2.31.0"].version == "2.31.0"  # from the wheel's file name
    comps = by_id(collect(conda.ENVIRONMENT, "pip-repositories_environment.yaml"))
    private = comps["pkg:pypi/fake-private-package@1.0.0"]
    assert props(private, "conda:pip-repository") == [
        "http://private-pkg-index.example/api/pypi/simple",
        "http://private-pypi-custom-port.org:8080/api/pypi/simple",
    ]
    assert props(comps["pkg:conda/python@3.11"], "conda:platform") == ["linux-64"]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("numpy", conda.Spec("numpy")),
        ("numpy=1.26", conda.Spec("numpy", "1.26")),
        ("numpy=1.26.4=py311h64a7726_0", conda.Spec("numpy", "1.26.4", "py311h64a7726_0")),
        ("numpy==1.26.4", conda.Spec("numpy", "1.26.4")),
        ("numpy 1.26.4 py311_0", conda.Spec("numpy", "1.26.4", "py311_0")),
        ("numpy ==1.26.4", conda.Spec("numpy", "1.26.4")),
        ("numpy>=1.26,<2", conda.Spec("numpy")),
        ("cudatoolkit >=11,<12", conda.Spec("cudatoolkit")),
        ("python=3.11.*", conda.Spec("python")),
        ("python 3.11.* *_cpython", conda.Spec("python")),
        ("numpy=1.26.4=py311*", conda.Spec("numpy", "1.26.4")),
        ("numpy 1.25|1.26", conda.Spec("numpy")),
        ("conda-forge::numpy=1.26", conda.Spec("numpy", "1.26", channel="conda-forge")),
        ("conda-forge/linux-64::numpy", conda.Spec("numpy", channel="conda-forge", subdir="linux-64")),
        ("numpy[version='1.26.4',build=py311_0]", conda.Spec("numpy", "1.26.4", "py311_0")),
        ("numpy[version='>=1.26']", conda.Spec("numpy")),
        ("numpy$", None),
        ("", None),
    ],
)
def test_parse_spec(spec: str, expected: conda.Spec | None) -> None:
    assert conda.parse_spec(spec) == expected


@pytest.mark.parametrize(
    ("raw", "channel"),
    [
        ("https://channels.example.org/conda-forge/win-64", "conda-forge"),
        ("https://channels.example.org/conda-forge", "conda-forge"),
        ("https://channels.example.org/nvidia/label/cuda-12.1.0/linux-64", "nvidia/label/cuda-12.1.0"),
        ("https://channels.example.org/t/ab-12345678/private/noarch", "private"),
        ("https://repo.example.org/pkgs/main/linux-64", "main"),
        ("pkgs/main", "main"),
        ("conda-forge", "conda-forge"),
        ("https://user:pw@mirror.example/conda/conda-forge/linux-64/", "https://mirror.example/conda/conda-forge"),
        ("file:///home/alice/conda-bld/linux-64", "local"),
        ("", ""),
    ],
)
def test_channel_of(raw: str, channel: str) -> None:
    assert conda.channel_of(raw) == channel


# -- conda list --json ------------------------------------------------------------------------------
def test_conda_list() -> None:
    raw = json.loads((GOOD / LISTS[0]).read_text())
    inv = collect(conda.LIST, LISTS[0])
    assert len(inv.components) == len(raw) == 8
    comps = by_id(inv)
    assert comps["pkg:pypi/requests@2.32.3"].properties == (("conda:manager", "pip"),)
    assert "pkg:conda/ld_impl_linux-64@2.38?build=h1181459_1&channel=main&subdir=linux-64" in comps
    assert (
        comps["pkg:conda/numpy@1.26.4?build=py311h64a7726_0&channel=conda-forge&subdir=linux-64"].evidence[0].pointer
        == "/3"
    )


# -- detection -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("environment.yml", "services:\n  web:\n    image: nginx\n"),  # no dependencies key
        ("docker-compose.yml", "dependencies:\n  - numpy\n"),  # not an environment file name
        ("conda-lock.yml", "name: x\n"),  # no package / metadata
        ("packages.json", '{"name": "x"}'),  # not an array
        ("list.json", "[1, 2, 3]"),  # an array, but not conda list output
        ("meta.json", '{"name": "numpy", "version": "1"}'),  # a record, but not in a conda-meta folder
    ],
)
def test_not_detected(tmp_path: Path, name: str, content: str) -> None:
    (tmp_path / name).write_text(content)
    tp = TreePath.for_input(tmp_path / name)
    assert not any(c.detect(tp) for c in ALL)


def test_conda_meta_claims_only_conda_meta(tmp_path: Path) -> None:
    (tmp_path / "conda-meta").mkdir()
    (tmp_path / "other").mkdir()
    meta = conda.CondaMetaCollector()
    assert meta.detect(TreePath.for_input(tmp_path / "conda-meta"))
    assert not meta.detect(TreePath.for_input(tmp_path / "other"))
    assert not meta.detect(TreePath.for_input(tmp_path))  # the env prefix stays open to other collectors


# -- hostile and broken inputs ------------------------------------------------------------------------
def one_line_error(err: InputError, path: str) -> None:
    assert err.path == path
    assert "\n" not in err.reason and err.reason


@pytest.mark.parametrize(
    ("collector", "sample", "reason"),
    [
        (conda.ENVIRONMENT, "billion-laughs_environment.yml", "refused as a possible alias bomb"),
        (conda.ENVIRONMENT, "recursive-alias_environment.yml", "recursive YAML alias"),
        (conda.ENVIRONMENT, "python-tag_environment.yml", "tagged values are not read"),
        (conda.ENVIRONMENT, "mapping-dependencies_environment.yml", "dependencies: is not a list"),
        (conda.LOCK, "truncated_conda-lock.yml", "invalid YAML"),
        (conda.LOCK, "wrong-types_conda-lock.yml", "package[0].dependencies: is not a mapping"),
        (conda.LOCK, "unknown-version_conda-lock.yml", "conda-lock version '7' is not supported"),
        (conda.LIST, "not-an-array_conda-list.json", "is not a JSON array"),
    ],
)
def test_bad_samples(monkeypatch: pytest.MonkeyPatch, collector: str, sample: str, reason: str) -> None:
    monkeypatch.chdir(BAD)
    with pytest.raises(InputError) as caught:
        COLLECTORS[collector]().collect(TreePath.for_input(sample))
    one_line_error(caught.value, sample)
    assert reason in caught.value.reason
    assert not (BAD / "SOVAUDIT_PWNED").exists()


def test_broken_conda_meta_members_fail_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    inv = collect(conda.META, "broken-env/conda-meta")
    assert [c.name for c in inv.components] == ["libzlib"]
    failed = {Path(r.path).name: r.reason for r in inv.failed}
    assert failed == {
        "bad-name-1.0-0.json": "has no 'name' and 'version' strings; is this a conda-meta record?",
        "history": "is not UTF-8 text (byte 36)",
        "openssl-3.3.1-h4bc722e_2.json": "invalid JSON: Unterminated string starting at (line 26, column 32)",
        "xz-5.2.6-h166bdaf_0.json": "is not a JSON object; is this a conda-meta record?",
        "zstd-1.5.6-ha6fb4c9_0.json": "'depends' is not a list of strings",
    }
    assert all(r.path.startswith("broken-env/conda-meta/") for r in inv.failed)
    # the edge of the one good record survives
    assert [e.target for e in inv.edges] == ["pkg:conda/libgcc-ng"]


def test_link_out_of_the_tree_and_sparse_file(tmp_path: Path) -> None:
    meta = tmp_path / "env" / "conda-meta"
    meta.mkdir(parents=True)
    (meta / "libzlib-1.3.1-h4ab18f5_1.json").write_bytes((META_DIR / "libzlib-1.3.1-h4ab18f5_1.json").read_bytes())
    secret = tmp_path / "secret.json"
    secret.write_text('{"name": "stolen", "version": "1"}')
    (meta / "evil-1.0-0.json").symlink_to(secret)
    with open(meta / "huge-1.0-0.json", "wb") as f:
        f.truncate(500 * 1024 * 1024)
    inv = conda.CondaMetaCollector().collect(TreePath.for_input(tmp_path / "env") / "conda-meta")
    assert [c.name for c in inv.components] == ["libzlib"]
    failed = {Path(r.path).name: r.reason for r in inv.failed}
    assert failed["evil-1.0-0.json"] == "is a link that leaves the scanned tree; not followed"
    assert failed["huge-1.0-0.json"].startswith("is 524,288,000 bytes, over the")
    assert len(failed) == 2


@pytest.mark.parametrize(
    ("collector", "name"),
    [(conda.ENVIRONMENT, "environment.yml"), (conda.LOCK, "conda-lock.yml"), (conda.LIST, "list.json")],
)
def test_sparse_single_files(tmp_path: Path, collector: str, name: str) -> None:
    big = tmp_path / name
    with open(big, "wb") as f:
        f.truncate(500 * 1024 * 1024)
    tp = TreePath.for_input(big)
    assert not COLLECTORS[collector]().detect(tp)  # its head is zeros
    with pytest.raises(InputError) as caught:
        COLLECTORS[collector]().collect(tp)
    one_line_error(caught.value, str(big))
    assert "over the" in caught.value.reason


def test_alias_count_limit(tmp_path: Path) -> None:
    """Many aliases of something small expand little, but more than MAX_YAML_ALIASES is refused anyway."""
    n = MAX_YAML_ALIASES + 1
    path = tmp_path / "environment.yml"
    path.write_text("base: &b numpy\ndependencies:\n" + "".join("  - *b\n" for _ in range(n)))
    with pytest.raises(InputError, match="more than 100 YAML aliases"):
        conda.EnvironmentYmlCollector().collect(TreePath.for_input(path))
    path.write_text("base: &b numpy\ndependencies:\n  - *b\n  - *b\n")  # a few aliases are fine
    assert [c.name for c in conda.EnvironmentYmlCollector().collect(TreePath.for_input(path)).components] == [
        "numpy",
        "numpy",
    ]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("environment.yml", "[" * 5000 + "]" * 5000, "invalid YAML"),
        (
            "environment.yml",
            "dependencies:\n  - numpy\n  - {pip: [1, [2]]}\n",
            "dependencies[1].pip[1]: is not a string",
        ),
        ("environment.yml", "dependencies:\n  - {conda: [x]}\n", "is a mapping other than a 'pip:' list"),
        ("environment.yml", "dependencies:\n  - '>=1.2'\n", "is not a conda match spec"),
        ("environment.yml", b"dependencies:\n  - numpy\xff\n", "is not UTF-8 text"),
        ("environment.yml", "a: 1\n---\nb: 2\n", "invalid YAML"),
        ("environment.yml", "", "is empty"),
        ("conda-lock.yml", "package: oops\n", "package: is not a list"),
        ("conda-lock.yml", "package:\n- {name: x, manager: npm}\n", "manager 'npm' is neither conda nor pip"),
        ("conda-lock.yml", "package:\n- {version: '1'}\n", "has no 'name'"),
        ("conda-lock.yml", "metadata: {}\n", "has no 'package' list"),
        ("conda-lock.yml", "package:\n- {name: x, hash: [1]}\n", "package[0].hash: is not a mapping"),
        ("list.json", '[{"name": 5, "version": "1"}]', "entry /0 has no 'name' and 'version' strings"),
        ("list.json", "[" * 100_000 + "]" * 100_000, "JSON nested too deeply to read"),
        ("list.json", '[{"name": "x", "version": "1"', "invalid JSON"),
    ],
)
def test_wrong_shapes(tmp_path: Path, name: str, content: str | bytes, reason: str) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    collector = {"environment.yml": conda.ENVIRONMENT, "conda-lock.yml": conda.LOCK, "list.json": conda.LIST}[name]
    with pytest.raises(InputError) as caught:
        COLLECTORS[collector]().collect(TreePath.for_input(path))
    one_line_error(caught.value, str(path))
    assert reason in caught.value.reason


def test_nothing_from_the_input_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "environment.yml"
    path.write_text(f'dependencies:\n  - !!python/object/apply:os.system ["touch {marker}"]\n')
    with pytest.raises(InputError):
        conda.EnvironmentYmlCollector().collect(TreePath.for_input(path))
    assert not marker.exists()
    assert os.listdir(tmp_path) == ["environment.yml"]
