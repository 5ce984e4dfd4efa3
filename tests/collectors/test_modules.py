"""Lmod / Environment Modules: module trees, single modulefiles, Lmod's spider cache and JSON.

Oracles, beside the goldens: the real Lmod transcript of its ``rt/hierarchy`` test (which
modules ``module avail`` lists in which MODULEPATH entry, and which entry each module adds), the
spider JSON that Lmod itself wrote for the Spack-style sample tree, and - when Lmod is installed
(``tests/fixtures/install_lmod.sh``; required when ``CI=true``) - the real ``module -t avail``,
``module -t -d avail`` and ``spider -o spider-json`` run on trees built here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sovaudit import inventory_json
from sovaudit.collectors import modules
from sovaudit.collectors.lua_table import LuaTable, read_assignments, tokens
from sovaudit.collectors.modules import (
    LmodSpiderCollector,
    ModulefileCollector,
    ModuleTreeCollector,
    read_lua,
    read_tcl,
    tree_mode,
    version_key,
)
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Component, InputStatus, Inventory, Relation
from sovaudit.pipeline import scan
from tests.conftest import GOLDEN, SAMPLES, assert_golden

GOOD = SAMPLES / "lmod" / "good"
BAD = SAMPLES / "lmod" / "bad"
GOLD = GOLDEN / "lmod"
COLLECTORS = {c.name: c for c in (ModuleTreeCollector(), ModulefileCollector(), LmodSpiderCollector())}

#: (collector, sample path relative to GOOD): every sample has a golden inventory.
SAMPLE_SET = [
    ("module-tree", "lmod-rt-hierarchy/mf"),
    ("module-tree", "site-lua"),
    ("module-tree", "site-tcl"),
    ("module-tree", "spack-lmod/linux-x86_64"),
    ("modulefile", "lmod-rt-hierarchy/mf/Core/gcc/6.1.lua"),
    ("modulefile", "site-tcl/devtoolset/12"),
    ("lmod-spider", "spider-cache/spiderT.lua"),
    ("lmod-spider", "spider-cache/moduleT.lua"),
    ("lmod-spider", "spider-cache/dbT.lua"),
    ("lmod-spider", "spider-json/docs-136.spider-json.json"),
    ("lmod-spider", "spider-json/docs-136.jsonSoftwarePage.json"),
    ("lmod-spider", "spider-json/spack-lmod.spider-json.json"),
    ("lmod-spider", "spider-json/spack-lmod.jsonSoftwarePage.json"),
]


def golden_name(sample: str) -> str:
    return sample.replace("/", "__") + ".inventory.json"


def offer(tp: TreePath) -> list[str]:
    """Which of our collectors claim ``tp`` (as the walker would offer it)."""
    is_dir = tp.is_dir()
    return [
        name for name, c in COLLECTORS.items() if (c.claims_directories if is_dir else c.claims_files) and c.detect(tp)
    ]


def collect(name: str, path: str | Path) -> Inventory:
    tp = TreePath.for_input(path)
    assert offer(tp) == [name], f"{path}: claimed by {offer(tp)}, expected [{name}]"
    return COLLECTORS[name].collect(tp)


def by_id(inv: Inventory) -> dict[str, Component]:
    return {c.id: c for c in inv.components}


def pairs(inv: Inventory, via: str | None = None) -> set[tuple[str, str]]:
    """(source, target) of the depends-on edges, by module full name; ``via`` filters on module:via."""
    names = {c.id: f"{c.name}/{c.version}" if c.version else c.name for c in inv.components}

    def name(cid: str) -> str:  # an unresolved reference: software/module/<name>[@<version>]
        return names.get(cid) or cid.removeprefix("software/module/").replace("@", "/")

    out = set()
    for e in inv.edges:
        assert e.relation is Relation.DEPENDS_ON
        vias = {v for k, v in e.properties if k == "module:via"}
        if via is None or via in vias:
            out.add((name(e.source), name(e.target)))
    return out


def props(c: Component, key: str) -> list[str]:
    return sorted(v for k, v in c.properties if k == key)


# -- goldens ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("collector", "sample"), SAMPLE_SET)
def test_golden(collector: str, sample: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    inv = collect(collector, sample)
    assert inv.components
    assert not [r for r in inv.inputs if r.status is InputStatus.FAILED]
    assert_golden(inventory_json.dump(inv), GOLD / golden_name(sample))


def test_every_sample_has_a_golden_and_provenance() -> None:
    goldens = {p.name for p in GOLD.glob("*.inventory.json")}
    assert goldens == {golden_name(s) for _, s in SAMPLE_SET}
    provenance = (SAMPLES / "lmod" / "PROVENANCE.md").read_text()
    for top in sorted({s.split("/")[0] for _, s in SAMPLE_SET} | {"docs_136_spider.rst", "bad"}):
        assert f"`{top}" in provenance, top


# -- the Lmod regression-test tree, against Lmod's own transcript ----------------------------------
RT = GOOD / "lmod-rt-hierarchy"


def transcript_avail() -> set[tuple[str, str]]:
    """(entry, fullName) of every module the transcript's ``avail`` steps list."""
    out = set()
    entry = None
    for line in (RT / "err.txt").read_text().splitlines():
        m = re.match(r"^ProjectDIR/rt/hierarchy/mf/(\S+)$", line)
        if m:
            entry = m.group(1)
            continue
        if entry and line.startswith("   ") and not line.strip().startswith(("D:", "L:")):
            for item in re.findall(r"(\S+/\S+)(?:\s+\([A-Z,]+\))?", line):
                out.add((entry, item))
            continue
        entry = None
    return out


def transcript_modulepath() -> set[tuple[str, str]]:
    """(modulefile, entry it adds): Lmod's trace 'Unloading: X (fn: F)' then 'Removing: E from MODULEPATH'."""
    out = set()
    fn = None
    for line in (RT / "err.txt").read_text().splitlines():
        m = re.search(r"\(fn: ProjectDIR/rt/hierarchy/mf/(\S+)\)", line)
        if m:
            fn = m.group(1)
            continue
        m = re.search(r"Removing: ProjectDIR/rt/hierarchy/mf/(\S+) from MODULEPATH", line)
        if m and fn:
            out.add((fn, m.group(1)))
    return out


def test_rt_hierarchy_matches_lmods_transcript(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(RT)
    inv = collect("module-tree", "mf")
    listed = transcript_avail()
    assert len(listed) == 9  # 3 in Core, 3 + 1 under the compilers, 1 + 1 under the MPIs
    ours = set()
    for c in inv.components:
        for ev in c.evidence:
            rel = ev.path.removeprefix("mf/")
            entry = next(e for e in props(c, "module:modulepath") if rel.startswith(e + "/"))
            ours.add((entry, f"{c.name}/{c.version}"))
    assert ours == listed
    # Which entry each module puts on MODULEPATH, from Lmod's trace: its modules depend on it.
    adds = transcript_modulepath()
    assert adds == {
        ("Compiler/gcc/6.1/impi/17.0.3.lua", "MPI/gcc/6.1/impi/17.0"),
        ("Core/gcc/6.1.lua", "Compiler/gcc/6.1"),
    }
    hier = pairs(inv, "modulepath")
    for fn, entry in adds:
        parent = "/".join(fn.removesuffix(".lua").split("/")[-2:])
        children = {name for e, name in listed if e == entry}
        assert {(child, parent) for child in children} <= hier
    assert hier == {
        ("boost/1.59.0", "gcc/6.1"),
        ("impi/17.0.3", "gcc/6.1"),
        ("python/2.7.9", "gcc/6.1"),
        ("impi/17.0.3", "intel/17.0.4"),
        ("petsc/3.7", "impi/17.0.3"),
    }
    # The real gcc/6.1.lua computes its MODULEPATH: the part known only at run time stays unknown.
    gcc = by_id(inv)["software/module/gcc@6.1"]
    assert props(gcc, "module:adds-modulepath") == ["<?>/Compiler/gcc/<?>"]
    assert props(gcc, "module:family") == ["Compiler"]
    # python/2.7.9 is in Core and in Compiler/gcc/6.1: one component, both files as evidence.
    py = by_id(inv)["software/module/python@2.7.9"]
    assert [e.path for e in py.evidence] == ["mf/Compiler/gcc/6.1/python/2.7.9.lua", "mf/Core/python/2.7.9.lua"]
    assert props(py, "module:modulepath") == ["Compiler/gcc/6.1", "Core"]


# -- the other samples: counts from the raw files ------------------------------------------------------
_LUA_LOAD = re.compile(r'(?m)^\s*(?:load|always_load|depends_on|prereq|try_load)\(\s*"([^"]+)"')
_TCL_LOAD = re.compile(r"(?m)^\s*(?:module\s+load|prereq)\s+(\S+)")


def raw_loads(root: Path) -> int:
    n = 0
    for f in sorted(root.rglob("*")):
        if f.is_file() and not f.name.startswith("."):
            text = f.read_text()
            n += len(set((_LUA_LOAD if f.suffix == ".lua" else _TCL_LOAD).findall(text)))
    return n


@pytest.mark.parametrize(("sample", "modules_", "hierarchy"), [("site-lua", 2, 0), ("site-tcl", 2, 0),
                                                               ("spack-lmod/linux-x86_64", 7, 5)])  # fmt: skip
def test_tree_counts(sample: str, modules_: int, hierarchy: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    inv = collect("module-tree", sample)
    files = [f for f in (GOOD / sample).rglob("*") if f.is_file() and not f.name.startswith(".")]
    assert len(inv.components) == len(files) == modules_
    loads = [e for e in inv.edges if ("module:via", "modulepath") not in e.properties]
    assert len(loads) == raw_loads(GOOD / sample)
    assert len(inv.edges) - len(loads) == hierarchy
    assert len([r for r in inv.inputs if r.status is InputStatus.READ]) == len(files)


def test_site_lua(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    inv = collect("module-tree", "site-lua")
    comps = by_id(inv)
    stack = comps["software/module/SiteStack"]  # a file directly in Core: a version-less module
    assert stack.description == "Convenience module that loads the site's default stack built with gcc/12.3.0."
    assert props(stack, "module:property") == ["state=encouraged"]
    assert props(stack, "module:modulepath") == ["Core"]
    suite = comps["software/module/vendorsuite@2023"]
    assert suite.description == "Vendor Compiler Suite 2023"  # the free-text whatis, stripped
    # PATH-like settings and *ROOT variables, reduced to the outermost prefix; the licence-file
    # setting (a home directory) is not a prefix.
    assert props(suite, "module:prefix") == ["/opt/vendor"]
    # References the tree does not hold stay as version-less (unresolved) ids.
    assert pairs(inv) == {
        ("SiteStack", t) for t in ("SiteEnv", "gcc/12.3.0", "openmpi", "fftw", "hdf5", "openblas", "python", "zlib")
    } | {("vendorsuite/2023", "devtoolset")}
    e = next(e for e in inv.edges if e.target == "software/module/gcc@12.3.0")
    assert e.properties == (("module:via", "always_load"),) and e.scopes == ("run",)
    assert e.evidence[0].path == "site-lua/Core/SiteStack.lua" and e.evidence[0].line == 11


def test_site_tcl(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    inv = collect("module-tree", "site-tcl")
    comps = by_id(inv)
    dts = comps["software/module/devtoolset@12"]
    assert dts.description == "gcc-toolset-12 package"
    assert props(dts, "module:built-by") == ["redhat-scl"]
    assert props(dts, "module:prefix") == ["/opt/rh/gcc-toolset-12/root", "/opt/rh/rh-java-common/root/usr"]
    assert props(dts, "module:format") == ["tcl"]
    suite = comps["software/module/vendorsuite@2023"]
    assert props(suite, "module:default") == ["true"]  # .version: set ModulesVersion "2023"
    assert props(suite, "module:conflict") == ["vendorsuite"]
    # "module load devtoolset" resolves to the one version the tree holds; the prereq inside an
    # `if` block is read too.
    assert pairs(inv) == {("vendorsuite/2023", "devtoolset/12"), ("devtoolset/12", "gcc-toolset-base")}


def test_spack_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    inv = collect("module-tree", "spack-lmod/linux-x86_64")
    comps = by_id(inv)
    gcc = comps["software/module/gcc@12.3.0"]
    assert props(gcc, "module:built-by") == ["spack"]
    [h] = props(gcc, "module:spack-hash")
    assert re.fullmatch(r"[a-z2-7]{32}", h)
    assert props(gcc, "module:prefix") == [f"/opt/spack/opt/spack/linux-ubuntu22.04-x86_64/gcc-11.4.0/gcc-12.3.0-{h}"]
    assert gcc.description.startswith("The GNU Compiler Collection")  # "Short description :" whatis
    # Literal MODULEPATHs (as Spack writes them) match the entries by their tail.
    assert pairs(inv, "modulepath") == {
        ("openmpi/4.1.6", "gcc/12.3.0"),
        ("zlib/1.3", "gcc/12.3.0"),
        ("zlib/1.2.13", "gcc/12.3.0"),
        ("hdf5/1.14.3", "openmpi/4.1.6"),
        ("fftw/3.3.10", "openmpi/4.1.6"),
    }
    # depends_on("zlib") from hdf5: the highest zlib in the hierarchy above it.
    assert pairs(inv, "depends_on") == {("openmpi/4.1.6", "zlib/1.3"), ("hdf5/1.14.3", "zlib/1.3")}
    # Lmod's own spider of the same tree agrees on the hierarchy (parentAA).
    spider = json.loads((GOOD / "spider-json/spack-lmod.spider-json.json").read_text())
    expected = {
        (entry["fullName"], chain[-1])
        for files in spider.values()
        for entry in files.values()
        for chain in entry.get("parentAA", [])
    }
    assert expected == pairs(inv, "modulepath")


def test_spider_cache_spider_t(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    inv = collect("lmod-spider", "spider-cache/spiderT.lua")
    raw = (GOOD / "spider-cache/spiderT.lua").read_text()
    full_names = set(re.findall(r'(?m)^ {8}\["([^"]+)"\] = \{$', raw))
    assert {f"{c.name}/{c.version}" for c in inv.components} == full_names
    spider = json.loads((GOOD / "spider-json/spack-lmod.spider-json.json").read_text())
    parents = {(e["fullName"], ch[-1]) for f in spider.values() for e in f.values() for ch in e.get("parentAA", [])}
    assert pairs(inv) == parents and len(inv.edges) == 5
    gcc = by_id(inv)["software/module/gcc@12.3.0"]
    assert props(gcc, "module:file") == ["/tmp/site/spack/share/spack/lmod/linux-x86_64/Core/gcc/12.3.0.lua"]
    assert props(gcc, "module:family") == ["compiler"] and props(gcc, "module:built-by") == ["spack"]
    line = raw.splitlines().index('        ["gcc/12.3.0"] = {') + 1
    assert gcc.evidence[0].line == line
    # The tree collector and the cache agree on everything but where the facts came from.
    tree = collect("module-tree", "spack-lmod/linux-x86_64")
    assert set(by_id(tree)) == set(by_id(inv))
    assert pairs(tree, "modulepath") == pairs(inv)


def test_spider_cache_module_t_and_db_t(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    mod_t = collect("lmod-spider", "spider-cache/moduleT.lua")
    raw = (GOOD / "spider-cache/moduleT.lua").read_text()
    assert len(mod_t.components) == raw.count('["full"] =') == 4
    assert pairs(mod_t) == {("openmpi/4.0.5", "gcc/9.3.0"), ("netcdf/4.7.4", "openmpi/4.0.5")}
    ompi = by_id(mod_t)["software/module/openmpi@4.0.5"]
    assert props(ompi, "module:property") == ["arch=gpu"] and props(ompi, "module:default") == ["true"]
    assert props(by_id(mod_t)["software/module/gcc@9.3.0"], "module:prefix") == ["/apps/software/gcc/9.3.0"]
    db_t = collect("lmod-spider", "spider-cache/dbT.lua")
    raw = (GOOD / "spider-cache/dbT.lua").read_text()
    assert len(db_t.components) == raw.count('["full"] =') == 3
    assert len(db_t.edges) == len(re.findall(r'"default:[^"]+"', raw)) == 2
    assert pairs(db_t) == pairs(mod_t)


def test_spider_json_docs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The two JSON examples of Lmod's documentation (extracted verbatim from the .rst)."""
    rst = (GOOD / "docs_136_spider.rst").read_text()
    for fmt in ("spider-json", "jsonSoftwarePage"):
        body = re.search(rf"spider -o {fmt} \$MODULEPATH \| python  -mjson.tool\n((?:    .*\n|\n)+)", rst)
        assert body is not None
        block = json.loads("\n".join(line[4:] for line in body.group(1).splitlines()))
        assert block == json.loads((GOOD / f"spider-json/docs-136.{fmt}.json").read_text())
    monkeypatch.chdir(GOOD)
    for fmt in ("spider-json", "jsonSoftwarePage"):
        inv = collect("lmod-spider", f"spider-json/docs-136.{fmt}.json")
        comps = by_id(inv)
        assert set(comps) == {"software/module/foo@1.0", "software/module/foo@1.1", "software/module/foo@.2.0"}
        assert props(comps["software/module/foo@1.0"], "module:default") == ["true"]  # wV "^..." / markedDefault
        assert props(comps["software/module/foo@.2.0"], "module:hidden") == ["true"]
        assert all(c.description == "foo description" for c in comps.values())
        assert not inv.edges


def test_single_modulefile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD / "lmod-rt-hierarchy/mf/Core")
    inv = collect("modulefile", "gcc/6.1.lua")
    [gcc] = inv.components
    assert (gcc.id, gcc.name, gcc.version) == ("software/module/gcc@6.1", "gcc", "6.1")
    assert props(gcc, "module:adds-modulepath") == ["<?>/Compiler/gcc/<?>"]
    monkeypatch.chdir(GOOD / "site-lua/Core")
    # A file whose name is no version: a version-less module, named by its file.
    [stack] = collect("modulefile", "SiteStack.lua").components
    assert (stack.name, stack.version) == ("SiteStack", "")


# -- the folder rule ------------------------------------------------------------------------------------
def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def test_folder_rule(tmp_path: Path) -> None:
    write(tmp_path / "mf/Core/gcc/12.lua", 'whatis("Description: gcc")\n')
    write(tmp_path / "flat/cmake/3.27", "#%Module\nmodule-whatis cmake\n")
    write(tmp_path / "flat/README.md", "# modules\n")
    write(tmp_path / "lua-project/src/util.lua", "local M = {}\nfunction M.f() return 1 end\nreturn M\n")
    write(tmp_path / "notes/todo/list", "#%Modules are great\n".replace("%Modules", " not a module"))
    assert tree_mode(TreePath.for_input(tmp_path / "mf")) == "hierarchy"
    assert tree_mode(TreePath.for_input(tmp_path / "mf/Core")) == "flat"  # an entry scanned on its own
    assert tree_mode(TreePath.for_input(tmp_path / "mf/Core/gcc")) == ""  # a name folder: files go one by one
    assert tree_mode(TreePath.for_input(tmp_path / "flat")) == "flat"
    assert tree_mode(TreePath.for_input(tmp_path / "lua-project")) == ""
    assert tree_mode(TreePath.for_input(tmp_path / "notes")) == ""
    assert tree_mode(TreePath.for_input(tmp_path)) == ""
    # The walker claims the top of each tree and reads the stray file one by one.
    write(tmp_path / "stray/foo/2.0.lua", 'whatis("Description: a stray module")\n')
    result = scan([tmp_path], collectors=list(COLLECTORS.values()))
    got = {(c.name, c.version, c.prop("module:modulepath")) for c in result.inventory.components}
    assert got == {("gcc", "12", "Core"), ("cmake", "3.27", "."), ("foo", "2.0", ".")}


def test_names_follow_lmod(tmp_path: Path) -> None:
    """Lmod's naming inside one MODULEPATH entry (checked against Lmod 8.6 by the oracle test too)."""
    root = tmp_path / "mf"
    write(root / "StdEnv.lua", 'setenv("A", "1")\n')
    write(root / "compiler/gcc/12.lua", 'whatis("x")\n')  # category folders: name compiler/gcc
    write(root / "AMD/2.3.1/gnu-4.7.2", "#%Module\n")  # N/V/V
    write(root / "foo/1.0.lua", 'whatis("a")\n')  # beside a folder of modules: version-less foo/1.0
    write(root / "foo/bar/2.0.lua", 'whatis("b")\n')
    write(root / "tools/.1.0.lua", 'whatis("hidden")\n')
    write(root / "tools/2.0.lua", 'whatis("visible")\n')
    write(root / "tools/2.0.lua~", 'whatis("a backup")\n')
    write(root / "tools/notes.txt", "not a module\n")
    inv = ModuleTreeCollector().collect(TreePath.for_input(root))
    got = {(c.name, c.version) for c in inv.components}
    assert got == {
        ("StdEnv", ""),
        ("compiler/gcc", "12"),
        ("AMD/2.3.1", "gnu-4.7.2"),
        ("foo/1.0", ""),
        ("foo/bar", "2.0"),
        ("tools", ".1.0"),
        ("tools", "2.0"),
    }
    assert props(by_id(inv)["software/module/tools@.1.0"], "module:hidden") == ["true"]


def test_defaults_and_resolution(tmp_path: Path) -> None:
    root = tmp_path / "mf"
    write(root / "a/1.0.lua", 'whatis("a1")\n')
    write(root / "a/2.0.lua", 'whatis("a2")\n')
    write(root / "a/.modulerc.lua", 'module_version("a/1.0", "default")\n')
    write(root / "b/1.0", "#%Module\n")
    write(root / "b/1.10", "#%Module\n")
    write(root / "b/1.9", "#%Module\n")
    write(root / "b/.modulerc", "#%Module\nmodule-version /1.9 default\n")
    write(root / "b/.version", '#%Module\nset ModulesVersion "1.0"\n')  # .modulerc wins over .version
    write(root / "c/1.0.lua", 'whatis("c1")\n')
    write(root / "c/2.0.lua", 'whatis("c2")\n')
    (root / "c/default").symlink_to("1.0.lua")
    write(root / "d/9.0.lua", 'whatis("d9")\n')
    write(root / "d/10.0.lua", 'whatis("d10")\n')
    write(root / "d/10.0rc1.lua", 'whatis("d10rc1")\n')
    write(root / "d/.11.0.lua", 'whatis("hidden d11")\n')
    write(root / "user.lua", 'load("a") load("b") load("c") load("d") load("d/9") try_load("e/1.2")\n')
    inv = ModuleTreeCollector().collect(TreePath.for_input(root))
    defaults = {(c.name, c.version) for c in inv.components if c.prop("module:default") == "true"}
    assert defaults == {("a", "1.0"), ("b", "1.9"), ("c", "1.0")}
    assert pairs(inv) == {("user", t) for t in ("a/1.0", "b/1.9", "c/1.0", "d/10.0", "d/9.0", "e/1.2")}
    e = next(e for e in inv.edges if e.target == "software/module/e@1.2")
    assert e.scopes == ("optional", "run")
    assert [v.line for v in e.evidence] == [1]


def test_version_order() -> None:
    versions = ["1.10", "1.9", "1.0rc1", "1.0", "1.0.1", "2.0-beta", "2.0", "10", "1.0a"]
    assert sorted(versions, key=version_key) == ["1.0a", "1.0rc1", "1.0", "1.0.1", "1.9", "1.10", "2.0-beta",
                                                 "2.0", "10"]  # fmt: skip


def test_hierarchy_picks_the_named_version(tmp_path: Path) -> None:
    """Both gcc modules compute MODULEPATH from myModuleVersion(); each entry goes to its own gcc."""
    mf = tmp_path / "mf"
    gcc = (
        'local mroot = os.getenv("MODULEPATH_ROOT")\n'
        'prepend_path("MODULEPATH", pathJoin(mroot, "Compiler", myModuleName(), myModuleVersion()))\n'
    )
    write(mf / "Core/gcc/12.3.0.lua", gcc)
    write(mf / "Core/gcc/13.2.0.lua", gcc)
    write(mf / "Compiler/gcc/12.3.0/zlib/1.3.lua", 'whatis("z")\n')
    write(mf / "Compiler/gcc/13.2.0/zlib/1.3.1.lua", 'whatis("z")\n')
    inv = ModuleTreeCollector().collect(TreePath.for_input(mf))
    assert pairs(inv, "modulepath") == {("zlib/1.3", "gcc/12.3.0"), ("zlib/1.3.1", "gcc/13.2.0")}
    assert props(by_id(inv)["software/module/gcc@13.2.0"], "module:adds-modulepath") == ["<?>/Compiler/gcc/13.2.0"]


def test_tcl_hierarchy_and_convention(tmp_path: Path) -> None:
    mf = tmp_path / "mf"
    write(mf / "Core/gcc/12", "#%Module\nset root /opt/gcc/12\nmodule use $env(MODROOT)/Compiler/gcc/12\n"
                              "prepend-path PATH $root/bin\n")  # fmt: skip
    # A module whose MODULEPATH is wholly computed: the entry is matched by the name/version in its path.
    write(mf / "Compiler/gcc/12/openmpi/4.1.lua", 'prepend_path("MODULEPATH", helper())\nfamily("MPI")\n')
    write(mf / "MPI/gcc/12/openmpi/4.1/hdf5/1.14", "#%Module\nprereq openmpi\n")
    inv = ModuleTreeCollector().collect(TreePath.for_input(mf))
    assert pairs(inv, "modulepath") == {("openmpi/4.1", "gcc/12"), ("hdf5/1.14", "openmpi/4.1")}
    assert pairs(inv, "prereq") == {("hdf5/1.14", "openmpi/4.1")}
    gcc = by_id(inv)["software/module/gcc@12"]
    assert props(gcc, "module:prefix") == ["/opt/gcc/12"]
    assert props(gcc, "module:adds-modulepath") == ["<?>/Compiler/gcc/12"]


# -- the Lua and Tcl readers ----------------------------------------------------------------------------
def test_lua_reader_folds_constants_only() -> None:
    text = """
local root = "/opt/apps/" .. myModuleName() .. "-" .. myModuleVersion()
local lib  = pathJoin(root, "lib64")
whatis("Description: " .. "pkg " .. myModuleVersion())
help([==[
Line one.

Line two.]==])
prepend_path("LD_LIBRARY_PATH", lib)
prepend_path{"PATH", pathJoin(root, "bin"), delim=":", priority="0"}
setenv("PKG_ROOT", root)
if (mode() == "load") then load("dep/" .. os.getenv("DEP_VERSION")) end
depends_on("a", "b/2")
extensions("numpy/1.26, scipy/1.11")
add_property("arch", "gpu")
family "compiler"
conflict("other")
os.execute("rm -rf /")
local function load(x) return x end
"""
    facts = read_lua(text, "x.lua", "pkg", "1.0")
    assert facts.whatis == ["Description: pkg 1.0"]
    assert facts.help == ["Line one.\n\nLine two."]
    assert ("LD_LIBRARY_PATH", ("/opt/apps/pkg-1.0/lib64",)) in facts.env
    assert ("PATH", ("/opt/apps/pkg-1.0/bin",)) in facts.env
    assert ("PKG_ROOT", ("/opt/apps/pkg-1.0",)) in facts.env
    assert [(r.via, r.ref) for r in facts.refs] == [("load", ("dep/", None)), ("depends_on", ("a",)),
                                                     ("depends_on", ("b/2",))]  # fmt: skip
    assert facts.extensions == ["numpy/1.26", "scipy/1.11"]
    assert facts.props == [("arch", "gpu")] and facts.families == ["compiler"] and facts.conflicts == ["other"]
    description, properties = modules.facts_properties(facts)
    assert description == "pkg 1.0"
    assert ("module:unresolved-load", "dep/<?>") in properties
    assert ("module:prefix", "/opt/apps/pkg-1.0") in properties


def test_lua_lexer() -> None:
    toks = list(tokens('x = "a\\tb\\65\\x42\\u{263A}\\z\n   c" .. [==[\nlong]]still]==] -- c\n--[[ c\n]] y', "s"))
    assert [(t.kind, t.value, t.line) for t in toks] == [
        ("name", "x", 1), ("op", "=", 1), ("string", "a\tbAB\u263ac", 1), ("op", "..", 2),
        ("string", "long]]still", 2), ("name", "y", 5), ("eof", "", 5),
    ]  # fmt: skip
    for bad, reason in [('x = "abc', "line 1: unfinished string"), ("\nx = [[abc", "line 2: unfinished long string"),
                        ("x = $", "unexpected character '$'"), ('x = "\\q"', "invalid escape")]:  # fmt: skip
        with pytest.raises(InputError, match=re.escape(reason)):
            list(tokens(bad, "s"))


def test_lua_tables_as_data() -> None:
    data = read_assignments('a = { 1, "two", [3.0] = true, k = -4.5, ["x y"] = { nil, [[z]] } ; }\nb = 0x10', "s")
    a, line = data["a"]
    assert isinstance(a, LuaTable) and line == 1
    assert a.array() == [1, "two", True]
    assert a.get("k") == -4.5 and data["b"] == (16, 2)
    inner = a.get("x y")
    assert isinstance(inner, LuaTable) and inner.fields == {1: None, 2: "z"}
    for bad, reason in [
        ('spiderT = { a = os.execute("touch /tmp/x") }', "line 1: 'os' is a variable or a call"),
        ("spiderT = { a = 1 + 2 }", "line 1: operator '+' in a table"),
        ("spiderT = {}\nprint('x')", "line 2: 'print' is not followed by '='"),
        ("local x = {}", "line 1: expected 'name = value'"),
        ("x = { [{}] = 1 }", "a table as a key"),
        ("x = {", "expected a value, found the end of the file"),
        ("x = {" * 300 + "}" * 300, "line 1: tables nested deeper than 200 levels"),
    ]:
        with pytest.raises(InputError, match=re.escape(reason)):
            read_assignments(bad, "s")


def test_tcl_reader() -> None:
    text = r"""#%Module1.0
# a comment with { an unbalanced brace in it
proc ModulesHelp { } {
    puts stderr "Line one"
    puts stderr {Line {two}}
}
module-whatis "Name: x" "and more"
set base /opt/x/[module-info name]
set ver 2.1
prepend-path --delim : PATH $base/bin:$base/sbin
append-path -d {;} CPATH "$base/include;$env(HOME)/inc"
setenv X_ROOT "${base}"
module load a/1 \
    b
if { [ module-info mode load ] } { prereq c } else { module try-load d }
switch -- $ver { 2.1 { conflict e } default { family MPI } }
depends-on f
"""
    facts = read_tcl(text, "x", "x", "1.0")
    assert facts.help == ["Line one", "Line {two}"]
    assert facts.whatis == ["Name: x and more"]
    assert ("PATH", ("/opt/x/x/1.0/bin",)) in facts.env and ("PATH", ("/opt/x/x/1.0/sbin",)) in facts.env
    assert ("CPATH", ("/opt/x/x/1.0/include",)) in facts.env and ("CPATH", (None, "/inc")) in facts.env
    assert ("X_ROOT", ("/opt/x/x/1.0",)) in facts.env
    assert [(r.via, r.ref, r.line, r.optional) for r in facts.refs] == [
        ("module load", ("a/1",), 13, False), ("module load", ("b",), 13, False), ("prereq", ("c",), 15, False),
        ("module try-load", ("d",), 15, True), ("depends-on", ("f",), 17, False),
    ]  # fmt: skip
    assert facts.conflicts == ["e"] and facts.families == ["MPI"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("#%Module\nif { 1 } {\n  setenv A 1\n", "line 2: unbalanced '{'"),
        ("#%Module\nsetenv A 1\n}\n", "line 3: unbalanced '}'"),
        ('#%Module\nsetenv A "unterminated\n', "line 2: unfinished quoted string"),
        ("#%Module\nsetenv A [module-info name\n", "line 2: unbalanced '['"),
        ("#%Module\n" + "if {1} {\n" * 150 + "}\n" * 150, "blocks nested deeper than 100"),
    ],
)
def test_tcl_refused(text: str, reason: str) -> None:
    with pytest.raises(InputError, match=re.escape(reason)):
        read_tcl(text, "x")


# -- EasyBuild's modules belong to EasyBuild's collector ----------------------------------------------
EB_MODULE = """help([==[
Description
===========
zlib is designed to be a free, general-purpose, lossless data-compression library.
]==])
whatis([==[Description: zlib is a free, general-purpose data-compression library.]==])
local root = "/apps/easybuild/software/zlib/1.2.13-GCCcore-12.3.0"
conflict("zlib")
prepend_path("LD_LIBRARY_PATH", pathJoin(root, "lib"))
setenv("EBROOTZLIB", root)
setenv("EBVERSIONZLIB", "1.2.13")
-- Built with EasyBuild version 4.8.0
"""


def test_easybuild_modules_are_left_to_easybuild(tmp_path: Path) -> None:
    eb_tree = tmp_path / "modules/all"
    write(eb_tree / "zlib/1.2.13-GCCcore-12.3.0.lua", EB_MODULE)
    write(eb_tree / "GCCcore/12.3.0.lua", EB_MODULE.replace("ZLIB", "GCCCORE"))
    write(eb_tree / "Tcl/8.6", "#%Module\nsetenv EBROOTTCL /apps/tcl\n")
    assert tree_mode(TreePath.for_input(eb_tree)) == ""
    for f in eb_tree.rglob("*"):
        if f.is_file():
            assert not ModulefileCollector().detect(TreePath.for_input(f)), f
    # A mixed tree (a site module beside EasyBuild's) is claimed; the EasyBuild module is read and marked.
    write(eb_tree / "site/1.0.lua", 'whatis("Description: site defaults")\nload("zlib")\n')
    assert tree_mode(TreePath.for_input(eb_tree)) == "flat"
    inv = ModuleTreeCollector().collect(TreePath.for_input(eb_tree))
    zlib = by_id(inv)["software/module/zlib@1.2.13-GCCcore-12.3.0"]
    assert props(zlib, "module:built-by") == ["easybuild"]
    assert zlib.description == "zlib is a free, general-purpose data-compression library."
    assert pairs(inv, "load") == {("site/1.0", "zlib/1.2.13-GCCcore-12.3.0")}


def test_easybuild_boundary_matches_easybuilds_collector(tmp_path: Path) -> None:
    """Every modulefile is claimed by exactly one of EasyBuild's collector and ours."""
    files = {
        "eb.lua": EB_MODULE,
        "eb-long-help.lua": "help([==[\n" + "An extension list line.\n" * 2000 + "]==])\n" + EB_MODULE,
        "eb.tcl": "#%Module\nsetenv EBROOTTCL /apps/tcl\n",
        "trailer.lua": 'whatis("x")\n-- Built with EasyBuild version 4.9.0\n',
        "site.lua": 'whatis("Description: uses gcc")\nlocal r = os.getenv("EBROOTGCC")\n',
        "site.tcl": "#%Module\nmodule-whatis {mentions EBVERSIONGCC in text only}\n",
    }
    for name, text in files.items():
        write(tmp_path / name, text)
    ours = {n for n in files if ModulefileCollector().detect(TreePath.for_input(tmp_path / n))}
    assert ours == {"site.lua", "site.tcl"}
    easybuild = pytest.importorskip("sovaudit.collectors.easybuild")
    theirs = {n for n in files if easybuild.EasyBuildModuleCollector().detect(TreePath.for_input(tmp_path / n))}
    assert theirs == set(files) - ours


# -- hostile and broken input -----------------------------------------------------------------------------
def test_os_execute_is_only_text(tmp_path: Path) -> None:
    pwned = tmp_path / "pwned"
    evil = f"""whatis("Description: innocent")
os.execute("touch {pwned}")
io.open("{pwned}", "w"):write("x")
local f = load("os.execute('touch {pwned}')")
execute{{cmd="touch {pwned}", modeA={{"load"}}}}
require("posix").mkdir("{pwned}")
"""
    write(tmp_path / "mf/evil/1.0.lua", evil)
    tree = ModuleTreeCollector().collect(TreePath.for_input(tmp_path / "mf"))
    single = ModulefileCollector().collect(TreePath.for_input(tmp_path / "mf/evil/1.0.lua"))
    for inv in (tree, single):
        [c] = inv.components
        assert (c.id, c.description) == ("software/module/evil@1.0", "innocent")
    assert not pwned.exists()
    # `local f = load(...)` is an expression, not a module load: no edge.
    assert not tree.edges


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    deep = tmp_path / "spiderT.lua"
    deep.write_text("spiderT = " + "{" * 100_000 + "}" * 100_000 + "\n")
    with pytest.raises(InputError) as err:
        LmodSpiderCollector().collect(TreePath.for_input(deep))
    assert err.value.path == str(deep) and "nested deeper than 200" in err.value.reason
    write(tmp_path / "mf/deep/1.0.lua", "local x = " + "(" * 100_000 + '"a"' + ")" * 100_000 + "\n")
    write(tmp_path / "mf/deep/2.0", "#%Module\n" + "if {1} {\n" * 5_000 + "}\n" * 5_000)
    write(tmp_path / "mf/ok/1.0.lua", 'whatis("Description: fine")\n')
    inv = ModuleTreeCollector().collect(TreePath.for_input(tmp_path / "mf"))
    assert [c.id for c in inv.components] == ["software/module/ok@1.0"]
    failed = {r.path: r.reason for r in inv.failed}
    assert set(failed) == {f"{tmp_path}/mf/deep/1.0.lua", f"{tmp_path}/mf/deep/2.0"}
    assert "expressions nested deeper than 100" in failed[f"{tmp_path}/mf/deep/1.0.lua"]
    # Each level of a Tcl block is split again: a deep nest runs out of its re-reading budget first.
    assert "nested blocks too large to read" in failed[f"{tmp_path}/mf/deep/2.0"]


def test_huge_sparse_files(tmp_path: Path) -> None:
    write(tmp_path / "mf/ok/1.0.lua", 'whatis("Description: fine")\n')
    big = write(tmp_path / "mf/big/1.0.lua", 'whatis("x")\n')
    os.truncate(big, 500 * 1024 * 1024)
    cache = write(tmp_path / "spiderT.lua", "spiderT = {}\n")
    os.truncate(cache, 500 * 1024 * 1024)
    inv = ModuleTreeCollector().collect(TreePath.for_input(tmp_path / "mf"))
    assert [c.id for c in inv.components] == ["software/module/ok@1.0"]
    [failed] = inv.failed
    assert failed.path == str(big) and "524,288,000 bytes, over the 4,194,304-byte limit" in failed.reason
    spider = LmodSpiderCollector()
    assert spider.detect(TreePath.for_input(cache))  # detect reads the head only
    with pytest.raises(InputError, match="over the 67,108,864-byte limit") as err:
        spider.collect(TreePath.for_input(cache))
    assert err.value.path == str(cache)


@pytest.mark.parametrize(
    ("collector", "sample", "reason"),
    [
        ("modulefile", "tcl-unbalanced/3", "line 9: unbalanced '{' (no matching '}'); not valid Tcl"),
        ("modulefile", "latin1/1.0.lua", "is not UTF-8 text (byte 15)"),
        ("lmod-spider", "spiderT-call.lua", "line 7: 'os' is a variable or a call, not data"),
        ("lmod-spider", "spider-bad.spider-json.json", "/foo/foo~11.0.lua: no 'fullName'; is this spider-json?"),
    ],
)
def test_bad_samples(collector: str, sample: str, reason: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    tp = TreePath.for_input(sample)
    assert offer(tp) == [collector]
    with pytest.raises(InputError) as err:
        COLLECTORS[collector].collect(tp)
    assert err.value.path == sample
    assert reason in err.value.reason and "\n" not in err.value.reason


def test_bad_file_in_a_tree_does_not_stop_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD.parent)
    inv = ModuleTreeCollector().collect(TreePath.for_input("bad"))
    # The cache with a call in it is read as a cache (and refused) inside the tree too.
    assert {r.path for r in inv.failed} == {"bad/tcl-unbalanced/3", "bad/latin1/1.0.lua", "bad/spiderT-call.lua"}
    assert [c.id for c in inv.components] == ["software/module/tcl-unbalanced@ok"]
    assert [r.path for r in inv.inputs if r.status is InputStatus.READ] == ["bad/tcl-unbalanced/ok"]


def test_link_out_of_the_tree_is_not_followed(tmp_path: Path) -> None:
    outside = write(tmp_path / "secret/1.0.lua", 'whatis("Description: outside")\n')
    write(tmp_path / "mf/ok/1.0.lua", 'whatis("Description: fine")\n')
    (tmp_path / "mf/ok/2.0.lua").symlink_to(outside)
    inv = ModuleTreeCollector().collect(TreePath.for_input(tmp_path / "mf"))
    assert [c.id for c in inv.components] == ["software/module/ok@1.0"]
    assert [(r.path, r.status) for r in inv.inputs if r.status is not InputStatus.READ] == [
        (f"{tmp_path}/mf/ok/2.0.lua", InputStatus.SKIPPED)
    ]


# -- the real Lmod as the oracle -----------------------------------------------------------------------
def lmod_home() -> Path:
    for base in (os.environ.get("LMOD_PKG", ""), "/usr/share/lmod/lmod", "/opt/apps/lmod/lmod", "/usr/local/lmod/lmod"):
        if base and (Path(base) / "init/bash").is_file() and (Path(base) / "libexec/spider").is_file():
            return Path(base)
    if os.environ.get("CI") == "true":
        pytest.fail("Lmod is not installed: run tests/fixtures/install_lmod.sh (CI needs the real Lmod)")
    pytest.skip("Lmod is not installed (tests/fixtures/install_lmod.sh)")


def run_lmod(home: Path, tmp: Path, script: str, modulepath: str, root: Path) -> str:
    env = {
        "HOME": str(tmp / "home"),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LMOD_IGNORE_CACHE": "1",
        "LMOD_CACHED_LOADS": "no",
        "LMOD_PAGER": "None",
        "LMOD_REDIRECT": "no",
        "MODULEPATH": modulepath,
        "MODULEPATH_ROOT": str(root),
        "TERM": "dumb",
    }
    (tmp / "home").mkdir(exist_ok=True)
    proc = subprocess.run(
        [shutil.which("bash") or "/bin/bash", "--noprofile", "--norc", "-c",
         f"source {home}/init/bash >/dev/null 2>&1; {script}"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def terse(output: str) -> set[tuple[str, str]]:
    """(entry folder, full name) from ``module -t avail``; names ending in '/' are headers."""
    out = set()
    entry = ""
    for line in output.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.endswith(":") and line.startswith("/"):
            entry = line[:-1]
        elif not line.endswith("/"):
            out.add((entry, line))
    return out


def oracle_tree(mf: Path) -> None:
    """A hierarchy with Lua and Tcl modules, defaults of every kind, a hidden and an EasyBuild module."""
    compiler = (
        'whatis("Description: GNU compilers")\n'
        'local mroot = os.getenv("MODULEPATH_ROOT")\n'
        'prepend_path("MODULEPATH", pathJoin(mroot, "Compiler", myModuleName(), myModuleVersion()))\n'
        'family("compiler")\n'
    )
    write(mf / "Core/gcc/12.3.0.lua", compiler)
    write(mf / "Core/gcc/13.2.0.lua", compiler)
    write(mf / "Core/gcc/.modulerc.lua", 'module_version("gcc/12.3.0", "default")\n')
    write(mf / "Core/gcc/12.3.0.lua~", compiler)
    write(mf / "Core/cmake/3.27.9", '#%Module1.0\nmodule-whatis "Description: CMake"\n')
    write(mf / "Core/cmake/3.30.0", '#%Module1.0\nmodule-whatis "Description: CMake"\n')
    write(mf / "Core/cmake/.version", '#%Module1.0\nset ModulesVersion "3.27.9"\n')
    write(mf / "Core/python/3.11.4.lua", 'whatis("Description: Python")\n')
    write(mf / "Core/python/3.12.1.lua", 'whatis("Description: Python 3.12")\n')
    (mf / "Core/python/default").symlink_to("3.11.4.lua")
    write(mf / "Core/tools/.1.0.lua", 'whatis("Description: hidden")\n')
    write(mf / "Core/tools/2.0.lua", 'whatis("Description: tools")\n')
    write(mf / "Core/tools/10.0.lua", 'whatis("Description: tools")\n')
    write(mf / "Core/tools/README", "not a modulefile\n")
    write(mf / "Core/zlib/1.2.13.lua", EB_MODULE)
    write(mf / "Core/StdEnv.lua", 'load("gcc")\nload("cmake")\nload("python")\nload("tools")\n')
    mpi = (
        'whatis("Description: Open MPI")\n'
        'local mroot = os.getenv("MODULEPATH_ROOT")\n'
        'local v = myModuleVersion():match("(%d+%.%d+)")\n'
        "local hier = hierarchyA(myModuleFullName(), 1)\n"
        'prepend_path("MODULEPATH", pathJoin(mroot, "MPI", hier[1], myModuleName(), v))\n'
        'family("MPI")\n'
    )
    write(mf / "Compiler/gcc/12.3.0/openmpi/4.1.5.lua", mpi)
    write(mf / "Compiler/gcc/13.2.0/openmpi/4.1.6.lua", mpi)
    write(mf / "Compiler/gcc/12.3.0/boost/1.83.0", "#%Module\nmodule-whatis {Description: Boost}\n")
    write(
        mf / "MPI/gcc/12.3.0/openmpi/4.1/hdf5/1.14.3",
        "#%Module1.0\nmodule-whatis {Description: HDF5}\nprereq openmpi\n",
    )
    write(
        mf / "MPI/gcc/13.2.0/openmpi/4.1/hdf5/1.14.3",
        "#%Module1.0\nmodule-whatis {Description: HDF5}\nprereq openmpi\n",
    )
    write(mf / "MPI/gcc/13.2.0/openmpi/4.1/fftw/3.3.10.lua", 'whatis("Description: FFTW")\n')


def test_module_tree_matches_real_lmod(tmp_path: Path) -> None:
    home = lmod_home()
    mf = tmp_path / "mf"
    oracle_tree(mf)
    inv = ModuleTreeCollector().collect(TreePath.for_input(mf))
    assert not inv.failed
    entries = ["Core", "Compiler/gcc/12.3.0", "Compiler/gcc/13.2.0", "MPI/gcc/12.3.0/openmpi/4.1",
               "MPI/gcc/13.2.0/openmpi/4.1"]  # fmt: skip
    modulepath = ":".join(str(mf / e) for e in entries)
    avail = terse(run_lmod(home, tmp_path, "module -t avail 2>&1", modulepath, mf))
    ours = {
        (str(mf / entry), f"{c.name}/{c.version}" if c.version else c.name)
        for c in inv.components
        if c.prop("module:hidden") != "true"
        for entry in props(c, "module:modulepath")
    }
    assert avail == ours
    assert len(avail) == 16  # Core 10, Compiler/gcc/* 2 + 1, MPI/gcc/*/openmpi/4.1 1 + 2
    # With --show_hidden, Lmod lists the hidden version too.
    hidden = terse(run_lmod(home, tmp_path, "module -t --show_hidden avail 2>&1", modulepath, mf))
    assert hidden - avail == {(str(mf / "Core"), "tools/.1.0")}
    assert any(c.prop("module:hidden") == "true" and c.version == ".1.0" for c in inv.components)
    # Lmod's choice of default versions: ours for every version-less load of StdEnv.
    defaults = {name for _, name in terse(run_lmod(home, tmp_path, "module -t -d avail 2>&1", str(mf / "Core"), mf))}
    loads = {t for s, t in pairs(inv, "load") if s == "StdEnv"}
    assert loads == {d for d in defaults if d.split("/")[0] in ("gcc", "cmake", "python", "tools")}
    assert loads == {"gcc/12.3.0", "cmake/3.27.9", "python/3.11.4", "tools/10.0"}
    marked = {f"{c.name}/{c.version}" for c in inv.components if c.prop("module:default") == "true"}
    assert marked == {"gcc/12.3.0", "cmake/3.27.9", "python/3.11.4"}
    # The hierarchy: Lmod's spider walks it from Core (evaluating our test modules) and records
    # each module's parents; the immediate parent is the last of each chain.
    out = subprocess.run(
        [str(home / "libexec/spider"), "-o", "spider-json", str(mf / "Core")],
        env={"HOME": str(tmp_path / "home"), "PATH": os.environ.get("PATH", ""), "MODULEPATH_ROOT": str(mf),
             "LMOD_IGNORE_CACHE": "1"},
        capture_output=True, text=True, timeout=300, check=True,
    ).stdout  # fmt: skip
    spider = json.loads(out)
    parents = {(e["fullName"], ch[-1]) for f in spider.values() for e in f.values() for ch in e.get("parentAA", [])}
    assert parents == pairs(inv, "modulepath")
    assert len(parents) == 6
    listed = {e["fullName"] for f in spider.values() for e in f.values() if not e.get("hidden")}
    assert listed == {name for _, name in ours}


def test_flat_tree_matches_real_lmod(tmp_path: Path) -> None:
    home = lmod_home()
    root = tmp_path / "modulefiles"
    write(root / "StdEnv.lua", 'setenv("A", "1")\n')
    write(root / "compiler/gcc/12", "#%Module\n")
    write(root / "compiler/gcc/13.lua", 'whatis("x")\n')
    write(root / "AMD/2.3.1/gnu-4.7.2", "#%Module\n")
    write(root / "AMD/2.3.1/intel-13.1.1", "#%Module\n")
    write(root / "foo/1.0.lua", 'whatis("a")\n')
    write(root / "foo/bar/2.0.lua", 'whatis("b")\n')
    write(root / "Base/T.lua", 'whatis("t")\n')  # beside a folder of modules: version-less Base/T
    write(root / "Base/x/1.lua", 'whatis("x")\n')
    write(root / "notes/1.0", "no magic line: not a modulefile\n")
    write(root / "tcl/8.6", "#%Module1.0\n")
    write(root / "tcl/.version", '#%Module1.0\nset ModulesVersion "8.6"\n')
    assert tree_mode(TreePath.for_input(root)) == "flat"
    inv = ModuleTreeCollector().collect(TreePath.for_input(root))
    avail = terse(run_lmod(home, tmp_path, "module -t avail 2>&1", str(root), root))
    ours = {(str(root), f"{c.name}/{c.version}" if c.version else c.name) for c in inv.components}
    assert avail == ours
    assert len(ours) == 10


def test_scan_of_the_samples_folder() -> None:
    """The walker with our three collectors: each tree claimed at its top, caches and JSON one by one."""
    result = scan([GOOD], collectors=list(COLLECTORS.values()))
    read = {(r.path.removeprefix(f"{GOOD}/"), r.collector) for r in result.inventory.inputs if r.status == "read"}
    tops = {(p.split("/")[0], c) for p, c in read}
    assert tops == {
        ("lmod-rt-hierarchy", "module-tree"),
        ("site-lua", "module-tree"),
        ("site-tcl", "module-tree"),
        ("spack-lmod", "module-tree"),
        ("spider-cache", "lmod-spider"),
        ("spider-json", "lmod-spider"),
    }
    assert not result.inventory.failed and not result.crashes
    assert len([p for p, _ in read if p.startswith("spider-")]) == 7
