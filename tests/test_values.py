"""The BSON value model: type brackets, the sort order, equality, and the NaN and $mod rules."""

import datetime as dt
import decimal
import math
import re

import pytest

from querylang.nodes import Document, Literal, Regex, freeze, thaw
from querylang.values import (
    MISSING,
    bson_type,
    compare,
    compare_op,
    equal,
    matches_type,
    mongo_mod,
)

UTC = dt.UTC
D = dt.datetime(2026, 1, 1, tzinfo=UTC)

# One value per bracket, in MongoDB's documented comparison order (manual: "Comparison/Sort Order").
ORDERED = [None, -5, 3.5, "a", {"x": 1}, [1], b"\x00", False, D, re.compile("x")]


def test_cross_type_order_follows_the_manual():
    for i, a in enumerate(ORDERED):
        for j, b in enumerate(ORDERED):
            assert compare(a, b) == (i > j) - (i < j), (a, b)


def test_numbers_compare_numerically_across_int_float_decimal():
    assert equal(1, 1.0) and equal(1, decimal.Decimal("1.0"))
    assert compare(2**63, float(2**63) - 4096) == 1
    assert compare(1, 1.5) == -1


def test_bool_is_not_a_number():
    assert not equal(True, 1) and not equal(False, 0)
    assert not compare_op("gt", True, 0)
    assert bson_type(True) == "bool"


def test_missing_is_null_for_equality_only():
    assert equal(MISSING, None)
    assert compare_op("gte", MISSING, None) and compare_op("lte", MISSING, None)
    assert not compare_op("gt", MISSING, None)
    assert not matches_type(MISSING, ("null",))
    assert matches_type(None, ("null",))


def test_range_comparisons_never_cross_brackets():
    assert not compare_op("gt", "6", 5)
    assert not compare_op("lt", 5, "6")
    assert not compare_op("gt", D, 5)
    assert compare_op("gt", "b", "a")


def test_nan_equals_nan_and_is_never_less_or_greater():
    nan = float("nan")
    assert equal(nan, nan)
    assert compare_op("gte", nan, nan) and compare_op("lte", nan, nan)
    for op in ("gt", "lt"):
        assert not compare_op(op, nan, 1) and not compare_op(op, 1, nan)
    assert not compare_op("gte", nan, 1)
    assert compare(nan, -math.inf) == -1  # sorts before every number


def test_documents_are_order_sensitive_and_recursive():
    assert equal({"a": 1, "b": 2}, {"a": 1.0, "b": 2})
    assert not equal({"a": 1, "b": 2}, {"b": 2, "a": 1})
    assert compare({"a": 1}, {"a": 1, "b": 0}) == -1
    assert compare({"a": "x"}, {"a": 1}) == 1  # by the type of the value first
    assert equal(Document({"a": (1, 2)}), {"a": [1, 2]})


def test_arrays_compare_elementwise_then_by_length():
    assert compare([1, 2], [1, 3]) == -1
    assert compare([1, 2], [1, 2, 0]) == -1
    assert equal([1, 2], (1, 2))
    assert not equal([1, 2], [2, 1])


def test_naive_and_aware_datetimes_compare_without_type_error():
    naive = dt.datetime(2026, 1, 1, 12)
    assert equal(naive, naive.astimezone())
    assert compare_op("gt", naive.astimezone() + dt.timedelta(seconds=1), naive)


def test_binary_compares_by_length_first():
    assert compare(b"\xff", b"\x00\x00") == -1
    assert equal(memoryview(b"ab"), b"ab") and equal(bytearray(b"ab"), b"ab")


def test_regex_values():
    assert equal(re.compile("x", re.I), Regex("x", "i"))
    assert bson_type(Regex("x")) == "regex"


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (None, "null"),
        (True, "bool"),
        (1, "int"),
        (2**31, "long"),
        (-(2**31), "int"),
        (1.5, "double"),
        (decimal.Decimal(1), "decimal"),
        ("s", "string"),
        ({}, "object"),
        ([], "array"),
        ((), "array"),
        (b"", "binData"),
        (D, "date"),
        (object(), "other"),
    ],
)
def test_bson_types(value, name):
    assert bson_type(value) == name


def test_number_alias():
    for v in (1, 2.5, 2**40, decimal.Decimal("1.5")):
        assert matches_type(v, ("number",))
    assert not matches_type(True, ("number",))


@pytest.mark.parametrize(
    ("value", "divisor", "remainder", "expected"),
    [
        (5, 3, 2, True),
        (-5, 3, -2, True),
        (-5, 3, 1, False),
        (5, -3, 2, True),
        (5.9, 3, 2, True),
        (-5.9, 3, -2, True),
        (float("nan"), 3, 0, False),
        (float("inf"), 3, 0, False),
        ("5", 3, 2, False),
        (True, 1, 0, False),
        (2**70, 7, 2**70 % 7, True),
    ],
)
def test_mod_truncates_like_c(value, divisor, remainder, expected):
    assert mongo_mod(value, divisor, remainder) is expected


def test_literal_keys_tell_apart_what_python_conflates():
    assert Literal(1) != Literal(True) != Literal(1.0)
    assert Literal(float("nan")) == Literal(float("nan"))
    assert hash(Literal((1, 2))) == hash(Literal(freeze([1, 2])))
    assert Literal(freeze({"a": 1, "b": 2})) != Literal(freeze({"b": 2, "a": 1}))
    assert thaw(freeze({"a": [1, {"b": 2}]})) == {"a": [1, {"b": 2}]}
