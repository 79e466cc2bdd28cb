"""SQLiteDB: a persistent task database on one SQLite file, with MongoDB's exact answers.

:mod:`.schema` (columns, indexes, schema version, opening a file safely), :mod:`.connection`
(one connection, its lock, transactions and commit policy), :mod:`.db` (the
database class), :mod:`.explain` (the explanation object).  Queries are compiled to SQL by
:mod:`querylang.sql`.
"""

from .db import SQLiteDB
from .explain import SQLiteExplain
from .schema import SCHEMA_VERSION, DatabaseFileError

__all__ = ["SQLiteDB", "SQLiteExplain", "DatabaseFileError", "SCHEMA_VERSION"]
