"""docs/performance.md sections for :mod:`.storage` and :mod:`.percall` (targets marked)."""

from __future__ import annotations

from typing import Any

from .storage import KEYS as _KEYS

#: Targets of the "Performance, round 2" issue.
ANSWER_TARGET = 1e-6  # seconds per returned whole record
KEYS_TARGET = 0.3e-6  # seconds per returned projection
GC_TARGET = 1.10  # full collection with the store / with the caller's records alone
INSERT_TARGET = 0.90  # taskdb insert rate / ipyparallel's
BYTES_TARGET = 600  # bytes held per record beyond the caller's
CALL_TARGET = 1.5  # predicate called per record / hand-written lambda
SCAN_TARGET = 1.3  # filter_dicts / inlined comprehension


def _ok(good: bool) -> str:
    return "✓" if good else "✗"


def _us(s: float | None) -> str:
    return "—" if s is None else f"{s * 1e6:.2f}"


def _extra(sd: dict[str, Any], key: str) -> dict[str, Any]:
    ex = sd.get("extras", {}).get(key, {})
    return ex if isinstance(ex, dict) else {}


def percall_section(doc: dict[str, Any]) -> list[str]:
    lines = [
        "## Predicate called once per record",
        "",
        f"`[r for r in records if pred(r)]` over the compiled predicate vs the same over a "
        f"hand-written lambda (target ≤ {CALL_TARGET}×), and `predicate.filter_dicts` vs the "
        f"hand-written inlined comprehension (target ≤ {SCAN_TARGET}×); medians of interleaved "
        "rounds on the first records of each size, collector off.",
        "",
    ]
    for n, sd in doc["sizes"].items():
        pc = _extra(sd, "per_call")
        if "error" in pc or not pc.get("workloads"):
            lines += [f"{int(n):,} records: not measured {pc.get('error', '')}", ""]
            continue
        ws = pc["workloads"]
        lines += [
            f"At {int(n):,} records (timed on {pc['sample_n']:,}):",
            "",
            "| workload | per call vs lambda | | filter_dicts vs inline | |",
            "|---|---:|:-:|---:|:-:|",
        ]
        for w, c in ws.items():
            lines.append(
                f"| `{w}` | {c['ratio']:.2f}× | {_ok(c['ratio'] <= CALL_TARGET)} | "
                f"{c['scan_ratio']:.2f}× | {_ok(c['scan_ratio'] <= SCAN_TARGET)} |"
            )
        lines.append("")
    return lines


def storage_section(doc: dict[str, Any]) -> list[str]:
    lines = [
        "## Large answers, the garbage collector and inserts (collector on)",
        "",
        "Measured with the cyclic garbage collector on, as users run it, while the caller's "
        "records (the benchmark's own list) stay alive and unfrozen.",
        "",
        "### Garbage collector",
        "",
        f"Objects the collector tracks, and the median time of a full `gc.collect()` (after a "
        f"first one, shown in brackets), with the caller's records alone and with a store "
        f"of them added.  Target: taskdb's store adds at most "
        f"{(GC_TARGET - 1) * 100:.0f}% to a full collection.",
        "",
        "| records | tracked: records | + taskdb | + ipyparallel "
        "| collect: records | + taskdb | + ipyparallel | taskdb / records | |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|:-:|",
    ]
    rows_ins, rows_ans = [], []
    for n, sd in doc["sizes"].items():
        st = _extra(sd, "storage")
        if "error" in st or "gc" not in st:
            lines.append(f"| {int(n):,} | not measured {st.get('error', '')} | | | | | | | |")
            continue
        g = st["gc"]
        rec, tdb, ipp = g["records"], g.get("taskdb", {}), g.get("ipyparallel", {})

        def ms(c: dict[str, Any]) -> str:
            if "collect_s" not in c:
                return "—"
            return f"{c['collect_s'] * 1e3:.0f} ms ({c['first_s'] * 1e3:.0f})"

        ratio = tdb.get("collect_s", 0) / rec["collect_s"] if rec.get("collect_s") else None
        lines.append(
            f"| {int(n):,} | {rec['tracked']:,} | {tdb.get('tracked', 0):,} | "
            f"{ipp.get('tracked', 0):,} | {ms(rec)} | {ms(tdb)} | {ms(ipp)} | "
            + (f"{ratio:.2f} | {_ok(ratio <= GC_TARGET)} |" if ratio else "— | |")
        )
        ins = st.get("inserts", {})
        t, i = (
            ins.get("taskdb", {}).get("records_per_s"),
            ins.get("ipyparallel", {}).get("records_per_s"),
        )
        if t and i:
            ok = _ok(t / i >= INSERT_TARGET)
            rows_ins.append(f"| {int(n):,} | {t:,.0f} | {i:,.0f} | {t / i:.2f} | {ok} |")
        for w, cells in st.get("answers", {}).items():
            tc = cells.get("taskdb", {})
            target = KEYS_TARGET if w == "keys" else ANSWER_TARGET
            per = tc.get("per_record")
            rows_ans.append(
                f"| {int(n):,} | `{w}` | {tc.get('count', 0):,} | {_us(per)} | "
                f"{_us(tc.get('kept_per_record'))} | {_us(tc.get('gc_off_per_record'))} | "
                f"{_us(cells.get('floor', {}).get('per_record'))} | "
                f"{_us(cells.get('ipyparallel', {}).get('per_record'))} | "
                f"{_ok(per is not None and per <= target)} |"
            )
    lines += [
        "",
        "### Inserts",
        "",
        f"Records/s building a store from all records (`add_record` each), collector on, "
        f"taskdb (copying each record) and ipyparallel (storing the caller's dict) "
        f"alternating.  Target: taskdb ≥ {INSERT_TARGET:.0%} of ipyparallel.",
        "",
        "| records | taskdb | ipyparallel | ratio | |",
        "|---:|---:|---:|---:|:-:|",
        *rows_ins,
        "",
        "### Large answers",
        "",
        f"µs per returned record, collector on.  `empty` is `{{}}` (every record), `keys` is "
        f"`find_records({{}}, keys={list(_KEYS)})`.  *kept*: the same plus the young "
        f"collection that keeping the answer triggers (`gc.collect(0)`); *gc off*: the "
        f"collector disabled; *floor*: a hand-written comprehension making a shallow "
        f"`dict(r)` of each match (for `keys`, a dict of the two keys).  Targets: ≤ "
        f"{ANSWER_TARGET * 1e6:g} µs per whole record, ≤ {KEYS_TARGET * 1e6:g} µs per "
        f"projection.",
        "",
        "| records | query | returned | taskdb | kept | gc off | floor | ipyparallel | |",
        "|---:|---|---:|---:|---:|---:|---:|---:|:-:|",
        *rows_ans,
        "",
    ]
    return lines
