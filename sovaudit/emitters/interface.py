"""The emitter port: ``render(inventory, context) -> bytes``, pure and deterministic.

The context carries everything that is not in the data (the tool's version, the timestamp):
an emitter never reads the clock or the environment, so the same inventory and context give the
same bytes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from sovaudit.model import Inventory
from sovaudit.registry import Registry


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderContext:
    tool_version: str
    #: The document's timestamp; None leaves it out (the default, so outputs are reproducible).
    timestamp: datetime | None = None


class Emitter(ABC):
    """Base class of every emitter (built-in or plugin)."""

    #: Registry key, the CLI spelling (``cyclonedx-json`` ...).
    name: ClassVar[str]
    description: ClassVar[str] = ""
    #: File suffix a user would expect (``.cdx.json``).
    suffix: ClassVar[str] = ""

    @abstractmethod
    def render(self, inventory: Inventory, context: RenderContext) -> bytes:
        """The document for ``inventory``."""


#: The built-in emitters, imported lazily by name. Plugins: entry-point group ``sovaudit.emitters``.
BUILTIN_EMITTERS: dict[str, str] = {
    "inventory-json": "sovaudit.emitters.inventory:InventoryEmitter",
    "cyclonedx-json": "sovaudit.emitters.cyclonedx_fast:CycloneDxJsonEmitter",
    "cyclonedx-xml": "sovaudit.emitters.cyclonedx:CycloneDxXmlEmitter",
    "spdx-json": "sovaudit.emitters.spdx:SpdxJsonEmitter",
}

EMITTERS: Registry[Emitter] = Registry("sovaudit.emitters", BUILTIN_EMITTERS, Emitter)  # type: ignore[type-abstract]
