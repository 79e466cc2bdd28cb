"""Leaf expressions: one MongoDB operator on one path, as a fast, exact Python expression.

Each leaf fetches its value with plain dict lookups, then dispatches on the value's exact
class: for the classes the literal's type bracket makes easy (an exact ``str`` against a
string, ``int``/``float`` against a number, an aware ``datetime`` against a date...) the
expression computes the exact answer inline; classes of other brackets are known not to
match; everything else (arrays, subclasses, naive datetimes, Decimals, arrays mid-path)
asks the reference evaluator.  The fast path never guesses.

Field names, literals and helpers are bound to generated names (``K0``, ``C1``, ``L2``...)
whose only variable part is a counter; comments quote the query through :func:`ascii`,
which never produces a newline.  Nothing from a query is ever spelled as code.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from fnmatch import translate
from functools import partial
from typing import Any

from .. import nodes as n
from ..regex import compile_regex
from ..values import bson_type, type_rank
from .codetext import describe, show, show_path
from .runtime import (
    BASE_NAMES,
    CLASS_NAME,
    KNOWN,
    RANK,
    SAMPLES,
    elem_match_generic,
    reference,
)

__all__ = ["LeafGenerator", "MAX_PATH_STEPS", "range_kind"]

#: Longer paths use the reference evaluator (their inline fetch would nest too deeply).
MAX_PATH_STEPS = 6

_R_NUMBER, _R_STRING = type_rank(0), type_rank("")
_PLAIN = (str, int, float, bool, bytes, type(None))


class LeafGenerator:
    """Names, path fetches and leaf expressions (:class:`~querylang.codegen.Generator` adds
    the logical nodes and functions)."""

    def __init__(self) -> None:
        self.names: dict[str, Any] = dict(BASE_NAMES)
        self.plain: set[str] = set()
        self.notes: list[str] = []
        self.functions: list[str] = []
        self._dedupe: dict[Any, str] = {}
        self._counts: dict[str, int] = {}
        self._inner_names: dict[int, str] = {}  # $elemMatch node id -> its condition
        self._element = False  # generating the test of one array element (no record)
        self._array_fn: str | None = None  # element test for the next dispatch

    # -- names ----------------------------------------------------------------------------

    def _fresh(self, prefix: str) -> str:
        count = self._counts.get(prefix, 0)
        self._counts[prefix] = count + 1
        return f"{prefix}{count}"

    def bind(self, prefix: str, value: Any, note: str | None = None) -> str:
        """Bind ``value`` to a new (or deduplicated) generated name and return the name."""
        key: Any
        if type(value) in _PLAIN and not (type(value) is float and math.isnan(value)):
            key = (prefix, type(value), value)
        elif type(value) is frozenset:
            if all(type(x) is type for x in value):  # class sets: hashing is exact
                key = (prefix, frozenset, value)
            else:  # values: True, 1 and 1.0 must not collapse
                key = (prefix, frozenset, frozenset(n.value_key(x) for x in value))
        else:
            key = (prefix, id(value))
        name = self._dedupe.get(key)
        if name is not None:
            return name
        name = self._fresh(prefix)
        self._dedupe[key] = name
        self.names[name] = value
        if type(value) in _PLAIN or (
            type(value) is frozenset and all(type(x) in _PLAIN for x in value)
        ):
            self.plain.add(name)
        self.notes.append(f"#   {name} = {note if note is not None else show(value)}")
        return name

    def fallback(self, node: n.Node) -> str:
        """A name bound to the reference evaluator for ``node``, called as ``L(rec)``."""
        return self.bind("L", partial(reference, node), f"reference evaluator: {describe(node)}")

    def classes(self, classes: frozenset[type], prefix: str = "F") -> str:
        """A name for a set of exact classes (``F``: never match, ``T``: always match)."""
        if classes == KNOWN and prefix == "F":
            return "KNOWN"
        shown = ", ".join(sorted(c.__name__ for c in classes))
        return self.bind(prefix, classes, f"classes {{{shown}}}")

    # -- fetching a path ------------------------------------------------------------------

    def fetch(self, path: n.Path, scope: dict[n.Path, str]) -> tuple[str, str, list]:
        """``(head, var, bindings)``: ``head`` evaluates (and binds ``var`` to) the value at
        ``path``, or UNKNOWN when only the reference can tell (arrays mid-path)."""
        if not path:
            return "rec", "rec", []
        k = len(path)
        while k and path[:k] not in scope:
            k -= 1
        head = var = scope[path[:k]] if k else "rec"
        new = []
        for i in range(k, len(path)):
            key = self.bind("K", path[i])
            nv = self._fresh("v")
            if i == 0:
                step = f"rec.get({key}, M)"
            else:
                step = (
                    f"{var}.get({key}, M) if {head}.__class__ is dict"
                    f" else (M if {var}.__class__ in SCALARS else U)"
                )
            head, var = f"({nv} := {step})", nv
            new.append((path[: i + 1], nv))
        return head, var, new

    # -- leaves ---------------------------------------------------------------------------

    def leaf(self, node: n.Node, scope: dict[n.Path, str]) -> str:
        """The expression for a leaf (or ``Not`` of a leaf), sharing ``scope``'s fetches."""
        negations = 0
        while isinstance(node, n.Not):  # not not x == x: leaf expressions are bools
            node, negations = node.child, negations + 1
        if negations % 2:
            return f"(not {self.leaf(node, scope)})"
        t = type(node)
        if t is n.Const:
            return "True" if node.value else "False"
        if t is n.Comment:
            return "True"
        if t is n.Compare and node.op == "ne":
            return f"(not {self.leaf(n.Compare(node.path, 'eq', node.value), scope)})"
        if t is n.In and node.negated:
            return f"(not {self.leaf(n.In(node.path, node.values, False), scope)})"
        if t is n.Exists and not node.exists:
            return f"(not {self.leaf(n.Exists(node.path, True), scope)})"
        path = getattr(node, "path", None)
        if (
            not isinstance(path, tuple)
            or len(path) > MAX_PATH_STEPS
            or not all(type(p) is str for p in path)
        ):
            return f"{self.fallback(node)}(rec)"
        head, var, new = self.fetch(path, scope)
        text = self._leaf_body(node, head, var)
        if head in text:  # the fetch is evaluated first: later siblings may reuse it
            scope.update(new)
        return text

    def _leaf_body(self, node: Any, head: str, v: str) -> str:
        """The leaf on the value ``v``; an array value tests its elements in a helper."""
        if _expandable(node):
            self._element = True
            try:
                elem = self._scalar_body(node, "e", "e")
            finally:
                self._element = False
            if not re.search(r"\brec\b", elem):  # the element test never needs the record
                self._array_fn = self._fresh("_e")
                self.functions.append(
                    f"def {self._array_fn}(e):\n"
                    f"    # one element of an array, for {describe(node)} (U: ask the reference)\n"
                    f"    return {elem}"
                )
        try:
            return self._scalar_body(node, head, v)
        finally:
            self._array_fn = None

    def _scalar_body(self, node: Any, head: str, v: str) -> str:
        t = type(node)
        if t is n.Compare:
            return self._compare(node, head, v)
        if t is n.In:
            return self._in(node, head, v)
        if t is n.Exists:
            if not node.path:
                return f"{self.fallback(node)}(rec)"
            if len(node.path) == 1:  # ``in`` is a dict's own test: MISSING is never stored
                return (
                    f"({head} is not M)"
                    if head == v
                    else f"({self.bind('K', node.path[0])} in rec)"
                )
            return f"({head} is not M and ({v} is not U or {self.fallback(node)}(rec)))"
        if t is n.Type:
            return self._type(node, head, v)
        if t is n.Mod and node.divisor != 0:
            d, r = self.bind("C", abs(node.divisor)), self.bind("C", node.remainder)
            expr = f"({v} % {d} == {r} if {v} >= 0 else -(-{v} % {d}) == {r})"
            number = frozenset(c for c in KNOWN if RANK[c] == _R_NUMBER)
            return self.dispatch(node, head, v, [((int,), None, expr)], KNOWN - number)
        if t is n.Match:
            try:
                search = compile_regex(node.regex).search
            except Exception:  # noqa: BLE001 - the reference reports it, on a string value
                return f"{self.fallback(node)}(rec)"
            s = self.bind("R", search, f"re.compile({show(node.regex)}).search")
            branch = ((str,), None, f"{s}({v}) is not None")
            return self.dispatch(node, head, v, [branch], KNOWN - {str})
        if t is n.Glob and type(node.pattern) is str:
            g = self.bind("G", re.compile(translate(node.pattern)).match, f"glob {show(node)}")
            return self.dispatch(
                node, head, v, [((str,), None, f"{g}({v}) is not None")], KNOWN - {str}
            )
        if t is n.Size and type(node.size) is int:
            size = self.bind("C", node.size)
            branch = ((list, tuple), None, f"len({v}) == {size}")
            return self.dispatch(node, head, v, [branch], KNOWN)
        if t is n.ElemMatch and isinstance(node.query, n.Node):
            inner = self._inner_names[id(node)]
            loop = "elem_match_values" if node.value_form else "elem_match_documents"
            generic = self.bind(
                "E",
                partial(elem_match_generic, node.path, node.value_form),
                f"generic $elemMatch on {show_path(node.path)}",
            )
            return (
                f"({loop}({inner}, {v}) if {head}.__class__ is list or {v}.__class__ is tuple"
                f" else ({v}.__class__ not in KNOWN and {generic}({inner}, rec)))"
            )
        return f"{self.fallback(node)}(rec)"

    def dispatch(
        self,
        node: n.Node,
        head: str,
        v: str,
        branches: list[tuple[tuple[type, ...], str | None, str]],
        false: frozenset[type],
    ) -> str:
        """``(e1 if <class test 1> else e2 if ... else <unknown class> and L(rec))``.

        ``branches`` are ``(classes, extra condition, expression)``: for a value of exactly
        one of ``classes`` (and ``extra``), ``expression`` is the exact answer.  Values of a
        class in ``false`` never match; anything else asks the reference evaluator.
        """
        rest = "U" if self._element else f"{self.fallback(node)}(rec)"
        array = None
        if self._array_fn:  # an exact list/tuple: test its elements one by one
            r = self._fresh("r")
            array = f"({r} if ({r} := any_element({self._array_fn}, {v})) is not U else {rest})"
            self._array_fn = None
        first = True

        def subject() -> str:  # the first class test also fetches the value (walrus)
            nonlocal first
            out, first = (head if first else v), False
            return out

        conds: list[str] = []
        for classes, extra, _expr in branches:
            parts = [f"{subject()} is None", f"{v} is M"] if not classes else []
            parts += [f"{subject()}.__class__ is {CLASS_NAME[c]}" for c in classes]
            cond = " or ".join(parts)
            if extra:
                cond = f"({cond}) and {extra}" if len(parts) > 1 else f"{cond} and {extra}"
            conds.append(cond)
        # The classes that never match are ruled out before arrays (F never holds list or
        # tuple): in a scan most values are of such a class, and one set test settles them.
        if false:
            tail = f"{subject()}.__class__ not in {self.classes(false)} and "
        else:
            tail = ""
        if array is not None:
            tail += (
                f"({array} if {subject()}.__class__ is list or {v}.__class__ is tuple else {rest})"
            )
        else:
            tail += rest
        tail = f"({tail})" if false or array is not None else tail
        if not branches:
            return tail
        if len(branches) == 1 and branches[0][2] == "True":
            return f"({conds[0]} or {tail})"
        chain = " else ".join(f"{e} if {c}" for (_, _, e), c in zip(branches, conds, strict=True))
        return f"({chain} else {tail})"

    def _compare(self, node: n.Compare, head: str, v: str) -> str:
        x, op = node.value.value, node.op
        if op not in n.CMP_PYTHON:
            return f"{self.fallback(node)}(rec)"
        rank = type_rank(x)
        false = frozenset(c for c in KNOWN if RANK[c] != rank)
        tx = type(x)
        if x is None:
            if op in ("gt", "lt"):
                return self.dispatch(node, head, v, [], KNOWN)
            if len(node.path) == 1 and head != v:  # rec.get(k) is None: null or missing
                k = self.bind("K", node.path[0])
                rest = self.dispatch(node, v, v, [], false)  # takes the array test, if any
                return f"(({v} := rec.get({k})) is None or {rest})"
            return self.dispatch(node, head, v, [((), None, "True")], false)
        branches: list = []
        if tx is float and math.isnan(x):
            if op in ("eq", "gte", "lte"):
                branches = [((float,), None, f"{v} != {v}")]
                false = false | {int}
            else:
                false = false | {int, float}
        elif tx in (int, float, str, bool) or (tx is bytes and op == "eq"):
            c = self.bind("C", x)
            classes = (int, float) if tx in (int, float) else (tx,)
            branches = [(classes, None, f"{v} {n.CMP_PYTHON[op]} {c}")]
        elif tx is _dt.datetime and x.utcoffset() is not None:
            c = self.bind("C", x)
            branches = [((_dt.datetime,), f"{v}.tzinfo is not None", f"{v} {n.CMP_PYTHON[op]} {c}")]
        return self.dispatch(node, head, v, branches, false)

    def _in(self, node: n.In, head: str, v: str) -> str:
        groups: dict[str, list] = {"str": [], "num": [], "bool": [], "date": [], "bytes": []}
        regexes, ranks, nan, null = [], set(), False, False
        for lit in node.values:
            x = lit.value
            tx = type(x)
            if isinstance(x, n.Regex):
                try:
                    regexes.append(compile_regex(x).search)
                except (re.error, KeyError, TypeError):
                    return f"{self.fallback(node)}(rec)"
                ranks.add(_R_STRING)
                continue
            ranks.add(type_rank(x))
            if x is None:
                null = True
            elif tx is float and math.isnan(x):
                nan = True
            elif tx in (int, float):
                groups["num"].append(x)
            elif tx in (str, bool, bytes):
                groups[tx.__name__].append(x)
            elif tx is _dt.datetime and x.utcoffset() is not None:
                groups["date"].append(x)
            else:
                return f"{self.fallback(node)}(rec)"  # Decimal, documents, arrays...
        branches: list = []
        if groups["str"] or regexes:
            tests = [f"{v} in {self.bind('S', frozenset(groups['str']))}"] if groups["str"] else []
            for search in regexes:
                tests.append(
                    f"{self.bind('R', search, f're.compile({search.__self__.pattern!a})')}"
                    f"({v}) is not None"
                )
            branches.append(((str,), None, " or ".join(tests)))
        if groups["num"] or nan:
            tests = [f"{v} in {self.bind('S', frozenset(groups['num']))}"] if groups["num"] else []
            if nan:
                tests.append(f"{v} != {v}")
            branches.append(((int, float), None, " or ".join(tests)))
        if null:
            branches.append(((), None, "True"))
        for key, cls in (("bool", bool), ("bytes", bytes)):
            if groups[key]:
                branches.append(((cls,), None, f"{v} in {self.bind('S', frozenset(groups[key]))}"))
        if groups["date"]:
            s = self.bind("S", frozenset(groups["date"]))
            branches.append(((_dt.datetime,), f"{v}.tzinfo is not None", f"{v} in {s}"))
        if null and len(branches) > 1:  # keep the null test out of the class-test chain
            return self._in_with_null(node, head, v, branches, ranks)
        false = frozenset(c for c in KNOWN if RANK[c] not in ranks)
        return self.dispatch(node, head, v, branches, false)

    def _in_with_null(self, node: n.In, head: str, v: str, branches: list, ranks: set) -> str:
        others = [b for b in branches if b[2] != "True"]
        false = frozenset(c for c in KNOWN if RANK[c] not in ranks)
        rest = self.dispatch(node, v, v, others, false)
        return f"({head} is None or {v} is M or {rest})"

    def _type(self, node: n.Type, head: str, v: str) -> str:
        types = node.types
        if not isinstance(types, tuple):
            return f"{self.fallback(node)}(rec)"
        true, false = set(), set()
        for c in KNOWN:
            if c is int:
                small, big = bson_type(0), bson_type(2**40)
                hits = {n.type_matches(small, types), n.type_matches(big, types)}
                if hits == {True}:
                    true.add(c)
                elif hits == {False}:
                    false.add(c)
                continue
            sample = next(s for s in SAMPLES if type(s) is c)
            t = bson_type(sample)
            (true if t is not None and n.type_matches(t, types) else false).add(c)
        rest = f"{self.fallback(node)}(rec)"
        if false:
            rest = f"({v}.__class__ not in {self.classes(frozenset(false))} and {rest})"
        if not true:
            return rest.replace(f"({v}.__class__", f"({head}.__class__", 1)
        return f"({head}.__class__ in {self.classes(frozenset(true), 'T')} or {rest})"

    def range_group(self, group: list[n.Compare], scope: dict[n.Path, str]) -> str:
        """Consecutive range tests on one path (``lo <= x < hi``) under one type check."""
        head, v, new = self.fetch(group[0].path, scope)
        x = group[0].value.value
        lows = [c for c in group if c.op in ("gt", "gte")]
        highs = [c for c in group if c.op in ("lt", "lte")]
        sym = {"gt": "<", "gte": "<=", "lt": "<", "lte": "<="}
        if len(lows) == 1 and len(highs) == 1:
            lo, hi = lows[0], highs[0]
            expr = (
                f"{self.bind('C', lo.value.value)} {sym[lo.op]} {v}"
                f" {sym[hi.op]} {self.bind('C', hi.value.value)}"
            )
        else:
            expr = " and ".join(
                f"{v} {n.CMP_PYTHON[c.op]} {self.bind('C', c.value.value)}" for c in group
            )
        kind = range_kind(x)
        classes = (int, float) if kind == "num" else (type(x),)
        extra = f"{v}.tzinfo is not None" if kind == "date" else None
        false = frozenset(c for c in KNOWN if RANK[c] != type_rank(x))
        text = self.dispatch(n.And(tuple(group)), head, v, [(classes, extra, expr)], false)
        scope.update(new)  # dispatch puts the fetch first
        return text


def range_kind(x: Any) -> str | None:
    """Literal kinds whose range tests are plain Python comparisons on one exact class."""
    tx = type(x)
    if tx in (int, float):
        return None if tx is float and math.isnan(x) else "num"
    if tx is str:
        return "str"
    if tx is _dt.datetime and x.utcoffset() is not None:
        return "date"
    return None


def _expandable(node: Any) -> bool:
    """Leaves whose array values match exactly when one element does (the array itself
    never matches: no array literal), so elements can be tested one by one."""
    if not getattr(node, "path", ()):
        return False  # the empty path is never expanded
    t = type(node)
    if t is n.Compare:
        return node.op in n.CMP_PYTHON and not isinstance(node.value.value, tuple | list)
    if t is n.In:
        return not any(isinstance(lit.value, tuple | list) for lit in node.values)
    return t in (n.Match, n.Glob) or (t is n.Mod and node.divisor != 0)
