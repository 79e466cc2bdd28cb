"""The PostgreSQL section of docs/performance.md: taskdb's PostgresDB against hand-written SQL
on its schema, with the targets the PostgresDB issue set (and the 1,000,000-record lookup of
``python -m benchmarks.postgres_lookup``, when its results file is there)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .sqlite_report import _cell, _fmt, _ok
from .workloads import INSERT

OURS, FLOOR = "postgres", "postgres_sql"
SELECTIVE = ("msg_id_lookup", "client_outstanding", "engine_in", "time_range", "and4", "no_match")
TARGET_SIZE = 100_000
FLOOR_RATIO, INSERT_RATE, LOOKUP_S = 2.0, 20_000, 2e-3
#: Written by ``python -m benchmarks.postgres_lookup``.
LOOKUP_FILE = Path(__file__).resolve().parent / "results" / "postgres_lookup.json"


def _size_lines(n: str, sd: dict[str, Any]) -> list[str]:
    k = int(n)
    lines = [
        f"### {k:,} records",
        "",
        "| workload | taskdb PostgresDB | hand-written SQL | ours / floor |",
        "|---|---:|---:|---:|",
    ]
    for w, wd in sd["workloads"].items():
        r = wd["results"]
        ours, floor = r.get(OURS, {}), r.get(FLOOR, {})
        if not ours:
            continue
        ratio = ""
        if ours.get("median") and floor.get("median"):
            ratio = f"{ours['median'] / floor['median']:.2f}×"
        lines.append(f"| `{w}` | {_cell(ours)} | {_cell(floor)} | {ratio} |")
    stats = sd.get("extras", {}).get("postgres", {}).get(OURS, {})
    ins = sd["workloads"].get(INSERT, {}).get("results", {})
    rates = [
        f"{eng}: {k / c['median']:,.0f} records/s"
        for eng in (OURS, FLOOR)
        if (c := ins.get(eng, {})).get("median")
    ]
    if rates:
        lines += ["", "Bulk insert (COPY, one transaction): " + "; ".join(rates) + "."]
    if "single_add_s" in stats:
        s = stats["single_add_s"]
        lines.append(
            f"`add_record` one call at a time (a round trip and a commit each): {_fmt(s)} per "
            f"record, {1 / s:,.0f} records/s"
            + (
                f"; with `synchronous_commit=off` {_fmt(a)}, {1 / a:,.0f} records/s."
                if (a := stats.get("single_add_async_s"))
                else "."
            )
        )
    if "lookup_s" in stats:
        first, median = _fmt(stats["first_lookup_s"]), _fmt(stats["lookup_s"])
        p90, get = _fmt(stats["lookup_p90_s"]), _fmt(stats["get_record_s"])
        lines.append(
            f"`msg_id` lookup through a fresh database object: first {first}, then {median} "
            f"median (p90 {p90}), `get_record` {get}."
        )
    return [*lines, ""]


def _lookup_file() -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(LOOKUP_FILE.read_text())
    except (OSError, ValueError):
        return None
    return data


def _targets(doc: dict[str, Any]) -> list[str]:
    sizes = {int(n): sd for n, sd in doc["sizes"].items()}
    n = TARGET_SIZE if TARGET_SIZE in sizes else max(sizes)
    res = {w: wd["results"] for w, wd in sizes[n]["workloads"].items()}
    where = "" if n == TARGET_SIZE else ", the largest run"
    out = [f"Targets (checked at {n:,} records{where}):", ""]

    def med(w: str, e: str) -> float | None:
        return res.get(w, {}).get(e, {}).get("median")

    worst = [
        (med(w, OURS) / med(w, FLOOR), w)  # type: ignore[operator]
        for w in SELECTIVE
        if med(w, OURS) and med(w, FLOOR)
    ]
    if worst:
        r, w = max(worst)
        out.append(
            f"- {_ok(r <= FLOOR_RATIO)} selective indexed workloads within {FLOOR_RATIO:g}× of "
            f"the hand-written SQL (worst: `{w}`, {r:.2f}×)"
        )
    ins = med(INSERT, OURS)
    if ins:
        rate = n / ins
        out.append(
            f"- {_ok(rate >= INSERT_RATE)} bulk insert of at least {INSERT_RATE:,} records/s "
            f"({rate:,.0f}/s)"
        )
    big = _lookup_file()
    if big:
        s = big["lookup_s"]
        out.append(
            f"- {_ok(s < LOOKUP_S)} a `msg_id` lookup in under {LOOKUP_S * 1e3:g} ms end to end "
            f"at {big['records']:,} records ({_fmt(s)} median, p90 {_fmt(big['lookup_p90_s'])};"
            f" `get_record` {_fmt(big['get_record_s'])}; measured {big['when']})"
        )
    else:
        out.append(
            "- 1,000,000-record lookup: not measured (`python -m benchmarks.postgres_lookup`)"
        )
    return [*out, ""]


def postgres_section(doc: dict[str, Any]) -> list[str]:
    """Nothing if PostgresDB did not run."""
    ran = any(
        OURS in wd["results"] for sd in doc["sizes"].values() for wd in sd["workloads"].values()
    )
    if not ran:
        return []
    lines = [
        "## PostgreSQL: taskdb.PostgresDB and hand-written SQL",
        "",
        "Both run on the local PostgreSQL server (loopback, default settings), each in a "
        "table of its own with PostgresDB's schema, built in one transaction with COPY, then "
        "VACUUM ANALYZEd.  *Hand-written SQL* is the floor: the SQL a person would write for "
        "each workload on that schema (shadow columns, jsonb operators and the GIN index, no "
        "exactness checks), decoding rows as PostgresDB does, over one connection.  Times are "
        "end to end: query to decoded records.",
        "",
        *_targets(doc),
    ]
    for n, sd in doc["sizes"].items():
        lines += _size_lines(n, sd)
    return lines
