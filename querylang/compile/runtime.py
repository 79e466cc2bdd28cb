"""What generated predicates call at run time: the UNKNOWN sentinel and the helpers.

Generated code has no builtins and no globals of its own: :data:`BASE_NAMES` is every name
it may use besides the query's own bindings, each passed to the factory as an argument.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeAlias

from .. import nodes as n
from ..errors import QueryError
from ..reference import evaluate, resolve
from ..values import MISSING, elem_match_document, is_array
from .classes import CLASS_NAME, KNOWN, SCALARS

__all__ = [
    "UNKNOWN",
    "Verdict",
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

#: What a generated test returns: a verdict, or UNKNOWN when only the reference can tell.
Verdict: TypeAlias = bool | _Unknown


def elem_match_values(pred: Callable[[Any], bool], array: Iterable[Any]) -> bool:
    """``$elemMatch`` operator form: some element (any type) satisfies ``pred``."""
    for e in array:
        if pred(e):
            return True
    return False


def elem_match_documents(pred: Callable[[Any], bool], array: Iterable[Any]) -> bool:
    """``$elemMatch`` document form: some element, seen as a document, satisfies ``pred``."""
    for e in array:
        doc = e if e.__class__ is dict else elem_match_document(e)
        if doc is not None and pred(doc):
            return True
    return False


def elem_match_generic(
    path: n.Path, value_form: bool, pred: Callable[[Any], bool], rec: Any
) -> bool:
    """``$elemMatch`` when the fast fetch gave up: resolve the path the reference way."""
    loop = elem_match_values if value_form else elem_match_documents
    return any(loop(pred, v) for v in resolve(rec, path, expand=False) if is_array(v))


def any_element(test: Callable[[Any], Verdict], array: Iterable[Any]) -> Verdict:
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
