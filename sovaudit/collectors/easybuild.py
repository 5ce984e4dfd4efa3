"""EasyBuild: easyconfigs, EasyBuild-generated module files and easystack files.

Three collectors share one notion of identity:

``easybuild-easyconfig``  ``*.eb`` files (the easybuild-easyconfigs repository, a site's own
                          easyconfigs, ``ebfiles_repo`` archives, ``<prefix>/easybuild/*.eb`` of an
                          installation). They are Python *source*; they are read by the restricted
                          evaluator in :mod:`sovaudit.collectors.easyconfig_eval` (``ast.parse``
                          plus a closed set of node types) and never executed.
``easybuild-module``      module files that EasyBuild generated (Lua or Tcl), recognised by their
                          markers: ``setenv("EBROOT<NAME>", ...)``, ``EBVERSION<NAME>`` or the trailer
                          ``Built with EasyBuild``. They are lexed, never run. Module files without
                          these markers belong to the generic Lmod/Tcl modulefile collector.
``easybuild-easystack``   easystack YAML files (``easyconfigs:`` list of easyconfig file names with
                          options), which *declare* what a site installs.

Identity
--------
There is no purl type for EasyBuild. ``pkg:generic`` would lose the one thing a reader needs to
know - that EasyBuild's recipe built it, with which toolchain - and would make the link stage see
EasyBuild's Python and a generic download as one manager, so (like ``pkg:spack`` in the Spack
collector) components are::

    pkg:easybuild/<name>@<version>?toolchain=<tcname>-<tcversion>[&versionsuffix=<suffix>][&versionprefix=<prefix>]

with ``toolchain=system`` for the system toolchain (the old ``dummy`` toolchain is the same thing,
kept as the property ``easybuild:toolchain-declared``). The purl version is the software's own
version; the suffix is a qualifier, so ``PyTorch 2.1.2`` stays comparable with ``torch 2.1.2``.
The id is a function of (name, version, versionsuffix, versionprefix, toolchain) only - exactly the
parts of EasyBuild's full module name ``<name>/<version>-<tc>-<tcver><suffix>`` (property
``easybuild:module``) - so an easyconfig, the module file generated from it and an easystack entry
naming it are one component however they were collected, and an edge from another easyconfig
lands on it. A module in a hierarchical naming scheme whose toolchain its path cannot name (the
``MPI/<comp>/<ver>/<mpi>/<ver>`` level) gets ``hierarchy=<that path>`` instead of ``toolchain``;
a dependency named only by a short module name (``hwloc/1.11.8`` in such a tree) has no
toolchain qualifier at all: its toolchain is unknown, not guessed.

Toolchain resolution
--------------------
A dependency without an explicit toolchain inherits its parent's, and EasyBuild then looks for it
down the toolchain hierarchy, *parent first* (``robot_find_subtoolchain_for_dep(...,
parent_first=True)``): ``('Python', '3.11.3')`` in a ``foss-2023a`` easyconfig is
``Python-3.11.3-GCCcore-12.3.0.eb``. This collector does the same search, with EasyBuild's own
robot file layouts (``create_paths``: ``<root>/<name>-<fullver>.eb``, ``<root>/<name>/...``,
``<root>/<letter>/<name>/...``, and an install tree's ``<name>/<fullver>/easybuild/...``), by
file *existence* only, inside the scanned tree (a :class:`~sovaudit.fs.TreePath` cannot leave it):

* the robot roots are derived from where the easyconfig itself sits (flat folder,
  ``ebfiles_repo/<name>/``, ``easyconfigs/<letter>/<name>/``, ``software/<name>/<ver>/easybuild/``);
* the first toolchain of the hierarchy at which a file exists wins (edge property
  ``easybuild:resolution=found``); if none exists the dependency keeps the parent toolchain, as
  EasyBuild does, and the edge carries ``easybuild:resolution=inherited`` and the search order
  (``easybuild:search-order``) so a later link stage can still re-resolve it;
* as in EasyBuild (without ``--add-system-to-minimal-toolchains``), the system toolchain is not
  searched: dependencies meant for it say ``SYSTEM`` explicitly.

This is per file, with stable ids, instead of a folder collector resolving across its members:
one file is still one input (a broken easyconfig fails alone), other collectors still see every
other file of the folder, and two easyconfigs collected separately meet in the graph through the
id. What it cannot see - a dependency's easyconfig outside the scanned tree - stays an unresolved
reference at the parent toolchain, never a guess.

The hierarchy itself (foss -> gompi, gfbf -> GCC -> GCCcore; intel -> iimpi, iimkl ->
intel-compilers/iccifort -> GCCcore; fosscuda -> gompic -> gcccuda -> GCC -> GCCcore) follows the
``SUBTOOLCHAIN`` attributes of EasyBuild 5.4's toolchain classes, and the versions come from
:data:`GENERATIONS`, checked against ``get_toolchain_hierarchy`` of EasyBuild 5.4.1 run over
easybuild-easyconfigs 5.4.1 and easybuild-easyconfigs-archive 5.0.0 (2020a is checked against
``foss-2020a.eb``/``intel-2020a.eb`` only; 2020b-2021b are in neither package and are marked
*unverified*). A generation the table does not know (``2026.1``) is read from the toolchain's own
easyconfig when it is in the scanned tree, as EasyBuild does. A toolchain version is the toolchain
easyconfig's version plus its versionsuffix: ``GCC-8.2.0-2.31.1`` is GCC 8.2.0 with suffix
``-2.31.1``, and its id says so. Folder listings the robot needs are read once per collector
instance (one scan), so a 12,000-file repository stays linear.

What becomes of an easyconfig
-----------------------------
One component (software layer; kind ``compiler``, ``mpi``, ``toolchain`` or ``package`` by name)
with ``description``, the licence (``software_license``, normalised by :mod:`sovaudit.licenses`)
and properties ``easybuild:module``, ``easybuild:toolchain``, ``easybuild:versionsuffix``,
``easybuild:easyblock``, ``easybuild:moduleclass``, ``easybuild:homepage``,
``easybuild:license-file``, ``easybuild:license-url``, ``easybuild:built-with-version``
(``ebfiles_repo`` archives) and ``easybuild:unevaluated`` for each parameter or statement the
evaluator skipped. Edges: ``depends-on`` to ``dependencies`` (scopes build, run),
``builddependencies`` (build) and ``hiddendependencies`` (build, run; ``easybuild:hidden``);
``built-with`` to the toolchain; ``depends-on`` to ``software/os-package/<name>`` for
``osdependencies`` (alternatives in ``easybuild:os-alternatives``); ``contains`` to each
``exts_list`` extension and Bundle ``components`` entry (``pkg:pypi``, ``pkg:cran``,
``pkg:cpan``, ``pkg:gem`` by extension class, else ``pkg:generic``), and ``depends-on`` to
``software/module/<name>@<version>`` for an ``EXTERNAL_MODULE``. A dependency found only in one
branch of an ``if ARCH == ...``, a per-architecture version (``{'arch=x86_64': ...}``) and a
``%(arch)s`` template (one edge per architecture EasyBuild knows) carry ``easybuild:condition``.
Every dependency edge carries
the target's full module name (``easybuild:module``); a target whose own file is not scanned
becomes the graph's unresolved placeholder. ``buildstats`` in archived easyconfigs (host names,
command lines) are site data and are not recorded.

If name, version, versionsuffix, toolchain or a dependency list cannot be evaluated safely, or a
dependency uses a template that cannot be resolved, the file is an
:class:`~sovaudit.errors.InputError` naming the parameter and the reason (11 of the 11,896
easyconfigs of easybuild-easyconfigs 5.4.1: dependency suffixes built from ``ARCH`` or from the
CUDA of an NVHPC toolchain). For the other 11,885, EasyBuild's own parser reads the same name,
version, suffix, toolchain and dependencies (checked file by file; in 4 files the raw parser leaves
a ``%(pyver)s``-style template that only a build dependency defines, which full EasyBuild - and
this collector - resolve).

What becomes of a module file and an easystack
----------------------------------------------
A generated module file gives the component of the installation it loads: the name from its path
(checked against ``$EBROOT<NAME>``), the version from ``$EBVERSION<NAME>`` and the toolchain and
suffix from the rest of the file name (or from the ``Core``/``Compiler/<comp>/<ver>`` level of a
hierarchical tree); ``description`` and ``easybuild:homepage`` from ``whatis``;
``easybuild:extensions`` (``$EBEXTSLIST*``), ``easybuild:installdir`` (``local root`` / ``set
root``), ``easybuild:built-with-version`` (the trailer), ``easybuild:modulepath`` (what it adds to
MODULEPATH). Its ``load``/``depends_on``/``prereq`` (Tcl ``module load``, ``depends-on``) become
``depends-on`` edges, scope run, to the ids the module names parse to. An easystack entry is a
component with ``easybuild:easystack=true``, ``easybuild:easyconfig`` and one
``easybuild:easystack-option:<name>`` per option; the id comes from the easyconfig file name
(``<name>-<version>[-<toolchain>-<tcversion>][<suffix>].eb``; the name ends before the first
``-`` and digit). That split is a heuristic: it agrees with the file's contents for 98.7 % of
easybuild-easyconfigs 5.4.1 (it fails on names such as ``Boltz-1`` or toolchain versions with a
suffix such as ``NVHPC-25.3-CUDA-12.8.0``); the raw file name is always kept. The YAML is read with
``yaml.compose`` and PyYAML's safe loader: nodes with line numbers, and aliases never expanded.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from sovaudit.collectors.easyconfig_eval import (
    Namespace,
    Unknown,
    condition_of,
    evaluate,
    line_of,
    resolve,
    template_values,
)
from sovaudit.collectors.interface import Collector
from sovaudit.errors import InputError
from sovaudit.fs import MiB, TreePath
from sovaudit.model import Component, Edge, Evidence, Inventory, Layer, Relation, component_id

if TYPE_CHECKING:
    from sovaudit.collectors.lua_table import Token

#: Largest easyconfig read (the largest in easybuild-easyconfigs 5.4 is 160 kB).
MAX_EASYCONFIG_BYTES = 8 * MiB
#: Largest module file or easystack read.
MAX_MODULE_BYTES = 8 * MiB
MAX_EASYSTACK_BYTES = 8 * MiB
#: How much of a candidate module file ``detect`` reads looking for EasyBuild's markers.
MODULE_SNIFF_BYTES = 256 * 1024
#: Most entries in one easystack.
MAX_EASYSTACK_ENTRIES = 100_000

SYSTEM_NAME = "system"

# -- toolchains ---------------------------------------------------------------------------------------
#: Every toolchain name EasyBuild 5.4 defines (the NAME of each class in ``easybuild.toolchains``).
TOOLCHAIN_NAMES = frozenset(
    """ClangGCC CrayCCE CrayGNU CrayIntel CrayPGI FCC Fujitsu GCC GCCcore GNU NVHPC PGI cgmpich cgmpolf
    cgmvapich2 cgmvolf cgompi cgoolf ffmpi foss fosscuda gcccuda gfbf gimkl gimpi gimpic giolf giolfc gmacml gmkl
    gmklc gmpflf gmpich gmpich2 gmpit gmpolf gmvapich2 gmvolf goalf gobff goblf gofbf golf golfc gomkl gomklc
    gompi gompic goolf goolfc gpsmpi gpsolf gqacml gsmpi gsolf iccifort iccifortcuda ictce ifbf iibff iimkl
    iimklc iimpi iimpic iiqmpi impich impmkl intel intel-compilers intel-para intelcuda iofbf iomkl iomklc iompi
    iompic ipsmpi iqacml ismkl lfbf lfoss llvm-compilers lmpflf lmpich lompi lpsflf lpsmpi nvidia-compilers
    nvofbf nvompi nvompic nvpsmpi nvpsmpic pmkl pomkl pompi rfbf rfoss rocm-compilers rompi xlcxlf xlmpich
    xlmpich2 xlmvapich2 xlompi""".split()  # noqa: SIM905
)

#: Compiler toolchains and compiler packages (kind ``compiler``).
COMPILER_NAMES = frozenset(
    {"GCC", "GCCcore", "iccifort", "icc", "ifort", "intel-compilers", "NVHPC", "nvidia-compilers", "PGI", "Clang",
     "AOCC", "llvm-compilers", "rocm-compilers", "ClangGCC", "FCC", "Fujitsu", "xlcxlf"}
)  # fmt: skip
#: MPI libraries (kind ``mpi``).
MPI_NAMES = frozenset({"OpenMPI", "impi", "MPICH", "MPICH2", "MVAPICH2", "psmpi", "MPItrampoline", "UCC-MPI"})

#: Subtoolchains in EasyBuild's order (``SUBTOOLCHAIN`` of the toolchain classes, EasyBuild 5.4);
#: a tuple inside is a set of alternatives (one of them applies, by generation). GCC's and the Intel
#: compilers' further subtoolchain ``system`` is not searched by default and is left out.
SUBTOOLCHAINS: dict[str, tuple[str | tuple[str, ...], ...]] = {
    "foss": ("gompi", "golf", "gfbf"),
    "gompi": ("GCC",),
    "gfbf": ("GCC",),
    "golf": ("GCC",),
    "fosscuda": ("gompic", "golfc"),
    "gompic": ("gcccuda",),
    "golfc": ("gcccuda", "golf"),
    "gcccuda": ("GCC",),
    "GCC": ("GCCcore",),
    "GCCcore": (),
    "intel": ("iimpi", "iimkl"),
    "iimpi": (("intel-compilers", "iccifort"),),
    "iimkl": (("intel-compilers", "iccifort"),),
    "iompi": (("intel-compilers", "iccifort"),),
    "intel-compilers": ("GCCcore",),
    "iccifort": ("GCCcore",),
}
_INTEL_FAMILY = frozenset({"intel", "iimpi", "iimkl", "iompi"})
#: Subtoolchains EasyBuild treats as optional (``OPTIONAL = True``): present only in some generations.
OPTIONAL_TOOLCHAINS = frozenset({"golf", "golfc", "gfbf", "iimkl", "GCCcore"})


@dataclass(frozen=True, slots=True)
class Generation:
    """One toolchain generation (``2023a``): its GCC and its Intel compiler toolchain."""

    gcc: str
    intel: tuple[str, str] | None  # (intel-compilers | iccifort, version)
    #: Optional composite subtoolchains that exist in this generation.
    optional: frozenset[str] = frozenset()


_G22 = frozenset({"gfbf", "iimkl"})

#: Toolchain generations: ``get_toolchain_hierarchy`` of EasyBuild 5.4.1 over easybuild-easyconfigs
#: 5.4.1 + easybuild-easyconfigs-archive 5.0.0, except the rows marked unverified.
GENERATIONS: dict[str, Generation] = {
    "2016a": Generation("4.9.3-2.25", None),
    "2016b": Generation("5.4.0-2.26", ("iccifort", "2016.3.210-GCC-5.4.0-2.26")),
    "2017a": Generation("6.3.0-2.27", ("iccifort", "2017.1.132-GCC-6.3.0-2.27")),
    "2017b": Generation("6.4.0-2.28", ("iccifort", "2017.4.196-GCC-6.4.0-2.28")),
    "2018a": Generation("6.4.0-2.28", ("iccifort", "2018.1.163-GCC-6.4.0-2.28"), frozenset({"golf", "iimkl"})),
    "2018b": Generation("7.3.0-2.30", ("iccifort", "2018.3.222-GCC-7.3.0-2.30")),
    "2019a": Generation("8.2.0-2.31.1", ("iccifort", "2019.1.144-GCC-8.2.0-2.31.1")),
    "2019b": Generation("8.3.0", ("iccifort", "2019.5.281")),
    "2020a": Generation("9.3.0", ("iccifort", "2020.1.217")),  # from foss-/intel-2020a.eb's dependencies
    "2020b": Generation("10.2.0", ("iccifort", "2020.4.304")),  # unverified
    "2021a": Generation("10.3.0", ("intel-compilers", "2021.2.0")),  # unverified
    "2021b": Generation("11.2.0", ("intel-compilers", "2021.4.0")),  # unverified
    "2022a": Generation("11.3.0", ("intel-compilers", "2022.1.0"), _G22),
    "2022b": Generation("12.2.0", ("intel-compilers", "2022.2.1"), _G22),
    "2023a": Generation("12.3.0", ("intel-compilers", "2023.1.0"), _G22),
    "2023b": Generation("13.2.0", ("intel-compilers", "2023.2.1"), _G22),
    "2024a": Generation("13.3.0", ("intel-compilers", "2024.2.0"), _G22),
    "2025a": Generation("14.2.0", ("intel-compilers", "2025.1.1"), _G22),
    "2025b": Generation("14.3.0", ("intel-compilers", "2025.2.0"), _G22),
}

#: GCCcore under Intel compiler toolchains that are not the one of a generation above (EasyBuild 5.4.1).
INTEL_GCCCORE: dict[str, str] = {
    **{g.intel[1]: g.gcc.split("-")[0] for g in GENERATIONS.values() if g.intel},
    "2019.4.243": "8.3.0", "2020.0.166": "9.2.0", "2022.2.0": "12.2.0", "2023.0.0": "12.2.0",
    "2024.0.0": "13.2.0", "2025.0.0": "14.2.0", "2025.1.0": "14.2.0", "2025.2.1": "14.3.0", "2025.3.0": "14.3.0",
    "2025.3.3": "15.2.0", "2026.1.0": "15.2.0",
}  # fmt: skip


@dataclass(frozen=True, slots=True, order=True)
class Toolchain:
    name: str
    version: str

    @property
    def is_system(self) -> bool:
        return self.name == SYSTEM_NAME

    def label(self) -> str:
        return SYSTEM_NAME if self.is_system else f"{self.name}-{self.version}"


SYSTEM_TOOLCHAIN = Toolchain(SYSTEM_NAME, SYSTEM_NAME)

#: Finds a toolchain's own easyconfig and returns its dependencies as (name, version+suffix) and
#: their explicit toolchains, for generations the table does not know.
Deriver = Callable[[Toolchain], list[tuple[str, str]] | None]


def _gcccore_of_gcc(version: str) -> str | None:
    m = re.fullmatch(r"(\d+)\.(\d+)\.\d+(-\d[\d.]*)?", version)
    if m is None:
        return None
    if m.group(3) or (int(m.group(1)), int(m.group(2))) >= (8, 3):
        return version.split("-")[0]
    return None


def _gcccore_of_intel(version: str) -> str | None:
    m = re.search(r"-GCC-(\d+\.\d+\.\d+)", version)
    if m:
        return m.group(1)
    return INTEL_GCCCORE.get(re.sub(r"-CUDA-.*$", "", version))


def subtoolchains(tc: Toolchain, derive: Deriver | None = None) -> list[Toolchain]:
    """The direct subtoolchains of ``tc``, in EasyBuild's order."""
    names = SUBTOOLCHAINS.get(tc.name)
    if not names:
        return []
    if tc.name == "GCC":
        core = _gcccore_of_gcc(tc.version)
        return [Toolchain("GCCcore", core)] if core else _derived(tc, names, derive)
    if tc.name in ("intel-compilers", "iccifort"):
        core = _gcccore_of_intel(tc.version)
        return [Toolchain("GCCcore", core)] if core else _derived(tc, names, derive)
    gen = GENERATIONS.get(tc.version)
    if gen is None or (gen.intel is None and tc.name in _INTEL_FAMILY):
        return _derived(tc, names, derive)
    out = []
    for entry in names:
        if isinstance(entry, tuple):
            if gen.intel and gen.intel[0] in entry:
                out.append(Toolchain(*gen.intel))
        elif entry == "GCC":
            out.append(Toolchain("GCC", gen.gcc))
        elif entry not in OPTIONAL_TOOLCHAINS or entry in gen.optional:
            out.append(Toolchain(entry, tc.version))
    return out


def _derived(tc: Toolchain, names: tuple[str | tuple[str, ...], ...], derive: Deriver | None) -> list[Toolchain]:
    """Subtoolchains read from the toolchain's own easyconfig, as EasyBuild does (or none)."""
    cands = derive(tc) if derive is not None else None
    if not cands:
        return []
    out = []
    for entry in names:
        for name in entry if isinstance(entry, tuple) else (entry,):
            versions = sorted({v for n, v in cands if n == name})
            if len(versions) == 1:
                out.append(Toolchain(name, versions[0]))
                break
    return out


def toolchain_hierarchy(tc: Toolchain, derive: Deriver | None = None) -> tuple[Toolchain, ...]:
    """``tc`` and its subtoolchains, parent first (the order EasyBuild searches a dependency in)."""
    if tc.is_system:
        return (tc,)
    shared: dict[str, list[tuple[str, str]]] = {}

    def derive_shared(t: Toolchain) -> list[tuple[str, str]] | None:
        # a subtoolchain of the same generation (gompi-2026.1 under foss-2026.1) whose own easyconfig
        # is not in the tree shares the parent's compilers
        got = derive(t) if derive is not None else None
        if got:
            shared.setdefault(t.version, []).extend(got)
            return got
        return shared.get(t.version)

    out = [tc]
    seen = {tc.name}
    queue = [tc]
    while queue:
        current = queue.pop(0)
        for sub in subtoolchains(current, derive_shared if derive is not None else None):
            if sub.name not in seen:
                seen.add(sub.name)
                out.append(sub)
                queue.append(sub)
    return tuple(out)


# -- identity -----------------------------------------------------------------------------------------
def full_version(version: str, tc: Toolchain | None, versionsuffix: str = "", versionprefix: str = "") -> str:
    """EasyBuild's ``det_full_ec_version``: ``1.2-foss-2023a-CUDA-12.1.1`` (``1.2`` for system)."""
    core = version if tc is None or tc.is_system else f"{version}-{tc.name}-{tc.version}"
    return f"{versionprefix}{core}{versionsuffix}"


@functools.lru_cache(maxsize=65536)
def easybuild_purl(
    name: str,
    version: str,
    tc: Toolchain | None,
    versionsuffix: str = "",
    versionprefix: str = "",
    *,
    hierarchy: str = "",
) -> str:
    """The id of an EasyBuild installation (see the module docstring); ``tc=None``: toolchain unknown."""
    from packageurl import PackageURL

    qualifiers: dict[str, str] = {}
    if tc is not None:
        qualifiers["toolchain"] = tc.label()
    if hierarchy:
        qualifiers["hierarchy"] = hierarchy
    if versionsuffix:
        qualifiers["versionsuffix"] = versionsuffix
    if versionprefix:
        qualifiers["versionprefix"] = versionprefix
    purl: str = PackageURL(type="easybuild", name=name, version=version or None, qualifiers=qualifiers).to_string()
    return purl


def kind_of(name: str) -> str:
    if name in COMPILER_NAMES:
        return "compiler"
    if name in MPI_NAMES:
        return "mpi"
    if name in TOOLCHAIN_NAMES:
        return "toolchain"
    return "package"


def letter_dir(name: str) -> str:
    """EasyBuild's ``letter_dir_for``."""
    letter = name.lower()[0]
    return letter if "a" <= letter <= "z" else "0"


def mangle(name: str) -> str:
    """The ``<NAME>`` in ``$EBROOT<NAME>`` (EasyBuild's ``convert_name(name, upper=True)``)."""
    return name.replace("+", "plus").replace("-", "min").replace(".", "").upper()


_TC_VERSION = r"[^-]+(?:-\d[^-]*)*"
_SPLIT_CACHE: dict[str, re.Pattern[str]] = {}


def split_full_version(full: str, version: str = "") -> tuple[str, Toolchain, str]:
    """(version, toolchain, versionsuffix) of an EasyBuild full version such as ``2.3.1-foss-2022a-CUDA-11.7.0``.

    With ``version`` known (``$EBVERSION<NAME>``), only the rest is parsed. Otherwise the version
    is what comes before the first ``-<toolchain name>-`` (any of EasyBuild's toolchain names), or,
    for the system toolchain, the first ``-``-separated part plus any parts starting with a digit
    (``7.1-1``). A heuristic for file and module names; the property with the raw name is kept.
    """
    if version and full.startswith(version):
        rest = full[len(version) :]
        m = _tc_at_start().match(rest)
        if m:
            return version, Toolchain(m.group("tc"), m.group("tcver")), m.group("suffix")
        return version, SYSTEM_TOOLCHAIN, rest
    m = _tc_anywhere().match(full)
    if m:
        return m.group("version"), Toolchain(m.group("tc"), m.group("tcver")), m.group("suffix")
    m = re.match(r"(?P<version>[^-]+(?:-\d[^-]*)*)(?P<suffix>.*)$", full, re.S)
    assert m is not None
    return m.group("version"), SYSTEM_TOOLCHAIN, m.group("suffix")


def _tc_alternatives() -> str:
    return "|".join(re.escape(n) for n in sorted(TOOLCHAIN_NAMES, key=len, reverse=True))


def _tc_version_pattern() -> str:
    # the Intel compilers of 2016-2019 carry their GCC in the toolchain version
    return rf"(?P<tcver>{_TC_VERSION}(?:-GCC-\d[\d.]*(?:-\d[\d.]*)?)?)"


def _tc_at_start() -> re.Pattern[str]:
    if "start" not in _SPLIT_CACHE:
        _SPLIT_CACHE["start"] = re.compile(
            rf"-(?P<tc>{_tc_alternatives()})-{_tc_version_pattern()}(?P<suffix>.*)$", re.S
        )
    return _SPLIT_CACHE["start"]


def _tc_anywhere() -> re.Pattern[str]:
    if "any" not in _SPLIT_CACHE:
        _SPLIT_CACHE["any"] = re.compile(
            rf"(?P<version>.+?)-(?P<tc>{_tc_alternatives()})-{_tc_version_pattern()}(?P<suffix>(?:-.*)?)$", re.S
        )
    return _SPLIT_CACHE["any"]


def split_toolchain_version(version: str) -> tuple[str, str]:
    """(version, versionsuffix) of a toolchain's version: ``8.2.0-2.31.1`` is GCC 8.2.0 with suffix ``-2.31.1``.

    Toolchain easyconfigs keep everything after the first ``-`` in ``versionsuffix`` (binutils for
    GCC, the GCC of the Intel compilers of 2016-2019), and are always built with the system toolchain.
    """
    version, sep, rest = version.partition("-")
    return version, f"{sep}{rest}"


def _split_named(name: str, full: str) -> tuple[str, Toolchain, str]:
    if name in TOOLCHAIN_NAMES:
        version, suffix = split_toolchain_version(full)
        return version, SYSTEM_TOOLCHAIN, suffix
    return split_full_version(full)


def toolchain_purl(tc: Toolchain) -> str:
    """The id of a toolchain's own installation (built with the system toolchain)."""
    version, suffix = split_toolchain_version(tc.version)
    return easybuild_purl(tc.name, version, SYSTEM_TOOLCHAIN, suffix)


def split_easyconfig_name(filename: str) -> tuple[str, str, Toolchain, str]:
    """(name, version, toolchain, versionsuffix) of an easyconfig file name (``.eb`` optional).

    The name ends before the first ``-`` that a digit follows (``Python-bundle-PyPI-2023.06-...``,
    ``netCDF-C++4-4.3.1-...``, ``4ti2-1.6.10``); the rest is split by :func:`split_full_version`.
    """
    base = filename[:-3] if filename.endswith(".eb") else filename
    m = re.match(r"(?P<name>.+?)-(?P<rest>\d.*)$", base, re.S)
    if m is None:
        return base, "", SYSTEM_TOOLCHAIN, ""
    version, tc, suffix = _split_named(m.group("name"), m.group("rest"))
    return m.group("name"), version, tc, suffix


def module_identity(module: str) -> tuple[str, str, Toolchain | None, str]:
    """(name, version, toolchain, suffix) of a flat (EasyBuildMNS) module name ``Name/fullversion``."""
    name, _, full = module.rpartition("/")
    if not name:
        return module, "", None, ""
    name = name.rsplit("/", 1)[-1]
    version, tc, suffix = _split_named(name, full)
    return name, version, tc, suffix


# -- the robot: where EasyBuild would find a dependency's easyconfig ---------------------------------
class _Listings:
    """Names in folders of the scanned tree, each folder listed once per collector instance (one scan).

    The robot checks many candidate file names per dependency; looking them up in a folder's
    listing instead of asking the file system for each keeps a 12,000-file repository linear.
    """

    MAX_FOLDERS = 200_000

    def __init__(self) -> None:
        self._names: dict[tuple[str, str], frozenset[str]] = {}
        self._files: dict[tuple[str, str], bool] = {}

    def names(self, root: TreePath, root_key: str, sub: str) -> frozenset[str]:
        key = (root_key, sub)
        got = self._names.get(key)
        if got is None:
            parent, _, leaf = sub.rpartition("/")
            if sub and leaf not in self.names(root, root_key, parent):
                got = frozenset()  # no such folder: known from the parent's listing, no file system call
            else:
                folder = root
                for part in sub.split("/") if sub else ():
                    folder = folder / part
                try:
                    got = frozenset(c.name for c in folder.iterdir()) if folder.is_dir() else frozenset()
                except InputError:
                    got = frozenset()
            if len(self._names) >= self.MAX_FOLDERS:
                self._names.clear()
                self._files.clear()
            self._names[key] = got
        return got

    @staticmethod
    def path(root: TreePath, sub: str, leaf: str) -> TreePath:
        p = root
        for part in (*sub.split("/"), leaf) if sub else (leaf,):
            p = p / part
        return p

    def is_file(self, root: TreePath, root_key: str, sub: str, leaf: str) -> bool:
        """Whether a listed name is a regular file inside the tree (a link out of it is not)."""
        key = (root_key, f"{sub}/{leaf}")
        got = self._files.get(key)
        if got is None:
            got = self.path(root, sub, leaf).is_file()
            self._files[key] = got
        return got


class _Robot:
    """EasyBuild's robot search (``create_paths``) inside the scanned tree, by file existence only."""

    def __init__(self, path: TreePath, name: str, fullver: str, listings: _Listings) -> None:
        self.listings = listings
        depth = len(path.rel.parts) - 1  # folders between the scanned root and the file
        folder = path.parent
        roots = [folder]
        self.installed: TreePath | None = None
        if depth >= 1 and folder.name == name:
            up = folder.parent
            roots.append(up)
            if depth >= 2 and up.name == letter_dir(name):
                roots.append(up.parent)
        probe, d = folder, depth
        if probe.name == "reprod" and d >= 1:
            probe, d = probe.parent, d - 1
        if d >= 3 and probe.name == "easybuild" and probe.parent.name == fullver and probe.parent.parent.name == name:
            self.installed = probe.parent.parent.parent
            roots.append(self.installed)
        self.roots: list[tuple[TreePath, str]] = []
        for r in roots:
            key = r.display()
            if all(key != k for _, k in self.roots):
                self.roots.append((r, key))
        self.installed_key = self.installed.display() if self.installed is not None else ""

    def find(self, name: str, fullver: str) -> TreePath | None:
        """The easyconfig of ``name`` at full version ``fullver``, if the scanned tree has it."""
        hit = self.find_first(name, (fullver,))
        return None if hit is None else self.listings.path(*hit[1])

    def find_first(self, name: str, fullvers: tuple[str, ...]) -> tuple[int, tuple[TreePath, str, str]] | None:
        """The index of the first of ``fullvers`` whose easyconfig exists, and where (root, folder, file)."""
        names = self.listings.names
        letter = f"{letter_dir(name)}/{name}"
        places = []
        for root, key in self.roots:
            places.append((root, key, name, names(root, key, name)))
            places.append((root, key, letter, names(root, key, letter)))
            places.append((root, key, "", names(root, key, "")))
        for i, fullver in enumerate(fullvers):
            file = f"{name}-{fullver}.eb"
            for root, key, sub, listing in places:
                for leaf in (f"{fullver}.eb", file) if sub == name else (file,):
                    if leaf in listing and self.listings.is_file(root, key, sub, leaf):
                        return i, (root, sub, leaf)
            if (
                self.installed is not None
                and fullver in names(self.installed, self.installed_key, name)
                and file in names(self.installed, self.installed_key, f"{name}/{fullver}/easybuild")
                and self.listings.is_file(self.installed, self.installed_key, f"{name}/{fullver}/easybuild", file)
            ):
                return i, (self.installed, f"{name}/{fullver}/easybuild", file)
        return None


# -- reading an easyconfig ----------------------------------------------------------------------------
#: Parameters without which no component (or no correct edge) can be made.
REQUIRED = ("name", "version", "toolchain")
NEEDED = ("versionsuffix", "versionprefix", "dependencies", "builddependencies", "hiddendependencies")

#: The architectures EasyBuild knows (``KNOWN_ARCH_CONSTANTS``), for ``%(arch)s`` in a dependency.
ARCHITECTURES = ("aarch64", "ppc64le", "riscv64", "x86_64")
_UNRESOLVED = re.compile(r"(?<!%)%\(\w+\)s")

_BUILT_WITH = re.compile(r"#\s*Built with EasyBuild version (\S+)", re.IGNORECASE)


@dataclass(slots=True)
class _Dep:
    name: str
    version: str
    versionsuffix: str
    toolchain: Toolchain | None  # None: inherited
    line: int
    parameter: str
    condition: str = ""
    external: bool = False
    properties: list[tuple[str, str]] = field(default_factory=list)


def _text(v: object) -> str:
    return " ".join(v.split()) if isinstance(v, str) else ""


class _Easyconfig:
    """The evaluated parameters of one easyconfig, checked, with templates resolved."""

    def __init__(self, ns: Namespace, display: str) -> None:
        self.ns = ns
        self.display = display
        values = ns.values
        for key in (*REQUIRED, *NEEDED):
            v = values.get(key)
            if isinstance(v, Unknown):
                raise InputError(display, f"cannot evaluate '{key}' safely: {v.describe()}")
        for key in REQUIRED:
            if key not in values:
                raise InputError(display, f"has no '{key}' assignment; is this an easyconfig?")
        self.name = self._string("name")
        self.raw_version = self._string("version")
        self.toolchain, self.toolchain_declared = self._toolchain(values["toolchain"], "toolchain")
        self.raw_suffix = self._string("versionsuffix", default="")
        self.raw_prefix = self._string("versionprefix", default="")
        dep_versions = [
            (d[0], d[1])
            for key in ("dependencies", "builddependencies")
            for d in _flatten(_listed(values.get(key)))
            if isinstance(d, list | tuple) and len(d) >= 2 and isinstance(d[0], str) and isinstance(d[1], str)
        ]
        self.tv = template_values(
            self.name,
            self.raw_version,
            (self.toolchain.name, self.toolchain.version),
            versionsuffix=self.raw_suffix,
            versionprefix=self.raw_prefix,
            dependency_versions=dep_versions,
            extra={
                k: str(values[k]) for k in ("github_account", "bitbucket_account") if isinstance(values.get(k), str)
            },
        )
        self.version = resolve(self.raw_version, self.tv)
        self.versionsuffix = self.tv["versionsuffix"]
        self.versionprefix = resolve(self.raw_prefix, self.tv)
        if "%(" in self.versionsuffix:
            raise InputError(display, f"versionsuffix {self.versionsuffix!r} uses a template that cannot be resolved")

    def _string(self, key: str, *, default: str | None = None) -> str:
        v = self.ns.values.get(key, default)
        if v is None and default is not None:
            return default
        if not isinstance(v, str) or (key == "name" and not v.strip()) or "\n" in v:
            raise InputError(self.display, f"'{key}' is not a one-line string (line {self.ns.lines.get(key, 0)})")
        return v

    def _toolchain(self, spec: object, where: str) -> tuple[Toolchain, str]:
        match spec:
            case {"name": str(name), "version": str(version)}:
                if name in ("system", "dummy"):
                    return SYSTEM_TOOLCHAIN, name if name == "dummy" else ""
                return Toolchain(name, version), ""
            case (str(name), str(version)) | [str(name), str(version)]:
                if name in ("system", "dummy"):
                    return SYSTEM_TOOLCHAIN, name if name == "dummy" else ""
                return Toolchain(name, version), ""
            case True:
                return SYSTEM_TOOLCHAIN, ""
        raise InputError(self.display, f"'{where}' is not a toolchain (name and version): {_short(spec)}")

    def r(self, value: str) -> str:
        return resolve(value, self.tv)

    # -- dependencies --------------------------------------------------------------------------------
    def dependencies(self) -> Iterator[_Dep]:
        for key in ("dependencies", "builddependencies", "hiddendependencies"):
            raw = self.ns.values.get(key)
            if raw is None:
                continue
            if isinstance(raw, set | frozenset):  # EasyBuild iterates a set as well; sorted here for stable output
                raw = sorted(raw, key=repr)
            if not isinstance(raw, list | tuple):
                raise InputError(self.display, f"'{key}' is not a list (line {self.ns.lines.get(key, 0)})")
            for entry in _flatten(raw):
                yield from self._dep(entry, key)
        multi = self.ns.values.get("multi_deps")
        if isinstance(multi, dict):
            for dep_name, versions in multi.items():
                if isinstance(dep_name, str) and isinstance(versions, list | tuple):
                    for v in versions:
                        if isinstance(v, str):
                            yield _Dep(dep_name, self.r(v), "", None, self.ns.lines.get("multi_deps", 0),
                                       "multi_deps", properties=[("easybuild:multi-deps", "true")])  # fmt: skip

    def _dep(self, entry: object, key: str) -> Iterator[_Dep]:
        line = line_of(entry) or self.ns.lines.get(key, 0)
        cond = condition_of(self.ns, key, entry)
        where = f"'{key}' entry at line {line}"
        if isinstance(entry, Unknown):
            raise InputError(self.display, f"cannot evaluate {where} safely: {entry.describe()}")
        spec: dict[str, object]
        match entry:
            case (str(modname), "EXTERNAL_MODULE") | [str(modname), "EXTERNAL_MODULE"]:
                mod_name, _, mod_version = modname.partition("/")
                yield _Dep(mod_name, mod_version, "", None, line, key, cond, external=True,
                           properties=[("easybuild:module", modname)])  # fmt: skip
                return
            case tuple() | list():
                if len(entry) < 2:
                    raise InputError(self.display, f"{where} has no version: {_short(entry)}")
                spec = dict(zip(("name", "version", "versionsuffix", "toolchain"), entry, strict=False))
            case dict():
                spec = {str(k): v for k, v in entry.items()}
            case _:
                raise InputError(self.display, f"{where} is not a tuple: {_short(entry)}")
        for v in spec.values():
            if isinstance(v, Unknown):
                raise InputError(self.display, f"cannot evaluate {where} safely: {v.describe()}")
        name = spec.get("name")
        suffix = spec.get("versionsuffix") or ""
        if not isinstance(name, str) or not name or not isinstance(suffix, str):
            raise InputError(self.display, f"{where} has no name or a bad versionsuffix: {_short(entry)}")
        tc_spec = spec.get("toolchain")
        tc = None if tc_spec is None else self._toolchain(tc_spec, f"{key}' entry '{name}")[0]
        version = spec.get("version")
        choices: list[tuple[str, str]]
        if isinstance(version, str):
            choices = [(version, "")]
        elif isinstance(version, dict):  # per-architecture versions: {'arch=x86_64': '1.0', 'arch=aarch64': False}
            choices = [(v, str(k)) for k, v in version.items() if isinstance(v, str)]
        else:
            raise InputError(self.display, f"{where} has no version string: {_short(entry)}")
        for v, arch in choices:
            c = " and ".join(x for x in (cond, arch) if x)
            dep = (self.r(name), self.r(v), self.r(suffix))
            if any("%(arch)s" in x for x in dep):  # the build host's architecture: one edge per architecture
                for host in ARCHITECTURES:
                    ca = " and ".join(x for x in (c, f"arch={host}") if x)
                    n, ver, suf = (x.replace("%(arch)s", host) for x in dep)
                    yield _Dep(n, ver, suf, tc, line, key, ca)
                continue
            if any(_UNRESOLVED.search(x) for x in dep):
                raise InputError(self.display, f"{where} uses a template that cannot be resolved: {_short(dep)}")
            yield _Dep(*dep, tc, line, key, c)

    def os_dependencies(self) -> Iterator[tuple[tuple[str, ...], int, str]]:
        raw = self.ns.values.get("osdependencies")
        if not isinstance(raw, list | tuple):
            return
        for entry in raw:
            line = line_of(entry) or self.ns.lines.get("osdependencies", 0)
            alts = (entry,) if isinstance(entry, str) else entry
            if isinstance(alts, tuple | list) and alts and all(isinstance(a, str) and a for a in alts):
                yield tuple(str(a) for a in alts), line, condition_of(self.ns, "osdependencies", entry)


def _listed(raw: object) -> object:
    return sorted(raw, key=repr) if isinstance(raw, set | frozenset) else raw or []


def _flatten(raw: object) -> Iterator[object]:
    """Dependency entries, flattening EasyBuild's iterated lists of lists."""
    if not isinstance(raw, list | tuple):
        return
    for entry in raw:
        if isinstance(entry, list) and entry and all(isinstance(x, list | tuple) for x in entry):
            yield from entry
        else:
            yield entry


def _short(v: object) -> str:
    text = repr(v)
    return text if len(text) <= 80 else text[:77] + "..."


#: Extension classes and the purl type of what they install.
_EXT_PURL_TYPES = (("python", "pypi"), ("cargopython", "pypi"), ("rpackage", "cran"), ("perlmodule", "cpan"),
                   ("rubygem", "gem"))  # fmt: skip
_EXT_DEFAULTS = {"PythonBundle": "PythonPackage", "CargoPythonBundle": "PythonPackage", "EB_Python": "PythonPackage",
                 "EB_R": "RPackage", "EB_Perl": "PerlModule", "EB_Ruby": "RubyGem"}  # fmt: skip
_NAME_DEFAULTS = {"Python": "PythonPackage", "R": "RPackage", "Perl": "PerlModule", "Ruby": "RubyGem"}


@functools.lru_cache(maxsize=65536)
def _ext_purl(name: str, version: str, cls: str) -> str:
    from packageurl import PackageURL

    low = cls.lower()
    ptype = next((t for key, t in _EXT_PURL_TYPES if low.startswith(key) or low == f"eb_{key}"), "generic")
    purl: str = PackageURL(type=ptype, name=name, version=version or None).to_string()
    return purl


# -- the collectors -----------------------------------------------------------------------------------
class _Builder:
    """Components and edges of one input, deduplicated in order."""

    def __init__(self, display: str, collector: str) -> None:
        self.display = display
        self.collector = collector
        self.components: dict[str, Component] = {}
        self.edges: dict[tuple[str, str, str], Edge] = {}

    def ev(self, line: int) -> tuple[Evidence, ...]:
        return (Evidence(path=self.display, collector=self.collector, line=line),)

    def add(self, c: Component) -> None:
        self.components.setdefault(c.id, c)

    def edge(
        self, source: str, target: str, relation: Relation, scopes: tuple[str, ...], line: int,
        props: Iterable[tuple[str, str]] = (),
    ) -> None:  # fmt: skip
        e = Edge(source=source, target=target, relation=relation, scopes=scopes, properties=tuple(props),
                 evidence=self.ev(line))  # fmt: skip
        old = self.edges.get(e.key)
        if old is not None:
            e = Edge(source=source, target=target, relation=relation,
                     scopes=tuple(sorted(set(old.scopes) | set(e.scopes))),
                     properties=tuple(sorted(set(old.properties) | set(e.properties))),
                     evidence=tuple(sorted(set(old.evidence) | set(e.evidence))))  # fmt: skip
        self.edges[e.key] = e

    def inventory(self) -> Inventory:
        return Inventory(components=tuple(self.components.values()), edges=tuple(self.edges.values()))


class EasyconfigCollector(Collector):
    name = "easybuild-easyconfig"
    description = "EasyBuild easyconfigs (*.eb), read by a restricted evaluator, never executed"

    def __init__(self) -> None:
        self._listings = _Listings()

    def detect(self, path: TreePath) -> bool:
        return path.suffix == ".eb"

    def collect(self, path: TreePath) -> Inventory:
        display = path.display()
        text = path.read_text(limit=MAX_EASYCONFIG_BYTES)
        try:
            ns = evaluate(text)
        except SyntaxError as err:
            where = f"line {err.lineno}: " if err.lineno else ""
            raise InputError(display, f"is not valid Python ({where}{err.msg}); not an easyconfig") from err
        except ValueError as err:
            raise InputError(display, f"is not Python source: {' '.join(str(err).split())}") from err
        except (RecursionError, MemoryError) as err:
            raise InputError(display, "is nested too deeply to read") from err
        ec = _Easyconfig(ns, display)
        b = _Builder(display, self.name)
        fullver = full_version(ec.version, ec.toolchain, ec.versionsuffix, ec.versionprefix)
        module = f"{ec.name}/{fullver}"
        cid = easybuild_purl(ec.name, ec.version, ec.toolchain, ec.versionsuffix, ec.versionprefix)
        robot = _Robot(path, ec.name, fullver, self._listings)
        b.add(self._component(ec, cid, module, b, text))
        if not ec.toolchain.is_system:
            tc = ec.toolchain
            b.edge(
                cid,
                toolchain_purl(tc),
                Relation.BUILT_WITH,
                ("build",),
                ns.lines.get("toolchain", 0),
                (("easybuild:module", f"{tc.name}/{tc.version}"),),
            )
        hierarchy: tuple[Toolchain, ...] | None = None
        for dep in ec.dependencies():
            if dep.toolchain is None and not dep.external and not ec.toolchain.is_system and hierarchy is None:
                hierarchy = toolchain_hierarchy(ec.toolchain, self._deriver(robot))
            self._dependency(b, cid, ec, dep, robot, hierarchy or (ec.toolchain,))
        for alts, line, cond in ec.os_dependencies():
            target = component_id(Layer.SOFTWARE, "os-package", alts[0])
            props = [("easybuild:os-alternatives", "|".join(alts))] if len(alts) > 1 else []
            if cond:
                props.append(("easybuild:condition", cond))
            b.edge(cid, target, Relation.DEPENDS_ON, ("build", "run"), line, props)
        self._extensions(b, cid, module, ec)
        return b.inventory()

    def _component(self, ec: _Easyconfig, cid: str, module: str, b: _Builder, text: str) -> Component:
        from sovaudit.licenses import normalise

        v = ec.ns.values
        props: list[tuple[str, str]] = [("easybuild:module", module), ("easybuild:toolchain", ec.toolchain.label())]
        if ec.versionsuffix:
            props.append(("easybuild:versionsuffix", ec.versionsuffix))
        if ec.versionprefix:
            props.append(("easybuild:versionprefix", ec.versionprefix))
        if ec.toolchain_declared:
            props.append(("easybuild:toolchain-declared", ec.toolchain_declared))
        for key, prop in (("easyblock", "easybuild:easyblock"), ("moduleclass", "easybuild:moduleclass"),
                          ("homepage", "easybuild:homepage"), ("license_file", "easybuild:license-file")):  # fmt: skip
            if isinstance(v.get(key), str) and v[key]:
                props.append((prop, ec.r(str(v[key]))))
        urls = v.get("software_license_urls")
        for url in urls if isinstance(urls, list | tuple) else ():
            if isinstance(url, str):
                props.append(("easybuild:license-url", ec.r(url)))
        m = _BUILT_WITH.match(text)
        if m:
            props.append(("easybuild:built-with-version", m.group(1)))
        for key, unknown in ec.ns.unknown():
            props.append(("easybuild:unevaluated", f"{key}: {unknown.describe()}"))
        for line, reason in ec.ns.skipped:
            props.append(("easybuild:unevaluated", f"statement at line {line}: {reason}"))
        spdx, declared = "", ""
        lic = v.get("software_license")
        if isinstance(lic, str) and lic:
            spdx, declared = normalise(lic.removeprefix("License"))
        description = v.get("description")
        return Component(
            id=cid,
            layer=Layer.SOFTWARE,
            kind=kind_of(ec.name),
            name=ec.name,
            version=ec.version,
            purl=cid,
            licenses=spdx,
            license_declared=declared,
            description=ec.r(description).strip() if isinstance(description, str) else "",
            properties=tuple(props),
            evidence=b.ev(ec.ns.lines.get("name", 0)),
        )

    def _deriver(self, robot: _Robot) -> Deriver:
        def derive(tc: Toolchain) -> list[tuple[str, str]] | None:
            found = robot.find(tc.name, tc.version)
            if found is None:
                return None
            try:
                ns = evaluate(found.read_text(limit=MAX_EASYCONFIG_BYTES))
            except (InputError, SyntaxError, ValueError, RecursionError, MemoryError):
                return None
            cands: list[tuple[str, str]] = []
            for entry in _flatten(ns.values.get("dependencies") or []):
                if isinstance(entry, tuple | list) and len(entry) >= 2:
                    name, version = entry[0], entry[1]
                    suffix = entry[2] if len(entry) > 2 and isinstance(entry[2], str) else ""
                    if isinstance(name, str) and isinstance(version, str):
                        cands.append((name, version + suffix))
                    if len(entry) > 3 and isinstance(entry[3], tuple | list) and len(entry[3]) == 2:
                        cands.append((str(entry[3][0]), str(entry[3][1])))
            return cands

        return derive

    def _dependency(
        self, b: _Builder, cid: str, ec: _Easyconfig, dep: _Dep, robot: _Robot, hierarchy: tuple[Toolchain, ...]
    ) -> None:
        scopes = ("build",) if dep.parameter == "builddependencies" else ("build", "run")
        props = list(dep.properties)
        if dep.parameter == "hiddendependencies":
            props.append(("easybuild:hidden", "true"))
        if dep.condition:
            props.append(("easybuild:condition", dep.condition))
        if dep.external:
            target = component_id(Layer.SOFTWARE, "module", dep.name, dep.version)
            props.append(("easybuild:external-module", "true"))
            b.edge(cid, target, Relation.DEPENDS_ON, scopes, dep.line, props)
            return
        if dep.toolchain is not None:
            tc = dep.toolchain
            props.append(("easybuild:resolution", "explicit"))
        elif ec.toolchain.is_system:
            tc = ec.toolchain
            props.append(("easybuild:resolution", "inherited"))
        else:
            hit = robot.find_first(dep.name, tuple(full_version(dep.version, t, dep.versionsuffix) for t in hierarchy))
            found = None if hit is None else hierarchy[hit[0]]
            if found is None:
                tc = ec.toolchain
                props.append(("easybuild:resolution", "inherited"))
                props.append(("easybuild:search-order", " ".join(t.label() for t in hierarchy)))
            else:
                tc = found
                props.append(("easybuild:resolution", "found"))
        target = easybuild_purl(dep.name, dep.version, tc, dep.versionsuffix)
        props.append(("easybuild:module", f"{dep.name}/{full_version(dep.version, tc, dep.versionsuffix)}"))
        b.edge(cid, target, Relation.DEPENDS_ON, scopes, dep.line, props)

    def _extensions(self, b: _Builder, cid: str, module: str, ec: _Easyconfig) -> None:
        v = ec.ns.values
        easyblock = v.get("easyblock")
        default_cls = v.get("exts_defaultclass")
        if not isinstance(default_cls, str):
            default_cls = _EXT_DEFAULTS.get(easyblock, "") if isinstance(easyblock, str) else ""
            default_cls = default_cls or (_NAME_DEFAULTS.get(ec.name, "") if easyblock is None else "")
        for key, prop, default in (("exts_list", "easybuild:extension-of", default_cls),
                                   ("components", "easybuild:component-of", "")):  # fmt: skip
            raw = v.get(key)
            if not isinstance(raw, list | tuple):
                continue
            for entry in raw:
                line = line_of(entry) or ec.ns.lines.get(key, 0)
                opts: object = {}
                match entry:
                    case str(name):
                        version = ""
                    case (str(name),):
                        version = ""
                    case (str(name), str(version)):
                        pass
                    case (str(name), str(version), dict() as opts):
                        pass
                    case _:
                        continue
                cls = opts.get("easyblock") if isinstance(opts, dict) else None
                cls = cls if isinstance(cls, str) else default
                name, version = ec.r(name), ec.r(version)
                if "%(" in name or "%(" in version:
                    continue
                ext_id = _ext_purl(name, version, cls)
                props = [(prop, module)]
                if cls:
                    props.append(("easybuild:extension-class", cls))
                b.add(Component(id=ext_id, layer=Layer.SOFTWARE, kind="package", name=name, version=version,
                                purl=ext_id, properties=tuple(props), evidence=b.ev(line)))  # fmt: skip
                b.edge(cid, ext_id, Relation.CONTAINS, (), line)


# -- module files ---------------------------------------------------------------------------------------
_MARKER = re.compile(rb"setenv\s*\(?\s*[\"']?EB(?:ROOT|VERSION)[A-Z0-9]|[Bb]uilt with EasyBuild")
_TRAILER = re.compile(r"^\s*(?:--|#)\s*built with easybuild version (\S+)", re.IGNORECASE | re.MULTILINE)
_HMNS_LEVELS = ("Core", "Compiler", "MPI")


@dataclass(slots=True)
class _ModuleFacts:
    loads: list[tuple[str, int, str]] = field(default_factory=list)  # (module, line, call)
    setenv: dict[str, tuple[str, int]] = field(default_factory=dict)
    whatis: list[str] = field(default_factory=list)
    root: str = ""
    modulepath: list[str] = field(default_factory=list)


def _lua_facts(text: str, display: str) -> _ModuleFacts:
    from sovaudit.collectors.lua_table import tokens

    facts = _ModuleFacts()
    toks = list(tokens(text, display))
    for i, t in enumerate(toks[:-2]):
        if t.kind == "name" and toks[i + 1].value == "(" and toks[i + 1].kind == "op":
            args: list[Token] = []
            j = i + 2
            while j < len(toks) and toks[j].kind in ("string", "name") and len(args) < 8:
                args.append(toks[j])
                if j + 1 < len(toks) and toks[j + 1].kind == "op" and toks[j + 1].value == ",":
                    j += 2
                else:
                    break
            strings = [a.value if a.kind == "string" else f"${a.value}" for a in args]
            if not strings:
                continue
            if t.value in ("load", "depends_on", "always_load", "try_load", "prereq"):
                facts.loads.extend((s, t.line, t.value) for s, a in zip(strings, args, strict=True)
                                   if a.kind == "string")  # fmt: skip
            elif t.value == "setenv" and len(strings) >= 2:
                facts.setenv[strings[0]] = (strings[1], t.line)
            elif t.value == "whatis":
                facts.whatis.append(strings[0])
            elif t.value in ("prepend_path", "append_path") and strings[0] == "MODULEPATH" and len(strings) > 1:
                facts.modulepath.append(strings[1])
        elif (
            t.kind == "name"
            and t.value == "local"
            and toks[i + 1].value == "root"
            and toks[i + 2].value == "="
            and i + 3 < len(toks)
            and toks[i + 3].kind == "string"
        ):
            facts.root = toks[i + 3].value
    return facts


def _tcl_words(line: str) -> list[str]:
    """Words of one Tcl command line: quotes and braces group, nothing is substituted."""
    words, i, n = [], 0, len(line)
    while i < n:
        while i < n and line[i] in " \t":
            i += 1
        if i >= n:
            break
        if line[i] == "{":
            depth, j = 0, i
            while j < n:
                depth += {"{": 1, "}": -1}.get(line[j], 0)
                j += 1
                if depth == 0:
                    break
            words.append(line[i + 1 : j - 1])
            i = j
        elif line[i] == '"':
            j = line.find('"', i + 1)
            j = n if j < 0 else j
            words.append(line[i + 1 : j])
            i = j + 1
        else:
            j = i
            while j < n and line[j] not in " \t":
                j += 1
            words.append(line[i:j])
            i = j
    return words


def _tcl_facts(text: str) -> _ModuleFacts:
    facts = _ModuleFacts()
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        raw = lines[i]
        lineno = i + 1
        stripped = raw.strip()
        # a command whose braces span lines (proc ModulesHelp, module-whatis, if blocks) is joined
        depth = stripped.count("{") - stripped.count("}")
        block = stripped
        if stripped.startswith(("proc ", "module-whatis")):
            while depth > 0 and i + 1 < len(lines):
                i += 1
                block += "\n" + lines[i]
                depth += lines[i].count("{") - lines[i].count("}")
        i += 1
        if not stripped or stripped.startswith("#") or stripped.startswith("proc "):
            continue
        if block.startswith("module-whatis"):
            words = _tcl_words(block[len("module-whatis") :].strip().replace("\n", " "))
            if words:
                facts.whatis.append(" ".join(words))
            continue
        words = _tcl_words(stripped)
        if len(words) >= 3 and words[0] == "module" and words[1] in ("load", "try-load"):
            facts.loads.extend((w, lineno, "module load") for w in words[2:] if not w.startswith("-"))
        elif len(words) >= 2 and words[0] in ("depends-on", "prereq", "always-load"):
            facts.loads.extend((w, lineno, words[0]) for w in words[1:] if not w.startswith("-"))
        elif len(words) >= 3 and words[0] == "setenv":
            facts.setenv[words[1]] = (words[2], lineno)
        elif len(words) >= 3 and words[0] == "set" and words[1] == "root":
            facts.root = words[2]
        elif len(words) >= 3 and words[0] == "module" and words[1] == "use":
            facts.modulepath.extend(words[2:])
    return facts


def _whatis_fields(entries: list[str]) -> tuple[str, str, str]:
    """(description, homepage, extensions) from whatis lines (``Description: ...``, ``Homepage: ...``)."""
    desc = home = exts = ""
    for entry in entries:
        text = " ".join(entry.split())
        if text.startswith("Description:"):
            desc = text[len("Description:") :].strip()
        elif text.startswith(("Homepage:", "URL:")):
            home = home or text.split(":", 1)[1].strip()
        elif text.startswith("Extensions:"):
            exts = text[len("Extensions:") :].strip()
        elif not desc:
            desc = text
    if " - Homepage: " in desc:  # the old Tcl form: "<description> - Homepage: <url>"
        desc, _, h = desc.partition(" - Homepage: ")
        home = home or h.strip()
    return desc.strip(), home, exts


class EasyBuildModuleCollector(Collector):
    name = "easybuild-module"
    description = "module files generated by EasyBuild (Lua or Tcl, with $EBROOT*/$EBVERSION* markers), never run"

    def detect(self, path: TreePath) -> bool:
        if path.suffix != ".lua" and not path.read_head(8).startswith(b"#%Module"):
            return False
        return _MARKER.search(path.read_head(MODULE_SNIFF_BYTES)) is not None

    def collect(self, path: TreePath) -> Inventory:
        display = path.display()
        text = path.read_text(limit=MAX_MODULE_BYTES)
        syntax = "lua" if path.suffix == ".lua" else "tcl"
        facts = _lua_facts(text, display) if syntax == "lua" else _tcl_facts(text)
        ebroot = sorted(k[6:] for k in facts.setenv if k.startswith("EBROOT"))
        if not ebroot and not _TRAILER.search(text):
            raise InputError(display, "has no $EBROOT* setting or EasyBuild trailer; not an EasyBuild module file")
        parts = PurePosixPath(display).parts
        base = parts[-1].removesuffix(".lua") if syntax == "lua" else parts[-1]
        name_idx = len(parts) - 2
        if ebroot and (name_idx < 0 or mangle(parts[name_idx]) not in ebroot):
            # the file is not at <name>/<version>: look for the name further up, else use $EBROOT's
            name_idx = next((i for i in range(len(parts) - 2, -1, -1) if mangle(parts[i]) in ebroot), -1)
        name = parts[name_idx] if name_idx >= 0 else (ebroot[0] if ebroot else "")
        if not name:
            raise InputError(display, "cannot tell which software this module file is for")
        full = "/".join(parts[name_idx + 1 :]).removesuffix(".lua") if name_idx >= 0 else base
        eb_version = facts.setenv.get(f"EBVERSION{mangle(name)}", ("", 0))[0]
        hmns_level, hmns_path = self._hierarchy(parts[: max(name_idx, 0)])
        hierarchy = ""
        tc: Toolchain | None
        if hmns_level:
            version, suffix = (eb_version, full[len(eb_version) :]) if eb_version and full.startswith(eb_version) \
                else (full, "")  # fmt: skip
            tc = self._hmns_toolchain(hmns_path)
            if tc is None:
                hierarchy = "/".join(hmns_path)
        else:
            version, tc, suffix = split_full_version(full, eb_version)
        cid = easybuild_purl(name, version, tc, suffix, hierarchy=hierarchy)
        desc, home, exts = _whatis_fields(facts.whatis)
        props: list[tuple[str, str]] = [("easybuild:module", f"{name}/{full}"), ("easybuild:module-syntax", syntax)]
        if tc is not None:
            props.append(("easybuild:toolchain", tc.label()))
        if suffix:
            props.append(("easybuild:versionsuffix", suffix))
        if hierarchy or hmns_level:
            props.append(("easybuild:hierarchy", "/".join(hmns_path)))
        if home:
            props.append(("easybuild:homepage", home))
        m = _TRAILER.search(text)
        if m:
            props.append(("easybuild:built-with-version", m.group(1)))
        if facts.root:
            props.append(("easybuild:installdir", facts.root))
        ext_list = facts.setenv.get(f"EBEXTSLIST{mangle(name)}", ("", 0))[0] or exts.replace(", ", ",")
        if ext_list:
            props.append(("easybuild:extensions", ext_list))
        for path_ in facts.modulepath:
            props.append(("easybuild:modulepath", path_))
        b = _Builder(display, self.name)
        line = facts.setenv.get(f"EBROOT{mangle(name)}", ("", 1))[1]
        b.add(Component(id=cid, layer=Layer.SOFTWARE, kind=kind_of(name), name=name, version=version, purl=cid,
                        description=desc, properties=tuple(props), evidence=b.ev(line)))  # fmt: skip
        for module, mline, call in facts.loads:
            dep_name, dep_version, dep_tc, dep_suffix = module_identity(module)
            if hmns_level and dep_tc is not None and dep_tc.is_system:
                dep_tc = None  # a short name in a hierarchy: the toolchain is where the module sits, unknown here
            target = easybuild_purl(dep_name, dep_version, dep_tc, dep_suffix)
            b.edge(cid, target, Relation.DEPENDS_ON, ("run",), mline,
                   [("easybuild:module", module), ("easybuild:load", call)])  # fmt: skip
        return b.inventory()

    @staticmethod
    def _hierarchy(parts: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
        """The hierarchical naming scheme level above the module (``Compiler/GCC/12.3.0``), if any."""
        for i in range(len(parts) - 1, max(len(parts) - 7, -1), -1):
            level = parts[i]
            need = {"Core": 0, "Compiler": 2, "MPI": 4}.get(level)
            # directly above the module's name folder, or with one category folder between (CategorizedHMNS)
            if need is not None and i + need in (len(parts) - 1, len(parts) - 2):
                return level, parts[i : i + need + 1]
        return "", ()

    @staticmethod
    def _hmns_toolchain(path: tuple[str, ...]) -> Toolchain | None:
        if path[0] == "Core":
            return SYSTEM_TOOLCHAIN
        if path[0] == "Compiler":
            comp, ver = path[1], path[2]
            if comp == "intel":
                comp = "intel-compilers" if ver[:4].isdigit() and int(ver[:4]) >= 2021 else "iccifort"
            return Toolchain(comp, ver) if comp in TOOLCHAIN_NAMES else None
        return None


# -- easystacks -----------------------------------------------------------------------------------------
_EASYSTACK_HEAD = re.compile(rb"^easyconfigs\s*:", re.MULTILINE)


class EasystackCollector(Collector):
    name = "easybuild-easystack"
    description = "EasyBuild easystack files (easyconfigs: list), the software a site declares"

    def detect(self, path: TreePath) -> bool:
        return path.suffix in (".yml", ".yaml") and _EASYSTACK_HEAD.search(path.read_head(16384)) is not None

    def collect(self, path: TreePath) -> Inventory:
        import yaml

        display = path.display()
        text = path.read_text(limit=MAX_EASYSTACK_BYTES)
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            # compose, not load: nodes with line numbers, and aliases are never expanded
            root = yaml.compose(text, Loader=loader)
        except yaml.MarkedYAMLError as err:
            where = f" (line {err.problem_mark.line + 1})" if err.problem_mark else ""
            raise InputError(display, f"is not valid YAML: {err.problem or err.context}{where}") from err
        except yaml.YAMLError as err:
            raise InputError(display, f"is not valid YAML: {' '.join(str(err).split())}") from err
        except RecursionError as err:
            raise InputError(display, "is nested too deeply to read") from err
        if not isinstance(root, yaml.MappingNode):
            raise InputError(display, "is not a YAML mapping; not an easystack")
        keys = {k.value: v for k, v in root.value if isinstance(k, yaml.ScalarNode)}
        if "easyconfigs" not in keys:
            hint = " (the pre-4.7 'software:' format is not supported by EasyBuild 5)" if "software" in keys else ""
            raise InputError(display, f"has no 'easyconfigs' list{hint}")
        seq = keys["easyconfigs"]
        if isinstance(seq, yaml.ScalarNode) and seq.value in ("", "~", "null"):
            if "software" in keys:
                raise InputError(display, "has an empty 'easyconfigs' list and a pre-4.7 'software:' tree")
            return Inventory()
        if not isinstance(seq, yaml.SequenceNode):
            raise InputError(display, f"'easyconfigs' is not a list (line {seq.start_mark.line + 1})")
        if len(seq.value) > MAX_EASYSTACK_ENTRIES:
            raise InputError(display, f"has over {MAX_EASYSTACK_ENTRIES:,} entries")
        b = _Builder(display, self.name)
        for item in seq.value:
            line = item.start_mark.line + 1
            options: list[tuple[str, str]] = []
            if isinstance(item, yaml.ScalarNode):
                filename = item.value
            elif (
                isinstance(item, yaml.MappingNode)
                and len(item.value) == 1
                and isinstance(item.value[0][0], yaml.ScalarNode)
            ):
                filename = item.value[0][0].value
                options = self._options(item.value[0][1])
            else:
                raise InputError(display, f"easyconfigs entry at line {line} is not a file name or a one-key mapping")
            filename = filename.strip()
            if not filename or "/" in filename or "\n" in filename:
                raise InputError(display, f"easyconfigs entry at line {line} is not an easyconfig file name")
            name, version, tc, suffix = split_easyconfig_name(filename)
            cid = easybuild_purl(name, version, tc, suffix)
            props = [
                ("easybuild:easystack", "true"),
                ("easybuild:easyconfig", filename if filename.endswith(".eb") else f"{filename}.eb"),
                ("easybuild:module", f"{name}/{full_version(version, tc, suffix)}"),
                ("easybuild:toolchain", tc.label()),
                *options,
            ]
            if suffix:
                props.append(("easybuild:versionsuffix", suffix))
            b.add(Component(id=cid, layer=Layer.SOFTWARE, kind=kind_of(name), name=name, version=version, purl=cid,
                            properties=tuple(props), evidence=b.ev(line)))  # fmt: skip
        return b.inventory()

    @staticmethod
    def _options(node: object) -> list[tuple[str, str]]:
        import yaml

        if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
            return []
        if not isinstance(node, yaml.MappingNode):
            return []
        out = []
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == "options" and isinstance(v, yaml.MappingNode):
                for ok, ov in v.value:
                    if isinstance(ok, yaml.ScalarNode) and isinstance(ov, yaml.ScalarNode):
                        out.append((f"easybuild:easystack-option:{ok.value}", ov.value))
                    elif isinstance(ok, yaml.ScalarNode) and isinstance(ov, yaml.SequenceNode):
                        vals = [x.value for x in ov.value[:100] if isinstance(x, yaml.ScalarNode)]
                        out.append((f"easybuild:easystack-option:{ok.value}", ",".join(vals)))
        return out
