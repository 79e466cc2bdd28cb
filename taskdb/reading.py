"""Reading packed records: which of them match a query, and the caller's copies of them.

A query's compiled predicate reads dicts, and stored records are packed tuples
(:mod:`taskdb.packing`).  Rather than rebuilding each record, the predicate runs on a
*view*: a dict holding only the paths the query reads (:func:`query_trie`), complete at each
path.  A leaf's answer depends on nothing but the value at its path, so the predicate gives
every view its record's answer -- exactly, for every operator, by construction rather than
by a second implementation of MongoDB's rules.

Large answers are built with the cyclic garbage collector paused (as Mercurial's ``nogc``
does): building 3 containers per record would otherwise trigger collections that walk the
whole heap again and again while the answer grows, though an answer the caller drops is
freed by reference counting alone.  A caller that keeps the answer pays one young
collection of it later instead of several during the build.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from querylang import nodes as n

from .packing import SLOT, Packed, Trie, view_all, viewers

__all__ = ["query_trie", "matching", "paused_gc", "PAUSE_AT", "CHUNK"]

#: Answers (and scans) with at least this many records run with the collector paused.
PAUSE_AT = 2000
#: Views are built and tested this many at a time (they are garbage right after).
CHUNK = 2048


def _trie(node: n.Node) -> Trie | None:
    """The paths ``node`` reads, as a trie (None: the whole record)."""
    root: dict[str, Any] = {}
    for leaf in n.level_leaves(node):
        if isinstance(leaf, n.Const | n.Comment):
            continue
        path = getattr(leaf, "path", None)
        if not isinstance(path, tuple) or not path or not all(type(c) is str for c in path):
            return None  # reads the record itself, or a node we cannot see into
        level = root
        for comp in path[:-1]:
            nxt = level.get(comp, {})
            if nxt is None:  # a shorter path already takes this whole value
                break
            level = level.setdefault(comp, nxt)
        else:
            level[path[-1]] = None
    return _freeze(root)


def _freeze(level: dict[str, Any]) -> Trie:
    return tuple(sorted((k, None if v is None else _freeze(v)) for k, v in level.items()))


_trie_cached = lru_cache(maxsize=4096)(_trie)


def query_trie(node: n.Node) -> Trie | None:
    """The paths the query ``node`` reads from a record (None: the record as a whole)."""
    try:
        return _trie_cached(node)
    except TypeError:  # an unhashable hand-built tree
        return _trie(node)


def matching(rows: Sequence[Packed], node: n.Node, pred: Callable[[Any], bool]) -> list[Packed]:
    """The packed records (in order) on whose views ``pred``, compiled from ``node``, holds."""
    trie = query_trie(node)
    test = getattr(pred, "filter_dicts", None)
    if trie is None or test is None:
        views = viewers(trie)
        return [t for t in rows if pred(views[t[0]](t))]
    view = view_all(trie)
    out: list[Packed] = []
    for i in range(0, len(rows), CHUNK):
        out += [v[SLOT] for v in test(view(rows[i : i + CHUNK]))]
    return out


class paused_gc:  # noqa: N801 - used like a function: ``with paused_gc(n):``
    """Pause the cyclic collector for a bulk build of at least :data:`PAUSE_AT` objects.

    Only if it is enabled, and it is re-enabled on exit.  Process-wide, like the collector
    itself: another thread's cycles wait for the next collection after the pause.
    """

    __slots__ = ("paused",)

    def __init__(self, size: int) -> None:
        self.paused = size >= PAUSE_AT and gc.isenabled()

    def __enter__(self) -> None:
        if self.paused:
            gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.paused:
            gc.enable()
