"""Encoding a document into its stored form (the format is described in :mod:`.document`).

Two encoders store the same document: a fast one -- a scan that checks the document and
finds its irregular paths without copying it, then orjson with a hook for dates and bytes --
for the documents task records are (strings, numbers, dicts, lists, dates, bytes); and a
general one that builds a tagged copy and writes it with the standard library, for
everything else (tuples, NaN, 64-bit overflow, ``$`` keys, Decimals, regexes, lone
surrogates).  Their texts may spell a float differently (``1e16``, ``1e+16``): the same
JSON value either way.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import json
import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from ..nodes import Regex

__all__ = ["encode", "DATE_TAG", "SEPARATOR", "date_micros"]

#: The key of a date tag: ``json_extract(doc, '$.p."$date"')`` is a date's µs, else NULL.
DATE_TAG = "$date"
#: Separates the paths of the ``irregular`` column.
SEPARATOR = "|"

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_NAIVE_EPOCH = _dt.datetime(1970, 1, 1)
_US = _dt.timedelta(microseconds=1)
_I64_LO, _I64_HI = -(2**63), 2**63
_F53 = float(2**53)
_INF = float("inf")
_datetime = _dt.datetime
_UTC = _dt.UTC


def date_micros(value: _dt.datetime) -> int | None:
    """µs since the epoch of an aware datetime (None if it is naive in effect)."""
    if value.tzinfo is None:
        return None
    try:
        return (value - _EPOCH) // _US
    except TypeError:  # a tzinfo whose utcoffset() is None
        return None


def _has_surrogate(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class _Encoder:
    """One document's walk: JSON-able copy, binary chunks, irregular paths.

    ``jsonb``: PostgreSQL's ``jsonb`` cannot hold NUL (``\\u0000``), so strings holding
    one are ``$str`` tags and keys holding one are escaped, as lone surrogates are.
    """

    __slots__ = ("marks", "chunks", "size", "jsonb")

    def __init__(self, jsonb: bool = False) -> None:
        self.marks: list[str] = []
        self.chunks: list[bytes] = []
        self.size = 0
        self.jsonb = jsonb

    def mark(self, parent: str | None, key: str) -> None:
        if parent is not None:
            self.marks.append(key if not parent else parent + "." + key)

    def value(self, v: Any, parent: str | None, key: str) -> Any:
        """Encode ``v`` found at ``parent.key`` (``parent`` None: below an array or a tag)."""
        t = type(v)
        if t is str:
            if not v.isascii() and _has_surrogate(v):
                self.mark(parent, key)
                return {"$str": v.encode("utf-16-le", "surrogatepass").hex()}
            if "\x00" in v:
                self.mark(parent, key)
                if self.jsonb:
                    return {"$str": v.encode("utf-16-le", "surrogatepass").hex()}
            return v
        if v is None or t is bool:
            return v
        if t is int:
            if _I64_LO <= v < _I64_HI:
                return v
            self.mark(parent, key)
            return {"$int": str(v)}
        if t is float:
            if v.is_integer() and -_F53 <= v <= _F53:
                return v
            self.mark(parent, key)
            if v != v or v in (_INF, -_INF):
                return {"$float": repr(v)}
            return v
        if t is dict:
            return self.document(v, None if parent is None else _join(parent, key))
        if t is list:
            self.mark(parent, key)
            return [self.value(x, None, "") for x in v]
        if t is _dt.datetime:
            return self.date(v, parent, key)
        if t is bytes:
            return {"$bytes": self.chunk(v)}
        return self.other(v, parent, key)

    def other(self, v: Any, parent: str | None, key: str) -> Any:
        """The less common types (and subclasses of the common ones)."""
        if isinstance(v, Mapping):
            return self.document(v, None if parent is None else _join(parent, key))
        if isinstance(v, tuple):
            self.mark(parent, key)
            return {"$tuple": [self.value(x, None, "") for x in v]}
        if isinstance(v, list):
            self.mark(parent, key)
            return [self.value(x, None, "") for x in v]
        if isinstance(v, bytearray):
            return {"$bytearray": self.chunk(bytes(v))}
        if isinstance(v, memoryview):
            return {"$memoryview": self.chunk(v.tobytes())}
        if isinstance(v, bytes):
            return {"$bytes": self.chunk(bytes(v))}
        if isinstance(v, _dt.datetime):
            return self.date(v, parent, key)
        if isinstance(v, decimal.Decimal):
            self.mark(parent, key)
            return {"$decimal": str(v)}
        if isinstance(v, Regex):
            self.mark(parent, key)
            # (a pattern holding NUL is itself a $str tag for jsonb: decoded first)
            return {"$regex": self.value(v.pattern, None, ""), "$options": v.flags}
        if isinstance(v, re.Pattern) and isinstance(v.pattern, str):
            self.mark(parent, key)
            return {"$pattern": self.value(v.pattern, None, ""), "$flags": v.flags}
        for base in (bool, int, float, str):  # subclasses (IntEnum, ...) as their builtin
            if isinstance(v, base):
                return self.value(base(v), parent, key)
        raise TypeError(f"cannot store a {type(v).__name__} value")

    def document(self, d: Mapping[str, Any], path: str | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        escaped = False
        for k, x in d.items():
            if type(k) is not str:
                if not isinstance(k, str):
                    raise TypeError(f"document keys must be strings, not {type(k).__name__}")
                k = str(k)
            if k[:1] == "$":
                escaped = True
            if "\x00" in k or (not k.isascii() and _has_surrogate(k)):
                # No SQL path can name this key (it cannot be bound), so nothing below it is
                # ever pushed down: no irregular paths are needed there.
                escaped = escaped or _has_surrogate(k) or self.jsonb
                out[k] = self.value(x, None, k)
            else:
                out[k] = self.value(x, path, k)
        if escaped:
            return {"$esc": 1, **{_escape_key(k): x for k, x in out.items()}}
        return out

    def date(self, v: _dt.datetime, parent: str | None, key: str) -> dict[str, Any]:
        tag = _date_tag(v)
        if "$naive" in tag:
            self.mark(parent, key)
        return tag

    def chunk(self, b: bytes) -> list[int]:
        at = self.size
        self.chunks.append(b)
        self.size += len(b)
        return [at, len(b)]


def _date_tag(v: _dt.datetime) -> dict[str, Any]:
    """The tag of a datetime: its instant (and zone), or the wall time of a naive one."""
    micros = date_micros(v)
    if micros is None:
        tag: dict[str, Any] = {"$naive": (v.replace(tzinfo=None) - _NAIVE_EPOCH) // _US}
        if v.fold:
            tag["$fold"] = 1
        return tag
    tz = v.tzinfo
    if tz is _dt.UTC:
        return {DATE_TAG: micros}
    if isinstance(tz, ZoneInfo) and tz.key:
        return {DATE_TAG: micros, "$zone": tz.key}
    offset = v.utcoffset()
    assert offset is not None
    tag = {DATE_TAG: micros, "$tz": offset // _dt.timedelta(seconds=1)}
    if offset % _dt.timedelta(seconds=1):
        tag["$tz"] = offset // _US
        tag["$tzus"] = 1
    name = v.tzname()
    if isinstance(tz, _dt.timezone) and name != _dt.timezone(offset).tzname(None):
        tag["$tzname"] = name
    return tag


def _escape_key(key: str) -> str:
    """A key of an escaped document: ``$x`` -> ``$$x``, a key with lone surrogates (or NUL,
    for jsonb) -> ``$~<UTF-16-LE hex>``, any other key itself."""
    if _has_surrogate(key) or "\x00" in key:
        return "$~" + key.encode("utf-16-le", "surrogatepass").hex()
    return "$" + key if key[:1] == "$" else key


def _join(parent: str, key: str) -> str:
    return key if not parent else parent + "." + key


def _locate(doc: Any, where: str = "$") -> str:
    """Where the first unstorable value or key of ``doc`` is (for the error message)."""
    stack: list[tuple[Any, str]] = [(doc, where)]
    while stack:
        v, at = stack.pop()
        if isinstance(v, Mapping):
            for k, x in v.items():
                if not isinstance(k, str):
                    return f"{at} key {k!r}"
                stack.append((x, f"{at}.{k}"))
        elif isinstance(v, list | tuple):
            stack.extend((x, f"{at}[{i}]") for i, x in enumerate(v))
        else:
            try:
                _Encoder().value(v, None, "")
            except TypeError:
                return at
    return where


# --- the fast encoder ------------------------------------------------------------------------


def _scan(d: dict[str, Any], path: str | None, marks: list[str]) -> bool:
    """Can the fast encoder store ``d`` exactly as the general one would?  Adds the
    irregular paths to ``marks`` (``path`` None: below an array, where none are listed)."""
    for k, x in d.items():
        if type(k) is not str or k[:1] == "$" or "\x00" in k:
            return False
        t = type(x)
        if t is str:
            if "\x00" in x and path is not None:
                marks.append(k if not path else path + "." + k)
        elif x is None or t is bool:
            pass
        elif t is dict:
            if not _scan(x, None if path is None else (k if not path else path + "." + k), marks):
                return False
        elif t is _datetime:
            tz = x.tzinfo
            if (tz is None or (tz is not _UTC and x.utcoffset() is None)) and path is not None:
                marks.append(k if not path else path + "." + k)
        elif t is list:
            if path is not None:
                marks.append(k if not path else path + "." + k)
            if not _scan_list(x, marks):
                return False
        elif t is int:
            if not _I64_LO <= x < _I64_HI:
                return False
        elif t is float:
            if not (x.is_integer() and -_F53 <= x <= _F53):
                if x != x or x == _INF or x == -_INF:
                    return False
                if path is not None:
                    marks.append(k if not path else path + "." + k)
        elif t is not bytes and t is not memoryview and t is not bytearray:
            return False
    return True


def _scan_list(items: list[Any], marks: list[str]) -> bool:
    for x in items:
        t = type(x)
        if t is str or x is None or t is bool or t is bytes or t is _datetime:
            continue
        if t is dict:
            if not _scan(x, None, marks):
                return False
        elif t is list:
            if not _scan_list(x, marks):
                return False
        elif t is int:
            if not _I64_LO <= x < _I64_HI:
                return False
        elif t is float:
            if x != x or x == _INF or x == -_INF:
                return False
        elif t is not memoryview and t is not bytearray:
            return False
    return True


def _fast(doc: dict[str, Any]) -> tuple[str, list[str], list[bytes]] | None:
    """``(json, marks, chunks)`` by the fast encoder, or None if ``doc`` needs the general."""
    marks: list[str] = []
    if not _scan(doc, "", marks):
        return None
    chunks: list[bytes] = []
    size = 0

    def default(o: Any) -> Any:
        nonlocal size
        t = type(o)
        if t is _datetime:
            return _date_tag(o)
        b = o if t is bytes else o.tobytes() if t is memoryview else bytes(o)
        chunks.append(b)
        at, size = size, size + len(b)
        return {_BINARY_TAGS[t]: [at, len(b)]}

    try:
        raw = orjson.dumps(doc, default=default, option=orjson.OPT_PASSTHROUGH_DATETIME)
    except orjson.JSONEncodeError:  # a lone surrogate, or nesting deeper than orjson's limit
        return None
    return raw.decode("utf-8"), marks, chunks


_BINARY_TAGS: dict[type, str] = {
    bytes: "$bytes",
    bytearray: "$bytearray",
    memoryview: "$memoryview",
}


def encode(doc: Mapping[str, Any], jsonb: bool = False) -> tuple[str, list[str], list[bytes]]:
    """``(json, irregular paths, binary chunks)`` for ``doc``; TypeError (naming the place)
    for a value or key that cannot be stored.  ``jsonb``: text PostgreSQL's jsonb accepts
    (no ``\\u0000`` escape anywhere)."""
    if type(doc) is dict:
        fast = _fast(doc)
        # orjson writes NUL as \u0000; a user's literal backslash-u0000 also matches here
        # and merely takes the general encoder, which decides exactly.
        if fast is not None and not (jsonb and "\\u0000" in fast[0]):
            return fast
    enc = _Encoder(jsonb)
    try:
        tree = enc.document(doc, "")
    except TypeError as exc:
        raise TypeError(f"{exc} (at {_locate(doc)})") from None
    text = json.dumps(tree, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text, enc.marks, enc.chunks
