"""The text front end on Mongo-style JSON text: it is handed to from_dict, with Extended
JSON wrappers decoded, and from_dict's errors get a line and column."""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import math
import re
from typing import Any

import pytest
from helpers import lit
from hypothesis import given
from hypothesis import strategies as st

from querylang import nodes as n
from querylang.errors import QueryError
from querylang.frontends.from_dict import from_dict
from querylang.frontends.text.parser import parse_text
from querylang.strategies import dict_queries

UTC = dt.UTC
T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)


def parse(text: str) -> n.Node:
    return parse_text(text)


def test_json_text_is_handed_to_from_dict():
    d = {"$or": [{"a": {"$gt": 1}}, {"header.msg_type": {"$in": ["x", "y"]}}], "c": [1, 2.0]}
    assert parse(json.dumps(d)) == from_dict(d)
    assert parse("{}") == n.Const(True)
    assert parse('  {"a": NaN}  ') == from_dict({"a": math.nan})


EXTENDED = [
    ('{"$date": "2026-01-01T00:00:00Z"}', T0),
    ('{"$date": "2026-01-01T01:00:00+01:00"}', T0),
    ('{"$date": {"$numberLong": "1767225600000"}}', T0),
    ('{"$date": 1767225600000}', T0),
    ('{"$numberLong": "5"}', 5),
    ('{"$numberLong": "-9223372036854775808"}', -(2**63)),
    ('{"$numberInt": "-7"}', -7),
    ('{"$numberDouble": "1.5"}', 1.5),
    ('{"$numberDouble": "NaN"}', math.nan),
    ('{"$numberDouble": "Infinity"}', math.inf),
    ('{"$numberDouble": "-Infinity"}', -math.inf),
    ('{"$numberDecimal": "1.10"}', decimal.Decimal("1.10")),
    ('{"$binary": {"base64": "AAE=", "subType": "00"}}', b"\x00\x01"),
    ('{"$regularExpression": {"pattern": "^a", "options": "i"}}', n.Regex("^a", "i")),
]


@pytest.mark.parametrize(("wrapper", "value"), EXTENDED, ids=[w for w, _ in EXTENDED])
def test_extended_json_is_decoded(wrapper, value):
    got = parse('{"a": {"$in": [' + wrapper + "]}}")
    assert got == n.In(("a",), (lit(value),))
    if isinstance(value, n.Regex):
        assert parse('{"a": ' + wrapper + "}") == n.Match(("a",), value)
    else:
        assert parse('{"a": ' + wrapper + "}") == n.Compare(("a",), "eq", lit(value))


def test_extended_json_dates_are_aware_utc():
    node = parse('{"submitted": {"$gte": {"$date": "2026-01-01T02:00:00+02:00"}}}')
    value = node.value.value  # type: ignore[attr-defined]
    assert value.tzinfo is not None and value == T0


def test_extended_json_inside_operators_and_nested_values():
    text = (
        '{"a": {"$not": {"$regularExpression": {"pattern": "x", "options": ""}}},'
        ' "b": [{"$numberLong": "1"}, {"c": {"$numberInt": "2"}}]}'
    )
    assert parse(text) == from_dict({"a": {"$not": re.compile("x")}, "b": [1, {"c": 2}]})


def test_duplicate_json_keys_are_refused_with_their_position():
    with pytest.raises(QueryError) as info:
        parse('{"a": 1,\n "a": 2}')
    assert (info.value.line, info.value.column) == (2, 2)
    assert "duplicate key 'a'" in info.value.message
    with pytest.raises(QueryError, match="duplicate key"):
        parse('a == {"k": 1, "k": 2}')


def test_from_dict_errors_keep_their_path_and_get_a_position():
    with pytest.raises(QueryError) as info:
        parse('{"$and": [{"a": 1}, {"b": {"$gtt": 2}}]}')
    err = info.value
    assert err.path == "$and[1].b.$gtt"
    assert (err.line, err.column) == (1, 28)
    assert err.hint == "did you mean '$gt'?"
    assert '{"$gtt": 2}' in err.snippet
    with pytest.raises(QueryError) as info:
        parse('{"header.msg_type": {"$in": 5}}')
    assert info.value.path == "header.msg_type.$in" and info.value.column == 22
    with pytest.raises(QueryError, match="JavaScript"):
        parse('{"$where": "sleep(1000)"}')


def test_malformed_extended_json_is_an_error_at_the_wrapper():
    with pytest.raises(QueryError) as info:
        parse('{"a": {"$numberLong": 5}}')
    assert (info.value.line, info.value.column) == (1, 8)
    assert "$numberLong" in info.value.message
    for bad in (
        '{"$date": "yesterday"}',
        '{"$timestamp": {"t": 1, "i": 1}}',
        '{"$numberInt": "x"}',
    ):
        with pytest.raises(QueryError):
            parse('{"a": ' + bad + "}")


def test_json_depth_is_left_to_from_dict():
    d: dict = {"a": 1}
    for _ in range(150):
        d = {"$and": [d]}
    assert parse(json.dumps(d)) == from_dict(d)  # 300 brackets deep, 150 query levels


# --- property: JSON text of a dict query gives from_dict's tree, or from_dict's error --------
# Filters from querylang.strategies over wide values (any int, float, text, binary, decimal,
# UTC date: written as Extended JSON), and the same filters with one bad operator spliced in,
# at the top or inside an $or: the JSON text must fail wherever from_dict fails.

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=5),
    st.datetimes(
        min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    st.binary(max_size=5),
    st.decimals(allow_nan=False, places=2).map(lambda d: decimal.Decimal(str(d))),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["k", "l", "0"]), inner, max_size=2)
    ),
    max_leaves=6,
)
_FILTERS = dict_queries(fields=["a", "b", "é", "x y"], values=_VALUES, json_only=True)
_BAD_CONDITIONS = st.sampled_from(
    [
        {"$bogus": 1},
        {"$type": "nope"},
        {"$type": 99},
        {"$mod": [0, 1]},
        {"$mod": [2]},
        {"$size": -1},
        {"$glob": 5},
        {"$in": 5},
        {"$regex": "("},
        {"$regex": "^a", "$options": "q"},
        {"$not": {}},
        {"$not": {"a": 1}},
        {"$elemMatch": 3},
    ]
)
_BAD_FILTERS = st.one_of(
    st.builds(
        lambda d, k, bad: {**d, k: bad}, _FILTERS, st.sampled_from(["a", "c.0.d"]), _BAD_CONDITIONS
    ),
    st.builds(lambda d, bad: {"$or": [d, {"b": bad}]}, _FILTERS, _BAD_CONDITIONS),
)


def json_text_of(value: Any) -> str:
    """The Mongo-style JSON text of a dict query, with Extended JSON for non-JSON values."""

    def default(x: Any) -> Any:
        if isinstance(x, dt.datetime):
            return {"$date": x.isoformat()}
        if isinstance(x, bytes):
            return {"$binary": {"base64": base64.b64encode(x).decode(), "subType": "00"}}
        if isinstance(x, decimal.Decimal):
            return {"$numberDecimal": str(x)}
        if isinstance(x, re.Pattern):
            flags = "".join(c for c, f in (("i", re.I), ("m", re.M)) if x.flags & f)
            return {"$regularExpression": {"pattern": x.pattern, "options": flags}}
        raise TypeError(type(x))

    return json.dumps(value, default=default, ensure_ascii=False)


@given(_FILTERS | _BAD_FILTERS)
def test_json_text_parses_like_the_dict(d):
    text = json_text_of(d)
    try:
        expected = from_dict(d)
    except QueryError:
        with pytest.raises(QueryError):
            parse_text(text)
        return
    assert parse_text(text) == expected, text
