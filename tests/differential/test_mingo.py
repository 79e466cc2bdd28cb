"""A differential test: random queries and documents, our answers against mingo's.

mingo (npm) is an independent JavaScript implementation of MongoDB's query language.  Each
example is a filter from :func:`querylang.strategies.dict_queries` (plain-JSON spellings)
and a few documents; mingo's verdicts come from ``mingo_verdicts.js`` under node.  Every
disagreement must fall in a triaged class (``MINGO_DIFFERENCES``): cases where MongoDB's
manual or jstests say mingo is wrong; docs/semantics.md lists them.  A new kind of
disagreement fails the test: fix querylang, or triage it here and in the docs.

Without node the test skips locally, but fails under CI (``CI=true``).  The CI budget is a
few hundred examples; for a long run::

    MINGO_EXAMPLES=20000 python -m pytest tests/differential -q -s
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import querylang as ql
from querylang.strategies import DEFAULT_FIELDS, dict_queries, json_values

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "mingo_verdicts.js"
EXAMPLES = int(os.environ.get("MINGO_EXAMPLES", "400"))


def _node_with_mingo() -> str:
    """The node binary, with mingo installed from the committed lock (npm ci)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        message = "node and npm are needed for the mingo differential test"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI must run it)")
        pytest.skip(message)
    if not (HERE / "node_modules" / "mingo").is_dir():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=HERE, check=True, timeout=300
        )
    return node


# --- what plain JSON and JavaScript can carry faithfully ---------------------------------


def _walk(value: Any) -> Any:
    yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)


_NUMERIC_TYPES = {"int", "long", "double", "decimal", 1, 16, 18, 19}


def _type_operands(query: dict) -> set[Any]:
    out: set[Any] = set()
    for v in _walk(query):
        if isinstance(v, dict) and "$type" in v:
            t = v["$type"]
            out.update(t if isinstance(t, list) else [t])
    return out


def _expressible(query: dict, docs: list[dict]) -> bool:
    """JavaScript numbers are doubles: ints beyond 2**53 lose their value, and 1, 1.0 and a
    decimal 1 are one value, so ``$type`` cannot tell int, long, double or decimal apart."""
    for v in _walk([query, docs]):
        if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 2**53:
            return False
    return not any(not isinstance(t, bool) and t in _NUMERIC_TYPES for t in _type_operands(query))


def _without_comments(q: Any) -> Any:
    """mingo refuses a top-level ``$comment``; it never changes a verdict."""
    if isinstance(q, dict):
        return {k: _without_comments(v) for k, v in q.items() if k != "$comment"}
    if isinstance(q, list):
        return [_without_comments(x) for x in q]
    return q


# --- triaged disagreements: where MongoDB's own documentation says mingo is wrong ----------


def _has_non_document_in_array(doc: Any) -> bool:
    """An empty array, or one holding a non-document: field steps reach *missing* there."""
    return any(
        isinstance(v, list) and (not v or any(not isinstance(e, dict) for e in v))
        for v in _walk(doc)
    )


def _dotted_or_elem_match(query: dict) -> bool:
    text = json.dumps(query)
    keys = [k for v in _walk(query) if isinstance(v, dict) for k in v]
    return any("." in k for k in keys) or "$elemMatch" in text


MINGO_DIFFERENCES: dict[str, tuple[str, Callable[[dict, dict], bool]]] = {
    "mod-non-number": (
        "$mod matches only numbers (jstests/core/query/mod/mod.js, 'Check on fields that are "
        "not numbers'); mingo applies JavaScript's % to strings, null and booleans",
        lambda q, d: "$mod" in json.dumps(q),
    ),
    "null-range": (
        "$gte/$lte null match missing fields like $eq null (manual, 'Query for Null or "
        "Missing Fields'; jstests/core/query/null_query_semantics.js); mingo does not",
        lambda q, d: any(f'"{op}": null' in json.dumps(q) for op in ("$gte", "$lte")),
    ),
    "all-null": (
        "$all is an $and of its values (manual, '$all'), so $all: [null] matches null and "
        "missing fields like {a: null}; mingo matches neither",
        lambda q, d: '"$all": [null' in json.dumps(q),
    ),
    "type-undefined-missing": (
        "$type never matches a missing field, 'undefined' included (jstests/core/query/type/"
        "type_operator_on_missing_values.js); mingo takes JavaScript's undefined for it",
        lambda q, d: bool(_type_operands(q) & {"undefined", 6}),
    ),
    "array-paths": (
        "a field step over an array looks into document elements only and never into nested "
        "arrays, and reaches missing for other elements and for an empty array (jstests/core/"
        "query/null_query_semantics.js, match_numeric_components.js); mingo descends "
        "differently",
        lambda q, d: _dotted_or_elem_match(q) and _has_non_document_in_array(d),
    ),
    "array-operand": (
        "a comparison with an array operand compares whole arrays (manual, 'Comparison/Sort "
        "Order': arrays compare element by element); mingo compares elements only",
        lambda q, d: any(
            isinstance(v, dict) and any(isinstance(v.get(op), list) for op in _RANGE)
            for v in _walk(q)
        ),
    ),
}
_RANGE = ("$gt", "$gte", "$lt", "$lte")


def _triage(query: dict, doc: dict) -> str | None:
    for name, (_, applies) in MINGO_DIFFERENCES.items():
        if applies(query, doc):
            return name
    return None


# --- the test --------------------------------------------------------------------------

_DOCS = st.lists(
    st.fixed_dictionaries(
        {}, optional=dict.fromkeys(DEFAULT_FIELDS, json_values(2, json_only=True))
    ),
    min_size=3,
    max_size=8,
)


def _examples(count: int) -> list[tuple[dict, list[dict]]]:
    out: list[tuple[dict, list[dict]]] = []

    @settings(
        max_examples=count,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    @given(dict_queries(json_only=True, glob=False), _DOCS)
    def collect(query: dict, docs: list[dict]) -> None:
        if _expressible(query, docs):
            out.append((query, docs))

    collect()
    return out


def _mingo(node: str, examples: list[tuple[dict, list[dict]]]) -> list[dict]:
    lines = "".join(
        json.dumps({"query": _without_comments(q), "documents": ds}) + "\n" for q, ds in examples
    )
    result = subprocess.run(
        [node, str(SCRIPT)], input=lines, capture_output=True, text=True, check=True, timeout=600
    )
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_querylang_agrees_with_mingo_up_to_triaged_differences() -> None:
    node = _node_with_mingo()
    examples = _examples(EXAMPLES)
    verdicts = _mingo(node, examples)
    assert len(verdicts) == len(examples)
    checked, classes, unexplained = 0, Counter[str](), []
    for (query, docs), theirs in zip(examples, verdicts, strict=True):
        assert "error" not in theirs, (query, theirs)
        q = ql.from_dict(query)
        for doc, their in zip(docs, theirs["verdicts"], strict=True):
            checked += 1
            ours = q.matches(doc)
            assert ours == q.matches_reference(doc)
            if ours == their:
                continue
            kind = _triage(query, doc)
            if kind is None:
                unexplained.append((query, doc, ours, their))
            classes[kind or "unexplained"] += 1
    print(f"\nmingo differential: {len(examples)} queries, {checked} verdicts, {dict(classes)}")
    assert not unexplained, "untriaged disagreements with mingo:\n" + "\n".join(
        f"  {json.dumps(q)} on {json.dumps(d)}: ours {o}, mingo {t}" for q, d, o, t in unexplained
    )
