"""The knowledge base: who makes each component, under whose law, how open it is, what replaces it.

Data, not code: YAML files in ``sovaudit/knowledge/data/`` (the embedded KB) and any site files
given with ``--kb`` (same shape, validated against ``kb.schema.json``; an entry, vendor or
jurisdiction with an existing id replaces it). :func:`annotate` matches components to entries
by ecosystem — the same CUDA is a Spack spec, a conda package, a PyPI wheel, a Debian package, a
module, a container image — with anchored patterns only, so look-alike names do not match.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from sovaudit.errors import ConfigError
from sovaudit.model import Component, Layer

ECOSYSTEMS = ("pypi", "conda", "spack", "easybuild", "deb", "rpm", "apk", "module", "image", "host", "hf", "name")
_PYPI_SEPARATORS = re.compile(r"[-_.]+")
_LITERAL = re.compile(r"^\^[a-z0-9_@/:+-]*(?:\\\.[a-z0-9_@/:+-]*)*\$$")
_PLAIN_FLAGS = re.compile("").flags


@dataclass(frozen=True, slots=True, kw_only=True)
class Jurisdiction:
    id: str
    name: str
    bloc: str  # eu | eea | adequacy | third-country
    risk: int  # J: 0 (EU) .. 4 (sanctioned)
    laws: tuple[str, ...] = ()
    notes: str = ""
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Vendor:
    id: str
    name: str
    country: str
    jurisdiction: str
    governance: str
    parent: str = ""
    notes: str = ""
    sources: tuple[str, ...] = ()
    as_of: str = ""
    review_after: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    id: str
    name: str
    category: str
    layers: tuple[Layer, ...]
    vendor: str
    openness: str
    lock_in: str
    substitutability: int
    licence: str = ""
    tags: tuple[str, ...] = ()
    standards: tuple[str, ...] = ()
    export_control: str = "unknown"
    requires: tuple[str, ...] = ()
    alternatives: tuple[str, ...] = ()
    governance_events: tuple[str, ...] = ()
    patterns: tuple[tuple[str, str], ...] = ()  # (ecosystem, anchored regex)
    kinds: tuple[str, ...] = ()
    notes: str = ""
    sources: tuple[str, ...] = ()
    as_of: str = ""
    review_after: str = ""
    origin: str = ""  # the KB file it came from

    def stale(self, today: date) -> bool:
        return bool(self.review_after) and date.fromisoformat(self.review_after) < today


@dataclass(frozen=True, slots=True, kw_only=True)
class Match:
    """One component matched to one KB entry, and by which pattern (for `explain`)."""

    component: str
    entry: str
    via: str  # "pypi:^nvidia-cuda-runtime-cu12$"


@dataclass(frozen=True, slots=True)
class Regexes:
    """The regex patterns of one ecosystem (or of the names of one kind of component), and one
    regex, their alternation, that matches a key exactly when one of them does.

    Most components match no pattern: the joined regex says so in one call where testing each
    pattern took ~80. A pattern with groups (a back-reference would change meaning once joined)
    or with global flags is not joined: then every key is tested against each pattern.
    """

    each: tuple[tuple[re.Pattern[str], str, str], ...]  # (compiled, entry id, pattern)
    joined: re.Pattern[str] | None

    @classmethod
    def of(cls, each: Iterable[tuple[re.Pattern[str], str, str]]) -> Regexes:
        patterns = tuple(each)
        joined = None
        if patterns and all(rx.groups == 0 and rx.flags == _PLAIN_FLAGS for rx, _, _ in patterns):
            joined = re.compile("|".join(f"(?:{pat})" for _, _, pat in patterns))
        return cls(each=patterns, joined=joined)

    def to_try(self, key: str) -> tuple[tuple[re.Pattern[str], str, str], ...]:
        """The patterns that may match ``key``: none when the joined regex does not."""
        if self.joined is not None and self.joined.match(key) is None:
            return ()
        return self.each


@dataclass(slots=True)
class KnowledgeBase:
    entries: dict[str, Entry] = field(default_factory=dict)
    vendors: dict[str, Vendor] = field(default_factory=dict)
    jurisdictions: dict[str, Jurisdiction] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    _index: dict[str, tuple[dict[str, list[tuple[str, str]]], Regexes]] | None = None
    _name_cache: dict[tuple[str, Layer], Regexes] = field(default_factory=dict)
    _needs_cache: dict[tuple[str, frozenset[str]], tuple[str, ...]] = field(default_factory=dict)

    # -- lookups ---------------------------------------------------------------------------------
    def vendor_of(self, entry: Entry) -> Vendor | None:
        return self.vendors.get(entry.vendor)

    def needs(self, entry_id: str, categories: frozenset[str]) -> tuple[str, ...]:
        """Entries of these categories that an entry requires, directly or through what it requires.

        ``requires`` means "needs to run", which is transitive: cuDNN requires the CUDA runtime,
        which requires NVIDIA GPUs, so cuDNN needs NVIDIA GPUs although its entry does not say so.
        The walk goes through entries of other categories (software) and stops at the ones asked
        for (a GPU's own requirements are not the library's); unknown ids and cycles are skipped.
        """
        key = (entry_id, categories)
        cached = self._needs_cache.get(key)
        if cached is not None:
            return cached
        found: set[str] = set()
        seen = {entry_id}
        todo = [entry_id]
        while todo:
            entry = self.entries.get(todo.pop())
            for ref in entry.requires if entry is not None else ():
                if ref in seen or ref not in self.entries:
                    continue
                seen.add(ref)
                if self.entries[ref].category in categories:
                    found.add(ref)
                else:
                    todo.append(ref)
        result = tuple(sorted(found))
        self._needs_cache[key] = result
        return result

    def jurisdiction_of(self, entry: Entry) -> Jurisdiction | None:
        v = self.vendor_of(entry)
        return self.jurisdictions.get(v.jurisdiction) if v else None

    def problems(self) -> list[str]:
        """Dangling references between entries, vendors and jurisdictions."""
        out = []
        for e in self.entries.values():
            if e.vendor not in self.vendors:
                out.append(f"{e.origin}: entry {e.id}: unknown vendor {e.vendor!r}")
            for ref in (*e.alternatives, *e.requires):
                if ref not in self.entries:
                    out.append(f"{e.origin}: entry {e.id}: unknown entry {ref!r} in alternatives/requires")
        for v in self.vendors.values():
            for j in (v.country, v.jurisdiction):
                if j not in self.jurisdictions:
                    out.append(f"vendor {v.id}: unknown jurisdiction {j!r}")
        return sorted(out)

    # -- matching --------------------------------------------------------------------------------
    def _build_index(self) -> dict[str, tuple[dict[str, list[tuple[str, str]]], Regexes]]:
        literals: dict[str, dict[str, list[tuple[str, str]]]] = {eco: {} for eco in ECOSYSTEMS}
        regexes: dict[str, list[tuple[re.Pattern[str], str, str]]] = {eco: [] for eco in ECOSYSTEMS}
        for e in sorted(self.entries.values(), key=lambda e: e.id):
            for eco, pat in e.patterns:
                if _LITERAL.match(pat):
                    literals[eco].setdefault(pat[1:-1].replace("\\.", "."), []).append((e.id, pat))
                else:
                    regexes[eco].append((re.compile(pat), e.id, pat))
        return {eco: (literals[eco], Regexes.of(regexes[eco])) for eco in ECOSYSTEMS}

    def match(self, component: Component) -> list[Match]:
        if self._index is None:
            self._index = self._build_index()
        found: dict[str, str] = {}
        for eco, key in keys_of(component):
            literals, regexes = self._index[eco]
            for entry_id, pat in literals.get(key, ()):
                found.setdefault(entry_id, f"{eco}:{pat}")
            if eco == "name":
                regexes = self._name_regexes(component)
            for rx, entry_id, pat in regexes.to_try(key):
                if entry_id not in found and rx.match(key):
                    found[entry_id] = f"{eco}:{pat}"
        out = []
        for entry_id, via in sorted(found.items()):
            e = self.entries[entry_id]
            if via.startswith("name:") and not name_match_applies(e, component):
                continue
            out.append(Match(component=component.id, entry=entry_id, via=via))
        return out

    def _name_regexes(self, component: Component) -> Regexes:
        """Only the name patterns that can apply to this kind and layer (most components: none)."""
        key = (component.kind, component.layer)
        cached = self._name_cache.get(key)
        if cached is None:
            assert self._index is not None
            cached = Regexes.of(
                (rx, entry_id, pat)
                for rx, entry_id, pat in self._index["name"][1].each
                if name_match_applies(self.entries[entry_id], component)
            )
            self._name_cache[key] = cached
        return cached


def name_match_applies(entry: Entry, component: Component) -> bool:
    """Generic name patterns apply to the entry's kinds (or, without kinds, its layers) only."""
    if entry.kinds:
        return component.kind in entry.kinds
    return component.layer in entry.layers


def keys_of(c: Component) -> list[tuple[str, str]]:
    """The (ecosystem, lower-case name) pairs under which a component can be matched."""
    keys: list[tuple[str, str]] = []
    if c.purl.startswith("pkg:"):
        ptype = c.purl[4:].split("/", 1)[0].lower()
        if ptype == "pypi":  # PEP 503: the same project is tensorrt_llm, tensorrt-llm, TensorRT.LLM
            keys.append(("pypi", _PYPI_SEPARATORS.sub("-", c.name.lower())))
        elif ptype in ECOSYSTEMS:
            keys.append((ptype, c.name.lower()))
        if ptype == "deb" and c.prop("deb:source"):
            keys.append(("deb", c.prop("deb:source").lower()))
        if ptype == "generic" and c.prop("easybuild:module"):
            keys.append(("easybuild", c.name.lower()))
        if ptype in ("docker", "oci"):
            keys.append(("image", (c.prop("oci:repository") or c.name).lower()))
        if ptype == "huggingface":
            keys.append(("hf", (c.prop("hf:repo") or c.name).lower()))
    if c.kind == "module":
        keys.append(("module", c.name.lower()))
    if c.kind == "container-image":
        keys.append(("image", (c.prop("oci:repository") or c.name).lower()))
    if c.kind == "model":
        keys.append(("hf", (c.prop("hf:repo") or c.name).lower()))
    host = c.prop("net:host")
    if host:
        keys.append(("host", host.lower()))
    keys.append(("name", c.name.lower()))
    return keys


# -- loading --------------------------------------------------------------------------------------
def _tuple(v: Any) -> tuple[str, ...]:
    return tuple(str(x) for x in v) if isinstance(v, list) else ()


def _add_document(kb: KnowledgeBase, doc: Mapping[str, Any], origin: str, *, override: bool) -> None:
    if not override:  # embedded files must not contradict each other silently
        for table, key in ((kb.jurisdictions, "jurisdictions"), (kb.vendors, "vendors"), (kb.entries, "entries")):
            for item in doc.get(key, ()):
                if item["id"] in table:
                    raise ConfigError(f"{origin}: {key} id {item['id']!r} is defined twice in the embedded KB")
    for j in doc.get("jurisdictions", ()):
        kb.jurisdictions[j["id"]] = Jurisdiction(
            id=j["id"],
            name=j["name"],
            bloc=j["bloc"],
            risk=int(j["risk"]),
            laws=_tuple(j.get("laws")),
            notes=j.get("notes", ""),
            sources=_tuple(j.get("sources")),
        )
    for v in doc.get("vendors", ()):
        kb.vendors[v["id"]] = Vendor(
            id=v["id"],
            name=v["name"],
            country=v["country"],
            jurisdiction=v["jurisdiction"],
            governance=v["governance"],
            parent=v.get("parent", ""),
            notes=v.get("notes", ""),
            sources=_tuple(v.get("sources")),
            as_of=str(v.get("as_of", "")),
            review_after=str(v.get("review_after", "")),
        )
    for e in doc.get("entries", ()):
        match = e["match"]
        kb.entries[e["id"]] = Entry(
            id=e["id"],
            name=e["name"],
            category=e["category"],
            layers=tuple(Layer(x) for x in e["layers"]),
            vendor=e["vendor"],
            openness=e["openness"],
            lock_in=e["lock_in"],
            substitutability=int(e["substitutability"]),
            licence=e.get("licence", ""),
            tags=_tuple(e.get("tags")),
            standards=_tuple(e.get("standards")),
            export_control=e.get("export_control", "unknown"),
            requires=_tuple(e.get("requires")),
            alternatives=_tuple(e.get("alternatives")),
            governance_events=_tuple(e.get("governance_events")),
            patterns=tuple((eco, p) for eco in ECOSYSTEMS for p in match.get(eco, ())),
            kinds=_tuple(match.get("kinds")),
            notes=e.get("notes", ""),
            sources=_tuple(e.get("sources")),
            as_of=str(e.get("as_of", "")),
            review_after=str(e.get("review_after", "")),
            origin=origin,
        )
    kb.files.append(origin)


def _parse_yaml(text: str, origin: str) -> Any:
    import yaml

    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as err:
        raise ConfigError(f"{origin}: invalid YAML: {' '.join(str(err).split())}") from None


def validate_document(doc: Any, origin: str) -> None:
    """Check one KB document against the schema; the error names file, place and field."""
    import json

    import jsonschema

    schema = json.loads(resources.files("sovaudit.knowledge").joinpath("kb.schema.json").read_text())
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "(top)"
        raise ConfigError(f"{origin}: at {where}: {err.message}")
    for entry in doc.get("entries", ()) if isinstance(doc, dict) else ():
        for eco, pats in entry.get("match", {}).items():
            for p in pats if eco != "kinds" else ():
                try:
                    re.compile(p)
                except re.error as rerr:
                    raise ConfigError(
                        f"{origin}: entry {entry['id']}: match.{eco}: bad pattern {p!r}: {rerr}"
                    ) from None


def embedded_files() -> list[tuple[str, str]]:
    """(name, text) of the embedded KB files, in name order."""
    data = resources.files("sovaudit.knowledge").joinpath("data")
    return sorted(
        (f"sovaudit/knowledge/data/{p.name}", p.read_text(encoding="utf-8"))
        for p in data.iterdir()
        if p.name.endswith(".yaml")
    )


@functools.cache
def _embedded_documents() -> tuple[tuple[str, Any], ...]:
    """The embedded KB files, parsed once per process (YAML parsing is most of the load time)."""
    return tuple((origin, _parse_yaml(text, origin)) for origin, text in embedded_files())


def load(site_files: Sequence[str | Path] = (), *, validate_embedded: bool = False) -> KnowledgeBase:
    """The embedded KB, extended or overridden by site files (always validated: they are input)."""
    kb = KnowledgeBase()
    for origin, doc in _embedded_documents():
        if validate_embedded:
            validate_document(doc, origin)
        _add_document(kb, doc, origin, override=False)
    for f in site_files:
        try:
            text = Path(f).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise ConfigError(f"{f}: cannot read the site knowledge base: {err}") from None
        doc = _parse_yaml(text, str(f))
        validate_document(doc, str(f))
        _add_document(kb, doc, str(f), override=True)
    return kb


def annotate(kb: KnowledgeBase, components: Iterable[Component]) -> dict[str, tuple[Match, ...]]:
    """Component id -> the KB entries it matches (most components match none)."""
    out: dict[str, tuple[Match, ...]] = {}
    for c in components:
        if c.unresolved and not c.name:
            continue
        found = kb.match(c)
        if found:
            out[c.id] = tuple(found)
    return out


def search(kb: KnowledgeBase, text: str) -> list[Entry]:
    """Entries whose id, name, tags or vendor contain ``text`` (case-insensitive)."""
    needle = text.lower()
    hits: dict[str, Entry] = {}
    by_vendor = defaultdict(list)
    for e in kb.entries.values():
        by_vendor[e.vendor].append(e)
    for e in kb.entries.values():
        hay = " ".join((e.id, e.name, " ".join(e.tags), e.category)).lower()
        if needle in hay:
            hits[e.id] = e
    for vid, v in kb.vendors.items():
        if needle in v.name.lower() or needle == vid:
            for e in by_vendor[vid]:
                hits[e.id] = e
    return [hits[k] for k in sorted(hits)]
