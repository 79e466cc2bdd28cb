"""Strategies for query ASTs: paths, literal operands, and trees using every node type.

Trees stay within what :func:`querylang.to_dict.to_dict` can spell, so one tree can feed
every front end and back end.  Strategy objects are built once per (spec, depth) and cached
(see :mod:`.values`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, NamedTuple

from hypothesis import strategies as st

from .. import nodes as n
from . import _pools as p
from .values import in_int64, json_values

__all__ = ["paths", "literals", "queries"]


def paths(fields: Sequence[str] | None = None, max_length: int = 3) -> st.SearchStrategy[n.Path]:
    """Field paths: a first step from ``fields``, then names or array indexes ("0", "1")."""
    return _path(tuple(fields) if fields else p.DEFAULT_FIELDS, max_length)


# Mostly short: documents are shallow, and a path that leads nowhere tests little.
_EXTRA_STEPS = (0, 0, 0, 1, 1, 2)
_STEP = st.sampled_from(p.PATH_STEPS)


@functools.lru_cache(maxsize=64)
def _path(fields: tuple[str, ...], max_length: int) -> st.SearchStrategy[n.Path]:
    extra = st.sampled_from(_EXTRA_STEPS).filter(lambda k: k < max_length)
    return _path_of(extra, st.sampled_from(fields))


@st.composite
def _path_of(
    draw: st.DrawFn, extra: st.SearchStrategy[int], first: st.SearchStrategy[str]
) -> n.Path:
    steps = [draw(_STEP) for _ in range(draw(extra))]
    return (draw(first), *steps)


_paths = paths  # queries() takes a parameter of the same name
_REGEXES = st.builds(n.Regex, st.sampled_from(p.PATTERNS), st.sampled_from(p.REGEX_FLAGS))


def literals(values: st.SearchStrategy[Any] | None = None) -> st.SearchStrategy[n.Literal]:
    """Literal operands over the same value pools as :func:`documents` (ints within int64)."""
    pool = values if values is not None else json_values(2).filter(in_int64)
    return pool.map(lambda v: n.Literal(n.freeze(v)))


class _Spec(NamedTuple):
    """What a query tree draws from: paths, literal operands, and whether $glob is allowed."""

    path: st.SearchStrategy[n.Path]
    lits: st.SearchStrategy[n.Literal]
    glob: bool = True


@functools.lru_cache(maxsize=64)
def _leaves(spec: _Spec) -> st.SearchStrategy[n.Node]:
    """Every single-field predicate, in the forms the dict front end can spell."""
    path, lits = spec.path, spec.lits
    regex_lit = _REGEXES.map(n.Literal)
    small = st.lists(lits | regex_lit, max_size=3).map(tuple)
    types = st.sampled_from(p.COMMON_TYPES) | st.sampled_from(p.TYPE_NAMES)
    leaves: list[st.SearchStrategy[n.Node]] = [
        st.builds(n.Compare, path, st.sampled_from(n.CMP_OPS), lits),
        st.builds(n.Compare, path, st.just("eq"), regex_lit),
        st.builds(n.In, path, small, st.booleans()),
        st.builds(n.All, path, st.lists(lits | regex_lit, min_size=1, max_size=2).map(tuple)),
        st.builds(n.Exists, path, st.booleans()),
        st.builds(n.Type, path, st.lists(types, min_size=1, max_size=3, unique=True).map(tuple)),
        st.builds(lambda q, dr: n.Mod(q, *dr), path, st.sampled_from(p.MODS)),
        st.builds(n.Match, path, _REGEXES),
        st.builds(n.Size, path, st.integers(0, 3)),
    ]
    if spec.glob:
        leaves.append(st.builds(n.Glob, path, st.sampled_from(p.GLOBS)))
    return st.one_of(leaves)


def _op_keys(node: n.Node) -> list[str]:
    """The operator names a value-form condition occupies (they must not repeat)."""
    if isinstance(node, n.And):
        return [k for c in node.children for k in _op_keys(c)]
    if isinstance(node, n.Not):
        return ["$not"]
    if isinstance(node, n.Compare):
        return ["$" + node.op]
    if isinstance(node, n.In):
        return ["$nin" if node.negated else "$in"]
    return [type(node).__name__]


_NO_PATH: st.SearchStrategy[n.Path] = st.just(())
_CONDITION_COUNT = st.sampled_from((1, 1, 2, 3))
_ONE_IN_SIX = st.integers(0, 5)
_ONE_IN_FIVE = st.integers(0, 4)


@functools.lru_cache(maxsize=256)
def _value_conditions(spec: _Spec, depth: int) -> st.SearchStrategy[n.Node]:
    """Conditions on an array element itself (path ``()``): the operator form of $elemMatch."""
    return _conditions(spec, depth)


@st.composite
def _conditions(draw: st.DrawFn, spec: _Spec, depth: int) -> n.Node:
    """One to three operators, never the same one twice (a dict cannot spell that)."""
    leaf = _leaves(spec._replace(path=_NO_PATH))
    conds: list[n.Node] = []
    used: set[str] = set()
    for _ in range(draw(_CONDITION_COUNT)):
        if depth > 0 and draw(_ONE_IN_SIX) == 0:
            cond: n.Node = n.ElemMatch((), draw(_value_conditions(spec, depth - 1)), True)
        else:
            cond = draw(leaf)
        if draw(_ONE_IN_FIVE) == 0:
            cond = n.Not(cond)
        keys = set(_op_keys(cond))
        if not keys & used:
            used |= keys
            conds.append(cond)
    return conds[0] if len(conds) == 1 else n.And(tuple(conds))


_ATOMS = st.one_of(
    st.builds(n.Const, st.booleans()),
    st.builds(n.Comment, st.sampled_from(("", "hub", "why?")) | st.text(max_size=4)),
)
# Leaves come first so that Hypothesis shrinks toward them.
_KINDS = st.sampled_from(
    ("leaf", "leaf", "leaf", "atom", "and", "or", "nor", "not", "elem_doc", "elem_value")
)


@functools.lru_cache(maxsize=256)
def _tree(spec: _Spec, depth: int) -> st.SearchStrategy[n.Node]:
    """Query nodes at most ``depth`` levels deep (one strategy object per level)."""
    return _leaves(spec) if depth <= 0 else _node(spec, depth)


@functools.lru_cache(maxsize=256)
def _kids(
    spec: _Spec, depth: int
) -> tuple[st.SearchStrategy[tuple[n.Node, ...]], st.SearchStrategy[tuple[n.Node, ...]]]:
    """Children for And/Or (two or three) and for Nor (one or two)."""
    sub = _tree(spec, depth)
    return (
        st.lists(sub, min_size=2, max_size=3).map(tuple),
        st.lists(sub, min_size=1, max_size=2).map(tuple),
    )


@st.composite
def _node(draw: st.DrawFn, spec: _Spec, depth: int) -> n.Node:
    """One node; composite (not nested one_of) so that reprs stay short and Hypothesis
    shrinks toward leaves.  Sub-strategies are looked up, not passed in, so a strategy's
    repr does not grow with the depth."""
    kind = draw(_KINDS)
    if kind == "leaf":
        return draw(_leaves(spec))
    if kind == "atom":
        return draw(_ATOMS)
    several, some = _kids(spec, depth - 1)
    if kind in ("and", "or"):
        kids = draw(several)
        return n.And(kids) if kind == "and" else n.Or(kids)
    if kind == "nor":
        return n.Nor(draw(some))
    if kind == "not":
        return n.Not(draw(_tree(spec, depth - 1)))
    if kind == "elem_doc":
        return n.ElemMatch(draw(spec.path), draw(_tree(spec, depth - 1)), value_form=False)
    conditions = _value_conditions(spec, depth - 1)
    return n.ElemMatch(draw(spec.path), draw(conditions), value_form=True)


def queries(
    paths: st.SearchStrategy[n.Path] | None = None,
    values: st.SearchStrategy[Any] | None = None,
    max_depth: int = 3,
    *,
    glob: bool = True,
) -> st.SearchStrategy[n.Node]:
    """Query ASTs using every node type, nested at most ``max_depth`` levels (``glob=False``
    leaves out ``$glob``, ipyparallel's extension that MongoDB itself does not know).

    ``paths`` draws field paths (default :func:`paths`), ``values`` the raw literal values
    (default ``json_values(2)``).  Trees stay within what :func:`querylang.to_dict` can
    spell (And/Or get two or more children, regex literals appear only in equality,
    $in/$nin and $all, value-form $elemMatch conditions use each operator once), so one tree
    can feed every front end and back end.
    """
    path = paths if paths is not None else _paths()
    return _tree(_Spec(path, literals(values), glob), max_depth)
