"""Index keys (MongoDB equality classes) and index maintenance."""

from __future__ import annotations

import decimal
from datetime import UTC, datetime, timedelta, timezone

import pytest

from querylang.values import MISSING, equal
from taskdb.indexes import (
    IRREGULAR,
    NULL,
    HashIndex,
    SortedIndex,
    date_micros,
    hash_key,
    literal_hash_key,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)

REGULAR = ["a", "", 0, 1, 1.0, -0.0, 2**70, float(2**70), 1.5, True, False, float("inf")]


@pytest.mark.parametrize("a", REGULAR, ids=repr)
@pytest.mark.parametrize("b", REGULAR, ids=repr)
def test_hash_keys_are_mongo_equality(a, b):
    assert (hash_key(a) == hash_key(b)) == equal(a, b)


@pytest.mark.parametrize(
    "value",
    [[1], (1,), {"a": 1}, float("nan"), b"x", T0, decimal.Decimal(1), object()],
    ids=repr,
)
def test_irregular_values(value):
    assert hash_key(value) is IRREGULAR


def test_null_and_missing_share_a_bucket():
    assert hash_key(None) is NULL and hash_key(MISSING) is NULL
    assert date_micros(None) is NULL and date_micros(MISSING) is NULL


def test_decimal_literal_finds_equal_numbers():
    assert literal_hash_key(decimal.Decimal("1.0")) == hash_key(1)
    assert literal_hash_key(decimal.Decimal("NaN")) is IRREGULAR


def test_date_micros_is_the_instant():
    plus2 = timezone(timedelta(hours=2))
    assert date_micros(T0) == date_micros(T0.astimezone(plus2)) == 1704067200 * 10**6
    assert date_micros(T0 + timedelta(microseconds=1)) == date_micros(T0) + 1
    assert date_micros(datetime(2024, 1, 1)) is IRREGULAR  # naive
    assert date_micros("2024") is IRREGULAR


def test_hash_index_add_remove():
    idx = HashIndex("f")
    idx.add("a", 0, "x")
    idx.add("b", 1, "x")
    idx.add("c", 2, 1)
    idx.add("d", 3, 1.0)
    idx.add("e", 4, None)
    idx.add("f", 5, MISSING)
    idx.add("g", 6, ["x"])
    assert set(idx.bucket("x")) == {"a", "b"}
    assert set(idx.bucket(1)) == {"c", "d"}
    assert set(idx.bucket(True)) == set()
    assert idx.null == {"e", "f"} and idx.irregular == {"g"}
    assert len(idx) == 4
    for rid, seq, v in [("a", 0, "x"), ("c", 2, 1), ("e", 4, None), ("g", 6, ["x"])]:
        idx.remove(rid, seq, v)
    assert set(idx.bucket("x")) == {"b"} and set(idx.bucket(1.0)) == {"d"}
    assert idx.null == {"f"} and not idx.irregular
    idx.remove("b", 1, "x")
    assert "x" not in idx.buckets
    with pytest.raises(KeyError):
        idx.remove("zz", 9, 1.0)
    assert idx.same_key(1, 1.0) and not idx.same_key(1, True) and idx.same_key(None, MISSING)


def test_sorted_index_ranges_and_order():
    rids: dict[int, str] = {}
    idx = SortedIndex("t", rids)
    times = [T0 + timedelta(seconds=s) for s in (3, 1, 2, 1)]
    for seq, t in enumerate(times):
        rids[seq] = f"r{seq}"
        idx.add(f"r{seq}", seq, t)
    idx.add("n", 9, None)
    idx.add("i", 10, "not a date")
    assert idx.ordered() == ["r1", "r3", "r2", "r0"]  # ties in insertion order
    one = date_micros(T0 + timedelta(seconds=1))
    i, j = idx.positions(one, one)
    assert set(idx.ids(i, j)) == {"r1", "r3"}
    i, j = idx.positions(one + 1, None)
    assert list(idx.ids(i, j)) == ["r2", "r0"]
    assert idx.positions(None, one - 1) == (0, 0)
    assert idx.null == {"n"} and idx.irregular == {"i"}
    idx.remove("r3", 3, times[3])
    assert idx.ordered() == ["r1", "r2", "r0"]
    assert idx.same_key(T0, T0.astimezone(timezone(timedelta(hours=-5))))
    before = SortedIndex("t", rids)
    before.add("early", 7, datetime(1960, 1, 1, tzinfo=UTC))  # negative micros still sort
    rids[7] = "early"
    before.add("r0", 0, times[0])
    assert before.ordered() == ["early", "r0"]


def test_any_hashable_record_id():
    idx = HashIndex("f")
    for rid in (None, 0, (), "x"):
        idx.add(rid, 0, "v")
    assert set(idx.bucket("v")) == {None, 0, (), "x"}
    for rid in (None, 0, (), "x"):
        idx.remove(rid, 0, "v")
    assert idx.bucket("v") == ()
