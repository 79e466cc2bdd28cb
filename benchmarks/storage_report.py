"""docs/performance.md sections for :mod:`.storage` and :mod:`.percall` (targets marked)."""

from __future__ import annotations

import json
import math
from pathlib import Path
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
        f"Objects the collector tracks, and the time of a full `gc.collect()` (the fastest of "
        f"7 after a first one, shown in brackets), with the caller's records alone and with "
        f"a store of them added.  Target: taskdb's store adds at most "
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
                f"{_us(cells.get('read_only', {}).get('per_record'))} | "
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
        f"collector disabled; *read-only*: `find_records(q, read_only=True)`, read-only "
        f"mappings over the stored records instead of copies (opt-in); *floor*: a "
        f"hand-written comprehension making a shallow `dict(r)` of each match (for `keys`, "
        f"a dict of the two keys).  Targets: ≤ "
        f"{ANSWER_TARGET * 1e6:g} µs per whole record, ≤ {KEYS_TARGET * 1e6:g} µs per "
        f"projection.",
        "",
        "| records | query | returned | taskdb | kept | gc off | read-only | floor "
        "| ipyparallel | |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|:-:|",
        *rows_ans,
        "",
    ]
    return lines


BEFORE = Path(__file__).resolve().parent / "results" / "before-round2.json"
#: Query-table workloads whose answers are large (and insert_all), shown before and after.
LARGE_WORKLOADS = ("pending", "engine_in", "engine_nin", "empty", "insert_all")


def _get(d: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def _gmean(xs: list[float]) -> float | None:
    xs = [x for x in xs if x]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None


def _measures(ex: dict[str, Any] | None) -> dict[str, float | None]:
    """The round's target measures from one size's extras."""
    ex = ex or {}
    st, pc = ex.get("storage") or {}, ex.get("per_call") or {}
    rec_gc, tdb_gc = _get(st, "gc", "records"), _get(st, "gc", "taskdb")
    t_rate = _get(st, "inserts", "taskdb", "records_per_s")
    i_rate = _get(st, "inserts", "ipyparallel", "records_per_s")
    calls = [c["ratio"] for c in (pc.get("workloads") or {}).values()]
    scans = [c["scan_ratio"] for c in (pc.get("workloads") or {}).values()]
    return {
        "answer": _get(st, "answers", "empty", "taskdb", "per_record"),
        "read_only": _get(st, "answers", "empty", "read_only", "per_record"),
        "keys": _get(st, "answers", "keys", "taskdb", "per_record"),
        "gc": tdb_gc["collect_s"] / rec_gc["collect_s"] if rec_gc and tdb_gc else None,
        "tracked": tdb_gc["tracked"] - rec_gc["tracked"] if rec_gc and tdb_gc else None,
        "insert": t_rate / i_rate if t_rate and i_rate else None,
        "bytes": _get(ex, "insert_memory", "stores", "taskdb", "bytes_per_record"),
        "call_max": max(calls) if calls else None,
        "call_gmean": _gmean(calls),
        "scan_gmean": _gmean(scans),
    }


#: (measure, what, format, target, better-if-below)
_TARGETS = (
    ("answer", "µs per returned whole record (`{}`, collector on)", "us", ANSWER_TARGET, True),
    ("read_only", "µs per read-only record (`{}`, `read_only=True`)", "us", ANSWER_TARGET, True),
    ("keys", "µs per `keys=` projection (collector on)", "us", KEYS_TARGET, True),
    ("gc", "full `gc.collect()`: with the store / records alone", "x", GC_TARGET, True),
    ("tracked", "objects the store adds to the collector's", "n", None, True),
    ("insert", "insert rate / ipyparallel's (collector on)", "x", INSERT_TARGET, False),
    ("bytes", "bytes held per record beyond the caller's", "n", BYTES_TARGET, True),
    ("call_max", "predicate per call / hand-written lambda (worst)", "x", CALL_TARGET, True),
    ("call_gmean", "predicate per call / lambda (geo. mean)", "x", CALL_TARGET, True),
    ("scan_gmean", "filter_dicts / inlined comprehension (geo. mean)", "x", SCAN_TARGET, True),
)


def _fmt(v: float | None, kind: str) -> str:
    if v is None:
        return "—"
    if kind == "us":
        return f"{v * 1e6:.2f}"
    if kind == "x":
        return f"{v:.2f}×"
    return f"{v:,.0f}"


def round2_section(doc: dict[str, Any]) -> list[str]:
    """Each target of the round, before (the tree before it) and now, and what bought it."""
    if not BEFORE.exists():
        return []
    before = json.loads(BEFORE.read_text())
    lines = [
        "## Performance, round 2: before and after",
        "",
        f"*Before* is the tree at `{before['base']}` measured by `{before['command']}` (the "
        "same extras, this tree's benchmark code), plus the query-table figures of that "
        "commit's own results.json; *now* is this run.  Both on the machine above; "
        "absolute times from different runs compare only roughly, ratios better.",
        "",
        "| target | records | before | now | target | |",
        "|---|---:|---:|---:|---:|:-:|",
    ]
    for key, what, kind, target, below in _TARGETS:
        for n, sd in doc["sizes"].items():
            was = _measures(_get(before, "extras", "sizes", n))[key]
            now = _measures(sd.get("extras"))[key]
            ok = ""
            if target is not None and now is not None:
                ok = _ok(now <= target if below else now >= target)
            tgt = "" if target is None else ("≤ " if below else "≥ ") + _fmt(target, kind)
            lines.append(
                f"| {what} | {int(n):,} | {_fmt(was, kind)} | {_fmt(now, kind)} | {tgt} | {ok} |"
            )
    lines += [
        "",
        "Query-table ratios of taskdb to the hand-written loop (collector off, as that table "
        "is timed) on the workloads that return many records, and on building the store:",
        "",
        "| workload | records | before | now |",
        "|---|---:|---:|---:|",
    ]
    for w in LARGE_WORKLOADS:
        for n, sd in doc["sizes"].items():
            was = _get(before, "published", "sizes", n, "workloads", w, "taskdb", "ratio")
            now = _get(sd, "workloads", w, "results", "taskdb", "ratio")
            lines.append(f"| `{w}` | {int(n):,} | {_fmt(was, 'x')} | {_fmt(now, 'x')} |")
    lines += ["", "### What each change bought", ""]
    for n, sd in doc["sizes"].items():
        ab = _get(sd, "extras", "storage", "ablations") or {}
        st = _get(sd, "extras", "storage") or {}
        rate = _get(st, "inserts", "taskdb", "records_per_s")
        per = _get(st, "answers", "empty", "taskdb", "per_record")
        if ab and rate and per:
            lines.append(
                f"- {int(n):,} records: indexing each record as it arrives instead of in "
                f"batches: {ab['insert_unbatched_per_s']:,.0f} records/s instead of "
                f"{rate:,.0f}; building `{{}}`'s answer without pausing the collector: "
                f"{ab['empty_unpaused_per_record'] * 1e6:.2f} µs per record instead of "
                f"{per * 1e6:.2f}."
            )
    lines += ["", *_EXPLANATION, ""]
    return lines


_EXPLANATION = [
    "- **Packed storage** (`taskdb/packing.py`): a record is one tuple of its leaves, "
    "numbered by insertion, read through a shape shared by every record built alike.  It "
    "is untracked by the cyclic collector (no dict or list inside), so the store adds a few "
    "thousand tracked objects instead of doubling them, and a full collection costs what "
    "the caller's own records cost; it takes ~300 bytes where the copied dicts and lists "
    "took ~1,300.  Copies out are built by a function generated per shape (keys as code "
    "constants, the tuple unpacked once) instead of a walk per record, and `keys=` "
    "projections run one comprehension for the shapes that place the keys alike.",
    "- **Indexes without an object per entry** (`taskdb/sortedarrays.py`): hash buckets, "
    "null and irregular sets and the sorted timestamp indexes hold insertion numbers in "
    "arrays of machine integers (a SortedList held a ~50-byte int per entry, sets a "
    "reference per member, all walked by every full collection), and the seq maps, copy "
    "plans and shared rid map are gone: the record id travels in the tuple.",
    "- **Batched indexing**: `add_record` notes a record's indexed values and indexes them "
    "256 at a time (dates sorted once and appended in bulk, a little out of order merged "
    "into the last block at once); readers index what is pending first.",
    "- **Generated packers**: once a record's keys, value classes and nested lengths have "
    "been seen, packing the next one like it checks its nested keys and leaf classes and "
    "builds the tuple in one expression, instead of walking it.",
    "- **The collector paused for large answers** (`taskdb/reading.py`): building thousands "
    "of records triggered collections that walked the growing answer again and again; the "
    "pause makes the cost per record flat in the store's size.  A caller that keeps the "
    "answer pays one young collection of it later (the *kept* column above).",
    "- **Queries on views**: the compiled predicate runs on a dict holding only the paths "
    "the query reads, so a scan never rebuilds whole records and stays exact by "
    "construction.",
    "- **Read-only records** (opt-in, `find_records(q, read_only=True)`, "
    "`taskdb/frozen.py`): a read-only mapping over each stored record, decoding fields as "
    "they are read (nested documents read-only too, lists as tuples, `to_dict()` for a "
    "plain copy): one small object per record instead of rebuilding its dicts and lists.",
]
