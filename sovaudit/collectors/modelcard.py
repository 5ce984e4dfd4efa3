"""Hugging Face model folders and model cards.

**What a model folder is** (``hf-model``, claims folders). A folder is read as one model when

* it is a Hub cache repository, ``models--<org>--<name>`` with a ``snapshots`` folder (each
  snapshot becomes one model at its revision; ``refs/*`` name the revisions), or
* it holds a transformers ``config.json`` (``model_type``, ``architectures`` or
  ``transformers_version`` within its first 64 KiB), or a PEFT ``adapter_config.json``, or
* it holds a ``README.md`` and weights (``*.safetensors``, ``*.gguf``, ``pytorch_model*.bin``,
  ``adapter_model.*``).

A folder with weights but neither card nor config is not claimed: its weight files are read one
by one by the ``safetensors`` and ``gguf`` collectors. A ``README.md`` on its own is read by
``hf-model-card`` when its front matter has a model-only key (``base_model``, ``library_name``,
``pipeline_tag``, ``model-index`` ...); one with only generic keys (``license``, ``tags``) could
as well be a dataset card or a website page and is left alone.

**Identity.** ``pkg:huggingface/<org>/<name>@<revision>`` (lower-case) when the folder says which
repo it is: a Hub cache snapshot (``models--org--name/snapshots/<sha>``), a fetched ``hf://``
input (display ``hf://org/name@<sha>``), or a git clone whose ``.git/config`` points at the Hub
(revision from ``HEAD``). Else ``model/model/<folder name>``. ``hf:repo`` keeps the repo id as
spelled (the knowledge base matches model families on it); ``supplier`` is the org.

**What is read** (every file bounded, nothing executed; a bad member is a failed input record and
the rest is still read):

* ``README.md`` front matter (YAML, safe loader, alias-bomb guard; robust to blank lines before
  the opening ``---``, indented YAML, no front matter at all, ``license`` as a list,
  ``license: other`` + ``license_name``/``license_link``): licence, ``base_model`` (+
  ``base_model_relation``) as ``derived-from`` edges, ``datasets`` as ``trained-on`` edges,
  ``language``, ``library_name``, ``pipeline_tag``, ``tags``, ``model-index`` metrics
  (``hf:eval``, JSON), gating (``hf:gated``, ``hf:gated-fields``). From the body: the first
  paragraph of the intended-use, limitations and bias/risk sections (``hf:use-case``,
  ``hf:limitation``, ``hf:risk``; the ML-BOM model card's considerations).
* ``config.json``: ``architectures``, ``model_type``, ``torch_dtype``/``dtype``,
  ``quantization_config``, multimodal sub-configs; ``auto_map`` or a module-qualified
  architecture means the model runs its own code at load (``model:custom-code`` = ``true``,
  ``model:auto-map``).
* ``adapter_config.json`` (PEFT): ``peft:type``, rank, target modules, and the base model
  (``derived-from``, relation ``adapter``). ``generation_config.json``: read and checked.
* weights by header only (:mod:`sovaudit.collectors.weights`): parameter count and dtypes over
  all safetensors shards (``model.safetensors.index.json`` gives ``model:weights-bytes``), GGUF
  facts (licence, base models, quantisation), pickled weights flagged (``model:pickle-weights``:
  loading them runs code).
* licence files (``LICENSE*``, ``LICENCE*``, ``NOTICE*``, ``USE_POLICY.md``): their first 16 KiB
  are searched for the licence they state (``model:license-file-says``: ``llama3.1``, ``gemma``,
  ``apache-2.0`` ...); it fills a licence the card does not give, and a file that contradicts the
  card sets ``model:license-file-conflict``.

Relations to bases, when the card does not say (``model:relation-inferred``): an adapter config
-> ``adapter``; GGUF weights or a quantisation config -> ``quantized``; several bases -> ``merge``;
else ``finetune``. Licence level and MOF estimate: :mod:`sovaudit.collectors.model_openness`
(``model:license-level``, ``model:license-category``, ``model:mof-class``, ``model:mof-missing``).
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from sovaudit.collectors import lineage, weights
from sovaudit.collectors.interface import Collector
from sovaudit.collectors.model_openness import (
    combine,
    estimate_mof,
    family_of,
    level_of,
    level_properties,
    license_of,
)
from sovaudit.errors import InputError
from sovaudit.fs import MiB, TreePath
from sovaudit.limits import check_yaml_aliases
from sovaudit.model import (
    Component,
    Edge,
    Evidence,
    InputRecord,
    InputStatus,
    Inventory,
    Layer,
    component_id,
)

if TYPE_CHECKING:  # yaml is imported where a card is parsed
    pass

FOLDER = "hf-model"
CARD = "hf-model-card"

#: Largest card read; the front matter of real cards stays under 100 KiB.
MAX_CARD_BYTES = 16 * MiB
MAX_JSON_BYTES = 16 * MiB
_MAX_TEXT = 500  # longest text kept in a property
_MAX_ITEMS = 100  # most list items kept from a card field

_SNAPSHOT = re.compile(r"(?:^|/)(models|datasets)--([^/]+?)--([^/]+)/snapshots/([^/]+)$")
_CACHE_REPO = re.compile(r"^(models|datasets)--([^/]+?)--([^/]+)$")
_HF_INPUT = re.compile(r"^hf://(?:(models|datasets)/)?([^/@]+(?:/[^/@]+)?)(?:@([^/]+))?$")
_GIT_REMOTE = re.compile(
    r"^\s*url\s*=\s*(?:https?://(?:[^@/]+@)?(?:huggingface\.co|hf\.co)/)(\S+?)(?:\.git)?/?\s*$", re.M
)
_SHA = re.compile(r"^[0-9a-f]{40}$")
_GENERIC_FOLDERS = frozenset({"model", "models", "weights", "checkpoint", "final", "output", "hf", "snapshot"})

_WEIGHT_SUFFIXES = (".safetensors", ".gguf")
_PICKLE = re.compile(r"^(pytorch_model.*\.bin|adapter_model\.bin|.*\.(pt|pth|ckpt|pkl|pickle))$")
_OTHER_WEIGHTS = re.compile(r"^(tf_model\.h5|flax_model\.msgpack|.*\.onnx|.*\.tflite|.*\.mlmodel|.*\.npz)$")
_LICENSE_FILE = re.compile(r"^(licen[cs]e|copying|notice|use_policy)([._-].*)?$", re.I)
_CODE = re.compile(r"^.*\.py$")
_CUSTOM_CODE = re.compile(r"^(modeling|configuration|tokenization|processing|image_processing)_.*\.py$")
_TRAINING_CODE = re.compile(r"^(train|finetune|fine_tune|pretrain).*\.(py|sh)$|.*_train(ing)?\.(py|sh)$")
_EVAL_CODE = re.compile(r"^(eval|evaluate|evaluation|benchmark).*\.(py|sh)$")
_PREPROCESS_CODE = re.compile(r"^(preprocess|prepare|data_prep|tokenize_data).*\.(py|sh)$")
_INFERENCE_CODE = re.compile(r"^(inference|handler|predict|serve|generate).*\.py$")
CHECKPOINT_DIR = re.compile(r"^(checkpoint|step|global_step|ckpt)[-_]?\d+$")
_ARXIV = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})|\barxiv:(\d{4}\.\d{4,5})", re.I)

#: Inference libraries a card's ``library_name`` can name, and their licences (MOF inference code).
LIBRARY_LICENSES = {
    "transformers": "Apache-2.0", "sentence-transformers": "Apache-2.0", "diffusers": "Apache-2.0",
    "peft": "Apache-2.0", "timm": "Apache-2.0", "keras": "Apache-2.0", "tf-keras": "Apache-2.0",
    "ml-agents": "Apache-2.0", "nemo": "Apache-2.0", "onnx": "Apache-2.0", "fastai": "Apache-2.0",
    "vllm": "Apache-2.0", "adapter-transformers": "Apache-2.0", "transformers.js": "Apache-2.0",
    "gguf": "MIT", "llama.cpp": "MIT", "mlx": "MIT", "open_clip": "MIT", "spacy": "MIT", "flair": "MIT",
    "stable-baselines3": "MIT", "setfit": "Apache-2.0", "pytorch": "BSD-3-Clause", "fasttext": "MIT",
    "span-marker": "Apache-2.0", "speechbrain": "Apache-2.0", "espnet": "Apache-2.0", "paddlenlp": "Apache-2.0",
}  # fmt: skip

#: What licence files say, by their first lines.
_LICENSE_MARKERS = (
    (re.compile(r"LLAMA\s+(2|3(?:\.\d)?|4)\s+COMMUNITY\s+LICEN[CS]E", re.I), "llama{}"),
    (re.compile(r"Built with (?:Meta )?Llama", re.I), "llama"),
    (re.compile(r"Gemma Terms of Use", re.I), "gemma"),
    (re.compile(r"Mistral AI (?:Research|Non-Production) Licen[cs]e", re.I), "mistral"),
    (re.compile(r"Tongyi Qianwen|Qwen (?:RESEARCH )?LICEN[CS]E AGREEMENT", re.I), "qwen"),
    (re.compile(r"CreativeML Open RAIL", re.I), "creativeml-openrail-m"),
    (re.compile(r"Open RAIL\+\+-M", re.I), "openrail++"),
    (re.compile(r"BigScience (?:BLOOM )?RAIL|BigScience OpenRAIL", re.I), "openrail"),
    (re.compile(r"Apache License,?\s+Version 2\.0", re.I), "apache-2.0"),
    (re.compile(r"\bMIT License\b|Permission is hereby granted, free of charge", re.I), "mit"),
    (re.compile(r"Attribution-NonCommercial", re.I), "cc-by-nc"),
)

#: Tags (or ``library_name``) that say what a model is of its base, when the card does not.
_ADAPTER_HINTS = frozenset({"lora", "qlora", "peft", "adapter", "adapters"})
_QUANTIZED_HINTS = frozenset({
    "gguf", "awq", "gptq", "exl2", "int8", "int4", "4-bit", "8-bit", "quantized", "bitsandbytes", "mlx-quant",
})  # fmt: skip

#: Card keys only a model card has (a dataset card or a web page would not).
MODEL_KEYS = frozenset({
    "base_model", "base_model_relation", "library_name", "pipeline_tag", "model-index", "model_name",
    "inference", "widget", "co2_eq_emissions", "quantized_by", "new_version", "model_creator", "model_type",
})  # fmt: skip
#: Keys of dataset cards: a front matter with any of them is not a model card.
DATASET_KEYS = frozenset({
    "task_categories", "task_ids", "size_categories", "dataset_info", "configs", "source_datasets",
    "annotations_creators", "language_creators", "pretty_name", "multilinguality", "paperswithcode_id",
    "train-eval-index", "license_details",
})  # fmt: skip

_SECTIONS = (
    ("hf:use-case", re.compile(r"^(intended uses?( (&|and) limitations)?|uses|direct use|downstream use|use cases?)$")),
    ("hf:limitation", re.compile(r"limitation|out-of-scope|out of scope")),
    ("hf:risk", re.compile(r"\bbias|\brisk|ethic|fairness|misuse")),
)


# -- front matter ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Card:
    """A card's front matter (a mapping, maybe empty), the line it starts on, and the body."""

    meta: dict[str, Any]
    line: int
    body: str


def split_front_matter(text: str) -> tuple[str | None, int, str]:
    """``(yaml text or None, line of the opening ---, body)``. Blank lines may precede the ``---``."""
    lines = text.splitlines()
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or lines[i].strip() != "---":
        return None, 0, text
    for j in range(i + 1, len(lines)):
        if lines[j].strip() in ("---", "..."):
            return "\n".join(lines[i + 1 : j]), i + 1, "\n".join(lines[j + 1 :])
    return None, 0, text  # an opening line and no closing one: a horizontal rule, not front matter


def load_yaml_mapping(text: str, display: str, *, line: int = 0) -> dict[str, Any]:
    """A YAML mapping through the safe loader, after the alias-bomb guard; ``{}`` for an empty document."""
    import yaml  # here: a folder's README.md imports this module, and most READMEs hold no YAML

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}
        if "&" in text:  # no anchor, no alias: nothing to expand
            check_yaml_aliases(node, display)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f" (line {mark.line + 1 + line})" if mark is not None else ""
        problem = " ".join(str(err.problem or err).split())
        raise InputError(display, f"invalid YAML front matter: {problem}{where}") from err
    except yaml.YAMLError as err:
        raise InputError(display, f"invalid YAML front matter: {' '.join(str(err).split())}") from err
    except RecursionError as err:
        raise InputError(display, "YAML front matter nested too deeply to read") from err
    except ValueError as err:  # a date out of range, an integer of over 4,300 digits
        raise InputError(display, "invalid YAML front matter: a value out of range") from err
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise InputError(display, f"front matter is a YAML {type(data).__name__}, not a mapping")
    return {str(k): v for k, v in data.items()}


def read_card(path: TreePath) -> Card:
    """A Hugging Face card (model or dataset): front matter (``{}`` if none) and body."""
    text = path.read_text(limit=MAX_CARD_BYTES)
    raw, line, body = split_front_matter(text)
    if raw is None:
        return Card(meta={}, line=0, body=body)
    meta = load_yaml_mapping(textwrap.dedent(raw), path.display(), line=line)
    return Card(meta=meta, line=line, body=body)


def front_matter_keys(head: bytes) -> set[str]:
    """Top-level keys in the first bytes of a card (cheap: for ``detect``), empty if no front matter."""
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    lines = text.splitlines()
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or lines[i].strip() != "---":
        return set()
    keys = set()
    indent = None
    for raw in lines[i + 1 :]:
        if raw.strip() in ("---", "..."):
            break
        stripped = raw.lstrip(" ")
        if not stripped or stripped.startswith(("#", "-")):
            continue
        depth = len(raw) - len(stripped)
        indent = depth if indent is None else indent
        if depth == indent and ":" in stripped:
            keys.add(stripped.split(":", 1)[0].strip().strip("'\""))
    return keys


# -- card values -----------------------------------------------------------------------------------
def strings(value: Any, limit: int = _MAX_ITEMS) -> list[str]:
    """A card field that may be a string or a list, as a list of non-empty strings."""
    if value is None or isinstance(value, bool):
        return []
    if isinstance(value, (str, int, float)):
        text = str(value).strip()
        return [text] if text else []
    if isinstance(value, list):
        out = []
        for v in value[:limit]:
            out += strings(v, limit) if not isinstance(v, list) else []
        return out
    return []


def text_value(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return ""
    return str(value).strip()[:_MAX_TEXT]


def card_license(meta: dict[str, Any]) -> tuple[str, str]:
    """The card's licence as ``(expression, declared)``: ``license`` (string or list), else ``licenses``."""
    raw = meta.get("license", meta.get("licenses"))
    name, link = text_value(meta.get("license_name")), text_value(meta.get("license_link"))
    values = strings(raw)
    if not values:
        return license_of("", name, link) if name else ("", "")
    return combine(license_of(v, name, link) for v in values)


def languages(meta: dict[str, Any]) -> list[str]:
    return strings(meta.get("language", meta.get("languages")))


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _metrics(meta: dict[str, Any]) -> list[str]:
    """``model-index`` results as compact JSON (type, value, slice) for ``hf:eval``."""
    out = []
    index = meta.get("model-index")
    for entry in index[:10] if isinstance(index, list) else []:
        results = entry.get("results") if isinstance(entry, dict) else None
        for result in results[:20] if isinstance(results, list) else []:
            if not isinstance(result, dict):
                continue
            dataset = _mapping(result.get("dataset"))
            slice_ = text_value(dataset.get("name")) or text_value(dataset.get("type"))
            task = _mapping(result.get("task"))
            metrics = result.get("metrics")
            for m in metrics[:20] if isinstance(metrics, list) else []:
                if isinstance(m, dict) and text_value(m.get("type")):
                    item = {"type": text_value(m.get("type")), "value": text_value(m.get("value"))}
                    if slice_:
                        item["slice"] = slice_
                    if text_value(task.get("type")):
                        item["task"] = text_value(task.get("type"))
                    out.append(json.dumps(item, sort_keys=True, ensure_ascii=False))
    return out[:50]


def _eval_datasets(meta: dict[str, Any]) -> list[str]:
    found = []
    index = meta.get("model-index")
    for entry in index[:10] if isinstance(index, list) else []:
        results = entry.get("results") if isinstance(entry, dict) else None
        for result in results[:20] if isinstance(results, list) else []:
            dataset = result.get("dataset") if isinstance(result, dict) else None
            if isinstance(dataset, dict) and text_value(dataset.get("type")):
                found.append(text_value(dataset.get("type")))
    return found


# No pattern here may scan the rest of a line from each of its characters: "[[[[..." or a heading
# padded with 5,000 spaces would take minutes (the fuzzer found both). Hence [^[\]] and [^<>],
# and a heading's closing hashes taken off in Python, not by a lazy group before \s*#*\s*$.
_MARKDOWN = re.compile(r"[*_`]+|!\[[^\[\]]*\]\([^()]*\)|<[^<>]+>")
_LINK = re.compile(r"\[([^\[\]]*)\]\([^()]*\)")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*)$")


def _plain(text: str) -> str:
    return " ".join(_MARKDOWN.sub("", _LINK.sub(r"\1", text)).split())


def body_sections(body: str) -> list[tuple[str, str]]:
    """``(property, text)`` for the use, limitation and risk sections of a card body (first words of each)."""
    out: list[tuple[str, str]] = []
    current: list[str] = []
    collected: list[str] = []
    fence = False

    def flush() -> None:
        text = _plain(" ".join(collected))
        if current and text:
            cut = text[:_MAX_TEXT]
            shown = cut if len(text) <= _MAX_TEXT else cut.rsplit(" ", 1)[0] + " \u2026"
            out.extend((prop, shown) for prop in current)

    for line in body.splitlines():
        if line.strip().startswith(("```", "~~~")):
            fence = not fence
            continue
        if fence:
            continue
        m = _HEADING.match(line)
        if m:
            flush()
            title = _plain(m.group(2).rstrip().rstrip("#").rstrip()).lower().rstrip(":")
            # "Bias, Risks, and Limitations" is both a limitation and a risk.
            current = [prop for prop, pattern in _SECTIONS if pattern.search(title)]
            collected = []
            continue
        keep = current and line.strip() and not line.lstrip().startswith(("|", "<!--", "!["))
        if keep and sum(len(c) for c in collected) < 2 * _MAX_TEXT:
            collected.append(line.strip())
    flush()
    return list(dict.fromkeys(out))[:12]


def card_properties(meta: dict[str, Any]) -> list[tuple[str, str]]:
    """The ``hf:`` properties of a model card's front matter (licence and references excluded)."""
    props: list[tuple[str, str]] = []
    if langs := languages(meta):
        props.append(("hf:language", ",".join(langs)))
    for key, prop in (("library_name", "hf:library-name"), ("pipeline_tag", "hf:pipeline-tag"),
                      ("license_name", "hf:license-name"), ("license_link", "hf:license-link"),
                      ("new_version", "hf:new-version"), ("quantized_by", "hf:quantized-by"),
                      ("model_creator", "hf:model-creator")):  # fmt: skip
        if value := text_value(meta.get(key)):
            props.append((prop, value))
    if tags := strings(meta.get("tags")):
        props.append(("hf:tags", ",".join(tags)))
    if metrics := strings(meta.get("metrics")):
        props.append(("hf:metrics", ",".join(metrics)))
    props += [("hf:eval", m) for m in _metrics(meta)]
    gated = sorted(k for k in meta if k.startswith("extra_gated_"))
    if gated or meta.get("gated"):
        props.append(("hf:gated", "true"))
        fields = meta.get("extra_gated_fields")
        if isinstance(fields, dict) and fields:
            props.append(("hf:gated-fields", ",".join(str(k)[:60] for k in list(fields)[:30])))
    co2 = meta.get("co2_eq_emissions")
    if isinstance(co2, (int, float)) and not isinstance(co2, bool):
        props.append(("hf:co2-eq-emissions", str(co2)))
    elif isinstance(co2, dict) and isinstance(co2.get("emissions"), (int, float)):
        props.append(("hf:co2-eq-emissions", str(co2["emissions"])))
    return props


# -- identity --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Identity:
    """Which repo (and revision) a folder is, when it says so."""

    repo: lineage.Repo | None = None
    revision: str = ""
    refs: tuple[str, ...] = ()  # names (``main``) pointing at this revision


def identity_from_display(display: str) -> Identity:
    """A Hub cache snapshot path or an ``hf://`` input names its repo and revision."""
    if m := _HF_INPUT.match(display):
        repo = lineage.parse_repo(m.group(2))
        return Identity(repo=repo, revision=m.group(3) or "") if repo else Identity()
    if m := _SNAPSHOT.search(display.rstrip("/")):
        return Identity(repo=lineage.Repo(org=m.group(2), name=m.group(3)), revision=m.group(4))
    return Identity()


def _git_identity(folder: TreePath) -> Identity:
    """A git clone of a Hub repo: its remote URL and checked-out commit."""
    config = folder / ".git" / "config"
    if not config.is_file():
        return Identity()
    try:
        m = _GIT_REMOTE.search(config.read_text(limit=256 * 1024))
    except InputError:
        return Identity()
    if not m:
        return Identity()
    rest = m.group(1)
    if rest.startswith(("datasets/", "spaces/")):
        return Identity()
    repo = lineage.parse_repo(rest)
    if repo is None:
        return Identity()
    revision = ""
    try:
        head = (folder / ".git" / "HEAD").read_text(limit=4096).strip()
        if _SHA.match(head):
            revision = head
        elif head.startswith("ref: "):
            ref = head[5:].strip()
            ref_file = folder / ".git" / ref
            if ref_file.is_file():
                revision = ref_file.read_text(limit=4096).strip()
            elif (folder / ".git" / "packed-refs").is_file():
                for line in (folder / ".git" / "packed-refs").read_text(limit=4 * MiB).splitlines():
                    sha, _, name = line.partition(" ")
                    if name.strip() == ref:
                        revision = sha
                        break
    except InputError:
        pass
    return Identity(repo=repo, revision=revision if _SHA.match(revision) else "")


# -- the folder ------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Model:
    """What the members of one model folder say, gathered before the component is built."""

    folder: TreePath
    collector: str
    identity: Identity
    name: str
    evidence: list[Evidence] = field(default_factory=list)
    props: list[tuple[str, str]] = field(default_factory=list)
    records: list[InputRecord] = field(default_factory=list)
    licence: tuple[str, str] = ("", "")
    licence_source: str = ""
    version: str = ""
    supplier: str = ""
    description: str = ""
    bases: list[tuple[str, str]] = field(default_factory=list)  # (reference, relation or "")
    datasets: list[str] = field(default_factory=list)
    relation: str = ""  # base_model_relation from the card
    inferred_relation: str = ""
    artefacts: dict[str, str] = field(default_factory=dict)  # MOF component -> "" or licence override
    files: list[str] = field(default_factory=list)
    card: Card | None = None
    custom_code: bool = False

    def read(self, path: TreePath) -> None:
        self.evidence.append(Evidence(path=path.display(), collector=self.collector))
        self.records.append(InputRecord(path=path.display(), status=InputStatus.READ, collector=self.collector))

    def failed(self, err: InputError) -> None:
        self.records.append(
            InputRecord(path=err.path, status=InputStatus.FAILED, collector=self.collector, reason=err.reason)
        )


def _load_json(path: TreePath) -> Any:
    text = path.read_text(limit=MAX_JSON_BYTES)
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(path.display(), f"invalid JSON: {err.msg} (line {err.lineno}, column {err.colno})") from err
    except RecursionError as err:
        raise InputError(path.display(), "JSON nested too deeply to read") from err
    except ValueError as err:  # an integer of over 4,300 digits
        raise InputError(path.display(), "invalid JSON: a number too long to read") from err


def _json_object(path: TreePath) -> dict[str, Any]:
    doc = _load_json(path)
    if not isinstance(doc, dict):
        raise InputError(path.display(), f"is a JSON {type(doc).__name__}, not an object")
    return doc


def _read_card(m: _Model, path: TreePath) -> None:
    card = read_card(path)
    m.card = card
    m.evidence.append(Evidence(path=path.display(), collector=m.collector, line=card.line))
    m.records.append(InputRecord(path=path.display(), status=InputStatus.READ, collector=m.collector))
    meta = card.meta
    m.licence = card_license(meta)
    if m.licence != ("", ""):
        m.licence_source = "card"
    m.props += card_properties(meta)
    m.props += body_sections(card.body)
    m.relation = lineage.relation_of(meta.get("base_model_relation"))
    m.bases += [(b, m.relation) for b in strings(meta.get("base_model"))]
    m.datasets += strings(meta.get("datasets"))
    if meta or card.body.strip():
        m.artefacts["model-card"] = ""
    if strings(meta.get("datasets")):
        m.artefacts["data-card"] = ""
        m.artefacts["datasets"] = "?"  # named; their own licences are not known here
    if meta.get("model-index"):
        m.artefacts["evaluation-results"] = ""
        if _eval_datasets(meta):
            m.artefacts["evaluation-data"] = "?"
    tags = " ".join(strings(meta.get("tags")))
    if _ARXIV.search(card.body) or _ARXIV.search(tags):
        m.artefacts["technical-report"] = ""
        m.artefacts["research-paper"] = ""
    library = text_value(meta.get("library_name")).lower()
    hints = {t.lower() for t in strings(meta.get("tags"))} | {library}
    if hints & _ADAPTER_HINTS:
        m.inferred_relation = m.inferred_relation or "adapter"
    elif hints & _QUANTIZED_HINTS:
        m.inferred_relation = m.inferred_relation or "quantized"
    if library in LIBRARY_LICENSES:
        m.artefacts["inference-code"] = LIBRARY_LICENSES[library]


def _read_config(m: _Model, path: TreePath) -> None:
    config = _json_object(path)
    m.read(path)
    archs = strings(config.get("architectures"))
    if archs:
        m.props.append(("model:architecture", ",".join(archs)))
    if model_type := text_value(config.get("model_type")):
        m.props.append(("model:type", model_type))
    dtype = text_value(config.get("torch_dtype")) or text_value(config.get("dtype"))
    if dtype:
        m.props.append(("model:dtype", dtype))
    if version := text_value(config.get("transformers_version")):
        m.props.append(("hf:transformers-version", version))
    if name_or_path := text_value(config.get("_name_or_path")):
        m.props.append(("hf:name-or-path", name_or_path))
    for key in ("max_position_embeddings", "n_positions", "max_sequence_length"):
        if isinstance(config.get(key), int) and not isinstance(config.get(key), bool):
            m.props.append(("model:context-length", str(config[key])))
            break
    if isinstance(config.get("vocab_size"), int):
        m.props.append(("model:vocab-size", str(config["vocab_size"])))
    subs = sorted(k for k in ("vision_config", "audio_config", "speech_config") if isinstance(config.get(k), dict))
    if subs:
        m.props.append(("model:multimodal", "true"))
        m.props.append(("model:modalities", ",".join(["text", *(s.split("_")[0] for s in subs)])))
    quant = config.get("quantization_config")
    if isinstance(quant, dict):
        method = text_value(quant.get("quant_method")) or ("bitsandbytes" if "load_in_4bit" in quant else "unknown")
        m.props.append(("model:quantization", method))
        if isinstance(quant.get("bits"), int):
            m.props.append(("model:quantization-bits", str(quant["bits"])))
        m.inferred_relation = m.inferred_relation or "quantized"
    auto_map = config.get("auto_map")
    custom = [a for a in archs if "." in a]
    if isinstance(auto_map, dict) and auto_map:
        values = sorted({v for v in strings(list(auto_map.values())) if isinstance(v, str)})
        m.props.append(("model:auto-map", ",".join(values)[:_MAX_TEXT]))
        m.custom_code = True
    if custom:
        m.custom_code = True
    if archs or model_type:
        m.artefacts.setdefault("model-architecture", "")


def _read_adapter(m: _Model, path: TreePath) -> None:
    config = _json_object(path)
    m.read(path)
    m.props.append(("model:adapter", "true"))
    if peft := text_value(config.get("peft_type")):
        m.props.append(("peft:type", peft))
    if task := text_value(config.get("task_type")):
        m.props.append(("peft:task-type", task))
    if isinstance(config.get("r"), int):
        m.props.append(("peft:r", str(config["r"])))
    if targets := strings(config.get("target_modules")):
        m.props.append(("peft:target-modules", ",".join(sorted(targets))))
    elif isinstance(config.get("target_modules"), str):
        m.props.append(("peft:target-modules", text_value(config["target_modules"])))
    if base := text_value(config.get("base_model_name_or_path")):
        m.bases.append((base, "adapter"))
    m.inferred_relation = "adapter"


def _read_weights(m: _Model, shards: list[TreePath], ggufs: list[TreePath], index: TreePath | None) -> None:
    parameters = 0
    tensors = 0
    dtypes: set[str] = set()
    formats: set[str] = set()
    quantisations: set[str] = set()
    gguf_params = 0
    for path in shards:
        try:
            header = weights.read_safetensors(weights.TreeSource(path))
        except InputError as err:
            m.failed(err)
            continue
        m.read(path)
        formats.add("safetensors")
        parameters += header.parameters
        tensors += len(header.tensors)
        dtypes.update(header.dtypes)
        for key, value in sorted(header.metadata.items())[:20]:
            if isinstance(value, str) and len(value) <= 200:
                m.props.append((f"safetensors:metadata.{key[:60]}", value))
    for path in ggufs:
        try:
            header = weights.read_gguf(weights.TreeSource(path))
        except InputError as err:
            m.failed(err)
            continue
        m.read(path)
        formats.add("gguf")
        kv = header.metadata
        gguf_params = max(gguf_params, header.parameters)
        dtypes.update(header.dtypes)
        if not shards:
            tensors = max(tensors, len(header.tensors))
        props = weights.header_properties(header)
        quantisations.update(v for k, v in props if k == "model:quantization")
        m.props += [
            p for p in props if p[0] not in ("model:parameters", "model:tensors", "model:weight-dtypes",
                                             "model:weight-format", "model:quantization")
        ]  # fmt: skip
        if m.licence == ("", "") and (found := weights.gguf_license(kv)) != ("", ""):
            m.licence, m.licence_source = found, "gguf"
        source = weights.gguf_source(kv)
        if source:
            m.bases.append((source, "quantized"))
        m.bases += [(b, "") for b in weights.gguf_bases(kv) if b != source and not source]
        m.datasets += weights.gguf_datasets(kv)
        if not m.version and (v := weights._text(kv.get("general.version"))):
            m.version = v
        if not m.supplier and (org := weights._text(kv.get("general.organization"))):
            m.supplier = org
        if arch := weights._text(kv.get("general.architecture")):
            m.artefacts.setdefault("model-architecture", "")
            if not any(k == "model:type" for k, _ in m.props):
                m.props.append(("model:type", arch))
    if ggufs and formats >= {"gguf"}:
        m.inferred_relation = m.inferred_relation or "quantized"
    total = parameters or gguf_params
    if formats:
        m.props += [
            ("model:weight-format", ",".join(sorted(formats))),
            ("model:parameters", str(total)),
            ("model:tensors", str(tensors)),
            ("model:weight-files", str(len(shards) + len(ggufs))),
        ]
        if dtypes:
            m.props.append(("model:weight-dtypes", ",".join(sorted(dtypes))))
        if quantisations:
            m.props.append(("model:quantization", ",".join(sorted(quantisations))))
        m.artefacts["model-parameters"] = ""
    if index is not None:
        try:
            doc = _json_object(index)
        except InputError as err:
            m.failed(err)
            return
        m.read(index)
        meta = doc.get("metadata")
        if isinstance(meta, dict) and isinstance(meta.get("total_size"), int):
            m.props.append(("model:weights-bytes", str(meta["total_size"])))
        weight_map = doc.get("weight_map")
        if isinstance(weight_map, dict):
            named = {v for v in weight_map.values() if isinstance(v, str)}
            present = {p.name for p in shards}
            if missing := sorted(named - present):
                m.props.append(("model:weight-files-missing", str(len(missing))))


def _read_license_file(m: _Model, path: TreePath) -> None:
    head = path.read_head(16 * 1024).decode("utf-8", errors="replace")
    m.read(path)
    for pattern, said in _LICENSE_MARKERS:
        if found := pattern.search(head):
            value = said.format(found.group(1)) if "{}" in said else said
            m.props.append(("model:license-file-says", value))
            return


def _classify_members(m: _Model, members: list[TreePath]) -> None:
    """Record the names (and MOF artefacts) of the members, read config, card, weights, licences."""
    names = {p.name: p for p in members}
    shards = [p for p in members if p.name.endswith(".safetensors") and p.is_file()]
    ggufs = [p for p in members if p.name.endswith(".gguf") and p.is_file()]
    pickles = sorted(p.name for p in members if _PICKLE.match(p.name) and p.is_file())
    others = sorted(p.name for p in members if _OTHER_WEIGHTS.match(p.name) and p.is_file())
    code = sorted(p.name for p in members if _CODE.match(p.name) and p.is_file())
    checkpoints = [p for p in members if CHECKPOINT_DIR.match(p.name) and p.is_dir()]
    steps: list[tuple[str, Any]] = [
        ("README.md", _read_card),
        ("config.json", _read_config),
        ("adapter_config.json", _read_adapter),
        ("generation_config.json", lambda m, p: (_json_object(p), m.read(p))),
    ]
    for filename, step in steps:
        path = names.get(filename)
        if path is not None and path.is_file():
            try:
                step(m, path)
            except InputError as err:
                m.failed(err)
            except RecursionError:
                m.failed(InputError(path.display(), "nested too deeply to read"))
    index = names.get("model.safetensors.index.json")
    _read_weights(m, shards, ggufs, index if index is not None and index.is_file() else None)
    if pickles:
        m.props.append(("model:pickle-weights", ",".join(pickles[:20])))
        m.artefacts["model-parameters"] = ""
        if not shards and not ggufs:
            m.props.append(("model:weight-format", "pytorch-pickle"))
    if others:
        m.props.append(("model:other-weights", ",".join(others[:20])))
        m.artefacts["model-parameters"] = ""
    for p in members:
        if _LICENSE_FILE.match(p.name) and p.is_file():
            try:
                _read_license_file(m, p)
            except InputError as err:
                m.failed(err)
    if code:
        m.props.append(("model:code-files", ",".join(code[:30])))
    if any(_CUSTOM_CODE.match(c) for c in code):
        m.custom_code = True
    if m.custom_code:
        m.props.append(("model:custom-code", "true"))
        m.artefacts["model-architecture"] = ""
        m.artefacts.setdefault("inference-code", "")
    for pattern, artefact in (
        (_TRAINING_CODE, "training-code"),
        (_EVAL_CODE, "evaluation-code"),
        (_PREPROCESS_CODE, "data-preprocessing-code"),
        (_INFERENCE_CODE, "inference-code"),
    ):
        if any(pattern.match(c) for c in code):
            m.artefacts.setdefault(artefact, "")
    if checkpoints:
        m.artefacts["intermediate-checkpoints"] = ""
        m.props.append(("model:checkpoints", str(len(checkpoints))))
    if any(n.lower().endswith(".pdf") for n in names):
        m.artefacts.setdefault("technical-report", "")


def _finish(m: _Model) -> Inventory:
    """The model component, its references and edges, from what the members said."""
    repo, revision = m.identity.repo, m.identity.revision
    if repo is not None:
        cid = lineage.model_purl(repo, revision)
        purl = cid
        name = repo.name
        version = revision or m.version
        supplier = repo.org or m.supplier
    else:
        name, version, supplier = m.name, m.version, m.supplier
        cid = component_id(Layer.MODEL, "model", name, version)
        purl = ""
    said = [v for k, v in m.props if k == "model:license-file-says"]
    if m.licence == ("", "") and said:
        m.licence = license_of(said[0])
        m.licence = (m.licence[0], f"{said[0]} (licence file)")
        m.licence_source = "license-file"
    elif said and m.licence_source == "card":
        # A licence file more restrictive than the card (a NOTICE saying "Built with Llama" beside
        # ``license: apache-2.0``): two permissive licences that differ are no conflict worth a flag.
        file_level = level_of(*license_of(said[0]))
        if file_level.rank > level_of(*m.licence).rank >= 0 or (
            file_level.rank > 0 and family_of(*m.licence) != family_of(*license_of(said[0]))
        ):
            m.props.append(("model:license-file-conflict", "true"))
    props = list(m.props)
    if repo is not None:
        props.append(("hf:repo", repo.id))
    props += [("hf:ref", r) for r in m.identity.refs]
    if m.licence_source:
        props.append(("model:license-source", m.licence_source))
    props += level_properties("model", *m.licence)
    # MOF: each artefact present is covered by the repository licence unless it has its own.
    present = {k: {"": m.licence[0], "?": ""}.get(v, v) for k, v in m.artefacts.items()}
    if "model-architecture" in present and not m.custom_code and any(k == "hf:transformers-version" for k, _ in props):
        present["model-architecture"] = LIBRARY_LICENSES["transformers"]
    props += estimate_mof(present).properties()
    # Bases and datasets: edges, and a reference component for each.
    ev = m.evidence[0] if m.evidence else Evidence(path=m.folder.display(), collector=m.collector)
    unique_bases = list(dict.fromkeys(b for b, _ in m.bases))
    card_relation = m.relation
    edges: dict[tuple[str, str, str], Edge] = {}
    refs: dict[str, Component] = {}
    for base in unique_bases:
        given = next((r for b, r in m.bases if b == base and r), "")
        relation = card_relation or given or m.inferred_relation or ("merge" if len(unique_bases) > 1 else "finetune")
        inferred = not (card_relation or given)
        e = lineage.base_edge(cid, base, relation, ev, inferred=inferred)
        if e.target != cid:
            edges.setdefault(e.key, e)
            refs.setdefault(e.target, lineage.base_reference(base, ev))
    for dataset in dict.fromkeys(m.datasets):
        e = lineage.dataset_edge(cid, dataset, ev)
        edges.setdefault(e.key, e)
        refs.setdefault(e.target, lineage.dataset_reference(dataset, ev))
    model = Component(
        id=cid,
        layer=Layer.MODEL,
        kind="model",
        name=name,
        version=version,
        purl=purl,
        licenses=m.licence[0],
        license_declared=m.licence[1],
        supplier=supplier,
        description=m.description,
        properties=tuple(sorted(set(props))),
        evidence=tuple(sorted(set(m.evidence))) or (ev,),
    )
    components = [model, *(r for r in refs.values() if r.id != cid)]
    return Inventory(components=tuple(components), edges=tuple(edges.values()), inputs=tuple(m.records))


def collect_folder(folder: TreePath, collector: str = FOLDER, identity: Identity | None = None) -> Inventory:
    """One model from the files of ``folder`` (a model repo, a snapshot, a clone)."""
    if identity is None:
        identity = identity_from_display(folder.display())
        if identity.repo is None:
            identity = _git_identity(folder)
    name = folder.name or "model"
    parent = PurePosixPath(folder.display()).parent.name
    if name.lower() in _GENERIC_FOLDERS and parent not in ("", ".", ".."):
        name = parent  # site-packages/<package>/model: the package names the model
    m = _Model(folder=folder, collector=collector, identity=identity, name=name)
    members = [p for p in folder.iterdir() if not p.name.startswith(".")]
    _classify_members(m, members)
    if not m.evidence:
        raise InputError(folder.display(), "has no readable model files (README.md, config.json, weights)")
    return _finish(m)


def _cache_snapshots(repo_dir: TreePath) -> Iterator[tuple[TreePath, Identity]]:
    """The snapshots of a Hub cache repository folder, with the refs that name each."""
    m = _CACHE_REPO.match(repo_dir.name)
    if m is None:
        return
    repo = lineage.Repo(org=m.group(2), name=m.group(3))
    refs: dict[str, list[str]] = {}
    refs_dir = repo_dir / "refs"
    if refs_dir.is_dir():
        for ref in refs_dir.iterdir():
            if ref.is_file():
                try:
                    refs.setdefault(ref.read_text(limit=4096).strip(), []).append(ref.name)
                except InputError:
                    continue
    snapshots = repo_dir / "snapshots"
    for snap in snapshots.iterdir():
        if snap.is_dir():
            yield snap, Identity(repo=repo, revision=snap.name, refs=tuple(sorted(refs.get(snap.name, []))))


def _merge(inventories: Iterable[Inventory]) -> Inventory:
    comps: list[Component] = []
    edges: list[Edge] = []
    inputs: list[InputRecord] = []
    for inv in inventories:
        comps += inv.components
        edges += inv.edges
        inputs += inv.inputs
    return Inventory(components=tuple(comps), edges=tuple(edges), inputs=tuple(inputs))


def is_model_folder(path: TreePath) -> bool:
    """The cheap test of the module docstring (a few stats, one 64 KiB read, a listing only with a README)."""
    if _CACHE_REPO.match(path.name) and path.name.startswith("models--"):
        return (path / "snapshots").is_dir()
    config = path / "config.json"
    if config.is_file():
        head = config.read_head(64 * 1024)
        if b'"model_type"' in head or b'"architectures"' in head or b'"transformers_version"' in head:
            return True
    if (path / "adapter_config.json").is_file():
        return True
    if (path / "README.md").is_file():
        try:
            return any(
                p.name.endswith(_WEIGHT_SUFFIXES) or _PICKLE.match(p.name) or p.name.startswith("adapter_model.")
                for p in path.iterdir()
            )
        except InputError:
            return False
    return False


class HfModelFolderCollector(Collector):
    name = FOLDER
    description = "a Hugging Face model folder, clone or Hub cache: card, config, adapter, weight headers, licence"
    claims_directories = True
    claims_files = False

    def detect(self, path: TreePath) -> bool:
        return is_model_folder(path)

    def collect(self, path: TreePath) -> Inventory:
        if _CACHE_REPO.match(path.name) and (path / "snapshots").is_dir():
            found = [collect_folder(snap, self.name, ident) for snap, ident in _cache_snapshots(path)]
            if not found:
                raise InputError(path.display(), "is a Hub cache folder without snapshots")
            return _merge(found)
        return collect_folder(path, self.name)


class HfModelCardCollector(Collector):
    name = CARD
    description = "a Hugging Face model card on its own (README.md front matter): licence, base models, datasets"

    def detect(self, path: TreePath) -> bool:
        if not path.name.lower().endswith("readme.md"):
            return False
        keys = front_matter_keys(path.read_head(8192))
        return bool(keys & MODEL_KEYS) and not keys & DATASET_KEYS

    def collect(self, path: TreePath) -> Inventory:
        identity = identity_from_display(path.parent.display())
        stem = path.name[: -len("README.md")].rstrip("_-. ") if path.name.lower() != "readme.md" else ""
        name = stem or path.parent.name or "model"
        m = _Model(folder=path.parent, collector=self.name, identity=identity, name=name)
        _read_card(m, path)
        return _finish(m)
