"""Which components each tool found, as comparable purls, and where two tools' sets differ.

Tools spell the same package differently: ``pkg:pypi/Zope.Interface@8.7`` (cdxgen keeps the
project's own spelling), ``pkg:pypi/zope-interface@8.7`` (PEP 503), ``pkg:npm/%40babel/core@7``
(percent-encoded scope), ``pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12`` (Syft's
qualifiers). :func:`normalise` maps each to one key: type, namespace and name lower-cased (PEP
503 for pypi names), percent-decoding undone, qualifiers and subpath dropped — except ``epoch``,
which is part of a Debian or RPM version and is folded into it (``1:2.3``) so that a tool that
writes the epoch into the version and one that writes it as a qualifier agree.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

_PEP503 = re.compile(r"[-_.]+")


def normalise(purl: str) -> str | None:
    """The comparable key of ``purl``, or None when it is not a package URL."""
    text = purl.strip()
    if not text.lower().startswith("pkg:"):
        return None
    text = text[4:].lstrip("/").split("#", 1)[0]
    path, _, query = text.partition("?")
    qualifiers = dict(part.partition("=")[::2] for part in query.split("&") if part)
    head, _, last = path.rstrip("/").rpartition("/")
    if not head:
        return None
    name, at, version = last.partition("@")
    ptype, _, namespace = head.partition("/")
    ptype = ptype.lower()
    name = unquote(name).lower()
    namespace = "/".join(unquote(part).lower() for part in namespace.split("/") if part)
    version = unquote(version) if at else ""
    if ptype == "pypi":
        name = _PEP503.sub("-", name)
    epoch = unquote(qualifiers.get("epoch", ""))
    if epoch and version and ":" not in version:
        version = f"{epoch}:{version}"
    key = f"pkg:{ptype}/{namespace}/{name}" if namespace else f"pkg:{ptype}/{name}"
    return f"{key}@{version}" if version else key


def purl_type(key: str) -> str:
    """``pypi`` for ``pkg:pypi/x@1``."""
    return key[4:].split("/", 1)[0]


def _components(node: Any) -> Iterator[dict[str, Any]]:
    """Every component of a CycloneDX document, nested ones included (Syft nests none; others may)."""
    if isinstance(node, dict):
        for comp in node.get("components") or ():
            if isinstance(comp, dict):
                yield comp
                yield from _components(comp)


def cyclonedx_purls(doc: Any) -> set[str]:
    """The normalised purls of a CycloneDX JSON document (metadata.component, the subject, excluded)."""
    return {key for c in _components(doc) if c.get("purl") and (key := normalise(str(c["purl"]))) is not None}


def read_cyclonedx(path: Path) -> tuple[int, set[str]]:
    """(components listed, normalised purls) of the CycloneDX JSON file ``path``."""
    doc = json.loads(path.read_bytes())
    return sum(1 for _ in _components(doc)), cyclonedx_purls(doc)


@dataclass(frozen=True, slots=True, kw_only=True)
class SetDiff:
    """How a peer's set of purls compares with sovaudit's."""

    common: int
    only_ours: tuple[str, ...]
    only_theirs: tuple[str, ...]
    #: Packages both found (same type, namespace, name) at different versions: (ours, theirs).
    other_version: tuple[tuple[str, str], ...]

    def by_type(self, side: str) -> dict[str, int]:
        """How many of ``only_ours`` or ``only_theirs`` are of each purl type, largest first."""
        keys = self.only_ours if side == "ours" else self.only_theirs
        return dict(Counter(purl_type(k) for k in keys).most_common())


def _unversioned(key: str) -> str:
    return key.rsplit("@", 1)[0] if "@" in key.rsplit("/", 1)[-1] else key


def compare(ours: Iterable[str], theirs: Iterable[str]) -> SetDiff:
    """Set difference of two sets of normalised purls, with version-only mismatches paired up."""
    a, b = set(ours), set(theirs)
    only_a, only_b = sorted(a - b), sorted(b - a)
    by_name_b: dict[str, list[str]] = {}
    for key in only_b:
        by_name_b.setdefault(_unversioned(key), []).append(key)
    pairs = [(key, other) for key in only_a for other in by_name_b.get(_unversioned(key), ())]
    return SetDiff(common=len(a & b), only_ours=tuple(only_a), only_theirs=tuple(only_b), other_version=tuple(pairs))
