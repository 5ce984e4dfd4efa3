"""Model and data licences: Hugging Face licence ids, the L0-L5 ladder, and a Model Openness Framework estimate.

**Licences.** Model cards, dataset cards, Croissant files and GGUF headers name licences in their
own ways: Hugging Face ids (``apache-2.0``, ``llama3.1``, ``openrail++``, ``other`` with
``license_name``), URLs (``https://choosealicense.com/licenses/cc-by-sa-4.0/``), free text.
:func:`license_of` turns one of them into ``(expression, declared)`` like
:func:`sovaudit.licenses.normalise` (which it calls for everything SPDX knows): an SPDX id where
one exists, a ``LicenseRef-`` for the model licences SPDX lacks (so rules can tell a Llama
licence from an unknown one), ``""`` where the text names no single licence (``bsd``, ``gpl``,
``other`` without a name). The raw text is always kept as ``declared``.

**Ladder** (sovereignty knowledge base, section 2.4): L0 permissive, L1 copyleft or share-alike,
L2 Open RAIL (behavioural-use limits that flow down), L3 vendor community licences (Llama,
Gemma, Qwen: scale thresholds, revocable use policies), L4 non-commercial or research-only (or
excluding some users: Llama 4 for EU entities), L5 non-production or proprietary. For an
expression, ``A OR B`` takes the better level, ``A AND B`` the worse. ``unknown`` when nothing
is known.

**MOF estimate.** The Model Openness Framework (LF AI & Data; classes III open model, II open
tooling, I open science) asks for 17 components, each under a licence acceptable for its
content type. :func:`estimate_mof` takes the artefacts a model folder shows (weights, config,
card, code files, evaluation results, named datasets ...) and the repository licence, and gives
the best class whose required components are all present with acceptable licences, plus what
is missing (or has an unacceptable licence) for the next class. It is an estimate from what is
on disk: a folder does not carry a technical report or training code, so the class is a lower
bound. Simplifications, documented: one repository licence covers every artefact in the folder;
open weights under an OSI licence pass Class III conditionally (as the MOF's own tool does);
documents under an open software licence are accepted (the MOF prefers CC-BY-4.0 and friends).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from sovaudit import licenses

# -- licence ids ------------------------------------------------------------------------------------
#: Hugging Face licence ids (hub-docs ``repositories-licenses.md``) that SPDX does not know, or
#: spells differently: their expression. Names keep words rules match on (llama, gemma, rail ...).
HF_LICENSES: dict[str, str] = {
    "openrail": "LicenseRef-OpenRAIL",
    "bigscience-openrail-m": "LicenseRef-BigScience-OpenRAIL-M",
    "creativeml-openrail-m": "LicenseRef-CreativeML-OpenRAIL-M",
    "bigscience-bloom-rail-1.0": "LicenseRef-BigScience-BLOOM-RAIL-1.0",
    "bigcode-openrail-m": "LicenseRef-BigCode-OpenRAIL-M",
    "openrail++": "LicenseRef-OpenRAIL-PlusPlus-M",
    "c-uda": "C-UDA-1.0",
    "odc-by": "ODC-By-1.0",
    "odbl": "ODbL-1.0",
    "pddl": "PDDL-1.0",
    "openmdw-1.0": "LicenseRef-OpenMDW-1.0",
    "openmdw-1.1": "LicenseRef-OpenMDW-1.1",
    "llama2": "LicenseRef-Llama-2-Community",
    "llama3": "LicenseRef-Llama-3-Community",
    "llama3.1": "LicenseRef-Llama-3.1-Community",
    "llama3.2": "LicenseRef-Llama-3.2-Community",
    "llama3.3": "LicenseRef-Llama-3.3-Community",
    "llama4": "LicenseRef-Llama-4-Community",
    "gemma": "LicenseRef-Gemma-Terms-of-Use",
    "grok2-community": "LicenseRef-Grok-2-Community",
    "deepfloyd-if-license": "LicenseRef-DeepFloyd-IF-Research",
    "fair-noncommercial-research-license": "LicenseRef-FAIR-Noncommercial-Research",
    "h-research": "LicenseRef-H-Research",
    "intel-research": "LicenseRef-Intel-Research-Use",
    "apple-amlr": "LicenseRef-Apple-AMLR",
    "apple-ascl": "LicenseRef-Apple-Sample-Code",
    "lgpl-lr": "LicenseRef-LGPL-LR",
    "cc-pddc": "CC-PDDC",
}

#: ``license: other`` + ``license_name``: the names vendors use on the Hub (lower-case).
HF_LICENSE_NAMES: dict[str, str] = {
    "mrl": "LicenseRef-Mistral-Research",
    "mistral-research-license": "LicenseRef-Mistral-Research",
    "mnpl": "LicenseRef-Mistral-Non-Production",
    "mistral-non-production-license": "LicenseRef-Mistral-Non-Production",
    "qwen": "LicenseRef-Qwen",
    "tongyi-qianwen": "LicenseRef-Qwen",
    "qwen-research": "LicenseRef-Qwen-Research",
    "deepseek": "LicenseRef-DeepSeek-Model",
    "deepseek-license": "LicenseRef-DeepSeek-Model",
    "falcon-llm-license": "LicenseRef-Falcon-LLM",
    "tii-falcon-llm-license": "LicenseRef-Falcon-LLM",
    "gemma": "LicenseRef-Gemma-Terms-of-Use",
    "health-ai-developer-foundations": "LicenseRef-Health-AI-Developer-Foundations",
}

#: Licence ids that name a family, not one licence: no expression (but a level, below).
_FAMILIES = frozenset({"bsd", "cc", "gpl", "lgpl", "gfdl", "agpl"})

_LICENSE_URLS = (
    re.compile(r"^https?://(?:www\.)?choosealicense\.com/licenses/([a-z0-9.+-]+)/?$", re.I),
    re.compile(r"^https?://(?:www\.)?spdx\.org/licenses/([A-Za-z0-9.+-]+?)(?:\.html|\.json)?/?$", re.I),
    re.compile(r"^https?://(?:www\.)?opensource\.org/licenses?/([A-Za-z0-9.+-]+?)(?:\.php|\.html)?/?$", re.I),
)
_CC_URL = re.compile(
    r"^https?://(?:www\.)?creativecommons\.org/(licenses|publicdomain)/([a-z-]+)/(\d\.\d)(?:/[a-z]{2})?/?"
    r"(?:legalcode(?:\.[a-z]+)?)?/?$",
    re.I,
)
_ODC_URL = re.compile(r"^https?://(?:www\.)?opendatacommons\.org/licenses/(by|odbl|pddl)(?:/[\d.]+)?/?", re.I)
_ODC = {"by": "ODC-By-1.0", "odbl": "ODbL-1.0", "pddl": "PDDL-1.0"}
_APACHE_URL = re.compile(r"^https?://(?:www\.)?apache\.org/licenses/LICENSE-2\.0(?:\.txt|\.html)?/?$", re.I)
_REF_CHARS = re.compile(r"[^A-Za-z0-9.-]+")


def license_ref(name: str) -> str:
    """A ``LicenseRef-`` for a licence name SPDX does not know (``my licence v2`` -> ``LicenseRef-my-licence-v2``)."""
    idstring = _REF_CHARS.sub("-", name.strip()).strip("-.")
    return f"LicenseRef-{idstring}" if idstring else ""


_LLAMA_NAME = re.compile(r"(?i)\bllama[-_ ]?([234](?:\.\d)?)\b")
_GEMMA_NAME = re.compile(r"(?i)\bgemma\b")


def _by_name(name: str) -> str:
    """A licence name written out (``Llama 3.1 Community License``): the vendor licence it names, or ``""``."""
    if m := _LLAMA_NAME.search(name):
        return HF_LICENSES.get(f"llama{m.group(1)}", "")
    if _GEMMA_NAME.search(name):
        return HF_LICENSES["gemma"]
    return ""


def _from_url(url: str) -> str:
    """The licence id a well-known licence URL names, or ``""``."""
    url = url.strip()
    if m := _CC_URL.match(url):
        kind, variant, version = m.group(1).lower(), m.group(2).lower(), m.group(3)
        if kind == "publicdomain":
            return "CC0-1.0" if variant == "zero" else ("CC-PDDC" if variant == "mark" else "")
        return f"CC-{variant.upper()}-{version}"
    if m := _ODC_URL.match(url):
        return _ODC[m.group(1).lower()]
    if _APACHE_URL.match(url):
        return "Apache-2.0"
    for pattern in _LICENSE_URLS:
        if m := pattern.match(url):
            return m.group(1)
    return ""


@lru_cache(maxsize=1024)
def license_of(raw: str, name: str = "", link: str = "") -> tuple[str, str]:
    """``(expression or "", declared)`` for a licence as a model or data card writes it.

    ``raw`` is a Hugging Face id, an SPDX expression, a licence URL or free text; ``name`` and
    ``link`` are the card's ``license_name`` / ``license_link`` (used when ``raw`` is ``other``
    or empty). ``declared`` is the text as written (``other`` cards: ``other: <name>``).
    """
    text = raw.strip()
    key = text.lower()
    name = name.strip()
    if key in ("other", "") and name:
        declared = f"other: {name}" if key else name
        mapped = HF_LICENSE_NAMES.get(name.lower()) or HF_LICENSES.get(name.lower()) or _by_name(name)
        if mapped:
            return mapped, declared
        expression, _ = licenses.normalise(name)
        return (expression or license_ref(name)), declared
    if key in ("other", "unknown", ""):
        if key == "" and link:
            found = _from_url(link)
            return (licenses.normalise(found)[0] if found else ""), link.strip()
        return "", text if key == "other" else ""
    if key in HF_LICENSES:
        return HF_LICENSES[key], text
    if key in _FAMILIES:
        return "", text
    if "://" in text:
        found = _from_url(text)
        mapped = HF_LICENSES.get(found.lower(), found) if found else ""
        expression = licenses.normalise(mapped)[0] if mapped and not mapped.startswith("LicenseRef-") else mapped
        return expression, text
    expression, declared = licenses.normalise(text)
    return expression, (declared or ("" if expression == text else text))


def combine(pairs: Iterable[tuple[str, str]]) -> tuple[str, str]:
    """One ``(expression, declared)`` for a card that lists several licences (all apply: AND)."""
    items = [p for p in pairs if p[0] or p[1]]
    if not items:
        return "", ""
    if len(items) == 1:
        return items[0]
    expressions = [e for e, _ in items]
    declared = ", ".join(d or e for e, d in items)
    if all(expressions):
        unique = list(dict.fromkeys(expressions))
        joined = " AND ".join(f"({e})" if " " in e else e for e in unique)
        return joined, declared
    return "", declared


# -- the ladder ------------------------------------------------------------------------------------
LEVELS = ("L0", "L1", "L2", "L3", "L4", "L5")

#: Level and category of each licence id (lower-case) the ladder names; SPDX ids not listed here
#: are classified by pattern in :func:`_id_level`.
_ID_LEVELS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(
        (
            "licenseref-openrail",
            "licenseref-bigscience-openrail-m",
            "licenseref-creativeml-openrail-m",
            "licenseref-bigscience-bloom-rail-1.0",
            "licenseref-bigcode-openrail-m",
            "licenseref-openrail-plusplus-m",
        ),
        ("L2", "open-rail"),
    ),
    **dict.fromkeys(
        (
            "licenseref-llama-2-community",
            "licenseref-llama-3-community",
            "licenseref-llama-3.1-community",
            "licenseref-llama-3.2-community",
            "licenseref-llama-3.3-community",
            "licenseref-gemma-terms-of-use",
            "licenseref-qwen",
            "licenseref-deepseek-model",
            "licenseref-falcon-llm",
            "licenseref-grok-2-community",
            "licenseref-health-ai-developer-foundations",
        ),
        ("L3", "community"),
    ),
    # Llama 4 grants no licence to EU-domiciled organisations (its use policy's multimodal clause).
    "licenseref-llama-4-community": ("L4", "community"),
    **dict.fromkeys(
        (
            "licenseref-mistral-research",
            "licenseref-qwen-research",
            "licenseref-fair-noncommercial-research",
            "licenseref-h-research",
            "licenseref-intel-research-use",
            "licenseref-apple-amlr",
        ),
        ("L4", "research-only"),
    ),
    **dict.fromkeys(
        ("licenseref-mistral-non-production", "licenseref-deepfloyd-if-research"), ("L5", "non-production")
    ),
    **dict.fromkeys(
        (
            "licenseref-openmdw-1.0",
            "licenseref-openmdw-1.1",
            "licenseref-apple-sample-code",
            "c-uda-1.0",
            "cc-pddc",
            "pddl-1.0",
            "odc-by-1.0",
            "cdla-permissive-1.0",
            "cdla-permissive-2.0",
            "etalab-2.0",
        ),
        ("L0", "permissive"),
    ),
    **dict.fromkeys(("odbl-1.0", "cdla-sharing-1.0", "licenseref-lgpl-lr"), ("L1", "copyleft")),
}
#: Families (declared without one id): their level is still clear.
_FAMILY_LEVELS = {"bsd": ("L0", "permissive"), "gpl": ("L1", "copyleft"), "lgpl": ("L1", "copyleft"),
                  "agpl": ("L1", "copyleft"), "gfdl": ("L1", "copyleft")}  # fmt: skip
_COPYLEFT = re.compile(r"^(a?gpl|lgpl|gfdl|cc-by-sa|cc-by-nc-sa|mpl|epl|eupl|cddl|osl|ms-rl|cecill|sspl|odbl)")
_NON_COMMERCIAL = re.compile(r"^cc-by-nc")
_NO_DERIVATIVES = re.compile(r"^cc-by(-nc)?-nd")
_TOKEN = re.compile(r"\(|\)|[^\s()]+")


@dataclass(frozen=True, slots=True)
class Level:
    """A licence's place on the ladder: ``L0``..``L5`` (or ``unknown``) and its category."""

    level: str
    category: str

    @property
    def rank(self) -> int:
        return LEVELS.index(self.level) if self.level in LEVELS else -1


UNKNOWN = Level("unknown", "unknown")
#: A vendor family named without a version: its usual level (Mistral's licences range L0-L5: unknown).
_VENDOR_LEVELS = {
    "llama": Level("L3", "community"),
    "gemma": Level("L3", "community"),
    "qwen": Level("L3", "community"),
    "deepseek": Level("L3", "community"),
    "falcon": Level("L3", "community"),
    "openrail": Level("L2", "open-rail"),
}


def _id_level(licence_id: str) -> Level:
    low = licence_id.lower().removesuffix("+")
    if low in _ID_LEVELS:
        return Level(*_ID_LEVELS[low])
    if low.startswith("licenseref-"):
        # A named licence we do not know: a vendor's own terms.
        return Level("L5", "proprietary")
    if _NON_COMMERCIAL.match(low):
        return Level("L4", "non-commercial")
    if _NO_DERIVATIVES.match(low):
        return Level("L4", "no-derivatives")
    if _COPYLEFT.match(low):
        return Level("L1", "copyleft")
    return Level("L0", "permissive")


@lru_cache(maxsize=1024)
def level_of(expression: str, declared: str = "") -> Level:
    """The ladder level of an SPDX expression (OR: the better, AND: the worse); ``unknown`` if empty.

    With no expression, a declared licence family (``gpl``, ``bsd``) still has a level.
    """
    tokens = _TOKEN.findall(expression)
    if not tokens:
        family = _FAMILY_LEVELS.get(declared.strip().lower())
        if family:
            return Level(*family)
        vendor = family_of("", declared)  # "Built with Llama" in a NOTICE, a licence named in words
        return _VENDOR_LEVELS.get(vendor, UNKNOWN)
    pos = 0

    def parse_or() -> Level:
        nonlocal pos
        best = parse_and()
        while pos < len(tokens) and tokens[pos].upper() == "OR":
            pos += 1
            other = parse_and()
            best = other if other.rank < best.rank else best
        return best

    def parse_and() -> Level:
        nonlocal pos
        worst = parse_atom()
        while pos < len(tokens) and tokens[pos].upper() == "AND":
            pos += 1
            other = parse_atom()
            worst = other if other.rank > worst.rank else worst
        return worst

    def parse_atom() -> Level:
        nonlocal pos
        if pos >= len(tokens):
            return UNKNOWN
        token = tokens[pos]
        pos += 1
        if token == "(":
            inner = parse_or()
            if pos < len(tokens) and tokens[pos] == ")":
                pos += 1
            return inner
        if pos < len(tokens) and tokens[pos].upper() == "WITH":
            pos += 2  # an exception only widens what the licence allows
        return _id_level(token)

    return parse_or()


def family_of(expression: str, declared: str = "") -> str:
    """The vendor licence family whose terms flow to derivatives (``llama``, ``gemma``, ``openrail`` ...), or ``""``."""
    text = f"{expression} {declared}".lower()
    for family, pattern in _FAMILY_PATTERNS:
        if pattern.search(text):
            return family
    return ""


_FAMILY_PATTERNS = (
    ("llama", re.compile(r"llama")),
    ("gemma", re.compile(r"gemma")),
    ("qwen", re.compile(r"qwen|tongyi")),
    ("deepseek", re.compile(r"deepseek")),
    ("mistral", re.compile(r"mistral|\bmrl\b|\bmnpl\b")),
    ("openrail", re.compile(r"rail")),
    ("falcon", re.compile(r"falcon")),
)

# -- Model Openness Framework ----------------------------------------------------------------------
#: MOF components in MOT order: (name, content type, class that first requires it). Optional
#: components (sample outputs, supporting libraries, model metadata) do not decide a class.
MOF_COMPONENTS: tuple[tuple[str, str, int], ...] = (
    ("model-architecture", "code", 3),
    ("model-parameters", "data", 3),
    ("model-card", "document", 3),
    ("data-card", "document", 3),
    ("technical-report", "document", 3),
    ("evaluation-results", "document", 3),
    ("training-code", "code", 2),
    ("inference-code", "code", 2),
    ("evaluation-code", "code", 2),
    ("evaluation-data", "data", 2),
    ("datasets", "data", 1),
    ("data-preprocessing-code", "code", 1),
    ("intermediate-checkpoints", "data", 1),
    ("research-paper", "document", 1),
)
_CLASS_NAMES = {3: "III", 2: "II", 1: "I"}
#: Licences MOT accepts for data (datasets, weights) and for documents (lower-case ids).
_DATA_LICENCES = frozenset({"cdla-permissive-1.0", "cdla-permissive-2.0", "cc0-1.0", "pddl-1.0", "cc-pddc",
                            "c-uda-1.0", "licenseref-openmdw-1.0", "licenseref-openmdw-1.1"})  # fmt: skip
_DOC_LICENCES = frozenset({"cc-by-4.0", "cc-by-sa-3.0", "cc-by-sa-4.0", "freebsd-doc", "cc0-1.0", "cc-pddc",
                           "licenseref-openmdw-1.0", "licenseref-openmdw-1.1"})  # fmt: skip


@dataclass(frozen=True, slots=True)
class MofEstimate:
    """The best class reached (``III``/``II``/``I`` or ``none``), the next one, and what it lacks."""

    mof_class: str
    next_class: str
    missing: tuple[str, ...]
    invalid: tuple[str, ...]

    def properties(self) -> list[tuple[str, str]]:
        props = [("model:mof-class", self.mof_class)]
        if self.next_class:
            props.append(("model:mof-next-class", self.next_class))
            props.append(("model:mof-missing", ", ".join(self.missing) or "none"))
        if self.invalid:
            props.append(("model:mof-license-not-accepted", ", ".join(self.invalid)))
        return props


def _ids(expression: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(expression) if t not in "()" and t.upper() not in ("AND", "OR", "WITH")]


def accepted(expression: str, content_type: str) -> bool:
    """Whether MOT would accept ``expression`` for a component of ``content_type`` (see module notes)."""
    ids = _ids(expression)
    if not ids:
        return False
    level = level_of(expression)
    open_software = level.level in ("L0", "L1") and not any(i.startswith("licenseref-") for i in ids)
    if content_type == "code":
        return open_software
    if content_type == "data":
        return all(i in _DATA_LICENCES for i in ids) or open_software  # open weights: conditional pass
    return all(i in _DOC_LICENCES for i in ids) or open_software


def estimate_mof(present: Mapping[str, str]) -> MofEstimate:
    """The MOF class from ``present``: component name -> licence expression that covers it.

    A component missing from ``present`` is missing; one whose licence MOT would not accept for
    its content type is invalid. Classes are cumulative (III, then II, then I).
    """
    best = 0  # 0 = no class
    for cls in (3, 2, 1):
        needed = [(n, t) for n, t, c in MOF_COMPONENTS if c >= cls]
        if all(n in present and accepted(present[n], t) for n, t in needed):
            best = cls
        else:
            break
    if best == 1:
        return MofEstimate(mof_class="I", next_class="", missing=(), invalid=())
    target = 3 if best == 0 else best - 1
    needed = [(n, t) for n, t, c in MOF_COMPONENTS if c >= target]
    missing = tuple(n for n, _ in needed if n not in present)
    invalid = tuple(n for n, t in needed if n in present and not accepted(present[n], t))
    return MofEstimate(
        mof_class=_CLASS_NAMES.get(best, "none"), next_class=_CLASS_NAMES[target], missing=missing, invalid=invalid
    )


def level_properties(prefix: str, expression: str, declared: str) -> list[tuple[str, str]]:
    """``<prefix>:license-level`` and ``<prefix>:license-category`` (and the family) for one licence.

    Nothing for an unknown licence: several inputs may describe one component, and an unknown
    from one must not stand beside the known level from another (rules test the absence).
    """
    level = level_of(expression, declared)
    if level.level == "unknown":
        return []
    props = [(f"{prefix}:license-level", level.level), (f"{prefix}:license-category", level.category)]
    if family := family_of(expression, declared):
        props.append((f"{prefix}:license-family", family))
    return props
