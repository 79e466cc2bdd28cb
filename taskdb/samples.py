"""Deterministic, realistic ipyparallel TaskRecords for tests, docs and benchmarks.

Everything is derived from one ``random.Random(seed)``: the same ``(n, seed, start)`` always
gives the same records, on every machine and Python version (only ``random()``,
``getrandbits()`` and ``randrange()`` are used, whose streams CPython keeps stable).

Shape follows the Hub's records: ~8 clients, ~16 engines, ``submitted`` strictly increasing
with jitter, ~10% pending (no ``completed``, often no engine), ~5% errors, ~1% aborted,
~2% resubmitted, small ``bytes`` buffers.  All datetimes are UTC-aware.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = [
    "RECORD_KEYS",
    "DEFAULT_START",
    "N_CLIENTS",
    "N_ENGINES",
    "sample_records",
    "sample_record_stream",
    "sample_population",
]

#: The keys of every TaskRecord, in the Hub's order.
RECORD_KEYS: tuple[str, ...] = (
    "msg_id",
    "client_uuid",
    "engine_uuid",
    "header",
    "content",
    "buffers",
    "submitted",
    "started",
    "completed",
    "received",
    "resubmitted",
    "result_header",
    "result_content",
    "result_buffers",
)

DEFAULT_START = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
N_CLIENTS = 8
N_ENGINES = 16

_USERNAMES = ("alice", "bob", "carol", "dave")
_CODE = ("a = 1", "import numpy as np", "x = f(3)", "%px result = compute()", "del tmp")


def _uuid(rng: random.Random) -> str:
    """A uuid4-looking string from ``rng`` (not ``uuid.uuid4``, which is not reproducible)."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def _msg_id(rng: random.Random, i: int) -> str:
    """A uuid-like id that is unique by construction: the last group encodes ``i``."""
    h = f"{rng.getrandbits(80):020x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-b{h[17:20]}-{i:012x}"


def sample_population(seed: int = 0) -> tuple[list[str], list[str]]:
    """The client and engine uuids used by ``sample_records(n, seed)`` (same order)."""
    rng = random.Random(seed)
    clients = [_uuid(rng) for _ in range(N_CLIENTS)]
    engines = [_uuid(rng) for _ in range(N_ENGINES)]
    return clients, engines


def sample_record_stream(
    n: int, seed: int = 0, *, start: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """Yield ``n`` TaskRecords lazily; identical to ``sample_records(n, seed, start=start)``."""
    if n < 0:
        raise ValueError(f"n must be >= 0, not {n}")
    t0 = DEFAULT_START if start is None else start
    if t0.tzinfo is None:
        raise ValueError("start must be timezone-aware (records carry UTC-aware datetimes)")
    rng = random.Random(seed)
    clients = [_uuid(rng) for _ in range(N_CLIENTS)]
    engines = [_uuid(rng) for _ in range(N_ENGINES)]
    sessions = [_uuid(rng) for _ in range(N_CLIENTS)]
    users = [_USERNAMES[k % len(_USERNAMES)] for k in range(N_CLIENTS)]
    rand = rng.random
    randrange = rng.randrange
    micros = 0
    for i in range(n):
        msg_id = _msg_id(rng, i)
        c = randrange(N_CLIENTS)
        micros += randrange(1, 20_000)  # strictly increasing, 10 ms apart on average
        submitted = t0 + timedelta(microseconds=micros)
        is_exec = rand() < 0.1
        header = {
            "msg_id": msg_id,
            "msg_type": "execute_request" if is_exec else "apply_request",
            "session": sessions[c],
            "username": users[c],
            "date": submitted,
            "version": "5.3",
        }
        if is_exec:
            content: dict[str, Any] = {"code": _CODE[randrange(len(_CODE))], "silent": False}
            buffers: list[bytes] = []
        else:
            content = {}
            buffers = [rng.randbytes(randrange(8, 65)) for _ in range(randrange(1, 4))]
        fate = rand()
        engine: str | None = engines[randrange(N_ENGINES)]
        started = completed = received = None
        result_header = result_content = result_buffers = None
        if fate < 0.10:  # pending: queued (no engine yet) or running
            if rand() < 0.5:
                engine = None
            else:
                started = submitted + timedelta(microseconds=randrange(100, 5_000))
        else:
            if fate < 0.11:
                status = "aborted"
            elif fate < 0.16:
                status = "error"
            else:
                status = "ok"
            started = submitted + timedelta(microseconds=randrange(100, 5_000))
            completed = started + timedelta(microseconds=randrange(200, 2_000_000))
            received = completed + timedelta(microseconds=randrange(50, 2_000))
            reply_type = "execute_reply" if is_exec else "apply_reply"
            result_header = {
                "msg_id": _uuid(rng),
                "msg_type": reply_type,
                "session": sessions[c],
                "username": users[c],
                "date": completed,
                "version": "5.3",
                "status": status,
                "engine": engine,
            }
            if status == "error":
                result_content = {
                    "status": "error",
                    "ename": "ZeroDivisionError" if rand() < 0.5 else "ValueError",
                    "evalue": "bad input",
                    "traceback": ["Traceback (most recent call last):", "..."],
                }
            else:
                result_content = {"status": status}
            result_buffers = (
                [rng.randbytes(randrange(8, 129))] if status == "ok" and not is_exec else []
            )
        yield {
            "msg_id": msg_id,
            "client_uuid": clients[c],
            "engine_uuid": engine,
            "header": header,
            "content": content,
            "buffers": buffers,
            "submitted": submitted,
            "started": started,
            "completed": completed,
            "received": received,
            "resubmitted": _uuid(rng) if rand() < 0.02 else None,
            "result_header": result_header,
            "result_content": result_content,
            "result_buffers": result_buffers,
        }


def sample_records(n: int, seed: int = 0, *, start: datetime | None = None) -> list[dict[str, Any]]:
    """``n`` deterministic TaskRecords (fresh dicts each call; safe to mutate).

    >>> recs = sample_records(3, seed=1)
    >>> [r["msg_id"] for r in recs] == [r["msg_id"] for r in sample_records(3, seed=1)]
    True
    """
    return list(sample_record_stream(n, seed, start=start))
