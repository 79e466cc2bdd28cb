"""PNG plots of a results document (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first

ENGINE_ORDER = (
    "taskdb",
    "compiled",
    "python",
    "ipyparallel",
    "mongomock",
    "tinydb",
    "mongoquery",
    "montydb",
    "sqlite",
    "sql",
    "ipyparallel_sqlite",
)


def _engines(*size_docs: dict[str, Any]) -> list[str]:
    present = {e for sd in size_docs for wd in sd["workloads"].values() for e in wd["results"]}
    return [e for e in ENGINE_ORDER if e in present]


def _color(engine: str) -> str:
    """One fixed colour per engine across every figure and panel."""
    return f"C{ENGINE_ORDER.index(engine) % 10}"


def per_workload(size_doc: dict[str, Any], path: Path) -> Path:
    """Grouped bars: median time of each workload on each engine (log scale)."""
    workloads = list(size_doc["workloads"])
    engines = _engines(size_doc)
    width = 0.8 / max(1, len(engines))
    fig, ax = plt.subplots(figsize=(max(10, 0.9 * len(workloads)), 5.5))
    for k, eng in enumerate(engines):
        xs, ys = [], []
        for i, w in enumerate(workloads):
            c = size_doc["workloads"][w]["results"].get(eng, {})
            if c.get("median"):
                xs.append(i + (k - (len(engines) - 1) / 2) * width)
                ys.append(c["median"])
        ax.bar(xs, ys, width=width, label=eng, color=_color(eng))
    ax.set_yscale("log")
    ax.set_xticks(range(len(workloads)), workloads, rotation=40, ha="right")
    ax.set_ylabel("median seconds (log)")
    ax.set_title(f"Time per workload, {size_doc['n']:,} records")
    ax.legend(ncol=4, fontsize=8)
    ax.grid(axis="y", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def scaling(doc: dict[str, Any], path: Path) -> Path:
    """Median time vs number of records, one line per engine, one panel per workload."""
    sizes = sorted(doc["sizes"], key=int)
    workloads = list(doc["sizes"][sizes[-1]]["workloads"])
    engines = _engines(*doc["sizes"].values())
    cols = 5
    rows = (len(workloads) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.8 * rows), squeeze=False)
    for ax, w in zip(axes.flat, workloads, strict=False):
        for eng in engines:
            pts = [
                (int(s), c["median"])
                for s in sizes
                if (c := doc["sizes"][s]["workloads"].get(w, {}).get("results", {}).get(eng))
                and c.get("median")
            ]
            if pts:
                ax.plot(*zip(*pts, strict=True), marker="o", label=eng, color=_color(eng))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(w, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.grid(which="both", alpha=0.3)
    for ax in list(axes.flat)[len(workloads) :]:
        ax.axis("off")
    handles = [plt.Line2D([], [], color=_color(e), marker="o", label=e) for e in engines]
    fig.legend(handles=handles, loc="lower center", ncol=len(engines), fontsize=8)
    fig.suptitle("Median seconds vs number of records (log-log)")
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def make_plots(doc: dict[str, Any], img_dir: Path) -> list[Path]:
    img_dir.mkdir(parents=True, exist_ok=True)
    out = [per_workload(sd, img_dir / f"bench-{n}.png") for n, sd in doc["sizes"].items()]
    out.append(scaling(doc, img_dir / "bench-scaling.png"))
    return out
