"""SortedPairs against a plain sorted list of pairs (property), and its blocks."""

from __future__ import annotations

import gc
from bisect import bisect_left

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskdb import sortedarrays
from taskdb.sortedarrays import SeqSet, SortedPairs

ops = st.lists(
    st.tuples(st.booleans(), st.integers(-5, 40), st.integers(0, 60)), min_size=1, max_size=300
)


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sortedarrays, "LOAD", 4)  # many blocks, many splits


@settings(max_examples=300)
@given(ops=ops, lo=st.integers(-6, 41), hi=st.integers(-6, 41))
def test_same_as_a_sorted_list(ops: list[tuple[bool, int, int]], lo: int, hi: int) -> None:
    sp = SortedPairs()
    model: list[tuple[int, int]] = []
    for add, key, seq in ops:
        pair = (key, seq)
        if add and pair not in model:
            sp.add_pair(key, seq)
            model.insert(bisect_left(model, pair), pair)
        elif not add:
            if pair in model:
                sp.remove_pair(key, seq)
                model.remove(pair)
            else:
                with pytest.raises(KeyError):
                    sp.remove_pair(key, seq)
        assert len(sp) == len(model)
    assert list(sp.pairs()) == model
    assert sp.all_seqs() == [s for _, s in model] and sp.all_keys() == [k for k, _ in model]
    assert sp.first(3) == [s for _, s in model[:3]]
    i, j = sp.find(lo), sp.find(hi + 1)
    want = [s for k, s in model if lo <= k <= hi]
    assert list(sp.seqs(i, j)) == want and sp.count(i, j) == len(want)
    assert list(sp.seqs(sp.start(), sp.find(None))) == [s for _, s in model]


def test_blocks_split_and_vanish() -> None:
    sp = SortedPairs()
    for s in range(100):
        sp.add_pair(s // 3, s)
    assert len(sp._maxk) > 10
    for s in range(100):
        sp.remove_pair(s // 3, s)
    assert len(sp) == 0 and sp._maxk == [] and list(sp.pairs()) == []


def test_entries_are_invisible_to_the_collector() -> None:
    """The collector sees one object per block, never an object per entry."""
    sp = SortedPairs()
    for s in range(50):
        sp.add_pair(s, s)
    for block in sp._keys + sp._seqs:
        assert gc.get_referents(block) in ([], [type(block)])


@settings(max_examples=300)
@given(ops=st.lists(st.tuples(st.booleans(), st.integers(0, 60)), min_size=1, max_size=300))
def test_seqset_same_as_a_set(ops: list[tuple[bool, int]]) -> None:
    ss = SeqSet()
    model: set[int] = set()
    for add, seq in ops:
        if add and seq not in model:
            ss.add(seq)
            model.add(seq)
        elif not add:
            if seq in model:
                ss.remove(seq)
                model.remove(seq)
            else:
                with pytest.raises(KeyError):
                    ss.remove(seq)
        assert len(ss) == len(model) and (seq in ss) == (seq in model)
    assert list(ss) == sorted(model)
    assert "x" not in ss and -1 not in ss


@given(pairs=st.lists(st.tuples(st.integers(-5, 40), st.integers(0, 60)), unique=True))
def test_add_sorted_is_many_adds(pairs: list[tuple[int, int]]) -> None:
    one, bulk = SortedPairs(), SortedPairs()
    half = len(pairs) // 2
    for k, s in pairs[:half]:
        one.add_pair(k, s)
        bulk.add_pair(k, s)
    rest = sorted(p for p in pairs[half:])
    for k, s in rest:
        one.add_pair(k, s)
    bulk.add_sorted(rest)
    assert list(bulk.pairs()) == list(one.pairs()) == sorted(pairs) and len(bulk) == len(pairs)
