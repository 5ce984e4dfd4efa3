"""The Spack collectors: lockfiles v1-v7, installed/build-cache spec files, spack.yaml, spack find --json.

Golden inventories were reviewed by eye (``SOVAUDIT_UPDATE_GOLDEN=1`` rewrites them; review the
diff). Edge and component counts are also checked against counts made here straight from the raw
JSON/YAML, without the collector's code, for our samples and for every real sample in
``../shared/samples/real/spack`` (parsed in place; see tests/samples/spack/PROVENANCE.md).
"""

from __future__ import annotations

import gc
import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from sovaudit import inventory_json
from sovaudit.collectors.interface import Collector
from sovaudit.collectors.spack import (
    SpackEnvironmentCollector,
    SpackFindCollector,
    SpackLockCollector,
    SpackSpecCollector,
    _parse_spec,
    spack_purl,
)
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Component, InputStatus, Inventory, Relation
from sovaudit.pipeline import scan
from tests.conftest import GOLDEN, REPO, SAMPLES, assert_golden

GOOD = SAMPLES / "spack" / "good"
BAD = SAMPLES / "spack" / "bad"
REAL = REPO.parent / "shared" / "samples" / "real" / "spack"

COLLECTORS: dict[str, type[Collector]] = {
    "spack-lock": SpackLockCollector,
    "spack-spec": SpackSpecCollector,
    "spack-environment": SpackEnvironmentCollector,
    "spack-find": SpackFindCollector,
}
ALL = [cls() for cls in COLLECTORS.values()]


def collect(name: str, path: Path | str) -> Inventory:
    """Run one Spack collector on one path, as the scan would (detect first)."""
    tp = TreePath.for_input(path)
    collector = COLLECTORS[name]()
    assert collector.detect(tp), f"{name} does not detect {path}"
    return collector.collect(tp)


def by_id(inv: Inventory) -> dict[str, Component]:
    return {c.id: c for c in inv.components}


def relations(inv: Inventory) -> Counter[str]:
    return Counter(e.relation.value for e in inv.edges)


# -- independent counts from the raw files ----------------------------------------------------------
def raw_records(doc: Any) -> list[tuple[str, dict[str, Any]]]:
    """(map key or "", node record) of every node in a lockfile, spec file or find output."""
    out: list[tuple[str, dict[str, Any]]] = []

    def unwrap(key: str, rec: dict[str, Any]) -> None:
        if "name" not in rec:
            ((name, inner),) = rec.items()
            rec = {**inner, "name": name}
        out.append((key, rec))

    if isinstance(doc, list):  # spack find
        for rec in doc:
            unwrap("", rec)
    elif "concrete_specs" in doc:  # lockfile
        for env in (doc, *doc.get("include_concrete", {}).values()):
            for key, rec in env["concrete_specs"].items():
                unwrap(key, rec)
    elif isinstance(doc["spec"], list):  # spec.yaml
        for rec in doc["spec"]:
            unwrap("", rec)
    else:  # spec.json
        for rec in doc["spec"]["nodes"]:
            unwrap("", rec)
    return out


def raw_counts(doc: Any) -> dict[str, int]:
    """Nodes, edges per relation, targets and old-style compilers, counted from the raw document."""
    records = raw_records(doc)
    dag = [rec.get("hash") or key for key, rec in records]
    alias = {h: h for h in dag}
    for (key, rec), h in zip(records, dag, strict=True):
        for k in (key, rec.get("build_hash"), rec.get("full_hash")):
            if k:
                alias.setdefault(k, h)
    depends, built, runs = set(), set(), set()
    targets, compilers = set(), set()
    for (_, rec), src in zip(records, dag, strict=True):
        deps = rec.get("dependencies") or {}
        entries = deps.items() if isinstance(deps, dict) else ((d["name"], d) for d in deps)
        for _, d in entries:
            ref = d.get("hash") or d.get("build_hash")
            target = alias.get(ref, ref)
            depends.add((src, target))
            if {"c", "cxx", "fortran"} & set(d.get("parameters", {}).get("virtuals", [])):
                built.add((src, target))
        if "compiler" in rec and not rec.get("external"):
            compiler = (rec["compiler"]["name"], rec["compiler"]["version"])
            compilers.add(compiler)
            built.add((src, compiler))
        target = rec.get("arch", {}).get("target")
        if target:
            name = target if isinstance(target, str) else target["name"]
            targets.add(name)
            runs.add((src, name))
    return {
        "nodes": len(set(dag)),
        "depends-on": len(depends),
        "built-with": len(built),
        "runs-on": len(runs),
        "targets": len(targets),
        "compilers": len(compilers),
    }


def assert_counts(inv: Inventory, doc: Any) -> None:
    want = raw_counts(doc)
    kinds = Counter(c.kind for c in inv.components)
    rel = relations(inv)
    assert rel["depends-on"] == want["depends-on"]
    assert rel["built-with"] == want["built-with"]
    assert rel["runs-on"] == want["runs-on"]
    assert kinds["cpu-target"] == want["targets"]
    assert sum(1 for c in inv.components if c.id.startswith("software/compiler/")) == want["compilers"]
    assert sum(1 for c in inv.components if c.id.startswith("pkg:spack/")) == want["nodes"]
    assert len(inv.components) == want["nodes"] + want["targets"] + want["compilers"]


# -- golden inventories of our samples -------------------------------------------------------------
#: (golden name, collector, sample path under good/)
CASES = [
    ("lockfile-v1_spack-testdata_legacy_env", "spack-lock", "lockfile-v1_spack-testdata_legacy_env/spack.lock"),
    ("lockfile-v2_own_build-hash-keys", "spack-lock", "lockfile-v2_own_build-hash-keys/spack.lock"),
    ("lockfile-v3_chronolog-ci", "spack-lock", "lockfile-v3_chronolog-ci/spack.lock"),
    ("lockfile-v4_poorjit_externals", "spack-lock", "lockfile-v4_poorjit_externals/spack.lock"),
    ("lockfile-v5_own_externals-virtuals", "spack-lock", "lockfile-v5_own_externals-virtuals/spack.lock"),
    ("lockfile-v6_own_compilers-as-deps", "spack-lock", "lockfile-v6_own_compilers-as-deps/spack.lock"),
    (
        "buildcache-legacy_zlib",
        "spack-spec",
        "buildcache-legacy_zlib/test-debian6-core2-gcc-4.5.0-zlib-1.2.11-t5mczux3tfqpxwmg7egp7axy2jvyulqk.spec.yaml",
    ),
    (
        "buildcache_own_zstd-sig",
        "spack-spec",
        "buildcache_own/linux-debian12-x86_64_v3-gcc-12.2.0-zstd-1.5.6-bwjuibrsxin6sexcidwbdvkbxsh2jehh.spec.json.sig",
    ),
    (
        "installed_own_openmpi",
        "spack-spec",
        "install-tree/opt/spack/linux-ubuntu22.04-zen3/gcc-12.3.0/openmpi-5.0.3-2pbxj4kxe5vodttr24ifzstae4mlmnpm/.spack/spec.json",
    ),
    ("spack-find_own", "spack-find", "spack-find_own/find-deps.json"),
    ("env_own", "spack-environment", "env_own/spack.yaml"),
]


@pytest.mark.parametrize(("name", "collector", "sample"), CASES, ids=[c[0] for c in CASES])
def test_golden_inventory(name: str, collector: str, sample: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    assert_golden(inventory_json.dump(collect(collector, sample)), GOLDEN / "spack" / f"{name}.inventory.json")


def test_golden_files_are_all_used() -> None:
    assert {p.name for p in (GOLDEN / "spack").glob("*.inventory.json")} == {f"{c[0]}.inventory.json" for c in CASES}


def _load(path: Path) -> Any:
    if path.name.endswith(".yaml"):
        return yaml.safe_load(path.read_text())
    text = path.read_text()
    if text.startswith("-----BEGIN PGP SIGNED MESSAGE-----"):
        text = text.split("\n\n", 1)[1].split("\n-----BEGIN PGP SIGNATURE-----", 1)[0]
    return json.loads(text)


JSON_CASES = [c for c in CASES if c[1] != "spack-environment"]


@pytest.mark.parametrize(("name", "collector", "sample"), JSON_CASES, ids=[c[0] for c in JSON_CASES])
def test_counts_match_the_raw_file(name: str, collector: str, sample: str) -> None:
    assert_counts(collect(collector, GOOD / sample), _load(GOOD / sample))


# -- every real sample, parsed in place ------------------------------------------------------------
REAL_FILES = {
    "lockfile-v1_spack-testdata_legacy_env.spack.lock": "spack-lock",
    "lockfile-v2_spack-develop-env_meta-not-first.spack.lock": "spack-lock",
    "lockfile-v2_spack-tutorial_aarch64.spack.lock": "spack-lock",
    "lockfile-v3_chronolog-ci.spack.lock": "spack-lock",
    "lockfile-v4_poorjit_externals.spack.lock": "spack-lock",
    "lockfile-v5_rocksdb-bench.spack.lock": "spack-lock",
    "lockfile-v6_test-mpi_openmpi.spack.lock": "spack-lock",
    "installed-prefix_amrex/.spack/spec.json": "spack-spec",
    "buildcache-legacy_zlib.spec.yaml": "spack-spec",
}
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason="shared/samples/real/spack is not beside the checkout")


@needs_real
def test_every_real_sample_is_listed() -> None:
    found = {str(p.relative_to(REAL)) for p in REAL.rglob("*") if p.is_file() and p.name != "PROVENANCE.md"}
    envs = {"env_all-pythons_spack.yaml", "env_ncar-derecho_spack.yaml"}
    assert found - {"installed-prefix_amrex/.spack/install_environment.json"} == set(REAL_FILES) | envs


@needs_real
@pytest.mark.parametrize("sample", sorted(REAL_FILES))
def test_real_sample_parses_with_raw_counts(sample: str) -> None:
    inv = collect(REAL_FILES[sample], REAL / sample)
    assert inv.components
    assert_counts(inv, _load(REAL / sample))


@needs_real
def test_real_samples_scan_cleanly() -> None:
    """The whole folder, through the pipeline: every file read by its collector, nothing failed."""
    result = scan([REAL], collectors=ALL)
    read = {r.path.split("/spack/", 1)[1]: r.collector for r in result.inventory.inputs if r.status is InputStatus.READ}
    # The manifests are named env_*_spack.yaml: claimed because `spack:` is their first key.
    assert read == {
        **REAL_FILES,
        "env_all-pythons_spack.yaml": "spack-environment",
        "env_ncar-derecho_spack.yaml": "spack-environment",
    }
    assert not result.inventory.failed and not result.crashes


@needs_real
def test_real_lockfile_v2_build_hash_keys() -> None:
    """Keys are build hashes: every edge must resolve to a described node (none unresolved)."""
    for name in (
        "lockfile-v2_spack-develop-env_meta-not-first.spack.lock",
        "lockfile-v2_spack-tutorial_aarch64.spack.lock",
        "lockfile-v3_chronolog-ci.spack.lock",
    ):
        inv = collect("spack-lock", REAL / name)
        ids = set(by_id(inv))
        assert all(e.target in ids for e in inv.edges), name
        doc = _load(REAL / name)
        assert sum(1 for c in inv.components if c.prop("spack:root") == "true") == len(
            {r["hash"] for r in doc["roots"]}
        )


@needs_real
def test_real_lockfile_v6_compilers_are_nodes() -> None:
    inv = collect("spack-lock", REAL / "lockfile-v6_test-mpi_openmpi.spack.lock")
    comps = by_id(inv)
    gcc = next(c for c in inv.components if c.name == "gcc")
    assert gcc.kind == "compiler" and gcc.version == "10.2.1" and gcc.prop("spack:external") == "true"
    assert gcc.prop("spack:compiler-path:fortran") == "/usr/bin/gfortran"
    openmpi = next(c for c in inv.components if c.name == "openmpi")
    built = [e for e in inv.edges if e.source == openmpi.id and e.relation is Relation.BUILT_WITH]
    assert [(comps[e.target].name, e.properties) for e in built] == [("gcc", (("spack:virtuals", "c,cxx,fortran"),))]
    mpi = [e for e in inv.edges if comps[e.target].name == "openmpi" and e.relation is Relation.DEPENDS_ON]
    assert [(comps[e.source].name, e.scopes, e.properties) for e in mpi] == [
        ("py-mpi4py", ("build", "link"), (("spack:virtuals", "mpi"),))
    ]
    assert not any(c.id.startswith("software/compiler/") for c in inv.components)


@needs_real
def test_real_installed_prefix_target_m1_is_apple() -> None:
    inv = collect("spack-spec", REAL / "installed-prefix_amrex/.spack/spec.json")
    m1 = by_id(inv)["compute/cpu-target/m1"]
    assert (m1.supplier, m1.prop("archspec:vendor")) == ("Apple", "Apple")
    assert "software/compiler/apple-clang@15.0.0" in by_id(inv)


@needs_real
def test_real_manifests() -> None:
    """Roots, externals and compilers of both real manifests, against counts made from the YAML."""
    for name in ("env_all-pythons_spack.yaml", "env_ncar-derecho_spack.yaml"):
        inv = collect("spack-environment", REAL / name)
        doc = yaml.safe_load((REAL / name).read_text())["spack"]
        root_keys = set()
        for spec in doc["specs"]:
            m = re.match(r"([\w-]+)(?:@(=?)[^/%\s]+)?(?:/(\w+))?", spec)
            assert m is not None
            root_keys.add((m.group(1), m.group(3) or ""))
        roots = [c for c in inv.components if c.prop("spack:root") == "true"]
        assert len(roots) == len(root_keys)
        externals = {
            tuple(e["spec"].split()[0].split("@"))
            for conf in (doc.get("packages") or {}).values()
            for e in (conf or {}).get("externals", [])
        }
        assert len([c for c in inv.components if c.prop("spack:external") == "true"]) == len(externals)
        compilers = {c["compiler"]["spec"].replace("@=", "@") for c in doc.get("compilers", [])}
        assert {
            c.id.removeprefix("software/compiler/") for c in inv.components if c.id.startswith("software/")
        } == compilers
    ncar = by_id(collect("spack-environment", REAL / "env_ncar-derecho_spack.yaml"))
    cuda = ncar["pkg:spack/cuda@12.2.1"]
    assert cuda.prop("spack:external-prefix") == "/glade/u/apps/common/23.08/spack/opt/spack/cuda/12.2.1"
    assert ncar["pkg:spack/cray-libsci@24.03.0"].prop("spack:external-module") == "cray-libsci/24.03.0"


# -- behaviour on our samples ----------------------------------------------------------------------
def test_v2_keys_are_build_hashes_and_one_dag_hash_is_one_component() -> None:
    inv = collect("spack-lock", GOOD / "lockfile-v2_own_build-hash-keys/spack.lock")
    pythons = [c for c in inv.components if c.name == "python"]
    assert len(pythons) == 1
    python = pythons[0]
    assert python.id == "pkg:spack/python@3.8.7?hash=eeugwk4dwp7yr7ryu62d74iv5vix5cje"
    assert sorted(v for k, v in python.properties if k == "spack:build-hash") == [
        "do3zv2pwqhnp2w36yqpaytn2obggwyrw",
        "m4zjaaqexhmiq2rnclgihdlniun2rcra",
    ]
    assert len(python.evidence) == 2
    deps = {
        by_id(inv)[e.target].name: e.scopes
        for e in inv.edges
        if e.source == python.id and e.relation is Relation.DEPENDS_ON
    }
    # pkgconf is a build dependency of only one of the two build-hash entries: still there
    assert deps == {"libffi": ("build", "link"), "pkgconf": ("build",), "zlib": ("build", "link")}
    pip = next(c for c in inv.components if c.name == "py-pip")
    # py-pip names python by its DAG hash rather than by its key: resolved all the same
    assert [(e.target, e.scopes) for e in inv.edges if e.source == pip.id and e.relation is Relation.DEPENDS_ON] == [
        (python.id, ("build", "run"))
    ]


def test_v5_externals_virtuals_and_included_environments() -> None:
    inv = collect("spack-lock", GOOD / "lockfile-v5_own_externals-virtuals/spack.lock")
    comps = {c.name: c for c in inv.components}
    assert comps["cuda"].prop("spack:external") == "true"
    assert comps["cuda"].prop("spack:external-prefix") == "/opt/nvidia/hpc_sdk/Linux_x86_64/23.9/cuda/12.2"
    mpich = comps["cray-mpich"]
    assert [v for k, v in mpich.properties if k == "spack:external-module"] == [
        "cray-mpich/8.1.27",
        "libfabric/1.15.2.0",
    ]
    assert not mpich.prop("spack:external-prefix")
    # an external was not built by Spack: no built-with edge for it, but for the others
    built = {by_id(inv)[e.source].name for e in inv.edges if e.relation is Relation.BUILT_WITH}
    assert "cuda" not in built and "cray-mpich" not in built and "amrex" in built
    virtuals = {
        (by_id(inv)[e.source].name, by_id(inv)[e.target].name): dict(e.properties).get("spack:virtuals", "")
        for e in inv.edges
        if e.relation is Relation.DEPENDS_ON
    }
    assert virtuals[("amrex", "cray-mpich")] == "mpi"
    assert virtuals[("amrex", "openblas")] == "blas,lapack"
    assert virtuals[("amrex", "cuda")] == ""
    gromacs = comps["gromacs"]
    assert (gromacs.prop("spack:root"), gromacs.prop("spack:included-from")) == ("true", "/work/envs/gromacs")
    zen3 = comps["zen3"]
    assert (zen3.id, zen3.layer.value, zen3.supplier, zen3.prop("archspec:vendor")) == (
        "compute/cpu-target/zen3",
        "compute",
        "AMD",
        "AuthenticAMD",
    )
    assert len([e for e in inv.edges if e.target == zen3.id and e.relation is Relation.RUNS_ON]) == 9


def test_v6_compilers_are_nodes_and_two_builds_stay_apart() -> None:
    inv = collect("spack-lock", GOOD / "lockfile-v6_own_compilers-as-deps/spack.lock")
    comps = by_id(inv)
    pythons = sorted(c.id for c in inv.components if c.name == "python")
    assert pythons == [
        "pkg:spack/python@3.11.9?hash=5iclzd6wqzuipsyv3s6bwix5wqzlevoy",
        "pkg:spack/python@3.11.9?hash=yjvue5sm2f2zxtsxclr4wegecb5l5fp6",
    ]
    assert [comps[p].prop("spack:target") for p in pythons] == ["x86_64_v3", "neoverse_v2"]
    gcc = next(c for c in inv.components if c.name == "gcc")
    assert gcc.kind == "compiler"
    built = sorted(
        (comps[e.source].name, dict(e.properties)["spack:virtuals"])
        for e in inv.edges
        if e.relation is Relation.BUILT_WITH
    )
    assert ("openmpi", "c,cxx,fortran") in built and ("gmake", "c") in built
    assert all(e.target == gcc.id for e in inv.edges if e.relation is Relation.BUILT_WITH)
    # built-with comes beside the depends-on edge, never instead of it
    assert {(e.source, e.target) for e in inv.edges if e.relation is Relation.BUILT_WITH} <= {
        (e.source, e.target) for e in inv.edges if e.relation is Relation.DEPENDS_ON
    }
    assert comps["compute/cpu-target/neoverse_v2"].supplier == "Arm"
    generic = comps["compute/cpu-target/x86_64_v3"]
    assert (generic.supplier, generic.prop("archspec:vendor")) == ("", "generic")
    unknown = comps["compute/cpu-target/sapphirerapids_x"]
    assert (unknown.supplier, unknown.properties) == ("", ())  # not in archspec: unknown, not guessed
    runtime = [e for e in inv.edges if comps[e.target].name == "gcc-runtime" and comps[e.source].name == "openmpi"]
    assert [(e.scopes, e.properties) for e in runtime] == [(("link",), (("spack:virtuals", "fortran-rt,libgfortran"),))]


def test_install_tree_is_found_by_the_walk_inside_dot_spack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    result = scan(["install-tree"], collectors=ALL)
    read = sorted((r.path, r.collector) for r in result.inventory.inputs if r.status is InputStatus.READ)
    assert [(p.rsplit("/", 3)[-3].split("-")[0], c) for p, c in read] == [
        ("openmpi", "spack-spec"),
        ("zlib", "spack-spec"),
    ]
    assert all(p.endswith("/.spack/spec.json") for p, _ in read)
    comps = {c.name: c for c in result.inventory.components}
    # zlib-ng is in both DAGs: one component, evidence from both prefixes
    assert {e.path.split("/")[-3] for e in comps["zlib-ng"].evidence} == {
        "openmpi-5.0.3-2pbxj4kxe5vodttr24ifzstae4mlmnpm",
        "zlib-ng-2.2.1-464y3ohlbnhzkplwwfc776uhdo4jkwlo",
    }
    assert len([c for c in result.inventory.components if c.id.startswith("pkg:spack/")]) == 5
    assert not result.inventory.failed


def test_a_prefix_or_spec_json_given_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    prefix = (
        GOOD / "install-tree/opt/spack/linux-ubuntu22.04-zen3/gcc-12.3.0/zlib-ng-2.2.1-464y3ohlbnhzkplwwfc776uhdo4jkwlo"
    )
    for given in (prefix, prefix / ".spack", prefix / ".spack" / "spec.json"):
        result = scan([given], collectors=ALL)
        assert [r.collector for r in result.inventory.inputs if r.status is InputStatus.READ] == ["spack-spec"], given
        assert {c.name for c in result.inventory.components if c.purl} == {"zlib-ng", "gmake"}


def test_build_cache_signed_spec_carries_the_tarball_checksum() -> None:
    inv = collect("spack-spec", GOOD / CASES[7][2])
    zstd = next(c for c in inv.components if c.name == "zstd")
    assert zstd.hashes == (("SHA-256", "65eec3021451902947f6033d57adc41495c66e3f28348bbe271ae9ff0759d521"),)
    assert all(not c.hashes for c in inv.components if c.name != "zstd")


def test_spack_find_output() -> None:
    inv = collect("spack-find", GOOD / "spack-find_own/find-deps.json")
    assert sorted(c.name for c in inv.components if c.purl) == ["gmake", "hwloc", "openmpi", "pkgconf", "zlib-ng"]
    assert relations(inv)["depends-on"] == 5


def test_find_output_with_name_keyed_records(tmp_path: Path) -> None:
    """Old Spack printed records wrapped in {name: record}; both shapes are read."""
    records = [
        {
            "zlib": {
                "version": "1.2.11",
                "arch": {"platform": "linux", "platform_os": "rhel7", "target": "haswell"},
                "compiler": {"name": "gcc", "version": "9.2.0"},
                "namespace": "builtin",
                "parameters": {"shared": True},
                "hash": "abcdabcdabcdabcdabcdabcdabcdabcd",
            }
        }
    ]
    (tmp_path / "find.json").write_text(json.dumps(records))
    inv = collect("spack-find", tmp_path / "find.json")
    assert set(by_id(inv)) == {
        "pkg:spack/zlib@1.2.11?hash=abcdabcdabcdabcdabcdabcdabcdabcd",
        "software/compiler/gcc@9.2.0",
        "compute/cpu-target/haswell",
    }
    assert by_id(inv)["compute/cpu-target/haswell"].supplier == "Intel"


def test_manifest_roots_externals_and_compilers() -> None:
    inv = collect("spack-environment", GOOD / "env_own/spack.yaml")
    comps = by_id(inv)
    roots = {c.id: c for c in inv.components if c.prop("spack:root") == "true"}
    assert set(roots) == {
        "pkg:spack/python@3.11.9",  # @= pins a version
        "pkg:spack/py-numpy",  # @1.26 does not
        "pkg:spack/amrex?hash=abcdefghijklmnopqrstuvwxyz234567",  # /hash pins a build, not a version
        "pkg:spack/cuda",
        "pkg:spack/hdf5",
        "pkg:spack/parallel-netcdf",
    }
    assert roots["pkg:spack/py-numpy"].prop("spack:version-constraint") == "1.26"
    # matrix: 2 packages x 2 mpis (the `when` one too) x 2 compilers; every combination is a root spec
    assert sorted(v for k, v in roots["pkg:spack/hdf5"].properties if k == "spack:root-spec") == [
        "hdf5+mpi %gcc@12.2.0 ^cray-mpich@8.1.27",
        "hdf5+mpi %gcc@12.2.0 ^openmpi@5.0.3",
        "hdf5+mpi %nvhpc@23.9 ^cray-mpich@8.1.27",
        "hdf5+mpi %nvhpc@23.9 ^openmpi@5.0.3",
    ]
    # a constraint naming a declared compiler becomes a built-with edge; others stay properties
    assert sorted((e.source, e.target) for e in inv.edges) == [
        ("pkg:spack/cuda", "software/compiler/gcc@12.2.0"),
        ("pkg:spack/hdf5", "software/compiler/gcc@12.2.0"),
        ("pkg:spack/hdf5", "software/compiler/nvhpc@23.9"),
        ("pkg:spack/parallel-netcdf", "software/compiler/gcc@12.2.0"),
        ("pkg:spack/parallel-netcdf", "software/compiler/nvhpc@23.9"),
    ]
    mpich = comps["pkg:spack/cray-mpich@8.1.27"]
    assert sorted(v for k, v in mpich.properties if k == "spack:external-prefix") == [
        "/opt/cray/pe/mpich/8.1.27/ofi/gnu/9.1",
        "/opt/cray/pe/mpich/8.1.27/ofi/nvidia/20.7",
    ]
    assert mpich.prop("spack:buildable") == "false"
    assert comps["pkg:spack/cray-libsci@23.09.1.1"].prop("spack:external-module") == "cray-libsci/23.09.1.1"
    assert comps["pkg:spack/llvm@17.0.6"].kind == "compiler"
    nvhpc = comps["software/compiler/nvhpc@23.9"]
    assert (nvhpc.kind, nvhpc.prop("spack:external-module"), nvhpc.prop("spack:os")) == (
        "compiler",
        "nvhpc/23.9",
        "sles15",
    )
    assert not nvhpc.prop("spack:compiler-path:f77")  # null in the file
    assert len(inv.components) == 12


@pytest.mark.parametrize(
    ("text", "name", "version", "pinned", "dag", "compiler"),
    [
        ("hdf5", "hdf5", "", False, "", ""),
        ("hdf5@1.14 +mpi", "hdf5", "1.14", False, "", ""),
        ("python@=3.11.9", "python", "3.11.9", True, "", ""),
        (
            "python@3.6.15/iqsxjci45qyzp5pdmke4mtc2agcgwhry",
            "python",
            "3.6.15",
            False,
            "iqsxjci45qyzp5pdmke4mtc2agcgwhry",
            "",
        ),
        ("cray-mpich@8.1.25%gcc@12.2.0", "cray-mpich", "8.1.25", False, "", "gcc@12.2.0"),
        ("fftw@3.3.10%oneapi@2023.2.1~mpi", "fftw", "3.3.10", False, "", "oneapi@2023.2.1"),
        ("netcdf@4.9.2%gcc@12.2.0+mpi ^cray-mpich@8.1.25%gcc@12.2.0", "netcdf", "4.9.2", False, "", "gcc@12.2.0"),
        ('hdf@4.2.15%oneapi@2023.2.1 cflags="-std=c90 -Wno-error"', "hdf", "4.2.15", False, "", "oneapi@2023.2.1"),
        ("gcc@13.2.0 languages='c,c++,fortran'", "gcc", "13.2.0", False, "", ""),
        ("py-pylint ^py-astroid ^python@3:", "py-pylint", "", False, "", ""),
        ("%gcc@12 +shared", "", "", False, "", "gcc@12"),
        ("mpich~fortran", "mpich", "", False, "", ""),
        ("builtin.zlib@1.3", "zlib", "1.3", False, "", ""),
    ],
)
def test_abstract_spec_parsing(text: str, name: str, version: str, pinned: bool, dag: str, compiler: str) -> None:
    spec = _parse_spec(text)
    assert (spec.name, spec.version, spec.pinned, spec.hash, spec.compiler) == (name, version, pinned, dag, compiler)


@pytest.mark.parametrize(
    ("name", "version", "dag"),
    [
        ("zlib", "1.3", "abc"),
        ("py-numpy", "", ""),
        ("a_b", "git.abc=1.2", "x"),
        ("x", "1.0+local", ""),
        ("n", "develop", "h2"),
        ("ü", "1", ""),
        ("lib#x", "1 2", "a/b"),
    ],
)
def test_spack_purl_fast_path_matches_packageurl(name: str, version: str, dag: str) -> None:
    from packageurl import PackageURL

    expected = PackageURL(
        type="spack", name=name, version=version or None, qualifiers={"hash": dag} if dag else None
    ).to_string()
    assert spack_purl(name, version, dag) == expected


def test_unresolved_dependency_becomes_a_placeholder(tmp_path: Path) -> None:
    node = {
        "name": "app",
        "version": "1.0",
        "hash": "a" * 32,
        "dependencies": [
            {"name": "libmissing", "hash": "m" * 32, "parameters": {"deptypes": ["link"], "virtuals": []}}
        ],
    }
    doc = {
        "_meta": {"file-type": "spack-lockfile", "lockfile-version": 7, "specfile-version": 5},
        "roots": [{"hash": "a" * 32, "spec": "app", "group": "default"}, {"hash": "z" * 32, "spec": "gone@2"}],
        "concrete_specs": {"a" * 32: node},
    }
    (tmp_path / "spack.lock").write_text(json.dumps(doc))
    inv = scan([tmp_path / "spack.lock"], collectors=ALL).inventory
    comps = by_id(inv)
    missing = comps[f"pkg:spack/libmissing?hash={'m' * 32}"]
    assert missing.unresolved
    gone = comps[f"pkg:spack/gone?hash={'z' * 32}"]  # a root whose node is not in the file is kept
    assert (gone.prop("spack:root"), gone.prop("spack:root-spec")) == ("true", "gone@2")


def test_dependency_cycle_is_just_edges(tmp_path: Path) -> None:
    a, b = "a" * 32, "b" * 32

    def node(name: str, h: str, dep: str, dh: str) -> dict[str, Any]:
        return {
            "name": name,
            "version": "1",
            "hash": h,
            "arch": {"target": "zen4"},
            "dependencies": [{"name": dep, "hash": dh, "parameters": {"deptypes": ["link"], "virtuals": []}}],
        }

    doc = {
        "_meta": {"file-type": "spack-lockfile", "lockfile-version": 6, "specfile-version": 5},
        "roots": [{"hash": a, "spec": "a"}],
        "concrete_specs": {a: node("a", a, "b", b), b: node("b", b, "a", a)},
    }
    (tmp_path / "spack.lock").write_text(json.dumps(doc))
    start = time.perf_counter()
    inv = scan([tmp_path / "spack.lock"], collectors=ALL).inventory
    assert time.perf_counter() - start < 5
    deps = sorted(
        (e.source.split("?")[0], e.target.split("?")[0]) for e in inv.edges if e.relation is Relation.DEPENDS_ON
    )
    assert deps == [("pkg:spack/a@1", "pkg:spack/b@1"), ("pkg:spack/b@1", "pkg:spack/a@1")]
    assert not inv.failed


# -- detection -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rel", "content", "claimed_by"),
    [
        ("spack.lock", "{}", "spack-lock"),
        ("env.lock", '{"concrete_specs": {}, "_meta": {}}', "spack-lock"),
        ("poetry.lock", "[[package]]\nname = 'x'\n", None),
        ("spack.yaml", "# site env\nspack:\n  specs: []\n", "spack-environment"),
        ("spack.yaml", "env:\n  specs: []\n", "spack-environment"),
        ("other_spack.yaml", "---\nspack:\n  specs: []\n", "spack-environment"),
        ("ci.yml", "stages: [build]\nspack:\n  script: spack install\n", None),
        ("environment.yml", "name: x\ndependencies: [python]\n", None),
        ("prefix/.spack/spec.json", "{}", "spack-spec"),
        ("prefix/.spack/spec.yaml", "spec: []", "spack-spec"),
        ("prefix/spec.json", '{"spec": {}}', None),
        ("cache/linux-zlib-1.3-abc.spec.json", '{"spec": {"_meta": {"version": 5}}}', "spack-spec"),
        ("cache/other.spec.json", '{"name": "x"}', None),
        ("find.json", '[{"name": "x", "version": "1", "arch": {}, "namespace": "builtin"}]', "spack-find"),
        ("list.json", '[{"name": "x", "version": "1"}]', None),
        ("conda.json", '[{"base_url": "https://conda.example", "name": "x", "version": "1"}]', None),
    ],
)
def test_detect(tmp_path: Path, rel: str, content: str, claimed_by: str | None) -> None:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    tp = TreePath(tmp_path)
    for part in rel.split("/"):
        tp = tp / part
    claims = [c.name for c in ALL if c.detect(tp)]
    assert claims == ([claimed_by] if claimed_by else [])


# -- hostile and broken inputs ---------------------------------------------------------------------
BAD_CASES: dict[str, str | re.Pattern[str]] = {
    "truncated": "is not valid JSON: Expecting value at line 17 column 11",
    "concrete-specs-list": "/concrete_specs: is a list, expected an object of hash -> node",
    "lockfile-version-99": "/_meta/lockfile-version: lockfile-version 99 is not supported (this reader knows 1-7)",
    "lockfile-version-string": "/_meta/lockfile-version: is a string '6', expected an integer",
    "no-meta": "/_meta: is missing or not an object; is this a spack.lock?",
    "version-list": "/concrete_specs/aaaabbbbccccddddeeeeffffgggghhhh/version: is a list, expected a string",
    "dependencies-string": "/concrete_specs/aaaabbbbccccddddeeeeffffgggghhhh/dependencies: is a string, "
    "expected an object or a list",
    "target-number": "/concrete_specs/aaaabbbbccccddddeeeeffffgggghhhh/arch/target: is a number, "
    "expected a string or an object",
    "v2-wrapper-two-keys": "/concrete_specs/k: has 2 keys, expected one package name wrapping the node record",
    "roots-not-list": "/roots: is an object, expected a list",
    "not-utf8": "is not UTF-8 text (byte 99)",
    "spec-nodes-not-list": "/spec/nodes: is an object, expected a list",
    "specfile-version-9": "/spec/_meta/version: specfile version 9 is not supported (this reader knows 1-5)",
    "find-element-string": "/1: is a string, expected an object",
    "sig-truncated": "is a truncated PGP clear-signed document",
    "yaml-billion-laughs": "expands to over 1,000,000 YAML nodes (alias bomb?); not read",
    "yaml-recursive-alias": "is a YAML document that refers to itself (recursive alias); not read",
    # libyaml and PyYAML's own parser word it differently
    "yaml-syntax-error": re.compile(r"is not valid YAML: .*expected ',' or '\]'.* at line 3"),
    "yaml-undefined-definition": "/spack/specs/0: refers to $packages, which no definition names",
    "yaml-specs-not-list": "/spack/specs: is a string, expected a list",
    "yaml-spec-not-string": "/spack/specs/1: is a number, expected a spec string",
    "yaml-externals-not-list": "/spack/packages/cuda/externals: is an object, expected a list",
    "yaml-not-a-mapping": "/spack: is a list, expected an object",
}


def test_bad_cases_are_all_listed() -> None:
    assert {p.name for p in BAD.iterdir()} == set(BAD_CASES)


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_input_is_one_failed_record_naming_the_file(case: str) -> None:
    start = time.perf_counter()
    result = scan([BAD / case], collectors=ALL)
    assert time.perf_counter() - start < 5
    assert not result.crashes
    [record] = result.inventory.inputs
    files = [p for p in (BAD / case).rglob("*") if p.is_file()]
    assert len(files) == 1
    assert record.status is InputStatus.FAILED
    assert record.path == f"{BAD / case}/{files[0].relative_to(BAD / case)}"
    expected = BAD_CASES[case]
    if isinstance(expected, str):
        assert record.reason == expected
    else:
        assert expected.fullmatch(record.reason), record.reason
    assert "\n" not in record.reason
    assert result.unreadable == (str(BAD / case),)


def test_sparse_500_mb_lockfile_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "spack.lock"
    with path.open("wb") as f:
        f.truncate(500 * 1024 * 1024)
    with pytest.raises(InputError) as err:
        collect("spack-lock", path)
    assert err.value.path == str(path)
    assert err.value.reason == (
        "is 524,288,000 bytes, over the 67,108,864-byte limit for one file (raise it with --limit max_file_bytes=...)"
    )


@pytest.mark.parametrize("name", ["spack.lock", "find.json"])
def test_deep_json_nesting(tmp_path: Path, name: str) -> None:
    depth = 100_000
    if name == "spack.lock":
        text = '{"_meta": {"lockfile-version": 6}, "concrete_specs": ' + "[" * depth + "]" * depth + "}"
    else:
        text = '[{"arch": 1, "namespace": 1, "version": 1, "x": ' + "[" * depth + "]" * depth + "}]"
    (tmp_path / name).write_text(text)
    with pytest.raises(InputError) as err:
        collect("spack-lock" if name == "spack.lock" else "spack-find", tmp_path / name)
    assert err.value.reason == "is nested too deeply to read"


@pytest.mark.parametrize("loader", ["libyaml", "pure-python"])
def test_deep_yaml_nesting(tmp_path: Path, loader: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if loader == "pure-python":
        monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    elif not hasattr(yaml, "CSafeLoader"):
        pytest.skip("PyYAML without libyaml")
    depth = 50_000
    (tmp_path / "spack.yaml").write_text("spack:\n  specs: " + "[" * depth + "]" * depth + "\n")
    result = scan([tmp_path / "spack.yaml"], collectors=ALL)
    [record] = result.inventory.inputs
    assert record.status is InputStatus.FAILED and not result.crashes
    expected = {
        "libyaml": "is not valid YAML: exceeded maximum nesting depth at line 2",
        "pure-python": "is nested too deeply to read",
    }
    assert record.reason == expected[loader]


@pytest.mark.parametrize("enabled", [True, False])
def test_collect_restores_the_garbage_collector_state(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        collect("spack-lock", GOOD / "lockfile-v6_own_compilers-as-deps/spack.lock")
        assert gc.isenabled() is enabled
        with pytest.raises(InputError):
            collect("spack-lock", BAD / "truncated/spack.lock")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_target_unknown_to_archspec_keeps_the_inputs_vendor_as_a_property_only(tmp_path: Path) -> None:
    node = {
        "name": "app",
        "version": "1",
        "hash": "a" * 32,
        "arch": {
            "platform": "linux",
            "platform_os": "rhel9",
            "target": {
                "name": "futurelake",
                "vendor": "GenuineIntel",
                "features": [],
                "generation": 0,
                "parents": ["sapphirerapids"],
            },
        },
    }
    doc = {
        "_meta": {"file-type": "spack-lockfile", "lockfile-version": 5, "specfile-version": 4},
        "roots": [],
        "concrete_specs": {"a" * 32: node},
    }
    (tmp_path / "spack.lock").write_text(json.dumps(doc))
    target = by_id(collect("spack-lock", tmp_path / "spack.lock"))["compute/cpu-target/futurelake"]
    assert (target.supplier, target.properties) == ("", (("spack:target-vendor", "GenuineIntel"),))


def test_big_yaml_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "spack.yaml"
    with path.open("wb") as f:
        f.write(b"spack:\n  specs:\n")
        f.truncate(20 * 1024 * 1024)
    with pytest.raises(InputError) as err:
        collect("spack-environment", path)
    assert err.value.reason == "is 20,971,520 bytes, over the 16,777,216-byte limit for one file"
