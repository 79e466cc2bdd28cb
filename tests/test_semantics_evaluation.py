"""Semantics tables: evaluation operators, $mod and $regex, and ipyparallel's $glob
(docs/semantics.md, "Operators").

Cases come from the manual's "$mod" and "$regex" pages, and from ipyparallel's DictDB for
$glob.  See tests/semantics.py for how every case runs.
"""

from __future__ import annotations

import decimal
import math
import re

import pytest
from semantics import cases, every_engine

from querylang import nodes as n

pytestmark = every_engine


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
        ({"$mod": [-4, 1]}, 9, True),  # the divisor's sign does not matter
        ({"$mod": [5, 2]}, 2.5, True),
        ({"$mod": [5, 2]}, 7.9, True),
        ({"$mod": [4, -1]}, -1.5, True),  # -1.5 truncates to -1
        ({"$mod": [4, 1]}, -1.5, False),
        ({"$mod": [4, 0]}, -0.5, True),
        ({"$mod": [4, 1]}, decimal.Decimal("9.5"), True),
        ({"$mod": [5, 0]}, math.nan, False),
        ({"$mod": [5, 0]}, math.inf, False),
        ({"$mod": [2, 0]}, "4", False),
        ({"$mod": [4, 0]}, True, False),  # bool is not a number
        ({"$mod": [2, 0]}, [3, 4], True),
    ],
)
def test_mod(engine, query, qty, want):
    assert engine.matches({"qty": query}, {"qty": qty}) is want


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


@pytest.mark.parametrize(("docs", "query", "want"), cases(PRODUCTS, REGEX_CASES))
def test_regex(engine, docs, query, want):
    assert engine.ids(query, docs) == want


# A stored regex value matches a regex (in $regex or $in) with the same pattern and flags
# (MongoDB's RegexMatchExpression compares a BSON regex element by pattern and flags).
@pytest.mark.parametrize(
    ("query", "stored", "want"),
    [
        ({"$regex": "x"}, n.Regex("x"), True),
        ({"$regex": "x"}, re.compile("x"), True),
        ({"$regex": "x"}, re.compile("x", re.I), False),
        ({"$in": [re.compile("^x", re.I)]}, n.Regex("^x", "i"), True),
        ({"$in": [re.compile("^x", re.I)]}, re.compile("^x", re.I), True),
        ({"$in": [re.compile("^x", re.I)]}, re.compile("^x"), False),
    ],
)
def test_regex_on_stored_regexes(engine, query, stored, want):
    assert engine.matches({"a": query}, {"a": stored}) is want


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
def test_glob(engine, pattern, value, want):
    assert engine.matches({"f": {"$glob": pattern}}, {"f": value}) is want
