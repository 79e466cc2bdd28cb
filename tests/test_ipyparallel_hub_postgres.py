"""taskdb.PostgresDB inside a REAL ipyparallel hub, across a controller restart.

A controller (``--IPController.db_class=taskdb.PostgresDB --PostgresDB.url=...``, in this
test run's schema) and two engines run tasks; the cluster is stopped; a new controller
starts with the same table, and a new client's ``db_query``, ``get_result`` and
``hub_history`` still find the finished tasks, their results (unpickled from the stored
buffers) and their errors.  The table is also read directly, from this process, while the
second controller runs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ipyparallel as ipp
import pytest
from traitlets.config import Config

from taskdb import PostgresDB
from tests import pgserver

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 60
LABEL = "postgres-batch"
TABLE = pgserver.table_name("hub")


def triple(x: int) -> int:
    return 3 * x


def boom() -> float:
    return 1 / 0


def _cluster(profile_dir: Path, engines: int) -> ipp.Cluster:
    pythonpath = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    config = Config()
    config.LocalControllerLauncher.environment = {"PYTHONPATH": pythonpath}
    config.LocalEngineSetLauncher.environment = {
        "PYTHONPATH": os.pathsep.join([str(REPO / "tests"), pythonpath])
    }
    config.LocalControllerLauncher.connection_info_timeout = TIMEOUT
    return ipp.Cluster(
        n=engines,
        profile_dir=str(profile_dir),
        config=config,
        controller_ip="127.0.0.1",
        controller_args=[
            "--IPController.db_class=taskdb.PostgresDB",
            f"--PostgresDB.url={pgserver.url()}",
            f"--PostgresDB.schema={pgserver.schema()}",
            f"--PostgresDB.table={TABLE}",
        ],
        engine_timeout=TIMEOUT,
        log_level=logging.WARNING,
    )


def _eventually(check: Any, timeout: float = 20.0) -> Any:
    import time

    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


@pytest.fixture(scope="module")
def restarted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Run tasks, stop everything, start a new controller (no engines) on the same profile."""
    pgserver.require()
    profile_dir = tmp_path_factory.mktemp("ipython") / "profile_taskdb_postgres"
    first = _cluster(profile_dir, 2)
    rc = first.start_and_connect_sync()
    try:
        lview = rc.load_balanced_view()
        with lview.temp_flags(label=LABEL):
            batch = lview.map_async(triple, range(4))
        direct = rc[0].apply_async(triple, 10)
        failing = lview.apply_async(boom)
        for ar in (batch, direct, failing):
            ar.wait(TIMEOUT)
        ids = [*batch.msg_ids, direct.msg_ids[0], failing.msg_ids[0]]
        query = {"msg_id": {"$in": ids}, "completed": {"$ne": None}}
        done = _eventually(lambda: len(rc.db_query(query, keys=["completed"])) == len(ids))
        assert done, "the hub never recorded all results"
        before = rc.db_query({"msg_id": {"$in": ids}}, keys=["submitted", "engine_uuid"])
        engine0 = rc._engines[0]
    finally:
        rc.close()
        first.stop_cluster_sync()
    second = _cluster(profile_dir, 0)
    second.start_controller_sync()
    rc2 = second.connect_client_sync()
    try:
        yield {
            "rc": rc2,
            "ids": ids,
            "batch": list(batch.msg_ids),
            "direct": direct.msg_ids[0],
            "fail": failing.msg_ids[0],
            "engine0": engine0,
            "before": before,
        }
    finally:
        rc2.close()
        second.stop_cluster_sync()


def _ids(records: list[dict[str, Any]]) -> set[str]:
    return {r["msg_id"] for r in records}


def test_db_query_after_restart(restarted: dict[str, Any]) -> None:
    rc, ids = restarted["rc"], restarted["ids"]
    mine = {"msg_id": {"$in": ids}}
    again = rc.db_query(mine, keys=["submitted", "engine_uuid"])
    assert sorted(again, key=lambda r: r["msg_id"]) == sorted(
        restarted["before"], key=lambda r: r["msg_id"]
    )
    assert _ids(rc.db_query({**mine, "label": LABEL}, keys=["label"])) == set(restarted["batch"])
    errors = {**mine, "result_content.ename": {"$regex": "^ZeroDiv"}}
    assert _ids(rc.db_query(errors, keys=["result_content"])) == {restarted["fail"]}
    on0 = rc.db_query({**mine, "engine_uuid": restarted["engine0"]}, keys=["engine_uuid"])
    assert restarted["direct"] in _ids(on0)
    assert set(ids) <= set(rc.hub_history())


def test_get_result_after_restart(restarted: dict[str, Any]) -> None:
    rc = restarted["rc"]
    # map sends one chunk (a list) per task
    assert rc.get_result(restarted["batch"]).get(TIMEOUT) == [[0], [3], [6], [9]]
    assert rc.get_result(restarted["direct"]).get(TIMEOUT) == 30
    with pytest.raises(ipp.error.RemoteError, match="ZeroDivisionError"):
        rc.get_result(restarted["fail"]).get(TIMEOUT)


def test_the_table_reads_directly_while_the_hub_runs(restarted: dict[str, Any]) -> None:
    db = PostgresDB(url=pgserver.url(), schema=pgserver.schema(), table=TABLE)
    try:
        got = db.find_records({"msg_id": {"$in": restarted["ids"]}}, ["result_buffers"])
        assert _ids(got) == set(restarted["ids"])
        # pickled results for the tasks that returned one (an error reply has no buffers)
        assert all(r["result_buffers"] for r in got if r["msg_id"] != restarted["fail"])
        full = db.find_records({"msg_id": restarted["direct"]})[0]
        assert full["engine_uuid"] == restarted["engine0"] and full["completed"] is not None
        db.check_integrity()
        assert "password" not in str(db.explain({"completed": None}))
    finally:
        db.close()
