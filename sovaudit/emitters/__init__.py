"""Emitters: one per output format; each a pure ``render`` from data to bytes."""

from sovaudit.emitters.interface import EMITTERS, Emitter, RenderContext

__all__ = ["EMITTERS", "Emitter", "RenderContext"]
