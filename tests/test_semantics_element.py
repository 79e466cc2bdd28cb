"""Semantics tables: element operators, $exists and $type (docs/semantics.md, "Operators").

Cases come from the manual's "$exists" and "$type" pages.  See tests/semantics.py for how
every case runs.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re

import pytest
from semantics import cases, every_engine

pytestmark = every_engine

# Manual, "$exists": "When <boolean> is true, $exists matches the documents that contain
# the field, including documents where the field value is null."
RECORDS = [
    {"_id": 1, "a": 5, "b": 5, "c": None},
    {"_id": 2, "a": 3, "b": None, "c": 8},
    {"_id": 3, "a": None, "b": 3, "c": 9},
    {"_id": 4, "a": 1, "b": 2, "c": 3},
    {"_id": 5, "a": 2, "c": 5},
    {"_id": 6, "a": 3, "b": 2},
    {"_id": 7, "a": 4},
    {"_id": 8, "b": 2, "c": 4},
    {"_id": 9, "b": 2},
    {"_id": 10, "c": 6},
]
EXISTS_CASES = [
    ({"a": {"$exists": True}}, [1, 2, 3, 4, 5, 6, 7]),
    ({"b": {"$exists": False}}, [5, 7, 10]),
    ({"c": {"$exists": True, "$nin": [5, 15]}}, [1, 2, 3, 4, 8, 10]),
]


@pytest.mark.parametrize(("docs", "query", "want"), cases(RECORDS, EXISTS_CASES))
def test_exists(engine, docs, query, want):
    assert engine.ids(query, docs) == want


# A dotted path exists when it reaches some value: through an array, in some document
# element, or by index (docs/semantics.md, "Paths and arrays").
@pytest.mark.parametrize(
    ("path", "doc", "exists"),
    [
        ("a.b", {"a": [{"b": 1}]}, True),
        ("a.b", {"a": [1, 2]}, False),
        ("a.b", {"a": []}, False),
        ("a.0", {"a": [7]}, True),
        ("a.1", {"a": [7]}, False),
    ],
)
def test_exists_through_arrays(engine, path, doc, exists):
    assert engine.matches({path: {"$exists": True}}, doc) is exists
    assert engine.matches({path: {"$exists": False}}, doc) is not exists


# Manual, "$type": aliases or numbers, "number" for any numeric type; "For documents where
# field is an array, $type returns documents in which at least one array element matches";
# "$type: "array" return documents where the field itself is an array".
ADDRESSES = [
    {"_id": 1, "zipCode": "90698345"},
    {"_id": 2, "zipCode": 43339374.0},
    {"_id": 3, "zipCode": 2**33},  # NumberLong in the manual; a long by size here
    {"_id": 4, "zipCode": 88602117},
    {"_id": 5, "zipCode": ["834847278", "1893289032"]},
    {"_id": 6, "zipCode": None},
    {"_id": 7},
]
TYPE_CASES = [
    ({"zipCode": {"$type": 2}}, [1, 5]),
    ({"zipCode": {"$type": "string"}}, [1, 5]),
    ({"zipCode": {"$type": 1}}, [2]),
    ({"zipCode": {"$type": "double"}}, [2]),
    ({"zipCode": {"$type": "long"}}, [3]),
    ({"zipCode": {"$type": "int"}}, [4]),
    ({"zipCode": {"$type": "number"}}, [2, 3, 4]),
    ({"zipCode": {"$type": ["string", "double"]}}, [1, 2, 5]),
    ({"zipCode": {"$type": "array"}}, [5]),
    ({"zipCode": {"$type": 10}}, [6]),  # "Query for Null or Missing Fields": null only
]


@pytest.mark.parametrize(("docs", "query", "want"), cases(ADDRESSES, TYPE_CASES))
def test_type(engine, docs, query, want):
    assert engine.ids(query, docs) == want


# The Python value -> BSON type table of docs/semantics.md, "Values and types".
@pytest.mark.parametrize(
    ("alias", "stored", "want"),
    [
        ("bool", True, True),
        ("number", True, False),  # bool is not a number
        ("decimal", decimal.Decimal(1), True),
        ("object", {"x": 1}, True),
        ("date", dt.datetime(2024, 1, 1, tzinfo=dt.UTC), True),
        ("binData", b"x", True),
        ("regex", re.compile("x"), True),
    ],
)
def test_type_of_python_values(engine, alias, stored, want):
    assert engine.matches({"a": {"$type": alias}}, {"a": stored}) is want


def test_type_array_of_arrays(engine):
    # Manual, "$type", "Querying by Array Type" (the sensorReading collection).
    docs = [
        {"_id": 1, "readings": [25, 23, ["Warn: High Temp!", 55], ["ERROR: SYSTEM SHUTDOWN!", 66]]},
        {"_id": 2, "readings": [25, 25, 24, 23]},
        {"_id": 3, "readings": [22, 24, []]},
        {"_id": 4, "readings": []},
        {"_id": 5, "readings": 24},
    ]
    assert engine.ids({"readings": {"$type": "array"}}, docs) == [1, 2, 3, 4]
