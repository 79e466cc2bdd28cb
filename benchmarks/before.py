"""The "before" figures of the round-2 section of docs/performance.md.

``python -m benchmarks.before --sizes 10000,100000,1000000`` checks out the tree before the
round (``--base``, default the commit it started from) into a temporary directory, puts
*this* tree's ``benchmarks`` package beside its ``taskdb`` and ``querylang``, runs the same
extras there (per-call predicate, storage, insert and memory), and writes them with the
query-table figures of that commit's own ``results.json`` to
``benchmarks/results/before-round2.json``, which the report shows beside today's.  Run it
on the machine and close in time to the run it is compared with.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASE = "6ab42f4"  # main before "Performance, round 2"
OUT = ROOT / "benchmarks" / "results" / "before-round2.json"

_RUN = """
import gc, json, sys
from taskdb.samples import sample_records
from benchmarks import extras, machine
out = {"machine": machine.describe(), "sizes": {}}
for n in [int(x) for x in sys.argv[1].split(",")]:
    recs = sample_records(n)
    gc.collect()
    out["sizes"][str(n)] = extras.run_extras(recs, {"workloads": {}}, print, 1.0)
    del recs
    gc.collect()
out["machine"]["loadavg_end"] = machine.loadavg()
json.dump(out, open(sys.argv[2], "w"), default=str)
"""


def _published(base: str) -> dict[str, Any]:
    """The query table's taskdb/python/ipyparallel cells and insert/memory extras at ``base``."""
    text = subprocess.run(
        ["git", "show", f"{base}:benchmarks/results/results.json"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    doc = json.loads(text)
    sizes = {}
    for n, sd in doc["sizes"].items():
        cells = {
            w: {e: c for e, c in wd["results"].items() if e in ("taskdb", "python", "ipyparallel")}
            for w, wd in sd["workloads"].items()
        }
        sizes[n] = {"workloads": cells, "insert_memory": sd["extras"].get("insert_memory")}
    return {"command": doc["command"], "machine": doc["machine"], "sizes": sizes}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.before", description=__doc__)
    p.add_argument("--sizes", default="10000,100000,1000000")
    p.add_argument("--base", default=BASE, help=f"the commit before the round [{BASE}]")
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp)
        archive = subprocess.run(
            ["git", "archive", args.base, "taskdb", "querylang", "grammar"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        shutil.copytree(ROOT / "benchmarks", tree / "benchmarks")
        result = tree / "extras.json"
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; sys.path.insert(0, '.')\n" + _RUN,
                args.sizes,
                result,
            ],
            cwd=tree,
            check=True,
        )
        extras = json.loads(result.read_text())
    doc = {
        "base": args.base,
        "command": "python -m benchmarks.before " + " ".join(argv or sys.argv[1:]),
        "extras": extras,
        "published": _published(args.base),
    }
    args.out.write_text(json.dumps(doc, indent=1, default=str))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
