"""Licence strings to SPDX expressions: what is known is normalised, what is not stays unknown.

Every collector gets licences in a different shape: SPDX expressions (METADATA 2.4, DataCite),
free text ("MIT License", "Apache 2.0", a whole licence text), PyPI trove classifiers. This module
turns them into an SPDX expression when that is unambiguous, and into ``""`` otherwise; the raw
text is always kept beside it (``Component.license_declared``). It never guesses: "BSD" (2- or
3-clause?), "GPL" (which version?), "Apache Software License" (1.1 or 2.0?) stay unknown.

``license-expression`` (the SPDX licence list with its aliases) parses and validates; it costs
about 0.1 s to load, so it is imported lazily, built once and only for strings the small tables
below do not settle. Results are cached: 300 distributions share a handful of licence strings.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

#: Longest declared text kept; a longer one is a licence text, shortened to its first line.
_MAX_DECLARED = 100

#: Placeholders build tools write when nothing was declared.
_NOTHING = frozenset({"", "unknown", "none", "n/a", "na", "-", "license", "licence", "see license", "see license file"})

#: Names that cannot be mapped without guessing (lower-case, spaces collapsed).
_AMBIGUOUS = frozenset({
    "bsd", "bsd license", "bsd licence", "bsd-style", "bsd style", "bsd-like",
    "gpl", "gnu gpl", "gnu general public license", "gpl license", "lgpl", "gnu lgpl", "agpl",
    "apache", "apache license", "apache software license", "apache software licence", "asl",
    "psf", "psfl", "psf license", "python software foundation license", "python", "python license",
    "mpl", "mozilla public license", "public domain", "dual license", "other", "proprietary",
    "other/proprietary license", "freeware", "free", "osi approved", "open source",
})

#: Common free-text spellings with exactly one meaning (lower-case, spaces collapsed).
_FREE_TEXT = {
    **dict.fromkeys(
        ("mit license", "mit licence", "the mit license", "the mit license (mit)", "mit license (mit)", "expat",
         "expat license", "expat (mit/x11)"),
        "MIT",
    ),
    **dict.fromkeys(
        ("apache 2", "apache 2.0", "apache2", "apache-2", "apache v2", "apache 2.0 license", "apache license 2.0",
         "apache license v2", "apache license v2.0", "apache license, version 2.0", "apache license version 2.0",
         "apache license (2.0)", "the apache license, version 2.0", "the apache software license, version 2.0",
         "apache software license 2.0", "apache software license, version 2.0", "apache software license version 2.0",
         "apache-2.0 license", "asl 2.0", "asl-2.0"),
        "Apache-2.0",
    ),
    **dict.fromkeys(
        ("bsd-3", "bsd 3", "bsd 3-clause", "bsd 3 clause", "bsd 3-clause license", "bsd-3-clause license",
         "bsd (3-clause)", "bsd (3 clause)", "bsd license (3 clause)", "3-clause bsd", "3-clause bsd license",
         "3 clause bsd", "new bsd", "new bsd license", "modified bsd", "modified bsd license", "revised bsd",
         "revised bsd license"),
        "BSD-3-Clause",
    ),
    **dict.fromkeys(
        ("bsd-2", "bsd 2", "bsd 2-clause", "bsd 2 clause", "bsd 2-clause license", "bsd-2-clause license",
         "bsd (2-clause)", "2-clause bsd", "2-clause bsd license", "simplified bsd", "simplified bsd license",
         "freebsd", "freebsd license"),
        "BSD-2-Clause",
    ),
    **dict.fromkeys(("gplv2", "gpl v2", "gpl-2", "gpl 2", "gnu gplv2", "gnu gpl v2"), "GPL-2.0-only"),
    **dict.fromkeys(("gplv2+", "gpl v2+", "gpl-2+", "gpl 2+", "gnu gplv2+", "gplv2 or later"), "GPL-2.0-or-later"),
    **dict.fromkeys(("gplv3", "gpl v3", "gpl-3", "gpl 3", "gnu gplv3", "gnu gpl v3"), "GPL-3.0-only"),
    **dict.fromkeys(("gplv3+", "gpl v3+", "gpl-3+", "gpl 3+", "gnu gplv3+", "gplv3 or later"), "GPL-3.0-or-later"),
    **dict.fromkeys(("lgplv2.1", "lgpl v2.1", "lgpl-2.1", "lgpl 2.1"), "LGPL-2.1-only"),
    **dict.fromkeys(("lgplv2.1+", "lgpl v2.1+", "lgpl-2.1+", "lgpl 2.1+"), "LGPL-2.1-or-later"),
    **dict.fromkeys(("lgplv3", "lgpl v3", "lgpl-3", "lgpl 3"), "LGPL-3.0-only"),
    **dict.fromkeys(("lgplv3+", "lgpl v3+", "lgpl-3+", "lgpl 3+"), "LGPL-3.0-or-later"),
    **dict.fromkeys(("agplv3", "agpl v3", "agpl-3", "agpl 3"), "AGPL-3.0-only"),
    **dict.fromkeys(("agplv3+", "agpl v3+", "agpl-3+", "agpl 3+"), "AGPL-3.0-or-later"),
    **dict.fromkeys(("mpl 2.0", "mpl2", "mpl-2", "mpl v2", "mpl 2", "mozilla public license 2.0",
                     "mozilla public license 2.0 (mpl 2.0)"), "MPL-2.0"),
    **dict.fromkeys(("isc license", "isc licence", "iscl", "isc license (iscl)"), "ISC"),
    **dict.fromkeys(("the unlicense", "the unlicense (unlicense)", "unlicense"), "Unlicense"),
    **dict.fromkeys(("zlib license", "zlib/libpng", "zlib/libpng license"), "Zlib"),
    **dict.fromkeys(("cc0", "cc0 1.0", "cc0 1.0 universal", "cc0-1.0 universal"), "CC0-1.0"),
    **dict.fromkeys(("boost", "boost software license", "boost software license 1.0"), "BSL-1.0"),
    **dict.fromkeys(("epl 2.0", "epl-2", "eclipse public license 2.0"), "EPL-2.0"),
    **dict.fromkeys(("eupl 1.2", "eupl v1.2"), "EUPL-1.2"),
}

#: SPDX licence ids common in package metadata, so the SPDX licence list is loaded only for rare
#: ones. Looked up case-insensitively; deprecated ids map to their current form.
_COMMON_IDS = {
    i.lower(): i
    for i in (
        "MIT", "MIT-0", "MIT-CMU", "Apache-2.0", "Apache-1.1", "BSD-2-Clause", "BSD-3-Clause", "BSD-3-Clause-Clear",
        "BSD-4-Clause", "0BSD", "ISC", "MPL-1.1", "MPL-2.0", "Zlib", "CC0-1.0", "CC-BY-4.0", "CC-BY-SA-4.0",
        "Unlicense", "PSF-2.0", "Python-2.0", "CNRI-Python", "HPND", "BSL-1.0", "LGPL-2.0-only",
        "LGPL-2.0-or-later", "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later",
        "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later", "AGPL-3.0-only", "AGPL-3.0-or-later",
        "EPL-1.0", "EPL-2.0", "EUPL-1.1", "EUPL-1.2", "Artistic-2.0", "WTFPL", "X11", "ZPL-2.1", "UPL-1.0",
        "OpenSSL", "NCSA", "Unicode-3.0", "Unicode-DFS-2016", "BlueOak-1.0.0", "CDDL-1.0", "OFL-1.1", "Beerware",
    )
} | {
    "gpl-2.0": "GPL-2.0-only", "gpl-2.0+": "GPL-2.0-or-later", "gpl-3.0": "GPL-3.0-only",
    "gpl-3.0+": "GPL-3.0-or-later", "lgpl-2.0": "LGPL-2.0-only", "lgpl-2.0+": "LGPL-2.0-or-later",
    "lgpl-2.1": "LGPL-2.1-only", "lgpl-2.1+": "LGPL-2.1-or-later", "lgpl-3.0": "LGPL-3.0-only",
    "lgpl-3.0+": "LGPL-3.0-or-later", "agpl-3.0": "AGPL-3.0-only", "agpl-3.0+": "AGPL-3.0-or-later",
}
_COMMON_EXCEPTIONS = {
    i.lower(): i
    for i in ("LLVM-exception", "Classpath-exception-2.0", "GCC-exception-3.1", "Autoconf-exception-3.0",
              "Bison-exception-2.2", "Font-exception-2.0", "OpenJDK-assembly-exception-1.0")
}
_TOKENS = re.compile(r"[()]|[^\s()]+")
_IDSTRING = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]*\+?")
_REF = re.compile(r"(LicenseRef|DocumentRef-[A-Za-z0-9.-]+:LicenseRef)-[A-Za-z0-9.-]+")

#: Trove licence classifiers with exactly one SPDX meaning (the part after "License :: ").
_CLASSIFIERS = {
    "OSI Approved :: MIT License": "MIT",
    "OSI Approved :: MIT No Attribution License (MIT-0)": "MIT-0",
    "OSI Approved :: Apache Software License": "",  # 1.1 or 2.0: unknown
    "OSI Approved :: BSD License": "",  # 2- or 3-clause (or more): unknown
    "OSI Approved :: ISC License (ISCL)": "ISC",
    "OSI Approved :: GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "OSI Approved :: GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "OSI Approved :: GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "OSI Approved :: GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "OSI Approved :: GNU Affero General Public License v3": "AGPL-3.0-only",
    "OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
    "OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "OSI Approved :: The Unlicense (Unlicense)": "Unlicense",
    "OSI Approved :: zlib/libpng License": "Zlib",
    "OSI Approved :: Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)": "EUPL-1.2",
    "OSI Approved :: Historical Permission Notice and Disclaimer (HPND)": "HPND",
    "OSI Approved :: Universal Permissive License (UPL)": "UPL-1.0",
    "OSI Approved :: Artistic License": "",  # 1.0 or 2.0: unknown
    "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
}


def _key(raw: str) -> str:
    return " ".join(raw.lower().split()).rstrip(".")


def _short(raw: str) -> str:
    """A declared form short enough to print: a licence text becomes its first line, cut."""
    first = next((line.strip() for line in raw.splitlines() if line.strip()), "")
    if len(first) > _MAX_DECLARED:
        first = first[: _MAX_DECLARED - 1].rstrip() + "\u2026"
    elif first != raw.strip():
        first += " \u2026"
    return first


class _Rare(Exception):
    """An expression with an id outside the common table: ask the SPDX licence list."""


def _render(tokens: list[str]) -> str:
    """A well-formed expression of common ids in canonical spelling; ValueError if malformed.

    Grammar (SPDX annex D, without the deprecated ``+``): ``expr = term (AND|OR term)*``,
    ``term = "(" expr ")" | id [WITH exception]``. Mixing AND and OR at one level is left to the
    library, which adds the parentheses that make the precedence visible.
    """
    out: list[str] = []
    position = 0
    rare = False

    def expression() -> None:
        nonlocal position
        operators = set()
        term()
        while position < len(tokens) and tokens[position].upper() in ("AND", "OR"):
            operators.add(tokens[position].upper())
            out.append(tokens[position].upper())
            position += 1
            term()
        if len(operators) > 1:
            raise _Rare

    def term() -> None:
        nonlocal position
        if position >= len(tokens):
            raise ValueError("expression ends early")
        token = tokens[position]
        position += 1
        if token == "(":
            out.append("(")
            expression()
            if position >= len(tokens) or tokens[position] != ")":
                raise ValueError("unbalanced parenthesis")
            out.append(")")
            position += 1
            return
        if token == ")" or token.upper() in ("AND", "OR", "WITH"):
            raise ValueError(f"unexpected {token!r}")
        out.append(_id(token, _COMMON_IDS))
        if position < len(tokens) and tokens[position].upper() == "WITH":
            position += 1
            if position >= len(tokens):
                raise ValueError("WITH without an exception")
            out.extend(("WITH", _id(tokens[position], _COMMON_EXCEPTIONS)))
            position += 1

    def _id(token: str, table: dict[str, str]) -> str:
        nonlocal rare
        if known := table.get(token.lower()) or (token if _REF.fullmatch(token) else None):
            return known
        if not _IDSTRING.fullmatch(token):
            raise ValueError(f"{token!r} is not a licence id")
        rare = True
        return token

    expression()
    if position != len(tokens):
        raise ValueError("trailing tokens")
    if rare:
        raise _Rare
    while out[0] == "(" and _closing(out) == len(out) - 1:
        out = out[1:-1]  # "(MIT)" -> "MIT"
    return " ".join(out).replace("( ", "(").replace(" )", ")")


def _closing(tokens: list[str]) -> int:
    """Index of the parenthesis closing the one at index 0."""
    depth = 0
    for i, t in enumerate(tokens):
        depth += (t == "(") - (t == ")")
        if depth == 0:
            return i
    return -1


@functools.cache
def _licensing() -> Any:
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


def _spdx(raw: str) -> str:
    """The canonical rendering of ``raw`` if it is a valid SPDX expression, else ``""``."""
    try:
        return _render(_TOKENS.findall(raw))
    except ValueError:
        return ""
    except _Rare:
        pass
    licensing = _licensing()  # about 80 ms, once per process, and only for rare ids
    try:
        # The simple tokenizer: SPDX ids never contain spaces, and the advanced one would
        # resolve loose names through aliases ("GPL" -> "GPL-1.0-or-later"): a guess.
        parsed = licensing.parse(raw, validate=False, strict=True, simple=True)
        if parsed is None:
            return ""
        unknown = licensing.unknown_license_keys(parsed)
    except Exception:  # license-expression raises several unrelated types on bad input
        return ""
    if any(not _REF.fullmatch(str(k)) for k in unknown):
        return ""
    return str(parsed.render())


@functools.lru_cache(maxsize=2048)
def normalise(raw: str) -> tuple[str, str]:
    """``(SPDX expression or "", declared text to keep)`` for one licence string.

    The declared text is ``""`` when it says exactly what the expression says. A whole licence
    text (several lines, or very long) is never mapped; its declared form is its first line.
    """
    text = raw.strip()
    key = _key(text)
    if key in _NOTHING:
        return "", ""
    if "\n" in text or len(text) > _MAX_DECLARED:
        return "", _short(text)
    if key in _AMBIGUOUS:
        return "", text
    expression = _FREE_TEXT.get(key) or _spdx(text)
    return expression, ("" if expression == text else text)


@functools.lru_cache(maxsize=512)
def _classifiers(classifiers: tuple[str, ...]) -> str:
    ids = set()
    for c in classifiers:
        ids.add(_CLASSIFIERS.get(c.removeprefix("License :: ").strip(), ""))
    return ids.pop() if len(ids) == 1 else ""


def from_classifiers(classifiers: Iterable[str]) -> str:
    """The SPDX id the trove licence classifiers name, or ``""``.

    Several licence classifiers give ``""``: a classifier list does not say whether the licences
    are alternatives (OR) or all apply (AND), so any choice would be a guess. Unknown or
    ambiguous classifiers ("BSD License") also give ``""``.
    """
    found = tuple(sorted({c for c in classifiers if c.startswith("License ::") and c != "License :: OSI Approved"}))
    return _classifiers(found) if found else ""


def classifier_names(classifiers: Iterable[str]) -> str:
    """The licence classifiers as a declared text: ``"BSD License; MIT License"``."""
    return "; ".join(sorted({c.rsplit("::", 1)[-1].strip() for c in classifiers if c.startswith("License ::")}))
