"""Numeric path components (``a.0``, ``a.0.0``), exactly as MongoDB's own test pins them:
``jstests/core/query/match_numeric_components.js``, every query of it, through the reference
evaluator, the compiled predicate and DictDB."""

from __future__ import annotations

from typing import Any

import pytest

import querylang as ql
from querylang import reference
from taskdb import DictDB

A = [
    42,
    [42],
    {"0": 42},
    [[42]],
    [{"0": 42}],
    {"0": [42]},
    {"0": {"0": 42}},
    [[[42]]],
    [[{"0": 42}]],
    [{"0": [42]}],
    [{"0": {"0": 42}}],
    {"0": [[42]]},
    {"0": [{"0": 42}]},
    {"0": {"0": [42]}},
    {"0": {"0": {"0": 42}}},
    [[[[42]]]],
    [[[{"0": 42}]]],
    [[{"0": [42]}]],
    [[{"0": {"0": 42}}]],
    [{"0": [[42]]}],
    [{"0": [{"0": 42}]}],
    [{"0": {"0": [42]}}],
    [{"0": {"0": {"0": 42}}}],
    {"0": [[[42]]]},
    {"0": [[{"0": 42}]]},
    {"0": [{"0": [42]}]},
    {"0": [{"0": {"0": 42}}]},
    {"0": {"0": [[42]]}},
    {"0": {"0": [{"0": 42}]}},
    {"0": {"0": {"0": [42]}}},
    {"0": {"0": {"0": {"0": 42}}}},
]
DOCS = [{"_id": i, "a": a} for i, a in enumerate(A)]
ALL = set(range(len(A)))
A0_IS_42 = {1, 2, 4, 5, 9}


def _ids(query: Any, docs: list[dict]) -> set[int]:
    q = ql.query(query)
    compiled = {d["_id"] for d in docs if q.matches(d)}
    assert compiled == {d["_id"] for d in docs if reference.evaluate(q.node, d)}, query
    db = DictDB()
    for d in docs:
        db.add_record(f"m{d['_id']}", {"msg_id": f"m{d['_id']}", **d})
    assert {r["_id"] for r in db.find_records(q)} == compiled, query
    return compiled


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"a.0": 42}, A0_IS_42),
        ({"a.0": {"$ne": 42}}, ALL - A0_IS_42),
        ({"a.0.0": 42}, {3, 4, 5, 6, 8, 9, 10, 12, 13, 17, 20, 21, 25}),
        ({"a.0": {"$gt": 41}}, A0_IS_42),
        ({"a.0": {"$in": [41, 42, 43]}}, A0_IS_42),
        ({"a.0": {"$nin": [41, 42, 43]}}, ALL - A0_IS_42),
        ({"a.0": {"$exists": False}}, {0}),
        ({"a.0": {"$exists": True}}, ALL - {0}),
        ({"a": {"$elemMatch": {"0.0": {"$eq": 42}}}}, {7, 8, 9, 10, 16, 17, 20, 21}),
        ({"_id": {"$lt": 15}, "a.0": {"$gt": 41}}, A0_IS_42),
        ({"a.0": {"$all": [42]}}, A0_IS_42),
        (
            {"a.0": {"$all": [{"$elemMatch": {"0": 42}}]}},
            {7, 8, 11, 12, 15, 17, 19, 20, 23, 25},
        ),
        ({"a.0": {"$type": "number"}}, A0_IS_42),
        ({"a.0": {"$mod": [42, 0]}}, A0_IS_42),
        ({"$or": [{"a.0": 42}, {"notARealField": 123}]}, A0_IS_42),
        ("a.0 == 42", A0_IS_42),  # the textual language agrees
    ],
)
def test_match_numeric_components(query: Any, expected: set[int]) -> None:
    assert _ids(query, DOCS) == expected


B = [{"_id": 1, "b": "hello"}, {"_id": 2, "b": {"0": "hello"}}, {"_id": 3, "b": ["hello", "abc"]}]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"b.0": {"$regex": "hello"}}, {2, 3}),
        ({"b.0": {"$all": [ql.nodes.Regex("^hello")]}}, {2, 3}),
        ({"b.0": {"$not": ql.nodes.Regex("^h")}}, {1}),
    ],
)
def test_numeric_components_with_regexes(query: dict, expected: set[int]) -> None:
    assert _ids(query, B) == expected


F1 = [
    {"_id": 0, "f1": 5},
    {"_id": 1, "f1": [3, 5]},
    {"_id": 4, "f1": [3, 5, [7, 9]]},
    {"_id": 2, "f1": [[3, 5], [5, 7]]},
    {"_id": 3, "f1": [[[0], [3, 5]], [[0], [5, 7]]]},
]


@pytest.mark.parametrize(
    ("query", "docs", "expected"),
    [
        ({"a.0": {"$elemMatch": {"$in": ["b"]}}}, [{"_id": 42, "a": [["b"], ["c"]]}], {42}),
        ({"f1.0": {"$elemMatch": {"$eq": 5}}}, F1, {2}),
        ({"f1.0": {"$elemMatch": {"$eq": [3, 5]}}}, F1, {3}),
        ({"f0": "zz", "f1.0": {"$elemMatch": {"$eq": 5}}}, [{**d, "f0": "zz"} for d in F1], {2}),
        ({"f1.0.1": {"$elemMatch": {"$eq": 3}}}, F1, {3}),
        (
            {"f1.0": {"$elemMatch": {"$eq": 5}}},
            [{"_id": 1, "f1": [[42, 5], [77, 99]]}, {"_id": 2, "f1": {"0": [42, 5], "1": [77]}}],
            {1, 2},
        ),
        ({"0": {"$elemMatch": {"$eq": 5}}}, [{"_id": 1, "0": [42, 5]}], {1}),
        ({"0.1": {"$elemMatch": {"$eq": 5}}}, [{"_id": 2, "0": {"0": [42], "1": [5]}}], {2}),
    ],
)
def test_elem_match_on_positional_paths(query: dict, docs: list[dict], expected: set) -> None:
    assert _ids(query, docs) == expected


BIG = "9223372036854776000"  # too large to be an index: a field name


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({f"a.{BIG}": 42}, {1, 2, 3}),
        ({f"a.{BIG}.1": 42}, {3}),
        ({f"a.{BIG}.{BIG}": 42}, {4}),
    ],
)
def test_unreasonably_large_components_are_field_names(query: dict, expected: set) -> None:
    docs = [
        {"_id": 1, "a": {BIG: 42}},
        {"_id": 2, "a": {BIG: [42]}},
        {"_id": 3, "a": {BIG: [0, 42]}},
        {"_id": 4, "a": {BIG: [{BIG: 42}]}},
    ]
    assert _ids(query, docs) == expected


# --- empty field names: jstests/core/query/field_name_empty.js ---------------------------

EMPTY = [
    {"_id": 0, "": 1},
    {"_id": 1, "": {"": 1}},
    {"_id": 2, "": {"": {"": 1}}},
    {"_id": 3, "": {"": {"": {"": 1}}}},
    {"_id": 4, "": 1, "a": 1},
    {"_id": 5, "x": 3},
    {"_id": 6, "x": [3]},
    {"_id": 7, "x": {"": 3}},
    {"_id": 8, "x": {"": [3]}},
    {"_id": 9, "x": [{"": 3}]},
    {"_id": 10, "x": [{"": [3]}]},
    {"_id": 11, "x": {"": [{"": 3}]}},
    {"_id": 12, "x": {"": {"y": 3}}},
    {"_id": 13, "": [1]},
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({".": 1}, {1, 13}),
        ({"..": 1}, {2}),
        ({"...": 1}, {3}),
        ({"": 1}, {0, 4, 13}),
        ({"": 1, "a": 1}, {4}),
        ({"": 1, "a": 2}, set()),
        ({"x.": 3}, {6, 7, 8}),
        ({"x..y": 3}, {12}),
        ({"x..": 3}, {8, 10}),
        ({"$and": [{"x.": 3}, {"_id": {"$lt": 8}}]}, {6, 7}),
        ({"x.": {"$exists": False}}, {0, 1, 2, 3, 4, 5, 13}),
        ({"x": {"$elemMatch": {"": 3}}}, {9, 10}),
        ({"x": {"$elemMatch": {"": {"$type": "array"}}}}, {10}),
        ({"x.": {"$elemMatch": {"": 3}}}, {9, 10, 11}),
    ],
)
def test_empty_field_names(query: dict, expected: set[int]) -> None:
    assert _ids(query, EMPTY) == expected
