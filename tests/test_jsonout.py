"""The fast indented writer writes exactly what ``json.dumps(indent=2)`` writes."""

from __future__ import annotations

import enum
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sovaudit import jsonout

SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
DOCS = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
)


@settings(max_examples=400, deadline=None)
@given(DOCS, st.booleans())
def test_generated_documents_are_written_as_json_writes_them(doc: Any, ensure_ascii: bool) -> None:
    assert jsonout.dumps(doc, ensure_ascii=ensure_ascii) == json.dumps(doc, indent=2, ensure_ascii=ensure_ascii)


class Colour(enum.IntEnum):
    RED = 1


@pytest.mark.parametrize(
    "doc",
    [
        {1: "an int key"},
        {"nan": float("nan"), "inf": [float("-inf")]},
        {"enum": Colour.RED},  # an int subclass: json writes int.__repr__, not repr()
        [1.5, -0.0, 10**30, True, None, 'é\u2028\x00"\\'],
        {"": {}, "a": [], "b": [[], {}]},
    ],
)
def test_values_json_treats_in_its_own_way(doc: Any) -> None:
    for ensure_ascii in (True, False):
        assert jsonout.dumps(doc, ensure_ascii=ensure_ascii) == json.dumps(doc, indent=2, ensure_ascii=ensure_ascii)


def test_what_json_rejects_is_rejected_as_json_rejects_it() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        jsonout.dumps(loop)
    with pytest.raises(TypeError, match="not JSON serializable"):
        jsonout.dumps({"a": {1, 2}})
