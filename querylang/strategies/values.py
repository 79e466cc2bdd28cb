"""Strategies for JSON-like values and free-form documents.

Every strategy object is built once and cached: Hypothesis validates each new strategy
object it meets, and building them per draw made generation several times slower.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from . import _pools as p

__all__ = ["DEFAULT_FIELDS", "json_values", "documents"]

DEFAULT_FIELDS = p.DEFAULT_FIELDS


@functools.lru_cache(maxsize=4)
def _scalars(json_only: bool = False) -> st.SearchStrategy[Any]:
    """Scalars, biased (5:1) toward small shared pools so that equality queries hit."""
    small = st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from(p.INTS),
        st.sampled_from(p.INTS),
        st.sampled_from(p.FLOATS[: p.JSON_FLOATS] if json_only else p.FLOATS),
        st.sampled_from(p.STRINGS),
        st.sampled_from(p.STRINGS),
        *(() if json_only else (st.sampled_from(p.BYTES), st.sampled_from(p.DATES))),
    )
    wide = st.one_of(
        st.sampled_from(p.BIG_INTS),
        st.integers(),
        st.floats(allow_nan=not json_only, allow_infinity=not json_only),
        st.text(max_size=4),
        *(() if json_only else (st.binary(max_size=4), _datetimes())),
    )
    return st.one_of(small, small, small, small, small, wide)


def _datetimes() -> st.SearchStrategy[_dt.datetime]:
    """Aware datetimes in a few zones, and naive ones (taken as local time by freeze)."""
    lo, hi = _dt.datetime(2000, 1, 1), _dt.datetime(2040, 1, 1)
    return st.one_of(
        st.datetimes(lo, hi, timezones=st.sampled_from(p.ZONES)),
        st.datetimes(lo, hi),
    )


def json_values(
    max_depth: int = 3, *, keys: Sequence[str] | None = None, json_only: bool = False
) -> st.SearchStrategy[Any]:
    """JSON-like values: None, bools, ints (incl. big ones), floats (incl. NaN, -0.0, inf),
    strings, bytes, aware and naive datetimes, and lists and dicts (keys from ``keys``)
    nested up to ``max_depth`` levels.  ``json_only`` keeps to what plain JSON text can
    spell (no bytes, datetimes, NaN or infinities)."""
    return _json_value(max_depth, tuple(keys) if keys else p.KEYS, json_only)


# Scalars come first so that Hypothesis shrinks toward them.
_SHAPES = st.sampled_from(("scalar", "scalar", "list", "dict"))


@functools.lru_cache(maxsize=64)
def _json_value(depth: int, keys: tuple[str, ...], json_only: bool) -> st.SearchStrategy[Any]:
    """A value at most ``depth`` levels deep (one strategy object per depth)."""
    if depth <= 0:
        return _scalars(json_only)
    return _one_shape(depth, keys, json_only)


@functools.lru_cache(maxsize=64)
def _containers(
    depth: int, keys: tuple[str, ...], json_only: bool
) -> tuple[st.SearchStrategy[list[Any]], st.SearchStrategy[dict[str, Any]]]:
    inner = _json_value(depth - 1, keys, json_only)
    return st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(keys), inner, max_size=3)


@st.composite
def _one_shape(draw: st.DrawFn, depth: int, keys: tuple[str, ...], json_only: bool) -> Any:
    """A scalar, list or dict; composite (not nested one_of) so that reprs stay short and
    Hypothesis shrinks toward scalars.  Sub-strategies are looked up, not passed in, so a
    strategy's repr does not grow with the depth."""
    shape = draw(_SHAPES)
    if shape == "scalar":
        return draw(_scalars(json_only))
    lists, dicts = _containers(depth, keys, json_only)
    return draw(lists if shape == "list" else dicts)


def documents(
    fields: Sequence[str] | None = None, max_depth: int = 3
) -> st.SearchStrategy[dict[str, Any]]:
    """Free-form documents over a small key alphabet (``DEFAULT_FIELDS`` at the top)."""
    top = tuple(fields) if fields else DEFAULT_FIELDS
    value = json_values(max(max_depth - 1, 0))
    return st.fixed_dictionaries({}, optional=dict.fromkeys(top, value))


def in_int64(value: Any) -> bool:
    """Query literals are MongoDB values: no int beyond int64 (from_dict refuses them;
    stored documents may hold any int)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return -(2**63) <= value < 2**63
    if isinstance(value, dict):
        return all(in_int64(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(in_int64(v) for v in value)
    return True
