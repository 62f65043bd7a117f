"""What the benchmarks share: where and how their results are written."""

from __future__ import annotations

import json
from pathlib import Path

RESULTS_DIR = Path(__file__).with_name("results")


def write_results(path: Path, results: dict) -> None:
    """Write ``results`` to ``path`` as indented JSON, making its folder if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
