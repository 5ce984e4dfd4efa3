"""Package URL strings exactly as packageurl-python writes them, without its per-call cost.

``PackageURL(...).to_string()`` normalises every part twice (once in the constructor, once in
``to_string``) and costs about 0.1 ms; a site-packages of 300 distributions, a dpkg status of
2,000 packages and their dependency edges build thousands of purls. :func:`build` repeats the
library's normalisation for the types sovaudit writes and uses the library's own quoting, so the
strings are the same (tests compare them with the library on generated input). Text that quoting
leaves as it is (the usual names and versions) is not quoted at all, so most scans never import
the library. Any other type is handed to the library.
"""

from __future__ import annotations

import functools
import re
from typing import Any

#: Types whose name packageurl-python lower-cases (of those :func:`build` handles itself).
_LOWER_NAME = frozenset({"apk", "pypi"})
#: Types whose namespace packageurl-python lower-cases.
_LOWER_NAMESPACE = frozenset({"apk", "pypi"})
#: Types without any other rule in packageurl-python's normaliser.
_TYPES = frozenset({"apk", "conda", "deb", "pypi", "rpm"})
#: What ``urllib.parse.quote`` (safe "/") leaves unchanged, plus ":" (the library restores it).
_UNQUOTED = re.compile(r"[A-Za-z0-9_.~:/-]*")


@functools.cache
def _library() -> Any:
    import packageurl

    return packageurl


def quote(text: str) -> str:
    """packageurl-python's ``quote`` (percent-encoding, ``:`` kept)."""
    if _UNQUOTED.fullmatch(text):
        return text
    return str(_library().quote(text))


#: A qualifier key the library accepts as it is (it lower-cases keys).
_QUALIFIER_KEY = re.compile(r"[a-z._-][a-z0-9._-]*")


@functools.lru_cache(maxsize=256)
def _qualifier_string(qualifiers: tuple[tuple[str, str], ...]) -> str:
    """``k=v&...`` of the qualifiers (one per key, in the order given), sorted; empty values left out."""
    wanted = [(k, v) for k, v in qualifiers if v and v.strip()]
    if all(_QUALIFIER_KEY.fullmatch(k) and _UNQUOTED.fullmatch(v) for k, v in wanted):
        return "&".join(f"{k}={v}" for k, v in sorted(wanted))
    return str(_library().normalize_qualifiers(dict(qualifiers), encode=True) or "")


def build(
    ptype: str,
    namespace: str | None,
    name: str,
    version: str = "",
    qualifiers: tuple[tuple[str, str], ...] = (),
) -> str:
    """``PackageURL(type, namespace, name, version or None, dict(qualifiers)).to_string()``.

    Qualifiers with an empty value are left out, as the library does. Raises ValueError where
    the library does (an invalid qualifier key). A lone surrogate (a name from a file that is
    not UTF-8, a JSON ``"\\ud800"``), which percent-encoding cannot write, is written as its
    escape (``\\udc80``) first, for every type: the library would raise UnicodeEncodeError.
    """
    if not (name.isascii() and (namespace or "").isascii() and (version or "").isascii()) or any(
        not k.isascii() or not v.isascii() for k, v in qualifiers
    ):
        namespace = _writable(namespace) if namespace else namespace
        name, version = _writable(name), _writable(version or "")
        qualifiers = tuple((_writable(k), _writable(v)) for k, v in qualifiers)
    if ptype not in _TYPES:
        return str(
            _library()
            .PackageURL(
                type=ptype, namespace=namespace, name=name, version=version or None, qualifiers=dict(qualifiers) or None
            )
            .to_string()
        )
    lower_name = ptype in _LOWER_NAME
    parts = ["pkg:", ptype, "/"]
    if namespace:
        # The constructor's pass, then to_string's (which quotes each segment).
        text = namespace.strip().strip("/")
        text = "/".join(seg for seg in text.split("/") if seg.strip()).strip().strip("/")
        if ptype in _LOWER_NAMESPACE:
            text = text.lower()
        segments = [quote(seg) for seg in text.split("/") if seg.strip()]
        if segments:
            parts += ["/".join(segments), "/"]
    parts.append(_name(ptype, _name(ptype, name, lower_name, quoted=False), lower_name, quoted=True))
    version = version.strip() if version else ""
    if version:
        parts += ["@", quote(version)]
    if qualifiers and (q := _qualifier_string(tuple(dict(qualifiers).items()))):
        parts += ["?", q]
    return "".join(parts)


def _writable(text: str) -> str:
    """``text`` with lone surrogates as backslash escapes (every other character as it is)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _name(ptype: str, text: str, lower: bool, *, quoted: bool) -> str:
    """packageurl-python's ``normalize_name`` for the types of :data:`_TYPES`."""
    if quoted:
        text = quote(text)
    text = text.strip().strip("/")
    if lower:
        text = text.lower()
    if ptype == "pypi":
        text = text.replace("_", "-").lower()
    return text
