"""How a document is stored for SQL: tagged JSON, a binary side-car, and irregular paths.

A stored document is three values, each a column:

- ``json``: the document as JSON text that SQL's JSON functions read *faithfully*: strings,
  integers, integral floats, booleans, null, documents and arrays are plain JSON; every other
  value is a *tag*, a JSON object whose first key starts with ``$``:

  =============================  =============================================================
  value                          tag
  =============================  =============================================================
  aware ``datetime``             ``{"$date": µs since the epoch}`` (+ ``"$tz": offset seconds``
                                 and ``"$tzname"``, or ``"$zone": "Europe/Paris"``)
  naive ``datetime``             ``{"$naive": µs of the wall time}`` (+ ``"$fold": 1``)
  ``bytes``/``bytearray``/       ``{"$bytes": [offset, length]}`` (``$bytearray``,
  ``memoryview``                 ``$memoryview``): the bytes live in ``blob``, never in JSON
  int beyond 64 bits             ``{"$int": "123..."}``
  NaN, ±infinity                 ``{"$float": "nan"}``
  ``Decimal``                    ``{"$decimal": "1.5"}``
  ``tuple``                      ``{"$tuple": [...]}``
  ``querylang`` ``Regex``        ``{"$regex": pattern, "$options": flags}``
  ``re.Pattern`` (str)           ``{"$pattern": pattern, "$flags": int}``
  str with lone surrogates       ``{"$str": "<UTF-16-LE hex>"}`` (not UTF-8 encodable)
  a dict with a ``$`` key (or a   ``{"$esc": 1, ...}``, its ``$`` keys doubled (``"$$x"``),
  key with lone surrogates)      surrogate keys as ``"$~<UTF-16-LE hex>"``
  =============================  =============================================================

  So no user value ever reads as a tag, and only date tags have a ``"$date"`` key.

- ``blob``: the concatenated bytes of the document's binary values (None if it has none).
  Buffers can be megabytes: keeping them out of the JSON keeps every JSON function cheap,
  and no pickle is ever stored (a pickle in a database file runs code when it is loaded).

- ``irregular``: ``"|a|b.c|"``, the dotted paths (through documents only) at which SQL must
  not trust the JSON, because MongoDB's rules there are not SQL's:

  - an **array** (or tuple): MongoDB matches its elements, and steps into its documents;
  - a number SQL would compare inexactly: NaN, infinities, ints beyond 64 bits, Decimals,
    and non-integral floats (SQLite's JSON parser is not guaranteed to round them exactly);
  - a string with NUL (C-string functions stop there) or lone surrogates;
  - a naive datetime (local time: its instant depends on the reading process's zone);
  - a stored regex (``$regex`` matches it by pattern, not as a string).

  Paths below an array are not listed: the array's own path already covers them.  A query
  on path ``p`` trusts SQL for a row only when no prefix of ``p`` is listed (a *regular*
  row for ``p``); the others go to the exact Python predicate.  Matching needles against
  this text can only err towards "irregular" (a key holding ``.`` or ``|`` may look like
  another path), never the other way, because every listed path is found verbatim.

The pushdown rules in :mod:`querylang.sql.pushdown` are proved against this encoding.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from ..nodes import Path, Regex

__all__ = [
    "Stored",
    "store",
    "load",
    "needles",
    "date_micros",
    "DATE_TAG",
    "SEPARATOR",
]

#: The key of a date tag: ``json_extract(doc, '$.p."$date"')`` is a date's µs, else NULL.
DATE_TAG = "$date"
#: Separates the paths of the ``irregular`` column.
SEPARATOR = "|"

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_NAIVE_EPOCH = _dt.datetime(1970, 1, 1)
_US = _dt.timedelta(microseconds=1)
_I64_LO, _I64_HI = -(2**63), 2**63
_F53 = float(2**53)


@dataclass(frozen=True, slots=True)
class Stored:
    """A document as stored: JSON text, binary side-car, irregular paths."""

    json: str
    blob: bytes | None
    irregular: str


def needles(path: Path) -> list[str]:
    """The ``irregular`` needles of each prefix of ``path`` (``a``, ``a.b``, ...)."""
    return [SEPARATOR + ".".join(path[:i]) + SEPARATOR for i in range(1, len(path) + 1)]


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
    """One document's walk: JSON-able copy, binary chunks, irregular paths."""

    __slots__ = ("marks", "chunks", "size")

    def __init__(self) -> None:
        self.marks: list[str] = []
        self.chunks: list[bytes] = []
        self.size = 0

    def mark(self, parent: str | None, key: str) -> None:
        if parent is not None:
            self.marks.append(key if not parent else parent + "." + key)

    def value(self, v: Any, parent: str | None, key: str) -> Any:
        """Encode ``v`` found at ``parent.key`` (``parent`` None: below an array or a tag)."""
        t = type(v)
        if t is str:
            if "\x00" in v:
                self.mark(parent, key)
            elif not v.isascii() and _has_surrogate(v):
                self.mark(parent, key)
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
            return {"$regex": v.pattern, "$options": v.flags}
        if isinstance(v, re.Pattern) and isinstance(v.pattern, str):
            self.mark(parent, key)
            return {"$pattern": v.pattern, "$flags": v.flags}
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
                escaped = escaped or _has_surrogate(k)
                out[k] = self.value(x, None, k)
            else:
                out[k] = self.value(x, path, k)
        if escaped:
            return {"$esc": 1, **{_escape_key(k): x for k, x in out.items()}}
        return out

    def date(self, v: _dt.datetime, parent: str | None, key: str) -> dict[str, Any]:
        micros = date_micros(v)
        if micros is None:
            self.mark(parent, key)
            tag: dict[str, Any] = {"$naive": (v.replace(tzinfo=None) - _NAIVE_EPOCH) // _US}
            if v.fold:
                tag["$fold"] = 1
            return tag
        tz = v.tzinfo
        if tz is _dt.UTC:
            return {DATE_TAG: micros}
        if isinstance(tz, ZoneInfo):
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

    def chunk(self, b: bytes) -> list[int]:
        at = self.size
        self.chunks.append(b)
        self.size += len(b)
        return [at, len(b)]


def _escape_key(key: str) -> str:
    """A key of an escaped document: ``$x`` -> ``$$x``, a key with lone surrogates ->
    ``$~<UTF-16-LE hex>``, any other key itself."""
    if _has_surrogate(key):
        return "$~" + key.encode("utf-16-le", "surrogatepass").hex()
    return "$" + key if key[:1] == "$" else key


def _unescape_key(key: str) -> str:
    if key[:2] == "$~":
        return bytes.fromhex(key[2:]).decode("utf-16-le", "surrogatepass")
    return key[1:] if key[:1] == "$" else key


def _join(parent: str, key: str) -> str:
    return key if not parent else parent + "." + key


_INF = float("inf")


def store(doc: Mapping[str, Any]) -> Stored:
    """The stored form of ``doc`` (TypeError, naming the place, for what cannot be stored)."""
    enc = _Encoder()
    try:
        tree = enc.document(doc, "")
    except TypeError as exc:
        raise TypeError(f"{exc} (at {_locate(doc)})") from None
    text = json.dumps(tree, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    marks = enc.marks
    irregular = SEPARATOR + SEPARATOR.join(marks) + SEPARATOR if marks else ""
    blob = b"".join(enc.chunks) if enc.chunks else None
    return Stored(text, blob, irregular)


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


# --- decoding ------------------------------------------------------------------------------


def _date(tag: dict[str, Any]) -> _dt.datetime:
    at = _EPOCH + _dt.timedelta(microseconds=tag[DATE_TAG])
    if "$zone" in tag:
        return at.astimezone(ZoneInfo(tag["$zone"]))
    if "$tz" in tag:
        offset = (
            _dt.timedelta(microseconds=tag["$tz"])
            if "$tzus" in tag
            else _dt.timedelta(seconds=tag["$tz"])
        )
        name = tag.get("$tzname")
        return at.astimezone(_dt.timezone(offset) if name is None else _dt.timezone(offset, name))
    return at


def _naive(tag: dict[str, Any]) -> _dt.datetime:
    v = _NAIVE_EPOCH + _dt.timedelta(microseconds=tag["$naive"])
    return v.replace(fold=1) if tag.get("$fold") else v


def _unescape(tag: dict[str, Any]) -> dict[str, Any]:
    it = iter(tag.items())
    next(it)  # "$esc"
    return {_unescape_key(k): x for k, x in it}


_TAGS: dict[str, Callable[[dict[str, Any]], Any]] = {
    DATE_TAG: _date,
    "$naive": _naive,
    "$esc": _unescape,
    "$int": lambda t: int(t["$int"]),
    "$float": lambda t: float(t["$float"]),
    "$decimal": lambda t: decimal.Decimal(t["$decimal"]),
    "$tuple": lambda t: tuple(t["$tuple"]),
    "$regex": lambda t: Regex(t["$regex"], t["$options"]),
    "$pattern": lambda t: re.compile(t["$pattern"], t["$flags"]),
    "$str": lambda t: bytes.fromhex(t["$str"]).decode("utf-16-le", "surrogatepass"),
}
_BINARY: dict[str, Callable[[bytes], Any]] = {
    "$bytes": bytes,
    "$bytearray": bytearray,
    "$memoryview": memoryview,
}


def load(text: str, blob: bytes | None) -> dict[str, Any]:
    """The document stored as ``(text, blob)`` by :func:`store` (ValueError if malformed)."""
    view = memoryview(blob) if blob is not None else None

    def hook(d: dict[str, Any]) -> Any:
        for k in d:
            if k[:1] != "$":
                return d
            untag = _TAGS.get(k)
            if untag is not None:
                return untag(d)
            make = _BINARY.get(k)
            if make is None or view is None:
                raise ValueError(f"unknown tag {k!r} in a stored document")
            at, size = d[k]
            return make(bytes(view[at : at + size]))
        return d

    try:
        out = json.loads(text, object_hook=hook)
    except (KeyError, TypeError, IndexError) as exc:
        raise ValueError(f"malformed stored document: {exc!r}") from None
    if not isinstance(out, dict):
        raise ValueError("a stored document must be a JSON object")
    return out
