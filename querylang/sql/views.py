"""Views: one value of a stored row as SQL sees it -- a typed shadow column or a JSON path.

A view says when SQL sees the value faithfully (``regular``/``irregular``, see
:mod:`querylang.sql.document` and :mod:`querylang.sql.layout`) and writes the typed tests
the rules in :mod:`querylang.sql.pushdown` need.  A test a view cannot hold true on a
regular row (a number in a text column) is ``FALSE``; every test reads NULL as false.
"""

from __future__ import annotations

from typing import Any, Protocol

from .. import nodes as n
from .dialect import Dialect
from .document import DATE_TAG, needles
from .layout import Layout, Shadow
from .patterns import glob_prefix, successor
from .sqltext import FALSE, TRUE, and_, not_, or_

__all__ = ["Binder", "View", "JsonView", "ShadowView"]

_INT32 = (-(2**31), 2**31 - 1)
_I64_LO, _I64_HI = -(2**63), 2**63
#: ``$type`` names no regular value has: arrays are irregular, and so are stored Decimals and
#: regexes; the rest have no Python value at all.
_NEVER_TYPES = frozenset(
    (
        *("array", "regex", "decimal", "undefined", "objectId", "dbPointer", "javascript"),
        *("symbol", "javascriptWithScope", "timestamp", "minKey", "maxKey"),
    )
)


class Binder(Protocol):
    """What a view needs from the generator: the layout, the dialect, parameters."""

    layout: Layout
    d: Dialect

    def bind(self, value: Any) -> str: ...


class View:
    """A leaf's value; regular/irregular say when SQL sees it faithfully."""

    target = ""
    regular = TRUE
    irregular = FALSE

    def maybe(self, upper: str) -> str:
        """``irregular ∨ upper``, as the view best spells it."""
        return or_(self.irregular, upper)

    def null(self) -> str:
        raise NotImplementedError

    def bools(self, values: set[bool]) -> str:
        return FALSE

    def any_number(self) -> str:
        return FALSE

    def number(self, op: str, value: int | float) -> str:
        return FALSE

    def numbers_in(self, values: list[int | float]) -> str:
        return FALSE

    def text(self, op: str, value: str) -> str:
        return FALSE

    def texts_in(self, values: list[str]) -> str:
        return FALSE

    def text_prefix(self, prefix: str) -> str:
        return FALSE

    def glob(self, pattern: str) -> str | None:
        return FALSE

    def date(self, op: str, micros: int) -> str:
        return FALSE


class JsonView(View):
    """The value at a path of the JSON document."""

    def __init__(self, g: Binder, path: n.Path) -> None:
        self.g, self.d = g, g.d
        self.doc = g.d.ident(g.layout.doc)
        self.path = path
        self.target = f"JSON {g.d.json_path(path)!r}"
        self._p: str | None = None
        self._marks: list[str] | None = None

    @property
    def p(self) -> str:
        """The bound JSON path (bound on first use: parameters are what the SQL reads)."""
        if self._p is None:
            self._p = self.g.bind(self.d.json_path(self.path))
        return self._p

    def _marker(self, present: bool, strict: bool) -> list[str]:
        if self._marks is None:
            self._marks = [self.g.bind(x) for x in needles(self.path)]
        col = self.d.ident(self.g.layout.irregular)
        marks = self._marks[:-1] if strict else self._marks
        return [self.d.marker(col, m, present) for m in marks]

    @property
    def regular(self) -> str:  # type: ignore[override]
        return and_(*self._marker(False, False))

    @property
    def irregular(self) -> str:  # type: ignore[override]
        return or_(*self._marker(True, False))

    @property
    def regular_strict(self) -> str:
        """Exists looks at the value without stepping into it: only strict prefixes matter."""
        return and_(*self._marker(False, True))

    @property
    def irregular_strict(self) -> str:
        return or_(*self._marker(True, True))

    def kind(self, *kinds: str) -> str:
        sql = self.d.json_kind(self.doc, self.p, frozenset(kinds))
        assert sql is not None
        return sql

    def missing(self) -> str:
        return self.d.json_missing(self.doc, self.p)

    def null(self) -> str:
        # {f: null} matches null and missing: json_type is 'null' or NULL.
        return or_(self.missing(), self.kind("null"))

    def bools(self, values: set[bool]) -> str:
        # JSON true/false have their own json_type (json_extract would say 1/0).
        if not values:
            return FALSE
        return self.kind(*("true" if v else "false" for v in values))

    def _number(self) -> str:
        return self.d.json_number(self.doc, self.p)

    def any_number(self) -> str:
        return self.kind("integer", "real")

    def number(self, op: str, value: int | float) -> str:
        # Regular numbers are int64 ints and integral floats within 2**53, which SQL reads
        # exactly; int vs float comparisons are exact in SQLite and in numeric.
        return f"{self._number()} {self.d.cmp(op)} {self.g.bind(self.d.number_param(value))}"

    def numbers_in(self, values: list[int | float]) -> str:
        binds = [self.g.bind(self.d.number_param(v)) for v in values]
        return f"{self._number()} IN ({', '.join(binds)})"

    def _text(self) -> str:
        return self.d.json_text(self.doc, self.p)

    def _contains(self, value: str) -> str | None:
        pattern = self.d.containment(self.path, value)
        return None if pattern is None else self.d.json_contains(self.doc, self.g.bind(pattern))

    def text(self, op: str, value: str) -> str:
        if op == "eq":
            contains = self._contains(value)
            if contains is not None:
                return contains
        return self.d.text_cmp(self._text(), op, self.g.bind(value))

    def texts_in(self, values: list[str]) -> str:
        contains = [self._contains(v) for v in values]
        if all(c is not None for c in contains):
            return or_(*(c for c in contains if c is not None))
        return self.d.text_in(self._text(), [self.g.bind(v) for v in values])

    def text_prefix(self, prefix: str) -> str:
        if not prefix:
            return self.kind("text")
        lo = self.text("gte", prefix)
        hi = successor(prefix)
        return lo if hi is None else and_(lo, self.text("lt", hi))

    def glob(self, pattern: str) -> str | None:
        spelled = self.d.glob(self._text(), pattern)
        if spelled is None:
            return None
        sql, value = spelled
        return sql.format(p=self.g.bind(value))

    def _date(self) -> str:
        p = self.g.bind(self.d.json_path((*self.path, DATE_TAG)))
        return self.d.json_integer(self.doc, p) or self.d.json_number(self.doc, p)

    def date(self, op: str, micros: int) -> str:
        # Only date tags have a "$date" key (a user key "$date" is stored as "$$date").
        return f"{self._date()} {self.d.cmp(op)} {self.g.bind(micros)}"

    def exists(self, present: bool) -> str:
        missing = self.missing()
        return not_(missing) if present else missing

    def types(self, types: tuple[str, ...]) -> str | None:
        """``$type`` on regular rows, or None when a type cannot be told in SQL."""
        kinds: set[str] = set()
        extra: list[str] = []
        for t in types:
            if t == "number":
                kinds |= {"integer", "real"}
            elif t == "string":
                kinds.add("text")
            elif t == "bool":
                kinds |= {"true", "false"}
            elif t == "null":
                kinds.add("null")
            elif t == "date":
                extra.append(f"{self._date()} IS NOT NULL")
            elif t in ("double", "int", "long"):
                integer = self.d.json_integer(self.doc, self.p)
                if integer is None:
                    return None
                if t == "double":
                    kinds.add("real")
                else:
                    lo, hi = (self.g.bind(b) for b in _INT32)
                    inside = f"{integer} BETWEEN {lo} AND {hi}"
                    outside = or_(f"{integer} < {lo}", f"{integer} > {hi}")
                    extra.append(inside if t == "int" else outside)
            elif t not in _NEVER_TYPES:
                return None  # object, binData: tags are JSON objects too
        kind = self.d.json_kind(self.doc, self.p, frozenset(kinds)) if kinds else FALSE
        return None if kind is None else or_(kind, *extra)

    def mod(self, divisor: int, remainder: int) -> str | None:
        if not all(_I64_LO <= x < _I64_HI for x in (divisor, remainder)) or divisor == 0:
            return None
        # Regular numbers are integers or integral floats: CAST is exact, and SQL's %
        # truncates with the dividend's sign, as MongoDB's $mod does.
        return self.d.mod(self._number(), self.g.bind(divisor), self.g.bind(remainder))


class ShadowView(View):
    """A typed shadow column: text (a str) or date (µs), NULL for null/missing."""

    def __init__(self, g: Binder, shadow: Shadow) -> None:
        d = g.d
        self.g, self.d, self.s = g, d, shadow
        self.col = d.ident(shadow.column)
        if shadow.flag is not None:
            flag = d.ident(shadow.flag)
            self.regular, self.irregular = f"{flag} IS NULL", f"{flag} = 1"
        else:
            sentinel = d.sentinel()
            self.regular = f"{self.col} IS NOT {sentinel}"
            self.irregular = f"{self.col} = {sentinel}"
        self.target = f"column {shadow.column} ({shadow.kind})"
        self._in: dict[str, list[str]] = {}  # "col = :p" / "col IN (...)" -> placeholders

    def maybe(self, upper: str) -> str:
        # "col IN (X'00', :a, :b)" rather than "col = X'00' OR col IN (:a, :b)": the same
        # test (NULL included), which SQLite answers with one index lookup per value.
        values = self._in.get(upper)
        if values is not None and self.s.flag is None:
            return f"{self.col} IN ({', '.join([self.d.sentinel(), *values])})"
        return or_(self.irregular, upper)

    def null(self) -> str:
        return f"{self.col} IS NULL"

    def text(self, op: str, value: str) -> str:
        if self.s.kind != "text":
            return FALSE
        p = self.g.bind(value)
        sql = self.d.text_cmp(self.col, op, p)
        if op == "eq":
            self._in[sql] = [p]
        return sql

    def texts_in(self, values: list[str]) -> str:
        if self.s.kind != "text":
            return FALSE
        if len(values) == 1:
            return self.text("eq", values[0])
        binds = [self.g.bind(v) for v in values]
        sql = self.d.text_in(self.col, binds)
        self._in[sql] = binds
        return sql

    def text_prefix(self, prefix: str) -> str:
        if self.s.kind != "text":
            return FALSE
        if not prefix:
            return f"{self.col} IS NOT NULL"
        lo = self.text("gte", prefix)
        hi = successor(prefix)
        return lo if hi is None else and_(lo, self.text("lt", hi))

    def glob(self, pattern: str) -> str | None:
        if self.s.kind != "text":
            return FALSE
        spelled = self.d.glob(self.col, pattern)
        if spelled is None:
            return None
        sql, value = spelled
        # The literal prefix as a range too: an index can answer it.
        return and_(self.text_prefix(glob_prefix(pattern)), sql.format(p=self.g.bind(value)))

    def date(self, op: str, micros: int) -> str:
        if self.s.kind != "date":
            return FALSE
        p = self.g.bind(self.d.date_param(micros))
        sql = f"{self.col} {self.d.cmp(op)} {p}"
        if op == "eq":
            self._in[sql] = [p]
        return sql
