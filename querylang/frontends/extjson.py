"""MongoDB Extended JSON (v2) for the values task records hold.

Plain JSON cannot carry datetimes, bytes, NaN, decimals or regexes; Extended JSON wraps
them in one-key documents (``{"$date": ...}``, ``{"$binary": ...}``) so JSON lines files,
the CLI and other MongoDB tools agree on what a record contains.

Encoding (``encode``/``dumps``), in *relaxed* mode (the default) or *canonical* mode:

============================  ==========================================================
Python                        Extended JSON
============================  ==========================================================
``None``/``bool``/``str``     themselves
``int``                       relaxed: a JSON number (any size); canonical:
                              ``{"$numberInt": "7"}`` (int32) or ``{"$numberLong": ..}``
                              (int64; larger ints raise ValueError)
``float``                     relaxed: a JSON number, or ``{"$numberDouble": "NaN"}``
                              (``"Infinity"``, ``"-Infinity"``) when not finite;
                              canonical: always ``{"$numberDouble": repr(x)}``
``decimal.Decimal``           ``{"$numberDecimal": str(d)}``
``bytes``/``bytearray``/      ``{"$binary": {"base64": ..., "subType": "00"}}``
``memoryview``
``datetime``                  ``{"$date": ...}``, see below
``re.Pattern``/``Regex``      ``{"$regularExpression": {"pattern": .., "options": ..}}``
``Mapping``                   a JSON object (keys must be ``str``)
``list``/``tuple``            a JSON array (tuples come back as lists)
============================  ==========================================================

Dates: MongoDB dates have millisecond precision, Python's microsecond.  We keep the
microseconds: relaxed mode writes an ISO-8601 UTC string, ``"2024-05-01T12:00:00.123Z"``
(three fraction digits when the time is a whole millisecond, exactly the spec's form; six
when it is not, which a reader that insists on milliseconds may refuse).  Canonical mode, and
relaxed mode before 1970 (as the spec asks), write ``{"$numberLong": "<ms since epoch>"}``
when that is exact and fall back to the ISO string when it would drop microseconds.  Naive
datetimes are local time (Python's and ipyparallel's convention).  Decoded dates are always
timezone-aware, in UTC.  Bare ``NaN``/``Infinity`` tokens (not JSON, but Python writes them)
are read as floats.

Decoding (``decode``/``loads``) accepts both modes, plus the legacy ``{"$binary": b64,
"$type": "00"}`` and a bare integer ``{"$date": ms}``.  Only the *exact* wrapper shapes are
decoded: ``{"$date": .., "x": 1}`` stays a plain document.  ``{"$oid": "<24 hex>"}`` decodes
to the hex string (there is no ObjectId in our value model; it is not re-wrapped on output).
The binary subtype is validated but dropped (every subtype decodes to ``bytes``).  The
legacy ``{"$regex": .., "$options": ..}`` shape is *not* decoded: in a query document it
is the ``$regex`` operator, which ``from_dict`` already understands.  Wrappers for types we
have no value for (``$timestamp``, ``$minKey``, ``$symbol``, ...) raise ValueError.

Malformed wrappers raise ValueError naming the wrapper and where it is (``$.a[2].submitted``).
Encoding a document that would read back as a wrapper (say ``{"$date": "x"}`` as data)
raises ValueError too, so a successful ``dumps`` always ``loads`` back to an equal value.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import decimal
import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from ..nodes import Regex
from ..regex import canonical_options, regex_from_pattern

__all__ = ["encode", "decode", "dumps", "loads", "WRAPPER_KEYS"]

_UTC = _dt.UTC
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_UTC)
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_NONFINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_HEX2 = re.compile(r"[0-9a-fA-F]{1,2}")
_OID = re.compile(r"[0-9a-fA-F]{24}")
_INTEGER = re.compile(r"[+-]?[0-9]+")

#: Key sets that decode as a typed value; a document with exactly these keys is a wrapper.
WRAPPER_KEYS: frozenset[frozenset[str]] = frozenset(
    frozenset(k)
    for k in (
        {"$date"},
        {"$binary"},
        {"$binary", "$type"},
        {"$numberLong"},
        {"$numberInt"},
        {"$numberDouble"},
        {"$numberDecimal"},
        {"$regularExpression"},
        {"$oid"},
        # known Extended JSON types we have no Python value for: refused, never data
        {"$timestamp"},
        {"$minKey"},
        {"$maxKey"},
        {"$undefined"},
        {"$symbol"},
        {"$code"},
        {"$code", "$scope"},
        {"$dbPointer"},
        {"$uuid"},
    )
)


# --- encoding ---------------------------------------------------------------------------


def encode(value: Any, *, canonical: bool = False) -> Any:
    """The JSON-able Extended JSON form of ``value`` (TypeError for unsupported types)."""
    return _encode(value, canonical, "$")


def _encode(value: Any, canonical: bool, where: str) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return _encode_int(int(value), canonical, where)
    if isinstance(value, float):
        return _encode_float(float(value), canonical)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"at {where}: document keys must be str, not {type(k).__name__}")
            out[k] = _encode(v, canonical, f"{where}.{k}")
        if out and frozenset(out) in WRAPPER_KEYS:
            raise ValueError(
                f"at {where}: a document with keys {sorted(out)} would read back as an "
                "Extended JSON wrapper; it cannot be written as data"
            )
        return out
    if isinstance(value, list | tuple):
        return [_encode(v, canonical, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, _dt.datetime):
        return {"$date": _encode_date(value, canonical)}
    if isinstance(value, bytes | bytearray | memoryview):
        data = base64.b64encode(bytes(value)).decode("ascii")
        return {"$binary": {"base64": data, "subType": "00"}}
    if isinstance(value, decimal.Decimal):
        return {"$numberDecimal": str(value)}
    if isinstance(value, re.Pattern):
        value = _regex_from_pattern(value, where)
    if isinstance(value, Regex):
        options = "".join(sorted(value.flags))
        return {"$regularExpression": {"pattern": value.pattern, "options": options}}
    raise TypeError(f"at {where}: cannot encode {type(value).__name__} as Extended JSON")


def _encode_int(value: int, canonical: bool, where: str) -> Any:
    if not canonical:
        return value
    if _INT32[0] <= value <= _INT32[1]:
        return {"$numberInt": str(value)}
    if _INT64[0] <= value <= _INT64[1]:
        return {"$numberLong": str(value)}
    raise ValueError(f"at {where}: integer {value} does not fit in a 64-bit $numberLong")


def _encode_float(value: float, canonical: bool) -> Any:
    if math.isnan(value):
        return {"$numberDouble": "NaN"}
    if math.isinf(value):
        return {"$numberDouble": "Infinity" if value > 0 else "-Infinity"}
    return {"$numberDouble": repr(value)} if canonical else value


def _encode_date(value: _dt.datetime, canonical: bool) -> Any:
    if value.tzinfo is None:
        value = value.astimezone()  # naive means local time
    try:
        utc = value.astimezone(_UTC)
    except OverflowError:
        raise ValueError(f"{value!r} is outside the representable UTC range") from None
    # The spec writes dates before 1970 as milliseconds even in relaxed mode; we do too,
    # unless that would drop the microseconds.
    if (canonical or utc.year < 1970) and utc.microsecond % 1000 == 0:
        delta = utc - _EPOCH
        millis = (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
        return {"$numberLong": str(millis)}
    micro = utc.microsecond
    frac = f".{micro // 1000:03d}" if micro % 1000 == 0 else f".{micro:06d}"
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}{frac}Z"


def _regex_from_pattern(pattern: re.Pattern[Any], where: str) -> Regex:
    try:
        return regex_from_pattern(pattern)
    except ValueError:
        raise TypeError(f"at {where}: cannot encode a bytes regex as Extended JSON") from None


# --- decoding ---------------------------------------------------------------------------


def decode(value: Any, *, where: str = "$") -> Any:
    """The Python value of parsed Extended JSON (ValueError, naming ``where``, if malformed)."""
    if isinstance(value, dict):
        if len(value) <= 2 and frozenset(value) in WRAPPER_KEYS:
            return _decode_wrapper(value, where)
        return {k: decode(v, where=f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v, where=f"{where}[{i}]") for i, v in enumerate(value)]
    return value


def _fail(where: str, wrapper: str, why: str) -> ValueError:
    return ValueError(f"at {where}: malformed {wrapper}: {why}")


def _decode_wrapper(doc: dict[str, Any], where: str) -> Any:
    if "$binary" in doc:
        return _decode_binary(doc, where)
    key = "$code" if "$code" in doc else next(iter(doc))
    payload = doc[key]
    handler = _HANDLERS.get(key)
    if handler is None:
        raise ValueError(
            f"at {where}: Extended JSON {key} has no Python value in this library "
            f"(supported: {', '.join(sorted(_HANDLERS))}, $binary)"
        )
    return handler(payload, where)


def _decode_date(payload: Any, where: str) -> _dt.datetime:
    if isinstance(payload, str):
        try:
            parsed = _dt.datetime.fromisoformat(payload)
        except ValueError:
            raise _fail(where, "$date", f"{payload!r} is not an ISO-8601 date-time") from None
        if parsed.tzinfo is None:
            raise _fail(where, "$date", f"{payload!r} has no UTC offset (add 'Z')")
        try:
            return parsed.astimezone(_UTC)
        except OverflowError:
            raise _fail(where, "$date", f"{payload!r} is outside Python's date range") from None
    if isinstance(payload, dict) and set(payload) == {"$numberLong"}:
        millis = _decode_int64(payload["$numberLong"], where, "$date.$numberLong")
    elif isinstance(payload, int) and not isinstance(payload, bool):
        millis = payload  # legacy: bare milliseconds
    else:
        raise _fail(
            where, "$date", f"expected an ISO string or {{'$numberLong': ms}}, got {payload!r}"
        )
    try:
        return _EPOCH + _dt.timedelta(milliseconds=millis)
    except OverflowError:
        raise _fail(where, "$date", f"{millis} ms is outside Python's date range") from None


def _decode_int(payload: Any, where: str, wrapper: str, bounds: tuple[int, int]) -> int:
    if not isinstance(payload, str) or not _INTEGER.fullmatch(payload):
        raise _fail(where, wrapper, f"expected a string of decimal digits, got {payload!r}")
    number = int(payload)
    if not bounds[0] <= number <= bounds[1]:
        raise _fail(where, wrapper, f"{payload} is out of range")
    return number


def _decode_int64(payload: Any, where: str, wrapper: str = "$numberLong") -> int:
    return _decode_int(payload, where, wrapper, _INT64)


def _decode_int32(payload: Any, where: str) -> int:
    return _decode_int(payload, where, "$numberInt", _INT32)


def _decode_double(payload: Any, where: str) -> float:
    if not isinstance(payload, str):
        raise _fail(where, "$numberDouble", f"expected a string, got {payload!r}")
    if payload in _NONFINITE:
        return _NONFINITE[payload]
    try:
        number = float(payload)
    except ValueError:
        raise _fail(where, "$numberDouble", f"{payload!r} is not a number") from None
    if not math.isfinite(number):  # "inf", "nan": only the spec's spellings are accepted
        raise _fail(where, "$numberDouble", f"write {payload!r} as NaN, Infinity or -Infinity")
    return number


def _decode_decimal(payload: Any, where: str) -> decimal.Decimal:
    if not isinstance(payload, str):
        raise _fail(where, "$numberDecimal", f"expected a string, got {payload!r}")
    try:
        return decimal.Decimal(payload)
    except decimal.InvalidOperation:
        raise _fail(where, "$numberDecimal", f"{payload!r} is not a decimal number") from None


def _decode_regex(payload: Any, where: str) -> Regex:
    if not (isinstance(payload, dict) and set(payload) == {"pattern", "options"}):
        raise _fail(where, "$regularExpression", "expected {'pattern': str, 'options': str}")
    pattern, options = payload["pattern"], payload["options"]
    if not isinstance(pattern, str) or not isinstance(options, str):
        raise _fail(where, "$regularExpression", "pattern and options must be strings")
    try:
        # "u" is kept, as from_dict keeps it: MongoDB accepts it (and it changes no match)
        return Regex(pattern, canonical_options(options))
    except ValueError as exc:
        raise _fail(where, "$regularExpression", str(exc)) from None


def _decode_oid(payload: Any, where: str) -> str:
    if not isinstance(payload, str) or not _OID.fullmatch(payload):
        raise _fail(where, "$oid", f"expected 24 hex digits, got {payload!r}")
    return payload.lower()


def _decode_binary(doc: dict[str, Any], where: str) -> bytes:
    if "$type" in doc:  # legacy {"$binary": b64, "$type": "00"}
        data, subtype = doc["$binary"], doc["$type"]
    else:
        inner = doc["$binary"]
        if not (isinstance(inner, dict) and set(inner) == {"base64", "subType"}):
            raise _fail(where, "$binary", "expected {'base64': str, 'subType': hex str}")
        data, subtype = inner["base64"], inner["subType"]
    if not isinstance(subtype, str) or not _HEX2.fullmatch(subtype):
        raise _fail(where, "$binary", f"subType must be 1-2 hex digits, got {subtype!r}")
    if not isinstance(data, str):
        raise _fail(where, "$binary", f"base64 must be a string, got {data!r}")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise _fail(where, "$binary", f"{data!r} is not valid base64") from None


_HANDLERS: dict[str, Callable[[Any, str], Any]] = {
    "$date": _decode_date,
    "$numberLong": _decode_int64,
    "$numberInt": _decode_int32,
    "$numberDouble": _decode_double,
    "$numberDecimal": _decode_decimal,
    "$regularExpression": _decode_regex,
    "$oid": _decode_oid,
}


# --- text -------------------------------------------------------------------------------


def dumps(obj: Any, *, canonical: bool = False, **kwargs: Any) -> str:
    """``json.dumps`` of :func:`encode` (extra keyword arguments go to ``json.dumps``)."""
    kwargs.setdefault("ensure_ascii", False)
    return json.dumps(encode(obj, canonical=canonical), allow_nan=False, **kwargs)


def loads(text: str | bytes) -> Any:
    """Parse Extended JSON text (ValueError on bad JSON or a malformed wrapper)."""
    return decode(json.loads(text))
