"""Query planning for DictDB: which index lookups answer a query, and what is left to check."""

from .planner import plan
from .plans import FullScan, Intersect, Lookup, Nothing, Plan, QueryPlan, RangeScan, Union

__all__ = [
    "Plan",
    "FullScan",
    "Nothing",
    "Lookup",
    "RangeScan",
    "Intersect",
    "Union",
    "QueryPlan",
    "plan",
]
