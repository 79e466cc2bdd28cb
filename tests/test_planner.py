"""The planner: which plans it picks, and (property) that indexed answers equal a plain scan."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime, timedelta, timezone
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

import querylang
from querylang import nodes as n
from querylang.reference import evaluate
from taskdb import DictDB, dictdb
from taskdb.planning import (
    FullScan,
    Intersect,
    Lookup,
    Nothing,
    PlanExplanation,
    RangeScan,
    Union,
)

#: A logger of our own, silenced: the shared traitlets logger must stay enabled for the
#: tests that read its warnings (disabling it here leaked into them).
QUIET = logging.getLogger("taskdb.tests.quiet")
QUIET.disabled = True

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def sec(s: int) -> datetime:
    return T0 + timedelta(seconds=s)


@pytest.fixture
def db():
    d = DictDB()
    for i in range(200):
        d.add_record(
            f"m{i}",
            {
                "msg_id": f"m{i}",
                "client_uuid": f"c{i % 10}",
                "engine_uuid": f"e{i % 4}" if i % 7 else None,
                "submitted": sec(i),
                "completed": sec(i + 3) if i % 9 else None,
                "content": {"n": i},
            },
        )
    return d


def root(db, check):
    return db.plan(check).root


def test_equality_and_in_use_hash_indexes(db):
    p = root(db, {"msg_id": "m5"})
    assert isinstance(p, Lookup) and p.estimate == 1 and p.exact
    p = root(db, {"client_uuid": {"$in": ["c1", "c2"]}})
    assert not isinstance(p, FullScan) and p.estimate == 40 and p.exact
    assert isinstance(root(db, {"engine_uuid": None}), Lookup)


def test_ranges_use_sorted_indexes_and_merge(db):
    p = root(db, {"submitted": {"$gte": sec(10), "$lt": sec(20)}})
    assert isinstance(p, RangeScan) and p.estimate == 10 and p.exact
    p = root(db, {"completed": {"$gt": sec(100)}})
    assert isinstance(p, RangeScan)
    assert [
        r["msg_id"] for r in db.find_records({"submitted": {"$gte": sec(10), "$lt": sec(12)}})
    ] == ["m10", "m11"]


def test_pending_uses_the_null_bucket(db):
    p = db.plan({"completed": None})
    assert isinstance(p.root, Lookup) and p.estimate == 23 and p.residual is None
    p = db.plan({"completed": {"$ne": None}})
    assert not isinstance(p.root, FullScan) and p.estimate == 177


def test_and_picks_the_selective_conjunct_and_keeps_a_residual(db):
    p = db.plan({"client_uuid": "c3", "content.n": {"$gt": 5}, "submitted": {"$lt": sec(199)}})
    assert not isinstance(p.root, FullScan) and p.estimate == 20
    assert not p.exact and p.residual is not None
    assert len(db.find_records({"client_uuid": "c3", "content.n": {"$gt": 5}})) == 19
    p = db.plan({"client_uuid": "c3", "submitted": {"$lt": sec(40)}})
    assert isinstance(p.root, Intersect) and p.exact
    assert len(db.find_records({"client_uuid": "c3", "submitted": {"$lt": sec(40)}})) == 4


def test_or_unions_only_when_every_branch_is_indexed(db):
    p = root(db, {"$or": [{"msg_id": "m1"}, {"client_uuid": "c2"}]})
    assert isinstance(p, Union) and p.estimate == 21
    p = root(db, {"$or": [{"msg_id": "m1"}, {"content.n": 3}]})
    assert isinstance(p, FullScan)
    assert [
        r["msg_id"] for r in db.find_records({"$or": [{"msg_id": "m1"}, {"content.n": 3}]})
    ] == ["m1", "m3"]


def test_unindexable_shapes_scan(db):
    for check in (
        {"content.n": 3},
        {"client_uuid": {"$ne": "c1"}},
        {"msg_id": {"$regex": "^m1"}},
        {"msg_id.x": "a"},
        {},
    ):
        assert isinstance(root(db, check), FullScan), check


def test_always_false_plans_nothing(db):
    assert isinstance(root(db, n.Const(False)), Nothing)
    assert isinstance(root(db, {"msg_id": {"$in": []}}), Nothing)
    assert db.find_records({"msg_id": {"$in": []}}) == []


def test_irregular_values_make_plans_inexact_but_still_found(db):
    db.add_record("odd", {"msg_id": "odd", "client_uuid": ["c1", "zz"], "submitted": sec(1)})
    p = db.plan({"client_uuid": "zz"})
    assert isinstance(p.root, Lookup) and not p.exact and p.estimate == 1
    assert [r["msg_id"] for r in db.find_records({"client_uuid": "zz"})] == ["odd"]
    assert len(db.find_records({"client_uuid": "c1"})) == 21


def test_explain_shows_plan_and_query(db):
    text = str(db.explain({"client_uuid": "c1", "completed": None}))
    assert "hash index client_uuid" in text
    assert "sorted index completed: == null" in text
    assert "residual: none (index answer is exact)" in text
    assert "optimized" in text and "generated source" in text
    assert repr(db.plan({"msg_id": "m1"})).startswith("QueryPlan(Lookup('msg_id'")


def test_explain_is_an_object_holding_the_query_explanation_and_the_plan(db):
    check = {"client_uuid": "c1", "completed": None}
    e = db.explain(check)
    assert isinstance(e, PlanExplanation)
    assert e.explanation == querylang.explain(check)
    assert repr(e.plan) == repr(db.plan(check))
    text = str(e)
    query, plan, code = text.index("query:"), text.index("plan:"), text.index("generated source:")
    assert query < plan < code and text.endswith(e.explanation.source)
    assert e.plan.describe(2) in text


def test_plans_are_frozen_and_describe_themselves_as_text(db):
    p = db.plan({"client_uuid": "c3", "submitted": {"$lt": sec(40)}})
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.root = FullScan(1)
    for node in (p, p.root, *p.root.children):
        if node is not p:
            with pytest.raises(dataclasses.FrozenInstanceError):
                node.exact = False
        assert isinstance(node.describe(), str)
    assert p.describe(4).splitlines()[0].startswith("    Intersect")


def test_full_scans_say_whether_the_query_restricts_anything(db):
    everything, unindexed = db.plan({"$comment": "x"}), db.plan({"content.n": 3})
    assert isinstance(everything.root, FullScan) and everything.exact
    assert isinstance(unindexed.root, FullScan) and not unindexed.exact
    assert everything.estimate == unindexed.estimate == 200
    # An always-true branch makes an Or always true; one unindexable branch, a scan.
    assert db.plan({"$or": [{"msg_id": "m1"}, {}]}).exact
    assert not db.plan({"$or": [{"msg_id": "m1"}, {"content.n": 3}]}).exact


def test_one_chosen_conjunct_is_inexact_when_another_goes_unchecked(db):
    p = db.plan({"msg_id": "m5", "content.n": 5})
    assert isinstance(p.root, Lookup) and p.estimate == 1 and not p.exact
    assert db.plan({"msg_id": "m5"}).exact  # the same lookup alone is exact


# --- property: indexed results == a plain scan with the reference evaluator --------------

TZ = timezone(timedelta(hours=3))
DATES = [sec(0), sec(1), sec(2), sec(1).astimezone(TZ), datetime(2024, 1, 1, 3, 0, 1)]
SCALARS = ["a", "b", "", 0, 1, 1.0, True, False, float("nan"), None]
HASH_FIELDS = ["client_uuid", "engine_uuid", "h"]
SORTED_FIELDS = ["completed", "t"]  # "completed" is checked (dates/None), "t" is not
FIELDS = HASH_FIELDS + SORTED_FIELDS

anything = st.sampled_from(SCALARS + DATES)
field_value = st.one_of(anything, st.lists(anything, max_size=3))


def _record_fields():
    free = {f: field_value for f in ["client_uuid", "engine_uuid", "h", "t"]}
    free["completed"] = st.sampled_from([*DATES, None])
    return st.fixed_dictionaries({}, optional=free)


def _leaf(field: str):
    # Mostly dates against the sorted fields, so range plans are exercised, exact ones too.
    lit = st.one_of(st.sampled_from(DATES), anything) if field in SORTED_FIELDS else anything
    return st.one_of(
        lit.map(lambda v: {field: v}),
        st.lists(lit, max_size=3).map(lambda vs: {field: {"$in": vs}}),
        st.lists(lit, max_size=3).map(lambda vs: {field: {"$nin": vs}}),
        st.tuples(st.sampled_from(["$gt", "$gte", "$lt", "$lte", "$ne", "$eq"]), lit).map(
            lambda t: {field: {t[0]: t[1]}}
        ),
        st.tuples(
            st.sampled_from(["$gt", "$gte", "$lt", "$lte"]),
            lit,
            st.sampled_from(["$gt", "$gte", "$lt", "$lte"]),
            lit,
        ).map(lambda t: {field: {t[0]: t[1], t[2]: t[3]}}),
        st.booleans().map(lambda b: {field: {"$exists": b}}),
        st.tuples(st.sampled_from(["$gt", "$lt"]), lit).map(
            lambda t: {field: {"$not": {t[0]: t[1]}}}
        ),
    )


leaves = st.sampled_from(FIELDS + ["completed", "client_uuid"]).flatmap(_leaf)
queries = st.recursive(
    leaves,
    lambda sub: st.one_of(
        st.lists(sub, min_size=1, max_size=3).map(lambda qs: {"$and": qs}),
        st.lists(sub, min_size=1, max_size=3).map(lambda qs: {"$or": qs}),
        st.lists(sub, min_size=1, max_size=2).map(lambda qs: {"$nor": qs}),
    ),
    max_leaves=5,
)

ops = st.lists(
    st.one_of(
        st.tuples(st.just("add"), _record_fields()),
        st.tuples(st.just("update"), st.integers(0, 30), _record_fields()),
        st.tuples(st.just("drop"), st.integers(0, 30)),
    ),
    max_size=12,
)


@given(
    records=st.lists(_record_fields(), min_size=4, max_size=25),
    ops=ops,
    qs=st.lists(queries, min_size=2, max_size=5),
    limit=st.sampled_from([6, 15, 1000, 1000]),
    batch=st.sampled_from([1, 3, 256]),
)
def test_indexed_find_equals_reference_scan(records, ops, qs, limit, batch):
    with mock.patch.object(dictdb, "INDEX_BATCH", batch):  # new records indexed this many at a time
        _indexed_find_equals_reference_scan(records, ops, qs, limit)


def _indexed_find_equals_reference_scan(records, ops, qs, limit):
    db = DictDB(
        hash_indexes=["msg_id", *HASH_FIELDS],
        sorted_indexes=["submitted", *SORTED_FIELDS],
        record_limit=limit,
        cull_fraction=0.4,
        log=QUIET,  # naive-timestamp warnings
    )
    added = 0
    for op in [("add", r) for r in records] + ops:
        known = list(db._seq)
        if op[0] == "add":
            rec = {"msg_id": f"r{added}", "submitted": sec(added % 7), **op[1]}
            db.add_record(f"r{added}", rec)
            added += 1
        elif op[0] == "update" and known:
            db.update_record(known[op[1] % len(known)], op[2])
        elif op[0] == "drop" and known:
            db.drop_record(known[op[1] % len(known)])
    db.check_indexes()
    everything = db.find_records({})
    for check in qs:
        node = querylang.query(check).node
        expected = [r["msg_id"] for r in everything if evaluate(node, r)]
        assert [r["msg_id"] for r in db.find_records(check)] == expected, check


@pytest.mark.parametrize("field", ["client_uuid", "completed", "t"])
def test_every_leaf_on_every_value(field):
    """Exhaustive single-leaf check: each operator and literal against each stored value."""
    db = DictDB(sorted_indexes=["submitted", "completed", "t"], log=QUIET)
    pool = [*DATES, None] if field == "completed" else [*SCALARS, *DATES, ["a", 1], [sec(1)]]
    for i, v in enumerate(pool):
        db.add_record(f"r{i}", {"msg_id": f"r{i}", field: v})
    db.add_record("missing", {"msg_id": "missing"})
    everything = db.find_records({})
    checks = [{field: {"$exists": False}}, {field: {"$in": [DATES[0], None, "a"]}}]
    for lit in [*SCALARS, *DATES]:
        checks += [{field: {op: lit}} for op in ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte")]
        checks.append({field: {"$gte": lit, "$lt": sec(2)}})
    for check in checks:
        node = querylang.query(check).node
        expected = [r["msg_id"] for r in everything if evaluate(node, r)]
        assert [r["msg_id"] for r in db.find_records(check)] == expected, check
