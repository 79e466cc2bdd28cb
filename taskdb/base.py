"""The database base class and the store-nothing backend, as in ipyparallel's dictdb."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from traitlets import Unicode
from traitlets.config.configurable import LoggingConfigurable

__all__ = ["BaseDB", "NoDB", "NoData"]

try:
    # The hub declares ``db = Instance("ipyparallel.controller.dictdb.BaseDB")`` and refuses
    # any other class, so to be a drop-in we must derive from it when ipyparallel is there.
    from ipyparallel.controller.dictdb import BaseDB as _HubBaseDB
except ImportError:  # ipyparallel is optional: taskdb works on its own
    _HubBaseDB = LoggingConfigurable


class BaseDB(_HubBaseDB):  # type: ignore[misc]
    """Empty Parent class so traitlets work on DB.

    A subclass of ipyparallel's ``BaseDB`` when ipyparallel is installed (the hub requires
    it), else of traitlets' ``LoggingConfigurable``, like ipyparallel's.
    """

    # base configurable traits:
    session = Unicode("")

    def close(self) -> None:
        pass


class NoData(KeyError):
    """Special KeyError to raise when requesting data from NoDB"""

    def __str__(self) -> str:
        return (
            "NoDB backend doesn't store any data. "
            "Start the Controller with a DB backend to enable resubmission / result persistence."
        )


class NoDB(BaseDB):
    """A blackhole db backend that actually stores no information.

    Provides the full DB interface, but raises KeyErrors on any
    method that tries to access the records.  This can be used to
    minimize the memory footprint of the Hub when its record-keeping
    functionality is not required.
    """

    def add_record(self, msg_id: Hashable, record: dict[str, Any]) -> None:
        pass

    def get_record(self, msg_id: Hashable) -> dict[str, Any]:
        raise NoData()

    def update_record(self, msg_id: Hashable, record: dict[str, Any]) -> None:
        pass

    def drop_matching_records(self, check: Any) -> None:
        pass

    def drop_record(self, msg_id: Hashable) -> None:
        pass

    def find_records(self, check: Any, keys: Any = None) -> list[dict[str, Any]]:
        raise NoData()

    def get_history(self) -> list[Hashable]:
        raise NoData()
