"""The user-facing query object: one AST, built from any front end, compiled once."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from . import nodes as n
from .compile import compile_node
from .errors import QueryError

# Imported here, while the package initialises, so that the attribute ``querylang.explain``
# ends up the function below, not this submodule (as ``querylang.compile`` does).
from .explain import Explanation
from .frontends.from_dict import from_dict as _from_dict
from .frontends.text import parse_text
from .optimizer import optimize
from .printer import to_text
from .reference import evaluate
from .to_dict import to_dict

__all__ = ["Query", "parse", "from_dict", "query", "compile", "explain", "QueryLike"]


class Query:
    """An immutable, hashable query.  Equal queries (same AST) share one compiled predicate.

    >>> q = parse('client_uuid == "c1" and completed == null')
    >>> q.matches({"client_uuid": "c1"})
    True
    """

    __slots__ = ("node", "_optimized", "_predicate")

    def __init__(self, node: n.Node) -> None:
        if not isinstance(node, n.Node):
            raise TypeError(f"Query needs a query node, not {type(node).__name__}")
        self.node = node
        self._optimized: n.Node | None = None
        self._predicate: Callable[[Any], bool] | None = None

    @property
    def optimized(self) -> n.Node:
        """The AST after the optimizer's passes."""
        if self._optimized is None:
            self._optimized = _optimize(self.node)
        return self._optimized

    @property
    def predicate(self) -> Callable[[Any], bool]:
        """The compiled ``record -> bool`` function (cached by optimized AST)."""
        if self._predicate is None:
            self._predicate = compile_node(self.optimized)
        return self._predicate

    def matches(self, record: Any) -> bool:
        """Does ``record`` match?  (Through the compiled predicate.)"""
        return self.predicate(record)

    __call__ = matches

    def matches_reference(self, record: Any) -> bool:
        """Does ``record`` match, by the slow reference evaluator on the unoptimized AST?"""
        return evaluate(self.node, record)

    def to_dict(self) -> dict[str, Any]:
        """The MongoDB filter document for this query."""
        return to_dict(self.node)

    def explain(self) -> Explanation:
        """Every stage of this query, from its text to the generated source."""
        return explain(self)

    def __str__(self) -> str:
        return to_text(self.node)

    def __repr__(self) -> str:
        return f"Query({to_text(self.node)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Query) and self.node == other.node

    def __hash__(self) -> int:
        return hash(self.node)

    def __and__(self, other: Query) -> Query:
        return Query(n.And((self.node, other.node)))

    def __or__(self, other: Query) -> Query:
        return Query(n.Or((self.node, other.node)))

    def __invert__(self) -> Query:
        return Query(n.Not(self.node))


def _optimize(node: n.Node) -> n.Node:
    """The optimizer, memoized by tree (equal queries are optimized once)."""
    try:
        return _optimize_cached(node)
    except (TypeError, RecursionError):  # unhashable or very deep hand-built trees
        return optimize(node)


_optimize_cached = lru_cache(maxsize=4096)(optimize)

QueryLike = Query | Mapping[str, Any] | str | n.Node


@lru_cache(maxsize=4096)
def _parse_cached(text: str) -> Query:
    return Query(parse_text(text))


_RELATIVE_TIME = re.compile(r"\b(?:ago|now)\s*\(")


def parse(text: str, *, now: datetime | None = None) -> Query:
    """Parse query text: the textual language or Mongo-style JSON (a leading ``{``).

    Parsed queries are cached by text, except those with relative times (``ago("1h")``,
    ``now()``), which resolve against ``now`` (default: the current time) at each parse.
    """
    if not isinstance(text, str):
        raise QueryError(f"query text must be str, not {type(text).__name__}")
    if now is not None or _RELATIVE_TIME.search(text):
        return Query(parse_text(text, now=now))
    return _parse_cached(text)


def from_dict(query: Mapping[str, Any]) -> Query:
    """Build a query from a MongoDB filter document."""
    return Query(_from_dict(query))


def query(q: QueryLike | None) -> Query:
    """Coerce anything query-like (Query, dict, text, AST node; None means all) to a Query."""
    if isinstance(q, Query):
        return q
    if q is None:
        return Query(n.Const(True))
    if isinstance(q, str):
        return parse(q)
    if isinstance(q, Mapping):
        return from_dict(q)
    if isinstance(q, n.Node):
        return Query(q)
    raise QueryError(f"cannot make a query from {type(q).__name__}")


def compile(q: QueryLike) -> Callable[[Any], bool]:  # noqa: A001 - the natural name
    """The compiled predicate ``record -> bool`` for any query-like input."""
    return query(q).predicate


def explain(q: QueryLike) -> Explanation:
    """Every stage of a query: ``str()`` of the result is the text a person reads."""
    qq = query(q)
    return Explanation.of(qq.node, qq.optimized)
