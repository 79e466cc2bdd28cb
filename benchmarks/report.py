"""docs/performance.md, regenerated from a results document (never edited by hand)."""

from __future__ import annotations

import math
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from . import storage_report
from .plots import ENGINE_ORDER
from .postgres_report import postgres_section
from .sqlite_report import sqlite_section
from .verdicts import faster_reason
from .workloads import HISTORY, INSERT

TEXT_UNCACHED_TARGET = 200e-6
TEXT_CACHED_TARGET = 5e-6
SCAN_TARGET = 1.3


def fmt_s(s: float | None) -> str:
    if s is None:
        return "—"
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def fmt_ratio(r: float) -> str:
    """Two decimals, or two significant digits below 0.1 (an index hit is ~0.0004×)."""
    return f"{r:.2f}×" if r >= 0.1 else f"{r:.2g}×"


def _engines(sd: dict[str, Any]) -> list[str]:
    present = {e for wd in sd["workloads"].values() for e in wd["results"]}
    return [e for e in ENGINE_ORDER if e in present]


def _cell(c: dict[str, Any]) -> str:
    if "unsupported" in c:
        return "n/a"
    if "error" in c:
        return "raises ✗"
    if "median" not in c:
        return "—"
    mark = " ✗" if c.get("agrees") is False else ""
    if c.get("cold"):
        mark += " †"
    ratio = fmt_ratio(c["ratio"]) if "ratio" in c else "?"
    return f"{ratio} ({fmt_s(c['median'])}){mark}"


def _gmean(xs: list[float]) -> float:
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def size_table(sd: dict[str, Any]) -> list[str]:
    engines = _engines(sd)
    lines = [
        "| workload | " + " | ".join(engines) + " |",
        "|---|" + "---:|" * len(engines),
    ]
    for w, wd in sd["workloads"].items():
        cells = [_cell(wd["results"].get(e, {})) for e in engines]
        lines.append(f"| `{w}` | " + " | ".join(cells) + " |")
    return lines


def scan_summary(doc: dict[str, Any]) -> list[str]:
    lines = [
        f"Target: the compiled predicate in a plain comprehension within {SCAN_TARGET}× of the "
        "hand-written comprehension on typical task queries.",
        "",
        "| records | " + " | ".join(_typical(doc)) + " | geo. mean |",
        "|---:|" + "---:|" * (len(_typical(doc)) + 1),
    ]
    for n, sd in doc["sizes"].items():
        ratios = []
        row = []
        for w in _typical(doc):
            c = sd["workloads"].get(w, {}).get("results", {}).get("compiled", {})
            r = c.get("ratio")
            row.append(f"{r:.2f}×" if r else "—")
            if r:
                ratios.append(r)
        lines.append(f"| {int(n):,} | " + " | ".join(row) + f" | **{_gmean(ratios):.2f}×** |")
    lines += [
        "",
        "The compiled scan is the predicate's own comprehension (`predicate.filter_dicts`, the "
        "test inlined, no call per record).  What remains is the price of MongoDB's exact "
        'rules: the hand-written loops read `r["completed"]` (a KeyError on a record without '
        "the field) and compare without type checks, while the compiled test uses "
        "`rec.get(...)` and rules out arrays, `True`-vs-`1`, naive datetimes and other type "
        "brackets before comparing.  That costs most, relatively, on the cheapest one-field "
        "tests (`pending`, `no_match`: ~1.8×) and least on multi-term and regex queries.",
    ]
    return lines


def _typical(doc: dict[str, Any]) -> list[str]:
    first = next(iter(doc["sizes"].values()))
    return [
        w for w, wd in first["workloads"].items() if wd.get("kind") == "query" and wd["typical"]
    ]


def extras_section(doc: dict[str, Any]) -> list[str]:
    lines = ["## Parse + compile", ""]
    first = next(iter(doc["sizes"].values()))
    pc = first["extras"].get("parse_compile", {})
    if "error" in pc:
        lines += [f"Not measured: {pc['error']}", ""]
    else:
        ok = "✓" if pc["text_uncached_s"] < TEXT_UNCACHED_TARGET else "✗"
        ok2 = "✓" if pc["text_cached_s"] < TEXT_CACHED_TARGET else "✗"
        lines += [
            f"`querylang.compile` on a {pc['chars']}-character query ({pc['form']}):",
            f"`{pc['query']}`",
            "",
            "| form | per call | target |",
            "|---|---:|---:|",
            f"| text, uncached (new constant each call) | {fmt_s(pc['text_uncached_s'])} | "
            f"< 200 µs {ok} |",
            f"| text, cached (same text again) | {fmt_s(pc['text_cached_s'])} | < 5 µs {ok2} |",
            f"| dict, new each call | {fmt_s(pc['dict_new_s'])} | |",
            f"| dict, same dict again | {fmt_s(pc['dict_same_s'])} | |",
            "",
        ]
    lines += [
        "## Insert throughput and memory",
        "",
        "Memory is what the store holds *beyond* the records it was given (tracemalloc, after "
        "`gc.collect()`), per record; `python` is a `{msg_id: record}` dict.  taskdb deep-copies "
        "every record on insert (so a caller mutating its dict cannot corrupt the DB), so it "
        "holds a second copy; ipyparallel's DictDB stores the caller's dict itself.",
        "",
        "| records | engine | insert records/s | bytes/record held (measured on) | record itself |",
        "|---:|---|---:|---:|---:|",
    ]
    for n, sd in doc["sizes"].items():
        im = sd["extras"].get("insert_memory", {})
        if "error" in im:
            lines.append(f"| {int(n):,} | — | not measured: {im['error']} | | |")
            continue
        for eng, v in im.get("stores", {}).items():
            lines.append(
                f"| {int(n):,} | {eng} | {v['records_per_s']:,.0f} | "
                f"{v['bytes_per_record']:,.0f} ({im.get('memory_measured_on', int(n)):,}) | "
                f"{im['records_bytes_per_record']:,.0f} |"
            )
    lines.append("")
    return lines


def disagreements_section(doc: dict[str, Any]) -> list[str]:
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for sd in doc["sizes"].values():
        for d in sd["disagreements"]:
            grouped[(d["engine"], d["workload"])].append(d)
    lines = [
        "## Disagreements",
        "",
        "Every engine's answer (msg_ids; `get_history` as an ordered list) is compared with "
        "taskdb's on every workload.  Each row is a real difference, with whose bug it is "
        "and the MongoDB rule that decides it.",
        "",
    ]
    if not grouped:
        return [*lines, "None: every engine agreed with taskdb on every workload.", ""]
    lines += [
        "| engine | workload | sizes | taskdb / theirs | whose bug | MongoDB rule |",
        "|---|---|---|---|---|---|",
    ]
    for (eng, w), ds in sorted(grouped.items()):
        d = ds[-1]
        if "error" in d:
            what = f"raises `{d['error']}`"
        elif "ours_error" in d:
            what = f"taskdb raises `{d['ours_error']}`"
        else:
            what = f"{d['ours']:,} / {d['theirs']:,}"
            if "missing" in d:
                what += f" (misses {d['missing']:,}, extra {d['extra']:,})"
        sizes = ", ".join(f"{x['size']:,}" for x in ds)
        lines.append(f"| {eng} | `{w}` | {sizes} | {what} | {d['whose']} | {d['rule']} |")
    lines.append("")
    return lines


PEERS = ("ipyparallel", "mongomock", "tinydb", "mongoquery", "montydb")


def faster_section(doc: dict[str, Any]) -> list[str]:
    """Every (workload, peer) where a peer's median beats taskdb's, at any size."""
    lines = [
        "## Where a peer is faster than taskdb",
        "",
        "Peers only (the hand-written loop is the floor, the compiled scan is ours).",
        "",
    ]
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    why: dict[tuple[str, str], str] = {}
    for n, sd in doc["sizes"].items():
        for w, wd in sd["workloads"].items():
            ours = wd["results"].get("taskdb", {}).get("median")
            if not ours:
                continue
            for eng in PEERS:
                c = wd["results"].get(eng, {})
                if c.get("median") and c["median"] < ours:
                    found[(w, eng)].append(f"{int(n):,}: {fmt_s(c['median'])} vs {fmt_s(ours)}")
                    if c.get("agrees") is False or (w, eng) not in why:
                        why[(w, eng)] = faster_reason(eng, w, c.get("agrees"))
    if not found:
        return [*lines, "Nowhere: taskdb is at least as fast as every peer on every workload.", ""]
    rows = [
        f"| `{w}` | {eng} | {'; '.join(found[(w, eng)])} | {why[(w, eng)]} |"
        for (w, eng) in sorted(found)
    ]
    return [
        *lines,
        "| workload | peer | records: its time vs taskdb | why |",
        "|---|---|---|---|",
        *rows,
        "",
    ]


def workloads_section(doc: dict[str, Any]) -> list[str]:
    first = next(iter(doc["sizes"].values()))
    lines = [
        "## Workloads",
        "",
        "Constants (client, engines, msg_id, time bounds) are drawn from the records at each size.",
        "`text ok` says whether the textual form gives taskdb's answer.",
        "",
        "| workload | what | Mongo filter | textual form | text ok |",
        "|---|---|---|---|---|",
    ]
    for w, wd in first["workloads"].items():
        if wd.get("kind") != "query":
            lines.append(f"| `{w}` | {wd['description']} | | | |")
            continue
        mongo = wd["mongo"].replace("|", "\\|")
        if len(mongo) > 90:
            mongo = mongo[:87] + "..."
        text = wd["text"].replace("|", "\\|")
        if len(text) > 90:
            text = text[:87] + "..."
        tf = first.get("text_forms", {}).get(w, "")
        lines.append(f"| `{w}` | {wd['description']} | `{mongo}` | `{text}` | {tf} |")
    lines.append("")
    return lines


def render(doc: dict[str, Any], img_rel: str | None) -> str:
    m = doc["machine"]
    ram = f"{m['ram_gib']:.0f} GiB" if m.get("ram_gib") else "?"
    pk = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    lines = [
        "# Performance",
        "",
        "<!-- Generated by `python -m benchmarks` from benchmarks/results/results.json: "
        "do not edit by hand. -->",
        "",
        "taskdb's `DictDB` side by side with the hand-written Python loop (the CPython floor), "
        "querylang's compiled predicate in a plain list comprehension, ipyparallel's own "
        "`DictDB`, mongomock, TinyDB (memory storage), mongoquery and montydb (memory storage), "
        "all in one process on the same deterministic records (`taskdb.samples.sample_records`, "
        "seed 0).",
        "",
        f"Command: `{doc['command']}` (repeat {doc['repeat']}, at most "
        f"{doc['budget_s']:g} s timed per cell; took {doc.get('elapsed_s', 0):.0f} s).",
        "",
        "Reproduce from the repository root (peers: `pip install -e '.[bench]'`):",
        "",
        "```sh",
        "python -m benchmarks --sizes 10000,100000,1000000   # this page + docs/img + results",
        "python -m benchmarks --quick --out /tmp/bench        # CI smoke run, 2,000 records",
        "python -m benchmarks --sizes 50000 --engines ipyparallel,tinydb --workloads pending,and4",
        "```",
        "",
        "**Reading the tables:** each cell is the median time over the repetitions after one "
        "warm-up, as a ratio to the hand-written comprehension measured in the same run "
        "(`python` = 1.00×), with the absolute median in brackets.  ✗ = the answer differs from "
        "taskdb's (see Disagreements); `n/a` = the engine has no such operation; `raises` = the "
        "engine raised on the query; † = a single call longer than the time budget (no "
        "separate warm-up).  DictDB engines (taskdb, ipyparallel) return *copies* of the "
        "matching records, as ipyparallel's interface requires; the scanners return the caller's "
        "own dicts.",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores visible, RAM {ram}",
        f"- Python {m['python']} ({m['implementation']}), {m['platform']}",
        f"- Packages: {pk}",
        f"- Load average (1/5/15 min) at start {m.get('loadavg_start')}, at end "
        f"{m.get('loadavg_end')}: a load above the core count means other jobs shared the CPU "
        "and absolute times are inflated (ratios within one run are affected less).",
        "",
        "## Engines",
        "",
        "| engine | what | version | status |",
        "|---|---|---|---|",
    ]
    seen: dict[str, dict[str, Any]] = {}
    for n, sd in doc["sizes"].items():
        for e, info in sd["engines"].items():
            s = seen.setdefault(e, {"info": info, "skipped": []})
            if "skipped" in info:
                s["skipped"].append(f"{int(n):,}: {info['skipped']}")
    for e, s in seen.items():
        status = "; ".join(s["skipped"]) or "ran at every size"
        lines.append(f"| {e} | {s['info']['label']} | {s['info']['version']} | {status} |")
    lines += ["", "## Compiled scan vs hand-written comprehension", "", *scan_summary(doc), ""]
    for n, sd in doc["sizes"].items():
        lines += [f"## Results at {int(n):,} records", "", *size_table(sd), ""]
        if img_rel:
            lines += [f"![time per workload at {int(n):,}]({img_rel}/bench-{n}.png)", ""]
    if img_rel:
        lines += ["## Scaling", "", f"![time vs records]({img_rel}/bench-scaling.png)", ""]
    lines += sqlite_section(doc)
    lines += postgres_section(doc)
    lines += disagreements_section(doc)
    lines += faster_section(doc)
    lines += extras_section(doc)
    lines += storage_report.round2_section(doc)
    lines += storage_report.percall_section(doc)
    lines += storage_report.storage_section(doc)
    lines += workloads_section(doc)
    lines += [
        "## Method",
        "",
        f"- `{INSERT}` builds a fresh store from all records (repeat ≤ 3); `{HISTORY}` is "
        "`get_history()` (sorted by `submitted`); the others are `find_records(query)` or "
        "the engine's equivalent (`find`, `search`, a comprehension over `match`).",
        "- Query translation (compiling, building TinyDB/mongoquery objects) is done once "
        "outside the timed region; `querylang.compile` cost is reported separately above.",
        "- mongomock and montydb store dates as BSON does (naive UTC, millisecond precision): "
        "their query dates are passed as naive UTC, and time bounds are chosen in gaps between "
        "records so truncation cannot change an answer.",
        "- GC is collected before, and disabled during, each timed call.",
        "",
    ]
    return "\n".join(lines)


def write_report(doc: dict[str, Any], docs_dir: Path, plots: bool = True) -> Path:
    docs_dir.mkdir(parents=True, exist_ok=True)
    img_rel = None
    if plots:
        from .plots import make_plots

        img_dir = docs_dir / "img"
        make_plots(doc, img_dir)
        img_rel = os.path.relpath(img_dir, docs_dir)
    page = docs_dir / "performance.md"
    page.write_text(render(doc, img_rel))
    return page
