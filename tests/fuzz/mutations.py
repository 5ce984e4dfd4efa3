"""Mutations of a real input: byte-level ones for any file, structure-aware ones for JSON and YAML.

Each is a hypothesis strategy from the original bytes to new bytes. The structure-aware ones
parse the original (a JSON or YAML document; text for the line-based ones), change one thing
that parsers and collectors trip on, and write it back:

* ``truncate``, ``bit_flip``, ``splice`` (a chunk replaced by random bytes or a copy of another
  chunk), ``random_bytes``: the shapes of a corrupt or hostile file;
* ``duplicate_key`` (JSON objects, YAML mappings, ``key = value`` lines: one key given twice);
* ``wrong_type`` (a value replaced by one of another type: list for string, null for object ...);
* ``deep_nesting`` (a value or a line wrapped in hundreds to 100,000 levels of lists);
* ``huge_number`` (a number replaced by 10**400, 1e999, -1, 2**64, a 5,000-digit one, NaN);
* ``invalid_utf8`` (overlong, surrogate, truncated and stray continuation bytes, NUL).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

Draw = st.DrawFn

_BAD_UTF8 = (b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"\x80", b"\xe2\x82", b"\x00")
_HUGE = (
    "1" + "0" * 400,
    "1e999",
    "-1",
    "18446744073709551616",
    "9" * 5000,
    "NaN",
    "-Infinity",
    "0x7fffffffffffffff",
    "-0",
)
_DEPTHS = (200, 1000, 5000, 100_000)
_NOT = object()
_ODD_VALUES: tuple[Any, ...] = (None, True, 0, -1, 1.5, "", "x", [], {}, [[]], {"": None}, 10**30, "\u202e\ufeff")


def _pos(draw: Draw, data: bytes) -> int:
    return int(draw(st.integers(0, len(data))))


def truncate(draw: Draw, data: bytes) -> bytes:
    return data[: _pos(draw, data)]


def bit_flip(draw: Draw, data: bytes) -> bytes:
    if not data:
        return b"\x01"
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        i = draw(st.integers(0, len(out) - 1))
        out[i] ^= 1 << draw(st.integers(0, 7))
    return bytes(out)


def splice(draw: Draw, data: bytes) -> bytes:
    start = _pos(draw, data)
    end = min(len(data), start + draw(st.integers(0, 64)))
    if draw(st.booleans()) and data:
        a = _pos(draw, data)
        chunk = data[a : a + draw(st.integers(1, 4096))] * draw(st.integers(1, 4))
    else:
        chunk = draw(st.binary(max_size=64))
    return data[:start] + chunk + data[end:]


def random_bytes(draw: Draw, data: bytes) -> bytes:
    return bytes(draw(st.binary(max_size=4096)))


def invalid_utf8(draw: Draw, data: bytes) -> bytes:
    out = data
    for _ in range(draw(st.integers(1, 4))):
        i = _pos(draw, out)
        out = out[:i] + draw(st.sampled_from(_BAD_UTF8)) + out[i:]
    return out


# -- structure-aware ---------------------------------------------------------------------------------
def _json(data: bytes) -> Any:
    try:
        return json.loads(data, object_pairs_hook=_Pairs)
    except (ValueError, RecursionError):
        return _NOT


def _yaml(data: bytes) -> Any:
    import yaml

    try:
        doc = yaml.load(data.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (UnicodeDecodeError, yaml.YAMLError, RecursionError, ValueError, TypeError):
        return _NOT
    return doc if isinstance(doc, dict | list) else _NOT


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as its key-value pairs in order, so that one key can be given twice."""


def _dump_json(value: Any) -> str:
    """JSON text of ``value``, keeping duplicate keys and writing any integer (json refuses 4,300+ digits)."""
    if isinstance(value, _Pairs):
        return "{" + ", ".join(f"{json.dumps(k)}: {_dump_json(v)}" for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_dump_json(v) for v in value) + "]"
    if isinstance(value, _Raw):
        return value.text
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return str(value) if abs(value) < 10**4000 else "9" * 5000
    return json.dumps(value)


class _Raw:
    """Text written into the JSON as it is (a number json would refuse to write, deep nesting)."""

    def __init__(self, text: str) -> None:
        self.text = text


def _containers(value: Any, out: list[Any]) -> None:
    """Every object and array in ``value``, outermost first."""
    if isinstance(value, _Pairs):
        children: list[Any] = [v for _, v in value]
    elif isinstance(value, dict):
        children = list(value.values())
    elif isinstance(value, list):
        children = value
    else:
        return
    out.append(value)
    for child in children:
        _containers(child, out)


def _odd(draw: Draw, unlike: Any = _NOT) -> Any:
    """A value of another type than ``unlike`` (a fresh copy: the table's lists must stay empty)."""
    return copy.deepcopy(draw(st.sampled_from([v for v in _ODD_VALUES if type(v) is not type(unlike)])))


def _replace_one(draw: Draw, doc: Any, make: Callable[[Any], Any]) -> bool:
    """Replace one value somewhere in ``doc`` (in place) by ``make(old)``; False when it has none."""
    containers: list[Any] = []
    _containers(doc, containers)
    containers = [c for c in containers if len(c)]
    if not containers:
        return False
    node = draw(st.sampled_from(containers))
    i = draw(st.integers(0, len(node) - 1))
    if isinstance(node, _Pairs):
        key, old = node[i]
        node[i] = (key, make(old))
    elif isinstance(node, dict):
        key = list(node)[i]
        node[key] = make(node[key])
    else:
        node[i] = make(node[i])
    return True


def _structured(
    draw: Draw, data: bytes, change: Callable[[Draw, Any], bool], textual: Callable[[Draw, bytes], bytes]
) -> bytes:
    """Apply ``change`` to the JSON or YAML document in ``data``; ``textual`` when it is neither."""
    doc = _json(data)
    if doc is not _NOT and change(draw, doc):
        return _dump_json(doc).encode()
    doc = _yaml(data)
    if doc is not _NOT and change(draw, doc):
        return _dump_yaml(doc)
    return textual(draw, data)


def _dump_yaml(doc: Any) -> bytes:
    """YAML text of ``doc``; a raw value (deep nesting, a huge number) goes in as written, in flow style."""
    import yaml

    raws: list[str] = []

    def plain(v: Any) -> Any:
        if isinstance(v, _Raw):
            raws.append(v.text)
            return f"SOVAUDITRAW{len(raws) - 1}X"
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, list):
            return [plain(x) for x in v]
        return v

    text = yaml.safe_dump(plain(doc), sort_keys=False, allow_unicode=True)
    for i, raw in enumerate(raws):
        text = text.replace(f"SOVAUDITRAW{i}X", raw)
    return text.encode()


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [data]


def duplicate_key(draw: Draw, data: bytes) -> bytes:
    def change(draw: Draw, doc: Any) -> bool:
        containers: list[Any] = []
        _containers(doc, containers)
        objects = [c for c in containers if isinstance(c, _Pairs) and c]
        if not objects:
            return False
        obj = draw(st.sampled_from(objects))
        key, value = obj[draw(st.integers(0, len(obj) - 1))]
        obj.append((key, value if draw(st.booleans()) else _odd(draw)))
        return True

    def textual(draw: Draw, data: bytes) -> bytes:  # YAML, TOML, INI, key=value: repeat one line
        lines = _lines(data)
        i = draw(st.integers(0, len(lines) - 1))
        return b"".join([*lines[: i + 1], lines[i], *lines[i + 1 :]])

    doc = _json(data)
    if doc is not _NOT and change(draw, doc):
        return _dump_json(doc).encode()
    return textual(draw, data)


def wrong_type(draw: Draw, data: bytes) -> bytes:
    def change(draw: Draw, doc: Any) -> bool:
        return _replace_one(draw, doc, lambda old: _odd(draw, old))

    def textual(draw: Draw, data: bytes) -> bytes:  # a value after "=" or ":" replaced
        lines = _lines(data)
        i = draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        for sep in (b"=", b":"):
            if sep in line:
                head = line.split(sep, 1)[0]
                value = draw(st.sampled_from((b"[]", b"{}", b"[[1]]", b'""', b"null", b"true", b"-1", b"{a: [b]}")))
                lines[i] = head + sep + b" " + value + b"\n"
                break
        return b"".join(lines)

    return _structured(draw, data, change, textual)


def deep_nesting(draw: Draw, data: bytes) -> bytes:
    depth = draw(st.sampled_from(_DEPTHS))

    def change(draw: Draw, doc: Any) -> bool:
        opener, closer = draw(st.sampled_from((("[", "]"), ('{"a":', "}"))))
        return _replace_one(draw, doc, lambda old: _Raw(opener * depth + "1" + closer * depth))

    def textual(draw: Draw, data: bytes) -> bytes:
        i = _pos(draw, data)
        opener = draw(st.sampled_from((b"[", b"{", b"(", b"- ", b"<a>", b"{{", b"${")))
        return data[:i] + opener * depth + data[i:]

    return _structured(draw, data, change, textual)


def huge_number(draw: Draw, data: bytes) -> bytes:
    def change(draw: Draw, doc: Any) -> bool:
        return _replace_one(draw, doc, lambda old: _Raw(draw(st.sampled_from(_HUGE))))

    def textual(draw: Draw, data: bytes) -> bytes:
        runs = list(re.finditer(rb"\d+", data))
        if not runs:
            return data + draw(st.sampled_from(_HUGE)).encode()
        m = draw(st.sampled_from(runs))
        return data[: m.start()] + draw(st.sampled_from(_HUGE)).encode() + data[m.end() :]

    doc = _json(data)
    if doc is not _NOT and change(draw, doc):
        return _dump_json(doc).encode()
    return textual(draw, data)


MUTATIONS: dict[str, Callable[[Draw, bytes], bytes]] = {
    "truncate": truncate,
    "bit_flip": bit_flip,
    "splice": splice,
    "random_bytes": random_bytes,
    "invalid_utf8": invalid_utf8,
    "duplicate_key": duplicate_key,
    "wrong_type": wrong_type,
    "deep_nesting": deep_nesting,
    "huge_number": huge_number,
}


@st.composite
def mutated(draw: Draw, original: bytes) -> tuple[str, bytes]:
    """``(mutation name, new bytes)`` for one original input."""
    name = draw(st.sampled_from(sorted(MUTATIONS)))
    return name, MUTATIONS[name](draw, original)
