"""Indented JSON, the text ``json.dumps(doc, indent=2)`` writes, in about a third of the time.

``json`` indents in pure Python (its C encoder is used only without ``indent``), one generator
frame per value. The documents sovaudit writes (inventory JSON, CycloneDX) are plain dicts,
lists, strings, numbers, booleans and nulls with string keys, thousands of them: :func:`dumps`
walks them once, escapes every string with ``json``'s own C escaper and writes every other scalar
as ``json`` does. Anything else (a subclass, a non-string key, a value ``json`` would reject or
convert) makes it hand the whole document to ``json.dumps``, so the text is always ``json``'s.
``tests/test_jsonout.py`` compares the two on generated documents.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring, encode_basestring_ascii
from typing import Any


class _NotPlain(Exception):
    """A value :func:`dumps` leaves to ``json.dumps``."""


def dumps(doc: Any, *, ensure_ascii: bool = True) -> str:
    """``json.dumps(doc, indent=2, ensure_ascii=ensure_ascii)``, the same text."""
    out: list[str] = []
    try:
        _write(doc, out, "\n", encode_basestring_ascii if ensure_ascii else encode_basestring, {})
    except (_NotPlain, RecursionError):
        return json.dumps(doc, indent=2, ensure_ascii=ensure_ascii)
    return "".join(out)


def _scalar(value: Any) -> str:
    """A number, boolean or null as ``json`` writes it (a float that is not finite: ``json.dumps``)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    kind = type(value)
    if kind is int:
        return int.__repr__(value)
    if kind is float and value - value == 0:  # finite
        return float.__repr__(value)
    raise _NotPlain


def _write(value: Any, out: list[str], newline: str, string: Callable[[str], str], keys: dict[Any, str]) -> None:
    """Append ``value``, whose first line is already indented; ``newline`` is "\\n" + its indent.

    ``keys`` holds each key written so far, escaped, with its ``": "``: a document repeats a few
    keys thousands of times, and a lookup costs a tenth of escaping.
    """
    kind = type(value)
    if kind is dict:
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        sep = "{" + inner
        for k, v in value.items():
            key = keys.get(k)
            if key is None:
                if type(k) is not str:
                    raise _NotPlain
                key = keys[k] = string(k) + ": "
            vkind = type(v)
            if vkind is str:
                out.append(f"{sep}{key}{string(v)}")
            elif vkind is dict or vkind is list:
                out.append(sep + key)
                _write(v, out, inner, string, keys)
            else:
                out.append(f"{sep}{key}{_scalar(v)}")
            sep = "," + inner
        out.append(newline + "}")
    elif kind is list:
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        sep = "[" + inner
        for v in value:
            vkind = type(v)
            if vkind is str:
                out.append(sep + string(v))
            elif vkind is dict or vkind is list:
                out.append(sep)
                _write(v, out, inner, string, keys)
            else:
                out.append(sep + _scalar(v))
            sep = "," + inner
        out.append(newline + "]")
    elif kind is str:
        out.append(string(value))
    else:
        out.append(_scalar(value))
