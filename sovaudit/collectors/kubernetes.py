"""Kubernetes manifests: multi-document YAML (and ``List`` objects) of any workload kind.

Every pod spec in a document is found by shape (a mapping with a ``containers`` list), so
Deployments, StatefulSets, DaemonSets, Jobs, CronJobs and operators' kinds (PyTorchJob, MPIJob,
RayCluster, JobSet ...) are read alike. What becomes of an object with pod specs:

* a ``workload`` component (operational layer; ``<namespace>/<Kind>/<name>``) with
  ``k8s:kind``, ``k8s:namespace``, ``k8s:replicas``, ``k8s:node-selector`` (``key=value`` each);
* each container, init container and ephemeral container image: a ``container-image`` component
  identified by its purl, ``pkg:docker/<namespace>/<name>@<tag or digest>?repository_url=<registry>``
  (no ``repository_url`` for Docker Hub; a digest is the version and the tag then the ``tag``
  qualifier), with ``oci:repository`` = the full repository path in lower case
  (``nvcr.io/nvidia/pytorch``, ``docker.io/library/nginx``), ``oci:tag``, ``oci:digest``, and a
  ``depends-on`` (run) edge from the workload. A templated reference (``$(IMAGE)``, ``{{ }}``)
  becomes ``software/container-image/<as written>`` with ``oci:templated=true``;
* GPU requests/limits (``nvidia.com/gpu``, ``amd.com/gpu``, ``gpu.intel.com/*``,
  ``habana.ai/gaudi``, ``aws.amazon.com/neuron*``, ``google.com/tpu``): a ``runs-on`` edge to an
  ``accelerator`` with the count as the edge's ``compute:count``. The accelerator is the product a
  node selector names when there is one (``nvidia.com/gpu.product: NVIDIA-A100-SXM4-80GB`` ->
  ``NVIDIA A100-SXM4-80GB``, the name ``nvidia-smi`` uses; ``cloud.google.com/gke-accelerator:
  nvidia-l4``), else the resource itself (``compute/accelerator/nvidia.com/gpu``);
* storage: ``StorageClass`` objects become ``storage-class`` components (``k8s:provisioner``); a
  workload whose volumes or volumeClaimTemplates use a class gets a ``depends-on`` edge to it;
* clouds: annotation, label and node-selector keys, storage provisioners and instance types that
  belong to one cloud (``cloud.google.com/*``, ``eks.amazonaws.com/*``, ``ebs.csi.aws.com``,
  ``Standard_ND96asr_v4`` ...) give a ``hosted-by`` edge to ``operational/cloud-provider/<key>``
  (and to its region when ``topology.kubernetes.io/region``/``zone`` names one).

YAML is composed with the safe C loader and converted with a node budget (see
:func:`sovaudit.collectors.operational.to_python`): alias bombs are an InputError. Helm templates
(``{{ ... }}``) are not Kubernetes manifests until rendered, and are not claimed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sovaudit.collectors.interface import Collector
from sovaudit.collectors.operational import _Budget, compose_documents, provider_component, region_component, to_python
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Component, Edge, Evidence, Inventory, Layer, Relation, component_id

MAX_NODES = 500_000

#: Extended-resource prefixes -> accelerator supplier.
GPU_RESOURCES = (
    ("nvidia.com/gpu", "NVIDIA"),
    ("nvidia.com/mig-", "NVIDIA"),
    ("amd.com/gpu", "AMD"),
    ("gpu.intel.com/", "Intel"),
    ("habana.ai/gaudi", "Intel (Habana Labs)"),
    ("aws.amazon.com/neuron", "Amazon"),
    ("google.com/tpu", "Google"),
)
#: Node-selector keys whose value names the accelerator product.
_PRODUCT_LABELS = (
    "nvidia.com/gpu.product",
    "cloud.google.com/gke-accelerator",
    "k8s.amazonaws.com/accelerator",
    "cloud.google.com/gke-tpu-accelerator",
    "accelerator",
)
_CLOUD_KEYS = (
    ("cloud.google.com/", "gcp"),
    ("networking.gke.io/", "gcp"),
    ("autopilot.gke.io/", "gcp"),
    ("iam.gke.io/", "gcp"),
    ("container.googleapis.com/", "gcp"),
    ("eks.amazonaws.com/", "aws"),
    ("k8s.amazonaws.com/", "aws"),
    ("service.beta.kubernetes.io/aws-", "aws"),
    ("alb.ingress.kubernetes.io/", "aws"),
    ("karpenter.k8s.aws/", "aws"),
    ("kubernetes.azure.com/", "azure"),
    ("service.beta.kubernetes.io/azure-", "azure"),
    ("azure.workload.identity/", "azure"),
    ("k8s.scaleway.com/", "scaleway"),
    ("service.beta.kubernetes.io/scw-", "scaleway"),
    ("load-balancer.hetzner.cloud/", "hetzner"),
    ("service.beta.kubernetes.io/ovh-", "ovhcloud"),
)
_PROVISIONERS = {
    "pd.csi.storage.gke.io": "gcp",
    "filestore.csi.storage.gke.io": "gcp",
    "kubernetes.io/gce-pd": "gcp",
    "ebs.csi.aws.com": "aws",
    "efs.csi.aws.com": "aws",
    "fsx.csi.aws.com": "aws",
    "kubernetes.io/aws-ebs": "aws",
    "disk.csi.azure.com": "azure",
    "file.csi.azure.com": "azure",
    "kubernetes.io/azure-disk": "azure",
    "kubernetes.io/azure-file": "azure",
    "csi.scaleway.com": "scaleway",
    "csi.hetzner.cloud": "hetzner",
    "cinder.csi.openstack.org": "openstack",
    "kubernetes.io/cinder": "openstack",
}
_INSTANCE_TYPES = (
    (re.compile(r"^Standard_[A-Z]"), "azure"),
    (re.compile(r"^[a-z]\d[a-z]?-(highgpu|ultragpu|megagpu|standard|highmem|highcpu)-\d+[a-z]?$"), "gcp"),
    (re.compile(r"^[a-z]+\d+[a-z]*\.(nano|micro|small|medium|large|metal|\d*xlarge)$"), "aws"),
)
_DOCKER_HUB = {"docker.io", "index.docker.io", "registry-1.docker.io"}
_REF = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")
_TEMPLATED = re.compile(r"[${}\s]")


@dataclass(frozen=True, slots=True)
class ImageRef:
    registry: str  # "docker.io" for Docker Hub
    path: str  # repository path inside the registry, lower-case (library/nginx)
    tag: str
    digest: str

    @property
    def repository(self) -> str:
        return f"{self.registry}/{self.path}"

    def purl(self) -> str:
        from packageurl import PackageURL

        parts = self.path.split("/")
        namespace = "/".join(parts[:-1])
        if self.registry in _DOCKER_HUB and namespace == "library":
            namespace = ""
        qualifiers = {}
        if self.registry not in _DOCKER_HUB:
            qualifiers["repository_url"] = self.registry
        if self.digest and self.tag:
            qualifiers["tag"] = self.tag
        return str(
            PackageURL(
                type="docker",
                namespace=namespace or None,
                name=parts[-1],
                version=self.digest or self.tag or None,
                qualifiers=qualifiers or None,
            ).to_string()
        )


def parse_image(ref: str) -> ImageRef | None:
    """A Docker/OCI image reference, normalised; None when templated or not a valid reference."""
    ref = ref.strip()
    if not ref or _TEMPLATED.search(ref):
        return None
    name, _, digest = ref.partition("@")
    if digest and not re.fullmatch(r"[a-z0-9]+:[a-f0-9]{32,}", digest):
        return None
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = ""
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
        if not re.fullmatch(r"[\w][\w.-]{0,127}", tag):
            return None
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        registry, path = first.lower(), rest
    else:
        registry, path = "docker.io", name
    if registry in _DOCKER_HUB:
        registry = "docker.io"
        if "/" not in path:
            path = f"library/{path}"
    path = path.lower()
    if not _REF.match(path):
        return None
    return ImageRef(registry=registry, path=path, tag=tag, digest=digest)


def image_component(raw: str, ev: Evidence) -> Component:
    img = parse_image(raw)
    if img is None:
        return Component(
            id=component_id(Layer.SOFTWARE, "container-image", raw.strip()),
            layer=Layer.SOFTWARE,
            kind="container-image",
            name=raw.strip(),
            properties=(("oci:templated", "true"),),
            evidence=(ev,),
        )
    purl = img.purl()
    props = [("oci:repository", img.repository), ("oci:registry", img.registry)]
    if img.tag:
        props.append(("oci:tag", img.tag))
    if img.digest:
        props.append(("oci:digest", img.digest))
    return Component(
        id=purl,
        layer=Layer.SOFTWARE,
        kind="container-image",
        name=img.repository,
        version=img.digest or img.tag,
        purl=purl,
        properties=tuple(sorted(props)),
        evidence=(ev,),
    )


def _cloud_of_key(key: str) -> str:
    for prefix, cloud in _CLOUD_KEYS:
        if key.startswith(prefix):
            return cloud
    return ""


def _gpu_supplier(resource: str) -> str:
    for prefix, supplier in GPU_RESOURCES:
        if resource.startswith(prefix):
            return supplier
    return ""


def _product_name(key: str, value: str) -> str:
    if key == "nvidia.com/gpu.product" and value.startswith("NVIDIA-"):
        return "NVIDIA " + value[len("NVIDIA-") :]
    return value


@dataclass(slots=True)
class _Workload:
    pod_specs: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (pointer, spec)
    templates: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # volumeClaimTemplates


def _find_pod_specs(node: Any, pointer: str, out: _Workload, depth: int = 0) -> None:
    if depth > 40:
        return
    if isinstance(node, dict):
        if isinstance(node.get("containers"), list):
            out.pod_specs.append((pointer, node))
            return
        for k, v in node.items():
            if k == "volumeClaimTemplates" and isinstance(v, list):
                out.templates.extend((f"{pointer}/{k}/{i}", t) for i, t in enumerate(v) if isinstance(t, dict))
                continue
            _find_pod_specs(v, f"{pointer}/{k}", out, depth + 1)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _find_pod_specs(v, f"{pointer}/{i}", out, depth + 1)


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _count(value: Any) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        return 0


@dataclass(slots=True)
class _Builder:
    path: TreePath
    collector: str
    comps: dict[str, Component] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    pvc_classes: dict[tuple[str, str], str] = field(default_factory=dict)  # (namespace, claim) -> class
    pending: list[tuple[str, str, str, Evidence]] = field(default_factory=list)  # (workload, ns, claim, ev)

    def ev(self, doc: int, line: int, pointer: str = "") -> Evidence:
        return Evidence(
            path=self.path.display(), collector=self.collector, line=line, pointer=pointer if not line else ""
        )

    def add(self, c: Component) -> None:
        self.comps.setdefault(c.id, c)

    def hosted_by(self, source: str, cloud: str, region: str, ev: Evidence) -> None:
        prov = provider_component(cloud, ev)
        self.add(prov)
        self.edges.append(Edge(source=source, target=prov.id, relation=Relation.HOSTED_BY, evidence=(ev,)))
        if region:
            reg = region_component(cloud, region, ev)
            self.add(reg)
            self.edges.append(Edge(source=source, target=reg.id, relation=Relation.HOSTED_BY, evidence=(ev,)))
            self.edges.append(Edge(source=reg.id, target=prov.id, relation=Relation.HOSTED_BY, evidence=(ev,)))

    def object(self, obj: dict[str, Any], line: int, doc: int) -> None:
        kind = str(obj.get("kind") or "")
        meta = _obj(obj.get("metadata"))
        name = str(meta.get("name") or "")
        namespace = str(meta.get("namespace") or "default")
        ev = self.ev(doc, line)
        if kind == "StorageClass":
            provisioner = str(obj.get("provisioner") or "")
            sid = component_id(Layer.OPERATIONAL, "storage-class", name)
            self.add(
                Component(
                    id=sid,
                    layer=Layer.OPERATIONAL,
                    kind="storage-class",
                    name=name,
                    properties=(("k8s:provisioner", provisioner),) if provisioner else (),
                    evidence=(ev,),
                )
            )
            cloud = _PROVISIONERS.get(provisioner, "")
            if cloud:
                self.hosted_by(sid, cloud, "", ev)
            return
        if kind == "PersistentVolumeClaim":
            cls = _obj(obj.get("spec")).get("storageClassName")
            if isinstance(cls, str) and cls:
                self.pvc_classes[(namespace, name)] = cls
            return
        found = _Workload()
        _find_pod_specs(obj.get("spec"), "/spec", found)
        clouds: set[str] = set()
        for key in (*_obj(meta.get("annotations")), *_obj(meta.get("labels"))):
            cloud = _cloud_of_key(str(key))
            if cloud:
                clouds.add(cloud)
        if namespace.startswith("gke-"):
            clouds.add("gcp")
        if not found.pod_specs:
            if clouds and name:  # a Service or Ingress that only says where it runs
                wid = component_id(Layer.OPERATIONAL, "workload", f"{namespace}/{kind}/{name}")
                self.add(_workload(wid, kind, namespace, name, obj, {}, ev))
                for cloud in sorted(clouds):
                    self.hosted_by(wid, cloud, "", ev)
            return
        wid = component_id(Layer.OPERATIONAL, "workload", f"{namespace}/{kind}/{name}")
        selectors: dict[str, str] = {}
        region = ""
        gpu_edges: dict[str, int] = {}
        for _, spec in found.pod_specs:
            for k, v in _obj(spec.get("nodeSelector")).items():
                selectors[str(k)] = str(v)
            for term in _affinity_terms(spec):
                selectors.setdefault(term[0], term[1])
            for group in ("initContainers", "containers", "ephemeralContainers"):
                for c in spec.get(group) or []:
                    if not isinstance(c, dict):
                        continue
                    image = c.get("image")
                    if isinstance(image, str) and image.strip():
                        comp = image_component(image, ev)
                        self.add(comp)
                        self.edges.append(
                            Edge(
                                source=wid,
                                target=comp.id,
                                relation=Relation.DEPENDS_ON,
                                scopes=("run",),
                                evidence=(ev,),
                            )
                        )
                    res = _obj(c.get("resources"))
                    wanted = {**_obj(res.get("requests")), **_obj(res.get("limits"))}
                    for rname, amount in wanted.items():
                        supplier = _gpu_supplier(str(rname))
                        if supplier:
                            gpu_edges[str(rname)] = gpu_edges.get(str(rname), 0) + _count(amount)
            for vol in spec.get("volumes") or []:
                claim = _obj(_obj(vol).get("persistentVolumeClaim")).get("claimName")
                if isinstance(claim, str):
                    self.pending.append((wid, namespace, claim, ev))
        for _, t in found.templates:
            cls = _obj(t.get("spec")).get("storageClassName")
            if isinstance(cls, str) and cls:
                self.edges.append(
                    Edge(
                        source=wid,
                        target=component_id(Layer.OPERATIONAL, "storage-class", cls),
                        relation=Relation.DEPENDS_ON,
                        evidence=(ev,),
                    )
                )
        self.add(_workload(wid, kind, namespace, name, obj, selectors, ev))
        product = next((_product_name(k, selectors[k]) for k in _PRODUCT_LABELS if selectors.get(k)), "")
        for rname, n in sorted(gpu_edges.items()):
            supplier = _gpu_supplier(rname)
            aname = product or rname
            aid = component_id(Layer.COMPUTE, "accelerator", aname)
            props = [("k8s:resource", rname)]
            self.add(
                Component(
                    id=aid,
                    layer=Layer.COMPUTE,
                    kind="accelerator",
                    name=aname,
                    supplier=supplier,
                    properties=tuple(props),
                    evidence=(ev,),
                )
            )
            self.edges.append(
                Edge(
                    source=wid,
                    target=aid,
                    relation=Relation.RUNS_ON,
                    properties=(("compute:count", str(n)),),
                    evidence=(ev,),
                )
            )
        for k, v in selectors.items():
            cloud = _cloud_of_key(k)
            if cloud:
                clouds.add(cloud)
            if k == "node.kubernetes.io/instance-type":
                for pattern, c in _INSTANCE_TYPES:
                    if pattern.match(v):
                        clouds.add(c)
                        break
            if k in ("topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region"):
                region = v
            elif k in ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone") and not region:
                region = re.sub(r"-?[a-z]$", "", v) if re.search(r"\d[a-z]$|-[a-z]$", v) else v
        for cloud in sorted(clouds):
            self.hosted_by(wid, cloud, region if len(clouds) == 1 else "", ev)

    def finish(self) -> Inventory:
        for wid, ns, claim, ev in self.pending:
            cls = self.pvc_classes.get((ns, claim))
            if cls:
                self.edges.append(
                    Edge(
                        source=wid,
                        target=component_id(Layer.OPERATIONAL, "storage-class", cls),
                        relation=Relation.DEPENDS_ON,
                        evidence=(ev,),
                    )
                )
        unique: dict[tuple[str, str, str], Edge] = {}
        for e in self.edges:
            unique.setdefault(e.key, e)
        return Inventory(components=tuple(self.comps.values()), edges=tuple(unique.values()))


def _affinity_terms(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, first value) of required node-affinity ``In`` expressions."""
    out = []
    required = _obj(
        _obj(_obj(spec.get("affinity")).get("nodeAffinity")).get("requiredDuringSchedulingIgnoredDuringExecution")
    )
    for term in required.get("nodeSelectorTerms") or []:
        for expr in _obj(term).get("matchExpressions") or []:
            e = _obj(expr)
            values = e.get("values")
            if e.get("operator") == "In" and isinstance(values, list) and values:
                out.append((str(e.get("key")), str(values[0])))
    return out


def _workload(
    wid: str, kind: str, namespace: str, name: str, obj: dict[str, Any], selectors: dict[str, str], ev: Evidence
) -> Component:
    props = [("k8s:kind", kind), ("k8s:namespace", namespace), ("k8s:api-version", str(obj.get("apiVersion") or ""))]
    replicas = _obj(obj.get("spec")).get("replicas")
    if isinstance(replicas, int):
        props.append(("k8s:replicas", str(replicas)))
    props.extend(("k8s:node-selector", f"{k}={v}") for k, v in sorted(selectors.items()))
    return Component(
        id=wid,
        layer=Layer.OPERATIONAL,
        kind="workload",
        name=f"{namespace}/{kind}/{name}",
        properties=tuple(sorted(p for p in props if p[1])),
        evidence=(ev,),
    )


_HEAD = re.compile(rb"^\s*apiVersion:\s*\S", re.MULTILINE)
_KIND = re.compile(rb"^\s*kind:\s*\S", re.MULTILINE)


class KubernetesManifestCollector(Collector):
    name = "kubernetes-manifest"
    description = "Kubernetes manifests (multi-document YAML, List): images, GPU requests, storage classes, clouds"

    def detect(self, path: TreePath) -> bool:
        if path.suffix not in (".yaml", ".yml"):
            return False
        head = path.read_head(8192)
        return _HEAD.search(head) is not None and _KIND.search(head) is not None and b"{{" not in head

    def collect(self, path: TreePath) -> Inventory:
        docs = compose_documents(path)
        b = _Builder(path=path, collector=self.name)
        budget = _Budget(MAX_NODES, path.display())
        seen = 0
        for i, node in enumerate(docs):
            data = to_python(node, path.display(), budget=budget)
            items = (
                data.get("items") if isinstance(data, dict) and str(data.get("kind", "")).endswith("List") else [data]
            )
            for obj in items if isinstance(items, list) else []:
                if isinstance(obj, dict) and obj.get("kind") and obj.get("apiVersion"):
                    seen += 1
                    b.object(obj, node.start_mark.line + 1, i)
        if not seen:
            raise InputError(path.display(), "no Kubernetes object (apiVersion and kind) in any document")
        return b.finish()
