"""Run-time support for generated predicates: sentinels, class tables and helpers.

Everything here is bound by name into the globals of generated code (which has no builtins);
the class tables let the fast path decide a value's type bracket from its exact class.
"""

from __future__ import annotations

import datetime as _dt
import decimal
from collections.abc import Mapping
from typing import Any

from .. import nodes as n
from ..errors import QueryError
from ..reference import evaluate, resolve
from ..values import MISSING, elem_match_document, is_array, type_rank

__all__ = [
    "UNKNOWN",
    "RANK",
    "KNOWN",
    "SCALARS",
    "CLASS_NAME",
    "SAMPLES",
    "BASE_NAMES",
    "elem_match_values",
    "elem_match_documents",
    "elem_match_generic",
    "any_element",
    "reference",
]


class _Unknown:
    """A fetched value the fast path cannot decide (an array or unusual type mid-path)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()

# Exact classes whose type bracket is known from the class alone.
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
RANK: dict[type, int] = {type(s): type_rank(s) for s in SAMPLES}
KNOWN = frozenset(RANK)
#: Known classes that are neither documents nor arrays: a path step through them is MISSING.
SCALARS = frozenset(KNOWN - {dict})
CLASS_NAME = {
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


# --- run-time helpers bound into every generated module ----------------------------------


def elem_match_values(pred: Any, array: Any) -> bool:
    """``$elemMatch`` operator form: some element (any type) satisfies ``pred``."""
    for e in array:
        if pred(e):
            return True
    return False


def elem_match_documents(pred: Any, array: Any) -> bool:
    """``$elemMatch`` document form: some element, seen as a document, satisfies ``pred``."""
    for e in array:
        doc = e if e.__class__ is dict else elem_match_document(e)
        if doc is not None and pred(doc):
            return True
    return False


def elem_match_generic(path: n.Path, value_form: bool, pred: Any, rec: Any) -> bool:
    """``$elemMatch`` when the fast fetch gave up: resolve the path the reference way."""
    loop = elem_match_values if value_form else elem_match_documents
    return any(loop(pred, v) for v in resolve(rec, path, expand=False) if is_array(v))


def any_element(test: Any, array: Any) -> Any:
    """True if ``test`` is True for some element; UNKNOWN if it could not tell for some."""
    unsure = False
    for e in array:
        r = test(e)
        if r is True:
            return True
        if r is not False:
            unsure = True
    return UNKNOWN if unsure else False


def reference(node: n.Node, rec: Any) -> bool:
    """The reference verdict, with deep recursion reported as a QueryError."""
    try:
        return evaluate(node, rec)
    except RecursionError:
        raise QueryError("query nested too deeply to evaluate on this record") from None


BASE_NAMES: dict[str, Any] = {
    "M": MISSING,
    "U": UNKNOWN,
    "KNOWN": KNOWN,
    "SCALARS": SCALARS,
    "Mapping": Mapping,
    "isinstance": isinstance,
    "len": len,
    "elem_match_values": elem_match_values,
    "any_element": any_element,
    "elem_match_documents": elem_match_documents,
    **{name: cls for cls, name in CLASS_NAME.items()},
}
