"""An in-memory task-record database: a drop-in for ipyparallel's ``controller.dictdb``.

Same classes, traits and methods as ipyparallel 9.x (``BaseDB``, ``DictDB``, ``NoDB``,
``NoData``), but queries have MongoDB's semantics (through :mod:`querylang`) and run on
indexes chosen by :mod:`taskdb.planning`.  Differences from ipyparallel are listed in
docs/taskdb.md.

Storage invariant: a stored record dict is never mutated.  ``update_record`` replaces it with
an updated copy (copy-on-write of the top level; nested values are private copies that
nobody mutates), so a query can snapshot record references under the lock and run its
predicate and result copies outside it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from typing import Any

from traitlets import Float, Integer, List, observe

import querylang
from querylang.values import MISSING

from .base import BaseDB, NoData, NoDB
from .copying import (
    CopyPlan,
    copy_planned,
    copy_record,
    copy_value,
    copy_with_plan,
    intern_plan,
)
from .indexes import HashIndex, Index, SortedIndex
from .planning import PlanExplanation, QueryPlan, plan, plan_tree

__all__ = ["BaseDB", "DictDB", "NoDB", "NoData", "DATE_FIELDS"]

#: The timestamp fields: each must be a datetime or None.
DATE_FIELDS = ("submitted", "started", "completed", "received")
_BUFFER_FIELDS = ("buffers", "result_buffers")


def _buffer_size(rec: dict[str, Any]) -> int:
    total = 0
    for key in _BUFFER_FIELDS:
        for buf in rec.get(key) or ():
            total += buf.nbytes if type(buf) is memoryview else len(buf)
    return total


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
        self._records: dict[Hashable, dict[str, Any]] = {}
        self._seq: dict[Hashable, int] = {}
        self._rid_of_seq: dict[int, Hashable] = {}  # shared by the sorted indexes
        self._next_seq = 0
        self._culled_ids: set[Hashable] = set()
        self._buffer_bytes = 0
        # id(stored record) -> its CopyPlan.  Keyed by object identity so a reader holding a
        # snapshot can find it without the lock: entries exist only for stored records, and
        # a stored record's id cannot be reused while a snapshot keeps the object alive.
        self._copy_plans: dict[int, CopyPlan] = {}
        self._indexes: dict[str, Index] = self._new_indexes()
        self._limits()

    # --- configuration -------------------------------------------------------------------

    def _new_indexes(self) -> dict[str, Index]:
        idx: dict[str, Index] = {f: HashIndex(f) for f in self.hash_indexes}
        for f in ["submitted", *self.sorted_indexes]:
            idx[f] = SortedIndex(f, self._rid_of_seq)
        return idx

    def _submitted_index(self) -> SortedIndex:
        """The index on 'submitted': always a sorted one (it orders history and culling)."""
        index = self._indexes["submitted"]
        assert isinstance(index, SortedIndex), "_new_indexes makes 'submitted' sorted"
        return index

    @observe("hash_indexes", "sorted_indexes")
    def _indexes_changed(self, change: Any) -> None:
        if not hasattr(self, "_lock"):
            return  # during __init__
        with self._lock:
            self._indexes = self._new_indexes()
            self._reindex(self._indexes)

    @observe("size_limit", "record_limit", "cull_fraction")
    def _limits_changed(self, change: Any) -> None:
        self._limits()

    def _limits(self) -> None:
        # Plain attributes: reading a trait on every add_record costs more than the add.
        self._size_limit = self.size_limit
        self._record_limit = self.record_limit
        self._cull_fraction = self.cull_fraction

    def _reindex(self, indexes: dict[str, Index]) -> None:
        for rid, rec in self._records.items():
            seq = self._seq[rid]
            for f, index in indexes.items():
                index.add(rid, seq, rec.get(f, MISSING))

    # --- dates, bytes and culling -------------------------------------------------------

    def _check_dates(self, rec: dict[str, Any]) -> None:
        """Validate the timestamps of ``rec`` (our private copy) and give naive ones a zone."""
        for key in DATE_FIELDS:
            value = rec.get(key)
            if value is None or (type(value) is datetime and value.tzinfo is not None):
                continue
            if not isinstance(value, datetime):
                raise ValueError(f"{key} must be None or datetime, not {value!r}")
            if value.tzinfo is None or value.utcoffset() is None:
                self.log.warning("Timestamps should always have timezones: %s=%s", key, value)
                rec[key] = value.astimezone()  # local time, like ipyparallel's tzlocal()

    def _cull_oldest(self, n: int = 1) -> int:
        """Cull the ``n`` oldest records (by submitted); return how many were culled."""
        victims = list(self._submitted_index().ids(0, n))
        for rid in victims:
            self.log.debug("Culling record: %r", rid)
            self._culled_ids.add(rid)
            self._drop(rid)
        return len(victims)

    def _maybe_cull(self) -> None:
        # cull by count:
        if len(self._records) > self._record_limit:
            to_cull = int(self._cull_fraction * self._record_limit)
            self.log.info(
                "%i records exceeds limit of %i, culling oldest %i",
                len(self._records),
                self._record_limit,
                to_cull,
            )
            self._cull_oldest(to_cull)

        # cull by size:
        if self._buffer_bytes > self._size_limit:
            limit = self._size_limit * (1 - self._cull_fraction)
            before = self._buffer_bytes
            before_count = len(self._records)
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
        rec = self._records.pop(rid)
        seq = self._seq.pop(rid)
        del self._copy_plans[id(rec)]
        del self._rid_of_seq[seq]
        for f, index in self._indexes.items():
            index.remove(rid, seq, rec.get(f, MISSING))
        self._buffer_bytes -= _buffer_size(rec)

    # --- public API ----------------------------------------------------------------------

    def add_record(self, msg_id: Hashable, rec: dict[str, Any]) -> None:
        """Add a new Task Record, by msg_id."""
        with self._lock:
            if msg_id in self._records:
                raise KeyError(f"Already have msg_id {msg_id!r}")
            rec, cplan = copy_with_plan(rec)
            self._check_dates(rec)
            seq = self._next_seq
            self._next_seq = seq + 1
            self._records[msg_id] = rec
            self._copy_plans[id(rec)] = cplan
            self._seq[msg_id] = seq
            self._rid_of_seq[seq] = msg_id
            self._culled_ids.discard(msg_id)
            get = rec.get
            for f, index in self._indexes.items():
                index.add(msg_id, seq, get(f, MISSING))
            if get("buffers") or get("result_buffers"):
                self._buffer_bytes += _buffer_size(rec)
            if len(self._records) > self._record_limit or self._buffer_bytes > self._size_limit:
                self._maybe_cull()
                self._maybe_cull()  # ipyparallel checks twice (in _add_bytes and after it)

    def get_record(self, msg_id: Hashable) -> dict[str, Any]:
        """Get a specific Task Record, by msg_id."""
        with self._lock:
            rec = self._records.get(msg_id)
            if rec is None:
                if msg_id in self._culled_ids:
                    raise KeyError(f"Record {msg_id!r} has been culled for size")
                raise KeyError(f"No such msg_id {msg_id!r}")
        return self._copy_out(rec)

    def update_record(self, msg_id: Hashable, rec: dict[str, Any]) -> None:
        """Update the data in an existing record."""
        with self._lock:
            if msg_id in self._culled_ids and msg_id not in self._records:
                raise KeyError(f"Record {msg_id!r} has been culled for size")
            rec, uplan = copy_with_plan(rec)
            self._check_dates(rec)
            old = self._records.get(msg_id)
            if old is None:
                raise KeyError(f"No such msg_id {msg_id!r}")
            new = {**old, **rec}
            oplan = self._copy_plans.pop(id(old))
            self._copy_plans[id(new)] = intern_plan(
                tuple(e for e in oplan if e[0] not in rec) + uplan
            )
            seq = self._seq[msg_id]
            for f, index in self._indexes.items():
                if f in rec:
                    before = old.get(f, MISSING)
                    if not index.same_key(before, rec[f]):
                        index.remove(msg_id, seq, before)
                        index.add(msg_id, seq, rec[f])
            self._records[msg_id] = new
            if any(k in rec for k in _BUFFER_FIELDS):
                self._buffer_bytes += _buffer_size(new) - _buffer_size(old)
            if len(self._records) > self._record_limit or self._buffer_bytes > self._size_limit:
                self._maybe_cull()  # as ipyparallel, which re-checks the limits on every update

    def drop_record(self, msg_id: Hashable) -> None:
        """Remove a record from the DB."""
        with self._lock:
            if msg_id not in self._records:
                raise KeyError(f"No such msg_id {msg_id!r}")
            self._drop(msg_id)

    def drop_matching_records(self, check: querylang.QueryLike) -> None:
        """Remove every record matching ``check`` from the DB."""
        q = querylang.query(check)
        with self._lock:
            for rid, _ in self._select(q):
                self._drop(rid)

    def find_records(
        self, check: querylang.QueryLike, keys: Iterable[str] | None = None
    ) -> list[dict[str, Any]]:
        """Find records matching a query, optionally extracting a subset of keys.

        Returns a list of matching records, in insertion order.

        Parameters
        ----------
        check : dict, str, querylang.Query or AST node
            the query (a MongoDB filter document, query text, ...)
        keys : list of strs [optional]
            if specified, the subset of keys to extract.  msg_id will *always* be
            included; a key a record lacks is left out (MongoDB projection).
        """
        q = querylang.query(check)
        if keys:
            keys = list(keys)
            with self._lock:
                matches = self._select(q)
            return [_project(rid, rec, keys) for rid, rec in matches]
        with self._lock:
            exact, recs, _ = self._candidates(q, with_ids=False)
        # Outside the lock: stored records are never mutated, only replaced.
        if not exact:
            recs = _filter(recs, q.predicate)
        return [self._copy_out(rec) for rec in recs]

    def _copy_out(self, rec: dict[str, Any]) -> dict[str, Any]:
        """A caller's copy of a stored record (safe without the lock: see _copy_plans)."""
        cplan = self._copy_plans.get(id(rec))
        return copy_record(rec) if cplan is None else copy_planned(rec, cplan)

    def get_history(self) -> list[Hashable]:
        """get all msg_ids, ordered by time submitted."""
        with self._lock:
            return self._submitted_index().ordered()

    # --- planning ------------------------------------------------------------------------

    def plan(self, check: querylang.QueryLike) -> QueryPlan:
        """The plan ``find_records(check)`` would run (a snapshot of the index statistics)."""
        q = querylang.query(check)
        with self._lock:
            return plan(q.optimized, self._indexes, len(self._records))

    def explain(self, check: querylang.QueryLike) -> PlanExplanation:
        """The query's stages, the plan and the generated predicate (``str()`` to read)."""
        q = querylang.query(check)
        return PlanExplanation(querylang.explain(q), self.plan(q))

    def _candidates(
        self, q: querylang.Query, with_ids: bool
    ) -> tuple[bool, list[dict[str, Any]], list[Hashable] | None]:
        """``(exact, records, ids)``: the plan's candidates in insertion order.

        ``ids`` (the record ids, parallel to ``records``) only ``if with_ids``.  Call under
        the lock; the lists are a snapshot that stays valid after it is released.
        """
        p = plan_tree(q.optimized, self._indexes, len(self._records))
        cand = p.ids()
        records = self._records
        if cand is None:
            return p.exact, list(records.values()), list(records) if with_ids else None
        if len(cand) * 8 < len(records):
            seq = self._seq
            order = sorted(cand, key=seq.__getitem__)
            return p.exact, [records[rid] for rid in order], order
        if not isinstance(cand, set | frozenset):
            cand = set(cand)
        order = [rid for rid in records if rid in cand]
        return p.exact, [records[rid] for rid in order], order

    def _select(self, q: querylang.Query) -> list[tuple[Hashable, dict[str, Any]]]:
        """``[(id, record)]`` of the matches.  Call under the lock."""
        exact, recs, ids = self._candidates(q, with_ids=True)
        assert ids is not None
        if exact:
            return list(zip(ids, recs, strict=True))
        pred = q.predicate
        return [(rid, rec) for rid, rec in zip(ids, recs, strict=True) if pred(rec)]

    # --- consistency (for tests and debugging) --------------------------------------------

    def check_indexes(self) -> None:
        """Raise AssertionError unless every index equals a fresh rebuild from the records."""
        with self._lock:
            fresh = self._new_indexes()
            self._reindex(fresh)
            for f, index in self._indexes.items():
                if index.state() != fresh[f].state():
                    raise AssertionError(f"index {f!r} is out of date")
            if self._buffer_bytes != sum(_buffer_size(r) for r in self._records.values()):
                raise AssertionError("buffer byte count is out of date")
            if set(self._copy_plans) != {id(r) for r in self._records.values()}:
                raise AssertionError("copy plans are out of date")

    def __len__(self) -> int:
        return len(self._records)


def _filter(
    records: list[dict[str, Any]], predicate: Callable[[Any], bool]
) -> list[dict[str, Any]]:
    """The matching records, through the compiled ``predicate.filter_dicts`` (no call per
    record, no per-record type check: every stored record is a plain dict, see copying)."""
    fast = getattr(predicate, "filter_dicts", None)
    if fast is not None:
        matches: list[dict[str, Any]] = fast(records)
        return matches
    return [rec for rec in records if predicate(rec)]


def _project(rid: Hashable, rec: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    d = {"msg_id": rec.get("msg_id", rid)}
    for key in keys:
        if key in rec:
            d[key] = copy_value(rec[key])
    return d
