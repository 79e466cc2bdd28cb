"""The reference evaluator: a small, obviously-correct interpreter over the AST.

It is slow on purpose: every rule of MongoDB's matching is spelled out once, here, and the
compiled predicates, the optimizer and the taskdb planner are property-tested against it.
Each rule cites docs/semantics.md.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from . import nodes as n
from .regex import RegexLimitError, compile_regex
from .values import (
    MISSING,
    compare_op,
    elem_match_document,
    equal,
    is_array,
    is_document,
    matches_type,
    mongo_mod,
)

__all__ = ["evaluate", "resolve", "MISSING"]


def _is_index(key: str) -> bool:
    return key.isdigit() and key.isascii() and (key == "0" or key[0] != "0")


def resolve(doc: Any, path: n.Path, expand: bool = True) -> list[Any]:
    """Every value ``path`` reaches in ``doc`` (MISSING where it reaches nothing).

    Rules (docs/semantics.md, "Paths"; ``jstests/core/query/match_numeric_components.js``):
    - a document step looks the key up (MISSING if absent);
    - an array step with a non-numeric key visits each element: a document element is
      looked up, any other element (scalar, nested array) gives MISSING; an empty array
      gives MISSING;
    - an array step with a numeric key takes the element at that index, plus the key in
      document elements; nothing found gives MISSING;
    - a scalar step gives MISSING;
    - an empty field name as the last step on an array gives the array itself
      (``jstests/core/query/field_name_empty.js``);
    - at the end, if ``expand`` and the value is an array, the array *and* each of its
      elements are candidates (one level only) -- except an array reached by an index as
      the last step, which is only itself: ``{"a.0": 42}`` does not match ``{a: [[42]]}``.
    """
    found: list[tuple[Any, bool]] = []
    _resolve(doc, path, 0, found)
    if expand and path:
        expanded: list[Any] = []
        for v, by_index in found:
            expanded.append(v)
            if not by_index and is_array(v):
                expanded.extend(v)
        return expanded
    return [v for v, _ in found]


def _resolve(value: Any, path: n.Path, i: int, out: list[tuple[Any, bool]]) -> None:
    """Append ``(value, reached_by_index_as_last_step)`` for every value ``path[i:]`` reaches."""
    while i < len(path):
        key = path[i]
        if is_document(value):
            value = value.get(key, MISSING)
            i += 1
            continue
        if is_array(value):
            if key == "" and i + 1 == len(path):
                # A trailing empty name on an array is the array itself: MongoDB's
                # field_name_empty.js has {"x.": 3} match {x: [3]} but not {x: [{"": 3}]}.
                out.append((value, False))
                return
            if _is_index(key):
                found = len(out)
                idx = int(key)
                if idx < len(value):
                    if i + 1 == len(path):
                        out.append((value[idx], True))
                    else:
                        _resolve(value[idx], path, i + 1, out)
                for e in value:
                    if is_document(e) and key in e:
                        _resolve(e[key], path, i + 1, out)
                if len(out) == found:
                    out.append((MISSING, False))
                return
            if not value:
                out.append((MISSING, False))
                return
            for e in value:
                if is_document(e):
                    _resolve(e.get(key, MISSING), path, i + 1, out)
                else:
                    out.append((MISSING, False))
            return
        out.append((MISSING, False))
        return
    out.append((value, False))


def _regex_matches(r: n.Regex, v: Any) -> bool:
    """``$regex`` on one value: strings are searched; a stored regex matches if identical.

    The pattern is compiled first, whatever the value: an invalid regex is a QueryError on
    every document, never only on those with a string there."""
    compiled = compile_regex(r)
    if isinstance(v, str):
        return compiled.search(v) is not None
    if isinstance(v, n.Regex):
        return v == r
    pattern = getattr(v, "pattern", None)
    if isinstance(pattern, str) and hasattr(v, "flags"):
        return equal(v, r)
    return False


def _in_matches(values: tuple[n.Literal, ...], v: Any) -> bool:
    for lit in values:
        x = lit.value
        if isinstance(x, n.Regex):
            if _regex_matches(x, v):
                return True
        elif equal(v, x):
            return True
    return False


def evaluate(node: n.Node, doc: Any) -> bool:
    """Does ``doc`` match ``node``?  (The empty path denotes ``doc`` itself, unexpanded.)

    A regex search that exceeds PCRE2's limits raises :class:`RegexLimitError` naming the
    field (docs/semantics.md, "Regular expressions")."""
    try:
        return _evaluate(node, doc)
    except RegexLimitError as exc:
        if exc.path is not None:
            raise
        path = _regex_path(node, exc.regex)
        raise RegexLimitError(exc.message, regex=exc.regex, limit=exc.limit, path=path) from None


def _regex_path(node: n.Node, regex: n.Regex) -> str | None:
    """The dotted path of the first leaf of ``node`` that uses ``regex`` (for messages)."""
    prefix: dict[int, n.Path] = {id(node): ()}
    for x in n.walk(node):
        base = prefix.get(id(x), ())
        path = getattr(x, "path", None)
        if isinstance(x, n.ElemMatch):
            prefix[id(x.query)] = base + x.path
            continue
        for c in n.children(x):
            prefix.setdefault(id(c), base)
        uses = (
            isinstance(x, n.Match)
            and x.regex == regex
            or isinstance(x, n.In | n.All)
            and any(lit.value == regex for lit in x.values)
        )
        if uses and isinstance(path, tuple):
            return ".".join(base + path) or None
    return None


def _evaluate(node: n.Node, doc: Any) -> bool:
    if isinstance(node, n.And):
        return all(_evaluate(c, doc) for c in node.children)
    if isinstance(node, n.Or):
        return any(_evaluate(c, doc) for c in node.children)
    if isinstance(node, n.Nor):
        return not any(_evaluate(c, doc) for c in node.children)
    if isinstance(node, n.Not):
        return not _evaluate(node.child, doc)
    if isinstance(node, n.Const):
        return node.value
    if isinstance(node, n.Comment):
        return True
    if isinstance(node, n.Compare):
        if node.op == "eq":
            return any(equal(v, node.value.value) for v in resolve(doc, node.path))
        if node.op == "ne":
            return not any(equal(v, node.value.value) for v in resolve(doc, node.path))
        return any(compare_op(node.op, v, node.value.value) for v in resolve(doc, node.path))
    if isinstance(node, n.In):
        hit = any(_in_matches(node.values, v) for v in resolve(doc, node.path))
        return not hit if node.negated else hit
    if isinstance(node, n.All):
        cands = resolve(doc, node.path)
        # "$all is equivalent to an $and of the specified values": a regex value is a $regex.
        return bool(node.values) and all(
            any(_in_matches((lit,), v) for v in cands) for lit in node.values
        )
    if isinstance(node, n.Exists):
        present = any(v is not MISSING for v in resolve(doc, node.path, expand=False))
        return present == node.exists
    if isinstance(node, n.Type):
        return any(matches_type(v, node.types) for v in resolve(doc, node.path))
    if isinstance(node, n.Mod):
        return any(mongo_mod(v, node.divisor, node.remainder) for v in resolve(doc, node.path))
    if isinstance(node, n.Match):
        return any(_regex_matches(node.regex, v) for v in resolve(doc, node.path))
    if isinstance(node, n.Glob):
        cands = resolve(doc, node.path)
        return any(isinstance(v, str) and fnmatchcase(v, node.pattern) for v in cands)
    if isinstance(node, n.Size):
        cands = resolve(doc, node.path, expand=False)
        return any(is_array(v) and len(v) == node.size for v in cands)
    if isinstance(node, n.ElemMatch):
        return any(
            _elem_matches(node.query, node.value_form, e)
            for v in resolve(doc, node.path, expand=False)
            if is_array(v)
            for e in v
        )
    raise TypeError(f"not a query node: {node!r}")


def _elem_matches(query: n.Node, value_form: bool, element: Any) -> bool:
    """``$elemMatch`` on one element: the operator form tests the element itself; the
    document form tests documents (and nested arrays, as documents)."""
    if value_form:
        return _evaluate(query, element)
    as_doc = elem_match_document(element)
    return as_doc is not None and _evaluate(query, as_doc)
