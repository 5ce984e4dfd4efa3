"""Environment modules (Lmod and Environment Modules): module trees, modulefiles, Lmod's spider cache.

Everything here is read as text. A Lua modulefile is lexed (``lua_table.tokens``) and scanned for
the calls Lmod defines; a Tcl modulefile is split into commands and words. Nothing is executed,
loaded or evaluated beyond a tiny constant folder for strings (``"a" .. "b"``, ``pathJoin``,
``myModuleName()``, ``set root /opt/x`` then ``$root/bin``); anything else is *unknown*, never
guessed. ``os.execute("...")`` in a modulefile is just four tokens to us.

Three collectors:

``module-tree``   a folder of modulefiles, claimed when it is a MODULEPATH entry or the top of a
                  hierarchy (the rule below). Reads every modulefile in it, ``.version`` /
                  ``.modulerc`` / ``.modulerc.lua`` / ``default`` defaults, and the hierarchy.
``modulefile``    one modulefile outside a claimed tree (or named directly on the command line).
``lmod-spider``   Lmod's spider cache (``spiderT.lua``, the older ``moduleT.lua`` and ``dbT.lua``),
                  read as *data* by ``lua_table.read_assignments``, and the JSON that Lmod's
                  ``spider -o spider-json`` and ``-o jsonSoftwarePage`` print.

Which folder is a module tree (the claim rule). The walker offers folders top-down; a folder F is
claimed when

* F has a child folder ``Core`` holding modulefiles (Lmod's hierarchy convention, also Spack's and
  EasyBuild's hierarchical layouts): F is the top of a *hierarchy*, and its MODULEPATH entries are
  ``Core`` plus, for every other modulefile ``.../D/file``, the folder ``D`` if D also holds
  folders of modules (``file`` is then a version-less module in D), else D's parent (the usual
  ``<entry>/<name>/<version>``): ``Compiler/gcc/6.1``, ``MPI/gcc/6.1/impi/17.0``, Spack's
  ``gcc/7.2.0`` and ``openmpi/2.1.1-mhfgkgh/clang/4.0.0``. Folders whose name starts with a dot
  (``Compiler/.base``, targets of links) are not entries there.
* otherwise, some child folder of F directly holds a modulefile (``F/<name>/<version>``): F is a
  *flat* tree, one MODULEPATH entry, and every modulefile below it is named as Lmod names it when
  F is on MODULEPATH.

A folder whose modulefiles sit directly in it (``gcc/6.1.lua`` when ``gcc`` is scanned) is not
claimed: its files go to ``modulefile``, which names them ``<folder>/<file>``. EasyBuild: a
modulefile that EasyBuild's collector (``easybuild-module``) claims - ``setenv("EBROOT*")`` /
``setenv("EBVERSION*")`` or "Built with EasyBuild" in its first 256 KiB, the same test - is
EasyBuild's. ``modulefile`` refuses it, and a folder is claimed only when the probe finds a
modulefile EasyBuild did not write, so an EasyBuild tree (``modules/all``) is left to the walker
and EasyBuild's collector gets every file. In a *mixed* tree that is claimed, the EasyBuild
modules are read with the others (they are on the same MODULEPATH, and the hierarchy needs them)
and marked ``module:built-by=easybuild``. The probe looks into at most 4 child folders and reads
at most 8 file heads, so ``detect`` stays cheap on any folder.

Names inside an entry follow Lmod (checked against Lmod 8.6 in the tests): a file directly in
the entry is a version-less module (``StdEnv.lua`` -> ``StdEnv``); a file in a folder holding only
files is ``<folder path>/<version>`` (``gcc/12.3.0.lua``, ``compiler/gcc/12.lua`` ->
``compiler/gcc`` 12); a file in a folder that also holds folders of modules is version-less
(``foo/1.0.lua`` beside ``foo/bar/`` -> ``foo/1.0``). A ``.lua`` file is a modulefile, another
file only if it starts with ``#%Module``. Names or versions starting with a dot are hidden modules.

What a module becomes: a component ``software/module/<name>@<version>`` of kind ``module`` with
the description from ``whatis("Description: ...")`` (else a free-text ``whatis``, else the help
text) and the properties ``module:format`` (lua, tcl), ``module:modulepath`` (the entry, relative
to the tree), ``module:default``, ``module:hidden``, ``module:family``, ``module:conflict``,
``module:prefix`` (install prefixes from PATH-like variables and ``*ROOT``/``*_DIR``/``*_HOME``
settings, reduced to the outermost ones), ``module:built-by`` (spack, easybuild, cray, nix, guix,
eessi, redhat-scl: from the generator's header, ``EBROOT*`` settings and prefix paths),
``module:spack-hash`` (the DAG hash in a Spack install prefix, for linking to Spack's components),
``module:adds-modulepath`` (what it puts on MODULEPATH; ``<?>`` marks a part known only at run
time), ``module:property`` (``add_property``), ``module:extension``, ``module:homepage``,
``module:category``. Two modulefiles of one name and version (python/2.7.9 in Core and in
Compiler/gcc/6.1) are one component with both files as evidence.

Defaults, as Lmod ranks them: a ``default`` link (its target is found by comparing contents,
since the tree view does not read links), then ``.modulerc.lua`` (``module_version("gcc/12",
"default")``), ``.modulerc`` (``module-version /12 default``), ``.version`` (``set ModulesVersion``).

Edges, all ``depends-on``:

* ``load``/``always_load``/``depends_on``/``prereq`` (Tcl ``module load``, ``prereq``,
  ``depends-on``, ``always-load``) to the module named, scope ``run``; ``try_load``/``try_add``
  and the ``*_any`` forms add the scope ``optional``. The edge property ``module:via`` says which
  call. A version-less reference resolves as Lmod would from where the loading module sits: among
  the modules of that name in its own entry, else in the entries above it in the hierarchy, else
  in the top entries, else anywhere, the marked default, else the highest version (hidden ones
  last); a partial one (``gcc/12``) to the highest match. A reference to something the tree does
  not hold keeps its own id (``software/module/<name>[@<version>]``, an unresolved placeholder).
  A reference computed at run time is kept as ``module:unresolved-load`` on the module.
* the hierarchy: every module in an entry that another module adds to MODULEPATH depends on that
  module (``module:via=modulepath``), as Lmod's spider records it (``parentAA``, ``mpathMapT``).
  The added path is matched against the entries' paths by its tail (the tree's own location is
  unknown); its unknown parts match anything. When several modules match one entry, those whose
  name and version appear in the entry's path win (``Compiler/gcc/12.3.0`` belongs to gcc/12.3.0,
  not gcc/13.2.0), then those whose own entry shares most of its path. An entry no path reaches is
  given, by the ``<name>/<version>`` in its path, to a module that changes MODULEPATH at all.

The spider cache and JSON give the same components (``module:file`` and ``module:modulepath`` are
then the absolute paths Lmod recorded) and the hierarchy from ``mpathMapT`` (spiderT),
``children`` (moduleT), ``parent`` (dbT) or ``parentAA`` (spider-json). They record no loads.
"""

from __future__ import annotations

import functools
import json
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from sovaudit.collectors.interface import Collector
from sovaudit.collectors.lua_table import LuaTable, Token, read_assignments, tokens
from sovaudit.errors import InputError
from sovaudit.fs import MiB, TreePath
from sovaudit.model import (
    Component,
    Edge,
    Evidence,
    InputRecord,
    InputStatus,
    Inventory,
    Layer,
    Relation,
    component_id,
)

#: Largest modulefile read (EasyBuild's help texts run to tens of KiB; Lmod's own are tiny).
MAX_MODULEFILE_BYTES = 4 * MiB
#: How much of a file ``detect`` looks at.
HEAD_BYTES = 8192
#: Probe bounds of the folder rule.
_PROBE_DIRS = 4
_PROBE_ENTRIES = 32
_PROBE_READS = 8
#: Names that are files, not module folders: not even looked at by the probe.
_FILE_LIKE = re.compile(
    r"\.(?:so|a|o|la|py|pyc|pyi|h|hpp|c|cc|cpp|txt|md|rst|html?|css|js|json|xml|ya?ml|toml|cfg|ini|conf|gz|bz2|xz|zst|"
    r"zip|tar|whl|png|jpe?g|gif|svg|pdf|mo|po|pem|crt|sh|pl|rb|jar|class)(?:\.\d+)*$",
    re.IGNORECASE,
)
#: Nesting of expressions (Lua) and blocks (Tcl) followed before a file is refused.
MAX_NESTING = 100
#: Prefixes kept per module.
_MAX_PREFIXES = 16

KIND = "module"
UNKNOWN_MARK = "<?>"

#: EasyBuild's own test for its module files (the ``easybuild-module`` collector's ``_MARKER`` and sniff size):
#: what it claims, ``modulefile`` and the folder probe leave alone.
_EB_MARKER = re.compile(rb"setenv\s*\(?\s*[\"']?EB(?:ROOT|VERSION)[A-Z0-9]|[Bb]uilt with EasyBuild")
EB_SNIFF_BYTES = 256 * 1024
_LMOD_MARKER = re.compile(
    rb"(?m)^[ \t]*(?:local\s+\w+\s*=\s*)?(?:whatis|prepend_path|append_path|setenv|pushenv|family|depends_on|"
    rb"always_load|prereq|conflict|add_property|myModuleName|myModuleVersion|pathJoin|remove_path|unsetenv|"
    rb"set_alias|extensions|try_load|load_any|help|load|module_version)\s*[\(\{\"\[]"
)
_LMOD_SPECIFIC = re.compile(
    rb"\b(?:whatis|prepend_path|append_path|setenv|pushenv|family|depends_on|always_load|prereq|add_property|"
    rb"myModuleName|myModuleVersion|myModuleFullName|pathJoin|remove_path|try_load|load_any|module_version)\s*[\(\{\"]"
)
_CACHE_HEAD = re.compile(
    rb"\A(?:\s|--[^\n]*\n)*(?:timestampFn|spiderT|mrcT|mrcMpathT|moduleT|dbT|mpathMapT|ancient|defaultMpathA|"
    rb"providedByT|reverseMapT)\s*=\s*[{\d]"
)
_CACHE_NAME = re.compile(r"^(?:spiderT|moduleT|dbT)(?:\.[A-Za-z0-9_.-]+)?\.lua$")
_SPACK_HEADER = re.compile(rb"(?i)module file created by spack")
_SPACK_PREFIX_SEGMENT = re.compile(r"^[A-Za-z0-9_.+-]+-([a-z2-7]{32})$")

#: Files Lmod never treats as modulefiles (DirTree.lua's ignore list and patterns).
_IGNORED_NAMES = frozenset({".git", ".gitignore", ".svn", ".hg", ".bzr", "CVS", ".lua", ".DS_Store"})
_RC_NAMES = (".modulerc.lua", ".modulerc", ".version")  # precedence after the ``default`` link
_VCS = frozenset({".git", ".hg", ".svn", ".bzr", "_darcs", "CVS", "__pycache__"})


def _ignored(name: str) -> bool:
    return (
        name in _IGNORED_NAMES
        or name.endswith("~")
        or name.startswith("#")
        or name.endswith("#")
        or name.startswith(".#")
        or name.startswith("__")
        or (name.startswith(".") and name.endswith(".swp"))
    )


# -- values known in part -------------------------------------------------------------------------
#: A string some of whose parts are known: ``None`` is a part known only when Lmod runs.
Val = tuple[str | None, ...]
UNKNOWN: Val = (None,)


def _lit(s: str) -> Val:
    return (s,)


def _concat(*vals: Val) -> Val:
    out: list[str | None] = []
    for v in vals:
        for p in v:
            if p is None:
                if not out or out[-1] is not None:
                    out.append(None)
            elif p:
                if out and out[-1] is not None:
                    out[-1] = str(out[-1]) + p
                else:
                    out.append(p)
    return tuple(out) if out else ("",)


def _known(v: Val) -> str | None:
    if any(p is None for p in v):
        return None
    return "".join(p for p in v if p is not None)


def _render(v: Val, unknown: str = UNKNOWN_MARK) -> str:
    return "".join(unknown if p is None else p for p in v)


def _path_join(args: Sequence[Val]) -> Val:
    """Lmod's ``pathJoin``: the arguments joined with '/', runs of '/' collapsed."""
    pieces: list[Val] = []
    for a in args:
        if a == ("",):
            continue
        if pieces:
            pieces.append(_lit("/"))
        pieces.append(a)
    joined = _concat(*pieces) if pieces else ("",)
    return tuple(re.sub(r"/{2,}", "/", p) if p is not None else None for p in joined)


def _split_val(v: Val, sep: str) -> list[Val]:
    """Split a partly known string on a separator that occurs in its known parts."""
    out: list[Val] = []
    cur: list[str | None] = []
    for p in v:
        if p is None:
            cur.append(None)
            continue
        pieces = p.split(sep)
        cur.append(pieces[0])
        for piece in pieces[1:]:
            out.append(_concat(tuple(cur)))
            cur = [piece]
    out.append(_concat(tuple(cur)))
    return [x for x in out if x not in (("",), ())]


# -- what one modulefile says ---------------------------------------------------------------------
@dataclass(slots=True)
class _Ref:
    via: str
    ref: Val
    line: int
    optional: bool = False
    any_of: bool = False


@dataclass(slots=True)
class Facts:
    """What a modulefile says, statically."""

    fmt: str
    whatis: list[str] = field(default_factory=list)
    help: list[str] = field(default_factory=list)
    refs: list[_Ref] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    families: list[str] = field(default_factory=list)
    modulepaths: list[tuple[Val, int]] = field(default_factory=list)
    env: list[tuple[str, Val]] = field(default_factory=list)
    props: list[tuple[str, str]] = field(default_factory=list)
    extensions: list[str] = field(default_factory=list)
    #: ``module_version`` / ``module-version`` (rc files): (module, symbolic names).
    versions: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    #: Tcl ``set NAME value`` of the top level (``.version``'s ModulesVersion).
    tcl_vars: dict[str, Val] = field(default_factory=dict)
    spack_header: bool = False
    easybuild: bool = False


_REF_CALLS: dict[str, tuple[bool, bool]] = {  # name -> (optional, any-of)
    "load": (False, False),
    "always_load": (False, False),
    "depends_on": (False, False),
    "prereq": (False, False),
    "try_load": (True, False),
    "try_add": (True, False),
    "load_any": (True, True),
    "prereq_any": (True, True),
    "depends_on_any": (True, True),
}
_LUA_CALLS = frozenset(_REF_CALLS) | frozenset(
    {"whatis", "help", "conflict", "family", "prepend_path", "append_path", "setenv", "pushenv", "add_property",
     "extensions", "module_version"}
)  # fmt: skip
_LUA_KEYWORDS = frozenset(
    {"and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in", "local", "nil",
     "not", "or", "repeat", "return", "then", "true", "until", "while"}
)  # fmt: skip
_BINOPS = frozenset({"+", "-", "*", "/", "//", "%", "^", "..", "==", "~=", "<", "<=", ">", ">=", "&", "|", "~", "<<",
                     ">>"})  # fmt: skip
_UNOPS = frozenset({"-", "#", "~"})


class _LuaScan:
    """Scans a Lua modulefile's tokens for Lmod calls, folding string constants on the way."""

    def __init__(self, toks: list[Token], source: str, name: str, version: str) -> None:
        self.t = toks
        self.source = source
        self.name = name
        self.version = version
        self.full = f"{name}/{version}" if version else name
        self.vars: dict[str, Val] = {}
        self.facts = Facts(fmt="lua")

    # - scanning -
    def run(self) -> Facts:
        t = self.t
        n = len(t) - 1  # the last token is eof
        i = 0
        while i < n:
            tok = t[i]
            if tok.kind != "name":
                i += 1
                continue
            prev = t[i - 1] if i else None
            if prev is not None and prev.kind == "op" and prev.value in (".", ":"):
                i += 1
                continue
            v = tok.value
            if v == "local":
                i = self._local(i + 1)
                continue
            if v == "function":
                # A definition: skip its name so ``function load(...)`` is not a call; the body is scanned.
                i += 2
                continue
            nxt = t[i + 1]
            if (
                nxt.kind == "op"
                and nxt.value == "="
                and v not in _LUA_KEYWORDS
                and not (prev is not None and prev.kind == "op" and prev.value in (",", "{", "[", "(", "."))
            ):
                val, i = self._expr(i + 2, 0)
                self.vars[v] = val
                continue
            if v in _LUA_CALLS and self._call_start(nxt):
                args, named, j = self._args(i + 1, 0)
                self._record(v, args, named, tok.line)
                i = max(j, i + 1)
                continue
            i += 1
        return self.facts

    @staticmethod
    def _call_start(tok: Token) -> bool:
        return tok.kind == "string" or (tok.kind == "op" and tok.value in ("(", "{"))

    def _local(self, i: int) -> int:
        t = self.t
        if t[i].kind == "name" and t[i].value == "function":
            return i + 2
        names: list[str] = []
        while t[i].kind == "name" and t[i].value not in _LUA_KEYWORDS:
            names.append(t[i].value)
            i += 1
            if t[i].kind == "op" and t[i].value == "<":  # Lua 5.4 attribute: <const>, <close>
                i += 3 if t[i + 1].kind == "name" else 1
            if t[i].kind == "op" and t[i].value == ",":
                i += 1
                continue
            break
        vals: list[Val] = []
        if t[i].kind == "op" and t[i].value == "=":
            i += 1
            while True:
                val, j = self._expr(i, 0)
                vals.append(val)
                i = min(j if j > i else i + 1, len(t) - 1)  # never past the end-of-file token
                if t[i].kind == "op" and t[i].value == ",":
                    i += 1
                    continue
                break
        for k, nm in enumerate(names):
            self.vars[nm] = vals[k] if k < len(vals) else UNKNOWN
        return i

    # - expressions (constant folding only) -
    def _deep(self, depth: int, i: int) -> None:
        if depth > MAX_NESTING:
            line = self.t[i].line
            raise InputError(self.source, f"line {line}: expressions nested deeper than {MAX_NESTING}; not read")

    def _expr(self, i: int, depth: int) -> tuple[Val, int]:
        self._deep(depth, i)
        t = self.t
        val, i = self._unary(i, depth)
        only_concat = True
        while True:
            tok = t[i]
            if (tok.kind == "op" and tok.value in _BINOPS) or (tok.kind == "name" and tok.value in ("and", "or")):
                if tok.value != "..":
                    only_concat = False
                rhs, j = self._unary(i + 1, depth)
                if j == i + 1:  # nothing after the operator: stop here
                    i = j
                    break
                val = _concat(val, rhs) if only_concat else UNKNOWN
                i = j
                continue
            break
        return (val if only_concat else UNKNOWN), i

    def _unary(self, i: int, depth: int) -> tuple[Val, int]:
        t = self.t
        steps = 0
        while (t[i].kind == "op" and t[i].value in _UNOPS) or (t[i].kind == "name" and t[i].value == "not"):
            i += 1
            steps += 1
        val, j = self._primary(i, depth)
        return (UNKNOWN if steps else val), j

    def _primary(self, i: int, depth: int) -> tuple[Val, int]:
        t = self.t
        tok = t[i]
        qual: str | None = None
        if tok.kind == "string":
            val: Val = _lit(tok.value)
            i += 1
        elif tok.kind == "number":
            return _lit(tok.value), i + 1
        elif tok.kind == "name" and tok.value in ("true", "false", "nil"):
            return UNKNOWN, i + 1
        elif tok.kind == "name" and tok.value == "function":
            return UNKNOWN, self._skip_function(i)
        elif tok.kind == "op" and tok.value == "(":
            val, i = self._expr(i + 1, depth + 1)
            if t[i].kind == "op" and t[i].value == ")":
                i += 1
        elif tok.kind == "op" and tok.value == "{":
            _, _, i = self._table(i, depth + 1)
            return UNKNOWN, i
        elif tok.kind == "op" and tok.value == "...":
            return UNKNOWN, i + 1
        elif tok.kind == "name" and tok.value not in _LUA_KEYWORDS:
            qual = tok.value
            val = self.vars.get(tok.value, UNKNOWN)
            i += 1
        else:
            return UNKNOWN, i
        while True:  # suffixes: .name [expr] :method(args) (args)
            tok = t[i]
            if tok.kind == "op" and tok.value == "." and t[i + 1].kind == "name":
                qual = f"{qual}.{t[i + 1].value}" if qual else None
                val = UNKNOWN
                i += 2
            elif tok.kind == "op" and tok.value == "[":
                _, i = self._expr(i + 1, depth + 1)
                if t[i].kind == "op" and t[i].value == "]":
                    i += 1
                qual, val = None, UNKNOWN
            elif tok.kind == "op" and tok.value == ":" and t[i + 1].kind == "name" and self._call_start(t[i + 2]):
                _, _, i = self._args(i + 2, depth + 1)
                qual, val = None, UNKNOWN
            elif self._call_start(tok) and qual is not None:
                args, _, i = self._args(i, depth + 1)
                val = self._call(qual, args)
                qual = None
            else:
                break
        return val, i

    def _call(self, fn: str, args: list[Val]) -> Val:
        match fn:
            case "pathJoin":
                return _path_join(args)
            case "myModuleName":
                return _lit(self.name)
            case "myModuleVersion":
                return _lit(self.version)
            case "myModuleFullName" | "myModuleUsrName":
                return _lit(self.full)
            case "tostring" if args:
                return args[0]
        return UNKNOWN

    def _args(self, i: int, depth: int) -> tuple[list[Val], dict[str, Val], int]:
        """Call arguments at ``i``: ``(a, b)``, ``"s"`` or ``{...}`` (positional and named fields)."""
        t = self.t
        tok = t[i]
        if tok.kind == "string":
            return [_lit(tok.value)], {}, i + 1
        if tok.kind == "op" and tok.value == "{":
            return self._table(i, depth)
        args: list[Val] = []
        i += 1  # '('
        while True:
            tok = t[i]
            if tok.kind == "eof":
                return args, {}, i
            if tok.kind == "op" and tok.value == ")":
                return args, {}, i + 1
            val, j = self._expr(i, depth + 1)
            if j == i:  # not an expression: step over it
                j = i + 1
            else:
                args.append(val)
            i = j
            if t[i].kind == "op" and t[i].value == ",":
                i += 1

    def _table(self, i: int, depth: int) -> tuple[list[Val], dict[str, Val], int]:
        self._deep(depth, i)
        t = self.t
        pos: list[Val] = []
        named: dict[str, Val] = {}
        i += 1  # '{'
        while True:
            tok = t[i]
            if tok.kind == "eof":
                return pos, named, i
            if tok.kind == "op" and tok.value == "}":
                return pos, named, i + 1
            if tok.kind == "op" and tok.value in (",", ";"):
                i += 1
                continue
            if tok.kind == "op" and tok.value == "[":
                _, i = self._expr(i + 1, depth + 1)
                if t[i].kind == "op" and t[i].value == "]":
                    i += 1
                if t[i].kind == "op" and t[i].value == "=":
                    i += 1
                _, j = self._expr(i, depth + 1)
                i = max(j, i + 1)
                continue
            if tok.kind == "name" and t[i + 1].kind == "op" and t[i + 1].value == "=":
                val, j = self._expr(i + 2, depth + 1)
                named[tok.value] = val
                i = max(j, i + 3)
                continue
            val, j = self._expr(i, depth + 1)
            if j == i:
                i += 1
                continue
            pos.append(val)
            i = j

    def _skip_function(self, i: int) -> int:
        """From a ``function`` keyword to just after its matching ``end``."""
        t = self.t
        level = 0
        while t[i].kind != "eof":
            tok = t[i]
            if tok.kind == "name":
                if tok.value in ("function", "if", "do", "repeat"):
                    level += 1
                elif tok.value in ("end", "until"):
                    level -= 1
                    if level == 0:
                        return i + 1
            i += 1
        return i

    # - the calls we understand -
    def _record(self, fn: str, args: list[Val], named: dict[str, Val], line: int) -> None:
        f = self.facts
        if fn == "whatis":
            f.whatis.append(_render(_concat(*args), "") if args else "")
        elif fn == "help":
            f.help.append(_render(_concat(*args), "") if args else "")
        elif fn in _REF_CALLS:
            optional, any_of = _REF_CALLS[fn]
            for a in args:
                f.refs.append(_Ref(fn, a, line, optional, any_of))
        elif fn == "conflict":
            f.conflicts.extend(_render(a) for a in args)
        elif fn == "family":
            if args:
                f.families.append(_render(args[0]))
        elif fn in ("prepend_path", "append_path"):
            if len(args) < 2:
                return
            var = _known(args[0])
            delim = _known(args[2]) if len(args) > 2 else _known(named.get("delim", _lit(":")))
            values = [args[1]] if not delim else _split_val(args[1], delim)
            if var == "MODULEPATH":
                f.modulepaths.extend((v, line) for v in values)
            elif var:
                f.env.extend((var, v) for v in values)
        elif fn in ("setenv", "pushenv"):
            var = _known(args[0]) if args else None
            if var and len(args) > 1:
                f.env.append((var, args[1]))
        elif fn == "add_property":
            if len(args) >= 2:
                f.props.append((_render(args[0]), _render(args[1])))
        elif fn == "extensions":
            for a in args:
                f.extensions.extend(p.strip() for p in _render(a).split(",") if p.strip())
        elif fn == "module_version" and args:
            mod = _known(args[0])
            if mod is not None:
                f.versions.append((mod, tuple(_render(a) for a in args[1:])))


def read_lua(text: str, source: str, name: str = "", version: str = "") -> Facts:
    """What a Lua modulefile says. Raises InputError on text that is not Lua."""
    facts = _LuaScan(list(tokens(text, source)), source, name, version).run()
    head = text[:HEAD_BYTES].encode("utf-8", "replace")
    facts.spack_header = _SPACK_HEADER.search(head) is not None
    facts.easybuild = _EB_MARKER.search(text.encode("utf-8", "replace")) is not None
    return facts


# -- Tcl --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Word:
    kind: str  # brace, quote or bare
    text: str  # between the braces or quotes, not substituted
    line: int


_TCL_SPACE = " \t\r\f\v"


_BRACE_STOPS = re.compile(r"[{}\\\n]")
_BRACKET_STOPS = re.compile(r'[\[\]{}"\\\n]')
_QUOTE_STOPS = re.compile(r'["\[\\\n]')
_BARE_STOPS = re.compile(r"[ \t\r\f\v\n;\[\\]")
_QUOTE_IN_BRACKET = re.compile(r'"|\\[\s\S]|\n')
_TCL_COMMENT = re.compile(r"#(?:[^\\\n]++|\\[\s\S])*+")


def _tcl_brace(text: str, i: int, line: int, source: str) -> tuple[int, int]:
    """Index of the '}' matching the '{' at ``i``, and the line there."""
    start = line
    depth = 0
    search = _BRACE_STOPS.search
    while True:
        m = search(text, i)
        if m is None:
            raise InputError(source, f"line {start}: unbalanced '{{' (no matching '}}'); not valid Tcl")
        c = m.group()
        j = m.start()
        if c == "\\":
            if text.startswith("\n", j + 1):
                line += 1
            i = j + 2
            continue
        if c == "\n":
            line += 1
        elif c == "{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return j, line
        i = j + 1


def _tcl_bracket(text: str, i: int, line: int, source: str) -> tuple[int, int]:
    """Index of the ']' matching the '[' at ``i`` (braces and quotes inside are skipped)."""
    start = line
    depth = 0
    search = _BRACKET_STOPS.search
    while True:
        m = search(text, i)
        if m is None:
            raise InputError(source, f"line {start}: unbalanced '[' (no matching ']'); not valid Tcl")
        c = m.group()
        j = m.start()
        if c == "\\":
            if text.startswith("\n", j + 1):
                line += 1
            i = j + 2
            continue
        if c == "\n":
            line += 1
        elif c == "{":
            j, line = _tcl_brace(text, j, line, source)
        elif c == '"':
            k = j + 1
            while True:
                mq = _QUOTE_IN_BRACKET.search(text, k)
                if mq is None:
                    raise InputError(source, f"line {start}: unfinished quoted string inside '['; not valid Tcl")
                if mq.group() == '"':
                    break
                line += mq.group().count("\n")
                k = mq.end()
            j = mq.start()
        elif c == "[":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return j, line
        i = j + 1


def _tcl_quote(text: str, i: int, line: int, source: str) -> tuple[int, int]:
    start = line
    search = _QUOTE_STOPS.search
    i += 1
    while True:
        m = search(text, i)
        if m is None:
            raise InputError(source, f"line {start}: unfinished quoted string; not valid Tcl")
        c = m.group()
        j = m.start()
        if c == "\\":
            if text.startswith("\n", j + 1):
                line += 1
            i = j + 2
            continue
        if c == "\n":
            line += 1
        elif c == "[":
            j, line = _tcl_bracket(text, j, line, source)
        else:
            return j, line
        i = j + 1


def _tcl_bare(text: str, i: int, line: int, source: str) -> tuple[int, int]:
    search = _BARE_STOPS.search
    while True:
        m = search(text, i)
        if m is None:
            return len(text), line
        c = m.group()
        j = m.start()
        if c == "\\":
            if text.startswith("\n", j + 1):
                return j, line  # a line continuation ends the word
            i = j + 2
            continue
        if c == "[":
            j, line = _tcl_bracket(text, j, line, source)
            i = j + 1
            continue
        return j, line


def tcl_commands(text: str, source: str, line0: int = 1) -> list[tuple[list[_Word], int]]:
    """A Tcl script as commands of words (each with its line); comments dropped. Nothing runs.

    Raises InputError naming the line on unbalanced braces or brackets and unfinished quotes.
    """
    cmds: list[tuple[list[_Word], int]] = []
    i = 0
    n = len(text)
    line = line0
    while i < n:
        c = text[i]
        if c in _TCL_SPACE or c == ";":
            i += 1
            continue
        if c == "\n":
            line += 1
            i += 1
            continue
        if c == "\\" and i + 1 < n and text[i + 1] == "\n":
            line += 1
            i += 2
            continue
        if c == "#":
            m = _TCL_COMMENT.match(text, i)
            end = m.end() if m else n
            line += text.count("\n", i, end)
            i = end
            continue
        if c == "}":
            raise InputError(source, f"line {line}: unbalanced '}}' (no matching '{{'); not valid Tcl")
        words: list[_Word] = []
        cmd_line = line
        while i < n:
            c = text[i]
            if c in _TCL_SPACE:
                i += 1
                continue
            if c == "\\" and i + 1 < n and text[i + 1] == "\n":
                line += 1
                i += 2
                continue
            if c == "\n" or c == ";":
                break
            start = line
            if c == "{" and not text.startswith("{*}", i):
                j, line = _tcl_brace(text, i, line, source)
                words.append(_Word("brace", text[i + 1 : j], start))
                i = j + 1
            elif c == '"':
                j, line = _tcl_quote(text, i, line, source)
                words.append(_Word("quote", text[i + 1 : j], start))
                i = j + 1
            else:
                j, line = _tcl_bare(text, i, line, source)
                if j == i:  # a lone backslash before a line end
                    j = i + 1
                words.append(_Word("bare", text[i:j], start))
                i = j
        if words:
            cmds.append((words, cmd_line))
    return cmds


_TCL_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_TCL_VAR = re.compile(r"\$(?:\{([^}]*)\}|((?:::)?[A-Za-z0-9_]+(?:::[A-Za-z0-9_]+)*)(\([^)]*\))?)")
_REF_COMMANDS: dict[str, tuple[bool, bool]] = {
    "prereq": (False, False),
    "prereq-all": (False, False),
    "depends-on": (False, False),
    "always-load": (False, False),
    "prereq-any": (True, True),
    "depends-on-any": (True, True),
}
_MODULE_LOADS: dict[str, tuple[bool, bool]] = {
    "load": (False, False),
    "add": (False, False),
    "try-load": (True, False),
    "try-add": (True, False),
    "load-any": (True, True),
}
_TCL_BLOCKS = frozenset({"if", "elseif", "else", "foreach", "while", "for", "catch", "eval", "switch", "uplevel"})


class _TclScan:
    """Reads the module commands of a Tcl modulefile, substituting what ``set`` made known."""

    def __init__(self, source: str, name: str, version: str, budget: int) -> None:
        self.source = source
        self.name = name
        self.version = version
        self.full = f"{name}/{version}" if version else name
        self.vars: dict[str, Val] = {}
        self.facts = Facts(fmt="tcl")
        #: Characters that nested bodies may still re-read: blocks are split again at every level,
        #: so a deep nest of huge blocks would cost depth x size without it.
        self.budget = budget

    def lex(self, text: str, line: int) -> list[tuple[list[_Word], int]]:
        self.budget -= len(text)
        if self.budget < 0:
            raise InputError(self.source, f"line {line}: nested blocks too large to read; not read")
        return tcl_commands(text, self.source, line)

    def run(self, cmds: list[tuple[list[_Word], int]], depth: int = 0) -> Facts:
        if depth > MAX_NESTING:
            line = cmds[0][1] if cmds else 0
            raise InputError(self.source, f"line {line}: blocks nested deeper than {MAX_NESTING}; not read")
        for words, line in cmds:
            self._command(words, line, depth)
        return self.facts

    def _body(self, word: _Word, depth: int) -> None:
        if word.kind == "brace":
            self.run(self.lex(word.text, word.line), depth + 1)

    # - substitution -
    def subst(self, word: _Word, depth: int = 0) -> Val:
        if word.kind == "brace":
            return _lit(word.text)
        text = word.text
        if "\\" not in text and "$" not in text and "[" not in text:
            return _lit(text)
        parts: list[Val] = []
        buf: list[str] = []
        i = 0
        n = len(text)
        while i < n:
            c = text[i]
            if c == "\\" and i + 1 < n:
                nxt = text[i + 1]
                if nxt == "\n":
                    j = i + 2
                    while j < n and text[j] in " \t":
                        j += 1
                    buf.append(" ")
                    i = j
                    continue
                buf.append(_TCL_ESCAPES.get(nxt, nxt))
                i += 2
                continue
            if c == "$":
                m = _TCL_VAR.match(text, i)
                if m is None:
                    buf.append(c)
                    i += 1
                    continue
                parts.append(_lit("".join(buf)))
                buf = []
                name = m.group(1) if m.group(1) is not None else m.group(2)
                if m.group(3) is not None:  # an array element: $env(HOME) and the like
                    parts.append(UNKNOWN)
                else:
                    parts.append(self.vars.get(name.lstrip(":"), UNKNOWN))
                i = m.end()
                continue
            if c == "[":
                j, _ = _tcl_bracket(text, i, word.line, self.source)
                parts.append(_lit("".join(buf)))
                buf = []
                parts.append(self._command_value(text[i + 1 : j], word.line, depth))
                i = j + 1
                continue
            buf.append(c)
            i += 1
        parts.append(_lit("".join(buf)))
        return _concat(*parts)

    def _command_value(self, script: str, line: int, depth: int) -> Val:
        if depth > MAX_NESTING:
            raise InputError(self.source, f"line {line}: command substitutions nested deeper than {MAX_NESTING}")
        cmds = self.lex(script, line)
        if not cmds:
            return _lit("")
        words = [_known(self.subst(w, depth + 1)) for w in cmds[-1][0]]
        if words[:2] == ["module-info", "name"]:
            return _lit(self.full)
        return UNKNOWN

    def _flags(self, words: list[_Word], i: int, with_value: tuple[str, ...] = ()) -> tuple[int, str | None]:
        """Skip ``-x``/``--x`` options from ``i``; returns the next index and a ``-d``/``--delim`` value."""
        delim: str | None = None
        while i < len(words):
            w = _known(self.subst(words[i])) or ""
            if not w.startswith("-") or w == "-":
                break
            if "=" in w and w.split("=", 1)[0] in ("--delim", "-d"):
                delim = w.split("=", 1)[1]
            elif w in ("-d", "--delim") or w in with_value:
                if i + 1 < len(words):
                    delim = _known(self.subst(words[i + 1])) if w in ("-d", "--delim") else delim
                i += 1
            i += 1
        return i, delim

    # - the commands we understand -
    def _command(self, words: list[_Word], line: int, depth: int) -> None:
        f = self.facts
        cmd = _known(self.subst(words[0], depth)) if words else None
        if cmd is None:
            return
        args = words[1:]
        if cmd == "set" and len(args) == 2:
            var = _known(self.subst(args[0], depth))
            if var:
                val = self.subst(args[1], depth)
                self.vars[var] = val
                if depth == 0:
                    f.tcl_vars[var] = val
        elif cmd == "module-whatis":
            f.whatis.append(" ".join(_render(self.subst(w, depth), "") for w in args))
        elif cmd == "proc" and len(args) >= 3:
            if _known(self.subst(args[0], depth)) == "ModulesHelp" and args[2].kind == "brace":
                for sub, _sub_line in self.lex(args[2].text, args[2].line):
                    texts = [_render(self.subst(w, depth + 1), "") for w in sub]
                    if texts and texts[0] == "puts":
                        rest = [t for t in texts[1:] if t != "-nonewline"]
                        if len(rest) == 2 and rest[0] in ("stderr", "stdout"):
                            rest = rest[1:]
                        f.help.append(" ".join(rest))
            else:
                self._body(args[2], depth)
        elif cmd == "module" and args:
            action = _known(self.subst(args[0], depth))
            i, _ = self._flags(args, 1)
            if action in _MODULE_LOADS:
                optional, any_of = _MODULE_LOADS[action]
                for w in args[i:]:
                    f.refs.append(_Ref(f"module {action}", self.subst(w, depth), line, optional, any_of))
            elif action == "use":
                for w in args[i:]:
                    f.modulepaths.extend((v, line) for v in _split_val(self.subst(w, depth), ":"))
        elif cmd in _REF_COMMANDS:
            optional, any_of = _REF_COMMANDS[cmd]
            i, _ = self._flags(args, 0)
            for w in args[i:]:
                f.refs.append(_Ref(cmd, self.subst(w, depth), line, optional, any_of))
        elif cmd == "conflict":
            f.conflicts.extend(_render(self.subst(w, depth)) for w in args)
        elif cmd == "family" and args:
            f.families.append(_render(self.subst(args[0], depth)))
        elif cmd in ("prepend-path", "append-path"):
            i, delim = self._flags(args, 0)
            if len(args) - i < 2:
                return
            var = _known(self.subst(args[i], depth))
            values: list[Val] = []
            for w in args[i + 1 :]:
                values.extend(_split_val(self.subst(w, depth), delim or ":"))
            if var == "MODULEPATH":
                f.modulepaths.extend((v, line) for v in values)
            elif var:
                f.env.extend((var, v) for v in values)
        elif cmd in ("setenv", "pushenv") and len(args) >= 2:
            var = _known(self.subst(args[0], depth))
            if var:
                f.env.append((var, self.subst(args[1], depth)))
        elif cmd == "module-version" and args:
            mod = _known(self.subst(args[0], depth))
            if mod is not None:
                f.versions.append((mod, tuple(_render(self.subst(w, depth)) for w in args[1:])))
        elif cmd == "add-property" and len(args) >= 2:
            f.props.append((_render(self.subst(args[0], depth)), _render(self.subst(args[1], depth))))
        elif cmd in _TCL_BLOCKS:
            for w in args:
                if w.kind != "brace":
                    continue
                if cmd == "switch":
                    for sub, _ in self.lex(w.text, w.line):
                        for inner in sub:
                            self._body(inner, depth + 1)
                else:
                    self._body(w, depth)


def read_tcl(text: str, source: str, name: str = "", version: str = "") -> Facts:
    """What a Tcl modulefile says. Raises InputError on unbalanced braces and the like."""
    scan = _TclScan(source, name, version, budget=8 * len(text) + MiB)
    facts = scan.run(tcl_commands(text, source))
    head = text[:HEAD_BYTES].encode("utf-8", "replace")
    facts.spack_header = _SPACK_HEADER.search(head) is not None
    facts.easybuild = _EB_MARKER.search(text.encode("utf-8", "replace")) is not None
    return facts


# -- from facts to a component ----------------------------------------------------------------------
_KEY_VALUE = re.compile(r"^\s*([A-Za-z][A-Za-z _-]{0,30}?)\s*:\s*(.*)$", re.DOTALL)
_DESCRIPTION_KEYS = frozenset({"description", "short description", "descr"})
_HOMEPAGE_KEYS = frozenset({"url", "homepage", "home page", "web", "website", "web site"})
_CATEGORY_KEYS = frozenset({"category", "categories"})
_PATHLIKE = frozenset(
    {"PATH", "LD_LIBRARY_PATH", "LIBRARY_PATH", "LD_RUN_PATH", "DYLD_LIBRARY_PATH", "CPATH", "C_INCLUDE_PATH",
     "CPLUS_INCLUDE_PATH", "INCLUDE", "MANPATH", "INFOPATH", "PKG_CONFIG_PATH", "CMAKE_PREFIX_PATH", "ACLOCAL_PATH"}
)  # fmt: skip
_ROOT_VAR = re.compile(r"(?:ROOT|_DIR|_HOME|PREFIX|_BASE)$")
_PREFIX_SUFFIXES = (
    "/lib/pkgconfig", "/lib64/pkgconfig", "/share/pkgconfig", "/share/man", "/share/info", "/share/aclocal",
    "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/include", "/man", "/info", "/share", "/libexec", "/etc",
)  # fmt: skip
_GENERIC_PREFIXES = frozenset({"/", "/usr", "/usr/local", "/opt", "/usr/lib", "/usr/lib64", "/usr/share", "/etc"})
_BUILDERS = (
    ("/opt/cray/", "cray"),
    ("/nix/store/", "nix"),
    ("/gnu/store/", "guix"),
    ("/cvmfs/software.eessi.io/", "eessi"),
    ("/cvmfs/pilot.eessi-hpc.org/", "eessi"),
    ("/opt/rh/", "redhat-scl"),
)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def describe(whatis: Iterable[str], help_text: Iterable[str]) -> tuple[str, list[tuple[str, str]]]:
    """The description (whatis ``Description:``, else a free-text whatis, else the help's first
    paragraph) and the properties whatis lines carry (homepage, category)."""
    described = ""
    free = ""
    props: list[tuple[str, str]] = []
    for line in whatis:
        m = _KEY_VALUE.match(line)
        if m is None:
            if not free and line.strip():
                free = _one_line(line)
            continue
        key, value = m.group(1).strip().lower(), _one_line(m.group(2))
        if not value:
            continue
        if key in _DESCRIPTION_KEYS and not described:
            described = value
        elif key in _HOMEPAGE_KEYS:
            props.append(("module:homepage", value))
        elif key in _CATEGORY_KEYS:
            props.append(("module:category", value))
    if described:
        return described, props
    if free:
        return free, props
    text = "\n".join(help_text).strip()
    if text:
        first = re.split(r"\n\s*\n", text, maxsplit=1)[0]
        return _one_line(first), props
    return "", props


def _prefix_of(path: str) -> str:
    p = posixpath.normpath(path)
    if p.startswith("//"):
        p = "/" + p.lstrip("/")
    m = re.search(r"/lib(?:64)?/python[0-9.]*/(?:site|dist)-packages$", p)
    if m:
        return p[: m.start()]
    for suffix in _PREFIX_SUFFIXES:
        if p.endswith(suffix):
            return p[: -len(suffix)] or "/"
    return p


def install_facts(paths: Iterable[str]) -> list[tuple[str, str]]:
    """``module:prefix`` (outermost prefixes), ``module:built-by`` and ``module:spack-hash`` from paths."""
    prefixes: set[str] = set()
    props: set[tuple[str, str]] = set()
    for raw in paths:
        if not raw.startswith("/"):
            continue
        for seg in raw.split("/"):
            m = _SPACK_PREFIX_SEGMENT.match(seg)
            if m:
                props.add(("module:built-by", "spack"))
                props.add(("module:spack-hash", m.group(1)))
        for marker, builder in _BUILDERS:
            if marker in raw + "/":
                props.add(("module:built-by", builder))
        if "/opt/spack/" in raw:
            props.add(("module:built-by", "spack"))
        prefix = _prefix_of(raw)
        if prefix not in _GENERIC_PREFIXES:
            prefixes.add(prefix)
    outer = sorted(prefixes)
    kept: list[str] = []
    for p in outer:  # sorted: an ancestor comes before its descendants
        if kept and (p == kept[-1] or p.startswith(kept[-1].rstrip("/") + "/")):
            continue
        kept.append(p)
    props.update(("module:prefix", p) for p in kept[:_MAX_PREFIXES])
    return sorted(props)


def _env_paths(facts: Facts) -> list[str]:
    out: list[str] = []
    for var, val in facts.env:
        if var in _PATHLIKE or (_ROOT_VAR.search(var) and var != "MODULEPATH_ROOT"):
            known = _known(val)
            if known:
                out.extend(p for p in known.split(":") if p)
    return out


def facts_properties(facts: Facts) -> tuple[str, list[tuple[str, str]]]:
    """The description and the properties of a module from what its file says."""
    description, props = describe(facts.whatis, facts.help)
    props.append(("module:format", facts.fmt))
    props.extend(("module:family", v) for v in facts.families if v)
    props.extend(("module:conflict", v) for v in facts.conflicts if v)
    props.extend(("module:property", f"{k}={v}") for k, v in facts.props)
    props.extend(("module:extension", e) for e in facts.extensions)
    props.extend(("module:adds-modulepath", _render(v)) for v, _ in facts.modulepaths)
    paths = _env_paths(facts)
    props.extend(install_facts(paths))
    if facts.spack_header:
        props.append(("module:built-by", "spack"))
    if facts.easybuild:
        props.append(("module:built-by", "easybuild"))
    for ref in facts.refs:
        if _known(ref.ref) is None:
            props.append(("module:unresolved-load", _render(ref.ref)))
    return description, props


# -- versions, names, references ------------------------------------------------------------------
_PRE_RELEASE = frozenset({"a", "alpha", "b", "beta", "c", "pre", "preview", "rc", "dev"})


def version_key(version: str) -> tuple[tuple[int, int, str], ...]:
    """A sort key close to Lmod's ``parseVersion``: numbers numerically, pre-release words low."""
    out: list[tuple[int, int, str]] = []
    for num, word in re.findall(r"(\d+)|([A-Za-z]+)", version):
        if num:
            out.append((2, int(num), ""))
        else:
            w = word.lower()
            out.append((0 if w in _PRE_RELEASE else 1, 0, w))
    out.append((1, -1, ""))
    return tuple(out)


def module_id(name: str, version: str) -> str:
    return component_id(Layer.SOFTWARE, KIND, name, version)


def _hidden(name: str, version: str) -> bool:
    return any(seg.startswith(".") for seg in name.split("/")) or version.startswith(".")


@dataclass(slots=True)
class _Known:
    """A module the tree holds, for resolving references to it."""

    name: str
    version: str
    id: str
    entry: str
    default: bool = False
    hidden: bool = False


def _best(cands: list[_Known]) -> _Known:
    """Lmod's choice among versions: the marked default, else the highest (hidden ones last)."""
    visible = [c for c in cands if not c.hidden] or cands
    marked = [c for c in visible if c.default]
    if marked:
        return marked[0]
    return max(visible, key=lambda c: (version_key(c.version), c.id))


class _Resolver:
    """References (``load("gcc")``, ``gcc/12``, ``gcc/12.3.0``) to the ids of modules in a tree."""

    def __init__(
        self,
        known: Iterable[_Known],
        top_entries: Iterable[str] = (),
        lineage: dict[str, list[str]] | None = None,
    ) -> None:
        self.by_name: dict[str, list[_Known]] = defaultdict(list)
        for k in known:
            self.by_name[k.name].append(k)
        self.top = frozenset(top_entries)
        self.lineage = lineage or {}

    def _visible(self, cands: list[_Known], entry: str) -> list[_Known]:
        """What Lmod would see from ``entry``: its own entry, then the entries above it in the
        hierarchy (nearest first), then the top entries, else anything of that name."""
        for e in (entry, *self.lineage.get(entry, ())):
            here = [c for c in cands if c.entry == e]
            if here:
                return here
        top = [c for c in cands if c.entry in self.top]
        return top or cands

    def resolve(self, ref: str, entry: str = "") -> str:
        ref = ref.strip().rstrip("/")
        if ref.endswith(".lua"):
            ref = ref[:-4]
        if ref in self.by_name:
            return _best(self._visible(self.by_name[ref], entry)).id
        parts = ref.split("/")
        for k in range(len(parts) - 1, 0, -1):
            name, ver = "/".join(parts[:k]), "/".join(parts[k:])
            cands = self.by_name.get(name)
            if not cands:
                continue
            exact = [c for c in cands if c.version == ver]
            if exact:
                return exact[0].id
            partial = [c for c in cands if c.version.startswith((ver + ".", ver + "-"))]
            if partial:
                return max(partial, key=lambda c: (version_key(c.version), c.id)).id
            return module_id(name, ver)
        name, _, ver = ref.rpartition("/")
        return module_id(name, ver) if name else module_id(ref, "")


def ref_edges(
    source_id: str, facts: Facts, resolver: _Resolver | None, entry: str, evidence_path: str, collector: str
) -> list[Edge]:
    """``depends-on`` edges for what a module loads."""
    edges = []
    for ref in facts.refs:
        name = _known(ref.ref)
        if not name or not name.strip():
            continue
        target = (resolver or _Resolver(())).resolve(name, entry)
        if target == source_id:
            continue
        props = [("module:via", ref.via)]
        if ref.any_of:
            props.append(("module:any-of", "true"))
        edges.append(
            Edge(
                source=source_id,
                target=target,
                relation=Relation.DEPENDS_ON,
                scopes=("optional", "run") if ref.optional else ("run",),
                properties=tuple(props),
                evidence=(Evidence(path=evidence_path, collector=collector, line=ref.line),),
            )
        )
    return edges


def hierarchy_edge(child: str, parent: str, evidence: Evidence) -> Edge:
    """A module in an entry that ``parent`` puts on MODULEPATH depends on ``parent``."""
    return Edge(
        source=child,
        target=parent,
        relation=Relation.DEPENDS_ON,
        scopes=("run",),
        properties=(("module:via", "modulepath"),),
        evidence=(evidence,),
    )


def merge_into(acc: dict[str, Component], comp: Component) -> None:
    """Add ``comp`` to ``acc``; a second description of one id adds its evidence and properties."""
    old = acc.get(comp.id)
    if old is None:
        acc[comp.id] = comp
        return
    acc[comp.id] = replace(
        old,
        description=old.description or comp.description,
        licenses=old.licenses or comp.licenses,
        properties=tuple(sorted(set(old.properties) | set(comp.properties))),
        evidence=tuple(sorted(set(old.evidence) | set(comp.evidence))),
    )


def merge_edges(edges: Iterable[Edge]) -> list[Edge]:
    acc: dict[tuple[str, str, str], Edge] = {}
    for e in edges:
        old = acc.get(e.key)
        if old is None:
            acc[e.key] = e
        else:
            acc[e.key] = replace(
                old,
                scopes=tuple(sorted(set(old.scopes) & set(e.scopes) or set(old.scopes) | set(e.scopes))),
                properties=tuple(sorted(set(old.properties) | set(e.properties))),
                evidence=tuple(sorted(set(old.evidence) | set(e.evidence))),
            )
    return list(acc.values())


def module_component(
    name: str, version: str, description: str, props: Iterable[tuple[str, str]], evidence: Evidence
) -> Component:
    return Component(
        id=module_id(name, version),
        layer=Layer.SOFTWARE,
        kind=KIND,
        name=name,
        version=version,
        description=description,
        properties=tuple(sorted(set(props))),
        evidence=(evidence,),
    )


# -- the folder rule ------------------------------------------------------------------------------
def _listing(path: TreePath, cap: int) -> list[TreePath]:
    try:
        kids = []
        for k in path.iterdir():
            kids.append(k)
            if len(kids) >= cap:
                break
        return kids
    except InputError:
        return []


def _file_verdict(path: TreePath) -> str:
    """'module', 'easybuild' or '' for one file, from its name and head."""
    name = path.name
    if _ignored(name) or name in _RC_NAMES or name == "default" or not path.is_file():
        return ""
    head = path.read_head(HEAD_BYTES)
    if name.endswith(".lua"):
        if _CACHE_NAME.match(name) or _CACHE_HEAD.match(head) or not _LMOD_MARKER.search(head):
            return ""
    elif not head.startswith(b"#%Module"):
        return ""
    if len(head) == HEAD_BYTES:
        head = path.read_head(EB_SNIFF_BYTES)
    return "easybuild" if _EB_MARKER.search(head) else "module"


class _Probe:
    """A bounded look for modulefiles one or two levels down: ``found`` counts those not from EasyBuild."""

    def __init__(self) -> None:
        self.reads = 0
        self.found = 0
        self.easybuild = 0

    def done(self) -> bool:
        return self.reads >= _PROBE_READS or (self.found > 0 and self.reads >= 4)

    def files_in(self, folder: TreePath) -> None:
        for f in _listing(folder, _PROBE_ENTRIES):
            if self.done():
                return
            if f.name.startswith(".") and f.name in _RC_NAMES:
                continue
            if not (f.name.endswith(".lua") or "." not in f.name or f.name[:1].isdigit()):
                continue
            if f.is_link() and f.escapes():
                continue
            if f.is_dir():
                continue
            self.reads += 1
            verdict = _file_verdict(f)
            if verdict == "easybuild":
                self.easybuild += 1
            elif verdict == "module":
                self.found += 1

    def child_folders(self, folder: TreePath) -> None:
        dirs = 0
        for d in _listing(folder, 4 * _PROBE_ENTRIES):
            if dirs >= _PROBE_DIRS or self.done():
                return
            name = d.name
            if name in _VCS or name.startswith(".") or _FILE_LIKE.search(name) or d.is_link() or not d.is_dir():
                continue
            dirs += 1
            self.files_in(d)


def tree_mode(path: TreePath) -> str:
    """'hierarchy', 'flat' or '' (not a module tree): the folder rule of this module."""
    if not path.is_dir():
        return ""
    core = path / "Core"
    if core.is_dir() and not core.is_link():
        probe = _Probe()
        probe.files_in(core)
        probe.child_folders(core)
        if probe.found:
            return "hierarchy"
        if probe.easybuild:
            return ""
    probe = _Probe()
    probe.child_folders(path)
    return "flat" if probe.found else ""


# -- reading a tree -------------------------------------------------------------------------------
@dataclass(slots=True)
class _File:
    path: TreePath
    parts: tuple[str, ...]
    fmt: str
    entry: tuple[str, ...] = ()
    name: str = ""
    version: str = ""
    facts: Facts | None = None

    @property
    def id(self) -> str:
        return module_id(self.name, self.version)


def _version_fits(segment: str, version: str) -> bool:
    """Whether a path segment names this version (``6.1`` for 6.1.0, ``2.1.1-mhfgkgh`` for 2.1.1)."""
    return (
        segment == version
        or version.startswith((segment + ".", segment + "-"))
        or segment.startswith((version + "-", version + "_"))
    )


def _names_in_path(parts: tuple[str, ...], name: str, version: str) -> bool:
    """Whether ``name`` (its last segment) followed by its version occurs in ``parts``."""
    last = name.rsplit("/", 1)[-1].lower()
    for i, seg in enumerate(parts):
        if seg.lower() == last and (not version or (i + 1 < len(parts) and _version_fits(parts[i + 1], version))):
            return True
    return False


def _closest(entry: tuple[str, ...], found: list[tuple[_File, int, bool]]) -> list[tuple[_File, int, bool]]:
    """Of several modules that may have added ``entry``, those whose own entry shares most of its
    path (openmpi 4.1.6 from ``Compiler/gcc/13.2.0`` for ``MPI/gcc/13.2.0/openmpi/4.1``), deepest first."""
    segs = set(entry)

    def score(m: tuple[_File, int, bool]) -> tuple[int, int]:
        return len(segs & set(m[0].entry)), len(m[0].entry)

    best = max(score(m) for m in found)
    return [m for m in found if score(m) == best]


@dataclass(frozen=True, slots=True)
class _Pattern:
    """What a MODULEPATH value may name: an entry's path in the tree must be one of its tails that
    start after a '/' (the tree's own location is unknown). Unknown parts match anything."""

    text: str  # the value with NUL for each unknown part
    last: str  # its last segment when that is fully known, else ""

    @property
    def literal(self) -> bool:
        return "\x00" not in self.text

    def matches(self, entry: str) -> bool:
        if self.literal:
            return self.text == entry or self.text.endswith("/" + entry)
        return _tails_regex(self.text).fullmatch(entry) is not None


@functools.lru_cache(maxsize=4096)
def _tails_regex(text: str) -> re.Pattern[str]:
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "/"]
    tails = []
    for st in starts:
        sub = text[st:]
        if re.search(r"[A-Za-z0-9]", sub.replace("\x00", "")):
            tails.append(".+".join(re.escape(x) for x in sub.split("\x00")))
    return re.compile("|".join(f"(?:{t})" for t in tails) if tails else r"(?!)")


def _pattern(val: Val) -> _Pattern | None:
    s = "".join("\x00" if p is None else p for p in val)
    s = re.sub(r"/{2,}", "/", s).rstrip("/")
    if not re.search(r"[A-Za-z0-9]", s.replace("\x00", "")):
        return None
    last = s.rsplit("/", 1)[-1]
    return _Pattern(s, "" if "\x00" in last else last)


class _TreeReader:
    def __init__(self, root: TreePath, collector: str, mode: str) -> None:
        self.root = root
        self.collector = collector
        self.hierarchy = mode == "hierarchy"
        self.files: list[_File] = []
        self.caches: list[TreePath] = []
        self.rc: dict[tuple[str, ...], dict[str, TreePath]] = defaultdict(dict)
        self.records: list[InputRecord] = []

    def record(self, path: TreePath | str, status: InputStatus, reason: str = "", components: int = 0) -> None:
        p = path if isinstance(path, str) else path.display()
        self.records.append(
            InputRecord(path=p, status=status, collector=self.collector, reason=reason, components=components)
        )

    # - 1. the files -
    def walk(self) -> None:
        limits = self.root.limits
        stack: list[tuple[TreePath, tuple[str, ...]]] = [(self.root, ())]
        count = 0
        while stack:
            folder, parts = stack.pop()
            try:
                kids = list(folder.iterdir())
            except InputError as err:
                self.record(err.path, InputStatus.FAILED, err.reason)
                continue
            for k in kids:
                nm = k.name
                if nm in _VCS or _ignored(nm):
                    continue
                if k.is_link():
                    if k.escapes():
                        self.record(k, InputStatus.SKIPPED, "link leaves the scanned tree; not followed")
                        continue
                    if nm == "default":
                        self.rc[parts]["default"] = k
                        continue
                    if k.is_dir():
                        continue  # its target is inside the tree and read there; following could loop
                if k.is_dir():
                    if len(parts) + 1 >= limits.max_depth:
                        self.record(k, InputStatus.SKIPPED, f"nested deeper than {limits.max_depth} folders")
                        continue
                    stack.append((k, (*parts, nm)))
                    continue
                if not k.is_file():
                    continue
                count += 1
                if count > limits.max_files:
                    if count == limits.max_files + 1:
                        self.record(k, InputStatus.SKIPPED, f"over {limits.max_files:,} files; the rest skipped")
                    continue
                if nm in _RC_NAMES:
                    self.rc[parts][nm] = k
                elif nm.endswith(".lua"):
                    if _CACHE_NAME.match(nm) or _CACHE_HEAD.match(k.read_head(512)):
                        self.caches.append(k)
                    else:
                        self.files.append(_File(k, (*parts, nm), "lua"))
                elif k.read_head(20).startswith(b"#%Module"):
                    self.files.append(_File(k, (*parts, nm), "tcl"))
        self.files.sort(key=lambda f: f.parts)

    # - 2. entries and names -
    def name_files(self) -> None:
        with_modules: set[tuple[str, ...]] = set()
        for f in self.files:
            p = f.parts[:-1]
            while p not in with_modules:
                with_modules.add(p)
                if not p:
                    break
                p = p[:-1]
        self.holds_module_dirs = {d[:-1] for d in with_modules if d}
        entries: set[tuple[str, ...]] = {("Core",)} if self.hierarchy else {()}
        if self.hierarchy:
            for f in self.files:
                d = f.parts[:-1]
                if d[:1] == ("Core",):
                    continue
                entries.add(d if (not d or d in self.holds_module_dirs) else d[:-1])
        kept = []
        for f in self.files:
            e = f.parts[:-1]
            while e not in entries:
                e = e[:-1]
            if self.hierarchy and any(seg.startswith(".") for seg in e):
                self.record(f.path, InputStatus.SKIPPED, "in a hidden folder that is not a MODULEPATH entry")
                continue
            f.entry = e
            rel = f.parts[len(e) :]
            dirs, stem = rel[:-1], rel[-1][:-4] if rel[-1].endswith(".lua") else rel[-1]
            if not dirs:
                f.name, f.version = stem, ""
            elif (*e, *dirs) in self.holds_module_dirs:
                f.name, f.version = "/".join((*dirs, stem)), ""
            else:
                f.name, f.version = "/".join(dirs), stem
            kept.append(f)
        self.files = kept
        self.entries = sorted({f.entry for f in kept})

    # - 3. defaults -
    def defaults(self) -> set[tuple[tuple[str, ...], str, str]]:
        """(entry, name, version) of every version marked default."""
        by_dir: dict[tuple[str, ...], list[_File]] = defaultdict(list)
        for f in self.files:
            by_dir[f.parts[:-1]].append(f)
        marked: set[tuple[tuple[str, ...], str, str]] = set()
        for d in sorted(self.rc):
            files = by_dir.get(d, [])
            entry = files[0].entry if files else self._entry_of(d)
            if entry is None:
                continue
            sn = "/".join(d[len(entry) :])
            value = self._default_value(self.rc[d], files, sn)
            if value is None:
                continue
            name, version = value
            marked.add((entry, name, version))
        return marked

    def _entry_of(self, d: tuple[str, ...]) -> tuple[str, ...] | None:
        best = None
        for e in self.entries:
            if d[: len(e)] == e and (best is None or len(e) > len(best)):
                best = e
        return best

    def _default_value(self, rc: dict[str, TreePath], files: list[_File], sn: str) -> tuple[str, str] | None:
        link = rc.get("default")
        if link is not None and files and link.is_file():
            try:
                target = link.read_bytes(MAX_MODULEFILE_BYTES)
                same = [f for f in files if f.path.size() == len(target) and f.path.read_bytes() == target]
            except InputError as err:
                self.record(err.path, InputStatus.FAILED, err.reason)
                same = []
            if len(same) == 1:
                return same[0].name, same[0].version
        for rc_name in _RC_NAMES:
            p = rc.get(rc_name)
            if p is None:
                continue
            try:
                text = p.read_text(MAX_MODULEFILE_BYTES)
                if rc_name.endswith(".lua"):
                    facts = read_lua(text, p.display(), sn, "")
                else:
                    facts = read_tcl(text, p.display(), sn, "")
            except InputError as err:
                self.record(err.path, InputStatus.FAILED, err.reason)
                continue
            except RecursionError:
                self.record(p, InputStatus.FAILED, "nested too deeply to read")
                continue
            if rc_name == ".version":
                v = facts.tcl_vars.get("ModulesVersion")
                if v is not None and _known(v):
                    return sn, str(_known(v))
                continue
            for mod, symbols in facts.versions:
                if "default" not in symbols:
                    continue
                if mod.startswith("/"):
                    return sn, mod[1:]
                if sn and mod.startswith(sn + "/"):
                    return sn, mod[len(sn) + 1 :]
                if "/" in mod:
                    name, _, version = mod.rpartition("/")
                    return name, version
                if sn:
                    return sn, mod
        return None

    # - 4. read every modulefile -
    def read_files(self) -> None:
        kept = []
        for f in self.files:
            try:
                text = f.path.read_text(MAX_MODULEFILE_BYTES)
                reader = read_lua if f.fmt == "lua" else read_tcl
                f.facts = reader(text, f.path.display(), f.name, f.version)
            except InputError as err:
                self.record(err.path, InputStatus.FAILED, err.reason)
                continue
            except RecursionError:
                self.record(f.path, InputStatus.FAILED, "nested too deeply to read")
                continue
            self.record(f.path, InputStatus.READ, components=1)
            kept.append(f)
        self.files = kept

    # - 5. the hierarchy -
    def parents(self) -> dict[tuple[str, ...], list[tuple[_File, int]]]:
        """For each entry another module puts on MODULEPATH: those modules and the line they do it on."""
        entry_str = {e: "/".join(e) for e in self.entries}
        by_last: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for e in self.entries:
            if e:
                by_last[e[-1]].append(e)
        matches: dict[tuple[str, ...], list[tuple[_File, int, bool]]] = defaultdict(list)
        adders: list[_File] = []
        for f in self.files:
            assert f.facts is not None
            if not f.facts.modulepaths:
                continue
            adders.append(f)
            for val, line in f.facts.modulepaths:
                pat = _pattern(val)
                if pat is None:
                    continue
                cands = by_last.get(pat.last, []) if pat.last else [e for e in self.entries if e]
                for e in cands:
                    if e != f.entry and pat.matches(entry_str[e]):
                        matches[e].append((f, line, pat.literal))
        result: dict[tuple[str, ...], list[tuple[_File, int]]] = {}
        for e, found in matches.items():
            if len({f.id for f, _, _ in found}) > 1:
                fitting = [m for m in found if _names_in_path(e, m[0].name, m[0].version)]
                if fitting:
                    found = _closest(e, fitting)
                elif not all(lit for _, _, lit in found):
                    continue  # several computed paths fit and nothing tells them apart
            result[e] = [(f, line) for f, line, _ in found]
        # Entries no pattern reached: the convention <name>/<version> in the entry's path.
        by_name: dict[str, list[_File]] = defaultdict(list)
        for f in adders:
            by_name[f.name.rsplit("/", 1)[-1].lower()].append(f)
        for e in self.entries:
            if not e or e in result or e == ("Core",):
                continue
            adders_here = {
                id(f): f
                for seg in e
                for f in by_name.get(seg.lower(), [])
                if f.entry != e and _names_in_path(e, f.name, f.version)
            }
            if not adders_here:
                continue
            chosen = _closest(
                e, [(f, f.facts.modulepaths[0][1] if f.facts else 0, False) for f in adders_here.values()]
            )
            result[e] = [(f, line) for f, line, _ in chosen]
        return result

    # - all together -
    def read(self) -> Inventory:
        self.walk()
        self.name_files()
        marked = self.defaults()
        self.read_files()
        parents = self.parents()
        top = ["/".join(e) for e in self.entries if e not in parents]
        lineage: dict[str, list[str]] = {}
        for e in self.entries:
            chain: list[str] = []
            frontier = [e]
            seen = {e}
            while frontier and len(chain) < 64:
                nxt = []
                for x in frontier:
                    for parent, _ in parents.get(x, []):
                        if parent.entry not in seen:
                            seen.add(parent.entry)
                            chain.append("/".join(parent.entry))
                            nxt.append(parent.entry)
                frontier = nxt
            lineage["/".join(e)] = chain
        known = [
            _Known(
                f.name,
                f.version,
                f.id,
                "/".join(f.entry),
                (f.entry, f.name, f.version) in marked,
                _hidden(f.name, f.version),
            )
            for f in self.files
        ]
        resolver = _Resolver(known, top, lineage)
        comps: dict[str, Component] = {}
        edges: list[Edge] = []
        for f, k in zip(self.files, known, strict=True):
            assert f.facts is not None
            description, props = facts_properties(f.facts)
            props.append(("module:modulepath", k.entry or "."))
            if k.default:
                props.append(("module:default", "true"))
            if k.hidden:
                props.append(("module:hidden", "true"))
            evidence = Evidence(path=f.path.display(), collector=self.collector)
            merge_into(comps, module_component(f.name, f.version, description, props, evidence))
            edges.extend(ref_edges(f.id, f.facts, resolver, k.entry, f.path.display(), self.collector))
            for parent, line in parents.get(f.entry, []):
                if parent.id != f.id:
                    ev = Evidence(path=parent.path.display(), collector=self.collector, line=line)
                    edges.append(hierarchy_edge(f.id, parent.id, ev))
        for cache in self.caches:
            try:
                inv = read_spider_cache(cache, self.collector)
            except InputError as err:
                self.record(err.path, InputStatus.FAILED, err.reason)
                continue
            except RecursionError:
                self.record(cache, InputStatus.FAILED, "nested too deeply to read")
                continue
            for c in inv.components:
                merge_into(comps, c)
            edges.extend(inv.edges)
            self.record(cache, InputStatus.READ, components=len(inv.components))
        if not self.records:
            self.record(self.root, InputStatus.READ)
        return Inventory(
            components=tuple(comps[k] for k in sorted(comps)),
            edges=tuple(sorted(merge_edges(edges), key=lambda e: e.key)),
            inputs=tuple(self.records),
        )


# -- Lmod's spider cache and spider JSON ----------------------------------------------------------
def _s(x: object) -> str:
    return x if isinstance(x, str) else ""


def _strings(x: object) -> list[str]:
    if isinstance(x, LuaTable):
        return [v for v in x.array() if isinstance(v, str)]
    if isinstance(x, list):
        return [v for v in x if isinstance(v, str)]
    if isinstance(x, str):
        return [x]
    return []


def _keys(x: object) -> list[str]:
    if isinstance(x, LuaTable):
        return [k for k in x.fields if isinstance(k, str)]
    if isinstance(x, dict):
        return [k for k in x if isinstance(k, str)]
    if isinstance(x, list):
        return [v for v in x if isinstance(v, str)]
    return []


def _get(x: object, key: str) -> object:
    if isinstance(x, LuaTable):
        return x.get(key)
    if isinstance(x, dict):
        return x.get(key)
    return None


def _split_full(full: str, sn: str, version_field: object) -> tuple[str, str]:
    if sn and full.startswith(sn + "/"):
        return sn, full[len(sn) + 1 :]
    if sn and full == sn:
        return sn, ""
    if sn:
        return sn, _s(version_field)
    name, _, version = full.rpartition("/")
    return (name, version) if name else (full, "")


class _CacheBuilder:
    """Components and hierarchy edges from the records of a spider cache or spider JSON."""

    def __init__(self, source: str, collector: str) -> None:
        self.source = source
        self.collector = collector
        self.comps: dict[str, Component] = {}
        self.edges: list[Edge] = []
        self.by_mpath_full: dict[tuple[str, str], str] = {}
        self.by_full: dict[str, str] = {}
        self.in_mpath: dict[str, set[str]] = defaultdict(set)
        #: (child id, parent full name, parent mpath or "", evidence)
        self.pending: list[tuple[str, str, str, Evidence]] = []

    def evidence(self, line: int = 0, pointer: str = "") -> Evidence:
        return Evidence(path=self.source, collector=self.collector, line=line, pointer=pointer)

    def module(self, sn: str, full: str, entry: object, mpath: str, fn: str, default: bool, evidence: Evidence) -> str:
        name, version = _split_full(full, sn, _get(entry, "Version"))
        description = _s(_get(entry, "Description")) or _s(_get(entry, "description"))
        desc2, props = describe(_strings(_get(entry, "whatis")), _strings(_get(entry, "help")))
        description = _one_line(description) or desc2
        paths = _keys(_get(entry, "pathA")) + _keys(_get(entry, "lpathA"))
        props.extend(install_facts(paths))
        if mpath:
            props.append(("module:modulepath", mpath))
        if fn:
            props.append(("module:file", fn))
            props.append(("module:format", "lua" if fn.endswith(".lua") else "tcl"))
        wv = _get(entry, "wV")
        if default or _get(entry, "markedDefault") is True or (isinstance(wv, str) and wv.startswith("^")):
            props.append(("module:default", "true"))
        if _get(entry, "hidden") is True or _hidden(name, version):
            props.append(("module:hidden", "true"))
        family = _get(entry, "family")
        if isinstance(family, str) and family:
            props.append(("module:family", family))
        for key in ("Category", "category"):
            if _s(_get(entry, key)):
                props.append(("module:category", _s(_get(entry, key))))
        if _s(_get(entry, "URL")):
            props.append(("module:homepage", _s(_get(entry, "URL"))))
        prop_t = _get(entry, "propT")
        for k in _keys(prop_t):
            for v in _keys(_get(prop_t, k)):
                props.append(("module:property", f"{k}={v}"))
        comp = module_component(name, version, description, props, evidence)
        merge_into(self.comps, comp)
        self.by_mpath_full.setdefault((mpath, full), comp.id)
        self.by_full.setdefault(full, comp.id)
        if mpath:
            self.in_mpath[mpath].add(comp.id)
        return comp.id

    def parent(self, child: str, parent_full: str, parent_mpath: str, evidence: Evidence) -> None:
        self.pending.append((child, parent_full, parent_mpath, evidence))

    def resolve(self, full: str, mpath: str = "") -> str:
        found = self.by_mpath_full.get((mpath, full)) or self.by_full.get(full)
        if found:
            return found
        name, version = _split_full(full, "", None)
        return module_id(name, version)

    def hierarchy_edge(self, child: str, parent: str, evidence: Evidence) -> None:
        if child != parent:
            self.edges.append(hierarchy_edge(child, parent, evidence))

    def inventory(self) -> Inventory:
        for child, parent_full, parent_mpath, ev in self.pending:
            self.hierarchy_edge(child, self.resolve(parent_full, parent_mpath), ev)
        return Inventory(
            components=tuple(self.comps[k] for k in sorted(self.comps)),
            edges=tuple(sorted(merge_edges(self.edges), key=lambda e: e.key)),
        )


def _from_spider_t(b: _CacheBuilder, spider: LuaTable, mpath_map: object) -> None:
    for mpath, pkgs in spider.items():
        if not isinstance(mpath, str) or not isinstance(pkgs, LuaTable):
            continue  # ``version = 5``
        stack: list[tuple[str, LuaTable]] = [(sn, t) for sn, t in pkgs.items() if isinstance(sn, str)
                                             and isinstance(t, LuaTable)]  # fmt: skip
        while stack:
            sn, node = stack.pop()
            default_t = node.get("defaultT")
            default_value = _s(_get(default_t, "value"))
            file_t = node.get("fileT")
            if isinstance(file_t, LuaTable):
                for full, entry in file_t.items():
                    if not isinstance(full, str) or not isinstance(entry, LuaTable):
                        continue
                    _, version = _split_full(full, sn, entry.get("Version"))
                    b.module(
                        sn,
                        full,
                        entry,
                        _s(entry.get("mpath")) or mpath,
                        _s(entry.get("fn")),
                        bool(default_value) and version == default_value,
                        b.evidence(line=file_t.lines.get(full, 0)),
                    )
            dir_t = node.get("dirT")
            if isinstance(dir_t, LuaTable):
                stack.extend((k, v) for k, v in dir_t.items() if isinstance(k, str) and isinstance(v, LuaTable))
    if isinstance(mpath_map, LuaTable):
        for child_mpath, parents in mpath_map.items():
            if not isinstance(child_mpath, str) or not isinstance(parents, LuaTable):
                continue
            for parent_full, parent_mpath in parents.items():
                if not isinstance(parent_full, str):
                    continue
                ev = b.evidence(line=parents.lines.get(parent_full, 0))
                for child in sorted(b.in_mpath.get(child_mpath, ())):
                    b.parent(child, parent_full, _s(parent_mpath), ev)


def _from_module_t(b: _CacheBuilder, module_t: LuaTable) -> None:
    """Lmod 5/6 ``moduleT.lua``: ``moduleT[mpath][fn] = {full, name, ..., children = {[mpath] = ...}}``."""
    stack: list[tuple[LuaTable, str]] = [(module_t, "")]
    while stack:
        table, parent = stack.pop()
        for mpath, files in table.items():
            if not isinstance(mpath, str) or not isinstance(files, LuaTable):
                continue
            for fn, entry in files.items():
                if not isinstance(fn, str) or not isinstance(entry, LuaTable):
                    continue
                full = _s(entry.get("full")) or _s(entry.get("fullName"))
                if not full:
                    continue
                cid = b.module(
                    _s(entry.get("name")) or _s(entry.get("short")),
                    full,
                    entry,
                    mpath,
                    _s(entry.get("path")) or fn,
                    False,
                    b.evidence(line=files.lines.get(fn, 0)),
                )
                if parent:
                    b.hierarchy_edge(cid, parent, b.evidence(line=files.lines.get(fn, 0)))
                children = entry.get("children")
                if isinstance(children, LuaTable):
                    stack.append((children, cid))


def _from_db_t(b: _CacheBuilder, db_t: LuaTable) -> None:
    """``dbT.lua``: ``dbT[sn][fn] = {full, name, path, parent = {"default:gcc/4.9.2", ...}, ...}``."""
    for sn, files in db_t.items():
        if not isinstance(sn, str) or not isinstance(files, LuaTable):
            continue
        for fn, entry in files.items():
            if not isinstance(fn, str) or not isinstance(entry, LuaTable):
                continue
            full = _s(entry.get("full")) or _s(entry.get("fullName"))
            if not full:
                continue
            ev = b.evidence(line=files.lines.get(fn, 0))
            cid = b.module(sn, full, entry, "", _s(entry.get("path")) or fn, False, ev)
            for chain in _strings(entry.get("parent")):
                last = chain.split(":")[-1]
                if last and last != "default":
                    b.parent(cid, last, "", ev)


def read_spider_cache(path: TreePath, collector: str) -> Inventory:
    """An Lmod cache file (``spiderT``/``moduleT``/``dbT``), read as data: never run."""
    source = path.display()
    try:
        data = read_assignments(path.read_text(), source)
    except RecursionError as err:
        raise InputError(source, "nested too deeply to read") from err
    b = _CacheBuilder(source, collector)
    spider = data.get("spiderT", (None, 0))[0]
    module_t = data.get("moduleT", (None, 0))[0]
    db_t = data.get("dbT", (None, 0))[0]
    if isinstance(spider, LuaTable):
        _from_spider_t(b, spider, data.get("mpathMapT", (None, 0))[0])
    elif isinstance(module_t, LuaTable):
        _from_module_t(b, module_t)
    elif isinstance(db_t, LuaTable):
        _from_db_t(b, db_t)
    else:
        raise InputError(source, "no spiderT, moduleT or dbT table; is this an Lmod spider cache?")
    return b.inventory()


def _ptr(*tokens: str) -> str:
    return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)


def read_spider_json(path: TreePath, collector: str) -> Inventory:
    """What ``spider -o spider-json`` or ``spider -o jsonSoftwarePage`` printed."""
    source = path.display()
    try:
        doc = json.loads(path.read_bytes())
    except RecursionError as err:
        raise InputError(source, "nested too deeply to read") from err
    except (ValueError, UnicodeDecodeError) as err:
        raise InputError(source, f"is not valid JSON: {err}") from err
    b = _CacheBuilder(source, collector)
    if isinstance(doc, dict):
        for sn, files in doc.items():
            if not isinstance(files, dict):
                raise InputError(source, f"{_ptr(sn)}: expected an object of modulefiles; is this spider-json?")
            for fn, entry in files.items():
                if not isinstance(entry, dict):
                    raise InputError(source, f"{_ptr(sn, fn)}: expected an object")
                full = _s(entry.get("fullName"))
                if not full:
                    raise InputError(source, f"{_ptr(sn, fn)}: no 'fullName'; is this spider-json?")
                ev = b.evidence(pointer=_ptr(sn, fn))
                cid = b.module(sn, full, entry, _s(entry.get("mpath")), fn, False, ev)
                parents = entry.get("parentAA")
                if isinstance(parents, list):
                    for chain in parents:
                        if isinstance(chain, list) and chain and isinstance(chain[-1], str):
                            b.parent(cid, chain[-1], "", ev)
    elif isinstance(doc, list):
        for i, pkg in enumerate(doc):
            if not isinstance(pkg, dict) or not isinstance(pkg.get("versions"), list):
                raise InputError(source, f"/{i}: expected a package with 'versions'; is this jsonSoftwarePage?")
            sn = _s(pkg.get("package"))
            for j, ver in enumerate(pkg["versions"]):
                if not isinstance(ver, dict):
                    raise InputError(source, f"/{i}/versions/{j}: expected an object")
                full = _s(ver.get("full")) or (f"{sn}/{_s(ver.get('versionName'))}".rstrip("/"))
                entry = dict(ver)
                entry.setdefault("Description", _s(ver.get("description")) or _s(pkg.get("description")))
                if _s(pkg.get("url")):
                    entry.setdefault("URL", pkg["url"])
                b.module(sn, full, entry, "", _s(ver.get("path")), False, b.evidence(pointer=f"/{i}/versions/{j}"))
    else:
        raise InputError(source, "expected a JSON object (spider-json) or array (jsonSoftwarePage)")
    return b.inventory()


# -- the collectors -------------------------------------------------------------------------------
def _name_from_file(path: TreePath) -> tuple[str, str]:
    """A lone modulefile's name: ``<folder>/<file>`` when the file name looks like a version."""
    stem = path.name[:-4] if path.name.endswith(".lua") else path.name
    folder = path.parent.name
    if folder and folder not in ("Core", "modulefiles", "modules") and re.match(r"^\.?v?\d", stem):
        return folder, stem
    return stem, ""


class ModuleTreeCollector(Collector):
    name = "module-tree"
    description = "a folder of Lmod / Environment Modules modulefiles: a MODULEPATH entry or a hierarchy with Core/"
    claims_directories = True
    claims_files = False

    def detect(self, path: TreePath) -> bool:
        return bool(tree_mode(path))

    def collect(self, path: TreePath) -> Inventory:
        mode = tree_mode(path) or "flat"
        return _TreeReader(path, self.name, mode).read()


class ModulefileCollector(Collector):
    name = "modulefile"
    description = "one Lmod (.lua) or Environment Modules (#%Module) modulefile not generated by EasyBuild"

    def detect(self, path: TreePath) -> bool:
        if path.name in _RC_NAMES or path.name == "default" or _ignored(path.name):
            return False
        head = path.read_head(HEAD_BYTES)
        if path.name.endswith(".lua"):
            if _CACHE_NAME.match(path.name) or _CACHE_HEAD.match(head) or not _LMOD_SPECIFIC.search(head):
                return False
        elif not head.startswith(b"#%Module"):
            return False
        # Only a modulefile is searched for EasyBuild's marks (up to 256 KiB: every other file
        # of a walked tree would pay for that read and search).
        sniff = path.read_head(EB_SNIFF_BYTES) if len(head) == HEAD_BYTES else head
        return not _EB_MARKER.search(sniff)  # EasyBuild's collector reads those

    def collect(self, path: TreePath) -> Inventory:
        name, version = _name_from_file(path)
        source = path.display()
        text = path.read_text(MAX_MODULEFILE_BYTES)
        try:
            facts = (
                read_lua(text, source, name, version)
                if path.name.endswith(".lua")
                else read_tcl(text, source, name, version)
            )
        except RecursionError as err:
            raise InputError(source, "nested too deeply to read") from err
        description, props = facts_properties(facts)
        if _hidden(name, version):
            props.append(("module:hidden", "true"))
        comp = module_component(name, version, description, props, Evidence(path=source, collector=self.name))
        edges = ref_edges(comp.id, facts, None, "", source, self.name)
        return Inventory(components=(comp,), edges=tuple(sorted(merge_edges(edges), key=lambda e: e.key)))


class LmodSpiderCollector(Collector):
    name = "lmod-spider"
    description = "Lmod's spider cache (spiderT.lua, moduleT.lua, dbT.lua) or spider-json / jsonSoftwarePage output"

    def detect(self, path: TreePath) -> bool:
        name = path.name
        if name.endswith(".lua"):
            head = path.read_head(HEAD_BYTES)
            if _CACHE_HEAD.match(head) is None:
                return False
            return _CACHE_NAME.match(name) is not None or re.search(rb"\b(?:spiderT|moduleT|dbT)\s*=", head) is not None
        if name.endswith(".json"):
            head = path.read_head(4 * HEAD_BYTES).lstrip()
            if head.startswith(b"{"):
                return b'"fullName"' in head and (b'"pV"' in head or b'"wV"' in head or b'"mpath"' in head)
            if head.startswith(b"["):
                return (
                    b'"package"' in head
                    and b'"versions"' in head
                    and (b'"versionName"' in head or b'"defaultVersionName"' in head or b'"markedDefault"' in head)
                )
        return False

    def collect(self, path: TreePath) -> Inventory:
        if path.name.endswith(".json"):
            return read_spider_json(path, self.name)
        return read_spider_cache(path, self.name)
