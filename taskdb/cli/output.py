"""Printing records: Extended JSON, and aligned text tables that fit the terminal.

Colour is for terminals only: ``auto`` colours when the stream is a TTY and ``NO_COLOR`` is
unset or empty (https://no-color.org); ``--color always|never`` overrides both.
"""

from __future__ import annotations

import datetime as _dt
import os
import unicodedata
from collections.abc import Mapping, Sequence
from typing import IO, Any

from querylang.frontends import extjson

from .results import MISSING, cell_value

__all__ = [
    "write_records",
    "format_table",
    "table_text",
    "cell_text",
    "DEFAULT_COLUMNS",
    "columns",
    "indent",
    "Style",
    "use_color",
    "text_width",
]


def write_records(records: Sequence[Any], fmt: str, out: IO[str]) -> None:
    """``jsonl``: one Extended JSON value per line; ``json``: one indented array."""
    if fmt == "jsonl":
        for rec in records:
            out.write(extjson.dumps(rec) + "\n")
    elif fmt == "json":
        out.write(extjson.dumps(list(records), indent=2) + "\n")
    else:
        raise AssertionError(fmt)


# --- colour -----------------------------------------------------------------------------------


def use_color(stream: IO[str], when: str = "auto") -> bool:
    """Colour on ``stream``?  ``always``/``never``, or ``auto``: a TTY and no NO_COLOR."""
    if when != "auto":
        return when == "always"
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Style:
    """ANSI styles, or plain text when colour is off."""

    _CODES = {"header": "1;36", "dim": "2", "error": "1;31", "hint": "33", "bold": "1"}

    def __init__(self, enabled: bool = False) -> None:
        self.enabled = enabled

    def __call__(self, kind: str, text: str) -> str:
        if not self.enabled or not text:
            return text
        return f"\x1b[{self._CODES[kind]}m{text}\x1b[0m"


# --- cells ------------------------------------------------------------------------------------

#: Widest a table cell gets before it is cut with "…" (a uuid just fits).
MAX_CELL = 36
#: Narrowest a column is squeezed to when the table is wider than the terminal.
MIN_CELL = 10


def cell_text(value: Any) -> str:
    """A short, readable rendering of a record value for a table cell."""
    if value is MISSING:
        return ""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _dt.datetime):
        when: _dt.datetime = value.astimezone(_dt.UTC) if value.tzinfo is not None else value
        return when.isoformat(sep=" ", timespec="milliseconds").removesuffix("+00:00")
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    if isinstance(value, str):
        return value.replace("\n", "\\n").replace("\t", "\\t")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(cell_text(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {cell_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def text_width(text: str) -> int:
    """Columns ``text`` takes on a terminal (wide East Asian characters take two)."""
    if text.isascii():
        return len(text)
    return sum(_char_width(ch) for ch in text)


def _cut(text: str, width: int) -> str:
    if text_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = _char_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * (width - text_width(text))


# --- tables -----------------------------------------------------------------------------------


def _fit(widths: list[int], limit: int, squeezable: Sequence[bool]) -> tuple[list[int], int]:
    """Column widths narrowed to fit ``limit`` columns of text: first the ``squeezable`` ones
    (ids and other words without spaces, which stay recognisable from their start), widest
    first, down to MIN_CELL; then the others; columns that still do not fit are dropped
    from the right: ``(widths, how many are shown)``."""
    widths = list(widths)

    def total(n: int) -> int:
        return sum(widths[:n]) + 2 * (n - 1)

    for allowed in (
        [i for i in range(len(widths)) if squeezable[i]],
        list(range(len(widths))),
    ):
        while total(len(widths)) > limit and allowed:
            widest = max(allowed, key=lambda i: widths[i])
            if widths[widest] <= MIN_CELL:
                break
            widths[widest] -= 1
    shown = len(widths)
    while shown > 1 and total(shown) > limit:
        shown -= 1
    return widths[:shown], shown


def table_text(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    width: int | None = None,
    style: Style | None = None,
) -> str:
    """Values as aligned text columns: a header, a rule, one line per row.  With ``width``,
    columns are narrowed (and, if need be, dropped) to fit; a note says what was dropped."""
    style = style or Style(False)
    texts = [[_cut(cell_text(v), MAX_CELL) for v in row] for row in rows]
    widths = [
        max([text_width(h), *(text_width(r[i]) for r in texts)]) for i, h in enumerate(headers)
    ]
    shown = len(headers)
    if width is not None and headers:
        squeezable = [all(" " not in r[i] for r in texts) for i in range(len(headers))]
        widths, shown = _fit(widths, width, squeezable)
    lines = [
        "  ".join(
            style("header", _pad(_cut(h, w), w)) for h, w in zip(headers, widths, strict=False)
        ).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    for row, values in zip(texts, rows, strict=True):
        cells = []
        for text, w, value in zip(row, widths, values, strict=False):
            cell = _pad(_cut(text, w), w)
            cells.append(style("dim", cell) if value is None or value is MISSING else cell)
        lines.append("  ".join(cells).rstrip())
    if shown < len(headers):
        hidden = ", ".join(headers[shown:])
        lines.append(
            f"({len(headers) - shown} more columns not shown: {hidden}; choose with --keys)"
        )
    return "\n".join(lines) + "\n"


def format_table(
    records: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    width: int | None = None,
    style: Style | None = None,
) -> str:
    """Records as a table of ``columns`` (dotted names reach into documents and arrays)."""
    rows = [[cell_value(rec, c) for c in columns] for rec in records]
    return table_text(columns, rows, width=width, style=style)


DEFAULT_COLUMNS = (
    "msg_id",
    "engine_uuid",
    "header.msg_type",
    "submitted",
    "completed",
    "result_header.status",
)


def columns(keys: Sequence[str] | None, id_heading: str = "msg_id") -> list[str]:
    """The table's columns: the id, then ``keys`` (default: the task-record columns)."""
    if not keys:
        return list(DEFAULT_COLUMNS)
    return [id_heading, *[k for k in keys if k != id_heading]]


def indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
