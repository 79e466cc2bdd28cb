"""Semantics tables: paths through documents and arrays (docs/semantics.md, "Paths and arrays").

Cases come from the manual ("Query an Array", "Query an Array of Embedded Documents",
"Query on Embedded/Nested Documents", "Dot Notation", "$eq") and are pinned where the manual
is silent by the rules in docs/semantics.md.  See tests/semantics.py for how every case runs.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re

import pytest
from semantics import cases, every_engine

pytestmark = every_engine

# Manual, "Query an Array": "queries for all documents where the field tags value is an
# array with exactly two elements, "red" and "blank", in the specified order"; an element
# query matches if any element matches; compound conditions on an array may be met by
# different elements, $elemMatch needs one element to meet all; "dim_cm.1" is by position.
INVENTORY = [
    {"_id": "journal", "tags": ["blank", "red"], "dim_cm": [14, 21]},
    {"_id": "notebook", "tags": ["red", "blank"], "dim_cm": [14, 21]},
    {"_id": "paper", "tags": ["red", "blank", "plain"], "dim_cm": [14, 21]},
    {"_id": "planner", "tags": ["blank", "red"], "dim_cm": [22.85, 30]},
    {"_id": "postcard", "tags": ["blue"], "dim_cm": [10, 15.25]},
]
ARRAY_CASES = [
    ({"tags": ["red", "blank"]}, ["notebook"]),
    ({"tags": {"$all": ["red", "blank"]}}, ["journal", "notebook", "paper", "planner"]),
    ({"tags": "red"}, ["journal", "notebook", "paper", "planner"]),
    ({"dim_cm": {"$gt": 25}}, ["planner"]),
    ({"dim_cm": {"$gt": 15, "$lt": 20}}, ["journal", "notebook", "paper", "postcard"]),
    ({"dim_cm": {"$elemMatch": {"$gt": 22, "$lt": 30}}}, ["planner"]),
    ({"dim_cm.1": {"$gt": 25}}, ["planner"]),
    ({"tags": {"$size": 3}}, ["paper"]),
]


@pytest.mark.parametrize(("docs", "query", "want"), cases(INVENTORY, ARRAY_CASES))
def test_arrays(engine, docs, query, want):
    assert engine.ids(query, docs) == want


# Manual, "$eq": "If the specified <value> is an array, MongoDB matches documents where the
# <field> matches the array exactly or the <field> contains an element that matches the
# array exactly"; "If the specified <value> is a document, the order of the fields in the
# document matters."  Document 5 shows nested arrays are expanded only one level.
EQ_INVENTORY = [
    {"_id": 1, "item": {"name": "ab", "code": "123"}, "qty": 15, "tags": ["A", "B", "C"]},
    {"_id": 2, "item": {"name": "cd", "code": "123"}, "qty": 20, "tags": ["B"]},
    {"_id": 3, "item": {"name": "ij", "code": "456"}, "qty": 25, "tags": ["A", "B"]},
    {"_id": 4, "item": {"name": "xy", "code": "456"}, "qty": 30, "tags": ["B", "A"]},
    {"_id": 5, "item": {"name": "mn", "code": "000"}, "qty": 20, "tags": [["A", "B"], "C"]},
]
EQ_CASES = [
    ({"qty": {"$eq": 20}}, [2, 5]),
    ({"item.name": {"$eq": "ab"}}, [1]),
    ({"tags": {"$eq": "B"}}, [1, 2, 3, 4]),
    ({"tags": {"$eq": ["A", "B"]}}, [3, 5]),
    ({"item": {"name": "ab", "code": "123"}}, [1]),
    ({"item": {"code": "123", "name": "ab"}}, []),
    ({"tags": {"$all": [["A", "B"]]}}, [3, 5]),  # manual, "$all": "Nested Array"
]


@pytest.mark.parametrize(("docs", "query", "want"), cases(EQ_INVENTORY, EQ_CASES))
def test_equality_on_arrays_and_documents(engine, docs, query, want):
    assert engine.ids(query, docs) == want


# Manual, "Query an Array of Embedded Documents": whole-element equality is order-sensitive;
# "instock.0.qty" addresses the first element; "instock.qty" any element; without
# $elemMatch, "any document (but not necessarily the same embedded document)" may satisfy
# each condition.
INSTOCK = [
    {"_id": "journal", "instock": [{"warehouse": "A", "qty": 5}, {"warehouse": "C", "qty": 15}]},
    {"_id": "notebook", "instock": [{"warehouse": "C", "qty": 5}]},
    {"_id": "paper", "instock": [{"warehouse": "A", "qty": 60}, {"warehouse": "B", "qty": 15}]},
    {"_id": "planner", "instock": [{"warehouse": "A", "qty": 40}, {"warehouse": "B", "qty": 5}]},
    {"_id": "postcard", "instock": [{"warehouse": "B", "qty": 15}, {"warehouse": "C", "qty": 35}]},
]
_ALL_ITEMS = [d["_id"] for d in INSTOCK]
INSTOCK_CASES = [
    ({"instock": {"warehouse": "A", "qty": 5}}, ["journal"]),
    ({"instock": {"qty": 5, "warehouse": "A"}}, []),
    ({"instock.qty": {"$lte": 20}}, _ALL_ITEMS),
    ({"instock.0.qty": {"$lte": 20}}, ["journal", "notebook", "postcard"]),
    ({"instock": {"$elemMatch": {"qty": 5, "warehouse": "A"}}}, ["journal"]),
    (
        {"instock": {"$elemMatch": {"qty": {"$gt": 10, "$lte": 20}}}},
        ["journal", "paper", "postcard"],
    ),
    ({"instock.qty": {"$gt": 10, "$lte": 20}}, ["journal", "paper", "planner", "postcard"]),
    ({"instock.qty": 5, "instock.warehouse": "A"}, ["journal", "planner"]),
]


@pytest.mark.parametrize(("docs", "query", "want"), cases(INSTOCK, INSTOCK_CASES))
def test_arrays_of_documents(engine, docs, query, want):
    assert engine.ids(query, docs) == want


# docs/semantics.md, "Paths and arrays", one rule per case.
@pytest.mark.parametrize(
    ("query", "doc", "want"),
    [
        # "<array>.<index>" (manual, "Query an Array"); "0" is a plain key in a document.
        ({"a.0": 1}, {"a": [1, 2]}, True),
        ({"a.0": 1}, {"a": [2, 1]}, False),
        ({"a.1.b": 2}, {"a": [{"b": 1}, {"b": 2}]}, True),
        ({"a.0.b": 2}, {"a": [{"b": 1}, {"b": 2}]}, False),
        ({"a.0.b": 1}, {"a": {"0": {"b": 1}}}, True),
        # A numeric step also takes the field of that name in document elements.
        ({"a.0": 5}, {"a": [{"0": 5}]}, True),
        # Only canonical non-negative integers are indexes.
        ({"a.00": 5}, {"a": [5]}, False),
        # An index past the end is missing, which equals null.
        ({"a.5": None}, {"a": [1]}, True),
        ({"a.0": None}, {"a": []}, True),
        # A scalar in the middle of a path is missing.
        ({"a.b.c": 1}, {"a": {"b": "x"}}, False),
        ({"a.b.c": None}, {"a": {"b": "x"}}, True),
        # An array reached through an array is expanded at the end of the path too.
        ({"a.b": 2}, {"a": [{"b": [1, 2]}]}, True),
        # Arrays nested directly in arrays are not traversed by a field step.
        ({"a.b": 1}, {"a": [[{"b": 1}]]}, False),
    ],
)
def test_path_steps(engine, query, doc, want):
    assert engine.matches(query, doc) is want


# docs/semantics.md: "At the end of the path, if the value is an array, the operator is tried
# on the array itself and on each of its elements", each element by its own BSON type.  A
# Python tuple is an array like a list.
@pytest.mark.parametrize("container", [list, tuple])
@pytest.mark.parametrize(
    ("condition", "elements", "want"),
    [
        ({"$eq": 1}, [decimal.Decimal(1), 0], True),
        ({"$eq": 1}, [decimal.Decimal(2), 0], False),
        ({"$eq": 1}, [2, decimal.Decimal(1)], True),
        ({"$eq": 1}, [True, 1.0], True),  # 1.0 equals 1; True does not
        ({"$eq": 1}, [True, [1]], False),  # one level: [1] is not 1
        ({"$in": ["x", 1]}, [[1], "y"], False),
        ({"$in": ["x", 1]}, [{}, "x"], True),
        ({"$gte": dt.datetime(2024, 1, 1, tzinfo=dt.UTC)}, [dt.datetime(2030, 1, 1)], True),
        ({"$lt": 2}, [5, decimal.Decimal("NaN"), 1], True),
        ({"$regex": "^a"}, [1, "ab"], True),
        ({"$regex": "^a"}, [re.compile("^a")], True),  # a stored regex, the same one
        ({"$mod": [2, 1]}, [2, 4.5, 3], True),
        ({"$mod": [2, 1]}, [2, 4.5], False),  # 4.5 truncates to 4
    ],
)
def test_each_element_by_its_own_type(engine, condition, elements, want, container):
    assert engine.matches({"a": condition}, {"a": container(elements)}) is want
