"""Inputs the fuzzer once broke a collector with, kept (tests/samples/regressions/<collector>/<case>/).

Each case folder holds one input (a file or a folder, as the collector reads it), minimised from
the failing example; a big binary one is stored gzip-compressed (``rpmdb.sqlite.gz``) and read
decompressed, under its name without ``.gz``. Every one crashed or hung the collector before its fix (an exception other
than InputError, or more than 20 s); now each gives what ``EXPECTED`` says, under the fuzzer's
property (:func:`tests.fuzz.harness.check`).
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from sovaudit.collectors import COLLECTORS
from tests.conftest import SAMPLES
from tests.fuzz.harness import check

REGRESSIONS = SAMPLES / "regressions"

#: "<collector>/<case>": what it gives now — "inventory" (and at least N components: "inventory N"),
#: or a regular expression the one-line error matches. The bug each fixed is in the folder's README.
EXPECTED: dict[str, str] = {
    "conda-environment/huge-version-in-url": "inventory 2",
    "conda-list-json/huge-number": "invalid JSON: a number too long to read",
    "cpuinfo/huge-power-generation": "inventory 1",
    "datacite-xml/unknown-encoding": "invalid XML: unknown encoding: UTF-1000000",
    "gres-conf/huge-range": r"line 2: number 9{24}\.\.\. is too large for a host range",
    "hf-dataset-card/huge-number": "invalid YAML front matter: a value out of range",
    "hf-model-card/open-brackets": "inventory 1",
    "hf-model-card/padded-heading": "inventory 1",
    "hf-model/huge-number": "has no readable model files",
    "modulefile/truncated-local": "inventory 1",
    "oci-image/media-type-not-a-string": "inventory 0",
    "operational-manifest/huge-number": "line 9: a value out of range",
    "python-environment/huge-version": "inventory 1",
    "rocm-smi-json/huge-card-number": "inventory 3",
    "rpm-database/schema-not-utf8": "cannot read the SQLite database: 'utf-8' codec can't decode",
    "safetensors/huge-number": "safetensors header is not JSON: a number too long to read",
    "sif-image/ctime-out-of-range": "inventory 1",
    "slurm-conf/huge-gres-count": "inventory 3",
    "slurm-conf/nul-in-include": "inventory 1",
    "slurm-json/infinite-number": "inventory 7",
    "slurm-text/gres-parentheses": "inventory 4",
    "slurm-text/node-without-name": "line 4: a node record without NodeName=",
    "spack-find/encoded-surrogate": "inventory 3",
    "uv-lock/huge-number": "invalid TOML: a number too long to read",
}


def cases() -> list[str]:
    return sorted(f"{c.parent.name}/{c.name}" for c in REGRESSIONS.glob("*/*") if c.is_dir())


def test_every_case_has_an_expectation_and_a_registered_collector() -> None:
    assert cases() == sorted(EXPECTED)
    assert {key.partition("/")[0] for key in EXPECTED} <= set(COLLECTORS.names())


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_regression(case: str, tmp_path: Path) -> None:
    folder = REGRESSIONS / case
    (given,) = [p for p in folder.iterdir() if not p.name.startswith(".")]
    if given.suffix == ".gz":
        plain = tmp_path / given.name.removesuffix(".gz")
        plain.write_bytes(gzip.decompress(given.read_bytes()))
        given = plain
    outcome = check(COLLECTORS.get(case.partition("/")[0])(), given)
    want = EXPECTED[case]
    if want.startswith("inventory"):
        assert not outcome.error, outcome.error
        assert outcome.components >= int(want.split()[1])
    else:
        assert re.search(want, outcome.error), outcome.error
