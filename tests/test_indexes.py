"""Index keys (MongoDB equality classes) and index maintenance."""

from __future__ import annotations

import decimal
import gc
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
    for seq, v in enumerate(["x", "x", 1, 1.0, None, MISSING, ["x"]]):
        idx.add(seq, v)
    assert set(idx.bucket("x")) == {0, 1}
    assert set(idx.bucket(1)) == {2, 3}
    assert set(idx.bucket(True)) == set()
    assert set(idx.null) == {4, 5} and set(idx.irregular) == {6}
    assert len(idx) == 4
    for seq, v in [(0, "x"), (2, 1), (4, None), (6, ["x"])]:
        idx.remove(seq, v)
    assert set(idx.bucket("x")) == {1} and set(idx.bucket(1.0)) == {3}
    assert set(idx.null) == {5} and not idx.irregular
    idx.remove(1, "x")
    assert idx.bucket("x") == () and "x" not in idx.lone and "x" not in idx.many
    with pytest.raises(KeyError):
        idx.remove(9, 1.0)
    with pytest.raises(KeyError):
        idx.remove(9, "never")
    assert idx.same_key(1, 1.0) and not idx.same_key(1, True) and idx.same_key(None, MISSING)


def tracked_below(obj: object) -> int:
    """How many tracked objects the collector visits from ``obj`` (itself included)."""
    seen: set[int] = set()
    stack = [obj]
    while stack:
        x = stack.pop()
        if id(x) in seen or not gc.is_tracked(x) or isinstance(x, type):
            continue
        seen.add(id(x))
        stack.extend(gc.get_referents(x))
    return len(seen)


def test_indexes_hold_no_object_per_record_for_the_collector():
    h, s = HashIndex("f"), SortedIndex("t")
    for seq in range(3000):
        h.add(seq, f"v{seq % 3}" if seq % 5 else (None if seq % 2 else f"u{seq}"))
        s.add(seq, None if seq % 7 == 0 else T0 + timedelta(seconds=seq))
    gc.collect()
    assert not gc.is_tracked(h.lone)
    assert tracked_below(h) < 40 and tracked_below(s) < 40


def test_sorted_index_ranges_and_order():
    idx = SortedIndex("t")
    times = [T0 + timedelta(seconds=s) for s in (3, 1, 2, 1)]
    for seq, t in enumerate(times):
        idx.add(seq, t)
    idx.add(9, None)
    idx.add(10, "not a date")
    assert idx.ordered() == [1, 3, 2, 0]  # ties in insertion order
    one = date_micros(T0 + timedelta(seconds=1))
    i, j = idx.positions(one, one)
    assert set(idx.ids(i, j)) == {1, 3} and idx.count(i, j) == 2
    i, j = idx.positions(one + 1, None)
    assert list(idx.ids(i, j)) == [2, 0]
    i, j = idx.positions(None, one - 1)
    assert idx.count(i, j) == 0 and list(idx.ids(i, j)) == []
    assert set(idx.null) == {9} and set(idx.irregular) == {10}
    idx.remove(3, times[3])
    assert idx.ordered() == [1, 2, 0] and idx.first(2) == [1, 2]
    with pytest.raises(KeyError):
        idx.remove(3, times[3])
    assert idx.same_key(T0, T0.astimezone(timezone(timedelta(hours=-5))))
    before = SortedIndex("t")
    before.add(7, datetime(1960, 1, 1, tzinfo=UTC))  # negative micros still sort
    before.add(0, times[0])
    assert before.ordered() == [7, 0]
