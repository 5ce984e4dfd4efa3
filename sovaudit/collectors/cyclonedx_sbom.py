"""CycloneDX SBOMs as input: 1.2-1.7, JSON and XML (XML through defusedxml, no DTDs).

Sites already make SBOMs (Syft, Trivy, cdxgen, cyclonedx-py ...): this collector audits them as
it would audit its own scan, and keeps what an SBOM knows that a scan would not (a vendor's
supplier data, services, model cards).

**Components** (top-level, nested, the one ``metadata.component`` describes, and ``services``):

* layer and kind from the CycloneDX type: library -> software ``package``; framework /
  application -> software; container -> software ``container-image``; operating-system ->
  software ``operating-system``; device-driver -> software ``driver``; file -> software ``file``;
  device / firmware -> compute; machine-learning-model -> model ``model``; data -> data
  (``dataset``, or ``data`` when no ``data`` entry is a dataset); platform -> operational
  ``platform``; services -> operational ``service``.
* id: the purl (parsed and written back by packageurl-python, so ``pkg:pypi/PyYAML`` and a
  scan's ``pkg:pypi/pyyaml`` are one component; credentials in qualifier URLs dropped; a PyPI
  purl's source qualifiers ``vcs_url`` / ``download_url`` / ``repository_url`` / ``file_name``
  moved to ``sbom:purl-qualifier`` = ``<key>=<value>``, since a scan of the same environment
  writes none; Hub models lower-cased as the model collectors write them), else
  ``layer/kind/name@version``; ``group`` is part of the name (``group/name``). A purl the library
  cannot read is no id: it stays in ``sbom:purl``.
* licences: ids, names and expressions, each through :func:`sovaudit.licenses.normalise`;
  several entries are all taken to apply (``AND``), a list with an unknown member is unknown
  (the raw texts stay in ``license_declared``). CycloneDX 1.6 ``acknowledgement``: concluded
  licences win over declared ones.
* supplier: ``supplier.name``, else ``manufacturer.name`` (1.6), else ``publisher``, else a
  service's ``provider.name`` (manufacturer and publisher are also kept as ``sbom:manufacturer``
  / ``sbom:publisher``); author: ``author`` or the ``authors`` names; hashes as they are.
* properties: the SBOM's own (names unchanged), ``sbom:cpe``, ``sbom:scope``,
  ``sbom:external:<type>`` = url per external reference, ``sbom:tool`` (``<name> <version>`` of
  each tool in ``metadata.tools``) on every component, ``sbom:subject`` = ``true`` on the
  component the SBOM describes. Services: ``sbom:endpoint``, ``sbom:authenticated``,
  ``sbom:trust-boundary``, ``sbom:trust-zone``, ``sbom:data-classification``.
* machine-learning models keep their ``modelCard`` as ``mlbom:`` properties (approach, task,
  architecture-family, model-architecture, dataset, input-format, output-format, metric, user,
  use-case, technical-limitation, performance-tradeoff, ethical-risk, fairness-group-at-risk,
  energy, energy-provider = ``name (country, energy source)``) plus the card's own properties;
  a dataset given inline becomes a data-layer ``dataset`` component, and every dataset (inline or
  by ``ref``) a ``trained-on`` edge.
* data components keep ``data:url``, ``data:classification``, ``data:sensitive-data``,
  ``data:owner`` / ``data:custodian`` / ``data:steward`` (``supplier`` falls back to the owner).
* evidence: the SBOM file, with the bom-ref as pointer (a JSON pointer such as
  ``/components/3`` where a component has no bom-ref).
* credentials: URLs in property values, external references, purl qualifiers and bom-refs lose
  their user info and secret query values (:func:`sovaudit.collectors.pypi.strip_credentials`),
  as the URLs a scan reads do: tools copy tokens from ``direct_url.json`` into SBOMs.

**Edges**: each ``dependsOn`` is a depends-on edge (bom-refs mapped to component ids; a ref that
names nothing becomes an unresolved placeholder, never dropped); a nested component is
``contains``-ed by its parent, a nested service by its service.

**sovaudit's own CycloneDX** (``sovaudit`` in ``metadata.tools``) is read back exactly: the
``sovaudit:`` properties (:mod:`sovaudit.cyclonedx_properties`) give every component its id,
layer, kind, evidence, hashes and typed edges, and ``sovaudit:input`` the input records, so the
inventory is the one the SBOM was made from, as the graph merges it (same components, licences,
edges, evidence and inputs); nothing is added. A component written by sovaudit inside another
tool's SBOM is decoded the same way and then gets the SBOM's evidence like any other.

**Limits**: :data:`MAX_COMPONENTS` components and services, :data:`MAX_EDGES` edges and
:data:`MAX_NESTING` levels of nested components, checked before the components are built (the
file itself is capped by the tree's size limit); over any of them the SBOM is refused with one
line naming it. Duplicate bom-refs are fine when they name the same component (merged) and an
error when they do not. Dependency cycles are kept as they are.
"""

from __future__ import annotations

import gc
import json
import re
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from sovaudit import cyclonedx_properties as cp
from sovaudit.collectors.interface import Collector
from sovaudit.errors import InputError
from sovaudit.fs import MiB, TreePath
from sovaudit.graph import merge_components, merge_edges
from sovaudit.licenses import normalise
from sovaudit.model import Component, Edge, Evidence, InputRecord, Inventory, Layer, Relation, component_id
from sovaudit.purl import build as build_purl

NAME = "cyclonedx-sbom"

#: Components and services one SBOM may hold (nested ones included).
MAX_COMPONENTS = 250_000
#: Distinct edges one SBOM may hold.
MAX_EDGES = 2_000_000
#: Levels of nested components (and services).
MAX_NESTING = 50

# Properties this collector (and the SPDX one) adds.
TOOL = "sbom:tool"
SUBJECT = "sbom:subject"
CPE = "sbom:cpe"
RAW_PURL = "sbom:purl"
LOCATION = "sbom:location"
EXTERNAL = "sbom:external:"

#: CycloneDX component type -> (layer, kind).
TYPES: dict[str, tuple[Layer, str]] = {
    "application": (Layer.SOFTWARE, "application"),
    "framework": (Layer.SOFTWARE, "framework"),
    "library": (Layer.SOFTWARE, "package"),
    "container": (Layer.SOFTWARE, "container-image"),
    "operating-system": (Layer.SOFTWARE, "operating-system"),
    "device-driver": (Layer.SOFTWARE, "driver"),
    "file": (Layer.SOFTWARE, "file"),
    "cryptographic-asset": (Layer.SOFTWARE, "cryptographic-asset"),
    "device": (Layer.COMPUTE, "device"),
    "firmware": (Layer.COMPUTE, "firmware"),
    "machine-learning-model": (Layer.MODEL, "model"),
    "data": (Layer.DATA, "dataset"),
    "platform": (Layer.OPERATIONAL, "platform"),
}


class SbomError(Exception):
    """Something wrong in an SBOM; the message starts with where (a JSON pointer, a line)."""


# -- shared with the SPDX collector --------------------------------------------------------------
#: A purl of a type :func:`sovaudit.purl.build` writes itself, with nothing to unquote (the usual case).
_SIMPLE_PURL = re.compile(
    r"pkg:(apk|conda|deb|pypi|rpm)/(?:([A-Za-z0-9._~-]+)/)?([A-Za-z0-9._~-]+)(?:@([A-Za-z0-9._~:+!-]+))?"
    r"(?:\?([a-z][a-z0-9._-]*=[A-Za-z0-9._~:/-]*(?:&[a-z][a-z0-9._-]*=[A-Za-z0-9._~:/-]*)*))?"
)


def canonical_purl(raw: str) -> str:
    """``raw`` as packageurl-python writes it (the spelling every scan uses), or ``""`` if unreadable.

    URLs in qualifiers (``vcs_url``, ``download_url`` ...) lose their credentials, as the URLs a
    scan reads do (Syft copies ``direct_url.json``, tokens included, into ``vcs_url``). The usual
    PyPI, Debian, RPM, Alpine and conda purls take :func:`sovaudit.purl.build` (the library's
    rules, a tenth of its time); anything else the library itself.
    """
    simple = _SIMPLE_PURL.fullmatch(raw)
    if simple is not None:
        ptype, namespace, name, version, qualifiers = simple.groups()
        pairs = tuple((k, v) for k, _, v in (q.partition("=") for q in qualifiers.split("&"))) if qualifiers else ()
        return build_purl(ptype, namespace, name, version or "", pairs)

    from packageurl import PackageURL

    from sovaudit.collectors.pypi import strip_credentials

    try:
        p = PackageURL.from_string(raw.strip())
        if p.type == "huggingface":  # Hub repo ids ignore case: lower-case, as the model collectors write them
            p = p._replace(
                namespace=p.namespace.lower() if p.namespace else p.namespace,
                name=p.name.lower(),
                version=p.version.lower() if p.version else p.version,
            )
        if p.qualifiers:
            q = {k: strip_credentials(v) for k, v in dict(p.qualifiers).items()}
            if q != p.qualifiers:
                p = p._replace(qualifiers=q)
        return str(p.to_string())
    except (ValueError, TypeError):
        return ""


#: PyPI qualifiers that say where a distribution came from, not which one it is: kept out of the
#: id (a scan of the same environment writes ``pkg:pypi/<name>@<version>``), kept as properties.
_PYPI_SOURCE_QUALIFIERS = frozenset({"vcs_url", "download_url", "repository_url", "file_name"})


def identity(purl: str) -> tuple[str, list[tuple[str, str]]]:
    """The purl that identifies a component (canonical), and ``sbom:purl-qualifier`` properties
    (``<key>=<value>``) for the qualifiers taken out of it."""
    if not purl.startswith("pkg:pypi/") or "?" not in purl:
        return purl, []
    from packageurl import PackageURL

    p = PackageURL.from_string(purl)
    qualifiers = dict(p.qualifiers or {})
    moved = [(k, v) for k, v in qualifiers.items() if k in _PYPI_SOURCE_QUALIFIERS]
    if not moved:
        return purl, []
    rest = {k: v for k, v in qualifiers.items() if k not in _PYPI_SOURCE_QUALIFIERS}
    return str(p._replace(qualifiers=rest or None).to_string()), [("sbom:purl-qualifier", f"{k}={v}") for k, v in moved]


def safe_text(text: str) -> str:
    """``text`` without credentials when it holds a URL (``https://user:token@host`` ...)."""
    if "://" not in text:
        return text
    from sovaudit.collectors.pypi import strip_credentials

    return strip_credentials(text)


def safe_ref(ref: str) -> str:
    """A bom-ref that names nothing, as the id of its placeholder: a purl as :func:`identity`
    writes it (no credentials in its qualifiers), anything else without credentials."""
    if ref.startswith("pkg:") and (purl := canonical_purl(ref)):
        return identity(purl)[0]
    return safe_text(ref)


def pointer(ref: str) -> str:
    """A bom-ref as an evidence pointer: as written, unless it holds a URL (credentials dropped)."""
    return safe_ref(ref) if "://" in ref else ref


def _wrap(expression: str) -> str:
    return f"({expression})" if " " in expression else expression


_LAYOUT = re.compile(r"[()\s]+")


def licence(raw: str) -> tuple[str, str]:
    """:func:`normalise`, except that a text differing from its expression only in parentheses
    and spaces (``(MIT OR Apache-2.0)``, as Syft writes every compound one) is not kept."""
    expression, declared = normalise(raw)
    if declared and expression and _LAYOUT.sub("", declared) == _LAYOUT.sub("", expression):
        return expression, ""
    return expression, declared


def combine_licenses(texts: Iterable[str]) -> tuple[str, str]:
    """``(SPDX expression, declared text)`` of licence entries that all apply.

    One entry is read by :func:`licence`. Several are joined with ``AND`` when every one
    of them is known (the declared text then lists them, ``; ``-separated, to show the ``AND``
    was ours); with an unknown one the expression is unknown and the declared text lists them all.
    """
    unique = list(dict.fromkeys(t.strip() for t in texts if t and t.strip()))
    if not unique:
        return "", ""
    if len(unique) == 1:
        return licence(unique[0])
    known = [licence(t)[0] for t in unique]
    declared = "; ".join(unique)
    if not all(known):
        return "", declared
    return " AND ".join(_wrap(e) for e in dict.fromkeys(known)), declared


class SbomBuilder:
    """Components and edges of one SBOM: duplicates merged, limits checked."""

    def __init__(self) -> None:
        self.components: dict[str, Component] = {}
        self.edges: dict[tuple[str, str, Relation], Edge] = {}

    def add(self, c: Component) -> None:
        known = self.components.get(c.id)
        self.components[c.id] = c if known is None else merge_components(known, c)

    def edge(self, e: Edge) -> None:
        key = (e.source, e.target, e.relation)  # not Edge.key: Enum.value is slow in 3.11
        known = self.edges.get(key)
        if known is None:
            if len(self.edges) >= MAX_EDGES:
                raise SbomError(f"has more than {MAX_EDGES:,} edges; not read")
            self.edges[key] = e
        else:
            self.edges[key] = merge_edges(known, e)

    def inventory(self, inputs: tuple[InputRecord, ...] = ()) -> Inventory:
        return Inventory(
            components=tuple(self.components.values()), edges=tuple(self.edges.values()), inputs=inputs
        ).normalised()


def check_count(count: int) -> None:
    if count > MAX_COMPONENTS:
        raise SbomError(f"has more than {MAX_COMPONENTS:,} components; not read")


def sniff(head: bytes, marker: re.Pattern[bytes]) -> bool:
    """Whether ``head`` starts a JSON object and holds ``marker``."""
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") and marker.search(head) is not None


# -- typed access to the parsed document -----------------------------------------------------------
def _tname(v: object) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(v), "a number"
    )


def _str(obj: dict[str, Any], key: str, ptr: str, *, required: bool = False) -> str:
    v = obj.get(key)
    if isinstance(v, str):
        return v
    if v is None:
        if required:
            raise SbomError(f"{ptr or '/'}: no {key!r}")
        return ""
    if key in ("version", "versionInfo") and isinstance(v, int | float) and not isinstance(v, bool):  # 1.0 as a number
        return str(v)
    raise SbomError(f"{ptr}/{key}: expected a string, got {_tname(v)}")


def _list(obj: dict[str, Any], key: str, ptr: str) -> list[Any]:
    v = obj.get(key)
    if v is None:
        return []
    if not isinstance(v, list):
        raise SbomError(f"{ptr}/{key}: expected an array, got {_tname(v)}")
    return v


def _obj(v: Any, ptr: str) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise SbomError(f"{ptr}: expected an object, got {_tname(v)}")
    return v


def _sub(obj: dict[str, Any], key: str, ptr: str) -> dict[str, Any]:
    v = obj.get(key)
    return {} if v is None or v == "" else _obj(v, f"{ptr}/{key}")  # "": an empty XML element


def _name_of(obj: dict[str, Any], key: str, ptr: str) -> str:
    """``obj[key].name`` (an organisational entity or contact)."""
    return _str(_sub(obj, key, ptr), "name", f"{ptr}/{key}")


def _strings(value: Any, key: str, ptr: str, out: list[str], depth: int = 0) -> list[str]:
    """Every string under ``key`` anywhere in ``value`` (service data flows differ by version and format)."""
    if depth > 8:
        return out
    if isinstance(value, dict):
        for k, v in value.items():
            if k == key and isinstance(v, str):
                out.append(v)
            elif k == key and isinstance(v, dict) and isinstance(v.get("#text"), str):
                out.append(v["#text"])
            else:
                _strings(v, key, ptr, out, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _strings(v, key, ptr, out, depth + 1)
    return out


# -- XML -> the JSON shape ----------------------------------------------------------------------------
_XML_NS = re.compile(r"\{http://cyclonedx\.org/schema/bom/(\d+\.\d+)\}bom")
#: Elements whose children form a JSON array.
_XML_LISTS = frozenset(
    {
        "components", "services", "authors", "hashes", "licenses", "properties", "externalReferences",
        "endpoints", "datasets", "inputs", "outputs", "performanceMetrics", "users", "useCases",
        "technicalLimitations", "performanceTradeoffs", "ethicalConsiderations", "fairnessAssessments",
        "energyConsumptions", "custodians", "stewards", "owners", "collection",
    }
)  # fmt: skip
#: Elements that repeat without a container (each occurrence is one array item).
_XML_REPEATED = frozenset({"data", "sensitiveData", "trustZone", "energyProviders"})
_MAX_XML_DEPTH = 4 * MAX_NESTING + 16


_LOCAL: dict[str, str] = {}


def _local(tag: Any) -> str:
    """``name`` of ``{namespace}name`` (cached: a document has few distinct tags)."""
    local = _LOCAL.get(tag)
    if local is None:
        local = tag.rpartition("}")[2] if isinstance(tag, str) else ""
        if len(_LOCAL) < 4096:
            _LOCAL[tag] = local
    return local


def _x(el: Any, depth: int) -> Any:
    if depth > _MAX_XML_DEPTH:
        raise SbomError(f"XML nested deeper than {_MAX_XML_DEPTH} elements; not read")
    tag = _local(el.tag)
    children = [c for c in el if c.tag.__class__ is str]  # no comments or processing instructions
    if tag in _XML_LISTS:
        return [_x_item(tag, c, depth + 1) for c in children]
    if tag == "tools" and any(_local(c.tag) == "tool" for c in children):  # 1.2-1.4
        return [_x(c, depth + 1) for c in children if _local(c.tag) == "tool"]
    if tag == "dependencies":
        return _x_dependencies(children)
    if not children:
        return {**el.attrib, "#text": el.text or ""} if el.attrib else (el.text or "")
    d: dict[str, Any] = dict(el.attrib)
    for c in children:
        key = _local(c.tag)
        value = _x(c, depth + 1)
        if key in _XML_REPEATED:
            d.setdefault(key, []).append(value)
        elif key in d:  # repeated where one is expected (service data classifications): keep them all
            known = d[key]
            if key in _XML_LISTS and isinstance(known, list) and isinstance(value, list):
                known.extend(value)  # a repeated container (energyConsumptions in 1.6)
            else:
                d[key] = [*known, value] if isinstance(known, list) else [known, value]
        else:
            d[key] = value
    return d


def _x_obj(el: Any, depth: int) -> dict[str, Any]:
    v = _x(el, depth)
    if isinstance(v, dict):
        return v
    return {"#text": v}


def _x_item(container: str, el: Any, depth: int) -> Any:
    tag = _local(el.tag)
    if container == "hashes":
        return {"alg": el.get("alg", ""), "content": el.text or ""}
    if container == "properties":
        return {"name": el.get("name", ""), "value": el.text or ""}
    if container == "licenses":
        if tag == "expression":
            return {**el.attrib, "expression": el.text or ""}
        return {"license": _x_obj(el, depth)}
    if container == "datasets" and tag == "ref":
        return {"ref": el.text or ""}
    if container in ("components", "services"):
        return _x_obj(el, depth)
    return _x(el, depth)


def _x_dependencies(children: list[Any]) -> list[dict[str, Any]]:
    """Flat ``{"ref", "dependsOn"}`` entries; a nested ``dependency`` with children of its own
    is an entry of its own too (as the library's flattening does)."""
    out = []
    queue = deque(children)
    while queue:
        el = queue.popleft()
        if _local(el.tag) != "dependency":
            continue
        subs = [c for c in el if _local(c.tag) == "dependency"]
        out.append({"ref": el.get("ref", ""), "dependsOn": [c.get("ref", "") for c in subs]})
        queue.extend(c for c in subs if len(c))
    return out


def _load_xml(data: bytes) -> dict[str, Any]:
    import defusedxml.ElementTree as DET
    from defusedxml import DefusedXmlException

    try:
        root = DET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as err:
        raise SbomError(f"XML refused: {type(err).__name__} (a DTD or entities; never expanded)") from None
    except DET.ParseError as err:
        raise SbomError(f"is not well-formed XML ({err})") from None
    found = _XML_NS.fullmatch(str(root.tag))
    if found is None:
        tag = str(root.tag)
        where = f" in namespace {tag[1:].partition('}')[0]!r}" if tag.startswith("{") else " (no namespace)"
        raise SbomError(f"root element is <{_local(tag)}>{where}, not a CycloneDX <bom> (namespace 1.x)")
    doc = _x_obj(root, 0)
    doc["bomFormat"] = "CycloneDX"
    doc["specVersion"] = found.group(1)
    return doc


def _load(data: bytes) -> dict[str, Any]:
    start = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start == b"<":
        return _load_xml(data)
    if start != b"{":
        raise SbomError("is neither a JSON object nor XML")
    try:
        doc = _obj(json.loads(data), "/")
    except ValueError as err:
        raise SbomError(f"is not valid JSON ({err})") from None
    if doc.get("bomFormat") != "CycloneDX":
        raise SbomError('has no "bomFormat": "CycloneDX"; not a CycloneDX SBOM')
    return doc


# -- the reader ----------------------------------------------------------------------------------
def tool_names(metadata: dict[str, Any], ptr: str) -> list[str]:
    """``<name> <version>`` of each tool in ``metadata.tools`` (the 1.2-1.4 array or the 1.5+ object)."""
    tools = metadata.get("tools")
    if tools is None or tools == "":
        return []
    if isinstance(tools, list):
        items = [(t, f"{ptr}/tools/{i}") for i, t in enumerate(tools)]
    else:
        t = _obj(tools, f"{ptr}/tools")
        items = [(c, f"{ptr}/tools/components/{i}") for i, c in enumerate(_list(t, "components", f"{ptr}/tools"))]
        items += [(s, f"{ptr}/tools/services/{i}") for i, s in enumerate(_list(t, "services", f"{ptr}/tools"))]
    out = []
    for tool, p in items:
        tool = _obj(tool, p)
        text = f"{_str(tool, 'name', p)} {_str(tool, 'version', p)}".strip()
        if text:
            out.append(text)
    return out


class _Reader:
    def __init__(self, doc: dict[str, Any], display: str, collector: str) -> None:
        self.doc = doc
        self.display = display
        self.collector = collector
        self.b = SbomBuilder()
        self.refs: dict[str, str] = {}  # bom-ref -> component id
        self.ref_at: dict[str, str] = {}  # bom-ref -> where it was first seen
        self.decoded: dict[str, cp.Decoded] = {}  # component id -> its sovaudit: properties (when encoded)
        self.dataset_refs: list[tuple[str, str, str]] = []  # (model id, bom-ref, pointer)
        meta = _sub(doc, "metadata", "")
        self.metadata = meta
        self.tools = tool_names(meta, "/metadata")
        self.own = any(t.split(" ", 1)[0] == cp.TOOL_NAME for t in self.tools)
        self.extras = tuple((TOOL, t) for t in dict.fromkeys(self.tools))

    # -- walk ------------------------------------------------------------------------------------
    def read(self) -> Inventory:
        doc = self.doc
        version = _str(doc, "specVersion", "")
        if not re.fullmatch(r"1\.\d+", version):
            raise SbomError(f"specVersion {version!r} is not supported (CycloneDX 1.2-1.7 are)")
        _count(doc, self.metadata)
        # (object, pointer, parent id, depth, is service, is the subject)
        queue: deque[tuple[Any, str, str, int, bool, bool]] = deque()
        if "component" in self.metadata:
            queue.append((self.metadata["component"], "/metadata/component", "", 0, False, True))
        queue.extend((c, f"/components/{i}", "", 0, False, False) for i, c in enumerate(_list(doc, "components", "")))
        queue.extend((s, f"/services/{i}", "", 0, True, False) for i, s in enumerate(_list(doc, "services", "")))
        count = 0
        while queue:
            obj, ptr, parent, depth, service, subject = queue.popleft()
            count += 1
            check_count(count)
            obj = _obj(obj, ptr)
            cid = self.component(obj, ptr, service=service, subject=subject)
            if parent and parent != cid:
                self.b.edge(Edge(source=parent, target=cid, relation=Relation.CONTAINS, evidence=self._ev(ptr)))
            for key, is_service in (("components", False), ("services", True)):
                nested = _list(obj, key, ptr)
                if nested and depth + 1 > MAX_NESTING:
                    raise SbomError(f"{ptr}/{key}: components nested deeper than {MAX_NESTING} levels; not read")
                queue.extend((c, f"{ptr}/{key}/{i}", cid, depth + 1, is_service, False) for i, c in enumerate(nested))
        self.dependencies()
        for model, ref, ptr in self.dataset_refs:
            target = self.ref_id(ref)
            self.b.edge(Edge(source=model, target=target, relation=Relation.TRAINED_ON, evidence=self._ev(ptr)))
            named, m = self.b.components.get(target), self.b.components.get(model)
            if named is not None and m is not None:  # the property names the dataset, not its bom-ref
                old = ("mlbom:dataset", ref)
                props = {("mlbom:dataset", named.name) if p == old else p for p in m.properties}
                self.b.components[model] = replace(m, properties=tuple(sorted(props)))
        inputs: tuple[InputRecord, ...] = ()
        if self.own:
            inputs = tuple(self._inputs())
        return self.b.inventory(inputs)

    def _ev(self, where: str) -> tuple[Evidence, ...]:
        if self.own:
            return ()
        return (Evidence(path=self.display, collector=self.collector, pointer=where),)

    def _register(self, ref: str, cid: str, ptr: str) -> None:
        if not ref:
            return
        known = self.refs.get(ref)
        if known is None:
            self.refs[ref] = cid
            self.ref_at[ref] = ptr
        elif known != cid:
            raise SbomError(f"{ptr}: bom-ref {ref!r} also names a different component at {self.ref_at[ref]}")

    # -- one component -----------------------------------------------------------------------------
    def component(self, obj: dict[str, Any], ptr: str, *, service: bool, subject: bool) -> str:
        ref = _str(obj, "bom-ref", ptr)
        props = self._properties(obj, ptr)
        if any(name == cp.LAYER for name, _ in props):
            try:
                decoded = cp.decode_component(props)
            except ValueError as err:
                raise SbomError(f"{ptr}/properties: {err}") from None
            c = self._encoded(obj, ptr, ref, decoded)
            self.decoded[c.id] = decoded
            if not self.own:
                ev = Evidence(path=self.display, collector=self.collector, pointer=pointer(ref))
                c = _with_extras(c, self.extras, ev)
        else:
            own = [(k, safe_text(v)) for k, v in props if k not in cp.RESERVED]
            c = self._foreign(obj, ptr, ref, own, service=service, subject=subject)
        self._register(ref, c.id, ptr)
        self.b.add(c)
        return c.id

    def ref_id(self, ref: str) -> str:
        """The component id a bom-ref names; a ref that names nothing stays (made safe) as the id."""
        cid = self.refs.get(ref)
        if cid is None:
            cid = self.refs[ref] = safe_ref(ref)
        return cid

    def _properties(self, obj: dict[str, Any], ptr: str) -> list[tuple[str, str]]:
        out = []
        for i, p in enumerate(_list(obj, "properties", ptr)):
            p = _obj(p, f"{ptr}/properties/{i}")
            name = _str(p, "name", f"{ptr}/properties/{i}")
            if name:
                out.append((name, _str(p, "value", f"{ptr}/properties/{i}")))
        return out

    def _hashes(self, obj: dict[str, Any], ptr: str) -> list[tuple[str, str]]:
        out = []
        for i, h in enumerate(_list(obj, "hashes", ptr)):
            h = _obj(h, f"{ptr}/hashes/{i}")
            alg, content = _str(h, "alg", f"{ptr}/hashes/{i}"), _str(h, "content", f"{ptr}/hashes/{i}")
            if alg and content:
                out.append((alg, content))
        return out

    def _license_entries(self, obj: dict[str, Any], ptr: str) -> list[tuple[str, str, str, str]]:
        """``(id, name, expression, acknowledgement)`` of each licence entry."""
        out = []
        for i, entry in enumerate(_list(obj, "licenses", ptr)):
            p = f"{ptr}/licenses/{i}"
            entry = _obj(entry, p)
            if "expression" in entry:
                out.append(("", "", _str(entry, "expression", p), _str(entry, "acknowledgement", p)))
            elif "license" in entry:
                lic = _obj(entry["license"], f"{p}/license")
                ack = _str(lic, "acknowledgement", f"{p}/license")
                out.append((_str(lic, "id", f"{p}/license"), _str(lic, "name", f"{p}/license"), "", ack))
        return out

    def _encoded(self, obj: dict[str, Any], ptr: str, ref: str, d: cp.Decoded) -> Component:
        """A component sovaudit wrote: exactly what it was."""
        if not ref:
            raise SbomError(f"{ptr}: a component with {cp.LAYER} but no bom-ref")
        entries = self._license_entries(obj, ptr)
        lic_id, lic_name, expression, _ = entries[0] if entries else ("", "", "", "")
        licenses = lic_id or expression
        authors = _list(obj, "authors", ptr)
        author = _str(_obj(authors[0], f"{ptr}/authors/0"), "name", f"{ptr}/authors/0") if authors else ""
        assert d.layer is not None
        return Component(
            id=ref,
            layer=d.layer,
            kind=d.kind,
            name=_str(obj, "name", ptr),
            version=_str(obj, "version", ptr),
            purl=d.purl or _str(obj, "purl", ptr),
            licenses=licenses,
            license_declared=d.license_declared if licenses else lic_name,
            supplier=_name_of(obj, "supplier", ptr),
            author=author,
            description=_str(obj, "description", ptr),
            hashes=tuple(self._hashes(obj, ptr) + d.hashes),
            properties=tuple(d.properties),
            evidence=tuple(d.evidence),
        )

    def _licenses(self, obj: dict[str, Any], ptr: str) -> tuple[str, str]:
        entries = self._license_entries(obj, ptr)
        if not entries:
            return "", ""
        concluded = [e for e in entries if e[3] == "concluded"]
        chosen = concluded or entries
        expression, declared = combine_licenses(e[0] or e[2] or e[1] for e in chosen)
        if concluded and len(concluded) < len(entries):
            others = "; ".join(e[0] or e[2] or e[1] for e in entries if e[3] != "concluded")
            declared = others if not declared else f"{declared}; {others}"
        return expression, declared

    def _foreign(
        self,
        obj: dict[str, Any],
        ptr: str,
        ref: str,
        own_props: list[tuple[str, str]],
        *,
        service: bool,
        subject: bool,
    ) -> Component:
        name = _str(obj, "name", ptr, required=True)
        group = _str(obj, "group", ptr)
        version = _str(obj, "version", ptr)
        full = f"{group}/{name}" if group else name
        props: list[tuple[str, str]] = list(own_props)
        props += self.extras
        data = [] if service else _list(obj, "data", ptr)
        if service:
            layer, kind = Layer.OPERATIONAL, "service"
        else:
            ctype = _str(obj, "type", ptr)
            layer, kind = TYPES.get(ctype, (Layer.SOFTWARE, ctype or "component"))
            if (
                layer is Layer.DATA
                and data
                and not any(isinstance(x, dict) and x.get("type") == "dataset" for x in data)
            ):
                kind = "data"
        raw_purl = _str(obj, "purl", ptr).strip()
        purl, moved = identity(canonical_purl(raw_purl)) if raw_purl else ("", [])
        props += moved
        if raw_purl and not purl:
            props.append((RAW_PURL, safe_text(raw_purl)))
        cid = purl or component_id(layer, kind, full, version)
        licenses, declared = self._licenses(obj, ptr)
        supplier = _name_of(obj, "supplier", ptr)
        manufacturer = _name_of(obj, "manufacturer", ptr)
        publisher = _str(obj, "publisher", ptr)
        provider = _name_of(obj, "provider", ptr) if service else ""
        if subject:
            meta = self.metadata
            supplier = supplier or _name_of(meta, "supplier", "/metadata")
            manufacturer = manufacturer or _name_of(meta, "manufacturer", "/metadata")
            manufacturer = manufacturer or _name_of(meta, "manufacture", "/metadata")
            props.append((SUBJECT, "true"))
        if manufacturer:
            props.append(("sbom:manufacturer", manufacturer))
        if publisher:
            props.append(("sbom:publisher", publisher))
        author = _str(obj, "author", ptr)
        if not author:
            names = [_name_of({"a": a}, "a", f"{ptr}/authors/{i}") for i, a in enumerate(_list(obj, "authors", ptr))]
            author = ", ".join(n for n in names if n)
        if cpe := _str(obj, "cpe", ptr):
            props.append((CPE, cpe))
        if scope := _str(obj, "scope", ptr):
            props.append(("sbom:scope", scope))
        for i, r in enumerate(_list(obj, "externalReferences", ptr)):
            r = _obj(r, f"{ptr}/externalReferences/{i}")
            rtype, url = (
                _str(r, "type", f"{ptr}/externalReferences/{i}"),
                _str(r, "url", f"{ptr}/externalReferences/{i}"),
            )
            if rtype and url:
                props.append((EXTERNAL + rtype, safe_text(url)))
        description = _str(obj, "description", ptr)
        if service:
            props += self._service(obj, ptr)
        if "modelCard" in obj:
            props += self._model_card(cid, _obj(obj["modelCard"], f"{ptr}/modelCard"), f"{ptr}/modelCard")
        owner = ""
        for i, entry in enumerate(data):
            p = f"{ptr}/data/{i}"
            entry_props, entry_owner, entry_description = _data_entry(_obj(entry, p), p)
            props += entry_props
            owner = owner or entry_owner
            description = description or entry_description
        return Component(
            id=cid,
            layer=layer,
            kind=kind,
            name=full,
            version=version,
            purl=purl,
            licenses=licenses,
            license_declared=declared,
            supplier=supplier or manufacturer or publisher or provider or owner,
            author=author,
            description=description,
            hashes=tuple(sorted(set(self._hashes(obj, ptr)))),
            properties=tuple(sorted(set(props))),  # in their canonical order already: normalised() keeps them
            evidence=(Evidence(path=self.display, collector=self.collector, pointer=pointer(ref) if ref else ptr),),
        )

    def _service(self, obj: dict[str, Any], ptr: str) -> list[tuple[str, str]]:
        props = []
        if provider := _name_of(obj, "provider", ptr):
            props.append(("sbom:provider", provider))
        for i, url in enumerate(_list(obj, "endpoints", ptr)):
            if not isinstance(url, str):
                raise SbomError(f"{ptr}/endpoints/{i}: expected a string, got {_tname(url)}")
            props.append(("sbom:endpoint", url))
        for key, prop in (("authenticated", "sbom:authenticated"), ("x-trust-boundary", "sbom:trust-boundary")):
            v = obj.get(key)
            if isinstance(v, bool):
                props.append((prop, "true" if v else "false"))
            elif isinstance(v, str) and v:  # XML
                props.append((prop, v))
        zones = obj.get("trustZone")
        for zone in zones if isinstance(zones, list) else [zones]:
            if isinstance(zone, str) and zone:
                props.append(("sbom:trust-zone", zone))
        props += [("sbom:data-classification", c) for c in _strings(obj.get("data"), "classification", ptr, [])]
        return props

    def _model_card(self, model: str, card: dict[str, Any], ptr: str) -> list[tuple[str, str]]:
        props: list[tuple[str, str]] = []
        params = _sub(card, "modelParameters", ptr)
        pp = f"{ptr}/modelParameters"
        if approach := _str(_sub(params, "approach", pp), "type", f"{pp}/approach"):
            props.append(("mlbom:approach", approach))
        for key, prop in (
            ("task", "mlbom:task"),
            ("architectureFamily", "mlbom:architecture-family"),
            ("modelArchitecture", "mlbom:model-architecture"),
        ):
            if value := _str(params, key, pp):
                props.append((prop, value))
        for i, ds in enumerate(_list(params, "datasets", pp)):
            p = f"{pp}/datasets/{i}"
            ds = _obj(ds, p)
            if "ref" in ds:
                ref = ds["ref"]
                if isinstance(ref, dict):  # a 1.6 refLinkType may be given as an object in XML
                    ref = ref.get("#text", "")
                if not isinstance(ref, str):
                    raise SbomError(f"{p}/ref: expected a string, got {_tname(ref)}")
                props.append(("mlbom:dataset", ref))
                self.dataset_refs.append((model, ref, p))
                continue
            self._inline_dataset(model, ds, p, props)
        for key, prop in (("inputs", "mlbom:input-format"), ("outputs", "mlbom:output-format")):
            for i, io in enumerate(_list(params, key, pp)):
                if fmt := _str(_obj(io, f"{pp}/{key}/{i}"), "format", f"{pp}/{key}/{i}"):
                    props.append((prop, fmt))
        qa = _sub(card, "quantitativeAnalysis", ptr)
        for i, m in enumerate(_list(qa, "performanceMetrics", f"{ptr}/quantitativeAnalysis")):
            p = f"{ptr}/quantitativeAnalysis/performanceMetrics/{i}"
            m = _obj(m, p)
            mtype, value = _str(m, "type", p), _str(m, "value", p)
            if mtype or value:
                text = f"{mtype}: {value}" if mtype and value else mtype or value
                props.append(("mlbom:metric", f"{text} [{_str(m, 'slice', p)}]" if m.get("slice") else text))
        cons = _sub(card, "considerations", ptr)
        cp_ = f"{ptr}/considerations"
        for key, prop in (
            ("users", "mlbom:user"),
            ("useCases", "mlbom:use-case"),
            ("technicalLimitations", "mlbom:technical-limitation"),
            ("performanceTradeoffs", "mlbom:performance-tradeoff"),
        ):
            for i, text in enumerate(_list(cons, key, cp_)):
                if not isinstance(text, str):
                    raise SbomError(f"{cp_}/{key}/{i}: expected a string, got {_tname(text)}")
                props.append((prop, text))
        for i, risk in enumerate(_list(cons, "ethicalConsiderations", cp_)):
            p = f"{cp_}/ethicalConsiderations/{i}"
            risk = _obj(risk, p)
            name, mitigation = _str(risk, "name", p), _str(risk, "mitigationStrategy", p)
            if name:
                props.append(("mlbom:ethical-risk", f"{name} (mitigation: {mitigation})" if mitigation else name))
        for i, fa in enumerate(_list(cons, "fairnessAssessments", cp_)):
            p = f"{cp_}/fairnessAssessments/{i}"
            if group := _str(_obj(fa, p), "groupAtRisk", p):
                props.append(("mlbom:fairness-group-at-risk", group))
        env = _sub(cons, "environmentalConsiderations", cp_)
        for i, ec in enumerate(_list(env, "energyConsumptions", f"{cp_}/environmentalConsiderations")):
            p = f"{cp_}/environmentalConsiderations/energyConsumptions/{i}"
            ec = _obj(ec, p)
            cost = _sub(ec, "activityEnergyCost", p)
            value, unit = cost.get("value", ""), _str(cost, "unit", f"{p}/activityEnergyCost")
            activity = _str(ec, "activity", p)
            if activity or value != "":
                props.append(("mlbom:energy", f"{activity}: {value} {unit}".strip()))
            for j, provider in enumerate(_list(ec, "energyProviders", p)):
                pp_ = f"{p}/energyProviders/{j}"
                provider = _obj(provider, pp_)
                org = _sub(provider, "organization", pp_)
                where = _str(_sub(org, "address", f"{pp_}/organization"), "country", f"{pp_}/organization/address")
                source = _str(provider, "energySource", pp_)
                if who := _str(org, "name", f"{pp_}/organization"):
                    detail = ", ".join(x for x in (where, source) if x)
                    props.append(("mlbom:energy-provider", f"{who} ({detail})" if detail else who))
        props += self._properties(card, ptr)
        return props

    def _inline_dataset(self, model: str, ds: dict[str, Any], ptr: str, props: list[tuple[str, str]]) -> None:
        name = _str(ds, "name", ptr)
        url = _str(_sub(ds, "contents", ptr), "url", f"{ptr}/contents")
        shown = name or url
        if not shown:
            return
        props.append(("mlbom:dataset", shown))
        entry_props, owner, description = _data_entry(ds, ptr)
        cid = component_id(Layer.DATA, "dataset", shown)
        self.b.add(
            Component(
                id=cid,
                layer=Layer.DATA,
                kind="dataset",
                name=shown,
                supplier=owner,
                description=description,
                properties=(*entry_props, *self.extras),
                evidence=(Evidence(path=self.display, collector=self.collector, pointer=ptr),),
            )
        )
        self.b.edge(Edge(source=model, target=cid, relation=Relation.TRAINED_ON, evidence=self._ev(ptr)))

    # -- edges and inputs --------------------------------------------------------------------------
    def dependencies(self) -> None:
        targets: dict[str, list[str]] = {}
        where: dict[str, str] = {}
        for i, d in enumerate(_list(self.doc, "dependencies", "")):
            p = f"/dependencies/{i}"
            d = _obj(d, p)
            ref = _str(d, "ref", p, required=True)
            source = self.ref_id(ref)
            where.setdefault(source, pointer(ref))
            out = targets.setdefault(source, [])
            for j, t in enumerate(_list(d, "dependsOn", p)):
                if not isinstance(t, str):
                    raise SbomError(f"{p}/dependsOn/{j}: expected a string, got {_tname(t)}")
                out.append(self.ref_id(t))
        for source, decoded in self.decoded.items():
            try:
                edges = cp.decode_edges(source, decoded, targets.pop(source, ()))
            except ValueError as err:
                raise SbomError(f"component {source!r}: {err}") from None
            for e in edges:
                self.b.edge(e)
        for source, ts in targets.items():
            evidence = self._ev(where[source])
            for target in dict.fromkeys(ts):
                if target != source:
                    self.b.edge(Edge(source=source, target=target, relation=Relation.DEPENDS_ON, evidence=evidence))

    def _inputs(self) -> list[InputRecord]:
        out = []
        for i, (name, value) in enumerate(self._properties(self.metadata, "/metadata")):
            if name == cp.INPUT:
                try:
                    out.append(cp.parse_input(value))
                except ValueError as err:
                    raise SbomError(f"/metadata/properties/{i}: {err}") from None
        return out


def _count(doc: dict[str, Any], metadata: dict[str, Any]) -> None:
    """Refuse an SBOM with too many components before any is built (a cheap walk of the lists)."""
    lists: list[Any] = [doc.get("components"), doc.get("services"), [metadata.get("component")]]
    count = 0
    while lists:
        items = lists.pop()
        if not isinstance(items, list):
            continue
        count += len(items)
        check_count(count)
        for item in items:
            if isinstance(item, dict):
                lists.append(item.get("components"))
                lists.append(item.get("services"))


def _data_entry(entry: dict[str, Any], ptr: str) -> tuple[list[tuple[str, str]], str, str]:
    """``(properties, owner, description)`` of one CycloneDX ``data`` entry (componentData)."""
    props = []
    if url := _str(_sub(entry, "contents", ptr), "url", f"{ptr}/contents"):
        props.append(("data:url", url))
    if classification := _str(entry, "classification", ptr):
        props.append(("data:classification", classification))
    for i, s in enumerate(_list(entry, "sensitiveData", ptr)):
        if not isinstance(s, str):
            raise SbomError(f"{ptr}/sensitiveData/{i}: expected a string, got {_tname(s)}")
        props.append(("data:sensitive-data", s))
    gov = _sub(entry, "governance", ptr)
    owner = ""
    for role, prop in (("owners", "data:owner"), ("custodians", "data:custodian"), ("stewards", "data:steward")):
        for i, who in enumerate(_list(gov, role, f"{ptr}/governance")):
            p = f"{ptr}/governance/{role}/{i}"
            who = _obj(who, p)
            name = _name_of(who, "organization", p) or _name_of(who, "contact", p)
            if name:
                props.append((prop, name))
                if role == "owners":
                    owner = owner or name
    return props, owner, _str(entry, "description", ptr)


def _with_extras(c: Component, extras: tuple[tuple[str, str], ...], ev: Evidence) -> Component:
    return replace(c, properties=(*c.properties, *extras), evidence=(*c.evidence, ev))


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a document's objects are built: they all live until
    the inventory is returned, and the collector's passes over them cost a third of a big read
    (``pipeline.scan`` pauses it too; this is for callers of :func:`read` itself)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read(data: bytes, display: str, collector: str = NAME) -> Inventory:
    """The inventory of one CycloneDX document; every problem is an InputError naming ``display``."""
    try:
        with gc_paused():
            return _Reader(_load(data), display, collector).read()
    except SbomError as err:
        raise InputError(display, str(err)) from None
    except RecursionError:
        raise InputError(display, "nested too deeply to read") from None


_JSON_MARK = re.compile(
    rb'(?<!\\)"bomFormat"\s*:\s*"CycloneDX"|(?<!\\)"\$schema"\s*:\s*"https?://cyclonedx\.org/schema/bom-'
)
_XML_MARK = re.compile(rb"<(?:[\w.-]+:)?bom\b[^>]*?\sxmlns(?::[\w.-]+)?\s*=\s*[\"']http://cyclonedx\.org/schema/bom/\d")
#: Names that say "CycloneDX" (the content is still checked, with a longer look).
_NAMED = re.compile(r"(?:.*[._-])?(?:s?bom|cdx|cyclonedx)\.(?:json|xml)", re.IGNORECASE)


class CycloneDxCollector(Collector):
    name = NAME
    description = "CycloneDX SBOM 1.2-1.7, JSON or XML (Syft, Trivy, cdxgen, sovaudit ...), by content"

    def detect(self, path: TreePath) -> bool:
        suffix = path.suffix.lower()
        if suffix not in (".json", ".xml"):
            return False
        head = path.read_head(1 * MiB if _NAMED.fullmatch(path.name) else 16 * 1024)
        if suffix == ".json":
            return sniff(head, _JSON_MARK)
        return _XML_MARK.search(head) is not None

    def collect(self, path: TreePath) -> Inventory:
        return read(path.read_bytes(), path.display(), self.name)
