"""Plan trees: what the planner chose, how many candidates it expects, how to fetch them.

Every node is a frozen dataclass, complete when constructed: its ``estimate`` (and a range's
slice of the index) is computed once, in ``__init__``, and never changes.  Each can
``ids()`` (the candidate record seqs, or None for "every record"), ``describe()`` itself
as indented text, and has a short ``repr``.

Candidates are record *seqs* (see :mod:`taskdb.indexes`).  Plans hold *live* references into
the indexes (hash buckets, null and irregular sets, the sorted pairs): build them and call
``ids()`` under the database lock, and do not keep the result past it.  Outside the lock a
plan is a snapshot for inspection only: its estimates and ``describe()`` are those of the
moment it was built.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import Field, dataclass, field
from itertools import chain
from typing import Any, ClassVar

from querylang import nodes as n

from ..indexes import Index, SortedIndex
from ..sortedarrays import Position

__all__ = ["Plan", "FullScan", "Nothing", "Lookup", "RangeScan", "Intersect", "Union", "QueryPlan"]


#: How a frozen dataclass sets its own fields, once, while it is constructed (each node
#: computes its estimate in ``__init__``: a hand-written one, as planning is on the hot path
#: of every ``find_records``).
_set = object.__setattr__


def _exact(plan: Plan) -> str:
    return ", exact" if plan.exact else ""


class Plan:
    """A node of the plan tree: ``estimate`` candidates, ``exact`` if they are the matches.

    Every concrete plan is a frozen dataclass (hence the ``__dataclass_fields__`` here).
    """

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]
    estimate: int
    exact: bool

    def with_exact(self, exact: bool) -> Plan:
        """This plan, claiming ``exact``: itself if it does already, else a twin that does
        (field by field: nothing is recomputed, no index is searched again)."""
        if self.exact == exact:
            return self
        twin = object.__new__(type(self))
        for name in self.__dataclass_fields__:
            _set(twin, name, getattr(self, name))
        _set(twin, "exact", exact)
        return twin

    def ids(self) -> Collection[int] | None:
        """The candidate record seqs, in any order (None: every record).  Do not mutate the
        result."""
        raise NotImplementedError

    def describe(self, indent: int = 0) -> str:
        """This plan as text, one line per node, indented by ``indent`` spaces."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True, repr=False)
class FullScan(Plan):
    """Every record is a candidate.

    ``exact`` says why: True when the query restricts nothing (``{}``, ``true``, a lone
    comment: every record matches), False when no index can narrow it (the predicate must
    run on every record).
    """

    estimate: int
    exact: bool = False

    def ids(self) -> None:
        return None

    def describe(self, indent: int = 0) -> str:
        return " " * indent + f"FullScan(~{self.estimate} records)"

    def __repr__(self) -> str:
        return f"FullScan(estimate={self.estimate})"


@dataclass(frozen=True, slots=True, repr=False)
class Nothing(Plan):
    """No record can match (``false``, ``$in: []``): no candidates at all."""

    estimate: int = 0
    exact: bool = True

    def ids(self) -> Collection[int]:
        return ()

    def describe(self, indent: int = 0) -> str:
        return " " * indent + "Nothing (the query is always false)"

    def __repr__(self) -> str:
        return "Nothing()"


@dataclass(frozen=True, slots=True, repr=False, init=False)
class Lookup(Plan):
    """Hash/null buckets of one index (plus its irregular records, always)."""

    index: Index
    what: str
    #: The buckets (live collections of the index), disjoint; empty ones are dropped.
    parts: tuple[Collection[int], ...]
    exact: bool
    estimate: int = field(init=False)

    def __init__(
        self, index: Index, what: str, parts: Iterable[Collection[int]], exact: bool
    ) -> None:
        kept = tuple({id(p): p for p in parts if p}.values())  # a bucket named twice: once
        _set(self, "index", index)
        _set(self, "what", what)
        _set(self, "parts", kept)
        _set(self, "exact", exact)
        _set(self, "estimate", sum(map(len, kept)))

    def ids(self) -> Collection[int]:
        if not self.parts:
            return ()
        if len(self.parts) == 1:
            return self.parts[0]
        return list(chain.from_iterable(self.parts))  # buckets of one index never overlap

    def describe(self, indent: int = 0) -> str:
        return (
            " " * indent + f"{self.index.kind} index {self.index.field}: {self.what}"
            f" (~{self.estimate} candidates{_exact(self)})"
        )

    def __repr__(self) -> str:
        return f"Lookup({self.index.field!r}, {self.what!r}, estimate={self.estimate})"


@dataclass(frozen=True, slots=True, repr=False, init=False)
class RangeScan(Plan):
    """A slice of a sorted index (``lo <= micros <= hi``), plus its irregular records."""

    index: SortedIndex
    lo: int | None
    hi: int | None
    what: str
    #: Other candidates (live sets of the index, its irregular records); empty ones dropped.
    extra: tuple[Collection[int], ...]
    exact: bool
    #: The slice ``[i, j)`` of the index's entries, found when the plan is built.
    i: Position = field(init=False)
    j: Position = field(init=False)
    estimate: int = field(init=False)

    def __init__(
        self,
        index: SortedIndex,
        lo: int | None,
        hi: int | None,
        what: str,
        extra: Iterable[Collection[int]],
        exact: bool,
    ) -> None:
        if lo is not None and hi is not None and lo > hi:
            i = j = (0, 0)
        else:
            i, j = index.positions(lo, hi)
        kept = tuple([p for p in extra if p])
        _set(self, "index", index)
        _set(self, "lo", lo)
        _set(self, "hi", hi)
        _set(self, "what", what)
        _set(self, "extra", kept)
        _set(self, "exact", exact)
        _set(self, "i", i)
        _set(self, "j", j)
        _set(self, "estimate", index.count(i, j) + sum(map(len, kept)))

    def ids(self) -> Collection[int]:
        return [*self.index.ids(self.i, self.j), *chain.from_iterable(self.extra)]

    def describe(self, indent: int = 0) -> str:
        return (
            " " * indent + f"sorted index {self.index.field}: {self.what}"
            f" (~{self.estimate} candidates{_exact(self)})"
        )

    def __repr__(self) -> str:
        return f"RangeScan({self.index.field!r}, {self.what!r}, estimate={self.estimate})"


@dataclass(frozen=True, slots=True, repr=False, init=False)
class Intersect(Plan):
    """The candidates every child has (the conjuncts of an ``And`` worth fetching)."""

    children: tuple[Plan, ...]
    exact: bool
    estimate: int = field(init=False)

    def __init__(self, children: Iterable[Plan], exact: bool) -> None:
        plans = tuple(children)
        _set(self, "children", plans)
        _set(self, "exact", exact)
        _set(self, "estimate", min(p.estimate for p in plans))

    def ids(self) -> Collection[int]:
        ordered = sorted(self.children, key=lambda c: c.estimate)
        out = set(ordered[0].ids() or ())
        for c in ordered[1:]:
            if not out:
                break
            ids = c.ids()
            out.intersection_update(ids if isinstance(ids, set) else set(ids or ()))
        return out

    def describe(self, indent: int = 0) -> str:
        head = " " * indent + f"Intersect (~{self.estimate} candidates{_exact(self)})"
        return "\n".join([head, *(c.describe(indent + 2) for c in self.children)])

    def __repr__(self) -> str:
        return f"Intersect({list(self.children)!r})"


@dataclass(frozen=True, slots=True, repr=False, init=False)
class Union(Plan):
    """The candidates any child has (the branches of an ``Or``, or the values of ``$in``)."""

    children: tuple[Plan, ...]
    exact: bool
    estimate: int = field(init=False)

    def __init__(self, children: Iterable[Plan], exact: bool) -> None:
        plans = tuple(children)
        _set(self, "children", plans)
        _set(self, "exact", exact)
        _set(self, "estimate", sum(p.estimate for p in plans))

    def ids(self) -> Collection[int]:
        out: set[int] = set()
        for c in self.children:
            out.update(c.ids() or ())
        return out

    def describe(self, indent: int = 0) -> str:
        head = " " * indent + f"Union (~{self.estimate} candidates{_exact(self)})"
        return "\n".join([head, *(c.describe(indent + 2) for c in self.children)])

    def __repr__(self) -> str:
        return f"Union({list(self.children)!r})"


@dataclass(frozen=True, slots=True, repr=False)
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

    def ids(self) -> Collection[int] | None:
        return self.root.ids()

    def describe(self, indent: int = 0) -> str:
        """The plan tree, then what runs on each candidate, indented by ``indent`` spaces."""
        residual = (
            "none (index answer is exact)"
            if self.root.exact
            else "full predicate on each candidate"
        )
        return f"{self.root.describe(indent)}\n{' ' * indent}residual: {residual}"

    def __repr__(self) -> str:
        res = "none" if self.root.exact else "predicate"
        return f"QueryPlan({self.root!r}, estimate={self.estimate}/{self.total}, residual={res})"
