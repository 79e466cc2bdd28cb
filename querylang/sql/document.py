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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final
from zoneinfo import ZoneInfo

from ..nodes import Path, Regex
from .encoding import DATE_TAG, SEPARATOR, date_micros, encode

__all__ = [
    "Stored",
    "store",
    "load",
    "LAZY",
    "Pending",
    "has_binary",
    "fill",
    "needles",
    "date_micros",
    "DATE_TAG",
    "SEPARATOR",
]

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_NAIVE_EPOCH = _dt.datetime(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class Stored:
    """A document as stored: JSON text, binary side-car, irregular paths."""

    json: str
    blob: bytes | None
    irregular: str


def needles(path: Path) -> list[str]:
    """The ``irregular`` needles of each prefix of ``path`` (``a``, ``a.b``, ...)."""
    return [SEPARATOR + ".".join(path[:i]) + SEPARATOR for i in range(1, len(path) + 1)]


def store(doc: dict[str, Any], *, jsonb: bool = False) -> Stored:
    """The stored form of ``doc`` (TypeError, naming the place, for what cannot be stored).

    ``jsonb=True``: the JSON is also valid PostgreSQL ``jsonb`` input (NUL in strings and
    keys is tagged or escaped, like lone surrogates, instead of written as ``\\u0000``).
    """
    text, marks, chunks = encode(doc, jsonb)
    irregular = SEPARATOR + SEPARATOR.join(marks) + SEPARATOR if marks else ""
    return Stored(text, b"".join(chunks) if chunks else None, irregular)


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


def _unescape_key(key: str) -> str:
    if key[:2] == "$~":
        return bytes.fromhex(key[2:]).decode("utf-16-le", "surrogatepass")
    return key[1:] if key[:1] == "$" else key


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


class _Lazy:
    __slots__ = ()

    def __repr__(self) -> str:
        return "LAZY"


#: Pass as ``blob`` to :func:`load` to leave binary values as :class:`Pending` (the blob is
#: fetched only if a caller needs them: see :func:`has_binary` and :func:`fill`).
LAZY: Final = _Lazy()


@dataclass(frozen=True, slots=True)
class Pending:
    """A binary value not read yet: ``kind`` is its tag, the bytes are ``blob[at:at+size]``."""

    kind: str
    at: int
    size: int


def has_binary(text: str) -> bool:
    """Does the stored JSON ``text`` refer to its blob?  (A user key ``"$bytes"`` is stored
    as ``"$$bytes"``, and a quote inside a string is escaped, so only tags match.)"""
    return '"$bytes":' in text or '"$memoryview":' in text or '"$bytearray":' in text


def fill(value: Any, blob: bytes) -> Any:
    """``value`` with every :class:`Pending` replaced by its bytes from ``blob``."""
    if isinstance(value, Pending):
        return _BINARY[value.kind](blob[value.at : value.at + value.size])
    if isinstance(value, dict):
        return {k: fill(x, blob) for k, x in value.items()}
    if isinstance(value, list):
        return [fill(x, blob) for x in value]
    if isinstance(value, tuple):
        return tuple(fill(x, blob) for x in value)
    return value


def load(text: str, blob: bytes | None | _Lazy) -> dict[str, Any]:
    """The document stored as ``(text, blob)`` by :func:`store` (ValueError if malformed).

    ``blob=LAZY`` leaves binary values as :class:`Pending` placeholders.
    """
    view = memoryview(blob) if isinstance(blob, bytes) else None
    lazy = blob is LAZY

    def hook(d: dict[str, Any]) -> Any:
        for k in d:
            if k[:1] != "$":
                return d
            untag = _TAGS.get(k)
            if untag is not None:
                return untag(d)
            make = _BINARY.get(k)
            if make is None or (view is None and not lazy):
                raise ValueError(f"unknown tag {k!r} in a stored document")
            at, size = d[k]
            if view is None:
                return Pending(k, at, size)
            return make(bytes(view[at : at + size]))
        return d

    try:
        out = json.loads(text, object_hook=hook)
    except (KeyError, TypeError, IndexError) as exc:
        raise ValueError(f"malformed stored document: {exc!r}") from None
    if not isinstance(out, dict):
        raise ValueError("a stored document must be a JSON object")
    return out
