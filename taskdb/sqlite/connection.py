"""One SQLite connection shared by threads: transactions, commit policy, errors.

Every use takes the lock, so threads may share a database object.  A write is one
transaction (a savepoint inside the batch transaction when commits are batched); a failed
write rolls back alone.  SQLite errors are re-raised as :class:`DatabaseFileError` naming
the file, except ``IntegrityError``, which callers turn into ``KeyError``.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .schema import DatabaseFileError

__all__ = ["Connection"]


class Connection:
    """``sqlite3.Connection`` + lock + commit policy (``commit_interval`` > 0: batched)."""

    def __init__(
        self, con: sqlite3.Connection, path: str, commit_interval: float, readonly: bool
    ) -> None:
        self._con: sqlite3.Connection | None = con
        self.path = path
        self.commit_interval = commit_interval
        self.readonly = readonly
        self.lock = threading.RLock()
        self._timer: threading.Timer | None = None

    def connection(self) -> sqlite3.Connection:
        if self._con is None:
            raise DatabaseFileError(f"{self.path}: the database is closed")
        return self._con

    def error(self, exc: sqlite3.Error) -> Exception:
        if isinstance(exc, DatabaseFileError):
            return exc
        return DatabaseFileError(f"{self.path}: {exc}")

    def fetch(self, sql: str, params: Any = ()) -> list[Any]:
        """All rows of one SELECT (one statement is one snapshot: no transaction needed)."""
        with self.lock:
            con = self.connection()
            try:
                return con.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise self.error(exc) from exc

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection, under the lock, inside one read snapshot."""
        with self.lock:
            con = self.connection()
            own = not con.in_transaction
            try:
                if own:
                    con.execute("BEGIN")
                yield con
            except sqlite3.Error as exc:
                raise self.error(exc) from exc
            finally:
                if own and con.in_transaction:
                    con.execute("COMMIT")

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: committed before returning (or within ``commit_interval``)."""
        with self.lock:
            con = self.connection()
            batch = self.commit_interval > 0
            try:
                if not con.in_transaction:
                    con.execute("BEGIN IMMEDIATE")
                con.execute("SAVEPOINT taskdb_write")
            except sqlite3.Error as exc:
                raise self.error(exc) from exc
            try:
                yield con
            except BaseException as exc:
                con.execute("ROLLBACK TO taskdb_write")
                con.execute("RELEASE taskdb_write")
                if not batch:
                    con.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error) and not isinstance(exc, sqlite3.IntegrityError):
                    raise self.error(exc) from exc
                raise
            try:
                con.execute("RELEASE taskdb_write")
                if batch:
                    self._schedule_commit()
                else:
                    con.execute("COMMIT")
            except sqlite3.Error as exc:
                raise self.error(exc) from exc

    def _schedule_commit(self) -> None:
        if self._timer is None:
            self._timer = threading.Timer(self.commit_interval, self.flush)
            self._timer.daemon = True
            self._timer.start()

    def flush(self) -> None:
        """Commit writes still pending under ``commit_interval`` (a no-op otherwise)."""
        with self.lock:
            self._timer = None
            if self._con is not None and self._con.in_transaction:
                self._con.execute("COMMIT")

    def close(self) -> None:
        """Commit anything pending and close the file (idempotent)."""
        with self.lock:
            timer, self._timer = self._timer, None
            if timer is not None:
                timer.cancel()
            con, self._con = self._con, None
            if con is None:
                return
            try:
                if con.in_transaction:
                    con.execute("COMMIT")
                if not self.readonly:
                    con.execute("PRAGMA optimize")
            finally:
                con.close()
