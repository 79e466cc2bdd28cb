"""Text front end: Mongo-style JSON text and the textual language -> AST, via one Lark grammar.

``grammar/query.lark`` holds one LALR grammar for both forms: a ``{`` at the top starts the
JSON form (values decoded, Extended JSON included, then handed to :func:`from_dict`, so dict
and JSON text give identical trees); anything else is the textual language
(``completed == null and submitted >= ago("1h")``), built straight into the same nodes
:func:`from_dict` makes for the equivalent dict.  The tree is built *while* parsing (an
inline transformer), so no step recurses over the input: deep nesting is refused up front by
a bracket scan and afterwards by a tree-depth check, and a megabyte query parses in linear
time.  Nothing here evaluates user text as code.

Parts: :mod:`.transformer` (the rule callbacks: values and nodes), :mod:`.literals` (decoding
strings, dates, durations, decimals, binary, regexes), :mod:`.context` (one parse's state),
:mod:`.errors` (Lark's exceptions -> QueryError); ``docs/language.md`` is the language
reference.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from importlib import resources
from pathlib import Path as _FsPath
from typing import cast

from lark import Lark
from lark.exceptions import LarkError, UnexpectedInput

from ... import nodes as n
from ...errors import QueryError
from ...limits import MAX_BRACKET_DEPTH
from .context import CTX, Context
from .errors import end_position, position_of, snippet, syntax_error
from .transformer import TextTransformer

__all__ = ["parse_text"]

#: Strings and /regexes/ (skipped), brackets (counted).  An unclosed string or regex runs to
#: the end of its line instead of failing, so the scan never backtracks: always linear.
_SCAN = re.compile(
    r'"(?:[^"\\\n\r]|\\[^\n\r])*(?:"|$)|/(?:[^/\\\n\r]|\\[^\n\r])*(?:/|$)|[\[\]{}()]', re.M
)


def parse_text(text: str, *, now: _dt.datetime | None = None) -> n.Node:
    """Parse query text (JSON form or textual language) into an AST.

    ``now`` anchors relative times (``ago("1h")``, ``now()``); it defaults to the current
    UTC time.  Every bad input raises :class:`QueryError` with line, column and a snippet.
    """
    if not isinstance(text, str):
        raise QueryError(f"query text must be str, not {type(text).__name__}")
    _check_brackets(text)
    if now is None:
        now = _dt.datetime.now(_dt.UTC)
    elif now.tzinfo is None:
        now = now.astimezone()  # local time, as querylang.nodes.freeze takes naive datetimes
    token = CTX.set(Context(text, now))
    try:
        # The transformer runs inline: what the parser returns is the root node.
        return cast(n.Node, _parser().parse(text))
    except QueryError:
        raise
    except UnexpectedInput as exc:
        raise syntax_error(text, exc) from None
    except (LarkError, RecursionError) as exc:  # defensive: never let these escape
        line, column = end_position(text)
        raise QueryError(
            f"cannot parse query: {type(exc).__name__}",
            line=line,
            column=column,
            snippet=snippet(text, line, column),
        ) from None
    finally:
        CTX.reset(token)


# --- the parser, built once ----------------------------------------------------------------


def _grammar_text() -> str:
    """The grammar from the installed package, or from ``<repo>/grammar`` in a checkout."""
    try:
        return resources.files("querylang.grammar").joinpath("query.lark").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        repo = _FsPath(__file__).resolve().parents[3]
        return (repo / "grammar" / "query.lark").read_text("utf-8")


@functools.cache
def _parser() -> Lark:
    return Lark(
        _grammar_text(),
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=False,
        transformer=TextTransformer(),
    )


def _check_brackets(text: str) -> None:
    """Refuse deep bracket nesting with a linear scan (strings and /regexes/ skipped)."""
    depth = 0
    for m in _SCAN.finditer(text):
        ch = m.group()
        if ch in "([{":
            depth += 1
            if depth > MAX_BRACKET_DEPTH:
                line, column = position_of(text, m.start())
                raise QueryError(
                    f"query nested deeper than {MAX_BRACKET_DEPTH} brackets",
                    line=line,
                    column=column,
                    snippet=snippet(text, line, column),
                )
        elif ch in ")]}":
            depth -= 1
