"""The audit document as JSON (format ``sovaudit-audit``): what every other report can be made from."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sovaudit.audit import Audit


def render(audit: Audit, tool_version: str) -> bytes:
    from sovaudit.audit import dump

    return dump(audit, tool_version)
