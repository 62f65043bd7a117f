"""Real-size models at interactive speed: (a) the app's explain click served from the explanation
store against computing it, on a DistilBERT-sized model; (b) precompute throughput on 2 local
Dask workers against 1; (c) the engine's overhead against in-process ``explain_batch``;
(d) an audit of 10 million stored predictions in Parquet through Dask against the in-memory
audit of the same rows; (e) GPU Integrated Gradients messages per second, when a GPU exists;
(f) 1, 5 and 10 visitors opening the served ethics app at once (``bench.bench_visitors``): the
first widget's median and maximum time, in Chromium pages on this machine and for browserless
visitors (the server's share), and the memory of the server and its kernels.

Run with ``python -m bench.bench_scale [--quick] [--results DIR]``; writes ``scale.json`` in
``DIR`` (default ``bench/results``) and prints the figures. The DistilBERT-sized model (6 layers,
hidden 768, random weights; speed does not depend on training) and its WordPiece tokenizer are
built locally from a config, as ``bench_explain`` does. ``--quick`` shrinks every size (a 1-layer
model, few rows) so that a test can prove the bench still runs; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bench._common import RESULTS_DIR, paired, write_results
from bench.bench_explain import distilbert_sized_model
from bench.bench_visitors import TARGET_MEDIAN_S, TARGET_TOTAL_MB, run_crowds
from workbench.data import load_dataset
from workbench.models import load_model
from workbench.serving import default_pool_size
from workbench.store import (
    NOTE_PRECOMPUTED,
    STORE_ENV,
    ExplanationStore,
    StoredEntry,
    StoreKey,
    precompute,
)

SPEC = Path(__file__).resolve().parents[1] / "sample_models" / "crisis_text" / "model.yaml"
RESULT_FILE = "scale.json"
VISITORS_FILE = "visitors.json"
FILL_CHUNK = 10_000
MESSAGE_TOKENS = 54
PROTECTED = ("gender", "ethnicity", "age_band")
GROUPS = {
    "gender": ("female", "male", "nonbinary"),
    "ethnicity": ("asian", "black", "hispanic", "white", "other"),
    "age_band": ("18-25", "26-40", "41-65", "65+"),
}
CLASSES = ("routine", "urgent")
TARGETS = {
    "click_median_ms": 50,
    "precompute_speedup": 1.7,
    "engine_overhead": 0.15,
    "visitors_first_widget_median_s": TARGET_MEDIAN_S,
    "visitors_total_mb": TARGET_TOTAL_MB,
}


@dataclass(frozen=True)
class Sizes:
    """How big each measurement is."""

    entries: int  # store entries around the clicked one
    clicks: int  # served clicks timed
    model: dict  # DistilBertConfig overrides
    precompute_rows: int
    engine_rows: int
    engine_repeats: int
    audit_rows: int
    audit_files: int
    gpu_messages: int
    visitor_crowds: tuple[int, ...]
    visitor_pool: int | None  # None: workbench serve's default on this machine


FULL = Sizes(
    entries=1_000_000,
    clicks=50,
    model={},
    precompute_rows=120,
    engine_rows=120,
    engine_repeats=3,
    audit_rows=10_000_000,
    audit_files=10,
    gpu_messages=256,
    visitor_crowds=(1, 5, 10),
    visitor_pool=None,
)
QUICK = Sizes(
    entries=2_000,
    clicks=5,
    model={"n_layers": 1, "dim": 64, "hidden_dim": 128, "n_heads": 2},
    precompute_rows=6,
    engine_rows=6,
    engine_repeats=1,
    audit_rows=20_000,
    audit_files=2,
    gpu_messages=8,
    visitor_crowds=(1,),
    visitor_pool=1,
)


def app_click(sizes: Sizes) -> dict:
    """The app's explain click (IG and LIME side by side, faithfulness included, the app's
    settings) on the DistilBERT-sized model: computed, then served from a store of
    ``sizes.entries`` entries by a second visitor's kernel."""
    from workbench.app.compare import FAST_PARAMS, explain_pair
    from workbench.explain import default_cache

    texts = load_dataset(SPEC)["text"].tolist()
    with tempfile.TemporaryDirectory() as folder:
        model, parameters = distilbert_sized_model(Path(folder), texts, **sizes.model)
        text = min(texts, key=lambda t: abs(len(model.tokenizer.tokens(t)) - MESSAGE_TOKENS))
        tokens = len(model.tokenizer.tokens(text))
        store_folder = Path(folder) / "store"
        earlier = os.environ.get(STORE_ENV)
        os.environ[STORE_ENV] = str(store_folder)
        try:
            start = time.perf_counter()
            pair = explain_pair(model, text)
            computed_s = time.perf_counter() - start
            fill_s = _fill(store_folder, pair.first, model.fingerprint, sizes.entries)
            default_cache.clear()
            visitor = load_model(Path(folder) / "model.yaml")
            times = []
            for _ in range(sizes.clicks):
                start = time.perf_counter()
                served = explain_pair(visitor, text)
                times.append(time.perf_counter() - start)
        finally:
            if earlier is None:
                os.environ.pop(STORE_ENV)
            else:
                os.environ[STORE_ENV] = earlier
        assert served.first.attributions.tolist() == pair.first.attributions.tolist()
        assert NOTE_PRECOMPUTED in served.first.notes and NOTE_PRECOMPUTED in served.second.notes
        forward_s = _median_seconds(lambda: visitor.predict_proba([text]), 5)
    median = statistics.median(times)
    return {
        "model_parameters": parameters,
        "message_tokens": tokens,
        "settings": {"ig": dict(FAST_PARAMS["ig"]), "lime": dict(FAST_PARAMS["lime"])},
        "forward_s": round(forward_s, 4),
        "computed_click_s": round(computed_s, 2),
        "store_entries": sizes.entries + 2,
        "store_fill_s": round(fill_s, 1),
        "served_click_median_ms": round(median * 1000, 2),
        "served_click_max_ms": round(max(times) * 1000, 2),
        "computed_over_served": round(computed_s / median, 1),
        "note": "one click explains with IG (32 steps) and LIME (500 samples), faithfulness of "
        "both included: the app's interactive settings; the computed click ran once",
    }


def workers_against_one(rows: int) -> dict:
    """Precompute LIME for ``rows`` rows on 1 and on 2 local workers: the job's wall time
    (``workers=N``: the local cluster's start-up and each worker's model load included), and
    the throughput of workers that have started and loaded the model (``scheduler=``)."""
    job_s, warm_s = {}, {}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            summary = precompute(
                SPEC, methods=["lime"], rows=rows, workers=workers, store=folder, progress=False
            )
            job_s[workers] = time.perf_counter() - start
            assert summary.failed == 0
        warm_s[workers] = _warm_precompute_seconds(workers, rows)
    return {
        "rows": rows,
        "method": "lime",
        "one_worker_s": round(job_s[1], 2),
        "two_workers_s": round(job_s[2], 2),
        "job_speedup": round(job_s[1] / job_s[2], 2),
        "warm_one_worker_rows_per_s": round(rows / warm_s[1], 2),
        "warm_two_workers_rows_per_s": round(rows / warm_s[2], 2),
        "speedup": round(warm_s[1] / warm_s[2], 2),
        "note": "speedup: throughput of started workers that have loaded the model (a "
        "cluster serving many jobs); job_speedup: one job's wall time including the local "
        "cluster's start-up and the model load per worker",
    }


def _warm_precompute_seconds(workers: int, rows: int) -> float:
    """Seconds to precompute LIME for ``rows`` rows on a local cluster of ``workers`` worker
    processes (one thread each, as ``precompute(workers=N)`` makes) that have loaded the
    model already."""
    from distributed import Client, LocalCluster

    from workbench.store._engine_model import _ModelJob
    from workbench.store._precompute import _worker_model

    fingerprint = load_model(SPEC).fingerprint
    job = _ModelJob(spec_path=str(SPEC.resolve()), fingerprint=fingerprint, trust_pickle=False)
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(lambda: _worker_model(job) and None)
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            summary = precompute(
                SPEC,
                methods=["lime"],
                rows=rows,
                scheduler=cluster.scheduler_address,
                store=folder,
                progress=False,
            )
            seconds = time.perf_counter() - start
    assert summary.failed == 0
    return seconds


def engine_overhead(rows: int, repeats: int) -> dict:
    """LIME (faithfulness included) on ``rows`` crisis_text messages: precompute on a running
    one-worker cluster against in-process ``explain_batch``, both on one torch thread; the
    median of ``repeats`` of each, alternating which goes first (this machine's speed drifts
    by a fifth between runs half a minute apart)."""
    import torch
    from distributed import LocalCluster

    from workbench.explain import explain_batch

    torch.set_num_threads(1)  # Dask workers run one thread each
    model = load_model(SPEC)
    texts = load_dataset(SPEC)["text"].tolist()

    def on_engine(address: str, rows: int) -> None:
        with tempfile.TemporaryDirectory() as folder:
            summary = precompute(
                SPEC,
                methods=["lime"],
                rows=rows,
                scheduler=address,
                store=folder,
                progress=False,
            )
        assert summary.failed == 0

    def in_process() -> None:
        explain_batch(
            model, texts[:rows], method="lime", faithfulness=True, cache=None, progress=False
        )

    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        start = time.perf_counter()
        on_engine(cluster.scheduler_address, 1)
        warm_up_s = time.perf_counter() - start
        seconds = paired(lambda: on_engine(cluster.scheduler_address, rows), in_process, repeats)
    engine_s, in_process_s = seconds["workbench"]["wall"], seconds["hand"]["wall"]
    return {
        "rows": rows,
        "method": "lime",
        "repeats": repeats,
        "engine_s": round(engine_s, 2),
        "in_process_s": round(in_process_s, 2),
        "overhead": round(engine_s / in_process_s - 1, 3),
        "first_job_s": round(warm_up_s, 2),
        "note": "median wall seconds; the engine's time is a whole precompute job on a running "
        "cluster whose worker has the model loaded (keys, store writes and task traffic "
        "included); first_job_s is a one-row job that loads the model on the worker",
    }


def stored_audit(rows: int, files: int) -> dict:
    """The audit of ``rows`` stored predictions in ``files`` Parquet files: through Dask and
    in memory, each in its own process (time and peak memory), the numbers compared."""
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        _write_predictions(Path(folder), rows=rows, files=files)
        write_s = time.perf_counter() - start
        runs = {way: _audit_child(way, folder) for way in ("dask", "memory")}
    same = runs["dask"]["tables"] == runs["memory"]["tables"]
    assert same, "the Dask audit differs from the in-memory audit"
    return {
        "rows": rows,
        "files": files,
        "write_s": round(write_s, 1),
        "dask_s": runs["dask"]["seconds"],
        "memory_s": runs["memory"]["seconds"],
        "dask_peak_mb": runs["dask"]["peak_mb"],
        "memory_peak_mb": runs["memory"]["peak_mb"],
        "process_base_mb": runs["dask"]["base_mb"],
        "equal_numbers": same,
        "note": "each audit runs in a fresh process (reading the files included); peak_mb is "
        "that process's peak resident memory (VmHWM), base_mb its memory before reading; "
        "bootstrap 0, no calibration (stored counts have none)",
    }


def app_visitors(sizes: Sizes) -> dict:
    """(f): each crowd of visitors on a fresh ``workbench serve`` (``bench.bench_visitors``),
    with the browsers on this machine and browserless; the checks read the largest crowd."""
    return run_crowds(
        list(sizes.visitor_crowds), pool_size=sizes.visitor_pool or default_pool_size()
    )


def gpu_ig(messages: int, sizes: Sizes) -> dict | str:
    """Integrated Gradients messages per second on a GPU for the DistilBERT-sized model."""
    import torch

    if not torch.cuda.is_available():
        return "no GPU"
    from workbench.explain import explain_batch

    texts = load_dataset(SPEC)["text"].tolist()
    batch = (texts * (messages // len(texts) + 1))[:messages]
    with tempfile.TemporaryDirectory() as folder:
        model, _ = distilbert_sized_model(Path(folder), texts, device="cuda", **sizes.model)
        explain_batch(model, batch[:8], method="ig", cache=None, progress=False)
        torch.cuda.synchronize()
        start = time.perf_counter()
        explain_batch(model, batch, method="ig", cache=None, progress=False)
        torch.cuda.synchronize()
        seconds = time.perf_counter() - start
    return {
        "gpu": torch.cuda.get_device_name(0),
        "messages": messages,
        "messages_per_second": round(messages / seconds, 1),
    }


def _fill(folder: Path, explanation, fingerprint: str, entries: int) -> float:
    """Seconds to add ``entries`` other entries to the store in ``folder``."""
    store = ExplanationStore(folder)
    start = time.perf_counter()
    for first in range(0, entries, FILL_CHUNK):
        chunk = range(first, min(entries, first + FILL_CHUNK))
        store.put_many(
            [
                (
                    StoreKey.of(
                        fingerprint=fingerprint,
                        item=f"message {i}",
                        method=explanation.method,
                        params=explanation.params,
                        target=None,
                    ),
                    StoredEntry(explanation),
                )
                for i in chunk
            ]
        )
    store.close()
    return time.perf_counter() - start


def _median_seconds(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _write_predictions(folder: Path, *, rows: int, files: int) -> None:
    """``rows`` synthetic stored predictions with a planted gap, in ``files`` Parquet files."""
    generator = np.random.default_rng(7)
    for number, part in enumerate(np.array_split(np.arange(rows), files)):
        size = len(part)
        columns = {
            name: np.asarray(groups, dtype=object)[generator.integers(len(groups), size=size)]
            for name, groups in GROUPS.items()
        }
        urgent = generator.random(size) < 0.3
        lift = np.where(columns["gender"] == "male", -0.08, 0.0)
        score = np.clip(np.where(urgent, 0.65, 0.35) + lift + generator.normal(0, 0.15, size), 0, 1)
        frame = pd.DataFrame(
            {
                **columns,
                "label": np.where(urgent, "urgent", "routine"),
                "score_routine": 1 - score,
                "score_urgent": score,
            }
        )
        frame.to_parquet(folder / f"part-{number:03d}.parquet", index=False)


def _audit_child(way: str, folder: str) -> dict:
    """Run one audit of the files in ``folder`` in a fresh process; its figures."""
    command = [sys.executable, "-m", "bench.bench_scale", "--audit-child", way, folder]
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(command, capture_output=True, text=True, cwd=root, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the {way} audit failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _run_audit_child(way: str, folder: str) -> None:
    """In a fresh process: audit the files one ``way``, print seconds, memory and tables."""
    from workbench.audit import AuditOptions, audit, audit_stored_predictions

    options = AuditOptions(bootstrap=0, calibration=False)
    base = _memory_mb("VmRSS")
    start = time.perf_counter()
    if way == "dask":
        result = audit_stored_predictions(
            folder,
            classes=CLASSES,
            label="label",
            protected=list(PROTECTED),
            options=options,
            positive_class="urgent",
        )
    else:
        frame = pd.read_parquet(folder)
        scores = frame[[f"score_{name}" for name in CLASSES]].to_numpy()
        result = audit(
            scores,
            frame,
            label="label",
            protected=list(PROTECTED),
            classes=CLASSES,
            positive_class="urgent",
            options=options,
        )
    seconds = time.perf_counter() - start
    tables = {
        name: getattr(result, name).to_json(orient="split", double_precision=15)
        for name in ("overall", "by_group", "differences", "by_attribute")
    }
    figures = {
        "seconds": round(seconds, 2),
        "peak_mb": round(_memory_mb("VmHWM")),
        "base_mb": round(base),
        "rows": result.rows,
        "tables": tables,
    }
    print(json.dumps(figures))


def _memory_mb(field: str) -> float:
    """This process's ``VmHWM`` (peak) or ``VmRSS`` (now) in MB: unlike ``ru_maxrss``, which
    keeps the peak of the process that started this one, ``VmHWM`` starts afresh at exec."""
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _checks(results: dict) -> dict:
    """Which targets each figure meets."""
    checks = {
        "served_click_median_ms": results["app_click"]["served_click_median_ms"]
        <= TARGETS["click_median_ms"],
        "precompute_speedup": results["precompute_workers"]["speedup"]
        >= TARGETS["precompute_speedup"],
        "engine_overhead": results["engine_overhead"]["overhead"] <= TARGETS["engine_overhead"],
        "audit_equal_numbers": results["stored_audit"]["equal_numbers"],
    }
    crowds = results["app_visitors"]["crowds"]
    largest = crowds[max(crowds, key=int)]
    checks["visitors_first_widget_median_s"] = (
        largest["first_widget_s"]["median"] <= TARGETS["visitors_first_widget_median_s"]
    )
    checks["visitors_server_side_median_s"] = (
        largest["server_side_s"]["median"] <= TARGETS["visitors_first_widget_median_s"]
    )
    checks["visitors_total_mb"] = (
        largest["memory_settled"]["total_mb"] <= TARGETS["visitors_total_mb"]
    )
    return {"targets": TARGETS, "met": checks}


def main(argv: list[str] | None = None) -> dict:
    """Run every measurement and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: proves the bench runs")
    parser.add_argument("--results", type=Path, default=RESULTS_DIR, help="folder for scale.json")
    parser.add_argument("--audit-child", nargs=2, metavar=("WAY", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.audit_child:
        _run_audit_child(*args.audit_child)
        return {}
    sizes = QUICK if args.quick else FULL
    results = {
        "quick": args.quick,
        "app_click": app_click(sizes),
        "precompute_workers": workers_against_one(sizes.precompute_rows),
        "engine_overhead": engine_overhead(sizes.engine_rows, sizes.engine_repeats),
        "stored_audit": stored_audit(sizes.audit_rows, sizes.audit_files),
        "gpu_ig": gpu_ig(sizes.gpu_messages, sizes),
        "app_visitors": app_visitors(sizes),
    }
    results["checks"] = _checks(results)
    write_results(args.results / RESULT_FILE, results)
    # (f) is also bench_visitors' own result file.
    write_results(args.results / VISITORS_FILE, results["app_visitors"])
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
