"""Leaf expressions: one MongoDB operator on one path, as a fast, exact Python expression.

Each leaf fetches its value and dispatches on the value's exact class
(:mod:`~querylang.compile.dispatch`): for the classes the literal's type bracket makes easy
(an exact ``str`` against a string, ``int``/``float`` against a number, an aware
``datetime`` against a date...) the expression computes the exact answer inline; classes of
other brackets are known not to match; everything else (arrays, subclasses, naive
datetimes, Decimals, arrays mid-path) asks the reference evaluator.  The fast path never
guesses.  Every field name, literal and helper is a bound name (:mod:`.bindings`).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Mapping
from fnmatch import translate
from functools import partial

from .. import nodes as n
from ..regex import compile_regex
from ..values import bson_type, type_rank
from .bindings import Bindings
from .classes import KNOWN, R_NUMBER, R_STRING, SAMPLES, outside
from .codetext import Code, describe, show, show_path
from .dispatch import MAX_PATH_STEPS, Branch, Scope, Subject, class_set, dispatch, fetch
from .runtime import elem_match_generic, reference

__all__ = ["LeafEmitter", "range_groups"]

_RANGE_OPS = frozenset(n.RANGE_OPS)


class LeafEmitter:
    """Renders leaves (and ``Not`` of leaves) as expressions on ``rec``; element tests of
    arrays become functions appended to the shared ``functions``."""

    def __init__(
        self, bindings: Bindings, functions: list[Code], conditions: Mapping[int, str]
    ) -> None:
        self.bindings = bindings
        self.functions = functions
        #: ``id`` of an $elemMatch -> the function testing its condition (emitted first).
        self.conditions = conditions

    def fallback(self, node: n.Node) -> str:
        """A name bound to the reference evaluator for ``node``, called as ``L(rec)``."""
        return self.bindings.bind(
            "L", partial(reference, node), f"reference evaluator: {describe(node)}"
        )

    def leaf(self, node: n.Node, scope: Scope) -> str:
        """The expression for a leaf (or ``Not`` of a leaf), sharing ``scope``'s fetches."""
        negations = 0
        while isinstance(node, n.Not):  # not not x == x: leaf expressions are bools
            node, negations = node.child, negations + 1
        if negations % 2:
            return f"(not {self.leaf(node, scope)})"
        if type(node) is n.Const:
            return "True" if node.value else "False"
        if type(node) is n.Comment:
            return "True"
        if type(node) is n.Compare and node.op == "ne":
            return f"(not {self.leaf(n.Compare(node.path, 'eq', node.value), scope)})"
        if type(node) is n.In and node.negated:
            return f"(not {self.leaf(n.In(node.path, node.values, False), scope)})"
        if type(node) is n.Exists and not node.exists:
            return f"(not {self.leaf(n.Exists(node.path, True), scope)})"
        path: object = getattr(node, "path", None)
        if (
            not isinstance(path, tuple)
            or len(path) > MAX_PATH_STEPS
            or not all(type(p) is str for p in path)
        ):
            return f"{self.fallback(node)}(rec)"
        head, var, new = fetch(self.bindings, path, scope)
        text = self._leaf_body(node, Subject(head, var))
        if head in text:  # the fetch is evaluated first: later siblings may reuse it
            scope.update(new)
        return text

    def _leaf_body(self, node: n.Node, subject: Subject) -> str:
        """The leaf on the value; an array value tests its elements in a helper."""
        if _expandable(node):
            elem = self._scalar_body(node, Subject("e", "e", element=True))
            if not re.search(r"\brec\b", elem):  # the element test never needs the record
                name = self.bindings.fresh("_e")
                self.functions.append(
                    Code(
                        f"def {name}(e):\n"
                        f"    # one element of an array, for {describe(node)}"
                        " (U: ask the reference)\n"
                        f"    return {elem}",
                        f"def {name}(e):\n    return {elem}",
                    )
                )
                subject = subject._replace(elements=name)
        return self._scalar_body(node, subject)

    def _dispatch(
        self, node: n.Node, s: Subject, branches: list[Branch], false: frozenset[type]
    ) -> str:
        """:func:`~.dispatch.dispatch`, the reference deciding other classes (or ``U`` for
        an element: the array's caller asks the reference)."""
        rest = "U" if s.element else f"{self.fallback(node)}(rec)"
        return dispatch(self.bindings, s, branches, false, rest)

    def _scalar_body(self, node: n.Node, s: Subject) -> str:
        """The operator on the value ``s`` (a field of ``rec``, or one array element)."""
        b, v = self.bindings, s.var
        if type(node) is n.Compare:
            return self._compare(node, s)
        if type(node) is n.In:
            return self._in(node, s)
        if type(node) is n.Exists:
            if not node.path:
                return f"{self.fallback(node)}(rec)"
            if len(node.path) == 1:  # ``in`` is a dict's own test: MISSING is never stored
                return (
                    f"({s.head} is not M)"
                    if s.head == v
                    else f"({b.bind('K', node.path[0])} in rec)"
                )
            return f"({s.head} is not M and ({v} is not U or {self.fallback(node)}(rec)))"
        if type(node) is n.Type:
            return self._type(node, s)
        if type(node) is n.Mod and node.divisor != 0:
            d, r = b.bind("C", abs(node.divisor)), b.bind("C", node.remainder)
            expr = f"({v} % {d} == {r} if {v} >= 0 else -(-{v} % {d}) == {r})"
            return self._dispatch(node, s, [((int,), None, expr)], outside(frozenset({R_NUMBER})))
        if type(node) is n.Match:
            try:
                search = compile_regex(node.regex).search
            except Exception:  # noqa: BLE001 - the reference reports it, on a string value
                return f"{self.fallback(node)}(rec)"
            m = b.bind("R", search, f"re.compile({show(node.regex)}).search")
            return self._dispatch(node, s, [((str,), None, f"{m}({v}) is not None")], KNOWN - {str})
        if type(node) is n.Glob and type(node.pattern) is str:
            g = b.bind("G", re.compile(translate(node.pattern)).match, f"glob {show(node)}")
            return self._dispatch(node, s, [((str,), None, f"{g}({v}) is not None")], KNOWN - {str})
        if type(node) is n.Size and type(node.size) is int:
            size = b.bind("C", node.size)
            return self._dispatch(node, s, [((list, tuple), None, f"len({v}) == {size}")], KNOWN)
        if type(node) is n.ElemMatch and isinstance(node.query, n.Node):
            inner = self.conditions[id(node)]
            loop = "elem_match_values" if node.value_form else "elem_match_documents"
            generic = b.bind(
                "E",
                partial(elem_match_generic, node.path, node.value_form),
                f"generic $elemMatch on {show_path(node.path)}",
            )
            return (
                f"({loop}({inner}, {v}) if {s.head}.__class__ is list or {v}.__class__ is tuple"
                f" else ({v}.__class__ not in KNOWN and {generic}({inner}, rec)))"
            )
        return f"{self.fallback(node)}(rec)"

    def _compare(self, node: n.Compare, s: Subject) -> str:
        """``eq`` and ranges: a Python comparison within the literal's type bracket."""
        x, op, v = node.value.value, node.op, s.var
        if op not in n.CMP_PYTHON:
            return f"{self.fallback(node)}(rec)"
        false = outside(frozenset({type_rank(x)}))
        branches: list[Branch] = []
        if x is None:
            if op in ("gt", "lt"):
                return self._dispatch(node, s, [], KNOWN)
            if len(node.path) == 1 and s.head != v:  # rec.get(k) is None: null or missing
                k = self.bindings.bind("K", node.path[0])
                rest = self._dispatch(node, s._replace(head=v), [], false)  # + the array test
                return f"(({v} := rec.get({k})) is None or {rest})"
            return self._dispatch(node, s, [((), None, "True")], false)
        if type(x) is float and math.isnan(x):
            if op in ("eq", "gte", "lte"):
                branches = [((float,), None, f"{v} != {v}")]
                false = false | {int}
            else:
                false = false | {int, float}
        elif type(x) in (int, float, str, bool) or (type(x) is bytes and op == "eq"):
            c = self.bindings.bind("C", x)
            classes = (int, float) if type(x) in (int, float) else (type(x),)
            branches = [(classes, None, f"{v} {n.CMP_PYTHON[op]} {c}")]
        elif type(x) is _dt.datetime and x.utcoffset() is not None:
            c = self.bindings.bind("C", x)
            branches = [((_dt.datetime,), f"{v}.tzinfo is not None", f"{v} {n.CMP_PYTHON[op]} {c}")]
        return self._dispatch(node, s, branches, false)

    def _in(self, node: n.In, s: Subject) -> str:
        """``$in``: one set lookup per class of literal (regexes searched one by one)."""
        b, v = self.bindings, s.var
        groups: dict[type, list[n.Value]] = {
            str: [],
            int: [],
            bool: [],
            _dt.datetime: [],
            bytes: [],
        }
        regexes: list[tuple[n.Regex, object]] = []
        ranks: set[int] = set()
        nan = null = False
        for lit in node.values:
            x = lit.value
            if isinstance(x, n.Regex):
                try:
                    regexes.append((x, compile_regex(x).search))
                except (re.error, KeyError, TypeError):
                    return f"{self.fallback(node)}(rec)"
                ranks.add(R_STRING)
                continue
            ranks.add(type_rank(x))
            if x is None:
                null = True
            elif type(x) is float and math.isnan(x):
                nan = True
            elif type(x) in (int, float):
                groups[int].append(x)
            elif type(x) in (str, bool, bytes):
                groups[type(x)].append(x)
            elif type(x) is _dt.datetime and x.utcoffset() is not None:
                groups[_dt.datetime].append(x)
            else:
                return f"{self.fallback(node)}(rec)"  # Decimal, documents, arrays...
        branches: list[Branch] = []
        if groups[str] or regexes:
            tests = [f"{v} in {b.bind('S', frozenset(groups[str]))}"] if groups[str] else []
            for regex, search in regexes:
                name = b.bind("R", search, f"re.compile({regex.pattern!a})")
                tests.append(f"{name}({v}) is not None")
            branches.append(((str,), None, " or ".join(tests)))
        if groups[int] or nan:
            tests = [f"{v} in {b.bind('S', frozenset(groups[int]))}"] if groups[int] else []
            if nan:
                tests.append(f"{v} != {v}")
            branches.append(((int, float), None, " or ".join(tests)))
        if null:
            branches.append(((), None, "True"))
        for cls in (bool, bytes):
            if groups[cls]:
                branches.append(((cls,), None, f"{v} in {b.bind('S', frozenset(groups[cls]))}"))
        if groups[_dt.datetime]:
            dates = b.bind("S", frozenset(groups[_dt.datetime]))
            branches.append(((_dt.datetime,), f"{v}.tzinfo is not None", f"{v} in {dates}"))
        false = outside(frozenset(ranks))
        if null and len(branches) > 1:  # keep the null test out of the class-test chain
            others = [br for br in branches if br[2] != "True"]
            rest = self._dispatch(node, s._replace(head=v), others, false)
            return f"({s.head} is None or {v} is M or {rest})"
        return self._dispatch(node, s, branches, false)

    def _type(self, node: n.Type, s: Subject) -> str:
        """``$type``: decided by the exact class alone, except for the unknown classes."""
        types = node.types
        if not isinstance(types, tuple):
            return f"{self.fallback(node)}(rec)"
        true: set[type] = set()
        false: set[type] = set()
        for c in KNOWN:
            if c is int:  # int32 or long, by size
                hits = {n.type_matches(t, types) for t in (bson_type(0), bson_type(2**40)) if t}
                if hits == {True}:
                    true.add(c)
                elif hits == {False}:
                    false.add(c)
                continue
            t = bson_type(next(x for x in SAMPLES if type(x) is c))
            (true if t is not None and n.type_matches(t, types) else false).add(c)
        rest = f"{self.fallback(node)}(rec)"
        if false:
            never = class_set(self.bindings, frozenset(false))
            rest = f"({s.var}.__class__ not in {never} and {rest})"
        if not true:
            return rest.replace(f"({s.var}.__class__", f"({s.head}.__class__", 1)
        return f"({s.head}.__class__ in {class_set(self.bindings, frozenset(true), 'T')} or {rest})"

    def range_group(self, group: list[n.Compare], scope: Scope) -> str:
        """Consecutive range tests on one path (``lo <= x < hi``) under one type check."""
        b = self.bindings
        head, v, new = fetch(b, group[0].path, scope)
        x = group[0].value.value
        lows = [c for c in group if c.op in ("gt", "gte")]
        highs = [c for c in group if c.op in ("lt", "lte")]
        sym = {"gt": "<", "gte": "<=", "lt": "<", "lte": "<="}
        if len(lows) == 1 and len(highs) == 1:
            lo, hi = lows[0], highs[0]
            expr = (
                f"{b.bind('C', lo.value.value)} {sym[lo.op]} {v}"
                f" {sym[hi.op]} {b.bind('C', hi.value.value)}"
            )
        else:
            expr = " and ".join(
                f"{v} {n.CMP_PYTHON[c.op]} {b.bind('C', c.value.value)}" for c in group
            )
        kind = _range_kind(x)
        classes = (int, float) if kind == "num" else (type(x),)
        extra = f"{v}.tzinfo is not None" if kind == "date" else None
        branch: Branch = (classes, extra, expr)
        text = self._dispatch(
            n.And(tuple(group)), Subject(head, v), [branch], outside(frozenset({type_rank(x)}))
        )
        scope.update(new)  # dispatch puts the fetch first
        return text


def range_groups(children: tuple[n.Node, ...]) -> list[list[n.Node]]:
    """Split ``And`` children into runs; consecutive range tests on one path share a run
    (rendered by :meth:`LeafEmitter.range_group` as one chained comparison)."""
    groups: list[list[n.Node]] = []
    for c in children:
        prev = groups[-1][0] if groups else None
        if (
            type(c) is n.Compare
            and c.op in _RANGE_OPS
            and type(prev) is n.Compare
            and prev.op in _RANGE_OPS
            and c.path == prev.path
            and len(c.path) <= MAX_PATH_STEPS
            and all(type(p) is str for p in c.path)
            and _range_kind(c.value.value) is not None
            and _range_kind(c.value.value) == _range_kind(prev.value.value)
        ):
            groups[-1].append(c)
        else:
            groups.append([c])
    return groups


def _range_kind(x: n.Value) -> str | None:
    """Literal kinds whose range tests are plain Python comparisons on one exact class."""
    if type(x) is int:
        return "num"
    if type(x) is float:
        return None if math.isnan(x) else "num"
    if type(x) is str:
        return "str"
    if type(x) is _dt.datetime and x.utcoffset() is not None:
        return "date"
    return None


def _expandable(node: n.Node) -> bool:
    """Leaves whose array values match exactly when one element does (the array itself
    never matches: no array literal), so elements can be tested one by one."""
    if not getattr(node, "path", ()):
        return False  # the empty path is never expanded
    if type(node) is n.Compare:
        return node.op in n.CMP_PYTHON and not isinstance(node.value.value, tuple | list)
    if type(node) is n.In:
        return not any(isinstance(lit.value, tuple | list) for lit in node.values)
    if type(node) is n.Mod:
        return node.divisor != 0
    return type(node) is n.Match or type(node) is n.Glob
