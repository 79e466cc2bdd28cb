"""``check_backend``: it accepts correct backends, catches wrong ones, and the one-liner in
docs/strategies.md works as documented in a fresh directory."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st

from querylang import nodes as n
from querylang import reference
from querylang.frontends.from_dict import from_dict
from querylang.strategies import check_backend, json_values

ROOT = Path(__file__).resolve().parent.parent


def _reference_find(docs, q):
    node = from_dict(q) if isinstance(q, dict) else getattr(q, "node", q)
    return [d for d in docs if reference.evaluate(node, d)]


@pytest.mark.parametrize("form", ["dict", "node", "query"])
def test_check_backend_accepts_a_correct_backend(form):
    check_backend(_reference_find, query_form=form, max_examples=30)


def test_check_backend_accepts_reordered_copies():
    def find(docs, q):
        return [json.loads(json.dumps(d)) for d in reversed(_reference_find(docs, q))]

    plain_docs = st.lists(
        st.dictionaries(st.sampled_from("abc"), json_values(2, json_only=True)), max_size=4
    )
    check_backend(find, docs=plain_docs, max_examples=20)


def test_check_backend_catches_a_wrong_backend():
    def find(docs, q):  # Python truthiness instead of MongoDB semantics: ignores null==missing
        return [d for d in _reference_find(docs, q) if all(v is not None for v in d.values())]

    with pytest.raises(AssertionError):
        check_backend(find, max_examples=200)


def test_check_backend_takes_a_query_strategy():
    seen: list[dict] = []

    def find(docs, q):
        seen.append(q)
        return _reference_find(docs, q)

    check_backend(find, query_strategy=st.just({"a": {"$gt": 1}}), max_examples=5)
    assert seen and all(q == {"a": {"$gt": 1}} for q in seen)


def test_check_backend_reports_backend_errors():
    def find(docs, q):
        raise NotImplementedError("no $type for you")

    with pytest.raises(NotImplementedError):
        check_backend(find, max_examples=5)


def test_check_backend_supports_a_key():
    def find(docs, q):
        return [dict(d, _id=i) for i, d in enumerate(docs) if d in _reference_find(docs, q)]

    def key(doc):
        return n.value_key(n.freeze({k: v for k, v in doc.items() if k != "_id"}))

    check_backend(find, key=key, max_examples=20)


def test_counter_of_keys_tells_one_from_true():
    assert Counter([n.value_key(n.freeze({"a": 1}))]) != Counter(
        [n.value_key(n.freeze({"a": True}))]
    )


def test_check_backend_uses_the_callers_settings():
    calls: list[object] = []

    def find(docs, q):
        calls.append(q)
        return _reference_find(docs, q)

    check_backend(find, settings=settings(max_examples=7, database=None))
    assert 0 < len(calls) <= 7
    calls.clear()
    check_backend(find, settings=settings(max_examples=50, database=None), max_examples=3)
    assert 0 < len(calls) <= 3


def test_check_backend_leaves_hypothesis_storage_where_it_was():
    from hypothesis import configuration

    def home() -> Path:
        where = configuration.storage_directory(intent_to_write=False)
        return Path(getattr(where, "home_directory", where))

    before = home()
    check_backend(_reference_find, max_examples=3)
    assert home() == before


def _documented_one_liner() -> str:
    doc = (ROOT / "docs" / "strategies.md").read_text("utf-8")
    section = doc.split("## The one-liner", 1)[1]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found, "docs/strategies.md lost its one-liner"
    return found.group(1)


def test_the_documented_one_liner_passes_in_an_empty_directory(tmp_path):
    """Run as a user would: a fresh process in an empty directory, no test profile.  It used
    to fail every time (FailedHealthCheck: input generation is slow) and to leave a
    ``.hypothesis/`` directory behind."""
    snippet = _documented_one_liner()
    assert "check_backend(find)" in snippet
    (tmp_path / "snippet.py").write_text(snippet, "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HYPOTHESIS_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "snippet.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snippet.py"]
