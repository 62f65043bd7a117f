"""Start-up time: ``workbench --help`` and ``import workbench`` against a bare Python, same run.

Run with ``python -m bench.bench_startup``; writes ``bench/results/startup.json`` and prints the
figures. Each command runs in a fresh interpreter, as a user starts it; each figure is the median
of several runs, the commands taking turns so that all see the same machine load. The target is
``workbench --help`` under one second; the ratios say how much the workbench adds to a bare
``python -c pass``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import workbench

RESULTS = Path(__file__).with_name("results") / "startup.json"
TARGET_SECONDS = 1.0
CONSOLE_SCRIPT = Path(sys.executable).with_name("workbench")
COMMANDS = {
    "python_pass": [sys.executable, "-c", "pass"],
    "import_workbench": [sys.executable, "-c", "import workbench"],
    "workbench_help": [str(CONSOLE_SCRIPT), "--help"],
    "workbench_audit_help": [str(CONSOLE_SCRIPT), "audit", "--help"],
}
TARGETED = ("workbench_help", "workbench_audit_help")


def timed(command: list[str]) -> float:
    """Seconds one run of ``command`` takes, from start to exit."""
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def run(repeats: int) -> dict:
    """Time every command in turns and return the figures."""
    for command in COMMANDS.values():
        timed(command)  # warm the file cache, not timed
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(repeats):
        for name, command in COMMANDS.items():
            times[name].append(timed(command))
    median = {name: statistics.median(values) for name, values in times.items()}
    baseline = median["python_pass"]
    return {
        "repeats": repeats,
        "commands": {
            name: " ".join([Path(command[0]).name, *command[1:]])
            for name, command in COMMANDS.items()
        },
        "seconds_median": median,
        "seconds_all": times,
        "ratio_to_python_pass": {
            name: seconds / baseline for name, seconds in median.items() if name != "python_pass"
        },
        "target_seconds": TARGET_SECONDS,
        "under_target": {name: median[name] < TARGET_SECONDS for name in TARGETED},
        "versions": {
            "workbench": workbench.__version__,
            "python": platform.python_version(),
        },
    }


def main() -> None:
    """Run the benchmark, write the JSON and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=11)
    args = parser.parse_args()
    figures = run(args.repeats)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    print(f"medians of {figures['repeats']} runs")
    for name, seconds in figures["seconds_median"].items():
        ratio = figures["ratio_to_python_pass"].get(name)
        shown = "" if ratio is None else f"  ({ratio:.2f} x python -c pass)"
        print(f"  {name:22s} {seconds:7.3f} s{shown}")
    for name, under in figures["under_target"].items():
        verdict = "ok" if under else "ABOVE TARGET"
        print(f"  {name:22s} target < {TARGET_SECONDS} s: {verdict}")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
