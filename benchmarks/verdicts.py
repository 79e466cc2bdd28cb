"""Whose bug is a disagreement, and which MongoDB rule decides it.

Ours is the reference only because it is checked against querylang's reference evaluator
and the hand-written loops; every verdict below names the rule from the MongoDB manual.
A disagreement with no known explanation is reported as *unexplained* so it gets looked at.
"""

from __future__ import annotations

from typing import Any

_IPP_DOTS = (
    "ipyparallel's DictDB looks keys up with rec.get(key): no dot notation, so a dotted "
    "path such as 'result_header.status' is always None",
    "MongoDB: dot notation reaches into embedded documents "
    "(manual: Query on Embedded/Nested Documents)",
)

KNOWN: dict[tuple[str, str], tuple[str, str]] = {
    ("ipyparallel", "client_outstanding"): (
        "ipyparallel bug: DictDB._match builds `lambda o: o == v` in a loop, so every "
        "plain-equality test compares against the *last* value (late-binding closure): "
        "client_uuid is compared with None",
        "MongoDB: {a: x, b: y} is an implicit AND of both equalities",
    ),
    ("ipyparallel", "time_range"): (
        "ipyparallel bug: its filter table defines '$gt' as `lambda a, b: b > a`, i.e. $lt",
        "MongoDB: $gt selects documents whose field is greater than the operand",
    ),
    ("ipyparallel", "status_ne_ok"): _IPP_DOTS,
    ("ipyparallel", "exists_ename"): _IPP_DOTS,
    ("ipyparallel", "regex_msg_type"): (
        "ipyparallel limitation: no $regex operator (and no dot notation)",
        "MongoDB: $regex matches string values against a PCRE pattern",
    ),
    ("ipyparallel", "or_error_resubmitted"): (
        "ipyparallel bug: a top-level '$or' is treated as a field named '$or' and silently "
        "matches nothing",
        "MongoDB: $or selects documents that satisfy at least one clause",
    ),
    ("ipyparallel", "and4"): (
        "ipyparallel bug: a top-level '$and' is treated as a field named '$and' and silently "
        "matches nothing",
        "MongoDB: $and selects documents that satisfy every clause",
    ),
}


_IPP_SQL = (
    "ipyparallel limitation: its SQLiteDB translates only $lt $gt $lte $gte $eq $ne $in "
    "$nin $glob on its fixed columns, so dotted paths, $or/$and, $regex and $exists raise "
    "KeyError; $nin with null raises ValueError; the empty query {} renders as 'WHERE ' "
    "(OperationalError)",
    "MongoDB: dot notation, $or/$and, $regex, $exists and {} (every document) are all valid",
)
for _w in ("status_ne_ok", "or_error_resubmitted", "exists_ename", "engine_nin"):
    KNOWN[("ipyparallel_sqlite", _w)] = _IPP_SQL
for _w in ("regex_msg_type", "and4", "empty"):
    KNOWN[("ipyparallel_sqlite", _w)] = _IPP_SQL


def verdict(engine: str, workload: str, diff: dict[str, Any]) -> tuple[str, str]:
    """(whose bug and why, the MongoDB rule) for one disagreement."""
    if "ours_error" in diff:
        return ("ours: taskdb raised", "taskdb must answer every workload")
    if (engine, workload) in KNOWN:
        return KNOWN[(engine, workload)]
    if engine == "python":
        return (
            "ours or the hand-written loop: investigate (the loop spells out MongoDB's rules)",
            "see docs/semantics.md",
        )
    if "error" in diff:
        return (f"{engine}: raised on a valid MongoDB query", "the query is valid MongoDB")
    return (f"unexplained: investigate {engine} vs taskdb", "")


_SCANNERS = ("compiled", "python", "mongoquery")


def faster_reason(engine: str, workload: str, agrees: bool | None) -> str:
    """Why ``engine`` beat taskdb on ``workload`` (for the "where a peer is faster" list)."""
    if agrees is False:
        return "its answer is wrong (see the disagreements): not a like-for-like result"
    if workload == "insert_all":
        if engine in ("python", "ipyparallel", "tinydb"):
            return (
                "stores a reference to (or a shallow copy of) the caller's dict; taskdb "
                "deep-copies each record (so later mutation by the caller cannot corrupt the "
                "DB) and updates its indexes"
            )
        return "stores records with less per-record work than taskdb's copy + index update"
    if engine in _SCANNERS:
        return (
            "returns the caller's own dicts; taskdb returns private deep copies (ipyparallel's "
            "isolation contract), which dominates when many records match"
        )
    if engine == "tinydb":
        return "returns shallow Document copies; taskdb returns deep copies of every match"
    if engine == "ipyparallel" and workload == "get_history":
        return "sorts msg_ids by submitted like taskdb; difference is within noise"
    return "no copy/index explanation: investigate"
