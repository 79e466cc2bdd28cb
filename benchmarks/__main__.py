"""``python -m benchmarks``: run the side-by-side benchmark, write JSON, plots and the page.

Full run (what docs/performance.md was made with)::

    python -m benchmarks --sizes 10000,100000,1000000 --repeat 5

CI smoke run (< 60 s, 2,000 records)::

    python -m benchmarks --quick --out /tmp/bench
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from . import machine
from .engines import ALL_ENGINES
from .runner import run_size
from .workloads import WORKLOAD_NAMES

ROOT = Path(__file__).resolve().parent.parent
QUICK_SIZES = (2000,)
DEFAULT_SIZES = (10_000, 100_000)


def _csv(s: str) -> list[str]:
    return [x.strip() for x in s.split(",") if x.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="taskdb vs its peers, side by side: JSON results, plots, performance.md",
    )
    p.add_argument(
        "--sizes",
        type=lambda s: [int(x.replace("_", "")) for x in _csv(s)],
        help="comma-separated record counts (default 10000,100000)",
    )
    p.add_argument("--repeat", type=int, default=None, help="timed repetitions (default 5)")
    p.add_argument("--quick", action="store_true", help="CI mode: 2,000 records, 1 repeat")
    p.add_argument("--engines", type=_csv, help=f"subset of {','.join(ALL_ENGINES)}")
    p.add_argument("--workloads", type=_csv, help=f"subset of {','.join(WORKLOAD_NAMES)}")
    p.add_argument("--out", type=Path, default=None, help="results dir [benchmarks/results]")
    p.add_argument("--docs", type=Path, default=None, help="where performance.md goes")
    p.add_argument("--budget", type=float, default=None, help="max seconds timed per cell")
    p.add_argument("--no-plots", action="store_true")
    args = p.parse_args(argv)
    for name in args.engines or ():
        if name not in ALL_ENGINES:
            p.error(f"unknown engine {name!r}; choose from {', '.join(ALL_ENGINES)}")
    for name in args.workloads or ():
        if name not in WORKLOAD_NAMES:
            p.error(f"unknown workload {name!r}; choose from {', '.join(WORKLOAD_NAMES)}")
    return args


def run(args: argparse.Namespace, command: str = "", log: Any = print) -> dict[str, Any]:
    """Run and write everything; returns the results document."""
    sizes = args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    repeat = args.repeat or (1 if args.quick else 5)
    budget = args.budget or (0.25 if args.quick else 1.0)
    out_dir: Path = args.out or ROOT / "benchmarks" / "results"
    docs: Path = args.docs or (out_dir if args.out else ROOT / "docs")
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    doc: dict[str, Any] = {
        "command": command,
        "machine": machine.describe(),
        "repeat": repeat,
        "budget_s": budget,
        "sizes": {},
    }
    for n in sizes:
        doc["sizes"][str(n)] = run_size(
            n, repeat=repeat, engines=args.engines, workloads=args.workloads, budget=budget, log=log
        )
    doc["elapsed_s"] = time.perf_counter() - t0
    doc["machine"]["loadavg_end"] = machine.loadavg()
    path = out_dir / "results.json"
    path.write_text(json.dumps(doc, indent=1, default=str))
    log(f"wrote {path}")
    from .report import write_report

    page = write_report(doc, docs, plots=not args.no_plots)
    log(f"wrote {page} ({doc['elapsed_s']:.0f}s)")
    return doc


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    run(parse_args(argv), "python -m benchmarks " + " ".join(argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
