"""Literals of query text, decoded by plain functions: strings, dates, durations, decimals,
binary and regexes.

They know nothing of Lark or of the parse in progress, so each can be read and tested on its
own.  Bad input raises :class:`LiteralError`, which says why and how far into the token the
problem is; the transformer turns it into a :class:`~querylang.QueryError` with a line, a
column and a caret.  Nothing here evaluates text as code: strings go through ``json.loads``,
the rest through the standard library's parsers.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import decimal
import json
import re

from ... import nodes as n
from ...errors import QueryError
from ..from_dict import checked_regex

__all__ = [
    "LiteralError",
    "decode_string",
    "is_plain_string",
    "iso_datetime",
    "time_ago",
    "decimal_literal",
    "binary_literal",
    "slash_regex",
    "regex_literal",
]

#: Is this string body (quotes stripped) its own value: no escapes, no control characters?
is_plain_string = re.compile(r'[^\\\x00-\x1f"]*').fullmatch
_DURATION_PART = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d|w)")
_DURATION_UNITS = {
    "ms": "milliseconds",
    "s": "seconds",
    "m": "minutes",
    "h": "hours",
    "d": "days",
    "w": "weeks",
}
_DURATION_HINT = 'write a number and a unit (ms, s, m, h, d, w), e.g. "90s" or "1h30m"'


class LiteralError(ValueError):
    """A literal that does not decode: ``message``, ``offset`` characters into its token."""

    def __init__(self, message: str, *, offset: int = 0, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.hint = hint


def decode_string(quoted: str) -> str:
    """A string token (quotes included) -> its value, JSON escapes decoded.

    The lexer takes any backslash escape; JSON's rules decide here, so that an error can
    point at the bad escape instead of failing to lex the whole string.
    """
    inner = quoted[1:-1]
    if is_plain_string(inner):
        return inner
    try:
        value = json.loads(quoted)
    except json.JSONDecodeError as exc:
        raise LiteralError(f"invalid string: {exc.msg}", offset=exc.pos) from None
    if not isinstance(value, str):  # the lexer only passes one quoted string
        raise LiteralError("invalid string")
    return value


def iso_datetime(text: str) -> _dt.datetime:
    """An ISO-8601 date-time; a naive one is local time, as :func:`querylang.nodes.freeze`
    takes it, so literals from every front end compare alike."""
    try:
        value = _dt.datetime.fromisoformat(text)
        return value if value.tzinfo is not None else value.astimezone()
    except (ValueError, OverflowError, OSError):  # astimezone() may overflow at the edges
        raise LiteralError(f"invalid ISO-8601 date-time {text!r}") from None


def time_ago(now: _dt.datetime, duration: str) -> _dt.datetime:
    """``now`` minus a duration written like ``"90s"``, ``"1h30m"`` or ``"1.5d"``."""
    total = _dt.timedelta()
    pos = 0
    try:
        for m in _DURATION_PART.finditer(duration):
            if m.start() != pos:
                break
            total += _dt.timedelta(**{_DURATION_UNITS[m.group(2)]: float(m.group(1))})
            pos = m.end()
        if pos and not duration[pos:].strip():
            return now - total
    except (OverflowError, ValueError):
        raise LiteralError(f"duration {duration!r} is too long") from None
    raise LiteralError(f"invalid duration {duration!r}", hint=_DURATION_HINT)


def decimal_literal(text: str) -> decimal.Decimal:
    """A decimal number, exactly as written (``"1.10"`` keeps its trailing zero)."""
    try:
        return decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise LiteralError(f"invalid decimal {text!r}") from None


def binary_literal(text: str) -> bytes:
    """Bytes written in base64 (strictly: no stray characters)."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise LiteralError(f"invalid base64 {text!r}") from None


def slash_regex(token: str) -> tuple[str, str]:
    """``/pattern/flags`` -> ``(pattern, flags)``: ``\\/`` stands for ``/``, other escapes
    are kept for the regex engine."""
    body, _, flags = token[1:].rpartition("/")
    pattern = re.sub(r"\\(.)", lambda m: "/" if m.group(1) == "/" else m.group(0), body)
    return pattern, flags


def regex_literal(pattern: str, flags: str) -> n.Regex:
    """A checked :class:`Regex`: known flags in canonical order, a pattern that compiles."""
    try:
        return checked_regex(pattern, flags, "")
    except QueryError as exc:
        raise LiteralError(exc.message) from None
