"""What SQLiteDB does with a query, as text: the SQL, its parameters, exactness, residual."""

from __future__ import annotations

from ..sqlbackend import SQLExplain

__all__ = ["SQLiteExplain"]


class SQLiteExplain(SQLExplain):
    """``SQLiteDB.explain(check)``: ``str()`` is the whole explanation."""

    engine = "sqlite"

    @property
    def sqlite_plan(self) -> list[str]:
        """EXPLAIN QUERY PLAN's lines."""
        return self.plan
