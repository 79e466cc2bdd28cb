"""SQLite engines: taskdb's SQLiteDB, ipyparallel's SQLiteDB, and hand-written SQL on
taskdb's schema (the floor: the query a person would write for exactly this workload, on the
same file layout, decoding rows the same way).

Each store is a fresh file in a temporary directory, deleted when the engine closes.  After
the timed insert, the file is checkpointed and measured (bytes on disk per record), closed,
and *reopened*: queries run on the reopened file, and the first ``msg_id`` lookup after
reopening is timed (:data:`STATS`).
"""

from __future__ import annotations

import logging
import os
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from typing import Any

from .engines import ALL_ENGINES, Engine
from .workloads import Record, Workload

#: (engine name, records) -> measurements the report shows (bytes on disk, reopen lookup).
STATS: dict[tuple[str, int], dict[str, Any]] = {}
FILENAME = "tasks.db"


def _disk_bytes(path: str) -> int:
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))


class _FileStore(Engine):
    """A store in a file of its own; every file made is deleted on close."""

    store = True

    def __init__(self) -> None:
        super().__init__()
        self._made: list[tuple[Any, str]] = []  # (store, directory)

    def _dir(self) -> str:
        return tempfile.mkdtemp(prefix=f"taskdb-bench-{self.name}-")

    def _close_store(self, store: Any) -> None:
        store.close()

    def adopt(self, records: list[Record], store: Any) -> None:
        for s, d in self._made:
            if s is not store:
                self._close_store(s)
                shutil.rmtree(d, ignore_errors=True)
        self._made = [(s, d) for s, d in self._made if s is store]
        super().adopt(records, self._reopen(store, records))

    def _reopen(self, store: Any, records: list[Record]) -> Any:
        return store

    def close(self) -> None:
        for s, d in self._made:
            try:
                self._close_store(s)
            finally:
                shutil.rmtree(d, ignore_errors=True)
        self._made.clear()
        self.db = None


class OursSQLite(_FileStore):
    name = "sqlite"
    label = "taskdb SQLiteDB (file, WAL)"
    requires = ("taskdb.sqlite",)
    dist = "taskdb"

    def version(self) -> str:
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"

    def insert(self, records: list[Record]) -> Any:
        from taskdb import SQLiteDB

        db = SQLiteDB(location=self._dir(), filename=FILENAME)
        db.add_records((r["msg_id"], r) for r in records)  # one transaction
        self._made.append((db, db.location))
        return db

    def _reopen(self, store: Any, records: list[Record]) -> Any:
        """Measure the file, close it, and reopen it: the queries run on a reopened file."""
        from taskdb import SQLiteDB

        store._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        stats = STATS.setdefault((self.name, len(records)), {})
        stats["disk_bytes"] = _disk_bytes(store.path)
        location = store.location
        store.close()
        t0 = time.perf_counter()
        db = SQLiteDB(location=location, filename=FILENAME)
        stats["open_s"] = time.perf_counter() - t0
        if records:
            ids = [records[(i * 7919) % len(records)]["msg_id"] for i in range(50)]
            t0 = time.perf_counter()
            first = db.find_records({"msg_id": ids[0]})
            stats["first_lookup_s"] = time.perf_counter() - t0
            assert [r["msg_id"] for r in first] == [ids[0]]
            times = []
            for m in ids[1:]:
                t0 = time.perf_counter()
                db.find_records({"msg_id": m})
                times.append(time.perf_counter() - t0)
            stats["lookup_s"] = statistics.median(times)
            t0 = time.perf_counter()
            db.get_record(ids[-1])
            stats["get_record_s"] = time.perf_counter() - t0
        self._made = [(db, location)]
        return db

    def prepare(self, wl: Workload) -> Any:
        # Parsed once, outside the timed region, like the floor's SQL (a caller that keeps
        # its Query, as the hub's repeated queries could); parsing is measured on its own.
        import querylang

        return querylang.query(wl.mongo)

    def find(self, prepared: Any) -> Any:
        return self.db.find_records(prepared)

    def history(self) -> list[str]:
        return list(self.db.get_history())


class IPyParallelSQLite(_FileStore):
    """ipyparallel 9's SQLiteDB: its add_record does not commit (a 2 s timer does); the
    insert workload commits once at the end."""

    name = "ipyparallel_sqlite"
    label = "ipyparallel SQLiteDB"
    requires = ("ipyparallel.controller.sqlitedb",)
    dist = "ipyparallel"

    def insert(self, records: list[Record]) -> Any:
        from ipyparallel.controller.sqlitedb import SQLiteDB

        log = logging.getLogger("benchmarks.ipyparallel_sqlite")
        log.setLevel(logging.CRITICAL)
        d = self._dir()
        db = SQLiteDB(location=d, filename=FILENAME, log=log)
        add = db.add_record
        for r in records:
            add(r["msg_id"], r)
        db._db.commit()
        self._made.append((db, d))
        return db

    def _reopen(self, store: Any, records: list[Record]) -> Any:
        stats = STATS.setdefault((self.name, len(records)), {})
        stats["disk_bytes"] = _disk_bytes(os.path.join(store.location, FILENAME))
        return store

    def find(self, prepared: Any) -> Any:
        return self.db.find_records(prepared)

    def history(self) -> list[str]:
        return list(self.db.get_history())


def _micros(iso: str) -> int:
    t = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return (t - datetime(1970, 1, 1, tzinfo=UTC)) // _US


_US = datetime(1970, 1, 1, 0, 0, 0, 1) - datetime(1970, 1, 1)
_STATUS = "json_extract(doc, '$.result_header.status')"
#: The hand-written SQL per workload: (WHERE clause, parameters from the workload's params).
_FLOOR: dict[str, tuple[str, Any]] = {
    "pending": ("completed IS NULL", lambda p: ()),
    "client_outstanding": ("client_uuid = ? AND completed IS NULL", lambda p: (p["client"],)),
    "msg_id_lookup": ("msg_id = ?", lambda p: (p["msg_id"],)),
    "engine_in": ("engine_uuid IN (?, ?, ?)", lambda p: tuple(p["engines"])),
    "time_range": (
        "submitted > ? AND submitted < ?",
        lambda p: (_micros(p["t1"]), _micros(p["t2"])),
    ),
    "status_ne_ok": (f"{_STATUS} IS NOT 'ok'", lambda p: ()),
    "or_error_resubmitted": (
        f"{_STATUS} = 'error' OR json_extract(doc, '$.resubmitted') IS NOT NULL",
        lambda p: (),
    ),
    "exists_ename": ("json_type(doc, '$.result_content.ename') IS NOT NULL", lambda p: ()),
    "engine_nin": (
        "engine_uuid NOT IN (?, ?)",  # NOT IN is never true for NULL: null excluded
        lambda p: tuple(p["engines"][:2]),
    ),
    "regex_msg_type": (
        "json_extract(doc, '$.header.msg_type') GLOB 'execute*'",
        lambda p: (),
    ),
    "and4": (
        "client_uuid = ? AND json_extract(doc, '$.header.msg_type') = 'apply_request' "
        f"AND submitted >= ? AND {_STATUS} = 'ok'",
        lambda p: (p["client"], _micros(p["t3"])),
    ),
    "no_match": ("client_uuid = 'no-such-client'", lambda p: ()),
    "empty": ("1", lambda p: ()),
}


class HandWrittenSQL(_FileStore):
    """The floor: a person's SQL for each workload on taskdb's schema (shadow columns and
    JSON functions, no exactness checks), rows decoded as SQLiteDB decodes them."""

    name = "sql"
    label = "hand-written SQL (taskdb schema)"
    requires = ("taskdb.sqlite",)

    def insert(self, records: list[Record]) -> Any:
        from taskdb.sqlite.schema import INSERT_COLUMNS, connect, row_values

        d = self._dir()
        con = connect(os.path.join(d, FILENAME), "tasks")
        sql = (
            f"INSERT INTO tasks ({', '.join(INSERT_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(INSERT_COLUMNS))})"
        )
        con.execute("BEGIN")
        con.executemany(sql, (row_values(r["msg_id"], r) for r in records))
        con.execute("COMMIT")
        self._made.append((con, d))
        return con

    def _reopen(self, store: Any, records: list[Record]) -> Any:
        """As for taskdb's: checkpointed, measured, closed and reopened."""
        import sqlite3

        (store, d), *_ = [(s, d) for s, d in self._made if s is store]
        store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        path = os.path.join(d, FILENAME)
        STATS.setdefault((self.name, len(records)), {})["disk_bytes"] = _disk_bytes(path)
        store.close()
        con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._made = [(con, d)]
        return con

    def prepare(self, wl: Workload) -> Any:
        floor = _FLOOR.get(wl.name)
        if floor is None:
            return None
        where, params = floor
        return f"SELECT doc, bin FROM tasks WHERE {where} ORDER BY seq", params(wl.params)

    def find(self, prepared: Any) -> Any:
        from querylang.sql.document import load

        sql, params = prepared
        return [load(doc, blob) for doc, blob in self.db.execute(sql, params).fetchall()]

    def history(self) -> list[str]:
        rows = self.db.execute(
            "SELECT msg_id FROM tasks WHERE submitted IS NOT NULL ORDER BY submitted, seq"
        )
        return [r[0] for r in rows]


ENGINES: tuple[type[Engine], ...] = (OursSQLite, HandWrittenSQL, IPyParallelSQLite)
ALL_ENGINES.update((e.name, e) for e in ENGINES)


def stats_for(n: int) -> dict[str, Any]:
    """The file measurements taken at ``n`` records, by engine."""
    return {name: dict(v) for (name, size), v in STATS.items() if size == n}
