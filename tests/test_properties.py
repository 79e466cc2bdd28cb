"""Cross-component properties: every component agrees with the reference evaluator.

The compiler, the optimizer, the dict and text front ends and the printer are each checked
against ``reference.evaluate`` (or against each other) on random documents and queries from
``querylang.strategies``.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import pickle

from hypothesis import given
from hypothesis import strategies as st

import querylang as ql
from querylang import nodes as n
from querylang import reference
from querylang.frontends.from_dict import from_dict
from querylang.optimizer import optimize
from querylang.query import Query
from querylang.strategies import (
    dict_queries,
    documents,
    json_values,
    queries,
    task_queries,
    task_record_lists,
)
from querylang.to_dict import to_dict

DOCS = st.lists(documents(), min_size=1, max_size=6)


def _frozen(doc):
    return n.value_key(n.freeze(doc))


# --- compiled == reference ---------------------------------------------------------------


@given(DOCS, queries())
def test_compiled_matches_reference(docs, node):
    predicate = ql.compile(Query(node))
    for doc in docs:
        before = _frozen(doc)
        assert predicate(doc) == reference.evaluate(node, doc), doc
        assert _frozen(doc) == before  # matching never mutates the record


def _place(path: tuple[str, ...], value):
    """A document in which ``path`` leads to ``value`` (index steps build arrays)."""
    for step in reversed(path[1:]):
        value = [None] * int(step) + [value] if step.isdigit() else {step: value}
    return {path[0]: value}


_UTC = dt.UTC
#: Values every leaf is tried on: each operator has some it matches and some it does not.
POOL: list = [
    *(None, True, False, 0, 1, 2, 3, 5, 12, -1, -5, 2**31, 2**64, -0.0, 1.0, 2.5, -7.9),
    *(math.nan, math.inf, "", "a", "ab", "ba", "A", "b", "1", "é", "apply_request"),
    *("execute_request", b"", b"a", dt.datetime(2024, 1, 1, tzinfo=_UTC)),
    *(dt.datetime(2024, 1, 1), {}, {"a": 1}, {"b": None, "a": "ab"}, [], [1], [1, "a"]),
    *([[1, 2]], [None], [{"a": 1}, {"a": "ab"}], [[], "b"]),
]


def _candidates(node: n.Node) -> list:
    """POOL plus the node's own operands (and each inside an array)."""
    own = [n.thaw(lit.value) for lit in getattr(node, "values", ())]
    if isinstance(node, n.Compare):
        own.append(n.thaw(node.value.value))
    own = [v for v in own if not isinstance(v, n.Regex)]
    return POOL + own + [[v] for v in own]


@given(queries(max_depth=0).filter(lambda x: hasattr(x, "path") and x.path))
def test_every_operator_agrees_on_a_pool_of_values(node):
    """Compiled and optimized forms of every single-field condition agree with the
    reference on every pool value placed at the condition's path (random documents rarely
    reach a given path with a value the operator can match)."""
    predicate = ql.compile(Query(node))
    opt = optimize(node)
    for v in _candidates(node):
        doc = _place(node.path, v)
        want = reference.evaluate(node, doc)
        assert predicate(doc) == want, doc
        assert reference.evaluate(opt, doc) == want, (opt, doc)


@given(DOCS, dict_queries())
def test_compiled_dict_queries_match_reference(docs, d):
    q = ql.from_dict(d)
    for doc in docs:
        assert q.matches(doc) == reference.evaluate(q.node, doc), doc


@given(task_record_lists(min_size=1, max_size=8), task_queries())
def test_compiled_task_queries_match_reference(recs, d):
    q = ql.query(d)
    for rec in recs:
        assert q.matches(rec) == q.matches_reference(rec), rec


@given(DOCS, queries(max_depth=1), queries(max_depth=1))
def test_query_operators_compose(docs, a, b):
    qa, qb = Query(a), Query(b)
    for doc in docs:
        assert (qa & qb).matches(doc) == (qa.matches(doc) and qb.matches(doc))
        assert (qa | qb).matches(doc) == (qa.matches(doc) or qb.matches(doc))
        assert (~qa).matches(doc) == (not qa.matches(doc))


# --- optimized == unoptimized --------------------------------------------------------------


@given(DOCS, queries())
def test_optimizer_preserves_meaning(docs, node):
    opt = optimize(node)
    assert isinstance(opt, n.Node)
    for doc in docs:
        assert reference.evaluate(opt, doc) == reference.evaluate(node, doc), (opt, doc)


@given(task_record_lists(min_size=1, max_size=8), task_queries())
def test_optimizer_preserves_meaning_on_task_queries(recs, d):
    node = from_dict(d)
    opt = optimize(node)
    for rec in recs:
        assert reference.evaluate(opt, rec) == reference.evaluate(node, rec), (opt, rec)


# --- dict -> AST -> dict -> AST ------------------------------------------------------------


def _lossy(node: n.Node) -> bool:
    """Trees to_dict cannot spell exactly: Const(False) becomes ``$nor: [{}]`` and a ``Not``
    over anything but one field's conditions becomes ``$nor`` (same meaning, other tree)."""
    for x in n.walk(node):
        if isinstance(x, n.Const) and not x.value:
            return True
        if isinstance(x, n.Not) and isinstance(x.child, n.Const | n.Comment | n.Or | n.Nor | n.And):
            return True
    return False


@given(DOCS, queries())
def test_dict_round_trip_keeps_meaning(docs, node):
    back = from_dict(to_dict(node))
    for doc in docs:
        assert reference.evaluate(back, doc) == reference.evaluate(node, doc), (back, doc)


@given(queries())
def test_dict_round_trip_is_exact_where_spellable(node):
    if not _lossy(node):
        assert from_dict(to_dict(node)) == node


@given(queries())
def test_dict_round_trip_is_stable(node):
    once = from_dict(to_dict(node))
    assert from_dict(to_dict(once)) == once


@given(DOCS, dict_queries())
def test_dict_queries_survive_to_dict(docs, d):
    node = from_dict(d)
    again = from_dict(to_dict(node))
    assert from_dict(to_dict(again)) == again
    for doc in docs:
        assert reference.evaluate(again, doc) == reference.evaluate(node, doc), doc


# --- text round trips (text front end and printer) -----------------------------------------


@given(queries(values=json_values(2, json_only=True)))
def test_text_round_trip_plain_values(node):
    q = Query(node)
    assert ql.parse(str(q)) == q, str(q)


@given(queries())
def test_text_round_trip_all_values(node):
    q = Query(node)
    assert ql.parse(str(q)) == q, str(q)


@given(DOCS, queries())
def test_text_round_trip_keeps_meaning(docs, node):
    back = ql.parse(str(Query(node)))
    for doc in docs:
        assert back.matches_reference(doc) == reference.evaluate(node, doc), doc


@given(dict_queries(json_only=True))
def test_json_text_parses_like_the_dict(d):
    assert ql.parse(json.dumps(d)) == ql.from_dict(d)


@given(dict_queries(json_only=True))
def test_json_text_with_whitespace_parses_like_the_dict(d):
    assert ql.parse("  " + json.dumps(d, indent=2) + "\n") == ql.from_dict(d)


@given(DOCS, dict_queries())
def test_extended_json_text_means_the_dict(docs, d):
    """Any filter dict, written as Extended JSON (dates, bytes, regexes, NaN), parses back
    to a query that matches exactly what the dict matches."""
    from querylang.frontends import extjson

    back, q = ql.parse(extjson.dumps(d)), ql.from_dict(d)
    for doc in docs:
        assert back.matches_reference(doc) == q.matches_reference(doc), doc


def test_same_instant_in_two_time_zones_gives_equal_queries():
    utc = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    ist = utc.astimezone(dt.timezone(dt.timedelta(hours=5, minutes=30)))
    assert ql.from_dict({"submitted": utc}) == ql.from_dict({"submitted": ist})


# --- Query objects -------------------------------------------------------------------------


@given(queries())
def test_equal_nodes_give_equal_queries(node):
    twin = pickle.loads(pickle.dumps(node))
    assert twin == node and twin is not node
    a, b = Query(node), Query(twin)
    assert a == b and hash(a) == hash(b)
    assert {a: "x"}[b] == "x"
    assert len({a, b}) == 1
    assert a != Query(n.Not(node))


@given(dict_queries())
def test_equal_dicts_give_equal_queries(d):
    a, b = ql.from_dict(d), ql.from_dict(copy.deepcopy(d))
    assert a == b and hash(a) == hash(b)
    assert ql.query(a) is a


def test_literals_of_different_types_give_different_queries():
    def q(v):
        return Query(n.Compare(("a",), "eq", n.Literal(v)))

    keys = {q(1): "int", q(True): "bool", q(1.0): "double", q("1"): "string"}
    assert len(keys) == 4
    assert keys[q(1)] == "int" and keys[q(True)] == "bool" and keys[q(1.0)] == "double"
    assert q(float("nan")) == q(float("nan"))
