"""Shaping answers as MongoDB does: sort, skip/limit, projection of dotted keys, group counts.

* Sort order is MongoDB's (``querylang.values.compare``: the BSON type order, then values).
  A missing field sorts as null.  An array sorts by its smallest element ascending and by
  its largest descending; an empty array sorts before null either way.  Ties keep the
  database's order.
* ``--keys a.b`` projects like ``find(q, {"a.b": 1})``: ``{"a": {"b": ...}}``, through
  arrays of documents too; the record's id field is always kept (MongoDB's ``_id``).
* ``--count-by FIELD`` is ``$sortByCount``: groups by value (``1`` and ``1.0`` are one group,
  missing is null), most frequent first.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from querylang.values import compare

__all__ = [
    "SortKey",
    "parse_sort",
    "sort_rows",
    "window",
    "project",
    "count_by",
    "path_values",
    "MISSING",
]

T = TypeVar("T")


class _Sentinel:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: No value at a path (the cell is empty, the key is left out of a projection).
MISSING: Any = _Sentinel("MISSING")
_EMPTY_ARRAY: Any = _Sentinel("EMPTY_ARRAY")  # sorts before null


@dataclass(frozen=True, slots=True)
class SortKey:
    path: str
    descending: bool = False

    def __str__(self) -> str:
        return f"{self.path}:desc" if self.descending else self.path


def parse_sort(text: str) -> SortKey:
    """``FIELD``, ``FIELD:asc`` or ``FIELD:desc`` (also ``FIELD:1`` / ``FIELD:-1``)."""
    path, sep, order = text.rpartition(":")
    if not sep:
        path, order = text, "asc"
    order = order.strip().lower()
    if order not in ("asc", "desc", "1", "-1") or not path.strip():
        raise ValueError(f"expected FIELD or FIELD:desc, not {text!r}")
    return SortKey(path.strip(), descending=order in ("desc", "-1"))


# --- values at a dotted path -------------------------------------------------------------


def path_values(record: Any, path: str) -> list[Any]:
    """Every value at ``path``, reaching through arrays as MongoDB does (``a.b`` over an array
    of documents gives each element's ``b``; ``a.0`` is an index).  Empty: missing."""
    found: list[Any] = []

    def walk(value: Any, parts: Sequence[str]) -> None:
        if not parts:
            found.append(value)
            return
        head, rest = parts[0], parts[1:]
        if isinstance(value, Mapping):
            if head in value:
                walk(value[head], rest)
        elif isinstance(value, list | tuple):
            if head.isdigit() and int(head) < len(value):
                walk(value[int(head)], rest)
            for element in value:
                if isinstance(element, Mapping):
                    walk(element, parts)

    walk(record, path.split("."))
    return found


def cell_value(record: Any, path: str) -> Any:
    """The one value a table shows for ``path``: the value, a list of them, or MISSING."""
    values = path_values(record, path)
    if not values:
        return MISSING
    if len(values) == 1:
        return values[0]
    return values


# --- sorting --------------------------------------------------------------------------------


def _sort_value(record: Any, key: SortKey) -> Any:
    candidates: list[Any] = []
    for value in path_values(record, key.path):
        if isinstance(value, list | tuple):
            if value:
                candidates.extend(value)
            else:
                candidates.append(_EMPTY_ARRAY)
        else:
            candidates.append(value)
    if not candidates:
        return None
    pick = max if key.descending else min
    return pick(candidates, key=functools.cmp_to_key(_compare))


def _compare(a: Any, b: Any) -> int:
    if a is _EMPTY_ARRAY or b is _EMPTY_ARRAY:
        return (a is not _EMPTY_ARRAY) - (b is not _EMPTY_ARRAY)
    return compare(a, b)


def sort_rows(rows: Sequence[T], keys: Sequence[SortKey], record: Callable[[T], Any]) -> list[T]:
    """``rows`` in MongoDB sort order by ``keys`` (stable: ties keep their order)."""
    if not keys:
        return list(rows)
    decorated = [
        ([_sort_value(record(row), k) for k in keys], i, row) for i, row in enumerate(rows)
    ]

    def cmp(a: tuple[list[Any], int, T], b: tuple[list[Any], int, T]) -> int:
        for key, va, vb in zip(keys, a[0], b[0], strict=True):
            c = _compare(va, vb)
            if c:
                return -c if key.descending else c
        return (a[1] > b[1]) - (a[1] < b[1])

    decorated.sort(key=functools.cmp_to_key(cmp))
    return [row for _, _, row in decorated]


def window(rows: Sequence[T], skip: int = 0, limit: int | None = None) -> list[T]:
    """``rows[skip : skip + limit]`` (no limit: to the end)."""
    end = None if limit is None else skip + limit
    return list(rows[skip:end])


# --- projection -----------------------------------------------------------------------------


def _tree(keys: Iterable[str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for key in keys:
        node = tree
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if child is True:
                break  # a whole parent is already kept
            node = node.setdefault(part, {})
        else:
            node[parts[-1]] = True
    return tree


def _apply(value: Any, tree: dict[str, Any]) -> Any:
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            sub = tree.get(k)
            if sub is True:
                out[k] = v
            elif sub is not None:
                projected = _apply(v, sub)
                if projected is not MISSING:
                    out[k] = projected
        return out
    if isinstance(value, list | tuple):
        return [_apply(v, tree) for v in value if isinstance(v, Mapping | list | tuple)]
    return MISSING


def project(record: Mapping[str, Any], keys: Sequence[str], id_field: str | None) -> dict[str, Any]:
    """``record`` with only ``keys`` (dotted paths) and the id field, in the record's order."""
    wanted = list(keys)
    if id_field is not None and id_field not in wanted:
        wanted.insert(0, id_field)
    out = _apply(record, _tree(wanted))
    assert isinstance(out, dict)
    return out


# --- group counts ---------------------------------------------------------------------------


def count_by(records: Iterable[Any], path: str) -> list[tuple[Any, int]]:
    """``[(value, count)]`` as ``$sortByCount``: count descending, then value ascending."""
    values: list[Any] = []
    for rec in records:
        found = path_values(rec, path)
        if not found:
            values.append(None)  # $group puts missing with null
        else:
            values.append(found[0] if len(found) == 1 else found)
    values.sort(key=functools.cmp_to_key(compare))
    groups: list[tuple[Any, int]] = []
    for value in values:
        if groups and compare(groups[-1][0], value) == 0:
            groups[-1] = (groups[-1][0], groups[-1][1] + 1)
        else:
            groups.append((value, 1))
    groups.sort(key=lambda g: -g[1])  # stable: equal counts stay in value order
    return groups
