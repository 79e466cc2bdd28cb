"""Every limit querylang enforces on a query, in one place, each with its own name.

A limit exists so that no query can exhaust the stack, the CPU or memory of the process
that runs it; hitting one is always a :class:`~querylang.QueryError` that names the limit,
never a ``RecursionError``.  The front ends enforce the nesting limits on what users write;
the compiler enforces its own (larger) ones on any tree, hand-built ones included.
"""

from __future__ import annotations

__all__ = [
    "MAX_QUERY_DEPTH",
    "MAX_TEXT_TREE_DEPTH",
    "MAX_BRACKET_DEPTH",
    "MAX_COMPILE_DEPTH",
    "MAX_ELEM_MATCH_DEPTH",
    "MAX_PAREN_NESTING",
    "MAX_INLINE_FILTER_CHARS",
    "MAX_REGEX_PATTERN_BYTES",
    "REGEX_MATCH_LIMIT",
    "REGEX_DEPTH_LIMIT",
    "REGEX_HEAP_LIMIT_KIB",
]

#: Nesting of a filter document (``$and`` in ``$elemMatch`` in ...) and of literal values in
#: it, as :func:`querylang.from_dict` accepts it.
MAX_QUERY_DEPTH = 200

#: Node nesting of a textual query (``not not ... x``, nested groups).  Text spends about
#: two nodes per level a dict spends one on, hence twice the dict limit.
MAX_TEXT_TREE_DEPTH = 2 * MAX_QUERY_DEPTH

#: Brackets ``([{`` nested deeper than this are refused before parsing text.  JSON text
#: spends two brackets per query level (``{"$and": [{...}]}``), so the dict limit speaks.
MAX_BRACKET_DEPTH = 2 * MAX_QUERY_DEPTH + 2

#: Deepest tree the compiler accepts (each split-off helper is one Python call at run time).
MAX_COMPILE_DEPTH = 5000

#: Nested ``$elemMatch`` the compiler accepts (each level costs two Python calls at run time).
MAX_ELEM_MATCH_DEPTH = 250

#: Deepest parenthesis nesting in one generated function before a subtree is split off into
#: a helper function (CPython's parser gives up near 200).
MAX_PAREN_NESTING = 48

#: Generated expressions longer than this get no inlined ``filter`` (it would double the
#: compile time of very wide queries); ``filter`` then calls the predicate per record.
MAX_INLINE_FILTER_CHARS = 20_000

#: Longest ``$regex`` pattern, in UTF-8 bytes: MongoDB's own limit (``pcre2_set_max_pattern_length``
#: in the server's ``util/pcre.cpp``); longer patterns are refused as the server refuses them.
MAX_REGEX_PATTERN_BYTES = 32_764

#: PCRE2 match limit: the backtracking budget of one regex search on one string.  This is
#: PCRE2's default, which MongoDB keeps unless configured (``internalQueryRegexMatchLimit``).
REGEX_MATCH_LIMIT = 10_000_000

#: PCRE2 depth limit (backtracking frames kept at once); PCRE2's default.
REGEX_DEPTH_LIMIT = 10_000_000

#: PCRE2 heap limit in KiB for one search: 128 MiB, far below PCRE2's default of 20 GB, so
#: one regex on one long string cannot exhaust memory.
REGEX_HEAP_LIMIT_KIB = 128 * 1024
