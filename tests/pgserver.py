"""The PostgreSQL server the tests use, and this test run's own schema on it.

``TASKDB_TEST_POSTGRES_URL`` names the server (default
``postgresql://postgres@127.0.0.1:5432/test``).  Each test run works in a schema of its own,
``taskdb_test_<random>``, created on first use and dropped at the end of the session
(``tests/conftest.py``), whatever the outcome.  With ``CI=true`` an unreachable server fails
the tests that need it; elsewhere they are skipped with a message saying how to point them
at a server.
"""

from __future__ import annotations

import os
import secrets
from functools import cache
from typing import Any

import pytest

ENV = "TASKDB_TEST_POSTGRES_URL"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
_state: dict[str, str] = {}


def url() -> str:
    return os.environ.get(ENV) or DEFAULT_URL


@cache
def _problem() -> str | None:
    """None when the server answers; else why not."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - a test dependency
        return f"psycopg is not installed ({exc})"
    try:
        with psycopg.connect(url(), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        from taskdb.postgres import redact

        return f"{redact(url())}: {str(exc).strip()}"
    return None


def require() -> None:
    """Skip (fail in CI) unless the server answers."""
    problem = _problem()
    if problem is None:
        return
    message = (
        f"PostgreSQL server unreachable ({problem}); set {ENV} to a server's URL "
        f"(default {DEFAULT_URL}) to run the PostgresDB tests"
    )
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def schema() -> str:
    """This test run's schema (created on first use; :func:`drop` removes it)."""
    require()
    if "schema" not in _state:
        import psycopg

        name = f"taskdb_test_{secrets.token_hex(4)}"
        with psycopg.connect(url(), autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{name}"')
        _state["schema"] = name
    return _state["schema"]


def drop() -> None:
    """Drop this run's schema, if one was made (every table in it goes too)."""
    name = _state.pop("schema", None)
    if name is None:
        return
    import psycopg

    with psycopg.connect(url(), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def sql(statement: str, params: Any = None) -> list[Any]:
    """Run one statement on a connection of its own (autocommit); its rows, if any."""
    import psycopg

    with psycopg.connect(url(), autocommit=True) as conn:
        cur = conn.execute(statement, params)
        return cur.fetchall() if cur.description else []


_counter = iter(range(10**9))


def table_name(prefix: str = "t") -> str:
    """A table name not used before in this run."""
    return f"{prefix}_{next(_counter)}_{secrets.token_hex(2)}"


def open_db(table: str | None = None, **kw: Any) -> Any:
    """A PostgresDB on a fresh table (or ``table``) in this run's schema."""
    from taskdb import PostgresDB

    return PostgresDB(url=url(), schema=schema(), table=table or table_name(), **kw)
