"""One parse's state, in a context variable: the one Lark parser then serves every thread.

The transformer's callbacks run inside the LALR parser and get only their children, so what
they need besides (the text for snippets, ``now`` for relative times, where nodes and JSON
keys start) lives in :class:`Context`, set by :func:`~.parser.parse_text` for one parse.
"""

from __future__ import annotations

import contextvars
import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any

from lark import Token

from ...errors import QueryError
from .errors import snippet

__all__ = ["Context", "CTX"]

_INDEX_STEP = re.compile(r"\[(\d+)\]\.?")


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
        """A QueryError at ``line``/``column`` of the text, with a caret under it."""
        return QueryError(
            message,
            line=line,
            column=column,
            snippet=snippet(self.text, line, column),
            hint=hint,
        )

    def fail_at(
        self, tok: Token, message: str, hint: str | None = None, offset: int = 0
    ) -> QueryError:
        """A QueryError ``offset`` characters into token ``tok``."""
        return self.fail(message, tok.line or 1, (tok.column or 1) + offset, hint)

    def placed(self, exc: QueryError, obj: Any) -> QueryError:
        """``exc``, raised by from_dict on the JSON object ``obj`` this parse built, placed in
        the text: at the deepest key of its query path."""
        line, column = self._locate(obj, exc.path or "")
        where = f" (at {exc.path})" if exc.path else ""
        return QueryError(
            exc.message + where,
            path=exc.path,
            line=line,
            column=column,
            snippet=snippet(self.text, line, column),
            hint=exc.hint,
        )

    def _locate(self, obj: Any, where: str) -> tuple[int, int]:
        """Where the deepest key on a query path (``$and[2].a.$gt``) is written."""
        pos, rest = (1, 1), where
        while rest:
            if rest.startswith("["):
                m = _INDEX_STEP.match(rest)
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
            pos = self.keys.get(id(obj), {}).get(key, pos)
            obj, rest = obj[key], rest[len(key) :].removeprefix(".")
        return pos


CTX: contextvars.ContextVar[Context] = contextvars.ContextVar("querylang_text_ctx")
