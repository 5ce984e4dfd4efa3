"""The seeds the fuzzer mutates: every real sample, given to every collector whose ``detect`` claims it.

Nothing here names a collector. The registry lists them; each sample under ``tests/samples/*/good``
(and the few seeds in ``tests/fuzz/seeds`` for inputs no sample covers) is offered to every
collector's ``detect``, as the walker would offer it, and becomes a seed of each one that claims
it. A collector added tomorrow is fuzzed on the samples it reads with no edit here; one that
reads no sample at all fails ``test_every_collector_has_seeds``, which asks for a sample.

A sample stored gzip-compressed (``rpmdb.sqlite.gz``) is offered decompressed, under its name
without ``.gz``: that is how its tests use it. ``seeds/rpm-database/rpmdb.sqlite.gz`` is the real
database of ``tests/samples/os-packages/good`` under the one name rpm gives it.
"""

from __future__ import annotations

import gzip
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sovaudit.collectors import COLLECTORS
from sovaudit.collectors.interface import Collector
from sovaudit.fs import TreePath, clear_cache
from tests.conftest import GOLDEN, REPO, SAMPLES

SEEDS = REPO / "tests" / "fuzz" / "seeds"
#: Seeds kept per collector (spread over its samples): enough variety, a bounded copy per test.
MAX_SEEDS = 6
#: Files larger than this are not mutated (weights, layers): the parsers in front of them are.
MAX_MUTABLE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Seed:
    """One input of one collector: a file (its folder is copied along) or a folder it claims."""

    path: Path  # in the repository (for a .gz sample: the compressed file)
    is_dir: bool

    @property
    def input_name(self) -> str:
        return self.path.name.removesuffix(".gz") if self.is_gz else self.path.name

    @property
    def is_gz(self) -> bool:
        return not self.is_dir and self.path.suffix == ".gz"

    def materialise(self, into: Path) -> tuple[Path, list[Path]]:
        """Copy the seed under ``into``: (the input to give the collector, the files a mutation may change).

        A file seed is copied with its folder (a slurm.conf's Include, a requirements file's ``-r``
        are read from beside it); only the seed itself is mutated. A folder seed is copied whole
        and any of its small files may be mutated.
        """
        if self.is_dir:
            target = into / self.path.name
            shutil.copytree(self.path, target, symlinks=True)
            files = sorted(
                p
                for p in target.rglob("*")
                if p.is_file() and not p.is_symlink() and p.stat().st_size <= MAX_MUTABLE_BYTES
            )
            return target, files
        folder = into / self.path.parent.name
        shutil.copytree(self.path.parent, folder, symlinks=True, dirs_exist_ok=True)
        target = folder / self.input_name
        if self.is_gz:
            target.write_bytes(gzip.decompress(self.path.read_bytes()))
        return target, [target]


def sample_roots() -> list[Path]:
    """Where seeds are looked for: the real samples of every kind, the inventories the golden tests
    keep (what the inventory reader reads), then the fuzzer's own seeds."""
    return [*sorted(p for p in SAMPLES.glob("*/good") if p.is_dir()), GOLDEN, SEEDS]


def _offer(collector: Collector, tree: TreePath, is_dir: bool) -> bool:
    flag = collector.claims_directories if is_dir else collector.claims_files
    if not flag:
        return False
    try:
        return bool(collector.detect(tree))
    except Exception:  # a detect that raises is the fuzzer's finding, not the corpus's business
        return False


def _decompressed_view(path: Path, scratch: Path) -> Path:
    """A ``.gz`` sample written out decompressed (under its inner name) so ``detect`` can see it."""
    out = scratch / path.parent.name / path.name.removesuffix(".gz")
    out.parent.mkdir(parents=True, exist_ok=True)
    if not out.exists():
        out.write_bytes(gzip.decompress(path.read_bytes()))
    return out


@cache
def seeds_by_collector(scratch: Path) -> dict[str, tuple[Seed, ...]]:
    """Every registered collector's seeds (at most :data:`MAX_SEEDS`, spread over its samples)."""
    collectors = [COLLECTORS.get(name)() for name in COLLECTORS.names()]
    found: dict[str, list[Seed]] = {c.name: [] for c in collectors}
    for root in sample_roots():
        for path in sorted([root, *root.rglob("*")]):
            if path.is_symlink():
                continue
            is_dir = path.is_dir()
            probe = _decompressed_view(path, scratch) if not is_dir and path.suffix == ".gz" else path
            clear_cache()
            tree = TreePath.for_input(probe)  # one for all collectors: its head is read once
            for c in collectors:
                if _offer(c, tree, is_dir):
                    found[c.name].append(Seed(path=path, is_dir=is_dir))
    return {name: _spread(seeds) for name, seeds in found.items()}


def _spread(seeds: list[Seed]) -> tuple[Seed, ...]:
    if len(seeds) <= MAX_SEEDS:
        return tuple(seeds)
    step = len(seeds) / MAX_SEEDS
    return tuple(seeds[int(i * step)] for i in range(MAX_SEEDS))
