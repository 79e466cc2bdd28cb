"""PostgresDB shared by processes, and connections killed under it.

- 8 processes write, update, drop and query one table at once; afterwards no record is
  lost or duplicated, and every query equals a scan of what was written.
- ``pg_terminate_backend`` mid-operation: the call is retried safely (before COMMIT) or
  fails with a clear error, and no record is ever half-written.
- Two controllers on separate tables do not see each other's records.
"""

from __future__ import annotations

import multiprocessing
import random
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import querylang
from querylang.reference import evaluate
from taskdb import PostgresDB, PostgresDBError
from tests import pgserver
from tests.test_backends_conformance import same

T0 = datetime(2024, 1, 1, tzinfo=UTC)
WORKERS, PER = 8, 60


def record(w: int, i: int, size: int = 0) -> dict[str, Any]:
    return {
        "msg_id": f"w{w}-{i}",
        "client_uuid": f"c{w}",
        "engine_uuid": f"e{i % 3}" if i % 4 else None,
        "header": {"msg_type": "apply_request" if i % 2 else "execute_request", "n": i, "w": w},
        "buffers": [bytes([w]) * (size or i % 7)],
        "submitted": T0 + timedelta(microseconds=1000 * i + w),
        "completed": None,
        "result_header": None,
    }


def done(i: int) -> dict[str, Any]:
    status = "ok" if i % 5 else "error"
    return {"completed": T0 + timedelta(seconds=i), "result_header": {"status": status}}


def _worker(w: int, url: str, schema: str, table: str, out: Any) -> None:
    """Writes its own client's records and checks its own view as it goes; reports the
    records it left (in the order it added them)."""
    try:
        db = PostgresDB(url=url, schema=schema, table=table, pool_size=2)
        mine: dict[str, dict[str, Any]] = {}
        rng = random.Random(w)
        i = 0
        while i < PER:
            if i % 10 == 5:  # a batch (COPY when large)
                batch = [(f"w{w}-{j}", record(w, j)) for j in range(i, i + 20)]
                db.add_records(batch)
                mine.update(batch)
                i += 20
                continue
            db.add_record(f"w{w}-{i}", record(w, i))
            mine[f"w{w}-{i}"] = record(w, i)
            if i % 3 == 2:
                k = rng.choice(list(mine))
                db.update_record(k, done(mine[k]["header"]["n"]))
                mine[k] = {**mine[k], **done(mine[k]["header"]["n"])}
            if i % 7 == 6:
                k = rng.choice(list(mine))
                db.drop_record(k)
                del mine[k]
            got = db.find_records({"client_uuid": f"c{w}"})
            assert [r["msg_id"] for r in got] == list(mine), (w, i)  # insertion order
            assert all(same(r, mine[r["msg_id"]]) for r in got)
            db.find_records({"result_header.status": "error"}, ["completed"])
            db.get_history()
            i += 1
        db.drop_matching_records({"client_uuid": f"c{w}", "header.n": {"$lt": 3}})
        mine = {k: r for k, r in mine.items() if r["header"]["n"] >= 3}
        db.close()
        out.put((w, list(mine.values()), None))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        out.put((w, [], f"{type(exc).__name__}: {exc}"))


QUERIES = [
    {},
    {"completed": None},
    {"completed": {"$ne": None}},
    {"result_header.status": "error"},
    {"result_header.status": {"$ne": "ok"}},
    {"header.msg_type": "apply_request", "engine_uuid": {"$in": ["e1", "e2"]}},
    {"client_uuid": {"$in": ["c1", "c6"]}, "completed": None},
    {"submitted": {"$gte": T0 + timedelta(milliseconds=20), "$lt": T0 + timedelta(seconds=0.04)}},
    {"$or": [{"engine_uuid": None}, {"header.n": {"$mod": [9, 0]}}]},
    "header.msg_type =~ /^exec/ and buffers.0 != null",
]


def test_eight_processes_share_one_table() -> None:
    db = pgserver.open_db(pgserver.table_name("shared"))
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(w, db.url, db.schema, db.table, out))
        for w in range(WORKERS)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(60)
    errors = [(w, e) for w, _, e in results if e]
    assert not errors, errors
    written = [r for _, recs, _ in results for r in recs]
    stored = db.find_records({})
    ids = [r["msg_id"] for r in stored]
    assert len(ids) == len(set(ids)), "a record is duplicated"
    assert Counter(ids) == Counter(r["msg_id"] for r in written), "a record is lost or extra"
    by_id = {r["msg_id"]: r for r in written}
    assert all(same(r, by_id[r["msg_id"]]) for r in stored)
    for check in QUERIES:
        node = querylang.query(check).node
        want = [r for r in stored if evaluate(node, r)]  # a scan of what was written
        got = db.find_records(check)
        assert [r["msg_id"] for r in got] == [r["msg_id"] for r in want], check
        assert all(map(same, got, want))
    history = sorted(written, key=lambda r: r["submitted"])
    assert sorted(db.get_history()) == sorted(r["msg_id"] for r in history)
    assert db.get_history() == sorted(db.get_history(), key=lambda m: by_id[m]["submitted"])
    db.check_integrity()
    db.close()


# --- connections killed mid-operation -----------------------------------------------------------


def _terminate(app: str) -> int:
    rows = pgserver.sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = %s AND pid <> pg_backend_pid()",
        (app,),
    )
    return len(rows)


def _app() -> str:
    return pgserver.table_name("app")


def test_dead_pooled_connections_are_retried_transparently() -> None:
    app = _app()
    db = pgserver.open_db(application_name=app, pool_size=3)
    db.add_record("a", record(0, 1))
    assert _terminate(app) >= 1  # e.g. a server restart: every pooled connection is gone
    time.sleep(0.2)
    assert [r["msg_id"] for r in db.find_records({})] == ["w0-1"]  # retried on a new one
    _terminate(app)
    db.add_record("b", record(0, 2))  # a write, retried: it never reached COMMIT
    assert db.get_history() == ["a", "b"]
    db.close()


def test_killed_while_waiting_inside_a_transaction_retries_once_then_says_so() -> None:
    """The update waits for a row lock held by another session; its backend is killed in
    the transaction (before COMMIT): rolled back, retried on a new connection, applied once.
    Killed again on the retry: a clear error, and the record is as it was."""
    import psycopg

    app = _app()
    db = pgserver.open_db(application_name=app)
    db.add_record("a", record(0, 1))
    with psycopg.connect(pgserver.url()) as holder:  # a transaction holding the row lock
        holder.execute(f"SELECT 1 FROM {db._t} WHERE msg_id = 'a' FOR UPDATE")
        errors: list[BaseException] = []

        def update() -> None:
            try:
                db.update_record("a", {"note": "x"})
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        t = threading.Thread(target=update)
        t.start()
        killed: set[int] = set()
        for _ in range(2):  # the first attempt, then the retry
            killed.add(_kill(_wait_for_lock_waiter(app, killed)))
        t.join(30)
        holder.rollback()
    assert len(errors) == 1 and isinstance(errors[0], PostgresDBError)
    message = str(errors[0])
    assert "connection lost (after one retry)" in message and db.location in message
    assert db.get_record("a") == record(0, 1)  # untouched

    # The pool's idle connections were killed above too: a call would spend its one retry
    # on one of them (and succeed).  Clean them first, so that the kill below is the one
    # failure this call meets.
    db._server.pool.check()
    with psycopg.connect(pgserver.url()) as holder:
        holder.execute(f"SELECT 1 FROM {db._t} WHERE msg_id = 'a' FOR UPDATE")
        t = threading.Thread(target=update)
        t.start()
        killed.add(_kill(_wait_for_lock_waiter(app, killed)))  # once: the retry waits again
        _wait_for_lock_waiter(app, killed)
        holder.rollback()  # then gets the lock
        t.join(30)
    assert len(errors) == 1
    assert db.get_record("a") == {**record(0, 1), "note": "x"}
    db.close()


def _kill(pid: int) -> int:
    pgserver.sql("SELECT pg_terminate_backend(%s)", (pid,))
    return pid


def test_lost_in_commit_is_settled_then_retried() -> None:
    """The connection dies with COMMIT in flight: once the old server process is gone, the
    row is looked for -- absent, so the insert is retried (present: the call succeeds)."""
    from taskdb.postgres.schema import row_values

    db = pgserver.open_db(application_name=_app())
    row = row_values("k", record(2, 2))
    attempts: list[int] = []

    def insert_then_die(conn: Any) -> None:
        conn.execute(db._insert, row)
        attempts.append(conn.info.backend_pid)
        if len(attempts) == 1:  # the first attempt's COMMIT goes to a dead connection
            pgserver.sql("SELECT pg_terminate_backend(%s)", (conn.info.backend_pid,))
            time.sleep(0.2)

    db._run(insert_then_die, write=True, verify=db._verify_added([row]))
    assert len(attempts) == 2 and attempts[0] != attempts[1]
    assert db.find_records({}) == [record(2, 2)]
    attempts.clear()
    with pytest.raises(KeyError, match="Already have msg_id 'k'"):
        db.add_record("k", record(2, 2))
    db.close()


def test_a_copy_cut_halfway_is_sent_again_whole() -> None:
    """add_records streams a generator through COPY; the connection is killed halfway: the
    retry sends the records already read, then the rest -- each stored once."""
    app = _app()
    db = pgserver.open_db(application_name=app)

    def records() -> Any:
        for i in range(400):
            if i == 200:
                assert _terminate(app) >= 1
                time.sleep(0.2)
            yield f"r{i}", record(3, i, size=1000)

    db.add_records(records())
    assert db.get_history() == [f"r{i}" for i in range(400)]
    assert db.find_records({"msg_id": "w3-399"}) == [record(3, 399, size=1000)]
    db.close()


def _wait_for_lock_waiter(app: str, exclude: set[int], timeout: float = 20.0) -> int:
    """The pid of a backend of ``app`` waiting for a lock (not one of ``exclude``: a killed
    backend may still be listed for a moment)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = pgserver.sql(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s "
            "AND wait_event_type = 'Lock' AND NOT pid = ANY(%s)",
            (app, list(exclude)),
        )
        if rows:
            return int(rows[0][0])
        time.sleep(0.02)
    raise AssertionError("the update never waited for the lock")


def test_connections_killed_at_random_never_leave_half_written_records() -> None:
    """A killer terminates the database's connections every few ms while records with
    64 KiB buffers are added, updated and read: every call either succeeds or raises a
    clear PostgresDBError, acknowledged writes are all there, and every stored record is
    exactly one that was written (whole or absent)."""
    app = _app()
    db = pgserver.open_db(application_name=app, pool_size=2)
    stop = threading.Event()
    kills = [0]

    def killer() -> None:
        rng = random.Random(7)
        while not stop.is_set():
            kills[0] += _terminate(app)
            time.sleep(rng.uniform(0.002, 0.03))

    acked: dict[str, dict[str, Any]] = {}
    failed: dict[str, list[dict[str, Any]]] = {}
    messages: list[str] = []
    thread = threading.Thread(target=killer)
    thread.start()
    deadline = time.monotonic() + 20
    try:
        for i in range(300):
            if time.monotonic() > deadline:
                break
            r = record(1, i, size=64 * 1024)
            try:
                if i % 4 == 3 and acked:
                    k = random.Random(i).choice(list(acked))
                    new = {**acked[k], **done(i)}
                    try:
                        db.update_record(k, done(i))
                        acked[k] = new
                    except PostgresDBError:
                        failed.setdefault(k, []).append(new)  # either version is whole
                        raise
                elif i % 4 == 2:
                    db.find_records({"client_uuid": "c1", "completed": None}, ["buffers"])
                else:
                    try:
                        db.add_record(r["msg_id"], r)
                        acked[r["msg_id"]] = r
                    except PostgresDBError:
                        failed.setdefault(r["msg_id"], []).append(r)
                        raise
            except PostgresDBError as exc:
                messages.append(f"{i % 4}: {exc}")
    finally:
        stop.set()
        thread.join()
    assert kills[0] > 10, "the killer never hit a connection"
    for m in messages:
        assert m[3:].startswith(db.location) and ("connection" in m or "terminat" in m), m
    stored = {r["msg_id"]: r for r in db.find_records({})}
    for k, want in acked.items():
        versions = [want, *failed.get(k, [])]
        assert any(same(stored.get(k), v) for v in versions), k  # acknowledged: present
    for k, got in stored.items():
        assert k in acked or any(same(got, v) for v in failed.get(k, [])), k
    db.check_integrity()
    db.close()


# --- two controllers, two tables ----------------------------------------------------------------


def _controller(table: str, w: int, url: str, schema: str, out: Any) -> None:
    try:
        db = PostgresDB(url=url, schema=schema, table=table)
        db.add_records((f"m{i}", record(w, i)) for i in range(30))
        time.sleep(0.5)  # the other controller writes meanwhile
        seen = db.find_records({})
        out.put((table, sorted({r["client_uuid"] for r in seen}), len(seen), None))
        db.close()
    except BaseException as exc:  # noqa: BLE001
        out.put((table, [], 0, repr(exc)))


def test_two_controllers_with_separate_tables_do_not_see_each_other() -> None:
    schema = pgserver.schema()
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    tables = [pgserver.table_name("hub_a"), pgserver.table_name("hub_b")]
    procs = [
        ctx.Process(target=_controller, args=(t, w, pgserver.url(), schema, out))
        for w, t in enumerate(tables)
    ]
    for p in procs:
        p.start()
    got = sorted(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(30)
    assert got == sorted([(tables[0], ["c0"], 30, None), (tables[1], ["c1"], 30, None)])


@pytest.fixture(autouse=True)
def _server() -> None:
    pgserver.require()
