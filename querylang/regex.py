"""MongoDB's regular expressions: PCRE2, configured as the server configures it.

Every front end and back end goes through this module, so ``/a/i``, ``{"$regex": "a",
"$options": "i"}``, ``{"$regularExpression": {...}}``, ``=~ /a/i`` in text and a compiled
``re.Pattern`` all mean the same thing, and :func:`compile_regex` is the one place a pattern
is compiled.

The server (``src/mongo/util/pcre_util.cpp``, ``pcre.cpp``) compiles every pattern with
``PCRE2_UTF`` and nothing else: ``\\w \\d \\s`` and POSIX classes are ASCII unless the
pattern starts with ``(*UCP)``; ``i m s x`` map to ``CASELESS MULTILINE DOTALL EXTENDED``;
``u`` is accepted and changes nothing; any other letter is error 51108.  A pattern with a NUL
byte is refused (BadValue), and so is one longer than 32,764 bytes.  We do the same, with two
additions for hostile input (docs/semantics.md, "Regular expressions"): ``\\C`` is refused
(it matches half a character), and every search runs under PCRE2 match, depth and heap limits
(:mod:`querylang.limits`); a search that hits one raises :class:`RegexLimitError`.

The binding is ``pcre2`` (PyPI, wheels bundling PCRE2 with its JIT).  Its public
``pcre2.compile`` always adds ``PCRE2_UCP`` (unless ``ASCII``) and ``PCRE2_ALT_BSUX`` (Python's
``\\uhhhh``, which PCRE2 and MongoDB refuse), so we call its compile and match primitives
(``pcre2._cy``) with exactly the server's options; ``tests/test_regex.py`` pins that API.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Final

from pcre2 import _cy

from .errors import QueryError
from .limits import (
    MAX_REGEX_PATTERN_BYTES,
    REGEX_DEPTH_LIMIT,
    REGEX_HEAP_LIMIT_KIB,
    REGEX_MATCH_LIMIT,
)
from .nodes import Regex

__all__ = [
    "OPTIONS",
    "PYTHON_FLAGS",
    "CompiledRegex",
    "RegexLimitError",
    "canonical_options",
    "options_of",
    "regex_from_pattern",
    "compile_regex",
    "describe_regex",
]

#: MongoDB's ``$regex`` options, in the canonical order a :class:`Regex` stores them.
OPTIONS = "imsxu"
#: Python ``re`` flag -> MongoDB option, for a compiled ``re.Pattern`` used in a query.
PYTHON_FLAGS: dict[str, re.RegexFlag] = {
    "i": re.IGNORECASE,
    "m": re.MULTILINE,
    "s": re.DOTALL,
    "x": re.VERBOSE,
}

# PCRE2 option bits (pcre2.h); the binding exports only some of them by name.
_UTF: Final = 0x00080000
_UCP: Final = 0x00020000
_ALT_BSUX: Final = 0x00000002
_NEVER_BACKSLASH_C: Final = 0x00100000
_MATCH_INVALID_UTF: Final = 0x04000000
_OPTION_BITS: Final = {"i": 0x00000008, "m": 0x00000400, "s": 0x00000020, "x": 0x00000080, "u": 0}
# Options the binding adds on its own and the server does not use.
_DISABLED: Final = _UCP | _ALT_BSUX

# PCRE2 error codes (pcre2.h) a search can end with.
_JIT_STACKLIMIT: Final = -46
_LIMITS: Final = {-47: "match limit", -53: "depth limit", -63: "heap limit", -48: "memory"}

# Leading "(*NAME)" items that set options for the whole pattern (pcre2pattern, "Special
# start-of-pattern items").  Our limit items go after them: the last setting of a limit wins,
# so a pattern can lower our limits but never raise them.
_START_ITEMS = re.compile(
    r"(?:\((?:\*(?:UTF8?|UCP|NO_AUTO_POSSESS|NO_DOTSTAR_ANCHOR|NO_JIT|NO_START_OPT|NOTEMPTY"
    r"|NOTEMPTY_ATSTART|CR|LF|CRLF|ANYCRLF|ANY|NUL|BSR_ANYCRLF|BSR_UNICODE"
    r"|LIMIT_(?:HEAP|MATCH|DEPTH|RECURSION)=[0-9]+))\))*"
)
_USER_LIMIT = re.compile(r"\(\*LIMIT_(HEAP|MATCH|DEPTH|RECURSION)=([0-9]+)\)")

_MATCH_CONTEXT: Final = _cy.create_match_context()


class RegexLimitError(QueryError):
    """A regex search that hit a PCRE2 limit (match, depth or heap): the answer is unknown.

    MongoDB silently counts such a value as not matching; we refuse to guess, because under
    ``$not``, ``$nin`` or ``$nor`` a guessed "no" becomes a wrong "yes" (docs/semantics.md).
    """

    def __init__(self, message: str, *, regex: Regex, limit: str, path: str | None = None):
        super().__init__(message, path=path)
        self.regex = regex
        self.limit = limit


def describe_regex(regex: Regex) -> str:
    """``/pattern/flags`` for messages (the pattern shortened, non-ASCII escaped)."""
    text = regex.pattern if len(regex.pattern) <= 60 else regex.pattern[:57] + "..."
    shown = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
    return f"/{shown}/{regex.flags}"


def canonical_options(options: str) -> str:
    """``options`` deduplicated, in canonical order (ValueError naming unknown letters)."""
    bad = set(options) - set(OPTIONS)
    if bad:
        shown = ", ".join(repr(ch) for ch in sorted(bad))
        raise ValueError(f"invalid regex flag(s) {shown}; allowed: {', '.join(OPTIONS)}")
    return "".join(ch for ch in OPTIONS if ch in options)


def options_of(pattern: re.Pattern[str]) -> str:
    """The MongoDB options equivalent to a compiled Python pattern's flags.

    ``re.UNICODE`` (set on every ``str`` pattern) and ``re.ASCII`` have no MongoDB option
    and are not carried; pymongo sends ``u`` for the first, which changes no match.
    """
    return "".join(ch for ch, flag in PYTHON_FLAGS.items() if pattern.flags & flag)


def regex_from_pattern(pattern: re.Pattern[Any]) -> Regex:
    """The MongoDB regex a compiled Python pattern stands for: its text and flags, read as
    PCRE2 (as pymongo sends it to the server).  ValueError for bytes patterns."""
    if not isinstance(pattern.pattern, str):
        raise ValueError("regex patterns must be str, not bytes")
    return Regex(pattern.pattern, options_of(pattern))


def _with_limits(pattern: str) -> str:
    """``pattern`` with our limit items after its own start-of-pattern items."""
    lead = _START_ITEMS.match(pattern)
    end = lead.end() if lead else 0
    limits = {"MATCH": REGEX_MATCH_LIMIT, "DEPTH": REGEX_DEPTH_LIMIT, "HEAP": REGEX_HEAP_LIMIT_KIB}
    for name, value in _USER_LIMIT.findall(pattern[:end]):
        key = "DEPTH" if name == "RECURSION" else name
        limits[key] = min(limits[key], int(value))
    items = "".join(f"(*LIMIT_{k}={v})" for k, v in limits.items())
    return pattern[:end] + items + pattern[end:]


class CompiledRegex:
    """A compiled MongoDB regex.  ``search(s)`` is the only operation matching needs: an
    opaque match object if the pattern occurs in ``s``, else None; RegexLimitError when
    PCRE2 gives up."""

    __slots__ = ("regex", "_options", "_jit", "_interpreted", "_invalid_utf")

    def __init__(self, regex: Regex, options: tuple[int, int], code: Any) -> None:
        self.regex = regex
        self._options = options
        self._jit = code
        self._interpreted: Any = None
        self._invalid_utf: Any = None

    def __repr__(self) -> str:
        return f"CompiledRegex({describe_regex(self.regex)})"

    @property
    def pattern(self) -> str:
        """The pattern text (as ``re.Pattern.pattern``; explain output shows it)."""
        return self.regex.pattern

    @property
    def flags(self) -> str:
        """MongoDB's option letters."""
        return self.regex.flags

    def search(self, s: str) -> object | None:
        try:
            result = _cy.match(self._jit, s, len(s), 0, _MATCH_CONTEXT, 0)[0]
        except UnicodeEncodeError:  # lone surrogates: not UTF-8, matched byte-wise
            return self._search_invalid_utf(s)
        except _cy.LibraryError as exc:
            if exc.code != _JIT_STACKLIMIT:
                raise self._failure(exc) from None
            return self._search_interpreted(s)
        return result  # type: ignore[no-any-return]

    def _search_interpreted(self, s: str) -> object | None:
        """The JIT's small stack overflowed: the interpreter keeps its frames on the heap,
        under the depth and heap limits (as the server, which never uses the JIT)."""
        if self._interpreted is None:
            self._interpreted = _cy.compile(_with_limits(self.regex.pattern), *self._options)
        try:
            return _cy.match(self._interpreted, s, len(s), 0, _MATCH_CONTEXT, 0)[0]  # type: ignore[no-any-return]
        except _cy.LibraryError as exc:
            raise self._failure(exc) from None

    def _search_invalid_utf(self, s: str) -> object | None:
        """A ``str`` with lone surrogates (no BSON string can hold one): its invalid code
        units never match any part of a pattern (``PCRE2_MATCH_INVALID_UTF``)."""
        if self._invalid_utf is None:
            options, disabled = self._options
            pattern = _with_limits(self.regex.pattern).encode()
            self._invalid_utf = _cy.compile(pattern, options | _MATCH_INVALID_UTF, disabled)
        data = s.encode("utf-8", "surrogatepass")
        try:
            return _cy.match(self._invalid_utf, data, len(data), 0, _MATCH_CONTEXT, 0)[0]  # type: ignore[no-any-return]
        except _cy.LibraryError as exc:
            raise self._failure(exc) from None

    def _failure(self, exc: Any) -> QueryError:
        limit = _LIMITS.get(exc.code)
        shown = describe_regex(self.regex)
        if limit is None:
            return QueryError(f"regular expression {shown} failed while matching: {exc.msg}")
        return RegexLimitError(
            f"regular expression {shown} exceeded the PCRE2 {limit} on a value; the query "
            "cannot be answered (simplify the pattern, e.g. avoid nested quantifiers like (a+)+)",
            regex=self.regex,
            limit=limit,
        )


def _invalid(regex: Regex, why: str) -> QueryError:
    return QueryError(f"invalid regular expression {describe_regex(regex)}: {why}")


@lru_cache(maxsize=1024)
def compile_regex(regex: Regex) -> CompiledRegex:
    """Compile a :class:`Regex` as MongoDB does (QueryError if MongoDB would refuse it)."""
    pattern, flags = regex.pattern, regex.flags
    if not isinstance(pattern, str) or not isinstance(flags, str):
        raise QueryError(f"a regex needs a str pattern and str flags, not {regex!r}")
    if "\0" in pattern:
        raise _invalid(regex, "a regular expression cannot contain a NUL byte")
    try:
        canonical_options(flags)
    except ValueError as exc:
        raise _invalid(regex, str(exc)) from None
    try:
        size = len(pattern.encode("utf-8"))
    except UnicodeEncodeError:
        raise _invalid(regex, "the pattern is not valid Unicode (lone surrogate)") from None
    if size > MAX_REGEX_PATTERN_BYTES:
        raise _invalid(
            regex, f"the pattern is {size} bytes long; the limit is {MAX_REGEX_PATTERN_BYTES}"
        )
    options = _UTF | _NEVER_BACKSLASH_C
    for ch in flags:
        options |= _OPTION_BITS[ch]
    try:
        code = _cy.compile(_with_limits(pattern), options, _DISABLED)
    except _cy.PatternError:
        raise _pattern_error(regex, options) from None
    try:
        _cy.jit_compile(code)
    except _cy.LibraryError:  # no JIT on this platform or for this pattern: interpret
        pass
    return CompiledRegex(regex, (options, _DISABLED), code)


def _pattern_error(regex: Regex, options: int) -> QueryError:
    """The compile error as the user's own pattern gives it (positions without our items)."""
    try:
        _cy.compile(regex.pattern, options, _DISABLED)
    except _cy.PatternError as exc:
        why = str(exc.msg).split("; ", 1)[-1]
        return _invalid(regex, f"{why} (at position {exc.pos})")
    return _invalid(regex, "PCRE2 refused it")
