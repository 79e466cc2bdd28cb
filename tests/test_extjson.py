"""Extended JSON: exact wire forms, round trips (hypothesis), and clear errors."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from querylang.frontends import extjson
from querylang.nodes import Regex

UTC = dt.UTC


# --- exact encodings ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "relaxed", "canonical"),
    [
        (None, None, None),
        (True, True, True),
        ("s", "s", "s"),
        (7, 7, {"$numberInt": "7"}),
        (2**40, 2**40, {"$numberLong": str(2**40)}),
        (-(2**31), -(2**31), {"$numberInt": str(-(2**31))}),
        (2**31, 2**31, {"$numberLong": str(2**31)}),
        (1.5, 1.5, {"$numberDouble": "1.5"}),
        (math.inf, {"$numberDouble": "Infinity"}, {"$numberDouble": "Infinity"}),
        (-math.inf, {"$numberDouble": "-Infinity"}, {"$numberDouble": "-Infinity"}),
        (decimal.Decimal("1.10"), {"$numberDecimal": "1.10"}, {"$numberDecimal": "1.10"}),
        (
            b"\x00\xffab",
            {"$binary": {"base64": "AP9hYg==", "subType": "00"}},
            {"$binary": {"base64": "AP9hYg==", "subType": "00"}},
        ),
        (
            dt.datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC),
            {"$date": "2024-05-01T12:00:00.123Z"},
            {"$date": {"$numberLong": "1714564800123"}},
        ),
        (
            dt.datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC),
            {"$date": "2024-05-01T12:00:00.123456Z"},
            {"$date": "2024-05-01T12:00:00.123456Z"},  # ms would lose precision: ISO kept
        ),
        (
            dt.datetime(1960, 1, 1, tzinfo=UTC),  # before 1970: ms even in relaxed mode
            {"$date": {"$numberLong": "-315619200000"}},
            {"$date": {"$numberLong": "-315619200000"}},
        ),
        (
            Regex("^a.b$", "si"),
            {"$regularExpression": {"pattern": "^a.b$", "options": "is"}},
            {"$regularExpression": {"pattern": "^a.b$", "options": "is"}},
        ),
        ((1, [2]), [1, [2]], [{"$numberInt": "1"}, [{"$numberInt": "2"}]]),
    ],
)
def test_exact_wire_forms(value: Any, relaxed: Any, canonical: Any) -> None:
    assert extjson.encode(value) == relaxed
    assert extjson.encode(value, canonical=True) == canonical


def test_nan_encodes_as_number_double() -> None:
    assert extjson.encode(math.nan) == {"$numberDouble": "NaN"}
    assert math.isnan(extjson.loads('{"$numberDouble": "NaN"}'))


def test_memoryview_bytearray_and_pattern() -> None:
    want = {"$binary": {"base64": "YWI=", "subType": "00"}}
    assert extjson.encode(memoryview(b"ab")) == want
    assert extjson.encode(bytearray(b"ab")) == want
    assert extjson.encode(re.compile("x+", re.IGNORECASE | re.MULTILINE)) == {
        "$regularExpression": {"pattern": "x+", "options": "im"}
    }


def test_dates_with_offsets_and_naive_local_time() -> None:
    plus2 = dt.timezone(dt.timedelta(hours=2))
    aware = dt.datetime(2024, 1, 1, 14, 0, tzinfo=plus2)
    assert extjson.encode(aware) == {"$date": "2024-01-01T12:00:00.000Z"}
    naive = dt.datetime(2024, 1, 1, 14, 0)
    back = extjson.loads(extjson.dumps(naive))
    assert back == naive.astimezone()  # naive means local time
    assert back.tzinfo is UTC


def test_dumps_text_is_plain_json() -> None:
    text = extjson.dumps({"x": [math.nan, "é"]})
    assert text == '{"x": [{"$numberDouble": "NaN"}, "é"]}'
    assert json.loads(text)  # strict JSON: no bare NaN


# --- decoding ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ('{"$date": "2024-05-01T12:00:00Z"}', dt.datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ('{"$date": "2024-05-01T14:00:00+02:00"}', dt.datetime(2024, 5, 1, 12, tzinfo=UTC)),
        (
            '{"$date": {"$numberLong": "1714564800123"}}',
            dt.datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC),
        ),
        ('{"$date": 0}', dt.datetime(1970, 1, 1, tzinfo=UTC)),
        ('{"$numberLong": "-42"}', -42),
        ('{"$numberInt": "+42"}', 42),
        ('{"$numberDouble": "1e3"}', 1000.0),
        ('{"$numberDouble": "-Infinity"}', -math.inf),
        ('{"$numberDecimal": "-0.001"}', decimal.Decimal("-0.001")),
        ('{"$binary": {"base64": "", "subType": "5"}}', b""),
        ('{"$binary": "YWI=", "$type": "00"}', b"ab"),
        ('{"$oid": "5F0000000000000000000001"}', "5f0000000000000000000001"),
        ('{"$regularExpression": {"pattern": "a", "options": "ui"}}', Regex("a", "iu")),
        # only exact shapes are wrappers
        ('{"$date": "x", "y": 1}', {"$date": "x", "y": 1}),
        ('{"$regex": "a", "$options": "i"}', {"$regex": "a", "$options": "i"}),
        ('{"a": [{"b": {"$numberLong": "1"}}]}', {"a": [{"b": 1}]}),
    ],
)
def test_decode(text: str, want: Any) -> None:
    got = extjson.loads(text)
    assert got == want
    assert type(got) is type(want)
    if isinstance(got, dt.datetime):
        assert got.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"a": {"$date": "yesterday"}}', "at $.a: malformed $date: 'yesterday' is not an ISO"),
        ('{"$date": "2024-01-01T00:00:00"}', "has no UTC offset"),
        ('{"$date": true}', "malformed $date"),
        ('{"$date": {"$numberLong": "1e3"}}', "malformed $date.$numberLong"),
        ('{"$date": {"$numberLong": "99999999999999999"}}', "outside Python's date range"),
        ('{"$date": "0001-01-01T00:00:00+01:00"}', "outside Python's date range"),
        ('{"x": [1, {"$numberLong": 5}]}', "at $.x[1]: malformed $numberLong"),
        ('{"$numberLong": "9223372036854775808"}', "out of range"),
        ('{"$numberInt": "2147483648"}', "out of range"),
        ('{"$numberDouble": 1.5}', "expected a string"),
        ('{"$numberDouble": "inf"}', "NaN, Infinity or -Infinity"),
        ('{"$numberDouble": "one"}', "is not a number"),
        ('{"$numberDecimal": "1,5"}', "is not a decimal"),
        ('{"$binary": {"base64": "!!", "subType": "00"}}', "not valid base64"),
        ('{"$binary": {"base64": "YQ==", "subType": "xyz"}}', "subType"),
        ('{"$binary": {"base64": "YQ=="}}', "expected {'base64'"),
        ('{"$regularExpression": {"pattern": "a"}}', "expected {'pattern'"),
        ('{"$regularExpression": {"pattern": "a", "options": "il"}}', "invalid regex flag(s) 'l'"),
        ('{"$oid": "123"}', "24 hex digits"),
        ('{"$timestamp": {"t": 1, "i": 2}}', "$timestamp has no Python value"),
    ],
)
def test_malformed_wrappers_raise_value_error(text: str, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        extjson.loads(text)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ({"$date": "not data"}, ValueError),
        ({"a": [{"$numberLong": "1"}]}, ValueError),
        ({1: "x"}, TypeError),
        (object(), TypeError),
        (re.compile(b"x"), TypeError),
        (dt.date(2024, 1, 1), TypeError),
    ],
)
def test_unencodable_values(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        extjson.encode(value)


def test_canonical_refuses_ints_beyond_int64() -> None:
    assert extjson.encode(2**70) == 2**70
    with pytest.raises(ValueError, match="64-bit"):
        extjson.encode({"big": 2**70}, canonical=True)


# --- round trips -------------------------------------------------------------------------


def _norm(value: Any) -> Any:
    """A comparable form that keeps what Python's == blurs (1 vs 1.0 vs True, NaN, -0.0)."""
    if isinstance(value, bool) or value is None:
        return ("const", value)
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, float):
        return ("float", repr(value))
    if isinstance(value, decimal.Decimal):
        return ("decimal", str(value))
    if isinstance(value, dt.datetime):
        return ("date", value.astimezone(UTC))
    if isinstance(value, bytes | bytearray | memoryview):
        return ("bytes", bytes(value))
    if isinstance(value, dict):
        return ("doc", [(k, _norm(v)) for k, v in value.items()])
    if isinstance(value, list | tuple):
        return ("array", [_norm(v) for v in value])
    return (type(value).__name__, value)


def _has_wrapper_shape(value: Any) -> bool:
    if isinstance(value, dict):
        if value and frozenset(value) in extjson.WRAPPER_KEYS:
            return True
        return any(_has_wrapper_shape(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_wrapper_shape(v) for v in value)
    return False


def _all_dates_utc(value: Any) -> bool:
    if isinstance(value, dt.datetime):
        return value.tzinfo is UTC
    if isinstance(value, dict):
        return all(_all_dates_utc(v) for v in value.values())
    if isinstance(value, list):
        return all(_all_dates_utc(v) for v in value)
    return True


_timezones = st.sampled_from(
    [UTC, dt.timezone(dt.timedelta(hours=5, minutes=30)), dt.timezone(dt.timedelta(hours=-8))]
)
_dates = st.datetimes(
    min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=_timezones
)
_keys = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["$date", "$numberLong", "$binary", "$type", "$oid", "$in", "msg_id"]),
)


def _scalars(int64_only: bool) -> st.SearchStrategy[Any]:
    ints = st.integers(-(2**63), 2**63 - 1) if int64_only else st.integers()
    return st.one_of(
        st.none(),
        st.booleans(),
        ints,
        st.floats(),  # includes NaN, +-Infinity, -0.0
        st.decimals(allow_nan=True, allow_infinity=True),
        st.text(),
        st.binary(max_size=32),
        _dates,
        st.builds(Regex, st.text(max_size=8), st.sampled_from(["", "i", "ms", "imsx"])),
    )


def _values(int64_only: bool) -> st.SearchStrategy[Any]:
    return st.recursive(
        _scalars(int64_only),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=4)
        ),
        max_leaves=12,
    )


@given(_values(int64_only=False))
def test_relaxed_round_trip(value: Any) -> None:
    if _has_wrapper_shape(value):
        with pytest.raises(ValueError, match="would read back as an Extended JSON wrapper"):
            extjson.dumps(value)
        return
    back = extjson.loads(extjson.dumps(value))
    assert _norm(back) == _norm(value)
    assert _all_dates_utc(back)


@given(_values(int64_only=True))
def test_canonical_round_trip(value: Any) -> None:
    if _has_wrapper_shape(value):
        return
    text = extjson.dumps(value, canonical=True)
    back = extjson.loads(text)
    assert _norm(back) == _norm(value)
    assert _all_dates_utc(back)


@given(_dates)
def test_dates_keep_microseconds(value: dt.datetime) -> None:
    for canonical in (False, True):
        back = extjson.decode(extjson.encode(value, canonical=canonical))
        assert back == value and back.microsecond == value.astimezone(UTC).microsecond


def test_sample_records_round_trip() -> None:
    from taskdb.samples import sample_records

    records = sample_records(50, seed=3)
    for rec in records:
        assert _norm(extjson.loads(extjson.dumps(rec))) == _norm(rec)


_json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(["NaN", "-Infinity", "1e400", "2024-01-01T00:00:00Z", "YWI=", "00", "ff"]),
)
_wrapper_names = st.sampled_from(
    ["$date", "$binary", "$type", "$numberLong", "$numberInt", "$numberDouble",
     "$numberDecimal", "$regularExpression", "$oid", "$timestamp", "$code", "$scope",
     "base64", "subType", "pattern", "options"]
)  # fmt: skip
_json_values = st.recursive(
    _json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(_wrapper_names, st.text(max_size=4)), inner, max_size=2),
    ),
    max_leaves=8,
)


@given(_json_values)
def test_decode_of_any_json_returns_or_raises_value_error(value: Any) -> None:
    """Malformed input never escapes as TypeError, KeyError or OverflowError."""
    try:
        decoded = extjson.decode(value)
    except ValueError as exc:
        assert str(exc).startswith("at $")
    else:
        # what decoded is plain data: it writes out and reads back as itself
        assert _norm(extjson.loads(extjson.dumps(decoded))) == _norm(decoded)
