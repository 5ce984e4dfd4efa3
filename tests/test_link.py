"""The link stage: one software under several managers is linked, not merged and not duplicated silently."""

from __future__ import annotations

from sovaudit.graph import StackGraph
from sovaudit.link import manager, same_software, software_name
from sovaudit.model import Component, Evidence, Inventory, Layer, Relation


def c(cid: str, name: str, version: str = "", *, kind: str = "package", purl: str = "", **props: str) -> Component:
    return Component(
        id=cid,
        layer=Layer.SOFTWARE,
        kind=kind,
        name=name,
        version=version,
        purl=purl,
        properties=tuple(sorted(props.items())),
        evidence=(Evidence(path=f"{cid}.txt", collector="t"),),
    )


SPACK = c("pkg:spack/openmpi@4.1.5", "openmpi", "4.1.5", purl="pkg:spack/openmpi@4.1.5")
DEB = c(
    "pkg:deb/debian/libopenmpi3@4.1.4-3",
    "libopenmpi3",
    "4.1.4-3",
    purl="pkg:deb/debian/libopenmpi3@4.1.4-3",
    **{"deb:source": "openmpi"},
)
MODULE = c("software/module/openmpi@4.1.5", "openmpi", "4.1.5", kind="module")
CONDA_NUMPY = c("pkg:conda/numpy@2.0.0", "numpy", "2.0.0", purl="pkg:conda/numpy@2.0.0")
PYPI_NUMPY = c("pkg:pypi/numpy@2.0.0", "numpy", "2.0.0", purl="pkg:pypi/numpy@2.0.0")
PYPI_OTHER = c("pkg:pypi/scipy@1.0", "scipy", "1.0", purl="pkg:pypi/scipy@1.0")


def test_manager_and_name() -> None:
    assert manager(SPACK) == "spack" and manager(MODULE) == "module"
    assert software_name(DEB) == "openmpi"
    assert software_name(c("x", "PyTorch")) == "torch"
    assert software_name(c("x", "typing_extensions")) == "typing-extensions"


def test_openmpi_from_three_managers_is_linked_pairwise_with_both_evidences() -> None:
    edges = same_software([SPACK, DEB, MODULE, PYPI_OTHER])
    pairs = {(e.source, e.target) for e in edges}
    assert pairs == {
        (DEB.id, MODULE.id),
        (DEB.id, SPACK.id),
        (MODULE.id, SPACK.id),
    }
    dm = next(e for e in edges if {e.source, e.target} == {DEB.id, SPACK.id})
    assert dm.relation is Relation.SAME_AS
    assert dict(dm.properties)["sovaudit:version-match"] == "false"
    assert {ev.path for ev in dm.evidence} == {f"{DEB.id}.txt", f"{SPACK.id}.txt"}
    ms = next(e for e in edges if {e.source, e.target} == {MODULE.id, SPACK.id})
    assert dict(ms.properties)["sovaudit:version-match"] == "true"


def test_same_manager_duplicates_and_unresolved_are_not_linked() -> None:
    other_build = c("pkg:spack/openmpi@4.1.5?hash=abc", "openmpi", "4.1.5", purl="pkg:spack/openmpi@4.1.5?hash=abc")
    placeholder = Component(
        id="pkg:pypi/openmpi",
        layer=Layer.SOFTWARE,
        kind="package",
        name="openmpi",
        purl="pkg:pypi/openmpi",
        properties=(("sovaudit:unresolved", "true"),),
    )
    assert same_software([SPACK, other_build, placeholder]) == []


def test_linked_components_stay_two_components_in_the_graph() -> None:
    g = StackGraph.merge([Inventory(components=(CONDA_NUMPY, PYPI_NUMPY))])
    g.add(Inventory(edges=tuple(same_software(g.components()))))
    assert len(g) == 2
    [edge] = list(g.edges(relation=Relation.SAME_AS))
    assert (edge.source, edge.target) == (CONDA_NUMPY.id, PYPI_NUMPY.id)


def test_large_groups_stay_linear() -> None:
    many = [
        c(f"pkg:conda/numpy@1.{i}?platform=p{i}", "numpy", f"1.{i}", purl=f"pkg:conda/numpy@1.{i}") for i in range(200)
    ]
    pypi = [c(f"pkg:pypi/numpy@1.{i}", "numpy", f"1.{i}", purl=f"pkg:pypi/numpy@1.{i}") for i in range(200)]
    edges = same_software(many + pypi)
    assert len(edges) == 200  # each conda record to the first pypi one, not 200 x 200
