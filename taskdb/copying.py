"""Fast deep copies of JSON-like task records.

``copy.deepcopy`` is general and slow (a memo dict, a dispatch per object, ``__reduce_ex__``
for datetimes).  Task records are trees of dicts, lists and immutable scalars, so a copier
that rebuilds only the mutable containers and shares immutable leaves gives the same
isolation -- no mutation through a copy reaches the original -- many times faster.

Semantics kept from ipyparallel's DictDB: ``memoryview`` buffers are "copied" by taking a new
view of the same memory (ipyparallel registers exactly that with ``copy``); ``bytearray``
is copied.  Unknown types fall back to ``copy.deepcopy``.  Not kept: deepcopy's memo, which
preserves aliasing *within* one copied value (the same list reachable twice); records built
from JSON/msgpack messages have no aliasing.  A cyclic value falls back to ``deepcopy`` as a
whole.
"""

from __future__ import annotations

import copy
import datetime as _dt
import decimal
from typing import Any

__all__ = ["copy_value", "copy_record", "copy_with_plan", "copy_planned", "intern_plan", "CopyPlan"]

#: How to copy one record: ``(key, flat)`` for each value that is not an immutable leaf;
#: ``flat`` if it is a dict or list of immutable leaves, so that ``.copy()`` is a deep copy.
CopyPlan = tuple[tuple[str, bool], ...]

# Like ipyparallel's dictdb (the same handler): deepcopy can't copy a memoryview, so the
# fallback path takes a new view of the same memory.  setdefault keeps any existing handler.
copy._deepcopy_dispatch.setdefault(memoryview, lambda x, memo: memoryview(x))  # type: ignore[attr-defined]

#: Immutable leaf types, shared between copies.
_ATOMIC = frozenset(
    {
        str,
        int,
        float,
        bool,
        type(None),
        bytes,
        complex,
        decimal.Decimal,
        _dt.datetime,
        _dt.date,
        _dt.time,
        _dt.timedelta,
        _dt.timezone,
    }
)


def _copy(v: Any) -> Any:
    t = type(v)
    if t is dict:
        d = v.copy()  # a C-level copy, then replace the few mutable values: ~2x a dictcomp
        for k, x in v.items():
            if type(x) not in _ATOMIC:
                d[k] = _copy(x)
        return d
    if t is list:
        out = v.copy()
        for i, x in enumerate(v):
            if type(x) not in _ATOMIC:
                out[i] = _copy(x)
        return out
    if t in _ATOMIC:
        return v
    if t is memoryview:
        return memoryview(v)
    if t is tuple:
        if all(type(x) in _ATOMIC for x in v):
            return v
        return tuple(_copy(x) for x in v)
    if t is bytearray:
        return bytearray(v)
    if t is frozenset and all(type(x) in _ATOMIC for x in v):
        return v
    return copy.deepcopy(v)


def copy_value(value: Any) -> Any:
    """A deep copy of ``value`` that shares only immutable leaves (and memoryview memory)."""
    try:
        return _copy(value)
    except RecursionError:  # a cycle (or absurd depth): let deepcopy's memo handle it
        return copy.deepcopy(value)


def copy_record(rec: dict[str, Any]) -> dict[str, Any]:
    """Copy a record dict (the top level is always a fresh dict)."""
    try:
        d = dict(rec)
        for k, x in rec.items():
            if type(x) not in _ATOMIC:
                d[k] = _copy(x)
        return d
    except RecursionError:
        return dict(copy.deepcopy(rec))


_PLANS: dict[CopyPlan, CopyPlan] = {}


def intern_plan(plan: CopyPlan) -> CopyPlan:
    """Records mostly share a shape: interned, a stored record's plan costs one reference."""
    if len(_PLANS) < 4096:
        return _PLANS.setdefault(plan, plan)
    return plan


def copy_with_plan(rec: dict[str, Any]) -> tuple[dict[str, Any], CopyPlan]:
    """Copy a record and return, with the copy, the plan :func:`copy_planned` uses for it."""
    A = _ATOMIC
    try:
        d = rec.copy() if type(rec) is dict else dict(rec)
        plan = []
        for k, x in d.items():
            t = type(x)
            if t in A:
                continue
            flat = True
            if t is dict:
                for y in x.values():
                    if type(y) not in A:
                        flat = False
                        break
                d[k] = x.copy() if flat else _copy(x)
            elif t is list:
                for y in x:
                    if type(y) not in A:
                        flat = False
                        break
                d[k] = x.copy() if flat else _copy(x)
            else:
                d[k] = _copy(x)
                flat = False
            plan.append((k, flat))
        return d, intern_plan(tuple(plan))
    except RecursionError:
        return dict(copy.deepcopy(rec)), tuple((k, False) for k in rec)


def copy_planned(rec: dict[str, Any], plan: CopyPlan) -> dict[str, Any]:
    """Copy a record whose values are described by ``plan`` (from :func:`copy_with_plan`).

    About 2.5x faster than :func:`copy_record`: only the listed values are visited, and
    flat containers are copied by one C-level ``.copy()``.
    """
    d = rec.copy()
    for k, flat in plan:
        v = rec[k]
        d[k] = v.copy() if flat else copy_value(v)
    return d
