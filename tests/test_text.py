"""The text front end: the textual language and Mongo-style JSON text give from_dict's trees,
and every bad input is a QueryError that says where, what was expected, and why."""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from querylang import nodes as n
from querylang.errors import QueryError
from querylang.frontends.from_dict import from_dict
from querylang.frontends.text.parser import parse_text
from querylang.limits import MAX_BRACKET_DEPTH
from querylang.limits import MAX_TEXT_TREE_DEPTH as MAX_TREE_DEPTH

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)


def lit(v: Any) -> n.Literal:
    return n.Literal(n.freeze(v))


def parse(text: str) -> n.Node:
    return parse_text(text, now=NOW)


# --- the textual language gives from_dict's trees ------------------------------------------

EQUIVALENT = [
    # comparisons
    ("a == 1", {"a": 1}),
    ("a != 1", {"a": {"$ne": 1}}),
    ("a > 1 and a < 5", {"a": {"$gt": 1, "$lt": 5}}),
    ("a >= 1.5 and a <= -2", {"a": {"$gte": 1.5, "$lte": -2}}),
    ("a == 1 and b == 2", {"a": 1, "b": 2}),
    ("a == 1 and b == 2 and c == 3", {"a": 1, "b": 2, "c": 3}),
    ("completed == null", {"completed": None}),
    ("a == true and b == false", {"a": True, "b": False}),
    ('a == "x\\"y\\n\\u00e9"', {"a": 'x"y\né'}),
    ("a == [1, [2.5], {}]", {"a": [1, [2.5], {}]}),
    ('a == {"k": [1, null], "j": {"z": true}}', {"a": {"k": [1, None], "j": {"z": True}}}),
    ("a == {}", {"a": {}}),
    ('a == [{"$gt": 1}]', {"a": [{"$gt": 1}]}),
    ("a == 9223372036854775807", {"a": 9223372036854775807}),
    ("a == 1e300 and b == -0.0", {"a": 1e300, "b": -0.0}),
    ("a == NaN", {"a": math.nan}),
    ("a == Infinity and b == -Infinity", {"a": math.inf, "b": -math.inf}),
    # paths
    ("header.msg_type == 1", {"header.msg_type": 1}),
    ("a.0.b == 1", {"a.0.b": 1}),
    ("a.0.1 == 1", {"a.0.1": 1}),
    ('"weird name".x == 1', {"weird name.x": 1}),
    ('a."b c".d == 1', {"a.b c.d": 1}),
    ('"_" == 1', {"_": 1}),
    ('"not".x == 1', {"not.x": 1}),
    ("a.in.and == 1", {"a.in.and": 1}),
    ("in == 1 and or == 2 and null == 3", {"in": 1, "or": 2, "null": 3}),
    ("size == 1 and nor == 2 and comment == 3", {"size": 1, "nor": 2, "comment": 3}),
    ("size.x == 1", {"size.x": 1}),
    ('名前 == "値"', {"名前": "値"}),
    ('a."$b" == 1', {"a.$b": 1}),
    # in / all / exists
    ("engine_uuid in [1, /^x/]", {"engine_uuid": {"$in": [1, re.compile("^x")]}}),
    ("a not in []", {"a": {"$nin": []}}),
    ("a all [1, 2]", {"a": {"$all": [1, 2]}}),
    ("a all []", {"a": {"$all": []}}),
    ("completed exists", {"completed": {"$exists": True}}),
    ("completed not exists", {"completed": {"$exists": False}}),
    # regexes
    ("x == /ab+c/i", {"x": re.compile("ab+c", re.I)}),
    ("x =~ /ab+c/i", {"x": re.compile("ab+c", re.I)}),
    ('x =~ "ab+c"', {"x": {"$regex": "ab+c"}}),
    ('x =~ regex("ab+c", "mi")', {"x": {"$regex": "ab+c", "$options": "im"}}),
    ("x =~ /a\\/b/", {"x": re.compile("a/b")}),
    ("x =~ /a\\d\\//", {"x": re.compile(r"a\d/")}),
    ("x !~ /ab/", {"x": {"$not": re.compile("ab")}}),
    ("x === /ab/", {"x": {"$eq": re.compile("ab")}}),
    ("x === 5", {"x": 5}),
    ("header.msg_type =~ /^apply/", {"header.msg_type": {"$regex": "^apply"}}),
    # type, mod, size, glob
    ("x is string", {"x": {"$type": "string"}}),
    ('x is "string"', {"x": {"$type": "string"}}),
    ("x is [string, int, number]", {"x": {"$type": ["string", "int", "number"]}}),
    ("x is [2, double, string]", {"x": {"$type": [2, 1, "string"]}}),
    ("x is null and y is date", {"x": {"$type": "null"}, "y": {"$type": "date"}}),
    ("x % 4 == 1", {"x": {"$mod": [4, 1]}}),
    ("x % -4 == -1", {"x": {"$mod": [-4, -1]}}),
    ("size(x) == 3", {"x": {"$size": 3}}),
    ("size(a.b) == 0", {"a.b": {"$size": 0}}),
    ('x glob "*.py"', {"x": {"$glob": "*.py"}}),
    # elemMatch, both forms
    ("scores any (_ >= 80 and _ < 85)", {"scores": {"$elemMatch": {"$gte": 80, "$lt": 85}}}),
    ("scores elemMatch (_ >= 80)", {"scores": {"$elemMatch": {"$gte": 80}}}),
    ("r any (not _ > 1)", {"r": {"$elemMatch": {"$not": {"$gt": 1}}}}),
    (
        "r any (_ !~ /x/ and _ exists)",
        {"r": {"$elemMatch": {"$not": re.compile("x"), "$exists": 1}}},
    ),
    ("r any (size(_) == 2)", {"r": {"$elemMatch": {"$size": 2}}}),
    ("r any (_ any (_ > 1))", {"r": {"$elemMatch": {"$elemMatch": {"$gt": 1}}}}),
    ("r any (_ any (a == 1))", {"r": {"$elemMatch": {"$elemMatch": {"a": 1}}}}),
    ("r elemMatch (a == 1 and b.c > 2)", {"r": {"$elemMatch": {"a": 1, "b.c": {"$gt": 2}}}}),
    ("r any (a == 1 or b == 2)", {"r": {"$elemMatch": {"$or": [{"a": 1}, {"b": 2}]}}}),
    ("r any (true)", {"r": {"$elemMatch": {}}}),
    (
        "r any (a == 1) and r any (b == 2)",
        {"r": {"$all": [{"$elemMatch": {"a": 1}}, {"$elemMatch": {"b": 2}}]}},
    ),
    # logic
    ("a == 1 or b == 2", {"$or": [{"a": 1}, {"b": 2}]}),
    ("a == 1 or b == 2 or c == 3", {"$or": [{"a": 1}, {"b": 2}, {"c": 3}]}),
    ("(a == 1 and b == 2) and c == 3", {"$and": [{"a": 1, "b": 2}, {"c": 3}]}),
    ("(a == 1 or b == 2) or c == 3", {"$or": [{"$or": [{"a": 1}, {"b": 2}]}, {"c": 3}]}),
    ("a == 1 and (b == 2 or c == 3)", {"a": 1, "$or": [{"b": 2}, {"c": 3}]}),
    ("((a == 1))", {"a": 1}),
    ("nor(a == 1)", {"$nor": [{"a": 1}]}),
    ("nor(a == 1, b > 2 and c < 3)", {"$nor": [{"a": 1}, {"b": {"$gt": 2}, "c": {"$lt": 3}}]}),
    ("not a > 1", {"a": {"$not": {"$gt": 1}}}),
    ("not (a > 1 and a < 5)", {"a": {"$not": {"$gt": 1, "$lt": 5}}}),
    ("not not a > 1", {"a": {"$not": {"$not": {"$gt": 1}}}}),
    ('comment "why" and a == 1', {"$comment": "why", "a": 1}),
    ("true", {}),
    # dates and other typed literals
    ("submitted >= 2026-01-01T00:00:00Z", {"submitted": {"$gte": T0}}),
    (
        "submitted == 2026-01-01T05:30:00+05:30",
        {"submitted": T0.astimezone(dt.timezone(dt.timedelta(hours=5, minutes=30)))},
    ),
    ("submitted == 2026-01-01T00:00:00.250Z", {"submitted": T0.replace(microsecond=250000)}),
    ("submitted == 2026-01-01T00:00:00", {"submitted": dt.datetime(2026, 1, 1)}),
    ('submitted == date("2026-01-01")', {"submitted": dt.datetime(2026, 1, 1)}),
    ('submitted == date("2026-01-01T00:00:00Z")', {"submitted": T0}),
    ('a == decimal("1.10")', {"a": decimal.Decimal("1.10")}),
    ('a == binary("AAE=")', {"a": b"\x00\x01"}),
    ('a == binary("")', {"a": b""}),
    ('completed >= ago("1h")', {"completed": {"$gte": NOW - dt.timedelta(hours=1)}}),
    (
        'c > ago("1h30m") and c < ago("90s")',
        {"c": {"$gt": NOW - dt.timedelta(minutes=90), "$lt": NOW - dt.timedelta(seconds=90)}},
    ),
    (
        'c > ago("2d") and c < ago("1.5w") and c > ago("10ms")',
        {
            "$and": [
                {"c": {"$gt": NOW - dt.timedelta(days=2)}},
                {"c": {"$lt": NOW - dt.timedelta(weeks=1.5)}},
                {"c": {"$gt": NOW - dt.timedelta(milliseconds=10)}},
            ]
        },
    ),
    ("c <= now()", {"c": {"$lte": NOW}}),
]


@pytest.mark.parametrize(("text", "query"), EQUIVALENT, ids=[t for t, _ in EQUIVALENT])
def test_text_gives_the_dict_tree(text, query):
    assert parse(text) == from_dict(query)


def test_and_chains_are_flat_and_groups_stay_nested():
    a, b, c = (n.Compare((x,), "eq", lit(1)) for x in "abc")
    assert parse("a == 1 and b == 1 and c == 1") == n.And((a, b, c))
    assert parse("(a == 1 and b == 1) and c == 1") == n.And((n.And((a, b)), c))
    assert parse("a == 1 and (b == 1 and c == 1)") == n.And((a, n.And((b, c))))
    assert parse("a == 1 or b == 1 and c == 1") == n.Or((a, n.And((b, c))))
    assert parse("not a == 1 and b == 1") == n.And((n.Not(a), b))
    assert parse("not (a == 1 or b == 1)") == n.Not(n.Or((a, b)))
    assert parse("(a == 1)") == a


def test_precedence_not_binds_tighter_than_and_than_or():
    node = parse("a == 1 or not b == 2 and c == 3")
    assert isinstance(node, n.Or)
    assert isinstance(node.children[1], n.And)
    assert isinstance(node.children[1].children[0], n.Not)


def test_constants_and_comments():
    assert parse("false") == n.Const(False)
    assert parse("true and false") == n.And((n.Const(True), n.Const(False)))
    assert parse('comment "only"') == n.Comment("only")
    assert parse("not true") == n.Not(n.Const(True))


def test_literal_types_stay_distinct():
    assert parse("a == 1") != parse("a == 1.0")
    assert parse("a == 1") != parse("a == true")
    assert parse("a == 0") != parse("a == false")
    assert parse("a == null") != parse('a == "null"')
    assert parse("a == 1.0").value.value.__class__ is float  # type: ignore[attr-defined]


def test_naive_datetimes_get_local_time_and_aware_ones_keep_their_offset():
    naive = parse("a == 2026-01-01T00:00:00").value.value  # type: ignore[attr-defined]
    assert naive.tzinfo is not None
    assert naive == n.freeze(dt.datetime(2026, 1, 1))
    plus = parse("a == 2026-01-01T00:00:00+02:00").value.value  # type: ignore[attr-defined]
    assert plus.utcoffset() == dt.timedelta(hours=2)


def test_relative_times_use_now_and_default_to_the_clock():
    assert parse_text('a > ago("1h")', now=NOW) == from_dict(
        {"a": {"$gt": NOW - dt.timedelta(hours=1)}}
    )
    naive_now = dt.datetime(2026, 3, 1, 12, 0)
    got = parse_text("a > now()", now=naive_now).value.value  # type: ignore[attr-defined]
    assert got == n.freeze(naive_now)
    before = dt.datetime.now(UTC)
    value = parse_text('a > ago("1m")').value.value  # type: ignore[attr-defined]
    after = dt.datetime.now(UTC)
    assert before - dt.timedelta(minutes=1) <= value <= after - dt.timedelta(minutes=1)


def test_whitespace_and_newlines_are_free():
    assert parse("\n  a\n==\t1\r\n and\nb   exists  \n") == from_dict(
        {"a": 1, "b": {"$exists": True}}
    )


# --- Mongo-style JSON text -----------------------------------------------------------------


def test_json_text_is_handed_to_from_dict():
    d = {"$or": [{"a": {"$gt": 1}}, {"header.msg_type": {"$in": ["x", "y"]}}], "c": [1, 2.0]}
    assert parse(json.dumps(d)) == from_dict(d)
    assert parse("{}") == n.Const(True)
    assert parse('  {"a": NaN}  ') == from_dict({"a": math.nan})


EXTENDED = [
    ('{"$date": "2026-01-01T00:00:00Z"}', T0),
    ('{"$date": "2026-01-01T01:00:00+01:00"}', T0),
    ('{"$date": {"$numberLong": "1767225600000"}}', T0),
    ('{"$date": 1767225600000}', T0),
    ('{"$numberLong": "5"}', 5),
    ('{"$numberLong": "-9223372036854775808"}', -(2**63)),
    ('{"$numberInt": "-7"}', -7),
    ('{"$numberDouble": "1.5"}', 1.5),
    ('{"$numberDouble": "NaN"}', math.nan),
    ('{"$numberDouble": "Infinity"}', math.inf),
    ('{"$numberDouble": "-Infinity"}', -math.inf),
    ('{"$numberDecimal": "1.10"}', decimal.Decimal("1.10")),
    ('{"$binary": {"base64": "AAE=", "subType": "00"}}', b"\x00\x01"),
    ('{"$regularExpression": {"pattern": "^a", "options": "i"}}', n.Regex("^a", "i")),
]


@pytest.mark.parametrize(("wrapper", "value"), EXTENDED, ids=[w for w, _ in EXTENDED])
def test_extended_json_is_decoded(wrapper, value):
    got = parse('{"a": {"$in": [' + wrapper + "]}}")
    assert got == n.In(("a",), (lit(value),))
    if isinstance(value, n.Regex):
        assert parse('{"a": ' + wrapper + "}") == n.Match(("a",), value)
    else:
        assert parse('{"a": ' + wrapper + "}") == n.Compare(("a",), "eq", lit(value))


def test_extended_json_dates_are_aware_utc():
    node = parse('{"submitted": {"$gte": {"$date": "2026-01-01T02:00:00+02:00"}}}')
    value = node.value.value  # type: ignore[attr-defined]
    assert value.tzinfo is not None and value == T0


def test_extended_json_inside_operators_and_nested_values():
    text = (
        '{"a": {"$not": {"$regularExpression": {"pattern": "x", "options": ""}}},'
        ' "b": [{"$numberLong": "1"}, {"c": {"$numberInt": "2"}}]}'
    )
    assert parse(text) == from_dict({"a": {"$not": re.compile("x")}, "b": [1, {"c": 2}]})


def test_duplicate_json_keys_are_refused_with_their_position():
    with pytest.raises(QueryError) as info:
        parse('{"a": 1,\n "a": 2}')
    assert (info.value.line, info.value.column) == (2, 2)
    assert "duplicate key 'a'" in info.value.message
    with pytest.raises(QueryError, match="duplicate key"):
        parse('a == {"k": 1, "k": 2}')


def test_from_dict_errors_keep_their_path_and_get_a_position():
    with pytest.raises(QueryError) as info:
        parse('{"$and": [{"a": 1}, {"b": {"$gtt": 2}}]}')
    err = info.value
    assert err.path == "$and[1].b.$gtt"
    assert (err.line, err.column) == (1, 28)
    assert err.hint == "did you mean '$gt'?"
    assert '{"$gtt": 2}' in err.snippet
    with pytest.raises(QueryError) as info:
        parse('{"header.msg_type": {"$in": 5}}')
    assert info.value.path == "header.msg_type.$in" and info.value.column == 22
    with pytest.raises(QueryError, match="JavaScript"):
        parse('{"$where": "sleep(1000)"}')


def test_malformed_extended_json_is_an_error_at_the_wrapper():
    with pytest.raises(QueryError) as info:
        parse('{"a": {"$numberLong": 5}}')
    assert (info.value.line, info.value.column) == (1, 8)
    assert "$numberLong" in info.value.message
    for bad in (
        '{"$date": "yesterday"}',
        '{"$timestamp": {"t": 1, "i": 1}}',
        '{"$numberInt": "x"}',
    ):
        with pytest.raises(QueryError):
            parse('{"a": ' + bad + "}")


# --- errors --------------------------------------------------------------------------------


def error(text: str) -> QueryError:
    with pytest.raises(QueryError) as info:
        parse(text)
    return info.value


def test_syntax_error_has_line_column_snippet_and_expected():
    err = error("a == 1 and\n  b =! 2")
    assert (err.line, err.column) == (2, 5)
    assert err.snippet == "      b =! 2\n        ^"
    assert "'=='" in err.expected and "'exists'" in err.expected
    assert all("_" not in e or e == "'_'" for e in err.expected)  # no Lark-internal names
    assert err.hint == "use '==' to compare"
    assert str(err).startswith("line 2, column 5: unexpected character '='")


def test_end_of_input_is_reported_after_the_last_token():
    err = error("a ==   \n")
    assert (err.line, err.column) == (1, 5)
    assert err.message == "unexpected end of input"
    assert err.expected == ("a value",)
    err = error("")
    assert "a field name" in err.expected and "'{'" in err.expected


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("x exist", "did you mean 'exists'?"),
        ("x elemmatch (a == 1)", "did you mean 'elemMatch'?"),
        ("x Exists", "did you mean 'exists'?"),
        ("a == 1 AND b == 2", "did you mean 'and'?"),
        ("a == 1 && b == 2", "use 'and' / 'or'"),
        ("a == None", "did you mean 'null'?"),
        ("a == True", "did you mean 'true'?"),
        ("a == foo", 'strings need double quotes: "foo"'),
        ("a == 'x'", 'strings use double quotes: "..."'),
        ("a = 1", "use '==' to compare"),
        ('type(x) == "string"', "type tests are written: x is string (or x is [int, double])"),
        ("x is strng", "did you mean 'string'?"),
        ("$where == 1", None),
    ],
)
def test_near_misses_get_a_hint(text, hint):
    err = error(text)
    if hint is None:
        assert err.hint and "JSON form" in err.hint
    else:
        assert err.hint == hint


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ('a == "abc', "unterminated string", 6),
        ('a == "a\\qb"', "invalid string: Invalid \\escape", 8),
        ("a =~ /ab", "unterminated /regex/", 6),
        ("x =~ /a/g", "invalid regex flag(s) 'g'", 6),
        ("x =~ /(/", "invalid regular expression", 6),
        ("x != /a/", "!= cannot take a regular expression", 3),
        ("x > /a/", "> cannot take a regular expression", 3),
        ('x == {"$gt": 1}', "== takes a value, not an operator document", 1),
        ('x in [{"$gt": 1}]', "in list entry takes a value", 1),
        ("x % 0 == 1", "modulo divisor cannot be 0", 5),
        ("size(x) == -1", "size needs a non-negative whole number", 12),
        ("x is 99", "unknown BSON type code 99", 6),
        ("x is []", "unexpected ']'", 7),
        ('a == date("soon")', "invalid ISO-8601 date-time 'soon'", 11),
        ("a == 2026-13-01T00:00:00Z", "invalid ISO-8601 date-time", 6),
        ('a == decimal("x")', "invalid decimal 'x'", 14),
        ('a == binary("@@")', "invalid base64", 13),
        ('a > ago("soon")', "invalid duration 'soon'", 9),
        ('a > ago("1h x")', "invalid duration", 9),
        ('"" == 1', "empty field name", 1),
        ('"a.b" == 1', "contains '.'", 1),
        ('"$a" == 1', "cannot start with '$'", 1),
        ("_ > 1", "only meaningful inside elemMatch", 1),
        ("a == 1 or _ > 1", "only meaningful inside elemMatch", 11),
        ("x any (_ > 1 and a == 1)", "cannot mix", 18),
        ("x any (_ > 1 or _ < 0)", "combine only with 'and' and 'not'", 8),
        ("x any (a == 1", "unexpected end of input", 14),
        ("a == 01", "unexpected '1'", 7),
        ("a == 1 b", "unexpected 'b'", 8),
        ("a in 5", "unexpected '5'", 6),
        ("[1]", "unexpected '['", 1),
    ],
)
def test_semantic_and_syntax_errors_point_at_the_culprit(text, message, column):
    err = error(text)
    assert message in err.message
    assert (err.line, err.column) == (1, column)
    assert err.snippet.endswith(" " * (column - 1) + "    ^") or err.snippet.endswith("^")
    caret_line = err.snippet.split("\n")[1]
    assert caret_line.index("^") == 4 + column - 1


def test_long_lines_are_windowed_in_the_snippet():
    err = error("a == 1 and " + "b == 2 and " * 500 + "c @ 3 and d == 4" + " and e == 5" * 500)
    assert err.column == 11 + 11 * 500 + 3
    first, caret = err.snippet.split("\n")
    assert len(first) < 90 and first.lstrip().startswith("...") and first.endswith("...")
    assert first[caret.index("^")] == "@"


def test_non_str_input_is_refused():
    with pytest.raises(QueryError):
        parse_text(b"a == 1")  # type: ignore[arg-type]


# --- hostile input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '__import__("os").system("echo pwned")',
        "a == __import__",
        "a.__class__ == 1 or eval(1)",
        "exec",
        "a == b.c",
        "a == {k: 1}",
        "a == 1; import os",
        "a == 1 # comment",
        "a == `x`",
        "a == \x00",
        "\ufeffa == 1",
        "a == 1 and",
        ")",
        "nor()",
        "size(x == 3",
        "/* */ a == 1",
    ],
)
def test_hostile_input_is_a_query_error_and_runs_nothing(text):
    err = error(text)
    assert err.line is not None and err.column is not None and err.snippet


def test_hostile_strings_are_just_data():
    node = parse('a == "__import__(\\"os\\")" and b == "\'; DROP TABLE t; --"')
    assert node == from_dict({"a": '__import__("os")', "b": "'; DROP TABLE t; --"})
    assert parse('"a\\nb".c == "\\u0000"') == from_dict({"a\nb.c": "\x00"})
    assert parse('"ключ" == "значение 🐍"') == from_dict({"ключ": "значение 🐍"})


def test_deep_nesting_is_a_query_error_not_a_recursion_error():
    for text in (
        "(" * 5000 + "a == 1" + ")" * 5000,
        "a == " + "[" * 5000 + "]" * 5000,
        "a in [" + "{" * 5000,
        '{"$and": [' * 3000 + "{}" + "]}" * 3000,
        "x any (" * 3000 + "_ > 1" + ")" * 3000,
    ):
        err = error(text)
        assert "nested deeper" in err.message and err.column is not None
    err = error("not " * 5000 + "a == 1")
    assert f"nested deeper than {MAX_TREE_DEPTH} levels" in err.message
    # just below the limits is fine
    assert parse("(" * (MAX_BRACKET_DEPTH - 1) + "a == 1" + ")" * (MAX_BRACKET_DEPTH - 1))
    assert parse("not " * (MAX_TREE_DEPTH - 1) + "a == 1")


def test_brackets_inside_strings_and_regexes_do_not_count_as_nesting():
    text = 'a == "' + "(" * 5000 + '" and b =~ /' + "\\(" * 3000 + "/"
    assert parse(text) == from_dict({"a": "(" * 5000, "b": re.compile("\\(" * 3000)})


def test_json_depth_is_left_to_from_dict():
    d: dict = {"a": 1}
    for _ in range(150):
        d = {"$and": [d]}
    assert parse(json.dumps(d)) == from_dict(d)  # 300 brackets deep, 150 query levels


def test_a_megabyte_query_parses():
    values = [f"engine-{i:06d}-" + "x" * 190 for i in range(5000)]
    text = "engine_uuid in " + json.dumps(values)
    assert len(text) > 1_000_000
    node = parse(text)
    assert isinstance(node, n.In) and len(node.values) == 5000
    many = "a in [" + ", ".join(str(i) for i in range(20000)) + "]"
    assert len(parse(many).values) == 20000  # type: ignore[attr-defined]
    chain = " and ".join(f"a{i} == {i}" for i in range(5000))
    assert len(parse(chain).children) == 5000  # type: ignore[attr-defined]


def test_unterminated_strings_are_found_in_linear_time():
    err = error('a == "' + '\\"' * 50_000)
    assert err.message.startswith("unterminated string")


# --- property: JSON text of a dict query gives from_dict's tree ----------------------------

_FIELDS = st.sampled_from(["a", "b", "a.b", "a.0", "c.0.d", "é", "x y"])
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=5),
    st.datetimes(
        min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    st.binary(max_size=5),
    st.decimals(allow_nan=False, places=2).map(lambda d: decimal.Decimal(str(d))),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["k", "l", "0"]), inner, max_size=2)
    ),
    max_leaves=6,
)
_REGEXES = st.sampled_from([re.compile("^a"), re.compile("b$", re.I), re.compile("a/b", re.M)])


def _field_ops(draw: st.DrawFn) -> Any:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(_VALUES)
    if kind == 1:
        return draw(_REGEXES)
    op = draw(
        st.sampled_from(
            [
                "$eq",
                "$ne",
                "$gt",
                "$gte",
                "$lt",
                "$lte",
                "$in",
                "$nin",
                "$all",
                "$exists",
                "$type",
                "$mod",
                "$size",
                "$glob",
                "$regex",
                "$not",
                "$elemMatch",
                "$bogus",
            ]
        )
    )
    if op in ("$in", "$nin", "$all"):
        arg: Any = draw(st.lists(_VALUES | _REGEXES, max_size=3))
    elif op == "$exists":
        arg = draw(st.booleans())
    elif op == "$type":
        arg = draw(st.sampled_from(["string", "number", ["int", 2], "nope", 99]))
    elif op == "$mod":
        arg = draw(st.sampled_from([[4, 1], [-3, 0], [0, 1], [2], [2.5, 1]]))
    elif op == "$size":
        arg = draw(st.sampled_from([0, 3, -1, 2.0]))
    elif op == "$glob":
        arg = draw(st.sampled_from(["*.py", "a?", 5]))
    elif op == "$regex":
        return {
            "$regex": draw(st.sampled_from(["^a", "(", "x/y"])),
            "$options": draw(st.sampled_from(["", "i", "q"])),
        }
    elif op == "$not":
        arg = draw(st.sampled_from([{"$gt": 1}, re.compile("x"), {"a": 1}, {}]))
    elif op == "$elemMatch":
        arg = draw(st.sampled_from([{"$gt": 1, "$lt": 5}, {"a": 1}, {}, {"$or": [{"a": 1}]}]))
    else:
        arg = draw(_VALUES)
    return {op: arg}


@st.composite
def dict_queries(draw: st.DrawFn, depth: int = 2) -> dict:
    out: dict[str, Any] = {}
    for _ in range(draw(st.integers(0, 3))):
        which = draw(st.integers(0, 5))
        if which <= 3 or depth == 0:
            out[draw(_FIELDS)] = _field_ops(draw)
        elif which == 4:
            op = draw(st.sampled_from(["$and", "$or", "$nor"]))
            out[op] = [draw(dict_queries(depth - 1)) for _ in range(draw(st.integers(1, 2)))]
        else:
            out["$comment"] = draw(st.text(max_size=4))
    return out


def json_text_of(value: Any) -> str:
    """The Mongo-style JSON text of a dict query, with Extended JSON for non-JSON values."""

    def default(x: Any) -> Any:
        if isinstance(x, dt.datetime):
            return {"$date": x.isoformat()}
        if isinstance(x, bytes):
            return {"$binary": {"base64": base64.b64encode(x).decode(), "subType": "00"}}
        if isinstance(x, decimal.Decimal):
            return {"$numberDecimal": str(x)}
        if isinstance(x, re.Pattern):
            flags = "".join(c for c, f in (("i", re.I), ("m", re.M)) if x.flags & f)
            return {"$regularExpression": {"pattern": x.pattern, "options": flags}}
        raise TypeError(type(x))

    return json.dumps(value, default=default, ensure_ascii=False)


@given(dict_queries())
def test_json_text_parses_like_the_dict(d):
    text = json_text_of(d)
    try:
        expected = from_dict(d)
    except QueryError:
        with pytest.raises(QueryError):
            parse_text(text)
        return
    assert parse_text(text) == expected, text


def test_the_task_record_examples_in_the_docs_are_right():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "language.md").read_text("utf-8")
    rows = re.findall(r"^\| [^|]+ \| `([^`]+)` \| `(\{[^`]+\})` \|$", doc, re.M)
    assert len(rows) >= 7
    for text, mongo in rows:
        assert parse(text) == parse(mongo), text


def test_every_grammar_rule_that_builds_a_node_has_a_callback():
    """A rule without a callback would silently yield a Lark Tree instead of a value."""
    from querylang.frontends.text.build import Builder
    from querylang.frontends.text.parser import _parser

    inline_only = {"atom", "cmp_op", "component", "json_value", "not_expr", "regex_arg"}
    inline_only |= {"type_name", "value"}  # `?rules` whose every alternative is one child
    names = {str(r.alias or r.origin.name) for r in _parser().rules}
    missing = {x for x in names if not x.startswith("_") and not hasattr(Builder, x)}
    assert missing == inline_only


_TOKENS = [
    *("a", "b.c", "_", "x.0", '"s"', '"q\\"', "1", "-2", "1.5e3", "NaN", "-Infinity", "null"),
    *("true", "false", "==", "===", "!=", "<", ">=", "=~", "!~", "%", "in", "not", "and"),
    *("or", "nor", "(", ")", "[", "]", "{", "}", ",", ":", "exists", "is", "all", "glob"),
    *("any", "size", "comment", "/a/", "/x\\//i", "2026-01-01T00:00:00Z", "date", "ago"),
    *("decimal", "binary", "regex", "now", '"1h"', '"AAE="', "int", '"$gt"', '"$date"', "\n"),
    *("'", "=", "@", "\\", '"9999999999w"', '"0001-01-01"', "__import__", "$where"),
]


@given(st.lists(st.sampled_from(_TOKENS), max_size=12), st.booleans())
def test_token_soup_parses_or_raises_a_located_query_error(tokens, spaced):
    text = (" " if spaced else "").join(tokens)
    try:
        assert isinstance(parse(text), n.Node)
    except QueryError as exc:
        assert exc.line is not None and exc.column is not None and exc.snippet, text


def test_the_error_output_shown_in_the_docs_is_real():
    import ast

    doc = (Path(__file__).resolve().parent.parent / "docs" / "language.md").read_text("utf-8")
    block = doc.split("Real output:")[1].split("```text\n", 1)[1].split("```")[0]
    shown = block.strip().split("\n\n>>> ")
    assert len(shown) >= 6
    for example in shown:
        call, output = example.removeprefix(">>> ").split("\n", 1)
        arg = call.removeprefix("parse_text(").removesuffix(")")
        text = "(" * 1000 if arg == "'(' * 1000" else ast.literal_eval(arg)
        with pytest.raises(QueryError) as info:
            parse_text(text)
        assert "QueryError: " + str(info.value) == output.rstrip(), call
