"""CPUs: ``/proc/cpuinfo`` captures (and macOS ``sysctl`` dumps) and ``lscpu -J`` output.

Each distinct processor model becomes a compute-layer ``cpu`` component:

* ``name`` = the model name as ``lscpu`` shows it (``AMD EPYC 7763 64-Core Processor``); on Arm,
  where ``/proc/cpuinfo`` has no model name, the core's name from the implementer/part table that
  ``lscpu`` uses (``Neoverse-V2``); on POWER the ``cpu`` line (``POWER9, altivec supported``);
* ``supplier`` = the vendor (``AMD``, ``Intel``, ``Arm``, ``Fujitsu`` ...); the raw vendor id as
  ``lscpu`` reports it is the property ``cpu:vendor`` (``AuthenticAMD``, ``GenuineIntel``, ``ARM``);
* ``cpu:microarchitecture`` = the most specific archspec target the flags allow (``zen3``), picked
  with archspec's own data and selection rule (the ``archspec`` package, imported on first use), and
  a ``compute/cpu-target/<target>`` component (the id the Spack collector uses for ``arch.target``)
  with a ``runs-on`` edge from the target to the cpu, so software built for ``zen3`` reaches the
  chip it runs on;
* ``compute:count`` = physical packages (distinct ``physical id``; lscpu's ``Socket(s)``; 1 when the
  input does not say), ``cpu:logical-cpus``, ``cpu:architecture`` (x86_64, aarch64, ppc64le ...),
  ``cpu:family``/``cpu:model`` (x86), ``cpu:part`` (Arm), ``cpu:hypervisor`` (lscpu, when virtual).

archspec's detection functions read the machine they run on; here the input is a file from any
machine, so :func:`microarchitecture` applies archspec's compatibility rules to the file's vendor,
flags and part number instead (same candidates, same ordering as ``archspec.cpu.host()``).
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sovaudit.collectors.interface import Collector
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Component, Edge, Evidence, Inventory, Layer, Relation, component_id

#: archspec / lscpu vendor ids -> the supplier name (same table as the Spack collector's targets).
VENDORS = {
    "GenuineIntel": "Intel",
    "AuthenticAMD": "AMD",
    "HygonGenuine": "Hygon",
    "CentaurHauls": "Centaur",
    "ARM": "Arm",
    "Apple": "Apple",
    "IBM": "IBM",
    "Ampere": "Ampere",
    "Cavium": "Cavium",
    "Fujitsu": "Fujitsu",
    "HiSilicon": "HiSilicon",
    "Nvidia": "NVIDIA",
    "Qualcomm": "Qualcomm",
    "Marvell": "Marvell",
    "SiFive": "SiFive",
    "SpacemiT": "SpacemiT",
}

#: (implementer, part) -> core name, as util-linux's lscpu-arm.c names them (server cores only).
ARM_PARTS = {
    ("0x41", "0xd03"): "Cortex-A53",
    ("0x41", "0xd07"): "Cortex-A57",
    ("0x41", "0xd08"): "Cortex-A72",
    ("0x41", "0xd0c"): "Neoverse-N1",
    ("0x41", "0xd40"): "Neoverse-V1",
    ("0x41", "0xd49"): "Neoverse-N2",
    ("0x41", "0xd4f"): "Neoverse-V2",
    ("0x41", "0xd84"): "Neoverse-V3",
    ("0x41", "0xd8e"): "Neoverse-N3",
    ("0x43", "0x0af"): "ThunderX2 99xx",
    ("0x46", "0x001"): "A64FX",
    ("0x48", "0xd01"): "Kunpeng-920",
    ("0xc0", "0xac3"): "Ampere-1",
    ("0xc0", "0xac4"): "Ampere-1a",
}

_MAX_LOGICAL = 1_000_000


@dataclass(slots=True)
class CpuFacts:
    """What one input says about one processor model (possibly several packages of it)."""

    architecture: str  # x86_64 | aarch64 | ppc64le | riscv64 | "" (unknown)
    vendor: str  # raw vendor id (AuthenticAMD, ARM ...)
    model_name: str
    features: frozenset[str] = frozenset()
    part: str = ""  # Arm CPU part
    generation: int = 0  # POWER generation
    uarch_hint: str = ""  # a target name the input states (riscv uarch, Apple M-series)
    family: str = ""
    model: str = ""
    sockets: int = 0
    logical: int = 0
    hypervisor: str = ""
    line: int = 0
    extra: dict[str, str] = field(default_factory=dict)


# -- archspec ------------------------------------------------------------------------------------
def _archspec() -> Any:
    # Lazily (about 40 ms); import_module because archspec ships no type stubs.
    return importlib.import_module("archspec.cpu")


@lru_cache(maxsize=1)
def _arm_vendors() -> dict[str, str]:
    schema = importlib.import_module("archspec.cpu.schema")
    return dict(schema.TARGETS_JSON["conversions"]["arm_vendors"])


def arm_vendor(implementer: str) -> str:
    """archspec's (and lscpu's) vendor name for an Arm implementer code such as ``0x41``."""
    return _arm_vendors().get(implementer.lower(), implementer)


def microarchitecture(facts: CpuFacts) -> str:
    """The most specific archspec target compatible with ``facts``; "" when none can be told."""
    targets = _archspec().TARGETS
    family = facts.architecture
    if family not in targets:
        return ""
    root = targets[family]
    # archspec's own partial microarchitecture normalises the flags (ssse3 implies sse3 ...).
    info = importlib.import_module("archspec.cpu.detect").partial_uarch(
        vendor=facts.vendor, features=set(facts.features), generation=facts.generation, cpu_part=facts.part
    )
    features = info.features

    def in_family(t: Any) -> bool:
        return bool(t == root or root in t.ancestors)

    if family == "x86_64":
        candidates = [
            t
            for t in targets.values()
            if in_family(t) and t.vendor in (facts.vendor, "generic") and t.features.issubset(features)
        ]
    elif family == "aarch64":
        if facts.uarch_hint in targets:  # macOS reports the model, not the features
            model = targets[facts.uarch_hint]
            candidates = [
                t
                for t in targets.values()
                if t.family == root
                and (t.vendor != "generic" or t.name == "aarch64")
                and t.vendor in (facts.vendor, "generic")
                and (t == model or t in model.ancestors)
            ]
        else:
            candidates = [
                t
                for t in targets.values()
                if t.family == root
                and (t.vendor != "generic" or t.name == "aarch64")
                and t.vendor in (facts.vendor, "generic")
                and t.features.issubset(features)
            ]
    elif family in ("ppc64le", "ppc64"):
        candidates = [t for t in targets.values() if in_family(t) and t.generation <= facts.generation]
    elif family == "riscv64":
        candidates = [
            t for t in targets.values() if in_family(t) and (t.name == facts.uarch_hint or t.vendor == "generic")
        ]
    else:
        return ""
    if not candidates:
        return family

    def rank(t: Any) -> tuple[int, int]:
        return len(t.ancestors), len(t.features)

    generic = [c for c in candidates if c.vendor == "generic"]
    best_generic = max(generic, key=rank) if generic else root
    if facts.part and any(c.cpu_part == facts.part for c in candidates):
        candidates = [c for c in candidates if c.cpu_part == facts.part]
    specific = [c for c in candidates if c > best_generic]
    return str((max(specific, key=rank) if specific else best_generic).name)


def supplier_of(vendor: str) -> str:
    return VENDORS.get(vendor, vendor if vendor not in ("", "generic") else "")


def target_component(name: str, ev: Evidence) -> Component:
    """``compute/cpu-target/<name>``, shaped exactly as the Spack collector makes it."""
    vendor = str(getattr(_archspec().TARGETS.get(name), "vendor", ""))
    return Component(
        id=component_id(Layer.COMPUTE, "cpu-target", name),
        layer=Layer.COMPUTE,
        kind="cpu-target",
        name=name,
        supplier=supplier_of(vendor),
        properties=(("archspec:vendor", vendor),) if vendor else (),
        evidence=(ev,),
    )


def cpu_inventory(facts_list: list[CpuFacts], path: TreePath, collector: str) -> Inventory:
    """Components and edges for the processor models of one input."""
    comps: list[Component] = []
    edges: list[Edge] = []
    for facts in facts_list:
        ev = Evidence(path=path.display(), collector=collector, line=facts.line)
        uarch = microarchitecture(facts)
        props = [("cpu:vendor", facts.vendor)] if facts.vendor else []
        props.append(("compute:count", str(max(facts.sockets, 1))))
        for key, value in (
            ("cpu:architecture", facts.architecture),
            ("cpu:microarchitecture", uarch),
            ("cpu:family", facts.family),
            ("cpu:model", facts.model),
            ("cpu:part", facts.part),
            ("cpu:hypervisor", facts.hypervisor),
            ("cpu:logical-cpus", str(facts.logical) if facts.logical else ""),
            *facts.extra.items(),
        ):
            if value:
                props.append((key, value))
        name = facts.model_name or (f"{facts.vendor} {facts.architecture}".strip() or "unknown CPU")
        cid = component_id(Layer.COMPUTE, "cpu", name)
        comps.append(
            Component(
                id=cid,
                layer=Layer.COMPUTE,
                kind="cpu",
                name=name,
                supplier=supplier_of(facts.vendor),
                properties=tuple(sorted(props)),
                evidence=(ev,),
            )
        )
        if uarch:
            target = target_component(uarch, ev)
            comps.append(target)
            edges.append(Edge(source=target.id, target=cid, relation=Relation.RUNS_ON, evidence=(ev,)))
    return Inventory(components=tuple(comps), edges=tuple(edges))


# -- /proc/cpuinfo -------------------------------------------------------------------------------
def _blocks(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(first line number, fields) of each blank-line-separated block."""
    block: dict[str, str] = {}
    start = 0
    for n, raw in enumerate(text.splitlines(), 1):
        key, sep, value = raw.partition(":")
        if not sep:
            if block:
                yield start, block
                block = {}
            continue
        if not block:
            start = n
        block.setdefault(key.strip(), value.strip())
    if block:
        yield start, block


def parse_cpuinfo(text: str, display: str) -> list[CpuFacts]:
    """The processor models of a ``/proc/cpuinfo`` capture, or a macOS ``sysctl`` dump."""
    if "machdep.cpu.brand_string" in text:
        return [_parse_sysctl(text)]
    models: dict[tuple[str, str], CpuFacts] = {}
    packages: dict[tuple[str, str], set[str]] = {}
    logical = 0
    for line, block in _blocks(text):
        if "processor" not in block and "cpu" not in block and "vendor_id" not in block:
            continue  # aarch64 and POWER add trailing "Hardware"/"timebase" blocks
        logical += 1
        if logical > _MAX_LOGICAL:
            raise InputError(display, f"lists more than {_MAX_LOGICAL:,} processors")
        facts = _facts_from_block(block, line)
        key = (facts.vendor, facts.model_name)
        known = models.setdefault(key, facts)
        known.logical += 1
        packages.setdefault(key, set()).add(block.get("physical id", ""))
    if not models:
        raise InputError(display, "no processor entries (is this /proc/cpuinfo?)")
    for key, facts in models.items():
        ids = packages[key] - {""}
        facts.sockets = len(ids)
    return list(models.values())


def _facts_from_block(b: dict[str, str], line: int) -> CpuFacts:
    if "vendor_id" in b or "flags" in b:
        return CpuFacts(
            architecture="x86_64",
            vendor=b.get("vendor_id", ""),
            model_name=b.get("model name", ""),
            features=frozenset(b.get("flags", "").split()),
            family=b.get("cpu family", ""),
            model=b.get("model", ""),
            line=line,
        )
    if "CPU implementer" in b:
        impl = b["CPU implementer"].lower()
        part = b.get("CPU part", "").lower()
        vendor = arm_vendor(impl)
        name = b.get("model name", "") or ARM_PARTS.get((impl, part), "")
        return CpuFacts(
            architecture="aarch64",
            vendor=vendor,
            model_name=name or f"{vendor} part {part}",
            features=frozenset(b.get("Features", "").split()),
            part=part,
            line=line,
        )
    cpu = b.get("cpu", "")
    m = re.search(r"POWER(\d{1,4})\b", cpu)  # not \d+: int() refuses 4,300 digits
    if m:
        return CpuFacts(architecture="ppc64le", vendor="IBM", model_name=cpu, generation=int(m.group(1)), line=line)
    if b.get("isa", "").startswith("rv64"):
        uarch = b.get("uarch", "")
        hint = {"sifive,u74-mc": "u74mc", "spacemit,x60": "x60"}.get(uarch, uarch)
        vendor = uarch.split(",")[0] if "," in uarch else ""
        return CpuFacts(
            architecture="riscv64",
            vendor={"sifive": "SiFive", "spacemit": "SpacemiT"}.get(vendor, vendor),
            model_name=b.get("model name", "") or uarch or b["isa"],
            uarch_hint=hint,
            line=line,
        )
    return CpuFacts(architecture="", vendor="", model_name=b.get("model name", cpu), line=line)


def _parse_sysctl(text: str) -> CpuFacts:
    data: dict[str, tuple[int, str]] = {}
    for n, raw in enumerate(text.splitlines(), 1):
        key, sep, value = raw.partition(":")
        if sep:
            data.setdefault(key.strip(), (n, value.strip()))
    line, brand = data["machdep.cpu.brand_string"]
    packages = data.get("hw.packages", (0, "1"))[1]
    logical = data.get("hw.logicalcpu", (0, "0"))[1]
    if "Apple" in brand:
        hint = "aarch64"
        m = re.search(r"apple\s+m(\d+)", brand.lower())
        targets = _archspec().TARGETS
        if m:
            for n in range(int(m.group(1)), 0, -1):
                if f"m{n}" in targets:
                    hint = f"m{n}"
                    break
        facts = CpuFacts(architecture="aarch64", vendor="Apple", model_name=brand, uarch_hint=hint, line=line)
    else:
        raw = " ".join(
            data.get(k, (0, ""))[1]
            for k in ("machdep.cpu.features", "machdep.cpu.leaf7_features", "machdep.cpu.extfeatures")
        )
        features = set(raw.lower().split())
        conversions = importlib.import_module("archspec.cpu.schema").TARGETS_JSON["conversions"]["darwin_flags"]
        for darwin, linux in conversions.items():
            if all(x in features for x in darwin.split()):
                features.update(linux.split())
        facts = CpuFacts(
            architecture="x86_64",
            vendor=data.get("machdep.cpu.vendor", (0, ""))[1],
            model_name=brand,
            features=frozenset(features),
            line=line,
        )
    facts.sockets = int(packages) if packages.isdigit() else 1
    facts.logical = int(logical) if logical.isdigit() else 0
    return facts


# -- lscpu -J ------------------------------------------------------------------------------------
def _lscpu_fields(entries: Any, out: dict[str, str], depth: int = 0) -> None:
    if depth > 16 or not isinstance(entries, list):
        return
    for e in entries:
        match e:
            case {"field": str(name), "data": data}:
                out.setdefault(name.strip().rstrip(":"), "" if data is None else str(data))
                _lscpu_fields(e.get("children"), out, depth + 1)
            case _:
                continue


_ARCH_ALIASES = {"amd64": "x86_64", "arm64": "aarch64", "ppc64el": "ppc64le"}


def parse_lscpu(data: Any, display: str) -> CpuFacts:
    match data:
        case {"lscpu": list(entries)}:
            pass
        case _:
            raise InputError(display, "no 'lscpu' list; is this `lscpu -J` output?")
    f: dict[str, str] = {}
    _lscpu_fields(entries, f)
    arch = f.get("Architecture", "")
    arch = _ARCH_ALIASES.get(arch, arch)
    vendor = f.get("Vendor ID", "")
    model = f.get("Model name", "")
    features = frozenset(f.get("Flags", "").split())
    generation = 0
    m = re.search(r"POWER(\d+)", model)
    if m:
        generation = int(m.group(1))
        vendor = vendor or "IBM"
    if not vendor and not model:
        raise InputError(display, "neither 'Vendor ID' nor 'Model name' in the lscpu output")
    sockets = f.get("Socket(s)", "")
    logical = f.get("CPU(s)", "")
    return CpuFacts(
        architecture=arch if arch in ("x86_64", "aarch64", "ppc64le", "ppc64", "riscv64") else "",
        vendor=vendor,
        model_name=model,
        features=features,
        generation=generation,
        family=f.get("CPU family", "") if arch == "x86_64" else "",
        model=f.get("Model", "") if arch == "x86_64" else "",
        sockets=int(sockets) if sockets.isdigit() else 0,
        logical=int(logical) if logical.isdigit() else 0,
        hypervisor=f.get("Hypervisor vendor", ""),
    )


# -- collectors ----------------------------------------------------------------------------------
_CPUINFO_NAMES = ("cpuinfo", "proc-cpuinfo")
_CPUINFO_HEAD = re.compile(rb"^(processor|vendor_id|cpu|machdep\.cpu|hw\.ncpu)\s*:", re.MULTILINE)


class CpuinfoCollector(Collector):
    name = "cpuinfo"
    description = "/proc/cpuinfo (a capture or the live file with --host), or a macOS sysctl dump: CPU models"

    def detect(self, path: TreePath) -> bool:
        n = path.name
        named = n in _CPUINFO_NAMES or n.endswith((".cpuinfo", ".proc-cpuinfo"))
        return named and bool(_CPUINFO_HEAD.search(path.read_head(4096)))

    def collect(self, path: TreePath) -> Inventory:
        text = path.read_text()
        return cpu_inventory(parse_cpuinfo(text, path.display()), path, self.name)


class LscpuCollector(Collector):
    name = "lscpu-json"
    description = "`lscpu -J` output: the CPU model, vendor and flags"

    def detect(self, path: TreePath) -> bool:
        return path.suffix == ".json" and re.match(rb'\s*\{\s*"lscpu"\s*:', path.read_head(256)) is not None

    def collect(self, path: TreePath) -> Inventory:
        try:
            data = json.loads(path.read_bytes())
        except (ValueError, RecursionError) as err:
            raise InputError(path.display(), f"is not valid JSON: {err}") from err
        facts = parse_lscpu(data, path.display())
        return cpu_inventory([facts], path, self.name)
