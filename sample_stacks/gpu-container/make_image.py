"""Build ``image/``: the small OCI image layout of this sample stack (stdlib only, deterministic).

    python sample_stacks/gpu-container/make_image.py [OUT_DIR]   # default: image/ next to this file

Two gzip layers: an Ubuntu 22.04 CUDA base (``etc/os-release``, ``var/lib/dpkg/status`` with the
NVIDIA driver's compute library) and the Python packages (torch 2.3.1 requiring the CUDA runtime
wheel). Fixed mtimes, sorted members, gzip mtime 0 and sorted JSON keys: rerunning gives the same
bytes. The shapes follow the builders of ``tests/test_image_fs.py``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import sys
import tarfile
from pathlib import Path

MTIME = 1_700_000_000
SITE = "usr/local/lib/python3.10/dist-packages"
REF = "registry.example.org/acme/gpu-infer:1.0"
BASE = "nvcr.io/nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04"

OS_RELEASE = b"""PRETTY_NAME="Ubuntu 22.04.4 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.4 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
"""

DPKG_STATUS = b"""Package: base-files
Status: install ok installed
Priority: required
Architecture: amd64
Version: 12ubuntu4.6
Maintainer: Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>
Description: Debian base system miscellaneous files

Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.35-0ubuntu3.7
Maintainer: Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>
Description: GNU C Library: Shared libraries

Package: libnvidia-compute-535
Status: install ok installed
Architecture: amd64
Source: nvidia-graphics-drivers-535
Version: 535.183.01-0ubuntu0.22.04.1
Depends: libc6 (>= 2.34)
Maintainer: Ubuntu Core Developers <ubuntu-devel-discuss@lists.ubuntu.com>
Description: NVIDIA libcompute package

Package: python3
Status: install ok installed
Architecture: amd64
Source: python3-defaults
Version: 3.10.6-1~22.04
Depends: libc6 (>= 2.34)
Maintainer: Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>
Description: interactive high-level object-oriented language (default python3 version)

"""


def dist_info(name: str, version: str, licence: str, requires: tuple[str, ...] = ()) -> list[tuple[str, bytes | None]]:
    folder = f"{SITE}/{name.replace('-', '_')}-{version}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nLicense: {licence}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    return [(f"{folder}/", None), (f"{folder}/METADATA", meta.encode()), (f"{folder}/INSTALLER", b"pip\n")]


def tar_bytes(members: list[tuple[str, bytes | None]]) -> bytes:
    """A PAX tar of (name, content) members, sorted by name; content None is a directory."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, payload in sorted(members):
            info = tarfile.TarInfo(name)
            info.mtime = MTIME
            info.uname = info.gname = "root"
            if payload is None:
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
            else:
                info.mode = 0o644
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
    return out.getvalue()


def layers() -> list[bytes]:
    base = tar_bytes(
        [
            ("etc/", None),
            ("etc/os-release", OS_RELEASE),
            ("var/", None),
            ("var/lib/", None),
            ("var/lib/dpkg/", None),
            ("var/lib/dpkg/status", DPKG_STATUS),
        ]
    )
    python = tar_bytes(
        [
            ("usr/", None),
            ("usr/local/", None),
            ("usr/local/lib/", None),
            ("usr/local/lib/python3.10/", None),
            (f"{SITE}/", None),
            *dist_info("torch", "2.3.1", "BSD-3-Clause", ("nvidia-cuda-runtime-cu12==12.1.105",)),
            *dist_info("nvidia-cuda-runtime-cu12", "12.1.105", "NVIDIA Proprietary Software"),
        ]
    )
    return [base, python]


def dumps(doc: object) -> bytes:
    return json.dumps(doc, sort_keys=True, indent=2).encode() + b"\n"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def build(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    blobs = out / "blobs" / "sha256"
    blobs.mkdir(parents=True)

    def put(data: bytes) -> str:
        digest = sha256(data)
        (blobs / digest.partition(":")[2]).write_bytes(data)
        return digest

    tars = layers()
    layer_descs = []
    for tar in tars:
        blob = gzip.compress(tar, compresslevel=9, mtime=0)
        layer_descs.append(
            {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": put(blob), "size": len(blob)}
        )
    config = dumps(
        {
            "created": "2024-06-01T12:00:00Z",
            "architecture": "amd64",
            "os": "linux",
            "config": {
                "Env": [
                    "PATH=/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "CUDA_VERSION=12.4.1",
                    "NVIDIA_VISIBLE_DEVICES=all",
                    "NVIDIA_DRIVER_CAPABILITIES=compute,utility",
                ],
                "Entrypoint": ["python3", "/app/serve.py"],
                "Labels": {"org.opencontainers.image.title": "gpu-infer"},
            },
            "rootfs": {"type": "layers", "diff_ids": [sha256(t) for t in tars]},
            "history": [{"created_by": "generated by sample_stacks/gpu-container/make_image.py"}],
        }
    )
    manifest = dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": put(config),
                "size": len(config),
            },
            "layers": layer_descs,
            "annotations": {"org.opencontainers.image.base.name": BASE},
        }
    )
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": put(manifest),
                "size": len(manifest),
                "annotations": {"org.opencontainers.image.ref.name": REF},
            }
        ],
    }
    (out / "oci-layout").write_bytes(dumps({"imageLayoutVersion": "1.0.0"}))
    (out / "index.json").write_bytes(dumps(index))


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "image")
