"""The compiled predicate called once per record, beside a hand-written function.

``filter(pred, records)``, ``q.matches(rec)`` and every callback API call the predicate
once per record, so its call costs count as much as its test.  Each typical workload's
predicate runs as ``[r for r in records if pred(r)]`` beside the same comprehension over
its hand-written ``test`` (a lambda), and ``predicate.filter_dicts`` (the test inlined)
beside the hand-written inlined comprehension (``scan``), all four interleaved in rounds on
the same records with the collector off, as the query table is timed.  Ratios are medians.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

from .workloads import Record, make_workloads

#: Records the calls are timed on (the cost per call does not depend on how many).
SAMPLE_N = 200_000
ROUNDS = 5


def _time(fn: Callable[[], Any]) -> float:
    gc.disable()
    try:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0
    finally:
        gc.enable()


def per_call(records: list[Record], log: Callable[[str], None]) -> dict[str, Any]:
    """``{workload: {call, lambda, ratio, filter_dicts, inline, scan_ratio}}`` (seconds)."""
    import querylang

    sample = records[:SAMPLE_N]
    out: dict[str, Any] = {"sample_n": len(sample), "rounds": ROUNDS, "workloads": {}}
    for w in make_workloads(records):
        if not w.typical or w.test is None:
            continue
        pred = querylang.compile(w.mongo)
        test = w.test
        fd, scan = pred.filter_dicts, w.scan
        if [r for r in sample if pred(r)] != [r for r in sample if test(r)]:
            raise AssertionError(f"{w.name}: the predicate and the hand-written test disagree")
        runs: dict[str, list[float]] = {"call": [], "lambda": [], "filter_dicts": [], "inline": []}
        for _ in range(ROUNDS):
            runs["call"].append(_time(lambda p=pred: [r for r in sample if p(r)]))
            runs["lambda"].append(_time(lambda t=test: [r for r in sample if t(r)]))
            runs["filter_dicts"].append(_time(lambda f=fd: f(sample)))
            runs["inline"].append(_time(lambda s=scan: s(sample)))
        med = {k: statistics.median(v) for k, v in runs.items()}
        out["workloads"][w.name] = {
            **med,
            "ratio": med["call"] / med["lambda"],
            "scan_ratio": med["filter_dicts"] / med["inline"],
        }
    log(f"  per-call predicate: {len(out['workloads'])} workloads on {len(sample):,} records")
    return out
