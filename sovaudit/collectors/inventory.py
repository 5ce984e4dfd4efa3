"""Reads an inventory that ``sovaudit scan -o`` wrote, so every command accepts one in place of raw inputs."""

from __future__ import annotations

from sovaudit import inventory_json
from sovaudit.collectors.interface import Collector
from sovaudit.fs import TreePath
from sovaudit.model import Inventory


class InventoryCollector(Collector):
    name = "sovaudit-inventory"
    description = "an inventory JSON written by `sovaudit scan -o` (format sovaudit-inventory)"

    def detect(self, path: TreePath) -> bool:
        return path.suffix == ".json" and inventory_json.looks_like(path.read_head(256))

    def collect(self, path: TreePath) -> Inventory:
        # An inventory keeps the evidence and input records of the scan that wrote it. It is read
        # under the cap of a package database, not of one file: sovaudit writes inventories of
        # 100,000 components (60 MB) itself, and must read back what it wrote.
        return inventory_json.loads(path.read_bytes(database=True), path.display())
