"""Boolean-structure passes: flatten, drop duplicates, fold constants, canonical negations.

These rely only on matching being a pure boolean function of the document: ``$and``,
``$or`` and ``$nor`` are evaluated as plain conjunction / disjunction / negated
disjunction over their children, with no side effects and no order dependence.
"""

from __future__ import annotations

from .. import nodes as n
from ._tree import at_root, negate

__all__ = ["flatten", "dedup", "fold_constants", "normalize_negations"]

_TRUE = n.Const(True)
_FALSE = n.Const(False)


def _flatten(node: n.Node) -> n.Node:
    """Splice nested And/And and Or/Or; And() is true, Or() is false, one child is itself.

    Exact: conjunction and disjunction are associative, with identities true and false.
    """
    if type(node) is not n.And and type(node) is not n.Or:
        return node
    kind = type(node)
    kids: list[n.Node] = []
    changed = False
    for c in node.children:
        if type(c) is kind:
            kids.extend(c.children)
            changed = True
        else:
            kids.append(c)
    if not kids:
        return _TRUE if kind is n.And else _FALSE
    if len(kids) == 1:
        return kids[0]
    return kind(tuple(kids)) if changed else node


def _dedup(node: n.Node) -> n.Node:
    """Drop repeated children of And/Or/Nor (structural equality), keeping the first.

    Exact: conjunction and disjunction are idempotent (x and x == x).
    """
    if not isinstance(node, n.And | n.Or | n.Nor):
        return node
    kids = tuple(dict.fromkeys(node.children))
    return node if len(kids) == len(node.children) else type(node)(kids)


def _fold_constants(node: n.Node) -> n.Node:
    """Fold Const and Comment (always true) through And/Or/Nor/Not; empty ``$in``/``$all``.

    Exact: ``$comment`` never affects matching; ``$in: []`` matches nothing (so ``$nin: []``
    matches everything); ``$all: []`` and ``$type: []`` match nothing; an ``$elemMatch``
    whose condition is false matches nothing; ``not not x`` is ``x`` (boolean negation).
    """
    if isinstance(node, n.Comment):
        return _TRUE
    if isinstance(node, n.And | n.Or | n.Nor):
        absorbing = isinstance(node, n.Or | n.Nor)  # a true child decides Or and Nor
        if any(isinstance(c, n.Const) and c.value == absorbing for c in node.children):
            return n.Const(isinstance(node, n.Or)) if absorbing else _FALSE
        kids = tuple(c for c in node.children if not isinstance(c, n.Const))
        if not kids:
            return n.Const(not isinstance(node, n.Or))
        if len(kids) == len(node.children):
            return node
        return kids[0] if len(kids) == 1 and not isinstance(node, n.Nor) else type(node)(kids)
    if isinstance(node, n.Not):
        if isinstance(node.child, n.Const):
            return n.Const(not node.child.value)
        if isinstance(node.child, n.Not):
            return node.child.child
        return node
    if isinstance(node, n.In) and not node.values:
        return n.Const(node.negated)
    if isinstance(node, n.All) and not node.values:
        return _FALSE
    if isinstance(node, n.Type) and not node.types:
        return _FALSE
    if isinstance(node, n.ElemMatch) and node.query == _FALSE:
        return _FALSE
    return node


def _normalize_negations(node: n.Node) -> n.Node:
    """Canonical negations: ``not $eq`` -> ``$ne``, ``not $in`` -> ``$nin`` (and back),
    ``not $exists: b`` -> ``$exists: !b``; ``$nor`` -> ``not $or``.

    Exact: docs/semantics.md defines ``$ne`` as not ``$eq``, ``$nin`` as not ``$in``,
    ``$exists: false`` as not ``$exists: true``, and ``$nor`` as not ``$or``.
    """
    if isinstance(node, n.Nor):
        return n.Not(n.Or(node.children) if len(node.children) != 1 else node.children[0])
    if isinstance(node, n.Not):
        child = node.child
        if isinstance(child, n.In | n.Exists) or (
            isinstance(child, n.Compare) and child.op in ("eq", "ne")
        ):
            return negate(child)
    return node


flatten = at_root(_flatten)
dedup = at_root(_dedup)
fold_constants = at_root(_fold_constants)
normalize_negations = at_root(_normalize_negations)
