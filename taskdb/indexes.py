"""Secondary indexes over top-level record fields: hash buckets and sorted timestamps.

An index never decides a query by itself.  It hands the planner a *superset* of the records
that can match, and it is exact only when it can prove it (see :mod:`taskdb.planning`).  Every
record value is classified as one of:

- **null**: ``None`` or a missing field (``{f: null}`` matches both);
- **regular**: a value the index can key exactly.  A hash index keys ``str`` by itself and
  ``int``/``float``/``bool`` by ``(type bracket, value)``, so MongoDB-equal numbers share a
  bucket (``1`` and ``1.0``) and MongoDB-unequal ones do not (``True`` and ``1``).  A sorted
  index keys aware datetimes by integer microseconds since the epoch.
- **irregular**: anything else (arrays, which match element-wise; documents; NaN; naive
  datetimes; subclasses; unknown types).  Irregular records are candidates for *every* lookup,
  so they can never be lost, only re-checked by the predicate.

Indexes are keyed by record id (the ``msg_id`` a record was stored under) and hold no
record data, so they are maintained by the database under its lock.
"""

from __future__ import annotations

import datetime as _dt
import decimal
from collections.abc import Collection, Hashable, Iterator
from typing import Any, Final

from sortedcontainers import SortedList

from querylang.values import MISSING, R_BOOL, R_NUMBER

__all__ = ["NULL", "IRREGULAR", "HashIndex", "SortedIndex", "Index", "date_micros", "hash_key"]


class _Marker:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


NULL: Final = _Marker("NULL")
IRREGULAR: Final = _Marker("IRREGULAR")
_ABSENT: Final = _Marker("ABSENT")  # no bucket (record ids may be anything hashable, even None)

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_US = _dt.timedelta(microseconds=1)


def hash_key(value: Any) -> Any:
    """The bucket key of a record value (or :data:`NULL` / :data:`IRREGULAR`)."""
    t = type(value)
    if t is str:
        return value
    if value is None or value is MISSING:
        return NULL
    if t is int or (t is float and value == value):  # NaN is irregular
        return (R_NUMBER, value)
    if t is bool:
        return (R_BOOL, value)
    return IRREGULAR


def literal_hash_key(value: Any) -> Any:
    """The bucket key a query literal equals, like :func:`hash_key`.

    Decimals join the number bucket (Python hashes and compares them exactly with ints and
    floats, as MongoDB does); other literal types can only equal irregular record values.
    """
    if isinstance(value, decimal.Decimal) and not value.is_nan():
        return (R_NUMBER, value)
    return hash_key(value)


def date_micros(value: Any) -> Any:
    """Integer microseconds since the epoch of an aware datetime (or NULL / IRREGULAR)."""
    if value is None or value is MISSING:
        return NULL
    if isinstance(value, _dt.datetime) and value.tzinfo is not None:
        try:
            return (value - _EPOCH) // _US
        except TypeError:  # a tzinfo whose utcoffset() is None: effectively naive
            return IRREGULAR
    return IRREGULAR


class HashIndex:
    """Equality index: bucket key -> record id (one) or set of record ids (several).

    Storing a lone id instead of a one-element set keeps unique fields like ``msg_id`` cheap.
    """

    kind = "hash"
    __slots__ = ("field", "buckets", "null", "irregular")

    def __init__(self, field: str) -> None:
        self.field = field
        self.buckets: dict[Any, Any] = {}
        self.null: set[Hashable] = set()
        self.irregular: set[Hashable] = set()

    def add(self, rid: Hashable, seq: int, value: Any) -> None:
        k = value if type(value) is str else hash_key(value)
        if k is NULL:
            self.null.add(rid)
        elif k is IRREGULAR:
            self.irregular.add(rid)
        else:
            b = self.buckets.get(k, _ABSENT)
            if b is _ABSENT:
                self.buckets[k] = rid
            elif type(b) is set:
                b.add(rid)
            else:
                self.buckets[k] = {b, rid}

    def remove(self, rid: Hashable, seq: int, value: Any) -> None:
        k = hash_key(value)
        if k is NULL:
            self.null.remove(rid)
        elif k is IRREGULAR:
            self.irregular.remove(rid)
        else:
            b = self.buckets[k]
            if type(b) is set:
                b.remove(rid)
                if len(b) == 1:
                    self.buckets[k] = next(iter(b))
            elif b == rid:
                del self.buckets[k]
            else:
                raise KeyError(rid)

    def same_key(self, a: Any, b: Any) -> bool:
        """Would values ``a`` and ``b`` be indexed identically?  (Skips needless updates.)"""
        ka, kb = hash_key(a), hash_key(b)
        return ka is kb or (type(ka) is type(kb) and ka == kb and ka is not IRREGULAR)

    def bucket(self, literal: Any) -> Collection[Hashable]:
        """Record ids whose value is regular and MongoDB-equal to ``literal`` (or null)."""
        k = literal_hash_key(literal)
        if k is NULL:
            return self.null
        if k is IRREGULAR:
            return ()
        b = self.buckets.get(k, _ABSENT)
        if b is _ABSENT:
            return ()
        return b if type(b) is set else (b,)

    def state(self) -> tuple[Any, ...]:
        """A comparable snapshot (for consistency checks against a rebuild)."""
        buckets = {
            k: frozenset(b) if type(b) is set else frozenset((b,)) for k, b in self.buckets.items()
        }
        return (buckets, frozenset(self.null), frozenset(self.irregular))

    def __len__(self) -> int:
        return sum(len(b) if type(b) is set else 1 for b in self.buckets.values())

    def __repr__(self) -> str:
        return (
            f"HashIndex({self.field!r}: {len(self.buckets)} keys, {len(self.null)} null, "
            f"{len(self.irregular)} irregular)"
        )


#: Sorted entries pack ``(micros, seq)`` into one int: ``micros << SEQ_BITS | seq``.  Ints
#: compare faster than tuples and, unlike tuples, are not tracked by the garbage collector.
SEQ_BITS = 40
_SEQ_MASK = (1 << SEQ_BITS) - 1


class SortedIndex:
    """Range index on timestamps: a SortedList of packed ``(micros, seq)`` ints.

    ``seq`` is the record's insertion number (unique, < 2**40), so equal timestamps keep
    insertion order -- the same tie order as ipyparallel's stable ``sorted()`` in
    ``get_history``.  ``rids`` maps seq back to record id; the database shares one such
    dict between all its sorted indexes.
    """

    kind = "sorted"
    __slots__ = ("field", "entries", "null", "irregular", "rids")

    def __init__(self, field: str, rids: dict[int, Hashable] | None = None) -> None:
        self.field = field
        self.entries: SortedList = SortedList()
        self.null: set[Hashable] = set()
        self.irregular: set[Hashable] = set()
        self.rids: dict[int, Hashable] = {} if rids is None else rids

    def add(self, rid: Hashable, seq: int, value: Any) -> None:
        if value is None:  # the common cases first: add_record is on the hub's hot path
            self.null.add(rid)
            return
        if type(value) is _dt.datetime and value.tzinfo is not None:
            try:
                self.entries.add(((value - _EPOCH) // _US) << SEQ_BITS | seq)
                return
            except TypeError:
                pass
        k = date_micros(value)
        if k is NULL:
            self.null.add(rid)
        elif k is IRREGULAR:
            self.irregular.add(rid)
        else:
            self.entries.add(k << SEQ_BITS | seq)

    def remove(self, rid: Hashable, seq: int, value: Any) -> None:
        k = date_micros(value)
        if k is NULL:
            self.null.remove(rid)
        elif k is IRREGULAR:
            self.irregular.remove(rid)
        else:
            self.entries.remove(k << SEQ_BITS | seq)

    def same_key(self, a: Any, b: Any) -> bool:
        ka, kb = date_micros(a), date_micros(b)
        return ka is kb or (type(ka) is int and ka == kb)

    def positions(self, lo: int | None, hi: int | None) -> tuple[int, int]:
        """The slice ``[i, j)`` of entries with ``lo <= micros <= hi`` (None: unbounded)."""
        e = self.entries
        i = 0 if lo is None else e.bisect_left(lo << SEQ_BITS)
        j = len(e) if hi is None else e.bisect_left((hi + 1) << SEQ_BITS)
        return i, max(i, j)

    def ids(self, i: int, j: int) -> Iterator[Hashable]:
        rids = self.rids
        return (rids[entry & _SEQ_MASK] for entry in self.entries.islice(i, j))

    def ordered(self) -> list[Hashable]:
        """Every record id with a (regular) timestamp, oldest first, ties by insertion."""
        rids = self.rids
        return [rids[entry & _SEQ_MASK] for entry in self.entries]

    def state(self) -> tuple[Any, ...]:
        return (
            tuple(self.ids(0, len(self.entries))),
            tuple(e >> SEQ_BITS for e in self.entries),
            frozenset(self.null),
            frozenset(self.irregular),
        )

    def __len__(self) -> int:
        return len(self.entries)

    def __repr__(self) -> str:
        return (
            f"SortedIndex({self.field!r}: {len(self.entries)} dates, {len(self.null)} null, "
            f"{len(self.irregular)} irregular)"
        )


Index = HashIndex | SortedIndex


def literal_micros(value: Any) -> Any:
    """Microseconds of a datetime literal (naive ones are local time, as querylang freezes them)."""
    if isinstance(value, _dt.datetime) and value.tzinfo is None:
        value = value.astimezone()
    return date_micros(value)
