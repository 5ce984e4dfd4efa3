"""Time the dpkg collector on a synthetic 3,000-package status file, in a fresh process (best of 5).

Run from the repository root::

    python benchmarks/dpkg_status.py              # 3,000 packages, best of 5
    python benchmarks/dpkg_status.py 10000 --runs 3

The generator is deterministic (fixed seed) and writes into ``benchmarks/.work/dpkg-root/``: a
tree with ``etc/os-release``, ``var/lib/dpkg/status`` and a ``usr/share/doc/<pkg>/copyright`` for
every package (two thirds machine-readable DEP-5, one third free text, some doc folders links to
another package's, as Debian does). Packages look like a real status file: epochs, ``Source:``
with and without a version, multi-line descriptions and conffiles, ``Depends`` with version
constraints, ``|`` alternatives and ``:any`` qualifiers, ``Pre-Depends``, virtual packages
``Provides``-d by several packages, a few multi-arch (amd64 + i386) pairs and a few
``config-files`` leftovers.

Two timings, each of ``python -c "<scan>"`` (interpreter start, imports, scan, merge), best of
``--runs``, as wall time and as the child's CPU time (user + system; steadier on a busy machine):

* **status file**: ``sovaudit.pipeline.scan([".../var/lib/dpkg/status"])`` with the dpkg collector
  — the file on its own, no licences (its tree is its folder);
* **rootfs**: ``scan([".../dpkg-root"])`` — the whole tree walked, the status file found in it, and
  every package's copyright file read and parsed for its licence.

The target is under 2 s for the status file.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "benchmarks" / ".work" / "dpkg-root"

LICENCES = ("GPL-2+", "LGPL-2.1+", "Expat", "BSD-3-clause", "GPL-3+", "Apache-2.0", "Zlib", "GPL-2", "ISC",
            "GPL-1+ or Artistic", "public-domain", "MPL-2.0")
SECTIONS = ("libs", "utils", "admin", "net", "python", "perl", "devel", "science", "math")
MAINTAINERS = (
    "Debian GCC Maintainers <debian-gcc@lists.debian.org>",
    "GNU Libc Maintainers <debian-glibc@lists.debian.org>",
    "Debian Python Team <team+python@tracker.debian.org>",
    "Debian Science Team <debian-science-maintainers@lists.alioth.debian.org>",
    "Guillem Jover <guillem@debian.org>",
    "Debian Perl Group <pkg-perl-maintainers@lists.alioth.debian.org>",
)


def generate(n: int, seed: int = 3000) -> tuple[str, dict[str, str]]:
    """(status text, {package: copyright text})."""
    rng = random.Random(seed)
    names = [f"lib{rng.choice(('foo', 'bar', 'net', 'math', 'img', 'xml', 'ssl', 'db'))}{i}-{i % 7}" for i in range(n)]
    virtuals = [f"virtual-{v}" for v in range(100)]
    providers: dict[int, list[str]] = {}
    for v in range(len(virtuals)):
        for i in rng.sample(range(n), rng.randint(1, 4)):
            providers.setdefault(i, []).append(virtuals[v])
    stanzas = []
    copyrights = {}
    for i, name in enumerate(names):
        epoch = f"{rng.randint(1, 3)}:" if i % 11 == 0 else ""
        version = f"{epoch}{i % 9}.{i % 17}.{i % 5}-{i % 4 + 1}"
        arch = "all" if i % 6 == 0 else "amd64"
        status = "deinstall ok config-files" if i % 97 == 0 else "install ok installed"
        lines = [
            f"Package: {name}", f"Status: {status}", "Priority: optional", f"Section: {SECTIONS[i % len(SECTIONS)]}",
            f"Installed-Size: {rng.randint(10, 50000)}", f"Maintainer: {MAINTAINERS[i % len(MAINTAINERS)]}",
            f"Architecture: {arch}", "Multi-Arch: same" if arch != "all" else "Multi-Arch: foreign",
        ]
        if i % 3 == 0:
            lines.append(f"Source: src-{i // 3}" + (f" ({i % 9}.{i % 17}-1)" if i % 2 else ""))
        lines.append(f"Version: {version}")
        if i in providers:
            provided = (f"{v} (= {version})" if k % 2 else v for k, v in enumerate(providers[i]))
            lines.append("Provides: " + ", ".join(provided))
        if i:
            groups = []
            for _ in range(rng.randint(1, 8)):
                dep = names[rng.randrange(i)] if rng.random() < 0.8 else rng.choice(virtuals)
                qualifier = ":any" if rng.random() < 0.05 else ""
                constraint = f" (>= {rng.randint(0, 9)}.{rng.randint(0, 20)})" if rng.random() < 0.6 else ""
                group = f"{dep}{qualifier}{constraint}"
                if rng.random() < 0.15:
                    group += f" | {rng.choice(virtuals) if rng.random() < 0.5 else f'missing-{rng.randrange(50)}'}"
                groups.append(group)
            lines.append("Depends: " + ", ".join(groups))
            if i % 13 == 0:
                lines.append(f"Pre-Depends: {names[rng.randrange(i)]} (>= 1.0)")
        if i % 5 == 0:
            lines.append(f"Conffiles:\n /etc/{name}/{name}.conf {rng.getrandbits(128):032x}\n"
                         f" /etc/default/{name} {rng.getrandbits(128):032x}")
        lines.append(f"Description: the {name} library\n This package provides {name}.\n .\n It is synthetic.")
        lines.append(f"Homepage: https://example.org/{name}")
        stanzas.append("\n".join(lines))
        if i % 3 == 2:
            copyrights[name] = f"{name} is copyright its authors.\n\nSee /usr/share/common-licenses/GPL-2.\n"
        else:
            paras = ["Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
                     f"Upstream-Name: {name}\n"]
            for k in range(rng.randint(1, 3)):
                paras.append(f"Files: {'*' if k == 0 else f'sub{k}/*'}\nCopyright: 20{i % 24:02d} Somebody\n"
                             f"License: {rng.choice(LICENCES)}\n Licence text, shortened.\n")
            copyrights[name] = "\n".join(paras)
    # a few multi-arch twins
    for i in range(1, min(n, 200), 40):
        twin = stanzas[i].replace("Architecture: amd64", "Architecture: i386").replace("Architecture: all",
                                                                                     "Architecture: i386")
        stanzas.append(twin)
    return "\n\n".join(stanzas) + "\n", copyrights


def write_tree(n: int) -> Path:
    import shutil

    if WORK.exists():
        shutil.rmtree(WORK)
    status, copyrights = generate(n)
    (WORK / "var/lib/dpkg").mkdir(parents=True)
    (WORK / "var/lib/dpkg/status").write_text(status)
    (WORK / "etc").mkdir()
    (WORK / "etc/os-release").write_text('NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\n'
                                         'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')
    doc = WORK / "usr/share/doc"
    for k, (name, text) in enumerate(copyrights.items()):
        if k % 10 == 9:
            (doc / name).parent.mkdir(parents=True, exist_ok=True)
            (doc / name).symlink_to(next(iter(copyrights)))  # doc folder shared with another package
            continue
        (doc / name).mkdir(parents=True)
        (doc / name / "copyright").write_text(text)
    return WORK


SCAN = """
import sys
from sovaudit.collectors.dpkg import DpkgCollector
from sovaudit.pipeline import scan
r = scan([sys.argv[1]], collectors=[DpkgCollector()])
inv = r.inventory
print(len(inv.components), len(inv.edges), sum(1 for c in inv.components if c.licenses), len(inv.failed))
"""


def timed(target: Path, runs: int) -> tuple[float, float, str]:
    """Best wall time and best CPU time (user + system of the child) over ``runs`` fresh processes."""
    best_wall = best_cpu = float("inf")
    out = ""
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", SCAN, str(target)], capture_output=True, text=True, check=True,
                              cwd=REPO)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
        out = proc.stdout.strip()
    return best_wall, best_cpu, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("packages", nargs="?", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    root = write_tree(args.packages)
    status = root / "var/lib/dpkg/status"
    print(f"{args.packages:,} packages, status file {status.stat().st_size / 1e6:.1f} MB; best of {args.runs}, "
          "fresh process each (components, edges incl. placeholders, with licence, failed inputs)")
    print(f"  {'':<27} {'wall':>8} {'cpu':>8}")
    wall, cpu, _ = timed(Path(__file__).resolve(), args.runs)  # no collector matches: start-up + imports only
    print(f"  {'python start + imports':<27} {wall:6.2f} s {cpu:6.2f} s")
    for label, target in (("status file", status), ("rootfs (with licences)", root)):
        wall, cpu, out = timed(target, args.runs)
        print(f"  {label:<27} {wall:6.2f} s {cpu:6.2f} s   [{out}]")


if __name__ == "__main__":
    main()
