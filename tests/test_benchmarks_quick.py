"""The benchmark harness in --quick mode, in-process: complete output, and answers that agree.

No timing assertions: the machine is shared.  This checks the harness measures the right
things -- every workload on every engine, ours agreeing with the hand-written loop.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.__main__ import parse_args, run
from benchmarks.engines import ALL_ENGINES
from benchmarks.workloads import WORKLOAD_NAMES


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("bench")
    run(parse_args(["--quick", "--out", str(out)]), "test", log=lambda _msg: None)
    return out, json.loads((out / "results.json").read_text())


def test_json_has_every_workload_and_engine(quick: tuple[Path, dict[str, Any]]) -> None:
    _, doc = quick
    (size,) = doc["sizes"].values()
    assert size["n"] == 2000
    assert set(size["engines"]) == set(ALL_ENGINES)
    assert list(size["workloads"]) != [] and set(size["workloads"]) == set(WORKLOAD_NAMES)
    ran = [e for e, info in size["engines"].items() if "skipped" not in info]
    assert {"taskdb", "python", "compiled"} <= set(ran)
    for w, wd in size["workloads"].items():
        for e in ran:
            cell = wd["results"].get(e)
            if w == "insert_all" and not ALL_ENGINES[e].supports_insert:
                continue
            assert cell is not None, (w, e)
            assert "median" in cell or "unsupported" in cell or "error" in cell, (w, e, cell)


def test_ours_agrees_with_hand_written_everywhere(quick: tuple[Path, dict[str, Any]]) -> None:
    _, doc = quick
    (size,) = doc["sizes"].values()
    assert size["reference"] == "taskdb"
    for w, wd in size["workloads"].items():
        if w == "insert_all":
            continue
        for e in ("python", "compiled"):
            cell = wd["results"][e]
            if "unsupported" in cell:
                assert e == "compiled" and w == "get_history"
                continue
            assert cell["agrees"] is True, (w, e, cell)
        assert wd["results"]["taskdb"]["count"] == wd["results"]["python"]["count"]
    assert not [d for d in size["disagreements"] if d["engine"] in ("python", "compiled")]
    assert size["workloads"]["empty"]["results"]["taskdb"]["count"] == 2000
    assert size["workloads"]["no_match"]["results"]["taskdb"]["count"] == 0


def test_known_peer_bugs_are_reported(quick: tuple[Path, dict[str, Any]]) -> None:
    _, doc = quick
    (size,) = doc["sizes"].values()
    # ipyparallel, mongomock, TinyDB and mongoquery are test dependencies: they must run.
    for peer in ("ipyparallel", "mongomock", "tinydb", "mongoquery"):
        assert "skipped" not in size["engines"][peer], size["engines"][peer]
    # Every peer but ipyparallel's two databases (whose bugs are documented) agrees with us.
    assert not [d for d in size["disagreements"] if not d["engine"].startswith("ipyparallel")]
    found = {d["workload"] for d in size["disagreements"] if d["engine"] == "ipyparallel"}
    assert {"time_range", "or_error_resubmitted", "client_outstanding"} <= found
    for d in size["disagreements"]:
        assert d["whose"] and not d["whose"].startswith("unexplained"), d


def test_page_and_plots_written(quick: tuple[Path, dict[str, Any]]) -> None:
    out, _ = quick
    page = (out / "performance.md").read_text()
    for w in WORKLOAD_NAMES:
        assert f"`{w}`" in page
    assert "## Disagreements" in page and "## Machine" in page
    assert (out / "img" / "bench-2000.png").stat().st_size > 1000
    assert (out / "img" / "bench-scaling.png").stat().st_size > 1000


def test_diff_reports_both_directions() -> None:
    from benchmarks.runner import _diff

    assert _diff(["a", "b"], ["b", "a"], ordered=False) is None
    d = _diff(["a", "b"], ["b", "c", "c"], ordered=False)
    assert d is not None and (d["missing"], d["extra"]) == (1, 2)
    assert d["missing_examples"] == ["a"] and d["extra_examples"] == ["c"]
    o = _diff(["a", "b", "c"], ["a", "c", "b"], ordered=True)
    assert o is not None and o["first_diff"] == 1
    assert _diff(["a"], ["a"], ordered=True) is None


def test_time_bounds_sit_in_millisecond_gaps() -> None:
    from datetime import timedelta

    from benchmarks.workloads import gap_boundary
    from taskdb.samples import sample_records

    recs = sample_records(500)
    for i in (0, 100, 250):
        t = gap_boundary(recs, i)
        assert t > recs[i]["submitted"]
        assert all(abs(r["submitted"] - t) >= timedelta(milliseconds=1) for r in recs)


def test_postgres_engines_agree_and_leave_nothing_behind(
    quick: tuple[Path, dict[str, Any]],
) -> None:
    from tests import pgserver

    pgserver.require()
    _, doc = quick
    (size,) = doc["sizes"].values()
    for engine in ("postgres", "postgres_sql"):
        assert "skipped" not in size["engines"][engine], size["engines"][engine]
        for w, wd in size["workloads"].items():
            if w != "insert_all":
                assert wd["results"][engine].get("agrees") is True, (engine, w)
    assert size["extras"]["postgres"]["postgres"]["lookup_s"] > 0
    left = pgserver.sql("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'taskdb_bench_%'")
    assert left == []
