"""The sample-data generator: deterministic, right shape, realistic proportions."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from taskdb.samples import (
    N_CLIENTS,
    N_ENGINES,
    RECORD_KEYS,
    sample_population,
    sample_record_stream,
    sample_records,
)

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def recs() -> list[dict]:
    return sample_records(5000, seed=7)


def test_deterministic_and_seed_dependent() -> None:
    a = sample_records(300, seed=3)
    b = sample_records(300, seed=3)
    assert a == b
    assert a is not b and a[0] is not b[0]  # fresh dicts each call
    c = sample_records(300, seed=4)
    assert [r["msg_id"] for r in a] != [r["msg_id"] for r in c]


def test_prefix_stable_and_stream_matches() -> None:
    assert sample_records(50, seed=1) == sample_records(200, seed=1)[:50]
    assert list(sample_record_stream(120, seed=1)) == sample_records(120, seed=1)


def test_exact_keys_and_ids(recs: list[dict]) -> None:
    for r in recs:
        assert tuple(r) == RECORD_KEYS
        assert UUID_RE.match(r["msg_id"])
        assert r["header"]["msg_id"] == r["msg_id"]
        assert r["header"]["version"] == "5.3"
    assert len({r["msg_id"] for r in recs}) == len(recs)


def test_population(recs: list[dict]) -> None:
    clients, engines = sample_population(7)
    assert len(set(clients)) == N_CLIENTS and len(set(engines)) == N_ENGINES
    assert {r["client_uuid"] for r in recs} == set(clients)
    assert {r["engine_uuid"] for r in recs} - {None} == set(engines)
    assert all(UUID_RE.match(u) for u in clients + engines)


def test_submitted_increasing_and_aware(recs: list[dict]) -> None:
    subs = [r["submitted"] for r in recs]
    assert all(a < b for a, b in zip(subs, subs[1:], strict=False))
    for r in recs:
        for key in ("submitted", "started", "completed", "received"):
            v = r[key]
            assert v is None or (isinstance(v, datetime) and v.utcoffset() == timedelta(0))
        if r["completed"] is not None:
            assert r["submitted"] < r["started"] < r["completed"] < r["received"]


def test_custom_start() -> None:
    start = datetime(2030, 5, 1, tzinfo=UTC)
    r = sample_records(3, start=start)
    assert all(start < x["submitted"] < start + timedelta(seconds=1) for x in r)
    with pytest.raises(ValueError):
        sample_records(1, start=datetime(2030, 5, 1))
    with pytest.raises(ValueError):
        sample_records(-1)
    assert sample_records(0) == []


def test_proportions(recs: list[dict]) -> None:
    n = len(recs)
    pending = [r for r in recs if r["completed"] is None]
    assert 0.07 * n < len(pending) < 0.13 * n
    for r in pending:
        assert r["result_header"] is None and r["result_content"] is None
        assert r["result_buffers"] is None and r["received"] is None
    assert any(r["engine_uuid"] is None for r in pending)
    assert any(r["engine_uuid"] is not None for r in pending)
    status = Counter(r["result_header"]["status"] for r in recs if r["result_header"])
    assert set(status) == {"ok", "error", "aborted"}
    assert 0.03 * n < status["error"] < 0.07 * n
    assert 0 < status["aborted"] < 0.03 * n
    types = Counter(r["header"]["msg_type"] for r in recs)
    assert set(types) == {"apply_request", "execute_request"}
    assert types["apply_request"] > 5 * types["execute_request"]
    resub = [r for r in recs if r["resubmitted"] is not None]
    assert 0 < len(resub) < 0.05 * n
    assert all(UUID_RE.match(r["resubmitted"]) for r in resub)


def test_buffers_are_small_bytes(recs: list[dict]) -> None:
    for r in recs:
        assert isinstance(r["buffers"], list) and len(r["buffers"]) <= 3
        assert all(isinstance(b, bytes) and 8 <= len(b) <= 64 for b in r["buffers"])
        if r["result_buffers"] is not None:
            assert all(isinstance(b, bytes) for b in r["result_buffers"])
    assert any(r["buffers"] for r in recs)
