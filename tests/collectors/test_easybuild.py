"""EasyBuild collectors: easyconfigs (restricted evaluator), generated module files, easystacks.

EasyBuild itself is the oracle where it can be: its own parser reads every sample easyconfig (in a
subprocess, since it executes the file - acceptable only here, for our own committed samples) and
its ``get_toolchain_hierarchy`` output is a committed fixture for the table of generations.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from sovaudit import inventory_json
from sovaudit.collectors import easyconfig_eval as ev
from sovaudit.collectors.easybuild import (
    GENERATIONS,
    SUBTOOLCHAINS,
    EasyBuildModuleCollector,
    EasyconfigCollector,
    EasystackCollector,
    Toolchain,
    _Easyconfig,
    easybuild_purl,
    mangle,
    module_identity,
    split_easyconfig_name,
    subtoolchains,
    toolchain_hierarchy,
)
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Component, Edge, InputStatus, Inventory, Relation
from sovaudit.pipeline import scan
from tests.conftest import GOLDEN, SAMPLES, assert_golden

HERE = SAMPLES / "easybuild"
GOOD = HERE / "good"
BAD = HERE / "bad"
GOLD = GOLDEN / "easybuild"

EASYCONFIGS = sorted(p.relative_to(GOOD).as_posix() for p in GOOD.rglob("*.eb"))
EASYSTACKS = sorted(p.relative_to(GOOD).as_posix() for p in GOOD.rglob("*.yml"))
MODULES = sorted(p.relative_to(GOOD).as_posix() for p in (GOOD / "modules").rglob("*") if p.is_file())
REAL_EASYCONFIGS = sorted(p.name for p in (GOOD / "easyconfigs").glob("*.eb"))
PWNED = Path("/tmp/sovaudit-easybuild-pwned")


@pytest.fixture
def in_good(monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative inputs, so evidence paths in the goldens do not depend on the checkout's location."""
    monkeypatch.chdir(GOOD)


def collector_for(tp: TreePath) -> EasyconfigCollector | EasystackCollector | EasyBuildModuleCollector:
    found = [c for c in (EasyconfigCollector(), EasystackCollector(), EasyBuildModuleCollector()) if c.detect(tp)]
    assert len(found) == 1, f"{tp}: detected by {[c.name for c in found]}"
    return found[0]


def collect(path: str | Path) -> Inventory:
    tp = TreePath.for_input(path)
    return collector_for(tp).collect(tp)


def main(inv: Inventory) -> Component:
    """The one concrete EasyBuild component an easyconfig or module file describes."""
    found = [c for c in inv.components if not c.unresolved and c.purl.startswith("pkg:easybuild/")]
    assert len(found) == 1, [c.id for c in found]
    return found[0]


def out_edges(inv: Inventory, source: str, relation: Relation | None = None) -> dict[str, Edge]:
    return {e.target: e for e in inv.edges if e.source == source and (relation is None or e.relation is relation)}


def golden_name(rel: str) -> str:
    return rel.replace("/", "__") + ".inventory.json"


# -- independent counts from the raw files ------------------------------------------------------------
def count_easyconfig_edges(text: str) -> int:
    """Dependency tuples (one per line in these files), OS dependencies and the toolchain, by regex."""
    total = 0
    for block in re.findall(r"(?ms)^(?:build|hidden)?dependencies = \[\n(.*?)^\]", text):
        total += len(re.findall(r"(?m)^\s+\(['\"]", block))
    for block in re.findall(r"(?ms)^osdependencies = \[(.*?)\]", text):
        total += len(re.findall(r"OS_PKG_\w+|'[^']+'", block))
    if not re.search(r"(?m)^toolchain = (SYSTEM|\{'name': 'dummy')", text):
        total += 1
    return total


def count_module_loads(text: str, lua: bool) -> int:
    if lua:
        return len(re.findall(r"(?m)^\s*(?:load|depends_on)\(\"", text))
    return len(re.findall(r"(?m)^\s*module load \S+", text))


def count_easystack_entries(text: str) -> int:
    return len(re.findall(r"(?m)^\s*- \S", text))


# -- detection ------------------------------------------------------------------------------------------
def test_each_sample_is_detected_by_exactly_one_easybuild_collector() -> None:
    for rel in EASYCONFIGS:
        assert isinstance(collector_for(TreePath.for_input(GOOD / rel)), EasyconfigCollector), rel
    for rel in EASYSTACKS:
        assert isinstance(collector_for(TreePath.for_input(GOOD / rel)), EasystackCollector), rel
    for rel in MODULES:
        assert isinstance(collector_for(TreePath.for_input(GOOD / rel)), EasyBuildModuleCollector), rel


def test_module_files_without_easybuild_markers_are_left_to_the_generic_collector(tmp_path: Path) -> None:
    lua = tmp_path / "gcc" / "12.3.0.lua"
    lua.parent.mkdir()
    lua.write_text('whatis("Description: GCC")\nprepend_path("PATH", "/opt/gcc/bin")\nsetenv("GCC_ROOT", "/opt")\n')
    tcl = tmp_path / "gcc" / "11"
    tcl.write_text("#%Module\nprepend-path PATH /opt/gcc/11/bin\n")
    other = tmp_path / "notes.txt"
    other.write_text("setenv EBROOTX is mentioned here but this is no module file\n")
    module = EasyBuildModuleCollector()
    for p in (lua, tcl, other):
        assert not module.detect(TreePath.for_input(p)), p
    # and the generic collector, written alongside, refuses what this one claims (same marker test)
    from sovaudit.collectors.modules import ModulefileCollector

    generic = ModulefileCollector()
    for rel in MODULES:
        assert not generic.detect(TreePath.for_input(GOOD / rel)), rel
    assert generic.detect(TreePath.for_input(lua))


def test_old_easystack_format_is_not_claimed() -> None:
    assert not EasystackCollector().detect(TreePath.for_input(BAD / "software-only-easystack.yaml"))


# -- goldens and counts --------------------------------------------------------------------------------
@pytest.mark.parametrize("rel", EASYCONFIGS + EASYSTACKS + MODULES)
def test_golden(rel: str, in_good: None) -> None:
    inv = collect(rel)
    assert_golden(inventory_json.dump(inv), GOLD / golden_name(rel))


@pytest.mark.parametrize("name", REAL_EASYCONFIGS)
def test_real_easyconfig_edge_count_matches_an_independent_count(name: str) -> None:
    path = GOOD / "easyconfigs" / name
    inv = collect(path)
    own = [e for e in inv.edges if e.relation is not Relation.CONTAINS]
    assert len(own) == count_easyconfig_edges(path.read_text()), name
    assert all(e.source == main(inv).id for e in own)


@pytest.mark.parametrize("rel", MODULES)
def test_module_edge_count_matches_an_independent_count(rel: str) -> None:
    path = GOOD / rel
    inv = collect(path)
    assert len(inv.edges) == count_module_loads(path.read_text(), rel.endswith(".lua")), rel


@pytest.mark.parametrize("rel", EASYSTACKS)
def test_easystack_component_count_matches_an_independent_count(rel: str) -> None:
    path = GOOD / rel
    inv = collect(path)
    assert len(inv.components) == count_easystack_entries(path.read_text())
    assert not inv.edges
    assert all(c.prop("easybuild:easystack") == "true" for c in inv.components)


# -- what an easyconfig becomes ----------------------------------------------------------------------
def test_pytorch_component_edges_and_properties() -> None:
    inv = collect(GOOD / "easyconfigs" / "PyTorch-2.1.2-foss-2023a-CUDA-12.1.1.eb")
    c = main(inv)
    assert c.id == "pkg:easybuild/PyTorch@2.1.2?toolchain=foss-2023a&versionsuffix=-CUDA-12.1.1"
    assert (c.name, c.version, c.kind, c.purl) == ("PyTorch", "2.1.2", "package", c.id)
    assert c.prop("easybuild:module") == "PyTorch/2.1.2-foss-2023a-CUDA-12.1.1"
    assert c.prop("easybuild:toolchain") == "foss-2023a"
    assert c.prop("easybuild:moduleclass") == "ai"
    assert c.prop("easybuild:homepage") == "https://pytorch.org/"
    assert c.description.startswith("Tensors and Dynamic neural networks in Python")
    assert c.evidence[0].line == 1
    edges = out_edges(inv, c.id)
    cudnn = edges["pkg:easybuild/cuDNN@8.9.2.26?toolchain=system&versionsuffix=-CUDA-12.1.1"]
    assert cudnn.scopes == ("build", "run") and cudnn.evidence[0].line == 169
    assert ("easybuild:resolution", "explicit") in cudnn.properties
    cmake = edges["pkg:easybuild/CMake@3.26.3?toolchain=foss-2023a"]
    assert cmake.scopes == ("build",)
    assert ("easybuild:search-order", "foss-2023a gompi-2023a gfbf-2023a GCC-12.3.0 GCCcore-12.3.0") in cmake.properties
    tc = edges["pkg:easybuild/foss@2023a?toolchain=system"]
    assert tc.relation is Relation.BUILT_WITH
    os_dep = edges["software/os-package/libibverbs-dev"]
    assert ("easybuild:os-alternatives", "libibverbs-dev|libibverbs-devel|rdma-core-devel") in os_dep.properties
    nccl = edges["pkg:easybuild/NCCL@2.18.3?toolchain=foss-2023a&versionsuffix=-CUDA-12.1.1"]
    assert ("easybuild:module", "NCCL/2.18.3-foss-2023a-CUDA-12.1.1") in nccl.properties
    # only what the file describes is a component; the rest become the graph's placeholders
    assert [x.id for x in inv.components] == [c.id]
    # SHLIB_EXT depends on the build host: the variable that uses it is noted, not guessed
    assert any(v.startswith("local_libcaffe2: SHLIB_EXT") for k, v in c.properties if k == "easybuild:unevaluated")


def test_gromacs_versionsuffix_from_local_variables_and_templates() -> None:
    inv = collect(GOOD / "easyconfigs" / "GROMACS-2023.3-foss-2023a-CUDA-12.1.1-PLUMED-2.9.0.eb")
    c = main(inv)
    assert c.prop("easybuild:versionsuffix") == "-CUDA-12.1.1-PLUMED-2.9.0"
    assert c.id == "pkg:easybuild/GROMACS@2023.3?toolchain=foss-2023a&versionsuffix=-CUDA-12.1.1-PLUMED-2.9.0"
    targets = out_edges(inv, c.id)
    assert "pkg:easybuild/UCX-CUDA@1.14.1?toolchain=foss-2023a&versionsuffix=-CUDA-12.1.1" in targets
    assert "pkg:easybuild/PLUMED@2.9.0?toolchain=foss-2023a" in targets
    gmxapi = next(x for x in inv.components if x.name == "gmxapi")
    assert gmxapi.id == "pkg:pypi/gmxapi@0.4.2"  # exts_defaultclass = 'PythonPackage'
    assert out_edges(inv, c.id, Relation.CONTAINS).keys() == {gmxapi.id}


def test_toolchain_easyconfig_dummy_toolchain_and_bundle_components() -> None:
    foss = main(collect(GOOD / "easyconfigs" / "foss-2023a.eb"))
    assert (foss.id, foss.kind) == ("pkg:easybuild/foss@2023a?toolchain=system", "toolchain")
    inv = collect(GOOD / "easyconfigs" / "foss-2023a.eb")
    assert "pkg:easybuild/ScaLAPACK@2.2.0?toolchain=gompi-2023a&versionsuffix=-fb" in out_edges(inv, foss.id)
    assert "pkg:easybuild/GCC@12.3.0?toolchain=system" in out_edges(inv, foss.id)
    old = main(collect(GOOD / "easyconfigs" / "CUDA-7.0.28_dummy-toolchain_2018.eb"))
    assert old.id == "pkg:easybuild/CUDA@7.0.28?toolchain=system"
    assert old.prop("easybuild:toolchain-declared") == "dummy"
    cesm = collect(GOOD / "easyconfigs" / "CESM-deps-2-foss-2023a.eb")
    assert out_edges(cesm, main(cesm).id, Relation.CONTAINS).keys() == {"pkg:generic/cesm-config@1.7.0"}
    assert "pkg:easybuild/git@2.41.0?toolchain=foss-2023a&versionsuffix=-nodocs" in out_edges(cesm, main(cesm).id)


def test_archived_easyconfig_keeps_the_easybuild_version_but_no_site_data() -> None:
    inv = collect(GOOD / "ebfiles_repo" / "M4" / "M4-1.4.19-GCCcore-12.3.0.eb")
    c = main(inv)
    assert c.prop("easybuild:built-with-version") == "4.8.1"
    assert "build-node-17" not in inventory_json.dump(inv).decode()


def test_features_sample(in_good: None) -> None:
    inv = collect("features/Example-1.0-foss-2023a-Python-3.11.3.eb")
    c = main(inv)
    assert c.id == "pkg:easybuild/Example@1.0?toolchain=foss-2023a&versionsuffix=-Python-3.11.3"
    assert c.description == "Example 1.0 for Example, built with Python 3.11.3."
    assert (c.licenses, c.license_declared) == ("GPL-3.0-only", "GPLv3")
    assert c.prop("easybuild:license-file") == "$HOME/licenses/Example/license.lic"
    assert c.prop("easybuild:homepage") == "https://example.org/example"
    notes = [v for k, v in c.properties if k == "easybuild:unevaluated"]
    assert "os: import is not evaluated (line 2)" in notes
    assert any(n.startswith("sanity_check_paths: comprehension") for n in notes)
    edges = out_edges(inv, c.id)
    cond = {t.split("?")[0]: dict(e.properties).get("easybuild:condition", "") for t, e in edges.items()}
    assert cond["pkg:easybuild/ArmPL@23.04.1"] == "ARCH == 'aarch64'"
    assert cond["pkg:easybuild/imkl@2023.1.0"] == "not (ARCH == 'aarch64')"
    assert cond["pkg:easybuild/libxsmm@1.17"] == "arch=x86_64"
    assert cond["pkg:easybuild/Boost@1.82.0"] == ""
    assert "pkg:easybuild/cuDNN@8.9.2.26?toolchain=system&versionsuffix=-CUDA-12.1.1" in edges  # True = SYSTEM
    assert "pkg:easybuild/HDF5@1.14.0?toolchain=gompi-2023a" in edges
    assert "pkg:easybuild/Tkinter@3.11.3?toolchain=foss-2023a" in edges  # '%(pyver)s'
    assert ("easybuild:hidden", "true") in edges["pkg:easybuild/Tkinter@3.11.3?toolchain=foss-2023a"].properties
    assert "software/module/cray-libsci@23.09" in edges  # EXTERNAL_MODULE
    ldc = {t: dict(e.properties)["easybuild:condition"] for t, e in edges.items() if "/LDC@" in t}
    assert ldc == {
        f"pkg:easybuild/LDC@1.24.0?toolchain=system&versionsuffix=-{a}": f"arch={a}"
        for a in ("aarch64", "ppc64le", "riscv64", "x86_64")
    }
    exts = {t for t, e in edges.items() if e.relation is Relation.CONTAINS}
    assert exts == {"pkg:pypi/six@1.16.0", "pkg:pypi/example-tools@1.0", "pkg:cran/Rcpp@1.0.10", "pkg:pypi/legacy-ext"}


# -- resolution down the toolchain hierarchy ------------------------------------------------------------
GROMACS = "pkg:easybuild/GROMACS@2023.3?toolchain=foss-2023a&versionsuffix=-CUDA-12.1.1-PLUMED-2.9.0"
PYTHON = "pkg:easybuild/Python@3.11.3?toolchain=GCCcore-12.3.0"


def test_dependencies_resolve_down_the_hierarchy_inside_the_scanned_tree(in_good: None) -> None:
    result = scan(["robot"], collectors=[EasyconfigCollector()])
    inv = result.inventory
    assert not inv.failed and not result.crashes
    edges = out_edges(inv, GROMACS)
    resolution = {t: dict(e.properties).get("easybuild:resolution") for t, e in edges.items()}
    assert resolution[PYTHON] == "found"  # foss -> gompi -> gfbf -> GCC -> GCCcore
    assert resolution["pkg:easybuild/SciPy-bundle@2023.07?toolchain=gfbf-2023a"] == "found"
    assert resolution["pkg:easybuild/mpi4py@3.1.4?toolchain=gompi-2023a"] == "found"
    assert resolution["pkg:easybuild/PLUMED@2.9.0?toolchain=foss-2023a"] == "found"  # the parent itself first
    assert resolution["pkg:easybuild/UCX-CUDA@1.14.1?toolchain=GCCcore-12.3.0&versionsuffix=-CUDA-12.1.1"] == "found"
    assert resolution["pkg:easybuild/CMake@3.26.3?toolchain=foss-2023a"] == "inherited"  # not in the tree
    assert resolution["pkg:easybuild/CUDA@12.1.1?toolchain=system"] == "explicit"
    # the edge lands on the concrete component that Python's own easyconfig describes
    comps = {c.id: c for c in inv.components}
    assert not comps[PYTHON].unresolved
    assert comps[PYTHON].evidence[0].path == "robot/p/Python/Python-3.11.3-GCCcore-12.3.0.eb"
    assert not comps["pkg:easybuild/foss@2023a?toolchain=system"].unresolved
    assert comps["pkg:easybuild/CMake@3.26.3?toolchain=foss-2023a"].unresolved
    assert_golden(inventory_json.dump(inv), GOLD / "robot-tree.inventory.json")


def test_a_file_collected_alone_cannot_see_its_dependencies_and_says_so(in_good: None) -> None:
    inv = collect("robot/g/GROMACS/GROMACS-2023.3-foss-2023a-CUDA-12.1.1-PLUMED-2.9.0.eb")
    python = out_edges(inv, GROMACS)["pkg:easybuild/Python@3.11.3?toolchain=foss-2023a"]
    assert ("easybuild:resolution", "inherited") in python.properties


def _write_easyconfig(path: Path, name: str, version: str, tc: str, deps: str = "[]", suffix: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tc_name, _, tc_version = tc.partition("-")
    toolchain = "SYSTEM" if tc == "system" else f"{{'name': '{tc_name}', 'version': '{tc_version}'}}"
    path.write_text(
        f"name = '{name}'\nversion = '{version}'\nversionsuffix = '{suffix}'\nhomepage = 'x'\ndescription = 'x'\n"
        f"toolchain = {toolchain}\ndependencies = {deps}\n"
    )


@pytest.mark.parametrize("layout", ["installed", "ebfiles_repo", "flat"])
def test_robot_layouts(tmp_path: Path, layout: str) -> None:
    def place(name: str, fullver: str) -> Path:
        file = f"{name}-{fullver}.eb"
        if layout == "installed":
            return tmp_path / "software" / name / fullver / "easybuild" / file
        if layout == "ebfiles_repo":
            return tmp_path / "ebfiles_repo" / name / file
        return tmp_path / "flat" / file

    _write_easyconfig(place("Python", "3.11.3-GCCcore-12.3.0"), "Python", "3.11.3", "GCCcore-12.3.0")
    scipy = place("SciPy-bundle", "2023.07-gfbf-2023a")
    _write_easyconfig(scipy, "SciPy-bundle", "2023.07", "gfbf-2023a", "[('Python', '3.11.3'), ('zlib', '1.2.13')]")
    inv = scan([tmp_path], collectors=[EasyconfigCollector()]).inventory
    edges = out_edges(inv, "pkg:easybuild/SciPy-bundle@2023.07?toolchain=gfbf-2023a")
    assert ("easybuild:resolution", "found") in edges[PYTHON].properties
    assert ("easybuild:search-order", "gfbf-2023a GCC-12.3.0 GCCcore-12.3.0") in edges[
        "pkg:easybuild/zlib@1.2.13?toolchain=gfbf-2023a"
    ].properties
    assert not {c.id: c for c in inv.components}[PYTHON].unresolved


def test_a_link_out_of_the_tree_does_not_count_as_found(tmp_path: Path) -> None:
    outside = tmp_path / "outside" / "Python-3.11.3-GCCcore-12.3.0.eb"
    _write_easyconfig(outside, "Python", "3.11.3", "GCCcore-12.3.0")
    tree = tmp_path / "tree"
    _write_easyconfig(tree / "SciPy-bundle-2023.07-gfbf-2023a.eb", "SciPy-bundle", "2023.07", "gfbf-2023a",
                      "[('Python', '3.11.3')]")  # fmt: skip
    (tree / "Python-3.11.3-GCCcore-12.3.0.eb").symlink_to(outside)
    inv = collect(tree / "SciPy-bundle-2023.07-gfbf-2023a.eb")
    assert "pkg:easybuild/Python@3.11.3?toolchain=gfbf-2023a" in out_edges(inv, main(inv).id)


def test_unknown_generation_is_read_from_the_toolchain_easyconfig_in_the_tree(tmp_path: Path) -> None:
    robot = tmp_path / "ec"
    robot.mkdir()
    (robot / "foss-2026.1.eb").write_text(
        "name = 'foss'\nversion = '2026.1'\nhomepage = 'x'\ndescription = 'x'\ntoolchain = SYSTEM\n"
        "local_gccver = '15.2.0'\nlocal_tc = ('gompi', version)\n"
        "dependencies = [('GCC', local_gccver), ('OpenMPI', '5.0.8', '', ('GCC', local_gccver)),"
        " ('ScaLAPACK', '2.2.2', '-fb', local_tc)]\n"
    )
    _write_easyconfig(robot / "zlib-1.3.1-GCCcore-15.2.0.eb", "zlib", "1.3.1", "GCCcore-15.2.0")
    _write_easyconfig(robot / "App-1.0-foss-2026.1.eb", "App", "1.0", "foss-2026.1", "[('zlib', '1.3.1')]")
    inv = collect(robot / "App-1.0-foss-2026.1.eb")
    assert "pkg:easybuild/zlib@1.3.1?toolchain=GCCcore-15.2.0" in out_edges(inv, main(inv).id)
    assert "2026.1" not in GENERATIONS


def test_the_table_reproduces_easybuilds_own_hierarchies() -> None:
    fixture = json.loads((HERE / "toolchain-hierarchies-eb-5.4.1.json").read_text())["hierarchies"]
    assert len(fixture) > 200
    names = sorted(SUBTOOLCHAINS, key=len, reverse=True)
    for key, expected in fixture.items():
        name = next(n for n in names if key.startswith(n + "-"))
        tc = Toolchain(name, key[len(name) + 1 :])
        assert [t.label() for t in toolchain_hierarchy(tc)[1:]] == expected, key


def test_the_foss_2023a_sample_agrees_with_the_table() -> None:
    """Subtoolchains derived from foss-2023a.eb itself, as EasyBuild does, equal the table's."""
    sample = GOOD / "easyconfigs" / "foss-2023a.eb"
    ns = ev.evaluate(sample.read_text())
    deps: Any = ns.values["dependencies"]
    cands = [(d[0], d[1] + (d[2] if len(d) > 2 else "")) for d in deps]
    cands += [(d[3][0], d[3][1]) for d in deps if len(d) > 3]
    foss = Toolchain("foss", "2023a")
    table = subtoolchains(foss)
    generic = subtoolchains(Toolchain("foss", "2023z"), derive=lambda tc: cands)
    assert [t.name for t in table] == ["gompi", "gfbf"]
    assert [(t.name, t.version) for t in generic if t.name == "GCC"] == []  # foss lists gompi/gfbf, not GCC
    assert ("gompi", "2023a") in cands and ("GCC", "12.3.0") in cands
    assert GENERATIONS["2023a"].gcc == "12.3.0"
    assert [t.label() for t in toolchain_hierarchy(foss)] == [
        "foss-2023a", "gompi-2023a", "gfbf-2023a", "GCC-12.3.0", "GCCcore-12.3.0"
    ]  # fmt: skip
    intel = [t.label() for t in toolchain_hierarchy(Toolchain("intel", "2023a"))]
    assert intel == ["intel-2023a", "iimpi-2023a", "iimkl-2023a", "intel-compilers-2023.1.0", "GCCcore-12.3.0"]
    cuda = [t.label() for t in toolchain_hierarchy(Toolchain("fosscuda", "2020b"))]
    assert cuda == ["fosscuda-2020b", "gompic-2020b", "gcccuda-2020b", "GCC-10.2.0", "GCCcore-10.2.0"]
    assert [t.label() for t in toolchain_hierarchy(Toolchain("system", "system"))] == ["system"]


# -- module files share ids with easyconfigs ----------------------------------------------------------
def test_module_dependencies_land_on_easyconfig_ids(in_good: None) -> None:
    ids = {c.id for c in scan(["robot"], collectors=[EasyconfigCollector()]).inventory.components if not c.unresolved}
    tf = collect("modules/lua/TensorFlow/2.13.0-foss-2023a.lua")
    c = main(tf)
    assert c.id == "pkg:easybuild/TensorFlow@2.13.0?toolchain=foss-2023a"
    assert c.description == "An open-source software library for Machine Intelligence"
    assert c.prop("easybuild:extensions") == "absl-py-1.4.0,astunparse-1.6.3,gast-0.4.0,tensorboard-2.13.0"
    assert c.prop("easybuild:built-with-version") == "4.8.2"
    targets = set(out_edges(tf, c.id))
    assert {PYTHON, "pkg:easybuild/foss@2023a?toolchain=system",
            "pkg:easybuild/SciPy-bundle@2023.07?toolchain=gfbf-2023a"} <= ids & targets  # fmt: skip
    assert not any("commented-out" in t for t in targets)
    nccl = collect("modules/lua/NCCL/2.18.3-GCCcore-12.3.0-CUDA-12.1.1.lua")
    ucx = "pkg:easybuild/UCX-CUDA@1.14.1?toolchain=GCCcore-12.3.0&versionsuffix=-CUDA-12.1.1"
    assert ucx in ids and ucx in out_edges(nccl, main(nccl).id)
    assert "pkg:easybuild/CUDA@12.1.1?toolchain=system" in ids & set(out_edges(nccl, main(nccl).id))


def test_toolchain_versions_with_a_suffix_match_the_toolchains_easyconfig(tmp_path: Path) -> None:
    """GCC/8.3.0-2.32 is GCC 8.3.0 with versionsuffix -2.32, from a module load or a toolchain spec alike."""
    gcc = tmp_path / "GCC-8.3.0-2.32.eb"
    _write_easyconfig(gcc, "GCC", "8.3.0", "system", suffix="-2.32")
    gcc_id = main(collect(gcc)).id
    assert gcc_id == "pkg:easybuild/GCC@8.3.0?toolchain=system&versionsuffix=-2.32"
    cuda = collect(GOOD / "modules/lua/CUDA/10.1.243-GCC-8.3.0-2.32.lua")
    assert main(cuda).id == "pkg:easybuild/CUDA@10.1.243?toolchain=GCC-8.3.0-2.32"
    assert set(out_edges(cuda, main(cuda).id)) == {gcc_id}
    app = tmp_path / "App-1.0-GCC-8.3.0-2.32.eb"
    _write_easyconfig(app, "App", "1.0", "GCC-8.3.0-2.32")
    assert gcc_id in out_edges(collect(app), main(collect(app)).id, Relation.BUILT_WITH)


def test_tcl_and_hierarchical_module_files(in_good: None) -> None:
    cuda = main(collect("modules/tcl/CUDA/9.1.85"))
    assert cuda.id == "pkg:easybuild/CUDA@9.1.85?toolchain=system"
    assert cuda.prop("easybuild:homepage") == "https://developer.nvidia.com/cuda-toolkit"
    assert cuda.description.startswith("CUDA (formerly Compute Unified Device Architecture)")
    assert cuda.prop("easybuild:built-with-version") == "1.3.0dev"
    inv = collect("modules/tcl/CategorizedHMNS/Compiler/GCC/6.4.0-2.28/mpi/OpenMPI/2.1.2")
    ompi = main(inv)
    assert (ompi.id, ompi.kind) == ("pkg:easybuild/OpenMPI@2.1.2?toolchain=GCC-6.4.0-2.28", "mpi")
    assert ompi.prop("easybuild:hierarchy") == "Compiler/GCC/6.4.0-2.28"
    assert ompi.description == "The Open MPI Project is an open source MPI-2 implementation."
    # a short module name inside a hierarchy: the toolchain is unknown, not guessed
    assert set(out_edges(inv, ompi.id)) == {"pkg:easybuild/hwloc@1.11.8"}


def test_mpi_level_of_a_hierarchy_keeps_the_path_instead_of_a_toolchain(tmp_path: Path) -> None:
    mod = tmp_path / "MPI" / "GCC" / "12.3.0" / "OpenMPI" / "4.1.5" / "FFTW" / "3.3.10.lua"
    mod.parent.mkdir(parents=True)
    mod.write_text('setenv("EBROOTFFTW", root)\nsetenv("EBVERSIONFFTW", "3.3.10")\n')
    c = main(collect(mod))
    assert c.id == "pkg:easybuild/FFTW@3.3.10?hierarchy=MPI/GCC/12.3.0/OpenMPI/4.1.5"
    assert c.prop("easybuild:toolchain") == ""


def test_easystack_entries_share_ids_with_easyconfigs() -> None:
    inv = collect(GOOD / "easystacks" / "eessi-2023.06-eb-4.8.2-010-CUDA.yml")
    (cuda,) = inv.components
    assert cuda.id == main(collect(GOOD / "easyconfigs" / "CUDA-12.1.1.eb")).id
    assert cuda.prop("easybuild:easystack-option:accept-eula-for") == "CUDA"
    assert cuda.prop("easybuild:easystack-option:include-easyblocks-from-pr") == "3045"
    assert cuda.evidence[0].line == 2
    inv = collect(GOOD / "easystacks" / "eessi-2023.06-eb-4.8.2-2023a.yml")
    ids = {c.prop("easybuild:easyconfig"): c.id for c in inv.components}
    assert ids["foss-2023a.eb"] == main(collect(GOOD / "easyconfigs" / "foss-2023a.eb")).id
    assert ids["OSU-Micro-Benchmarks-7.1-1-gompi-2023a.eb"] == easybuild_purl(
        "OSU-Micro-Benchmarks", "7.1-1", Toolchain("gompi", "2023a")
    )
    assert ids["BWA-0.7.17-20220923-GCCcore-12.3.0.eb"] == easybuild_purl(
        "BWA", "0.7.17-20220923", Toolchain("GCCcore", "12.3.0")
    )


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("PyTorch-2.1.2-foss-2023a-CUDA-12.1.1.eb", ("PyTorch", "2.1.2", "foss-2023a", "-CUDA-12.1.1")),
        ("Python-bundle-PyPI-2023.06-GCCcore-12.3.0.eb", ("Python-bundle-PyPI", "2023.06", "GCCcore-12.3.0", "")),
        ("netCDF-C++4-4.3.1-gompi-2023a.eb", ("netCDF-C++4", "4.3.1", "gompi-2023a", "")),
        ("cuDNN-8.9.2.26-CUDA-12.1.1.eb", ("cuDNN", "8.9.2.26", "system", "-CUDA-12.1.1")),
        ("GCC-8.2.0-2.31.1.eb", ("GCC", "8.2.0", "system", "-2.31.1")),
        ("LAMMPS-29Aug2024-foss-2023b-kokkos.eb", ("LAMMPS", "29Aug2024", "foss-2023b", "-kokkos")),
        ("X-1.0-iccifort-2019.1.144-GCC-8.2.0-2.31.1.eb", ("X", "1.0", "iccifort-2019.1.144-GCC-8.2.0-2.31.1", "")),
        ("4ti2-1.6.10-GCC-13.2.0.eb", ("4ti2", "1.6.10", "GCC-13.2.0", "")),
    ],
)
def test_easyconfig_file_names(filename: str, expected: tuple[str, str, str, str]) -> None:
    name, version, tc, suffix = split_easyconfig_name(filename)
    assert (name, version, tc.label(), suffix) == expected


def test_module_names() -> None:
    assert module_identity("UCX-CUDA/1.14.1-GCCcore-12.3.0-CUDA-12.1.1")[:2] == ("UCX-CUDA", "1.14.1")
    assert module_identity("GCC/8.2.0-2.31.1")[1:] == ("8.2.0", Toolchain("system", "system"), "-2.31.1")
    assert mangle("netCDF-C++4") == "NETCDFMINCPLUSPLUS4" and mangle("Boost.Python") == "BOOSTPYTHON"


# -- EasyBuild itself as the oracle -------------------------------------------------------------------
_ORACLE = r"""
import json, sys
from easybuild.framework.easyconfig.parser import EasyConfigParser
from easybuild.framework.easyconfig.templates import template_constant_dict
from easybuild.framework.easyconfig.easyconfig import resolve_template
from easybuild.tools.config import init_build_options
from easybuild.tools.toolchain.utilities import search_toolchain

init_build_options()
out = {"easyconfigs": {}, "subtoolchains": {}}
for path in sys.argv[1:]:
    raw = EasyConfigParser(path).get_config_dict()
    tv = template_constant_dict(raw)
    for _ in range(3):
        tv = {k: resolve_template(v, tv, expect_resolved=False) if isinstance(v, str) else v for k, v in tv.items()}
    r = lambda v: resolve_template(v, tv, expect_resolved=False)
    out["easyconfigs"][path] = {
        "name": raw["name"], "version": r(raw["version"]), "versionsuffix": r(raw.get("versionsuffix") or ""),
        "toolchain": raw["toolchain"],
        "deps": {k: r(list(raw.get(k) or [])) for k in ("dependencies", "builddependencies", "hiddendependencies")},
    }
_, classes = search_toolchain("")
out["subtoolchains"] = {c.NAME: getattr(c, "SUBTOOLCHAIN", None) for c in classes}
print(json.dumps(out, default=list))
"""


def _easybuild_available() -> bool:
    if importlib.util.find_spec("easybuild") is None or importlib.util.find_spec("easybuild.framework") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("easybuild-framework is not installed, but CI=true requires the EasyBuild oracle test")
        return False
    return True


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not _easybuild_available():
        pytest.skip("easybuild-framework is not installed")
    home = tmp_path_factory.mktemp("eb-home")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "TMPDIR": str(home)}
    paths = [str(GOOD / rel) for rel in EASYCONFIGS]
    proc = subprocess.run(
        [sys.executable, "-c", _ORACLE, *paths], capture_output=True, text=True, env=env, cwd=home, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _eb_tc(spec: object) -> str | None:
    match spec:
        case None:
            return None
        case True:
            return "system"
        case {"name": str(n), "version": str(v)} | [str(n), str(v)]:
            return "system" if n in ("system", "dummy") else f"{n}-{v}"
    raise AssertionError(f"unexpected toolchain spec {spec!r}")


def _eb_deps(deps: list[object]) -> set[tuple[str, ...]]:
    out: set[tuple[str, ...]] = set()
    for d in deps:
        assert isinstance(d, list)
        if len(d) == 2 and d[1] == "EXTERNAL_MODULE":
            name, _, version = str(d[0]).partition("/")
            out.add(("external", name, version))
            continue
        versions = d[1].items() if isinstance(d[1], dict) else [("", d[1])]
        for _, v in versions:
            if isinstance(v, str):
                out.add((d[0], v, (d[2] if len(d) > 2 else "") or "", str(_eb_tc(d[3] if len(d) > 3 else None))))
    return out


@pytest.mark.parametrize("rel", EASYCONFIGS)
def test_easyconfig_agrees_with_easybuilds_own_parser(rel: str, oracle: dict[str, Any]) -> None:
    theirs = oracle["easyconfigs"][str(GOOD / rel)]
    assert isinstance(theirs, dict)
    ec = _Easyconfig(ev.evaluate((GOOD / rel).read_text()), rel)
    assert (ec.name, ec.version, ec.versionsuffix) == (theirs["name"], theirs["version"], theirs["versionsuffix"])
    assert ec.toolchain.label() == _eb_tc(theirs["toolchain"])
    ours: dict[str, set[tuple[str, ...]]] = {}
    conditional: set[tuple[str, ...]] = set()
    for d in ec.dependencies():
        item = (
            ("external", d.name, d.version)
            if d.external
            else (d.name, d.version, d.versionsuffix, str(d.toolchain.label() if d.toolchain else None))
        )
        ours.setdefault(d.parameter, set()).add(item)
        if d.condition:
            conditional.add(item)
    for key, deps in theirs["deps"].items():
        mine = ours.get(key, set())
        eb = _eb_deps(deps)
        # EasyBuild ran the file on this host and took one branch of an 'if ARCH': ours has both, marked
        assert eb <= mine, (key, eb - mine)
        assert mine - eb <= conditional, (key, mine - eb)


def test_subtoolchain_names_agree_with_easybuilds_toolchain_classes(oracle: dict[str, Any]) -> None:
    theirs = oracle["subtoolchains"]
    for name, subs in SUBTOOLCHAINS.items():
        spec = theirs[name]
        spec = [spec] if isinstance(spec, str) else list(spec or [])
        expected = [tuple(s) if isinstance(s, list) else s for s in spec if s != "system"]
        assert list(subs) == expected, name


# -- hostile and broken input ------------------------------------------------------------------------
def _error(path: Path) -> InputError:
    tp = TreePath.for_input(path)
    with pytest.raises(InputError) as err:
        collector_for(tp).collect(tp)
    assert err.value.path == tp.display()
    assert "\n" not in err.value.one_line() and err.value.reason
    return err.value


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("pwned-name.eb", "cannot evaluate 'name' safely: call of '__import__' is not evaluated (line 1)"),
        ("huge-name.eb", "cannot evaluate 'name' safely: values built by the file exceed"),
        ("syntax-error.eb", "is not valid Python (line 2: '(' was never closed)"),
        ("lambda-dependency.eb", "cannot evaluate 'dependencies' safely: call of"),
        ("comprehension-dependency.eb", "cannot evaluate 'dependencies' safely: comprehension is not evaluated"),
        ("loop-dependency.eb", "cannot evaluate 'dependencies' safely: for loop is not evaluated (line 7)"),
        ("no-name.eb", "has no 'name' assignment"),
        ("bad-toolchain.eb", "'toolchain' is not a toolchain"),
        ("undefined-name.eb", "name 'local_undefined_version' is not defined before use"),
        ("attribute-version.eb", "attribute access is not evaluated"),
        ("non-utf8.eb", "is not UTF-8 text"),
        ("nul-byte.eb", "null bytes"),
        ("old-format-easystack.yml", "pre-4.7 'software:' tree"),
        ("two-keys-easystack.yml", "entry at line 2 is not a file name or a one-key mapping"),
        ("billion-laughs-easystack.yml", "is not a file name or a one-key mapping"),
        ("modules/Broken/1.0.lua", "line 1: unfinished string"),
    ],
)
def test_bad_inputs(name: str, reason: str) -> None:
    start = time.perf_counter()
    err = _error(BAD / name)
    assert reason in err.reason
    assert time.perf_counter() - start < 5


def test_nothing_in_an_easyconfig_is_ever_run() -> None:
    PWNED.unlink(missing_ok=True)
    inv = collect(BAD / "pwned-statement.eb")
    assert not PWNED.exists()
    c = main(inv)
    assert c.name == "Pwned"
    assert ("easybuild:unevaluated",
            "statement at line 8: expression statement (call of __import__('os').system) is not evaluated"
            ) in c.properties  # fmt: skip
    _error(BAD / "pwned-name.eb")
    assert not PWNED.exists()


def test_huge_expressions_are_refused_before_they_are_built() -> None:
    tracemalloc.start()
    try:
        inv = collect(BAD / "huge-description.eb")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024
    c = main(inv)
    assert c.description == ""
    assert any(v.startswith("description: values built by the file exceed") for k, v in c.properties)
    for source in (
        "x = '%*d' % (10**9, 1)",
        "x = '{:>999999999}'.format(1)",
        "x = 'a'.replace('', 'b' * 10**7)",
        "x = 2 ** 10**6",
        "x = [0] * 10**9",
        "x = f'{1:>{10**9}}'",
        "x = '{0.__class__}'.format(1)",
    ):
        ns = ev.evaluate(source)
        assert isinstance(ns.values["x"], ev.Unknown), source


@pytest.mark.parametrize("suffix", [".eb", ".yml", ".lua"])
def test_a_500_mb_sparse_file_is_refused_without_reading_it(tmp_path: Path, suffix: str) -> None:
    big = tmp_path / f"big{suffix}"
    with open(big, "wb") as f:
        header = {
            ".eb": b"name = 'x'\n",
            ".yml": b"easyconfigs:\n  - x.eb\n",
            ".lua": b'setenv("EBROOTBIG", root)\n',
        }[suffix]
        f.write(header)
        f.truncate(500 * 1024 * 1024)
    start = time.perf_counter()
    err = _error(big)
    assert "over the" in err.reason and "limit" in err.reason
    assert time.perf_counter() - start < 2


def test_deep_nesting_and_long_chains_are_input_errors(tmp_path: Path) -> None:
    deep = tmp_path / "deep.eb"
    deep.write_text("name = 'x'\nversion = '1'\ntoolchain = SYSTEM\ndependencies = " + "[" * 100_000 + "]" * 100_000)
    assert "deep" in _error(deep).path
    chain = tmp_path / "chain.eb"
    chain.write_text("name = 'a'" + " + 'a'" * 200_000 + "\nversion = '1'\ntoolchain = SYSTEM\n")
    start = time.perf_counter()
    assert _error(chain).path.endswith("chain.eb")
    assert time.perf_counter() - start < 30


def test_a_folder_with_bad_files_reports_each_and_keeps_the_good(tmp_path: Path) -> None:
    (tmp_path / "good.eb").write_text(
        "name = 'ok'\nversion = '1'\nhomepage = 'x'\ndescription = 'x'\ntoolchain = SYSTEM\n"
    )
    (tmp_path / "bad.eb").write_text("name = 'bad'\nversion = (\n")
    result = scan([tmp_path], collectors=[EasyconfigCollector()])
    failed = {Path(r.path).name: r for r in result.inventory.inputs if r.status is InputStatus.FAILED}
    assert set(failed) == {"bad.eb"} and "not valid Python" in failed["bad.eb"].reason
    assert [c.name for c in result.inventory.components] == ["ok"]


# -- the evaluator on its own -----------------------------------------------------------------------
def test_templates_resolve_as_easybuild_does() -> None:
    tv = {"name": "GROMACS", "version": "2023.3", "cudaver": "12.1.1"}
    assert ev.resolve("%(name)s-%(version)s", tv) == "GROMACS-2023.3"
    assert ev.resolve("%%(name)s and %%%(name)s", tv) == "%(name)s and %GROMACS"
    assert ev.resolve("-CUDA-%(cuda_ver)s", tv) == "-CUDA-12.1.1"  # the newer spelling
    assert ev.resolve("%(unknown)s %(name)s", tv) == "%(unknown)s %(name)s"  # unchanged, as EasyBuild
    assert ev.resolve("100% sure", tv) == "100% sure"
    values = ev.template_values("X", "1.2.3", ("foss", "2023a"), versionsuffix="-py%(pyshortver)s",
                                dependency_versions=[("Python", "3.11.3")])  # fmt: skip
    assert values["versionsuffix"] == "-py3.11" and values["version_major_minor"] == "1.2"


def test_evaluator_values() -> None:
    ns = ev.evaluate(
        "a = 'x-%s' % 'y'\nb = '%%(version)s_%s' % 'z'\nc = ['p'] + ['q']\nc += [('r', '1')]\n"
        "d = {'k': 1, **{'j': 2}}\ne = 'A.B'.lower().split('.')\nf = d.get('k')\ng = len(c) if c else 0\n"
        "h = c[-1][0]\ni = -3 // 2\nj = '-'.join(e)\nk = (1, *[2, 3])\nl = not 0\nm = 1 < 2 <= 2\n"
    )
    v: Any = ns.values
    assert (v["a"], v["b"], v["c"], v["d"]) == ("x-y", "%(version)s_z", ["p", "q", ("r", "1")], {"k": 1, "j": 2})
    assert (v["e"], v["f"], v["g"], v["h"], v["i"], v["j"], v["k"], v["l"], v["m"]) == (
        ["a", "b"], 1, 3, "r", -2, "a-b", (1, 2, 3), True, True
    )  # fmt: skip
    assert ev.line_of(v["c"][2]) == 4


def test_undecidable_if_merges_branches_and_keeps_lines() -> None:
    ns = ev.evaluate(
        "dependencies = [('A', '1')]\nx = 1\nif ARCH == 'x86_64':\n    dependencies.append(('B', '2'))\n"
        "    x = 2\nelse:\n    dependencies += [('C', '3')]\n"
    )
    deps: Any = ns.values["dependencies"]
    assert [d[0] for d in deps] == ["A", "B", "C"]
    assert [ev.line_of(d) for d in deps] == [1, 4, 7]
    assert ev.condition_of(ns, "dependencies", deps[1]) == "ARCH == 'x86_64'"
    assert ev.condition_of(ns, "dependencies", deps[2]) == "not (ARCH == 'x86_64')"
    assert ev.condition_of(ns, "dependencies", deps[0]) == ""
    assert isinstance(ns.values["x"], ev.Unknown) and "ARCH" in ns.values["x"].reason
    decided = ev.evaluate("y = True\nif y:\n    z = 1\nelse:\n    z = 2\n")
    assert decided.values["z"] == 1


def test_a_whole_tree_scans_without_failures(in_good: None) -> None:
    result = scan(["."], collectors=[EasyconfigCollector(), EasystackCollector(), EasyBuildModuleCollector()])
    assert not result.crashes
    assert not result.inventory.failed
    read = [r for r in result.inventory.inputs if r.status is InputStatus.READ]
    assert len(read) == len(EASYCONFIGS) + len(EASYSTACKS) + len(MODULES)
