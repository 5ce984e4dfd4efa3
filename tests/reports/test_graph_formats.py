"""DOT and GraphML: the whole audited graph, by layer, coloured by severity; GraphML reads back."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import networkx as nx
import pytest

from sovaudit.audit import Audit
from sovaudit.model import Component, Edge, Layer, Relation
from sovaudit.reports import graph_formats
from tests.reports.conftest import EU, US


@pytest.mark.parametrize("stack", [US, EU])
def test_graphml_round_trip_through_networkx(audits: dict[str, Audit], stack: str, tmp_path: Path) -> None:
    a = audits[stack]
    path = tmp_path / "g.graphml"
    path.write_bytes(graph_formats.render_graphml(a, "1"))
    g = nx.read_graphml(path, force_multigraph=True)
    assert g.number_of_nodes() == len(a.inventory.components) > 0
    assert g.number_of_edges() == len(a.inventory.edges) > 0
    assert set(g.nodes) == {c.id for c in a.inventory.components}
    assert {(u, v, d["relation"]) for u, v, d in g.edges(data=True)} == {e.key for e in a.inventory.edges}
    for c in a.inventory.components:
        data = g.nodes[c.id]
        assert data["layer"] == c.layer.value and data["kind"] == c.kind and data["name"] == c.name
        assert data.get("version", "") == c.version and data.get("supplier", "") == c.supplier


def test_graphml_severity_is_the_worst_live_finding(us: Audit, tmp_path: Path) -> None:
    path = tmp_path / "g.graphml"
    path.write_bytes(graph_formats.render_graphml(us, "1"))
    g = nx.read_graphml(path, force_multigraph=True)
    assert g.nodes["compute/accelerator/NVIDIA A100-SXM4-80GB"]["severity"] == "high"
    worst = graph_formats.worst_severity(us)
    assert {n for n, d in g.nodes(data=True) if "severity" in d} == set(worst)


def test_hostile_ids_stay_well_formed(us: Audit, tmp_path: Path) -> None:
    odd = Component(id='x/"<&>\x01', layer=Layer.DATA, kind="dataset", name='a "b" \\ <c>\nd')
    inv = replace(
        us.inventory,
        components=(*us.inventory.components, odd),
        edges=(*us.inventory.edges, Edge(source=odd.id, target="pkg:pypi/torch@2.3.1", relation=Relation.STORED_IN)),
    )
    a = replace(us, inventory=inv)
    path = tmp_path / "g.graphml"
    path.write_bytes(graph_formats.render_graphml(a, "1"))
    g = nx.read_graphml(path, force_multigraph=True)
    assert g.nodes['x/"<&>\ufffd']["name"] == 'a "b" \\ <c>\nd'
    dot = graph_formats.render_dot(a, "1").decode()
    assert '"x/\\"<&>\ufffd" [label="a \\"b\\" \\\\ <c>\\nd"' in dot


@pytest.mark.parametrize("stack", [US, EU])
def test_dot_has_a_cluster_per_layer_and_every_node_and_edge(audits: dict[str, Audit], stack: str) -> None:
    a = audits[stack]
    dot = graph_formats.render_dot(a, "1").decode()
    layers = {c.layer.value for c in a.inventory.components}
    assert set(re.findall(r'subgraph "cluster_(\w+)"', dot)) == layers
    assert len(re.findall(r"^    \".*\" \[label=", dot, re.M)) == len(a.inventory.components)
    assert len(re.findall(r"^  \".*\" -> \".*\" \[label=", dot, re.M)) == len(a.inventory.edges)
    assert dot.startswith("digraph sovaudit {") and dot.endswith("}\n")


def test_dot_colours_and_labels(us: Audit) -> None:
    dot = graph_formats.render_dot(us, "1").decode()
    a100 = next(line for line in dot.splitlines() if line.startswith('    "compute/accelerator/NVIDIA A100-SXM4-80GB"'))
    assert 'fillcolor="#e53935"' in a100 and 'fontcolor="#ffffff"' in a100
    assert '[label="runs-on"]' in dot or '[label="depends-on"]' in dot
    compute = dot.split('subgraph "cluster_compute"')[1].split("  }")[0]
    assert "NVIDIA H100 80GB HBM3" in compute and "torch" not in compute


def test_graphviz_lays_it_out(us: Audit, tmp_path: Path) -> None:
    if shutil.which("dot") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Graphviz is not installed (tests/fixtures/install_graphviz.sh)")
        pytest.skip("Graphviz is not installed (tests/fixtures/install_graphviz.sh)")
    path = tmp_path / "g.dot"
    path.write_bytes(graph_formats.render_dot(us, "1"))
    proc = subprocess.run(["dot", "-Tsvg", str(path)], capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert b"<svg" in proc.stdout and proc.stderr == b""
    assert proc.stdout.count(b'<g id="clust') == len({c.layer for c in us.inventory.components})
