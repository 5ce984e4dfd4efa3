"""What ``sovaudit scan --host`` reads about this machine's hardware and scheduler: files only.

:func:`host_compute_inputs` lists trees for the compute collectors, the same way
:func:`sovaudit.host.host_trees` does for packages (a pure function of ``root`` and ``env``; tests
pass a fake root and their own environment; nothing is run, no privilege is needed):

* ``/proc/cpuinfo`` -> the ``cpuinfo`` collector (CPU vendor, model, microarchitecture);
* ``/sys`` -> the ``linux-sysfs`` collector (PCI accelerators and fabrics from
  ``bus/pci/devices/*/{class,vendor,device}`` and ``class/drm``, with NVIDIA's
  ``/proc/driver/nvidia`` files and ``pci.ids`` for names);
* the Slurm configuration: ``$SLURM_CONF`` when set, else ``/etc/slurm/slurm.conf`` or
  ``/etc/slurm-llnl/slurm.conf``, and the ``gres.conf`` beside it.

Every tree is rooted at ``root`` (so a ``slurm.conf`` ``Include /etc/slurm/nodes.conf`` resolves
inside it and nothing outside ``root`` is read) and shows absolute paths in evidence.
Combine with the package trees: ``host_trees(root, env=env) + host_compute_inputs(root, env=env)``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from sovaudit.fs import DEFAULT_LIMITS, Limits, TreePath

_SLURM_CONFS = ("etc/slurm/slurm.conf", "etc/slurm-llnl/slurm.conf")


def host_compute_inputs(root: str = "/", *, env: Mapping[str, str], limits: Limits = DEFAULT_LIMITS) -> list[TreePath]:
    """Trees (rooted at ``root``) for the CPU, sysfs and Slurm collectors, in that order."""
    root_path = Path(root).resolve()
    display_root = os.path.normpath(root)
    rels: list[str] = []
    if (root_path / "proc" / "cpuinfo").is_file():
        rels.append("proc/cpuinfo")
    if (root_path / "sys" / "bus" / "pci" / "devices").is_dir():
        rels.append("sys")
    conf = env.get("SLURM_CONF", "")
    candidates = [conf.lstrip("/")] if conf.startswith("/") else list(_SLURM_CONFS)
    for rel in candidates:
        if rel and (root_path / rel).is_file():
            rels.append(rel)
            gres = str(PurePosixPath(rel).parent / "gres.conf")
            if (root_path / gres).is_file():
                rels.append(gres)
            break
    return [TreePath(root_path, PurePosixPath(rel), display_root=display_root, limits=limits) for rel in rels]
