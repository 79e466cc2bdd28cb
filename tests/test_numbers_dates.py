"""Numbers and dates at the edges: MongoDB's answers and MongoDB's errors.

``$mod`` cases are ``jstests/core/query/mod/{mod,mod_overflow,mod_special_values}.js``;
query literals MongoDB cannot hold (ints beyond int64, dates outside UTC's range) are
refused as pymongo refuses them; stored values of any kind never make a query fail.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest

import querylang as ql
from querylang import reference
from querylang.errors import QueryError
from querylang.values import check_date, compare

D = Decimal
UTC = dt.UTC


def _ids(query: dict, docs: list[dict]) -> list[Any]:
    q = ql.from_dict(query)
    compiled = [d["_id"] for d in docs if q.matches(d)]
    assert compiled == [d["_id"] for d in docs if reference.evaluate(q.node, d)], query
    return compiled


# --- $mod: jstests/core/query/mod/mod.js --------------------------------------------------

BIG = [
    4000000000,
    15000000000,
    -4000000000,
    -15000000000,
    4000000000.12345,
    15000000000.12345,
    -4000000000.12345,
    -15000000000.12345,
    D("4000000000.12345"),
    D("15000000000.12345"),
    D("-4000000000.12345"),
    D("-15000000000.12345"),
]
BIG_DOCS = [{"_id": i + 1, "a": a} for i, a in enumerate(BIG)]


@pytest.mark.parametrize(
    ("divisor", "remainder", "expected"),
    [
        (4000000000, 0, [1, 3, 5, 7, 9, 11]),
        (-4000000000, 0, [1, 3, 5, 7, 9, 11]),
        (10000000000, 5000000000, [2, 6, 10]),
        (10000000000, -5000000000, [4, 8, 12]),
        (-10000000000, 5000000000, [2, 6, 10]),
        (-10000000000, -5000000000, [4, 8, 12]),
    ],
)
def test_mod_beyond_32_bits(divisor: int, remainder: int, expected: list[int]) -> None:
    assert _ids({"a": {"$mod": [divisor, remainder]}}, BIG_DOCS) == expected


def test_mod_truncates_dividends() -> None:
    docs = [{"_id": i, "a": a} for i, a in enumerate([4.2, 4.5, 4.7, D("4.2"), D("4.5"), D("4.7")])]
    assert _ids({"a": {"$mod": [4, 0]}}, docs) == [0, 1, 2, 3, 4, 5]


BASIC = [
    {"_id": 1, "a": 0},
    {"_id": 2, "a": 5},
    {"_id": 3, "a": 12},
    {"_id": 4, "a": [0, 7]},
    {"_id": 5, "a": [1, 7]},
    {"_id": 6, "a": [-5]},
    {"_id": 7, "arr": [1, [2, 3], [[4]]]},
    {"_id": 8, "arr": [{"b": [1, 2, 3]}, {"b": [5]}]},
    {"_id": 9, "arr": [{"b": [-1]}, {"b": [5]}]},
    {"_id": 10, "arr": "string"},
    {"_id": 11, "c": float("nan")},
    {"_id": 12, "c": float("inf")},
]


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ({"a": {"$mod": [-10, -5]}}, 1),
        ({"a": {"$mod": [4, -1]}}, 1),
        ({"a": {"$mod": [5, 0]}}, 4),
        ({"a": {"$mod": [12, 0]}}, 3),
        ({"a": {"$mod": [12, 1]}}, 1),
        ({"arr": {"$mod": [1, 0]}}, 1),
        ({"arr": {"$mod": [4, 0]}}, 0),
        ({"arr.b": {"$mod": [3, 0]}}, 1),
        ({"arr.b": {"$mod": [5, 0]}}, 2),
        ({"arr.b.c": {"$mod": [5, 0]}}, 0),
        ({"a": {"$mod": [1, 0]}}, 6),
        ({"a": {"$mod": [5, D("2.1")]}}, 3),
        ({"a": {"$mod": [D("5.001"), D("2.1")]}}, 3),
        ({"a": {"$mod": [7, 1]}}, 1),
        ({"c": {"$mod": [11, 10.0]}}, 0),
        ({"c": {"$mod": [-12, 0]}}, 0),
    ],
)
def test_mod_basics(query: dict, count: int) -> None:
    assert len(_ids(query, BASIC)) == count


@pytest.mark.parametrize(
    "arg",
    [
        [0, 1],
        [0, 0],
        [D("0.001"), D("1.001")],
        [1, 0, 0],
        [D("0.1")],
        [D(0), D(0)],
        [10, 1, 1],
        [10],
        ["a", 0],
        ["a", "b"],
        # mod_special_values.js: NaN, infinities and 1e19 as divisor or remainder
        *[
            pair
            for bad in (float("nan"), float("inf"), 1e19, D("NaN"), D("Infinity"), D("1e19"))
            for pair in ([bad, 1], [1, bad])
        ],
        [2**63, 1],  # a Python int beyond int64: refused like 1e19
        [D("sNaN"), 1],
    ],
)
def test_mod_refused_operands(arg: list) -> None:
    with pytest.raises(QueryError) as info:
        ql.from_dict({"a": {"$mod": arg}})
    assert info.value.path == "a.$mod"


def test_mod_special_dividends() -> None:
    """mod_special_values.js: too-large and non-finite dividends never match; dividends are
    truncated; mod_overflow.js: INT64_MIN % -1 is 0, no overflow."""
    assert _ids({"a": {"$mod": [1, 0]}}, [{"_id": 0, "a": -1e19}, {"_id": 1, "a": D("1e19")}]) == []
    docs = [
        {"_id": i + 1, "a": a}
        for i, a in enumerate([14.5, 14.50001, 15.01, D("14.5"), D("14.50001"), D("15.01"), 24, 34])
    ]
    assert _ids({"a": {"$mod": [10, 4]}}, docs) == [1, 2, 4, 5, 7, 8]
    odd = [D("-NaN"), D("NaN"), D("-Inf"), D("Inf"), float("nan"), float("inf"), float("-inf")]
    odd += [D("sNaN"), D("-sNaN")]
    assert _ids({"a": {"$mod": [1, 0]}}, [{"_id": i, "a": a} for i, a in enumerate(odd)]) == []
    for divisor in (-1.0, -1, D("-1")):
        docs = [{"_id": 0, "v": -(2**63)}, {"_id": 1, "v": -(2**31)}]
        assert _ids({"v": {"$mod": [divisor, 0]}}, docs) == [0, 1]


def test_mod_on_python_ints_beyond_int64_is_exact() -> None:
    """No BSON value is such an int; as data, a Python int keeps its exact value."""
    assert _ids({"a": {"$mod": [7, 3]}}, [{"_id": 0, "a": 7 * 10**30 + 3}]) == [0]
    assert _ids({"a": {"$mod": [7, -3]}}, [{"_id": 0, "a": -(7 * 10**30 + 3)}]) == [0]


# --- comparisons -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "query", "expected"),
    [
        (2**53 + 1, {"$gt": 2.0**53}, True),  # exact: 2**53 + 1 is not the double 2**53
        (2**53 + 1, {"$eq": 2.0**53}, False),
        (2.0**53, {"$lt": 2**53 + 1}, True),
        (2**63 - 1, {"$lt": 2.0**63}, True),
        (2**63 - 1, {"$eq": 2.0**63}, False),
        (-0.0, {"$eq": 0}, True),
        (0, {"$eq": -0.0}, True),
        (D("-0"), {"$eq": 0.0}, True),
        (D("0.1"), {"$eq": 0.1}, False),  # the double 0.1 is not the decimal 0.1
        (D("0.1"), {"$lt": 0.1}, True),
        (D("NaN"), {"$eq": float("nan")}, True),
        (D("sNaN"), {"$eq": float("nan")}, True),
        (D("sNaN"), {"$gt": 0}, False),
        (D("sNaN"), {"$gte": float("nan")}, True),
        (10**400, {"$gt": 1e308}, True),
        (10**400, {"$lt": float("inf")}, True),
        (-(10**400), {"$gt": float("-inf")}, True),
        (D("1e99999"), {"$gt": 1e308}, True),
    ],
)
def test_numbers_compare_exactly(stored: Any, query: dict, expected: bool) -> None:
    assert bool(_ids({"a": query}, [{"_id": 0, "a": stored}])) is expected


def test_query_literals_mongodb_cannot_hold_are_refused() -> None:
    """pymongo raises OverflowError for ints beyond int64 and refuses inexact decimal128s;
    so do we, as a QueryError naming the spot, and never a later ValueError."""
    for query, where in [
        ({"a": 10**4300}, "a"),
        ({"a": {"$gt": 2**63}}, "a.$gt"),
        ({"a": {"$in": [1, -(2**63) - 1]}}, "a.$in[1]"),
        ({"a": {"$eq": {"b": [10**30]}}}, "a.$eq"),
        ({"a": {"$size": 10**400}}, "a.$size"),
        ({"a": {"$type": 10**400}}, "a.$type"),
        ({"a": {"$type": 10**5000}}, "a.$type"),
        ({"a": D("1e99999")}, "a"),
        ({"a": D("1.000000000000000000000000000000000001")}, "a"),
    ]:
        with pytest.raises(QueryError) as info:
            ql.from_dict(query)
        assert info.value.path == where, query
    assert ql.from_dict({"a": 2**63 - 1}).matches({"a": 2**63 - 1})
    assert ql.from_dict({"a": -(2**63)}).matches({"a": -(2**63)})


# --- dates -------------------------------------------------------------------------------

EDGE_DATES = [
    dt.datetime.fromisoformat("0001-01-01T00:00:00+01:00"),
    dt.datetime.fromisoformat("9999-12-31T23:59:59-01:00"),
    dt.datetime.min,
    dt.datetime.max,
]


@pytest.mark.parametrize("date", EDGE_DATES[:2])
def test_dates_outside_utc_are_refused_in_queries(date: dt.datetime) -> None:
    with pytest.raises(ValueError, match="outside the range"):
        check_date(date)
    with pytest.raises(QueryError):
        ql.from_dict({"d": date})
    with pytest.raises(QueryError):
        ql.from_dict({"d": {"$in": [date]}})


@pytest.mark.parametrize("date", EDGE_DATES[2:])
def test_naive_edge_dates_work_or_are_refused(date: dt.datetime) -> None:
    """Naive means local time: whether datetime.min is an instant in UTC depends on the
    zone.  Either way the answer is a QueryError at from_dict or a correct match."""
    try:
        q = ql.from_dict({"d": date})
    except QueryError:
        return
    assert q.matches({"d": date}) and str(q)


def test_check_date_gives_aware_datetimes() -> None:
    naive = dt.datetime(2026, 1, 1, 12)
    assert check_date(naive) == naive.astimezone()
    aware = dt.datetime(2026, 1, 1, tzinfo=UTC)
    assert check_date(aware) is aware
    assert check_date(dt.datetime(1, 1, 1, 1, tzinfo=UTC)).year == 1


@pytest.mark.parametrize("stored", EDGE_DATES)
def test_stored_edge_dates_compare_as_instants(stored: dt.datetime) -> None:
    docs = [{"_id": 0, "d": stored}]
    mid = dt.datetime(2000, 1, 1, tzinfo=UTC)
    early = stored.year == 1
    assert bool(_ids({"d": {"$lt": mid}}, docs)) is early
    assert bool(_ids({"d": {"$gt": mid}}, docs)) is not early
    assert _ids({"d": {"$type": "date"}}, docs) == [0]
    assert compare(EDGE_DATES[0], dt.datetime(1, 1, 1, tzinfo=UTC)) == -1  # an hour earlier


# --- odd stored values never fail a query ---------------------------------------------

ODD = [
    D("sNaN"),
    D("-sNaN"),
    D("NaN"),
    D("-Infinity"),
    D("1e99999"),
    10**400,
    -(10**5000),
    2**63,
    float("nan"),
    float("-inf"),
    -0.0,
    *EDGE_DATES,
    "x\ud800y",
    b"\x00",
    [D("sNaN"), [10**400]],
    {"b": D("sNaN")},
]
QUERIES = [
    {"a": 1},
    {"a": {"$ne": 1.5}},
    {"a": {"$gt": 0}},
    {"a": {"$lte": D("1.5")}},
    {"a": {"$gte": dt.datetime(2000, 1, 1, tzinfo=UTC)}},
    {"a": {"$lt": "m"}},
    {"a": {"$in": [1, 2.5, D("3"), "x", None, dt.datetime(2000, 1, 1, tzinfo=UTC)]}},
    {"a": {"$nin": [D("NaN"), float("nan")]}},
    {"a": {"$all": [1]}},
    {"a": {"$mod": [3, 1]}},
    {"a": {"$type": ["number", "date"]}},
    {"a": {"$size": 2}},
    {"a": {"$regex": "^x.y$"}},
    {"a": {"$exists": True}},
    {"a": {"$elemMatch": {"$gt": 0}}},
    {"a.b": {"$gt": 0}},
    {"a.0": {"$mod": [2, 0]}},
    {"a": {"$not": {"$gt": 5}}},
]


@pytest.mark.parametrize("query", QUERIES, ids=str)
def test_odd_stored_values_never_fail(query: dict) -> None:
    q = ql.from_dict(query)
    for value in ODD:
        doc = {"a": value}
        assert q.matches(doc) == reference.evaluate(q.node, doc), (query, value)


def test_odd_values_sort_without_error() -> None:
    for a, b in itertools.product(ODD, repeat=2):
        assert compare(a, b) == -compare(b, a)
