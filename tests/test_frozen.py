"""Read-only records (find_records(read_only=True)): plain copies on demand, never the store."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from querylang.strategies import documents, task_records
from taskdb import DictDB
from taskdb.frozen import FrozenRecord, freeze_all
from taskdb.packing import pack, unpack
from taskdb.samples import sample_records
from tests.test_packing import same


@given(recs=st.lists(st.one_of(task_records(), documents()), max_size=6))
def test_to_dict_is_the_plain_copy(recs: list[dict[str, Any]]) -> None:
    packed = [pack(r, i) for i, r in enumerate(recs)]
    for frozen, t, rec in zip(freeze_all(packed), packed, recs, strict=True):
        plain = frozen.to_dict() if isinstance(frozen, FrozenRecord) else dict(frozen)
        assert same(plain, unpack(t)) and same(plain, rec)
        assert list(frozen) == list(rec) and len(frozen) == len(rec)


def test_reads_like_the_record_without_being_it() -> None:
    rec = {"a": 1, "h": {"s": "ok", "n": {"x": [1, 2]}}, "l": [b"x"], "b": bytearray(b"y")}
    (frozen,) = freeze_all([pack(rec, "r")])
    assert frozen["a"] == 1 and frozen["l"] == (b"x",) and frozen["h"]["n"]["x"] == (1, 2)
    assert frozen["h"] == {"s": "ok", "n": {"x": (1, 2)}} and "h" in frozen and "z" not in frozen
    assert isinstance(frozen["h"], FrozenRecord) and frozen.get("z") is None
    with pytest.raises(TypeError):
        frozen["a"] = 2  # type: ignore[index]
    frozen["b"][0] = 0  # a fresh copy at each read
    assert frozen["b"] == bytearray(b"y") and frozen.to_dict() == rec
    assert repr(frozen).startswith("FrozenRecord({'a': 1")


def test_find_records_read_only() -> None:
    db = DictDB(record_limit=10**6)
    recs = sample_records(300)
    for r in recs:
        db.add_record(r["msg_id"], r)
    for q in ({}, {"completed": None}, {"result_header.status": {"$ne": "ok"}}):
        frozen = db.find_records(q, read_only=True)
        assert [f.to_dict() for f in frozen] == db.find_records(q)
    assert db.find_records({}, ["completed"], read_only=True) == db.find_records({}, ["completed"])
