"""Boolean SQL text with constant folding: the generator's building blocks.

Every expression reads NULL as false (see :mod:`querylang.sql.pushdown`), so negation is
written ``(x) IS NOT TRUE``: NULL negates to true.  Compound expressions are parenthesized,
and a repeated operand is written once.
"""

from __future__ import annotations

__all__ = ["TRUE", "FALSE", "and_", "or_", "not_"]

TRUE, FALSE = "TRUE", "FALSE"


def and_(*xs: str) -> str:
    out: list[str] = []
    for x in xs:
        if x == FALSE:
            return FALSE
        if x != TRUE and x not in out:
            out.append(x)
    if not out:
        return TRUE
    return out[0] if len(out) == 1 else "(" + " AND ".join(out) + ")"


def or_(*xs: str) -> str:
    out: list[str] = []
    for x in xs:
        if x == TRUE:
            return TRUE
        if x != FALSE and x not in out:
            out.append(x)
    if not out:
        return FALSE
    return out[0] if len(out) == 1 else "(" + " OR ".join(out) + ")"


def not_(x: str) -> str:
    if x == TRUE:
        return FALSE
    if x == FALSE:
        return TRUE
    return f"({x} IS NOT TRUE)"
