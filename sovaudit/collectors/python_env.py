"""Installed Python distributions: a venv, a prefix's site-packages, or any folder of ``*.dist-info``.

What is read, per distribution, and nothing else (nothing is imported or run):

* ``*.dist-info/METADATA`` (core metadata 1.0-2.4) or ``*.egg-info/PKG-INFO`` (+ ``requires.txt``),
  or an ``*.egg-info`` file: name, version, summary, author, licence, URLs, ``Requires-Dist``;
* ``INSTALLER``, ``REQUESTED`` and ``direct_url.json`` (PEP 610; credentials stripped);
* ``RECORD``, searched (not parsed) for a ``*.dist-info/METADATA`` below one of the
  distribution's own folders: a distribution vendored inside it (``bleach/_vendor/html5lib-1.1``).
  Each is read as a component of its own, with ``python:vendored-in`` and a ``contains`` edge
  from the distribution that ships it; its ``Requires-Dist`` are not followed (a vendored copy is
  not importable by its own name, and what it needs is its vendor's to provide).

Edges come from ``Requires-Dist``, resolved to the installed distribution of that name. The
policy, for an environment whose Python version and platform are only partly known:

* an environment marker is evaluated three-valued against what is known of the environment (the
  Python version from ``pyvenv.cfg`` or the ``pythonX.Y`` folder, the implementation from
  ``pyvenv.cfg`` or a ``pypyX.Y`` folder, the platform from a Windows ``Lib/site-packages``
  layout; never this process's own interpreter). False drops the edge; true keeps it, and a
  required distribution that is not installed becomes an edge to ``pkg:pypi/<name>``, an
  unresolved placeholder: that is a finding, not noise;
* a marker that cannot be decided (it depends on the platform, say) keeps the edge only when the
  target is installed;
* ``extra == "x"`` counts only when a dependent (an installed distribution whose own edge is
  active) requests ``x``; such edges get scope ``optional`` and property ``python:extra``. An
  extra nobody requests drops the edge: nobody asked for it, and placeholders for every optional
  dependency of every package would bury the real gaps.

One broken distribution (no METADATA, no Name or Version, binary, too big, a link out of the
tree) is a failed input record; the rest of the folder is read.
"""

from __future__ import annotations

import functools
import json
import operator
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, NamedTuple

from sovaudit import licenses
from sovaudit.collectors import pypi
from sovaudit.collectors.interface import Collector
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Component, Edge, Evidence, InputRecord, InputStatus, Inventory, Relation

if TYPE_CHECKING:  # packaging is imported only for what the fast paths below do not settle
    from packaging.markers import Marker

NAME = "python-environment"
_DIST_SUFFIXES = (".dist-info", ".egg-info")
#: A folder holding these is a project checkout; its ``*.egg-info`` is a build by-product.
_PROJECT_FILES = frozenset({"pyproject.toml", "setup.py", "setup.cfg"})
_SITE_FOLDERS = frozenset({"site-packages", "dist-packages"})
_PROJECT_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")
_PYTHON_FOLDER = re.compile(r"(python|pypy)(\d+\.\d+)t?")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_MARKER_TOKEN = re.compile(r"'[^']*'|\"[^\"]*\"|[()]|===|==|!=|<=|>=|~=|<|>|[A-Za-z_][A-Za-z0-9_.]*")
_MARKER_OPERATORS = frozenset({"===", "==", "!=", "<=", ">=", "~=", "<", ">", "in", "not in"})
_EXTRA_ONLY = re.compile(r"extra\s*==\s*(['\"])([^'\"]+)\1")
_SPECIFIER = r"(?:~=|===|==|!=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+"
_SIMPLE_REQUIREMENT = re.compile(
    r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*"  # name
    r"(?:\[([A-Za-z0-9._,\s-]*)\])?\s*"  # extras
    rf"(\(\s*{_SPECIFIER}(?:\s*,\s*{_SPECIFIER})*\s*\)|{_SPECIFIER}(?:\s*,\s*{_SPECIFIER})*)?\s*"  # versions
    r"(?:;\s*(.*\S))?\s*"  # marker
)
#: A specifier of :data:`_PLAIN_SPECIFIER` in its parts: operator, release, pre-release spelling and
#: number, post-release (``-N`` or spelling and number), dev-release and number, wildcard.
_SPECIFIER_PARTS = re.compile(
    r"(~=|==|!=|<=|>=|<|>)([0-9]+(?:\.[0-9]+)*)"
    r"(?:[-_.]?(alpha|beta|preview|pre|a|b|c|rc)[-_.]?([0-9]*))?"
    r"(?:-([0-9]+)|[-_.]?(post|rev|r)[-_.]?([0-9]*))?"
    r"(?:[-_.]?(dev)[-_.]?([0-9]*))?(\.\*)?"
)
_PRE_SPELLING = {"alpha": "a", "beta": "b", "c": "rc", "pre": "rc", "preview": "rc"}
#: PEP 440 pre-, post- and dev-release parts in lower case, as ``packaging``'s specifier grammar
#: writes them (``2.0a0``, ``1.0.post1``, ``1.36.0-1``, ``2.0a.0``, ``1.0.dev3``).
_SUFFIXES = (
    r"(?:[-_.]?(?:alpha|beta|preview|pre|a|b|c|rc)[-_.]?[0-9]*)?"
    r"(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?"
    r"(?:[-_.]?dev[-_.]?[0-9]*)?"
)
#: Specifiers ``packaging`` accepts as they are (a subset of its grammar: no epoch, ``v``, local
#: version or upper case), so that they need not be parsed by it.
_PLAIN_SPECIFIER = re.compile(
    rf"~=[0-9]+(?:\.[0-9]+)+{_SUFFIXES}|(?:<=|>=|<|>|==|!=)[0-9]+(?:\.[0-9]+)*{_SUFFIXES}"
    r"|(?:==|!=)[0-9]+(?:\.[0-9]+)*\.\*"
)
_UNKNOWN = frozenset({"", "UNKNOWN", "None"})
#: Marker variables compared as PEP 440 versions (of those a scanned environment may tell).
_VERSION_VARIABLES = frozenset({"python_version", "python_full_version", "implementation_version", "platform_release"})
_RELEASE = re.compile(r"[0-9]+(?:\.[0-9]+)*")
#: What might parse as a version (``packaging`` before 26 tried that for every variable).
_VERSION_LIKE = re.compile(r"\s*[vV]?[0-9]")
_ORDER = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_FIELD = re.compile(r"\n(?![ \t])")


# -- core metadata headers -----------------------------------------------------------------------
class Headers:
    """The header fields of a METADATA / PKG-INFO file: lower-case name -> [(value, line)]."""

    __slots__ = ("_fields",)

    def __init__(self, fields: dict[str, list[tuple[str, int]]]) -> None:
        self._fields = fields

    def first(self, name: str) -> str:
        values = self._fields.get(name)
        return values[0][0] if values else ""

    def line(self, name: str) -> int:
        values = self._fields.get(name)
        return values[0][1] if values else 0

    def all(self, name: str) -> list[tuple[str, int]]:
        return self._fields.get(name, [])


def parse_headers(data: bytes, display: str) -> Headers:
    """RFC 822-style headers up to the first blank line, as ``email``'s compat32 reads them.

    A line starting with white space continues the previous field (joined with a newline, so a
    licence text keeps its lines); a line that is not ``Name: value`` ends the headers. The body
    (the long description) is never decoded.
    """
    end = len(data)
    for separator in (b"\n\n", b"\n\r\n"):
        at = data.find(separator)
        if at != -1 and at < end:
            end = at
    head = data[:end]
    if b"\x00" in head:
        raise InputError(display, "is binary, not a metadata file")
    try:
        text = head.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as err:
        raise InputError(display, f"is not UTF-8 text (byte {err.start})") from err
    fields: dict[str, list[tuple[str, int]]] = {}
    line = 1
    for chunk in _FIELD.split(text):  # one field with its continuation lines
        name, sep, value = chunk.partition(":")
        if not sep or not name or " " in name or "\t" in name:
            break
        key = name.lower()
        if "\n" not in value:
            value = value.strip()
        elif key != "description":  # the old form of the long description is never used: left as it is
            value = "\n".join(part.strip() for part in value.split("\n"))
        fields.setdefault(key, []).append((value, line))
        line += chunk.count("\n") + 1
    return Headers(fields)


# -- the environment markers are evaluated in -----------------------------------------------------
@dataclass(slots=True)
class MarkerEnvironment:
    """What is known about the interpreter of the scanned environment (never this process's)."""

    known: dict[str, str] = field(default_factory=dict)
    _cache: dict[tuple[str, str], bool | None] = field(default_factory=dict)

    @classmethod
    def of(cls, site: str, config: dict[str, str]) -> MarkerEnvironment:
        """From the display path of a site-packages folder and the venv's ``pyvenv.cfg``."""
        known: dict[str, str] = {}
        parts = PurePosixPath(site).parts
        parent = parts[-2] if len(parts) >= 2 else ""
        if m := _PYTHON_FOLDER.fullmatch(parent):
            known["python_version"] = m.group(2)
            if m.group(1) == "pypy":
                known |= {"implementation_name": "pypy", "platform_python_implementation": "PyPy"}
        if parent == "Lib":
            known |= {"sys_platform": "win32", "os_name": "nt", "platform_system": "Windows"}
        full = config.get("version", "") or ".".join(config.get("version_info", "").split(".")[:3])
        if re.fullmatch(r"\d+\.\d+\.\d+", full):
            known["python_full_version"] = full
            known["python_version"] = ".".join(full.split(".")[:2])
        implementation = config.get("implementation", "")
        if implementation.lower() in ("cpython", "pypy"):
            known["implementation_name"] = implementation.lower()
            known["platform_python_implementation"] = "CPython" if implementation.lower() == "cpython" else "PyPy"
        return cls(known=known)

    @classmethod
    def common(cls, environments: list[MarkerEnvironment]) -> MarkerEnvironment:
        """What all of several environments agree on."""
        if not environments:
            return cls()
        known = dict(environments[0].known)
        for env in environments[1:]:
            known = {k: v for k, v in known.items() if env.known.get(k) == v}
        return cls(known=known)

    def evaluate(self, marker: str, extra: str) -> bool | None:
        """True/False when decidable from what is known, None when not (or malformed).

        Three-valued (Kleene) logic over the marker's comparisons: ``sys_platform == "win32" and
        extra == "test"`` is False without the extra, whatever the platform. Each comparison whose
        variables are all known is evaluated by ``packaging`` (its version and string rules).
        """
        key = (marker, extra)
        if key in self._cache:
            return self._cache[key]
        if m := _EXTRA_ONLY.fullmatch(marker):  # the most common marker by far
            result: bool | None = pypi.normalise_name(m.group(2)) == extra
        else:
            try:
                result = _MarkerLogic(marker, self.known | {"extra": extra}).value()
            except ValueError:
                result = None  # not a marker this reader understands: undecidable
        self._cache[key] = result
        return result


class _MarkerLogic:
    """A PEP 508 marker split into comparisons joined by ``and``/``or``, evaluated three-valued."""

    def __init__(self, marker: str, known: dict[str, str]) -> None:
        self.tokens = _MARKER_TOKEN.findall(marker)
        if "".join("".join(self.tokens).split()) != "".join(marker.split()):  # nothing left unread
            raise ValueError(f"cannot read marker {marker!r}")
        self.known = known
        self.at = 0

    def value(self) -> bool | None:
        result = self._or()
        if self.at != len(self.tokens):
            raise ValueError("trailing tokens")
        return result

    def _peek(self) -> str:
        return self.tokens[self.at] if self.at < len(self.tokens) else ""

    def _or(self) -> bool | None:
        values = [self._and()]
        while self._peek() == "or":
            self.at += 1
            values.append(self._and())
        return True if True in values else None if None in values else False

    def _and(self) -> bool | None:
        values = [self._atom()]
        while self._peek() == "and":
            self.at += 1
            values.append(self._atom())
        return False if False in values else None if None in values else True

    def _atom(self) -> bool | None:
        if self._peek() == "(":
            self.at += 1
            result = self._or()
            if self._peek() != ")":
                raise ValueError("unbalanced parenthesis")
            self.at += 1
            return result
        if self.at + 3 > len(self.tokens):
            raise ValueError("incomplete comparison")
        lhs, op, rhs = self.tokens[self.at : self.at + 3]
        if op == "not" and rhs == "in":
            op, rhs = "not in", self.tokens[self.at + 3] if self.at + 3 < len(self.tokens) else ""
            self.at += 1
        self.at += 3
        names = [t for t in (lhs, rhs) if t[:1] not in ("'", '"')]
        if len(names) != 1 or op not in _MARKER_OPERATORS:
            raise ValueError("not a comparison of a variable with a string")
        if names[0] not in self.known:
            return None
        return comparison(lhs, op, rhs, self.known)


def comparison(lhs: str, op: str, rhs: str, known: dict[str, str]) -> bool | None:
    """One comparison of a marker whose variable is known, as ``packaging`` evaluates it; None if
    it cannot be evaluated.

    The comparisons that fill real metadata (``python_version < "3.11"`` with plain release
    numbers, ``extra == "test"``, ``implementation_name == "cpython"``) are decided here, by the
    rules ``packaging`` applies to them (PEP 440 order of release numbers; PEP 685 names; plain
    string equality for a value that cannot be a version); anything else is left to
    ``packaging``, imported then. A test compares the two.
    """
    if lhs in known and rhs[:1] in ("'", '"'):
        value, literal = known[lhs], rhs[1:-1]
        if lhs == "extra":
            if op in ("==", "!="):
                return (pypi.normalise_name(literal) == value) is (op == "==")
        elif lhs in _VERSION_VARIABLES:
            if op in _ORDER and _RELEASE.fullmatch(value) and _RELEASE.fullmatch(literal):
                return bool(_ORDER[op](_release(value), _release(literal)))
        elif op in ("==", "!=") and not _VERSION_LIKE.match(literal):
            return (value == literal) is (op == "==")
    try:
        return bool(_marker(f"{lhs} {op} {rhs}").evaluate(known))
    except ValueError:  # packaging's InvalidMarker, UndefinedComparison, UndefinedEnvironmentName
        return None


def _release(text: str) -> tuple[int, ...]:
    """A plain release number as PEP 440 orders it: trailing zeros do not count."""
    numbers = [int(n) for n in text.split(".")]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    return tuple(numbers)


@functools.lru_cache(maxsize=4096)
def _uses_extra(marker: str) -> bool:
    return "extra" in _MARKER_TOKEN.findall(_QUOTED.sub("''", marker))


@functools.lru_cache(maxsize=4096)
def _marker(text: str) -> Marker:
    from packaging.markers import Marker

    return Marker(text)


# -- Requires-Dist ----------------------------------------------------------------------------------
class Dependency(NamedTuple):
    """One Requires-Dist line: what the edges need of a PEP 508 requirement."""

    key: str  # normalised name
    name: str
    extras: tuple[str, ...]  # normalised
    specifier: str  # canonical, "" for any version
    marker: str  # "" for none


def _specifier(text: str) -> str | None:
    """``packaging``'s canonical form of a version specifier list, or None if it is not valid.

    The usual forms (release numbers with pre-, post- or dev-release parts, each operator and
    release once) are checked by one regular expression; anything else is left to
    ``SpecifierSet`` (importing it costs more than reading all the specifiers of a
    site-packages). A test compares the two.
    """
    parts = [p.replace(" ", "") for p in text.split(",")]
    try:
        if all(_PLAIN_SPECIFIER.fullmatch(p) for p in parts) and not _may_repeat(parts):
            return ",".join(sorted(parts))
        from packaging.specifiers import SpecifierSet

        return str(SpecifierSet(text))
    except ValueError:  # InvalidSpecifier, or a version number of over 4,300 digits
        return None


def _may_repeat(parts: list[str]) -> bool:
    """Whether two of the specifiers are one to ``packaging``, which keeps only one of them
    (``!=1.0,!=1.0.0``): the same operator and the same PEP 440 version (for ``~=``, the same
    release up to trailing zeros, and for ``.*`` the same text: more often than ``packaging``
    says, which only costs a call to it)."""
    seen = set()
    for part in parts:
        m = _SPECIFIER_PARTS.fullmatch(part)
        if m is None:
            return True
        op, release, pre, pre_n, post_dash, post, post_n, dev, dev_n, wildcard = m.groups()
        key: tuple[object, ...] = (
            (op, part)
            if wildcard
            else (
                op,
                _release(release),
                (_PRE_SPELLING.get(pre, pre), int(pre_n or 0)) if pre else None,
                int(post_dash) if post_dash else (int(post_n or 0) if post else None),
                int(dev_n or 0) if dev else None,
            )
        )
        if key in seen:
            return True
        seen.add(key)
    return False


@functools.lru_cache(maxsize=8192)
def dependency(text: str) -> Dependency:
    """A Requires-Dist line (cached). Raises :class:`pypi.InvalidRequirement`.

    The common shape (``name[extras] (specifiers) ; marker``) is split by one regular
    expression, its specifiers checked by :func:`_specifier`; anything else (URLs, odd spacing) goes
    through ``packaging.requirements.Requirement``. Parsing 1,500 lines with ``Requirement``
    alone would cost as much as reading all of site-packages.
    """
    if m := _SIMPLE_REQUIREMENT.fullmatch(text):
        name, extras, spec, marker = m.groups()
        specifier = _specifier(spec.strip("() ")) if spec else ""
        if specifier is not None:
            return Dependency(
                key=pypi.normalise_name(name),
                name=name,
                extras=tuple(sorted({pypi.normalise_name(x.strip()) for x in (extras or "").split(",") if x.strip()})),
                specifier=specifier,
                marker=" ".join((marker or "").split()),
            )
    req = pypi.requirement(text)
    try:
        specifier = str(req.specifier)
    except ValueError as err:  # a version number of over 4,300 digits
        raise pypi.InvalidRequirement(f"{text[:80]}: a version number too long to read") from err
    return Dependency(
        key=pypi.normalise_name(req.name),
        name=req.name,
        extras=tuple(sorted({pypi.normalise_name(x) for x in req.extras})),
        specifier=specifier,
        marker=str(req.marker) if req.marker is not None else "",
    )


# -- one distribution -----------------------------------------------------------------------------
@dataclass(slots=True)
class _Dist:
    key: str  # normalised name
    component: Component
    requires: list[tuple[Dependency, Evidence]]
    #: ``*.dist-info`` folders below the distribution's own files (from RECORD), relative to its
    #: site-packages, with the RECORD line naming each.
    vendored: list[tuple[str, int]] = field(default_factory=list)


#: A RECORD entry of a vendored distribution's metadata: ``<path>.dist-info/METADATA,<hash>,<size>``.
_RECORDED_METADATA = b".dist-info/METADATA,"
#: Largest RECORD read for vendored distributions (the largest real ones are a few MB).
_MAX_RECORD_BYTES = 16 * 1024 * 1024


def _vendored(record: bytes) -> list[tuple[str, int]]:
    """The nested ``*.dist-info`` folders a RECORD lists (path relative to site-packages, line).

    Found with ``bytes.find`` (a RECORD is read whole, not parsed as CSV: it costs a tenth of
    reading the METADATA). Not: the distribution's own dist-info (no folder above it), a copy
    under a dist-info folder (PEP 639 ``licenses/`` keeps vendored licence trees there), paths
    that leave site-packages.
    """
    out = []
    at = record.find(_RECORDED_METADATA)
    while at != -1:
        start = record.rfind(b"\n", 0, at) + 1
        path = record[start:at].decode("utf-8", "replace").strip().strip('"') + ".dist-info"
        parts = path.split("/")
        if (
            len(parts) > 1
            and not path.startswith("/")
            and ".." not in parts
            and not any(p.lower().endswith(".dist-info") for p in parts[:-1])
        ):
            out.append((path, record.count(b"\n", 0, at) + 1))
        at = record.find(_RECORDED_METADATA, at + 1)
    return out


def _failed(err: InputError) -> InputRecord:
    return InputRecord(path=err.path, status=InputStatus.FAILED, collector=NAME, reason=err.reason)


def _read_small(path: TreePath) -> str:
    return path.read_text(limit=1024 * 1024)


def _direct_url(path: TreePath) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Properties and hashes from a PEP 610 direct_url.json."""
    try:
        doc = json.loads(_read_small(path))
    except json.JSONDecodeError as err:
        raise InputError(path.display(), f"invalid JSON: {err.msg} at line {err.lineno}") from err
    except ValueError as err:  # an integer of over 4,300 digits
        raise InputError(path.display(), "invalid JSON: a number too long to read") from err
    props: list[tuple[str, str]] = []
    hashes: list[tuple[str, str]] = []
    match doc:
        case {"url": str(url)}:
            props.append(("python:direct-url", pypi.strip_credentials(url)))
        case _:
            raise InputError(path.display(), "is not a PEP 610 direct_url.json (no 'url' string)")
    match doc:
        case {"vcs_info": {"vcs": str(vcs), **vcs_info}}:
            props += [("python:source-type", "vcs"), ("python:vcs", vcs)]
            for key, prop in (("commit_id", "vcs-commit"), ("requested_revision", "vcs-requested-revision")):
                if isinstance(value := vcs_info.get(key), str):
                    props.append((f"python:{prop}", value))
        case {"archive_info": dict(archive_info)}:
            props.append(("python:source-type", "archive"))
            match archive_info:
                case {"hashes": dict(table)}:
                    hashes += pypi.hashes_of(table)
                case {"hash": str(single)} if pair := pypi.parse_hash(single):
                    hashes.append(pair)
        case {"dir_info": dict(dir_info)}:
            props.append(("python:source-type", "directory"))
            if dir_info.get("editable") is True:
                props.append(("python:editable", "true"))
    return props, hashes


def _requires_txt(path: TreePath) -> list[tuple[str, int]]:
    """An egg-info ``requires.txt`` as PEP 508 lines: ``[extra:marker]`` sections become markers."""
    out: list[tuple[str, int]] = []
    marker = ""
    for number, raw in enumerate(_read_small(path).splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            extra, _, condition = line[1:-1].partition(":")
            parts = [f"({condition})"] if condition else []
            if extra:
                parts.append(f'extra == "{extra}"')
            marker = " and ".join(parts)
            continue
        out.append((f"{line} ; {marker}" if marker else line, number))
    return out


def _licence(h: Headers) -> tuple[str, str]:
    """License-Expression, else License if it normalises, else the licence classifiers."""
    declared = ""
    for raw in (h.first("license-expression"), h.first("license")):
        if raw:
            expression, text = licenses.normalise(raw)
            if expression:
                return expression, text
            declared = declared or text
    classifiers = [v for v, _ in h.all("classifier")]
    expression = licenses.from_classifiers(classifiers)
    names = licenses.classifier_names(classifiers)
    return expression, declared or (names if names != expression else "")


def _author(h: Headers) -> str:
    for key in ("author", "author-email", "maintainer", "maintainer-email"):
        value = " ".join(h.first(key).split())
        if value not in _UNKNOWN:
            return value
    return ""


def _read_dist(entry: TreePath, failures: list[InputRecord]) -> _Dist:
    """One ``*.dist-info`` / ``*.egg-info``; a problem with a side file is added to ``failures``."""
    folder: TreePath | None = None
    if entry.is_dir():
        folder = entry
        meta = entry / ("METADATA" if entry.name.lower().endswith(".dist-info") else "PKG-INFO")
    elif entry.is_file() and entry.name.lower().endswith(".egg-info"):
        meta = entry
    elif entry.is_link() and entry.escapes():
        raise InputError(entry.display(), "is a link that leaves the scanned tree; not followed")
    else:
        raise InputError(entry.display(), "is neither a folder nor a metadata file")
    shown = meta.display()
    h = parse_headers(meta.read_bytes(), shown)
    name, version = " ".join(h.first("name").split()), h.first("version").strip()
    if not name:
        raise InputError(shown, "has no Name header; truncated, or not a metadata file")
    if not _PROJECT_NAME.fullmatch(name):
        raise InputError(shown, f"Name {name[:60]!r} is not a valid project name")
    if not version:
        raise InputError(shown, "has no Version header; truncated?")

    props: list[tuple[str, str]] = []
    hashes: list[tuple[str, str]] = []
    vendored: list[tuple[str, int]] = []
    for key, prop in (("metadata-version", "python:metadata-version"), ("requires-python", "python:requires-python")):
        if (value := h.first(key)) not in _UNKNOWN:
            props.append((prop, value))
    if (home := h.first("home-page")) not in _UNKNOWN:
        props.append(("python:home-page", pypi.strip_credentials(home)))
    props += [("python:project-url", pypi.strip_credentials(v)) for v, _ in h.all("project-url")]

    lines = [(v, n, shown) for v, n in h.all("requires-dist")]
    if folder is not None:
        try:
            if (installer := folder / "INSTALLER").is_file() and (tool := _read_small(installer).strip()):
                props.append(("python:installer", tool.splitlines()[0][:100]))
            if (folder / "REQUESTED").is_file():
                props.append(("python:requested", "true"))
            if (direct := folder / "direct_url.json").is_file():
                more_props, more_hashes = _direct_url(direct)
                props += more_props
                hashes += more_hashes
            if not lines and (requires_txt := folder / "requires.txt").is_file():
                lines = [(v, n, requires_txt.display()) for v, n in _requires_txt(requires_txt)]
        except InputError as err:
            failures.append(_failed(err))
        try:
            if meta.name == "METADATA" and (record := folder / "RECORD").is_file():
                vendored = _vendored(record.read_bytes(_MAX_RECORD_BYTES))
        except InputError as err:
            failures.append(_failed(err))
    requires: list[tuple[Dependency, Evidence]] = []
    for text, number, where in lines:
        try:
            requires.append((dependency(text), Evidence(path=where, collector=NAME, line=number)))
        except pypi.InvalidRequirement:
            props.append(("python:unparsed-requires-dist", text[:200]))

    expression, declared = _licence(h)
    component = pypi.package(
        name,
        version,
        Evidence(path=shown, collector=NAME, line=h.line("name")),
        description="" if (summary := h.first("summary")) in _UNKNOWN else summary,
        author=_author(h),
        licenses=expression,
        license_declared=declared,
        hashes=hashes,
        properties=props,
    )
    return _Dist(key=pypi.normalise_name(name), component=component, requires=requires, vendored=vendored)


def _read_vendored(site: TreePath, dist: _Dist, records: list[InputRecord]) -> tuple[list[Component], list[Edge]]:
    """The distributions ``dist`` vendors (its RECORD names their metadata), each contained in it."""
    comps: list[Component] = []
    edges: list[Edge] = []
    record = dist.component.evidence[0].path.rsplit("/", 1)[0] + "/RECORD"
    for rel, line in dist.vendored:
        entry = site
        for part in rel.split("/"):  # one name at a time: the tree's checks apply to each
            entry = entry / part
        try:
            inner = _read_dist(entry, records)
        except InputError as err:
            records.append(_failed(err))
            continue
        c = inner.component
        comps.append(replace(c, properties=tuple(sorted({*c.properties, ("python:vendored-in", dist.component.name)}))))
        edges.append(
            Edge(
                source=dist.component.id,
                target=c.id,
                relation=Relation.CONTAINS,
                properties=(("python:vendored-path", rel),),
                evidence=(Evidence(path=record, collector=NAME, line=line),),
            )
        )
        records.append(InputRecord(path=c.evidence[0].path, status=InputStatus.READ, collector=NAME, components=1))
    return comps, edges


# -- edges ----------------------------------------------------------------------------------------
def _edges(dists: list[_Dist], env: MarkerEnvironment) -> list[Edge]:
    """Requires-Dist edges, with requested extras propagated until nothing changes."""
    installed: dict[str, list[str]] = defaultdict(list)
    by_id = {d.component.id: d for d in dists}
    for d in dists:
        installed[d.key].append(d.component.id)
    edges: dict[tuple[str, str], Edge] = {}
    done: set[tuple[str, str]] = set()
    work: list[tuple[str, str]] = [(d.component.id, "") for d in dists]  # (distribution, extra; "" = none)
    while work:
        source, extra = item = work.pop()
        if item in done:
            continue
        done.add(item)
        for dep, evidence in by_id[source].requires:
            if extra and not _uses_extra(dep.marker):
                continue  # decided in the pass without extras
            active = env.evaluate(dep.marker, extra) if dep.marker else True
            targets = installed.get(dep.key, [])
            if active is False or (active is None and not targets):
                continue
            props = [("python:specifier", dep.specifier), ("python:marker", dep.marker), ("python:extra", extra)]
            for target in targets or [pypi.purl(dep.name)]:
                if target == source:
                    continue
                if (source, target) not in edges or (not extra and edges[source, target].scopes):
                    edges[source, target] = pypi.depends_on(
                        source,
                        target,
                        evidence,
                        scopes=("optional",) if extra else (),
                        properties=tuple(p for p in props if p[1]),
                    )
            work += [(t, x) for t in targets for x in dep.extras if (t, x) not in done]
    return list(edges.values())


# -- the collector --------------------------------------------------------------------------------
def _config(venv: TreePath) -> dict[str, str]:
    cfg = venv / "pyvenv.cfg"
    out: dict[str, str] = {}
    for line in _read_small(cfg).splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip().lower()] = value.strip()
    return out


def _venv_sites(venv: TreePath) -> list[TreePath]:
    """``lib/pythonX.Y/site-packages`` (also pypy, lib64 unless a link) and Windows' ``Lib/site-packages``."""
    sites = []
    for lib_name in ("lib", "lib64"):
        lib = venv / lib_name
        if not lib.is_dir() or (lib_name == "lib64" and lib.is_link()):
            continue
        for child in lib.iterdir():
            if _PYTHON_FOLDER.fullmatch(child.name) and (child / "site-packages").is_dir():
                sites.append(child / "site-packages")
    windows = venv / "Lib" / "site-packages"
    if windows.is_dir() and not any(s.rel == windows.rel for s in sites):
        sites.append(windows)
    return sites


class PythonEnvironmentCollector(Collector):
    name = NAME
    description = "installed Python distributions: a venv, a site-packages or dist-packages folder, *.dist-info"
    claims_directories = True
    claims_files = False

    def detect(self, path: TreePath) -> bool:
        name = path.name.lower()
        if name in _SITE_FOLDERS or name.endswith(_DIST_SUFFIXES) or (path / "pyvenv.cfg").is_file():
            return True
        try:
            names = {n.lower() for n in path.names()}
        except InputError:
            return False
        return not (names & _PROJECT_FILES) and any(n.endswith(_DIST_SUFFIXES) for n in names)

    def collect(self, path: TreePath) -> Inventory:
        records: list[InputRecord] = []
        if path.name.lower().endswith(_DIST_SUFFIXES):
            groups = [[path]]
            envs = [MarkerEnvironment.of(str(PurePosixPath(path.display()).parent), {})]
        else:
            config: dict[str, str] | None = None
            if (path / "pyvenv.cfg").is_file():
                try:
                    config = _config(path)
                except InputError as err:
                    records.append(_failed(err))
                    config = {}
            sites = [path] if config is None else _venv_sites(path)
            if config is not None and not sites:
                raise InputError(path.display(), "has a pyvenv.cfg but no lib/pythonX.Y/site-packages folder")
            groups = [[c for c in s.iterdir() if c.name.lower().endswith(_DIST_SUFFIXES)] for s in sites]
            envs = [MarkerEnvironment.of(s.display(), config or {}) for s in sites]
        dists: list[_Dist] = []
        vendored: list[Component] = []
        contains: list[Edge] = []
        for entries in groups:
            for entry in entries:
                try:
                    dist = _read_dist(entry, records)
                except InputError as err:
                    records.append(_failed(err))
                    continue
                dists.append(dist)
                records.append(
                    InputRecord(
                        path=dist.component.evidence[0].path, status=InputStatus.READ, collector=NAME, components=1
                    )
                )
                if dist.vendored:
                    comps, edges = _read_vendored(entry.parent, dist, records)
                    vendored += comps
                    contains += edges
        return pypi.inventory(
            [*(d.component for d in dists), *vendored],
            [*_edges(dists, MarkerEnvironment.common(envs)), *contains],
            records,
        )
