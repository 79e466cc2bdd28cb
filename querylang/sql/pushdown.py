"""The optimized AST -> a parameterized SQL filter that is exact where it can prove it.

**Contract.**  For a query ``q`` the generator writes two SQL booleans over a stored row
(:mod:`querylang.sql.document`, :mod:`querylang.sql.layout`):

- ``where`` (*maybe*): true on every row ``q`` matches -- a superset;
- ``certain`` (*sure*): true only on rows ``q`` matches -- a subset.

The database selects ``where`` and runs the exact Python predicate (the *residual*) only on
selected rows where ``certain`` is not true.  So the answer is exact whatever SQL cannot
express: ``where ∧ (certain ∨ predicate) = q``.

**Leaves.**  A leaf on path ``p`` reads one *view* of the row's value at ``p``: a typed
shadow column, or the JSON document.  A row is *regular* for the view when SQL sees the
value faithfully -- for JSON, no prefix of ``p`` is listed in ``irregular`` (so the path
crosses no array and the value is a string, an integer, an integral float of at most 2**53,
a boolean, null, missing, a document or a tag); for a shadow, its value is a plain string
or aware date, or null/missing.  On regular rows the leaf gives ``upper ⊇ matches ⊇
lower`` (``upper == lower``: exact), and::

    maybe(leaf) = irregular ∨ upper        sure(leaf) = regular ∧ lower

**Logic.**  ``maybe``/``sure`` compose: ``∧``/``∨`` preserve superset and subset, and
negation swaps them -- the complement of a superset is a subset:
``maybe(¬x) = ¬sure(x)``, ``sure(¬x) = ¬maybe(x)``.  So ``$ne``, ``$nin``, ``$not`` and
``$nor`` push down without special cases, and an unpushable part (``maybe = TRUE``,
``sure = FALSE``) makes its negation unpushable too, never wrong.

**NULL.**  Every expression reads NULL as false: comparisons give NULL only when the row
value is null or missing (or of another type, via the typed accessors), and no MongoDB
comparison with a non-null operand matches those.  Negation is written ``(x) IS NOT TRUE``
so NULL negates to true.

**Exact queries.**  When every leaf is exact, ``maybe = sure = q`` on rows regular for every
leaf, so ``certain`` is simply "regular for every leaf" -- cheaper than the structural
``sure``, and the residual runs only on irregular rows.

Each rule below states why it is exact (or a superset) on regular rows; the property tests
(``tests/test_sql_pushdown.py``) check ``sure ⊆ matches ⊆ maybe`` against the reference
evaluator on random documents and queries.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from .. import nodes as n
from ..printer import to_text
from .dialect import Dialect
from .document import date_micros
from .layout import Layout
from .patterns import glob_prefix, regex_prefix
from .sqltext import FALSE, TRUE, and_, not_, or_
from .views import JsonView, ShadowView, View

__all__ = ["SQLFilter", "Part", "compile_filter"]

_I64_LO, _I64_HI = -(2**63), 2**63


@dataclass(frozen=True, slots=True)
class Part:
    """One leaf of the query and what SQL does with it (for explain)."""

    leaf: str  # the leaf as query text
    target: str  # the column or JSON path it reads
    sql: str  # its test on regular rows ("upper")
    status: str  # exact | superset | not pushed


@dataclass(frozen=True, slots=True)
class SQLFilter:
    """A query as SQL: ``where`` ⊇ matches ⊇ ``where ∧ certain``; see the module docstring."""

    node: n.Node
    dialect: str
    where: str
    certain: str
    params: dict[str, Any]  # bound by name; shared by cached filters: do not mutate
    #: Every leaf is exact: the residual runs only on rows irregular for some leaf.
    exact: bool
    parts: tuple[Part, ...]

    @property
    def pushed(self) -> bool:
        """Does SQL narrow the rows at all?"""
        return self.where != TRUE


# --- the generator ---------------------------------------------------------------------------

_Pair = tuple[str, str]  # (upper, lower) on regular rows


class _Leaf(NamedTuple):
    """One leaf's SQL: ``maybe = irregular ∨ upper`` (possibly spelled better), and
    ``sure = regular ∧ lower``."""

    irregular: str
    upper: str
    regular: str
    lower: str
    maybe: str


_UNPUSHED = _Leaf(FALSE, TRUE, TRUE, FALSE, TRUE)
_LEAVES = (n.Compare, n.In, n.Match, n.Glob, n.Exists, n.Type, n.Mod, n.Size, n.ElemMatch)


def _bool_cmp(op: str, a: bool, b: bool) -> bool:
    return {
        "eq": a == b,
        "gt": a > b,
        "gte": a >= b,
        "lt": a < b,
        "lte": a <= b,
    }[op]


def _clean(s: str) -> bool:
    if "\x00" in s:
        return False
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _Gen:
    def __init__(self, layout: Layout, dialect: Dialect) -> None:
        self.layout, self.d = layout, dialect
        self.params: dict[str, Any] = {}
        self._names: dict[Any, str] = {}
        self.parts: list[Part] = []
        self.exact = True
        self.regular: list[str] = []

    def bind(self, value: Any) -> str:
        """A placeholder for ``value`` (equal values of one type share one parameter)."""
        key = (type(value), tuple(value) if isinstance(value, list) else value)
        name = self._names.get(key)
        if name is None:
            name = f"p{len(self.params)}"
            self._names[key] = name
            self.params[name] = value
        return self.d.param(name)

    # --- logic ---

    def node(self, node: n.Node) -> tuple[str, str]:
        """``(maybe, sure)`` for ``node``."""
        if isinstance(node, n.And):
            return self._and(node.children)
        if isinstance(node, n.Or):
            pairs = [self.node(c) for c in node.children]
            return or_(*(m for m, _ in pairs)), or_(*(s for _, s in pairs))
        if isinstance(node, n.Not):
            return self._negate(node.child)
        if isinstance(node, n.Nor):
            return self._negate(n.Or(node.children))
        if isinstance(node, n.Const):
            return (TRUE, TRUE) if node.value else (FALSE, FALSE)
        if isinstance(node, n.Comment):
            return TRUE, TRUE
        if isinstance(node, n.Compare) and node.op == "ne":
            # $ne is exactly "not $eq" (docs/semantics.md).
            return self._negate(n.Compare(node.path, "eq", node.value), node)
        if isinstance(node, n.In) and node.negated:
            return self._negate(n.In(node.path, node.values), node)
        if isinstance(node, n.All):
            # "$all is equivalent to an $and of the specified values"; a regex is a $regex.
            if not node.values:
                return FALSE, FALSE
            conds: list[n.Node] = [
                n.Match(node.path, lit.value)
                if isinstance(lit.value, n.Regex)
                else n.Compare(node.path, "eq", lit)
                for lit in node.values
            ]
            return self.node(conds[0] if len(conds) == 1 else n.And(tuple(conds)))
        return self._leaf(node)

    def _negate(self, child: n.Node, shown: n.Node | None = None) -> tuple[str, str]:
        """``¬child``; ``shown`` is the leaf it stands for in explain (``$ne``, ``$nin``)."""
        before = len(self.parts)
        maybe, sure = self.node(child)
        if shown is not None and len(self.parts) == before + 1:
            p = self.parts[-1]
            self.parts[-1] = Part(to_text(shown), p.target, f"NOT ({p.sql})", p.status)
        return not_(sure), not_(maybe)

    # --- leaves ---

    def _and(self, children: tuple[n.Node, ...]) -> tuple[str, str]:
        """Conjuncts; leaves sharing one irregularity test are grouped, since
        ``(irr ∨ u1) ∧ (irr ∨ u2) = irr ∨ (u1 ∧ u2)``: two bounds on one column become
        one index range (Kleene logic is distributive, so NULLs change nothing)."""
        maybes: list[str] = []
        sures: list[str] = []
        groups: dict[str, list[_Leaf]] = {}
        for c in children:
            if isinstance(c, _LEAVES) and not _negated(c):
                leaf = self._leaf_parts(c)
                groups.setdefault(leaf.irregular, []).append(leaf)
            else:
                m, s = self.node(c)
                maybes.append(m)
                sures.append(s)
        for irregular, leaves in groups.items():
            if len(leaves) == 1:
                maybes.append(leaves[0].maybe)
            else:
                maybes.append(or_(irregular, and_(*(lf.upper for lf in leaves))))
            sures.append(and_(*(lf.regular for lf in leaves), *(lf.lower for lf in leaves)))
        return and_(*maybes), and_(*sures)

    def _leaf(self, node: n.Node) -> tuple[str, str]:
        leaf = self._leaf_parts(node)
        return leaf.maybe, and_(leaf.regular, leaf.lower)

    def _leaf_parts(self, node: n.Node) -> _Leaf:
        got = self._push(node)
        if got is None:
            self.exact = False
            self.parts.append(Part(to_text(node), "-", TRUE, "not pushed"))
            return _UNPUSHED
        view, regular, irregular, (upper, lower) = got
        exact = upper == lower
        if exact:
            self.regular.append(regular)
        else:
            self.exact = False
        status = "exact" if exact else "superset"
        self.parts.append(Part(to_text(node), view.target, upper, status))
        maybe = view.maybe(upper) if irregular == view.irregular else or_(irregular, upper)
        return _Leaf(irregular, upper, regular, lower, maybe)

    def _push(self, node: n.Node) -> tuple[View, str, str, _Pair] | None:
        """``(view, regular, irregular, (upper, lower))`` for a leaf, or None."""
        path: n.Path = getattr(node, "path", ())
        if not self.d.path_ok(path):
            return None
        if isinstance(node, n.Compare | n.In | n.Match | n.Glob):
            shadow = self.layout.shadow(path)
            view: View = ShadowView(self, shadow) if shadow is not None else JsonView(self, path)
            pair = _rule(self, view, node)
            return None if pair is None else (view, view.regular, view.irregular, pair)
        js = JsonView(self, path)
        if isinstance(node, n.Exists):
            # Regular for Exists when no *strict* prefix is irregular: the JSON then holds a
            # key at p exactly when MongoDB finds a value there (tags and irregular
            # scalars are still present under their key).
            upper = js.exists(node.exists)
            return js, js.regular_strict, js.irregular_strict, (upper, upper)
        if isinstance(node, n.Type):
            kinds = js.types(node.types)
            return None if kinds is None else (js, js.regular, js.irregular, (kinds, kinds))
        if isinstance(node, n.Mod):
            mod = js.mod(node.divisor, node.remainder)
            return None if mod is None else (js, js.regular, js.irregular, (mod, mod))
        if isinstance(node, n.Size | n.ElemMatch):
            # Both need an array at p; a regular row has none there.
            return js, js.regular, js.irregular, (FALSE, FALSE)
        return None

    def _compare(self, view: View, node: n.Compare) -> _Pair | None:
        sql = _compare_value(view, node.op, node.value.value)
        return None if sql is None else (sql, sql)

    def _in(self, view: View, node: n.In) -> _Pair | None:
        """``$in``: the union of one equality per value (a regex value is a ``$regex``)."""
        texts: list[str] = []
        numbers: list[int | float] = []
        pairs: list[_Pair] = []
        for lit in node.values:
            v = lit.value
            if isinstance(v, n.Regex):
                pairs.append(_match_pair(view, v))
            elif type(v) is str and _clean(v):
                texts.append(v)
            elif (type(v) is int and _I64_LO <= v < _I64_HI) or (type(v) is float and v == v):
                numbers.append(v)
            else:
                sql = _compare_value(view, "eq", v)
                pairs.append((TRUE, FALSE) if sql is None else (sql, sql))
        if texts:
            sql = view.texts_in(texts)
            pairs.append((sql, sql))
        if numbers:
            sql = view.numbers_in(numbers)
            pairs.append((sql, sql))
        return or_(*(u for u, _ in pairs)), or_(*(lo for _, lo in pairs))

    def _match(self, view: View, node: n.Match) -> _Pair | None:
        return _match_pair(view, node.regex)

    def _glob(self, view: View, node: n.Glob) -> _Pair | None:
        """``$glob``: the translated pattern when it means exactly what fnmatch means, else
        its literal prefix as a superset (only strings match, so ``prefix == ""`` still
        excludes every other type)."""
        exact = view.glob(node.pattern)
        if exact is None:
            return view.text_prefix(glob_prefix(node.pattern)), FALSE
        return exact, exact


def _negated(node: n.Node) -> bool:
    """Leaves the generator rewrites as a negation (``$ne``, ``$nin``) or expands (``$all``)."""
    return (isinstance(node, n.Compare) and node.op == "ne") or (
        isinstance(node, n.In) and node.negated
    )


def _rule(g: _Gen, view: View, node: n.Compare | n.In | n.Match | n.Glob) -> _Pair | None:
    if isinstance(node, n.Compare):
        return g._compare(view, node)
    if isinstance(node, n.In):
        return g._in(view, node)
    if isinstance(node, n.Match):
        return g._match(view, node)
    return g._glob(view, node)


def _compare_value(view: View, op: str, v: Any) -> str | None:
    """``value <op> v`` on regular rows, exactly (None: not expressible).

    By the literal's type bracket (MongoDB compares only within one):
    - null: ``$eq``/``$gte``/``$lte`` match null and missing; ``$gt``/``$lt`` nothing.
    - bool: the set of booleans satisfying the comparison, by JSON type (never 1/0).
    - number: NaN equals only NaN, which no regular row holds: FALSE.  An int beyond 64 bits
      lies above (or below) every regular number.  Else a typed numeric comparison.
    - string: a typed text comparison (byte order = code point order); a literal holding
      NUL or a lone surrogate equals no regular string.
    - date: the µs of the instant against a date tag's (or a date shadow's) µs.
    - array, regex: only arrays / stored regexes are in those brackets, and a regular row
      holds neither at the path: FALSE.
    - documents, binary, Decimal: not expressed (None).
    """
    if v is None:
        return view.null() if op in ("eq", "gte", "lte") else FALSE
    t = type(v)
    if t is bool:
        return view.bools({b for b in (False, True) if _bool_cmp(op, b, v)})
    if t is int or t is float:
        if t is float and math.isnan(v):
            return FALSE
        if t is int and not _I64_LO <= v < _I64_HI:
            if op == "eq":
                return FALSE
            above = v > 0  # the literal is above every regular number
            return view.any_number() if (op in ("lt", "lte")) == above else FALSE
        return view.number(op, v)
    if t is str:
        if not _clean(v):
            return FALSE if op == "eq" else None
        return view.text(op, v)
    if isinstance(v, _dt.datetime):
        micros = date_micros(v)
        return None if micros is None else view.date(op, micros)
    if isinstance(v, tuple | n.Regex):
        return FALSE
    return None


def _match_pair(view: View, regex: n.Regex) -> _Pair:
    """``$regex`` on regular rows: only strings match (a stored regex is irregular).  An
    anchored literal prefix (``^abc``) is a range; exact when it is the whole pattern."""
    prefix, exact = regex_prefix(regex.pattern, regex.flags)
    upper = view.text_prefix(prefix)
    return upper, (upper if exact else FALSE)


@lru_cache(maxsize=2048)
def compile_filter(node: n.Node, layout: Layout, dialect: Dialect) -> SQLFilter:
    """The SQL filter for ``node`` (normally ``Query.optimized``), cached by all three."""
    g = _Gen(layout, dialect)
    maybe, sure = g.node(node)
    certain = and_(*g.regular) if g.exact else sure
    return SQLFilter(
        node=node,
        dialect=dialect.name,
        where=maybe,
        certain=certain,
        params=g.params,
        exact=g.exact,
        parts=tuple(g.parts),
    )
