"""Plan trees: what the planner chose, how many candidates it expects, how to fetch them.

Each node can ``ids()`` (the candidate record ids, or None for "every record"),
``describe()`` itself for ``DictDB.explain``, and has a short ``repr``.  Plans hold live
references into the indexes, so they are built and run under the database lock.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable
from dataclasses import dataclass, field

from querylang import nodes as n

from ..indexes import Index, SortedIndex

__all__ = ["Plan", "FullScan", "Nothing", "Lookup", "RangeScan", "Intersect", "Union", "QueryPlan"]


class Plan:
    """A node of the plan tree: ``estimate`` candidates, ``exact`` if they are the matches."""

    estimate: int
    exact: bool

    def ids(self) -> Collection[Hashable] | None:
        """The candidate record ids (None: every record).  Do not mutate the result."""
        raise NotImplementedError

    def describe(self, indent: int = 0) -> list[str]:
        raise NotImplementedError


@dataclass(repr=False)
class FullScan(Plan):
    estimate: int
    exact: bool = False

    def ids(self) -> None:
        return None

    def describe(self, indent: int = 0) -> list[str]:
        return [" " * indent + f"FullScan(~{self.estimate} records)"]

    def __repr__(self) -> str:
        return f"FullScan(estimate={self.estimate})"


@dataclass(repr=False)
class Nothing(Plan):
    estimate: int = 0
    exact: bool = True

    def ids(self) -> Collection[Hashable]:
        return ()

    def describe(self, indent: int = 0) -> list[str]:
        return [" " * indent + "Nothing (the query is always false)"]

    def __repr__(self) -> str:
        return "Nothing()"


@dataclass(repr=False)
class Lookup(Plan):
    """Hash/null buckets of one index (plus its irregular records, always)."""

    index: Index
    what: str
    parts: list[Collection[Hashable]]
    exact: bool
    estimate: int = field(init=False)

    def __post_init__(self) -> None:
        self.parts = [p for p in self.parts if p]
        self.estimate = sum(len(p) for p in self.parts)

    def ids(self) -> Collection[Hashable]:
        if not self.parts:
            return ()
        if len(self.parts) == 1:
            return self.parts[0]
        return set().union(*self.parts)

    def describe(self, indent: int = 0) -> list[str]:
        ex = ", exact" if self.exact else ""
        return [
            " " * indent + f"{self.index.kind} index {self.index.field}: {self.what}"
            f" (~{self.estimate} candidates{ex})"
        ]

    def __repr__(self) -> str:
        return f"Lookup({self.index.field!r}, {self.what!r}, estimate={self.estimate})"


@dataclass(repr=False)
class RangeScan(Plan):
    """A slice of a sorted index (``lo <= micros <= hi``), plus its irregular records."""

    index: SortedIndex
    lo: int | None
    hi: int | None
    what: str
    extra: list[Collection[Hashable]]
    exact: bool
    i: int = field(init=False)
    j: int = field(init=False)
    estimate: int = field(init=False)

    def __post_init__(self) -> None:
        if self.lo is not None and self.hi is not None and self.lo > self.hi:
            self.i = self.j = 0
        else:
            self.i, self.j = self.index.positions(self.lo, self.hi)
        self.extra = [p for p in self.extra if p]
        self.estimate = self.j - self.i + sum(len(p) for p in self.extra)

    def ids(self) -> Collection[Hashable]:
        out = set(self.index.ids(self.i, self.j))
        for p in self.extra:
            out.update(p)
        return out

    def describe(self, indent: int = 0) -> list[str]:
        ex = ", exact" if self.exact else ""
        return [
            " " * indent + f"sorted index {self.index.field}: {self.what}"
            f" (~{self.estimate} candidates{ex})"
        ]

    def __repr__(self) -> str:
        return f"RangeScan({self.index.field!r}, {self.what!r}, estimate={self.estimate})"


@dataclass(repr=False)
class Intersect(Plan):
    children: list[Plan]
    exact: bool
    estimate: int = field(init=False)

    def __post_init__(self) -> None:
        self.estimate = min(c.estimate for c in self.children)

    def ids(self) -> Collection[Hashable]:
        ordered = sorted(self.children, key=lambda c: c.estimate)
        out = set(ordered[0].ids() or ())
        for c in ordered[1:]:
            if not out:
                break
            ids = c.ids()
            out.intersection_update(ids if isinstance(ids, set) else set(ids or ()))
        return out

    def describe(self, indent: int = 0) -> list[str]:
        ex = ", exact" if self.exact else ""
        lines = [" " * indent + f"Intersect (~{self.estimate} candidates{ex})"]
        for c in self.children:
            lines += c.describe(indent + 2)
        return lines

    def __repr__(self) -> str:
        return f"Intersect({self.children!r})"


@dataclass(repr=False)
class Union(Plan):
    children: list[Plan]
    exact: bool
    estimate: int = field(init=False)

    def __post_init__(self) -> None:
        self.estimate = sum(c.estimate for c in self.children)

    def ids(self) -> Collection[Hashable]:
        out: set[Hashable] = set()
        for c in self.children:
            out.update(c.ids() or ())
        return out

    def describe(self, indent: int = 0) -> list[str]:
        ex = ", exact" if self.exact else ""
        lines = [" " * indent + f"Union (~{self.estimate} candidates{ex})"]
        for c in self.children:
            lines += c.describe(indent + 2)
        return lines

    def __repr__(self) -> str:
        return f"Union({self.children!r})"


@dataclass(repr=False)
class QueryPlan:
    """The plan for one query: the tree, and the residual predicate applied to candidates.

    From ``DictDB.plan`` it is a snapshot for inspection (estimates, ``describe()``); its
    ``ids()`` are only meaningful under the lock it was planned under.
    """

    node: n.Node
    root: Plan
    total: int

    @property
    def exact(self) -> bool:
        return self.root.exact

    @property
    def residual(self) -> n.Node | None:
        """What still runs on each candidate: nothing if exact, else the whole query."""
        return None if self.root.exact else self.node

    @property
    def estimate(self) -> int:
        return self.root.estimate

    def ids(self) -> Collection[Hashable] | None:
        return self.root.ids()

    def describe(self) -> str:
        lines = self.root.describe(2)
        lines.append(
            "  residual: "
            + (
                "none (index answer is exact)"
                if self.root.exact
                else "full predicate on each candidate"
            )
        )
        return "\n".join(lines)

    def __repr__(self) -> str:
        res = "none" if self.root.exact else "predicate"
        return f"QueryPlan({self.root!r}, estimate={self.estimate}/{self.total}, residual={res})"
