"""Registries: lazy built-ins, entry-point plugins, and a hard stop on clashes or broken plugins."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from sovaudit import registry as registry_mod
from sovaudit.collectors.interface import BUILTIN_COLLECTORS, COLLECTORS, Collector
from sovaudit.emitters.interface import BUILTIN_EMITTERS, EMITTERS, Emitter
from sovaudit.errors import PluginError
from sovaudit.registry import Registry


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
    reg: Registry[Collector] = Registry("sovaudit.collectors", {}, Collector)
    assert reg.names() == ["extra"]
    assert reg.get("extra").name == "sovaudit-inventory"


def test_a_clashing_plugin_stops_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry_mod, "entry_points", fake_entry_points(("dup", "x:Y")))
    reg: Registry[Collector] = Registry("sovaudit.collectors", {"dup": "a:B"}, Collector)
    with pytest.raises(PluginError, match="'dup' from acme-plugin .* clashes with the built-in"):
        reg.names()


@pytest.mark.parametrize(
    ("target", "message"),
    [("no_such_module_xyz:Thing", "failed to load"), ("sovaudit.model:Component", "is not a Collector")],
)
def test_a_broken_plugin_stops_the_run(monkeypatch: pytest.MonkeyPatch, target: str, message: str) -> None:
    monkeypatch.setattr(registry_mod, "entry_points", fake_entry_points(("broken", target)))
    reg: Registry[Collector] = Registry("sovaudit.collectors", {}, Collector)
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
