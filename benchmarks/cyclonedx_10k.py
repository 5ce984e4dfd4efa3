"""Time the CycloneDX emitters on synthetic inventories of 1,000, 5,000 and 10,000 components.

Run from the repository root::

    python benchmarks/cyclonedx_10k.py            # 1k, 5k, 10k; best of 3
    python benchmarks/cyclonedx_10k.py 2000 --unpatched   # also the library without our workaround

Each component has a purl, a licence, 3 properties, 2 pieces of evidence and about 3 depends-on
edges; the generator is deterministic. Times are build + serialise (what ``render`` does), best
of 3. ``--unpatched`` also times the same BOM through the library used plainly (its own outputter,
with the quadratic ``register_dependency`` of upstream issue #1006; one run), to show what the
workarounds in ``sovaudit/emitters/cyclonedx.py`` buy.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sovaudit.emitters.interface import RenderContext
from sovaudit.model import Component, Edge, Evidence, Inventory, Layer, Relation

LICENSES = ("MIT", "Apache-2.0", "BSD-3-Clause", "GPL-2.0-only OR MIT", "LGPL-2.1-or-later")


def synthetic_inventory(n: int, seed: int = 1006) -> Inventory:
    """``n`` PyPI components with licences, properties, evidence and ~3 depends-on edges each."""
    rng = random.Random(seed)
    comps = []
    edges = []
    for i in range(n):
        purl = f"pkg:pypi/pkg-{i:05d}@{i % 7}.{i % 13}.{i % 5}"
        comps.append(
            Component(
                id=purl,
                layer=Layer.SOFTWARE,
                kind="package",
                name=f"pkg-{i:05d}",
                version=f"{i % 7}.{i % 13}.{i % 5}",
                purl=purl,
                licenses=LICENSES[i % len(LICENSES)],
                supplier=f"Supplier {i % 50}",
                properties=(
                    ("python:installer", "pip"),
                    ("python:requested", "true" if i % 3 == 0 else "false"),
                    ("sovaudit:site", f"rack-{i % 40}"),
                ),
                evidence=(
                    Evidence(path=f"envs/e{i % 20}/requirements.txt", collector="pip-requirements", line=i % 300 + 1),
                    Evidence(path=f"envs/e{i % 20}/pylock.toml", collector="pylock", pointer=f"packages.{i}"),
                ),
            )
        )
    for i in range(n):
        for t in rng.sample(range(n), 3) if n > 3 else ():
            if t != i:
                edges.append(Edge(source=comps[i].id, target=comps[t].id, relation=Relation.DEPENDS_ON))
    return Inventory(components=tuple(comps), edges=tuple(edges))


def best_of(runs: int, fn: Callable[[], object]) -> tuple[float, float]:
    """The best wall-clock and the best CPU seconds of ``runs`` calls (CPU time is the steadier
    figure on a machine that other work shares)."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return min(walls), min(cpus)


def unpatched(inv: Inventory, fmt: str) -> bytes:
    """The same BOM through the library used plainly: its SortedSets, its outputter (validate(),
    quadratic register_dependency, BomRefDiscriminator, flat merger), garbage collector on."""
    from cyclonedx.output import make_outputter
    from cyclonedx.schema import OutputFormat, SchemaVersion

    from sovaudit.emitters import cyclonedx

    bom = cyclonedx.build_bom(inv, RenderContext(tool_version="bench"))
    for c in bom.components:
        c.properties = list(c.properties)
    bom.components = list(bom.components)
    bom.dependencies = list(bom.dependencies)
    out = OutputFormat.JSON if fmt == "json" else OutputFormat.XML
    # XML without indent: the library would indent with minidom, slower still.
    return make_outputter(bom, out, SchemaVersion.V1_6).output_as_string(indent=2 if fmt == "json" else None).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 5000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--unpatched", action="store_true", help="also time the unpatched library")
    args = parser.parse_args()

    from sovaudit.emitters.cyclonedx import CycloneDxJsonEmitter, CycloneDxXmlEmitter

    ctx = RenderContext(tool_version="bench")
    json_em, xml_em = CycloneDxJsonEmitter(), CycloneDxXmlEmitter()
    header = f"{'components':>10} {'edges':>7} {'JSON s':>13} {'XML s':>13} {'JSON MB':>8} {'XML MB':>7}"
    if args.unpatched:
        header += f" {'plain lib JSON s':>17} {'plain lib XML s':>16}"
    print(f"cyclonedx emitters: build + serialise, wall (CPU) seconds, best of {args.runs}")
    print(header)
    for n in args.sizes:
        inv = synthetic_inventory(n)
        size_j = len(json_em.render(inv, ctx)) / 1e6
        size_x = len(xml_em.render(inv, ctx)) / 1e6
        tj, cj = best_of(args.runs, partial(json_em.render, inv, ctx))
        tx, cx = best_of(args.runs, partial(xml_em.render, inv, ctx))
        row = f"{n:>10} {len(inv.edges):>7} {tj:>6.2f} ({cj:>4.2f}) {tx:>6.2f} ({cx:>4.2f})"
        row += f" {size_j:>8.2f} {size_x:>7.2f}"
        if args.unpatched:
            uj, ucj = best_of(1, partial(unpatched, inv, "json"))
            ux, ucx = best_of(1, partial(unpatched, inv, "xml"))
            row += f" {uj:>7.2f} ({ucj:>6.2f}) {ux:>6.2f} ({ucx:>6.2f})"
        print(row, flush=True)


if __name__ == "__main__":
    main()
