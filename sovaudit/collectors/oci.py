"""Container images without a daemon: OCI image layouts (a folder or a tar of one) and ``docker save``.

What is read, and what it becomes:

* **The layout.** ``oci-layout`` + ``index.json`` + ``blobs/<alg>/<hex>`` (OCI image layout 1.0),
  in a folder or in a tar of one (``skopeo copy ... oci-archive:``, Docker 25+ ``docker save``,
  which also writes ``manifest.json``), or a classic ``docker save`` tar (``manifest.json`` with
  ``Config``/``RepoTags``/``Layers``, per-layer folders). Each top-level descriptor of
  ``index.json`` is an image (``org.opencontainers.image.ref.name`` names it); nested indexes are
  followed, and a multi-platform index gives the manifest of the collector's ``platform``
  (``linux/amd64`` style, default the host's); other platforms are recorded as skipped. Every blob
  read is checked against its digest: a mismatch is an error.
* **The image** becomes a ``container-image`` component identified by its purl,
  ``pkg:oci/<name>@<manifest digest>?arch=...&repository_url=<registry>/<path>`` (the config digest,
  Docker's image id, where an archive has no manifest), with ``oci:*`` properties: digest, image
  id, repository, tags, platform, ``created``, entrypoint, cmd, labels (``oci:label:<key>``; the
  ``org.opencontainers.image.*`` ones also fill supplier, licence, description). Accelerator
  environment variables (``CUDA_VERSION``, ``NVIDIA_*``, ``ROCM_*`` ...) become ``compute:requires``
  properties naming the KB entry of the hardware they need (``nvidia-gpu``, ``amd-instinct``), so
  the link stage can connect the image to the compute layer. The base image named by the
  ``org.opencontainers.image.base.name`` annotation gets a ``derived-from`` edge; a known registry
  becomes an operational ``registry`` component (``net:host``) the image is ``hosted-by``.
* **The file system.** The layers are indexed by :class:`sovaudit.image_fs.ImageFS` (streaming,
  bounded, whiteouts applied; nothing extracted) and the scan's walker runs every other collector
  over the merged tree, so dpkg, rpm, apk, Python, conda, Spack, module ... collectors report what
  the image holds, with evidence paths ``<input>@sha256:<digest>:/var/lib/dpkg/status``. The image
  ``contains`` each component they find. Encrypted layers and non-distributable layers absent from
  the layout are recorded as skipped (the view lacks them: ``oci:incomplete``); a layer that cannot
  be read (hostile, corrupt, not a tar) fails the file-system view, recorded, and the image
  metadata is still reported.
"""

from __future__ import annotations

import json
import os
import platform as host_platform
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from sovaudit.collectors.interface import Collector
from sovaudit.errors import InputError
from sovaudit.fs import Limits, TreePath
from sovaudit.image_fs import (
    DEFAULT_IMAGE_LIMITS,
    Blob,
    ImageFS,
    ImageLimits,
    ImageTreePath,
    LayerInput,
    index_outer_tar,
    open_input,
)
from sovaudit.model import Component, Edge, Evidence, InputRecord, InputStatus, Inventory, Layer, Relation, component_id

NAME = "oci-image"

#: Collectors never run inside an image: images inside images are not opened.
IMAGE_COLLECTORS = frozenset({"oci-image", "sif-image"})

_DIGEST = re.compile(r"^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$")
_INDEX_TYPES = frozenset(
    {
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    }
)
_MANIFEST_TYPES = frozenset(
    {
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    }
)
_CONFIG_TYPES = frozenset(
    {
        "application/vnd.oci.image.config.v1+json",
        "application/vnd.docker.container.image.v1+json",
    }
)
#: Most nested indexes followed from index.json, manifests listed in one index, layers in one image.
MAX_INDEX_DEPTH = 8
MAX_DESCRIPTORS = 10_000
MAX_LAYERS = 1_000
MAX_LABELS = 128
MAX_VALUE = 1024
#: First member names of a tar that is an image archive (OCI layout or docker save).
_ARCHIVE_FIRST = re.compile(
    r"^(?:\./)?(?:blobs(?:/|$)|oci-layout$|index\.json$|manifest\.json$|repositories$|[0-9a-f]{64}(?:/|\.json$|\.tar$|$))"
)
_REF_NAME = "org.opencontainers.image.ref.name"
_CONTAINERD_NAME = "io.containerd.image.name"
_ARCHES = {
    "x86_64": ("amd64", ""),
    "amd64": ("amd64", ""),
    "aarch64": ("arm64", ""),
    "arm64": ("arm64", ""),
    "armv7l": ("arm", "v7"),
    "armv6l": ("arm", "v6"),
    "i386": ("386", ""),
    "i686": ("386", ""),
    "ppc64le": ("ppc64le", ""),
    "s390x": ("s390x", ""),
    "riscv64": ("riscv64", ""),
}


# -- platforms --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Platform:
    """``os/architecture[/variant]`` as OCI indexes and ``--platform`` spell it."""

    os: str
    architecture: str
    variant: str = ""

    @classmethod
    def parse(cls, text: str) -> Platform:
        parts = [p.strip().lower() for p in text.split("/")]
        if len(parts) == 1:  # "arm64": Linux is implied
            parts = ["linux", *parts]
        if len(parts) not in (2, 3) or not all(parts):
            raise ValueError(f"{text!r} is not a platform (os/architecture[/variant], e.g. linux/amd64)")
        return cls(parts[0], parts[1], parts[2] if len(parts) == 3 else "")

    @classmethod
    def host(cls) -> Platform:
        arch, variant = _ARCHES.get(host_platform.machine().lower(), (host_platform.machine().lower(), ""))
        return cls("linux", arch, variant)

    @classmethod
    def of(cls, obj: Any) -> Platform | None:
        if not isinstance(obj, dict):
            return None
        os_, arch = obj.get("os"), obj.get("architecture")
        if not isinstance(os_, str) or not isinstance(arch, str):
            return None
        variant = obj.get("variant")
        return cls(os_.lower(), arch.lower(), variant.lower() if isinstance(variant, str) else "")

    def matches(self, other: Platform) -> bool:
        """Whether an image built for ``other`` is what ``self`` asks for (arm64's v8 is the default)."""
        if (self.os, self.architecture) != (other.os, other.architecture):
            return False
        if not self.variant or self.variant == other.variant:
            return True
        return self.architecture == "arm64" and {self.variant, other.variant} <= {"v8", ""}

    def __str__(self) -> str:
        return f"{self.os}/{self.architecture}" + (f"/{self.variant}" if self.variant else "")


# -- where blobs come from --------------------------------------------------------------------------
class _Source:
    """The files of a layout or archive, by name (``index.json``, ``blobs/sha256/<hex>``)."""

    display: str

    def blob(self, name: str) -> Blob | None:
        raise NotImplementedError

    def has(self, name: str) -> bool:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _DirSource(_Source):
    def __init__(self, root: TreePath) -> None:
        self.root = root
        self.display = root.display()
        self._fds: list[int] = []

    def _path(self, name: str) -> TreePath:
        p = self.root
        for part in name.split("/"):
            p = p / part
        return p

    def has(self, name: str) -> bool:
        return self._path(name).is_file()

    def blob(self, name: str) -> Blob | None:
        p = self._path(name)
        if not p.exists() and not p.is_link():
            return None
        fd, size = open_input(p)
        self._fds.append(fd)
        return Blob(fd, 0, size)

    def close(self) -> None:
        for fd in self._fds:
            os.close(fd)
        self._fds.clear()


class _TarSource(_Source):
    def __init__(self, path: TreePath, limits: ImageLimits) -> None:
        self.display = path.display()
        self.fd, size = open_input(path)
        try:
            self.members = index_outer_tar(self.fd, size, self.display, limits)
        except BaseException:
            os.close(self.fd)
            raise

    def has(self, name: str) -> bool:
        return name in self.members

    def blob(self, name: str) -> Blob | None:
        found = self.members.get(name)
        return Blob(self.fd, found[0], found[1]) if found is not None else None

    def close(self) -> None:
        os.close(self.fd)


@contextmanager
def _open_source(path: TreePath, limits: ImageLimits) -> Iterator[_Source]:
    source: _Source = _DirSource(path) if path.is_dir() else _TarSource(path, limits)
    try:
        yield source
    finally:
        source.close()


def _blob_name(digest: str, where: str) -> str:
    if not isinstance(digest, str) or not _DIGEST.match(digest):
        raise InputError(where, f"descriptor digest {str(digest)[:80]!r} is not a sha256/sha512 digest")
    alg, _, hex_ = digest.partition(":")
    return f"blobs/{alg}/{hex_}"


def _read_json(source: _Source, name: str, limits: ImageLimits, *, digest: str = "") -> Any:
    """A JSON document of the source, size-capped, its digest checked when known.

    A descriptor's ``size`` is not checked: the digest already proves the content (one real
    fixture, containers/image's nested-index layout, has a config descriptor one byte off).
    """
    import hashlib

    blob = source.blob(name)
    if blob is None:
        raise InputError(source.display, f"{name} is missing")
    if blob.size > limits.max_json_bytes:
        raise InputError(
            source.display, f"{name} is {blob.size:,} bytes, over the {limits.max_json_bytes:,}-byte limit"
        )
    data = blob.read_at(0, blob.size)
    if len(data) != blob.size:
        raise InputError(source.display, f"{name} could not be read whole")
    if digest:
        alg, _, expected = digest.partition(":")
        got = hashlib.new(alg, data).hexdigest()
        if got != expected:
            raise InputError(source.display, f"digest mismatch: {name} hashes to {alg}:{got}")
    try:
        return json.loads(data)
    except RecursionError:
        raise InputError(source.display, f"{name} is nested too deeply to read") from None
    except ValueError as err:
        raise InputError(source.display, f"{name} is not valid JSON ({err})") from err


# -- what an archive holds --------------------------------------------------------------------------
@dataclass(slots=True)
class _LayerRef:
    name: str  # in the source
    digest: str  # expected of the blob ("" when the format gives none)
    media_type: str


@dataclass(slots=True)
class _Image:
    pointer: str  # where it is listed ("index.json#/manifests/0")
    manifest_digest: str
    manifest: dict[str, Any]
    config_name: str
    config_digest: str
    layers: list[_LayerRef]
    refs: list[str] = field(default_factory=list)
    annotations: dict[str, str] = field(default_factory=dict)
    platform: Platform | None = None


@dataclass(slots=True)
class _Found:
    images: list[_Image] = field(default_factory=list)
    records: list[InputRecord] = field(default_factory=list)


def _obj(value: Any, what: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(where, f"{what} is not a JSON object")
    return value


def _str_dict(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in list(value.items())[:MAX_LABELS] if isinstance(v, str | int | float)}


def _descriptors(doc: dict[str, Any], key: str, what: str, where: str) -> list[dict[str, Any]]:
    items = doc.get(key)
    if not isinstance(items, list):
        raise InputError(where, f"{what} has no {key!r} list")
    if len(items) > MAX_DESCRIPTORS:
        raise InputError(where, f"{what} lists {len(items):,} {key}, over the limit of {MAX_DESCRIPTORS:,}")
    return [_obj(d, f"an entry of {what}'s {key}", where) for d in items]


class _Reader:
    """Finds the images of one source for one platform."""

    def __init__(self, source: _Source, want: Platform, limits: ImageLimits) -> None:
        self.source = source
        self.want = want
        self.limits = limits
        self.found = _Found()
        self.by_digest: dict[str, _Image] = {}

    def skip(self, pointer: str, reason: str) -> None:
        self.found.records.append(
            InputRecord(
                path=f"{self.source.display}#{pointer}", status=InputStatus.SKIPPED, collector=NAME, reason=reason
            )
        )

    # OCI layout ------------------------------------------------------------------------------------
    def layout(self) -> None:
        where = self.source.display
        marker = _read_json(self.source, "oci-layout", self.limits)
        version = marker.get("imageLayoutVersion") if isinstance(marker, dict) else None
        if not isinstance(version, str) or not version.startswith("1."):
            raise InputError(where, f"oci-layout: unsupported imageLayoutVersion {version!r}")
        index = _obj(_read_json(self.source, "index.json", self.limits), "index.json", where)
        for i, desc in enumerate(_descriptors(index, "manifests", "index.json", where)):
            ref = desc.get("annotations", {}).get(_REF_NAME) if isinstance(desc.get("annotations"), dict) else None
            self.descriptor(desc, f"index.json#/manifests/{i}", [str(ref)] if ref else [], 0, (), top=True)

    def descriptor(
        self, desc: dict[str, Any], pointer: str, refs: list[str], depth: int, chain: tuple[str, ...], *, top: bool
    ) -> None:
        where = self.source.display
        digest = desc.get("digest", "")
        name = _blob_name(digest, f"{where}#{pointer}")
        if digest in chain:
            raise InputError(where, f"{pointer}: index {digest} refers back to itself")
        if depth > MAX_INDEX_DEPTH:
            raise InputError(where, f"{pointer}: indexes nested deeper than {MAX_INDEX_DEPTH}")
        media = str(desc.get("mediaType", ""))  # a list or an object there is no media type
        plat = Platform.of(desc.get("platform"))
        annotations = _str_dict(desc.get("annotations"))
        if top and plat is not None and not self.want.matches(plat):
            self.skip(pointer, f"an image for {plat}; the platform asked for is {self.want}")
            return
        if media not in _INDEX_TYPES and media not in _MANIFEST_TYPES and not self.source.has(name):
            self.skip(pointer, f"{media or 'a descriptor'} whose blob is not in the layout")
            return
        doc = _obj(_read_json(self.source, name, self.limits, digest=digest), f"{name} ({pointer})", where)
        is_index = media in _INDEX_TYPES or (media not in _MANIFEST_TYPES and "manifests" in doc)
        if is_index:
            self.index(doc, digest, pointer, refs, depth, (*chain, digest))
            return
        self.manifest(doc, digest, pointer, refs, annotations, plat)

    def index(
        self, doc: dict[str, Any], digest: str, pointer: str, refs: list[str], depth: int, chain: tuple[str, ...]
    ) -> None:
        where = self.source.display
        children = _descriptors(doc, "manifests", f"index {digest}", where)
        matching: list[tuple[int, dict[str, Any]]] = []
        nested: list[tuple[int, dict[str, Any]]] = []
        others: list[str] = []
        for i, child in enumerate(children):
            plat = Platform.of(child.get("platform"))
            media = str(child.get("mediaType", ""))
            if plat is None:
                if media in _INDEX_TYPES:
                    nested.append((i, child))
                continue
            if plat.os == "unknown" or plat.architecture == "unknown":  # attestations (buildx)
                continue
            if self.want.matches(plat):
                matching.append((i, child))
            else:
                others.append(str(plat))
        if not matching and not nested:
            if others:
                self.skip(
                    pointer, f"no image for {self.want} in index {digest} (it has {', '.join(sorted(set(others)))})"
                )
            return
        for i, child in matching[:1] + nested:  # one manifest per platform (zstd twins come second)
            self.descriptor(child, f"{pointer}>{digest}#/manifests/{i}", refs, depth + 1, chain, top=False)

    def manifest(
        self,
        doc: dict[str, Any],
        digest: str,
        pointer: str,
        refs: list[str],
        annotations: dict[str, str],
        plat: Platform | None,
    ) -> None:
        where = self.source.display
        if doc.get("schemaVersion") == 1:
            raise InputError(where, f"{pointer}: a Docker schema 1 manifest; not supported")
        config = _obj(doc.get("config"), f"manifest {digest}'s config", where)
        config_media = str(config.get("mediaType", ""))
        artifact = doc.get("artifactType")
        if artifact or (config_media and config_media not in _CONFIG_TYPES):
            self.skip(pointer, f"an OCI artifact ({artifact or config_media}), not a container image")
            return
        config_digest = config.get("digest", "")
        layers = []
        for i, layer in enumerate(_descriptors(doc, "layers", f"manifest {digest}", where)):
            ldigest = layer.get("digest", "")
            layers.append(
                _LayerRef(
                    name=_blob_name(ldigest, f"{where}#{pointer}/layers/{i}"),
                    digest=ldigest,
                    media_type=str(layer.get("mediaType", "")),
                )
            )
        if len(layers) > MAX_LAYERS:
            raise InputError(where, f"{pointer}: {len(layers):,} layers, over the limit of {MAX_LAYERS:,}")
        existing = self.by_digest.get(digest)
        if existing is not None:
            existing.refs.extend(r for r in refs if r not in existing.refs)
            existing.annotations.update({k: v for k, v in annotations.items() if k not in existing.annotations})
            return
        image = _Image(
            pointer=pointer,
            manifest_digest=digest,
            manifest=doc,
            config_name=_blob_name(config_digest, f"{where}#{pointer}/config"),
            config_digest=config_digest,
            layers=layers,
            refs=list(refs),
            annotations={**annotations, **_str_dict(doc.get("annotations"))},
            platform=plat,
        )
        self.by_digest[digest] = image
        self.found.images.append(image)

    # docker save ----------------------------------------------------------------------------------
    def docker_archive(self) -> None:
        where = self.source.display
        entries = _read_json(self.source, "manifest.json", self.limits)
        if not isinstance(entries, list):
            raise InputError(where, "manifest.json is not a JSON list")
        if len(entries) > MAX_DESCRIPTORS:
            raise InputError(where, f"manifest.json lists {len(entries):,} images, over the limit")
        for i, entry in enumerate(entries):
            entry = _obj(entry, f"manifest.json entry {i}", where)
            config = entry.get("Config")
            layer_names = entry.get("Layers")
            if not isinstance(config, str) or not isinstance(layer_names, list):
                raise InputError(where, f"manifest.json entry {i} has no Config name and Layers list")
            tags = [str(t) for t in entry.get("RepoTags") or [] if isinstance(t, str)]
            config_name = _member_name(config, where)
            blob = self.source.blob(config_name)
            if blob is None:
                raise InputError(where, f"manifest.json entry {i}: config {config!r} is missing")
            stem = PurePosixPath(config_name).name.removesuffix(".json")
            config_digest = f"sha256:{stem}" if re.fullmatch(r"[a-f0-9]{64}", stem) else ""
            layers = []
            for name in layer_names:
                if not isinstance(name, str):
                    raise InputError(where, f"manifest.json entry {i}: a layer name is not a string")
                member = _member_name(name, where)
                m = re.search(r"(?:^|/)(?:sha256/)?([a-f0-9]{64})(?:\.tar)?$", member)
                layers.append(_LayerRef(name=member, digest=f"sha256:{m.group(1)}" if m else "", media_type=""))
            if len(layers) > MAX_LAYERS:
                raise InputError(where, f"manifest.json entry {i}: {len(layers):,} layers, over the limit")
            self.found.images.append(
                _Image(
                    pointer=f"manifest.json#/{i}",
                    manifest_digest="",
                    manifest={},
                    config_name=config_name,
                    config_digest=config_digest,
                    layers=layers,
                    refs=tags,
                )
            )


def _member_name(name: str, where: str) -> str:
    parts = []
    for p in name.split("/"):
        if p in ("", "."):
            continue
        if p == ".." or name.startswith("/"):
            raise InputError(where, f"manifest.json names {name!r}, outside the archive")
        parts.append(p)
    return "/".join(parts)


# -- components -------------------------------------------------------------------------------------
#: Environment variables -> (property, KB entry of the hardware they need or "").
_ENV_PROPERTIES = {
    "CUDA_VERSION": ("cuda:version", "nvidia-gpu"),
    "NVIDIA_REQUIRE_CUDA": ("nvidia:require-cuda", "nvidia-gpu"),
    "NVIDIA_VISIBLE_DEVICES": ("nvidia:visible-devices", "nvidia-gpu"),
    "NVIDIA_DRIVER_CAPABILITIES": ("nvidia:driver-capabilities", "nvidia-gpu"),
    "NV_CUDA_CUDART_VERSION": ("cuda:cudart-version", "nvidia-gpu"),
    "CUDNN_VERSION": ("cuda:cudnn-version", "nvidia-gpu"),
    "NV_CUDNN_VERSION": ("cuda:cudnn-version", "nvidia-gpu"),
    "NCCL_VERSION": ("cuda:nccl-version", "nvidia-gpu"),
    "ROCM_VERSION": ("rocm:version", "amd-instinct"),
    "ROCM_PATH": ("rocm:path", "amd-instinct"),
    "HIP_PLATFORM": ("rocm:hip-platform", ""),
    "HSA_OVERRIDE_GFX_VERSION": ("rocm:gfx-override", "amd-instinct"),
    "HABANA_VISIBLE_DEVICES": ("gaudi:visible-devices", "intel-gaudi"),
    "NEURON_RT_VISIBLE_CORES": ("neuron:visible-cores", "aws-trainium-inferentia"),
}
_ACCELERATOR_PREFIXES = (
    "CUDA_",
    "NVIDIA_",
    "NV_",
    "CUDNN_",
    "NCCL_",
    "ROCM_",
    "HIP_",
    "HSA_",
    "RCCL_",
    "MIOPEN_",
    "HABANA_",
    "NEURON_",
)


def accelerator_properties(env: Sequence[str]) -> list[tuple[str, str]]:
    """Properties for the accelerator-related variables of an environment (``KEY=value`` items).

    ``compute:requires`` names the KB entry of the hardware the image needs (``nvidia-gpu`` for a
    CUDA image, ``amd-instinct`` for ROCm); the variables themselves are kept as ``oci:env``. No
    other variable is kept: environments carry proxies, tokens and site paths.
    """
    props: list[tuple[str, str]] = []
    needs: set[str] = set()
    for item in env:
        key, sep, value = str(item).partition("=")
        key = key.strip()
        if not sep or not key.startswith(_ACCELERATOR_PREFIXES):
            continue
        value = value.strip()[:MAX_VALUE]
        props.append(("oci:env", f"{key}={value}"))
        known = _ENV_PROPERTIES.get(key)
        if known is None:
            continue
        prop, need = known
        props.append((prop, value))
        if key == "HIP_PLATFORM":
            need = "nvidia-gpu" if value.lower() in ("nvidia", "nvcc") else "amd-instinct"
        if key == "NVIDIA_VISIBLE_DEVICES" and value.lower() in ("void", "none", ""):
            need = ""
        if need:
            needs.add(need)
    props.extend(("compute:requires", n) for n in sorted(needs))
    return props


def registry_component(host: str, ev: Evidence) -> Component:
    """The registry (or package mirror) a reference points to: operational, matched by ``net:host``."""
    return Component(
        id=component_id(Layer.OPERATIONAL, "registry", host),
        layer=Layer.OPERATIONAL,
        kind="registry",
        name=host,
        properties=(("net:host", host),),
        evidence=(ev,),
    )


def image_reference(raw: str, ev: Evidence) -> tuple[list[Component], list[Edge], str]:
    """Components for an image reference (``nvcr.io/nvidia/pytorch:24.01-py3``, ``ubuntu@sha256:...``).

    The image (as Kubernetes manifests name it: ``pkg:docker/...``, so the same reference from a
    Dockerfile, a Kubernetes manifest or an annotation is one component), its registry and the
    ``hosted-by`` edge between them. Returns (components, edges, id of the image).
    """
    from sovaudit.collectors.kubernetes import image_component, parse_image

    raw = raw.strip()
    if re.fullmatch(r"sha256:[a-f0-9]{64}", raw):  # an image id only: no repository, no registry
        comp = Component(
            id=component_id(Layer.SOFTWARE, "container-image", raw),
            layer=Layer.SOFTWARE,
            kind="container-image",
            name=raw,
            properties=(("oci:image-id", raw),),
            evidence=(ev,),
        )
        return [comp], [], comp.id
    comp = image_component(raw, ev)
    comps = [comp]
    edges = []
    ref = parse_image(raw)
    if ref is not None:
        reg = registry_component(ref.registry, ev)
        comps.append(reg)
        edges.append(Edge(source=comp.id, target=reg.id, relation=Relation.HOSTED_BY, evidence=(ev,)))
    return comps, edges, comp.id


def _short_name(text: str) -> str:
    name = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._")
    return name or "image"


@dataclass(slots=True)
class _Identity:
    repository: str = ""  # registry/path
    registry: str = ""
    tags: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # full references as written


def _identity(image: _Image) -> _Identity:
    from sovaudit.collectors.kubernetes import parse_image

    out = _Identity()
    candidates = [image.annotations.get(_CONTAINERD_NAME, ""), *image.refs]
    for ref in candidates:
        if not ref:
            continue
        looks_full = "/" in ref or ":" in ref or "@" in ref
        parsed = parse_image(ref) if looks_full else None
        if parsed is not None:
            if not out.repository:
                out.repository, out.registry = parsed.repository, parsed.registry
            if parsed.tag and parsed.tag not in out.tags:
                out.tags.append(parsed.tag)
            if ref not in out.names:
                out.names.append(ref)
        elif re.fullmatch(r"[\w][\w.-]{0,127}", ref) and ref not in out.tags:
            out.tags.append(ref)
    return out


def image_component_of(
    image: _Image, config: dict[str, Any], source_display: str, stem: str, collector: str
) -> tuple[list[Component], list[Edge], Component]:
    """The image as a component, its base image and registry; (components, edges, the image)."""
    from packageurl import PackageURL

    from sovaudit.licenses import normalise

    ev = Evidence(path=source_display, collector=collector, pointer=image.pointer)
    ident = _identity(image)
    cfg = config.get("config") if isinstance(config.get("config"), dict) else {}
    assert isinstance(cfg, dict)
    labels = _str_dict(cfg.get("Labels"))
    arch = str(config.get("architecture", "") or "")
    os_ = str(config.get("os", "") or "")
    variant = str(config.get("variant", "") or "")
    digest = image.manifest_digest or image.config_digest
    name = ident.repository.rsplit("/", 1)[-1] if ident.repository else _short_name(stem)
    qualifiers = {}
    if arch:
        qualifiers["arch"] = arch
    if ident.repository:
        qualifiers["repository_url"] = ident.repository
    if len(ident.tags) == 1:
        qualifiers["tag"] = ident.tags[0]
    purl = PackageURL(type="oci", name=name, version=digest or None, qualifiers=qualifiers or None).to_string()
    props: list[tuple[str, str]] = []
    if image.manifest_digest:
        props.append(("oci:digest", image.manifest_digest))
    if image.config_digest:
        props.append(("oci:image-id", image.config_digest))
    if ident.repository:
        props += [("oci:repository", ident.repository), ("oci:registry", ident.registry)]
    props += [("oci:tag", t) for t in ident.tags]
    props += [("oci:reference", n) for n in ident.names]
    for key, value in (("oci:os", os_), ("oci:architecture", arch), ("oci:variant", variant)):
        if value:
            props.append((key, value))
    if isinstance(config.get("created"), str):
        props.append(("oci:created", config["created"]))
    for key, prop in (("Entrypoint", "oci:entrypoint"), ("Cmd", "oci:cmd")):
        command = cfg.get(key)
        if isinstance(command, list) and command:
            props.append((prop, json.dumps([str(v) for v in command])[:MAX_VALUE]))
    props.append(("oci:layers", str(len(image.layers))))
    for key, value in sorted(labels.items()):
        props.append((f"oci:label:{key}", value[:MAX_VALUE]))
    env = cfg.get("Env")
    props += accelerator_properties([str(e) for e in env] if isinstance(env, list) else [])
    licenses = declared = ""
    if labels.get("org.opencontainers.image.licenses"):
        licenses, declared = normalise(labels["org.opencontainers.image.licenses"])
    description = labels.get("org.opencontainers.image.description") or labels.get("org.opencontainers.image.title", "")
    comp = Component(
        id=purl,
        layer=Layer.SOFTWARE,
        kind="container-image",
        name=ident.repository or name,
        version=digest,
        purl=purl,
        licenses=licenses,
        license_declared=declared,
        supplier=labels.get("org.opencontainers.image.vendor", ""),
        author=labels.get("org.opencontainers.image.authors", ""),
        description=description[:MAX_VALUE],
        hashes=(("SHA-256", digest.partition(":")[2]),) if digest.startswith("sha256:") else (),
        properties=tuple(sorted(set(props))),
        evidence=(ev,),
    )
    comps: list[Component] = [comp]
    edges: list[Edge] = []
    if ident.registry:
        reg = registry_component(ident.registry, ev)
        comps.append(reg)
        edges.append(Edge(source=comp.id, target=reg.id, relation=Relation.HOSTED_BY, evidence=(ev,)))
    base = image.annotations.get("org.opencontainers.image.base.name") or labels.get(
        "org.opencontainers.image.base.name"
    )
    if base:
        base_digest = image.annotations.get("org.opencontainers.image.base.digest") or labels.get(
            "org.opencontainers.image.base.digest", ""
        )
        ref = base if "@" in base or not _DIGEST.match(base_digest or "") else f"{base}@{base_digest}"
        bcomps, bedges, base_id = image_reference(ref, ev)
        comps += bcomps
        edges += bedges
        edges.append(Edge(source=comp.id, target=base_id, relation=Relation.DERIVED_FROM, evidence=(ev,)))
    return comps, edges, comp


# -- the walk inside an image -----------------------------------------------------------------------
def walk_image(root: TreePath, collectors: Sequence[Collector]) -> tuple[list[Inventory], list[InputRecord], list[str]]:
    """Run the scan's walker over an image's tree: (inventories, input records, collector crashes)."""
    from sovaudit.pipeline import walk_tree

    return walk_tree(root, collectors)


def inner_collectors() -> list[Collector]:
    """Every registered collector that may run inside an image (not the image readers themselves)."""
    from sovaudit.pipeline import load_collectors

    return [c for c in load_collectors() if c.name not in IMAGE_COLLECTORS]


class OciImageCollector(Collector):
    """OCI image layouts (folder or tar) and docker-save archives: image metadata and its file system."""

    name = NAME
    description = "OCI image layouts (folder or tar) and docker save archives: the image and what its layers hold"
    claims_directories = True
    claims_files = True

    def __init__(
        self,
        *,
        platform: str | Platform | None = None,
        collectors: Sequence[Collector] | None = None,
        image_limits: ImageLimits = DEFAULT_IMAGE_LIMITS,  # the default follows the scan's policy (path.limits)
    ) -> None:
        if isinstance(platform, str):
            platform = Platform.parse(platform)
        self.platform = platform or Platform.host()
        self._collectors = list(collectors) if collectors is not None else None
        self.image_limits = image_limits

    def detect(self, path: TreePath) -> bool:
        if isinstance(path, ImageTreePath):
            return False
        if path.is_dir():
            return (path / "oci-layout").is_file() and (path / "index.json").is_file()
        return looks_like_image_archive(path.read_head(4096))

    def collect(self, path: TreePath) -> Inventory:
        collectors = self._collectors if self._collectors is not None else inner_collectors()
        components: list[Component] = []
        edges: list[Edge] = []
        records: list[InputRecord] = []
        image_limits = self._policy(path.limits)
        with _open_source(path, image_limits) as source:
            reader = _Reader(source, self.platform, image_limits)
            if source.has("index.json") and source.has("oci-layout"):
                reader.layout()
                if source.has("manifest.json"):  # Docker 25+: the tags are in manifest.json
                    _add_docker_tags(reader)
            elif source.has("manifest.json"):
                reader.docker_archive()
            else:
                raise InputError(path.display(), "is neither an OCI image layout nor a docker save archive")
            records += reader.found.records
            stem = re.sub(r"\.(?:tar|oci|docker)$", "", path.name) or "image"
            for image in reader.found.images:
                try:
                    c, e, r = self._image(source, image, stem, collectors, path.limits)
                except InputError as err:  # this image only; the others in the layout are still read
                    records.append(_failed(err.path, f"{image.pointer}: {err.reason}"))
                    continue
                components += c
                edges += e
                records += r
        return Inventory(components=tuple(components), edges=tuple(edges), inputs=tuple(records))

    def _policy(self, limits: Limits) -> ImageLimits:
        """The image limits this collector was given, or else the scan's policy."""
        return limits if self.image_limits is DEFAULT_IMAGE_LIMITS else self.image_limits

    def _image(
        self, source: _Source, image: _Image, stem: str, collectors: Sequence[Collector], limits: Limits
    ) -> tuple[list[Component], list[Edge], list[InputRecord]]:
        where = source.display
        digest = image.config_digest if image.config_name and _DIGEST.match(image.config_digest or "") else ""
        config = _obj(
            _read_json(source, image.config_name, self._policy(limits), digest=digest),
            f"config {image.config_name}",
            where,
        )
        if not image.config_digest:
            import hashlib

            blob = source.blob(image.config_name)
            assert blob is not None
            image.config_digest = "sha256:" + hashlib.sha256(blob.read_at(0, blob.size)).hexdigest()
        comps, edges, comp = image_component_of(image, config, where, stem, NAME)
        image_name = f"{where}@{image.manifest_digest or image.config_digest}"
        records: list[InputRecord] = []
        layers: list[LayerInput] = []
        incomplete = []
        diff_ids = config.get("rootfs", {}).get("diff_ids") if isinstance(config.get("rootfs"), dict) else None
        for i, layer in enumerate(image.layers):
            label = f"layer {i + 1} ({layer.digest or layer.name})"
            if "encrypted" in layer.media_type:
                incomplete.append(i + 1)
                records.append(_skipped(image_name, f"{label}: an encrypted layer ({layer.media_type}); not read"))
                continue
            blob = source.blob(layer.name)
            if blob is None:
                if "nondistributable" in layer.media_type or "foreign" in layer.media_type:
                    incomplete.append(i + 1)
                    records.append(_skipped(image_name, f"{label}: a non-distributable layer not in the archive"))
                    continue
                records.append(_failed(image_name, f"{label}: the blob is missing; the file system is not read"))
                return comps, edges, [*records, _read(image_name, len(comps))]
            expected = layer.digest
            if not image.manifest_digest and isinstance(diff_ids, list) and i < len(diff_ids):
                # docker save (classic): layers are uncompressed tars whose digest is the diff id
                expected = str(diff_ids[i]) if _DIGEST.match(str(diff_ids[i])) else expected
            layers.append(LayerInput(blob=blob, digest=expected, label=label))
        try:
            fs = ImageFS.build(image_name, layers, limits=limits, image_limits=self._policy(limits))
        except InputError as err:
            records.append(InputRecord(path=err.path, status=InputStatus.FAILED, collector=NAME, reason=err.reason))
            return comps, edges, [*records, _read(image_name, len(comps))]
        try:
            inventories, inner, crashes = walk_image(fs.tree(), collectors)
        finally:
            fs.close()
        records += inner
        seen = {c.id for c in comps}
        contained: set[str] = set()
        for inv in inventories:
            for c in inv.components:
                if c.id not in contained and c.id != comp.id:
                    contained.add(c.id)
                    edges.append(Edge(source=comp.id, target=c.id, relation=Relation.CONTAINS, evidence=c.evidence[:1]))
            comps += [c for c in inv.components if c.id not in seen]
            edges += inv.edges
        if incomplete:
            comps[0] = _with(comps[0], ("oci:incomplete", "layers " + ", ".join(map(str, incomplete)) + " not read"))
        del crashes  # already in the records as "internal error in collector ..."
        return comps, edges, [*records, _read(image_name, len(comps))]


def _with(c: Component, prop: tuple[str, str]) -> Component:
    from dataclasses import replace

    return replace(c, properties=tuple(sorted({*c.properties, prop})))


def _skipped(path: str, reason: str) -> InputRecord:
    return InputRecord(path=path, status=InputStatus.SKIPPED, collector=NAME, reason=reason)


def _failed(path: str, reason: str) -> InputRecord:
    return InputRecord(path=path, status=InputStatus.FAILED, collector=NAME, reason=reason)


def _read(path: str, n: int) -> InputRecord:
    return InputRecord(path=path, status=InputStatus.READ, collector=NAME, components=n)


def _add_docker_tags(reader: _Reader) -> None:
    """Docker 25+ archives: ``manifest.json`` names the tags of each config; add them to the images."""
    try:
        entries = _read_json(reader.source, "manifest.json", reader.limits)
    except InputError:
        return
    if not isinstance(entries, list):
        return
    by_config: dict[str, list[str]] = {}
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("Config"), str):
            m = re.search(r"([a-f0-9]{64})(?:\.json)?$", entry["Config"])
            if m:
                tags = [str(t) for t in entry.get("RepoTags") or [] if isinstance(t, str)]
                by_config.setdefault(f"sha256:{m.group(1)}", []).extend(tags)
    for image in reader.found.images:
        for tag in by_config.get(image.config_digest, []):
            if tag not in image.refs:
                image.refs.append(tag)


def looks_like_image_archive(head: bytes) -> bool:
    """Whether the first bytes of a file are a tar whose first member is an image-archive name."""
    pos = 0
    for _ in range(3):
        hdr = head[pos : pos + 512]
        if len(hdr) < 512 or hdr[257:262] != b"ustar":
            return False
        name = hdr[:100].split(b"\x00", 1)[0].decode("utf-8", errors="replace")
        if hdr[156:157] in (b"x", b"g", b"L"):  # an extension header: the member follows
            try:
                size = int(hdr[124:136].split(b"\x00", 1)[0].strip() or b"0", 8)
            except ValueError:
                return False
            pos += 512 + ((size + 511) & ~511)
            continue
        return _ARCHIVE_FIRST.match(name) is not None
    return False
