"""sovaudit.purl.build writes the string packageurl-python writes."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from packageurl import PackageURL, normalize_qualifiers

from sovaudit.purl import build

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=16)
NAMES = (
    TEXT
    | st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._+\-]{0,20}", fullmatch=True)
    | st.sampled_from(["requests", "Foo_Bar", "zope.interface", "a/b", " x ", "c++", "İx", "a%20b"])
)
VERSIONS = (
    TEXT
    | st.from_regex(r"([0-9]:)?[0-9][A-Za-z0-9.+~!\-]{0,12}", fullmatch=True)
    | st.sampled_from(["", " ", "1.0+local", "2:1.2-3~deb11u1", "1.0 "])
)
KEYS = st.sampled_from(["arch", "distro", "build", "channel", "subdir", "platform", "Arch", " arch", "", "a b", "9x"])
VALUES = TEXT | st.sampled_from(["amd64", "conda-forge", "linux-64", "", " "])
QUALIFIERS = st.lists(st.tuples(KEYS, VALUES), max_size=4)


def _library(ptype: str, namespace: str | None, name: str, version: str, qualifiers: list[tuple[str, str]]) -> str:
    return str(
        PackageURL(
            type=ptype, namespace=namespace, name=name, version=version or None, qualifiers=dict(qualifiers) or None
        ).to_string()
    )


@given(
    ptype=st.sampled_from(["pypi", "deb", "rpm", "apk", "conda", "spack", "generic"]),
    namespace=st.none() | st.sampled_from(["debian", "Alpine", " ubuntu/", "a//b", "fedora "]) | TEXT,
    name=NAMES,
    version=VERSIONS,
    qualifiers=QUALIFIERS,
)
@example(ptype="pypi", namespace=None, name="Foo_Bar", version="1.0+local", qualifiers=[])
@example(ptype="apk", namespace="Alpine", name="Musl", version="1.2.4-r2", qualifiers=[("arch", "x86_64")])
def test_build_matches_packageurl(
    ptype: str, namespace: str | None, name: str, version: str, qualifiers: list[tuple[str, str]]
) -> None:
    try:
        normalize_qualifiers(dict(qualifiers), encode=True)
    except ValueError:  # an invalid key: both refuse it
        with pytest.raises(ValueError):
            _library(ptype, namespace, name, version, qualifiers)
        with pytest.raises(ValueError):
            build(ptype, namespace, name, version, tuple(qualifiers))
        return
    try:
        expected = _library(ptype, namespace, name, version, qualifiers)
    except (ValueError, TypeError):
        return  # the library fails on a name that is only "/" or blanks: nothing to compare
    assert build(ptype, namespace, name, version, tuple(qualifiers)) == expected


SURROGATE_TEXT = st.text(alphabet=st.characters(codec=None, categories=["Cs", "Ll", "Nd"]), min_size=1, max_size=8)


def _escaped(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode()


@given(
    ptype=st.sampled_from(["pypi", "deb", "rpm", "apk", "conda", "npm", "generic"]),
    name=SURROGATE_TEXT,
    version=SURROGATE_TEXT,
    value=SURROGATE_TEXT,
)
@example(ptype="deb", name="caf\udce9", version="1\ud800", value="x")
def test_lone_surrogates_are_written_as_their_escapes(ptype: str, name: str, version: str, value: str) -> None:
    """A name read from a file that is not UTF-8 arrives with surrogate escapes: never a crash."""
    got = build(ptype, None, name, version, (("arch", value),))
    assert got.isascii()
    try:
        expected = _library(ptype, None, _escaped(name), _escaped(version), [("arch", _escaped(value))])
    except (ValueError, TypeError):
        return
    assert got == expected
