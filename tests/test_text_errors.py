"""The text front end's errors: every bad input is a QueryError that says where (line,
column, a caret under the culprit), what was expected, and why -- and runs nothing."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from querylang import nodes as n
from querylang.errors import QueryError
from querylang.frontends.from_dict import from_dict
from querylang.frontends.text.parser import parse_text
from querylang.limits import MAX_BRACKET_DEPTH
from querylang.limits import MAX_TEXT_TREE_DEPTH as MAX_TREE_DEPTH

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def parse(text: str) -> n.Node:
    return parse_text(text, now=NOW)


def error(text: str) -> QueryError:
    with pytest.raises(QueryError) as info:
        parse(text)
    return info.value


def test_syntax_error_has_line_column_snippet_and_expected():
    err = error("a == 1 and\n  b =! 2")
    assert (err.line, err.column) == (2, 5)
    assert err.snippet == "      b =! 2\n        ^"
    assert "'=='" in err.expected and "'exists'" in err.expected
    assert all("_" not in e or e == "'_'" for e in err.expected)  # no Lark-internal names
    assert err.hint == "use '==' to compare"
    assert str(err).startswith("line 2, column 5: unexpected character '='")


def test_end_of_input_is_reported_after_the_last_token():
    err = error("a ==   \n")
    assert (err.line, err.column) == (1, 5)
    assert err.message == "unexpected end of input"
    assert err.expected == ("a value",)
    err = error("")
    assert "a field name" in err.expected and "'{'" in err.expected


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("x exist", "did you mean 'exists'?"),
        ("x elemmatch (a == 1)", "did you mean 'elemMatch'?"),
        ("x Exists", "did you mean 'exists'?"),
        ("a == 1 AND b == 2", "did you mean 'and'?"),
        ("a == 1 && b == 2", "use 'and' / 'or'"),
        ("a == None", "did you mean 'null'?"),
        ("a == True", "did you mean 'true'?"),
        ("a == foo", 'strings need double quotes: "foo"'),
        ("a == 'x'", 'strings use double quotes: "..."'),
        ("a = 1", "use '==' to compare"),
        ('type(x) == "string"', "type tests are written: x is string (or x is [int, double])"),
        ("x is strng", "did you mean 'string'?"),
        ("$where == 1", None),
    ],
)
def test_near_misses_get_a_hint(text, hint):
    err = error(text)
    if hint is None:
        assert err.hint and "JSON form" in err.hint
    else:
        assert err.hint == hint


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ('a == "abc', "unterminated string", 6),
        ('a == "a\\qb"', "invalid string: Invalid \\escape", 8),
        ("a =~ /ab", "unterminated /regex/", 6),
        ("x =~ /a/g", "invalid regex flag(s) 'g'", 6),
        ("x =~ /(/", "invalid regular expression", 6),
        ("x != /a/", "!= cannot take a regular expression", 3),
        ("x > /a/", "> cannot take a regular expression", 3),
        ('x == {"$gt": 1}', "== takes a value, not an operator document", 1),
        ('x in [{"$gt": 1}]', "in list entry takes a value", 1),
        ("x % 0 == 1", "modulo divisor cannot be 0", 5),
        ("size(x) == -1", "size needs a non-negative whole number", 12),
        ("x is 99", "unknown BSON type code 99", 6),
        ("x is []", "unexpected ']'", 7),
        ('a == date("soon")', "invalid ISO-8601 date-time 'soon'", 11),
        ("a == 2026-13-01T00:00:00Z", "invalid ISO-8601 date-time", 6),
        ('a == decimal("x")', "invalid decimal 'x'", 14),
        ('a == binary("@@")', "invalid base64", 13),
        ('a > ago("soon")', "invalid duration 'soon'", 9),
        ('a > ago("1h x")', "invalid duration", 9),
        ('"" == 1', "empty field name", 1),
        ('"a.b" == 1', "contains '.'", 1),
        ('"$a" == 1', "cannot start with '$'", 1),
        ("_ > 1", "only meaningful inside elemMatch", 1),
        ("a == 1 or _ > 1", "only meaningful inside elemMatch", 11),
        ("x any (_ > 1 and a == 1)", "cannot mix", 18),
        ("x any (_ > 1 or _ < 0)", "combine only with 'and' and 'not'", 8),
        ("x any (a == 1", "unexpected end of input", 14),
        ("a == 01", "unexpected '1'", 7),
        ("a == 1 b", "unexpected 'b'", 8),
        ("a in 5", "unexpected '5'", 6),
        ("[1]", "unexpected '['", 1),
    ],
)
def test_semantic_and_syntax_errors_point_at_the_culprit(text, message, column):
    err = error(text)
    assert message in err.message
    assert (err.line, err.column) == (1, column)
    assert err.snippet.endswith(" " * (column - 1) + "    ^") or err.snippet.endswith("^")
    caret_line = err.snippet.split("\n")[1]
    assert caret_line.index("^") == 4 + column - 1


def test_long_lines_are_windowed_in_the_snippet():
    err = error("a == 1 and " + "b == 2 and " * 500 + "c @ 3 and d == 4" + " and e == 5" * 500)
    assert err.column == 11 + 11 * 500 + 3
    first, caret = err.snippet.split("\n")
    assert len(first) < 90 and first.lstrip().startswith("...") and first.endswith("...")
    assert first[caret.index("^")] == "@"


def test_non_str_input_is_refused():
    with pytest.raises(QueryError):
        parse_text(b"a == 1")  # type: ignore[arg-type]


# --- hostile input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '__import__("os").system("echo pwned")',
        "a == __import__",
        "a.__class__ == 1 or eval(1)",
        "exec",
        "a == b.c",
        "a == {k: 1}",
        "a == 1; import os",
        "a == 1 # comment",
        "a == `x`",
        "a == \x00",
        "\ufeffa == 1",
        "a == 1 and",
        ")",
        "nor()",
        "size(x == 3",
        "/* */ a == 1",
    ],
)
def test_hostile_input_is_a_query_error_and_runs_nothing(text):
    err = error(text)
    assert err.line is not None and err.column is not None and err.snippet


def test_hostile_strings_are_just_data():
    node = parse('a == "__import__(\\"os\\")" and b == "\'; DROP TABLE t; --"')
    assert node == from_dict({"a": '__import__("os")', "b": "'; DROP TABLE t; --"})
    assert parse('"a\\nb".c == "\\u0000"') == from_dict({"a\nb.c": "\x00"})
    assert parse('"ключ" == "значение 🐍"') == from_dict({"ключ": "значение 🐍"})


def test_deep_nesting_is_a_query_error_not_a_recursion_error():
    for text in (
        "(" * 5000 + "a == 1" + ")" * 5000,
        "a == " + "[" * 5000 + "]" * 5000,
        "a in [" + "{" * 5000,
        '{"$and": [' * 3000 + "{}" + "]}" * 3000,
        "x any (" * 3000 + "_ > 1" + ")" * 3000,
    ):
        err = error(text)
        assert "nested deeper" in err.message and err.column is not None
    err = error("not " * 5000 + "a == 1")
    assert f"nested deeper than {MAX_TREE_DEPTH} levels" in err.message
    # just below the limits is fine
    assert parse("(" * (MAX_BRACKET_DEPTH - 1) + "a == 1" + ")" * (MAX_BRACKET_DEPTH - 1))
    assert parse("not " * (MAX_TREE_DEPTH - 1) + "a == 1")


def test_brackets_inside_strings_and_regexes_do_not_count_as_nesting():
    text = 'a == "' + "(" * 5000 + '" and b =~ /' + "\\(" * 3000 + "/"
    assert parse(text) == from_dict({"a": "(" * 5000, "b": re.compile("\\(" * 3000)})


def test_unterminated_strings_are_found_in_linear_time():
    err = error('a == "' + '\\"' * 50_000)
    assert err.message.startswith("unterminated string")


_TOKENS = [
    *("a", "b.c", "_", "x.0", '"s"', '"q\\"', "1", "-2", "1.5e3", "NaN", "-Infinity", "null"),
    *("true", "false", "==", "===", "!=", "<", ">=", "=~", "!~", "%", "in", "not", "and"),
    *("or", "nor", "(", ")", "[", "]", "{", "}", ",", ":", "exists", "is", "all", "glob"),
    *("any", "size", "comment", "/a/", "/x\\//i", "2026-01-01T00:00:00Z", "date", "ago"),
    *("decimal", "binary", "regex", "now", '"1h"', '"AAE="', "int", '"$gt"', '"$date"', "\n"),
    *("'", "=", "@", "\\", '"9999999999w"', '"0001-01-01"', "__import__", "$where"),
]


@given(st.lists(st.sampled_from(_TOKENS), max_size=12), st.booleans())
def test_token_soup_parses_or_raises_a_located_query_error(tokens, spaced):
    text = (" " if spaced else "").join(tokens)
    try:
        assert isinstance(parse(text), n.Node)
    except QueryError as exc:
        assert exc.line is not None and exc.column is not None and exc.snippet, text


def test_the_error_output_shown_in_the_docs_is_real():
    import ast

    doc = (Path(__file__).resolve().parent.parent / "docs" / "language.md").read_text("utf-8")
    block = doc.split("Real output:")[1].split("```text\n", 1)[1].split("```")[0]
    shown = block.strip().split("\n\n>>> ")
    assert len(shown) >= 6
    for example in shown:
        call, output = example.removeprefix(">>> ").split("\n", 1)
        arg = call.removeprefix("parse_text(").removesuffix(")")
        text = "(" * 1000 if arg == "'(' * 1000" else ast.literal_eval(arg)
        with pytest.raises(QueryError) as info:
            parse_text(text)
        assert "QueryError: " + str(info.value) == output.rstrip(), call
