"""Syntax errors of query text, in words a person reads: where, what was expected, a hint.

Lark reports terminal names (``_ELEMMATCH``, ``$END``); these helpers turn its exceptions into
:class:`QueryError` with a 1-based line and column, a caret snippet, the expected tokens by
their spelling (``'exists'``, ``a field name``, ``a value``), and a "did you mean" hint for
near-miss keywords (``exist`` -> ``exists``, ``elemmatch`` -> ``elemMatch``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from ...errors import QueryError

__all__ = ["syntax_error", "snippet", "position_of", "end_position"]

#: Keyword terminals -> the word a person types.
KEYWORDS = {
    "_OR": "or",
    "_AND": "and",
    "_NOT": "not",
    "_IN": "in",
    "_ALL": "all",
    "_EXISTS": "exists",
    "_IS": "is",
    "_GLOB": "glob",
    "_ELEMMATCH": "elemMatch",
    "TRUE": "true",
    "FALSE": "false",
    "NULL": "null",
    "NAN": "NaN",
    "INFINITY": "Infinity",
    "_NOR": "nor(",
    "_SIZE": "size(",
    "_COMMENT": "comment",
    "_DATE_FN": "date(",
    "_DECIMAL_FN": "decimal(",
    "_BINARY_FN": "binary(",
    "_REGEX_FN": "regex(",
    "_AGO_FN": "ago(",
    "_NOW_FN": "now(",
}
_SYMBOLS = {
    "STRICT_EQ": "===",
    "EQ": "==",
    "NE": "!=",
    "LE": "<=",
    "LT": "<",
    "GE": ">=",
    "GT": ">",
    "_MATCH": "=~",
    "_NOMATCH": "!~",
    "_PERCENT": "%",
    "_LPAR": "(",
    "_RPAR": ")",
    "_LSQB": "[",
    "_RSQB": "]",
    "_LBRACE": "{",
    "_RBRACE": "}",
    "_COMMA": ",",
    "_COLON": ":",
    "_DOT": ".",
}
_CLASSES = {
    "IDENT": "a field name",
    "DIGITS": "an array index",
    "STRING": "a string",
    "DATETIME": "a date-time",
    "FLOAT": "a number",
    "INT": "a number",
    "REGEX": "a /regex/",
    "$END": "end of input",
}
_VALUE_STARTS = {
    *("STRING", "INT", "FLOAT", "NULL", "TRUE", "FALSE", "NAN", "INFINITY", "DATETIME"),
    *("REGEX", "_LSQB", "_LBRACE", "_DATE_FN", "_DECIMAL_FN", "_BINARY_FN", "_REGEX_FN"),
    *("_AGO_FN", "_NOW_FN"),
}
_ALIASES = {
    "none": "null",
    "nil": "null",
    "nan": "NaN",
    "inf": "Infinity",
    "infinity": "Infinity",
    "elem_match": "elemMatch",
    "exist": "exists",
}
_SNIPPET_WIDTH = 72


def position_of(text: str, offset: int) -> tuple[int, int]:
    """The 1-based (line, column) of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def end_position(text: str) -> tuple[int, int]:
    """Where "end of input" is: just after the last non-blank character."""
    return position_of(text, len(text.rstrip()))


def snippet(text: str, line: int, column: int) -> str:
    """The offending line (a window of it, if long) with a caret under ``column``."""
    lines = text.split("\n")
    src = lines[min(max(line, 1), len(lines)) - 1].rstrip("\r")
    col = max(column - 1, 0)
    if len(src) > _SNIPPET_WIDTH:
        start = max(0, min(col - _SNIPPET_WIDTH // 2, len(src) - _SNIPPET_WIDTH))
        shown = src[start : start + _SNIPPET_WIDTH]
        prefix = "..." if start else ""
        suffix = "..." if start + _SNIPPET_WIDTH < len(src) else ""
        src, col = prefix + shown + suffix, col - start + len(prefix)
    pad = "".join("\t" if ch == "\t" else " " for ch in src[:col])
    return f"    {src}\n    {pad}^"


def _expected(names: set[str]) -> list[str]:
    names = set(names)
    out: list[str] = []
    if {"STRING", "INT", "NULL", "_LSQB", "_LBRACE"} <= names:
        out.append("a value" if "DATETIME" in names else "a JSON value")
        names -= _VALUE_STARTS
    if "IDENT" in names:
        names -= {"DIGITS", "STRING"}
    classes = sorted({_CLASSES[x] for x in names if x in _CLASSES})
    words = sorted(f"'{KEYWORDS[x]}'" for x in names if x in KEYWORDS)
    symbols = sorted(f"'{_SYMBOLS[x]}'" for x in names if x in _SYMBOLS)
    others = sorted(x for x in names if x not in _CLASSES | KEYWORDS | _SYMBOLS)
    return out + classes + words + symbols + others


def _word_hint(word: str, names: set[str], rest: str) -> str | None:
    if word == "type" and rest.lstrip().startswith("("):
        return "type tests are written: x is string (or x is [int, double])"
    candidates = [KEYWORDS[x].rstrip("(") for x in names if x in KEYWORDS]
    lowered = {c.lower(): c for c in candidates}
    alias = _ALIASES.get(word.lower())
    if alias in candidates:
        return f"did you mean {alias!r}?"
    if word.lower() in lowered:
        return f"did you mean {lowered[word.lower()]!r}?"
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    if close:
        return f"did you mean {lowered[close[0]]!r}?"
    if "STRING" in names and "INT" in names:
        return f'strings need double quotes: "{word}"'
    return None


def _char_hint(text: str, offset: int, names: set[str]) -> str | None:
    ch = text[offset : offset + 1]
    two = text[offset : offset + 2]
    if ch == "'":
        return 'strings use double quotes: "..."'
    if ch == "=" and two not in ("==", "=~"):
        return "use '==' to compare"
    if two in ("&&", "||") or ch in "&|":
        return "use 'and' / 'or'"
    if ch == "!" and two not in ("!=", "!~"):
        return "use 'not' to negate"
    if ch == "(" and re.search(r"\btype\s*$", text[:offset]):
        return "type tests are written: x is string (or x is [int, double])"
    if ch == "$":
        return (
            'Mongo operators belong to the JSON form, {"a": {"$gt": 1}}; '
            "in the textual language write a > 1"
        )
    return None


def _acceptable(exc: UnexpectedInput, fallback: Iterable[str] | None) -> set[str]:
    """The terminals that would really have been accepted (LALR's lookahead sets merge
    states, so its own ``expected`` can list tokens that cannot follow here)."""
    parser = getattr(exc, "interactive_parser", None)
    if parser is not None:
        try:
            accepts = parser.accepts()
        except Exception:  # noqa: BLE001 - best effort; fall back to Lark's own set
            accepts = None
        if accepts:
            return {str(name) for name in accepts}
    return set(fallback or ())


def syntax_error(text: str, exc: UnexpectedInput) -> QueryError:
    """A :class:`QueryError` for one of Lark's parse exceptions."""
    names: set[str] = set()
    hint = None
    if isinstance(exc, UnexpectedToken):
        names = _acceptable(exc, exc.expected)
        tok = exc.token
        if tok.type == "$END":
            line, column = end_position(text)
            message = "unexpected end of input"
        else:
            line, column = tok.line or 1, tok.column or 1
            shown = tok.value if len(tok.value) <= 40 else tok.value[:37] + "..."
            message = f"unexpected {shown!r}"
            if re.fullmatch(r"\w+", tok.value):
                offset = tok.end_pos or 0
                hint = _word_hint(tok.value, names, text[offset : offset + 10])
            else:
                hint = _char_hint(text, tok.start_pos or 0, names)
    elif isinstance(exc, UnexpectedCharacters):
        names = _acceptable(exc, exc.allowed)
        line, column = exc.line, exc.column
        offset = exc.pos_in_stream or 0
        ch = text[offset : offset + 1]
        if ch == '"':
            message = "unterminated string (or a line break inside a string)"
        elif ch == "/" and "REGEX" in names:
            message = "unterminated /regex/ (write '\\/' for a '/' inside it)"
        else:
            message = f"unexpected character {ch!r}"
        word = re.match(r"\w+", text[offset:])
        if word:
            hint = _word_hint(word.group(), names, text[word.end() + offset :][:10])
        else:
            hint = _char_hint(text, offset, names)
    else:
        line, column = end_position(text)
        names = set(getattr(exc, "expected", ()) or ())
        message = "unexpected end of input"
    return QueryError(
        message,
        line=line,
        column=column,
        snippet=snippet(text, line, column),
        expected=_expected(names),
        hint=hint,
    )
