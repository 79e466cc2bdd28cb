"""One property suite for every task database: the reference evaluator's answers.

For random records and queries from :mod:`querylang.strategies` (arrays, nulls, missing
fields, mixed types, nested documents, NaN, big ints, bytes, naive and aware dates,
unicode), each backend's ``find_records`` (whole records and projections),
``drop_matching_records`` and ``get_history`` must give exactly what
``querylang.reference.evaluate`` says -- same records, same order, same value types.

Backends are listed in :data:`BACKENDS`: DictDB, SQLiteDB, and PostgresDB on the test
server (``tests/pgserver.py``: skipped without one, a failure in CI).  The
dev profile runs thousands of examples per backend; CI's fixed budget is the profile's.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import querylang
from querylang import nodes as n
from querylang.reference import evaluate
from querylang.strategies import (
    dict_queries,
    documents,
    queries,
    task_queries,
    task_record_lists,
)
from taskdb import DictDB, SQLiteDB
from tests import pgserver

_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
#: Thousands of examples on a developer's machine; the profile's budget in CI.
EXAMPLES = 2000 if _PROFILE == "dev" else settings().max_examples
FEW = max(EXAMPLES // 4, settings().max_examples)


def _dictdb() -> Iterator[Any]:
    yield DictDB(record_limit=10**9, size_limit=10**12)


def _sqlitedb() -> Iterator[Any]:
    db = SQLiteDB(filename=":memory:", table="tasks")
    yield db
    db.close()


_POSTGRES: dict[str, Any] = {}


def _postgresdb() -> Iterator[Any]:
    """One table for the whole run (creating one per example would dominate), emptied
    before each example."""
    pgserver.require()
    db = _POSTGRES.get("db")
    if db is None:
        db = _POSTGRES["db"] = pgserver.open_db("conformance")
    db._run(lambda conn: conn.execute(f"DELETE FROM {db._t}"), write=True)
    yield db


#: name -> a generator yielding one fresh, empty database (and closing it afterwards).
BACKENDS: dict[str, Callable[[], Iterator[Any]]] = {
    "dictdb": _dictdb,
    "sqlitedb": _sqlitedb,
    "postgresdb": _postgresdb,
}


def same(a: Any, b: Any) -> bool:
    """Equal values of identical types, all the way down (1 vs 1.0 vs True, key order,
    NaN, memoryview vs bytes, a datetime's zone)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, dt.datetime):
        return a == b and a.utcoffset() == b.utcoffset() and a.tzname() == b.tzname()
    if isinstance(a, memoryview):
        return a.tobytes() == b.tobytes()
    return bool(a == b)


def _with_ids(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"msg_id": f"m{i:03d}", **d} for i, d in enumerate(docs)]


def _project(rec: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    out = {"msg_id": rec["msg_id"]}
    out.update((k, rec[k]) for k in keys if k in rec)
    return out


def _history(records: list[dict[str, Any]]) -> list[str]:
    dated = [r for r in records if isinstance(r.get("submitted"), dt.datetime)]
    return [r["msg_id"] for r in sorted(dated, key=lambda r: r["submitted"])]


def check_backend(factory: Callable[[], Iterator[Any]], records: list[dict], check: Any) -> None:
    """Every answer of a fresh database holding ``records`` against the reference."""
    node = querylang.query(check).node
    want = [r for r in records if evaluate(node, r)]
    keys = ["a", "b.c", "completed", "buffers"]
    gen = factory()
    db = next(gen)
    try:
        for r in records:
            db.add_record(r["msg_id"], r)
        got = db.find_records(check)
        assert len(got) == len(want) and all(map(same, got, want)), (got, want)
        projected = db.find_records(check, keys)
        assert all(map(same, projected, [_project(r, keys) for r in want]))
        assert db.get_history() == _history(records)
        db.drop_matching_records(check)
        left = [r for r in records if not evaluate(node, r)]
        rest = db.find_records({})
        assert len(rest) == len(left) and all(map(same, rest, left))
        assert db.get_history() == _history(left)
    finally:
        gen.close()


backends = pytest.mark.parametrize("backend", list(BACKENDS))
_SETTINGS = dict(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@backends
@settings(max_examples=EXAMPLES, **_SETTINGS)
@given(records=st.lists(documents(), max_size=8).map(_with_ids), node=queries())
def test_query_trees(backend: str, records: list[dict], node: n.Node) -> None:
    check_backend(BACKENDS[backend], records, node)


@backends
@settings(max_examples=EXAMPLES, **_SETTINGS)
@given(records=st.lists(documents(), max_size=8).map(_with_ids), check=dict_queries())
def test_filter_dicts(backend: str, records: list[dict], check: dict) -> None:
    check_backend(BACKENDS[backend], records, check)


@backends
@settings(max_examples=FEW, **_SETTINGS)
@given(records=task_record_lists(max_size=12), check=task_queries())
def test_task_records_and_hub_queries(backend: str, records: list[dict], check: dict) -> None:
    check_backend(BACKENDS[backend], records, check)


@backends
@settings(max_examples=FEW, **_SETTINGS)
@given(records=task_record_lists(max_size=12), node=queries())
def test_task_records_and_any_query(backend: str, records: list[dict], node: n.Node) -> None:
    check_backend(BACKENDS[backend], records, node)


@backends
@settings(max_examples=FEW, **_SETTINGS)
@given(
    records=st.lists(documents(), max_size=6).map(_with_ids),
    text=queries(max_depth=2).map(lambda q: str(querylang.Query(q))),
)
def test_query_text(backend: str, records: list[dict], text: str) -> None:
    check_backend(BACKENDS[backend], records, text)
