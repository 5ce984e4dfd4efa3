"""Time reading SBOMs (CycloneDX JSON / XML, SPDX JSON / tag-value) and auditing one end to end.

A deterministic generator writes a Syft-like CycloneDX 1.6 document of N components: a purl, a
licence, a CPE, four tool properties, a SHA-256 and ~3 ``dependsOn`` each, plus a few models,
datasets and services; the same content as SPDX 2.3 (JSON and tag-value, ``DEPENDS_ON``
relationships) and CycloneDX XML (written from the JSON by the library-free converter below).

Rows: reading each document with its collector (in process, best of N, CPU and wall), then
``scan`` + ``audit`` (every shipped pack, the embedded knowledge base) of the CycloneDX JSON in a
fresh process, imports included.

    python benchmarks/sbom_import.py [--sizes 10000 50000] [--runs 3] [--no-audit]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(__file__).resolve().parent / ".work"

LICENSES = ("MIT", "Apache-2.0", "BSD-3-Clause", "GPL-2.0-only OR MIT", "LGPL-2.1-or-later")
KB_HITS = ("torch", "nvidia-cuda-runtime-cu12", "boto3", "mkl", "transformers")


def cyclonedx(n: int) -> dict[str, object]:
    """The CycloneDX 1.6 JSON document of ``n`` components."""
    comps: list[dict[str, object]] = []
    for i in range(n):
        bucket = i % 100
        if bucket == 97:
            comps.append(
                {
                    "bom-ref": f"model-{i}",
                    "type": "machine-learning-model",
                    "group": "org",
                    "name": f"m-{i}",
                    "version": "1",
                    "modelCard": {"modelParameters": {"task": "text-generation", "datasets": [{"ref": f"data-{i}"}]}},
                }
            )
            continue
        if bucket == 98:
            comps.append({"bom-ref": f"data-{i - 1}", "type": "data", "name": f"d-{i}", "data": [{"type": "dataset"}]})
            continue
        name = KB_HITS[i % len(KB_HITS)] if bucket < 2 else f"pkg-{i:06d}"
        version = f"{i % 7}.{i % 13}.{i % 5}"
        purl = f"pkg:pypi/{name}@{version}"
        comps.append(
            {
                "bom-ref": f"{purl}?package-id={i:016x}",
                "type": "library",
                "author": f"Author {i % 300} <a{i % 300}@example.org>",
                "name": name,
                "version": version,
                "licenses": [{"expression": LICENSES[i % len(LICENSES)]}],
                "cpe": f"cpe:2.3:a:{name}:{name}:{version}:*:*:*:*:*:*:*",
                "purl": purl,
                "hashes": [{"alg": "SHA-256", "content": f"{i:064x}"}],
                "properties": [
                    {"name": "syft:package:foundBy", "value": "python-installed-package-cataloger"},
                    {"name": "syft:package:language", "value": "python"},
                    {"name": "syft:package:type", "value": "python"},
                    {"name": "syft:location:0:path", "value": f"/lib/python3.11/site-packages/{name}/METADATA"},
                ],
            }
        )
    refs = [str(c["bom-ref"]) for c in comps]
    deps = []
    for i, ref in enumerate(refs):
        targets = sorted({refs[(i * 7 + k * 131) % n] for k in (1, 2, 3)} - {ref})
        deps.append({"ref": ref, "dependsOn": targets})
    return {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {"tools": {"components": [{"type": "application", "name": "syft", "version": "1.18.1"}]}},
        "components": comps,
        "services": [{"bom-ref": f"svc-{i}", "name": f"s3-{i}", "provider": {"name": "AWS"}} for i in range(n // 1000)],
        "dependencies": deps,
    }


def cyclonedx_xml(doc: dict[str, object]) -> str:
    """The library components of ``doc`` and its dependencies as CycloneDX 1.6 XML."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1">']
    out.append("<metadata><tools><components><component type='application'><name>syft</name>")
    out.append("<version>1.18.1</version></component></components></tools></metadata><components>")
    for c in doc["components"]:  # type: ignore[attr-defined]
        if c["type"] != "library":
            continue
        props = "".join(
            f"<property name={quoteattr(p['name'])}>{escape(p['value'])}</property>" for p in c["properties"]
        )
        out.append(
            f"<component type='library' bom-ref={quoteattr(c['bom-ref'])}><author>{escape(c['author'])}</author>"
            f"<name>{c['name']}</name><version>{c['version']}</version>"
            f"<hashes><hash alg='SHA-256'>{c['hashes'][0]['content']}</hash></hashes>"
            f"<licenses><expression>{c['licenses'][0]['expression']}</expression></licenses>"
            f"<cpe>{c['cpe']}</cpe><purl>{escape(c['purl'])}</purl><properties>{props}</properties></component>"
        )
    out.append("</components><dependencies>")
    for d in doc["dependencies"]:  # type: ignore[attr-defined]
        inner = "".join(f"<dependency ref={quoteattr(t)}/>" for t in d["dependsOn"])
        out.append(f"<dependency ref={quoteattr(d['ref'])}>{inner}</dependency>")
    out.append("</dependencies></bom>")
    return "\n".join(out)


def spdx(doc: dict[str, object]) -> tuple[dict[str, object], str]:
    """The library components of ``doc`` as SPDX 2.3 JSON and tag-value."""
    spdx_id = {}
    packages = []
    tv = ["SPDXVersion: SPDX-2.3", "DataLicense: CC0-1.0", "SPDXID: SPDXRef-DOCUMENT", "DocumentName: bench",
          "DocumentNamespace: https://example.org/bench", "Creator: Tool: syft-1.18.1", ""]  # fmt: skip
    for i, c in enumerate(doc["components"]):  # type: ignore[attr-defined]
        if c["type"] != "library":
            continue
        sid = spdx_id[c["bom-ref"]] = f"SPDXRef-Package-{i}"
        lic = c["licenses"][0]["expression"]
        packages.append(
            {
                "SPDXID": sid,
                "name": c["name"],
                "versionInfo": c["version"],
                "supplier": "NOASSERTION",
                "downloadLocation": "NOASSERTION",
                "licenseConcluded": "NOASSERTION",
                "licenseDeclared": lic,
                "checksums": [{"algorithm": "SHA256", "checksumValue": c["hashes"][0]["content"]}],
                "externalRefs": [
                    {"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": c["cpe"]},
                    {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": c["purl"]},
                ],
            }
        )
        tv += [f"PackageName: {c['name']}", f"SPDXID: {sid}", f"PackageVersion: {c['version']}",
               "PackageSupplier: NOASSERTION", "PackageDownloadLocation: NOASSERTION",
               f"PackageChecksum: SHA256: {c['hashes'][0]['content']}",
               "PackageLicenseConcluded: NOASSERTION", f"PackageLicenseDeclared: {lic}",
               f"ExternalRef: SECURITY cpe23Type {c['cpe']}",
               f"ExternalRef: PACKAGE-MANAGER purl {c['purl']}", ""]  # fmt: skip
    rels = []
    for d in doc["dependencies"]:  # type: ignore[attr-defined]
        for t in d["dependsOn"]:
            if d["ref"] in spdx_id and t in spdx_id:
                rels.append({"spdxElementId": spdx_id[d["ref"]], "relationshipType": "DEPENDS_ON",
                             "relatedSpdxElement": spdx_id[t]})  # fmt: skip
                tv.append(f"Relationship: {spdx_id[d['ref']]} DEPENDS_ON {spdx_id[t]}")
    json_doc = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "bench",
        "documentNamespace": "https://example.org/bench",
        "creationInfo": {"created": "2025-01-01T00:00:00Z", "creators": ["Tool: syft-1.18.1"]},
        "packages": packages,
        "relationships": rels,
    }
    return json_doc, "\n".join(tv) + "\n"


def best_of(runs: int, fn: Callable[[], object]) -> tuple[float, float, object]:
    walls, cpus = [], []
    result: object = None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return min(walls), min(cpus), result


_AUDIT = """
import sys, time
from datetime import date
t = time.perf_counter()
from sovaudit import knowledge
from sovaudit.collectors.cyclonedx_sbom import CycloneDxCollector
from sovaudit.pipeline import audit, scan
from sovaudit.rules import load_packs
result = scan([sys.argv[1]], collectors=[CycloneDxCollector()])
t_scan = time.perf_counter() - t
a = audit(result.inventory, kb=knowledge.load([]), packs=load_packs([], []), today=date(2026, 1, 1))
print(len(result.inventory.components), len(result.inventory.edges), len(a.findings), round(t_scan, 2),
      round(time.perf_counter() - t, 2))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-audit", action="store_true")
    args = ap.parse_args()

    from sovaudit.collectors import cyclonedx_sbom, spdx_sbom

    WORK.mkdir(parents=True, exist_ok=True)
    for n in args.sizes:
        doc = cyclonedx(n)
        spdx_json, spdx_tv = spdx(doc)
        files = {
            "cdx.json": json.dumps(doc).encode(),
            "cdx.xml": cyclonedx_xml(doc).encode(),
            "spdx.json": json.dumps(spdx_json).encode(),
            "spdx": spdx_tv.encode(),
        }
        for suffix, data in files.items():
            (WORK / f"sbom-{n}.{suffix}").write_bytes(data)
            reader = spdx_sbom.read if suffix.startswith("spdx") else cyclonedx_sbom.read
            wall, cpu, inv = best_of(args.runs, lambda r=reader, d=data: r(d, "bench"))
            print(
                f"{n:>7,} components, read {suffix:<9} {len(data) / 2**20:6.1f} MiB: best {wall:.2f} s wall, "
                f"{cpu:.2f} s CPU; {len(inv.components):,} components, {len(inv.edges):,} edges"  # type: ignore[attr-defined]
            )
        if not args.no_audit:
            t = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-c", _AUDIT, str(WORK / f"sbom-{n}.cdx.json")],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            comps, edges, findings, t_scan, t_all = proc.stdout.split()
            print(
                f"{n:>7,} components, scan + audit of the CycloneDX JSON in a fresh process: "
                f"{time.perf_counter() - t:.2f} s wall (scan {t_scan} s, scan + audit {t_all} s in process); "
                f"{comps} components, {edges} edges, {findings} findings"
            )


if __name__ == "__main__":
    main()
