"""The explanation store and the precompute engine: (a) one explanation looked up in a store of
many against computing it, (b) precompute throughput on 2 local Dask workers against 1.

Run with ``python -m bench.bench_scale [--entries N] [--rows N]``; writes
``bench/results/scale.json`` and prints the figures. Uses the crisis_text sample model.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench._common import RESULTS_DIR, write_results
from workbench.data import load_dataset
from workbench.explain import explain
from workbench.models import load_model
from workbench.store import ExplanationStore, StoredEntry, StoreKey, package_versions, precompute

RESULTS = RESULTS_DIR / "scale.json"
SPEC = Path(__file__).resolve().parents[1] / "sample_models" / "crisis_text" / "model.yaml"
FILL_CHUNK = 10_000
LOOKUPS = 200
COMPUTES = 5


def lookup_against_compute(entries: int) -> dict:
    """Median time of one store lookup among ``entries`` against computing IG and LIME."""
    model = load_model(SPEC)
    text = load_dataset(SPEC)["text"].iloc[0]
    computed = {}
    for method in ("ig", "lime"):
        times = []
        for _ in range(COMPUTES):
            start = time.perf_counter()
            explanation = explain(model, text, method=method, cache=None)
            times.append(time.perf_counter() - start)
        computed[method] = statistics.median(times)
    versions = package_versions()

    def key(i: int) -> StoreKey:
        return StoreKey.of(
            fingerprint=model.fingerprint,
            item=f"message {i}",
            method="ig",
            params=explanation.params,
            target=None,
            versions=versions,
        )

    with tempfile.TemporaryDirectory() as folder:
        store = ExplanationStore(folder)
        start = time.perf_counter()
        for first in range(0, entries, FILL_CHUNK):
            chunk = range(first, min(entries, first + FILL_CHUNK))
            store.put_many([(key(i), StoredEntry(explanation)) for i in chunk])
        fill_s = time.perf_counter() - start
        reader = ExplanationStore(folder)
        times = []
        for i in random.Random(1).sample(range(entries), LOOKUPS):
            start = time.perf_counter()
            assert reader.get(key(i)).explanation is not None
            times.append(time.perf_counter() - start)
        reader.close()
        store.close()
    lookup = statistics.median(times)
    return {
        "entries": entries,
        "fill_s": round(fill_s, 2),
        "lookup_median_ms": round(lookup * 1000, 3),
        "lookup_max_ms": round(max(times) * 1000, 3),
        "compute_ig_ms": round(computed["ig"] * 1000, 2),
        "compute_lime_ms": round(computed["lime"] * 1000, 2),
        "lime_over_lookup": round(computed["lime"] / lookup, 1),
    }


def workers_against_one(rows: int) -> dict:
    """Seconds to precompute LIME for ``rows`` rows on 1 and on 2 local workers."""
    seconds = {}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            summary = precompute(
                SPEC, methods=["lime"], rows=rows, workers=workers, store=folder, progress=False
            )
            seconds[workers] = time.perf_counter() - start
            assert summary.failed == 0
    return {
        "rows": rows,
        "method": "lime",
        "one_worker_s": round(seconds[1], 2),
        "two_workers_s": round(seconds[2], 2),
        "speedup": round(seconds[1] / seconds[2], 2),
        "note": "wall time including the local cluster's start-up and the model load per worker",
    }


def main() -> None:
    """Run both measurements and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=120)
    args = parser.parse_args()
    results = {
        "store_lookup": lookup_against_compute(args.entries),
        "precompute_workers": workers_against_one(args.rows),
    }
    write_results(RESULTS, results)
    print(results)


if __name__ == "__main__":
    main()
