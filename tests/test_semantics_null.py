"""Semantics tables: null and missing fields (docs/semantics.md, "Null and missing").

Cases come from MongoDB's jstests/core/query/null_query_semantics.js (the documents without
``undefined``) and the manual, "Query for Null or Missing Fields": "The { item : null }
query matches documents that either contain the item field whose value is null or that do
not contain the item field."  See tests/semantics.py for how every case runs.
"""

from __future__ import annotations

import re

import pytest
from semantics import cases, every_engine

pytestmark = every_engine

NULLS = [
    {"_id": "a_empty_subobject", "a": {}},
    {"_id": "a_null", "a": None},
    {"_id": "a_number", "a": 4},
    {"_id": "a_subobject_b_not_null", "a": {"b": "hi"}},
    {"_id": "a_subobject_b_null", "a": {"b": None}},
    {"_id": "no_a"},
    {"_id": "a_double_array", "a": [[]]},
    {"_id": "a_empty_array", "a": []},
    {"_id": "a_object_array_b_mix_null_missing", "a": [{"b": None}, {"b": None}, {}]},
    {"_id": "a_object_array_no_b_nulls", "a": [{"b": 1}, {"b": 3}, {"b": "string"}]},
    {"_id": "a_object_array_some_b_nulls", "a": [{"b": None}, {"b": 3}, {"b": None}]},
    {"_id": "a_object_array_some_b_missing", "a": [{"b": 3}, {}]},
    {"_id": "a_value_array_all_nulls", "a": [None, None]},
    {"_id": "a_value_array_no_nulls", "a": [1, "string", 4]},
    {"_id": "a_value_array_with_null", "a": [1, "string", None, 4]},
]
_ALL = [d["_id"] for d in NULLS]
_EQ_NULL = ["a_null", "no_a", "a_value_array_all_nulls", "a_value_array_with_null"]
_NE_NULL = [i for i in _ALL if i not in _EQ_NULL]
_DOTTED_NE_NULL = ["a_subobject_b_not_null", "a_object_array_no_b_nulls"]
_DOTTED_EQ_NULL = [i for i in _ALL if i not in _DOTTED_NE_NULL]

NULL_CASES = [
    ({"a": None}, _EQ_NULL),
    ({"a": {"$eq": None}}, _EQ_NULL),
    ({"a": {"$ne": None}}, _NE_NULL),
    ({"a": {"$in": [None, 75]}}, _EQ_NULL),
    ({"$or": [{"a": None}, {"a": 75}]}, _EQ_NULL),
    ({"a": {"$nin": [None, 75]}}, _NE_NULL),
    ({"a": {"$not": {"$gte": None}}}, _NE_NULL),
    # "$gte: null and $lte: null behave like $eq: null; $gt: null and $lt: null match
    # nothing" (null is the lowest bracket, and MISSING sorts with it).
    ({"a": {"$gte": None}}, _EQ_NULL),
    ({"a": {"$lte": None}}, _EQ_NULL),
    ({"a": {"$gt": None}}, []),
    ({"a": {"$lt": None}}, []),
    (
        {"a": {"$nin": [None, []]}},
        [
            i
            for i in _NE_NULL
            if i not in ("a_double_array", "a_empty_array")  # [] equals [], and [[]] holds []
        ],
    ),
    (
        {"a": {"$nin": [None, re.compile("^str.*")]}},
        [i for i in _NE_NULL if i != "a_value_array_no_nulls"],
    ),
    ({"a": {"$exists": False}}, ["no_a"]),
    ({"a": {"$type": "null"}}, ["a_null", "a_value_array_all_nulls", "a_value_array_with_null"]),
    ({"a": {"$elemMatch": {"$eq": None}}}, ["a_value_array_all_nulls", "a_value_array_with_null"]),
    (
        {"a": {"$elemMatch": {"$ne": None}}},
        [
            "a_double_array",
            "a_object_array_b_mix_null_missing",
            "a_object_array_no_b_nulls",
            "a_object_array_some_b_nulls",
            "a_object_array_some_b_missing",
            "a_value_array_no_nulls",
            "a_value_array_with_null",
        ],
    ),
    ({"a.b": {"$eq": None}}, _DOTTED_EQ_NULL),
    ({"a.b": {"$ne": None}}, _DOTTED_NE_NULL),
    ({"a.b": {"$in": [None, 75]}}, _DOTTED_EQ_NULL),
    ({"$or": [{"a.b": None}, {"a.b": 75}]}, _DOTTED_EQ_NULL),
    ({"a.b": {"$nin": [None, 75]}}, _DOTTED_NE_NULL),
]


@pytest.mark.parametrize(("docs", "query", "want"), cases(NULLS, NULL_CASES))
def test_null_and_missing(engine, docs, query, want):
    assert sorted(engine.ids(query, docs)) == sorted(want)


# Null is about null and missing only: falsy values are values.  And a null nested two
# arrays deep is out of reach: the value at a path is expanded one level only (manual,
# "Query an Array"; docs/semantics.md, "Paths and arrays").
FALSY = [
    {"_id": "zero", "a": 0},
    {"_id": "false", "a": False},
    {"_id": "empty_string", "a": ""},
    {"_id": "null_in_array", "a": [1, None]},
    {"_id": "null_in_nested_array", "a": [[None]]},
]
FALSY_CASES = [
    ({"a": None}, ["null_in_array"]),
    ({"a": {"$ne": None}}, ["zero", "false", "empty_string", "null_in_nested_array"]),
]


@pytest.mark.parametrize(("docs", "query", "want"), cases(FALSY, FALSY_CASES))
def test_falsy_values_are_not_null(engine, docs, query, want):
    assert engine.ids(query, docs) == want


def test_dotted_exists_false_without_arrays(engine):
    # null_query_semantics.js, testDottedExistsFalse (the array-free first half).
    docs = NULLS[:6]
    want = ["no_a", "a_empty_subobject", "a_null", "a_number"]
    assert sorted(engine.ids({"a.b": {"$exists": False}}, docs)) == sorted(want)


def test_elem_match_needs_an_array(engine):
    # null_query_semantics.js, testElemMatchQueriesWithNoArrays.
    for q in (
        {"a": {"$elemMatch": {"$eq": None}}},
        {"a": {"$elemMatch": {"$ne": None}}},
        {"a.b": {"$elemMatch": {"$eq": None}}},
        {"a": {"$elemMatch": {"b": {"$eq": None}}}},
        {"a": {"$elemMatch": {"b": {"$ne": None}}}},
    ):
        assert engine.ids(q, NULLS[:6]) == [], q
