"""Apptainer/Singularity definition files and SIF images (read without apptainer).

**Definition files** (``*.def``, ``Apptainer``, ``Singularity`` ...): a header (``Bootstrap:``,
``From:``, ``Stage:``, ``OSVersion:``, ``MirrorURL:``, ``Include:``; keys case-insensitive, a
trailing ``# comment`` dropped) and ``%sections``; several header blocks make a multi-stage build.
Each stage is a ``build-stage`` component (``<file>#<stage>``; the last is final) with
``apptainer:*`` properties, ``%labels`` as ``apptainer:label:<key>`` and the accelerator variables
of ``%environment`` as ``compute:requires`` (as on images). The base:

* ``docker``/``oras`` (``From: ubuntu:22.04``, ``ghcr.io/...``): a ``container-image`` (the
  identity Kubernetes manifests and Dockerfiles give it) the stage is ``derived-from``, hosted by
  its registry (an operational ``registry`` with ``net:host``: ``docker.io`` for bare names);
* ``library``: ``library://...`` images of the Sylabs library (``cloud.sylabs.io``), ``shub``:
  Singularity Hub; ``localimage``/``docker-archive``/``docker-daemon``: a local image, no registry;
* ``yum``/``dnf``/``zypper``/``debootstrap``/``arch``/``busybox``: an OS bootstrapped from a
  package mirror: the ``MirrorURL`` host (``%{OSVERSION}`` substituted) is a ``package-repository``
  with ``net:host``, and ``Include:`` packages are declared packages.

Packages that ``%post`` and ``%appinstall <app>`` install (apt-get, dnf, apk, pip, conda, spack
... as in Dockerfiles) are declared components (``sovaudit:confidence=declared``) the stage
depends on; ``%files from <stage>`` is a build dependency on that stage.

**SIF images** are read by their header and descriptor table (``SIF_MAGIC`` at byte 32; 585-byte
little-endian descriptors): the embedded definition file (read as above, evidence ``#Def.FILE``),
``inspect-metadata.json`` (labels, environment), ``oci-config.json`` (Env, Cmd, Labels), JSON
labels, the partitions (type, file system, architecture), signatures, an SBOM and an OCI-SIF root
index are reported. The squashfs root file system is **not mounted**: its presence is a property
and a skipped input record, its packages are not listed. Only the header, the table and the small
metadata objects are read, however large the image.
"""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sovaudit.collectors.dockerfile import Install, _distro, install_component, installs
from sovaudit.collectors.interface import Collector
from sovaudit.collectors.oci import MAX_VALUE, accelerator_properties, image_reference, registry_component
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.image_fs import ImageTreePath, open_input
from sovaudit.model import Component, Edge, Evidence, InputRecord, InputStatus, Inventory, Layer, Relation, component_id

DEF_NAME = "apptainer-definition"
SIF_NAME = "sif-image"
MAX_DEF_BYTES = 1024 * 1024
_HEADER_KEY = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]*)\s*:\s*(.*?)\s*$")
_BOOTSTRAP = re.compile(rb"(?im)^[ \t]*bootstrap[ \t]*:[ \t]*\S")
_SECTION = re.compile(r"^%([A-Za-z]+)\b\s*(.*?)\s*$")
_DEF_FILE_NAME = re.compile(r"(?i)(?:\.def$|(?:^|[._-])(?:apptainer|singularity)(?:file)?(?:$|[._-]))")
_REGISTRY_BOOTSTRAPS = frozenset({"docker", "oras"})
_LOCAL_BOOTSTRAPS = frozenset({"localimage", "docker-archive", "docker-daemon", "oci", "oci-archive"})
_OS_BOOTSTRAPS = {"yum": "rpm", "dnf": "rpm", "zypper": "rpm", "debootstrap": "deb", "arch": "alpm", "busybox": ""}
_SYLABS_LIBRARY = "cloud.sylabs.io"
_SHUB = "singularity-hub.org"


# -- definition files -------------------------------------------------------------------------------
@dataclass(slots=True)
class DefStage:
    index: int
    line: int
    header: dict[str, str] = field(default_factory=dict)
    sections: list[tuple[str, str, int, str]] = field(default_factory=list)  # (name, argument, line, body)

    @property
    def name(self) -> str:
        return self.header.get("stage") or str(self.index)


def parse_definition(text: str) -> list[DefStage]:
    """The stages of a definition file, each with its header and sections."""
    stages: list[DefStage] = []
    current: DefStage | None = None
    section: tuple[str, str, int, list[str]] | None = None

    def close() -> None:
        nonlocal section
        if section is not None and current is not None:
            current.sections.append((section[0], section[1], section[2], "\n".join(section[3])))
        section = None

    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        m = _HEADER_KEY.match(line) if not raw.startswith((" ", "\t")) or section is None else None
        if m and m.group(1).lower() == "bootstrap":
            close()
            current = DefStage(index=len(stages), line=n)
            stages.append(current)
        if m and current is not None and section is None:
            current.header[m.group(1).lower()] = _drop_comment(m.group(2))
            continue
        sm = _SECTION.match(line)
        if sm and current is not None:
            close()
            section = (sm.group(1).lower(), _drop_comment(sm.group(2)), n, [])
            continue
        if section is not None:
            section[3].append(raw)
        elif current is None and line.strip() and not line.lstrip().startswith("#"):
            continue
    close()
    return stages


def _drop_comment(value: str) -> str:
    return re.sub(r"\s+#.*$", "", value).strip()


def _labels(body: str) -> list[tuple[str, str]]:
    out = []
    for line in body.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition(" ")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        out.append((key, value[:MAX_VALUE]))
    return out


def _environment(body: str) -> list[str]:
    out = []
    for line in body.splitlines():
        line = line.strip()
        line = line.removeprefix("export ").strip()
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            out.append(f"{key.strip()}={value.strip().strip(chr(34)).strip(chr(39))}")
    return out


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def definition_inventory(
    text: str, display: str, collector: str, *, pointer: str = "", final_id: str = ""
) -> Inventory:
    """Components and edges of a definition file (``final_id``: the image that the last stage is)."""
    stages = parse_definition(text)
    if not stages:
        raise InputError(display, "has no Bootstrap header; not an Apptainer/Singularity definition file")
    comps: dict[str, Component] = {}
    edges: list[Edge] = []
    by_name = {s.name.lower(): s for s in stages}
    ids: dict[int, str] = {}
    for s in stages:
        ids[s.index] = (
            final_id
            if (final_id and s is stages[-1])
            else component_id(Layer.SOFTWARE, "build-stage", f"{display}#{s.name}")
        )

    def ev(line: int) -> Evidence:
        return (
            Evidence(path=display, collector=collector, pointer=pointer)
            if pointer
            else Evidence(path=display, collector=collector, line=line)
        )

    def add(c: Component) -> None:
        comps.setdefault(c.id, c)

    for s in stages:
        sid = ids[s.index]
        sev = ev(s.line)
        h = s.header
        bootstrap = h.get("bootstrap", "").lower()
        source = h.get("from", "")
        props: list[tuple[str, str]] = [("apptainer:bootstrap", bootstrap), ("apptainer:stage", s.name)]
        for key in ("from", "osversion", "mirrorurl", "include", "library", "registry", "namespace"):
            if h.get(key):
                props.append((f"apptainer:{key}", h[key][:MAX_VALUE]))
        base_name = ""
        if bootstrap in _REGISTRY_BOOTSTRAPS and source:
            ref = re.sub(r"^(?:docker|oras)://", "", source)
            cs, es, image_id = image_reference(ref, sev)
            for c in cs:
                add(c)
            edges += es
            edges.append(Edge(source=sid, target=image_id, relation=Relation.DERIVED_FROM, evidence=(sev,)))
            base_name = ref
        elif bootstrap in ("library", "shub") and source:
            scheme, host = ("library", _SYLABS_LIBRARY) if bootstrap == "library" else ("shub", _SHUB)
            if bootstrap == "library" and h.get("library"):
                host = _host(h["library"]) or host
            ref = source if source.startswith(f"{scheme}://") else f"{scheme}://{source}"
            image = Component(
                id=component_id(Layer.SOFTWARE, "container-image", ref),
                layer=Layer.SOFTWARE,
                kind="container-image",
                name=ref,
                properties=(("oci:registry", host),),
                evidence=(sev,),
            )
            reg = registry_component(host, sev)
            add(image)
            add(reg)
            edges.append(Edge(source=image.id, target=reg.id, relation=Relation.HOSTED_BY, evidence=(sev,)))
            edges.append(Edge(source=sid, target=image.id, relation=Relation.DERIVED_FROM, evidence=(sev,)))
            base_name = source
        elif bootstrap in _LOCAL_BOOTSTRAPS and source:
            other = by_name.get(source.lower())
            if other is not None:  # "Bootstrap: localimage / From: <stage>" is not a thing, but be kind
                edges.append(Edge(source=sid, target=ids[other.index], relation=Relation.DERIVED_FROM, evidence=(sev,)))
            else:
                image = Component(
                    id=component_id(Layer.SOFTWARE, "container-image", f"{bootstrap}:{source}"),
                    layer=Layer.SOFTWARE,
                    kind="container-image",
                    name=source,
                    properties=(("apptainer:local", "true"),),
                    evidence=(sev,),
                )
                add(image)
                edges.append(Edge(source=sid, target=image.id, relation=Relation.DERIVED_FROM, evidence=(sev,)))
        elif bootstrap in _OS_BOOTSTRAPS:
            mirror = h.get("mirrorurl", "").replace("%{OSVERSION}", h.get("osversion", ""))
            host = _host(mirror)
            if host:
                repo = Component(
                    id=component_id(Layer.OPERATIONAL, "package-repository", host),
                    layer=Layer.OPERATIONAL,
                    kind="package-repository",
                    name=host,
                    properties=(("net:host", host),),
                    evidence=(sev,),
                )
                add(repo)
                edges.append(
                    Edge(source=sid, target=repo.id, relation=Relation.DEPENDS_ON, scopes=("build",), evidence=(sev,))
                )
            base_name = f"{bootstrap} {mirror} {h.get('osversion', '')}"
        labels: list[tuple[str, str]] = []
        env: list[str] = []
        apps: set[str] = set()
        wanted: list[tuple[Install, int, str]] = []
        ecosystem = _OS_BOOTSTRAPS.get(bootstrap, "")
        if ecosystem in ("rpm", "deb") and h.get("include"):
            for name in re.split(r"[\s,]+", h["include"]):
                if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.+_-]*", name):
                    wanted.append((Install(ecosystem, bootstrap, name), s.line, ""))
        for name, arg, line, body in s.sections:
            if name == "labels":
                labels += _labels(body)
            elif name == "applabels":
                labels += [(f"{arg}.{k}", v) for k, v in _labels(body)]
                apps.add(arg)
            elif name in ("environment", "appenv"):
                env += _environment(body)
                if arg:
                    apps.add(arg)
            elif name in ("post", "appinstall"):
                if arg:
                    apps.add(arg)
                wanted += [(inst, line, arg) for inst in installs(body)]
            elif name == "files" and arg.lower().startswith("from "):
                other = by_name.get(arg.split(None, 1)[1].strip().lower())
                fev = ev(line)
                if other is not None:
                    edges.append(
                        Edge(
                            source=sid,
                            target=ids[other.index],
                            relation=Relation.DEPENDS_ON,
                            scopes=("build",),
                            properties=(("apptainer:how", "files-from"),),
                            evidence=(fev,),
                        )
                    )
            elif name.startswith("app") and arg:
                apps.add(arg)
        props += [(f"apptainer:label:{k}", v) for k, v in labels]
        props += accelerator_properties(env)
        props += [("apptainer:app", a) for a in sorted(apps)]
        if s is stages[-1]:
            props.append(("apptainer:final", "true"))
        if not (final_id and s is stages[-1]):
            add(
                Component(
                    id=sid,
                    layer=Layer.SOFTWARE,
                    kind="build-stage",
                    name=f"{display}#{s.name}",
                    properties=tuple(sorted(set(props))),
                    evidence=(sev,),
                )
            )
        namespaces = _distro(base_name)
        scope = "run" if s is stages[-1] else "build"
        for inst, line, app in wanted:
            iev = ev(line)
            extra = [("apptainer:stage", s.name)] + ([("apptainer:app", app)] if app else [])
            comp = install_component(inst, namespaces, iev, extra)
            installer = {("apptainer:installer", inst.tool)}
            kept = {p for p in comp.properties if p[0] != "dockerfile:installer"}
            comp = replace(comp, properties=tuple(sorted(kept | installer)))
            add(comp)
            edges.append(
                Edge(source=sid, target=comp.id, relation=Relation.DEPENDS_ON, scopes=(scope,), evidence=(iev,))
            )
    return Inventory(components=tuple(comps.values()), edges=tuple(edges))


class ApptainerDefinitionCollector(Collector):
    """Apptainer/Singularity definition files: stages, base images, registries, mirrors, declared installs."""

    name = DEF_NAME
    description = "Apptainer/Singularity definition files: bootstrap sources, registries, %post installs"

    def detect(self, path: TreePath) -> bool:
        if not _DEF_FILE_NAME.search(path.name) or path.name.lower().endswith((".md", ".txt", ".py", ".sif")):
            return False
        head = path.read_head(16 * 1024)
        return _BOOTSTRAP.search(head) is not None

    def collect(self, path: TreePath) -> Inventory:
        text = path.read_text(limit=min(path.limits.max_file_bytes, MAX_DEF_BYTES))
        return definition_inventory(text, path.display(), DEF_NAME)


# -- SIF --------------------------------------------------------------------------------------------
SIF_MAGIC = b"SIF_MAGIC\x00"
_HEADER = struct.Struct("<8q")  # ctime, mtime, free, total, descr offset, descr length, data offset, length
_DESCRIPTOR = struct.Struct("<i?IIIqqqqqqq128s384s")
_ARCHES = {
    "00": "unknown",
    "01": "386",
    "02": "amd64",
    "03": "arm",
    "04": "arm64",
    "05": "ppc64",
    "06": "ppc64le",
    "07": "mips",
    "08": "mipsle",
    "09": "mips64",
    "10": "mips64le",
    "11": "s390x",
    "12": "riscv64",
}
_TYPES = {
    0x4001: "Def.FILE",
    0x4002: "Env.Vars",
    0x4003: "JSON.Labels",
    0x4004: "FS",
    0x4005: "Signature",
    0x4006: "JSON.Generic",
    0x4007: "Generic/Raw",
    0x4008: "Cryptographic Message",
    0x4009: "SBOM",
    0x400A: "OCI.RootIndex",
    0x400B: "OCI.Blob",
}
_FS_TYPES = {1: "squashfs", 2: "ext3", 3: "archive", 4: "raw", 5: "encrypted squashfs"}
_PART_TYPES = {1: "system", 2: "primary system", 3: "data", 4: "overlay"}
_HASHES = {1: "SHA256", 2: "SHA384", 3: "SHA512", 4: "BLAKE2S", 5: "BLAKE2B"}
_SBOM_FORMATS = {
    1: "cyclonedx-json",
    2: "cyclonedx-xml",
    3: "github-json",
    4: "spdx-json",
    5: "spdx-rdf",
    6: "spdx-tag-value",
    7: "spdx-yaml",
    8: "syft-json",
}
MAX_DESCRIPTORS = 4096
MAX_OBJECT = 1024 * 1024


@dataclass(slots=True)
class SifDescriptor:
    datatype: int
    id: int
    group: int
    link: int
    offset: int
    size: int
    name: str
    extra: bytes

    @property
    def type_name(self) -> str:
        return _TYPES.get(self.datatype, f"0x{self.datatype:x}")


def _created(ctime: int) -> str:
    """The header's creation time in ISO 8601; "" when it is no date (a corrupt or hostile header)."""
    try:
        return datetime.fromtimestamp(ctime, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError, OSError):
        return ""


def sif_header(head: bytes, display: str) -> dict[str, Any]:
    if len(head) < 128 or head[32:42] != SIF_MAGIC:
        raise InputError(display, "is not a SIF image (no SIF_MAGIC at byte 32)")
    ctime, mtime, free, total, doff, dlen, data_off, data_len = _HEADER.unpack_from(head, 64)
    uuid = head[48:64].hex()
    return {
        "version": head[42:45].rstrip(b"\x00").decode("ascii", errors="replace"),
        "arch": _ARCHES.get(head[45:48].rstrip(b"\x00").decode("ascii", errors="replace"), "unknown"),
        "uuid": f"{uuid[:8]}-{uuid[8:12]}-{uuid[12:16]}-{uuid[16:20]}-{uuid[20:]}",
        "ctime": ctime,
        "mtime": mtime,
        "free": free,
        "total": total,
        "descr_offset": doff,
        "descr_length": dlen,
        "data_offset": data_off,
        "data_length": data_len,
    }


class SifCollector(Collector):
    """SIF images: header, descriptors, the embedded definition and metadata; the squashfs is not mounted."""

    name = SIF_NAME
    description = "SIF images (Apptainer/Singularity): header, descriptors, definition and labels; squashfs not mounted"

    def detect(self, path: TreePath) -> bool:
        if isinstance(path, ImageTreePath):
            return False
        return path.read_head(42)[32:42] == SIF_MAGIC

    def collect(self, path: TreePath) -> Inventory:
        import os

        display = path.display()
        fd, size = open_input(path)
        try:
            return self._collect(fd, size, display, path.name)
        finally:
            os.close(fd)

    def _collect(self, fd: int, size: int, display: str, file_name: str) -> Inventory:
        import os

        def read(offset: int, n: int) -> bytes:
            return os.pread(fd, n, offset) if offset < size else b""

        header = sif_header(read(0, 128), display)
        total, doff = header["total"], header["descr_offset"]
        if not 0 <= total <= MAX_DESCRIPTORS:
            raise InputError(display, f"SIF header: {total} descriptors (the limit is {MAX_DESCRIPTORS})")
        table = read(doff, total * _DESCRIPTOR.size) if doff >= 0 else b""
        if len(table) < total * _DESCRIPTOR.size:
            raise InputError(display, "is truncated inside its SIF descriptor table")
        descriptors = []
        for i in range(total):
            dt, used, id_, group, link, off, dsize, _pad, _c, _m, _u, _g, name, extra = _DESCRIPTOR.unpack_from(
                table, i * _DESCRIPTOR.size
            )
            if used:
                descriptors.append(
                    SifDescriptor(
                        dt, id_, group, link, off, dsize, name.rstrip(b"\x00").decode("utf-8", errors="replace"), extra
                    )
                )
        stem = re.sub(r"\.sif$", "", file_name) or "image"
        image_id = component_id(Layer.SOFTWARE, "container-image", stem, header["uuid"])
        props: list[tuple[str, str]] = [
            ("sif:uuid", header["uuid"]),
            ("sif:version", header["version"]),
            ("sif:arch", header["arch"]),
            ("sif:created", _created(header["ctime"])),
        ]
        records: list[InputRecord] = []
        comps: list[Component] = []
        edges: list[Edge] = []
        labels: dict[str, str] = {}
        env: list[str] = []
        truncated = False
        for d in descriptors:
            where = f"{display}#{d.type_name}" + (f":{d.name}" if d.name and d.name != "." else "") + f"(id {d.id})"
            past_end = d.offset < 0 or d.size < 0 or d.offset + d.size > size
            truncated |= past_end
            if d.datatype == 0x4004:
                fstype, parttype = struct.unpack_from("<ii", d.extra)
                arch = _ARCHES.get(d.extra[8:11].rstrip(b"\x00").decode("ascii", errors="replace"), "unknown")
                fs = _FS_TYPES.get(fstype, f"type {fstype}")
                props.append(
                    ("sif:partition", f"{fs}, {_PART_TYPES.get(parttype, parttype)}, {arch}, {d.size:,} bytes")
                )
                records.append(
                    InputRecord(
                        path=where,
                        status=InputStatus.SKIPPED,
                        collector=SIF_NAME,
                        reason=f"a {fs} partition: not mounted; the packages inside are not listed",
                    )
                )
                continue
            if d.datatype == 0x4005:
                hashtype = struct.unpack_from("<i", d.extra)[0]
                props.append(("sif:signature", f"{_HASHES.get(hashtype, hashtype)} {d.extra[4:24].hex()}"))
                continue
            if d.datatype == 0x4009:
                props.append(("sif:sbom", _SBOM_FORMATS.get(struct.unpack_from("<i", d.extra)[0], "unknown format")))
                continue
            if d.datatype == 0x400A:
                props.append(("sif:oci-sif", "true"))
                records.append(
                    InputRecord(
                        path=where,
                        status=InputStatus.SKIPPED,
                        collector=SIF_NAME,
                        reason="an OCI-SIF root index: the OCI blobs inside are not read",
                    )
                )
                continue
            if d.datatype not in (0x4001, 0x4003, 0x4006):
                continue
            if past_end:
                records.append(
                    InputRecord(
                        path=where,
                        status=InputStatus.FAILED,
                        collector=SIF_NAME,
                        reason="extends past the end of the file (a truncated image?)",
                    )
                )
                continue
            if d.size > MAX_OBJECT:
                records.append(
                    InputRecord(
                        path=where,
                        status=InputStatus.FAILED,
                        collector=SIF_NAME,
                        reason=f"is {d.size:,} bytes, over the {MAX_OBJECT:,}-byte limit",
                    )
                )
                continue
            data = read(d.offset, d.size)
            if d.datatype == 0x4001:
                try:
                    inv = definition_inventory(
                        data.decode("utf-8", errors="replace"), display, SIF_NAME, pointer="Def.FILE", final_id=image_id
                    )
                except InputError as err:
                    records.append(
                        InputRecord(path=where, status=InputStatus.FAILED, collector=SIF_NAME, reason=err.reason)
                    )
                    continue
                comps += inv.components
                edges += inv.edges
                continue
            try:
                doc = json.loads(data)
            except (ValueError, RecursionError) as err:
                records.append(
                    InputRecord(
                        path=where,
                        status=InputStatus.FAILED,
                        collector=SIF_NAME,
                        reason=f"is not valid JSON ({type(err).__name__})",
                    )
                )
                continue
            if not isinstance(doc, dict):
                continue
            if d.datatype == 0x4003:
                labels.update({str(k): str(v) for k, v in doc.items() if isinstance(v, str | int | float)})
            elif d.name == "inspect-metadata.json":
                attrs = doc.get("data", {}).get("attributes", {}) if isinstance(doc.get("data"), dict) else {}
                if isinstance(attrs, dict):
                    if isinstance(attrs.get("labels"), dict):
                        labels.update({str(k): str(v) for k, v in attrs["labels"].items() if isinstance(v, str)})
                    if isinstance(attrs.get("environment"), dict):
                        for script in attrs["environment"].values():
                            if isinstance(script, str):
                                env += _environment(
                                    "\n".join(
                                        line for line in script.splitlines() if line.strip().startswith("export ")
                                    )
                                )
            elif d.name == "oci-config.json":
                if isinstance(doc.get("Env"), list):
                    env += [str(e) for e in doc["Env"]]
                if isinstance(doc.get("Labels"), dict):
                    labels.update({str(k): str(v) for k, v in doc["Labels"].items() if isinstance(v, str)})
                for key in ("Entrypoint", "Cmd"):
                    if isinstance(doc.get(key), list) and doc[key]:
                        props.append((f"oci:{key.lower()}", json.dumps([str(v) for v in doc[key]])[:MAX_VALUE]))
        if truncated:
            props.append(("sif:truncated", "true"))
        props += [(f"sif:label:{k}", v[:MAX_VALUE]) for k, v in sorted(labels.items())[:128]]
        props += accelerator_properties(env)
        image = Component(
            id=image_id,
            layer=Layer.SOFTWARE,
            kind="container-image",
            name=stem,
            version=header["uuid"],
            properties=tuple(sorted(set(props))),
            evidence=(Evidence(path=display, collector=SIF_NAME, pointer="header"),),
        )
        records.append(
            InputRecord(path=display, status=InputStatus.READ, collector=SIF_NAME, components=1 + len(comps))
        )
        return Inventory(components=(image, *comps), edges=tuple(edges), inputs=tuple(records))
