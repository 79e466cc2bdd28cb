"""Values of query text: JSON text (Extended JSON decoded) and the textual language's literals.

The rule callbacks here run inside the LALR parser as it reduces (see ``querylang.text``),
so values are built bottom-up without recursion.  JSON objects become dicts for
:func:`from_dict`; literals of the textual language are built frozen (tuples, Documents).
Per-parse state (the text, ``now``, node positions) lives in a context variable, so one
parser serves every thread.
"""

from __future__ import annotations

import base64
import binascii
import contextvars
import datetime as _dt
import decimal
import json
import re
from dataclasses import dataclass, field
from typing import Any

from lark import Token, Transformer

from ... import nodes as n
from ...errors import QueryError
from .. import extjson
from ..from_dict import checked_regex, from_dict
from .errors import snippet

__all__ = ["Context", "CTX", "string_value", "ValueBuilder"]

_PLAIN_STRING = re.compile(r'[^\\\x00-\x1f"]*')
_DURATION_PART = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d|w)")
_DURATION_UNITS = {
    "ms": "milliseconds",
    "s": "seconds",
    "m": "minutes",
    "h": "hours",
    "d": "days",
    "w": "weeks",
}


# --- per-parse state ---------------------------------------------------------------------


@dataclass(slots=True)
class Context:
    """One parse's state: the text (for snippets), ``now`` (for relative times), positions."""

    text: str
    now: _dt.datetime
    #: id(node) -> (line, column) of where the node starts, for errors found after the fact.
    pos: dict[int, tuple[int, int]] = field(default_factory=dict)
    #: id(JSON object) -> key -> (line, column), to place from_dict's errors in the text.
    keys: dict[int, dict[str, tuple[int, int]]] = field(default_factory=dict)

    def fail(self, message: str, line: int, column: int, hint: str | None = None) -> QueryError:
        return QueryError(
            message,
            line=line,
            column=column,
            snippet=snippet(self.text, line, column),
            hint=hint,
        )

    def fail_at(self, tok: Token, message: str, hint: str | None = None) -> QueryError:
        return self.fail(message, tok.line or 1, tok.column or 1, hint)  # type: ignore[arg-type]


CTX: contextvars.ContextVar[Context] = contextvars.ContextVar("querylang_text_ctx")


def string_value(tok: Token) -> str:
    """A STRING token's value (JSON escapes decoded; errors point into the string)."""
    inner = tok.value[1:-1]
    if _PLAIN_STRING.fullmatch(inner):
        return inner
    try:
        return json.loads(tok.value)
    except json.JSONDecodeError as exc:
        ctx = CTX.get()
        raise ctx.fail(f"invalid string: {exc.msg}", tok.line, tok.column + exc.pos) from None


def _locate(ctx: Context, obj: Any, where: str) -> tuple[int, int]:
    """The position of the deepest key on from_dict's error path (``$and[2].a.$gt``)."""
    pos, rest = (1, 1), where
    while rest:
        if rest.startswith("["):
            m = re.match(r"\[(\d+)\]\.?", rest)
            if not (m and isinstance(obj, list) and int(m.group(1)) < len(obj)):
                break
            obj, rest = obj[int(m.group(1))], rest[m.end() :]
            continue
        if not isinstance(obj, dict):
            break
        fits = [k for k in obj if rest == k or rest.startswith((k + ".", k + "["))]
        if not fits:
            break
        key = max(fits, key=len)
        pos = ctx.keys.get(id(obj), {}).get(key, pos)
        obj, rest = obj[key], rest[len(key) :].removeprefix(".")
    return pos


class ValueBuilder(Transformer):
    """Callbacks for JSON text, scalars and the literal values of the textual language."""

    # -- JSON form

    def json_query(self, children: list) -> n.Node:
        try:
            return from_dict(children[0])
        except QueryError as exc:
            if exc.line is not None:
                raise
            ctx = CTX.get()
            line, column = _locate(ctx, children[0], exc.path or "")
            where = f" (at {exc.path})" if exc.path else ""
            raise QueryError(
                exc.message + where,
                path=exc.path,
                line=line,
                column=column,
                snippet=snippet(ctx.text, line, column),
                hint=exc.hint,
            ) from None

    def json_object(self, pairs: list) -> Any:
        obj: dict[str, Any] = {}
        for tok, key, value in pairs:
            if key in obj:
                raise CTX.get().fail_at(tok, f"duplicate key {key!r} in a JSON object")
            obj[key] = value
        CTX.get().keys[id(obj)] = {key: (tok.line, tok.column) for tok, key, _ in pairs}
        if obj and len(obj) <= 2 and frozenset(obj) in extjson.WRAPPER_KEYS:
            try:
                return extjson.decode(obj, where="")
            except (ValueError, TypeError, OverflowError) as exc:
                message = re.sub(r"^at [^:]*: ", "", str(exc))
                raise CTX.get().fail_at(pairs[0][0], message) from None
        return obj

    def json_pair(self, children: list) -> tuple[Token, str, Any]:
        tok, value = children
        return tok, string_value(tok), value

    def json_array(self, children: list) -> list:
        return children

    # -- scalars (both forms)

    def string(self, children: list) -> str:
        return string_value(children[0])

    def int_(self, children: list) -> int:
        return int(children[0])

    def float_(self, children: list) -> float:
        return float(children[0])

    def nan(self, _children: list) -> float:
        return float("nan")

    def infinity(self, children: list) -> float:
        return float(children[0].value.replace("Infinity", "inf"))

    def true(self, _children: list) -> bool:
        return True

    def false(self, _children: list) -> bool:
        return False

    def null(self, _children: list) -> None:
        return None

    # -- literal values of the textual language (built frozen)

    def list(self, children: list) -> tuple:
        return tuple(children)

    def pair(self, children: list) -> tuple[Token, str, Any]:
        tok, value = children
        return tok, string_value(tok), value

    def document(self, pairs: list) -> n.Document:
        seen: set[str] = set()
        for tok, key, _ in pairs:
            if key in seen:
                raise CTX.get().fail_at(tok, f"duplicate key {key!r} in a document")
            seen.add(key)
        return n.Document((key, value) for _, key, value in pairs)

    def datetime(self, children: list) -> _dt.datetime:
        return self._iso(children[0], children[0].value)

    def date_call(self, children: list) -> _dt.datetime:
        return self._iso(children[0], string_value(children[0]))

    @staticmethod
    def _iso(tok: Token, text: str) -> _dt.datetime:
        try:
            return n.freeze(_dt.datetime.fromisoformat(text))  # type: ignore[return-value]
        except (ValueError, OverflowError, OSError):  # naive ones take the local zone: may overflow
            raise CTX.get().fail_at(tok, f"invalid ISO-8601 date-time {text!r}") from None

    def decimal_call(self, children: list) -> decimal.Decimal:
        text = string_value(children[0])
        try:
            return decimal.Decimal(text)
        except decimal.InvalidOperation:
            raise CTX.get().fail_at(children[0], f"invalid decimal {text!r}") from None

    def binary_call(self, children: list) -> bytes:
        text = string_value(children[0])
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise CTX.get().fail_at(children[0], f"invalid base64 {text!r}") from None

    def ago_call(self, children: list) -> _dt.datetime:
        tok = children[0]
        text = string_value(tok)
        total = _dt.timedelta()
        pos = 0
        try:
            for m in _DURATION_PART.finditer(text):
                if m.start() != pos:
                    break
                total += _dt.timedelta(**{_DURATION_UNITS[m.group(2)]: float(m.group(1))})
                pos = m.end()
            if pos and not text[pos:].strip():
                return CTX.get().now - total
        except (OverflowError, ValueError):
            raise CTX.get().fail_at(tok, f"duration {text!r} is too long") from None
        raise CTX.get().fail_at(
            tok,
            f"invalid duration {text!r}",
            hint='write a number and a unit (ms, s, m, h, d, w), e.g. "90s" or "1h30m"',
        )

    def now_call(self, _children: list) -> _dt.datetime:
        return CTX.get().now

    def regex(self, children: list) -> n.Regex:
        tok = children[0]
        body, _, flags = tok.value[1:].rpartition("/")
        pattern = re.sub(r"\\(.)", lambda m: "/" if m.group(1) == "/" else m.group(0), body)
        return self._checked(tok, pattern, flags)

    def regex_string(self, children: list) -> n.Regex:
        return self._checked(children[0], string_value(children[0]), "")

    def regex_call(self, children: list) -> n.Regex:
        flags = string_value(children[1]) if len(children) > 1 else ""
        return self._checked(children[0], string_value(children[0]), flags)

    @staticmethod
    def _checked(tok: Token, pattern: str, flags: str) -> n.Regex:
        try:
            return checked_regex(pattern, flags, "")
        except QueryError as exc:
            raise CTX.get().fail_at(tok, exc.message) from None
