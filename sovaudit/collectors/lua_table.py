"""A Lua lexer and a reader for Lua *table constructors as data*. Nothing is ever executed.

Lmod keeps its spider cache (``spiderT.lua``, the older ``moduleT.lua`` and ``dbT.lua``) as Lua
source that assigns table constructors to globals::

    timestampFn = { false, }
    spiderT = { ["/opt/mf/Core"] = { gcc = { fileT = { ["gcc/12.3.0"] = { Version = "12.3.0" } } } } }
    mpathMapT = { ... }

:func:`read_assignments` reads exactly that subset: top-level ``name = value`` statements whose
values are strings (short, with every Lua escape, and ``[[long]]``/``[==[long]==]``), numbers,
booleans, ``nil`` and tables (``[key] = value``, ``key = value`` and positional fields). Anything
else - a function call, an operator, a ``local``, a ``return`` - is refused with an
:class:`~sovaudit.errors.InputError` naming the line. Nesting depth and the number of values are
bounded, and the parser keeps its own stack (no recursion), so a table nested 100,000 deep is a
one-line error, not a ``RecursionError``.

:func:`tokens` is the lexer on its own; the modulefile reader in ``modules.py`` scans its tokens
for the calls it understands (``load``, ``whatis``, ``prepend_path`` ...) without running them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import NamedTuple

from sovaudit.errors import InputError

#: A table key as data (a nil or NaN key is refused).
LuaKey = str | int | float | bool

#: Default bounds for reading untrusted cache files.
MAX_DEPTH = 200
MAX_VALUES = 5_000_000


class Token(NamedTuple):
    """One Lua token: ``kind`` is name, string, number, op or eof; ``line`` is 1-based."""

    kind: str
    value: str
    line: int


class LuaTable:
    """A table constructor's fields in source order, with the line each key was written on.

    Positional fields get the integer keys 1, 2, 3 ... as in Lua.
    """

    __slots__ = ("fields", "line", "lines")

    def __init__(self, line: int) -> None:
        self.line = line
        self.fields: dict[LuaKey, object] = {}
        self.lines: dict[LuaKey, int] = {}

    def get(self, key: LuaKey, default: object = None) -> object:
        return self.fields.get(key, default)

    def array(self) -> list[object]:
        """The positional part: values at keys 1..n."""
        out = []
        i = 1
        while i in self.fields:
            out.append(self.fields[i])
            i += 1
        return out

    def items(self) -> Iterator[tuple[LuaKey, object]]:
        return iter(self.fields.items())

    def __len__(self) -> int:
        return len(self.fields)

    def __repr__(self) -> str:
        return f"LuaTable(line={self.line}, fields={self.fields!r})"


# -- lexer ---------------------------------------------------------------------------------------
#: Compiled on first use (about 1.5 ms with the escapes): a scan that reads no Lua pays nothing.
_TOKEN_PATTERN = r"""
    (?P<pre>\s*+)
    (?:
      (?P<dq>"(?:[^"\\\n]++|\\z\s*+|\\[^z])*+")
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*+)
    | (?P<op>[{}=,;()\]](?!=))
    | (?P<long>(?:--)?\[=*\[)
    | (?P<comment>--[^\n]*+)
    | (?P<number>0[xX](?:[0-9a-fA-F]+(?:\.[0-9a-fA-F]*)?|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?
                |(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
    | (?P<sq>'(?:[^'\\\n]++|\\z\s*+|\\[^z])*+')
    | (?P<op2>\.\.\.|\.\.|==|~=|<=|>=|<<|>>|//|::|[-+*/%^\#&~|<>=(){}\[\];:,.])
    | (?P<end>\Z)
    )
"""


@functools.cache
def _token() -> re.Pattern[str]:
    return re.compile(_TOKEN_PATTERN, re.VERBOSE)


_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    "\\": "\\", '"': '"', "'": "'", "\n": "\n",
}  # fmt: skip


@functools.cache
def _escape() -> re.Pattern[str]:
    return re.compile(r"\\(z\s*|x[0-9a-fA-F]{2}|[0-9]{1,3}|u\{[0-9a-fA-F]{1,8}\}|\r\n?|\n\r?|[\s\S])")


def _unescape(body: str, source: str, line: int) -> str:
    """The value of a short string's body (between the quotes)."""
    if "\\" not in body:
        return body
    out = bytearray()
    pos = 0
    for m in _escape().finditer(body):
        out += body[pos : m.start()].encode("utf-8", "surrogatepass")
        esc = m.group(1)
        c = esc[0]
        if c == "z":
            pass
        elif c == "x":
            out.append(int(esc[1:], 16))
        elif c.isdigit():
            n = int(esc)
            if n > 255:
                raise InputError(source, f"line {line}: decimal escape \\{esc} is too large")
            out.append(n)
        elif c == "u" and esc.startswith("u{"):
            cp = int(esc[2:-1], 16)
            if cp > 0x7FFFFFFF:
                raise InputError(source, f"line {line}: UTF-8 escape \\{esc} is too large")
            out += chr(cp).encode("utf-8", "surrogatepass") if cp <= 0x10FFFF else b"\xef\xbf\xbd"
        elif c in "\r\n":
            out += b"\n"
        elif c in _SIMPLE_ESCAPES:
            out += _SIMPLE_ESCAPES[c].encode()
        else:
            raise InputError(source, f"line {line}: invalid escape sequence \\{c}")
        pos = m.end()
    out += body[pos:].encode("utf-8", "surrogatepass")
    return out.decode("utf-8", "replace")


def tokens(text: str, source: str) -> Iterator[Token]:
    """Lua tokens of ``text`` (comments dropped), then one ``eof`` token.

    Raises InputError (naming ``source`` and the line) on an unterminated string or long bracket
    and on characters that are not Lua.
    """
    pos = 0
    line = 1
    match_at = _token().match
    while True:
        m = match_at(text, pos)
        if m is None:
            pre = re.match(r"\s*", text[pos:])
            where = pos + (pre.end() if pre else 0)
            line += text.count("\n", pos, where)
            ch = text[where]
            if ch in "\"'":
                raise InputError(source, f"line {line}: unfinished string")
            raise InputError(source, f"line {line}: unexpected character {ch!r}; not Lua")
        pre_text = m.group("pre")
        if pre_text:
            line += pre_text.count("\n")
        kind = m.lastgroup
        end = m.end()
        if kind == "end":
            break
        if kind == "comment":
            pass
        elif kind == "long":
            opener = m.group("long")
            is_comment = opener.startswith("--")
            level = opener.count("=")
            close = "]" + "=" * level + "]"
            stop = text.find(close, end)
            if stop < 0:
                what = "long comment" if is_comment else "long string"
                raise InputError(source, f"line {line}: unfinished {what}")
            body = text[end:stop]
            start_line = line
            line += body.count("\n")
            end = stop + len(close)
            if not is_comment:
                if body.startswith("\r\n"):
                    body = body[2:]
                elif body.startswith("\n") or body.startswith("\r"):
                    body = body[1:]
                yield Token("string", body, start_line)
        elif kind == "dq" or kind == "sq":
            raw = m.group(kind)
            yield Token("string", _unescape(raw[1:-1], source, line), line)
            line += raw.count("\n")
        elif kind == "op2":
            yield Token("op", m.group(kind), line)
        else:
            yield Token(kind or "op", m.group(kind or "op"), line)
        pos = end
    yield Token("eof", "", line)


# -- table constructors as data -----------------------------------------------------------------
_KEYWORD_VALUES: dict[str, object] = {"true": True, "false": False, "nil": None}


def _number(text: str) -> int | float:
    t = text.lower()
    try:
        if t.startswith("0x"):
            if "." in t or "p" in t:
                return float.fromhex(t)
            return int(t, 16)
        if any(c in t for c in ".e"):
            value = float(t)
            return int(value) if value.is_integer() and "e" not in t and "." not in t else value
        return int(t)
    except ValueError:
        return float("nan")


def _norm_key(key: object) -> LuaKey:
    if isinstance(key, float) and key.is_integer():
        return int(key)
    return key  # type: ignore[return-value]


class _Reader:
    """The state of one read: a token stream with one token of look-ahead."""

    def __init__(self, text: str, source: str, max_depth: int, max_values: int) -> None:
        self.source = source
        self.stream = tokens(text, source)
        self.tok = next(self.stream)
        self.max_depth = max_depth
        self.max_values = max_values
        self.values = 0

    def fail(self, reason: str, tok: Token | None = None) -> InputError:
        t = tok or self.tok
        return InputError(self.source, f"line {t.line}: {reason}")

    def advance(self) -> Token:
        t = self.tok
        self.tok = next(self.stream)
        return t

    def expect(self, value: str, what: str) -> Token:
        if self.tok.kind != "op" or self.tok.value != value:
            raise self.fail(f"expected {what}, found {self.describe(self.tok)}; only data tables are read")
        return self.advance()

    @staticmethod
    def describe(tok: Token) -> str:
        if tok.kind == "eof":
            return "the end of the file"
        if tok.kind == "string":
            return "a string"
        return repr(tok.value)

    def count(self) -> None:
        self.values += 1
        if self.values > self.max_values:
            raise self.fail(f"more than {self.max_values:,} values; not read")

    def scalar(self) -> tuple[bool, object]:
        """A scalar value at the current token: (True, value), or (False, None) for ``{``."""
        t = self.tok
        if t.kind == "string":
            self.advance()
            return True, t.value
        if t.kind == "number":
            self.advance()
            return True, _number(t.value)
        if t.kind == "name" and t.value in _KEYWORD_VALUES:
            self.advance()
            return True, _KEYWORD_VALUES[t.value]
        if t.kind == "op" and t.value == "-":
            self.advance()
            if self.tok.kind != "number":
                raise self.fail("an expression is not data; only constants and tables are read")
            return True, -_number(self.advance().value)
        if t.kind == "op" and t.value == "{":
            return False, None
        if t.kind == "name":
            raise self.fail(f"{t.value!r} is a variable or a call, not data; only constants and tables are read")
        raise self.fail(f"expected a value, found {self.describe(t)}")

    def value(self) -> object:
        """One value; tables are read with an explicit stack (no recursion)."""
        done, val = self.scalar()
        self.count()
        if done:
            self.after_value()
            return val
        root = LuaTable(self.tok.line)
        self.advance()  # '{'
        # The open tables, innermost last, with the next positional index of each.
        tables: list[LuaTable] = [root]
        positions: list[int] = [1]
        while tables:
            table = tables[-1]
            t = self.tok
            if t.kind == "op" and t.value == "}":
                self.advance()
                tables.pop()
                positions.pop()
                if tables:
                    self.separator()
                continue
            # A field: [k] = v, name = v, or v.
            key: object
            key_line = t.line
            if t.kind == "op" and t.value == "[":
                self.advance()
                ok, key = self.scalar()
                if not ok:
                    raise self.fail("a table as a key is not supported")
                if key is None or (isinstance(key, float) and key != key):
                    raise self.fail("a table key is nil or NaN")
                self.expect("]", "']'")
                self.expect("=", "'='")
            elif t.kind == "name" and t.value not in _KEYWORD_VALUES:
                name_tok = self.advance()
                if not (self.tok.kind == "op" and self.tok.value == "="):
                    raise self.fail(
                        f"{name_tok.value!r} is a variable or a call, not data; only constants and tables are read",
                        name_tok,
                    )
                self.advance()
                key = name_tok.value
            else:
                key = positions[-1]
                positions[-1] += 1
            k = _norm_key(key)
            done, val = self.scalar()
            self.count()
            if done:
                table.fields[k] = val
                table.lines[k] = key_line
                self.separator()
                continue
            if len(tables) >= self.max_depth:
                raise self.fail(f"tables nested deeper than {self.max_depth} levels; not read")
            child = LuaTable(self.tok.line)
            self.advance()  # '{'
            table.fields[k] = child
            table.lines[k] = key_line
            tables.append(child)
            positions.append(1)
        self.after_value()
        return root

    def separator(self) -> None:
        """After a field: ',' or ';' or the closing '}'."""
        t = self.tok
        if t.kind == "op" and t.value in ",;":
            self.advance()
            return
        if t.kind == "op" and t.value == "}":
            return
        if t.kind == "op":
            raise self.fail(f"operator {t.value!r} in a table; only constants and tables are read")
        raise self.fail(f"expected ',' or '}}', found {self.describe(t)}")

    def after_value(self) -> None:
        t = self.tok
        if t.kind == "op" and t.value in ("..", "+", "-", "*", "/", "(", "[", ".", ":", "%", "^", "==", "~="):
            raise self.fail(f"operator {t.value!r} after a value; only constants and tables are read")


def read_assignments(
    text: str, source: str, *, max_depth: int = MAX_DEPTH, max_values: int = MAX_VALUES
) -> dict[str, tuple[object, int]]:
    """The globals a data-only Lua chunk assigns: ``{name: (value, line)}``; last assignment wins.

    ``source`` names the file in errors. Raises InputError for anything that is not a sequence of
    ``name = constant-or-table`` statements.
    """
    r = _Reader(text, source, max_depth, max_values)
    out: dict[str, tuple[object, int]] = {}
    while r.tok.kind != "eof":
        t = r.tok
        if t.kind == "op" and t.value == ";":
            r.advance()
            continue
        if t.kind != "name" or t.value in _KEYWORD_VALUES or t.value in _LUA_KEYWORDS:
            raise r.fail(f"expected 'name = value', found {r.describe(t)}; only data assignments are read")
        r.advance()
        if not (r.tok.kind == "op" and r.tok.value == "="):
            raise r.fail(f"{t.value!r} is not followed by '='; only data assignments are read (a call is never run)")
        r.advance()
        out[t.value] = (r.value(), t.line)
    return out


_LUA_KEYWORDS = frozenset(
    {"and", "break", "do", "else", "elseif", "end", "for", "function", "goto", "if", "in", "local", "not", "or",
     "repeat", "return", "then", "until", "while"}
)  # fmt: skip
