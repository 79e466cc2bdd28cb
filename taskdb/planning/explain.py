"""A query explained together with the plan a database chose for it: :class:`PlanExplanation`.

``DictDB.explain`` returns one.  ``str()`` reads top to bottom the way the query runs: the
query's stages (text, Mongo form, ASTs), then the plan (which index lookups, what is left
to check), then the generated predicate that checks it.
"""

from __future__ import annotations

from dataclasses import dataclass

from querylang.explain import Explanation

from .plans import QueryPlan

__all__ = ["PlanExplanation"]


@dataclass(frozen=True)
class PlanExplanation:
    """The query's :class:`~querylang.explain.Explanation` and the database's plan.

    The plan is a snapshot for reading: it holds live references into the indexes, so its
    ``ids()`` mean something only under the lock it was planned under.
    """

    explanation: Explanation
    plan: QueryPlan

    def __str__(self) -> str:
        return (
            f"{self.explanation.summary()}\n"
            f"plan:      {self.plan!r}\n"
            f"{self.plan.describe(2)}\n"
            f"generated source:\n{self.explanation.source}"
        )
