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
