"""PostgreSQL engines: taskdb's PostgresDB, and hand-written SQL on the same schema (the
floor: the query a person would write for exactly this workload, on the same table and
indexes, decoding rows the same way).

The server is ``TASKDB_BENCH_POSTGRES_URL`` (else ``TASKDB_POSTGRES_URL``, else the local
test server); an unreachable one skips both engines.  Every table lives in a schema of
this run's own, ``taskdb_bench_<random>``, dropped when the engines close: nothing large is
left behind.  After the timed insert (``add_records``: COPY), the table is ANALYZEd, and
``add_record`` one call at a time (a round trip and a commit each) is measured on a
sample beside it (:data:`STATS`), with the msg_id lookup of a fresh database object.
"""

from __future__ import annotations

import atexit
import os
import secrets
import statistics
import time
from datetime import datetime
from typing import Any

from .engines import ALL_ENGINES, Engine
from .workloads import Record, Workload

#: (engine name, records) -> measurements the report shows.
STATS: dict[tuple[str, int], dict[str, Any]] = {}
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
#: add_record one at a time is measured on this many records.
SINGLE_ADDS = 2000


def server_url() -> str:
    return (
        os.environ.get("TASKDB_BENCH_POSTGRES_URL")
        or os.environ.get("TASKDB_POSTGRES_URL")
        or DEFAULT_URL
    )


class _Schema:
    """This process's benchmark schema: made on first use, dropped by :meth:`drop`."""

    name: str | None = None
    _registered = False

    @classmethod
    def get(cls) -> str:
        if cls.name is None:
            import psycopg

            name = f"taskdb_bench_{secrets.token_hex(4)}"
            with psycopg.connect(server_url(), autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{name}"')
            cls.name = name
            if not cls._registered:  # an engine that fails to load is never closed
                atexit.register(cls.drop)
                cls._registered = True
        return cls.name

    @classmethod
    def drop_table(cls, table: str) -> None:
        import psycopg

        if cls.name is not None:
            with psycopg.connect(server_url(), autocommit=True) as conn:
                conn.execute(f'DROP TABLE IF EXISTS "{cls.name}"."{table}"')

    @classmethod
    def drop(cls) -> None:
        import psycopg

        name, cls.name = cls.name, None
        if name is not None:
            with psycopg.connect(server_url(), autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


class _ServerStore(Engine):
    """A store in a table of its own; tables are dropped as stores are discarded."""

    store = True
    requires = ("psycopg", "psycopg_pool", "taskdb.postgres")

    def __init__(self) -> None:
        super().__init__()
        self._made: list[tuple[Any, str]] = []  # (store, table)
        self._count = 0

    def unavailable(self) -> str | None:
        why = super().unavailable()
        if why:
            return why
        import psycopg

        try:
            with psycopg.connect(server_url(), connect_timeout=3) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error as exc:
            from taskdb.postgres import redact

            return f"no PostgreSQL server at {redact(server_url())} ({str(exc).strip()[:120]})"
        return None

    def version(self) -> str:
        try:
            import psycopg

            with psycopg.connect(server_url(), connect_timeout=3) as conn:
                v = conn.info.server_version
        except Exception:  # noqa: BLE001 - no server: unavailable() says why
            return "?"
        return f"PostgreSQL {v // 10000}.{v % 10000}, psycopg {psycopg.__version__}"

    def _table(self) -> str:
        self._count += 1
        return f"{self.name}_{self._count}"

    def _close_store(self, store: Any) -> None:
        store.close()

    def adopt(self, records: list[Record], store: Any) -> None:
        for s, t in self._made:
            if s is not store:
                self._close_store(s)
                _Schema.drop_table(t)
        self._made = [(s, t) for s, t in self._made if s is store]
        (table,) = [t for s, t in self._made]
        self._after_insert(store, table, records)
        super().adopt(records, store)

    def _after_insert(self, store: Any, table: str, records: list[Record]) -> None:
        _analyze(table)

    def close(self) -> None:
        for s, t in self._made:
            try:
                self._close_store(s)
            finally:
                _Schema.drop_table(t)
        self._made.clear()
        self.db = None
        if not any(isinstance(e, _ServerStore) and e._made for e in _LIVE):
            _Schema.drop()


_LIVE: list[_ServerStore] = []


def _analyze(table: str) -> None:
    """Fresh planner statistics, as autovacuum would give a table of that size."""
    import psycopg

    with psycopg.connect(server_url(), autocommit=True) as conn:
        conn.execute(f'VACUUM ANALYZE "{_Schema.get()}"."{table}"')


class OursPostgres(_ServerStore):
    name = "postgres"
    label = "taskdb PostgresDB"
    dist = "taskdb"

    def __init__(self) -> None:
        super().__init__()
        _LIVE.append(self)

    def _open(self, table: str, **kw: Any) -> Any:
        from taskdb import PostgresDB

        return PostgresDB(url=server_url(), schema=_Schema.get(), table=table, **kw)

    def insert(self, records: list[Record]) -> Any:
        table = self._table()
        db = self._open(table)
        db.add_records((r["msg_id"], r) for r in records)  # one transaction: COPY
        self._made.append((db, table))
        return db

    def _after_insert(self, store: Any, table: str, records: list[Record]) -> None:
        """ANALYZE, then: add_record one call at a time on a sample (a round trip and a
        commit each), and lookups through a fresh database object."""
        _analyze(table)
        stats = STATS.setdefault((self.name, len(records)), {})
        sample = records[:SINGLE_ADDS]
        for key, sync in (("single_add_s", ""), ("single_add_async_s", "off")):
            name = f"{table}_{key}"
            single = self._open(name, synchronous_commit=sync)
            t0 = time.perf_counter()
            for r in sample:
                single.add_record(r["msg_id"], r)
            stats[key] = (time.perf_counter() - t0) / max(1, len(sample))
            single.close()
            _Schema.drop_table(name)
        if records:
            stats.update(lookups(self._open(table), records))

    def prepare(self, wl: Workload) -> Any:
        import querylang

        return querylang.query(wl.mongo)

    def find(self, prepared: Any) -> Any:
        return self.db.find_records(prepared)

    def history(self) -> list[str]:
        return list(self.db.get_history())


def lookups(db: Any, records: list[Record], count: int = 200) -> dict[str, float]:
    """Median seconds of ``find_records({"msg_id": m})`` and ``get_record(m)`` for spread
    ids, end to end (query to records), on ``db`` (closed afterwards)."""
    ids = [records[(i * 7919) % len(records)]["msg_id"] for i in range(count)]
    try:
        t0 = time.perf_counter()
        first = db.find_records({"msg_id": ids[0]})
        out = {"first_lookup_s": time.perf_counter() - t0}
        assert [r["msg_id"] for r in first] == [ids[0]]
        times, gets = [], []
        for m in ids[1:]:
            t0 = time.perf_counter()
            found = db.find_records({"msg_id": m})
            times.append(time.perf_counter() - t0)
            assert found[0]["msg_id"] == m
            t0 = time.perf_counter()
            db.get_record(m)
            gets.append(time.perf_counter() - t0)
        out["lookup_s"] = statistics.median(times)
        out["lookup_p90_s"] = statistics.quantiles(times, n=10)[-1]
        out["get_record_s"] = statistics.median(gets)
        return out
    finally:
        db.close()


def _ts(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


_STATUS = "doc #>> '{result_header,status}'"
#: The hand-written SQL per workload: (WHERE clause, parameters from the workload's params).
_FLOOR: dict[str, tuple[str, Any]] = {
    "pending": ("completed IS NULL", lambda p: ()),
    "client_outstanding": ("client_uuid = %s AND completed IS NULL", lambda p: (p["client"],)),
    "msg_id_lookup": ("msg_id = %s", lambda p: (p["msg_id"],)),
    "engine_in": ("engine_uuid = ANY(%s)", lambda p: (list(p["engines"]),)),
    "time_range": (
        "submitted > %s AND submitted < %s",
        lambda p: (_ts(p["t1"]), _ts(p["t2"])),
    ),
    "status_ne_ok": (f"{_STATUS} IS DISTINCT FROM 'ok'", lambda p: ()),
    "or_error_resubmitted": (
        """doc @> '{"result_header": {"status": "error"}}' OR doc->>'resubmitted' IS NOT NULL""",
        lambda p: (),
    ),
    "exists_ename": ("doc #> '{result_content,ename}' IS NOT NULL", lambda p: ()),
    "engine_nin": (
        "engine_uuid <> ALL(%s)",  # never true for NULL: null excluded
        lambda p: (list(p["engines"][:2]),),
    ),
    "regex_msg_type": (
        "doc #>> '{header,msg_type}' COLLATE \"C\" LIKE 'execute%%'",
        lambda p: (),
    ),
    "and4": (
        """client_uuid = %s AND doc @> '{"header": {"msg_type": "apply_request"}}' """
        """AND submitted >= %s AND doc @> '{"result_header": {"status": "ok"}}'""",
        lambda p: (p["client"], _ts(p["t3"])),
    ),
    "no_match": ("client_uuid = 'no-such-client'", lambda p: ()),
    "empty": ("TRUE", lambda p: ()),
}


class HandWrittenPostgres(_ServerStore):
    """The floor: a person's SQL for each workload on PostgresDB's schema (shadow columns,
    jsonb operators and its GIN index, no exactness checks), rows decoded as PostgresDB
    decodes them, over one connection."""

    name = "postgres_sql"
    label = "hand-written SQL (PostgresDB schema)"

    def __init__(self) -> None:
        super().__init__()
        _LIVE.append(self)

    def insert(self, records: list[Record]) -> Any:
        import psycopg

        from taskdb.postgres.db import _COPY_TYPES as COPY_TYPES
        from taskdb.postgres.schema import INSERT_COLUMNS, row_values
        from taskdb.postgres.tables import open_table

        table = self._table()
        conn = psycopg.connect(server_url(), autocommit=True)
        open_table(conn, "bench", _Schema.get(), table)
        cols = ", ".join(INSERT_COLUMNS)
        with conn.transaction(), conn.cursor() as cur:
            copy_sql = f'COPY "{_Schema.get()}"."{table}" ({cols}) FROM STDIN (FORMAT BINARY)'
            with cur.copy(copy_sql) as copy:
                copy.set_types(COPY_TYPES)
                for r in records:
                    copy.write_row(row_values(r["msg_id"], r))
        self._made.append((conn, table))
        return conn

    def prepare(self, wl: Workload) -> Any:
        floor = _FLOOR.get(wl.name)
        if floor is None:
            return None
        where, params = floor
        (table,) = [t for _, t in self._made]
        sql = f'SELECT body, bin FROM "{_Schema.get()}"."{table}" WHERE {where} ORDER BY seq'
        return sql, params(wl.params)

    def find(self, prepared: Any) -> Any:
        from querylang.sql.document import load

        sql, params = prepared
        return [load(body, blob) for body, blob in self.db.execute(sql, params).fetchall()]

    def history(self) -> list[str]:
        (table,) = [t for _, t in self._made]
        rows = self.db.execute(
            f'SELECT msg_id FROM "{_Schema.get()}"."{table}" '
            "WHERE submitted IS NOT NULL ORDER BY submitted, seq"
        )
        return [r[0] for r in rows]


ENGINES: tuple[type[Engine], ...] = (OursPostgres, HandWrittenPostgres)
ALL_ENGINES.update((e.name, e) for e in ENGINES)


def stats_for(n: int) -> dict[str, Any]:
    """The measurements taken at ``n`` records, by engine."""
    return {name: dict(v) for (name, size), v in STATS.items() if size == n}
