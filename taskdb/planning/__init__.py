"""Query planning for DictDB: which index lookups answer a query, and what is left to check.

:func:`plan` builds a :class:`QueryPlan` (a tree of :class:`Plan` nodes: frozen, holding
live index references, so built and run under the database lock); :class:`PlanExplanation`
is what ``DictDB.explain`` returns.
"""

from .explain import PlanExplanation
from .planner import plan, plan_tree
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
    "PlanExplanation",
    "plan",
    "plan_tree",
]
