"""verify's canonical JSON: one text per document whatever its key order, whitespace and
number spelling, every digit kept, and the same from the fast (recursive) and the deep
(stack) writer."""

from __future__ import annotations

import json
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from arrowmig import json_canon

documents = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(documents, st.randoms())
def test_one_text_per_document(document: object, rnd: random.Random) -> None:
    text = json.dumps(document)
    parsed = json_canon.parse(text)
    canonical = json_canon.canonical(parsed)
    assert canonical == json_canon._canonical_flat(parsed)
    # Keys in another order and other whitespace: the same text.
    shuffled = _shuffled(document, rnd)
    assert json_canon.canonical(json_canon.parse(json.dumps(shuffled, indent=1))) == canonical


def _shuffled(value: object, rnd: random.Random) -> object:
    if isinstance(value, dict):
        items = list(value.items())
        rnd.shuffle(items)
        return {k: _shuffled(v, rnd) for k, v in items}
    if isinstance(value, list):
        return [_shuffled(v, rnd) for v in value]
    return value


def test_numbers_are_one_spelling_and_keep_every_digit() -> None:
    same = ["100", "1e2", "100.0", "1.00E+2"]
    assert {json_canon.canonical(json_canon.parse(t)) for t in same} == {"100"}
    assert json_canon.canonical(json_canon.parse("2.50")) == "2.5"
    long = "123456789012345678901234567890.1234567890123456789"
    assert json_canon.canonical(json_canon.parse(long)) == long
    assert json_canon.canonical(json_canon.parse("0.10000000000000001")) != "0.1"
    deep = "[" * 5000 + "1" + "]" * 5000
    assert json_canon.canonical(json_canon.parse(deep)) == deep


def test_a_repeated_key_keeps_every_value() -> None:
    # jsonb keeps the last of a repeated key, SQLite's json_extract reads the first: a
    # document with one and the jsonb it became are two values, at any depth.
    def canon(text: str) -> str:
        return json_canon.canonical(json_canon.parse(text))

    twice = '{"phone":"555-1234","phone":"555-9999"}'
    assert canon(twice) == twice
    assert canon(twice) != canon('{"phone": "555-9999"}')
    assert canon('{"b":0,"a":1,"a":2}') == '{"a":1,"a":2,"b":0}'  # one key's pairs in order
    assert canon('{"a":1,"a":2}') != canon('{"a":2,"a":1}')
    assert canon('[{"k":1,"k":1}]') != canon('[{"k":1}]')
    deep = "[" * 5000 + '{"x":1,"x":2}' + "]" * 5000  # parsed and written without recursion
    assert canon(deep) == deep
    assert json_canon._canonical_flat(json_canon.parse(twice)) == twice
    assert json_canon.repeated_key('{"a":{"b":1,"c":{"d":1,"d":2}}}') == "d"
    assert json_canon.repeated_key('{"a":1,"b":{"a":1}}') is None
