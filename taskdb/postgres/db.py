"""PostgresDB: task records on a PostgreSQL server, with the same exact answers as DictDB.

``ipcontroller --IPController.db_class=taskdb.PostgresDB --PostgresDB.url=postgresql://...``
(or ``TASKDB_POSTGRES_URL``).  DictDB's interface and MongoDB semantics; queries become SQL
through :mod:`querylang.sql`'s PostgreSQL dialect: the WHERE clause selects a superset of
the matches, and the compiled predicate runs only on selected rows SQL cannot vouch for.
Every write is one transaction, committed before the call returns.  Many processes may
share one table; each database object keeps a small pool of connections.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable, Iterator
from functools import lru_cache, partial
from typing import Any

import psycopg
from traitlets import Enum, Float, Integer, Unicode, default

import querylang
from querylang.sql import POSTGRES, SQLFilter
from querylang.sql.document import LAZY, fill, has_binary, load
from querylang.sql.pushdown import compile_filter

from ..base import BaseDB
from ..sqlbackend import checked, first, matching, project
from .connection import PostgresDBError, Server, connect
from .explain import PostgresExplain, check_rows, explain
from .schema import INSERT_COLUMNS, LAYOUT, check_key, qname, row_values
from .tables import open_table
from .url import ENV, default_url, redact

__all__ = ["PostgresDB", "PostgresDBError", "PostgresExplain"]

#: The SQL filter of an optimized query on this schema (cached by query).
_filter = lru_cache(maxsize=2048)(partial(compile_filter, layout=LAYOUT, dialect=POSTGRES))
#: COPY's binary types for INSERT_COLUMNS.
_COPY_TYPES = [
    "text",
    "int2",
    "text",
    "text",
    *(["timestamptz"] * 4),
    "text[]",
    "text",
    "bytea",
]
#: add_records of more than this many records streams them with COPY.
COPY_ABOVE = 16


def _duplicate(exc: psycopg.Error) -> KeyError:
    detail = exc.diag.message_detail or ""
    # "Key (msg_id)=(m1) already exists."
    key = detail[len("Key (msg_id)=(") : -len(") already exists.")] if "(msg_id)" in detail else ""
    return KeyError(f"Already have msg_id {key!r}" if key else "Already have msg_id")


class PostgresDB(BaseDB):
    """PostgreSQL TaskRecord backend (MongoDB semantics, exact answers)."""

    url = Unicode(
        config=True,
        help=f"""The server, as a libpq URL (postgresql://user:password@host:5432/dbname) or
        key=value string.  Defaults to the {ENV} environment variable.  The password is
        never logged or shown in errors.""",
    )
    schema = Unicode(
        "",
        config=True,
        help="""The schema holding the table (created if missing).  Empty: the connection's
        current schema (the first of search_path, normally 'public').""",
    )
    table = Unicode(
        "ipython_tasks",
        config=True,
        help="""The table storing tasks.  If empty, a new table is named after the Hub's
        session.  A fixed name keeps tasks from previous sessions available via Clients'
        db_query and get_result methods.""",
    )
    pool_size = Integer(
        4, config=True, help="Connections this database object keeps to the server, at most."
    )
    connect_timeout = Float(
        10.0, config=True, help="Seconds to wait for the server to accept a connection."
    )
    pool_timeout = Float(
        15.0,
        config=True,
        help="Seconds a call waits for a pooled connection (the server down: then an error).",
    )

    synchronous_commit = Enum(
        ("", "on", "off", "local", "remote_write", "remote_apply"),
        "",
        config=True,
        help="""PostgreSQL's synchronous_commit for this database's sessions.  Empty: the
        server's setting (normally 'on': a write is on disk before its call returns, ~1-5 ms
        of fsync per write).  'off': the call returns before the server flushes its log
        (~10x faster small writes); if the *server* crashes, the last few hundred ms of
        writes may be lost, never half-written; the hub dying loses nothing.""",
    )
    application_name = Unicode(
        "taskdb",
        config=True,
        help="How this database's connections appear in pg_stat_activity.",
    )

    @default("url")
    def _url_default(self) -> str:
        return default_url()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not self.url:
            raise PostgresDBError(
                f"PostgresDB needs a server: set PostgresDB.url or {ENV} "
                "(e.g. postgresql://user@127.0.0.1:5432/dbname)"
            )
        if not self.table:
            self.table = "_" + self.session.replace("-", "_")
        self.location = redact(self.url)
        conn = connect(self.url, self.connect_timeout, self.application_name)
        try:
            self.schema = open_table(conn, self.location, self.schema, self.table)
        finally:
            conn.close()
        self._t = t = qname(self.schema, self.table)
        cols = ", ".join(INSERT_COLUMNS)
        self._insert = (
            f"INSERT INTO {t} ({cols}) VALUES ({', '.join(['%s'] * len(INSERT_COLUMNS))})"
        )
        # COPY takes no parameters, so psycopg leaves "%%" as it is: undo ident()'s doubling
        self._copy = f"COPY {t} ({cols}) FROM STDIN (FORMAT BINARY)".replace("%%", "%")
        self._update = (
            f"UPDATE {t} SET {', '.join(f'{c} = %s' for c in INSERT_COLUMNS[1:])} WHERE msg_id = %s"
        )
        self._server = Server(
            self.url,
            pool_size=self.pool_size,
            connect_timeout=self.connect_timeout,
            pool_timeout=self.pool_timeout,
            name=f"taskdb-{self.table}",
            application_name=self.application_name,
            settings={"synchronous_commit": self.synchronous_commit}
            if self.synchronous_commit
            else None,
        )
        self._run = self._server.run

    # --- connection ------------------------------------------------------------------------

    def flush(self) -> None:
        """Nothing to do: every write is committed before its call returns."""

    def close(self) -> None:
        """Close the pool's connections (idempotent)."""
        server = getattr(self, "_server", None)
        if server is not None:
            server.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown: nothing left to report to
            pass

    # --- writing -------------------------------------------------------------------------

    def _row(self, msg_id: Hashable, rec: dict[str, Any]) -> tuple[Any, ...]:
        return row_values(check_key(msg_id), checked(rec, self.log))

    def add_record(self, msg_id: Hashable, rec: dict[str, Any]) -> None:
        """Add a new Task Record, by msg_id (KeyError if it is already stored)."""
        row = self._row(msg_id, rec)
        try:
            self._run(
                lambda conn: conn.execute(self._insert, row),
                write=True,
                verify=self._verify_added([row]),
            )
        except psycopg.errors.UniqueViolation:
            raise KeyError(f"Already have msg_id {msg_id!r}") from None

    def _verify_added(
        self, rows: list[tuple[Any, ...]]
    ) -> Callable[[psycopg.Connection[Any]], bool | None]:
        """After a connection lost in COMMIT: were these rows inserted (True), certainly
        not (False), or can we not tell (None: some are there, or differ)?"""
        body = INSERT_COLUMNS.index("body")
        sql = f"SELECT msg_id, body, bin FROM {self._t} WHERE msg_id = ANY(%s)"

        def verify(conn: psycopg.Connection[Any]) -> bool | None:
            want = {row[0]: (row[body], row[-1]) for row in rows}
            found = {m: (b, x) for m, b, x in conn.execute(sql, (list(want),)).fetchall()}
            if not found:
                return False
            if found == want:
                return True
            return None

        return verify

    def add_records(self, items: Iterable[tuple[Hashable, dict[str, Any]]]) -> None:
        """Add ``(msg_id, record)`` pairs in one transaction: all of them, or none
        (KeyError for a msg_id already stored, TypeError/ValueError for a bad record).

        Large batches stream with COPY: records are encoded while the server stores the
        ones before (a bad record aborts the COPY, and the transaction stores nothing)."""
        pending = iter(items)
        head = [self._row(m, r) for m, r in itertools.islice(pending, COPY_ABOVE + 1)]
        if not head:
            return
        # every row encoded so far, in order: a retry re-sends them, then goes on
        produced: list[tuple[Any, ...]] = list(head)

        def more() -> Iterator[tuple[Any, ...]]:
            for m, r in pending:
                row = self._row(m, r)
                produced.append(row)
                yield row

        def write(conn: psycopg.Connection[Any]) -> None:
            if len(head) <= COPY_ABOVE:
                with conn.cursor() as cur:
                    cur.executemany(self._insert, head)
                return
            with conn.cursor() as cur, cur.copy(self._copy) as copy:
                copy.set_types(_COPY_TYPES)
                for row in itertools.chain(list(produced), more()):
                    copy.write_row(row)

        try:
            self._run(write, write=True, verify=self._verify_added(produced))
        except psycopg.errors.UniqueViolation as exc:
            raise _duplicate(exc) from None

    def get_record(self, msg_id: Hashable) -> dict[str, Any]:
        """Get a specific Task Record, by msg_id."""
        if not isinstance(msg_id, str):
            raise KeyError(f"No such msg_id {msg_id!r}")
        sql = f"SELECT body, bin FROM {self._t} WHERE msg_id = %s"
        row = self._run(lambda conn: conn.execute(sql, (msg_id,)).fetchone())
        if row is None:
            raise KeyError(f"No such msg_id {msg_id!r}")
        return load(row[0], row[1])

    def update_record(self, msg_id: Hashable, rec: dict[str, Any]) -> None:
        """Update the data in an existing record (``dict.update``, atomically)."""
        update = checked(rec, self.log)
        select = f"SELECT body, bin FROM {self._t} WHERE msg_id = %s FOR UPDATE"

        written: list[tuple[Any, ...]] = []

        def write(conn: psycopg.Connection[Any]) -> None:
            row = conn.execute(select, (msg_id,)).fetchone()
            if row is None:
                raise KeyError(f"No such msg_id {msg_id!r}")
            new = load(row[0], row[1])
            new.update(update)
            values = self._row(msg_id, new)
            written[:] = [values]
            conn.execute(self._update, (*values[1:], msg_id))

        def verify(conn: psycopg.Connection[Any]) -> bool | None:
            # the updated record is there (True); else unknown: the update may have been
            # applied and overwritten since, so it is not re-applied blindly
            return self._verify_added(written)(conn) or None

        if not isinstance(msg_id, str):
            raise KeyError(f"No such msg_id {msg_id!r}")
        self._run(write, write=True, verify=verify)

    def drop_record(self, msg_id: Hashable) -> None:
        """Remove a record from the DB."""
        sql = f"DELETE FROM {self._t} WHERE msg_id = %s"

        def write(conn: psycopg.Connection[Any]) -> None:
            if conn.execute(sql, (msg_id,)).rowcount == 0:
                raise KeyError(f"No such msg_id {msg_id!r}")

        if not isinstance(msg_id, str):
            raise KeyError(f"No such msg_id {msg_id!r}")
        self._run(write, write=True)

    def drop_matching_records(self, check: querylang.QueryLike) -> None:
        """Remove every record matching ``check`` from the DB (atomically)."""
        qq = querylang.query(check)
        f = self.sql(qq)
        if f.where == "FALSE":
            return
        t = self._t

        def write(conn: psycopg.Connection[Any]) -> None:
            unsure: list[Any] = []
            if f.certain != "TRUE":
                unsure = conn.execute(
                    f"SELECT seq, body, bin FROM {t} WHERE {f.where} AND ({f.certain}) "
                    "IS NOT TRUE FOR UPDATE",
                    f.params,
                ).fetchall()
            if f.certain != "FALSE":
                conn.execute(f"DELETE FROM {t} WHERE {f.where} AND {f.certain}", f.params)
            if unsure:
                pred = qq.predicate
                gone = [seq for seq, body, blob in unsure if pred(load(body, blob))]
                if gone:
                    conn.execute(f"DELETE FROM {t} WHERE seq = ANY(%s)", (gone,))

        self._run(write, write=True)

    # --- reading -------------------------------------------------------------------------

    def sql(self, check: querylang.QueryLike) -> SQLFilter:
        """The SQL filter for a query (see :mod:`querylang.sql`)."""
        return _filter(querylang.query(check).optimized)

    def _select(self, f: SQLFilter) -> str:
        return f"SELECT seq, {f.certain}, body, bin FROM {self._t} WHERE {f.where}"

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
        if keys:
            return self._find_projected(qq, f, list(keys))
        sql = self._select(f)
        return matching(self._run(lambda conn: conn.execute(sql, f.params).fetchall()), qq)

    def _find_projected(
        self, qq: querylang.Query, f: SQLFilter, keys: list[str]
    ) -> list[dict[str, Any]]:
        """Projections leave the (maybe large) binary side-car unread unless a projected
        value holds bytes; it is then read in the same snapshot."""
        t, c = self._t, f.certain
        sql = (
            f"SELECT seq, msg_id, {c}, body, CASE WHEN {c} THEN NULL ELSE bin END "
            f"FROM {t} WHERE {f.where}"
        )
        fetch_bins = f"SELECT seq, bin FROM {t} WHERE seq = ANY(%s)"

        def read(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            rows = conn.execute(sql, f.params).fetchall()
            rows.sort(key=first)
            out: list[tuple[int, dict[str, Any], bool]] = []
            pred = None
            for seq, rid, certain, body, blob in rows:
                if certain:
                    rec = load(body, LAZY)
                else:
                    rec = load(body, blob)
                    if pred is None:
                        pred = qq.predicate
                    if not pred(rec):
                        continue
                out.append((seq, project(rid, rec, keys), bool(certain and has_binary(body))))
            need = [seq for seq, _, lazy in out if lazy]
            if not need:
                return [p for _, p, _ in out]
            bins = dict(conn.execute(fetch_bins, (need,)).fetchall())
            return [fill(p, bins[seq]) if lazy else p for seq, p, lazy in out]

        return self._run(read, write=True, readonly=True)

    def get_history(self) -> list[Hashable]:
        """get all msg_ids, ordered by time submitted."""
        sql = f"SELECT msg_id FROM {self._t} WHERE submitted IS NOT NULL ORDER BY submitted, seq"
        return [r[0] for r in self._run(lambda conn: conn.execute(sql, ()).fetchall())]

    def records(self, batch: int = 500) -> Iterator[dict[str, Any]]:
        """Every record, in insertion order, read ``batch`` rows at a time (for export:
        the whole table is never in memory; records added meanwhile may be included)."""
        last = -1
        sql = f"SELECT seq, body, bin FROM {self._t} WHERE seq > %s ORDER BY seq LIMIT %s"

        def page(conn: psycopg.Connection[Any]) -> list[Any]:
            return conn.execute(sql, (last, batch)).fetchall()

        while True:
            rows = self._run(page)
            for _, body, blob in rows:
                yield load(body, blob)
            if len(rows) < batch:
                return
            last = rows[-1][0]

    def __len__(self) -> int:
        row = self._run(lambda conn: conn.execute(f"SELECT count(*) FROM {self._t}", ()).fetchone())
        return int(row[0]) if row else 0

    # --- explaining and checking ---------------------------------------------------------

    def explain(self, check: querylang.QueryLike) -> PostgresExplain:
        """The query, its SQL with parameters, what is exact, the residual, the server's
        plan (EXPLAIN, not run)."""
        qq = querylang.query(check)
        return explain(self, qq, self.sql(qq))

    plan = explain  # the CLI asks databases for plan(check).describe()

    def check_integrity(self) -> None:
        """Raise PostgresDBError unless every row decodes and its shadows, flag and
        irregular paths are those its record gives (for tests)."""
        check_rows(self)
