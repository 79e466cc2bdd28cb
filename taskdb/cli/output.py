"""Printing records: Extended JSON, and aligned text tables with short cells."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import IO, Any

from querylang.frontends import extjson

__all__ = ["write_records", "format_table", "cell_text", "DEFAULT_COLUMNS", "columns", "indent"]


def write_records(records: Sequence[dict[str, Any]], fmt: str, out: IO[str]) -> None:
    if fmt == "jsonl":
        for rec in records:
            out.write(extjson.dumps(rec) + "\n")
    elif fmt == "json":
        out.write(extjson.dumps(list(records), indent=2) + "\n")
    else:
        raise AssertionError(fmt)


#: Widest a table cell gets before it is cut with "…" (a uuid just fits).
MAX_CELL = 36
_MISSING = object()


def _lookup(record: Mapping[str, Any], column: str) -> Any:
    """The value at a dotted column name (``header.msg_type``), or _MISSING."""
    value: Any = record
    for part in column.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def cell_text(value: Any) -> str:
    """A short, readable rendering of a record value for a table cell."""
    if value is _MISSING:
        return ""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.UTC)
        return value.isoformat(sep=" ", timespec="milliseconds").removesuffix("+00:00")
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    if isinstance(value, str):
        return value.replace("\n", "\\n")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(cell_text(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {cell_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def _cut(text: str, width: int = MAX_CELL) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(records: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Records as aligned text columns: a header, a rule, one line per record."""
    rows = [[_cut(cell_text(_lookup(rec, c))) for c in columns] for rec in records]
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    for row in rows:
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines) + "\n"


DEFAULT_COLUMNS = (
    "msg_id",
    "engine_uuid",
    "header.msg_type",
    "submitted",
    "completed",
    "result_header.status",
)


def columns(keys: Sequence[str] | None) -> list[str]:
    if not keys:
        return list(DEFAULT_COLUMNS)
    return ["msg_id", *[k for k in keys if k != "msg_id"]]


def indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
