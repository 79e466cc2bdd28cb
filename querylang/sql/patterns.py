"""String patterns in SQL: a regex's literal prefix as a range, and ``$glob`` as SQL GLOB/LIKE.

Strings compare by code point in MongoDB and, for valid UTF-8, byte-wise in SQL (SQLite's
BINARY collation, PostgreSQL's ``COLLATE "C"``): the same order.  So "starts with p" is the
range ``p <= s < successor(p)``, which an index can answer.
"""

from __future__ import annotations

__all__ = ["successor", "regex_prefix", "glob_prefix", "glob_to_sqlite", "glob_to_like"]

_MAX = 0x10FFFF
_REGEX_META = frozenset(".^$*+?{}[]\\|()")
_QUANTIFIERS = frozenset("*+?{")
_GLOB_SPECIAL = frozenset("*?[")
_CLASS_SPECIAL = frozenset("]-^![\\")


def successor(prefix: str) -> str | None:
    """The least string above every string that starts with ``prefix`` (None: no bound).

    Proof: for ``prefix = q + c`` with ``c`` below U+10FFFF, ``s`` starts with ``prefix``
    iff ``prefix <= s < q + next(c)``: such an ``s`` starts with ``q``, its next code point
    is ``>= c`` and ``< next(c)``, so it is ``c`` (``s == q`` itself is below ``prefix``).
    ``next`` skips the surrogates, which no stored (UTF-8) string holds.
    """
    while prefix:
        code = ord(prefix[-1])
        if code < _MAX:
            code += 1
            if 0xD800 <= code <= 0xDFFF:
                code = 0xE000
            return prefix[:-1] + chr(code)
        prefix = prefix[:-1]
    return None


def _clean(s: str) -> bool:
    """Can ``s`` be bound as UTF-8 text and compared byte-wise (no NUL, no surrogates)?"""
    if "\x00" in s:
        return False
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def regex_prefix(pattern: str, flags: str) -> tuple[str, bool]:
    """``(prefix, exact)``: every string ``re.search`` matches starts with ``prefix``, and if
    ``exact`` the pattern matches exactly the strings that do.

    Only ``^`` followed by literal characters (plain, or backslash-escaped punctuation) is
    read; ``i``, ``m`` and ``x`` change what ``^`` or the literals mean, and any ``|`` may
    be a top-level alternative, so those give ``("", False)``: no prefix.  A literal
    followed by a quantifier (``^ab*``) is optional, so it is not part of the prefix.
    """
    if set(flags) & set("imx") or "|" in pattern:
        return "", False
    if pattern == "":
        return "", True  # the empty pattern matches every string
    if not pattern.startswith("^"):
        return "", False
    out: list[str] = []
    i, n = 1, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 < n and not pattern[i + 1].isalnum() and not pattern[i + 1].isspace():
                out.append(pattern[i + 1])
                i += 2
                continue
            break
        if c in _REGEX_META:
            break
        out.append(c)
        i += 1
    exact = i == n
    if not exact and pattern[i] in _QUANTIFIERS and out:
        out.pop()
    prefix = "".join(out)
    if not _clean(prefix):
        return "", False
    return prefix, exact


def glob_prefix(pattern: str) -> str:
    """The literal characters before the first wildcard of an fnmatch pattern."""
    for i, c in enumerate(pattern):
        if c in _GLOB_SPECIAL:
            return pattern[:i] if _clean(pattern[:i]) else ""
    return pattern if _clean(pattern) else ""


def _class(pattern: str, i: int) -> tuple[str, bool, int] | None:
    """The character class starting at ``pattern[i] == "["`` as fnmatch reads it:
    ``(members, negated, index after "]")``, or None if it is not one we translate.

    fnmatch's class ends at the first ``]`` after an optional ``!`` and an optional leading
    ``]``; we decline a leading ``]``, so the class ends at the first ``]``.  Members are
    single characters other than ``] - ^ ! [`` and backslash (literal in fnmatch, GLOB and ``re``
    alike), or ``a-z`` ranges of ASCII letters and digits with ``a <= z``.  An unclosed
    ``[`` is a literal (returns ``("", False, -1)``).
    """
    j = i + 1
    negated = j < len(pattern) and pattern[j] == "!"
    if negated:
        j += 1
    end = pattern.find("]", j)
    if end == -1:
        return "", False, -1
    body = pattern[j:end]
    if not body:
        return None
    k = 0
    while k < len(body):
        c = body[k]
        if c in _CLASS_SPECIAL:
            return None
        if k + 1 < len(body) and body[k + 1] == "-":
            if k + 2 >= len(body) or not (c.isascii() and c.isalnum()):
                return None
            hi = body[k + 2]
            if not (hi.isascii() and hi.isalnum()) or hi < c:
                return None
            k += 3
        else:
            k += 1
    return body, negated, end + 1


def glob_to_sqlite(pattern: str) -> str | None:
    """The SQLite GLOB pattern matching exactly what ``fnmatchcase(s, pattern)`` matches, or
    None when the pattern uses a form we do not translate (tests compare both on strings)."""
    if not _clean(pattern):
        return None
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c in "*?":
            out.append(c)
            i += 1
        elif c == "[":
            cls = _class(pattern, i)
            if cls is None:
                return None
            body, negated, after = cls
            if after == -1:
                out.append("[[]")  # fnmatch: an unclosed "[" is itself
                i += 1
            else:
                out.append("[" + ("^" if negated else "") + body + "]")
                i = after
        else:
            out.append(c)
            i += 1
    return "".join(out)


def glob_to_like(pattern: str) -> str | None:
    """The LIKE pattern (escape ``\\``) matching exactly what ``fnmatchcase`` matches, or None
    if the pattern has a ``[``: LIKE has no character classes."""
    if not _clean(pattern) or "[" in pattern:
        return None
    out = []
    for c in pattern:
        if c == "*":
            out.append("%")
        elif c == "?":
            out.append("_")
        elif c in "%_\\":
            out.append("\\" + c)
        else:
            out.append(c)
    return "".join(out)
