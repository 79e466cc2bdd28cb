"""Hypothesis strategies for fuzzing a query backend against querylang's reference semantics.

This module needs Hypothesis, an optional dependency: ``pip install "taskdb[strategies]"``
(importing it without Hypothesis installed raises ImportError).

Documents and queries draw field names and values from the same small pools, so a useful
share of random queries match random documents (an equality on ``a`` meets documents that
have an ``a`` with that value, through arrays and subdocuments).

Recipe: check your own ``find(docs, query) -> matching docs`` against the reference::

    from querylang.strategies import check_backend

    def find(docs, query):            # query is a MongoDB filter dict
        coll = mongomock.MongoClient().db.c
        if docs:
            coll.insert_many([dict(d, _id=i) for i, d in enumerate(docs)])
        return [docs[d["_id"]] for d in coll.find(query)]

    # AssertionError with a minimal counterexample; glob=False: MongoDB has no $glob
    check_backend(find, glob=False)

(docs/strategies.md has the details.)

or, inside your own test suite::

    from hypothesis import given, strategies as st
    from querylang import reference
    from querylang.strategies import documents, queries

    @given(st.lists(documents(), max_size=8), queries())
    def test_my_backend(docs, node):
        expected = [d for d in docs if reference.evaluate(node, d)]
        assert my_find(docs, node) == expected
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
import uuid
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple
from typing import Literal as _Lit

from hypothesis import given, settings
from hypothesis import strategies as st

from . import nodes as n
from .frontends.from_dict import from_dict
from .reference import evaluate
from .to_dict import to_dict

__all__ = [
    "DEFAULT_FIELDS",
    "TASK_RECORD_KEYS",
    "json_values",
    "documents",
    "task_records",
    "task_record_lists",
    "paths",
    "literals",
    "queries",
    "dict_queries",
    "task_queries",
    "check_backend",
]

#: Top-level field names of :func:`documents` (and first path components of :func:`paths`).
DEFAULT_FIELDS: tuple[str, ...] = ("a", "b", "c")
# Keys inside nested documents: numeric-looking keys meet array-index path components.
_KEYS = ("a", "b", "c", "a", "b", "0", "1")
_PATH_STEPS = ("a", "b", "c", "0", "1")

_UTC = _dt.UTC
_ZONES = (
    _UTC,
    _dt.timezone(_dt.timedelta(hours=5, minutes=30)),
    _dt.timezone(-_dt.timedelta(hours=8)),
)
_T0 = _dt.datetime(2024, 1, 1, tzinfo=_UTC)

_INTS = (0, 1, -1, 2, 3, 5)
_BIG_INTS = (2**31 - 1, 2**31, -(2**31) - 1, 2**53 + 1, 2**63 - 1, -(2**63), 2**64)
_FLOATS = (0.0, -0.0, 1.0, -1.0, 1.5, 2.0, math.nan, math.inf, -math.inf)
_STRINGS = ("", "a", "b", "ab", "ba", "A", "é", "日本", "apply_request", "1")
_BYTES = (b"", b"a", b"\x00\xff")
_DATES = (_T0, _T0 + _dt.timedelta(seconds=30), _T0.replace(tzinfo=None), _T0.astimezone(_ZONES[1]))
_PATTERNS = ("^a", "a", "b$", "^$", "^a.*b$", "[ab]", "^apply", "request$", "é", r"^\d+$")
_REGEX_FLAGS = ("", "", "i", "m", "s", "im")
# (divisor, remainder): mostly reachable remainders, negative ones, one that never matches.
_MODS = ((2, 0), (2, 1), (3, 0), (3, 2), (1, 0), (-2, 1), (4, -1), (2**40, 3), (3, 5))
_GLOBS = ("*", "a*", "*b", "?", "[ab]*", "*request", "apply_*", "")
_COMMON_TYPES = ("number", "string", "null", "array", "object", "int", "double", "bool")
_TYPE_NAMES = (
    *_COMMON_TYPES,
    *("binData", "date", "regex", "long", "decimal", "undefined", "objectId", "minKey", "maxKey"),
)


# --- values and documents ----------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _scalars(json_only: bool = False) -> st.SearchStrategy[Any]:
    """Scalars, biased (5:1) toward small shared pools so that equality queries hit."""
    small = st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from(_INTS),
        st.sampled_from(_INTS),
        st.sampled_from(_FLOATS[:6] if json_only else _FLOATS),
        st.sampled_from(_STRINGS),
        st.sampled_from(_STRINGS),
        *(() if json_only else (st.sampled_from(_BYTES), st.sampled_from(_DATES))),
    )
    wide = st.one_of(
        st.sampled_from(_BIG_INTS),
        st.integers(),
        st.floats(allow_nan=not json_only, allow_infinity=not json_only),
        st.text(max_size=4),
        *(() if json_only else (st.binary(max_size=4), _datetimes())),
    )
    return st.one_of(small, small, small, small, small, wide)


def _datetimes() -> st.SearchStrategy[_dt.datetime]:
    """Aware datetimes in a few zones, and naive ones (taken as local time by freeze)."""
    lo, hi = _dt.datetime(2000, 1, 1), _dt.datetime(2040, 1, 1)
    return st.one_of(
        st.datetimes(lo, hi, timezones=st.sampled_from(_ZONES)),
        st.datetimes(lo, hi),
    )


def json_values(
    max_depth: int = 3, *, keys: Sequence[str] | None = None, json_only: bool = False
) -> st.SearchStrategy[Any]:
    """JSON-like values: None, bools, ints (incl. big ones), floats (incl. NaN, -0.0, inf),
    strings, bytes, aware and naive datetimes, and lists and dicts (keys from ``keys``)
    nested up to ``max_depth`` levels.  ``json_only`` keeps to what plain JSON text can
    spell (no bytes, datetimes, NaN or infinities)."""
    return _json_value(max_depth, tuple(keys) if keys else _KEYS, json_only)


# Scalars come first so that Hypothesis shrinks toward them.
_SHAPES = ("scalar", "scalar", "list", "dict")


@st.composite
def _json_value(draw: st.DrawFn, depth: int, keys: tuple[str, ...], json_only: bool) -> Any:
    """One value; composite (not nested one_of) so that reprs and depth stay bounded."""
    shape = draw(st.sampled_from(_SHAPES)) if depth > 0 else "scalar"
    if shape == "scalar":
        return draw(_scalars(json_only))
    inner = _json_value(depth - 1, keys, json_only)
    if shape == "list":
        return draw(st.lists(inner, max_size=4))
    return draw(st.dictionaries(st.sampled_from(keys), inner, max_size=3))


def documents(
    fields: Sequence[str] | None = None, max_depth: int = 3
) -> st.SearchStrategy[dict[str, Any]]:
    """Free-form documents over a small key alphabet (``DEFAULT_FIELDS`` at the top)."""
    top = tuple(fields) if fields else DEFAULT_FIELDS
    value = json_values(max(max_depth - 1, 0))
    return st.fixed_dictionaries({}, optional=dict.fromkeys(top, value))


# --- ipyparallel TaskRecords -------------------------------------------------------------

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


def task_record_lists(min_size: int = 0, max_size: int = 20) -> st.SearchStrategy[list[dict]]:
    """Lists of :func:`task_records` with distinct msg_ids (at most 64)."""
    return st.lists(
        task_records(),
        min_size=min_size,
        max_size=min(max_size, len(MSG_IDS)),
        unique_by=lambda r: r["msg_id"],
    )


# --- query ASTs --------------------------------------------------------------------------


def paths(fields: Sequence[str] | None = None, max_length: int = 3) -> st.SearchStrategy[n.Path]:
    """Field paths: a first step from ``fields``, then names or array indexes ("0", "1")."""
    return _path(tuple(fields) if fields else DEFAULT_FIELDS, max_length)


@st.composite
def _path(draw: st.DrawFn, fields: tuple[str, ...], max_length: int) -> n.Path:
    # Mostly short: documents are shallow, and a path that leads nowhere tests little.
    extra = draw(st.sampled_from((0, 0, 0, 1, 1, 2)).filter(lambda k: k < max_length))
    steps = [draw(st.sampled_from(_PATH_STEPS)) for _ in range(extra)]
    return (draw(st.sampled_from(fields)), *steps)


_paths = paths  # queries() takes a parameter of the same name


def _regexes() -> st.SearchStrategy[n.Regex]:
    return st.builds(n.Regex, st.sampled_from(_PATTERNS), st.sampled_from(_REGEX_FLAGS))


def _in_int64(value: Any) -> bool:
    """Query literals are MongoDB values: no int beyond int64 (from_dict refuses them;
    stored documents may hold any int)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return -(2**63) <= value < 2**63
    if isinstance(value, dict):
        return all(_in_int64(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(_in_int64(v) for v in value)
    return True


def literals(values: st.SearchStrategy[Any] | None = None) -> st.SearchStrategy[n.Literal]:
    """Literal operands over the same value pools as :func:`documents` (ints within int64)."""
    pool = values if values is not None else json_values(2).filter(_in_int64)
    return pool.map(lambda v: n.Literal(n.freeze(v)))


class _Spec(NamedTuple):
    """What a query tree draws from: paths, literal operands, and whether $glob is allowed."""

    path: st.SearchStrategy[n.Path]
    lits: st.SearchStrategy[n.Literal]
    glob: bool = True


@functools.lru_cache(maxsize=64)
def _leaves(spec: _Spec) -> st.SearchStrategy[n.Node]:
    """Every single-field predicate, in the forms the dict front end can spell."""
    path, lits = spec.path, spec.lits
    regex_lit = _regexes().map(n.Literal)
    small = st.lists(lits | regex_lit, max_size=3).map(tuple)
    leaves = [
        st.builds(n.Compare, path, st.sampled_from(n.CMP_OPS), lits),
        st.builds(n.Compare, path, st.just("eq"), regex_lit),
        st.builds(n.In, path, small, st.booleans()),
        st.builds(n.All, path, st.lists(lits | regex_lit, min_size=1, max_size=2).map(tuple)),
        st.builds(n.Exists, path, st.booleans()),
        st.builds(
            n.Type,
            path,
            st.lists(
                st.sampled_from(_COMMON_TYPES) | st.sampled_from(_TYPE_NAMES),
                min_size=1,
                max_size=3,
                unique=True,
            ).map(tuple),
        ),
        st.builds(lambda p, dr: n.Mod(p, *dr), path, st.sampled_from(_MODS)),
        st.builds(n.Match, path, _regexes()),
        st.builds(n.Size, path, st.integers(0, 3)),
    ]
    if spec.glob:
        leaves.append(st.builds(n.Glob, path, st.sampled_from(_GLOBS)))
    return st.one_of(leaves)


def _op_keys(node: n.Node) -> list[str]:
    """The operator names a value-form condition occupies (they must not repeat)."""
    if isinstance(node, n.And):
        return [k for c in node.children for k in _op_keys(c)]
    if isinstance(node, n.Not):
        return ["$not"]
    if isinstance(node, n.Compare):
        return ["$" + node.op]
    if isinstance(node, n.In):
        return ["$nin" if node.negated else "$in"]
    return [type(node).__name__]


@st.composite
def _value_conditions(draw: st.DrawFn, spec: _Spec, depth: int) -> n.Node:
    """Conditions on an array element itself (path ``()``): the operator form of $elemMatch.
    One or two operators, never the same one twice (a dict cannot spell that)."""
    conds: list[n.Node] = []
    used: set[str] = set()
    for _ in range(draw(st.sampled_from((1, 1, 2, 3)))):
        if depth > 0 and draw(st.integers(0, 5)) == 0:
            sub = _value_conditions(spec, depth - 1)
            cond: n.Node = n.ElemMatch((), draw(sub), value_form=True)
        else:
            cond = draw(_leaves(spec._replace(path=_NO_PATH)))
        if draw(st.integers(0, 4)) == 0:
            cond = n.Not(cond)
        keys = set(_op_keys(cond))
        if not keys & used:
            used |= keys
            conds.append(cond)
    return conds[0] if len(conds) == 1 else n.And(tuple(conds))


_NO_PATH = st.just(())
_ATOMS = st.one_of(
    st.builds(n.Const, st.booleans()),
    st.builds(n.Comment, st.sampled_from(("", "hub", "why?")) | st.text(max_size=4)),
)
# Leaves come first so that Hypothesis shrinks toward them.
_KINDS = ("leaf", "leaf", "leaf", "atom", "and", "or", "nor", "not", "elem_doc", "elem_value")


@st.composite
def _tree(draw: st.DrawFn, spec: _Spec, depth: int) -> n.Node:
    """One query node; composite (not nested one_of) so reprs and depth stay bounded."""
    kind = draw(st.sampled_from(_KINDS)) if depth > 0 else "leaf"
    if kind == "leaf":
        return draw(_leaves(spec))
    if kind == "atom":
        return draw(_ATOMS)
    sub = _tree(spec, depth - 1)
    if kind in ("and", "or"):
        kids = tuple(draw(st.lists(sub, min_size=2, max_size=3)))
        return n.And(kids) if kind == "and" else n.Or(kids)
    if kind == "nor":
        return n.Nor(tuple(draw(st.lists(sub, min_size=1, max_size=2))))
    if kind == "not":
        return n.Not(draw(sub))
    if kind == "elem_doc":
        return n.ElemMatch(draw(spec.path), draw(sub), value_form=False)
    return n.ElemMatch(draw(spec.path), draw(_value_conditions(spec, depth - 1)), value_form=True)


def queries(
    paths: st.SearchStrategy[n.Path] | None = None,
    values: st.SearchStrategy[Any] | None = None,
    max_depth: int = 3,
    *,
    glob: bool = True,
) -> st.SearchStrategy[n.Node]:
    """Query ASTs using every node type, nested at most ``max_depth`` levels (``glob=False``
    leaves out ``$glob``, ipyparallel's extension that MongoDB itself does not know).

    ``paths`` draws field paths (default :func:`paths`), ``values`` the raw literal values
    (default ``json_values(2)``).  Trees stay within what :func:`querylang.to_dict` can
    spell (And/Or get two or more children, regex literals appear only in equality,
    $in/$nin and $all, value-form $elemMatch conditions use each operator once), so one tree can
    feed every front end and back end.
    """
    path = paths if paths is not None else _paths()
    return _tree(_Spec(path, literals(values), glob), max_depth)


# --- MongoDB filter dicts ----------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _field_ops(v: st.SearchStrategy[Any], json_only: bool, glob: bool) -> st.SearchStrategy[dict]:
    """One field's condition in the many spellings people write by hand."""
    pattern = st.sampled_from(_PATTERNS)
    flags = st.sampled_from(_REGEX_FLAGS)
    py_regex = st.builds(re.compile, pattern)
    cmp = st.sampled_from(("$eq", "$ne", "$gt", "$gte", "$lt", "$lte"))
    one_op = st.one_of(
        st.tuples(cmp, v),
        st.tuples(st.sampled_from(("$in", "$nin")), st.lists(v, max_size=3)),
        st.tuples(st.just("$all"), st.lists(v, min_size=1, max_size=3)),
        st.tuples(st.just("$exists"), st.sampled_from((True, False, 1, 0))),
        st.tuples(
            st.just("$type"),
            st.sampled_from((*_TYPE_NAMES, 1, 2, 4, 10, 16, 18))
            | st.lists(st.sampled_from(_TYPE_NAMES), min_size=1, max_size=2),
        ),
        st.tuples(
            st.just("$mod"),
            st.tuples(st.sampled_from((2, 3, -2, 2.5)), st.sampled_from((0, 1, -1, 1.9))).map(list),
        ),
        st.tuples(st.just("$size"), st.integers(0, 3) | st.sampled_from((1.0, 2.0))),
        *([st.tuples(st.just("$glob"), st.sampled_from(_GLOBS))] if glob else []),
        st.tuples(st.just("$regex"), pattern),
    )
    ops_doc = st.lists(one_op, min_size=1, max_size=2, unique_by=lambda kv: kv[0]).map(dict)
    regex_doc = st.builds(
        lambda p, f: {"$regex": p, "$options": f} if f else {"$regex": p}, pattern, flags
    )
    out = [v, ops_doc, ops_doc, regex_doc, ops_doc.map(lambda d: {"$not": d})]
    if not json_only:
        out += [
            py_regex,
            py_regex.map(lambda r: {"$not": r}),
            st.lists(v | py_regex, max_size=3).map(lambda xs: {"$in": xs}),
            st.lists(v | py_regex, min_size=1, max_size=3).map(lambda xs: {"$all": xs}),
        ]
    out.append(st.builds(lambda d: {"$elemMatch": d}, ops_doc))
    out.append(st.builds(lambda k, x: {"$elemMatch": {k: x}}, st.sampled_from(_KEYS[:3]), v))
    return st.one_of(*out)


def dict_queries(
    fields: Sequence[str] | None = None,
    values: st.SearchStrategy[Any] | None = None,
    max_depth: int = 2,
    *,
    json_only: bool = False,
    glob: bool = True,
) -> st.SearchStrategy[dict[str, Any]]:
    """MongoDB filter dicts that :func:`querylang.from_dict` accepts: implicit equality,
    operator documents, ``$regex``/``$options``, compiled ``re`` patterns, ``$type`` by
    name or number, float ``$mod`` operands, ``$elemMatch``, ``$and/$or/$nor``,
    ``$comment``, and ``to_dict`` of random :func:`queries`.  ``json_only`` keeps to what
    plain JSON text can spell; ``glob=False`` leaves out ipyparallel's ``$glob``."""
    v = values if values is not None else json_values(2, json_only=json_only).filter(_in_int64)
    top = tuple(fields) if fields else DEFAULT_FIELDS
    docs = _filter_doc(top, v, json_only, glob, max_depth)
    if json_only:
        return docs
    trees = queries(_paths(top), values, max_depth, glob=glob)
    return docs | trees.map(to_dict)


@st.composite
def _filter_doc(
    draw: st.DrawFn,
    fields: tuple[str, ...],
    v: st.SearchStrategy[Any],
    json_only: bool,
    glob: bool,
    depth: int,
) -> dict[str, Any]:
    """Field conditions, plus (above the last level) one logical operator or ``$comment``."""
    key = st.sampled_from(fields) | _paths(fields).map(".".join)
    out = draw(st.dictionaries(key, _field_ops(v, json_only, glob), max_size=3))
    extra = draw(st.sampled_from((None, "$and", "$or", "$nor", "$comment"))) if depth else None
    if extra == "$comment":
        out["$comment"] = draw(st.sampled_from(("hub", "")))
    elif extra is not None:
        sub = _filter_doc(fields, v, json_only, glob, depth - 1)
        out[extra] = draw(st.lists(sub, min_size=1, max_size=3))
    return out


# --- queries over TaskRecords ------------------------------------------------------------


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


# --- checking a backend ------------------------------------------------------------------


def _default_key(doc: Any) -> Hashable:
    return n.value_key(n.freeze(doc))


def check_backend(
    find: Callable[[list[dict[str, Any]], Any], Iterable[Any]],
    *,
    query_form: _Lit["dict", "node", "query"] = "dict",
    docs: st.SearchStrategy[list[dict[str, Any]]] | None = None,
    query_strategy: st.SearchStrategy[Any] | None = None,
    glob: bool = True,
    key: Callable[[Any], Hashable] = _default_key,
    max_examples: int | None = None,
) -> None:
    """Fuzz ``find(docs, query)`` (which returns the matching documents) against
    :func:`querylang.reference.evaluate`; raise AssertionError on a disagreement, shrunk to
    a minimal example by Hypothesis (an exception raised by ``find`` propagates likewise).

    ``query_form`` picks what ``find`` receives: a filter ``dict``, an AST ``node``, or a
    :class:`querylang.Query`; ``query_strategy`` replaces the default strategy for them
    (:func:`dict_queries` or :func:`queries`), and ``glob=False`` drops ``$glob`` from the
    defaults for backends that, like MongoDB, do not know it.

    Results are compared as multisets of ``key(doc)`` (by default the frozen value, so a
    backend may return copies, in any order); pass a ``key`` that drops fields your backend
    adds, such as ``_id``.
    """
    from .query import Query

    doc_lists = docs if docs is not None else st.lists(documents(), max_size=8)
    if query_strategy is not None:
        qs: st.SearchStrategy[Any] = query_strategy
    elif query_form == "dict":
        qs = dict_queries(glob=glob)
    else:
        qs = queries(glob=glob).map(Query) if query_form == "query" else queries(glob=glob)

    def node_of(q: Any) -> n.Node:
        if isinstance(q, Mapping):
            return from_dict(q)
        return q.node if isinstance(q, Query) else q

    @given(doc_lists, qs)
    def run(ds: list[dict[str, Any]], q: Any) -> None:
        node = node_of(q)
        want = Counter(key(d) for d in ds if evaluate(node, d))
        got = Counter(key(d) for d in find(ds, q))
        assert got == want, f"backend disagrees with the reference on {q!r}"

    # One minimal failure is easier to act on than a group of them.
    if max_examples is None:
        run = settings(report_multiple_bugs=False)(run)
    else:
        run = settings(report_multiple_bugs=False, max_examples=max_examples)(run)
    run()
