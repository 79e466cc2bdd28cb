"""Every operator argument MongoDB refuses is a QueryError with a path, and what MongoDB
accepts is not refused.  Each case cites the jstest (``jstests/core/query/...``) it comes
from; the refusals raise at ``from_dict``, before any document is looked at."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

import querylang as ql
from querylang import nodes as n
from querylang.errors import QueryError

REFUSED: list[tuple[str, dict, str]] = [
    # regex/regex_error.js
    ("regex/regex_error.js", {"a": {"$regex": "[)"}}, "a.$regex"),
    ("regex/regex_error.js", {"a": {"$regex": "ab\0c"}}, "a.$regex"),
    ("regex/regex_error.js", {"a": {"$regex": "ab", "$options": "\0i"}}, "a.$regex"),
    ("regex/regex_error.js", {"a": {"$regex": "(?JJJ)>?W((?<a>!)||(?<a><aR)|(?<a>W!"}}, "a.$regex"),
    # regex/regex_options.js
    ("regex/regex_options.js", {"t": {"$regex": "^hello.*", "$options": "g"}}, "t.$regex"),
    ("regex/regex_options.js", {"t": {"$regex": n.Regex("^hello.*", "g")}}, "t.$regex"),
    # regex/regex_limit.js
    ("regex/regex_limit.js", {"z": {"$regex": "c" * 32769}}, "z.$regex"),
    ("regex/regex_limit.js", {"z": {"$in": [re.compile("c" * 32769)]}}, "z.$in[0]"),
    # mod/mod.js
    ("mod/mod.js", {"a": {"$mod": [0, 1]}}, "a.$mod"),
    ("mod/mod.js", {"a": {"$mod": [0, 0]}}, "a.$mod"),
    ("mod/mod.js", {"a": {"$mod": [Decimal("0.001"), Decimal("1.001")]}}, "a.$mod"),
    ("mod/mod.js", {"a": {"$mod": [1, 0, 0]}}, "a.$mod"),
    ("mod/mod.js", {"a": {"$mod": [Decimal("0.1")]}}, "a.$mod"),
    ("mod/mod.js", {"a": {"$mod": [10, 1, 1]}}, "a.$mod"),
    ("mod/mod.js", {"a": {"$mod": [10]}}, "a.$mod"),
    ("mod/mod.js", {"a": {"$mod": ["a", 0]}}, "a.$mod"),
    ("mod/mod.js", {"a": {"$mod": ["a", "b"]}}, "a.$mod"),
    # mod/mod_special_values.js
    ("mod/mod_special_values.js", {"a": {"$mod": [float("nan"), 1]}}, "a.$mod"),
    ("mod/mod_special_values.js", {"a": {"$mod": [1, float("inf")]}}, "a.$mod"),
    ("mod/mod_special_values.js", {"a": {"$mod": [Decimal("1e19"), 1]}}, "a.$mod"),
    ("mod/mod_special_values.js", {"a": {"$mod": [1, 1e19]}}, "a.$mod"),
    # find/find_size.js
    ("find/find_size.js", {"a": {"$size": -1}}, "a.$size"),
    ("find/find_size.js", {"a": {"$size": -10000}}, "a.$size"),
    ("find/find_size.js", {"a": {"$size": "str"}}, "a.$size"),
    ("find/find_size.js", {"a": {"$size": 3.2}}, "a.$size"),
    ("find/find_size.js", {"a": {"$size": 0.1}}, "a.$size"),
    ("find/find_size.js", {"a": {"$size": -(2**63)}}, "a.$size"),
    # not/not2.js
    ("not/not2.js", {"i": {"$not": {"$not": "a"}}}, "i.$not.$not"),
    ("not/not2.js", {"i": {"$not": "a"}}, "i.$not"),
    ("not/not2.js", {"i": {"$not": {"$ref": "foo"}}}, "i.$not.$ref"),
    ("not/not2.js", {"i": {"$not": {}}}, "i.$not"),
    ("not/not2.js", {"i": {"$not": {"$options": "a"}}}, "i.$not.$options"),
    # in/in7.js: $elemMatch is not a value of $in / $nin
    ("in/in7.js", {"a": {"$in": [{"$elemMatch": {"b": 1}}]}}, "a.$in[0]"),
    ("in/in7.js", {"a": {"$not": {"$in": [{"$elemMatch": {"b": 1}}]}}}, "a.$not.$in[0]"),
    ("in/in7.js", {"a": {"$nin": [{"$elemMatch": {"b": 1}}]}}, "a.$nin[0]"),
    ("in/in7.js", {"a": {"$not": {"$nin": [{"$elemMatch": {"b": 1}}]}}}, "a.$not.$nin[0]"),
]


@pytest.mark.parametrize(("jstest", "query", "where"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_as_mongodb_refuses(jstest: str, query: dict, where: str) -> None:
    with pytest.raises(QueryError) as info:
        ql.from_dict(query)
    assert info.value.path == where, (jstest, str(info.value))


ACCEPTED: list[tuple[str, dict, dict, bool]] = [
    # not/not2.js: a double $not over an operator is fine
    ("not/not2.js", {"i": {"$not": {"$not": {"$gt": "a"}}}}, {"i": "b"}, True),
    ("not/not2.js", {"i": {"$not": re.compile("a"), "$regex": "a"}}, {"i": "a"}, False),
    ("not/not2.js", {"i": {"$not": {"$regex": "A", "$options": "i"}}}, {"i": "b"}, True),
    ("not/not2.js", {"i": {"$not": {"$type": 1}}}, {"i": "a"}, True),
    # regex/regex_options.js: "u" is accepted
    (
        "regex/regex_options.js",
        {"t": {"$regex": "^hello.*", "$options": "u"}},
        {"t": "hello_test"},
        True,
    ),
    # regex/regex_limit.js: 16,384 characters is accepted
    ("regex/regex_limit.js", {"z": {"$regex": "c" * 16384}}, {"z": "c" * 16384}, True),
    # mod/mod.js: operands of every numeric type
    ("mod/mod.js", {"a": {"$mod": [Decimal("5.001"), Decimal("2.1")]}}, {"a": 12}, True),
    # find/find_size.js: NumberLong(0) and NumberInt(4) are whole numbers
    ("find/find_size.js", {"a": {"$size": 0.0}}, {"a": []}, True),
    # field_name_empty.js: empty field names are legal
    ("field_name_empty.js", {"": 1}, {"": 1}, True),
    ("field_name_empty.js", {"x.": 3}, {"x": {"": 3}}, True),
    ("field_name_empty.js", {"x": {"$elemMatch": {"": 3}}}, {"x": [{"": 3}]}, True),
]


@pytest.mark.parametrize(("jstest", "query", "doc", "want"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_accepted_as_mongodb_accepts(jstest: str, query: dict, doc: Any, want: bool) -> None:
    q = ql.from_dict(query)
    assert q.matches(doc) is want and q.matches_reference(doc) is want, jstest
