"""Shared test vocabulary: build AST nodes tersely, and draw trees from querylang.strategies.

Every test module builds nodes the same way (``cmp("a.b", "gt", 5)``), so a change to a node
type is one change here, not one per test file.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from querylang import nodes as n
from querylang.strategies import queries


def path(dotted: str) -> n.Path:
    """``"a.b"`` -> ``("a", "b")``; ``""`` is the element itself (``()``)."""
    return tuple(dotted.split(".")) if dotted else ()


def lit(value: Any) -> n.Literal:
    """A literal of any JSON-like Python value (lists and dicts are frozen)."""
    return n.Literal(n.freeze(value))


def cmp(dotted: str, op: str, value: Any) -> n.Compare:
    """``cmp("a.b", "gt", 5)``: ``a.b > 5``."""
    return n.Compare(path(dotted), op, lit(value))  # type: ignore[arg-type]


def eq(dotted: str, value: Any) -> n.Compare:
    return cmp(dotted, "eq", value)


def in_(dotted: str, *values: Any, negated: bool = False) -> n.In:
    return n.In(path(dotted), tuple(lit(v) for v in values), negated)


def trees(max_depth: int = 3, **kwargs: Any) -> st.SearchStrategy[n.Node]:
    """Random query trees using every node type (:func:`querylang.strategies.queries`)."""
    return queries(max_depth=max_depth, **kwargs)
