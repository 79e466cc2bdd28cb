"""The stored form of a record: one flat tuple of its leaves, read through a shared shape.

A task record is a small tree: a dict of ~14 fields, a few nested dicts (header,
result_header...) and lists of bytes (buffers).  Kept as dicts and lists, a private copy
costs ~1,300 bytes of containers and stays tracked by the cyclic garbage collector (in
CPython any container holding a dict or a list is), so every full collection walks every
stored record.

Stored here, a record is one tuple, ``(shape id, record id, slot, slot, ...)``:

- a dict's values fill consecutive slots, in order; a nested dict's slot holds None and
  its own slots follow its parent's, depth first;
- an immutable leaf (str, int, float, bool, None, bytes, datetime...) is its own slot,
  shared with the caller;
- a list of immutable leaves holds None, its items following like a nested dict's slots
  (a long one is one slot, a tuple of them);
- anything else (a bytearray, a memoryview, a list of dicts, a set, an object) is one
  slot holding a private copy (:func:`~taskdb.copying.copy_value`).

Such a tuple holds no container the collector must track, so the collector stops tracking
it (CPython untracks a tuple of untracked items when a collection meets it: a list's
tuple at the first, the record at the next).  The *shape* -- each dict's keys in order and
which slots are lists, copies or nested dicts -- is shared by every record built alike, and
compiles (once, lazily) the functions that read records of that shape:

- :func:`builder`: a fresh copy of the whole record, the caller's own;
- :func:`viewer`: for a query, a dict holding just the paths the query reads (complete at
  each path, partial above it), plus the packed tuple under :data:`SLOT`;
- :func:`projector`: ``find_records(keys=...)``'s dict.

Records too odd to shape (cyclic, very deep or wide, or past :data:`MAX_SHAPES` distinct
shapes) are kept as a private dict copy under the generic shape 0.  Generated code binds
every key as a name, never spells one: record data never becomes code.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from functools import partial
from operator import itemgetter
from types import CodeType
from typing import Any, Final, TypeAlias

from .copying import ATOMIC, copy_record, copy_value

__all__ = [
    "SLOT",
    "GENERIC",
    "MAX_SHAPES",
    "Packed",
    "pack",
    "builder",
    "builders",
    "unpack",
    "field",
    "viewer",
    "viewers",
    "projector",
    "projectors",
    "projection",
    "copy_all",
    "view_all",
    "shape",
    "layout",
    "shape_count",
    "LEAF",
    "LIST",
    "COPY",
    "SHORT",
    "Trie",
]

#: A packed record: ``(shape id, record id, *slots)``.
Packed: TypeAlias = tuple[Any, ...]
#: Paths a query reads, as a trie: component -> subtrie, ``FULL`` where a path ends.  None
#: means the whole record.
Trie: TypeAlias = "tuple[tuple[str, Trie | None], ...]"

#: Slot kinds (a nested dict's kind is its shape: ``(keys, kinds)``; a short list of ``n``
#: leaves has kind ``SHORT + n``: its slot holds None and its items follow, like a dict's).
LEAF: Final = 0
LIST: Final = 1
COPY: Final = 2
SHORT: Final = 16
#: Lists of leaves up to this long are stored inline (longer ones as one tuple slot).
MAX_SHORT = 8
#: Shape id of records stored as a private dict copy.
GENERIC: Final = 0
#: Distinct shapes are interned up to this many; later ones are stored generically.
MAX_SHAPES = 4096
#: Dicts nested deeper, or records with more slots, are stored generically (generated
#: code must stay within Python's parser limits).
MAX_DEPTH = 40
MAX_SLOTS = 4000


class _Slot:
    __slots__ = ()

    def __repr__(self) -> str:
        return "SLOT"


#: The key under which a view holds its packed record.  Not a str: no query path reaches it.
SLOT: Final = _Slot()

_ATOMIC = ATOMIC
DictShape: TypeAlias = tuple[tuple[Hashable, ...], tuple[Any, ...] | None]


class _TooOdd(Exception):
    """A record the packed form does not take (deep, wide, cyclic)."""


def _fill(d: dict[Any, Any], out: list[Any], depth: int) -> DictShape:
    """Append ``d``'s slots (then its nested dicts' and short lists') to ``out``; return its
    shape."""
    if depth > MAX_DEPTH:
        raise _TooOdd
    start = len(out)
    values = d.values()
    out.extend(values)
    if _ATOMIC.issuperset(map(type, values)):
        return (tuple(d), None)
    kinds: list[Any] = []
    nested: list[tuple[int, Any]] = []
    for i in range(start, len(out)):
        v = out[i]
        t = type(v)
        if t in _ATOMIC:
            kinds.append(LEAF)
        elif t is dict or (t is list and len(v) <= MAX_SHORT and _ATOMIC.issuperset(map(type, v))):
            out[i] = None
            nested.append((len(kinds), v))
            kinds.append(None)  # filled in below, in order
        elif t is list and _ATOMIC.issuperset(map(type, v)):
            out[i] = tuple(v)
            kinds.append(LIST)
        else:
            out[i] = copy_value(v)
            kinds.append(COPY)
    for j, v in nested:
        if type(v) is dict:
            kinds[j] = _fill(v, out, depth + 1)
        else:
            out.extend(v)
            kinds[j] = SHORT + len(v)
    return (tuple(d), tuple(kinds))


#: A generated packer: the record's values and id -> its packed form (None: not its variant).
_Packer: TypeAlias = Callable[[tuple[Any, ...], Hashable], "Packed | None"]


class _TopPlan:
    """What packing a record with given keys and value classes takes (cached by both).

    ``children``: its dicts and lists in key order, as ``(position, is a dict)``;
    ``copies``: positions of other values copied; ``kinds``: the kinds of the rest;
    ``lens``: reads the lengths of its children; ``fast``: children's lengths -> a packer
    generated for that variant (see :func:`_gen_packer`).
    """

    __slots__ = ("children", "copies", "kinds", "lens", "fast")

    def __init__(self, classes: tuple[type, ...]) -> None:
        children, copies = [], []
        kinds: list[Any] = [LEAF] * len(classes)
        for i, t in enumerate(classes):
            if t is dict or t is list:
                children.append((i, t is dict))
            elif t not in _ATOMIC:
                copies.append(i)
                kinds[i] = COPY
        self.children = tuple(children)
        self.copies = tuple(copies)
        self.kinds = kinds
        at = [i for i, _ in children]
        self.lens: Callable[[tuple[Any, ...]], tuple[int, ...]] | None = (
            None if not at else partial(_lengths, itemgetter(*at) if len(at) > 1 else _one(at[0]))
        )
        self.fast: dict[tuple[int, ...], _Packer | None] = {}


def _one(i: int) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    return lambda values: (values[i],)


def _lengths(get: Callable[[tuple[Any, ...]], Any], values: tuple[Any, ...]) -> tuple[int, ...]:
    return tuple(map(len, get(values)))


_TOP_PLANS: dict[tuple[tuple[Any, ...], tuple[type, ...]], _TopPlan] = {}
#: Generated packers kept per top plan (one per combination of its children's lengths).
MAX_VARIANTS = 64


def _fill_top(
    d: dict[Any, Any], out: list[Any], plan: _TopPlan, keys: tuple[Any, ...]
) -> DictShape:
    """:func:`_fill` for the record itself, guided by its plan; all-leaf nested dicts are
    taken inline."""
    out.extend(d.values())
    children, copies = plan.children, plan.copies
    if not (children or copies):
        return (keys, None)
    kinds = plan.kinds.copy()
    for i in copies:
        out[2 + i] = copy_value(out[2 + i])
    for i, is_dict in children:
        v = out[2 + i]
        if is_dict:
            out[2 + i] = None
            nested = v.values()
            if _ATOMIC.issuperset(map(type, nested)):
                out.extend(nested)
                kinds[i] = (tuple(v), None)
            else:
                kinds[i] = _fill(v, out, 1)
        elif _ATOMIC.issuperset(map(type, v)):
            if len(v) <= MAX_SHORT:
                out[2 + i] = None
                out.extend(v)
                kinds[i] = SHORT + len(v)
            else:
                out[2 + i] = tuple(v)
                kinds[i] = LIST
        else:
            out[2 + i] = copy_value(v)
            kinds[i] = COPY
    return (keys, tuple(kinds))


class _Registry:
    """Every shape seen, by id, and the functions compiled for them (process-wide)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids: dict[DictShape, int] = {}
        self.shapes: list[DictShape | None] = [None]  # id 0: generic
        #: shape id -> builder (a stub until first used)
        self.builders: list[Callable[[Packed], dict[str, Any]]] = [_build_generic]
        #: trie -> [shape id -> viewer]
        self.viewers: dict[Trie | None, list[Callable[[Packed], dict[Any, Any]]]] = {}
        #: keys -> [shape id -> projector]
        self.projectors: dict[tuple[Any, ...], list[Callable[[Packed], dict[Any, Any]]]] = {}
        #: shape id -> {top-level key: its index in t}, except nested dicts
        self.tops: list[dict[Any, int | slice[int, int, None]] | None] = [None]

    def intern(self, shape: DictShape) -> int:
        with self.lock:
            sid = self.ids.get(shape)
            if sid is not None:
                return sid
            if len(self.shapes) >= MAX_SHAPES:
                return GENERIC
            sid = len(self.shapes)
            self.shapes.append(shape)
            self.tops.append(None)
            self.builders.append(_stub(self.builders, sid, _gen_builder))
            for trie, fns in self.viewers.items():
                fns.append(_stub(fns, sid, partial(_gen_viewer, trie)))
            for keys, fns in self.projectors.items():
                fns.append(_stub(fns, sid, partial(_gen_projector, keys)))
            self.ids[shape] = sid
            return sid


def _stub(
    table: list[Callable[[Packed], Any]], sid: int, gen: Callable[[int], Callable[[Packed], Any]]
) -> Callable[[Packed], Any]:
    """A placeholder that compiles the real function on first use and takes its place."""

    def first(t: Packed) -> Any:
        fn = gen(sid)
        table[sid] = fn
        return fn(t)

    return first


def _build_generic(t: Packed) -> dict[str, Any]:
    return copy_record(t[2])


_REG = _Registry()


def pack(rec: Mapping[str, Any], rid: Hashable) -> Packed:
    """The stored form of ``rec`` (stored under ``rid``): shares only immutable leaves."""
    d = rec if type(rec) is dict else dict(rec)
    values = d.values()
    keys = tuple(d)
    sig = (keys, tuple(map(type, values)))
    plan = _TOP_PLANS.get(sig)
    if plan is None:
        if len(_TOP_PLANS) > MAX_SHAPES:
            _TOP_PLANS.clear()
        plan = _TOP_PLANS[sig] = _TopPlan(sig[1])
    lens = None
    if plan.lens is not None:  # a packer generated for records built alike, if any
        vals = tuple(values)
        lens = plan.lens(vals)
        fast = plan.fast.get(lens)
        if fast is not None:
            t = fast(vals, rid)
            if t is not None:
                return t
    out: list[Any] = [GENERIC, rid]
    try:
        shape = _fill_top(d, out, plan, keys)
    except (_TooOdd, RecursionError):
        return (GENERIC, rid, copy_record(d))
    if len(out) > MAX_SLOTS:
        return (GENERIC, rid, copy_record(d))
    sid = _REG.ids.get(shape)
    if sid is None:
        sid = _REG.intern(shape)
        if sid == GENERIC:
            return (GENERIC, rid, copy_record(d))
    if lens is not None and lens not in plan.fast and len(plan.fast) < MAX_VARIANTS:
        plan.fast[lens] = _gen_packer(plan, shape, sid)
    out[0] = sid
    return tuple(out)


def _gen_packer(plan: _TopPlan, shape: DictShape, sid: int) -> _Packer | None:
    """A packer for records of ``plan`` whose children are shaped as in ``shape``: it
    checks each nested dict's keys and that nested values and list items are leaves (None
    if not: the general path decides), then builds the tuple in one go.  None when a child
    is deeper than one level or is copied."""
    kinds = shape[1]
    assert kinds is not None
    g = _Gen()
    n = len(kinds)
    names = [f"v{i}" for i in range(n)]
    checks: list[str] = []
    slots: list[str] = []
    tail: list[str] = []
    superset = g.name(_ATOMIC.issuperset)
    for i, kind in enumerate(kinds):
        v = names[i]
        if kind == LEAF:
            slots.append(v)
        elif i in plan.copies:
            slots.append(f"{g.name(copy_value)}({v})")
        elif isinstance(kind, tuple):
            if kind[1] is not None:
                return None
            checks.append(f"tuple({v}) != {g.name(kind[0])}")
            checks.append(f"not {superset}(map(type, {v}.values()))")
            slots.append("None")
            tail.append(f"*{v}.values()")
        elif kind == LIST or kind >= SHORT:
            checks.append(f"not {superset}(map(type, {v}))")
            if kind == LIST:
                slots.append(f"tuple({v})")
            else:
                slots.append("None")
                tail.append(f"*{v}")
        else:
            return None  # a copied list
    test = " or ".join(checks) or "False"
    expr = f"None if {test} else ({sid}, rid, {', '.join([*slots, *tail])})"
    code = [
        "def fn(vals, rid):",
        f"    {', '.join(names)}, = vals",
        f"    return {expr}",
    ]
    return g.compile_lines(code, {"tuple": tuple, "map": map, "type": type})


def builders() -> list[Callable[[Packed], dict[str, Any]]]:
    """Shape id -> the function copying a packed record out (index it with ``t[0]``)."""
    return _REG.builders


def builder(sid: int) -> Callable[[Packed], dict[str, Any]]:
    return _REG.builders[sid]


def unpack(t: Packed) -> dict[str, Any]:
    """A fresh copy of the record ``t`` holds: the caller's own."""
    return _REG.builders[t[0]](t)


def field(t: Packed, key: Any, default: Any) -> Any:
    """The top-level value ``key`` of ``t`` as stored (a list as a tuple, a nested dict
    copied out), or ``default``.  For index maintenance: never mutate the result."""
    sid = t[0]
    if sid == GENERIC:
        return t[2].get(key, default)
    tops = _REG.tops[sid]
    if tops is None:
        tops = _REG.tops[sid] = _top_positions(sid)
    pos = tops.get(key)
    if pos is not None:
        return t[pos]
    shape = _REG.shapes[sid]
    assert shape is not None
    if key not in shape[0]:
        return default
    return _REG.builders[sid](t)[key]  # a nested dict: rare for an indexed field


def shape(sid: int) -> DictShape | None:
    """The shape of records with id ``sid`` (None: the generic shape 0)."""
    return _REG.shapes[sid]


def layout(dict_shape: DictShape, start: int) -> list[tuple[Any, Any, int]]:
    """``[(key, kind, position)]`` of a dict of shape ``dict_shape`` whose slots begin at
    ``start``: kinds :data:`LEAF`, :data:`LIST`, :data:`COPY`, ``SHORT + n`` (a short list
    at ``position``) or a nested dict's shape (its slots beginning at ``position``)."""
    return _layout(dict_shape, start)[0]


def shape_count() -> int:
    return len(_REG.shapes)


def _top_positions(sid: int) -> dict[Any, int | slice[int, int, None]]:
    """Top-level key -> the index (a slice for a short list) of its value in ``t``."""
    shape = _REG.shapes[sid]
    assert shape is not None
    entries, _ = _layout(shape, 2)
    return {
        k: pos if kind < SHORT else slice(pos, pos + kind - SHORT)
        for k, kind, pos in entries
        if not isinstance(kind, tuple)
    }


# --- code generation ---------------------------------------------------------------------


class _Gen:
    """One generated function ``fn(t)``: its keys become constants, its helpers globals.

    Keys are written as placeholder string literals (so dict displays compile to
    ``BUILD_CONST_KEY_MAP``) and swapped for the real keys in the compiled code's
    constants: a key is never spelled as source.  ``unpack`` reads the slots of ``t`` with
    one tuple unpacking instead of one subscript each (for functions reading most slots).
    """

    def __init__(self, unpack: int = 0) -> None:
        self.keys: dict[str, Any] = {}
        self.helpers: dict[str, Any] = {}
        self.unpack = unpack

    def key(self, k: Any) -> str:
        placeholder = f"\x00{len(self.keys)}"
        self.keys[placeholder] = k
        return repr(placeholder)

    def name(self, value: Any) -> str:
        name = f"H{len(self.helpers)}"
        self.helpers[name] = value
        return name

    def at(self, pos: int) -> str:
        return f"a{pos}" if self.unpack else f"t[{pos}]"

    def compile(self, expr: str, params: str = "t") -> Callable[..., Any]:
        lines = [f"def fn({params}):"]
        if self.unpack:
            lines.append("    " + ", ".join(f"a{i}" for i in range(self.unpack)) + ", = t")
        lines.append(f"    return {expr}")
        return self.compile_lines(lines)

    def compile_lines(
        self, lines: list[str], builtins: dict[str, Any] | None = None
    ) -> Callable[..., Any]:
        """Compile the function ``fn`` that ``lines`` define."""
        namespace: dict[str, Any] = {"__builtins__": builtins or {}, **self.helpers}
        exec(compile("\n".join(lines), "<taskdb.packing>", "exec"), namespace)  # noqa: S102
        fn: Callable[..., Any] = namespace["fn"]
        fn.__code__ = self._real(fn.__code__)
        return fn

    def _real(self, c: Any) -> Any:
        """``c`` (a constant) with every placeholder swapped for its key."""
        if type(c) is tuple:
            return tuple(map(self._real, c))
        if type(c) is str:
            return self.keys.get(c, c)
        if type(c) is CodeType:  # a comprehension's code
            return c.replace(co_consts=tuple(map(self._real, c.co_consts)))
        return c


def _layout(shape: DictShape, start: int) -> tuple[list[tuple[Any, Any, int]], int]:
    """``([(key, kind, position)], end)``: each slot of the dict ``shape`` whose slots begin
    at ``start``; a nested dict's or short list's position is where its own slots begin."""
    keys, kinds = shape
    n = len(keys)
    entries: list[tuple[Any, Any, int]] = []
    cursor = start + n
    for i, k in enumerate(keys):
        kind = LEAF if kinds is None else kinds[i]
        if isinstance(kind, tuple):
            _, end = _layout(kind, cursor)
            entries.append((k, kind, cursor))
            cursor = end
        elif kind >= SHORT:
            entries.append((k, kind, cursor))
            cursor += kind - SHORT
        else:
            entries.append((k, kind, start + i))
    return entries, cursor


def _value(g: _Gen, kind: Any, pos: int, copy: bool) -> str:
    """The expression for one slot's full value (fresh containers; ``copy``: copies too)."""
    if kind == LEAF:
        return g.at(pos)
    if kind == LIST:
        return f"{g.name(list)}({g.at(pos)})"
    if kind == COPY:
        return f"{g.name(copy_value)}({g.at(pos)})" if copy else g.at(pos)
    if not isinstance(kind, tuple):
        return "[" + "".join(f"{g.at(p)}, " for p in range(pos, pos + kind - SHORT)) + "]"
    return _dict(g, kind, pos, copy)


def _dict(g: _Gen, shape: DictShape, start: int, copy: bool) -> str:
    entries, _ = _layout(shape, start)
    items = [f"{g.key(k)}: {_value(g, kind, pos, copy)}" for k, kind, pos in entries]
    return "{" + ", ".join(items) + "}"


def _gen_builder(sid: int) -> Callable[[Packed], dict[str, Any]]:
    shape = _REG.shapes[sid]
    assert shape is not None
    g = _Gen(unpack=_layout(shape, 2)[1])
    return g.compile(_builder_expr(g, sid))


def _partial(g: _Gen, shape: DictShape, start: int, trie: Trie) -> list[str]:
    """The entries of a view of the dict ``shape``: each trie component it has, complete
    where a path ends or meets a non-dict, else a view of the nested dict."""
    entries, _ = _layout(shape, start)
    by_key = {k: (kind, pos) for k, kind, pos in entries}
    items = []
    for comp, sub in trie:
        hit = by_key.get(comp)
        if hit is None:
            continue
        kind, pos = hit
        key = g.key(comp)
        if sub is None or not isinstance(kind, tuple):
            items.append(f"{key}: {_value(g, kind, pos, copy=False)}")
        else:
            items.append(f"{key}: {{{', '.join(_partial(g, kind, pos, sub))}}}")
    return items


def _gen_viewer(trie: Trie | None, sid: int) -> Callable[[Packed], dict[Any, Any]]:
    shape = _REG.shapes[sid]
    assert shape is not None
    g = _Gen(unpack=_layout(shape, 2)[1] if trie is None else 0)
    return g.compile(_viewer_expr(trie, g, sid))


def _view_generic(trie: Trie | None) -> Callable[[Packed], dict[Any, Any]]:
    if trie is None:
        return _build_generic
    return lambda t: {**t[2], SLOT: t}


def viewers(trie: Trie | None) -> list[Callable[[Packed], dict[Any, Any]]]:
    """Shape id -> the viewer of records of that shape for a query reading ``trie``.

    A view is a dict the query's predicate gives the record's answer on: every path in
    ``trie`` leads to the record's complete value there (values are the stored objects,
    not copies: the predicate only reads them); what lies off those paths is left out.
    With a ``trie`` the view also holds the packed record under :data:`SLOT`; with None
    (the query reads the whole record) it is the whole record, without.
    """
    fns = _REG.viewers.get(trie)
    if fns is not None:
        return fns
    with _REG.lock:
        fns = _REG.viewers.get(trie)
        if fns is None:
            if len(_REG.viewers) > 1024:
                _REG.viewers.clear()
            fns = [_view_generic(trie)]
            for sid in range(1, len(_REG.shapes)):
                fns.append(_stub(fns, sid, partial(_gen_viewer, trie)))
            _REG.viewers[trie] = fns
    return fns


def viewer(sid: int, trie: Trie | None) -> Callable[[Packed], dict[Any, Any]]:
    return viewers(trie)[sid]


def _projection_plan(keys: tuple[Any, ...], sid: int) -> tuple[tuple[Any, Any, int], ...]:
    """``(key, kind, position)`` of each entry of ``find_records(keys=keys)``'s dict for a
    record of shape ``sid``: msg_id first (the record's, else its id at ``t[1]``)."""
    shape = _REG.shapes[sid]
    assert shape is not None
    entries, _ = _layout(shape, 2)
    by_key = {k: (kind, pos) for k, kind, pos in entries}
    items: list[tuple[Any, Any, int]] = []
    for k in ("msg_id", *keys):
        hit = by_key.get(k)
        if hit is not None:
            items.append((k, *hit))
        elif k == "msg_id" and not items:
            items.append((k, LEAF, 1))
    return tuple(items)


def _projection_expr(g: _Gen, plan: tuple[tuple[Any, Any, int], ...]) -> str:
    return (
        "{" + ", ".join(f"{g.key(k)}: {_value(g, kind, pos, True)}" for k, kind, pos in plan) + "}"
    )


def _gen_projector(keys: tuple[Any, ...], sid: int) -> Callable[[Packed], dict[Any, Any]]:
    g = _Gen()
    return g.compile(_projector_expr(keys, g, sid))


def _project_generic(keys: tuple[Any, ...]) -> Callable[[Packed], dict[Any, Any]]:
    def project(t: Packed) -> dict[Any, Any]:
        rec = t[2]
        d = {"msg_id": copy_value(rec["msg_id"]) if "msg_id" in rec else t[1]}
        for key in keys:
            if key in rec:
                d[key] = copy_value(rec[key])
        return d

    return project


def projectors(keys: Iterable[Any]) -> list[Callable[[Packed], dict[Any, Any]]]:
    """Shape id -> the function making ``find_records(keys=keys)``'s dict of a record."""
    kt = tuple(keys)
    fns = _REG.projectors.get(kt)
    if fns is not None:
        return fns
    with _REG.lock:
        fns = _REG.projectors.get(kt)
        if fns is None:
            if len(_REG.projectors) > 1024:
                _REG.projectors.clear()
            fns = [_project_generic(kt)]
            for sid in range(1, len(_REG.shapes)):
                fns.append(_stub(fns, sid, partial(_gen_projector, kt)))
            _REG.projectors[kt] = fns
    return fns


def projector(sid: int, keys: Iterable[Any]) -> Callable[[Packed], dict[Any, Any]]:
    return projectors(keys)[sid]


class _Bulk:
    """A per-shape function applied to many packed records at once: one comprehension with
    the function's expression inlined for the shapes most of them share (those whose
    expression reads alike), the per-shape function for the others -- no call per record
    for the common case.  ``table`` gives the per-shape functions, ``expr`` writes one."""

    def __init__(
        self, table: Callable[[], list[Callable[[Packed], Any]]], expr: Callable[[_Gen, int], str]
    ) -> None:
        self.table = table
        self.expr = expr
        self.nshapes = 0
        self.sigs: dict[int, Hashable] = {}
        self.bulks: dict[Hashable, Callable[..., list[Any]]] = {}

    def __call__(self, rows: Sequence[Packed]) -> list[Any]:
        fns = self.table()
        if len(rows) < 64:
            return [fns[t[0]](t) for t in rows]
        if self.nshapes != len(_REG.shapes):
            self.sigs, self.bulks, self.nshapes = {}, {}, len(_REG.shapes)
        sample = Counter([t[0] for t in rows[:: len(rows) // 32]])
        sid = max(sample, key=sample.__getitem__)
        if sid == GENERIC:
            return [fns[t[0]](t) for t in rows]
        sig = self._sig(sid)
        bulk = self.bulks.get(sig)
        if bulk is None:
            bulk = self.bulks[sig] = self._compile(sid, sig)
        return bulk(rows, fns)

    def _sig(self, sid: int) -> Hashable:
        sig = self.sigs.get(sid)
        if sig is None:
            g = _Gen()
            text = self.expr(g, sid)
            keys = tuple((type(k), k) for k in g.keys.values())
            sig = self.sigs[sid] = (text, keys, tuple(g.helpers.items()))
        return sig

    def _compile(self, sid: int, sig: Hashable) -> Callable[..., list[Any]]:
        alike = frozenset(s for s in range(1, self.nshapes) if self._sig(s) == sig)
        g = _Gen()
        inline = self.expr(g, sid)
        common = g.name(alike)
        return g.compile(f"[{inline} if t[0] in {common} else P[t[0]](t) for t in rows]", "rows, P")


def _builder_expr(g: _Gen, sid: int) -> str:
    shape = _REG.shapes[sid]
    assert shape is not None
    return _dict(g, shape, 2, copy=True)


def _viewer_expr(trie: Trie | None, g: _Gen, sid: int) -> str:
    shape = _REG.shapes[sid]
    assert shape is not None
    if trie is None:
        return _dict(g, shape, 2, copy=False)
    items = _partial(g, shape, 2, trie)
    items.append(f"{g.key(SLOT)}: t")
    return "{" + ", ".join(items) + "}"


def _projector_expr(keys: tuple[Any, ...], g: _Gen, sid: int) -> str:
    return _projection_expr(g, _projection_plan(keys, sid))


_COPY_ALL = _Bulk(builders, _builder_expr)
_VIEW_ALL: dict[Trie | None, _Bulk] = {}
_PROJECT_ALL: dict[tuple[Any, ...], _Bulk] = {}


def copy_all(rows: Sequence[Packed]) -> list[dict[str, Any]]:
    """The caller's copies of ``rows`` (packed records), in order."""
    return _COPY_ALL(rows)


def view_all(trie: Trie | None) -> Callable[[Sequence[Packed]], list[dict[Any, Any]]]:
    """The function making the views (see :func:`viewers`) of a list of packed records."""
    bulk = _VIEW_ALL.get(trie)
    if bulk is None:
        if len(_VIEW_ALL) > 1024:
            _VIEW_ALL.clear()
        bulk = _VIEW_ALL[trie] = _Bulk(partial(viewers, trie), partial(_viewer_expr, trie))
    return bulk


def projection(keys: Iterable[Any]) -> Callable[[Sequence[Packed]], list[dict[Any, Any]]]:
    """The function making ``find_records(keys=keys)``'s dicts of a list of packed records."""
    kt = tuple(keys)
    bulk = _PROJECT_ALL.get(kt)
    if bulk is None:
        if len(_PROJECT_ALL) > 1024:
            _PROJECT_ALL.clear()
        bulk = _PROJECT_ALL[kt] = _Bulk(partial(projectors, kt), partial(_projector_expr, kt))
    return bulk
