"""Reading task records for the command line: JSON lines of Extended JSON, into a DictDB."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import IO, Any

from querylang.frontends import extjson

from .errors import CommandError

__all__ = ["load_records", "build_db", "query_text", "NO_CULL"]

#: Limits high enough that a DictDB built from a file never culls a record.
NO_CULL = {"record_limit": 2**62, "size_limit": 2**62}


def _open_in(name: str) -> IO[Any]:
    """The named file in binary mode (lines decoded one by one), or stdin."""
    if name == "-":
        return getattr(sys.stdin, "buffer", sys.stdin)
    try:
        return open(name, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise CommandError(f"cannot read {name}: {exc.strerror}") from None


def load_records(name: str) -> list[dict[str, Any]]:
    """TaskRecords from a JSON-lines file of Extended JSON (``-``: stdin); blank lines skipped."""
    stream = _open_in(name)
    label = "<stdin>" if name == "-" else name
    records: list[dict[str, Any]] = []
    try:
        for lineno, raw in enumerate(stream, 1):
            try:
                line = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            except UnicodeDecodeError as exc:
                raise CommandError(f"{label}:{lineno}: not UTF-8 text ({exc.reason})") from None
            if not line.strip():
                continue
            try:
                rec = extjson.loads(line)
            except ValueError as exc:
                raise CommandError(f"{label}:{lineno}: {exc}") from None
            if not isinstance(rec, dict) or not isinstance(rec.get("msg_id"), str):
                raise CommandError(
                    f"{label}:{lineno}: expected a task record (a JSON object with a "
                    f"string msg_id), got {type(rec).__name__}"
                )
            records.append(rec)
    finally:
        if name != "-":
            stream.close()
    return records


def build_db(records: Iterable[dict[str, Any]], source: str = "<memory>") -> Any:
    """A :class:`taskdb.DictDB` holding ``records`` (limits raised: nothing is culled)."""
    from taskdb import DictDB

    db = DictDB(**NO_CULL)
    for rec in records:
        try:
            db.add_record(rec["msg_id"], rec)
        except (KeyError, ValueError) as exc:
            reason = exc.args[0] if exc.args else exc
            raise CommandError(f"{source}: record {rec['msg_id']!r}: {reason}") from None
    return db


def query_text(arg: str, file_arg: str | None) -> str:
    """The query argument, or the query read from stdin when it is ``-``."""
    if arg != "-":
        return arg
    if file_arg == "-":
        raise CommandError("the query and the records cannot both come from stdin")
    return sys.stdin.read()
