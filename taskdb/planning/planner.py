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

Plans hold live references into the indexes: build and run them under the database lock.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping

from querylang import nodes as n

from ..indexes import IRREGULAR, NULL, HashIndex, Index, SortedIndex, literal_micros
from .plans import FullScan, Intersect, Lookup, Nothing, Plan, QueryPlan, RangeScan, Union

__all__ = [
    "Plan",
    "FullScan",
    "Nothing",
    "Lookup",
    "RangeScan",
    "Intersect",
    "Union",
    "QueryPlan",
    "plan",
]

#: Conjuncts are intersected only while their estimate is within this factor of the best one:
#: materialising a much larger candidate set costs more than the predicate calls it saves.
INTERSECT_FACTOR = 8


# --- planning ---------------------------------------------------------------------------

_TRUE = object()  # a conjunct that restricts nothing


def plan(node: n.Node, indexes: Mapping[str, Index], total: int) -> QueryPlan:
    """Plan ``node`` (normally ``Query.optimized``) over ``indexes`` of ``total`` records."""
    p = _plan(node, indexes)
    if p is None or p is _TRUE:
        p = FullScan(total, exact=p is _TRUE)
    return QueryPlan(node, p, total)


def _index_for(path: n.Path, indexes: Mapping[str, Index]) -> Index | None:
    if len(path) != 1:
        return None
    return indexes.get(path[0])


def _plan(node: n.Node, indexes: Mapping[str, Index]):  # -> Plan | None | _TRUE
    t = type(node)
    if t is n.And:
        return _plan_and(node.children, indexes)
    if t is n.Or:
        return _plan_or(node.children, indexes)
    if t is n.Const:
        return _TRUE if node.value else Nothing()
    if t is n.Comment:
        return _TRUE
    if t is n.Compare:
        return _plan_compare(node, indexes)
    if t is n.In:
        return _plan_in(node, indexes)
    if t is n.Exists:
        idx = _index_for(node.path, indexes)
        if idx is None or node.exists:
            return None
        # Missing fields are in the null bucket, together with explicit None: a superset.
        return Lookup(idx, "missing (null bucket)", [idx.null], exact=False)
    if t is n.Not and type(node.child) is n.Compare and node.child.op == "eq":
        c = node.child
        if c.value.value is None:
            return _plan_compare(n.Compare(c.path, "ne", c.value), indexes)
    return None


def _plan_compare(node: n.Compare, indexes: Mapping[str, Index]) -> Plan | None:
    idx = _index_for(node.path, indexes)
    if idx is None:
        return None
    v = node.value.value
    op = node.op
    if op in ("gte", "lte") and v is None:
        op = "eq"  # null is the only value of its bracket: {$gte: null} is {$eq: null}
    exact = not idx.irregular
    if isinstance(idx, HashIndex):
        if op == "eq":
            return Lookup(idx, f"== {v!r}", [idx.bucket(v), idx.irregular], exact)
        if op in ("gt", "lt") and v is None:
            return Lookup(idx, f"{op} null (irregular only)", [idx.irregular], exact)
        return None
    # Sorted index.
    if op == "ne":
        if v is not None:
            return None
        return RangeScan(idx, None, None, "!= null (every date)", [idx.irregular], exact)
    if v is None:
        if op == "eq":
            return Lookup(idx, "== null", [idx.null, idx.irregular], exact)
        return Lookup(idx, f"{op} null (irregular only)", [idx.irregular], exact)
    lo, hi = _bounds(op, v)
    if lo is _NO_DATE:
        # Only dates are indexed and a date never compares with another bracket.
        return Lookup(idx, f"{op} {v!r} (no date matches; irregular only)", [idx.irregular], exact)
    return RangeScan(idx, lo, hi, _range_text(op, v), [idx.irregular], exact)


_NO_DATE = object()


def _bounds(op: str, v: object) -> tuple:
    """Inclusive microsecond bounds ``(lo, hi)`` for ``f <op> v`` (``_NO_DATE`` if v isn't one)."""
    if not isinstance(v, _dt.datetime):
        return _NO_DATE, None
    m = literal_micros(v)
    if m is IRREGULAR or m is NULL:
        return _NO_DATE, None
    return {
        "eq": (m, m),
        "gt": (m + 1, None),
        "gte": (m, None),
        "lt": (None, m - 1),
        "lte": (None, m),
    }[op]


def _range_text(op: str, v: object) -> str:
    return f"{n.CMP_SYMBOL[op]} " + (v.isoformat() if isinstance(v, _dt.datetime) else repr(v))


def _plan_in(node: n.In, indexes: Mapping[str, Index]) -> Plan | None:
    idx = _index_for(node.path, indexes)
    if idx is None or node.negated:
        return None
    if not node.values:
        return Nothing()
    if any(isinstance(lit.value, n.Regex) for lit in node.values):
        return None  # a regex in $in matches strings by pattern
    exact = not idx.irregular
    what = f"in {len(node.values)} values"
    if isinstance(idx, HashIndex):
        parts = [idx.bucket(lit.value) for lit in node.values]
        return Lookup(idx, what, [*parts, idx.irregular], exact)
    plans = [_plan_compare(n.Compare(node.path, "eq", lit), indexes) for lit in node.values]
    return Union([p for p in plans if p is not None], exact)


def _plan_or(children: tuple[n.Node, ...], indexes: Mapping[str, Index]):
    plans = []
    for c in children:
        p = _plan(c, indexes)
        if p is None or p is _TRUE:
            return p  # one unplannable (or always-true) branch: scan everything
        if not isinstance(p, Nothing):
            plans.append(p)
    if not plans:
        return Nothing()
    if len(plans) == 1:
        return plans[0]
    return Union(plans, all(p.exact for p in plans))


def _plan_and(children: tuple[n.Node, ...], indexes: Mapping[str, Index]):
    plans: list[Plan] = []
    covered = True  # every conjunct is represented by a plan (or is always true)
    ranges: dict[str, list] = {}  # sorted field -> [lo, hi, texts]
    for c in children:
        b = _date_bound(c, indexes)
        if b is not None:
            fld, lo, hi, text = b
            r = ranges.setdefault(fld, [None, None, []])
            r[0] = lo if r[0] is None else (r[0] if lo is None else max(r[0], lo))
            r[1] = hi if r[1] is None else (r[1] if hi is None else min(r[1], hi))
            r[2].append(text)
            continue
        p = _plan(c, indexes)
        if p is _TRUE:
            continue
        if p is None:
            covered = False
            continue
        if isinstance(p, Nothing):
            return p
        plans.append(p)
    for fld, (lo, hi, texts) in ranges.items():
        idx = indexes[fld]
        plans.append(
            RangeScan(idx, lo, hi, " and ".join(texts), [idx.irregular], not idx.irregular)
        )
    if not plans:
        return _TRUE if covered else None
    plans.sort(key=lambda p: p.estimate)
    best = plans[0].estimate
    chosen = [p for p in plans if p.estimate <= max(best, 1) * INTERSECT_FACTOR]
    exact = covered and len(chosen) == len(plans) and all(p.exact for p in chosen)
    if len(chosen) == 1:
        chosen[0].exact = exact  # plans are built fresh per query: safe to adjust
        return chosen[0]
    return Intersect(chosen, exact)


def _date_bound(node: n.Node, indexes: Mapping[str, Index]):
    """``(field, lo, hi, text)`` if ``node`` is a datetime bound on a sorted-indexed field."""
    if type(node) is not n.Compare or node.op == "ne":
        return None
    idx = _index_for(node.path, indexes)
    if not isinstance(idx, SortedIndex) or not isinstance(node.value.value, _dt.datetime):
        return None
    lo, hi = _bounds(node.op, node.value.value)
    if lo is _NO_DATE:
        return None
    return idx.field, lo, hi, _range_text(node.op, node.value.value)
