"""Accelerators: ``nvidia-smi -q -x`` XML, ``rocm-smi --json``, and (for ``--host``) Linux's sysfs.

Each distinct product becomes a compute-layer ``accelerator`` component named as the vendor's tool
names it (``NVIDIA A100-SXM4-80GB``), with the supplier, ``compute:count`` (how many the input
shows) and, where the input says: ``gpu:architecture`` (``Ampere``; derived from the product name
for old drivers that do not report it, with ``gpu:architecture-derived=true``), ``gpu:driver-version``,
``gpu:cuda-version``, ``gpu:mig-mode`` (``Enabled``/``Disabled``/``N/A``), ``gpu:mig-devices``,
``gpu:memory``, ``gpu:pci-id`` (``10de:20b0``), ``gpu:gfx-version`` (AMD). The NVIDIA or AMD
kernel driver becomes a software-layer ``driver`` component (``nvidia-driver@535.86.05``) with a
``runs-on`` edge to each accelerator: the proprietary piece every GPU job goes through.

``nvidia-smi`` XML is parsed with defusedxml only: entity declarations (the "billion laughs" and
external-entity attacks) raise, and become an InputError naming the file. ``rocm-smi`` prints
warnings before its JSON; everything up to the first ``{`` is skipped.

The sysfs reader (:class:`SysfsCollector`) is what ``--host`` uses: it reads files, never runs
anything, needs no privilege: ``bus/pci/devices/*/{class,vendor,device}``,
``class/drm/card*/device/{vendor,device}`` and, beside ``sys`` when the tree is rooted at ``/``,
``proc/driver/nvidia/version`` and ``proc/driver/nvidia/gpus/*/information`` (the exact product
name and driver version, readable by any user), and ``usr/share/misc/pci.ids`` for device names.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sovaudit.collectors.interface import Collector
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Component, Edge, Evidence, Inventory, Layer, Relation, component_id

#: Product-name patterns -> NVIDIA architecture, for drivers that do not report it (before ~R510).
_NVIDIA_ARCH = (
    (re.compile(r"\b(GB?200|B[12]00|RTX PRO \d+ Blackwell|RTX 50\d\d)\b", re.I), "Blackwell"),
    (re.compile(r"\b(GH200|H100|H200|H800|H20)\b", re.I), "Hopper"),
    (re.compile(r"\b(L4|L40S?|RTX 40\d\d|RTX \d000 Ada)\b", re.I), "Ada Lovelace"),
    (re.compile(r"\b(A100|A800|A30|A40|A10G?|A16|A2|RTX A\d+|RTX 30\d\d)\b", re.I), "Ampere"),
    (re.compile(r"\b(T4|RTX 20\d\d|Quadro RTX|TITAN RTX)\b", re.I), "Turing"),
    (re.compile(r"\b(V100|TITAN V)\b", re.I), "Volta"),
    (re.compile(r"\b(P100|P40|P4|P6|GTX 10\d\d|TITAN X[p]?)\b", re.I), "Pascal"),
    (re.compile(r"\b(M60|M40|M10|M4|GTX 9\d\d)\b", re.I), "Maxwell"),
    (re.compile(r"\b(K80|K40|K20|K10)\b", re.I), "Kepler"),
)
#: AMD gfx target -> architecture family.
_AMD_GFX = {
    "gfx906": "GCN 5 (Vega 20)",
    "gfx908": "CDNA",
    "gfx90a": "CDNA 2",
    "gfx940": "CDNA 3",
    "gfx941": "CDNA 3",
    "gfx942": "CDNA 3",
    "gfx950": "CDNA 4",
    "gfx1030": "RDNA 2",
    "gfx1100": "RDNA 3",
    "gfx1101": "RDNA 3",
    "gfx1201": "RDNA 4",
}
#: PCI vendor ids -> supplier, for the vendors whose devices are accelerators or HPC fabrics.
PCI_VENDORS = {
    "0x10de": "NVIDIA",
    "0x1002": "AMD",
    "0x8086": "Intel",
    "0x1da3": "Intel (Habana Labs)",
    "0x1d0f": "Amazon",
    "0x1e52": "Tenstorrent",
    "0x17cb": "Qualcomm",
    "0x15b3": "NVIDIA (Mellanox)",
    "0x17db": "HPE (Cray)",
    "0x1fc1": "Cornelis Networks",
}


def nvidia_architecture(product: str) -> str:
    for pattern, arch in _NVIDIA_ARCH:
        if pattern.search(product):
            return arch
    return ""


@dataclass(slots=True)
class _Gpu:
    name: str
    supplier: str
    props: dict[str, str]
    pointer: str = ""


def _inventory(
    gpus: list[_Gpu], path: TreePath, collector: str, driver: tuple[str, str] | None, extra: Inventory | None = None
) -> Inventory:
    """One component per product (counted), the driver, and runs-on edges from the driver."""
    counts = Counter(g.name for g in gpus)
    first: dict[str, _Gpu] = {}
    mig: Counter[str] = Counter()
    for g in gpus:
        first.setdefault(g.name, g)
        mig[g.name] += int(g.props.get("gpu:mig-devices", "0") or 0)
    comps: list[Component] = []
    edges: list[Edge] = []
    driver_id = ""
    if driver is not None and driver[1]:
        name, version = driver
        ev = Evidence(path=path.display(), collector=collector, pointer="driver_version")
        driver_id = component_id(Layer.SOFTWARE, "driver", name, version)
        comps.append(
            Component(
                id=driver_id,
                layer=Layer.SOFTWARE,
                kind="driver",
                name=name,
                version=version,
                supplier=first[next(iter(first))].supplier if first else "",
                evidence=(ev,),
            )
        )
    for name, g in first.items():
        props = dict(g.props)
        props["compute:count"] = str(counts[name])
        if mig[name]:
            props["gpu:mig-devices"] = str(mig[name])
        else:
            props.pop("gpu:mig-devices", None)
        ev = Evidence(path=path.display(), collector=collector, pointer=g.pointer)
        cid = component_id(Layer.COMPUTE, "accelerator", name)
        comps.append(
            Component(
                id=cid,
                layer=Layer.COMPUTE,
                kind="accelerator",
                name=name,
                supplier=g.supplier,
                properties=tuple(sorted((k, v) for k, v in props.items() if v)),
                evidence=(ev,),
            )
        )
        if driver_id:
            edges.append(Edge(source=driver_id, target=cid, relation=Relation.RUNS_ON, evidence=(ev,)))
    if extra is not None:
        comps.extend(extra.components)
        edges.extend(extra.edges)
    return Inventory(components=tuple(comps), edges=tuple(edges))


# -- nvidia-smi -q -x ----------------------------------------------------------------------------
def _text(el: Any, tag: str) -> str:
    found = el.find(tag)
    value = (found.text or "").strip() if found is not None else ""
    return "" if value in ("N/A", "Not Supported", "[N/A]") else value


def parse_nvidia_smi(data: bytes, display: str) -> tuple[list[_Gpu], tuple[str, str]]:
    import defusedxml
    import defusedxml.ElementTree as SafeET

    try:
        root = SafeET.fromstring(data)
    except defusedxml.DefusedXmlException as err:
        raise InputError(
            display, f"refused: the XML declares entities or external references ({type(err).__name__})"
        ) from err
    except SafeET.ParseError as err:
        raise InputError(display, f"is not well-formed XML: {err}") from err
    except RecursionError as err:
        raise InputError(display, "XML nested too deeply to read") from err
    if root.tag != "nvidia_smi_log":
        raise InputError(
            display, f"root element is <{root.tag}>, not <nvidia_smi_log>; is this `nvidia-smi -q -x` output?"
        )
    driver = _text(root, "driver_version")
    cuda = _text(root, "cuda_version")
    gpus = []
    for gpu in root.findall("gpu"):
        product = _text(gpu, "product_name") or "NVIDIA GPU"
        arch = _text(gpu, "product_architecture")
        derived = ""
        if not arch:
            arch = nvidia_architecture(product)
            derived = "true" if arch else ""
        pci = _text(gpu, "pci/pci_device_id")  # 20B010DE: device 20B0, vendor 10DE
        mig_devices = gpu.findall("mig_devices/mig_device")
        props = {
            "gpu:architecture": arch,
            "gpu:architecture-derived": derived,
            "gpu:driver-version": driver,
            "gpu:cuda-version": cuda,
            "gpu:mig-mode": (gpu.findtext("mig_mode/current_mig") or "").strip(),
            "gpu:mig-devices": str(len(mig_devices)),
            "gpu:brand": _text(gpu, "product_brand"),
            "gpu:memory": _text(gpu, "fb_memory_usage/total"),
            "gpu:pci-id": f"{pci[4:8].lower()}:{pci[:4].lower()}" if len(pci) == 8 else "",
        }
        gpus.append(_Gpu(name=product, supplier="NVIDIA", props=props, pointer=f"gpu[@id='{gpu.get('id', '')}']"))
    if not gpus:
        raise InputError(display, "lists no <gpu> element")
    return gpus, ("nvidia-driver", driver)


class NvidiaSmiCollector(Collector):
    name = "nvidia-smi-xml"
    description = "`nvidia-smi -q -x` output: NVIDIA GPUs, architecture, driver, CUDA version, MIG mode"

    def detect(self, path: TreePath) -> bool:
        return path.suffix == ".xml" and b"<nvidia_smi_log" in path.read_head(1024)

    def collect(self, path: TreePath) -> Inventory:
        gpus, driver = parse_nvidia_smi(path.read_bytes(), path.display())
        return _inventory(gpus, path, self.name, driver)


# -- rocm-smi --json -----------------------------------------------------------------------------
def _ci(d: dict[str, Any], *keys: str) -> str:
    """The first value among ``keys``, matching keys case-insensitively."""
    lowered = {k.lower(): v for k, v in d.items()}
    for k in keys:
        v = lowered.get(k.lower())
        if isinstance(v, (str, int, float)) and str(v).strip() not in ("", "N/A"):
            return str(v).strip()
    return ""


def parse_rocm_smi(text: str, display: str) -> tuple[list[_Gpu], tuple[str, str]]:
    start = text.find("{")
    if start < 0:
        raise InputError(display, "no JSON object in the output (rocm-smi --json prints one after its warnings)")
    try:
        data, _ = json.JSONDecoder().raw_decode(text, start)
    except (ValueError, RecursionError) as err:
        raise InputError(display, f"is not valid JSON after the warnings: {err}") from err
    if not isinstance(data, dict):
        raise InputError(display, "the JSON is not an object keyed by card")
    system = data.get("system") if isinstance(data.get("system"), dict) else {}
    driver = _ci(system, "Driver version") if system else ""
    gpus = []
    # card2 before card10, without int() (which refuses 4,300 digits)
    for key in sorted((k for k in data if re.fullmatch(r"card\d+", k)), key=lambda k: (len(k), k)):
        card = data[key]
        if not isinstance(card, dict):
            raise InputError(display, f"/{key} is not an object")
        series = _ci(card, "Card Series", "Card series", "Device Name", "Market Name", "Card Model", "Card model")
        gfx = _ci(card, "GFX Version", "Target Graphics Version", "gfx_version")
        driver = driver or _ci(card, "Driver version")
        name = series if series.upper().startswith("AMD") else f"AMD {series}" if series else "AMD GPU"
        props = {
            "gpu:architecture": _AMD_GFX.get(gfx.lower(), ""),
            "gpu:gfx-version": gfx.lower(),
            "gpu:driver-version": driver,
            "gpu:memory": _ci(card, "VRAM Total Memory (B)"),
            "gpu:sku": _ci(card, "Card SKU"),
        }
        gpus.append(_Gpu(name=name, supplier="AMD", props=props, pointer=f"/{key}"))
    if not gpus:
        raise InputError(display, "no card0, card1 ... entries; is this `rocm-smi --json` output?")
    for g in gpus:
        g.props["gpu:driver-version"] = g.props["gpu:driver-version"] or driver
    return gpus, ("amdgpu-driver", driver)


class RocmSmiCollector(Collector):
    name = "rocm-smi-json"
    description = "`rocm-smi --json` output (warnings before the JSON tolerated): AMD GPUs"

    def detect(self, path: TreePath) -> bool:
        if path.suffix not in (".json", ".txt", ".out"):
            return False
        head = path.read_head(4096)
        return re.search(rb'\{\s*"card\d+"\s*:', head) is not None

    def collect(self, path: TreePath) -> Inventory:
        gpus, driver = parse_rocm_smi(path.read_text(), path.display())
        return _inventory(gpus, path, self.name, driver)


# -- Linux sysfs (--host) ------------------------------------------------------------------------
_SMALL = 64 * 1024
_PCI_IDS = ("usr/share/misc/pci.ids", "usr/share/hwdata/pci.ids")
_MAX_DEVICES = 4096


def _read_small(path: TreePath) -> str:
    try:
        return path.read_bytes(_SMALL).decode("utf-8", errors="replace").strip()
    except InputError:
        return ""


def _pci_names(root: TreePath | None, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Device names from pci.ids for the (vendor, device) pairs wanted (lower-case hex, no 0x)."""
    if root is None or not wanted:
        return {}
    text = ""
    for rel in _PCI_IDS:
        candidate = root / rel
        if candidate.is_file():
            try:
                text = candidate.read_text()
            except InputError:
                text = ""
            break
    names: dict[tuple[str, str], str] = {}
    vendors = {v for v, _ in wanted}
    vendor = ""
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if not line.startswith("\t"):
            vendor = line[:4].lower() if line[:4].lower() in vendors else ""
            if line.startswith("C "):
                break  # the device classes follow the vendors
            continue
        if vendor and not line.startswith("\t\t"):
            dev = line[1:5].lower()
            if (vendor, dev) in wanted:
                names[(vendor, dev)] = line[5:].strip()
    return names


def _nvidia_proc(root: TreePath | None) -> tuple[list[str], str]:
    """(product names, driver version) from /proc/driver/nvidia; empty when not there."""
    if root is None:
        return [], ""
    base = root / "proc" / "driver" / "nvidia"
    if not base.is_dir():
        return [], ""
    version = ""
    m = re.search(r"Kernel Module\s+(?:for\s+\S+\s+)?(\d+(?:\.\d+)+)", _read_small(base / "version"))
    if m:
        version = m.group(1)
    models = []
    gpus = base / "gpus"
    if gpus.is_dir():
        for dev in list(gpus.iterdir())[:_MAX_DEVICES]:
            info = _read_small(dev / "information")
            mm = re.search(r"^Model:\s*(.+)$", info, re.MULTILINE)
            if mm:
                models.append(mm.group(1).strip())
    return models, version


class SysfsCollector(Collector):
    name = "linux-sysfs"
    description = "a Linux /sys tree (what `--host` reads): PCI accelerators and fabrics, NVIDIA's /proc files"
    claims_files = False
    claims_directories = True

    def detect(self, path: TreePath) -> bool:
        return path.name == "sys" and (path / "bus" / "pci" / "devices").is_dir() and (path / "class").is_dir()

    def collect(self, path: TreePath) -> Inventory:
        root = path.parent if str(path.rel) not in (".", "") else None
        devices = path / "bus" / "pci" / "devices"
        found: list[tuple[str, str, str, str]] = []  # (vendor, device, class, where)
        for dev in list(devices.iterdir())[:_MAX_DEVICES]:
            cls = _read_small(dev / "class").lower()
            vendor = _read_small(dev / "vendor").lower()
            device = _read_small(dev / "device").lower()
            if vendor in PCI_VENDORS and cls[:4] in ("0x03", "0x12", "0x02"):
                found.append((vendor, device, cls, f"bus/pci/devices/{dev.name}"))
        drm = path / "class" / "drm"
        if not found and drm.is_dir():  # no PCI view: fall back to the DRM cards
            for card in drm.iterdir():
                if re.fullmatch(r"card\d+", card.name):
                    vendor = _read_small(card / "device" / "vendor").lower()
                    device = _read_small(card / "device" / "device").lower()
                    if vendor in PCI_VENDORS:
                        found.append((vendor, device, "0x030000", f"class/drm/{card.name}"))
        models, nv_driver = _nvidia_proc(root)
        names = _pci_names(root, {(v[2:], d[2:]) for v, d, _, _ in found})
        gpus: list[_Gpu] = []
        fabrics: list[Component] = []
        nvidia_models = iter(models)
        for vendor, device, cls, where in found:
            supplier = PCI_VENDORS[vendor]
            pci_id = f"{vendor[2:]}:{device[2:]}"
            label = names.get((vendor[2:], device[2:]), f"device {device}")
            ev = Evidence(path=f"{path.display().rstrip('/')}/{where}", collector=self.name)
            if cls.startswith("0x02"):
                fabric = _fabric_kind(vendor, device, cls)
                if fabric:
                    fabrics.append(
                        Component(
                            id=component_id(Layer.COMPUTE, "interconnect", fabric),
                            layer=Layer.COMPUTE,
                            kind="interconnect",
                            name=fabric,
                            supplier=supplier,
                            properties=(("interconnect:source", f"pci {pci_id} {label}"),),
                            evidence=(ev,),
                        )
                    )
                continue
            name = next(nvidia_models, "") if vendor == "0x10de" else ""
            name = name or f"{supplier.split(' ')[0]} {label}"
            arch = nvidia_architecture(name) if vendor == "0x10de" else ""
            props = {
                "gpu:pci-id": pci_id,
                "gpu:architecture": arch,
                "gpu:architecture-derived": "true" if arch else "",
                "gpu:driver-version": nv_driver if vendor == "0x10de" else "",
            }
            gpus.append(_Gpu(name=name, supplier=supplier, props=props, pointer=where))
        driver = ("nvidia-driver", nv_driver) if nv_driver and any(g.supplier == "NVIDIA" for g in gpus) else None
        return _inventory(gpus, path, self.name, driver, Inventory(components=tuple(fabrics)))


def _fabric_kind(vendor: str, device: str, cls: str) -> str:
    """Interconnect name for a network controller: InfiniBand by class, Slingshot/EFA by vendor."""
    if cls.startswith("0x0207"):
        return "infiniband"
    if cls.startswith("0x0208"):
        return "omni-path"
    if vendor == "0x17db":
        return "slingshot"
    if vendor == "0x1d0f" and device.startswith("0xefa"):
        return "efa"
    return ""
