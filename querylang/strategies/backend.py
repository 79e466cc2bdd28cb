"""``check_backend``: fuzz someone's ``find(docs, query)`` against the reference evaluator.

It is a one-liner for people who are not Hypothesis users, so by default it brings its own
settings: no health check fails a slow backend or slow first draws, no deadline, and
nothing is written to the caller's current directory (no example database, and
Hypothesis's caches go to a temporary directory for the run).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from typing import Literal as _Lit

from hypothesis import HealthCheck, given
from hypothesis import settings as Settings
from hypothesis import strategies as st

from .. import nodes as n
from ..frontends.from_dict import from_dict
from ..reference import evaluate
from .filters import dict_queries
from .trees import queries
from .values import documents

__all__ = ["check_backend"]

#: Health checks a backend check must not fail on: input generation is slow on the first
#: draws in a fresh process (Hypothesis builds its Unicode tables then), and documents
#: and queries are nested data (the project's own test profiles suppress the same two).
SUPPRESSED: tuple[HealthCheck, ...] = (HealthCheck.too_slow, HealthCheck.data_too_large)


def _default_key(doc: Any) -> Hashable:
    return n.value_key(n.freeze(doc))


def default_settings() -> Settings:
    """The settings :func:`check_backend` uses when the caller passes none (built per call,
    so they inherit the Hypothesis profile loaded at that time, e.g. a derandomized CI)."""
    return Settings(database=None, deadline=None, suppress_health_check=SUPPRESSED)


@contextlib.contextmanager
def _private_hypothesis_storage() -> Iterator[None]:
    """Point Hypothesis's storage (Unicode tables, cached constants) at a temporary
    directory for the duration, unless the user chose a place (HYPOTHESIS_STORAGE_DIRECTORY).

    Without this, Hypothesis creates ``.hypothesis/`` in the current directory even with
    ``database=None``.  The setting is process-wide while it lasts: Hypothesis runs in
    other threads meanwhile would write there too.
    """
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        yield
        return
    from hypothesis import configuration

    try:
        where: Any = configuration.storage_directory(intent_to_write=False)
    except TypeError:  # older Hypothesis
        where = configuration.storage_directory()
    previous = Path(getattr(where, "home_directory", where))  # older ones return the Path
    with tempfile.TemporaryDirectory(prefix="querylang-hypothesis-") as tmp:
        configuration.set_hypothesis_home_dir(tmp)
        try:
            yield
        finally:
            configuration.set_hypothesis_home_dir(previous)


def check_backend(
    find: Callable[[list[dict[str, Any]], Any], Iterable[Any]],
    *,
    query_form: _Lit["dict", "node", "query"] = "dict",
    docs: st.SearchStrategy[list[dict[str, Any]]] | None = None,
    query_strategy: st.SearchStrategy[Any] | None = None,
    glob: bool = True,
    key: Callable[[Any], Hashable] = _default_key,
    max_examples: int | None = None,
    settings: Settings | None = None,
) -> None:
    """Fuzz ``find(docs, query)`` (which returns the matching documents) against
    :func:`querylang.reference.evaluate`; raise AssertionError on a disagreement, shrunk to
    a minimal example by Hypothesis (an exception raised by ``find`` propagates likewise).

    ``query_form`` picks what ``find`` receives: a filter ``dict``, an AST ``node``, or a
    :class:`querylang.Query`; ``query_strategy`` replaces the default strategy for them
    (:func:`dict_queries` or :func:`queries`), and ``glob=False`` drops ``$glob`` from the
    defaults for backends that, like MongoDB, do not know it.

    Results are compared as multisets of ``key(doc)`` (by default the frozen value, so a
    backend may return copies, in any order); pass a ``key`` that drops fields your backend
    adds, such as ``_id``.

    ``settings`` (a ``hypothesis.settings``) replaces :func:`default_settings`, and then
    Hypothesis's storage is left where it is; ``max_examples`` overrides either.  Only
    the first failure is reported (``report_multiple_bugs=False``).
    """
    from ..query import Query

    doc_lists = docs if docs is not None else st.lists(documents(), max_size=8)
    if query_strategy is not None:
        qs: st.SearchStrategy[Any] = query_strategy
    elif query_form == "dict":
        qs = dict_queries(glob=glob)
    else:
        qs = queries(glob=glob).map(Query) if query_form == "query" else queries(glob=glob)

    def node_of(q: Any) -> n.Node:
        if isinstance(q, Mapping):
            return from_dict(q)
        return q.node if isinstance(q, Query) else q

    @given(doc_lists, qs)
    def run(ds: list[dict[str, Any]], q: Any) -> None:
        node = node_of(q)
        want = Counter(key(d) for d in ds if evaluate(node, d))
        got = Counter(key(d) for d in find(ds, q))
        assert got == want, f"backend disagrees with the reference on {q!r}"

    overrides: dict[str, Any] = {"report_multiple_bugs": False}  # one minimal failure
    if max_examples is not None:
        overrides["max_examples"] = max_examples
    chosen = Settings(settings if settings is not None else default_settings(), **overrides)
    storage = contextlib.nullcontext() if settings is not None else _private_hypothesis_storage()
    with storage:
        chosen(run)()
