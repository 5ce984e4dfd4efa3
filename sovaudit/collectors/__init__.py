"""Collectors: one per input kind. Each reads one input and returns an Inventory."""

from sovaudit.collectors.interface import COLLECTORS, Collector

__all__ = ["COLLECTORS", "Collector"]
