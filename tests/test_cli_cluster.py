"""``taskdb query --cluster``: a real ipyparallel controller (one engine) whose database is
taskdb.DictDB, asked through Client.db_query; and the Mongo-dict fallback for other DBs."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import querylang
from querylang.frontends import extjson
from taskdb.cli import main
from taskdb.cli.cluster import ClusterSource

ipp = pytest.importorskip("ipyparallel")

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 60


def triple(x: int) -> int:
    return 3 * x


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any, list[str]]]:
    from traitlets.config import Config

    profile_dir = tmp_path_factory.mktemp("ipython") / "profile_cli"
    pythonpath = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    config = Config()
    config.LocalControllerLauncher.environment = {"PYTHONPATH": pythonpath}
    config.LocalEngineSetLauncher.environment = {
        "PYTHONPATH": os.pathsep.join([str(REPO / "tests"), pythonpath])
    }
    config.LocalControllerLauncher.connection_info_timeout = TIMEOUT
    cluster = ipp.Cluster(
        n=1,
        profile_dir=str(profile_dir),
        config=config,
        controller_ip="127.0.0.1",
        controller_args=["--IPController.db_class=taskdb.DictDB"],
        engine_timeout=TIMEOUT,
        log_level=logging.WARNING,
    )
    client = None
    try:
        client = cluster.start_and_connect_sync()
        view = client.load_balanced_view()
        ar = view.map_async(triple, range(5))
        assert ar.get(TIMEOUT) == [0, 3, 6, 9, 12]
        ids = list(ar.msg_ids)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the hub records results a little later
            done = client.db_query({"msg_id": {"$in": ids}, "completed": {"$ne": None}})
            if len(done) == len(ids):
                break
            time.sleep(0.1)
        yield cluster, client, ids
    finally:
        if client is not None:
            client.close()
        cluster.stop_cluster_sync()


def _where(cluster: Any) -> list[str]:
    return ["--cluster", "--profile-dir", cluster.profile_dir, "--cluster-id", cluster.cluster_id]


def test_query_a_live_cluster(cluster: tuple[Any, Any, list[str]], capsys: Any) -> None:
    c, client, ids = cluster
    before = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    text = f"completed != null and submitted >= {before.isoformat()}"  # a date: sent as text
    status = main(["query", *_where(c), text, "--format", "jsonl", "--keys", "completed"])
    out, err = capsys.readouterr()
    assert (status, err) == (0, "")
    got = [extjson.loads(line) for line in out.splitlines()]
    assert {r["msg_id"] for r in got} >= set(ids)
    assert all(isinstance(r["completed"], dt.datetime) for r in got)
    want = client.db_query({"completed": {"$ne": None}}, keys=["completed"])
    assert len(got) == len(want)

    status = main(["query", *_where(c), "header.msg_type =~ /^apply/", "--count"])
    out, _ = capsys.readouterr()
    assert status == 0 and int(out) >= len(ids)

    status = main(["query", *_where(c), "completed == null", "--count"])
    assert (status, capsys.readouterr().out) == (0, "0\n")


def test_cluster_errors_are_ours(tmp_path: Path, capsys: Any) -> None:
    status = main(["query", "--cluster", "--profile-dir", str(tmp_path), "true"])
    err = capsys.readouterr().err
    assert status == 1 and err.startswith("taskdb: error: cannot connect to the cluster (")
    status = main(["query", "--cluster", "somefile.jsonl", "true"])
    assert status == 2 and "--cluster asks a running controller" in capsys.readouterr().err


class _DictOnlyClient:
    """A client of a hub whose DB (ipyparallel's own DictDB, MongoDB) wants Mongo dicts."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    def db_query(self, query: Any, keys: Any = None) -> list[dict[str, Any]]:
        self.sent.append(query)
        if isinstance(query, str):
            raise RuntimeError("'str' object has no attribute 'items'")
        return [{"msg_id": "m1", "completed": None}]

    def close(self) -> None:
        pass


def test_other_databases_get_a_mongo_dict() -> None:
    client = _DictOnlyClient()
    source = ClusterSource(client, "test")
    q = querylang.parse('completed == null and engine_uuid in ["e1"]')
    assert source.find(q) == [("m1", {"msg_id": "m1", "completed": None})]
    assert source.find(q) == [("m1", {"msg_id": "m1", "completed": None})]
    expected = {"completed": None, "engine_uuid": {"$in": ["e1"]}}
    assert client.sent == [str(q), expected, expected]  # text tried once, then dicts only
