"""Licence normalisation: SPDX where unambiguous, unknown otherwise, the raw text always kept."""

from __future__ import annotations

import time

import pytest

from sovaudit import licenses
from sovaudit.collectors.python_env import Headers, _licence


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # SPDX expressions: canonical spelling, declared text kept only when it differs
        ("MIT", ("MIT", "")),
        ("mit", ("MIT", "mit")),
        ("Apache-2.0 OR BSD-2-Clause", ("Apache-2.0 OR BSD-2-Clause", "")),
        ("BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0",
         ("BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0", "")),
        ("(MIT OR Apache-2.0) AND BSD-3-Clause", ("(MIT OR Apache-2.0) AND BSD-3-Clause", "")),
        ("(MIT)", ("MIT", "(MIT)")),
        ("Apache-2.0 WITH LLVM-exception", ("Apache-2.0 WITH LLVM-exception", "")),
        ("GPL-2.0", ("GPL-2.0-only", "GPL-2.0")),  # deprecated id, current form
        ("GPL-2.0+", ("GPL-2.0-or-later", "GPL-2.0+")),
        ("LicenseRef-Proprietary", ("LicenseRef-Proprietary", "")),
        ("Sleepycat", ("Sleepycat", "")),  # rare: validated against the SPDX licence list
        ("MIT OR Apache-2.0 AND ISC", ("MIT OR (Apache-2.0 AND ISC)", "MIT OR Apache-2.0 AND ISC")),
        # free text with one meaning
        ("MIT License", ("MIT", "MIT License")),
        ("Apache 2.0", ("Apache-2.0", "Apache 2.0")),
        ("Apache License, Version 2.0", ("Apache-2.0", "Apache License, Version 2.0")),
        ("new BSD License", ("BSD-3-Clause", "new BSD License")),
        ("GPLv3", ("GPL-3.0-only", "GPLv3")),
        ("GPLv3+", ("GPL-3.0-or-later", "GPLv3+")),
        # unknown stays unknown, never guessed
        ("BSD", ("", "BSD")),
        ("BSD License", ("", "BSD License")),
        ("GPL", ("", "GPL")),
        ("Apache Software License", ("", "Apache Software License")),
        ("PSF", ("", "PSF")),
        ("Dual License", ("", "Dual License")),
        ("ASL 2", ("", "ASL 2")),
        ("MIT/Apache-2.0", ("", "MIT/Apache-2.0")),
        ("MIT AND", ("", "MIT AND")),
        ("Apache-2.0+", ("", "Apache-2.0+")),
        ("NotALicence-1.0", ("", "NotALicence-1.0")),
        ("public domain, Python, 2-Clause BSD, GPL 3 (see COPYING.txt)",
         ("", "public domain, Python, 2-Clause BSD, GPL 3 (see COPYING.txt)")),
        # nothing declared
        ("", ("", "")),
        ("UNKNOWN", ("", "")),
        ("  ", ("", "")),
        # a whole licence text: never mapped, shortened to its first line
        ("MIT License\n\nCopyright (c) 2024 Someone\n\nPermission is hereby granted...",
         ("", "MIT License \u2026")),
        ("x" * 300, ("", "x" * 99 + "\u2026")),
    ],
)
def test_normalise(raw: str, expected: tuple[str, str]) -> None:
    assert licenses.normalise(raw) == expected


@pytest.mark.parametrize(
    ("classifiers", "expected"),
    [
        (["License :: OSI Approved :: MIT License"], "MIT"),
        (["License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)"], "GPL-3.0-or-later"),
        (["License :: OSI Approved :: BSD License"], ""),  # 2- or 3-clause?
        (["License :: OSI Approved :: Apache Software License"], ""),  # 1.1 or 2.0?
        (["License :: OSI Approved :: MIT License", "License :: OSI Approved :: Apache Software License"], ""),
        (["License :: OSI Approved :: MIT License", "License :: OSI Approved :: ISC License (ISCL)"], ""),  # AND or OR?
        (["License :: OSI Approved :: MIT License", "License :: OSI Approved"], "MIT"),  # a bare category says nothing
        (["License :: OSI Approved :: MIT License", "Programming Language :: Python"], "MIT"),
        (["Programming Language :: Python"], ""),
        ([], ""),
    ],
)
def test_from_classifiers(classifiers: list[str], expected: str) -> None:
    assert licenses.from_classifiers(classifiers) == expected


def headers(**fields: str | list[str]) -> Headers:
    return Headers({k.replace("_", "-"): [(v, 1)] if isinstance(v, str) else [(x, 1) for x in v]
                    for k, v in fields.items()})


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"license_expression": "MIT", "license": "BSD",
          "classifier": ["License :: OSI Approved :: ISC License (ISCL)"]}, ("MIT", "")),
        ({"license": "Apache 2.0", "classifier": ["License :: OSI Approved :: MIT License"]},
         ("Apache-2.0", "Apache 2.0")),
        ({"license": "BSD", "classifier": ["License :: OSI Approved :: MIT License"]}, ("MIT", "BSD")),
        ({"license": "UNKNOWN", "classifier": ["License :: OSI Approved :: MIT License"]}, ("MIT", "MIT License")),
        ({"license_expression": "not valid (", "license": "MIT"}, ("MIT", "")),
        ({"classifier": ["License :: OSI Approved :: BSD License"]}, ("", "BSD License")),
        ({}, ("", "")),
    ],
)
def test_metadata_precedence(fields: dict[str, str | list[str]], expected: tuple[str, str]) -> None:
    """License-Expression > License (when it normalises) > classifiers; the first raw text is kept."""
    assert _licence(headers(**fields)) == expected


def test_common_licences_never_load_the_spdx_list(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> None:
        raise AssertionError("the SPDX licence list was loaded for a common licence")

    monkeypatch.setattr(licenses, "_licensing", refuse)
    licenses.normalise.cache_clear()
    try:
        for raw in ("MIT", "Apache-2.0", "BSD-3-Clause OR MIT", "GPL-3.0-or-later WITH GCC-exception-3.1",
                    "Apache License 2.0", "BSD", "Copyright (c)\nall rights reserved", "PSF-2.0 AND CNRI-Python"):
            licenses.normalise(raw)
    finally:
        licenses.normalise.cache_clear()


def test_three_hundred_packages_cost_little() -> None:
    """300 distributions share a few licence strings: normalisation must not dominate a scan."""
    licenses.normalise.cache_clear()
    raws = [f"{lic}" for lic in ("MIT", "Apache-2.0", "BSD-3-Clause", "MIT License", "BSD", "Apache 2.0",
                                 "MPL-2.0", "Sleepycat")] * 40
    start = time.perf_counter()
    for raw in raws:
        licenses.normalise(raw)
    elapsed = time.perf_counter() - start
    assert elapsed < 0.5  # about 80 ms of it is loading the SPDX list once (for "Sleepycat")
    assert licenses.normalise.cache_info().hits == len(raws) - 8
