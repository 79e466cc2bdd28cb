"""What SQLiteDB does with a query, as text: the SQL, its parameters, exactness, residual."""

from __future__ import annotations

from dataclasses import dataclass

import querylang
from querylang.printer import to_text
from querylang.sql import SQLFilter, describe

__all__ = ["SQLiteExplain"]


@dataclass(frozen=True)
class SQLiteExplain:
    """``SQLiteDB.explain(check)``: ``str()`` is the whole explanation."""

    query: querylang.Query
    filter: SQLFilter
    statement: str  # the SELECT find_records runs
    sqlite_plan: list[str]  # EXPLAIN QUERY PLAN
    path: str
    table: str
    total: int

    @property
    def exact(self) -> bool:
        """Does SQL alone decide every regular row (residual only on irregular rows)?"""
        return self.filter.exact

    def describe(self) -> str:
        """The SQL part (what ``taskdb explain`` prints for a database file)."""
        lines = [
            f"database:  {self.path} (table {self.table!r}, {self.total} records)",
            f"statement: {self.statement}",
            describe(self.filter),
            "sqlite plan:",
            *(f"  {line}" for line in self.sqlite_plan),
        ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return f"query:     {to_text(self.query.node)}\n{self.describe()}\n"
