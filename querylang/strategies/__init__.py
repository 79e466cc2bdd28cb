"""Hypothesis strategies for fuzzing a query backend against querylang's reference semantics.

This package needs Hypothesis, an optional dependency: ``pip install "taskdb[strategies]"``
(importing it without Hypothesis installed raises ImportError).

Documents and queries draw field names and values from the same small pools, so a useful
share of random queries match random documents (an equality on ``a`` meets documents that
have an ``a`` with that value, through arrays and subdocuments).

Recipe: check your own ``find(docs, query) -> matching docs`` against the reference::

    from querylang.strategies import check_backend

    def find(docs, query):            # query is a MongoDB filter dict
        coll = mongomock.MongoClient().db.c
        if docs:
            coll.insert_many([dict(d, _id=i) for i, d in enumerate(docs)])
        return [docs[d["_id"]] for d in coll.find(query)]

    # AssertionError with a minimal counterexample; glob=False: MongoDB has no $glob
    check_backend(find, glob=False)

or, inside your own test suite::

    from hypothesis import given, strategies as st
    from querylang import reference
    from querylang.strategies import documents, queries

    @given(st.lists(documents(), max_size=8), queries())
    def test_my_backend(docs, node):
        expected = [d for d in docs if reference.evaluate(node, d)]
        assert my_find(docs, node) == expected

docs/strategies.md has the details.  The modules: :mod:`.values` (values, documents),
:mod:`.tasks` (ipyparallel TaskRecords and the hub's queries), :mod:`.trees` (paths,
literals, query ASTs), :mod:`.filters` (MongoDB filter dicts), :mod:`.backend`
(``check_backend``); import from this package, which is the public API.
"""

from __future__ import annotations

from .backend import check_backend
from .filters import dict_queries
from .tasks import (
    CLIENTS,
    ENGINES,
    MSG_IDS,
    TASK_RECORD_KEYS,
    task_queries,
    task_record_lists,
    task_records,
)
from .trees import literals, paths, queries
from .values import DEFAULT_FIELDS, documents, json_values

__all__ = [
    "DEFAULT_FIELDS",
    "TASK_RECORD_KEYS",
    "MSG_IDS",
    "CLIENTS",
    "ENGINES",
    "json_values",
    "documents",
    "task_records",
    "task_record_lists",
    "paths",
    "literals",
    "queries",
    "dict_queries",
    "task_queries",
    "check_backend",
]
