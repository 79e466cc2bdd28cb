"""querylang.sql.patterns: regex prefixes and $glob translations mean what Python means."""

from __future__ import annotations

import re
import sqlite3
import warnings
from fnmatch import fnmatchcase

import pytest
from hypothesis import given
from hypothesis import strategies as st

from querylang.sql.patterns import (
    glob_prefix,
    glob_to_like,
    glob_to_sqlite,
    regex_prefix,
    successor,
)

ALPHABET = "ab0-!^[]*?\\%_.é\n/"
texts = st.text(alphabet="ab0-!^[]*?\\%_.é\nz/", max_size=6)
globs = st.text(alphabet=ALPHABET, max_size=7)
CON = sqlite3.connect(":memory:")


@given(globs, st.lists(texts, max_size=8))
def test_sqlite_glob_means_fnmatchcase(pattern: str, strings: list[str]) -> None:
    translated = glob_to_sqlite(pattern)
    if translated is None:
        return
    for s in strings:
        (got,) = CON.execute("SELECT ? GLOB ?", (s, translated)).fetchone()
        assert bool(got) == fnmatchcase(s, pattern), (s, pattern, translated)


@given(globs, st.lists(texts, max_size=8))
def test_like_translation_means_fnmatchcase(pattern: str, strings: list[str]) -> None:
    translated = glob_to_like(pattern)
    if translated is None:
        return
    for s in strings:
        # SQLite's LIKE is case-insensitive for ASCII: compare on lower-case-free strings.
        if s != s.lower() or pattern != pattern.lower():
            continue
        CON.execute("PRAGMA case_sensitive_like = ON")
        (got,) = CON.execute("SELECT ? LIKE ? ESCAPE '\\'", (s, translated)).fetchone()
        assert bool(got) == fnmatchcase(s, pattern), (s, pattern, translated)


@pytest.mark.parametrize(
    "pattern",
    ["group_a*", "*/subgroup_a", "*[*]*", "*[?]*", "group_b/subgroup_[ab]", "[!a]*", "a[0-9]?",
     "[", "a[b", "]", "^x", "!", ""],
)  # fmt: skip
def test_common_globs_translate(pattern: str) -> None:
    assert glob_to_sqlite(pattern) is not None


@given(globs, texts)
def test_glob_prefix_is_necessary(pattern: str, s: str) -> None:
    if fnmatchcase(s, pattern):
        assert s.startswith(glob_prefix(pattern))


@given(
    st.text(alphabet="ab^$.*+?{}[]()|\\ \né1", max_size=6),
    st.sampled_from(["", "s", "i", "m", "x"]),
)
def test_regex_prefix(pattern: str, flags: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            rx = re.compile(pattern, sum(getattr(re, f.upper()) for f in flags))
    except re.error:
        return
    prefix, exact = regex_prefix(pattern, flags)
    for s in ["", "a", "ab", "b", "a\nb", "\nab", "é", "ab1", "aab", prefix, prefix + "x"]:
        hit = rx.search(s) is not None
        if hit:
            assert s.startswith(prefix), (pattern, prefix, s)
        if exact:
            assert hit == s.startswith(prefix), (pattern, prefix, s)


@given(st.text(min_size=1, max_size=4).filter(lambda s: "\x00" not in s), st.text(max_size=4))
def test_successor_bounds_the_prefix(prefix: str, rest: str) -> None:
    hi = successor(prefix)
    s = prefix + rest
    assert prefix <= s and (hi is None or s < hi)
    if hi is not None:
        assert not hi.startswith(prefix)


def test_successor_edges() -> None:
    assert successor("ab") == "ac"
    assert successor("a\U0010ffff") == "b"
    assert successor("\U0010ffff") is None
    assert successor("\ud7ff") == "\ue000"
