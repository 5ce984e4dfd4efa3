"""pip requirements files: ``requirements*.txt``, ``constraints*.txt``, ``requirements/*.txt``.

Read the way pip reads them: ``\\`` continues a line, ``#`` after white space starts a comment,
``-r``/``-c`` include other files (resolved relative to the including file, inside the scanned
tree only, each file read once), per-requirement ``--hash`` options give hashes. Only an ``==`` /
``===`` pin gives a version; a looser specifier is kept as ``python:specifier`` on a component
without version. pip-compile's ``# via X`` annotations become ``depends-on`` edges from X to the
package (to ``pkg:pypi/x`` when X is not pinned in the file, e.g. the project itself).

A constraints file named on the command line lists its pins as components (``python:constraint``);
one included with ``-c`` only pins the versions of the requirements around it. URLs lose their
credentials (``user:token@``, ``${VAR}`` placeholders) before they reach any output; index URLs
are kept as ``python:index-url`` so an audit sees which index a stack installs from.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field

from sovaudit.collectors import pypi
from sovaudit.collectors.interface import Collector
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Component, Edge, Evidence, InputRecord, InputStatus, Inventory

NAME = "requirements-txt"
_MAX_INCLUDE_DEPTH = 16
_COMMENT = re.compile(r"(^|\s+)#.*$")
_VIA = re.compile(r"#\s*via\b\s*(.*)")
_VIA_MORE = re.compile(r"#\s{2,}(\S.*)")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_EGG = re.compile(r"#(?:.*&)?egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_VCS = ("git+", "hg+", "svn+", "bzr+")
_FRAGMENT_HASH = re.compile(r"[#&](md5|sha1|sha256|sha384|sha512)=([0-9A-Fa-f]+)")
#: A line that could start a requirements file (for names that do not say so clearly).
_SNIFF = re.compile(r"\s*(#|-|[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[|[<>=!~;@]|$))")
#: Option spellings -> canonical long option, and which take a value.
_SHORT = {"-r": "--requirement", "-c": "--constraint", "-e": "--editable", "-i": "--index-url", "-f": "--find-links"}
_WITH_VALUE = frozenset({
    "--requirement", "--constraint", "--editable", "--index-url", "--extra-index-url", "--find-links", "--hash",
    "--trusted-host", "--no-binary", "--only-binary", "--config-settings", "--global-option", "--use-feature",
})


def _looks_like_requirements(path: TreePath) -> bool:
    name = path.name.lower()
    if not name.endswith(".txt"):
        return False
    stem = name.removesuffix(".txt")
    if stem.startswith(("requirements", "constraints")) or stem.endswith(("-requirements", "_requirements")):
        return True
    if path.parent.name.lower() == "requirements" or "requirements" in stem:
        head = path.read_head(4096)
        lines = head.decode("utf-8", "replace").splitlines()
        if len(head) == 4096:
            lines = lines[:-1]  # may be cut in the middle
        lines = [line for line in lines if line.strip()][:5]
        return bool(lines) and all(_SNIFF.match(line) for line in lines)
    return False


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, line) with ``\\`` continuations joined; comment lines stay separate."""
    parts: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            if parts:
                yield start, "".join(parts)
                parts = []
            yield number, line
        elif line.endswith("\\"):
            if not parts:
                start = number
            parts.append(line[:-1])
        elif parts:
            parts.append(line)
            yield start, "".join(parts)
            parts = []
        else:
            yield number, line
    if parts:
        yield start, "".join(parts)


def _options(tokens: list[str]) -> list[tuple[str, str]]:
    """``[("--hash", "sha256:..."), ("--requirement", "base.txt"), ...]`` from option tokens."""
    out = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token.startswith("--"):
            name, eq, value = token.partition("=")
        elif token[:2] in _SHORT:
            name, eq, value = _SHORT[token[:2]], "", token[2:]
        else:
            continue
        if not eq and not value and name in _WITH_VALUE and i < len(tokens):
            value = tokens[i]
            i += 1
        out.append((name, value))
    return out


@dataclass(slots=True)
class _Entry:
    """One requirement line."""

    name: str
    version: str
    evidence: Evidence
    hashes: list[tuple[str, str]] = field(default_factory=list)
    props: list[tuple[str, str]] = field(default_factory=list)
    via: list[tuple[str, int]] = field(default_factory=list)


@dataclass(slots=True)
class _Read:
    """The state of reading one top-level file and everything it includes."""

    top_is_constraints: bool
    entries: list[_Entry] = field(default_factory=list)
    pins: dict[str, tuple[str, str, list[tuple[str, str]]]] = field(default_factory=dict)  # -c: name -> pin
    index_urls: set[str] = field(default_factory=set)
    records: list[InputRecord] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def file(self, path: TreePath, *, constraint: bool, depth: int) -> None:
        self.seen.add(str(path.rel))
        text = path.read_text()
        shown = path.display()
        skipped: list[int] = []
        entries: list[_Entry] = []
        last: _Entry | None = None  # the requirement a "# via" annotation belongs to
        in_via = False
        for number, line in _logical_lines(text):
            stripped = line.strip()
            if stripped.startswith("#"):
                if m := _VIA.match(stripped):
                    in_via = not m.group(1).strip()
                    if last is not None and not in_via:
                        last.via += [(n, number) for n in m.group(1).split(",")]
                elif in_via and last is not None and (m := _VIA_MORE.match(stripped)):
                    last.via.append((m.group(1), number))
                else:
                    in_via = False
                continue
            in_via = False
            comment = _COMMENT.search(line)
            body = line[: comment.start()].strip() if comment else stripped
            if not body:
                continue
            tokens = body.split()
            cut = next((i for i, t in enumerate(tokens) if t.startswith("-")), len(tokens))
            spec, options = " ".join(tokens[:cut]), _options(_split(tokens[cut:]))
            entry: _Entry | None = None
            if spec:
                entry = self._requirement(spec, options, Evidence(path=shown, collector=NAME, line=number))
            for option, value in options:
                match option:
                    case "--requirement" | "--constraint":
                        self._include(path, number, option, value, constraint or option == "--constraint", depth)
                    case "--editable":
                        entry = self._requirement(value, options, Evidence(path=shown, collector=NAME, line=number),
                                                  editable=True)
                    case "--index-url" | "--extra-index-url" if value:
                        self.index_urls.add(pypi.strip_credentials(value))
            if entry is None:
                if spec or any(o == "--editable" for o, _ in options):
                    skipped.append(number)
                last = None
                continue
            if comment and (m := _VIA.match(comment.group().strip())):  # pip-compile --annotation-style=line
                entry.via += [(n, number) for n in m.group(1).split(",")]
            entries.append(entry)
            last = entry
        pins_only = constraint and not self.top_is_constraints
        if pins_only:
            for e in entries:
                self.pins.setdefault(pypi.normalise_name(e.name), (e.version, shown, e.hashes))
        else:
            if constraint:
                for e in entries:
                    e.props.append(("python:constraint", "true"))
            self.entries += entries
        reason = ""
        if skipped:
            where = ", ".join(map(str, skipped[:10])) + (f" and {len(skipped) - 10} more" if len(skipped) > 10 else "")
            reason = f"line{'s' if len(skipped) > 1 else ''} {where}: no package name (a path or URL without " \
                     f"#egg=, or not a requirement); skipped"
        self.records.append(
            InputRecord(path=shown, status=InputStatus.READ, collector=NAME, reason=reason,
                        components=0 if pins_only else len(entries))
        )

    def _include(self, including: TreePath, line: int, option: str, ref: str, constraint: bool, depth: int) -> None:
        flag = "-c" if option == "--constraint" else "-r"
        where = f"line {line}: {flag} {pypi.strip_credentials(ref)}"
        try:
            if not ref:
                raise InputError(including.display(), f"line {line}: {flag} without a file name")
            if _URL.match(ref):
                raise InputError(including.display(), f"{where}: a remote include is not fetched (scans are offline)")
            rel = posixpath.normpath(posixpath.join(str(including.rel.parent), ref))
            if posixpath.isabs(ref) or rel == ".." or rel.startswith("../"):
                raise InputError(including.display(), f"{where}: leaves the scanned tree; not read")
            if rel in self.seen:
                return  # read already (or an include loop): each file once
            if depth >= _MAX_INCLUDE_DEPTH:
                raise InputError(including.display(), f"{where}: includes nested deeper than {_MAX_INCLUDE_DEPTH}")
            root = including
            while str(root.rel) != ".":
                root = root.parent
            target = root / rel
            if not target.is_file():
                raise InputError(including.display(), f"{where}: no such file")
            self.file(target, constraint=constraint, depth=depth + 1)
        except InputError as err:
            self.records.append(
                InputRecord(path=err.path, status=InputStatus.FAILED, collector=NAME, reason=err.reason)
            )

    def _requirement(
        self, spec: str, options: list[tuple[str, str]], evidence: Evidence, *, editable: bool = False
    ) -> _Entry | None:
        hashes = [h for o, v in options if o == "--hash" and (h := pypi.parse_hash(v))]
        props: list[tuple[str, str]] = [("python:editable", "true")] if editable else []
        try:
            req = pypi.requirement(spec)
        except pypi.InvalidRequirement:
            return self._url_requirement(spec, evidence, hashes, props)
        version = pypi.exact_version(req)
        if not version and str(req.specifier):
            props.append(("python:specifier", str(req.specifier)))
        if req.marker is not None:
            props.append(("python:marker", str(req.marker)))
        if req.extras:
            props.append(("python:extras", ",".join(sorted(req.extras))))
        if req.url:
            props += _source(req.url)
            hashes += _fragment_hashes(req.url)
            version = version or _file_version(req.url)
        return _Entry(name=req.name, version=version, evidence=evidence, hashes=hashes, props=props)

    def _url_requirement(
        self, spec: str, evidence: Evidence, hashes: list[tuple[str, str]], props: list[tuple[str, str]]
    ) -> _Entry | None:
        """A URL or path without ``name @``: named by ``#egg=`` or a wheel / sdist file name."""
        if not (_URL.match(spec) or spec.startswith((".", "/", "~")) or "/" in spec):
            return None
        name = m.group(1) if (m := _EGG.search(spec)) else ""
        version = _file_version(spec)
        if not name:
            from packaging import utils  # only URL requirements need it

            try:
                name = str(utils.parse_wheel_filename(_file_name(spec))[0])
            except utils.InvalidWheelFilename:
                try:
                    name = str(utils.parse_sdist_filename(_file_name(spec))[0])
                except utils.InvalidSdistFilename:
                    return None
        return _Entry(name=name, version=version, evidence=evidence, hashes=hashes + _fragment_hashes(spec),
                      props=props + _source(spec))

    def inventory(self) -> Inventory:
        components: list[Component] = []
        ids: dict[str, list[str]] = {}
        for e in self.entries:
            props = list(e.props) + [("python:index-url", url) for url in sorted(self.index_urls)]
            version, hashes = e.version, e.hashes
            pin = self.pins.get(pypi.normalise_name(e.name))
            if not version and pin is not None and pin[0]:
                version, hashes = pin[0], hashes or pin[2]
                props.append(("python:constrained-by", pin[1]))
            c = pypi.package(e.name, version, e.evidence, hashes=hashes, properties=props)
            components.append(c)
            ids.setdefault(pypi.normalise_name(e.name), []).append(c.id)
        edges: list[Edge] = []
        for e, c in zip(self.entries, components, strict=True):
            for raw, line in e.via:
                source = raw.strip()
                if not source or source.startswith(("-r ", "-c ")):
                    continue  # "via -r requirements.in": a file, not a package
                source = source.split(" (", 1)[0].strip()  # "project (pyproject.toml)" -> "project"
                for source_id in ids.get(pypi.normalise_name(source), [pypi.purl(source)]):
                    if source_id != c.id:
                        edges.append(pypi.depends_on(source_id, c.id, Evidence(path=e.evidence.path, collector=NAME,
                                                                              line=line)))
        return pypi.inventory(components, edges, self.records)


def _split(tokens: list[str]) -> list[str]:
    """Option tokens, with shell quoting undone where it parses."""
    try:
        return shlex.split(" ".join(tokens))
    except ValueError:
        return tokens


def _file_name(url: str) -> str:
    return url.split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def _file_version(url: str) -> str:
    from packaging import utils  # only URL requirements need it

    name = _file_name(url)
    try:
        return str(utils.parse_wheel_filename(name)[1])
    except utils.InvalidWheelFilename:
        pass
    try:
        return str(utils.parse_sdist_filename(name)[1])
    except utils.InvalidSdistFilename:
        return ""


def _fragment_hashes(url: str) -> list[tuple[str, str]]:
    """``...whl#sha256=<hex>``: pip checks the artefact against it, so it is the artefact's hash."""
    return [h for alg, digest in _FRAGMENT_HASH.findall(url) if (h := pypi.hash_pair(alg, digest))]


def _source(url: str) -> list[tuple[str, str]]:
    clean = pypi.strip_credentials(url)
    kind = "vcs" if clean.startswith(_VCS) else "url" if _URL.match(clean) else "path"
    return [("python:source-type", kind), ("python:source-url", clean)]


class RequirementsCollector(Collector):
    name = NAME
    description = "pip requirements and constraints files (requirements*.txt, constraints*.txt, requirements/*.txt)"

    def detect(self, path: TreePath) -> bool:
        return _looks_like_requirements(path)

    def collect(self, path: TreePath) -> Inventory:
        read = _Read(top_is_constraints=path.name.lower().startswith("constraints"))
        read.file(path, constraint=read.top_is_constraints, depth=0)
        return read.inventory()
