"""MLCommons Croissant dataset descriptions (JSON-LD; versions 0.8, 1.0 and 1.1), and where data lives.

A Croissant file describes one dataset. The reader is JSON-LD-agnostic: every key is taken by
its local name, so ``license``, ``sc:license`` and ``https://schema.org/license`` are one field,
and ``rai:dataBiases`` (1.0+) and the 0.8 ``dataBiases`` too. The version comes from
``conformsTo`` (``http://mlcommons.org/croissant/1.0`` / ``1.1``); a file without it whose
``@context`` maps ``ml`` to ``http://mlcommons.org/schema/`` is 0.8.

* **The dataset** (layer ``data``, kind ``dataset``): name, description (first paragraph), version,
  licence (URL, id or list: all apply), creator and publisher (``supplier`` = the publishing or
  creating organisation, ``author`` = the people), ``conformsTo``, dates, keywords, languages,
  RAI fields (``rai:<field>``, the first words of each), and ``prov:wasDerivedFrom`` as
  ``derived-from`` edges to the datasets it names. Its id is ``data/dataset/<key>`` with the key
  the Hub repo id when the dataset's ``url`` (or a slash-form ``alternateName``) is a Hub dataset,
  else its name, lower-case (see :mod:`sovaudit.collectors.lineage`), so a model card's
  ``datasets`` entry finds it.
* **Files**: each ``FileObject`` is a component (kind ``data-file``) with its ``contentUrl``,
  encoding, size and checksum (``sha256`` -> SHA-256 hash, ``md5`` -> MD5; a value that is no
  digest, such as the URL of a GitHub issue some generators write, is kept as
  ``croissant:checksum-invalid``), ``contains``-ed by the dataset. ``FileSet`` globs are
  properties of the dataset (``croissant:file-set``).
* **Where the data lives**: the host of each absolute content URL becomes a ``data-location``
  component (``data/data-location/<host>``, ``net:host``, ``data:provider``, ``geo:region`` and
  ``geo:country`` where the host names a region: AWS, Scaleway, OVHcloud, IONOS, STACKIT,
  Hetzner ...), with ``stored-in`` edges from the file and from the dataset. ``s3://bucket`` is
  the bucket's AWS host, ``gs://`` Google's; ``data.commoncrawl.org`` is Common Crawl's AWS Open
  Data bucket in us-east-1; Zenodo runs at CERN (CH). A relative URL is stored beside the
  metadata: no location. :func:`locate` is shared with the other data collectors. Which
  jurisdiction a provider answers to is the knowledge base's business, not this module's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sovaudit.collectors import lineage
from sovaudit.collectors.interface import Collector
from sovaudit.collectors.model_openness import combine, level_properties, license_of
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Component, Edge, Evidence, Inventory, Layer, Relation, component_id

NAME = "croissant"
_MAX_TEXT = 300
_MAX_FILES = 10_000
_HEX = re.compile(r"^[0-9a-fA-F]+$")

RAI_FIELDS = (
    "dataCollection", "dataCollectionType", "dataCollectionMissingData", "dataCollectionRawData",
    "dataCollectionTimeframe", "dataImputationProtocol", "dataManipulationProtocol", "dataPreprocessingProtocol",
    "dataAnnotationProtocol", "dataAnnotationPlatform", "dataAnnotationAnalysis", "annotationsPerItem",
    "annotatorDemographics", "machineAnnotationTools", "dataReleaseMaintenancePlan", "personalSensitiveInformation",
    "dataSocialImpact", "dataBiases", "dataLimitations", "dataUseCases",
)  # fmt: skip


# -- where data lives ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Location:
    """A storage host: the provider it belongs to and the region its name gives."""

    host: str
    scheme: str
    provider: str = ""  # slug: aws, google, microsoft, huggingface, scaleway ...
    provider_name: str = ""
    region: str = ""
    country: str = ""  # ISO 3166 code the region is in ("" when the host does not say)

    @property
    def id(self) -> str:
        return component_id(Layer.DATA, "data-location", self.host)

    def component(self, evidence: Evidence) -> Component:
        props = [("net:host", self.host), ("net:scheme", self.scheme)]
        if self.provider:
            props.append(("data:provider", self.provider))
        if self.region:
            props.append(("geo:region", self.region))
        if self.country:
            props.append(("geo:country", self.country))
        return Component(
            id=self.id,
            layer=Layer.DATA,
            kind="data-location",
            name=self.host,
            supplier=self.provider_name,
            properties=tuple(sorted(props)),
            evidence=(evidence,),
        )


_AWS_COUNTRIES = {
    "us-east-1": "US", "us-east-2": "US", "us-west-1": "US", "us-west-2": "US", "us-gov-west-1": "US",
    "us-gov-east-1": "US", "ca-central-1": "CA", "ca-west-1": "CA", "eu-west-1": "IE", "eu-west-2": "GB",
    "eu-west-3": "FR", "eu-central-1": "DE", "eu-central-2": "CH", "eu-north-1": "SE", "eu-south-1": "IT",
    "eu-south-2": "ES", "ap-east-1": "HK", "ap-south-1": "IN", "ap-south-2": "IN", "ap-northeast-1": "JP",
    "ap-northeast-2": "KR", "ap-northeast-3": "JP", "ap-southeast-1": "SG", "ap-southeast-2": "AU",
    "ap-southeast-3": "ID", "ap-southeast-4": "AU", "ap-southeast-5": "MY", "sa-east-1": "BR", "me-south-1": "BH",
    "me-central-1": "AE", "af-south-1": "ZA", "il-central-1": "IL", "cn-north-1": "CN", "cn-northwest-1": "CN",
    "mx-central-1": "MX",
}  # fmt: skip
_SCALEWAY = {"fr-par": "FR", "nl-ams": "NL", "pl-waw": "PL", "it-mil": "IT"}
_OVH = {"gra": "FR", "sbg": "FR", "rbx": "FR", "eu-west-par": "FR", "de": "DE", "uk": "GB", "waw": "PL",
        "bhs": "CA", "eu-west-gra": "FR", "eu-west-rbx": "FR", "eu-west-sbg": "FR", "eu-south-mil": "IT"}  # fmt: skip
_IONOS = {"de": "DE", "eu-central-1": "DE", "eu-central-2": "DE", "eu-central-3": "DE", "eu-south-2": "ES",
          "de-central": "DE"}  # fmt: skip
_HETZNER = {"fsn1": "DE", "nbg1": "DE", "hel1": "FI"}
_STACKIT = {"eu01": "DE", "eu02": "AT"}

#: (host pattern, provider slug, provider name, region table or None). First match wins.
_HOSTS: tuple[tuple[re.Pattern[str], str, str, dict[str, str] | None], ...] = (
    (
        re.compile(
            r"^(?:.+\.)?s3[.-](?:dualstack\.)?(?P<region>[a-z]{2}(?:-gov)?-[a-z]+-\d)\.amazonaws\.com(?:\.cn)?$"
        ),
        "aws",
        "Amazon Web Services",
        _AWS_COUNTRIES,
    ),
    (re.compile(r"^(?:.+\.)?s3(?:-external-1)?\.amazonaws\.com$"), "aws", "Amazon Web Services", None),
    (re.compile(r"^(?:.+\.)?cloudfront\.net$"), "aws", "Amazon Web Services", None),
    (re.compile(r"^data\.commoncrawl\.org$"), "aws", "Amazon Web Services", None),
    (
        re.compile(r"^(?:.+\.)?storage\.googleapis\.com$|^(?:.+\.)?storage\.cloud\.google\.com$"),
        "google",
        "Google Cloud",
        None,
    ),
    (re.compile(r"^(?:.+\.)?(?:kaggle\.com|kaggleusercontent\.com)$"), "google", "Google (Kaggle)", None),
    (re.compile(r"^(?:.+\.)?(?:blob|dfs)\.core\.windows\.net$"), "microsoft", "Microsoft Azure", None),
    (re.compile(r"^(?:.+\.)?(?:github\.com|githubusercontent\.com)$"), "github", "GitHub (Microsoft)", None),
    (re.compile(r"^(?:.+\.)?(?:huggingface\.co|hf\.co)$"), "huggingface", "Hugging Face", None),
    (
        re.compile(r"^(?:.+\.)?s3\.(?P<region>fr-par|nl-ams|pl-waw|it-mil)\.scw\.cloud$"),
        "scaleway",
        "Scaleway",
        _SCALEWAY,
    ),
    (
        re.compile(r"^(?:.+\.)?(?:s3|storage)\.(?P<region>[a-z]+(?:-[a-z]+)*)\.(?:io\.|perf\.)?cloud\.ovh\.net$"),
        "ovhcloud",
        "OVHcloud",
        _OVH,
    ),
    (
        re.compile(r"^(?:.+\.)?s3[.-](?P<region>[a-z]{2}(?:-[a-z]+)?(?:-\d)?)\.ionoscloud\.com$"),
        "ionos",
        "IONOS",
        _IONOS,
    ),
    (re.compile(r"^(?:.+\.)?object\.storage\.(?P<region>eu\d\d)\.onstackit\.cloud$"), "stackit", "STACKIT", _STACKIT),
    (re.compile(r"^(?:.+\.)?(?P<region>fsn1|nbg1|hel1)\.your-objectstorage\.com$"), "hetzner", "Hetzner", _HETZNER),
    (re.compile(r"^(?:.+\.)?zenodo\.org$"), "cern", "CERN (Zenodo)", None),
    (re.compile(r"^(?:.+\.)?data\.europa\.eu$"), "eu-publications-office", "Publications Office of the EU", None),
    (re.compile(r"^(?:.+\.)?modelscope\.cn$"), "alibaba", "Alibaba (ModelScope)", None),
)
#: Regions a host does not spell but its provider fixes (Zenodo runs at CERN, Geneva).
_FIXED_COUNTRY = {"cern": "CH", "eu-publications-office": "LU"}
_FIXED_REGION = {"data.commoncrawl.org": "us-east-1"}


def locate(url: str) -> Location | None:
    """Where an absolute content URL points (``None`` for relative or unusable URLs)."""
    text = url.strip()
    if "://" not in text:
        return None
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not host:
        return None
    if scheme == "s3":
        host = f"{host}.s3.amazonaws.com"
    elif scheme == "gs":
        host = f"{host}.storage.googleapis.com"
    elif scheme == "hf":
        host = "huggingface.co"
    elif scheme not in ("http", "https", "ftp", "ftps", "git+https"):
        return None
    for pattern, provider, provider_name, regions in _HOSTS:
        m = pattern.match(host)
        if m is None:
            continue
        region = m.groupdict().get("region") or _FIXED_REGION.get(host, "")
        country = (regions or {}).get(region, "") if region else ""
        if not country and region in _AWS_COUNTRIES and provider == "aws":
            country = _AWS_COUNTRIES[region]
        return Location(
            host=host,
            scheme=scheme,
            provider=provider,
            provider_name=provider_name,
            region=region,
            country=country or _FIXED_COUNTRY.get(provider, ""),
        )
    return Location(host=host, scheme=scheme)


def stored_in(source: str, location: Location, evidence: Evidence) -> Edge:
    return Edge(source=source, target=location.id, relation=Relation.STORED_IN, evidence=(evidence,))


# -- JSON-LD, by local names -----------------------------------------------------------------------
def local(key: str) -> str:
    """The local name of a JSON-LD key: ``sc:license``, ``https://schema.org/license`` -> ``license``."""
    if key.startswith("@"):
        return key
    for sep in ("#", "/"):
        if "://" in key and sep in key:
            key = key.rsplit(sep, 1)[-1]
    if ":" in key and "://" not in key:
        key = key.split(":", 1)[1]
    return key


def localised(obj: Any, depth: int = 0) -> Any:
    """``obj`` with every mapping keyed by local names (the first spelling of a name wins)."""
    if depth > 64:
        raise RecursionError("JSON-LD nested too deeply")
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            out.setdefault(local(str(k)), localised(v, depth + 1))
        return out
    if isinstance(obj, list):
        return [localised(v, depth + 1) for v in obj]
    return obj


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str:
    """A string value, or the ``@value``/``@id``/``name``/``url`` of an object."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dict):
        for key in ("@value", "name", "@id", "url"):
            if isinstance(value.get(key), str):
                return str(value[key]).strip()
    if isinstance(value, list) and value:
        return _text(value[0])
    return ""


def short(text: str, limit: int = _MAX_TEXT) -> str:
    """The first paragraph of ``text``, whitespace collapsed, cut at a word near ``limit``."""
    para = next((p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()), "")
    flat = " ".join(para.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + " \u2026"


def _types(obj: dict[str, Any]) -> set[str]:
    return {local(t) for t in _items(obj.get("@type")) if isinstance(t, str)}


def croissant_version(doc: dict[str, Any], raw_context: Any) -> str:
    for value in _items(doc.get("conformsTo")):
        m = re.search(r"mlcommons\.org/croissant/(\d+\.\d+)", _text(value))
        if m:
            return m.group(1)
    if isinstance(raw_context, dict) and "mlcommons.org/schema" in json.dumps(raw_context):
        return "0.8"
    return ""


def _organisations(value: Any) -> tuple[list[str], list[str]]:
    """(organisations, people) named by a creator or publisher value."""
    orgs: list[str] = []
    people: list[str] = []
    for item in _items(value):
        name = _text(item)
        if not name:
            continue
        kinds = _types(item) if isinstance(item, dict) else set()
        (people if "Person" in kinds else orgs).append(name)
    return orgs, people


def dataset_identity(name: str, url: str, aliases: Iterable[str]) -> tuple[str, lineage.Repo | None]:
    """``(id key, Hub repo or None)``: the Hub dataset repo id when the URL or an alias is one."""
    repo = lineage.parse_repo(url, dataset=True) if re.search(r"(huggingface\.co|hf\.co)/datasets/", url) else None
    if repo is None:
        for alias in aliases:
            if "/" in alias and (found := lineage.parse_repo(alias, dataset=True)):
                repo = found
                break
    key = repo.id if repo is not None else name
    return key.lower(), repo


@dataclass(frozen=True, slots=True)
class _FileObject:
    ident: str
    url: str
    encoding: str
    size: str
    hashes: tuple[tuple[str, str], ...]
    invalid: str
    pointer: str


def _file_objects(dist: list[Any]) -> Iterator[_FileObject]:
    for i, item in enumerate(dist[:_MAX_FILES]):
        if not isinstance(item, dict) or "FileObject" not in _types(item):
            continue
        ident = _text(item.get("@id")) or _text(item.get("name")) or f"file-{i}"
        hashes, invalid = [], []
        for key, alg, length in (("sha256", "SHA-256", 64), ("md5", "MD5", 32)):
            for value in _items(item.get(key)):
                digest = _text(value)
                if len(digest) == length and _HEX.match(digest):
                    hashes.append((alg, digest.lower()))
                elif digest:
                    invalid.append(f"{key}: {digest[:200]}")
        yield _FileObject(
            ident=ident,
            url=_text(item.get("contentUrl")),
            encoding=_text(item.get("encodingFormat")),
            size=_text(item.get("contentSize")),
            hashes=tuple(hashes),
            invalid="; ".join(invalid),
            pointer=f"/distribution/{i}",
        )


def _file_sets(dist: list[Any]) -> list[str]:
    out = []
    for item in dist[:_MAX_FILES]:
        if not isinstance(item, dict) or "FileSet" not in _types(item):
            continue
        ident = _text(item.get("@id")) or _text(item.get("name"))
        includes = ",".join(_text(v) for v in _items(item.get("includes")) if _text(v))
        container = _text(item.get("containedIn"))
        if isinstance(item.get("containedIn"), dict) and not container:
            container = _text(item["containedIn"].get("fileObject"))
        encoding = _text(item.get("encodingFormat"))
        parts = [f"{ident}: {includes or '*'}"]
        if encoding:
            parts.append(f"({encoding})")
        if container:
            parts.append(f"in {container}")
        out.append(" ".join(parts))
    return out


def load_json(path: TreePath) -> Any:
    text = path.read_text()
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(path.display(), f"invalid JSON: {err.msg} (line {err.lineno}, column {err.colno})") from err
    except RecursionError as err:
        raise InputError(path.display(), "JSON nested too deeply to read") from err
    except ValueError as err:  # an integer of over 4,300 digits
        raise InputError(path.display(), "invalid JSON: a number too long to read") from err


def collect_croissant(path: TreePath, collector: str = NAME) -> Inventory:
    raw = load_json(path)
    if not isinstance(raw, dict):
        raise InputError(path.display(), f"is a JSON {type(raw).__name__}, not a Croissant dataset object")
    try:
        doc = localised({k: v for k, v in raw.items() if k != "@context"})
    except RecursionError as err:
        raise InputError(path.display(), "JSON-LD nested too deeply to read") from err
    if "Dataset" not in _types(doc):
        raise InputError(path.display(), "has no @type Dataset; is this a Croissant file?")
    version = croissant_version(doc, raw.get("@context"))
    name = _text(doc.get("name"))
    if not name:
        raise InputError(path.display(), "Croissant dataset has no name")
    url = _text(doc.get("url"))
    aliases = [_text(a) for a in _items(doc.get("alternateName")) if _text(a)]
    key, repo = dataset_identity(name, url, aliases)
    did = component_id(Layer.DATA, "dataset", key)
    ev = Evidence(path=path.display(), collector=collector)
    licence = combine(license_of(_text(v)) for v in _items(doc.get("license")) if _text(v))
    orgs, people = _organisations(doc.get("publisher"))
    creator_orgs, creator_people = _organisations(doc.get("creator"))
    props: list[tuple[str, str]] = []
    if version:
        props.append(("croissant:version", version))
    props += [("croissant:conforms-to", _text(v)) for v in _items(doc.get("conformsTo")) if _text(v)]
    if repo is not None:
        props.append(("hf:repo", repo.id))
    props += [("data:alias", a) for a in aliases if a.lower() != key][:20]
    if url:
        props.append(("data:url", url[:_MAX_TEXT]))
    for key_, prop in (("datePublished", "data:date-published"), ("dateModified", "data:date-modified"),
                       ("isLiveDataset", "data:live"), ("sdLicense", "croissant:metadata-license")):  # fmt: skip
        if value := _text(doc.get(key_)):
            props.append((prop, value.lower() if key_ == "isLiveDataset" else value))
    if langs := [_text(v) for v in _items(doc.get("inLanguage")) if _text(v)]:
        props.append(("data:language", ",".join(langs)))
    if keywords := [_text(v) for v in _items(doc.get("keywords")) if _text(v)]:
        props.append(("data:keywords", ",".join(keywords[:40])[:_MAX_TEXT]))
    rai = [(f"rai:{f}", short(_text(doc[f]))) for f in RAI_FIELDS if _text(doc.get(f))]
    props += rai
    record_sets = [r for r in _items(doc.get("recordSet")) if isinstance(r, dict)]
    props.append(("croissant:record-sets", str(len(record_sets))))
    props.append(("croissant:fields", str(sum(len(_items(r.get("field"))) for r in record_sets))))
    props += level_properties("data", *licence)

    dist = _items(doc.get("distribution"))
    files = list(_file_objects(dist))
    props += [("croissant:file-set", s[:_MAX_TEXT]) for s in _file_sets(dist)][:50]
    props.append(("croissant:file-objects", str(len(files))))
    components: dict[str, Component] = {}
    edges: dict[tuple[str, str, str], Edge] = {}

    def add_edge(e: Edge) -> None:
        edges.setdefault(e.key, e)

    for f in files:
        fev = Evidence(path=path.display(), collector=collector, pointer=f.pointer)
        fid = component_id(Layer.DATA, "data-file", f"{key}/{f.ident}")
        fprops = [("croissant:content-url", f.url[:_MAX_TEXT])] if f.url else []
        if f.encoding:
            fprops.append(("croissant:encoding-format", f.encoding))
        if f.size:
            fprops.append(("croissant:content-size", f.size))
        if f.invalid:
            fprops.append(("croissant:checksum-invalid", f.invalid))
        components[fid] = Component(
            id=fid,
            layer=Layer.DATA,
            kind="data-file",
            name=f.ident,
            hashes=f.hashes,
            properties=tuple(sorted(fprops)),
            evidence=(fev,),
        )
        add_edge(Edge(source=did, target=fid, relation=Relation.CONTAINS, evidence=(fev,)))
        loc = locate(f.url)
        if loc is not None:
            components.setdefault(loc.id, loc.component(fev))
            add_edge(stored_in(fid, loc, fev))
            add_edge(stored_in(did, loc, fev))
    derived = [d for d in _items(doc.get("wasDerivedFrom")) if _text(d)]
    for i, d in enumerate(derived[:50]):
        dev = Evidence(path=path.display(), collector=collector, pointer=f"/prov:wasDerivedFrom/{i}")
        ref = _text(d.get("locatedAt")) if isinstance(d, dict) and _text(d.get("locatedAt")) else _text(d)
        target = lineage.dataset_ref_id(ref)
        if target != did:
            add_edge(Edge(source=did, target=target, relation=Relation.DERIVED_FROM, evidence=(dev,)))
            components.setdefault(target, lineage.dataset_reference(ref, dev))
    dataset = Component(
        id=did,
        layer=Layer.DATA,
        kind="dataset",
        name=repo.id if repo is not None else name,
        version=_text(doc.get("version")),
        licenses=licence[0],
        license_declared=licence[1],
        supplier=(orgs or creator_orgs or [""])[0],
        author=", ".join(dict.fromkeys(people + creator_people))[:_MAX_TEXT],
        description=short(_text(doc.get("description"))),
        properties=tuple(sorted(set(props))),
        evidence=(ev,),
    )
    return Inventory(components=(dataset, *components.values()), edges=tuple(edges.values()))


def looks_like_croissant(head: bytes) -> bool:
    """A JSON-LD document (``@context``) naming Croissant's vocabulary: an inventory or SBOM that
    merely mentions the vocabulary in a property (``conformsTo``) is not one."""
    text = head.decode("utf-8", errors="replace")
    return '"@context"' in text and ("mlcommons.org/croissant" in text or "mlcommons.org/schema" in text)


class CroissantCollector(Collector):
    name = NAME
    description = "an MLCommons Croissant dataset (JSON-LD 0.8/1.0/1.1): licence, files, checksums, storage hosts"

    def detect(self, path: TreePath) -> bool:
        return path.suffix in (".json", ".jsonld") and looks_like_croissant(path.read_head(16 * 1024))

    def collect(self, path: TreePath) -> Inventory:
        return collect_croissant(path, self.name)
