"""STUB (to be replaced): compiles an AST to a Python predicate."""
from functools import partial

from . import nodes as n
from .reference import evaluate


def compile_node(node: n.Node):
    return partial(_run, node)


def _run(node, record):
    return evaluate(node, record)


def generate_source(node: n.Node) -> str:
    return "# stub: reference evaluator\n"
