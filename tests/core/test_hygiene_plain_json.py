"""`hygiene.loads` reads plain JSON text (printable ASCII, no escape, short numbers) with
orjson: it must give exactly what the checked parse gives, or the checked parse's error."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.core import hygiene

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)


def _outcome(parse, text: str) -> object:
    try:
        value = parse(text)
    except (hygiene.InputRejected, ValueError) as exc:
        return ("error", type(exc), str(exc))
    return ("value", json.dumps(value), repr(value))  # repr: int 1 and float 1.0 differ


@given(VALUES, st.booleans(), st.sampled_from([None, 1, 2]))
def test_plain_text_parses_as_the_checked_parse_does(value, ascii_only, indent):
    text = json.dumps(value, ensure_ascii=ascii_only, indent=indent)
    assert _outcome(hygiene.loads, text) == _outcome(hygiene.loads_checked, text)


@pytest.mark.parametrize(
    "text",
    [
        '{"nodes": 12345678901234567890}',  # beyond 64 bits: orjson would give a float
        '{"nodes": -9223372036854775809}',
        '{"x": -123456789012345678.12345678901234567e-00000000000000001}',  # over 50 chars
        '{"nodes": 1e999}',
        '{"nodes": NaN}',
        '{"name": "a\x7fb"}',  # DEL is a control character
        '{"name": "tab\\tescaped"}',
        "[" * 33 + "]" * 33,
        "[" * 32 + "]" * 32,
        '{"a": 1, "a": 2, "b": [1.5, -0, -0.0, 1E+5]}',
        '{"name": "' + "x" * 20_000 + '"}',
        '{"name": "' + "x" * 19_990 + '"}',
        "null",
        "12",
        '"text"',
        "[1,]",
        "",
    ],
)
def test_edge_cases_parse_as_the_checked_parse_does(text):
    assert _outcome(hygiene.loads, text) == _outcome(hygiene.loads_checked, text)


def test_a_one_node_workload_takes_the_plain_path():
    text = json.dumps({"kind": "inference", "nodes": 1, "inference": {"prompt_tokens": 1001}})
    assert hygiene._plain(text) == json.loads(text)
    assert hygiene._plain('{"a": "\\u00e9"}') is None  # an escape: the checked parse
