"""``taskdb demo``: a tour of typical hub queries over sample records in a DictDB."""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Mapping, Sequence
from typing import IO, Any

import querylang
from querylang.frontends import extjson

from .output import DEFAULT_COLUMNS, format_table, indent
from .plans import plan_text
from .sources import build_db

__all__ = ["demo_queries", "run_demo"]


def demo_queries(records: Sequence[Mapping[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """The demo's tour: (title, Mongo filter) pairs, as the hub and its users would ask."""
    from taskdb.samples import DEFAULT_START, sample_population

    clients, engines = sample_population(0)
    middle: Mapping[str, Any] = (
        records[len(records) // 2] if records else {"msg_id": "none", "submitted": None}
    )
    t0: _dt.datetime = middle["submitted"] or DEFAULT_START
    return [
        ("pending tasks", {"completed": None}),
        ("one client's outstanding tasks", {"client_uuid": clients[0], "completed": None}),
        ("look up one msg_id", {"msg_id": middle["msg_id"]}),
        ("tasks on three engines", {"engine_uuid": {"$in": engines[:3]}}),
        (
            "submitted in a one-second window",
            {"submitted": {"$gte": t0, "$lt": t0 + _dt.timedelta(seconds=1)}},
        ),
        ("failed tasks", {"result_header.status": "error"}),
        ("execute requests (regex)", {"header.msg_type": {"$regex": "^execute"}}),
        ("nothing matches", {"engine_uuid": "no-such-engine", "completed": None}),
    ]


def run_demo(out: IO[str], n: int = 10_000, rows: int = 3) -> None:
    """Build ``n`` sample records (seed 0) in a DictDB and run :func:`demo_queries` on it."""
    from taskdb.samples import sample_records

    started = time.perf_counter()
    records = sample_records(n, seed=0)
    db = build_db(records)
    elapsed = time.perf_counter() - started
    out.write(f"taskdb demo: {n} sample task records (seed 0) in a DictDB, {elapsed:.2f} s\n")
    for title, mongo in demo_queries(records):
        query = querylang.from_dict(mongo)
        started = time.perf_counter()
        matches = db.find_records(mongo)
        elapsed = time.perf_counter() - started
        out.write(f"\n== {title}\n")
        out.write(f"query:   {query}\n")
        out.write(f"mongo:   {extjson.dumps(mongo)}\n")
        out.write(f"matches: {len(matches)} in {elapsed * 1000:.1f} ms\n")
        plan = plan_text(db, mongo)
        if plan is not None:
            out.write("plan:\n" + indent(plan) + "\n")
        if matches and rows:
            shown = min(rows, len(matches))
            out.write("first row:\n" if shown == 1 else f"first {shown} rows:\n")
            out.write(indent(format_table(matches[:rows], DEFAULT_COLUMNS)) + "\n")
