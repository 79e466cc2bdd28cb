"""The fixed workload set: typical Hub queries, each in four hand-written forms.

Every query workload carries the MongoDB filter dict, the same query in querylang's textual
language, a hand-written Python comprehension (the CPython scan floor: what a person would
write for exactly this question, with MongoDB's null/missing rules spelled out), and a hand
translation to TinyDB's query objects.  Constants (a client, three engines, a msg_id, a time
window) are picked from the records themselves so every size has non-trivial answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

Record = dict[str, Any]

#: Workloads that are not a find_records query.
HISTORY = "get_history"
INSERT = "insert_all"
SPECIAL = (HISTORY, INSERT)


@dataclass(frozen=True)
class Workload:
    """One query, in every form an engine needs."""

    name: str
    description: str
    mongo: dict[str, Any]
    text: str
    scan: Callable[[list[Record]], list[Record]]
    tinydb: Callable[[Any], Any] | None = None  # tinydb.Query -> condition
    typical: bool = True  # counts toward the compiled-scan vs comprehension target
    params: dict[str, Any] = field(default_factory=dict)
    #: The same test as a hand-written function of one record (``scan`` inlines it): what
    #: ``filter(test, records)`` or a per-record callback runs, beside the compiled predicate.
    test: Callable[[Record], bool] | None = None


def _q(s: str) -> str:
    return '"' + s + '"'


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def gap_boundary(records: list[Record], i: int) -> datetime:
    """A time bound just after record ``i`` that no record lies within 1 ms of.

    MongoDB dates have millisecond precision, so BSON engines (mongomock, montydb) truncate
    stored microseconds; a bound inside a 1 ms-wide gap gives every engine the same answer.
    """
    for j in range(i, len(records) - 1):
        a, b = records[j]["submitted"], records[j + 1]["submitted"]
        if b - a > timedelta(milliseconds=3):
            return a.replace(microsecond=a.microsecond // 1000 * 1000) + timedelta(milliseconds=2)
    return records[-1]["submitted"] + timedelta(seconds=1)


def make_workloads(records: list[Record]) -> list[Workload]:
    """The query workloads for ``records`` (non-empty), constants drawn from them."""
    n = len(records)
    client = records[n // 2]["client_uuid"]
    engines = sorted({r["engine_uuid"] for r in records if r["engine_uuid"]})[:3]
    e_set = frozenset(engines)
    msg_id = records[(2 * n) // 3]["msg_id"]
    t1 = gap_boundary(records, n // 4)
    t2 = gap_boundary(records, n // 4 + max(1, n // 10))
    t3 = gap_boundary(records, n // 2)
    exec_re = re.compile("^execute")

    def st(r: Record) -> Any:
        h = r["result_header"]
        return h.get("status") if isinstance(h, dict) else None

    wl = [
        Workload(
            "pending",
            "tasks not completed",
            {"completed": None},
            "completed == null",
            lambda rs: [r for r in rs if r["completed"] is None],
            lambda Q: Q.completed == None,  # noqa: E711 - TinyDB overloads ==
            test=lambda r: r["completed"] is None,
        ),
        Workload(
            "client_outstanding",
            "one client's outstanding tasks",
            {"client_uuid": client, "completed": None},
            f"client_uuid == {_q(client)} and completed == null",
            lambda rs: [r for r in rs if r["client_uuid"] == client and r["completed"] is None],
            lambda Q: (Q.client_uuid == client) & (Q.completed == None),  # noqa: E711
            test=lambda r: r["client_uuid"] == client and r["completed"] is None,
        ),
        Workload(
            "msg_id_lookup",
            "one task by msg_id",
            {"msg_id": msg_id},
            f"msg_id == {_q(msg_id)}",
            lambda rs: [r for r in rs if r["msg_id"] == msg_id],
            lambda Q: Q.msg_id == msg_id,
            test=lambda r: r["msg_id"] == msg_id,
        ),
        Workload(
            "engine_in",
            "tasks on 3 engines ($in)",
            {"engine_uuid": {"$in": engines}},
            f"engine_uuid in [{', '.join(_q(e) for e in engines)}]",
            lambda rs: [r for r in rs if r["engine_uuid"] in e_set],
            lambda Q: Q.engine_uuid.one_of(engines),
            test=lambda r: r["engine_uuid"] in e_set,
        ),
        Workload(
            "time_range",
            "submitted in a window ($gt/$lt)",
            {"submitted": {"$gt": t1, "$lt": t2}},
            f"submitted > {_iso(t1)} and submitted < {_iso(t2)}",
            lambda rs: [r for r in rs if r["submitted"] is not None and t1 < r["submitted"] < t2],
            lambda Q: (Q.submitted > t1) & (Q.submitted < t2),
            test=lambda r: r["submitted"] is not None and t1 < r["submitted"] < t2,
        ),
        Workload(
            "status_ne_ok",
            "result status not ok (pending included: $ne matches missing)",
            {"result_header.status": {"$ne": "ok"}},
            'result_header.status != "ok"',
            lambda rs: [r for r in rs if st(r) != "ok"],
            lambda Q: ~(Q.result_header.status == "ok"),
            test=lambda r: (
                (h.get("status") if isinstance(h := r["result_header"], dict) else None) != "ok"
            ),
        ),
        Workload(
            "or_error_resubmitted",
            "errors or resubmitted tasks ($or)",
            {"$or": [{"result_header.status": "error"}, {"resubmitted": {"$ne": None}}]},
            'result_header.status == "error" or resubmitted != null',
            lambda rs: [r for r in rs if st(r) == "error" or r["resubmitted"] is not None],
            lambda Q: (Q.result_header.status == "error") | ~(Q.resubmitted == None),  # noqa: E711
            test=lambda r: (
                (h.get("status") if isinstance(h := r["result_header"], dict) else None) == "error"
                or r["resubmitted"] is not None
            ),
        ),
        Workload(
            "exists_ename",
            "tasks whose result has an exception name ($exists)",
            {"result_content.ename": {"$exists": True}},
            "result_content.ename exists",
            lambda rs: [
                r for r in rs if isinstance(c := r["result_content"], dict) and "ename" in c
            ],
            lambda Q: Q.result_content.ename.exists(),
            test=lambda r: isinstance(c := r["result_content"], dict) and "ename" in c,
        ),
        Workload(
            "engine_nin",
            "assigned tasks off 2 engines ($nin with null)",
            {"engine_uuid": {"$nin": [engines[0], engines[1], None]}},
            f"engine_uuid not in [{_q(engines[0])}, {_q(engines[1])}, null]",
            lambda rs: [r for r in rs if r["engine_uuid"] not in (engines[0], engines[1], None)],
            lambda Q: ~Q.engine_uuid.one_of([engines[0], engines[1], None]),
            test=lambda r: r["engine_uuid"] not in (engines[0], engines[1], None),
        ),
        Workload(
            "regex_msg_type",
            "execute requests (regex on header.msg_type)",
            {"header.msg_type": {"$regex": "^execute"}},
            "header.msg_type =~ /^execute/",
            lambda rs: [
                r
                for r in rs
                if isinstance(t := r["header"].get("msg_type"), str) and exec_re.search(t)
            ],
            lambda Q: Q.header.msg_type.search("^execute"),
            test=lambda r: (
                isinstance(t := r["header"].get("msg_type"), str) and exec_re.search(t) is not None
            ),
        ),
        Workload(
            "and4",
            "client + type + since + ok (4-term $and)",
            {
                "$and": [
                    {"client_uuid": client},
                    {"header.msg_type": "apply_request"},
                    {"submitted": {"$gte": t3}},
                    {"result_header.status": "ok"},
                ]
            },
            f'client_uuid == {_q(client)} and header.msg_type == "apply_request"'
            f' and submitted >= {_iso(t3)} and result_header.status == "ok"',
            lambda rs: [
                r
                for r in rs
                if r["client_uuid"] == client
                and r["header"].get("msg_type") == "apply_request"
                and r["submitted"] is not None
                and r["submitted"] >= t3
                and st(r) == "ok"
            ],
            lambda Q: (
                (Q.client_uuid == client)
                & (Q.header.msg_type == "apply_request")
                & (Q.submitted >= t3)
                & (Q.result_header.status == "ok")
            ),
            test=lambda r: (
                r["client_uuid"] == client
                and r["header"].get("msg_type") == "apply_request"
                and r["submitted"] is not None
                and r["submitted"] >= t3
                and (h.get("status") if isinstance(h := r["result_header"], dict) else None) == "ok"
            ),
        ),
        Workload(
            "no_match",
            "a client that does not exist",
            {"client_uuid": "no-such-client"},
            'client_uuid == "no-such-client"',
            lambda rs: [r for r in rs if r["client_uuid"] == "no-such-client"],
            lambda Q: Q.client_uuid == "no-such-client",
            test=lambda r: r["client_uuid"] == "no-such-client",
        ),
        Workload(
            "empty",
            "the empty query (every record)",
            {},
            "{}",
            lambda rs: list(rs),
            lambda Q: Q.noop(),
            typical=False,
            test=lambda r: True,
        ),
    ]
    params = {
        "client": client,
        "engines": engines,
        "msg_id": msg_id,
        "t1": _iso(t1),
        "t2": _iso(t2),
        "t3": _iso(t3),
    }
    return [Workload(**{**w.__dict__, "params": params}) for w in wl]


WORKLOAD_NAMES: tuple[str, ...] = (
    "pending",
    "client_outstanding",
    "msg_id_lookup",
    "engine_in",
    "time_range",
    "status_ne_ok",
    "or_error_resubmitted",
    "exists_ename",
    "engine_nin",
    "regex_msg_type",
    "and4",
    "no_match",
    "empty",
    HISTORY,
    INSERT,
)
