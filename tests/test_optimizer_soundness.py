"""The optimizer keeps meaning: every pass and the whole pipeline agree with the reference
evaluator on random trees, on groups of leaves over one path, and on every pair of leaves --
against documents built to expose unsound rewrites (arrays that straddle bounds, null vs
missing, 1 vs 1.0 vs true).  Examples of each pass are in test_optimizer.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import lit
from hypothesis import given, settings
from hypothesis import strategies as st

from querylang import nodes as n
from querylang.optimizer import PASSES, estimate_cost, optimize
from querylang.reference import evaluate
from querylang.strategies import queries as every_node_type

NAN = float("nan")
D1 = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
D2 = dt.datetime(2021, 6, 1, 12, tzinfo=dt.UTC)

PATHS = [("a",), ("b",), ("a", "b"), ("a", "0")]
SCALARS = [None, 0, 1, 1.0, True, False, 3, 5, 10, "x", "xy", NAN, D1, D2]
QUERY_VALUES = [*SCALARS, [1, 10], [], {"b": 1}]
REGEXES = [n.Regex("x"), n.Regex("^X", "i")]

literals = st.sampled_from(QUERY_VALUES).map(lit)
operands = st.one_of(literals, st.sampled_from(REGEXES).map(n.Literal))


def weighted(*choices: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """Pick a strategy with the given weights (``st.one_of`` would flatten nested one_ofs
    into equal shares, drowning the rare-but-important branches)."""
    pool = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.sampled_from(pool).flatmap(lambda strategy: strategy)


def leaves(paths: list[n.Path]) -> st.SearchStrategy[n.Node]:
    """Mostly the leaves the merge rules rewrite (comparisons, bounds, $in, $exists) over
    values that collide (1, 1.0, true; bounds 1..10), then every leaf type."""
    p = st.sampled_from(paths)
    return weighted(
        (4, st.builds(n.Compare, p, st.sampled_from(n.CMP_OPS), literals)),
        (3, ranges(paths)),
        (3, st.builds(n.In, p, st.lists(operands, max_size=3).map(tuple), st.booleans())),
        (2, st.builds(n.Exists, p, st.booleans())),
        (4, every_node_type(p, st.sampled_from(QUERY_VALUES), max_depth=0)),
        (1, st.sampled_from([n.Const(True), n.Const(False), n.Comment("c")])),
    )


def ranges(paths: list[n.Path]) -> st.SearchStrategy[n.Node]:
    """Range bounds on numbers: they overlap, nest and (for one value) contradict."""
    return st.builds(
        n.Compare,
        st.sampled_from(paths),
        st.sampled_from(n.RANGE_OPS),
        st.sampled_from([1, 3, 5, 10, 1.0]).map(lit),
    )


def clusters(paths: list[n.Path]) -> st.SearchStrategy[n.Node]:
    """And/Or (possibly negated) of 2-4 leaves on ONE path: where merging and contradiction
    rules fire, and where an unsound one meets arrays like [1, 10]."""
    group = st.sampled_from(paths).flatmap(
        lambda p: st.lists(
            weighted((1, ranges([p])), (1, leaves([p]))), min_size=2, max_size=4
        ).map(tuple)
    )
    logic = st.sampled_from([n.And, n.Or, lambda kids: n.Not(n.And(kids))])
    return st.tuples(logic, group).map(lambda t: t[0](t[1]))


def trees(paths: list[n.Path]) -> st.SearchStrategy[n.Node]:
    """Logic over leaves, same-path clusters, and querylang.strategies' trees (every node
    type, $elemMatch in both forms)."""

    def extend(kids: st.SearchStrategy[n.Node]) -> st.SearchStrategy[n.Node]:
        many = st.lists(kids, max_size=4).map(tuple)
        return weighted(
            (3, st.builds(n.And, many)),
            (2, st.builds(n.Or, many)),
            (1, st.builds(n.Nor, many)),
            (1, st.builds(n.Not, kids)),
        )

    nested = every_node_type(st.sampled_from(paths), st.sampled_from(QUERY_VALUES), max_depth=2)
    return st.recursive(
        weighted((3, leaves(paths)), (4, clusters(paths)), (2, nested)), extend, max_leaves=6
    )


queries = trees(PATHS)

scalars = st.sampled_from([*SCALARS, n.Regex("x")])
values = st.recursive(
    scalars,
    lambda v: st.lists(v, max_size=3) | st.dictionaries(st.sampled_from(["b", "0"]), v, max_size=2),
    max_leaves=6,
)
# Arrays whose elements straddle the bounds and points used in queries (see the docstrings of
# querylang.optimizer.implication): the documents that expose unsound rewrites.
straddling = st.sampled_from(
    [
        [1, 10],
        [3, 6],
        [0, 5],
        [1, "x"],
        [None, 3],
        [],
        [[1, 10]],
        [{"b": 1}, {"b": 10}],
        {"b": [1, 10]},
    ]
)
# (Hypothesis favours the first choice of a weighted pick: the straddling arrays come first.)
documents = weighted(
    (
        3,
        st.fixed_dictionaries(
            {"a": weighted((2, straddling), (1, values))}, optional={"b": values}
        ),
    ),
    (1, st.dictionaries(st.sampled_from(["a", "b"]), values, max_size=2)),
)
doc_lists = st.lists(documents, min_size=1, max_size=5)


def _agree(before: n.Node, after: n.Node, docs: list, what: str = "optimize") -> None:
    for d in docs:
        assert evaluate(after, d) == evaluate(before, d), (what, before, after, d)


@given(node=queries, docs=doc_lists)
def test_each_pass_preserves_meaning(node, docs):
    for pass_ in PASSES:
        _agree(node, pass_(node), docs, pass_.__name__)


@given(node=queries, docs=doc_lists)
def test_each_pass_preserves_meaning_on_optimized_input(node, docs):
    """Later passes mostly see earlier passes' output; test them there too."""
    node = optimize(node, passes=PASSES[:4])
    for pass_ in PASSES:
        _agree(node, pass_(node), docs, pass_.__name__)


@settings(max_examples=300)
@given(node=queries, docs=doc_lists)
def test_optimize_preserves_meaning(node, docs):
    _agree(node, optimize(node), docs)


@given(node=clusters([("a",)]), docs=doc_lists)
def test_optimize_preserves_meaning_of_same_path_groups(node, docs):
    """Groups of 2-4 leaves on the one path the straddling arrays sit on."""
    _agree(node, optimize(node), docs)


@given(node=queries)
def test_optimize_is_idempotent_and_never_costlier(node):
    once = optimize(node)
    assert optimize(once) == once
    # rewrites simplify; only Nor -> Not(Or) adds a (cheap) node
    assert estimate_cost(once) <= estimate_cost(node) + _nor_count(node) * 0.5 + 1e-9


def _nor_count(node: n.Node) -> int:
    return sum(isinstance(x, n.Nor) for x in n.walk(node))


# --- exhaustive pairs: every two leaves on one path, against documents that straddle ------

_PAIR_VALUES = [None, 1, 1.0, 3, 5, True, "x", NAN]
_RX = n.Literal(n.Regex("x"))


def _pair_leaves(path: n.Path) -> list[n.Node]:
    out: list[n.Node] = [n.Compare(path, op, lit(v)) for op in n.CMP_OPS for v in _PAIR_VALUES]
    for negated in (False, True):
        out += [
            n.In(path, (lit(1), lit(3)), negated),
            n.In(path, (lit(None),), negated),
            n.In(path, (_RX, lit(5)), negated),
        ]
    out += [
        n.Exists(path, True),
        n.Exists(path, False),
        n.Match(path, n.Regex("x")),
        n.Not(n.Match(path, n.Regex("x"))),
        n.Not(n.Compare(path, "gt", lit(3))),
        n.Size(path, 2),
        n.Type(path, ("number",)),
        n.Type(path, ("int",)),
        n.Compare(path, "eq", lit([1, 10])),
    ]
    return out


_ELEMENTS = [None, 1, 1.0, 3, 5, 10, 0, True, "x", "xy", NAN, [1, 10], [3, 6], [], {"b": 1}]
_PAIR_DOCS = (
    [{}]
    + [{"a": v} for v in _ELEMENTS]
    + [
        {"a": [1, "x"]},
        {"a": [None, 3]},
        {"a": [0, 5]},
        {"a": [[1, 10]]},
        {"a": [1, 3]},
        {"a": ["x", 5, True]},
    ]
)


@pytest.mark.parametrize("path", [("a",), ()], ids=["a", "element"])
def test_every_pair_of_leaves(path):
    """And/Or of any two leaves on one path optimizes to something equivalent on documents
    built to expose unsound merges (arrays straddling bounds, null vs missing, 1 vs 1.0)."""
    docs = _PAIR_DOCS if path else _ELEMENTS
    leaves_ = _pair_leaves(path)
    for x in leaves_:
        for y in leaves_:
            for q in (n.And((x, y)), n.Or((x, y))):
                _agree(q, optimize(q), docs)
