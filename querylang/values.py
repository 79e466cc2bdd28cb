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
    "INT64_MIN",
    "INT64_MAX",
    "check_int64",
    "check_decimal128",
    "check_date",
    "date_instant",
    "to_int64",
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
#: MongoDB's integers are 64-bit (BSON int64); pymongo refuses larger Python ints.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
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


def _local_offset(d: _dt.datetime) -> _dt.timedelta:
    """The local zone's UTC offset at naive ``d`` (naive datetimes are local time).  At the
    ends of Python's range, where ``astimezone`` overflows, the offset of a nearby year."""
    try:
        offset = d.astimezone().utcoffset()
    except (OverflowError, ValueError, OSError):
        near = d.replace(year=min(max(d.year, 2), 9998), day=min(d.day, 28))
        offset = near.astimezone().utcoffset()
    return offset if offset is not None else _dt.timedelta(0)


_US = _dt.timedelta(microseconds=1)


def date_instant(d: _dt.datetime) -> int:
    """``d`` as microseconds since 0001-01-01 UTC: MongoDB compares dates as instants.

    Exact integer arithmetic, so it never overflows where ``astimezone(UTC)`` would (an
    aware ``0001-01-01T00:00+01:00`` is an instant before Python's ``datetime.min``)."""
    offset = d.utcoffset() if d.tzinfo is not None else _local_offset(d)
    seconds = (d.toordinal() * 86_400) + d.hour * 3600 + d.minute * 60 + d.second
    return seconds * 1_000_000 + d.microsecond - (offset or _dt.timedelta(0)) // _US


def check_date(value: _dt.datetime) -> _dt.datetime:
    """``value`` as an aware datetime (naive means local time), or ValueError if its instant
    cannot be a query literal: it must be expressible in UTC within Python's years 1-9999
    (MongoDB dates are UTC instants).  Every front end checks date literals with this."""
    if not isinstance(value, _dt.datetime):
        raise ValueError(f"not a datetime: {type(value).__name__}")
    try:
        aware = value if value.tzinfo is not None else value.astimezone()
        aware.astimezone(_dt.UTC)
    except (OverflowError, ValueError, OSError):
        raise ValueError(
            f"date {value.isoformat()} is outside the range of UTC instants this library can "
            "represent (0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z)"
        ) from None
    return aware


def check_int64(value: int) -> int:
    """``value`` if it fits in MongoDB's 64-bit integers, else ValueError (as pymongo's
    OverflowError: BSON has no larger integer)."""
    if not INT64_MIN <= value <= INT64_MAX:
        digits = len(str(abs(value))) if abs(value) < 10**4000 else "4000+"
        raise ValueError(
            f"integer with {digits} digits does not fit in 64 bits: MongoDB has no larger "
            "integer (use a float or a Decimal)"
        )
    return value


_DECIMAL128 = decimal.Context(
    prec=34, Emin=-6143, Emax=6144, clamp=1, traps=[decimal.Inexact, decimal.Overflow]
)


def check_decimal128(value: decimal.Decimal) -> decimal.Decimal:
    """``value`` if a BSON decimal128 holds it exactly (34 digits, exponent -6176..6111),
    else ValueError (pymongo's Decimal128 refuses it too)."""
    if not value.is_finite():
        return value
    try:
        _DECIMAL128.create_decimal(value)
    except (decimal.Inexact, decimal.Overflow, decimal.Rounded):
        raise ValueError(f"Decimal {value} does not fit in a BSON decimal128") from None
    return value


def to_int64(value: Any) -> int | None:
    """A number truncated toward zero, if finite and within int64 (as MongoDB converts
    ``$mod`` operands and dividends), else None.  Never raises (``Decimal('sNaN')`` too)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if INT64_MIN <= value <= INT64_MAX else None
    if isinstance(value, float):
        if value != value or not -(2.0**63) <= value < 2.0**63:
            return None  # NaN, infinities and magnitudes beyond int64
        return int(value)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite() or not -(2**63) - 1 < value < 2**63:
            return None
        return int(value)  # truncates toward zero
    return None


def _is_nan(v: Any) -> bool:
    return (isinstance(v, float) and math.isnan(v)) or (
        isinstance(v, decimal.Decimal) and v.is_nan()
    )


def _cmp(a: Any, b: Any) -> int:
    return int(a > b) - int(a < b)


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
        return _cmp(date_instant(a), date_instant(b))
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
    """``$mod`` on one value (jstests/core/query/mod/*.js): a number truncated toward zero,
    C remainder sign (the dividend's).  NaN, infinities and doubles or decimals beyond int64
    (-1e19, 1e19) never match.  A Python int is exact at any size (BSON has no int beyond
    int64; docs/semantics.md, "Numbers")."""
    if isinstance(value, int) and not isinstance(value, bool):
        dividend: int | None = int(value)
    else:
        dividend = to_int64(value)
    if dividend is None or divisor == 0:
        return False
    r = abs(dividend) % abs(divisor)
    return (-r if dividend < 0 else r) == remainder


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
