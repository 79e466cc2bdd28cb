"""The SQL back end: one optimized AST -> a parameterized WHERE clause, plus a residual.

- :mod:`.document`: how a document is stored (tagged JSON, binary side-car, the paths SQL
  must not trust) -- the contract every pushdown rule is proved against;
- :mod:`.layout`: the columns (JSON, irregular paths, typed shadows of top-level fields);
- :mod:`.dialect`: SQLite (JSON1) and PostgreSQL (jsonb) spellings;
- :mod:`.pushdown`: the generator -- ``where`` ⊇ matches ⊇ ``where ∧ certain``;
- :mod:`.explain`: the filter as readable text.

``to_sql(query, layout, dialect)`` is the entry point; databases run the compiled Python
predicate (``Query.predicate``) only on selected rows where ``certain`` is false.
"""

from __future__ import annotations

from ..query import QueryLike, query
from .dialect import POSTGRES, SQLITE, Dialect, PostgresDialect, SQLiteDialect
from .document import Stored, load, store
from .explain import describe
from .layout import SENTINEL, Layout, Shadow, shadow_value
from .pushdown import Part, SQLFilter, compile_filter

__all__ = [
    "to_sql",
    "SQLFilter",
    "Part",
    "Layout",
    "Shadow",
    "SENTINEL",
    "shadow_value",
    "Dialect",
    "SQLiteDialect",
    "PostgresDialect",
    "SQLITE",
    "POSTGRES",
    "Stored",
    "store",
    "load",
    "describe",
]


def to_sql(q: QueryLike | None, layout: Layout, dialect: Dialect = SQLITE) -> SQLFilter:
    """The SQL filter for any query-like input (on its optimized AST)."""
    return compile_filter(query(q).optimized, layout, dialect)
