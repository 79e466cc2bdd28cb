"""taskdb.SQLiteDB: DictDB's interface and answers on a SQLite file, and ipyparallel's own
SQLiteDB test suite run against it."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from ipyparallel.tests import test_db as ipp_suite

import querylang
from querylang import nodes as n
from taskdb import DatabaseFileError, DictDB, SQLiteDB
from taskdb.samples import sample_records
from tests.test_backends_conformance import same

T0 = dt.datetime(2024, 1, 1, 12, 0, 0, tzinfo=dt.UTC)


def rec(i: int, **kw: Any) -> dict[str, Any]:
    """A small TaskRecord submitted at T0 + i seconds (as tests/test_dictdb.py's)."""
    r = {
        "msg_id": f"m{i}",
        "client_uuid": f"c{i % 3}",
        "engine_uuid": f"e{i % 2}" if i % 5 else None,
        "header": {"msg_id": f"m{i}", "msg_type": "apply_request", "date": T0},
        "content": {"n": i},
        "buffers": [b"x" * 10],
        "submitted": T0 + dt.timedelta(seconds=i),
        "started": None,
        "completed": T0 + dt.timedelta(seconds=i + 5) if i % 4 else None,
        "received": None,
        "resubmitted": None,
        "result_header": None,
        "result_content": None,
        "result_buffers": None,
    }
    r.update(kw)
    return r


def fill(db: Any, count: int = 12) -> Any:
    for i in range(count):
        db.add_record(f"m{i}", rec(i))
    return db


def ids(records: list[dict[str, Any]]) -> list[str]:
    return [r["msg_id"] for r in records]


# Queries where ipyparallel's DictDB gives the MongoDB answer (as tests/test_dictdb.py's).
COMPATIBLE = [
    {},
    {"msg_id": "m3"},
    {"client_uuid": "c1"},
    {"completed": None},
    {"completed": {"$ne": None}},
    {"engine_uuid": None},
    {"msg_id": {"$in": ["m1", "m4", "nope"]}},
    {"msg_id": {"$nin": ["m1", "m4"]}},
    {"submitted": {"$lt": T0 + dt.timedelta(seconds=3)}},
    {"submitted": {"$lte": T0 + dt.timedelta(seconds=3)}},
    {"submitted": {"$gte": T0 + dt.timedelta(seconds=3), "$lt": T0 + dt.timedelta(seconds=6)}},
    {"submitted": T0 + dt.timedelta(seconds=2)},
    {"client_uuid": {"$glob": "c[12]"}},
]

NO_CULL = {"record_limit": 10**9, "size_limit": 10**12}


@pytest.fixture
def db(tmp_path: Path) -> Any:
    d = SQLiteDB(location=str(tmp_path), filename="tasks.db")
    yield d
    d.close()


def reopen(d: SQLiteDB, **kw: Any) -> SQLiteDB:
    d.close()
    return SQLiteDB(location=d.location, filename=d.filename, table=d.table, **kw)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- ipyparallel's suite ---------------------------------------------------------------------


class TestIpyparallelSuiteOnTaskdb(ipp_suite.TestSQLiteBackend):
    """ipyparallel 9's ``tests/test_db.py::TestSQLiteBackend`` (Hub-made records via
    init_record), with our SQLiteDB as the backend."""

    def create_db(self) -> SQLiteDB:
        location, fname = os.path.split(self.temp_db)
        log = logging.getLogger("test")
        log.setLevel(logging.CRITICAL)
        return SQLiteDB(location=location, filename=fname, log=log)

    def tearDown(self) -> None:
        super().tearDown()
        for suffix in ("-wal", "-shm"):
            try:
                os.remove(self.temp_db + suffix)
            except OSError:
                pass


def test_traits_match_ipyparallel() -> None:
    from ipyparallel.controller.sqlitedb import SQLiteDB as Theirs

    for name in ("filename", "location", "table"):
        ours, theirs = SQLiteDB.class_traits()[name], Theirs.class_traits()[name]
        assert ours.default_value == theirs.default_value
        assert ours.help == theirs.help
        assert ours.metadata.get("config") is True


def test_hub_base_class() -> None:
    from ipyparallel.controller.dictdb import BaseDB as HubBaseDB

    assert issubclass(SQLiteDB, HubBaseDB)


# --- the same answers as DictDB ---------------------------------------------------------------


@pytest.mark.parametrize("check", COMPATIBLE, ids=str)
def test_find_and_drop_same_as_dictdb(db: SQLiteDB, check: dict) -> None:
    ref = fill(DictDB(**NO_CULL))
    fill(db)
    assert db.find_records(check) == ref.find_records(check)
    assert db.find_records(check, ["header", "buffers"]) == ref.find_records(
        check, ["header", "buffers"]
    )
    ref.drop_matching_records(check)
    db.drop_matching_records(check)
    assert db.find_records({}) == ref.find_records({})
    assert db.get_history() == ref.get_history()


SAMPLE_QUERIES = [
    {},
    {"completed": None},
    {"completed": {"$ne": None}},
    {"result_header.status": {"$ne": "ok"}},
    {"$or": [{"result_header.status": "error"}, {"resubmitted": {"$ne": None}}]},
    {"result_content.ename": {"$exists": True}},
    {"header.msg_type": {"$regex": "^execute"}},
    {"header.msg_type": {"$regex": "request$"}},
    {"buffers": {"$size": 2}},
    {"result_buffers.0": {"$exists": True}},
    {"header.date": {"$gt": dt.datetime(2024, 1, 1, 12, 0, 30, tzinfo=dt.UTC)}},
    {"$nor": [{"completed": None}, {"engine_uuid": None}]},
    'not (header.msg_type == "apply_request") or completed == null',
    {"label": {"$glob": "*"}},
]


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> tuple[DictDB, SQLiteDB, list[dict]]:
    records = sample_records(600, seed=3)
    ref = DictDB(**NO_CULL)
    for r in records:
        ref.add_record(r["msg_id"], r)
    d = SQLiteDB(location=str(tmp_path_factory.mktemp("twins")), filename="t.db")
    d.add_records((r["msg_id"], r) for r in records)
    yield ref, d, records
    d.close()


@pytest.mark.parametrize("check", SAMPLE_QUERIES, ids=str)
def test_sample_queries_same_as_dictdb(twins: tuple, check: Any) -> None:
    ref, d, records = twins
    assert d.find_records(check) == ref.find_records(check)
    keys = ["completed", "result_buffers", "nope"]
    assert d.find_records(check, keys) == ref.find_records(check, keys)


def test_ids_and_history_same_as_dictdb(twins: tuple) -> None:
    ref, d, records = twins
    client = records[10]["client_uuid"]
    engines = sorted({r["engine_uuid"] for r in records if r["engine_uuid"]})[:3]
    for check in (
        {"client_uuid": client, "completed": None},
        {"engine_uuid": {"$in": engines}},
        {"engine_uuid": {"$nin": [*engines[:2], None]}},
        {"msg_id": records[77]["msg_id"]},
        {"msg_id": {"$in": [r["msg_id"] for r in records[::50]]}},
        {"submitted": {"$gte": records[100]["submitted"], "$lt": records[200]["submitted"]}},
    ):
        assert ids(d.find_records(check)) == ids(ref.find_records(check)), check
    assert d.get_history() == ref.get_history()
    assert len(d) == len(ref) == len(records)


def test_every_query_form(db: SQLiteDB) -> None:
    fill(db)
    want = ids(db.find_records({"client_uuid": "c1", "completed": None}))
    assert want
    q = querylang.parse('client_uuid == "c1" and completed == null')
    for check in (q, q.node, str(q), '{"client_uuid": "c1", "completed": null}'):
        assert ids(db.find_records(check)) == want
    assert db.find_records(None) == db.find_records({})


# --- records round-trip exactly -----------------------------------------------------------------


def test_values_round_trip(db: SQLiteDB) -> None:
    odd = {
        "msg_id": "x",
        "submitted": dt.datetime(2024, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        "started": None,
        "ints": [1, 1.0, True, 2**70, -(2**63)],
        "floats": [math.nan, math.inf, -0.0, 0.1],
        "buffers": [b"\x00\x01", memoryview(b"view"), bytearray(b"ba"), b""],
        "nested": {"a": {"b": [{"c": None}]}, "$weird": {"$date": 1}},
        "naive": dt.datetime(2020, 5, 1, 12),
        "tuple": (1, "2"),
        "text": "日本\x00\ud800",
    }
    db.add_record("x", odd)
    got = db.get_record("x")
    assert same(got, odd)
    assert list(got) == list(odd)  # key order
    assert "started" in got and "missing" not in got  # None vs missing
    assert same(reopen(db).get_record("x"), odd)


def test_naive_timestamps_get_the_local_zone(
    db: SQLiteDB, caplog: pytest.LogCaptureFixture
) -> None:
    naive = dt.datetime(2024, 5, 1, 10, 30)
    given = {"msg_id": "a", "submitted": naive}
    with caplog.at_level(logging.WARNING):
        db.add_record("a", given)
    assert "Timestamps should always have timezones" in caplog.text
    assert given["submitted"] is naive  # the caller's dict is untouched
    stored = db.get_record("a")["submitted"]
    assert stored.tzinfo is not None and stored == naive.astimezone()
    assert ids(db.find_records({"submitted": naive})) == ["a"]
    with pytest.raises(ValueError, match="completed must be None or datetime"):
        db.update_record("a", {"completed": "soon"})
    with pytest.raises(ValueError, match="submitted"):
        db.add_record("b", {"msg_id": "b", "submitted": 5})
    assert ids(db.find_records({})) == ["a"]


def test_unstorable_value_is_refused_and_nothing_is_written(db: SQLiteDB) -> None:
    with pytest.raises(TypeError, match=r"\$\.content\.f"):
        db.add_record("a", {"msg_id": "a", "content": {"f": object()}})
    db.add_record("b", {"msg_id": "b"})
    with pytest.raises(TypeError):
        db.update_record("b", {"x": {1, 2}})
    with pytest.raises(TypeError, match="str msg_id"):
        db.add_record(7, {"msg_id": 7})
    assert db.find_records({}) == [{"msg_id": "b"}]


def test_copies_and_errors(db: SQLiteDB) -> None:
    r = rec(1)
    db.add_record("m1", r)
    r["header"]["msg_type"] = "hacked"
    got = db.get_record("m1")
    got["header"]["msg_type"] = "hacked too"
    assert db.get_record("m1") == rec(1)
    with pytest.raises(KeyError, match="Already have"):
        db.add_record("m1", rec(1))
    for call in (db.get_record, db.drop_record, lambda m: db.update_record(m, {"a": 1})):
        with pytest.raises(KeyError, match="No such msg_id"):
            call("nope")


def test_bulk_add_is_all_or_nothing(db: SQLiteDB) -> None:
    db.add_record("m1", rec(1))
    with pytest.raises(KeyError, match="'m1'"):
        db.add_records([("m2", rec(2)), ("m1", rec(1)), ("m3", rec(3))])
    assert ids(db.find_records({})) == ["m1"]


def test_update_may_change_indexed_fields_and_the_key_field(db: SQLiteDB) -> None:
    fill(db, 4)
    db.update_record("m1", {"client_uuid": ["c9"], "completed": None, "msg_id": "other"})
    assert ids(db.find_records({"client_uuid": "c9"})) == ["other"]
    assert ids(db.find_records({"msg_id": "other"})) == ["other"]
    assert db.find_records({"msg_id": "m1"}) == []
    assert db.get_record("m1")["msg_id"] == "other"  # stored under its key
    assert [r["msg_id"] for r in db.find_records({"completed": None}, ["msg_id"])] == [
        "m0",
        "other",
    ]


def test_projection_reads_buffers_only_when_asked(db: SQLiteDB) -> None:
    db.add_record("a", {"msg_id": "a", "buffers": [b"x" * 100], "h": {"b": b"y"}, "n": 1})
    assert db.find_records({}, ["n"]) == [{"msg_id": "a", "n": 1}]
    assert db.find_records({}, ["h"]) == [{"msg_id": "a", "h": {"b": b"y"}}]
    assert db.find_records({"n": 1}, ["buffers"]) == [{"msg_id": "a", "buffers": [b"x" * 100]}]


def test_explain_shows_sql_params_exactness_and_plan(db: SQLiteDB) -> None:
    fill(db)
    e = db.explain({"client_uuid": "c1", "header.msg_type": {"$regex": "^apply.*t"}})
    text = str(e)
    assert "WHERE" in text and "'c1'" in text and "sqlite plan:" in text
    assert "USING INDEX" in text  # the client_uuid index
    assert "exact      client_uuid" in text and "superset   header.msg_type" in text
    assert not e.exact and "residual: the compiled predicate" in text
    assert db.explain({"client_uuid": "c1"}).exact


# --- the file ---------------------------------------------------------------------------------


def test_restart_sees_old_records(db: SQLiteDB) -> None:
    fill(db)
    before = db.find_records({})
    again = reopen(db)
    assert again.find_records({}) == before
    again.add_record("new", rec(99))
    assert again.get_history()[-1] == "new"
    again.close()


def test_not_sqlite_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "tasks.db"
    path.write_text('{"msg_id": "a"}\n')
    before = digest(path)
    with pytest.raises(DatabaseFileError, match=r"tasks\.db: not a SQLite database"):
        SQLiteDB(location=str(tmp_path), filename="tasks.db")
    assert digest(path) == before


def test_corrupt_file_is_refused_untouched(tmp_path: Path) -> None:
    d = SQLiteDB(location=str(tmp_path), filename="tasks.db")
    fill(d)
    d.close()
    path = tmp_path / "tasks.db"
    data = bytearray(path.read_bytes())
    data[100:4096] = os.urandom(3996)  # page 1 after the header: the schema table
    path.write_bytes(bytes(data))
    before = digest(path)
    with pytest.raises(DatabaseFileError, match=r"tasks\.db: cannot be read"):
        SQLiteDB(location=str(tmp_path), filename="tasks.db")
    assert digest(path) == before


def test_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    SQLiteDB(location=str(tmp_path), filename="tasks.db").close()
    path = tmp_path / "tasks.db"
    con = sqlite3.connect(path)
    con.execute("UPDATE taskdb_tables SET schema_version = 99")
    con.commit()
    con.close()
    before = digest(path)
    with pytest.raises(DatabaseFileError, match="schema version 99, newer"):
        SQLiteDB(location=str(tmp_path), filename="tasks.db")
    assert digest(path) == before


def test_foreign_table_and_columns_are_refused_untouched(tmp_path: Path) -> None:
    from ipyparallel.controller.sqlitedb import SQLiteDB as Theirs

    theirs = Theirs(location=str(tmp_path), filename="tasks.db", log=logging.getLogger("x"))
    theirs.add_record("m1", rec(1))
    theirs.close()
    path = tmp_path / "tasks.db"
    before = digest(path)
    with pytest.raises(DatabaseFileError, match="'ipython-tasks' was not made by taskdb"):
        SQLiteDB(location=str(tmp_path), filename="tasks.db")
    assert digest(path) == before
    # Another table in the same file is fine.
    ours = SQLiteDB(location=str(tmp_path), filename="tasks.db", table="taskdb")
    ours.add_record("m1", rec(1))
    ours.close()
    con = sqlite3.connect(path)
    con.execute('ALTER TABLE "taskdb" ADD COLUMN extra TEXT')
    con.commit()
    con.close()
    with pytest.raises(DatabaseFileError, match="does not have taskdb's columns"):
        SQLiteDB(location=str(tmp_path), filename="tasks.db", table="taskdb")


def test_missing_directory_and_readonly(tmp_path: Path) -> None:
    with pytest.raises(DatabaseFileError, match="does not exist"):
        SQLiteDB(location=str(tmp_path / "nope"), filename="tasks.db")
    with pytest.raises(DatabaseFileError, match="no such file"):
        SQLiteDB(location=str(tmp_path), filename="tasks.db", readonly=True)
    d = SQLiteDB(location=str(tmp_path), filename="tasks.db")
    fill(d, 3)
    ro = SQLiteDB(location=str(tmp_path), filename="tasks.db", readonly=True)
    assert ids(ro.find_records({})) == ["m0", "m1", "m2"]
    with pytest.raises(DatabaseFileError, match="readonly"):
        ro.add_record("x", rec(5))
    d.add_record("m3", rec(3))  # the writer goes on; the reader sees it
    assert ids(ro.find_records({"msg_id": "m3"})) == ["m3"]
    ro.close()
    d.close()


def test_batched_commits(tmp_path: Path) -> None:
    d = SQLiteDB(location=str(tmp_path), filename="tasks.db", commit_interval=60)
    fill(d, 3)
    other = SQLiteDB(location=str(tmp_path), filename="tasks.db", readonly=True)
    assert other.find_records({}) == []  # not committed yet
    assert len(d.find_records({})) == 3  # but the writer sees its own writes
    with pytest.raises(KeyError):
        d.add_record("m1", rec(1))  # a failed write rolls back only itself
    d.flush()
    assert ids(other.find_records({})) == ["m0", "m1", "m2"]
    d.add_record("m3", rec(3))
    d.close()  # commits
    assert len(other) == 4
    other.close()


def test_table_default_from_session_and_location_default(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    d = SQLiteDB(table="", session="ab-cd")
    assert d.table == "_ab_cd" and d.location == "."
    d.add_record("m1", rec(1))
    d.close()
    assert (tmp_path / "tasks.db").exists()


def test_hostile_table_name(tmp_path: Path) -> None:
    name = 'x"; DROP TABLE taskdb_tables; --'
    d = SQLiteDB(location=str(tmp_path), filename="tasks.db", table=name)
    fill(d, 2)
    assert ids(reopen(d).find_records({})) == ["m0", "m1"]


def test_operators_ipyparallel_lacks(db: SQLiteDB) -> None:
    fill(db)
    got = ids(db.find_records({"$or": [{"msg_id": "m1"}, {"header.msg_id": "m2"}]}))
    assert got == ["m1", "m2"]
    assert ids(db.find_records({"content.n": {"$in": [3, 4]}, "buffers": {"$size": 1}})) == [
        "m3",
        "m4",
    ]
    assert ids(db.find_records({"client_uuid": {"$regex": "^c[12]$"}, "content.n": {"$lt": 3}}))
    assert db.find_records({"submitted": {"$gt": T0 + dt.timedelta(seconds=10)}}) == [
        db.get_record("m11")
    ]
    assert db.find_records(n.Const(False)) == []
