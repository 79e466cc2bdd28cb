"""From a query to printed results: find, sort, skip/limit, project, count; for both
``taskdb query`` and the shell."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import querylang

from .output import DEFAULT_COLUMNS, Style, table_text, write_records
from .results import SortKey, cell_value, count_by, project, sort_rows, window
from .sources import ID_COLUMN, Row, Source

__all__ = ["View", "Answer", "answer", "write_answer", "write_counts", "table_columns"]

FORMATS = ("table", "json", "jsonl")


@dataclass
class View:
    """How to show an answer: the options of ``taskdb query`` and the shell's settings."""

    keys: list[str] | None = None
    sort: list[SortKey] = field(default_factory=list)
    skip: int = 0
    limit: int | None = None
    format: str = "table"


@dataclass
class Answer:
    """The matches of one query, sorted, and the window of them to show."""

    total: int
    rows: list[Row]
    skip: int
    size: int | None


def answer(source: Source, query: querylang.Query, view: View) -> Answer:
    matches = source.find(query)
    ordered = sort_rows(matches, view.sort, record=lambda row: row[1])
    shown = window(ordered, view.skip, view.limit)
    return Answer(len(matches), shown, view.skip, source.size)


def table_columns(source: Source, keys: Sequence[str] | None, rows: Sequence[Row]) -> list[str]:
    """The id column, then ``keys``; by default the task columns, or the fields of ``rows``."""
    heading = source.id_heading
    if keys:
        return [heading, *[k for k in keys if k != heading]]
    if source.tasks:
        return list(DEFAULT_COLUMNS)
    seen: dict[str, None] = {heading: None}
    for _, rec in rows:
        for key in rec:
            seen.setdefault(key, None)
    return list(seen)


def _cell(rid: Hashable, rec: dict[str, Any], column: str) -> Any:
    return rid if column == ID_COLUMN else cell_value(rec, column)


def footer(ans: Answer, shown: int) -> str:
    """``(showing 3 of 115 matches among 10000 records)`` and the like."""
    among = f" among {ans.size} records" if ans.size is not None else ""
    noun = "match" if ans.total == 1 else "matches"
    if shown == ans.total:
        return f"({ans.total} {noun}{among})"
    if ans.skip == 0 or shown == 0:
        which = f"{shown}"
    elif shown == 1:
        which = f"match {ans.skip + 1}"
    else:
        which = f"{ans.skip + 1}-{ans.skip + shown}"
    return f"(showing {which} of {ans.total} {noun}{among})"


def write_answer(
    out: IO[str],
    source: Source,
    ans: Answer,
    view: View,
    *,
    width: int | None = None,
    style: Style | None = None,
    rows: Sequence[Row] | None = None,
) -> None:
    """Print ``rows`` (default: the answer's window) in ``view.format``."""
    rows = ans.rows if rows is None else rows
    if view.format == "table":
        if not rows:
            return  # the footer says there are none
        cols = table_columns(source, view.keys, rows)
        cells = [[_cell(rid, rec, c) for c in cols] for rid, rec in rows]
        out.write(table_text(cols, cells, width=width, style=style))
        return
    if view.keys:
        records = [project(rec, view.keys, source.id_field) for _, rec in rows]
    else:
        records = [rec for _, rec in rows]
    write_records(records, view.format, out)


def write_counts(
    out: IO[str],
    groups: Sequence[tuple[Any, int]],
    field_name: str,
    fmt: str,
    *,
    width: int | None = None,
    style: Style | None = None,
) -> None:
    """A group count: a table of value and count, or ``$sortByCount``'s ``{_id, count}``."""
    if fmt == "table":
        out.write(table_text([field_name, "count"], groups, width=width, style=style))
    else:
        write_records([{"_id": value, "count": count} for value, count in groups], fmt, out)


def counts(source: Source, query: querylang.Query, field_name: str) -> list[tuple[Any, int]]:
    return count_by((rec for _, rec in source.find(query)), field_name)
