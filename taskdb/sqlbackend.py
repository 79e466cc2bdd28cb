"""What the SQL-backed databases (SQLiteDB, PostgresDB) share, whatever the server.

- records on the way in: the four timestamps must be datetimes or None, naive ones get the
  local zone (ipyparallel's warning), and the caller's dict is never modified;
- rows on the way out: ``(seq, certain, json, blob)`` rows decoded in insertion order, the
  compiled predicate (the *residual*) run only where SQL's ``certain`` is not true;
- projections (MongoDB's: the keys a record has, ``msg_id`` first);
- explanations: the query, the SQL filter, the statement, the server's plan.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any

import querylang
from querylang.printer import to_text
from querylang.sql import SQLFilter, describe
from querylang.sql.document import load

__all__ = ["DATE_FIELDS", "checked", "project", "matching", "SQLExplain", "first"]

#: The timestamp fields: each must be a datetime or None (as in DictDB).
DATE_FIELDS = ("submitted", "started", "completed", "received")
first = itemgetter(0)


def checked(rec: dict[str, Any], log: logging.Logger | Any) -> dict[str, Any]:
    """``rec``, or a copy with naive timestamps given the local zone (with ipyparallel's
    warning); ValueError for a timestamp that is neither a datetime nor None."""
    fixed: dict[str, Any] | None = None
    for key in DATE_FIELDS:
        value = rec.get(key)
        if value is None or (type(value) is datetime and value.tzinfo is not None):
            continue
        if not isinstance(value, datetime):
            raise ValueError(f"{key} must be None or datetime, not {value!r}")
        if value.tzinfo is None or value.utcoffset() is None:
            log.warning("Timestamps should always have timezones: %s=%s", key, value)
            if fixed is None:
                fixed = dict(rec)  # the caller's dict is never modified
            fixed[key] = value.astimezone()  # local time, like ipyparallel's tzlocal()
    return rec if fixed is None else fixed


def project(rid: str, rec: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    """MongoDB projection: ``msg_id`` (the record's own, else its key), then those of
    ``keys`` the record has."""
    d = {"msg_id": rec.get("msg_id", rid)}
    for key in keys:
        if key in rec:
            d[key] = rec[key]
    return d


def matching(rows: Iterable[Any], qq: querylang.Query) -> list[dict[str, Any]]:
    """The records of ``(seq, certain, json, blob)`` rows selected by a filter's WHERE, in
    insertion order, keeping only those that match: SQL vouches for ``certain`` rows, the
    compiled predicate decides the rest."""
    ordered = sorted(rows, key=first)
    out = []
    pred: Callable[[Any], bool] | None = None
    for _, certain, doc, blob in ordered:
        rec = load(doc, blob)
        if not certain:
            if pred is None:
                pred = qq.predicate
            if not pred(rec):
                continue
        out.append(rec)
    return out


@dataclass(frozen=True)
class SQLExplain:
    """``db.explain(check)`` of a SQL-backed database: ``str()`` is the whole explanation."""

    query: querylang.Query
    filter: SQLFilter
    statement: str  # the SELECT find_records runs
    plan: list[str]  # the server's plan for it
    location: str  # the file, or the server's URL without its password
    table: str
    total: int
    #: names the plan section ("sqlite plan:", "postgresql plan:")
    engine = "sql"

    @property
    def path(self) -> str:
        return self.location

    @property
    def exact(self) -> bool:
        """Does SQL alone decide every regular row (residual only on irregular rows)?"""
        return self.filter.exact

    def describe(self) -> str:
        """The SQL part (what ``taskdb explain`` prints for a database)."""
        lines = [
            f"database:  {self.location} (table {self.table!r}, {self.total} records)",
            f"statement: {self.statement}",
            describe(self.filter),
            f"{self.engine} plan:",
            *(f"  {line}" for line in self.plan),
        ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return f"query:     {to_text(self.query.node)}\n{self.describe()}\n"
