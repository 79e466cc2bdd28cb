"""Strategies for MongoDB filter dicts, in the many spellings people write by hand.

Every dict they draw is valid for :func:`querylang.from_dict`; besides hand-written
spellings they include ``to_dict`` of random trees from :mod:`.trees`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from ..to_dict import to_dict
from . import _pools as p
from .trees import paths, queries
from .values import in_int64, json_values

__all__ = ["dict_queries"]


@functools.lru_cache(maxsize=64)
def _field_ops(v: st.SearchStrategy[Any], json_only: bool, glob: bool) -> st.SearchStrategy[Any]:
    """One field's condition: a value, a regex, or an operator document."""
    pattern = st.sampled_from(p.PATTERNS)
    flags = st.sampled_from(p.REGEX_FLAGS)
    py_regex = st.builds(re.compile, pattern)
    cmp = st.sampled_from(("$eq", "$ne", "$gt", "$gte", "$lt", "$lte"))
    one_op = st.one_of(
        st.tuples(cmp, v),
        st.tuples(st.sampled_from(("$in", "$nin")), st.lists(v, max_size=3)),
        st.tuples(st.just("$all"), st.lists(v, min_size=1, max_size=3)),
        st.tuples(st.just("$exists"), st.sampled_from((True, False, 1, 0))),
        st.tuples(
            st.just("$type"),
            st.sampled_from((*p.TYPE_NAMES, 1, 2, 4, 10, 16, 18))
            | st.lists(st.sampled_from(p.TYPE_NAMES), min_size=1, max_size=2),
        ),
        st.tuples(
            st.just("$mod"),
            st.tuples(st.sampled_from((2, 3, -2, 2.5)), st.sampled_from((0, 1, -1, 1.9))).map(list),
        ),
        st.tuples(st.just("$size"), st.integers(0, 3) | st.sampled_from((1.0, 2.0))),
        *([st.tuples(st.just("$glob"), st.sampled_from(p.GLOBS))] if glob else []),
        st.tuples(st.just("$regex"), pattern),
    )
    ops_doc = st.lists(one_op, min_size=1, max_size=2, unique_by=lambda kv: kv[0]).map(dict)
    regex_doc = st.builds(
        lambda r, f: {"$regex": r, "$options": f} if f else {"$regex": r}, pattern, flags
    )
    out: list[st.SearchStrategy[Any]] = [
        v,
        ops_doc,
        ops_doc,
        regex_doc,
        ops_doc.map(lambda d: {"$not": d}),
    ]
    if not json_only:
        out += [
            py_regex,
            py_regex.map(lambda r: {"$not": r}),
            st.lists(v | py_regex, max_size=3).map(lambda xs: {"$in": xs}),
            st.lists(v | py_regex, min_size=1, max_size=3).map(lambda xs: {"$all": xs}),
        ]
    out.append(st.builds(lambda d: {"$elemMatch": d}, ops_doc))
    out.append(st.builds(lambda k, x: {"$elemMatch": {k: x}}, st.sampled_from(p.KEYS[:3]), v))
    return st.one_of(*out)


def dict_queries(
    fields: Sequence[str] | None = None,
    values: st.SearchStrategy[Any] | None = None,
    max_depth: int = 2,
    *,
    json_only: bool = False,
    glob: bool = True,
) -> st.SearchStrategy[dict[str, Any]]:
    """MongoDB filter dicts that :func:`querylang.from_dict` accepts: implicit equality,
    operator documents, ``$regex``/``$options``, compiled ``re`` patterns, ``$type`` by
    name or number, float ``$mod`` operands, ``$elemMatch``, ``$and/$or/$nor``,
    ``$comment``, and ``to_dict`` of random :func:`queries`.  ``json_only`` keeps to what
    plain JSON text can spell; ``glob=False`` leaves out ipyparallel's ``$glob``."""
    v = values if values is not None else json_values(2, json_only=json_only).filter(in_int64)
    top = tuple(fields) if fields else p.DEFAULT_FIELDS
    docs = _filter_doc(top, v, json_only, glob, max_depth)
    if json_only:
        return docs
    trees = queries(paths(top), values, max_depth, glob=glob)
    return docs | trees.map(to_dict)


_LOGIC = st.sampled_from((None, "$and", "$or", "$nor", "$comment"))
_COMMENTS = st.sampled_from(("hub", ""))


@functools.lru_cache(maxsize=64)
def _filter_doc(
    fields: tuple[str, ...], v: st.SearchStrategy[Any], json_only: bool, glob: bool, depth: int
) -> st.SearchStrategy[dict[str, Any]]:
    """Filter documents at most ``depth`` logical levels deep (one strategy per level)."""
    if depth <= 0:
        return _conditions(fields, v, json_only, glob)
    return _with_logic(fields, v, json_only, glob, depth)


@functools.lru_cache(maxsize=64)
def _conditions(
    fields: tuple[str, ...], v: st.SearchStrategy[Any], json_only: bool, glob: bool
) -> st.SearchStrategy[dict[str, Any]]:
    key = st.sampled_from(fields) | paths(fields).map(".".join)
    return st.dictionaries(key, _field_ops(v, json_only, glob), max_size=3)


@functools.lru_cache(maxsize=64)
def _clauses(
    fields: tuple[str, ...], v: st.SearchStrategy[Any], json_only: bool, glob: bool, depth: int
) -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.lists(_filter_doc(fields, v, json_only, glob, depth), min_size=1, max_size=3)


@st.composite
def _with_logic(
    draw: st.DrawFn,
    fields: tuple[str, ...],
    v: st.SearchStrategy[Any],
    json_only: bool,
    glob: bool,
    depth: int,
) -> dict[str, Any]:
    """Field conditions, plus one logical operator or ``$comment``."""
    out: dict[str, Any] = draw(_conditions(fields, v, json_only, glob))
    extra = draw(_LOGIC)
    if extra == "$comment":
        out["$comment"] = draw(_COMMENTS)
    elif extra is not None:
        out[extra] = draw(_clauses(fields, v, json_only, glob, depth - 1))
    return out
