"""SQL dialects: how one pushdown is spelled for SQLite (JSON1) and PostgreSQL (jsonb).

The generator (:mod:`querylang.sql.pushdown`) decides *what* to test; a dialect writes it.
Every typed accessor returns an expression that is NULL unless the JSON value at the path
has that kind, so a comparison on it is false (NULL) for any other type -- MongoDB's type
brackets.  Values never appear in SQL text: the generator binds them as parameters, and
JSON paths are bound too (SQLite ``'$."a"."b"'``, PostgreSQL ``text[]``).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import json
from collections.abc import Sequence
from typing import Any, Literal

from ..nodes import Path
from .patterns import glob_to_like, glob_to_sqlite

__all__ = ["Dialect", "SQLiteDialect", "PostgresDialect", "SQLITE", "POSTGRES", "Kind"]

#: JSON value kinds the generator asks about.
Kind = Literal["null", "true", "false", "integer", "real", "text", "object", "array"]
_CMP = {"eq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def _utf8(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Dialect:
    """The spelling of one SQL dialect (subclasses fill in the primitives)."""

    name = ""
    #: Can a shadow column hold :data:`querylang.sql.layout.SENTINEL`?
    sentinels = False
    #: Does json_type tell integers from reals (``$type: "int"`` / ``"double"``)?
    int_real = False

    def param(self, name: str) -> str:
        raise NotImplementedError

    def ident(self, name: str) -> str:
        """A quoted identifier (double quotes doubled; NUL refused)."""
        if "\x00" in name:
            raise ValueError(f"identifier with a NUL character: {name!r}")
        return '"' + name.replace('"', '""') + '"'

    def cmp(self, op: str) -> str:
        return _CMP[op]

    def path_ok(self, path: Path) -> bool:
        """Can ``path`` be addressed in JSON?  Components starting with ``$`` never can
        (tag keys; a stored user key ``$x`` is ``$$x``)."""
        return bool(path) and all(
            not k.startswith("$") and "\x00" not in k and (k.isascii() or _utf8(k)) for k in path
        )

    def json_path(self, path: Path) -> Any:
        raise NotImplementedError

    # JSON accessors: ``doc`` is the quoted column, ``p`` a bound path placeholder.
    def json_kind(self, doc: str, p: str, kinds: frozenset[str]) -> str | None:
        """True when the value at ``p`` is of one of ``kinds`` (None: not expressible)."""
        raise NotImplementedError

    def json_missing(self, doc: str, p: str) -> str:
        raise NotImplementedError

    def json_text(self, doc: str, p: str) -> str:
        raise NotImplementedError

    def json_number(self, doc: str, p: str) -> str:
        raise NotImplementedError

    def json_integer(self, doc: str, p: str) -> str | None:
        """The value if it is a JSON integer (None: the dialect cannot tell)."""
        raise NotImplementedError

    def text_cmp(self, lhs: str, op: str, rhs: str) -> str:
        return f"{lhs} {_CMP[op]} {rhs}"

    def text_in(self, lhs: str, rhs: Sequence[str]) -> str:
        return f"{lhs} IN ({', '.join(rhs)})"

    def glob(self, lhs: str, pattern: str) -> tuple[str, Any] | None:
        """``(sql with {p} for the pattern placeholder, pattern value)`` or None."""
        raise NotImplementedError

    def marker(self, col: str, p: str, present: bool) -> str:
        raise NotImplementedError

    def containment(self, path: Path, value: str) -> Any:
        """A parameter for :meth:`json_contains` saying "the string at ``path`` is
        ``value``", or None when the dialect has no such test."""
        return None

    def json_contains(self, doc: str, p: str) -> str:
        raise NotImplementedError

    def mod(self, number: str, d: str, r: str) -> str:
        raise NotImplementedError

    def number_param(self, value: int | float) -> Any:
        return value

    def date_param(self, micros: int) -> Any:
        """A date *shadow column* operand: µs since the epoch (JSON date tags always
        compare as µs)."""
        return micros

    def sentinel(self) -> str:
        raise ValueError(f"{self.name} columns cannot hold a sentinel")


class SQLiteDialect(Dialect):
    """SQLite 3.38+ with JSON functions (``json_type``, ``json_extract``)."""

    name = "sqlite"
    sentinels = True
    int_real = True

    def param(self, name: str) -> str:
        return ":" + name

    def json_path(self, path: Path) -> str:
        # Keys are matched against the raw JSON text, which the encoder writes unescaped
        # except for '"', '\\' and control characters: keys holding those are refused.
        return "$" + "".join(f'."{k}"' for k in path)

    def path_ok(self, path: Path) -> bool:
        return super().path_ok(path) and all(
            '"' not in k and "\\" not in k and all(ord(c) >= 0x20 for c in k) for k in path
        )

    def json_kind(self, doc: str, p: str, kinds: frozenset[str]) -> str | None:
        names = sorted(kinds)
        t = f"json_type({doc}, {p})"
        if len(names) == 1:
            return f"{t} = '{names[0]}'"
        return f"{t} IN ({', '.join(repr(k) for k in names)})"

    def json_missing(self, doc: str, p: str) -> str:
        return f"json_type({doc}, {p}) IS NULL"

    def json_text(self, doc: str, p: str) -> str:
        return f"CASE json_type({doc}, {p}) WHEN 'text' THEN json_extract({doc}, {p}) END"

    def json_number(self, doc: str, p: str) -> str:
        return (
            f"CASE WHEN json_type({doc}, {p}) IN ('integer', 'real') "
            f"THEN json_extract({doc}, {p}) END"
        )

    def json_integer(self, doc: str, p: str) -> str:
        return f"CASE json_type({doc}, {p}) WHEN 'integer' THEN json_extract({doc}, {p}) END"

    def glob(self, lhs: str, pattern: str) -> tuple[str, Any] | None:
        translated = glob_to_sqlite(pattern)
        return None if translated is None else (f"{lhs} GLOB {{p}}", translated)

    def marker(self, col: str, p: str, present: bool) -> str:
        return f"instr({col}, {p}) {'>' if present else '='} 0"

    def mod(self, number: str, d: str, r: str) -> str:
        return f"CAST({number} AS INTEGER) % {d} = {r}"

    def sentinel(self) -> str:
        return "X'00'"


class PostgresDialect(Dialect):
    """PostgreSQL 14+ ``jsonb`` (psycopg's ``%(name)s`` parameters).

    jsonb keeps numbers as ``numeric`` (exact): float parameters are bound as the exact
    Decimal of the float, so nothing is compared through double precision; strings compare
    with ``COLLATE "C"`` (code point order, like MongoDB, in a UTF8 database).  Date shadow
    columns are ``timestamptz``, compared with aware datetimes.  jsonb does not tell ``3`` from
    ``3.0``, so ``$type: "int"``/``"double"`` are left to the residual.
    """

    name = "postgresql"
    _KINDS = {
        "null": "'null'",
        "text": "'string'",
        "object": "'object'",
        "array": "'array'",
    }

    def param(self, name: str) -> str:
        return f"%({name})s"

    def json_path(self, path: Path) -> list[str]:
        return list(path)

    def json_kind(self, doc: str, p: str, kinds: frozenset[str]) -> str | None:
        v = f"{doc} #> {p}"
        parts = []
        left = set(kinds)
        if {"integer", "real"} <= left:
            parts.append(f"jsonb_typeof({v}) = 'number'")
            left -= {"integer", "real"}
        if left & {"integer", "real"}:
            return None
        for b in ("true", "false"):
            if b in left:
                parts.append(f"{v} = '{b}'::jsonb")
                left.discard(b)
        for k in sorted(left):
            parts.append(f"jsonb_typeof({v}) = {self._KINDS[k]}")
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def json_missing(self, doc: str, p: str) -> str:
        return f"({doc} #> {p}) IS NULL"

    def json_text(self, doc: str, p: str) -> str:
        return f"CASE WHEN jsonb_typeof({doc} #> {p}) = 'string' THEN {doc} #>> {p} END"

    def json_number(self, doc: str, p: str) -> str:
        return f"CASE WHEN jsonb_typeof({doc} #> {p}) = 'number' THEN ({doc} #> {p})::numeric END"

    def json_integer(self, doc: str, p: str) -> str | None:
        return None

    def text_cmp(self, lhs: str, op: str, rhs: str) -> str:
        return f'{lhs} COLLATE "C" {_CMP[op]} {rhs}'

    def text_in(self, lhs: str, rhs: Sequence[str]) -> str:
        return f'{lhs} COLLATE "C" IN ({", ".join(rhs)})'

    def glob(self, lhs: str, pattern: str) -> tuple[str, Any] | None:
        translated = glob_to_like(pattern)
        return None if translated is None else (f'{lhs} COLLATE "C" LIKE {{p}}', translated)

    def marker(self, col: str, p: str, present: bool) -> str:
        # The irregular column is a text[] of needles ('|a|', '|b.c|') with a GIN index:
        # "irregular at p" is then an index lookup, so ``irregular OR upper`` can be a
        # BitmapOr of index scans instead of a filter over every row.
        test = f"{col} @> ARRAY[{p}::text]"
        return test if present else f"NOT ({test})"

    def containment(self, path: Path, value: str) -> str:
        # On a row regular for ``path`` (no array on it, a plain string there), jsonb
        # containment is exactly string equality (bytewise), and the GIN index on the
        # document answers it.
        pattern: Any = value
        for key in reversed(path):
            pattern = {key: pattern}
        return json.dumps(pattern, ensure_ascii=False, separators=(",", ":"))

    def json_contains(self, doc: str, p: str) -> str:
        return f"{doc} @> {p}::jsonb"

    def mod(self, number: str, d: str, r: str) -> str:
        return f"mod(trunc({number}), {d}) = {r}"

    def number_param(self, value: int | float) -> Any:
        return decimal.Decimal(value) if isinstance(value, float) else value

    def date_param(self, micros: int) -> Any:
        # Date shadows are timestamptz (µs resolution, wider range than Python's datetime):
        # the instant as an aware datetime compares exactly.
        return _EPOCH + _dt.timedelta(microseconds=micros)


_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
SQLITE = SQLiteDialect()
POSTGRES = PostgresDialect()
