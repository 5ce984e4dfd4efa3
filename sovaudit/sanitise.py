"""The last step of every scan: no credential and no unwritable character reaches an output.

**Credentials in URLs.** The files a stack is made of hold them: ``--index-url
https://user:token@host``, a proxy in a Dockerfile, an image label, a connection string in a
manifest. Collectors that keep a URL strip its credentials themselves
(:func:`sovaudit.collectors.pypi.strip_credentials`); this is the net under all of them, old and
new: every property value, description and input record that still holds a URL with a user part,
or a secret-looking query parameter (``?token=``), is written without them.

**Lone surrogates.** A JSON string may spell ``"\\ud800"``, and a file or tar member name that is
not UTF-8 reaches Python as surrogate escapes; UTF-8 cannot write either, so an output format would
fail on them. Each is replaced by its escape as text (``\\ud800``): readable, and two different
names stay different.

Cheap where there is nothing to do: ASCII text (almost all of it) is passed over in constant time,
and only text holding ``://`` is searched for credentials.
"""

from __future__ import annotations

import re
from dataclasses import replace

from sovaudit.model import Component, Edge, Evidence, InputRecord, Inventory

_SURROGATE = re.compile("[\ud800-\udfff]")


def sanitise(inventory: Inventory) -> Inventory:
    """``inventory`` safe to write: credentials out of URLs, surrogates escaped (the same object if clean)."""
    components = tuple(_component(c) for c in inventory.components)
    edges = tuple(_edge(e) for e in inventory.edges)
    inputs = tuple(_record(r) for r in inventory.inputs)
    if (
        all(a is b for a, b in zip(components, inventory.components, strict=True))
        and all(a is b for a, b in zip(edges, inventory.edges, strict=True))
        and all(a is b for a, b in zip(inputs, inventory.inputs, strict=True))
    ):
        return inventory
    return replace(inventory, components=components, edges=edges, inputs=inputs)


def _text(s: str) -> str:
    """``s`` with lone surrogates written as escapes (``str.isascii`` is a flag check: no scan)."""
    if s.isascii() or _SURROGATE.search(s) is None:
        return s
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", s)


def _may_hold_secret(s: str) -> bool:
    """A URL with a user part or a query: the only places credentials are written (cheap ``in`` tests)."""
    return "://" in s and ("@" in s or "?" in s)


def _free(s: str) -> str:
    """Free text that may hold a URL: surrogates escaped and URL credentials taken out."""
    s = _text(s)
    if not _may_hold_secret(s):
        return s
    from sovaudit.collectors.pypi import strip_credentials  # only when a URL is there to clean

    clean = strip_credentials(s)
    return s if clean == s else clean


def _same(new: tuple[object, ...], old: tuple[object, ...]) -> bool:
    return all(a is b for a, b in zip(new, old, strict=True))


def _evidence(evidence: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
    if "".join([e.path + e.pointer for e in evidence]).isascii():
        return evidence
    clean = tuple(replace(e, path=_text(e.path), pointer=_text(e.pointer)) for e in evidence)
    return evidence if clean == evidence else clean


def _component(c: Component) -> Component:
    texts = (c.id, c.name, c.version, c.purl, c.licenses, c.license_declared, c.supplier, c.author)
    # One look at all the text at once (joins run in C): nearly every component passes here.
    free = "\n".join([c.description, *[v for _, v in c.properties]])
    names = "".join([*texts, *[k for k, _ in c.properties], *[a + h for a, h in c.hashes]])
    if names.isascii() and free.isascii() and not _may_hold_secret(free):
        evidence = _evidence(c.evidence)
        return c if evidence is c.evidence else replace(c, evidence=evidence)
    new_texts = tuple(_text(t) for t in texts)
    description = _free(c.description)
    properties = tuple((_text(k), _free(v)) for k, v in c.properties)
    hashes = tuple((_text(a), _text(h)) for a, h in c.hashes)
    evidence = _evidence(c.evidence)
    if (
        _same(new_texts, texts)
        and description is c.description
        and all(_same(a, b) for a, b in zip(properties, c.properties, strict=True))
        and all(_same(a, b) for a, b in zip(hashes, c.hashes, strict=True))
        and evidence is c.evidence
    ):
        return c
    id_, name, version, purl, licenses, declared, supplier, author = new_texts
    return replace(
        c,
        id=id_,
        name=name,
        version=version,
        purl=purl,
        licenses=licenses,
        license_declared=declared,
        supplier=supplier,
        author=author,
        description=description,
        hashes=hashes,
        properties=properties,
        evidence=evidence,
    )


def _edge(e: Edge) -> Edge:
    if "".join([e.source, e.target, *[k + v for k, v in e.properties]]).isascii():
        evidence = _evidence(e.evidence)
        return e if evidence is e.evidence else replace(e, evidence=evidence)
    clean = replace(
        e,
        source=_text(e.source),
        target=_text(e.target),
        properties=tuple((_text(k), _text(v)) for k, v in e.properties),
        evidence=_evidence(e.evidence),
    )
    return e if clean == e else clean


def _record(r: InputRecord) -> InputRecord:
    path, reason = _text(r.path), _free(r.reason)
    return r if path is r.path and reason is r.reason else replace(r, path=path, reason=reason)
