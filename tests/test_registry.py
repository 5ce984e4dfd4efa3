"""Registries: lazy built-ins, entry-point plugins, and a hard stop on clashes or broken plugins."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from sovaudit import registry as registry_mod
from sovaudit.collectors.interface import (
    BUILTIN_COLLECTORS,
    COLLECTORS,
    Collector,
    DeferredCollector,
    registered_collectors,
)
from sovaudit.emitters.interface import BUILTIN_EMITTERS, EMITTERS, Emitter
from sovaudit.errors import PluginError
from sovaudit.fs import TreePath
from sovaudit.pipeline import scan
from sovaudit.registry import Registry
from tests.conftest import GOLDEN, REPO, SAMPLES


def fake_entry_points(*eps: tuple[str, str]) -> Any:
    def entry_points(group: str) -> list[Any]:
        return [SimpleNamespace(name=n, value=v, dist=SimpleNamespace(name="acme-plugin")) for n, v in eps]

    return entry_points


def test_every_builtin_loads_and_is_of_the_right_type() -> None:
    assert [c.name for c in COLLECTORS.all()] == sorted(BUILTIN_COLLECTORS)
    assert [e.name for e in EMITTERS.all()] == sorted(BUILTIN_EMITTERS)
    assert all(issubclass(c, Collector) for c in COLLECTORS.all())
    assert all(issubclass(e, Emitter) for e in EMITTERS.all())


def test_a_plugin_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        registry_mod, "entry_points", fake_entry_points(("extra", "sovaudit.collectors.inventory:InventoryCollector"))
    )
    reg: Registry[Collector] = Registry("sovaudit.collectors", {}, Collector)  # type: ignore[type-abstract]
    assert reg.names() == ["extra"]
    assert reg.get("extra").name == "sovaudit-inventory"


def test_a_clashing_plugin_stops_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry_mod, "entry_points", fake_entry_points(("dup", "x:Y")))
    reg: Registry[Collector] = Registry("sovaudit.collectors", {"dup": "a:B"}, Collector)  # type: ignore[type-abstract]
    with pytest.raises(PluginError, match="'dup' from acme-plugin .* clashes with the built-in"):
        reg.names()


@pytest.mark.parametrize(
    ("target", "message"),
    [("no_such_module_xyz:Thing", "failed to load"), ("sovaudit.model:Component", "is not a Collector")],
)
def test_a_broken_plugin_stops_the_run(monkeypatch: pytest.MonkeyPatch, target: str, message: str) -> None:
    monkeypatch.setattr(registry_mod, "entry_points", fake_entry_points(("broken", target)))
    reg: Registry[Collector] = Registry("sovaudit.collectors", {}, Collector)  # type: ignore[type-abstract]
    with pytest.raises(PluginError, match=message):
        reg.get("broken")


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(PluginError, match="known: .*cyclonedx-json"):
        EMITTERS.get("nope")


# -- entry points are read without importlib.metadata when no distribution declares the group ------
def _dist(site: Any, name: str, entry_points_txt: str | None) -> None:
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    if entry_points_txt is not None:
        (info / "entry_points.txt").write_text(entry_points_txt)


def test_entry_points_match_importlib_metadata(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata
    import sys

    _dist(tmp_path, "acme_plugin", "[sovaudit.collectors]\nacme = acme.mod:AcmeCollector\n\n[ console_scripts ]\n")
    _dist(tmp_path, "plain", None)
    _dist(tmp_path, "other", "# [sovaudit.emitters]\n[other.group]\nx=y:z\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    declared = registry_mod.declared_groups()
    assert declared is not None
    assert {"sovaudit.collectors", "other.group"} <= declared and "sovaudit.emitters" not in declared
    for group in ("sovaudit.collectors", "sovaudit.emitters", "other.group", "console_scripts", "no.such.group"):
        expected = sorted((e.name, e.value) for e in importlib.metadata.entry_points(group=group))
        assert sorted((e.name, e.value) for e in registry_mod.entry_points(group)) == expected
    assert [e.name for e in registry_mod.entry_points("sovaudit.collectors")] == ["acme"]


def test_a_zip_on_sys_path_is_left_to_importlib_metadata(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    (tmp_path / "plugins.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    monkeypatch.setattr(sys, "path", [str(tmp_path / "plugins.zip"), *sys.path])
    assert registry_mod.declared_groups() is None
    assert list(registry_mod.entry_points("sovaudit.collectors")) == []


# -- the collector table: what each built-in claims, without importing it ---------------------------
def test_the_table_says_what_each_collector_class_says() -> None:
    """Name, description and the kinds of path claimed are the class's own: the table cannot drift."""
    for name, entry in BUILTIN_COLLECTORS.items():
        cls = COLLECTORS.get(name)
        assert entry.target == f"{cls.__module__}:{cls.__qualname__}"
        assert (cls.name, cls.description) == (name, entry.description)
        assert (cls.claims_files, cls.claims_directories) == (entry.claims_files, entry.claims_directories), name


def _sample_paths() -> list[Path]:
    """Every file and folder of the samples, sample stacks and goldens (and ../shared's samples)."""
    roots = [SAMPLES, REPO / "sample_stacks", GOLDEN, REPO.parent / "shared" / "samples"]
    found: list[Path] = []
    for root in roots:
        if root.is_dir():
            for folder, dirs, files in os.walk(root):
                found += [Path(folder, d) for d in dirs] + [Path(folder, f) for f in files]
    return sorted(found)


def test_no_collector_detects_a_path_its_table_entry_leaves_out(tmp_path: Path) -> None:
    """The walker asks a built-in's ``detect`` only about paths its table entry may claim, so an entry
    that claims less than ``detect`` would hide input: every real ``detect`` over every sample file
    and folder is asked here, and each yes must be one the entry allows."""
    for folder in ("sys/bus/pci/devices", "sys/class"):  # the one kind no sample has (tests build them)
        (tmp_path / folder).mkdir(parents=True)
    paths = [*_sample_paths(), tmp_path / "sys"]
    assert len(paths) > 800
    collectors = {name: COLLECTORS.get(name)() for name in BUILTIN_COLLECTORS}
    claimed: dict[str, int] = dict.fromkeys(BUILTIN_COLLECTORS, 0)
    missed = []
    for p in paths:
        if p.is_symlink():
            continue
        tp = TreePath.for_input(p)
        is_dir = p.is_dir()
        for name, c in collectors.items():
            if (c.claims_directories if is_dir else c.claims_files) and c.detect(tp):
                claimed[name] += 1
                if not BUILTIN_COLLECTORS[name].may_claim(tp):
                    missed.append(f"{name}: {p}")
    assert missed == []
    # The check means something only for collectors the samples exercise: nearly all of them.
    assert sorted(n for n, count in claimed.items() if count == 0) == []


@pytest.mark.parametrize(
    ("name", "path", "folder", "expected"),
    [
        ("python-environment", "venv", True, True),
        ("linux-sysfs", "sys", True, True),
        ("linux-sysfs", "proc", True, False),
        ("conda-meta", "conda-meta", True, True),
        ("conda-meta", "env", True, False),
        ("conda-meta", "conda-meta/numpy-1.26.4-py311_0.json", False, True),
        ("dpkg-status", "var/lib/dpkg/status.d", True, True),
        ("dpkg-status", "var/lib/dpkg/status.d/libc6", False, True),
        ("dpkg-status", "var/lib/dpkg/available", False, False),
        ("oci-image", "layout", True, False),  # no oci-layout file in it
        ("oci-image", "image.tar", False, True),
        ("hf-model", "model", True, True),  # holds a config.json
        ("cyclonedx-sbom", "BOM.JSON", False, True),
        ("cyclonedx-sbom", "bom.yaml", False, False),
        ("poetry-lock", "poetry.lock", False, True),
        ("poetry-lock", "uv.lock", False, False),
    ],
)
def test_an_entry_claims_by_names(tmp_path: Path, name: str, path: str, folder: bool, expected: bool) -> None:
    target = tmp_path / path
    if folder:
        target.mkdir(parents=True)
        if name == "hf-model":
            (target / "config.json").write_text("{}")
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("")
    root = TreePath.for_input(tmp_path)
    assert BUILTIN_COLLECTORS[name].may_claim(root / path) is expected


def test_a_deferred_collector_scans_as_the_real_one_does() -> None:
    """Deferred built-ins and the loaded classes give the same inventory of every sample stack."""
    loaded = [cls() for cls in COLLECTORS.all()]
    for stack in sorted((REPO / "sample_stacks").iterdir()):
        if stack.is_dir():
            assert scan([stack]).inventory == scan([stack], collectors=loaded).inventory, stack.name


def test_a_deferred_collector_is_the_table_entry_until_used() -> None:
    deferred = {c.name: c for c in registered_collectors()}
    assert sorted(deferred) == sorted(BUILTIN_COLLECTORS)
    spack = deferred["spack-lock"]
    assert isinstance(spack, DeferredCollector)
    assert (spack.description, spack.claims_files, spack.claims_directories) == (
        BUILTIN_COLLECTORS["spack-lock"].description,
        True,
        False,
    )
    assert type(spack.loaded) is COLLECTORS.get("spack-lock")


#: Written to a file at exit: the collector modules a CLI run imported (set by the test below).
_IMPORTED = """
import atexit, json, sys
def _write(out):
    with open(out, "w") as fh:
        json.dump(sorted(m for m in sys.modules if m.startswith("sovaudit.collectors.")), fh)
atexit.register(_write, sys.argv[1])
sys.argv = ["sovaudit", *sys.argv[2:]]
from sovaudit.cli import main
main()
"""


@pytest.mark.parametrize("command", ["scan", "sbom"])
def test_scanning_a_python_environment_imports_only_the_collectors_it_needs(tmp_path: Path, command: str) -> None:
    env = tmp_path / "venv"
    site = env / "lib" / "python3.11" / "site-packages"
    (env / "pyvenv.cfg").parent.mkdir(parents=True)
    (env / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    for dist in ("alpha", "beta"):
        (site / f"{dist}-1.0.dist-info").mkdir(parents=True)
        (site / f"{dist}-1.0.dist-info" / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    imported = tmp_path / "imported.json"
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORTED, str(imported), command, str(env), "-o", str(tmp_path / "out.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert '"name": "alpha"' in (tmp_path / "out.json").read_text()
    modules = {m for m in json.loads(imported.read_text()) if m.rpartition(".")[2] != "interface"}
    # module-tree (sorted before python-environment) is asked about the venv folder first: its
    # claim depends on what the subfolders hold, not on names. Nothing else is imported.
    needed = {"sovaudit.collectors.python_env", "sovaudit.collectors.modules"}
    helpers = {"sovaudit.collectors.pypi", "sovaudit.collectors.lua_table"}  # what those two import
    assert modules == needed | helpers
    table = {entry.target.partition(":")[0] for entry in BUILTIN_COLLECTORS.values()}
    assert modules & table == needed
