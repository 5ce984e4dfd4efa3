"""What every Python collector shares: package identity, components, hashes, TOML, credentials.

A Python package is a component in the software layer, kind ``package``, identified by its purl
``pkg:pypi/<name>@<version>`` with the name normalised per PEP 503 (lower case, runs of ``-_.``
become ``-``), so the same distribution found in a site-packages, a requirements file and three
lock files merges into one node. A reference to a package no input pins is ``pkg:pypi/<name>``,
which the graph turns into an unresolved placeholder.

URLs from the scanned files pass :func:`strip_credentials` before they reach any component:
``https://user:token@host/`` and ``https://${USER}:${TOKEN}@host/`` both become ``https://host/``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sovaudit import purl as purls
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.graph import merge_components, merge_edges
from sovaudit.model import Component, Edge, Evidence, InputRecord, Inventory, Layer, Pairs, Relation

if TYPE_CHECKING:  # packaging is imported when a line needs its full PEP 508 parser, not for every scan
    from packaging.requirements import Requirement

#: Hash algorithm names (lower case, without "-" and "_") -> CycloneDX/SPDX spelling, digest length.
_HASH_ALGORITHMS = {
    "md5": ("MD5", 32),
    "sha1": ("SHA-1", 40),
    "sha256": ("SHA-256", 64),
    "sha384": ("SHA-384", 96),
    "sha512": ("SHA-512", 128),
    "sha3256": ("SHA3-256", 64),
    "sha3384": ("SHA3-384", 96),
    "sha3512": ("SHA3-512", 128),
    "blake2b": ("BLAKE2b-512", 128),
}
_HEX = re.compile(r"[0-9a-f]+")
#: The userinfo of a URL (up to the last "@" before the host): never copied into any output.
_USERINFO = re.compile(r"(?<=://)[^/?#\s]*@")
#: Query parameters that carry secrets (``?token=...``): their values are replaced.
_SECRET_QUERY = re.compile(
    r"(?i)([?&](?:[a-z0-9_.-]*(?:token|secret|passw(?:or)?d|api[_-]?key|auth|signature|sig|credential)[a-z0-9_.-]*)=)"
    r"[^&#\s]*"
)


_SEPARATORS = re.compile(r"[-_.]+")


class InvalidRequirement(ValueError):
    """Not a PEP 508 requirement (``packaging``'s error, raised again so that callers need not import it)."""


@functools.lru_cache(maxsize=8192)
def normalise_name(name: str) -> str:
    """The PEP 503 form of a project name: ``Foo_Bar.baz`` -> ``foo-bar-baz``.

    ``re.sub(r"[-_.]+", "-", name).lower()``, as PEP 503 defines it (and ``packaging``'s
    ``canonicalize_name`` computes it; a test compares the two).
    """
    return _SEPARATORS.sub("-", name).lower()


def purl(name: str, version: str = "") -> str:
    """``pkg:pypi/<normalised name>[@version]``, as packageurl-python writes it."""
    return purls.build("pypi", None, normalise_name(name), version)


def strip_credentials(url: str) -> str:
    """``url`` without a user name or password (nor ``${VAR}`` placeholders standing for them),
    and with the values of secret-looking query parameters (``?token=``) replaced by ``***``."""
    return _SECRET_QUERY.sub(r"\1***", _USERINFO.sub("", url))


def hash_pair(algorithm: str, digest: str) -> tuple[str, str] | None:
    """``("SHA-256", "<hex>")`` for a known algorithm and a well-formed digest, else None."""
    known = _HASH_ALGORITHMS.get(algorithm.strip().lower().replace("-", "").replace("_", ""))
    digest = digest.strip().lower()
    if known is None or len(digest) != known[1] or not _HEX.fullmatch(digest):
        return None
    return known[0], digest


def parse_hash(text: str) -> tuple[str, str] | None:
    """A hash written ``sha256:<hex>`` (pip, uv, poetry) or ``sha256=<hex>`` (RECORD, PEP 610)."""
    algorithm, sep, digest = text.partition(":")
    if not sep:
        algorithm, sep, digest = text.partition("=")
    return hash_pair(algorithm, digest) if sep else None


def hashes_of(mapping: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The hashes of a ``{sha256 = "<hex>", ...}`` table (PEP 610, PEP 751)."""
    return [h for alg, digest in mapping.items() if isinstance(digest, str) and (h := hash_pair(alg, digest))]


@functools.lru_cache(maxsize=8192)
def requirement(text: str) -> Requirement:
    """A PEP 508 requirement (cached: the same lines recur; do not change it). Raises InvalidRequirement."""
    from packaging import requirements

    try:
        return requirements.Requirement(text)
    except requirements.InvalidRequirement as err:
        raise InvalidRequirement(str(err)) from err


def exact_version(req: Requirement) -> str:
    """The version a requirement pins with ``==`` or ``===`` (no wildcard), else ``""``."""
    specs = list(req.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and not specs[0].version.endswith(".*"):
        return specs[0].version
    return ""


def package(
    name: str,
    version: str,
    evidence: Evidence,
    *,
    description: str = "",
    author: str = "",
    licenses: str = "",
    license_declared: str = "",
    hashes: Iterable[tuple[str, str]] = (),
    properties: Iterable[tuple[str, str]] = (),
) -> Component:
    """The component of one Python package."""
    ref = purl(name, version)
    return Component(
        id=ref,
        layer=Layer.SOFTWARE,
        kind="package",
        name=name,
        version=version,
        purl=ref,
        licenses=licenses,
        license_declared=license_declared,
        author=author,
        description=" ".join(description.split()),
        hashes=tuple(sorted(set(hashes))),
        properties=tuple(sorted(set(properties))),
        evidence=(evidence,),
    )


def with_property(component: Component, key: str, value: str) -> Component:
    return replace(component, properties=tuple(sorted({*component.properties, (key, value)})))


def depends_on(
    source: str,
    target: str,
    evidence: Evidence,
    *,
    scopes: Iterable[str] = (),
    properties: Pairs = (),
) -> Edge:
    return Edge(
        source=source,
        target=target,
        relation=Relation.DEPENDS_ON,
        scopes=tuple(sorted(set(scopes))),
        properties=tuple(sorted(set(properties))),
        evidence=(evidence,),
    )


def inventory(
    components: Iterable[Component], edges: Iterable[Edge] = (), inputs: Iterable[InputRecord] = ()
) -> Inventory:
    """An inventory with one component per id and one edge per key (the graph's merge rule):
    a package listed twice in one input is one node with the evidence of both lines."""
    by_id: dict[str, Component] = {}
    for c in components:
        by_id[c.id] = merge_components(by_id[c.id], c) if c.id in by_id else c
    by_key: dict[tuple[str, str, str], Edge] = {}
    for e in edges:
        by_key[e.key] = merge_edges(by_key[e.key], e) if e.key in by_key else e
    return Inventory(components=tuple(by_id.values()), edges=tuple(by_key.values()), inputs=tuple(inputs))


class Locked:
    """The packages of one lock file by normalised name, to resolve a dependency to an id."""

    def __init__(self) -> None:
        self._by_name: dict[str, list[tuple[str, str]]] = {}

    def add(self, name: str, version: str, component_id: str) -> None:
        self._by_name.setdefault(normalise_name(name), []).append((version, component_id))

    def resolve(self, name: str, version: str = "", constraint: str = "") -> list[str]:
        """Ids of the locked packages a dependency means: by exact version, else by a PEP 440
        constraint when it selects some, else all of that name; ``pkg:pypi/<name>`` if none."""
        found = self._by_name.get(normalise_name(name), [])
        if version:
            exact = [cid for v, cid in found if v == version]
            found = [(version, exact[0])] if exact else []
        elif len(found) > 1 and constraint:
            from packaging.specifiers import InvalidSpecifier, SpecifierSet

            try:
                spec = SpecifierSet(constraint)
            except InvalidSpecifier:
                spec = None
            chosen = [(v, cid) for v, cid in found if spec is not None and spec.contains(v, prereleases=True)]
            found = chosen or found
        return [cid for _, cid in found] or [purl(name)]


def load_toml(path: TreePath) -> tuple[str, dict[str, Any]]:
    """The text and the parsed document of a TOML file; a syntax error is an InputError."""
    import tomllib  # only lock files need it

    text = path.read_text()
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InputError(path.display(), "invalid TOML: " + " ".join(str(err).split())) from err
    except ValueError as err:  # an integer of over 4,300 digits
        raise InputError(path.display(), "invalid TOML: a number too long to read") from err


def table_lines(text: str, header: str, count: int) -> list[int]:
    """1-based lines of the ``[[header]]`` lines, if there are exactly ``count`` (else zeros).

    Lets evidence name the line of each ``[[package]]`` without a line-aware TOML parser; a file
    that writes its array of tables inline gets JSON-pointer-style evidence only.
    """
    wanted = f"[[{header}]]"
    lines = [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == wanted]
    return lines if len(lines) == count else [0] * count


def requirement_or_none(text: str) -> Requirement | None:
    """A PEP 508 requirement, or None when ``text`` is not one."""
    try:
        return requirement(text)
    except InvalidRequirement:
        return None
