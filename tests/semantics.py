"""How the semantics tables run: every case through every engine that answers queries.

The tables (``test_semantics_*.py``) are the one place where MongoDB's matching rules are
stated by example.  Each case runs through

- ``reference``: :func:`querylang.reference.evaluate`, the obviously-correct interpreter;
- ``compiled``: the compiler on exactly the query's tree (per record, and as a batch filter);
- ``optimized``: ``querylang.compile``, the optimizer's passes and then the compiler;
- ``dictdb``: :class:`taskdb.DictDB`, with every top-level field indexed (hash, or sorted for
  dates), so index plans answer as well as scans, through both ``find_records`` paths.

A table module sets ``pytestmark = every_engine`` and takes the ``engine`` argument.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

import querylang as ql
from querylang import nodes as n
from querylang import reference
from querylang.compile.compiler import compile_node
from querylang.frontends.from_dict import from_dict
from taskdb import DictDB

Query = Mapping[str, Any]
Find = Callable[[Query, Sequence[Any]], list[int]]

_QUIET = logging.getLogger("taskdb.tests.semantics")
_QUIET.disabled = True


@dataclass(frozen=True)
class Engine:
    """One way to answer a filter: ``find`` gives the positions of the matching documents."""

    name: str
    find: Find

    def ids(self, query: Query, docs: Sequence[Mapping[str, Any]]) -> list[Any]:
        """The ``_id``s of the matching documents, in document order."""
        return [docs[i]["_id"] for i in self.find(query, docs)]

    def matches(self, query: Query, doc: Any) -> bool:
        return self.find(query, [doc]) == [0]


def _reference(query: Query, docs: Sequence[Any]) -> list[int]:
    node = from_dict(query)
    return [i for i, d in enumerate(docs) if reference.evaluate(node, d)]


def _compiled(query: Query, docs: Sequence[Any]) -> list[int]:
    pred = compile_node(from_dict(query))
    hits = [i for i, d in enumerate(docs) if pred(d)]
    assert pred.filter(list(docs)) == [docs[i] for i in hits], "filter() disagrees with calls"
    return hits


def _optimized(query: Query, docs: Sequence[Any]) -> list[int]:
    pred = ql.compile(ql.from_dict(query))
    return [i for i, d in enumerate(docs) if pred(d)]


def _dictdb(query: Query, docs: Sequence[Any]) -> list[int]:
    fields = {k for d in docs for k in d} | {k.split(".")[0] for k in query if k[:1] != "$"}
    dated = {f for f in fields if any(isinstance(d.get(f), dt.datetime) for d in docs)}
    db = DictDB(hash_indexes=sorted(fields - dated), sorted_indexes=sorted(dated), log=_QUIET)
    for i, d in enumerate(docs):
        db.add_record(i, d)
    projected = [r["msg_id"] for r in db.find_records(query, keys=["msg_id"])]
    # The main path returns copies, in insertion order: find each among the documents.
    found = iter(n.value_key(r) for r in db.find_records(query))
    hits: list[int] = []
    want = next(found, None)
    for i, d in enumerate(docs):
        if want is not None and n.value_key(d) == want:
            hits.append(i)
            want = next(found, None)
    assert want is None, "DictDB returned a record that is not one of the documents"
    assert projected == hits, "find_records with keys= disagrees with find_records"
    return hits


ENGINES = [
    Engine("reference", _reference),
    Engine("compiled", _compiled),
    Engine("optimized", _optimized),
    Engine("dictdb", _dictdb),
]
every_engine = pytest.mark.parametrize("engine", ENGINES, ids=[e.name for e in ENGINES])


def cases(docs: list[dict[str, Any]], table: list[tuple[Query, list[Any]]]) -> list[Any]:
    """``(docs, query, want)`` parameters for a table of ``(query, expected _ids)``."""
    return [pytest.param(docs, q, want, id=repr(q)[:60]) for q, want in table]
