"""Leaf passes: canonical ``$in``/``$all``/``$type`` operand lists and one-element ``$in``."""

from __future__ import annotations

from dataclasses import replace
from functools import cmp_to_key

from .. import nodes as n
from ..values import compare
from ._tree import at_root

__all__ = ["canonical_values", "single_in_to_eq", "sort_literals"]

_by_mongo_order = cmp_to_key(compare)


def sort_literals(values: tuple[n.Literal, ...]) -> tuple[n.Literal, ...]:
    """Distinct literals (type-aware: ``1``, ``1.0``, ``True`` stay distinct) in a
    deterministic order: MongoDB's sort order, ties broken by the type-aware key."""
    distinct = tuple(dict.fromkeys(values))
    try:
        return tuple(sorted(distinct, key=lambda lit: (_by_mongo_order(lit.value), repr(lit._key))))
    except Exception:  # a value the order cannot handle (never expected): keep input order
        return distinct


def _canonical_values(node: n.Node) -> n.Node:
    """Deduplicate and sort the operands of ``$in``, ``$nin``, ``$all`` and ``$type``.

    Exact: each is an any-of (``$in``, ``$type``) or all-of (``$all``) over its operands,
    so their order and repetitions do not matter.
    """
    if isinstance(node, n.In | n.All):
        values = sort_literals(node.values)
        return node if values == node.values else replace(node, values=values)
    if isinstance(node, n.Type):
        types = tuple(sorted(set(node.types)))
        return node if types == node.types else replace(node, types=types)
    return node


def _single_in_to_eq(node: n.Node) -> n.Node:
    """``$in: [v]`` -> ``$eq: v`` (``$nin`` -> ``$ne``); ``$in: [/re/]`` -> ``$regex``;
    ``$all: [v]`` -> ``$eq: v`` (``$all: [/re/]`` -> ``$regex``).

    Exact: ``$in`` matches when some candidate equals some operand, ``$eq`` when some
    candidate equals the operand; a regex operand of ``$in`` *matches* strings (``$regex``)
    rather than comparing for equality, hence the separate case.  ``$all: [v]`` requires
    one candidate equal to ``v``, which is ``$eq: v`` (arrays included: both compare the
    whole array and each element).
    """
    if isinstance(node, n.In) and len(node.values) == 1:
        lit = node.values[0]
        if isinstance(lit.value, n.Regex):
            match = n.Match(node.path, lit.value)
            return n.Not(match) if node.negated else match
        return n.Compare(node.path, "ne" if node.negated else "eq", lit)
    if isinstance(node, n.All) and len(node.values) == 1:
        lit = node.values[0]
        if isinstance(lit.value, n.Regex):  # "$all: [/re/]" is "$regex: /re/", like $in's
            return n.Match(node.path, lit.value)
        return n.Compare(node.path, "eq", lit)
    return node


canonical_values = at_root(_canonical_values)
single_in_to_eq = at_root(_single_in_to_eq)
