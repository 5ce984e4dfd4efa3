"""Dataset metadata besides Croissant: Hugging Face dataset cards, DataCite JSON and DataCite XML.

**Hugging Face dataset cards** (``hf-dataset-card``): ``README.md`` front matter (read as model
cards are, :func:`sovaudit.collectors.modelcard.read_card`) whose keys are a dataset card's
(``task_categories``, ``size_categories``, ``dataset_info``, ``configs``, ``source_datasets`` ...),
or any card in a Hub dataset snapshot (``datasets--org--name/snapshots/<rev>``, ``hf://datasets/``).
The dataset id is ``data/dataset/<key>``, the key being the repo id when the path names one, else
the card's folder (a copied card ``<name>_README.md``: ``<name>``), lower-case; ``pretty_name`` is
an alias (``data:alias``), so a model card naming either finds it. Read: licence (``license`` or
the old ``licenses``, lists, ``other`` + ``license_name``/``license_details``), languages (or the
old ``languages``), task categories, sizes, creators, ``source_datasets`` (``extended|wikipedia``
-> ``derived-from`` the dataset named, ``data:relation`` = ``extended``), split sizes from
``dataset_info`` (``data:examples``, ``data:size-bytes``), gating (``hf:gated``, and
``data:gated-non-commercial`` when the gate's terms say non-commercial), and ``configs`` data
files: absolute URLs become ``stored-in`` edges to their storage host; relative ones live in the
Hub repo itself when the card came from one.

**DataCite** (``datacite-json``, ``datacite-xml``; kernel 4.x; the JSON of the schema examples and
the REST API's JSON:API ``data.attributes`` wrapper; XML only through defusedxml): identifier
(DOI: id ``data/dataset/doi:<doi>``, lower-case), title, creators, publisher (``supplier``),
publication year, resource type (``Software`` -> software layer, else a dataset), version,
rights, related identifiers (``IsDerivedFrom`` -> ``derived-from``; the others
``datacite:related`` properties), sizes, formats, funders, and ``contentUrl`` (REST JSON) as
``stored-in``. Rights: an SPDX ``rightsIdentifier`` and a ``rightsURI`` that name different
licences (the official example says CC-BY-4.0 and links BY-NC) are both kept; the more
restrictive one on the L0-L5 ladder is the component's licence, and
``datacite:license-mismatch`` = ``true`` flags it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sovaudit.collectors import lineage
from sovaudit.collectors.croissant import Location, load_json, locate, short, stored_in
from sovaudit.collectors.interface import Collector
from sovaudit.collectors.model_openness import combine, level_of, level_properties, license_of
from sovaudit.collectors.modelcard import (
    DATASET_KEYS,
    Card,
    front_matter_keys,
    identity_from_display,
    languages,
    read_card,
    strings,
    text_value,
)
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Component, Edge, Evidence, Inventory, Layer, Relation, component_id

CARD = "hf-dataset-card"
DATACITE_JSON = "datacite-json"
DATACITE_XML = "datacite-xml"
_MAX_TEXT = 300
_NON_COMMERCIAL = re.compile(r"non-?commercial", re.I)
_DATASET_SNAPSHOT = re.compile(r"(?:^|/)datasets--[^/]+--[^/]+/snapshots/[^/]+$|^hf://datasets/")


# -- Hugging Face dataset cards --------------------------------------------------------------------
def _card_license(meta: dict[str, Any]) -> tuple[str, str]:
    raw = meta.get("license", meta.get("licenses"))
    name = text_value(meta.get("license_name")) or text_value(meta.get("license_details"))
    link = text_value(meta.get("license_link"))
    values = strings(raw)
    if not values:
        return license_of("", name, link) if name else ("", "")
    return combine(license_of(v, name, link) for v in values)


def _sizes(info: Any) -> tuple[int, int, int]:
    """(examples, dataset bytes, download bytes) summed over the configs of ``dataset_info``."""
    examples = size = download = 0
    for config in info if isinstance(info, list) else [info]:
        if not isinstance(config, dict):
            continue
        for split in config.get("splits") or []:
            if isinstance(split, dict) and isinstance(split.get("num_examples"), int):
                examples += split["num_examples"]
        if isinstance(config.get("dataset_size"), int):
            size += config["dataset_size"]
        if isinstance(config.get("download_size"), int):
            download += config["download_size"]
    return examples, size, download


def _data_files(configs: Any) -> list[str]:
    """Every path or URL named by ``configs[].data_files`` (a string, a list, or a list of {split, path})."""
    out: list[str] = []
    for config in configs[:100] if isinstance(configs, list) else []:
        if not isinstance(config, dict):
            continue
        files = config.get("data_files")
        for item in files if isinstance(files, list) else [files]:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, dict):
                out += strings(item.get("path"))
    return out[:1000]


def _card_key(path: TreePath) -> str:
    if path.name.lower() == "readme.md":
        return path.parent.name or "dataset"
    return path.name[: -len("README.md")].rstrip("_-. ") or path.parent.name or "dataset"


def collect_dataset_card(path: TreePath, collector: str = CARD) -> Inventory:
    card: Card = read_card(path)
    meta = card.meta
    ident = identity_from_display(path.parent.display())
    repo = ident.repo
    written = repo.id if repo is not None else _card_key(path)
    did = component_id(Layer.DATA, "dataset", written.lower())
    ev = Evidence(path=path.display(), collector=collector, line=card.line)
    licence = _card_license(meta)
    props: list[tuple[str, str]] = []
    if repo is not None:
        props.append(("hf:repo", repo.id))
        if ident.revision:
            props.append(("hf:revision", ident.revision))
    if pretty := text_value(meta.get("pretty_name")):
        props.append(("hf:pretty-name", pretty))
        if pretty.lower() != written.lower():
            props.append(("data:alias", pretty))
    if langs := languages(meta):
        props.append(("data:language", ",".join(langs)))
    for key, prop in (("task_categories", "hf:task-categories"), ("task_ids", "hf:task-ids"),
                      ("size_categories", "hf:size-categories"), ("multilinguality", "hf:multilinguality"),
                      ("annotations_creators", "hf:annotations-creators"),
                      ("language_creators", "hf:language-creators"), ("tags", "hf:tags")):  # fmt: skip
        if values := strings(meta.get(key)):
            props.append((prop, ",".join(values)[:_MAX_TEXT]))
    for key, prop in (("paperswithcode_id", "hf:paperswithcode-id"), ("license_details", "hf:license-details"),
                      ("license_name", "hf:license-name"), ("license_link", "hf:license-link")):  # fmt: skip
        if value := text_value(meta.get(key)):
            props.append((prop, value))
    examples, size, download = _sizes(meta.get("dataset_info"))
    if examples:
        props.append(("data:examples", str(examples)))
    if size:
        props.append(("data:size-bytes", str(size)))
    if download:
        props.append(("data:download-bytes", str(download)))
    gated = [k for k in meta if k.startswith("extra_gated_")]
    if gated or meta.get("gated"):
        props.append(("hf:gated", "true"))
        if _NON_COMMERCIAL.search(text_value(meta.get("extra_gated_prompt")) or str(meta.get("extra_gated_prompt"))):
            props.append(("data:gated-non-commercial", "true"))
    props += level_properties("data", *licence)

    components: dict[str, Component] = {}
    edges: dict[tuple[str, str, str], Edge] = {}
    for source in strings(meta.get("source_datasets")):
        relation, _, ref = source.rpartition("|")
        if not ref or ref.lower() == "original":
            continue
        target = lineage.dataset_ref_id(ref)
        if target == did:
            continue
        e = Edge(
            source=did,
            target=target,
            relation=Relation.DERIVED_FROM,
            properties=(("data:relation", relation or "derived"),),
            evidence=(ev,),
        )
        edges.setdefault(e.key, e)
        components.setdefault(target, lineage.dataset_reference(ref, ev))
    relative = False
    for file in _data_files(meta.get("configs")):
        loc = locate(file)
        if loc is None:
            relative = relative or "://" not in file
            continue
        components.setdefault(loc.id, loc.component(ev))
        e = stored_in(did, loc, ev)
        edges.setdefault(e.key, e)
    if relative and repo is not None:
        loc = Location(host="huggingface.co", scheme="https", provider="huggingface", provider_name="Hugging Face")
        components.setdefault(loc.id, loc.component(ev))
        e = stored_in(did, loc, ev)
        edges.setdefault(e.key, e)
    dataset = Component(
        id=did,
        layer=Layer.DATA,
        kind="dataset",
        name=written,
        version=ident.revision,
        licenses=licence[0],
        license_declared=licence[1],
        supplier=repo.org if repo is not None else "",
        properties=tuple(sorted(set(props))),
        evidence=(ev,),
    )
    return Inventory(components=(dataset, *components.values()), edges=tuple(edges.values()))


class HfDatasetCardCollector(Collector):
    name = CARD
    description = "a Hugging Face dataset card (README.md front matter): licence, sources, sizes, data files"

    def detect(self, path: TreePath) -> bool:
        if not path.name.lower().endswith("readme.md"):
            return False
        keys = front_matter_keys(path.read_head(8192))
        if keys & DATASET_KEYS:
            return True
        return bool(keys) and bool(_DATASET_SNAPSHOT.search(path.parent.display()))

    def collect(self, path: TreePath) -> Inventory:
        return collect_dataset_card(path, self.name)


# -- DataCite ------------------------------------------------------------------------------------
_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)?(10\.\d{4,9}/\S+)$", re.I)


def _doi(value: str) -> str:
    m = _DOI.match(value.strip())
    return m.group(1).lower() if m else ""


def _rights(entries: Iterable[dict[str, str]]) -> tuple[tuple[str, str], list[tuple[str, str]]]:
    """The licence of a rights list, and properties (mismatches between identifier and URI)."""
    pairs: list[tuple[str, str]] = []
    props: list[tuple[str, str]] = []
    for r in entries:
        ident = r.get("rightsIdentifier", "").strip()
        uri = r.get("rightsURI", "").strip()
        text = r.get("rights", "").strip()
        by_id = license_of(ident) if ident else ("", "")
        by_uri = license_of(uri) if uri else ("", "")
        by_text = license_of(text) if text and not (by_id[0] or by_uri[0]) else ("", "")
        if by_id[0] and by_uri[0] and by_id[0] != by_uri[0]:
            props.append(("datacite:license-mismatch", "true"))
            props.append(("datacite:license-identifier", by_id[0]))
            props.append(("datacite:license-uri-says", by_uri[0]))
            worse = max((by_id, by_uri), key=lambda p: level_of(p[0]).rank)
            declared = f"{ident} (rightsIdentifier); {uri} (rightsURI)"
            pairs.append((worse[0], declared))
            continue
        expression = by_id[0] or by_uri[0] or by_text[0]
        declared = text or ident or uri
        if expression or declared:
            pairs.append((expression, declared if declared != expression else ""))
    return combine(pairs), props


def _datacite(record: dict[str, Any], path: TreePath, collector: str, pointer: str = "") -> Inventory:
    """A component from a DataCite record already turned into plain fields (JSON or XML)."""
    doi = _doi(record.get("doi", "")) or _doi(record.get("identifier", ""))
    title = record.get("title", "")
    if not doi and not title:
        raise InputError(path.display(), "DataCite record has neither a DOI nor a title")
    kind_general = record.get("resourceTypeGeneral", "")
    software = kind_general.lower() == "software"
    layer, kind = (Layer.SOFTWARE, "software") if software else (Layer.DATA, "dataset")
    key = f"doi:{doi}" if doi else title.lower()
    cid = component_id(layer, kind, key)
    ev = Evidence(path=path.display(), collector=collector, pointer=pointer)
    licence, props = _rights(record.get("rights", []))
    props = list(props)
    if doi:
        props.append(("datacite:doi", doi))
    if kind_general:
        props.append(("datacite:resource-type-general", kind_general))
    if record.get("resourceType"):
        props.append(("datacite:resource-type", record["resourceType"]))
    if record.get("schemaVersion"):
        props.append(("datacite:schema", record["schemaVersion"]))
    if record.get("publicationYear"):
        props.append(("data:date-published", record["publicationYear"]))
    if record.get("language"):
        props.append(("data:language", record["language"]))
    for prop, values in (("datacite:format", record.get("formats", [])), ("datacite:size", record.get("sizes", [])),
                         ("datacite:funder", record.get("funders", [])),
                         ("data:geo-coverage", record.get("places", []))):  # fmt: skip
        props += [(prop, v[:_MAX_TEXT]) for v in values[:20] if v]
    if not software:
        props += level_properties("data", *licence)
    components: dict[str, Component] = {}
    edges: dict[tuple[str, str, str], Edge] = {}
    for rel_type, id_type, value in record.get("related", [])[:200]:
        target_doi = _doi(value) if id_type.upper() == "DOI" or value.lower().startswith(("doi:", "10.")) else ""
        shown = f"doi:{target_doi}" if target_doi else value
        if rel_type.lower() == "isderivedfrom" and (target_doi or value):
            target = component_id(Layer.DATA, "dataset", (f"doi:{target_doi}" if target_doi else value).lower())
            e = Edge(source=cid, target=target, relation=Relation.DERIVED_FROM, evidence=(ev,))
            edges.setdefault(e.key, e)
            components.setdefault(
                target,
                Component(
                    id=target, layer=Layer.DATA, kind="dataset", name=shown,
                    properties=(("sovaudit:unresolved", "true"),), evidence=(ev,),
                ),
            )  # fmt: skip
        else:
            props.append(("datacite:related", f"{rel_type} {shown}"[:_MAX_TEXT]))
    for url in record.get("content_urls", [])[:100]:
        loc = locate(url)
        if loc is not None:
            components.setdefault(loc.id, loc.component(ev))
            e = stored_in(cid, loc, ev)
            edges.setdefault(e.key, e)
    component = Component(
        id=cid,
        layer=layer,
        kind=kind,
        name=title or doi,
        version=record.get("version", ""),
        licenses=licence[0],
        license_declared=licence[1],
        supplier=record.get("publisher", ""),
        author=", ".join(record.get("creators", [])[:20])[:_MAX_TEXT],
        description=short(record.get("description", "")),
        properties=tuple(sorted(set(props))),
        evidence=(ev,),
    )
    return Inventory(components=(component, *components.values()), edges=tuple(edges.values()))


def _s(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dict):
        return _s(value.get("name") or value.get("title") or "")
    return ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else ([] if value is None else [value])


def _from_json(doc: dict[str, Any]) -> dict[str, Any]:
    types: dict[str, Any] = doc["types"] if isinstance(doc.get("types"), dict) else {}
    titles = [t for t in _list(doc.get("titles")) if isinstance(t, dict)]
    rights = [
        {
            "rights": _s(r.get("rights")),
            "rightsURI": _s(r.get("rightsUri") or r.get("rightsURI")),
            "rightsIdentifier": _s(r.get("rightsIdentifier")),
        }
        for r in _list(doc.get("rightsList"))
        if isinstance(r, dict)
    ]
    related = [
        (_s(r.get("relationType")), _s(r.get("relatedIdentifierType")), _s(r.get("relatedIdentifier")))
        for r in _list(doc.get("relatedIdentifiers"))
        if isinstance(r, dict) and _s(r.get("relatedIdentifier"))
    ]
    identifiers = [i for i in _list(doc.get("identifiers")) if isinstance(i, dict)]
    doi = _s(doc.get("doi")) or next(
        (_s(i.get("identifier")) for i in identifiers if _s(i.get("identifierType")).upper() == "DOI"), ""
    )
    descriptions = [d for d in _list(doc.get("descriptions")) if isinstance(d, dict)]
    abstract = next((_s(d.get("description")) for d in descriptions if d.get("descriptionType") == "Abstract"), "")
    return {
        "doi": doi,
        "identifier": _s(doc.get("id")),
        "title": _s(titles[0].get("title")) if titles else "",
        "creators": [_s(c) for c in _list(doc.get("creators")) if _s(c)],
        "publisher": _s(doc.get("publisher")),
        "publicationYear": _s(doc.get("publicationYear")),
        "resourceTypeGeneral": _s(types.get("resourceTypeGeneral")),
        "resourceType": _s(types.get("resourceType")),
        "version": _s(doc.get("version")),
        "language": _s(doc.get("language")),
        "schemaVersion": _s(doc.get("schemaVersion")),
        "rights": rights,
        "related": related,
        "formats": [_s(f) for f in _list(doc.get("formats"))],
        "sizes": [_s(f) for f in _list(doc.get("sizes"))],
        "funders": [_s(f.get("funderName")) for f in _list(doc.get("fundingReferences")) if isinstance(f, dict)],
        "places": [_s(g.get("geoLocationPlace")) for g in _list(doc.get("geoLocations")) if isinstance(g, dict)],
        "content_urls": [_s(u) for u in _list(doc.get("contentUrl"))],
        "description": abstract,
    }


def looks_like_datacite_json(head: bytes) -> bool:
    text = head.decode("utf-8", errors="replace")
    return "datacite.org/schema/kernel-" in text or (
        '"doi"' in text and '"creators"' in text and ('"titles"' in text or '"types"' in text)
    )


class DataCiteJsonCollector(Collector):
    name = DATACITE_JSON
    description = "DataCite metadata, JSON (kernel 4.x or the REST API): DOI, rights, relations"

    def detect(self, path: TreePath) -> bool:
        return path.suffix == ".json" and looks_like_datacite_json(path.read_head(16 * 1024))

    def collect(self, path: TreePath) -> Inventory:
        doc = load_json(path)
        pointer = ""
        if isinstance(doc, dict) and isinstance(doc.get("data"), dict) and "attributes" in doc["data"]:
            doc, pointer = doc["data"]["attributes"], "/data/attributes"
        if not isinstance(doc, dict):
            raise InputError(path.display(), "is not a DataCite JSON object")
        return _datacite(_from_json(doc), path, self.name, pointer)


# -- DataCite XML --------------------------------------------------------------------------------
_KERNEL = re.compile(r"^\{http://datacite\.org/schema/kernel-\d\}")


def _tag(element: Any) -> str:
    return _KERNEL.sub("", str(element.tag)) if isinstance(element.tag, str) else ""


def _child(element: Any, name: str) -> Any:
    return next((c for c in element if _tag(c) == name), None)


def _children(element: Any, name: str, child: str) -> list[Any]:
    parent = _child(element, name)
    return [c for c in parent if _tag(c) == child] if parent is not None else []


def _txt(element: Any) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _from_xml(root: Any) -> dict[str, Any]:
    identifier = _child(root, "identifier")
    resource_type = _child(root, "resourceType")
    publisher = _child(root, "publisher")
    rights = [
        {
            "rights": _txt(r),
            "rightsURI": r.get("rightsURI", ""),
            "rightsIdentifier": r.get("rightsIdentifier", "")
            if r.get("rightsIdentifierScheme", "SPDX").upper() == "SPDX"
            else "",
        }
        for r in _children(root, "rightsList", "rights")
    ]
    related = [
        (r.get("relationType", ""), r.get("relatedIdentifierType", ""), _txt(r))
        for r in _children(root, "relatedIdentifiers", "relatedIdentifier")
        if _txt(r)
    ]
    creators = [_txt(_child(c, "creatorName")) for c in _children(root, "creators", "creator")]
    descriptions = _children(root, "descriptions", "description")
    abstract = next((_txt(d) for d in descriptions if d.get("descriptionType") == "Abstract"), "")
    schema_location = root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation", "")
    m = re.search(r"kernel-(\d(?:\.\d)?)", schema_location)
    funders = [_txt(_child(f, "funderName")) for f in _children(root, "fundingReferences", "fundingReference")]
    places = [_txt(_child(g, "geoLocationPlace")) for g in _children(root, "geoLocations", "geoLocation")]
    titles = _children(root, "titles", "title")
    return {
        "identifier": _txt(identifier) if identifier is not None and identifier.get("identifierType") == "DOI" else "",
        "title": _txt(titles[0]) if titles else "",
        "creators": [c for c in creators if c],
        "publisher": _txt(publisher),
        "publicationYear": _txt(_child(root, "publicationYear")),
        "resourceTypeGeneral": resource_type.get("resourceTypeGeneral", "") if resource_type is not None else "",
        "resourceType": _txt(resource_type),
        "version": _txt(_child(root, "version")),
        "language": _txt(_child(root, "language")),
        "schemaVersion": f"http://datacite.org/schema/kernel-{m.group(1)}" if m else "",
        "rights": rights,
        "related": related,
        "formats": [_txt(f) for f in _children(root, "formats", "format")],
        "sizes": [_txt(s) for s in _children(root, "sizes", "size")],
        "funders": [f for f in funders if f],
        "places": [p for p in places if p],
        "content_urls": [],
        "description": abstract,
    }


class DataCiteXmlCollector(Collector):
    name = DATACITE_XML
    description = "DataCite metadata, XML (kernel 4.x, read with defusedxml): DOI, rights, relations"

    def detect(self, path: TreePath) -> bool:
        return path.suffix == ".xml" and b"datacite.org/schema/kernel-" in path.read_head(4096)

    def collect(self, path: TreePath) -> Inventory:
        import defusedxml.ElementTree as DET
        from defusedxml import DefusedXmlException

        data = path.read_bytes()
        try:
            root = DET.fromstring(data)
        except DefusedXmlException as err:
            raise InputError(path.display(), f"XML refused: {type(err).__name__} (entities or a DTD)") from err
        except DET.ParseError as err:
            raise InputError(path.display(), f"invalid XML: {err}") from err
        except LookupError as err:  # <?xml encoding="..."?> names no codec Python knows
            raise InputError(path.display(), f"invalid XML: {err}") from err
        if _tag(root) != "resource" or not str(root.tag).startswith("{http://datacite.org/schema/kernel-"):
            raise InputError(path.display(), "root element is not a DataCite <resource>")
        return _datacite(_from_xml(root), path, self.name)
