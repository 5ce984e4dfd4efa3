"""The collector port: ``detect`` an input, ``collect`` it into an Inventory.

A collector never prints, never touches the network, never runs what it reads and reads only
through :class:`~sovaudit.fs.TreePath`. Anything wrong with its input is raised as
:class:`~sovaudit.errors.InputError` naming the file; a collector that reads a whole folder (a
site-packages, say) records a bad member as a failed :class:`~sovaudit.model.InputRecord` in the
inventory it returns and goes on with the rest.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from sovaudit.fs import TreePath
from sovaudit.model import Inventory
from sovaudit.registry import Registry


class Collector(ABC):
    """Base class of every collector (built-in or plugin)."""

    #: Registry key, the CLI spelling (``python-environment``, ``spack-lock`` ...).
    name: ClassVar[str]
    #: One line for ``sovaudit collectors``.
    description: ClassVar[str] = ""
    #: True when ``detect`` may claim folders; the walker then does not descend into a claimed one.
    claims_directories: ClassVar[bool] = False
    #: True when ``detect`` may claim regular files.
    claims_files: ClassVar[bool] = True

    @abstractmethod
    def detect(self, path: TreePath) -> bool:
        """Whether this collector reads ``path``. Cheap: a name test, at most a short read."""

    @abstractmethod
    def collect(self, path: TreePath) -> Inventory:
        """Read ``path``. Raise InputError (naming the file) if it cannot be read at all."""


#: The built-in collectors, imported lazily by name. Plugins: entry-point group ``sovaudit.collectors``.
BUILTIN_COLLECTORS: dict[str, str] = {
    "sovaudit-inventory": "sovaudit.collectors.inventory:InventoryCollector",
    "oci-image": "sovaudit.collectors.oci:OciImageCollector",
    "dockerfile": "sovaudit.collectors.dockerfile:DockerfileCollector",
    "apptainer-definition": "sovaudit.collectors.apptainer:ApptainerDefinitionCollector",
    "sif-image": "sovaudit.collectors.apptainer:SifCollector",
    "cyclonedx-sbom": "sovaudit.collectors.cyclonedx_sbom:CycloneDxCollector",
    "spdx-sbom": "sovaudit.collectors.spdx_sbom:SpdxCollector",
    "python-environment": "sovaudit.collectors.python_env:PythonEnvironmentCollector",
    "requirements-txt": "sovaudit.collectors.requirements:RequirementsCollector",
    "poetry-lock": "sovaudit.collectors.poetry_lock:PoetryLockCollector",
    "uv-lock": "sovaudit.collectors.uv_lock:UvLockCollector",
    "pylock": "sovaudit.collectors.pylock:PylockCollector",
    "conda-meta": "sovaudit.collectors.conda:CondaMetaCollector",
    "conda-environment": "sovaudit.collectors.conda:EnvironmentYmlCollector",
    "conda-lock": "sovaudit.collectors.conda:CondaLockCollector",
    "conda-list-json": "sovaudit.collectors.conda:CondaListCollector",
    "apk-installed": "sovaudit.collectors.apk:ApkCollector",
    "dpkg-status": "sovaudit.collectors.dpkg:DpkgCollector",
    "rpm-database": "sovaudit.collectors.rpm:RpmCollector",
    "easybuild-easyconfig": "sovaudit.collectors.easybuild:EasyconfigCollector",
    "easybuild-easystack": "sovaudit.collectors.easybuild:EasystackCollector",
    "easybuild-module": "sovaudit.collectors.easybuild:EasyBuildModuleCollector",
    "lmod-spider": "sovaudit.collectors.modules:LmodSpiderCollector",
    "module-tree": "sovaudit.collectors.modules:ModuleTreeCollector",
    "modulefile": "sovaudit.collectors.modules:ModulefileCollector",
    "cpuinfo": "sovaudit.collectors.cpu:CpuinfoCollector",
    "lscpu-json": "sovaudit.collectors.cpu:LscpuCollector",
    "nvidia-smi-xml": "sovaudit.collectors.accelerators:NvidiaSmiCollector",
    "rocm-smi-json": "sovaudit.collectors.accelerators:RocmSmiCollector",
    "linux-sysfs": "sovaudit.collectors.accelerators:SysfsCollector",
    "slurm-conf": "sovaudit.collectors.slurm:SlurmConfCollector",
    "gres-conf": "sovaudit.collectors.slurm:GresConfCollector",
    "slurm-json": "sovaudit.collectors.slurm:SlurmJsonCollector",
    "slurm-text": "sovaudit.collectors.slurm:SlurmTextCollector",
    "operational-manifest": "sovaudit.collectors.operational:OperationalManifestCollector",
    "terraform-plan": "sovaudit.collectors.terraform:TerraformPlanCollector",
    "kubernetes-manifest": "sovaudit.collectors.kubernetes:KubernetesManifestCollector",
    "hf-model": "sovaudit.collectors.modelcard:HfModelFolderCollector",
    "hf-model-card": "sovaudit.collectors.modelcard:HfModelCardCollector",
    "safetensors": "sovaudit.collectors.weights:SafetensorsCollector",
    "gguf": "sovaudit.collectors.weights:GgufCollector",
    "croissant": "sovaudit.collectors.croissant:CroissantCollector",
    "hf-dataset-card": "sovaudit.collectors.datacard:HfDatasetCardCollector",
    "datacite-json": "sovaudit.collectors.datacard:DataCiteJsonCollector",
    "datacite-xml": "sovaudit.collectors.datacard:DataCiteXmlCollector",
    "spack-environment": "sovaudit.collectors.spack:SpackEnvironmentCollector",
    "spack-find": "sovaudit.collectors.spack:SpackFindCollector",
    "spack-lock": "sovaudit.collectors.spack:SpackLockCollector",
    "spack-spec": "sovaudit.collectors.spack:SpackSpecCollector",
}

COLLECTORS: Registry[Collector] = Registry("sovaudit.collectors", BUILTIN_COLLECTORS, Collector)  # type: ignore[type-abstract]
