"""The public Query object: coercion, equality and hashing, caching, combinators."""

import pytest

import querylang as ql
from querylang import nodes as n
from querylang.explain import Explanation


def test_query_coerces_every_form():
    d = {"client_uuid": "c1", "completed": None}
    q = ql.from_dict(d)
    assert ql.query(q) is q
    assert ql.query(d) == q
    assert ql.query(q.node) == q
    assert ql.query(None).matches({"anything": 1})
    with pytest.raises(ql.QueryError):
        ql.query(42)
    with pytest.raises(ql.QueryError):
        ql.parse(b"a == 1")


def test_equal_queries_are_equal_and_hash_alike():
    a = ql.from_dict({"a": {"$in": [1, 2]}})
    b = ql.from_dict({"a": {"$in": [1, 2]}})
    assert a == b and hash(a) == hash(b)
    assert len({a, b}) == 1
    assert a != ql.from_dict({"a": {"$in": [True, 2]}})


def test_compiled_predicate_is_shared_by_equal_queries():
    a = ql.from_dict({"x": {"$gt": 3}, "y": "z"})
    b = ql.from_dict({"x": {"$gt": 3}, "y": "z"})
    assert a.predicate is b.predicate
    assert ql.compile({"x": {"$gt": 3}, "y": "z"}) is a.predicate


def test_matches_agrees_with_reference():
    q = ql.from_dict({"tags": "x", "n": {"$gte": 2}})
    for rec, expected in [
        ({"tags": ["x", "y"], "n": 2}, True),
        ({"tags": "x", "n": 1}, False),
        ({"tags": ["y"], "n": 5}, False),
        ({"n": 5}, False),
    ]:
        assert q.matches(rec) is expected
        assert q.matches_reference(rec) is expected
        assert q(rec) is expected


def test_combinators():
    a = ql.from_dict({"a": 1})
    b = ql.from_dict({"b": 1})
    assert (a & b).matches({"a": 1, "b": 1}) and not (a & b).matches({"a": 1})
    assert (a | b).matches({"b": 1}) and not (a | b).matches({})
    assert (~a).matches({}) and not (~a).matches({"a": 1})
    assert (a & b).node == n.And((a.node, b.node))


def test_to_dict_round_trips():
    d = {"a": {"$gt": 1, "$lt": 5}, "b": {"$in": ["x", None]}, "$or": [{"c": 1}, {"d": None}]}
    q = ql.from_dict(d)
    assert ql.from_dict(q.to_dict()) == q


def test_explain_mentions_every_stage():
    text = str(ql.explain({"completed": None, "client_uuid": "c1"}))
    for word in ("query:", "ast:", "optimized:", "generated source:"):
        assert word in text
    assert "client_uuid" in text


def test_explain_returns_every_stage_as_fields():
    q = ql.parse("submitted > 2026-01-01T00:00:00Z and not (a == 1 or a == 2) and b =~ /x/i")
    e = q.explain()
    assert isinstance(e, Explanation) and e == ql.explain(q)
    assert (e.text, e.mongo, e.ast, e.optimized) == (str(q), q.to_dict(), q.node, q.optimized)
    assert e.passes and e.passes[-1][1] == q.optimized
    assert e.source == q.predicate.source
    mongo_line = next(x for x in str(e).splitlines() if x.startswith("mongo:"))
    assert ql.from_dict(ql.extjson.loads(mongo_line.removeprefix("mongo:"))) == ql.from_dict(
        e.mongo
    )
    assert str(e).endswith("generated source:\n" + e.source)


def test_query_node_type_is_checked():
    with pytest.raises(TypeError):
        ql.Query({"a": 1})  # type: ignore[arg-type]


def test_relative_times_are_resolved_at_each_parse_not_cached():
    import datetime as dt

    t0 = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    a = ql.parse('completed >= ago("1h")', now=t0)
    b = ql.parse('completed >= ago("1h")', now=t0 + dt.timedelta(hours=5))
    assert a != b
    assert a.matches({"completed": t0 - dt.timedelta(minutes=30)})
    assert not b.matches({"completed": t0 - dt.timedelta(minutes=30)})
    # without `now`, two parses a moment apart are both fresh, never the first one cached
    assert ql.parse('completed >= ago ("1h")') is not ql.parse('completed >= ago ("1h")')
    assert ql.parse("a == 1") is ql.parse("a == 1")
