"""Spack: environment lockfiles, installed and build-cache spec files, manifests, ``spack find --json``.

Four collectors share one node reader, because every Spack format carries the same node record
(name, version, arch, compiler, namespace, parameters, external, dependencies, hashes) in one of
a few shapes:

``spack-lock``         ``spack.lock``, lockfile versions 1-7 (``_meta.lockfile-version``; the node
                       shape follows ``_meta.specfile-version``). v1/v2 nodes are wrapped in a
                       ``{name: record}`` map; from v3 they are flat. In v2/v3 the keys of
                       ``concrete_specs`` are *build* hashes: identity is the record's own DAG
                       ``hash``, every other hash is an alias, so two keys of one DAG hash give one
                       component (edges and evidence united). v5+ ``include_concrete`` is read too.
``spack-spec``         ``<prefix>/.spack/spec.json`` (specfile v2-v5) and legacy ``spec.yaml``
                       (specfile v1) of an installed prefix, plus build-cache ``*.spec.json``,
                       ``*.spec.yaml`` and clear-signed ``*.spec.json.sig``. This is a *file*
                       collector: the walker descends into ``.spack`` and offers ``spec.json``, so
                       the prefix's other content (a site-packages, say) stays visible to the
                       other collectors, and an install tree ``opt/spack/<arch>/<compiler>/<pkg>``
                       is read prefix by prefix (the DAGs overlap; merging by id dedupes them).
``spack-environment``  ``spack.yaml``: the declared root specs (``specs``, with ``definitions``
                       and ``matrix`` expanded; ``when`` and ``exclude`` are ignored, so the list
                       is a superset), the ``packages:*:externals`` a site declares (an external
                       cuda or cray-mpich is what an auditor looks for) and the pre-1.0
                       ``compilers`` list. A manifest is intent, not a build: roots have no version
                       unless pinned with ``@=``, and a root's ``%compiler@version`` becomes a
                       ``built-with`` edge only when the manifest itself declares that compiler
                       (else it stays the property ``spack:compiler-constraint``). ``include:``
                       files are not followed. Detected by name (``spack.yaml``) or, for any other
                       ``*.yaml``, by ``spack:`` being its first top-level key.
``spack-find``         the output of ``spack find --json [--deps]``: a JSON array of node records
                       (flat, or name-keyed as older Spack printed them), detected by content.

Identity. There is no purl type for Spack in the purl specification, and ``pkg:generic`` would
lose the one thing that tells a reader where the recipe came from, so components are
``pkg:spack/<name>@<version>?hash=<dag-hash>``. The DAG hash qualifier keeps two builds of one
``name@version`` apart (different variants, targets or dependencies) and makes the same build
found in a lockfile, an installed ``spec.json`` and ``spack find`` one component. Without a hash
(manifest roots and externals) the id is ``pkg:spack/<name>[@<version>]``; a root pinned by
``/hash`` keeps the hash qualifier but no version. The recipe's repository namespace
(``builtin``, a site repo) is the property ``spack:namespace``, not a purl namespace.

What else becomes of a node:

* ``spack:*`` properties: ``hash``, ``build-hash``/``full-hash`` aliases, ``package-hash``,
  ``namespace``, ``platform``, ``os``, ``target``, ``variant:<name>``, ``flag:<name>`` (non-empty
  flags only), ``patch`` (sha256 of each patch), ``root``/``root-spec``, ``external`` and
  ``external-prefix``/``external-module``, ``compiler-path:<lang>`` for external compilers.
* ``depends-on`` edges with the deptypes (build, link, run, test) as scopes and the virtuals the
  dependency provides as the edge property ``spack:virtuals`` (``mpi``, ``blas``, ``c,cxx``).
* the compiler: up to Spack 0.23 a node attribute, which becomes a ``built-with`` edge to
  ``software/compiler/<name>@<version>`` (not for externals: Spack did not build them, the
  attribute is only a label); from Spack 1.0 compilers are dependencies providing the
  virtuals ``c``/``cxx``/``fortran``, which get a ``built-with`` edge too (beside the
  ``depends-on`` edge, with the virtuals as ``spack:virtuals``) and make the target kind
  ``compiler``.
* the target microarchitecture: a ``runs-on`` edge to ``compute/cpu-target/<target>``, whose
  supplier comes from archspec's table of microarchitectures (the ``archspec`` package, imported
  on first use; its raw vendor id is the property ``archspec:vendor``). Generic ISA levels
  (``x86_64_v3``, ``aarch64``) have no supplier, and neither has a target archspec does not know:
  unknown is not guessed (a vendor the input itself names is kept as ``spack:target-vendor``).

Nothing here walks the dependency graph, so a cycle in a (hand-edited or hostile) lockfile is just
two edges. Every shape error names its JSON pointer (``/concrete_specs/<hash>/version: is a list,
expected a string``). Licences and homepages are not in any of these files (they live in the
recipes' ``package.py``, which is never read). Big JSON inputs are parsed with the cyclic garbage
collector paused (see :func:`_gc_paused`): it halves the time of a 5,000-spec lockfile.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sovaudit.collectors.interface import Collector
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Component, Edge, Evidence, Inventory, Layer, Relation, component_id

#: Lockfile versions this reader knows (v7, Spack 1.2, is v6 plus ``roots[].group``).
LOCKFILE_VERSIONS = range(1, 8)
#: Specfile (node format) versions this reader knows: 1 = spec.yaml, 2-5 = spec.json.
SPECFILE_VERSIONS = range(1, 6)

#: Compiler flag keys that Spack stores among the variants in ``parameters``.
_FLAGS = frozenset({"cflags", "cppflags", "cxxflags", "fflags", "ldflags", "ldlibs"})
#: Virtuals that make a Spack 1.0 dependency a compiler.
_LANGUAGE_VIRTUALS = frozenset({"c", "cxx", "fortran"})
#: archspec's vendor ids (mostly CPUID vendor strings) to supplier names.
_VENDORS = {
    "GenuineIntel": "Intel",
    "AuthenticAMD": "AMD",
    "ARM": "Arm",
    "Apple": "Apple",
    "IBM": "IBM",
    "Ampere": "Ampere",
    "Cavium": "Cavium",
    "Fujitsu": "Fujitsu",
    "Nvidia": "NVIDIA",
    "SiFive": "SiFive",
    "SpacemiT": "SpacemiT",
}
#: Upper bound on the expanded size of a YAML document (nodes, counting every alias expansion).
_MAX_YAML_NODES = 1_000_000
#: Largest YAML file read (manifests and legacy spec.yaml files are small).
_MAX_YAML_BYTES = 16 * 1024 * 1024
#: Upper bound on the root specs one manifest may expand to (definitions x matrices).
_MAX_MANIFEST_SPECS = 100_000


# -- errors with a place -----------------------------------------------------------------------
class _Bad(Exception):
    """A shape error at a JSON pointer; the collector turns it into an InputError naming the file."""

    def __init__(self, pointer: str, reason: str) -> None:
        self.message = f"{pointer}: {reason}" if pointer else reason  # "" is the whole document
        super().__init__(self.message)


def _type_name(value: object) -> str:
    match value:
        case None:
            return "null"
        case bool():
            return "a boolean"
        case int() | float():
            return "a number"
        case str():
            return "a string"
        case list():
            return "a list"
        case dict():
            return "an object"
    return type(value).__name__


def _esc(token: object) -> str:
    """One JSON-pointer reference token."""
    text = str(token)
    return text.replace("~", "~0").replace("/", "~1") if ("~" in text or "/" in text) else text


def _ptr(base: str, *tokens: object) -> str:
    return base + "".join("/" + _esc(t) for t in tokens)


# The validators take the pointer as (base, *tokens) and only join it when they raise: they run
# for every field of every node, and building pointers nobody reads was half the cost of a scan.
def _str(obj: dict[str, Any], key: str, ptr: str, *, required: bool = False) -> str:
    value = obj.get(key)
    if type(value) is str:
        return value
    if value is None and not required:
        return ""
    what = "is missing" if value is None else f"is {_type_name(value)}, expected a string"
    raise _Bad(_ptr(ptr, key), what)


def _obj(value: object, ptr: str, *tokens: object, what: str = "an object") -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise _Bad(_ptr(ptr, *tokens), f"is {_type_name(value)}, expected {what}")


def _strings(value: object, ptr: str, *tokens: object) -> tuple[str, ...]:
    """A string or a list of strings (Spack writes both for deptypes and modules); None is empty."""
    if type(value) is list and all(type(v) is str for v in value):
        return tuple(value)
    if value is None:
        return ()
    if type(value) is str:
        return (value,)
    raise _Bad(_ptr(ptr, *tokens), f"is {_type_name(value)}, expected a list of strings")


def _text(value: object) -> str:
    """A variant value as one property string."""
    match value:
        case bool():
            return "true" if value else "false"
        case str():
            return value
        case None:
            return ""
        case list() | tuple():
            return ",".join(_text(v) for v in value)
        case dict():
            return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a big input is parsed and converted.

    A 10 MB lockfile is a million small acyclic objects; the collector's full passes over them
    cost more than parsing (about 1 s of a 5,000-spec scan, see ``benchmarks/spack_lock.py``).
    Nothing built here forms a reference cycle, so nothing is left for it to find. The previous
    state is restored on the way out.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# -- loading -----------------------------------------------------------------------------------
def _load_json(path: TreePath, data: bytes | str | None = None) -> object:
    raw = path.read_bytes() if data is None else data
    if not raw.strip():
        raise InputError(path.display(), "is empty")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as err:
        raise InputError(
            path.display(), f"is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"
        ) from err
    except RecursionError as err:
        raise InputError(path.display(), "is nested too deeply to read") from err
    except UnicodeDecodeError as err:
        raise InputError(path.display(), f"is not UTF-8 text (byte {err.start})") from err
    except ValueError as err:  # absurdly long integers
        raise InputError(path.display(), f"is not valid JSON: {' '.join(str(err).split())}") from err


def _load_yaml(path: TreePath) -> object:
    import yaml  # lazily: only YAML inputs pay for it

    # Real manifests are a few hundred KB; a YAML parser is slow, so a 60 MB one is refused unread.
    text = path.read_text(limit=min(path.limits.max_file_bytes, _MAX_YAML_BYTES))
    try:
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as err:
        where = f" at line {err.problem_mark.line + 1}" if err.problem_mark is not None else ""
        raise InputError(path.display(), f"is not valid YAML: {err.problem or err.context}{where}") from err
    except yaml.YAMLError as err:
        raise InputError(path.display(), f"is not valid YAML: {' '.join(str(err).split())}") from err
    except RecursionError as err:
        raise InputError(path.display(), "is nested too deeply to read") from err
    except ValueError as err:  # a date out of range, an integer of over 4,300 digits
        raise InputError(path.display(), "is not valid YAML: a value out of range") from err
    try:
        _check_yaml_size(doc)
    except RecursionError as err:
        raise InputError(path.display(), "is nested too deeply to read") from err
    except _Bad as err:
        raise InputError(path.display(), err.message) from err
    return doc


def _check_yaml_size(doc: object) -> None:
    """Refuse documents whose aliases expand to a huge (billion laughs) or self-referencing tree.

    Counts the expanded size in time linear in the number of *distinct* nodes (memoised by
    identity, which is exactly what alias sharing produces), so the check itself cannot blow up.
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: object) -> int:
        if not isinstance(node, dict | list):
            return 1
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise _Bad("", "is a YAML document that refers to itself (recursive alias); not read")
        active.add(key)
        children = itertools.chain.from_iterable(node.items()) if isinstance(node, dict) else node
        total = 1
        for child in children:
            total += size(child)
            if total > _MAX_YAML_NODES:
                raise _Bad("", f"expands to over {_MAX_YAML_NODES:,} YAML nodes (alias bomb?); not read")
        active.discard(key)
        sizes[key] = total
        return total

    size(doc)


# -- ids and the cpu-target table --------------------------------------------------------------
#: Names and versions made only of these characters need no percent-encoding in a purl.
_PURL_SAFE = re.compile(r"[A-Za-z0-9._-]+")


def spack_purl(name: str, version: str = "", dag_hash: str = "") -> str:
    """``pkg:spack/<name>@<version>?hash=<dag-hash>`` (see the module docstring).

    Spack names, versions and base32 hashes almost never need encoding, so the string is built
    directly then (a test checks it equals packageurl-python's); anything else goes through
    :class:`packageurl.PackageURL`.
    """
    safe = _PURL_SAFE.fullmatch
    if safe(name) and (not version or safe(version)) and (not dag_hash or safe(dag_hash)):
        tail = f"@{version}" if version else ""
        return f"pkg:spack/{name}{tail}?hash={dag_hash}" if dag_hash else f"pkg:spack/{name}{tail}"
    from packageurl import PackageURL

    # A JSON "\ud800" is a lone surrogate, which percent-encoding (UTF-8) cannot write: its escape is.
    name, version, dag_hash = (s.encode("utf-8", "backslashreplace").decode() for s in (name, version, dag_hash))

    return str(
        PackageURL(
            type="spack",
            name=name,
            version=version or None,
            qualifiers={"hash": dag_hash} if dag_hash else None,
        ).to_string()
    )


@functools.lru_cache(maxsize=1024)
def target_vendor(target: str) -> str:
    """archspec's vendor id of a microarchitecture (``AuthenticAMD``, ``generic``); "" if unknown."""
    # Lazily: about 40 ms, and only inputs that name a target need it. (import_module: no stubs.)
    known = importlib.import_module("archspec.cpu").TARGETS.get(target)
    return str(known.vendor) if known is not None else ""


def _target_component(name: str, ev: Evidence, input_vendor: str = "") -> Component:
    """``compute/cpu-target/<name>``; the supplier is archspec's, the input's own vendor only a property."""
    vendor = target_vendor(name)
    props = [("archspec:vendor", vendor)] if vendor else []
    if input_vendor and input_vendor != vendor:
        props.append(("spack:target-vendor", input_vendor))
    supplier = "" if vendor in ("", "generic") else _VENDORS.get(vendor, vendor)
    return Component(
        id=component_id(Layer.COMPUTE, "cpu-target", name),
        layer=Layer.COMPUTE,
        kind="cpu-target",
        name=name,
        supplier=supplier,
        properties=tuple(sorted(props)),
        evidence=(ev,),
    )


def _compiler_component(name: str, version: str, ev: Evidence) -> Component:
    """``software/compiler/<name>@<version>``: a compiler named by a node attribute (Spack <= 0.23)."""
    return Component(
        id=component_id(Layer.SOFTWARE, "compiler", name, version),
        layer=Layer.SOFTWARE,
        kind="compiler",
        name=name,
        version=version,
        evidence=(ev,),
    )


# -- the shared node reader --------------------------------------------------------------------
@dataclass(slots=True)
class _Dep:
    name: str
    refs: tuple[str, ...]  # hashes the entry names (hash, build_hash, full_hash), in that order
    deptypes: tuple[str, ...]
    virtuals: tuple[str, ...]
    pointer: str


@dataclass(slots=True)
class _Node:
    name: str
    version: str
    dag: str  # the DAG hash: the record's ``hash``, else the map key (lockfile v1)
    aliases: tuple[str, ...]
    record: dict[str, Any]
    pointer: str
    deps: list[_Dep]


@dataclass(slots=True)
class _Acc:
    """A component being assembled from one or more node records."""

    layer: Layer
    kind: str
    name: str
    version: str
    purl: str
    props: set[tuple[str, str]] = field(default_factory=set)
    hashes: set[tuple[str, str]] = field(default_factory=set)
    evidence: dict[Evidence, None] = field(default_factory=dict)
    supplier: str = ""


class _Graph:
    """Components and edges of one input, deduplicated by id and by (source, target, relation)."""

    def __init__(self, display: str, collector: str) -> None:
        self.display = display
        self.collector = collector
        self.acc: dict[str, _Acc] = {}
        self.extra: dict[str, Component] = {}  # targets and compilers: first mention only
        self.edges: dict[tuple[str, str, Relation], Edge] = {}

    def ev(self, pointer: str) -> Evidence:
        return Evidence(path=self.display, collector=self.collector, pointer=pointer)

    def component(self, cid: str, *, kind: str, name: str, version: str, purl: str, pointer: str) -> _Acc:
        acc = self.acc.get(cid)
        if acc is None:
            acc = self.acc[cid] = _Acc(layer=Layer.SOFTWARE, kind=kind, name=name, version=version, purl=purl)
        elif kind == "compiler":
            acc.kind = kind
        acc.evidence[self.ev(pointer)] = None
        return acc

    def add_extra(self, comp: Component) -> None:
        self.extra.setdefault(comp.id, comp)

    def edge(
        self,
        source: str,
        target: str,
        relation: Relation,
        ev: Evidence,
        scopes: tuple[str, ...] = (),
        props: tuple[tuple[str, str], ...] = (),
    ) -> None:
        key = (source, target, relation)
        old = self.edges.get(key)
        if old is None:
            self.edges[key] = Edge(
                source=source,
                target=target,
                relation=relation,
                scopes=scopes if len(scopes) < 2 else tuple(sorted(set(scopes))),
                properties=props,
                evidence=(ev,),
            )
        else:  # the same edge again (two build hashes of one DAG hash, a repeated entry): unite
            self.edges[key] = Edge(
                source=source,
                target=target,
                relation=relation,
                scopes=tuple(sorted({*old.scopes, *scopes})),
                properties=tuple(sorted({*old.properties, *props})),
                evidence=old.evidence if ev in old.evidence else (*old.evidence, ev),
            )

    def inventory(self) -> Inventory:
        comps = [
            Component(
                id=cid,
                layer=a.layer,
                kind=a.kind,
                name=a.name,
                version=a.version,
                purl=a.purl,
                supplier=a.supplier,
                hashes=tuple(sorted(a.hashes)),
                properties=tuple(sorted(a.props)),
                evidence=tuple(a.evidence),
            )
            for cid, a in self.acc.items()
        ]
        comps.extend(c for cid, c in self.extra.items() if cid not in self.acc)
        return Inventory(components=tuple(comps), edges=tuple(self.edges.values()))


def _refs(entry: dict[str, Any], pointer: str) -> tuple[str, ...]:
    """The hashes a dependency entry names: ``hash``, ``build_hash``, ``full_hash`` (those present)."""
    refs = tuple(v for v in (entry.get("hash"), entry.get("build_hash"), entry.get("full_hash")) if v is not None)
    if all(type(v) is str for v in refs):
        return refs
    for key in ("hash", "build_hash", "full_hash"):
        _str(entry, key, pointer)  # raises, naming the field
    return refs


class _SpecReader:
    """Reads node records of any specfile version and turns them into components and edges.

    Two passes: :meth:`add` parses and validates each record (once) and registers its hash
    aliases; :meth:`build` resolves dependency hashes through the aliases, so the order of the
    records in the file does not matter, and emits everything. Both are linear in the size of
    the input; nothing follows dependencies, so a cycle is just two edges.
    """

    def __init__(self, graph: _Graph) -> None:
        self.g = graph
        self.nodes: list[_Node] = []
        self.alias: dict[str, str] = {}  # any hash -> DAG hash
        self.roots: list[tuple[str, str, str, str]] = []  # (hash, spec text, pointer, included-from)
        self.hashes: dict[int, tuple[str, str]] = {}  # node index -> (algorithm, digest) of its artifact

    # pass 1 -----------------------------------------------------------------------------------
    def add(self, raw: object, pointer: str, *, key: str = "", wrapped: bool | None = None) -> None:
        rec = _obj(raw, pointer)
        if wrapped is None:  # spack find: flat records, or name-keyed ones from old Spack
            wrapped = type(rec.get("name")) is not str
        if wrapped:
            if len(rec) != 1:
                raise _Bad(pointer, f"has {len(rec)} keys, expected one package name wrapping the node record")
            ((name, inner),) = rec.items()
            pointer = f"{pointer}/{_esc(name)}"
            rec = _obj(inner, pointer)
        else:
            name = _str(rec, "name", pointer, required=True)
        if not name:
            raise _Bad(_ptr(pointer, "name"), "is empty")
        version = _str(rec, "version", pointer)
        dag = _str(rec, "hash", pointer) or key
        build_hash, full_hash = _str(rec, "build_hash", pointer), _str(rec, "full_hash", pointer)
        aliases = tuple(dict.fromkeys(h for h in (key, dag, build_hash, full_hash) if h))
        deps = rec.get("dependencies")
        node = _Node(name, version, dag, aliases, rec, pointer, self._deps(deps, pointer) if deps else [])
        self.nodes.append(node)
        canon = dag or f"{name}@{version}"
        for a in aliases:
            self.alias.setdefault(a, canon)

    @staticmethod
    def _deps(raw: object, pointer: str) -> list[_Dep]:
        dp = f"{pointer}/dependencies"
        out: list[_Dep] = []
        if type(raw) is list:  # specfile v2+: [{name, hash | build_hash, type | parameters{deptypes, virtuals}}]
            for i, entry in enumerate(raw):
                e = _obj(entry, dp, i)
                p = f"{dp}/{i}"
                dname = _str(e, "name", p, required=True)
                refs = _refs(e, p)
                params = e.get("parameters")
                if params is None:
                    deptypes = _strings(e.get("type"), p, "type")
                    virtuals = _strings(e.get("virtuals"), p, "virtuals")
                else:
                    po = _obj(params, p, "parameters")
                    deptypes = _strings(po.get("deptypes"), p, "parameters", "deptypes")
                    virtuals = _strings(po.get("virtuals"), p, "parameters", "virtuals")
                out.append(_Dep(dname, refs, deptypes, virtuals, p))
        elif isinstance(raw, dict):  # specfile v1: {name: {hash, type}}
            for dname, entry in raw.items():
                p = f"{dp}/{_esc(dname)}"
                e = _obj(entry, p)
                refs = _refs(e, p)
                out.append(_Dep(dname, refs, _strings(e.get("type"), p, "type"), (), p))
        else:
            raise _Bad(dp, f"is {_type_name(raw)}, expected an object or a list")
        return out

    def root(self, ref: str, spec: str, pointer: str, included_from: str = "") -> None:
        self.roots.append((ref, spec, pointer, included_from))

    # pass 2 -----------------------------------------------------------------------------------
    def build(self) -> Inventory:
        g = self.g
        ids: dict[str, str] = {}  # canonical hash -> component id
        for n in self.nodes:
            canon = n.dag or f"{n.name}@{n.version}"
            if canon not in ids:
                ids[canon] = spack_purl(n.name, n.version, n.dag)
        # per distinct virtuals tuple: (edge properties, provides a language, i.e. is a compiler)
        by_virtuals: dict[tuple[str, ...], tuple[tuple[tuple[str, str], ...], bool]] = {(): ((), False)}
        for n in self.nodes:
            for d in n.deps:
                if d.virtuals not in by_virtuals:
                    by_virtuals[d.virtuals] = (
                        (("spack:virtuals", ",".join(sorted(d.virtuals))),),
                        not _LANGUAGE_VIRTUALS.isdisjoint(d.virtuals),
                    )
        compilers = {self._resolve(d, ids) for n in self.nodes for d in n.deps if by_virtuals[d.virtuals][1]}
        for index, n in enumerate(self.nodes):
            cid = ids[n.dag or f"{n.name}@{n.version}"]
            is_compiler = cid in compilers or self._external_compilers(n) is not None
            acc = g.component(
                cid,
                kind="compiler" if is_compiler else "package",
                name=n.name,
                version=n.version,
                purl=cid,
                pointer=n.pointer,
            )
            self._describe(n, acc, cid)
            if index in self.hashes:
                acc.hashes.add(self.hashes[index])
            for d in n.deps:
                target = self._resolve(d, ids)
                props, is_language = by_virtuals[d.virtuals]
                ev = g.ev(d.pointer)
                g.edge(cid, target, Relation.DEPENDS_ON, ev, d.deptypes, props)
                if is_language:
                    g.edge(cid, target, Relation.BUILT_WITH, ev, (), props)
        for ref, spec, pointer, included_from in self.roots:
            found = self.alias.get(ref)
            if found is not None and found in ids:
                acc = g.acc[ids[found]]
            else:  # a root whose node is not in the file: keep what the root entry says
                name = _parse_spec(spec).name or "unknown"
                cid = spack_purl(name, "", ref)
                acc = g.component(cid, kind="package", name=name, version="", purl=cid, pointer=pointer)
                if ref:
                    acc.props.add(("spack:hash", ref))
            acc.props.add(("spack:root", "true"))
            if spec:
                acc.props.add(("spack:root-spec", spec))
            if included_from:
                acc.props.add(("spack:included-from", included_from))
        return g.inventory()

    def _resolve(self, d: _Dep, ids: dict[str, str]) -> str:
        for ref in d.refs:
            canon = self.alias.get(ref)
            if canon is not None and canon in ids:
                return ids[canon]
        # Not described in this input: an id the graph turns into an unresolved placeholder.
        return spack_purl(d.name, "", d.refs[0] if d.refs else "")

    @staticmethod
    def _external_compilers(n: _Node) -> dict[str, Any] | None:
        ext = n.record.get("external")
        if isinstance(ext, dict):
            extra = ext.get("extra_attributes")
            if isinstance(extra, dict):
                compilers = extra.get("compilers")
                if isinstance(compilers, dict):
                    return compilers
        return None

    def _describe(self, n: _Node, acc: _Acc, cid: str) -> None:
        """Properties, the compiler edge and the target edge of one node record."""
        rec, ptr, props = n.record, n.pointer, acc.props
        if n.dag:
            props.add(("spack:hash", n.dag))
        if len(n.aliases) > 1 or (n.aliases and n.aliases[0] != n.dag):
            full_hash = _str(rec, "full_hash", ptr)
            for a in n.aliases:
                if a != n.dag:
                    props.add(("spack:full-hash" if a == full_hash else "spack:build-hash", a))
        package_hash, namespace = _str(rec, "package_hash", ptr), _str(rec, "namespace", ptr)
        if package_hash:
            props.add(("spack:package-hash", package_hash))
        if namespace:
            props.add(("spack:namespace", namespace))
        params = rec.get("parameters")
        if params is not None:
            for k, v in _obj(params, ptr, "parameters").items():
                if k in _FLAGS:
                    if v:
                        props.add((f"spack:flag:{k}", " ".join(_strings(v, ptr, "parameters", k))))
                elif k == "patches":
                    props.update(("spack:patch", h) for h in _strings(v, ptr, "parameters", k))
                else:
                    props.add((f"spack:variant:{k}", _text(v)))
        patches = rec.get("patches")
        if patches:
            props.update(("spack:patch", h) for h in _strings(patches, ptr, "patches"))
        build_spec = rec.get("build_spec")
        if isinstance(build_spec, dict) and isinstance(build_spec.get("hash"), str):
            props.add(("spack:build-spec-hash", build_spec["hash"]))
        ext = rec.get("external")
        if ext is not None:
            e = _obj(ext, ptr, "external")
            props.add(("spack:external", "true"))
            prefix = _str(e, "path", f"{ptr}/external")
            if prefix:
                props.add(("spack:external-prefix", prefix))
            props.update(("spack:external-module", m) for m in _strings(e.get("module"), ptr, "external", "module"))
            compilers = self._external_compilers(n)
            if compilers:
                props.update((f"spack:compiler-path:{lang}", _text(p)) for lang, p in compilers.items())
        comp = rec.get("compiler")
        # Spack <= 0.23: an attribute, not a node. An external was not built by Spack: its
        # compiler attribute is a label Spack gave it, not a fact, so it gets no edge.
        if comp is not None and ext is None:
            cp = f"{ptr}/compiler"
            c = _obj(comp, cp)
            cid_compiler = component_id(
                Layer.SOFTWARE, "compiler", _str(c, "name", cp, required=True), _str(c, "version", cp)
            )
            if cid_compiler not in self.g.extra:
                self.g.add_extra(_compiler_component(c["name"], _str(c, "version", cp), self.g.ev(cp)))
            self.g.edge(cid, cid_compiler, Relation.BUILT_WITH, self.g.ev(cp))
        arch = rec.get("arch")
        if arch is not None:
            arch_obj = _obj(arch, ptr, "arch")
            ap = f"{ptr}/arch"
            for key, prop in (("platform", "spack:platform"), ("platform_os", "spack:os")):
                text = _str(arch_obj, key, ap)
                if text:
                    props.add((prop, text))
            target = arch_obj.get("target")
            tname, tvendor = "", ""
            if type(target) is str:
                tname = target
            elif isinstance(target, dict):
                tname = _str(target, "name", f"{ap}/target", required=True)
                tvendor = _str(target, "vendor", f"{ap}/target")
            elif target is not None:
                raise _Bad(f"{ap}/target", f"is {_type_name(target)}, expected a string or an object")
            if tname:
                props.add(("spack:target", tname))
                tid = component_id(Layer.COMPUTE, "cpu-target", tname)
                ev = self.g.ev(f"{ap}/target")
                if tid not in self.g.extra:
                    self.g.add_extra(_target_component(tname, ev, tvendor))
                self.g.edge(cid, tid, Relation.RUNS_ON, ev)


def _collect_with(path: TreePath, collector: str, fill: Callable[[_SpecReader], None]) -> Inventory:
    """Run ``fill(reader)``, build, and turn shape errors into an InputError naming the file."""
    reader = _SpecReader(_Graph(path.display(), collector))
    try:
        fill(reader)
        return reader.build()
    except _Bad as err:
        raise InputError(path.display(), err.message) from err
    except RecursionError as err:
        raise InputError(path.display(), "is nested too deeply to read") from err


# -- spack.lock --------------------------------------------------------------------------------
def _version(meta: dict[str, Any], key: str, known: range, what: str) -> int | None:
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(_ptr("/_meta", key), f"is {_type_name(value)} {value!r:.40}, expected an integer")
    if value not in known:
        raise _Bad(
            _ptr("/_meta", key), f"{what} {value} is not supported (this reader knows {known.start}-{known.stop - 1})"
        )
    return value


def _fill_lock(reader: _SpecReader, doc: object) -> None:
    if not isinstance(doc, dict):
        raise _Bad("", f"is {_type_name(doc)}, expected an object; is this a spack.lock?")
    meta = doc.get("_meta")
    if not isinstance(meta, dict):
        raise _Bad("/_meta", "is missing or not an object; is this a spack.lock?")
    file_type = meta.get("file-type")
    if file_type is not None and file_type != "spack-lockfile":
        raise _Bad("/_meta/file-type", f"is {file_type!r:.60}, expected 'spack-lockfile'")
    lock_version = _version(meta, "lockfile-version", LOCKFILE_VERSIONS, "lockfile-version")
    if lock_version is None:
        raise _Bad("/_meta/lockfile-version", "is missing; is this a spack.lock?")
    _version(meta, "specfile-version", SPECFILE_VERSIONS, "specfile-version")
    wrapped = lock_version <= 2  # v1/v2: {name: record}; v3+: flat records with "name"
    _fill_env(reader, doc, "", wrapped, "")
    if lock_version >= 5 and doc.get("include_concrete") is not None:
        included = _obj(doc["include_concrete"], "/include_concrete")
        for env_path, env in included.items():
            _fill_env(
                reader,
                _obj(env, _ptr("/include_concrete", env_path)),
                _ptr("/include_concrete", env_path),
                wrapped,
                env_path,
            )


def _fill_env(reader: _SpecReader, env: dict[str, Any], base: str, wrapped: bool, included_from: str) -> None:
    specs = env.get("concrete_specs")
    sp = _ptr(base, "concrete_specs")
    if specs is None:
        raise _Bad(sp, "is missing; is this a spack.lock?")
    for key, rec in _obj(specs, sp, what="an object of hash -> node").items():
        reader.add(rec, _ptr(sp, key), key=key, wrapped=wrapped)
    roots = env.get("roots", [])
    rp = _ptr(base, "roots")
    if not isinstance(roots, list):
        raise _Bad(rp, f"is {_type_name(roots)}, expected a list")
    for i, entry in enumerate(roots):
        p = _ptr(rp, i)
        e = _obj(entry, p)
        reader.root(_str(e, "hash", p, required=True), _str(e, "spec", p), p, included_from)


class SpackLockCollector(Collector):
    name = "spack-lock"
    description = "a Spack environment lockfile (spack.lock, lockfile versions 1-7)"

    def detect(self, path: TreePath) -> bool:
        if path.name == "spack.lock":
            return True
        if not path.name.endswith(".lock"):
            return False
        head = path.read_head(16384)
        return b'"spack-lockfile"' in head or b'"concrete_specs"' in head

    def collect(self, path: TreePath) -> Inventory:
        with _gc_paused():
            doc = _load_json(path)
            return _collect_with(path, self.name, lambda r: _fill_lock(r, doc))


# -- spec.json / spec.yaml ---------------------------------------------------------------------
_CLEARSIGN_BEGIN = "-----BEGIN PGP SIGNED MESSAGE-----"
_SIGNATURE_BEGIN = "\n-----BEGIN PGP SIGNATURE-----"


def _strip_clearsign(path: TreePath, text: str) -> str:
    """The message of an OpenPGP clear-signed document (RFC 4880 7.1); the signature is not checked."""
    if not text.lstrip().startswith(_CLEARSIGN_BEGIN):
        return text
    _, sep, rest = text.partition("\n\n")  # the armor headers end with an empty line
    body, sig, _ = rest.partition(_SIGNATURE_BEGIN)
    if not sep or not sig:
        raise InputError(path.display(), "is a truncated PGP clear-signed document")
    return "\n".join(line[2:] if line.startswith("- ") else line for line in body.split("\n"))


def _fill_specfile(reader: _SpecReader, doc: object) -> None:
    if not isinstance(doc, dict) or "spec" not in doc:
        raise _Bad("/spec", "is missing; is this a Spack spec file?")
    spec = doc["spec"]
    match spec:
        case list():  # specfile v1 (spec.yaml): a list of {name: record}
            for i, rec in enumerate(spec):
                reader.add(rec, _ptr("/spec", i), wrapped=True)
        case dict():
            meta = _obj(spec.get("_meta"), "/spec/_meta")
            version = meta.get("version")
            if isinstance(version, bool) or not isinstance(version, int):
                raise _Bad("/spec/_meta/version", f"is {_type_name(version)}, expected an integer")
            if version not in SPECFILE_VERSIONS:
                raise _Bad(
                    "/spec/_meta/version",
                    f"specfile version {version} is not supported (this reader "
                    f"knows {SPECFILE_VERSIONS.start}-{SPECFILE_VERSIONS.stop - 1})",
                )
            nodes = spec.get("nodes")
            if not isinstance(nodes, list):
                raise _Bad("/spec/nodes", f"is {_type_name(nodes)}, expected a list")
            for i, rec in enumerate(nodes):
                reader.add(rec, _ptr("/spec/nodes", i), wrapped=version < 2)
        case _:
            raise _Bad("/spec", f"is {_type_name(spec)}, expected a list or an object")
    # A build-cache spec carries the checksum of the binary tarball of its first node.
    checksum = doc.get("binary_cache_checksum")
    if isinstance(checksum, dict) and reader.nodes:
        algo, digest = checksum.get("hash_algorithm"), checksum.get("hash")
        if algo == "sha256" and isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest):
            reader.hashes[0] = ("SHA-256", digest)


class SpackSpecCollector(Collector):
    name = "spack-spec"
    description = "an installed Spack prefix's .spack/spec.json or spec.yaml, or a build-cache spec file"

    def detect(self, path: TreePath) -> bool:
        name = path.name
        if name in ("spec.json", "spec.yaml"):
            return path.parent.name == ".spack"
        if name.endswith((".spec.json", ".spec.json.sig")):
            head = path.read_head(4096)
            return b'"spec"' in head
        if name.endswith(".spec.yaml"):
            return path.read_head(4096).lstrip().startswith(b"spec:")
        return False

    def collect(self, path: TreePath) -> Inventory:
        if path.name.endswith(".yaml"):
            doc = _load_yaml(path)
        else:
            text = path.read_text()
            doc = _load_json(path, _strip_clearsign(path, text) if path.name.endswith(".sig") else text)
        return _collect_with(path, self.name, lambda r: _fill_specfile(r, doc))


# -- spack find --json -------------------------------------------------------------------------
def _fill_find(reader: _SpecReader, doc: object) -> None:
    if not isinstance(doc, list):
        raise _Bad("", f"is {_type_name(doc)}, expected a list of specs (spack find --json)")
    for i, rec in enumerate(doc):
        reader.add(rec, _ptr("", i))


_FIND_HEAD = re.compile(rb"\A\s*\[\s*\{")


class SpackFindCollector(Collector):
    name = "spack-find"
    description = "the JSON output of `spack find --json` (a list of Spack specs)"

    def detect(self, path: TreePath) -> bool:
        if path.suffix != ".json":
            return False
        head = path.read_head(8192)
        return (
            _FIND_HEAD.match(head) is not None and b'"arch"' in head and b'"namespace"' in head and b'"version"' in head
        )

    def collect(self, path: TreePath) -> Inventory:
        with _gc_paused():
            doc = _load_json(path)
            return _collect_with(path, self.name, lambda r: _fill_find(r, doc))


# -- spack.yaml --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AbstractSpec:
    """What sovaudit needs from an abstract spec string (``hdf5@1.14 +mpi %gcc@12 ^zlib``)."""

    name: str
    version: str = ""  # the version text after @ (without a leading =)
    pinned: bool = False  # @=version: exactly this version
    hash: str = ""  # /hash
    compiler: str = ""  # %compiler[@version], as written


_VARIANT_TOKEN = re.compile(r"[A-Za-z_][\w-]*==?")
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_VERSION = re.compile(r"@(=?)([^\s%^+~/@]+)")
_HASH = re.compile(r"/([a-z0-9]+)\Z")
_COMPILER = re.compile(r"[\w.=-]+(?:@=?[^\s+~^%/@]*)?")


def _parse_spec(text: str) -> AbstractSpec:
    """The root of an abstract spec: name, version, /hash, %compiler. Dependencies (^...) are ignored."""
    root = text.partition("^")[0]
    name = ""
    version, pinned, dag, compiler = "", False, "", ""
    for i, token in enumerate(root.split()):
        if _VARIANT_TOKEN.match(token):  # key=value, key==value
            continue
        head, pct, comp = token.partition("%")
        if pct and not compiler:
            m = _COMPILER.match(comp)  # %gcc@12.2.0~mpi: the variant belongs to the package
            compiler = m.group(0) if m is not None else ""
        if i == 0:
            m = _NAME.match(head)
            if m is not None:
                name = m.group(0).rsplit(".", 1)[-1] if "." in m.group(0) and "@" not in m.group(0) else m.group(0)
        m = _VERSION.search(head)
        if m is not None and not version:
            pinned, version = m.group(1) == "=", m.group(2)
        h = _HASH.search(head)
        if h is not None and not dag:
            dag = h.group(1)
    return AbstractSpec(name=name, version=version, pinned=pinned, hash=dag, compiler=compiler)


def _strip_colons(d: dict[Any, Any]) -> dict[str, Any]:
    """Spack's override syntax: ``packages::`` and ``'mpi:'`` mean the same key as ``packages``."""
    return {(k.rstrip(":") if isinstance(k, str) else str(k)): v for k, v in d.items()}


def _raw_keys(d: dict[Any, Any]) -> dict[str, str]:
    return {(k.rstrip(":") if isinstance(k, str) else str(k)): str(k) for k in d}


class _Manifest:
    """Expands the ``specs`` of a spack.yaml: ``$definitions`` and ``matrix`` cross products."""

    def __init__(self, env: dict[str, Any], base: str) -> None:
        self.defs: dict[str, list[tuple[str, object]]] = {}
        self.count = 0
        raw = env.get("definitions")
        if raw is None:
            return
        dp = _ptr(base, "definitions")
        if not isinstance(raw, list):
            raise _Bad(dp, f"is {_type_name(raw)}, expected a list")
        for i, entry in enumerate(raw):
            p = _ptr(dp, i)
            for key, value in _obj(entry, p).items():
                if key == "when":  # conditions are not evaluated: every definition counts
                    continue
                if not isinstance(value, list):
                    raise _Bad(_ptr(p, key), f"is {_type_name(value)}, expected a list")
                self.defs.setdefault(str(key), []).extend((_ptr(p, key, j), v) for j, v in enumerate(value))

    def expand(self, items: list[tuple[str, object]], depth: int = 0) -> list[tuple[str, str]]:
        """Each (pointer, entry) as (pointer, spec text), ``$name``/``$%name``/``$^name`` substituted."""
        out: list[tuple[str, str]] = []
        for p, item in items:
            if not isinstance(item, str):
                raise _Bad(p, f"is {_type_name(item)}, expected a spec string")
            if not item.startswith("$"):
                out.append((p, item))
                continue
            if depth >= 16:
                raise _Bad(p, "definitions refer to each other in a loop (or more than 16 deep)")
            sigil = item[1] if item[1:2] in ("%", "^") else ""
            ref = item[1 + len(sigil) :].strip("{}")
            if ref not in self.defs:
                raise _Bad(p, f"refers to ${ref}, which no definition names")
            out.extend((sp, f"{sigil}{text}") for sp, text in self.expand(self.defs[ref], depth + 1))
            if len(out) > _MAX_MANIFEST_SPECS:
                raise _Bad(p, f"expands to over {_MAX_MANIFEST_SPECS:,} specs; not read")
        return out

    def _counted(self, pointer: str, entries: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str]]:
        for entry in entries:
            self.count += 1
            if self.count > _MAX_MANIFEST_SPECS:
                raise _Bad(pointer, f"expands to over {_MAX_MANIFEST_SPECS:,} specs; not read")
            yield entry

    def roots(self, specs: object, sp: str) -> Iterator[tuple[str, str]]:
        """(pointer, spec text) of every root spec the manifest lists."""
        if specs is None:
            return
        if not isinstance(specs, list):
            raise _Bad(sp, f"is {_type_name(specs)}, expected a list")
        for i, item in enumerate(specs):
            p = _ptr(sp, i)
            if not (isinstance(item, dict) and "matrix" in item):
                yield from self._counted(sp, self.expand([(p, item)]))
                continue
            mp = _ptr(p, "matrix")
            rows = item["matrix"]
            if not isinstance(rows, list):
                raise _Bad(mp, f"is {_type_name(rows)}, expected a list of lists")
            expanded = []
            for j, row in enumerate(rows):
                if not isinstance(row, list):
                    raise _Bad(_ptr(mp, j), f"is {_type_name(row)}, expected a list")
                expanded.append(self.expand([(_ptr(mp, j, k), v) for k, v in enumerate(row)]))
            # Every entry of a combination constrains the root (the first row), so `^dependency`
            # entries go last in the joined text. `exclude` is not applied: a superset of roots.
            combos = (
                (c[0][0], " ".join(sorted((t for _, t in c), key=lambda t: t.startswith("^"))))
                for c in itertools.product(*expanded)
                if c
            )
            yield from self._counted(sp, combos)


def _fill_manifest(g: _Graph, doc: object) -> None:
    if not isinstance(doc, dict):
        raise _Bad("", f"is {_type_name(doc)}, expected a mapping with a 'spack' key")
    top = _strip_colons(doc)
    raw_top = _raw_keys(doc)
    key = "spack" if "spack" in top else "env" if "env" in top else ""  # `env:` before Spack 0.14
    if not key:
        raise _Bad("/spack", "is missing; is this a spack.yaml?")
    base = _ptr("", raw_top[key])
    env_raw = top[key]
    if env_raw is None:
        return
    env = _strip_colons(_obj(env_raw, base))
    raw_env = _raw_keys(_obj(env_raw, base))
    specs_ptr = _ptr(base, raw_env.get("specs", "specs"))
    wanted: list[tuple[str, str, str]] = []  # (root id, compiler constraint, pointer)
    for p, text in _Manifest(env, base).roots(env.get("specs"), specs_ptr):
        spec = _parse_spec(text)
        if not spec.name:  # an anonymous constraint (`%gcc`, `+mpi`) is not a package
            continue
        version = spec.version if spec.pinned else ""
        cid = spack_purl(spec.name, version, spec.hash)
        acc = g.component(cid, kind="package", name=spec.name, version=version, purl=cid, pointer=p)
        acc.props.update({("spack:root", "true"), ("spack:root-spec", text)})
        if spec.version and not spec.pinned:
            acc.props.add(("spack:version-constraint", spec.version))
        if spec.hash:
            acc.props.add(("spack:hash", spec.hash))
        if spec.compiler:
            acc.props.add(("spack:compiler-constraint", spec.compiler))
            wanted.append((cid, spec.compiler, p))
    if env.get("packages") is not None:
        _fill_externals(g, _obj(env["packages"], _ptr(base, raw_env["packages"])), _ptr(base, raw_env["packages"]))
    if env.get("compilers") is not None:
        _fill_compilers(g, env["compilers"], _ptr(base, raw_env["compilers"]))
    # A root asking for a compiler the manifest itself declares (compilers: list, or an external
    # compiler package) gets a built-with edge to it; any other constraint stays a property.
    declared = {cid: cid for cid, a in g.acc.items() if a.kind == "compiler"}
    for a_id, a in g.acc.items():
        if a.kind == "compiler" and a.version:
            declared.setdefault(component_id(Layer.SOFTWARE, "compiler", a.name, a.version), a_id)
    for root_id, constraint, p in wanted:
        head, _, cversion = constraint.partition("@")  # gcc@=12.2.0, or c=gcc@12 from Spack 1.0
        cversion = cversion.lstrip("=")
        target = declared.get(component_id(Layer.SOFTWARE, "compiler", head.rpartition("=")[2], cversion))
        if target is not None and cversion:
            g.edge(root_id, target, Relation.BUILT_WITH, g.ev(p), (), (("spack:compiler-constraint", constraint),))


def _fill_externals(g: _Graph, packages: dict[str, Any], pp: str) -> None:
    for raw_name, conf in packages.items():
        pkg = str(raw_name).rstrip(":")
        p = _ptr(pp, raw_name)
        if conf is None or pkg == "all":
            continue
        c = _strip_colons(_obj(conf, p))
        raw_c = _raw_keys(conf)
        externals = c.get("externals")
        if externals is None:
            continue
        ep = _ptr(p, raw_c["externals"])
        if not isinstance(externals, list):
            raise _Bad(ep, f"is {_type_name(externals)}, expected a list")
        buildable = c.get("buildable")
        for i, entry in enumerate(externals):
            xp = _ptr(ep, i)
            e = _obj(entry, xp)
            text = _str(e, "spec", xp, required=True)
            spec = _parse_spec(text)
            name = spec.name or pkg
            extra = e.get("extra_attributes")
            compilers = extra.get("compilers") if isinstance(extra, dict) else None
            cid = spack_purl(name, spec.version, "")
            kind = "compiler" if isinstance(compilers, dict) else "package"
            acc = g.component(cid, kind=kind, name=name, version=spec.version, purl=cid, pointer=xp)
            acc.props.update({("spack:external", "true"), ("spack:spec", text)})
            prefix = _str(e, "prefix", xp)
            if prefix:
                acc.props.add(("spack:external-prefix", prefix))
            acc.props.update(("spack:external-module", m) for m in _strings(e.get("modules"), _ptr(xp, "modules")))
            if spec.compiler:
                acc.props.add(("spack:compiler-constraint", spec.compiler))
            if isinstance(buildable, bool):
                acc.props.add(("spack:buildable", _text(buildable)))
            if isinstance(compilers, dict):
                acc.props.update((f"spack:compiler-path:{lang}", _text(v)) for lang, v in compilers.items())


def _fill_compilers(g: _Graph, compilers: object, cp: str) -> None:
    """The pre-1.0 ``compilers:`` list: ``- compiler: {spec: gcc@=12.3.0, paths: {...}, ...}``."""
    if not isinstance(compilers, list):
        raise _Bad(cp, f"is {_type_name(compilers)}, expected a list")
    for i, entry in enumerate(compilers):
        p = _ptr(cp, i)
        c = _obj(_obj(entry, p).get("compiler"), _ptr(p, "compiler"))
        p = _ptr(p, "compiler")
        spec = _parse_spec(_str(c, "spec", p, required=True))
        if not spec.name:
            raise _Bad(_ptr(p, "spec"), "names no compiler")
        props: set[tuple[str, str]] = set()
        paths = c.get("paths")
        if isinstance(paths, dict):
            props.update((f"spack:compiler-path:{lang}", _text(v)) for lang, v in paths.items() if v)
        os_name = c.get("operating_system")
        if isinstance(os_name, str) and os_name:
            props.add(("spack:os", os_name))
        props.update(("spack:external-module", m) for m in _strings(c.get("modules"), _ptr(p, "modules")))
        cid = component_id(Layer.SOFTWARE, "compiler", spec.name, spec.version)
        acc = g.component(cid, kind="compiler", name=spec.name, version=spec.version, purl="", pointer=p)
        acc.props.update(props)


#: The first line that is not blank, a comment or a document marker: `spack:` (or `env:`, Spack < 0.14).
_FIRST_KEY = re.compile(rb"\A(?:[ \t]*(?:#[^\n]*)?\r?\n|---[^\n]*\n)*(spack|env)::?[ \t]*(?:#[^\n]*)?\r?$", re.M)


class SpackEnvironmentCollector(Collector):
    name = "spack-environment"
    description = "a Spack environment manifest (spack.yaml): root specs, externals, compilers"

    def detect(self, path: TreePath) -> bool:
        name = path.name
        if name in ("spack.yaml", "spack.yml"):
            return _FIRST_KEY.search(path.read_head(65536)) is not None
        if name.endswith((".yaml", ".yml")):  # any YAML whose first top-level key is `spack:`
            found = _FIRST_KEY.search(path.read_head(8192))
            return found is not None and found.group(1) == b"spack"
        return False

    def collect(self, path: TreePath) -> Inventory:
        doc = _load_yaml(path)
        g = _Graph(path.display(), self.name)
        try:
            _fill_manifest(g, doc)
        except _Bad as err:
            raise InputError(path.display(), err.message) from err
        return g.inventory()
