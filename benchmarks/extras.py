"""Measurements beside the query table: parse+compile cost, insert throughput, memory/record."""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from .engines import ALL_ENGINES
from .timing import per_call
from .workloads import INSERT

#: A typical ~60-character textual query; ``{i}`` makes every uncached call a new query.
TEXT_TEMPLATE = 'header.msg_type == "apply_request" and client_uuid == "c{i:05d}"'
JSON_TEMPLATE = '{{"header.msg_type": "apply_request", "client_uuid": "c{i:05d}"}}'
UNCACHED_CALLS = 300
CACHED_CALLS = 20_000


def parse_compile(log: Callable[[str], None]) -> dict[str, Any]:
    """Seconds per ``querylang.compile`` call: fresh text, repeated text, fresh dict, same dict.

    "Uncached" uses a distinct constant per call, so neither the parse cache nor any
    compiled-predicate cache can answer; "cached" repeats one text (the Hub's usual case).
    """
    import querylang

    template = TEXT_TEMPLATE
    note = "textual language"
    try:
        querylang.compile(template.format(i=0))
    except Exception as e:  # noqa: BLE001 - the text front end may not exist yet
        template, note = JSON_TEMPLATE, f"Mongo JSON text (textual form failed: {e})"[:200]
        log(f"  parse/compile: {note}")
    counter = iter(range(10**9))
    uncached = per_call(lambda: querylang.compile(template.format(i=next(counter))), UNCACHED_CALLS)
    fixed = template.format(i=99999)
    querylang.compile(fixed)
    cached = per_call(lambda: querylang.compile(fixed), CACHED_CALLS)
    dicts = iter(range(10**9))
    dict_uncached = per_call(
        lambda: querylang.compile(
            {"header.msg_type": "apply_request", "client_uuid": f"d{next(dicts):05d}"}
        ),
        UNCACHED_CALLS,
    )
    same = {"header.msg_type": "apply_request", "client_uuid": "d99999"}
    querylang.compile(same)
    dict_same = per_call(lambda: querylang.compile(same), UNCACHED_CALLS * 10)
    return {
        "query": fixed,
        "chars": len(fixed),
        "form": note,
        "text_uncached_s": uncached,
        "text_cached_s": cached,
        "dict_new_s": dict_uncached,
        "dict_same_s": dict_same,
    }


def _traced(fn: Callable[[], Any]) -> tuple[Any, int]:
    """(result, bytes still allocated after ``fn``) under tracemalloc."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        obj = fn()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return obj, after - before


#: The stores whose insert rate and memory are compared (even where their queries are skipped).
STORES = ("taskdb", "ipyparallel", "python")
#: tracemalloc slows allocation several-fold: above this, memory is measured on a prefix.
MEMORY_MAX_N = 1_000_000


def insert_and_memory(
    records: list[dict[str, Any]], out: dict[str, Any], sample_n: int = 20_000
) -> dict[str, Any]:
    """Insert rate and bytes per record each store holds beyond the records it was given.

    The rate comes from the ``insert_all`` workload when it ran, else from one timed insert.
    Memory is tracemalloc's count of live bytes after the insert and a ``gc.collect()``, on
    at most ``MEMORY_MAX_N`` records (per-record cost does not depend on the count).  The
    records themselves are measured on a ``sample_n`` prefix regenerated under tracemalloc.
    """
    from taskdb.samples import sample_records

    n = max(1, len(records))
    k = min(sample_n, len(records))
    _, rec_bytes = _traced(lambda: sample_records(k))
    m = min(len(records), MEMORY_MAX_N)
    res: dict[str, Any] = {
        "records_bytes_per_record": rec_bytes / max(1, k),
        "memory_measured_on": m,
        "stores": {},
    }
    cells = out["workloads"].get(INSERT, {}).get("results", {})
    for name in STORES:
        eng = ALL_ENGINES[name]()
        if eng.unavailable():
            continue
        median = cells.get(name, {}).get("median")
        if median is None:
            gc.collect()
            t0 = time.perf_counter()
            db = eng.insert(records)
            median = time.perf_counter() - t0
            del db
        db, nbytes = _traced(lambda e=eng: e.insert(records[:m]))
        del db
        gc.collect()
        res["stores"][name] = {
            "records_per_s": n / median,
            "bytes_per_record": nbytes / max(1, m),
        }
    return res


def run_extras(
    records: list[dict[str, Any]],
    out: dict[str, Any],
    log: Callable[[str], None],
    budget: float = 1.0,
) -> dict[str, Any]:
    ex: dict[str, Any] = {}
    try:
        ex["parse_compile"] = parse_compile(log)
    except Exception as e:  # noqa: BLE001 - reported, not fatal
        ex["parse_compile"] = {"error": f"{type(e).__name__}: {e}"}
    try:
        ex["insert_memory"] = insert_and_memory(records, out)
    except Exception as e:  # noqa: BLE001
        ex["insert_memory"] = {"error": f"{type(e).__name__}: {e}"}
    from .percall import per_call
    from .storage import storage

    try:
        ex["per_call"] = per_call(records, log)
    except Exception as e:  # noqa: BLE001
        ex["per_call"] = {"error": f"{type(e).__name__}: {e}"}
    try:
        ex["storage"] = storage(records, log, budget)
    except Exception as e:  # noqa: BLE001
        ex["storage"] = {"error": f"{type(e).__name__}: {e}"}
    from .sqlite_engines import stats_for

    ex["sqlite_files"] = stats_for(len(records))
    from .postgres_engines import stats_for as postgres_stats

    ex["postgres"] = postgres_stats(len(records))
    return ex
