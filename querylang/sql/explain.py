"""A pushed-down query as text a person can read: SQL, parameters, exactness, residual."""

from __future__ import annotations

from typing import Any

from ..printer import to_text
from .pushdown import SQLFilter
from .sqltext import TRUE

__all__ = ["describe"]


def _value(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 80 else text[:77] + "..."


def describe(f: SQLFilter, *, indent: str = "  ") -> str:
    """The filter's SQL (``where`` and ``certain``), its parameters, each leaf's pushdown,
    and what is left to the residual predicate."""
    lines = [f"optimized: {to_text(f.node)}", f"sql ({f.dialect}):"]
    lines.append(f"{indent}WHERE   {f.where}")
    lines.append(f"{indent}CERTAIN {f.certain}")
    if f.params:
        lines.append("params:")
        width = max(len(k) for k in f.params)
        lines += [f"{indent}{k:<{width}} = {_value(v)}" for k, v in f.params.items()]
    if f.parts:
        lines.append("pushdown (per leaf, on regular rows):")
        for p in f.parts:
            lines.append(f"{indent}{p.status:<10} {p.leaf}")
            if p.status != "not pushed":
                lines.append(f"{indent}{'':<10}   via {p.target}: {p.sql}")
    if not f.pushed:
        residual = "the compiled predicate on every row (SQL cannot narrow this query)"
    elif f.exact:
        residual = (
            "none on rows where CERTAIN holds; the compiled predicate on the rest "
            "(rows irregular for a leaf: arrays, NaN, odd types)"
        )
    elif f.certain == "FALSE":
        residual = "the compiled predicate on every row WHERE selects"
    else:
        residual = "the compiled predicate on every row WHERE selects and CERTAIN does not"
    lines.append(f"residual: {residual}")
    if f.where == TRUE and f.certain == TRUE:
        lines[-1] = "residual: none (the query matches every record)"
    return "\n".join(lines)
