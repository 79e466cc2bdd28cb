"""The compiler: AST -> Python source (:mod:`~.codegen`) -> one cached predicate.

``compile_node(node)`` returns a :class:`Predicate`, ``predicate(record) -> bool``, equal
to ``reference.evaluate(node, record)`` for every record, and typically within a small
factor of a hand-written test.  Equal trees share one function object (an LRU cache on the
hashable node).  The predicate carries:

- ``predicate.filter(records) -> list``: the same test inlined in a list comprehension
  (no Python call per record; the fastest way to scan many records);
- ``predicate.filter_dicts(records) -> list``: the same without the per-record check that
  the record is a plain ``dict``, for callers that guarantee it (taskdb's own store);
- ``predicate.source``: the generated source, with comments (also :func:`generate_source`);
- ``predicate.node``: the AST it was compiled from.

Safety: the source never contains query text.  Field names, literals and helpers are
bound names, never spelled as code; the source holds no string literals at all.  The
module runs with empty builtins.

Speed of compiling: the generated code without its comments depends only on the query's
*shape* (its structure and the types of its literals), not on the literal values, which are
bound as arguments of a factory function.  Factories are cached by that code, so a query
that differs from an earlier one only in its values (another client_uuid, another date)
costs one code generation and one call, not a Python compile.  Inside the factory every
bound name is a closure cell (``LOAD_DEREF``), as cheap to read as a local.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, Protocol, TypeAlias, cast

from .. import nodes as n
from ..errors import QueryError
from ..limits import MAX_INLINE_FILTER_CHARS
from .codegen import generate

__all__ = ["Predicate", "compile_node", "generate_source"]

_FILENAME = "<querylang>"

#: ``filter`` and ``filter_dicts``: the records that match, in order.
Filter: TypeAlias = Callable[[Iterable[Any]], list[Any]]
#: The generated factory: bound values in, ``(predicate, filter_records, filter_dicts)`` out
#: (the filters are None when too long to inline).
_Factory: TypeAlias = Callable[..., tuple[Callable[[Any], bool], Filter | None, Filter | None]]


class Predicate(Protocol):
    """A compiled query: ``predicate(record) -> bool`` and what it carries (see above)."""

    filter: Filter
    filter_dicts: Filter
    source: str
    node: n.Node
    __name__: str
    __qualname__: str

    def __call__(self, record: Any, /) -> bool: ...


@lru_cache(maxsize=1024)
def _factory(code: str) -> _Factory:
    """Compile (once per query shape) the factory that binds names and returns functions."""
    try:
        compiled = compile(code, _FILENAME, "exec")
    except (RecursionError, MemoryError, SyntaxError) as exc:  # pragma: no cover - guarded
        raise QueryError(f"query too large or deep to compile: {type(exc).__name__}") from None
    namespace: dict[str, Any] = {"__builtins__": {}}
    exec(compiled, namespace)  # noqa: S102 - our own generated code, no query text in it
    return cast(_Factory, namespace["_factory"])


def _build(node: n.Node) -> Predicate:
    if not isinstance(node, n.Node):
        raise QueryError(f"cannot compile {type(node).__name__}: not a query node")
    program = generate(node)
    inline_filter = len(program.filter_code) <= MAX_INLINE_FILTER_CHARS
    body = program.code + ("\n" + program.filter_code if inline_filter else "")
    params = sorted(program.names)
    returns = (
        "predicate, filter_records, filter_dicts" if inline_filter else "predicate, None, None"
    )
    code = (
        f"def _factory({', '.join(params)}):\n"
        f"{textwrap.indent(body, '    ')}\n"
        f"    return {returns}\n"
    )
    function, filter_records, filter_dicts = _factory(code)(*[program.names[p] for p in params])
    predicate = cast(Predicate, function)
    if filter_records is not None and filter_dicts is not None:
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


def compile_node(node: n.Node) -> Predicate:
    """The predicate ``record -> bool`` for ``node`` (cached: equal nodes, same function)."""
    try:
        hash(node)
    except (TypeError, RecursionError):  # a hand-built node holding a list, or very deep
        return _build(node)  # compile it, just don't cache it
    return _cached(node)


def generate_source(node: n.Node) -> str:
    """The Python source ``compile_node(node)`` runs, for people (``explain``)."""
    return compile_node(node).source
