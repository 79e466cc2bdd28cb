"""The text front end: the textual language gives from_dict's trees (docs/language.md).

Mongo-style JSON text is in test_text_json.py, error reporting and hostile input in
test_text_errors.py."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import re
from pathlib import Path

import pytest
from helpers import lit

from querylang import nodes as n
from querylang.frontends.from_dict import from_dict
from querylang.frontends.text.parser import parse_text

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)


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


def test_the_task_record_examples_in_the_docs_are_right():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "language.md").read_text("utf-8")
    rows = re.findall(r"^\| [^|]+ \| `([^`]+)` \| `(\{[^`]+\})` \|$", doc, re.M)
    assert len(rows) >= 7
    for text, mongo in rows:
        assert parse(text) == parse(mongo), text


def test_every_grammar_rule_that_builds_a_node_has_a_callback():
    """A rule without a callback would silently yield a Lark Tree instead of a value."""
    from querylang.frontends.text.parser import _parser
    from querylang.frontends.text.transformer import TextTransformer

    inline_only = {"atom", "cmp_op", "component", "json_value", "not_expr", "regex_arg"}
    inline_only |= {"type_name", "value"}  # `?rules` whose every alternative is one child
    names = {str(r.alias or r.origin.name) for r in _parser().rules}
    missing = {x for x in names if not x.startswith("_") and not hasattr(TextTransformer, x)}
    assert missing == inline_only
