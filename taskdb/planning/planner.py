"""The query planner: which index lookups give a superset of a query's matches.

Correctness rule: a plan's candidates are a *superset* of the records the query matches.
The database then runs the compiled predicate on every candidate, unless the plan is
``exact`` -- every conjunct was answered by an index that holds no irregular values, so the
candidates are precisely the matches.

Shapes planned (on ``Query.optimized``; anything else is a full scan):

- ``f == v``, ``f in [...]``, ``f == null``, ``f exists false`` on a hash-indexed field;
- the same plus ``> >= < <=`` and ``!= null`` on a sorted (datetime) field, with several
  bounds on one field in an ``And`` merged into one range;
- ``And``: the most selective planned conjunct, intersected with others of similar size;
- ``Or``: the union, when every branch can be planned;
- ``Const(False)``: nothing.  ``Const(True)`` and ``Comment`` restrict nothing.

Every function here returns a :class:`Plan`, built complete (plans are frozen): a part no
index can narrow is an inexact :class:`FullScan`, a part that restricts nothing an exact
one.  Plans hold live references into the indexes: build and run them under the database
lock.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from querylang import nodes as n

from ..indexes import (
    IRREGULAR,
    NULL,
    HashIndex,
    Index,
    SortedIndex,
    literal_hash_key,
    literal_micros,
)
from .plans import FullScan, Intersect, Lookup, Nothing, Plan, QueryPlan, RangeScan, Union

__all__ = ["plan", "plan_tree", "INTERSECT_FACTOR"]

#: Conjuncts are intersected only while their estimate is within this factor of the best one:
#: materialising a much larger candidate set costs more than the predicate calls it saves.
INTERSECT_FACTOR = 8

_Bounds = tuple[int | None, int | None]


def _index_for(path: n.Path, indexes: Mapping[str, Index]) -> Index | None:
    return indexes.get(path[0]) if len(path) == 1 else None


@dataclass(frozen=True, slots=True)
class _DateBound:
    """One datetime bound on a sorted-indexed field, in an ``And``."""

    index: SortedIndex
    lo: int | None
    hi: int | None
    text: str


def plan(node: n.Node, indexes: Mapping[str, Index], total: int) -> QueryPlan:
    """Plan ``node`` (normally ``Query.optimized``) over ``indexes`` of ``total`` records."""
    return QueryPlan(node, plan_tree(node, indexes, total), total)


def plan_tree(node: n.Node, indexes: Mapping[str, Index], total: int) -> Plan:
    """The plan tree of ``node`` alone (what :func:`plan` wraps; a query's hot path needs
    no more).  Where no index narrows ``node``: ``FullScan(total, exact=False)``; where it
    restricts nothing (``true``, a comment): ``FullScan(total, exact=True)``."""
    planner = _PLANNERS.get(type(node))
    if planner is None:
        return FullScan(total, exact=False)
    return planner(node, indexes, total)


def _plan_const(node: n.Const, indexes: Mapping[str, Index], total: int) -> Plan:
    return FullScan(total, exact=True) if node.value else Nothing()


def _plan_comment(node: n.Comment, indexes: Mapping[str, Index], total: int) -> Plan:
    return FullScan(total, exact=True)  # restricts nothing


def _plan_exists(node: n.Exists, indexes: Mapping[str, Index], total: int) -> Plan:
    idx = _index_for(node.path, indexes)
    if idx is None or node.exists:
        return FullScan(total, exact=False)
    # Missing fields are in the null bucket, together with explicit None: a superset.
    return Lookup(idx, "missing (null bucket)", (idx.null,), exact=False)


def _plan_not(node: n.Not, indexes: Mapping[str, Index], total: int) -> Plan:
    c = node.child
    if isinstance(c, n.Compare) and c.op == "eq" and c.value.value is None:
        return _plan_compare(n.Compare(c.path, "ne", c.value), indexes, total)
    return FullScan(total, exact=False)


def _plan_compare(node: n.Compare, indexes: Mapping[str, Index], total: int) -> Plan:
    idx = _index_for(node.path, indexes)
    if idx is None:
        return FullScan(total, exact=False)
    v = node.value.value
    op = node.op
    if op in ("gte", "lte") and v is None:
        op = "eq"  # null is the only value of its bracket: {$gte: null} is {$eq: null}
    exact = not idx.irregular
    if isinstance(idx, HashIndex):
        if op == "eq":
            return Lookup(idx, f"== {v!r}", (idx.bucket(v), idx.irregular), exact)
        if op in ("gt", "lt") and v is None:
            return Lookup(idx, f"{op} null (irregular only)", (idx.irregular,), exact)
        return FullScan(total, exact=False)
    # Sorted index.
    if op == "ne":
        if v is not None:
            return FullScan(total, exact=False)
        return RangeScan(idx, None, None, "!= null (every date)", (idx.irregular,), exact)
    if v is None:
        if op == "eq":
            return Lookup(idx, "== null", (idx.null, idx.irregular), exact)
        return Lookup(idx, f"{op} null (irregular only)", (idx.irregular,), exact)
    bounds = _bounds(op, v)
    if bounds is None:
        # Only dates are indexed and a date never compares with another bracket.
        return Lookup(idx, f"{op} {v!r} (no date matches; irregular only)", (idx.irregular,), exact)
    lo, hi = bounds
    return RangeScan(idx, lo, hi, _range_text(op, v), (idx.irregular,), exact)


def _bounds(op: n.CmpOp, v: object) -> _Bounds | None:
    """Inclusive microsecond bounds ``(lo, hi)`` for ``f <op> v`` (None if v is no date)."""
    if not isinstance(v, _dt.datetime):
        return None
    m = literal_micros(v)
    if m is IRREGULAR or m is NULL:
        return None
    if op == "eq":
        return m, m
    if op == "gt":
        return m + 1, None
    if op == "gte":
        return m, None
    if op == "lt":
        return None, m - 1
    if op == "lte":
        return None, m
    return None  # "ne" is no range


def _range_text(op: n.CmpOp, v: object) -> str:
    return f"{n.CMP_SYMBOL[op]} " + (v.isoformat() if isinstance(v, _dt.datetime) else repr(v))


def _plan_in(node: n.In, indexes: Mapping[str, Index], total: int) -> Plan:
    idx = _index_for(node.path, indexes)
    if idx is None or node.negated:
        return FullScan(total, exact=False)
    if not node.values:
        return Nothing()
    if any(isinstance(lit.value, n.Regex) for lit in node.values):
        return FullScan(total, exact=False)  # a regex in $in matches strings by pattern
    exact = not idx.irregular
    what = f"in {len(node.values)} values"
    if isinstance(idx, HashIndex):
        # One bucket per distinct key (1 and 1.0 share one): the buckets never overlap.
        firsts = {literal_hash_key(lit.value): lit.value for lit in node.values}
        parts = [idx.bucket(v) for v in firsts.values()]
        return Lookup(idx, what, (*parts, idx.irregular), exact)
    plans = [_plan_compare(n.Compare(node.path, "eq", lit), indexes, total) for lit in node.values]
    if any(isinstance(p, FullScan) for p in plans):
        return FullScan(total, exact=False)
    return Union(tuple(plans), exact)


def _plan_or(node: n.Or, indexes: Mapping[str, Index], total: int) -> Plan:
    plans: list[Plan] = []
    for c in node.children:
        p = plan_tree(c, indexes, total)
        if isinstance(p, FullScan):
            return p  # a branch no index narrows, or one always true: scan everything
        if not isinstance(p, Nothing):
            plans.append(p)
    if not plans:
        return Nothing()
    if len(plans) == 1:
        return plans[0]
    return Union(tuple(plans), all(p.exact for p in plans))


def _plan_and(node: n.And, indexes: Mapping[str, Index], total: int) -> Plan:
    plans: list[Plan] = []
    covered = True  # every conjunct is represented by a plan (or restricts nothing)
    dates: dict[str, list[_DateBound]] = {}  # sorted field -> its bounds, merged below
    for c in node.children:
        b = _date_bound(c, indexes)
        if b is not None:
            dates.setdefault(b.index.field, []).append(b)
            continue
        p = plan_tree(c, indexes, total)
        if isinstance(p, FullScan):
            covered = covered and p.exact
            continue
        if isinstance(p, Nothing):
            return p
        plans.append(p)
    plans.extend(_merged_range(bounds) for bounds in dates.values())
    if not plans:
        return FullScan(total, exact=covered)
    plans.sort(key=lambda p: p.estimate)
    best = plans[0].estimate
    chosen = [p for p in plans if p.estimate <= max(best, 1) * INTERSECT_FACTOR]
    exact = covered and len(chosen) == len(plans) and all(p.exact for p in chosen)
    if len(chosen) > 1:
        return Intersect(tuple(chosen), exact)
    return chosen[0].with_exact(exact)


def _merged_range(bounds: list[_DateBound]) -> RangeScan:
    """One range scan for every bound an ``And`` puts on one sorted field."""
    idx = bounds[0].index
    lo = max((b.lo for b in bounds if b.lo is not None), default=None)
    hi = min((b.hi for b in bounds if b.hi is not None), default=None)
    text = " and ".join(b.text for b in bounds)
    return RangeScan(idx, lo, hi, text, (idx.irregular,), not idx.irregular)


def _date_bound(node: n.Node, indexes: Mapping[str, Index]) -> _DateBound | None:
    """The bound ``node`` puts on a sorted-indexed field, if it is a datetime comparison."""
    if not isinstance(node, n.Compare) or node.op == "ne":
        return None
    idx = _index_for(node.path, indexes)
    v = node.value.value
    if not isinstance(idx, SortedIndex) or not isinstance(v, _dt.datetime):
        return None
    bounds = _bounds(node.op, v)
    if bounds is None:
        return None
    return _DateBound(idx, bounds[0], bounds[1], _range_text(node.op, v))


#: The planner of each node type (any other type: a full scan).
_PLANNERS: dict[type[n.Node], Callable[[Any, Mapping[str, Index], int], Plan]] = {
    n.And: _plan_and,
    n.Or: _plan_or,
    n.Const: _plan_const,
    n.Comment: _plan_comment,
    n.Compare: _plan_compare,
    n.In: _plan_in,
    n.Exists: _plan_exists,
    n.Not: _plan_not,
}
