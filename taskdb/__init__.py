"""taskdb: an in-memory task-record database with MongoDB query semantics.

A drop-in for ipyparallel 9.x's ``ipyparallel.controller.dictdb`` (use
``c.IPController.db_class = "taskdb.DictDB"``), whose queries run through
:mod:`querylang` on hash and sorted indexes chosen by :mod:`taskdb.planning`.

The database classes are imported on first use: ``taskdb.dictdb`` derives from
ipyparallel's ``BaseDB`` when ipyparallel is installed, and importing ipyparallel costs
several tenths of a second that ``taskdb.samples`` or the CLI's other commands don't need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .dictdb import DATE_FIELDS, BaseDB, DictDB, NoData, NoDB
    from .planning import (
        FullScan,
        Intersect,
        Lookup,
        Nothing,
        Plan,
        PlanExplanation,
        QueryPlan,
        RangeScan,
        Union,
        plan,
    )
    from .postgres import PostgresDB, PostgresDBError
    from .sqlite import DatabaseFileError, SQLiteDB

__all__ = [
    "BaseDB",
    "DictDB",
    "NoDB",
    "NoData",
    "DATE_FIELDS",
    "QueryPlan",
    "Plan",
    "FullScan",
    "Nothing",
    "Lookup",
    "RangeScan",
    "Intersect",
    "Union",
    "PlanExplanation",
    "plan",
    "SQLiteDB",
    "DatabaseFileError",
    "PostgresDB",
    "PostgresDBError",
]
__version__ = "0.1.0"

_LAZY = {
    "BaseDB": "dictdb",
    "DictDB": "dictdb",
    "NoDB": "dictdb",
    "NoData": "dictdb",
    "DATE_FIELDS": "dictdb",
    "QueryPlan": "planning",
    "Plan": "planning",
    "FullScan": "planning",
    "Nothing": "planning",
    "Lookup": "planning",
    "RangeScan": "planning",
    "Intersect": "planning",
    "Union": "planning",
    "PlanExplanation": "planning",
    "plan": "planning",
    "SQLiteDB": "sqlite",
    "DatabaseFileError": "sqlite",
    "PostgresDB": "postgres",
    "PostgresDBError": "postgres",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'taskdb' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
