"""The printer: canonical text for every node, minimal parentheses, exact literals, and
``parse_text(to_text(node)) == node`` for random trees."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re

import pytest
from helpers import eq, lit
from hypothesis import given
from hypothesis import strategies as st

from querylang import nodes as n
from querylang.errors import QueryError
from querylang.frontends.from_dict import from_dict
from querylang.frontends.text.parser import _parser, parse_text
from querylang.printer import path_text, to_text, value_text
from querylang.strategies import queries

UTC = dt.UTC


A, B, C = eq("a", 1), eq("b", 2), eq("c", 3)


# --- exact output --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("node", "text"),
    [
        (A, "a == 1"),
        (n.Compare(("a",), "ne", lit(1.0)), "a != 1.0"),
        (n.Compare(("a",), "gte", lit(True)), "a >= true"),
        (n.And((A, B, C)), "a == 1 and b == 2 and c == 3"),
        (n.And((n.And((A, B)), C)), "(a == 1 and b == 2) and c == 3"),
        (n.And((A, n.Or((B, C)))), "a == 1 and (b == 2 or c == 3)"),
        (n.Or((A, n.And((B, C)))), "a == 1 or b == 2 and c == 3"),
        (n.Or((n.Or((A, B)), C)), "(a == 1 or b == 2) or c == 3"),
        (n.Not(A), "not a == 1"),
        (n.Not(n.Compare(("a",), "ne", lit(1))), "not a != 1"),
        (n.Not(n.Not(A)), "not not a == 1"),
        (n.Not(n.And((A, B))), "not (a == 1 and b == 2)"),
        (n.And((n.Not(A), B)), "not a == 1 and b == 2"),
        (n.Not(n.Exists(("a",), False)), "not a not exists"),
        (n.Not(n.In(("a",), (lit(1),), True)), "not a not in [1]"),
        (n.Nor((A, n.Or((B, C)))), "nor(a == 1, b == 2 or c == 3)"),
        (n.In(("a",), (lit(1), n.Literal(n.Regex("x", "i"))), False), "a in [1, /x/i]"),
        (n.All(("a",), ()), "a all []"),
        (n.Exists(("a", "b"), True), "a.b exists"),
        (n.Type(("a",), ("string",)), "a is string"),
        (n.Type(("a",), ("int", "number")), "a is [int, number]"),
        (n.Mod(("a",), -4, 1), "a % -4 == 1"),
        (n.Match(("a",), n.Regex("a/b", "im")), "a =~ /a\\/b/im"),
        (n.Not(n.Match(("a",), n.Regex("x", ""))), "a !~ /x/"),
        (n.Compare(("a",), "eq", n.Literal(n.Regex("x", ""))), "a === /x/"),
        (n.Glob(("a",), "*.py"), 'a glob "*.py"'),
        (n.Size(("a", "0"), 2), "size(a.0) == 2"),
        (
            n.ElemMatch(("r",), n.And((n.Compare((), "gt", lit(1)), n.Exists((), True))), True),
            "r elemMatch (_ > 1 and _ exists)",
        ),
        (n.ElemMatch(("r",), n.Or((A, B)), False), "r elemMatch (a == 1 or b == 2)"),
        (n.Const(True), "true"),
        (n.Const(False), "false"),
        (n.Comment('say "hi"'), 'comment "say \\"hi\\""'),
        (eq("weird name.x", 1), '"weird name".x == 1'),
        (n.Compare(("not", "true"), "eq", lit(1)), '"not".true == 1'),
        (n.Compare(("_",), "eq", lit(1)), '"_" == 1'),
        (n.Compare(("a", "_"), "eq", lit(1)), "a._ == 1"),
        (n.Compare(("size", "in", "0"), "eq", lit(1)), "size.in.0 == 1"),
        (n.Compare(("a b", "1e5", "é"), "eq", lit(1)), '"a b"."1e5".é == 1'),
    ],
)
def test_canonical_text(node, text):
    assert to_text(node) == text
    assert parse_text(text) == node


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "null"),
        (True, "true"),
        (0, "0"),
        (-(2**70), str(-(2**70))),
        (1.0, "1.0"),
        (-0.0, "-0.0"),
        (0.1, "0.1"),
        (1e16, "1e+16"),
        (5e-324, "5e-324"),
        (math.nan, "NaN"),
        (math.inf, "Infinity"),
        (-math.inf, "-Infinity"),
        ("", '""'),
        ('q"\\\n\x00é', '"q\\"\\\\\\n\\u0000é"'),
        (decimal.Decimal("1.10"), 'decimal("1.10")'),
        (decimal.Decimal("NaN"), 'decimal("NaN")'),
        (b"\x00\x01", 'binary("AAE=")'),
        (dt.datetime(2026, 1, 1, tzinfo=UTC), "2026-01-01T00:00:00Z"),
        (
            dt.datetime(2026, 1, 1, 5, 30, 0, 123, tzinfo=dt.timezone(dt.timedelta(hours=5.5))),
            "2026-01-01T05:30:00.000123+05:30",
        ),
        (
            dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(seconds=-3601))),
            "2026-01-01T00:00:00-01:00:01",
        ),
        (n.Regex("", ""), 'regex("")'),
        (n.Regex("a\\/b", "i"), 'regex("a\\\\/b", "i")'),
        (n.Regex("a\nb", ""), 'regex("a\\nb")'),
        (n.Regex("\\\\/", ""), "/\\\\\\//"),
        ((1, (2,), n.Document({"k": None})), '[1, [2], {"k": null}]'),
        (n.Document({"$gt": 1, "": 2}), '{"$gt": 1, "": 2}'),
    ],
)
def test_literal_text(value, text):
    assert value_text(value) == text
    node = n.Compare(("a",), "eq", n.Literal((value,)))  # in a list: a {"$gt"..} is data there
    assert parse_text(to_text(node)) == node


def test_datetime_pattern_matches_the_grammar():
    from querylang.printer import _DATETIME

    assert _parser().get_terminal("DATETIME").pattern.value == _DATETIME.pattern


def test_path_text():
    assert path_text(()) == "_"
    assert path_text(("a", "0", "b")) == "a.0.b"
    assert path_text(("false",)) == '"false"'
    assert path_text(("x", "false")) == "x.false"


def test_unprintable_values_raise_query_error():
    with pytest.raises(QueryError):
        to_text(n.Compare(("a",), "eq", n.Literal(object())))  # type: ignore[arg-type]


def test_deep_trees_print_or_raise_query_error():
    node: n.Node = A
    for _ in range(300):
        node = n.Not(node)
    assert parse_text(to_text(node)) == node
    for _ in range(5000):
        node = n.And((node, B))
    try:
        to_text(node)
    except QueryError as exc:
        assert "too deeply" in exc.message


def test_hand_built_degenerate_logic_prints_its_meaning():
    assert to_text(n.And((A,))) == "a == 1"
    assert to_text(n.And(())) == "true"
    assert to_text(n.Or(())) == "false"
    assert to_text(n.Nor(())) == "true"


def test_dict_queries_print_and_read_back():
    d = {
        "$or": [{"completed": None}, {"client_uuid": "c1", "submitted": {"$gte": 5}}],
        "header.msg_type": {"$regex": "^apply", "$options": "i"},
        "engine_uuid": {"$in": ["e1", "e2"], "$nin": [None]},
        "scores": {"$elemMatch": {"$gte": 80, "$lt": 85}},
        "tags": {"$not": {"$size": 0}},
    }
    node = from_dict(d)
    assert parse_text(to_text(node)) == node


# --- property: random trees round-trip -----------------------------------------------------

_PATHS = st.sampled_from(
    [
        ("a",),
        ("a", "b"),
        ("a", "0"),
        ("a", "0", "b"),
        ("0",),
        ("weird name", "x"),
        ("not",),
        ("true", "x"),
        ("_",),
        ("size",),
        ("comment",),
        ("in", "and"),
        ("é",),
        ("a", "$b"),
        ('q"uote',),
    ]
)
_ZONES = st.sampled_from(
    [
        UTC,
        dt.timezone(dt.timedelta(hours=5, minutes=30)),
        dt.timezone(-dt.timedelta(hours=8)),
        dt.timezone(dt.timedelta(seconds=45)),
    ]
)
_REGEXES = st.builds(
    n.Regex,
    st.sampled_from(["a", "^a.*b$", "a/b", "a\\/b", "\\\\", "\\\\/", "", "a\nb", "[/]", "é"]),
    st.sampled_from(["", "i", "m", "imsx", "iu"]),
)
_KEYS = st.text(max_size=3).filter(lambda k: not k.startswith("$"))
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=6),
    st.binary(max_size=4),
    st.datetimes(timezones=_ZONES),
    st.decimals(),
    _REGEXES,
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(_KEYS, inner, max_size=3).map(n.Document)
    ),
    max_leaves=8,
)
_PLAIN = _VALUES.filter(lambda v: not isinstance(v, n.Regex))
_TYPES = st.lists(st.sampled_from([*n.TYPE_CODES, "number"]), min_size=1, max_size=3, unique=True)
_ANY_LITS = st.lists(_VALUES.map(n.Literal), max_size=3).map(tuple)
# Leaves whose operands need quoting or escaping, beyond querylang.strategies' small pools:
# any glob or comment text, regexes with slashes, any $mod and $size numbers, every $type.
_ODD_LEAVES = st.one_of(
    st.builds(n.Compare, _PATHS, st.just("eq"), _REGEXES.map(n.Literal)),
    st.builds(n.In, _PATHS, _ANY_LITS, st.booleans()),
    st.builds(n.All, _PATHS, _ANY_LITS),
    st.builds(n.Type, _PATHS, _TYPES.map(tuple)),
    st.builds(n.Mod, _PATHS, st.integers().filter(bool), st.integers()),
    st.builds(n.Match, _PATHS, _REGEXES),
    st.builds(n.Glob, _PATHS, st.text(max_size=5)),
    st.builds(n.Size, _PATHS, st.integers(min_value=0)),
    st.builds(n.Comment, st.text()),
)
# Trees of every node type (querylang.strategies) over the printer's paths and literals,
# with the odd leaves alone and inside logic.
_QUERIES = queries(paths=_PATHS, values=_PLAIN)
_TREES = st.one_of(
    _QUERIES,
    _ODD_LEAVES,
    st.builds(lambda a, b: n.And((a, b)), _ODD_LEAVES, _QUERIES),
    st.builds(lambda a, b: n.Or((a, b)), _QUERIES, _ODD_LEAVES),
    _ODD_LEAVES.map(n.Not),
)


@given(_TREES)
def test_random_trees_round_trip(node):
    text = to_text(node)
    assert parse_text(text) == node, text


@given(_TREES)
def test_printing_is_canonical(node):
    text = to_text(node)
    assert to_text(parse_text(text)) == text


@given(_PLAIN)
def test_random_literals_round_trip_exactly(value):
    text = value_text(value)
    node = parse_text(f"a == {text}")
    assert node == n.Compare(("a",), "eq", n.Literal(value)), text


def test_regex_literals_survive_every_spelling():
    for pattern in ["a/b", "a\\/b", "\\\\/", "/", "//", "\\d+/\\w", "a\\", "é/ü"]:
        try:
            regex = n.Regex(pattern, "")
            re.compile(pattern)
        except re.error:
            continue
        node = n.Match(("x",), regex)
        assert parse_text(to_text(node)) == node, to_text(node)
