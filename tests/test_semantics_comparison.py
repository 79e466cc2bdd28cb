"""Semantics tables: comparison operators, type brackets and the BSON order ($eq, $ne, $gt,
$gte, $lt, $lte, $in, $nin; docs/semantics.md, "Comparison and sort order").

Manual, "Comparison/Sort Order": "MongoDB enforces comparisons with Comparison Query
Operators only on documents where the BSON type of the target field matches the query
operand type through Type Bracketing"; "all numeric types are considered equivalent".  See
tests/semantics.py for how every case runs.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from typing import Any

import pytest
from semantics import cases, every_engine

pytestmark = every_engine

UTC = dt.UTC
PLUS2 = dt.timezone(dt.timedelta(hours=2))
NAN = math.nan


# BSON equality (docs/semantics.md): same bracket and equal value; $ne is exactly not $eq.
@pytest.mark.parametrize(
    ("value", "stored", "equal"),
    [
        (1, True, False),  # bool is its own bracket
        (True, 1, False),
        (0, False, False),
        (1, 1.0, True),  # numbers compare by value across int, float and Decimal
        (0, -0.0, True),
        (2**53 + 1, 2**53 + 1, True),  # exactly, beyond a double's precision
        (float(2**70), 2**70, True),  # a stored int beyond int64 compares exactly
        (1, decimal.Decimal(1), True),
        (0.1, decimal.Decimal(0.1), True),  # the double's exact value
        (0.1, decimal.Decimal("0.1"), False),  # a double 0.1 is not exactly 0.1
        (NAN, decimal.Decimal("NaN"), True),  # NaN equals NaN, in any numeric type
        (1, "1", False),  # strings are not numbers
        ("1", 1, False),
        (b"ab", bytearray(b"ab"), True),  # bytes, bytearray and memoryview are binData
        (b"ab", memoryview(b"ab"), True),
        (b"ab", "ab", False),
        ([1, 2], (1, 2), True),  # a tuple is an array
    ],
)
def test_equality(engine, value, stored, equal):
    assert engine.matches({"a": value}, {"a": stored}) is equal
    assert engine.matches({"a": {"$ne": value}}, {"a": stored}) is not equal


# Range operators match within the operand's type bracket only, by the BSON order:
# numbers by value, strings by code point, bools false < true, binData by length then bytes,
# arrays and documents element by element.
@pytest.mark.parametrize(
    ("query", "stored", "want"),
    [
        ({"$gt": 5}, "6", False),
        ({"$gt": 5}, 6, True),
        ({"$gt": 5}, 5.5, True),
        ({"$lt": "b"}, 1, False),
        ({"$lt": "b"}, "a", True),
        ({"$gte": 0}, False, False),
        ({"$gt": False}, True, True),
        ({"$gt": False}, 1, False),
        ({"$gt": b"a"}, b"b", True),
        ({"$gt": b"b"}, b"aa", True),  # binData orders by length first
        ({"$gt": [1]}, [2], True),
        ({"$gt": {"x": 1}}, {"x": 2}, True),
        ({"$gt": decimal.Decimal("1.5")}, 2, True),
        ({"$gt": 1.5}, decimal.Decimal(2), True),
    ],
)
def test_ranges_stay_in_their_bracket(engine, query, stored, want):
    assert engine.matches({"a": query}, {"a": stored}) is want


# jstests/core/query/nan.js: NaN equals NaN; nothing is greater or less than NaN, and NaN is
# neither greater nor less than any number.
NANS = [
    {"_id": 0, "a": -math.inf},
    {"_id": 1, "a": -3},
    {"_id": 2, "a": 0},
    {"_id": 3, "a": 3},
    {"_id": 4, "a": math.inf},
    {"_id": 5, "a": math.nan},
    {"_id": 8, "a": None},
    {"_id": 9, "a": []},
    {"_id": 10, "a": {"b": 1}},
]
NAN_CASES = [
    ({"a": math.nan}, [5]),
    ({"a": {"$lt": math.nan}}, []),
    ({"a": {"$lte": math.nan}}, [5]),
    ({"a": {"$gt": math.nan}}, []),
    ({"a": {"$gte": math.nan}}, [5]),
    ({"a": {"$in": [math.nan, 1000]}}, [5]),
    ({"a": {"$ne": math.nan}}, [0, 1, 2, 3, 4, 8, 9, 10]),
    ({"a": {"$gt": 1}}, [3, 4]),
    ({"a": {"$gte": 0}}, [2, 3, 4]),
    ({"a": {"$lt": 0}}, [0, 1]),
]


@pytest.mark.parametrize(("docs", "query", "want"), cases(NANS, NAN_CASES))
def test_nan(engine, docs, query, want):
    assert engine.ids(query, docs) == want


# Dates compare as instants: one instant in two time zones is one value.  Naive datetimes
# are local time (docs/semantics.md, "Deliberate differences").
T0 = dt.datetime(2024, 1, 1, 12, tzinfo=UTC)
NAIVE = dt.datetime(2024, 1, 1, 12)


@pytest.mark.parametrize(
    ("query", "stored", "want"),
    [
        ({"$gte": T0}, T0, True),
        ({"$gt": T0}, T0, False),
        ({"$gt": T0}, T0.astimezone(PLUS2), False),
        ({"$eq": T0}, T0.astimezone(PLUS2), True),
        ({"$lt": T0}, T0 - dt.timedelta(seconds=1), True),
        ({"$gte": T0, "$lt": T0 + dt.timedelta(1)}, T0 + dt.timedelta(hours=3), True),
        ({"$gte": T0, "$lt": T0 + dt.timedelta(1)}, T0 + dt.timedelta(2), False),
        ({"$gte": T0}, "2025-01-01", False),
        ({"$gte": T0}, 10**12, False),
        ({"$gte": T0}, None, False),
        ({"$gte": T0}, [T0 - dt.timedelta(1), T0], True),
        ({"$gte": NAIVE.astimezone()}, NAIVE, True),
        ({"$gt": NAIVE.astimezone()}, NAIVE, False),
        ({"$eq": NAIVE.astimezone()}, NAIVE, True),
        ({"$in": [NAIVE.astimezone()]}, NAIVE, True),
    ],
)
def test_dates(engine, query, stored, want):
    assert engine.matches({"d": query}, {"d": stored}) is want


# Manual, "$in" and "$nin" (the inventory collection); $in takes regexes; $nin also
# selects documents without the field.
TAGGED = [
    {"_id": 1, "item": "Pens", "quantity": 350, "tags": ["school", "office"]},
    {"_id": 2, "item": "Erasers", "quantity": 15, "tags": ["school", "home"]},
    {"_id": 3, "item": "Maps", "tags": ["office", "storage"]},
    {"_id": 4, "item": "Books", "quantity": 5, "tags": ["school", "storage", "home"]},
]
IN_CASES: list[tuple[dict[str, Any], list[Any]]] = [
    ({"quantity": {"$in": [5, 15]}}, [2, 4]),
    ({"tags": {"$in": ["home", "school"]}}, [1, 2, 4]),
    ({"tags": {"$in": [re.compile("^be"), re.compile("^st")]}}, [3, 4]),
    ({"quantity": {"$nin": [5, 15]}}, [1, 3]),
    ({"tags": {"$nin": ["school"]}}, [3]),
    ({"quantity": {"$in": []}}, []),
    ({"quantity": {"$nin": []}}, [1, 2, 3, 4]),
]


@pytest.mark.parametrize(("docs", "query", "want"), cases(TAGGED, IN_CASES))
def test_in_and_nin(engine, docs, query, want):
    assert engine.ids(query, docs) == want


# $in is "equal to any value in the array", by BSON equality; $nin is exactly not $in.
@pytest.mark.parametrize(
    ("values", "stored", "want"),
    [
        ([1], True, False),
        ([True], 1, False),
        ([True], True, True),
        ([1], 1.0, True),
        ([decimal.Decimal(1)], 1, True),
        ([T0], T0.astimezone(PLUS2), True),
        ([b"x"], b"x", True),
        ([[1, 2]], [1, 2], True),  # the whole array
        ([{"x": 1}], {"x": 1}, True),
    ],
)
def test_in_is_bson_equality(engine, values, stored, want):
    assert engine.matches({"a": {"$in": values}}, {"a": stored}) is want
    assert engine.matches({"a": {"$nin": values}}, {"a": stored}) is not want
