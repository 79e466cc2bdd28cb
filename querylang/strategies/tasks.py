"""Strategies for ipyparallel TaskRecords and the queries the hub sends about them.

Records and queries share small id pools (:data:`MSG_IDS`, :data:`CLIENTS`,
:data:`ENGINES`) and times near one epoch, so the hub's typical queries find records.
"""

from __future__ import annotations

import datetime as _dt
import functools
import uuid
from typing import Any

from hypothesis import strategies as st

from ._pools import BYTES as _BYTES
from ._pools import T0 as _T0

__all__ = [
    "TASK_RECORD_KEYS",
    "MSG_IDS",
    "CLIENTS",
    "ENGINES",
    "task_records",
    "task_record_lists",
    "task_queries",
]

#: The keys of an ipyparallel 9 TaskRecord (``ipyparallel.controller.hub.empty_record``).
TASK_RECORD_KEYS: frozenset[str] = frozenset(
    (
        *("msg_id", "header", "metadata", "content", "buffers", "submitted", "client_uuid"),
        *("engine_uuid", "started", "completed", "resubmitted", "received", "result_header"),
        *("result_metadata", "result_content", "result_buffers", "queue", "execute_input"),
        *("execute_result", "error", "stdout", "stderr", "label"),
    )
)


def _uuids(tag: str, count: int) -> tuple[str, ...]:
    return tuple(str(uuid.uuid5(uuid.NAMESPACE_URL, f"taskdb:{tag}:{i}")) for i in range(count))


#: The pools of ids records and queries share: 64 msg_ids, 3 clients, 4 engines.
MSG_IDS = _uuids("msg", 64)
CLIENTS = _uuids("client", 3)
ENGINES = _uuids("engine", 4)
_MSG_TYPES = ("apply_request", "execute_request")
_STATUSES = ("ok", "ok", "error", "aborted")


def _task_time(max_seconds: int = 3600) -> st.SearchStrategy[_dt.datetime]:
    return st.integers(0, max_seconds).map(lambda s: _T0 + _dt.timedelta(seconds=s))


@st.composite
def task_records(draw: st.DrawFn) -> dict[str, Any]:
    """A dict shaped like an ipyparallel TaskRecord, in one of its life stages: submitted,
    sent to an engine, or finished (``submitted <= started <= completed <= received``).

    Ids come from small pools (64 msg_ids, 3 clients, 4 engines) so queries hit; draw lists
    with :func:`task_record_lists`, which keeps msg_ids unique as a database needs.
    """
    msg_id = draw(st.sampled_from(MSG_IDS))
    client = draw(st.sampled_from(CLIENTS))
    msg_type = draw(st.sampled_from(_MSG_TYPES))
    submitted = draw(_task_time())
    stage = draw(st.sampled_from(("submitted", "assigned", "finished", "finished")))
    label = draw(st.none() | st.sampled_from(("train", "eval")))
    header = {
        "msg_id": msg_id,
        "msg_type": msg_type,
        "date": submitted,
        "session": client,
        "username": draw(st.sampled_from(("alice", "bob"))),
        "version": "5.3",
    }
    if msg_type == "execute_request":
        content: dict[str, Any] = {
            "code": draw(st.sampled_from(("1+1", "import os"))),
            "silent": False,
        }
    else:
        content = {}
    rec: dict[str, Any] = dict.fromkeys(TASK_RECORD_KEYS)
    rec.update(
        msg_id=msg_id,
        header=header,
        metadata={"label": label} if label else {},
        content=content,
        buffers=draw(st.lists(st.sampled_from(_BYTES), max_size=2)),
        submitted=submitted,
        client_uuid=client,
        stdout="",
        stderr="",
        label=label,
    )
    if draw(st.integers(0, 5)) == 0:
        rec["resubmitted"] = draw(st.sampled_from(MSG_IDS))
    if stage == "submitted":
        return rec
    engine = draw(st.sampled_from(ENGINES))
    rec.update(engine_uuid=engine, queue=draw(st.sampled_from(("mux", "task"))))
    if stage == "assigned":
        return rec
    started = submitted + _dt.timedelta(seconds=draw(st.integers(0, 60)))
    completed = started + _dt.timedelta(seconds=draw(st.integers(0, 600)))
    received = completed + _dt.timedelta(microseconds=draw(st.integers(0, 999_999)))
    status = draw(st.sampled_from(_STATUSES))
    reply_type = msg_type.replace("_request", "_reply")
    rec.update(
        started=started,
        completed=completed,
        received=received,
        result_header={
            "msg_id": draw(st.sampled_from(MSG_IDS)),
            "msg_type": reply_type,
            "date": completed,
            "session": engine,
            "username": header["username"],
            "version": "5.3",
            "status": status,
        },
        result_metadata={"status": status, "engine_id": ENGINES.index(engine), "started": started},
        result_content={"status": status}
        if status == "ok"
        else {"status": status, "ename": "ValueError", "evalue": "boom", "traceback": []},
        result_buffers=draw(st.lists(st.sampled_from(_BYTES), max_size=2)),
    )
    if status == "error":
        rec["error"] = {"ename": "ValueError", "evalue": "boom"}
    if msg_type == "execute_request":
        rec["execute_input"] = content["code"]
        rec["stdout"] = draw(st.sampled_from(("", "2\n")))
    return rec


def task_record_lists(
    min_size: int = 0, max_size: int = 20
) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Lists of :func:`task_records` with distinct msg_ids (at most 64)."""
    return st.lists(
        task_records(),
        min_size=min_size,
        max_size=min(max_size, len(MSG_IDS)),
        unique_by=lambda r: r["msg_id"],
    )


def task_queries() -> st.SearchStrategy[dict[str, Any]]:
    """Filter dicts like the ones the ipyparallel hub and its users send to the task DB:
    pending tasks, a client's outstanding tasks, msg_id and engine ``$in``, time ranges
    around the records' times, regexes on ``header.msg_type``, status ``$ne``..."""
    return _task_query()


@st.composite
def _task_query(draw: st.DrawFn) -> dict[str, Any]:
    return draw(_task_query_strategy())


@functools.lru_cache(maxsize=1)
def _task_query_strategy() -> st.SearchStrategy[dict[str, Any]]:
    t = _task_time(4000)
    client = st.sampled_from(CLIENTS)
    engine = st.sampled_from(ENGINES)
    when = st.sampled_from(("submitted", "started", "completed", "received"))
    null_or = st.sampled_from((None, {"$ne": None}, {"$exists": True}))
    simple = st.one_of(
        st.builds(
            lambda ids: {"msg_id": {"$in": ids}}, st.lists(st.sampled_from(MSG_IDS), max_size=20)
        ),
        st.builds(lambda m: {"msg_id": m}, st.sampled_from(MSG_IDS)),
        st.just({"completed": None}),
        st.builds(lambda c: {"client_uuid": c, "completed": None}, client),
        st.builds(lambda e: {"engine_uuid": e, "completed": None}, engine),
        st.builds(
            lambda es: {"engine_uuid": {"$in": es}}, st.lists(engine | st.none(), max_size=3)
        ),
        st.builds(lambda w, lo, hi: {w: {"$gte": lo, "$lt": hi}}, when, t, t),
        st.builds(lambda w, x: {w: {"$gt": x}}, when, t),
        st.builds(lambda w, x: {w: {"$lte": x.replace(tzinfo=None)}}, when, t),
        st.builds(lambda w, x: {w: x}, when, null_or),
        st.builds(
            lambda p: {"header.msg_type": {"$regex": p}},
            st.sampled_from(("^apply", "execute", "request$", "^x")),
        ),
        st.builds(lambda m: {"header.msg_type": m}, st.sampled_from(_MSG_TYPES)),
        st.builds(lambda s: {"result_header.status": {"$ne": s}}, st.sampled_from(_STATUSES)),
        st.builds(lambda s: {"result_content.status": s}, st.sampled_from(_STATUSES)),
        st.builds(lambda r: {"resubmitted": r}, null_or),
        st.builds(lambda k: {k: {"$size": 0}}, st.sampled_from(("buffers", "result_buffers"))),
        st.builds(lambda lab: {"label": lab}, st.sampled_from((None, "train", "eval"))),
        st.builds(lambda q: {"queue": q}, st.sampled_from(("mux", "task"))),
        st.just({"error": {"$ne": None}}),
        st.just({"stdout": {"$glob": "*2*"}}),
    )
    combined = st.lists(simple, min_size=2, max_size=3)
    return st.one_of(
        simple,
        simple,
        combined.map(lambda qs: {"$and": qs}),
        combined.map(lambda qs: {"$or": qs}),
        st.builds(lambda q: {"$nor": [q]}, simple),
    )
