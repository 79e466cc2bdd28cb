"""Connections to the server: a pool, timeouts, clear errors, and one safe retry.

Every call takes a connection from a ``psycopg_pool`` pool (threads share a database
object; other processes use their own).  Connections are in autocommit mode: a read is one
statement (one snapshot); a write is one explicit transaction.

**Failures.**  Errors name the server by its URL *without its password*.  A connection
that breaks (the server restarted, ``pg_terminate_backend``, a network cut) before a
transaction's COMMIT was sent rolled the transaction back, so the call is retried once on a
fresh connection.  If it breaks while COMMIT is in flight, the outcome is unknown: that is
an error saying so (the record is whole or absent, never half-written: one transaction).
Connecting has a timeout (``connect_timeout``), and so does waiting for a free connection
(``pool_timeout``): a server that is down is an error, never a hang.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from .url import redact, scrub

__all__ = ["PostgresDBError", "Server", "connect"]

T = TypeVar("T")

#: libpq keepalives: a peer that vanished is noticed in about a minute, not hours.
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


class PostgresDBError(psycopg.OperationalError):
    """The server cannot be used, or a call failed on it (the message names the server by
    its URL without the password, and says why)."""


def connect(
    url: str, connect_timeout: float, application_name: str = "taskdb"
) -> psycopg.Connection[Any]:
    """One connection, or PostgresDBError naming the server and the reason."""
    params: dict[str, Any] = {
        "connect_timeout": max(1, round(connect_timeout)),
        "application_name": application_name,
        **KEEPALIVES,
    }
    try:
        return psycopg.connect(url, autocommit=True, **params)
    except psycopg.Error as exc:
        reason = scrub(str(exc).strip(), url)
        raise PostgresDBError(f"{redact(url)}: cannot connect: {reason}") from None


def _configure(settings: dict[str, str]) -> Callable[[psycopg.Connection[Any]], None] | None:
    """A pool hook setting session parameters (``SET name = value``) on new connections."""
    if not settings:
        return None

    def configure(conn: psycopg.Connection[Any]) -> None:
        for name, value in settings.items():
            conn.execute("SELECT set_config(%s, %s, false)", (name, value))

    return configure


class Server:
    """A pool of connections to one server, and the retry policy above."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int,
        connect_timeout: float,
        pool_timeout: float,
        name: str = "taskdb",
        application_name: str = "taskdb",
        settings: dict[str, str] | None = None,
    ) -> None:
        self.url = url
        self.shown = redact(url)
        self.pool_timeout = pool_timeout
        self._closed = False
        self._lock = threading.Lock()
        self.pool = ConnectionPool(
            url,
            kwargs={
                "autocommit": True,
                "connect_timeout": max(1, round(connect_timeout)),
                "application_name": application_name,
                **KEEPALIVES,
            },
            min_size=1,
            max_size=max(1, pool_size),
            timeout=pool_timeout,
            reconnect_timeout=max(connect_timeout * 3, 30.0),
            name=name,
            open=False,
            configure=_configure(settings or {}),
        )
        try:
            self.pool.open(wait=True, timeout=connect_timeout + 5)
        except PoolTimeout:
            self.pool.close()
            raise PostgresDBError(
                f"{self.shown}: cannot connect within {connect_timeout + 5:g} s"
            ) from None

    def error(self, exc: BaseException, doing: str = "") -> PostgresDBError:
        what = f" {doing}" if doing else ""
        return PostgresDBError(f"{self.shown}:{what} {scrub(str(exc).strip(), self.url)}")

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        if self._closed:
            raise PostgresDBError(f"{self.shown}: the database is closed")
        try:
            with self.pool.connection(timeout=self.pool_timeout) as conn:
                yield conn
        except PoolTimeout:
            raise PostgresDBError(
                f"{self.shown}: no connection within {self.pool_timeout:g} s "
                "(the server is down or unreachable, or every pooled connection is busy)"
            ) from None

    def run(
        self,
        fn: Callable[[psycopg.Connection[Any]], T],
        *,
        write: bool = False,
        verify: Callable[[psycopg.Connection[Any]], bool | None] | None = None,
        readonly: bool = False,
    ) -> T:
        """``fn(conn)``: in one transaction when ``write``; retried once on a fresh
        connection if the connection broke before COMMIT was sent.

        If it broke while COMMIT was in flight, ``verify`` (if given) settles the outcome
        once the old server process is gone: True, the write is there (done); False, it is
        certainly not (retried); None, unknown (an error saying so).  A ``readonly``
        transaction (a snapshot for several reads) is retried whenever it broke.
        """
        for attempt in (0, 1):
            committing = False
            with self._connection() as conn:
                pid = conn.info.backend_pid
                try:
                    if not write:
                        return fn(conn)
                    with conn.transaction():
                        result = fn(conn)
                        committing = not readonly
                    return result
                except psycopg.Error as exc:
                    if not conn.broken and not conn.closed:
                        # the server's answer: not retried; a duplicate key is the
                        # caller's to translate (KeyError)
                        if isinstance(exc, psycopg.IntegrityError | PostgresDBError):
                            raise
                        raise self.error(exc) from exc
                    reason = scrub(str(exc).strip(), self.url)
                    if attempt and not committing:
                        raise self.error(exc, "connection lost (after one retry):") from None
            # The server may have dropped every pooled connection (a restart): check them
            # all before going on, so that the next statement runs on a live one.
            try:
                self.pool.check()
            except Exception:  # noqa: BLE001 - the next attempt reports what is wrong
                pass
            if committing:
                outcome = None if verify is None else self._settle(pid, verify)
                if outcome is True:
                    return result
                if outcome is None or attempt:
                    raise PostgresDBError(
                        f"{self.shown}: the connection was lost while committing ({reason}); "
                        "the write may or may not have been applied"
                    )
        raise AssertionError("unreachable")  # pragma: no cover

    def _settle(
        self, pid: int, verify: Callable[[psycopg.Connection[Any]], bool | None]
    ) -> bool | None:
        """``verify`` on a fresh connection once server process ``pid`` has exited (its
        transaction is then committed or rolled back for good); None if it lingers."""
        try:
            with self._connection() as conn:
                deadline = time.monotonic() + 5.0
                alive = "SELECT 1 FROM pg_stat_activity WHERE pid = %s"
                while conn.execute(alive, (pid,)).fetchone() is not None:
                    if time.monotonic() > deadline:
                        return None
                    time.sleep(0.01)
                return verify(conn)
        except psycopg.Error:
            return None

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self.pool.close()
