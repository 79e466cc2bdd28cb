"""querylang: MongoDB query semantics for JSON-like Python records.

One AST from three front ends (Python dicts, Mongo-style JSON text, a small textual
language), an optimizer of small pure passes, and a compiler to fast Python predicates,
with a reference evaluator as its obviously-correct twin.
"""

from . import nodes
from .errors import QueryError
from .frontends import extjson
from .optimizer import optimize
from .query import Query, QueryLike, compile, explain, from_dict, parse, query
from .reference import evaluate

__all__ = [
    "Query",
    "QueryLike",
    "QueryError",
    "parse",
    "from_dict",
    "query",
    "compile",
    "explain",
    "optimize",
    "evaluate",
    "nodes",
    "extjson",
]
__version__ = "0.1.0"
