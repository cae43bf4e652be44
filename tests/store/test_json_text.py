"""The canonical JSON text is byte for byte what `json.dumps` wrote: stored hashes depend on it."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from orderhub.json_text import canonical_json, document_json, parse_json
from orderhub.store.records import content_hash


def standard(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.floats(min_value=-1e-3, max_value=1e-3)
    | st.text()
)
documents = st.dictionaries(
    st.text(),
    st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
        ),
        max_leaves=20,
    ),
    max_size=6,
)


# 200 examples (was 400; and 100, was 200, below): the shapes orjson spells differently are
# pinned one by one in the test after these; the search is for shapes nobody thought of.
@settings(max_examples=200, deadline=None)
@given(documents)
def test_canonical_text_is_the_standard_librarys(data: dict[str, Any]) -> None:
    assert canonical_json(data) == standard(data)


finite = st.dictionaries(
    st.text(),
    st.recursive(
        st.none()
        | st.booleans()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.integers(min_value=-(2**63), max_value=2**64 - 1)
        | st.text(),
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
        ),
        max_leaves=20,
    ),
    max_size=6,
)


@settings(max_examples=100, deadline=None)
@given(finite)
def test_a_document_reads_back_as_written(data: dict[str, Any]) -> None:
    assert _same(parse_json(document_json(data)), data)


def test_the_shapes_orjson_spells_differently_go_to_the_standard_library() -> None:
    for value in (1e-05, -1.5e-07, 0.00012, 2**64, float("nan"), float("-inf")):
        data = {"v": value, "text": "one-time 0.0000"}
        assert canonical_json(data) == standard(data)
    keyed = {1: "a", 2: "b"}
    assert canonical_json(keyed) == standard(keyed)  # type: ignore[arg-type]


def test_a_known_record_keeps_its_hash() -> None:
    # Computed with json.dumps before orjson wrote the text: a changed text would make every
    # stored record look changed on its next pull.
    data = {"sku": "BLK-1", "name": "Tasse é\u2028", "price": 12.5, "tags": ["a", None, True]}
    expected = "9a570d1931d2174bd16307fa98419916d0cdf8e8dde66770754ec07760ca71b7"
    assert content_hash(data) == expected


def test_parse_json_reads_what_orjson_refuses() -> None:
    assert math.isnan(parse_json(b'{"a": NaN, "b": 1}')["a"])
    assert parse_json(b'{"b": 18446744073709551615}') == {"b": 18446744073709551615}
    assert parse_json('{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return (math.isnan(left) and math.isnan(right)) or left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(
            _same(a, b) for a, b in zip(left, right, strict=True)
        )
    return bool(left == right) and type(left) is type(right)
