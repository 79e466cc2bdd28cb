"""taskdb.PostgresDB on a real server: DictDB's interface and answers, ipyparallel's own
TaskDBTest suite, exact round trips of what jsonb cannot hold, opening checks, and clear
errors for a server that is down, refuses the login, or never answers."""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import socket
import threading
import time
from typing import Any
from unittest import TestCase
from zoneinfo import ZoneInfo

import pytest
from ipyparallel.tests import test_db as ipp_suite
from traitlets.config import Config

import querylang
from querylang import nodes as n
from querylang.nodes import Regex
from taskdb import DictDB, PostgresDB, PostgresDBError
from taskdb.samples import sample_records
from tests import pgserver
from tests.test_backends_conformance import same

T0 = dt.datetime(2024, 1, 1, 12, 0, 0, tzinfo=dt.UTC)
NO_CULL = {"record_limit": 10**9, "size_limit": 10**12}


def rec(i: int, **kw: Any) -> dict[str, Any]:
    """A small TaskRecord submitted at T0 + i seconds (as tests/test_sqlitedb.py's)."""
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


@pytest.fixture
def db() -> Any:
    d = pgserver.open_db()
    yield d
    d.close()


def reopen(d: PostgresDB, **kw: Any) -> PostgresDB:
    d.close()
    return PostgresDB(url=d.url, schema=d.schema, table=d.table, **kw)


# --- ipyparallel's suite ---------------------------------------------------------------------


class TestIpyparallelSuiteOnPostgres(ipp_suite.TaskDBTest, TestCase):
    """ipyparallel 9's ``tests/test_db.py::TaskDBTest`` (Hub-made records via init_record),
    with PostgresDB on a fresh table as the backend."""

    def create_db(self) -> PostgresDB:
        log = logging.getLogger("test")
        log.setLevel(logging.CRITICAL)
        return pgserver.open_db(log=log)

    def tearDown(self) -> None:
        self.db.close()


def test_configurable_like_the_hub_does(monkeypatch: pytest.MonkeyPatch) -> None:
    from ipyparallel.controller.dictdb import BaseDB as HubBaseDB

    assert issubclass(PostgresDB, HubBaseDB)
    config = Config()
    config.PostgresDB.url = pgserver.url()
    config.PostgresDB.schema = pgserver.schema()
    config.PostgresDB.table = ""  # named after the hub's session, as ipyparallel's SQLiteDB
    d = PostgresDB(config=config, session="ab-cd")
    assert d.table == "_ab_cd" and d.url == pgserver.url()
    d.add_record("m1", rec(1))
    d.close()
    monkeypatch.setenv("TASKDB_POSTGRES_URL", pgserver.url())
    d = PostgresDB(schema=pgserver.schema(), table="_ab_cd")
    assert ids(d.find_records({})) == ["m1"]
    d.close()
    assert PostgresDB.class_traits()["table"].default_value == "ipython_tasks"


# --- the same answers as DictDB ---------------------------------------------------------------

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
    {"submitted": {"$gte": T0 + dt.timedelta(seconds=3), "$lt": T0 + dt.timedelta(seconds=6)}},
    {"submitted": T0 + dt.timedelta(seconds=2)},
    {"client_uuid": {"$glob": "c[12]"}},
    {"client_uuid": {"$glob": "c*"}},
    {"header.msg_type": "apply_request", "content.n": {"$gte": 5}},
]


@pytest.mark.parametrize("check", COMPATIBLE, ids=str)
def test_find_and_drop_same_as_dictdb(db: PostgresDB, check: dict) -> None:
    ref = fill(DictDB(**NO_CULL))
    fill(db)
    assert db.find_records(check) == ref.find_records(check)
    keys = ["header", "buffers"]
    assert db.find_records(check, keys) == ref.find_records(check, keys)
    ref.drop_matching_records(check)
    db.drop_matching_records(check)
    assert db.find_records({}) == ref.find_records({})
    assert db.get_history() == ref.get_history()


SAMPLE_QUERIES = [
    {},
    {"completed": None},
    {"completed": {"$ne": None}},
    {"result_header.status": {"$ne": "ok"}},
    {"result_header.status": "error"},
    {"$or": [{"result_header.status": "error"}, {"resubmitted": {"$ne": None}}]},
    {"result_content.ename": {"$exists": True}},
    {"header.msg_type": {"$regex": "^execute"}},
    {"header.msg_type": {"$in": ["execute_request", "nope"]}},
    {"header.msg_type": {"$regex": "request$"}},
    {"buffers": {"$size": 2}},
    {"result_buffers.0": {"$exists": True}},
    {"header.date": {"$gt": dt.datetime(2024, 1, 1, 12, 0, 30, tzinfo=dt.UTC)}},
    {"$nor": [{"completed": None}, {"engine_uuid": None}]},
    'not (header.msg_type == "apply_request") or completed == null',
    {"label": {"$glob": "*"}},
]


@pytest.fixture(scope="module")
def twins() -> Any:
    records = sample_records(600, seed=3)
    ref = DictDB(**NO_CULL)
    for r in records:
        ref.add_record(r["msg_id"], r)
    d = pgserver.open_db()
    d.add_records((r["msg_id"], r) for r in records)  # COPY
    pgserver.sql(f"ANALYZE {d._t}")
    yield ref, d, records
    d.close()


@pytest.mark.parametrize("check", SAMPLE_QUERIES, ids=str)
def test_sample_queries_same_as_dictdb(twins: tuple, check: Any) -> None:
    ref, d, _ = twins
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
    assert [r["msg_id"] for r in d.records(batch=64)] == ids(records)
    d.check_integrity()


def test_explain_shows_sql_params_exactness_and_the_servers_plan(twins: tuple) -> None:
    _, d, records = twins
    e = d.explain({"client_uuid": records[3]["client_uuid"], "completed": None})
    text = str(e)
    assert "sql (postgresql):" in text and "postgresql plan:" in text and "%(p0)s" in text
    assert "exact      client_uuid" in text and e.exact
    assert re.search(r"Index|Bitmap", text), text  # the client_uuid index
    assert "residual: none on rows where CERTAIN holds" in text
    g = str(d.explain({"header.msg_type": "execute_request"}))
    assert '"doc" @> %(p0)s::jsonb' in g
    assert "doc @>" in g.split("postgresql plan:")[1]  # the GIN index is usable
    r = d.explain({"header.msg_type": {"$regex": "^exec.*t"}})
    assert not r.exact and "superset   header.msg_type" in str(r)
    assert "password" not in text and d.table in text


def test_every_query_form(db: PostgresDB) -> None:
    fill(db)
    want = ids(db.find_records({"client_uuid": "c1", "completed": None}))
    assert want
    q = querylang.parse('client_uuid == "c1" and completed == null')
    for check in (q, q.node, str(q), '{"client_uuid": "c1", "completed": null}'):
        assert ids(db.find_records(check)) == want
    assert db.find_records(None) == db.find_records({})
    assert db.find_records(n.Const(False)) == []


# --- records round-trip exactly, including what jsonb cannot hold ------------------------------


ODD = {
    "msg_id": "x",
    "submitted": dt.datetime(2024, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=2), "CEST")),
    "started": dt.datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Paris")),
    "ints": [1, 1.0, True, 2**70, -(2**63), 2**63, -(2**200)],
    "floats": [math.nan, math.inf, -math.inf, -0.0, 0.1, 1e16, 5e-324, 1.7976931348623157e308],
    "buffers": [b"\x00\x01", memoryview(b"view"), bytearray(b"ba"), b""],
    "nested": {"a": {"b": [{"c": None}]}, "$weird": {"$date": 1}, "d": {"e": b"inside"}},
    "naive": dt.datetime(2020, 5, 1, 12),
    "tuple": (1, "2"),
    "nul": "a\x00b",
    "text": "日本\ud800",
    "key\x00nul": {"in\x00side": "\x00"},
    "pattern": Regex("a\x00b", "i"),
    "order": {"z": 1, "a": 2, "mm": 3, "b": 4},
}


def test_values_jsonb_cannot_hold_round_trip(db: PostgresDB) -> None:
    db.add_record("x", ODD)
    got = db.get_record("x")
    assert same(got, ODD)
    assert list(got) == list(ODD) and list(got["order"]) == ["z", "a", "mm", "b"]  # key order
    assert same(reopen(db).get_record("x"), ODD)
    again = PostgresDB(url=db.url, schema=db.schema, table=db.table)
    try:
        assert same(again.find_records({"nul": "a\x00b"})[0], ODD)  # residual: irregular
        assert ids(again.find_records({"ints": {"$size": 7}})) == ["x"]
        assert ids(again.find_records({"floats": {"$gt": 1e300}})) == ["x"]
        assert ids(again.find_records({"nested.d.e": b"inside"})) == ["x"]
        assert again.find_records({}, ["nested"]) == [{"msg_id": "x", "nested": ODD["nested"]}]
        assert ids(again.find_records({"started": {"$lt": ODD["submitted"]}})) == []
    finally:
        again.close()


def test_naive_timestamps_get_the_local_zone(
    db: PostgresDB, caplog: pytest.LogCaptureFixture
) -> None:
    naive = dt.datetime(2024, 5, 1, 10, 30)
    given = {"msg_id": "a", "submitted": naive}
    with caplog.at_level(logging.WARNING):
        db.add_record("a", given)
    assert "Timestamps should always have timezones" in caplog.text
    assert given["submitted"] is naive
    stored = db.get_record("a")["submitted"]
    assert stored.tzinfo is not None and stored == naive.astimezone()
    assert ids(db.find_records({"submitted": naive})) == ["a"]
    with pytest.raises(ValueError, match="completed must be None or datetime"):
        db.update_record("a", {"completed": "soon"})
    assert ids(db.find_records({})) == ["a"]


def test_unstorable_values_and_keys_are_refused_and_nothing_is_written(db: PostgresDB) -> None:
    with pytest.raises(TypeError, match=r"\$\.content\.f"):
        db.add_record("a", {"msg_id": "a", "content": {"f": object()}})
    db.add_record("b", {"msg_id": "b"})
    with pytest.raises(TypeError):
        db.update_record("b", {"x": {1, 2}})
    with pytest.raises(TypeError, match="str msg_id"):
        db.add_record(7, {"msg_id": 7})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="NUL"):
        db.add_record("a\x00", {"msg_id": "a\x00"})
    assert db.find_records({}) == [{"msg_id": "b"}]


def test_copies_and_errors(db: PostgresDB) -> None:
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


@pytest.mark.parametrize("many", [3, 40], ids=["executemany", "copy"])
def test_bulk_add_is_all_or_nothing(db: PostgresDB, many: int) -> None:
    db.add_record("m1", rec(1))
    batch = [(f"b{i}", rec(i, msg_id=f"b{i}")) for i in range(many)]
    with pytest.raises(KeyError, match="'m1'"):
        db.add_records([*batch, ("m1", rec(1))])
    with pytest.raises(KeyError, match="'b0'"):
        db.add_records([*batch, ("b0", rec(0))])  # a duplicate inside the batch
    assert ids(db.find_records({})) == ["m1"]
    db.add_records(batch)
    assert ids(db.find_records({})) == ["m1", *(m for m, _ in batch)]
    assert db.get_record("b2") == rec(2, msg_id="b2")


def test_update_may_change_indexed_fields_and_the_key_field(db: PostgresDB) -> None:
    fill(db, 4)
    db.update_record("m1", {"client_uuid": ["c9"], "completed": None, "msg_id": "other"})
    assert ids(db.find_records({"client_uuid": "c9"})) == ["other"]
    assert ids(db.find_records({"msg_id": "other"})) == ["other"]
    assert db.find_records({"msg_id": "m1"}) == []
    assert db.get_record("m1")["msg_id"] == "other"
    assert ids(db.find_records({"completed": None}, ["msg_id"])) == ["m0", "other"]
    db.check_integrity()


def test_projection_reads_buffers_only_when_asked(db: PostgresDB) -> None:
    db.add_record("a", {"msg_id": "a", "buffers": [b"x" * 100], "h": {"b": b"y"}, "n": 1})
    assert db.find_records({}, ["n"]) == [{"msg_id": "a", "n": 1}]
    assert db.find_records({}, ["h"]) == [{"msg_id": "a", "h": {"b": b"y"}}]
    assert db.find_records({"n": 1}, ["buffers"]) == [{"msg_id": "a", "buffers": [b"x" * 100]}]


def test_operators_ipyparallel_lacks(db: PostgresDB) -> None:
    fill(db)
    got = ids(db.find_records({"$or": [{"msg_id": "m1"}, {"header.msg_id": "m2"}]}))
    assert got == ["m1", "m2"]
    assert ids(db.find_records({"content.n": {"$in": [3, 4]}, "buffers": {"$size": 1}})) == [
        "m3",
        "m4",
    ]
    assert ids(db.find_records({"content.n": {"$mod": [5, 1]}})) == ["m1", "m6", "m11"]
    assert db.find_records({"submitted": {"$gt": T0 + dt.timedelta(seconds=10)}}) == [
        db.get_record("m11")
    ]


def test_strings_compare_in_code_point_order(db: PostgresDB) -> None:
    """COLLATE "C" in a UTF8 database: MongoDB's binary order, not the locale's."""
    words = ["B", "a", "Z", "é", "日本", "\U0001f600", "ab", "a b"]
    for i, w in enumerate(words):
        db.add_record(f"w{i}", {"msg_id": f"w{i}", "client_uuid": w, "h": {"w": w}})
    for path in ("client_uuid", "h.w"):
        for pivot in words:
            got = {
                r[path.split(".")[0]] if path == "client_uuid" else r["h"]["w"]
                for r in db.find_records({path: {"$gt": pivot}})
            }
            assert got == {w for w in words if w > pivot}, (path, pivot)


# --- opening a table ----------------------------------------------------------------------------


def test_restart_sees_old_records_and_tables_are_separate(db: PostgresDB) -> None:
    fill(db)
    before = db.find_records({})
    again = reopen(db)
    assert again.find_records({}) == before
    other = pgserver.open_db()  # another controller, another table
    other.add_record("m1", rec(1, content={"n": -1}))
    assert other.find_records({}) == [rec(1, content={"n": -1})]
    assert again.find_records({"msg_id": "m1"}) == [rec(1)]
    again.add_record("new", rec(99))
    assert again.get_history()[-1] == "new" and "new" not in other.get_history()
    other.close()
    again.close()


def _table_state(table: str) -> list[Any]:
    s = pgserver.schema()
    return pgserver.sql(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
        (s, table),
    ) + pgserver.sql(f'SELECT count(*) FROM "{s}"."{table}"')


def test_foreign_table_is_refused_untouched() -> None:
    s, name = pgserver.schema(), pgserver.table_name("foreign")
    pgserver.sql(f'CREATE TABLE "{s}"."{name}" (msg_id text, header bytea)')
    pgserver.sql(f"INSERT INTO \"{s}\".\"{name}\" VALUES ('m1', 'x')")
    before = _table_state(name)
    with pytest.raises(PostgresDBError, match=f"'{name}' in schema '{s}' was not made by taskdb"):
        pgserver.open_db(name)
    assert _table_state(name) == before


def test_newer_schema_and_other_columns_are_refused() -> None:
    d = pgserver.open_db()
    fill(d, 2)
    d.close()
    s, name = d.schema, d.table
    pgserver.sql(f'UPDATE "{s}".taskdb_tables SET schema_version = 99 WHERE name = %s', (name,))
    with pytest.raises(PostgresDBError, match="schema version 99, newer than this taskdb"):
        pgserver.open_db(name)
    pgserver.sql(f'UPDATE "{s}".taskdb_tables SET schema_version = 1 WHERE name = %s', (name,))
    pgserver.sql(f'ALTER TABLE "{s}"."{name}" ADD COLUMN extra text')
    with pytest.raises(PostgresDBError, match="does not have taskdb's columns"):
        pgserver.open_db(name)


def test_hostile_and_long_names(db: PostgresDB) -> None:
    name = 'x"; DROP TABLE taskdb_tables; -- %s %(p0)s'
    d = pgserver.open_db(name)
    fill(d, 2)
    d.add_records((f"b{i}", rec(i, msg_id=f"b{i}")) for i in range(30))  # COPY
    d = reopen(d)
    assert ids(d.find_records({"client_uuid": {"$ne": "zz"}}))[:3] == ["m0", "m1", "b0"]
    assert len(d) == len(d.get_history()) == 32
    d.drop_matching_records({"content.n": {"$gt": 0}})
    assert ids(d.find_records({}, ["content"])) == ["m0", "b0"]
    d.close()
    with pytest.raises(ValueError, match="at most 63 bytes"):
        pgserver.open_db("t" * 64)


def test_a_dropped_table_is_made_again() -> None:
    d = pgserver.open_db()
    fill(d, 2)
    d.close()
    pgserver.sql(f"DROP TABLE {d._t}")  # its registry row stays behind
    again = pgserver.open_db(d.table)
    assert again.find_records({}) == [] and len(again) == 0
    again.close()


def test_schema_is_created_if_missing() -> None:
    s = pgserver.schema() + "_extra"
    try:
        d = PostgresDB(url=pgserver.url(), schema=s, table="t")
        fill(d, 1)
        d.close()
        assert pgserver.sql(f'SELECT msg_id FROM "{s}"."t"') == [("m0",)]
    finally:
        pgserver.sql(f'DROP SCHEMA IF EXISTS "{s}" CASCADE')


# --- a server that is down, refuses the login, or never answers ------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_no_url_says_how_to_give_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TASKDB_POSTGRES_URL", raising=False)
    with pytest.raises(PostgresDBError, match="set PostgresDB.url or TASKDB_POSTGRES_URL"):
        PostgresDB()


def test_server_down_is_a_quick_clear_error_without_the_password() -> None:
    url = f"postgresql://alice:s3cr%21t@127.0.0.1:{_free_port()}/test"
    t0 = time.monotonic()
    with pytest.raises(PostgresDBError) as info:
        PostgresDB(url=url, connect_timeout=5)
    message = str(info.value)
    assert time.monotonic() - t0 < 5
    assert message.startswith(f"postgresql://alice:***@127.0.0.1:{url.split(':')[3]}")
    assert "cannot connect" in message and "refused" in message.lower()
    assert "s3cr" not in message


def test_refused_login_names_the_url_without_the_password() -> None:
    pgserver.require()
    base = pgserver.url().split("://", 1)[1].split("@", 1)[-1]
    url = f"postgresql://no_such_role_taskdb:hunter2@{base}"
    with pytest.raises(PostgresDBError) as info:
        PostgresDB(url=url)
    message = str(info.value)
    assert "no_such_role_taskdb:***@" in message and "hunter2" not in message
    assert "does not exist" in message or "authentication" in message


def test_a_server_that_never_answers_times_out() -> None:
    """A listener that accepts TCP connections and says nothing: connect_timeout ends it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    t0 = time.monotonic()
    try:
        with pytest.raises(PostgresDBError, match="cannot connect") as info:
            PostgresDB(url=f"postgresql://u:pw@127.0.0.1:{port}/db", connect_timeout=2)
        assert 1.5 < time.monotonic() - t0 < 15
        assert ":pw@" not in str(info.value) and "timeout" in str(info.value).lower()
    finally:
        stop.set()
        thread.join()
        for s in held:
            s.close()
        listener.close()


def test_synchronous_commit_applies_to_every_pooled_connection() -> None:
    d = pgserver.open_db(synchronous_commit="off", pool_size=3)
    try:
        shown = {d._run(lambda c: c.execute("SHOW synchronous_commit").fetchone()) for _ in "abc"}
        assert shown == {("off",)}
        fill(d, 3)
        assert ids(d.find_records({})) == ["m0", "m1", "m2"]
    finally:
        d.close()


def test_closed_database_is_a_clear_error(db: PostgresDB) -> None:
    db.close()
    with pytest.raises(PostgresDBError, match="closed"):
        db.find_records({})
    db.close()  # idempotent


def test_redaction_of_every_url_form() -> None:
    from taskdb.postgres import redact

    assert redact("postgresql://u:p%40ss@h:5432/db?sslmode=require") == (
        "postgresql://u:***@h:5432/db?sslmode=require"
    )
    assert redact("postgresql://h/db?password=x&user=u") == "postgresql://h/db?password=***&user=u"
    assert redact("host=h password='a b' user=u") == "host=h password=*** user=u"
    assert redact("postgresql://u@h/db") == "postgresql://u@h/db"
