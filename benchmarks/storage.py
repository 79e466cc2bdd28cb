"""What holding many records costs: inserts, the cyclic garbage collector, large answers.

Everything here runs with the collector *on*, as users run it, while the runner's records
stay alive as the caller's own (the query table freezes them and times each call with the
collector off).  At each size:

- **gc**: the number of objects the collector tracks and the median time of a full
  ``gc.collect()`` with the caller's records alone, then with a taskdb store of them added,
  then with an ipyparallel store instead (it holds the caller's dicts themselves);
- **inserts**: records/s building each store from all records, taskdb and ipyparallel
  alternating;
- **large answers**: ``find_records`` time per returned record on queries that return many
  records (whole records, and a ``keys=`` projection), beside ipyparallel and a floor: a
  hand-written comprehension making one shallow ``dict(r)`` per match (a new dict per
  record, no isolation: the least any copy can cost), and taskdb's opt-in read-only
  records (``read_only=True``).  "kept" adds the young collection
  that holding the answer triggers at the caller's next allocations (``gc.collect(0)``).
- **ablations** (what two of taskdb's choices buy, each undone alone): the insert rate with
  each record indexed as it arrives (``INDEX_BATCH = 1``), and the cost per record of
  ``find_records({})`` without pausing the collector (``PAUSE_AT`` out of reach).
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

from .engines import ALL_ENGINES
from .timing import measure
from .workloads import Record, Workload, make_workloads

Log = Callable[[str], None]

#: Queries with large answers, by workload name (``empty`` is every record).
LARGE = ("empty", "pending", "engine_in", "engine_nin")
#: The projection timed on the empty query.
KEYS = ("msg_id", "completed")
#: ipyparallel deep-copies every match: its large answers are timed up to this many records.
IPP_ANSWERS_MAX_N = 200_000
GC_ROUNDS = 7


def _gc_state(rounds: int = GC_ROUNDS) -> dict[str, Any]:
    """Tracked objects and full-collection times: the first, then the fastest of ``rounds``
    (on a shared machine the least disturbed by other processes)."""
    t0 = time.perf_counter()
    gc.collect()
    first = time.perf_counter() - t0
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        gc.collect()
        times.append(time.perf_counter() - t0)
    return {
        "tracked": len(gc.get_objects()),
        "first_s": first,
        "collect_s": min(times),
        "times": times,
    }


def _insert(engine: str, records: list[Record]) -> tuple[Any, float]:
    eng = ALL_ENGINES[engine]()
    gc.collect()
    t0 = time.perf_counter()
    db = eng.insert(records)
    return db, time.perf_counter() - t0


def _kept(fn: Callable[[], Any]) -> float:
    """Seconds for ``fn()`` plus the young collection its result triggers when kept."""
    gc.collect()
    t0 = time.perf_counter()
    kept = fn()
    gc.collect(0)
    dt = time.perf_counter() - t0
    del kept
    return dt


def _answers(
    name: str, finders: dict[str, Callable[[], Any]], n: int, budget: float
) -> dict[str, Any]:
    """Per-returned-record seconds of each finder (collector on), and the answer size."""
    res: dict[str, Any] = {}
    for label, fn in finders.items():
        tm = measure(fn, 3, budget, gc_on=True)
        count = len(tm.result)
        del tm.result
        per = tm.median / max(1, count)
        res[label] = {"count": count, "median": tm.median, "per_record": per, "cold": tm.cold}
        if label == "taskdb":
            res[label]["kept_per_record"] = _kept(fn) / max(1, count)
            off = measure(fn, 3, budget)
            res[label]["gc_off_per_record"] = off.median / max(1, count)
            del off
    return res


def storage(records: list[Record], log: Log, budget: float = 1.0) -> dict[str, Any]:
    """The measurements above, as a JSON-ready dict."""
    n = len(records)
    out: dict[str, Any] = {"n": n}
    if ALL_ENGINES["taskdb"]().unavailable():
        return {"error": "taskdb.DictDB unavailable"}
    ipp = ALL_ENGINES["ipyparallel"]().unavailable() is None
    out["gc"] = {"records": _gc_state()}

    rates: dict[str, list[float]] = {"taskdb": [], "ipyparallel": []}
    rounds = 2 if n <= 200_000 else 1
    db: Any = None
    for r in range(rounds):
        for engine in ("taskdb", "ipyparallel") if ipp else ("taskdb",):
            db = None
            gc.collect()
            db, dt = _insert(engine, records)
            rates[engine].append(n / dt)
            if r == rounds - 1:
                out["gc"][engine] = _gc_state()
                if engine == "taskdb":
                    out["answers"] = _large_answers(db, records, n, budget, ipp=False)
                elif n <= IPP_ANSWERS_MAX_N:
                    for w, cells in _large_answers(db, records, n, budget, ipp=True).items():
                        out["answers"].setdefault(w, {}).update(cells)
    db = None
    gc.collect()
    out["ablations"] = _ablations(records, budget)
    out["inserts"] = {
        e: {"records_per_s": statistics.median(v), "runs": v} for e, v in rates.items() if v
    }
    log(f"  storage: gc, inserts and large answers at {n:,} records")
    return out


def _large_answers(
    db: Any, records: list[Record], n: int, budget: float, *, ipp: bool
) -> dict[str, Any]:
    """Large answers on ``db`` (a taskdb store, or an ipyparallel one if ``ipp``)."""
    wls: dict[str, Workload] = {w.name: w for w in make_workloads(records) if w.name in LARGE}
    res: dict[str, Any] = {}
    for name in LARGE:
        w = wls[name]
        if ipp:
            res[name] = _answers(
                name, {"ipyparallel": lambda q=w.mongo: db.find_records(q)}, n, budget
            )
            continue
        floor = w.scan

        def shallow(s: Callable[[list[Record]], list[Record]] = floor) -> list[Record]:
            return [dict(r) for r in s(records)]

        finders = {"taskdb": lambda q=w.mongo: db.find_records(q), "floor": shallow}
        if _has_read_only(db):
            finders["read_only"] = lambda q=w.mongo: db.find_records(q, read_only=True)
        res[name] = _answers(name, finders, n, budget)
    keys = list(KEYS)
    res["keys"] = _answers(
        "keys",
        (
            {"ipyparallel": lambda: db.find_records({}, keys)}
            if ipp
            else {
                "taskdb": lambda: db.find_records({}, keys),
                "floor": lambda: [{k: r[k] for k in KEYS} for r in records],
            }
        ),
        n,
        budget,
    )
    return res


def _has_read_only(db: Any) -> bool:
    """Does this taskdb have ``find_records(..., read_only=True)`` (a tree before it not)?"""
    try:
        db.find_records({"msg_id": None}, read_only=True)
    except TypeError:
        return False
    return True


def _ablations(records: list[Record], budget: float) -> dict[str, Any]:
    """Insert rate indexing one record at a time; ``{}`` without pausing the collector."""
    try:
        from taskdb import dictdb, reading
    except ImportError:
        return {}
    if not hasattr(dictdb, "INDEX_BATCH") or not hasattr(reading, "PAUSE_AT"):
        return {}  # a tree before these existed
    n = len(records)
    res: dict[str, Any] = {}
    batch, pause = dictdb.INDEX_BATCH, reading.PAUSE_AT
    dictdb.INDEX_BATCH = 1
    try:
        store, dt = _insert("taskdb", records)
    finally:
        dictdb.INDEX_BATCH = batch
    res["insert_unbatched_per_s"] = n / dt
    reading.PAUSE_AT = 2**62
    try:
        tm = measure(lambda s=store: s.find_records({}), 3, budget, gc_on=True)
    finally:
        reading.PAUSE_AT = pause
    res["empty_unpaused_per_record"] = tm.median / max(1, len(tm.result))
    del tm, store
    gc.collect()
    return res
