"""Reading JSON records: JSON lines, pretty-printed JSON, arrays; plain, gzip'd or stdin.

Input is a stream of JSON values separated by whitespace: one record per line (JSON lines),
records spread over several lines (``jq .`` output), or an array of records (what
``taskdb query --format json`` writes).  Values are Extended JSON (``{"$date": ...}``).
Errors are our own words with the file, the line and the column in that line; Python's
``json`` positions ("line 1 column 5 (char 4)") never leak out.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from querylang.frontends import extjson

from .errors import CommandError

__all__ = ["Record", "read_input", "iter_records", "query_text", "GZIP_MAGIC"]

GZIP_MAGIC = b"\x1f\x8b"
_BOM = "\ufeff"
_SPACE = re.compile(r"[ \t\n\r]*")


@dataclass(frozen=True, slots=True)
class Record:
    """One JSON object read from input, and where it starts (1-based line)."""

    value: dict[str, Any]
    source: str
    line: int


def _label(name: str) -> str:
    return "<stdin>" if name == "-" else name


def read_input(name: str) -> bytes:
    """The raw bytes of a file argument (``-`` is stdin); gzip'd input is inflated."""
    try:
        if name == "-":
            stream = getattr(sys.stdin, "buffer", None)
            data = stream.read() if stream is not None else sys.stdin.read().encode("utf-8")
        else:
            with open(name, "rb") as f:
                data = f.read()
    except OSError as exc:
        raise CommandError(f"cannot read {name}: {exc.strerror}") from None
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise CommandError(f"{_label(name)}: not a readable gzip file ({exc})") from None
    return data


def decode_text(data: bytes, label: str) -> str:
    """UTF-8 text (a leading byte-order mark is dropped); the line of a bad byte if not."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise CommandError(
            f"{label}:{line}:{column}: not UTF-8 text (byte 0x{data[exc.start]:02x})"
        ) from None
    return text[1:] if text.startswith(_BOM) else text


# --- JSON errors in our words -----------------------------------------------------------


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    doc = dict(pairs)
    if len(doc) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return doc


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates)

_MESSAGES = [
    ("Expecting value", "expected a JSON value"),
    ("Expecting property name enclosed in double quotes", "expected a key in double quotes"),
    ("Expecting ':' delimiter", "expected ':' after a key"),
    ("Expecting ',' delimiter", "expected ',' or a closing bracket"),
    ("Unterminated string", "unterminated string"),
    ("Invalid control character", "a control character (tab, line break) inside a string"),
    ("Invalid \\escape", "invalid escape in a string"),
    ("Invalid \\uXXXX escape", "invalid \\u escape in a string"),
]


def _where(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _json_error(text: str, label: str, exc: json.JSONDecodeError, start: int) -> CommandError:
    """Our message for one of ``json``'s, placed by line and column within that line."""
    message = next((ours for theirs, ours in _MESSAGES if exc.msg.startswith(theirs)), None)
    if message is None:
        message = exc.msg.split(":")[0].lower()
    pos = exc.pos
    ch = text[pos : pos + 1]
    if message.startswith("a control character") and ch in "\r\n":
        message = "unterminated string (a line break before its closing quote)"
    elif message == "expected a JSON value":
        if pos >= len(text.rstrip()):
            pos = len(text.rstrip())  # just after the last thing written
            message = "unexpected end of input: expected a JSON value"
        elif ch in "}]":
            what = "a record" if pos == start else "a JSON value"
            message = f"unexpected {ch!r}: expected {what}"
        elif ch == "'":
            message = "strings need double quotes"
    line, column = _where(text, pos)
    return CommandError(f"{label}:{line}:{column}: {message}")


def _decode_at(text: str, pos: int, label: str) -> tuple[Any, int]:
    """The JSON value starting at ``pos`` (already past whitespace) and where it ends."""
    try:
        return _DECODER.raw_decode(text, pos)
    except json.JSONDecodeError as exc:
        raise _json_error(text, label, exc, pos) from None
    except _DuplicateKey as exc:
        line, _ = _where(text, pos)
        raise CommandError(f"{label}:{line}: duplicate key {exc.key!r} in a record") from None
    except RecursionError:
        line, _ = _where(text, pos)
        raise CommandError(f"{label}:{line}: a value nested too deeply") from None


_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean"}
_KINDS[type(None)] = "null"


def _record(value: Any, label: str, text: str, pos: int) -> Record:
    line, _ = _where(text, pos)
    try:
        value = extjson.decode(value)
    except ValueError as exc:
        raise CommandError(f"{label}:{line}: {exc}") from None
    if not isinstance(value, dict):
        kind = _KINDS.get(type(value), type(value).__name__)
        raise CommandError(f"{label}:{line}: expected a JSON object (a record), got {kind}")
    return Record(value, label, line)


def _skip(text: str, pos: int) -> int:
    match = _SPACE.match(text, pos)
    assert match is not None
    return match.end()


def iter_records(
    text: str, label: str, progress: Callable[[int], None] | None = None
) -> Iterator[Record]:
    """The records in ``text``: whitespace-separated JSON objects, or arrays of them.

    ``progress(pos)`` is called now and then with how far into ``text`` reading has come.
    """
    pos = _skip(text, 0)
    count = 0
    while pos < len(text):
        if text[pos] == "[":  # an array of records: read its elements one by one
            pos = _skip(text, pos + 1)
            if text.startswith("]", pos):
                pos = _skip(text, pos + 1)
                continue
            while True:
                value, end = _decode_at(text, pos, label)
                yield _record(value, label, text, pos)
                pos = _skip(text, end)
                if text.startswith(",", pos):
                    pos = _skip(text, pos + 1)
                elif text.startswith("]", pos):
                    pos = _skip(text, pos + 1)
                    break
                else:
                    line, column = _where(text, pos)
                    what = "end of input" if pos >= len(text) else repr(text[pos])
                    raise CommandError(
                        f"{label}:{line}:{column}: expected ',' or ']' in an array, got {what}"
                    )
        else:
            value, end = _decode_at(text, pos, label)
            yield _record(value, label, text, pos)
            pos = _skip(text, end)
        count += 1
        if progress is not None and count % 512 == 0:
            progress(pos)
    if progress is not None:
        progress(len(text))


def query_text(arg: str, stdin_taken: bool) -> str:
    """The query argument: itself, ``@FILE`` read from a file, ``-`` read from stdin."""
    if arg == "-":
        if stdin_taken:
            raise CommandError("the query and the records cannot both come from stdin")
        return sys.stdin.read()
    if arg.startswith("@") and len(arg) > 1:
        name = arg[1:]
        if name == "-":
            return query_text("-", stdin_taken)
        try:
            with open(name, encoding="utf-8-sig") as f:
                return f.read()
        except OSError as exc:
            raise CommandError(f"cannot read the query file {name}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise CommandError(f"the query file {name} is not UTF-8 text") from None
    return arg
