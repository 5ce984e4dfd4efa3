"""Slurm: slurm.conf (Include, NodeName ranges, partitions, NodeSet), gres.conf, JSON of every
data_parser version, scontrol/sinfo text.

Goldens were reviewed by eye. Node, partition and GPU counts are also computed here from the raw
files (regexes, json.load and the host-range oracle-checked :mod:`hostlist`), independently of the
collectors' parsers. Hostile inputs: an Include loop, an Include out of the tree, a range of 10^9
hosts, and a valid 1.6-billion-host expression: clear errors, in bounded time and memory.
"""

from __future__ import annotations

import json
import re
import time
import tracemalloc
from pathlib import Path

import pytest

from sovaudit import inventory_json
from sovaudit.collectors import hostlist
from sovaudit.collectors.interface import Collector
from sovaudit.collectors.slurm import (
    GresConfCollector,
    SlurmConfCollector,
    SlurmJsonCollector,
    SlurmTextCollector,
    parse_gres,
)
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import InputStatus, Inventory, Relation
from sovaudit.pipeline import scan
from tests.conftest import GOLDEN, SAMPLES, assert_golden

GOOD = SAMPLES / "compute" / "good"
BAD = SAMPLES / "compute" / "bad"
ALL: list[Collector] = [SlurmConfCollector(), GresConfCollector(), SlurmJsonCollector(), SlurmTextCollector()]

SAMPLE_FILES = [
    ("slurm-conf", "slurm/schedmd-example/slurm.conf.example"),
    ("slurm-conf", "slurm/schedmd-test7.17.3/slurm.conf"),
    ("gres-conf", "slurm/schedmd-test7.17.3/gres.conf"),
    ("slurm-conf", "slurm/lab-multigpu/slurm.conf"),
    ("gres-conf", "slurm/lab-multigpu/gres.conf"),
    ("slurm-conf", "slurm/include-tree/slurm.conf"),
    ("slurm-text", "slurm/gcm-scontrol-show-partition.txt"),
    ("slurm-text", "slurm/gcm-sinfo-output.txt"),
    ("slurm-json", "slurm-json/rivos_sinfo_out_openapi-v0.0.37_slurm-21.08.json"),
    ("slurm-json", "slurm-json/scontrol-show-nodes_data_parser-v0.0.40_slurm-23.11.json"),
    ("slurm-json", "slurm-json/sinfo_data_parser-v0.0.41_slurm-24.05.json"),
]


def run(rel: str) -> tuple[str, Inventory]:
    tp = TreePath.for_input(rel)
    claimed = [c for c in ALL if c.detect(tp)]
    assert len(claimed) == 1, (rel, [c.name for c in claimed])
    return claimed[0].name, claimed[0].collect(tp)


def golden_name(rel: str) -> str:
    return rel.replace("/", "_").replace(".json", "").replace(".txt", "") + ".inventory.json"


@pytest.mark.parametrize(("collector", "rel"), SAMPLE_FILES)
def test_golden(collector: str, rel: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    name, inv = run(rel)
    assert name == collector
    assert_golden(inventory_json.dump(inv), GOLDEN / "compute" / golden_name(rel))


def raw_node_lines(text: str) -> list[tuple[str, str]]:
    """(NodeName value, the rest) of each non-DEFAULT NodeName line, continuations joined."""
    text = re.sub(r"\\\n\s*", " ", text)
    out = []
    for m in re.finditer(r"(?im)^\s*NodeName=(\S+)(.*)$", text):
        if m.group(1).upper() != "DEFAULT":
            out.append((m.group(1), m.group(2)))
    return out


@pytest.mark.parametrize(
    "conf",
    [
        "slurm/schedmd-example/slurm.conf.example",
        "slurm/lab-multigpu/slurm.conf",
        "slurm/schedmd-test7.17.3/slurm.conf",
    ],
)
def test_conf_counts_from_the_raw_file(conf: str) -> None:
    text = (GOOD / conf).read_text()
    nodes = raw_node_lines(text)
    partitions = [p for p in re.findall(r"(?im)^\s*PartitionName=(\S+)", text) if p.upper() != "DEFAULT"]
    inv = SlurmConfCollector().collect(TreePath.for_input(GOOD / conf))
    groups = [c for c in inv.components if c.kind == "node-group"]
    assert len(groups) == len(nodes)
    assert sorted(int(g.prop("compute:count")) for g in groups) == sorted(hostlist.count(n) for n, _ in nodes)
    assert len([c for c in inv.components if c.kind == "partition"]) == len(partitions)
    contains = [
        e for e in inv.edges if e.relation is Relation.CONTAINS and e.source.startswith("operational/scheduler")
    ]
    assert len(contains) == len(partitions)


def test_lab_gpu_totals_agree_between_slurm_conf_and_gres_conf() -> None:
    conf = SlurmConfCollector().collect(TreePath.for_input(GOOD / "slurm/lab-multigpu/slurm.conf"))
    gres = GresConfCollector().collect(TreePath.for_input(GOOD / "slurm/lab-multigpu/gres.conf"))
    text = (GOOD / "slurm/lab-multigpu/slurm.conf").read_text()
    expected: dict[str, int] = {}
    for expr, rest in raw_node_lines(text):
        for typ, n in re.findall(r"gpu:(\w+):(\d+)", rest):
            expected[f"compute/accelerator/gpu:{typ}"] = expected.get(f"compute/accelerator/gpu:{typ}", 0) + int(
                n
            ) * hostlist.count(expr)
    for inv in (conf, gres):
        got = {c.id: int(c.prop("compute:count")) for c in inv.components if c.kind == "accelerator"}
        assert (
            got
            == expected
            == {
                "compute/accelerator/gpu:l40s": 4,
                "compute/accelerator/gpu:h100": 16,
                "compute/accelerator/gpu:v100": 2,
            }
        )
    assert {c.supplier for c in conf.components if c.kind == "accelerator"} == {"NVIDIA"}  # AutoDetect=nvml beside it


def test_include_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    _, inv = run("slurm/include-tree/slurm.conf")
    records = {r.path: r for r in inv.inputs}
    for rel in ("nodes.d/cpu.conf", "nodes.d/gpu.conf", "partitions.conf"):  # glob, and an absolute path
        assert records[f"slurm/include-tree/{rel}"].status is InputStatus.READ
    missing = records["slurm/include-tree/optional-site.conf"]
    assert missing.status is InputStatus.FAILED and "line 8 of slurm/include-tree/slurm.conf" in missing.reason
    comps = {c.id: c for c in inv.components}
    assert comps["compute/node-group/inc/cn[0001-0512]"].prop("compute:count") == "512"
    assert comps["compute/accelerator/gpu:mi250x"].prop("compute:count") == "512"  # 64 nodes x 8
    assert comps["compute/accelerator/gpu:mi250x"].supplier == "AMD"
    assert comps["operational/partition/inc/debug"].prop("compute:count") == "5"
    runs_on = {(e.source, e.target) for e in inv.edges if e.relation is Relation.RUNS_ON}
    assert ("operational/partition/inc/gpu", "compute/node-group/inc/gn[001-064]") in runs_on  # NodeSet by feature
    assert ("operational/partition/inc/debug", "compute/node-group/inc/gn[001-064]") in runs_on
    assert "compute/interconnect/slingshot" in comps and "compute/cpu-target/zen3" in comps  # SwitchType, milan


def test_include_files_are_not_claimed_on_their_own_by_a_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    result = scan(["slurm/include-tree"], collectors=ALL)
    read = sorted(r.path for r in result.inventory.inputs if r.status is InputStatus.READ)
    assert read == [
        "slurm/include-tree/nodes.d/cpu.conf",
        "slurm/include-tree/nodes.d/gpu.conf",
        "slurm/include-tree/partitions.conf",
        "slurm/include-tree/slurm.conf",
    ]


def test_gcm_partition_counts_equal_total_nodes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    text = (GOOD / "slurm/gcm-scontrol-show-partition.txt").read_text()
    totals = dict(re.findall(r"PartitionName=(\S+).*?TotalNodes=(\d+)", text))
    _, inv = run("slurm/gcm-scontrol-show-partition.txt")
    got = {c.name: c.prop("compute:count") for c in inv.components if c.kind == "partition"}
    assert got == totals == {"partition1": "3140", "partition2": "1469", "partition3": "3140"}


def test_gcm_sinfo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    _, inv = run("slurm/gcm-sinfo-output.txt")
    lines = (GOOD / "slurm/gcm-sinfo-output.txt").read_text().splitlines()[1:]
    hosts = {line.split("|")[11] for line in lines}
    groups = [c for c in inv.components if c.kind == "node-group"]
    assert sum(int(g.prop("compute:count")) for g in groups) == len(hosts) == 3
    assert any(c.id == "operational/scheduler/slurm@20.11.8" for c in inv.components)
    gpu = next(c for c in inv.components if c.kind == "accelerator")
    assert gpu.prop("compute:count") == "18"  # 8 + 8 + 2, from GRES per host


@pytest.mark.parametrize(
    ("rel", "version", "parser"),
    [
        ("slurm-json/rivos_sinfo_out_openapi-v0.0.37_slurm-21.08.json", "21.08.5", "openapi/v0.0.37"),
        ("slurm-json/scontrol-show-nodes_data_parser-v0.0.40_slurm-23.11.json", "23.11.7", "data_parser/v0.0.40"),
        ("slurm-json/sinfo_data_parser-v0.0.41_slurm-24.05.json", "24.05.5", "data_parser/v0.0.41"),
    ],
)
def test_json_versions_and_node_counts(rel: str, version: str, parser: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    data = json.loads((GOOD / rel).read_text())
    if "nodes" in data:
        names = {n["name"] for n in data["nodes"]}
    else:
        names = {h for e in data["sinfo"] for h in e["nodes"]["nodes"]}
    _, inv = run(rel)
    sched = next(c for c in inv.components if c.kind == "scheduler")
    assert (sched.version, sched.prop("slurm:data-parser"), sched.supplier) == (version, parser, "SchedMD")
    groups = [c for c in inv.components if c.kind == "node-group"]
    assert sum(int(g.prop("compute:count")) for g in groups) == len(names)


def test_gres_parsing() -> None:
    assert [
        (g.name, g.type, g.count) for g in parse_gres("gpu:a100:4(S:0-1),mps:400,gpu:2,shard:no_consume:8,gpu:tesla:1K")
    ] == [
        ("gpu", "a100", 4),
        ("mps", "", 400),
        ("gpu", "", 2),
        ("shard", "", 8),
        ("gpu", "tesla", 1024),
    ]


# -- hostile ----------------------------------------------------------------------------------------
def bounded(fn: object) -> tuple[InputError, float, int]:
    tracemalloc.start()
    start = time.perf_counter()
    try:
        fn()  # type: ignore[operator]
    except InputError as err:
        caught = err
    else:
        raise AssertionError("no InputError")
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return caught, elapsed, peak


def test_include_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    err, elapsed, _ = bounded(lambda: SlurmConfCollector().collect(TreePath.for_input("include-loop/slurm.conf")))
    assert err.path == "include-loop/slurm.conf"
    assert err.reason == (
        "Include loop: include-loop/slurm.conf -> include-loop/nodes.conf -> include-loop/more.conf"
        " -> include-loop/slurm.conf"
    )
    assert elapsed < 1.0


def test_include_out_of_the_tree_is_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    inv = SlurmConfCollector().collect(TreePath.for_input("include-escape/site/slurm.conf"))
    failed = [r for r in inv.inputs if r.status is InputStatus.FAILED]
    assert len(failed) == 1 and "leaves the scanned tree" in failed[0].reason
    assert not [c for c in inv.components if c.kind == "node-group"]  # NodeName=outside never seen


def test_a_billion_host_range_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    err, elapsed, peak = bounded(lambda: SlurmConfCollector().collect(TreePath.for_input("huge-range/slurm.conf")))
    assert err.path == "huge-range/slurm.conf"
    assert err.reason == "line 2: too many hosts in range `1-1000000000' (Slurm allows 65,536)"
    assert elapsed < 1.0 and peak < 10 * 1024 * 1024


def test_a_valid_billion_host_product_is_counted_not_expanded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    err, elapsed, peak = bounded(lambda: SlurmConfCollector().collect(TreePath.for_input("product-range/slurm.conf")))
    assert "names 1,600,000,000 hosts" in err.reason and "\n" not in err.reason
    assert elapsed < 2.0 and peak < 20 * 1024 * 1024


def test_scan_reports_hostile_files_and_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    result = scan(["include-loop", "huge-range", "product-range"], collectors=ALL)
    failed = {r.path: r.reason for r in result.inventory.inputs if r.status is InputStatus.FAILED}
    assert set(failed) == {"include-loop/slurm.conf", "huge-range/slurm.conf", "product-range/slurm.conf"}


def test_detection_does_not_claim_other_files(tmp_path: Path) -> None:
    (tmp_path / "nodes.conf").write_text("NodeName=x CPUs=1\n")
    (tmp_path / "notes.txt").write_text("hello\n")
    (tmp_path / "other.json").write_text('{"meta": {}, "items": []}\n')
    for name in ("nodes.conf", "notes.txt", "other.json"):
        assert not [c.name for c in ALL if c.detect(TreePath.for_input(tmp_path / name))]


def test_host_inputs_find_the_slurm_configuration(tmp_path: Path) -> None:
    from sovaudit.host_compute import host_compute_inputs

    root = tmp_path / "host"
    etc = root / "opt" / "slurm" / "etc"
    etc.mkdir(parents=True)
    (etc / "slurm.conf").write_text("ClusterName=h\nInclude /opt/slurm/etc/nodes.conf\nPartitionName=p Nodes=ALL\n")
    (etc / "nodes.conf").write_text("NodeName=gpu[01-04] Gres=gpu:h100:4\n")
    (etc / "gres.conf").write_text("AutoDetect=nvml\n")
    (root / "etc" / "slurm").mkdir(parents=True)
    (root / "etc" / "slurm" / "slurm.conf").write_text("ClusterName=ignored\n")
    trees = host_compute_inputs(str(root), env={"SLURM_CONF": "/opt/slurm/etc/slurm.conf"})
    assert [str(t.rel) for t in trees] == ["opt/slurm/etc/slurm.conf", "opt/slurm/etc/gres.conf"]
    result = scan(trees, collectors=ALL)
    comps = {c.id: c for c in result.inventory.components}
    assert comps["compute/node-group/h/gpu[01-04]"].prop("compute:count") == "4"
    assert comps["compute/accelerator/gpu:h100"].supplier == "NVIDIA"  # from the gres.conf beside it
    read = {r.path for r in result.inventory.inputs if r.status is InputStatus.READ}
    assert f"{root}/opt/slurm/etc/nodes.conf" in read  # the absolute Include, inside the root
    assert [str(t.rel) for t in host_compute_inputs(str(root), env={})] == ["etc/slurm/slurm.conf"]
