"""MongoDB's regular expressions: the option letters, and compiling a :class:`Regex`.

Every front end and back end reads the option table here, so ``/a/i``, ``{"$regex": "a",
"$options": "i"}``, ``{"$regularExpression": {...}}`` and a compiled ``re.Pattern`` all
mean the same thing.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .nodes import Regex

__all__ = ["OPTIONS", "PYTHON_FLAGS", "canonical_options", "options_of", "compile_regex"]

#: MongoDB's ``$regex`` options, in the canonical order a :class:`Regex` stores them.
OPTIONS = "imsxu"
#: Option letter -> Python ``re`` flag (``u`` needs none: ``str`` patterns are Unicode).
PYTHON_FLAGS: dict[str, re.RegexFlag] = {
    "i": re.IGNORECASE,
    "m": re.MULTILINE,
    "s": re.DOTALL,
    "x": re.VERBOSE,
}


def canonical_options(options: str) -> str:
    """``options`` deduplicated, in canonical order (ValueError naming unknown letters)."""
    bad = set(options) - set(OPTIONS)
    if bad:
        raise ValueError(
            f"invalid regex flag(s) {''.join(sorted(bad))!r}; allowed: {', '.join(OPTIONS)}"
        )
    return "".join(ch for ch in OPTIONS if ch in options)


def options_of(pattern: re.Pattern[str]) -> str:
    """The MongoDB options equivalent to a compiled Python pattern's flags."""
    return "".join(ch for ch, flag in PYTHON_FLAGS.items() if pattern.flags & flag)


@lru_cache(maxsize=1024)
def compile_regex(regex: Regex) -> re.Pattern[str]:
    """Compile a :class:`Regex` (re.error if the pattern is invalid)."""
    flags = 0
    for ch in regex.flags:
        if ch != "u":
            flags |= PYTHON_FLAGS[ch]
    return re.compile(regex.pattern, flags)
