"""The one exception every bad query raises, with where and why."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["QueryError", "suggest"]


class QueryError(ValueError):
    """A query that cannot be parsed, is malformed, or asks for something refused.

    ``message`` says why.  For text, ``line``/``column`` (1-based) and ``snippet`` (the line
    with a caret under the spot) say where; ``expected`` lists what would have been accepted.
    For dicts, ``path`` is where inside the query, e.g. ``$and[2].submitted.$gt``.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        snippet: str | None = None,
        expected: Iterable[str] = (),
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.snippet = snippet
        self.expected = tuple(expected)
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        parts = []
        if self.line is not None:
            parts.append(f"line {self.line}, column {self.column}: {self.message}")
        elif self.path:
            parts.append(f"at {self.path}: {self.message}")
        else:
            parts.append(self.message)
        if self.hint:
            parts.append(f"  {self.hint}")
        if self.expected:
            parts.append("  expected one of: " + ", ".join(self.expected))
        if self.snippet:
            parts.append(self.snippet)
        return "\n".join(parts)


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """A "did you mean" hint for near-miss names (``$gtt`` -> ``$gt``), or None."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None
