"""Explaining a query for people: querylang's explanation plus the database's plan."""

from __future__ import annotations

import textwrap
from typing import Any

import querylang

from .output import indent

__all__ = ["explain_text", "plan_text"]


def explain_text(query: querylang.Query, db: Any) -> str:
    """Query, ASTs, the DB's plan (if it can explain) and the generated code, as text."""
    plan = plan_text(db, query)
    if plan is None:
        plan = f"({type(db).__name__} has no plan(): a full scan)"
    return f"{str(querylang.explain(query)).rstrip()}\nplan:\n{indent(plan)}\n"


def plan_text(db: Any, query: querylang.QueryLike) -> str | None:
    """The DB's plan for a query as text (``db.plan(q).describe()``), or None if it has none."""
    plan = getattr(db, "plan", None)
    if plan is None:
        return None
    return textwrap.dedent(plan(query).describe())
