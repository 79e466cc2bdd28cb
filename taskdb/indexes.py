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

Indexes hold record *seqs* (the insertion number the database gives each record, a small
int) and no record data, so they are maintained by the database under its lock.  Every
structure here is one the cyclic garbage collector does not track or walk: dicts of ints,
and arrays.
"""

from __future__ import annotations

import datetime as _dt
import decimal
from collections.abc import Collection, Iterator
from typing import Any, Final

from querylang.values import MISSING, R_BOOL, R_NUMBER

from .sortedarrays import LOAD, Position, SeqSet, SortedPairs

__all__ = [
    "NULL",
    "IRREGULAR",
    "HashIndex",
    "SortedIndex",
    "Index",
    "Seqs",
    "date_micros",
    "hash_key",
]


class _Marker:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


NULL: Final = _Marker("NULL")
IRREGULAR: Final = _Marker("IRREGULAR")

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


#: A set of record seqs, in arrays: no object per member, none for the collector to visit.
Seqs = SeqSet


class HashIndex:
    """Equality index: bucket key -> the seqs (insertion numbers) of the records holding it.

    A key held by one record maps to its seq in ``lone``; a key held by several maps to a
    :class:`SeqSet` in ``many``.  Unique fields like ``msg_id`` then cost one dict entry per
    record, and no member is an object the garbage collector must visit.
    """

    kind = "hash"
    __slots__ = ("field", "lone", "many", "null", "irregular")

    def __init__(self, field: str) -> None:
        self.field = field
        self.lone: dict[Any, int] = {}
        self.many: dict[Any, Seqs] = {}
        self.null = SeqSet()
        self.irregular = SeqSet()

    def add(self, seq: int, value: Any) -> None:
        k = value if type(value) is str else hash_key(value)
        if k is NULL:  # (hash_key is a call: a str needs none)
            self.null.add(seq)
        elif k is IRREGULAR:
            self.irregular.add(seq)
        else:
            b = self.many.get(k)
            if b is not None:
                b.add(seq)
                return
            other = self.lone.setdefault(k, seq)
            if other != seq:  # a second record with this key
                del self.lone[k]
                self.many[k] = SeqSet((other, seq))

    def add_many(self, rows: list[tuple[int, tuple[Any, ...]]], j: int) -> None:
        """:meth:`add` each ``(seq, values)`` of ``rows`` with its value ``values[j]``."""
        null, irregular, lone, many = self.null, self.irregular, self.lone, self.many
        for seq, values in rows:
            k = values[j]
            if type(k) is not str:
                k = hash_key(k)
                if k is NULL:
                    null.add(seq)
                    continue
                if k is IRREGULAR:
                    irregular.add(seq)
                    continue
            b = many.get(k)
            if b is not None:
                b.add(seq)
                continue
            other = lone.setdefault(k, seq)
            if other != seq:
                del lone[k]
                many[k] = SeqSet((other, seq))

    def remove(self, seq: int, value: Any) -> None:
        k = hash_key(value)
        if k is NULL:
            self.null.remove(seq)
        elif k is IRREGULAR:
            self.irregular.remove(seq)
        elif self.lone.get(k) == seq:
            del self.lone[k]
        else:
            b = self.many.get(k)
            if b is None:
                raise KeyError(seq)
            b.remove(seq)
            if len(b) == 1:
                del self.many[k]
                self.lone[k] = next(iter(b))

    def same_key(self, a: Any, b: Any) -> bool:
        """Would values ``a`` and ``b`` be indexed identically?  (Skips needless updates.)"""
        ka, kb = hash_key(a), hash_key(b)
        return ka is kb or (type(ka) is type(kb) and ka == kb and ka is not IRREGULAR)

    def bucket(self, literal: Any) -> Collection[int]:
        """Seqs of the records whose value is regular and MongoDB-equal to ``literal`` (or
        null).  A live view: do not mutate it."""
        k = literal_hash_key(literal)
        if k is NULL:
            return self.null
        if k is IRREGULAR:
            return ()
        seq = self.lone.get(k)
        if seq is not None:
            return (seq,)
        return self.many.get(k, ())

    def state(self) -> tuple[Any, ...]:
        """A comparable snapshot (for consistency checks against a rebuild)."""
        buckets = {k: frozenset((s,)) for k, s in self.lone.items()}
        buckets.update((k, frozenset(b)) for k, b in self.many.items())
        return (buckets, frozenset(self.null), frozenset(self.irregular))

    def __len__(self) -> int:
        return len(self.lone) + sum(map(len, self.many.values()))

    def __repr__(self) -> str:
        return (
            f"HashIndex({self.field!r}: {len(self.lone) + len(self.many)} keys, "
            f"{len(self.null)} null, {len(self.irregular)} irregular)"
        )


class SortedIndex(SortedPairs):
    """Range index on timestamps: ``(micros, seq)`` pairs (a :class:`SortedPairs`).

    ``seq`` is the record's insertion number, so equal timestamps keep insertion order --
    the same tie order as ipyparallel's stable ``sorted()`` in ``get_history``.
    """

    kind = "sorted"
    __slots__ = ("field", "null", "irregular")

    def __init__(self, field: str) -> None:
        super().__init__()
        self.field = field
        self.null = SeqSet()
        self.irregular = SeqSet()

    def add(self, seq: int, value: Any) -> None:
        if value is None:  # the common cases first: add_record is on the hub's hot path
            self.null.add(seq)
            return
        if type(value) is _dt.datetime and value.tzinfo is not None:
            try:
                k = (value - _EPOCH) // _US
            except TypeError:
                pass
            else:
                maxk = self._maxk
                if maxk and k > maxk[-1]:  # SortedPairs.add_pair's append, inlined
                    keys = self._keys[-1]
                    keys.append(k)
                    self._seqs[-1].append(seq)
                    maxk[-1] = k
                    self._len += 1
                    if len(keys) > 2 * LOAD:
                        self._split(len(maxk) - 1)
                else:
                    self._insert(k, seq)
                return
        k = date_micros(value)
        if k is NULL:
            self.null.add(seq)
        elif k is IRREGULAR:
            self.irregular.add(seq)
        else:
            self.add_pair(k, seq)

    def add_many(self, rows: list[tuple[int, tuple[Any, ...]]], j: int) -> None:
        """:meth:`add` each ``(seq, values)`` of ``rows`` with its value ``values[j]``:
        the dates sorted once and appended in bulk where they follow every indexed one."""
        null, pairs = self.null, []
        datetime, epoch, us = _dt.datetime, _EPOCH, _US
        for seq, values in rows:
            v = values[j]
            if v is None:
                null.add(seq)
            elif type(v) is datetime and v.tzinfo is not None:
                try:
                    pairs.append(((v - epoch) // us, seq))
                except TypeError:
                    self.add(seq, v)
            else:
                self.add(seq, v)
        pairs.sort()
        self.add_sorted(pairs)

    def remove(self, seq: int, value: Any) -> None:
        k = date_micros(value)
        if k is NULL:
            self.null.remove(seq)
        elif k is IRREGULAR:
            self.irregular.remove(seq)
        else:
            self.remove_pair(k, seq)

    def same_key(self, a: Any, b: Any) -> bool:
        ka, kb = date_micros(a), date_micros(b)
        return ka is kb or (type(ka) is int and ka == kb)

    def positions(self, lo: int | None, hi: int | None) -> tuple[Position, Position]:
        """The slice ``[i, j)`` of entries with ``lo <= micros <= hi`` (None: unbounded)."""
        i = self.start() if lo is None else self.find(lo)
        j = self.find(None if hi is None else hi + 1)
        return i, max(i, j)

    def ids(self, i: Position, j: Position) -> Iterator[int]:
        """The seqs in the slice ``[i, j)``, in timestamp order."""
        return self.seqs(i, j)

    def ordered(self) -> list[int]:
        """Every seq with a (regular) timestamp, oldest first, ties by insertion."""
        return self.all_seqs()

    def state(self) -> tuple[Any, ...]:
        return (tuple(self.pairs()), frozenset(self.null), frozenset(self.irregular))

    def __repr__(self) -> str:
        return (
            f"SortedIndex({self.field!r}: {len(self)} dates, {len(self.null)} null, "
            f"{len(self.irregular)} irregular)"
        )


Index = HashIndex | SortedIndex


def literal_micros(value: Any) -> Any:
    """Microseconds of a datetime literal (naive ones are local time, as querylang freezes them)."""
    if isinstance(value, _dt.datetime) and value.tzinfo is None:
        value = value.astimezone()
    return date_micros(value)
