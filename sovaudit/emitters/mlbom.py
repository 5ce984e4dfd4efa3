"""CycloneDX ML-BOM blocks that cyclonedx-python-lib cannot write: ``modelCard`` and component ``data``.

The library has no model for either (its issues 912 and 913), so :func:`extend` adds them to the
document the CycloneDX emitter has already rendered, keyed by ``bom-ref``, and keeps it valid
against the CycloneDX 1.6 schemas:

* every component of type ``machine-learning-model`` gets a ``modelCard``:
  ``modelParameters`` (``task`` from ``hf:pipeline-tag``, ``architectureFamily`` from
  ``model:type``, ``modelArchitecture`` from ``model:architecture``, ``datasets`` as ``ref``\\ s to
  the components the model is ``trained-on``, ``inputs``/``outputs`` formats and the learning
  ``approach`` where the task implies them), ``quantitativeAnalysis.performanceMetrics`` from
  ``hf:eval``, and ``considerations`` (``useCases``, ``technicalLimitations``,
  ``ethicalConsiderations``) from the card's sections (``hf:use-case``, ``hf:limitation``,
  ``hf:risk``);
* every component of type ``data`` gets one ``data`` entry: ``type`` (``dataset`` for datasets and
  their files, ``other`` for anything else), ``name``, ``contents.url``, ``sensitiveData`` (the
  Croissant RAI ``personalSensitiveInformation``), ``description``, and ``governance.owners``
  (the supplier).

JSON: the document is parsed, the blocks are appended to the component objects and it is written
back exactly as the library writes it (``json.dumps(indent=2)``). XML: the document is the
emitter's own, indented by ``ElementTree.indent``; each block is serialised on its own and
inserted into the component's element at the position the XSD sequence requires (``modelCard``
and ``data`` come after ``properties``, ``components``, ``evidence`` and ``releaseNotes``, before
``cryptoProperties``, ``tags`` and extension elements), so nothing else is re-serialised.
Documents without model or data components are returned unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from html import unescape
from typing import Any
from xml.etree import ElementTree

from sovaudit.graph import merge_components
from sovaudit.model import Component, Inventory, Layer, Relation

#: Task (``pipeline_tag``) -> (input formats, output formats).
_FORMATS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "text-generation": (("text",), ("text",)),
    "text2text-generation": (("text",), ("text",)),
    "translation": (("text",), ("text",)),
    "summarization": (("text",), ("text",)),
    "fill-mask": (("text",), ("text",)),
    "question-answering": (("text",), ("text",)),
    "feature-extraction": (("text",), ("vector",)),
    "sentence-similarity": (("text",), ("vector",)),
    "text-classification": (("text",), ("label",)),
    "token-classification": (("text",), ("label",)),
    "zero-shot-classification": (("text",), ("label",)),
    "text-to-image": (("text",), ("image",)),
    "image-to-text": (("image",), ("text",)),
    "image-text-to-text": (("image", "text"), ("text",)),
    "image-classification": (("image",), ("label",)),
    "object-detection": (("image",), ("bounding-box",)),
    "automatic-speech-recognition": (("audio",), ("text",)),
    "text-to-speech": (("text",), ("audio",)),
    "text-to-audio": (("text",), ("audio",)),
    "reinforcement-learning": (("observation",), ("action",)),
}
_APPROACH = {"reinforcement-learning": "reinforcement-learning"}
#: Characters XML 1.0 does not allow (as the CycloneDX emitter replaces them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_IRI_BAD = re.compile(r"[\s<>\"{}|\\^`]")
#: XSD sequence of a component after ``description`` ...: the elements modelCard and data come after.
_BEFORE_ML = ("properties", "components", "evidence", "releaseNotes", "modelCard")
_BEFORE_DATA = (*_BEFORE_ML, "data")


def _props(c: Component, key: str) -> list[str]:
    return [v for k, v in c.properties if k == key and v]


def model_card(c: Component, datasets: Iterable[str]) -> dict[str, Any]:
    """The JSON ``modelCard`` of a model component (an empty dict when there is nothing to say)."""
    params: dict[str, Any] = {}
    task = c.prop("hf:pipeline-tag")
    if task in _APPROACH:
        params["approach"] = {"type": _APPROACH[task]}
    if task:
        params["task"] = task
    if family := c.prop("model:type"):
        params["architectureFamily"] = family
    if arch := c.prop("model:architecture"):
        params["modelArchitecture"] = arch
    refs = sorted(set(datasets))
    if refs:
        params["datasets"] = [{"ref": r} for r in refs]
    if task in _FORMATS:
        inputs, outputs = _FORMATS[task]
        params["inputs"] = [{"format": f} for f in inputs]
        params["outputs"] = [{"format": f} for f in outputs]
    card: dict[str, Any] = {}
    if params:
        card["modelParameters"] = params
    metrics = []
    for raw in _props(c, "hf:eval"):
        try:
            item = json.loads(raw)
        except json.JSONDecodeError:
            continue
        if isinstance(item, dict) and item.get("type"):
            metric = {"type": str(item["type"]), "value": str(item.get("value", ""))}
            if item.get("slice"):
                metric["slice"] = str(item["slice"])
            metrics.append(metric)
    if metrics:
        card["quantitativeAnalysis"] = {"performanceMetrics": metrics}
    considerations: dict[str, Any] = {}
    if uses := _props(c, "hf:use-case"):
        considerations["useCases"] = uses
    if limits := _props(c, "hf:limitation"):
        considerations["technicalLimitations"] = limits
    if risks := _props(c, "hf:risk"):
        considerations["ethicalConsiderations"] = [{"name": r} for r in risks]
    if considerations:
        card["considerations"] = considerations
    return card


def data_entry(c: Component) -> dict[str, Any]:
    """The JSON ``data`` entry of a data component."""
    entry: dict[str, Any] = {"type": "dataset" if c.kind in ("dataset", "data-file") else "other", "name": c.name}
    url = c.prop("data:url") or c.prop("croissant:content-url")
    if not url and c.kind == "data-location" and c.prop("net:host"):
        url = f"{c.prop('net:scheme') or 'https'}://{c.prop('net:host')}"
    if url and not _IRI_BAD.search(url):
        entry["contents"] = {"url": url}
    if sensitive := _props(c, "rai:personalSensitiveInformation"):
        entry["sensitiveData"] = sensitive
    if c.description:
        entry["description"] = c.description
    if c.supplier:
        entry["governance"] = {"owners": [{"organization": {"name": c.supplier}}]}
    return entry


def _blocks(inventory: Inventory) -> dict[str, dict[str, Any]]:
    """bom-ref -> {"modelCard": ..., "data": [...]} for the inventory's model and data components."""
    comps: dict[str, Component] = {}
    for c in inventory.components:
        comps[c.id] = merge_components(comps[c.id], c) if c.id in comps else c
    trained: dict[str, list[str]] = {}
    for e in inventory.edges:
        if e.relation is Relation.TRAINED_ON:
            trained.setdefault(e.source, []).append(e.target)
    out: dict[str, dict[str, Any]] = {}
    for cid, c in comps.items():
        if c.layer is Layer.MODEL or c.kind == "model":
            out[cid] = {"modelCard": model_card(c, trained.get(cid, ()))}
        elif c.layer is Layer.DATA:
            out[cid] = {"data": [data_entry(c)]}
    return out


def _wanted(component_type: str, block: Mapping[str, Any]) -> dict[str, Any]:
    """What of ``block`` the schema allows on a component of ``component_type``, non-empty only."""
    if component_type == "machine-learning-model" and block.get("modelCard"):
        return {"modelCard": block["modelCard"]}
    if component_type == "data" and block.get("data"):
        return {"data": block["data"]}
    return {}


def extend(text: str, inventory: Inventory, *, xml: bool) -> str:
    """The CycloneDX document ``text`` (rendered from ``inventory``) with modelCard and data blocks."""
    blocks = _blocks(inventory)
    if not blocks:
        return text
    return _extend_xml(text, blocks) if xml else _extend_json(text, blocks)


# -- JSON ------------------------------------------------------------------------------------------
def _extend_json(text: str, blocks: Mapping[str, Mapping[str, Any]]) -> str:
    doc = json.loads(text)
    refs = {c.get("bom-ref") for c in doc.get("components", [])}
    changed = False
    for comp in doc.get("components", []):
        block = blocks.get(comp.get("bom-ref", ""))
        if not block:
            continue
        add = _wanted(comp.get("type", ""), block)
        card = add.get("modelCard")
        if card and "datasets" in card.get("modelParameters", {}):
            # Only references the document can resolve (every edge end is a component in ours).
            params = card["modelParameters"]
            params["datasets"] = [d for d in params["datasets"] if d["ref"] in refs]
            if not params["datasets"]:
                del params["datasets"]
        if add:
            comp.update(add)
            changed = True
    if not changed:
        return text
    from sovaudit.jsonout import dumps as indented_json  # json.dumps(indent=2)'s text, faster

    return indented_json(doc) + ("\n" if text.endswith("\n") else "")


# -- XML -------------------------------------------------------------------------------------------
#: Plural JSON keys whose items are child elements with another name in XML.
_ITEMS = {
    "datasets": "ref",
    "inputs": "input",
    "outputs": "output",
    "performanceMetrics": "performanceMetric",
    "useCases": "useCase",
    "technicalLimitations": "technicalLimitation",
    "ethicalConsiderations": "ethicalConsideration",
    "owners": "owner",
}
#: JSON keys whose list items repeat the element itself (no wrapper).
_REPEATED = frozenset({"sensitiveData"})
#: Element order of each XSD sequence we write (JSON keys are written in this order).
_ORDER = {
    "modelCard": ("modelParameters", "quantitativeAnalysis", "considerations", "properties"),
    "modelParameters": ("approach", "task", "architectureFamily", "modelArchitecture", "datasets", "inputs", "outputs"),
    "considerations": ("users", "useCases", "technicalLimitations", "performanceTradeoffs", "ethicalConsiderations"),
    "data": ("type", "name", "contents", "classification", "sensitiveData", "graphics", "description", "governance"),
    "performanceMetric": ("type", "value", "slice", "confidenceInterval"),
    "contents": ("attachment", "url", "properties"),
    "governance": ("custodians", "stewards", "owners"),
}


def _element(tag: str, value: Any) -> list[ElementTree.Element]:
    """Elements for one JSON key (several for repeated ones)."""
    if tag in _REPEATED and isinstance(value, list):
        return [e for v in value for e in _element(tag + "\0", v)]
    tag = tag.rstrip("\0")
    el = ElementTree.Element(tag)
    if isinstance(value, dict):
        if tag == "ref" and "ref" in value:
            el.text = _NOT_XML.sub("\ufffd", str(value["ref"]))
            return [el]
        order = _ORDER.get(tag, tuple(value))
        for key in (*order, *(k for k in value if k not in order)):
            if key in value:
                for child in _element(key, value[key]):
                    el.append(child)
    elif isinstance(value, list):
        item = _ITEMS.get(tag, tag)
        for v in value:
            for child in _element(item, v):
                el.append(child)
    else:
        el.text = _NOT_XML.sub("\ufffd", str(value))
    return [el]


def _xml_block(tag: str, value: Any, indent: str) -> list[str]:
    lines = []
    for el in _element(tag, value):
        ElementTree.indent(el, space="  ", level=len(indent) // 2)
        text = ElementTree.tostring(el, encoding="unicode").rstrip()
        lines.append(indent + text + "\n")
    return lines


_COMPONENT_START = re.compile(r'^(    )<component\b[^>]*\btype="([^"]*)"[^>]*\bbom-ref="([^"]*)"[^>]*?(/?)>\s*$')
_CHILD = re.compile(r"^      <([A-Za-z][\w.-]*)[\s>/]")


def _extend_xml(text: str, blocks: Mapping[str, Mapping[str, Any]]) -> str:
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    refs = {unescape(m.group(3)) for line in lines if (m := _COMPONENT_START.match(line))}
    i = 0
    in_components = False
    changed = False
    while i < len(lines):
        line = lines[i]
        if line.startswith("  <components>"):
            in_components = True
        elif line.startswith("  </components>"):
            in_components = False
        m = _COMPONENT_START.match(line) if in_components else None
        if m is None or m.group(4) == "/":
            out.append(line)
            i += 1
            continue
        block = blocks.get(unescape(m.group(3)), {})
        add = _wanted(m.group(2), block)
        card = add.get("modelCard")
        if card and "datasets" in card.get("modelParameters", {}):
            params = card["modelParameters"]
            params["datasets"] = [d for d in params["datasets"] if d["ref"] in refs]
            if not params["datasets"]:
                del params["datasets"]
        # Copy the component's children up to the insertion point, insert, copy the rest.
        out.append(line)
        i += 1
        body: list[str] = []
        while i < len(lines) and not lines[i].startswith("    </component>"):
            body.append(lines[i])
            i += 1
        if add:
            tag = "modelCard" if "modelCard" in add else "data"
            after = _BEFORE_ML if tag == "modelCard" else _BEFORE_DATA
            cut = len(body)
            for j, child_line in enumerate(body):
                child = _CHILD.match(child_line)
                if child and child.group(1) not in after and child.group(1) not in _SIMPLE_FIELDS:
                    cut = j
                    break
            values = add[tag] if tag == "data" else [add[tag]]
            inserted = [x for v in values for x in _xml_block(tag, v, "      ")]
            out += body[:cut] + inserted + body[cut:]
            changed = True
        else:
            out += body
    return "".join(out) if changed else text


#: Component children that come before ``properties`` in the XSD sequence (never an insertion point).
_SIMPLE_FIELDS = frozenset({
    "supplier", "manufacturer", "authors", "author", "publisher", "group", "name", "version", "description",
    "scope", "hashes", "licenses", "copyright", "cpe", "purl", "omniborId", "swhid", "swid", "modified",
    "pedigree", "externalReferences",
})  # fmt: skip
