"""Printer: any AST -> the canonical text of the textual language.

``parse_text(to_text(node)) == node`` for every tree the front ends produce: parentheses
appear only where precedence (``not`` > ``and`` > ``or``) or an explicitly nested chain needs
them, path components are quoted only when they would not read back as themselves, and
literals keep their exact type and value (``1`` / ``1.0`` / ``true``, ``repr`` floats,
``NaN``, datetimes with their UTC offset, ``decimal("1.10")``, ``binary("AAE=")``).
"""

from __future__ import annotations

import base64
import datetime as _dt
import decimal
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from . import nodes as n
from .errors import QueryError

__all__ = ["to_text", "value_text", "path_text"]

_IDENT = re.compile(r"[^\W\d]\w*")
_DIGITS = re.compile(r"[0-9]+")
#: Words the start of an expression reads as keywords: a field so named must be quoted.
_RESERVED_HEADS = frozenset({"not", "true", "false", "_"})
#: Must accept exactly what the grammar's DATETIME terminal lexes.
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?)?"
)

# Binding strength: a sub-expression weaker than its context gets parentheses.
_OR, _AND, _NOT, _ATOM = 1, 2, 3, 4


def to_text(node: n.Node) -> str:
    """The canonical textual form of ``node`` (QueryError if it holds unprintable values)."""
    try:
        return _expr(node, _OR)
    except RecursionError:
        raise QueryError("query nested too deeply to print") from None


def path_text(path: n.Path) -> str:
    """A path as the grammar reads it: ``a.b.0``, ``"odd name".x``; ``_`` for ``()``."""
    if not path:
        return "_"
    parts = []
    for i, part in enumerate(path):
        bare = (_IDENT.fullmatch(part) or _DIGITS.fullmatch(part)) and not (
            i == 0 and part in _RESERVED_HEADS
        )
        parts.append(part if bare else _string(part))
    return ".".join(parts)


def _expr(node: n.Node, context: int) -> str:
    text, strength = _render(node)
    return f"({text})" if strength < context else text


def _render(node: n.Node) -> tuple[str, int]:
    if isinstance(node, n.Or | n.And):
        if len(node.children) == 1:  # not produced by a front end; print its meaning
            return _render(node.children[0])
        if not node.children:
            return ("true" if isinstance(node, n.And) else "false"), _ATOM
        if isinstance(node, n.Or):
            return " or ".join(_expr(c, _AND) for c in node.children), _OR
        return " and ".join(_expr(c, _NOT) for c in node.children), _AND
    if isinstance(node, n.Not):
        if isinstance(node.child, n.Match):
            return f"{path_text(node.child.path)} !~ {_regex(node.child.regex)}", _ATOM
        return f"not {_expr(node.child, _NOT)}", _NOT
    if isinstance(node, n.Nor):
        if not node.children:
            return "true", _ATOM
        return "nor(" + ", ".join(_expr(c, _OR) for c in node.children) + ")", _ATOM
    if isinstance(node, n.Const):
        return ("true" if node.value else "false"), _ATOM
    if isinstance(node, n.Comment):
        return f"comment {_string(node.text)}", _ATOM
    return _leaf(node), _ATOM


def _leaf(node: n.Node) -> str:
    if isinstance(node, n.Size):
        return f"size({path_text(node.path)}) == {node.size}"
    path = path_text(node.path)  # type: ignore[attr-defined]
    if isinstance(node, n.Compare):
        value = node.value.value
        op = "===" if node.op == "eq" and isinstance(value, n.Regex) else n.CMP_SYMBOL[node.op]
        return f"{path} {op} {value_text(value)}"
    if isinstance(node, n.In):
        op = "not in" if node.negated else "in"
        return f"{path} {op} {_list(v.value for v in node.values)}"
    if isinstance(node, n.All):
        return f"{path} all {_list(v.value for v in node.values)}"
    if isinstance(node, n.Exists):
        return f"{path} exists" if node.exists else f"{path} not exists"
    if isinstance(node, n.Type):
        if len(node.types) == 1:
            return f"{path} is {node.types[0]}"
        return f"{path} is [{', '.join(node.types)}]"
    if isinstance(node, n.Mod):
        return f"{path} % {node.divisor} == {node.remainder}"
    if isinstance(node, n.Match):
        return f"{path} =~ {_regex(node.regex)}"
    if isinstance(node, n.Glob):
        return f"{path} glob {_string(node.pattern)}"
    if isinstance(node, n.ElemMatch):
        return f"{path} elemMatch ({_expr(node.query, _OR)})"
    raise QueryError(f"cannot print {type(node).__name__} nodes")


# --- literal values ----------------------------------------------------------------------


def value_text(value: Any) -> str:
    """A literal as the textual language writes it (reads back to an equal Literal)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(float(value))
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, decimal.Decimal):
        return f"decimal({_string(str(value))})"
    if isinstance(value, bytes | bytearray | memoryview):
        return f"binary({_string(base64.b64encode(bytes(value)).decode('ascii'))})"
    if isinstance(value, _dt.datetime):
        return _datetime(value)
    if isinstance(value, n.Regex):
        return _regex(value)
    if isinstance(value, Mapping):
        items = (f"{_string(k)}: {value_text(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, tuple | list):
        return _list(value)
    raise QueryError(f"cannot print a {type(value).__name__} literal")


def _list(values: Any) -> str:
    return "[" + ", ".join(value_text(v) for v in values) + "]"


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _datetime(value: _dt.datetime) -> str:
    iso = value.isoformat()
    if value.utcoffset() == _dt.timedelta(0) and iso.endswith("+00:00"):
        iso = iso[:-6] + "Z"
    return iso if _DATETIME.fullmatch(iso) else f"date({_string(iso)})"


def _regex(regex: n.Regex) -> str:
    """``/pattern/flags`` when the slash form spells the pattern exactly, else ``regex(..)``.

    In the slash form ``\\/`` stands for ``/``, so a pattern that itself contains the escape
    ``\\/`` (or a line break, or is empty) is written with a JSON string instead.
    """
    pattern = regex.pattern
    pairs = re.findall(r"\\.|\\$", pattern, re.S)
    if pattern and not re.search(r"[\n\r]", pattern) and "\\/" not in pairs and "\\" not in pairs:
        body = re.sub(r"\\.|/", lambda m: "\\/" if m.group() == "/" else m.group(), pattern)
        return f"/{body}/{regex.flags}"
    if regex.flags:
        return f"regex({_string(pattern)}, {_string(regex.flags)})"
    return f"regex({_string(pattern)})"
