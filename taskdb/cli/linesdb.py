"""An in-memory database of any JSON records, with DictDB's find_records API.

For JSON lines that are not task records: no date checks on ``submitted``/``completed``,
no culling, no indexes.  A record is stored exactly as read; its id (a ``--id`` field's value
or its line number) is the ``add_record`` key and is never written into the record.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

import querylang

__all__ = ["LinesDB"]


class LinesDB:
    """Records by id, in insertion order; queries scan them with the compiled predicate."""

    def __init__(self) -> None:
        self._records: dict[Hashable, dict[str, Any]] = {}

    def add_record(self, rid: Hashable, rec: dict[str, Any]) -> None:
        if rid in self._records:
            raise KeyError(f"Already have id {rid!r}")
        self._records[rid] = rec

    def get_record(self, rid: Hashable) -> dict[str, Any]:
        try:
            return self._records[rid]
        except KeyError:
            raise KeyError(f"No such id {rid!r}") from None

    def find_rows(self, check: querylang.QueryLike) -> list[tuple[Hashable, dict[str, Any]]]:
        """``[(id, record)]`` of the matches, in insertion order (records are not copied)."""
        pred = querylang.compile(check)
        return [(rid, rec) for rid, rec in self._records.items() if pred(rec)]

    def find_records(
        self, check: querylang.QueryLike, keys: Iterable[str] | None = None
    ) -> list[dict[str, Any]]:
        """The matching records (top-level ``keys`` only, if given), in insertion order."""
        rows = self.find_rows(check)
        if not keys:
            return [rec for _, rec in rows]
        wanted = list(keys)
        return [{k: rec[k] for k in wanted if k in rec} for _, rec in rows]

    def get_history(self) -> list[Hashable]:
        return list(self._records)

    def records(self) -> Iterable[dict[str, Any]]:
        return self._records.values()

    def __len__(self) -> int:
        return len(self._records)
