"""An in-memory task-record database: a drop-in for ipyparallel's ``controller.dictdb``.

Same classes, traits and methods as ipyparallel 9.x (``BaseDB``, ``DictDB``, ``NoDB``,
``NoData``), but queries have MongoDB's semantics (through :mod:`querylang`) and run on
indexes chosen by :mod:`taskdb.planning`.  Differences from ipyparallel are listed in
docs/taskdb.md.

Storage: each record is kept packed (:mod:`taskdb.packing`): one immutable tuple of its
leaves, which the cyclic garbage collector does not track, numbered by its insertion
``seq``; the indexes hold seqs in structures the collector does not walk either.  A query
snapshots the packed tuples under the lock, then tests them (:mod:`taskdb.reading`) and
builds the caller's copies outside it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import datetime
from typing import Any

from traitlets import Float, Integer, List, observe

import querylang
from querylang.values import MISSING

from .base import BaseDB, NoData, NoDB
from .frozen import freeze_all
from .indexes import HashIndex, Index, SortedIndex
from .packing import Packed, copy_all, field, pack, projection, unpack
from .planning import PlanExplanation, QueryPlan, plan, plan_tree
from .reading import matching, paused_gc

__all__ = ["BaseDB", "DictDB", "NoDB", "NoData", "DATE_FIELDS"]

#: The timestamp fields: each must be a datetime or None.
DATE_FIELDS = ("submitted", "started", "completed", "received")
_BUFFER_FIELDS = ("buffers", "result_buffers")
#: add_record indexes new records this many at a time (see DictDB._flush).
INDEX_BATCH = 256


def _buffer_size(get: Callable[[str, Any], Any]) -> int:
    """Bytes in a record's buffers, given its ``get(key, default)``."""
    total = 0
    for key in _BUFFER_FIELDS:
        for buf in get(key, None) or ():
            total += buf.nbytes if type(buf) is memoryview else len(buf)
    return total


def _stored_buffer_size(t: Packed) -> int:
    return _buffer_size(lambda key, default: field(t, key, default))


class DictDB(BaseDB):
    """Basic in-memory dict-based object for saving Task Records.

    This is the first object to present the DB interface
    for logging tasks out of memory.

    The interface is based on MongoDB, so adding a MongoDB
    backend should be straightforward.
    """

    size_limit = Integer(
        1024**3,
        config=True,
        help="""The maximum total size (in bytes) of the buffers stored in the db

        When the db exceeds this size, the oldest records will be culled until
        the total size is under size_limit * (1-cull_fraction).
        default: 1 GB
        """,
    )
    record_limit = Integer(
        1024,
        config=True,
        help="""The maximum number of records in the db

        When the history exceeds this size, the first record_limit * cull_fraction
        records will be culled.
        """,
    )
    cull_fraction = Float(
        0.1,
        config=True,
        help="""The fraction by which the db should culled when one of the limits is exceeded

        In general, the db size will spend most of its time with a size in the range:

        [limit * (1-cull_fraction), limit]

        for each of size_limit and record_limit.
        """,
    )
    hash_indexes = List(
        ["msg_id", "client_uuid", "engine_uuid"],
        config=True,
        help="Top-level fields with an equality (hash) index: ==, $in and null need no scan.",
    )
    sorted_indexes = List(
        list(DATE_FIELDS),
        config=True,
        help="""Top-level datetime fields with a sorted index (ranges, == and null need no scan).

        'submitted' is always indexed: it orders get_history() and culling.
        """,
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lock = threading.RLock()
        #: seq -> the packed record (its id at [1]), in insertion order
        self._rows: dict[int, Packed] = {}
        #: record id -> seq
        self._seq: dict[Hashable, int] = {}
        self._next_seq = 0
        self._culled_ids: set[Hashable] = set()
        self._buffer_bytes = 0
        self._set_indexes(self._new_indexes())
        self._limits()

    # --- configuration -------------------------------------------------------------------

    def _new_indexes(self) -> dict[str, Index]:
        idx: dict[str, Index] = {f: HashIndex(f) for f in self.hash_indexes}
        for f in ["submitted", *self.sorted_indexes]:
            idx[f] = SortedIndex(f)
        return idx

    def _set_indexes(self, indexes: dict[str, Index]) -> None:
        """Use ``indexes`` (complete: they index every stored record)."""
        self._indexes = indexes
        self._fields = tuple(indexes)
        #: ``(seq, values of self._fields)`` of records added but not yet indexed
        self._pending: list[tuple[int, tuple[Any, ...]]] = []

    def _flush(self) -> None:
        """Index the records added since the last flush (call under the lock).

        add_record only notes a new record's indexed values: indexing them in batches (the
        dates sorted once and appended in bulk) costs a fraction of one record at a time.
        Every reader of the indexes flushes first.
        """
        pending = self._pending
        if pending:
            self._pending = []
            for j, index in enumerate(self._indexes.values()):
                index.add_many(pending, j)

    def _live_indexes(self) -> dict[str, Index]:
        """The indexes, up to date (call under the lock)."""
        if self._pending:
            self._flush()
        return self._indexes

    def _submitted_index(self) -> SortedIndex:
        """The index on 'submitted': always a sorted one (it orders history and culling)."""
        index = self._live_indexes()["submitted"]
        assert isinstance(index, SortedIndex), "_new_indexes makes 'submitted' sorted"
        return index

    @observe("hash_indexes", "sorted_indexes")
    def _indexes_changed(self, change: Any) -> None:
        if not hasattr(self, "_lock"):
            return  # during __init__
        with self._lock:
            indexes = self._new_indexes()
            self._reindex(indexes)
            self._set_indexes(indexes)

    @observe("size_limit", "record_limit", "cull_fraction")
    def _limits_changed(self, change: Any) -> None:
        self._limits()

    def _limits(self) -> None:
        # Plain attributes: reading a trait on every add_record costs more than the add.
        self._size_limit = self.size_limit
        self._record_limit = self.record_limit
        self._cull_fraction = self.cull_fraction

    def _reindex(self, indexes: dict[str, Index]) -> None:
        for seq, t in self._rows.items():
            for f, index in indexes.items():
                index.add(seq, field(t, f, MISSING))

    # --- dates, bytes and culling -------------------------------------------------------

    def _checked_dates(self, rec: Mapping[str, Any]) -> Mapping[str, Any]:
        """``rec`` with valid timestamps: itself, or a shallow copy giving naive ones a zone
        (the caller's dict is never changed).  ValueError if one is not a datetime."""
        fixed: dict[str, Any] | None = None
        for key in DATE_FIELDS:
            value = rec.get(key)
            if value is None or (type(value) is datetime and value.tzinfo is not None):
                continue
            if not isinstance(value, datetime):
                raise ValueError(f"{key} must be None or datetime, not {value!r}")
            if value.tzinfo is None or value.utcoffset() is None:
                self.log.warning("Timestamps should always have timezones: %s=%s", key, value)
                if fixed is None:
                    fixed = dict(rec)
                fixed[key] = value.astimezone()  # local time, like ipyparallel's tzlocal()
        return rec if fixed is None else fixed

    def _cull_oldest(self, n: int = 1) -> int:
        """Cull the ``n`` oldest records (by submitted); return how many were culled."""
        rows = self._rows
        victims = [rows[s][1] for s in self._submitted_index().first(n)]
        for rid in victims:
            self.log.debug("Culling record: %r", rid)
            self._culled_ids.add(rid)
            self._drop(rid)
        return len(victims)

    def _maybe_cull(self) -> None:
        # cull by count:
        if len(self._rows) > self._record_limit:
            to_cull = int(self._cull_fraction * self._record_limit)
            self.log.info(
                "%i records exceeds limit of %i, culling oldest %i",
                len(self._rows),
                self._record_limit,
                to_cull,
            )
            self._cull_oldest(to_cull)

        # cull by size:
        if self._buffer_bytes > self._size_limit:
            limit = self._size_limit * (1 - self._cull_fraction)
            before = self._buffer_bytes
            before_count = len(self._rows)
            culled = 0
            while self._buffer_bytes > limit:
                if not self._cull_oldest(1):
                    break  # only records without 'submitted' remain (ipyparallel loops forever)
                culled += 1
            self.log.info(
                "%i records with total buffer size %i exceeds limit: %i. Culled oldest %i records.",
                before_count,
                before,
                self._size_limit,
                culled,
            )

    def _drop(self, rid: Hashable) -> None:
        indexes = self._live_indexes()
        seq = self._seq.pop(rid)
        t = self._rows.pop(seq)
        for f, index in indexes.items():
            index.remove(seq, field(t, f, MISSING))
        self._buffer_bytes -= _stored_buffer_size(t)

    # --- public API ----------------------------------------------------------------------

    def add_record(self, msg_id: Hashable, rec: dict[str, Any]) -> None:
        """Add a new Task Record, by msg_id."""
        with self._lock:
            if msg_id in self._seq:
                raise KeyError(f"Already have msg_id {msg_id!r}")
            checked: Mapping[str, Any] = rec
            get: Callable[..., Any] = rec.get
            for key in DATE_FIELDS:  # the common case inline: None or an aware datetime
                value = get(key)
                if value is not None and (type(value) is not datetime or value.tzinfo is None):
                    checked = self._checked_dates(rec)
                    get = checked.get
                    break
            t = pack(checked, msg_id)
            seq = self._next_seq
            self._next_seq = seq + 1
            self._rows[seq] = t
            self._seq[msg_id] = seq
            if self._culled_ids:
                self._culled_ids.discard(msg_id)
            pending = self._pending
            pending.append((seq, tuple(map(get, self._fields))))
            if len(pending) >= INDEX_BATCH:
                self._flush()
            if get("buffers") or get("result_buffers"):
                self._buffer_bytes += _buffer_size(get)
            if len(self._rows) > self._record_limit or self._buffer_bytes > self._size_limit:
                self._maybe_cull()
                self._maybe_cull()  # ipyparallel checks twice (in _add_bytes and after it)

    def get_record(self, msg_id: Hashable) -> dict[str, Any]:
        """Get a specific Task Record, by msg_id."""
        with self._lock:
            seq = self._seq.get(msg_id)
            if seq is None:
                if msg_id in self._culled_ids:
                    raise KeyError(f"Record {msg_id!r} has been culled for size")
                raise KeyError(f"No such msg_id {msg_id!r}")
            t = self._rows[seq]
        return unpack(t)

    def update_record(self, msg_id: Hashable, rec: dict[str, Any]) -> None:
        """Update the data in an existing record."""
        with self._lock:
            if msg_id in self._culled_ids and msg_id not in self._seq:
                raise KeyError(f"Record {msg_id!r} has been culled for size")
            upd = self._checked_dates(rec)
            seq = self._seq.get(msg_id)
            if seq is None:
                raise KeyError(f"No such msg_id {msg_id!r}")
            old = self._rows[seq]
            merged = unpack(old)  # our own copy: the update goes into it, then it is packed
            merged.update(upd)
            for f, index in self._live_indexes().items():
                if f in upd:
                    before = field(old, f, MISSING)
                    if not index.same_key(before, upd[f]):
                        index.remove(seq, before)
                        index.add(seq, upd[f])
            self._rows[seq] = pack(merged, msg_id)
            if any(k in upd for k in _BUFFER_FIELDS):
                self._buffer_bytes += _buffer_size(merged.get) - _stored_buffer_size(old)
            if len(self._rows) > self._record_limit or self._buffer_bytes > self._size_limit:
                self._maybe_cull()  # as ipyparallel, which re-checks the limits on every update

    def drop_record(self, msg_id: Hashable) -> None:
        """Remove a record from the DB."""
        with self._lock:
            if msg_id not in self._seq:
                raise KeyError(f"No such msg_id {msg_id!r}")
            self._drop(msg_id)

    def drop_matching_records(self, check: querylang.QueryLike) -> None:
        """Remove every record matching ``check`` from the DB."""
        q = querylang.query(check)
        with self._lock:
            for t in self._select(q):
                self._drop(t[1])

    def find_records(
        self,
        check: querylang.QueryLike,
        keys: Iterable[str] | None = None,
        *,
        read_only: bool = False,
    ) -> list[Any]:
        """Find records matching a query, optionally extracting a subset of keys.

        Returns a list of matching records, in insertion order.

        Parameters
        ----------
        check : dict, str, querylang.Query or AST node
            the query (a MongoDB filter document, query text, ...)
        keys : list of strs [optional]
            if specified, the subset of keys to extract.  msg_id will *always* be
            included; a key a record lacks is left out (MongoDB projection).
        read_only : bool [optional, taskdb only]
            whole records as read-only mappings (:class:`taskdb.frozen.FrozenRecord`:
            nested documents read-only too, lists as tuples) instead of copies: several
            times cheaper per record.  Ignored with ``keys``.
        """
        q = querylang.query(check)
        with self._lock:
            exact, rows = self._candidates(q)
        # Outside the lock: packed records are immutable, a snapshot stays consistent.
        with paused_gc(len(rows)):
            if not exact:
                rows = matching(rows, q.optimized, q.predicate)
            if keys:
                return projection(keys)(rows)
            if read_only:
                return freeze_all(rows)
            return copy_all(rows)

    def get_history(self) -> list[Hashable]:
        """get all msg_ids, ordered by time submitted."""
        with self._lock:
            rows = self._rows
            return [rows[s][1] for s in self._submitted_index().ordered()]

    # --- planning ------------------------------------------------------------------------

    def plan(self, check: querylang.QueryLike) -> QueryPlan:
        """The plan ``find_records(check)`` would run (a snapshot of the index statistics)."""
        q = querylang.query(check)
        with self._lock:
            return plan(q.optimized, self._live_indexes(), len(self._rows))

    def explain(self, check: querylang.QueryLike) -> PlanExplanation:
        """The query's stages, the plan and the generated predicate (``str()`` to read)."""
        q = querylang.query(check)
        return PlanExplanation(querylang.explain(q), self.plan(q))

    def _candidates(self, q: querylang.Query) -> tuple[bool, list[Packed]]:
        """``(exact, packed records)``: the plan's candidates in insertion order.

        Call under the lock; the list is a snapshot that stays valid after it is released.
        """
        p = plan_tree(q.optimized, self._live_indexes(), len(self._rows))
        cand = p.ids()
        rows = self._rows
        if cand is None:
            return p.exact, list(rows.values())
        return p.exact, [rows[s] for s in sorted(cand)]

    def _select(self, q: querylang.Query) -> list[Packed]:
        """The packed records that match, in insertion order.  Call under the lock."""
        exact, rows = self._candidates(q)
        if exact:
            return rows
        with paused_gc(len(rows)):
            return matching(rows, q.optimized, q.predicate)

    # --- consistency (for tests and debugging) --------------------------------------------

    def check_indexes(self) -> None:
        """Raise AssertionError unless every index equals a fresh rebuild from the records."""
        with self._lock:
            fresh = self._new_indexes()
            self._reindex(fresh)
            for f, index in self._live_indexes().items():
                if index.state() != fresh[f].state():
                    raise AssertionError(f"index {f!r} is out of date")
            if self._buffer_bytes != sum(map(_stored_buffer_size, self._rows.values())):
                raise AssertionError("buffer byte count is out of date")
            if {t[1]: s for s, t in self._rows.items()} != self._seq:
                raise AssertionError("record ids and seqs are out of date")

    def __len__(self) -> int:
        return len(self._rows)
