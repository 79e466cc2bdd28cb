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

__all__ = ["ATOMIC", "copy_value", "copy_record"]

# Like ipyparallel's dictdb (the same handler): deepcopy can't copy a memoryview, so the
# fallback path takes a new view of the same memory.  setdefault keeps any existing handler.
copy._deepcopy_dispatch.setdefault(memoryview, lambda x, memo: memoryview(x))  # type: ignore[attr-defined]

#: Immutable leaf types (exact classes), shared between copies.
ATOMIC = _ATOMIC = frozenset(
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
