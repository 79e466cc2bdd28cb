"""Which columns hold a stored document: the JSON, its irregular paths, typed shadows.

A *shadow* is a typed, indexable copy of one top-level field, kept beside the document so
that equality, ``$in`` and ranges on it use a B-tree instead of a JSON scan.  A shadow
value is either *regular* -- the field is a plain string (``text``) or an aware datetime
(``date``, stored as µs since the epoch), or null/missing (SQL ``NULL``: ``{f: null}``
matches both) -- or *irregular*: anything else (an array, a number, NaN, a naive date...).
SQL answers only for regular rows; irregular ones always go to the Python residual.  A row
is marked irregular in one of two ways:

- ``sentinel``: the value column holds ``X'00'`` (SQLite: a BLOB, which no text or integer
  equals and which sorts after both), so ``f IN (?, X'00')`` still uses the index;
- ``flag``: a separate column is ``1`` on irregular rows and NULL otherwise, with a small
  partial index.  Needed where the value column cannot hold a sentinel: the key column
  (``msg_id`` holds the key a record was stored under, and a record whose own ``msg_id``
  field differs is flagged), and typed columns in PostgreSQL.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any, Final, Literal

from ..nodes import Path
from ..values import MISSING
from .document import date_micros

__all__ = ["Shadow", "Layout", "SENTINEL", "shadow_value"]

#: The value of a sentinel-marked irregular shadow (bound as a BLOB).
SENTINEL: Final = b"\x00"

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _check_ident(name: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


@dataclass(frozen=True, slots=True)
class Shadow:
    """A typed copy of the top-level field ``field`` in ``column``."""

    field: str
    column: str
    kind: Literal["text", "date"]
    #: None: irregular rows hold SENTINEL in ``column``; else the column flagging them.
    flag: str | None = None

    def __post_init__(self) -> None:
        _check_ident(self.column)
        if self.flag is not None:
            _check_ident(self.flag)
        if self.kind not in ("text", "date"):
            raise ValueError(f"unknown shadow kind {self.kind!r}")


@dataclass(frozen=True, slots=True)
class Layout:
    """The columns of a document table that a pushed-down query may read."""

    doc: str = "doc"
    irregular: str = "irregular"
    shadows: tuple[Shadow, ...] = ()

    def __post_init__(self) -> None:
        _check_ident(self.doc)
        _check_ident(self.irregular)
        fields = [s.field for s in self.shadows]
        if len(set(fields)) != len(fields):
            raise ValueError("one shadow per field")

    def shadow(self, path: Path) -> Shadow | None:
        """The shadow answering for ``path`` (top-level fields only)."""
        if len(path) != 1:
            return None
        for s in self.shadows:
            if s.field == path[0]:
                return s
        return None


def shadow_value(kind: Literal["text", "date"], value: Any) -> Any:
    """The regular shadow value of a field value: a str, µs, None (null or missing), or
    :data:`SENTINEL` when the value is irregular."""
    if value is None or value is MISSING:
        return None
    if kind == "text":
        if type(value) is str and "\x00" not in value:
            if value.isascii():
                return value
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return SENTINEL
            return value
        return SENTINEL
    if isinstance(value, _dt.datetime):
        micros = date_micros(value)
        return SENTINEL if micros is None else micros
    return SENTINEL
