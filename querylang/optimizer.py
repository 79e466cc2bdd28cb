"""STUB (to be replaced): the optimizer pipeline."""
from . import nodes as n

PASSES: list = []


def optimize(node: n.Node) -> n.Node:
    return node
