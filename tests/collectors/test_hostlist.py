"""Slurm host ranges: our expansion against `scontrol show hostnames` (Debian's slurm-client).

The oracle test runs every host expression of the Slurm samples (NodeName, PartitionName Nodes,
NodeSet Nodes, `scontrol show partition` Nodes, sinfo HOSTNAMES) and a generated set of tricky
ones through the real scontrol (``tests/fixtures/install_slurm_client.sh`` installs it; .ci/run
calls that script). Without scontrol the test is skipped, except under CI=true, where it fails.
scontrol needs a configuration file to start, never a controller: a two-line slurm.conf is made in
a temporary folder, so it never looks for one on the network.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sovaudit.collectors import hostlist
from sovaudit.collectors.hostlist import HostlistError, compress, count, expand
from tests.conftest import SAMPLES

SLURM_SAMPLES = SAMPLES / "compute" / "good" / "slurm"

# Each expected list below was checked against scontrol show hostnames (Slurm 22.05).
CASES: list[tuple[str, list[str] | None]] = [
    ("node[01-3]", ["node01", "node02", "node03"]),
    ("node[1-03]", ["node1", "node2", "node3"]),
    ("node[9-11]", ["node9", "node10", "node11"]),
    ("n[0010-12]", ["n0010", "n0011", "n0012"]),
    ("a[1-2]b[1-2]", ["a1b1", "a1b2", "a2b1", "a2b2"]),
    ("x[0-1]y[0-1]z[0-1]", ["x0y0z0", "x0y0z1", "x1y0z0", "x1y0z1", "x0y1z0", "x0y1z1", "x1y1z0", "x1y1z1"]),
    ("n[1-3],n[2-4]", ["n1", "n2", "n3", "n2", "n3", "n4"]),
    ("a[1-2] b", ["a1", "a2", "b"]),
    ("n[1-]", ["n1"]),
    ("n[ 1-3]", ["n01", "n02", "n03"]),
    ("n[1a-3]", ["n01", "n02", "n03"]),
    ("n[1-2", ["n]"]),
    ("[1-2", ["1-2"]),
    ("a[b[1-2]", ["a[b1", "a[b2"]),
    ("n[1-2]-[3-4]", ["n1-3", "n1-4", "n2-3", "n2-4"]),
    ("n010", ["n010"]),
    ("", []),
    (",,", []),
    ("a[1-2]-ib", None),
    ("n[3-1]", None),
    ("n[]", None),
    ("n[1-2,]", None),
    ("n[1-3x]", None),
    ("n[1--3]", None),
    ("a[1]]", None),
    ("n[1-65537]", None),
    ("n[1-1000000000]", None),
    ("a[x]b[1-2]c[1]", None),  # Slurm prints an error and expands to nothing; we raise
    ("n[99999999999999999999]", None),  # Slurm clamps to 2^64-1; we refuse
]


@pytest.mark.parametrize(("expr", "expected"), CASES)
def test_expand_cases(expr: str, expected: list[str] | None) -> None:
    if expected is None:
        with pytest.raises(HostlistError):
            expand(expr)
    else:
        assert expand(expr) == expected
        assert count(expr) == len(expected)


def test_a_range_of_a_billion_hosts_is_an_error_at_once() -> None:
    start = time.perf_counter()
    with pytest.raises(HostlistError, match="too many hosts in range `1-1000000000'"):
        count("n[1-1000000000]")
    assert time.perf_counter() - start < 0.1


def test_product_of_two_ranges_is_counted_without_expanding_and_refused_for_expansion() -> None:
    tracemalloc.start()
    start = time.perf_counter()
    assert count("a[1-40000]b[1-40000]") == 1_600_000_000
    with pytest.raises(HostlistError, match="1,600,000,000 hosts, over the limit of 1,000,000"):
        expand("a[1-40000]b[1-40000]")
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 0.5
    assert peak < 5 * 1024 * 1024


def test_limit_is_honoured() -> None:
    assert len(expand("n[1-100]", limit=100)) == 100
    with pytest.raises(HostlistError):
        expand("n[1-101]", limit=100)


def test_tokens_keep_commas_inside_brackets() -> None:
    assert list(hostlist._tokens("a[1,2],b c\tn[3-4,6]")) == ["a[1,2]", "b", "c", "n[3-4,6]"]


@given(st.sets(st.integers(min_value=0, max_value=3000), min_size=1, max_size=60), st.sampled_from(["n", "gpu", "r1n"]))
def test_compress_then_expand_gives_the_sorted_hosts(numbers: set[int], prefix: str) -> None:
    hosts = {f"{prefix}{n:04d}" for n in numbers} | {f"{prefix}{n}" for n in numbers if n % 7 == 0}
    assert sorted(expand(compress(hosts))) == sorted(hosts)


def test_compress_shapes() -> None:
    assert compress(["cs2", "cs3", "cs4", "login"]) == "cs[2-4],login"
    assert compress(["g01", "g02", "g04"]) == "g[01-02,04]"
    assert compress(["a.example.com"]) == "a.example.com"


# -- the oracle ------------------------------------------------------------------------------------
def sample_expressions() -> list[str]:
    """Every host expression in the Slurm samples, found with regexes (not with our parsers)."""
    found: list[str] = []
    for path in sorted(SLURM_SAMPLES.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text()
        if path.suffix == ".txt" and text.startswith("AVAIL|"):
            lines = text.splitlines()
            col = [h.strip() for h in lines[0].split("|")].index("HOSTNAMES")
            found += [line.split("|")[col].strip() for line in lines[1:] if line.strip()]
            continue
        for m in re.finditer(r"(?im)(?:^|\s)(?:NodeName|Nodes)=(\S+)", text):
            value = m.group(1)
            if value.upper() not in ("ALL", "DEFAULT") and not value.startswith("gpus"):
                found.append(value)
    return sorted(set(found))


def generated_expressions(n: int = 600, seed: int = 20261127) -> list[str]:
    """Tricky expressions: random strings over the hostlist alphabet, and random valid shapes."""
    rnd = random.Random(seed)
    alphabet = ["a", "b", "0", "1", "2", "9", "[", "]", "-", ",", " ", "x", "+", "0", "["]
    out = {"".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 12))) for _ in range(n)}

    def rng() -> str:
        lo = rnd.randint(0, 120)
        hi = lo + rnd.randint(-2, 15)
        pad = rnd.choice(["", "0", "00"])
        return f"{pad}{lo}" + (f"-{hi}" if rnd.random() < 0.7 else "")

    def bracket() -> str:
        return "[" + ",".join(rng() for _ in range(rnd.randint(1, 3))) + "]"

    for _ in range(n):
        parts = []
        for _ in range(rnd.randint(1, 3)):
            token = rnd.choice(["n", "gpu", "r1n", "a-b", ""]) + bracket()
            if rnd.random() < 0.3:
                token = rnd.choice(["x", "rack"]) + bracket() + rnd.choice(["n", "-", ""]) + token
            parts.append(token)
        out.add(",".join(parts))
    # the edges of Slurm's limits
    out |= {"n[1-65536]", "n[0-65535]", "n[1-65537]", "a[1-65536]b[1]", "a[1-65536,65537]b[1]", "n[1-2]]x"}
    return sorted(e for e in out if count_or_zero(e) <= 70_000)


def count_or_zero(expr: str) -> int:
    try:
        return count(expr)
    except HostlistError:
        return 0


@pytest.fixture(scope="module")
def scontrol(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str]]:
    exe = shutil.which("scontrol")
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail("scontrol is missing under CI: .ci/run must run tests/fixtures/install_slurm_client.sh")
        pytest.skip("scontrol not installed (bash tests/fixtures/install_slurm_client.sh)")
    conf: Path = tmp_path_factory.mktemp("slurm") / "slurm.conf"
    conf.write_text("ClusterName=oracle\nSlurmctldHost=localhost\n")
    return exe, {**os.environ, "SLURM_CONF": str(conf)}


def slurm_expand(scontrol: tuple[str, dict[str, str]], expr: str) -> list[str] | None:
    exe, env = scontrol
    # A leading space keeps scontrol's option parser from reading "-4" as an option.
    proc = subprocess.run(
        [exe, "show", "hostnames", " " + expr], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    if proc.stderr.strip() or "Invalid hostlist" in proc.stdout:
        return None
    return [line for line in proc.stdout.split("\n") if line]


def ours(expr: str) -> list[str] | None:
    try:
        return expand(expr, limit=100_000)
    except HostlistError:
        return None


def test_samples_have_host_expressions() -> None:
    exprs = sample_expressions()
    assert (
        "hopper[1-2]" in exprs
        and "node[0201-0272,0281-0932,1069-2468,4000-4455,5025-5028,5041-5316,7456-7735]" in exprs
    )
    assert len(exprs) >= 15


def test_expansion_matches_scontrol(scontrol: tuple[str, dict[str, str]]) -> None:
    exprs = sample_expressions() + generated_expressions()
    mismatches = []
    for expr in exprs:
        expected = slurm_expand(scontrol, expr)
        got = ours(expr)
        if expected != got:
            mismatches.append(f"{expr!r}: scontrol {str(expected)[:80]} / sovaudit {str(got)[:80]}")
    assert not mismatches, f"{len(mismatches)} of {len(exprs)} differ:\n" + "\n".join(mismatches[:20])
    # the set really exercises both outcomes
    outcomes = [ours(e) is None for e in exprs]
    assert 100 < sum(outcomes) < len(exprs) - 100
