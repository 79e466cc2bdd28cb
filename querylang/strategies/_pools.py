"""The small shared pools every strategy draws from.

Documents and queries take field names, values, patterns and operands from these same
pools, so that a useful share of random queries match random documents: a fuzzer whose
queries never match anything tests nothing.
"""

from __future__ import annotations

import datetime as _dt
import math

#: Top-level field names of documents (and first path components of paths).
DEFAULT_FIELDS: tuple[str, ...] = ("a", "b", "c")
#: Keys inside nested documents: numeric-looking keys meet array-index path components.
KEYS: tuple[str, ...] = ("a", "b", "c", "a", "b", "0", "1")
#: Path steps after the first: names, and array indexes.
PATH_STEPS: tuple[str, ...] = ("a", "b", "c", "0", "1")

UTC = _dt.UTC
ZONES: tuple[_dt.tzinfo, ...] = (
    UTC,
    _dt.timezone(_dt.timedelta(hours=5, minutes=30)),
    _dt.timezone(-_dt.timedelta(hours=8)),
)
#: The epoch of generated dates and task times.
T0 = _dt.datetime(2024, 1, 1, tzinfo=UTC)

INTS: tuple[int, ...] = (0, 1, -1, 2, 3, 5)
BIG_INTS: tuple[int, ...] = (
    *(2**31 - 1, 2**31, -(2**31) - 1, 2**53 + 1, 2**63 - 1, -(2**63), 2**64),
)
FLOATS: tuple[float, ...] = (0.0, -0.0, 1.0, -1.0, 1.5, 2.0, math.nan, math.inf, -math.inf)
#: How many of FLOATS plain JSON text can spell (the rest are NaN and infinities).
JSON_FLOATS = 6
STRINGS: tuple[str, ...] = ("", "a", "b", "ab", "ba", "A", "é", "日本", "apply_request", "1")
BYTES: tuple[bytes, ...] = (b"", b"a", b"\x00\xff")
DATES: tuple[_dt.datetime, ...] = (
    T0,
    T0 + _dt.timedelta(seconds=30),
    T0.replace(tzinfo=None),
    T0.astimezone(ZONES[1]),
)
PATTERNS: tuple[str, ...] = (
    *("^a", "a", "b$", "^$", "^a.*b$", "[ab]", "^apply", "request$", "é", r"^\d+$"),
)
REGEX_FLAGS: tuple[str, ...] = ("", "", "i", "m", "s", "im")
#: (divisor, remainder): mostly reachable remainders, negative ones, one that never matches.
MODS: tuple[tuple[int, int], ...] = (
    *((2, 0), (2, 1), (3, 0), (3, 2), (1, 0), (-2, 1), (4, -1), (2**40, 3), (3, 5)),
)
GLOBS: tuple[str, ...] = ("*", "a*", "*b", "?", "[ab]*", "*request", "apply_*", "")
COMMON_TYPES: tuple[str, ...] = (
    *("number", "string", "null", "array", "object", "int", "double", "bool"),
)
TYPE_NAMES: tuple[str, ...] = (
    *COMMON_TYPES,
    *("binData", "date", "regex", "long", "decimal", "undefined", "objectId", "minKey", "maxKey"),
)
