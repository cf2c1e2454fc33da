"""`hygiene.loads` reads plain JSON text (printable ASCII, no escape, short numbers) with
orjson: it must give exactly what the checked parse gives, or the checked parse's error."""

from __future__ import annotations

import json
import re

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


# What `_plain_bytes` stands for: the regular expressions it replaced (30 k instructions a
# one-node workload; bench/bench_api_callgrind.py).
_PLAIN_JSON = re.compile(r"[\t\n\r\x20-\x5b\x5d-\x7e]*")
_LONG_NUMBER = re.compile(r"[0-9.eE+-]{19}")
NUMBERISH = st.text(alphabet="0123456789.eE+- \t\n\\x", max_size=60)
ANY_TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FF), max_size=60)


@given(NUMBERISH | ANY_TEXT)
def test_plain_bytes_is_the_regular_expressions(text):
    plain = _PLAIN_JSON.fullmatch(text) is not None and _LONG_NUMBER.search(text) is None
    assert (hygiene._plain_bytes(text) is not None) == plain


@pytest.mark.parametrize(
    "text",
    ["1" * 18, "1" * 19, "x" + "1e+5.-" * 4, "a\x7fb", "a\\b", "é", "\t\n\r ~", "\x1f", ""],
)
def test_plain_bytes_edges(text):
    plain = _PLAIN_JSON.fullmatch(text) is not None and _LONG_NUMBER.search(text) is None
    assert (hygiene._plain_bytes(text) is not None) == plain
