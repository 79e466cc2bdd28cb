"""PostgresDB: the task database on a PostgreSQL server, with MongoDB's exact answers.

:mod:`.url` (the default URL, redacting passwords), :mod:`.connection` (the pool,
timeouts, errors and the retry policy), :mod:`.schema` (columns, indexes, row values),
:mod:`.tables` (opening a table safely: version and column checks, creation), :mod:`.db`
(the database class), :mod:`.explain` (explanations, the row check).  Queries are compiled
by :mod:`querylang.sql`'s PostgreSQL dialect.  Needs ``psycopg`` 3 and ``psycopg_pool``
(``pip install 'taskdb[postgres]'``).
"""

from .connection import PostgresDBError
from .db import PostgresDB, PostgresExplain
from .schema import SCHEMA_VERSION
from .url import ENV, redact

__all__ = ["PostgresDB", "PostgresDBError", "PostgresExplain", "SCHEMA_VERSION", "ENV", "redact"]
