"""Semantics tables: array operators, $all, $elemMatch and $size (docs/semantics.md,
"Operators").

Cases come from the manual's "$all", "$elemMatch" and "$size" pages and from MongoDB's
matcher sources where the manual is silent.  See tests/semantics.py for how every case runs.
"""

from __future__ import annotations

import re

import pytest
from semantics import cases, every_engine

pytestmark = every_engine

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
    # expression_parser.cpp, parseAll: `if (e.type() == BSONType::RegEx)` -> a regex match;
    # $all is "equivalent to an $and operation", and {tags: /^ss/} is a regex match.
    ({"tags": {"$all": [re.compile("^ss")]}}, [1, 2, 3, 5]),
    ({"tags": {"$all": [re.compile("^ss"), "web"]}}, [1]),
]


@pytest.mark.parametrize(("docs", "query", "want"), cases(ARTICLES, ALL_CASES))
def test_all(engine, docs, query, want):
    assert engine.ids(query, docs) == want


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


@pytest.mark.parametrize(("docs", "query", "want"), cases(SURVEY, ELEM_MATCH_CASES))
def test_elem_match(engine, docs, query, want):
    assert engine.ids(query, docs) == want


# docs/semantics.md, "$elemMatch": the operator form applies to the element itself, with no
# further array expansion; the document form considers only elements that are documents --
# or arrays, matched as the document {"0": .., "1": ..}
# (src/mongo/db/matcher/expression_array.cpp, ElemMatchObjectMatchExpression: isABSONObj).
@pytest.mark.parametrize(
    ("query", "doc", "want"),
    [
        ({"a": {"$elemMatch": {"$gt": 1}}}, {"a": [[5]]}, False),
        ({"a": {"$elemMatch": {"$size": 1}}}, {"a": [[5]]}, True),
        ({"a": {"$elemMatch": {"b": None}}}, {"a": [1, {"x": 1}]}, True),
        ({"a": {"$elemMatch": {"b": None}}}, {"a": [1, 2]}, False),
        ({"a": {"$elemMatch": {"b": {"$elemMatch": {"$gt": 1}}}}}, {"a": [{"b": [0, 2]}]}, True),
        ({"a": {"$elemMatch": {"0": 1}}}, {"a": [[1, 2]]}, True),
        ({"a": {"$elemMatch": {"0": 2}}}, {"a": [[1, 2]]}, False),
        ({"a": {"$elemMatch": {"1": 1}}}, {"a": [[1, 2]]}, False),
        ({"a": {"$elemMatch": {"0": 1}}}, {"a": [1, 2]}, False),
        ({"a": {"$elemMatch": {"0": 1}}}, {"a": [{"0": 1}]}, True),
        # Through a path that crosses an array: some b that is an array has such an element.
        ({"a.b": {"$elemMatch": {"$gt": 1}}}, {"a": [{"b": [1]}, {"b": [2]}]}, True),
        ({"a.b": {"$elemMatch": {"$gt": 1}}}, {"a": [{"b": [1]}, {"b": 2}]}, False),
    ],
)
def test_elem_match_forms(engine, query, doc, want):
    assert engine.matches(query, doc) is want


# Manual, "$size": the array has exactly that many elements; not a range; no expansion of
# nested arrays.  A Python tuple is an array.
@pytest.mark.parametrize(
    ("query", "doc", "want"),
    [
        ({"a": {"$size": 1}}, {"a": [1]}, True),
        ({"a": {"$size": 1}}, {"a": 1}, False),
        ({"a": {"$size": 1}}, {"a": [[1, 2]]}, True),
        ({"a": {"$size": 2}}, {"a": [[1, 2]]}, False),
        ({"a": {"$size": 1}}, {"a": [[1], [2]]}, False),
        ({"a": {"$size": 0}}, {"a": []}, True),
        ({"a": {"$size": 0}}, {}, False),
        ({"a": {"$size": 2}}, {"a": (1, 2)}, True),
        ({"a.b": {"$size": 2}}, {"a": [{"b": [1, 2]}, {"b": 3}]}, True),
    ],
)
def test_size(engine, query, doc, want):
    assert engine.matches(query, doc) is want
