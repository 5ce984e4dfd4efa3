"""The workloads of the suite: each prepares its input and says which commands read it.

Inputs come from the generators of the single-purpose scripts beside this module (the env300
fixture of ``python_env.py``, ``oci_image.generate``, ``spack_lock.synthetic_lockfile``,
``audit_scale.generate``), so the suite and the scripts measure the same things.

Every command writes what it found to a file of its own (a CycloneDX JSON SBOM for sovaudit and
every peer, so the sets of components can be compared), or prints a count (the floors).
"""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import audit_scale, oci_image, python_env, spack_lock
from benchmarks.peers import CDXGEN, CYCLONEDX_PY, SBOM4PYTHON, SYFT, Peer

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "benchmarks" / ".work"
FLOORS = REPO / "benchmarks" / "floors.py"


class Role(enum.Enum):
    SOVAUDIT = "sovaudit"
    PEER = "peer"
    FLOOR = "floor"


class Output(enum.Enum):
    """What a command's output file is, so its components can be counted."""

    CYCLONEDX = "cyclonedx"  # a CycloneDX JSON file: components and purls
    INVENTORY = "inventory"  # a sovaudit inventory JSON
    AUDIT = "audit"  # a sovaudit audit JSON
    STDOUT = "stdout"  # a count printed on stdout


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    label: str
    role: Role
    argv: tuple[str, ...]
    env: dict[str, str]
    output: Path | None
    kind: Output
    #: Why it cannot run here (a peer that failed to install); "" when it can.
    unavailable: str = ""
    #: Seconds after which a run is killed and recorded as such.
    timeout: float = 1800.0
    #: At most this many timed rounds (0: every round), and whether it gets a warm-up run: for a
    #: peer setting that takes minutes, measured once after its fast setting has warmed the cache.
    max_runs: int = 0
    warm_up: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class Workload:
    name: str
    title: str
    #: What the input is, for the report.
    input: str
    #: How the tools were asked, and why so (what makes the comparison like with like).
    notes: tuple[str, ...]
    commands: tuple[Command, ...]


@dataclass(slots=True, kw_only=True)
class Context:
    """What every workload builder needs: the mode, where outputs go, the environments, the peers."""

    quick: bool
    out: Path
    sovaudit_env: dict[str, str]
    peer_env: dict[str, str]
    peer_errors: dict[str, str] = field(default_factory=dict)

    def sovaudit(self, label: str, args: list[str], output: Path, kind: Output = Output.CYCLONEDX) -> Command:
        argv = (sys.executable, "-m", "sovaudit", "-q", *args, "-o", str(output))
        return Command(label=label, role=Role.SOVAUDIT, argv=argv, env=self.sovaudit_env, output=output, kind=kind)

    def floor(self, label: str, args: list[str]) -> Command:
        return Command(label=f"floor: {label}", role=Role.FLOOR, argv=(sys.executable, *args), env=self.sovaudit_env,
                       output=None, kind=Output.STDOUT)

    def peer(self, peer: Peer, label: str, args: list[str], output: Path, extra_env: dict[str, str] | None = None,
             max_runs: int = 0) -> Command:
        return Command(
            label=f"{label} {peer.version}",
            role=Role.PEER,
            argv=(str(peer.tool), *args),
            env={**peer.environment(self.peer_env), **(extra_env or {})},
            output=output,
            kind=Output.CYCLONEDX,
            unavailable=self.peer_errors.get(peer.name, ""),
            max_runs=max_runs,
            warm_up=not max_runs,
        )


def _python_env(ctx: Context) -> Workload:
    env = python_env.ensure_env()
    site = python_env.site_packages(env)
    out = ctx.out / "python-env"
    out.mkdir(parents=True, exist_ok=True)
    truth = len(json.loads((env / "importlib-metadata.json").read_text(encoding="utf-8")))
    return Workload(
        name="python-env",
        title="Python environment (~300 distributions)",
        input=f"`tests/.fixtures/env300`: a venv of {truth} distributions (importlib.metadata), built by "
        "`tests/fixtures/build_envs.py`",
        notes=(
            "Every tool writes a CycloneDX JSON SBOM of the venv to a file.",
            "cyclonedx-py: `environment --no-validate ENV/bin/python`, its fastest setting, in every round; as "
            "it ships (validating its output against the CycloneDX schema: `jsonschema`'s IRI format check runs "
            "a lark Earley parser per URL, minutes of CPU) in one round only.",
            "sbom4python: `--system` reads its own interpreter's distributions; the venv's site-packages is put "
            "on its `PYTHONPATH` (as if it were installed there). Its `--use-pip --python ENV/bin/python` mode "
            "runs `pip show` once per distribution: 105 minutes once here on a busy machine (311 components), "
            "not timed.",
            "cdxgen: `-t python --no-install-deps` with `FETCH_LICENSE=false` (nothing fetched, nothing installed).",
            "syft: `scan dir:ENV`; it also catalogues the npm packages vendored inside Python distributions.",
        ),
        commands=(
            ctx.floor("METADATA headers", ["-c", python_env.FLOOR, str(site)]),
            ctx.sovaudit("sovaudit sbom", ["sbom", str(env)], out / "sovaudit.cdx.json"),
            ctx.peer(CYCLONEDX_PY, "cyclonedx-py --no-validate",
                     ["environment", "--no-validate", "--of", "JSON", "-o", str(out / "cdxpy-nv.cdx.json"),
                      str(env / "bin" / "python")], out / "cdxpy-nv.cdx.json"),
            ctx.peer(CYCLONEDX_PY, "cyclonedx-py (validating)",
                     ["environment", "--of", "JSON", "-o", str(out / "cdxpy.cdx.json"), str(env / "bin" / "python")],
                     out / "cdxpy.cdx.json", max_runs=1),
            ctx.peer(SBOM4PYTHON, "sbom4python", ["--system", "--sbom", "cyclonedx", "--format", "json", "-o",
                                                  str(out / "sbom4python.cdx.json")], out / "sbom4python.cdx.json",
                     extra_env={"PYTHONPATH": str(site)}),
            ctx.peer(CDXGEN, "cdxgen", ["-t", "python", "--no-install-deps", "-o", str(out / "cdxgen.cdx.json"),
                                        str(env)], out / "cdxgen.cdx.json"),
            ctx.peer(SYFT, "syft", ["scan", f"dir:{env}", "-q", "-o", f"cyclonedx-json={out / 'syft.cdx.json'}"],
                     out / "syft.cdx.json"),
        ),
    )


def _host_sites() -> tuple[list[str], str | None]:
    """The site folders and dpkg status file that ``sovaudit scan --host`` reads here (for the floor)."""
    import os

    from sovaudit.host import host_inputs

    paths = host_inputs("/", env=os.environ)
    sites = [p for p in paths if p.endswith(("site-packages", "dist-packages")) and Path(p).is_dir()]
    status = next((p for p in paths if p.endswith("var/lib/dpkg/status")), None)
    return sites, status


def _rootfs(ctx: Context) -> Workload:
    out = ctx.out / "rootfs"
    out.mkdir(parents=True, exist_ok=True)
    sites, status = _host_sites()
    floor_args = [str(FLOORS), "metadata", *sites, *(["--dpkg", status] if status else [])]
    return Workload(
        name="rootfs",
        title="This machine: OS packages + Python",
        input="the root file system of the machine the suite runs on (contents change as others work on it)",
        notes=(
            "sovaudit: `sbom --host`, its way to inventory a machine: the OS package database (with Debian "
            "copyright licences), the site-packages of every python3 on `$PATH` and the system's, conda, Spack "
            "and module trees it is pointed to. It reads those places and walks nothing else.",
            "syft: `scan dir:/` limited to the catalogers of the same two kinds (`dpkg-db-cataloger`, "
            "`python-installed-package-cataloger`): it still walks the whole tree (/proc, /sys, /dev skipped) "
            "and so also finds the Python packages of every venv on disk; the set comparison shows them. "
            "`/tmp` is excluded: other work creates and deletes folders there, and syft stops with an error "
            "when one disappears while it indexes the tree.",
            "The floor reads the dpkg status and every METADATA; sovaudit also reads each Debian package's "
            "`copyright` file for its licence (hundreds of files), which the floor does not: its ratio to the "
            "floor is not a like-for-like one.",
            "Not timed: `sovaudit sbom /` and syft's default catalogers on `dir:/` (every file of every tree, "
            "several minutes each on 2 cores, dominated by this machine's caches and work trees).",
        ),
        commands=(
            ctx.floor("dpkg status + METADATA headers", floor_args),
            ctx.sovaudit("sovaudit sbom --host", ["sbom", "--host"], out / "sovaudit.cdx.json"),
            ctx.peer(SYFT, "syft dir:/ (dpkg + python)",
                     ["scan", "dir:/", "-q", "--exclude", "./tmp/**", "--override-default-catalogers",
                      "dpkg-db-cataloger,python-installed-package-cataloger",
                      "-o", f"cyclonedx-json={out / 'syft.cdx.json'}"], out / "syft.cdx.json", max_runs=3),
        ),
    )


def _image_size(ctx: Context) -> tuple[int, int, Path]:
    """(files, megabytes, work folder) of the generated image: ~1 GB / 50,000 files, or a tenth with --quick."""
    if ctx.quick:
        return 5_000, 100, WORK / "oci-image-quick"
    return 50_000, 1000, oci_image.WORK


def _oci_image(ctx: Context) -> Workload:
    files, megabytes, work = _image_size(ctx)
    layout = oci_image.generate(files, megabytes, work=work)
    out = ctx.out / "oci-image"
    out.mkdir(parents=True, exist_ok=True)
    return Workload(
        name="oci-image",
        title=f"OCI image layout (~{megabytes:,} MB, {files:,} files)",
        input=f"`{layout.relative_to(REPO)}`, written by `benchmarks/oci_image.py`: a Debian base (dpkg status, "
        "copyright files), 400 Python distributions, a conda environment, a layer of deletions; gzip and zstd",
        notes=(
            "sovaudit: `sbom LAYOUT` (every collector runs over the merged layers).",
            "syft: `scan oci-dir:LAYOUT`, all default catalogers for an image.",
        ),
        commands=(
            ctx.floor("decompress + tar headers", [str(FLOORS), "oci", str(layout)]),
            ctx.sovaudit("sovaudit sbom", ["sbom", str(layout)], out / "sovaudit.cdx.json"),
            ctx.peer(SYFT, "syft", ["scan", f"oci-dir:{layout}", "-q", "-o", f"cyclonedx-json={out / 'syft.cdx.json'}"],
                     out / "syft.cdx.json"),
        ),
    )


def _docker_archive(ctx: Context) -> Workload:
    files, megabytes, work = _image_size(ctx)
    archive = oci_image.docker_archive(oci_image.generate(files, megabytes, work=work))
    out = ctx.out / "docker-archive"
    out.mkdir(parents=True, exist_ok=True)
    return Workload(
        name="docker-archive",
        title=f"The same image as a `docker save` tar ({archive.stat().st_size / 1e6:,.0f} MB, uncompressed layers)",
        input=f"`{archive.relative_to(REPO)}` (classic `docker save`: manifest.json, `<id>/layer.tar`)",
        notes=("sovaudit: `sbom ARCHIVE`; syft: `scan docker-archive:ARCHIVE`.",),
        commands=(
            ctx.floor("tar headers of every layer", [str(FLOORS), "docker", str(archive)]),
            ctx.sovaudit("sovaudit sbom", ["sbom", str(archive)], out / "sovaudit.cdx.json"),
            ctx.peer(SYFT, "syft", ["scan", f"docker-archive:{archive}", "-q", "-o",
                                    f"cyclonedx-json={out / 'syft.cdx.json'}"], out / "syft.cdx.json"),
        ),
    )


def _spack_lock(ctx: Context) -> Workload:
    specs = 5_000
    lock = WORK / f"spack-{specs}.lock"
    text = json.dumps(spack_lock.synthetic_lockfile(specs), indent=1)  # as spack_lock.py writes it
    if not lock.exists() or lock.read_text(encoding="utf-8") != text:
        WORK.mkdir(parents=True, exist_ok=True)
        lock.write_text(text, encoding="utf-8")
    out = ctx.out / "spack-lock"
    out.mkdir(parents=True, exist_ok=True)
    return Workload(
        name="spack-lock",
        title=f"Spack lockfile ({specs:,} specs)",
        input=f"`{lock.relative_to(REPO)}` ({lock.stat().st_size / 1e6:.1f} MB), written by "
        "`benchmarks/spack_lock.py`: ~4 dependencies per spec, compilers, externals, variants",
        notes=("No peer reads Spack lockfiles: sovaudit `scan -f inventory-json` against the read floor.",),
        commands=(
            ctx.floor("json.load + one tuple per spec", [str(FLOORS), "spack", str(lock)]),
            ctx.sovaudit("sovaudit scan", ["scan", str(lock), "-f", "inventory-json"], out / "sovaudit.inventory.json",
                         Output.INVENTORY),
        ),
    )


def stack_file(n: int) -> Path:
    """The synthetic stack of ``n`` components of ``audit_scale.generate``, written once."""
    path = WORK / f"stack-{n}.inventory.json"
    if not path.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(audit_scale.generate(n)), encoding="utf-8")
    return path


def audit_args(path: Path) -> list[str]:
    """``audit`` of every shipped pack as JSON, not recorded in the audit history."""
    return ["audit", str(path), "-f", "json", "--no-record"]


def _stack(ctx: Context) -> Workload:
    n = 10_000
    path = stack_file(n)
    out = ctx.out / "stack-10k"
    out.mkdir(parents=True, exist_ok=True)
    return Workload(
        name="stack-10k",
        title=f"Synthetic stack ({n:,} components)",
        input=f"`{path.relative_to(REPO)}`, written by `benchmarks/audit_scale.py`: PyPI, Spack, Debian packages, "
        "accelerators, models, datasets, services; ~3 edges per component",
        notes=("No peer reads a sovaudit inventory: `scan` (read, validate, write back) and `audit` (every shipped "
               "pack, the knowledge base) against the read floor.",),
        commands=(
            ctx.floor("json.load + one tuple per component", [str(FLOORS), "inventory", str(path)]),
            ctx.sovaudit("sovaudit scan", ["scan", str(path), "-f", "inventory-json"], out / "sovaudit.inventory.json",
                         Output.INVENTORY),
            ctx.sovaudit("sovaudit audit", audit_args(path), out / "sovaudit.audit.json", Output.AUDIT),
        ),
    )


#: In the order they run; ``--workload NAME`` picks some.
WORKLOADS: dict[str, Callable[[Context], Workload]] = {
    "python-env": _python_env,
    "rootfs": _rootfs,
    "oci-image": _oci_image,
    "docker-archive": _docker_archive,
    "spack-lock": _spack_lock,
    "stack-10k": _stack,
}
#: Which peers each workload needs (installed before it is prepared).
PEERS_OF: dict[str, tuple[Peer, ...]] = {
    "python-env": (CYCLONEDX_PY, SBOM4PYTHON, CDXGEN, SYFT),
    "rootfs": (SYFT,),
    "oci-image": (SYFT,),
    "docker-archive": (SYFT,),
}
