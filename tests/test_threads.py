"""Concurrent adds/updates/drops/queries: indexes stay exact and queries see consistent data."""

from __future__ import annotations

import random
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest

import querylang
from querylang.reference import evaluate
from taskdb import DictDB

T0 = datetime(2024, 1, 1, tzinfo=UTC)
QUERIES = [
    {"client_uuid": "c1"},
    {"completed": None},
    {"completed": {"$ne": None}, "engine_uuid": {"$in": ["e0", "e2"]}},
    {"submitted": {"$gte": T0 + timedelta(seconds=50), "$lt": T0 + timedelta(seconds=150)}},
    {"$or": [{"msg_id": "w0-5"}, {"client_uuid": "c2"}]},
]


def _writer(db: DictDB, wid: int, errors: list, culling: bool = False) -> None:
    rng = random.Random(wid)
    mine: list[str] = []
    for i in range(600):
        try:
            action = rng.random()
            if action < 0.5 or not mine:
                mid = f"w{wid}-{i}"
                db.add_record(
                    mid,
                    {
                        "msg_id": mid,
                        "client_uuid": f"c{rng.randrange(3)}",
                        "engine_uuid": None,
                        "submitted": T0 + timedelta(seconds=rng.randrange(200)),
                        "completed": None,
                    },
                )
                mine.append(mid)
            elif action < 0.85:
                db.update_record(
                    rng.choice(mine),
                    {
                        "engine_uuid": f"e{rng.randrange(4)}",
                        "completed": T0 + timedelta(seconds=rng.randrange(300)),
                        "client_uuid": f"c{rng.randrange(3)}",
                    },
                )
            else:
                db.drop_record(mine.pop(rng.randrange(len(mine))))
        except KeyError as e:
            if not culling or "culled" not in str(e) and "No such" not in str(e):
                errors.append(e)
                return
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)
            return


def _reader(db: DictDB, stop: threading.Event, errors: list) -> None:
    try:
        while not stop.is_set():
            for check in QUERIES:
                node = querylang.query(check).node
                found = db.find_records(check)
                # Each result is a consistent record that really matches.
                assert all(evaluate(node, r) for r in found), check
                assert len({r["msg_id"] for r in found}) == len(found)
            db.get_history()
    except Exception as e:  # pragma: no cover - reported below
        errors.append(e)


@pytest.fixture(autouse=True)
def fast_switching():
    """Switch threads every 10us instead of 5ms, so operations really interleave."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(old)


def test_concurrent_writers_and_readers():
    db = DictDB(record_limit=10**6)
    errors: list = []
    stop = threading.Event()
    writers = [threading.Thread(target=_writer, args=(db, w, errors)) for w in range(4)]
    readers = [threading.Thread(target=_reader, args=(db, stop, errors)) for _ in range(2)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    assert not errors, errors
    db.check_indexes()
    everything = db.find_records({})
    assert len(everything) == len(db) > 0
    for check in QUERIES:
        node = querylang.query(check).node
        assert db.find_records(check) == [r for r in everything if evaluate(node, r)]
    submitted = [db.get_record(m)["submitted"] for m in db.get_history()]
    assert submitted == sorted(submitted)


def test_concurrent_culling_keeps_indexes_exact():
    db = DictDB(record_limit=50, cull_fraction=0.2)
    errors: list = []
    threads = [threading.Thread(target=_writer, args=(db, w, errors, True)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Writers may touch records culled meanwhile (a KeyError they tolerate); nothing else.
    assert not errors, errors
    assert len(db) <= 50
    db.check_indexes()
