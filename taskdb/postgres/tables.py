"""Opening a table on the server safely: checks first, then (only if absent) creation.

Opening never writes before the table is known to be absent, or a taskdb table of a
version this taskdb reads, with exactly taskdb's columns: a table someone else made, a
newer schema, or a server taskdb cannot use (too old, not UTF8) is a clear error naming the
server (without the password), the schema and the table, and nothing is changed.  Two
processes opening the same absent table at once create it once (an advisory lock).
"""

from __future__ import annotations

from typing import Any

import psycopg

from .connection import PostgresDBError
from .schema import COLUMNS, REGISTRY, SCHEMA_VERSION, ddl, ident, qname, registry_ddl

__all__ = ["open_table", "MIN_SERVER"]

#: Generated columns and jsonb_path_ops GIN indexes: PostgreSQL 12.
MIN_SERVER = 120000


def _fail(shown: str, why: str) -> PostgresDBError:
    return PostgresDBError(f"{shown}: {why}")


def _check_server(conn: psycopg.Connection[Any], shown: str) -> None:
    version = conn.info.server_version
    if version < MIN_SERVER:
        raise _fail(shown, f"PostgreSQL {version // 10000} is too old (taskdb needs 12+)")
    (encoding,) = conn.execute("SHOW server_encoding").fetchone() or ("?",)
    if encoding.upper() not in ("UTF8", "UTF-8"):
        raise _fail(
            shown,
            f"the database's encoding is {encoding}, not UTF8: taskdb compares strings "
            "byte-wise as UTF-8 (create the database with ENCODING 'UTF8')",
        )


def _exists(conn: psycopg.Connection[Any], schema: str, name: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p')",
        (schema, name),
    ).fetchone()
    return row is not None


def _columns(conn: psycopg.Connection[Any], schema: str, table: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        "WHERE a.attrelid = (quote_ident(%s) || '.' || quote_ident(%s))::regclass "
        "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (schema, table),
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def _validate(conn: psycopg.Connection[Any], shown: str, schema: str, table: str) -> bool:
    """True if the table exists and is ours (raises if it is not); False if absent."""
    where = f"table {table!r} in schema {schema!r}"
    if not _exists(conn, schema, table):
        return False
    version = None
    if _exists(conn, schema, REGISTRY):
        row = conn.execute(
            f"SELECT schema_version FROM {qname(schema, REGISTRY)} WHERE name = %s", (table,)
        ).fetchone()
        version = None if row is None else row[0]
    cols = _columns(conn, schema, table)
    if version is None:
        shown_cols = ", ".join(name for name, _ in cols)
        raise _fail(
            shown,
            f"{where} was not made by taskdb (its columns: {shown_cols}); "
            "set PostgresDB.table (or PostgresDB.schema) to another name",
        )
    if version > SCHEMA_VERSION:
        raise _fail(
            shown,
            f"{where} has schema version {version}, newer than this taskdb reads "
            f"({SCHEMA_VERSION}): upgrade taskdb to open it",
        )
    if version < SCHEMA_VERSION:  # pragma: no cover - there is only version 1 so far
        raise _fail(shown, f"{where} has old schema version {version}")
    if cols != list(COLUMNS):
        foreign = [c for c in cols if c not in COLUMNS]
        missing = [c for c in COLUMNS if c not in cols]
        raise _fail(
            shown,
            f"{where} does not have taskdb's columns "
            f"(unexpected: {foreign or 'none'}; missing: {missing or 'none'})",
        )
    return True


def open_table(conn: psycopg.Connection[Any], shown: str, schema: str, table: str) -> str:
    """Check (and, if absent, create) ``schema.table``; returns the schema's name (the
    current schema when ``schema`` is empty)."""
    for name in (schema, table):
        ident(name)  # length and NUL checks before any SQL
    try:
        _check_server(conn, shown)
        if not schema:
            row = conn.execute("SELECT current_schema()").fetchone()
            schema = row[0] if row and row[0] else ""
            if not schema:
                raise _fail(shown, "no current schema (search_path): set PostgresDB.schema")
        with conn.transaction():
            conn.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", (f"taskdb:{schema}.{table}",)
            )
            if _validate(conn, shown, schema, table):
                return schema
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {ident(schema)}", ())
            conn.execute(registry_ddl(schema), ())
            lz4 = conn.execute(
                "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
                "AND 'lz4' = ANY(enumvals)"
            ).fetchone()
            for stmt in ddl(schema, table, lz4=lz4 is not None):
                conn.execute(stmt, ())  # () : "%%" in names is unescaped
            # (a registry row left by a table someone dropped is replaced)
            conn.execute(
                f"INSERT INTO {qname(schema, REGISTRY)} (name, schema_version) VALUES (%s, %s) "
                "ON CONFLICT (name) DO UPDATE SET schema_version = EXCLUDED.schema_version, "
                "created = now()",
                (table, SCHEMA_VERSION),
            )
    except PostgresDBError:
        raise
    except psycopg.Error as exc:
        raise _fail(shown, f"cannot open table {table!r} in schema {schema!r}: {exc}") from None
    return schema
