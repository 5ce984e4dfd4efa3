"""conda: installed environments (``conda-meta``), ``environment.yml``, conda-lock files, ``conda list --json``.

Four collectors share one idea of a conda package:

* **Identity.** ``pkg:conda/<name>@<version>?build=<build>&channel=<channel>&subdir=<subdir>``
  (the purl-spec ``conda`` type, as packageurl-python reads it: ``channel`` is a channel *name*,
  ``conda-forge``, ``nvidia/label/cuda-12.1.0``, ``main`` for ``.../pkgs/main``; a
  channel on any other host is its URL). The archive ``type`` qualifier is left out: the same
  build is published as ``.conda`` and ``.tar.bz2``, and an installed record and a lock entry of
  one build must merge.
* **Platforms.** A ``noarch`` package is installed once per platform, and a lock file holds one
  entry per platform; left alone, the noarch node would join the linux-64 and osx-arm64 graphs
  into one. So when the purl does not name the platform itself (subdir ``noarch``, and pip
  entries of a lock file) the component *id* carries an extra ``platform`` qualifier; the
  ``purl`` field stays the standard one. A platform-specific build keeps id == purl. An installed
  environment's platform is the subdir of its platform-specific records, so a noarch package in
  ``conda-meta`` and the same entry in a lock file of that platform get the same id.
* **Channels and URLs.** Credentials never reach a component: user info (``user:pass@``,
  ``$USER:$PASS@``) and channel tokens (``/t/<token>/``) are cut from every URL; a
  ``file://`` channel (a local build) is ``local``, so no home folder leaks either.
* **Edges.** ``depends`` / ``dependencies`` are match specs; each is resolved by name against the
  packages of the same environment (same platform in a lock file) to one ``depends-on`` edge
  (scope ``run``; property ``conda:spec`` keeps the spec). A virtual package (``__cuda``,
  ``__glibc``) has no record: its edge points at ``software/conda-virtual-package/<name>`` (an
  unresolved placeholder) with ``conda:virtual = true``. A missing dependency points at
  ``pkg:conda/<name>``: unresolved, never dropped.
* **Requested.** What the user asked for (conda-meta ``requested_spec`` and the ``history`` log,
  every entry of an environment.yml) gets ``conda:requested = true``. There is no root component,
  as in the Python collectors.

``conda-meta`` is claimed as a folder, not the environment prefix around it, so the walker still
offers ``lib/pythonX.Y/site-packages`` to the Python collector (pip-installed packages live only
there). A conda package that ships a ``*.dist-info`` gets a ``contains`` edge to that
``pkg:pypi/<name>@<version>``, which is what the Python collector will find there too
(``INSTALLER`` = ``conda``): the two descriptions are tied, not duplicated.

In an environment.yml, ``=``/``==`` pins become the version (``python=3.11`` -> ``3.11``), anything
looser stays in ``conda:spec`` only; ``pip:`` lines become ``pkg:pypi`` components (index URLs as
``conda:pip-repository``); ``-r file`` and local paths name nothing that can be identified and give
no component (a requirements file in the tree is read by its own collector).

YAML is composed, never constructed, with the safe C loader (``yaml.compose(text,
Loader=CSafeLoader)``): no constructor runs at all, scalars keep the text as written (``3.10``
stays ``3.10``, not the float ``3.1``) and nodes keep their line, for evidence. Tagged nodes
(``!!python/...``) are refused; so is a document with a recursive alias, more than
``MAX_YAML_ALIASES`` aliases, or aliases that expand it to more than four times what it writes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sovaudit import licenses
from sovaudit import purl as purls
from sovaudit.collectors import pypi
from sovaudit.collectors.interface import Collector
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.limits import check_yaml_aliases
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

if TYPE_CHECKING:  # yaml is imported when a YAML input is read, not for every scan
    import yaml

META = "conda-meta"
ENVIRONMENT = "conda-environment"
LOCK = "conda-lock"
LIST = "conda-list-json"

#: Platform subdirs of a channel (conda's known list, plus noarch).
SUBDIRS = frozenset({
    "noarch", "linux-32", "linux-64", "linux-aarch64", "linux-armv6l", "linux-armv7l", "linux-ppc64",
    "linux-ppc64le", "linux-riscv32", "linux-riscv64", "linux-s390x", "osx-64", "osx-arm64", "win-32", "win-64",
    "win-arm64", "zos-z", "freebsd-64", "emscripten-wasm32", "wasi-wasm32",
})  # fmt: skip
#: An access token in a channel URL (``/t/<token>/``).
_TOKEN = re.compile(r"/t/[^/]+")
_ARCHIVE_SUFFIXES = (".conda", ".tar.bz2")
#: The package name at the start of a match spec (after an optional ``channel::``).
_SPEC = re.compile(r"\s*(?:(?P<channel>[^\s:\[]+)::)?(?P<name>[A-Za-z0-9_][A-Za-z0-9_.+-]*)(?P<rest>.*)", re.DOTALL)
_EXACT = re.compile(r"[A-Za-z0-9_.+!]+")  # a version or build without wildcards or operators
_BRACKET_FIELD = re.compile(r"(\w+)\s*=\s*(?:'([^']*)'|\"([^\"]*)\"|([^,\]]*))")
_DIST_INFO = re.compile(r"(?:^|/)site-packages/([^/]+)-([^/-]+)\.dist-info/METADATA$")
_HISTORY_SPECS = re.compile(r"#\s*(update|install|remove)\s+specs:\s*(.*)")
_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"")
_CORE_TAG = "tag:yaml.org,2002:"
_MAX_SHOWN = 200  # longest raw spec kept in a property
_MAX_URL = 1000


# -- shared pieces -------------------------------------------------------------------------------
def _strip_url(url: str) -> str:
    """``url`` without credentials (user info, a ``/t/<token>`` path part) or a fragment."""
    return _TOKEN.sub("", pypi.strip_credentials(url.strip())).split("#", 1)[0][:_MAX_URL]


def channel_of(raw: str) -> str:
    """The purl channel of a ``channel`` value or channel URL (subdir and credentials cut off)."""
    raw = raw.strip().rstrip("/")
    if not raw:
        return ""
    if "://" not in raw:
        parts = [p for p in raw.split("/") if p]
        if parts and parts[-1] in SUBDIRS:
            parts.pop()
        name = "/".join(parts)
        return name.removeprefix("pkgs/")
    scheme, _, rest = _strip_url(raw).partition("://")
    if scheme.lower() == "file":
        return "local"
    host, _, path = rest.partition("/")
    parts = [p for p in path.split("/") if p]
    if parts and parts[-1] in SUBDIRS:
        parts.pop()
    # A channel server's own layout (``/<channel>``, ``/<channel>/label/<label>``, ``/pkgs/<channel>``)
    # gives the channel's name, whichever host serves it (no host is special-cased); any other
    # layout (a private Artifactory path, a mirror's prefix) keeps the whole URL: it is the channel.
    if len(parts) == 1 or (len(parts) == 3 and parts[1] == "label"):
        return "/".join(parts)
    if len(parts) == 2 and parts[0] == "pkgs":
        return parts[1]
    return f"{scheme.lower()}://{host.lower()}/{'/'.join(parts)}".rstrip("/")


@dataclass(frozen=True, slots=True)
class Archive:
    """What a package archive URL says: ``<channel>/<subdir>/<name>-<version>-<build>.conda``."""

    channel: str = ""
    subdir: str = ""
    build: str = ""
    version: str = ""
    name: str = ""


def archive_of(url: str, name: str = "", version: str = "") -> Archive:
    """Channel, subdir and build of an archive URL (name and version help split the file name)."""
    clean = _strip_url(url)
    base, _, filename = clean.rpartition("/")
    stem = next((filename[: -len(s)] for s in _ARCHIVE_SUFFIXES if filename.endswith(s)), "")
    if not stem:
        return Archive(channel=channel_of(base))
    head, _, subdir = base.rpartition("/")
    if subdir not in SUBDIRS:
        head, subdir = base, ""
    prefix = f"{name}-{version}-" if name and version else ""
    if prefix and stem.startswith(prefix):
        found_name, found_version, build = name, version, stem[len(prefix) :]
    else:
        parts = stem.rsplit("-", 2)
        found_name, found_version, build = (parts[0], parts[1], parts[2]) if len(parts) == 3 else (stem, "", "")
    return Archive(channel=channel_of(head), subdir=subdir, build=build, version=found_version, name=found_name)


def _purl(kind: str, name: str, version: str, qualifiers: dict[str, str]) -> str:
    return purls.build(kind, None, name, version, tuple((k, v) for k, v in qualifiers.items() if v))


def conda_purl(name: str, version: str = "", *, build: str = "", channel: str = "", subdir: str = "") -> str:
    """The standard purl of a conda package."""
    return _purl("conda", name, version, {"build": build, "channel": channel, "subdir": subdir})


def conda_ids(
    name: str, version: str, *, build: str = "", channel: str = "", subdir: str = "", platform: str = ""
) -> tuple[str, str]:
    """``(id, purl)``: the id names the platform when the purl does not (noarch, unknown subdir)."""
    ref = conda_purl(name, version, build=build, channel=channel, subdir=subdir)
    if not platform or platform == subdir:
        return ref, ref
    qualifiers = {"build": build, "channel": channel, "subdir": subdir, "platform": platform}
    return _purl("conda", name, version, qualifiers), ref


def pip_ids(name: str, version: str, platform: str = "") -> tuple[str, str]:
    """``(id, purl)`` of a pip package; a lock file's entry names its platform in the id."""
    ref = pypi.purl(name, version)
    if not platform:
        return ref, ref
    return _purl("pypi", pypi.normalise_name(name), version, {"platform": platform}), ref


def virtual_id(name: str) -> str:
    """The id a virtual package (``__cuda``, ``__glibc``) is referred to by; nothing describes it."""
    return component_id(Layer.SOFTWARE, "conda-virtual-package", name)


def spec_name(spec: str) -> str:
    """The package name of a match spec (``python >=3.11,<3.12.0a0`` -> ``python``), or ``""``."""
    m = _SPEC.match(spec)
    return m.group("name") if m else ""


@dataclass(frozen=True, slots=True)
class Spec:
    """A match spec as an environment.yml writes it; ``version`` only when it pins one."""

    name: str
    version: str = ""
    build: str = ""
    channel: str = ""
    subdir: str = ""


def parse_spec(text: str) -> Spec | None:
    """A match spec as written in an environment.yml, or None if it is not one.

    ``numpy=1.26``, ``numpy=1.26.4=py311_0``, ``numpy==1.26.4``, ``numpy 1.26.4 py311_0`` and
    ``numpy[version='1.26.4']`` pin a version; ``numpy``, ``numpy>=1.26``, ``numpy 1.26.*`` and
    ``cudatoolkit >=11,<12`` do not. ``conda-forge::numpy`` and ``conda-forge/linux-64::numpy``
    name a channel (and subdir).
    """
    m = _SPEC.fullmatch(text.strip())
    if not m:
        return None
    name, rest, channel, subdir = m.group("name"), m.group("rest"), m.group("channel") or "", ""
    head, _, tail = channel.rpartition("/")
    if head and tail in SUBDIRS:
        channel, subdir = head, tail
    words = rest.split()
    version = build = ""
    if not words:
        pass
    elif rest.startswith("[") and rest.rstrip().endswith("]"):
        fields = {k: (a or b or c).strip() for k, a, b, c in _BRACKET_FIELD.findall(rest.strip()[1:-1])}
        channel, subdir = channel or fields.get("channel", ""), subdir or fields.get("subdir", "")
        version, build = fields.get("version", "").removeprefix("=="), fields.get("build", "")
    elif rest.startswith("=="):
        version = rest[2:].strip()
    elif rest.startswith("="):
        version, _, build = rest[1:].strip().partition("=")
    elif rest[0] in "<>!~":
        pass  # a range
    elif not rest[0].isspace():
        return None  # junk straight after the name
    elif words[0].startswith("=="):
        version = words[0][2:] if len(words) == 1 else ""
    elif len(words) <= 2 and words[0][0] not in "<>!~=":
        version, build = words[0], (words[1] if len(words) == 2 else "")
    if not _EXACT.fullmatch(version):
        version = ""
    if not version or not _EXACT.fullmatch(build):
        build = ""
    return Spec(name=name, version=version, build=build, channel=channel, subdir=subdir)


def _licence(raw: object) -> tuple[str, str]:
    return licenses.normalise(raw) if isinstance(raw, str) else ("", "")


def _hashes(md5: object, sha256: object) -> list[tuple[str, str]]:
    out = []
    for alg, digest in (("md5", md5), ("sha256", sha256)):
        if isinstance(digest, str) and (pair := pypi.hash_pair(alg, digest)):
            out.append(pair)
    return out


def _package(
    cid: str,
    ref: str,
    name: str,
    version: str,
    evidence: Evidence,
    *,
    licence: tuple[str, str] = ("", ""),
    hashes: Iterable[tuple[str, str]] = (),
    properties: Iterable[tuple[str, str]] = (),
) -> Component:
    return Component(
        id=cid,
        layer=Layer.SOFTWARE,
        kind="package",
        name=name,
        version=version,
        purl=ref,
        licenses=licence[0],
        license_declared=licence[1],
        hashes=tuple(sorted(set(hashes))),
        properties=tuple(sorted(set(properties))),
        evidence=(evidence,),
    )


class _Edges:
    """Edges by (source, target, relation): a spec named twice is one edge with both specs."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str, Relation], Edge] = {}

    def add(
        self,
        source: str,
        target: str,
        evidence: Evidence,
        *,
        relation: Relation = Relation.DEPENDS_ON,
        scopes: Iterable[str] = ("run",),
        properties: Iterable[tuple[str, str]] = (),
    ) -> None:
        if source == target:
            return
        key = (source, target, relation)
        edge = Edge(
            source=source,
            target=target,
            relation=relation,
            scopes=tuple(sorted(set(scopes))),
            properties=tuple(sorted(set(properties))),
            evidence=(evidence,),
        )
        if (old := self._by_key.get(key)) is not None:
            edge = Edge(
                source=source,
                target=target,
                relation=relation,
                scopes=tuple(sorted(set(old.scopes) | set(edge.scopes))),
                properties=tuple(sorted(set(old.properties) | set(edge.properties))),
                evidence=tuple(sorted(set(old.evidence) | set(edge.evidence))),
            )
        self._by_key[key] = edge

    def all(self) -> tuple[Edge, ...]:
        return tuple(self._by_key.values())


def _conda_target(name: str, spec: str, found: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """The ids a dependency resolves to and the properties of its edges."""
    props = [("conda:spec", spec[:_MAX_SHOWN])]
    if name.startswith("__"):
        return [virtual_id(name)], [*props, ("conda:virtual", "true")]
    return (found or [conda_purl(name)]), props


# -- bounded JSON and YAML -----------------------------------------------------------------------
def load_json(path: TreePath) -> Any:
    """A JSON document; a syntax error or absurd nesting is an InputError."""
    text = path.read_text()
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(path.display(), f"invalid JSON: {err.msg} (line {err.lineno}, column {err.colno})") from err
    except RecursionError as err:
        raise InputError(path.display(), "JSON nested too deeply to read") from err
    except ValueError as err:  # an integer of over 4,300 digits
        raise InputError(path.display(), "invalid JSON: a number too long to read") from err


def compose_yaml(path: TreePath) -> yaml.Node | None:
    """The node graph of a YAML file (nothing is constructed), after the alias-bomb guard."""
    import yaml  # here and below: only YAML inputs pay for importing it

    text = path.read_text()
    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise InputError(path.display(), f"invalid YAML: {' '.join(str(err.problem or err).split())}{where}") from err
    except yaml.YAMLError as err:
        raise InputError(path.display(), f"invalid YAML: {' '.join(str(err).split())}") from err
    except RecursionError as err:
        raise InputError(path.display(), "YAML nested too deeply to read") from err
    if node is not None and "&" in text:  # no anchor, no alias: nothing to expand
        check_yaml_aliases(node, path.display())
    return node


class _Y:
    """Typed access to composed YAML nodes; every error names where in the document it is."""

    def __init__(self, display: str) -> None:
        self.display = display

    def fail(self, where: str, what: str) -> InputError:
        return InputError(self.display, f"{where}: {what}" if where else what)

    def _plain(self, node: yaml.Node, where: str) -> yaml.Node:
        """``node``, unless it carries an application tag (``!!python/...``, ``!custom``): never read."""
        tag = str(node.tag)
        if not tag.startswith(_CORE_TAG) or tag.startswith(_CORE_TAG + "python/"):
            raise self.fail(where, f"has the YAML tag {tag[:60]!r}; tagged values are not read")
        return node

    @staticmethod
    def line(node: yaml.Node) -> int:
        return int(node.start_mark.line) + 1

    @staticmethod
    def is_null(node: yaml.Node | None) -> bool:
        import yaml

        return node is None or (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"))

    def mapping(self, node: yaml.Node | None, where: str) -> dict[str, yaml.Node]:
        import yaml

        if node is None or self.is_null(node):
            return {}
        if not isinstance(self._plain(node, where), yaml.MappingNode):
            raise self.fail(where, "is not a mapping")
        out: dict[str, yaml.Node] = {}
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode):
                raise self.fail(where, "has a key that is not a string")
            out[k.value] = v
        return out

    def sequence(self, node: yaml.Node | None, where: str) -> list[yaml.Node]:
        import yaml

        if node is None or self.is_null(node):
            return []
        if not isinstance(self._plain(node, where), yaml.SequenceNode):
            raise self.fail(where, "is not a list")
        return list(node.value)

    def text(self, node: yaml.Node | None, where: str) -> str:
        """A scalar as written (``3.10`` stays ``3.10``); null is ``""``."""
        import yaml

        if node is None or self.is_null(node):
            return ""
        if not isinstance(self._plain(node, where), yaml.ScalarNode):
            raise self.fail(where, "is not a string")
        return str(node.value)

    def texts(self, node: yaml.Node | None, where: str) -> list[str]:
        return [self.text(n, f"{where}[{i}]") for i, n in enumerate(self.sequence(node, where))]


# -- conda-meta ----------------------------------------------------------------------------------
def _opt_str(doc: dict[str, Any], key: str, display: str) -> str:
    match doc.get(key):
        case None:
            return ""
        case str(value):
            return value.strip()
        case other:
            raise InputError(display, f"'{key}' is a {type(other).__name__}, not a string")


def _str_list(doc: dict[str, Any], key: str, display: str) -> list[str]:
    match doc.get(key):
        case None:
            return []
        case list(values) if all(isinstance(v, str) for v in values):
            return values
        case _:
            raise InputError(display, f"'{key}' is not a list of strings")


@dataclass(slots=True)
class _Record:
    """One parsed ``conda-meta/*.json`` (only what is needed; ``files`` is not kept)."""

    display: str
    name: str
    version: str
    build: str
    channel: str
    subdir: str
    props: list[tuple[str, str]]
    licence: tuple[str, str]
    hashes: list[tuple[str, str]]
    depends: list[str]
    requested_spec: str
    dist_infos: list[tuple[str, str, int]] = field(default_factory=list)  # (name, version, index in files)


def _dist_infos(doc: dict[str, Any]) -> list[tuple[str, str, int]]:
    """The ``*.dist-info`` a conda package installs (from ``files``, else ``paths_data``)."""
    files = doc.get("files")
    if not isinstance(files, list):
        paths = doc.get("paths_data")
        entries = paths.get("paths") if isinstance(paths, dict) else None
        files = [p.get("_path") for p in entries if isinstance(p, dict)] if isinstance(entries, list) else []
    out = []
    for i, f in enumerate(files):
        if isinstance(f, str) and ".dist-info/" in f and (m := _DIST_INFO.search(f.replace("\\", "/"))):
            out.append((m.group(1), m.group(2), i))
    return out


def read_record(path: TreePath) -> _Record:
    """One conda-meta record; a malformed one is an InputError naming it."""
    display = path.display()
    doc = load_json(path)
    match doc:
        case {"name": str(name), "version": str(version)} if name.strip() and version.strip():
            name, version = name.strip(), version.strip()
        case dict():
            raise InputError(display, "has no 'name' and 'version' strings; is this a conda-meta record?")
        case _:
            raise InputError(display, "is not a JSON object; is this a conda-meta record?")
    build = _opt_str(doc, "build", display) or _opt_str(doc, "build_string", display)
    url = _opt_str(doc, "url", display)
    archive = archive_of(url, name, version) if url else Archive()
    subdir = _opt_str(doc, "subdir", display) or archive.subdir
    raw_channel = _opt_str(doc, "channel", display) or _opt_str(doc, "schannel", display)
    channel = channel_of(raw_channel) if raw_channel else archive.channel
    build = build or archive.build
    props = [("conda:build", build), ("conda:channel", channel), ("conda:subdir", subdir)]
    match doc.get("build_number"):
        case int(number) if not isinstance(number, bool):
            props.append(("conda:build-number", str(number)))
        case None:
            pass
        case _:
            raise InputError(display, "'build_number' is not an integer")
    for key, prop in (("license_family", "conda:license-family"), ("package_type", "conda:package-type")):
        if value := _opt_str(doc, key, display):
            props.append((prop, value))
    match doc.get("noarch"):
        case str(kind) if kind:
            props.append(("conda:noarch", kind))
        case {"type": str(kind)}:
            props.append(("conda:noarch", kind))
    match doc.get("track_features"):
        case str(features) if features.strip():
            props += [("conda:track-feature", f) for f in features.replace(",", " ").split()]
        case list(features):
            props += [("conda:track-feature", f) for f in features if isinstance(f, str)]
    props += [("conda:constrains", c[:_MAX_SHOWN]) for c in _str_list(doc, "constrains", display)]
    if url:
        props.append(("conda:url", _strip_url(url)))
    requested = _opt_str(doc, "requested_spec", display)
    if requested == "None":
        requested = ""
    if not requested and (specs := [s for s in _str_list(doc, "requested_specs", display) if s.strip()]):
        requested = specs[0]
    return _Record(
        display=display,
        name=name,
        version=version,
        build=build,
        channel=channel,
        subdir=subdir,
        props=[p for p in props if p[1]],
        licence=_licence(doc.get("license")),
        hashes=_hashes(doc.get("md5"), doc.get("sha256")),
        depends=_str_list(doc, "depends", display),
        requested_spec=requested,
        dist_infos=_dist_infos(doc),
    )


def read_history(path: TreePath) -> dict[str, str]:
    """Explicitly requested packages (name -> spec) from ``conda-meta/history``, in log order."""
    requested: dict[str, str] = {}
    for line in path.read_text().splitlines():
        m = _HISTORY_SPECS.match(line.strip())
        if not m:
            continue
        specs = [a or b for a, b in _QUOTED.findall(m.group(2))]
        for spec in specs:
            name = spec_name(spec)
            if not name:
                continue
            if m.group(1) == "remove":
                requested.pop(name, None)
            else:
                requested[name] = spec
    return requested


def _environment_platform(records: Iterable[_Record]) -> str:
    subdirs = {r.subdir for r in records if r.subdir and r.subdir != "noarch"}
    return subdirs.pop() if len(subdirs) == 1 else ""


class CondaMetaCollector(Collector):
    """The ``conda-meta`` folder of an installed conda / mamba / pixi environment."""

    name = META
    description = "an installed conda environment's conda-meta folder (one JSON record per package, history)"
    claims_directories = True
    claims_files = True  # one record named on the command line

    def detect(self, path: TreePath) -> bool:
        if path.name == "conda-meta":
            return path.is_dir()
        return (
            path.suffix == ".json" and path.parent.name == "conda-meta" and path.read_head(64).lstrip().startswith(b"{")
        )

    def collect(self, path: TreePath) -> Inventory:
        inputs: list[InputRecord] = []
        records: list[_Record] = []
        requested: dict[str, str] = {}
        if not path.is_dir():
            records.append(read_record(path))
        else:
            for member in path.iterdir():
                if member.name != "history" and member.suffix != ".json":
                    continue  # pinned, .gitignore, state ...
                try:
                    if member.name == "history":
                        requested = read_history(member)
                        inputs.append(InputRecord(path=member.display(), status=InputStatus.READ, collector=self.name))
                    else:
                        record = read_record(member)
                        records.append(record)
                        inputs.append(
                            InputRecord(
                                path=member.display(),
                                status=InputStatus.READ,
                                collector=self.name,
                                components=1 + len(record.dist_infos),
                            )
                        )
                except InputError as err:
                    inputs.append(
                        InputRecord(path=err.path, status=InputStatus.FAILED, collector=self.name, reason=err.reason)
                    )
        return self._inventory(records, requested, inputs)

    def _inventory(self, records: list[_Record], requested: dict[str, str], inputs: list[InputRecord]) -> Inventory:
        platform = _environment_platform(records)
        components: list[Component] = []
        by_name: dict[str, list[str]] = {}
        ids: list[str] = []
        for r in records:
            cid, ref = conda_ids(
                r.name, r.version, build=r.build, channel=r.channel, subdir=r.subdir, platform=platform
            )
            ids.append(cid)
            by_name.setdefault(r.name, []).append(cid)
            props = list(r.props)
            if platform:
                props.append(("conda:platform", platform))
            spec = r.requested_spec or requested.get(r.name, "")
            if r.requested_spec or r.name in requested:
                props += [("conda:requested", "true"), ("conda:requested-spec", spec[:_MAX_SHOWN])]
            evidence = Evidence(path=r.display, collector=self.name)
            component = _package(
                cid, ref, r.name, r.version, evidence, licence=r.licence, hashes=r.hashes, properties=props
            )
            components.append(component)
        edges = _Edges()
        for r, cid in zip(records, ids, strict=True):
            for i, spec in enumerate(r.depends):
                name = spec_name(spec)
                if not name:
                    continue
                targets, props = _conda_target(name, spec, by_name.get(name, []))
                evidence = Evidence(path=r.display, collector=self.name, pointer=f"/depends/{i}")
                for target in targets:
                    edges.add(cid, target, evidence, properties=props)
            for dist_name, dist_version, index in r.dist_infos:
                evidence = Evidence(path=r.display, collector=self.name, pointer=f"/files/{index}")
                ref = pypi.purl(dist_name, dist_version)
                components.append(_package(ref, ref, dist_name, dist_version, evidence))
                edges.add(cid, ref, evidence, relation=Relation.CONTAINS, scopes=())
        return Inventory(components=tuple(components), edges=edges.all(), inputs=tuple(inputs))


# -- environment.yml -----------------------------------------------------------------------------
_ENVIRONMENT_NAME = re.compile(r"(?i)(?:.*[._-])?environment(?:[._-].*)?\.ya?ml")
_DEPENDENCIES_KEY = re.compile(rb"(?m)^dependencies[ \t]*:")


def _pip_line(line: str) -> tuple[str, str, str, list[tuple[str, str]]] | None:
    """``(name, version, direct URL, hashes)`` of one pip requirement line, or None (options, paths)."""
    url = ""
    req = pypi.requirement_or_none(line)
    if req is not None:
        name, version, url = req.name, pypi.exact_version(req), req.url or ""
    elif "://" in line:
        url = line.split()[0]
        name = version = ""
        egg = re.search(r"[#&]egg=([A-Za-z0-9_.-]+)", url)
        if egg:
            name = egg.group(1)
    else:
        return None
    hashes = []
    digest = re.search(r"[#&](sha256|sha384|sha512|md5)=([0-9a-fA-F]+)", url)
    if digest and (pair := pypi.hash_pair(digest.group(1), digest.group(2))):
        hashes.append(pair)
    if url and not version:
        from packaging import utils

        filename = url.split("#", 1)[0].split("?", 1)[0].rsplit("/", 1)[-1]
        try:
            if filename.endswith(".whl"):
                found_name, found_version, *_ = utils.parse_wheel_filename(filename)
            else:
                found_name, found_version = utils.parse_sdist_filename(filename)
            name, version = name or str(found_name), str(found_version)
        except ValueError:  # InvalidWheelFilename, InvalidSdistFilename, a version of over 4,300 digits
            pass
    if not name:
        return None
    return name, version, _strip_url(url) if url else "", hashes


class EnvironmentYmlCollector(Collector):
    """A conda ``environment.yml`` (hand-written or ``conda env export``), with its ``pip:`` list."""

    name = ENVIRONMENT
    description = "a conda environment.yml / environment.yaml (conda match specs and the pip: sublist)"

    def detect(self, path: TreePath) -> bool:
        return bool(_ENVIRONMENT_NAME.fullmatch(path.name)) and bool(_DEPENDENCIES_KEY.search(path.read_head(65536)))

    def collect(self, path: TreePath) -> Inventory:
        import yaml

        display = path.display()
        y = _Y(display)
        root = compose_yaml(path)
        if root is None:
            raise InputError(display, "is empty; not an environment.yml")
        top = y.mapping(root, "")
        if "dependencies" not in top:
            raise InputError(display, "has no 'dependencies' list; is this a conda environment.yml?")
        channels = [channel_of(c) for c in y.texts(top.get("channels"), "channels") if c.strip()]
        platforms = [p.strip() for p in y.texts(top.get("platforms"), "platforms") if p.strip()]
        repositories = [_strip_url(r) for r in y.texts(top.get("pip-repositories"), "pip-repositories")]
        category = y.text(top.get("category"), "category").strip()
        shared = [("conda:platform", p) for p in platforms]
        if category and category != "main":
            shared.append(("conda:category", category))
        shared.append(("conda:requested", "true"))
        components: list[Component] = []
        for i, item in enumerate(y.sequence(top["dependencies"], "dependencies")):
            where = f"dependencies[{i}]"
            evidence = Evidence(path=display, collector=self.name, line=y.line(item))
            if isinstance(item, yaml.MappingNode):
                sub = y.mapping(item, where)
                if set(sub) != {"pip"}:
                    raise y.fail(where, "is a mapping other than a 'pip:' list")
                components += self._pip(y, sub["pip"], f"{where}.pip", repositories, shared)
                continue
            raw = y.text(item, where).strip()
            if not raw:
                continue
            components.append(self._conda(raw, where, y, evidence, channels, shared))
        return Inventory(components=tuple(components))

    def _conda(
        self, raw: str, where: str, y: _Y, evidence: Evidence, channels: list[str], shared: list[tuple[str, str]]
    ) -> Component:
        if "://" in raw:  # an explicit archive URL
            archive = archive_of(raw)
            if not archive.name:
                raise y.fail(where, f"{raw[:80]!r} is not a conda package URL")
            spec: Spec | None = Spec(archive.name, archive.version, archive.build, archive.channel, archive.subdir)
            shown = _strip_url(raw)
        else:
            spec, shown = parse_spec(raw), raw
        if spec is None:
            raise y.fail(where, f"{raw[:80]!r} is not a conda match spec")
        channel = channel_of(spec.channel) if spec.channel else ""
        props = [
            *shared,
            ("conda:spec", shown[:_MAX_SHOWN]),
            ("conda:subdir", spec.subdir),
            ("conda:build", spec.build),
        ]
        props.append(("conda:channel", channel) if channel else ("conda:channels", ",".join(channels)))
        ref = conda_purl(spec.name, spec.version, build=spec.build, channel=channel, subdir=spec.subdir)
        return _package(ref, ref, spec.name, spec.version, evidence, properties=[p for p in props if p[1]])

    def _pip(
        self, y: _Y, node: yaml.Node, where: str, repositories: list[str], shared: list[tuple[str, str]]
    ) -> Iterator[Component]:
        lines = [(n, y.text(n, f"{where}[{i}]").strip()) for i, n in enumerate(y.sequence(node, where))]
        indexes = list(repositories)
        for _, line in lines:  # pip options apply to the whole list, wherever they stand
            words = line.split()
            if len(words) >= 2 and words[0] in ("-i", "--index-url", "--extra-index-url"):
                indexes.append(_strip_url(words[1]))
            elif words and words[0].startswith(("--index-url=", "--extra-index-url=")):
                indexes.append(_strip_url(words[0].partition("=")[2]))
        for n, line in lines:
            body = line.removeprefix("-e ").strip() if line.startswith("-e ") else line
            if not body or body.startswith("-"):
                continue
            parsed = _pip_line(body)
            if parsed is None:
                continue  # a local path: nothing to identify it by
            name, version, url, hashes = parsed
            props = [*shared, ("conda:manager", "pip"), ("conda:spec", _strip_spec(line))]
            props += [("conda:pip-repository", r) for r in indexes]
            if url:
                props.append(("python:direct-url", url))
            if line.startswith("-e "):
                props.append(("python:editable", "true"))
            ref = pypi.purl(name, version)
            evidence = Evidence(path=y.display, collector=self.name, line=y.line(n))
            yield _package(ref, ref, name, version, evidence, hashes=hashes, properties=props)


def _strip_spec(line: str) -> str:
    """A requirement line with the credentials of any URL in it removed."""
    return " ".join(_strip_url(w) if "://" in w else w for w in line.split())[:_MAX_SHOWN]


# -- conda-lock ----------------------------------------------------------------------------------
_LOCK_NAME = re.compile(r"(?i).*conda-lock[^/]*\.ya?ml")
_LOCK_KEYS = re.compile(rb"(?m)^(package|metadata)[ \t]*:")
_LOCK_VERSIONS = frozenset({"", "1", "2"})


@dataclass(slots=True)
class _Locked:
    cid: str
    name: str
    manager: str
    platform: str
    main: bool
    dependencies: list[tuple[str, str, int]]  # (name, spec, line)


class CondaLockCollector(Collector):
    """A conda-lock unified lock file (``conda-lock.yml``; v1, unversioned, multi-platform)."""

    name = LOCK
    description = "a conda-lock lock file (conda-lock.yml, *.conda-lock.yml): conda and pip packages per platform"

    def detect(self, path: TreePath) -> bool:
        return bool(_LOCK_NAME.fullmatch(path.name)) and bool(_LOCK_KEYS.search(path.read_head(16384)))

    def collect(self, path: TreePath) -> Inventory:
        display = path.display()
        y = _Y(display)
        root = compose_yaml(path)
        if root is None:
            raise InputError(display, "is empty; not a conda-lock file")
        top = y.mapping(root, "")
        version = y.text(top.get("version"), "version").strip()
        if version not in _LOCK_VERSIONS:
            raise InputError(display, f"conda-lock version {version[:20]!r} is not supported (1 and 2 are)")
        if "package" not in top:
            raise InputError(display, "has no 'package' list; is this a conda-lock file?")
        components: list[Component] = []
        locked: list[_Locked] = []
        for i, node in enumerate(y.sequence(top["package"], "package")):
            component, entry = self._entry(y, node, f"package[{i}]")
            components.append(component)
            locked.append(entry)
        return Inventory(components=tuple(components), edges=self._edges(locked, display))

    def _entry(self, y: _Y, node: yaml.Node, where: str) -> tuple[Component, _Locked]:
        entry = y.mapping(node, where)
        name = y.text(entry.get("name"), f"{where}.name").strip()
        version = y.text(entry.get("version"), f"{where}.version").strip()
        platform = y.text(entry.get("platform"), f"{where}.platform").strip()
        manager = y.text(entry.get("manager"), f"{where}.manager").strip() or "conda"
        if not name:
            raise y.fail(where, "has no 'name'")
        if manager not in ("conda", "pip"):
            raise y.fail(where, f"manager {manager[:20]!r} is neither conda nor pip")
        url = y.text(entry.get("url"), f"{where}.url").strip()
        hashes_node = y.mapping(entry.get("hash"), f"{where}.hash")
        md5 = y.text(hashes_node.get("md5"), f"{where}.hash.md5")
        hashes = _hashes(md5, y.text(hashes_node.get("sha256"), f"{where}.hash.sha256"))
        categories = [y.text(entry["category"], f"{where}.category").strip()] if "category" in entry else []
        categories += y.texts(entry.get("categories"), f"{where}.categories")
        categories = [c for c in (c.strip() for c in categories) if c] or ["main"]
        main = "main" in categories
        props = [("conda:manager", manager), ("conda:platform", platform)]
        props += [("conda:category", c) for c in categories]
        if not main:
            props.append(("conda:optional", "true"))
        if url:
            props.append(("conda:url", _strip_url(url)))
        source = y.mapping(entry.get("source"), f"{where}.source")
        if source_url := y.text(source.get("url"), f"{where}.source.url").strip():
            props.append(("conda:source-url", _strip_url(source_url)))
        if manager == "pip":
            cid, ref = pip_ids(name, version, platform)
        else:
            archive = archive_of(url, name, version) if url else Archive()
            build = y.text(entry.get("build"), f"{where}.build").strip() or archive.build
            props += [("conda:build", build), ("conda:channel", archive.channel), ("conda:subdir", archive.subdir)]
            cid, ref = conda_ids(
                name, version, build=build, channel=archive.channel, subdir=archive.subdir, platform=platform
            )
        dependencies = []
        for dep_key, dep_value in y.mapping(entry.get("dependencies"), f"{where}.dependencies").items():
            spec = y.text(dep_value, f"{where}.dependencies.{dep_key}").strip()
            dependencies.append((dep_key.strip(), spec, y.line(dep_value)))
        evidence = Evidence(path=y.display, collector=self.name, line=y.line(node))
        component = _package(cid, ref, name, version, evidence, hashes=hashes, properties=[p for p in props if p[1]])
        return component, _Locked(cid, name, manager, platform, main, dependencies)

    def _edges(self, locked: list[_Locked], display: str) -> tuple[Edge, ...]:
        """Each dependency resolves within its platform: the same manager first, then the other one.

        Names are compared as written, then PEP 503-normalised (conda-lock itself tries ``-`` and
        ``_`` both): a pip package may depend on a package conda installed, and the reverse.
        """
        index: dict[tuple[str, str, str], str] = {}
        for e in locked:
            index.setdefault((e.platform, e.manager, e.name), e.cid)
        for e in locked:
            index.setdefault((e.platform, e.manager, pypi.normalise_name(e.name)), e.cid)
        edges = _Edges()
        for e in locked:
            scopes = ("run",) if e.main else ("run", "dev")
            managers = (e.manager, "pip" if e.manager == "conda" else "conda")
            for dep, spec, line in e.dependencies:
                evidence = Evidence(path=display, collector=self.name, line=line)
                spec_text = f"{dep} {spec}".strip()
                found = next(
                    (
                        cid
                        for m in managers
                        for key in (dep, pypi.normalise_name(dep))
                        if (cid := index.get((e.platform, m, key)))
                    ),
                    "",
                )
                if e.manager == "pip" and not found:
                    targets, props = [pypi.purl(dep)], [("conda:spec", spec_text[:_MAX_SHOWN])]
                else:
                    targets, props = _conda_target(dep, spec_text, [found] if found else [])
                for target in targets:
                    edges.add(e.cid, target, evidence, scopes=scopes, properties=props)
        return edges.all()


# -- conda list --json ---------------------------------------------------------------------------
_LIST_KEYS = (b'"build_string"', b'"dist_name"', b'"base_url"')


class CondaListCollector(Collector):
    """The output of ``conda list --json`` (or ``mamba list --json``) saved to a file."""

    name = LIST
    description = "the JSON output of `conda list --json` saved to a file"

    def detect(self, path: TreePath) -> bool:
        if path.suffix != ".json":
            return False
        head = path.read_head(4096).lstrip()
        return head.startswith(b"[") and any(k in head for k in _LIST_KEYS)

    def collect(self, path: TreePath) -> Inventory:
        display = path.display()
        doc = load_json(path)
        if not isinstance(doc, list):
            raise InputError(display, "is not a JSON array; is this `conda list --json` output?")
        entries = []
        for i, item in enumerate(doc):
            match item:
                case {"name": str(name), "version": str(version)} if name.strip():
                    entries.append((i, item, name.strip(), version.strip()))
                case _:
                    raise InputError(display, f"entry /{i} has no 'name' and 'version' strings")
        platforms = {
            p for _, item, _, _ in entries if isinstance(p := item.get("platform"), str) and p not in ("noarch", "pypi")
        }
        platform = platforms.pop() if len(platforms) == 1 else ""
        components = []
        for i, item, name, version in entries:
            evidence = Evidence(path=display, collector=self.name, pointer=f"/{i}")
            strings = {k: v.strip() for k, v in item.items() if isinstance(v, str)}
            channel_raw = strings.get("channel", "")
            if channel_raw == "pypi" or strings.get("platform") == "pypi":
                ref = pypi.purl(name, version)
                components.append(_package(ref, ref, name, version, evidence, properties=[("conda:manager", "pip")]))
                continue
            channel = channel_of(strings.get("base_url") or channel_raw)
            subdir = strings.get("platform", "")
            build = strings.get("build_string", "")
            props = [("conda:build", build), ("conda:channel", channel), ("conda:subdir", subdir)]
            if platform:
                props.append(("conda:platform", platform))
            if isinstance(number := item.get("build_number"), int) and not isinstance(number, bool):
                props.append(("conda:build-number", str(number)))
            cid, ref = conda_ids(name, version, build=build, channel=channel, subdir=subdir, platform=platform)
            components.append(_package(cid, ref, name, version, evidence, properties=[p for p in props if p[1]]))
        return Inventory(components=tuple(components))
