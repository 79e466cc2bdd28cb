"""STUB (to be replaced): AST -> canonical text of the textual language."""
from . import nodes as n


def to_text(node: n.Node) -> str:
    return repr(node)
