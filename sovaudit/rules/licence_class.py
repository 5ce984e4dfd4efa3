"""Licence classes for rules: what an SPDX expression allows, on a five-step ladder.

``permissive`` < ``weak-copyleft`` < ``copyleft`` < ``restricted`` (field-of-use or
non-commercial limits, vendor community licences) < ``proprietary``; ``unknown`` when there is no
expression. For ``A OR B`` the licensee may pick, so the better class counts; for ``A AND B``
both apply, so the worse one does.
"""

from __future__ import annotations

import re
from functools import lru_cache

ORDER = ("permissive", "weak-copyleft", "copyleft", "restricted", "proprietary")

_PERMISSIVE = {
    "0bsd",
    "afl-3.0",
    "apache-1.1",
    "apache-2.0",
    "artistic-2.0",
    "blueoak-1.0.0",
    "bsd-1-clause",
    "bsd-2-clause",
    "bsd-2-clause-patent",
    "bsd-3-clause",
    "bsd-3-clause-clear",
    "bsd-4-clause",
    "bsl-1.0",
    "cc-by-3.0",
    "cc-by-4.0",
    "cc0-1.0",
    "cdla-permissive-1.0",
    "cdla-permissive-2.0",
    "curl",
    "hpnd",
    "isc",
    "mit",
    "mit-0",
    "mit-cmu",
    "ncsa",
    "odc-by-1.0",
    "pddl-1.0",
    "postgresql",
    "psf-2.0",
    "python-2.0",
    "python-2.0.1",
    "unicode-3.0",
    "unicode-dfs-2016",
    "unlicense",
    "upl-1.0",
    "w3c",
    "wtfpl",
    "x11",
    "zlib",
    "zpl-2.1",
    "openssl",
    "ssleay-standalone",
}
_WEAK_COPYLEFT = {
    "cddl-1.0",
    "cddl-1.1",
    "epl-1.0",
    "epl-2.0",
    "lgpl-2.0-only",
    "lgpl-2.0-or-later",
    "lgpl-2.1-only",
    "lgpl-2.1-or-later",
    "lgpl-3.0-only",
    "lgpl-3.0-or-later",
    "mpl-1.1",
    "mpl-2.0",
    "cc-by-sa-4.0",
    "cc-by-sa-3.0",
    "odbl-1.0",
    "cdla-sharing-1.0",
    "eupl-1.1",
    "eupl-1.2",
    "osl-3.0",
}
_COPYLEFT = {
    "agpl-3.0-only",
    "agpl-3.0-or-later",
    "gpl-1.0-or-later",
    "gpl-2.0-only",
    "gpl-2.0-or-later",
    "gpl-3.0-only",
    "gpl-3.0-or-later",
    "sspl-1.0",
}
_RESTRICTED_PATTERN = re.compile(
    r"^(cc-by-nc|cc-by-nd|cc-by-nc-sa|cc-by-nc-nd)-|openrail|rail|llama|gemma|qwen|deepseek"
)
_TOKEN = re.compile(r"\(|\)|[^\s()]+")


def classify_id(licence_id: str) -> str:
    low = licence_id.lower().removesuffix("+")
    if low.startswith("licenseref-") or low.startswith("documentref-"):
        return "restricted" if _RESTRICTED_PATTERN.search(low.removeprefix("licenseref-")) else "proprietary"
    if low in _PERMISSIVE:
        return "permissive"
    if low in _WEAK_COPYLEFT:
        return "weak-copyleft"
    if low in _COPYLEFT or low.startswith("gpl-"):
        return "copyleft"
    if _RESTRICTED_PATTERN.search(low):
        return "restricted"
    return "weak-copyleft" if low.startswith("lgpl-") else "restricted"


@lru_cache(maxsize=4096)
def classify(expression: str) -> str:
    """The class of an SPDX expression, or ``unknown`` for an empty one."""
    tokens = [t for t in _TOKEN.findall(expression) if t.upper() != "WITH"]
    if not tokens:
        return "unknown"
    pos = 0

    def rank(cls: str) -> int:
        return ORDER.index(cls)

    def parse_or() -> int:
        nonlocal pos
        best = parse_and()
        while pos < len(tokens) and tokens[pos].upper() == "OR":
            pos += 1
            best = min(best, parse_and())
        return best

    def parse_and() -> int:
        nonlocal pos
        worst = parse_atom()
        while pos < len(tokens) and tokens[pos].upper() == "AND":
            pos += 1
            worst = max(worst, parse_atom())
        return worst

    def parse_atom() -> int:
        nonlocal pos
        if pos >= len(tokens):
            return rank("proprietary")
        tok = tokens[pos]
        pos += 1
        if tok == "(":
            value = parse_or()
            if pos < len(tokens) and tokens[pos] == ")":
                pos += 1
            return value
        # an exception after WITH was dropped; an exception id never stands alone in a valid expression
        return rank(classify_id(tok))

    return ORDER[parse_or()]


def ids(expression: str) -> tuple[str, ...]:
    """The licence ids named in an expression, sorted."""
    return tuple(
        sorted({t for t in _TOKEN.findall(expression) if t not in "()" and t.upper() not in ("AND", "OR", "WITH")})
    )
