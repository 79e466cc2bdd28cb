"""Text for generated code: its two spellings, safe one-line descriptions, and layout.

Comments in generated source quote the query only through :func:`ascii`, which escapes
every non-ASCII and non-printable character, so a comment can never end early and let
query text become code.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .. import nodes as n

__all__ = ["Code", "show", "show_path", "describe", "indent", "paren_depth"]


class Code(NamedTuple):
    """Generated code spelled twice: ``shown`` is laid out and commented for people
    (``explain``); ``bare`` has no comments, so it is one text for every query of one shape
    (what is compiled), and no layout where Python needs none (inside brackets)."""

    shown: str
    bare: str


def show(value: Any, limit: int = 72) -> str:
    """A one-line, ASCII-only description for comments (never contains a newline)."""
    s = ascii(n.thaw(value) if isinstance(value, tuple | n.Document) else value)
    return s if len(s) <= limit else s[: limit - 3] + "..."


def show_path(path: n.Path) -> str:
    if not path:
        return "(element)"
    if any("." in p for p in path):
        return show(path, 60)
    return show(".".join(path), 60)


def describe(node: n.Node) -> str:
    """One line saying what ``node`` tests, for comments (only :func:`show` quotes values)."""
    if type(node) is n.Compare:
        return f"{show_path(node.path)} {node.op} {show(node.value.value)}"
    if type(node) is n.In:
        vals = show(tuple(lit.value for lit in node.values), 60)
        return f"{show_path(node.path)} {'not in' if node.negated else 'in'} {vals}"
    if type(node) is n.All:
        return f"{show_path(node.path)} all {show(tuple(x.value for x in node.values), 60)}"
    if type(node) is n.Exists:
        return f"{show_path(node.path)} exists {node.exists}"
    if type(node) is n.Type:
        return f"{show_path(node.path)} type {show(node.types)}"
    if type(node) is n.Mod:
        return f"{show_path(node.path)} mod {node.divisor} == {node.remainder}"
    if type(node) is n.Match:
        return f"{show_path(node.path)} regex {show(node.regex)}"
    if type(node) is n.Glob:
        return f"{show_path(node.path)} glob {show(node.pattern)}"
    if type(node) is n.Size:
        return f"{show_path(node.path)} size {node.size}"
    if type(node) is n.ElemMatch:
        form = "values" if node.value_form else "documents"
        return f"{show_path(node.path)} elemMatch ({form})"
    if type(node) is n.Not:
        negations = 0
        inner: n.Node = node
        while isinstance(inner, n.Not):
            inner, negations = inner.child, negations + 1
        return "not " * (negations % 2) + describe(inner)
    if type(node) is n.And or type(node) is n.Or or type(node) is n.Nor:
        return f"{type(node).__name__.lower()} of {len(node.children)}"
    return show(node)


def indent(text: str) -> str:
    return "\n".join("    " + line if line else line for line in text.split("\n"))


def paren_depth(code: str) -> int:
    """The deepest parenthesis nesting in comment-free ``code``."""
    depth = best = 0
    for ch in code:
        if ch == "(":
            depth += 1
            best = max(best, depth)
        elif ch == ")":
            depth -= 1
    return best
