"""Regular expressions are MongoDB's: PCRE2 with the server's options, under match limits.

Cases cite MongoDB's jstests (``jstests/core/query/regex/*.js``); each runs through every
front end (dict, re.Pattern, JSON text, Extended JSON, the textual language, ``$in``,
``$all``, ``$not``) and through both the reference evaluator and the compiled predicate.
"""

from __future__ import annotations

import json
import re
import threading
import time
import warnings
from typing import Any

import pytest

import querylang as ql
from querylang import nodes as n
from querylang import reference
from querylang.errors import QueryError
from querylang.frontends.extjson import loads
from querylang.regex import RegexLimitError, compile_regex
from taskdb import DictDB


def _spellings(pattern: str, flags: str = "") -> list[Any]:
    """Every way of writing ``{text: /pattern/flags}`` (text spellings when expressible)."""
    js = json.dumps(pattern)
    out: list[Any] = [
        {"text": {"$regex": pattern, "$options": flags}},
        {"text": {"$in": [n.Regex(pattern, flags)]}},
        {"text": {"$all": [n.Regex(pattern, flags)]}},
        {"text": {"$not": {"$not": {"$regex": pattern, "$options": flags}}}},
        f'{{"text": {{"$regex": {js}, "$options": "{flags}"}}}}',
        f'{{"text": {{"$regularExpression": {{"pattern": {js}, "options": "{flags}"}}}}}}',
        f"text =~ regex({js}, {json.dumps(flags)})",
    ]
    if "/" not in pattern and "\n" not in pattern:
        out.append(f"text =~ /{pattern}/{flags}")
    py_flags = sum(
        f for ch, f in (("i", re.I), ("m", re.M), ("s", re.S), ("x", re.X)) if ch in flags
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Python's own reading of the text is irrelevant
            out.append({"text": re.compile(pattern, py_flags)})
    except re.error:
        pass  # not a Python pattern: only PCRE2 spellings carry it
    return out


def _found(query: Any, docs: list[dict]) -> list[int]:
    """The _ids matched, asserting compiled, reference and DictDB agree on every spelling."""
    q = ql.query(query)
    compiled = [d["_id"] for d in docs if q.matches(d)]
    by_reference = [d["_id"] for d in docs if reference.evaluate(q.node, d)]
    assert compiled == by_reference, query
    db = DictDB()
    for d in docs:
        db.add_record(str(d["_id"]), {"msg_id": str(d["_id"]), **d})
    assert sorted(int(r["msg_id"]) for r in db.find_records(q)) == sorted(compiled), query
    return compiled


def _assert_finds(pattern: str, docs: list[dict], expected: list[int], flags: str = "") -> None:
    for spelling in _spellings(pattern, flags):
        assert _found(spelling, docs) == expected, spelling
    negated = {"text": {"$not": {"$regex": pattern, "$options": flags}}}
    assert _found(negated, docs) == [d["_id"] for d in docs if d["_id"] not in expected]


# --- jstests/core/query/regex/regex_unicode.js ------------------------------------------

WORDS = [{"_id": 0, "text": "kyle"}, {"_id": 1, "text": "박정수"}, {"_id": 2, "text": "suárez"}]
DIGITS = [{"_id": 0, "text": "02191996"}, {"_id": 1, "text": "༢༣༤༥"}, {"_id": 2, "text": "9୩୪୬୯6"}]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("y", [0]),
        ("e", [0, 2]),
        ("á", [2]),
        ("정", [1]),
        ("(*UTF)e", [0, 2]),
        ("(*UTF8)á", [2]),
        (r"\p{Latin}", [0, 2]),
        (r"^\p{Latin}+$", [0, 2]),
        (r"\p{Hangul}", [1]),
        (r"^\p{L}+$", [0, 1, 2]),
        (r"^\p{Xan}+$", [0, 1, 2]),
        (r"\w", [0, 2]),  # \w is ASCII by default
        (r"^\w+$", [0]),
        (r"(*UCP)\w", [0, 1, 2]),
        (r"(*UCP)^\w+$", [0, 1, 2]),
        ("[[:alpha:]]", [0, 2]),
        ("^[[:alpha:]]+$", [0]),
        ("(*UCP)^[[:alpha:]]+$", [0, 1, 2]),
    ],
)
def test_regex_unicode_words(pattern: str, expected: list[int]) -> None:
    _assert_finds(pattern, WORDS, expected)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("1", [0]),
        ("9", [0, 2]),
        (r"^\p{N}+$", [0, 1, 2]),
        (r"\d", [0, 2]),
        (r"^\d+$", [0]),
        (r"(*UCP)^\d+$", [0, 1, 2]),
        ("^[[:digit:]]+$", [0]),
        ("(*UCP)^[[:digit:]]+$", [0, 1, 2]),
    ],
)
def test_regex_unicode_digits(pattern: str, expected: list[int]) -> None:
    _assert_finds(pattern, DIGITS, expected)


# --- jstests/core/query/regex/regex_verbs.js --------------------------------------------

AB = [{"_id": 0, "text": "a"}, {"_id": 1, "text": "b"}]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("(*FAIL)", []),
        ("a(*FAIL)", []),
        ("(*FAIL)b", []),
        ("(*ACCEPT)", [0, 1]),
        ("(*ACCEPT)a", [0, 1]),
        ("(*ACCEPT)c", [0, 1]),
        ("b(*ACCEPT)", [1]),
        *[
            case
            for verb in ["COMMIT", "PRUNE", "PRUNE:FOO", "SKIP", "SKIP:BAR", "THEN", "THEN:BAZ"]
            for case in ((f"(*{verb})", [0, 1]), (f"(*{verb})a", [0]), (f"(*{verb})[Bb]", [1]))
        ],
    ],
)
def test_backtracking_verbs(pattern: str, expected: list[int]) -> None:
    _assert_finds(pattern, AB, expected)


# --- PCRE2 syntax that Python's re lacks or reads differently ----------------------------


@pytest.mark.parametrize(
    ("pattern", "flags", "docs", "expected"),
    [
        (r"\Qa.b\E", "", ["a.b", "axb"], [0]),
        (r"a++b", "", ["aab", "b"], [0]),  # possessive
        (r"(?|(a)|(b))\1", "", ["aa", "ab", "bb"], [0, 2]),  # branch reset
        (r"^(\((?:[^()]|(?1))*\))$", "", ["(a(b)c)", "(a(b c)"], [0]),  # recursion
        (r"\x{263A}", "", ["☺", "x"], [0]),
        (r"a\z", "", ["a", "a\n"], [0]),
        (r"a\Z", "", ["a", "a\n", "ab"], [0, 1]),  # PCRE's \Z: before a final newline too
        (r"É", "i", ["é", "e"], [0]),  # caseless matching is Unicode in UTF mode
        (r"^b", "m", ["a\nb", "ab"], [0]),
        (r"a.b", "s", ["a\nb", "ab"], [0]),
        (r"a b # comment", "x", ["ab", "a b"], [0]),
        (r"a", "u", ["a", "b"], [0]),  # "u" is accepted and changes nothing
    ],
)
def test_pcre2_syntax(pattern: str, flags: str, docs: list[str], expected: list[int]) -> None:
    records = [{"_id": i, "text": t} for i, t in enumerate(docs)]
    _assert_finds(pattern, records, expected, flags)


def test_python_patterns_are_read_as_pcre2() -> None:
    """A compiled ``re.Pattern`` is its text and flags, read as MongoDB reads it (as pymongo
    sends it): ``\\d`` is ASCII-only there, and Python-only syntax is refused."""
    q = ql.from_dict({"a": re.compile(r"^\d+$", re.I)})
    assert q.node == n.Match(("a",), n.Regex(r"^\d+$", "i"))
    assert q.matches({"a": "123"}) and not q.matches({"a": "١٢٣"})
    with pytest.raises(QueryError, match="at a"):
        ql.from_dict({"a": re.compile(r"(?P<x>a)(?P=x)\N{BULLET}")})


def test_no_warning_from_pythons_re_reaches_the_user() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        q = ql.from_dict({"a": {"$regex": "[[a]"}})  # Python: "Possible nested set"
        assert q.matches({"a": "["}) and not q.matches({"a": "b"})
        ql.from_dict({"a": {"$regex": "(?x) a"}}).matches({"a": "a"})


# --- options and errors: jstests/core/query/regex/regex_options.js, regex_error.js -------


def test_options_u_accepted_and_kept_everywhere() -> None:
    want = n.Match(("a",), n.Regex("x", "iu"))
    assert ql.from_dict({"a": {"$regex": "x", "$options": "ui"}}).node == want
    assert ql.parse('{"a": {"$regularExpression": {"pattern": "x", "options": "ui"}}}').node == want
    assert ql.parse('{"a": {"$regex": "x", "$options": "ui"}}').node == want
    assert loads('{"$regularExpression": {"pattern": "x", "options": "ui"}}') == n.Regex("x", "iu")


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ({"a": {"$regex": "^hello", "$options": "g"}}, "a.$regex"),  # 51108
        ({"a": {"$regex": "ab", "$options": "\0i"}}, "a.$regex"),  # 51108
        ({"a": {"$regex": "[)"}}, "a.$regex"),  # 51091
        ({"a": {"$regex": "ab\0c"}}, "a.$regex"),  # BadValue: embedded null byte
        ({"a": {"$in": [n.Regex("[)")]}}, "a.$in[0]"),
        ({"a": {"$regex": "a\\Cb"}}, "a.$regex"),  # \C: refused (docs/semantics.md)
        ({"a": {"$regex": "\\u0041"}}, "a.$regex"),  # PCRE2 has no \u (Python has)
        ({"a": {"$regex": "c" * (2 * 16384 + 1)}}, "a.$regex"),  # regex_limit.js: 51091
        ({"a": {"$in": [re.compile("c" * (2 * 16384 + 1))]}}, "a.$in[0]"),
    ],
)
def test_refused_patterns(query: dict, where: str) -> None:
    with pytest.raises(QueryError) as info:
        ql.from_dict(query)
    assert info.value.path == where


def test_longest_pattern_mongodb_accepts() -> None:
    """regex_limit.js: a 16,384-character pattern is accepted and finds the document."""
    doc = {"z": "c" * 100_000}
    assert ql.from_dict({"z": {"$regex": "c" * 16384}}).matches(doc)
    assert ql.from_dict({"z": {"$in": [re.compile("c" * 16384)]}}).matches(doc)


@pytest.mark.parametrize("regex", [n.Regex("[", ""), n.Regex("a", "g"), n.Regex("a\0", "")])
def test_hand_built_invalid_regex_is_a_query_error(regex: n.Regex) -> None:
    """Whatever the document holds: an invalid pattern never depends on the data."""
    for node in (n.Match(("a",), regex), n.In(("a",), (n.Literal(regex),))):
        for doc in ({"a": "x"}, {"a": 1}, {}):
            with pytest.raises(QueryError):
                reference.evaluate(node, doc)
            with pytest.raises(QueryError):
                ql.Query(node).matches(doc)


# --- match limits -------------------------------------------------------------------------

CATASTROPHIC = [
    ("(a+)+$", "a" * 30 + "b"),
    ("(a|aa)+$", "a" * 60 + "b"),
    ("(a|a?)+$", "a" * 40 + "b"),
    ("^(\\w+\\s?)*$", "An input string that takes a long time or even makes this regexp hang!"),
    ("(.*a){25}", "a" * 30),
    ("^(a|a)*$", "a" * 40 + "!"),
    ("((a+)*)+$", "a" * 33 + "b"),
]

#: Classic ReDoS patterns PCRE2's own optimizations (a required last character, automatic
#: possessification) answer at once: they never reach the limit.
DEFUSED = [
    ("(x+x+)+y", "x" * 200),
    ("^(([a-z])+.)+[A-Z]([a-z])+$", "aaaaaaaaaaaaaaaaaaaaaaaa!"),
    ("^(a+)+b", "a" * 40),
    ("(\\d+)*x", "1" * 40),
]


@pytest.mark.parametrize(("pattern", "subject"), DEFUSED)
def test_classic_patterns_pcre2_answers_outright(pattern: str, subject: str) -> None:
    start = time.perf_counter()
    assert _found({"text": {"$regex": pattern}}, [{"_id": 0, "text": subject}]) == []
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize(("pattern", "subject"), CATASTROPHIC)
def test_catastrophic_patterns_fail_fast_with_a_query_error(pattern: str, subject: str) -> None:
    q = ql.from_dict({"f": {"$regex": pattern}})
    for run in (
        lambda: q.matches({"f": subject}),
        lambda: reference.evaluate(q.node, {"f": subject}),
        lambda: ql.from_dict({"f": {"$not": {"$regex": pattern}}}).matches({"f": subject}),
        lambda: DictDB().find_records({"f": {"$regex": pattern}}) or _db_with(subject, q),
    ):
        start = time.perf_counter()
        with pytest.raises(QueryError) as info:
            run()
        assert time.perf_counter() - start < 5
        assert isinstance(info.value, RegexLimitError)
        assert pattern[:20] in str(info.value)


def _db_with(subject: str, q: ql.Query) -> list:
    db = DictDB()
    db.add_record("m1", {"msg_id": "m1", "f": subject})
    return db.find_records(q)


def test_limit_error_names_the_field_in_the_reference() -> None:
    node = ql.from_dict({"x": {"$elemMatch": {"f": {"$regex": "(a+)+$"}}}}).node
    with pytest.raises(RegexLimitError) as info:
        reference.evaluate(node, {"x": [{"f": "a" * 30 + "b"}]})
    assert info.value.path == "x.f"
    assert info.value.limit == "match limit"


def test_patterns_cannot_raise_the_limits() -> None:
    pattern = "(*LIMIT_MATCH=4000000000)(*LIMIT_HEAP=4000000000)(a+)+$"
    with pytest.raises(RegexLimitError):
        compile_regex(n.Regex(pattern)).search("a" * 30 + "b")
    # ... but may lower them
    with pytest.raises(RegexLimitError):
        compile_regex(n.Regex("(*LIMIT_MATCH=10)(a+)+$")).search("a" * 8 + "b")


def test_deep_backtracking_on_long_strings_still_answers() -> None:
    """The JIT's stack overflows on ``^(a|b)*$`` over 200,000 characters; the interpreter,
    as MongoDB uses it, answers within the heap limit."""
    c = compile_regex(n.Regex("^(a|b)*$"))
    assert c.search("ab" * 100_000) is not None
    assert c.search("ab" * 100_000 + "c") is None


def test_strings_with_lone_surrogates_are_searched_without_error() -> None:
    q = ql.from_dict({"a": {"$regex": "^x.y"}})
    assert q.matches({"a": "x\u00e9y"})
    assert not q.matches({"a": "x\ud800y"})  # a lone surrogate is no character
    assert ql.from_dict({"a": {"$regex": "y$"}}).matches({"a": "x\ud800y"})


def test_searches_from_many_threads_agree() -> None:
    c = compile_regex(n.Regex("^(a|b)*c$"))
    subjects = ["ab" * n_ + ("c" if n_ % 2 else "") for n_ in range(200)]
    want = [c.search(s) is not None for s in subjects]
    results: list[list[bool]] = []

    def work() -> None:
        results.append([c.search(s) is not None for s in subjects])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [want] * 4


def test_binding_primitives_we_rely_on() -> None:
    """querylang.regex calls pcre2's compile/match primitives directly (to choose PCRE2's
    options itself); a pcre2 release that changes them must fail here first."""
    from pcre2 import _cy

    for name in ("compile", "jit_compile", "match", "create_match_context"):
        assert callable(getattr(_cy, name))
    assert issubclass(_cy.PatternError, _cy.LibraryError)
