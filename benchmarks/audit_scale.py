"""Time `sovaudit audit` (all shipped packs) on synthetic stacks of 10,000 and 20,000 components.

A deterministic generator writes an inventory with a realistic mix: PyPI, conda, Spack and Debian
packages (a few per hundred matching the knowledge base: CUDA wheels, MPI, cloud SDKs), compute
nodes and accelerators, models and datasets with storage locations, operational services; ~3
dependency edges per component. Each size is timed in fresh processes (interpreter start-up and
imports included), best and median of N runs; the ratio 20k/10k shows whether rule evaluation
stays linear (target: 10k under 5 s, 20k at most 2.2x of 10k).

    python benchmarks/audit_scale.py [--runs 3] [--sizes 10000 20000]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

WORK = Path(__file__).resolve().parent / ".work"
KB_HITS_PYPI = [
    "nvidia-cuda-runtime-cu12",
    "nvidia-cublas-cu12",
    "nvidia-cudnn-cu12",
    "boto3",
    "torch",
    "transformers",
    "huggingface-hub",
    "mkl",
    "openai",
    "google-cloud-storage",
]
KB_HITS_SPACK = ["cuda", "openmpi", "cray-mpich", "intel-oneapi-mkl", "nvhpc", "slurm", "openblas", "fftw"]


def generate(n: int, seed: int = 42) -> dict[str, object]:
    rnd = random.Random(seed)
    comps: list[dict[str, object]] = []
    edges: list[dict[str, str]] = []
    for i in range(n):
        bucket = i % 100
        if bucket < 55:
            name = KB_HITS_PYPI[i % len(KB_HITS_PYPI)] if bucket < 3 else f"pkg-{i}"
            purl = f"pkg:pypi/{name}@1.{i}"
            comps.append(
                {
                    "id": purl,
                    "layer": "software",
                    "kind": "package",
                    "name": name,
                    "version": f"1.{i}",
                    "purl": purl,
                    "licenses": "MIT" if bucket % 7 else "",
                    "evidence": [
                        {"path": f"venv/{name}.dist-info/METADATA", "collector": "python-environment", "line": 2}
                    ],
                }
            )
        elif bucket < 75:
            name = KB_HITS_SPACK[i % len(KB_HITS_SPACK)] if bucket < 58 else f"spack-{i}"
            purl = f"pkg:spack/{name}@2.{i}?hash=h{i:031d}"
            comps.append(
                {
                    "id": purl,
                    "layer": "software",
                    "kind": "package",
                    "name": name,
                    "version": f"2.{i}",
                    "purl": purl,
                    "evidence": [{"path": "spack.lock", "collector": "spack-lock", "pointer": f"/concrete_specs/h{i}"}],
                }
            )
        elif bucket < 90:
            purl = f"pkg:deb/debian/deb-{i}@3.{i}?arch=amd64"
            comps.append(
                {
                    "id": purl,
                    "layer": "software",
                    "kind": "package",
                    "name": f"deb-{i}",
                    "version": f"3.{i}",
                    "purl": purl,
                    "supplier": "Debian",
                    "evidence": [{"path": "var/lib/dpkg/status", "collector": "dpkg-status", "line": i}],
                }
            )
        elif bucket < 95:
            gpu = "NVIDIA A100-SXM4-80GB" if bucket % 2 else "AMD Instinct MI250X"
            comps.append(
                {
                    "id": f"compute/accelerator/gpu-{i}",
                    "layer": "compute",
                    "kind": "accelerator",
                    "name": gpu,
                    "evidence": [{"path": "nvidia-smi.xml", "collector": "nvidia-smi"}],
                }
            )
        elif bucket < 97:
            comps.append(
                {
                    "id": f"model/model/m-{i}",
                    "layer": "model",
                    "kind": "model",
                    "name": f"org/m-{i}",
                    "licenses": "Apache-2.0" if bucket % 2 else "",
                }
            )
        elif bucket < 99:
            comps.append(
                {
                    "id": f"data/dataset/d-{i}",
                    "layer": "data",
                    "kind": "dataset",
                    "name": f"d-{i}",
                    "licenses": "CC-BY-4.0",
                }
            )
        else:
            comps.append(
                {
                    "id": f"operational/cloud-service/s-{i}",
                    "layer": "operational",
                    "kind": "cloud-service",
                    "name": f"s-{i}",
                    "properties": [{"name": "net:host", "value": "s3.eu-west-1.amazonaws.com"}],
                }
            )
    ids = [str(c["id"]) for c in comps]
    for i, src in enumerate(ids):
        for _ in range(3):
            j = rnd.randrange(len(ids))
            if j != i:
                edges.append({"source": src, "target": ids[j], "relation": "depends-on"})
    uniq = {(e["source"], e["target"], e["relation"]): e for e in edges}
    return {
        "format": "sovaudit-inventory",
        "formatVersion": 1,
        "components": comps,
        "edges": list(uniq.values()),
        "inputs": [],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 20_000])
    args = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    results = {}
    for n in args.sizes:
        path = WORK / f"stack-{n}.inventory.json"
        if not path.exists():
            path.write_text(json.dumps(generate(n)))
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "sovaudit",
                    "-q",
                    "audit",
                    str(path),
                    "-f",
                    "json",
                    "-o",
                    str(WORK / "audit.json"),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            times.append(time.perf_counter() - t)
            if proc.returncode not in (0, 1):
                sys.exit(f"audit failed ({proc.returncode}): {proc.stderr.strip()}")
        doc = json.loads((WORK / "audit.json").read_text())
        results[n] = min(times)
        print(
            f"{n:>7,} components: best {min(times):.2f} s, median {statistics.median(times):.2f} s, "
            f"{sum(doc['summary']['findings'].values())} findings, overall {doc['summary']['overallScore']}"
        )
    if len(results) >= 2:
        small, big = sorted(results)[:2]
        print(f"ratio {big:,}/{small:,}: {results[big] / results[small]:.2f}x (size ratio {big / small:.1f}x)")


if __name__ == "__main__":
    main()
