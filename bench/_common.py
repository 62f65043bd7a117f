"""What the benchmarks share: where and how their results are written, and paired timing of
the workbench against the raw libraries."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

RESULTS_DIR = Path(__file__).with_name("results")


def write_results(path: Path, results: dict) -> None:
    """Write ``results`` to ``path`` as indented JSON, making its folder if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def timed(function: Callable[[], object]) -> tuple[float, float]:
    """CPU seconds and wall-clock seconds of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    function()
    return time.process_time() - cpu, time.perf_counter() - wall


def paired(workbench_run: Callable, hand_run: Callable, repeats: int) -> dict[str, dict]:
    """Median CPU and wall seconds of each, alternating which goes first."""
    runs: dict[str, list[tuple[float, float]]] = {"workbench": [], "hand": []}
    for repeat in range(repeats):
        order = [("hand", hand_run), ("workbench", workbench_run)]
        for name, run in order if repeat % 2 else order[::-1]:
            runs[name].append(timed(run))
    return {
        name: {
            "cpu": statistics.median(c for c, _ in values),
            "wall": statistics.median(w for _, w in values),
        }
        for name, values in runs.items()
    }
