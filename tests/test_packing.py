"""The packed form of a stored record: round trips, isolation, shapes, views, projections."""

from __future__ import annotations

import gc
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from querylang.strategies import documents, task_records
from taskdb import packing
from taskdb.packing import GENERIC, SLOT, field, pack, projectors, unpack, viewers
from taskdb.samples import sample_records

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def same(a: Any, b: Any) -> bool:
    """Equal, with the same classes and key order at every level."""
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if type(a) in (list, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b) or (a != a and b != b)


def shares_no_container(a: Any, b: Any) -> bool:
    """No dict or list reachable from ``a`` is one reachable from ``b``."""

    def containers(x: Any, out: set[int]) -> set[int]:
        if type(x) in (dict, list, bytearray):
            out.add(id(x))
            for y in x.values() if type(x) is dict else x if type(x) is list else ():
                containers(y, out)
        return out

    return not containers(a, set()) & containers(b, set())


@given(rec=st.one_of(task_records(), documents()))
def test_round_trip(rec: dict[str, Any]) -> None:
    t = pack(rec, "id")
    out = unpack(t)
    assert same(out, rec)
    assert shares_no_container(out, rec) and shares_no_container(out, unpack(t))


def test_sample_records_round_trip_and_are_untracked() -> None:
    recs = sample_records(300)
    packed = [pack(r, r["msg_id"]) for r in recs]
    assert all(same(unpack(t), r) for t, r in zip(packed, recs, strict=True))
    assert all(t[0] != GENERIC for t in packed)
    gc.collect()  # untracks the lists' tuples (found after their record, once tracked)
    gc.collect()  # then the records'
    assert not any(gc.is_tracked(t) for t in packed)


def test_mutation_never_reaches_the_store() -> None:
    rec = {"a": [1, 2], "b": {"c": [3], "d": bytearray(b"x")}, "e": {1, 2}}
    t = pack(rec, "r")
    rec["a"].append(9)
    rec["b"]["c"].append(9)
    rec["b"]["d"][0] = 0
    rec["e"].add(9)
    out = unpack(t)
    assert out == {"a": [1, 2], "b": {"c": [3], "d": bytearray(b"x")}, "e": {1, 2}}
    out["a"].append(7)
    out["b"]["d"][0] = 0
    assert unpack(t) == {"a": [1, 2], "b": {"c": [3], "d": bytearray(b"x")}, "e": {1, 2}}


def test_memoryview_is_a_new_view_of_the_same_memory() -> None:
    buf = bytearray(b"abc")
    t = pack({"buffers": [memoryview(buf)]}, "r")
    out = unpack(t)["buffers"][0]
    assert type(out) is memoryview and bytes(out) == b"abc"
    assert unpack(t)["buffers"][0] is not out


def test_odd_records_are_stored_generically() -> None:
    cyclic: dict[str, Any] = {"a": 1}
    cyclic["self"] = cyclic
    deep: dict[str, Any] = {}
    d = deep
    for _ in range(packing.MAX_DEPTH + 5):
        d["x"] = {}
        d = d["x"]
    wide = {f"k{i}": i for i in range(packing.MAX_SLOTS + 1)}
    for rec in (cyclic, deep, wide):
        t = pack(rec, "r")
        assert t[0] == GENERIC
        out = unpack(t)
        assert out is not rec and list(out) == list(rec)
    assert same(unpack(pack(deep, "r")), deep) and same(unpack(pack(wide, "r")), wide)
    sub = pack(OrderedDict(a=1), "r")  # a Mapping that is not a dict is read as a dict
    assert same(unpack(sub), {"a": 1})
    inner = unpack(pack({"o": OrderedDict(a=[1])}, "r"))["o"]
    assert type(inner) is OrderedDict and inner == {"a": [1]}


def test_shapes_are_shared() -> None:
    a = pack({"x": 1, "y": {"z": "s"}, "l": [1]}, "a")
    b = pack({"x": "2", "y": {"z": None}, "l": [b""]}, "b")
    c = pack({"y": {"z": None}, "x": 1, "l": [2]}, "c")  # key order is part of the shape
    d = pack({"x": 1, "y": {"z": "s"}, "l": []}, "d")  # so is a short list's length
    e = pack({"x": 1, "y": {"z": "s"}, "l": list(range(packing.MAX_SHORT + 1))}, "e")
    f = pack({"x": 1, "y": {"z": "s"}, "l": list(range(packing.MAX_SHORT + 2))}, "f")
    assert a[0] == b[0] != c[0] and len({a[0], c[0], d[0], e[0]}) == 4 and e[0] == f[0]


def test_field_reads_top_level_values_as_stored() -> None:
    t = pack({"a": 1, "b": [1, 2], "c": {"d": 4}, "e": None}, "r")
    assert field(t, "a", "-") == 1 and field(t, "b", "-") == (1, 2)
    assert field(t, "c", "-") == {"d": 4} and field(t, "e", "-") is None
    assert field(t, "zz", "-") == "-"
    assert field(pack({"a": [{"b": 1}]}, "r"), "a", "-") == [{"b": 1}]
    cyclic: dict[str, Any] = {"a": 1}
    cyclic["me"] = cyclic
    g = pack(cyclic, "r")
    assert g[0] == GENERIC and field(g, "a", "-") == 1 and field(g, "zz", "-") == "-"


def test_views_hold_the_query_paths_and_the_packed_record() -> None:
    rec = {
        "a": 1,
        "h": {"s": "ok", "t": T0, "n": {"m": [1]}},
        "l": [1, 2],
        "o": [{"x": 1}],
    }
    t = pack(rec, "r")
    view = viewers((("h", (("s", None),)),))[t[0]](t)
    assert view == {"h": {"s": "ok"}, SLOT: t}
    view = viewers((("a", None), ("h", (("n", None), ("q", None))), ("l", (("0", None),))))[t[0]](t)
    assert view == {"a": 1, "h": {"n": {"m": [1]}}, "l": [1, 2], SLOT: t}
    assert viewers((("missing", None),))[t[0]](t) == {SLOT: t}
    assert viewers((("o", (("x", None),)),))[t[0]](t) == {"o": [{"x": 1}], SLOT: t}
    assert viewers(None)[t[0]](t) == rec


def test_projections() -> None:
    t = pack({"a": [1], "msg_id": "m", "b": {"c": 1}}, "rid")
    p = projectors(("b", "a", "zz"))[t[0]](t)
    assert list(p) == ["msg_id", "b", "a"] and p == {"msg_id": "m", "b": {"c": 1}, "a": [1]}
    assert projectors(("msg_id",))[t[0]](t) == {"msg_id": "m"}
    u = pack({"a": 1}, "rid")
    assert projectors(("a",))[u[0]](u) == {"msg_id": "rid", "a": 1}
    g = pack({"msg_id": "m", "x": {1, 2}, "self": None}, "rid")
    assert projectors(("x",))[g[0]](g) == {"msg_id": "m", "x": {1, 2}}


@pytest.mark.parametrize("keys", [("a",), ("a", "a"), ()])
def test_projection_of_a_generic_record(keys: tuple[str, ...]) -> None:
    cyclic: dict[str, Any] = {"a": [1]}
    cyclic["me"] = cyclic
    t = pack(cyclic, "rid")
    assert t[0] == GENERIC
    p = projectors(keys)[GENERIC](t)
    assert p == {"msg_id": "rid", **({"a": [1]} if keys else {})}
    if keys:
        assert p["a"] is not t[2]["a"]


def test_projection_of_many_records_of_many_shapes() -> None:
    cyclic: dict[str, Any] = {"msg_id": "g", "a": [1]}
    cyclic["me"] = cyclic
    recs = [
        {"msg_id": "x", "a": 1, "b": [1, 2]},
        {"msg_id": "y", "a": {"n": [3]}, "b": None},
        {"a": "no msg_id", "b": 2},
        cyclic,
        {"msg_id": "z", "a": 2, "b": [3]},
    ]
    packed = [pack(r, f"rid{i}") for i, r in enumerate(recs)]
    for keys in (("a",), ("b", "a"), ("zz",), ("msg_id", "a")):
        want = [projectors(keys)[t[0]](t) for t in packed]
        got = packing.projection(keys)(packed)
        assert got == want
        assert [list(d) for d in got] == [list(d) for d in want]
    assert packing.projection(("a",))(packed)[2] == {"msg_id": "rid2", "a": "no msg_id"}


def test_bulk_functions_equal_the_per_shape_ones() -> None:
    """copy_all, view_all and projection inline the common shape's expression."""
    deep: dict[str, Any] = {"msg_id": "g", "completed": None}
    d = deep
    for _ in range(packing.MAX_DEPTH + 2):
        d["x"] = {}
        d = d["x"]
    recs: list[Any] = [*sample_records(150), deep, {"a": 1}, {"a": [1, {"b": 2}]}]
    recs += [{**r, "extra": i} for i, r in enumerate(sample_records(40, seed=3))]
    packed = [pack(r, f"rid{i}") for i, r in enumerate(recs)]
    assert packed[150][0] == GENERIC
    for rows in (packed, packed[::-1], packed[150:]):
        assert packing.copy_all(rows) == [unpack(t) for t in rows]
        for trie in (None, (("completed", None),), (("result_header", (("status", None),)),)):
            assert packing.view_all(trie)(rows) == [viewers(trie)[t[0]](t) for t in rows]
        for keys in (("completed",), ("buffers", "zz", "msg_id")):
            want = [projectors(keys)[t[0]](t) for t in rows]
            got = packing.projection(keys)(rows)
            assert got == want and [list(d) for d in got] == [list(d) for d in want]


def _general(rec: dict[str, Any], rid: str) -> packing.Packed:
    """``pack`` by the general path (no generated packer yet for the record's plan)."""
    packing._TOP_PLANS.clear()
    return pack(rec, rid)


def test_generated_packers_pack_as_the_general_path() -> None:
    recs: list[dict[str, Any]] = sample_records(400)
    recs += [
        {"h": {"a": 1}, "l": [1]},
        {"h": {"b": 1}, "l": [2]},  # same classes and lengths, other nested keys
        {"h": {"a": [1]}, "l": [3]},  # a nested list: deeper
        {"h": {"a": 1}, "l": [{}]},  # a list of dicts: copied
        {"h": {"a": 1}, "l": list(range(20))},  # a long list: one tuple slot
        {"h": {"a": 1}, "l": [*range(19), [0]]},
        {"h": {"a": 1}, "l": [1], "b": bytearray(b"x")},
    ]
    for _ in range(2):
        fast = [pack(r, f"r{i}") for i, r in enumerate(recs)]
    general = [_general(r, f"r{i}") for i, r in enumerate(recs)]
    assert fast == general
    assert all(same(unpack(t), r) for t, r in zip(fast, recs, strict=True))


@given(docs=st.lists(st.one_of(task_records(), documents()), min_size=2, max_size=8))
def test_generated_packers_on_any_documents(docs: list[dict[str, Any]]) -> None:
    twice = [pack(d, "r") for d in docs + docs]
    assert twice[len(docs) :] == [_general(d, "r") for d in docs]
