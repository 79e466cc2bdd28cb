"""The Python compile target: AST -> Python source -> one cached predicate per query."""

from .compiler import Predicate, compile_node, generate_source

__all__ = ["Predicate", "compile_node", "generate_source"]
