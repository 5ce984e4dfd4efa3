"""The inventory JSON (format sovaudit-inventory) as an output format."""

from __future__ import annotations

from sovaudit import inventory_json
from sovaudit.emitters.interface import Emitter, RenderContext
from sovaudit.model import Inventory


class InventoryEmitter(Emitter):
    name = "inventory-json"
    description = "sovaudit's own inventory JSON: every later command reads it in place of the inputs"
    suffix = ".inventory.json"

    def render(self, inventory: Inventory, context: RenderContext) -> bytes:
        return inventory_json.dump(inventory)
