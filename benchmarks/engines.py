"""One adapter per engine: load the records, translate a workload, run it, name the answers.

Translation (``prepare``) happens outside the timed region; ``find`` is exactly the call a
user of that engine makes.  Peers are optional: ``unavailable()`` says why one is skipped.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from .workloads import Record, Workload

HUGE = 10**15  # record_limit / size_limit for the DictDBs: never cull during a benchmark


class Engine:
    """Base adapter.  Subclasses override what they support; ``None`` means unsupported."""

    name = ""
    label = ""
    requires: tuple[str, ...] = ()  # modules that must import
    dist: str | None = None  # distribution whose version is reported
    store = False  # does ``load``/``insert`` build a store (vs scanning the list)?
    supports_insert = True

    def __init__(self) -> None:
        self.db: Any = None
        self.records: list[Record] = []
        self.answers: dict[str, Any] = {}

    def unavailable(self) -> str | None:
        for mod in self.requires:
            try:
                importlib.import_module(mod)
            except Exception as e:  # noqa: BLE001 - any import failure means "skip"
                return f"{mod} not importable ({type(e).__name__}: {e})"
        return None

    def version(self) -> str:
        if self.dist is None:
            return ""
        try:
            return importlib.metadata.version(self.dist)
        except importlib.metadata.PackageNotFoundError:
            return "?"

    def load(self, records: list[Record]) -> None:
        self.close()
        self.records = records
        if self.store:
            self.db = self.insert(records)

    def adopt(self, records: list[Record], store: Any) -> None:
        """Use ``store`` (built by ``insert(records)``) as the loaded store."""
        self.records = records
        self.db = store if self.store else None

    def close(self) -> None:
        """Free the store (peers are closed as soon as their workloads are done)."""
        self.db = None

    def insert(self, records: list[Record]) -> Any:
        """Build a fresh store holding ``records`` (timed as the insert workload)."""
        return None

    def prepare(self, wl: Workload) -> Any:
        return wl.mongo

    def find(self, prepared: Any) -> Any:
        raise NotImplementedError

    def ids(self, result: Any) -> list[str]:
        return [r["msg_id"] for r in result]

    def history(self) -> list[str] | None:
        return None

    @property
    def supports_history(self) -> bool:
        return type(self).history is not Engine.history


class _DictDBAPI(Engine):
    """Stores with ipyparallel's DictDB interface (limits raised so nothing is culled)."""

    def db_class(self) -> type:
        raise NotImplementedError

    def insert(self, records: list[Record]) -> Any:
        db = self.db_class()(record_limit=HUGE, size_limit=HUGE)
        add = db.add_record
        for r in records:
            add(r["msg_id"], r)
        return db

    def find(self, prepared: Any) -> Any:
        return self.db.find_records(prepared)

    def history(self) -> list[str]:
        return self.db.get_history()


class Ours(_DictDBAPI):
    name = "taskdb"
    label = "taskdb DictDB"
    requires = ("taskdb",)
    dist = "taskdb"
    store = True

    def version(self) -> str:
        import taskdb

        return getattr(taskdb, "__version__", "") + " (this tree)"

    def unavailable(self) -> str | None:
        try:
            from taskdb import DictDB  # noqa: F401
        except Exception as e:  # noqa: BLE001
            return f"taskdb.DictDB not importable ({type(e).__name__}: {e})"
        return None

    def db_class(self) -> type:
        from taskdb import DictDB

        return DictDB


class Compiled(Engine):
    """querylang's compiled predicate in a plain list comprehension: no indexes."""

    name = "compiled"
    label = "taskdb compiled scan"
    requires = ("querylang",)
    dist = None
    supports_insert = False

    def prepare(self, wl: Workload) -> Any:
        import querylang

        return querylang.compile(wl.mongo)

    def find(self, prepared: Any) -> Any:
        # The predicate's own comprehension, with the test inlined: no call per record
        # (every record here is a plain dict, which filter_dicts requires).
        return prepared.filter_dicts(self.records)


class HandWritten(Engine):
    """The hand-written comprehension: the CPython floor every ratio is relative to."""

    name = "python"
    label = "hand-written Python"

    def prepare(self, wl: Workload) -> Any:
        return wl.scan

    def find(self, prepared: Any) -> Any:
        return prepared(self.records)

    def insert(self, records: list[Record]) -> Any:
        return {r["msg_id"]: r for r in records}

    def history(self) -> list[str]:
        return [r["msg_id"] for r in sorted(self.records, key=itemgetter("submitted"))]


class IPyParallel(_DictDBAPI):
    name = "ipyparallel"
    label = "ipyparallel DictDB"
    dist = "ipyparallel"
    store = True
    requires = ("ipyparallel.controller.dictdb",)

    def db_class(self) -> type:
        from ipyparallel.controller.dictdb import DictDB

        return DictDB


def _naive_utc(v: Any) -> Any:
    """Query operands as BSON engines store dates: naive UTC (what pymongo users pass)."""
    if isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=None) if v.tzinfo else v
    if isinstance(v, dict):
        return {k: _naive_utc(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_naive_utc(x) for x in v]
    return v


class _PyMongoAPI(Engine):
    """Peers with pymongo's collection API: BSON dates (naive UTC), ``find`` and ``sort``."""

    def prepare(self, wl: Workload) -> Any:
        return _naive_utc(wl.mongo)

    def find(self, prepared: Any) -> Any:
        return list(self.db.find(prepared))

    def history(self) -> list[str]:
        cur = self.db.find({}, {"msg_id": 1, "_id": 0}).sort("submitted", 1)
        return [d["msg_id"] for d in cur]


class MongoMock(_PyMongoAPI):
    name = "mongomock"
    label = "mongomock"
    requires = ("mongomock",)
    dist = "mongomock"
    store = True

    def insert(self, records: list[Record]) -> Any:
        import mongomock

        coll = mongomock.MongoClient().db.tasks
        coll.insert_many([dict(r) for r in records])  # insert_many adds _id to its input
        return coll


class MontyDB(_PyMongoAPI):
    name = "montydb"
    label = "montydb (memory)"
    requires = ("montydb",)
    dist = "montydb"
    store = True

    def __init__(self) -> None:
        super().__init__()
        self._made: list[tuple[Any, str]] = []

    def insert(self, records: list[Record]) -> Any:
        from montydb import MontyClient

        # ":memory:" storage is one process-wide server: a fresh database per store.
        client, name = MontyClient(":memory:"), f"bench{len(self._made)}_{id(records)}"
        self._made.append((client, name))
        coll = client[name].tasks
        coll.insert_many([dict(r) for r in records])
        return coll

    def adopt(self, records: list[Record], store: Any) -> None:
        for client, name in self._made:
            if client[name].tasks != store:
                client.drop_database(name)
        self._made = [(c, n) for c, n in self._made if c[n].tasks == store]
        super().adopt(records, store)

    def close(self) -> None:
        for client, name in self._made:
            client.drop_database(name)
        self._made.clear()
        self.db = None


class TinyDB(Engine):
    name = "tinydb"
    label = "TinyDB (memory)"
    requires = ("tinydb",)
    dist = "tinydb"
    store = True

    def insert(self, records: list[Record]) -> Any:
        from tinydb import TinyDB as _TinyDB
        from tinydb.storages import MemoryStorage

        table = _TinyDB(storage=MemoryStorage).table("tasks", cache_size=0)  # no result cache
        table.insert_multiple(records)
        return table

    def prepare(self, wl: Workload) -> Any:
        from tinydb import Query

        return None if wl.tinydb is None else wl.tinydb(Query())

    def find(self, prepared: Any) -> Any:
        return self.db.search(prepared)

    def history(self) -> list[str]:
        return [d["msg_id"] for d in sorted(self.db.all(), key=itemgetter("submitted"))]


class MongoQuery(Engine):
    """mongoquery's matcher over the record list (it has no store)."""

    name = "mongoquery"
    label = "mongoquery"
    requires = ("mongoquery",)
    dist = "mongoquery"
    supports_insert = False

    def prepare(self, wl: Workload) -> Any:
        import mongoquery

        return mongoquery.Query(wl.mongo).match

    def find(self, prepared: Any) -> Any:
        return [r for r in self.records if prepared(r)]


ALL_ENGINES: dict[str, type[Engine]] = {
    e.name: e
    for e in (Ours, Compiled, HandWritten, IPyParallel, MongoMock, TinyDB, MongoQuery, MontyDB)
}
#: The engines every run includes even when ``--engines`` omits them.
REQUIRED = ("taskdb", "python")
#: Peers that hold a BSON-encoded copy or scan slowly: skipped above this many records.
SLOW_PEERS = {
    # ipyparallel's DictDB is the one taskdb replaces: measured at every size (it stores
    # references, so 1M records fit; its deep copies make big answers take seconds).
    "ipyparallel": 10_000_000,
    "mongomock": 200_000,  # 1-100 s per query at 100k (deep copies the collection)
    "montydb": 50_000,  # ~2.5 s per query at 10k records, linear
    "tinydb": 200_000,
    "mongoquery": 200_000,
    # ipyparallel's SQLiteDB: ~40 µs per add and seconds per answer at 1M; the targets are
    # stated at 100k records.
    "ipyparallel_sqlite": 200_000,
}

# The SQLite engines register themselves in ALL_ENGINES (sqlite_engines.py).
from . import postgres_engines as _postgres_engines  # noqa: E402, F401
from . import sqlite_engines as _sqlite_engines  # noqa: E402, F401
