"""Back end: AST -> MongoDB filter document (for pymongo, logs, and the other peers)."""

from __future__ import annotations

from typing import Any

from . import nodes as n

__all__ = ["to_dict"]


def to_dict(node: n.Node) -> dict[str, Any]:
    """A filter document that :func:`querylang.from_dict` turns back into an equivalent AST."""
    if isinstance(node, n.Const):
        return {} if node.value else {"$nor": [{}]}
    if isinstance(node, n.Comment):
        return {"$comment": node.text}
    if isinstance(node, n.And):
        merged = _merge_conjuncts(node.children)
        if merged is not None and len(node.children) > 1:
            return merged
        return {"$and": [to_dict(c) for c in node.children]}
    if isinstance(node, n.Or):
        return {"$or": [to_dict(c) for c in node.children]}
    if isinstance(node, n.Nor):
        return {"$nor": [to_dict(c) for c in node.children]}
    if isinstance(node, n.Not):
        path = _field_path(node.child)
        if path is not None and path != ():
            inner = node.child
            if isinstance(inner, n.Match):
                return {_key(path): {"$not": inner.regex}}
            return {_key(path): {"$not": _ops(inner)}}
        return {"$nor": [to_dict(node.child)]}
    path = _field_path(node)
    assert path is not None, node
    if isinstance(node, n.Compare) and node.op == "eq" and not _needs_eq(node.value.value):
        return {_key(path): n.thaw(node.value.value)}
    return {_key(path): _ops(node)}


def _merge_conjuncts(children: tuple[n.Node, ...]) -> dict[str, Any] | None:
    """One filter document for an And of field conditions (``{a: {$gt: 1, $lt: 5}, b: 2}``),
    or None when two conditions cannot share one (same operator twice, nested logic)."""
    out: dict[str, Any] = {}
    last = None
    for child in children:
        if isinstance(child, n.And | n.Const):
            return None
        for key, value in to_dict(child).items():
            if key not in out:
                out[key], last = value, key
                continue
            prev = out[key]
            # Only consecutive conditions on one field merge: the tree keeps its order.
            if key != last or key.startswith("$"):
                return None
            if not (_is_op_doc(prev) and _is_op_doc(value)):
                return None
            if set(prev) & set(value) or "$not" in value or "$not" in prev:
                return None
            out[key] = {**prev, **value}
    return out


def _is_op_doc(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and next(iter(value)).startswith("$")


def _key(path: n.Path) -> str:
    return ".".join(path)


def _needs_eq(value: Any) -> bool:
    """Equality must be spelled ``$eq`` when the plain form would read as something else."""
    if isinstance(value, n.Regex):
        return True
    if isinstance(value, n.Document) and len(value):
        return next(iter(value)).startswith("$")
    return False


def _field_path(node: n.Node) -> n.Path | None:
    """The one path a field-level condition applies to, or None if it is not one."""
    if isinstance(node, n.LEAF_TYPES):
        return node.path
    if isinstance(node, n.Not):
        p = _field_path(node.child)
        return p
    if isinstance(node, n.And) and node.children:
        paths = {_field_path(c) for c in node.children}
        if (
            len(paths) == 1
            and None not in paths
            and all(not isinstance(c, n.And) for c in node.children)
        ):
            keys = [k for c in node.children for k in _ops(c)]
            if len(keys) == len(set(keys)):  # {a: {$gt: 1, $gt: 2}} cannot be written
                return paths.pop()
    return None


def _ops(node: n.Node) -> dict[str, Any]:
    """The operator document of a field-level condition (its path is implied)."""
    if isinstance(node, n.And):
        out: dict[str, Any] = {}
        for c in node.children:
            out.update(_ops(c))
        return out
    if isinstance(node, n.Not):
        inner = node.child
        return {"$not": inner.regex if isinstance(inner, n.Match) else _ops(inner)}
    if isinstance(node, n.Compare):
        return {n.CMP_MONGO[node.op]: n.thaw(node.value.value)}
    if isinstance(node, n.In):
        return {"$nin" if node.negated else "$in": [n.thaw(v.value) for v in node.values]}
    if isinstance(node, n.All):
        return {"$all": [n.thaw(v.value) for v in node.values]}
    if isinstance(node, n.Exists):
        return {"$exists": node.exists}
    if isinstance(node, n.Type):
        return {"$type": node.types[0] if len(node.types) == 1 else list(node.types)}
    if isinstance(node, n.Mod):
        return {"$mod": [node.divisor, node.remainder]}
    if isinstance(node, n.Match):
        if node.regex.flags:
            return {"$regex": node.regex.pattern, "$options": node.regex.flags}
        return {"$regex": node.regex.pattern}
    if isinstance(node, n.Glob):
        return {"$glob": node.pattern}
    if isinstance(node, n.Size):
        return {"$size": node.size}
    if isinstance(node, n.ElemMatch):
        query = _ops(node.query) if node.value_form else to_dict(node.query)
        return {"$elemMatch": query}
    raise TypeError(f"not a field condition: {node!r}")
