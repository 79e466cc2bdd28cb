"""MongoDB's value model over Python values: BSON types, type brackets, order and equality.

MongoDB compares values of different BSON types by a fixed type order and never across type
brackets in range queries (``{a: {$gt: 5}}`` never matches a string).  Python would raise
``TypeError`` or say ``True == 1``; these functions never raise and never conflate.

Python type -> BSON type: ``None`` null, ``bool`` bool, ``int`` int/long (by size), ``float``
double, ``Decimal`` decimal, ``str`` string, ``Mapping`` object, ``list``/``tuple`` array,
``bytes``/``bytearray``/``memoryview`` binData, ``datetime`` date, ``re.Pattern``/``Regex``
regex.  Anything else is "other": it equals only itself (Python ``==``) and sorts last.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
import re
from collections.abc import Mapping
from typing import Any, Final

from .nodes import Regex, type_matches
from .regex import options_of

__all__ = [
    "MISSING",
    "bson_type",
    "type_rank",
    "compare",
    "equal",
    "compare_op",
    "matches_type",
    "is_number",
    "is_array",
    "is_document",
    "mongo_mod",
    "elem_match_document",
]


class _Missing:
    """The value of a path that leads nowhere.  Equal to null in ``$eq``, but not a value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()

_INT32 = 2**31
_NUMBER_TYPES = (int, float, decimal.Decimal)
_BIN_TYPES = (bytes, bytearray, memoryview)

# Type brackets in MongoDB's comparison/sort order (MinKey, Symbol, ObjectId, Timestamp and
# MaxKey have no Python counterpart; their slots are kept so the order reads like the manual).
R_NULL, R_NUMBER, R_STRING, R_OBJECT, R_ARRAY, R_BIN, R_OID, R_BOOL, R_DATE, R_TS, R_REGEX = range(
    1, 12
)
R_OTHER = 99


def is_number(v: Any) -> bool:
    return isinstance(v, _NUMBER_TYPES) and not isinstance(v, bool)


def is_array(v: Any) -> bool:
    return isinstance(v, list | tuple)


def is_document(v: Any) -> bool:
    return isinstance(v, Mapping)


def type_rank(v: Any) -> int:
    """The type bracket of ``v`` (MISSING sorts with null)."""
    t = type(v)
    if v is None or v is MISSING:
        return R_NULL
    if t is bool:
        return R_BOOL
    if t is int or t is float:
        return R_NUMBER
    if t is str:
        return R_STRING
    if t is dict:
        return R_OBJECT
    if t is list:
        return R_ARRAY
    if t is _dt.datetime:
        return R_DATE
    if isinstance(v, bool):
        return R_BOOL
    if isinstance(v, _NUMBER_TYPES):
        return R_NUMBER
    if isinstance(v, str):
        return R_STRING
    if isinstance(v, Mapping):
        return R_OBJECT
    if isinstance(v, tuple | list):
        return R_ARRAY
    if isinstance(v, _BIN_TYPES):
        return R_BIN
    if isinstance(v, _dt.datetime):
        return R_DATE
    if isinstance(v, Regex | re.Pattern):
        return R_REGEX
    return R_OTHER


def bson_type(v: Any) -> str | None:
    """The BSON type alias of a Python value (``None`` for MISSING, "other" if unknown)."""
    if v is MISSING:
        return None
    rank = type_rank(v)
    if rank == R_NUMBER:
        if isinstance(v, float):
            return "double"
        if isinstance(v, decimal.Decimal):
            return "decimal"
        return "int" if -_INT32 <= v < _INT32 else "long"
    return {
        R_NULL: "null",
        R_STRING: "string",
        R_OBJECT: "object",
        R_ARRAY: "array",
        R_BIN: "binData",
        R_BOOL: "bool",
        R_DATE: "date",
        R_REGEX: "regex",
    }.get(rank, "other")


def matches_type(v: Any, types: tuple[str, ...]) -> bool:
    """``$type`` on one value: MISSING never matches (not even "null")."""
    t = bson_type(v)
    return t is not None and type_matches(t, types)


def _aware(d: _dt.datetime) -> _dt.datetime:
    return d if d.tzinfo is not None else d.astimezone()


def _is_nan(v: Any) -> bool:
    return (isinstance(v, float) and math.isnan(v)) or (
        isinstance(v, decimal.Decimal) and v.is_nan()
    )


def _cmp(a: Any, b: Any) -> int:
    greater: bool = a > b
    less: bool = a < b
    return greater - less


def _regex_parts(v: Any) -> tuple[str, str]:
    if isinstance(v, Regex):
        return v.pattern, v.flags
    return v.pattern, options_of(v)


def _items(v: Any) -> list[tuple[str, Any]]:
    if isinstance(v, Mapping):
        return list(v.items())
    return [(str(i), x) for i, x in enumerate(v)]


def compare(a: Any, b: Any) -> int:
    """MongoDB's total order (the sort order): -1, 0 or 1.  Never raises."""
    ra, rb = type_rank(a), type_rank(b)
    if ra != rb:
        return -1 if ra < rb else 1
    if ra == R_NULL:
        return 0
    if ra == R_NUMBER:
        na, nb = _is_nan(a), _is_nan(b)
        if na or nb:
            return 0 if na and nb else (-1 if na else 1)
        if isinstance(a, decimal.Decimal) != isinstance(b, decimal.Decimal):
            # Decimal vs float compares exactly in Python; Decimal vs int too.
            return _cmp(
                decimal.Decimal(a) if isinstance(a, float) else a,
                decimal.Decimal(b) if isinstance(b, float) else b,
            )
        return _cmp(a, b)
    if ra == R_STRING or ra == R_BOOL:
        return _cmp(a, b)
    if ra == R_DATE:
        return _cmp(_aware(a), _aware(b))
    if ra == R_OBJECT or ra == R_ARRAY:
        ia, ib = _items(a), _items(b)
        for (ka, va), (kb, vb) in zip(ia, ib, strict=False):
            c = _cmp(type_rank(va), type_rank(vb))
            if c:
                return c
            if ra == R_OBJECT:
                c = _cmp(ka, kb)
                if c:
                    return c
            c = compare(va, vb)
            if c:
                return c
        return _cmp(len(ia), len(ib))
    if ra == R_BIN:
        ba, bb = bytes(a), bytes(b)
        return _cmp(len(ba), len(bb)) or _cmp(ba, bb)
    if ra == R_REGEX:
        return _cmp(_regex_parts(a), _regex_parts(b))
    # Unknown types: equal if Python says so, else a stable order by type name and repr.
    try:
        if a == b:
            return 0
    except Exception:
        pass
    return _cmp((type(a).__name__, repr(a)), (type(b).__name__, repr(b)))


def equal(a: Any, b: Any) -> bool:
    """MongoDB equality: same type bracket and equal value; ``NaN`` equals ``NaN``; MISSING
    equals null; documents are order-sensitive; ``True`` is not ``1``."""
    return compare(a, b) == 0


def compare_op(op: str, a: Any, b: Any) -> bool:
    """``a <op> b`` for ``$gt $gte $lt $lte`` with type bracketing and MongoDB's NaN rule:
    NaN equals NaN and is neither greater nor less than any number."""
    if type_rank(a) != type_rank(b):
        return False
    if _is_nan(a) or _is_nan(b):
        return op in ("gte", "lte") and _is_nan(a) and _is_nan(b)
    c = compare(a, b)
    if op == "gt":
        return c > 0
    if op == "gte":
        return c >= 0
    if op == "lt":
        return c < 0
    if op == "lte":
        return c <= 0
    if op == "eq":
        return c == 0
    raise ValueError(f"unknown comparison {op!r}")


def mongo_mod(value: Any, divisor: int, remainder: int) -> bool:
    """``$mod`` on one value: numbers only, truncated toward zero, C remainder sign."""
    if not is_number(value):
        return False
    if isinstance(value, float | decimal.Decimal):
        if not math.isfinite(value):
            return False
        value = int(value)  # truncates toward zero
    r: int = abs(value) % abs(divisor)
    if value < 0:
        r = -r
    return r == remainder


def elem_match_document(element: Any) -> Mapping[str, Any] | None:
    """What the document form of ``$elemMatch`` tests for one array element, or None.

    A document is itself.  A nested array counts as the document ``{"0": e[0], "1": e[1],
    ...}``, as in MongoDB's ``ElemMatchObjectMatchExpression``.  Anything else is skipped.
    """
    if element.__class__ is dict or isinstance(element, Mapping):
        return element
    if isinstance(element, list | tuple):
        return {str(i): x for i, x in enumerate(element)}
    return None
