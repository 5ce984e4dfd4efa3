"""Accelerators: nvidia-smi -q -x (defusedxml), rocm-smi --json, and the --host sysfs reader.

Goldens were reviewed by eye. GPU counts and driver versions are also taken from the raw files
with regexes here. Hostile XML (entity expansion, external entities) must be refused by defusedxml
before anything is expanded: an InputError naming the file, fast and small.
"""

from __future__ import annotations

import re
import time
import tracemalloc
from pathlib import Path

import pytest

from sovaudit import inventory_json
from sovaudit.collectors.accelerators import NvidiaSmiCollector, RocmSmiCollector, SysfsCollector
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.host_compute import host_compute_inputs
from sovaudit.model import Inventory, Relation
from sovaudit.pipeline import scan
from tests.conftest import GOLDEN, SAMPLES, assert_golden

GOOD = SAMPLES / "compute" / "good"
BAD = SAMPLES / "compute" / "bad"
NVIDIA = sorted(p.name for p in (GOOD / "nvidia-smi").iterdir())


def by_kind(inv: Inventory, kind: str) -> list[object]:
    return [c for c in inv.components if c.kind == kind]


@pytest.mark.parametrize("name", NVIDIA)
def test_nvidia_smi_golden_and_raw_counts(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    tp = TreePath.for_input(f"nvidia-smi/{name}")
    assert NvidiaSmiCollector().detect(tp)
    inv = NvidiaSmiCollector().collect(tp)
    assert_golden(inventory_json.dump(inv), GOLDEN / "compute" / f"nvidia-smi_{Path(name).stem}.inventory.json")
    raw = (GOOD / "nvidia-smi" / name).read_text()
    gpus = len(re.findall(r"<gpu id=", raw))
    driver = re.search(r"<driver_version>([^<]+)<", raw).group(1)  # type: ignore[union-attr]
    product = re.search(r"<product_name>([^<]+)<", raw).group(1)  # type: ignore[union-attr]
    accel = [c for c in inv.components if c.kind == "accelerator"]
    assert sum(int(c.prop("compute:count")) for c in accel) == gpus
    assert accel[0].name == product and accel[0].supplier == "NVIDIA"
    assert accel[0].prop("gpu:driver-version") == driver
    assert [c.version for c in inv.components if c.kind == "driver"] == [driver]
    assert {e.relation for e in inv.edges} == {Relation.RUNS_ON}


def test_nvidia_smi_facts() -> None:
    inv = NvidiaSmiCollector().collect(TreePath.for_input(GOOD / "nvidia-smi" / "netdata_a100-sxm4-mig.xml"))
    a100 = next(c for c in inv.components if c.kind == "accelerator")
    assert (a100.prop("gpu:architecture"), a100.prop("gpu:mig-mode"), a100.prop("gpu:mig-devices")) == (
        "Ampere",
        "Enabled",
        "2",
    )
    assert (a100.prop("gpu:cuda-version"), a100.prop("gpu:pci-id")) == ("11.6", "10de:20b0")


def test_rocm_smi_golden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    tp = TreePath.for_input("rocm-smi/mi250x-rocm-smi.json")
    assert RocmSmiCollector().detect(tp)
    inv = RocmSmiCollector().collect(tp)
    assert_golden(inventory_json.dump(inv), GOLDEN / "compute" / "rocm-smi_mi250x.inventory.json")
    raw = (GOOD / "rocm-smi" / "mi250x-rocm-smi.json").read_text()
    assert sum(int(c.prop("compute:count")) for c in inv.components if c.kind == "accelerator") == len(
        re.findall(r'"card\d+"', raw)
    )
    mi250 = next(c for c in inv.components if "MI250X" in c.name)
    assert (mi250.prop("gpu:gfx-version"), mi250.prop("gpu:architecture"), mi250.supplier) == (
        "gfx90a",
        "CDNA 2",
        "AMD",
    )
    assert mi250.prop("gpu:driver-version") == "6.3.6"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("nvidia-smi-billion-laughs.xml", "refused: the XML declares entities"),
        ("nvidia-smi-external-entity.xml", "refused: the XML declares entities"),
        ("nvidia-smi-truncated.xml", "is not well-formed XML"),
    ],
)
def test_hostile_xml_is_refused_quickly(name: str, reason: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    tp = TreePath.for_input(name)
    assert NvidiaSmiCollector().detect(tp)
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(InputError) as err:
        NvidiaSmiCollector().collect(tp)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert err.value.path == name
    assert err.value.reason.startswith(reason) and "\n" not in err.value.reason
    assert elapsed < 1.0 and peak < 10 * 1024 * 1024


def test_rocm_smi_truncated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    tp = TreePath.for_input("rocm-smi-truncated.json")
    assert RocmSmiCollector().detect(tp)
    with pytest.raises(InputError, match="not valid JSON after the warnings") as err:
        RocmSmiCollector().collect(tp)
    assert err.value.path == "rocm-smi-truncated.json"


def fake_host(root: Path) -> None:
    """A /sys and /proc with two A100s, an InfiniBand HCA, a virtio NIC and pci.ids."""
    devices = {
        "0000:17:00.0": ("0x10de", "0x20b2", "0x030200"),
        "0000:65:00.0": ("0x10de", "0x20b2", "0x030200"),
        "0000:31:00.0": ("0x15b3", "0x101b", "0x020700"),
        "0000:00:03.0": ("0x1af4", "0x1041", "0x020000"),
        "0000:00:02.0": ("0x1a03", "0x2000", "0x030000"),  # ASPEED BMC VGA: not an accelerator
    }
    for addr, (vendor, device, cls) in devices.items():
        d = root / "sys" / "bus" / "pci" / "devices" / addr
        d.mkdir(parents=True)
        (d / "vendor").write_text(vendor + "\n")
        (d / "device").write_text(device + "\n")
        (d / "class").write_text(cls + "\n")
    (root / "sys" / "class" / "drm").mkdir(parents=True)
    nv = root / "proc" / "driver" / "nvidia"
    for i, addr in enumerate(("0000:17:00.0", "0000:65:00.0")):
        g = nv / "gpus" / addr
        g.mkdir(parents=True)
        (g / "information").write_text(
            f"Model: \t\t NVIDIA A100-SXM4-80GB\nIRQ:   {100 + i}\nBus Location: \t {addr}\n"
        )
    (nv / "version").write_text(
        "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 01:15:15 UTC 2023\n"
        "GCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n"
    )
    ids = root / "usr" / "share" / "misc"
    ids.mkdir(parents=True)
    (ids / "pci.ids").write_text(
        "10de  NVIDIA Corporation\n\t20b2  GA100 [A100 SXM4 80GB]\n15b3  Mellanox Technologies\n"
        "\t101b  MT28908 Family [ConnectX-6]\nC 00  Unclassified device\n"
    )
    (root / "proc" / "cpuinfo").write_text((GOOD / "cpuinfo" / "archspec_linux-rocky9-zen5.cpuinfo").read_text())


def test_sysfs_on_a_fake_host(tmp_path: Path) -> None:
    root = tmp_path / "host"
    fake_host(root)
    trees = host_compute_inputs(str(root), env={})
    assert [str(t.rel) for t in trees] == ["proc/cpuinfo", "sys"]
    result = scan(trees, collectors=[SysfsCollector(), NvidiaSmiCollector()])
    comps = {c.id: c for c in result.inventory.components}
    a100 = comps["compute/accelerator/NVIDIA A100-SXM4-80GB"]
    assert (a100.supplier, a100.prop("compute:count"), a100.prop("gpu:driver-version")) == ("NVIDIA", "2", "535.104.05")
    assert a100.prop("gpu:architecture") == "Ampere" and a100.prop("gpu:pci-id") == "10de:20b2"
    ib = comps["compute/interconnect/infiniband"]
    assert ib.supplier == "NVIDIA (Mellanox)" and "ConnectX-6" in ib.prop("interconnect:source")
    assert "software/driver/nvidia-driver@535.104.05" in comps
    assert not any("1a03" in c.prop("gpu:pci-id") or "1af4" in c.prop("gpu:pci-id") for c in comps.values())
    assert all(e.path.startswith(str(root)) for c in comps.values() for e in c.evidence)


def test_sysfs_alone_names_devices_by_pci_id(tmp_path: Path) -> None:
    root = tmp_path / "host"
    fake_host(root)
    sys_tree = TreePath.for_input(root / "sys")  # rooted at /sys itself: /proc is out of reach
    assert SysfsCollector().detect(sys_tree)
    inv = SysfsCollector().collect(sys_tree)
    names = sorted(c.name for c in inv.components if c.kind == "accelerator")
    assert names == ["NVIDIA device 0x20b2"]
    assert not [c for c in inv.components if c.kind == "driver"]
