"""What PostgresDB does with a query, as text (the SQL, its parameters, exactness, the
residual, the server's plan), and the consistency check of its rows (for tests)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import psycopg

import querylang
from querylang.sql import SQLFilter
from querylang.sql.document import load

from ..sqlbackend import SQLExplain
from .connection import PostgresDBError
from .schema import INSERT_COLUMNS, row_values

if TYPE_CHECKING:
    from .db import PostgresDB

__all__ = ["PostgresExplain", "explain", "check_rows"]


class PostgresExplain(SQLExplain):
    """``PostgresDB.explain(check)``: ``str()`` is the whole explanation."""

    engine = "postgresql"


def explain(db: PostgresDB, qq: querylang.Query, f: SQLFilter) -> PostgresExplain:
    """EXPLAIN (not run) of the statement ``find_records`` runs for ``f``."""
    sql = db._select(f)

    def read(conn: psycopg.Connection[Any]) -> tuple[list[str], int]:
        plan = [r[0] for r in conn.execute("EXPLAIN " + sql, f.params).fetchall()]
        (total,) = conn.execute(f"SELECT count(*) FROM {db._t}", ()).fetchone() or (0,)
        return plan, int(total)

    plan, total = db._run(read)
    shown = (
        f"SELECT seq, <CERTAIN>, body, bin FROM {db._t} WHERE <WHERE>"
        "  -- then sorted by seq (insertion order)"
    )
    return PostgresExplain(qq, f, shown, plan, db.location, f"{db.schema}.{db.table}", total)


def check_rows(db: PostgresDB) -> None:
    """Raise PostgresDBError unless every row decodes and its shadows, flag and irregular
    paths are those its record gives.  (The JSON text itself may differ from a re-encoding:
    a zone equal to UTC decodes as ``datetime.UTC``.)"""
    cols = ("msg_id", *INSERT_COLUMNS[1:])
    body = cols.index("body")
    sql = f"SELECT {', '.join(cols)} FROM {db._t} ORDER BY seq"
    for row in db._run(lambda conn: conn.execute(sql, ()).fetchall()):
        want = row_values(row[0], load(row[body], row[-1]))
        bad = [
            f"{c}: {a!r} != {b!r}"
            for i, (c, a, b) in enumerate(zip(cols, row, want, strict=True))
            if a != b and i != body
        ]
        if bad:
            raise PostgresDBError(
                f"{db.location}: row {row[0]!r} disagrees with its record ({bad})"
            )
