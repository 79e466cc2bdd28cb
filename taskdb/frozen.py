"""Read-only records: what ``find_records(..., read_only=True)`` returns.

A full copy of a record -- every dict and list rebuilt for the caller to own -- is most of
the cost of a large answer.  A caller that only reads can ask for read-only records
instead: a :class:`FrozenRecord` is a ``Mapping`` over the stored (packed) record that
decodes a field when it is read.  Nested documents are read-only records too, lists come
back as tuples, and a value stored as a private copy (a bytearray, a list of documents, a
set...) is copied again at each read, so nothing reachable from a read-only record is
mutable state of the store.  ``to_dict()`` gives the plain copy ``find_records`` returns
by default.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from .copying import copy_record, copy_value
from .packing import COPY, GENERIC, LEAF, LIST, SHORT, Packed, layout, shape, shape_count

__all__ = ["FrozenRecord", "freeze_all"]

#: key -> (kind, position, nested table or short-list length), in the document's key order.
Table = dict[Any, tuple[int, int, Any]]
_DOC = -1  # a nested document's kind in a table


class FrozenRecord(Mapping[Any, Any]):
    """A read-only view of one stored record (or of a document nested in it)."""

    __slots__ = ("_t", "_table")

    def __init__(self, t: Packed, table: Table) -> None:
        self._t = t
        self._table = table

    def __getitem__(self, key: Any) -> Any:
        kind, pos, sub = self._table[key]
        t = self._t
        if kind == LEAF or kind == LIST:  # a long list is stored as a tuple already
            return t[pos]
        if kind == _DOC:
            return FrozenRecord(t, sub)
        if kind == SHORT:
            return t[pos : pos + sub]
        return copy_value(t[pos])  # the store's private copy stays private

    def __iter__(self) -> Iterator[Any]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def __contains__(self, key: object) -> bool:
        return key in self._table

    def to_dict(self) -> dict[Any, Any]:
        """A plain copy: dicts and lists the caller owns, as ``find_records`` returns."""
        out: dict[Any, Any] = {}
        for key, (kind, _, _) in self._table.items():
            value = self[key]
            if kind == _DOC:
                value = value.to_dict()
            elif kind == LIST or kind == SHORT:
                value = list(value)
            out[key] = value
        return out

    def __repr__(self) -> str:
        return f"FrozenRecord({self.to_dict()!r})"


def _table(doc_shape: Any, start: int) -> Table:
    table: Table = {}
    for key, kind, pos in layout(doc_shape, start):
        if isinstance(kind, tuple):
            table[key] = (_DOC, pos, _table(kind, pos))
        elif kind >= SHORT:
            table[key] = (SHORT, pos, kind - SHORT)
        else:
            table[key] = (kind if kind in (LEAF, LIST) else COPY, pos, None)
    return table


_TABLES: list[Table | None] = [None]  # shape id -> the table of its records (0: generic)


def _generic(t: Packed) -> Mapping[Any, Any]:
    return MappingProxyType(copy_record(t[2]))


def freeze_all(rows: Sequence[Packed]) -> list[Mapping[Any, Any]]:
    """Read-only records of the packed ``rows``, in order."""
    tables = _TABLES
    for sid in range(len(tables), shape_count()):
        tables.append(_table(shape(sid), 2))
    new = FrozenRecord
    return [new(t, tables[t[0]] or {}) if t[0] != GENERIC else _generic(t) for t in rows]
