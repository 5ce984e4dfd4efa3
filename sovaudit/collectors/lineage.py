"""Model lineage: references to base models and training data, and the licences that flow down them.

**References** (used by every model and data collector, so all spell them alike):

* a base model named by a card's ``base_model``, a PEFT ``base_model_name_or_path`` or a GGUF's
  ``general.base_model.*`` / ``general.source.*`` -> a ``derived-from`` edge from the model to
  ``pkg:huggingface/<org>/<name>`` (Hugging Face repo ids are case-insensitive on the Hub, so the
  id is lower-case; the ``hf:repo`` property keeps the spelling), with ``model:relation`` =
  ``finetune`` | ``adapter`` | ``quantized`` | ``merge`` (``model:relation-inferred`` when the
  card did not say and the relation was read off the artefacts);
* a dataset named by a card's ``datasets`` -> a ``trained-on`` edge to ``data/dataset/<name>``
  (lower-case; Hub dataset repo id or plain name; versions are never part of a dataset id,
  because nothing that refers to a dataset names one).

Each reference also yields a small component marked ``sovaudit:unresolved`` (layer, kind, name as
written, ``hf:repo``), so an ancestor no input describes is still a model in the graph that the
knowledge base can match (``meta-llama/...`` is Llama even when only named); a concrete
description of the same id replaces it when the graph merges.

**Linking** (:func:`link`, a pure function the link stage calls on the merged inventory):

1. A reference that a concrete component describes under another id is retargeted to it: a
   snapshot of ``org/name`` at a revision (``pkg:huggingface/org/name@<sha>``) resolves the bare
   reference ``pkg:huggingface/org/name``; a dataset resolves by ``hf:repo``, ``data:alias`` or
   name. References that then nothing points at are removed; the others stay, unresolved.
2. Licence inheritance along ``derived-from`` (transitively, cycle-safe): the most restrictive
   ancestor licence that flows to derivatives (ladder level L1 or above: copyleft, Open RAIL,
   community, non-commercial ...) is recorded on the model as ``model:inherited-license``
   (expression), ``-declared``, ``-level``, ``-family``, ``model:inherited-from`` (the
   ancestor), ``model:license-chain`` (``a (apache-2.0) <- b (apache-2.0) <- meta-llama/Llama-3.1-8B
   (llama3.1)``) and ``model:license-conflict`` = ``true`` when the model's own licence is known
   and less restrictive than the inherited one (a fine-tune of Llama that calls itself
   Apache-2.0), else ``false``. An ancestor known only by name carries no licence; its licence is
   then read off the repo id where the model family fixes it (``meta-llama/Llama-3.1-8B`` ->
   Llama 3.1 Community, ``model:inherited-license-basis`` = ``repo-id``). ``model:lineage-depth``
   is the longest chain of bases above the model.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from dataclasses import dataclass, replace

from sovaudit.collectors.model_openness import HF_LICENSES, Level, family_of, level_of
from sovaudit.graph import merge_components
from sovaudit.model import Component, Edge, Evidence, Inventory, Layer, Relation, component_id
from sovaudit.purl import build as build_purl

RELATIONS = ("finetune", "adapter", "quantized", "merge")
_RELATION_ALIASES = {"fine-tune": "finetune", "fine-tuned": "finetune", "quantization": "quantized",
                     "quantised": "quantized", "merged": "merge", "lora": "adapter"}  # fmt: skip

#: A Hub repo id: ``org/name`` or a legacy top-level ``name`` (``gpt2``, ``bert-base-uncased``).
_REPO = re.compile(r"^(?:([A-Za-z0-9][\w.-]{0,95})/)?([A-Za-z0-9][\w.-]{0,95})$")
_HUB_URL = re.compile(r"^(?:https?://(?:www\.)?(?:huggingface\.co|hf\.co)/|hf://)(?P<rest>[^?#]+)")


@dataclass(frozen=True, slots=True)
class Repo:
    """A Hugging Face repo id: ``org`` (may be empty for legacy ids) and ``name``, as written."""

    org: str
    name: str

    @property
    def id(self) -> str:
        return f"{self.org}/{self.name}" if self.org else self.name


def parse_repo(ref: str, *, dataset: bool = False) -> Repo | None:
    """The repo id a reference names (``org/name``, a Hub URL, ``hf://``), or None."""
    text = ref.strip()
    if m := _HUB_URL.match(text):
        parts = [p for p in m.group("rest").split("/") if p]
        if parts[:1] == ["datasets"]:
            if not dataset:
                return None
            parts = parts[1:]
        elif dataset and text.startswith("http"):
            return None
        # /org/name/tree/main, /org/name/resolve/... : keep org/name only
        text = "/".join(parts[:2])
        text = text.split("@", 1)[0]
    m2 = _REPO.match(text)
    if not m2 or text.endswith((".", "-")) or ".." in text:
        return None
    return Repo(org=m2.group(1) or "", name=m2.group(2))


def model_purl(repo: Repo, revision: str = "") -> str:
    """``pkg:huggingface/<org>/<name>[@<revision>]``, lower-case (Hub repo ids ignore case)."""
    return build_purl("huggingface", repo.org.lower() or None, repo.name.lower(), revision.lower())


def model_ref_id(ref: str) -> str:
    """The id a reference to a model points at: its purl for a Hub repo id, else a plain model id."""
    repo = parse_repo(ref)
    return model_purl(repo) if repo else component_id(Layer.MODEL, "model", ref.strip())


def dataset_key(ref: str) -> str:
    """What identifies a dataset reference: the Hub repo id or the name, lower-case."""
    repo = parse_repo(ref, dataset=True)
    return (repo.id if repo else ref.strip()).lower()


def dataset_ref_id(ref: str) -> str:
    return component_id(Layer.DATA, "dataset", dataset_key(ref))


def relation_of(raw: object) -> str:
    """A ``base_model_relation`` value in our spelling, or ``""``."""
    if not isinstance(raw, str):
        return ""
    key = raw.strip().lower()
    key = _RELATION_ALIASES.get(key, key)
    return key if key in RELATIONS else ""


def reference(cid: str, layer: Layer, kind: str, written: str, evidence: Evidence, repo: Repo | None) -> Component:
    """The unresolved component a reference creates (replaced by any concrete description of ``cid``)."""
    props = [("sovaudit:unresolved", "true")]
    if repo is not None:
        props.append(("hf:repo", repo.id))
    return Component(
        id=cid,
        layer=layer,
        kind=kind,
        name=repo.id if repo is not None else written.strip(),
        purl=cid if cid.startswith("pkg:") else "",
        supplier=repo.org if repo is not None else "",
        properties=tuple(sorted(props)),
        evidence=(evidence,),
    )


def base_edge(source: str, ref: str, relation: str, evidence: Evidence, *, inferred: bool = False) -> Edge:
    """``source`` derived-from the model ``ref`` names."""
    props = [("model:relation", relation or "finetune")]
    if inferred or not relation:
        props.append(("model:relation-inferred", "true"))
    return Edge(
        source=source,
        target=model_ref_id(ref),
        relation=Relation.DERIVED_FROM,
        properties=tuple(sorted(props)),
        evidence=(evidence,),
    )


def base_reference(ref: str, evidence: Evidence) -> Component:
    repo = parse_repo(ref)
    return reference(model_ref_id(ref), Layer.MODEL, "model", ref, evidence, repo)


def dataset_edge(source: str, ref: str, evidence: Evidence) -> Edge:
    """``source`` trained-on the dataset ``ref`` names."""
    return Edge(source=source, target=dataset_ref_id(ref), relation=Relation.TRAINED_ON, evidence=(evidence,))


def dataset_reference(ref: str, evidence: Evidence) -> Component:
    repo = parse_repo(ref, dataset=True)
    return reference(dataset_ref_id(ref), Layer.DATA, "dataset", ref, evidence, repo)


# -- linking ---------------------------------------------------------------------------------------
def _repo_key(c: Component) -> str:
    """The lower-case repo id a model component stands for ("" when none)."""
    if repo := c.prop("hf:repo"):
        return repo.lower()
    if c.purl.startswith("pkg:huggingface/"):
        from packageurl import PackageURL  # here: most scans link no model at all

        try:
            p = PackageURL.from_string(c.purl)
        except ValueError:
            return ""
        return f"{p.namespace}/{p.name}".lower() if p.namespace else p.name.lower()
    return ""


def _dataset_keys(c: Component) -> set[str]:
    keys = {c.name.lower()} if c.name else set()
    keys |= {v.lower() for k, v in c.properties if k in ("hf:repo", "data:alias") and v}
    if c.id.startswith("data/dataset/"):
        keys.add(c.id.removeprefix("data/dataset/"))
    return keys


def _resolve(inventory: Inventory) -> tuple[list[Component], list[Edge]]:
    """Retarget references to the concrete components that describe them; drop orphan references."""
    concrete_models: dict[str, list[str]] = defaultdict(list)
    concrete_data: dict[str, list[str]] = defaultdict(list)
    by_id: dict[str, Component] = {}
    for c in inventory.components:  # one component per id, as the graph merges them
        by_id[c.id] = merge_components(by_id[c.id], c) if c.id in by_id else c
    for c in by_id.values():
        if c.unresolved:
            continue
        if c.layer is Layer.MODEL and (key := _repo_key(c)):
            concrete_models[key].append(c.id)
        elif c.layer is Layer.DATA and c.kind == "dataset":
            for key in _dataset_keys(c):
                concrete_data[key].append(c.id)
    edges: dict[tuple[str, str, str], Edge] = {}
    for e in inventory.edges:
        targets = [e.target]
        target = by_id.get(e.target)
        if target is None or target.unresolved:
            found: list[str] = []
            is_data = e.target.startswith("data/dataset/") or (target is not None and target.layer is Layer.DATA)
            if is_data and e.relation in (Relation.TRAINED_ON, Relation.DERIVED_FROM):
                keys = _dataset_keys(target) if target is not None else {e.target.removeprefix("data/dataset/")}
                found = sorted({i for k in keys for i in concrete_data.get(k, [])})
            elif e.relation is Relation.DERIVED_FROM:
                key = _repo_key(target) if target is not None else ""
                if not key and e.target.startswith("pkg:huggingface/"):
                    key = e.target.removeprefix("pkg:huggingface/").split("@", 1)[0]
                found = concrete_models.get(key, [])
            found = [i for i in dict.fromkeys(found) if i != e.source]
            if found:
                targets = found
        for t in targets:
            new = e if t == e.target else replace(e, target=t)  # most edges keep their target: no copy
            edge_key = (new.source, t, new.relation.value)
            old = edges.get(edge_key)
            edges[edge_key] = (
                new if old is None else replace(old, evidence=tuple(sorted(set(old.evidence) | set(new.evidence))))
            )
    referenced = {e.target for e in edges.values()} | {e.source for e in edges.values()}
    components = [c for c in by_id.values() if not c.unresolved or c.id in referenced]
    return components, list(edges.values())


@dataclass(frozen=True, slots=True)
class _Licence:
    expression: str
    declared: str
    level: Level
    family: str
    basis: str  # "declared" | "repo-id"


#: Repo ids whose family fixes the licence even when no card was read.
_LLAMA_REPO = re.compile(r"(?i)(?:^|/)(?:meta-)?llama[-_ ]?(2|3\.[0-3]|3|4)\b")


def _licence_of(c: Component) -> _Licence | None:
    if c.licenses or c.license_declared:
        level = level_of(c.licenses, c.license_declared)
        return _Licence(c.licenses, c.license_declared, level, family_of(c.licenses, c.license_declared), "declared")
    repo = c.prop("hf:repo") or (c.name if c.unresolved else "")
    if repo.lower().startswith("meta-llama/") and (m := _LLAMA_REPO.search(repo)):
        hf_id = f"llama{m.group(1)}"
        expression = HF_LICENSES.get(hf_id, "")
        if expression:
            return _Licence(expression, hf_id, level_of(expression), "llama", "repo-id")
    return None


def _label(c: Component | None, cid: str) -> str:
    if c is None:
        return cid
    return c.prop("hf:repo") or c.name or cid


def _inheritance(components: list[Component], edges: list[Edge]) -> dict[str, list[tuple[str, str]]]:
    by_id = {c.id: c for c in components}
    parents: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        if e.relation is Relation.DERIVED_FROM and e.source != e.target:
            parents[e.source].append(e.target)
    for v in parents.values():
        v.sort()
    licences = {cid: _licence_of(c) for cid, c in by_id.items() if c.layer is Layer.MODEL}
    depth: dict[str, int] = {}

    def depth_of(cid: str, stack: frozenset[str]) -> int:
        if cid in depth:
            return depth[cid]
        if cid in stack:
            return 0
        d = max((1 + depth_of(p, stack | {cid}) for p in parents.get(cid, ())), default=0)
        depth[cid] = d
        return d

    out: dict[str, list[tuple[str, str]]] = {}
    for c in components:
        if c.layer is not Layer.MODEL or c.unresolved or c.id not in parents:
            continue
        # Breadth-first over ancestors: the nearest of the most restrictive flowing licences wins.
        best: tuple[int, list[str]] | None = None
        seen = {c.id}
        queue: deque[list[str]] = deque([c.id, p] for p in parents[c.id])
        while queue:
            path = queue.popleft()
            cid = path[-1]
            if cid in seen:
                continue
            seen.add(cid)
            lic = licences.get(cid)
            if lic is not None and lic.level.rank >= 1 and (best is None or lic.level.rank > best[0]):
                best = (lic.level.rank, path)
            queue.extend([*path, p] for p in parents.get(cid, ()) if p not in seen)
        props = [("model:lineage-depth", str(depth_of(c.id, frozenset())))]
        if best is not None:
            path = best[1]
            ancestor = licences[path[-1]]
            assert ancestor is not None
            own = licences.get(c.id)
            chain = " <- ".join(f"{_label(by_id.get(p), p)} ({_shown(licences.get(p))})" for p in path)
            conflict = (
                own is not None
                and own.level.level != "unknown"
                and (own.level.rank < ancestor.level.rank or (bool(ancestor.family) and own.family != ancestor.family))
            )
            props += [
                ("model:inherited-license", ancestor.expression),
                ("model:inherited-license-declared", ancestor.declared or ancestor.expression),
                ("model:inherited-license-level", ancestor.level.level),
                ("model:inherited-from", _label(by_id.get(path[-1]), path[-1])),
                ("model:license-chain", chain),
                ("model:license-conflict", "true" if conflict else "false"),
            ]
            if ancestor.family:
                props.append(("model:inherited-license-family", ancestor.family))
            if ancestor.basis != "declared":
                props.append(("model:inherited-license-basis", ancestor.basis))
        out[c.id] = [p for p in props if p[1]]
    return out


def _shown(lic: _Licence | None) -> str:
    if lic is None:
        return "unknown"
    return lic.declared or lic.expression


def link(inventory: Inventory) -> Inventory:
    """The inventory with model and dataset references resolved and licence inheritance recorded.

    Pure: the input is not changed; the result is normalised. Linear in components and edges,
    plus one breadth-first walk of the bases above each derived model.
    """
    components, edges = _resolve(inventory)
    inherited = _inheritance(components, edges)
    if inherited:
        components = [
            replace(c, properties=tuple(sorted(set(c.properties) | set(inherited[c.id])))) if c.id in inherited else c
            for c in components
        ]
    result = Inventory(components=tuple(components), edges=tuple(edges), inputs=inventory.inputs)
    if (
        inventory.canonical
        and len(components) == len(inventory.components)
        and len(edges) == len(inventory.edges)
        and all(a is b for a, b in zip(components, inventory.components, strict=True))
        and all(a is b for a, b in zip(edges, inventory.edges, strict=True))
    ):
        return inventory  # nothing resolved, nothing inherited: already canonical, not sorted again
    return result.normalised()
