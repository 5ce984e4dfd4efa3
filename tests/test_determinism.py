"""Same input, same bytes: every output format, across PYTHONHASHSEED values and file-system orders.

The sample stacks are scanned and audited in child processes that differ only in their hash seed
(string hashing, so set and dict orders) or in the order the file system lists folders (``os.scandir``
and ``os.listdir`` shuffled, as a different file system or a copy in another creation order would
list them). Each child writes every format there is — every emitter in ``sovaudit.emitters.EMITTERS``
and every report in ``sovaudit.reports.FORMATS``, so a format added tomorrow is covered — and the
files must be byte-identical across children.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import REPO

STACKS = REPO / "sample_stacks"

#: The child: optionally shuffle every folder listing, then scan, audit and write each format.
CHILD = r"""
import os, random, sys
out, shuffle, *trees = sys.argv[1:]
unsorted = 0
if shuffle != "-":
    rng = random.Random(int(shuffle))
    real_listdir, real_scandir = os.listdir, os.scandir

    def _note(names):
        global unsorted
        if names != sorted(names):
            unsorted += 1

    def listdir(path="."):
        names = real_listdir(path)
        rng.shuffle(names)
        _note(names)
        return names

    class Shuffled:
        def __init__(self, it):
            with it:
                self.entries = list(it)
            rng.shuffle(self.entries)
            _note([e.name for e in self.entries])
            self.it = iter(self.entries)
        def __iter__(self):
            return self
        def __next__(self):
            return next(self.it)
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return None
        def close(self):
            pass

    os.listdir = listdir
    os.scandir = lambda path=".": Shuffled(real_scandir(path))

from datetime import date
from pathlib import Path
from sovaudit import __version__, knowledge, reports
from sovaudit.emitters import EMITTERS, RenderContext
from sovaudit.pipeline import audit, scan
from sovaudit.rules import load_packs

result = scan(trees)
inventory = result.inventory
folder = Path(out)
context = RenderContext(tool_version=__version__, timestamp=None)
for name in EMITTERS.names():
    (folder / f"emitter-{name}").write_bytes(EMITTERS.get(name)().render(inventory, context))
done = audit(inventory, kb=knowledge.load(()), packs=load_packs(), today=date(2026, 1, 15))
for name in sorted(reports.FORMATS):
    (folder / f"report-{name}").write_bytes(reports.render(name, done, __version__))
print(f"{len(inventory.components)} {unsorted} {len(result.crashes)}")
"""

#: (PYTHONHASHSEED, shuffle seed or "-"): three hash seeds, then two shuffled listings.
VARIANTS = (("0", "-"), ("1", "-"), ("4242", "-"), ("7", "1"), ("0", "99"))


def _child(seed: str, shuffle: str, out: Path) -> tuple[int, int, int]:
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHASHSEED", "SOVAUDIT_LIMITS")}
    env.update(PYTHONHASHSEED=seed, SOURCE_DATE_EPOCH="1768435200")
    proc = subprocess.run(
        [sys.executable, "-I", "-c", CHILD, str(out), shuffle, str(STACKS)],
        cwd=out,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    components, unsorted, crashes = (int(x) for x in proc.stdout.split())
    return components, unsorted, crashes


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, Path, tuple[int, int, int]]]:
    base = tmp_path_factory.mktemp("determinism")
    folders = [base / f"seed{seed}-shuffle{shuffle}" for seed, shuffle in VARIANTS]
    with ThreadPoolExecutor(max_workers=2) as pool:
        stats = list(
            pool.map(lambda v: _child(v[0], v[1], v[2]), [(*v, f) for v, f in zip(VARIANTS, folders, strict=True)])
        )
    return [(seed, shuffle, folder, s) for (seed, shuffle), folder, s in zip(VARIANTS, folders, stats, strict=True)]


def test_every_format_is_written(outputs: list[tuple[str, str, Path, tuple[int, int, int]]]) -> None:
    from sovaudit.emitters import EMITTERS
    from sovaudit.reports import FORMATS

    _, _, first, (components, _, crashes) = outputs[0]
    expected = {f"emitter-{n}" for n in EMITTERS.names()} | {f"report-{n}" for n in FORMATS}
    assert {p.name for p in first.iterdir()} == expected
    assert all(p.stat().st_size > 0 for p in first.iterdir())
    assert components > 400 and crashes == 0


def test_the_shuffled_children_did_see_other_orders(outputs: list[tuple[str, str, Path, tuple[int, int, int]]]) -> None:
    for _, shuffle, _, (_, unsorted, _) in outputs:
        assert (unsorted > 20) if shuffle != "-" else unsorted == 0


def test_every_format_is_byte_identical_across_hash_seeds_and_listing_orders(
    outputs: list[tuple[str, str, Path, tuple[int, int, int]]],
) -> None:
    _, _, first, _ = outputs[0]
    differ = []
    for seed, shuffle, folder, _ in outputs[1:]:
        for reference in sorted(first.iterdir()):
            if (folder / reference.name).read_bytes() != reference.read_bytes():
                differ.append(f"{reference.name} (PYTHONHASHSEED={seed}, shuffle={shuffle})")
    assert differ == []
