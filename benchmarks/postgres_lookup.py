"""``python -m benchmarks.postgres_lookup``: a ``msg_id`` lookup on a large PostgresDB table.

Streams ``--records`` sample records (default 1,000,000) into a fresh table with
``add_records`` (COPY, in batches), VACUUM ANALYZEs it, opens a *fresh* database object and
times ``find_records({"msg_id": m})`` end to end for spread ids.  The table lives in a schema
of its own, dropped afterwards whatever happens.  Writes
``benchmarks/results/postgres_lookup.json``, which the PostgreSQL section of
docs/performance.md reports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import time
from pathlib import Path

from . import machine
from .postgres_engines import _Schema, lookups, server_url
from .postgres_report import LOOKUP_FILE


def main(argv: list[str] | None = None) -> dict[str, object]:
    p = argparse.ArgumentParser(prog="python -m benchmarks.postgres_lookup")
    p.add_argument("--records", type=int, default=1_000_000)
    p.add_argument("--batch", type=int, default=20_000)
    p.add_argument("--out", type=Path, default=LOOKUP_FILE)
    args = p.parse_args(argv)

    from taskdb import PostgresDB
    from taskdb.samples import sample_record_stream

    schema = _Schema.get()
    ids: list[dict[str, str]] = []
    try:
        db = PostgresDB(url=server_url(), schema=schema, table="lookup")
        stream = sample_record_stream(args.records, seed=0)
        t0 = time.perf_counter()
        while batch := list(itertools.islice(stream, args.batch)):
            db.add_records((r["msg_id"], r) for r in batch)
            ids.extend({"msg_id": r["msg_id"]} for r in batch[:: max(1, args.batch // 50)])
            print(f"\r{len(db) if len(ids) % 500 == 0 else ''}", end="", flush=True)
        insert_s = time.perf_counter() - t0
        db.close()
        import psycopg

        with psycopg.connect(server_url(), autocommit=True) as conn:
            conn.execute(f'VACUUM ANALYZE "{schema}"."lookup"')
            (size,) = conn.execute(
                f'SELECT pg_total_relation_size(\'"{schema}"."lookup"\')'
            ).fetchone() or (0,)
        fresh = PostgresDB(url=server_url(), schema=schema, table="lookup")
        result: dict[str, object] = {
            "records": args.records,
            "insert_records_per_s": args.records / insert_s,
            "bytes_per_record": size / args.records,
            **lookups(fresh, ids, count=min(500, len(ids))),
            "when": dt.date.today().isoformat(),
            "loadavg": os.getloadavg(),
            "machine": machine.describe(),
        }
    finally:
        _Schema.drop()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, default=str) + "\n")
    print(f"\n{json.dumps({k: v for k, v in result.items() if k != 'machine'}, default=str)}")
    return result


if __name__ == "__main__":
    main()
