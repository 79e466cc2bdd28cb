"""SQLiteDB under concurrency: threads sharing one database object, and another process
reading the same file (as the CLI does) while the hub writes."""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from taskdb import DictDB, SQLiteDB

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def record(w: int, i: int) -> dict[str, Any]:
    return {
        "msg_id": f"w{w}-{i}",
        "client_uuid": f"c{w}",
        "engine_uuid": None,
        "header": {"n": i, "w": w},
        "buffers": [bytes([w]) * (i % 7)],
        "submitted": T0 + timedelta(microseconds=1000 * i + w),
        "completed": None,
    }


def done(i: int) -> dict[str, Any]:
    return {"completed": T0 + timedelta(seconds=i), "engine_uuid": "e", "result": [i]}


@pytest.fixture
def switchy() -> Any:
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(old)


def test_threads_share_one_database(tmp_path: Path, switchy: Any) -> None:
    db = SQLiteDB(location=str(tmp_path), filename="tasks.db")
    writers, per = 4, 60
    errors: list[BaseException] = []
    stop = threading.Event()

    def write(w: int) -> None:
        try:
            for i in range(per):
                db.add_record(f"w{w}-{i}", record(w, i))
                if i % 2:
                    db.update_record(f"w{w}-{i - 1}", done(i - 1))
                if i % 10 == 9:
                    db.drop_matching_records({"client_uuid": f"c{w}", "header.n": i - 9})
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    def read() -> None:
        try:
            while not stop.is_set():
                for rec in db.find_records({"completed": {"$ne": None}}):
                    w, i = rec["header"]["w"], rec["header"]["n"]
                    assert rec == {**record(w, i), **done(i)}  # never half-updated
                db.find_records({"client_uuid": "c1"}, ["completed", "buffers"])
                hist = db.get_history()
                assert len(hist) == len(set(hist))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    threads += [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads[:writers]:
        t.join()
    stop.set()
    for t in threads[writers:]:
        t.join()
    assert not errors, errors[0]

    # The same operations, sequentially, on a DictDB give the same final state.
    ref = DictDB(record_limit=10**9)
    for w in range(writers):
        for i in range(per):
            ref.add_record(f"w{w}-{i}", record(w, i))
            if i % 2:
                ref.update_record(f"w{w}-{i - 1}", done(i - 1))
            if i % 10 == 9:
                ref.drop_matching_records({"client_uuid": f"c{w}", "header.n": i - 9})
    key = lambda r: r["msg_id"]  # noqa: E731 - threads interleave: compare as sets
    assert sorted(db.find_records({}), key=key) == sorted(ref.find_records({}), key=key)
    assert db.get_history() == ref.get_history()
    db.check_integrity()
    db.close()


def _reader(location: str, n: int, fd: int) -> None:
    """Another process: poll the file read-only; report what it saw, or the error."""
    try:
        db = SQLiteDB(location=location, filename="tasks.db", readonly=True)
        seen = 0
        while seen < n:
            recs = db.find_records({"client_uuid": "c0"})
            assert len(recs) >= seen, "a snapshot went backwards"
            for rec in recs:
                assert rec == record(0, rec["header"]["n"])
            hist = db.get_history()
            assert hist == [f"w0-{i}" for i in range(len(hist))]
            seen = len(recs)
        os.write(fd, f"ok {seen}\n".encode())
    except BaseException as exc:  # noqa: BLE001
        os.write(fd, f"error {exc!r}\n".encode())
    finally:
        os.close(fd)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_another_process_reads_while_we_write(tmp_path: Path) -> None:
    n = 300
    db = SQLiteDB(location=str(tmp_path), filename="tasks.db")
    db.add_record("w0-0", record(0, 0))
    r, w = os.pipe()
    reader = multiprocessing.get_context("fork").Process(
        target=_reader, args=(str(tmp_path), n, w), daemon=True
    )
    reader.start()
    os.close(w)
    for i in range(1, n):
        db.add_record(f"w0-{i}", record(0, i))
    reader.join(60)
    report = os.read(r, 4096).decode()
    os.close(r)
    assert report == f"ok {n}\n", report
    db.close()
