"""Hints for queries that match nothing because of their types, told in the data's terms.

MongoDB compares values of one type bracket only: ``submitted > "2024-01-01"`` is false for
every date.  Looking at the values a field holds in the data, these hints say so and offer
the literal that was probably meant.  ``started < submitted`` (two fields) is not a filter
query at all; its syntax error gets a hint about that instead of one about quotes.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import querylang
from querylang import QueryError
from querylang import nodes as n
from querylang.frontends import extjson
from querylang.values import (
    R_ARRAY,
    R_BIN,
    R_BOOL,
    R_DATE,
    R_NULL,
    R_NUMBER,
    R_OBJECT,
    R_REGEX,
    R_STRING,
    type_rank,
)

__all__ = ["field_types", "type_hints", "field_paths", "improve_error"]

_WORDS = {
    R_NULL: "nulls",
    R_NUMBER: "numbers",
    R_STRING: "strings",
    R_OBJECT: "documents",
    R_ARRAY: "arrays",
    R_BIN: "binary data",
    R_BOOL: "booleans",
    R_DATE: "dates",
    R_REGEX: "regexes",
}
_ONE = {
    R_NUMBER: "a number",
    R_STRING: "a string",
    R_OBJECT: "a document",
    R_ARRAY: "an array",
    R_BIN: "binary data",
    R_BOOL: "a boolean",
    R_DATE: "a date",
    R_REGEX: "a regex",
}


def field_paths(records: Iterable[Mapping[str, Any]], limit: int = 500) -> list[str]:
    """The dotted paths of the fields in ``records`` (into documents, and documents in
    arrays), in first-seen order."""
    seen: dict[str, None] = {}

    def walk(doc: Mapping[str, Any], prefix: str, depth: int) -> None:
        for key, value in doc.items():
            if not isinstance(key, str) or len(seen) >= limit:
                continue
            path = prefix + key
            seen.setdefault(path, None)
            if depth >= 4:
                continue
            if isinstance(value, Mapping):
                walk(value, path + ".", depth + 1)
            elif isinstance(value, list | tuple):
                for element in value[:20]:
                    if isinstance(element, Mapping):
                        walk(element, path + ".", depth + 1)

    for rec in records:
        walk(rec, "", 0)
    return list(seen)


def field_types(records: Iterable[Mapping[str, Any]], path: Sequence[str]) -> Counter[int]:
    """How often each type bracket occurs at ``path`` (array elements count as themselves)."""
    from .results import path_values

    counts: Counter[int] = Counter()
    dotted = ".".join(path)
    for rec in records:
        for value in path_values(rec, dotted):
            if isinstance(value, list | tuple):
                counts[R_ARRAY] += 1
                counts.update(type_rank(v) for v in value)
            else:
                counts[type_rank(value)] += 1
    return counts


def _as_date(text: str) -> _dt.datetime | None:
    """``text`` read as a date-time (a date alone, or no offset: UTC), or None."""
    try:
        value = _dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=_dt.UTC)


def _as_number(text: str) -> int | float | None:
    if not re.fullmatch(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*", text):
        return None
    number = float(text)
    return int(number) if number.is_integer() and re.fullmatch(r"\s*[-+]?\d+\s*", text) else number


def _spell(value: Any, json_form: bool) -> str:
    """A literal as the user writes it: in the textual language or as Extended JSON."""
    if json_form:
        return extjson.dumps(value)
    return str(querylang.from_dict({"x": value})).removeprefix("x == ")


def _suggestion(value: Any, held: set[int], json_form: bool) -> str:
    if isinstance(value, str):
        if R_DATE in held and (date := _as_date(value)) is not None:
            return f"; did you mean {_spell(date, json_form)}?"
        if R_NUMBER in held and (number := _as_number(value)) is not None:
            return f"; did you mean {_spell(number, json_form)}?"
    if R_STRING in held and isinstance(value, int | float | _dt.datetime):
        if not isinstance(value, bool):
            return f"; did you mean {_spell(str(value), json_form)}?"
    return ""


def _leaves(node: n.Node) -> Iterable[tuple[tuple[str, ...], str, list[Any]]]:
    """``(path, operator, literal values)`` of the top-level comparisons of a query."""
    for leaf in n.level_leaves(node):
        if isinstance(leaf, n.Compare):
            yield leaf.path, n.CMP_SYMBOL[leaf.op], [leaf.value.value]
        elif isinstance(leaf, n.In):
            yield leaf.path, "not in" if leaf.negated else "in", [v.value for v in leaf.values]


def type_hints(
    query: querylang.Query, records: Sequence[Mapping[str, Any]], json_form: bool = False
) -> list[str]:
    """Hints for the comparisons in ``query`` that cannot match the values in ``records``,
    and for fields that no record has."""
    if not records:
        return []
    hints: list[str] = []
    known: list[str] | None = None
    for path, op, values in _leaves(query.node):
        dotted = ".".join(path)
        counts = field_types(records, path)
        held = {rank for rank in counts if rank != R_NULL}
        if not counts:
            known = known if known is not None else field_paths(records)
            close = difflib.get_close_matches(dotted, known, n=1, cutoff=0.6)
            maybe = f"; did you mean {close[0]}?" if close else ""
            hints.append(f"no record here has a field {dotted}{maybe}")
            continue
        if not held:
            continue
        for value in values:
            rank = type_rank(n.thaw(value))
            if value is None or rank in held or rank == R_REGEX:
                continue
            kinds = sorted(held, key=lambda r: -counts[r])
            holds = " and ".join(_WORDS.get(r, "other values") for r in kinds[:2])
            literal = _spell(n.thaw(value), json_form)
            what = _ONE.get(rank, "a value of another type")
            never = "is true for every record" if op in ("!=", "not in") else "matches nothing"
            hints.append(
                f"field {dotted} holds {holds} in this data, so {dotted} {op} {literal} "
                f"({what}) {never}" + _suggestion(n.thaw(value), held, json_form)
            )
    return hints


# --- syntax errors ---------------------------------------------------------------------------

_FIELD_AFTER_OP = re.compile(r"([\w.\"]+)\s*(==|!=|<=|>=|<|>)\s*$")


def improve_error(exc: QueryError, text: str, fields: Iterable[str] = ()) -> QueryError:
    """``exc`` with a better hint where the "value" the parser choked on is a field name:
    ``started < submitted`` compares two fields, which a filter query cannot do."""
    if exc.line is None or exc.column is None:
        return exc
    word = re.match(r"unexpected '([A-Za-z_][\w.]*)'", exc.message)
    if word is None:
        return exc
    lines = text.split("\n")
    before = lines[exc.line - 1][: exc.column - 1] if exc.line <= len(lines) else ""
    left = _FIELD_AFTER_OP.search(before)
    if left is None:
        return exc
    other, op = word.group(1), left.group(2)
    if other not in set(fields):
        return exc  # a bare word, not a field: the parser's hint about quotes stands
    hint = (
        f"{left.group(1)} {op} {other} compares two fields: a query compares a field with a "
        "value (MongoDB needs $expr for two fields, which taskdb does not run); "
        f'to compare with the text, quote it: "{other}"'
    )
    return QueryError(
        exc.message,
        line=exc.line,
        column=exc.column,
        snippet=exc.snippet,
        expected=exc.expected,
        hint=hint,
    )
