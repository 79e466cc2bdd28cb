"""The names generated code reads, and the values bound to them.

Generated code never spells a field name, a literal or a helper: each is bound to a name
whose only variable part is a counter (``K0``, ``C1``, ``L2``...), and the factory receives
the values as arguments.  One :class:`Bindings` serves every emitter of one query, so equal
values share a name and no two things get the same one.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from typing import Any

from .. import nodes as n
from .codetext import show

__all__ = ["Bindings"]

#: Classes whose values are deduplicated by value (a float NaN never equals itself: by id).
_BY_VALUE = (str, int, float, bool, bytes, type(None))


class Bindings:
    """Fresh names, values bound to names, and a note on each for the source's header."""

    def __init__(self, base: Mapping[str, Any]) -> None:
        self.names: dict[str, Any] = dict(base)
        #: ``(name, note)`` in binding order: what each bound name holds, ASCII only.
        self.notes: list[tuple[str, str]] = []
        self._dedupe: dict[Hashable, str] = {}
        self._counts: dict[str, int] = {}

    def fresh(self, prefix: str) -> str:
        """A name never handed out before (a local variable, a function, a binding)."""
        count = self._counts.get(prefix, 0)
        self._counts[prefix] = count + 1
        return f"{prefix}{count}"

    def bind(self, prefix: str, value: object, note: str | None = None) -> str:
        """Bind ``value`` to a new (or deduplicated) generated name and return the name."""
        key: Hashable
        if type(value) in _BY_VALUE and not (type(value) is float and math.isnan(value)):
            key = (prefix, type(value), value)
        elif type(value) is frozenset:
            if all(type(x) is type for x in value):  # class sets: hashing is exact
                key = (prefix, frozenset, value)
            else:  # values: True, 1 and 1.0 must not collapse
                key = (prefix, frozenset, frozenset(n.value_key(x) for x in value))
        else:
            key = (prefix, id(value))
        name = self._dedupe.get(key)
        if name is not None:
            return name
        name = self.fresh(prefix)
        self._dedupe[key] = name
        self.names[name] = value
        self.notes.append((name, note if note is not None else show(value)))
        return name
