"""Front end for Python dicts: a MongoDB filter document -> AST.

Mongo-style query *text* reaches this module too: the text front end decodes the JSON (and
Extended JSON) into Python values and hands them here, so both give identical trees.
Every malformed part raises :class:`QueryError` naming where it is (``$and[2].submitted``).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import re
from collections.abc import Mapping
from typing import Any

from .. import nodes as n
from ..errors import QueryError, suggest
from ..limits import MAX_QUERY_DEPTH
from ..regex import canonical_options, compile_regex, regex_from_pattern
from ..values import check_date, check_decimal128, check_int64, to_int64

__all__ = ["from_dict", "parse_path", "checked_regex"]

_FIELD_OPS = set(n.MONGO_CMP) | {
    "$in",
    "$nin",
    "$all",
    "$exists",
    "$type",
    "$mod",
    "$regex",
    "$options",
    "$size",
    "$elemMatch",
    "$not",
    "$glob",
}
_TOP_OPS = {"$and", "$or", "$nor", "$comment"}
_REFUSED = {
    "$where": "$where runs JavaScript; taskdb never executes code from a query",
    "$expr": "$expr (aggregation expressions) is not supported",
    "$function": "$function runs code; taskdb never executes code from a query",
    "$accumulator": "$accumulator runs code; taskdb never executes code from a query",
}
_UNSUPPORTED = {
    "$text",
    "$jsonSchema",
    "$near",
    "$nearSphere",
    "$geoWithin",
    "$geoIntersects",
    "$bitsAllSet",
    "$bitsAnySet",
    "$bitsAllClear",
    "$bitsAnyClear",
    "$sampleRate",
    "$rand",
    "$meta",
    "$slice",
}


def _shown(value: Any) -> str:
    """``repr(value)`` for messages, short, and safe for ints too long for ``str``."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**40:
        return f"<an integer of about {value.bit_length() * 30103 // 100000} digits>"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _sub(where: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


def _check_value(value: Any, where: str, base: int) -> None:
    """Refuse literals nested deeper than MAX_QUERY_DEPTH (iteratively: no recursion to
    blow) and values MongoDB cannot hold: ints beyond int64, decimals beyond decimal128,
    dates outside the UTC range (docs/semantics.md, "Numbers", "Dates")."""
    stack = [(value, base)]
    while stack:
        v, d = stack.pop()
        if d > MAX_QUERY_DEPTH:
            raise QueryError(f"query nested deeper than {MAX_QUERY_DEPTH} levels", path=where)
        if isinstance(v, Mapping):
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list | tuple):
            stack.extend((x, d + 1) for x in v)
        elif isinstance(v, bool):
            continue
        try:
            if isinstance(v, int):
                check_int64(v)
            elif isinstance(v, decimal.Decimal):
                check_decimal128(v)
            elif isinstance(v, _dt.datetime):
                check_date(v)
        except ValueError as exc:
            raise QueryError(str(exc), path=where) from None


def _literal(value: Any, where: str, depth: int) -> n.Literal:
    _check_value(value, where, depth)
    if isinstance(value, re.Pattern | n.Regex):
        value = _as_regex(value, where)
    try:
        return n.Literal(n.freeze(value))
    except TypeError as exc:
        raise QueryError(f"unsupported value: {exc}", path=where) from None


def _as_regex(value: re.Pattern[Any] | n.Regex, where: str) -> n.Regex:
    """A regex operand, validated: hand-built :class:`Regex` values are checked too."""
    if isinstance(value, n.Regex):
        return checked_regex(value.pattern, value.flags, where)
    return _regex_from_pattern(value, where)


def _regex_from_pattern(p: re.Pattern[Any], where: str) -> n.Regex:
    """A compiled Python pattern is its text and flags, read as PCRE2 (as pymongo sends it)."""
    try:
        regex = regex_from_pattern(p)
    except ValueError as exc:
        raise QueryError(str(exc), path=where) from None
    return checked_regex(regex.pattern, regex.flags, where)


def checked_regex(pattern: Any, flags: Any, where: str) -> n.Regex:
    """A validated :class:`Regex` (known flags, canonical order, compiles), or QueryError."""
    if not isinstance(pattern, str):
        raise QueryError(f"$regex needs a string, not {type(pattern).__name__}", path=where)
    if not isinstance(flags, str):
        raise QueryError(f"$options needs a string, not {type(flags).__name__}", path=where)
    try:
        canon = canonical_options(flags)
    except ValueError as exc:
        raise QueryError(str(exc), path=where) from None
    regex = n.Regex(pattern, canon)
    try:
        compile_regex(regex)
    except QueryError as exc:
        raise QueryError(exc.message, path=where) from None
    return regex


def parse_path(key: Any, where: str) -> n.Path:
    if not isinstance(key, str):
        raise QueryError(f"field names must be strings, not {type(key).__name__}", path=where)
    # Empty field names are legal anywhere in a path ("", ".", "x.", "x..y"), as in
    # MongoDB (jstests/core/query/field_name_empty.js); reference.resolve gives their rule.
    parts = tuple(key.split("."))
    if parts[0].startswith("$"):
        raise QueryError(f"unknown top-level operator {key!r}", path=where)
    return parts


def _is_operator_doc(value: Any) -> bool:
    if not isinstance(value, Mapping) or not value:
        return False
    first = next(iter(value))
    return isinstance(first, str) and first.startswith("$")


def _and(children: list[n.Node]) -> n.Node:
    return children[0] if len(children) == 1 else n.And(tuple(children))


def from_dict(query: Any) -> n.Node:
    """Turn a MongoDB filter document into an AST (``{}`` is ``Const(True)``)."""
    if not isinstance(query, Mapping):
        raise QueryError(f"a query must be a dict, not {type(query).__name__}")
    return _document(query, "", 0)


def _document(query: Mapping[Any, Any], where: str, depth: int) -> n.Node:
    if depth > MAX_QUERY_DEPTH:
        raise QueryError(f"query nested deeper than {MAX_QUERY_DEPTH} levels", path=where or None)
    if not query:
        return n.Const(True)
    children: list[n.Node] = []
    for key, value in query.items():
        here = _sub(where, key) if isinstance(key, str) else where
        if isinstance(key, str) and key.startswith("$"):
            children.append(_top_operator(key, value, here, depth))
        else:
            path = parse_path(key, here or "<query>")
            children.extend(_field(path, value, here, depth))
    return _and(children)


def _top_operator(key: str, value: Any, where: str, depth: int) -> n.Node:
    if key in ("$and", "$or", "$nor"):
        if not isinstance(value, list | tuple) or not value:
            raise QueryError(f"{key} needs a non-empty list of queries", path=where)
        kids = []
        for i, sub in enumerate(value):
            sub_where = _sub(where, i)
            if not isinstance(sub, Mapping):
                raise QueryError(
                    f"{key} entries must be query documents, not {type(sub).__name__}",
                    path=sub_where,
                )
            kids.append(_document(sub, sub_where, depth + 1))
        if key == "$nor":
            return n.Nor(tuple(kids))
        if len(kids) == 1:
            return kids[0]
        return n.And(tuple(kids)) if key == "$and" else n.Or(tuple(kids))
    if key == "$comment":
        if not isinstance(value, str):
            raise QueryError("$comment needs a string", path=where)
        return n.Comment(value)
    _refuse(key, where, _TOP_OPS)
    raise AssertionError("unreachable")


def _refuse(op: str, where: str, known: set[str]) -> None:
    if op in _REFUSED:
        raise QueryError(_REFUSED[op], path=where)
    if op in _UNSUPPORTED:
        raise QueryError(f"{op} is not supported", path=where)
    hint = suggest(op, sorted(known))
    raise QueryError(f"unknown operator {op!r}", path=where, hint=hint)


def _field(path: n.Path, value: Any, where: str, depth: int) -> list[n.Node]:
    if _is_operator_doc(value):
        return _operators(path, value, where, depth)
    if isinstance(value, re.Pattern | n.Regex):
        return [n.Match(path, _as_regex(value, where))]
    return [n.Compare(path, "eq", _literal(value, where, depth))]


def _operators(path: n.Path, ops: Mapping[Any, Any], where: str, depth: int) -> list[n.Node]:
    if depth > MAX_QUERY_DEPTH:
        raise QueryError(f"query nested deeper than {MAX_QUERY_DEPTH} levels", path=where)
    out: list[n.Node] = []
    regex_done = False
    for op, arg in ops.items():
        here = _sub(where, op) if isinstance(op, str) else where
        if not isinstance(op, str) or not op.startswith("$"):
            raise QueryError(
                f"cannot mix operators and field names in one condition ({_shown(op)})", path=here
            )
        if op in ("$regex", "$options"):
            if regex_done:
                continue
            regex_done = True
            out.append(n.Match(path, _regex_operand(ops, where)))
            continue
        out.append(_operator(path, op, arg, here, depth))
    return out


def _regex_operand(ops: Mapping[Any, Any], where: str) -> n.Regex:
    if "$regex" not in ops:
        raise QueryError("$options needs a $regex", path=_sub(where, "$options"))
    pattern = ops["$regex"]
    here = _sub(where, "$regex")
    options = ops.get("$options")
    if isinstance(pattern, re.Pattern | n.Regex):
        base = _as_regex(pattern, here)
        if options is not None:
            if base.flags:
                raise QueryError("options set in both $regex and $options", path=here)
            return checked_regex(base.pattern, options, here)
        return base
    return checked_regex(pattern, "" if options is None else options, here)


def _number(arg: Any) -> bool:
    return isinstance(arg, int | float | decimal.Decimal) and not isinstance(arg, bool)


def _whole(arg: Any) -> int | None:
    """``arg`` as an int64 if it is a whole number within int64 (ints, floats like 2.0,
    Decimals like 2.00), else None.  Never raises (10**400, 1e300, NaN, sNaN)."""
    if not _number(arg):
        return None
    whole = to_int64(arg)
    return whole if whole is not None and whole == arg else None


def _operator(path: n.Path, op: str, arg: Any, where: str, depth: int) -> n.Node:
    if op in n.MONGO_CMP:
        if isinstance(arg, re.Pattern | n.Regex) and op != "$eq":
            raise QueryError(f"{op} cannot take a regular expression", path=where)
        if _is_operator_doc(arg):
            raise QueryError(f"{op} takes a value, not an operator document", path=where)
        return n.Compare(path, n.MONGO_CMP[op], _literal(arg, where, depth))
    if op in ("$in", "$nin"):
        if not isinstance(arg, list | tuple):
            raise QueryError(f"{op} needs a list", path=where)
        vals = []
        for i, x in enumerate(arg):
            if _is_operator_doc(x):
                raise QueryError(f"{op} values cannot be operator documents", path=_sub(where, i))
            vals.append(_literal(x, _sub(where, i), depth))
        return n.In(path, tuple(vals), negated=op == "$nin")
    if op == "$all":
        if not isinstance(arg, list | tuple):
            raise QueryError("$all needs a list", path=where)
        elem = [isinstance(x, Mapping) and list(x) == ["$elemMatch"] for x in arg]
        if arg and all(elem):
            return _and(
                [
                    _elem_match(path, x["$elemMatch"], _sub(_sub(where, i), "$elemMatch"), depth)
                    for i, x in enumerate(arg)
                ]
            )
        if any(elem):
            raise QueryError("$all cannot mix $elemMatch and plain values", path=where)
        for i, x in enumerate(arg):
            if _is_operator_doc(x):
                raise QueryError("$all values cannot be operator documents", path=_sub(where, i))
        return n.All(path, tuple(_literal(x, _sub(where, i), depth) for i, x in enumerate(arg)))
    if op == "$exists":
        return n.Exists(path, bool(arg))
    if op == "$type":
        return n.Type(path, _types(arg, where))
    if op == "$mod":
        return _mod(path, arg, where)
    if op == "$size":  # jstests/core/query/find/find_size.js: -1, "str", 3.2 are refused
        size = _whole(arg)
        if size is None or size < 0:
            raise QueryError("$size needs a non-negative whole number (64-bit)", path=where)
        return n.Size(path, size)
    if op == "$elemMatch":
        return _elem_match(path, arg, where, depth)
    if op == "$not":
        if isinstance(arg, re.Pattern | n.Regex):
            return n.Not(n.Match(path, _as_regex(arg, where)))
        if not isinstance(arg, Mapping):
            raise QueryError("$not needs a regex or an operator document", path=where)
        if not arg:
            raise QueryError("$not cannot be empty", path=where)
        if not _is_operator_doc(arg):
            raise QueryError("$not needs operators ($gt, $regex, ...), not a document", path=where)
        return n.Not(_and(_operators(path, arg, where, depth + 1)))
    if op == "$glob":
        if not isinstance(arg, str):
            raise QueryError("$glob needs a string pattern", path=where)
        return n.Glob(path, arg)
    _refuse(op, where, _FIELD_OPS)
    raise AssertionError("unreachable")


def _types(arg: Any, where: str) -> tuple[str, ...]:
    items = arg if isinstance(arg, list | tuple) else [arg]
    if not items:
        raise QueryError("$type needs at least one type", path=where)
    out: list[str] = []
    for x in items:
        if isinstance(x, str):
            if x not in n.TYPE_NAMES:
                hint = suggest(x, n.TYPE_NAMES)
                raise QueryError(f"unknown $type {x!r}", path=where, hint=hint)
            name = x
        elif (code := _whole(x)) is not None and code in n.TYPE_BY_CODE:
            name = n.TYPE_BY_CODE[code]
        else:
            raise QueryError(f"invalid $type {_shown(x)}", path=where)
        if name not in out:
            out.append(name)
    return tuple(out)


def _mod(path: n.Path, arg: Any, where: str) -> n.Node:
    """``$mod: [divisor, remainder]`` (jstests/core/query/mod/mod.js, mod_special_values.js):
    numbers of any type, truncated toward zero; NaN, infinities and values beyond int64 are
    BadValue, and so is a divisor that truncates to 0."""
    if not isinstance(arg, list | tuple):
        raise QueryError("$mod needs a list [divisor, remainder]", path=where)
    if len(arg) < 2:
        raise QueryError("malformed $mod: not enough elements", path=where)
    if len(arg) > 2:
        raise QueryError("malformed $mod: too many elements", path=where)
    out = []
    for x, what in zip(arg, ("divisor", "remainder"), strict=True):
        if not _number(x):
            raise QueryError(f"$mod {what} must be a number", path=where)
        value = to_int64(x)
        finite = x.is_finite() if isinstance(x, decimal.Decimal) else x - x == 0
        if not finite:
            raise QueryError(f"$mod {what} cannot be NaN or infinite", path=where)
        if value is None:
            raise QueryError(f"$mod {what} must fit in a 64-bit integer", path=where)
        out.append(value)
    if out[0] == 0:
        raise QueryError("$mod divisor cannot be 0", path=where)
    return n.Mod(path, out[0], out[1])


_LOGICAL_IN_ELEM = {"$and", "$or", "$nor", "$comment", "$where", "$expr"}


def _elem_match(path: n.Path, arg: Any, where: str, depth: int) -> n.Node:
    if not isinstance(arg, Mapping):
        raise QueryError("$elemMatch needs a query document", path=where)
    first = next(iter(arg), None)
    if isinstance(first, str) and first.startswith("$") and first not in _LOGICAL_IN_ELEM:
        return n.ElemMatch(path, _and(_operators((), arg, where, depth + 1)), value_form=True)
    return n.ElemMatch(path, _document(arg, where, depth + 1), value_form=False)
