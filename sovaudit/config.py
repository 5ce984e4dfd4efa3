"""Project configuration: ``.sovaudit.toml``, or ``[tool.sovaudit]`` in ``pyproject.toml``.

Looked for from the current folder upward, up to the repository root (the folder holding
``.git``). Outside a repository only the current folder is looked at, so that a stray file in a
shared parent folder (``/tmp``, a home folder) never changes an audit. In one folder
``.sovaudit.toml`` wins over ``pyproject.toml``; a ``pyproject.toml`` without a ``[tool.sovaudit]``
table is passed over. Paths in the file are relative to the file's folder.

Command-line options win over the file: :class:`sovaudit.cli_gate.ConfigDefaults` makes its
values click's defaults, for the commands that have those options.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sovaudit.errors import ConfigError
from sovaudit.model import Severity

FILE_NAME = ".sovaudit.toml"

#: Top-level keys and what they hold (docs/ci-integration.md has the reference).
KEYS = ("baseline", "fail-on", "history", "kb", "max-score-drop", "min-score", "packs", "profile", "waivers")
HISTORY_KEYS = ("enabled", "path", "stack")


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """The settings of one configuration file; paths already made relative to the current folder."""

    origin: str = ""  # the file, "" when there is none
    packs: tuple[str, ...] = ()
    profile: str | None = None
    kb: tuple[str, ...] = ()
    waivers: str | None = None
    fail_on: str | None = None
    min_score: float | None = None
    max_score_drop: float | None = None
    baseline: str | None = None
    history_path: str | None = None
    history_enabled: bool = True
    stack: str | None = None


def load(cwd: Path | None = None) -> Config:
    """The configuration in force in ``cwd`` (default: the current folder); empty when there is none."""
    from sovaudit.gitrepo import find_root

    cwd = cwd or Path.cwd()
    here = cwd.resolve()
    root = find_root(here)
    folders = [here] if root is None else [here, *here.parents][: len(here.parts) - len(root.parts) + 1]
    for folder in folders:
        own = folder / FILE_NAME
        if own.is_file():
            return parse(_read(own), str(own), relative_to=folder, cwd=cwd)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            text = _read(pyproject)
            # Most pyproject.toml files on the way up are not ours to judge: parse only those that
            # could hold our table, and pass over those that do not.
            tool = _decode(text, str(pyproject)).get("tool") if "sovaudit" in text else None
            if isinstance(tool, dict) and isinstance(tool.get("sovaudit"), dict):
                return parse(text, str(pyproject), table="tool.sovaudit", relative_to=folder, cwd=cwd)
    return Config()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read the configuration: {err}") from None


def _decode(text: str, origin: str) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{origin}: invalid TOML: {err}") from None


def parse(text: str, origin: str, *, table: str = "", relative_to: Path, cwd: Path) -> Config:
    """Check every key and value of one file; any unknown key is an error naming the file and the key."""
    doc: Any = _decode(text, origin)
    prefix = f"{table}." if table else ""
    for part in table.split(".") if table else ():
        doc = doc.get(part, {})
        if not isinstance(doc, dict):
            raise ConfigError(f"{origin}: {table} must be a table")
    for key in sorted(doc):
        if key not in KEYS:
            raise ConfigError(f"{origin}: unknown key '{prefix}{key}' (known: {', '.join(KEYS)})")
    history = doc.get("history", {})
    if not isinstance(history, dict):
        raise ConfigError(f"{origin}: {prefix}history must be a table ([{prefix}history])")
    for key in sorted(history):
        if key not in HISTORY_KEYS:
            raise ConfigError(f"{origin}: unknown key '{prefix}history.{key}' (known: {', '.join(HISTORY_KEYS)})")
    values = _Values(origin, prefix, relative_to, cwd)
    baseline = values.text(doc, "baseline")
    return Config(
        origin=origin,
        packs=tuple(values.pack(p) for p in values.texts(doc, "packs")),
        profile=values.pack(p) if (p := values.text(doc, "profile")) else None,
        kb=tuple(values.path(p) for p in values.texts(doc, "kb")),
        waivers=values.path(w) if (w := values.text(doc, "waivers")) else None,
        fail_on=values.severity(doc, "fail-on"),
        min_score=values.number(doc, "min-score", 0, 100),
        max_score_drop=values.number(doc, "max-score-drop", 0, 100),
        baseline=(baseline if baseline.startswith("history:") else values.path(baseline)) if baseline else None,
        history_path=values.path(os.path.expanduser(h)) if (h := values.text(history, "path", "history.")) else None,
        history_enabled=values.flag(history, "enabled", "history."),
        stack=values.text(history, "stack", "history.") or None,
    )


@dataclass(frozen=True, slots=True)
class _Values:
    """Typed reads of one file's values, each error naming the file and the key."""

    origin: str
    prefix: str
    relative_to: Path
    cwd: Path

    def _bad(self, key: str, expected: str) -> ConfigError:
        return ConfigError(f"{self.origin}: {self.prefix}{key}: expected {expected}")

    def text(self, doc: dict[str, Any], key: str, sub: str = "") -> str:
        value = doc.get(key, "")
        if not isinstance(value, str):
            raise self._bad(sub + key, "a string")
        return value.strip()

    def texts(self, doc: dict[str, Any], key: str) -> list[str]:
        value = doc.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self._bad(key, "a list of strings")
        return [v.strip() for v in value]

    def number(self, doc: dict[str, Any], key: str, low: float, high: float) -> float | None:
        value = doc.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise self._bad(key, f"a number from {low:g} to {high:g}")
        return float(value)

    def flag(self, doc: dict[str, Any], key: str, sub: str = "") -> bool:
        value = doc.get(key, True)
        if not isinstance(value, bool):
            raise self._bad(sub + key, "true or false")
        return value

    def severity(self, doc: dict[str, Any], key: str) -> str | None:
        value = self.text(doc, key)
        if not value:
            return None
        try:
            return str(Severity.parse(value))
        except ValueError as err:
            raise ConfigError(f"{self.origin}: {self.prefix}{key}: {err}") from None

    def path(self, value: str) -> str:
        """A path written relative to the file's folder, as a path relative to the current folder."""
        return os.path.relpath(self.relative_to / value, self.cwd)

    def pack(self, value: str) -> str:
        """Pack and profile values are names, or files when they end in .yaml/.yml."""
        return self.path(value) if value.endswith((".yaml", ".yml")) else value
