"""CPU collectors: /proc/cpuinfo captures, macOS sysctl, lscpu -J; archspec microarchitectures.

Goldens were reviewed by eye (SOVAUDIT_UPDATE_GOLDEN=1 rewrites them). The archspec captures are
archspec's own test targets: the target each is named after is the independent expectation of
our detection. On this machine, the model and vendor read from /proc/cpuinfo must equal what
`lscpu` reports, and the microarchitecture what `archspec.cpu.host()` detects.
"""

from __future__ import annotations

import importlib
import json
import platform
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sovaudit import inventory_json
from sovaudit.collectors.cpu import CpuinfoCollector, LscpuCollector, microarchitecture, parse_cpuinfo
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.host_compute import host_compute_inputs
from sovaudit.model import Inventory, Relation
from sovaudit.pipeline import scan
from tests.conftest import GOLDEN, SAMPLES, assert_golden

GOOD = SAMPLES / "compute" / "good"
BAD = SAMPLES / "compute" / "bad"
CPUINFO = sorted(p.name for p in (GOOD / "cpuinfo").iterdir())


def collect(collector: CpuinfoCollector | LscpuCollector, rel: str) -> Inventory:
    tp = TreePath.for_input(rel)
    assert collector.detect(tp), rel
    return collector.collect(tp)


@pytest.mark.parametrize("name", CPUINFO)
def test_cpuinfo_golden(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    inv = collect(CpuinfoCollector(), f"cpuinfo/{name}")
    assert_golden(inventory_json.dump(inv), GOLDEN / "compute" / f"cpuinfo_{name}.inventory.json")


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("archspec_darwin-sequoia-m4.cpuinfo", "m4"),
        ("archspec_linux-amazon-neoverse_v1.cpuinfo", "neoverse_v1"),
        ("archspec_linux-rhel7-skylake_avx512.cpuinfo", "skylake_avx512"),
        ("archspec_linux-rhel8-power9.cpuinfo", "power9le"),
        ("archspec_linux-rocky9-zen5.cpuinfo", "zen5"),
        ("archspec_linux-ubuntu22.04-neoverse_v2.cpuinfo", "neoverse_v2"),
    ],
)
def test_microarchitecture_is_the_archspec_test_target(name: str, target: str) -> None:
    inv = CpuinfoCollector().collect(TreePath.for_input(GOOD / "cpuinfo" / name))
    cpu = next(c for c in inv.components if c.kind == "cpu")
    assert cpu.prop("cpu:microarchitecture") == target
    tid = f"compute/cpu-target/{target}"
    assert any(c.id == tid and c.kind == "cpu-target" for c in inv.components)
    assert [(e.source, e.target, e.relation) for e in inv.edges] == [(tid, cpu.id, Relation.RUNS_ON)]


def test_counts_from_the_raw_capture() -> None:
    path = GOOD / "cpuinfo" / "debian12-vm_x86_64_2cpu.proc-cpuinfo"
    text = path.read_text()
    logical = len(re.findall(r"(?m)^processor\s*:", text))
    sockets = len(set(re.findall(r"(?m)^physical id\s*:\s*(\d+)", text)))
    model = re.search(r"(?m)^model name\s*:\s*(.+)$", text).group(1)  # type: ignore[union-attr]
    inv = CpuinfoCollector().collect(TreePath.for_input(path))
    cpu = next(c for c in inv.components if c.kind == "cpu")
    assert cpu.name == model == "Intel(R) Xeon(R) Processor"
    assert cpu.prop("cpu:logical-cpus") == str(logical) == "2"
    assert cpu.prop("compute:count") == str(sockets) == "1"
    assert cpu.supplier == "Intel" and cpu.prop("cpu:vendor") == "GenuineIntel"


def test_lscpu_golden_and_agreement_with_cpuinfo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    inv = collect(LscpuCollector(), "lscpu/debian12-vm_lscpu-J.json")
    assert_golden(inventory_json.dump(inv), GOLDEN / "compute" / "lscpu_debian12-vm.inventory.json")
    from_lscpu = next(c for c in inv.components if c.kind == "cpu")
    from_cpuinfo = next(
        c
        for c in collect(CpuinfoCollector(), "cpuinfo/debian12-vm_x86_64_2cpu.proc-cpuinfo").components
        if c.kind == "cpu"
    )
    # same machine, two tools: same id, vendor and microarchitecture
    assert from_lscpu.id == from_cpuinfo.id
    for key in ("cpu:vendor", "cpu:microarchitecture", "cpu:family", "cpu:model", "compute:count"):
        assert from_lscpu.prop(key) == from_cpuinfo.prop(key), key
    assert from_lscpu.prop("cpu:hypervisor") == "KVM"


def test_lscpu_children_are_walked() -> None:
    from sovaudit.collectors.cpu import parse_lscpu

    nested = {
        "lscpu": [
            {"field": "Architecture:", "data": "aarch64"},
            {
                "field": "Vendor ID:",
                "data": "ARM",
                "children": [
                    {"field": "Model name:", "data": "Neoverse-V2", "children": [{"field": "Socket(s):", "data": "2"}]}
                ],
            },
            {"field": "Flags:", "data": "fp asimd sve sve2"},
        ]
    }
    facts = parse_lscpu(nested, "x")
    assert (facts.vendor, facts.model_name, facts.sockets, facts.architecture) == ("ARM", "Neoverse-V2", 2, "aarch64")


@pytest.mark.skipif(not Path("/proc/cpuinfo").is_file(), reason="no /proc/cpuinfo")
def test_this_machine_cpu_vendor_and_model_equal_lscpu() -> None:
    lscpu = shutil.which("lscpu")
    if lscpu is None:
        pytest.skip("lscpu (util-linux) not installed")
    out = json.loads(subprocess.run([lscpu, "-J"], capture_output=True, text=True, check=True).stdout)
    fields: dict[str, str] = {}

    def walk(entries: list[dict[str, object]]) -> None:
        for e in entries:
            fields.setdefault(str(e["field"]).rstrip(":"), str(e.get("data") or ""))
            walk(e.get("children", []))  # type: ignore[arg-type]

    walk(out["lscpu"])
    trees = host_compute_inputs("/", env={})
    result = scan([t for t in trees if t.name == "cpuinfo"], collectors=[CpuinfoCollector()])
    cpus = [c for c in result.inventory.components if c.kind == "cpu"]
    assert len(cpus) == 1
    assert cpus[0].prop("cpu:vendor") == fields["Vendor ID"]
    if "Model name" in fields and fields["Model name"] != "-":
        assert cpus[0].name == fields["Model name"]
    assert cpus[0].evidence[0].path == "/proc/cpuinfo"


@pytest.mark.skipif(
    platform.system() != "Linux" or platform.machine() not in ("x86_64", "aarch64"), reason="Linux only"
)
def test_this_machine_microarchitecture_equals_archspec_host() -> None:
    archspec_cpu = importlib.import_module("archspec.cpu")
    facts = parse_cpuinfo(Path("/proc/cpuinfo").read_text(), "/proc/cpuinfo")
    assert microarchitecture(facts[0]) == archspec_cpu.host().name


def test_bad_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    tp = TreePath.for_input("lscpu-truncated.json")
    assert LscpuCollector().detect(tp)
    with pytest.raises(InputError) as err:
        LscpuCollector().collect(tp)
    assert err.value.path == "lscpu-truncated.json" and "\n" not in err.value.reason
    with pytest.raises(InputError, match="no processor entries"):
        parse_cpuinfo("hello: world\n", "x.cpuinfo")
