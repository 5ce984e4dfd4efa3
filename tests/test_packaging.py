"""The wheel carries every subpackage, the rule packs, the KB data and the schemas."""

from __future__ import annotations

import tomllib

from tests.conftest import REPO


def test_every_subpackage_is_listed_for_setuptools() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {
        ".".join(p.relative_to(REPO).parts[:-1]) for p in (REPO / "sovaudit").rglob("*.py") if p.name == "__init__.py"
    }
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
    assert config["package-dir"]["sovaudit_rules"] == "rules"
