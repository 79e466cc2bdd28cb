"""The compiler: AST -> Python source (:mod:`querylang.codegen`) -> one cached predicate.

``compile_node(node)`` returns ``predicate(record) -> bool``, equal to
``reference.evaluate(node, record)`` for every record, and typically within a small factor
of a hand-written test.  Equal trees share one function object (an LRU cache on the
hashable node).  The predicate carries:

- ``predicate.filter(records) -> list``: the same test inlined in a list comprehension
  (no Python call per record; the fastest way to scan many records);
- ``predicate.source``: the generated source (also :func:`generate_source`);
- ``predicate.node``: the AST it was compiled from.

Safety: the source never contains query text.  Field names and literals are bound names;
after parsing, names bound to plain constants (str, int, float, bytes, bool, None and
frozensets of them) are swapped for constant nodes in the syntax tree, so they load as
``LOAD_CONST`` without ever being spelled as code.  The module runs with empty builtins.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from . import nodes as n
from .codegen import Program, generate
from .errors import QueryError

__all__ = ["compile_node", "generate_source", "cache_clear"]

_FILENAME = "<querylang>"
#: Generated expressions longer than this get no inlined ``filter`` (it would double the
#: compile time of very wide queries); ``filter`` then calls the predicate per record.
_INLINE_FILTER_LIMIT = 20_000


class _Inline(ast.NodeTransformer):
    """Replace loads of plain-constant names with the constants themselves."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if isinstance(node.ctx, ast.Load) and node.id in self.values:
            return ast.copy_location(ast.Constant(self.values[node.id]), node)
        return node


def _build(node: n.Node) -> Callable[[Any], bool]:
    if not isinstance(node, n.Node):
        raise QueryError(f"cannot compile {type(node).__name__}: not a query node")
    program: Program = generate(node)
    inline_filter = len(program.filter_source) <= _INLINE_FILTER_LIMIT
    source = program.source + ("\n" + program.filter_source if inline_filter else "")
    try:
        tree = ast.parse(source, _FILENAME, "exec")
        tree = _Inline({k: program.names[k] for k in program.plain}).visit(tree)
        code = compile(tree, _FILENAME, "exec")
    except (RecursionError, MemoryError, SyntaxError) as exc:  # pragma: no cover - guarded
        raise QueryError(f"query too large or deep to compile: {type(exc).__name__}") from None
    namespace: dict[str, Any] = {"__builtins__": {}, **program.names}
    exec(code, namespace)  # noqa: S102 - our own generated code, no query text in it
    predicate = namespace["predicate"]
    if inline_filter:
        predicate.filter = namespace["filter_records"]
    else:
        predicate.filter = lambda records: [r for r in records if predicate(r)]
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


def cache_clear() -> None:
    """Forget every compiled predicate (for tests and benchmarks)."""
    _cached.cache_clear()
