"""The compiler: compiler-specific cases only -- what the generated code looks like, caching,
fast paths vs the generic fallback on unusual Python values, splitting of deep trees, safety
of the generated source, and the batch filters.  What a query *means* is stated once, in the
semantics tables (test_semantics_*.py), which run every case through the compiler too."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from collections import OrderedDict
from typing import Any

import pytest
from helpers import cmp, lit
from hypothesis import given
from hypothesis import strategies as st

from querylang import nodes as n
from querylang.compile.codegen import generate
from querylang.compile.compiler import compile_node, generate_source
from querylang.errors import QueryError
from querylang.frontends.from_dict import from_dict
from querylang.limits import MAX_COMPILE_DEPTH as MAX_TREE_DEPTH
from querylang.limits import MAX_ELEM_MATCH_DEPTH
from querylang.limits import MAX_PAREN_NESTING as NEST_LIMIT
from querylang.reference import evaluate
from querylang.strategies import literals, queries

UTC = dt.UTC
PLUS2 = dt.timezone(dt.timedelta(hours=2))
NAN = float("nan")


def check(query: Any, doc: Any, expected: bool) -> None:
    """Compiled predicate, its batch filter and the reference all give ``expected``."""
    node = query if isinstance(query, n.Node) else from_dict(query)
    pred = compile_node(node)
    assert evaluate(node, doc) is expected, "reference disagrees with the test"
    assert pred(doc) is expected
    assert pred.filter([doc]) == ([doc] if expected else [])


# --- fast paths vs the generic fallback -----------------------------------------------------


def test_str_subclass_and_unusual_values() -> None:
    class S(str):
        pass

    check({"a": "x"}, {"a": S("x")}, True)
    check({"a": "x"}, {"a": object()}, False)
    check({"a": 1}, {"a": OrderedDict(b=1)}, False)
    check({"a.b": 1}, {"a": OrderedDict(b=1)}, True)
    check({"a.b": 1}, OrderedDict(a={"b": 1}), True)


def test_hand_built_naive_literal_is_local_time() -> None:
    """from_dict freezes a naive datetime to local time; a hand-built node may not have."""
    naive = dt.datetime(2024, 1, 1, 12)
    node = n.Compare(("d",), "lt", n.Literal(naive))  # hand-built, unfrozen literal
    check(node, {"d": naive.astimezone() - dt.timedelta(1)}, True)
    check(node, {"d": naive}, False)


def test_long_paths() -> None:
    """Paths longer than the generated code unrolls."""
    deep = {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": 1}}}}}}}}
    check({"a.b.c.d.e.f.g.h": 1}, deep, True)
    check({"a.b.c.d.e.f.g.h": None}, {"a": 1}, True)
    check({"a.b.c.d.e.f.g.h": 2}, deep, False)


# --- hand-built trees, shared fetches, non-document records ---------------------------------


def test_logical_nodes() -> None:
    a1, b2 = cmp("a", "eq", 1), cmp("b", "eq", 2)
    doc = {"a": 1, "b": 3}
    check(n.And((a1, b2)), doc, False)
    check(n.Or((a1, b2)), doc, True)
    check(n.Nor((a1, b2)), doc, False)
    check(n.Nor((b2,)), doc, True)
    check(n.Not(a1), doc, False)
    check(n.Not(n.Not(a1)), doc, True)
    check(n.Not(n.Not(n.Not(a1))), doc, False)
    check(n.And(()), doc, True)
    check(n.Or(()), doc, False)
    check(n.Nor(()), doc, True)
    check(n.Const(True), doc, True)
    check(n.Const(False), doc, False)
    check(n.Comment("hi\nthere"), doc, True)
    check(n.And((n.Comment("x"), a1)), doc, True)


def test_shared_fetches_stay_correct() -> None:
    """Siblings reuse a fetched value; it must be the value of *their* path."""
    node = from_dict({"a.b": 1, "a.c": {"$exists": False}, "a": {"$ne": None}, "d": None})
    check(node, {"a": {"b": 1}}, True)
    check(node, {"a": {"b": 1, "c": 0}}, False)
    check(node, {"a": [{"b": 1}]}, True)
    check(node, {"a": {"b": 1}, "d": 0}, False)
    node = n.Or((cmp("a.b", "eq", 2), cmp("a.b", "gt", 5), n.Not(cmp("a.c", "lt", 0))))
    check(node, {"a": {"b": 9, "c": -1}}, True)
    check(node, {"a": {"b": 1, "c": -1}}, False)


def test_non_document_records() -> None:
    for doc in (None, 5, "x", [1, 2], [{"a": 1}], (), b"x"):
        for q in ({"a": 1}, {"a": None}, {"a": {"$exists": False}}, {"0": 1}):
            node = from_dict(q)
            assert compile_node(node)(doc) is evaluate(node, doc), (q, doc)


def test_filter_handles_mixed_records_in_order() -> None:
    class HasGet:  # not a Mapping: the reference sees a scalar, every path is missing
        def get(self, key: str, default: Any = None) -> Any:
            return 1

    docs = [{"a": 1}, HasGet(), OrderedDict(a=1), [{"a": 1}], {"a": [1]}, None, {"a": 2}]
    for q in ({"a": 1}, {"a": {"$exists": True}}, {"a": None}, {"a": {"$ne": 1}}):
        pred = compile_node(from_dict(q))
        expected = [d for d in docs if evaluate(pred.node, d)]
        assert pred.filter(docs) == expected
        assert [d for d in docs if pred(d)] == expected


def test_empty_path_outside_elem_match() -> None:
    check(n.Compare((), "gt", lit(1)), 5, True)
    check(n.Compare((), "gt", lit(1)), [5, 6], False)  # the empty path is never expanded
    check(n.And((n.Size((), 2), n.All((), (lit(5),)))), [5, 6], False)
    check(n.And((n.Size((), 2), n.Compare((), "eq", lit([5, 6])))), [5, 6], True)


# --- safety ---------------------------------------------------------------------------------

HOSTILE = [
    "__import__('os').system('echo pwned')",
    "a'); import os; ('",
    'b"\\\nx',
    "\n    return True\n#",
    "\r\nreturn True",
    "\u2028return True",
    "\x00",
    "K0",
    "rec",
    "M",
    "é漢字",
    "\\",
    "*/ #",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_field_names_and_values(name: str) -> None:
    node = n.And(
        (
            n.Compare((name,), "eq", lit(name)),
            n.Compare((name, name), "ne", lit(None)),
            n.In((name,), (lit(name), lit(5))),
            n.Exists((name,), True),
            n.Match((name,), n.Regex(re.escape(name))),
            n.Glob((name,), name),
        )
    )
    source = generate_source(node)
    code = "\n".join(x for x in source.splitlines() if not x.lstrip().startswith("#"))
    assert "pwned" not in code and "import" not in code and "\\" not in code
    assert all(line.isascii() and line.isprintable() for line in source.splitlines())
    check(node, {name: name}, False)
    check(node.children[0], {name: name}, True)
    check(node.children[1], {name: {name: 0}}, True)
    check(node.children[5], {name: name}, True)


def test_restricted_globals() -> None:
    pred = compile_node(cmp("a", "eq", 1))
    assert pred.__globals__["__builtins__"] == {}
    assert "open" not in pred.__globals__ and "__import__" not in pred.__globals__


def test_constants_are_not_in_the_source() -> None:
    source = generate_source(from_dict({"secret_field": "secret_value"}))
    code = [line for line in source.splitlines() if not line.lstrip().startswith("#")]
    assert not any("secret" in line for line in code)
    assert "#   K0 = 'secret_field'" in source
    assert "#   C0 = 'secret_value'" in source


def test_source_is_readable() -> None:
    source = generate_source(from_dict({"client_uuid": "c1", "completed": None}))
    assert "def predicate(rec):" in source
    assert "# 'client_uuid' eq 'c1'" in source
    assert "# 'completed' eq None" in source
    compile(source, "<test>", "exec")  # what explain shows is valid Python


# --- caching, size and depth ----------------------------------------------------------------


def test_cache_identity() -> None:
    a = compile_node(from_dict({"a": 1, "b": {"$in": ["x"]}}))
    b = compile_node(from_dict({"a": 1, "b": {"$in": ["x"]}}))
    assert a is b
    assert compile_node(from_dict({"a": 1.0})) is not compile_node(from_dict({"a": 1}))
    assert compile_node(from_dict({"a": True})) is not compile_node(from_dict({"a": 1}))


def test_unhashable_hand_built_node_still_compiles() -> None:
    node = n.And([cmp("a", "eq", 1)])  # type: ignore[arg-type]  # a list, not a tuple
    assert compile_node(node)({"a": 1}) is True


def test_very_wide_queries() -> None:
    ors = n.Or(tuple(cmp(f"f{i}", "eq", i) for i in range(3000)))
    pred = compile_node(ors)
    assert pred({"f2999": 2999}) is True
    assert pred({"f2999": 1}) is False
    ins = n.In(("a",), tuple(lit(f"v{i}") for i in range(5000)))
    assert compile_node(ins)({"a": "v4999"}) is True


@pytest.mark.parametrize("depth", [NEST_LIMIT + 5, 300, 2000])
def test_deep_queries(depth: int) -> None:
    node: n.Node = cmp("a", "eq", 1)
    for i in range(depth):
        other = cmp(f"b{i % 3}", "eq", i)
        node = n.Or((other, node)) if i % 2 else n.And((n.Not(other), node))
    pred = compile_node(node)
    for doc in ({"a": 1}, {"a": 2}, {"a": 1, "b0": 0}, {"a": 1, "b1": 1}):
        assert pred(doc) is _iterative_reference(node, doc)


def test_deep_not_chain_and_elem_match() -> None:
    node: n.Node = cmp("a", "eq", 1)
    for _ in range(3001):
        node = n.Not(node)
    assert compile_node(node)({"a": 1}) is False
    em: n.Node = n.Compare((), "eq", lit(1))
    for _ in range(200):
        em = n.ElemMatch((), em, value_form=True)
    doc: Any = 1
    for _ in range(200):
        doc = [doc]
    assert compile_node(em)(doc) is True
    assert compile_node(em)([[[2]]]) is False


def test_too_deep_is_a_query_error() -> None:
    node: n.Node = cmp("a", "eq", 1)
    for _ in range(MAX_TREE_DEPTH + 1):
        node = n.And((node,))
    with pytest.raises(QueryError):
        compile_node(node)


def test_too_deep_elem_match_is_a_query_error() -> None:
    node: n.Node = n.Compare((), "eq", lit(1))
    for _ in range(MAX_ELEM_MATCH_DEPTH + 1):
        node = n.ElemMatch((), node, value_form=True)
    with pytest.raises(QueryError):
        compile_node(node)


def test_shared_subtrees_are_generated_once() -> None:
    node: n.Node = cmp("a", "eq", 1)
    for i in range(60):  # 2**60 paths through the tree, but only 121 distinct nodes
        node = n.Or((n.And((node, cmp("b", "ne", i))), node))
    program = generate(node)
    assert len(program.source) < 2_000_000
    namespace = {"__builtins__": {}, **program.names}
    exec(compile(program.source, "<test>", "exec"), namespace)  # noqa: S102
    assert namespace["predicate"]({"a": 1, "b": 70}) is True  # short-circuits: linear time


def test_hand_built_odd_nodes_behave_like_the_reference() -> None:
    odd_type = n.Type(("a",), "string")  # type: ignore[arg-type]  # a str, not a tuple
    for doc in ({"a": "x"}, {"a": 1}, {}):
        assert compile_node(odd_type)(doc) is evaluate(odd_type, doc)
    bad_regex = n.Match(("a",), n.Regex("("))
    # an invalid regex is a QueryError on every document, string or not
    for doc in ({"a": "x"}, {"a": 5}):
        with pytest.raises(QueryError):
            compile_node(bad_regex)(doc)
        with pytest.raises(QueryError):
            evaluate(bad_regex, doc)


def test_not_a_node() -> None:
    with pytest.raises(QueryError):
        compile_node("a == 1")  # type: ignore[arg-type]


def _iterative_reference(node: n.Node, doc: Any) -> bool:
    """The reference verdict for deep Or/And/Not chains whose leaves are shallow."""
    leaves: list[tuple[str, n.Node]] = []
    while isinstance(node, n.And | n.Or):
        kind = type(node).__name__
        other, node = node.children
        leaves.append((kind, other))
    result = evaluate(node, doc)
    for kind, other in reversed(leaves):
        here = evaluate(other, doc)
        result = (here or result) if kind == "Or" else (here and result)
    return result


# --- property: compiled == reference --------------------------------------------------------
# querylang.strategies' trees over documents chosen for the compiler: values of every type
# the fast paths special-case, and the ones they must hand to the generic fallback (str
# subclasses, compiled patterns, Regex values, Decimal NaN, naive datetimes).

KEYS = ["a", "b", "c", "0", "1"]
PATHS = st.sampled_from(
    [("a",), ("b",), ("a", "b"), ("a", "0"), ("a", "0", "b"), ("b", "1"), ("a", "b", "c")]
)


class _StrSub(str):
    pass


SCALARS = st.sampled_from(
    [
        *(None, True, False, 0, 1, -1, 2, 1.0, 0.5, -0.0, NAN, math.inf, 2**40),
        *("", "a", "x", "apple", "b", b"", b"x", decimal.Decimal(1), decimal.Decimal("NaN")),
        dt.datetime(2024, 1, 1),
        dt.datetime(2024, 1, 1, tzinfo=UTC),
        dt.datetime(2024, 1, 1, 2, tzinfo=PLUS2),
        dt.datetime(2023, 6, 1, tzinfo=UTC),
        n.Regex("^a"),
        re.compile("^a"),
        _StrSub("a"),
    ]
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)
    ),
    max_leaves=8,
)
LIT_VALUES = st.recursive(
    SCALARS.filter(lambda v: not isinstance(v, re.Pattern | _StrSub)),
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=2)
    ),
    max_leaves=4,
)
TREES = queries(paths=PATHS, values=LIT_VALUES)
# Hand-built logic the front ends never produce: And/Or/Nor of no child or one.
DEGENERATE = st.builds(
    lambda kind, kids: kind(tuple(kids)),
    st.sampled_from([n.And, n.Or, n.Nor]),
    st.lists(TREES, max_size=1),
)
DOCS = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=4) | VALUES


@given(TREES | DEGENERATE, st.lists(DOCS, min_size=1, max_size=5))
def test_compiled_equals_reference(node: n.Node, docs: list[Any]) -> None:
    pred = compile_node(node)
    expected = [evaluate(node, d) for d in docs]
    assert [pred(d) for d in docs] == expected
    assert pred.filter(docs) == [d for d, e in zip(docs, expected, strict=True) if e]


@given(st.lists(PATHS, min_size=1, max_size=3), st.data())
def test_range_groups_equal_reference(paths: list[n.Path], data: st.DataObject) -> None:
    """Runs of range tests on one path are merged into one comparison: check them hard."""
    kids: list[n.Node] = []
    for p in paths:
        for _ in range(data.draw(st.integers(1, 3))):
            op = data.draw(st.sampled_from(n.RANGE_OPS))
            kids.append(n.Compare(p, op, data.draw(literals(LIT_VALUES))))
    node = n.And(tuple(kids))
    docs = data.draw(st.lists(DOCS, min_size=1, max_size=5))
    pred = compile_node(node)
    assert [pred(d) for d in docs] == [evaluate(node, d) for d in docs]


def test_queries_of_one_shape_share_code_but_not_values():
    import querylang as ql
    from querylang.compile.compiler import compile_node

    a = compile_node(ql.from_dict({"client_uuid": "c1", "completed": None}).optimized)
    b = compile_node(ql.from_dict({"client_uuid": "c2", "completed": None}).optimized)
    assert a is not b and a.__code__ is b.__code__  # one Python compile for the shape
    assert a({"client_uuid": "c1"}) and not a({"client_uuid": "c2"})
    assert b({"client_uuid": "c2"}) and not b({"client_uuid": "c1"})
    # a different literal type is a different shape (another fast path)
    c = compile_node(ql.from_dict({"client_uuid": 7, "completed": None}).optimized)
    assert c.__code__ is not a.__code__


def test_filter_dicts_agrees_with_filter_on_plain_dicts():
    import querylang as ql

    recs = [{"a": i % 3, "b": [i, "x"]} for i in range(30)] + [{}, {"a": None}]
    for q in ({"a": 1}, {"a": None}, {"b": "x", "a": {"$gt": 0}}, {"$or": [{"a": 2}, {"b": 5}]}):
        p = ql.compile(q)
        assert p.filter_dicts(recs) == p.filter(recs) == [r for r in recs if p(r)]
