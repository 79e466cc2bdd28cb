"""Semantics tables: logical operators and $comment (docs/semantics.md, "Operators").

Manual, "$not": also selects documents without the field; "$nor": "selects the documents
that fail all the query expressions", including those missing the fields; "$comment" never
changes the result.  See tests/semantics.py for how every case runs.
"""

from __future__ import annotations

import pytest
from semantics import cases, every_engine

pytestmark = every_engine

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


@pytest.mark.parametrize(("docs", "query", "want"), cases(PRICES, LOGIC_CASES))
def test_logical(engine, docs, query, want):
    assert engine.ids(query, docs) == want
