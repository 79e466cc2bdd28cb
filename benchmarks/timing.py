"""Medians of wall-clock repetitions after one warm-up call (``time.perf_counter``)."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Timing:
    median: float
    times: list[float]
    result: Any  # what the warm-up call returned (answers are checked on it)
    cold: bool = False  # one call longer than the budget: no separate warm-up


def measure(
    fn: Callable[[], Any], repeat: int, budget: float = 2.0, *, gc_on: bool = False
) -> Timing:
    """Warm up once, then time up to ``repeat`` calls; stop early once ``budget`` s are spent.

    The budget keeps the slow peers (seconds per call at 100k records) from dominating a run:
    at least one timed call happens, and a warm-up longer than the budget is itself the time.
    GC is collected before the warm-up and disabled during each timed call (as ``timeit``
    does), so one engine's garbage is not charged to the next.  The runner freezes the
    long-lived records and stores (``gc.freeze``) so those collections stay cheap.
    ``gc_on`` leaves the collector running during the timed calls, as users run it.
    """
    gc.collect()
    t0 = time.perf_counter()
    result = fn()
    warm = time.perf_counter() - t0
    if warm > budget:  # seconds-long calls: warming up buys nothing, the one run is the time
        return Timing(warm, [warm], result, cold=True)
    times: list[float] = []
    spent = 0.0
    for _ in range(max(1, repeat)):
        if not gc_on:
            gc.disable()
        try:
            t0 = time.perf_counter()
            fn()
            dt = time.perf_counter() - t0
        finally:
            gc.enable()
        times.append(dt)
        spent += dt
        if spent > budget:
            break
    return Timing(statistics.median(times), times, result)


def per_call(fn: Callable[[], Any], calls: int) -> float:
    """Seconds per call for a fast operation, timed as one loop of ``calls`` calls."""
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t0) / calls
