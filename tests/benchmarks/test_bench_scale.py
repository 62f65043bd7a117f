"""``bench/bench_scale.py --quick`` runs end to end into a folder of our choosing, so the bench
cannot rot between its full runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = (
    "app_click",
    "precompute_workers",
    "engine_overhead",
    "stored_audit",
    "gpu_ig",
    "app_visitors",
)


def test_the_quick_bench_writes_every_figure(tmp_path):
    command = [sys.executable, "-m", "bench.bench_scale", "--quick", "--results", str(tmp_path)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((tmp_path / "scale.json").read_text(encoding="utf-8"))
    assert results["quick"] is True
    assert set(SECTIONS) <= set(results)
    click = results["app_click"]
    assert 0 < click["served_click_median_ms"] <= click["served_click_max_ms"]
    assert click["computed_click_s"] > 0 and click["store_entries"] > 2
    assert results["stored_audit"]["equal_numbers"] is True
    assert results["precompute_workers"]["speedup"] > 0
    assert results["precompute_workers"]["job_speedup"] > 0
    assert results["engine_overhead"]["in_process_s"] > 0
    gpu = results["gpu_ig"]
    assert gpu == "no GPU" or gpu["messages_per_second"] > 0
    assert set(results["checks"]["met"]) == {
        "served_click_median_ms",
        "precompute_speedup",
        "engine_overhead",
        "audit_equal_numbers",
        "visitors_first_widget_median_s",
        "visitors_server_side_median_s",
        "visitors_total_mb",
    }
    visitor = results["app_visitors"]["crowds"]["1"]
    assert visitor["first_widget_s"]["timed_out"] == 0
    assert visitor["server_side_s"]["timed_out"] == 0
    assert visitor["server_side_s"]["median"] > 0
    assert visitor["memory_settled"]["per_visitor_kernel_mb"] > 0
