"""Run every workload on every engine at one size; check every answer against ours.

Answers are compared as msg_id multisets (``get_history`` as ordered lists).  Whatever an
engine returns that ours does not, or misses, is a *disagreement*: recorded with examples
and a verdict, never dropped.  Ours is separately checked against the hand-written loop.
"""

from __future__ import annotations

import gc
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from taskdb.samples import sample_records

from . import extras
from .engines import ALL_ENGINES, REQUIRED, SLOW_PEERS, Engine
from .timing import measure
from .verdicts import verdict
from .workloads import HISTORY, INSERT, WORKLOAD_NAMES, Workload, make_workloads

Log = Callable[[str], None]


def _diff(ours: list[str], theirs: list[str], ordered: bool) -> dict[str, Any] | None:
    """None when equal; else counts and a few example msg_ids each way."""
    if ordered:
        if ours == theirs:
            return None
        first = next(
            (i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b),
            min(len(ours), len(theirs)),
        )
        return {"ordered": True, "ours": len(ours), "theirs": len(theirs), "first_diff": first}
    a, b = Counter(ours), Counter(theirs)
    if a == b:
        return None
    missing, extra = a - b, b - a
    return {
        "ours": len(ours),
        "theirs": len(theirs),
        "missing": sum(missing.values()),
        "extra": sum(extra.values()),
        "missing_examples": sorted(missing)[:3],
        "extra_examples": sorted(extra)[:3],
    }


def _select_engines(names: Sequence[str] | None, n: int, log: Log) -> tuple[list[Engine], dict]:
    wanted = list(ALL_ENGINES) if not names else [*REQUIRED, *(x for x in names if x)]
    engines: list[Engine] = []
    status: dict[str, dict[str, str]] = {}
    for name in dict.fromkeys(wanted):
        if name not in ALL_ENGINES:
            raise SystemExit(f"unknown engine {name!r}; choose from {', '.join(ALL_ENGINES)}")
        eng = ALL_ENGINES[name]()
        info = {"label": eng.label, "version": eng.version()}
        why = eng.unavailable()
        limit = SLOW_PEERS.get(name)
        if why is None and limit is not None and n > limit:
            why = f"skipped above {limit:,} records (too slow / memory-hungry for the time budget)"
        if why:
            log(f"  [skip] {name}: {why}")
            info["skipped"] = why
        else:
            engines.append(eng)
        status[name] = info
    return engines, status


def run_size(
    n: int,
    *,
    repeat: int = 5,
    engines: Sequence[str] | None = None,
    workloads: Sequence[str] | None = None,
    budget: float = 2.0,
    seed: int = 0,
    log: Log = print,
) -> dict[str, Any]:
    """All measurements at ``n`` records, as a JSON-ready dict."""
    t0 = time.perf_counter()
    records = sample_records(n, seed)
    gc.collect()
    gc.freeze()
    log(f"n={n:,}: generated records in {time.perf_counter() - t0:.1f}s")
    chosen, engine_status = _select_engines(engines, n, log)
    wanted = set(workloads or WORKLOAD_NAMES)
    unknown = wanted - set(WORKLOAD_NAMES)
    if unknown:
        raise SystemExit(f"unknown workloads {sorted(unknown)}; choose from {WORKLOAD_NAMES}")
    queries = [w for w in make_workloads(records) if w.name in wanted]

    out: dict[str, Any] = {"n": n, "seed": seed, "engines": engine_status, "workloads": {}}
    disagreements: list[dict[str, Any]] = []

    def cell(wname: str, ename: str) -> dict[str, Any]:
        return out["workloads"][wname]["results"].setdefault(ename, {})

    for w in queries:
        out["workloads"][w.name] = {
            "kind": "query",
            "description": w.description,
            "mongo": repr(w.mongo),
            "text": w.text,
            "typical": w.typical,
            "results": {},
        }
    if INSERT in wanted:
        out["workloads"][INSERT] = {
            "kind": INSERT,
            "description": "build a fresh store holding all records",
            "results": {},
        }
    if HISTORY in wanted:
        out["workloads"][HISTORY] = {
            "kind": HISTORY,
            "description": "all msg_ids ordered by submitted",
            "results": {},
        }

    for eng in list(chosen):
        tl = time.perf_counter()
        try:
            if INSERT in wanted and eng.supports_insert:
                tm = measure(lambda e=eng: e.insert(records), min(repeat, 3), budget)
                c = cell(INSERT, eng.name)
                c.update(median=tm.median, times=tm.times, cold=tm.cold, count=n)
                eng.adopt(records, tm.result)  # the warm-up's store: no extra insert
                del tm
            else:
                eng.load(records)
        except Exception as e:  # noqa: BLE001 - an engine that cannot load is reported
            msg = f"failed to load: {type(e).__name__}: {e}"[:300]
            log(f"  [fail] {eng.name}: {msg}")
            engine_status[eng.name]["skipped"] = msg
            chosen.remove(eng)
            continue
        gc.collect()
        gc.freeze()  # records + store are long-lived: keep them out of every later collection
        log(f"  {eng.name}: loaded in {time.perf_counter() - tl:.1f}s")
        answers: dict[str, list[str] | str] = {}
        for w in queries:
            c = cell(w.name, eng.name)
            prepared = eng.prepare(w)
            if prepared is None:
                c["unsupported"] = "no translation"
                continue
            try:
                tm = measure(lambda e=eng, p=prepared: e.find(p), repeat, budget)
            except Exception as e:  # noqa: BLE001 - a peer raising is a finding, not a crash
                c["error"] = f"{type(e).__name__}: {e}"[:300]
                answers[w.name] = c["error"]
                continue
            ids = eng.ids(tm.result)
            answers[w.name] = ids
            c.update(median=tm.median, times=tm.times, cold=tm.cold, count=len(ids))
        if HISTORY in wanted:
            c = cell(HISTORY, eng.name)
            if not eng.supports_history:
                c["unsupported"] = "no history call"
            else:
                tm = measure(eng.history, repeat, budget)
                answers[HISTORY] = tm.result
                c.update(median=tm.median, times=tm.times, cold=tm.cold, count=len(tm.result))
        eng.answers = answers
        gc.unfreeze()
        if eng.name != "taskdb":
            eng.close()  # free peer stores as we go
        gc.collect()
        log(f"  {eng.name}: done in {time.perf_counter() - tl:.1f}s")

    by_name = {e.name: e for e in chosen}
    ref = "taskdb" if "taskdb" in by_name else "python"
    if ref != "taskdb":
        log("  [warn] taskdb.DictDB unavailable: answers are checked against the hand-written loop")
    out["reference"] = ref
    ours = by_name[ref].answers
    for wname, wd in out["workloads"].items():
        base = wd["results"].get("python", {}).get("median")
        for ename, c in wd["results"].items():
            if base and "median" in c:
                c["ratio"] = c["median"] / base
            if ename == ref or wname == INSERT or "unsupported" in c or ename not in by_name:
                continue
            theirs = by_name[ename].answers.get(wname)
            mine = ours.get(wname)
            if isinstance(mine, str):
                diff: dict[str, Any] | None = {"ours_error": mine}
            elif isinstance(theirs, str):
                diff = {"error": theirs}
            else:
                diff = _diff(mine or [], theirs or [], ordered=wname == HISTORY)
            c["agrees"] = diff is None
            if diff is not None:
                whose, rule = verdict(ename, wname, diff)
                dis = {"size": n, "workload": wname, "engine": ename, **diff}
                dis.update(whose=whose, rule=rule)
                disagreements.append(dis)
                log(f"  DISAGREE {ename} on {wname}: {diff} -> {whose}")
    out["disagreements"] = disagreements
    out["text_forms"] = _check_text_forms(queries, ours, records)
    out["extras"] = extras.run_extras(records, out, log, budget)
    for eng in chosen:
        eng.close()
    gc.unfreeze()
    return out


def _check_text_forms(
    queries: list[Workload], ours: dict[str, Any], records: list[dict[str, Any]]
) -> dict[str, str]:
    """Each workload's textual form must give ours' answers (via the compiled scan)."""
    import querylang

    res: dict[str, str] = {}
    for w in queries:
        try:
            pred = querylang.compile(w.text)
        except Exception as e:  # noqa: BLE001 - reported on the page
            res[w.name] = f"does not parse: {type(e).__name__}: {e}"[:200]
            continue
        got = [r["msg_id"] for r in records if pred(r)]
        mine = ours.get(w.name)
        res[w.name] = "agrees" if Counter(got) == Counter(mine or []) else "DIFFERS"
    return res
