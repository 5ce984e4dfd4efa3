"""Errors and exit codes.

Every domain error carries the file (or option) it is about, so the CLI can print one line that
starts with it. Tracebacks are for internal errors only, and only with ``--debug``.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, documented in the README."""

    OK = 0  # nothing at or above the threshold
    POLICY = 1  # the gate or policy failed
    INPUT = 2  # usage or input error
    INTERNAL = 3  # a bug: traceback with --debug


class SovauditError(Exception):
    """Base class of every error sovaudit reports on purpose."""

    exit_code: ExitCode = ExitCode.INPUT

    def one_line(self) -> str:
        """The message as the CLI prints it: a single line."""
        return " ".join(str(self).split())


class InputError(SovauditError):
    """An input could not be read: malformed, truncated, too large, hostile or unsupported."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ConfigError(SovauditError):
    """A command-line option or configuration value is wrong."""


class PluginError(SovauditError):
    """A plugin failed to load or clashes with another: a silently smaller audit would look clean."""

    exit_code = ExitCode.INTERNAL


class RulePackError(SovauditError):
    """A rule pack is invalid."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")
