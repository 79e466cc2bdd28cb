"""What every leaf does whatever its operator: fetch the value, then branch on its class.

A leaf's value is fetched with plain dict lookups (:func:`fetch`), each step bound to a
fresh variable by a walrus so sibling leaves can share it.  :func:`dispatch` then decides by
the value's exact class: classes the operator makes easy get the exact answer inline,
classes of other type brackets are ruled out by one set test, exact lists and tuples may
test their elements one by one, and anything else takes the caller's ``rest``.
"""

from __future__ import annotations

from typing import NamedTuple, TypeAlias

from .. import nodes as n
from .bindings import Bindings
from .classes import CLASS_NAME, KNOWN

__all__ = ["MAX_PATH_STEPS", "Scope", "Subject", "Branch", "fetch", "dispatch", "class_set"]

#: Longer paths use the reference evaluator (their inline fetch would nest too deeply).
MAX_PATH_STEPS = 6

#: Paths already fetched at this point of an ``And``/``Or``/``Nor`` -> the variable holding
#: the value (a later sibling reuses it instead of looking it up again).
Scope: TypeAlias = dict[n.Path, str]

#: ``(classes, extra condition, expression)``: for a value of exactly one of ``classes``
#: (and ``extra``), ``expression`` is the exact answer; no classes means null or missing.
Branch: TypeAlias = tuple[tuple[type, ...], str | None, str]


class Subject(NamedTuple):
    """The value one leaf tests, as the generated code reads it."""

    head: str  # evaluates the value and binds ``var`` (the first class test spells it)
    var: str  # the value, once ``head`` has run
    element: bool = False  # an array element under test (no record: ``U`` when unsure)
    elements: str | None = None  # an exact list or tuple runs this test on each element


def fetch(bindings: Bindings, path: n.Path, scope: Scope) -> tuple[str, str, Scope]:
    """``(head, var, new)``: ``head`` evaluates (and binds ``var`` to) the value at ``path``,
    or UNKNOWN when only the reference can tell (arrays mid-path); ``new`` is the fetches
    it adds, for ``scope`` once ``head`` is known to run first."""
    if not path:
        return "rec", "rec", {}
    k = len(path)
    while k and path[:k] not in scope:
        k -= 1
    head = var = scope[path[:k]] if k else "rec"
    new: Scope = {}
    for i in range(k, len(path)):
        key = bindings.bind("K", path[i])
        nv = bindings.fresh("v")
        if i == 0:
            step = f"rec.get({key}, M)"
        else:
            step = (
                f"{var}.get({key}, M) if {head}.__class__ is dict"
                f" else (M if {var}.__class__ in SCALARS else U)"
            )
        head, var = f"({nv} := {step})", nv
        new[path[: i + 1]] = nv
    return head, var, new


def class_set(bindings: Bindings, classes: frozenset[type], prefix: str = "F") -> str:
    """A name for a set of exact classes (``F``: never match, ``T``: always match)."""
    if classes == KNOWN and prefix == "F":
        return "KNOWN"
    shown = ", ".join(sorted(c.__name__ for c in classes))
    return bindings.bind(prefix, classes, f"classes {{{shown}}}")


def dispatch(
    bindings: Bindings,
    subject: Subject,
    branches: list[Branch],
    false: frozenset[type],
    rest: str,
) -> str:
    """``(e1 if <class test 1> else e2 if ... else <other class> and rest)``.

    Values of a class in ``false`` never match; ``rest`` is the verdict for every class
    neither a branch nor ``false`` names (``U``, or the reference evaluator).
    """
    head, v = subject.head, subject.var
    array = None
    if subject.elements:  # an exact list/tuple: test its elements one by one
        r = bindings.fresh("r")
        array = f"({r} if ({r} := any_element({subject.elements}, {v})) is not U else {rest})"
    first = True

    def spell() -> str:  # the first class test also fetches the value (walrus)
        nonlocal first
        out, first = (head if first else v), False
        return out

    conds: list[str] = []
    for classes, extra, _expr in branches:
        parts = [f"{spell()} is None", f"{v} is M"] if not classes else []
        parts += [f"{spell()}.__class__ is {CLASS_NAME[c]}" for c in classes]
        cond = " or ".join(parts)
        if extra:
            cond = f"({cond}) and {extra}" if len(parts) > 1 else f"{cond} and {extra}"
        conds.append(cond)
    # The classes that never match are ruled out before arrays (F never holds list or
    # tuple): in a scan most values are of such a class, and one set test settles them.
    if false:
        tail = f"{spell()}.__class__ not in {class_set(bindings, false)} and "
    else:
        tail = ""
    if array is not None:
        tail += f"({array} if {spell()}.__class__ is list or {v}.__class__ is tuple else {rest})"
    else:
        tail += rest
    tail = f"({tail})" if false or array is not None else tail
    if not branches:
        return tail
    if len(branches) == 1 and branches[0][2] == "True":
        return f"({conds[0]} or {tail})"
    chain = " else ".join(f"{e} if {c}" for (_, _, e), c in zip(branches, conds, strict=True))
    return f"({chain} else {tail})"
