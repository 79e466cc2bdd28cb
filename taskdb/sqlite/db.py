"""SQLiteDB: task records in a SQLite file, with the same exact answers as DictDB.

A drop-in for ipyparallel's ``SQLiteDB`` (traits ``filename``, ``location``, ``table``;
``ipcontroller --IPController.db_class=taskdb.SQLiteDB``) with DictDB's interface and
MongoDB semantics.  Queries become SQL through :mod:`querylang.sql`: the WHERE clause
selects a superset of the matches, and the compiled predicate runs only on the selected
rows SQL cannot vouch for.  Every write is one transaction committed before the call
returns (WAL; see docs/backends.md for durability).

One connection per database object, serialised by a lock: threads share it safely, and
other processes (the CLI) read the same file through WAL snapshots while the hub writes.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Hashable, Iterable, Iterator
from functools import lru_cache, partial
from typing import Any

from traitlets import Bool, Enum, Float, Integer, Unicode

import querylang
from querylang.sql import SQLITE, SQLFilter
from querylang.sql.document import LAZY, fill, has_binary, load
from querylang.sql.pushdown import compile_filter

from ..base import BaseDB
from ..sqlbackend import DATE_FIELDS, checked, first, matching, project
from .connection import Connection
from .explain import SQLiteExplain
from .schema import (
    INSERT_COLUMNS,
    LAYOUT,
    MEMORY,
    SYNCHRONOUS,
    DatabaseFileError,
    connect,
    q,
    row_values,
)

__all__ = ["SQLiteDB", "DatabaseFileError", "DATE_FIELDS"]

_HISTORY_RANGE = "BETWEEN -9223372036854775808 AND 9223372036854775807"
_first = first
#: The SQL filter of an optimized query on this schema (cached by query).
_filter = lru_cache(maxsize=2048)(partial(compile_filter, layout=LAYOUT, dialect=SQLITE))
_checked, _project = checked, project


class SQLiteDB(BaseDB):
    """SQLite3 TaskRecord backend."""

    filename = Unicode(
        "tasks.db",
        config=True,
        help="""The filename of the sqlite task database. [default: 'tasks.db']""",
    )
    location = Unicode(
        "",
        config=True,
        help="""The directory containing the sqlite task database.  The default
        is to use the cluster_dir location.""",
    )
    table = Unicode(
        "ipython-tasks",
        config=True,
        help="""The SQLite Table to use for storing tasks for this session. If unspecified,
        a new table will be created with the Hub's IDENT.  Specifying the table will result
        in tasks from previous sessions being available via Clients' db_query and
        get_result methods.""",
    )
    synchronous = Enum(
        SYNCHRONOUS,
        "NORMAL",
        config=True,
        help="""SQLite's synchronous setting (in WAL mode).  NORMAL: a record is durable once
        the call returns if the process dies (kill -9, crash); the last commits may be lost
        if the machine loses power.  FULL: also survives power loss, at the cost of an
        fsync per write.""",
    )
    commit_interval = Float(
        0.0,
        config=True,
        help="""0 (default): commit every write before the call returns.  > 0: commit at
        most every this many seconds, so a crash may lose the writes of the last interval;
        faster for many small writes.""",
    )
    busy_timeout = Float(
        10.0, config=True, help="Seconds to wait for another process's write lock."
    )
    cache_mib = Integer(
        64, config=True, help="SQLite's page cache for this database, at most, in MiB."
    )
    readonly = Bool(
        False,
        config=True,
        help="Open the file read-only (never created or changed; writes raise).",
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not self.table:
            # use session, and prefix _, since starting with # is illegal
            self.table = "_" + self.session.replace("-", "_")
        if not self.location:
            self.location = _profile_location()
        memory = self.filename == MEMORY
        self.path = MEMORY if memory else os.path.join(self.location, self.filename)
        self._t = q(self.table)
        con = connect(
            self.path,
            self.table,
            readonly=self.readonly,
            synchronous=self.synchronous,
            timeout=self.busy_timeout,
            cache_mib=self.cache_mib,
        )
        self._store = Connection(con, self.path, self.commit_interval, self.readonly)
        self._fetch = self._store.fetch
        self._reading = self._store.reading
        self._writing = self._store.writing

    # --- connection ------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        return self._store.connection()

    def flush(self) -> None:
        """Commit writes still pending under ``commit_interval`` (a no-op otherwise)."""
        self._store.flush()

    def close(self) -> None:
        """Commit anything pending and close the file (idempotent)."""
        self._store.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown: nothing left to report to
            pass

    # --- writing -------------------------------------------------------------------------

    def _row(self, msg_id: Hashable, rec: dict[str, Any]) -> tuple[Any, ...]:
        if not isinstance(msg_id, str):
            raise TypeError(f"SQLiteDB keys records by str msg_id, not {type(msg_id).__name__}")
        return row_values(msg_id, rec)

    def add_record(self, msg_id: Hashable, rec: dict[str, Any]) -> None:
        """Add a new Task Record, by msg_id (KeyError if it is already stored)."""
        self.add_records([(msg_id, rec)])

    def add_records(self, items: Iterable[tuple[Hashable, dict[str, Any]]]) -> None:
        """Add ``(msg_id, record)`` pairs in one transaction: all of them, or none
        (KeyError for a msg_id already stored, TypeError/ValueError for a bad record)."""
        sql = (
            f"INSERT INTO {self._t} ({', '.join(INSERT_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(INSERT_COLUMNS))})"
        )
        current: list[Hashable] = [None]

        def rows() -> Iterator[tuple[Any, ...]]:
            for msg_id, rec in items:
                current[0] = msg_id
                yield self._row(msg_id, _checked(rec, self.log))

        with self._writing() as con:
            try:
                con.executemany(sql, rows())
            except sqlite3.IntegrityError:
                raise KeyError(f"Already have msg_id {current[0]!r}") from None

    def get_record(self, msg_id: Hashable) -> dict[str, Any]:
        """Get a specific Task Record, by msg_id."""
        rows = self._fetch(f"SELECT doc, bin FROM {self._t} WHERE msg_id = ?", (msg_id,))
        if not rows:
            raise KeyError(f"No such msg_id {msg_id!r}")
        return load(rows[0][0], rows[0][1])

    def update_record(self, msg_id: Hashable, rec: dict[str, Any]) -> None:
        """Update the data in an existing record (``dict.update``, atomically)."""
        update = _checked(rec, self.log)
        sets = ", ".join(f"{c} = ?" for c in INSERT_COLUMNS[1:])
        with self._writing() as con:
            row = con.execute(
                f"SELECT seq, doc, bin FROM {self._t} WHERE msg_id = ?", (msg_id,)
            ).fetchone()
            if row is None:
                raise KeyError(f"No such msg_id {msg_id!r}")
            seq, doc, blob = row
            new = load(doc, blob)
            new.update(update)
            values = self._row(msg_id, new)[1:]
            con.execute(f"UPDATE {self._t} SET {sets} WHERE seq = ?", (*values, seq))

    def drop_record(self, msg_id: Hashable) -> None:
        """Remove a record from the DB."""
        with self._writing() as con:
            cur = con.execute(f"DELETE FROM {self._t} WHERE msg_id = ?", (msg_id,))
            if cur.rowcount == 0:
                raise KeyError(f"No such msg_id {msg_id!r}")

    def drop_matching_records(self, check: querylang.QueryLike) -> None:
        """Remove every record matching ``check`` from the DB (atomically)."""
        qq = querylang.query(check)
        f = self.sql(qq)
        if f.where == "FALSE":
            return
        t = self._t
        with self._writing() as con:
            unsure: list[tuple[int, str, bytes | None]] = []
            if f.certain != "TRUE":
                unsure = con.execute(
                    f"SELECT seq, doc, bin FROM {t} WHERE {f.where} AND ({f.certain}) IS NOT TRUE",
                    f.params,
                ).fetchall()
            if f.certain != "FALSE":
                con.execute(f"DELETE FROM {t} WHERE {f.where} AND {f.certain}", f.params)
            if unsure:
                pred = qq.predicate
                gone = [(seq,) for seq, doc, blob in unsure if pred(load(doc, blob))]
                con.executemany(f"DELETE FROM {t} WHERE seq = ?", gone)

    # --- reading -------------------------------------------------------------------------

    def sql(self, check: querylang.QueryLike) -> SQLFilter:
        """The SQL filter for a query (see :mod:`querylang.sql`)."""
        return _filter(querylang.query(check).optimized)

    def find_records(
        self, check: querylang.QueryLike, keys: Iterable[str] | None = None
    ) -> list[dict[str, Any]]:
        """Find records matching a query, optionally extracting a subset of keys.

        Returns the matches in insertion order.  With ``keys``, each result holds
        ``msg_id`` plus those of ``keys`` the record has (MongoDB projection).
        """
        qq = querylang.query(check)
        f = self.sql(qq)
        if f.where == "FALSE":
            return []
        keys = list(keys) if keys else None
        if keys is not None:
            return self._find_projected(qq, f, keys)
        # Insertion order is restored here, not by ORDER BY: rows of one index key come in
        # rowid order already, and SQLite's sort would cost a temporary B-tree per query.
        sql = f"SELECT seq, {f.certain}, doc, bin FROM {self._t} WHERE {f.where}"
        return matching(self._fetch(sql, f.params), qq)

    def _find_projected(
        self, qq: querylang.Query, f: SQLFilter, keys: list[str]
    ) -> list[dict[str, Any]]:
        """Projections leave the (maybe large) binary side-car unread unless a projected
        value holds bytes; it is then read in the same snapshot."""
        t, c = self._t, f.certain
        sql = (
            f"SELECT seq, msg_id, {c}, doc, CASE WHEN {c} THEN NULL ELSE bin END "
            f"FROM {t} WHERE {f.where}"
        )
        out = []
        pred: Callable[[Any], bool] | None = None
        with self._reading() as con:
            rows = con.execute(sql, f.params).fetchall()
            rows.sort(key=_first)
            for seq, rid, certain, doc, blob in rows:
                if certain:
                    rec = load(doc, LAZY)
                else:
                    rec = load(doc, blob)
                    if pred is None:
                        pred = qq.predicate
                    if not pred(rec):
                        continue
                p = _project(rid, rec, keys)
                if certain and has_binary(doc):
                    (blob,) = con.execute(f"SELECT bin FROM {t} WHERE seq = ?", (seq,)).fetchone()
                    p = fill(p, blob)
                out.append(p)
        return out

    def get_history(self) -> list[Hashable]:
        """get all msg_ids, ordered by time submitted."""
        rows = self._fetch(
            f"SELECT msg_id FROM {self._t} WHERE submitted {_HISTORY_RANGE} ORDER BY submitted, seq"
        )
        return [r[0] for r in rows]

    def records(self, batch: int = 500) -> Iterator[dict[str, Any]]:
        """Every record, in insertion order, read ``batch`` rows at a time (for export:
        the whole table is never in memory; records added meanwhile may be included)."""
        last = -1
        sql = f"SELECT seq, doc, bin FROM {self._t} WHERE seq > ? ORDER BY seq LIMIT ?"
        while True:
            rows = self._fetch(sql, (last, batch))
            for _, doc, blob in rows:
                yield load(doc, blob)
            if len(rows) < batch:
                return
            last = rows[-1][0]

    def __len__(self) -> int:
        ((count,),) = self._fetch(f"SELECT count(*) FROM {self._t}")
        return int(count)

    # --- explaining and checking ------------------------------------------------------------

    def explain(self, check: querylang.QueryLike) -> SQLiteExplain:
        """The query, its SQL with parameters, what is exact, the residual, SQLite's plan."""
        qq = querylang.query(check)
        f = self.sql(qq)
        sql = f"SELECT seq, {f.certain}, doc, bin FROM {self._t} WHERE {f.where}"
        with self._reading() as con:
            plan = [r[-1] for r in con.execute("EXPLAIN QUERY PLAN " + sql, f.params)]
            total = len(self)
        shown = (
            f"SELECT seq, <CERTAIN>, doc, bin FROM {self._t} WHERE <WHERE>"
            "  -- then sorted by seq (insertion order)"
        )
        return SQLiteExplain(qq, f, shown, plan, self.path, self.table, total)

    plan = explain  # the CLI asks databases for plan(check).describe()

    def check_integrity(self) -> None:
        """Raise DatabaseFileError unless SQLite's integrity check passes (for tests)."""
        problems = [r[0] for r in self._fetch("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise DatabaseFileError(f"{self.path}: {'; '.join(problems[:5])}")


def _profile_location() -> str:
    """The IPython profile directory when run inside an IPython application (the hub), as
    ipyparallel's SQLiteDB does; else the current directory."""
    try:
        from IPython.core.application import BaseIPythonApplication
    except ImportError:
        return "."
    if BaseIPythonApplication.initialized():
        app = BaseIPythonApplication.instance()
        if app.profile_dir is not None:
            return str(app.profile_dir.location)
    return "."
