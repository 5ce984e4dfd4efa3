"""The link stage: edges between what different inputs say about the same things.

Each collector sees one input; this stage runs on the merged graph and connects components that
several inputs describe in their own terms. Links made after every scan (:func:`link`):

* **a module to the package it loads** — an Lmod/Tcl module whose install prefix carries a Spack
  DAG hash depends on that Spack build; an EasyBuild-generated module on the easyconfig build of
  the same full module name; otherwise a module and a Spack build of the same name and version.
* **a CPU target to the CPUs that can run it** — Spack's ``compute/cpu-target/zen3`` runs on every
  CPU (lscpu, /proc/cpuinfo, slurm.conf) whose microarchitecture is zen3 or a descendant of it
  (archspec's table), so the blast radius of a CPU reaches what was built for it.
* **a model to the library it is built for** — a model card's ``library_name`` (transformers,
  vllm, diffusers ...) becomes a ``built-with`` edge to that library in the scanned environment,
  so the model's lock-in reaches down through the framework to the accelerator runtime.
* **a model to the framework its weights are for** — a safetensors header written by PyTorch
  (``format: pt``), pickled PyTorch checkpoints or the Hub's framework tag (``pytorch``, ``tf``,
  ``jax`` ...) make the model ``built-with`` that framework where the stack has it. The model's own
  artefacts say which backend runs it; the library's optional extras (transformers requires torch
  only under ``[torch]``) cannot, since an installed environment does not record which extras were
  asked for.
* **an image reference to the scanned image** — a Dockerfile's ``FROM``, a Kubernetes container's
  ``image`` or an image's base annotation (``pkg:docker/...``, one component per reference) to the
  image scanned from a layout or archive (``pkg:oci/...``) that it names: by digest (the manifest
  digest or the image id; a digest names one image whatever the repository, so a mirror matches
  too), else by repository and tag (``latest`` when a reference has neither), and then only when
  exactly one scanned image carries that tag. The edge is ``depends-on`` from the reference to the
  image (``sovaudit:link=image-reference:digest|tag``), so what the image contains is in the blast
  radius of what deploys or builds on it; ``same-as`` would not be, as it is no dependency.
  A reference no scanned image matches stays as it is, unlinked.
* **a Slurm GPU type to the GPUs a capture describes** — ``gpu:a100`` from gres.conf/slurm.conf and
  ``NVIDIA A100-SXM4-80GB`` from nvidia-smi are one hardware: ``same-as``, by Slurm's own rule for
  ``AutoDetect`` (a gres ``Type`` names a device when it is a case-insensitive substring of the
  device name with spaces turned into underscores).
* **same software, several managers** — openmpi built by Spack and installed by dpkg, numpy in a
  conda env's ``conda-meta`` and in its site-packages, python from conda and from a module. They
  are different components (different ids, evidence, often versions), and they are not silently
  merged into one guess: they get a ``same-as`` edge carrying both evidences, and the property
  ``sovaudit:version-match`` says whether the versions agree.

Matching is on a normalised name within the software layer, across *different* managers only
(the purl type, or the component kind for things without a purl such as modules); unresolved
placeholders are never linked. The rule is linear in the number of components.

A link made when auditing (it needs the knowledge base), :func:`requirements`:

* **what a component needs to run** — the KB says a CUDA runtime requires NVIDIA GPUs, a ROCm
  build AMD ones: each such component ``runs-on`` a requirement hub, which ``runs-on`` every
  accelerator in the compute layer that is that hardware; when the stack shows none, the hub is
  an unresolved placeholder named after the requirement, never dropped. Only requirements on
  compute-layer entries (hardware) are linked; the KB's ``requires`` is followed through software
  entries (cuDNN requires CUDA, which requires NVIDIA GPUs: cuDNN runs on the GPU hub too,
  :meth:`sovaudit.knowledge.KnowledgeBase.needs`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping

from sovaudit.model import Component, Edge, Layer, Relation, component_id

_SEPARATORS = re.compile(r"[-_.]+")

#: Names one manager spells differently from another (the rest of the knowledge lives in the KB).
_ALIASES = {
    "pytorch": "torch",
    "python3": "python",
    "openmpi-bin": "openmpi",
    "libopenmpi-dev": "openmpi",
    "mpich-bin": "mpich",
}

#: Above this many members in one name group, link each to the first of every other manager only.
_PAIRWISE_LIMIT = 16


def manager(c: Component) -> str:
    """Which package manager (or tool) described this component."""
    if c.purl.startswith("pkg:"):
        return c.purl[4:].split("/", 1)[0].lower()
    return c.kind


def software_name(c: Component) -> str:
    """A name comparable across managers: Debian binaries by their source package, Spack's ``py-``
    Python packages by the project name, separators unified."""
    name = c.prop("deb:source") or c.name
    key = _SEPARATORS.sub("-", name.strip().lower())
    if key.startswith("py-") and c.purl.startswith("pkg:spack/"):
        key = key[3:]
    return _ALIASES.get(key, key)


_DEB_REVISION = re.compile(r"^(?:[0-9]+:)?(?P<upstream>.+?)(?:-[^-]*)?$")


def upstream_version(c: Component) -> str:
    """The upstream version: Debian and RPM epochs and packaging revisions cut off (1:4.1.4-3+b1 -> 4.1.4)."""
    if c.purl.startswith(("pkg:deb/", "pkg:rpm/")):
        m = _DEB_REVISION.match(c.version)
        return m.group("upstream") if m else c.version
    return c.version


def version_match(a: Component, b: Component) -> str:
    if not a.version or not b.version:
        return "unknown"
    return "true" if upstream_version(a) == upstream_version(b) else "false"


def same_software(components: Iterable[Component]) -> list[Edge]:
    """``same-as`` edges between components of one software under different managers."""
    groups: dict[str, list[Component]] = defaultdict(list)
    for c in components:
        if c.layer is Layer.SOFTWARE and not c.unresolved and c.name:
            groups[software_name(c)].append(c)
    edges: list[Edge] = []
    for name in sorted(groups):
        members = sorted(groups[name], key=lambda c: c.id)
        by_manager: dict[str, list[Component]] = defaultdict(list)
        for c in members:
            by_manager[manager(c)].append(c)
        if len(by_manager) < 2:
            continue
        managers = sorted(by_manager)
        for i, ma in enumerate(managers):
            for mb in managers[i + 1 :]:
                pairs = (
                    [(a, b) for a in by_manager[ma] for b in by_manager[mb]]
                    if len(members) <= _PAIRWISE_LIMIT
                    else [(a, by_manager[mb][0]) for a in by_manager[ma]]
                )
                for a, b in pairs:
                    edges.append(
                        Edge(
                            source=a.id,
                            target=b.id,
                            relation=Relation.SAME_AS,
                            properties=(
                                ("sovaudit:link", "same-software"),
                                ("sovaudit:version-match", version_match(a, b)),
                            ),
                            evidence=tuple(sorted(set(a.evidence) | set(b.evidence))),
                        )
                    )
    return edges


def _link_edge(source: Component, target: Component, relation: Relation, how: str) -> Edge:
    return Edge(
        source=source.id,
        target=target.id,
        relation=relation,
        properties=(("sovaudit:link", how),),
        evidence=tuple(sorted(set(source.evidence) | set(target.evidence))),
    )


_SPACK_HASH_QUALIFIER = re.compile(r"[?&]hash=([a-z0-9]+)")


def modules_to_packages(components: Iterable[Component]) -> list[Edge]:
    """Edges from modules to the Spack or EasyBuild builds they load."""
    by_hash: dict[str, Component] = {}
    spack_by_name_version: dict[tuple[str, str], list[Component]] = defaultdict(list)
    easybuild_by_module: dict[str, Component] = {}
    modules: list[Component] = []
    for c in components:
        if c.unresolved:
            continue
        if c.kind == "module":
            modules.append(c)
        elif c.purl.startswith("pkg:spack/"):
            m = _SPACK_HASH_QUALIFIER.search(c.purl)
            if m:
                by_hash[m.group(1)] = c
            spack_by_name_version[(c.name.lower(), c.version)].append(c)
        elif c.purl.startswith("pkg:easybuild/") and c.prop("easybuild:module"):
            easybuild_by_module.setdefault(c.prop("easybuild:module").lower(), c)
    hashes = sorted(by_hash)
    edges = []
    for mod in modules:
        target: Component | None = None
        how = ""
        wanted = mod.prop("module:spack-hash").lower()
        if wanted:
            # Module prefixes often carry only the first 7+ characters of the DAG hash.
            from bisect import bisect_left

            i = bisect_left(hashes, wanted)
            if i < len(hashes) and hashes[i].startswith(wanted):
                target, how = by_hash[hashes[i]], "module-loads:spack-hash"
        if target is None:
            full = f"{mod.name}/{mod.version}".lower()
            if full in easybuild_by_module:
                target, how = easybuild_by_module[full], "module-loads:easybuild-module"
        if target is None:
            short = mod.name.rsplit("/", 1)[-1].lower()
            same = spack_by_name_version.get((short, mod.version), [])
            if len(same) == 1:
                target, how = same[0], "module-loads:name-version"
        if target is not None:
            edges.append(_link_edge(mod, target, Relation.DEPENDS_ON, how))
    return edges


def targets_to_cpus(components: Iterable[Component]) -> list[Edge]:
    """Edges from CPU targets (Spack) to the CPUs (hardware descriptions) that can run them."""
    targets = []
    cpus = []
    for c in components:
        if c.layer is not Layer.COMPUTE or c.unresolved:
            continue
        if c.kind == "cpu-target":
            targets.append(c)
        elif c.kind in ("cpu", "node-group") and c.prop("cpu:microarchitecture"):
            cpus.append(c)
    if not targets or not cpus:
        return []
    import archspec.cpu

    table = archspec.cpu.TARGETS
    edges = []
    for t in targets:
        wanted = table.get(t.name)
        if wanted is None:
            continue
        for cpu in cpus:
            have = table.get(cpu.prop("cpu:microarchitecture"))
            if have is not None and (have == wanted or wanted in have.ancestors):
                edges.append(_link_edge(t, cpu, Relation.RUNS_ON, "target-runs-on-cpu"))
    return edges


def models_to_libraries(components: Iterable[Component]) -> list[Edge]:
    """A model card's ``library_name`` (transformers, vllm ...) to that library where the stack has it."""
    by_name: dict[str, list[Component]] = defaultdict(list)
    models = []
    for c in components:
        if c.unresolved:
            continue
        if c.layer is Layer.MODEL and c.prop("hf:library-name"):
            models.append(c)
        elif c.layer is Layer.SOFTWARE and c.kind == "package":
            by_name[software_name(c)].append(c)
    edges: list[Edge] = []
    for m in models:
        wanted = _SEPARATORS.sub("-", m.prop("hf:library-name").strip().lower())
        edges.extend(_link_edge(m, lib, Relation.BUILT_WITH, "model-library") for lib in by_name.get(wanted, ()))
    return edges


#: What a model's artefacts say about the framework that runs it -> that framework's package name.
_SAFETENSORS_FORMATS = {"pt": "torch", "tf": "tensorflow", "flax": "flax", "mlx": "mlx"}
_HUB_FRAMEWORK_TAGS = {"pytorch": "torch", "tf": "tensorflow", "tensorflow": "tensorflow", "jax": "jax", "mlx": "mlx"}


def model_frameworks(c: Component) -> list[tuple[str, str]]:
    """(framework package name, the signal that names it) for a model, from its weights and card."""
    found: dict[str, str] = {}
    fmt = c.prop("safetensors:metadata.format").strip().lower()
    if fmt in _SAFETENSORS_FORMATS:
        found.setdefault(_SAFETENSORS_FORMATS[fmt], "safetensors-format")
    if "pytorch-pickle" in c.prop("model:weight-format").split(","):
        found.setdefault("torch", "pickle-weights")
    for tag in c.prop("hf:tags").split(","):
        name = _HUB_FRAMEWORK_TAGS.get(tag.strip().lower())
        if name:
            found.setdefault(name, "hub-tag")
    return sorted(found.items())


def models_to_frameworks(components: Iterable[Component]) -> list[Edge]:
    """A model to the ML framework its weights are for (torch for a PyTorch checkpoint), where the stack has it."""
    by_name: dict[str, list[Component]] = defaultdict(list)
    models: list[tuple[Component, list[tuple[str, str]]]] = []
    for c in components:
        if c.unresolved:
            continue
        if c.layer is Layer.MODEL and (wanted := model_frameworks(c)):
            models.append((c, wanted))
        elif c.layer is Layer.SOFTWARE and c.kind == "package":
            by_name[software_name(c)].append(c)
    return [
        _link_edge(m, lib, Relation.BUILT_WITH, f"model-framework:{signal}")
        for m, wanted in models
        for name, signal in wanted
        for lib in by_name.get(name, ())
    ]


def _all(c: Component, key: str) -> list[str]:
    return [v for k, v in c.properties if k == key and v]


def references_to_images(components: Iterable[Component]) -> list[Edge]:
    """Image references (Dockerfile FROM, Kubernetes image, base annotation) to the scanned images they name."""
    by_digest: dict[str, list[Component]] = defaultdict(list)
    by_tag: dict[tuple[str, str], list[Component]] = defaultdict(list)
    refs: list[Component] = []
    for c in components:
        if c.kind != "container-image" or c.unresolved:
            continue
        if c.purl.startswith("pkg:oci/"):
            for digest in {*_all(c, "oci:digest"), *_all(c, "oci:image-id")}:
                by_digest[digest].append(c)
            repository = c.prop("oci:repository")
            for tag in _all(c, "oci:tag") if repository else ():
                by_tag[(repository, tag)].append(c)
        elif c.purl.startswith("pkg:docker/") or (not c.purl and c.prop("oci:image-id")):
            refs.append(c)
    edges: list[Edge] = []
    for ref in refs:
        digest = ref.prop("oci:digest") or ref.prop("oci:image-id")
        if digest:
            targets, how = by_digest.get(digest, []), "image-reference:digest"
        else:
            tagged = by_tag.get((ref.prop("oci:repository"), ref.prop("oci:tag") or "latest"), [])
            targets, how = (tagged if len(tagged) == 1 else []), "image-reference:tag"
        edges.extend(_link_edge(ref, image, Relation.DEPENDS_ON, how) for image in targets if image.id != ref.id)
    return edges


#: A typed GPU GRES label (``gpu:a100``); an untyped ``gpu`` names no model.
_GRES_GPU = re.compile(r"^gpu:([^:]*[a-z][^:]*)$")


def gres_to_devices(components: Iterable[Component]) -> list[Edge]:
    """Slurm GPU types (``gpu:a100``) to the accelerators captures name (``NVIDIA A100-SXM4-80GB``): same-as."""
    types: list[tuple[Component, str]] = []
    devices: list[tuple[Component, str]] = []
    for c in components:
        if c.layer is not Layer.COMPUTE or c.kind != "accelerator" or c.unresolved:
            continue
        m = _GRES_GPU.match(c.prop("slurm:gres").lower())
        if m:
            types.append((c, m.group(1)))
        elif not c.prop("slurm:gres") and c.name:
            devices.append((c, c.name.lower().replace(" ", "_")))
    return [
        Edge(
            source=gres.id,
            target=device.id,
            relation=Relation.SAME_AS,
            properties=(("sovaudit:link", "gres-type-in-device-name"),),
            evidence=tuple(sorted(set(gres.evidence) | set(device.evidence))),
        )
        for gres, gpu_type in types
        for device, device_name in devices
        if gpu_type in device_name
    ]


def link(components: Iterable[Component]) -> list[Edge]:
    """Every scan-time link over the merged components."""
    comps = list(components)
    return [
        *modules_to_packages(comps),
        *targets_to_cpus(comps),
        *models_to_libraries(comps),
        *models_to_frameworks(comps),
        *references_to_images(comps),
        *gres_to_devices(comps),
        *same_software(comps),
    ]


def requirements(
    components: Iterable[Component],
    required_by: Mapping[str, tuple[str, ...]],
    provided_by: Mapping[str, tuple[str, ...]],
    names: Mapping[str, str],
) -> tuple[list[Component], list[Edge]]:
    """``runs-on`` edges from components to the hardware their KB entries require.

    ``required_by``: component id -> KB entry ids it requires; ``provided_by``: KB entry id ->
    ids of compute-layer components matched to it; ``names``: KB entry id -> display name.
    Each requirement is one hub component (``compute/requirement/<entry>``): every component that
    needs it runs on the hub, the hub runs on every provider — edges grow with the sum, not the
    product, of the two. Without providers the hub is an unresolved placeholder.
    """
    by_id = {c.id: c for c in components}
    hubs: dict[str, Component] = {}
    edges = []
    for cid in sorted(required_by):
        source = by_id.get(cid)
        if source is None:
            continue
        for need in required_by[cid]:
            hub_id = component_id(Layer.COMPUTE, "requirement", need)
            if hub_id not in hubs:
                providers = sorted(p for p in provided_by.get(need, ()) if p in by_id)
                props = [("sovaudit:hub", "true"), ("sovaudit:kb-entry", need)]
                if not providers:
                    props.append(("sovaudit:unresolved", "true"))
                hubs[hub_id] = Component(
                    id=hub_id,
                    layer=Layer.COMPUTE,
                    kind="requirement",
                    name=names.get(need, need),
                    properties=tuple(props),
                )
                for p in providers:
                    edges.append(
                        Edge(
                            source=hub_id,
                            target=p,
                            relation=Relation.RUNS_ON,
                            properties=(("sovaudit:link", f"kb-requires:{need}"),),
                            evidence=by_id[p].evidence,
                        )
                    )
            edges.append(
                Edge(
                    source=source.id,
                    target=hub_id,
                    relation=Relation.RUNS_ON,
                    properties=(("sovaudit:link", f"kb-requires:{need}"),),
                    evidence=source.evidence,
                )
            )
    return list(hubs.values()), edges
