"""The dict front end: the trees it builds and the errors it raises (with query paths)."""

import datetime as dt
import re

import pytest
from helpers import lit

import querylang as ql
from querylang import nodes as n
from querylang.frontends.from_dict import from_dict
from querylang.limits import MAX_QUERY_DEPTH as MAX_DEPTH


def test_plain_equality_and_implicit_and():
    assert from_dict({"a": 1}) == n.Compare(("a",), "eq", lit(1))
    assert from_dict({"a": 1, "b.c": "x"}) == n.And(
        (n.Compare(("a",), "eq", lit(1)), n.Compare(("b", "c"), "eq", lit("x")))
    )


def test_empty_query_matches_everything():
    assert from_dict({}) == n.Const(True)


def test_literals_keep_their_type():
    assert from_dict({"a": 1}) != from_dict({"a": True})
    assert from_dict({"a": 1}) != from_dict({"a": 1.0})
    assert from_dict({"a": [1, 2]}) == n.Compare(("a",), "eq", lit((1, 2)))
    assert from_dict({"a": {"x": 1, "y": 2}}) != from_dict({"a": {"y": 2, "x": 1}})


def test_operators_become_one_node_each():
    q = from_dict({"a": {"$gt": 1, "$lt": 5}})
    assert q == n.And((n.Compare(("a",), "gt", lit(1)), n.Compare(("a",), "lt", lit(5))))
    assert from_dict({"a": {"$in": [1, re.compile("x")]}}) == n.In(
        ("a",), (lit(1), n.Literal(n.Regex("x", ""))), False
    )
    assert from_dict({"a": {"$nin": []}}) == n.In(("a",), (), True)
    assert from_dict({"a": {"$exists": 0}}) == n.Exists(("a",), False)
    assert from_dict({"a": {"$type": [2, "number"]}}) == n.Type(("a",), ("string", "number"))
    assert from_dict({"a": {"$mod": [4.7, -1.2]}}) == n.Mod(("a",), 4, -1)
    assert from_dict({"a": {"$size": 2.0}}) == n.Size(("a",), 2)
    assert from_dict({"a": {"$glob": "*.py"}}) == n.Glob(("a",), "*.py")
    assert from_dict({"$comment": "why"}) == n.Comment("why")


def test_regex_forms_agree():
    expected = n.Match(("a",), n.Regex("^x", "i"))
    assert from_dict({"a": re.compile("^x", re.I)}) == expected
    assert from_dict({"a": {"$regex": "^x", "$options": "i"}}) == expected
    assert from_dict({"a": {"$options": "i", "$regex": "^x"}}) == expected
    assert from_dict({"a": {"$regex": re.compile("^x", re.I)}}) == expected
    assert from_dict({"a": {"$not": re.compile("^x", re.I)}}) == n.Not(expected)


def test_logical_operators():
    q = from_dict({"$or": [{"a": 1}, {"b": 2}], "$nor": [{"c": 3}]})
    assert q == n.And(
        (
            n.Or((n.Compare(("a",), "eq", lit(1)), n.Compare(("b",), "eq", lit(2)))),
            n.Nor((n.Compare(("c",), "eq", lit(3)),)),
        )
    )
    # one-clause $and/$or collapse, so every front end can produce the same tree
    assert from_dict({"$and": [{"a": 1}]}) == from_dict({"a": 1})
    assert from_dict({"a": {"$not": {"$gt": 1}}}) == n.Not(n.Compare(("a",), "gt", lit(1)))


def test_elem_match_forms():
    value_form = from_dict({"a": {"$elemMatch": {"$gte": 80, "$lt": 85}}})
    assert value_form == n.ElemMatch(
        ("a",),
        n.And((n.Compare((), "gte", lit(80)), n.Compare((), "lt", lit(85)))),
        value_form=True,
    )
    doc_form = from_dict({"a": {"$elemMatch": {"x": 1, "$or": [{"y": 2}, {"z": 3}]}}})
    assert isinstance(doc_form, n.ElemMatch) and not doc_form.value_form
    assert from_dict(
        {"a": {"$all": [{"$elemMatch": {"x": 1}}, {"$elemMatch": {"y": 1}}]}}
    ) == n.And(
        (
            n.ElemMatch(("a",), n.Compare(("x",), "eq", lit(1))),
            n.ElemMatch(("a",), n.Compare(("y",), "eq", lit(1))),
        )
    )


def test_naive_datetimes_get_a_timezone():
    naive = dt.datetime(2026, 1, 1, 12, 0)
    node = from_dict({"submitted": {"$gt": naive}})
    assert node.value.value.tzinfo is not None
    assert node.value.value == naive.astimezone()


@pytest.mark.parametrize(
    ("query", "path", "words"),
    [
        ({"a": {"$gtt": 1}}, "a.$gtt", ["unknown operator", "did you mean '$gt'"]),
        ({"$and": [{"a": 1}, {"b": {"$foo": 1}}]}, "$and[1].b.$foo", ["unknown operator"]),
        ({"$and": []}, "$and", ["non-empty list"]),
        ({"$or": {"a": 1}}, "$or", ["non-empty list"]),
        ({"$and": [{"a": 1}, 7]}, "$and[1]", ["query documents"]),
        ({"$where": "this.a == 1"}, "$where", ["never executes code"]),
        ({"$expr": {"$eq": ["$a", 1]}}, "$expr", ["not supported"]),
        ({"a": {"$where": "1"}}, "a.$where", ["never executes code"]),
        ({"$text": {"$search": "x"}}, "$text", ["not supported"]),
        ({"$bogus": 1}, "$bogus", ["unknown"]),
        ({"a": {"$mod": [0, 1]}}, "a.$mod", ["divisor cannot be 0"]),
        ({"a": {"$mod": [1]}}, "a.$mod", ["not enough elements"]),
        ({"a": {"$mod": [1, 2, 3]}}, "a.$mod", ["too many elements"]),
        ({"a": {"$mod": [float("nan"), 1]}}, "a.$mod", ["NaN"]),
        ({"a": {"$mod": ["2", 1]}}, "a.$mod", ["must be a number"]),
        ({"a": {"$type": "strng"}}, "a.$type", ["unknown $type", "did you mean 'string'"]),
        ({"a": {"$type": 99}}, "a.$type", ["invalid $type"]),
        ({"a": {"$size": -1}}, "a.$size", ["non-negative"]),
        ({"a": {"$size": 1.5}}, "a.$size", ["whole number"]),
        ({"a": {"$in": 5}}, "a.$in", ["needs a list"]),
        ({"a": {"$in": [{"$gt": 1}]}}, "a.$in[0]", ["operator documents"]),
        ({"a": {"$regex": "("}}, "a.$regex", ["invalid regular expression"]),
        ({"a": {"$regex": "x", "$options": "q"}}, "a.$regex", ["invalid regex flag"]),
        ({"a": {"$options": "i"}}, "a.$options", ["needs a $regex"]),
        ({"a": {"$not": 5}}, "a.$not", ["regex or an operator document"]),
        ({"a": {"$not": {}}}, "a.$not", ["cannot be empty"]),
        ({"a": {"$gt": re.compile("x")}}, "a.$gt", ["regular expression"]),
        ({"a": {"$gt": 1, "b": 2}}, "a.b", ["cannot mix"]),
        ({"a": {"$elemMatch": 3}}, "a.$elemMatch", ["query document"]),
        ({"a": {"$all": [{"$elemMatch": {"x": 1}}, 3]}}, "a.$all", ["cannot mix"]),
        ({"a": {"$comment": "x"}}, "a.$comment", ["unknown operator"]),
        ({"a": object()}, "a", ["unsupported value"]),
    ],
)
def test_errors_say_where_and_why(query, path, words):
    with pytest.raises(ql.QueryError) as info:
        from_dict(query)
    err = info.value
    assert err.path == path
    text = str(err)
    for w in words:
        assert w in text


def test_not_a_dict():
    with pytest.raises(ql.QueryError, match="must be a dict"):
        from_dict([{"a": 1}])


def test_deep_nesting_is_a_query_error_not_a_recursion_error():
    q: dict = {"a": 1}
    for _ in range(5000):
        q = {"$and": [q]}
    with pytest.raises(ql.QueryError, match="nested deeper"):
        from_dict(q)
    deep_value: list = []
    for _ in range(5000):
        deep_value = [deep_value]
    with pytest.raises(ql.QueryError, match="nested deeper"):
        from_dict({"a": deep_value})


def test_depth_just_under_the_limit_works():
    q: dict = {"a": 1}
    for _ in range(MAX_DEPTH - 5):
        q = {"$or": [q, {"b": 2}]}
    node = from_dict(q)
    assert ql.evaluate(node, {"a": 1})
    assert not ql.evaluate(node, {"a": 2})


def test_huge_query_is_linear():
    q = {"a": {"$in": list(range(200_000))}}
    node = from_dict(q)
    assert len(node.values) == 200_000
