"""The inventory JSON round-trips exactly and matches its shipped JSON Schema."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sovaudit import inventory_json
from sovaudit.errors import InputError
from sovaudit.model import Component, Edge, Evidence, InputRecord, InputStatus, Inventory, Layer, Relation

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
nonempty = text.filter(bool)
evidence = st.builds(Evidence, path=nonempty, collector=nonempty, line=st.integers(0, 10_000), pointer=text)
pairs = st.lists(st.tuples(text, text), max_size=3).map(tuple)


@st.composite
def inventories(draw: st.DrawFn) -> Inventory:
    ids = draw(st.lists(nonempty, min_size=1, max_size=8, unique=True))
    comps = tuple(
        Component(
            id=i,
            layer=draw(st.sampled_from(list(Layer))),
            kind=draw(nonempty),
            name=draw(nonempty),
            version=draw(text),
            purl=draw(st.one_of(st.just(""), text.map(lambda t: "pkg:generic/" + t))),
            licenses=draw(text),
            license_declared=draw(text),
            supplier=draw(text),
            author=draw(text),
            description=draw(text),
            hashes=draw(pairs),
            properties=draw(pairs),
            evidence=tuple(draw(st.lists(evidence, max_size=3))),
        )
        for i in ids
    )
    edges = tuple(
        {
            (s, t, r): Edge(source=s, target=t, relation=r, scopes=tuple(draw(st.lists(nonempty, max_size=2))))
            for s, t, r in draw(
                st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids), st.sampled_from(list(Relation))))
            )
        }.values()
    )
    inputs = tuple(
        InputRecord(path=p, status=s, collector=c, reason=r, components=n)
        for p, s, c, r, n in draw(
            st.lists(
                st.tuples(nonempty, st.sampled_from(list(InputStatus)), text, text, st.integers(0, 99)), max_size=3
            )
        )
    )
    return Inventory(components=comps, edges=edges, inputs=inputs)


def schema() -> dict:
    return json.loads(resources.files("sovaudit").joinpath("schemas/inventory-1.schema.json").read_text())


@settings(max_examples=150, deadline=None)
@given(inventories())
def test_round_trip_is_exact(inv: Inventory) -> None:
    data = inventory_json.dump(inv)
    back = inventory_json.loads(data, "x.json")
    assert back == inv.normalised()
    assert inventory_json.dump(back) == data


@settings(max_examples=100, deadline=None)
@given(inventories())
def test_output_matches_the_shipped_schema(inv: Inventory) -> None:
    jsonschema.validate(json.loads(inventory_json.dump(inv)), schema())


def test_dump_is_sorted_and_omits_defaults() -> None:
    inv = Inventory(
        components=(
            Component(id="b", layer=Layer.MODEL, kind="model", name="b"),
            Component(id="a", layer=Layer.DATA, kind="dataset", name="a", version="1"),
        )
    )
    doc = json.loads(inventory_json.dump(inv))
    assert [c["id"] for c in doc["components"]] == ["a", "b"]
    assert doc["components"][1] == {"id": "b", "layer": "model", "kind": "model", "name": "b"}
    assert doc["format"] == "sovaudit-inventory" and doc["formatVersion"] == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{", "is not valid JSON"),
        (b"[]", "at /: expected an object"),
        (b'{"format": "other"}', "at /format"),
        (b'{"format": "sovaudit-inventory", "formatVersion": 99}', "version 99 is not supported"),
        (
            b'{"format": "sovaudit-inventory", "formatVersion": 1, "components": [{"id": "x", "layer": "space",'
            b' "kind": "k", "name": "n"}]}',
            "at /components/0/layer: 'space' is not one of",
        ),
        (
            b'{"format": "sovaudit-inventory", "formatVersion": 1, "edges": [{"source": "a", "target": 3,'
            b' "relation": "contains"}]}',
            "at /edges/0/target: expected a string",
        ),
        (b"[" * 100_000 + b"]" * 100_000, "is not valid JSON"),
    ],
)
def test_bad_documents_name_the_file_and_the_place(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as err:
        inventory_json.loads(data, "stack.inventory.json")
    assert err.value.path == "stack.inventory.json"
    assert message in err.value.reason
    assert "\n" not in err.value.one_line()


# -- the text of dump, and the two readers --------------------------------------------------------
def _record_lines(data: bytes) -> list[str]:
    """The lines of a dumped document that hold one record each."""
    return [line.strip().removesuffix(",") for line in data.decode("utf-8").split("\n") if line.startswith("    {")]


def _expected_lines(inv: Inventory) -> list[str]:
    doc = inventory_json.to_dict(inv)
    return [json.dumps(r, ensure_ascii=False) for key in ("components", "edges", "inputs") for r in doc[key]]


@settings(max_examples=150, deadline=None)
@given(inventories())
def test_each_record_is_one_line_of_json_dumps_text(inv: Inventory) -> None:
    data = inventory_json.dump(inv)
    assert _record_lines(data) == _expected_lines(inv)
    assert json.loads(data) == inventory_json.to_dict(inv)


def test_a_scanned_stack_is_written_one_record_per_line() -> None:
    from sovaudit.pipeline import scan
    from tests.conftest import REPO

    inv = scan([REPO / "sample_stacks" / "national-centre"]).inventory
    data = inventory_json.dump(inv)
    lines = _record_lines(data)
    assert len(lines) == len(inv.components) + len(inv.edges) + len(inv.inputs) > 100
    assert lines == _expected_lines(inv)
    assert data.decode().splitlines()[:4] == [
        "{",
        '  "format": "sovaudit-inventory",',
        '  "formatVersion": 1,',
        '  "components": [',
    ]


def _goldens() -> list[Path]:
    from tests.conftest import REPO

    return sorted((REPO / "tests" / "golden").rglob("*.inventory.json"))


def test_the_fast_reader_and_the_checked_reader_agree_on_every_golden() -> None:
    goldens = _goldens()
    assert len(goldens) > 100
    for path in goldens:
        doc = json.loads(path.read_bytes())
        assert inventory_json._read_valid(doc) == inventory_json._from_dict(doc), path


@settings(max_examples=150, deadline=None)
@given(inventories())
def test_the_fast_reader_and_the_checked_reader_agree(inv: Inventory) -> None:
    doc = inventory_json.to_dict(inv)
    assert inventory_json._read_valid(doc) == inventory_json._from_dict(doc) == inv.normalised()


_WRONG = st.sampled_from([None, 3, -1, True, 1.5, "", "x", [], {}, ["x"], [{}], [3]])


@settings(max_examples=400, deadline=None)
@given(inventories(), st.data())
def test_the_fast_reader_accepts_nothing_the_checked_reader_rejects(inv: Inventory, data: st.DataObject) -> None:
    """Break one value anywhere in a valid document: the fast reader never takes what the checked one refuses."""
    doc = inventory_json.to_dict(inv)
    holders: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            holders.extend((node, k) for k in node)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            holders.extend((node, i) for i in range(len(node)))
            for v in node:
                walk(v)

    walk(doc)
    holder, key = data.draw(st.sampled_from(holders))
    holder[key] = data.draw(_WRONG)
    try:
        checked: Inventory | None = inventory_json._from_dict(doc)
    except inventory_json._Bad:
        checked = None
    try:
        fast: Inventory | None = inventory_json._read_valid(doc)
    except (inventory_json._Slow, KeyError, TypeError, AttributeError, ValueError):
        fast = None
    if checked is None:
        assert fast is None
    elif fast is not None:
        assert fast == checked


def test_evidence_read_once_is_shared() -> None:
    ev = {"path": "spack.lock", "collector": "spack-lock"}
    doc = {
        "format": "sovaudit-inventory",
        "formatVersion": 1,
        "components": [
            {"id": "a", "layer": "software", "kind": "package", "name": "a", "evidence": [ev]},
            {"id": "b", "layer": "software", "kind": "package", "name": "b", "evidence": [dict(ev)]},
        ],
    }
    a, b = inventory_json.from_dict(doc).components
    assert a.evidence[0] is b.evidence[0]


def test_a_loaded_inventory_is_canonical_and_not_sorted_again() -> None:
    inv = inventory_json.loads(
        inventory_json.dump(Inventory(components=(Component(id="a", layer=Layer.DATA, kind="dataset", name="a"),))),
        "x.json",
    )
    assert inv.canonical and inv.normalised() is inv
    from dataclasses import replace

    assert not replace(inv, components=()).canonical  # a changed copy is not known to be canonical
    assert not Inventory(components=inv.components).canonical


def test_an_inventory_is_read_under_the_database_cap_not_the_file_cap(tmp_path: Path) -> None:
    """sovaudit must read back the inventories it writes; a 100,000-component one is over 64 MiB."""
    from sovaudit.limits import Limits
    from sovaudit.model import InputStatus
    from sovaudit.pipeline import scan

    comps = tuple(Component(id=f"c{i:04d}", layer=Layer.SOFTWARE, kind="package", name=f"c{i}") for i in range(200))
    path = tmp_path / "big.inventory.json"
    path.write_bytes(inventory_json.dump(Inventory(components=comps)))
    size = path.stat().st_size
    read = scan([path], limits=Limits(max_file_bytes=size // 2, max_database_bytes=size * 2)).inventory
    assert len(read.components) == 200
    refused = scan([path], limits=Limits(max_file_bytes=size // 2, max_database_bytes=size // 2)).inventory
    assert [(r.status, "limit" in r.reason) for r in refused.inputs] == [(InputStatus.FAILED, True)]
