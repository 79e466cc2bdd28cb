"""Text for generated code: safe one-line descriptions of values and nodes, and layout.

Comments in generated source quote the query only through :func:`ascii`, which escapes
every non-ASCII and non-printable character, so a comment can never end early and let
query text become code.
"""

from __future__ import annotations

from typing import Any

from .. import nodes as n

__all__ = ["show", "show_path", "describe", "indent", "paren_depth"]


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
    t = type(node)
    if t is n.Compare:
        return f"{show_path(node.path)} {node.op} {show(node.value.value)}"
    if t is n.In:
        vals = show(tuple(lit.value for lit in node.values), 60)
        return f"{show_path(node.path)} {'not in' if node.negated else 'in'} {vals}"
    if t is n.All:
        return f"{show_path(node.path)} all {show(tuple(x.value for x in node.values), 60)}"
    if t is n.Exists:
        return f"{show_path(node.path)} exists {node.exists}"
    if t is n.Type:
        return f"{show_path(node.path)} type {show(node.types)}"
    if t is n.Mod:
        return f"{show_path(node.path)} mod {node.divisor} == {node.remainder}"
    if t is n.Match:
        return f"{show_path(node.path)} regex {show(node.regex)}"
    if t is n.Glob:
        return f"{show_path(node.path)} glob {show(node.pattern)}"
    if t is n.Size:
        return f"{show_path(node.path)} size {node.size}"
    if t is n.ElemMatch:
        form = "values" if node.value_form else "documents"
        return f"{show_path(node.path)} elemMatch ({form})"
    if t is n.Not:
        negations = 0
        while isinstance(node, n.Not):
            node, negations = node.child, negations + 1
        return "not " * (negations % 2) + describe(node)
    if t in (n.And, n.Or, n.Nor):
        return f"{t.__name__.lower()} of {len(node.children)}"
    return show(node)


def indent(text: str) -> str:
    return "\n".join("    " + line if line else line for line in text.split("\n"))


def paren_depth(text: str) -> int:
    depth = best = 0
    for line in text.split("\n"):
        if line.lstrip().startswith("#"):
            continue
        for ch in line:
            if ch == "(":
                depth += 1
                best = max(best, depth)
            elif ch == ")":
                depth -= 1
    return best
