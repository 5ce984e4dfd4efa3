"""The collector port: ``detect`` an input, ``collect`` it into an Inventory.

A collector never prints, never touches the network, never runs what it reads and reads only
through :class:`~sovaudit.fs.TreePath`. Anything wrong with its input is raised as
:class:`~sovaudit.errors.InputError` naming the file; a collector that reads a whole folder (a
site-packages, say) records a bad member as a failed :class:`~sovaudit.model.InputRecord` in the
inventory it returns and goes on with the rest.

The built-ins are a literal table (:data:`BUILTIN_COLLECTORS`) that also says, by name, which
paths each one's ``detect`` may claim. A scan holds a :class:`DeferredCollector` per built-in and
imports a collector's module only when the walk meets a path of its kind: importing all 49 cost
more than reading a 300-distribution environment. ``tests/test_registry.py`` keeps the table
equal to the classes and checks on every sample that no ``detect`` claims a path its claims leave
out.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TypeVar, cast

from sovaudit.fs import TreePath
from sovaudit.model import Inventory
from sovaudit.registry import Registry


class Collector(ABC):
    """Base class of every collector (built-in or plugin).

    The attributes below are set once per class (a :class:`DeferredCollector` sets them per
    instance, from the table).
    """

    #: Registry key, the CLI spelling (``python-environment``, ``spack-lock`` ...).
    name: str
    #: One line for ``sovaudit collectors``.
    description: str = ""
    #: True when ``detect`` may claim folders; the walker then does not descend into a claimed one.
    claims_directories: bool = False
    #: True when ``detect`` may claim regular files.
    claims_files: bool = True

    @abstractmethod
    def detect(self, path: TreePath) -> bool:
        """Whether this collector reads ``path``. Cheap: a name test, at most a short read."""

    @abstractmethod
    def collect(self, path: TreePath) -> Inventory:
        """Read ``path``. Raise InputError (naming the file) if it cannot be read at all."""


#: A name pattern that matches every name (tested without a regular expression).
ANY = "*"


@dataclass(frozen=True, slots=True, kw_only=True)
class Builtin:
    """A built-in collector as the table knows it: where its class is, and what it may claim.

    The patterns are regular expressions matched (``re.fullmatch``) against a name; :data:`ANY`
    matches all. They may claim more than ``detect`` does, never less: the walker asks ``detect``
    only about paths they match.
    """

    #: ``"module:Class"``.
    target: str
    #: The class's ``description``.
    description: str
    #: A file's name, for ``detect`` to be asked about it; None: no file this way.
    files: str | None = None
    #: The name of the folder a file is in, for ``detect`` to be asked about that file.
    files_in: str | None = None
    #: A folder's name, for ``detect`` to be asked about it; None: claims no folder.
    folders: str | None = None
    #: Names of which a folder must hold at least one (besides matching ``folders``); empty: none needed.
    folders_with: tuple[str, ...] = ()

    @property
    def claims_files(self) -> bool:
        return self.files is not None or self.files_in is not None

    @property
    def claims_directories(self) -> bool:
        return self.folders is not None

    def may_claim(self, path: TreePath) -> bool:
        """Whether ``detect`` could claim ``path`` (a file or a folder), by names alone."""
        if self.files is None and self.files_in is None:
            return self._may_claim_folder(path)
        if self.folders is None or not path.is_dir():  # is_dir(): a stat the walker has made already
            return self._may_claim_file(path)
        return self._may_claim_folder(path)

    def _may_claim_file(self, path: TreePath) -> bool:
        if self.files is not None and _matches(self.files, path.name):
            return True
        return self.files_in is not None and _matches(self.files_in, path.parent.name)

    def _may_claim_folder(self, path: TreePath) -> bool:
        if self.folders is None or not _matches(self.folders, path.name):
            return False
        return not self.folders_with or any((path / n).exists() for n in self.folders_with)


@cache
def _pattern(pattern: str) -> re.Pattern[str]:
    """Compiled on first use: a scan of one environment needs a handful of the table's patterns."""
    return re.compile(pattern, re.DOTALL)


def _matches(pattern: str, name: str) -> bool:
    return pattern == ANY or _pattern(pattern).fullmatch(name) is not None


_JSON = r".*\.json"
_XML = r".*\.xml"
_YAML = r".*\.ya?ml"
_README = r"(?i).*readme\.md"

#: The built-in collectors, imported lazily by name. Plugins: entry-point group ``sovaudit.collectors``.
BUILTIN_COLLECTORS: dict[str, Builtin] = {
    "sovaudit-inventory": Builtin(
        target="sovaudit.collectors.inventory:InventoryCollector",
        description="an inventory JSON written by `sovaudit scan -o` (format sovaudit-inventory)",
        files=_JSON,
    ),
    "oci-image": Builtin(
        target="sovaudit.collectors.oci:OciImageCollector",
        description="OCI image layouts (folder or tar) and docker save archives: the image and what its layers hold",
        files=ANY,  # an archive is known by its content
        folders=ANY,
        folders_with=("oci-layout",),
    ),
    "dockerfile": Builtin(
        target="sovaudit.collectors.dockerfile:DockerfileCollector",
        description="Dockerfiles/Containerfiles: stages, base images and registries, packages RUN lines install",
        files=r"(?i).*(?:docker|container)file.*",
    ),
    "apptainer-definition": Builtin(
        target="sovaudit.collectors.apptainer:ApptainerDefinitionCollector",
        description="Apptainer/Singularity definition files: bootstrap sources, registries, %post installs",
        files=r"(?i).*(?:\.def|apptainer.*|singularity.*)",
    ),
    "sif-image": Builtin(
        target="sovaudit.collectors.apptainer:SifCollector",
        description=(
            "SIF images (Apptainer/Singularity): header, descriptors, definition and labels; squashfs not mounted"
        ),
        files=ANY,  # known by its magic bytes
    ),
    "cyclonedx-sbom": Builtin(
        target="sovaudit.collectors.cyclonedx_sbom:CycloneDxCollector",
        description="CycloneDX SBOM 1.2-1.7, JSON or XML (Syft, Trivy, cdxgen, sovaudit ...), by content",
        files=r"(?i).*\.(?:json|xml)",
    ),
    "spdx-sbom": Builtin(
        target="sovaudit.collectors.spdx_sbom:SpdxCollector",
        description="SPDX 2.2/2.3 SBOM, JSON or tag-value (Syft, Trivy, build tools ...), by content",
        files=r"(?i).*\.(?:json|spdx|tv|tag|txt)",
    ),
    "python-environment": Builtin(
        target="sovaudit.collectors.python_env:PythonEnvironmentCollector",
        description="installed Python distributions: a venv, a site-packages or dist-packages folder, *.dist-info",
        folders=ANY,
    ),
    "requirements-txt": Builtin(
        target="sovaudit.collectors.requirements:RequirementsCollector",
        description="pip requirements and constraints files (requirements*.txt, constraints*.txt, requirements/*.txt)",
        files=r"(?i).*\.txt",
    ),
    "poetry-lock": Builtin(
        target="sovaudit.collectors.poetry_lock:PoetryLockCollector",
        description="poetry.lock (lock-version 1.0, 1.1, 2.0, 2.1)",
        files=r"poetry\.lock",
    ),
    "uv-lock": Builtin(
        target="sovaudit.collectors.uv_lock:UvLockCollector",
        description="uv.lock (version 1)",
        files=r"uv\.lock",
    ),
    "pylock": Builtin(
        target="sovaudit.collectors.pylock:PylockCollector",
        description="pylock.toml and pylock.*.toml (PEP 751 lock files, lock-version 1.x)",
        files=r"pylock\.(?:.*\.)?toml",
    ),
    "conda-meta": Builtin(
        target="sovaudit.collectors.conda:CondaMetaCollector",
        description="an installed conda environment's conda-meta folder (one JSON record per package, history)",
        files=_JSON,
        folders=r"conda-meta",
    ),
    "conda-environment": Builtin(
        target="sovaudit.collectors.conda:EnvironmentYmlCollector",
        description="a conda environment.yml / environment.yaml (conda match specs and the pip: sublist)",
        files=r"(?i).*environment.*\.ya?ml",
    ),
    "conda-lock": Builtin(
        target="sovaudit.collectors.conda:CondaLockCollector",
        description="a conda-lock lock file (conda-lock.yml, *.conda-lock.yml): conda and pip packages per platform",
        files=r"(?i).*conda-lock.*\.ya?ml",
    ),
    "conda-list-json": Builtin(
        target="sovaudit.collectors.conda:CondaListCollector",
        description="the JSON output of `conda list --json` saved to a file",
        files=_JSON,
    ),
    "apk-installed": Builtin(
        target="sovaudit.collectors.apk:ApkCollector",
        description="Alpine package database lib/apk/db/installed",
        files=r".*installed.*",
    ),
    "dpkg-status": Builtin(
        target="sovaudit.collectors.dpkg:DpkgCollector",
        description="Debian/Ubuntu package database: var/lib/dpkg/status and distroless status.d/ files",
        files=r"(?i).*status.*",
        files_in=r"status\.d",
        folders=r"status\.d",
    ),
    "rpm-database": Builtin(
        target="sovaudit.collectors.rpm:RpmCollector",
        description="RPM package database rpmdb.sqlite (RHEL 9, Fedora, SUSE); Berkeley DB/NDB ones are refused",
        files=r"rpmdb\.sqlite|.*Packages.*",
    ),
    "easybuild-easyconfig": Builtin(
        target="sovaudit.collectors.easybuild:EasyconfigCollector",
        description="EasyBuild easyconfigs (*.eb), read by a restricted evaluator, never executed",
        files=r".*\.eb",
    ),
    "easybuild-easystack": Builtin(
        target="sovaudit.collectors.easybuild:EasystackCollector",
        description="EasyBuild easystack files (easyconfigs: list), the software a site declares",
        files=_YAML,
    ),
    "easybuild-module": Builtin(
        target="sovaudit.collectors.easybuild:EasyBuildModuleCollector",
        description="module files generated by EasyBuild (Lua or Tcl, with $EBROOT*/$EBVERSION* markers), never run",
        files=ANY,  # a Tcl modulefile is known by its first line
    ),
    "lmod-spider": Builtin(
        target="sovaudit.collectors.modules:LmodSpiderCollector",
        description="Lmod's spider cache (spiderT.lua, moduleT.lua, dbT.lua) or spider-json / jsonSoftwarePage output",
        files=r".*\.(?:lua|json)",
    ),
    "module-tree": Builtin(
        target="sovaudit.collectors.modules:ModuleTreeCollector",
        description="a folder of Lmod / Environment Modules modulefiles: a MODULEPATH entry or a hierarchy with Core/",
        folders=ANY,  # known by the modulefiles in its subfolders
    ),
    "modulefile": Builtin(
        target="sovaudit.collectors.modules:ModulefileCollector",
        description="one Lmod (.lua) or Environment Modules (#%Module) modulefile not generated by EasyBuild",
        files=ANY,  # a Tcl modulefile is known by its first line
    ),
    "cpuinfo": Builtin(
        target="sovaudit.collectors.cpu:CpuinfoCollector",
        description="/proc/cpuinfo (a capture or the live file with --host), or a macOS sysctl dump: CPU models",
        files=r".*cpuinfo",
    ),
    "lscpu-json": Builtin(
        target="sovaudit.collectors.cpu:LscpuCollector",
        description="`lscpu -J` output: the CPU model, vendor and flags",
        files=_JSON,
    ),
    "nvidia-smi-xml": Builtin(
        target="sovaudit.collectors.accelerators:NvidiaSmiCollector",
        description="`nvidia-smi -q -x` output: NVIDIA GPUs, architecture, driver, CUDA version, MIG mode",
        files=_XML,
    ),
    "rocm-smi-json": Builtin(
        target="sovaudit.collectors.accelerators:RocmSmiCollector",
        description="`rocm-smi --json` output (warnings before the JSON tolerated): AMD GPUs",
        files=r".*\.(?:json|txt|out)",
    ),
    "linux-sysfs": Builtin(
        target="sovaudit.collectors.accelerators:SysfsCollector",
        description="a Linux /sys tree (what `--host` reads): PCI accelerators and fabrics, NVIDIA's /proc files",
        folders=r"sys",
    ),
    "slurm-conf": Builtin(
        target="sovaudit.collectors.slurm:SlurmConfCollector",
        description="slurm.conf (with Include; a gres.conf beside it adds GPU suppliers): nodes, GPUs, partitions",
        files=r".*slurm\.conf.*",
    ),
    "gres-conf": Builtin(
        target="sovaudit.collectors.slurm:GresConfCollector",
        description="Slurm gres.conf: GPU types, device counts, AutoDetect (the GPU vendor)",
        files=r".*gres\.conf",
    ),
    "slurm-json": Builtin(
        target="sovaudit.collectors.slurm:SlurmJsonCollector",
        description="`sinfo --json` / `scontrol show nodes --json` (openapi v0.0.37 ... data_parser v0.0.44)",
        files=_JSON,
    ),
    "slurm-text": Builtin(
        target="sovaudit.collectors.slurm:SlurmTextCollector",
        description="saved text of `scontrol show partition|node` or `sinfo -o %all` (.txt/.out)",
        files=r".*\.(?:txt|out|log)",
    ),
    "operational-manifest": Builtin(
        target="sovaudit.collectors.operational:OperationalManifestCollector",
        description=(
            "sovaudit-operational.yaml / *.sovaudit.yaml: "
            "clouds, SaaS, contracts, storage, networks, skills, exit plans"
        ),
        files=_YAML,
    ),
    "terraform-plan": Builtin(
        target="sovaudit.collectors.terraform:TerraformPlanCollector",
        description="`terraform show -json` plan output: providers, cloud resources and their regions",
        files=_JSON,
    ),
    "kubernetes-manifest": Builtin(
        target="sovaudit.collectors.kubernetes:KubernetesManifestCollector",
        description="Kubernetes manifests (multi-document YAML, List): images, GPU requests, storage classes, clouds",
        files=_YAML,
    ),
    "hf-model": Builtin(
        target="sovaudit.collectors.modelcard:HfModelFolderCollector",
        description="a Hugging Face model folder, clone or Hub cache: card, config, adapter, weight headers, licence",
        folders=ANY,
        folders_with=("config.json", "adapter_config.json", "README.md", "snapshots"),
    ),
    "hf-model-card": Builtin(
        target="sovaudit.collectors.modelcard:HfModelCardCollector",
        description="a Hugging Face model card on its own (README.md front matter): licence, base models, datasets",
        files=_README,
    ),
    "safetensors": Builtin(
        target="sovaudit.collectors.weights:SafetensorsCollector",
        description="a safetensors weight file on its own: tensors, dtypes, parameter count (header only)",
        files=r".*\.safetensors",
    ),
    "gguf": Builtin(
        target="sovaudit.collectors.weights:GgufCollector",
        description=(
            "a GGUF model file: architecture, licence, quantisation, parameter count, base models (header only)"
        ),
        files=r".*\.gguf",
    ),
    "croissant": Builtin(
        target="sovaudit.collectors.croissant:CroissantCollector",
        description="an MLCommons Croissant dataset (JSON-LD 0.8/1.0/1.1): licence, files, checksums, storage hosts",
        files=r".*\.(?:json|jsonld)",
    ),
    "hf-dataset-card": Builtin(
        target="sovaudit.collectors.datacard:HfDatasetCardCollector",
        description="a Hugging Face dataset card (README.md front matter): licence, sources, sizes, data files",
        files=_README,
    ),
    "datacite-json": Builtin(
        target="sovaudit.collectors.datacard:DataCiteJsonCollector",
        description="DataCite metadata, JSON (kernel 4.x or the REST API): DOI, rights, relations",
        files=_JSON,
    ),
    "datacite-xml": Builtin(
        target="sovaudit.collectors.datacard:DataCiteXmlCollector",
        description="DataCite metadata, XML (kernel 4.x, read with defusedxml): DOI, rights, relations",
        files=_XML,
    ),
    "spack-environment": Builtin(
        target="sovaudit.collectors.spack:SpackEnvironmentCollector",
        description="a Spack environment manifest (spack.yaml): root specs, externals, compilers",
        files=_YAML,
    ),
    "spack-find": Builtin(
        target="sovaudit.collectors.spack:SpackFindCollector",
        description="the JSON output of `spack find --json` (a list of Spack specs)",
        files=_JSON,
    ),
    "spack-lock": Builtin(
        target="sovaudit.collectors.spack:SpackLockCollector",
        description="a Spack environment lockfile (spack.lock, lockfile versions 1-7)",
        files=r".*\.lock",
    ),
    "spack-spec": Builtin(
        target="sovaudit.collectors.spack:SpackSpecCollector",
        description="an installed Spack prefix's .spack/spec.json or spec.yaml, or a build-cache spec file",
        files=r".*spec\.(?:json|yaml)|.*\.spec\.json\.sig",
    ),
}

COLLECTORS: Registry[Collector] = Registry(
    "sovaudit.collectors",
    {name: entry.target for name, entry in BUILTIN_COLLECTORS.items()},
    Collector,  # type: ignore[type-abstract]
)


class DeferredCollector(Collector):
    """A built-in collector known by its table entry until the walk offers it a path of its kind.

    ``detect`` answers False from the names alone for any other path; only then is the module
    imported (once) and the real collector asked. Everything else is the real collector's.
    """

    def __init__(self, name: str, entry: Builtin) -> None:
        self.name = name
        self.description = entry.description
        self.claims_files = entry.claims_files
        self.claims_directories = entry.claims_directories
        self._entry = entry
        self._collector: Collector | None = None

    @property
    def loaded(self) -> Collector:
        """The real collector (its module imported on first use)."""
        if self._collector is None:
            self._collector = COLLECTORS.get(self.name)()
        return self._collector

    @property
    def entry(self) -> Builtin:
        """The table entry: what this collector may claim."""
        return self._entry

    def detect(self, path: TreePath) -> bool:
        return self._entry.may_claim(path) and self.loaded.detect(path)

    def detect_claimable(self, path: TreePath) -> bool:
        """``detect`` for a path the entry's :meth:`Builtin.may_claim` is already known to accept."""
        return self.loaded.detect(path)

    def collect(self, path: TreePath) -> Inventory:
        return self.loaded.collect(path)


def registered_collectors() -> list[Collector]:
    """Every registered collector, in registry (name) order: built-ins deferred, plugins loaded."""
    return [
        DeferredCollector(name, BUILTIN_COLLECTORS[name]) if COLLECTORS.is_builtin(name) else COLLECTORS.get(name)()
        for name in COLLECTORS.names()
    ]


#: A collector and the call that asks it about a path: ``detect``, or, for a built-in whose
#: table names the index has already matched, only the real collector's ``detect``.
_Ask = tuple[Collector, Callable[[TreePath], bool]]
#: A folder's candidate: also the names of which the folder must hold one (the entry's ``folders_with``).
_FolderAsk = tuple[Collector, Callable[[TreePath], bool], tuple[str, ...]]
#: Names remembered per index before a memo starts afresh (a tree of a million distinct names
#: would otherwise keep them all; the answers are the same either way).
_MEMO_CAP = 1 << 12


@dataclass(frozen=True, slots=True)
class _FileSlot:
    ask: _Ask
    files: str | None  # the entry's patterns (ANY and None: a collector not in the table)
    files_in: str | None


class DispatchIndex:
    """Which collectors of a list to ask about a path, in list order: made once per list.

    The walker offers every file and folder to the collectors, first match wins. Asking each of
    the 49 built-ins (:meth:`Builtin.may_claim`) about each path was half the CPU time of an
    image scan, and most of them name files a tree has none of. The index keeps, per file name
    (and parent folder name, for a ``files_in``) and per folder name, the tuple of the
    collectors whose names can match, and asks only those, in the list's order: :meth:`claim`
    answers what asking every collector in turn answered. One expression joining every file
    pattern tells first whether any of them matches a new name at all (most names match none).
    A collector that is not a table entry (a plugin, or one a caller made) has no names to go
    by: it is asked about every path, in its place.
    """

    __slots__ = (
        "_any_file",
        "_file_slots",
        "_files",
        "_folder_slots",
        "_folders",
        "_named_in",
        "_parents",
        "_shared",
        "_unnamed",
        "_within",
    )

    def __init__(self, collectors: Sequence[Collector]) -> None:
        self._file_slots: list[_FileSlot] = []
        self._folder_slots: list[tuple[_FolderAsk, str]] = []  # (candidate, folders pattern)
        for c in collectors:
            if type(c) is not DeferredCollector:
                if c.claims_files:
                    self._file_slots.append(_FileSlot((c, c.detect), ANY, None))
                if c.claims_directories:
                    self._folder_slots.append(((c, c.detect, ()), ANY))
                continue
            entry = c.entry
            if entry.claims_files:
                self._file_slots.append(_FileSlot((c, c.detect_claimable), entry.files, entry.files_in))
            if entry.folders is not None:
                self._folder_slots.append(((c, c.detect_claimable, entry.folders_with), entry.folders))
        named = {s.files for s in self._file_slots if s.files is not None and s.files != ANY}
        self._any_file = _alternation(tuple(sorted(named)))
        self._within = tuple(sorted({s.files_in for s in self._file_slots if s.files_in is not None}))
        self._files: dict[str, tuple[tuple[_Ask, ...], bool]] = {}
        self._parents: dict[str, bool] = {}  # whether a parent's name matches a files_in
        self._named_in: dict[tuple[str, str], tuple[_Ask, ...]] = {}
        self._folders: dict[str, tuple[_FolderAsk, ...]] = {}
        # Equal candidate tuples held once: most names share the same few.
        self._shared: dict[object, object] = {}
        # What a name no named pattern matches lets in: the collectors that take any name.
        unnamed = tuple(s.ask for s in self._file_slots if s.files == ANY)
        self._unnamed = (self._share(unnamed), any(s.files_in is not None and s.files != ANY for s in self._file_slots))

    def claim(self, path: TreePath, *, is_dir: bool) -> Collector | None:
        """The first collector of the list whose ``detect`` claims ``path`` (a folder if ``is_dir``)."""
        if is_dir:
            for c, ask, needs in self.folder_candidates(path):
                if needs and not any((path / n).exists() for n in needs):
                    continue
                if ask(path):
                    return c
            return None
        for c, ask in self.file_candidates(path):
            if ask(path):
                return c
        return None

    def file_candidates(self, path: TreePath) -> tuple[_Ask, ...]:
        """The collectors that may claim the file ``path``, by its name and its folder's, in order."""
        name = path.name
        known = self._files.get(name)
        if known is None:
            known = _remember(self._files, name, self._by_name(name))
        asks, by_parent = known
        if not by_parent:
            return asks
        parent = path.parent.name
        lets_in = self._parents.get(parent)
        if lets_in is None:
            lets_in = _remember(self._parents, parent, any(_matches(p, parent) for p in self._within))
        if not lets_in:
            return asks
        key = (name, parent)
        found = self._named_in.get(key)
        if found is None:
            found = _remember(self._named_in, key, self._by_parent(name, parent))
        return found

    def folder_candidates(self, path: TreePath) -> tuple[_FolderAsk, ...]:
        """The collectors that may claim the folder ``path`` by its name, in order, each with the
        names of which the folder must also hold one (checked by :meth:`claim` when reached)."""
        name = path.name
        found = self._folders.get(name)
        if found is None:
            asks = tuple(ask for ask, folders in self._folder_slots if _matches(folders, name))
            found = _remember(self._folders, name, self._share(asks))
        return found

    def _by_name(self, name: str) -> tuple[tuple[_Ask, ...], bool]:
        """(the collectors the name alone lets in, whether a ``files_in`` might let in more)."""
        if self._any_file is not None and self._any_file.fullmatch(name) is None:
            return self._unnamed
        asks: list[_Ask] = []
        by_parent = False
        for s in self._file_slots:
            if s.files is not None and _matches(s.files, name):
                asks.append(s.ask)
            elif s.files_in is not None:
                by_parent = True
        return self._share(tuple(asks)), by_parent

    def _by_parent(self, name: str, parent: str) -> tuple[_Ask, ...]:
        """The collectors a name and its folder's name let in."""
        return self._share(
            tuple(
                s.ask
                for s in self._file_slots
                if (s.files is not None and _matches(s.files, name))
                or (s.files_in is not None and _matches(s.files_in, parent))
            )
        )

    def _share(self, asks: _T) -> _T:
        return cast(_T, self._shared.setdefault(asks, asks))


_K = TypeVar("_K")
_V = TypeVar("_V")
_T = TypeVar("_T")


def _remember(memo: dict[_K, _V], key: _K, value: _V) -> _V:
    """``memo[key] = value``, emptying ``memo`` first when it is full."""
    if len(memo) >= _MEMO_CAP:
        memo.clear()
    memo[key] = value
    return value


@cache
def _alternation(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """One expression that fully matches a name when one of ``patterns`` does; None if they
    cannot be joined (a global flag other than a leading ``(?i)``, which becomes a scoped one)."""
    if not patterns:
        return None
    parts = [f"(?i:{p[4:]})" if p.startswith("(?i)") else f"(?:{p})" for p in patterns]
    try:
        return re.compile("|".join(parts), re.DOTALL)
    except re.error:
        return None
