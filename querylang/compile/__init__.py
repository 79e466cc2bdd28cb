"""The Python compile target: AST -> Python source -> one cached predicate per query."""

from .compiler import compile_node, generate_source

__all__ = ["compile_node", "generate_source"]
