"""The compiler: AST -> Python source (:mod:`querylang.codegen`) -> one cached predicate.

``compile_node(node)`` returns ``predicate(record) -> bool``, equal to
``reference.evaluate(node, record)`` for every record, and typically within a small factor
of a hand-written test.  Equal trees share one function object (an LRU cache on the
hashable node).  The predicate carries:

- ``predicate.filter(records) -> list``: the same test inlined in a list comprehension
  (no Python call per record; the fastest way to scan many records);
- ``predicate.filter_dicts(records) -> list``: the same without the per-record check that
  the record is a plain ``dict``, for callers that guarantee it (taskdb's own store);
- ``predicate.source``: the generated source (also :func:`generate_source`);
- ``predicate.node``: the AST it was compiled from.

Safety: the source never contains query text.  Field names, literals and helpers are
bound names, never spelled as code; the source holds no string literals at all.  The
module runs with empty builtins.

Speed of compiling: the generated source depends only on the query's *shape* (its
structure and the types of its literals), not on the literal values, which are bound as
arguments of a factory function.  Factories are cached by source, so a query that differs
from an earlier one only in its values (another client_uuid, another date) costs one code
generation and one call, not a Python compile.  Inside the factory every bound name is a
closure cell (``LOAD_DEREF``), as cheap to read as a local.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from .. import nodes as n
from ..errors import QueryError
from ..limits import MAX_INLINE_FILTER_CHARS
from .codegen import Program, generate

__all__ = ["compile_node", "generate_source"]

_FILENAME = "<querylang>"


_COMMENT = re.compile(r"#[^\n]*")


@lru_cache(maxsize=1024)
def _factory(source: str) -> Callable[..., tuple[Callable, Callable | None]]:
    """Compile (once per query shape) the factory that binds names and returns functions."""
    try:
        code = compile(source, _FILENAME, "exec")
    except (RecursionError, MemoryError, SyntaxError) as exc:  # pragma: no cover - guarded
        raise QueryError(f"query too large or deep to compile: {type(exc).__name__}") from None
    namespace: dict[str, Any] = {"__builtins__": {}}
    exec(code, namespace)  # noqa: S102 - our own generated code, no query text in it
    return namespace["_factory"]


def _build(node: n.Node) -> Callable[[Any], bool]:
    if not isinstance(node, n.Node):
        raise QueryError(f"cannot compile {type(node).__name__}: not a query node")
    program: Program = generate(node)
    inline_filter = len(program.filter_source) <= MAX_INLINE_FILTER_CHARS
    body = program.source + ("\n" + program.filter_source if inline_filter else "")
    # No string literal is ever generated, so every "#" starts a comment; without them the
    # text is the same for every query of one shape, whatever its values.
    body = textwrap.indent(_COMMENT.sub("", body), "    ")
    params = sorted(program.names)
    returns = (
        "predicate, filter_records, filter_dicts" if inline_filter else "predicate, None, None"
    )
    source = f"def _factory({', '.join(params)}):\n{body}\n    return {returns}\n"
    predicate, filter_records, filter_dicts = _factory(source)(*[program.names[p] for p in params])
    if filter_records is not None:
        predicate.filter = filter_records
        predicate.filter_dicts = filter_dicts
    else:
        predicate.filter = predicate.filter_dicts = lambda records: [
            r for r in records if predicate(r)
        ]
    predicate.source = program.source
    predicate.node = node
    predicate.__qualname__ = predicate.__name__ = "querylang_predicate"
    return predicate


_cached = lru_cache(maxsize=4096)(_build)


def compile_node(node: n.Node) -> Callable[[Any], bool]:
    """The predicate ``record -> bool`` for ``node`` (cached: equal nodes, same function)."""
    try:
        hash(node)
    except (TypeError, RecursionError):  # a hand-built node holding a list, or very deep
        return _build(node)  # compile it, just don't cache it
    return _cached(node)


def generate_source(node: n.Node) -> str:
    """The Python source ``compile_node(node)`` runs, for people (``explain``)."""
    return compile_node(node).source
