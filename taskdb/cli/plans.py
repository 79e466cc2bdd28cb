"""Explaining a query for people: querylang's explanation, the database's plan, and hints.

The Mongo form is shown as Extended JSON (what a user pastes into mongosh or back into
``taskdb query``), whatever form ``querylang.explain`` prints it in.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from typing import Any

import querylang
from querylang.frontends import extjson

from .output import indent

__all__ = ["explain_text", "plan_text", "mongo_json"]

_MONGO_LINE = re.compile(r"^(mongo:\s*).*$", re.MULTILINE)


def mongo_json(query: querylang.Query) -> str:
    """The query's MongoDB filter document as Extended JSON text."""
    return extjson.dumps(query.to_dict())


def explain_text(query: querylang.Query, db: Any, hints: Sequence[str] = ()) -> str:
    """Query, Mongo form, ASTs, generated code, the DB's plan (if it can plan), and hints."""
    text = str(querylang.explain(query)).rstrip()
    mongo = mongo_json(query)
    text, found = _MONGO_LINE.subn(lambda m: m.group(1) + mongo, text, count=1)
    if not found:
        text = f"mongo:     {mongo}\n{text}"
    plan = plan_text(db, query)
    if plan is None:
        plan = f"({type(db).__name__} has no plan(): a full scan)"
    out = f"{text}\nplan:\n{indent(plan)}\n"
    if hints:
        out += "hints:\n" + "".join(f"  {h}\n" for h in hints)
    return out


def plan_text(db: Any, query: querylang.QueryLike) -> str | None:
    """The DB's plan for a query as text (``db.plan(q).describe()``), or None if it has none."""
    plan = getattr(db, "plan", None)
    if plan is None:
        return None
    return textwrap.dedent(str(plan(query).describe()))
