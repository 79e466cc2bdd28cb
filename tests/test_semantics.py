"""MongoDB's documented matching rules, pinned by example.

Every case runs through both the reference evaluator and the compiled predicate.  Cases come
from the MongoDB manual (docs.mongodb.com/manual, cited per group) and from MongoDB's own
jstests (github.com/mongodb/mongo), adapted to Python values: no ``undefined``, and BSON
int/long become Python ints inside/outside the int32 range.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any

import pytest

import querylang as ql
from querylang import reference
from querylang.frontends.from_dict import from_dict

Matcher = Callable[[dict, dict], bool]


def _by_reference(query: dict, doc: dict) -> bool:
    return reference.evaluate(from_dict(query), doc)


def _compiled(query: dict, doc: dict) -> bool:
    return ql.compile(ql.from_dict(query))(doc)


@pytest.fixture(params=[_by_reference, _compiled], ids=["reference", "compiled"])
def matches(request) -> Matcher:
    return request.param


def _ids(matches: Matcher, query: dict, docs: list[dict]) -> list[Any]:
    return [d["_id"] for d in docs if matches(query, d)]


def _cases(docs: list[dict], cases: list[tuple[dict, list]]):
    return [pytest.param(docs, q, want, id=repr(q)[:60]) for q, want in cases]


# --- null and missing -----------------------------------------------------------------------
# jstests/core/query/null_query_semantics.js (mongodb/mongo), the documents without
# `undefined`; and the manual, "Query for Null or Missing Fields": "The { item : null }
# query matches documents that either contain the item field whose value is null or that
# do not contain the item field."

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


@pytest.mark.parametrize(("docs", "query", "want"), _cases(NULLS, NULL_CASES))
def test_null_and_missing(matches, docs, query, want):
    assert sorted(_ids(matches, query, docs)) == sorted(want)


def test_dotted_exists_false_without_arrays(matches):
    # null_query_semantics.js, testDottedExistsFalse (the array-free first half).
    docs = NULLS[:6]
    want = ["no_a", "a_empty_subobject", "a_null", "a_number"]
    assert sorted(_ids(matches, {"a.b": {"$exists": False}}, docs)) == sorted(want)


def test_elem_match_needs_an_array(matches):
    # null_query_semantics.js, testElemMatchQueriesWithNoArrays.
    for q in (
        {"a": {"$elemMatch": {"$eq": None}}},
        {"a": {"$elemMatch": {"$ne": None}}},
        {"a.b": {"$elemMatch": {"$eq": None}}},
        {"a": {"$elemMatch": {"b": {"$eq": None}}}},
        {"a": {"$elemMatch": {"b": {"$ne": None}}}},
    ):
        assert _ids(matches, q, NULLS[:6]) == [], q


# --- arrays ----------------------------------------------------------------------------------
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


@pytest.mark.parametrize(("docs", "query", "want"), _cases(INVENTORY, ARRAY_CASES))
def test_arrays(matches, docs, query, want):
    assert _ids(matches, query, docs) == want


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


@pytest.mark.parametrize(("docs", "query", "want"), _cases(EQ_INVENTORY, EQ_CASES))
def test_equality_on_arrays_and_documents(matches, docs, query, want):
    assert _ids(matches, query, docs) == want


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


@pytest.mark.parametrize(("docs", "query", "want"), _cases(INSTOCK, INSTOCK_CASES))
def test_arrays_of_documents(matches, docs, query, want):
    assert _ids(matches, query, docs) == want


def test_numeric_path_components(matches):
    # Manual, "Query an Array" / "Query an Array of Embedded Documents": "<array>.<index>".
    assert matches({"a.0": 1}, {"a": [1, 2]})
    assert not matches({"a.0": 1}, {"a": [2, 1]})
    assert matches({"a.1.b": 2}, {"a": [{"b": 1}, {"b": 2}]})
    assert not matches({"a.0.b": 2}, {"a": [{"b": 1}, {"b": 2}]})
    assert matches({"a.0.b": 1}, {"a": {"0": {"b": 1}}})  # "0" is a plain key in a document
    assert matches({"a.5": None}, {"a": [1]})  # out of range is missing, which equals null


# --- type brackets and numbers ---------------------------------------------------------------
# Manual, "Comparison/Sort Order": "MongoDB enforces comparisons with Comparison Query
# Operators only on documents where the BSON type of the target field matches the query
# operand type through Type Bracketing"; "all numeric types are considered equivalent".


@pytest.mark.parametrize(
    ("query", "doc", "want"),
    [
        ({"a": {"$gt": 5}}, {"a": "6"}, False),
        ({"a": {"$gt": 5}}, {"a": 6}, True),
        ({"a": {"$gt": 5}}, {"a": 5.5}, True),
        ({"a": {"$lt": "b"}}, {"a": 1}, False),
        ({"a": {"$lt": "b"}}, {"a": "a"}, True),
        ({"a": 1}, {"a": True}, False),
        ({"a": True}, {"a": 1}, False),
        ({"a": 1}, {"a": 1.0}, True),
        ({"a": 0}, {"a": -0.0}, True),
        ({"a": {"$gte": 0}}, {"a": False}, False),
        ({"a": {"$gt": dt.datetime(2024, 1, 1, tzinfo=dt.UTC)}}, {"a": "2025-01-01"}, False),
        ({"a": {"$ne": 1}}, {"a": True}, True),
        ({"a": 2**53 + 1}, {"a": 2**53 + 1}, True),
    ],
)
def test_type_bracketing(matches, query, doc, want):
    assert matches(query, doc) is want


# jstests/core/query/nan.js: NaN equals NaN; nothing is greater or less than NaN.
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
]


@pytest.mark.parametrize(("docs", "query", "want"), _cases(NANS, NAN_CASES))
def test_nan(matches, docs, query, want):
    assert _ids(matches, query, docs) == want


# --- element and evaluation operators -------------------------------------------------------

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


@pytest.mark.parametrize(("docs", "query", "want"), _cases(ADDRESSES, TYPE_CASES))
def test_type(matches, docs, query, want):
    assert _ids(matches, query, docs) == want


def test_type_array_of_arrays(matches):
    # Manual, "$type", "Querying by Array Type" (the sensorReading collection).
    docs = [
        {"_id": 1, "readings": [25, 23, ["Warn: High Temp!", 55], ["ERROR: SYSTEM SHUTDOWN!", 66]]},
        {"_id": 2, "readings": [25, 25, 24, 23]},
        {"_id": 3, "readings": [22, 24, []]},
        {"_id": 4, "readings": []},
        {"_id": 5, "readings": 24},
    ]
    assert _ids(matches, {"readings": {"$type": "array"}}, docs) == [1, 2, 3, 4]


# Manual, "$mod": "When the dividend is negative, the remainder is also negative"; "$mod
# expression rounds decimal input towards zero"; NaN and Infinity fields never match.
# JIRA DOCS-7792: field values are truncated too (2.5 $mod [5, 2] matches).
@pytest.mark.parametrize(
    ("query", "qty", "want"),
    [
        ({"$mod": [4, 0]}, 0, True),
        ({"$mod": [4, 0]}, 5, False),
        ({"$mod": [4, 0]}, 12, True),
        ({"$mod": [4.0, 0]}, 12, True),
        ({"$mod": [4.5, 0]}, 12, True),
        ({"$mod": [4.99, 0]}, 12, True),
        ({"$mod": [4, -1]}, -5, True),
        ({"$mod": [4, 3]}, -5, False),
        ({"$mod": [-4, -1]}, -5, True),
        ({"$mod": [5, 2]}, 2.5, True),
        ({"$mod": [5, 2]}, 7.9, True),
        ({"$mod": [5, 0]}, math.nan, False),
        ({"$mod": [5, 0]}, math.inf, False),
        ({"$mod": [2, 0]}, "4", False),
        ({"$mod": [2, 0]}, [3, 4], True),
    ],
)
def test_mod(matches, query, qty, want):
    assert matches({"qty": query}, {"qty": qty}) is want


# Manual, "$regex" (the products collection): options i, m, s; only strings match.
PRODUCTS = [
    {"_id": 100, "sku": "abc123", "description": "Single line description."},
    {"_id": 101, "sku": "abc789", "description": "First line\nSecond line"},
    {"_id": 102, "sku": "xyz456", "description": "Many spaces before     line"},
    {"_id": 103, "sku": "xyz789", "description": "Multiple\nline description"},
    {"_id": 104, "sku": 789, "description": ["tail", "Stock line"]},
]
REGEX_CASES = [
    ({"sku": {"$regex": "789$"}}, [101, 103]),
    ({"sku": re.compile("789$")}, [101, 103]),
    ({"sku": {"$regex": "^ABC", "$options": "i"}}, [100, 101]),
    ({"sku": {"$regex": re.compile("^ABC", re.I)}}, [100, 101]),
    ({"description": {"$regex": "^S", "$options": "m"}}, [100, 101, 104]),
    ({"description": {"$regex": "^S"}}, [100, 104]),
    ({"description": {"$regex": "m.*line", "$options": "si"}}, [102, 103]),
    ({"description": {"$regex": "m.*line", "$options": "i"}}, [102]),
    ({"sku": {"$not": re.compile("^abc")}}, [102, 103, 104]),
    ({"sku": {"$in": [re.compile("^xyz"), 789]}}, [102, 103, 104]),
]


@pytest.mark.parametrize(("docs", "query", "want"), _cases(PRODUCTS, REGEX_CASES))
def test_regex(matches, docs, query, want):
    assert _ids(matches, query, docs) == want


# Manual, "$in" and "$nin" (the inventory collection); $in takes regexes; $nin also
# selects documents without the field.
TAGGED = [
    {"_id": 1, "item": "Pens", "quantity": 350, "tags": ["school", "office"]},
    {"_id": 2, "item": "Erasers", "quantity": 15, "tags": ["school", "home"]},
    {"_id": 3, "item": "Maps", "tags": ["office", "storage"]},
    {"_id": 4, "item": "Books", "quantity": 5, "tags": ["school", "storage", "home"]},
]
IN_CASES = [
    ({"quantity": {"$in": [5, 15]}}, [2, 4]),
    ({"tags": {"$in": ["home", "school"]}}, [1, 2, 4]),
    ({"tags": {"$in": [re.compile("^be"), re.compile("^st")]}}, [3, 4]),
    ({"quantity": {"$nin": [5, 15]}}, [1, 3]),
    ({"tags": {"$nin": ["school"]}}, [3]),
    ({"quantity": {"$in": []}}, []),
    ({"quantity": {"$nin": []}}, [1, 2, 3, 4]),
]


@pytest.mark.parametrize(("docs", "query", "want"), _cases(TAGGED, IN_CASES))
def test_in_and_nin(matches, docs, query, want):
    assert _ids(matches, query, docs) == want


# Manual, "$all": "equivalent to an $and operation of the specified values"; a field with a
# single value matching the one element also matches; $all of $elemMatch documents.
# src/mongo/db/matcher/expression_parser.cpp, parseAll: an empty $all matches nothing.
ARTICLES = [
    {"_id": 1, "tags": ["ssl", "security", "web"]},
    {"_id": 2, "tags": ["ssl"]},
    {"_id": 3, "tags": "ssl"},
    {"_id": 4, "tags": [["ssl", "security"], "x"]},
    {"_id": 5, "tags": ["security", "ssl"]},
    {"_id": 6, "tags": [{"n": 1, "k": "a"}, {"n": 5, "k": "b"}]},
]
ALL_CASES = [
    ({"tags": {"$all": ["ssl", "security"]}}, [1, 5]),
    ({"tags": {"$all": ["ssl"]}}, [1, 2, 3, 5]),
    ({"tags": {"$all": [["ssl", "security"]]}}, [4]),
    ({"tags": {"$all": []}}, []),
    (
        {"tags": {"$all": [{"$elemMatch": {"n": {"$gt": 2}}}, {"$elemMatch": {"k": "a"}}]}},
        [6],
    ),
]


@pytest.mark.parametrize(("docs", "query", "want"), _cases(ARTICLES, ALL_CASES))
def test_all(matches, docs, query, want):
    assert _ids(matches, query, docs) == want


def test_all_with_a_regex(matches):
    # expression_parser.cpp, parseAll: `if (e.type() == BSONType::RegEx)` -> regex match;
    # manual: $all is "equivalent to an $and operation", and {tags: /^ss/} is a regex match.
    assert _ids(matches, {"tags": {"$all": [re.compile("^ss")]}}, ARTICLES) == [1, 2, 3, 5]
    assert _ids(matches, {"tags": {"$all": [re.compile("^ss"), "web"]}}, ARTICLES) == [1]


# Manual, "$elemMatch" (scores and survey collections): one element must meet every
# condition; with $ne inside, $elemMatch differs from the plain dotted query.
SURVEY = [
    {"_id": 1, "results": [{"product": "abc", "score": 10}, {"product": "xyz", "score": 5}]},
    {"_id": 2, "results": [{"product": "abc", "score": 8}, {"product": "xyz", "score": 7}]},
    {"_id": 3, "results": [{"product": "abc", "score": 7}, {"product": "xyz", "score": 8}]},
    {"_id": 4, "results": [{"product": "abc", "score": 7}, {"product": "def", "score": 8}]},
    {"_id": 5, "results": [82, 85, 88]},
    {"_id": 6, "results": [75, 88, 89]},
]
ELEM_MATCH_CASES = [
    ({"results": {"$elemMatch": {"$gte": 80, "$lt": 85}}}, [5]),
    ({"results": {"$elemMatch": {"product": "xyz", "score": {"$gte": 8}}}}, [3]),
    ({"results": {"$elemMatch": {"product": "xyz"}}}, [1, 2, 3]),
    ({"results.product": "xyz"}, [1, 2, 3]),
    ({"results": {"$elemMatch": {"product": {"$ne": "xyz"}}}}, [1, 2, 3, 4]),
    ({"results.product": {"$ne": "xyz"}}, [4, 5, 6]),
    ({"results": {"$elemMatch": {"$or": [{"score": 10}, {"score": 5}]}}}, [1]),
    ({"results": {"$elemMatch": {}}}, [1, 2, 3, 4]),  # document form: documents only
]


def test_elem_match_document_form_sees_nested_arrays_as_documents(matches):
    # src/mongo/db/matcher/expression_array.cpp, ElemMatchObjectMatchExpression: elements
    # that are objects *or arrays* (isABSONObj) are matched, an array by its index keys.
    assert matches({"a": {"$elemMatch": {"0": 1}}}, {"a": [[1, 2]]})
    assert not matches({"a": {"$elemMatch": {"0": 2}}}, {"a": [[1, 2]]})
    assert not matches({"a": {"$elemMatch": {"0": 1}}}, {"a": [1, 2]})


@pytest.mark.parametrize(("docs", "query", "want"), _cases(SURVEY, ELEM_MATCH_CASES))
def test_elem_match(matches, docs, query, want):
    assert _ids(matches, query, docs) == want


# Manual, "$size": the array has exactly that many elements; not a range; no expansion of
# nested arrays.
@pytest.mark.parametrize(
    ("query", "doc", "want"),
    [
        ({"a": {"$size": 1}}, {"a": [1]}, True),
        ({"a": {"$size": 1}}, {"a": 1}, False),
        ({"a": {"$size": 1}}, {"a": [[1, 2]]}, True),
        ({"a": {"$size": 1}}, {"a": [[1], [2]]}, False),
        ({"a": {"$size": 0}}, {"a": []}, True),
        ({"a": {"$size": 0}}, {}, False),
        ({"a.b": {"$size": 2}}, {"a": [{"b": [1, 2]}, {"b": 3}]}, True),
    ],
)
def test_size(matches, query, doc, want):
    assert matches(query, doc) is want


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


@pytest.mark.parametrize(("docs", "query", "want"), _cases(RECORDS, EXISTS_CASES))
def test_exists(matches, docs, query, want):
    assert _ids(matches, query, docs) == want


# Manual, "$not": also selects documents without the field; "$nor": "selects the documents
# that fail all the query expressions", including those missing the fields; "$comment"
# never changes the result.
PRICES = [
    {"_id": 1, "price": 1.99, "sale": True},
    {"_id": 2, "price": 1.99, "sale": False},
    {"_id": 3, "price": 2, "sale": True},
    {"_id": 4, "price": 2, "sale": False},
    {"_id": 5, "price": 2},
    {"_id": 6, "sale": False},
    {"_id": 7},
]
LOGIC_CASES = [
    ({"price": {"$not": {"$gt": 1.99}}}, [1, 2, 6, 7]),
    ({"$nor": [{"price": 1.99}, {"sale": True}]}, [4, 5, 6, 7]),
    ({"$nor": [{"price": 1.99}, {"price": {"$exists": False}}]}, [3, 4, 5]),
    ({"price": 2, "$comment": "why"}, [3, 4, 5]),
    ({"$comment": "everything"}, [1, 2, 3, 4, 5, 6, 7]),
    ({"$and": [{"price": 2}, {"sale": {"$ne": True}}]}, [4, 5]),
    ({"$or": [{"price": 1.99}, {"sale": True}]}, [1, 2, 3]),
    ({}, [1, 2, 3, 4, 5, 6, 7]),
]


@pytest.mark.parametrize(("docs", "query", "want"), _cases(PRICES, LOGIC_CASES))
def test_logical(matches, docs, query, want):
    assert _ids(matches, query, docs) == want


# ipyparallel's extension (ipyparallel/controller/dictdb.py, filters["$glob"]): fnmatch on
# strings (case-sensitive, as SQLite's GLOB in sqlitedb.py); None and non-strings never match.
@pytest.mark.parametrize(
    ("pattern", "value", "want"),
    [
        ("*Error*", "ValueError: boom", True),
        ("*error*", "ValueError: boom", False),
        ("apply_*", "apply_request", True),
        ("?", "a", True),
        ("[ab]*", "beta", True),
        ("*", None, False),
        ("*", 5, False),
        ("*", "", True),
        ("a*", ["x", "ab"], True),
    ],
)
def test_glob(matches, pattern, value, want):
    assert matches({"f": {"$glob": pattern}}, {"f": value}) is want
