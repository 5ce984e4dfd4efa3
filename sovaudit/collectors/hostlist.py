"""Slurm host-range expressions (``gpu[001-128,200]``), expanded exactly as Slurm does, with a bound.

Slurm's own parser (``src/common/hostlist.c``) is the reference; ``scontrol show hostnames`` from
Debian's ``slurm-client`` is the oracle the tests compare against. What it does, and so what this
module does:

* The expression is split into tokens at spaces, tabs and commas, except inside ``[...]``.
* A token without ``[`` is one host name, kept as written.
* In a token with ``[``, the **last** ``[`` and the first ``]`` after it enclose a range list
  (``1-3,7``); nothing but the end of the token may follow that ``]`` (``a[1-2]-ib`` is invalid).
  A ``[`` without a ``]`` leaves one host: the text before it plus ``]`` (``n[1-2`` gives ``n]``),
  or the text after it when nothing is before it.
* A range is ``lo-hi`` or ``lo``; its zero-padding width is the length of ``lo`` as written
  (``[01-3]`` gives ``01 02 03``, ``[1-03]`` gives ``1 2 3``). ``hi`` may be omitted (``[1-]``).
  Numbers are read like C's ``strtoul`` (leading blanks and ``+`` allowed); ``x`` is never allowed;
  ``lo > hi`` is invalid; a range of more than 65,536 hosts is invalid ("Too many hosts in range"),
  and so is a bracket of more than 65,536 ranges.
* Earlier brackets in the prefix multiply (``a[1-2]b[1-2]`` gives ``a1b1 a1b2 a2b1 a2b2``): the
  prefix's brackets are taken from the last to the first, the last one varying slowest, the
  token's own last bracket fastest. More than 65,536 values in one prefix bracket is invalid.
* Duplicates are kept (``n[1-2],n2`` gives three hosts), in the order written.

Where Slurm silently does something odd, this module raises :class:`HostlistError` instead:
numbers of 2^64 or more (Slurm clamps them, or crashes), and an invalid bracket inside a prefix
that Slurm reports on stderr and then expands to nothing. The tests check both behaviours.

:func:`count` counts hosts without expanding anything (a ``a[1-40000]b[1-40000]`` expression is
1.6 billion hosts, counted in microseconds); :func:`expand` refuses to expand more than ``limit``
hosts; :func:`compress` writes a list of hosts back as a short expression.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

#: Slurm's MAX_RANGE, MAX_RANGES and MAX_PREFIX_CNT (hostlist.c / hostlist.h).
MAX_RANGE = 64 * 1024
MAX_RANGES = 64 * 1024
MAX_PREFIX_CNT = 64 * 1024
#: The most hosts :func:`expand` writes out by default.
DEFAULT_LIMIT = 1_000_000

_ULONG_MAX = 2**64 - 1
_SEPARATORS = " \t,"
_C_SPACE = " \t\n\v\f\r"


class HostlistError(ValueError):
    """An expression Slurm rejects (or that would be too big to expand); the message is one line."""


@dataclass(frozen=True, slots=True)
class _Range:
    lo: int
    hi: int
    width: int

    @property
    def size(self) -> int:
        return self.hi - self.lo + 1


@dataclass(frozen=True, slots=True)
class _Token:
    """One token: a literal host, or ``base`` + prefix brackets + the token's own bracket."""

    literal: str | None
    base: str = ""
    #: Prefix brackets, slowest first: (ranges, text that followed the bracket).
    levels: tuple[tuple[tuple[_Range, ...], str], ...] = ()
    ranges: tuple[_Range, ...] = ()

    def count(self) -> int:
        if self.literal is not None:
            return 1
        n = sum(r.size for r in self.ranges)
        for ranges, _ in self.levels:
            n *= sum(r.size for r in ranges)
        return n

    def hosts(self) -> Iterator[str]:
        if self.literal is not None:
            yield self.literal
            return
        yield from self._expand(0, "")

    def _expand(self, depth: int, suffix: str) -> Iterator[str]:
        # The string is base + fmt(j_m) + tail_m + ... + fmt(j_0) + tail_0 + fmt(final); level 0
        # varies slowest. Build it from the outside in: suffix grows to the left.
        if depth == len(self.levels):
            for r in self.ranges:
                for j in range(r.lo, r.hi + 1):
                    yield f"{self.base}{suffix}{j:0{r.width}d}"
            return
        ranges, tail = self.levels[depth]
        for r in ranges:
            for j in range(r.lo, r.hi + 1):
                yield from self._expand(depth + 1, f"{j:0{r.width}d}{tail}{suffix}")


def _strtoul(text: str, start: int) -> tuple[int, int]:
    """C ``strtoul(text + start, &end, 10)``: (value, end index); end == start when no digits."""
    i = start
    n = len(text)
    while i < n and text[i] in _C_SPACE:
        i += 1
    negative = False
    if i < n and text[i] in "+-":
        negative = text[i] == "-"
        i += 1
    j = i
    while j < n and "0" <= text[j] <= "9":
        j += 1
    if j == i:
        return 0, start
    value = int(text[i:j]) if j - i <= 40 else _ULONG_MAX + 1  # int() refuses 4,300+ digits
    if value > _ULONG_MAX:
        raise HostlistError(f"number {text[i:j][:24]}{'...' if j - i > 24 else ''} is too large for a host range")
    if negative:
        value = (-value) % (_ULONG_MAX + 1)
    return value, j


def _single_range(text: str) -> _Range:
    """Slurm's ``_parse_single_range``."""
    if "x" in text:
        raise HostlistError(f"invalid range `{text}'")
    dash = text.find("-")
    lo_text = text if dash < 0 else text[:dash]
    hi_text = "" if dash < 0 else text[dash + 1 :]
    if hi_text.startswith("-"):
        raise HostlistError(f"invalid range `{text}'")
    lo, end = _strtoul(lo_text, 0)
    if end == 0:
        raise HostlistError(f"invalid range `{text}'")
    if dash >= 0 and hi_text:
        hi, end_hi = _strtoul(hi_text, 0)
        if end_hi == 0 or end_hi != len(hi_text):
            raise HostlistError(f"invalid range `{text}'")
    else:
        hi = lo
        if end != len(lo_text):
            raise HostlistError(f"invalid range `{text}'")
    if lo > hi:
        raise HostlistError(f"invalid range `{text}'")
    if hi - lo + 1 > MAX_RANGE:
        raise HostlistError(f"too many hosts in range `{text}' (Slurm allows {MAX_RANGE:,})")
    return _Range(lo, hi, len(lo_text))


def _range_list(text: str) -> tuple[_Range, ...]:
    """Slurm's ``_parse_range_list``: comma-separated ranges (an empty one is invalid)."""
    parts = text.split(",")
    if len(parts) > MAX_RANGES:
        raise HostlistError(f"too many ranges in one bracket (Slurm allows {MAX_RANGES:,})")
    return tuple(_single_range(p) for p in parts)


def _tokens(expr: str) -> Iterator[str]:
    """Slurm's ``_next_tok``: separators split tokens except inside brackets."""
    n = len(expr)
    pos = 0
    while True:
        while pos < n and expr[pos] in _SEPARATORS:
            pos += 1
        if pos >= n:
            return
        start = parse = pos
        while True:
            while pos < n and expr[pos] not in _SEPARATORS:
                pos += 1
            moved = False
            while True:
                ob = expr.find("[", parse)
                if ob < 0 or ob > pos:
                    break
                cb = expr.find("]", parse)
                if cb < 0 or cb < ob:
                    break
                if cb < pos:
                    parse = cb + 1
                    continue
                pos = cb
                moved = True
                break
            if not moved:
                break
        yield expr[start:pos]


def _parse_token(tok: str) -> _Token:
    open_at = tok.rfind("[")
    if open_at < 0:
        return _Token(literal=tok)
    prefix, rest = tok[:open_at], tok[open_at + 1 :]
    close_at = rest.find("]")
    if close_at < 0:  # no ']': Slurm keeps one odd host name (or none, for a lone "[")
        return _Token(literal=f"{prefix}]" if prefix else rest)
    if close_at + 1 < len(rest) and rest[close_at + 1] != ",":
        raise HostlistError(f"invalid hostlist `{tok}': only the end of a name may follow `]'")
    ranges = _range_list(rest[:close_at])
    levels: list[tuple[tuple[_Range, ...], str]] = []
    cur = prefix
    while True:
        p = cur.rfind("[")
        q = cur.rfind("]")
        if p < 0 or q < p:
            break
        head, inner, tail = cur[:p], cur[p + 1 : q], cur[q + 1 :]
        level = _range_list(inner)
        if sum(r.size for r in level) > MAX_PREFIX_CNT:
            raise HostlistError(f"too many values in the prefix bracket `[{inner}]' (Slurm allows {MAX_PREFIX_CNT:,})")
        levels.append((level, tail))
        cur = head
        if "[" not in head:
            break
    return _Token(literal=None, base=cur, levels=tuple(levels), ranges=ranges)


def parse(expr: str) -> tuple[_Token, ...]:
    """The tokens of ``expr``; raises HostlistError where Slurm would reject it."""
    tokens = (_parse_token(t) for t in _tokens(expr))
    return tuple(t for t in tokens if t.literal != "")  # Slurm pushes no empty host name


def count(expr: str) -> int:
    """How many hosts ``expr`` names (duplicates included), without expanding it."""
    return sum(t.count() for t in parse(expr))


def expand(expr: str, *, limit: int = DEFAULT_LIMIT) -> list[str]:
    """The hosts of ``expr`` in Slurm's order; HostlistError if invalid or over ``limit`` hosts."""
    tokens = parse(expr)
    total = sum(t.count() for t in tokens)
    if total > limit:
        raise HostlistError(f"`{_short(expr)}' names {total:,} hosts, over the limit of {limit:,} expanded")
    return [h for t in tokens for h in t.hosts()]


def _short(expr: str, n: int = 60) -> str:
    return expr if len(expr) <= n else expr[: n - 3] + "..."


_NUMBERED = re.compile(r"^(.*?)(\d+)$")


def compress(hosts: Iterable[str]) -> str:
    """A short expression for ``hosts`` (sorted, deduplicated): ``cs[2-4],login``.

    Hosts whose names end in digits are grouped by prefix and digit width; the others are listed
    as they are. ``expand(compress(h))`` gives ``sorted(set(h))`` in Slurm's grouping order.
    """
    groups: dict[tuple[str, int], set[int]] = {}
    plain: set[str] = set()
    for h in hosts:
        m = _NUMBERED.match(h)
        if m is None or "[" in h or "]" in h or "," in h:
            plain.add(h)
            continue
        digits = m.group(2)
        width = len(digits) if digits.startswith("0") and len(digits) > 1 else 1
        groups.setdefault((m.group(1), width), set()).add(int(digits))
    parts: list[str] = []
    for (prefix, width), numbers in sorted(groups.items()):
        ordered = sorted(numbers)
        if len(ordered) == 1:
            parts.append(f"{prefix}{ordered[0]:0{width}d}")
            continue
        spans: list[str] = []
        lo = prev = ordered[0]
        for n in [*ordered[1:], None]:
            if n is not None and n == prev + 1:
                prev = n
                continue
            spans.append(f"{lo:0{width}d}" if lo == prev else f"{lo:0{width}d}-{prev:0{width}d}")
            if n is not None:
                lo = prev = n
        parts.append(f"{prefix}[{','.join(spans)}]")
    parts.extend(sorted(plain))
    return ",".join(parts)
