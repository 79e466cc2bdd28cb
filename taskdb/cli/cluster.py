"""``--cluster``: query a running ipyparallel controller through ``Client.db_query``.

The hub hands the query to its database class.  Our :class:`taskdb.DictDB` reads query text,
so a query goes as its canonical text: dates, regexes and the like arrive intact (in a
Mongo dict, the client's JSON would turn a date into a string).  Any other database
(ipyparallel's own DictDB, MongoDB, SQLite) gets the Mongo filter dict instead: the first
query tries text, and a refusal switches the connection to dicts.
"""

from __future__ import annotations

from typing import Any

import querylang

from .errors import CommandError
from .sources import Row, Source

__all__ = ["connect", "ClusterSource"]

TIMEOUT = 10.0  # seconds to wait for the controller


class ClusterSource(Source):
    """The controller's task records, asked for one query at a time."""

    def __init__(self, client: Any, label: str) -> None:
        super().__init__(client, label, id_field="msg_id", tasks=True, size=None)
        self.client = client
        #: "text" once the controller's DB has read query text, "dict" once it refused it.
        self.mode: str | None = None

    def find(self, query: querylang.Query) -> list[Row]:
        records = self._ask(query)
        return [(rec.get("msg_id"), rec) for rec in records]

    def _ask(self, query: querylang.Query) -> list[dict[str, Any]]:
        if self.mode != "dict":
            try:
                records: list[dict[str, Any]] = self.client.db_query(str(query))
            except Exception:
                if self.mode == "text":
                    raise
                self.mode = "dict"  # not our DictDB: it wants a Mongo dict
            else:
                self.mode = "text"
                return records
        try:
            return list(self.client.db_query(query.to_dict()))
        except TypeError as exc:
            raise CommandError(
                "the controller's database reads no query text, and this query cannot be sent "
                f"to it as a Mongo dict ({exc})"
            ) from None

    def close(self) -> None:
        self.client.close()


def connect(
    profile: str | None = None, profile_dir: str | None = None, cluster_id: str | None = None
) -> ClusterSource:
    """A client of the cluster of an IPython profile (``default``), as ``ipp.Client`` finds it."""
    try:
        import ipyparallel as ipp
    except ImportError:
        raise CommandError("--cluster needs ipyparallel (pip install ipyparallel)") from None
    kwargs: dict[str, Any] = {"timeout": TIMEOUT}
    if profile:
        kwargs["profile"] = profile
    if profile_dir:
        kwargs["profile_dir"] = profile_dir
    if cluster_id:
        kwargs["cluster_id"] = cluster_id
    where = profile_dir or f"profile {profile or 'default'}"
    if cluster_id:
        where += f", cluster {cluster_id}"
    try:
        client = ipp.Client(**kwargs)
    except Exception as exc:  # no connection file, or no controller answering
        raise CommandError(f"cannot connect to the cluster ({where}): {exc}") from None
    return ClusterSource(client, f"the cluster ({where})")
