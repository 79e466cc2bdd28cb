"""The exact classes generated code decides by class alone, and their type brackets.

A value whose class is exactly one of :data:`KNOWN` has a type bracket the code generator
knows in advance, so a leaf can answer (or rule the value out) with one class test; values
of any other class (subclasses, arrays, naive datetimes...) go to the reference evaluator.
"""

from __future__ import annotations

import datetime as _dt
import decimal
from functools import cache
from typing import Any

from ..values import MISSING, type_rank

__all__ = ["SAMPLES", "RANK", "KNOWN", "SCALARS", "CLASS_NAME", "R_NUMBER", "R_STRING", "outside"]

#: One value of each known class (its type bracket and BSON type are those of any value of
#: the class, except ``int``, whose BSON type depends on its size).
SAMPLES: tuple[Any, ...] = (
    None,
    MISSING,
    True,
    0,
    0.0,
    decimal.Decimal(0),
    "",
    {},
    _dt.datetime(2000, 1, 1),
    b"",
)
#: Known class -> its type bracket.
RANK: dict[type, int] = {type(s): type_rank(s) for s in SAMPLES}
KNOWN: frozenset[type] = frozenset(RANK)
#: Known classes that are neither documents nor arrays: a path step through them is MISSING.
SCALARS: frozenset[type] = frozenset(KNOWN - {dict})
#: Class -> the name generated code calls it by (generated code has no builtins).
CLASS_NAME: dict[type, str] = {
    str: "str",
    int: "int",
    float: "float",
    bool: "bool",
    bytes: "bytes",
    dict: "dict",
    _dt.datetime: "datetime",
    list: "list",
    tuple: "tuple",
}

R_NUMBER, R_STRING = type_rank(0), type_rank("")


@cache
def outside(ranks: frozenset[int]) -> frozenset[type]:
    """The known classes outside the type brackets ``ranks`` (their values never match a
    comparison with a literal of those brackets)."""
    return frozenset(c for c in KNOWN if RANK[c] not in ranks)
