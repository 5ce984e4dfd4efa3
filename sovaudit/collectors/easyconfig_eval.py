"""A restricted evaluator for EasyBuild easyconfigs: Python *source* read as data, never run.

An easyconfig (``*.eb``) is a Python file that EasyBuild ``exec``s with its constants in scope.
sovaudit must never do that with a file from a scanned tree, so :func:`evaluate` walks the tree
that :func:`ast.parse` builds and computes values from a closed set of node types:

* literals: strings, numbers, booleans, ``None``, tuples, lists, dicts, sets (with ``*``/``**``);
* names: variables assigned earlier in the file (``local_*``, ``_plumedver``, ``version`` ...) and
  EasyBuild's constants (``SYSTEM``, ``SOURCELOWER_TAR_GZ``, ``GITHUB_SOURCE``, ``OS_PKG_*``,
  ``EXTERNAL_MODULE``, the licence names ``GPLv2`` ...). Host-dependent constants (``ARCH``,
  ``SHLIB_EXT``, ``OS_NAME``, ``SYS_PYTHON_VERSION`` ...) are :class:`Unknown`: the scan cannot
  know the build host, and a guess would be a made-up fact;
* operators on known values: ``+ - * / // % **``, comparisons, ``and``/``or``/``not``, ``x if c
  else y``, subscripts and slices, f-strings, and ``%`` formatting;
* a short list of pure calls: ``str.join/format/split/rsplit/replace/lower/upper/strip/
  startswith/endswith``, ``dict.get/keys/values/items/copy``, ``len``, ``str``, ``int``, ``chr``;
  ``list.append``/``extend`` as statements.

Everything else - any other call (``__import__('os')``, ``open``), attribute access on anything
that is not one of those methods, lambdas, comprehensions, ``:=``, ``import``, ``for``/``while``,
``def``/``class``, ``try``/``with`` - is not evaluated: the statement is skipped and what it would
have bound becomes :class:`Unknown` with the reason and line. The caller decides whether an
Unknown matters: for the fields sovaudit needs (name, version, toolchain, dependencies) it is an
error; for ``sanity_check_paths`` it is a note.

``if`` statements are followed when their test is known; when it is not (``if ARCH ==
'aarch64':``) both branches run on copies of the variables and are merged: equal values stay, the
dependency lists become the union with each branch-only entry marked by its condition
(:attr:`Namespace.conditions`), anything else becomes Unknown.

Resources are bounded: every string or container an operation builds is charged against a budget
before it is built (``'a' * 10**10`` is refused, not allocated), ``%``/``format`` specifications
with huge widths are refused, ``**`` is limited to small results, and deep nesting is a
RecursionError the caller turns into an error. The source size is bounded by the caller.

Templates (``%(version)s``, ``%(pyshortver)s``, ``%(cudaver)s``) are *not* resolved here: they are
EasyBuild's second stage, done after evaluation by :func:`template_values` and :func:`resolve`,
following ``easybuild.framework.easyconfig.templates`` (EasyBuild 5.4).
"""

from __future__ import annotations

import ast
import copy
import re
import string
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

#: Total characters/elements the operations of one file may build (literals in the source excluded).
BUDGET = 16 * 1024 * 1024
#: Largest integer an operation may produce (bits).
MAX_INT_BITS = 256
#: Largest width or precision in a ``%`` or ``format`` specification.
MAX_FORMAT_WIDTH = 999
#: Longest resolved template string.
MAX_RESOLVED = 1024 * 1024


class EvalError(Exception):
    """An expression that the restricted evaluator does not evaluate; ``reason`` says why."""

    def __init__(self, reason: str, line: int = 0) -> None:
        self.reason = reason
        self.line = line
        super().__init__(reason)


class Unknown:
    """A value the evaluator could not compute, with the first reason (and line) why."""

    __slots__ = ("line", "reason")

    def __init__(self, reason: str, line: int = 0) -> None:
        self.reason = reason
        self.line = line

    def describe(self) -> str:
        return f"{self.reason} (line {self.line})" if self.line else self.reason

    def __repr__(self) -> str:
        return f"Unknown({self.describe()!r})"

    def __deepcopy__(self, memo: dict[int, Any]) -> Unknown:
        return self


class Located(tuple):  # type: ignore[type-arg]
    """A tuple written as a literal in the source, remembering its line (for evidence)."""

    line: int

    def __new__(cls, items: Iterable[object], line: int) -> Located:
        obj = super().__new__(cls, items)
        obj.line = line
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (Located, (tuple(self), self.line))

    def __deepcopy__(self, memo: dict[int, Any]) -> Located:
        return Located((copy.deepcopy(x, memo) for x in self), self.line)


def line_of(value: object) -> int:
    return value.line if isinstance(value, Located) else 0


# -- EasyBuild's constants --------------------------------------------------------------------------
def _template_constants() -> dict[str, object]:
    """``easybuild.framework.easyconfig.templates.TEMPLATE_CONSTANTS`` (EasyBuild 5.4), as data."""
    consts: dict[str, object] = {
        "APACHE_SOURCE": "https://archive.apache.org/dist/%(namelower)s",
        "BITBUCKET_SOURCE": "https://bitbucket.org/%(bitbucket_account)s/%(namelower)s/get",
        "BITBUCKET_DOWNLOADS": "https://bitbucket.org/%(bitbucket_account)s/%(namelower)s/downloads",
        "CRAN_SOURCE": "https://cran.r-project.org/src/contrib",
        "FTPGNOME_SOURCE": "https://ftp.gnome.org/pub/GNOME/sources/%(namelower)s/%(version_major_minor)s",
        "GITHUB_SOURCE": "https://github.com/%(github_account)s/%(name)s/archive",
        "GITHUB_LOWER_SOURCE": "https://github.com/%(github_account)s/%(namelower)s/archive",
        "GITHUB_RELEASE": "https://github.com/%(github_account)s/%(name)s/releases/download/v%(version)s",
        "GITHUB_LOWER_RELEASE": "https://github.com/%(github_account)s/%(namelower)s/releases/download/v%(version)s",
        "GNU_SAVANNAH_SOURCE": "https://download-mirror.savannah.gnu.org/releases/%(namelower)s",
        "GNU_SOURCE": "https://ftpmirror.gnu.org/gnu/%(namelower)s",
        "GNU_FTP_SOURCE": "https://ftp.gnu.org/gnu/%(namelower)s",
        "GOOGLECODE_SOURCE": "http://%(namelower)s.googlecode.com/files",
        "LAUNCHPAD_SOURCE": "https://launchpad.net/%(namelower)s/%(version_major_minor)s.x/%(version)s/+download/",
        "PYPI_SOURCE": "https://pypi.python.org/packages/source/%(nameletter)s/%(name)s",
        "PYPI_LOWER_SOURCE": "https://pypi.python.org/packages/source/%(nameletterlower)s/%(namelower)s",
        "R_SOURCE": "https://cran.r-project.org/src/base/R-%(version_major)s",
        "SOURCEFORGE_SOURCE": "https://download.sourceforge.net/%(namelower)s",
        "XORG_DATA_SOURCE": "https://xorg.freedesktop.org/archive/individual/data/",
        "XORG_LIB_SOURCE": "https://xorg.freedesktop.org/archive/individual/lib/",
        "XORG_PROTO_SOURCE": "https://xorg.freedesktop.org/archive/individual/proto/",
        "XORG_UTIL_SOURCE": "https://xorg.freedesktop.org/archive/individual/util/",
        "XORG_XCB_SOURCE": "https://xorg.freedesktop.org/archive/individual/xcb/",
    }
    for ext in ("tar.gz", "tar.xz", "tar.bz2", "tgz", "txz", "tbz2", "tb2", "gtgz", "zip", "tar", "xz", "tar.Z"):
        suffix = ext.replace(".", "_").upper()
        consts[f"SOURCE_{suffix}"] = "%(name)s-%(version)s." + ext
        consts[f"SOURCELOWER_{suffix}"] = "%(namelower)s-%(version)s." + ext
        consts[f"VERSION_{suffix}"] = "%(version)s." + ext
        consts[f"V_VERSION_{suffix}"] = "v%(version)s." + ext
    for pyver, infix in (("py2.py3", ""), ("py2", "PY2_"), ("py3", "PY3_")):
        consts[f"SOURCE_{infix}WHL"] = f"%(name)s-%(version)s-{pyver}-none-any.whl"
        consts[f"SOURCELOWER_{infix}WHL"] = f"%(namelower)s-%(version)s-{pyver}-none-any.whl"
    # the newer spellings (ALTERNATIVE_EASYCONFIG_TEMPLATE_CONSTANTS)
    for new, old in (
        ("APACHE_URL", "APACHE_SOURCE"), ("BITBUCKET_GET_URL", "BITBUCKET_SOURCE"),
        ("BITBUCKET_DOWNLOADS_URL", "BITBUCKET_DOWNLOADS"), ("CRAN_URL", "CRAN_SOURCE"),
        ("FTP_GNOME_URL", "FTPGNOME_SOURCE"), ("GITHUB_URL", "GITHUB_SOURCE"),
        ("GITHUB_URL_LOWER", "GITHUB_LOWER_SOURCE"), ("GITHUB_RELEASE_URL", "GITHUB_RELEASE"),
        ("GITHUB_RELEASE_URL_LOWER", "GITHUB_LOWER_RELEASE"), ("GNU_SAVANNAH_URL", "GNU_SAVANNAH_SOURCE"),
        ("GNU_FTP_URL", "GNU_FTP_SOURCE"), ("GNU_URL", "GNU_SOURCE"), ("GOOGLECODE_URL", "GOOGLECODE_SOURCE"),
        ("LAUNCHPAD_URL", "LAUNCHPAD_SOURCE"), ("PYPI_URL", "PYPI_SOURCE"), ("PYPI_URL_LOWER", "PYPI_LOWER_SOURCE"),
        ("R_URL", "R_SOURCE"), ("SOURCEFORGE_URL", "SOURCEFORGE_SOURCE"), ("XORG_DATA_URL", "XORG_DATA_SOURCE"),
        ("XORG_LIB_URL", "XORG_LIB_SOURCE"), ("XORG_PROTO_URL", "XORG_PROTO_SOURCE"),
        ("XORG_UTIL_URL", "XORG_UTIL_SOURCE"), ("XORG_XCB_URL", "XORG_XCB_SOURCE"),
    ):  # fmt: skip
        consts[new] = consts[old]
    for ext in ("TAR_GZ", "TAR_XZ", "TAR_BZ2", "TGZ", "TXZ", "TBZ2", "TB2", "GTGZ", "ZIP", "TAR", "XZ", "TAR_Z",
                "WHL", "PY2_WHL", "PY3_WHL"):  # fmt: skip
        consts[f"SOURCE_LOWER_{ext}"] = consts[f"SOURCELOWER_{ext}"]
    return consts


#: The system toolchain, as EasyBuild's ``SYSTEM`` constant spells it.
SYSTEM = {"name": "system", "version": "system"}

_HOST = "depends on the build host"

#: Every name EasyBuild puts in scope when it runs an easyconfig (EasyBuild 5.4).
CONSTANTS: dict[str, object] = {
    **_template_constants(),
    "SYSTEM": SYSTEM,
    "EXTERNAL_MODULE": "EXTERNAL_MODULE",
    "OS_PKG_IBVERBS_DEV": ("libibverbs-dev", "libibverbs-devel", "rdma-core-devel"),
    "OS_PKG_OPENSSL_BIN": "openssl",
    "OS_PKG_OPENSSL_LIB": ("libssl", "libopenssl"),
    "OS_PKG_OPENSSL_DEV": ("openssl-devel", "libssl-dev", "libopenssl-devel"),
    "OS_PKG_PAM_DEV": ("pam-devel", "libpam0g-dev"),
    # licence constants: EASYCONFIG_LICENSES (the name a file writes -> the licence class name)
    "VeryRestrictive": "LicenseVeryRestrictive",
    "Unknown": "LicenseUnknown",
    "GPLv2": "LicenseGPLv2",
    "GPLv3": "LicenseGPLv3",
    "GCC": "LicenseGCC",
    "GCCOld": "LicenseGCCOld",
    "Libpng": "LicenseLibpng",
    # the home directory of whoever runs EasyBuild: kept symbolic, never read from this machine
    "HOME": "$HOME",
}
for _name in ("ARCH", "OS_TYPE", "OS_NAME", "OS_VERSION", "SYS_PYTHON_VERSION", "SHLIB_EXT",
              "MODULE_LOAD_ENV_HEADERS", "shared_lib_ext"):  # fmt: skip
    CONSTANTS[_name] = Unknown(f"{_name} {_HOST}")


# -- the namespace an evaluation produces -----------------------------------------------------------
@dataclass(slots=True)
class Namespace:
    """What a file assigned: values (or Unknown), where, and what could not be evaluated."""

    values: dict[str, object] = field(default_factory=dict)
    #: Line of the (last) statement that bound each name.
    lines: dict[str, int] = field(default_factory=dict)
    #: Statements that bound nothing and were not evaluated: (line, reason).
    skipped: list[tuple[int, str]] = field(default_factory=list)
    #: Entries of dependency lists that only one branch of an undecidable ``if`` adds:
    #: (parameter, entry) -> condition text.
    conditions: dict[tuple[str, object], str] = field(default_factory=dict)

    def unknown(self) -> Iterator[tuple[str, Unknown]]:
        for k, v in self.values.items():
            if isinstance(v, Unknown):
                yield k, v


#: Parameters merged as lists (union, entries marked) when an undecidable ``if`` changes them.
UNION_PARAMETERS = frozenset({"dependencies", "builddependencies", "hiddendependencies", "osdependencies"})

_STR_METHODS = frozenset(
    {"join", "format", "split", "rsplit", "replace", "lower", "upper", "strip", "lstrip", "rstrip",
     "startswith", "endswith"}
)  # fmt: skip
_DICT_METHODS = frozenset({"get", "keys", "values", "items", "copy"})
_LIST_METHODS = frozenset({"copy", "index", "count"})
_MUTATORS = frozenset({"append", "extend"})

# a %-conversion: flags, width, precision (no '*'), type
_PCT = re.compile(r"%(?:\((?P<key>[^)]*)\))?(?P<flags>[#0\- +]*)(?P<width>\d*)(?:\.(?P<prec>\d*))?(?P<type>.)", re.S)
_FMT_SPEC_NUM = re.compile(r"\d+")


def _size(value: object) -> int:
    if isinstance(value, str | bytes | tuple | list | dict | set | frozenset):
        return len(value)
    return 1


class _Evaluator:
    def __init__(self) -> None:
        self.used = 0

    # -- bounds ------------------------------------------------------------------------------------
    def charge(self, n: int, line: int) -> None:
        self.used += max(n, 0)
        if self.used > BUDGET:
            raise EvalError(f"values built by the file exceed {BUDGET:,} characters; not evaluated", line)

    # -- expressions -----------------------------------------------------------------------------
    def eval(self, node: ast.expr, scope: dict[str, object]) -> object:
        line = getattr(node, "lineno", 0)
        match node:
            case ast.Constant(value=v):
                if isinstance(v, str | int | float | bool) or v is None:
                    return v
                raise EvalError(f"literal of type {type(v).__name__} is not supported", line)
            case ast.Name(id=name):
                if name in scope:
                    return scope[name]
                if name in CONSTANTS:
                    return CONSTANTS[name]
                raise EvalError(f"name {name!r} is not defined before use", line)
            case ast.Tuple(elts=elts):
                return Located(self._elements(elts, scope, line), line)
            case ast.List(elts=elts):
                return self._elements(elts, scope, line)
            case ast.Set(elts=elts):
                try:
                    return set(self._elements(elts, scope, line))
                except TypeError as err:
                    raise EvalError(f"set of unhashable values: {err}", line) from err
            case ast.Dict(keys=keys, values=values):
                out: dict[object, object] = {}
                for knode, vnode in zip(keys, values, strict=True):
                    if knode is None:
                        spread = self.eval(vnode, scope)
                        if isinstance(spread, Unknown):
                            return spread
                        if not isinstance(spread, dict):
                            raise EvalError("** of a value that is not a dict", line)
                        out.update(spread)
                        continue
                    key = self.eval(knode, scope)
                    if isinstance(key, Unknown):
                        return key
                    try:
                        out[key] = self.eval(vnode, scope)
                    except TypeError as err:
                        raise EvalError(f"unhashable dict key: {err}", line) from err
                self.charge(len(out), line)
                return out
            case ast.BinOp(left=left, op=op, right=right):
                a = self.eval(left, scope)
                b = self.eval(right, scope)
                if isinstance(a, Unknown):
                    return a
                if isinstance(b, Unknown):
                    return b
                return self.binop(op, a, b, line)
            case ast.UnaryOp(op=uop, operand=operand):
                val = self.eval(operand, scope)
                if isinstance(val, Unknown):
                    return val
                if isinstance(uop, ast.Not):
                    return not val
                if isinstance(val, bool) or not isinstance(val, int | float):
                    raise EvalError(f"unary {type(uop).__name__} of a {type(val).__name__}", line)
                if isinstance(uop, ast.USub):
                    return -val
                if isinstance(uop, ast.UAdd):
                    return +val
                raise EvalError(f"operator {type(uop).__name__} is not supported", line)
            case ast.BoolOp(op=bop, values=operands):
                result: object = None
                for operand in operands:
                    result = self.eval(operand, scope)
                    if isinstance(result, Unknown):
                        return result
                    if isinstance(bop, ast.And) and not result:
                        return result
                    if isinstance(bop, ast.Or) and result:
                        return result
                return result
            case ast.Compare(left=left, ops=ops, comparators=comparators):
                a = self.eval(left, scope)
                for cop, right in zip(ops, comparators, strict=True):
                    b = self.eval(right, scope)
                    if isinstance(a, Unknown):
                        return a
                    if isinstance(b, Unknown):
                        return b
                    if not self.compare(cop, a, b, line):
                        return False
                    a = b
                return True
            case ast.IfExp(test=test, body=body, orelse=orelse):
                t = self.eval(test, scope)
                if not isinstance(t, Unknown):
                    return self.eval(body if t else orelse, scope)
                yes, no = self.eval(body, scope), self.eval(orelse, scope)
                return yes if _same(yes, no) else t
            case ast.Subscript(value=value, slice=index):
                base = self.eval(value, scope)
                if isinstance(base, Unknown):
                    return base
                if isinstance(index, ast.Slice):
                    parts = [None if p is None else self.eval(p, scope) for p in (index.lower, index.upper, index.step)]
                    for p in parts:
                        if isinstance(p, Unknown):
                            return p
                        if p is not None and (isinstance(p, bool) or not isinstance(p, int)):
                            raise EvalError("slice bound that is not an integer", line)
                    if not isinstance(base, str | list | tuple):
                        raise EvalError(f"slice of a {type(base).__name__}", line)
                    return base[slice(*parts)]  # type: ignore[arg-type]
                key = self.eval(index, scope)
                if isinstance(key, Unknown):
                    return key
                if not isinstance(base, str | list | tuple | dict):
                    raise EvalError(f"subscript of a {type(base).__name__}", line)
                try:
                    return base[key]  # type: ignore[index,call-overload]
                except (KeyError, IndexError, TypeError) as err:
                    raise EvalError(f"subscript fails: {type(err).__name__}: {err}", line) from err
            case ast.JoinedStr(values=parts):
                pieces = []
                for part in parts:
                    piece = self.eval(part, scope)
                    if isinstance(piece, Unknown):
                        return piece
                    pieces.append(str(piece))
                total = sum(len(p) for p in pieces)
                self.charge(total, line)
                return "".join(pieces)
            case ast.FormattedValue(value=fvalue, conversion=conversion, format_spec=spec):
                fv = self.eval(fvalue, scope)
                if isinstance(fv, Unknown):
                    return fv
                fmt = "" if spec is None else self.eval(spec, scope)
                if isinstance(fmt, Unknown):
                    return fmt
                if not isinstance(fmt, str):
                    raise EvalError("format specification that is not a string", line)
                _check_spec(fmt, line)
                if conversion == ord("r"):
                    fv = repr(fv)
                elif conversion == ord("a"):
                    fv = ascii(fv)
                elif conversion == ord("s"):
                    fv = str(fv)
                self.charge(_size(fv) * 8, line)
                try:
                    return format(fv, fmt)
                except (ValueError, TypeError) as err:
                    raise EvalError(f"format fails: {err}", line) from err
            case ast.Call(func=func, args=args, keywords=keywords):
                return self.call(func, args, keywords, scope, line)
            case ast.Attribute():
                raise EvalError("attribute access is not evaluated", line)
            case ast.Lambda():
                raise EvalError("lambda is not evaluated", line)
            case ast.ListComp() | ast.SetComp() | ast.DictComp() | ast.GeneratorExp():
                raise EvalError("comprehension is not evaluated", line)
            case ast.NamedExpr():
                raise EvalError("assignment expression (:=) is not evaluated", line)
            case _:
                raise EvalError(f"{type(node).__name__} expression is not evaluated", line)

    def _elements(self, elts: list[ast.expr], scope: dict[str, object], line: int) -> list[object]:
        out: list[object] = []
        for e in elts:
            if isinstance(e, ast.Starred):
                v = self.eval(e.value, scope)
                if isinstance(v, Unknown):
                    out.append(v)
                    continue
                if not isinstance(v, list | tuple):
                    raise EvalError(f"* of a {type(v).__name__}", line)
                out.extend(v)
            else:
                out.append(self.eval(e, scope))
        self.charge(len(out), line)
        return out

    def binop(self, op: ast.operator, a: object, b: object, line: int) -> object:
        num = (int, float)
        try:
            match op:
                case ast.Add():
                    if isinstance(a, str) and isinstance(b, str):
                        self.charge(len(a) + len(b), line)
                        return a + b
                    if isinstance(a, list) and isinstance(b, list):
                        self.charge(len(a) + len(b), line)
                        return a + b
                    if isinstance(a, tuple) and isinstance(b, tuple):
                        self.charge(len(a) + len(b), line)
                        return Located((*a, *b), line)
                    if isinstance(a, num) and isinstance(b, num):
                        return self._number(a + b, line)
                case ast.Sub():
                    if isinstance(a, num) and isinstance(b, num):
                        return self._number(a - b, line)
                case ast.Mult():
                    if isinstance(a, int) and not isinstance(a, bool) and isinstance(b, str | list | tuple):
                        a, b = b, a
                    if isinstance(a, str | list | tuple) and isinstance(b, int) and not isinstance(b, bool):
                        self.charge(len(a) * max(b, 0), line)
                        result = a * b
                        return Located(result, line) if isinstance(result, tuple) else result
                    if isinstance(a, num) and isinstance(b, num):
                        return self._number(a * b, line)
                case ast.Div() | ast.FloorDiv():
                    if isinstance(a, num) and isinstance(b, num):
                        return self._number(a / b if isinstance(op, ast.Div) else a // b, line)
                case ast.Pow():
                    if isinstance(a, num) and isinstance(b, num):
                        if isinstance(a, int) and isinstance(b, int):
                            if b < 0 or abs(a).bit_length() * b > MAX_INT_BITS:
                                raise EvalError(f"{a} ** {b} is too large to compute", line)
                        elif abs(float(b)) > 1024:
                            raise EvalError("exponent too large", line)
                        return self._number(a**b, line)
                case ast.Mod():
                    if isinstance(a, str):
                        return self.percent(a, b, line)
                    if isinstance(a, num) and isinstance(b, num):
                        return self._number(a % b, line)
        except (ArithmeticError, ValueError, TypeError) as err:
            raise EvalError(f"operation fails: {type(err).__name__}: {err}", line) from err
        raise EvalError(f"{type(op).__name__} of {type(a).__name__} and {type(b).__name__} is not evaluated", line)

    @staticmethod
    def _number(v: int | float, line: int) -> int | float:
        if isinstance(v, int) and v.bit_length() > MAX_INT_BITS:
            raise EvalError("integer result too large", line)
        return v

    def percent(self, fmt: str, args: object, line: int) -> str:
        """``fmt % args`` after checking every conversion has a small width and no ``*``."""
        items = args if isinstance(args, tuple) else (args,)
        longest = 0
        for item in args.values() if isinstance(args, dict) else items:
            if isinstance(item, Unknown):
                raise EvalError(item.reason, item.line or line)
            longest = max(longest, len(str(item)) if isinstance(item, str | int | float) else _size(item) * 64)
        conversions = 0
        for m in _PCT.finditer(fmt):
            if m.group("type") == "*" or "*" in m.group(0):
                raise EvalError("'*' width in % formatting is not evaluated", line)
            for part in (m.group("width"), m.group("prec")):
                if part and int(part) > MAX_FORMAT_WIDTH:
                    raise EvalError("width in % formatting is too large", line)
            conversions += 1
        self.charge(len(fmt) + conversions * (longest + MAX_FORMAT_WIDTH), line)
        try:
            return fmt % args
        except (TypeError, ValueError, KeyError) as err:
            raise EvalError(f"% formatting fails: {type(err).__name__}: {err}", line) from err

    @staticmethod
    def compare(op: ast.cmpop, a: object, b: object, line: int) -> bool:
        try:
            match op:
                case ast.Eq():
                    return bool(a == b)
                case ast.NotEq():
                    return bool(a != b)
                case ast.Lt():
                    return bool(a < b)  # type: ignore[operator]
                case ast.LtE():
                    return bool(a <= b)  # type: ignore[operator]
                case ast.Gt():
                    return bool(a > b)  # type: ignore[operator]
                case ast.GtE():
                    return bool(a >= b)  # type: ignore[operator]
                case ast.In():
                    return a in b  # type: ignore[operator]
                case ast.NotIn():
                    return a not in b  # type: ignore[operator]
                case ast.Is():
                    return a is b if a is None or b is None or isinstance(a, bool) else a == b
                case ast.IsNot():
                    return a is not b if a is None or b is None or isinstance(a, bool) else a != b
        except TypeError as err:
            raise EvalError(f"comparison fails: {err}", line) from err
        raise EvalError(f"comparison {type(op).__name__} is not evaluated", line)

    # -- calls -------------------------------------------------------------------------------------
    def call(
        self, func: ast.expr, args: list[ast.expr], keywords: list[ast.keyword], scope: dict[str, object], line: int
    ) -> object:
        if isinstance(func, ast.Attribute):
            receiver = self.eval(func.value, scope)
            method = func.attr
            if isinstance(receiver, Unknown):
                return receiver
            allowed = (
                _STR_METHODS if isinstance(receiver, str)
                else _DICT_METHODS if isinstance(receiver, dict)
                else _LIST_METHODS if isinstance(receiver, list | tuple)
                else frozenset()
            )  # fmt: skip
            if method not in allowed:
                raise EvalError(f"call of .{method}() on a {type(receiver).__name__} is not evaluated", line)
            pos, kw = self._args(args, keywords, scope, line)
            if isinstance(pos, Unknown):
                return pos
            return self.method(receiver, method, pos, kw, line)
        if isinstance(func, ast.Name) and func.id not in scope:
            pos, kw = self._args(args, keywords, scope, line)
            if isinstance(pos, Unknown):
                return pos
            return self.builtin(func.id, pos, kw, line)
        name = func.id if isinstance(func, ast.Name) else " ".join(ast.unparse(func).split())[:60]
        raise EvalError(f"call of {name!r} is not evaluated", line)

    def _args(
        self, args: list[ast.expr], keywords: list[ast.keyword], scope: dict[str, object], line: int
    ) -> tuple[list[object] | Unknown, dict[str, object]]:
        pos = self._elements(args, scope, line)
        kw: dict[str, object] = {}
        for k in keywords:
            v = self.eval(k.value, scope)
            if k.arg is None:
                if isinstance(v, Unknown):
                    return v, kw
                if not isinstance(v, dict) or not all(isinstance(x, str) for x in v):
                    raise EvalError("** of a value that is not a dict of strings", line)
                kw.update(v)
            else:
                kw[k.arg] = v
        for v in (*pos, *kw.values()):
            if isinstance(v, Unknown):
                return v, kw
        return pos, kw

    def method(self, receiver: Any, method: str, pos: list[object], kw: dict[str, object], line: int) -> object:
        if isinstance(receiver, str):
            if method == "format":
                return self.str_format(receiver, pos, kw, line)
            if method == "join":
                items = pos[0] if len(pos) == 1 and not kw else None
                if not isinstance(items, list | tuple) or not all(isinstance(x, str) for x in items):
                    raise EvalError("str.join() of something that is not a list of strings", line)
                self.charge(sum(len(x) for x in items) + len(receiver) * len(items), line)
                return receiver.join(items)
            if method == "replace":
                if len(pos) not in (2, 3) or kw or not all(isinstance(x, str) for x in pos[:2]):
                    raise EvalError("str.replace() with unexpected arguments", line)
                old, new = str(pos[0]), str(pos[1])
                hits = receiver.count(old) if old else len(receiver) + 1
                self.charge(len(receiver) + hits * len(new), line)
        try:
            result = getattr(receiver, method)(*pos, **kw)
        except (TypeError, ValueError, AttributeError, KeyError, IndexError) as err:
            raise EvalError(f".{method}() fails: {type(err).__name__}: {err}", line) from err
        if isinstance(result, Iterator) or type(result).__name__ in ("dict_keys", "dict_values", "dict_items"):
            result = [Located(x, line) if isinstance(x, tuple) else x for x in result]
        self.charge(_size(result), line)
        return result

    def str_format(self, fmt: str, pos: list[object], kw: dict[str, object], line: int) -> str:
        longest = max(
            (len(str(v)) if isinstance(v, str | int | float) else _size(v) * 64 for v in (*pos, *kw.values())),
            default=0,
        )
        fields = 0
        try:
            for _, name, spec, _conv in string.Formatter().parse(fmt):
                if name is None:
                    continue
                if not re.fullmatch(r"\w*", name):
                    raise EvalError("format field with attribute or index access is not evaluated", line)
                if spec and "{" in spec:
                    raise EvalError("nested format field is not evaluated", line)
                _check_spec(spec or "", line)
                fields += 1
        except ValueError as err:
            raise EvalError(f"str.format() fails: {err}", line) from err
        self.charge(len(fmt) + fields * (longest + MAX_FORMAT_WIDTH), line)
        try:
            return fmt.format(*pos, **kw)
        except (IndexError, KeyError, ValueError, TypeError) as err:
            raise EvalError(f"str.format() fails: {type(err).__name__}: {err}", line) from err

    def builtin(self, name: str, pos: list[object], kw: dict[str, object], line: int) -> object:
        builtins: dict[str, Callable[..., object]] = {"len": len, "str": str, "int": int, "chr": chr}
        fn = builtins.get(name)
        if fn is None:
            raise EvalError(f"call of {name!r} is not evaluated", line)
        if kw or len(pos) != 1:
            raise EvalError(f"{name}() with unexpected arguments", line)
        arg = pos[0]
        if name == "str":
            self.charge(_size(arg) * 64, line)
        if name == "int" and not isinstance(arg, str | int | float):
            raise EvalError("int() of a container", line)
        try:
            return fn(arg)
        except (TypeError, ValueError, OverflowError) as err:
            raise EvalError(f"{name}() fails: {err}", line) from err

    # -- statements --------------------------------------------------------------------------------
    def run(self, body: list[ast.stmt], ns: Namespace, scope: dict[str, object]) -> None:
        for stmt in body:
            try:
                self.statement(stmt, ns, scope)
            except RecursionError:
                self._poison(stmt, ns, scope, "nested too deeply to evaluate")
            except EvalError as err:
                self._poison(stmt, ns, scope, err.reason, err.line)

    def _poison(self, stmt: ast.stmt, ns: Namespace, scope: dict[str, object], reason: str, line: int = 0) -> None:
        """Mark whatever ``stmt`` would bind as Unknown (or note the statement if it binds nothing)."""
        line = line or stmt.lineno
        names = sorted(_bound_names(stmt))
        for name in names:
            scope[name] = Unknown(reason, line)
            ns.lines.setdefault(name, stmt.lineno)
        if not names:
            ns.skipped.append((stmt.lineno, reason))

    def statement(self, stmt: ast.stmt, ns: Namespace, scope: dict[str, object]) -> None:
        line = stmt.lineno
        match stmt:
            case ast.Assign(targets=targets, value=value):
                v = self.eval(value, scope)
                for target in targets:
                    self.assign(target, v, ns, scope, line)
            case ast.AnnAssign(target=target, value=value) if value is not None:
                self.assign(target, self.eval(value, scope), ns, scope, line)
            case ast.AugAssign(target=ast.Name(id=name), op=op, value=value):
                if name not in scope:
                    raise EvalError(f"{name!r} is not defined before +=", line)
                current = scope[name]
                v = self.eval(value, scope)
                if isinstance(current, Unknown):
                    return
                if isinstance(v, Unknown):
                    scope[name] = v
                elif isinstance(op, ast.Add) and isinstance(current, list) and isinstance(v, list | tuple):
                    self.charge(len(current) + len(v), line)
                    current.extend(v)  # in place, as Python does for +=
                else:
                    scope[name] = self.binop(op, current, v, line)
                ns.lines[name] = line
            case ast.Expr(value=ast.Constant(value=str())):
                pass  # a docstring or a bare string
            case ast.Expr(value=ast.Call(func=ast.Attribute(value=ast.Name(id=name), attr=attr), args=call_args,
                                         keywords=[])) if attr in _MUTATORS:  # fmt: skip
                lst = scope.get(name)
                if not isinstance(lst, list):
                    raise EvalError(f"{name}.{attr}() on something that is not a list", line)
                pos = self._elements(call_args, scope, line)
                if len(pos) != 1:
                    raise EvalError(f"{name}.{attr}() with {len(pos)} arguments", line)
                if attr == "append":
                    lst.append(pos[0])
                elif isinstance(pos[0], list | tuple):
                    self.charge(len(lst) + len(pos[0]), line)
                    lst.extend(pos[0])
                elif isinstance(pos[0], Unknown):
                    scope[name] = pos[0]
                else:
                    raise EvalError(f"{name}.extend() of a {type(pos[0]).__name__}", line)
                ns.lines[name] = line
            case ast.If(test=test, body=body, orelse=orelse):
                cond = self.eval(test, scope)
                if not isinstance(cond, Unknown):
                    self.run(body if cond else orelse, ns, scope)
                    return
                self.branches(test, body, orelse, ns, scope)
            case ast.Pass():
                pass
            case ast.Delete(targets=targets):
                for t in targets:
                    if isinstance(t, ast.Name):
                        scope.pop(t.id, None)
                    else:
                        raise EvalError("del of something that is not a name", line)
            case _:
                kind = {
                    ast.Import: "import", ast.ImportFrom: "import", ast.For: "for loop", ast.While: "while loop",
                    ast.FunctionDef: "function definition", ast.ClassDef: "class definition", ast.With: "with",
                    ast.Try: "try", ast.Expr: "expression statement", ast.Global: "global", ast.Raise: "raise",
                }.get(type(stmt), f"{type(stmt).__name__} statement")  # fmt: skip
                if isinstance(stmt, ast.Expr):
                    # say what the expression was without evaluating it
                    what = _callee(stmt.value)
                    raise EvalError(f"{kind} ({what}) is not evaluated" if what else f"{kind} is not evaluated", line)
                raise EvalError(f"{kind} is not evaluated", line)

    def assign(self, target: ast.expr, value: object, ns: Namespace, scope: dict[str, object], line: int) -> None:
        match target:
            case ast.Name(id=name):
                scope[name] = value
                ns.lines[name] = line
            case ast.Tuple(elts=elts) | ast.List(elts=elts):
                if isinstance(value, Unknown):
                    for e in elts:
                        self.assign(e, value, ns, scope, line)
                    return
                if not isinstance(value, list | tuple) or len(value) != len(elts):
                    raise EvalError("unpacking that does not match", line)
                for e, v in zip(elts, value, strict=True):
                    self.assign(e, v, ns, scope, line)
            case ast.Subscript(value=ast.Name(id=name), slice=index) if not isinstance(index, ast.Slice):
                base = scope.get(name)
                key = self.eval(index, scope)
                if isinstance(base, Unknown):
                    return
                if isinstance(key, Unknown):
                    scope[name] = key
                    return
                if isinstance(base, dict):
                    try:
                        base[key] = value
                    except TypeError as err:
                        raise EvalError(f"unhashable key: {err}", line) from err
                elif isinstance(base, list) and isinstance(key, int) and -len(base) <= key < len(base):
                    base[key] = value
                else:
                    raise EvalError(f"item assignment to {name!r} is not evaluated", line)
                ns.lines[name] = line
            case _:
                raise EvalError(f"assignment to {type(target).__name__} is not evaluated", line)

    def branches(
        self, test: ast.expr, body: list[ast.stmt], orelse: list[ast.stmt], ns: Namespace, scope: dict[str, object]
    ) -> None:
        """Run both branches of an ``if`` whose test is unknown, and merge what they bound."""
        cond = " ".join(ast.unparse(test).split())
        if len(cond) > 120:
            cond = cond[:117] + "..."
        scopes = []
        for branch in (body, orelse):
            s = copy.deepcopy(scope)
            self.charge(sum(_size(v) for v in s.values()), test.lineno)
            self.run(branch, ns, s)
            scopes.append(s)
        yes, no = scopes
        for name in sorted(set(yes) | set(no)):
            a, b = yes.get(name, _MISSING), no.get(name, _MISSING)
            if _same(a, b):
                scope[name] = a
                continue
            before = scope.get(name, [])
            if (
                name in UNION_PARAMETERS
                and isinstance(a, list | _Missing)
                and isinstance(b, list | _Missing)
                and isinstance(before, list)
            ):
                la = a if isinstance(a, list) else before
                lb = b if isinstance(b, list) else before
                merged = list(la)
                for item in la:
                    if not _contains(lb, item):
                        ns.conditions[(name, _key(item))] = cond
                for item in lb:
                    if not _contains(la, item):
                        merged.append(item)
                        ns.conditions[(name, _key(item))] = f"not ({cond})"
                scope[name] = merged
            else:
                scope[name] = Unknown(f"depends on {cond}", test.lineno)


class _Missing:
    __slots__ = ()


_MISSING = _Missing()


def _same(a: object, b: object) -> bool:
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return a is b
    try:
        return type(a) is type(b) and bool(a == b)
    except RecursionError:
        return False


def _contains(items: list[object], item: object) -> bool:
    return any(_same(x, item) for x in items)


def _key(item: object) -> object:
    """A hashable stand-in for a dependency entry (for :attr:`Namespace.conditions`)."""
    return repr(item)


def condition_of(ns: Namespace, parameter: str, item: object) -> str:
    """The condition under which ``item`` is in ``parameter`` (``""``: always)."""
    return ns.conditions.get((parameter, _key(item)), "")


def _check_spec(spec: str, line: int) -> None:
    for m in _FMT_SPEC_NUM.finditer(spec):
        if int(m.group()) > MAX_FORMAT_WIDTH:
            raise EvalError("format width or precision too large", line)


def _callee(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        text = " ".join(ast.unparse(node.func).split())
        return "call of " + (text if len(text) <= 60 else text[:57] + "...")
    return ""


def _bound_names(stmt: ast.stmt) -> set[str]:
    """Names a statement would bind (assignment targets, loop variables, mutated lists, imports ...)."""
    names: set[str] = set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.Subscript | ast.Attribute) and isinstance(node.ctx, ast.Store):
            base = node.value
            while isinstance(base, ast.Subscript | ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name):
                names.add(base.id)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _MUTATORS | {"insert", "update", "pop", "remove", "clear", "setdefault"}
            and isinstance(node.func.value, ast.Name)
        ):
            names.add(node.func.value.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    # names bound only inside comprehensions are local to them
    for node in ast.walk(stmt):
        if isinstance(node, ast.comprehension):
            for n in ast.walk(node.target):
                if isinstance(n, ast.Name):
                    names.discard(n.id)
    return names


def evaluate(source: str) -> Namespace:
    """Evaluate the top-level statements of easyconfig ``source`` without running it.

    Raises SyntaxError / ValueError (not Python), RecursionError / MemoryError (hostile nesting)
    for the caller to turn into an input error.
    """
    tree = ast.parse(source, mode="exec")
    ns = Namespace()
    scope: dict[str, object] = {}
    _Evaluator().run(tree.body, ns, scope)
    ns.values = scope
    return ns


# -- templates (EasyBuild's second stage) ---------------------------------------------------------
#: Dependencies whose versions become templates: name -> prefix of ``<prefix>ver`` (TEMPLATE_SOFTWARE_VERSIONS).
SOFTWARE_VERSION_TEMPLATES = {"cuda": "cuda", "cudacore": "cuda", "java": "java", "perl": "perl", "python": "py",
                              "r": "r"}  # fmt: skip

#: New template names and the ones they stand for (ALTERNATIVE_EASYCONFIG_TEMPLATES).
ALTERNATIVE_TEMPLATES = {
    "build_dir": "builddir", "cuda_maj_ver": "cudamajver", "cuda_short_ver": "cudashortver", "cuda_ver": "cudaver",
    "install_dir": "installdir", "java_maj_ver": "javamajver", "java_short_ver": "javashortver",
    "java_ver": "javaver", "name_letter_lower": "nameletterlower", "name_letter": "nameletter",
    "name_lower": "namelower", "perl_maj_ver": "perlmajver", "perl_short_ver": "perlshortver",
    "perl_ver": "perlver", "py_maj_ver": "pymajver", "py_short_ver": "pyshortver", "py_ver": "pyver",
    "r_maj_ver": "rmajver", "r_short_ver": "rshortver", "r_ver": "rver", "toolchain_ver": "toolchain_version",
    "ver_maj_min_patch": "version_major_minor_patch", "ver_maj_min": "version_major_minor",
    "ver_maj": "version_major", "ver_min_patch": "version_minor_patch", "ver_min": "version_minor",
    "ver_patch": "version_patch", "version_prefix": "versionprefix", "version_suffix": "versionsuffix",
}  # fmt: skip

_TEMPLATE = re.compile(r"(%+)\((\w+)\)s")


def resolve(value: str, values: dict[str, str]) -> str:
    """``value`` with its ``%(name)s`` templates filled in, as EasyBuild's ``resolve_template`` does.

    An odd run of ``%`` before ``(name)s`` is a template (``%%%(name)s`` -> ``%`` + value), an even
    run an escaped literal (``%%(name)s`` -> ``%(name)s``). If any template is unknown the string
    is returned unchanged, as EasyBuild does; a result over :data:`MAX_RESOLVED` characters is
    returned unchanged too.
    """
    if "%" not in value:
        return value
    out: list[str] = []
    pos = 0
    total = 0
    for m in _TEMPLATE.finditer(value):
        run, key = len(m.group(1)), m.group(2)
        out.append(value[pos : m.start()])
        out.append("%" * (run // 2))
        if run % 2:
            key = ALTERNATIVE_TEMPLATES.get(key, key)
            if key not in values:
                return value
            out.append(values[key])
            total += len(values[key])
            if total > MAX_RESOLVED:
                return value
        else:
            out.append(f"({m.group(2)})s")
        pos = m.end()
    out.append(value[pos:])
    return "".join(out)


def template_values(
    name: str,
    version: str,
    toolchain: tuple[str, str],
    *,
    versionsuffix: str = "",
    versionprefix: str = "",
    dependency_versions: Iterable[tuple[str, str]] = (),
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The template values EasyBuild derives from an easyconfig (``template_constant_dict``).

    ``dependency_versions`` are (name, version) of dependencies and build dependencies in file order
    (a later one wins, as in EasyBuild); their versions may themselves use the basic templates.
    ``versionsuffix`` is resolved last, since it may use ``%(cudaver)s``.
    """
    tv: dict[str, str] = dict(extra or {})
    tv["toolchain_name"], tv["toolchain_version"] = toolchain
    parts = version.split(".")
    tv["version_major"] = parts[0]
    if len(parts) > 1:
        tv["version_minor"] = parts[1]
        tv["version_major_minor"] = ".".join(parts[:2])
        if len(parts) > 2:
            tv["version_patch"] = parts[2]
            tv["version_minor_patch"] = ".".join(parts[1:3])
            tv["version_major_minor_patch"] = ".".join(parts[:3])
    if name:
        tv["nameletter"] = name[0]
        tv["nameletterlower"] = name[0].lower()
    tv["name"] = name
    tv["namelower"] = name.lower()
    tv["version"] = version
    tv["versionprefix"] = versionprefix
    for dep_name, dep_version in dependency_versions:
        prefix = SOFTWARE_VERSION_TEMPLATES.get(dep_name.lower())
        if prefix and dep_version:
            v = resolve(dep_version, tv)
            vp = v.split(".")
            tv[f"{prefix}ver"] = v
            tv[f"{prefix}majver"] = vp[0]
            if len(vp) > 1:
                tv[f"{prefix}minver"] = vp[1]
            tv[f"{prefix}shortver"] = ".".join(vp[:2])
    tv["versionsuffix"] = resolve(versionsuffix, tv)
    return tv
