"""querylang.sql: the pushdown contract, row by row, against the reference evaluator.

For random documents and queries, on a SQLite table in the stored layout:
``where ∧ certain ⇒ matches ⇒ where`` for every row, where ``matches`` is
``querylang.reference.evaluate`` on the original document; and for an *exact* filter, rows
regular for every leaf are decided by SQL alone (``where == matches`` there).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
import sqlite3
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import querylang
from querylang import nodes as n
from querylang.errors import QueryError
from querylang.reference import evaluate
from querylang.regex import compile_regex
from querylang.sql import SQLITE, Layout, Shadow, shadow_value, store, to_sql
from querylang.sql.pushdown import compile_filter
from querylang.strategies import dict_queries, documents, json_values, queries
from querylang.values import MISSING
from tests.helpers import cmp, eq, in_, path
from tests.test_backends_conformance import same

# Field "a" has a text shadow, "b" a date shadow (sentinel form), "c" a text shadow in the
# flag form (as PostgreSQL needs, and as the msg_id key column uses).
LAYOUT = Layout(
    shadows=(
        Shadow("a", "a_s", "text"),
        Shadow("b", "b_s", "date"),
        Shadow("c", "c_s", "text", flag="c_odd"),
    )
)
JSON_ONLY = Layout()  # no shadows: every leaf reads the JSON
DDL = """CREATE TABLE t (seq INTEGER PRIMARY KEY, a_s TEXT, b_s INTEGER, c_s TEXT, c_odd INTEGER,
    irregular TEXT NOT NULL, doc TEXT NOT NULL, bin BLOB)"""


def table(docs: list[dict[str, Any]]) -> sqlite3.Connection:
    con = sqlite3.connect(":memory:")
    con.execute(DDL)
    for i, d in enumerate(docs):
        s = store(d)
        c = shadow_value("text", d.get("c", MISSING))
        c_odd = 1 if isinstance(c, bytes) else None
        con.execute(
            "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                i,
                shadow_value("text", d.get("a", MISSING)),
                shadow_value("date", d.get("b", MISSING)),
                None if c_odd else c,
                c_odd,
                s.irregular,
                s.json,
                s.blob,
            ),
        )
    return con


def verdicts(con: sqlite3.Connection, node: n.Node, layout: Layout) -> list[tuple[bool, bool]]:
    f = compile_filter(node, layout, SQLITE)
    sql = (
        f"SELECT CASE WHEN {f.where} THEN 1 ELSE 0 END, CASE WHEN {f.certain} THEN 1 ELSE 0 END"
        " FROM t ORDER BY seq"
    )
    return [(bool(m), bool(s)) for m, s in con.execute(sql, dict(f.params))]


def check(docs: list[dict[str, Any]], node: n.Node) -> None:
    con = table(docs)
    for layout in (LAYOUT, JSON_ONLY):
        for doc, (maybe, sure) in zip(docs, verdicts(con, node, layout), strict=True):
            want = evaluate(node, doc)
            assert not (maybe and sure) or want, ("certain, no match", doc, querylang.Query(node))
            assert not want or maybe, ("match not selected", doc, querylang.Query(node))


@given(st.lists(documents(), max_size=6), queries())
@settings(max_examples=settings().max_examples * 5)
def test_where_is_superset_and_certain_is_subset(docs: list[dict], node: n.Node) -> None:
    check(docs, node)
    check(docs, querylang.Query(node).optimized)


@given(st.lists(documents(), max_size=6), dict_queries())
@settings(max_examples=settings().max_examples * 3)
def test_dict_queries(docs: list[dict], q: dict) -> None:
    check(docs, querylang.Query(querylang.from_dict(q).node).optimized)


def _is_regular_everywhere(con: sqlite3.Connection, f: Any) -> list[bool]:
    sql = f"SELECT CASE WHEN {f.certain} THEN 1 ELSE 0 END FROM t ORDER BY seq"
    return [bool(r[0]) for r in con.execute(sql, dict(f.params))]


@given(st.lists(documents(), max_size=6), queries())
def test_exact_filters_decide_regular_rows(docs: list[dict], node: n.Node) -> None:
    node = querylang.Query(node).optimized
    f = compile_filter(node, LAYOUT, SQLITE)
    if not f.exact:
        return
    con = table(docs)
    regular = _is_regular_everywhere(con, f)
    for doc, (maybe, _), reg in zip(docs, verdicts(con, node, LAYOUT), regular, strict=True):
        if reg:
            assert maybe == evaluate(node, doc), (doc, querylang.Query(node))


# --- round trip of the stored form ------------------------------------------------------------


@given(documents(max_depth=4))
def test_store_load_round_trip(doc: dict) -> None:
    from querylang.sql import load

    s = store(doc)
    assert same(load(s.json, s.blob), doc)


ODD = [
    {"$date": 1, "x": {"$bytes": [0, 1]}},
    {"a": {"$esc": 1, "$$x": [1]}},
    {"t": (1, [2], {"$x": "y"}), "s": "a\x00b", "u": "\ud800x", "big": 2**70, "neg": -(2**64)},
    {"f": [math.nan, math.inf, -math.inf, 1.5, -0.0, 1e300], "d": decimal.Decimal("1.10")},
    {"b": bytearray(b"ab"), "m": memoryview(b"xyz"), "e": b""},
    {"r": n.Regex("^a", "i"), "p": re.compile("x+", 2)},
    {"z": dt.datetime(2024, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=-3, seconds=5)))},
    {"n": dt.datetime(2024, 1, 1, 3), "local": dt.datetime(2024, 1, 1).astimezone()},
    {"zone": dt.datetime(2024, 3, 31, 1, 30, tzinfo=ZoneInfo("Europe/Paris"))},
    {"": {"": ""}, "a.b": {"c|d": 1}, 'q"k': {"\\": 2}, "é": "日本"},
]


@pytest.mark.parametrize("doc", ODD, ids=range(len(ODD)))
def test_round_trip_of_odd_values(doc: dict) -> None:
    from querylang.sql import load

    s = store(doc)
    assert same(load(s.json, s.blob), doc)
    assert sqlite3.connect(":memory:").execute("SELECT json_valid(?)", (s.json,)).fetchone() == (1,)


def test_unstorable_values_name_their_place() -> None:
    with pytest.raises(TypeError, match=r"set.*\$\.a\.b\[1\]"):
        store({"a": {"b": [1, {2, 3}]}})
    with pytest.raises(TypeError, match="keys must be strings"):
        store({"a": {1: 2}})


def test_irregular_paths() -> None:
    s = store({"a": [1, {"b": 2}], "c": {"d": math.nan, "e": "ok", "f": {"g": (1,)}}, "h": 5})
    assert s.irregular == "|a|c.d|c.f.g|"
    assert store({"a": 1, "b": {"c": "x"}}).irregular == ""
    assert store({"x": 1.5, "y": 2.0, "z": 2**60}).irregular == "|x|"


# --- hostile names and values stay parameters ------------------------------------------------

HOSTILE = [
    "'; DROP TABLE t; --",
    'a"b',
    "a\\b",
    "x') OR 1=1 --",
    "$where",
    "",
    "日本",
    "a\x00b",
    "\ud800",
    "a.b",
    "|",
    "\n",
]


def _regex_leaves(text: str) -> list[n.Node]:
    """A prefix regex on ``text``, unless MongoDB refuses the pattern (a NUL byte, or text
    that is not Unicode: a lone surrogate)."""
    regex = n.Regex("^" + re.escape(text))
    try:
        compile_regex(regex)
    except QueryError:
        assert "\x00" in text or "\ud800" in text
        return []
    return [n.Match(("a",), regex)]


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("value", HOSTILE + [math.nan, 2**70, -0.0])
def test_hostile_names_and_values(name: str, value: Any) -> None:
    docs = [{name: value}, {"a": {name: value}}, {"a": [value]}, {"a": value}, {}]
    for node in (
        n.Compare((name,), "eq", n.Literal(value)),
        n.Compare(("a", name), "gt", n.Literal(value)),
        n.In(("a",), (n.Literal(value), n.Literal(None))),
        n.Not(n.Compare(("a",), "eq", n.Literal(value))),
        n.Exists((name,), True),
        n.Glob(("a",), str(value)),
        *_regex_leaves(str(value)),
    ):
        check(docs, node)
        f = compile_filter(node, LAYOUT, SQLITE)
        for text in (str(value), name):
            if len(text) > 2:
                assert text not in f.where and text not in f.certain


# --- pinned examples -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "node",
    [
        eq("a", "x"),
        eq("a.b", 1),
        cmp("a.b", "ne", 1),
        in_("a", 1, "x", None),
        in_("a", 1, "x", None, negated=True),
        cmp("b", "gt", dt.datetime(2024, 1, 1, tzinfo=dt.UTC)),
        cmp("c", "lt", "m"),
        eq("c", None),
        cmp("a", "gte", True),
        cmp("a", "lt", 2**64),
        cmp("a", "gt", -(2**64)),
        eq("a", math.nan),
        n.Type(path("a"), ("int",)),
        n.Type(path("a"), ("long", "double", "date")),
        n.Mod(path("a"), -3, -1),
    ],
    ids=str,
)
def test_pinned(node: n.Node) -> None:
    values = [
        None, True, False, 0, 1, -1, 1.0, 1.5, 2**31, 2**53 + 1, 2**63 - 1, -(2**63), 2**64,
        math.nan, math.inf, "x", "m", "", "é", [1, "x"], {"b": 1}, {"b": [1]},
        dt.datetime(2024, 1, 1, tzinfo=dt.UTC), dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2024, 1, 1), b"x", -7, -7.0,
    ]  # fmt: skip
    docs = [{"a": v, "b": v, "c": v} for v in values] + [{}, *({"a": {"b": v}} for v in values)]
    check(docs, node)


@given(st.lists(st.fixed_dictionaries({}, optional={"a": json_values(3)}), max_size=6), queries())
def test_nested_paths_through_arrays(docs: list[dict], node: n.Node) -> None:
    check(docs, node)


def test_explain_shows_sql_params_and_exactness() -> None:
    from querylang.sql import describe

    text = describe(to_sql({"a": "x", "d.e": {"$regex": "^ab.*z"}}, LAYOUT))
    assert "WHERE" in text and "CERTAIN" in text and "'x'" in text
    assert "exact      a ==" in text and "superset   d.e =~" in text
    assert "residual: the compiled predicate" in text


@given(documents(max_depth=4))
def test_fast_and_general_encoders_agree(doc: dict) -> None:
    """The fast path (scan + orjson) stores what the general encoder stores, when it applies."""
    import json

    from querylang.sql import encoding

    fast = encoding._fast(doc)
    if fast is None:
        return
    general = encoding._Encoder()
    tree = general.document(doc, "")
    assert json.loads(fast[0]) == tree or same(json.loads(fast[0]), tree)
    assert fast[1] == general.marks and fast[2] == general.chunks
