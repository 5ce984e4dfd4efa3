"""The pieces every Python collector shares (sovaudit.collectors.pypi)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import canonicalize_name

from sovaudit.collectors import pypi
from sovaudit.model import Evidence


@pytest.mark.parametrize(
    ("url", "clean"),
    [
        ("https://user:pass@host.example/simple", "https://host.example/simple"),
        ("https://${PIP_USER}:${PIP_PASSWORD}@pkgs.example/simple/", "https://pkgs.example/simple/"),
        ("https://ghp_token123@github.com/org/repo.git", "https://github.com/org/repo.git"),
        ("git+ssh://git@github.com/org/repo.git@v1#egg=repo", "git+ssh://github.com/org/repo.git@v1#egg=repo"),
        ("https://u:p@ss@host.example/x", "https://host.example/x"),  # an unescaped "@" in the password
        ("https://host.example/simple?token=abc&page=2", "https://host.example/simple?token=***&page=2"),
        ("https://bucket.example/f.whl?X-Amz-Signature=abc#sha256=00", "https://bucket.example/f.whl?X-Amz-Signature=***#sha256=00"),
        ("https://host.example/files/a@b.whl", "https://host.example/files/a@b.whl"),  # "@" in the path stays
        ("file:///home/conda/work", "file:///home/conda/work"),
    ],
)
def test_strip_credentials(url: str, clean: str) -> None:
    assert pypi.strip_credentials(url) == clean


@pytest.mark.parametrize(
    ("text", "pair"),
    [
        ("sha256:" + "A" * 64, ("SHA-256", "a" * 64)),
        ("sha256=" + "b" * 64, ("SHA-256", "b" * 64)),
        ("SHA3-256:" + "c" * 64, ("SHA3-256", "c" * 64)),
        ("md5:" + "d" * 32, ("MD5", "d" * 32)),
        ("sha256:" + "e" * 63, None),  # wrong length
        ("sha256:" + "g" * 64, None),  # not hex
        ("crc32:deadbeef", None),  # not an algorithm an SBOM can name
        ("no-separator", None),
    ],
)
def test_parse_hash(text: str, pair: tuple[str, str] | None) -> None:
    assert pypi.parse_hash(text) == pair


def test_identity_is_the_pep503_purl() -> None:
    assert pypi.purl("Zope.Interface", "7.0") == "pkg:pypi/zope-interface@7.0"
    assert pypi.purl("typing_extensions") == "pkg:pypi/typing-extensions"
    assert pypi.purl("torch", "2.3.0+cu121") == "pkg:pypi/torch@2.3.0%2Bcu121"
    c = pypi.package("Foo_Bar", "1.0", Evidence(path="x", collector="t"), description="  two\n  lines ")
    assert (c.id, c.purl, c.name, c.description) == ("pkg:pypi/foo-bar@1.0", "pkg:pypi/foo-bar@1.0", "Foo_Bar",
                                                     "two lines")


def test_locked_resolution() -> None:
    locked = pypi.Locked()
    locked.add("NumPy", "1.26.4", "pkg:pypi/numpy@1.26.4")
    locked.add("numpy", "2.1.0", "pkg:pypi/numpy@2.1.0")
    locked.add("six", "1.16.0", "pkg:pypi/six@1.16.0")
    assert locked.resolve("six") == ["pkg:pypi/six@1.16.0"]
    assert locked.resolve("numpy", version="2.1.0") == ["pkg:pypi/numpy@2.1.0"]
    assert locked.resolve("numpy", constraint=">=1.26,<2") == ["pkg:pypi/numpy@1.26.4"]
    assert locked.resolve("numpy", constraint="^1.26") == ["pkg:pypi/numpy@1.26.4", "pkg:pypi/numpy@2.1.0"]
    assert locked.resolve("numpy", version="3.0") == ["pkg:pypi/numpy"]
    assert locked.resolve("missing") == ["pkg:pypi/missing"]


def test_inventory_merges_a_package_listed_twice() -> None:
    a = pypi.package("six", "1.16.0", Evidence(path="a.txt", collector="t", line=1), hashes=[("SHA-256", "1" * 64)])
    b = pypi.package("six", "1.16.0", Evidence(path="b.txt", collector="t", line=2), hashes=[("SHA-256", "2" * 64)])
    inv = pypi.inventory([a, b])
    assert len(inv.components) == 1
    assert [e.path for e in inv.components[0].evidence] == ["a.txt", "b.txt"]
    assert len(inv.components[0].hashes) == 2


@given(st.text(max_size=20) | st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,20}", fullmatch=True))
def test_normalise_name_is_packagings_canonical_name(name: str) -> None:
    assert pypi.normalise_name(name) == canonicalize_name(name)
